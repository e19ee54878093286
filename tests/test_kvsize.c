/*
 * test_kvsize.c — unit tests for lib/kvsize.c: 2 · L · s · B · kv_heads ·
 * head_dim · bytes against reference-data.md, and overflow at the uint64 edge.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"

static const kvp_model llama2_7b = {
	.name = "llama2-7b", .layers = 32, .hidden = 4096, .heads = 32,
	.kv_heads = 32, .params = 6738415616ULL,
};
static const kvp_model llama3_8b = {
	.name = "llama3-8b", .layers = 32, .hidden = 4096, .heads = 32,
	.kv_heads = 8,
};

/* llama2-7b's MHA cache per token: 2 * 32 layers * 32 kv heads * 128 *
 * 2 bytes = 524288 (16384 per layer, 2 * 32 * 128 * 2); at seq 1024,
 * batch 1: one layer 16384 * 1024 = 16777216, all 524288 * 1024 =
 * 536870912 (512 MiB). */
static void test_llama2_7b_fp16(void **state)
{
	kvp_kv_size size;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_kv_size_compute(&llama2_7b, KVP_DTYPE_FP16, 1024, 1,
	                                     &size, &err),
	                 KVP_OK);
	assert_int_equal(err.status, KVP_OK);
	assert_int_equal(size.bytes_per_token_layer, 16384);
	assert_int_equal(size.bytes_per_token, 524288);
	assert_int_equal(size.bytes_per_layer, 16777216);
	assert_int_equal(size.total_bytes, 536870912);
}

/* Attention variants of llama2-7b at seq 1024: MQA 2 * 32 * 1 * 128 * 2 =
 * 16384 B/token -> 16777216; GQA with 8 kv heads (largest divisor of 32
 * that is <= 8) 131072 B/token -> 134217728. */
static void test_llama2_7b_variants(void **state)
{
	kvp_model variant;
	kvp_kv_size size;

	(void)state;
	assert_int_equal(kvp_model_variant(&llama2_7b, KVP_ATTENTION_MQA, &variant,
	                                   NULL),
	                 KVP_OK);
	assert_int_equal(kvp_kv_size_compute(&variant, KVP_DTYPE_FP16, 1024, 1,
	                                     &size, NULL),
	                 KVP_OK);
	assert_int_equal(size.bytes_per_token, 16384);
	assert_int_equal(size.total_bytes, 16777216);
	assert_int_equal(kvp_model_variant(&llama2_7b, KVP_ATTENTION_GQA, &variant,
	                                   NULL),
	                 KVP_OK);
	assert_int_equal(variant.kv_heads, 8);
	assert_int_equal(kvp_kv_size_compute(&variant, KVP_DTYPE_FP16, 1024, 1,
	                                     &size, NULL),
	                 KVP_OK);
	assert_int_equal(size.bytes_per_token, 131072);
	assert_int_equal(size.total_bytes, 134217728);
}

/* Batch 8 multiplies the layer and the total: 16777216 * 8 = 134217728 per
 * layer, 536870912 * 8 = 4294967296 (4 GiB, past 32 bits) in all; the per
 * token figures do not change. */
static void test_llama2_7b_batch(void **state)
{
	kvp_kv_size size;

	(void)state;
	assert_int_equal(kvp_kv_size_compute(&llama2_7b, KVP_DTYPE_FP16, 1024, 8,
	                                     &size, NULL),
	                 KVP_OK);
	assert_int_equal(size.bytes_per_token, 524288);
	assert_int_equal(size.bytes_per_layer, 134217728);
	assert_int_equal(size.total_bytes, 4294967296ULL);
}

/* Element types at seq 1024: fp32 doubles fp16 (1073741824), int8 halves
 * it (268435456); bf16 equals fp16 and fp8 equals int8. */
static void test_llama2_7b_dtypes(void **state)
{
	static const struct {
		kvp_dtype dtype;
		uint64_t per_token, total;
	} cases[] = {
		{KVP_DTYPE_FP32, 1048576, 1073741824},
		{KVP_DTYPE_FP16, 524288, 536870912},
		{KVP_DTYPE_BF16, 524288, 536870912},
		{KVP_DTYPE_FP8, 262144, 268435456},
		{KVP_DTYPE_INT8, 262144, 268435456},
	};
	kvp_kv_size size;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(kvp_kv_size_compute(&llama2_7b, cases[i].dtype, 1024, 1,
		                                     &size, NULL),
		                 KVP_OK);
		assert_int_equal(size.bytes_per_token, cases[i].per_token);
		assert_int_equal(size.total_bytes, cases[i].total);
	}
}

/* A model and its fp16 KV bytes per token from reference-data.md. */
struct per_token_case {
	kvp_model model;
	uint64_t bytes_per_token;
};

/* llama3-8b: 2 * 32 * 8 * 128 * 2 = 131072. */
static const struct per_token_case case_llama3_8b = {
	{.name = "llama3-8b", .layers = 32, .hidden = 4096, .heads = 32,
	 .kv_heads = 8}, 131072};
/* llama2-70b: 2 * 80 * 8 * 128 * 2 = 327680. */
static const struct per_token_case case_llama2_70b = {
	{.name = "llama2-70b", .layers = 80, .hidden = 8192, .heads = 64,
	 .kv_heads = 8}, 327680};
/* llama2-13b: 2 * 40 * 40 * 128 * 2 = 819200. */
static const struct per_token_case case_llama2_13b = {
	{.name = "llama2-13b", .layers = 40, .hidden = 5120, .heads = 40,
	 .kv_heads = 40}, 819200};
/* falcon-7b: head_dim 4544 / 71 = 64; 2 * 32 * 1 * 64 * 2 = 8192. */
static const struct per_token_case case_falcon_7b = {
	{.name = "falcon-7b", .layers = 32, .hidden = 4544, .heads = 71,
	 .kv_heads = 1}, 8192};
/* gemma2-9b: explicit head_dim 256 (not 3584 / 16 = 224);
 * 2 * 42 * 8 * 256 * 2 = 344064. */
static const struct per_token_case case_gemma2_9b = {
	{.name = "gemma2-9b", .layers = 42, .hidden = 3584, .heads = 16,
	 .kv_heads = 8, .head_dim = 256}, 344064};
/* qwen2.5-7b: head_dim 3584 / 28 = 128; 2 * 28 * 4 * 128 * 2 = 57344. */
static const struct per_token_case case_qwen25_7b = {
	{.name = "qwen2.5-7b", .layers = 28, .hidden = 3584, .heads = 28,
	 .kv_heads = 4}, 57344};
/* gpt2: head_dim 768 / 12 = 64; 2 * 12 * 12 * 64 * 2 = 36864. */
static const struct per_token_case case_gpt2 = {
	{.name = "gpt2", .layers = 12, .hidden = 768, .heads = 12,
	 .kv_heads = 12}, 36864};
/* llama3.1-405b: 2 * 126 * 8 * 128 * 2 = 516096. */
static const struct per_token_case case_llama31_405b = {
	{.name = "llama3.1-405b", .layers = 126, .hidden = 16384, .heads = 128,
	 .kv_heads = 8}, 516096};

/* The fp16 bytes per token of one catalogued model, and the total at
 * seq 1, batch 1, which is the same number. */
static void test_bytes_per_token(void **state)
{
	const struct per_token_case *c = *state;
	kvp_kv_size size;

	assert_int_equal(kvp_kv_size_compute(&c->model, KVP_DTYPE_FP16, 1, 1, &size,
	                                     NULL),
	                 KVP_OK);
	assert_int_equal(size.bytes_per_token, c->bytes_per_token);
	assert_int_equal(size.total_bytes, c->bytes_per_token);
	assert_int_equal(size.bytes_per_token_layer * c->model.layers,
	                 c->bytes_per_token);
}

/* llama3-8b at its full context of 8192: 131072 * 8192 = 2^17 * 2^13 =
 * 2^30 = 1073741824 (1 GiB). */
static void test_llama3_8b_full_context(void **state)
{
	kvp_kv_size size;

	(void)state;
	assert_int_equal(kvp_kv_size_compute(&llama3_8b, KVP_DTYPE_FP16, 8192, 1,
	                                     &size, NULL),
	                 KVP_OK);
	assert_int_equal(size.total_bytes, 1073741824);
}

/* The input model is not modified: head_dim stays 0 in the caller's copy. */
static void test_model_not_modified(void **state)
{
	kvp_model m = llama2_7b;
	kvp_kv_size size;

	(void)state;
	assert_int_equal(kvp_kv_size_compute(&m, KVP_DTYPE_FP16, 1, 1, &size, NULL),
	                 KVP_OK);
	assert_memory_equal(&m, &llama2_7b, sizeof m);
}

/* seq 0, batch 0, no model, no output or an invalid cache type are
 * KVP_ERR_INVALID; an invalid shape is KVP_ERR_SHAPE. */
static void test_invalid_arguments(void **state)
{
	kvp_model bad = llama2_7b;
	kvp_kv_size size;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_kv_size_compute(&llama2_7b, KVP_DTYPE_FP16, 0, 1, &size,
	                                     &err),
	                 KVP_ERR_INVALID);
	assert_non_null(strstr(err.message, "sequence length"));
	assert_int_equal(kvp_kv_size_compute(&llama2_7b, KVP_DTYPE_FP16, 1, 0, &size,
	                                     &err),
	                 KVP_ERR_INVALID);
	assert_non_null(strstr(err.message, "batch"));
	assert_int_equal(kvp_kv_size_compute(NULL, KVP_DTYPE_FP16, 1, 1, &size, &err),
	                 KVP_ERR_INVALID);
	assert_int_equal(kvp_kv_size_compute(&llama2_7b, KVP_DTYPE_FP16, 1, 1, NULL,
	                                     &err),
	                 KVP_ERR_INVALID);
	assert_int_equal(kvp_kv_size_compute(&llama2_7b, (kvp_dtype)KVP_DTYPE_COUNT,
	                                     1, 1, &size, &err),
	                 KVP_ERR_INVALID);
	assert_int_equal(err.status, KVP_ERR_INVALID);
	bad.kv_heads = 5;
	assert_int_equal(kvp_kv_size_compute(&bad, KVP_DTYPE_FP16, 1, 1, &size, &err),
	                 KVP_ERR_SHAPE);
	assert_int_equal(err.status, KVP_ERR_SHAPE);
}

/* seq 2^64 - 1 with batch 2 overflows the token count: KVP_ERR_OVERFLOW,
 * a message that says so, and the output left alone. */
static void test_overflow_max_seq(void **state)
{
	kvp_kv_size size = {.total_bytes = 42};
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_kv_size_compute(&llama2_7b, KVP_DTYPE_FP16, UINT64_MAX,
	                                     2, &size, &err),
	                 KVP_ERR_OVERFLOW);
	assert_int_equal(err.status, KVP_ERR_OVERFLOW);
	assert_non_null(strstr(err.message, "overflow"));
	assert_int_equal(size.total_bytes, 42);
}

/* The longest seq that fits: total = 524288 * s <= 2^64 - 1 gives
 * s = floor((2^64 - 1) / 2^19) = 2^45 - 1 = 35184372088831, total
 * 2^64 - 2^19 = 18446744073709027328, one layer 16384 * s = 2^59 - 2^14 =
 * 576460752303407104.  s + 1 = 2^45 makes 2^64: overflow.  The same holds
 * with seq and batch swapped. */
static void test_overflow_edge(void **state)
{
	const uint64_t s = 35184372088831ULL;
	kvp_kv_size size;

	(void)state;
	assert_int_equal(kvp_kv_size_compute(&llama2_7b, KVP_DTYPE_FP16, s, 1, &size,
	                                     NULL),
	                 KVP_OK);
	assert_int_equal(size.total_bytes, 18446744073709027328ULL);
	assert_int_equal(size.bytes_per_layer, 576460752303407104ULL);
	assert_int_equal(kvp_kv_size_compute(&llama2_7b, KVP_DTYPE_FP16, s + 1, 1,
	                                     &size, NULL),
	                 KVP_ERR_OVERFLOW);
	assert_int_equal(kvp_kv_size_compute(&llama2_7b, KVP_DTYPE_FP16, 1, s, &size,
	                                     NULL),
	                 KVP_OK);
	assert_int_equal(size.total_bytes, 18446744073709027328ULL);
	assert_int_equal(kvp_kv_size_compute(&llama2_7b, KVP_DTYPE_FP16, 1, s + 1,
	                                     &size, NULL),
	                 KVP_ERR_OVERFLOW);
}

/* seq and batch each small enough, but seq * batch = 2^32 * 2^32 = 2^64
 * tokens overflows. */
static void test_overflow_tokens(void **state)
{
	kvp_kv_size size;

	(void)state;
	assert_int_equal(kvp_kv_size_compute(&llama2_7b, KVP_DTYPE_FP16,
	                                     UINT64_C(1) << 32, UINT64_C(1) << 32,
	                                     &size, NULL),
	                 KVP_ERR_OVERFLOW);
}

/* Overflow inside the per-token figures: kv_heads = head_dim = 2^32 - 1 is
 * (2^32 - 1)^2 = 2^64 - 2^33 + 1 values per row (which a 32-bit product
 * would wrap to 1), times 2 bytes overflows; one kv head of 2^31 values is
 * 2 * 2^31 * 2 = 2^33 B per layer, times 2^32 - 1 layers overflows. */
static void test_overflow_per_token(void **state)
{
	kvp_model wide = {.name = "wide", .layers = 1, .heads = UINT32_MAX,
	                  .kv_heads = UINT32_MAX, .head_dim = UINT32_MAX};
	kvp_model deep = {.name = "deep", .layers = UINT32_MAX, .heads = 1,
	                  .kv_heads = 1, .head_dim = UINT32_C(1) << 31};
	kvp_kv_size size;

	(void)state;
	assert_int_equal(kvp_kv_size_compute(&wide, KVP_DTYPE_FP16, 1, 1, &size, NULL),
	                 KVP_ERR_OVERFLOW);
	assert_int_equal(kvp_kv_size_compute(&deep, KVP_DTYPE_FP16, 1, 1, &size, NULL),
	                 KVP_ERR_OVERFLOW);
	/* int8 halves the row: 2^64 - 2^33 + 1 bytes, times 2 for K and V,
	 * still overflows. */
	assert_int_equal(kvp_kv_size_compute(&wide, KVP_DTYPE_INT8, 1, 1, &size, NULL),
	                 KVP_ERR_OVERFLOW);
}

#define PER_TOKEN_TEST(c) \
	{"test_bytes_per_token_" #c, test_bytes_per_token, NULL, NULL, (void *)&c}

/* llama2-7b's K row is 32 kv heads * 128 = 4096 values.  In q8_0 that is
 * 128 blocks of 34 B = 4352 B; per token K and V in 32 layers:
 * 2 * 32 * 4352 = 278,528 B.  In q4_0, 128 * 18 = 2304 B a row:
 * 2 * 32 * 2304 = 147,456 B.  At seq 4096, q8_0: 278,528 * 4096 =
 * 1,140,850,688 B. */
static void test_block_types_llama2_7b(void **state)
{
	kvp_kv_size size;

	(void)state;
	assert_int_equal(kvp_kv_size_compute(&llama2_7b, KVP_DTYPE_Q8_0, 4096, 1,
	                                     &size, NULL), KVP_OK);
	assert_int_equal(size.bytes_per_token_layer, 8704);
	assert_int_equal(size.bytes_per_token, 278528);
	assert_int_equal(size.total_bytes, 1140850688);
	assert_int_equal(kvp_kv_size_compute(&llama2_7b, KVP_DTYPE_Q4_0, 1, 1,
	                                     &size, NULL), KVP_OK);
	assert_int_equal(size.bytes_per_token, 147456);
}

/* A block type stores each head's row in whole blocks, as llama.cpp does
 * (it refuses a head dimension its block does not divide): head_dim 40 in
 * q8_0 is an error naming the model, the row and the block, even where
 * 4 heads would make 160 values; head_dim 96 is 3 blocks: 2 layers of K
 * and V of 1 head, 2 * 2 * 3 * 34 = 408 B a token. */
static void test_block_type_row_not_whole(void **state)
{
	kvp_model m = {.name = "odd", .layers = 2, .heads = 4, .kv_heads = 4,
	               .head_dim = 40};
	kvp_kv_size size;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_kv_size_compute(&m, KVP_DTYPE_Q8_0, 16, 1, &size, &err),
	                 KVP_ERR_SHAPE);
	assert_string_equal(err.message,
	                    "odd: a K head row of 40 values (head_dim) is not a whole"
	                    " number of q8_0 blocks (32 values each)");
	m.kv_heads = 1;
	m.head_dim = 96;
	assert_int_equal(kvp_kv_size_compute(&m, KVP_DTYPE_Q8_0, 1, 1, &size, &err),
	                 KVP_OK);
	assert_int_equal(size.bytes_per_token, 408);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_llama2_7b_fp16),
		cmocka_unit_test(test_llama2_7b_variants),
		cmocka_unit_test(test_llama2_7b_batch),
		cmocka_unit_test(test_llama2_7b_dtypes),
		PER_TOKEN_TEST(case_llama3_8b),
		PER_TOKEN_TEST(case_llama2_70b),
		PER_TOKEN_TEST(case_llama2_13b),
		PER_TOKEN_TEST(case_falcon_7b),
		PER_TOKEN_TEST(case_gemma2_9b),
		PER_TOKEN_TEST(case_qwen25_7b),
		PER_TOKEN_TEST(case_gpt2),
		PER_TOKEN_TEST(case_llama31_405b),
		cmocka_unit_test(test_llama3_8b_full_context),
		cmocka_unit_test(test_model_not_modified),
		cmocka_unit_test(test_invalid_arguments),
		cmocka_unit_test(test_overflow_max_seq),
		cmocka_unit_test(test_overflow_edge),
		cmocka_unit_test(test_overflow_tokens),
		cmocka_unit_test(test_overflow_per_token),
		cmocka_unit_test(test_block_types_llama2_7b),
		cmocka_unit_test(test_block_type_row_not_whole),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
