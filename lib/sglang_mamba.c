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
 * states under extra_buffer with the overlap schedule (1 without it, or
 * under extra_buffer_lazy), 1 without the radix cache.  The default
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
	uint8_t strategy = r->mamba_strategy;

	if (r->engine != KVP_ENGINE_SGLANG || !kvp_model_count_layers(m, KVP_LAYER_RECURRENT))
		return 0;
	/* _calculate_mamba_ratio: 1 without the radix cache; else 3, and
	 * the track states of extra_buffer, 2 with the overlap schedule,
	 * 1 without it or lazily (extra_buffer_lazy).  auto resolves to
	 * extra_buffer where the overlap schedule is on or pages are larger
	 * than 1 (_mamba_radix_cache_resolution: wants_overlap or
	 * wants_paging). */
	if (r->disable_radix_cache)
		return 1;
	if (strategy == KVP_MAMBA_STRATEGY_AUTO)
		strategy = kvp__sglang_since(r, 518) &&
		           kvp__model_type_in(m, extra, sizeof extra / sizeof extra[0]) &&
		           (!r->disable_overlap_schedule || r->block_size > 1)
		           ? KVP_MAMBA_STRATEGY_EXTRA_BUFFER : KVP_MAMBA_STRATEGY_NO_BUFFER;
	if (strategy == KVP_MAMBA_STRATEGY_NO_BUFFER)
		return 3;
	return strategy == KVP_MAMBA_STRATEGY_EXTRA_BUFFER && !r->disable_overlap_schedule ? 5 : 4;
}

kvp_status kvp__sglang_mamba_check(const kvp_request *r, kvp_error *err)
{
	if (r->engine != KVP_ENGINE_SGLANG)
		return KVP_OK;
	if (r->mamba_strategy > KVP_MAMBA_STRATEGY_EXTRA_BUFFER_LAZY)
		return kvp__error(err, KVP_ERR_INVALID, "unknown mamba_strategy %u",
		                  (unsigned)r->mamba_strategy);
	/* _calculate_mamba_ratio's assertion */
	if (r->mamba_strategy == KVP_MAMBA_STRATEGY_EXTRA_BUFFER_LAZY &&
	    r->disable_overlap_schedule && !r->disable_radix_cache)
		return kvp__error(err, KVP_ERR_INVALID,
		                  "SGLang's extra_buffer_lazy needs the overlap schedule"
		                  " (disable_overlap_schedule, --disable-overlap-schedule,"
		                  " is incompatible)");
	return KVP_OK;
}

bool kvp__sglang_mamba_applies(const kvp_plan *p)
{
	bool full = false;

	/* A policy's caps are not modelled. */
	if (p->request.engine != KVP_ENGINE_SGLANG || !p->state_total_bytes ||
	    p->request.policy.kind != KVP_POLICY_FULL)
		return false;
	for (uint32_t g = 0; g < p->group_count; g++) {
		const kvp_layer_group *grp = &p->groups[g];

		/* A draft model with recurrent layers of its own: not
		 * modelled. */
		if (grp->draft && grp->kind == KVP_LAYER_RECURRENT)
			return false;
		if (grp->kind != KVP_LAYER_RECURRENT && grp->bytes_per_token && !grp->draft)
			full = true;
	}
	/* A model without attention (no kv heads) has its states' pool and
	 * a tokens' pool of its context that holds no bytes
	 * (lib/sglang_pools.c) */
	return full || kvp__plan_attention_free(p);
}

static uint64_t sat(unsigned __int128 v)
{
	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

/* The states of the recurrent layers stage s holds, per request,
 * saturated; with spec, their verify buffers instead, and *conv of them
 * the conv windows'. */
static uint64_t stage_bytes(const kvp_plan *p, uint32_t s, bool spec, uint64_t *layers,
                            uint64_t *conv)
{
	unsigned __int128 bytes = 0, windows = 0;
	uint64_t n = 0;

	for (uint32_t g = 0; g < p->group_count; g++) {
		const kvp_layer_group *grp = &p->groups[g];
		uint64_t here;

		if (grp->kind != KVP_LAYER_RECURRENT || grp->draft)
			continue;
		here = kvp__stage_group_layers(p, s, g);
		n += here;
		bytes += (unsigned __int128)here *
		         (spec ? grp->spec_state_bytes_per_seq : grp->state_bytes_per_seq);
		windows += (unsigned __int128)here * grp->spec_conv_bytes_per_seq;
	}
	if (layers)
		*layers = n;
	if (conv)
		*conv = sat(windows);
	return sat(bytes);
}

static uint64_t stage_state(const kvp_plan *p, uint32_t s, uint64_t *layers)
{
	return stage_bytes(p, s, false, layers, NULL);
}

/* The requests SGLang's verify buffers are charged for before its tokens'
 * pool is sized: min(max_running_requests // attn_dp, K // ratio), over
 * dp as sglang_reqs.c divides (attn_dp is 1 here: kvplan refuses DP
 * attention with recurrent layers). */
static uint64_t spec_capped(const kvp_plan *p, uint64_t slots)
{
	uint64_t asked = kvp__sglang_worker_running(&p->request);
	uint64_t ratio = p->sglang_state_ratio ? p->sglang_state_ratio : 3;

	return asked < slots / ratio ? asked : slots / ratio;
}

/*
 * With budget the bytes SGLang has for its pools on stage's GPU (rest, in
 * whole bytes), per_req the states of every recurrent layer a request
 * (mamba_cache_per_req), r the ratio (--mamba-full-memory-ratio, 0.9):
 *  - per_req is charged at the share of the stage with the most
 *    recurrent layers, int(per_req x most / all), from PR #33666
 *    (2026-08-05: taken from 0.5.18; before, the whole model's);
 *  - K = --max-mamba-cache-size // attn_dp where given (kvplan refuses
 *    DP attention with recurrent layers: attn_dp 1); under
 *    --disable-radix-cache, --max-running-requests // attn_dp where
 *    given (or set by a draft); else
 *    K = int((rest x r / (1 + r) - per_req) // per_req), the pool's
 *    padding slot reserved by PR #32184 (2026-07-23: taken from 0.5.17;
 *    before, int(rest x r / (1 + r) // per_req)), in Python floats;
 *  - (K + 1) x per_req comes out of the budget (K x per_req before
 *    0.5.17); the KV pool is sized from the rest;
 *  - the pool allocates K + 1 states of this GPU's recurrent layers
 *    (MambaPool, its conv and SSM states with the padding slot 0);
 *  - a running request holds sglang_state_ratio states
 *    (kvp__sglang_state_ratio), so K // ratio requests at once;
 *  - with a draft (D = sglang_spec_tokens, the tokens verified a step)
 *    K is solved jointly with the verify buffers, which are charged
 *    per_req x D for min(max_running_requests // dp, K // ratio)
 *    requests, a padding slot more from 0.5.17; they are allocated once
 *    the tokens' pool is sized (kvp__sglang_mamba_spec).
 * false where not modelled (kvp__sglang_mamba_applies).  K <= 0 is
 * SGLang's "Not enough GPU memory for hybrid (mamba/linear-attention)
 * state cache": slots 0, nothing fits.
 */
bool kvp__sglang_mamba(const kvp_plan *p, uint32_t stage, uint64_t budget,
                       kvp_capacity *c)
{
	const kvp_request *r = &p->request;
	uint64_t all_layers, per_req, charged_per, own, slots = 0, most = 0;
	uint64_t spec = p->sglang_spec_tokens;
	uint64_t state_ratio = p->sglang_state_ratio ? p->sglang_state_ratio : 3;
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
	} else if (r->disable_radix_cache && kvp__sglang_running(r)) {
		/* Without the radix cache a given max_running_requests (or
		 * the 48 a draft sets) is the states. */
		slots = kvp__sglang_worker_running(r);
	} else if (charged_per) {
		double ratio = r->mamba_full_memory_ratio > 0 ? r->mamba_full_memory_ratio : 0.9;
		/* rest x ratio / (1 + ratio), in GB then x 2^30: the same
		 * float as bytes x ratio / (1 + ratio), the scaling by powers
		 * of two being exact. */
		double budget_bytes = (double)budget * ratio / (1.0 + ratio);
		double left = pad ? budget_bytes - (double)charged_per : budget_bytes;
		double each = (double)charged_per;

		/* With a draft, the joint solve: (K + 1) x per_req + (K /
		 * ratio + 1) x D x per_req within the share, so K =
		 * int((share - per_req x (1 + D)) // (per_req x (1 + D /
		 * ratio))); before 0.5.17 int(share // (per_req x (1 + D /
		 * ratio))). */
		if (spec) {
			unsigned __int128 both = (unsigned __int128)charged_per * (1 + (uint64_t)spec);

			left = pad ? budget_bytes - (double)both : budget_bytes;
			each = (double)charged_per * (1.0 + (double)spec / (double)state_ratio);
		}
		if (left > 0)
			slots = kvp__py_floordiv(left, each);
	}
	charged = (unsigned __int128)(pad ? slots + 1 : slots) * charged_per;
	/* The verify buffers, charged at per_req a draft token for the
	 * requests min(max_running_requests // dp, K // ratio), a padding
	 * slot more from 0.5.17 (the same PR). */
	if (spec && slots) {
		unsigned __int128 verify = (unsigned __int128)charged_per * spec *
		                           (spec_capped(p, slots) + (pad ? 1 : 0));

		c->state_spec_charged = sat(verify);
		charged += verify;
	}
	if (slots == 0)
		charged = 0;
	bytes = (unsigned __int128)(slots + 1) * own;
	c->state_slots = slots;
	c->state_bytes = slots == 0 ? 0 : sat(bytes);
	c->state_charged = sat(charged);
	c->max_requests = slots / state_ratio;
	return true;
}

/* The verify buffers MambaPool allocates beside its states
 * (intermediate_ssm_state_cache, intermediate_conv_window_cache): for
 * spec_state_size + 1 requests, spec_state_size being the
 * max_running_requests the tokens' pool leaves (resolve_max_num_reqs:
 * min(max_running_requests // dp, tokens // 2, K // ratio)), each of
 * this GPU's recurrent layers' spec_state_bytes_per_seq. */
void kvp__sglang_mamba_spec(const kvp_plan *p, uint32_t stage, kvp_capacity *c)
{
	uint64_t n, per, conv;

	if (!p->sglang_spec_tokens || !c->state_slots || !c->tokens)
		return;
	n = spec_capped(p, c->state_slots);
	if (c->tokens / 2 < n)
		n = c->tokens / 2;
	per = stage_bytes(p, stage, true, NULL, &conv);
	c->state_spec_slots = n;
	c->state_spec_bytes = sat((unsigned __int128)(n + 1) * per);
	c->state_spec_conv_bytes = sat((unsigned __int128)(n + 1) * conv);
	c->state_bytes = sat((unsigned __int128)c->state_bytes + c->state_spec_bytes);
}
