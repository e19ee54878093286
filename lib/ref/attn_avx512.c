/*
 * attn_avx512.c — the scores and values kernels built for AVX-512
 * (AVX512F, with AVX2, FMA and F16C): Skylake-SP, Ice Lake, Zen 4 and
 * later.  They give the same bits as attn_avx2.c's, 16 lanes at a time:
 *
 *  - a value row's FMAs are element by element, so 16 lanes are 8 and 8.
 *    A tile's outputs stay in registers over a block of 16 rows, each
 *    element's FMAs still in row order, and are stored once a block
 *    instead of once a row (with one query head a tile, MHA or an odd
 *    group, where whole tiles cover the head): row by row, GQA's values
 *    wrote 4 output floats (16 B) for every fp16 value read (2 B), MHA's
 *    1 (4 B), and the stores, not the reads, set their speed;
 *  - a score's sum keeps AVX2's chains, chunk c of 8 floats into chain
 *    c % C: a 16-lane accumulator holds two chains side by side (chains
 *    2j and 2j + 1), and its halves are added as AVX2 adds the chains.
 *
 * A group of 8 query heads or more a kv head (C = 1, one chain a head)
 * puts two heads' chains side by side instead (scores_paired).  Tiles of
 * 2 or 4 heads (groups of 2, 4, 6, 10, 12 ...) take their scores four rows
 * at a time in long runs (scores_tile_rows), each query chunk loaded once
 * for the four.
 */
#include <string.h>

#include "ref/attn_x86.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))

#define AVX512 __attribute__((target("avx512f,avx2,fma,f16c")))
#define AVX512_INLINE __attribute__((target("avx512f,avx2,fma,f16c"), always_inline)) inline

/* Sixteen stored values at p as floats. */
static AVX512_INLINE __m512 load16(const void *p, kvp_dtype dtype)
{
	if (dtype == KVP_DTYPE_FP16)
		return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p));
	if (dtype == KVP_DTYPE_BF16)
		return _mm512_castsi512_ps(_mm512_slli_epi32(
		        _mm512_cvtepu16_epi32(_mm256_loadu_si256((const __m256i *)p)), 16));
	return _mm512_loadu_ps(p);
}

/* The two chains of an accumulator added, low + high: AVX2's a[2j] +
 * a[2j + 1]. */
static AVX512_INLINE __m256 halves(__m512 z)
{
	return _mm256_add_ps(_mm512_castps512_ps256(z),
	                     _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(z), 1)));
}

/* A head's P accumulators (its 2 P chains) added as AVX2 adds its
 * chains: pairwise, (0 + 1) + (2 + 3) and so on. */
static AVX512_INLINE __m256 chains_sum(const __m512 *a, uint32_t P)
{
	if (P == 4)
		return _mm256_add_ps(_mm256_add_ps(halves(a[0]), halves(a[1])),
		                     _mm256_add_ps(halves(a[2]), halves(a[3])));
	if (P == 2)
		return _mm256_add_ps(halves(a[0]), halves(a[1]));
	return halves(a[0]);
}

/* The final vectors of query heads [qh, qh + QH) of a kv head (queries
 * q, key slice slice), into out[0 .. QH): each head's P = C / 2
 * accumulators hold its C = 8 / QH chains, and are added as scores_tile
 * (attn_avx2.c) adds them.  A tile's chains are short (two FMAs each for
 * MHA's 128 dimensions), so the next tile's overlap them: no need for
 * more accumulators, or for a second stream. */
static AVX512_INLINE void scores_tile(const float *q, uint32_t head_dim,
                                      const unsigned char *slice, kvp_dtype dtype,
                                      uint32_t QH, __m256 *out)
{
	size_t elem = dtype == KVP_DTYPE_FP32 ? 4 : 2;
	const uint32_t C = 8 / QH, P = C / 2;
	__m512 acc[4];
	uint32_t d = 0;

	UNROLL
	for (int i = 0; i < 4; i++)
		acc[i] = _mm512_setzero_ps();
	for (; d + 8 * C <= head_dim; d += 8 * C)
		UNROLL
		for (uint32_t p = 0; p < P; p++) {
			__m512 kv = load16(slice + (d + 16 * p) * elem, dtype);

			UNROLL
			for (uint32_t i = 0; i < QH; i++)
				acc[i * P + p] = _mm512_fmadd_ps(
				        _mm512_loadu_ps(q + (uint64_t)i * head_dim + d + 16 * p), kv,
				        acc[i * P + p]);
		}
	/* The chunks past the last whole round (fewer than C), chunk c into
	 * chain c: two at a time, then an odd last one into the low half;
	 * unrolled, so that every index is a constant. */
	UNROLL
	for (uint32_t p = 0; p < P; p++) {
		if (d + 16 <= head_dim) {
			__m512 kv = load16(slice + d * elem, dtype);

			UNROLL
			for (uint32_t i = 0; i < QH; i++)
				acc[i * P + p] = _mm512_fmadd_ps(
				        _mm512_loadu_ps(q + (uint64_t)i * head_dim + d), kv,
				        acc[i * P + p]);
			d += 16;
		} else if (d + 8 <= head_dim) {
			__m512 kv = _mm512_castps256_ps512(kvp__load8(slice + d * elem, dtype));

			UNROLL
			for (uint32_t i = 0; i < QH; i++)
				acc[i * P + p] = _mm512_mask3_fmadd_ps(
				        _mm512_castps256_ps512(
				                _mm256_loadu_ps(q + (uint64_t)i * head_dim + d)),
				        kv, acc[i * P + p], 0x00ff);
			d += 8;
		}
	}
	UNROLL
	for (uint32_t i = 0; i < QH; i++)
		out[i] = chains_sum(acc + i * P, P);
}

/* How far ahead the scores fetch what they will read: about 16 KiB,
 * eight rows of llama3-8b's fp16 layer.  Rows side by side are as many
 * streams a row apart, which the hardware's prefetchers did not follow
 * from DRAM on the bench's Zen 5 host: GQA fp16 scores ran at 6 GB/s
 * without this, 14-19 with it, against 12-14 row by row.  The fetch stops
 * at the end of the rows a call is given, so only a run of RUN_AHEADS
 * times that distance or more takes rows SCORES_ROWS at a time (a paged
 * cache's 16-row blocks stay row by row: their rows unfetched, two rows
 * at a time were slower
 * than one row at a time), and only such a run fetches row by row (MHA,
 * odd groups).  The fetch goes into L2, not L1: each line fetched into L1
 * holds one of L1's few miss buffers for a trip to DRAM, which on a Zen 4
 * guest (2026-12-04) bound GQA fp16 scores alone from DRAM to 9-10 GB/s
 * (16-17 into L2, 20 from the L3 either way; fp32 13 -> 20-21), and MHA's
 * fp16 scores, left to the hardware, to 17-18 (24-26 fetched into L2;
 * from the L3 about 8 % slower). */
#define SCORES_AHEAD 16384u
#define RUN_AHEADS 4u
#define SCORES_ROWS 4u

/* Kv head g's slice of row r + ahead (its every line, the slice need not
 * start on one), fetched into L2 where that row is in the run. */
static AVX512_INLINE void fetch_ahead(const unsigned char *row, uint64_t r,
                                      uint64_t ahead, uint64_t n_rows,
                                      uint64_t k_stride, size_t slice, uint32_t g)
{
	if (r + ahead < n_rows)
		kvp__prefetch_l2(row + ahead * k_stride + g * slice, slice);
}

/* scores_tile for R rows at once (R <= 4; slices s0, s0 + stride ...),
 * each query load used by all R, into out[j][n ..] for row j: the same
 * sums, chain by chain, as R calls of it, for a head_dim of whole rounds
 * (a multiple of 8 C).  A head's sum is one chain of head_dim / 16
 * dependent FMAs (AVX2's order), so a tile keeps R QH of them in flight:
 * with two rows (8 for a tile of 4 heads) the chains' latency, not the
 * FMA units, set the speed on the Zen 5 guest, whose 512-bit FMAs are
 * full rate; four rows, 16 chains (2026-12-05, GQA fp16 scores alone,
 * interleaved, both orders): 5-15 % faster in L2 and the L3.  Against
 * one row at a time, a quarter of the query loads: GQA fp16 scores alone
 * from the L3, 16-24 GB/s row by row, 25-27 two rows at a time (each FMA
 * had loaded its query chunk, and the loads bound them). */
static AVX512_INLINE void scores_tile_rows(const float *q, uint32_t head_dim,
                                       const unsigned char *s0, uint64_t stride,
                                       kvp_dtype dtype, uint32_t QH, uint32_t R,
                                       __m256 (*out)[8], uint32_t n)
{
	size_t elem = dtype == KVP_DTYPE_FP32 ? 4 : 2;
	const uint32_t C = 8 / QH, P = C / 2;
	__m512 a[4][4];

	UNROLL
	for (uint32_t j = 0; j < R; j++)
		UNROLL
		for (int i = 0; i < 4; i++)
			a[j][i] = _mm512_setzero_ps();
	for (uint32_t d = 0; d < head_dim; d += 8 * C)
		UNROLL
		for (uint32_t p = 0; p < P; p++) {
			__m512 kk[4];

			UNROLL
			for (uint32_t j = 0; j < R; j++)
				kk[j] = load16(s0 + j * stride + (d + 16 * p) * elem, dtype);
			UNROLL
			for (uint32_t i = 0; i < QH; i++) {
				__m512 qv = _mm512_loadu_ps(q + (uint64_t)i * head_dim + d + 16 * p);

				UNROLL
				for (uint32_t j = 0; j < R; j++)
					a[j][i * P + p] = _mm512_fmadd_ps(qv, kk[j], a[j][i * P + p]);
			}
		}
	UNROLL
	for (uint32_t j = 0; j < R; j++)
		UNROLL
		for (uint32_t i = 0; i < QH; i++)
			out[j][n + i] = chains_sum(a[j] + i * P, P);
}

/* Rows [r, end) R at a time (R = 1, or SCORES_ROWS with
 * scores_tile_rows and its fetch ahead), tiles in order (kv head, first query head), each eight
 * heads' final vectors stored as AVX2 stores them (QH divides 8). */
static AVX512_INLINE void scores_rows(const float *q, uint32_t heads, uint32_t group,
                                      uint32_t head_dim, float scale, const void *k,
                                      kvp_dtype dtype, uint64_t k_stride, uint64_t r,
                                      uint64_t end, uint64_t n_rows, uint64_t ahead,
                                      float *att, uint64_t att_stride, uint32_t QH,
                                      uint32_t R)
{
	size_t slice = (size_t)head_dim * (dtype == KVP_DTYPE_FP32 ? 4 : 2);
	uint32_t tiles = heads / QH, per_g = group / QH;

	for (; r + R <= end; r += R) {
		const unsigned char *row = (const unsigned char *)k + r * k_stride;
		__m256 fv[4][8];
		uint32_t n = 0;
		uint64_t h0 = 0;

		for (uint32_t t = 0; t < tiles; t++) {
			const float *qt = q + (uint64_t)t * QH * head_dim;
			uint32_t g = t / per_g;

			if (R >= 2) {
				if (t % per_g == 0)
					UNROLL
					for (uint32_t j = 0; j < R; j++)
						fetch_ahead(row + j * k_stride, r + j, ahead, n_rows,
						            k_stride, slice, g);
				scores_tile_rows(qt, head_dim, row + g * slice, k_stride, dtype, QH, R,
				             fv, n);
			} else {
				if (ahead && t % per_g == 0)
					fetch_ahead(row, r, ahead, n_rows, k_stride, slice, g);
				scores_tile(qt, head_dim, row + g * slice, dtype, QH, fv[0] + n);
			}
			n += QH;
			if (n == 8 || t + 1 == tiles) {
				UNROLL
				for (uint32_t j = 0; j < R; j++)
					kvp__scores_store(fv[j], n, h0, q, head_dim, group,
					                  row + j * k_stride, dtype, scale,
					                  att + (r + j) * att_stride);
				h0 += n;
				n = 0;
			}
		}
	}
}

static AVX512_INLINE void scores_t(const float *q, uint32_t heads, uint32_t kv_heads,
                                   uint32_t head_dim, float scale, const void *k,
                                   kvp_dtype dtype, uint64_t k_stride,
                                   uint64_t n_rows, float *att, uint64_t att_stride,
                                   uint32_t QH)
{
	uint32_t group = heads / kv_heads;
	uint64_t ahead = k_stride ? (SCORES_AHEAD + k_stride - 1) / k_stride : 1, run = 0;

	/* SCORES_ROWS rows at a time where a tile has two heads or more (a
	 * query chunk loaded then serves SCORES_ROWS x QH FMAs; with one head,
	 * MHA or an odd group, the key loads bind instead), a slice is whole
	 * rounds of chains and the run is long enough to fetch ahead; the
	 * last rows of a run (fewer than SCORES_ROWS), and other shapes and
	 * runs, one at a time. */
	if (QH >= 2 && head_dim % (64 / QH) == 0 && n_rows / RUN_AHEADS >= ahead) {
		run = n_rows / SCORES_ROWS * SCORES_ROWS;
		scores_rows(q, heads, group, head_dim, scale, k, dtype, k_stride, 0, run,
		            n_rows, ahead, att, att_stride, QH, SCORES_ROWS);
	}
	scores_rows(q, heads, group, head_dim, scale, k, dtype, k_stride, run, n_rows,
	            n_rows, n_rows / RUN_AHEADS >= ahead ? ahead : 0, att, att_stride, QH, 1);
}

/* QH query heads a tile, a constant so that the accumulators stay in
 * registers, as the AVX2 build takes them: the largest of 8, 4, 2, 1
 * dividing the group. */
static AVX512_INLINE void scores_dtype(const float *q, uint32_t heads,
                                       uint32_t kv_heads, uint32_t head_dim,
                                       float scale, const void *k, kvp_dtype dtype,
                                       uint64_t k_stride, uint64_t n_rows,
                                       float *att, uint64_t att_stride)
{
	uint32_t group = heads / kv_heads;

	if (group % 4 == 0)
		scores_t(q, heads, kv_heads, head_dim, scale, k, dtype, k_stride, n_rows,
		         att, att_stride, 4);
	else if (group % 2 == 0)
		scores_t(q, heads, kv_heads, head_dim, scale, k, dtype, k_stride, n_rows,
		         att, att_stride, 2);
	else
		scores_t(q, heads, kv_heads, head_dim, scale, k, dtype, k_stride, n_rows,
		         att, att_stride, 1);
}

/* A group of 8 query heads or more a kv head: AVX2 gives each head one
 * 8-lane chain (QH = 8, C = 1), so an accumulator here holds two heads'
 * chains, and each 8-value chunk of the key slice goes to both halves.
 * The queries are laid out in pairs first, on the stack (at most
 * PAIRED_MAX floats, 32 KiB: 32 heads of 256, 64 of 128), so that each
 * FMA loads one pair; a larger layer, or a run of fewer than
 * PAIRED_ROWS rows, takes AVX2's build. */
#define PAIRED_MAX 8192u
#define PAIRED_ROWS 32u

/* The final vectors of one tile of 8 query heads: qp holds its 4 pairs,
 * chunk c of pair j at qp + (j x chunks + c) x 16 (head 2j's 8 floats,
 * then head 2j + 1's). */
static AVX512_INLINE void scores_tile8(const float *qp, uint32_t chunks,
                                       const unsigned char *slice, kvp_dtype dtype,
                                       __m256 *out)
{
	size_t elem = dtype == KVP_DTYPE_FP32 ? 4 : 2;
	__m512 acc[4];

	UNROLL
	for (int j = 0; j < 4; j++)
		acc[j] = _mm512_setzero_ps();
	for (uint32_t c = 0; c < chunks; c++) {
		__m512 kv = _mm512_castpd_ps(_mm512_broadcast_f64x4(
		        _mm256_castps_pd(kvp__load8(slice + (uint64_t)8 * c * elem, dtype))));

		UNROLL
		for (uint32_t j = 0; j < 4; j++)
			acc[j] = _mm512_fmadd_ps(_mm512_loadu_ps(qp + ((uint64_t)j * chunks + c) * 16),
			                         kv, acc[j]);
	}
	UNROLL
	for (int j = 0; j < 4; j++) {
		out[2 * j] = _mm512_castps512_ps256(acc[j]);
		out[2 * j + 1] = _mm256_castpd_ps(
		        _mm512_extractf64x4_pd(_mm512_castps_pd(acc[j]), 1));
	}
}

static AVX512_INLINE void scores8_t(const float *q, const float *qp, uint32_t heads,
                                    uint32_t kv_heads, uint32_t head_dim, float scale,
                                    const void *k, kvp_dtype dtype, uint64_t k_stride,
                                    uint64_t n_rows, float *att, uint64_t att_stride)
{
	size_t elem = dtype == KVP_DTYPE_FP32 ? 4 : 2;
	uint32_t group = heads / kv_heads, chunks = head_dim / 8;

	for (uint64_t r = 0; r < n_rows; r++) {
		const unsigned char *row = (const unsigned char *)k + r * k_stride;
		__m256 fv[8];

		/* Tiles of 8 heads in order, each stored as AVX2 stores its
		 * tile of 8. */
		for (uint32_t h0 = 0; h0 < heads; h0 += 8) {
			scores_tile8(qp + (uint64_t)h0 * chunks * 8, chunks,
			             row + (uint64_t)(h0 / group) * head_dim * elem, dtype, fv);
			kvp__scores_store(fv, 8, h0, q, head_dim, group, row, dtype, scale,
			                  att + r * att_stride);
		}
	}
}

static AVX512_INLINE int scores_paired(const float *q, uint32_t heads, uint32_t kv_heads,
                                       uint32_t head_dim, float scale, const void *k,
                                       kvp_dtype dtype, uint64_t k_stride,
                                       uint64_t n_rows, float *att, uint64_t att_stride)
{
	float qp[PAIRED_MAX] __attribute__((aligned(64)));
	uint32_t chunks = head_dim / 8;

	/* Pairing copies every query once a call, about a row's work for
	 * MQA: a run of rows shorter than PAIRED_ROWS (a paged cache's
	 * 16-token block) takes AVX2's build instead of paying it again. */
	if ((uint64_t)heads * head_dim > PAIRED_MAX || n_rows < PAIRED_ROWS)
		return 0;
	for (uint32_t h = 0; h < heads; h++)
		for (uint32_t c = 0; c < chunks; c++)
			/* head h is half h % 2 of pair (h % 8) / 2 of tile h / 8 */
			memcpy(qp + (uint64_t)h / 8 * 8 * chunks * 8 +
			       ((uint64_t)(h % 8) / 2 * chunks + c) * 16 + (h % 2) * 8,
			       q + (uint64_t)h * head_dim + 8 * c, 8 * sizeof *qp);
	if (dtype == KVP_DTYPE_FP16)
		scores8_t(q, qp, heads, kv_heads, head_dim, scale, k, KVP_DTYPE_FP16, k_stride,
		          n_rows, att, att_stride);
	else if (dtype == KVP_DTYPE_BF16)
		scores8_t(q, qp, heads, kv_heads, head_dim, scale, k, KVP_DTYPE_BF16, k_stride,
		          n_rows, att, att_stride);
	else
		scores8_t(q, qp, heads, kv_heads, head_dim, scale, k, KVP_DTYPE_FP32, k_stride,
		          n_rows, att, att_stride);
	return 1;
}

AVX512 int kvp__scores_avx512(const float *q, uint32_t heads, uint32_t kv_heads,
                              uint32_t head_dim, float scale, const void *k,
                              kvp_dtype dtype, uint64_t k_stride, uint64_t n_rows,
                              float *att, uint64_t att_stride)
{
	if ((heads / kv_heads) % 8 == 0)
		return scores_paired(q, heads, kv_heads, head_dim, scale, k, dtype, k_stride,
		                     n_rows, att, att_stride);
	/* One copy per storage type, so that the loads' branches are decided
	 * when it is compiled. */
	if (dtype == KVP_DTYPE_FP16)
		scores_dtype(q, heads, kv_heads, head_dim, scale, k, KVP_DTYPE_FP16,
		             k_stride, n_rows, att, att_stride);
	else if (dtype == KVP_DTYPE_BF16)
		scores_dtype(q, heads, kv_heads, head_dim, scale, k, KVP_DTYPE_BF16,
		             k_stride, n_rows, att, att_stride);
	else
		scores_dtype(q, heads, kv_heads, head_dim, scale, k, KVP_DTYPE_FP32,
		             k_stride, n_rows, att, att_stride);
	return 1;
}

/* The values of rows [0, n) (n <= KVP__VALUE_BLOCK) into the outputs of query
 * heads [qh, qh + QH) of kv head g, elements [d0, d0 + 16 W): QH x W
 * accumulators loaded from o, each row's FMA in row order (the same chain
 * as row by row), stored back once.  The tile reads 16 W values of each
 * row of the block (two cache lines of fp16 at W = 4), rows in order. */
static AVX512_INLINE void values_block(float *o, const float *att, uint64_t att_stride,
                                       const unsigned char *v, uint64_t v_stride,
                                       uint64_t n, uint32_t group, uint32_t head_dim,
                                       kvp_dtype dtype, uint32_t g, uint32_t qh,
                                       uint32_t d0, uint32_t QH, uint32_t W,
                                       const unsigned char *nb, uint64_t next)
{
	size_t elem = dtype == KVP_DTYPE_FP32 ? 4 : 2;
	uint64_t h0 = (uint64_t)g * group + qh;
	const unsigned char *vg = v + ((uint64_t)g * head_dim + d0) * elem;
	__m512 acc[16];

	UNROLL
	for (uint32_t i = 0; i < QH; i++)
		UNROLL
		for (uint32_t w = 0; w < W; w++)
			acc[i * W + w] = _mm512_loadu_ps(o + (h0 + i) * head_dim + d0 + 16 * w);
	for (uint64_t r = 0; r < n; r++) {
		const unsigned char *row = vg + r * v_stride;
		const float *p = att + r * att_stride + h0;

		/* The next block's row r, this tile's part of it (its every
		 * line: rows need not start on one), into L2, spread over the
		 * rows so that the fetches do not all come at once.  A block
		 * of llama2-7b's fp16 rows is 128 KiB (fp32, 256), more than
		 * L1 holds.  GQA fp16 values alone from DRAM: 16-18 GB/s with
		 * a kv head's slice of the next block fetched at once into L1
		 * (the driver's way), 19-21 spread into L1, 25-28 spread into
		 * L2; MHA's blocked values, 16 spread into L1, 19-23 into L2. */
		if (r < next)
			kvp__prefetch_l2(nb + r * v_stride + ((uint64_t)g * head_dim + d0) * elem,
			                 (size_t)16 * W * elem);

		UNROLL
		for (uint32_t w = 0; w < W; w++) {
			__m512 vals = load16(row + 16 * w * elem, dtype);

			UNROLL
			for (uint32_t i = 0; i < QH; i++)
				acc[i * W + w] = _mm512_fmadd_ps(_mm512_set1_ps(p[i]), vals,
				                                 acc[i * W + w]);
		}
	}
	UNROLL
	for (uint32_t i = 0; i < QH; i++)
		UNROLL
		for (uint32_t w = 0; w < W; w++)
			_mm512_storeu_ps(o + (h0 + i) * head_dim + d0 + 16 * w, acc[i * W + w]);
}

/* QH query heads a tile, and W = 16 / QH 16-lane chunks of each: 16
 * accumulators, of the 32 registers; one head a tile, 8 or 4. */
static AVX512_INLINE void values_t(float *o, uint32_t heads, uint32_t kv_heads,
                                   uint32_t head_dim, const float *att,
                                   uint64_t att_stride, const void *v,
                                   kvp_dtype dtype, uint64_t v_stride,
                                   uint64_t n_rows, const void *v_next,
                                   uint64_t next_rows, uint32_t QH)
{
	/* One head a tile (MHA, odd groups), blocked too where whole tiles
	 * of 128 or 64 cover the head: 16 rows' outputs in 8 or 4
	 * registers, stored once a block, not once a row (MHA fp16 values
	 * alone from the L3 50-56 GB/s, against 22-27 row by row; from
	 * DRAM alike); otherwise row by row. */
	if (QH == 1 && head_dim % 128 == 0)
		KVP__VALUES_BY_BLOCKS(1, 8, 16, true, true);
	else if (QH == 1 && head_dim % 64 == 0)
		KVP__VALUES_BY_BLOCKS(1, 4, 16, true, true);
	else if (QH == 1)
		KVP__VALUES_BY_BLOCKS(1, 16, 16, false, false);
	else
		KVP__VALUES_BY_BLOCKS(QH, 16 / QH, 16, true, true);
}

static AVX512_INLINE void values_dtype(float *o, uint32_t heads, uint32_t kv_heads,
                                       uint32_t head_dim, const float *att,
                                       uint64_t att_stride, const void *v,
                                       kvp_dtype dtype, uint64_t v_stride,
                                       uint64_t n_rows, const void *v_next,
                                       uint64_t next_rows)
{
	uint32_t group = heads / kv_heads;

	if (group % 8 == 0)
		values_t(o, heads, kv_heads, head_dim, att, att_stride, v, dtype, v_stride,
		         n_rows, v_next, next_rows, 8);
	else if (group % 4 == 0)
		values_t(o, heads, kv_heads, head_dim, att, att_stride, v, dtype, v_stride,
		         n_rows, v_next, next_rows, 4);
	else if (group % 2 == 0)
		values_t(o, heads, kv_heads, head_dim, att, att_stride, v, dtype, v_stride,
		         n_rows, v_next, next_rows, 2);
	else
		values_t(o, heads, kv_heads, head_dim, att, att_stride, v, dtype, v_stride,
		         n_rows, v_next, next_rows, 1);
}

/* kvp__dot_avx2's sum 16 lanes at a time: each accumulator holds two of
 * its chains side by side (0 and 1, 2 and 3), handed to the same end.
 * Half the loads and multiply-adds a row; both fetch ahead alike
 * (KVP__DOT_AHEAD). */
AVX512 float kvp__dot_avx512(const float *a, const float *b, uint64_t n)
{
	__m512 z0 = _mm512_setzero_ps(), z1 = _mm512_setzero_ps();
	__m256 acc[4];
	uint64_t i = 0;

	for (; i + 32 <= n; i += 32) {
		kvp__dot_fetch(a + i);
		z0 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i), _mm512_loadu_ps(b + i), z0);
		z1 = _mm512_fmadd_ps(_mm512_loadu_ps(a + i + 16), _mm512_loadu_ps(b + i + 16),
		                     z1);
	}
	acc[0] = _mm512_castps512_ps256(z0);
	acc[1] = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(z0), 1));
	acc[2] = _mm512_castps512_ps256(z1);
	acc[3] = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(z1), 1));
	return kvp__dot_finish(a, b, i, n, acc);
}

AVX512 void kvp__values_avx512(float *o, uint32_t heads, uint32_t kv_heads,
                               uint32_t head_dim, const float *att,
                               uint64_t att_stride, const void *v,
                               kvp_dtype dtype, uint64_t v_stride, uint64_t n_rows,
                               const void *v_next, uint64_t next_rows)
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

#endif
