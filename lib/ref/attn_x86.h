/*
 * attn_x86.h — what the x86-64 builds of the attention kernels share
 * (attn_avx2.c, attn_avx512.c): loading eight stored values as floats,
 * the scalar tail, and the scores' last steps, so that both builds sum in
 * one order and give the same bits.  The helpers are built for AVX2, FMA
 * and F16C and always inlined: a caller built for more (AVX-512) inlines
 * them as they are.
 */
#ifndef KVP_REF_ATTN_X86_H
#define KVP_REF_ATTN_X86_H

#include "ref/ref.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma,f16c")))
#define AVX2_INLINE __attribute__((target("avx2,fma,f16c"), always_inline)) inline
/* The tiles' loops over their accumulators, unrolled whole so that the
 * accumulators are registers, not an array in memory. */
#define UNROLL _Pragma("GCC unroll 8")

/* Eight stored values at p as floats. */
static AVX2_INLINE __m256 kvp__load8(const void *p, kvp_dtype dtype)
{
	if (dtype == KVP_DTYPE_FP16)
		return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p));
	if (dtype == KVP_DTYPE_BF16)
		return _mm256_castsi256_ps(_mm256_slli_epi32(
		        _mm256_cvtepu16_epi32(_mm_loadu_si128((const __m128i *)p)), 16));
	return _mm256_loadu_ps(p);
}

/* Stored value i at p as a float. */
static AVX2_INLINE float kvp__stored(const void *p, uint32_t i, kvp_dtype dtype)
{
	if (dtype == KVP_DTYPE_FP16)
		return kvp__fp16_to_float(((const uint16_t *)p)[i]);
	if (dtype == KVP_DTYPE_BF16)
		return kvp__bf16_to_float(((const uint16_t *)p)[i]);
	return ((const float *)p)[i];
}

/* The lanes of eight accumulators summed, the sum of a[i] in lane i, each
 * by the tree lanes_sum (attn_kernels.c) names. */
static AVX2_INLINE __m256 kvp__reduce8(const __m256 a[8])
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

/* A dot product's end, from float i on, its four chains in acc (chunk c
 * of 8 floats of each 32 in chain c): the 8-float chunks left into the
 * chains in turn, the chains added pairwise, the lanes by lanes_sum's
 * tree (kvp__reduce8), then the tail in order.  kvp__dot_avx2 and
 * kvp__dot_avx512 end alike, so they give the same bits. */
static AVX2_INLINE float kvp__dot_finish(const float *a, const float *b, uint64_t i,
                                         uint64_t n, __m256 acc[4])
{
	__m256 sum[8];
	float lanes[8], s;

	for (int c = 0; i + 8 <= n; i += 8, c++)
		acc[c] = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i),
		                         acc[c]);
	sum[0] = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]),
	                       _mm256_add_ps(acc[2], acc[3]));
	for (int c = 1; c < 8; c++)
		sum[c] = _mm256_setzero_ps();
	_mm256_storeu_ps(lanes, kvp__reduce8(sum));
	s = lanes[0];
	for (; i < n; i++)
		s += a[i] * b[i];
	return s;
}

/* Scores of query heads [h0, h0 + n) from their final vectors: summed
 * across lanes eight heads at a time, the tail of head_dim % 8 added in
 * order, times the scale. */
static AVX2_INLINE void kvp__scores_store(__m256 *fv, uint32_t n, uint64_t h0,
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
		_mm256_storeu_ps(att + h0, _mm256_mul_ps(kvp__reduce8(fv),
		                                         _mm256_set1_ps(scale)));
		return;
	}
	_mm256_storeu_ps(sums, kvp__reduce8(fv));
	for (uint32_t i = 0; i < n; i++) {
		uint64_t h = h0 + i;
		const unsigned char *slice = row + (h / group) * head_dim * elem;
		float s = sums[i];

		for (uint32_t t = head_dim - tail; t < head_dim; t++)
			s += q[h * head_dim + t] * kvp__stored(slice, t, dtype);
		att[h] = s * scale;
	}
}

/* The values' scalar tail: o[h][d] += p[h] x v[d] for the QH heads from
 * h0, d from d0 to head_dim. */
static AVX2_INLINE void kvp__values_tail(float *o, const float *p, uint64_t h0,
                                         uint32_t QH, uint32_t head_dim,
                                         uint32_t d0, const unsigned char *vg,
                                         kvp_dtype dtype)
{
	for (uint32_t d = d0; d < head_dim; d++)
		for (uint32_t i = 0; i < QH; i++)
			o[(h0 + i) * head_dim + d] += p[h0 + i] * kvp__stored(vg, d, dtype);
}

/* One row's values into the outputs of query heads [qh, qh + QH) of kv
 * head g, elements d to head_dim: each value chunk is loaded once for the
 * QH heads, and each
 * output chunk is read, fused-multiply-added and stored back, so every
 * output element is one chain over the rows in order.  Rows in order, kv
 * heads in order: one stream, as for the scores.  The row-by-row path
 * of both builds (AVX-512's would gain nothing on these memory-bound rows),
 * and the elements past their blocked tiles. */
static AVX2_INLINE void kvp__values_tile(float *o, const float *p, uint32_t group,
                                          uint32_t head_dim, const unsigned char *row,
                                          kvp_dtype dtype, uint32_t g, uint32_t qh,
                                          uint32_t QH, uint32_t d)
{
	size_t elem = dtype == KVP_DTYPE_FP32 ? 4 : 2;
	const unsigned char *vg = row + (uint64_t)g * head_dim * elem;
	uint64_t h0 = (uint64_t)g * group + qh;
	__m256 pv[8];

	UNROLL
	for (uint32_t i = 0; i < QH; i++)
		pv[i] = _mm256_broadcast_ss(p + h0 + i);
	for (; d + 8 <= head_dim; d += 8) {
		__m256 vals = kvp__load8(vg + d * elem, dtype);

		UNROLL
		for (uint32_t i = 0; i < QH; i++) {
			float *oi = o + (h0 + i) * head_dim + d;

			_mm256_storeu_ps(oi, _mm256_fmadd_ps(pv[i], vals,
			                                     _mm256_loadu_ps(oi)));
		}
	}
	kvp__values_tail(o, p, h0, QH, head_dim, d, vg, dtype);
}

/* Rows per block of the blocked values kernels: a tile's outputs stay in
 * registers over a block's rows and are stored once, not once a row.  A
 * block of llama3-8b's fp16 rows is 32 KiB. */
#define KVP__VALUE_BLOCK 16u

/* Each line of the len bytes from p fetched into L2, once: a part that
 * shares a line with the one before it fetches that line again, but no
 * part fetches its own line twice. */
static AVX2_INLINE void kvp__prefetch_l2(const void *p, size_t len)
{
	uintptr_t last = (uintptr_t)p + len - 1;

	for (uintptr_t a = (uintptr_t)p & ~(uintptr_t)63; a <= last; a += 64)
		_mm_prefetch((const char *)a, _MM_HINT_T1);
}

/* Kv head g's slice (slice bytes) of the m rows from next, stride bytes
 * apart, fetched into L2 ahead of their block: the blocked kernels read
 * a block's rows side by side, which the hardware's prefetchers do not
 * follow from memory (GQA fp16 values from DRAM: 9 to 11 GB/s without,
 * 16 to 18 with, on the bench's Zen 5 host, fetched into L1; on a Zen 4
 * guest, the AVX2 build's, 6 into L1 and 9-10 into L2, whose miss
 * buffers outnumber L1's: attn_avx512.c, SCORES_AHEAD).  Where whole
 * tiles cover the head, values_block spreads the fetch over the rows
 * instead (SPREAD below). */
static AVX2_INLINE void kvp__prefetch_slices(const unsigned char *next, uint64_t stride,
                                             uint64_t m, uint32_t g, size_t slice)
{
	for (uint64_t r = 0; r < m; r++)
		kvp__prefetch_l2(next + r * stride + g * slice, slice);
}

/* How far ahead of its first operand (a projection's weight row; RMS
 * norm's input row too, where the fetch past it is wasted) a dot product
 * fetches into L2: each 128-byte step fetches the two lines 2 KiB
 * on, past the row's end into the next row of its panel, which lies right
 * after it.  The projections read their weights from DRAM at 0.83 to 0.90
 * of a plain read without, 0.94 to 0.97 with (AVX-512, the four matrices
 * of llama3-8b's layer on huge pages, a Zen 4 guest, interleaved with a
 * plain read of the same pages, 2026-12-04); 1 KiB ahead gave 0.90 to
 * 0.93, 4 KiB 0.90 to 0.95 (the AVX2 build 0.74), 8 KiB 0.73 to 0.78, and
 * fetching into L1 (prefetcht0) 0.77 to 0.88.  A prefill's tile of
 * tokens (kvp__matmul) takes each weight row once a token, so it fetches
 * the same lines that many times, all but the first from L2 already.  A
 * fetch past the end of the last row reads nothing the product uses and
 * cannot fault. */
#define KVP__DOT_AHEAD 2048u

static AVX2_INLINE void kvp__dot_fetch(const float *a)
{
	uintptr_t ahead = (uintptr_t)a + KVP__DOT_AHEAD; /* no pointer past the end */

	_mm_prefetch((const char *)ahead, _MM_HINT_T1);
	_mm_prefetch((const char *)(ahead + 64), _MM_HINT_T1);
}

/* The values kernel's driver, which both builds expand in a function of
 * kvp__attn_values' arguments, with kvp__values_tile (one row, elements
 * d0 on) and their own values_block (a block of rows, a tile of QH heads
 * and W chunks of LANES floats, and the next block's rows, next of them
 * from nb, whose tile it may fetch; NULL and 0 where the driver fetches
 * them).  Blocks of KVP__VALUE_BLOCK rows, kv head after kv head, the
 * elements past the whole tiles row by row; a run's last block fetches
 * the next_rows rows from v_next where the caller gives them (a paged
 * cache's next block).  BLOCKED (the AVX-512 build): one query head a
 * tile is blocked too; otherwise it (MHA, odd groups: as many output
 * floats stored a row as values read) goes row by row, one stream.
 * SPREAD (both builds): values_block fetches the next block's part of its
 * tile row by row where whole tiles cover the head; otherwise the driver
 * fetches a kv head's slice of the next block before its tiles.  (The
 * AVX-512 build's figures are in attn_avx512.c, values_block; the AVX2
 * build's GQA values from DRAM on a Zen 4 guest, fp16 11 GB/s with the
 * driver's fetch and 14.5-15 spread, fp32 14 and 16, from the L3 the
 * same.) */
#define KVP__VALUES_BY_BLOCKS(QH, W, LANES, BLOCKED, SPREAD)                   \
	do {                                                                   \
		const uint32_t width_ = (LANES) * (W);                         \
		uint32_t group_ = heads / kv_heads;                            \
		uint32_t whole_ = head_dim / width_ * width_;                  \
		size_t slice_ = (size_t)head_dim * (dtype == KVP_DTYPE_FP32 ? 4 : 2); \
                                                                               \
		if ((QH) == 1 && !(BLOCKED)) {                                 \
			for (uint64_t r = 0; r < n_rows; r++)                  \
				for (uint32_t g = 0; g < kv_heads; g++)        \
					for (uint32_t qh = 0; qh < group_; qh++) \
						kvp__values_tile(o, att + r * att_stride, \
						            group_, head_dim,     \
						            (const unsigned char *)v + \
						            r * v_stride, dtype, g, qh, \
						            1, 0);                \
			break;                                                 \
		}                                                              \
		for (uint64_t r0 = 0; r0 < n_rows; r0 += KVP__VALUE_BLOCK) {   \
			const unsigned char *block =                           \
				(const unsigned char *)v + r0 * v_stride;      \
			const float *p = att + r0 * att_stride;                \
			uint64_t n = n_rows - r0 < KVP__VALUE_BLOCK            \
			             ? n_rows - r0 : KVP__VALUE_BLOCK;         \
			uint64_t next = n_rows - r0 - n < KVP__VALUE_BLOCK     \
			                ? n_rows - r0 - n : KVP__VALUE_BLOCK;  \
                                                                               \
			const unsigned char *nb_ = next ? block + n * v_stride : NULL; \
			if (!next && v_next) {                                 \
				nb_ = (const unsigned char *)v_next;           \
				next = next_rows < KVP__VALUE_BLOCK            \
				       ? next_rows : KVP__VALUE_BLOCK;         \
			}                                                      \
			bool spread_ = (SPREAD) && whole_ == head_dim;        \
                                                                               \
			for (uint32_t g = 0; g < kv_heads; g++) {              \
				if (!spread_)                                  \
					kvp__prefetch_slices(nb_, v_stride, next, \
					                     g, slice_);       \
				for (uint32_t qh = 0; qh < group_; qh += (QH)) { \
					for (uint32_t d0 = 0; d0 < whole_;     \
					     d0 += width_)                     \
						values_block(o, p, att_stride, \
						             block, v_stride, n, \
						             group_, head_dim, dtype, \
						             g, qh, d0, (QH), (W), \
						             spread_ ? nb_ : NULL, \
						             spread_ ? next : 0); \
					if (whole_ < head_dim)                 \
						for (uint64_t r = 0; r < n; r++) \
							kvp__values_tile(o, p + r * att_stride, \
							            group_, head_dim, \
							            block + r * v_stride, \
							            dtype, g, qh, (QH), \
							            whole_);       \
				}                                              \
			}                                                      \
		}                                                              \
	} while (0)

/* The builds (arguments as kvp__attn_scores and kvp__attn_values). */
void kvp__scores_avx2(const float *q, uint32_t heads, uint32_t kv_heads,
                      uint32_t head_dim, float scale, const void *k,
                      kvp_dtype dtype, uint64_t k_stride, uint64_t n_rows,
                      float *att, uint64_t att_stride);
void kvp__values_avx2(float *o, uint32_t heads, uint32_t kv_heads,
                      uint32_t head_dim, const float *att, uint64_t att_stride,
                      const void *v, kvp_dtype dtype, uint64_t v_stride,
                      uint64_t n_rows, const void *v_next,
                        uint64_t next_rows);
float kvp__dot_avx2(const float *a, const float *b, uint64_t n);
float kvp__dot_avx512(const float *a, const float *b, uint64_t n);
/* 0, computing nothing, for a shape the AVX-512 build leaves to AVX2's
 * (8 query heads or more a kv head, with over 8,192 query floats or
 * fewer than 32 rows). */
int kvp__scores_avx512(const float *q, uint32_t heads, uint32_t kv_heads,
                       uint32_t head_dim, float scale, const void *k,
                       kvp_dtype dtype, uint64_t k_stride, uint64_t n_rows,
                       float *att, uint64_t att_stride);
void kvp__values_avx512(float *o, uint32_t heads, uint32_t kv_heads,
                        uint32_t head_dim, const float *att, uint64_t att_stride,
                        const void *v, kvp_dtype dtype, uint64_t v_stride,
                        uint64_t n_rows, const void *v_next,
                        uint64_t next_rows);
#endif

#endif
