/*
 * plan_fixture.h — what the size model's tests (tests/test_plan*.c)
 * share: a request at a length, a plan and a layer pattern that must
 * succeed, and the models more than one of them plans, with their
 * config.json numbers.  Static inline functions and static const
 * literals, so a test that does not use one is not warned.  Include after
 * cmocka.h.
 */
#ifndef KVPLAN_PLAN_FIXTURE_H
#define KVPLAN_PLAN_FIXTURE_H

#include <stdint.h>

#include "kvplan.h"

/* ---- helpers ---------------------------------------------------------- */

/* A request with the library's defaults (fp16 K and V, batch 1) at seq. */
static inline kvp_request request_at(uint64_t seq)
{
	kvp_request r;

	kvp_request_init(&r);
	r.seq = seq;
	return r;
}

/* kvp_plan_compute that must succeed. */
static inline void plan_ok(const kvp_model *m, const kvp_request *r, kvp_plan *p)
{
	kvp_error err;

	assert_int_equal(kvp_plan_compute(m, r, p, &err), KVP_OK);
	assert_int_equal(err.status, KVP_OK);
}

/* The pattern text parsed into m, which must succeed. */
static inline void pattern(kvp_model *m, const char *text)
{
	kvp_error err;

	assert_int_equal(kvp_layer_pattern_parse(text, m, &err), KVP_OK);
	assert_int_equal(err.status, KVP_OK);
}

/* ---- models (config.json numbers) ------------------------------------- */

/* meta-llama/Llama-2-7b-hf: 32 layers, 32 heads, 32 kv heads, 4096/32 =
 * 128 head_dim. */
static const kvp_model llama2_7b = {
	.name = "llama2-7b", .layers = 32, .hidden = 4096, .heads = 32,
	.kv_heads = 32, .head_dim = 128,
};

/* deepseek-ai/DeepSeek-V3: 61 layers, 128 heads, kv_lora_rank 512,
 * qk_rope_head_dim 64, qk_nope_head_dim 128, v_head_dim 128 (head_dim
 * 128 + 64 = 192, kv heads 128). */
static const kvp_model deepseek_v3 = {
	.name = "deepseek-v3", .layers = 61, .hidden = 7168, .heads = 128,
	.kv_heads = 128, .head_dim = 192, .kv_lora_rank = 512,
	.qk_rope_dim = 64, .qk_nope_dim = 128, .v_head_dim = 128,
};

/* deepseek-ai/DeepSeek-V2-Lite: 27 layers, 16 heads, the same MLA dims. */
static const kvp_model deepseek_v2_lite = {
	.name = "deepseek-v2-lite", .layers = 27, .hidden = 2048, .heads = 16,
	.kv_heads = 16, .head_dim = 192, .kv_lora_rank = 512,
	.qk_rope_dim = 64, .qk_nope_dim = 128, .v_head_dim = 128,
};

/* google/gemma-2-9b: 42 layers, 16 heads, 8 kv heads, head_dim 256,
 * sliding_window 4096, layers alternating sliding and full (pattern set
 * by the tests). */
static const kvp_model gemma2_9b = {
	.name = "gemma2-9b", .layers = 42, .hidden = 3584, .heads = 16,
	.kv_heads = 8, .head_dim = 256, .sliding_window = 4096,
};

#endif
