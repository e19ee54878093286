/*
 * solve.c — the cache as a function of the context, and its inverses.
 * Per sequence it is f(s) = S + sum over groups of n_g b_g min(s, w_g)
 * (w_g infinite for a layer without a window): piecewise linear and
 * non-decreasing, with a corner at each window.  The longest context that
 * fits is found piece by piece in closed form, never by trying lengths.
 */
#include "internal.h"

/* f(seq) for one sequence; 0 when it does not fit in 64 bits. */
static int per_seq(const kvp_plan *p, uint64_t seq, uint64_t *out)
{
	uint64_t total = 0, term;

	for (uint32_t g = 0; g < p->group_count; g++) {
		const kvp_layer_group *grp = &p->groups[g];
		uint64_t tokens = grp->window && grp->window < seq ? grp->window : seq;

		if (grp->bytes_per_token == 0)
			tokens = 0;
		if (!kvp__mul(tokens, grp->bytes_per_token, &term) ||
		    !kvp__add(term, grp->state_bytes_per_seq, &term) ||
		    !kvp__mul(term, grp->layers, &term) ||
		    !kvp__add(total, term, &total))
			return 0;
	}
	*out = total;
	return 1;
}

kvp_status kvp_plan_bytes_at(const kvp_plan *p, uint64_t seq, uint64_t batch,
                             uint64_t *bytes, kvp_error *err)
{
	uint64_t f;
	char label[KVP_QUOTE_MAX];

	if (!p || !bytes)
		return kvp__error(err, KVP_ERR_INVALID, "no plan given");
	if (!per_seq(p, seq, &f) || !kvp__mul(f, batch, bytes))
		return kvp__error(err, KVP_ERR_OVERFLOW,
		                  "KV cache of %s for seq %llu and batch %llu overflows"
		                  " 64-bit bytes", kvp__label(p->model_name, "the model", label),
		                  (unsigned long long)seq, (unsigned long long)batch);
	return kvp__error_clear(err);
}

/* The growth of f past seq a: the bytes per token of every group whose
 * layers still take tokens there (no window, or a window beyond a).  At
 * most KVP_GROUPS_MAX terms below 2^96 each: 128 bits hold the sum. */
static unsigned __int128 slope_after(const kvp_plan *p, uint64_t a)
{
	unsigned __int128 slope = 0;

	for (uint32_t g = 0; g < p->group_count; g++) {
		const kvp_layer_group *grp = &p->groups[g];

		if (grp->window == 0 || grp->window > a)
			slope += (unsigned __int128)grp->bytes_per_token * grp->layers;
	}
	return slope;
}

/* The smallest window beyond a, or 0 when there is none. */
static uint64_t next_corner(const kvp_plan *p, uint64_t a)
{
	uint64_t next = 0;

	for (uint32_t g = 0; g < p->group_count; g++) {
		uint64_t w = p->groups[g].window;

		if (p->groups[g].bytes_per_token && w > a && (next == 0 || w < next))
			next = w;
	}
	return next;
}

kvp_status kvp_plan_max_seq(const kvp_plan *p, uint64_t budget, uint64_t batch,
                            uint64_t *seq, bool *unbounded, kvp_error *err)
{
	uint64_t cap, a = 0, fa;

	if (!p || !seq || !unbounded)
		return kvp__error(err, KVP_ERR_INVALID, "no plan given");
	if (batch == 0)
		return kvp__error(err, KVP_ERR_INVALID, "batch must be at least 1");
	/* batch x f(s) <= budget  <=>  f(s) <= floor(budget / batch). */
	cap = budget / batch;
	*unbounded = false;
	*seq = 0;
	if (!per_seq(p, 0, &fa) || fa > cap)
		return kvp__error_clear(err); /* the state alone does not fit */
	/* Invariant: f(a) = fa <= cap.  On [a, corner] f grows by slope per
	 * token; past the last corner, by the unbounded layers' alone. */
	for (;;) {
		unsigned __int128 slope = slope_after(p, a), reach;
		uint64_t corner = next_corner(p, a);

		if (slope == 0) {
			*seq = UINT64_MAX;
			*unbounded = true;
			return kvp__error_clear(err);
		}
		/* f(a) >= slope x a when a > 0 (every group still growing
		 * has held a tokens), so a + (cap - fa) / slope <= cap. */
		reach = a + (cap - fa) / slope;
		if (corner == 0 || reach < corner) {
			*seq = (uint64_t)reach;
			return kvp__error_clear(err);
		}
		/* The whole piece fits: f(corner) <= cap, and it fits 64 bits. */
		a = corner;
		if (!per_seq(p, a, &fa))
			return kvp__error(err, KVP_ERR_OVERFLOW, "cache size overflows");
	}
}

kvp_status kvp_plan_max_batch(const kvp_plan *p, uint64_t budget, uint64_t seq,
                              uint64_t *batch, kvp_error *err)
{
	uint64_t f;

	if (!p || !batch)
		return kvp__error(err, KVP_ERR_INVALID, "no plan given");
	if (seq == 0)
		return kvp__error(err, KVP_ERR_INVALID, "sequence length must be at least 1");
	if (!per_seq(p, seq, &f)) {
		*batch = 0; /* one sequence alone is beyond 64-bit bytes */
		return kvp__error_clear(err);
	}
	if (f == 0)
		return kvp__error(err, KVP_ERR_INVALID, "the plan caches nothing");
	*batch = budget / f;
	return kvp__error_clear(err);
}
