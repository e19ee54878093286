/*
 * engine.c — how each engine rounds and pads what a layer holds: vLLM's
 * blocks, llama.cpp's 256-cell streams, SGLang's token pool and its
 * padding rows, TensorRT-LLM's blocks; and how tensor and pipeline
 * parallelism divide the cache.  Each rule cites the engine code it
 * follows (doc/engines.md gives the versions read).
 */
#include <string.h>
#include <strings.h>

#include "internal.h"
#include "engine.h"

static const char *const engine_names[KVP_ENGINE_COUNT] = {
	[KVP_ENGINE_EXACT] = "exact",
	[KVP_ENGINE_VLLM] = "vllm",
	[KVP_ENGINE_LLAMA_CPP] = "llama.cpp",
	[KVP_ENGINE_SGLANG] = "sglang",
	[KVP_ENGINE_TRTLLM] = "trtllm",
};

static const struct {
	const char *alias;
	kvp_engine engine;
} engine_aliases[] = {
	{"llamacpp", KVP_ENGINE_LLAMA_CPP},
	{"llama-cpp", KVP_ENGINE_LLAMA_CPP},
	{"tensorrt-llm", KVP_ENGINE_TRTLLM},
	{"trt-llm", KVP_ENGINE_TRTLLM},
};

const char *kvp_engine_name(kvp_engine engine)
{
	return (unsigned)engine < KVP_ENGINE_COUNT ? engine_names[engine] : "unknown";
}

kvp_status kvp_engine_from_name(const char *name, kvp_engine *out, kvp_error *err)
{
	char quoted[KVP_QUOTE_MAX];

	if (!name || !out)
		return kvp__error(err, KVP_ERR_INVALID, "no engine given");
	for (int e = 0; e < KVP_ENGINE_COUNT; e++) {
		if (strcasecmp(name, engine_names[e]) == 0) {
			*out = (kvp_engine)e;
			return kvp__error_clear(err);
		}
	}
	for (size_t a = 0; a < sizeof engine_aliases / sizeof engine_aliases[0]; a++) {
		if (strcasecmp(name, engine_aliases[a].alias) == 0) {
			*out = engine_aliases[a].engine;
			return kvp__error_clear(err);
		}
	}
	return kvp__error(err, KVP_ERR_NOT_FOUND,
	                  "unknown engine '%s' (valid: exact, vllm, llama.cpp, sglang,"
	                  " trtllm)", kvp_escape(name, quoted, sizeof quoted));
}

static uint64_t cdiv(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

uint32_t kvp__engine_block(const kvp_request *r)
{
	if (r->block_size)
		return r->block_size;
	switch (r->engine) {
	case KVP_ENGINE_VLLM:
		/* vllm/config/cache.py: CacheConfig.block_size, 16 when the
		 * platform does not choose another. */
		return 16;
	case KVP_ENGINE_LLAMA_CPP:
		return KVP__LLAMA_PAD;
	case KVP_ENGINE_SGLANG:
		/* python/sglang/srt/server_args.py: page_size 1. */
		return 1;
	case KVP_ENGINE_TRTLLM:
		/* KvCacheConfig.tokens_per_block: 32 in the PyTorch runtime;
		 * TensorRT engines are built with 64. */
		return r->trtllm_cpp ? 64 : 32;
	case KVP_ENGINE_EXACT:
		break;
	}
	return 1;
}

uint32_t kvp__engine_ubatch(const kvp_request *r)
{
	/* common/common.h: n_ubatch 512. */
	return r->ubatch ? r->ubatch : 512;
}

bool kvp__engine_has_dtype(kvp_engine e, kvp_dtype t)
{
	switch (e) {
	case KVP_ENGINE_VLLM:
		/* vllm/config/cache.py CacheDType: auto (the model's fp16 or
		 * bf16), fp8 (e4m3, e5m2), int8/fp8 per token-head, fp8_ds_mla. */
		return t == KVP_DTYPE_FP16 || t == KVP_DTYPE_BF16 || t == KVP_DTYPE_FP32 ||
		       t == KVP_DTYPE_FP8 || t == KVP_DTYPE_INT8_PTH ||
		       t == KVP_DTYPE_FP8_PTH || t == KVP_DTYPE_FP8_DS_MLA;
	case KVP_ENGINE_LLAMA_CPP:
		/* common/arg.cpp kv_cache_types: f32, f16, bf16, q8_0, q4_0,
		 * q4_1, iq4_nl, q5_0, q5_1. */
		return t == KVP_DTYPE_FP32 || t == KVP_DTYPE_FP16 || t == KVP_DTYPE_BF16 ||
		       t == KVP_DTYPE_Q8_0 || t == KVP_DTYPE_Q4_0 || t == KVP_DTYPE_Q4_1 ||
		       t == KVP_DTYPE_IQ4_NL || t == KVP_DTYPE_Q5_0 || t == KVP_DTYPE_Q5_1;
	case KVP_ENGINE_SGLANG:
		/* server_args.py --kv-cache-dtype: auto, fp8_e5m2, fp8_e4m3;
		 * and fp8_e4m3 as its DSA backends other than trtllm keep an
		 * MLA latent, fp8_ds_mla's layout (kvp_request_for_device). */
		return t == KVP_DTYPE_FP16 || t == KVP_DTYPE_BF16 || t == KVP_DTYPE_FP32 ||
		       t == KVP_DTYPE_FP8 || t == KVP_DTYPE_FP8_DS_MLA;
	case KVP_ENGINE_TRTLLM:
		/* KvCacheConfig.dtype: auto, fp8, int8 (and nvfp4, not
		 * modelled). */
		return t == KVP_DTYPE_FP16 || t == KVP_DTYPE_BF16 || t == KVP_DTYPE_FP32 ||
		       t == KVP_DTYPE_FP8 || t == KVP_DTYPE_INT8;
	case KVP_ENGINE_EXACT:
		break;
	}
	return true;
}

/* SGLang asserts "DeepSeek DSA only supports bf16/bfloat16 or fp8_e4m3
 * kv_cache_dtype" (its auto: 16 bits, or fp8 from SM100), fp8_e4m3 kept
 * raw or as fp8_ds_mla by its backend; fp8_ds_mla is a DSA model's only. */
bool kvp__engine_model_dtype(const kvp_model *m, const kvp_request *r)
{
	if (r->engine != KVP_ENGINE_SGLANG)
		return true;
	if (!kvp__sparse_mla(m))
		return r->dtype_k != KVP_DTYPE_FP8_DS_MLA;
	return r->dtype_k == KVP_DTYPE_FP16 || r->dtype_k == KVP_DTYPE_BF16 ||
	       r->dtype_k == KVP_DTYPE_FP8 || r->dtype_k == KVP_DTYPE_FP8_DS_MLA;
}

kvp_status kvp__engine_check(const kvp_request *r, kvp_error *err)
{
	if ((unsigned)r->engine < KVP_ENGINE_COUNT) {
		kvp_dtype bad = !kvp__engine_has_dtype(r->engine, r->dtype_k) ? r->dtype_k
		                : r->dtype_v;

		if (!kvp__engine_has_dtype(r->engine, bad))
			return kvp__error(err, KVP_ERR_INVALID,
			                  "%s has no %s cache", kvp_engine_name(r->engine),
			                  kvp_dtype_name(bad));
	}
	if ((unsigned)r->engine >= KVP_ENGINE_COUNT)
		return kvp__error(err, KVP_ERR_INVALID, "invalid engine %d", (int)r->engine);
	if (r->engine == KVP_ENGINE_VLLM && r->vllm_runner > 2)
		return kvp__error(err, KVP_ERR_INVALID, "vLLM model runner %u: 1 (V1) or 2 (V2)",
		                  r->vllm_runner);
	if (r->engine == KVP_ENGINE_TRTLLM && r->trtllm_kv_manager > KVP_TRTLLM_MANAGER_V2)
		return kvp__error(err, KVP_ERR_INVALID,
		                  "TensorRT-LLM KV cache manager %u: 0 (auto), 1 (V1) or 2 (V2)",
		                  r->trtllm_kv_manager);
	if (r->engine == KVP_ENGINE_SGLANG && r->disaggregation > KVP_DISAGG_DECODE)
		return kvp__error(err, KVP_ERR_INVALID,
		                  "SGLang disaggregation mode %u: 0 (none), 1 (prefill)"
		                  " or 2 (decode)", r->disaggregation);
	if (!(r->swa_full_tokens_ratio >= 0 && r->swa_full_tokens_ratio <= 1e6))
		return kvp__error(err, KVP_ERR_INVALID,
		                  "SGLang's swa_full_tokens_ratio must be in (0, 1e6]");
	if (!(r->mamba_full_memory_ratio >= 0 && r->mamba_full_memory_ratio <= 1e6))
		return kvp__error(err, KVP_ERR_INVALID,
		                  "SGLang's mamba_full_memory_ratio must be in (0, 1e6]");
	/* src/llama-context.cpp llama_init_from_model: "V cache quantization
	 * requires flash_attn". */
	if (r->engine == KVP_ENGINE_LLAMA_CPP && r->flash_attn_off &&
	    kvp_dtype_block_values(r->dtype_v) > 1)
		return kvp__error(err, KVP_ERR_INVALID,
		                  "llama.cpp quantizes a V cache (%s) only with flash"
		                  " attention", kvp_dtype_name(r->dtype_v));
	if (r->engine == KVP_ENGINE_LLAMA_CPP && r->ctx_size &&
	    r->ctx_size < r->batch)
		return kvp__error(err, KVP_ERR_INVALID,
		                  "llama.cpp context %llu is smaller than its %llu"
		                  " sequences", (unsigned long long)r->ctx_size,
		                  (unsigned long long)r->batch);
	return KVP_OK;
}

uint32_t kvp_engine_vllm_runner(const kvp_model *m, const kvp_request *r)
{
	bool dense;

	if (!m || !r || r->engine != KVP_ENGINE_VLLM || r->vllm_runner > 2)
		return 0;
	if (r->vllm_runner)
		return r->vllm_runner;
	/* vllm/config/vllm.py _is_default_v2_model_runner_model: from 0.25
	 * dense generative models, neither MoE nor hybrid; from 0.29 every
	 * model (PR #53183, v0.29.0) but one without attention, which it
	 * leaves to the first runner (is_attention_free). */
	if (kvp_model_attention_free(m))
		return 1;
	dense = !kvp__model_moe(m) && !kvp_model_count_layers(m, KVP_LAYER_RECURRENT);
	return kvp__vllm_since(r, 29) || (kvp__vllm_since(r, 25) && dense) ? 2 : 1;
}

bool kvp__model_type_in(const kvp_model *m, const char *const *types, size_t n)
{
	for (size_t t = 0; m && t < n; t++) {
		const char *a = m->model_type, *b = types[t];

		/* '-' and '_' alike: GGUF and Hugging Face spell them apart. */
		while (*b && (*a == *b || (*a == '-' && *b == '_')))
			a++, b++;
		if (!*b)
			return true;
	}
	return false;
}

bool kvp__minicpm3(const kvp_model *m)
{
	static const char *const minicpm3[] = {"minicpm3"};

	return kvp__model_type_in(m, minicpm3, 1) && m->kv_lora_rank;
}

bool kvp__lfm2(const kvp_model *m)
{
	static const char *const lfm2[] = {"lfm2", "lfm2_moe", "lfm2moe"};

	return kvp__model_type_in(m, lfm2, sizeof lfm2 / sizeof lfm2[0]);
}

bool kvp__kimi_linear(const kvp_model *m)
{
	/* config.json's kimi_linear, GGUF's kimi-linear */
	static const char *const kimi[] = {"kimi_linear"};

	return kvp__model_type_in(m, kimi, 1);
}

bool kvp__nemotron_h(const kvp_model *m)
{
	static const char *const nemotron[] = {"nemotron_h"};

	return kvp__model_type_in(m, nemotron, 1);
}

/* SGLang's sliding-window pool (python/sglang/srt/configs/model_config.py
 * @ 001adf564fd332c285397a46a034ee2f93ba7515, is_hybrid_swa_model and
 * get_hybrid_layer_ids): only the architectures it lists run with one,
 * each spelled here by its model_type (a prefix: llama4 and llama4_text;
 * GGUF's gpt-oss is gpt_oss).  Llama 4's chunked layers are its "SWA"
 * layers, (i + 1) % 4 != 0, with attention_chunk_size as their window
 * (model_runner.py sliding_window_size).  Every other model, Gemma 2 and
 * 3, Mistral and Phi-3 among them, gets one MHATokenToKVPool whose cell
 * counts every layer (model_runner_kv_cache_mixin.py
 * get_cell_size_per_token): its windowed layers hold every token. */
bool kvp_engine_swa_pool(const kvp_model *m, const kvp_request *r)
{
	static const char *const types[] = {
		"llama4",      /* Llama4ForConditionalGeneration */
		"gpt_oss",     /* GptOssForCausalLM */
		"gemma4",      /* Gemma4ForCausalLM, ...ForConditionalGeneration */
		"mimo_v2",     /* MiMoV2ForCausalLM, MiMoV2FlashForCausalLM */
		"step3p5",     /* Step3p5ForCausalLM */
		"deepseek_v4", /* DeepseekV4ForCausalLM */
		"laguna",      /* LagunaForCausalLM */
	};

	if (r && r->no_swa_pool)
		return false;
	return kvp__model_type_in(m, types, sizeof types / sizeof types[0]);
}

bool kvp__mamba_all_supported(const kvp_model *m)
{
	/* The model classes with SupportsMambaPrefixCaching (vllm/
	 * model_executor/models/ at d56bbf39, 2026-08): falcon_h1.py,
	 * granitemoehybrid.py, jamba.py, mamba.py, mamba2.py, nemotron_h.py,
	 * zamba2.py. */
	static const char *const types[] = {"falcon_h1", "granitemoehybrid", "jamba",
		"mamba", "mamba2", "nemotron_h", "zamba2"};

	return kvp__model_type_in(m, types, sizeof types / sizeof types[0]);
}

kvp_mamba_mode kvp_engine_mamba_mode(const kvp_request *r)
{
	return r ? kvp__mamba_mode(r) : KVP_MAMBA_ALIGN;
}

double kvp__engine_swa_ratio(const kvp_request *r)
{
	/* python/sglang/srt/server_args.py: swa_full_tokens_ratio 0.8. */
	return r->swa_full_tokens_ratio > 0 ? r->swa_full_tokens_ratio : 0.8;
}

/* vLLM's attention block for a mamba hybrid, and the padded state page
 * (vllm/model_executor/models/config.py @
 * 1936cf3841edb9781b06c50fc4daf4bac9d3b23e,
 * HybridAttentionMambaModelConfig.verify_and_update_config, mamba_cache_mode
 * "none"): attn_page_1 = FullAttentionSpec(block_size=1).page_size_bytes
 * (MLAAttentionSpec for MLA), the model's kv heads on one rank and the
 * cache dtype; mamba_page = MambaSpec.page_size_bytes of the raw state;
 * attn_block_size = align * cdiv(mamba_page, align * attn_page_1), align =
 * kernel_block_alignment_size, the backend's least kernel block 16 (64
 * for MLA, 128 from 0.27; CUTLASS_MLA's 128 and the 32 of FlashInfer head
 * 256 on Blackwell are not modelled) or the block_size asked, the larger
 * (vllm/platforms/interface.py at 96a85c575 and since); block_size
 * becomes attn_block_size when unset or smaller; then
 * mamba_page_size_padded = block_size * attn_page_1, which
 * MambaSpec.page_size_bytes returns instead of the raw state.  Returns the
 * block, or 0 when the plan is no mamba hybrid; *padded the page. */
static uint64_t vllm_mamba_block(const kvp_plan *p, uint64_t *padded, uint64_t *mamba_block)
{
	const kvp_request *r = &p->request;
	uint64_t mamba = 0, attn = 0, align = 16, block, out;
	bool mla = false;

	for (uint32_t g = 0; g < p->group_count; g++) {
		const kvp_layer_group *grp = &p->groups[g];

		if (grp->layers == 0)
			continue;
		if (grp->kind == KVP_LAYER_RECURRENT) {
			if (grp->state_bytes_per_seq > mamba)
				mamba = grp->state_bytes_per_seq;
		} else if (grp->kind != KVP_LAYER_NONE && grp->bytes_per_token > attn) {
			/* vLLM takes the model's kv heads and head size; with
			 * layers of several shapes kvplan takes the largest. */
			attn = grp->bytes_per_token;
			mla = grp->kind == KVP_LAYER_MLA;
		}
	}
	if (r->engine != KVP_ENGINE_VLLM || mamba == 0 || attn == 0)
		return 0;
	/* an MLA hybrid's (Kimi-Linear's): FlashMLA's 64, and from PR #50000
	 * (aeeb36b1f, 2026-07-30, in v0.27.0: "TRTLLM/FlashInfer MLA decode
	 * kernels require ... aligned to 128") max(it, 128) */
	if (mla)
		align = kvp__vllm_since(r, 27) ? 128 : 64;
	/* kernel_block_alignment_size = max(the backend's least kernel
	 * block, cache_config.block_size) (vllm/platforms/interface.py at
	 * 96a85c575 and since): a block asked aligns the enlarged one, which
	 * is then at least the block asked. */
	if (r->block_size > align)
		align = r->block_size;
	if (kvp__mamba_mode(r) == KVP_MAMBA_ALL) {
		/* Mode all: the block a whole number of the scan's chunks,
		 * chunk = lcm(the model's chunk, align), enough of them for a
		 * state, attn_block_size = chunk x cdiv(cdiv(mamba_page,
		 * attn_page_1), chunk); mamba_block_size is that block, and
		 * the attention's block_size becomes it (a multiple of align,
		 * so never below the block asked). */
		uint64_t base = p->ssm_chunk_size, chunk, tokens = cdiv(mamba, attn);

		if (!kvp__mul(base / kvp__gcd(base, align), align, &chunk) ||
		    !kvp__mul(chunk, cdiv(tokens, chunk), &block))
			return 0;
		*mamba_block = block;
	} else {
		if (!kvp__mul(align, attn, &out))
			return 0;
		block = align * cdiv(mamba, out);
		*mamba_block = 0;
	}
	if (!kvp__mul(block, attn, &out))
		return 0;
	*padded = out;
	return block;
}

/* Tokens per block of each group.  vLLM (kv_cache_utils.py
 * get_kv_cache_groups): one spec, or one attention type in several shapes
 * (UniformTypeKVCacheSpecs), keeps the block; otherwise
 * unify_kv_cache_spec_page_size multiplies a smaller page's block by
 * max_page // page, which must divide ("Cannot unify by adjusting
 * block_size": NotImplementedError).  Pages are per rank; the groups are
 * the whole model's (a worker's spec is formed on the merged model).
 * A mamba hybrid's block is enlarged first so that an attention page holds
 * the recurrent state, and each recurrent group's state per sequence
 * becomes that padded page (vllm_mamba_block): a request holds one such
 * page per mamba layer (MambaSpec.max_memory_usage_bytes, mode "none",
 * no speculative blocks), so the plan, the solver (state_bytes_per_seq)
 * and the capacity (the recurrent bucket's page) all count the padded
 * page. */
kvp_status kvp__engine_group_blocks(kvp_plan *p, kvp_error *err)
{
	char label[KVP_QUOTE_MAX];
#define name kvp__label(p->model_name, "the model", label)
	const kvp_request *r = &p->request;
	uint64_t block = kvp__engine_block(r), most = 0, page, padded = 0, hybrid;
	uint64_t mamba_block = 0;
	bool one_type = true, attention = false;
	kvp_layer_kind kind = KVP_LAYER_NONE;

	if ((hybrid = vllm_mamba_block(p, &padded, &mamba_block)) != 0) {
		block = hybrid;
		for (uint32_t g = 0; g < p->group_count; g++)
			if (p->groups[g].kind == KVP_LAYER_RECURRENT &&
			    p->groups[g].state_bytes_per_seq)
				p->groups[g].state_bytes_per_seq = padded;
	}
	for (uint32_t g = 0; g < p->group_count; g++) {
		kvp_layer_group *grp = &p->groups[g];

		grp->block = r->engine == KVP_ENGINE_EXACT ? 1 : block;
		if (grp->layers == 0 || grp->kind == KVP_LAYER_NONE)
			continue;
		if (grp->kind == KVP_LAYER_RECURRENT) {
			/* Mode all: a state page each mamba_block_size tokens. */
			if (mamba_block)
				grp->block = mamba_block;
			one_type = false;
			continue;
		}
		if (grp->bytes_per_token == 0)
			continue;
		if (attention && grp->kind != kind)
			one_type = false;
		attention = true;
		kind = grp->kind;
		if (!kvp__mul(grp->bytes_per_token, block, &page))
			return kvp__error(err, KVP_ERR_OVERFLOW, "%s: vLLM's page overflows"
			                  " 64 bits", name);
		if (page > most)
			most = page;
	}
	if (r->engine != KVP_ENGINE_VLLM || one_type)
		return KVP_OK;
	for (uint32_t g = 0; g < p->group_count; g++) {
		kvp_layer_group *grp = &p->groups[g];

		if (grp->layers == 0 || grp->kind == KVP_LAYER_RECURRENT ||
		    grp->kind == KVP_LAYER_NONE || grp->bytes_per_token == 0)
			continue;
		page = grp->bytes_per_token * block;
		if (most % page != 0)
			return kvp__error(err, KVP_ERR_SHAPE,
			                  "%s: vLLM cannot unify its page sizes: %llu B does"
			                  " not divide %llu B (unify_kv_cache_spec_page_size)",
			                  name, (unsigned long long)page,
			                  (unsigned long long)most);
		grp->block = block * (most / page);
	}
#undef name
	return KVP_OK;
}

/* A count rounded up to whole units of u; UINT64_MAX when it overflows. */
static uint64_t pad(uint64_t n, uint64_t u)
{
	uint64_t q = cdiv(n, u), out;

	return kvp__mul(q, u, &out) ? out : UINT64_MAX;
}

/* llama.cpp: the streams and the cells of each (src/llama-context.cpp,
 * llama_context constructor: n_ctx padded to 256; src/llama-kv-cache.cpp:
 * a unified cache is one stream of n_ctx cells, a split one n_seq_max
 * streams of n_ctx / n_seq_max cells each, padded). */
void kvp__llama_streams(const kvp_request *r, uint64_t *n_ctx, uint64_t *streams,
                        uint64_t *per_stream)
{
	uint64_t ctx = r->ctx_size;

	if (!ctx && __builtin_mul_overflow(r->seq, r->batch, &ctx))
		ctx = UINT64_MAX;
	/* llama_context's constructor: n_ctx = GGML_PAD(n_ctx, 256); split,
	 * n_ctx_seq = GGML_PAD(n_ctx / n_seq_max, 256), and n_ctx becomes
	 * n_ctx_seq x n_seq_max; unified, n_ctx_seq = n_ctx. */
	ctx = pad(ctx, KVP__LLAMA_PAD);
	*streams = r->kv_unified ? 1 : r->batch;
	*per_stream = pad(ctx / *streams, KVP__LLAMA_PAD);
	if (!kvp__mul(*per_stream, *streams, n_ctx))
		*n_ctx = UINT64_MAX;
}


void kvp__vllm_reach(const kvp_request *r, const kvp_layer_group *g,
                     uint64_t *reach, uint64_t *extra)
{
	/* vllm/v1/kv_cache_interface.py: a sliding layer keeps the window
	 * less one plus the tokens in flight, and one block more
	 * (SlidingWindowSpec.max_admission_blocks_per_request); a chunked
	 * one the chunk plus them (ChunkedLocalAttentionSpec); a full one
	 * every token.  In flight since 0.26 (PR #47728):
	 * vllm/config/vllm.py VllmConfig.max_in_flight_tokens, each
	 * concurrent batch's max_num_batched_tokens: with the default async
	 * scheduling max_concurrent_batches is two at pp 1, and with
	 * pipeline stages pp + 1 under the V2 model runner, pp under V1
	 * (the plan's request names the runner, kvp_engine_vllm_runner);
	 * before, one step's.  Not followed: a multi-module MTP draft's
	 * retained lookahead tokens (extra_retained_tokens). */
	uint64_t batches = !kvp__vllm_since(r, 26) ? 1
	                   : r->pp <= 1 ? 2
	                   : r->vllm_runner == 2 ? (uint64_t)r->pp + 1 : r->pp;
	uint64_t in_flight;

	*reach = 0;
	*extra = 0;
	/* Past 64 bits a window holds every token: the reach saturates. */
	if (!kvp__mul(batches, kvp__engine_mnbt(r), &in_flight))
		in_flight = UINT64_MAX;
	if (g->kind == KVP_LAYER_SLIDING) {
		if (!kvp__add(g->window - 1, in_flight, reach))
			*reach = UINT64_MAX;
		*extra = 1;
	} else if (g->kind == KVP_LAYER_CHUNKED) {
		if (!kvp__add(g->window, in_flight, reach))
			*reach = UINT64_MAX;
	}
}

uint64_t kvp__vllm_blocks(const kvp_request *r, const kvp_layer_group *g,
                          uint64_t len, uint64_t block)
{
	uint64_t reach, extra;

	if (g->kind != KVP_LAYER_RECURRENT) {
		/* A policy's kept tokens are held as a sequence of them;
		 * under decode context parallelism each GPU keeps
		 * cdiv(len, dcp) of them, in cdiv(len, dcp x block) blocks. */
		if (g->cap && g->cap < len)
			len = g->cap;
		kvp__vllm_reach(r, g, &reach, &extra);
		return cdiv(cdiv(reach && reach < len ? reach : len, kvp__engine_dcp(r, g)), block) +
		       extra;
	}
	/* MambaSpec.max_memory_usage_bytes: in mode all a page each
	 * mamba_block_size tokens (the group's block), else one state page
	 * (two in align); and one more a speculative token
	 * (num_speculative_blocks). */
	reach = kvp__spec_state_rows(r, NULL); /* vLLM's: no model needed */
	if (g->block && kvp__mamba_mode(r) == KVP_MAMBA_ALL)
		return cdiv(len, g->block) + reach - 1;
	return reach;
}

uint64_t kvp__vllm_state_page(const kvp_request *r, const kvp_layer_group *g)
{
	return g->state_bytes_per_seq / kvp__vllm_blocks(r, g, r->seq, g->block);
}

/* Token slots one layer of group g allocates for the request, the whole
 * batch.  UINT64_MAX when they overflow. */
uint64_t kvp__engine_cells(const kvp_request *r, const kvp_layer_group *g)
{
	uint64_t seq = r->seq, batch = r->batch, per_seq, cells;
	uint64_t block = g->block ? g->block : kvp__engine_block(r);

	if (g->bytes_per_token == 0)
		return 0;
	/* A policy changes what is kept, not how the engine rounds it: the
	 * engine holds the kept tokens as it would hold a sequence of them. */
	if (g->cap && g->cap < seq)
		seq = g->cap;
	switch (r->engine) {
	case KVP_ENGINE_EXACT:
		per_seq = g->tokens;
		break;
	case KVP_ENGINE_VLLM:
		/* vllm/v1/core/single_type_kv_cache_manager.py: a full layer
		 * holds cdiv(len, block) blocks; a sliding one the window
		 * less one plus the tokens of a step, and one block more
		 * (SlidingWindowSpec.max_memory_usage_bytes); a chunked one
		 * the chunk plus a step (ChunkedLocalAttentionSpec).  The
		 * block is the group's own once pages are unified. */
		if (!kvp__mul(kvp__vllm_blocks(r, g, seq, block), block, &per_seq))
			return UINT64_MAX;
		break;
	case KVP_ENGINE_LLAMA_CPP: {
		/* src/llama-kv-cache-iswa.cpp: the sliding cache holds
		 * min(n_ctx per stream, n_swa x (unified ? n_seq : 1) +
		 * n_ubatch) cells, padded to 256. */
		uint64_t n_ctx, streams, per_stream, want;

		kvp__llama_streams(r, &n_ctx, &streams, &per_stream);
		want = per_stream;
		if (g->cap) {
			uint64_t kept = g->cap * (r->kv_unified ? batch : 1);

			if (kept / (r->kv_unified ? batch : 1) == g->cap && kept < want)
				want = kept;
		}
		if (g->window) {
			uint64_t reach = g->window * (r->kv_unified ? batch : 1) +
			                 kvp__engine_ubatch(r);

			if (reach < want)
				want = reach;
		}
		return kvp__mul(pad(want, KVP__LLAMA_PAD), streams, &cells) ? cells
		                                                             : UINT64_MAX;
	}
	case KVP_ENGINE_SGLANG:
		/* mem_cache/memory_pool.py: one pool of tokens for every
		 * layer; each request takes whole pages.  The page_size
		 * padding rows of each buffer are added by the plan.  Sliding
		 * and chunked layers the plan left windowed are in the SWA
		 * pool (mem_cache/swa_memory_pool.py SWAKVPool), whose slots
		 * outside the window are freed (managers/schedule_batch.py
		 * _evict_swa, free_swa): a request keeps min(seq, window) of
		 * them, in whole pages. */
		per_seq = pad(kvp__sglang_swa_kind(g->kind) ? g->tokens : seq, block);
		/* Under decode context parallelism a GPU of the group holds
		 * a page of every dcp pages of the request's
		 * (kvp__engine_dcp): cdiv(seq, page x dcp) of them. */
		if (kvp__engine_dcp(r, g) > 1)
			per_seq = cdiv(cdiv(seq, kvp__engine_dcp(r, g)), block) * block;
		/* A draft's pool spans the allocator's pages of page x dcp
		 * (kvp__sglang_draft_dcp). */
		if (kvp__sglang_draft_dcp(r, g) > 1)
			per_seq = pad(seq, block * kvp__sglang_draft_dcp(r, g));
		break;
	case KVP_ENGINE_TRTLLM:
		/* Blocks of tokens_per_block per sequence; a windowed layer
		 * keeps its window's blocks (cyclic cache). */
		per_seq = pad(g->tokens, block);
		break;
	default:
		per_seq = g->tokens;
		break;
	}
	return kvp__mul(per_seq, batch, &cells) ? cells : UINT64_MAX;
}

/* SGLang allocates page_size extra rows in every layer's buffer
 * (MHATokenToKVPool._create_buffers: size + page_size rows). */
uint64_t kvp__engine_pool_pad(const kvp_request *r)
{
	return r->engine == KVP_ENGINE_SGLANG ? kvp__engine_block(r) : 0;
}

