/*
 * footprint.c — one GPU's memory, part by part: the breakdown a fit
 * reports (weights, cache, the engine's buffers and runtime, reserve, SGLang's
 * request-to-token table, what mem_util holds back, what is left), which
 * sums to the device's memory.  The engine's own buffers come from
 * lib/llama_compute.c (llama.cpp), lib/vllm_profile.c (vLLM's profile
 * run), lib/sglang_preload.c, lib/trtllm_mla.c (TensorRT-LLM's MLA
 * workspace room) and lib/sglang_reqs.c (SGLang's table).
 */
#include <string.h>

#include "engine.h"

/* The recurrent state one GPU of stage holds. */
static uint64_t stage_state(const kvp_plan *p, uint32_t stage)
{
	unsigned __int128 total = 0;

	for (uint32_t g = 0; g < p->group_count; g++)
		total += (unsigned __int128)kvp__stage_group_layers(p, stage, g) *
		         p->groups[g].layer_state_bytes;
	return total > p->stage_bytes[stage] ? p->stage_bytes[stage] : (uint64_t)total;
}

void kvp__fit_footprint(const kvp_plan *p, const kvp_device *d, uint64_t need,
                        uint64_t outside, kvp_fit *fit)
{
	kvp_footprint *f = &fit->footprint;
	const kvp_request *r = &p->request;
	unsigned __int128 sum;

	/* Every field set, none cleared first: a fit is in the planner's
	 * inner loop.  The fit has set draft and activations, which its
	 * budget counted. */
	f->total = kvp__engine_memory(r, d);
	f->weights = fit->weights_per_gpu - f->draft;
	f->adapters = p->lora_stage_bytes[fit->stage];
	f->reserve = r->reserve_bytes;
	/* llama.cpp keeps the embedding in host memory (stages.c). */
	f->host = p->host_bytes;
	if (r->engine == KVP_ENGINE_LLAMA_CPP &&
	    !kvp__add(f->host, p->embedding_bytes, &f->host))
		f->host = UINT64_MAX;
	f->unused = f->over = 0;
	if (r->engine == KVP_ENGINE_EXACT || r->engine == KVP_ENGINE_LLAMA_CPP) {
		/* The cache the plan holds on the GPU of the binding stage. */
		f->state = p->state_total_bytes ? stage_state(p, fit->stage) : 0;
		f->kv = p->stage_bytes[fit->stage] - f->state;
	} else {
		/* The pool the engine allocates from its budget; SGLang's
		 * pool of recurrent states beside it (sglang_mamba.c). */
		f->state = fit->capacity.state_bytes;
		f->kv = fit->capacity.allocated_bytes;
	}
	/* TensorRT-LLM takes mem_util of what the weights leave; the others
	 * mem_util of the device. */
	if (r->engine == KVP_ENGINE_TRTLLM && !r->kv_budget)
		f->held_back = need <= f->total ? f->total - need - fit->budget_bytes -
		                                  fit->mla_workspace_bytes : 0;
	else
		f->held_back = f->total - outside - fit->usable_bytes;
	/* SGLang's page_size padding rows lie past its budget, as
	 * TensorRT-LLM's hybrid pools may by less than a grain (its quota
	 * rounded up): they come out of what mem_util holds back. */
	if ((r->engine == KVP_ENGINE_SGLANG || r->engine == KVP_ENGINE_TRTLLM) &&
	    !r->kv_budget &&
	    (unsigned __int128)f->kv + f->state > fit->budget_bytes) {
		unsigned __int128 over = (unsigned __int128)f->kv + f->state - fit->budget_bytes;
		uint64_t past = over > UINT64_MAX ? UINT64_MAX : (uint64_t)over;

		f->held_back -= past < f->held_back ? past : f->held_back;
	}
	/* SGLang's request-to-token table, allocated after its pool: out of
	 * what its share holds back, past it where larger (kvp_plan_
	 * sglang_reqs).  With no pool it stops first ("Not enough
	 * memory"). */
	f->req_table = 0;
	if (r->engine == KVP_ENGINE_SGLANG && fit->capacity.tokens) {
		kvp_sglang_reqs q;

		if (kvp_capacity_sglang_reqs(p, &fit->capacity, &q)) {
			f->req_table = q.table_bytes;
			f->held_back -= q.table_bytes < f->held_back ? q.table_bytes : f->held_back;
		}
	}
	sum = (unsigned __int128)f->weights + f->draft + f->adapters + f->kv + f->state +
	      f->activations + f->runtime + f->reserve + f->req_table + f->held_back;
	if (sum <= f->total)
		f->unused = f->total - (uint64_t)sum;
	else
		f->over = sum - f->total > UINT64_MAX ? UINT64_MAX : (uint64_t)(sum - f->total);
}

/* SGLang sizes its pools as if each draft layer were as large as the
 * model's (pool_configurator.py), and at max_total_num_tokens rows a draft
 * whose pool under decode context parallelism is dcp times them
 * (kv_cache_configurator.py loc_space_scale). */
uint64_t kvp_fit_pool_overrun(const kvp_plan *p, const kvp_fit *fit)
{
	const kvp_capacity *c;
	uint64_t rows, per_token;
	unsigned __int128 need;

	if (!p || !fit || p->request.engine != KVP_ENGINE_SGLANG || !p->draft_layers)
		return 0;
	c = &fit->capacity;
	if (c->swa_tokens || !c->tokens)
		return 0;
	/* Its pools' bytes a row: the allocation over its rows,
	 * max_total_num_tokens (log_tokens: dcp times fewer than the tokens
	 * under decode context parallelism), and the padding page. */
	rows = c->log_tokens + kvp__engine_block(&p->request);
	per_token = c->allocated_bytes / rows;
	need = (unsigned __int128)c->log_tokens * per_token;
	if (need <= fit->budget_bytes)
		return 0;
	need -= fit->budget_bytes;
	return need > UINT64_MAX ? UINT64_MAX : (uint64_t)need;
}
