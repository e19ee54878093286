/*
 * test_engine_solvers.c — a property test of the solvers (lib/solve.c,
 * lib/fit.c): over random models, engines and layouts, from a fixed seed,
 * the cost the solvers model is the plan's own, and the longest context
 * and the largest batch each fit a budget that one more does not, in the
 * plan's bytes or in SGLang's two pools.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"
#include "engine_fixture.h"

/* ---- the solvers, on random models × engines × layouts ----------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* bytes_at, with an overflow counted as more than any budget. */
static bool cost(const kvp_plan *p, uint64_t seq, uint64_t batch, uint64_t *out)
{
	kvp_error err;
	kvp_status st = kvp_plan_bytes_at(p, seq, batch, out, &err);

	if (st == KVP_ERR_OVERFLOW) {
		*out = UINT64_MAX;
		return false;
	}
	assert_int_equal(st, KVP_OK);
	return true;
}

/* SGLang with sliding layers sizes two token pools from the budget
 * (HybridSWAPoolConfigurator): a request fits when every sequence's
 * pad(seq) tokens fit the full pool and its pad(min(seq, window)) the
 * sliding one.  *applies is false for any other plan (the byte model
 * holds there) and for pipeline stages (whose pools the library works
 * out per stage). */
/* Set by pools_fit when it did not check (stages of sliding pools). */
static bool pools_unchecked;

/* The model the case plans, for the oracle's plans at other seqs. */
static const kvp_model *oracle_model;

/* Whether vLLM's groups of p hold padding layers at budget (c its
 * capacity): more block ids than its caching layers. */
static bool vllm_padded(const kvp_plan *p, uint64_t budget, kvp_capacity *c)
{
	uint64_t layers = 0;
	kvp_error err;

	assert_int_equal(kvp_plan_capacity(p, budget, c, &err), KVP_OK);
	for (uint32_t g = 0; g < p->group_count; g++) {
		const kvp_layer_group *grp = &p->groups[g];

		if (grp->kind == KVP_LAYER_RECURRENT ? grp->state_bytes_per_seq != 0
		                                      : grp->bytes_per_token != 0)
			layers += grp->layers;
	}
	return c->groups > 1 && c->group_size > 1 && c->groups * c->group_size > layers;
}

static bool pools_fit(const kvp_plan *p, uint64_t budget, uint64_t seq, uint64_t batch,
                      bool *applies)
{
	uint64_t page = p->request.block_size ? p->request.block_size : 1, window = 0;
	bool full = false;
	kvp_capacity c;
	kvp_error err;
	unsigned __int128 need;

	*applies = false;
	/* TensorRT-LLM's hybrid manager (lib/trtllm_hybrid.c), where it
	 * sized the pools: a request's blocks of the attention's, at most
	 * max_batch_size x pp requests, nothing where it does not start. */
	if (p->request.engine == KVP_ENGINE_TRTLLM) {
		uint64_t block = p->request.block_size ? p->request.block_size : 32;

		/* Stages: each its own pools, some perhaps none, and the
		 * least answer, which this oracle does not rebuild. */
		if (p->stages != 1 && p->state_total_bytes && !p->request.trtllm_cpp) {
			*applies = pools_unchecked = true;
			return true;
		}
		assert_int_equal(kvp_plan_capacity(p, budget, &c, &err), KVP_OK);
		if (!c.trtllm_manager)
			return false;
		*applies = true;
		pools_unchecked = p->stages != 1;
		if (pools_unchecked)
			return true;
		if (c.state_floor || batch > c.max_requests)
			return false;
		need = (unsigned __int128)batch * ((seq + block - 1) / block);
		return need <= c.blocks;
	}
	/* vLLM's groups with padding layers: its pool's blocks (each
	 * group_size layers' pages) hold batch requests' block ids, a
	 * request's at seq its capacity's blocks_per_request there. */
	if (p->request.engine == KVP_ENGINE_VLLM) {
		kvp_plan at;
		kvp_request r = p->request;

		/* stages: each its own groups' padding (the capacity is the
		 * largest's), which this oracle does not rebuild */
		if (!vllm_padded(p, budget, &c) && !(p->stages != 1 && c.groups > 1))
			return false;
		*applies = true;
		pools_unchecked = p->stages != 1;
		if (pools_unchecked)
			return true;
		r.seq = seq;
		if (seq == 0 || seq > (UINT64_MAX >> 8) || kvp_plan_compute(oracle_model, &r, &at,
		                                                            &err) != KVP_OK)
			return seq == 0;
		assert_int_equal(kvp_plan_capacity(&at, budget, &c, &err), KVP_OK);
		need = (unsigned __int128)batch * c.blocks_per_request;
		return need <= c.blocks;
	}
	if (p->request.engine != KVP_ENGINE_SGLANG)
		return false;
	/* The model's layers make the pools; a draft's pool holds the
	 * model's tokens. */
	for (uint32_t g = 0; g < p->group_count; g++) {
		if (!p->groups[g].bytes_per_token || p->groups[g].draft)
			continue;
		if (p->groups[g].kind == KVP_LAYER_SLIDING ||
		    p->groups[g].kind == KVP_LAYER_CHUNKED)
			window = p->groups[g].window;
		else
			full = true;
	}
	/* Recurrent state: SGLang's pool of states beside the tokens',
	 * modelled for the model's own layers with full attention and no
	 * policy (lib/sglang_mamba.c); otherwise the byte model. */
	if (p->state_total_bytes &&
	    (p->draft_layers || !full || p->request.policy.kind != KVP_POLICY_FULL))
		return false;
	/* One pool, when its layers keep every token: the pages of the
	 * requests in max_total_num_tokens, its padding rows past the
	 * budget. */
	if (!window && (!full || p->request.policy.kind != KVP_POLICY_FULL))
		return false;
	*applies = true;
	/* Pipeline stages: each stage's sliding pools, and its tokens' pool
	 * beside the states', are its own; the library takes the least
	 * answer, which this oracle does not rebuild.  One pool under one
	 * budget is the largest stage's, which kvp_plan_capacity gives. */
	pools_unchecked = (window || p->state_total_bytes) && p->stages != 1;
	if (pools_unchecked)
		return true;
	assert_int_equal(kvp_plan_capacity(p, budget, &c, &err), KVP_OK);
	/* The states admit max_requests at once (3 or 5 a request). */
	if (p->state_total_bytes && batch > c.max_requests)
		return false;
	need = (unsigned __int128)batch * ((seq + page - 1) / page * page);
	if (full && need > c.tokens)
		return false;
	if (!window)
		return true;
	seq = seq < window ? seq : window;
	need = (unsigned __int128)batch * ((seq + page - 1) / page * page);
	return need <= c.swa_tokens;
}

static void random_model(kvp_model *m)
{
	static const char *const patterns[] = {
		NULL, "sliding,full", "sliding*5,full", "chunked*3,full", "full,recurrent",
		"sliding", "recurrent*3,full", "sliding,chunked,full", NULL,
	};
	static const uint32_t dims[] = {64, 80, 128, 256};
	const char *pat = patterns[below(sizeof patterns / sizeof patterns[0])];

	memset(m, 0, sizeof *m);
	snprintf(m->name, sizeof m->name, "random");
	m->layers = 1 + (uint32_t)below(80);
	m->kv_heads = 1u << below(5);
	m->heads = m->kv_heads << below(4);
	m->head_dim = dims[below(4)];
	m->sliding_window = 1 + below(below(2) ? 300 : 9000);
	m->chunk_size = 1 + below(9000);
	m->state_bytes = 1 + below(1 << 20);
	/* Half of them an architecture SGLang runs with its sliding-window
	 * pool. */
	if (below(2))
		snprintf(m->model_type, sizeof m->model_type, "llama4_text");
	if (pat)
		pattern(m, pat);
	else if (below(3) == 0) {
		m->kv_lora_rank = 512;
		m->qk_rope_dim = 64;
	}
	/* Sometimes kv heads per layer, halved here and there: vLLM then
	 * unifies pages of two sizes (each group its own block). */
	if (!m->kv_lora_rank && below(4) == 0) {
		m->layer_kv_heads_len = m->layers;
		for (uint32_t i = 0; i < m->layers; i++)
			m->layer_kv_heads[i] = m->kv_heads >> (m->kv_heads > 1 ? below(2) : 0);
	}
}

static void random_request(const kvp_model *m, kvp_request *r)
{
	static const uint32_t blocks[] = {0, 0, 1, 16, 32, 64};
	uint32_t tp;

	kvp_request_init(r);
	switch (below(7)) {
	case 0: r->engine = KVP_ENGINE_EXACT; break;
	case 1: r->engine = KVP_ENGINE_VLLM; break;
	case 2: r->engine = KVP_ENGINE_LLAMA_CPP; break;
	case 3: r->engine = KVP_ENGINE_LLAMA_CPP; r->kv_unified = true; break;
	case 4: r->engine = KVP_ENGINE_SGLANG; break;
	case 5: r->engine = KVP_ENGINE_TRTLLM; break;
	default: r->engine = KVP_ENGINE_TRTLLM; r->trtllm_cpp = true; break;
	}
	if (r->engine != KVP_ENGINE_LLAMA_CPP && r->engine != KVP_ENGINE_EXACT)
		r->block_size = blocks[below(6)];
	/* vLLM's releases and mamba modes: 1 or 2 state pages a request. */
	if (below(3) == 0)
		r->vllm_version = below(2) ? 19 : 27;
	if (below(3) == 0)
		r->mamba_cache_mode = below(2) ? KVP_MAMBA_NONE : KVP_MAMBA_ALIGN;
	if (below(4) == 0)
		r->no_swa_pool = true;
	if (below(3) == 0)
		r->max_batched_tokens = 1 + below(9000);
	if (below(3) == 0)
		r->ubatch = 1 + (uint32_t)below(1024);
	r->seq = 1 + below(below(2) ? 1000 : 200000);
	r->batch = 1 + below(below(2) ? 4 : 64);
	/* A power of two that divides the heads (the kv heads are powers of
	 * two too, so it divides them or is a multiple of them). */
	do
		tp = 1u << below(6);
	while (m->heads % tp);
	r->tp = tp;
	r->pp = 1 + (uint32_t)below(m->layers < 6 ? m->layers : 6);
	if (r->pp > 1 && below(3) == 0) {
		/* An explicit split: pp − 1 random cuts. */
		uint32_t left = m->layers;

		r->pp_layers_len = r->pp;
		for (uint32_t s = 0; s + 1 < r->pp; s++) {
			uint32_t most = left - (r->pp - 1 - s);

			r->pp_layers[s] = 1 + (uint32_t)below(most);
			left -= r->pp_layers[s];
		}
		r->pp_layers[r->pp - 1] = left;
	}
	r->dp = 1 + (uint32_t)below(2);
}

/* max_seq answers that were neither 0 nor unbounded: the property is
 * not vacuous. */
static unsigned long bounded_answers;

static void check_max_seq(const kvp_plan *p, uint64_t budget, uint64_t batch,
                          unsigned long n)
{
	uint64_t s = 0, lo, hi;
	bool unbounded = false;
	kvp_error err;

	assert_int_equal(kvp_plan_max_seq(p, budget, batch, &s, &unbounded, &err), KVP_OK);
	{
		bool applies;
		bool fits = pools_fit(p, budget, s, batch, &applies);

		if (applies && pools_unchecked)
			return;
		if (applies) {
			if (unbounded) {
				assert_true(pools_fit(p, budget, UINT64_MAX / 4, batch, &applies));
				return;
			}
			if (s > 0 && !fits)
				fail_msg("case %lu: sglang max_seq %llu does not fit its pools", n,
				         (unsigned long long)s);
			if (pools_fit(p, budget, s + 1, batch, &applies))
				fail_msg("case %lu: sglang max_seq %llu, but %llu fits its pools", n,
				         (unsigned long long)s, (unsigned long long)(s + 1));
			return;
		}
	}
	if (unbounded) {
		assert_int_equal(s, UINT64_MAX);
		/* The plateau fits: so does a very long context. */
		assert_true(p->bounded || p->group_count > 0);
		if (cost(p, 1ULL << 40, batch, &hi) && hi > budget)
			fail_msg("case %lu: unbounded, but 2^40 tokens cost %llu > %llu", n,
			         (unsigned long long)hi, (unsigned long long)budget);
		return;
	}
	bounded_answers += s > 0;
	if (s > 0 && (!cost(p, s, batch, &lo) || lo > budget))
		fail_msg("case %lu (%s, tp %u pp %u): max_seq %llu at batch %llu costs %llu"
		         " > budget %llu", n, kvp_engine_name(p->request.engine),
		         p->request.tp, p->request.pp, (unsigned long long)s,
		         (unsigned long long)batch, (unsigned long long)lo,
		         (unsigned long long)budget);
	if (s < UINT64_MAX && cost(p, s + 1, batch, &hi) && hi <= budget)
		fail_msg("case %lu (%s%s, tp %u pp %u): max_seq %llu at batch %llu, but %llu"
		         " costs %llu <= budget %llu", n, kvp_engine_name(p->request.engine),
		         p->request.kv_unified ? " unified" : "", p->request.tp,
		         p->request.pp, (unsigned long long)s, (unsigned long long)batch,
		         (unsigned long long)(s + 1), (unsigned long long)hi,
		         (unsigned long long)budget);
}

static void check_max_batch(const kvp_plan *p, uint64_t budget, uint64_t seq,
                            unsigned long n)
{
	uint64_t b = 0, lo, hi;
	kvp_error err;

	assert_int_equal(kvp_plan_max_batch(p, budget, seq, &b, &err), KVP_OK);
	{
		bool applies;
		bool fits = pools_fit(p, budget, seq, b, &applies);

		if (applies && pools_unchecked)
			return;
		if (applies) {
			if (b > 0 && !fits)
				fail_msg("case %lu: sglang max_batch %llu does not fit its pools", n,
				         (unsigned long long)b);
			if (b < UINT64_MAX && pools_fit(p, budget, seq, b + 1, &applies))
				fail_msg("case %lu: sglang max_batch %llu, but %llu fits its pools",
				         n, (unsigned long long)b, (unsigned long long)(b + 1));
			return;
		}
	}
	if (b > 0 && (!cost(p, seq, b, &lo) || lo > budget))
		fail_msg("case %lu (%s): max_batch %llu at seq %llu costs %llu > budget %llu",
		         n, kvp_engine_name(p->request.engine), (unsigned long long)b,
		         (unsigned long long)seq, (unsigned long long)lo,
		         (unsigned long long)budget);
	if (b < UINT64_MAX && cost(p, seq, b + 1, &hi) && hi <= budget)
		fail_msg("case %lu (%s%s): max_batch %llu at seq %llu, but %llu costs %llu"
		         " <= budget %llu", n, kvp_engine_name(p->request.engine),
		         p->request.kv_unified ? " unified" : "", (unsigned long long)b,
		         (unsigned long long)seq, (unsigned long long)(b + 1),
		         (unsigned long long)hi, (unsigned long long)budget);
}

static void test_solver_property(void **state)
{
	unsigned long cases = 0, consistent = 0, engines[KVP_ENGINE_COUNT] = {0};
	unsigned long parallel = 0, unified = 0;

	(void)state;
	for (unsigned long n = 0; cases < 4000 && n < 40000; n++) {
		kvp_model m;
		kvp_request r;
		kvp_plan p;
		kvp_error err;
		uint64_t at, budget, batch, seq, target;

		random_model(&m);
		random_request(&m, &r);
		oracle_model = &m;
		if (kvp_plan_compute(&m, &r, &p, &err) != KVP_OK) {
			/* Only shapes the generator cannot rule out. */
			assert_true(err.status == KVP_ERR_SHAPE || err.status == KVP_ERR_OVERFLOW);
			continue;
		}
		cases++;
		engines[r.engine]++;
		/* vLLM groups of different blocks (pages unified). */
		for (uint32_t g = 1; g < p.group_count; g++)
			if (r.engine == KVP_ENGINE_VLLM && p.groups[g].block != p.groups[0].block) {
				unified++;
				break;
			}
		parallel += r.tp > 1 || r.pp > 1;
		/* The solvers' cost model at the plan's own request is the
		 * plan's figure for its largest GPU. */
		if (cost(&p, r.seq, r.batch, &at)) {
			if (at != p.kv_bytes_per_gpu)
				fail_msg("case %lu (%s%s, block %u, tp %u pp %u, seq %llu batch"
				         " %llu, %u layers, pattern %u): bytes_at %llu !="
				         " kv_bytes_per_gpu %llu", n, kvp_engine_name(r.engine),
				         r.kv_unified ? " unified" : "", r.block_size, r.tp, r.pp,
				         (unsigned long long)r.seq, (unsigned long long)r.batch,
				         m.layers, m.pattern_len, (unsigned long long)at,
				         (unsigned long long)p.kv_bytes_per_gpu);
			consistent++;
		}
		/* A budget near the cost of a random context (or a tiny one). */
		batch = 1 + below(below(2) ? 4 : 64);
		target = 1 + below(below(2) ? 2000 : 300000);
		if (below(8) == 0) {
			budget = below(1 << 16);
		} else {
			cost(&p, target, batch, &budget);
			if (budget != UINT64_MAX)
				budget += below(budget / 8 + 1);
		}
		check_max_seq(&p, budget, batch, n);
		seq = 1 + below(below(2) ? 2000 : 300000);
		check_max_batch(&p, budget, seq, n);
		check_max_batch(&p, budget, target, n);
	}
	assert_true(cases >= 4000);
	assert_true(consistent >= 3000);
	assert_true(parallel >= 2000);
	assert_true(unified >= 20);
	for (int e = 0; e < KVP_ENGINE_COUNT; e++)
		assert_true(engines[e] >= 300);
	assert_true(bounded_answers >= 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_solver_property),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
