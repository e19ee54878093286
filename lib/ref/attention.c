/*
 * attention.c — one llama-style attention layer in fp32: RMS pre-norm, q k v
 * projections, RoPE, causal softmax attention (MHA, GQA, MQA by index: query
 * head h reads kv head h / (heads / kv_heads), nothing is copied), output
 * projection and residual; with a KV cache, and without one as the oracle.
 * Its weights and buffers are in attn_buffers.c; the kernels that read the
 * cache (scores, softmax, values) are in attn_kernels.c.
 */
#include <math.h>
#include <string.h>

#include "ref/ref.h"

/* Tokens whose rows share one pass over a weight row in kvp__matmul: their
 * slices of the input (TILE * KVP__PANEL floats) stay in L2 while the
 * weights stream by. */
#define TILE 16

#define RMS_EPS 1e-5f
#define DEFAULT_ROPE_THETA 10000.0

/* ---- arithmetic kernels (dot products: attn_kernels.c's kvp__dot) ----------- */

void kvp__matmul(float *y, const float *x, const float *w, uint64_t n,
                 uint64_t cols, uint64_t rows)
{
	kvp__dot_fn dot = kvp__dot_build();

	for (uint64_t t0 = 0; t0 < n; t0 += TILE) {
		uint64_t t1 = n - t0 < TILE ? n : t0 + TILE;

		for (uint64_t first = 0; first < cols; first += KVP__PANEL) {
			uint64_t width = kvp__panel_width(cols, first);
			const float *panel = w + first * rows;

			for (uint64_t r = 0; r < rows; r++) {
				const float *w_row = panel + r * width;

				for (uint64_t t = t0; t < t1; t++) {
					float d = dot(w_row, x + t * cols + first, width);

					y[t * rows + r] = first ? y[t * rows + r] + d : d;
				}
			}
		}
	}
}

/* out (n, dim) = x / rms(x), row by row. */
static void rmsnorm(float *out, const float *x, uint64_t n, uint32_t dim)
{
	for (uint64_t t = 0; t < n; t++) {
		const float *row = x + t * dim;
		float scale = 1.0f / sqrtf(kvp__dot(row, row, dim) / (float)dim + RMS_EPS);

		for (uint32_t i = 0; i < dim; i++)
			out[t * dim + i] = row[i] * scale;
	}
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

/* att (len, heads): the scores of q against the cached keys of positions
 * [0, len), a run of contiguous rows at a time. */
static void scores_from_cache(const kvp__attn_shape *shape,
                              const kvp__kvcache *cache, uint32_t layer,
                              uint64_t seq, uint64_t len, const float *q,
                              float *att, float *rows)
{
	uint32_t head_dim = shape->head_dim, heads = shape->heads;
	float scale = 1.0f / sqrtf((float)head_dim);
	const void *key_run, *value_run;
	uint64_t run;

	for (uint64_t t = 0; t < len; t += run) {
		kvp__kvcache_rows(cache, layer, seq, t, &key_run, &value_run, &run);
		run = run < len - t ? run : len - t;
		kvp__attn_scores(q, heads, shape->kv_heads, head_dim, scale, key_run,
		                 cache->shape.dtype, cache->row_bytes, run,
		                 att + t * heads, heads, rows);
	}
}

/* o (heads, head_dim) = the probabilities att (len, heads) times the cached
 * values of positions [0, len), a run of contiguous rows at a time, each
 * told where the next run lies (a paged cache's next block, allocated
 * apart), which the kernel fetches ahead as it reads this one. */
static void values_from_cache(const kvp__attn_shape *shape,
                              const kvp__kvcache *cache, uint32_t layer,
                              uint64_t seq, uint64_t len, const float *att,
                              float *rows, float *o)
{
	uint32_t heads = shape->heads;
	const void *key_run = NULL, *value_run = NULL;
	uint64_t run = 0;

	memset(o, 0, (uint64_t)heads * shape->head_dim * sizeof *o);
	if (len)
		kvp__kvcache_rows(cache, layer, seq, 0, &key_run, &value_run, &run);
	for (uint64_t t = 0; t < len;) {
		const void *next_key = NULL, *next_value = NULL;
		uint64_t next = 0;

		run = run < len - t ? run : len - t;
		if (t + run < len)
			kvp__kvcache_rows(cache, layer, seq, t + run, &next_key, &next_value,
			                  &next);
		kvp__attn_values_next(o, heads, shape->kv_heads, shape->head_dim,
		                      att + t * heads, heads, value_run, cache->shape.dtype,
		                      cache->row_bytes, run, next_value,
		                      next < len - t - run ? next : len - t - run, rows);
		t += run;
		value_run = next_value;
		run = next;
	}
}

void kvp__attn_over_cache(const kvp__attn_shape *shape,
                          const kvp__kvcache *cache, uint32_t layer,
                          uint64_t seq, uint64_t len, const float *q,
                          float *att, float *rows, float *o)
{
	uint32_t heads = shape->heads;

	scores_from_cache(shape, cache, layer, seq, len, q, att, rows);
	kvp__softmax_columns(att, len, heads, att + len * heads,
	                att + (len + 1) * heads);
	values_from_cache(shape, cache, layer, seq, len, att, rows, o);
}

void kvp__attn_over_keys(const kvp__attn_shape *shape, const float *keys,
                         const kvp__kvcache *cache, uint32_t layer,
                         uint64_t seq, uint64_t len, const float *q,
                         float *att, float *rows, float *o)
{
	uint32_t head_dim = shape->head_dim, kv_heads = shape->kv_heads;
	uint32_t heads = shape->heads;
	uint64_t kv_dim = (uint64_t)kv_heads * head_dim;
	float scale = 1.0f / sqrtf((float)head_dim);

	kvp__attn_scores(q, heads, kv_heads, head_dim, scale, keys, KVP_DTYPE_FP32,
	                 kv_dim * sizeof *keys, len, att, heads, rows);
	kvp__softmax_columns(att, len, heads, att + len * heads,
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
	/* Group by group over plain arrays, all positions at once, where the
	 * cached path goes a block of cache rows at a time; but it is the same
	 * kernels on the same values (attn_kernels.c: neither depends on the
	 * blocking), so the two agree to the bit unless the cache hands back
	 * something other than what was stored. */
	for (uint64_t i = 0; i < m; i++) {
		uint64_t pos = first + i;
		float *qi = q + i * q_dim, *oi = o + i * q_dim;

		kvp__rope(qi, sh->heads, head_dim, pos, sh->rope_theta);
		memset(oi, 0, q_dim * sizeof *oi);
		for (uint32_t g = 0; g < sh->kv_heads; g++) {
			uint64_t head0 = (uint64_t)g * group * head_dim;
			uint64_t kv_offset = (uint64_t)g * head_dim;

			kvp__attn_scores(qi + head0, group, 1, head_dim, scale,
			                 k + kv_offset, KVP_DTYPE_FP32, kv_dim * sizeof *k,
			                 pos + 1, att, group, NULL);
			kvp__softmax_columns(att, pos + 1, group, att + (pos + 1) * group,
			                     att + (pos + 2) * group);
			kvp__attn_values(oi + head0, group, 1, head_dim, att, group,
			                 v + kv_offset, KVP_DTYPE_FP32, kv_dim * sizeof *v,
			                 pos + 1, NULL);
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
