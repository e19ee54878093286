/*
 * explain_sglang.c — kvplan --explain's SGLang lines: its default
 * mem_fraction_static term by term, its request-to-token table, the
 * sliding pool its chunk cache caps, and its pool of recurrent states.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "explain.h"

/* SGLang's default mem_fraction_static for device d, term by term. */
void explain_sglang_share(const struct explainer *e, const kvp_plan *p,
                          const kvp_device *d, double share)
{
	kvp_sglang_reserve t;
	char prefill[64], decode[64], active[192], dpa[96] = "", draft[64] = "";
	kvp_disaggregation role;
	const kvp_request *r = &p->request;

	kvp_plan_sglang_reserve(p, d, &t);
	role = t.role;
	/* the draft tokens as given, before SGLang resolves them */
	if (r->spec_draft_tokens && (r->draft || r->mtp_layers))
		snprintf(draft, sizeof draft, " x speculative_num_draft_tokens %u (as given)",
		         r->spec_draft_tokens);
	if (role == KVP_DISAGG_DECODE && r->max_running_requests)
		snprintf(active, sizeof active, "a decode server's (no vision factor)"
		         " max(max_running_requests %u%s, 2048) x 1.5",
		         r->max_running_requests, draft);
	else if (role == KVP_DISAGG_DECODE)
		snprintf(active, sizeof active, "a decode server's (no vision factor)"
		         " max(cuda_graph_max_bs %.0f%s, 2048) x 1.5", t.decode_max_bs, draft);
	else
		snprintf(active, sizeof active, "max(chunked_prefill_size %.0f, 2048) x 1.5",
		         t.chunked_prefill);
	if (t.decode_graphs > 0)
		snprintf(decode, sizeof decode, "cuda_graph_max_bs %.0f x 2", t.decode_max_bs);
	else
		snprintf(decode, sizeof decode, "no decode CUDA graphs 0%s",
		         role == KVP_DISAGG_PREFILL ? " (a prefill server)" : "");
	/* data-parallel attention's: max_bs x dp x 3 (x 4.5 past 300) */
	if (t.dp_attention > 0)
		snprintf(dpa, sizeof dpa, " + data-parallel attention's %.0f x dp %u x %s",
		         t.decode_max_bs, p->request.dp, t.decode_max_bs > 300 ? "4.5" : "3");
	if (t.prefill_graphs)
		snprintf(prefill, sizeof prefill, "%u prefill CUDA graphs x 8", t.prefill_graphs);
	else
		snprintf(prefill, sizeof prefill, "%s", t.prefill_mib > 0
		         ? "an MLA model's prefill CUDA graphs 1536"
		         : role == KVP_DISAGG_DECODE ? "no prefill CUDA graphs 0 (a decode server)"
		         : "no prefill CUDA graphs 0");
	say(e, "  mem_fraction_static: SGLang's default (%s): gpu_mem %.0f MiB;"
	    " reserved 512 + %s + tp x pp / 8 x 1024"
	    " + %s%s + %s = %.6g MiB%s%s;"
	    " round((%.0f - %.6g) / %.0f, 3) = %.3f",
	    p->request.sglang_version && p->request.sglang_version < 520 ? "server_args"
	    : "memory_hook", t.gpu_mem, active, decode, dpa, prefill,
	    512 + t.activations + t.parallel + t.decode_graphs + t.dp_attention + t.prefill_mib,
	    t.floored ? ", raised to 10,240 above 60 GiB" : "",
	    t.deepep > 0 ? ", + DeepEP's 2048" : "",
	    t.gpu_mem, t.reserved, t.gpu_mem, t.share);
	if (t.share > 0 && t.vlm_factor != 1) {
		char a[32], b[32];

		say(e, "  mem_fraction_static: a multimodal model's"
		    " (adjust_mem_fraction_for_vlm): vision_config.num_hidden_layers %.0f%s x"
		    " hidden_size %u^2 / (24 x 1024^2) = %.17g; 0.95 x min(max(1 - 0.1 x"
		    " (%.17g - 1), 0.8), 1.05) = %s; %.3f x that = %s", t.vlm_layers,
		    p->vision_layers ? "" : " (SGLang's where left out)", p->vision_hidden,
		    t.vlm_ratio, t.vlm_ratio, cli_shortest(t.vlm_factor, a, sizeof a), t.share,
		    cli_shortest(share, b, sizeof b));
	} else if (t.share > 0 && p->request.language_only) {
		say(e, "  mem_fraction_static: --language-only, so no factor for a vision"
		    " encoder (handle_gpu_memory_settings: is_vlm false)");
	}
}

/* SGLang's request-to-token table on device d (kvp_plan_sglang_reqs),
 * allocated after its pool out of what its share holds back. */
void explain_sglang_reqs(const struct explainer *e, const kvp_plan *plan, const kvp_fit *f)
{
	const kvp_request *r = &plan->request;
	const kvp_footprint *fp = &f->footprint;
	kvp_sglang_reqs q;
	/* max_total_num_tokens: the pool's rows on one GPU (under decode
	 * context parallelism the capacity's tokens are dcp times them). */
	uint64_t tokens = f->capacity.log_tokens;
	char cap[160];

	if (r->engine != KVP_ENGINE_SGLANG)
		return;
	if (!kvp_capacity_sglang_reqs(plan, &f->capacity, &q)) {
		if (plan->sglang_context_len)
			say(e, "  request-to-token table: not modelled for recurrent layers with a"
			    " draft or a policy, whose pool of states caps SGLang's requests");
		return;
	}
	if (!tokens) {
		say(e, "  request-to-token table: none, as SGLang with no pool stops first"
		    " (%s)", f->capacity.swa_floor ? "\"SWA pool ... cannot hold even one request\""
		                                   : "\"Not enough memory\"");
		return;
	}
	if (r->max_running_requests)
		snprintf(cap, sizeof cap, "--max-running-requests %u / dp %u",
		         r->max_running_requests, r->dp ? r->dp : 1);
	else
		snprintf(cap, sizeof cap, "tokens / 2 = %s", g(tokens / 2));
	if (r->sglang_max_total_tokens)
		say(e, "  its pool of tokens: at most --max-total-tokens %s, in whole pages"
		    " (the smaller of it and what the budget holds): %s",
		    g(r->sglang_max_total_tokens), g(tokens));
	say(e, "  SGLang's context_len: %s (%s)", g(q.context_len),
	    r->context_length ? "--context-length" : "the model's, as get_context_length derives it");
	if (plan->state_total_bytes)
		snprintf(cap + strlen(cap), sizeof cap - strlen(cap),
		         ", and states %s / %u = %s", g(f->capacity.state_slots),
		         plan->sglang_state_ratio, g(f->capacity.max_requests));
	/* From 0.5.14 an explicit count is bounded by the pool alone. */
	if (r->max_running_requests && (!r->sglang_version || r->sglang_version >= 514))
		say(e, "  requests at once: --max-running-requests %u / dp %u, at most tokens / 2"
		    " = %s%s: %s", r->max_running_requests, r->dp ? r->dp : 1, g(tokens / 2),
		    cap + strcspn(cap, ","), g(q.max_num_reqs));
	else
		say(e, "  requests at once: max(min(int(%s tokens / %s x 512), 4096), 2048), at"
		    " most %s: %s", g(tokens), g(q.context_len), cap, g(q.max_num_reqs));
	if (q.pre_alloc_slots)
		say(e, "  a decode server's rows for the requests it receives: 2 x"
		    " --max-running-requests %u / dp %u = %s (disaggregation_decode_extra_slots)",
		    r->max_running_requests, r->dp ? r->dp : 1, g(q.pre_alloc_slots));
	say(e, "  request-to-token table: (%s%s%s + 1) x (%s + 4) x 4 B = %s B, out of what"
	    " the share holds back (%s B left of it)%s", g(q.max_num_reqs),
	    q.pre_alloc_slots ? " + " : "", q.pre_alloc_slots ? g(q.pre_alloc_slots) : "",
	    g(q.context_len), g(q.table_bytes), g(fp->held_back),
	    !fp->held_back && fp->over ? "; it passes the device's memory" : "");
}

void explain_sglang_swa_cap(const struct explainer *e, const kvp_plan *plan, const kvp_fit *f)
{
	const kvp_request *r = &plan->request;
	const kvp_capacity *c = &f->capacity;

	char rest[96];

	if (!c->swa_cap)
		return;
	if (c->tokens)
		snprintf(rest, sizeof rest, "%s in whole pages; the full pool the rest of the"
		         " budget, %s tokens", g(c->swa_tokens), g(c->tokens));
	else
		snprintf(rest, sizeof rest, "which leave the full pool nothing (SGLang stops:"
		         " \"SWA pool cap ... leaves no room\")");
	say(e, "  sliding pool: SGLang's chunk cache (--disable-radix-cache) sizes it from"
	    " --max-running-requests %u (SWAChunkCapPoolConfigurator: each request's"
	    " sliding_window_size + 128 x the draft tokens + a page + its decode step,"
	    " and %s): %s tokens, %s", kvp_sglang_max_running_requests(r),
	    r->disaggregation == KVP_DISAGG_DECODE &&
	    (!r->sglang_version || r->sglang_version >= 520) ? "the rows of the requests a decode"
	    " server receives" : "the chunks in flight of chunked_prefill_size and a page",
	    g(c->swa_cap), rest);
}

/* Whether the model's windowed layers are chunked (Llama 4's). */
static bool chunked(const kvp_plan *plan)
{
	for (uint32_t g = 0; g < plan->group_count; g++)
		if (plan->groups[g].kind == KVP_LAYER_CHUNKED && !plan->groups[g].draft)
			return true;
	return false;
}

/* SGLang's refusal of a sliding pool too small for one prefill
 * (HybridSWAPoolConfigurator._solve_pool_sizes, main). */
void explain_sglang_swa_floor(const struct explainer *e, const kvp_plan *plan,
                              const kvp_fit *f)
{
	const kvp_capacity *c = &f->capacity;
	uint64_t page = plan->request.block_size ? plan->request.block_size : 1;

	if (!c->swa_floor)
		return;
	/* SGLang's window: a sliding layer's window - 1, Llama 4's chunk. */
	say(e, "  sliding pool: int(full x swa_full_tokens_ratio %g) in whole pages = %s tokens,"
	    " no more than a prefill's sliding_window_size %s (%s) + page_size %s"
	    " = %s: SGLang refuses to start (\"SWA pool (%s tokens) cannot hold even one"
	    " request\"), so nothing fits", plan->request.swa_full_tokens_ratio > 0 ?
	    plan->request.swa_full_tokens_ratio : 0.8,
	    g(c->swa_tokens), g(c->swa_floor - page),
	    chunked(plan) ? "the attention chunk" : "the window - 1",
	    g(page), g(c->swa_floor), g(c->swa_tokens));
}

/* SGLang's pool of recurrent states on device d (lib/sglang_mamba.c),
 * sized before its tokens' pool, which the rest of the budget makes. */
void explain_sglang_states(const struct explainer *e, const kvp_plan *plan, const kvp_fit *f)
{
	const kvp_request *r = &plan->request;
	const kvp_capacity *c = &f->capacity;
	double ratio = r->mamba_full_memory_ratio > 0 ? r->mamba_full_memory_ratio : 0.9;
	/* From 0.5.17 the padding slot is charged too (lib/sglang_mamba.c). */
	bool pad = !r->sglang_version || r->sglang_version >= 517;
	uint64_t per = c->state_slots ? (c->state_charged - c->state_spec_charged) /
	                                (c->state_slots + pad) : 0;
	uint32_t spec = plan->sglang_spec_tokens, sr = plan->sglang_state_ratio;

	if (r->engine != KVP_ENGINE_SGLANG || !plan->state_total_bytes || !plan->sglang_state_ratio)
		return;
	/* The library's own word on whether it models the pool. */
	if (!kvp_capacity_sglang_reqs(plan, c, NULL)) {
		say(e, "  recurrent states: SGLang's pool of them with a policy, or a draft of"
		    " recurrent layers, is not modelled; the states are counted a request");
		return;
	}
	if (!c->state_slots) {
		say(e, "  recurrent states: none fit %s B (SGLang stops: \"Not enough GPU memory"
		    " for hybrid (mamba/linear-attention) state cache\"), so no pool",
		    g(f->budget_bytes));
		return;
	}
	if (r->max_mamba_cache_size)
		say(e, "  recurrent states: --max-mamba-cache-size %s", g(c->state_slots));
	else if (r->disable_radix_cache && kvp_sglang_max_running_requests(r))
		say(e, "  recurrent states: without the radix cache, max_running_requests %u /"
		    " dp %u = %s", kvp_sglang_max_running_requests(r), r->dp ? r->dp : 1,
		    g(c->state_slots));
	else if (spec && !pad)
		say(e, "  recurrent states: int(%s x %g / (1 + %g) // (%s x (1 + %u / %u))) = %s"
		    " (mamba_full_memory_ratio, solved with the verify buffers of %u draft"
		    " tokens; before 0.5.17 no padding slot reserved)", g(f->budget_bytes), ratio,
		    ratio, g(per), spec, sr, g(c->state_slots), spec);
	else if (spec)
		say(e, "  recurrent states: int((%s x %g / (1 + %g) - %s x %u) // (%s x (1 + %u /"
		    " %u))) = %s (mamba_full_memory_ratio, solved with the verify buffers of %u"
		    " draft tokens and both padding slots)", g(f->budget_bytes), ratio, ratio,
		    g(per), spec + 1, g(per), spec, sr, g(c->state_slots), spec);
	else if (!pad)
		say(e, "  recurrent states: int(%s x %g / (1 + %g) // %s) = %s"
		    " (mamba_full_memory_ratio; before 0.5.17 no padding slot reserved)",
		    g(f->budget_bytes), ratio, ratio, g(per), g(c->state_slots));
	else
		say(e, "  recurrent states: int((%s x %g / (1 + %g) - %s) // %s) = %s"
		    " (mamba_full_memory_ratio, its padding slot reserved)", g(f->budget_bytes),
		    ratio, ratio, g(per), g(per), g(c->state_slots));
	say(e, "  they take %s B of the budget%s (a state %s B, of the stage with the most"
	    " recurrent layers from 0.5.18); this GPU allocates %s states and the padding"
	    " slot, %s B; the tokens' pool from the rest, %s B", g(c->state_charged),
	    spec ? " with their verify buffers" : "", g(per),
	    g(c->state_slots), g(c->state_bytes - c->state_spec_bytes),
	    g(c->state_charged < f->budget_bytes ? f->budget_bytes - c->state_charged : 0));
	if (spec)
		say(e, "  the verify buffers of %u draft tokens (speculative_num_steps %u, topk"
		    " %u): %s B charged, %s x %u for min(max_running_requests %u / dp %u, %s / %u)"
		    " requests%s; this GPU allocates them for %s requests and a padding slot, %s B"
		    " (%s B of them conv windows%s)", spec, plan->sglang_spec_steps,
		    plan->sglang_spec_topk, g(c->state_spec_charged), g(per), spec,
		    kvp_sglang_max_running_requests(r), r->dp ? r->dp : 1, g(c->state_slots), sr,
		    pad ? " and a padding slot" : "", g(c->state_spec_slots),
		    g(c->state_spec_bytes), g(c->state_spec_conv_bytes),
		    plan->sglang_spec_topk == 1 && pad ? ", one of D + K - 2 columns a slot" : "");
	say(e, "  they admit %s / %u = %s requests at once (%u state%s a request: %s)",
	    g(c->state_slots), sr, g(c->max_requests), sr, sr == 1 ? "" : "s",
	    sr == 1 ? "the radix cache disabled"
	    : sr == 5 ? "extra_buffer, the overlap schedule's two track states"
	    : sr == 4 && r->mamba_strategy == KVP_MAMBA_STRATEGY_EXTRA_BUFFER_LAZY
	      ? "extra_buffer_lazy, one track state"
	    : sr == 4 ? "extra_buffer without the overlap schedule, one track state"
	    : "no_buffer");
}

/* A token's bytes over the GPUs under SGLang's decode context
 * parallelism with a draft: the model's layers' on tp / dcp GPUs, the
 * draft's, whole on each, on all tp. */
void explain_sglang_dcp_draft_token(const struct explainer *e, const struct cli_plan *p)
{
	const kvp_plan *lp = &p->layers;
	char sum[2][EXPLAIN_LINE_MAX / 2] = {"", ""};
	size_t used[2] = {0, 0};
	uint32_t tp = kvp_request_attention_tp(&p->request);
	const char *attn = tp != p->request.tp ? "attention " : "";

	for (uint32_t i = 0; i < lp->group_count; i++) {
		int d = lp->groups[i].draft ? 1 : 0;

		if (used[d] < sizeof sum[d])
			used[d] += (size_t)snprintf(sum[d] + used[d], sizeof sum[d] - used[d],
			                            "%s%u x %s", used[d] ? " + " : "",
			                            lp->groups[i].layers,
			                            g(lp->groups[i].bytes_per_token));
	}
	say(e, "per token, every layer holding every token: (%s) x %stp %u / dcp %u (each"
	    " token on tp / dcp GPUs) + (%s) x %stp %u (the draft's, whole on each GPU) = %s B",
	    sum[0], attn, tp, p->request.dcp, sum[1], attn, tp, g(lp->kv_bytes_per_token));
}
