/*
 * sglang_dp.c — the weights one GPU holds under SGLang's data-parallel
 * attention (kvp_request attention_dp with dp > 1, `--tp T --dp D
 * --enable-dp-attention`): T GPUs, not T x D, whose attention runs in D
 * groups of T / D (python/sglang/srt/layers/dp_attention.py
 * compute_dp_attention_world_info: attn_tp_size = tp_size // dp_size).
 *
 * Read at stored commits of python/sglang/srt/ (none matched to a
 * release; research: doc/engines.md section 5):
 *  - models/deepseek_v2.py (3e4a39ee): q_b_proj (q_proj without
 *    q_lora_rank), kv_b_proj and o_proj are Column/RowParallelLinear with
 *    tp_size=attn_tp_size; fused_qkv_a_proj_with_mqa and the router
 *    (MoEGate) whole (kvp_plan replicated_bytes); the dense MLP, shared and
 *    routed experts over the whole tp group; embed_tokens a
 *    VocabParallelEmbedding with enable_tp=not is_dp_attention_enabled(),
 *    whole; lm_head a ParallelLMHead over tp (over attn tp only with
 *    --enable-dp-lm-head, not modelled).
 *  - models/qwen3_moe.py (008af3a6), qwen2_moe.py, llama.py: the same for
 *    QKVParallelLinear and o_proj, each GPU holding max(1, kv / attn_tp)
 *    kv heads of K and V (replicated past them), and embed_tokens whole.
 *  - The cache: model_runner_kv_cache_mixin.py (001ccef0): kv heads over
 *    attn_tp (kvp__attn_tp), an MLA cell independent of it.
 */
#include <string.h>

#include "engine.h"

/* A layer's attention projections, less those every rank holds whole
 * (MLA's down-projections): in all and on one GPU of tp (attention tp)
 * ranks.  Each figure is under 2^32, so a layer's sum under 2^67. */
struct attn_params {
	unsigned __int128 all, gpu;
};

static void layer_params(const kvp_model *m, uint32_t i, uint32_t tp,
                         struct attn_params *out)
{
	kvp_layer_kind kind = kvp_model_layer_kind(m, i);
	uint64_t hidden = m->hidden, heads = m->heads;

	if (kind == KVP_LAYER_MLA) {
		uint64_t qk = (uint64_t)m->qk_nope_dim + m->qk_rope_dim;
		uint64_t v = m->v_head_dim ? m->v_head_dim : m->head_dim;
		unsigned __int128 n;

		/* q_b_proj (or q_proj), kv_b_proj and o_proj, by heads; tp
		 * divides the heads (kvp__tp_check). */
		n = (unsigned __int128)(m->q_lora_rank ? m->q_lora_rank : hidden) * heads * qk +
		    (unsigned __int128)m->kv_lora_rank * heads * (m->qk_nope_dim + v) +
		    (unsigned __int128)heads * v * hidden;
		out->all += n;
		out->gpu += n / tp;
	} else if (kind == KVP_LAYER_FULL || kind == KVP_LAYER_SLIDING ||
	           kind == KVP_LAYER_CHUNKED) {
		uint64_t hd = m->head_dim, hv = m->head_dim_v ? m->head_dim_v : hd;
		uint64_t kv = kvp_model_layer_kv_heads(m, i);
		unsigned __int128 qo = (unsigned __int128)hidden * heads * (hd + hv);
		unsigned __int128 one_kv = (unsigned __int128)hidden * (hd + hv);

		out->all += qo + one_kv * kv;
		out->gpu += qo / tp + one_kv * kvp__tp_heads((uint32_t)kv, tp);
	}
}

/* SGLang's w_kc and w_vc, with or without data-parallel attention
 * (models/deepseek_v2.py post_load_weights at 3e4a39ee and 00114aef;
 * deepseek_common/deepseek_weight_loader.py at 29bd4e85 alike): each MLA
 * layer's kv_b_proj, of the h heads one GPU holds, split per head into
 * K's qk_nope rows and V's v_head_dim rows, each made contiguous again:
 * new tensors beside kv_b_proj, which the prefill path keeps using.  In
 * bf16: a bf16 checkpoint's own, and an fp8 one's 128 x 128 blocks
 * dequantized to bf16 first (block_quant_dequant).  With one head a GPU,
 * V's slice is already contiguous and stays a view (w_kc alone).  Not
 * modelled: SGL_USE_DEEPGEMM_BMM's fp8 copies, and fp8 per-tensor
 * checkpoints'. */
static uint64_t copy_bytes(const kvp_model *m, uint32_t tp)
{
	uint64_t v = m->v_head_dim ? m->v_head_dim : m->head_dim, mla = 0;
	uint64_t h = m->heads / tp;
	unsigned __int128 b;

	for (uint32_t i = 0; i < m->layers; i++)
		mla += kvp_model_layer_kind(m, i) == KVP_LAYER_MLA;
	b = (unsigned __int128)mla * h * (m->qk_nope_dim + (h > 1 ? v : 0)) *
	    m->kv_lora_rank * 2;
	return b > UINT64_MAX ? 0 : (uint64_t)b;
}

void kvp__plan_attention_weights(const kvp_model *m, const kvp_weights_estimate *est,
                                 kvp_plan *p)
{
	const kvp_request *r = &p->request;
	uint32_t tp = kvp__attn_tp(r);
	struct attn_params a = {0, 0};
	uint64_t total = p->weights_bytes, bytes;

	p->attention_bytes = p->attention_gpu_bytes = p->attention_copy_bytes = 0;
	if (r->engine != KVP_ENGINE_SGLANG)
		return;
	if (m->kv_lora_rank && m->heads && kvp_model_count_layers(m, KVP_LAYER_MLA))
		p->attention_copy_bytes = copy_bytes(m, tp);
	if (!kvp__sglang_dp_attention(r) || !m->hidden || !m->params)
		return;
	for (uint32_t i = 0; i < m->layers; i++)
		layer_params(m, i, tp, &a);
	if (!a.all || a.all > m->params)
		return; /* not this model's count */
	/* At the weights' bytes: a format's quantized ones (the attention's
	 * projections are linear layers it quantizes), else the whole
	 * model's by parameters. */
	if (r->weight_bytes && r->weight_attention_bytes) {
		bytes = r->weight_attention_bytes; /* counted in the checkpoint */
		if (bytes > r->weight_bytes)
			return;
	} else if (est && est->quantized_params && a.all <= est->quantized_params) {
		bytes = (uint64_t)((unsigned __int128)est->quantized_bytes * a.all /
		                   est->quantized_params);
	} else {
		if (!total && kvp_dtype_bytes(r->weights_dtype, m->params, &total, NULL) != KVP_OK)
			return;
		bytes = (uint64_t)((unsigned __int128)total * a.all / m->params);
	}
	p->attention_bytes = bytes;
	/* a.gpu <= a.all */
	p->attention_gpu_bytes = (uint64_t)((unsigned __int128)bytes * a.gpu / a.all);
}
