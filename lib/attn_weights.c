/*
 * attn_weights.c — what one GPU holds of the attention's weights beyond
 * its even share under tensor parallelism:
 *
 *  - K and V heads replicated past the kv heads.  vLLM's and SGLang's
 *    QKVParallelLinear (vllm/model_executor/layers/linear.py,
 *    python/sglang/srt/layers/linear.py, __init__): with tp_size >=
 *    total_num_kv_heads, num_kv_heads = 1 and num_kv_head_replicas =
 *    tp_size / total_num_kv_heads, so each rank's weight holds one kv
 *    head's K and V whole; TensorRT-LLM's Attention
 *    (tensorrt_llm/_torch/modules/attention.py) takes (kv + tp - 1) // tp
 *    heads a rank alike.  kvp_plan stage_kv_replica_bytes.
 *
 *  - SGLang's data-parallel attention (kvp_request attention_dp with dp >
 *    1, `--tp T --dp D --enable-dp-attention`): T GPUs, not T x D, whose
 *    attention runs in D groups of T / D (python/sglang/srt/layers/
 *    dp_attention.py compute_dp_attention_world_info: attn_tp_size =
 *    tp_size // dp_size).  Read at stored commits of python/sglang/srt/
 *    (none matched to a release; doc/engines.md section 5):
 *    models/deepseek_v2.py (3e4a39ee): q_b_proj (q_proj without
 *    q_lora_rank), kv_b_proj and o_proj are Column/RowParallelLinear with
 *    tp_size=attn_tp_size; fused_qkv_a_proj_with_mqa and the router whole
 *    (kvp_plan replicated_bytes); the dense MLP, shared and routed experts
 *    over the whole tp group; embed_tokens a VocabParallelEmbedding with
 *    enable_tp=not is_dp_attention_enabled(), whole; lm_head over tp (over
 *    attn tp only with --enable-dp-lm-head, not modelled).
 *    models/qwen3_moe.py (008af3a6), qwen2_moe.py: QKVParallelLinear and
 *    o_proj over attn_tp, each GPU holding max(1, kv / attn_tp) kv heads,
 *    and embed_tokens whole.  kvp_plan attention_bytes and
 *    attention_gpu_bytes.
 *
 *  - The copies of every MLA layer's kv_b_proj each engine keeps beside
 *    it: SGLang's w_kc and w_vc, vLLM's dequantized one, TensorRT-LLM's
 *    k_b_proj_trans (kvp_plan attention_copy_bytes,
 *    attention_copy_sm100_bytes; copy_bytes, vllm_copies and
 *    trtllm_copies below).
 *
 *  - SGLang's dense layers' MLPs and shared experts, whole on every GPU
 *    with --moe-dense-tp-size 1 and --moe-a2a-backend deepep (kvp_plan
 *    dense_mlp_bytes and shared_expert_bytes; moe_parts below).
 *
 * The layers are walked by their cycle (the pattern, or per-layer kv
 * heads), each position counted as often as it recurs, so a model of
 * 2^32 layers costs what one cycle does.
 */
#include <string.h>

#include "engine.h"

/* The attention's projections but those every rank holds whole (MLA's
 * down-projections), in parameters: in all; on one GPU of tp (attention
 * tp) ranks, with whole kv heads; and, summed for the layers whose kv
 * heads are fewer than tp, hidden x (head_dim + head_dim_v) x (tp - kv),
 * tp times what a GPU holds past its even share of their K and V.
 * overflow: a sum past 64 bits, no real model's. */
struct attn_params {
	unsigned __int128 all, gpu, replica;
	unsigned __int128 o; /* of all, o_proj's */
	bool overflow;
};

/* Positions j in [a, b) with j % cycle == i. */
static uint64_t recurs(uint64_t a, uint64_t b, uint32_t i, uint32_t cycle)
{
	return (b / cycle + (i < b % cycle)) - (a / cycle + (i < a % cycle));
}

/* Whether layer i of m is a full layer whose V is its K's projection
 * (kvp_model full_k_eq_v). */
static bool k_eq_v(const kvp_model *m, uint32_t i)
{
	return m->full_k_eq_v && kvp__layer_weights_kind(m, i) == KVP_LAYER_FULL;
}

/* Layers a to b of m (a < b <= layers) on tp ranks, into *out. */
static void span_params(const kvp_model *m, uint64_t a, uint64_t b, uint32_t tp,
                        struct attn_params *out)
{
	uint64_t hidden = m->hidden, heads = m->heads, gate = kvp__q_gate(m);
	uint32_t cycle = m->layer_kv_heads_len == m->layers && m->layer_kv_heads_len
	                 ? m->layers : m->pattern_len ? m->pattern_len : 1;

	memset(out, 0, sizeof *out);
	if (cycle > m->layers)
		cycle = m->layers;
	for (uint32_t i = 0; i < cycle && !out->overflow; i++) {
		kvp_layer_kind kind = kvp__layer_weights_kind(m, i);
		uint64_t n = recurs(a, b, i, cycle);
		unsigned __int128 all = 0, gpu = 0, replica = 0, o = 0;

		if (!n)
			continue;
		if (kind == KVP_LAYER_MLA) {
			uint64_t qk = (uint64_t)m->qk_nope_dim + m->qk_rope_dim;
			uint64_t v = m->v_head_dim ? m->v_head_dim : m->head_dim;

			/* q_b_proj (or q_proj), kv_b_proj and o_proj, by
			 * heads, which tp divides (kvp__tp_check); each term
			 * under 2^98. */
			all = (unsigned __int128)(m->q_lora_rank ? m->q_lora_rank : hidden) *
			      heads * qk +
			      (unsigned __int128)m->kv_lora_rank * heads * (m->qk_nope_dim + v) +
			      (unsigned __int128)heads * v * hidden;
			o = (unsigned __int128)heads * v * hidden;
			gpu = all / tp;
		} else if (kind == KVP_LAYER_FULL || kind == KVP_LAYER_SLIDING ||
		           kind == KVP_LAYER_CHUNKED) {
			uint64_t hd = kvp_model_layer_head_dim(m, i),
			         hv = m->head_dim_v ? m->head_dim_v : hd;
			uint32_t kv = kvp_model_layer_kv_heads(m, i);
			/* q (and its output gate: kvp__q_gate) and o */
			unsigned __int128 qo = (unsigned __int128)hidden * heads * (hd * gate + hv);
			/* a k_eq_v full layer's K alone (its V slot a copy:
			 * keq_copies) */
			unsigned __int128 one = (unsigned __int128)hidden *
			                        (hd + (k_eq_v(m, i) ? 0 : hv));

			/* a layer of no kv heads (one sharing another's cache)
			 * has no K and V of its own */
			all = qo + one * kv;
			o = (unsigned __int128)hidden * heads * hv;
			gpu = qo / tp + (kv ? one * kvp__tp_heads(kv, tp) : 0);
			if (kv && kv < tp)
				replica = one * (tp - kv);
		}
		/* A layer's under 2^64, times n (under 2^32), summed over at
		 * most 256 positions: 128 bits hold it. */
		if (all > UINT64_MAX || replica > UINT64_MAX) {
			out->overflow = true;
			break;
		}
		out->all += all * n;
		out->o += o * n;
		out->gpu += gpu * n;
		out->replica += replica * n;
		out->overflow = out->all > UINT64_MAX;
	}
}

/* per_layer (under 2^128) times the model's MLA layers, saturating: past
 * 64 bits is no model's, and a saturated figure fits no GPU. */
static uint64_t mla_layers_times(const kvp_model *m, unsigned __int128 per_layer)
{
	uint64_t mla = kvp_model_count_layers(m, KVP_LAYER_MLA);

	if (per_layer > UINT64_MAX)
		return mla ? UINT64_MAX : 0;
	per_layer *= mla; /* under 2^96 */
	return per_layer > UINT64_MAX ? UINT64_MAX : (uint64_t)per_layer;
}

/* SGLang's w_kc and w_vc, with or without data-parallel attention
 * (models/deepseek_v2.py post_load_weights at 3e4a39ee and 00114aef;
 * deepseek_common/deepseek_weight_loader.py at 29bd4e85 alike): each MLA
 * layer's kv_b_proj, of the h heads one GPU holds, split per head into
 * K's qk_nope rows and V's v_head_dim rows, each made contiguous again:
 * new tensors beside kv_b_proj, which the prefill path keeps using.  In
 * bf16: a bf16 checkpoint's own, and an fp8 one's 128 x 128 blocks
 * dequantized to bf16 first (block_quant_dequant).  With one head a GPU,
 * V's slice is already contiguous and stays a view: of kv_b_proj itself
 * (w_kc alone more), or of an fp8 one's whole dequantized tensor, which
 * it keeps (w_kc and all of that).  Not modelled: SGL_USE_DEEPGEMM_BMM's
 * fp8 copies, and fp8 per-tensor checkpoints'.  Each factor is under
 * 2^34. */
static uint64_t copy_bytes(const kvp_model *m, uint32_t tp, bool fp8)
{
	uint64_t v = m->v_head_dim ? m->v_head_dim : m->head_dim;
	uint64_t h = m->heads / tp, nope = m->qk_nope_dim;
	uint64_t rows = h > 1 ? nope + v : fp8 ? 2 * nope + v : nope;

	return mla_layers_times(m, (unsigned __int128)h * rows * m->kv_lora_rank * 2);
}

/* Whether kv_b_proj has fp8 block scales (vLLM, TensorRT-LLM, SGLang):
 * fp8 weights asked (the format or the type), or a checkpoint whose
 * attention projections take from 0.9 to 1.5 B a parameter (DeepSeek's
 * fp8 release: 1 B and its scales), of all of them. */
static bool fp8_kv_b(const kvp_plan *p, unsigned __int128 all)
{
	const kvp_request *r = &p->request;
	unsigned __int128 b = r->weight_attention_bytes;

	/* kv_b_proj kept 16-bit (:qkv16, :attn16) is no fp8 */
	if (!r->weight_bytes && (kvp__wkeep(&r->weights_format) & KVP_WKEEP_QKV))
		return false;
	if (r->weights_format.kind == KVP_WFORMAT_FP8 ||
	    (r->weights_format.kind == KVP_WFORMAT_PLAIN && r->weights_dtype == KVP_DTYPE_FP8))
		return true;
	return r->weight_bytes && b && all && b * 10 >= all * 9 && b * 2 < all * 3;
}

/* Whether kv_b_proj is quantized at all (vLLM dequantizes any but an
 * unquantized one): a format that quantizes the attention (not MXFP4,
 * which leaves it 16-bit), 1-byte weights, or a checkpoint whose
 * attention projections take under 1.9 B a parameter. */
static bool quantized_kv_b(const kvp_plan *p, unsigned __int128 all)
{
	const kvp_request *r = &p->request;
	kvp_wformat k = r->weights_format.kind;

	if (r->weight_bytes)
		return r->weight_attention_bytes && all &&
		       (unsigned __int128)r->weight_attention_bytes * 10 < all * 19;
	if (k == KVP_WFORMAT_PLAIN)
		return r->weights_dtype == KVP_DTYPE_FP8 || r->weights_dtype == KVP_DTYPE_INT8;
	return !(kvp__wkeep(&r->weights_format) & KVP_WKEEP_QKV);
}

/* TensorRT-LLM's MLA (tensorrt_llm/_torch/modules/attention.py at
 * 00547a25, MLA.create_weights; models/modeling_deepseekv3.py
 * load_weights): kv_b_proj stays whole, v_b_proj is a view of it, and
 * k_b_proj_trans, K's half transposed, is a copy: h x kv_lora_rank x
 * qk_nope of the h heads a GPU holds, in fp8 with an fp32 scale of
 * (kv_lora_rank / 128) x (qk_nope / 128) a head where kv_b_proj has fp8
 * block scales, else in the model's 16 bits.  On sm 100 and 103
 * (is_sm_100f, without use_cute_dsl_blockscaling_bmm, its default) fp8
 * block scales add bf16 k_b_proj_trans_dequant and v_b_proj_dequant, h x
 * kv_lora_rank x (qk_nope + v) x 2 B (*sm100).  All the model's MLA
 * layers. */
static uint64_t trtllm_copies(const kvp_model *m, uint32_t tp, bool fp8, uint64_t *sm100)
{
	uint64_t v = m->v_head_dim ? m->v_head_dim : m->head_dim;
	uint64_t h = m->heads / tp;
	unsigned __int128 k = (unsigned __int128)h * m->kv_lora_rank * m->qk_nope_dim;

	*sm100 = 0;
	if (!fp8)
		return mla_layers_times(m, k * 2);
	*sm100 = mla_layers_times(m, (unsigned __int128)h * m->kv_lora_rank *
	                                 (m->qk_nope_dim + v) * 2);
	return mla_layers_times(m, k + (unsigned __int128)h * (m->kv_lora_rank / 128) *
	                                   (m->qk_nope_dim / 128) * 4);
}

/* vLLM's MLA (vllm/model_executor/layers/attention/mla_attention.py
 * MLAAttention.process_weights_after_loading at 0014ca6b; in 0.8 to 0.11
 * v1/attention/backends/mla/common.py MLACommonImpl): W_UK_T and W_UV
 * are views of get_and_maybe_dequant_weights(kv_b_proj), which is the
 * weight itself for an unquantized kv_b_proj (nothing more) and a new
 * bf16 tensor for any quantized one (scaled_dequantize for fp8 blocks,
 * else the layer applied to an identity), which the views keep beside
 * kv_b_proj, still used by prefill: h x (qk_nope + v) x kv_lora_rank x 2
 * B a layer, before "Model loading took" is measured.  Not followed:
 * ROCm's AITER fp8 and fp4 BMM paths (opt-in). */
static uint64_t vllm_copies(const kvp_model *m, uint32_t tp, bool quantized)
{
	uint64_t v = m->v_head_dim ? m->v_head_dim : m->head_dim;

	if (!quantized)
		return 0;
	return mla_layers_times(m, (unsigned __int128)(m->heads / tp) * (m->qk_nope_dim + v) *
	                               m->kv_lora_rank * 2);
}

/* Gemma 4's k_eq_v full layers under vLLM, SGLang and TensorRT-LLM: each
 * keeps a V slot in its qkv_proj, which the loader fills with k_proj's
 * weights (vLLM's Gemma4Attention: QKVParallelLinear of the layer's kv
 * heads, "k_eq_v layers load K weights into both K and V slots",
 * models/gemma4.py @ 81be2e09; SGLang's _get_k_eq_v_layers; TensorRT-LLM's
 * weight mapper), hidden x the kv heads a GPU holds x head dim a layer:
 * parameters one GPU holds beyond the checkpoint's.  Each layer's under
 * 2^96. */
static unsigned __int128 keq_copies(const kvp_model *m, uint32_t tp)
{
	unsigned __int128 n = 0;

	for (uint32_t i = 0; i < m->layers && i < KVP_PATTERN_MAX; i++)
		if (k_eq_v(m, i))
			n += (unsigned __int128)m->hidden *
			     kvp__tp_heads(kvp_model_layer_kv_heads(m, i), tp) *
			     kvp_model_layer_head_dim(m, i);
	return n;
}

/* x parameters at a format's bytes a parameter (est: its estimate, its
 * rate taken where of, the count x is part of, is among its quantized
 * parameters; 2 B where it keeps x's part 16-bit, keep: KVP_WKEEP_*), or
 * else at total's bytes a parameter (the weights' at their type where 0);
 * 0 where none applies.  x under 2^99. */
static uint64_t at_rate(const kvp_model *m, const kvp_weights_estimate *est,
                        const kvp_plan *p, unsigned __int128 x, unsigned __int128 of,
                        uint32_t keep, uint64_t total)
{
	const kvp_request *r = &p->request;

	if (est && est->quantized_params && (kvp__wkeep(&r->weights_format) & keep))
		return x * 2 > UINT64_MAX ? UINT64_MAX : (uint64_t)(x * 2);
	if (est && est->quantized_params && of <= est->quantized_params)
		return (uint64_t)((unsigned __int128)est->quantized_bytes * x /
		                  est->quantized_params);
	if (!total && kvp_dtype_bytes(r->weights_dtype, m->params, &total, NULL) != KVP_OK)
		return 0;
	return (uint64_t)((unsigned __int128)total * x / m->params);
}

/* The bytes of x of the attention's parameters, all of them: the
 * checkpoint's count of its projections, or at_rate's (MXFP4, :attn16,
 * :qkv16 and :o16 keep their parts 16-bit). */
static uint64_t bytes_of(const kvp_model *m, const kvp_weights_estimate *est,
                         const kvp_plan *p, unsigned __int128 x, unsigned __int128 all,
                         uint32_t keep)
{
	const kvp_request *r = &p->request;

	if (!all || x > all || all > m->params)
		return 0; /* not this model's count */
	if (r->weight_bytes && r->weight_attention_bytes) {
		if (r->weight_attention_bytes > r->weight_bytes)
			return 0;
		return (uint64_t)((unsigned __int128)r->weight_attention_bytes * x / all);
	}
	return at_rate(m, est, p, x, all, keep, p->weights_bytes);
}

/* SGLang's dense MLPs and shared experts (models/deepseek_v2.py at
 * 3e4a39ee): DeepseekV2MLP of the first dense layers with tp_size 1 under
 * enable_moe_dense_fully_dp (--moe-dense-tp-size 1), the shared experts
 * with tp_size 1 when the all-to-all backend is DeepEP; each a gate, an
 * up and a down of hidden x its inner size.  Their parameters under 2^99:
 * at_rate's (:dense16, :shared16 keep them 16-bit), a checkpoint's share
 * of its count. */
static uint64_t share_of(const kvp_model *m, const kvp_weights_estimate *est,
                         const kvp_plan *p, unsigned __int128 x, uint32_t keep)
{
	const kvp_request *r = &p->request;

	if (!x || x > m->params)
		return 0; /* not this model's count */
	return at_rate(m, r->weight_bytes ? NULL : est, p, x, x, keep,
	               r->weight_bytes ? r->weight_bytes : p->weights_bytes);
}

static void moe_parts(const kvp_model *m, const kvp_weights_estimate *est, kvp_plan *p)
{
	const kvp_request *r = &p->request;
	uint64_t routed = m->moe_experts ? kvp__expert_layers(m, 0, m->layers)
	                  : m->moe_routed_experts ? m->layers : 0;
	uint32_t inner = m->dense_intermediate ? m->dense_intermediate : m->intermediate;
	unsigned __int128 dense, shared;

	dense = (unsigned __int128)(m->layers - routed) * 3 * m->hidden * inner;
	shared = (unsigned __int128)routed * 3 * m->hidden * m->moe_shared_intermediate;
	if (r->sglang_dense_whole)
		p->dense_mlp_bytes = share_of(m, est, p, dense, KVP_WKEEP_DENSE);
	if (r->sglang_deepep)
		p->shared_expert_bytes = share_of(m, est, p, shared, KVP_WKEEP_SHARED);
}

void kvp__plan_attention_weights(const kvp_model *m, const kvp_weights_estimate *est,
                                 kvp_plan *p)
{
	const kvp_request *r = &p->request;
	uint32_t tp = kvp__attn_tp(r);
	struct attn_params a;

	p->attention_bytes = p->attention_gpu_bytes = p->attention_copy_bytes = 0;
	p->attention_copy_sm100_bytes = p->dense_mlp_bytes = p->shared_expert_bytes = 0;
	memset(p->stage_kv_replica_bytes, 0,
	       (p->stages ? p->stages : 1) * sizeof p->stage_kv_replica_bytes[0]);
	if (r->engine != KVP_ENGINE_VLLM && r->engine != KVP_ENGINE_SGLANG &&
	    r->engine != KVP_ENGINE_TRTLLM)
		return;
	memset(&a, 0, sizeof a);
	if (m->hidden && m->params && m->layers)
		span_params(m, 0, m->layers, tp, &a);
	/* The copies of kv_b_proj, by each engine's rule (above), where the
	 * weights are counted at all. */
	if (m->kv_lora_rank && m->heads && (m->params || r->weight_bytes) &&
	    kvp_model_count_layers(m, KVP_LAYER_MLA)) {
		bool fp8 = fp8_kv_b(p, a.overflow ? 0 : a.all);

		if (r->engine == KVP_ENGINE_SGLANG)
			p->attention_copy_bytes = copy_bytes(m, tp, fp8);
		else if (r->engine == KVP_ENGINE_VLLM)
			p->attention_copy_bytes = vllm_copies(m, tp,
			                                      quantized_kv_b(p, a.overflow ? 0 : a.all));
		else
			p->attention_copy_bytes = trtllm_copies(m, tp, fp8,
			                                        &p->attention_copy_sm100_bytes);
	}
	/* a model of at most KVP_PATTERN_MAX layers: k_eq_v's are listed */
	if (m->full_k_eq_v && m->hidden && m->layers <= KVP_PATTERN_MAX && !a.overflow &&
	    a.all)
		p->attention_copy_bytes = bytes_of(m, est, p, keq_copies(m, tp), a.all,
		                                   KVP_WKEEP_QKV);
	if (r->engine == KVP_ENGINE_SGLANG && m->hidden && m->params &&
	    (m->moe_experts || m->moe_routed_experts))
		moe_parts(m, est, p);
	if (!a.all || a.overflow)
		return;
	if (kvp__sglang_dp_attention(r)) {
		/* The attention's parts over tp / dp, replicas and all. */
		uint32_t k = kvp__wkeep(&r->weights_format) & KVP_WKEEP_ATTENTION;

		/* q, k, v and o at one rate, or each part at its own where
		 * the format keeps one 16-bit and not the other */
		if (k == 0 || k == KVP_WKEEP_ATTENTION)
			p->attention_bytes = bytes_of(m, est, p, a.all, a.all, KVP_WKEEP_ATTENTION);
		else if (!kvp__add(bytes_of(m, est, p, a.all - a.o, a.all, KVP_WKEEP_QKV),
		                   bytes_of(m, est, p, a.o, a.all, KVP_WKEEP_O),
		                   &p->attention_bytes))
			p->attention_bytes = UINT64_MAX;
		if (p->attention_bytes)
			p->attention_gpu_bytes = (uint64_t)((unsigned __int128)p->attention_bytes *
			                                    a.gpu / a.all);
		return;
	}
	if (!a.replica || tp < 2)
		return;
	/* Each stage's K and V past its even share, by its own layers. */
	for (uint32_t s = 0; s < p->stages; s++) {
		struct attn_params st;

		span_params(m, p->stage_first[s], (uint64_t)p->stage_first[s] + p->stage_layers[s],
		            tp, &st);
		p->stage_kv_replica_bytes[s] = bytes_of(m, est, p, st.replica / tp, a.all,
		                                        KVP_WKEEP_QKV);
	}
}
