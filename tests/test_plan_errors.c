/*
 * test_plan_errors.c — the size model's errors (lib/plan.c, lib/layers.c,
 * lib/solve.c): bad layer patterns, shapes, types and requests, and
 * overflow, each with its status and exact message; and the bugs found
 * while writing these tests, each with its hand-worked figures.
 *
 * Models are kvp_model literals with their config.json numbers
 * (plan_fixture.h), never loaded from the catalogue.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"
#include "checks.h"
#include "plan_fixture.h"

/* ---- errors ----------------------------------------------------------- */

#define KINDS "(valid: full, sliding, chunked, mla, recurrent, none)"

static void test_pattern_errors(void **state)
{
	kvp_model m = gemma2_9b;
	kvp_error err;

	(void)state;
	pattern(&m, "sliding,full");
	/* an unknown kind names the entry; the model keeps its pattern */
	assert_int_equal(kvp_layer_pattern_parse("sliding,global", &m, &err),
	                 KVP_ERR_PARSE);
	assert_string_equal(err.message,
	                    "entry 2 'global' is not a layer kind "
	                    KINDS);
	assert_int_equal(m.pattern_len, 2);
	assert_int_equal(m.pattern[0], KVP_LAYER_SLIDING);
	assert_int_equal(m.pattern[1], KVP_LAYER_FULL);
	assert_int_equal(kvp_layer_pattern_parse("full*0", &m, &err), KVP_ERR_PARSE);
	assert_string_equal(err.message,
	                    "entry 1 'full*0' repeats 0 times");
	assert_int_equal(kvp_layer_pattern_parse("full,,sliding", &m, &err),
	                 KVP_ERR_PARSE);
	assert_string_equal(err.message, "entry 2 is empty");
	assert_int_equal(kvp_layer_pattern_parse("full*", &m, &err), KVP_ERR_PARSE);
	assert_string_equal(err.message,
	                    "entry 1 'full*': the repeat after '*'"
	                    " must be a whole number");
	assert_int_equal(kvp_layer_pattern_parse("", &m, &err), KVP_ERR_PARSE);
	assert_string_equal(err.message, "empty; give at least one layer kind");
	/* 255 + 2 = 257 entries, one past KVP_PATTERN_MAX */
	assert_int_equal(kvp_layer_pattern_parse("full*255,sliding*2", &m, &err),
	                 KVP_ERR_RANGE);
	assert_string_equal(err.message, "more than 256 layers");
	assert_int_equal(m.pattern_len, 2);
	/* repeats expand: 255 + 1 = 256 entries exactly is accepted */
	pattern(&m, "full*255,sliding");
	assert_int_equal(m.pattern_len, 256);
	assert_int_equal(m.pattern[255], KVP_LAYER_SLIDING);
}

static void test_shape_errors(void **state)
{
	kvp_request r = request_at(16);
	kvp_model m;
	kvp_error err;

	(void)state;
	/* 3 entries on a 2-layer model */
	m = (kvp_model){.name = "short", .layers = 2, .heads = 4, .kv_heads = 4,
	                .head_dim = 64, .sliding_window = 8};
	pattern(&m, "sliding,full,full");
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_ERR_SHAPE);
	assert_string_equal(err.message,
	                    "short: the layer pattern has 3 entries, more than the"
	                    " 2 layers");
	plan_fails(&m, &r, KVP_ERR_SHAPE,
	           "short: the layer pattern has 3 entries, more than the 2 layers");

	/* sliding layers (21 of gemma2-9b's 42) without a window */
	m = gemma2_9b;
	m.sliding_window = 0;
	pattern(&m, "sliding,full");
	plan_fails(&m, &r, KVP_ERR_SHAPE,
	           "gemma2-9b: 21 sliding layers need a window of at least 1 token"
	           " (sliding_window)");

	/* chunked layers without a chunk */
	m = gemma2_9b;
	pattern(&m, "chunked*3,full");
	/* 42 layers: 10 whole cycles of 4 (30 chunked) + 2 more chunked = 32 */
	plan_fails(&m, &r, KVP_ERR_SHAPE,
	           "gemma2-9b: 32 chunked layers need a chunk of at least 1 token"
	           " (chunk_size)");

	/* an "mla" entry on a model without kv_lora_rank */
	m = llama2_7b;
	pattern(&m, "mla,full");
	plan_fails(&m, &r, KVP_ERR_SHAPE,
	           "llama2-7b: 16 MLA layers need a latent rank (kv_lora_rank)");

	/* a recurrent layer with no state size */
	m = llama2_7b;
	pattern(&m, "recurrent*3,full");
	plan_fails(&m, &r, KVP_ERR_SHAPE,
	           "llama2-7b: 24 recurrent layers have no state size (state_bytes,"
	           " or ssm_inner with ssm_state or ssm_conv_kernel)");

	/* every layer none */
	m = llama2_7b;
	pattern(&m, "none");
	plan_fails(&m, &r, KVP_ERR_SHAPE, "llama2-7b: no layer has a cache");
	/* ... and every layer with 0 kv heads of its own */
	m = llama2_7b;
	m.layer_kv_heads_len = 32;
	plan_fails(&m, &r, KVP_ERR_SHAPE, "llama2-7b: no layer has a cache");
	/* an unnamed model is "model" */
	m = llama2_7b;
	m.name[0] = '\0';
	pattern(&m, "none");
	plan_fails(&m, &r, KVP_ERR_SHAPE, "model: no layer has a cache");
}

static void test_type_errors(void **state)
{
	kvp_request r = request_at(16);
	kvp_model m;

	(void)state;
	/* q8_0 on a head row of 40 values: 40 % 32 != 0 */
	m = (kvp_model){.name = "odd", .layers = 2, .heads = 4, .kv_heads = 2,
	                .head_dim = 40};
	r.dtype_k = KVP_DTYPE_Q8_0;
	plan_fails(&m, &r, KVP_ERR_SHAPE,
	           "odd: a K head row of 40 values (head_dim) is not a whole"
	           " number of q8_0 blocks (32 values each)");
	/* the V row is named by its own field */
	r.dtype_k = KVP_DTYPE_FP16;
	r.dtype_v = KVP_DTYPE_Q4_0;
	m.head_dim = 64;
	m.head_dim_v = 40;
	plan_fails(&m, &r, KVP_ERR_SHAPE,
	           "odd: a V head row of 40 values (head_dim_v) is not a whole"
	           " number of q4_0 blocks (32 values each)");
	/* the MLA latent 512 + 40 = 552 values is not whole q8_0 blocks */
	m = deepseek_v3;
	m.qk_rope_dim = 40;
	r.dtype_k = KVP_DTYPE_Q8_0;
	plan_fails(&m, &r, KVP_ERR_SHAPE,
	           "deepseek-v3: a MLA latent row of 552 values (kv_lora_rank +"
	           " qk_rope_dim) is not a whole number of q8_0 blocks (32 values"
	           " each)");

	/* fp8_ds_mla on a model without MLA */
	r = request_at(16);
	r.dtype_k = KVP_DTYPE_FP8_DS_MLA;
	plan_fails(&llama2_7b, &r, KVP_ERR_INVALID,
	           "llama2-7b: fp8_ds_mla is the format of an MLA latent; a K head"
	           " row cannot use it");
	r.dtype_k = KVP_DTYPE_FP16;
	r.dtype_v = KVP_DTYPE_FP8_DS_MLA;
	plan_fails(&llama2_7b, &r, KVP_ERR_INVALID,
	           "llama2-7b: fp8_ds_mla is the format of an MLA latent; a V head"
	           " row cannot use it");
	/* fp8_ds_mla on a rank that is not whole 128-value tiles */
	m = deepseek_v3;
	m.kv_lora_rank = 320;
	r = request_at(16);
	r.dtype_k = KVP_DTYPE_FP8_DS_MLA;
	plan_fails(&m, &r, KVP_ERR_SHAPE,
	           "deepseek-v3: fp8_ds_mla scales the latent in tiles of 128"
	           " values; kv_lora_rank 320 is not a multiple of 128");

	/* expanded MLA without v_head_dim */
	m = deepseek_v2_lite;
	m.v_head_dim = 0;
	r = request_at(16);
	r.mla = KVP_MLA_EXPANDED;
	plan_fails(&m, &r, KVP_ERR_SHAPE,
	           "deepseek-v2-lite: expanded MLA needs qk_nope_dim or"
	           " qk_rope_dim, and v_head_dim");
	/* ... but the latent does not need it */
	r.mla = KVP_MLA_LATENT;
	{
		kvp_plan p;

		plan_ok(&m, &r, &p);
		/* (512 + 64) * 2 * 27 = 31104 */
		assert_int_equal(p.kv_bytes_per_token, 31104);
	}

	/* the recurrent state as a row format */
	m = (kvp_model){.name = "rec", .layers = 2, .heads = 4, .kv_heads = 4,
	                .head_dim = 64, .ssm_inner = 64, .ssm_state = 16};
	pattern(&m, "recurrent,full");
	r = request_at(16);
	r.state_dtype = KVP_DTYPE_INT8_PTH;
	plan_fails(&m, &r, KVP_ERR_INVALID,
	           "rec: the recurrent state cannot be stored as"
	           " int8_per_token_head");
}

static void test_request_errors(void **state)
{
	kvp_request r = request_at(0);
	kvp_plan p;
	kvp_error err;

	(void)state;
	plan_fails(&llama2_7b, &r, KVP_ERR_INVALID,
	           "sequence length must be at least 1");
	r.seq = 1;
	r.batch = 0;
	plan_fails(&llama2_7b, &r, KVP_ERR_INVALID, "batch must be at least 1");
	r.batch = 1;
	r.dtype_k = (kvp_dtype)KVP_DTYPE_COUNT;
	plan_fails(&llama2_7b, &r, KVP_ERR_INVALID,
	           "invalid element type in the request");
	r.dtype_k = KVP_DTYPE_FP16;
	r.mla = (kvp_mla_mode)2;
	plan_fails(&llama2_7b, &r, KVP_ERR_INVALID, "invalid MLA mode 2");
	assert_int_equal(kvp_plan_compute(NULL, &r, &p, &err), KVP_ERR_INVALID);
	assert_string_equal(err.message, "no model, request or plan given");
}

/* An overflow names the model, seq and batch.  llama2-7b fp16, 524288 =
 * 2^19 B a token: 2^45 tokens * 2^19 = 2^64, one past UINT64_MAX; 2^45 -
 * 1 tokens fit: 2^64 - 2^19 = 18446744073709027328. */
static void test_overflow(void **state)
{
	kvp_request r = request_at(1ULL << 45);
	kvp_plan p;
	kvp_error err;
	uint64_t bytes;

	(void)state;
	plan_fails(&llama2_7b, &r, KVP_ERR_OVERFLOW,
	           "KV cache of llama2-7b for seq 35184372088832 and batch 1"
	           " overflows 64-bit bytes");
	r.seq = (1ULL << 45) - 1;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.cache_total_bytes, 18446744073709027328ULL);
	assert_int_equal(kvp_plan_bytes_at(&p, 1ULL << 45, 1, &bytes, &err),
	                 KVP_ERR_OVERFLOW);
	assert_string_equal(err.message,
	                    "KV cache of llama2-7b for seq 35184372088832 and batch"
	                    " 1 overflows 64-bit bytes");
	assert_int_equal(kvp_plan_bytes_at(&p, 1, 1ULL << 45, &bytes, &err),
	                 KVP_ERR_OVERFLOW);
}

/* ---- a hostile review of the API (2026-12-04) -------------------------- */

/* llama.cpp's unified stream at a budget of UINT64_MAX: Llama 2 7B at
 * 1,024 tokens costs 2^19 x 1,024 = 2^29 B a sequence (1,024 x b cells,
 * whole 256s), so 2^35 - 1 sequences fit and 2^35 do not.  The batch
 * solver's midpoint had wrapped to 0 there and never moved. */
static void test_max_batch_whole_budget(void **state)
{
	kvp_request r = request_at(1024);
	kvp_plan p;
	kvp_error err;
	uint64_t batch = 0, bytes;

	(void)state;
	r.engine = KVP_ENGINE_LLAMA_CPP;
	r.kv_unified = true;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(kvp_plan_max_batch(&p, UINT64_MAX, 1024, &batch, &err), KVP_OK);
	assert_int_equal(batch, (1ULL << 35) - 1);
	assert_int_equal(kvp_plan_bytes_at(&p, 1024, batch, &bytes, &err), KVP_OK);
	assert_int_equal(bytes, ((1ULL << 35) - 1) << 29);
	assert_int_equal(kvp_plan_bytes_at(&p, 1024, batch + 1, &bytes, &err),
	                 KVP_ERR_OVERFLOW);
}

/* Sizes past 64 bits are errors, never wrapped.  With cells of 1 token a
 * unified stream of 39,511 x (2^62 + 1) tokens had a saturated count of
 * UINT64_MAX / 1 + 1 = 0 units, so 0 B; a sliding window's cap of
 * window x batch wrapped at 2^55 sequences to a cache smaller than one
 * sequence's. */
static void test_unified_past_64_bits(void **state)
{
	kvp_request r = request_at(1024);
	kvp_model slide = llama2_7b;
	kvp_plan p;
	kvp_error err;
	uint64_t bytes, one;

	(void)state;
	r.engine = KVP_ENGINE_LLAMA_CPP;
	r.kv_unified = true;
	r.block_size = 1;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(kvp_plan_bytes_at(&p, 39511, (1ULL << 62) + 1, &bytes, &err),
	                 KVP_ERR_OVERFLOW);
	r.block_size = 0;
	slide.sliding_window = 512;
	pattern(&slide, "sliding");
	r.seq = 1000;
	plan_ok(&slide, &r, &p);
	assert_int_equal(kvp_plan_bytes_at(&p, 1000, 1, &one, &err), KVP_OK);
	assert_int_equal(kvp_plan_bytes_at(&p, 1000, 1ULL << 55, &bytes, &err),
	                 KVP_ERR_OVERFLOW);
	assert_int_equal(kvp_plan_bytes_at(&p, 1000, 3ULL << 55, &bytes, &err),
	                 KVP_ERR_OVERFLOW);
}

/* A pattern longer than its 256 entries is refused, not read past; the
 * getters do not read it either. */
static void test_pattern_past_its_array(void **state)
{
	kvp_model m = llama2_7b;
	kvp_error err;

	(void)state;
	m.layers = 300;
	m.pattern_len = 300;
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_ERR_SHAPE);
	assert_string_equal(err.message, "llama2-7b: the layer pattern has 300 entries,"
	                                 " more than the 256 it can hold");
	assert_int_equal(kvp_model_layer_kind(&m, 299), KVP_LAYER_FULL);
	m.pattern_len = 0;
	m.layer_kv_heads_len = 300;
	assert_int_equal(kvp_model_layer_kv_heads(&m, 299), m.kv_heads);
}

/* A ratio policy outside [0, 1) is refused (NaN, which every comparison
 * fails, too); kvp_policy_kept keeps every token of a policy the plan
 * refuses, where it had divided by a beta of 0 or converted NaN. */
static void test_policy_out_of_range(void **state)
{
	static const double bad[] = {-1, 1, 1.5, -1e300};
	kvp_request r = request_at(1000);
	kvp_policy pyramid;
	kvp_error err;

	(void)state;
	r.policy.kind = KVP_POLICY_RATIO;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		kvp_plan p;

		r.policy.ratio = bad[i];
		assert_int_equal(kvp_plan_compute(&llama2_7b, &r, &p, &err), KVP_ERR_INVALID);
		assert_non_null(strstr(err.message, "is not in [0, 1)"));
		assert_int_equal(kvp_policy_kept(&r.policy, 0, 32, 1000, 0), 1000);
	}
	r.policy.ratio = NAN;
	assert_int_equal(kvp_policy_kept(&r.policy, 0, 32, 1000, 0), 1000);
	{
		kvp_plan p;

		assert_int_equal(kvp_plan_compute(&llama2_7b, &r, &p, &err), KVP_ERR_INVALID);
		assert_string_equal(err.message, "policy ratio: nan is not in [0, 1)");
	}
	memset(&pyramid, 0, sizeof pyramid);
	pyramid.kind = KVP_POLICY_PYRAMIDKV;
	pyramid.capacity = 128;
	pyramid.window = 8;
	assert_int_equal(kvp_policy_kept(&pyramid, 0, 32, 1000, 0), 1000);
	pyramid.beta = 20;
	pyramid.window = 200;
	assert_int_equal(kvp_policy_kept(&pyramid, 0, 32, 1000, 0), 1000);
}

/* A caller's name without its NUL is read to its array's end, not past,
 * and shown cut. */
static void test_unterminated_name(void **state)
{
	kvp_device d;
	kvp_error err;
	char want[KVP_NAME_MAX + 40];

	(void)state;
	memset(&d, 'x', sizeof d);
	assert_int_equal(kvp_device_check(&d, &err), KVP_ERR_INVALID);
	memset(want, 'x', KVP_NAME_MAX);
	strcpy(want + KVP_NAME_MAX, "...: ");
	assert_memory_equal(err.message, want, strlen(want));
}

/* The small functions take NULL as their siblings do. */
static void test_null_small_functions(void **state)
{
	(void)state;
	kvp_fit_options_init(NULL);
	kvp_validate_options_init(NULL);
	kvp_weights_format_init(NULL);
	assert_int_equal(kvp_model_attention(NULL), KVP_ATTENTION_MHA);
	assert_int_equal(kvp_model_loaded_params(NULL, NULL), 0);
}

/* ---- bugs found while writing these tests ------------------------------ */

/* A recurrent layer with no conv state (ssm_conv_kernel 1: d_conv - 1 =
 * 0 rows) and ssm_groups = ssm_state = 2^32 - 1, ssm_inner 1: the state is
 * ssm_state * ssm_inner = 4294967295 values * 4 B = 17179869180 B, which
 * fits 64 bits.  The conv term, which does not exist here, would be
 * 2 * (2^32 - 1)^2 values, past 64 bits: it must not count. */
static void test_recurrent_no_conv_huge_groups(void **state)
{
	kvp_model m = {
		.name = "no-conv", .layers = 2, .heads = 1, .kv_heads = 1,
		.head_dim = 32, .ssm_conv_kernel = 1, .ssm_inner = 1,
		.ssm_state = UINT32_MAX, .ssm_groups = UINT32_MAX,
	};
	kvp_request r = request_at(1);
	kvp_plan p;
	kvp_error err;

	(void)state;
	pattern(&m, "recurrent,full");
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.groups[0].state_bytes_per_seq, 17179869180ULL);
	/* + the full layer's 2 * 32 * 2 = 128 B for its one token */
	assert_int_equal(p.cache_total_bytes, 17179869180ULL + 128);
}

/* fp8_ds_mla with kv_lora_rank 4294967168 (2^32 - 128, a multiple of
 * 128) and qk_rope_dim 64: rank + rank / 128 * 4 + rope * 2 =
 * 4294967168 + 33554431 * 4 + 128 = 4294967168 + 134217724 + 128 =
 * 4429185020 B per token and layer, past 32 bits but far inside 64. */
static void test_fp8_ds_mla_huge_rank(void **state)
{
	kvp_model m = {
		.name = "huge-rank", .layers = 1, .heads = 1, .kv_heads = 1,
		.head_dim = 32, .kv_lora_rank = 4294967168U, .qk_rope_dim = 64,
	};
	kvp_request r = request_at(1);
	kvp_plan p;
	kvp_error err;

	(void)state;
	r.dtype_k = KVP_DTYPE_FP8_DS_MLA;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.groups[0].latent_bytes_per_token, 4429185020ULL);
	assert_int_equal(p.cache_total_bytes, 4429185020ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pattern_errors),
		cmocka_unit_test(test_shape_errors),
		cmocka_unit_test(test_type_errors),
		cmocka_unit_test(test_request_errors),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_recurrent_no_conv_huge_groups),
		cmocka_unit_test(test_fp8_ds_mla_huge_rank),
		cmocka_unit_test(test_max_batch_whole_budget),
		cmocka_unit_test(test_unified_past_64_bits),
		cmocka_unit_test(test_pattern_past_its_array),
		cmocka_unit_test(test_policy_out_of_range),
		cmocka_unit_test(test_unterminated_name),
		cmocka_unit_test(test_null_small_functions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
