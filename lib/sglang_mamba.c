/*
 * sglang_mamba.c — SGLang's pool of recurrent states (MambaPool) for a
 * model with recurrent layers: the states it keeps (max_mamba_cache_size),
 * what it takes of the budget before the KV pool is sized from the rest,
 * what it allocates on each GPU, and the requests at once it admits.
 * Read in python/sglang/srt/mem_cache/kv_cache_configurator.py
 * (KVCacheConfigurator._profile_available_bytes, _handle_max_mamba_cache,
 * _calculate_mamba_ratio, resolve_max_num_reqs) at main of late 2026
 * (003fca80); before the configurator moved there, the same in
 * model_executor/model_runner_kv_cache_mixin.py handle_max_mamba_cache.
 */
#include "engine.h"
#include "internal.h"

/* The states a running request holds in SGLang's pool of states
 * (_calculate_mamba_ratio): 3 under no_buffer, plus 2 ping-pong track
 * states under extra_buffer with the overlap schedule.  The default
 * strategy "auto" was no_buffer (server_args.py
 * _handle_missing_default_values, which issue #27418 of 2026-06-06
 * quotes); it now resolves to extra_buffer where the overlap schedule
 * is on (its default on CUDA) and the architecture is one of
 * _MAMBA_EXTRA_BUFFER_ARCHS on the triton linear-attention backend
 * (arg_groups/overrides.py _mamba_radix_cache_resolution,
 * supports_mamba_cache_extra_buffer, main of late 2026).  The release
 * of that change is not established; 0.5.18 is the first whose
 * published log shows it ("max_running_requests is capped to 24 by the
 * mamba state cache" of 124 states, Qwen3_5ForConditionalGeneration on
 * an H100, 2026-08), so kvplan takes it from 0.5.18.  0 where the plan
 * is not SGLang's or the model has no recurrent layers. */
uint32_t kvp__sglang_state_ratio(const kvp_model *m, const kvp_request *r)
{
	static const char *const extra[] = {
		"qwen3_next", "qwen3_5", "nemotron_h", "falcon_h1", "granitemoehybrid",
		"kimi_linear", "bailing_moe_v2_5",
	};
	bool recurrent = false;

	if (r->engine != KVP_ENGINE_SGLANG)
		return 0;
	for (uint32_t i = 0; i < m->pattern_len && !recurrent; i++)
		recurrent = m->pattern[i] == KVP_LAYER_RECURRENT;
	if (!recurrent)
		return 0;
	return kvp__sglang_since(r, 518) && kvp__model_type_in(m, extra, sizeof extra / sizeof extra[0])
	       ? 5 : 3;
}

bool kvp__sglang_mamba_applies(const kvp_plan *p)
{
	bool full = false;

	/* A draft's speculative intermediate states (the spec arms of
	 * _handle_max_mamba_cache) are not modelled, nor a policy's caps. */
	if (p->request.engine != KVP_ENGINE_SGLANG || !p->state_total_bytes ||
	    p->draft_layers || p->request.policy.kind != KVP_POLICY_FULL)
		return false;
	/* A model of recurrent layers alone sizes its token pool from its
	 * context (_zero_kv_max_tokens): not modelled. */
	for (uint32_t g = 0; g < p->group_count; g++)
		if (p->groups[g].kind != KVP_LAYER_RECURRENT && p->groups[g].bytes_per_token &&
		    !p->groups[g].draft)
			full = true;
	return full;
}

/* The states of the recurrent layers stage s holds, per request,
 * saturated. */
static uint64_t stage_state(const kvp_plan *p, uint32_t s, uint64_t *layers)
{
	unsigned __int128 bytes = 0;
	uint64_t n = 0;

	for (uint32_t g = 0; g < p->group_count; g++) {
		const kvp_layer_group *grp = &p->groups[g];
		uint64_t here;

		if (grp->kind != KVP_LAYER_RECURRENT || grp->draft)
			continue;
		here = kvp__stage_group_layers(p, s, g);
		n += here;
		bytes += (unsigned __int128)here * grp->state_bytes_per_seq;
	}
	if (layers)
		*layers = n;
	return bytes > UINT64_MAX ? UINT64_MAX : (uint64_t)bytes;
}

/*
 * With budget the bytes SGLang has for its pools on stage's GPU (rest, in
 * whole bytes), per_req the states of every recurrent layer a request
 * (mamba_cache_per_req), r the ratio (--mamba-full-memory-ratio, 0.9):
 *  - per_req is charged at the share of the stage with the most
 *    recurrent layers, int(per_req x most / all), from PR #33666
 *    (2026-08-05: taken from 0.5.18; before, the whole model's);
 *  - K = --max-mamba-cache-size // attn_dp where given (kvplan refuses
 *    DP attention with recurrent layers: attn_dp 1); else
 *    K = int((rest x r / (1 + r) - per_req) // per_req), the pool's
 *    padding slot reserved by PR #32184 (2026-07-23: taken from 0.5.17;
 *    before, int(rest x r / (1 + r) // per_req)), in Python floats;
 *  - (K + 1) x per_req comes out of the budget (K x per_req before
 *    0.5.17); the KV pool is sized from the rest;
 *  - the pool allocates K + 1 states of this GPU's recurrent layers
 *    (MambaPool, its conv and SSM states with the padding slot 0);
 *  - a running request holds sglang_state_ratio states
 *    (kvp__sglang_state_ratio), so K // ratio requests at once.
 * false where not modelled (kvp__sglang_mamba_applies).  K <= 0 is
 * SGLang's "Not enough GPU memory for hybrid (mamba/linear-attention)
 * state cache": slots 0, nothing fits.
 */
bool kvp__sglang_mamba(const kvp_plan *p, uint32_t stage, uint64_t budget,
                       kvp_capacity *c)
{
	const kvp_request *r = &p->request;
	uint64_t all_layers, per_req, charged_per, own, slots = 0, most = 0;
	unsigned __int128 charged, bytes;
	bool pad = kvp__sglang_since(r, 517);

	if (!kvp__sglang_mamba_applies(p))
		return false;
	per_req = stage_state(p, 0, NULL);
	if (p->stages > 1) {
		/* The whole model's states, and the most a stage holds. */
		uint64_t n;

		per_req = 0;
		all_layers = 0;
		for (uint32_t s = 0; s < p->stages; s++) {
			if (!kvp__add(per_req, stage_state(p, s, &n), &per_req))
				per_req = UINT64_MAX;
			all_layers += n;
			most = n > most ? n : most;
		}
		charged_per = per_req;
		if (kvp__sglang_since(r, 518) && all_layers) {
			double scaled = (double)per_req * ((double)most / (double)all_layers);

			charged_per = scaled >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)scaled;
		}
	} else {
		charged_per = per_req;
	}
	own = stage_state(p, stage, NULL);
	if (r->max_mamba_cache_size) {
		slots = r->max_mamba_cache_size;
	} else if (charged_per) {
		double ratio = r->mamba_full_memory_ratio > 0 ? r->mamba_full_memory_ratio : 0.9;
		/* rest x ratio / (1 + ratio), in GB then x 2^30: the same
		 * float as bytes x ratio / (1 + ratio), the scaling by powers
		 * of two being exact. */
		double budget_bytes = (double)budget * ratio / (1.0 + ratio);
		double left = pad ? budget_bytes - (double)charged_per : budget_bytes;

		if (left > 0)
			slots = kvp__py_floordiv(left, (double)charged_per);
	}
	charged = (unsigned __int128)(pad ? slots + 1 : slots) * charged_per;
	if (slots == 0)
		charged = 0;
	bytes = (unsigned __int128)(slots + 1) * own;
	c->state_slots = slots;
	c->state_bytes = slots == 0 ? 0 : bytes > UINT64_MAX ? UINT64_MAX : (uint64_t)bytes;
	c->state_charged = charged > UINT64_MAX ? UINT64_MAX : (uint64_t)charged;
	c->max_requests = p->sglang_state_ratio ? slots / p->sglang_state_ratio : slots / 3;
	return true;
}
