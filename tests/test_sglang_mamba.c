/*
 * test_sglang_mamba.c — SGLang's pool of recurrent states for a model with
 * recurrent layers (lib/sglang_mamba.c): its conv state in bf16, the
 * states it keeps (max_mamba_cache_size) from the budget by
 * mamba_full_memory_ratio, what it charges and allocates, the KV pool
 * from the rest, the requests at once it admits, by release, under
 * pipeline stages and with --max-mamba-cache-size; each figure worked by
 * hand, and one published startup log reproduced.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"
#include "testmodel.h"

/* Qwen3.5-9B's text model (Qwen/Qwen3.5-9B config.json text_config): 32
 * layers, hidden 4096, 16 heads, 4 kv heads of 256, every fourth layer
 * full attention and the others Gated DeltaNet: 16 key heads of 128, 32
 * value heads of 128, conv kernel 4. */
static kvp_model qwen35_9b(void)
{
	kvp_model m = testmodel_new(32, 4096, 16, 4, 248320, 9000000000ull);
	kvp_error err;

	strcpy(m.model_type, "qwen3_5_text");
	m.head_dim = 256;
	m.max_context = 262144;
	m.ssm_conv_kernel = 4;
	m.ssm_inner = 32 * 128;
	m.ssm_state = 128;
	m.ssm_groups = 16;
	assert_int_equal(kvp_layer_pattern_parse("recurrent*3,full", &m, &err), KVP_OK);
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_OK);
	return m;
}

static kvp_plan plan(const kvp_model *m, kvp_request *r)
{
	kvp_plan p;
	kvp_error err;

	if (kvp_plan_compute(m, r, &p, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return p;
}

static kvp_request sglang(uint32_t tp, uint32_t version)
{
	kvp_request r;

	kvp_request_init(&r);
	r.engine = KVP_ENGINE_SGLANG;
	r.seq = 1000;
	r.tp = tp;
	r.sglang_version = version;
	return r;
}

static kvp_capacity capacity(const kvp_plan *p, uint64_t budget)
{
	kvp_capacity c;
	kvp_error err;

	if (kvp_plan_capacity(p, budget, &c, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return c;
}

/* The budget of the published log below: 327,310 tokens of 16,384 B
 * (8 full layers x 2 kv heads a GPU x 256 x 2 x 2 B) and 186 states of
 * 25,755,648 B. */
#define LOG_BUDGET (327310ull * 16384 + 186ull * 25755648)

/* A state at tp 2: conv (4 - 1) x (4096 + 2 x 16 x 128) / 2 = 12,288
 * values in bf16 = 24,576 B, SSM 128 x 4096 / 2 = 262,144 values in fp32
 * = 1,048,576 B: 1,073,152 B a layer, 25,755,648 B over 24 layers.  The
 * exact model keeps both in fp32: 1,097,728 B. */
static void test_state_types(void **state)
{
	kvp_model m = qwen35_9b();
	kvp_request r = sglang(2, 0);
	kvp_plan p;

	(void)state;
	p = plan(&m, &r);
	for (uint32_t g = 0; g < p.group_count; g++)
		if (p.groups[g].kind == KVP_LAYER_RECURRENT) {
			assert_int_equal(p.groups[g].layers, 24);
			assert_int_equal(p.groups[g].state_bytes_per_seq, 1073152);
			assert_int_equal(p.groups[g].conv_bytes_per_seq, 24576);
		}
	assert_int_equal(p.sglang_state_ratio, 5);
	r.engine = KVP_ENGINE_EXACT;
	p = plan(&m, &r);
	for (uint32_t g = 0; g < p.group_count; g++)
		if (p.groups[g].kind == KVP_LAYER_RECURRENT) {
			assert_int_equal(p.groups[g].state_bytes_per_seq, 12288 * 4 + 1048576);
			assert_int_equal(p.groups[g].conv_bytes_per_seq, 12288 * 4);
		}
	assert_int_equal(p.sglang_state_ratio, 0);
}

/* Qwen/Qwen3.5-9B at tp 2 on two RTX 4090s, --mem-fraction-static 0.8,
 * --context-length 262144, SGLang 0.0.0.dev11582+g4df60434d of
 * 2026-04-14 (a study note's log, "Exp-001: Qwen3.5-9B TP=4 基线启动"):
 *     Mamba Cache is allocated. max_mamba_cache_size: 186, conv_state
 *     size: 0.10GB, ssm_state size: 4.38GB
 *     KV Cache is allocated. #tokens: 327310, K size: 2.50 GB, ...
 *     max_total_num_tokens=327310, ..., max_running_requests=62
 * Its rest, which the log gives to 0.01 GB only, is taken as the
 * budget these lines make, LOG_BUDGET = 10,153,197,568 B; the rules of
 * that release (before 0.5.17) then give every figure of the log:
 *  - states: int(B x 0.9 / 1.9 // 25,755,648) = int(186.73) = 186;
 *  - charged 186 x 25,755,648 = 4,790,550,528; the tokens from the rest,
 *    5,362,647,040 / 16,384 = 327,310;
 *  - allocated 187 states (the padding slot): conv 187 x 24 x 24,576 =
 *    110,297,088 B (0.10 GiB), SSM 187 x 24 x 1,048,576 = 4,706,009,088
 *    B (4.38 GiB);
 *  - requests at once: 186 // 3 = 62 (no_buffer then), under the
 *    estimate's 2,048.
 * The rules of today (the padding slot reserved) give 185 states and
 * 61 requests from the same budget; to give 186 and these tokens they
 * need 4 MB more than the log's free memory allows (doc/engines.md
 * S3e). */
static void test_published_log(void **state)
{
	kvp_model m = qwen35_9b();
	kvp_request r = sglang(2, 510);
	kvp_plan p;
	kvp_capacity c;
	kvp_sglang_reqs q;

	(void)state;
	p = plan(&m, &r);
	assert_int_equal(p.sglang_state_ratio, 3);
	c = capacity(&p, LOG_BUDGET);
	assert_int_equal(c.state_slots, 186);
	assert_int_equal(c.state_charged, 4790550528ull);
	assert_int_equal(c.state_bytes, 187ull * 25755648);
	assert_int_equal(c.tokens, 327310);
	assert_int_equal(c.max_requests, 62);
	/* the KV pool: the tokens and a padding row, 327,311 x 16,384 */
	assert_int_equal(c.allocated_bytes, 327311ull * 16384);
	assert_true(kvp_capacity_sglang_reqs(&p, &c, &q));
	assert_int_equal(q.max_num_reqs, 62);
	/* (62 + 1) x (262,144 + 4) x 4 */
	assert_int_equal(q.table_bytes, 63ull * 262148 * 4);
	/* the plan-only call still declines a model of recurrent layers */
	assert_false(kvp_plan_sglang_reqs(&p, c.tokens, &q));
}

/* Today's rules on the same budget: the padding slot reserved (PR
 * #32184, from 0.5.17): int((B x 0.9 / 1.9 - 25,755,648) // 25,755,648)
 * = int(185.73) = 185 states, (185 + 1) x 25,755,648 = 4,790,550,528
 * charged, so the same 327,310 tokens; extra_buffer from 0.5.18 for
 * Qwen3.5: 5 states a request, 185 // 5 = 37. */
static void test_current_rules(void **state)
{
	kvp_model m = qwen35_9b();
	kvp_request r = sglang(2, 0);
	kvp_plan p;
	kvp_capacity c;
	kvp_sglang_reqs q;
	kvp_error err;
	uint64_t n = 0;
	bool unbounded = true;

	(void)state;
	p = plan(&m, &r);
	c = capacity(&p, LOG_BUDGET);
	assert_int_equal(c.state_slots, 185);
	assert_int_equal(c.state_charged, 186ull * 25755648);
	assert_int_equal(c.state_bytes, 186ull * 25755648);
	assert_int_equal(c.tokens, 327310);
	assert_int_equal(c.max_requests, 37);
	assert_true(kvp_capacity_sglang_reqs(&p, &c, &q));
	assert_int_equal(q.max_num_reqs, 37);
	/* 0.5.17: the slot reserved, no_buffer still: 185 // 3 = 61 */
	r.sglang_version = 517;
	p = plan(&m, &r);
	c = capacity(&p, LOG_BUDGET);
	assert_int_equal(c.state_slots, 185);
	assert_int_equal(c.max_requests, 61);
	/* The solvers: 1,000 tokens a request, 327 of them fit the tokens'
	 * pool, the states admit 37; 38 requests run at no length, 37 at
	 * 327,310 / 37 = 8,846 tokens. */
	r.sglang_version = 0;
	p = plan(&m, &r);
	assert_int_equal(kvp_plan_max_batch(&p, LOG_BUDGET, 1000, &n, &err), KVP_OK);
	assert_int_equal(n, 37);
	assert_int_equal(kvp_plan_max_seq(&p, LOG_BUDGET, 38, &n, &unbounded, &err), KVP_OK);
	assert_int_equal(n, 0);
	assert_false(unbounded);
	assert_int_equal(kvp_plan_max_seq(&p, LOG_BUDGET, 37, &n, &unbounded, &err), KVP_OK);
	assert_int_equal(n, 8846);
	/* --mamba-full-memory-ratio 1: half the budget, 5,076,598,784 B:
	 * int((5,076,598,784 - 25,755,648) // 25,755,648) = int(196.10) = 196
	 * states, 197 x 25,755,648 = 5,073,862,656 charged, (10,153,197,568 -
	 * 5,073,862,656) / 16,384 = 310,018 tokens */
	r.mamba_full_memory_ratio = 1.0;
	p = plan(&m, &r);
	c = capacity(&p, LOG_BUDGET);
	assert_int_equal(c.state_slots, 196);
	assert_int_equal(c.state_charged, 197ull * 25755648);
	assert_int_equal(c.tokens, 310018);
}

/* Pipeline stages: Qwen3.5-9B over pp 2, 16 layers a stage, 12 recurrent
 * and 4 full in each.  From 0.5.18 (PR #33666) a state is charged at the
 * share of the stage with the most recurrent layers: int(25,755,648 x
 * 12 / 24) = 12,877,824; int((B x 0.9 / 1.9 - 12,877,824) // 12,877,824)
 * = int(372.46) = 372 states, 373 x 12,877,824 = 4,803,428,352 charged
 * and allocated; the tokens (B - that) / 8,192 (4 full layers of 2 kv
 * heads a GPU) = 5,349,769,216 / 8,192 = 653,048.  At 0.5.17 the whole
 * model's state is charged: 185 states, 186 x 25,755,648 charged, 186 x
 * 12,877,824 allocated, 5,362,647,040 / 8,192 = 654,620 tokens. */
static void test_stages(void **state)
{
	kvp_model m = qwen35_9b();
	kvp_request r = sglang(2, 0);
	kvp_plan p;
	kvp_capacity c;

	(void)state;
	r.pp = 2;
	p = plan(&m, &r);
	c = capacity(&p, LOG_BUDGET);
	assert_int_equal(c.state_slots, 372);
	assert_int_equal(c.state_charged, 373ull * 12877824);
	assert_int_equal(c.state_bytes, 373ull * 12877824);
	assert_int_equal(c.tokens, 653048);
	r.sglang_version = 517;
	p = plan(&m, &r);
	c = capacity(&p, LOG_BUDGET);
	assert_int_equal(c.state_slots, 185);
	assert_int_equal(c.state_charged, 186ull * 25755648);
	assert_int_equal(c.state_bytes, 186ull * 12877824);
	assert_int_equal(c.tokens, 654620);
}

/* --max-mamba-cache-size: the states as given (over the attention-dp
 * workers, which kvplan does not plan with recurrent layers); (K + 1)
 * states charged.  And a budget too small for one
 * state: SGLang's "Not enough GPU memory for hybrid ... state cache",
 * no pool at all. */
static void test_given_size(void **state)
{
	kvp_model m = qwen35_9b();
	kvp_request r = sglang(2, 0);
	kvp_plan p;
	kvp_capacity c;
	kvp_error err;
	uint64_t n = 1;

	(void)state;
	r.max_mamba_cache_size = 100;
	p = plan(&m, &r);
	c = capacity(&p, LOG_BUDGET);
	assert_int_equal(c.state_slots, 100);
	assert_int_equal(c.state_charged, 101ull * 25755648);
	/* (10,153,197,568 - 2,601,320,448) / 16,384 = 460,930 */
	assert_int_equal(c.tokens, 460930);
	assert_int_equal(c.max_requests, 20);
	/* more states than the budget holds: no rest, no pool */
	r = sglang(2, 0);
	r.max_mamba_cache_size = 1000;
	p = plan(&m, &r);
	c = capacity(&p, LOG_BUDGET);
	assert_int_equal(c.tokens, 0);
	/* the ratio's share below one state and its padding slot */
	r = sglang(2, 0);
	p = plan(&m, &r);
	c = capacity(&p, 50000000);
	assert_int_equal(c.state_slots, 0);
	assert_int_equal(c.state_bytes, 0);
	assert_int_equal(c.tokens, 0);
	assert_int_equal(c.max_requests, 0);
	assert_int_equal(kvp_plan_max_batch(&p, 50000000, 1000, &n, &err), KVP_OK);
	assert_int_equal(n, 0);
}

/* In a GPU's footprint: the states beside the KV pool, the table of the
 * requests the states admit, and the parts summing to the device. */
static void test_footprint(void **state)
{
	kvp_model m = qwen35_9b();
	kvp_device d = testmodel_device(85899345920ull);
	kvp_request r = sglang(1, 0);
	kvp_plan p;
	kvp_fit f;
	kvp_error err;
	const kvp_footprint *fp = &f.footprint;

	(void)state;
	r.mem_util = 0.8;
	p = plan(&m, &r);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_true(f.capacity.state_slots > 0);
	assert_int_equal(fp->state, f.capacity.state_bytes);
	assert_int_equal(fp->kv, f.capacity.allocated_bytes);
	/* a state at tp 1: 24 x (24,576 x 2 + 2,097,152) = 51,511,296 B */
	assert_int_equal(f.capacity.state_bytes, (f.capacity.state_slots + 1) * 51511296ull);
	assert_int_equal(fp->req_table, (f.capacity.max_requests + 1) * 262148ull * 4);
	assert_int_equal(fp->weights + fp->kv + fp->state + fp->activations + fp->runtime +
	                 fp->req_table + fp->held_back + fp->unused,
	                 d.hbm_bytes + fp->over);
	assert_int_equal(f.max_batch_hbm, f.capacity.max_requests);
}

/* With its MTP layer (NEXTN): SGLang's speculative settings chosen
 * (3 steps, topk 1, 4 draft tokens), the states solved jointly with
 * their verify buffers, the 48 requests a draft runs at most.  The
 * tokens' cell scaled by the MTP layer, int(16,384 x (1 + 1 / 8)) =
 * 18,432 (sglang_pools.c); the share B x 0.9 / 1.9 = 4,809,409,374.3.
 * Today (_handle_max_mamba_cache, 003fca80):
 *  - K = int((share - 25,755,648 x 5) // (25,755,648 x (1 + 4 / 5)))
 *    = int(100.96) = 100 states;
 *  - the verify buffers charged for min(48, 100 // 5) = 20 requests and
 *    a padding slot: 25,755,648 x 21 x 4 = 2,163,474,432 B; the states
 *    101 x 25,755,648 = 2,601,320,448 B; 4,764,794,880 B in all;
 *  - the tokens (B - that) // 18,432 = 292,339;
 *  - allocated for resolve_max_num_reqs's min(48, 292,339 // 2, 20) =
 *    20 requests and a padding slot, 21 x 24 layers x (4 x 1,048,576
 *    SSM + 24,576 / 3 x (4 + 4 - 2) conv, the windows deduplicated) =
 *    21 x 101,842,944 = 2,138,701,824 B, 21 x 24 x 49,152 = 24,772,608
 *    of them conv. */
static kvp_model qwen35_9b_mtp(void)
{
	kvp_model m = qwen35_9b();

	m.mtp_layers = 1;
	return m;
}

static void test_draft(void **state)
{
	kvp_model m = qwen35_9b_mtp();
	kvp_request r = sglang(2, 0);
	kvp_plan p;
	kvp_capacity c;
	kvp_sglang_reqs q;

	(void)state;
	r.mtp_layers = 1;
	p = plan(&m, &r);
	assert_int_equal(p.sglang_spec_steps, 3);
	assert_int_equal(p.sglang_spec_topk, 1);
	assert_int_equal(p.sglang_spec_tokens, 4);
	assert_int_equal(kvp_sglang_max_running_requests(&r), 48);
	for (uint32_t g = 0; g < p.group_count; g++)
		if (p.groups[g].kind == KVP_LAYER_RECURRENT && !p.groups[g].draft) {
			assert_int_equal(p.groups[g].spec_state_bytes_per_seq, 4243456);
			assert_int_equal(p.groups[g].spec_conv_bytes_per_seq, 49152);
		}
	c = capacity(&p, LOG_BUDGET);
	assert_int_equal(c.state_slots, 100);
	assert_int_equal(c.state_spec_charged, 2163474432ull);
	assert_int_equal(c.state_charged, 4764794880ull);
	assert_int_equal(c.tokens, 292339);
	assert_int_equal(c.max_requests, 20);
	assert_int_equal(c.state_spec_slots, 20);
	assert_int_equal(c.state_spec_bytes, 2138701824ull);
	assert_int_equal(c.state_spec_conv_bytes, 24772608ull);
	assert_int_equal(c.state_bytes, 2601320448ull + 2138701824ull);
	/* the tokens' pools, the model's and the MTP layer's, a row more */
	assert_int_equal(c.allocated_bytes, 292340ull * 18432);
	assert_true(kvp_capacity_sglang_reqs(&p, &c, &q));
	assert_int_equal(q.max_num_reqs, 20);
	/* --max-running-requests 16: the buffers for 16 requests,
	 * 25,755,648 x 17 x 4 = 1,751,384,064 B charged; (B - 2,601,320,448
	 * - that) // 18,432 = 314,696 tokens */
	r.max_running_requests = 16;
	p = plan(&m, &r);
	c = capacity(&p, LOG_BUDGET);
	assert_int_equal(c.state_slots, 100);
	assert_int_equal(c.state_spec_charged, 1751384064ull);
	assert_int_equal(c.tokens, 314696);
	assert_int_equal(c.state_spec_slots, 16);
	assert_int_equal(c.state_spec_bytes, 17ull * 101842944);
}

/* Before 0.5.17 (0.5.16): no padding slot, no_buffer (3 states a
 * request), the conv windows dense:
 *  - K = int(share // (25,755,648 x (1 + 4 / 3))) = int(80.01) = 80;
 *  - charged 80 x 25,755,648 = 2,060,451,840 and for min(48, 80 // 3)
 *    = 26 requests 25,755,648 x 26 x 4 = 2,678,587,392; the tokens
 *    (B - 4,739,039,232) // 18,432 = 293,736;
 *  - allocated 81 states, and 27 x 24 x (4 x 1,048,576 + 4 x 24,576) =
 *    27 x 103,022,592 = 2,781,609,984 B of buffers, 27 x 24 x 98,304
 *    = 63,700,992 of them conv.
 * And a tree draft, --spec-tokens 5 --spec-topk 4 --spec-draft-tokens
 * 8, today: K = int((share - 25,755,648 x 9) // (25,755,648 x (1 + 8 /
 * 5))) = int(68.3) = 68; min(48, 68 // 5) = 13 requests, 25,755,648 x
 * 14 x 8 = 2,884,632,576 B charged, and as much allocated (topk 4: the
 * windows dense, 8 x 24,576 a layer); (B - 69 x 25,755,648 - that) //
 * 18,432 = 297,928 tokens. */
static void test_draft_rules(void **state)
{
	kvp_model m = qwen35_9b_mtp();
	kvp_request r = sglang(2, 516);
	kvp_plan p;
	kvp_capacity c;
	kvp_error err;

	(void)state;
	r.mtp_layers = 1;
	p = plan(&m, &r);
	assert_int_equal(p.sglang_state_ratio, 3);
	c = capacity(&p, LOG_BUDGET);
	assert_int_equal(c.state_slots, 80);
	assert_int_equal(c.state_spec_charged, 2678587392ull);
	assert_int_equal(c.state_charged, 2060451840ull + 2678587392ull);
	assert_int_equal(c.tokens, 293736);
	assert_int_equal(c.state_spec_slots, 26);
	assert_int_equal(c.state_spec_bytes, 2781609984ull);
	assert_int_equal(c.state_spec_conv_bytes, 63700992ull);
	assert_int_equal(c.state_bytes, 81ull * 25755648 + 2781609984ull);
	r = sglang(2, 0);
	r.mtp_layers = 1;
	r.spec_tokens = 5;
	r.spec_topk = 4;
	r.spec_draft_tokens = 8;
	p = plan(&m, &r);
	assert_int_equal(p.sglang_spec_tokens, 8);
	c = capacity(&p, LOG_BUDGET);
	assert_int_equal(c.state_slots, 68);
	assert_int_equal(c.state_spec_charged, 2884632576ull);
	assert_int_equal(c.state_spec_bytes, 2884632576ull);
	assert_int_equal(c.state_spec_conv_bytes, 14ull * 24 * 196608);
	assert_int_equal(c.tokens, 297928);
	/* topk 1 makes the draft tokens the steps + 1, whatever is given */
	r.spec_topk = 1;
	p = plan(&m, &r);
	assert_int_equal(p.sglang_spec_tokens, 6);
	/* what SGLang refuses: a topk above 1 without draft tokens, and
	 * topk or draft tokens without the steps */
	r.spec_topk = 4;
	r.spec_draft_tokens = 0;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_ERR_INVALID);
	assert_non_null(strstr(err.message, "spec_draft_tokens"));
	r.spec_tokens = 0;
	r.spec_draft_tokens = 8;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_ERR_INVALID);
	/* without a draft, or under another engine, nothing is resolved */
	r = sglang(2, 0);
	r.spec_topk = 4;
	p = plan(&m, &r);
	assert_int_equal(p.sglang_spec_tokens, 0);
	assert_int_equal(kvp_sglang_max_running_requests(&r), 0);
	r.engine = KVP_ENGINE_VLLM;
	r.mtp_layers = 1;
	assert_int_equal(kvp_sglang_max_running_requests(&r), 0);
}

/* How running requests hold the states (_calculate_mamba_ratio), for
 * Qwen3.5 today: 5 by default (extra_buffer, the overlap schedule on), 3
 * under no_buffer or auto without the overlap schedule, 4 under
 * extra_buffer without it, under extra_buffer_lazy, or auto without it
 * and pages of 64; 1 without the radix cache, where max_running_requests
 * 100 (SGLang's --max-running-requests) makes 100 states: 101 x
 * 25,755,648 = 2,601,320,448 B charged, the tokens (B - that) // 16,384
 * = 460,930.  extra_buffer_lazy without the overlap schedule, and a
 * strategy past the enum, are refused. */
static void test_strategies(void **state)
{
	static const struct {
		uint8_t strategy;
		bool no_radix, no_overlap;
		uint32_t block, ratio;
	} cases[] = {
		{KVP_MAMBA_STRATEGY_AUTO, false, false, 0, 5},
		{KVP_MAMBA_STRATEGY_AUTO, false, true, 0, 3},
		{KVP_MAMBA_STRATEGY_AUTO, false, true, 64, 4},
		{KVP_MAMBA_STRATEGY_NO_BUFFER, false, false, 0, 3},
		{KVP_MAMBA_STRATEGY_EXTRA_BUFFER, false, false, 0, 5},
		{KVP_MAMBA_STRATEGY_EXTRA_BUFFER, false, true, 0, 4},
		{KVP_MAMBA_STRATEGY_EXTRA_BUFFER_LAZY, false, false, 0, 4},
		{KVP_MAMBA_STRATEGY_EXTRA_BUFFER, true, false, 0, 1},
	};
	kvp_model m = qwen35_9b();
	kvp_request r;
	kvp_plan p;
	kvp_capacity c;
	kvp_error err;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		r = sglang(2, 0);
		r.mamba_strategy = cases[i].strategy;
		r.disable_radix_cache = cases[i].no_radix;
		r.disable_overlap_schedule = cases[i].no_overlap;
		r.block_size = cases[i].block;
		p = plan(&m, &r);
		assert_int_equal(p.sglang_state_ratio, cases[i].ratio);
	}
	/* before 0.5.18 auto was no_buffer whatever the schedule */
	r = sglang(2, 517);
	p = plan(&m, &r);
	assert_int_equal(p.sglang_state_ratio, 3);
	r = sglang(2, 0);
	r.disable_radix_cache = true;
	r.max_running_requests = 100;
	p = plan(&m, &r);
	c = capacity(&p, LOG_BUDGET);
	assert_int_equal(c.state_slots, 100);
	assert_int_equal(c.state_charged, 2601320448ull);
	assert_int_equal(c.tokens, 460930);
	assert_int_equal(c.max_requests, 100);
	r = sglang(2, 0);
	r.mamba_strategy = KVP_MAMBA_STRATEGY_EXTRA_BUFFER_LAZY;
	r.disable_overlap_schedule = true;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_ERR_INVALID);
	assert_non_null(strstr(err.message, "extra_buffer_lazy"));
	r = sglang(2, 0);
	r.mamba_strategy = 4;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_types),
		cmocka_unit_test(test_published_log),
		cmocka_unit_test(test_current_rules),
		cmocka_unit_test(test_stages),
		cmocka_unit_test(test_given_size),
		cmocka_unit_test(test_footprint),
		cmocka_unit_test(test_draft),
		cmocka_unit_test(test_draft_rules),
		cmocka_unit_test(test_strategies),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
