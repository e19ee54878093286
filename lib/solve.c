/*
 * solve.c — the inverses of the cache as a function of the context
 * (cost.c): the longest context and the largest batch that fit a budget.
 *
 * On one GPU (one pipeline stage) an engine's cache at a context of x
 * tokens is pool + streams x (fixed + sum_g slope_g min(q, cap_g)), with
 * q = cdiv(x, unit) (cost.c gives each engine's unit).  That is
 * piecewise linear and non-decreasing in q, with a corner at each cap; the longest context that
 * fits is found piece by piece in closed form, never by trying lengths.
 * vLLM's hybrid models whose pages were unified count each group in its
 * own block (terms of different units): the cost is then a step function
 * of x, non-decreasing, and the longest context is found by bisection on
 * x, exact for the same reason.
 * doc/engines.md gives each engine's terms.
 */
#include <string.h>

#include "cost.h"
#include "engine.h"

/* The largest q whose stream fits in room bytes, piece by piece; false
 * when every q fits (the caps all reached). */
static bool max_units(const struct kvp__cost *c, unsigned __int128 room, uint64_t *q_out)
{
	uint64_t a = 0;
	unsigned __int128 fa = c->fixed;

	/* Invariant: stream_at(a) = fa <= room. */
	for (;;) {
		unsigned __int128 slope = 0, reach;
		uint64_t corner = 0;

		for (uint32_t i = 0; i < c->n; i++) {
			if (c->cap[i] == 0 || c->cap[i] > a)
				slope += c->slope[i];
			if (c->cap[i] > a && (corner == 0 || c->cap[i] < corner))
				corner = c->cap[i];
		}
		if (slope == 0)
			return false;
		reach = a + kvp__div128(room - fa, slope);
		if (corner == 0 || reach < corner) {
			*q_out = reach > UINT64_MAX ? UINT64_MAX : (uint64_t)reach;
			return true;
		}
		a = corner;
		fa = kvp__stream_at(c, a);
	}
}

/* The longest context of stage s where an engine's pools admit the
 * requests (kvp__pool_admits), and true; false where the bytes decide.
 * TensorRT-LLM's hybrid pools: a request's blocks in the attention's,
 * the batch within max_batch_size x pp.  SGLang with a sliding-window
 * pool: a request fits when its tokens fit both pools, pad(seq) in the
 * full one and pad(min(seq, window)) in the sliding one, every sequence of
 * the batch; the pools are what the budget gives (pool_configurator.py
 * HybridSWAPoolConfigurator). */
static bool pools_limit(const kvp_plan *p, uint32_t s, uint64_t budget, uint64_t least,
                        uint64_t batch, uint64_t *seq, bool *unbounded)
{
	kvp_capacity c = {0};
	/* A request's pages: under decode context parallelism of page x
	 * dcp of the pool's tokens (kvp__engine_dcp). */
	uint64_t full, swa, window, per, reqs;
	uint64_t unit = kvp__engine_block(&p->request) * kvp__request_dcp(&p->request);
	bool has_full;

	if (kvp__trtllm_hybrid_capacity(p, s, budget, least, &c)) {
		uint64_t most = p->request.trtllm_max_seq_len;

		*unbounded = false;
		*seq = 0;
		if (c.state_floor || batch > c.max_requests)
			return true;
		/* A stage without attention: its states alone. */
		*unbounded = !c.blocks && !most;
		*seq = !c.blocks ? (most ? most : UINT64_MAX) : c.blocks / batch * unit;
		/* No request past a max_seq_len given (TensorRT-LLM refuses
		 * it). */
		if (most && *seq > most)
			*seq = most;
		return true;
	}
	/* vLLM's groups with padding layers: the longest seq whose block
	 * ids, batch requests' of them, fit its pool (kvp__vllm_pool); past
	 * every window and state the blocks a request takes stop growing. */
	if (kvp__vllm_pool(p, s, budget, &full)) {
		uint64_t lo = 0, hi = UINT64_MAX / 2;

		*unbounded = kvp__vllm_request_blocks(p, s, hi) <= full / batch;
		*seq = *unbounded ? UINT64_MAX : 0;
		while (!*unbounded && lo < hi) {
			uint64_t mid = lo + (hi - lo) / 2 + 1;

			if (kvp__vllm_request_blocks(p, s, mid) <= full / batch)
				lo = mid;
			else
				hi = mid - 1;
		}
		if (!*unbounded)
			*seq = lo;
		return true;
	}
	if (p->request.engine != KVP_ENGINE_SGLANG ||
	    !kvp__sglang_pools(p, s, budget, &full, &swa, &window, &has_full, &reqs))
		return false;
	/* More requests than the recurrent states admit run at no length. */
	if (batch > reqs) {
		*seq = 0;
		*unbounded = false;
		return true;
	}
	*unbounded = true;
	*seq = UINT64_MAX;
	if (has_full) {
		*seq = full / batch / unit * unit;
		*unbounded = false;
	}
	/* The sliding pool binds only when a full window does not fit. */
	per = swa / batch;
	if (kvp__cdiv(window, unit) > per / unit) {
		uint64_t limit = per / unit * unit; /* below the window */

		if (limit < *seq)
			*seq = limit;
		*unbounded = false;
	}
	return true;
}

/* The largest batch of seq-token requests the pools admit (*used), as
 * pools_limit. */
static uint64_t pools_batch(const kvp_plan *p, uint32_t s, uint64_t budget,
                            uint64_t least, uint64_t seq, bool *used)
{
	uint64_t full, swa, window, b, reqs;
	uint64_t unit = kvp__engine_block(&p->request) * kvp__request_dcp(&p->request);
	bool has_full;
	kvp_capacity c = {0};

	if (kvp__trtllm_hybrid_capacity(p, s, budget, least, &c)) {
		*used = true;
		if (c.state_floor || (p->request.trtllm_max_seq_len &&
		                      seq > p->request.trtllm_max_seq_len))
			return 0;
		b = c.blocks ? c.blocks / kvp__cdiv(seq, unit) : UINT64_MAX;
		return b < c.max_requests ? b : c.max_requests;
	}
	/* vLLM's groups with padding layers: its pool's blocks over a
	 * request's */
	if (kvp__vllm_pool(p, s, budget, &full)) {
		*used = true;
		b = kvp__vllm_request_blocks(p, s, seq);
		return b ? full / b : UINT64_MAX;
	}
	*used = p->request.engine == KVP_ENGINE_SGLANG &&
	        kvp__sglang_pools(p, s, budget, &full, &swa, &window, &has_full, &reqs);
	if (!*used)
		return 0;
	b = reqs;
	/* In pages: the pools are whole pages, and pages x unit may pass
	 * 2^64 for a seq near it. */
	if (has_full && full / unit / kvp__cdiv(seq, unit) < b)
		b = full / unit / kvp__cdiv(seq, unit);
	seq = window && window < seq ? window : seq;
	if (swa / unit / kvp__cdiv(seq, unit) < b)
		b = swa / unit / kvp__cdiv(seq, unit);
	return b;
}

/* Whether batch sequences of seq tokens fit stage s, each layer capped
 * as the policy caps it at seq. */
static bool fits_at(const kvp_plan *p, uint32_t s, uint64_t budget,
                    uint64_t batch, uint64_t seq)
{
	struct kvp__cost c;

	kvp__stage_cost(p, s, batch, seq, &c);
	return kvp__cost_at(&c, seq) <= budget;
}

/* The largest seq in [lo, hi] that fits, lo fitting and the cost
 * non-decreasing over [lo, hi]. */
static uint64_t bisect_seq(const kvp_plan *p, uint32_t s, uint64_t budget,
                           uint64_t batch, uint64_t lo, uint64_t hi)
{
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2 + 1;

		if (fits_at(p, s, budget, batch, mid))
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* The first prompt of [a, b] that does not fit (b + 1 when every one
 * does), a >= PyramidKV's capacity.  A layer keeps prompt - l steps
 * + window + gen, steps = 2 (prompt - C) / (L - 1): over a run of prompts
 * with the same step the cost does not decrease, and at each new step it
 * falls (the budgets saw).  The cost of [a, b] is bounded by each layer
 * keeping b - l steps(a) (cost_over): an interval whose bound fits fits
 * whole, one prompt's bound is its cost, and the halves of any other are
 * searched left first.  Within a run that is bisection; across runs the
 * bound is loose by about 2 L (b - a) tokens, so it settles as soon as
 * the budget clears the saw by that, instead of trying each run (one
 * prompt each on a model of two layers: fuzz_cli's sweep over a capacity
 * of 3,976,345 took 46 s that way). */
static uint64_t first_misfit(const kvp_plan *p, uint32_t s, uint64_t budget,
                             uint64_t batch, uint64_t a, uint64_t b)
{
	uint64_t gen = p->request.gen, mid, first;
	struct kvp__cost c;

	kvp__cost_over(p, s, batch, gen + a, gen + b, &c);
	if (kvp__cost_at(&c, gen + b) <= budget)
		return b + 1;
	if (a == b)
		return a;
	mid = a + (b - a) / 2;
	first = first_misfit(p, s, budget, batch, a, mid);
	return first <= mid ? first : first_misfit(p, s, budget, batch, mid + 1, b);
}

/* The longest context under a policy that keeps more of a longer prompt
 * otherwise than up to a cap.  kvpress's ratio keeps int(prompt (1 - r))
 * + gen, non-decreasing: bisection.  PyramidKV keeps every token of a
 * prompt below its capacity (non-decreasing), then budgets whose sum
 * saws up and down around layers x capacity while the largest is clamped
 * to prompt - window, and stays put from prompt = max_num + window on.
 * The answer is the last seq before the first prompt that does not fit
 * (every shorter one fits), found by first_misfit. */
static void varying_max_seq(const kvp_plan *p, uint32_t s, uint64_t budget,
                            uint64_t batch, uint64_t *seq, bool *unbounded)
{
	const kvp_policy *pol = &p->request.policy;
	uint64_t gen = p->request.gen, hi, span, flat, first;

	*unbounded = false;
	*seq = 0;
	if (gen == UINT64_MAX || !fits_at(p, s, budget, batch, gen + 1))
		return;
	if (pol->kind == KVP_POLICY_RATIO) {
		for (hi = gen + 1; hi <= UINT64_MAX / 2 && fits_at(p, s, budget, batch, 2 * hi);)
			hi *= 2;
		if (hi > UINT64_MAX / 2 && fits_at(p, s, budget, batch, UINT64_MAX)) {
			*unbounded = true;
			*seq = UINT64_MAX;
			return;
		}
		*seq = bisect_seq(p, s, budget, batch, hi,
		                  hi > UINT64_MAX / 2 ? UINT64_MAX : 2 * hi - 1);
		return;
	}
	if (pol->capacity > UINT64_MAX - gen ||
	    !fits_at(p, s, budget, batch, gen + pol->capacity - 1)) {
		*seq = bisect_seq(p, s, budget, batch, gen + 1,
		                  pol->capacity > UINT64_MAX - gen ? UINT64_MAX
		                  : gen + pol->capacity - 1);
		return;
	}
	span = pol->capacity - pol->window;
	flat = 2 * span - span / pol->beta + pol->window;
	if (flat > UINT64_MAX - gen) /* no seq is longer */
		flat = UINT64_MAX - gen;
	first = first_misfit(p, s, budget, batch, pol->capacity, flat);
	if (first <= flat) {
		*seq = gen + first - 1;
		return;
	}
	*unbounded = true;
	*seq = UINT64_MAX;
}

/* The longest context whose cost c fits in budget. */
static void max_seq_of(const struct kvp__cost *c, uint64_t budget, uint64_t *seq,
                       bool *unbounded)
{
	unsigned __int128 room, x;
	uint64_t q;

	*unbounded = false;
	*seq = 0;
	if (c->pool > budget)
		return;
	room = kvp__div128(budget - c->pool, c->streams);
	if (c->fixed > room)
		return;
	if (c->mixed) {
		/* Bisection on x (seq_div is 1 for vLLM): stream_at_x(lo)
		 * fits, and every x past hi does not. */
		uint64_t lo = 0, hi = UINT64_MAX;

		if (kvp__stream_at_x(c, UINT64_MAX) <= room) {
			*unbounded = true;
			*seq = UINT64_MAX;
			return;
		}
		while (lo < hi) {
			uint64_t mid = lo + (hi - lo) / 2 + 1;

			if (kvp__stream_at_x(c, mid) <= room)
				lo = mid;
			else
				hi = mid - 1;
		}
		*seq = lo;
		return;
	}
	if (!max_units(c, room, &q)) {
		*unbounded = true;
		*seq = UINT64_MAX;
		return;
	}
	/* The largest x with cdiv(x, unit) <= q, then the seq it gives. */
	x = kvp__div128((unsigned __int128)q * c->unit, c->seq_div);
	*seq = x > UINT64_MAX ? UINT64_MAX : (uint64_t)x;
}

/* pools: SGLang's pools admit the requests (a device's memory); false
 * for the bytes alone (an L2's). */
static void stage_max_seq(const kvp_plan *p, uint32_t s, uint64_t budget, uint64_t least,
                          uint64_t batch, bool pools, uint64_t *seq, bool *unbounded)
{
	struct kvp__cost c;

	if (kvp_policy_varies(&p->request.policy)) {
		varying_max_seq(p, s, budget, batch, seq, unbounded);
		return;
	}
	if (pools && pools_limit(p, s, budget, least, batch, seq, unbounded))
		return;
	kvp__stage_cost(p, s, batch, 0, &c);
	max_seq_of(&c, budget, seq, unbounded);
}

/* Stage answers to the plan's: every stage must fit, so the least. */
static void least_seq(uint64_t one, bool open, uint64_t *seq, bool *unbounded)
{
	if (!open && (*unbounded || one < *seq)) {
		*seq = one;
		*unbounded = false;
	}
}

/* Stage s's budget: its own (budgets), or the one for every stage. */
static uint64_t budget_of(const uint64_t *budgets, uint64_t one, uint32_t s)
{
	return budgets ? budgets[s] : one;
}

/* Every stage must fit: the least of their answers. */
static void max_seq_in(const kvp_plan *p, const uint64_t *budgets, uint64_t budget,
                       uint64_t batch, bool pools, uint64_t *seq, bool *unbounded)
{
	uint64_t least = kvp__trtllm_tokens(p, budgets, budget);

	*seq = UINT64_MAX;
	*unbounded = true;
	for (uint32_t s = 0; s < p->stages; s++) {
		uint64_t one;
		bool open;

		stage_max_seq(p, s, budget_of(budgets, budget, s), least, batch, pools, &one,
		              &open);
		least_seq(one, open, seq, unbounded);
	}
}

kvp_status kvp_plan_max_seq(const kvp_plan *p, uint64_t budget, uint64_t batch,
                            uint64_t *seq, bool *unbounded, kvp_error *err)
{
	if (!p || !seq || !unbounded)
		return kvp__error(err, KVP_ERR_INVALID, "no plan given");
	if (batch == 0)
		return kvp__error(err, KVP_ERR_INVALID, "batch must be at least 1");
	max_seq_in(p, NULL, budget, batch, true, seq, unbounded);
	return kvp__error_clear(err);
}

/* The largest batch of seq-token sequences whose cost c (one stream)
 * fits in budget; false when a stream costs nothing (the stage caches
 * nothing). */
static bool batch_of(const struct kvp__cost *c, uint64_t budget, uint64_t seq, uint64_t *b)
{
	return kvp__cost_max_batch(c, budget, kvp__cost_at(c, seq) - c->pool, b);
}

/* llama.cpp's unified cache grows with the sequences in steps (cells and
 * windows both scale with n_seq): the largest batch is found by bisection
 * over the batch, exact because the cost never decreases with it. */
static uint64_t bisect_batch(const kvp_plan *p, uint32_t s, uint64_t budget,
                             uint64_t seq)
{
	uint64_t lo = 0, hi = budget; /* every sequence costs a byte at least */

	while (lo < hi) {
		/* (hi - lo) / 2 + 1, not (hi - lo + 1) / 2: a budget of
		 * UINT64_MAX would wrap to 0 and never move. */
		uint64_t mid = lo + (hi - lo) / 2 + 1;
		struct kvp__cost c;

		kvp__stage_cost(p, s, mid, seq, &c);
		if (kvp__cost_at(&c, seq) <= budget)
			lo = mid;
		else
			hi = mid - 1;
	}
	return lo;
}

/* The least of the stages' largest batches; false when no stage caches
 * anything. */
static bool max_batch_in(const kvp_plan *p, const uint64_t *budgets, uint64_t one,
                         uint64_t seq, uint64_t *batch)
{
	uint64_t best = UINT64_MAX, least = kvp__trtllm_tokens(p, budgets, one);

	for (uint32_t s = 0; s < p->stages; s++) {
		uint64_t budget = budget_of(budgets, one, s), b;
		struct kvp__cost c;
		bool pools;

		b = pools_batch(p, s, budget, least, seq, &pools);
		if (pools) {
			/* the pools' answer */
		} else if (p->request.engine == KVP_ENGINE_LLAMA_CPP && p->request.kv_unified) {
			b = bisect_batch(p, s, budget, seq);
		} else {
			kvp__stage_cost(p, s, 1, seq, &c);
			if (!batch_of(&c, budget, seq, &b))
				continue; /* this stage caches nothing */
		}
		if (b < best)
			best = b;
	}
	*batch = best;
	return best != UINT64_MAX || !p->stages;
}

kvp_status kvp_plan_max_batch(const kvp_plan *p, uint64_t budget, uint64_t seq,
                              uint64_t *batch, kvp_error *err)
{
	if (!p || !batch)
		return kvp__error(err, KVP_ERR_INVALID, "no plan given");
	if (seq == 0)
		return kvp__error(err, KVP_ERR_INVALID, "sequence length must be at least 1");
	if (!max_batch_in(p, NULL, budget, seq, batch))
		return kvp__error(err, KVP_ERR_INVALID, "the plan caches nothing");
	return kvp__error_clear(err);
}

/* kvp_plan_fit's three answers from one cost per stage: the longest
 * context of batch sequences in the L2 and in the budget, and the largest
 * batch of seq-token sequences in the budget, as kvp_plan_max_seq and
 * kvp_plan_max_batch give them.  The cost of one stream is the same at
 * every batch but where llama.cpp's unified cache scales it, and at every
 * seq but where a policy's cap varies with it; those, and SGLang's pools
 * and TensorRT-LLM's hybrid ones, are answered by the calls themselves. */
kvp_status kvp__plan_fit_solve(const kvp_plan *p, uint64_t l2, const uint64_t *budgets,
                               kvp__fit_answers *a, kvp_error *err)
{
	const kvp_request *r = &p->request;
	uint64_t best = UINT64_MAX;

	if (r->batch == 0)
		return kvp__error(err, KVP_ERR_INVALID, "batch must be at least 1");
	if (r->seq == 0)
		return kvp__error(err, KVP_ERR_INVALID, "sequence length must be at least 1");
	if (kvp_policy_varies(&r->policy) || kvp__pool_admits(p) ||
	    (r->engine == KVP_ENGINE_LLAMA_CPP && r->kv_unified)) {
		/* The L2 holds bytes: no pools there. */
		max_seq_in(p, NULL, l2, r->batch, false, &a->seq_l2, &a->seq_l2_unbounded);
		max_seq_in(p, budgets, 0, r->batch, true, &a->seq, &a->seq_unbounded);
		if (!max_batch_in(p, budgets, 0, r->seq, &a->batch))
			return kvp__error(err, KVP_ERR_INVALID, "the plan caches nothing");
		return KVP_OK;
	}
	a->seq_l2 = a->seq = UINT64_MAX;
	a->seq_l2_unbounded = a->seq_unbounded = true;
	for (uint32_t s = 0; s < p->stages; s++) {
		struct kvp__cost c;
		uint64_t one;
		bool open;

		kvp__stage_cost(p, s, r->batch, 0, &c);
		max_seq_of(&c, l2, &one, &open);
		least_seq(one, open, &a->seq_l2, &a->seq_l2_unbounded);
		max_seq_of(&c, budgets[s], &one, &open);
		least_seq(one, open, &a->seq, &a->seq_unbounded);
		/* One sequence: the cost of one stream. */
		c.streams = 1;
		if (!batch_of(&c, budgets[s], r->seq, &one))
			continue; /* this stage caches nothing */
		if (one < best)
			best = one;
	}
	if (best == UINT64_MAX && p->stages)
		return kvp__error(err, KVP_ERR_INVALID, "the plan caches nothing");
	a->batch = best;
	return KVP_OK;
}

/* The planner's entries (internal.h). */
void kvp__plan_max_seq_in(const kvp_plan *p, const uint64_t *budgets, uint64_t budget,
                          uint64_t batch, bool pools, uint64_t *seq, bool *unbounded)
{
	max_seq_in(p, budgets, budget, batch, pools, seq, unbounded);
}

bool kvp__plan_max_batch_in(const kvp_plan *p, const uint64_t *budgets, uint64_t one,
                            uint64_t seq, uint64_t *batch)
{
	return max_batch_in(p, budgets, one, seq, batch);
}

void kvp__costs_max_seq(const struct kvp__cost *costs, uint32_t stages, uint64_t batch,
                        const uint64_t *budgets, uint64_t budget, uint64_t *seq,
                        bool *unbounded)
{
	*seq = UINT64_MAX;
	*unbounded = true;
	for (uint32_t s = 0; s < stages; s++) {
		struct kvp__cost c = costs[s];
		uint64_t one;
		bool open;

		c.streams = batch;
		max_seq_of(&c, budget_of(budgets, budget, s), &one, &open);
		least_seq(one, open, seq, unbounded);
	}
}
