/*
 * args_engine.c — the options of --engine and of parallelism, in kvplan's
 * generic names and in each engine's own spelling (vLLM's
 * --gpu-memory-utilization, llama.cpp's -c and -np, SGLang's --page-size,
 * TensorRT-LLM's --tokens-per-block), so a command line can be pasted.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"


/* A count from 1 to 2^32 - 1 (requests, sequences). */
static int parse_count(const char *opt, const char *arg, uint32_t *out)
{
	uint64_t n;
	int rc = cli_parse_u64(opt, arg, 1, UINT32_MAX, &n);

	if (rc == 0)
		*out = (uint32_t)n;
	return rc;
}

/* "41,39": the layers of each pipeline stage. */
static int parse_pp_layers(const char *opt, const char *arg, struct cli_options *o)
{
	char *copy = strdup(arg), *item, *save = NULL;
	int rc = 0;

	if (!copy) {
		fputs("kvplan: out of memory\n", stderr);
		return 2;
	}
	o->req.pp_layers_len = 0;
	for (item = strtok_r(copy, ",", &save); item && !rc;
	     item = strtok_r(NULL, ",", &save)) {
		if (o->req.pp_layers_len == KVP_PP_MAX) {
			fprintf(stderr, "kvplan: --%s: at most %d stages\n", opt, KVP_PP_MAX);
			rc = 2;
			break;
		}
		rc = cli_parse_u32(opt, item, &o->req.pp_layers[o->req.pp_layers_len++]);
	}
	if (!rc && (o->req.pp_layers_len == 0 || arg[0] == ',' || arg[strlen(arg) - 1] == ',' ||
	            strstr(arg, ",,"))) {
		fprintf(stderr, "kvplan: --%s: expected layer counts separated by commas\n",
		        opt);
		rc = 2;
	}
	free(copy);
	return rc;
}

/* A vLLM release, MAJOR.MINOR with an optional .PATCH (0.19, 0.10.2):
 * major x 100 + minor. */
static int parse_vllm_version(const char *opt, const char *arg, uint32_t *out)
{
	unsigned long major = 0, minor = 0;
	const char *p = arg;
	char quoted[KVP_QUOTE_MAX];
	int parts = 0;

	for (; parts < 3; parts++) {
		unsigned long n = 0;
		int digits = 0;

		while (*p >= '0' && *p <= '9' && digits < 6) {
			n = n * 10 + (unsigned long)(*p++ - '0');
			digits++;
		}
		if (digits == 0 || (*p >= '0' && *p <= '9'))
			break;
		if (parts == 0)
			major = n;
		else if (parts == 1)
			minor = n;
		if (*p != '.' || parts == 2)
			break;
		p++;
	}
	/* (a dot with no number after it, as "0.19.", is not one) */
	if (*p != '\0' || parts < 1 || p[-1] == '.' || minor > 99 || major * 100 + minor == 0) {
		fprintf(stderr, "kvplan: --%s: '%s' is not a vLLM release (MAJOR.MINOR,"
		        " as 0.19 or 0.10.2)\n", opt, kvp_escape(arg, quoted, sizeof quoted));
		return 2;
	}
	*out = (uint32_t)(major * 100 + minor);
	return 0;
}

/* An SGLang release, MAJOR.MINOR.PATCH (0.5.18; 0.5 is 0.5.0): major x
 * 10000 + minor x 100 + patch. */
static int parse_sglang_version(const char *opt, const char *arg, uint32_t *out)
{
	unsigned long part[3] = {0, 0, 0};
	const char *p = arg;
	char quoted[KVP_QUOTE_MAX];
	int parts = 0;

	while (parts < 3) {
		int digits = 0;

		while (*p >= '0' && *p <= '9' && digits < 6) {
			part[parts] = part[parts] * 10 + (unsigned long)(*p++ - '0');
			digits++;
		}
		if (digits == 0 || (*p >= '0' && *p <= '9'))
			break;
		parts++;
		/* a dot goes on to the next number, which must be there */
		if (*p != '.' || parts == 3 || !(p[1] >= '0' && p[1] <= '9'))
			break;
		p++;
	}
	if (*p != '\0' || parts < 2 || part[0] > 99 || part[1] > 99 || part[2] > 99 ||
	    part[0] * 10000 + part[1] * 100 + part[2] == 0) {
		fprintf(stderr, "kvplan: --%s: '%s' is not an SGLang release (MAJOR.MINOR.PATCH,"
		        " as 0.5.18; MAJOR.MINOR is its .0)\n", opt,
		        kvp_escape(arg, quoted, sizeof quoted));
		return 2;
	}
	*out = (uint32_t)(part[0] * 10000 + part[1] * 100 + part[2]);
	return 0;
}

int cli_parse_engine_option(int code, const char *opt, const char *arg,
                            struct cli_options *o)
{
	kvp_error err;

	switch (code) {
	case OPT_ENGINE:
		/* A list is a sweep's: its first engine stands for it here. */
		if (strchr(arg, ',')) {
			char first[32];

			o->engine_list = arg;
			snprintf(first, sizeof first, "%.*s", (int)strcspn(arg, ","), arg);
			if (kvp_engine_from_name(first, &o->req.engine, &err) != KVP_OK) {
				fprintf(stderr, "kvplan: --engine: %s\n", err.message);
				return 2;
			}
			return 0;
		}
		if (kvp_engine_from_name(arg, &o->req.engine, &err) != KVP_OK) {
			fprintf(stderr, "kvplan: --engine: %s\n", err.message);
			return 2;
		}
		return 0;
	case OPT_MNBT:
		o->engine_flags |= CLI_FLAG_MNBT;
		/* (vLLM's own is a 32-bit count in practice; past it the profile
		 * run's bytes, tokens x intermediate x 8.2, could pass 64 bits) */
		return cli_parse_u64(opt, arg, 1, UINT32_MAX, &o->req.max_batched_tokens);
	case 'c':
		o->engine_flags |= CLI_FLAG_CTX;
		return cli_parse_u64(opt, arg, 1, UINT64_MAX, &o->req.ctx_size);
	case OPT_PARALLEL:
		o->engine_flags |= CLI_FLAG_PARALLEL;
		return cli_parse_u64(opt, arg, 1, UINT64_MAX, &o->batch);
	case OPT_KV_UNIFIED:
	case OPT_NO_KV_UNIFIED:
		o->engine_flags |= CLI_FLAG_UNIFIED;
		o->req.kv_unified = code == OPT_KV_UNIFIED;
		return 0;
	case OPT_UBATCH:
		o->engine_flags |= CLI_FLAG_UBATCH;
		return cli_parse_u32(opt, arg, &o->req.ubatch);
	case OPT_PAGE_SIZE:
		o->engine_flags |= CLI_FLAG_PAGE;
		return cli_parse_u32(opt, arg, &o->page_size);
	case OPT_SWA_RATIO:
		o->engine_flags |= CLI_FLAG_SWA_RATIO;
		return cli_parse_fraction(opt, arg, &o->swa_full_tokens_ratio);
	case OPT_CHUNKED_PREFILL:
		o->engine_flags |= CLI_FLAG_CHUNKED;
		return cli_parse_u32(opt, arg, &o->req.chunked_prefill_size);
	case OPT_GRAPH_MAX_BS:
		o->engine_flags |= CLI_FLAG_GRAPH_BS;
		return cli_parse_u32(opt, arg, &o->req.cuda_graph_max_bs);
	case OPT_CONTEXT_LENGTH:
		o->engine_flags |= CLI_FLAG_CONTEXT_LEN;
		return cli_parse_u64(opt, arg, 1, UINT32_MAX, &o->req.context_length);
	case OPT_MAX_RUNNING:
		o->engine_flags |= CLI_FLAG_MAX_RUNNING;
		return parse_count(opt, arg, &o->req.max_running_requests);
	case OPT_MAX_TOTAL_TOKENS:
		o->engine_flags |= CLI_FLAG_MAX_TOTAL;
		return cli_parse_u64(opt, arg, 1, UINT32_MAX, &o->req.sglang_max_total_tokens);
	case OPT_MAMBA_SIZE:
		o->engine_flags |= CLI_FLAG_MAMBA_SIZE;
		return cli_parse_u64(opt, arg, 1, UINT32_MAX, &o->req.max_mamba_cache_size);
	case OPT_MAMBA_RATIO:
		o->engine_flags |= CLI_FLAG_MAMBA_RATIO;
		return cli_parse_real(opt, arg, 1e6, &o->req.mamba_full_memory_ratio);
	case OPT_SPEC_TOPK:
		o->engine_flags |= CLI_FLAG_SPEC_TOPK;
		return cli_parse_u32(opt, arg, &o->req.spec_topk);
	case OPT_SPEC_DRAFT_TOKENS:
		o->engine_flags |= CLI_FLAG_SPEC_DRAFT;
		return cli_parse_u32(opt, arg, &o->req.spec_draft_tokens);
	case OPT_MAMBA_STRATEGY:
		o->engine_flags |= CLI_FLAG_MAMBA_STRATEGY;
		{
			/* server_args.py --mamba-radix-cache-strategy's
			 * choices (--mamba-scheduler-strategy before the
			 * rename of issue #27418). */
			static const char *const words[] = {"auto", "no_buffer", "extra_buffer",
				"extra_buffer_lazy", NULL};
			int i = cli_parse_word(opt, "strategy", arg, words);

			if (i < 0)
				return 2;
			o->req.mamba_strategy = (uint8_t)i;
			return 0;
		}
	case OPT_NO_RADIX:
		o->engine_flags |= CLI_FLAG_NO_RADIX;
		o->req.disable_radix_cache = true;
		return 0;
	case OPT_NO_OVERLAP:
		o->engine_flags |= CLI_FLAG_NO_OVERLAP;
		o->req.disable_overlap_schedule = true;
		return 0;
	case OPT_MAMBA_SSM_DTYPE:
		o->engine_flags |= CLI_FLAG_MAMBA_SSM;
		{
			/* server_args.py --mamba-ssm-dtype's choices. */
			static const char *const types[] = {"float32", "bfloat16", "float16", NULL};
			static const kvp_dtype as[] = {KVP_DTYPE_FP32, KVP_DTYPE_BF16, KVP_DTYPE_FP16};
			int i = cli_parse_word(opt, "type", arg, types);

			if (i < 0)
				return 2;
			o->req.state_dtype = as[i];
			return 0;
		}
	case OPT_MAMBA_SSM_CACHE_DTYPE:
		o->engine_flags |= CLI_FLAG_SSM_CACHE;
		{
			/* vllm/config/cache.py MambaDType's choices, in bytes
			 * (0: auto); TensorRT-LLM's KvCacheConfig
			 * mamba_ssm_cache_dtype takes the same. */
			static const char *const types[] = {"auto", "float32", "float16",
				"bfloat16", NULL};
			static const uint32_t bytes[] = {0, 4, 2, 2};
			int i = cli_parse_word(opt, "type", arg, types);

			if (i < 0)
				return 2;
			o->req.mamba_ssm_cache_bytes = bytes[i];
			return 0;
		}
	case OPT_MAMBA_CACHE_DTYPE:
		o->engine_flags |= CLI_FLAG_MAMBA_CACHE;
		{
			/* vllm/config/cache.py MambaDType's choices: the conv
			 * state's type, and the SSM state's where
			 * mamba_ssm_cache_dtype is auto (mamba_utils.py
			 * _mamba_state_dtype); auto, the model's. */
			static const char *const types[] = {"auto", "float32", "float16",
				"bfloat16", NULL};
			static const kvp_dtype as[] = {KVP_DTYPE_FP32, KVP_DTYPE_FP32,
				KVP_DTYPE_FP16, KVP_DTYPE_BF16};
			int i = cli_parse_word(opt, "type", arg, types);

			if (i < 0)
				return 2;
			o->vllm_state_dtype = as[i];
			o->vllm_state_dtype_set = i > 0;
			return 0;
		}
	case OPT_NO_SWA_POOL:
		o->engine_flags |= CLI_FLAG_NO_SWA;
		o->req.no_swa_pool = true;
		return 0;
	case OPT_TOKENS_PER_BLOCK:
		o->engine_flags |= CLI_FLAG_TPB;
		return cli_parse_u32(opt, arg, &o->tokens_per_block);
	case OPT_TRTLLM_RUNTIME:
		o->engine_flags |= CLI_FLAG_RUNTIME;
		{
			static const char *const runtimes[] = {"pytorch", "cpp", NULL};
			int i = cli_parse_word(opt, "runtime", arg, runtimes);

			o->req.trtllm_cpp = i == 1;
			return i < 0 ? 2 : 0;
		}
	case OPT_MAX_BATCH_SIZE:
		o->engine_flags |= CLI_FLAG_TRT_BATCH;
		return parse_count(opt, arg, &o->req.trtllm_max_batch_size);
	case OPT_MAX_SEQ_LEN:
		o->engine_flags |= CLI_FLAG_TRT_SEQ_LEN;
		return cli_parse_u64(opt, arg, 1, UINT32_MAX, &o->req.trtllm_max_seq_len);
	case OPT_AVG_SEQ_LEN:
		o->engine_flags |= CLI_FLAG_TRT_AVG_LEN;
		return cli_parse_u64(opt, arg, 1, UINT32_MAX, &o->req.trtllm_avg_seq_len);
	case OPT_KV_MANAGER_V2:
		o->engine_flags |= CLI_FLAG_TRT_MANAGER;
		{
			/* kv_cache_config.use_kv_cache_manager_v2 */
			static const char *const values[] = {"auto", "false", "true", NULL};
			int i = cli_parse_word(opt, "value", arg, values);

			o->req.trtllm_kv_manager = i == 1 ? KVP_TRTLLM_MANAGER_V1
			                           : i == 2 ? KVP_TRTLLM_MANAGER_V2
			                                    : KVP_TRTLLM_MANAGER_AUTO;
			return i < 0 ? 2 : 0;
		}
	case OPT_INDEXER_K_DTYPE:
		o->engine_flags |= CLI_FLAG_INDEXER;
		{
			static const char *const types[] = {"fp8", "fp4", NULL};
			int i = cli_parse_word(opt, "indexer key type", arg, types);

			o->indexer_fp4 = i == 1;
			return i < 0 ? 2 : 0;
		}
	case OPT_TP:
		return cli_parse_u32(opt, arg, &o->req.tp);
	case OPT_DP:
		return cli_parse_u32(opt, arg, &o->req.dp);
	case OPT_MOE_BACKEND:
		o->engine_flags |= CLI_FLAG_MOE_BACKEND;
		if (kvp_moe_backend_from_name(arg, &o->req.moe_backend, &err) != KVP_OK) {
			fprintf(stderr, "kvplan: --moe-backend: %s\n", err.message);
			return 2;
		}
		return 0;
	case OPT_DCP:
		o->engine_flags |= CLI_FLAG_DCP;
		return cli_parse_u32(opt, arg, &o->req.dcp);
	case OPT_PP_LAYERS:
		o->pp_layers_given = true;
		return parse_pp_layers(opt, arg, o);
	case OPT_PP:
		o->pp_given = true;
		return cli_parse_u32(opt, arg, &o->req.pp);
	case OPT_KV_BUDGET:
		return cli_parse_u64(opt, arg, 1, UINT64_MAX, &o->req.kv_budget);
	case OPT_LORA_RANK:
		return cli_parse_u32(opt, arg, &o->req.lora.rank);
	case OPT_ENABLE_LORA:
		o->enable_lora = true;
		return 0;
	case OPT_MAX_LORAS:
		if (!o->lora_option)
			o->lora_option = opt;
		return cli_parse_u32(opt, arg, &o->req.lora.slots);
	case OPT_LORA_MODULES:
		if (!o->lora_option)
			o->lora_option = opt;
		if (kvp_lora_modules_parse(arg, &o->req.lora.modules, &err) != KVP_OK) {
			fprintf(stderr, "kvplan: --%s: %s\n", opt, err.message);
			return 2;
		}
		return 0;
	case OPT_LORA_DTYPE:
		if (!o->lora_option)
			o->lora_option = opt;
		/* vLLM's names too: auto is the model's 16-bit type. */
		if (strcmp(arg, "auto") == 0 || strcmp(arg, "float16") == 0) {
			o->req.lora.dtype = KVP_DTYPE_FP16;
			return 0;
		}
		if (strcmp(arg, "bfloat16") == 0) {
			o->req.lora.dtype = KVP_DTYPE_BF16;
			return 0;
		}
		if (strcmp(arg, "float32") == 0) {
			o->req.lora.dtype = KVP_DTYPE_FP32;
			return 0;
		}
		if (cli_parse_dtype(opt, arg, &o->req.lora.dtype))
			return 2;
		if (o->req.lora.dtype != KVP_DTYPE_FP16 && o->req.lora.dtype != KVP_DTYPE_BF16 &&
		    o->req.lora.dtype != KVP_DTYPE_FP32) {
			fprintf(stderr, "kvplan: --%s: LoRA adapters are held as fp16, bf16 or"
			        " fp32, not %s\n", opt, kvp_dtype_name(o->req.lora.dtype));
			return 2;
		}
		return 0;
	case OPT_PROFILE_MEMORY:
		o->engine_flags |= CLI_FLAG_PROFILE;
		o->req.profile_memory = true;
		return 0;
	case OPT_FLASH_ATTN:
		/* llama.cpp's -fa on|off|auto (common/arg.cpp); auto is on
		 * where the backend has it, as on CUDA and Metal. */
		o->engine_flags |= CLI_FLAG_FLASH_ATTN;
		{
			static const char *const modes[] = {"on", "off", "auto", NULL};
			int i = cli_parse_word(opt, "value", arg, modes);

			o->req.flash_attn_off = i == 1;
			return i < 0 ? 2 : 0;
		}
	case OPT_LLAMA_SERVER:
		o->engine_flags |= CLI_FLAG_LLAMA_SERVER;
		o->req.llama_server = true;
		return 0;
	case OPT_EXPERT_PARALLEL:
		o->engine_flags |= CLI_FLAG_EP;
		o->req.expert_parallel = true;
		return 0;
	case OPT_ATTENTION_DP:
		o->engine_flags |= CLI_FLAG_ADP;
		return 0;
	case OPT_DP_ATTENTION:
		o->engine_flags |= CLI_FLAG_DPA;
		return 0;
	case OPT_LM_ONLY:
		o->engine_flags |= CLI_FLAG_LM_ONLY;
		o->req.language_model_only = true;
		return 0;
	case OPT_DISABLE_CUDA_GRAPH:
		o->engine_flags |= CLI_FLAG_NO_GRAPHS;
		o->req.disable_cuda_graph = true;
		return 0;
	case OPT_DP_LM_HEAD:
		o->engine_flags |= CLI_FLAG_DP_LM_HEAD;
		o->req.sglang_dp_lm_head = true;
		return 0;
	case OPT_DENSE_TP:
		/* server_args.py: "moe_dense_tp_size only support 1 and None
		 * currently" */
		o->engine_flags |= CLI_FLAG_DENSE_TP;
		{
			static const char *const sizes[] = {"1", NULL};

			if (cli_parse_word(opt, "size", arg, sizes) < 0)
				return 2;
			o->req.sglang_dense_whole = true;
			return 0;
		}
	case OPT_A2A:
		o->engine_flags |= CLI_FLAG_A2A;
		{
			static const char *const backends[] = {"none", "deepep", NULL};
			int i = cli_parse_word(opt, "all-to-all backend", arg, backends);

			if (i < 0)
				return 2;
			o->req.sglang_deepep = i == 1;
			return 0;
		}
	case OPT_DISAGG:
		o->engine_flags |= CLI_FLAG_DISAGG;
		{
			static const char *const modes[] = {"null", "prefill", "decode", NULL};
			int i = cli_parse_word(opt, "disaggregation mode", arg, modes);

			if (i < 0)
				return 2;
			o->req.disaggregation = (uint8_t)i;
			return 0;
		}
	case OPT_LANG_ONLY:
		o->engine_flags |= CLI_FLAG_LANG_ONLY;
		o->req.language_only = true;
		return 0;
	case OPT_CUDA_MEMORY:
		o->engine_flags |= CLI_FLAG_CUDA_MEMORY;
		o->req.cuda_memory = true;
		return 0;
	case OPT_ENFORCE_EAGER:
		o->engine_flags |= CLI_FLAG_EAGER;
		o->req.enforce_eager = true;
		return 0;
	case OPT_MAX_NUM_SEQS:
		o->engine_flags |= CLI_FLAG_SEQS;
		return cli_parse_u32(opt, arg, &o->req.max_num_seqs);
	case OPT_VLLM_VERSION:
		o->engine_flags |= CLI_FLAG_VLLM_VERSION;
		return parse_vllm_version(opt, arg, &o->req.vllm_version);
	case OPT_SGLANG_VERSION:
		o->engine_flags |= CLI_FLAG_SGLANG_VERSION;
		return parse_sglang_version(opt, arg, &o->req.sglang_version);
	case OPT_VLLM_RUNNER:
		o->engine_flags |= CLI_FLAG_VLLM_RUNNER;
		{
			static const char *const runners[] = {"v1", "v2", NULL};
			int i = cli_parse_word(opt, "model runner", arg, runners);

			if (i < 0)
				return 2;
			o->req.vllm_runner = (uint32_t)i + 1;
			return 0;
		}
	case OPT_MAMBA_MODE:
		o->engine_flags |= CLI_FLAG_MAMBA_MODE;
		{
			static const char *const modes[] = {"none", "align", "all", NULL};
			static const kvp_mamba_mode values[] = {KVP_MAMBA_NONE, KVP_MAMBA_ALIGN,
			                                        KVP_MAMBA_ALL};
			int i = cli_parse_word(opt, "mode", arg, modes);

			if (i < 0)
				return 2;
			o->req.mamba_cache_mode = values[i];
			return 0;
		}
	case OPT_PREFIX_CACHING:
	case OPT_NO_PREFIX_CACHING:
		/* vLLM's own switch: without prefix caching its recurrent
		 * layers run in mode none. */
		o->engine_flags |= CLI_FLAG_PREFIX;
		o->req.mamba_cache_mode = code == OPT_NO_PREFIX_CACHING ? KVP_MAMBA_NONE
		                                                         : KVP_MAMBA_DEFAULT;
		return 0;
	case OPT_MTP:
		return cli_parse_u32(opt, arg, &o->req.mtp_layers);
	case OPT_SPEC_TOKENS:
		o->engine_flags |= CLI_FLAG_SPEC;
		return cli_parse_u32(opt, arg, &o->req.spec_tokens);
	case OPT_SOLVE:
		{
			static const char *const questions[] = {"max-seq", "max-batch",
				"min-gpus", NULL};
			static const enum cli_solve values[] = {CLI_SOLVE_MAX_SEQ,
				CLI_SOLVE_MAX_BATCH, CLI_SOLVE_MIN_GPUS};
			int i = cli_parse_word(opt, "question", arg, questions);

			if (i < 0)
				return 2;
			o->solve = values[i];
			return 0;
		}
	}
	return -1;
}
