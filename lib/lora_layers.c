/*
 * lora_layers.c — the values of LoRA adapters a layer holds, module by
 * module, as an engine shapes its buffers on one GPU.
 *
 * One adapter of rank r on a module reading `in` values and writing `out`
 * holds A (r x in) and B (out x r).  vLLM (main at 81be2e09, 2026-08;
 * research: /work/research/vllm-lora-hybrid.md) wraps every linear layer
 * of a model whose class is SupportsLoRA, every FusedMoE and the names of
 * its embedding_modules (vllm/lora/utils.py get_supported_lora_modules,
 * model_manager.py _create_lora_modules; --lora-target-modules, default
 * all, narrows them), each slice of a packed module with its own A
 * (base_linear.py and column_parallel_linear.py create_lora_weights):
 *  - a column-parallel module keeps A whole and B's rows over tp, a
 *    row-parallel one A's columns over tp and B whole, a replicated one
 *    both whole;
 *  - attention's q, k and v (MergedQKVParallelLinearWithLoRA: three A),
 *    q of 2 x heads for Qwen3-Next's and Qwen3.5's output gate, o; an
 *    MLA layer's q_b_proj (or q_proj), kv_b_proj and o_proj, and its
 *    kv_a_proj_with_mqa where there is no q_lora_rank, with one
 *    fused_qkv_a_proj (two A, replicated); Phi-3's qkv_proj one A;
 *  - a dense MLP's gate_up_proj (two A; Phi-3's and Granite's one) and
 *    down_proj; Nemotron-H's MLP layers' up_proj and down_proj, not
 *    gated;
 *  - a Mamba-2 mixer's in_proj of five outputs (I, I, G N, G N, heads:
 *    five A) and conv1d of three (I, G N, G N over conv_kernel inputs:
 *    three A; its adapter is never applied), or with one group and tp >
 *    1 each one slice of 2 x tp groups (mamba_mixer2.py); out_proj;
 *  - a Gated DeltaNet's in_proj_qkvz (2 keys + 2 values: one A for
 *    Qwen3-Next, four for Qwen3.5), in_proj_ba (2 value heads: one A,
 *    two), conv1d (2 keys + values) and out_proj;
 *  - LFM2's short_conv.in_proj (3 x hidden: three A), its conv (hidden
 *    over conv_L_cache inputs) and out_proj (short_conv.py);
 *  - a mixture's router (ReplicatedLinear, not Nemotron-H's, skipped by
 *    name; GLM-4.5's is an nn.Linear, none), Qwen3-Next's shared expert
 *    gate, its shared experts as an MLP, and its routed experts
 *    (FusedMoEWithLoRA: w13's A of the width the experts work in and B of
 *    the inner size over the experts' ranks, two of each where gated, one
 *    A for a 3D model's fused w13; w2's A of the inner size and B whole;
 *    with expert parallelism whole experts, the most a GPU holds);
 *  - embed_tokens A (vocab x r), B (hidden x r) and lm_head A (r x
 *    hidden), B (vocab x r), whole on every rank.
 * SGLang (python/sglang/srt/lora/mem_pool.py; research: /work/research/
 * sglang-lora-pool.md) shapes attention and the MLP alike, its lm_head's
 * B split over tp; its mixers' and experts' modules are not modelled.
 */
#include <string.h>

#include "engine.h"

typedef unsigned __int128 u128;

static uint64_t part(uint64_t x, uint64_t n)
{
	return n > 1 ? x / n + (x % n != 0) : x;
}

/* k copies of A (r x in) and B of out values on this rank. */
static u128 col(const struct kvp__lora_shard *s, uint64_t k, uint64_t in, uint64_t out)
{
	return (u128)s->rank * ((u128)k * in + out);
}

/* A of in over tp, B whole. */
static u128 row(const struct kvp__lora_shard *s, uint64_t in, uint64_t out)
{
	return (u128)s->rank * ((u128)part(in, s->tp) + out);
}

/* Model types as config.json and GGUF spell them (a prefix, '-' as '_'). */
static const char *const gdn_types[] = {"qwen3_next", "qwen3next", "qwen3_5", "qwen35"};
static const char *const qwen35[] = {"qwen3_5", "qwen35"};
static const char *const three_d[] = {"gpt_oss", "qwen3_5_moe", "qwen35moe", "qwen3_vl_moe"};
static const char *const granite[] = {"granitemoehybrid", "granitemoeshared"};
/* Phi3ForCausalLM's packed_modules_mapping (phi3.py): qkv_proj and
 * gate_up_proj each their own one module, one A */
static const char *const phi3[] = {"phi3"};
/* routers vLLM does not wrap: Nemotron-H's (mixer.gate, skipped by
 * name), GLM-4.5's (an nn.Linear) */
static const char *const no_router[] = {"nemotron_h", "glm4_moe", "glm4moe"};

/* A recurrent layer's mixer: Mamba-2's, a Gated DeltaNet's or LFM2's. */
static u128 mixer(const kvp_model *m, uint32_t modules, const struct kvp__lora_shard *s)
{
	uint64_t h = m->hidden, tp = s->tp, in = m->ssm_inner, k = m->ssm_conv_kernel;
	u128 n = 0;

	if (kvp__lfm2(m)) {
		if (modules & KVP_LORA_IN_PROJ)
			n += col(s, 3, h, 3 * part(h, tp));
		if (modules & KVP_LORA_CONV)
			n += col(s, 1, k, part(h, tp));
	} else if (kvp__delta_net(m)) {
		uint64_t keys = (uint64_t)m->ssm_groups * m->ssm_state, heads = in / m->ssm_state;
		bool q35 = kvp__model_type_in(m, qwen35, 2);

		if (modules & KVP_LORA_IN_PROJ)
			n += q35 ? col(s, 4, h, 2 * part(keys, tp) + 2 * part(in, tp)) +
			              col(s, 2, h, 2 * part(heads, tp))
			            : col(s, 1, h, part(2 * keys + 2 * in, tp)) +
			              col(s, 1, h, part(2 * heads, tp));
		if (modules & KVP_LORA_CONV)
			n += col(s, 1, k, part(2 * keys + in, tp));
	} else {
		uint64_t g = m->ssm_groups, gn = g * m->ssm_state, nh = m->ssm_heads;

		if (g % tp == 0) {
			if (modules & KVP_LORA_IN_PROJ)
				n += col(s, 5, h, 2 * part(in, tp) + 2 * part(gn, tp) + part(nh, tp));
			if (modules & KVP_LORA_CONV)
				n += col(s, 3, k, part(in, tp) + 2 * part(gn, tp));
		} else {
			/* one group, repeated to 2 x tp of them (the plan
			 * refused any other split) */
			uint64_t wide = 2 * tp * m->ssm_state;

			if (modules & KVP_LORA_IN_PROJ)
				n += col(s, 1, h, part(2 * in + wide + nh, tp));
			if (modules & KVP_LORA_CONV)
				n += col(s, 1, k, part(in + wide, tp));
		}
	}
	if (modules & KVP_LORA_OUT_PROJ)
		n += row(s, in, h);
	return n;
}

/* A gated MLP of inner size i (gate_up_proj and down_proj), Granite's
 * shared_mlp one slice of both halves (input_linear, one A). */
static u128 mlp(const kvp_model *m, uint32_t modules, const struct kvp__lora_shard *s,
                uint64_t i)
{
	uint64_t h = m->hidden;
	u128 n = 0;

	if (!i)
		return 0;
	if ((kvp__model_type_in(m, granite, 2) || kvp__model_type_in(m, phi3, 1)) &&
	    s->engine == KVP_ENGINE_VLLM) {
		if (modules & (KVP_LORA_GATE | KVP_LORA_UP))
			n += col(s, 1, h, part(2 * i, s->tp));
	} else {
		if (modules & KVP_LORA_GATE)
			n += col(s, 1, h, part(i, s->tp));
		if (modules & KVP_LORA_UP)
			n += col(s, 1, h, part(i, s->tp));
	}
	if (modules & KVP_LORA_DOWN)
		n += row(s, i, h);
	return n;
}

/* A layer's mixture of experts: its router, shared experts and routed
 * experts. */
static u128 experts(const kvp_model *m, uint32_t modules, const struct kvp__lora_shard *s)
{
	uint64_t h = m->hidden, e = m->moe_routed_experts ? m->moe_routed_experts : m->moe_experts;
	uint64_t i = m->moe_intermediate, w = m->moe_latent ? m->moe_latent : h;
	uint64_t sh = m->moe_shared_intermediate, local = e, inner = part(i, s->moe_ranks);
	bool relu2 = kvp__relu2_experts(m);
	u128 n = 0;

	if (s->ep) {
		local = part(e, s->moe_ranks);
		inner = i;
	}
	if ((modules & KVP_LORA_ROUTER) && !kvp__model_type_in(m, no_router, 3)) {
		n += col(s, 1, h, e);
		if (sh && kvp__model_type_in(m, gdn_types, 4))
			n += col(s, 1, h, 1); /* shared_expert_gate */
	}
	if (relu2) {
		/* Nemotron-H's shared experts' up_proj and down_proj, its
		 * latent projections beside the experts */
		if (sh && (modules & KVP_LORA_UP))
			n += col(s, 1, h, part(sh, s->tp));
		if (sh && (modules & KVP_LORA_DOWN))
			n += row(s, sh, h);
		if (m->moe_latent && (modules & KVP_LORA_EXPERTS))
			n += 2 * col(s, 1, h, w);
	} else {
		n += mlp(m, modules, s, sh);
	}
	if (modules & KVP_LORA_EXPERTS) {
		uint64_t a = relu2 || kvp__model_type_in(m, three_d, 3) ? 1 : 2;
		uint64_t b = relu2 ? 1 : 2;

		/* w13 and w2 */
		n += (u128)s->rank * local * (a * w + b * inner) +
		     (u128)s->rank * local * (inner + w);
	}
	return n;
}

/* Layer i's adapter values on one GPU. */
static u128 layer_values(const kvp_model *m, uint32_t modules, const struct kvp__lora_shard *s,
                         uint32_t i)
{
	uint64_t h = m->hidden, hd = kvp_model_layer_head_dim(m, i),
	         hdv = m->head_dim_v ? m->head_dim_v : hd;
	uint64_t tp = s->tp, heads = m->heads;
	kvp_layer_kind k = kvp__layer_weights_kind(m, i);
	/* kvp__routed_layers's rule for a layer (not Nemotron-H's, below):
	 * where the layers differ, from moe_dense_layers each moe_step-th;
	 * else every layer of an MoE model */
	bool routed = m->moe_experts ? i >= m->moe_dense_layers &&
	                               ((uint64_t)i + 1) % (m->moe_step > 1 ? m->moe_step : 1) == 0
	                             : m->moe_routed_experts != 0;
	u128 n = 0;

	if (kvp__attention_kind(k) && kvp_model_layer_kv_heads(m, i)) {
		uint64_t kv = kvp_model_layer_kv_heads(m, i), kv_rank = kvp__tp_heads(kv, s->tp);
		uint64_t q_out = heads * hd * kvp__q_gate(m);

		uint64_t q_rank = tp > 1 ? q_out / tp : q_out, k_rank = tp > 1 ? kv_rank * hd : kv * hd,
			 v_rank = tp > 1 ? kv_rank * hdv : kv * hdv;

		if (kvp__model_type_in(m, phi3, 1) && s->engine == KVP_ENGINE_VLLM) {
			/* one qkv_proj, one A */
			if (modules & (KVP_LORA_Q | KVP_LORA_K | KVP_LORA_V))
				n += col(s, 1, h, q_rank + k_rank + v_rank);
		} else {
			if (modules & KVP_LORA_Q)
				n += col(s, 1, h, q_rank);
			if (modules & KVP_LORA_K)
				n += col(s, 1, h, k_rank);
			if (modules & KVP_LORA_V)
				n += col(s, 1, h, v_rank);
		}
		if (modules & KVP_LORA_O)
			n += row(s, heads * hdv, h);
	} else if (k == KVP_LAYER_MLA) {
		uint64_t qk = (uint64_t)m->qk_nope_dim + m->qk_rope_dim;
		uint64_t v = m->v_head_dim ? m->v_head_dim : hdv;

		/* fused_qkv_a_proj (q_a_proj and kv_a_proj_with_mqa, a
		 * MergedColumnParallelLinear of disable_tp: two A, B whole;
		 * wrapped since PR #35077, a250f1bd5f of 2026-04-22) */
		if (m->q_lora_rank && (modules & (KVP_LORA_Q | KVP_LORA_K | KVP_LORA_V)))
			n += col(s, 2, h, (uint64_t)m->q_lora_rank + m->kv_lora_rank + m->qk_rope_dim);
		if (modules & KVP_LORA_Q)
			n += col(s, 1, m->q_lora_rank ? m->q_lora_rank : h, part(heads * qk, tp));
		if (modules & (KVP_LORA_K | KVP_LORA_V)) {
			n += col(s, 1, m->kv_lora_rank, part(heads * (m->qk_nope_dim + v), tp));
			if (!m->q_lora_rank)
				n += col(s, 1, h, (uint64_t)m->kv_lora_rank + m->qk_rope_dim);
		}
		if (modules & KVP_LORA_O)
			n += row(s, heads * v, h);
	}
	/* the mixer: a recurrent layer's, Falcon-H1's beside attention */
	if (k == KVP_LAYER_RECURRENT || (m->ssm_parallel && kvp__attention_kind(k)))
		n += mixer(m, modules, s);
	/* Nemotron-H: an MLP (up and down) or experts on its layers of no
	 * cache alone */
	if (kvp__nemotron_h(m)) {
		if (k != KVP_LAYER_NONE)
			return n;
		if (m->moe_routed_experts && m->moe_intermediate)
			return n + experts(m, modules, s);
		{
			uint64_t one = kvp__nemotron_mlp_params(m);
			uint64_t inner = m->intermediate ? m->intermediate
			                 : one > h ? (one - h) / (2 * h) : 0;

			if (modules & KVP_LORA_UP)
				n += col(s, 1, h, part(inner, tp));
			if (modules & KVP_LORA_DOWN)
				n += row(s, inner, h);
		}
		return n;
	}
	if (routed && m->moe_intermediate)
		return n + experts(m, modules, s);
	return n + mlp(m, modules, s,
	               m->dense_intermediate && m->moe_intermediate ? m->dense_intermediate
	                                                            : kvp__layer_intermediate(m, i));
}

/* Layers [a, b)'s values, each equal to the one p layers on. */
static u128 periodic(const kvp_model *m, uint32_t modules, const struct kvp__lora_shard *s,
                     uint64_t a, uint64_t b, uint64_t p)
{
	uint64_t full = b > a ? (b - a) / p : 0;
	u128 cycle = 0, total;

	for (uint64_t i = a; full && i < a + p; i++)
		cycle += layer_values(m, modules, s, (uint32_t)i);
	total = cycle * full;
	for (uint64_t i = a + full * p; i < b; i++)
		total += layer_values(m, modules, s, (uint32_t)i);
	return total;
}

u128 kvp__lora_span(const kvp_model *m, uint32_t modules, const struct kvp__lora_shard *s,
                    uint32_t first, uint32_t count, bool embed, bool head, bool head_split)
{
	uint64_t h = m->hidden, end = (uint64_t)first + count;
	uint64_t period = m->pattern_len ? m->pattern_len : 1;
	uint64_t step = m->moe_step > 1 ? m->moe_step : 1, dense = m->moe_dense_layers;
	uint64_t mid = dense < first ? first : dense > end ? end : dense;
	u128 total;

	/* A layer's values follow its kind and kv heads, which repeat every
	 * pattern_len layers where no list gives each layer's heads, and
	 * whether it routes among experts, which from moe_dense_layers on
	 * repeats every moe_step: whole cycles are summed once (the layers
	 * up to 2^32; kvp__lora_check refuses a cycle past 2^20 of more
	 * layers than that). */
	if (m->layer_kv_heads_len || m->double_wide_mlp) {
		total = periodic(m, modules, s, first, end, end - first ? end - first : 1);
	} else {
		uint64_t both = period / kvp__gcd(period, step) * step;

		total = periodic(m, modules, s, first, mid, period) +
		        periodic(m, modules, s, mid, end, both);
	}
	/* Whole on every rank; SGLang's lm_head B split (head_split). */
	if (embed && (modules & KVP_LORA_EMBED))
		total += (u128)s->rank * ((uint64_t)m->vocab + h);
	if (head && (modules & KVP_LORA_HEAD))
		total += (u128)s->rank * (h + (head_split ? part(m->vocab, s->tp) : m->vocab));
	return total;
}

uint32_t kvp__lora_present(const kvp_model *m)
{
	uint32_t bits = KVP_LORA_EMBED | KVP_LORA_HEAD;
	bool moe = m->moe_intermediate && (m->moe_routed_experts || m->moe_experts);

	if (kvp_model_count_layers(m, KVP_LAYER_MLA) || m->heads)
		bits |= KVP_LORA_Q | KVP_LORA_K | KVP_LORA_V | KVP_LORA_O;
	if (kvp_model_count_layers(m, KVP_LAYER_RECURRENT) || m->ssm_parallel)
		bits |= KVP_LORA_MIXER;
	/* Nemotron-H's MLPs and shared experts are not gated */
	if (m->intermediate || m->moe_shared_intermediate || m->dense_intermediate ||
	    kvp__nemotron_h(m))
		bits |= KVP_LORA_UP | KVP_LORA_DOWN | (kvp__nemotron_h(m) ? 0 : KVP_LORA_GATE);
	if (moe)
		bits |= KVP_LORA_EXPERTS | (kvp__model_type_in(m, no_router, 3) ? 0 : KVP_LORA_ROUTER);
	return bits;
}

bool kvp__lora_mixer_known(const kvp_model *m)
{
	return kvp__lfm2(m) || kvp__delta_net(m) ||
	       (m->ssm_heads && m->ssm_inner && m->ssm_conv_kernel && m->ssm_state);
}

bool kvp__vllm_lora_embedding(const kvp_model *m)
{
	/* The classes (vllm/model_executor/models/ at 81be2e09) that declare
	 * no embedding_modules, nor hold a language model that does (its
	 * submodules' are collected: Llama 4's Llama4ForCausalLM and
	 * Qwen3-VL's inherit Llama's and Qwen3's), whose embed_tokens and
	 * lm_head vLLM does not wrap: qwen2.py (Qwen2, Qwen2-VL, Qwen2.5-VL),
	 * gemma2.py, gemma3.py, gemma3_mm.py, deepseek_v2.py (DeepSeek-V2,
	 * V3, V3.2, Kimi K2, GLM-5), glm4_moe.py, gpt_oss.py, qwen3_next.py,
	 * qwen3_5.py, mistral.py ("We don't support LoRA on the embedding
	 * layers": MistralForCausalLM sets none, and Mistral 3's language
	 * model is one). */
	static const char *const none[] = {"qwen2", "gemma2", "gemma3", "deepseek_v2",
		"deepseek_v3", "deepseek_v32", "deepseek2", "kimi_k2", "glm4_moe", "glm4moe",
		"glm_moe_dsa", "glm-dsa", "gpt_oss", "qwen3_next", "qwen3next", "qwen3_5", "qwen35",
		"mistral"};

	return !kvp__model_type_in(m, none, sizeof none / sizeof none[0]);
}
