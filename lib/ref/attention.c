/*
 * attention.c — one llama-style attention layer in fp32: RMS pre-norm, q k v
 * projections, RoPE, causal softmax attention (MHA, GQA, MQA by index: query
 * head h reads kv head h / (heads / kv_heads), nothing is copied), output
 * projection and residual; with a KV cache, and without one as the oracle.
 * Its weights and buffers are in attn_buffers.c.
 */
#include <math.h>
#include <string.h>

#include "ref/ref.h"

/* Tokens whose rows share one pass over a weight row in kvp__matmul: their
 * inputs (TILE * cols floats) stay in L2 while the weights stream by. */
#define TILE 16

#define RMS_EPS 1e-5f
#define DEFAULT_ROPE_THETA 10000.0

/* ---- arithmetic kernels ---------------------------------------------------- */

/* A dot product keeps its partial sums in two vectors: GCC's and Clang's
 * vector extension keeps them in registers, as wide as the target's SIMD
 * registers (SSE2 on any x86-64; AVX when built with -mavx or
 * -march=native), and they are always combined in the same order, so every
 * kernel below gives the same bits for the same sum. */
#if defined(__AVX__)
#define LANES 8
#else
#define LANES 4
#endif
#define STEP (2 * LANES) /* floats per step of a two-vector loop */

/* The two attention kernels that both paths call (scores_for_key and
 * weighted_values, nothing else does the attention arithmetic) are built
 * twice, for baseline x86-64 and for x86-64-v3 (AVX2 and FMA), and the CPU
 * picks one when the program loads.  The v3 build fuses each
 * `sum += a * b` into one FMA; the cached path and the recomputation run
 * the very same build, so they still agree to the bit; only the results
 * from one CPU to another may differ, as they already do between builds
 * with and without -mavx.  With FMA the instruction-bound GQA kernel needs
 * half the arithmetic instructions.  dot itself stays single: with only
 * two chains of sums, the projections would wait on FMA's latency. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    __GNUC__ >= 12 && !defined(__AVX2__)
#define CLONES __attribute__((target_clones("arch=x86-64-v3", "default")))
#else
#define CLONES
#endif

typedef float simd __attribute__((vector_size(LANES * sizeof(float))));

static simd loadv(const float *p)
{
	simd v;

	memcpy(&v, p, sizeof v);
	return v;
}

static void storev(float *p, simd v)
{
	memcpy(p, &v, sizeof v);
}

/* The last steps of a dot product: the two vectors added, their lanes
 * summed pairwise, then the tail of n past the last whole step. */
static float dot_finish(simd lo, simd hi, const float *a, const float *b,
                        uint64_t i, uint64_t n)
{
	float part[LANES];
	simd pair = lo + hi;

	memcpy(part, &pair, sizeof part);
	for (int width = LANES / 2; width >= 1; width /= 2)
		for (int j = 0; j < width; j++)
			part[j] = part[2 * j] + part[2 * j + 1];
	for (; i < n; i++)
		part[0] += a[i] * b[i];
	return part[0];
}

static float dot(const float *a, const float *b, uint64_t n)
{
	simd lo = {0}, hi = {0};
	uint64_t i = 0;

	for (; i + STEP <= n; i += STEP) {
		lo += loadv(a + i) * loadv(b + i);
		hi += loadv(a + i + LANES) * loadv(b + i + LANES);
	}
	return dot_finish(lo, hi, a, b, i, n);
}

/* y += a * x */
static void axpy(float *restrict y, float a, const float *restrict x,
                 uint64_t n)
{
	uint64_t i = 0;

	for (; i + LANES <= n; i += LANES)
		storev(y + i, loadv(y + i) + a * loadv(x + i));
	for (; i < n; i++)
		y[i] += a * x[i];
}

/* Scores of n_heads query heads q (n_heads, head_dim) against one key k
 * (head_dim): att[h] = dot(q_h, k) * scale, to the bit.  Four heads share
 * each pass over k, so a GQA group loads its key once and keeps eight vectors
 * of sums in flight instead of waiting on two. */
CLONES
static void scores_for_key(const float *restrict q, const float *restrict k,
                           uint32_t n_heads, uint32_t head_dim, float scale,
                           float *restrict att)
{
	uint32_t h = 0;

	for (; h + 4 <= n_heads; h += 4) {
		const float *q0 = q + (uint64_t)h * head_dim, *q1 = q0 + head_dim,
		            *q2 = q1 + head_dim, *q3 = q2 + head_dim;
		simd lo0 = {0}, hi0 = {0}, lo1 = {0}, hi1 = {0};
		simd lo2 = {0}, hi2 = {0}, lo3 = {0}, hi3 = {0};
		uint64_t d = 0;

		for (; d + STEP <= head_dim; d += STEP) {
			simd k_lo = loadv(k + d), k_hi = loadv(k + d + LANES);

			lo0 += loadv(q0 + d) * k_lo;
			hi0 += loadv(q0 + d + LANES) * k_hi;
			lo1 += loadv(q1 + d) * k_lo;
			hi1 += loadv(q1 + d + LANES) * k_hi;
			lo2 += loadv(q2 + d) * k_lo;
			hi2 += loadv(q2 + d + LANES) * k_hi;
			lo3 += loadv(q3 + d) * k_lo;
			hi3 += loadv(q3 + d + LANES) * k_hi;
		}
		att[h + 0] = dot_finish(lo0, hi0, q0, k, d, head_dim) * scale;
		att[h + 1] = dot_finish(lo1, hi1, q1, k, d, head_dim) * scale;
		att[h + 2] = dot_finish(lo2, hi2, q2, k, d, head_dim) * scale;
		att[h + 3] = dot_finish(lo3, hi3, q3, k, d, head_dim) * scale;
	}
	for (; h < n_heads; h++)
		att[h] = dot(q + (uint64_t)h * head_dim, k, head_dim) * scale;
}

/* o (n_heads, head_dim) += att[r * att_stride + h] * v_r over n_rows value
 * rows v_r = v + r * v_stride, in row order: the same sums as one axpy per
 * row.  The sums stay in registers across the rows, four heads at a time,
 * instead of going through memory once per row. */
CLONES
static void weighted_values(float *restrict o, const float *restrict att,
                            uint64_t att_stride, uint32_t n_heads,
                            const float *restrict v, uint64_t v_stride,
                            uint64_t n_rows, uint32_t head_dim)
{
	uint32_t h = 0;

	for (; h + 4 <= n_heads; h += 4) {
		float *o0 = o + (uint64_t)h * head_dim, *o1 = o0 + head_dim,
		      *o2 = o1 + head_dim, *o3 = o2 + head_dim;
		const float *p = att + h;
		uint64_t d = 0;

		for (; d + STEP <= head_dim; d += STEP) {
			simd lo0 = loadv(o0 + d), hi0 = loadv(o0 + d + LANES);
			simd lo1 = loadv(o1 + d), hi1 = loadv(o1 + d + LANES);
			simd lo2 = loadv(o2 + d), hi2 = loadv(o2 + d + LANES);
			simd lo3 = loadv(o3 + d), hi3 = loadv(o3 + d + LANES);

			for (uint64_t r = 0; r < n_rows; r++) {
				const float *vr = v + r * v_stride + d;
				const float *pr = p + r * att_stride;
				simd v_lo = loadv(vr), v_hi = loadv(vr + LANES);

				lo0 += pr[0] * v_lo;
				hi0 += pr[0] * v_hi;
				lo1 += pr[1] * v_lo;
				hi1 += pr[1] * v_hi;
				lo2 += pr[2] * v_lo;
				hi2 += pr[2] * v_hi;
				lo3 += pr[3] * v_lo;
				hi3 += pr[3] * v_hi;
			}
			storev(o0 + d, lo0);
			storev(o0 + d + LANES, hi0);
			storev(o1 + d, lo1);
			storev(o1 + d + LANES, hi1);
			storev(o2 + d, lo2);
			storev(o2 + d + LANES, hi2);
			storev(o3 + d, lo3);
			storev(o3 + d + LANES, hi3);
		}
		for (; d < head_dim; d++)
			for (uint64_t r = 0; r < n_rows; r++) {
				o0[d] += p[r * att_stride + 0] * v[r * v_stride + d];
				o1[d] += p[r * att_stride + 1] * v[r * v_stride + d];
				o2[d] += p[r * att_stride + 2] * v[r * v_stride + d];
				o3[d] += p[r * att_stride + 3] * v[r * v_stride + d];
			}
	}
	for (; h < n_heads; h++)
		for (uint64_t r = 0; r < n_rows; r++)
			axpy(o + (uint64_t)h * head_dim, att[r * att_stride + h],
			     v + r * v_stride, head_dim);
}

void kvp__matmul(float *y, const float *x, const float *w, uint64_t n,
                 uint64_t cols, uint64_t rows)
{
	for (uint64_t t0 = 0; t0 < n; t0 += TILE) {
		uint64_t t1 = n - t0 < TILE ? n : t0 + TILE;

		for (uint64_t r = 0; r < rows; r++) {
			const float *w_row = w + r * cols;

			for (uint64_t t = t0; t < t1; t++)
				y[t * rows + r] = dot(w_row, x + t * cols, cols);
		}
	}
}

/* out (n, dim) = x / rms(x), row by row. */
static void rmsnorm(float *out, const float *x, uint64_t n, uint32_t dim)
{
	for (uint64_t t = 0; t < n; t++) {
		const float *row = x + t * dim;
		float scale = 1.0f / sqrtf(dot(row, row, dim) / (float)dim + RMS_EPS);

		for (uint32_t i = 0; i < dim; i++)
			out[t * dim + i] = row[i] * scale;
	}
}

/* In place, the softmax of each of the n_cols columns of x (n, n_cols),
 * with exp of (score - max) so nothing overflows: the scores are stored
 * position by position, every head's side by side, so all heads go
 * together down the rows.  max and sum (n_cols each) are scratch. */
static void softmax_columns(float *x, uint64_t n, uint32_t n_cols,
                            float *max, float *sum)
{
	for (uint32_t c = 0; c < n_cols; c++) {
		max[c] = x[c];
		sum[c] = 0;
	}
	for (uint64_t i = 1; i < n; i++)
		for (uint32_t c = 0; c < n_cols; c++)
			if (x[i * n_cols + c] > max[c])
				max[c] = x[i * n_cols + c];
	for (uint64_t i = 0; i < n; i++)
		for (uint32_t c = 0; c < n_cols; c++) {
			x[i * n_cols + c] = expf(x[i * n_cols + c] - max[c]);
			sum[c] += x[i * n_cols + c];
		}
	for (uint64_t i = 0; i < n; i++)
		for (uint32_t c = 0; c < n_cols; c++)
			x[i * n_cols + c] /= sum[c];
}

void kvp__rope(float *vec, uint32_t n_heads, uint32_t head_dim, uint64_t pos,
               double theta)
{
	if (theta == 0)
		theta = DEFAULT_ROPE_THETA;
	/* Angles in double: pos * frequency reaches 10^5 and more, where a
	 * float angle would already be off by hundredths of a radian. */
	for (uint32_t i = 0; i < head_dim / 2; i++) {
		double angle = (double)pos * pow(theta, -2.0 * i / head_dim);
		float c = (float)cos(angle), s = (float)sin(angle);

		for (uint32_t h = 0; h < n_heads; h++) {
			float *pair = vec + (uint64_t)h * head_dim + 2 * i;
			float a = pair[0], b = pair[1];

			pair[0] = a * c - b * s;
			pair[1] = a * s + b * c;
		}
	}
}

/* n_rows stored rows from `stored` as floats: fp32 rows are used where
 * they lie, 16-bit rows are decoded into buf (n_rows, row_values). */
static const float *rows_as_float(kvp_dtype dtype, const void *stored,
                                  uint64_t n_rows, uint64_t row_values,
                                  float *buf)
{
	if (dtype == KVP_DTYPE_FP32)
		return stored;
	kvp__storage_decode(dtype, buf, stored, n_rows * row_values);
	return buf;
}

/* att (len, heads): the scores of q against the cached keys of positions
 * [0, len), read a block of rows at a time. */
static void scores_from_cache(const kvp__attn_shape *shape,
                              const kvp__kvcache *cache, uint32_t layer,
                              uint64_t seq, uint64_t len, const float *q,
                              float *att, float *rows)
{
	uint32_t head_dim = shape->head_dim, kv_heads = shape->kv_heads;
	uint32_t heads = shape->heads, group = heads / kv_heads;
	uint64_t kv_dim = cache->row_values, row_bytes = cache->row_bytes;
	float scale = 1.0f / sqrtf((float)head_dim);
	const unsigned char *keys;
	const void *key_run, *value_run;
	const float *block;
	uint64_t run, n;

	/* Positions outermost and in order, so the cache is read front to back
	 * once (K, then V), a block of rows at a time; each K row is used by
	 * all the query heads of its group while it is in L1. */
	for (uint64_t t = 0; t < len; t += run) {
		kvp__kvcache_rows(cache, layer, seq, t, &key_run, &value_run, &run);
		keys = key_run;
		run = run < len - t ? run : len - t;
		for (uint64_t r = 0; r < run; r += n) {
			n = run - r < KVP__ROW_BLOCK ? run - r : KVP__ROW_BLOCK;
			block = rows_as_float(cache->shape.dtype, keys + r * row_bytes, n,
			                      kv_dim, rows);
			for (uint64_t i = 0; i < n; i++)
				for (uint32_t g = 0; g < kv_heads; g++)
					scores_for_key(q + (uint64_t)g * group * head_dim,
					               block + i * kv_dim + (uint64_t)g * head_dim,
					               group, head_dim, scale,
					               att + (t + r + i) * heads + g * group);
		}
	}
}

/* o (heads, head_dim) = the probabilities att (len, heads) times the cached
 * values of positions [0, len). */
static void values_from_cache(const kvp__attn_shape *shape,
                              const kvp__kvcache *cache, uint32_t layer,
                              uint64_t seq, uint64_t len, const float *att,
                              float *rows, float *o)
{
	uint32_t head_dim = shape->head_dim, kv_heads = shape->kv_heads;
	uint32_t heads = shape->heads, group = heads / kv_heads;
	uint64_t kv_dim = cache->row_values, row_bytes = cache->row_bytes;
	const unsigned char *values;
	const void *key_run, *value_run;
	const float *block;
	uint64_t run, n;

	memset(o, 0, (uint64_t)heads * head_dim * sizeof *o);
	for (uint64_t t = 0; t < len; t += run) {
		kvp__kvcache_rows(cache, layer, seq, t, &key_run, &value_run, &run);
		values = value_run;
		run = run < len - t ? run : len - t;
		for (uint64_t r = 0; r < run; r += n) {
			n = run - r < KVP__ROW_BLOCK ? run - r : KVP__ROW_BLOCK;
			block = rows_as_float(cache->shape.dtype, values + r * row_bytes,
			                      n, kv_dim, rows);
			for (uint32_t g = 0; g < kv_heads; g++)
				weighted_values(o + (uint64_t)g * group * head_dim,
				                att + (t + r) * heads + g * group, heads,
				                group, block + (uint64_t)g * head_dim, kv_dim,
				                n, head_dim);
		}
	}
}

void kvp__attn_over_cache(const kvp__attn_shape *shape,
                          const kvp__kvcache *cache, uint32_t layer,
                          uint64_t seq, uint64_t len, const float *q,
                          float *att, float *rows, float *o)
{
	uint32_t heads = shape->heads;

	scores_from_cache(shape, cache, layer, seq, len, q, att, rows);
	softmax_columns(att, len, heads, att + len * heads,
	                att + (len + 1) * heads);
	values_from_cache(shape, cache, layer, seq, len, att, rows, o);
}

void kvp__attn_over_keys(const kvp__attn_shape *shape, const float *keys,
                         const kvp__kvcache *cache, uint32_t layer,
                         uint64_t seq, uint64_t len, const float *q,
                         float *att, float *rows, float *o)
{
	uint32_t head_dim = shape->head_dim, kv_heads = shape->kv_heads;
	uint32_t heads = shape->heads, group = heads / kv_heads;
	uint64_t kv_dim = (uint64_t)kv_heads * head_dim;
	float scale = 1.0f / sqrtf((float)head_dim);

	for (uint64_t t = 0; t < len; t++)
		for (uint32_t g = 0; g < kv_heads; g++)
			scores_for_key(q + (uint64_t)g * group * head_dim,
			               keys + t * kv_dim + (uint64_t)g * head_dim, group,
			               head_dim, scale, att + t * heads + g * group);
	softmax_columns(att, len, heads, att + len * heads,
	                att + (len + 1) * heads);
	values_from_cache(shape, cache, layer, seq, len, att, rows, o);
}

/* out = x + y, row by row; out may be x. */
static void residual(float *out, const float *x, const float *y, uint64_t n)
{
	for (uint64_t i = 0; i < n; i++)
		out[i] = x[i] + y[i];
}

void kvp__attn_project(const kvp__attn_layer *layer, kvp__attn_scratch *s,
                       uint64_t n, const float *x)
{
	const kvp__attn_shape *sh = &layer->shape;
	uint64_t q_dim = (uint64_t)sh->heads * sh->head_dim;
	uint64_t kv_dim = (uint64_t)sh->kv_heads * sh->head_dim;

	rmsnorm(s->xn, x, n, sh->dim);
	kvp__matmul(s->q, s->xn, layer->wq, n, sh->dim, q_dim);
	kvp__matmul(s->k, s->xn, layer->wk, n, sh->dim, kv_dim);
	kvp__matmul(s->v, s->xn, layer->wv, n, sh->dim, kv_dim);
}

void kvp__attn_output(const kvp__attn_layer *layer, kvp__attn_scratch *s,
                      uint64_t n, const float *x, float *out)
{
	const kvp__attn_shape *sh = &layer->shape;
	uint64_t q_dim = (uint64_t)sh->heads * sh->head_dim;

	kvp__matmul(s->y, s->o, layer->wo, n, q_dim, sh->dim);
	residual(out, x, s->y, n * sh->dim);
}

kvp_status kvp__attn_forward(const kvp__attn_layer *layer, kvp__kvcache *cache,
                             kvp__attn_scratch *s, uint64_t seq,
                             uint64_t start_pos, uint64_t n, const float *x,
                             float *out, kvp_error *err)
{
	const kvp__attn_shape *sh = &layer->shape;
	uint64_t q_dim = (uint64_t)sh->heads * sh->head_dim;
	uint64_t kv_dim = (uint64_t)sh->kv_heads * sh->head_dim;
	uint64_t end;
	kvp_status st;

	if (n == 0 || n > s->max_tokens)
		return kvp__error(err, KVP_ERR_RANGE,
		                  "%llu tokens in one call; the buffers hold 1 to %llu",
		                  (unsigned long long)n,
		                  (unsigned long long)s->max_tokens);
	if (layer->index >= cache->shape.layers ||
	    cache->shape.kv_heads != sh->kv_heads ||
	    cache->shape.head_dim != sh->head_dim ||
	    cache->shape.max_seq > s->max_seq)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "the cache does not match layer %u", layer->index);
	if (!kvp__add(start_pos, n, &end))
		return kvp__error(err, KVP_ERR_RANGE, "position overflows");
	/* Refused before anything is computed or written. */
	if ((st = kvp__kvcache_reserve(cache, seq, end, err)) != KVP_OK)
		return st;

	kvp__attn_project(layer, s, n, x);
	for (uint64_t i = 0; i < n; i++) {
		kvp__rope(s->q + i * q_dim, sh->heads, sh->head_dim, start_pos + i,
		          sh->rope_theta);
		kvp__rope(s->k + i * kv_dim, sh->kv_heads, sh->head_dim,
		          start_pos + i, sh->rope_theta);
		if ((st = kvp__kvcache_write(cache, layer->index, seq, start_pos + i,
		                             s->k + i * kv_dim, s->v + i * kv_dim,
		                             err)) != KVP_OK)
			return st;
	}
	/* Token i sees positions 0..start_pos + i: the causal mask. */
	for (uint64_t i = 0; i < n; i++)
		kvp__attn_over_cache(sh, cache, layer->index, seq, start_pos + i + 1,
		                     s->q + i * q_dim, s->att, s->row, s->o + i * q_dim);
	kvp__attn_output(layer, s, n, x, out);
	return kvp__error_clear(err);
}

/* ---- without a cache ------------------------------------------------------- */

kvp_status kvp__attn_forward_nocache(const kvp__attn_layer *layer,
                                     kvp__counter *counter, kvp_dtype storage,
                                     uint64_t n, uint64_t first,
                                     const float *x, float *out,
                                     kvp_error *err)
{
	const kvp__attn_shape *sh = &layer->shape;
	uint32_t head_dim = sh->head_dim, group = sh->heads / sh->kv_heads;
	uint64_t q_dim = (uint64_t)sh->heads * head_dim;
	uint64_t kv_dim = (uint64_t)sh->kv_heads * head_dim;
	uint64_t m = n - first; /* rows whose output is wanted */
	float scale = 1.0f / sqrtf((float)head_dim);
	float *xn, *q, *k, *v, *att, *o, *y;
	uint64_t att_count;
	kvp_status st = KVP_ERR_NOMEM;

	if (n == 0 || first >= n)
		return kvp__error(err, KVP_ERR_RANGE, "no rows to recompute");
	/* xn (n, dim), q (m, heads * head_dim), k and v (n, kv_heads *
	 * head_dim), att (n + 2, group), o (m, heads * head_dim), y (m, dim) */
	if (!kvp__mul(n + 2, group, &att_count))
		return kvp__error(err, KVP_ERR_OVERFLOW,
		                  "reference buffers overflow 64-bit bytes");
	xn = kvp__counter_alloc(counter, KVP_MEM_SCRATCH, n, sh->dim * sizeof(float), err);
	q = kvp__counter_alloc(counter, KVP_MEM_SCRATCH, m, q_dim * sizeof(float), err);
	k = kvp__counter_alloc(counter, KVP_MEM_SCRATCH, n, kv_dim * sizeof(float), err);
	v = kvp__counter_alloc(counter, KVP_MEM_SCRATCH, n, kv_dim * sizeof(float), err);
	att = kvp__counter_alloc(counter, KVP_MEM_SCRATCH, att_count, sizeof(float),
	                         err);
	o = kvp__counter_alloc(counter, KVP_MEM_SCRATCH, m, q_dim * sizeof(float), err);
	y = kvp__counter_alloc(counter, KVP_MEM_SCRATCH, m, sh->dim * sizeof(float), err);
	if (!xn || !q || !k || !v || !att || !o || !y)
		goto done;

	rmsnorm(xn, x, n, sh->dim);
	kvp__matmul(k, xn, layer->wk, n, sh->dim, kv_dim);
	kvp__matmul(v, xn, layer->wv, n, sh->dim, kv_dim);
	kvp__matmul(q, xn + first * sh->dim, layer->wq, m, sh->dim, q_dim);
	for (uint64_t t = 0; t < n; t++) {
		kvp__rope(k + t * kv_dim, sh->kv_heads, head_dim, t, sh->rope_theta);
		for (uint64_t i = 0; i < kv_dim; i++) {
			k[t * kv_dim + i] = kvp__storage_round(storage, k[t * kv_dim + i]);
			v[t * kv_dim + i] = kvp__storage_round(storage, v[t * kv_dim + i]);
		}
	}
	/* Group by group over plain arrays, where the cached kernel goes
	 * position by position through the cache; but it is the same kernels
	 * (scores_for_key, softmax_columns, weighted_values) on the same
	 * heads, so every score and every weighted sum is the same sequence of
	 * float operations (dot, softmax, axpy in position order) and the two
	 * agree to the bit unless the cache hands back something other than
	 * what was stored. */
	for (uint64_t i = 0; i < m; i++) {
		uint64_t pos = first + i;
		float *qi = q + i * q_dim, *oi = o + i * q_dim;

		kvp__rope(qi, sh->heads, head_dim, pos, sh->rope_theta);
		memset(oi, 0, q_dim * sizeof *oi);
		for (uint32_t g = 0; g < sh->kv_heads; g++) {
			uint64_t head0 = (uint64_t)g * group * head_dim;
			uint64_t kv_offset = (uint64_t)g * head_dim;

			for (uint64_t t = 0; t <= pos; t++)
				scores_for_key(qi + head0, k + t * kv_dim + kv_offset, group,
				               head_dim, scale, att + t * group);
			softmax_columns(att, pos + 1, group, att + (pos + 1) * group,
			                att + (pos + 2) * group);
			weighted_values(oi + head0, att, group, group, v + kv_offset,
			                kv_dim, pos + 1, head_dim);
		}
	}
	kvp__matmul(y, o, layer->wo, m, q_dim, sh->dim);
	residual(out + first * sh->dim, x + first * sh->dim, y, m * sh->dim);
	st = kvp__error_clear(err);
done:
	kvp__counter_free(counter, y);
	kvp__counter_free(counter, o);
	kvp__counter_free(counter, att);
	kvp__counter_free(counter, v);
	kvp__counter_free(counter, k);
	kvp__counter_free(counter, q);
	kvp__counter_free(counter, xn);
	return st;
}
