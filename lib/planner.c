/*
 * planner.c — one request of one model at many contexts and batches, on a
 * list of devices (a capacity tool's sweep, kvplan --sweep).
 *
 * A plan's cache on one GPU is a function of the context that the solvers
 * already hold as a cost (lib/cost.c): pool + streams x (fixed + sum of
 * slope x min(q, cap)), stage by stage.  For a request whose layer groups,
 * bytes a token and budgets do not depend on the seq or the batch, the
 * planner plans once (at the shortest context, one sequence), keeps each
 * stage's cost and each device's budgets, and answers a point from them:
 * each stage's bytes are its cost at seq for batch streams (the total on
 * every tensor-parallel rank and data-parallel replica), the largest
 * batch and the longest contexts the same closed forms kvp_plan_fit
 * takes, and the stage that binds its own choice (kvp__binding_stage).
 * The longest contexts depend on the batch alone, so each device keeps
 * them for the last batch asked.  Any other request, and any point near 64 bits or that
 * kvp_plan_compute refuses, is planned whole, so every point is what
 * kvp_plan_compute and kvp_plan_fit give (tests/test_planner.c).
 */
#include <string.h>

#include "cost.h"
#include "engine.h"

#define DEVICES_MAX 64
/* Points whose cache reaches this are planned whole: far below 2^64, so
 * that no figure a whole plan works out beside the cache (the exact
 * model's, in the request's state type) can overflow where the cost's
 * does not. */
#define FAST_LIMIT (UINT64_C(1) << 56)

struct device_fit {
	uint64_t budget[KVP_PP_MAX]; /* each stage's budget */
	uint64_t check[KVP_PP_MAX];  /* ... less what the engine's fit check
	                              * holds back (vLLM's null block): the
	                              * answers' and fits_hbm's */
	uint64_t blocks[KVP_PP_MAX]; /* an engine's pool: each stage's blocks
	                              * (with several stages) */
	bool room;           /* a budget given, or weights and buffers fit */
	bool pooled;         /* SGLang's pools decide the fit */
	uint64_t held_batch; /* the batch of the longest contexts held; 0 none */
	uint64_t seq_l2, seq;
	bool seq_l2_unbounded, seq_unbounded;
};

struct kvp_planner {
	kvp_model model;
	kvp_request request;
	size_t n_devices;
	kvp_device *devices;     /* n_devices of each, after the planner */
	struct device_fit *fits;
	bool fast;
	kvp_plan *plan;        /* fast: the plan at the shortest context;
	                        * otherwise the point's */
	struct kvp__cost *one; /* fast: each stage's cost of one stream */
	kvp_plan *scratch;     /* a point planned whole (plan stays the
	                        * fast path's, whatever that point gives) */
};

/* Whether a request's groups, bytes a token and budgets stay the same at
 * every seq and batch, its streams being its sequences: not llama.cpp's
 * (its n_ctx and buffers follow the seq, its unified cache's streams are
 * not the sequences), not a policy whose caps follow the prompt, not
 * vLLM's profile run (its step follows the seq) or mamba mode all (a
 * state page each block). */
static bool fast_request(const kvp_request *r)
{
	return r->engine != KVP_ENGINE_LLAMA_CPP && !kvp_policy_varies(&r->policy) &&
	       !r->profile_memory &&
	       !(r->engine == KVP_ENGINE_VLLM &&
	         kvp_engine_mamba_mode(r) == KVP_MAMBA_ALL);
}

/* Plans the request at the shortest context for one sequence, fits it on
 * every device and keeps what a point needs; false (the planner then
 * plans each point whole) where any of that fails. */
static bool prepare(kvp_planner *pl)
{
	kvp_request base = pl->request;
	const kvp_plan *p = pl->plan;
	kvp_fit fit;

	if (!fast_request(&base) || base.gen == UINT64_MAX)
		return false;
	base.seq = base.gen + 1;
	base.batch = 1;
	if (kvp_plan_compute(&pl->model, &base, pl->plan, NULL) != KVP_OK)
		return false;
	for (size_t d = 0; d < pl->n_devices; d++) {
		struct device_fit *f = &pl->fits[d];

		if (kvp__plan_fit(p, &pl->devices[d], &fit, &f->room, NULL) != KVP_OK)
			return false;
		/* SGLang's draft pools past the device (kvp__plan_fit:
		 * nothing fits, its answers 0): every point planned whole. */
		if (fit.footprint.over && !p->request.kv_budget &&
		    kvp_fit_pool_overrun(p, &fit))
			return false;
		memcpy(f->budget, fit.stage_budget, p->stages * sizeof f->budget[0]);
		kvp__check_budgets(p, f->budget, f->check);
		if (kvp__stage_blocks(p, f->budget, f->blocks, NULL) != KVP_OK)
			return false;
		f->pooled = fit.pooled;
		f->held_batch = 0;
	}
	pl->one = kvp__malloc(p->stages * sizeof *pl->one);
	if (!pl->one)
		return false;
	for (uint32_t s = 0; s < p->stages; s++)
		kvp__stage_cost(p, s, 1, 0, &pl->one[s]);
	return true;
}

kvp_status kvp_planner_new(const kvp_model *model, const kvp_request *request,
                           const kvp_device *devices, size_t n_devices,
                           kvp_planner **out, kvp_error *err)
{
	kvp_planner *pl;
	kvp_status st;

	if (!out)
		return kvp__error(err, KVP_ERR_INVALID, "no planner given");
	*out = NULL;
	if (!model || !request || !devices)
		return kvp__error(err, KVP_ERR_INVALID, "no model, request or devices given");
	if (n_devices == 0 || n_devices > DEVICES_MAX)
		return kvp__error(err, KVP_ERR_INVALID, "%zu devices: a planner takes 1 to %d",
		                  n_devices, DEVICES_MAX);
	for (size_t d = 0; d < n_devices; d++)
		if ((st = kvp_device_check(&devices[d], err)) != KVP_OK)
			return st;
	/* The planner, then its devices and their fits, in one block. */
	pl = kvp__malloc(sizeof *pl + n_devices * (sizeof *pl->devices + sizeof *pl->fits));
	if (!pl)
		return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
	pl->devices = (kvp_device *)(pl + 1);
	pl->fits = (struct device_fit *)(pl->devices + n_devices);
	pl->one = NULL;
	pl->plan = kvp__malloc(sizeof *pl->plan);
	pl->scratch = kvp__malloc(sizeof *pl->scratch);
	if (!pl->plan || !pl->scratch) {
		kvp_planner_free(&pl);
		return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
	}
	pl->model = *model;
	if ((st = kvp_model_finalize(&pl->model, err)) != KVP_OK) {
		kvp_planner_free(&pl);
		return st;
	}
	pl->request = *request;
	pl->n_devices = n_devices;
	memcpy(pl->devices, devices, n_devices * sizeof devices[0]);
	pl->fast = prepare(pl);
	*out = pl;
	return kvp__error_clear(err);
}

/* The point planned whole. */
static kvp_status whole_point(kvp_planner *pl, uint64_t seq, uint64_t batch,
                              kvp_point *point, kvp_point_fit *fits, kvp_error *err)
{
	kvp_request r = pl->request;
	kvp_status st;

	r.seq = seq;
	r.batch = batch;
	if ((st = kvp_plan_compute(&pl->model, &r, pl->scratch, err)) != KVP_OK)
		return st;
	point->cache_total_bytes = pl->scratch->cache_total_bytes;
	point->kv_bytes_per_gpu = pl->scratch->kv_bytes_per_gpu;
	for (size_t d = 0; d < pl->n_devices; d++) {
		kvp_fit fit;

		memset(&fits[d], 0, sizeof fits[d]);
		st = kvp_plan_fit(pl->scratch, &pl->devices[d], &fit, err);
		fits[d].status = st;
		if (st == KVP_ERR_OVERFLOW)
			continue;
		if (st != KVP_OK)
			return st;
		fits[d].fits_l2 = fit.fits_l2;
		fits[d].fits_hbm = fit.fits_hbm;
		fits[d].max_batch_hbm = fit.max_batch_hbm;
		fits[d].max_seq_hbm = fit.max_seq_hbm;
		fits[d].max_seq_hbm_unbounded = fit.max_seq_hbm_unbounded;
		fits[d].max_seq_l2 = fit.max_seq_l2;
		fits[d].max_seq_l2_unbounded = fit.max_seq_l2_unbounded;
		fits[d].budget_bytes = fit.budget_bytes;
	}
	return kvp__error_clear(err);
}

/* Device f's longest contexts of batch sequences, as kvp_plan_fit's
 * solvers answer them: SGLang's and TensorRT-LLM's hybrid models' through
 * their pools, the rest from each
 * stage's cost of batch streams, the least of the stages'. */
static void longest(const kvp_planner *pl, const kvp_device *dev, struct device_fit *f,
                    uint64_t batch)
{
	if (kvp__pool_admits(pl->plan)) {
		kvp__plan_max_seq_in(pl->plan, NULL, dev->l2_bytes, batch, false, &f->seq_l2,
		                     &f->seq_l2_unbounded);
		kvp__plan_max_seq_in(pl->plan, f->check, 0, batch, true, &f->seq,
		                     &f->seq_unbounded);
	} else {
		kvp__costs_max_seq(pl->one, pl->plan->stages, batch, NULL, dev->l2_bytes,
		                   &f->seq_l2, &f->seq_l2_unbounded);
		kvp__costs_max_seq(pl->one, pl->plan->stages, batch, f->check, 0, &f->seq,
		                   &f->seq_unbounded);
	}
	f->held_batch = batch;
}

kvp_status kvp_planner_point(kvp_planner *pl, uint64_t seq, uint64_t batch,
                             kvp_point *point, kvp_point_fit *fits, kvp_error *err)
{
	unsigned __int128 one[KVP_PP_MAX], total = 0;
	uint64_t bytes[KVP_PP_MAX], most = 0;
	uint32_t stages;

	if (!pl || !point || !fits)
		return kvp__error(err, KVP_ERR_INVALID, "no planner, point or fits given");
	point->seq = seq;
	point->batch = batch;
	/* What kvp_plan_compute refuses, it says why. */
	if (!pl->fast || seq == 0 || batch == 0 || pl->request.gen >= seq)
		return whole_point(pl, seq, batch, point, fits, err);
	stages = pl->plan->stages;
	for (uint32_t s = 0; s < stages; s++) {
		unsigned __int128 b;

		one[s] = kvp__cost_at(&pl->one[s], seq) - pl->one[s].pool;
		b = pl->one[s].pool + one[s] * batch;
		if (b >= FAST_LIMIT || (batch > 1 && one[s] >= FAST_LIMIT))
			return whole_point(pl, seq, batch, point, fits, err);
		bytes[s] = (uint64_t)b;
		total += b;
		if (bytes[s] > most)
			most = bytes[s];
	}
	/* Every rank holds its stage's share, and each replica again
	 * (kvp__plan_parallel, kvp__stage_gpus). */
	total *= kvp__stage_gpus(&pl->request);
	if (total >= FAST_LIMIT)
		return whole_point(pl, seq, batch, point, fits, err);
	point->cache_total_bytes = (uint64_t)total;
	point->kv_bytes_per_gpu = most;
	for (size_t d = 0; d < pl->n_devices; d++) {
		struct device_fit *f = &pl->fits[d];
		kvp_point_fit *out = &fits[d];
		uint64_t largest = UINT64_MAX;
		bool within = true, any = false;

		if (kvp__pool_admits(pl->plan)) {
			any = kvp__plan_max_batch_in(pl->plan, f->check, 0, seq, &largest);
			for (uint32_t s = 0; s < stages; s++)
				within = within && bytes[s] <= f->check[s];
		} else {
			/* The least of the stages' that cache. */
			for (uint32_t s = 0; s < stages; s++) {
				uint64_t b;

				within = within && bytes[s] <= f->check[s];
				if (!kvp__cost_max_batch(&pl->one[s], f->check[s], one[s], &b))
					continue;
				any = true;
				if (b < largest)
					largest = b;
			}
		}
		if (!any) /* caches nothing: kvp_plan_fit says so */
			return whole_point(pl, seq, batch, point, fits, err);
		if (f->held_batch != batch)
			longest(pl, &pl->devices[d], f, batch);
		out->status = KVP_OK;
		out->fits_l2 = most <= pl->devices[d].l2_bytes;
		out->max_batch_hbm = largest;
		out->fits_hbm = f->room && (f->pooled ? largest >= batch : within);
		out->max_seq_hbm = f->seq;
		out->max_seq_hbm_unbounded = f->seq_unbounded;
		out->max_seq_l2 = f->seq_l2;
		out->max_seq_l2_unbounded = f->seq_l2_unbounded;
		out->budget_bytes = f->budget[stages > 1 ? kvp__binding_stage(pl->plan, f->budget,
		                                                              bytes, f->blocks)
		                                         : 0];
	}
	return kvp__error_clear(err);
}

bool kvp_planner_fast(const kvp_planner *pl)
{
	return pl && pl->fast;
}

void kvp_planner_free(kvp_planner **pl)
{
	if (!pl || !*pl)
		return;
	kvp__free((*pl)->one);
	kvp__free((*pl)->scratch);
	kvp__free((*pl)->plan);
	kvp__free(*pl);
	*pl = NULL;
}
