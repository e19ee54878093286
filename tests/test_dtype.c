/*
 * test_dtype.c — unit tests for lib/dtype.c: element type names and their
 * spellings, block sizes, and the overflow-checked bytes for n values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"

/* Parses name, requires success and returns the type. */
static kvp_dtype parse(const char *name)
{
	kvp_dtype dtype = (kvp_dtype)-1;
	kvp_error err;

	assert_int_equal(kvp_dtype_from_name(name, &dtype, &err), KVP_OK);
	assert_int_equal(err.status, KVP_OK);
	return dtype;
}

/* The canonical names map to their types. */
static void test_from_name_canonical(void **state)
{
	(void)state;
	assert_int_equal(parse("fp32"), KVP_DTYPE_FP32);
	assert_int_equal(parse("fp16"), KVP_DTYPE_FP16);
	assert_int_equal(parse("bf16"), KVP_DTYPE_BF16);
	assert_int_equal(parse("fp8"), KVP_DTYPE_FP8);
	assert_int_equal(parse("int8"), KVP_DTYPE_INT8);
}

/* Common spellings are accepted as aliases of the canonical types. */
static void test_from_name_aliases(void **state)
{
	(void)state;
	assert_int_equal(parse("f16"), KVP_DTYPE_FP16);
	assert_int_equal(parse("float16"), KVP_DTYPE_FP16);
	assert_int_equal(parse("half"), KVP_DTYPE_FP16);
	assert_int_equal(parse("bfloat16"), KVP_DTYPE_BF16);
	assert_int_equal(parse("f32"), KVP_DTYPE_FP32);
	assert_int_equal(parse("float32"), KVP_DTYPE_FP32);
	assert_int_equal(parse("float"), KVP_DTYPE_FP32);
	assert_int_equal(parse("fp8_e4m3"), KVP_DTYPE_FP8);
	assert_int_equal(parse("fp8_e5m2"), KVP_DTYPE_FP8);
	assert_int_equal(parse("f8"), KVP_DTYPE_FP8);
	assert_int_equal(parse("i8"), KVP_DTYPE_INT8);
}

/* Names and aliases match regardless of case. */
static void test_from_name_case_insensitive(void **state)
{
	(void)state;
	assert_int_equal(parse("FP16"), KVP_DTYPE_FP16);
	assert_int_equal(parse("Fp16"), KVP_DTYPE_FP16);
	assert_int_equal(parse("HALF"), KVP_DTYPE_FP16);
	assert_int_equal(parse("BF16"), KVP_DTYPE_BF16);
	assert_int_equal(parse("BFloat16"), KVP_DTYPE_BF16);
	assert_int_equal(parse("FP8_E4M3"), KVP_DTYPE_FP8);
	assert_int_equal(parse("INT8"), KVP_DTYPE_INT8);
}

/* An unknown name is KVP_ERR_NOT_FOUND, leaves the output alone, and the
 * message quotes the name and lists every valid type. */
static void test_from_name_unknown(void **state)
{
	kvp_dtype dtype = KVP_DTYPE_INT8;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_dtype_from_name("fp12", &dtype, &err), KVP_ERR_NOT_FOUND);
	assert_int_equal(err.status, KVP_ERR_NOT_FOUND);
	assert_int_equal(dtype, KVP_DTYPE_INT8);
	assert_non_null(strstr(err.message, "'fp12'"));
	for (int t = 0; t < KVP_DTYPE_COUNT; t++)
		assert_non_null(strstr(err.message, kvp_dtype_name((kvp_dtype)t)));
}

/* Near misses are not matched: no prefix, suffix or empty-name matches. */
static void test_from_name_no_partial_match(void **state)
{
	kvp_dtype dtype;

	(void)state;
	assert_int_equal(kvp_dtype_from_name("fp1", &dtype, NULL), KVP_ERR_NOT_FOUND);
	assert_int_equal(kvp_dtype_from_name("fp16x", &dtype, NULL), KVP_ERR_NOT_FOUND);
	assert_int_equal(kvp_dtype_from_name(" fp16", &dtype, NULL), KVP_ERR_NOT_FOUND);
	assert_int_equal(kvp_dtype_from_name("", &dtype, NULL), KVP_ERR_NOT_FOUND);
}

/* A NULL name or NULL output is KVP_ERR_INVALID. */
static void test_from_name_null(void **state)
{
	kvp_dtype dtype;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_dtype_from_name(NULL, &dtype, &err), KVP_ERR_INVALID);
	assert_int_equal(err.status, KVP_ERR_INVALID);
	assert_int_equal(kvp_dtype_from_name("fp16", NULL, &err), KVP_ERR_INVALID);
}

/* Block sizes from reference-data.md section 4: fp32 1 value in 4 bytes,
 * fp16/bf16 1 in 2, fp8/int8 1 in 1. */
static void test_block_sizes(void **state)
{
	(void)state;
	assert_int_equal(kvp_dtype_block_values(KVP_DTYPE_FP32), 1);
	assert_int_equal(kvp_dtype_block_bytes(KVP_DTYPE_FP32), 4);
	assert_int_equal(kvp_dtype_block_values(KVP_DTYPE_FP16), 1);
	assert_int_equal(kvp_dtype_block_bytes(KVP_DTYPE_FP16), 2);
	assert_int_equal(kvp_dtype_block_values(KVP_DTYPE_BF16), 1);
	assert_int_equal(kvp_dtype_block_bytes(KVP_DTYPE_BF16), 2);
	assert_int_equal(kvp_dtype_block_values(KVP_DTYPE_FP8), 1);
	assert_int_equal(kvp_dtype_block_bytes(KVP_DTYPE_FP8), 1);
	assert_int_equal(kvp_dtype_block_values(KVP_DTYPE_INT8), 1);
	assert_int_equal(kvp_dtype_block_bytes(KVP_DTYPE_INT8), 1);
}

/* llama.cpp's block types (ggml/src/ggml-common.h): 32 values per block;
 * q8_0 = 2 (fp16 scale) + 32 = 34 B, q5_1 = 2 + 2 + 4 + 16 = 24,
 * q5_0 = 2 + 4 + 16 = 22, q4_1 = 2 + 2 + 16 = 20, q4_0 and iq4_nl =
 * 2 + 16 = 18. */
static void test_block_types(void **state)
{
	static const struct {
		const char *name;
		kvp_dtype dtype;
		uint32_t bytes;
	} blocks[] = {
		{"q8_0", KVP_DTYPE_Q8_0, 34}, {"q5_1", KVP_DTYPE_Q5_1, 24},
		{"q5_0", KVP_DTYPE_Q5_0, 22}, {"q4_1", KVP_DTYPE_Q4_1, 20},
		{"q4_0", KVP_DTYPE_Q4_0, 18}, {"iq4_nl", KVP_DTYPE_IQ4_NL, 18},
	};

	(void)state;
	for (size_t i = 0; i < sizeof blocks / sizeof blocks[0]; i++) {
		assert_int_equal(parse(blocks[i].name), blocks[i].dtype);
		assert_int_equal(kvp_dtype_block_values(blocks[i].dtype), 32);
		assert_int_equal(kvp_dtype_block_bytes(blocks[i].dtype), blocks[i].bytes);
	}
	assert_int_equal(parse("Q8_0"), KVP_DTYPE_Q8_0);
	assert_int_equal(parse("IQ4_NL"), KVP_DTYPE_IQ4_NL);
}

/* Block types in whole blocks, integers only: 4096 values are 128 blocks,
 * 128 * 34 = 4352 B in q8_0 (not 4096, as one byte a value would say);
 * 4097 values take a 129th block: 4386 B; 1 value one whole block. */
static void test_block_bytes_whole_blocks(void **state)
{
	uint64_t bytes;

	(void)state;
	assert_int_equal(kvp_dtype_bytes(KVP_DTYPE_Q8_0, 4096, &bytes, NULL), KVP_OK);
	assert_int_equal(bytes, 4352);
	assert_int_equal(kvp_dtype_bytes(KVP_DTYPE_Q8_0, 4097, &bytes, NULL), KVP_OK);
	assert_int_equal(bytes, 4386);
	assert_int_equal(kvp_dtype_bytes(KVP_DTYPE_Q4_0, 1, &bytes, NULL), KVP_OK);
	assert_int_equal(bytes, 18);
	assert_int_equal(kvp_dtype_bytes(KVP_DTYPE_Q5_1, 0, &bytes, NULL), KVP_OK);
	assert_int_equal(bytes, 0);
}

/* A row must be whole blocks: 128 values of q4_0 are 4 * 18 = 72 B; 40
 * values are no number of 32-value blocks, and the error says so; plain
 * types take any row. */
static void test_row_bytes_whole_blocks_only(void **state)
{
	uint64_t bytes = 7;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_dtype_row_bytes(KVP_DTYPE_Q4_0, 128, &bytes, &err), KVP_OK);
	assert_int_equal(bytes, 72);
	bytes = 7;
	assert_int_equal(kvp_dtype_row_bytes(KVP_DTYPE_Q8_0, 40, &bytes, &err),
	                 KVP_ERR_SHAPE);
	assert_int_equal(bytes, 7);
	assert_string_equal(err.message,
	                    "a row of 40 values is not a whole number of q8_0 blocks"
	                    " (32 values each)");
	assert_int_equal(kvp_dtype_row_bytes(KVP_DTYPE_FP16, 40, &bytes, NULL), KVP_OK);
	assert_int_equal(bytes, 80);
}

/* An out-of-range enum value has no name and no size. */
static void test_invalid_enum(void **state)
{
	(void)state;
	assert_string_equal(kvp_dtype_name((kvp_dtype)KVP_DTYPE_COUNT), "unknown");
	assert_string_equal(kvp_dtype_name((kvp_dtype)-1), "unknown");
	assert_int_equal(kvp_dtype_block_values((kvp_dtype)KVP_DTYPE_COUNT), 0);
	assert_int_equal(kvp_dtype_block_bytes((kvp_dtype)KVP_DTYPE_COUNT), 0);
}

/* Every type's name parses back to that type, and names are distinct. */
static void test_name_round_trip(void **state)
{
	(void)state;
	for (int t = 0; t < KVP_DTYPE_COUNT; t++) {
		const char *name = kvp_dtype_name((kvp_dtype)t);

		assert_string_not_equal(name, "unknown");
		assert_int_equal(parse(name), t);
		for (int u = 0; u < t; u++)
			assert_string_not_equal(name, kvp_dtype_name((kvp_dtype)u));
	}
}

/* Bytes for n values: 4096 values are 16384 B in fp32 (4096 * 4), 8192 in
 * fp16 and bf16 (4096 * 2), 4096 in fp8 and int8; zero values are zero
 * bytes. */
static void test_bytes(void **state)
{
	uint64_t bytes;

	(void)state;
	assert_int_equal(kvp_dtype_bytes(KVP_DTYPE_FP32, 4096, &bytes, NULL), KVP_OK);
	assert_int_equal(bytes, 16384);
	assert_int_equal(kvp_dtype_bytes(KVP_DTYPE_FP16, 4096, &bytes, NULL), KVP_OK);
	assert_int_equal(bytes, 8192);
	assert_int_equal(kvp_dtype_bytes(KVP_DTYPE_BF16, 4096, &bytes, NULL), KVP_OK);
	assert_int_equal(bytes, 8192);
	assert_int_equal(kvp_dtype_bytes(KVP_DTYPE_FP8, 4096, &bytes, NULL), KVP_OK);
	assert_int_equal(bytes, 4096);
	assert_int_equal(kvp_dtype_bytes(KVP_DTYPE_INT8, 4096, &bytes, NULL), KVP_OK);
	assert_int_equal(bytes, 4096);
	assert_int_equal(kvp_dtype_bytes(KVP_DTYPE_FP32, 0, &bytes, NULL), KVP_OK);
	assert_int_equal(bytes, 0);
}

/* Overflow at the uint64 edge: fp16 holds 2^63 - 1 values in
 * 2^64 - 2 bytes, but 2^63 values would need 2^64; fp32 holds 2^62 - 1
 * values in 2^64 - 4 bytes, but 2^62 would need 2^64; one-byte types hold
 * UINT64_MAX values exactly. */
static void test_bytes_overflow(void **state)
{
	uint64_t bytes = 7;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_dtype_bytes(KVP_DTYPE_FP16, (UINT64_C(1) << 63) - 1,
	                                 &bytes, &err),
	                 KVP_OK);
	assert_int_equal(bytes, UINT64_MAX - 1);
	assert_int_equal(kvp_dtype_bytes(KVP_DTYPE_FP16, UINT64_C(1) << 63, &bytes, &err),
	                 KVP_ERR_OVERFLOW);
	assert_int_equal(err.status, KVP_ERR_OVERFLOW);
	assert_non_null(strstr(err.message, "overflow"));
	assert_int_equal(kvp_dtype_bytes(KVP_DTYPE_FP32, (UINT64_C(1) << 62) - 1,
	                                 &bytes, &err),
	                 KVP_OK);
	assert_int_equal(bytes, UINT64_MAX - 3);
	assert_int_equal(kvp_dtype_bytes(KVP_DTYPE_FP32, UINT64_C(1) << 62, &bytes, &err),
	                 KVP_ERR_OVERFLOW);
	assert_int_equal(kvp_dtype_bytes(KVP_DTYPE_FP32, UINT64_MAX, &bytes, &err),
	                 KVP_ERR_OVERFLOW);
	assert_int_equal(kvp_dtype_bytes(KVP_DTYPE_INT8, UINT64_MAX, &bytes, &err),
	                 KVP_OK);
	assert_int_equal(bytes, UINT64_MAX);
}

/* An invalid type or a NULL output is KVP_ERR_INVALID. */
static void test_bytes_invalid(void **state)
{
	uint64_t bytes;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_dtype_bytes((kvp_dtype)KVP_DTYPE_COUNT, 1, &bytes, &err),
	                 KVP_ERR_INVALID);
	assert_int_equal(err.status, KVP_ERR_INVALID);
	assert_int_equal(kvp_dtype_bytes((kvp_dtype)-1, 1, &bytes, &err),
	                 KVP_ERR_INVALID);
	assert_int_equal(kvp_dtype_bytes(KVP_DTYPE_FP16, 1, NULL, &err),
	                 KVP_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_from_name_canonical),
		cmocka_unit_test(test_from_name_aliases),
		cmocka_unit_test(test_from_name_case_insensitive),
		cmocka_unit_test(test_from_name_unknown),
		cmocka_unit_test(test_from_name_no_partial_match),
		cmocka_unit_test(test_from_name_null),
		cmocka_unit_test(test_block_sizes),
		cmocka_unit_test(test_invalid_enum),
		cmocka_unit_test(test_name_round_trip),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_block_types),
		cmocka_unit_test(test_block_bytes_whole_blocks),
		cmocka_unit_test(test_row_bytes_whole_blocks_only),
		cmocka_unit_test(test_bytes_overflow),
		cmocka_unit_test(test_bytes_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
