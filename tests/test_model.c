/*
 * test_model.c — unit tests for lib/model.c: shape validation and head_dim
 * derivation, the attention kind of a head layout, and re-planned variants.
 * Models are written out from reference-data.md section 2, not the catalogue.
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
static const kvp_model qwen25_7b = {
	.name = "qwen2.5-7b", .layers = 28, .hidden = 3584, .heads = 28,
	.kv_heads = 4,
};
static const kvp_model falcon_7b = {
	.name = "falcon-7b", .layers = 32, .hidden = 4544, .heads = 71,
	.kv_heads = 1,
};
static const kvp_model gemma2_9b = {
	.name = "gemma2-9b", .layers = 42, .hidden = 3584, .heads = 16,
	.kv_heads = 8, .head_dim = 256,
};
static const kvp_model gpt2 = {
	.name = "gpt2", .layers = 12, .hidden = 768, .heads = 12, .kv_heads = 12,
};

/* Finalizes a copy of base that is expected to be rejected as a bad shape,
 * and checks the message contains what. */
static void expect_shape_error(const kvp_model *base, const char *what)
{
	kvp_model m = *base;
	kvp_error err;

	assert_int_equal(kvp_model_finalize(&m, &err), KVP_ERR_SHAPE);
	assert_int_equal(err.status, KVP_ERR_SHAPE);
	assert_non_null(strstr(err.message, what));
}

/* head_dim 0 is derived as hidden / heads: llama2-7b 4096 / 32 = 128,
 * falcon-7b 4544 / 71 = 64, gpt2 768 / 12 = 64. */
static void test_finalize_derives_head_dim(void **state)
{
	kvp_model m;
	kvp_error err;

	(void)state;
	m = llama2_7b;
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_OK);
	assert_int_equal(err.status, KVP_OK);
	assert_int_equal(m.head_dim, 128);
	m = falcon_7b;
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_OK);
	assert_int_equal(m.head_dim, 64);
	m = gpt2;
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_OK);
	assert_int_equal(m.head_dim, 64);
}

/* An explicit head_dim is kept even when hidden / heads differs
 * (gemma2-9b: 256, while 3584 / 16 = 224), and needs no hidden at all. */
static void test_finalize_keeps_explicit_head_dim(void **state)
{
	kvp_model m = gemma2_9b;

	(void)state;
	assert_int_equal(kvp_model_finalize(&m, NULL), KVP_OK);
	assert_int_equal(m.head_dim, 256);
	assert_int_equal(m.hidden, 3584);
	m.hidden = 0;
	assert_int_equal(kvp_model_finalize(&m, NULL), KVP_OK);
	assert_int_equal(m.head_dim, 256);
}

/* Finalizing twice changes nothing. */
static void test_finalize_idempotent(void **state)
{
	kvp_model once = llama2_7b, twice;

	(void)state;
	assert_int_equal(kvp_model_finalize(&once, NULL), KVP_OK);
	twice = once;
	assert_int_equal(kvp_model_finalize(&twice, NULL), KVP_OK);
	assert_memory_equal(&once, &twice, sizeof once);
}

/* Zero layers, heads or kv heads are shape errors naming the field. */
static void test_finalize_zero_counts(void **state)
{
	kvp_model m;

	(void)state;
	m = llama2_7b;
	m.layers = 0;
	expect_shape_error(&m, "llama2-7b: layers must be at least 1");
	m = llama2_7b;
	m.heads = 0;
	expect_shape_error(&m, "llama2-7b: heads must be at least 1");
	m = llama2_7b;
	m.kv_heads = 0;
	expect_shape_error(&m, "llama2-7b: kv_heads must be at least 1");
}

/* More kv heads than query heads, or kv heads that do not divide the query
 * heads (32 heads, 5 kv heads), are shape errors naming both counts. */
static void test_finalize_bad_kv_heads(void **state)
{
	kvp_model m;

	(void)state;
	m = llama2_7b;
	m.kv_heads = 64;
	expect_shape_error(&m, "kv_heads 64 exceeds heads 32");
	m = llama2_7b;
	m.kv_heads = 5;
	expect_shape_error(&m, "heads 32 is not divisible by kv_heads 5");
}

/* Without head_dim the model needs a hidden size that heads divide:
 * neither given, or hidden 4000 with 48 heads (4000 = 83 * 48 + 16). */
static void test_finalize_bad_head_dim(void **state)
{
	kvp_model m;

	(void)state;
	m = llama2_7b;
	m.hidden = 0;
	expect_shape_error(&m, "needs head_dim or hidden");
	m = llama2_7b;
	m.hidden = 4000;
	m.heads = 48;
	m.kv_heads = 48;
	expect_shape_error(&m, "hidden 4000 is not divisible by heads 48");
}

/* Shape messages start with the model's name, or "model" when unnamed. */
static void test_finalize_message_names_model(void **state)
{
	kvp_model m = llama2_7b;
	kvp_error err;

	(void)state;
	m.layers = 0;
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_ERR_SHAPE);
	assert_string_equal(err.message, "llama2-7b: layers must be at least 1");
	m.name[0] = '\0';
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_ERR_SHAPE);
	assert_string_equal(err.message, "model: layers must be at least 1");
}

/* No model is KVP_ERR_INVALID. */
static void test_finalize_null(void **state)
{
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_model_finalize(NULL, &err), KVP_ERR_INVALID);
	assert_int_equal(err.status, KVP_ERR_INVALID);
}

/* The attention kind follows the head counts: kv = heads is MHA, kv = 1 is
 * MQA, anything between is GQA. */
static void test_attention_kind(void **state)
{
	(void)state;
	assert_int_equal(kvp_model_attention(&llama2_7b), KVP_ATTENTION_MHA);
	assert_int_equal(kvp_model_attention(&gpt2), KVP_ATTENTION_MHA);
	assert_int_equal(kvp_model_attention(&llama3_8b), KVP_ATTENTION_GQA);
	assert_int_equal(kvp_model_attention(&qwen25_7b), KVP_ATTENTION_GQA);
	assert_int_equal(kvp_model_attention(&gemma2_9b), KVP_ATTENTION_GQA);
	assert_int_equal(kvp_model_attention(&falcon_7b), KVP_ATTENTION_MQA);
}

/* The attention kinds are named as the JSON output spells them. */
static void test_attention_name(void **state)
{
	(void)state;
	assert_string_equal(kvp_attention_name(KVP_ATTENTION_MHA), "mha");
	assert_string_equal(kvp_attention_name(KVP_ATTENTION_GQA), "gqa");
	assert_string_equal(kvp_attention_name(KVP_ATTENTION_MQA), "mqa");
	assert_string_equal(kvp_attention_name((kvp_attention)9), "unknown");
}

/* Variant kv heads: MHA is all heads and MQA one; GQA keeps a GQA model's
 * own kv heads (qwen2.5-7b: 4, not 7, the largest divisor of 28 <= 8),
 * otherwise the largest divisor of heads that is at most 8: 32 -> 8,
 * 12 -> 6 (12 % 8, 12 % 7 != 0), 71 (prime) -> 1, 4 -> 4. */
static void test_variant_kv_heads(void **state)
{
	kvp_model four = {.name = "four", .layers = 2, .hidden = 256, .heads = 4,
	                  .kv_heads = 4};

	(void)state;
	assert_int_equal(kvp_model_variant_kv_heads(&llama2_7b, KVP_ATTENTION_MHA), 32);
	assert_int_equal(kvp_model_variant_kv_heads(&llama2_7b, KVP_ATTENTION_GQA), 8);
	assert_int_equal(kvp_model_variant_kv_heads(&llama2_7b, KVP_ATTENTION_MQA), 1);
	assert_int_equal(kvp_model_variant_kv_heads(&gpt2, KVP_ATTENTION_GQA), 6);
	assert_int_equal(kvp_model_variant_kv_heads(&falcon_7b, KVP_ATTENTION_GQA), 1);
	assert_int_equal(kvp_model_variant_kv_heads(&falcon_7b, KVP_ATTENTION_MHA), 71);
	assert_int_equal(kvp_model_variant_kv_heads(&llama3_8b, KVP_ATTENTION_GQA), 8);
	assert_int_equal(kvp_model_variant_kv_heads(&qwen25_7b, KVP_ATTENTION_GQA), 4);
	assert_int_equal(kvp_model_variant_kv_heads(&qwen25_7b, KVP_ATTENTION_MHA), 28);
	assert_int_equal(kvp_model_variant_kv_heads(&four, KVP_ATTENTION_GQA), 4);
}

/* A variant is the same model with only kv_heads changed, finalized. */
static void test_variant_model(void **state)
{
	kvp_model out;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_model_variant(&llama2_7b, KVP_ATTENTION_GQA, &out, &err),
	                 KVP_OK);
	assert_string_equal(out.name, "llama2-7b");
	assert_int_equal(out.layers, 32);
	assert_int_equal(out.hidden, 4096);
	assert_int_equal(out.heads, 32);
	assert_int_equal(out.kv_heads, 8);
	assert_int_equal(out.head_dim, 128);
	assert_int_equal(out.params, 6738415616ULL);
	assert_int_equal(kvp_model_attention(&out), KVP_ATTENTION_GQA);
	assert_int_equal(kvp_model_variant(&llama3_8b, KVP_ATTENTION_MQA, &out, &err),
	                 KVP_OK);
	assert_int_equal(out.kv_heads, 1);
	assert_int_equal(kvp_model_attention(&out), KVP_ATTENTION_MQA);
	assert_int_equal(kvp_model_variant(&llama3_8b, KVP_ATTENTION_MHA, &out, &err),
	                 KVP_OK);
	assert_int_equal(out.kv_heads, 32);
	assert_int_equal(kvp_model_attention(&out), KVP_ATTENTION_MHA);
}

/* An unknown attention kind or a NULL model or output is KVP_ERR_INVALID. */
static void test_variant_invalid(void **state)
{
	kvp_model out;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_model_variant(&llama2_7b, (kvp_attention)3, &out, &err),
	                 KVP_ERR_INVALID);
	assert_int_equal(err.status, KVP_ERR_INVALID);
	assert_int_equal(kvp_model_variant(NULL, KVP_ATTENTION_MQA, &out, &err),
	                 KVP_ERR_INVALID);
	assert_int_equal(kvp_model_variant(&llama2_7b, KVP_ATTENTION_MQA, NULL, &err),
	                 KVP_ERR_INVALID);
}

/* Re-planning with a divisor of heads gives that many kv heads and derives
 * head_dim for an unfinalized input (4096 / 32 = 128). */
static void test_with_kv_heads(void **state)
{
	kvp_model out;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_model_with_kv_heads(&llama2_7b, 16, &out, &err), KVP_OK);
	assert_int_equal(err.status, KVP_OK);
	assert_int_equal(out.kv_heads, 16);
	assert_int_equal(out.heads, 32);
	assert_int_equal(out.head_dim, 128);
	assert_int_equal(kvp_model_attention(&out), KVP_ATTENTION_GQA);
	assert_int_equal(kvp_model_with_kv_heads(&falcon_7b, 71, &out, &err), KVP_OK);
	assert_int_equal(out.kv_heads, 71);
	assert_int_equal(kvp_model_attention(&out), KVP_ATTENTION_MHA);
}

/* kv heads that do not divide the query heads (5, 0, or more than 32) are
 * shape errors, and the output is left alone. */
static void test_with_kv_heads_not_divisor(void **state)
{
	kvp_model out = {.kv_heads = 99};
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_model_with_kv_heads(&llama2_7b, 5, &out, &err),
	                 KVP_ERR_SHAPE);
	assert_int_equal(err.status, KVP_ERR_SHAPE);
	assert_string_equal(err.message,
	                    "kv heads 5 does not divide the 32 query heads of llama2-7b");
	assert_int_equal(out.kv_heads, 99);
	assert_int_equal(kvp_model_with_kv_heads(&llama2_7b, 0, &out, &err),
	                 KVP_ERR_SHAPE);
	assert_int_equal(kvp_model_with_kv_heads(&llama2_7b, 64, &out, &err),
	                 KVP_ERR_SHAPE);
	assert_int_equal(out.kv_heads, 99);
}

/* A model whose other fields are invalid stays invalid with new kv heads,
 * with or without an error record. */
static void test_with_kv_heads_bad_model(void **state)
{
	kvp_model bad = llama2_7b, out = {.kv_heads = 99};
	kvp_error err;

	(void)state;
	bad.layers = 0;
	assert_int_equal(kvp_model_with_kv_heads(&bad, 8, &out, &err), KVP_ERR_SHAPE);
	assert_non_null(strstr(err.message, "layers"));
	assert_int_equal(kvp_model_with_kv_heads(&bad, 8, &out, NULL), KVP_ERR_SHAPE);
	assert_int_equal(out.kv_heads, 99);
	assert_int_equal(kvp_model_with_kv_heads(NULL, 8, &out, &err), KVP_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_finalize_derives_head_dim),
		cmocka_unit_test(test_finalize_keeps_explicit_head_dim),
		cmocka_unit_test(test_finalize_idempotent),
		cmocka_unit_test(test_finalize_zero_counts),
		cmocka_unit_test(test_finalize_bad_kv_heads),
		cmocka_unit_test(test_finalize_bad_head_dim),
		cmocka_unit_test(test_finalize_message_names_model),
		cmocka_unit_test(test_finalize_null),
		cmocka_unit_test(test_attention_kind),
		cmocka_unit_test(test_attention_name),
		cmocka_unit_test(test_variant_kv_heads),
		cmocka_unit_test(test_variant_model),
		cmocka_unit_test(test_variant_invalid),
		cmocka_unit_test(test_with_kv_heads),
		cmocka_unit_test(test_with_kv_heads_not_divisor),
		cmocka_unit_test(test_with_kv_heads_bad_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
