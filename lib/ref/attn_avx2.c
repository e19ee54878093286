/*
 * attn_avx2.c — the scores and values kernels (and the projections' dot
 * product) built for AVX2, FMA and F16C: Haswell, Zen and later.  Rows
 * are converted in registers as they are loaded (vcvtph2ps for fp16, a
 * shift for bf16), 8 lanes, fused multiply-adds.  With two or more query
 * heads a kv head, the values keep a tile's outputs in 8 registers over a
 * block of rows, as attn_avx512.c's do in 16.  attn_kernels.c says what
 * each kernel computes and picks the build.
 */
#include "ref/attn_x86.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))

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
			__m256 kv = kvp__load8(slice + (d + 8 * c) * elem, dtype);

			UNROLL
			for (uint32_t i = 0; i < QH; i++)
				acc[i * C + c] = _mm256_fmadd_ps(
				        _mm256_loadu_ps(q + (uint64_t)i * head_dim + d + 8 * c),
				        kv, acc[i * C + c]);
		}
	/* The chunks past the last whole round of chains, chain by chain. */
	for (uint32_t c = 0; d + 8 <= head_dim; d += 8, c++) {
		__m256 kv = kvp__load8(slice + d * elem, dtype);

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
					kvp__scores_store(fv, 8, h0, q, head_dim, group, row, \
					             dtype, scale, att + r * att_stride); \
					h0 += 8;                                \
					n -= 8;                                 \
					for (uint32_t i = 0; i < n; i++)        \
						fv[i] = fv[8 + i];              \
				}                                               \
			}                                                       \
		if (n)                                                        \
			kvp__scores_store(fv, n, h0, q, head_dim, group, row, dtype, \
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

AVX2 void kvp__scores_avx2(const float *q, uint32_t heads, uint32_t kv_heads,
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

/* The values of rows [0, n) (n <= KVP__VALUE_BLOCK) into the outputs of
 * query heads [qh, qh + QH) of kv head g, elements [d0, d0 + 8 W): QH x W
 * accumulators (8 of the 16 registers) loaded from o, each row's FMA in
 * row order (kvp__values_tile's chain), stored back once.  Row by row, GQA's
 * values stored 4 output floats for each fp16 value read, and the stores
 * set their speed.  Each row fetches its part of the next block's (next
 * of them from nb) into L2. */
static AVX2_INLINE void values_block(float *o, const float *att, uint64_t att_stride,
                                     const unsigned char *v, uint64_t v_stride,
                                     uint64_t n, uint32_t group, uint32_t head_dim,
                                     kvp_dtype dtype, uint32_t g, uint32_t qh,
                                     uint32_t d0, uint32_t QH, uint32_t W,
                                     const unsigned char *nb, uint64_t next)
{
	size_t elem = dtype == KVP_DTYPE_FP32 ? 4 : 2;
	uint64_t h0 = (uint64_t)g * group + qh;
	const unsigned char *vg = v + ((uint64_t)g * head_dim + d0) * elem;
	__m256 acc[8];

	UNROLL
	for (uint32_t i = 0; i < QH; i++)
		UNROLL
		for (uint32_t w = 0; w < W; w++)
			acc[i * W + w] = _mm256_loadu_ps(o + (h0 + i) * head_dim + d0 + 8 * w);
	for (uint64_t r = 0; r < n; r++) {
		const unsigned char *row = vg + r * v_stride;
		const float *p = att + r * att_stride + h0;

		/* The next block's row r, this tile's part of it, into L2:
		 * spread over the rows, as the AVX-512 build's values_block. */
		if (r < next)
			kvp__prefetch_l2(nb + r * v_stride + ((uint64_t)g * head_dim + d0) * elem,
			                 (size_t)8 * W * elem);

		UNROLL
		for (uint32_t w = 0; w < W; w++) {
			__m256 vals = kvp__load8(row + 8 * w * elem, dtype);

			UNROLL
			for (uint32_t i = 0; i < QH; i++)
				acc[i * W + w] = _mm256_fmadd_ps(_mm256_broadcast_ss(p + i), vals,
				                                 acc[i * W + w]);
		}
	}
	UNROLL
	for (uint32_t i = 0; i < QH; i++)
		UNROLL
		for (uint32_t w = 0; w < W; w++)
			_mm256_storeu_ps(o + (h0 + i) * head_dim + d0 + 8 * w, acc[i * W + w]);
}

/* QH heads and W = 8 / QH chunks of 8 a tile: 8 accumulators. */
static AVX2_INLINE void values_avx2_t(float *o, uint32_t heads,
                                      uint32_t kv_heads, uint32_t head_dim,
                                      const float *att, uint64_t att_stride,
                                      const void *v, kvp_dtype dtype,
                                      uint64_t v_stride, uint64_t n_rows,
                                      const void *v_next, uint64_t next_rows, uint32_t QH)
{
	KVP__VALUES_BY_BLOCKS(QH, 8 / QH, 8, false, true);
}

static AVX2_INLINE void values_dtype(float *o, uint32_t heads, uint32_t kv_heads,
                                     uint32_t head_dim, const float *att,
                                     uint64_t att_stride, const void *v,
                                     kvp_dtype dtype, uint64_t v_stride,
                                     uint64_t n_rows, const void *v_next,
                                     uint64_t next_rows)
{
	uint32_t group = heads / kv_heads;

	if (group % 8 == 0)
		values_avx2_t(o, heads, kv_heads, head_dim, att, att_stride, v, dtype,
		              v_stride, n_rows, v_next, next_rows, 8);
	else if (group % 4 == 0)
		values_avx2_t(o, heads, kv_heads, head_dim, att, att_stride, v, dtype,
		              v_stride, n_rows, v_next, next_rows, 4);
	else if (group % 2 == 0)
		values_avx2_t(o, heads, kv_heads, head_dim, att, att_stride, v, dtype,
		              v_stride, n_rows, v_next, next_rows, 2);
	else
		values_avx2_t(o, heads, kv_heads, head_dim, att, att_stride, v, dtype,
		              v_stride, n_rows, v_next, next_rows, 1);
}

AVX2 void kvp__values_avx2(float *o, uint32_t heads, uint32_t kv_heads,
                             uint32_t head_dim, const float *att,
                             uint64_t att_stride, const void *v,
                             kvp_dtype dtype, uint64_t v_stride,
                             uint64_t n_rows, const void *v_next,
                             uint64_t next_rows)
{
	if (dtype == KVP_DTYPE_FP16)
		values_dtype(o, heads, kv_heads, head_dim, att, att_stride, v,
		             KVP_DTYPE_FP16, v_stride, n_rows, v_next, next_rows);
	else if (dtype == KVP_DTYPE_BF16)
		values_dtype(o, heads, kv_heads, head_dim, att, att_stride, v,
		             KVP_DTYPE_BF16, v_stride, n_rows, v_next, next_rows);
	else
		values_dtype(o, heads, kv_heads, head_dim, att, att_stride, v,
		             KVP_DTYPE_FP32, v_stride, n_rows, v_next, next_rows);
}

/* A dot product of n floats: four chains of 8-lane FMAs over 32 floats a
 * step, the 8-float chunks after them into the chains in turn, the chains
 * added pairwise, the lanes by lanes_sum's tree, then the tail in order.
 * The projections stream their weights through it, one row per output. */
AVX2 float kvp__dot_avx2(const float *a, const float *b, uint64_t n)
{
	__m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(),
	                 _mm256_setzero_ps(), _mm256_setzero_ps()};
	uint64_t i = 0;

	for (; i + 32 <= n; i += 32) {
		kvp__dot_fetch(a + i);
		UNROLL
		for (int c = 0; c < 4; c++)
			acc[c] = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8 * c),
			                         _mm256_loadu_ps(b + i + 8 * c), acc[c]);
	}
	return kvp__dot_finish(a, b, i, n, acc);
}

#endif
