/*
 * sglang_out.c — what kvplan says of SGLang's context length: a
 * --context-length past the model's, which SGLang refuses by default,
 * and a request longer than the context, which it rejects; of its pool of
 * recurrent states (settings that do nothing, a draft of recurrent layers
 * it does not model, too little memory for one state, fewer requests at
 * once than the batch); of its speculative settings (ignored, adjusted,
 * the 48 requests a draft runs at most); and of a request-to-token table
 * larger than the memory its share holds back.
 */
#include <stdio.h>

#include "cli.h"

void cli_sglang_warnings(const struct cli_plan *p)
{
	const kvp_request *r = &p->request;
	kvp_request derived;
	uint64_t model_ctx, ctx;
	char a[32], b[32], c2[32];

	if (r->engine != KVP_ENGINE_SGLANG)
		return;
	derived = *r;
	derived.context_length = 0;
	model_ctx = kvp_sglang_context_len(&p->model, &derived);
	ctx = kvp_sglang_context_len(&p->model, r);
	/* python/sglang/srt/configs/model_config.py: a context_length past
	 * the derived one raises unless SGLANG_ALLOW_OVERWRITE_LONGER_
	 * CONTEXT_LEN is set. */
	if (r->context_length && r->context_length > model_ctx)
		cli_warn("--context-length %s passes %s's %s, which SGLang refuses unless"
		         " SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN=1 (planned as given)",
		         cli_grouped(r->context_length, a, sizeof a), p->model.name,
		         cli_grouped(model_ctx, b, sizeof b));
	/* The tokenizer manager rejects a request whose tokens reach the
	 * context length. */
	if (p->seq > ctx)
		cli_warn("seq %s is longer than SGLang's context_len %s: it rejects such a"
		         " request (planned anyway)", cli_grouped(p->seq, a, sizeof a),
		         cli_grouped(ctx, b, sizeof b));
	/* Its pool of recurrent states (lib/sglang_mamba.c). */
	if ((r->max_mamba_cache_size || r->mamba_full_memory_ratio > 0 ||
	     r->state_dtype != KVP_DTYPE_FP32 || r->mamba_strategy) &&
	    !p->layers.state_total_bytes)
		cli_warn("%s has no recurrent layers: SGLang keeps no recurrent states, and"
		         " --max-mamba-cache-size, --mamba-full-memory-ratio,"
		         " --mamba-ssm-dtype and --mamba-radix-cache-strategy do nothing",
		         p->model.name);
	/* Its speculative settings (lib/sglang_spec.c). */
	if ((r->spec_tokens || r->spec_topk || r->spec_draft_tokens) && !r->draft &&
	    !r->mtp_layers)
		cli_warn("--spec-tokens, --spec-topk and --spec-draft-tokens size SGLang's"
		         " speculative decoding, and do nothing without --draft-model or --mtp");
	else if (r->spec_draft_tokens && p->layers.sglang_spec_topk == 1 &&
	         r->spec_draft_tokens != p->layers.sglang_spec_tokens)
		cli_warn("SGLang adjusts --speculative-num-draft-tokens %u to the steps + 1"
		         " = %u under topk 1 (planned so)", r->spec_draft_tokens,
		         p->layers.sglang_spec_tokens);
	if (p->layers.sglang_spec_tokens && !r->max_running_requests &&
	    p->batch > kvp_sglang_max_running_requests(r))
		cli_warn("SGLang runs at most %u requests at once with a draft (\"Max running"
		         " requests is reset to 48 for speculative decoding\"), fewer than"
		         " batch %s; --max-running-requests raises it",
		         kvp_sglang_max_running_requests(r), cli_grouped(p->batch, a, sizeof a));
	if (p->n_devices && p->layers.state_total_bytes && p->layers.draft_layers &&
	    p->layers.request.policy.kind == KVP_POLICY_FULL &&
	    !kvp_capacity_sglang_reqs(&p->layers, &p->fits[0].capacity, NULL))
		cli_warn("SGLang's pool of recurrent states with a draft of recurrent layers is"
		         " not modelled: the states are counted a request");
	for (size_t i = 0; i < p->n_devices; i++) {
		const kvp_capacity *c = &p->fits[i].capacity;

		/* Where the library models the pool of states (a draft or a
		 * policy leaves it to the byte model, with no slots). */
		if (p->layers.state_total_bytes && p->fits[i].budget_bytes && !c->state_slots &&
		    kvp_capacity_sglang_reqs(&p->layers, c, NULL))
			cli_warn("%s: SGLang would stop: not enough memory for one recurrent state"
			         " (\"Not enough GPU memory for hybrid (mamba/linear-attention)"
			         " state cache\")", p->devices[i].name);
		else if (c->state_slots && p->batch > c->max_requests)
			cli_warn("%s: SGLang's %s recurrent states admit %s requests at once (%u"
			         " a request), fewer than batch %s; --mamba-full-memory-ratio or"
			         " --max-mamba-cache-size keep more", p->devices[i].name,
			         cli_grouped(c->state_slots, a, sizeof a),
			         cli_grouped(c->max_requests, b, sizeof b),
			         p->layers.sglang_state_ratio,
			         cli_grouped(p->batch, c2, sizeof c2));
	}
	for (size_t i = 0; i < p->n_devices; i++) {
		const kvp_footprint *f = &p->fits[i].footprint;

		if (f->req_table && f->over && !f->held_back)
			cli_warn("%s: SGLang's request-to-token table (%s B) passes what its"
			         " share holds back: it would run out of memory allocating it;"
			         " --context-length or --max-running-requests make it smaller",
			         p->devices[i].name, cli_grouped(f->req_table, a, sizeof a));
	}
}
