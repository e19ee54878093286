/*
 * attn_kernels.c — the three kernels of decode attention, which read the
 * whole cache once per step: the scores of a group of query heads against
 * cached keys, the softmax of the scores, and the probabilities times the
 * cached values.  The cached path and the recomputation (attention.c) both
 * call these and nothing else for that arithmetic, so they agree to the bit.
 *
 * Keys and values are read as stored (fp32, fp16, bf16) and each row of a
 * kv head is converted once and used by every query head of its group.
 * Three builds of the scores and values kernels:
 *  - x86-64 with AVX-512 (attn_avx512.c: Skylake-SP, Zen 4 and later):
 *    16 lanes, the same sums as AVX2's in the same order, so the same bits;
 *  - x86-64 with AVX2, FMA and F16C (attn_avx2.c: Haswell, Zen and later):
 *    rows are converted in registers as they are loaded (vcvtph2ps for
 *    fp16, a shift for bf16), 8 lanes, fused multiply-adds;
 *  - portable C everywhere else: rows converted into a small buffer
 *    (half.c's decoders, themselves vectorised where the CPU allows), then
 *    8-lane vectors of GCC's and Clang's vector extension.
 * The CPU picks one when first asked; the results of the portable build
 * and the others differ by the FMA's single rounding, as results already
 * differ between builds.
 *
 * Each score is one chain: an 8-lane accumulator over head_dim in steps of
 * 8, its lanes summed in one fixed tree, then the head_dim % 8 tail in
 * order, times the scale.  Each output element is one chain over the rows
 * in order.  Neither depends on how rows or heads are blocked, so a block
 * of rows at a time (the cache) and all rows at once (the recomputation)
 * give the same bits.
 */
#include <string.h>

#include "ref/attn_x86.h"

/* 32-byte vectors of the vector extension, in every build: the helpers that
 * take or return them are always inlined, so the psABI's note that passing
 * them without AVX differs between compilers never applies. */
#if defined(__clang__)
#pragma clang diagnostic ignored "-Wunknown-warning-option"
#pragma clang diagnostic ignored "-Wpsabi"
#elif defined(__GNUC__)
#pragma GCC diagnostic ignored "-Wpsabi"
#endif
typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));

/* ---- softmax ---------------------------------------------------------------- */

/* Helpers of 32-byte vectors are always inlined: called as functions
 * they would pass them in memory (without AVX, by the psABI). */
#define VEC_INLINE __attribute__((always_inline)) inline

static VEC_INLINE v8f load8f(const float *p)
{
	v8f v;

	memcpy(&v, p, sizeof v);
	return v;
}

static VEC_INLINE void store8f(float *p, v8f v)
{
	memcpy(p, &v, sizeof v);
}

static VEC_INLINE v8f select8(v8i mask, v8f yes, v8f no)
{
	return (v8f)(((v8i)yes & mask) | ((v8i)no & ~mask));
}

/* e^x lane by lane for x <= 0 (a score less the column's largest): x = n
 * ln 2 + r, |r| <= ln 2 / 2, with n rounded to nearest by adding 1.5 x
 * 2^23, ln 2 in two parts (Cody and Waite), e^r by Cephes' expf
 * polynomial, and 2^n put in the exponent.  Within 2 ulp of libm's expf
 * (tests/test_ref_kernels.c checks every float in [-87, 0] at a stride);
 * below -87.33, where e^x is under the smallest normal float, 0.  Every
 * lane is the same arithmetic, so a column's result does not depend on
 * its lane. */
static VEC_INLINE v8f exp8(v8f x)
{
	const v8f shift = {12582912.0f, 12582912.0f, 12582912.0f, 12582912.0f,
	                   12582912.0f, 12582912.0f, 12582912.0f, 12582912.0f};
	v8i tiny = x < -87.33f;
	v8f t, n, r, p;
	v8i bits;

	x = select8(tiny, (v8f){0}, x);
	t = x * 1.44269504088896341f + shift;
	n = t - shift;
	bits = ((v8i)t - (v8i)shift + 127) << 23;
	r = x - n * 0.693359375f;
	r = r - n * -2.12194440e-4f;
	p = 1.9875691500e-4f * r + 1.3981999507e-3f;
	p = p * r + 8.3334519073e-3f;
	p = p * r + 4.1665795894e-2f;
	p = p * r + 1.6666665459e-1f;
	p = p * r + 5.0000001201e-1f;
	p = p * (r * r) + r + 1.0f;
	return select8(tiny, (v8f){0}, p * (v8f)bits);
}

/* e^x of one value, lane 0 of exp8, in the build the softmax runs. */
static VEC_INLINE float exp1(float x)
{
	float lanes[8] = {x};

	store8f(lanes, exp8(load8f(lanes)));
	return lanes[0];
}

/* Columns [c, c + 8) of row i of x (n_cols wide), the missing ones of the
 * last group read as 0 and never written. */
static VEC_INLINE v8f load_cols(const float *row, uint32_t c, uint32_t n_cols)
{
	float lanes[8] = {0};

	if (c + 8 <= n_cols)
		return load8f(row + c);
	memcpy(lanes, row + c, (n_cols - c) * sizeof *row);
	return load8f(lanes);
}

static VEC_INLINE void store_cols(float *row, uint32_t c, uint32_t n_cols, v8f v)
{
	float lanes[8];

	if (c + 8 <= n_cols) {
		store8f(row + c, v);
		return;
	}
	store8f(lanes, v);
	memcpy(row + c, lanes, (n_cols - c) * sizeof *row);
}

/* Columns [c, c + 8 W) of the softmax (W <= 4 vectors of 8, a constant
 * where it is inlined): three passes over the rows, each row's W groups
 * side by side, so that a pass reads the rows in order once and the W
 * columns' chains (the largest, the sum) overlap.  Each column's
 * arithmetic, and its order over the rows, is the same whatever W: the
 * same bits as one group at a time, which took 4 W passes of 32 bytes a
 * row (the GQA fp16 decode's softmax, 32 heads: 23 ns a row from L2, 32
 * from the L3, on a Zen 5 guest). */
static VEC_INLINE void softmax_block(float *x, uint64_t n, uint32_t n_cols,
                                     uint32_t c, uint32_t W, float *max, float *sum)
{
	v8f m[4], s[4], inv[4];

	for (uint32_t j = 0; j < W; j++) {
		m[j] = load_cols(x, c + 8 * j, n_cols);
		s[j] = (v8f){0};
	}
	for (uint64_t i = 1; i < n; i++)
		for (uint32_t j = 0; j < W; j++) {
			v8f v = load_cols(x + i * n_cols, c + 8 * j, n_cols);

			m[j] = select8(v > m[j], v, m[j]);
		}
	for (uint64_t i = 0; i < n; i++)
		for (uint32_t j = 0; j < W; j++) {
			v8f e = exp8(load_cols(x + i * n_cols, c + 8 * j, n_cols) - m[j]);

			store_cols(x + i * n_cols, c + 8 * j, n_cols, e);
			s[j] += e;
		}
	for (uint32_t j = 0; j < W; j++)
		inv[j] = 1.0f / s[j];
	for (uint64_t i = 0; i < n; i++)
		for (uint32_t j = 0; j < W; j++)
			store_cols(x + i * n_cols, c + 8 * j, n_cols,
			           load_cols(x + i * n_cols, c + 8 * j, n_cols) * inv[j]);
	for (uint32_t j = 0; j < W; j++) {
		store_cols(max, c + 8 * j, n_cols, m[j]);
		store_cols(sum, c + 8 * j, n_cols, s[j]);
	}
}

/* The softmax's one body, built for the baseline CPU and for AVX2 (which
 * may fuse its multiply-adds): the cached path and the recomputation call
 * the same build.  Whole blocks of 32 columns, then 8 at a time. */
static VEC_INLINE void softmax_body(float *x, uint64_t n, uint32_t n_cols,
                                    float *max, float *sum)
{
	uint32_t c = 0;

	for (; c + 32 <= n_cols; c += 32)
		softmax_block(x, n, n_cols, c, 4, max, sum);
	for (; c < n_cols; c += 8)
		softmax_block(x, n, n_cols, c, 1, max, sum);
}

static void softmax_portable(float *x, uint64_t n, uint32_t n_cols, float *max,
                             float *sum)
{
	softmax_body(x, n, n_cols, max, sum);
}

static float exp_portable(float x)
{
	return exp1(x);
}

/* ---- portable scores and values --------------------------------------------- */

/* The lanes of an accumulator summed as the AVX2 build's horizontal adds
 * sum them: ((0 + 1) + (2 + 3)) + ((4 + 5) + (6 + 7)). */
static VEC_INLINE float lanes_sum(v8f a)
{
	float l[8];

	store8f(l, a);
	return ((l[0] + l[1]) + (l[2] + l[3])) + ((l[4] + l[5]) + (l[6] + l[7]));
}

/* Row r of the rows stored stride bytes apart (kv_dim values each) as
 * floats: an fp32 row where it lies, others decoded into buf. */
static const float *row_float(const void *rows, kvp_dtype dtype, uint64_t stride,
                              uint64_t r, uint64_t kv_dim, float *buf)
{
	const unsigned char *row = (const unsigned char *)rows + r * stride;

	if (dtype == KVP_DTYPE_FP32)
		return (const float *)(const void *)row;
	kvp__storage_decode(dtype, buf, row, kv_dim);
	return buf;
}

/* The dot product of the portable path: one 8-lane accumulator, its
 * lanes by lanes_sum's tree, then the tail in order; a score, and the
 * projections' rows. */
static float dot_portable(const float *a, const float *b, uint64_t n)
{
	v8f acc = {0};
	uint64_t i = 0;
	float s;

	for (; i + 8 <= n; i += 8)
		acc += load8f(a + i) * load8f(b + i);
	s = lanes_sum(acc);
	for (; i < n; i++)
		s += a[i] * b[i];
	return s;
}

static void scores_portable(const float *q, uint32_t heads, uint32_t kv_heads,
                            uint32_t head_dim, float scale, const void *k,
                            kvp_dtype dtype, uint64_t k_stride, uint64_t n_rows,
                            float *att, uint64_t att_stride, float *buf)
{
	uint32_t group = heads / kv_heads;

	for (uint64_t r = 0; r < n_rows; r++) {
		const float *row = row_float(k, dtype, k_stride, r,
		                             (uint64_t)kv_heads * head_dim, buf);

		for (uint32_t h = 0; h < heads; h++)
			att[r * att_stride + h] =
				dot_portable(q + (uint64_t)h * head_dim,
				               row + (uint64_t)(h / group) * head_dim,
				               head_dim) * scale;
	}
}

static void values_portable(float *o, uint32_t heads, uint32_t kv_heads,
                            uint32_t head_dim, const float *att,
                            uint64_t att_stride, const void *v, kvp_dtype dtype,
                            uint64_t v_stride, uint64_t n_rows, float *buf)
{
	uint32_t group = heads / kv_heads;

	for (uint64_t r = 0; r < n_rows; r++) {
		const float *row = row_float(v, dtype, v_stride, r,
		                             (uint64_t)kv_heads * head_dim, buf);

		for (uint32_t h = 0; h < heads; h++) {
			const float *vh = row + (uint64_t)(h / group) * head_dim;
			float *oh = o + (uint64_t)h * head_dim, p = att[r * att_stride + h];
			uint32_t d = 0;

			for (; d + 8 <= head_dim; d += 8)
				store8f(oh + d, load8f(oh + d) + p * load8f(vh + d));
			for (; d < head_dim; d++)
				oh[d] += p * vh[d];
		}
	}
}

/* ---- AVX2, FMA and F16C ---------------------------------------------------- */

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
static AVX2 void softmax_avx2(float *x, uint64_t n, uint32_t n_cols,
                              float *max, float *sum)
{
	softmax_body(x, n, n_cols, max, sum);
}

static AVX2 float exp_avx2(float x)
{
	return exp1(x);
}

static int use_avx2(void)
{
	return kvp__cpu_has_avx2() && kvp__cpu_has_fma() && kvp__cpu_has_f16c();
}
#else
static int use_avx2(void)
{
	return 0;
}
#endif

/* ---- the entry points ------------------------------------------------------- */

/* The AVX2 build where the CPU has it and kvp__simd_limit has not turned
 * it off (both asked of half.c's one cached cpuid); AVX-512's where the
 * CPU also has that. */
static int vector_kernels(void)
{
	return use_avx2();
}

kvp__dot_fn kvp__dot_build(void)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	if (vector_kernels())
		return kvp__cpu_has_avx512() ? kvp__dot_avx512 : kvp__dot_avx2;
#endif
	return dot_portable;
}

float kvp__dot(const float *a, const float *b, uint64_t n)
{
	return kvp__dot_build()(a, b, n);
}

void kvp__attn_scores(const float *q, uint32_t heads, uint32_t kv_heads,
                      uint32_t head_dim, float scale, const void *k,
                      kvp_dtype dtype, uint64_t k_stride, uint64_t n_rows,
                      float *att, uint64_t att_stride, float *buf)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	if (vector_kernels()) {
		if (!kvp__cpu_has_avx512() ||
		    !kvp__scores_avx512(q, heads, kv_heads, head_dim, scale, k, dtype,
		                        k_stride, n_rows, att, att_stride))
			kvp__scores_avx2(q, heads, kv_heads, head_dim, scale, k, dtype,
			                 k_stride, n_rows, att, att_stride);
		return;
	}
#endif
	scores_portable(q, heads, kv_heads, head_dim, scale, k, dtype, k_stride,
	                n_rows, att, att_stride, buf);
}

void kvp__attn_values_next(float *o, uint32_t heads, uint32_t kv_heads,
                           uint32_t head_dim, const float *att, uint64_t att_stride,
                           const void *v, kvp_dtype dtype, uint64_t v_stride,
                           uint64_t n_rows, const void *v_next, uint64_t next_rows,
                           float *buf)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	if (vector_kernels()) {
		if (kvp__cpu_has_avx512())
			kvp__values_avx512(o, heads, kv_heads, head_dim, att, att_stride, v,
			                   dtype, v_stride, n_rows, v_next, next_rows);
		else
			kvp__values_avx2(o, heads, kv_heads, head_dim, att, att_stride, v,
			                 dtype, v_stride, n_rows, v_next, next_rows);
		return;
	}
#endif
	(void)v_next;
	(void)next_rows;
	values_portable(o, heads, kv_heads, head_dim, att, att_stride, v, dtype,
	                v_stride, n_rows, buf);
}

void kvp__attn_values(float *o, uint32_t heads, uint32_t kv_heads,
                      uint32_t head_dim, const float *att, uint64_t att_stride,
                      const void *v, kvp_dtype dtype, uint64_t v_stride,
                      uint64_t n_rows, float *buf)
{
	kvp__attn_values_next(o, heads, kv_heads, head_dim, att, att_stride, v, dtype,
	                      v_stride, n_rows, NULL, 0, buf);
}

void kvp__softmax_columns(float *x, uint64_t n, uint32_t n_cols, float *max,
                          float *sum)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	if (vector_kernels()) {
		softmax_avx2(x, n, n_cols, max, sum);
		return;
	}
#endif
	softmax_portable(x, n, n_cols, max, sum);
}

float kvp__exp_nonpositive(float x)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	if (vector_kernels())
		return exp_avx2(x);
#endif
	return exp_portable(x);
}
