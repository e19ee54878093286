/*
 * kvplan_ref.h — libkvplan's reference KV cache and attention, which
 * prove the predictions on the host's CPU, and on a CUDA GPU where
 * built.
 * A part of kvplan.h, which includes it: include <kvplan.h>. The
 * ownership rules at the top of kvplan.h hold here too.
 */
/* kvplan.h first: its core, then every part in order. */
#include "kvplan.h"

#ifndef KVPLAN_REF_PART_H
#define KVPLAN_REF_PART_H

#ifdef __cplusplus
extern "C" {
#endif

/* ---- reference KV cache and validation -------------------------------- */

/* The host CPU as a device: name "host", hbm_bytes = MemTotal from
 * /proc/meminfo, l2_bytes = cpu0's level-2 data or unified cache (what one
 * core can use), llc_bytes = cpu0's highest-level cache when it is beyond L2
 * (from /sys/devices/system/cpu/cpu0/cache), bandwidth and TFLOPS 0
 * (unknown).  available_bytes, when non-NULL, receives what can be
 * allocated now without swapping: MemAvailable, or less when the process's
 * memory cgroup leaves less, since the kernel kills past its limit.  The
 * cgroup is found in /proc/self/cgroup; the headroom of it and of each of
 * its ancestors is limit - usage (v2: memory.max - memory.current under
 * /sys/fs/cgroup, "max" being no limit; v1: memory.limit_in_bytes -
 * memory.usage_in_bytes under /sys/fs/cgroup/memory), and the least of them
 * counts.  No cgroup, or a level whose files are missing or malformed, adds
 * no limit.  hbm_bytes stays MemTotal.  Where sysfs has no cpu0 cache
 * directory (some virtual machines), l2_bytes is what the C library says
 * (glibc: cpuid) and llc_bytes 0.  KVP_ERR_UNSUPPORTED when /proc or sysfs
 * and the C library do not say. */
KVP_API kvp_status kvp_device_host(kvp_device *out, uint64_t *available_bytes,
                                   kvp_error *err);

/* How a KV cache is laid out in memory. */
typedef enum kvp_layout {
	/* One K and one V array preallocated for max_seq tokens, as llama
	 * does: (layer, batch, max_seq, kv_heads, head_dim). */
	KVP_LAYOUT_CONTIGUOUS,
	/* vLLM style: fixed-size blocks of block_size tokens, one page per
	 * block and layer holding its K then its V, allocated as a sequence
	 * grows and found through a block table per sequence. */
	KVP_LAYOUT_PAGED
} kvp_layout;

#define KVP_LAYOUT_COUNT 2
#define KVP_BLOCK_SIZE_DEFAULT 16

KVP_API const char *kvp_layout_name(kvp_layout layout);
/* "contiguous" or "paged", case-insensitively. */
KVP_API kvp_status kvp_layout_from_name(const char *name, kvp_layout *out,
                                        kvp_error *err);

/* Bytes a cache of this layout allocates for seq tokens in each of batch
 * sequences, stored as dtype.  With row_bytes = the dtype's bytes for one
 * token's K in one layer (kv_heads * head_dim values):
 *  contiguous: kvp_kv_size_compute's total_bytes
 *              = 2 * layers * seq * batch * row_bytes;
 *  paged:      batch * ceil(seq / block_size) blocks per layer, each a page
 *              of 2 * block_size * row_bytes, so
 *              batch * ceil(seq / block_size) * layers * 2 * block_size
 *              * row_bytes (the last block of a sequence is whole).
 * block_size is ignored for the contiguous layout. */
KVP_API kvp_status kvp_layout_predict(const kvp_model *model, kvp_dtype dtype,
                                      kvp_layout layout, uint64_t seq,
                                      uint64_t batch, uint32_t block_size,
                                      uint64_t *bytes, kvp_error *err);

/* What the reference implementation's counting allocator counts, apart. */
typedef enum kvp_mem_category {
	KVP_MEM_CACHE,   /* K and V storage: what the size model predicts */
	KVP_MEM_WEIGHTS, /* wq, wk, wv, wo of the reference layers */
	KVP_MEM_SCRATCH, /* activations, scores, inputs and outputs */
	KVP_MEM_META     /* bookkeeping: block tables, page and layer lists */
} kvp_mem_category;

#define KVP_MEM_CATEGORY_COUNT 4

KVP_API const char *kvp_mem_category_name(kvp_mem_category category);

/* Progress of a long run: phase is "cache" (done/total in bytes touched),
 * "decode" (tokens run through the reference layers) or "recompute"
 * (sequences recomputed without the cache).  Called with done == 0 when a
 * phase starts and done == total when it ends. */
typedef void (*kvp_progress_fn)(void *ctx, const char *phase, uint64_t done,
                                uint64_t total);

/* How kvp_validate_run runs; kvp_validate_options_init sets the defaults,
 * and a zero in a size field also means its default.  The reference run
 * uses the model's heads, kv_heads, head_dim and RoPE theta (so its cache
 * rows are the model's) on a reduced depth, length, batch and width. */
typedef struct kvp_validate_options {
	kvp_layout layout;        /* default contiguous */
	uint32_t block_size;      /* paged: tokens per block; default 16 */
	uint32_t ref_layers;      /* reference depth; default 2, at most layers */
	uint64_t ref_positions;   /* reference tokens per sequence (its max_seq);
	                           * default 256, at most seq */
	uint64_t ref_prompt;      /* of those, prefilled in one pass; the rest
	                           * are decoded one by one; default half, at
	                           * least 1, at most ref_positions */
	uint64_t ref_batch;       /* reference sequences; default min(batch, 2) */
	uint32_t ref_hidden;      /* residual width of the reference layers: it
	                           * sizes the projections, not the cache;
	                           * default min(hidden or heads*head_dim, 512) */
	uint64_t seed;            /* weights and inputs; default 1 */
	uint64_t available_bytes; /* memory the run may use; default what
	                           * kvp_device_host says is available:
	                           * MemAvailable, or the memory cgroup's
	                           * headroom when that is less */
	kvp_progress_fn progress; /* NULL: no progress reports */
	void *progress_ctx;       /* passed to progress */
} kvp_validate_options;

KVP_API void kvp_validate_options_init(kvp_validate_options *options);

/* What a validation run would need, worked out before allocating. */
typedef struct kvp_validate_plan {
	uint64_t cache_bytes;     /* the full cache: kvp_layout_predict */
	uint64_t reference_bytes; /* weights, cache and buffers of the
	                           * reference run */
	uint64_t needed_bytes;    /* the larger: the two never coexist */
	uint64_t available_bytes; /* options->available_bytes, or the host's
	                           * as kvp_device_host gives it */
	bool fits;                /* needed_bytes <= available_bytes */
} kvp_validate_plan;

/* Plans a validation of model (seq tokens, batch sequences, cache type
 * dtype).  options may be NULL for the defaults.  Fills out and returns
 * KVP_ERR_NO_FIT, with a message giving both sizes, when it does not fit;
 * KVP_ERR_UNSUPPORTED for a dtype other than fp32, fp16 and bf16. */
KVP_API kvp_status kvp_validate_plan_compute(const kvp_model *model,
                                             kvp_dtype dtype, uint64_t seq,
                                             uint64_t batch,
                                             const kvp_validate_options *options,
                                             kvp_validate_plan *out,
                                             kvp_error *err);

typedef struct kvp_validate_result {
	kvp_layout layout;
	kvp_dtype dtype;
	uint32_t block_size;        /* paged; 0 for contiguous */
	/* The full cache: all layers, the whole batch, seq tokens. */
	uint64_t predicted_bytes;   /* kvp_layout_predict */
	uint64_t measured_bytes;    /* counted by the allocator, cache category */
	uint64_t resident_bytes;    /* growth of the process's resident memory
	                             * (/proc/self/statm) while every page of
	                             * the cache was touched; 0 when unknown */
	bool resident_known;
	/* The reference run (prefill + decode on a reduced depth). */
	uint32_t ref_layers;
	uint64_t ref_positions;
	uint64_t ref_prompt;
	uint64_t ref_batch;
	uint32_t ref_hidden;
	uint64_t ref_predicted_bytes; /* its cache, as kvp_layout_predict */
	uint64_t ref_measured_bytes;  /* its cache, as counted */
	double max_abs_error;       /* largest |cached decode - recomputation|
	                             * over every output of every position */
	double tolerance;           /* the bound max_abs_error must meet */
	bool overrun_refused;       /* decoding past max_seq was an error */
	/* Largest bytes live at once, per kvp_mem_category, over the run. */
	uint64_t peak_bytes[KVP_MEM_CATEGORY_COUNT];
	uint64_t allocations;       /* allocations made */
	bool passed;                /* measured == predicted for both caches,
	                             * max_abs_error <= tolerance and the
	                             * overrun refused */
	/* Under a policy (kvp_validate_policy_run): */
	kvp_policy_kind policy;     /* full for kvp_validate_run */
	bool attention_run;         /* the reference ran the policy's cache
	                             * (streaming, h2o); else only the planned
	                             * per-layer cache was allocated */
	bool pos_shift;             /* streaming: StreamingLLM's pos-shift */
} kvp_validate_result;

/* Allocates the real cache for this shape through the counting allocator,
 * touches every page, and compares the bytes with the prediction; then runs
 * prefill + decode through the reference layers with the same layout and
 * dtype and compares every output with a recomputation that uses no cache.
 * The plan is checked first: a run that does not fit allocates nothing and
 * returns KVP_ERR_NO_FIT.  A run that completes returns KVP_OK whether or
 * not it passed; result->passed says which.  Supported dtypes: fp32, fp16,
 * bf16 (others: KVP_ERR_UNSUPPORTED).  options may be NULL. */
KVP_API kvp_status kvp_validate_run(const kvp_model *model, kvp_dtype dtype,
                                    uint64_t seq, uint64_t batch,
                                    const kvp_validate_options *options,
                                    kvp_validate_result *result,
                                    kvp_error *err);

/* Validates request's policy on model (exact engine, one GPU): the
 * planned cache's bytes (cache_total_bytes) against what is allocated.
 * StreamingLLM and H2O run the reference's own caches (the model's layers
 * all full attention; pos_shift picks StreamingLLM's position mode): each
 * layer's cache allocated once for the kept tokens, then a reduced stack
 * decoding through the same kind of cache, checked against the full cache
 * while the sequence fits, for fixed bytes, no allocation while decoding
 * and the tokens kept.  Other policies allocate each layer's planned cache
 * through the counting allocator and compare the bytes only
 * (attention_run false).  The allocation is counted, not touched. */
KVP_API kvp_status kvp_validate_policy_run(const kvp_model *model,
                                           const kvp_request *request,
                                           bool pos_shift,
                                           kvp_validate_result *out,
                                           kvp_error *err);

/* ---- CUDA GPUs (configure --with-cuda) -------------------------------- */

/* Whether this libkvplan was built with CUDA.  Without it, every function
 * below returns KVP_ERR_UNSUPPORTED and says so.  With it, nothing of CUDA
 * is linked in: the first call opens the NVIDIA driver (libcuda.so.1) and
 * its API, so the library runs where the driver is without the toolkit. */
KVP_API bool kvp_cuda_built(void);

/* GPU `index` (CUDA's numbering, after CUDA_VISIBLE_DEVICES) as a device,
 * read through the driver's API, as cudaGetDeviceProperties reports it:
 * name "cuda:N"; description the GPU's own name and number, "NVIDIA H200
 * (CUDA GPU 0)"; hbm_bytes and cuda_bytes its totalGlobalMem; l2_bytes its
 * l2CacheSize; bandwidth_gbs 2 x the memory clock x the bus width / 8
 * (double data rate), in 10^9 bytes a second; arch "sm_" and the compute
 * capability; fp16_tflops 0 (CUDA does not say).  free_bytes, when
 * non-NULL, receives the free memory now (cuMemGetInfo, as
 * cudaMemGetInfo).  Makes the GPU's primary context, the CUDA runtime's,
 * current on this thread.  KVP_ERR_UNSUPPORTED without CUDA, a driver or
 * a GPU; KVP_ERR_NOT_FOUND for an index past the GPUs there are. */
KVP_API kvp_status kvp_device_cuda(int index, kvp_device *out,
                                   uint64_t *free_bytes, kvp_error *err);

/* A cache allocated on a GPU with cuMemAlloc (what cudaMalloc calls), as
 * kvp_validate_run allocates the reference's on the host: contiguous, one
 * K and one V array; paged, one page a block and layer of 2 x block_size
 * rows. */
typedef struct kvp_cuda_validation {
	int device;
	kvp_layout layout;
	uint32_t block_size;        /* paged; 0 for contiguous */
	uint64_t predicted_bytes;   /* kvp_layout_predict */
	uint64_t requested_bytes;   /* the sizes asked of the driver, summed */
	uint64_t allocations;       /* allocations for the cache */
	uint64_t free_drop_bytes;   /* the free memory before
	                             * the cache less after it */
	uint64_t granule_bytes;     /* the driver's allocation granule, as
	                             * measured: the fall in free memory for
	                             * one byte past a whole number of them */
	uint64_t rounded_bytes;     /* what the granule explains: the
	                             * allocations of more than half a
	                             * granule each rounded up to it, the
	                             * others packed into granules together
	                             * (as the driver was measured to) */
	/* The decode kernel (lib/cuda/decode.cu) against the host. */
	uint64_t kernel_tokens;     /* context of the check */
	uint32_t kernel_seqs;       /* sequences of the check */
	double max_abs_error;       /* largest |GPU - host| of any output */
	double tolerance;           /* 2^-10 (fp16's epsilon) x max |V|:
	                             * every output is a convex combination
	                             * of V's values */
	bool kernel_run;            /* false for a head_dim the kernel lacks
	                             * (64, 128 and 256 it has), or a GPU the
	                             * build has no code for (sm_75 and later
	                             * by default) */
	bool passed;                /* requested == predicted, free_drop ==
	                             * rounded, and the kernel within its
	                             * tolerance where it ran */
} kvp_cuda_validation;

/* Allocates model's cache (seq tokens, batch sequences, fp16 or bf16 or
 * fp32 storage, layout and block_size as kvp_validate_options give them)
 * on GPU `device`, compares what was asked and what free memory lost with
 * the prediction, frees it, then runs the decode kernel on one layer of
 * the model's heads at min(seq, 4096) tokens and compares it with the
 * host.  KVP_OK whether or not it passed; KVP_ERR_NO_FIT, allocating
 * nothing for the cache (the granule's measure, 128 MiB, is freed), when
 * the cache as the driver rounds it exceeds the GPU's free memory;
 * KVP_ERR_INVALID for seq or batch 0 or a bad layout; KVP_ERR_OVERFLOW;
 * KVP_ERR_NOMEM; KVP_ERR_UNSUPPORTED for another cache type, a model the
 * reference does not run, a free memory that moves while the granule is
 * measured, and the errors of kvp_device_cuda. */
KVP_API kvp_status kvp_cuda_validate_run(const kvp_model *model, kvp_dtype dtype,
                                         uint64_t seq, uint64_t batch,
                                         kvp_layout layout, uint32_t block_size,
                                         int device, kvp_cuda_validation *out,
                                         kvp_error *err);

/* The edge of the device memory, allocated: a stand-in for the weights
 * (one allocation of the fit's weight bytes, params at the options'
 * weights type), then the longest context that kvp_fit_compute says fits
 * at batch 1 (contiguous, K and V) with those options, which must be
 * given; then that context and one block more (block_size tokens, vLLM's
 * 16 by default), whose bytes must pass the budget. */
typedef struct kvp_cuda_boundary {
	bool from_free;             /* the budget is the free memory */
	double mem_util;            /* share of the device (or free) memory */
	uint64_t budget_bytes;      /* the fit's usable bytes less the
	                             * reserve: the room for weights and
	                             * cache; from free memory, usable is
	                             * floor((free less a granule for each of
	                             * the 3 allocations, the most the driver
	                             * rounds them up) x mem_util) */
	uint64_t weights_bytes;     /* the fit's weights */
	uint64_t max_tokens;        /* the fit's max_seq_hbm */
	uint64_t max_bytes;         /* weights + cache of max_tokens */
	bool max_allocated;         /* the driver gave all three */
	uint32_t block_size;
	uint64_t over_tokens;       /* max_tokens + block_size */
	uint64_t over_bytes;        /* weights + cache of over_tokens */
	bool over_exceeds;          /* over_bytes > budget_bytes */
	bool over_allocated;        /* the driver gave it anyway: it fits the
	                             * device, only not the budget */
	uint64_t free_bytes;        /* the free memory before */
	bool passed;                /* max_allocated and over_exceeds, and
	                             * from free memory over not allocated */
} kvp_cuda_boundary;

/* Runs that boundary for model's cache stored as dtype on GPU `device`,
 * with options' weights type, mem_util and reserve (NULL: the defaults).
 * from_free false: the device is the GPU as kvp_device_cuda reads it, as
 * `kvplan --gpu cuda` plans the exact engine; true: its free memory now,
 * all of it (options' mem_util and reserve not taken).
 * block_size 0 is 16.  KVP_ERR_NO_FIT when not one token fits, or every
 * context does; KVP_ERR_INVALID for a mem_util outside (0, 1]; the errors
 * of kvp_device_cuda; KVP_ERR_UNSUPPORTED when the free memory moves
 * while the granule is measured (another process on the GPU). */
KVP_API kvp_status kvp_cuda_boundary_run(const kvp_model *model, kvp_dtype dtype,
                                         int device,
                                         const kvp_fit_options *options,
                                         bool from_free, uint32_t block_size,
                                         kvp_cuda_boundary *out,
                                         kvp_error *err);

#ifdef __cplusplus
}
#endif

#endif /* KVPLAN_REF_PART_H */
