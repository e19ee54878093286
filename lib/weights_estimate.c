/*
 * weights_estimate.c — the bytes of a model's weights in a checkpoint
 * format, when no file counts them: each format's estimate from the
 * model's params, vocab, hidden size and tied embeddings (the formats'
 * names: lib/weights_format.c).
 *
 * Checkpoint formats quantize the blocks' linear layers; the embeddings,
 * the LM head, the norms and a vision tower stay 16-bit (AWQ's and GPTQ's
 * head quantized as a linear layer under ":lm_head").  Per linear weight:
 *   int4-awq:gG   (AutoAWQ GEMM layout: qweight int32 [in, out/8], scales
 *                 fp16 [in/G, out], qzeros int32 [in/G, out/8]):
 *                 1/2 + 2/G + 1/(2G) B, 133/256 at G = 128;
 *   int4-gptq:gG  (AutoGPTQ: qweight [in/8, out], the same scales and
 *                 zeros, g_idx int32 [in]): the same and 4 B per input row;
 *   fp8           1 B, and an fp32 weight_scale per tensor;
 *   nvfp4         (ModelOpt: 8 B of e2m1 pairs and one fp8 scale per 16):
 *                 9/16 B, and an fp32 weight_scale_2 and input_scale per
 *                 tensor;
 *   mxfp4         (gpt-oss: 16 B of e2m1 pairs and one e8m0 scale per 32):
 *                 17/32 B, on the MLP and experts only, attention 16-bit;
 *   w4a16:gG      (compressed-tensors pack-quantized, llm-compressor's
 *                 W4A16: weight_packed int32 [out, in/8], weight_scale
 *                 16-bit [out, in/G], weight_shape int64 [2]):
 *                 1/2 + 2/G B (33/64 at G = 128), and 16 B a
 *                 tensor; ":asym" a packed 4-bit zero per group more,
 *                 ":actorder" a 4-byte g_idx per input row;
 *                 w4a16:channel a scale (and zero) an output row;
 *   w8a16         (pack-quantized 8-bit, llm-compressor's W8A16:
 *                 weight_packed int32 [out, in/4], weight_scale 16-bit
 *                 [out, 1]): 1 B, 2 B an output row and 16 B a tensor;
 *                 w8a16:gG a scale per G inputs, 1 + 2/G B; zero points
 *                 a byte, g_idx as w4a16's;
 *   w8a8          (int-quantized, W8A8 int8: weight int8 [out, in],
 *                 weight_scale 16-bit [out, 1]): 1 B, and 2 B an output
 *                 row; ":asym" an int8 zero a row more.
 * GGUF types (ggml's blocks, lib/ggml_types.c) apply to every 2-D tensor,
 * embeddings and head too, and the 1-D norms stay f32.
 *
 * A mixture of experts' routers (hidden x experts a routed layer) are
 * left as they were by every format: 16-bit in the checkpoints
 * (DeepSeek-V3's fp8 release keeps mlp.gate in bf16, Qwen3's FP8 lists
 * mlp.gate among its ignored layers, AWQ and GPTQ leave the gate out,
 * gpt-oss's MXFP4 keeps mlp.router in bf16), f32 in GGUF (llama.cpp's
 * llama-quant.cpp: "do not quantize expert gating tensors",
 * ffn_gate_inp.weight; convert_hf_to_gguf.py writes it f32).
 *
 * A format may leave more linear layers 16-bit (keep16: ModelOpt's
 * exclude_modules and compressed-tensors' ignore name them): attention's
 * projections, all or but o, a mixture's shared experts, its dense
 * layers' MLPs, a hybrid's Gated DeltaNet projections.  Those are
 * counted at 2 B, and their rows and tensors take no scales.
 *
 * The shape is a transformer's: norms (2 x layers + 1) x hidden; each
 * attention layer's q, k, v and o (MLA's q_a, q_b, kv_a, kv_b and o; a
 * gated attention's q twice as wide, kvp__q_gate), each
 * Gated DeltaNet layer's projections (delta_net); the
 * MLP blocks (a dense model's layers, their inner size the rest of the
 * linear params over 3 x hidden; a mixture's routed and shared experts and
 * dense layers, by their sizes).  The per-tensor terms are a few
 * kilobytes, the norms a few hundred: the estimate is within them of the
 * checkpoint (tests/test_weights.c holds it to published ones).
 */
#include <string.h>

#include "engine.h"
#include "gguf.h"

/* ceil(n x num / den) for den > 0, n x num < 2^128 (n, num < 2^64). */
static unsigned __int128 scaled(uint64_t n, uint64_t num, uint64_t den)
{
	unsigned __int128 x = (unsigned __int128)n * num;

	return x / den + (x % den != 0);
}

/* A mixture of experts' routers' parameters: hidden x experts in each
 * routed layer (kvp__routed_layers), and a Nemotron-H's
 * e_score_correction_bias, an expert's each; 0 for a dense model.
 * Under 2^96. */
static unsigned __int128 router_params(const kvp_model *m)
{
	uint32_t experts = m->moe_experts ? m->moe_experts : m->moe_routed_experts;
	uint64_t layers;

	if (!experts || !m->moe_intermediate)
		return 0;
	layers = kvp__routed_layers(m, m->layers);
	return (unsigned __int128)layers * (m->hidden + kvp__relu2_experts(m)) * experts;
}

/* A part of the linear layers: its parameters, input rows, output rows
 * and tensors, for the formats' per-row and per-tensor terms. */
struct part {
	unsigned __int128 params, in, out, tensors;
};

enum { P_QKV, P_O, P_EXPERTS, P_SHARED, P_DENSE, P_INPROJ, P_OUTPROJ, P_COUNT };

/* The KVP_WKEEP_* bit of each part (the routed experts none). */
static const uint32_t part_keep[P_COUNT] = {
	KVP_WKEEP_QKV, KVP_WKEEP_O, 0, KVP_WKEEP_SHARED, KVP_WKEEP_DENSE, KVP_WKEEP_INPROJ,
	KVP_WKEEP_OUTPROJ};

static void add(struct part *p, unsigned __int128 params, unsigned __int128 in,
                unsigned __int128 out, unsigned __int128 tensors)
{
	p->params += params;
	p->in += in;
	p->out += out;
	p->tensors += tensors;
}

/* An MLP part of blocks of gate, up (reading hidden) and down (reading
 * the block's inner size), inner the blocks' inner sizes summed. */
static void mlp(struct part *p, uint64_t hidden, unsigned __int128 blocks,
                unsigned __int128 inner)
{
	add(p, 3 * hidden * inner, 2 * blocks * hidden + inner, 2 * inner + blocks * hidden,
	    3 * blocks);
}

/* A Gated DeltaNet layer's projections (Qwen3-Next's Qwen3NextGated-
 * DeltaNet: in_proj_qkvz, in_proj_ba, out_proj; Qwen3.5's the same
 * split as in_proj_qkv, in_proj_z, in_proj_b, in_proj_a, out_proj),
 * in llama.cpp's numbers (kvp_model: key heads ssm_groups of ssm_state,
 * values ssm_inner): hidden x (2 x keys + 2 x values + 2 x value heads)
 * in, values x hidden out, the value heads taken as values over the key
 * head dim (the two head dims are equal in both families), into in (the
 * in_proj, 2 or 4 tensors) and out (out_proj).  Its conv1d, A_log,
 * dt_bias and norm are none of them.  false for a model of no such
 * layers. */
static const char *const gdn_types[] = {"qwen3_next", "qwen3next", "qwen3_5", "qwen35"};

uint32_t kvp__q_gate(const kvp_model *m)
{
	return kvp__model_type_in(m, gdn_types, sizeof gdn_types / sizeof gdn_types[0]) ? 2 : 1;
}

bool kvp__delta_net(const kvp_model *m)
{
	uint64_t keys = (uint64_t)m->ssm_groups * m->ssm_state;

	return kvp__model_type_in(m, gdn_types, sizeof gdn_types / sizeof gdn_types[0]) && keys &&
	       m->ssm_inner && m->ssm_inner % m->ssm_state == 0;
}

static bool delta_net(const kvp_model *m, struct part *in, struct part *out)
{
	uint64_t h = m->hidden, keys = (uint64_t)m->ssm_groups * m->ssm_state;
	uint64_t values = m->ssm_inner, in_out, tensors;

	if (!kvp__delta_net(m))
		return false;
	in_out = 2 * keys + 2 * values + 2 * (values / m->ssm_state);
	tensors = kvp__model_type_in(m, gdn_types, 2) ? 2 : 4;
	memset(in, 0, sizeof *in);
	memset(out, 0, sizeof *out);
	add(in, (unsigned __int128)h * in_out, tensors * h, in_out, tensors);
	add(out, (unsigned __int128)values * h, values, h, 1);
	return true;
}

/* A Nemotron-H's Mamba-2 layer (vLLM's MambaMixer2, nemotron_h.py), or a
 * model's without attention (Mamba-2's Mamba2Mixer, Mamba's and Falcon
 * Mamba's MambaMixer): its linear layers in_proj, hidden x (2 inner + 2
 * groups x state + heads) into in, and out_proj, inner x hidden into out
 * (a Mamba-1's x_proj and dt_proj the rest of the linear parameters);
 * its conv1d ((inner + 2 groups x state) x conv_kernel and the bias of
 * use_conv_bias, which every Nemotron-H's config sets), A_log, D and
 * dt_bias (a head each) and its gated norm (inner), 16-bit as the norms
 * are (f32 in GGUF: llama.cpp quantizes no ssm_a, ssm_d or ssm_conv1d),
 * into *other; a Mamba-1's A_log of inner x state, D and dt_proj's bias
 * of inner.  false for another model, or a Nemotron-H of unknown heads
 * (kvp_model ssm_heads). */
static bool mamba_mixer(const kvp_model *m, struct part *in, struct part *out,
                   unsigned __int128 *other)
{
	uint64_t h = m->hidden, bc = 2 * (uint64_t)m->ssm_groups * m->ssm_state;
	uint64_t inner = m->ssm_inner, width = 2 * inner + bc + m->ssm_heads;
	bool pure = kvp_model_attention_free(m);

	if ((!kvp__nemotron_h(m) && !pure && !m->ssm_parallel) || (!m->ssm_heads && !pure) ||
	    !inner || !m->ssm_conv_kernel || kvp__lfm2(m))
		return false;
	memset(in, 0, sizeof *in);
	memset(out, 0, sizeof *out);
	add(in, (unsigned __int128)h * width, h, width, 1);
	add(out, (unsigned __int128)inner * h, inner, h, 1);
	*other = (unsigned __int128)(inner + bc) * (m->ssm_conv_kernel + 1) +
	         3 * (unsigned __int128)m->ssm_heads + inner;
	if (!m->ssm_heads) /* Mamba-1: A_log and dt_proj's bias (D above) */
		*other += (unsigned __int128)inner * m->ssm_state + inner;
	return true;
}

/* A Nemotron-H's attention block, of kv kv heads: q and o, k and v. */
static unsigned __int128 attention_block(const kvp_model *m, uint64_t kv)
{
	unsigned __int128 h = m->hidden;

	return 2 * h * ((uint64_t)m->heads * m->head_dim) + 2 * h * (kv * m->head_dim);
}

uint64_t kvp__nemotron_mlp_params(const kvp_model *m)
{
	struct part in, out;
	unsigned __int128 other, h = m->hidden, known, total = m->params - m->vision_params;
	uint64_t mlp = kvp_model_count_layers(m, KVP_LAYER_NONE),
	         mamba = kvp_model_count_layers(m, KVP_LAYER_RECURRENT),
	         attention = (uint64_t)m->layers - mlp - mamba; /* M, * and - alone */

	if (!mamba_mixer(m, &in, &out, &other) || !mlp || m->layer_kv_heads_len ||
	    m->vision_params > m->params || (m->moe_routed_experts && m->moe_intermediate) ||
	    m->intermediate)
		return 0;
	known = (unsigned __int128)m->vocab * h * (m->tie_embeddings ? 1 : 2) + h +
	        mamba * (in.params + out.params + other + h) +
	        attention * (attention_block(m, m->kv_heads) + h);
	total = total > known ? (total - known) / mlp : 0;
	return total > UINT64_MAX ? UINT64_MAX : (uint64_t)total;
}

uint64_t kvp__nemotron_layer_params(const kvp_model *m, uint32_t i, uint64_t mlp)
{
	struct part in, out;
	unsigned __int128 other, h = m->hidden, n;
	kvp_layer_kind kind = kvp_model_layer_kind(m, i);
	uint64_t experts = m->moe_routed_experts;

	if (!kvp__nemotron_h(m) || !mamba_mixer(m, &in, &out, &other))
		return 0;
	if (kind == KVP_LAYER_RECURRENT)
		n = in.params + out.params + other;
	else if (kvp__attention_kind(kind))
		n = attention_block(m, kvp_model_layer_kv_heads(m, i));
	else if (experts && m->moe_intermediate)
		n = (unsigned __int128)experts * kvp__expert_params(m) + (h + 1) * experts +
		    2 * h * m->moe_shared_intermediate + 2 * h * m->moe_latent;
	else if (m->intermediate)
		n = 2 * h * m->intermediate;
	else
		return mlp; /* a size the profile does not give, its norm in it */
	n += h; /* the block's norm */
	return n > UINT64_MAX ? UINT64_MAX : (uint64_t)n;
}

/* An LFM2 conv layer's (Lfm2ShortConv): in_proj hidden x 3 hidden, the
 * gates B and C and the input, and out_proj hidden x hidden, one tensor
 * each; its conv kernel is kept as the norms are. */
static bool short_conv(const kvp_model *m, struct part *in, struct part *out)
{
	uint64_t h = m->hidden;

	if (!kvp__lfm2(m) || m->ssm_state || !m->ssm_conv_kernel)
		return false;
	memset(in, 0, sizeof *in);
	memset(out, 0, sizeof *out);
	add(in, (unsigned __int128)h * 3 * h, h, 3 * h, 1);
	add(out, (unsigned __int128)h * h, h, h, 1);
	return true;
}

/* A recurrent layer's projections, in and out (a short convolution's,
 * a Gated DeltaNet's or a Mamba-2's): false where the model has none
 * told apart. */
static bool recurrent_projections(const kvp_model *m, struct part *in, struct part *out)
{
	unsigned __int128 other;

	return short_conv(m, in, out) || delta_net(m, in, out) ||
	       mamba_mixer(m, in, out, &other);
}

/* The part each kvp_wproj is of (its own keep16 bit: kvp__wproj_keep). */
static const int proj_part[KVP_WPROJ_COUNT] = {
	P_INPROJ, P_OUTPROJ, P_O, P_SHARED, P_SHARED, P_EXPERTS, P_EXPERTS};

/* One layer's kvp_wproj projections, and how many layers hold each: a
 * Gated DeltaNet's in_proj and out_proj (its recurrent layers'), a
 * Nemotron-H's in_proj and out_proj (its Mamba-2 layers'), o_proj (its
 * attention layers'), and its expert layers' shared experts' up_proj
 * (hidden x shared inner) and down_proj, fc1_latent_proj (hidden x
 * latent) and fc2_latent_proj.  false for another model. */
static bool projections(const kvp_model *m, struct part one[KVP_WPROJ_COUNT],
                        uint32_t of[KVP_WPROJ_COUNT])
{
	uint64_t h = m->hidden, s = m->moe_shared_intermediate, w = m->moe_latent;
	uint64_t o_in = (uint64_t)m->heads * (m->head_dim_v ? m->head_dim_v : m->head_dim);
	uint32_t routed;
	unsigned __int128 other;

	memset(one, 0, KVP_WPROJ_COUNT * sizeof one[0]);
	memset(of, 0, KVP_WPROJ_COUNT * sizeof of[0]);
	if (delta_net(m, &one[KVP_WPROJ_INPROJ], &one[KVP_WPROJ_OUTPROJ])) {
		of[KVP_WPROJ_INPROJ] = of[KVP_WPROJ_OUTPROJ] =
			kvp_model_count_layers(m, KVP_LAYER_RECURRENT);
		return true;
	}
	if (!mamba_mixer(m, &one[KVP_WPROJ_INPROJ], &one[KVP_WPROJ_OUTPROJ], &other))
		return false;
	of[KVP_WPROJ_INPROJ] = of[KVP_WPROJ_OUTPROJ] =
		kvp_model_count_layers(m, KVP_LAYER_RECURRENT);
	add(&one[KVP_WPROJ_O], (unsigned __int128)o_in * h, o_in, h, 1);
	for (uint32_t i = 0; i < m->layers; i++)
		of[KVP_WPROJ_O] += kvp__attention_kind(kvp__layer_weights_kind(m, i));
	routed = m->moe_routed_experts && m->moe_intermediate
	         ? (uint32_t)kvp__routed_layers(m, m->layers) : 0;
	if (s) {
		add(&one[KVP_WPROJ_SHARED_UP], (unsigned __int128)h * s, h, s, 1);
		add(&one[KVP_WPROJ_SHARED_DOWN], (unsigned __int128)s * h, s, h, 1);
		of[KVP_WPROJ_SHARED_UP] = of[KVP_WPROJ_SHARED_DOWN] = routed;
	}
	if (w) {
		add(&one[KVP_WPROJ_LATENT_IN], (unsigned __int128)h * w, h, w, 1);
		add(&one[KVP_WPROJ_LATENT_OUT], (unsigned __int128)w * h, w, h, 1);
		of[KVP_WPROJ_LATENT_IN] = of[KVP_WPROJ_LATENT_OUT] = routed;
	}
	return true;
}

/* The parts of m's linear parameters (linear of them in all):
 *  - each attention layer's q, k, v (an MLA layer's q_a, q_b or its q,
 *    kv_a, kv_b) and its o;
 *  - the MLP blocks: a dense model's layers (their inner size the rest
 *    of linear over 3 x hidden: its dense part); a mixture's routed
 *    layers' experts (moe_intermediate) and shared experts
 *    (moe_shared_intermediate), its dense layers' MLPs
 *    (dense_intermediate, else intermediate).
 * Attention is capped at linear.  Each figure under 2^100 (a layer's
 * under 2^68, times at most 2^32 layers). */
static void linear_parts(const kvp_model *m, uint64_t linear, struct part parts[P_COUNT])
{
	uint64_t h = m->hidden;
	unsigned __int128 attn;
	struct part gin = {0, 0, 0, 0}, gout = {0, 0, 0, 0};
	bool has_gdn = recurrent_projections(m, &gin, &gout);
	uint32_t gate = kvp__q_gate(m);

	memset(parts, 0, P_COUNT * sizeof parts[0]);
	for (uint32_t i = 0; i < m->layers; i++) {
		kvp_layer_kind kind = kvp__layer_weights_kind(m, i);

		if (kind == KVP_LAYER_RECURRENT && has_gdn) {
			add(&parts[P_INPROJ], gin.params, gin.in, gin.out, gin.tensors);
			add(&parts[P_OUTPROJ], gout.params, gout.in, gout.out, gout.tensors);
		} else if (kind == KVP_LAYER_MLA) {
			uint64_t qk = (uint64_t)m->qk_nope_dim + m->qk_rope_dim;
			uint64_t v = m->v_head_dim ? m->v_head_dim : m->head_dim;
			unsigned __int128 q_out = (unsigned __int128)m->heads * qk;
			uint64_t kv_a = (uint64_t)m->kv_lora_rank + m->qk_rope_dim;
			unsigned __int128 kv_b = (unsigned __int128)m->heads * (m->qk_nope_dim + v);

			/* q_a and q_b, or one q; kv_a_proj_with_mqa; kv_b */
			if (m->q_lora_rank)
				add(&parts[P_QKV], (unsigned __int128)h * m->q_lora_rank +
				                   (unsigned __int128)m->q_lora_rank * q_out,
				    h + m->q_lora_rank, m->q_lora_rank + q_out, 2);
			else
				add(&parts[P_QKV], (unsigned __int128)h * q_out, h, q_out, 1);
			add(&parts[P_QKV], (unsigned __int128)h * kv_a +
			                   (unsigned __int128)m->kv_lora_rank * kv_b,
			    h + m->kv_lora_rank, kv_a + kv_b, 2);
			add(&parts[P_O], (unsigned __int128)m->heads * v * h, (uint64_t)m->heads * v, h,
			    1);
			/* a sparse-attention indexer's wq_b and wk, with q and
			 * kv (ModelOpt's "*attn*" keeps them so) */
			if (kvp_model_layer_indexed(m, i)) {
				unsigned __int128 iq, i16;

				kvp__indexer_layer_params(m, &iq, &i16);
				add(&parts[P_QKV], iq, (uint64_t)m->q_lora_rank + h,
				    (uint64_t)m->index_heads * m->index_head_dim + m->index_head_dim, 2);
			}
		} else if (kvp__attention_kind(kind)) {
			uint64_t kv = kvp_model_layer_kv_heads(m, i), hd = kvp_model_layer_head_dim(m, i);
			uint64_t hd_v = m->head_dim_v ? m->head_dim_v : hd;
			/* no v_proj in a k_eq_v full layer (Gemma 4's) */
			bool v_proj = !(m->full_k_eq_v && kind == KVP_LAYER_FULL);
			unsigned __int128 out = (unsigned __int128)m->heads * hd * gate +
			                        (unsigned __int128)kv * hd +
			                        (v_proj ? (unsigned __int128)kv * hd_v : 0);
			uint64_t o_in = (uint64_t)m->heads * hd_v;

			add(&parts[P_QKV], (unsigned __int128)h * out, 3 * h, out, 3);
			add(&parts[P_O], (unsigned __int128)h * o_in, o_in, h, 1);
			/* Falcon-H1's mixer beside it */
			if (m->ssm_parallel && has_gdn) {
				add(&parts[P_INPROJ], gin.params, gin.in, gin.out, gin.tensors);
				add(&parts[P_OUTPROJ], gout.params, gout.in, gout.out, gout.tensors);
			}
		}
	}
	attn = parts[P_QKV].params + parts[P_O].params + parts[P_INPROJ].params +
	       parts[P_OUTPROJ].params;
	if (attn > linear) {
		/* not this model's count: the layers' parameters as a whole */
		memset(parts, 0, 2 * sizeof parts[0]);
		memset(&parts[P_INPROJ], 0, 2 * sizeof parts[0]);
		attn = 0;
	}
	if ((m->moe_experts || m->moe_routed_experts) && m->moe_intermediate &&
	    kvp__relu2_experts(m)) {
		/* Nemotron-H's E layers: relu2 experts of up and down over
		 * the latent width (kvp__expert_params) and, with a latent,
		 * fc1_latent_proj and fc2_latent_proj among them; one shared
		 * relu2 MLP over hidden.  Its MLP (-) layers are none of
		 * these (no mixture of experts has any). */
		uint64_t routed = kvp__routed_layers(m, m->layers), w = m->moe_latent;
		unsigned __int128 blocks = (unsigned __int128)routed * m->moe_routed_experts;
		unsigned __int128 inner = blocks * m->moe_intermediate;
		uint64_t s = m->moe_shared_intermediate;

		add(&parts[P_EXPERTS], blocks * kvp__expert_params(m),
		    blocks * (w ? w : h) + inner, inner + blocks * (w ? w : h), 2 * blocks);
		if (w)
			add(&parts[P_EXPERTS], (unsigned __int128)routed * 2 * h * w,
			    (unsigned __int128)routed * (h + w), (unsigned __int128)routed * (w + h),
			    2 * routed);
		if (s)
			add(&parts[P_SHARED], (unsigned __int128)routed * 2 * h * s,
			    (unsigned __int128)routed * (h + s), (unsigned __int128)routed * (s + h),
			    2 * routed);
	} else if ((m->moe_experts || m->moe_routed_experts) && m->moe_intermediate) {
		uint64_t experts = m->moe_experts ? m->moe_experts : m->moe_routed_experts;
		uint64_t routed = kvp__routed_layers(m, m->layers);
		uint64_t dense = m->layers - routed;
		uint64_t dense_i = m->dense_intermediate ? m->dense_intermediate : m->intermediate;

		mlp(&parts[P_EXPERTS], h, (unsigned __int128)routed * experts,
		    (unsigned __int128)routed * experts * m->moe_intermediate);
		if (m->moe_shared_intermediate)
			mlp(&parts[P_SHARED], h, routed,
			    (unsigned __int128)routed * m->moe_shared_intermediate);
		if (dense_i)
			mlp(&parts[P_DENSE], h, dense, (unsigned __int128)dense * dense_i);
	} else {
		mlp(&parts[P_DENSE], h, m->layers, (linear - (uint64_t)attn) / (3 * h));
	}
}

/* The bytes of the parameters format f quantizes, e->quantized_params
 * set to how many they are: the linear layers less those it keeps 16-bit
 * (attention's for MXFP4) for a checkpoint format, every 2-D tensor for a
 * GGUF type. */
static unsigned __int128 quantized(const kvp_model *m, const kvp_weights_format *f,
                                   kvp_weights_estimate *e)
{
	unsigned __int128 router = router_params(m), kept = 0, fp8 = 0, fp8_bytes = 0;
	struct part parts[P_COUNT], rows = {0, 0, 0, 0};
	uint32_t keep = kvp__wkeep(f);
	uint64_t n, linear, g = f->group, b, zero;

	/* The routers as they were (above), less past what is linear. */
	if (router > e->linear_params)
		router = e->linear_params;
	linear = e->linear_params - (uint64_t)router;
	if (f->kind == KVP_WFORMAT_GGUF) {
		n = e->quantized_params = linear + e->embedding_params + e->head_params;
		return (unsigned __int128)(n / f->block_values + (n % f->block_values != 0)) *
		       f->block_bytes;
	}
	linear_parts(m, linear, parts);
	/* A Nemotron-H's projections held 16-bit or in fp8 layer by layer
	 * (layers16, layers8): theirs out of their part, into kept or at
	 * fp8's bytes (weight, an fp32 weight_scale and input_scale a
	 * tensor: Nemotron 3 Super's NVFP4 release); a Gated DeltaNet's
	 * in_proj and out_proj 16-bit alike. */
	{
		struct part one[KVP_WPROJ_COUNT];
		uint32_t of[KVP_WPROJ_COUNT];

		if (projections(m, one, of))
			for (int i = 0; i < KVP_WPROJ_COUNT; i++) {
				struct part *p = &parts[proj_part[i]];
				uint32_t k16 = f->layers16[i] < of[i] ? f->layers16[i] : of[i];
				uint32_t k8 = f->layers8[i] < of[i] - k16 ? f->layers8[i] : of[i] - k16;

				if (keep & part_keep[proj_part[i]] & kvp__wproj_keep((kvp_wproj)i))
					k16 = 0;
				if (!k16 && !k8)
					continue;
				kept += k16 * one[i].params;
				fp8 += k8 * one[i].params;
				fp8_bytes += k8 * (one[i].params + 8 * one[i].tensors);
				p->params -= (k16 + k8) * one[i].params;
				p->in -= (k16 + k8) * one[i].in;
				p->out -= (k16 + k8) * one[i].out;
				p->tensors -= (k16 + k8) * one[i].tensors;
			}
	}
	for (int i = 0; i < P_COUNT; i++) {
		if (keep & part_keep[i])
			kept += parts[i].params;
		else
			add(&rows, parts[i].params, parts[i].in, parts[i].out, parts[i].tensors);
	}
	n = kept + fp8 < linear ? linear - (uint64_t)(kept + fp8) : 0;
	e->quantized_params = n + (uint64_t)fp8;
	switch (f->kind) {
	case KVP_WFORMAT_AWQ:
		return scaled(n, g + 5, 2 * g);
	case KVP_WFORMAT_GPTQ:
		/* AWQ's, and a 4-byte g_idx an input row */
		return scaled(n, g + 5, 2 * g) + 4 * rows.in;
	case KVP_WFORMAT_W4A16:
	case KVP_WFORMAT_W8A16:
		/* compressed-tensors' pack-quantized (its PackedQuantization-
		 * Compressor, b bits packed into int32 along the inputs):
		 * weight_packed int32 [out, in x b/32], weight_scale in the
		 * model's 16-bit type [out, in/G] (or [out, 1] a channel),
		 * weight_shape int64 [2]; weight_zero_point int32 [out x b/32,
		 * in/G] when asymmetric, packed along the outputs; weight_g_idx
		 * int32 [in] under actorder "group":
		 * b/8 + 2/G B a weight, b/(8G) more with zero points; a
		 * channel's 2 B and b/8 an output row. */
		b = kvp__wna16_bits(f);
		zero = f->asymmetric ? b : 0;
		return (g ? scaled(n, b * g + 16 + zero, 8 * g)
		          : scaled(n, b, 8) + (rows.out * (16 + zero) + 7) / 8) +
		       16 * rows.tensors + (f->g_idx ? 4 * rows.in : 0);
	case KVP_WFORMAT_W8A8:
		/* int-quantized (NaiveQuantizationCompressor): weight int8
		 * [out, in], weight_scale 16-bit [out, 1], an int8 zero
		 * point [out, 1] when asymmetric; dynamic activations keep no
		 * input scale. */
		return (unsigned __int128)n + (f->asymmetric ? 3 : 2) * rows.out;
	case KVP_WFORMAT_FP8:
		/* a scale a quantized tensor, each expert's too */
		return (unsigned __int128)n + 4 * rows.tensors;
	case KVP_WFORMAT_NVFP4:
		return scaled(n, 9, 16) + 8 * rows.tensors + fp8_bytes;
	case KVP_WFORMAT_MXFP4:
	default: /* the kinds are checked before */
		return scaled(n, 17, 32);
	}
}

uint64_t kvp__wformat_head_bytes(const kvp_model *m, const kvp_weights_format *f)
{
	unsigned __int128 b;

	if (!m || !f || !f->quant_head || m->tie_embeddings || !m->vocab || !m->hidden ||
	    !f->group || (f->kind != KVP_WFORMAT_AWQ && f->kind != KVP_WFORMAT_GPTQ))
		return 0;
	/* A Linear of hidden inputs and vocab outputs, as the blocks' are
	 * (above): AWQ's qweight, scales and qzeros, GPTQ's and its g_idx
	 * (vLLM's GPTQ methods take ParallelLMHead as a linear layer where
	 * lm_head_quantized, its AutoRound ones where extra_config names
	 * lm_head). */
	b = scaled((uint64_t)m->vocab * m->hidden, (uint64_t)f->group + 5, 2 * (uint64_t)f->group);
	if (f->kind == KVP_WFORMAT_GPTQ)
		b += 4 * (uint64_t)m->hidden;
	return b > UINT64_MAX ? 0 : (uint64_t)b;
}

kvp_status kvp__plain_weights(const char *name, uint64_t params, kvp_dtype plain,
                              uint64_t *bytes, kvp_error *err)
{
	char label[KVP_QUOTE_MAX];
	kvp_status st = kvp_dtype_bytes(plain, params, bytes, NULL);

	if (st == KVP_OK)
		return KVP_OK;
	if (st == KVP_ERR_OVERFLOW)
		return kvp__error(err, st, "weights of %s: %llu parameters as %s overflow"
		                  " 64-bit bytes", kvp__label(name, "the model", label),
		                  (unsigned long long)params, kvp_dtype_name(plain));
	return kvp__error(err, st, "weights cannot be stored as %s", kvp_dtype_name(plain));
}

kvp_status kvp_weights_estimate_compute(const kvp_model *m, const kvp_weights_format *f,
                                        kvp_dtype plain, kvp_weights_estimate *out,
                                        kvp_error *err)
{
	char label[KVP_QUOTE_MAX];
	kvp_weights_estimate e = {0};
	unsigned __int128 embed, ple, norms, q, rest;
	kvp_status st;

	if (!m || !f || !out)
		return kvp__error(err, KVP_ERR_INVALID, "no model or weights format given");
	if (f->kind == KVP_WFORMAT_PLAIN) {
		if ((st = kvp__plain_weights(m->name, m->params, plain, &e.bytes, err)) != KVP_OK)
			return st;
		e.quantized_params = m->params;
		e.quantized_bytes = e.bytes;
		*out = e;
		return kvp__error_clear(err);
	}
	if ((unsigned)f->kind > KVP_WFORMAT_W8A16 ||
	    (f->kind == KVP_WFORMAT_GGUF && (!f->block_values || !f->block_bytes)) ||
	    ((f->kind == KVP_WFORMAT_AWQ || f->kind == KVP_WFORMAT_GPTQ) && f->group == 0) ||
	    f->group > KVP__WGROUP_MAX || (kvp__wna16(f) && f->g_idx && !f->group) ||
	    (f->keep16 & ~(KVP_WKEEP_ATTENTION | KVP_WKEEP_SHARED | KVP_WKEEP_DENSE |
	                   KVP_WKEEP_LINEAR | KVP_WKEEP_MTP)) ||
	    (f->keep16 && f->kind == KVP_WFORMAT_GGUF) ||
	    (f->quant_head && f->kind != KVP_WFORMAT_AWQ && f->kind != KVP_WFORMAT_GPTQ))
		return kvp__error(err, KVP_ERR_INVALID, "invalid weights format");
	/* fp8 layers beside nvfp4 alone (kvp_weights_format_parse) */
	for (int i = 0; i < KVP_WPROJ_COUNT; i++)
		if (f->layers8[i] && f->kind != KVP_WFORMAT_NVFP4)
			return kvp__error(err, KVP_ERR_INVALID, "invalid weights format: fp8"
			                  " layers beside %s", f->name[0] ? f->name : "another format"
			                  " than nvfp4");
	if (!m->params || !m->vocab || !m->hidden)
		return kvp__error(err, KVP_ERR_INVALID, "weights of %s as %s: the estimate"
		                  " needs the model's %s", kvp__label(m->name, "the model", label),
		                  f->name, !m->params ? "parameter count" : !m->vocab
		                  ? "vocabulary size" : "hidden size");
	embed = (unsigned __int128)m->vocab * m->hidden;
	norms = ((unsigned __int128)2 * m->layers + 1) * m->hidden;
	/* Gemma 4's per-layer input table, an embedding too */
	ple = (unsigned __int128)m->vocab * m->layers * m->layer_input_width;
	/* a Nemotron-H: one norm a block and norm_f, and its Mamba-2
	 * layers' conv1d, A_log, D, dt_bias and gated norm with them;
	 * Falcon-H1 two norms a layer and its mixers' */
	{
		struct part pin, pout;
		unsigned __int128 other;

		if (mamba_mixer(m, &pin, &pout, &other))
			norms = ((unsigned __int128)m->layers * (m->ssm_parallel ? 2 : 1) + 1) *
			                m->hidden +
			        kvp_model_count_layers(m, KVP_LAYER_RECURRENT) * other;
	}
	/* LFM2: each conv layer's depthwise conv (conv_L_cache x hidden, a
	 * Conv1d no format quantizes) and each attention layer's q and k
	 * layernorms stay as they are */
	{
		uint64_t hd = m->head_dim ? m->head_dim : m->heads ? m->hidden / m->heads : 0;

		if (kvp__lfm2(m))
			norms += (unsigned __int128)kvp_model_count_layers(m, KVP_LAYER_RECURRENT) *
			                 m->ssm_conv_kernel * m->hidden +
			         (unsigned __int128)(m->layers -
			                             kvp_model_count_layers(m, KVP_LAYER_RECURRENT)) *
			                 2 * hd;
	}
	if (embed * (m->tie_embeddings ? 1 : 2) + ple + norms > m->params)
		return kvp__error(err, KVP_ERR_INVALID, "%s: %llu parameters are fewer than"
		                  " its embeddings, head and norms",
		                  kvp__label(m->name, "the model", label),
		                  (unsigned long long)m->params);
	e.embedding_params = (uint64_t)(embed + ple);
	e.head_params = m->tie_embeddings ? 0 : (uint64_t)embed;
	e.norm_params = (uint64_t)norms;
	e.linear_params = m->params - e.embedding_params - e.head_params - e.norm_params;
	/* A vision tower the params hold stays 16-bit: llm-compressor's
	 * recipes ignore "re:visual.*", ModelOpt excludes "*vision_tower*",
	 * AWQ and GPTQ quantize the language model's blocks; GGUF keeps it
	 * in its mmproj file (params without it, vision_params 0). */
	if (f->kind != KVP_WFORMAT_GGUF && m->vision_params < e.linear_params) {
		e.tower_params = m->vision_params;
		e.linear_params -= e.tower_params;
	}
	q = quantized(m, f, &e);
	/* AWQ's and GPTQ's head where the config quantizes it (0 only past
	 * 64-bit bytes here: the kind and group were checked) */
	if (e.head_params && f->quant_head) {
		uint64_t hb = kvp__wformat_head_bytes(m, f);

		if (!hb)
			return kvp__error(err, KVP_ERR_OVERFLOW, "weights of %s as %s overflow"
			                  " 64-bit bytes", kvp__label(m->name, "the model", label),
			                  f->name);
		q += hb;
		e.quantized_params += e.head_params;
	}
	/* The rest stays 16-bit, or f32 in GGUF (its 1-D norms); a
	 * Nemotron-H's routers' e_score_correction_bias f32 in every
	 * checkpoint (Nano's, Super's and Lightning's, of every precision:
	 * research/nemotron-quant-sizes.md), 2 B more each. */
	rest = ((unsigned __int128)m->params - e.quantized_params) *
	       (f->kind == KVP_WFORMAT_GGUF ? 4 : 2);
	if (f->kind != KVP_WFORMAT_GGUF && kvp__relu2_experts(m) && m->moe_routed_experts &&
	    m->moe_intermediate)
		rest += 2 * (unsigned __int128)kvp__routed_layers(m, m->layers) *
		        m->moe_routed_experts;
	if (q > UINT64_MAX || q + rest > UINT64_MAX)
		return kvp__error(err, KVP_ERR_OVERFLOW, "weights of %s as %s overflow 64-bit"
		                  " bytes", kvp__label(m->name, "the model", label), f->name);
	e.quantized_bytes = (uint64_t)q;
	e.other_bytes = (uint64_t)rest;
	e.bytes = (uint64_t)(q + rest);
	*out = e;
	return kvp__error_clear(err);
}
