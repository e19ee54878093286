/*
 * cost.h — one stage's cache as a function of the context (struct
 * kvp__cost, internal.h), evaluated: inline, as the solvers (solve.c) and
 * the planner (planner.c) evaluate it in their loops.  cost.c builds it.
 */
#ifndef KVPLAN_COST_H
#define KVPLAN_COST_H

#include "internal.h"

static inline uint64_t kvp__cdiv(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

/* One stream's bytes at q units. */
static inline unsigned __int128 kvp__stream_at(const struct kvp__cost *c, uint64_t q)
{
	unsigned __int128 total = c->fixed;

	for (uint32_t i = 0; i < c->n; i++)
		total += (unsigned __int128)c->slope[i] * (c->cap[i] && c->cap[i] < q ? c->cap[i] : q);
	return total;
}

/* One stream's bytes at x tokens, each term in its own unit; saturates
 * (only ever compared with a budget). */
static inline unsigned __int128 kvp__stream_at_x(const struct kvp__cost *c, unsigned __int128 x)
{
	const unsigned __int128 most = ~(unsigned __int128)0;
	unsigned __int128 total = c->fixed;

	for (uint32_t i = 0; i < c->n; i++) {
		unsigned __int128 q = x / c->term_unit[i] + (x % c->term_unit[i] != 0), t;

		if (c->cap[i] && c->cap[i] < q)
			q = c->cap[i];
		if (q > most / (c->slope[i] ? c->slope[i] : 1))
			return most;
		t = q * c->slope[i];
		if (total > most - t)
			return most;
		total += t;
	}
	return total;
}

/* The stage's bytes at seq (128 bits). */
static inline unsigned __int128 kvp__cost_at(const struct kvp__cost *c, uint64_t seq)
{
	const unsigned __int128 most = ~(unsigned __int128)0;
	unsigned __int128 x = (unsigned __int128)seq * c->seq_div, one;

	/* Past 64 bits of tokens (llama.cpp's unified stream of seq x batch)
	 * every term counts its own units of x: a q saturated to 64 bits
	 * wrapped to 0 at a unit of 1.  Saturates: only ever compared with
	 * a budget, or found past 64 bits. */
	one = c->mixed || x > UINT64_MAX ? kvp__stream_at_x(c, x)
	                                 : kvp__stream_at(c, kvp__cdiv((uint64_t)x, c->unit));
	if (c->streams && one > (most - c->pool) / c->streams)
		return most;
	return c->pool + (unsigned __int128)c->streams * one;
}

/* cost.c: the cost of stage s of p for streams of batch sequences, a
 * policy that varies with the prompt capping each layer as it does at seq
 * (0: the plan's caps), or, where lo < seq, at most as it does at any of
 * lo..seq (a bound of the cost over them). */
void kvp__cost_over(const kvp_plan *p, uint32_t stage, uint64_t batch, uint64_t lo,
                    uint64_t seq, struct kvp__cost *c);

#endif
