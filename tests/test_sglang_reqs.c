/*
 * test_sglang_reqs.c — SGLang's context length (kvp_sglang_context_len:
 * --context-length, get_context_length's rope factor, transformers 5's
 * rope parameters by layer type) and its request-to-token table
 * (kvp_plan_sglang_reqs), worked by hand, and the table's place in a
 * GPU's footprint.
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

static kvp_plan plan(const kvp_model *m, kvp_request *r)
{
	kvp_plan p;
	kvp_error err;

	if (kvp_plan_compute(m, r, &p, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return p;
}

static kvp_request sglang(uint64_t seq)
{
	kvp_request r;

	kvp_request_init(&r);
	r.engine = KVP_ENGINE_SGLANG;
	r.seq = seq;
	return r;
}

/* get_context_length: the positions, times a linear or dynamic factor
 * (int(n x f)) where the scaling names no original and is not llama3;
 * Gemma 3's rope by layer type under transformers 5 (SGLang 0.5.10 on)
 * leaves its factor out; --context-length wins; 2048 where the model
 * gives none. */
static void test_context_len(void **state)
{
	kvp_model m = testmodel_new(4, 1024, 8, 8, 32000, 100000000ull);
	kvp_request r = sglang(16);
	kvp_error err;

	(void)state;
	m.max_context = 131072;
	assert_int_equal(kvp_sglang_context_len(&m, &r), 131072);
	/* linear x 8, no original: 1,048,576 */
	m.rope = KVP_ROPE_LINEAR;
	m.rope_factor = 8;
	assert_int_equal(kvp_sglang_context_len(&m, &r), 1048576);
	/* Gemma 3's: a sliding layers' rope of its own, so by layer type
	 * under transformers 5 (SGLang 0.5.10 on): 131,072; 0.5.9 x 8 */
	m.rope_local_theta = 10000;
	assert_int_equal(kvp_sglang_context_len(&m, &r), 131072);
	r.sglang_version = 509;
	assert_int_equal(kvp_sglang_context_len(&m, &r), 1048576);
	r.sglang_version = 510;
	assert_int_equal(kvp_sglang_context_len(&m, &r), 131072);
	/* dynamic x 2.5 of 4,096: int(10,240.0) */
	m.rope_local_theta = 0;
	m.rope = KVP_ROPE_DYNAMIC;
	m.rope_factor = 2.5;
	m.max_context = 4096;
	assert_int_equal(kvp_sglang_context_len(&m, &r), 10240);
	/* YaRN naming its original, and llama3: the positions */
	m.rope = KVP_ROPE_YARN;
	m.rope_original_max = 1024;
	assert_int_equal(kvp_sglang_context_len(&m, &r), 4096);
	m.rope_original_max = 0;
	m.rope = KVP_ROPE_LLAMA3;
	assert_int_equal(kvp_sglang_context_len(&m, &r), 4096);
	/* --context-length */
	r.context_length = 3000;
	assert_int_equal(kvp_sglang_context_len(&m, &r), 3000);
	/* no positions at all: get_context_length's 2048 */
	r.context_length = 0;
	m = testmodel_new(4, 1024, 8, 8, 32000, 100000000ull);
	m.max_context = 0;
	m.rope_positions = 0;
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_OK);
	assert_int_equal(kvp_sglang_context_len(&m, &r), 2048);
	assert_int_equal(kvp_sglang_context_len(NULL, &r), 0);
	assert_int_equal(kvp_sglang_context_len(&m, NULL), 0);
}

/* _resolve_max_num_reqs and ReqToTokenPool, against two published
 * startup logs of SGLang whose gap between "Load weight end. avail mem"
 * less the K and V sizes and "Memory pool end. avail mem" is the table
 * (GB in these logs are GiB):
 *  - DeepSeek-R1-Distill-Qwen-7B (28 layers, 4 kv heads of 128: K size
 *    105,531 x 28,672 B = 2.82 GiB), 2025-02-04: "avail mem=8.37 GB", "K
 *    size: 2.82 GB, V size: 2.82 GB", "Memory pool end. avail mem=1.68
 *    GB", "max_total_num_tokens=105531 ... max_running_requests=2049,
 *    context_len=131072": 1.05 GiB gone.  int(105,531 / 131,072 x 512) =
 *    412, so 2,048 requests; (2,048 + 1) x (131,072 + 4) x 4 =
 *    1,074,298,896 B, 1.0005 GiB.
 *  - Kimi K2.5 at tp 8, 2026-02-26, TP0: "avail mem=209.98 GB", "#tokens:
 *    2454421, KV size: 160.63 GB", "Memory pool end. avail mem=45.25 GB":
 *    4.10 GiB gone.  int(2,454,421 / 262,144 x 512) = 4,793, so 4,096;
 *    4,097 x 262,148 x 4 = 4,296,081,424 B, 4.0010 GiB. */
static void test_table_logs(void **state)
{
	kvp_model m = testmodel_new(28, 3584, 28, 4, 152064, 7615616512ull);
	kvp_request r = sglang(1024);
	kvp_plan p;
	kvp_sglang_reqs q;

	(void)state;
	m.max_context = 131072;
	p = plan(&m, &r);
	assert_int_equal(p.sglang_context_len, 131072);
	assert_true(kvp_plan_sglang_reqs(&p, 105531, &q));
	assert_int_equal(q.context_len, 131072);
	assert_int_equal(q.max_num_reqs, 2048);
	assert_int_equal(q.table_bytes, 1074298896ull);
	m.max_context = 262144;
	p = plan(&m, &r);
	assert_true(kvp_plan_sglang_reqs(&p, 2454421, &q));
	assert_int_equal(q.max_num_reqs, 4096);
	assert_int_equal(q.table_bytes, 4296081424ull);
}

/* At most tokens / 2 requests; --max-running-requests over dp where
 * fewer; another engine, or recurrent layers, not modelled. */
static void test_table_caps(void **state)
{
	kvp_model m = testmodel_new(4, 1024, 8, 8, 32000, 100000000ull);
	kvp_request r = sglang(16);
	kvp_plan p;
	kvp_sglang_reqs q;
	kvp_error err;

	(void)state;
	m.max_context = 8192;
	p = plan(&m, &r);
	/* 3,000 tokens: int(187.5) -> 2,048, at most 1,500; 1,501 x 8,196 x
	 * 4 = 49,208,784 */
	assert_true(kvp_plan_sglang_reqs(&p, 3000, &q));
	assert_int_equal(q.max_num_reqs, 1500);
	assert_int_equal(q.table_bytes, 49208784ull);
	/* 10^6 tokens: int(62,500) -> 4,096 */
	assert_true(kvp_plan_sglang_reqs(&p, 1000000, &q));
	assert_int_equal(q.max_num_reqs, 4096);
	/* --max-running-requests 256 over dp 2: 128, at most tokens / 2 =
	 * 100 of 200 (PR #27399, from 0.5.14); --context-length 32,768: 101 x
	 * 32,772 x 4 = 13,239,888 */
	r.max_running_requests = 256;
	r.dp = 2;
	r.context_length = 32768;
	p = plan(&m, &r);
	assert_int_equal(p.sglang_context_len, 32768);
	assert_true(kvp_plan_sglang_reqs(&p, 200, &q));
	assert_int_equal(q.max_num_reqs, 100);
	assert_int_equal(q.table_bytes, 13239888ull);
	/* before 0.5.14 the option's branch took no tokens / 2: 128, 129 x
	 * 32,772 x 4 = 16,910,352 */
	r.sglang_version = 513;
	p = plan(&m, &r);
	assert_true(kvp_plan_sglang_reqs(&p, 200, &q));
	assert_int_equal(q.max_num_reqs, 128);
	assert_int_equal(q.table_bytes, 16910352ull);
	/* more than the estimate: before 0.5.14 the estimate, int(10^6 /
	 * 32,768 x 512) = 15,625 -> 4,096; from it the option, within 10^6 /
	 * 2 */
	r.max_running_requests = 100000;
	r.dp = 1;
	p = plan(&m, &r);
	assert_true(kvp_plan_sglang_reqs(&p, 1000000, &q));
	assert_int_equal(q.max_num_reqs, 4096);
	r.sglang_version = 0;
	p = plan(&m, &r);
	assert_true(kvp_plan_sglang_reqs(&p, 1000000, &q));
	assert_int_equal(q.max_num_reqs, 100000);
	/* A decode server (0.5.20 on): 2 x 16 rows more for the requests
	 * it receives, (16 + 32 + 1) x 32,772 x 4 = 6,423,312; none past 32
	 * a worker, nor without the option, nor before 0.5.20 */
	r = sglang(16);
	r.context_length = 32768;
	r.disaggregation = KVP_DISAGG_DECODE;
	r.max_running_requests = 16;
	p = plan(&m, &r);
	assert_true(kvp_plan_sglang_reqs(&p, 1000000, &q));
	assert_int_equal(q.max_num_reqs, 16);
	assert_int_equal(q.pre_alloc_slots, 32);
	assert_int_equal(q.table_bytes, 6423312ull);
	r.max_running_requests = 66;
	r.dp = 2;
	p = plan(&m, &r);
	assert_true(kvp_plan_sglang_reqs(&p, 1000000, &q));
	assert_int_equal(q.max_num_reqs, 33);
	assert_int_equal(q.pre_alloc_slots, 0);
	r.max_running_requests = 16;
	r.dp = 1;
	r.sglang_version = 519;
	p = plan(&m, &r);
	assert_true(kvp_plan_sglang_reqs(&p, 1000000, &q));
	assert_int_equal(q.pre_alloc_slots, 0);
	assert_int_equal(q.table_bytes, 17ull * 32772 * 4);
	/* A draft: SGLang resets max_running_requests to 48
	 * (speculative_hook.py _handle_eagle_family), an explicit count
	 * then, within tokens / 2: 10^6 tokens, (48 + 1) x 32,772 x 4 =
	 * 6,423,312; 60 tokens, 30.  Given, the option's. */
	{
		kvp_model d = testmodel_new(2, 1024, 8, 8, 32000, 50000000ull);

		d.max_context = 8192;
		r = sglang(16);
		r.context_length = 32768;
		r.draft = &d;
		p = plan(&m, &r);
		assert_int_equal(kvp_sglang_max_running_requests(&r), 48);
		assert_true(kvp_plan_sglang_reqs(&p, 1000000, &q));
		assert_int_equal(q.max_num_reqs, 48);
		assert_int_equal(q.table_bytes, 6423312ull);
		assert_true(kvp_plan_sglang_reqs(&p, 60, &q));
		assert_int_equal(q.max_num_reqs, 30);
		r.max_running_requests = 200;
		p = plan(&m, &r);
		assert_int_equal(kvp_sglang_max_running_requests(&r), 200);
		assert_true(kvp_plan_sglang_reqs(&p, 1000000, &q));
		assert_int_equal(q.max_num_reqs, 200);
	}
	/* vLLM: none, and the plan has no SGLang context */
	r = sglang(16);
	r.engine = KVP_ENGINE_VLLM;
	p = plan(&m, &r);
	assert_int_equal(p.sglang_context_len, 0);
	assert_false(kvp_plan_sglang_reqs(&p, 1000000, &q));
	assert_int_equal(q.table_bytes, 0);
	assert_false(kvp_plan_sglang_reqs(NULL, 1, &q));
	/* recurrent layers: the mamba pool caps the requests, not modelled */
	r = sglang(16);
	m.state_bytes = 1 << 20;
	assert_int_equal(kvp_layer_pattern_parse("recurrent*3,full", &m, &err), KVP_OK);
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_OK);
	p = plan(&m, &r);
	assert_false(kvp_plan_sglang_reqs(&p, 1000000, NULL));
}

/* In a GPU's footprint: out of what the share holds back, and past the
 * device where larger.  Llama 3 8B's shape on an 80 GiB device at 0.83:
 * the table of its pool's tokens; with --context-length 10^9 it passes
 * what is held back, and the parts pass the device by the rest. */
static void test_footprint(void **state)
{
	kvp_model m = testmodel_new(32, 4096, 32, 8, 128256, 8030261248ull);
	kvp_device d = testmodel_device(85899345920ull);
	kvp_request r = sglang(8192);
	kvp_plan p;
	kvp_fit f, before;
	kvp_sglang_reqs q;
	kvp_error err;
	const kvp_footprint *fp = &f.footprint;

	(void)state;
	m.max_context = 8192;
	r.mem_util = 0.83;
	p = plan(&m, &r);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_true(kvp_plan_sglang_reqs(&p, f.capacity.tokens, &q));
	assert_int_equal(fp->req_table, q.table_bytes);
	assert_int_equal(q.table_bytes, (q.max_num_reqs + 1) * (8192 + 4) * 4);
	/* the share holds back floor(total x 0.17)-ish: the table and the
	 * pool's padding page out of it */
	assert_int_equal(fp->held_back + fp->req_table + (fp->kv - f.budget_bytes),
	                 d.hbm_bytes - f.usable_bytes);
	assert_int_equal(fp->weights + fp->kv + fp->req_table + fp->held_back + fp->unused,
	                 d.hbm_bytes);
	before = f;
	/* a context of 10^7: 2,049 rows (the estimate's floor: the pool's
	 * tokens / 10^7 x 512 is under 2,048, and it is under 4,096 tokens
	 * too) of 4 x (10^7 + 4) B, 81,960,032,784 B, past the held-back
	 * share (the rotary table, grown to the context, takes 5 GB more of
	 * the weights) */
	r.context_length = 10000000;
	p = plan(&m, &r);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_true(f.capacity.tokens > 4096);
	assert_int_equal(fp->req_table, 81960032784ull);
	assert_int_equal(fp->held_back, 0);
	assert_int_equal(fp->unused, 0);
	assert_int_equal(fp->weights + fp->kv + fp->req_table, d.hbm_bytes + fp->over);
	/* the cache's budget moves by the grown rotary table alone: 10^7 +
	 * 256 rows, rounded up to 128, of 128 x 4 B, against 8,192 + 256 */
	assert_int_equal(before.budget_bytes - f.budget_bytes,
	                 (10000256ull - 8448) * 128 * 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_context_len),
		cmocka_unit_test(test_table_logs),
		cmocka_unit_test(test_table_caps),
		cmocka_unit_test(test_footprint),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
