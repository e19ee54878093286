/*
 * test_ref_kvcache.c — unit tests for the reference cache: fp16/bf16
 * rounding (exhaustively, at every midpoint), the decoders' CPU detection,
 * both layouts' bytes against kvp_layout_predict, paged growth block by
 * block, rows found with V's array on either side of K's, the refusal to go
 * past max_seq, and allocation failures at every step.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ref/ref.h"
#include "testutil.h"

static const kvp_dtype storage_types[] = {KVP_DTYPE_FP32, KVP_DTYPE_FP16,
                                          KVP_DTYPE_BF16};

/* Round to nearest even at every pair of neighbouring 16-bit values: the
 * exact midpoint (representable in a float) goes to the even one, the
 * floats just either side go to their side.  With both signs, this covers
 * every rounding decision the encoder can make, overflow to infinity
 * included. */
static void check_midpoints(uint16_t (*encode)(float), float (*decode)(uint16_t),
                            uint16_t largest_finite)
{
	for (uint32_t h = 0; h <= largest_finite; h++) {
		float lo = decode((uint16_t)h), hi = decode((uint16_t)(h + 1));
		float mid = lo + (hi - lo) / 2;
		uint16_t even = (h & 1) ? (uint16_t)(h + 1) : (uint16_t)h;

		if (isinf(hi)) /* the midpoint to infinity: max + half an ulp */
			mid = float_of(bits_of(lo) + (bits_of(lo) - bits_of(decode((uint16_t)(h - 1)))) / 2);
		assert_int_equal(encode(lo), h);
		assert_int_equal(encode(mid), even);
		assert_int_equal(encode(nextafterf(mid, 0)), h);
		assert_int_equal(encode(nextafterf(mid, INFINITY)), h + 1);
		assert_int_equal(encode(-mid), even | 0x8000);
		assert_int_equal(encode(-nextafterf(mid, 0)), h | 0x8000);
	}
}

/* binary16: every value decodes exactly and every midpoint rounds to even. */
static void test_fp16_round_to_nearest_even(void **state)
{
	(void)state;
	for (uint32_t h = 0; h < 0x10000; h++) {
		float f = kvp__fp16_to_float((uint16_t)h);

		if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff))
			assert_true(isnan(f));
		else
			assert_int_equal(kvp__fp16_from_float(f), h);
	}
	check_midpoints(kvp__fp16_from_float, kvp__fp16_to_float, 0x7bff);
}

/* Known binary16 values: the limits, subnormals, ties and NaN. */
static void test_fp16_known_values(void **state)
{
	(void)state;
	assert_int_equal(kvp__fp16_from_float(1.0f), 0x3c00);
	assert_int_equal(kvp__fp16_from_float(-2.0f), 0xc000);
	assert_int_equal(kvp__fp16_from_float(65504.0f), 0x7bff);
	assert_int_equal(kvp__fp16_from_float(65519.99f), 0x7bff);
	assert_int_equal(kvp__fp16_from_float(65520.0f), 0x7c00);
	assert_int_equal(kvp__fp16_from_float(1e10f), 0x7c00);
	assert_int_equal(kvp__fp16_from_float(-INFINITY), 0xfc00);
	assert_int_equal(kvp__fp16_from_float(0x1p-24f), 0x0001);
	assert_int_equal(kvp__fp16_from_float(0x1p-25f), 0x0000);
	assert_int_equal(kvp__fp16_from_float(0x1.000002p-25f), 0x0001);
	assert_int_equal(kvp__fp16_from_float(0x1.8p-24f), 0x0002);
	assert_int_equal(kvp__fp16_from_float(0x1p-30f), 0x0000);
	assert_int_equal(kvp__fp16_from_float(-0.0f), 0x8000);
	assert_int_equal(kvp__fp16_from_float(1.0f + 0x1p-11f), 0x3c00);
	assert_int_equal(kvp__fp16_from_float(1.0f + 0x3p-11f), 0x3c02);
	assert_true((kvp__fp16_from_float(NAN) & 0x7c00) == 0x7c00);
	assert_true((kvp__fp16_from_float(NAN) & 0x3ff) != 0);
	assert_true(kvp__fp16_to_float(0x0001) == 0x1p-24f);
	assert_true(kvp__fp16_to_float(0x03ff) == 0x3ffp-24f);
	assert_true(isinf(kvp__fp16_to_float(0x7c00)));
}

/* bfloat16: the same exhaustive checks, and a NaN whose payload lies only
 * in the dropped bits stays a NaN instead of becoming infinity. */
static void test_bf16_round_to_nearest_even(void **state)
{
	(void)state;
	for (uint32_t h = 0; h < 0x10000; h++) {
		float f = kvp__bf16_to_float((uint16_t)h);

		assert_int_equal(bits_of(f), h << 16);
		if (!isnan(f))
			assert_int_equal(kvp__bf16_from_float(f), h);
	}
	check_midpoints(kvp__bf16_from_float, kvp__bf16_to_float, 0x7f7f);
	assert_int_equal(kvp__bf16_from_float(1.0f), 0x3f80);
	assert_true(isnan(kvp__bf16_to_float(kvp__bf16_from_float(float_of(0x7f800001u)))));
	assert_int_equal(kvp__bf16_from_float(3.4e38f), 0x7f80);
}

/* Decoding a whole row (four values at a time where it can) gives the same
 * bits as the scalar decoders, for all 65536 values of both types, NaNs and
 * infinities included, and whatever the row's length modulo four. */
static void test_row_decode_matches_scalar(void **state)
{
	static uint16_t all[0x10000];
	static float row[0x10000];

	(void)state;
	for (uint32_t h = 0; h < 0x10000; h++)
		all[h] = (uint16_t)h;
	for (uint64_t skip = 0; skip < 4; skip++) {
		kvp__storage_decode(KVP_DTYPE_FP16, row, all + skip, 0x10000 - skip);
		for (uint32_t h = (uint32_t)skip; h < 0x10000; h++)
			assert_int_equal(bits_of(row[h - skip]),
			                 bits_of(kvp__fp16_to_float((uint16_t)h)));
		kvp__storage_decode(KVP_DTYPE_BF16, row, all + skip, 0x10000 - skip);
		for (uint32_t h = (uint32_t)skip; h < 0x10000; h++)
			assert_int_equal(bits_of(row[h - skip]), h << 16);
	}
}

#if defined(__x86_64__)
/* 1 when the space-separated list has the word. */
static int has_word(const char *list, const char *word)
{
	size_t len = strlen(word);

	for (const char *at = list; (at = strstr(at, word)); at += len)
		if ((at == list || at[-1] == ' ' || at[-1] == '\t') &&
		    (at[len] == ' ' || at[len] == '\n' || at[len] == '\0'))
			return 1;
	return 0;
}

/* Valgrind runs the test on its own CPU, whose cpuid lists what it
 * emulates: it preloads its vgpreload libraries. */
static int under_valgrind(void)
{
	const char *preload = getenv("LD_PRELOAD");

	return preload && strstr(preload, "vgpreload") != NULL;
}
#endif

/* The decoders' CPU detection (cpuid, XCR0) agrees with the kernel's flags
 * in /proc/cpuinfo.  F16C and AVX2 are VEX-encoded, so they count only
 * with "avx" listed too: the kernel drops avx when it does not save the
 * YMM registers (and a CPU without AVX has no YMM state to save); so
 * does FMA.  Off x86-64 there is nothing to detect: all are 0. */
static void test_cpu_detection_matches_proc_cpuinfo(void **state)
{
#if defined(__x86_64__)
	char line[8192];
	FILE *cpuinfo;
	int found = 0;

	(void)state;
	if (!(cpuinfo = fopen("/proc/cpuinfo", "r")))
		skip();
	while (!found && fgets(line, sizeof line, cpuinfo))
		found = strncmp(line, "flags", 5) == 0 && strchr(line, ':');
	fclose(cpuinfo);
	if (!found)
		skip();
	assert_int_equal(kvp__cpu_has_f16c(),
	                 has_word(line, "f16c") && has_word(line, "avx"));
	assert_int_equal(kvp__cpu_has_avx2(),
	                 has_word(line, "avx2") && has_word(line, "avx"));
	assert_int_equal(kvp__cpu_has_fma(),
	                 has_word(line, "fma") && has_word(line, "avx"));
	/* AVX-512's kernels take the three others with it.  Valgrind's
	 * CPU (3.19) has no AVX-512 whatever /proc/cpuinfo says: there
	 * only the one way holds. */
	if (under_valgrind())
		assert_true(!kvp__cpu_has_avx512() || has_word(line, "avx512f"));
	else
		assert_int_equal(kvp__cpu_has_avx512(),
		                 has_word(line, "avx512f") && has_word(line, "avx2") &&
		                 has_word(line, "fma") && has_word(line, "f16c") &&
		                 has_word(line, "avx"));
	/* the portable switch turns them all off, and back on */
	kvp__simd_portable(1);
	assert_int_equal(kvp__cpu_has_f16c() | kvp__cpu_has_avx2() | kvp__cpu_has_fma() |
	                 kvp__cpu_has_avx512(), 0);
	kvp__simd_portable(0);
	assert_int_equal(kvp__cpu_has_avx2(),
	                 has_word(line, "avx2") && has_word(line, "avx"));
	assert_int_equal(kvp__cpu_has_avx512(), !under_valgrind() &&
	                 has_word(line, "avx512f") && kvp__cpu_has_avx2() &&
	                 kvp__cpu_has_fma() && kvp__cpu_has_f16c());
	/* the AVX2 limit turns AVX-512 off alone */
	kvp__simd_limit(KVP__SIMD_AVX2);
	assert_int_equal(kvp__cpu_has_avx512(), 0);
	assert_int_equal(kvp__cpu_has_avx2(),
	                 has_word(line, "avx2") && has_word(line, "avx"));
	assert_int_equal(kvp__cpu_has_f16c(),
	                 has_word(line, "f16c") && has_word(line, "avx"));
	kvp__simd_limit(KVP__SIMD_BEST);
#else
	(void)state;
	assert_int_equal(kvp__cpu_has_f16c(), 0);
	assert_int_equal(kvp__cpu_has_avx2(), 0);
	assert_int_equal(kvp__cpu_has_fma(), 0);
	assert_int_equal(kvp__cpu_has_avx512(), 0);
#endif
}

/* Encoding a row and decoding it is kvp__storage_round on every value. */
static void test_storage_rows(void **state)
{
	float src[7] = {0.1f, -3.3f, 65504.0f, 1e-7f, 12345.678f, -0.0f, 2.5f};
	float back[7];
	uint16_t encoded[7];

	(void)state;
	for (size_t t = 0; t < 3; t++) {
		kvp_dtype dtype = storage_types[t];
		float as_f32[7];

		kvp__storage_encode(dtype, dtype == KVP_DTYPE_FP32 ? (void *)as_f32
		                                                  : (void *)encoded,
		                    src, 7);
		kvp__storage_decode(dtype, back, dtype == KVP_DTYPE_FP32
		                                 ? (void *)as_f32 : (void *)encoded, 7);
		for (int i = 0; i < 7; i++)
			assert_true(bits_of(back[i]) ==
			            bits_of(kvp__storage_round(dtype, src[i])));
	}
	assert_true(kvp__storage_round(KVP_DTYPE_FP32, 0.1f) == 0.1f);
	assert_true(kvp__storage_supported(KVP_DTYPE_BF16));
	assert_false(kvp__storage_supported(KVP_DTYPE_FP8));
	assert_false(kvp__storage_supported(KVP_DTYPE_INT8));
}

static kvp_model shape_model(uint32_t layers, uint32_t kv_heads,
                             uint32_t head_dim)
{
	kvp_model m = {.layers = layers, .heads = kv_heads, .kv_heads = kv_heads,
	               .head_dim = head_dim};

	return m;
}

/* The contiguous cache allocates exactly kvp_kv_size_compute's total, up
 * front, whatever the shape and type. */
static void test_contiguous_bytes_equal_prediction(void **state)
{
	static const uint32_t shapes[][3] = {{1, 1, 2}, {2, 4, 8}, {3, 1, 64},
	                                     {32, 32, 128}};
	long live = testutil_live_blocks();

	(void)state;
	for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
		for (size_t t = 0; t < 3; t++) {
			kvp__kvcache_shape shape = {
				.layers = shapes[s][0], .kv_heads = shapes[s][1],
				.head_dim = shapes[s][2], .batch = 2, .max_seq = 5,
				.dtype = storage_types[t], .layout = KVP_LAYOUT_CONTIGUOUS,
			};
			kvp_model m = shape_model(shapes[s][0], shapes[s][1], shapes[s][2]);
			kvp__counter counter;
			kvp__kvcache cache;
			kvp_kv_size size;
			uint64_t predicted;

			kvp__counter_init(&counter);
			assert_int_equal(kvp__kvcache_init(&cache, &counter, &shape, NULL), KVP_OK);
			assert_int_equal(kvp_layout_predict(&m, shape.dtype, shape.layout, 5, 2,
			                                    0, &predicted, NULL), KVP_OK);
			assert_int_equal(kvp_kv_size_compute(&m, shape.dtype, 5, 2, &size, NULL),
			                 KVP_OK);
			assert_int_equal(predicted, size.total_bytes);
			assert_int_equal(counter.current_bytes[KVP_MEM_CACHE], predicted);
			kvp__kvcache_touch(&cache, NULL, NULL);
			kvp__kvcache_destroy(&cache);
			for (int c = 0; c < KVP_MEM_CATEGORY_COUNT; c++)
				assert_int_equal(counter.current_bytes[c], 0);
		}
	}
	assert_int_equal(testutil_live_blocks(), live);
}

/* A paged sequence gets a block (one page per layer) each time it crosses
 * a block boundary, and at every length the bytes are those predicted for
 * that length: whole blocks, batch * ceil(len / block) * layers pages. */
static void test_paged_grows_block_by_block(void **state)
{
	kvp__kvcache_shape shape = {
		.layers = 3, .kv_heads = 2, .head_dim = 4, .batch = 2,
		.max_seq = 37, .dtype = KVP_DTYPE_FP16,
		.layout = KVP_LAYOUT_PAGED, .block_size = 8,
	};
	kvp_model m = shape_model(3, 2, 4);
	kvp__counter counter;
	kvp__kvcache cache;
	uint64_t predicted, page_bytes = 2 * 8 * 2 * 4 * 2;

	(void)state;
	kvp__counter_init(&counter);
	assert_int_equal(kvp__kvcache_init(&cache, &counter, &shape, NULL), KVP_OK);
	assert_int_equal(counter.current_bytes[KVP_MEM_CACHE], 0);
	assert_int_equal(cache.page_bytes, page_bytes);
	for (uint64_t len = 1; len <= 37; len++) {
		assert_int_equal(kvp__kvcache_reserve(&cache, 0, len, NULL), KVP_OK);
		assert_int_equal(kvp__kvcache_reserve(&cache, 1, len, NULL), KVP_OK);
		assert_int_equal(kvp_layout_predict(&m, KVP_DTYPE_FP16, KVP_LAYOUT_PAGED,
		                                    len, 2, 8, &predicted, NULL), KVP_OK);
		assert_int_equal(counter.current_bytes[KVP_MEM_CACHE], predicted);
		assert_int_equal(predicted, 2 * ((len + 7) / 8) * 3 * page_bytes);
	}
	/* Reserving less than held changes nothing. */
	assert_int_equal(kvp__kvcache_reserve(&cache, 0, 3, NULL), KVP_OK);
	assert_int_equal(counter.current_bytes[KVP_MEM_CACHE], 2 * 5 * 3 * page_bytes);
	kvp__kvcache_destroy(&cache);
	assert_int_equal(counter.current_bytes[KVP_MEM_CACHE], 0);
	assert_int_equal(counter.current_bytes[KVP_MEM_META], 0);
}

/* The blocks one reserve adds are one allocation, each layer's K rows of
 * them side by side and then their V rows (vLLM's [2, num_blocks, ...]
 * layer), and a reader's run goes to the end of that allocation.  Rows of
 * 2 kv heads x 8 fp16 = 32 B, blocks of 4 tokens: a block's K rows are
 * 128 B, two whole lines. */
static void test_paged_reserve_is_one_allocation(void **state)
{
	kvp__kvcache_shape shape = {
		.layers = 2, .kv_heads = 2, .head_dim = 8, .batch = 2,
		.max_seq = 12, .dtype = KVP_DTYPE_FP16,
		.layout = KVP_LAYOUT_PAGED, .block_size = 4,
	};
	kvp__counter counter;
	kvp__kvcache cache;
	const void *k, *v, *k1, *v1;
	uint64_t run, allocations;

	(void)state;
	kvp__counter_init(&counter);
	assert_int_equal(kvp__kvcache_init(&cache, &counter, &shape, NULL), KVP_OK);
	allocations = counter.allocations;
	assert_int_equal(kvp__kvcache_reserve(&cache, 0, 5, NULL), KVP_OK);
	assert_int_equal(kvp__kvcache_reserve(&cache, 0, 11, NULL), KVP_OK);
	assert_int_equal(kvp__kvcache_reserve(&cache, 1, 12, NULL), KVP_OK);
	assert_int_equal(counter.allocations - allocations, 3);
	/* 6 blocks, 2 layers, 256 B a block and layer */
	assert_int_equal(counter.current_bytes[KVP_MEM_CACHE], 6 * 2 * 256);
	/* sequence 0: blocks 0-1 (positions 0-7), then block 2 (8-11) */
	kvp__kvcache_rows(&cache, 0, 0, 0, &k, &v, &run);
	assert_int_equal(run, 8);
	kvp__kvcache_rows(&cache, 1, 0, 5, &k, &v, &run);
	assert_int_equal(run, 3);
	kvp__kvcache_rows(&cache, 0, 0, 8, &k, &v, &run);
	assert_int_equal(run, 4);
	/* sequence 1: blocks 0-2 in one; position 4 follows position 3 */
	kvp__kvcache_rows(&cache, 0, 1, 1, &k, &v, &run);
	assert_int_equal(run, 11);
	kvp__kvcache_rows(&cache, 0, 1, 3, &k, &v, &run);
	kvp__kvcache_rows(&cache, 0, 1, 4, &k1, &v1, &run);
	assert_ptr_equal(k1, (const unsigned char *)k + 32);
	assert_ptr_equal(v1, (const unsigned char *)v + 32);
	/* its V rows follow its 3 blocks' K rows; layer 1 follows layer 0 */
	kvp__kvcache_rows(&cache, 0, 1, 0, &k, &v, &run);
	assert_ptr_equal(v, (const unsigned char *)k + 3 * 128);
	kvp__kvcache_rows(&cache, 1, 1, 0, &k1, &v1, &run);
	assert_ptr_equal(k1, (const unsigned char *)k + 2 * 3 * 128);
	kvp__kvcache_destroy(&cache);
	assert_int_equal(counter.current_bytes[KVP_MEM_CACHE], 0);
	assert_int_equal(counter.current_bytes[KVP_MEM_META], 0);
}

/* Rows written at every position of every layer and sequence read back as
 * written (rounded through the type), in both layouts: no two positions
 * share storage, and runs say truly how far storage is contiguous.  Paged,
 * a sequence's 3 blocks of 4 tokens come in one reserve, one allocation,
 * so the rows run to the third block's end. */
static void test_rows_round_trip(void **state)
{
	(void)state;
	for (int layout = 0; layout < KVP_LAYOUT_COUNT; layout++) {
		for (size_t t = 0; t < 3; t++) {
			kvp__kvcache_shape shape = {
				.layers = 2, .kv_heads = 3, .head_dim = 4, .batch = 2,
				.max_seq = 11, .dtype = storage_types[t],
				.layout = (kvp_layout)layout, .block_size = 4,
			};
			kvp__counter counter;
			kvp__kvcache cache;
			float key[12], value[12], back[12];

			kvp__counter_init(&counter);
			assert_int_equal(kvp__kvcache_init(&cache, &counter, &shape, NULL), KVP_OK);
			for (uint64_t b = 0; b < 2; b++)
				assert_int_equal(kvp__kvcache_reserve(&cache, b, 11, NULL), KVP_OK);
			for (uint32_t l = 0; l < 2; l++)
				for (uint64_t b = 0; b < 2; b++)
					for (uint64_t p = 0; p < 11; p++) {
						for (int i = 0; i < 12; i++) {
							key[i] = (float)(l * 1000 + b * 100 + p) + i * 0.25f;
							value[i] = -key[i];
						}
						assert_int_equal(kvp__kvcache_write(&cache, l, b, p, key,
						                                    value, NULL), KVP_OK);
					}
			for (uint32_t l = 0; l < 2; l++)
				for (uint64_t b = 0; b < 2; b++)
					for (uint64_t p = 0; p < 11; p++) {
						const void *k, *v;
						uint64_t run;

						kvp__kvcache_rows(&cache, l, b, p, &k, &v, &run);
						assert_true(run >= 1 && p + run <= 11 + (layout ? 1 : 0));
						if (layout == KVP_LAYOUT_PAGED)
							assert_int_equal(run, 12 - p);
						kvp__storage_decode(shape.dtype, back, k, 12);
						for (int i = 0; i < 12; i++)
							assert_true(back[i] == kvp__storage_round(shape.dtype,
							            (float)(l * 1000 + b * 100 + p) + i * 0.25f));
						kvp__storage_decode(shape.dtype, back, v, 12);
						assert_true(back[0] == -kvp__storage_round(shape.dtype,
						            (float)(l * 1000 + b * 100 + p)));
					}
			kvp__kvcache_destroy(&cache);
		}
	}
}

/* K and V of the contiguous layout are two allocations in whatever order
 * the allocator placed them (large ones are mapped downwards, so V often
 * lies below K).  With V below K and with V above it, every row is found
 * inside its own array, at its own offset there, and holds what was
 * written.  (Reaching V from K's address once wrapped it; UBSan stopped
 * every contiguous --validate.) */
static void test_contiguous_value_below_key(void **state)
{
	(void)state;
	for (int below = 0; below < 2; below++) {
		kvp__kvcache_shape shape = {
			.layers = 2, .kv_heads = 2, .head_dim = 4, .batch = 3,
			.max_seq = 5, .dtype = KVP_DTYPE_FP16,
			.layout = KVP_LAYOUT_CONTIGUOUS,
		};
		kvp__counter counter;
		kvp__kvcache cache;
		float key[8], value[8], back[8];

		kvp__counter_init(&counter);
		assert_int_equal(kvp__kvcache_init(&cache, &counter, &shape, NULL), KVP_OK);
		if (((uintptr_t)cache.value_cache < (uintptr_t)cache.key_cache) != below) {
			unsigned char *swap = cache.key_cache;

			cache.key_cache = cache.value_cache;
			cache.value_cache = swap;
		}
		assert_int_equal((uintptr_t)cache.value_cache < (uintptr_t)cache.key_cache,
		                 below);
		for (uint64_t b = 0; b < 3; b++)
			assert_int_equal(kvp__kvcache_reserve(&cache, b, 5, NULL), KVP_OK);
		for (uint32_t l = 0; l < 2; l++)
			for (uint64_t b = 0; b < 3; b++)
				for (uint64_t p = 0; p < 5; p++) {
					for (int i = 0; i < 8; i++) {
						key[i] = (float)(l * 100 + b * 10 + p) + i * 0.5f;
						value[i] = -key[i] - 100;
					}
					assert_int_equal(kvp__kvcache_write(&cache, l, b, p, key,
					                                    value, NULL), KVP_OK);
				}
		for (uint32_t l = 0; l < 2; l++)
			for (uint64_t b = 0; b < 3; b++)
				for (uint64_t p = 0; p < 5; p++) {
					uint64_t offset = ((l * 3 + b) * 5 + p) * cache.row_bytes;
					const void *k, *v;
					uint64_t run;

					kvp__kvcache_rows(&cache, l, b, p, &k, &v, &run);
					assert_ptr_equal(k, cache.key_cache + offset);
					assert_ptr_equal(v, cache.value_cache + offset);
					assert_int_equal(run, 5 - p);
					kvp__storage_decode(shape.dtype, back, k, 8);
					for (int i = 0; i < 8; i++)
						assert_true(back[i] == (float)(l * 100 + b * 10 + p) + i * 0.5f);
					kvp__storage_decode(shape.dtype, back, v, 8);
					for (int i = 0; i < 8; i++)
						assert_true(back[i] == -(float)(l * 100 + b * 10 + p) - i * 0.5f - 100);
				}
		kvp__kvcache_destroy(&cache);
		assert_int_equal(counter.current_bytes[KVP_MEM_CACHE], 0);
	}
}

/* Growing past max_seq, or writing where no room was made, is an error
 * that leaves the cache as it was. */
static void test_past_max_seq_refused(void **state)
{
	(void)state;
	for (int layout = 0; layout < KVP_LAYOUT_COUNT; layout++) {
		kvp__kvcache_shape shape = {
			.layers = 1, .kv_heads = 1, .head_dim = 2, .batch = 1,
			.max_seq = 16, .dtype = KVP_DTYPE_FP32,
			.layout = (kvp_layout)layout, .block_size = 16,
		};
		kvp__counter counter;
		kvp__kvcache cache;
		kvp_error err;
		float row[2] = {1, 2};
		uint64_t bytes;

		kvp__counter_init(&counter);
		assert_int_equal(kvp__kvcache_init(&cache, &counter, &shape, NULL), KVP_OK);
		assert_int_equal(kvp__kvcache_reserve(&cache, 0, 16, NULL), KVP_OK);
		bytes = counter.current_bytes[KVP_MEM_CACHE];
		assert_int_equal(kvp__kvcache_reserve(&cache, 0, 17, &err), KVP_ERR_RANGE);
		assert_non_null(strstr(err.message, "max_seq"));
		assert_int_equal(kvp__kvcache_write(&cache, 0, 0, 16, row, row, &err),
		                 KVP_ERR_RANGE);
		assert_int_equal(kvp__kvcache_write(&cache, 1, 0, 0, row, row, &err),
		                 KVP_ERR_RANGE);
		assert_int_equal(kvp__kvcache_reserve(&cache, 1, 1, &err), KVP_ERR_RANGE);
		assert_int_equal(counter.current_bytes[KVP_MEM_CACHE], bytes);
		kvp__kvcache_destroy(&cache);
	}
}

/* Only fp32, fp16 and bf16 are stored; bad dimensions are refused. */
static void test_bad_shapes(void **state)
{
	kvp__kvcache_shape shape = {
		.layers = 1, .kv_heads = 1, .head_dim = 2, .batch = 1, .max_seq = 4,
		.dtype = KVP_DTYPE_FP8, .layout = KVP_LAYOUT_CONTIGUOUS,
	};
	kvp__counter counter;
	kvp__kvcache cache;
	kvp_error err;

	(void)state;
	kvp__counter_init(&counter);
	assert_int_equal(kvp__kvcache_init(&cache, &counter, &shape, &err),
	                 KVP_ERR_UNSUPPORTED);
	assert_non_null(strstr(err.message, "fp8"));
	shape.dtype = KVP_DTYPE_FP16;
	shape.max_seq = 0;
	assert_int_equal(kvp__kvcache_init(&cache, &counter, &shape, &err),
	                 KVP_ERR_INVALID);
	shape.max_seq = 4;
	shape.layout = KVP_LAYOUT_PAGED;
	shape.block_size = 0;
	assert_int_equal(kvp__kvcache_init(&cache, &counter, &shape, &err),
	                 KVP_ERR_INVALID);
	shape.layout = KVP_LAYOUT_CONTIGUOUS;
	shape.layers = UINT32_MAX;
	shape.max_seq = UINT64_MAX / 2;
	assert_int_equal(kvp__kvcache_init(&cache, &counter, &shape, &err),
	                 KVP_ERR_OVERFLOW);
	assert_int_equal(counter.current_bytes[KVP_MEM_META], 0);
}

/* Each allocation of building and growing a cache, made to fail in turn,
 * comes back as KVP_ERR_NOMEM with nothing left counted or allocated. */
static void test_allocation_failures(void **state)
{
	long live = testutil_live_blocks();

	(void)state;
	for (int layout = 0; layout < KVP_LAYOUT_COUNT; layout++) {
		for (uint64_t nth = 1;; nth++) {
			kvp__kvcache_shape shape = {
				.layers = 3, .kv_heads = 2, .head_dim = 4, .batch = 2,
				.max_seq = 20, .dtype = KVP_DTYPE_BF16,
				.layout = (kvp_layout)layout, .block_size = 8,
			};
			kvp__counter counter;
			kvp__kvcache cache;
			kvp_status st;

			kvp__counter_init(&counter);
			counter.fail_at = nth;
			st = kvp__kvcache_init(&cache, &counter, &shape, NULL);
			for (uint64_t b = 0; st == KVP_OK && b < 2; b++)
				st = kvp__kvcache_reserve(&cache, b, 20, NULL);
			kvp__kvcache_destroy(&cache);
			if (testutil_injection_step(st, nth, counter.allocations,
			                            counter.current_bytes,
			                            KVP_MEM_CATEGORY_COUNT, live))
				break;
		}
	}
}

/* Layout names both ways, and the paged prediction's rounding to blocks:
 * llama2-7b in fp16, 1000 tokens in blocks of 16 are 63 blocks. */
static void test_layout_names_and_prediction(void **state)
{
	kvp_model llama = {.name = "llama2-7b", .layers = 32, .hidden = 4096,
	                   .heads = 32, .kv_heads = 32};
	kvp_layout layout;
	kvp_error err;
	uint64_t bytes;

	(void)state;
	assert_string_equal(kvp_layout_name(KVP_LAYOUT_CONTIGUOUS), "contiguous");
	assert_string_equal(kvp_layout_name(KVP_LAYOUT_PAGED), "paged");
	assert_string_equal(kvp_layout_name((kvp_layout)7), "unknown");
	assert_int_equal(kvp_layout_from_name("Paged", &layout, NULL), KVP_OK);
	assert_int_equal(layout, KVP_LAYOUT_PAGED);
	assert_int_equal(kvp_layout_from_name("ring", &layout, &err), KVP_ERR_NOT_FOUND);
	assert_non_null(strstr(err.message, "contiguous, paged"));

	assert_int_equal(kvp_layout_predict(&llama, KVP_DTYPE_FP16, KVP_LAYOUT_PAGED,
	                                    1000, 1, 16, &bytes, NULL), KVP_OK);
	assert_int_equal(bytes, 63ull * 16 * 524288);
	assert_int_equal(kvp_layout_predict(&llama, KVP_DTYPE_FP16,
	                                    KVP_LAYOUT_CONTIGUOUS, 1024, 1, 0, &bytes,
	                                    NULL), KVP_OK);
	assert_int_equal(bytes, 536870912);
	assert_int_equal(kvp_layout_predict(&llama, KVP_DTYPE_FP16, KVP_LAYOUT_PAGED,
	                                    1024, 1, 16, &bytes, NULL), KVP_OK);
	assert_int_equal(bytes, 536870912);
	assert_int_equal(kvp_layout_predict(&llama, KVP_DTYPE_FP16, KVP_LAYOUT_PAGED,
	                                    1, 1, 0, &bytes, &err), KVP_ERR_INVALID);
	assert_int_equal(kvp_layout_predict(&llama, KVP_DTYPE_FP16, KVP_LAYOUT_PAGED,
	                                    UINT64_MAX / 2, 4, 16, &bytes, &err),
	                 KVP_ERR_OVERFLOW);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fp16_round_to_nearest_even),
		cmocka_unit_test(test_fp16_known_values),
		cmocka_unit_test(test_bf16_round_to_nearest_even),
		cmocka_unit_test(test_row_decode_matches_scalar),
		cmocka_unit_test(test_cpu_detection_matches_proc_cpuinfo),
		cmocka_unit_test(test_storage_rows),
		cmocka_unit_test(test_contiguous_bytes_equal_prediction),
		cmocka_unit_test(test_paged_grows_block_by_block),
		cmocka_unit_test(test_paged_reserve_is_one_allocation),
		cmocka_unit_test(test_rows_round_trip),
		cmocka_unit_test(test_contiguous_value_below_key),
		cmocka_unit_test(test_past_max_seq_refused),
		cmocka_unit_test(test_bad_shapes),
		cmocka_unit_test(test_allocation_failures),
		cmocka_unit_test(test_layout_names_and_prediction),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
