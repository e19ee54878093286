/*
 * cli.h — what the kvplan command's parts share: the parsed options, the
 * computed plan, and the printers for table, JSON and CSV.
 */
#ifndef KVPLAN_CLI_H
#define KVPLAN_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kvplan.h"

#define CLI_MAX_DATA_DIRS 16
#define CLI_MAX_SAFETENSORS 16
#define CLI_MAX_SWEEP 64        /* models, GPUs, types or engines a sweep lists */

/* A --sweep range: from..to, each next value times or plus step. */
struct cli_range {
	uint64_t from, to, step;
	bool times;
	bool set;
};

enum cli_action { CLI_PLAN, CLI_LIST_MODELS, CLI_LIST_GPUS, CLI_HELP, CLI_VERSION };
enum cli_format { CLI_TABLE, CLI_JSON, CLI_CSV };
enum cli_chart_kind {
	CLI_CHART_SIZE, CLI_CHART_FIT, CLI_CHART_LAYERS, CLI_CHART_ENGINES, CLI_CHART_MEMORY
};

/* Shape fields given as numbers; with --model they override single fields. */
enum cli_field {
	CLI_SET_LAYERS = 1 << 0,
	CLI_SET_HEADS = 1 << 1,
	CLI_SET_KV_HEADS = 1 << 2,
	CLI_SET_HEAD_DIM = 1 << 3,
	CLI_SET_HIDDEN = 1 << 4,
	CLI_SET_PARAMS = 1 << 5,
	CLI_SET_WINDOW = 1 << 6,
	CLI_SET_PATTERN = 1 << 7,
	CLI_SET_CHUNK = 1 << 8,
	CLI_SET_KV_LORA_RANK = 1 << 9,
	CLI_SET_QK_ROPE_DIM = 1 << 10,
	CLI_SET_QK_NOPE_DIM = 1 << 11,
	CLI_SET_V_HEAD_DIM = 1 << 12,
	CLI_SET_STATE_BYTES = 1 << 13,
	CLI_SET_MLA = 1 << 14,
	CLI_SET_INDEX_HEAD_DIM = 1 << 15,
};

struct cli_options {
	enum cli_action action;
	enum cli_format format;
	bool format_given;          /* --format, not the default */
	const char *model_name;     /* NULL: the model is built from numbers */
	const char *config_path;    /* --config: a HuggingFace config.json */
	const char *gguf_path;      /* --gguf: a GGUF file */
	const char *draft_name;     /* --draft-model: the catalogue's */
	const char *draft_config;   /* --draft-config: a config.json */
	const char *draft_gguf;     /* --draft-gguf: a GGUF file */
	const char *safetensors[CLI_MAX_SAFETENSORS]; /* --safetensors */
	size_t n_safetensors;
	bool weights_dtype_set;     /* --weights-dtype given */
	kvp_model shape;            /* numbers given on the command line */
	unsigned fields_set;        /* enum cli_field bits */
	const char *plan_option;    /* the first option given that a listing
	                             * does not read (--seq), for its warning */
	uint64_t seq;               /* 0: not given */
	uint64_t batch;
	kvp_dtype dtype;            /* --dtype: K and V unless given apart */
	bool dtype_set;             /* --dtype given */
	bool dtype_k_set, dtype_v_set;
	kvp_dtype dtype_k, dtype_v; /* --dtype-k, --dtype-v */
	kvp_mla_mode mla;
	bool no_window;
	bool explain;
	/* --engine, its settings and parallelism (args_engine.c), straight
	 * into the request's own fields */
	kvp_request req;
	bool block_size_set;
	uint32_t page_size;         /* SGLang --page-size */
	uint32_t tokens_per_block;  /* TensorRT-LLM --tokens-per-block */
	kvp_dtype vllm_state_dtype; /* --mamba-cache-dtype, when */
	bool vllm_state_dtype_set;  /* given and not auto (vLLM's alone) */
	double swa_full_tokens_ratio; /* SGLang --swa-full-tokens-ratio */
	bool pp_given, pp_layers_given;
	uint64_t engine_flags;      /* CLI_FLAG_ bits given */
	bool indexer_fp4;           /* --indexer-k-dtype fp4 (TensorRT-LLM's) */
	const char *lora_option;    /* a LoRA option other than the rank,
	                             * first given: it needs one */
	bool enable_lora;           /* vLLM's --enable-lora: rank 16 */
	enum cli_solve { CLI_SOLVE_NONE, CLI_SOLVE_MAX_SEQ, CLI_SOLVE_MAX_BATCH,
	                 CLI_SOLVE_MIN_GPUS } solve;
	const char *gpu_list;       /* NULL: the default devices */
	kvp_fit_options fit;
	bool mem_util_set;          /* --mem-util (or an engine's name of it) */
	bool require_fit;
	bool validate;              /* --validate: measure, don't just predict */
	kvp_layout layout;
	bool layout_given;          /* --layout */
	uint32_t block_size;
	uint32_t block_size_asked;  /* --block-size itself, 0 where not given
	                             * (block_size may be --page-size's or
	                             * --tokens-per-block's for the engine) */
	const char *data_dirs[CLI_MAX_DATA_DIRS];
	size_t n_data_dirs;
	bool sweep;                 /* --sweep */
	struct cli_range sweep_seq, sweep_batch;
	const char *dtype_list;     /* --dtype a,b (a sweep's) */
	const char *engine_list;    /* --engine a,b (a sweep's) */
	const char *chart_path;     /* --chart FILE: .png, .svg or .gp */
	enum cli_chart_kind chart_kind; /* --chart-kind (default size) */
	bool chart_kind_set;
};

/* The engine settings given, to warn when --engine does not use one: bits
 * of cli_options engine_flags. */
#define CLI_FLAG_MNBT            (UINT64_C(1) << 0) /* vLLM */
#define CLI_FLAG_CTX             (UINT64_C(1) << 1) /* llama.cpp */
#define CLI_FLAG_PARALLEL        (UINT64_C(1) << 2) /* llama.cpp */
#define CLI_FLAG_UNIFIED         (UINT64_C(1) << 3) /* llama.cpp */
#define CLI_FLAG_UBATCH          (UINT64_C(1) << 4) /* llama.cpp */
#define CLI_FLAG_PAGE            (UINT64_C(1) << 5) /* SGLang */
#define CLI_FLAG_TPB             (UINT64_C(1) << 6) /* TensorRT-LLM */
#define CLI_FLAG_RUNTIME         (UINT64_C(1) << 7) /* TensorRT-LLM */
#define CLI_FLAG_SWA_RATIO       (UINT64_C(1) << 8) /* SGLang */
#define CLI_FLAG_PROFILE         (UINT64_C(1) << 9) /* vLLM */
#define CLI_FLAG_SEQS            (UINT64_C(1) << 10) /* vLLM */
#define CLI_FLAG_CHUNKED         (UINT64_C(1) << 11) /* SGLang */
#define CLI_FLAG_GRAPH_BS        (UINT64_C(1) << 12) /* SGLang */
#define CLI_FLAG_NO_SWA          (UINT64_C(1) << 13) /* SGLang */
#define CLI_FLAG_VLLM_VERSION    (UINT64_C(1) << 14) /* vLLM */
#define CLI_FLAG_MAMBA_MODE      (UINT64_C(1) << 15) /* vLLM */
#define CLI_FLAG_PREFIX          (UINT64_C(1) << 16) /* vLLM */
#define CLI_FLAG_EAGER           (UINT64_C(1) << 17) /* vLLM */
#define CLI_FLAG_CUDA_MEMORY     (UINT64_C(1) << 18) /* vLLM, SGLang, TensorRT-LLM */
#define CLI_FLAG_FLASH_ATTN      (UINT64_C(1) << 19) /* llama.cpp */
#define CLI_FLAG_LLAMA_SERVER    (UINT64_C(1) << 20) /* llama.cpp */
#define CLI_FLAG_LM_ONLY         (UINT64_C(1) << 21) /* vLLM */
#define CLI_FLAG_SGLANG_VERSION  (UINT64_C(1) << 22) /* SGLang */
#define CLI_FLAG_VLLM_RUNNER     (UINT64_C(1) << 23) /* vLLM */
#define CLI_FLAG_LANG_ONLY       (UINT64_C(1) << 24) /* SGLang */
#define CLI_FLAG_NO_GRAPHS       (UINT64_C(1) << 25) /* SGLang */
#define CLI_FLAG_DISAGG          (UINT64_C(1) << 26) /* SGLang */
#define CLI_FLAG_SPEC            (UINT64_C(1) << 27) /* vLLM, llama.cpp */
#define CLI_FLAG_EP              (UINT64_C(1) << 28) /* vLLM */
#define CLI_FLAG_ADP             (UINT64_C(1) << 29) /* TensorRT-LLM */
#define CLI_FLAG_DPA             (UINT64_C(1) << 30) /* SGLang */
#define CLI_FLAG_DP_LM_HEAD      (UINT64_C(1) << 31) /* SGLang */
#define CLI_FLAG_DENSE_TP        (UINT64_C(1) << 32) /* SGLang */
#define CLI_FLAG_A2A             (UINT64_C(1) << 33) /* SGLang */
#define CLI_FLAG_CONTEXT_LEN     (UINT64_C(1) << 34) /* SGLang */
#define CLI_FLAG_MAX_RUNNING     (UINT64_C(1) << 35) /* SGLang */
#define CLI_FLAG_MAMBA_SIZE      (UINT64_C(1) << 36) /* SGLang */
#define CLI_FLAG_MAMBA_RATIO     (UINT64_C(1) << 37) /* SGLang */
#define CLI_FLAG_MAMBA_SSM       (UINT64_C(1) << 38) /* SGLang */
#define CLI_FLAG_SPEC_TOPK       (UINT64_C(1) << 39) /* SGLang */
#define CLI_FLAG_SPEC_DRAFT      (UINT64_C(1) << 40) /* SGLang */
#define CLI_FLAG_MAMBA_STRATEGY  (UINT64_C(1) << 41) /* SGLang */
#define CLI_FLAG_NO_RADIX        (UINT64_C(1) << 42) /* SGLang */
#define CLI_FLAG_NO_OVERLAP      (UINT64_C(1) << 43) /* SGLang */
#define CLI_FLAG_DCP             (UINT64_C(1) << 44) /* vLLM */
#define CLI_FLAG_INDEXER         (UINT64_C(1) << 45) /* TensorRT-LLM */
#define CLI_FLAG_MOE_BACKEND     (UINT64_C(1) << 46) /* vLLM */
#define CLI_FLAG_SSM_CACHE       (UINT64_C(1) << 47) /* vLLM */
#define CLI_FLAG_TRT_BATCH       (UINT64_C(1) << 48) /* TensorRT-LLM */
#define CLI_FLAG_TRT_SEQ_LEN     (UINT64_C(1) << 49) /* TensorRT-LLM */
#define CLI_FLAG_TRT_AVG_LEN     (UINT64_C(1) << 50) /* TensorRT-LLM */
#define CLI_FLAG_TRT_MANAGER     (UINT64_C(1) << 51) /* TensorRT-LLM */
#define CLI_FLAG_MAX_TOTAL       (UINT64_C(1) << 52) /* SGLang */
#define CLI_FLAG_MAMBA_CACHE     (UINT64_C(1) << 53) /* vLLM */


/* Option codes of the engine and parallelism options (args.c lists
 * them; args_engine.c parses them).  --ctx-size is 'c', llama.cpp's -c. */
enum cli_engine_option {
	OPT_ENGINE = 400,
	OPT_MNBT,
	OPT_PARALLEL,
	OPT_KV_UNIFIED,
	OPT_NO_KV_UNIFIED,
	OPT_UBATCH,
	OPT_PAGE_SIZE,
	OPT_TOKENS_PER_BLOCK,
	OPT_TRTLLM_RUNTIME,
	OPT_INDEXER_K_DTYPE,
	OPT_MAX_BATCH_SIZE,
	OPT_MAX_SEQ_LEN,
	OPT_AVG_SEQ_LEN,
	OPT_KV_MANAGER_V2,
	OPT_TP,
	OPT_PP,
	OPT_DP,
	OPT_PP_LAYERS,
	OPT_KV_BUDGET,
	OPT_SOLVE,
	OPT_SWA_RATIO,
	OPT_CHUNKED_PREFILL,
	OPT_GRAPH_MAX_BS,
	OPT_NO_SWA_POOL,
	OPT_LORA_RANK,
	OPT_MAX_LORAS,
	OPT_LORA_MODULES,
	OPT_LORA_DTYPE,
	OPT_ENABLE_LORA,
	OPT_MTP,
	OPT_SPEC_TOKENS,
	OPT_PROFILE_MEMORY,
	OPT_MAX_NUM_SEQS,
	OPT_VLLM_VERSION,
	OPT_MAMBA_MODE,
	OPT_PREFIX_CACHING,
	OPT_NO_PREFIX_CACHING,
	OPT_ENFORCE_EAGER,
	OPT_CUDA_MEMORY,
	OPT_FLASH_ATTN,
	OPT_LLAMA_SERVER,
	OPT_LM_ONLY,
	OPT_SGLANG_VERSION,
	OPT_VLLM_RUNNER,
	OPT_LANG_ONLY,
	OPT_DISABLE_CUDA_GRAPH,
	OPT_DISAGG,
	OPT_EXPERT_PARALLEL,
	OPT_ATTENTION_DP,
	OPT_DP_ATTENTION,
	OPT_DP_LM_HEAD,
	OPT_DENSE_TP,
	OPT_A2A,
	OPT_CONTEXT_LENGTH,
	OPT_MAX_RUNNING,
	OPT_MAMBA_SIZE,
	OPT_MAMBA_RATIO,
	OPT_MAMBA_SSM_DTYPE,
	OPT_MAMBA_SSM_CACHE_DTYPE,
	OPT_MAMBA_CACHE_DTYPE,
	OPT_SPEC_TOPK,
	OPT_SPEC_DRAFT_TOKENS,
	OPT_MAMBA_STRATEGY,
	OPT_NO_RADIX,
	OPT_NO_OVERLAP,
	OPT_DCP,
	OPT_MOE_BACKEND,
	OPT_MAX_TOTAL_TOKENS,
};

/* Option codes of the model-file and policy options (args_inputs.c). */
enum cli_input_option {
	OPT_CONFIG = 500,
	OPT_GGUF,
	OPT_SAFETENSORS,
	OPT_POLICY,
	OPT_GEN,
	OPT_KV_LAYOUT,
	OPT_DRAFT_MODEL,
	OPT_DRAFT_CONFIG,
	OPT_DRAFT_GGUF,
};

/* Option codes of the chart and sweep options (chart.c, sweep.c). */
enum cli_chart_option {
	OPT_CHART = 600,
	OPT_CHART_KIND,
	OPT_SWEEP,
};

/* sweep.c: --sweep's ranges into o (0, or 2 after one line on stderr),
 * and the sweep: a row per point of each model and request (engine and
 * cache types) on each device, written to out as it goes. */
int cli_parse_sweep(const char *arg, struct cli_options *o);
int cli_sweep_run(const struct cli_options *o, const kvp_model *models, size_t n_models,
                  const kvp_device *devices, size_t n_devices,
                  const kvp_request *requests, size_t n_requests, FILE *out);
/* sweep_main.c: the sweep's models, devices and requests from the
 * options, then the sweep on stdout: 0, or 2 after one line on stderr. */
int cli_sweep(const struct cli_options *o, kvp_catalog *cat);

/* chart.c: --chart and --chart-kind (0 or 2 after one line on stderr, -1
 * for another code), the check across options, and the chart itself:
 * 0; 2 after one line on stderr (nothing was drawn, stdout stays empty);
 * or 3 when gnuplot is missing or fails (script and data are written). */
int cli_parse_chart_option(int code, const char *opt, const char *arg,
                           struct cli_options *o);
int cli_chart_check(const struct cli_options *o);
struct cli_plan;
int cli_chart(const struct cli_options *o, const struct cli_plan *plan);

/* args_inputs.c: those options (0 or 2 after one line on stderr, -1 for
 * another code), and the checks across them once every option is parsed:
 * 0, or 2 after one line on stderr. */
int cli_parse_input_option(int code, const char *opt, const char *arg,
                           struct cli_options *o);
int cli_inputs_check(const struct cli_options *o);
int cli_policy_check(const struct cli_options *o);

/* args_engine.c: the engine and parallelism options.  Returns 0 or 2
 * (after one line on stderr), or -1 for a code that is not one of them. */
int cli_parse_engine_option(int code, const char *opt, const char *arg,
                            struct cli_options *o);
/* Warnings for engine settings the chosen engine does not use, and the
 * defaults that follow from the engine (llama.cpp's --parallel is the
 * batch). */
/* Whether the request asks for attention data parallelism of engine e:
 * TensorRT-LLM's --enable-attention-dp, SGLang's --enable-dp-attention. */
bool cli_attention_dp(uint64_t engine_flags, kvp_engine e);
/* advice_out.c: vLLM's pool where its groups hold padding layers, as
 * text ("vLLM's pool of N blocks (each G layers' pages, ...)") in buf. */
const char *cli_vllm_pool(const kvp_fit *f, char *buf, size_t size);
int cli_engine_finish(struct cli_options *o);

/* parse.c: option values, each bad one a line on stderr naming --opt and
 * a return of 2. */
int cli_parse_u64(const char *opt, const char *text, uint64_t min, uint64_t max,
                  uint64_t *out);
int cli_parse_u32(const char *opt, const char *text, uint32_t *out);
/* The index of text among words (NULL-ended); otherwise -1, having said
 * "kvplan: --opt: unknown WHAT 'text' (valid: a, b, c)". */
int cli_parse_word(const char *opt, const char *what, const char *text,
                   const char *const *words);
int cli_parse_fraction(const char *opt, const char *text, double *out);
/* A plain decimal in (0, max], into *out: 0; else 2, having said why. */
int cli_parse_real(const char *opt, const char *text, double max, double *out);
/* A comma-separated list with an empty name in it (a comma first, last or
 * doubled): 2, after "kvplan: --opt: an empty name in 'list'"; else 0. */
int cli_list_check(const char *opt, const char *list);
int cli_parse_dtype(const char *opt, const char *text, kvp_dtype *out);
/* --weights-dtype: a checkpoint format into format, or a plain element
 * type into plain (format then plain); one line on stderr and 2 if neither. */
int cli_parse_weights(const char *opt, const char *text, kvp_weights_format *format,
                      kvp_dtype *plain);

/* Parses argv into opts.  On a usage error prints one line to stderr and
 * returns 2; otherwise returns 0. */
int cli_parse_args(int argc, char **argv, struct cli_options *opts);
void cli_usage(FILE *out);

#define CLI_VARIANTS 3

/* Everything the printers show, computed before anything is printed so an
 * error leaves stdout empty. */
struct cli_plan {
	kvp_model model;
	kvp_model draft;            /* --draft-model, --draft-config, --draft-gguf */
	bool has_draft;
	uint64_t draft_weight_bytes; /* counted in a --draft-gguf */
	bool draft_format_known;    /* a --draft-config's quantization_config */
	kvp_weights_format draft_format;
	kvp_source source;          /* where the model came from */
	kvp_weights weights;        /* counted from --safetensors or --gguf */
	bool has_weights;           /* weights hold a checkpoint's count */
	const char *weights_path;   /* where they were counted (the first) */
	size_t weights_paths;       /* how many paths were given */
	kvp_dtype dtype;            /* the K type (the old "dtype" key) */
	uint64_t seq;
	uint64_t batch;
	kvp_fit_options fit_options;
	kvp_request request;
	kvp_plan layers;            /* the per-layer plan */
	bool batch_default;         /* vLLM's max_num_batched_tokens, which the
	                             * plan's sliding layers follow, is `vllm
	                             * serve`'s default for the first GPU: a
	                             * GPU's fit may follow another */
	bool block_default;         /* vLLM's block or SGLang's page is the
	                             * first GPU's attention backend's
	                             * (kvp_engine_attention_backend), not
	                             * the one asked: likewise */
	uint32_t asked_block;       /* the block asked, 0 for the engine's */
	kvp_dtype asked_dtype_k;    /* the cache types asked (vLLM's sparse
	                             * MLA backend keeps fp8 as fp8_ds_mla) */
	kvp_dtype asked_dtype_v;
	kvp_dtype given_dtype_k;    /* the cache types the options give, before
	                             * a config's fp8 (cli_config_cache_fp8) */
	kvp_dtype given_dtype_v;
	bool dtype_given;           /* --dtype, --dtype-k or --dtype-v given */
	kvp_moe_backend asked_moe;  /* vLLM's experts kernel asked (auto: each
	                             * GPU's; the plan takes the first's) */
	uint32_t asked_chunked;     /* SGLang's chunked_prefill_size asked, 0
	                             * for its default (which the plan then
	                             * takes from the first GPU, as the
	                             * block) */
	kvp_kv_size size;
	bool explain;
	bool has_variants;          /* MHA/GQA/MQA re-plans (not for MLA) */
	bool exceeds_max_context;
	kvp_model variants[CLI_VARIANTS];      /* MHA, GQA, MQA */
	kvp_kv_size variant_sizes[CLI_VARIANTS];
	size_t n_devices;
	kvp_device *devices;
	kvp_fit *fits;
	kvp_plan **device_plans;    /* per GPU: the request planned again
	                             * where vLLM's default step of tokens or
	                             * the backend's block (vLLM) or page
	                             * (SGLang) makes it allocate otherwise
	                             * than on the first GPU; else NULL */
	kvp_advice *advice;         /* per device: what would make it fit */
	enum cli_solve solve;
	bool validated;
	kvp_validate_result validation;
	int cuda_slot;              /* the first --gpu cuda[:N]: its place in
	                             * devices, named "cuda:N"; -1 none */
	uint64_t *cuda_free;        /* per device: a CUDA GPU's free memory
	                             * when it was read; 0 for the others */
	bool gpu_validated;         /* --validate ran on it */
	kvp_cuda_validation gpu_validation;
	kvp_cuda_boundary boundary[2]; /* the plan's edge, the free memory's */
	uint64_t unpoliced_bytes;   /* the cache with no policy, for the
	                             * saving (policy not full) */
	bool has_estimate;          /* the weights estimated in a format */
	kvp_weights_estimate estimate;
};

/* The weights' type as asked: a checkpoint format's name, or the plain
 * type's. */
const char *cli_weights_name(const struct cli_plan *p);
/* The memory share the output states once: the one given, or the
 * engine's own (vLLM 0.92, the others 0.90); 0 where SGLang works its
 * share out for each GPU (each fit's mem_util). */
double cli_mem_util(const struct cli_plan *p);
/* The plan GPU i's fit is of: its own (vLLM's step of tokens or the
 * engine's block differs there) or the request's. */
const kvp_plan *cli_device_plan(const struct cli_plan *p, size_t i);
/* A device's compute capability from its arch, sm_90 as 90; 0 for
 * another arch (AMD's gfx) or none. */
unsigned cli_device_sm(const kvp_device *d);
/* Whether vLLM lays plan lp's routed experts over its tp x dp GPUs, as
 * kvp_plan_fit splits them (dp > 1 or --enable-expert-parallel). */
static inline bool cli_experts_over_dp(const kvp_plan *lp)
{
	return lp->request.engine == KVP_ENGINE_VLLM && lp->expert_bytes &&
	       (lp->request.dp > 1 || lp->request.expert_parallel);
}
/* Whether r runs SGLang's data-parallel attention (--enable-dp-attention
 * with dp > 1: dp groups of tp / dp among the tp GPUs). */
static inline bool cli_sglang_dp_attention(const kvp_request *r)
{
	return r->engine == KVP_ENGINE_SGLANG && r->attention_dp && r->dp > 1;
}
/* r's decode context parallel size where its engine has one (vLLM,
 * SGLang; lib/engine.h kvp__request_dcp), else 1. */
static inline uint32_t cli_dcp(const kvp_request *r)
{
	return (r->engine == KVP_ENGINE_VLLM || r->engine == KVP_ENGINE_SGLANG) && r->dcp > 1
	       ? r->dcp : 1;
}
/* The block (vLLM) or page (SGLang) plan lp follows: the least over its
 * attention groups (a mamba hybrid enlarges vLLM's), or the request's. */
uint64_t cli_engine_block(const kvp_plan *lp);
/* The attention backend that gave GPU i's plan its block or page, or
 * NULL: none known, a block given and kept (the user's), a hybrid's. */
const char *cli_block_backend(const struct cli_plan *p, size_t i);
/* Why GPU i keeps another cache type than the plan: "its B backend"
 * (vLLM's sparse MLA backend keeps fp8 as fp8_ds_mla, or not). */
const char *cli_type_reason(const struct cli_plan *p, size_t i, char *buf, size_t size);
/* Why the engine's block (vLLM) or page (SGLang) on GPU i is what it is,
 * into buf: "its FLASHMLA backend", or the one given or the engine's
 * default where no backend is known. */
const char *cli_block_reason(const struct cli_plan *p, size_t i, char *buf, size_t size);
/* The attention backend the engine picks on GPU i for the request as
 * asked, *block its block or page (kvp_engine_attention_backend), or
 * NULL. */
const char *cli_attention_backend(const struct cli_plan *p, size_t i, uint32_t *block);
/* Whether plans a and b allocate differently on a GPU: another vLLM step
 * of tokens, or another block in a group (cli_plans_differ_bytes: the
 * cache's bytes differ); or SGLang's chunked prefill size, which sizes its
 * chunk cache's sliding pool (cli_plans_differ_cache); or vLLM's experts
 * kernel, whose workspace its profile run holds (cli_plans_differ). */
bool cli_plans_differ_bytes(const kvp_plan *a, const kvp_plan *b);
bool cli_plans_differ_cache(const kvp_plan *a, const kvp_plan *b);
bool cli_plans_differ(const kvp_plan *a, const kvp_plan *b);
/* The request as asked: the plan's, with vLLM's step 0 where the plan
 * took the first GPU's default, and the block asked. */
kvp_request cli_asked_request(const struct cli_plan *p);
/* The request asked (cli_asked_request) as it runs on GPU d, in *here
 * (vLLM and SGLang); true when the step of tokens vllm serve takes there
 * is not the one plan's sliding layers followed, or the block or page of
 * the backend there is not the plan's: the request is to be planned again
 * for d (and the plan kept where it allocates otherwise). */
bool cli_device_request(const kvp_request *asked, const kvp_model *m, const kvp_plan *plan,
                        const kvp_device *d, kvp_request *here);

/* kvplan.c: the model of the options (catalogue, files, numbers and
 * overrides) into plan->model, the devices of a --gpu list, and the
 * request of the options for plan's model: 0, or 2 after one line. */
int cli_resolve_model(const struct cli_options *o, kvp_catalog *cat,
                      struct cli_plan *plan);
int cli_resolve_devices(const char *list, kvp_catalog *cat, struct cli_plan *plan);
void cli_build_request(const struct cli_options *o, struct cli_plan *plan,
                       kvp_request *r);
extern const char *const cli_default_gpus;

/* inputs.c: the model from --config or --gguf, and the weights from
 * --safetensors, into plan (source, weights), the blocks past the model's
 * layers (its file's, or --model's in cat) counted as MTP layers; 0, or 2
 * after one line on stderr.  Warnings (a generic family, a duplicated
 * key) go to stderr. */
int cli_load_inputs(const struct cli_options *o, kvp_catalog *cat, struct cli_plan *plan);
/* The draft model, if one is given, into plan (draft, has_draft,
 * draft_weight_bytes); 0, or 2 after one line on stderr. */
int cli_resolve_draft(const struct cli_options *o, kvp_catalog *cat, struct cli_plan *plan);
/* The weights' exact bytes from the checkpoint read (0: none). */
uint64_t cli_checkpoint_bytes(const struct cli_plan *plan);
/* Where the model came from: the table's lines under the header, and
 * --explain's lines (each field's origin). */
void cli_print_source(FILE *out, const struct cli_plan *plan);
void cli_source_lines(const struct cli_plan *plan,
                      void (*line)(void *ctx, const char *text), void *ctx);

/* warn.c: a warning ("kvplan: warning: " and the line), held until
 * cli_warnings_end shows it (a run that did its work) or drops it (an
 * error's run, whose one line of stderr is the error). */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_warnings_end(bool show);

/* policy_out.c: the policy's section of the table (what it keeps and
 * saves), its JSON object, and its warnings on stderr. */
void cli_print_policy(FILE *out, const struct cli_plan *plan);
void cli_policy_warnings(const struct cli_plan *plan);

/* --validate: checks the run against the host's memory, then runs it
 * (progress on stderr when it is a terminal).  Returns 0, or 2 after one
 * line on stderr. */
int cli_validate(const struct cli_options *opts, struct cli_plan *plan);
/* The model --validate runs, host or GPU: one cache type for K and V, each
 * kv head once, and --no-window's layers all full; 2 with the line said. */
int cli_validate_model(const struct cli_options *opts, const struct cli_plan *plan,
                       kvp_model *out);

/* cuda.c.  name "cuda" or "cuda:N" read from that GPU into out and its
 * free memory now into *free_bytes: 0, or 2 with the one line said; -1
 * for another name. */
int cli_cuda_device(const char *name, kvp_device *out, uint64_t *free_bytes);
/* --validate on plan->cuda_slot's GPU: the cache, the kernel and both
 * edges. */
int cli_validate_cuda(const struct cli_options *opts, struct cli_plan *plan);
bool cli_gpu_validation_passed(const struct cli_plan *plan);
void cli_gpu_validation_table(FILE *out, const struct cli_plan *plan);
struct json_writer;
void cli_gpu_validation_json(struct json_writer *w, const struct cli_plan *plan);

/* table.c and json_out.c: the plan in each format. */
void cli_print_table(FILE *out, const struct cli_plan *plan);
int cli_print_json(FILE *out, const struct cli_plan *plan);

/* The printers return 0, or 2 after printing one line to stderr. */
int cli_print_plan(FILE *out, const struct cli_plan *plan, enum cli_format format);
/* --solve's question as named on the command line ("max-seq", ...), and
 * its answer on GPU i of plan: false where it has none, a longest
 * context without bound. */
const char *cli_solve_name(enum cli_solve solve);
bool cli_solve_answer(const struct cli_plan *plan, size_t i, uint64_t *answer);
int cli_print_models(FILE *out, const kvp_model *models, size_t count,
                     enum cli_format format);
int cli_print_devices(FILE *out, const kvp_device *devices, size_t count,
                      enum cli_format format);

/* Output gathered in memory (memout.c), written only when whole. */
struct memout {
	char *text;
	size_t length;
	size_t capacity;
	bool failed; /* a write did not fit: the text is not whole */
};

FILE *memout_open(struct memout *m);
/* Flushes and closes out; false when any byte was lost. */
bool memout_close(struct memout *m, FILE *out);
void memout_free(struct memout *m);

/* kvplan.c: the command.  The fuzzing harness of the command builds the
 * cli/ sources with -Dmain=kvplan_main and calls it under that name. */
int main(int argc, char **argv);

/* Prints "kvplan: " and the error (file:line:column: message) on stderr;
 * returns 2, the exit status of an input error. */
int cli_fail(const kvp_error *err);

/* A text field as RFC 4180 wants it: text itself, or quoted into buf. */
const char *cli_csv_text(const char *text, char *buf, size_t size);
/* "512 MiB", "12.55 GiB", "100 B": binary units, exact when whole. */
char *cli_human_bytes(uint64_t bytes, char *buf, size_t size);
/* 1234567 -> "1,234,567". */
char *cli_grouped(uint64_t value, char *buf, size_t size);
/* The fewest significant digits that read back as value, as Python's
 * repr prints a float; into buf, returned. */
char *cli_shortest(double value, char *buf, size_t size);
/* value as Python's repr (and f-strings) print a float: "19.063352429307997"
 * or "20.0". */
char *cli_py_float(double value, char *buf, size_t size);
/* A group's kind as shown: "sliding", "mla latent", ... */
const char *cli_group_label(const struct cli_plan *plan, const kvp_layer_group *g);
/* A recurrent layer's state per sequence in values, as llama.cpp's
 * n_embd_r and n_embd_s give it (src/llama-hparams.cpp): the conv state,
 * (ssm_conv_kernel - 1)(ssm_inner + 2 ssm_groups ssm_state), and the SSM
 * state, ssm_state x ssm_inner. */
void cli_state_values(const kvp_model *m, uint64_t *conv, uint64_t *ssm);
/* The layer pattern written compactly: "sliding*5,full". */
char *cli_pattern_text(const kvp_model *model, char *buf, size_t size);

/* llama.cpp's log lines for the plan (its KV and recurrent-state
 * lines), one call of line each (engine_log.c). */
void cli_llama_lines(const struct cli_plan *p, void (*line)(void *ctx, const char *text),
                     void *ctx);
/* The engine's own log lines about its cache on GPU i (its plan and
 * fit), rendered in its formats; none for the exact engine. */
void cli_engine_lines(const struct cli_plan *plan, size_t i,
                      void (*line)(void *ctx, const char *text), void *ctx);

/* vLLM's profile run (--profile-memory, no --kv-budget) on GPU i's stage
 * s: whether it leaves the cache nothing, the stage's need
 * (kvp_plan_stage_need) taking the usable memory or more, the "Available
 * KV cache memory" vLLM then logs being -*deficit (0 or below: it stops);
 * *buffers, the engine's buffers in that need (engine_out.c). */
bool cli_vllm_nothing_left(const struct cli_plan *plan, size_t i, uint32_t s,
                           uint64_t *deficit, uint64_t *buffers);
/* ... on any stage of GPU i: the one that passes it furthest. */
bool cli_vllm_nothing_left_any(const struct cli_plan *plan, size_t i, uint32_t *stage);

/* The table's engine and parallel sections, and each device's engine
 * lines under the fit table. */
void cli_print_engine(FILE *out, const struct cli_plan *plan);
void cli_print_engine_fits(FILE *out, const struct cli_plan *plan);
/* Under the fit table: each device that does not fit, by how much and
 * what would make it fit; the --solve answers. */
void cli_print_advice(FILE *out, const struct cli_plan *plan);
/* A warning where SGLang's data-parallel attention places a model's
 * weights by a rule read in other models' code (engine_out.c). */
void cli_engine_warnings(const struct cli_plan *p);
/* Whether engine (at vLLM release vllm, 0 the current) takes the fp8
 * cache plan's config declares where no cache type is given. */
bool cli_config_cache_fp8(const struct cli_plan *plan, kvp_engine engine, uint32_t vllm);
/* A --moe-backend vLLM would refuse, for the format, the GPU or the
 * release (cli/moe_warn.c). */
void cli_moe_backend_warnings(const struct cli_plan *p);
/* A weights format the engine cannot load or run on a GPU planned
 * (format_warn.c): one line each. */
void cli_format_warnings(const struct cli_plan *p);
/* sglang_out.c: SGLang's context length and request table, on stderr. */
void cli_sglang_warnings(const struct cli_plan *p);

/* --explain: how each figure was derived, as lines of text; the printers
 * put them in a table section or a JSON array.  Calls line(ctx, text) for
 * each. */
void cli_explain(const struct cli_plan *plan,
                 void (*line)(void *ctx, const char *text), void *ctx);

#endif
