/*
 * llama_fa.c — the inverse questions for llama.cpp where its compute
 * buffer grows with the context (lib/llama_compute.c): without flash
 * attention it holds the attention's scores over every cell of a stream,
 * and split over stages four pinned copies of the mask: the
 * longest context and the largest batch whose cache and compute buffer
 * both fit what each stage's weights, adapters and reserve leave.  The
 * cache and the buffer never decrease with the context or the batch, so
 * each answer is found by doubling and then bisection, exact at its
 * boundary.
 */
#include "engine.h"

/* Whether batch sequences of seq tokens fit every stage: its cache and
 * its compute buffer within room[s]. */
static bool fits(const kvp_plan *p, const uint64_t *room, uint64_t seq, uint64_t batch)
{
	for (uint32_t s = 0; s < p->stages; s++) {
		/* The context asked of the solvers is n_ctx itself, as the
		 * cache's answers take it. */
		uint64_t cache, compute = kvp__llama_compute(p, seq, batch, 0, s + 1 == p->stages);

		if (compute > room[s] ||
		    kvp_plan_stage_bytes_at(p, s, seq, batch, &cache, NULL) != KVP_OK ||
		    cache > room[s] - compute)
			return false;
	}
	return true;
}

/* The largest n in [0, UINT64_MAX] with fits_n(n), fits_n(0) holding and
 * non-increasing past the first misfit; *open when every n fits.  at(n)
 * is seq or batch. */
static uint64_t largest(const kvp_plan *p, const uint64_t *room, bool of_seq,
                        uint64_t fixed, bool *open)
{
	uint64_t lo = 0, hi = 1;

	*open = false;
	/* The first power of two that does not fit. */
	while (of_seq ? fits(p, room, hi, fixed) : fits(p, room, fixed, hi)) {
		lo = hi;
		if (hi > UINT64_MAX / 2) {
			*open = true;
			return UINT64_MAX;
		}
		hi *= 2;
	}
	/* lo fits (or is 0), hi does not. */
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (of_seq ? fits(p, room, mid, fixed) : fits(p, room, fixed, mid))
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

void kvp__llama_fa_answers(const kvp_plan *p, const uint64_t *room, uint64_t *seq,
                           bool *seq_unbounded, uint64_t *batch)
{
	bool open;

	*seq = largest(p, room, true, p->request.batch, seq_unbounded);
	*batch = largest(p, room, false, p->request.seq, &open);
}
