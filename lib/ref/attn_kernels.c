/*
 * attn_kernels.c — the three kernels of decode attention, which read the
 * whole cache once per step: the scores of a group of query heads against
 * cached keys, the softmax of the scores, and the probabilities times the
 * cached values.  The cached path and the recomputation (attention.c) both
 * call these and nothing else for that arithmetic, so they agree to the bit.
 *
 * Keys and values are read as stored (fp32, fp16, bf16) and each row of a
 * kv head is converted once and used by every query head of its group.
 * Two builds of the scores and values kernels:
 *  - x86-64 with AVX2, FMA and F16C (Haswell, Zen and later): rows are
 *    converted in registers as they are loaded (vcvtph2ps for fp16, a
 *    shift for bf16), 8 lanes, fused multiply-adds;
 *  - portable C everywhere else: rows converted into a small buffer
 *    (half.c's decoders, themselves vectorised where the CPU allows), then
 *    8-lane vectors of GCC's and Clang's vector extension.
 * The CPU picks one when first asked; the results of the two differ by the
 * FMA's single rounding, as results already differ between builds.
 *
 * Each score is one chain: an 8-lane accumulator over head_dim in steps of
 * 8, its lanes summed in one fixed tree, then the head_dim % 8 tail in
 * order, times the scale.  Each output element is one chain over the rows
 * in order.  Neither depends on how rows or heads are blocked, so a block
 * of rows at a time (the cache) and all rows at once (the recomputation)
 * give the same bits.
 */
#include <string.h>

#include "ref/ref.h"

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

/* The softmax's one body, built for the baseline CPU and for AVX2 (which
 * may fuse its multiply-adds): the cached path and the recomputation call
 * the same build. */
static VEC_INLINE void softmax_body(float *x, uint64_t n, uint32_t n_cols,
                                    float *max, float *sum)
{
	for (uint32_t c = 0; c < n_cols; c += 8) {
		v8f m = load_cols(x, c, n_cols), s = {0}, inv;

		for (uint64_t i = 1; i < n; i++) {
			v8f v = load_cols(x + i * n_cols, c, n_cols);

			m = select8(v > m, v, m);
		}
		for (uint64_t i = 0; i < n; i++) {
			v8f e = exp8(load_cols(x + i * n_cols, c, n_cols) - m);

			store_cols(x + i * n_cols, c, n_cols, e);
			s += e;
		}
		inv = 1.0f / s;
		for (uint64_t i = 0; i < n; i++)
			store_cols(x + i * n_cols, c, n_cols,
			           load_cols(x + i * n_cols, c, n_cols) * inv);
		store_cols(max, c, n_cols, m);
		store_cols(sum, c, n_cols, s);
	}
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
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma,f16c")))
#define AVX2_INLINE __attribute__((target("avx2,fma,f16c"), always_inline)) inline
/* The tiles' loops over their 8 accumulators, unrolled whole so that the
 * accumulators are registers, not an array in memory. */
#define UNROLL _Pragma("GCC unroll 8")

/* Eight stored values at p as floats. */
static AVX2_INLINE __m256 load8(const void *p, kvp_dtype dtype)
{
	if (dtype == KVP_DTYPE_FP16)
		return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
	if (dtype == KVP_DTYPE_BF16)
		return _mm256_castsi256_ps(_mm256_slli_epi32(
		        _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p)), 16));
	return _mm256_loadu_ps(p);
}

static AVX2_INLINE float stored(const void *p, uint32_t i, kvp_dtype dtype)
{
	if (dtype == KVP_DTYPE_FP16)
		return kvp__fp16_to_float(((const uint16_t *)p)[i]);
	if (dtype == KVP_DTYPE_BF16)
		return kvp__bf16_to_float(((const uint16_t *)p)[i]);
	return ((const float *)p)[i];
}


/* The lanes of eight accumulators summed, the sum of a[i] in lane i, each
 * by the tree lanes_sum names. */
static AVX2_INLINE __m256 reduce8(const __m256 a[8])
{
	__m256 t0 = _mm256_hadd_ps(a[0], a[1]), t1 = _mm256_hadd_ps(a[2], a[3]);
	__m256 t2 = _mm256_hadd_ps(a[4], a[5]), t3 = _mm256_hadd_ps(a[6], a[7]);
	__m256 lo, hi;

	t0 = _mm256_hadd_ps(t0, t1); /* a0..a3: lanes 0-3 low, 4-7 high halves */
	t2 = _mm256_hadd_ps(t2, t3);
	lo = _mm256_permute2f128_ps(t0, t2, 0x20);
	hi = _mm256_permute2f128_ps(t0, t2, 0x31);
	return _mm256_add_ps(lo, hi);
}

/* The final vectors of query heads [qh, qh + QH) of kv head g: the key
 * slice read once, in order, each chunk used by the QH heads, and each
 * head's sum split over C = 8 / QH chains (chunk c into chain c % C), so
 * that 8 chains of FMAs hide their latency; the chains are then added
 * pairwise, (0 + 1) + (2 + 3) and so on.  Reading every row in order, kv
 * head after kv head, makes the cache one stream, front to back: the
 * bench's host follows one stream at full speed and several (tiles of
 * rows, or of kv heads side by side) at about half. */
static AVX2_INLINE void scores_tile(const float *q, uint32_t head_dim,
                                    const unsigned char *slice,
                                    kvp_dtype dtype, uint32_t QH, __m256 *out)
{
	size_t elem = dtype == KVP_DTYPE_FP32 ? 4 : 2;
	const uint32_t C = 8 / QH;
	__m256 acc[8];
	uint32_t d = 0;

	UNROLL
	for (int i = 0; i < 8; i++)
		acc[i] = _mm256_setzero_ps();
	for (; d + 8 * C <= head_dim; d += 8 * C)
		UNROLL
		for (uint32_t c = 0; c < C; c++) {
			__m256 kv = load8(slice + (d + 8 * c) * elem, dtype);

			UNROLL
			for (uint32_t i = 0; i < QH; i++)
				acc[i * C + c] = _mm256_fmadd_ps(
				        _mm256_loadu_ps(q + (uint64_t)i * head_dim + d + 8 * c),
				        kv, acc[i * C + c]);
		}
	/* The chunks past the last whole round of chains, chain by chain. */
	for (uint32_t c = 0; d + 8 <= head_dim; d += 8, c++) {
		__m256 kv = load8(slice + d * elem, dtype);

		UNROLL
		for (uint32_t i = 0; i < QH; i++)
			acc[i * C + c] = _mm256_fmadd_ps(
			        _mm256_loadu_ps(q + (uint64_t)i * head_dim + d), kv,
			        acc[i * C + c]);
	}
	UNROLL
	for (uint32_t i = 0; i < QH; i++) {
		__m256 *a = acc + i * C;

		if (C == 8)
			out[i] = _mm256_add_ps(
			        _mm256_add_ps(_mm256_add_ps(a[0], a[1]), _mm256_add_ps(a[2], a[3])),
			        _mm256_add_ps(_mm256_add_ps(a[4], a[5]), _mm256_add_ps(a[6], a[7])));
		else if (C == 4)
			out[i] = _mm256_add_ps(_mm256_add_ps(a[0], a[1]),
			                       _mm256_add_ps(a[2], a[3]));
		else if (C == 2)
			out[i] = _mm256_add_ps(a[0], a[1]);
		else
			out[i] = a[0];
	}
}

/* Scores of query heads [h0, h0 + n) from their final vectors: summed
 * across lanes eight heads at a time, the tail of head_dim % 8 added in
 * order, times the scale. */
static AVX2_INLINE void scores_store(__m256 *fv, uint32_t n, uint64_t h0,
                                     const float *q, uint32_t head_dim,
                                     uint32_t group, const unsigned char *row,
                                     kvp_dtype dtype, float scale, float *att)
{
	size_t elem = dtype == KVP_DTYPE_FP32 ? 4 : 2;
	uint32_t tail = head_dim % 8;
	float sums[8];

	for (uint32_t i = n; i < 8; i++)
		fv[i] = _mm256_setzero_ps();
	if (n == 8 && tail == 0) {
		_mm256_storeu_ps(att + h0, _mm256_mul_ps(reduce8(fv), _mm256_set1_ps(scale)));
		return;
	}
	_mm256_storeu_ps(sums, reduce8(fv));
	for (uint32_t i = 0; i < n; i++) {
		uint64_t h = h0 + i;
		const unsigned char *slice = row + (h / group) * head_dim * elem;
		float s = sums[i];

		for (uint32_t t = head_dim - tail; t < head_dim; t++)
			s += q[h * head_dim + t] * stored(slice, t, dtype);
		att[h] = s * scale;
	}
}

static AVX2_INLINE void scores_avx2_t(const float *q, uint32_t heads,
                                      uint32_t kv_heads, uint32_t head_dim,
                                      float scale, const void *k,
                                      kvp_dtype dtype, uint64_t k_stride,
                                      uint64_t n_rows, float *att,
                                      uint64_t att_stride)
{
	size_t elem = dtype == KVP_DTYPE_FP32 ? 4 : 2;
	uint32_t group = heads / kv_heads;

/* QH query heads a tile, a constant so that the accumulators stay in
 * registers; the final vectors of eight heads at a time are summed
 * across lanes together. */
#define SCORE_ROWS(QH)                                                        \
	for (uint64_t r = 0; r < n_rows; r++) {                               \
		const unsigned char *row = (const unsigned char *)k + r * k_stride; \
		__m256 fv[8 + (QH)];                                          \
		uint32_t n = 0;                                               \
		uint64_t h0 = 0;                                              \
                                                                              \
		for (uint32_t g = 0; g < kv_heads; g++)                       \
			for (uint32_t qh = 0; qh < group; qh += (QH)) {        \
				scores_tile(q + ((uint64_t)g * group + qh) * head_dim, \
				            head_dim, row + (uint64_t)g * head_dim * elem, \
				            dtype, (QH), fv + n);               \
				n += (QH);                                      \
				if (n >= 8) {                                   \
					scores_store(fv, 8, h0, q, head_dim, group, row, \
					             dtype, scale, att + r * att_stride); \
					h0 += 8;                                \
					n -= 8;                                 \
					for (uint32_t i = 0; i < n; i++)        \
						fv[i] = fv[8 + i];              \
				}                                               \
			}                                                       \
		if (n)                                                        \
			scores_store(fv, n, h0, q, head_dim, group, row, dtype, \
			             scale, att + r * att_stride);            \
	}
	if (group % 8 == 0) {
		SCORE_ROWS(8)
	} else if (group % 4 == 0) {
		SCORE_ROWS(4)
	} else if (group % 2 == 0) {
		SCORE_ROWS(2)
	} else {
		SCORE_ROWS(1)
	}
#undef SCORE_ROWS
}

static AVX2 void scores_avx2(const float *q, uint32_t heads, uint32_t kv_heads,
                             uint32_t head_dim, float scale, const void *k,
                             kvp_dtype dtype, uint64_t k_stride,
                             uint64_t n_rows, float *att, uint64_t att_stride)
{
	/* One copy per storage type, so that load8's branch is decided when
	 * it is compiled. */
	if (dtype == KVP_DTYPE_FP16)
		scores_avx2_t(q, heads, kv_heads, head_dim, scale, k, KVP_DTYPE_FP16,
		              k_stride, n_rows, att, att_stride);
	else if (dtype == KVP_DTYPE_BF16)
		scores_avx2_t(q, heads, kv_heads, head_dim, scale, k, KVP_DTYPE_BF16,
		              k_stride, n_rows, att, att_stride);
	else
		scores_avx2_t(q, heads, kv_heads, head_dim, scale, k, KVP_DTYPE_FP32,
		              k_stride, n_rows, att, att_stride);
}

/* One row's values into the outputs of query heads [qh, qh + QH) of kv
 * head g: each value chunk is loaded once for the QH heads, and each
 * output chunk is read, fused-multiply-added and stored back, so every
 * output element is one chain over the rows in order.  Rows in order, kv
 * heads in order: one stream, as for the scores. */
static AVX2_INLINE void values_tile(float *o, const float *p, uint32_t group,
                                    uint32_t head_dim, const unsigned char *row,
                                    kvp_dtype dtype, uint32_t g, uint32_t qh,
                                    uint32_t QH)
{
	size_t elem = dtype == KVP_DTYPE_FP32 ? 4 : 2;
	const unsigned char *vg = row + (uint64_t)g * head_dim * elem;
	uint64_t h0 = (uint64_t)g * group + qh;
	__m256 pv[8];
	uint32_t d = 0;

	UNROLL
	for (uint32_t i = 0; i < QH; i++)
		pv[i] = _mm256_broadcast_ss(p + h0 + i);
	for (; d + 8 <= head_dim; d += 8) {
		__m256 vals = load8(vg + d * elem, dtype);

		UNROLL
		for (uint32_t i = 0; i < QH; i++) {
			float *oi = o + (h0 + i) * head_dim + d;

			_mm256_storeu_ps(oi, _mm256_fmadd_ps(pv[i], vals,
			                                     _mm256_loadu_ps(oi)));
		}
	}
	for (; d < head_dim; d++)
		for (uint32_t i = 0; i < QH; i++)
			o[(h0 + i) * head_dim + d] += p[h0 + i] * stored(vg, d, dtype);
}

static AVX2_INLINE void values_avx2_t(float *o, uint32_t heads,
                                      uint32_t kv_heads, uint32_t head_dim,
                                      const float *att, uint64_t att_stride,
                                      const void *v, kvp_dtype dtype,
                                      uint64_t v_stride, uint64_t n_rows)
{
	uint32_t group = heads / kv_heads;

#define VALUE_ROWS(QH)                                                        \
	for (uint64_t r = 0; r < n_rows; r++) {                               \
		const unsigned char *row = (const unsigned char *)v + r * v_stride; \
                                                                              \
		for (uint32_t g = 0; g < kv_heads; g++)                       \
			for (uint32_t qh = 0; qh < group; qh += (QH))          \
				values_tile(o, att + r * att_stride, group,     \
				            head_dim, row, dtype, g, qh, (QH));   \
	}
	if (group % 8 == 0) {
		VALUE_ROWS(8)
	} else if (group % 4 == 0) {
		VALUE_ROWS(4)
	} else if (group % 2 == 0) {
		VALUE_ROWS(2)
	} else {
		VALUE_ROWS(1)
	}
#undef VALUE_ROWS
}

static AVX2 void values_avx2(float *o, uint32_t heads, uint32_t kv_heads,
                             uint32_t head_dim, const float *att,
                             uint64_t att_stride, const void *v,
                             kvp_dtype dtype, uint64_t v_stride,
                             uint64_t n_rows)
{
	if (dtype == KVP_DTYPE_FP16)
		values_avx2_t(o, heads, kv_heads, head_dim, att, att_stride, v,
		              KVP_DTYPE_FP16, v_stride, n_rows);
	else if (dtype == KVP_DTYPE_BF16)
		values_avx2_t(o, heads, kv_heads, head_dim, att, att_stride, v,
		              KVP_DTYPE_BF16, v_stride, n_rows);
	else
		values_avx2_t(o, heads, kv_heads, head_dim, att, att_stride, v,
		              KVP_DTYPE_FP32, v_stride, n_rows);
}

/* A dot product of n floats: four chains of 8-lane FMAs over 32 floats a
 * step, the 8-float chunks after them into the chains in turn, the chains
 * added pairwise, the lanes by lanes_sum's tree, then the tail in order.
 * The projections stream their weights through it, one row per output. */
static AVX2 float dot_avx2(const float *a, const float *b, uint64_t n)
{
	__m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(),
	                 _mm256_setzero_ps(), _mm256_setzero_ps()};
	__m256 sum[8];
	float lanes[8], s;
	uint64_t i = 0;

	for (; i + 32 <= n; i += 32)
		UNROLL
		for (int c = 0; c < 4; c++)
			acc[c] = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8 * c),
			                         _mm256_loadu_ps(b + i + 8 * c), acc[c]);
	for (int c = 0; i + 8 <= n; i += 8, c++)
		acc[c] = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i),
		                         acc[c]);
	sum[0] = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]),
	                       _mm256_add_ps(acc[2], acc[3]));
	for (int c = 1; c < 8; c++)
		sum[c] = _mm256_setzero_ps();
	_mm256_storeu_ps(lanes, reduce8(sum));
	s = lanes[0];
	for (; i < n; i++)
		s += a[i] * b[i];
	return s;
}

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

/* The AVX2 build where the CPU has it and kvp__simd_portable has not
 * turned it off (both asked of half.c's one cached cpuid). */
static int vector_kernels(void)
{
	return use_avx2();
}

float kvp__dot(const float *a, const float *b, uint64_t n)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	if (vector_kernels())
		return dot_avx2(a, b, n);
#endif
	return dot_portable(a, b, n);
}

void kvp__attn_scores(const float *q, uint32_t heads, uint32_t kv_heads,
                      uint32_t head_dim, float scale, const void *k,
                      kvp_dtype dtype, uint64_t k_stride, uint64_t n_rows,
                      float *att, uint64_t att_stride, float *buf)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	if (vector_kernels()) {
		scores_avx2(q, heads, kv_heads, head_dim, scale, k, dtype, k_stride,
		            n_rows, att, att_stride);
		return;
	}
#endif
	scores_portable(q, heads, kv_heads, head_dim, scale, k, dtype, k_stride,
	                n_rows, att, att_stride, buf);
}

void kvp__attn_values(float *o, uint32_t heads, uint32_t kv_heads,
                      uint32_t head_dim, const float *att, uint64_t att_stride,
                      const void *v, kvp_dtype dtype, uint64_t v_stride,
                      uint64_t n_rows, float *buf)
{
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
	if (vector_kernels()) {
		values_avx2(o, heads, kv_heads, head_dim, att, att_stride, v, dtype,
		            v_stride, n_rows);
		return;
	}
#endif
	values_portable(o, heads, kv_heads, head_dim, att, att_stride, v, dtype,
	                v_stride, n_rows, buf);
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
