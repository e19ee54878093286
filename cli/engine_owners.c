/*
 * engine_owners.c — what the engine options leave once the command line
 * is read: which engines each setting belongs to (a setting of another
 * engine is warned of and ignored), and the settings one option implies
 * for another (the LoRA rank of --enable-lora, SGLang's page and
 * TensorRT-LLM's tokens per block as the block size, the stages a layer
 * split gives).
 */
#include <stdio.h>

#include "cli.h"

#define ENGINE(e) (1u << (e))

/* Which engines each setting belongs to. */
static const struct {
	uint64_t flag;
	const char *option;
	unsigned engines; /* ENGINE() bits */
} owners[] = {
	{CLI_FLAG_MNBT, "--max-num-batched-tokens", ENGINE(KVP_ENGINE_VLLM)},
	{CLI_FLAG_PROFILE, "--profile-memory", ENGINE(KVP_ENGINE_VLLM) | ENGINE(KVP_ENGINE_SGLANG)},
	{CLI_FLAG_EAGER, "--enforce-eager", ENGINE(KVP_ENGINE_VLLM)},
	{CLI_FLAG_LM_ONLY, "--language-model-only", ENGINE(KVP_ENGINE_VLLM)},
	{CLI_FLAG_EP, "--enable-expert-parallel", ENGINE(KVP_ENGINE_VLLM)},
	{CLI_FLAG_ADP, "--enable-attention-dp", ENGINE(KVP_ENGINE_TRTLLM)},
	{CLI_FLAG_DPA, "--enable-dp-attention", ENGINE(KVP_ENGINE_SGLANG)},
	{CLI_FLAG_DP_LM_HEAD, "--enable-dp-lm-head", ENGINE(KVP_ENGINE_SGLANG)},
	{CLI_FLAG_DENSE_TP, "--moe-dense-tp-size", ENGINE(KVP_ENGINE_SGLANG)},
	{CLI_FLAG_A2A, "--moe-a2a-backend", ENGINE(KVP_ENGINE_SGLANG)},
	{CLI_FLAG_LANG_ONLY, "--language-only", ENGINE(KVP_ENGINE_SGLANG)},
	{CLI_FLAG_NO_GRAPHS, "--disable-cuda-graph", ENGINE(KVP_ENGINE_SGLANG)},
	{CLI_FLAG_DISAGG, "--disaggregation-mode", ENGINE(KVP_ENGINE_SGLANG)},
	{CLI_FLAG_SEQS, "--max-num-seqs", ENGINE(KVP_ENGINE_VLLM)},
	{CLI_FLAG_VLLM_VERSION, "--vllm-version", ENGINE(KVP_ENGINE_VLLM)},
	{CLI_FLAG_VLLM_RUNNER, "--vllm-runner", ENGINE(KVP_ENGINE_VLLM)},
	{CLI_FLAG_DCP, "--decode-context-parallel-size",
	 ENGINE(KVP_ENGINE_VLLM) | ENGINE(KVP_ENGINE_SGLANG)},
	{CLI_FLAG_SGLANG_VERSION, "--sglang-version", ENGINE(KVP_ENGINE_SGLANG)},
	{CLI_FLAG_MAMBA_MODE, "--mamba-cache-mode", ENGINE(KVP_ENGINE_VLLM)},
	{CLI_FLAG_PREFIX, "--enable-prefix-caching", ENGINE(KVP_ENGINE_VLLM)},
	{CLI_FLAG_CTX, "--ctx-size", ENGINE(KVP_ENGINE_LLAMA_CPP)},
	{CLI_FLAG_FLASH_ATTN, "--flash-attn", ENGINE(KVP_ENGINE_LLAMA_CPP)},
	{CLI_FLAG_LLAMA_SERVER, "--llama-server", ENGINE(KVP_ENGINE_LLAMA_CPP)},
	{CLI_FLAG_UNIFIED, "--kv-unified", ENGINE(KVP_ENGINE_LLAMA_CPP)},
	{CLI_FLAG_UBATCH, "--ubatch", ENGINE(KVP_ENGINE_LLAMA_CPP)},
	{CLI_FLAG_PAGE, "--page-size", ENGINE(KVP_ENGINE_SGLANG)},
	{CLI_FLAG_SWA_RATIO, "--swa-full-tokens-ratio", ENGINE(KVP_ENGINE_SGLANG)},
	{CLI_FLAG_CHUNKED, "--chunked-prefill-size", ENGINE(KVP_ENGINE_SGLANG)},
	{CLI_FLAG_GRAPH_BS, "--cuda-graph-max-bs", ENGINE(KVP_ENGINE_SGLANG)},
	{CLI_FLAG_NO_SWA, "--disable-hybrid-swa-memory", ENGINE(KVP_ENGINE_SGLANG)},
	{CLI_FLAG_CONTEXT_LEN, "--context-length", ENGINE(KVP_ENGINE_SGLANG)},
	{CLI_FLAG_MAX_RUNNING, "--max-running-requests", ENGINE(KVP_ENGINE_SGLANG)},
	{CLI_FLAG_MAX_TOTAL, "--max-total-tokens", ENGINE(KVP_ENGINE_SGLANG)},
	{CLI_FLAG_MAMBA_SIZE, "--max-mamba-cache-size", ENGINE(KVP_ENGINE_SGLANG)},
	{CLI_FLAG_MAMBA_RATIO, "--mamba-full-memory-ratio", ENGINE(KVP_ENGINE_SGLANG)},
	{CLI_FLAG_MAMBA_SSM, "--mamba-ssm-dtype", ENGINE(KVP_ENGINE_SGLANG)},
	{CLI_FLAG_SPEC_TOPK, "--spec-topk", ENGINE(KVP_ENGINE_SGLANG)},
	{CLI_FLAG_SPEC_DRAFT, "--spec-draft-tokens", ENGINE(KVP_ENGINE_SGLANG)},
	{CLI_FLAG_MAMBA_STRATEGY, "--mamba-radix-cache-strategy", ENGINE(KVP_ENGINE_SGLANG)},
	{CLI_FLAG_NO_RADIX, "--disable-radix-cache", ENGINE(KVP_ENGINE_SGLANG)},
	{CLI_FLAG_NO_OVERLAP, "--disable-overlap-schedule", ENGINE(KVP_ENGINE_SGLANG)},
	{CLI_FLAG_MOE_BACKEND, "--moe-backend", ENGINE(KVP_ENGINE_VLLM)},
	{CLI_FLAG_SSM_CACHE, "--mamba-ssm-cache-dtype",
	 ENGINE(KVP_ENGINE_VLLM) | ENGINE(KVP_ENGINE_TRTLLM)},
	{CLI_FLAG_MAMBA_CACHE, "--mamba-cache-dtype", ENGINE(KVP_ENGINE_VLLM)},
	{CLI_FLAG_TPB, "--tokens-per-block", ENGINE(KVP_ENGINE_TRTLLM)},
	{CLI_FLAG_RUNTIME, "--trtllm-runtime", ENGINE(KVP_ENGINE_TRTLLM)},
	{CLI_FLAG_INDEXER, "--indexer-k-dtype", ENGINE(KVP_ENGINE_TRTLLM)},
	{CLI_FLAG_TRT_BATCH, "--max-batch-size", ENGINE(KVP_ENGINE_TRTLLM)},
	{CLI_FLAG_TRT_SEQ_LEN, "--max-seq-len", ENGINE(KVP_ENGINE_TRTLLM)},
	{CLI_FLAG_TRT_AVG_LEN, "--avg-seq-len", ENGINE(KVP_ENGINE_TRTLLM)},
	{CLI_FLAG_TRT_MANAGER, "--use-kv-cache-manager-v2", ENGINE(KVP_ENGINE_TRTLLM)},
	/* The tokens drafted a step: vLLM's graphs and states, llama.cpp's
	 * rows, SGLang's rotary tables, TensorRT-LLM's V1 hybrid states. */
	{CLI_FLAG_SPEC, "--spec-tokens",
	 ENGINE(KVP_ENGINE_VLLM) | ENGINE(KVP_ENGINE_LLAMA_CPP) | ENGINE(KVP_ENGINE_SGLANG) |
	 ENGINE(KVP_ENGINE_TRTLLM)},
	/* The memory CUDA reports, which these three size from. */
	{CLI_FLAG_CUDA_MEMORY, "--cuda-memory",
	 ENGINE(KVP_ENGINE_VLLM) | ENGINE(KVP_ENGINE_SGLANG) | ENGINE(KVP_ENGINE_TRTLLM)},
};

/* Warns that option, a setting of engines, is not the asked engine's:
 * "is a vllm setting", or "is for vllm, sglang and trtllm". */
static void warn_ignored(const char *option, unsigned engines, kvp_engine asked)
{
	unsigned n = (unsigned)__builtin_popcount(engines), seen = 0;
	char names[128] = "";
	size_t used = 0;

	for (int e = 0; e < KVP_ENGINE_COUNT && used < sizeof names; e++) {
		int w;

		if (!(engines & ENGINE(e)))
			continue;
		seen++;
		w = snprintf(names + used, sizeof names - used, "%s%s",
		             seen == 1 ? "" : seen == n ? " and " : ", ",
		             kvp_engine_name((kvp_engine)e));
		used += w > 0 ? (size_t)w : 0;
	}
	cli_warn("%s is %s%s%s; --engine %s ignores it", option, n == 1 ? "a " : "for ",
	         names, n == 1 ? " setting" : "", kvp_engine_name(asked));
}



/* Warns that option, followed from SGLang 0.5.20, is not followed by the
 * earlier release the request names, which reserves as it says. */
static void warn_before_0520(const kvp_request *r, const char *option, const char *as)
{
	if (r->engine == KVP_ENGINE_SGLANG && r->sglang_version && r->sglang_version < 520)
		cli_warn("%s is followed from SGLang 0.5.20;"
		        " --sglang-version %u.%u.%u reserves %s", option,
		        r->sglang_version / 10000, r->sglang_version / 100 % 100,
		        r->sglang_version % 100, as);
}

bool cli_attention_dp(uint64_t engine_flags, kvp_engine e)
{
	return (e == KVP_ENGINE_TRTLLM && (engine_flags & CLI_FLAG_ADP)) ||
	       (e == KVP_ENGINE_SGLANG && (engine_flags & CLI_FLAG_DPA));
}

int cli_engine_finish(struct cli_options *o)
{
	/* vLLM's --enable-lora holds max_loras slots of max_lora_rank, 16
	 * unless given (vllm/config/lora.py, LoRAConfig). */
	if (o->enable_lora && !o->req.lora.rank)
		o->req.lora.rank = 16;
	if (o->lora_option && !o->req.lora.rank) {
		fprintf(stderr, "kvplan: --%s: needs the adapters' rank (--lora-rank R,"
		        " or vLLM's --enable-lora)\n", o->lora_option);
		return 2;
	}
	/* A setting of another engine is ignored, and said so: a command
	 * line pasted from one engine still plans with the one asked. */
	for (size_t i = 0; i < sizeof owners / sizeof owners[0] && !o->engine_list; i++)
		if (o->engine_flags & owners[i].flag && !(owners[i].engines & ENGINE(o->req.engine)))
			warn_ignored(owners[i].option, owners[i].engines, o->req.engine);
	o->req.attention_dp = cli_attention_dp(o->engine_flags, o->req.engine);
	o->req.indexer_fp4 = o->indexer_fp4 && o->req.engine == KVP_ENGINE_TRTLLM;
	/* server_args.py: "Please enable dp attention when setting
	 * enable_dp_lm_head." */
	if ((o->engine_flags & CLI_FLAG_DP_LM_HEAD) && !(o->engine_flags & CLI_FLAG_DPA) &&
	    (o->req.engine == KVP_ENGINE_SGLANG || o->engine_list)) {
		fputs("kvplan: --enable-dp-lm-head: SGLang needs --enable-dp-attention with it\n",
		      stderr);
		return 2;
	}
	/* The reference run's settings, which nothing else reads. */
	if (!o->validate && o->layout_given)
		cli_warn("--layout is the layout of --validate's run;"
		         " without it nothing uses it");
	if (!o->validate && !o->engine_list && o->block_size_asked &&
	    (o->req.engine == KVP_ENGINE_EXACT || o->req.engine == KVP_ENGINE_LLAMA_CPP))
		cli_warn("--block-size is for vllm, sglang, trtllm"
		        " and --validate; --engine %s ignores it",
		        kvp_engine_name(o->req.engine));
	/* SGLang's reserve before 0.5.20 is not followed without graphs, nor
	 * for a server of disaggregated serving (lib/mem_fraction.c). */
	if (o->req.disable_cuda_graph)
		warn_before_0520(&o->req, "--disable-cuda-graph", "as with graphs");
	if (o->req.disaggregation)
		warn_before_0520(&o->req, "--disaggregation-mode", "as one server");
	/* SGLang's page and TensorRT-LLM's tokens per block are their
	 * block size, for them alone (another engine was warned of). */
	if (o->req.engine == KVP_ENGINE_SGLANG && o->page_size) {
		o->block_size = o->page_size;
		o->block_size_set = true;
	}
	if (o->req.engine == KVP_ENGINE_TRTLLM && o->tokens_per_block) {
		o->block_size = o->tokens_per_block;
		o->block_size_set = true;
	}
	/* A layer split says how many stages there are. */
	if (o->pp_layers_given && !o->pp_given)
		o->req.pp = o->req.pp_layers_len;
	/* Without a share, each engine takes its own (0 asks the library,
	 * lib/mem_fraction.c: vLLM 0.92, SGLang's for each GPU, else 0.90). */
	if (!o->mem_util_set)
		o->fit.mem_util = 0;
	/* llama.cpp's context is for all its sequences: without --seq, each
	 * has its share. */
	if (o->req.engine == KVP_ENGINE_LLAMA_CPP && o->req.ctx_size && o->seq == 0)
		o->seq = o->req.ctx_size / o->batch ? o->req.ctx_size / o->batch : 1;
	return 0;
}
