/*
 * test_ref_attention.c — unit tests for the reference attention layers:
 * cached decode against full recomputation at every step (MHA, GQA, MQA;
 * fp32, fp16, bf16; both layouts; prompts of 1 and more; up to max_seq),
 * GQA's index mapping against an explicit repeat-K/V oracle kept here, the
 * fp16/bf16 error against an fp32 oracle within a bound derived from the
 * data, RoPE's relative-position property, and refusals and failures.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ref/ref.h"
#include "testutil.h"
#include "checks.h"

/* head_dim 6 leaves the eight-lane dot products a tail; theta 0 is the
 * 10000 default. */
static const kvp__attn_shape shapes[] = {
	{.dim = 24, .heads = 4, .kv_heads = 4, .head_dim = 6, .rope_theta = 10000},
	{.dim = 32, .heads = 8, .kv_heads = 2, .head_dim = 8, .rope_theta = 500000},
	{.dim = 20, .heads = 4, .kv_heads = 1, .head_dim = 16, .rope_theta = 0},
	/* groups of 2 and 8, whose kernels take 2 and 8 heads a tile; head_dim
	 * 40 is five chunks of 8 (a chunk past the chains), 12 one and a
	 * tail */
	{.dim = 32, .heads = 8, .kv_heads = 4, .head_dim = 40, .rope_theta = 10000},
	{.dim = 16, .heads = 8, .kv_heads = 1, .head_dim = 12, .rope_theta = 10000},
};
static const char *const shape_names[] = {"mha", "gqa", "mqa", "gqa-2", "mqa-8"};
#define N_SHAPES (sizeof shapes / sizeof shapes[0])
static const kvp_dtype storage_types[] = {KVP_DTYPE_FP32, KVP_DTYPE_FP16,
                                          KVP_DTYPE_BF16};

#define BATCH 2
#define BLOCK 4

/* A stack of n_layers, its cache (batch 2, blocks of 4), and inputs
 * (batch, max_seq, dim), all from one counter. */
typedef struct fixture {
	kvp__counter counter;
	kvp__stack stack;
	kvp__kvcache cache;
	float *x;   /* (BATCH, max_seq, dim) */
	float *out; /* (BATCH, max_seq, dim) */
	float *ref; /* (max_seq, dim) */
	uint64_t max_seq;
} fixture;

static void fixture_init(fixture *f, const kvp__attn_shape *shape,
                         uint32_t n_layers, kvp_dtype dtype, kvp_layout layout,
                         uint64_t max_tokens, uint64_t max_seq, uint64_t seed)
{
	kvp__kvcache_shape cache_shape = {
		.layers = n_layers, .kv_heads = shape->kv_heads,
		.head_dim = shape->head_dim, .batch = BATCH, .max_seq = max_seq,
		.dtype = dtype, .layout = layout, .block_size = BLOCK,
	};
	uint64_t values = BATCH * max_seq * shape->dim, state = seed;

	f->max_seq = max_seq;
	kvp__counter_init(&f->counter);
	assert_int_equal(kvp__stack_init(&f->stack, &f->counter, shape, n_layers,
	                                 max_tokens, max_seq, seed, NULL), KVP_OK);
	assert_int_equal(kvp__kvcache_init(&f->cache, &f->counter, &cache_shape,
	                                   NULL), KVP_OK);
	f->x = malloc(values * sizeof *f->x);
	f->out = malloc(values * sizeof *f->out);
	f->ref = malloc(max_seq * shape->dim * sizeof *f->ref);
	assert_non_null(f->x);
	assert_non_null(f->out);
	assert_non_null(f->ref);
	kvp__rng_fill(&state, f->x, values, 1.0f);
}

static void fixture_free(fixture *f)
{
	free(f->x);
	free(f->out);
	free(f->ref);
	kvp__kvcache_destroy(&f->cache);
	kvp__stack_destroy(&f->stack);
	for (int c = 0; c < KVP_MEM_CATEGORY_COUNT; c++)
		assert_int_equal(f->counter.current_bytes[c], 0);
}

/* Prefill `prompt` tokens, then decode one token per step up to max_seq
 * exactly; after every call recompute without a cache (K and V of all
 * positions, every layer) and compare that step's outputs.  Returns the
 * largest difference seen. */
static double cached_vs_recompute(const kvp__attn_shape *shape,
                                  uint32_t n_layers, kvp_dtype dtype,
                                  kvp_layout layout, uint64_t prompt,
                                  uint64_t max_seq)
{
	fixture f;
	uint64_t dim = shape->dim;
	double max = 0;

	fixture_init(&f, shape, n_layers, dtype, layout, prompt, max_seq, 42);
	for (uint64_t b = 0; b < BATCH; b++) {
		const float *x = f.x + b * max_seq * dim;
		float *out = f.out + b * max_seq * dim;

		assert_int_equal(kvp__stack_forward(&f.stack, &f.cache, b, 0, prompt,
		                                    x, out, NULL), KVP_OK);
		assert_int_equal(kvp__stack_forward_nocache(&f.stack, dtype, prompt, 0,
		                                            x, f.ref, NULL), KVP_OK);
		max = fmax(max, max_diff(out, f.ref, prompt * dim));
		for (uint64_t pos = prompt; pos < max_seq; pos++) {
			assert_int_equal(kvp__stack_forward(&f.stack, &f.cache, b, pos, 1,
			                                    x + pos * dim, out + pos * dim,
			                                    NULL), KVP_OK);
			assert_int_equal(kvp__stack_forward_nocache(&f.stack, dtype,
			                                            pos + 1, pos, x,
			                                            f.ref, NULL), KVP_OK);
			max = fmax(max, max_diff(out + pos * dim, f.ref + pos * dim, dim));
		}
	}
	fixture_free(&f);
	return max;
}

/* Cached decode equals full recomputation within 1e-5 for every attention
 * kind, storage type and layout, prompt lengths 1 and 5, decoding up to
 * max_seq (13: the last paged block is partly used).  The recomputation
 * rounds K and V through the storage type, so the only difference left is
 * the order of fp32 sums: 1e-5 holds for fp16 and bf16 as for fp32. */
static void test_cached_decode_equals_recompute(void **state)
{
	static const uint64_t prompts[] = {1, 5};

	(void)state;
	for (size_t s = 0; s < N_SHAPES; s++)
		for (size_t t = 0; t < 3; t++)
			for (int layout = 0; layout < KVP_LAYOUT_COUNT; layout++)
				for (size_t p = 0; p < 2; p++) {
					double err = cached_vs_recompute(&shapes[s], 2,
					                                 storage_types[t],
					                                 (kvp_layout)layout,
					                                 prompts[p], 13);

					if (err > 1e-5)
						fail_msg("%s %s %s prompt %llu: error %g",
						         shape_names[s],
						         kvp_dtype_name(storage_types[t]),
						         kvp_layout_name((kvp_layout)layout),
						         (unsigned long long)prompts[p], err);
				}
}

/* A prompt that fills the whole cache in one pass is the same as one decoded
 * token by token. */
static void test_prefill_whole_context(void **state)
{
	(void)state;
	assert_true(cached_vs_recompute(&shapes[1], 3, KVP_DTYPE_FP32,
	                                KVP_LAYOUT_PAGED, 9, 9) <= 1e-5);
}

/* ---- the oracle: a plain layer with K and V repeated per query head ---- */

/* Bound inputs gathered while the oracle runs (see test below). */
typedef struct oracle_stats {
	double max_qk;   /* max over h, t of sum_d |q_d| |k_d| (unrounded k) */
	double max_q1;   /* max over h of sum_d |q_d| */
	double max_v;    /* max |v| */
	double wo_norm;  /* max row sum of |wo| */
} oracle_stats;

static void oracle_rope(double *vec, uint32_t n_heads, uint32_t head_dim,
                        uint64_t pos, double theta)
{
	if (theta == 0)
		theta = 10000;
	for (uint32_t h = 0; h < n_heads; h++)
		for (uint32_t i = 0; i < head_dim / 2; i++) {
			double angle = pos * pow(theta, -2.0 * i / head_dim);
			double *p = vec + h * head_dim + 2 * i, a = p[0], b = p[1];

			p[0] = a * cos(angle) - b * sin(angle);
			p[1] = a * sin(angle) + b * cos(angle);
		}
}

/* out (n, dim) for positions 0..n-1, in double: RMS norm, projections,
 * RoPE, K and V rounded through storage and then *copied* to one row per
 * query head, causal softmax attention per head, output projection. */
static void oracle_layer(const kvp__attn_layer *layer, kvp_dtype storage,
                         uint64_t n, const float *x, float *out,
                         oracle_stats *stats)
{
	const kvp__attn_shape *s = &layer->shape;
	uint32_t hd = s->head_dim, group = s->heads / s->kv_heads, dim = s->dim;
	uint32_t q_dim = s->heads * hd, kv_dim = s->kv_heads * hd;
	double *xn = calloc(n * dim, sizeof *xn), *q = calloc(n * q_dim, sizeof *q);
	double *k = calloc(n * kv_dim, sizeof *k), *v = calloc(n * kv_dim, sizeof *v);
	double *k_rep = calloc(n * q_dim, sizeof *k_rep);
	double *v_rep = calloc(n * q_dim, sizeof *v_rep);
	double *p = calloc(n, sizeof *p), *o = calloc(q_dim, sizeof *o);
	oracle_stats st = {0};

	assert_true(xn && q && k && v && k_rep && v_rep && p && o);
	for (uint64_t t = 0; t < n; t++) {
		double ss = 0;

		for (uint32_t i = 0; i < dim; i++)
			ss += (double)x[t * dim + i] * x[t * dim + i];
		for (uint32_t i = 0; i < dim; i++)
			xn[t * dim + i] = x[t * dim + i] / sqrt(ss / dim + 1e-5);
		for (uint32_t r = 0; r < q_dim; r++)
			for (uint32_t i = 0; i < dim; i++)
				q[t * q_dim + r] += layer->wq[kvp__panel_index(q_dim, dim, r, i)] * xn[t * dim + i];
		for (uint32_t r = 0; r < kv_dim; r++)
			for (uint32_t i = 0; i < dim; i++) {
				k[t * kv_dim + r] += layer->wk[kvp__panel_index(kv_dim, dim, r, i)] * xn[t * dim + i];
				v[t * kv_dim + r] += layer->wv[kvp__panel_index(kv_dim, dim, r, i)] * xn[t * dim + i];
			}
		oracle_rope(q + t * q_dim, s->heads, hd, t, s->rope_theta);
		oracle_rope(k + t * kv_dim, s->kv_heads, hd, t, s->rope_theta);
	}
	for (uint64_t t = 0; t < n; t++)
		for (uint32_t h = 0; h < s->heads; h++) {
			double q1 = 0;

			for (uint32_t d = 0; d < hd; d++)
				q1 += fabs(q[t * q_dim + h * hd + d]);
			st.max_q1 = fmax(st.max_q1, q1);
			for (uint64_t u = 0; u < n; u++) {
				double qk = 0;

				for (uint32_t d = 0; d < hd; d++)
					qk += fabs(q[t * q_dim + h * hd + d] *
					           k[u * kv_dim + h / group * hd + d]);
				st.max_qk = fmax(st.max_qk, qk);
			}
		}
	for (uint64_t i = 0; i < n * kv_dim; i++) {
		st.max_v = fmax(st.max_v, fabs(v[i]));
		k[i] = kvp__storage_round(storage, (float)k[i]);
		v[i] = kvp__storage_round(storage, (float)v[i]);
	}
	/* The oracle's GQA: every query head gets its own copy. */
	for (uint64_t t = 0; t < n; t++)
		for (uint32_t h = 0; h < s->heads; h++)
			for (uint32_t d = 0; d < hd; d++) {
				k_rep[t * q_dim + h * hd + d] = k[t * kv_dim + h / group * hd + d];
				v_rep[t * q_dim + h * hd + d] = v[t * kv_dim + h / group * hd + d];
			}
	for (uint64_t i = 0; i < n; i++) {
		for (uint32_t h = 0; h < s->heads; h++) {
			double max = -INFINITY, sum = 0;

			for (uint64_t t = 0; t <= i; t++) {
				p[t] = 0;
				for (uint32_t d = 0; d < hd; d++)
					p[t] += q[i * q_dim + h * hd + d] * k_rep[t * q_dim + h * hd + d];
				p[t] /= sqrt(hd);
				max = fmax(max, p[t]);
			}
			for (uint64_t t = 0; t <= i; t++)
				sum += (p[t] = exp(p[t] - max));
			for (uint32_t d = 0; d < hd; d++) {
				o[h * hd + d] = 0;
				for (uint64_t t = 0; t <= i; t++)
					o[h * hd + d] += p[t] / sum * v_rep[t * q_dim + h * hd + d];
			}
		}
		for (uint32_t r = 0; r < dim; r++) {
			double y = 0;

			for (uint32_t c = 0; c < q_dim; c++)
				y += layer->wo[kvp__panel_index(dim, q_dim, r, c)] * o[c];
			out[i * dim + r] = (float)(x[i * dim + r] + y);
		}
	}
	for (uint32_t r = 0; r < dim; r++) {
		double row = 0;

		for (uint32_t c = 0; c < q_dim; c++)
			row += fabs(layer->wo[kvp__panel_index(dim, q_dim, r, c)]);
		st.wo_norm = fmax(st.wo_norm, row);
	}
	if (stats)
		*stats = st;
	free(xn);
	free(q);
	free(k);
	free(v);
	free(k_rep);
	free(v_rep);
	free(p);
	free(o);
}

/* Outputs of the cached path (prefill 3, then decode), all positions. */
static void cached_outputs(fixture *f, uint64_t b, uint64_t prompt)
{
	uint64_t dim = f->stack.shape.dim;
	const float *x = f->x + b * f->max_seq * dim;
	float *out = f->out + b * f->max_seq * dim;

	assert_int_equal(kvp__stack_forward(&f->stack, &f->cache, b, 0, prompt, x,
	                                    out, NULL), KVP_OK);
	for (uint64_t pos = prompt; pos < f->max_seq; pos++)
		assert_int_equal(kvp__stack_forward(&f->stack, &f->cache, b, pos, 1,
		                                    x + pos * dim, out + pos * dim,
		                                    NULL), KVP_OK);
}

/* GQA (and MHA, MQA) by index mapping, through the cache, in two layers,
 * equals the oracle that copies K and V to every query head, in both
 * layouts.  fp32 storage only: the oracle works in double, and a 16-bit
 * type can round its K one step away from the library's float K (the
 * 16-bit types are held to the oracle by the bound test below). */
static void test_index_mapping_equals_repeat_kv(void **state)
{
	(void)state;
	for (size_t s = 0; s < N_SHAPES; s++)
		for (int layout = 0; layout < KVP_LAYOUT_COUNT; layout++) {
			fixture f;
			uint64_t n = 11, dim = shapes[s].dim;
			float *h = malloc(n * dim * sizeof *h);
			double err;

			assert_non_null(h);
			fixture_init(&f, &shapes[s], 2, KVP_DTYPE_FP32, (kvp_layout)layout,
			             3, n, 7);
			for (uint64_t b = 0; b < BATCH; b++) {
				cached_outputs(&f, b, 3);
				oracle_layer(&f.stack.layers[0], KVP_DTYPE_FP32, n,
				             f.x + b * n * dim, h, NULL);
				oracle_layer(&f.stack.layers[1], KVP_DTYPE_FP32, n, h, f.ref,
				             NULL);
				err = max_diff(f.out + b * n * dim, f.ref, n * dim);
				if (err > 1e-5)
					fail_msg("%s %s: error %g", shape_names[s],
					         kvp_layout_name((kvp_layout)layout), err);
			}
			free(h);
			fixture_free(&f);
		}
}

/* An fp16 or bf16 cache against the unrounded fp32 oracle.  Rounding to
 * nearest leaves |k~ - k| <= u |k| + eta per value (u = 2^-11 for fp16,
 * 2^-8 for bf16; eta = 2^-25, fp16's subnormal step, 0 for bf16), the same
 * for v.  A score q.k / sqrt(d) then moves by at most
 *   e = (u max sum|q||k| + eta max sum|q|) / sqrt(d),
 * so each softmax weight by at most the factor e^(+-2e) and the weights'
 * total change is at most e^(2e) - 1.  An attention output moves by at most
 * (e^(2e) - 1) max|v| + u max|v| + eta, and the layer's output, through wo,
 * by that times wo's largest absolute row sum.  1e-5 more covers the fp32
 * arithmetic.  The bound is computed from this very data, and the error
 * must also be clearly above zero, so the rounding really happened. */
static void test_half_storage_error_bound(void **state)
{
	(void)state;
	for (size_t s = 0; s < N_SHAPES; s++)
		for (size_t t = 1; t < 3; t++) {
			kvp_dtype dtype = storage_types[t];
			double u = dtype == KVP_DTYPE_FP16 ? 0x1p-11 : 0x1p-8;
			double eta = dtype == KVP_DTYPE_FP16 ? 0x1p-25 : 0;
			uint64_t n = 12, dim = shapes[s].dim;
			oracle_stats st;
			double e, bound, err = 0;
			fixture f;

			fixture_init(&f, &shapes[s], 1, dtype, KVP_LAYOUT_PAGED, 4, n, 11);
			for (uint64_t b = 0; b < BATCH; b++) {
				cached_outputs(&f, b, 4);
				oracle_layer(&f.stack.layers[0], KVP_DTYPE_FP32, n,
				             f.x + b * n * dim, f.ref, &st);
				err = fmax(err, max_diff(f.out + b * n * dim, f.ref, n * dim));
				e = (u * st.max_qk + eta * st.max_q1) / sqrt(shapes[s].head_dim);
				bound = ((exp(2 * e) - 1) * st.max_v + u * st.max_v + eta) *
				        st.wo_norm + 1e-5;
				if (err > bound)
					fail_msg("%s %s: error %g above bound %g", shape_names[s],
					         kvp_dtype_name(dtype), err, bound);
			}
			assert_true(err > 1e-6);
			fixture_free(&f);
		}
}

/* ---- RoPE -------------------------------------------------------------------- */

static float dot_head(const float *a, const float *b, uint32_t n)
{
	double sum = 0;

	for (uint32_t i = 0; i < n; i++)
		sum += (double)a[i] * b[i];
	return (float)sum;
}

/* After rotation q.k depends only on the distance between the positions:
 * moving both by the same shift, small or large, keeps every head's dot
 * product; moving one changes it.  Rotations keep norms, and position 0
 * rotates nothing. */
static void test_rope_relative_position(void **state)
{
	static const uint64_t positions[][2] = {{0, 0}, {3, 1}, {1, 3}, {100, 37},
	                                        {4095, 0}};
	static const uint64_t shifts[] = {1, 7, 1000, 100000};
	uint32_t heads = 3, hd = 16;
	float q[48], k[48], qa[48], ka[48], qb[48], kb[48];
	uint64_t state_rng = 5;

	(void)state;
	kvp__rng_fill(&state_rng, q, 48, 1.0f);
	kvp__rng_fill(&state_rng, k, 48, 1.0f);
	memcpy(qa, q, sizeof q);
	kvp__rope(qa, heads, hd, 0, 10000);
	assert_memory_equal(qa, q, sizeof q);
	for (size_t p = 0; p < sizeof positions / sizeof positions[0]; p++)
		for (size_t s = 0; s < sizeof shifts / sizeof shifts[0]; s++) {
			uint64_t m = positions[p][0], n = positions[p][1], c = shifts[s];

			memcpy(qa, q, sizeof q), memcpy(ka, k, sizeof k);
			memcpy(qb, q, sizeof q), memcpy(kb, k, sizeof k);
			kvp__rope(qa, heads, hd, m, 10000);
			kvp__rope(ka, heads, hd, n, 10000);
			kvp__rope(qb, heads, hd, m + c, 10000);
			kvp__rope(kb, heads, hd, n + c, 10000);
			for (uint32_t h = 0; h < heads; h++) {
				float scale = sqrtf(dot_head(q + h * hd, q + h * hd, hd) *
				                    dot_head(k + h * hd, k + h * hd, hd));

				assert_true(fabsf(dot_head(qa + h * hd, ka + h * hd, hd) -
				                  dot_head(qb + h * hd, kb + h * hd, hd)) <=
				            2e-6f * scale);
				assert_true(fabsf(dot_head(qb + h * hd, qb + h * hd, hd) -
				                  dot_head(q + h * hd, q + h * hd, hd)) <=
				            2e-6f * scale);
			}
		}
	/* A different distance gives a different product. */
	memcpy(qa, q, sizeof q), memcpy(ka, k, sizeof k);
	memcpy(qb, q, sizeof q), memcpy(kb, k, sizeof k);
	kvp__rope(qa, heads, hd, 5, 10000);
	kvp__rope(ka, heads, hd, 2, 10000);
	kvp__rope(qb, heads, hd, 5, 10000);
	kvp__rope(kb, heads, hd, 3, 10000);
	assert_true(fabsf(dot_head(qa, ka, hd) - dot_head(qb, kb, hd)) > 1e-3f);
	/* theta 0 means 10000. */
	memcpy(qa, q, sizeof q), memcpy(qb, q, sizeof q);
	kvp__rope(qa, heads, hd, 9, 0);
	kvp__rope(qb, heads, hd, 9, 10000);
	assert_memory_equal(qa, qb, sizeof q);
}

/* ---- refusals and failures ---------------------------------------------------- */

/* Decoding at max_seq, or a prefill that would run past it, is
 * KVP_ERR_RANGE and writes nothing: the stored cache is unchanged. */
static void test_decode_past_max_seq(void **state)
{
	(void)state;
	for (int layout = 0; layout < KVP_LAYOUT_COUNT; layout++) {
		fixture f;
		uint64_t n = 8;
		uint64_t storage = 2 * 8 * 2 * 8 * 4; /* batch, seq, kv row, fp32 */
		unsigned char *before = malloc(storage);
		kvp_error err;

		assert_non_null(before);
		fixture_init(&f, &shapes[1], 1, KVP_DTYPE_FP32, (kvp_layout)layout, 4,
		             n, 3);
		cached_outputs(&f, 0, 4);
		cached_outputs(&f, 1, 4);
		if (layout == KVP_LAYOUT_CONTIGUOUS)
			memcpy(before, f.cache.key_cache, storage);
		assert_int_equal(kvp__stack_forward(&f.stack, &f.cache, 0, n, 1, f.x,
		                                    f.ref, &err), KVP_ERR_RANGE);
		assert_non_null(strstr(err.message, "max_seq"));
		assert_int_equal(kvp__stack_forward(&f.stack, &f.cache, 1, n - 2, 3,
		                                    f.x, f.ref, &err), KVP_ERR_RANGE);
		assert_int_equal(kvp__stack_forward(&f.stack, &f.cache, 1, UINT64_MAX, 1,
		                                    f.x, f.ref, &err), KVP_ERR_RANGE);
		assert_int_equal(kvp__stack_forward(&f.stack, &f.cache, 1, 0, 5,
		                                    f.x, f.ref, &err), KVP_ERR_RANGE);
		if (layout == KVP_LAYOUT_CONTIGUOUS)
			assert_memory_equal(before, f.cache.key_cache, storage);
		assert_int_equal(f.counter.current_bytes[KVP_MEM_CACHE],
		                 layout == KVP_LAYOUT_PAGED ? 2 * 2 * 2 * BLOCK * 16 * 4
		                                            : storage * 2);
		free(before);
		fixture_free(&f);
	}
}

/* Shapes a layer cannot have are refused. */
static void test_bad_shapes(void **state)
{
	kvp__attn_shape odd = {.dim = 8, .heads = 2, .kv_heads = 2, .head_dim = 5};
	kvp__attn_shape uneven = {.dim = 8, .heads = 3, .kv_heads = 2, .head_dim = 4};
	kvp__counter counter;
	kvp__stack stack;
	kvp_error err;

	(void)state;
	kvp__counter_init(&counter);
	assert_int_equal(kvp__stack_init(&stack, &counter, &odd, 1, 1, 1, 0, &err),
	                 KVP_ERR_SHAPE);
	assert_non_null(strstr(err.message, "even"));
	assert_int_equal(kvp__stack_init(&stack, &counter, &uneven, 1, 1, 1, 0, &err),
	                 KVP_ERR_SHAPE);
	assert_int_equal(kvp__stack_init(&stack, &counter, &shapes[0], 0, 1, 1, 0,
	                                 &err), KVP_ERR_INVALID);
	assert_int_equal(counter.allocations, 0);
}

/* Each allocation of building a stack, a prefill, a decode step and a
 * recomputation, made to fail in turn, is an error with nothing left. */
static void test_allocation_failures(void **state)
{
	long live = testutil_live_blocks();

	(void)state;
	for (uint64_t nth = 1;; nth++) {
		kvp__kvcache_shape cache_shape = {
			.layers = 2, .kv_heads = 2, .head_dim = 8, .batch = 1,
			.max_seq = 10, .dtype = KVP_DTYPE_FP16,
			.layout = KVP_LAYOUT_PAGED, .block_size = 4,
		};
		float x[10 * 32], out[10 * 32];
		uint64_t rng = 1;
		kvp__counter counter;
		kvp__kvcache cache;
		kvp__stack stack;
		kvp_status st;

		kvp__rng_fill(&rng, x, 10 * 32, 1.0f);
		kvp__counter_init(&counter);
		counter.fail_at = nth;
		st = kvp__stack_init(&stack, &counter, &shapes[1], 2, 6, 10, 1, NULL);
		if (st == KVP_OK)
			st = kvp__kvcache_init(&cache, &counter, &cache_shape, NULL);
		else
			memset(&cache, 0, sizeof cache);
		if (st == KVP_OK)
			st = kvp__stack_forward(&stack, &cache, 0, 0, 6, x, out, NULL);
		for (uint64_t pos = 6; st == KVP_OK && pos < 10; pos++)
			st = kvp__stack_forward(&stack, &cache, 0, pos, 1, x + pos * 32,
			                        out + pos * 32, NULL);
		if (st == KVP_OK)
			st = kvp__stack_forward_nocache(&stack, KVP_DTYPE_FP16, 10, 0, x,
			                                out, NULL);
		kvp__kvcache_destroy(&cache);
		kvp__stack_destroy(&stack);
		if (testutil_injection_step(st, nth, counter.allocations, counter.current_bytes,
		                            KVP_MEM_CATEGORY_COUNT, live))
			break;
	}
}

/* A projection gives the same bits alone or among many tokens, which the
 * cached path (one token) and the recomputation (all) rely on; and it is
 * the product of the matrix its panels hold (kvp__panel_index). */
static void matmul_check(uint64_t n, uint64_t cols, uint64_t rows, double bound)
{
	float *x = malloc(n * cols * sizeof *x), *w = malloc(rows * cols * sizeof *w);
	float *all = malloc(n * rows * sizeof *all), *one = malloc(rows * sizeof *one);
	uint64_t rng = 9;

	assert_true(x && w && all && one);
	kvp__rng_fill(&rng, x, n * cols, 1.0f);
	kvp__rng_fill(&rng, w, rows * cols, 1.0f);
	kvp__matmul(all, x, w, n, cols, rows);
	for (uint64_t t = 0; t < n; t++) {
		kvp__matmul(one, x + t * cols, w, 1, cols, rows);
		assert_memory_equal(one, all + t * rows, rows * sizeof *one);
		for (uint64_t r = 0; r < rows; r++) {
			double sum = 0, abs = 0;

			for (uint64_t c = 0; c < cols; c++) {
				double term = (double)x[t * cols + c] *
				              w[kvp__panel_index(rows, cols, r, c)];

				sum += term;
				abs += fabs(term);
			}
			/* A float sum of cols products in any order is within
			 * about cols * 2^-24 of their magnitudes' sum; bound is
			 * twice that. */
			assert_true(fabs(sum - one[r]) <= bound * abs);
		}
	}
	free(x);
	free(w);
	free(all);
	free(one);
}

static void test_matmul_independent_of_batch(void **state)
{
	(void)state;
	matmul_check(37, 29, 5, 2 * 29 * 0x1p-24);
	/* Three panels, the last of 40 columns, over two tiles of tokens. */
	matmul_check(19, 2 * KVP__PANEL + 40, 7, 2 * (2 * KVP__PANEL + 40) * 0x1p-24);
}

/* Element (r, c) of a (3, 2 * KVP__PANEL + 5) matrix in panels: the first
 * panel holds each row's first KVP__PANEL columns, row after row; the
 * third the last 5 columns of every row. */
static void test_panel_index(void **state)
{
	uint64_t cols = 2 * KVP__PANEL + 5;

	(void)state;
	assert_int_equal(kvp__panel_index(3, cols, 0, 0), 0);
	assert_int_equal(kvp__panel_index(3, cols, 0, KVP__PANEL - 1), KVP__PANEL - 1);
	assert_int_equal(kvp__panel_index(3, cols, 1, 0), KVP__PANEL);
	assert_int_equal(kvp__panel_index(3, cols, 0, KVP__PANEL), 3 * KVP__PANEL);
	assert_int_equal(kvp__panel_index(3, cols, 2, 2 * KVP__PANEL), 6 * KVP__PANEL + 10);
	assert_int_equal(kvp__panel_index(3, cols, 2, cols - 1), 3 * cols - 1);
	/* A matrix narrower than a panel is stored row after row. */
	assert_int_equal(kvp__panel_index(5, 29, 4, 28), 5 * 29 - 1);
}

/* The same checks on the portable kernels and decoders, whatever the CPU
 * has (attn_kernels.c, half.c): the vector path is what runs above. */
#define PORTABLE(test)                                                          \
	static void test##_portable(void **state)                               \
	{                                                                       \
		kvp__simd_portable(1);                                          \
		test(state);                                                    \
		kvp__simd_portable(0);                                          \
	}
PORTABLE(test_cached_decode_equals_recompute)
PORTABLE(test_prefill_whole_context)
PORTABLE(test_index_mapping_equals_repeat_kv)
PORTABLE(test_half_storage_error_bound)

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cached_decode_equals_recompute),
		cmocka_unit_test(test_prefill_whole_context),
		cmocka_unit_test(test_index_mapping_equals_repeat_kv),
		cmocka_unit_test(test_half_storage_error_bound),
		cmocka_unit_test(test_rope_relative_position),
		cmocka_unit_test(test_decode_past_max_seq),
		cmocka_unit_test(test_bad_shapes),
		cmocka_unit_test(test_allocation_failures),
		cmocka_unit_test(test_matmul_independent_of_batch),
		cmocka_unit_test(test_panel_index),
		cmocka_unit_test(test_cached_decode_equals_recompute_portable),
		cmocka_unit_test(test_prefill_whole_context_portable),
		cmocka_unit_test(test_index_mapping_equals_repeat_kv_portable),
		cmocka_unit_test(test_half_storage_error_bound_portable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
