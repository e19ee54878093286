/*
 * args.c — kvplan's command line: options and strict number parsing (the
 * usage text is usage.c's).  Every bad value is one line on stderr and
 * exit status 2.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
	OPT_KV_HEADS = 256,
	OPT_LAYERS,
	OPT_HEADS,
	OPT_HEAD_DIM,
	OPT_HIDDEN,
	OPT_PARAMS,
	OPT_WEIGHTS_DTYPE,
	OPT_MEM_UTIL,
	OPT_RESERVE,
	OPT_DATA_DIR,
	OPT_LIST_MODELS,
	OPT_LIST_GPUS,
	OPT_REQUIRE_FIT,
	OPT_VALIDATE,
	OPT_LAYOUT,
	OPT_BLOCK_SIZE,
	OPT_DTYPE_K,
	OPT_DTYPE_V,
	OPT_WINDOW,
	OPT_LAYER_PATTERN,
	OPT_CHUNK,
	OPT_KV_LORA_RANK,
	OPT_INDEX_HEAD_DIM,
	OPT_QK_ROPE_DIM,
	OPT_QK_NOPE_DIM,
	OPT_V_HEAD_DIM,
	OPT_STATE_BYTES,
	OPT_MLA,
	OPT_NO_WINDOW,
	OPT_EXPLAIN,
	/* the engine's options are numbered in cli.h */
};

static const struct option long_options[] = {
	{"model", required_argument, NULL, 'm'},
	{"config", required_argument, NULL, OPT_CONFIG},
	{"gguf", required_argument, NULL, OPT_GGUF},
	{"safetensors", required_argument, NULL, OPT_SAFETENSORS},
	{"policy", required_argument, NULL, OPT_POLICY},
	{"gen", required_argument, NULL, OPT_GEN},
	{"kv-layout", required_argument, NULL, OPT_KV_LAYOUT},
	{"seq", required_argument, NULL, 's'},
	{"batch", required_argument, NULL, 'b'},
	{"dtype", required_argument, NULL, 't'},
	{"gpu", required_argument, NULL, 'g'},
	{"format", required_argument, NULL, 'f'},
	{"kv-heads", required_argument, NULL, OPT_KV_HEADS},
	{"layers", required_argument, NULL, OPT_LAYERS},
	{"heads", required_argument, NULL, OPT_HEADS},
	{"head-dim", required_argument, NULL, OPT_HEAD_DIM},
	{"hidden", required_argument, NULL, OPT_HIDDEN},
	{"params", required_argument, NULL, OPT_PARAMS},
	{"weights-dtype", required_argument, NULL, OPT_WEIGHTS_DTYPE},
	{"mem-util", required_argument, NULL, OPT_MEM_UTIL},
	{"reserve", required_argument, NULL, OPT_RESERVE},
	{"data-dir", required_argument, NULL, OPT_DATA_DIR},
	{"list-models", no_argument, NULL, OPT_LIST_MODELS},
	{"list-gpus", no_argument, NULL, OPT_LIST_GPUS},
	{"require-fit", no_argument, NULL, OPT_REQUIRE_FIT},
	{"validate", no_argument, NULL, OPT_VALIDATE},
	{"layout", required_argument, NULL, OPT_LAYOUT},
	{"block-size", required_argument, NULL, OPT_BLOCK_SIZE},
	{"dtype-k", required_argument, NULL, OPT_DTYPE_K},
	{"dtype-v", required_argument, NULL, OPT_DTYPE_V},
	{"window", required_argument, NULL, OPT_WINDOW},
	{"layer-pattern", required_argument, NULL, OPT_LAYER_PATTERN},
	{"chunk", required_argument, NULL, OPT_CHUNK},
	{"kv-lora-rank", required_argument, NULL, OPT_KV_LORA_RANK},
	{"index-head-dim", required_argument, NULL, OPT_INDEX_HEAD_DIM},
	{"qk-rope-dim", required_argument, NULL, OPT_QK_ROPE_DIM},
	{"qk-nope-dim", required_argument, NULL, OPT_QK_NOPE_DIM},
	{"v-head-dim", required_argument, NULL, OPT_V_HEAD_DIM},
	{"state-bytes", required_argument, NULL, OPT_STATE_BYTES},
	{"mla", required_argument, NULL, OPT_MLA},
	{"no-window", no_argument, NULL, OPT_NO_WINDOW},
	{"explain", no_argument, NULL, OPT_EXPLAIN},
	{"engine", required_argument, NULL, OPT_ENGINE},
	{"max-num-batched-tokens", required_argument, NULL, OPT_MNBT},
	{"gpu-memory-utilization", required_argument, NULL, OPT_MEM_UTIL},
	{"mem-fraction-static", required_argument, NULL, OPT_MEM_UTIL},
	{"free-gpu-memory-fraction", required_argument, NULL, OPT_MEM_UTIL},
	{"ctx-size", required_argument, NULL, 'c'},
	{"parallel", required_argument, NULL, OPT_PARALLEL},
	{"kv-unified", no_argument, NULL, OPT_KV_UNIFIED},
	{"no-kv-unified", no_argument, NULL, OPT_NO_KV_UNIFIED},
	{"ubatch", required_argument, NULL, OPT_UBATCH},
	{"ubatch-size", required_argument, NULL, OPT_UBATCH},
	{"page-size", required_argument, NULL, OPT_PAGE_SIZE},
	{"swa-full-tokens-ratio", required_argument, NULL, OPT_SWA_RATIO},
	{"disable-hybrid-swa-memory", no_argument, NULL, OPT_NO_SWA_POOL},
	{"chunked-prefill-size", required_argument, NULL, OPT_CHUNKED_PREFILL},
	{"cuda-graph-max-bs", required_argument, NULL, OPT_GRAPH_MAX_BS},
	{"context-length", required_argument, NULL, OPT_CONTEXT_LENGTH},
	{"max-running-requests", required_argument, NULL, OPT_MAX_RUNNING},
	{"max-total-tokens", required_argument, NULL, OPT_MAX_TOTAL_TOKENS},
	{"max-mamba-cache-size", required_argument, NULL, OPT_MAMBA_SIZE},
	{"mamba-full-memory-ratio", required_argument, NULL, OPT_MAMBA_RATIO},
	{"mamba-ssm-dtype", required_argument, NULL, OPT_MAMBA_SSM_DTYPE},
	{"mamba-ssm-cache-dtype", required_argument, NULL, OPT_MAMBA_SSM_CACHE_DTYPE},
	{"mamba-cache-dtype", required_argument, NULL, OPT_MAMBA_CACHE_DTYPE},
	{"mamba-radix-cache-strategy", required_argument, NULL, OPT_MAMBA_STRATEGY},
	{"mamba-scheduler-strategy", required_argument, NULL, OPT_MAMBA_STRATEGY},
	{"disable-radix-cache", no_argument, NULL, OPT_NO_RADIX},
	{"disable-overlap-schedule", no_argument, NULL, OPT_NO_OVERLAP},
	{"tokens-per-block", required_argument, NULL, OPT_TOKENS_PER_BLOCK},
	{"trtllm-runtime", required_argument, NULL, OPT_TRTLLM_RUNTIME},
	{"indexer-k-dtype", required_argument, NULL, OPT_INDEXER_K_DTYPE},
	{"max-batch-size", required_argument, NULL, OPT_MAX_BATCH_SIZE},
	{"max-seq-len", required_argument, NULL, OPT_MAX_SEQ_LEN},
	{"avg-seq-len", required_argument, NULL, OPT_AVG_SEQ_LEN},
	{"use-kv-cache-manager-v2", required_argument, NULL, OPT_KV_MANAGER_V2},
	{"tp", required_argument, NULL, OPT_TP},
	{"tensor-parallel-size", required_argument, NULL, OPT_TP},
	{"pp", required_argument, NULL, OPT_PP},
	{"pipeline-parallel-size", required_argument, NULL, OPT_PP},
	{"dp", required_argument, NULL, OPT_DP},
	{"moe-backend", required_argument, NULL, OPT_MOE_BACKEND},
	{"dcp", required_argument, NULL, OPT_DCP},
	{"decode-context-parallel-size", required_argument, NULL, OPT_DCP},
	{"dcp-size", required_argument, NULL, OPT_DCP},
	{"data-parallel-size", required_argument, NULL, OPT_DP},
	{"pp-layers", required_argument, NULL, OPT_PP_LAYERS},
	{"kv-budget", required_argument, NULL, OPT_KV_BUDGET},
	{"kv-cache-memory-bytes", required_argument, NULL, OPT_KV_BUDGET},
	{"solve", required_argument, NULL, OPT_SOLVE},
	{"lora-rank", required_argument, NULL, OPT_LORA_RANK},
	{"max-lora-rank", required_argument, NULL, OPT_LORA_RANK},
	{"max-loras", required_argument, NULL, OPT_MAX_LORAS},
	{"max-loras-per-batch", required_argument, NULL, OPT_MAX_LORAS},
	{"lora-modules", required_argument, NULL, OPT_LORA_MODULES},
	{"lora-target-modules", required_argument, NULL, OPT_LORA_MODULES},
	{"lora-dtype", required_argument, NULL, OPT_LORA_DTYPE},
	{"enable-lora", no_argument, NULL, OPT_ENABLE_LORA},
	{"draft-model", required_argument, NULL, OPT_DRAFT_MODEL},
	{"draft-config", required_argument, NULL, OPT_DRAFT_CONFIG},
	{"draft-gguf", required_argument, NULL, OPT_DRAFT_GGUF},
	{"model-draft", required_argument, NULL, OPT_DRAFT_GGUF},
	{"mtp", required_argument, NULL, OPT_MTP},
	{"profile-memory", no_argument, NULL, OPT_PROFILE_MEMORY},
	{"enforce-eager", no_argument, NULL, OPT_ENFORCE_EAGER},
	{"cuda-memory", no_argument, NULL, OPT_CUDA_MEMORY},
	{"flash-attn", required_argument, NULL, OPT_FLASH_ATTN},
	{"llama-server", no_argument, NULL, OPT_LLAMA_SERVER},
	{"language-model-only", no_argument, NULL, OPT_LM_ONLY},
	{"language-only", no_argument, NULL, OPT_LANG_ONLY},
	{"disable-cuda-graph", no_argument, NULL, OPT_DISABLE_CUDA_GRAPH},
	{"disaggregation-mode", required_argument, NULL, OPT_DISAGG},
	{"enable-expert-parallel", no_argument, NULL, OPT_EXPERT_PARALLEL},
	{"enable-attention-dp", no_argument, NULL, OPT_ATTENTION_DP},
	{"enable-dp-attention", no_argument, NULL, OPT_DP_ATTENTION},
	{"enable-dp-lm-head", no_argument, NULL, OPT_DP_LM_HEAD},
	{"moe-dense-tp-size", required_argument, NULL, OPT_DENSE_TP},
	{"moe-a2a-backend", required_argument, NULL, OPT_A2A},
	{"max-num-seqs", required_argument, NULL, OPT_MAX_NUM_SEQS},
	{"vllm-version", required_argument, NULL, OPT_VLLM_VERSION},
	{"vllm-runner", required_argument, NULL, OPT_VLLM_RUNNER},
	{"sglang-version", required_argument, NULL, OPT_SGLANG_VERSION},
	{"mamba-cache-mode", required_argument, NULL, OPT_MAMBA_MODE},
	{"enable-prefix-caching", no_argument, NULL, OPT_PREFIX_CACHING},
	{"no-enable-prefix-caching", no_argument, NULL, OPT_NO_PREFIX_CACHING},
	{"spec-tokens", required_argument, NULL, OPT_SPEC_TOKENS},
	{"num-speculative-tokens", required_argument, NULL, OPT_SPEC_TOKENS},
	{"spec-draft-n-max", required_argument, NULL, OPT_SPEC_TOKENS},
	{"speculative-num-steps", required_argument, NULL, OPT_SPEC_TOKENS},
	{"spec-topk", required_argument, NULL, OPT_SPEC_TOPK},
	{"speculative-eagle-topk", required_argument, NULL, OPT_SPEC_TOPK},
	{"spec-draft-tokens", required_argument, NULL, OPT_SPEC_DRAFT_TOKENS},
	{"speculative-num-draft-tokens", required_argument, NULL, OPT_SPEC_DRAFT_TOKENS},
	{"chart", required_argument, NULL, OPT_CHART},
	{"chart-kind", required_argument, NULL, OPT_CHART_KIND},
	{"sweep", required_argument, NULL, OPT_SWEEP},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

/* The long option being parsed as the user spelt it (an engine's alias,
 * --max-loras-per-batch for --max-loras), so that a message names what
 * was typed; NULL for a short option. */
static const struct option *given_option;

static const char *option_name(int code)
{
	if (given_option && given_option->val == code)
		return given_option->name;
	for (const struct option *o = long_options; o->name; o++)
		if (o->val == code)
			return o->name;
	return "?";
}

static int parse_format(const char *text, enum cli_format *out)
{
	static const char *const formats[] = {"table", "json", "csv", NULL};
	static const enum cli_format values[] = {CLI_TABLE, CLI_JSON, CLI_CSV};
	int i = cli_parse_word("format", "format", text, formats);

	if (i < 0)
		return 2;
	*out = values[i];
	return 0;
}

/* Whether a listing reads the option: its format, where the catalogue
 * is, and the listings themselves. */
static bool listing_option(int code)
{
	return code == 'f' || code == OPT_DATA_DIR || code == OPT_LIST_MODELS ||
	       code == OPT_LIST_GPUS || code == 'h' || code == 'V';
}

/* The lists are a sweep's, and a sweep's output is rows, of a plan of
 * its own: 0, or 2 after one line on stderr. */
static int sweep_check(struct cli_options *o)
{
	const char *list = o->model_name && strchr(o->model_name, ',') ? "--model"
	                   : o->engine_list ? "--engine" : o->dtype_list ? "--dtype" : NULL;

	if (!o->sweep) {
		if (list) {
			fprintf(stderr, "kvplan: %s: a list needs --sweep\n", list);
			return 2;
		}
		return 0;
	}
	if (o->draft_name || o->draft_config || o->draft_gguf) {
		fputs("kvplan: --sweep: not with a draft model\n", stderr);
		return 2;
	}
	if (o->chart_path || o->validate || o->explain || o->solve || o->require_fit) {
		fprintf(stderr, "kvplan: --sweep: not with %s (a sweep writes rows)\n",
		        o->chart_path ? "--chart" : o->validate ? "--validate"
		        : o->explain ? "--explain" : o->solve ? "--solve" : "--require-fit");
		return 2;
	}
	if (o->format == CLI_TABLE && o->format_given) {
		fputs("kvplan: --sweep: its rows are CSV or JSON lines (--format csv or"
		      " json), not a table\n", stderr);
		return 2;
	}
	if (o->format == CLI_TABLE)
		o->format = CLI_CSV;
	return 0;
}

static int parse_one(int code, const char *arg, struct cli_options *o)
{
	uint64_t value;
	/* The engine's and the inputs' options are parsed apart. */
	int rc = cli_parse_engine_option(code, option_name(code), arg, o);

	if (rc < 0)
		rc = cli_parse_input_option(code, option_name(code), arg, o);
	if (rc < 0)
		rc = cli_parse_chart_option(code, option_name(code), arg, o);
	if (rc >= 0)
		return rc;

	switch (code) {
	case 'm':
		o->model_name = arg;
		return 0;
	case 's':
		return cli_parse_u64(option_name(code), arg, 1, UINT64_MAX, &o->seq);
	case 'b':
		return cli_parse_u64(option_name(code), arg, 1, UINT64_MAX, &o->batch);
	case 't':
		/* A list is a sweep's: each checked once the sweep is known. */
		if (strchr(arg, ',')) {
			o->dtype_list = arg;
			return 0;
		}
		o->dtype_set = true;
		return cli_parse_dtype(option_name(code), arg, &o->dtype);
	case OPT_SWEEP:
		return cli_parse_sweep(arg, o);
	case 'g':
		o->gpu_list = arg;
		return 0;
	case 'f':
		o->format_given = true;
		return parse_format(arg, &o->format);
	case OPT_KV_HEADS:
		o->fields_set |= CLI_SET_KV_HEADS;
		return cli_parse_u32(option_name(code), arg, &o->shape.kv_heads);
	case OPT_LAYERS:
		o->fields_set |= CLI_SET_LAYERS;
		return cli_parse_u32(option_name(code), arg, &o->shape.layers);
	case OPT_HEADS: {
		/* 0: a model without attention (Mamba), its layers
		 * recurrent (--layer-pattern recurrent, --state-bytes) */
		uint64_t heads;

		o->fields_set |= CLI_SET_HEADS;
		if (cli_parse_u64(option_name(code), arg, 0, UINT32_MAX, &heads))
			return 2;
		o->shape.heads = (uint32_t)heads;
		return 0;
	}
	case OPT_HEAD_DIM:
		o->fields_set |= CLI_SET_HEAD_DIM;
		return cli_parse_u32(option_name(code), arg, &o->shape.head_dim);
	case OPT_HIDDEN:
		o->fields_set |= CLI_SET_HIDDEN;
		return cli_parse_u32(option_name(code), arg, &o->shape.hidden);
	case OPT_PARAMS:
		o->fields_set |= CLI_SET_PARAMS;
		return cli_parse_u64(option_name(code), arg, 1, UINT64_MAX, &o->shape.params);
	case OPT_WEIGHTS_DTYPE:
		o->weights_dtype_set = true;
		return cli_parse_weights(option_name(code), arg, &o->req.weights_format,
		                         &o->fit.weights_dtype);
	case OPT_MEM_UTIL:
		o->mem_util_set = true;
		return cli_parse_fraction(option_name(code), arg, &o->fit.mem_util);
	case OPT_RESERVE:
		if (cli_parse_u64(option_name(code), arg, 0, UINT64_MAX, &value))
			return 2;
		o->fit.reserve_bytes = value;
		return 0;
	case OPT_DATA_DIR:
		if (o->n_data_dirs == CLI_MAX_DATA_DIRS) {
			fprintf(stderr, "kvplan: --data-dir: at most %d directories\n",
			        CLI_MAX_DATA_DIRS);
			return 2;
		}
		o->data_dirs[o->n_data_dirs++] = arg;
		return 0;
	case OPT_LIST_MODELS:
	case OPT_LIST_GPUS: {
		enum cli_action want = code == OPT_LIST_GPUS ? CLI_LIST_GPUS : CLI_LIST_MODELS;

		/* One listing an output: two would not be one JSON value. */
		if (o->action == CLI_LIST_MODELS + CLI_LIST_GPUS - want) {
			fprintf(stderr, "kvplan: --%s: one listing at a time (--%s was given"
			        " too)\n", code == OPT_LIST_GPUS ? "list-gpus" : "list-models",
			        code == OPT_LIST_GPUS ? "list-models" : "list-gpus");
			return 2;
		}
		o->action = want;
		return 0;
	}
	case OPT_REQUIRE_FIT:
		o->require_fit = true;
		return 0;
	case OPT_VALIDATE:
		o->validate = true;
		return 0;
	case OPT_LAYOUT: {
		kvp_error err;

		o->layout_given = true;
		if (kvp_layout_from_name(arg, &o->layout, &err) != KVP_OK) {
			fprintf(stderr, "kvplan: --layout: %s\n", err.message);
			return 2;
		}
		return 0;
	}
	case OPT_BLOCK_SIZE:
		o->block_size_set = true;
		if (cli_parse_u32(option_name(code), arg, &o->block_size))
			return 2;
		o->block_size_asked = o->block_size;
		return 0;
	case OPT_DTYPE_K:
		o->dtype_k_set = true;
		return cli_parse_dtype(option_name(code), arg, &o->dtype_k);
	case OPT_DTYPE_V:
		o->dtype_v_set = true;
		return cli_parse_dtype(option_name(code), arg, &o->dtype_v);
	case OPT_WINDOW:
		o->fields_set |= CLI_SET_WINDOW;
		return cli_parse_u64(option_name(code), arg, 1, UINT64_MAX, &o->shape.sliding_window);
	case OPT_LAYER_PATTERN: {
		kvp_error err;

		o->fields_set |= CLI_SET_PATTERN;
		if (kvp_layer_pattern_parse(arg, &o->shape, &err) != KVP_OK) {
			fprintf(stderr, "kvplan: --layer-pattern: %s\n", err.message);
			return 2;
		}
		return 0;
	}
	case OPT_CHUNK:
		o->fields_set |= CLI_SET_CHUNK;
		return cli_parse_u64(option_name(code), arg, 1, UINT64_MAX, &o->shape.chunk_size);
	case OPT_KV_LORA_RANK:
		o->fields_set |= CLI_SET_KV_LORA_RANK;
		return cli_parse_u32(option_name(code), arg, &o->shape.kv_lora_rank);
	case OPT_INDEX_HEAD_DIM:
		o->fields_set |= CLI_SET_INDEX_HEAD_DIM;
		return cli_parse_u32(option_name(code), arg, &o->shape.index_head_dim);
	case OPT_QK_ROPE_DIM:
		o->fields_set |= CLI_SET_QK_ROPE_DIM;
		return cli_parse_u32(option_name(code), arg, &o->shape.qk_rope_dim);
	case OPT_QK_NOPE_DIM:
		o->fields_set |= CLI_SET_QK_NOPE_DIM;
		return cli_parse_u32(option_name(code), arg, &o->shape.qk_nope_dim);
	case OPT_V_HEAD_DIM:
		o->fields_set |= CLI_SET_V_HEAD_DIM;
		return cli_parse_u32(option_name(code), arg, &o->shape.v_head_dim);
	case OPT_STATE_BYTES:
		o->fields_set |= CLI_SET_STATE_BYTES;
		return cli_parse_u64(option_name(code), arg, 1, UINT64_MAX, &o->shape.state_bytes);
	case OPT_MLA:
		o->fields_set |= CLI_SET_MLA;
		{
			static const char *const modes[] = {"latent", "expanded", NULL};
			static const kvp_mla_mode values[] = {KVP_MLA_LATENT, KVP_MLA_EXPANDED};
			int i = cli_parse_word("mla", "mode", arg, modes);

			if (i < 0)
				return 2;
			o->mla = values[i];
			return 0;
		}
	case OPT_NO_WINDOW:
		o->no_window = true;
		return 0;
	case OPT_EXPLAIN:
		o->explain = true;
		return 0;
	case 'h':
		o->action = CLI_HELP;
		return 0;
	case 'V':
		o->action = CLI_VERSION;
		return 0;
	}
	return 2;
}

/* Says what is wrong with the option getopt_long refused at argv[index]:
 * unknown, or given a value it does not take (--list-models=x). */
static void bad_option(const char *arg, int code)
{
	char quoted[KVP_QUOTE_MAX];

	if (code != 0 && strncmp(arg, "--", 2) == 0 && strchr(arg, '=')) {
		fprintf(stderr, "kvplan: option '--%s' takes no value (see kvplan --help)\n",
		        option_name(code));
		return;
	}
	if (strncmp(arg, "--", 2) == 0) {
		size_t len = strcspn(arg + 2, "=");
		char name[KVP_QUOTE_MAX], matches[256] = "";
		size_t n_matches = 0, used = 0;

		/* getopt_long takes a unique prefix; a shared one is ambiguous. */
		for (const struct option *o = long_options; o->name && len > 0; o++) {
			if (strncmp(o->name, arg + 2, len) != 0)
				continue;
			n_matches++;
			if (used < sizeof matches)
				used += (size_t)snprintf(matches + used, sizeof matches - used,
				                         "%s--%s", used ? ", " : "", o->name);
		}
		snprintf(name, sizeof name, "--%.*s", (int)(len < 64 ? len : 64), arg + 2);
		kvp_escape(name, quoted, sizeof quoted);
		if (n_matches > 1)
			fprintf(stderr, "kvplan: option '%s' is ambiguous (%s)\n", quoted, matches);
		else
			fprintf(stderr, "kvplan: unknown option '%s' (see kvplan --help)\n", quoted);
		return;
	}
	{
		char name[3] = {'-', (char)code, '\0'};

		fprintf(stderr, "kvplan: unknown option '%s' (see kvplan --help)\n",
		        kvp_escape(name, quoted, sizeof quoted));
	}
}

#define SHORT_OPTIONS ":m:s:b:t:g:f:c:hV"

/* Whether arg is an option whose value is the next argument, as
 * getopt_long reads it: a long option (or its unique prefix) that takes
 * one and has no "=value", or a group of short options ending in one that
 * takes one. */
static bool value_follows(const char *arg)
{
	if (strncmp(arg, "--", 2) == 0) {
		size_t len = strcspn(arg + 2, "=");
		const struct option *found = NULL;

		if (arg[2 + len] == '=' || len == 0)
			return false;
		for (const struct option *o = long_options; o->name; o++) {
			if (strncmp(o->name, arg + 2, len) != 0)
				continue;
			if (strlen(o->name) == len) {
				found = o;
				break;
			}
			/* Prefixes of several options are ambiguous unless
			 * they all mean the same (glibc and the BSDs then take
			 * the first); an ambiguous one takes no value. */
			if (found && (found->has_arg != o->has_arg || found->flag != o->flag ||
			              found->val != o->val))
				return false;
			if (!found)
				found = o;
		}
		return found && found->has_arg == required_argument;
	}
	if (arg[0] != '-')
		return false;
	for (const char *c = arg + 1; *c; c++) {
		const char *spec = *c == ':' ? NULL : strchr(&SHORT_OPTIONS[1], *c);

		if (!spec)
			return false;
		if (spec[1] == ':')
			return c[1] == '\0';
	}
	return false;
}

int cli_parse_args(int argc, char **argv, struct cli_options *o)
{
	int code;

	memset(o, 0, sizeof *o);
	o->action = CLI_PLAN;
	o->format = CLI_TABLE;
	o->batch = 1;
	o->dtype = KVP_DTYPE_FP16;
	o->layout = KVP_LAYOUT_CONTIGUOUS;
	o->block_size = KVP_BLOCK_SIZE_DEFAULT;
	kvp_fit_options_init(&o->fit);

	kvp_request_init(&o->req);
	/* llama.cpp's own spellings -np, -ub and -fa are not single letters;
	 * an option's value that reads like one is left as it is. */
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++) {
		if (value_follows(argv[i])) {
			i++;
			continue;
		}
		if (strcmp(argv[i], "-np") == 0)
			argv[i] = (char *)"--parallel";
		else if (strcmp(argv[i], "-ub") == 0)
			argv[i] = (char *)"--ubatch";
		else if (strcmp(argv[i], "-fa") == 0)
			argv[i] = (char *)"--flash-attn";
		else
			continue;
		i++; /* each takes the next argument as its value */
	}
	opterr = 0;
	/* 0, not 1: getopt's whole state starts afresh (glibc, musl and the
	 * BSDs take 0 so), so that a second parse in the same process (the
	 * fuzzing harness's) reads nothing of the last argv, such as the rest
	 * of a group of short options it stopped in. */
	optind = 0;
	for (int rc = 0;;) {
		int index = -1;

		code = getopt_long(argc, argv, SHORT_OPTIONS, long_options, &index);
		given_option = code != -1 && index >= 0 ? &long_options[index] : NULL;
		if (code == '?') {
			bad_option(argv[optind - 1], optopt);
			rc = 2;
		} else if (code == ':') {
			char quoted[KVP_QUOTE_MAX];

			fprintf(stderr, "kvplan: option '%s' needs a value\n",
			        kvp_escape(argv[optind - 1], quoted, sizeof quoted));
			rc = 2;
		} else if (code != -1 && parse_one(code, optarg, o)) {
			rc = 2;
		} else if (code != -1 && !o->plan_option && !listing_option(code)) {
			o->plan_option = option_name(code);
		}
		if (code == -1 || rc) {
			/* No later message names an option by this one. */
			given_option = NULL;
			if (rc)
				return rc;
			break;
		}
	}
	if (optind < argc) {
		char quoted[KVP_QUOTE_MAX];

		fprintf(stderr, "kvplan: unexpected argument '%s' (see kvplan --help)\n",
		        kvp_escape(argv[optind], quoted, sizeof quoted));
		return 2;
	}
	if (cli_chart_check(o))
		return 2;
	if (o->sweep && o->action != CLI_PLAN) {
		static const char *const names[] = {"", "--list-models", "--list-gpus",
		                                    "--help", "--version"};

		fprintf(stderr, "kvplan: --sweep sweeps a plan; it does not go with %s\n",
		        names[o->action]);
		return 2;
	}
	/* The whole catalogue is listed whatever a plan would have read. */
	if ((o->action == CLI_LIST_MODELS || o->action == CLI_LIST_GPUS) &&
	    o->plan_option)
		cli_warn("--%s has no effect on --%s, which lists the whole catalogue",
		         o->plan_option,
		         o->action == CLI_LIST_MODELS ? "list-models" : "list-gpus");
	if (o->action != CLI_PLAN)
		return 0;
	if (cli_inputs_check(o))
		return 2;
	if (!o->model_name && !o->config_path && !o->gguf_path &&
	    !(o->fields_set & CLI_SET_LAYERS && o->fields_set & CLI_SET_HEADS &&
	      (o->fields_set & (CLI_SET_HEAD_DIM | CLI_SET_HIDDEN) || o->shape.heads == 0))) {
		fputs("kvplan: give --model NAME, --config FILE, --gguf FILE, or --layers,"
		      " --heads and --head-dim (or --hidden) (see kvplan --help)\n", stderr);
		return 2;
	}
	if (sweep_check(o))
		return 2;
	if (o->solve == CLI_SOLVE_MIN_GPUS && o->req.tp > 1) {
		fputs("kvplan: --solve min-gpus finds the tensor-parallel degree itself;"
		      " leave out --tp\n", stderr);
		return 2;
	}
	if (cli_engine_finish(o))
		return 2;
	/* SGLang's data-parallel attention groups need dp | tp: the plan
	 * shown is at the fewest GPUs they allow, tp = dp. */
	if (o->solve == CLI_SOLVE_MIN_GPUS && cli_sglang_dp_attention(&o->req))
		o->req.tp = o->req.dp;
	if (o->seq == 0 && o->sweep_seq.set)
		o->seq = o->sweep_seq.to;
	if (o->seq == 0) {
		fputs("kvplan: --seq is required (tokens per sequence)\n", stderr);
		return 2;
	}
	if (!o->dtype_k_set)
		o->dtype_k = o->dtype;
	if (!o->dtype_v_set)
		o->dtype_v = o->dtype;
	if (cli_policy_check(o))
		return 2;
	if (o->explain && o->format == CLI_CSV) {
		fputs("kvplan: --explain: the derivation is shown in table and JSON"
		      " output, not CSV\n", stderr);
		return 2;
	}
	return 0;
}
