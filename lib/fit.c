/*
 * fit.c — where a cache fits: L2 (whole cache, one layer, longest context)
 * and HBM (weights + cache + reserve within the usable share), with the
 * inverse problems (longest context, largest batch) solved in closed form.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "engine.h"

/* floor(bytes * share) for share in (0, 1], share taken at the double's
 * exact binary value (0.9 is 0.90000000000000002220..., 0.3 is
 * 0.29999999999999998889...), so the result is exactly what the formula
 * says, with no rounding of share first.  share = m * 2^-shift with m the
 * 53-bit integer significand; bytes * m < 2^117 is exact in 128 bits, and
 * shifting it right floors.  Subnormal shares come out the same way (a
 * shift of 128 or more leaves 0).  The result is at most bytes. */
static uint64_t floor_share(uint64_t bytes, double share)
{
	uint64_t bits, m;
	int e, shift;

	/* IEEE 754 binary64: share = m * 2^(e - 1075), m the 52-bit
	 * fraction with its leading 1 when the exponent field e is not 0
	 * (a subnormal has none, and is m * 2^-1074). */
	memcpy(&bits, &share, sizeof bits);
	e = (int)(bits >> 52 & 0x7ff);
	m = bits & ((UINT64_C(1) << 52) - 1);
	if (e != 0)
		m |= UINT64_C(1) << 52;
	shift = 1075 - (e ? e : 1); /* share <= 1, so shift >= 52 */
	if (shift >= 128)
		return 0;
	return (uint64_t)(((unsigned __int128)bytes * m) >> shift);
}

void kvp_fit_options_init(kvp_fit_options *options)
{
	if (!options)
		return;
	options->weights_dtype = KVP_DTYPE_FP16;
	options->mem_util = 0.90;
	options->reserve_bytes = 0;
}


/* What each stage needs before its cache, and its activations. */
struct stage_needs {
	uint64_t need[KVP_PP_MAX];
	uint64_t workspace[KVP_PP_MAX]; /* TensorRT-LLM's MLA workspace room */
	uint64_t admitted[KVP_PP_MAX];  /* ... and the tokens it admits */
	uint64_t activations[KVP_PP_MAX];
	uint64_t graphs[KVP_PP_MAX];    /* vLLM's CUDA graphs, of activations */
	uint64_t runtime[KVP_PP_MAX];   /* vLLM's non-torch memory and graphs,
	                                 * of activations */
	bool need_ok[KVP_PP_MAX];
};

/* Each stage's budget (fit->stage_budget): the device's usable share less
 * its weights, the engine's buffers (vLLM's profile run samples on the
 * last stage alone), adapters and the reserve; total, the memory the
 * engine sizes from (kvp__engine_memory).  *all_ok: every stage's need
 * fits the usable share. */
static void stage_budgets(const kvp_plan *plan, uint64_t total, kvp_fit *fit,
                          uint64_t seqs, bool *all_ok, struct stage_needs *n)
{
	const kvp_request *r = &plan->request;
	uint64_t least = UINT64_MAX;

	*all_ok = true;
	for (uint32_t s = 0; s < plan->stages; s++) {
		uint64_t need, budget;
		int ok;

		n->workspace[s] = n->admitted[s] = n->graphs[s] = n->runtime[s] = 0;
		n->activations[s] = s + 1 == plan->stages ? plan->compute_bytes
		                                           : plan->compute_other_bytes;
		if (r->profile_memory &&
		    !kvp__add(n->activations[s],
		              kvp__vllm_profile_bytes(plan, fit->batched_tokens, seqs,
		                                      fit->cuda_graphs, s, &n->graphs[s],
		                                      &n->runtime[s]),
		              &n->activations[s]))
			n->activations[s] = UINT64_MAX;
		ok = kvp__add(fit->stage_weights[s], r->reserve_bytes, &need) &&
		     kvp__add(need, n->activations[s], &need) &&
		     kvp__add(need, plan->lora_stage_bytes[s], &need);
		n->need[s] = need;
		n->need_ok[s] = ok;
		if (r->kv_budget) {
			budget = r->kv_budget;
		} else if (r->engine == KVP_ENGINE_TRTLLM) {
			/* TensorRT-LLM takes its fraction of the memory free
			 * once the weights are loaded (_torch/pyexecutor/
			 * _util.py), total the memory it sizes from. */
			budget = ok && need <= total ? floor_share(total - need, fit->mem_util) : 0;
			n->workspace[s] = budget - kvp__trtllm_mla_budget(plan, s, budget,
			                                                  &n->admitted[s]);
			budget -= n->workspace[s];
		} else {
			budget = ok && need <= fit->usable_bytes ? fit->usable_bytes - need : 0;
		}
		/* TensorRT-LLM's weights may take what its fraction leaves
		 * of the whole device, not only of the usable share. */
		if (!ok || need > (r->engine == KVP_ENGINE_TRTLLM && !r->kv_budget
		                   ? total : fit->usable_bytes))
			*all_ok = false;
		fit->stage_budget[s] = budget;
		if (budget < least)
			least = budget;
	}
	/* SGLang measures the memory free after loading as the least over
	 * every rank (model_runner.py profile_max_num_token:
	 * get_available_gpu_memory(distributed=True), an all-reduce MIN):
	 * every stage gets the tightest one's budget. */
	if (r->engine == KVP_ENGINE_SGLANG && !r->kv_budget)
		for (uint32_t s = 0; s < plan->stages; s++)
			fit->stage_budget[s] = least;
}

void kvp__check_budgets(const kvp_plan *p, const uint64_t *budget, uint64_t *check)
{
	for (uint32_t s = 0; s < p->stages; s++) {
		uint64_t held = kvp_plan_held_bytes(p, s);

		check[s] = budget[s] > held ? budget[s] - held : 0;
	}
}

/* Whether stage s binds rather than stage b: the engine's fewer blocks
 * (SGLang tokens); exact and llama.cpp, which take no pool, the less room
 * left.  Ties go to the stage with more cache. */
static bool binds_before(kvp_engine e, const uint64_t *budget, const uint64_t *bytes,
                         const uint64_t *blocks, uint32_t s, uint32_t b)
{
	if (e == KVP_ENGINE_EXACT || e == KVP_ENGINE_LLAMA_CPP) {
		/* budget[s] - bytes[s] < budget[b] - bytes[b], without sign */
		unsigned __int128 ls = (unsigned __int128)budget[s] + bytes[b],
		                  lb = (unsigned __int128)budget[b] + bytes[s];

		if (ls != lb)
			return ls < lb;
	} else if (blocks[s] != blocks[b]) {
		return blocks[s] < blocks[b];
	}
	return bytes[s] > bytes[b];
}

/* Of the stages with a pool (exact and llama.cpp, or one stage: every
 * stage), the one that binds; with none, the one with the most cache. */
uint32_t kvp__binding_stage(const kvp_plan *p, const uint64_t *budget, const uint64_t *bytes,
                            const uint64_t *blocks)
{
	kvp_engine e = p->request.engine;
	bool every = e == KVP_ENGINE_EXACT || e == KVP_ENGINE_LLAMA_CPP || p->stages == 1;
	uint32_t stage = 0;
	bool found = false;

	for (uint32_t s = 0; s < p->stages; s++) {
		if (!every && !kvp__stage_pools(p, s))
			continue;
		if (!found || binds_before(e, budget, bytes, blocks, s, stage)) {
			stage = s;
			found = true;
		}
	}
	return found ? stage : kvp__largest_stage(bytes, p->stages);
}

kvp_status kvp__stage_blocks(const kvp_plan *p, const uint64_t *budget, uint64_t *blocks,
                             kvp_error *err)
{
	kvp_engine e = p->request.engine;
	kvp_capacity c;
	kvp_status st;
	uint64_t least;

	if (p->stages == 1 || e == KVP_ENGINE_EXACT || e == KVP_ENGINE_LLAMA_CPP)
		return KVP_OK;
	least = kvp__trtllm_tokens(p, budget, 0);
	for (uint32_t s = 0; s < p->stages; s++) {
		if (!kvp__stage_pools(p, s))
			continue;
		if ((st = kvp__stage_capacity(p, s, budget[s], least, &c, err)) != KVP_OK)
			return st;
		blocks[s] = c.blocks;
	}
	return KVP_OK;
}

/* Whether SGLang's pools, or TensorRT-LLM's hybrid ones, not the bytes,
 * decide the fit: on every stage that caches (kvp__sglang_pooled,
 * kvp__trtllm_hybrid), as max_batch counts them. */
static bool pooled(const kvp_plan *p)
{
	/* vLLM's groups with padding layers: its block ids, not the bytes,
	 * bound the batch (kvp__vllm_pool) */
	if (p->request.engine == KVP_ENGINE_VLLM) {
		bool any = false;

		for (uint32_t s = 0; s < p->stages; s++)
			if (kvp__stage_pools(p, s)) {
				if (!kvp__vllm_pool(p, s, 0, NULL))
					return false;
				any = true;
			}
		return any;
	}
	if (p->request.engine != KVP_ENGINE_SGLANG && p->request.engine != KVP_ENGINE_TRTLLM)
		return false;
	for (uint32_t s = 0; s < p->stages; s++)
		if (kvp__stage_pools(p, s) &&
		    !(p->request.engine == KVP_ENGINE_SGLANG ? kvp__sglang_pooled(p, s)
		                                             : kvp__trtllm_hybrid(p, s)))
			return false;
	return true;
}

/* The stage whose GPU binds (fit->stage) and its capacity: with several
 * stages, an engine's pools compare their blocks (kvp__binding_stage). */
static kvp_status binding_stage(const kvp_plan *p, kvp_fit *fit, kvp_capacity *out,
                                kvp_error *err)
{
	uint64_t blocks[KVP_PP_MAX], least = kvp__trtllm_tokens(p, fit->stage_budget, 0);
	kvp_status st;

	if ((st = kvp__stage_blocks(p, fit->stage_budget, blocks, err)) != KVP_OK)
		return st;
	fit->stage = kvp__binding_stage(p, fit->stage_budget, p->stage_bytes, blocks);
	/* TensorRT-LLM's hybrid manager: a stage where it does not start
	 * with its own budget binds, one of recurrent layers alone among
	 * them (the others' quotas synced to its no tokens fail after it). */
	for (uint32_t s = 0; s < p->stages; s++) {
		kvp_capacity c = {0};

		if (kvp__trtllm_hybrid_capacity(p, s, fit->stage_budget[s], UINT64_MAX, &c) &&
		    c.state_floor) {
			fit->stage = s;
			break;
		}
	}
	return kvp__stage_capacity(p, fit->stage, fit->stage_budget[fit->stage], least, out,
	                           err);
}

/* kvp__plan_fit, and each stage's need where needs is not NULL. */
static kvp_status plan_fit(const kvp_plan *plan, const kvp_device *device, kvp_fit *out,
                           bool *cache_room_out, struct stage_needs *needs,
                           kvp_error *err)
{
	const kvp_request *r;
	kvp_fit fit; /* every field is set below */
	kvp__fit_answers answers;
	struct stage_needs stages;
	uint64_t draft, seqs, total, preload, check[KVP_PP_MAX];
	uint32_t s;
	bool all_ok, cache_room;
	kvp_status st;

	if (!plan || !out)
		return kvp__error(err, KVP_ERR_INVALID, "no plan or result given");
	if ((st = kvp_device_check(device, err)) != KVP_OK)
		return st;
	r = &plan->request;
	if (!(r->mem_util >= 0 && r->mem_util <= 1))
		return kvp__error(err, KVP_ERR_INVALID,
		                  "memory utilisation %g is outside (0, 1] (or 0, the"
		                  " engine's own)", r->mem_util);
	/* 0: the engine's own share for this device (mem_fraction.c), which
	 * for SGLang on a small device can be nothing at all */
	fit.mem_util = kvp__engine_mem_util(plan, device);
	fit.kv_total_bytes = plan->kv_total_bytes;
	fit.state_total_bytes = plan->state_total_bytes;
	fit.cache_total_bytes = plan->cache_total_bytes;
	fit.kv_layer_bytes = plan->max_layer_bytes;
	fit.cache_per_gpu = plan->kv_bytes_per_gpu;
	/* Counted from a checkpoint or estimated in a format by the plan;
	 * otherwise params at the weights' type. */
	fit.weights_bytes = plan->weights_bytes;
	if (!plan->weights_bytes &&
	    (st = kvp__plain_weights(plan->model_name, plan->params, r->weights_dtype,
	                             &fit.weights_bytes, err)) != KVP_OK)
		return st;
	/* vLLM's step of tokens and sequences on this device, which its
	 * profile run and its buffers of the indexer's indices take. */
	fit.batched_tokens = 0;
	seqs = 0;
	if (r->engine == KVP_ENGINE_VLLM)
		kvp__fit_batch(plan, device, &fit.batched_tokens, &seqs);
	/* Each stage's weights on one of its GPUs (stages.c); a draft's are
	 * on the last stage, over its tp ranks (MTP layers as the model's). */
	draft = kvp__gpu_draft_weights(plan, device, fit.weights_bytes);
	for (uint32_t t = 0; t < plan->stages; t++) {
		uint64_t w = kvp__gpu_weights(plan, device,
		                              kvp__stage_weights(plan, fit.weights_bytes, t), t);
		uint64_t topk = kvp__topk_buffers(plan, fit.batched_tokens, t);

		fit.stage_weights[t] = w;
		if (!kvp__add(w, topk, &fit.stage_weights[t]) ||
		    (t + 1 == plan->stages &&
		     !kvp__add(fit.stage_weights[t], draft, &fit.stage_weights[t])))
			fit.stage_weights[t] = UINT64_MAX;
	}
	if (!kvp__add(fit.weights_bytes, plan->draft_weights_bytes, &fit.weights_bytes)) {
		char label[KVP_QUOTE_MAX];

		return kvp__error(err, KVP_ERR_OVERFLOW, "weights of %s and its draft"
		                  " overflow 64-bit bytes",
		                  kvp__label(plan->model_name, "the model", label));
	}
	fit.fits_l2 = plan->kv_bytes_per_gpu <= device->l2_bytes;
	fit.layer_fits_l2 = plan->max_layer_bytes <= device->l2_bytes;

	/* Any share in (0, 1] is accepted, however small: a usable 0 is a
	 * true answer (nothing fits), not an error. */
	total = kvp__engine_memory(r, device);
	/* SGLang takes its share of what is free before the weights load
	 * (with profile_memory, less its modelled preload). */
	preload = r->engine == KVP_ENGINE_SGLANG ? kvp__sglang_preload(r, device) : 0;
	if (preload > total)
		preload = total;
	if (r->engine != KVP_ENGINE_VLLM) {
		fit.usable_bytes = fit.mem_util > 0 ? floor_share(total - preload, fit.mem_util)
		                                    : 0;
	} else {
		/* vllm/v1/worker/gpu_worker.py: requested_memory =
		 * ceil(total * gpu_memory_utilization), in Python floats. */
		double want = ceil((double)total * fit.mem_util);

		fit.usable_bytes = want >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)want;
		if (fit.usable_bytes > total)
			fit.usable_bytes = total;
	}
	/* vLLM's CUDA graphs, where its profile run is modelled: their
	 * batch sizes on this device, the same for every stage. */
	fit.cuda_graphs = r->profile_memory
	                  ? kvp__vllm_graph_sizes(plan, device, fit.batched_tokens, seqs) : 0;
	stage_budgets(plan, total, &fit, seqs, &all_ok, &stages);
	/* The answers within what the engine's check leaves: vLLM's null
	 * block (kvp_plan_held_bytes); the pool takes the whole budget. */
	kvp__check_budgets(plan, fit.stage_budget, check);
	if ((st = kvp__plan_fit_solve(plan, device->l2_bytes, check, &answers,
	                              err)) != KVP_OK ||
	    (st = binding_stage(plan, &fit, &fit.capacity, err)) != KVP_OK)
		return st;
	/* llama.cpp without flash attention, or split over stages: its
	 * compute buffer grows with the context, so the answers hold it at
	 * their own context. */
	if (plan->attn_cell_bytes && !r->kv_budget) {
		uint64_t room[KVP_PP_MAX];

		/* What each stage's weights, adapters and reserve leave: its
		 * need without the buffer at the request's context. */
		for (uint32_t t = 0; t < plan->stages; t++) {
			uint64_t base = stages.need[t] - stages.activations[t];

			room[t] = stages.need_ok[t] && base <= fit.usable_bytes
			          ? fit.usable_bytes - base : 0;
		}
		kvp__llama_fa_answers(plan, room, &answers.seq, &answers.seq_unbounded,
		                      &answers.batch);
	}
	s = fit.stage;
	fit.weights_per_gpu = fit.stage_weights[s];
	fit.budget_bytes = fit.stage_budget[s];
	fit.topk_buffer_bytes = kvp__topk_buffers(plan, fit.batched_tokens, s);
	fit.mla_workspace_bytes = stages.workspace[s];
	fit.mla_workspace_tokens = stages.admitted[s];
	fit.footprint.draft = s + 1 == plan->stages ? draft : 0;
	/* TensorRT-LLM's MLA workspace room is an activation the budget
	 * counted.  vLLM's non-torch memory and CUDA graphs, and SGLang's
	 * preload (the CUDA context, NCCL), are the runtime's. */
	fit.footprint.runtime = stages.runtime[s] < stages.activations[s] ? stages.runtime[s]
	                                                                  : stages.activations[s];
	if (!kvp__add(stages.activations[s] - fit.footprint.runtime, fit.mla_workspace_bytes,
	              &fit.footprint.activations))
		fit.footprint.activations = UINT64_MAX;
	if (preload && !kvp__add(fit.footprint.runtime, preload, &fit.footprint.runtime))
		fit.footprint.runtime = UINT64_MAX;
	fit.cuda_graph_bytes = r->profile_memory ? stages.graphs[s] : 0;
	fit.max_seq_l2 = answers.seq_l2;
	fit.max_seq_l2_unbounded = answers.seq_l2_unbounded;
	fit.max_seq_hbm = answers.seq;
	fit.max_seq_hbm_unbounded = answers.seq_unbounded;
	fit.max_batch_hbm = answers.batch;
	/* Every stage's cache in its own budget; SGLang: its tokens in the
	 * pools the budget makes, which is what max_batch counts. */
	cache_room = r->kv_budget || all_ok;
	fit.fits_hbm = cache_room;
	for (uint32_t t = 0; t < plan->stages && fit.fits_hbm; t++)
		fit.fits_hbm = plan->stage_bytes[t] <= check[t];
	fit.pooled = pooled(plan);
	if (fit.pooled)
		fit.fits_hbm = cache_room && fit.max_batch_hbm >= r->batch;
	kvp__fit_footprint(plan, device, stages.need_ok[s] ? stages.need[s] : UINT64_MAX, preload,
	                   &fit);
	/* SGLang's pools, sized from the budget whatever the request as if
	 * each draft layer were as large as the model's, past the device (a
	 * draft of larger layers): it runs out of memory as it starts, and
	 * nothing fits.  (Its padding page past the budget alone, at a
	 * mem_util of 1, is not this.) */
	if (!r->kv_budget && fit.footprint.over && kvp_fit_pool_overrun(plan, &fit)) {
		fit.fits_hbm = false;
		fit.max_seq_hbm = fit.max_batch_hbm = 0;
		fit.max_seq_hbm_unbounded = false;
		cache_room = false;
	}
	/* The stages' entries alone: a fit is in the planner's inner loop,
	 * and the rest of the arrays is left as it was. */
	memcpy(out, &fit, offsetof(kvp_fit, stage_weights));
	memcpy(out->stage_weights, fit.stage_weights, plan->stages * sizeof fit.stage_weights[0]);
	memcpy(out->stage_budget, fit.stage_budget, plan->stages * sizeof fit.stage_budget[0]);
	if (cache_room_out)
		*cache_room_out = cache_room;
	if (needs)
		*needs = stages;
	return kvp__error_clear(err);
}

kvp_status kvp__plan_fit(const kvp_plan *plan, const kvp_device *device,
                         kvp_fit *out, bool *cache_room_out, kvp_error *err)
{
	return plan_fit(plan, device, out, cache_room_out, NULL, err);
}

kvp_status kvp_plan_fit(const kvp_plan *plan, const kvp_device *device,
                        kvp_fit *out, kvp_error *err)
{
	return kvp__plan_fit(plan, device, out, NULL, err);
}

kvp_status kvp_plan_stage_need(const kvp_plan *plan, const kvp_device *device,
                               uint32_t stage, uint64_t *need, uint64_t *buffers,
                               kvp_error *err)
{
	struct stage_needs stages;
	kvp_fit fit;
	kvp_status st;

	if (!plan || !need)
		return kvp__error(err, KVP_ERR_INVALID, "no plan or result given");
	if (stage >= plan->stages)
		return kvp__error(err, KVP_ERR_RANGE, "stage %u is past the plan's %u",
		                  stage, plan->stages);
	if ((st = plan_fit(plan, device, &fit, NULL, &stages, err)) != KVP_OK)
		return st;
	/* past 64 bits: saturated, as every need is */
	*need = stages.need_ok[stage] ? stages.need[stage] : UINT64_MAX;
	if (buffers)
		*buffers = stages.activations[stage];
	return KVP_OK;
}

/* The old call: one cache type for K and V, the options as a request's. */
kvp_status kvp_fit_compute(const kvp_model *model, const kvp_device *device,
                           kvp_dtype dtype, uint64_t seq, uint64_t batch,
                           const kvp_fit_options *options, kvp_fit *out,
                           kvp_error *err)
{
	kvp_fit_options defaults;
	kvp_request request;
	kvp_plan plan;
	kvp_status st;

	if (!out)
		return kvp__error(err, KVP_ERR_INVALID, "no result given");
	if ((st = kvp_device_check(device, err)) != KVP_OK)
		return st;
	if (!options) {
		kvp_fit_options_init(&defaults);
		options = &defaults;
	}
	if (!(options->mem_util >= 0 && options->mem_util <= 1))
		return kvp__error(err, KVP_ERR_INVALID,
		                  "memory utilisation %g is outside (0, 1]",
		                  options->mem_util);
	kvp_request_init(&request);
	request.seq = seq;
	request.batch = batch;
	request.dtype_k = request.dtype_v = dtype;
	request.weights_dtype = options->weights_dtype;
	request.mem_util = options->mem_util;
	request.reserve_bytes = options->reserve_bytes;
	if ((st = kvp_plan_compute(model, &request, &plan, err)) != KVP_OK)
		return st;
	return kvp_plan_fit(&plan, device, out, err);
}
