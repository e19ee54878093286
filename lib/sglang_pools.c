/*
 * sglang_pools.c — SGLang's token pools on one GPU of a stage: one pool of
 * every layer's tokens (its cell scaled for a draft's layers), or, for the
 * architectures SGLang lists, a full and a sliding pool split by
 * swa_full_tokens_ratio; what they allocate, how many requests they hold
 * at once, and the pools the solvers count tokens in.  doc/engines.md
 * (S1 to S3d) cites each rule.
 */
#include <math.h>

#include "engine.h"
#include "internal.h"

static uint64_t cdiv(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

/* Python's float floor division a // b of two positive doubles
 * (Objects/floatobject.c float_floor_div: fmod, then the quotient of what
 * is left, rounded to the nearer whole), as a count. */
uint64_t kvp__py_floordiv(double a, double b)
{
	double mod = fmod(a, b), div = (a - mod) / b, whole = floor(div);

	if (div - whole > 0.5)
		whole += 1.0;
	return whole >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)whole;
}

/* SGLang's tokens a speculative decode step allocates a request
 * (mem_cache/allocation_sizing.py get_alloc_len_per_decode, main of late
 * 2026): 1 without a draft; max(steps x topk, D) with pages of 1 or topk
 * 1, else max(((page - 1) + steps + page - 1) // page x page x topk, D). */
static uint64_t alloc_per_decode(const kvp_plan *p, uint64_t page)
{
	uint64_t steps = p->sglang_spec_steps ? p->sglang_spec_steps : 1;
	uint64_t topk = p->sglang_spec_topk ? p->sglang_spec_topk : 1;
	uint64_t d = p->sglang_spec_tokens, n;

	if (!p->sglang_spec_tokens)
		return 1;
	n = page == 1 || topk == 1 ? steps * topk
	    : ((page - 1) + steps + page - 1) / page * page * topk;
	return n > d ? n : d;
}

/* SGLang's sliding_window_size, the one window its pools and scheduler
 * use (model_executor/model_runner.py load_model, main of late 2026): a
 * sliding layer's is the model class's get_attention_sliding_window_size,
 * config.sliding_window - 1 (HF's window counts the token itself,
 * SGLang's does not); Llama 4's chunked layers', whose config has no
 * sliding window and whose model class (models/mllama4.py
 * Llama4ForConditionalGeneration, read at 0076e713) gives none, is
 * attention_chunk_size itself (it logs "Setting sliding_window_size to be
 * attention_chunk_size").  window is not 0. */
static uint64_t sglang_window(kvp_layer_kind kind, uint64_t window)
{
	return kind == KVP_LAYER_CHUNKED ? window : window - 1;
}

/*
 * SGLang's sliding pool sized from the requests it runs, not the ratio
 * (model_executor/pool_configurator.py SWAChunkCapPoolConfigurator, PR
 * #28755 "Cap SWA pool sizing with chunk cache", merged 2026-06-21: taken
 * from 0.5.14; its formula as main has it at 003fca80): where
 * --max-running-requests is set (given, or the 48 a draft sets before the
 * pools are sized), --disable-radix-cache (its chunk cache) and the model
 * has full layers beside its windowed ones.  With W SGLang's
 * sliding_window_size (sglang_window), page the page, D the draft
 * tokens (1 without a draft), a request keeps
 *   W + SGLANG_SWA_EVICTION_INTERVAL (128) x D + page + its decode step:
 * page without a draft, 2 x alloc_per_decode with one (the overlap
 * schedule's two steps outstanding; without it spec v1's
 * spec_decode_alloc_len_per_request, not read: taken as one step's);
 * and the pool holds mrr // attn_dp of them, and beside them 2 (1
 * without the overlap schedule) chunks of chunked_prefill_size (the
 * request's, as kvp_request_for_device resolves it for a device; 4,096,
 * SGLang's without one, else; // dp under data-parallel attention) and a
 * page, or on a decode server the requests it receives
 * (disaggregation_decode_extra_slots, lib/sglang_reqs.c) of W + page
 * each.  False where it does not apply (has_w false: no window, or
 * layers of two windowed kinds, as SGLang's one window cannot be both).
 */
static bool chunk_cap(const kvp_plan *p, bool has_w, uint64_t w, uint64_t page, uint64_t *cap)
{
	const kvp_request *r = &p->request;
	uint64_t d, per_request, decode, reqs, extra, chunked;
	unsigned __int128 total;

	*cap = 0;
	if (!kvp__sglang_since(r, 514) || !r->disable_radix_cache ||
	    !kvp__sglang_running(r) || !has_w)
		return false;
	d = p->sglang_spec_tokens ? p->sglang_spec_tokens : 1;
	decode = !p->sglang_spec_tokens ? page
	         : r->disable_overlap_schedule ? alloc_per_decode(p, page)
	                                       : 2 * alloc_per_decode(p, page);
	per_request = w + 128 * d + page + decode;
	reqs = kvp__sglang_running(r) / (kvp__sglang_dp_attention(r) ? r->dp : 1);
	if (kvp__sglang_role(r) == KVP_DISAGG_DECODE) {
		extra = kvp__sglang_decode_extra_slots(r);
		total = (unsigned __int128)per_request * reqs + (unsigned __int128)(w + page) * extra;
	} else {
		chunked = r->chunked_prefill_size ? r->chunked_prefill_size : 4096;
		if (kvp__sglang_dp_attention(r))
			chunked /= r->dp;
		total = (unsigned __int128)per_request * reqs +
		        (unsigned __int128)(r->disable_overlap_schedule ? 1 : 2) * chunked + page;
	}
	*cap = total > UINT64_MAX ? UINT64_MAX : (uint64_t)total;
	return true;
}

/* SGLang with sliding layers (model_executor/pool_configurator.py
 * HybridSWAPoolConfigurator, from PR #22389 of 2026-04-09, at 02236fa38
 * of 2026-07-19, main after v0.5.15): F, S the bytes a token of one full,
 * one sliding layer; n_full, n_swa their layers on the GPU, n_draft an
 * EAGLE or standalone draft's (PR #29622, 2026-06-30: budgeted as full
 * layers of the model's F, since its pool holds max_total_num_tokens); r
 * swa_full_tokens_ratio.  The cell is F·(n_full + n_draft) + (r·S)·n_swa,
 * a Python float; full = int(budget // cell) down to whole pages, swa =
 * int(full · r) down to whole pages.  Without full layers the cell is
 * S·n_swa + F·n_draft, whole, and every token is the sliding pool's.
 * (Before PR #22389, set_num_tokens_hybrid_swa divided by F·n_full +
 * S·n_swa first, in whole pages, and scaled that; its full pool came out a
 * few tokens smaller.)  The draft's own pool holds max_total_num_tokens,
 * the full pool's, in the draft's shape; its sliding layers the sliding
 * pool's tokens when it is itself of these architectures. */
static void sglang_capacity(const kvp_plan *p, uint32_t stage, uint64_t budget,
                            kvp_capacity *c)
{
	const kvp_request *r = &p->request;
	uint64_t most = r->sglang_max_total_tokens;
	uint64_t block = kvp__engine_block(r), full_bytes = 0, swa_bytes = 0;
	uint64_t swa_layer = 0, swa_layers = 0, window = 0, sw, swa;
	uint64_t full_layer = 0, draft_layers = 0, draft_bytes = 0, draft_swa = 0, total, cap;
	kvp_layer_kind kind = KVP_LAYER_SLIDING;
	bool one_shape = true, one_kind = true, has_sw;
	double ratio = kvp__engine_swa_ratio(r);

	for (uint32_t g = 0; g < p->group_count; g++) {
		const kvp_layer_group *grp = &p->groups[g];
		uint64_t n = kvp__stage_group_layers(p, stage, g);

		if (grp->bytes_per_token == 0)
			continue;
		if (grp->draft) {
			/* eagle_draft_num_layers counts on every rank; the
			 * draft's pool is on the rank that holds it, its
			 * sliding layers in a pool of the sliding tokens when
			 * the draft is itself such an architecture (its own
			 * SWAKVPool, kv_cache_configurator.py
			 * _derive_pool_sizes). */
			draft_layers += grp->layers;
			if (kvp__sglang_swa_kind(grp->kind))
				draft_swa += n * grp->bytes_per_token;
			else
				draft_bytes += n * grp->bytes_per_token;
			continue;
		}
		if (n == 0)
			continue;
		if (!kvp__sglang_swa_kind(grp->kind)) {
			full_bytes += n * grp->bytes_per_token;
			full_layer = grp->bytes_per_token;
			continue;
		}
		swa_bytes += n * grp->bytes_per_token;
		if (swa_layers && grp->bytes_per_token != swa_layer)
			one_shape = false;
		if (swa_layers && grp->kind != kind)
			one_kind = false;
		swa_layer = grp->bytes_per_token;
		swa_layers += n;
		window = grp->window;
		kind = grp->kind;
	}
	/* SGLang's one window, where the model's windowed layers share
	 * their kind. */
	has_sw = one_kind && window;
	sw = has_sw ? sglang_window(kind, window) : 0;
	/* F from the model's config: a model of sliding layers alone has
	 * them in the full layers' shape. */
	if (!full_layer)
		full_layer = swa_layer;
	c->swa_cap = 0;
	c->swa_floor = 0;
	if (full_bytes == 0) {
		uint64_t cell = swa_bytes + draft_layers * full_layer;

		swa = cell ? budget / cell / block * block : 0;
		total = swa;
	} else if (chunk_cap(p, has_sw, sw, block, &cap)) {
		/* The sliding pool its cap in whole pages, the full pool the
		 * rest: int((budget - swa x S x n_swa) // F(n_full +
		 * n_draft)), down to whole pages; none where the cap takes it
		 * all (SGLang stops: "SWA pool cap ... leaves no room"). */
		unsigned __int128 fixed;
		uint64_t cell = full_bytes + draft_layers * full_layer;

		c->swa_cap = cap;
		swa = cap > UINT64_MAX - block ? UINT64_MAX : cdiv(cap, block) * block;
		fixed = (unsigned __int128)swa * swa_bytes;
		total = fixed < budget && cell ? (budget - (uint64_t)fixed) / cell / block * block
		                               : 0;
		if (!total)
			swa = 0;
	} else {
		/* (r · S) · n_swa, as Python evaluates it, when the sliding
		 * layers are alike (SGLang's only case), rounded before the
		 * sum: volatile, so that no fused multiply-add (GCC contracts
		 * where the target has one, as aarch64 does) rounds once. */
		volatile double scaled = one_shape ? ratio * (double)swa_layer * (double)swa_layers
		                                   : ratio * (double)swa_bytes;
		double cell = (double)(full_bytes + draft_layers * full_layer) + scaled;
		double s;

		total = kvp__py_floordiv((double)budget, cell) / block * block;
		s = (double)total * ratio;
		swa = s >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)s;
		swa = swa / block * block;
		/* A sliding pool that cannot hold one prefill's window and a
		 * page: SGLang raises ("SWA pool (N tokens) cannot hold even
		 * one request", _solve_pool_sizes at 003fca80, when
		 * sliding_window_size + page_size >= swa_tokens).  Not in
		 * the releases kvplan reads (0.5.20 and before), where it
		 * was not established. */
		if (has_sw && kvp__sglang_since(r, 521) && swa <= sw + block) {
			c->swa_floor = sw + block;
			total = 0;
		}
	}
	/* --max-total-tokens caps the full pool (the sliding one without
	 * full layers), min(profiled, it) in whole pages, the sliding pool
	 * its ratio of that (HybridSWAPoolConfigurator
	 * calculate_pool_sizes_from_max_tokens), or the chunk cap's, at most
	 * the cap (SWAChunkCapPoolConfigurator, the cap unaligned there);
	 * pool_configurator.py @ 003fca80. */
	if (most && most < total) {
		if (full_bytes == 0) {
			swa = total = most / block * block;
		} else if (c->swa_cap) {
			total = most / block * block;
			if (swa > most)
				swa = most;
		} else {
			double s = (double)(most / block * block) * ratio;

			total = most / block * block;
			swa = s >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)s;
			swa = swa / block * block;
			c->swa_floor = 0;
			if (has_sw && kvp__sglang_since(r, 521) && swa <= sw + block) {
				c->swa_floor = sw + block;
				total = 0;
			}
		}
	}
	c->tokens = total;
	c->swa_tokens = swa;
	c->blocks = c->tokens / block;
	c->blocks_per_request = cdiv(kvp__kept_seq(p), block);
	{
		/* total is the full pool's tokens (the sliding pool's
		 * without full layers), which a draft's pool holds too. */
		unsigned __int128 bytes = ((unsigned __int128)total + block) *
		                          (full_bytes + draft_bytes) +
		                          ((unsigned __int128)swa + block) * (swa_bytes + draft_swa);

		c->allocated_bytes = c->swa_floor ? 0 : bytes > UINT64_MAX ? UINT64_MAX
		                                                          : (uint64_t)bytes;
	}
	/* The requests both pools hold at once: the sliding one keeps
	 * min(seq, window) tokens of each, in pages. */
	{
		uint64_t kept = kvp__kept_seq(p);
		uint64_t keep = cdiv(window && window < kept ? window : kept, block);
		double a = (double)(swa / block) / (double)keep;

		c->max_concurrency = c->swa_floor ? 0 : a;
		if (full_bytes) {
			double b = (double)c->blocks / (double)c->blocks_per_request;

			c->max_concurrency = b < a ? b : a;
		}
	}
}

/* SGLang's cell on stage's GPU, the bytes a token of max_total_num_tokens
 * costs: the model's layers', scaled for a draft's or MTP layers'
 * (pool_configurator.py DefaultPoolConfigurator, from PR #23862, merged
 * 2026-06-12: int(cell x (1 + draft layers / layers)), in floats, as if
 * each draft layer were as large as the model's average); *pools, the
 * bytes its pools then allocate a token, the draft's own included
 * (research: /work/research/sglang-spec-pool.md). */
static uint64_t sglang_cell(const kvp_plan *p, uint32_t stage, uint64_t *pools)
{
	uint64_t model = 0, draft = 0, draft_layers = 0, layers = 0, draft_pool = 0;
	uint64_t model_index = 0, draft_index = 0;
	double cell;

	/* The draft's layers all count on every rank (eagle_draft_num_layers;
	 * its worker, and so its pool, is on the last); the model's layers
	 * are those of the rank that hold a token's cache (a hybrid's
	 * full-attention layers, not its recurrent ones). */
	for (uint32_t g = 0; g < p->group_count; g++) {
		const kvp_layer_group *grp = &p->groups[g];
		uint64_t n = kvp__stage_group_layers(p, stage, g);

		if (!grp->draft) {
			model += n * grp->bytes_per_token;
			model_index += n * grp->index_bytes_per_token;
			layers += grp->bytes_per_token ? n : 0;
		} else {
			draft_index += grp->layers * grp->index_bytes_per_token;
			/* Under decode context parallelism its pool is dcp
			 * times the rows (kvp__sglang_draft_dcp), which the
			 * budget's cell does not count. */
			draft += n * grp->bytes_per_token;
			/* No more than the group's bytes, of at least dcp
			 * rows (kvp__fill_group checked their product). */
			draft_pool += n * grp->bytes_per_token * kvp__sglang_draft_dcp(&p->request, grp);
			draft_layers += grp->layers;
		}
	}
	*pools = model + draft_pool;
	if (!draft_layers || !model || !layers)
		return model + draft;
	/* A sparse MLA model from 0.5.18 (PR #30531, whose target keeps the
	 * indexer's key in its full layers alone): the latents priced so,
	 * int(target_kv_size x draft_layers / layers), Python's true
	 * division of whole numbers, and beside them the draft's keys, one
	 * a draft layer (_compute_dsa_indexer_cell_size, allocate_all_
	 * layers; main of autumn 2026). */
	if ((model_index || draft_index) && kvp__sglang_since(&p->request, 518)) {
		uint64_t kv, out;

		if (!kvp__mul(model - model_index, draft_layers, &kv))
			return UINT64_MAX;
		kv = (uint64_t)((double)kv / (double)layers);
		return kvp__add(model, kv, &out) && kvp__add(out, draft_index, &out)
		       ? out : UINT64_MAX;
	}
	cell = (double)model * (1.0 + (double)draft_layers / (double)layers);
	return cell >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)cell;
}

/* Whether SGLang's one pool admits requests by pages: a policy's caps,
 * and recurrent state where its pool is not modelled, are the byte
 * model's. */
static bool one_pool_pages(const kvp_plan *p)
{
	return p->request.policy.kind == KVP_POLICY_FULL &&
	       (!p->state_total_bytes || kvp__sglang_mamba_applies(p));
}

bool kvp__sglang_pooled(const kvp_plan *p, uint32_t stage)
{
	bool has_full = false;

	if (p->request.engine != KVP_ENGINE_SGLANG)
		return false;
	for (uint32_t g = 0; g < p->group_count; g++) {
		const kvp_layer_group *grp = &p->groups[g];

		if (grp->bytes_per_token == 0 || !kvp__stage_group_layers(p, stage, g))
			continue;
		/* The model's sliding layers make the split pool. */
		if (kvp__sglang_swa_kind(grp->kind) && !grp->draft)
			return true;
		has_full = true;
	}
	return has_full && one_pool_pages(p);
}

/* Whether the GPU of stage holds the model's sliding layers that cache
 * (a draft's do not make the split pool). */
static bool sliding_layers(const kvp_plan *p, uint32_t stage)
{
	for (uint32_t g = 0; g < p->group_count; g++)
		if (kvp__sglang_swa_kind(p->groups[g].kind) && p->groups[g].bytes_per_token &&
		    !p->groups[g].draft && kvp__stage_group_layers(p, stage, g))
			return true;
	return false;
}

/* The capacity of SGLang's pools on stage's GPU in budget, in *c: true
 * when the pools are split, whose requests at once (max_concurrency) it
 * sets too; false for one pool, whose requests are its blocks over a
 * request's, as the other engines' (kvp__stage_capacity). */
bool kvp__sglang_capacity(const kvp_plan *p, uint32_t stage, uint64_t budget,
                          kvp_capacity *c)
{
	uint64_t block = kvp__engine_block(&p->request), pools, cell;
	uint64_t cap = p->request.sglang_max_total_tokens;
	bool split;

	/* The recurrent states' pool first, the tokens' from the rest
	 * (sglang_mamba.c); none at all where SGLang cannot make it. */
	if (kvp__sglang_mamba(p, stage, budget, c))
		budget = c->state_slots && c->state_charged < budget ? budget - c->state_charged
		                                                     : 0;
	split = sliding_layers(p, stage);
	if (split) {
		sglang_capacity(p, stage, budget, c);
		c->log_tokens = c->tokens;
	} else {
		/* model_runner_kv_cache_mixin.py profile_max_num_token and
		 * init_memory: rest // cell, down to whole pages; every
		 * layer's buffer then has page_size rows more.  A plan of
		 * recurrent state alone holds no tokens. */
		cell = sglang_cell(p, stage, &pools);
		c->tokens = cell ? budget / cell / block * block : 0;
		/* --max-total-tokens: min(profiled, it), whole pages
		 * (_apply_token_constraints, then
		 * calculate_pool_sizes_from_max_tokens); a recurrent model's
		 * states keep their slots, and what the cap leaves stays
		 * unused. */
		if (cap && cell && cap < c->tokens)
			c->tokens = cap / block * block;
		/* A model without attention: its tokens' pool, of no layer,
		 * holds its context's tokens, whole pages
		 * (pool_configurator.py DefaultPoolConfigurator with a cell of
		 * 0: --max-total-tokens, else context_len; research:
		 * /work/research/sglang-pure-mamba.md); the states took their
		 * share of the rest above, and the other share stays unused. */
		if (!cell && kvp__plan_attention_free(p) && c->state_slots)
			c->tokens = (cap ? cap : p->sglang_context_len) / block * block;
		c->blocks = c->tokens / block;
		c->blocks_per_request = cdiv(kvp__kept_seq(p), block);
		if (!kvp__mul(c->tokens + block, pools, &c->allocated_bytes))
			c->allocated_bytes = UINT64_MAX;
		/* max_total_num_tokens, what SGLang's lines and its request
		 * count give.  Under decode context parallelism
		 * (kvp__engine_dcp) the pool's rows on each GPU of a group are
		 * one page of every dcp pages of the allocator's space, dcp
		 * times the tokens; a request takes cdiv(seq, page x dcp) of
		 * its pages. */
		c->log_tokens = c->tokens;
		if (kvp__request_dcp(&p->request) > 1) {
			uint64_t dcp = kvp__request_dcp(&p->request);

			c->blocks_per_request = cdiv(cdiv(kvp__kept_seq(p), dcp), block);
			if (!kvp__mul(c->tokens, dcp, &c->tokens))
				c->tokens = UINT64_MAX;
		}
	}
	/* A draft's verify buffers, for the requests the tokens leave. */
	kvp__sglang_mamba_spec(p, stage, c);
	return split;
}

bool kvp__sglang_pools(const kvp_plan *p, uint32_t stage, uint64_t budget,
                       uint64_t *full, uint64_t *swa, uint64_t *window,
                       bool *has_full, uint64_t *max_reqs)
{
	kvp_capacity c = {0};
	bool split;

	*window = 0;
	*has_full = false;
	/* The model's layers decide: a draft's pool holds the model's
	 * tokens, and its worker frees what the model's allocator frees. */
	for (uint32_t g = 0; g < p->group_count; g++) {
		const kvp_layer_group *grp = &p->groups[g];

		if (grp->bytes_per_token == 0 || grp->draft ||
		    !kvp__stage_group_layers(p, stage, g))
			continue;
		if (kvp__sglang_swa_kind(grp->kind))
			*window = grp->window;
		else
			*has_full = true;
	}
	/* A model without attention: its tokens' pool of the context binds
	 * the requests' tokens (kvp__sglang_capacity). */
	if (kvp__plan_attention_free(p) && p->state_total_bytes)
		*has_full = true;
	/* One pool (model_runner_kv_cache_mixin.py profile_max_num_token):
	 * the requests fit when their pages fit its max_total_num_tokens;
	 * its page_size padding rows lie past the budget. */
	split = kvp__sglang_capacity(p, stage, budget, &c);
	if (!split && (!*has_full || !one_pool_pages(p)))
		return false;
	*full = *has_full ? c.tokens : 0;
	*swa = split ? c.swa_tokens : UINT64_MAX;
	/* The requests at once the recurrent states admit. */
	*max_reqs = kvp__sglang_mamba_applies(p) ? c.max_requests : UINT64_MAX;
	return true;
}

kvp_status kvp__sglang_total_check(const kvp_model *m, const kvp_request *r, kvp_error *err)
{
	uint64_t most = r->sglang_max_total_tokens, page = kvp__engine_block(r);
	char label[KVP_QUOTE_MAX];

	if (r->engine != KVP_ENGINE_SGLANG || !most)
		return KVP_OK;
	/* A cache policy's plan is sized by bytes, not by the pool's tokens
	 * the cap sets. */
	if (r->policy.kind != KVP_POLICY_FULL)
		return kvp__error(err, KVP_ERR_INVALID, "SGLang's --max-total-tokens with a"
		                  " cache policy is not modelled");
	/* A pool of under 2 tokens runs no request (tp_worker's
	 * "max_running_request is zero"; under a page, "Not enough memory"
	 * before it). */
	if (most / page * page < 2)
		return kvp__error(err, KVP_ERR_INVALID, "SGLang's --max-total-tokens %llu leaves"
		                  " its pool %llu tokens in pages of %llu: it runs no request",
		                  (unsigned long long)most, (unsigned long long)(most / page * page),
		                  (unsigned long long)page);
	/* Before PR #22389 (0.5.11) a sliding-window pool took it as the
	 * bytes of that many tokens in every layer; kvplan follows it from
	 * then on (research: /work/research/sglang-max-total-tokens.md), and
	 * for one pool, which it set alike, before too. */
	if (!kvp__sglang_since(r, 511) && !r->no_window && !kvp__sglang_holds_windows(m, r) &&
	    (kvp_model_count_layers(m, KVP_LAYER_SLIDING) ||
	     kvp_model_count_layers(m, KVP_LAYER_CHUNKED)))
		return kvp__error(err, KVP_ERR_UNSUPPORTED, "%s: kvplan follows SGLang's"
		                  " --max-total-tokens with a sliding-window pool from 0.5.11",
		                  kvp__label(m->name, "the model", label));
	return KVP_OK;
}
