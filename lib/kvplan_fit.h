/*
 * kvplan_fit.h — libkvplan's devices and fit: where a plan fits, the
 * planner that answers one request at many contexts and batches, and
 * the catalogue.
 * A part of kvplan.h, which includes it: include <kvplan.h>. The
 * ownership rules at the top of kvplan.h hold here too.
 */
/* kvplan.h first: its core, then every part in order. */
#include "kvplan.h"

#ifndef KVPLAN_FIT_H
#define KVPLAN_FIT_H

#ifdef __cplusplus
extern "C" {
#endif

/* ---- devices ---------------------------------------------------------- */

typedef struct kvp_device {
	char name[KVP_NAME_MAX];
	char description[KVP_DESCRIPTION_MAX];
	uint64_t hbm_bytes;      /* device memory (host: physical RAM) */
	uint64_t l2_bytes;       /* L2 cache */
	uint64_t llc_bytes;      /* last-level cache when beyond L2; 0 if none */
	double bandwidth_gbs;    /* memory bandwidth, 10^9 bytes/s; 0 unknown */
	double fp16_tflops;      /* dense FP16/BF16 tensor peak; 0 unknown */
	char arch[KVP_NAME_MAX]; /* the architecture an engine asks of the
	                          * device: "sm_90" (NVIDIA compute
	                          * capability 9.0, H100), "sm_100" (10.0,
	                          * B200), "gfx942" (AMD MI300X); "" unknown */
	uint64_t cuda_bytes;     /* the total CUDA reports (cudaMemGetInfo,
	                          * torch's total_memory), at most hbm_bytes:
	                          * the driver keeps some (an H100's 80 GiB
	                          * report 79.19 GiB), and how much moves a
	                          * little with its version; 0 unknown */
	uint64_t smi_bytes;      /* nvidia-smi's memory.total, at most
	                          * hbm_bytes; 0 unknown */
	char link[KVP_NAME_MAX]; /* how the GPUs of one server reach each
	                          * other: "nvlink" (SXM and HGX boards),
	                          * "xgmi" (AMD Infinity Fabric), "pcie"; ""
	                          * unknown, taken as pcie.  SGLang's memory
	                          * in use before its weights follows it
	                          * (lib/sglang_preload.c) */
} kvp_device;

/* Checks that hbm_bytes and l2_bytes are non-zero, cuda_bytes and
 * smi_bytes at most hbm_bytes, link "", "pcie", "nvlink" or "xgmi",
 * and that arch, when
 * given, is sm_ and the compute capability's digits (major, then minor:
 * sm_90, sm_100, sm_120, an a or f suffix allowed) or gfx and an AMD
 * target's three or four (gfx942, gfx950, gfx90a). */
KVP_API kvp_status kvp_device_check(const kvp_device *device, kvp_error *err);

/* ---- fit -------------------------------------------------------------- */

typedef struct kvp_fit_options {
	kvp_dtype weights_dtype; /* default KVP_DTYPE_FP16 */
	double mem_util;         /* usable share of HBM, (0, 1]; default 0.90;
	                          * taken at the double's exact value; 0: the
	                          * engine's default for the device */
	uint64_t reserve_bytes;  /* kept free besides weights and cache */
} kvp_fit_options;

KVP_API void kvp_fit_options_init(kvp_fit_options *options);

/* One GPU's memory, part by part: weights, cache, engine buffers, the
 * reserve, what mem_util holds back and what is left sum to the device's
 * memory (over says how far the parts exceed it instead). */
typedef struct kvp_footprint {
	uint64_t total;       /* the device's memory */
	uint64_t weights;     /* weights_per_gpu */
	uint64_t adapters;    /* LoRA: the plan's lora_bytes_per_gpu */
	uint64_t draft;       /* the draft's or MTP layers' weights: their
	                       * bytes over the tensor-parallel ranks of the
	                       * last stage */
	uint64_t kv;          /* the per-token caches the engine allocates:
	                       * its whole pool (vLLM, SGLang, TensorRT-LLM),
	                       * or the plan's cache (exact, llama.cpp) */
	uint64_t state;       /* recurrent state beside the pool */
	uint64_t activations; /* the engine's compute buffers (plan's
	                       * compute_bytes), TensorRT-LLM's room for its
	                       * MLA workspace, and with profile_memory
	                       * vLLM's activation peak */
	uint64_t runtime;     /* with profile_memory, the memory the engine
	                       * keeps outside its activations: vLLM's
	                       * non-torch memory (CUDA context, NCCL,
	                       * all-reduce buffers) and its CUDA graphs'
	                       * estimate, SGLang's memory in use before its
	                       * weights (CUDA context, NCCL); 0 otherwise */
	uint64_t reserve;     /* the request's reserve_bytes */
	uint64_t req_table;   /* SGLang's request-to-token table
	                       * (kvp_plan_sglang_reqs), which it allocates
	                       * after its pool out of what mem_util holds
	                       * back; 0 under the other engines */
	uint64_t held_back;   /* what mem_util keeps out of use (SGLang:
	                       * less its request-to-token table) */
	uint64_t unused;      /* the rest, inside the usable share */
	uint64_t over;        /* how far the parts exceed the device */
	uint64_t host;        /* host memory besides (plan's host_bytes) */
} kvp_footprint;

/* The terms of kvp_fit's cuda_graph_bytes (vLLM's estimate of its CUDA
 * graphs, modelled on its logs in lib/vllm_profile.c): BASE + LAYER_SIZE
 * x the binding stage's layers x (cuda_graphs - 1). */
#define KVP_VLLM_GRAPH_BASE_BYTES ((uint64_t)287 << 20)
#define KVP_VLLM_GRAPH_LAYER_SIZE_BYTES ((uint64_t)354 * 1024)

typedef struct kvp_fit {
	uint64_t kv_total_bytes;   /* per-token caches (K, V, latent) */
	uint64_t state_total_bytes; /* recurrent state */
	uint64_t cache_total_bytes; /* the two: what has to fit */
	uint64_t kv_layer_bytes;   /* the largest layer, whole batch */
	bool fits_l2;              /* whole cache <= L2 */
	bool layer_fits_l2;        /* the largest layer's cache <= L2 */
	uint64_t max_seq_l2;       /* largest seq whose whole cache fits L2
	                            * (UINT64_MAX when unbounded) */
	bool max_seq_l2_unbounded; /* the cache's plateau fits L2 */
	uint64_t weights_bytes;    /* the plan's weights_bytes (or params at
	                            * the weights' type), and its
	                            * draft_weights_bytes */
	double mem_util;           /* the share of the device taken: the
	                            * request's, or the engine's default for
	                            * this device where the request's is 0 */
	uint64_t usable_bytes;     /* floor(hbm_bytes * mem_util), mem_util
	                            * being the double's exact value (0.9 is
	                            * a little above 9/10, 0.3 a little below
	                            * 3/10); 0 when mem_util is that small */
	bool fits_hbm;             /* on every stage, weights + buffers +
	                            * adapters + reserve + cache <= usable
	                            * (SGLang: the request's pages in its
	                            * pools) */
	uint64_t max_seq_hbm;      /* largest seq that fits at this batch,
	                            * every stage in its own budget
	                            * (UINT64_MAX when unbounded) */
	bool max_seq_hbm_unbounded; /* the cache's plateau fits */
	uint64_t max_batch_hbm;    /* largest batch that fits at this seq */
	/* Per GPU, with tensor and pipeline parallelism: */
	uint64_t weights_per_gpu;  /* stage_weights[stage] */
	uint64_t cache_per_gpu;    /* the plan's kv_bytes_per_gpu */
	uint64_t budget_bytes;     /* stage_budget[stage]: the cache's memory
	                            * on one GPU of the stage that binds:
	                            * kv_budget, or usable - its weights, its
	                            * adapters, the reserve and the engine's
	                            * buffers (TensorRT-LLM: mem_util of what
	                            * those leave; SGLang: the least of every
	                            * stage's) */
	uint64_t cuda_graph_bytes; /* vLLM from 0.20 with profile_memory: its
	                            * estimate of the CUDA graphs' memory on a
	                            * GPU of the binding stage, taken from the
	                            * budget and counted in the footprint's
	                            * activations (lib/vllm_profile.c); 0
	                            * otherwise */
	uint32_t cuda_graphs;      /* vLLM with profile_memory: the batch
	                            * sizes it captures a CUDA graph for, in
	                            * each mode; 0 without graphs
	                            * (enforce_eager), without profile_memory
	                            * or for another engine */
	uint64_t mla_workspace_bytes; /* TensorRT-LLM with an MLA model and an
	                            * fp8 cache: the room its budget leaves
	                            * for the context-MLA attention workspace
	                            * on a GPU of the binding stage, taken
	                            * from budget_bytes (the plan's
	                            * trtllm_mla_workspace_bytes); 0
	                            * otherwise */
	uint64_t mla_workspace_tokens; /* ... and the tokens of summed
	                            * attended KV that room admits, int(room /
	                            * bytes a token) as TensorRT-LLM logs
	                            * them; 0 without the room */
	uint64_t topk_buffer_bytes; /* vLLM, a sparse-attention model: its
	                            * buffers of the indexer's selected
	                            * indices on a GPU of the binding stage,
	                            * batched_tokens x the plan's
	                            * topk_row_bytes (and on the last stage
	                            * draft_topk_row_bytes), counted in
	                            * weights_per_gpu; 0 otherwise */
	kvp_capacity capacity;     /* what the engine makes of the budget */
	kvp_footprint footprint;   /* the device's memory, part by part */
	uint64_t batched_tokens;   /* vLLM: the max_num_batched_tokens the fit
	                            * follows (the request's, else the plan's
	                            * batched_tokens, else `vllm serve`'s
	                            * default on this device); 0 for the other
	                            * engines */
	bool pooled;               /* SGLang: the requests' pages in its pools,
	                            * not the bytes, decide fits_hbm,
	                            * max_seq_hbm and max_batch_hbm (its
	                            * sliding-window pools, or one pool of
	                            * layers that keep every token and hold no
	                            * state); TensorRT-LLM: its hybrid
	                            * manager's blocks and max_batch_size x pp
	                            * requests (kvp_capacity trtllm_manager);
	                            * false for the other engines */
	/* Pipeline stages (entries past the plan's stages are left as they
	 * were; one stage without pp).  What one GPU of stage s holds in
	 * weights: its layers' share of the weights, the first stage the
	 * embedding (llama.cpp: none, host memory holds it), the last the LM
	 * head (a tied head's copy when pp > 1, and always in llama.cpp) and
	 * a draft's weights, each ceil(/ tp); and its cache's memory, each
	 * stage's own (usable less its weights, buffers and reserve), as
	 * vLLM's and TensorRT-LLM's workers each measure it before the
	 * fewest blocks bind them all.  stage is the stage that binds: the
	 * engine's fewest blocks or tokens (exact and llama.cpp: the least
	 * room left); the per-GPU figures (weights_per_gpu, budget_bytes,
	 * capacity, footprint) are its GPU's. */
	uint32_t stage;
	uint64_t stage_weights[KVP_PP_MAX];
	uint64_t stage_budget[KVP_PP_MAX];
} kvp_fit;

/* What would make a request fit a device (each answer exact at its
 * boundary). */
typedef struct kvp_advice {
	bool fits;                /* the request fits as it is */
	uint64_t budget_bytes;    /* the cache's memory on one GPU */
	uint64_t short_bytes;     /* how far a stage's cache is over its own
	                           * budget, the furthest; 0 when it fits */
	uint32_t short_stage;     /* that stage (0 when it fits) */
	uint64_t max_seq;         /* longest context at the request's batch */
	bool max_seq_unbounded;
	uint64_t max_batch;       /* largest batch at the request's seq */
	bool dtype_found;         /* a cache type fits: */
	kvp_dtype dtype;          /* the widest of fp32, fp16, q8_0, fp8, q5_1,
	                           * q5_0, q4_1, q4_0 that the engine has and
	                           * that does (K and V) */
	uint32_t min_tp;          /* the fewest tensor-parallel GPUs per stage
	                           * that fit (0: none up to the heads) */
	uint64_t min_gpus;        /* min_tp x pp; x dp under vLLM for a
	                           * mixture of experts, whose replicas share
	                           * its routed experts */
} kvp_advice;

KVP_API kvp_status kvp_advise(const kvp_model *model, const kvp_request *request,
                              const kvp_device *device, kvp_advice *out,
                              kvp_error *err);

/* The share of device's memory the request's engine takes: its mem_util,
 * or where that is 0 the engine's own default for the device: vLLM 0.92
 * (0.90 before 0.20, PR #38284);
 * SGLang's mem_fraction_static, round((gpu_mem - reserved_mem) / gpu_mem,
 * 3) in MiB as python/sglang/srt/arg_groups/memory_hook.py works it out
 * (0.5.20 on; server_args.py of 2026-07 for request sglang_version
 * before), *gpu_mem_mib and *reserved_mib its terms (each may be NULL; 0
 * for the other engines); 0.90 for the rest.  0 when no request or
 * device.  SGLang's reserve also depends on the model (its prefill CUDA
 * graphs, a flat 1536 MiB with MLA): this form takes a model without MLA
 * whose path does not name Llama 2; kvp_plan_mem_util takes the plan's. */
KVP_API double kvp_engine_mem_util(const kvp_request *request,
                                   const kvp_device *device,
                                   double *gpu_mem_mib, double *reserved_mib);

/* The same for a plan's request and model, the share kvp_plan_fit takes;
 * *prefill_graphs SGLang's prefill CUDA graphs counted in its reserve, 8
 * MiB each (may be NULL; 0 for the other engines, and for an MLA model,
 * whose reserve for them is flat).  0 when no plan or device. */
KVP_API double kvp_plan_mem_util(const kvp_plan *plan, const kvp_device *device,
                                 double *gpu_mem_mib, double *reserved_mib,
                                 uint32_t *prefill_graphs);

/* SGLang's default mem_fraction_static for a device, term by term, in MiB
 * (kvp_plan_sglang_reserve). */
typedef struct kvp_sglang_reserve {
	double gpu_mem;          /* the memory as SGLang reads it, whole MiB */
	double chunked_prefill;  /* chunked_prefill_size: the request's, or
	                          * SGLang's for gpu_mem */
	double decode_max_bs;    /* the largest decode CUDA graph, likewise */
	double activations;      /* max(chunked_prefill, 2048) x 1.5; a
	                          * decode server's max(running x draft
	                          * tokens, 2048) x 1.5, running the
	                          * request's max_running_requests or else
	                          * decode_max_bs, draft tokens the request's
	                          * spec_draft_tokens with a draft, else 1 */
	double parallel;         /* tp x pp / 8 x 1024 */
	double decode_graphs;    /* decode_max_bs x 2 (0 with the request's
	                          * disable_cuda_graph, or on a prefill
	                          * server, from 0.5.20) */
	double dp_attention;     /* data-parallel attention (the request's
	                          * attention_dp, dp > 1): decode_max_bs x dp
	                          * x 3, and x 1.5 more past a decode_max_bs
	                          * of 300; 0 on a prefill server */
	double deepep;           /* the request's sglang_deepep, with decode
	                          * CUDA graphs, from 0.5.20: 2048, added past
	                          * the floor below */
	uint32_t prefill_graphs; /* prefill CUDA graphs, 8 MiB each */
	double prefill_mib;      /* their reserve: prefill_graphs x 8, or an
	                          * MLA model's flat 1536 */
	double reserved;         /* 512 + the terms above, at least 10240
	                          * where gpu_mem is over 60 GiB; and deepep */
	bool floored;            /* the 10240 floor was taken */
	double share;            /* round((gpu_mem - reserved) / gpu_mem, 3),
	                          * 0 where nothing is left */
	/* A multimodal model's factor on share (kvp_plan vision_hidden and
	 * vision_layers; SGLang's adjust_mem_fraction_for_vlm): vlm_layers
	 * the encoder's layers as SGLang takes them (24 where not given; 0
	 * for a model without an encoder), vlm_ratio vlm_layers x hidden^2 /
	 * (24 x 1024^2), vlm_factor 0.95 x min(max(1 - 0.1 x (vlm_ratio -
	 * 1), 0.8), 1.05), 1 for a model without an encoder. */
	double vlm_layers;
	double vlm_ratio;
	double vlm_factor;
	double mem_fraction_static; /* share x vlm_factor, not rounded again:
	                          * the share SGLang takes (0 where nothing
	                          * is left) */
	kvp_disaggregation role; /* the request's disaggregation where it is
	                          * followed (from 0.5.20), else none */
} kvp_sglang_reserve;

/* SGLang's own mem_fraction_static for plan's model and request on
 * device, term by term, into *out (may be NULL): true where it applies
 * (engine SGLang, mem_util 0); otherwise false and *out all zero. */
KVP_API bool kvp_plan_sglang_reserve(const kvp_plan *plan, const kvp_device *device,
                                     kvp_sglang_reserve *out);

/* SGLang's requests at once and its request-to-token table
 * (kvp_plan_sglang_reqs). */
typedef struct kvp_sglang_reqs {
	uint64_t context_len;    /* model_config.context_len: the plan's
	                          * sglang_context_len */
	uint64_t max_num_reqs;   /* the requests one worker runs at once:
	                          * max(min(int(tokens / context_len x 512),
	                          * 4096), 2048), at most tokens / 2, or the
	                          * request's max_running_requests / dp, at
	                          * most tokens / 2 (the estimate before
	                          * 0.5.14); at most the states' max_requests
	                          * (_resolve_max_num_reqs) */
	uint64_t table_bytes;    /* ReqToTokenPool: (max_num_reqs +
	                          * pre_alloc_slots + 1) x (context_len + 4)
	                          * int32 on each GPU, saturated */
	uint64_t pre_alloc_slots; /* a decode server's rows for the requests
	                          * it receives (disaggregation_decode_
	                          * extra_slots: 2 x max_running_requests / dp
	                          * where that is 32 or fewer, from 0.5.20 as
	                          * the request's role); 0 otherwise */
} kvp_sglang_reqs;

/* SGLang's model_config.context_len for model under request (whatever its
 * engine): request->context_length (--context-length) where given, else
 * get_context_length's: the model's max_context (its rope_positions where
 * none), times a linear, dynamic or YaRN rope_factor where the scaling
 * names no rope_original_max, truncated; 2048 where the model gives
 * neither.  0 when either is NULL. */
KVP_API uint64_t kvp_sglang_context_len(const kvp_model *model, const kvp_request *request);
/* SGLang's --max-running-requests under request: request->
 * max_running_requests where given, else 48 with a draft or MTP layers
 * (SGLang resets it so for speculative decoding), else 0 (its own
 * estimate).  0 for another engine's request or NULL. */
KVP_API uint32_t kvp_sglang_max_running_requests(const kvp_request *request);

/* For a plan under SGLang whose pool holds tokens (its
 * max_total_num_tokens, a fit's capacity tokens), the requests it runs at
 * once and its request-to-token table, into *out (may be NULL): true
 * where modelled; false, and *out all zero, under another engine or for
 * a model with recurrent layers (whose pool of states caps the requests:
 * kvp_capacity_sglang_reqs). */
KVP_API bool kvp_plan_sglang_reqs(const kvp_plan *plan, uint64_t tokens,
                                  kvp_sglang_reqs *out);
/* The same for the pool a capacity describes (kvp_plan_capacity, a fit's
 * capacity): its log_tokens, max_total_num_tokens (the rows of one GPU
 * under decode context parallelism), and for a model with recurrent layers the
 * requests its pool of states admits (max_requests), which cap SGLang's
 * requests at once.  False, and *out all zero, under another engine or
 * where the pool of states is not modelled (a draft, a policy). */
KVP_API bool kvp_capacity_sglang_reqs(const kvp_plan *plan, const kvp_capacity *capacity,
                                      kvp_sglang_reqs *out);

/* Whether SGLang runs the model with its sliding-window memory pool (its
 * sliding or chunked layers keep only their window's tokens): the
 * architectures SGLang lists, by model_type, unless request->no_swa_pool.
 * Every other model keeps all its layers' tokens in SGLang's one pool. */
KVP_API bool kvp_engine_swa_pool(const kvp_model *model, const kvp_request *request);

/* Settles in request the engine's defaults that depend on the device it
 * runs on, so that a plan of model follows them:
 *  - vLLM's max_num_batched_tokens and max_num_seqs where they are 0, as
 *    `vllm serve` sets them (vllm/engine/arg_utils.py
 *    EngineArgs.get_batch_defaults): 16384 and 1024 on a device of 160 GiB
 *    or more (from vllm_version 0.28), 8192 and 1024 on one of 70 GiB or
 *    more that is not an A100, 2048 and 256 on any other, the tokens at
 *    most max_num_seqs x seq and the sequences at most the tokens (device
 *    NULL, none to ask: 2048, as a plan takes it).  Only a model with
 *    sliding or chunked layers plans differently (they keep the step's
 *    tokens beside their window); vLLM's profile run follows them too.
 *  - vLLM's block_size where model has MLA layers and no recurrent ones
 *    (a hybrid's block is vLLM's hybrid config's), and SGLang's page
 *    (block_size): the block of the attention backend the engine picks on
 *    the device's arch (kvp_engine_attention_backend), the one given where
 *    that backend takes it, set where it differs from the block the
 *    request has (given, or the engine's default 16 or 1); left as it is
 *    where none is known.
 *  - vLLM's cache type for a sparse MLA model: fp8 (K and V) becomes
 *    fp8_ds_mla where the backend is FLASHMLA_SPARSE, as vLLM keeps it.
 *    SGLang's: fp16 (K and V; its auto, as SGLang has no float16 cache)
 *    becomes fp8 on its dsa backend from compute capability 10.0, as
 *    SGLang takes auto for DeepSeek DSA there.
 *  - SGLang's chunked_prefill_size, where none is given, for a model with
 *    sliding or chunked layers that SGLang gives its sliding pool
 *    (kvp_engine_swa_pool; not DeepSeek-V4), under disable_radix_cache
 *    with max_running_requests or a draft (its 48): its default for the
 *    device's memory (2,048 below 20 GiB, 4,096 below 60 (2,048 for 20
 *    to 35 before 0.5.20), 8,192 below 160, else 16,384), which sizes its
 *    chunk cache's sliding pool (kvp_capacity swa_cap; a plan without it
 *    takes 4,096, SGLang's with no device).
 * model may be NULL: the block is left as it is.  Nothing for the other
 * engines or a NULL request. */
KVP_API void kvp_request_for_device(kvp_request *request, const kvp_model *model,
                                    const kvp_device *device);
/* The attention backend the request's engine picks for model on device,
 * by its arch, and in *block_size the block (vLLM) or page (SGLang) that
 * backend makes it take.
 *  - vLLM 0.18 and later, for MLA layers (vllm/platforms/cuda.py
 *    check_and_update_config): "FLASH_ATTN_MLA" (16) on compute capability
 *    9.x, "FLASHMLA" (64) there with an fp8 cache, "FLASHINFER_MLA" (32)
 *    on 10.x, "TRITON_MLA" (16) on any other NVIDIA GPU and on AMD's (ROCm
 *    without AITER).  A request->block_size given passes over the backends
 *    whose kernel does not divide it (FLASHMLA 64, FLASHINFER_MLA 32,
 *    CUTLASS_MLA 128, the others 16) and is *block_size.  Releases 0.8 to
 *    0.17 took "FLASHMLA" on 9.x whatever the cache type, its block a
 *    multiple of 64 (a block given that is not became 64), and
 *    "TRITON_MLA" (the block given, or 16) on any other GPU but 10.x.
 *  - SGLang (python/sglang/srt/server_args.py at main): "fa3" on 9.x; on
 *    10.x "trtllm_mla" for the DeepSeek-V3 architectures (model_type
 *    deepseek_v3, kimi_k2; pages of 32 or 64, else 64), "flashinfer" for
 *    deepseek_v2, "triton" for qwen3_next and qwen3_5 (page 1), "fa4" for
 *    mimo_v2, step3p5 and where K and V widths differ (128), "trtllm_mha"
 *    for the rest (16, 32, 64 or 128, else 64); "aiter" on AMD's ("triton"
 *    for an MLA model whose ranks have neither 16 nor 128 kv heads);
 *    elsewhere "triton" for MLA, gpt_oss and llama4, "flashinfer" for the
 *    rest; those others keep the page given, or 1.  Model types match as
 *    a prefix, '-' as '_'.
 * NULL, *block_size untouched, when no rule applies: another engine; for
 * vLLM a release before 0.8, 10.x before 0.18, no latent MLA layers, a
 * sparse MLA model (model_type deepseek_v32 or glm_moe_dsa, or an
 * index_head_dim) off 9.x and 10.x or before 0.11 (on them
 * "FLASHMLA_SPARSE", or "FLASHINFER_MLA_SPARSE" for fp8 on 10.x, 64), a
 * cache type no MLA backend takes (per token-head, fp8_ds_mla for a
 * dense one, fp32) or no backend taking the block given; for SGLang (a
 * sparse MLA model: "dsa", 64 on NVIDIA's) an architecture with its own
 * rule that kvplan does not follow (falcon_h1, granitemoehybrid, lfm2,
 * minicpm, minimax_m3, a sparse MLA one on AMD's, another MLA architecture on
 * 10.x, olmo2, olmo3, gemma4, mimo_v2 and step3p5 off 10.x) or a request
 * with a draft or MTP layers (EAGLE changes the default); no arch known; a
 * NULL argument. */
KVP_API const char *kvp_engine_attention_backend(const kvp_model *model,
                                                 const kvp_request *request,
                                                 const kvp_device *device,
                                                 uint32_t *block_size);

/* The mamba_cache_mode vLLM runs a request's recurrent layers in:
 * request->mamba_cache_mode, or the default of its vllm_version (align
 * from 0.28, none before); never KVP_MAMBA_DEFAULT.  Align for NULL. */
KVP_API kvp_mamba_mode kvp_engine_mamba_mode(const kvp_request *request);

/* The element types an engine keeps model's recurrent state in under
 * request, into *conv (the conv state) and *ssm (the SSM state; each may
 * be NULL): the request's state_dtype but that vLLM takes its fp32 as
 * "auto", the model's type (a float K cache's, else the weights'), its
 * SSM state as request->mamba_ssm_cache_bytes asks, else a Nemotron-H's
 * as its config's ssm_cache_bytes (from 0.13), else fp32 (from 0.20),
 * and a Qwen3.5's as its config's (from 0.16); SGLang's conv state in
 * bf16.  Nothing for a NULL request or model. */
KVP_API void kvp_engine_state_dtypes(const kvp_request *request, const kvp_model *model,
                                     kvp_dtype *conv, kvp_dtype *ssm);

/* vLLM's model runner for model under request: request->vllm_runner where
 * given, else vLLM's default (vllm/config/vllm.py
 * VllmConfig.use_v2_model_runner): V2 (2) for every model from 0.29 (PR
 * #53183), from 0.25 for a dense model, neither a mixture of experts
 * (kvp_model moe_*) nor one with recurrent layers, V1 (1) otherwise.  0
 * for another engine, a runner past 2 (which kvp_plan_compute refuses
 * under vLLM), or NULL. */
KVP_API uint32_t kvp_engine_vllm_runner(const kvp_model *model, const kvp_request *request);

/* vLLM's profile run on one pipeline stage as kvp_plan_fit takes it from
 * the budget (--profile-memory; lib/vllm_profile.c): its PyTorch peak, the
 * larger of the forward's and the dummy sampler's (the last stage alone
 * samples) with a mixture of experts' workspace on top, beside the memory
 * outside PyTorch and, past the first stage, what the stage receives.  The CUDA graphs' estimate is kvp_fit's
 * cuda_graph_bytes. */
typedef struct kvp_vllm_profile {
	uint64_t tokens;          /* max_num_batched_tokens of its dummy run */
	uint64_t seqs;            /* its dummy requests: the sampler's rows */
	uint32_t runner;          /* the model runner, 1 or 2 (its sampler) */
	uint64_t forward_bytes;   /* the forward's peak */
	uint64_t sampler_bytes;   /* the dummy sampler's; 0 before the last stage */
	uint64_t non_torch_bytes; /* NCCL, all-reduce buffers, the context's growth */
	uint64_t received_bytes;  /* hidden_states and residual a later stage receives */
	uint64_t moe_workspace_bytes; /* a mixture of experts' fused-MoE
	                           * workspace, tokens x the plan's
	                           * moe_workspace_row_bytes, still held
	                           * when the sampler runs */
	uint64_t workspace_bytes; /* the workspace manager's buffer: the
	                           * larger of moe_workspace_bytes and the
	                           * plan's sparse_workspace_bytes */
	uint64_t total_bytes;     /* max(forward, sampler) + workspace +
	                           * non_torch + received */
} kvp_vllm_profile;

/* out: the profile run of plan's stage on device (NULL: vLLM's defaults
 * without one), all 0 where the plan takes none (another engine, or no
 * profile_memory).  KVP_ERR_INVALID for a NULL plan
 * or out, KVP_ERR_RANGE for a stage past the plan's. */
KVP_API kvp_status kvp_vllm_profile_compute(const kvp_plan *plan, const kvp_device *device,
                                            uint32_t stage, kvp_vllm_profile *out,
                                            kvp_error *err);

/* Fit of a plan on device, with the request's weights type, mem_util and
 * reserve: fits_* at the plan's seq and batch, and the inverse problems
 * solved by kvp_plan_max_seq and kvp_plan_max_batch. */
KVP_API kvp_status kvp_plan_fit(const kvp_plan *plan, const kvp_device *device,
                                kvp_fit *out, kvp_error *err);

/* The copies of the MLA layers' kv_b_proj one GPU of the plan's stage
 * holds beside it on device (kvp_plan attention_copy_bytes, and
 * attention_copy_sm100_bytes on sm 100 and 103 under TensorRT-LLM), its
 * share by its MLA layers, as kvp_plan_fit adds them; 0 for a NULL plan or
 * device or a stage past the plan's. */
KVP_API uint64_t kvp_plan_stage_copy_bytes(const kvp_plan *plan, const kvp_device *device,
                                           uint32_t stage);

/* gpt-oss's MXFP4 experts as vLLM keeps them on one GPU of the plan's
 * stage on device (kvp_plan mxfp4_intermediate): the kernel that runs
 * them pads the hidden size and an expert's inner size and may widen
 * their biases (lib/vllm_mxfp4.c). */
typedef struct kvp_mxfp4_layout {
	kvp_moe_backend kernel;  /* whose layout: marlin, triton (OpenAI's
	                          * triton_kernels), flashinfer_trtllm or
	                          * flashinfer_cutlass; KVP_MOE_NONE: the
	                          * checkpoint's, for a plan without such
	                          * experts or a kernel and GPU not read */
	uint32_t hidden;         /* the hidden size, padded */
	uint32_t intermediate;   /* an expert's inner size on the GPU, padded */
	uint32_t experts;        /* the experts a layer holds on the GPU */
	uint32_t layers;         /* the routed layers of the stage */
	uint64_t layer_bytes;    /* one layer's expert tensors on the GPU, each
	                          * as PyTorch's caching allocator holds it */
	uint64_t checkpoint_bytes; /* the GPU's share of the weights' experts
	                          * (kvp_plan stage_expert_bytes), which
	                          * bytes replaces */
	uint64_t bytes;          /* layers x layer_bytes, saturated;
	                          * checkpoint_bytes under KVP_MOE_NONE */
} kvp_mxfp4_layout;

/* Fills out for the plan's stage on device (NULL: an H100's rules), as
 * kvp_plan_fit counts it in the weights.  KVP_ERR_INVALID for a NULL
 * plan or out or a stage past the plan's. */
/* What one GPU device of stage holds of plan's compressed-tensors' w4a16
 * or w8a8 weights beyond its share of the checkpoint's bytes, as the
 * engine's kernels keep them (kvp_plan stage_ct_int_sm90_bytes on
 * compute capability 9.0, stage_ct_int_bytes on another, none on AMD's;
 * lib/vllm_ct_int.c); kvp_plan_fit counts it in the weights.  0 past the
 * stages or with no plan; device NULL is taken as 9.0's. */
KVP_API int64_t kvp_plan_ct_int_bytes(const kvp_plan *plan, const kvp_device *device,
                                      uint32_t stage);
KVP_API kvp_status kvp_plan_mxfp4_layout(const kvp_plan *plan, const kvp_device *device,
                                         uint32_t stage, kvp_mxfp4_layout *out,
                                         kvp_error *err);

/* What one GPU of the plan's stage takes on device besides its cache, as
 * kvp_plan_fit takes it from the usable share: *need, its weights (a
 * draft's on the last stage), adapters, the reserve and the engine's
 * buffers; *buffers (may be NULL), those buffers alone (the plan's compute
 * bytes, and with profile_memory vLLM's profile run and CUDA graphs of the
 * stage's layers).  Where *need reaches the fit's usable_bytes the stage's
 * budget is 0 (TensorRT-LLM's share is of what it leaves of the whole
 * device), and vLLM logs usable - *need as its available memory and
 * stops.  Saturates at
 * UINT64_MAX.  KVP_ERR_INVALID for a NULL plan or need, KVP_ERR_RANGE for
 * a stage past the plan's; otherwise kvp_plan_fit's errors. */
KVP_API kvp_status kvp_plan_stage_need(const kvp_plan *plan, const kvp_device *device,
                                       uint32_t stage, uint64_t *need,
                                       uint64_t *buffers, kvp_error *err);

/* How far the pools an engine sizes from fit's budget (kvp_plan_fit of
 * plan) pass that budget: SGLang with a draft model, whose pools it sizes
 * as if each draft layer were as large as the model's, a draft of larger
 * layers (python/sglang/srt/model_executor/pool_configurator.py), or a
 * draft's pool under decode context parallelism, dcp times the rows the
 * budget counts (mem_cache/kv_cache_configurator.py); where
 * that takes the parts past the device, kvp_plan_fit's fits_hbm is false
 * and its answers 0.  0 otherwise, and for NULL. */
KVP_API uint64_t kvp_fit_pool_overrun(const kvp_plan *plan, const kvp_fit *fit);

/* Fit of model's cache (seq tokens, batch sequences, cache type dtype) on
 * device.  options may be NULL for the defaults.  The max_* values are
 * closed forms; 0 means not even one token (or sequence) fits. */
KVP_API kvp_status kvp_fit_compute(const kvp_model *model,
                                   const kvp_device *device, kvp_dtype dtype,
                                   uint64_t seq, uint64_t batch,
                                   const kvp_fit_options *options,
                                   kvp_fit *out, kvp_error *err);

/* ---- the planner: one request at many contexts and batches ---------- */

/* A capacity tool's sweep asks the same model, request and devices again
 * and again at other seqs and batches.  A planner works out once what
 * does not change from point to point (the layer groups, their bytes a
 * token, each device's budget, the longest contexts at a batch) and
 * answers each point from the cache's cost function, which the solvers
 * share (lib/solve.c); where that is not exact for the request (llama.cpp,
 * whose context and buffers follow the seq; a policy that keeps more of a
 * longer prompt, ratio or PyramidKV; a profile run, profile_memory; vLLM's
 * mamba_cache_mode all, asked or its version's default), each point is a
 * whole kvp_plan_compute and kvp_plan_fit.  Either way a point's figures
 * are those kvp_plan_compute and kvp_plan_fit give for the request at that
 * seq and batch (tests/test_planner.c holds them to each other).  A
 * planner is changed by each point: one thread at a time. */
typedef struct kvp_planner kvp_planner;

/* One device's fit at a point, as kvp_plan_fit gives it. */
typedef struct kvp_point_fit {
	kvp_status status;         /* KVP_OK, or KVP_ERR_OVERFLOW where this
	                            * device's fit passes 64 bits (the rest
	                            * then 0) */
	bool fits_l2;
	bool fits_hbm;
	uint64_t max_batch_hbm;    /* at the point's seq */
	uint64_t max_seq_hbm;      /* at the point's batch */
	bool max_seq_hbm_unbounded;
	uint64_t max_seq_l2;
	bool max_seq_l2_unbounded;
	uint64_t budget_bytes;     /* the cache's memory on a GPU of the
	                            * stage that binds */
} kvp_point_fit;

/* The plan's figures at a point. */
typedef struct kvp_point {
	uint64_t seq;
	uint64_t batch;
	uint64_t cache_total_bytes; /* kvp_plan's: across every GPU */
	uint64_t kv_bytes_per_gpu;  /* kvp_plan's: the largest GPU's share */
} kvp_point;

/* A planner of request for model over n_devices devices (1 to 64), each
 * copied (model finalized on its copy); request->draft is borrowed and
 * must outlive the planner.  request's seq and batch are not used (each
 * point gives its own).  KVP_ERR_INVALID for a missing argument or a
 * device kvp_device_check refuses; KVP_ERR_NOMEM. */
KVP_API kvp_status kvp_planner_new(const kvp_model *model, const kvp_request *request,
                                   const kvp_device *devices, size_t n_devices,
                                   kvp_planner **out, kvp_error *err);
/* The request at seq and batch: the plan's figures in *point, and in
 * fits[d] (n_devices entries) each device's.  The errors kvp_plan_compute
 * gives for that seq and batch (KVP_ERR_OVERFLOW among them: a cache past
 * 64 bits), and those kvp_plan_fit gives but overflow, which fits[d]
 * reports device by device. */
KVP_API kvp_status kvp_planner_point(kvp_planner *planner, uint64_t seq, uint64_t batch,
                                     kvp_point *point, kvp_point_fit *fits,
                                     kvp_error *err);
/* Whether the planner answers points from the cost function (true), or
 * plans each whole. */
KVP_API bool kvp_planner_fast(const kvp_planner *planner);
/* Frees *planner and sets it NULL; NULL or *NULL does nothing. */
KVP_API void kvp_planner_free(kvp_planner **planner);

/* ---- the catalogue ---------------------------------------------------- */

/* Model and device profiles read from YAML files DIR/models/NAME.yaml and
 * DIR/gpus/NAME.yaml over a list of directories; the first directory that
 * has a name wins.  Independent catalogues can live side by side. */
typedef struct kvp_catalog kvp_catalog;

/* Opens a catalogue over dirs[0..n_dirs-1], searched in that order.  The
 * directories are only recorded here; files are read on lookup. */
KVP_API kvp_status kvp_catalog_open(kvp_catalog **out, const char *const *dirs,
                                    size_t n_dirs, kvp_error *err);
/* Opens a catalogue over the default search path: user_dirs first, then the
 * colon-separated KVPLAN_DATA_PATH, then system_dir (NULL: the installed
 * data directory; "": none). */
KVP_API kvp_status kvp_catalog_open_default(kvp_catalog **out,
                                            const char *const *user_dirs,
                                            size_t n_user_dirs,
                                            const char *system_dir,
                                            kvp_error *err);
KVP_API void kvp_catalog_free(kvp_catalog **catalog);
/* The installed data directory compiled into the library. */
KVP_API const char *kvp_catalog_system_dir(void);
/* The directories searched, in order. */
KVP_API size_t kvp_catalog_dir_count(const kvp_catalog *catalog);
KVP_API const char *kvp_catalog_dir(const kvp_catalog *catalog, size_t index);
/* What the catalogue's work so far has had to pass over: a models or gpus
 * directory of the search path that cannot be read (EACCES) is skipped as
 * if empty, so that other directories still answer, and leaves a warning.
 * Each warning is one line like kvp_error_format's, "path: message" with
 * the path escaped ("DIR/models: Permission denied; skipped"), given once
 * however often it arises, in the order they arose.  The strings belong to
 * the catalogue and stay valid until it is freed; NULL past the count. */
KVP_API size_t kvp_catalog_warning_count(const kvp_catalog *catalog);
KVP_API const char *kvp_catalog_warning(const kvp_catalog *catalog,
                                        size_t index);

/* Looks a model up by name or alias.  An unknown name gives
 * KVP_ERR_NOT_FOUND with a message that suggests the closest names; one
 * that is not 1 to 63 ASCII letters, digits, '.', '-', '_' and '+',
 * starting with a letter or a digit, gives KVP_ERR_INVALID. */
KVP_API kvp_status kvp_catalog_model(kvp_catalog *catalog, const char *name,
                                     kvp_model *out, kvp_error *err);
KVP_API kvp_status kvp_catalog_device(kvp_catalog *catalog, const char *name,
                                      kvp_device *out, kvp_error *err);
/* Every model (device) in the catalogue, sorted by name; the array belongs to
 * the catalogue.  Any malformed file is an error. */
KVP_API kvp_status kvp_catalog_models(kvp_catalog *catalog,
                                      const kvp_model **models, size_t *count,
                                      kvp_error *err);
KVP_API kvp_status kvp_catalog_devices(kvp_catalog *catalog,
                                       const kvp_device **devices,
                                       size_t *count, kvp_error *err);

/* Reads one profile file (no search path).  Errors carry path:line:column. */
KVP_API kvp_status kvp_model_load_file(const char *path, kvp_model *out,
                                       kvp_error *err);
KVP_API kvp_status kvp_device_load_file(const char *path, kvp_device *out,
                                        kvp_error *err);

#ifdef __cplusplus
}
#endif

#endif /* KVPLAN_FIT_H */
