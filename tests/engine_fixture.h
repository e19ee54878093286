/*
 * engine_fixture.h — what the engine tests (tests/test_engine*.c) share:
 * requests, plans and capacities that must succeed, layer patterns, the
 * group of a kind, and the models more than one of them plans, with their
 * config.json numbers.  Static inline functions and static const
 * literals, so a test that does not use one is not warned.  Include after
 * cmocka.h.
 */
#ifndef KVPLAN_ENGINE_FIXTURE_H
#define KVPLAN_ENGINE_FIXTURE_H

#include <stdint.h>

#include "kvplan.h"

/* ---- helpers ---------------------------------------------------------- */

static inline kvp_request request_at(kvp_engine engine, uint64_t seq, uint64_t batch)
{
	kvp_request r;

	kvp_request_init(&r);
	r.engine = engine;
	r.seq = seq;
	r.batch = batch;
	return r;
}

/* The same as vLLM 0.25 plans it: a window keeps one step's tokens
 * beyond it, not two (test_vllm_in_flight). */
static inline kvp_request request_v25(kvp_engine engine, uint64_t seq, uint64_t batch)
{
	kvp_request r = request_at(engine, seq, batch);

	r.vllm_version = 25;
	return r;
}

static inline void plan_ok(const kvp_model *m, const kvp_request *r, kvp_plan *p)
{
	kvp_error err;
	kvp_status st = kvp_plan_compute(m, r, p, &err);

	if (st != KVP_OK)
		print_error("kvp_plan_compute: %s\n", err.message);
	assert_int_equal(st, KVP_OK);
	assert_int_equal(err.status, KVP_OK);
}

static inline void capacity_ok(const kvp_plan *p, uint64_t budget, kvp_capacity *c)
{
	kvp_error err;

	assert_int_equal(kvp_plan_capacity(p, budget, c, &err), KVP_OK);
	assert_int_equal(c->budget_bytes, budget);
}

static inline void pattern(kvp_model *m, const char *text)
{
	kvp_error err;

	assert_int_equal(kvp_layer_pattern_parse(text, m, &err), KVP_OK);
}

/* The group of the plan with kind (there must be one). */
static inline const kvp_layer_group *group_of(const kvp_plan *p, kvp_layer_kind kind)
{
	for (uint32_t g = 0; g < p->group_count; g++)
		if (p->groups[g].kind == kind)
			return &p->groups[g];
	fail_msg("no %s group in the plan", kvp_layer_kind_name(kind));
	return NULL;
}

/* ---- models (config.json numbers) ------------------------------------- */

/* meta-llama/Meta-Llama-3-8B: 32 layers, 32 heads, 8 kv heads of 128.
 * fp16: 2·8·128·2 = 4,096 B per token and layer, 131,072 B per token. */
static const kvp_model llama3_8b = {
	.name = "llama3-8b", .layers = 32, .hidden = 4096, .heads = 32,
	.kv_heads = 8, .head_dim = 128, .params = 8030261248ULL,
};

/* openai/gpt-oss-120b: 36 layers alternating sliding (window 128, layer
 * 0 first) and full; 64 heads, 8 kv heads of 64.  fp16: 2·8·64·2 =
 * 2,048 B per token and layer. */
static inline kvp_model gpt_oss_120b(void)
{
	kvp_model m = {
		.name = "gpt-oss-120b", .layers = 36, .hidden = 2880, .heads = 64,
		.kv_heads = 8, .head_dim = 64, .sliding_window = 128,
		.model_type = "gpt_oss",
	};

	pattern(&m, "sliding,full");
	return m;
}

/* A uniform model of n layers, 8 heads and kv heads of 128: 4,096 B per
 * token and layer in fp16. */
static inline kvp_model uniform(uint32_t layers)
{
	kvp_model m = {
		.name = "uniform", .layers = layers, .heads = 8, .kv_heads = 8,
		.head_dim = 128,
	};

	return m;
}

#endif
