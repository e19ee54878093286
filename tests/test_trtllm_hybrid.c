/*
 * test_trtllm_hybrid.c — TensorRT-LLM's hybrid cache managers
 * (lib/trtllm_hybrid.c): how V1 and V2 share a budget between Nemotron 3
 * Nano's recurrent states and its attention's blocks, and the buffers
 * speculative decoding adds (lib/trtllm_spec.c), worked by hand.
 *
 * Nano on one GPU: 23 Mamba-2 layers, each 18,432 conv values in bf16 and
 * 524,288 SSM values in fp32 (TensorRT-LLM's types), 2,134,016 B, so S =
 * 49,082,368 B a sequence (its SSM pool 23 x 2,097,152 = 48,234,496 B a
 * slot, its conv pool 23 x 36,864 = 847,872); 6 attention layers of 2 kv
 * heads x 128 x 2 (K, V) x 2 B, k = 6,144 B a token; blocks of 32 tokens,
 * 196,608 B.  Budget Q1 = 20,469,118,809 B (an H100's, fp16 weights).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "catalog_fixture.h"
#include "kvplan.h"

#define Q1 20469118809ull
#define S 49082368ull
#define GRAIN 33554432ull /* 2 MiB << min(4, log2(19)) */

static kvp_capacity capacity(uint32_t batch, kvp_trtllm_manager v, uint64_t budget,
                             uint64_t avg)
{
	kvp_model m = catalog_model("nemotron-3-nano-30b-a3b");
	kvp_request r;
	kvp_plan p;
	kvp_capacity c;
	kvp_error err;

	kvp_request_init(&r);
	r.engine = KVP_ENGINE_TRTLLM;
	r.seq = 8192;
	r.trtllm_max_batch_size = batch;
	r.trtllm_kv_manager = (uint8_t)v;
	r.trtllm_avg_seq_len = avg;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.trtllm_max_seq_len, 262144); /* max_position_embeddings */
	assert_int_equal(kvp_plan_capacity(&p, budget, &c, &err), KVP_OK);
	return c;
}

/* V1: the states of 64 + 1 sequences first, 65 x S = 3,190,353,920 B;
 * floor((Q1 - that) / 6,144) = 2,812,298 tokens, 87,884 blocks. */
static void test_v1(void **state)
{
	kvp_capacity c = capacity(64, KVP_TRTLLM_MANAGER_V1, Q1, 0);

	(void)state;
	assert_int_equal(c.trtllm_manager, KVP_TRTLLM_MANAGER_V1);
	assert_int_equal(c.state_slots, 65);
	assert_int_equal(c.state_bytes, 65 * S);
	assert_int_equal(c.state_bytes, 3190353920ull);
	assert_int_equal(c.blocks, (Q1 - 65 * S) / 6144 / 32);
	assert_int_equal(c.blocks, 87884);
	assert_int_equal(c.tokens, 2812288);
	assert_int_equal(c.allocated_bytes, 2812288ull * 6144);
	assert_int_equal(c.max_requests, 64);
	assert_int_equal(c.grain, 0);
	assert_int_equal(c.state_floor, 0);
}

/* V2, max_batch_size 8, no avg_seq_len: a typical request of 262,144 / 2
 * tokens, 4,096 blocks.  Grains of 32 MiB: Q1 rounds up to 611.  The
 * typical step: 8 x 4,096 blocks x 196,608 = 192 grains exactly; 9
 * states, ceil(9 x 48,234,496 / 2^25) = 13 and ceil(9 x 847,872 / 2^25)
 * = 1 grains: 14, a share of 14 / 206.  The states first:
 * nearbyint(611 x 0.0679611...) = 42 grains, which hold 28 slots
 * (ceil(28 x 1.4375) + ceil(28 x 0.0253) = 41 + 1; 29 take 43); the
 * attention the other 569 grains, floor(569 x 2^25 / 196,608) = 97,109
 * blocks. */
static void test_v2(void **state)
{
	kvp_capacity c = capacity(8, KVP_TRTLLM_MANAGER_AUTO, Q1, 0);

	(void)state;
	assert_int_equal(c.trtllm_manager, KVP_TRTLLM_MANAGER_V2);
	assert_int_equal(c.grain, GRAIN);
	assert_int_equal(c.quota, Q1); /* one GPU: the budget */
	assert_int_equal(c.grains, 611);
	/* Floats, as normalizeToRatio divides: the two life cycles'
	 * shares, then again over their sum. */
	{
		float rs = (float)(14 * GRAIN) / (float)(206 * GRAIN),
		      ra = (float)(192 * GRAIN) / (float)(206 * GRAIN);

		assert_true(c.ratio == rs / (ra + rs));
		assert_true(c.ratio > 0.0679611f && c.ratio < 0.0679612f);
	}
	assert_int_equal(c.state_slots, 28);
	assert_int_equal(c.blocks, 569 * GRAIN / 196608);
	assert_int_equal(c.blocks, 97109);
	assert_int_equal(c.tokens, 3107488);
	assert_int_equal(c.max_requests, 8);
	/* The pools map whole grains: 42 and 569. */
	assert_int_equal(c.state_bytes, 42 * GRAIN);
	assert_int_equal(c.allocated_bytes, 569 * GRAIN);
}

/* V2, max_batch_size 64: the states' share, 96 / 1,632 grains, gives
 * them nearbyint(611 x 0.0588...) = 36 grains, 24 slots, no more than
 * their floor of 65: pinned to it, 94 + 2 = 96 grains (66 would take 97).
 * The attention alone then takes the other 515: 87,893 blocks. */
static void test_v2_floor(void **state)
{
	kvp_capacity c = capacity(64, KVP_TRTLLM_MANAGER_V2, Q1, 0);

	(void)state;
	assert_int_equal(c.state_slots, 65);
	assert_int_equal(c.blocks, 515 * GRAIN / 196608);
	assert_int_equal(c.blocks, 87893);
	/* The pools map 96 and 515 grains, 611 in all: 32,639,143 B past
	 * the budget, the quota being rounded up. */
	assert_int_equal(c.state_bytes, 96 * GRAIN);
	assert_int_equal(c.allocated_bytes, 515 * GRAIN);
	assert_int_equal(c.allocated_bytes + c.state_bytes - Q1, 32639143);
}

/* V2 with avg_seq_len 8,192 and 60 GiB: 1,920 grains; 8 requests of 256
 * blocks, 12 grains, beside the states' 14: the attention's share is the
 * smaller, nearbyint(1,920 x 12 / 26) = 886 grains, 151,210 blocks (which
 * take all 886); the states the other 1,034, 706 slots (1,015 + 18 grains;
 * 707 take 1,035).  Both pass their floors (8,631 blocks: ceil((262,144 /
 * 32 + 8 - 1) / 0.95f); 9 states). */
static void test_v2_avg(void **state)
{
	kvp_capacity c = capacity(8, KVP_TRTLLM_MANAGER_V2, 60ull << 30, 8192);

	(void)state;
	assert_int_equal(c.grain, GRAIN);
	assert_int_equal(c.quota, 60ull << 30);
	assert_int_equal(c.grains, 1920);
	assert_int_equal(c.blocks, 151210);
	assert_int_equal(c.tokens, 4838720);
	assert_int_equal(c.state_slots, 706);
}

/* max_batch_size 2,048 (the default): the states of 2,049 sequences,
 * 100,569,772,032 B, and a block, 100,569,968,640 B, pass Q1: neither
 * manager starts.  The largest that does: floor((Q1 - 196,608) / S) =
 * 417 sequences, max_batch_size 416. */
static void test_too_small(void **state)
{
	kvp_capacity c = capacity(0, KVP_TRTLLM_MANAGER_AUTO, Q1, 0);

	(void)state;
	assert_int_equal(c.state_floor, 2049 * S + 196608);
	assert_int_equal(c.state_floor, 100569968640ull);
	assert_int_equal(c.tokens, 0);
	assert_int_equal(c.blocks, 0);
	assert_int_equal(c.state_slots, 0);
	assert_int_equal(c.max_requests, 2048);
	assert_int_equal(c.batch_limit, 416);
	c = capacity(0, KVP_TRTLLM_MANAGER_V1, Q1, 0);
	assert_int_equal(c.state_floor, 100569968640ull);
	assert_int_equal(c.blocks, 0);
	/* At 416 both start; at 417 neither. */
	c = capacity(416, KVP_TRTLLM_MANAGER_V1, Q1, 0);
	assert_int_equal(c.state_floor, 0);
	assert_int_equal(c.blocks, (Q1 - 417 * S) / 6144 / 32);
	c = capacity(417, KVP_TRTLLM_MANAGER_V2, Q1, 0);
	assert_int_equal(c.state_floor, 418 * S + 196608);
	c = capacity(416, KVP_TRTLLM_MANAGER_V2, Q1, 0);
	assert_int_equal(c.state_floor, 0);
	assert_int_equal(c.state_slots, 417);
}

/* A model without recurrent layers keeps the plain pool: no manager. */
static void test_plain(void **state)
{
	kvp_model m = catalog_model("llama2-7b");
	kvp_request r;
	kvp_plan p;
	kvp_capacity c;
	kvp_error err;

	(void)state;
	kvp_request_init(&r);
	r.engine = KVP_ENGINE_TRTLLM;
	r.seq = 1024;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_capacity(&p, 1ull << 30, &c, &err), KVP_OK);
	assert_int_equal(c.trtllm_manager, 0);
	assert_int_equal(c.state_slots, 0);
	/* 2^30 / 524,288 B a token = 2,048 tokens, 64 blocks */
	assert_int_equal(c.tokens, 2048);
}

/* The plan's draft-step buffers (lib/trtllm_spec.c; research:
 * /work/research/trtllm-spec-states.md) with MTP, max_draft_len 3 (T =
 * 4), max_batch_size 256, at tp 1, the replay method:
 *  - Qwen3-Next 80B (36 Gated DeltaNet layers, 32 value heads of 128, 16
 *    key heads of 128, conv 8192 channels x 3 in bf16): intermediate_conv
 *    36 x 256 x 4 x 49,152 = 1,811,939,328; old_x and old_B 2 x 16 x (32
 *    x 128 + 16 x 128) x 2 B, old_dt and old_dA_cumsum 2 x 2 x 32 x 16 x
 *    4 B: 401,408 a layer, 14,450,688 a slot, the research's; V2's 257
 *    slots (256 and its dummy) 3,713,826,816; indices 4 x 256, three ints
 *    16 x 257, the dummy mask 257: 5,525,771,537 B; V1's 256 slots
 *    3,699,376,128, with the conv 5,511,315,456, + 1,024 + 4,096 + 256 =
 *    5,511,320,832;
 *  - Nemotron 3 Super (40 Mamba-2 layers, 128 heads of 64, 8 groups of
 *    128, 10240 conv channels): 40 x 256 x 4 x 61,440 = 2,516,582,400,
 *    622,592 a layer-slot, 257 x 40 x that = 6,400,245,760, and 5,393:
 *    8,916,833,553 B.
 * They are its profiled peak's: the budget is the fraction of what they
 * and the weights leave.  Without a draft, none. */
static uint64_t spec_buffers(const char *name, kvp_trtllm_manager v, uint32_t mtp)
{
	kvp_model m = catalog_model(name);
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	kvp_request_init(&r);
	r.engine = KVP_ENGINE_TRTLLM;
	r.seq = 8192;
	r.trtllm_max_batch_size = 256;
	r.trtllm_kv_manager = (uint8_t)v;
	r.mtp_layers = mtp;
	r.spec_tokens = mtp ? 3 : 0;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.compute_other_bytes, 0); /* one stage */
	return p.compute_bytes;
}

static void test_spec_buffers(void **state)
{
	(void)state;
	assert_int_equal(spec_buffers("qwen3-next-80b-a3b", KVP_TRTLLM_MANAGER_AUTO, 1),
	                 5525771537ull);
	assert_int_equal(spec_buffers("qwen3-next-80b-a3b", KVP_TRTLLM_MANAGER_V1, 1),
	                 5511320832ull);
	assert_int_equal(spec_buffers("nemotron-3-super-120b", KVP_TRTLLM_MANAGER_AUTO, 1),
	                 8916833553ull);
	assert_int_equal(spec_buffers("nemotron-3-super-120b", KVP_TRTLLM_MANAGER_AUTO, 0), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1),
		cmocka_unit_test(test_v2),
		cmocka_unit_test(test_v2_floor),
		cmocka_unit_test(test_v2_avg),
		cmocka_unit_test(test_too_small),
		cmocka_unit_test(test_plain),
		cmocka_unit_test(test_spec_buffers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
