/*
 * rope.c — a model's rotary position embedding: its kinds of scaling by
 * name, and the table of cosines and sines each engine builds from it
 * once on a GPU (kvp_plan rotary_bytes), whose rows the scaling sets.
 */
#include <math.h>
#include <string.h>
#include <strings.h>

#include "engine.h"
#include "internal.h"

static const char *const rope_names[KVP_ROPE_COUNT] = {
	[KVP_ROPE_DEFAULT] = "default",
	[KVP_ROPE_NONE] = "none",
	[KVP_ROPE_LINEAR] = "linear",
	[KVP_ROPE_DYNAMIC] = "dynamic",
	[KVP_ROPE_YARN] = "yarn",
	[KVP_ROPE_LLAMA3] = "llama3",
	[KVP_ROPE_LONGROPE] = "longrope",
	[KVP_ROPE_MROPE] = "mrope",
	[KVP_ROPE_PROPORTIONAL] = "proportional",
};

#define ROPE_LIST "default, none, linear, dynamic, yarn, llama3, longrope, mrope, proportional"

/* config.json's other names for them: transformers' "su" (Phi-3's first
 * name for longrope), vLLM's "deepseek_yarn", an older "ntk". */
static const struct {
	const char *name;
	kvp_rope rope;
} rope_aliases[] = {
	{"su", KVP_ROPE_LONGROPE},
	{"deepseek_yarn", KVP_ROPE_YARN},
	{"ntk", KVP_ROPE_DYNAMIC},
};

const char *kvp_rope_name(kvp_rope rope)
{
	return (unsigned)rope < KVP_ROPE_COUNT ? rope_names[rope] : "unknown";
}

kvp_status kvp_rope_from_name(const char *name, kvp_rope *out, kvp_error *err)
{
	char quoted[KVP_QUOTE_MAX];

	if (!name || !out)
		return kvp__error(err, KVP_ERR_INVALID, "no rope type given");
	for (int k = 0; k < KVP_ROPE_COUNT; k++) {
		if (strcasecmp(name, rope_names[k]) == 0) {
			*out = (kvp_rope)k;
			return kvp__error_clear(err);
		}
	}
	for (size_t i = 0; i < sizeof rope_aliases / sizeof rope_aliases[0]; i++) {
		if (strcasecmp(name, rope_aliases[i].name) == 0) {
			*out = rope_aliases[i].rope;
			return kvp__error_clear(err);
		}
	}
	return kvp__error(err, KVP_ERR_NOT_FOUND,
	                  "unknown rope type '%s' (valid: " ROPE_LIST ")",
	                  kvp_escape(name, quoted, sizeof quoted));
}

/* The positions a table is built for: rope_positions, else max_context. */
static uint64_t positions(const kvp_model *m)
{
	return m->rope_positions ? m->rope_positions : m->max_context;
}

/* The rows of torch.arange(n x f), n x f a Python float: its ceiling,
 * saturated. */
static uint64_t scaled(uint64_t n, double f)
{
	double v = ceil((double)n * f);

	return v >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)v;
}

/* The rows SGLang grows each table to after loading the weights (PRs
 * #10788, #11871): python/sglang/srt/utils/common.py
 * reserve_rope_cache_for_long_sequences, called by ModelRunner.load_model
 * after the weights' memory is logged and before the pool is sized,
 * reserves context + speculative_num_steps x speculative_num_draft_tokens
 * x SGLANG_SPEC_EXPANSION_SAFETY_FACTOR (2) + SGLANG_ROPE_CACHE_SAFETY_
 * MARGIN (256) rows, rounded up to SGLANG_ROPE_CACHE_ALIGN (128), and
 * RotaryEmbedding._ensure_cos_sin_cache_length(reserve - 1) makes a
 * table of fewer rows ((reserve - 1 + 128) // 128 x 128 =) reserve rows
 * long, in its own dtype: the plan's sglang_spec_steps and
 * sglang_spec_tokens (lib/sglang_spec.c), 0 without a draft. */
/* PR #10788 (merged 2025-09/10): taken from 0.5.4, its first release
 * not established */
#define SGLANG_ROPE_RESERVE 504
static uint64_t sglang_reserve(const kvp_model *m, const kvp_plan *p)
{
	unsigned __int128 v;

	v = (unsigned __int128)kvp_sglang_context_len(m, &p->request) +
	    (unsigned __int128)2 * p->sglang_spec_steps * p->sglang_spec_tokens + 256;
	v = (v + 127) / 128 * 128;
	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

/* The rows of the scaled (global) table under engine, as its classes
 * build them.  vLLM's vllm/model_executor/layers/rotary_embedding/ (read
 * at main, 2026-12): base.py RotaryEmbedding._compute_cos_sin_cache,
 * max_position_embeddings rows; linear_scaling_rope.py and
 * dynamic_ntk_scaling_rope.py, max_position x factor;
 * yarn_scaling_rope.py and deepseek_scaling_rope.py, get_rope hands them
 * original_max_position_embeddings, x factor; llama3_rope.py,
 * max_position; phi3_long_rope_scaled_rope.py, long_short_cos_sin_cache,
 * the short table (original_max rows) and the long one (max_position);
 * mrope.py, cache_max_position_num = max_position x 4.  The scaled rows
 * are torch.arange of a float, so its ceiling.  SGLang's
 * python/sglang/srt/layers/rotary_embedding.py (adapted from vLLM 0.6.6;
 * read at 00a66ebe) builds the same rows but for MRotaryEmbedding, which
 * keeps max_position, and Phi-3's long rope, whose short and long tables
 * stay buffers beside their concatenation. */
static uint64_t table_rows(const kvp_model *m, kvp_engine engine)
{
	uint64_t maxp = positions(m);
	uint64_t orig = m->rope_original_max ? m->rope_original_max : maxp;
	double f = m->rope_factor > 0 ? m->rope_factor : 1;

	/* TensorRT-LLM's PyTorch runtime: RopeParams.create_rope_const_params
	 * (tensorrt_llm/_torch/attention_backend/interface.py, a stored copy)
	 * builds its cos_sin table of max_positions rows, max_position_embeddings
	 * (RopeParams.from_config), whatever the scaling: the scaling changes
	 * the frequencies, not the rows. */
	if (engine == KVP_ENGINE_TRTLLM)
		return maxp;
	/* SGLang's Gemma 3 builds both its tables with plain rope (its
	 * gemma3_causal.py; the scaled rotation comes from another module's
	 * frequency vectors) */
	if (engine == KVP_ENGINE_SGLANG && strncmp(m->model_type, "gemma3", 6) == 0)
		return maxp;
	switch (m->rope) {
	case KVP_ROPE_LINEAR:
	case KVP_ROPE_DYNAMIC:
		return scaled(maxp, f);
	case KVP_ROPE_YARN:
		return scaled(orig, f);
	case KVP_ROPE_LONGROPE:
		/* the short table and the long one, concatenated (vLLM's
		 * long_short_cos_sin_cache); SGLang keeps both besides */
		if (orig > (UINT64_MAX - maxp) / 2 || maxp > UINT64_MAX / 2)
			return UINT64_MAX;
		return engine == KVP_ENGINE_SGLANG ? 2 * (orig + maxp) : orig + maxp;
	case KVP_ROPE_MROPE:
		if (engine != KVP_ENGINE_VLLM)
			return maxp;
		return maxp > UINT64_MAX / 4 ? UINT64_MAX : maxp * 4;
	default:
		return maxp;
	}
}

static uint32_t rotary_dim(const kvp_model *m)
{
	if (!m || m->rope == KVP_ROPE_NONE)
		return 0;
	if (m->rotary_dim)
		return m->rotary_dim;
	return m->kv_lora_rank ? m->qk_rope_dim : m->head_dim;
}

/* rows x dim x bytes, saturated. */
static uint64_t table_bytes(uint64_t rows, uint32_t dim, uint32_t bytes)
{
	unsigned __int128 b = (unsigned __int128)rows * dim * bytes;

	return b > UINT64_MAX ? UINT64_MAX : (uint64_t)b;
}

/* Which tables layers [first, first + n) use: *global the scaled one,
 * *local the sliding layers' own.  A cycle of the pattern holds every
 * kind the layers have. */
static void tables_used(const kvp_model *m, uint64_t first, uint64_t n, bool *global,
                        bool *local)
{
	uint64_t walk = m->pattern_len && m->layer_kv_heads_len != m->layers
	                ? (n < m->pattern_len ? n : m->pattern_len)
	                : (n < KVP_PATTERN_MAX ? n : KVP_PATTERN_MAX);

	/* a local base that makes the same table as the model's is it */
	bool own = m->rope_local_theta > 0 &&
	           (m->rope_local_theta != m->rope_theta || m->rope != KVP_ROPE_DEFAULT);

	*global = *local = false;
	/* A model whose layers differ only in kv heads (layer_kv_heads) has
	 * at most KVP_PATTERN_MAX layers. */
	for (uint64_t i = 0; i < walk && first + i < m->layers; i++) {
		/* a layer reading another's cache rotates its queries */
		switch (kvp__layer_weights_kind(m, (uint32_t)(first + i))) {
		case KVP_LAYER_FULL:
			if (!m->rope_nope_full)
				*global = true;
			break;
		case KVP_LAYER_SLIDING:
			if (own)
				*local = true;
			else
				*global = true;
			break;
		case KVP_LAYER_CHUNKED:
		case KVP_LAYER_MLA:
			*global = true;
			break;
		default:
			break;
		}
	}
}

/* The bytes of a value of r's engine's tables, model_bytes those of the
 * model's dtype; 0 for an engine that builds none (llama.cpp rotates on
 * the fly).
 *   vLLM: the model's dtype (get_rope's dtype, the default torch dtype
 *   the model is built in: base.py cache.to(dtype)), but gpt-oss asks for
 *   fp32 (gpt_oss.py OAIAttention.__init__: get_rope(...,
 *   dtype=torch.float32)), and DeepSeek's YaRN table stays fp32 where its
 *   custom op runs FlashInfer's kernel (deepseek_scaling_rope.py:
 *   use_flashinfer = self.enabled() and a 16-bit dtype and CUDA and
 *   FlashInfer and a head of 64, 128, 256 or 512; base.py converts the
 *   cache only "if not self.use_flashinfer"; PR #30729, merged
 *   2025-12-16, taken from 0.14, its release not established).  The
 *   custom op is on with --enforce-eager (custom_ops "all"), off under
 *   the default compilation ("none") unless +rotary_embedding is asked
 *   for, which kvplan has no option for.  deepseek_v2.py makes an MLA
 *   model's yarn deepseek_yarn; its rope head, qk_rope_head_dim, is 64.
 *   ROCm (not CUDA) keeps the model's dtype: not told apart here.
 *   SGLang: fp32 on CUDA (RotaryEmbedding.__init__: "cache needs to be in
 *   FP32", converted only off CUDA), but Phi-3's long-rope buffers,
 *   converted to the model's dtype.
 *   TensorRT-LLM: fp32 on CUDA (create_rope_const_params:
 *   torch.tensor(rope_cos_sin, dtype=torch.float32, device='cuda')),
 *   built as the model is (TrtllmAttention.__init__), one a distinct
 *   RopeParams, which its layers share (a cache of weak references in
 *   the model's extra attributes). */
static uint32_t value_bytes(const kvp_model *m, const kvp_request *r, uint32_t model_bytes)
{
	uint32_t head;

	switch (r->engine) {
	case KVP_ENGINE_VLLM:
		if (strcmp(m->model_type, "gpt_oss") == 0)
			return 4;
		head = m->qk_rope_dim;
		if (m->kv_lora_rank && m->rope == KVP_ROPE_YARN && r->enforce_eager &&
		    model_bytes == 2 && kvp__vllm_since(r, 14) &&
		    (head == 64 || head == 128 || head == 256 || head == 512))
			return 4;
		return model_bytes;
	case KVP_ENGINE_SGLANG:
		return m->rope == KVP_ROPE_LONGROPE ? model_bytes : 4;
	case KVP_ENGINE_TRTLLM:
		return 4;
	default:
		return 0;
	}
}

/* TensorRT-LLM's Gemma 4 (_torch/models/modeling_gemma4.py @ 00e7d10,
 * Gemma4Attention.__init__): a full layer's head past 256 turns rope
 * fusion off (rope_fusion=layer_head_dim <= 256), so the layer keeps a
 * RotaryEmbedding module, whose table the proportional fix replaces with
 * a fresh fp32 one of its own, max_position_embeddings x 2 x head / 2
 * (torch.tensor(cos_sin), not the shared create_rope_const_params
 * cache): one table a full layer, shared layers too; the sliding layers'
 * stays one, the fused backend's.  Research: /work/research/
 * gemma-rotary.md section 2; no published log checks it. */
static bool trtllm_table_a_layer(const kvp_model *m, const kvp_request *r)
{
	static const char *const gemma4[] = {"gemma4"};

	return r->engine == KVP_ENGINE_TRTLLM && m->full_head_dim > 256 &&
	       kvp__model_type_in(m, gemma4, 1);
}

/* The full layers among [first, first + n), shared ones included. */
static uint32_t full_layers(const kvp_model *m, uint64_t first, uint64_t n)
{
	uint32_t count = 0;

	for (uint64_t i = first; i < first + n && i < m->layers; i++)
		count += kvp__layer_weights_kind(m, (uint32_t)i) == KVP_LAYER_FULL;
	return count;
}

/* The bytes of the tables layers [first, first + n) of m use under
 * r's engine, model_bytes those of a value of the model's dtype; reserve the
 * rows SGLang grows a RotaryEmbedding's table to (0: none).  Phi-3's
 * long rope (Phi3LongRoPEScaledRotaryEmbedding, an nn.Module of its own
 * without _ensure_cos_sin_cache_length) is not grown. */
static uint64_t rotary_bytes(const kvp_model *m, const kvp_request *r, uint32_t model_bytes,
                             uint64_t reserve, uint64_t first, uint64_t n)
{
	kvp_engine engine = r->engine;
	uint32_t dim = rotary_dim(m), bytes = value_bytes(m, r, model_bytes);
	uint64_t total = 0, t, rows;
	bool global, local;

	if (!dim || !bytes || !positions(m))
		return 0;
	/* TensorRT-LLM's MLA table is twice as wide (qk_rope_head_dim sets
	 * duplicate_data) */
	if (engine == KVP_ENGINE_TRTLLM && m->kv_lora_rank)
		dim *= 2;
	if (m->rope == KVP_ROPE_LONGROPE)
		reserve = 0;
	tables_used(m, first, n, &global, &local);
	/* The full layers' own head (kvp_model full_head_dim): Gemma 4's
	 * proportional table spans it whole (vLLM's Gemma4RotaryEmbedding
	 * passes rotary_dim = head_size to RotaryEmbedding; gemma4_rope.py
	 * @ 81be2e09) */
	if (global) {
		rows = table_rows(m, engine);
		total = table_bytes(rows > reserve ? rows : reserve,
		                    m->full_head_dim && !m->rotary_dim ? m->full_head_dim : dim,
		                    bytes);
		if (trtllm_table_a_layer(m, r))
			total = table_bytes(total, full_layers(m, first, n), 1);
	}
	/* the sliding layers' unscaled table, of the model's positions */
	if (local) {
		rows = positions(m);
		t = table_bytes(rows > reserve ? rows : reserve, dim, bytes);
		total = total > UINT64_MAX - t ? UINT64_MAX : total + t;
	}
	return total;
}

/* Whether the engines' get_rope would give a and b one table: its key
 * (vLLM's and SGLang's _ROPE_DICT: head size, rotary dim, positions,
 * base, scaling) the same. */
static bool same_table(const kvp_model *a, const kvp_model *b)
{
	return rotary_dim(a) == rotary_dim(b) &&
	       a->head_dim == b->head_dim && a->full_head_dim == b->full_head_dim &&
	       positions(a) == positions(b) &&
	       a->rope_theta == b->rope_theta && a->rope == b->rope &&
	       a->rope_factor == b->rope_factor &&
	       a->rope_original_max == b->rope_original_max &&
	       a->rope_local_theta == b->rope_local_theta;
}

void kvp__plan_rotary(const kvp_model *m, kvp_plan *p)
{
	const kvp_request *r = &p->request;
	/* the model's dtype: 16 bits but for fp32 weights */
	uint32_t bytes = r->weights_dtype == KVP_DTYPE_FP32 ? 4 : 2;

	/* SGLang's growth after loading: the draft's worker takes the
	 * target's context (model_config.py _derive_context_length), so one
	 * reserve serves both. */
	uint64_t reserve = r->engine == KVP_ENGINE_SGLANG && kvp__sglang_since(r, SGLANG_ROPE_RESERVE)
	                   ? sglang_reserve(m, p) : 0;

	p->rotary_bytes = rotary_bytes(m, r, bytes, reserve, 0, m->layers);
	for (uint32_t s = 0; s < (p->stages ? p->stages : 1); s++)
		p->stage_rotary_bytes[s] = p->stages > 1
		                           ? rotary_bytes(m, r, bytes, reserve,
		                                          p->stage_first[s], p->stage_layers[s])
		                           : p->rotary_bytes;
	/* A draft model, on the last stage, in the same process: its own
	 * table unless get_rope's key is the model's. */
	if (r->draft && !r->mtp_layers && !same_table(m, r->draft)) {
		uint64_t d = rotary_bytes(r->draft, r, bytes, reserve, 0,
		                          r->draft->layers);
		uint64_t *last = &p->stage_rotary_bytes[(p->stages ? p->stages : 1) - 1];

		*last = *last > UINT64_MAX - d ? UINT64_MAX : *last + d;
	}
}
