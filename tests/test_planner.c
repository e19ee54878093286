/*
 * test_planner.c — the planner (lib/planner.c): a point's figures are
 * those kvp_plan_compute and kvp_plan_fit give for the request at that
 * seq and batch, over random models, engines, devices and points (tensor,
 * pipeline and data parallelism, capped policies and ratio, a draft model
 * or MTP layers among them), on the fast path and planned whole; llama2-7b's
 * worked by hand; its errors.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"
#include "property_gen.h"

#define MODELS 1500
#define POINTS 24

/* llama2-7b from its config.json: 32 layers, 32 heads of 128, 32 kv
 * heads, 6,738,415,616 params. */
static void llama2_7b(kvp_model *m)
{
	memset(m, 0, sizeof *m);
	strcpy(m->name, "llama2-7b");
	m->layers = 32;
	m->heads = 32;
	m->kv_heads = 32;
	m->head_dim = 128;
	m->hidden = 4096;
	m->vocab = 32000;
	m->intermediate = 11008;
	m->params = 6738415616;
}

static void device(kvp_device *d, const char *name, uint64_t hbm, uint64_t l2)
{
	memset(d, 0, sizeof *d);
	strcpy(d->name, name);
	d->hbm_bytes = hbm;
	d->l2_bytes = l2;
}

/* By hand: K and V of 32 layers x 32 heads x 128 at 2 B are 524,288 B a
 * token.  An 80 GiB device at mem_util 0.9 (the double, a little above
 * 9/10: floor(85,899,345,920 x 0.9) = 77,309,411,328) less the fp16
 * weights (13,476,831,232 B) leaves 63,832,580,096 B for the cache. */
static void test_llama2_by_hand(void **state)
{
	kvp_model m;
	kvp_request r;
	kvp_device d[2];
	kvp_planner *pl = NULL;
	kvp_point pt;
	kvp_point_fit f[2];
	kvp_error err;

	(void)state;
	llama2_7b(&m);
	kvp_request_init(&r);
	device(&d[0], "80g", UINT64_C(85899345920), UINT64_C(52428800));
	device(&d[1], "16g", UINT64_C(17179869184), UINT64_C(6291456));
	assert_int_equal(kvp_planner_new(&m, &r, d, 2, &pl, &err), KVP_OK);
	assert_true(kvp_planner_fast(pl));
	assert_int_equal(kvp_planner_point(pl, 1024, 1, &pt, f, &err), KVP_OK);
	assert_int_equal(pt.cache_total_bytes, UINT64_C(536870912));
	assert_int_equal(pt.kv_bytes_per_gpu, UINT64_C(536870912));
	assert_int_equal(f[0].status, KVP_OK);
	assert_int_equal(f[0].budget_bytes, UINT64_C(63832580096));
	assert_true(f[0].fits_hbm);
	assert_false(f[0].fits_l2);
	/* 63,832,580,096 / 536,870,912 = 118.9; / 524,288 = 121,750.98;
	 * 52,428,800 / 524,288 = 100 tokens in the L2. */
	assert_int_equal(f[0].max_batch_hbm, 118);
	assert_int_equal(f[0].max_seq_hbm, 121750);
	assert_int_equal(f[0].max_seq_l2, 100);
	/* 16 GiB: floor(17,179,869,184 x 0.9) = 15,461,882,265 less the
	 * weights leaves 1,985,051,033 B: 3 sequences of 1,024, 3,786
	 * tokens of one. */
	assert_int_equal(f[1].budget_bytes, UINT64_C(1985051033));
	assert_int_equal(f[1].max_batch_hbm, 3);
	assert_int_equal(f[1].max_seq_hbm, 3786);
	/* The L2 holds 100 tokens exactly, not 101. */
	assert_int_equal(kvp_planner_point(pl, 100, 1, &pt, f, &err), KVP_OK);
	assert_true(f[0].fits_l2);
	assert_int_equal(kvp_planner_point(pl, 101, 1, &pt, f, &err), KVP_OK);
	assert_false(f[0].fits_l2);
	/* Four sequences of 1,024: 2 GiB, past that budget. */
	assert_int_equal(kvp_planner_point(pl, 1024, 4, &pt, f, &err), KVP_OK);
	assert_int_equal(pt.cache_total_bytes, UINT64_C(2147483648));
	assert_true(f[0].fits_hbm);
	assert_false(f[1].fits_hbm);
	assert_int_equal(f[1].max_seq_hbm, 3786 / 4);
	kvp_planner_free(&pl);
	assert_null(pl);

	/* vLLM's blocks of 16: 1,000 tokens take 63 blocks, 1,008 tokens. */
	r.engine = KVP_ENGINE_VLLM;
	assert_int_equal(kvp_planner_new(&m, &r, d, 1, &pl, &err), KVP_OK);
	assert_true(kvp_planner_fast(pl));
	assert_int_equal(kvp_planner_point(pl, 1000, 1, &pt, f, &err), KVP_OK);
	assert_int_equal(pt.cache_total_bytes, UINT64_C(1008) * 524288);
	kvp_planner_free(&pl);
}

/* The point planned whole: the plan's figures into *pt, each device's
 * fit into fit[i] and its status into status[i]. */
static kvp_status whole(const kvp_model *m, kvp_request r, const kvp_device *d, size_t n,
                        uint64_t seq, uint64_t batch, kvp_point *pt, kvp_fit *fit,
                        kvp_status *status)
{
	static kvp_plan plan;
	kvp_error err;
	kvp_status st;

	r.seq = seq;
	r.batch = batch;
	if ((st = kvp_plan_compute(m, &r, &plan, &err)) != KVP_OK)
		return st;
	pt->cache_total_bytes = plan.cache_total_bytes;
	pt->kv_bytes_per_gpu = plan.kv_bytes_per_gpu;
	for (size_t i = 0; i < n; i++)
		status[i] = kvp_plan_fit(&plan, &d[i], &fit[i], &err);
	return KVP_OK;
}

/* A draft model: 2 to 8 full layers of GQA. */
static kvp_model draft_model;
static const kvp_model *const draft = &draft_model;

static void random_request(const kvp_model *m, kvp_request *r)
{
	static const kvp_engine engines[] = {KVP_ENGINE_EXACT, KVP_ENGINE_VLLM,
	                                     KVP_ENGINE_SGLANG, KVP_ENGINE_TRTLLM,
	                                     KVP_ENGINE_LLAMA_CPP};
	unsigned d = (unsigned)draw(0, 2);

	kvp_request_init(r);
	/* Mostly what the fast path takes; a fifth planned whole. */
	r->engine = engines[draw(0, 9) < 8 ? draw(0, 3) : 4];
	r->dtype_k = r->dtype_v = dtypes[d];
	r->block_size = draw(0, 2) ? 0 : (uint32_t)(1u << draw(0, 7));
	if (r->engine == KVP_ENGINE_TRTLLM && r->block_size == 0)
		r->block_size = 32;
	r->mem_util = draw(0, 3) ? 0.9 : 0;
	r->reserve_bytes = draw(0, 2) ? 0 : draw_log(34);
	r->kv_budget = draw(0, 4) ? 0 : draw_log(40);
	r->gen = draw(0, 3) ? 0 : draw(1, 64);
	r->vllm_version = (uint32_t)(draw(0, 2) == 0 ? 19 : 0);
	r->mamba_cache_mode = (kvp_mamba_mode)draw(0, 3);
	r->swa_full_tokens_ratio = draw(0, 1) ? 0 : 0.5;
	/* Tensor parallel where it divides the heads (kv heads split, or
	 * replicated past them), data parallel replicas. */
	if (draw(0, 3) == 0) {
		r->tp = 1u << draw(1, 3);
		if (m->heads % r->tp != 0)
			r->tp = 1;
	}
	if (draw(0, 7) == 0)
		r->dp = (uint32_t)draw(2, 4);
	/* vLLM's decode context parallelism over tp or half of it (the
	 * model's heads refuse some: the point is then skipped) */
	if (r->tp > 1 && draw(0, 3) == 0)
		r->dcp = r->tp >> draw(0, 1);
	/* SGLang's chunk cache with the requests it runs: a sliding
	 * model's sliding pool capped by them */
	if (r->engine == KVP_ENGINE_SGLANG && draw(0, 3) == 0) {
		r->disable_radix_cache = true;
		r->max_running_requests = (uint32_t)draw(1, 300);
		r->chunked_prefill_size = (uint32_t)draw(0, 1) * 8192;
	}
	if (m->layers > 1 && draw(0, 5) == 0)
		r->pp = (uint32_t)draw(2, m->layers < 4 ? m->layers : 4);
	switch (draw(0, 11)) {
	case 0:
		r->policy.kind = KVP_POLICY_WINDOW;
		r->policy.window = draw(1, 4096);
		break;
	case 1:
		r->policy.kind = KVP_POLICY_SNAPKV;
		r->policy.capacity = draw(2, 4096);
		r->policy.window = draw(1, r->policy.capacity - 1);
		break;
	case 2:
		r->policy.kind = KVP_POLICY_RATIO;
		r->policy.ratio = 0.5;
		break;
	}
	/* Speculative decoding: a draft model, or MTP layers. */
	if (draw(0, 7) == 0) {
		r->draft = draft;
	} else if (draw(0, 7) == 0) {
		r->mtp_layers = (uint32_t)draw(1, 2);
		r->spec_tokens = (uint32_t)draw(0, 3);
	}
}

static void random_device(kvp_device *d, unsigned i)
{
	char name[16];

	snprintf(name, sizeof name, "gpu%u", i);
	device(d, name, draw_log(40) + 1, draw_log(30) + 1);
	if (draw(0, 1))
		strcpy(d->arch, draw(0, 1) ? "sm_90" : "sm_80");
}

/* The planner's point a, its fits fa, against the whole plan's. */
static void assert_same(int n, size_t devices, const kvp_point *a, const kvp_point_fit *fa,
                        const kvp_point *b, const kvp_fit *fb, const kvp_status *sb)
{
	unsigned long long seq = a->seq, batch = a->batch;

	if (a->cache_total_bytes != b->cache_total_bytes ||
	    a->kv_bytes_per_gpu != b->kv_bytes_per_gpu)
		fail_msg("model %d, seq %llu, batch %llu: cache %llu/%llu, whole %llu/%llu", n,
		         seq, batch, (unsigned long long)a->cache_total_bytes,
		         (unsigned long long)a->kv_bytes_per_gpu,
		         (unsigned long long)b->cache_total_bytes,
		         (unsigned long long)b->kv_bytes_per_gpu);
	for (size_t i = 0; i < devices; i++) {
		const kvp_point_fit *p = &fa[i];
		const kvp_fit *f = &fb[i];

		if (p->status != sb[i])
			fail_msg("model %d, seq %llu, batch %llu, device %zu: status %d, whole %d",
			         n, seq, batch, i, p->status, sb[i]);
		if (sb[i] != KVP_OK)
			continue;
		if (p->fits_l2 != f->fits_l2 || p->fits_hbm != f->fits_hbm ||
		    p->max_batch_hbm != f->max_batch_hbm || p->max_seq_hbm != f->max_seq_hbm ||
		    p->max_seq_hbm_unbounded != f->max_seq_hbm_unbounded ||
		    p->max_seq_l2 != f->max_seq_l2 ||
		    p->max_seq_l2_unbounded != f->max_seq_l2_unbounded ||
		    p->budget_bytes != f->budget_bytes)
			fail_msg("model %d, seq %llu, batch %llu, device %zu: fits %d/%d, l2 %d/%d,"
			         " batch %llu/%llu, seq %llu/%llu (%d/%d), l2 seq %llu/%llu"
			         " (%d/%d), budget %llu/%llu", n, seq, batch, i, p->fits_hbm,
			         f->fits_hbm, p->fits_l2, f->fits_l2,
			         (unsigned long long)p->max_batch_hbm,
			         (unsigned long long)f->max_batch_hbm,
			         (unsigned long long)p->max_seq_hbm,
			         (unsigned long long)f->max_seq_hbm, p->max_seq_hbm_unbounded,
			         f->max_seq_hbm_unbounded, (unsigned long long)p->max_seq_l2,
			         (unsigned long long)f->max_seq_l2, p->max_seq_l2_unbounded,
			         f->max_seq_l2_unbounded, (unsigned long long)p->budget_bytes,
			         (unsigned long long)f->budget_bytes);
	}
}

/* Every point of a random sweep, from the planner and planned whole. */
static void test_points_are_whole_plans(void **state)
{
	unsigned fast = 0, points = 0, slow = 0;

	(void)state;
	memset(&draft_model, 0, sizeof draft_model);
	strcpy(draft_model.name, "draft");
	for (int n = 0; n < MODELS; n++) {
		kvp_model m;
		kvp_request r;
		kvp_device d[3];
		kvp_planner *pl = NULL;
		kvp_error err;
		size_t nd = (size_t)draw(1, 3);
		uint64_t batch = 1, edge = 0;

		random_model(&m);
		m.params = draw_log(36);
		m.vocab = (uint32_t)draw(0, 200000);
		m.hidden = (uint32_t)draw(1, 16384);
		m.intermediate = (uint32_t)draw(1, 65536);
		/* none, or one or two: a request's 1 or 2 planned or refused */
		m.mtp_layers = (uint32_t)draw(0, 2);
		draft_model.layers = (uint32_t)draw(2, 8);
		draft_model.heads = 32;
		draft_model.kv_heads = 8;
		draft_model.head_dim = 64;
		draft_model.params = draw_log(30);
		draft_model.vocab = m.vocab;
		draft_model.hidden = 2048;
		random_request(&m, &r);
		fit_block(&m, 0);
		for (size_t i = 0; i < nd; i++)
			random_device(&d[i], (unsigned)i);
		if (kvp_planner_new(&m, &r, d, nd, &pl, &err) != KVP_OK)
			continue; /* a model finalize refuses (it says why) */
		if (kvp_planner_fast(pl))
			fast++;
		for (int k = 0; k < POINTS; k++) {
			kvp_point a, b = {0};
			kvp_point_fit fa[3];
			kvp_fit fb[3];
			kvp_status sa, sb, fits_b[3];
			/* Short and long contexts; now and then one near or past
			 * 2^64 bytes, planned whole, after which the planner
			 * answers as before. */
			uint64_t seq = draw(0, 11) == 0 ? draw_log(64)
			               : draw(0, 3) ? draw_log(24) : draw(0, 70);

			/* Runs of one batch, as a sweep over seq makes them; and
			 * the edges: a device's longest context and one more,
			 * where fits_hbm turns. */
			if (draw(0, 5) == 0)
				batch = draw(0, 7) ? draw_log(10) : draw(0, 2);
			if (edge && draw(0, 1))
				seq = edge + draw(0, 1);
			edge = 0;
			sa = kvp_planner_point(pl, seq, batch, &a, fa, &err);
			sb = whole(&m, r, d, nd, seq, batch, &b, fb, fits_b);
			if (sa != sb)
				fail_msg("model %d (%s), seq %llu, batch %llu: %d, whole %d (%s)",
				         n, kvp_engine_name(r.engine), (unsigned long long)seq,
				         (unsigned long long)batch, sa, sb, err.message);
			if (sa != KVP_OK)
				continue;
			assert_int_equal(a.seq, seq);
			assert_int_equal(a.batch, batch);
			assert_same(n, nd, &a, fa, &b, fb, fits_b);
			{
				size_t i = (size_t)draw(0, nd - 1);

				if (fa[i].status == KVP_OK && !fa[i].max_seq_hbm_unbounded &&
				    fa[i].max_seq_hbm < UINT64_MAX)
					edge = fa[i].max_seq_hbm;
			}
			points++;
			if (!kvp_planner_fast(pl))
				slow++;
		}
		kvp_planner_free(&pl);
	}
	/* Both paths are taken, the fast one most. */
	assert_true(fast > MODELS / 2);
	assert_true(points > MODELS * POINTS / 2);
	assert_true(slow > MODELS);
}

static void test_errors(void **state)
{
	kvp_model m;
	kvp_request r;
	kvp_device d, bad;
	kvp_planner *pl = NULL;
	kvp_point pt;
	kvp_point_fit f;
	kvp_error err;

	(void)state;
	llama2_7b(&m);
	kvp_request_init(&r);
	device(&d, "80g", UINT64_C(85899345920), UINT64_C(52428800));
	bad = d;
	bad.l2_bytes = 0;
	assert_int_equal(kvp_planner_new(&m, &r, &d, 1, NULL, &err), KVP_ERR_INVALID);
	assert_int_equal(kvp_planner_new(NULL, &r, &d, 1, &pl, &err), KVP_ERR_INVALID);
	assert_int_equal(kvp_planner_new(&m, &r, &d, 0, &pl, &err), KVP_ERR_INVALID);
	assert_int_equal(kvp_planner_new(&m, &r, &bad, 1, &pl, &err), KVP_ERR_INVALID);
	assert_string_equal(err.message, "80g: L2 size must be non-zero");
	assert_null(pl);
	/* The model is finalized as kvp_model_finalize does, with its words. */
	m.layers = 0;
	assert_int_equal(kvp_planner_new(&m, &r, &d, 1, &pl, &err), KVP_ERR_SHAPE);
	{
		kvp_error want;

		assert_int_equal(kvp_model_finalize(&m, &want), KVP_ERR_SHAPE);
		assert_string_equal(err.message, want.message);
	}
	assert_null(pl);
	m.layers = 32;
	r.gen = 10;
	assert_int_equal(kvp_planner_new(&m, &r, &d, 1, &pl, &err), KVP_OK);
	assert_true(kvp_planner_fast(pl));
	/* What kvp_plan_compute refuses, with its words. */
	assert_int_equal(kvp_planner_point(pl, 0, 1, &pt, &f, &err), KVP_ERR_INVALID);
	assert_string_equal(err.message, "sequence length must be at least 1");
	assert_int_equal(kvp_planner_point(pl, 8, 0, &pt, &f, &err), KVP_ERR_INVALID);
	assert_string_equal(err.message, "batch must be at least 1");
	assert_int_equal(kvp_planner_point(pl, 10, 1, &pt, &f, &err), KVP_ERR_INVALID);
	assert_string_equal(err.message,
	                    "10 generated tokens leave no prompt in a sequence of 10");
	/* 524,288 B a token: 2^45 tokens pass 2^64 B. */
	assert_int_equal(kvp_planner_point(pl, UINT64_C(1) << 45, 1, &pt, &f, &err),
	                 KVP_ERR_OVERFLOW);
	assert_int_equal(kvp_planner_point(pl, 11, 1, NULL, &f, &err), KVP_ERR_INVALID);
	assert_int_equal(kvp_planner_point(NULL, 11, 1, &pt, &f, &err), KVP_ERR_INVALID);
	assert_int_equal(kvp_planner_point(pl, 11, 1, &pt, &f, &err), KVP_OK);
	assert_int_equal(pt.cache_total_bytes, UINT64_C(11) * 524288);
	kvp_planner_free(&pl);
	kvp_planner_free(&pl);
	kvp_planner_free(NULL);
	/* A point planned whole that overflows leaves the fast path as it
	 * was: SGLang's pools are read from the planner's own plan. */
	r.engine = KVP_ENGINE_SGLANG;
	r.gen = 0;
	assert_int_equal(kvp_planner_new(&m, &r, &d, 1, &pl, &err), KVP_OK);
	assert_true(kvp_planner_fast(pl));
	assert_int_equal(kvp_planner_point(pl, 1024, 2, &pt, &f, &err), KVP_OK);
	{
		kvp_point_fit before = f;

		assert_int_equal(kvp_planner_point(pl, UINT64_C(1) << 60, 2, &pt, &f, &err),
		                 KVP_ERR_OVERFLOW);
		assert_int_equal(kvp_planner_point(pl, 1024, 2, &pt, &f, &err), KVP_OK);
		assert_int_equal(f.status, KVP_OK);
		assert_int_equal(f.max_batch_hbm, before.max_batch_hbm);
		assert_int_equal(f.max_seq_hbm, before.max_seq_hbm);
		assert_int_equal(f.max_seq_hbm_unbounded, before.max_seq_hbm_unbounded);
		assert_int_equal(f.fits_hbm, before.fits_hbm);
		assert_int_equal(f.budget_bytes, before.budget_bytes);
		/* Two sequences of 1,024 rows and the pool's padding row
		 * (page 1), 524,288 B each. */
		assert_int_equal(pt.cache_total_bytes, UINT64_C(2049) * 524288);
	}
	kvp_planner_free(&pl);
	/* llama.cpp's context follows the seq: each point planned whole. */
	r.engine = KVP_ENGINE_LLAMA_CPP;
	assert_int_equal(kvp_planner_new(&m, &r, &d, 1, &pl, &err), KVP_OK);
	assert_false(kvp_planner_fast(pl));
	assert_int_equal(kvp_planner_point(pl, 1024, 1, &pt, &f, &err), KVP_OK);
	assert_int_equal(pt.cache_total_bytes, UINT64_C(536870912));
	kvp_planner_free(&pl);
	assert_false(kvp_planner_fast(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_llama2_by_hand),
		cmocka_unit_test(test_points_are_whole_plans),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
