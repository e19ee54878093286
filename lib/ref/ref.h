/*
 * ref.h — the reference attention + KV cache inside libkvplan, never
 * installed: counting allocator, fp16/bf16 storage, cache layouts, attention
 * layers and the stack of them that validation and the benchmarks drive.
 */
#ifndef KVPLAN_REF_H
#define KVPLAN_REF_H

#include "internal.h"

/* ---- counting allocator (alloc.c) -------------------------------------- */

/* Counts every byte the reference implementation allocates, per category.
 * An explicit object: independent runs keep independent counts. */
typedef struct kvp__counter {
	uint64_t current_bytes[KVP_MEM_CATEGORY_COUNT];
	uint64_t peak_bytes[KVP_MEM_CATEGORY_COUNT];
	uint64_t allocations; /* attempted so far, failed ones included */
	uint64_t fail_at;     /* allocation number (1-based) made to fail; 0 never */
} kvp__counter;

void kvp__counter_init(kvp__counter *counter);
/* count * size zeroed bytes counted under category, or NULL (err filled)
 * when the product overflows, malloc fails or fail_at says so.  Freed only
 * with kvp__counter_free. */
void *kvp__counter_alloc(kvp__counter *counter, kvp_mem_category category,
                         uint64_t count, uint64_t size, kvp_error *err);
/* ptr from kvp__counter_alloc on this counter, or NULL. */
void kvp__counter_free(kvp__counter *counter, void *ptr);

/* ---- element storage (half.c) ------------------------------------------ */

/* IEEE binary16 and bfloat16, rounded to nearest even; NaN stays NaN. */
uint16_t kvp__fp16_from_float(float value);
float kvp__fp16_to_float(uint16_t bits);
uint16_t kvp__bf16_from_float(float value);
float kvp__bf16_to_float(uint16_t bits);

/* 1 for the types the reference cache stores (fp32, fp16, bf16), else 0. */
int kvp__storage_supported(kvp_dtype dtype);
/* Encodes n floats as dtype into dst / decodes them back (fp32: a copy). */
void kvp__storage_encode(kvp_dtype dtype, void *dst, const float *src,
                         uint64_t n);
void kvp__storage_decode(kvp_dtype dtype, float *dst, const void *src,
                         uint64_t n);
/* value after a round trip through dtype. */
float kvp__storage_round(kvp_dtype dtype, float value);
/* 1 when the CPU and the OS let the decoders use F16C (fp16) or AVX2
 * (bf16): x86-64 only, detected once; elsewhere 0. */
int kvp__cpu_has_f16c(void);
int kvp__cpu_has_avx2(void);
/* 1 when the CPU has FMA3 (and the OS saves YMM registers). */
int kvp__cpu_has_fma(void);
/* 1 when the CPU has AVX512F besides the three above, and the OS saves
 * the ZMM and opmask registers. */
int kvp__cpu_has_avx512(void);
/* The decoders and the attention kernels use the CPU's vector
 * instructions up to level from now on, whatever the CPU has beyond:
 * portable code, AVX2 (with FMA and F16C), or the best there is.  For
 * tests and benchmarks that compare the builds. */
enum { KVP__SIMD_PORTABLE, KVP__SIMD_AVX2, KVP__SIMD_AVX512,
       KVP__SIMD_BEST = KVP__SIMD_AVX512 };
void kvp__simd_limit(int level);
/* kvp__simd_limit(portable ? KVP__SIMD_PORTABLE : KVP__SIMD_BEST). */
void kvp__simd_portable(int portable);

/* Asks the kernel to back the whole 2 MiB pages within [p, p + bytes)
 * with huge pages when they are first touched (Linux's transparent huge
 * pages, where they are "madvise" only; elsewhere nothing); pages
 * already touched (a block calloc took from its heap rather than mapping
 * it afresh, as glibc may for blocks up to 32 MiB once larger ones were
 * freed) stay as they are.  A hint, so its failure changes nothing.
 * Pages of 4 KiB read slower from DRAM, and unevenly, on the bench's
 * guest (README, "Decode cost per token").  The counting allocator's
 * blocks of 2 MiB or more ask it (alloc.c), and the benchmarks'
 * yardstick. */
void kvp__huge_pages(void *p, uint64_t bytes);

/* ---- attention kernels (attn_kernels.c) -------------------------------- */

/* att[r * att_stride + h] = scale x q_h . k_r for the query heads q
 * (heads, head_dim) and the n_rows key rows k_r, stored as dtype (fp32,
 * fp16, bf16) k_stride bytes apart, each kv_heads x head_dim values; query
 * head h reads kv head h / (heads / kv_heads).  buf holds kv_heads x
 * head_dim floats (the portable path's decoded row). */
void kvp__attn_scores(const float *q, uint32_t heads, uint32_t kv_heads,
                      uint32_t head_dim, float scale, const void *k,
                      kvp_dtype dtype, uint64_t k_stride, uint64_t n_rows,
                      float *att, uint64_t att_stride, float *buf);
/* o (heads, head_dim) += att[r * att_stride + h] x v_r over the n_rows
 * value rows v_r in order, laid out as the keys are. */
void kvp__attn_values(float *o, uint32_t heads, uint32_t kv_heads,
                      uint32_t head_dim, const float *att, uint64_t att_stride,
                      const void *v, kvp_dtype dtype, uint64_t v_stride,
                      uint64_t n_rows, float *buf);
/* The same, told where the rows that follow lie (next_rows of them from
 * v_next, v_stride apart, as a paged cache's next block; NULL, 0: none),
 * so that the vector builds fetch them ahead as they fetch a run's own
 * next block: the same sums, so the same bits. */
void kvp__attn_values_next(float *o, uint32_t heads, uint32_t kv_heads,
                           uint32_t head_dim, const float *att, uint64_t att_stride,
                           const void *v, kvp_dtype dtype, uint64_t v_stride,
                           uint64_t n_rows, const void *v_next, uint64_t next_rows,
                           float *buf);
/* In place, the softmax of each of the n_cols columns of x (n, n_cols);
 * max and sum (n_cols each) get each column's largest score and its sum
 * of exponentials. */
void kvp__softmax_columns(float *x, uint64_t n, uint32_t n_cols, float *max,
                          float *sum);
/* The dot product of n floats, on the CPU's path (the projections' and
 * RMS norm's, attention.c). */
float kvp__dot(const float *a, const float *b, uint64_t n);
/* The build kvp__dot takes now, for a caller of many dot products (the
 * projections' rows) to ask once. */
typedef float (*kvp__dot_fn)(const float *a, const float *b, uint64_t n);
kvp__dot_fn kvp__dot_build(void);
/* e^x for x <= 0 as the softmax computes it (0 below -87.33). */
float kvp__exp_nonpositive(float x);

/* ---- KV cache (kvcache.c) ----------------------------------------------- */

typedef struct kvp__kvcache_shape {
	uint32_t layers;
	uint32_t kv_heads;
	uint32_t head_dim;
	uint64_t batch;      /* sequences */
	uint64_t max_seq;    /* tokens each sequence can hold */
	kvp_dtype dtype;     /* storage: fp32, fp16 or bf16 */
	kvp_layout layout;
	uint32_t block_size; /* paged: tokens per block */
} kvp__kvcache_shape;

typedef struct kvp__kvcache {
	kvp__kvcache_shape shape;
	kvp__counter *counter;
	uint64_t row_values;   /* kv_heads * head_dim: one token's K in one layer */
	uint64_t row_bytes;    /* row_values stored as dtype */
	uint64_t *length;      /* (batch) positions each sequence has room for */
	/* contiguous */
	uint64_t array_bytes;       /* contiguous: bytes of key_cache (and of
	                             * value_cache) */
	unsigned char *key_cache;   /* (layer, batch, max_seq, kv_heads, head_dim) */
	unsigned char *value_cache; /* (layer, batch, max_seq, kv_heads, head_dim) */
	/* paged */
	uint64_t blocks_per_seq;    /* ceil(max_seq / block_size) */
	uint64_t page_bytes;        /* 2 * block_size * row_bytes */
	uint64_t *block_table;      /* (batch, blocks_per_seq) physical block ids */
	unsigned char **pages;      /* (batch * blocks_per_seq, layers, 2): a
	                             * block's K rows (block_size, kv_heads,
	                             * head_dim) in a layer, and its V rows */
	uint64_t *chunk_end;        /* (batch * blocks_per_seq) one past the last
	                             * block of the allocation a block came in */
	uint64_t blocks_used;       /* physical blocks handed out so far */
} kvp__kvcache;

/* An empty cache: contiguous allocates all of its storage here, paged only
 * its tables.  On failure nothing stays allocated. */
kvp_status kvp__kvcache_init(kvp__kvcache *cache, kvp__counter *counter,
                             const kvp__kvcache_shape *shape, kvp_error *err);
void kvp__kvcache_destroy(kvp__kvcache *cache);
/* Room for positions [0, length) of sequence seq: paged allocates the blocks
 * it lacks, in every layer, as one allocation (see kvcache.c).  length >
 * max_seq is KVP_ERR_RANGE. */
kvp_status kvp__kvcache_reserve(kvp__kvcache *cache, uint64_t seq,
                                uint64_t length, kvp_error *err);
/* Stores one token's K and V rows (kv_heads * head_dim floats each) at pos,
 * converted to the storage type.  pos must be reserved (KVP_ERR_RANGE). */
kvp_status kvp__kvcache_write(kvp__kvcache *cache, uint32_t layer,
                              uint64_t seq, uint64_t pos, const float *key,
                              const float *value, kvp_error *err);
/* Where token pos's stored K and V rows of one layer are; *run says how many
 * tokens from pos follow contiguously (to the end of the allocation pos's
 * block came in, or of the contiguous cache's sequence).  pos must be
 * reserved. */
void kvp__kvcache_rows(const kvp__kvcache *cache, uint32_t layer,
                       uint64_t seq, uint64_t pos, const void **key,
                       const void **value, uint64_t *run);
/* Writes one byte in every page of the storage, so the OS backs all of it;
 * progress (may be NULL) sees phase "cache" in bytes. */
void kvp__kvcache_touch(kvp__kvcache *cache, kvp_progress_fn progress,
                        void *ctx);

/* ---- attention layer (attention.c) -------------------------------------- */

typedef struct kvp__attn_shape {
	uint32_t dim;       /* residual width */
	uint32_t heads;     /* query heads */
	uint32_t kv_heads;  /* key/value heads; heads % kv_heads == 0 */
	uint32_t head_dim;  /* even: RoPE rotates pairs */
	double rope_theta;
} kvp__attn_shape;

/* A llama-style attention layer: pre-norm (RMS), q k v projections, RoPE,
 * causal softmax attention in fp32, output projection, residual. */
typedef struct kvp__attn_layer {
	kvp__attn_shape shape;
	uint32_t index; /* its layer in the cache */
	float *wq;      /* (heads * head_dim, dim), in panels (kvp__panel_index) */
	float *wk;      /* (kv_heads * head_dim, dim), in panels */
	float *wv;      /* (kv_heads * head_dim, dim), in panels */
	float *wo;      /* (dim, heads * head_dim), in panels */
} kvp__attn_layer;

/* Buffers of the cached path, for up to max_tokens tokens per call. */
typedef struct kvp__attn_scratch {
	uint64_t max_tokens;
	uint64_t max_seq;
	float *xn;  /* (max_tokens, dim) normalised input */
	float *q;   /* (max_tokens, heads * head_dim) */
	float *k;   /* (max_tokens, kv_heads * head_dim) */
	float *v;   /* (max_tokens, kv_heads * head_dim) */
	float *o;   /* (max_tokens, heads * head_dim) attention output */
	float *y;   /* (max_tokens, dim) output projection */
	float *att; /* (max_seq + 2, heads) scores by position, then
	             * probabilities; the last two rows the softmax's max, sum */
	float *row; /* (kv_heads * head_dim) a stored row as fp32: the
	             * portable kernels decode a row at a time into it */
} kvp__attn_scratch;

/* Checks that a layer of this shape can be built: sizes non-zero, head_dim
 * even, heads divisible by kv_heads. */
kvp_status kvp__attn_shape_check(const kvp__attn_shape *shape, kvp_error *err);
/* Weights uniform in +-sqrt(3 / fan_in) from seed (so projections keep unit
 * variance), counted as weights. */
kvp_status kvp__attn_layer_init(kvp__attn_layer *layer, kvp__counter *counter,
                                const kvp__attn_shape *shape, uint32_t index,
                                uint64_t seed, kvp_error *err);
void kvp__attn_layer_destroy(kvp__attn_layer *layer, kvp__counter *counter);
/* Bytes of one layer's weights. */
kvp_status kvp__attn_weight_bytes(const kvp__attn_shape *shape,
                                  uint64_t *bytes, kvp_error *err);
kvp_status kvp__attn_scratch_init(kvp__attn_scratch *scratch,
                                  kvp__counter *counter,
                                  const kvp__attn_shape *shape,
                                  uint64_t max_tokens, uint64_t max_seq,
                                  kvp_error *err);
void kvp__attn_scratch_destroy(kvp__attn_scratch *scratch,
                               kvp__counter *counter);
kvp_status kvp__attn_scratch_bytes(const kvp__attn_shape *shape,
                                   uint64_t max_tokens, uint64_t max_seq,
                                   uint64_t *bytes, kvp_error *err);

/* The cached path: n tokens x (n, dim) at positions start_pos.. of sequence
 * seq.  Computes only their q, k, v, writes their K and V into the cache and
 * attends each over positions 0..its own.  out (n, dim) may be x. */
kvp_status kvp__attn_forward(const kvp__attn_layer *layer,
                             kvp__kvcache *cache, kvp__attn_scratch *scratch,
                             uint64_t seq, uint64_t start_pos, uint64_t n,
                             const float *x, float *out, kvp_error *err);
/* One query's attention over positions [0, len) of the cache:
 * q (heads, head_dim) -> o (heads, head_dim); att (len + 2, heads) and
 * rows (kv_heads * head_dim) are scratch. */
void kvp__attn_over_cache(const kvp__attn_shape *shape,
                          const kvp__kvcache *cache, uint32_t layer,
                          uint64_t seq, uint64_t len, const float *q,
                          float *att, float *rows, float *o);
/* kvp__attn_over_cache with the scores taken from keys (len, kv_heads *
 * head_dim) as floats instead of the cache's K: a cache whose keys are
 * rotated again at every step (pos-shift) hands them in; V still comes from
 * the cache. */
void kvp__attn_over_keys(const kvp__attn_shape *shape, const float *keys,
                         const kvp__kvcache *cache, uint32_t layer,
                         uint64_t seq, uint64_t len, const float *q,
                         float *att, float *rows, float *o);
/* The two ends of kvp__attn_forward, for caches that place tokens their
 * own way: RMS norm and the q, k, v projections of x (n, dim) into
 * scratch's q, k, v (not rotated); then the output projection of scratch's
 * o and the residual into out (n, dim), which may be x. */
void kvp__attn_project(const kvp__attn_layer *layer, kvp__attn_scratch *scratch,
                       uint64_t n, const float *x);
void kvp__attn_output(const kvp__attn_layer *layer, kvp__attn_scratch *scratch,
                      uint64_t n, const float *x, float *out);
/* Without a cache: x (n, dim) are positions 0..n-1; K and V of all of them
 * are computed again (and rounded through storage, as a cache of that type
 * would), and rows [first, n) of out (n, dim) are written.  out may be x. */
kvp_status kvp__attn_forward_nocache(const kvp__attn_layer *layer,
                                     kvp__counter *counter, kvp_dtype storage,
                                     uint64_t n, uint64_t first,
                                     const float *x, float *out,
                                     kvp_error *err);

/* Rotates pairs (2i, 2i+1) of each of n_heads vectors (n_heads, head_dim)
 * by pos * theta^(-2i / head_dim). */
void kvp__rope(float *vec, uint32_t n_heads, uint32_t head_dim, uint64_t pos,
               double theta);
/* A projection's weights (rows, cols) are stored in panels of KVP__PANEL
 * columns: panel p holds columns [p * KVP__PANEL, (p + 1) * KVP__PANEL) of
 * every row, row after row, and the last panel the columns left.  A decode
 * step then reads each panel as one ascending stream while its slice of the
 * input (8 KiB) stays in L1; with whole rows of 4,096 floats, 16 KiB of
 * input and 16 KiB of weights between two reads of the same input line
 * filled a 32 KiB L1, and the projections read 0.75 to 0.85 of the host's
 * streaming read instead of all of it (README, decode cost per token). */
#define KVP__PANEL 2048u

/* The columns of the panel whose first column is first. */
static inline uint64_t kvp__panel_width(uint64_t cols, uint64_t first)
{
	return cols - first < KVP__PANEL ? cols - first : KVP__PANEL;
}

/* Where element (r, c) of a (rows, cols) matrix stored in panels is. */
static inline uint64_t kvp__panel_index(uint64_t rows, uint64_t cols,
                                        uint64_t r, uint64_t c)
{
	uint64_t first = c / KVP__PANEL * KVP__PANEL;

	return first * rows + r * kvp__panel_width(cols, first) + (c - first);
}

/* y (n, rows) = x (n, cols) times w (rows, cols, in panels) transposed:
 * each element the dot products of its panels (kvp__dot), added in panel
 * order.  Each element is the same sum whatever n is, so a token's
 * projection does not depend on how many tokens share the call. */
void kvp__matmul(float *y, const float *x, const float *w, uint64_t n,
                 uint64_t cols, uint64_t rows);

/* ---- the stack of layers (stack.c) ---------------------------------------- */

/* Layers that share nothing but the cache, and the buffers of a forward. */
typedef struct kvp__stack {
	kvp__attn_shape shape;
	uint32_t n_layers;
	kvp__counter *counter;
	kvp__attn_layer *layers;   /* (n_layers) */
	kvp__attn_scratch scratch;
} kvp__stack;

kvp_status kvp__stack_init(kvp__stack *stack, kvp__counter *counter,
                           const kvp__attn_shape *shape, uint32_t n_layers,
                           uint64_t max_tokens, uint64_t max_seq,
                           uint64_t seed, kvp_error *err);
void kvp__stack_destroy(kvp__stack *stack);
/* Bytes kvp__stack_init allocates (weights + scratch). */
kvp_status kvp__stack_bytes(const kvp__attn_shape *shape, uint32_t n_layers,
                            uint64_t max_tokens, uint64_t max_seq,
                            uint64_t *bytes, kvp_error *err);
/* Cached forward of n tokens of sequence seq from start_pos through every
 * layer: x (n, dim) -> out (n, dim); out may be x. */
kvp_status kvp__stack_forward(kvp__stack *stack, kvp__kvcache *cache,
                              uint64_t seq, uint64_t start_pos, uint64_t n,
                              const float *x, float *out, kvp_error *err);
/* Full recomputation of positions 0..n-1 through every layer without a
 * cache; rows [first, n) of out (n, dim) are written. */
kvp_status kvp__stack_forward_nocache(kvp__stack *stack, kvp_dtype storage,
                                      uint64_t n, uint64_t first,
                                      const float *x, float *out,
                                      kvp_error *err);

/* ---- caches that evict (policy_cache.c, streaming.c, h2o.c) ------------- */

/* StreamingLLM (mit-han-lab/streaming-llm, streaming_llm/kv_cache.py,
 * StartRecentKVCache) keeps `keep` attention-sink tokens and the `recent`
 * latest; H2O (FMInference/H2O, h2o_hf/utils_real_drop/modify_llama.py,
 * H2OKVCache_LayerWise) keeps `keep` heavy hitters and the `recent` latest. */
typedef enum kvp__policy_kind {
	KVP__POLICY_STREAMING,
	KVP__POLICY_H2O,
} kvp__policy_kind;

/* Where RoPE positions come from.  ROTATE: K is rotated at its absolute
 * position before it is stored (as H2O and most eviction code do).
 * SHIFT: StreamingLLM's enable_pos_shift (pos_shift/modify_llama.py): K is
 * stored unrotated and, at every step, the cached keys are rotated by their
 * index in the cache (0 .. n-1) and the query by its own (n-1). */
typedef enum kvp__pos_mode {
	KVP__POS_ROTATE,
	KVP__POS_SHIFT,
} kvp__pos_mode;

typedef struct kvp__policy {
	kvp__policy_kind kind;
	uint64_t keep;          /* streaming: sink tokens S; h2o: heavy hitters H */
	uint64_t recent;        /* R, at least 1: the latest tokens, this one included */
	kvp__pos_mode pos_mode; /* streaming only; H2O rotates then caches */
} kvp__policy;

/* A cache of fixed size keep + recent tokens per layer (and kv head), for
 * one sequence, decoded a token at a time.  The token being decoded takes
 * its slot before it attends, so attention sees at most keep + recent
 * tokens, the allocation the planner counts (the Python codes attend over
 * one more, the new token on top of a full cache, and trim after). */
typedef struct kvp__policy_cache {
	kvp__policy policy;
	uint32_t heads;        /* query heads (h2o's weights) */
	uint64_t capacity;     /* keep + recent: slots per layer and kv head */
	uint64_t tokens;       /* tokens decoded: the next token's position */
	uint64_t filled;       /* slots in use, alike in every layer and head */
	kvp__kvcache slots;    /* contiguous, batch 1, max_seq = capacity: the
	                        * only cache bytes; slot order, not position */
	uint64_t *position;    /* streaming: (capacity); h2o: (layers, kv_heads,
	                        * capacity): the absolute position a slot holds */
	float *score;          /* h2o: (layers, kv_heads, capacity) attention
	                        * accumulated over the steps, summed over the
	                        * kv head's query heads */
	float *weights;        /* h2o: (layers, capacity, heads) the last step's
	                        * softmax weights by slot */
	float *keys;           /* pos-shift: (capacity, kv_heads * head_dim) the
	                        * keys rotated by their index in the cache */
	uint64_t *rotation;    /* pos-shift: (capacity + 1) the index each slot's
	                        * key was rotated by at the last step, then the
	                        * query's */
} kvp__policy_cache;

/* Refuses a policy the caches cannot run (recent 0, an unknown kind or
 * mode, a size that overflows). */
kvp_status kvp__policy_check(const kvp__policy *policy, kvp_error *err);
/* Cache bytes of keep + recent tokens: layers x (keep + recent) x kv_heads
 * x 2 head_dim x the element's bytes, overflow-checked. */
kvp_status kvp__policy_cache_bytes(const kvp__policy *policy, uint32_t layers,
                                   uint32_t kv_heads, uint32_t head_dim,
                                   kvp_dtype dtype, uint64_t *bytes,
                                   kvp_error *err);
/* Allocates everything the cache will ever hold for layers of this shape;
 * decoding allocates nothing more.  On failure nothing stays allocated. */
kvp_status kvp__policy_cache_init(kvp__policy_cache *cache,
                                  kvp__counter *counter,
                                  const kvp__policy *policy,
                                  const kvp__attn_shape *shape, uint32_t layers,
                                  kvp_dtype dtype, kvp_error *err);
void kvp__policy_cache_destroy(kvp__policy_cache *cache);
/* Decodes the next token: x (dim) through every layer of stack into out
 * (dim), which may be x.  The stack's buffers must hold one token and
 * capacity positions. */
kvp_status kvp__policy_forward(kvp__stack *stack, kvp__policy_cache *cache,
                               const float *x, float *out, kvp_error *err);
/* Slots in use after the last step (the n attention saw). */
uint64_t kvp__policy_cache_len(const kvp__policy_cache *cache);
/* The absolute position slot holds in layer and kv head (streaming: the
 * same in all). */
uint64_t kvp__policy_cache_position(const kvp__policy_cache *cache,
                                    uint32_t layer, uint32_t kv_head,
                                    uint64_t slot);

/* One layer's step of each kind, for the token at position tokens, which
 * takes its slot first (streaming.c, h2o.c).  The stack's scratch holds
 * the layer's input projections on entry and the attention output o on
 * return. */
void kvp__streaming_attend(kvp__policy_cache *cache,
                           const kvp__attn_layer *layer,
                           kvp__attn_scratch *scratch, uint64_t slot);
uint64_t kvp__streaming_slot(const kvp__policy_cache *cache);
void kvp__h2o_attend(kvp__policy_cache *cache, const kvp__attn_layer *layer,
                     kvp__attn_scratch *scratch);

/* ---- random numbers -------------------------------------------------------- */

/* splitmix64: a fixed, portable sequence from any seed. */
static inline uint64_t kvp__rng_next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

/* Uniform in [-1, 1), from the top 24 bits so every value is exact. */
static inline float kvp__rng_float(uint64_t *state)
{
	return (float)(kvp__rng_next(state) >> 40) * 0x1p-23f - 1.0f;
}

/* Fills n floats uniform in [-scale, scale). */
static inline void kvp__rng_fill(uint64_t *state, float *dst, uint64_t n,
                                 float scale)
{
	for (uint64_t i = 0; i < n; i++)
		dst[i] = kvp__rng_float(state) * scale;
}

/* ---- validation (validate.c) ------------------------------------------ */

/* kvp_validate_plan_compute with the host's memory read over other roots
 * (used when options->available_bytes is 0). */
kvp_status kvp__validate_plan_at(const char *proc_root, const char *sys_root,
                                 const kvp_model *model, kvp_dtype dtype,
                                 uint64_t seq, uint64_t batch,
                                 const kvp_validate_options *options,
                                 kvp_validate_plan *out, kvp_error *err);

/* KVP_OK when the reference runs every layer of the (finalized) model:
 * full attention, V heads as wide as K heads, the same kv heads in every
 * layer; otherwise KVP_ERR_UNSUPPORTED saying which layers it does not. */
kvp_status kvp__ref_full_layers_only(const kvp_model *model, kvp_error *err);

/* ---- validation of the caches that evict (policy_run.c) ------------------- */

typedef struct kvp__policy_run {
	kvp__policy policy;        /* as run: keep + recent cut to seq */
	uint64_t predicted_bytes;  /* layers x min(seq, keep + recent) x kv_heads
	                            * x 2 head_dim x element bytes */
	uint64_t measured_bytes;   /* the peak cache bytes the model-shaped cache
	                            * allocated through the counting allocator */
	/* The run with attention, on ref_layers layers of the model's heads
	 * (hidden at most 512) and a window cut to half its tokens, so that it
	 * evicts: */
	kvp__policy ref_policy;
	uint32_t ref_layers;
	uint64_t ref_tokens;          /* decoded one at a time */
	uint64_t ref_predicted_bytes; /* the hand formula for the run's cache */
	int ref_bytes_fixed;          /* its cache bytes were that at every step */
	int ref_allocation_free;      /* decoding allocated nothing */
	int ref_kept_ok;              /* streaming: the first S and last R kept;
	                               * h2o: R latest kept, size keep + recent */
	double max_abs_error;         /* against the full cache while it fits */
	double tolerance;
	int passed;
} kvp__policy_run;

/* What `kvplan --validate --policy streaming:...|h2o:...` runs: the policy's
 * cache for every layer of the model (all full attention, alike), allocated
 * once for min(seq, keep + recent) tokens; its bytes against the formula;
 * then, as kvp_validate_run does for the full cache, a reduced stack
 * decoding min(seq, 256) tokens through the same kind of cache with the
 * reference attention, checked against the full cache while the sequence
 * fits, for fixed bytes and no allocation at any step.  The caller's model
 * is not changed. */
kvp_status kvp__ref_policy_run(const kvp_model *model, kvp_dtype dtype,
                               const kvp__policy *policy, uint64_t seq,
                               kvp__policy_run *result, kvp_error *err);

#endif
