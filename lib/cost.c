/*
 * cost.c — the cache as a function of the context.
 *
 * On one GPU (one pipeline stage) an engine's cache at a context of x
 * tokens is pool + streams x (fixed + sum_g slope_g min(q, cap_g)), with
 * q = cdiv(x, unit): the exact model has unit 1 (so q = x, and cap_g is a
 * layer's window), vLLM counts in blocks, llama.cpp in 256 cells, SGLang
 * in pages, TensorRT-LLM in blocks.  vLLM's hybrid models whose pages were
 * unified count each group in its own block (terms of different units).
 * This file builds those terms for a stage and gives the bytes at a
 * context (kvp_plan_bytes_at); solve.c inverts them.
 * doc/engines.md gives each engine's terms.
 */
#include <string.h>

#include "cost.h"
#include "engine.h"

/* The cost of stage s of p for streams of batch sequences, a policy
 * that varies with the prompt (ratio, PyramidKV) capping each layer as it
 * does at seq tokens (0: the plan's caps), or, where lo < seq, at most as
 * it does at any of lo..seq (a bound of the cost over them).  Terms that
 * do not fit 64 bits saturate: they only ever exceed a budget. */
void kvp__cost_over(const kvp_plan *p, uint32_t stage, uint64_t batch, uint64_t lo,
                    uint64_t seq, struct kvp__cost *c)
{
	const kvp_request *r = &p->request;
	uint64_t block = kvp__engine_block(r);

	/* The scalars only: the terms are written for the n there are. */
	c->n = 0;
	c->mixed = false;
	c->fixed = 0;
	c->pool = 0;
	c->unit = r->engine == KVP_ENGINE_EXACT ? 1 : block;
	/* Decode context parallelism (vLLM's, SGLang's) counts every group
	 * (full or MLA: kvp__dcp_check, lib/parallel.c) in blocks of dcp x
	 * block tokens. */
	if (kvp__request_dcp(r) > 1 &&
	    __builtin_mul_overflow(c->unit, (uint64_t)kvp__request_dcp(r), &c->unit))
		c->unit = UINT64_MAX;
	c->streams = batch;
	c->seq_div = 1;
	if (r->engine == KVP_ENGINE_LLAMA_CPP && r->kv_unified) {
		c->streams = 1;
		c->seq_div = batch;
	}
	for (uint32_t g = 0; g < p->group_count; g++) {
		const kvp_layer_group *grp = &p->groups[g];
		uint64_t n = kvp__stage_group_layers(p, stage, g);
		uint64_t unit = r->engine == KVP_ENGINE_VLLM ? grp->block
		                : r->engine == KVP_ENGINE_SGLANG ? block : c->unit;
		unsigned __int128 per_unit = (unsigned __int128)n * grp->bytes_per_token * unit;
		uint64_t cap = 0;

		/* Decode context parallelism: a block (SGLang: a page) of the
		 * GPU's holds block tokens of every dcp x block of the
		 * request's (kvp__engine_dcp): the term counts in units of
		 * those, at the block's bytes.  Its layers are full or MLA:
		 * no reach, no window. */
		if (kvp__engine_dcp(r, grp) > 1 &&
		    __builtin_mul_overflow(unit, kvp__engine_dcp(r, grp), &unit))
			unit = UINT64_MAX;
		/* SGLang's draft under it: a page of page x dcp of its own
		 * rows each page x dcp of the request's tokens, and as many
		 * padding rows (kvp__sglang_draft_dcp). */
		if (kvp__sglang_draft_dcp(r, grp) > 1) {
			per_unit *= kvp__sglang_draft_dcp(r, grp);
			if (__builtin_mul_overflow(unit, kvp__sglang_draft_dcp(r, grp), &unit))
				unit = UINT64_MAX;
		}

		/* vLLM's mode all: a state page each mamba_block_size tokens
		 * (the group's block), and one a speculative token. */
		if (grp->kind == KVP_LAYER_RECURRENT && r->engine == KVP_ENGINE_VLLM &&
		    kvp__mamba_mode(r) == KVP_MAMBA_ALL && grp->state_bytes_per_seq) {
			unsigned __int128 slope = (unsigned __int128)n *
			                          kvp__vllm_state_page(r, grp);

			c->fixed += slope * (kvp__spec_state_rows(r, NULL) - 1);
			if (slope == 0)
				continue;
			c->slope[c->n] = slope > UINT64_MAX ? UINT64_MAX : (uint64_t)slope;
			c->cap[c->n] = 0;
			c->term_unit[c->n] = grp->block;
			if (grp->block != c->unit)
				c->mixed = true;
			c->n++;
			continue;
		}
		/* A recurrent state, per sequence: llama.cpp keeps n_seq. */
		c->fixed += (unsigned __int128)n * grp->state_bytes_per_seq *
		            (c->seq_div > 1 ? c->seq_div : 1);
		if (per_unit == 0)
			continue;
		switch (r->engine) {
		case KVP_ENGINE_EXACT:
			cap = grp->window;
			break;
		case KVP_ENGINE_VLLM:
			/* Each group in its own block (pages unified):
			 * kvp__cdiv(min(reach, x), B) = min(kvp__cdiv(reach, B), q). */
			{
				uint64_t reach, extra;

				kvp__vllm_reach(r, grp, &reach, &extra);
				cap = reach ? kvp__cdiv(reach, unit) : 0;
				c->fixed += per_unit * extra;
			}
			break;
		case KVP_ENGINE_LLAMA_CPP:
			if (grp->window) {
				/* In 128 bits: a unified stream's window x batch
				 * passes 64 (it wrapped to a small cap). */
				unsigned __int128 w = (unsigned __int128)grp->window *
				                      (r->kv_unified ? batch : 1) +
				                      kvp__engine_ubatch(r);
				w = w / KVP__LLAMA_PAD + (w % KVP__LLAMA_PAD != 0);
				cap = w > UINT64_MAX ? UINT64_MAX : (uint64_t)w;
			}
			break;
		case KVP_ENGINE_SGLANG:
			/* Both pools' page_size padding rows; a sliding layer
			 * keeps min(seq, window) tokens in whole pages, and
			 * pad(min(x, w), b) = min(kvp__cdiv(x, b), kvp__cdiv(w, b)) b. */
			c->pool += (unsigned __int128)n * grp->bytes_per_token * block *
			           kvp__sglang_draft_dcp(r, grp);
			if (kvp__sglang_swa_kind(grp->kind) && grp->window)
				cap = kvp__cdiv(grp->window, block);
			break;
		case KVP_ENGINE_TRTLLM:
			cap = grp->window ? kvp__cdiv(grp->window, block) : 0;
			break;
		}
		/* The policy's cap, in the term's units: the engine holds the
		 * kept tokens as it would a sequence of them. */
		if (grp->cap) {
			uint64_t kept = grp->cap, k = r->engine == KVP_ENGINE_LLAMA_CPP &&
			                              r->kv_unified ? batch : 1, pc;

			if (seq && kvp_policy_varies(&r->policy))
				kept = kvp__policy_cap_over(&r->policy, grp->first_layer,
				                            p->layers, lo, seq, r->gen);
			pc = kept > UINT64_MAX / k ? UINT64_MAX / unit : kvp__cdiv(kept * k, unit);
			if (!cap || pc < cap)
				cap = pc ? pc : 1;
		}
		c->slope[c->n] = per_unit > UINT64_MAX ? UINT64_MAX : (uint64_t)per_unit;
		c->cap[c->n] = cap;
		c->term_unit[c->n] = unit;
		if (unit != c->unit)
			c->mixed = true;
		c->n++;
	}
}

void kvp__stage_cost(const kvp_plan *p, uint32_t stage, uint64_t batch, uint64_t seq,
                     struct kvp__cost *c)
{
	kvp__cost_over(p, stage, batch, seq, seq, c);
}

/* Stage s's cache at seq and batch into *bytes, or an overflow error. */
static kvp_status stage_bytes(const kvp_plan *p, uint32_t s, uint64_t seq, uint64_t batch,
                              uint64_t *bytes, kvp_error *err)
{
	struct kvp__cost c;
	unsigned __int128 b;
	char label[KVP_QUOTE_MAX];

	kvp__stage_cost(p, s, batch, seq, &c);
	b = kvp__cost_at(&c, seq);
	if (b > UINT64_MAX)
		return kvp__error(err, KVP_ERR_OVERFLOW,
		                  "KV cache of %s for seq %llu and batch %llu overflows"
		                  " 64-bit bytes", kvp__label(p->model_name, "the model", label),
		                  (unsigned long long)seq, (unsigned long long)batch);
	*bytes = (uint64_t)b;
	return KVP_OK;
}

kvp_status kvp_plan_bytes_at(const kvp_plan *p, uint64_t seq, uint64_t batch,
                             uint64_t *bytes, kvp_error *err)
{
	uint64_t most = 0;

	if (!p || !bytes)
		return kvp__error(err, KVP_ERR_INVALID, "no plan given");
	for (uint32_t s = 0; s < p->stages; s++) {
		uint64_t b;
		kvp_status st = stage_bytes(p, s, seq, batch, &b, err);

		if (st != KVP_OK)
			return st;
		if (b > most)
			most = b;
	}
	*bytes = most;
	return kvp__error_clear(err);
}

kvp_status kvp_plan_stage_bytes_at(const kvp_plan *p, uint32_t stage, uint64_t seq,
                                   uint64_t batch, uint64_t *bytes, kvp_error *err)
{
	kvp_status st;

	if (!p || !bytes)
		return kvp__error(err, KVP_ERR_INVALID, "no plan given");
	if (stage >= p->stages)
		return kvp__error(err, KVP_ERR_INVALID, "stage %u: the plan has %u", stage,
		                  p->stages);
	if ((st = stage_bytes(p, stage, seq, batch, bytes, err)) != KVP_OK)
		return st;
	return kvp__error_clear(err);
}
