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
		cmocka_unit_test(test_bytes_overflow),
		cmocka_unit_test(test_bytes_invalid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
