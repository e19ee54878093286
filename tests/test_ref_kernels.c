/*
 * test_ref_kernels.c — the decode attention kernels (attn_kernels.c) and
 * the 16-bit decoders (half.c), each on its vector path (AVX2, FMA and
 * F16C, where this CPU has them) and its portable path, held to each
 * other: the decoders bit for bit over every 16-bit pattern, the kernels'
 * conversions exact, their sums independent of how rows are blocked, the
 * exponential within 2 ulp of libm's, and the two paths' scores and
 * outputs within float rounding of each other; the AVX-512 kernels (where
 * the CPU has AVX512F) bit for bit with the AVX2 ones.
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

/* Runs check on the CPU's best path, then on the portable one. */
static void both_paths(void (*check)(int portable))
{
	check(0);
	kvp__simd_portable(1);
	check(1);
	kvp__simd_portable(0);
}

/* Every fp16 and bf16 pattern decodes to the same bits on both paths, and
 * encodes back to itself (a NaN to its quiet form): all 65,536 of each
 * type, so NaNs, infinities, subnormals and both zeros among them.  Ties
 * halfway between two 16-bit values round to the even one on the way in,
 * whichever path decodes them. */
static void test_decoders_agree(void **state)
{
	static uint16_t all[0x10000];
	static float vec[0x10000], port[0x10000];
	static const kvp_dtype types[] = {KVP_DTYPE_FP16, KVP_DTYPE_BF16};

	(void)state;
	for (uint32_t h = 0; h < 0x10000; h++)
		all[h] = (uint16_t)h;
	for (int t = 0; t < 2; t++) {
		kvp_dtype dtype = types[t];
		uint16_t back[1];

		kvp__storage_decode(dtype, vec, all, 0x10000);
		kvp__simd_portable(1);
		kvp__storage_decode(dtype, port, all, 0x10000);
		kvp__simd_portable(0);
		for (uint32_t h = 0; h < 0x10000; h++) {
			uint32_t quiet = dtype == KVP_DTYPE_FP16 ? 0x0200u : 0x0040u;
			uint32_t exp_mask = dtype == KVP_DTYPE_FP16 ? 0x7c00u : 0x7f80u;
			uint32_t man_mask = dtype == KVP_DTYPE_FP16 ? 0x03ffu : 0x007fu;
			int nan = (h & exp_mask) == exp_mask && (h & man_mask);

			if (bits_of(vec[h]) != bits_of(port[h]))
				fail_msg("%s 0x%04x: vector 0x%08x, portable 0x%08x",
				         kvp_dtype_name(dtype), h, bits_of(vec[h]),
				         bits_of(port[h]));
			kvp__storage_encode(dtype, back, &vec[h], 1);
			if (back[0] != (nan ? (h | quiet) : h))
				fail_msg("%s 0x%04x comes back 0x%04x", kvp_dtype_name(dtype),
				         h, back[0]);
		}
	}
	/* Halfway cases: 1 + 2^-11 lies between fp16's 1 and 1 + 2^-10 and
	 * goes to 1 (even); 1 + 3 x 2^-11 goes up to 1 + 2^-9.  For bf16,
	 * 1 + 2^-8 goes to 1 and 1 + 3 x 2^-8 up to 1 + 2^-6; the smallest
	 * fp16 subnormal's half, 2^-25, goes to 0. */
	{
		static const struct {
			kvp_dtype dtype;
			float in;
			uint16_t out;
		} ties[] = {
			{KVP_DTYPE_FP16, 1.0f + 0x1p-11f, 0x3c00},
			{KVP_DTYPE_FP16, 1.0f + 3 * 0x1p-11f, 0x3c02},
			{KVP_DTYPE_FP16, 0x1p-25f, 0x0000},
			{KVP_DTYPE_FP16, 3 * 0x1p-25f, 0x0002},
			{KVP_DTYPE_BF16, 1.0f + 0x1p-8f, 0x3f80},
			{KVP_DTYPE_BF16, 1.0f + 3 * 0x1p-8f, 0x3f82},
		};

		for (size_t i = 0; i < sizeof ties / sizeof ties[0]; i++) {
			uint16_t h;
			float a, b;

			kvp__storage_encode(ties[i].dtype, &h, &ties[i].in, 1);
			assert_int_equal(h, ties[i].out);
			kvp__storage_decode(ties[i].dtype, &a, &h, 1);
			kvp__simd_portable(1);
			kvp__storage_decode(ties[i].dtype, &b, &h, 1);
			kvp__simd_portable(0);
			assert_int_equal(bits_of(a), bits_of(b));
		}
	}
}

/* The kernels convert rows as they load them: one row of every 16-bit
 * pattern, weighted by 1 into zeros, comes out as the decoder gives it
 * (a zero of either sign as +0: 0 + 1 x -0 is +0; a NaN quiet), on both
 * paths. */
static void conversion_exact(int portable)
{
	static uint16_t all[0x10000];
	static float expect[0x10000], o[0x10000], buf[0x10000];
	static const kvp_dtype types[] = {KVP_DTYPE_FP16, KVP_DTYPE_BF16};
	float one = 1.0f;

	for (uint32_t h = 0; h < 0x10000; h++)
		all[h] = (uint16_t)h;
	for (int t = 0; t < 2; t++) {
		kvp__storage_decode(types[t], expect, all, 0x10000);
		memset(o, 0, sizeof o);
		kvp__attn_values(o, 1, 1, 0x10000, &one, 1, all, types[t],
		                 sizeof all, 1, buf);
		for (uint32_t h = 0; h < 0x10000; h++) {
			/* arithmetic quiets a signalling NaN (bf16 decodes by a
			 * shift, which keeps it signalling) */
			float e = expect[h] == 0 ? 0.0f
			          : isnan(expect[h]) ? float_of(bits_of(expect[h]) | 0x00400000u)
			          : expect[h];

			if (bits_of(o[h]) != bits_of(e))
				fail_msg("%s path, %s 0x%04x: 0x%08x, not 0x%08x",
				         portable ? "portable" : "vector",
				         kvp_dtype_name(types[t]), h, bits_of(o[h]), bits_of(e));
		}
	}
}

static void test_conversion_exact(void **state)
{
	(void)state;
	both_paths(conversion_exact);
}

/* e^x of the softmax within 2 ulp of libm's expf over [-87.3, 0] (every
 * 61st float there), exactly 1 at 0, and 0 below -87.34 and at -inf. */
static void exp_accurate(int portable)
{
	uint32_t worst = 0;

	for (uint32_t b = 0x80000000u; b <= bits_of(-87.3f); b += 61) {
		float x = float_of(b), got = kvp__exp_nonpositive(x), want = expf(x);
		uint32_t ulp = bits_of(got) > bits_of(want) ? bits_of(got) - bits_of(want)
		                                             : bits_of(want) - bits_of(got);

		if (ulp > worst)
			worst = ulp;
		if (ulp > 2)
			fail_msg("%s path: e^%a = %a, libm %a (%u ulp)",
			         portable ? "portable" : "vector", (double)x, (double)got,
			         (double)want, ulp);
	}
	assert_true(worst <= 2);
	assert_int_equal(bits_of(kvp__exp_nonpositive(0.0f)), bits_of(1.0f));
	assert_int_equal(bits_of(kvp__exp_nonpositive(-88.0f)), 0);
	assert_int_equal(bits_of(kvp__exp_nonpositive(-INFINITY)), 0);
}

static void test_exp_accurate(void **state)
{
	(void)state;
	both_paths(exp_accurate);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static float uniform(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (float)(rng >> 40) / (float)(1u << 24) * 2 - 1;
}

/* q's q_n values, and n values each of k and v stored as type, drawn in
 * that order; rows, n floats, is scratch. */
static void random_qkv(float *q, uint64_t q_n, void *k, void *v, float *rows, uint64_t n,
                       kvp_dtype type)
{
	for (uint64_t i = 0; i < q_n; i++)
		q[i] = uniform();
	for (uint64_t i = 0; i < n; i++)
		rows[i] = uniform();
	kvp__storage_encode(type, k, rows, n);
	for (uint64_t i = 0; i < n; i++)
		rows[i] = uniform();
	kvp__storage_encode(type, v, rows, n);
}

/* Shapes whose groups take each tile width (1, 2, 4, 8 query heads; 16
 * in two tiles; 3, an odd group) and head_dims with chunks past the
 * chains (40, 24, 72: for AVX-512 whole pairs of chunks and an odd one)
 * and tails (12, 6); MQA and a group of 8 at 128 (AVX-512's paired
 * heads); groups of 2 at 64 and of 4 at 48 and 128, whose scores AVX-512
 * takes two rows at a time in long runs; MHA at 128 and 64 and a group
 * of 3 at 128, whose values AVX-512 takes in blocks of rows (MHA at 32
 * and 40, and the group of 3 at 72, row by row). */
static const struct {
	uint32_t heads, kv_heads, head_dim;
} shapes[] = {
	{4, 4, 32}, {8, 4, 40}, {8, 2, 24}, {8, 1, 12}, {16, 1, 16},
	{6, 2, 6}, {32, 8, 128}, {32, 32, 128}, {4, 4, 40}, {12, 4, 72},
	{32, 1, 128}, {32, 4, 128}, {8, 4, 64}, {16, 4, 48}, {8, 8, 64},
	{12, 4, 128},
};

#define ROWS 37

/* Scores and outputs of a block of rows at once equal those of the rows
 * one at a time and in uneven runs, to the bit: the cached path's blocks
 * and the recomputation's whole context are the same sums. */
static void blocking_independent(int portable)
{
	static const kvp_dtype types[] = {KVP_DTYPE_FP32, KVP_DTYPE_FP16,
	                                  KVP_DTYPE_BF16};

	for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
		for (int t = 0; t < 3; t++) {
			uint32_t heads = shapes[s].heads, kv = shapes[s].kv_heads;
			uint32_t hd = shapes[s].head_dim;
			uint64_t kv_dim = (uint64_t)kv * hd, row_bytes = kv_dim *
			                  kvp_dtype_block_bytes(types[t]);
			float *q = malloc(heads * hd * sizeof *q);
			float *rows = malloc(ROWS * kv_dim * sizeof *rows);
			unsigned char *k = malloc(ROWS * row_bytes), *v = malloc(ROWS * row_bytes);
			float *att1 = malloc(ROWS * heads * sizeof *att1);
			float *att2 = malloc(ROWS * heads * sizeof *att2);
			float *o1 = calloc((size_t)heads * hd, sizeof *o1);
			float *o2 = calloc((size_t)heads * hd, sizeof *o2);
			float *buf = malloc(kv_dim * sizeof *buf);

			assert_non_null(q);
			assert_non_null(rows);
			assert_non_null(k);
			assert_non_null(v);
			assert_non_null(att1);
			assert_non_null(att2);
			assert_non_null(o1);
			assert_non_null(o2);
			assert_non_null(buf);
			random_qkv(q, (uint64_t)heads * hd, k, v, rows, ROWS * kv_dim, types[t]);

			kvp__attn_scores(q, heads, kv, hd, 0.125f, k, types[t], row_bytes,
			                 ROWS, att1, heads, buf);
			for (uint64_t r = 0, n; r < ROWS; r += n) {
				n = r % 5 + 1 < ROWS - r ? r % 5 + 1 : ROWS - r;
				kvp__attn_scores(q, heads, kv, hd, 0.125f, k + r * row_bytes,
				                 types[t], row_bytes, n, att2 + r * heads, heads,
				                 buf);
			}
			for (uint64_t i = 0; i < ROWS * heads; i++)
				if (bits_of(att1[i]) != bits_of(att2[i]))
					fail_msg("%s path, shape %zu, %s: score %llu differs",
					         portable ? "portable" : "vector", s,
					         kvp_dtype_name(types[t]), (unsigned long long)i);
			kvp__attn_values(o1, heads, kv, hd, att1, heads, v, types[t],
			                 row_bytes, ROWS, buf);
			for (uint64_t r = 0, n; r < ROWS; r += n) {
				n = r % 4 + 1 < ROWS - r ? r % 4 + 1 : ROWS - r;
				kvp__attn_values(o2, heads, kv, hd, att1 + r * heads, heads,
				                 v + r * row_bytes, types[t], row_bytes, n, buf);
			}
			for (uint64_t i = 0; i < (uint64_t)heads * hd; i++)
				if (bits_of(o1[i]) != bits_of(o2[i]))
					fail_msg("%s path, shape %zu, %s: output %llu differs",
					         portable ? "portable" : "vector", s,
					         kvp_dtype_name(types[t]), (unsigned long long)i);
			/* Runs of 16 rows and of 5, each told where the next lies,
			 * as a paged cache's blocks (a run's last block then
			 * fetches the next run's): the same bits. */
			for (uint64_t len = 16; len; len = len == 16 ? 5 : 0) {
				memset(o2, 0, (size_t)heads * hd * sizeof *o2);
				for (uint64_t r = 0, n; r < ROWS; r += n) {
					uint64_t left;

					n = len < ROWS - r ? len : ROWS - r;
					left = ROWS - r - n;
					kvp__attn_values_next(o2, heads, kv, hd, att1 + r * heads, heads,
					                      v + r * row_bytes, types[t], row_bytes, n,
					                      left ? v + (r + n) * row_bytes : NULL,
					                      left < len ? left : len, buf);
				}
				for (uint64_t i = 0; i < (uint64_t)heads * hd; i++)
					if (bits_of(o1[i]) != bits_of(o2[i]))
						fail_msg("%s path, shape %zu, %s, runs of %llu told the"
						         " next: output %llu differs",
						         portable ? "portable" : "vector", s,
						         kvp_dtype_name(types[t]), (unsigned long long)len,
						         (unsigned long long)i);
			}
			/* One kv head at a time, as the recomputation calls them. */
			for (uint32_t g = 0; g < kv; g++) {
				uint32_t group = heads / kv;

				kvp__attn_scores(q + (uint64_t)g * group * hd, group, 1, hd, 0.125f,
				                 k + g * hd * kvp_dtype_block_bytes(types[t]),
				                 types[t], row_bytes, ROWS, att2, group, buf);
				for (uint64_t r = 0; r < ROWS; r++)
					for (uint32_t i = 0; i < group; i++)
						assert_int_equal(bits_of(att2[r * group + i]),
						                 bits_of(att1[r * heads + g * group + i]));
			}
			free(q);
			free(rows);
			free(k);
			free(v);
			free(att1);
			free(att2);
			free(o1);
			free(o2);
			free(buf);
		}
}

static void test_blocking_independent(void **state)
{
	(void)state;
	both_paths(blocking_independent);
}

/* One case of the AVX-512 build against the AVX2 one: heads over kv
 * heads of hd, n_rows rows stored as type, from a cache-line-aligned
 * block or one a float off it. */
static void avx512_case(uint32_t heads, uint32_t kv, uint32_t hd, kvp_dtype type,
                        int offset, uint64_t n_rows)
{
	uint64_t kv_dim = (uint64_t)kv * hd, row_bytes = kv_dim * kvp_dtype_block_bytes(type);
	size_t at = offset * sizeof(float);
	float *q = malloc(heads * hd * sizeof *q);
	float *rows = malloc(n_rows * kv_dim * sizeof *rows);
	unsigned char *k = aligned_alloc(64, (n_rows * row_bytes + 4 + 63) / 64 * 64);
	unsigned char *v = aligned_alloc(64, (n_rows * row_bytes + 4 + 63) / 64 * 64);
	float *att[2], *o[2];

	assert_non_null(q);
	assert_non_null(rows);
	assert_non_null(k);
	assert_non_null(v);
	random_qkv(q, (uint64_t)heads * hd, k + at, v + at, rows, n_rows * kv_dim, type);
	for (int b = 0; b < 2; b++) {
		assert_non_null(att[b] = malloc(n_rows * heads * sizeof *att[b]));
		assert_non_null(o[b] = calloc((size_t)heads * hd, sizeof *o[b]));
		kvp__simd_limit(b ? KVP__SIMD_AVX512 : KVP__SIMD_AVX2);
		kvp__attn_scores(q, heads, kv, hd, 0.125f, k + at, type, row_bytes, n_rows,
		                 att[b], heads, rows);
		kvp__attn_values(o[b], heads, kv, hd, att[0], heads, v + at, type, row_bytes,
		                 n_rows, rows);
	}
	kvp__simd_limit(KVP__SIMD_BEST);
	for (uint64_t i = 0; i < n_rows * heads; i++)
		if (bits_of(att[0][i]) != bits_of(att[1][i]))
			fail_msg("%u/%u x %u, %llu rows, %s, offset %d: score %llu: AVX2 %a,"
			         " AVX-512 %a", heads, kv, hd, (unsigned long long)n_rows,
			         kvp_dtype_name(type), offset, (unsigned long long)i,
			         (double)att[0][i], (double)att[1][i]);
	for (uint64_t i = 0; i < (uint64_t)heads * hd; i++)
		if (bits_of(o[0][i]) != bits_of(o[1][i]))
			fail_msg("%u/%u x %u, %llu rows, %s, offset %d: output %llu: AVX2 %a,"
			         " AVX-512 %a", heads, kv, hd, (unsigned long long)n_rows,
			         kvp_dtype_name(type), offset, (unsigned long long)i,
			         (double)o[0][i], (double)o[1][i]);
	for (int b = 0; b < 2; b++) {
		free(att[b]);
		free(o[b]);
	}
	free(q);
	free(rows);
	free(k);
	free(v);
}

/* The AVX-512 build against the AVX2 one, to the bit: the same sums in
 * the same order, every shape and storage type, rows from a
 * cache-line-aligned block and from one a float off it; and runs long
 * enough (64 KiB and more) that the scores of tiles of 2 or 4 heads take
 * four rows at a time, fetching 16 KiB ahead, ending with 0 to 3 rows
 * one at a time. */
static void test_avx512_equals_avx2(void **state)
{
	static const kvp_dtype types[] = {KVP_DTYPE_FP32, KVP_DTYPE_FP16,
	                                  KVP_DTYPE_BF16};
	static const struct {
		uint32_t heads, kv_heads, head_dim;
		uint64_t rows;
	} long_runs[] = {
		{8, 4, 64, 257}, {16, 4, 48, 686}, {4, 1, 32, 1025}, {12, 6, 64, 300},
		{32, 8, 128, 33}, {8, 2, 32, 1024}, {32, 8, 128, 35},
	};

	(void)state;
	if (!kvp__cpu_has_avx512()) {
		/* Nothing to compare: this CPU (or valgrind's) has no AVX-512,
		 * and the kernels never take that build.  Not skip(): cmocka
		 * reports a skip as "not ok", which the TAP driver fails. */
		print_message("no AVX-512 here: the AVX2 build alone runs\n");
		return;
	}
	for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
		for (int t = 0; t < 3; t++)
			for (int offset = 0; offset < 2; offset++)
				avx512_case(shapes[s].heads, shapes[s].kv_heads, shapes[s].head_dim,
				            types[t], offset, ROWS);
	for (size_t s = 0; s < sizeof long_runs / sizeof long_runs[0]; s++)
		for (int t = 0; t < 3; t++)
			avx512_case(long_runs[s].heads, long_runs[s].kv_heads,
			            long_runs[s].head_dim, types[t], 1, long_runs[s].rows);
}

/* The projections' dot product (kvp__dot) of the AVX-512 build against
 * the AVX2 one, to the bit, at every length from 0 to 300 floats (whole
 * steps of 32, the 8-float chunks after them, a scalar tail) and at a
 * panel's 2,048, from an aligned start and from one a float off it. */
static void test_dot_avx512_equals_avx2(void **state)
{
	enum { MAX = 2049 };
	float *a = malloc((MAX + 1) * sizeof *a), *b = malloc((MAX + 1) * sizeof *b);
	uint32_t seed = 7;

	(void)state;
	assert_non_null(a);
	assert_non_null(b);
	for (int i = 0; i <= MAX; i++) {
		seed = seed * 1664525u + 1013904223u;
		a[i] = (float)(int32_t)seed / 2147483648.0f;
		seed = seed * 1664525u + 1013904223u;
		b[i] = (float)(int32_t)seed / 2147483648.0f;
	}
	if (!kvp__cpu_has_avx512())
		print_message("no AVX-512 here: the AVX2 build alone runs\n");
	for (int offset = 0; offset < 2 && kvp__cpu_has_avx512(); offset++)
		for (uint64_t n = 0; n <= 2048; n = n < 300 ? n + 1 : 2048 + (n == 2048)) {
			float avx2, avx512;

			kvp__simd_limit(KVP__SIMD_AVX2);
			avx2 = kvp__dot(a + offset, b + offset, n);
			kvp__simd_limit(KVP__SIMD_AVX512);
			avx512 = kvp__dot(a + offset, b + offset, n);
			kvp__simd_limit(KVP__SIMD_BEST);
			if (bits_of(avx2) != bits_of(avx512))
				fail_msg("%llu floats, offset %d: AVX2 %a, AVX-512 %a",
				         (unsigned long long)n, offset, (double)avx2,
				         (double)avx512);
		}
	free(a);
	free(b);
}

/* The vector path against the portable one, on the same stored rows: the
 * same sums but for the FMA's single rounding, so each score and output
 * within a few float roundings of the other (relative to the sum of the
 * magnitudes it adds up). */
static void test_paths_agree(void **state)
{
	(void)state;
	for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
		uint32_t heads = shapes[s].heads, kv = shapes[s].kv_heads;
		uint32_t hd = shapes[s].head_dim;
		uint64_t kv_dim = (uint64_t)kv * hd, row_bytes = kv_dim * 2;
		float q[32 * 128], rows[ROWS * 32 * 128 / 8], buf[32 * 128];
		uint16_t k[ROWS * 32 * 128 / 8], v[ROWS * 32 * 128 / 8];
		float att_v[ROWS * 32], att_p[ROWS * 32], o_v[32 * 128], o_p[32 * 128];
		float max[32], sum[32];

		if (ROWS * kv_dim > sizeof rows / sizeof rows[0])
			continue;
		random_qkv(q, (uint64_t)heads * hd, k, v, rows, ROWS * kv_dim, KVP_DTYPE_FP16);
		for (int portable = 0; portable < 2; portable++) {
			float *att = portable ? att_p : att_v, *o = portable ? o_p : o_v;

			kvp__simd_portable(portable);
			kvp__attn_scores(q, heads, kv, hd, 0.25f, k, KVP_DTYPE_FP16, row_bytes,
			                 ROWS, att, heads, buf);
			kvp__softmax_columns(att, ROWS, heads, max, sum);
			memset(o, 0, (size_t)heads * hd * sizeof *o);
			kvp__attn_values(o, heads, kv, hd, att, heads, v, KVP_DTYPE_FP16,
			                 row_bytes, ROWS, buf);
		}
		kvp__simd_portable(0);
		/* Scores of at most hd products of |q|, |k| <= 1 (scale 1/4),
		 * probabilities <= 1 summing to 1, values <= 1. */
		for (uint64_t i = 0; i < ROWS * heads; i++)
			if (fabsf(att_v[i] - att_p[i]) > 1e-6f)
				fail_msg("shape %zu: probability %llu %g vs %g", s,
				         (unsigned long long)i, (double)att_v[i], (double)att_p[i]);
		for (uint64_t i = 0; i < (uint64_t)heads * hd; i++)
			if (fabsf(o_v[i] - o_p[i]) > 1e-5f)
				fail_msg("shape %zu: output %llu %g vs %g", s,
				         (unsigned long long)i, (double)o_v[i], (double)o_p[i]);
	}
}

/* The softmax of a column does not depend on the columns beside it (its
 * lane in the vectors, or its block of 32): the cached path takes every
 * head's column at once, the recomputation a group's.  11 columns (one
 * group of 8 and a tail), 32 (one block), 45 (a block, a group and a
 * tail) and 72 (two blocks and a group). */
#define SOFTMAX_ROWS 9
#define SOFTMAX_COLS_MAX 72

static void softmax_by_column(int portable)
{
	static const uint32_t widths[] = {11, 32, 45, 72};
	float orig[SOFTMAX_ROWS * SOFTMAX_COLS_MAX], all[SOFTMAX_ROWS * SOFTMAX_COLS_MAX];
	float one[SOFTMAX_ROWS], max[SOFTMAX_COLS_MAX], sum[SOFTMAX_COLS_MAX], m1, s1;

	(void)portable;
	for (size_t w = 0; w < sizeof widths / sizeof *widths; w++) {
		uint32_t n_cols = widths[w];

		for (uint32_t i = 0; i < SOFTMAX_ROWS * n_cols; i++)
			orig[i] = all[i] = uniform() * 20;
		kvp__softmax_columns(all, SOFTMAX_ROWS, n_cols, max, sum);
		for (uint32_t c = 0; c < n_cols; c++) {
			for (int i = 0; i < SOFTMAX_ROWS; i++)
				one[i] = orig[i * n_cols + c];
			kvp__softmax_columns(one, SOFTMAX_ROWS, 1, &m1, &s1);
			for (int i = 0; i < SOFTMAX_ROWS; i++)
				assert_int_equal(bits_of(one[i]), bits_of(all[i * n_cols + c]));
			assert_int_equal(bits_of(m1), bits_of(max[c]));
			assert_int_equal(bits_of(s1), bits_of(sum[c]));
		}
	}
}

static void test_softmax_by_column(void **state)
{
	(void)state;
	both_paths(softmax_by_column);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decoders_agree),
		cmocka_unit_test(test_conversion_exact),
		cmocka_unit_test(test_exp_accurate),
		cmocka_unit_test(test_blocking_independent),
		cmocka_unit_test(test_avx512_equals_avx2),
		cmocka_unit_test(test_dot_avx512_equals_avx2),
		cmocka_unit_test(test_paths_agree),
		cmocka_unit_test(test_softmax_by_column),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
