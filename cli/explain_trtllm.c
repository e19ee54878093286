/*
 * explain_trtllm.c — kvplan --explain's lines for TensorRT-LLM's hybrid
 * cache managers: how V1 and V2 share a budget between the recurrent
 * states and the attention's blocks (lib/trtllm_hybrid.c).
 */
#include <stdio.h>

#include "cli.h"
#include "explain.h"

void explain_trtllm_pools(const struct explainer *e, const kvp_plan *plan, const kvp_fit *f)
{
	const kvp_capacity *c = &f->capacity;
	const kvp_request *r = &plan->request;
	uint64_t block = cli_engine_block(plan), pp = r->pp ? r->pp : 1, cap;
	const char *v = c->trtllm_manager == KVP_TRTLLM_MANAGER_V1 ? "V1" : "V2";
	char from[96];

	if (r->engine != KVP_ENGINE_TRTLLM || !c->trtllm_manager)
		return;
	if (c->state_floor) {
		say(e, "  TensorRT-LLM's KV cache manager %s needs the recurrent states of"
		    " max_batch_size %s x pp %s + 1 sequences and one block of %s tokens, %s B;"
		    " the budget is %s B: it does not start%s; max_batch_size %s at most does",
		    v, g(c->max_requests / pp), g(pp), g(block), g(c->state_floor),
		    g(f->budget_bytes), c->trtllm_manager == KVP_TRTLLM_MANAGER_V1
		    ? " (no block left)" : " (\"The V2 Mamba GPU cache quota is too small for"
		    " live recurrent states and attention pages\")", g(c->batch_limit));
		return;
	}
	if (c->trtllm_manager == KVP_TRTLLM_MANAGER_V1) {
		uint64_t live = c->max_requests + 1, per = c->state_slots
		                ? c->state_bytes / c->state_slots : 0;
		char draft[96] = "";

		/* a draft's max_draft_len states more, past the count */
		if (c->state_slots > live)
			snprintf(draft, sizeof draft, "; with the draft's %s more, %s states",
			         g(c->state_slots - live), g(c->state_slots));
		say(e, "  TensorRT-LLM's KV cache manager V1 (use_kv_cache_manager_v2 false):"
		    " the states of max_batch_size %s x pp %s + 1 = %s sequences first, %s B;"
		    " then floor((%s - %s) / %s B a token / %s) = %s blocks%s",
		    g(c->max_requests / pp), g(pp), g(live), g(live * per),
		    g(f->budget_bytes), g(live * per),
		    g(c->blocks ? c->allocated_bytes / c->tokens : 0), g(block), g(c->blocks),
		    draft);
		return;
	}
	if (r->trtllm_avg_seq_len) {
		cap = r->trtllm_avg_seq_len;
		snprintf(from, sizeof from, "avg_seq_len");
	} else {
		cap = plan->trtllm_max_seq_len / 2 ? plan->trtllm_max_seq_len / 2 : 1;
		snprintf(from, sizeof from, "max_seq_len %s / 2, no avg_seq_len",
		         g(plan->trtllm_max_seq_len));
	}
	if (c->quota != f->budget_bytes)
		say(e, "  TensorRT-LLM's quota over %s GPUs: the tokens 0.95 of the budget holds"
		    " beside the states, and back: %s B", g((r->tp ? r->tp : 1) * pp),
		    g(c->quota));
	/* a stage of one kind of layer: one pool group */
	if (!c->state_slots || !c->blocks) {
		say(e, "  TensorRT-LLM's KV cache manager V2: %s B in grains of %s MiB, %s of them,"
		    " all the %s (this stage's only layers that cache): %s %s; the pools map"
		    " %s B", g(c->quota), g(c->grain >> 20), g(c->grains),
		    c->blocks ? "attention's" : "recurrent states'",
		    g(c->blocks ? c->blocks : c->state_slots),
		    c->blocks ? "blocks" : "states", g(c->allocated_bytes + c->state_bytes));
		return;
	}
	say(e, "  TensorRT-LLM's KV cache manager V2: %s B in grains of %s MiB, %s of them;"
	    " a typical step of max_batch_size x pp %s requests of %s tokens (%s) and a"
	    " dummy gives the states %.8g of it; they take %s slots (at least %s), the"
	    " attention the rest: %s blocks of %s tokens; the pools map %s B",
	    g(c->quota), g(c->grain >> 20), g(c->grains), g(c->max_requests), g(cap), from,
	    (double)c->ratio, g(c->state_slots), g(c->state_bytes ? c->max_requests + 1 : 0),
	    g(c->blocks), g(block), g(c->allocated_bytes + c->state_bytes));
}
