/*
 * test_moe_stages.c — where a mixture of experts' weights lie under
 * pipeline parallelism when its layers differ: DeepSeek-V3's three dense
 * layers before 58 of experts, and Kimi K2's one, whose rounded parameter
 * count falls short of its MLPs.  The layouts are their config.json's
 * (tests/configs/); every figure is worked by hand in its comment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"

/* An fp16 model of layers x hidden with dense_layers dense MLPs of
 * dense_inter before its expert layers: experts of 2048 and one shared
 * expert of 2048, as DeepSeek-V3's and Kimi K2's config.json give them. */
static kvp_model moe(uint32_t layers, uint32_t vocab, uint64_t params, uint32_t experts,
                     uint32_t dense_layers)
{
	kvp_model m;
	kvp_error err;

	memset(&m, 0, sizeof m);
	strcpy(m.name, "m");
	m.layers = layers;
	m.hidden = 7168;
	m.heads = 128;
	m.kv_heads = 128;
	m.head_dim = 128;
	m.vocab = vocab;
	m.params = params;
	m.moe_experts = experts;
	m.moe_intermediate = 2048;
	m.moe_shared_intermediate = 2048;
	m.moe_dense_layers = dense_layers;
	m.dense_intermediate = 18432;
	if (kvp_model_finalize(&m, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return m;
}

static void plan_fit(const kvp_model *m, uint32_t tp, uint32_t pp, kvp_plan *p, kvp_fit *f)
{
	kvp_request r;
	kvp_device d;
	kvp_error err;

	memset(&d, 0, sizeof d);
	strcpy(d.name, "h200");
	d.hbm_bytes = 141ull << 30;
	d.l2_bytes = 50ull << 20;
	kvp_request_init(&r);
	r.engine = KVP_ENGINE_VLLM;
	r.seq = 8192;
	r.tp = tp;
	r.pp = pp;
	if (kvp_plan_compute(m, &r, p, &err) != KVP_OK ||
	    kvp_plan_fit(p, &d, f, &err) != KVP_OK)
		fail_msg("%s", err.message);
}

/* DeepSeek-V3, 671,000,000,000 parameters, at tp 8 and pp 2 (layers 0-30
 * and 31-60):
 *   embedding and head 2 x 129,280 x 7,168 + the final norm 7,168 =
 *   1,853,365,248; a dense MLP 3 x 7,168 x 18,432 = 396,361,728; an
 *   expert layer's 3 x 7,168 x (256 x 2,048 + 2,048) + 7,168 x 256 (the
 *   router) = 11,320,164,352; all 61 MLPs 3 x 396,361,728 + 58 x
 *   11,320,164,352 = 657,758,617,600; the rest of each layer
 *   floor((671,000,000,000 - 1,853,365,248 - 657,758,617,600) / 61) =
 *   186,688,805;
 *   stage 0: 31 x 186,688,805 + 3 x 396,361,728 + 28 x 11,320,164,352 =
 *   323,941,039,995; both: 61 x 186,688,805 + 657,758,617,600 =
 *   669,146,634,705.
 * The layers' fp16 bytes, 1,342,000,000,000 - 2 x 1,853,358,080 =
 * 1,338,293,283,840, split floor(x 323,941,039,995 / 669,146,634,705) =
 * 647,882,086,975 and 690,411,196,865.  vLLM holds each routed layer's
 * router (7,168 x 256) whole on every rank: 28 and 30 of them, 2 x
 * 51,380,224 = 102,760,448 and 110,100,480 B; per GPU ceil((the stage +
 * 1,853,358,080 - its routers) / 8) + its routers = 81,306,846,024 (with
 * the embedding) and 86,629,407,289 (with the head).  By layers alone
 * (no word of the experts, so no routers) the first stage would hold
 * 85,246,202,135 and bind; the expert layers make the second the
 * heavier.  One stage: ceil((1,342,000,000,000 - 212,860,928) / 8) +
 * 212,860,928 = 167,936,253,312. */
static void test_deepseek_v3(void **state)
{
	kvp_model m = moe(61, 129280, 671000000000ull, 256, 3);
	kvp_plan p;
	kvp_fit f;

	(void)state;
	plan_fit(&m, 8, 2, &p, &f);
	assert_int_equal(p.stage_layers[0], 31);
	assert_int_equal(p.stage_units[0], 323941039995ull);
	assert_int_equal(p.stage_units[1], 669146634705ull);
	assert_int_equal(p.stage_replicated_bytes[0], 102760448ull);
	assert_int_equal(p.stage_replicated_bytes[1], 110100480ull);
	assert_int_equal(f.stage_weights[0], 81306846024ull);
	assert_int_equal(f.stage_weights[1], 86629407289ull);
	assert_int_equal(f.stage, 1);
	/* The same model with no word of its experts: by layers. */
	m.moe_experts = 0;
	plan_fit(&m, 8, 2, &p, &f);
	assert_int_equal(p.stage_units[0], 0);
	assert_int_equal(p.stage_units[1], 0);
	assert_int_equal(f.stage_weights[0], 85246202135ull);
	assert_int_equal(f.stage, 0);
	/* One stage: nothing to share out. */
	m.moe_experts = 256;
	plan_fit(&m, 8, 1, &p, &f);
	assert_int_equal(p.stage_units[0], 0);
	assert_int_equal(f.stage_weights[0], 167936253312ull);
}

/* Kimi K2's "1T" falls short of its MLPs (embedding, head and norm
 * 2,348,817,408, MLPs 396,361,728 + 60 x 16,958,226,432 =
 * 1,017,889,947,648, an expert layer 3 x 7,168 x (384 x 2,048 + 2,048)
 * + 7,168 x 384), so they alone share the layers out: stage 0 396,361,728
 * + 30 x 16,958,226,432 = 509,143,154,688 of 1,017,889,947,648.  Its
 * layers' bytes 2 x 10^12 - 2 x 2,348,810,240 = 1,995,302,379,520: stage
 * 0 floor(x 509,143,154,688 / 1,017,889,947,648) = 998,039,670,607, per
 * GPU ceil((that + 2,348,810,240 - 165,150,720) / 8) + 165,150,720 (30
 * routers of 7,168 x 384 at 2 B, whole on every rank) = 125,193,066,986;
 * stage 1 997,262,708,913, 125,095,946,775. */
static void test_kimi_k2(void **state)
{
	kvp_model m = moe(61, 163840, 1000000000000ull, 384, 1);
	kvp_plan p;
	kvp_fit f;

	(void)state;
	plan_fit(&m, 8, 2, &p, &f);
	assert_int_equal(p.stage_units[0], 509143154688ull);
	assert_int_equal(p.stage_units[1], 1017889947648ull);
	assert_int_equal(f.stage_weights[0], 125193066986ull);
	assert_int_equal(f.stage_weights[1], 125095946775ull);
}

/* Kimi K2 at pp 4 (vLLM: 15, 15, 16 and 15 layers, its one dense layer
 * first): 14, 15, 16 and 15 routers of 7,168 x 384 at 2 B (5,505,024 B
 * each) whole on every rank, so at tp 8 each stage holds ceil((its
 * weights at tp 1 - those) / 8) + those, though a middle stage's experts
 * by the rounded count pass its share. */
static void test_kimi_k2_pp4(void **state)
{
	static const uint64_t routers[4] = {14, 15, 16, 15};
	kvp_model m = moe(61, 163840, 1000000000000ull, 384, 1);
	kvp_plan p;
	kvp_fit one, f;

	(void)state;
	plan_fit(&m, 1, 4, &p, &one);
	plan_fit(&m, 8, 4, &p, &f);
	for (int s = 0; s < 4; s++) {
		uint64_t rep = routers[s] * 5505024ull;

		assert_int_equal(p.stage_layers[s], s == 2 ? 16 : 15);
		assert_int_equal(p.stage_replicated_bytes[s], rep);
		assert_int_equal(f.stage_weights[s],
		                 (one.stage_weights[s] - rep + 7) / 8 + rep);
	}
}

/* Every stage of every layout holds its share and no more: the stages'
 * layers' bytes sum to the whole, however the layers fall (pp 2 to 7). */
static void test_stages_sum(void **state)
{
	kvp_model m = moe(61, 129280, 671000000000ull, 256, 3);
	kvp_plan p;
	kvp_fit f;

	(void)state;
	for (uint32_t pp = 2; pp <= 7; pp++) {
		unsigned __int128 sum = 0;

		plan_fit(&m, 1, pp, &p, &f);
		for (uint32_t s = 0; s < pp; s++)
			sum += f.stage_weights[s];
		/* tp 1: each stage whole, the embedding and head once. */
		assert_true(sum == 1342000000000ull);
		for (uint32_t s = 1; s < pp; s++)
			assert_true(p.stage_units[s] > p.stage_units[s - 1]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deepseek_v3),
		cmocka_unit_test(test_kimi_k2),
		cmocka_unit_test(test_kimi_k2_pp4),
		cmocka_unit_test(test_stages_sum),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
