/*
 * explain.c — kvplan --explain: every figure of the plan as the formula
 * that gives it, with the numbers put in, line by line.
 */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"
#include "explain.h"

void explain_say(const struct explainer *e, const char *fmt, ...)
{
	char text[EXPLAIN_LINE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	e->line(e->ctx, text);
}

const char *explain_grouped(uint64_t value)
{
	static char ring[16][32];
	static unsigned next;

	return cli_grouped(value, ring[next++ % 16], 32);
}

/* Bytes of the largest GPU's cache at seq and batch; 0 on overflow. */
static uint64_t largest_bytes(const kvp_plan *lp, uint64_t seq, uint64_t batch)
{
	uint64_t bytes = 0;

	kvp_plan_bytes_at(lp, seq, batch, &bytes, NULL);
	return bytes;
}

/* Bytes of one GPU's cache of stage at seq and batch; 0 on overflow. */
static uint64_t gpu_bytes(const kvp_plan *lp, uint32_t stage, uint64_t seq, uint64_t batch)
{
	uint64_t bytes = 0;

	kvp_plan_stage_bytes_at(lp, stage, seq, batch, &bytes, NULL);
	return bytes;
}

/* llama.cpp's compute buffer on a GPU of stage s at seq x batch, where it
 * grows with the context (the plan's attention terms) and a device's
 * memory is asked (grows); 0 otherwise. */
static uint64_t buffer_at(const kvp_plan *lp, uint32_t s, uint64_t seq, uint64_t batch,
                          bool grows)
{
	uint64_t bytes = 0;

	if (grows)
		kvp_plan_compute_bytes_at(lp, s, seq, batch, &bytes, NULL);
	return bytes;
}

/* A solver's answer shown at its boundary, for the engines and parallel
 * layouts whose cost is a step function: the answer fits, one more does
 * not.  Under pp, on the stage that one more does not fit, in its own
 * budget (budgets; NULL: budget for every stage).  Where llama.cpp's
 * compute buffer grows with the context, the cache and the buffer at
 * the answer's context within the room the budget had with the buffer at
 * the request's (lib/llama_fa.c). */
/* A boundary of 0: nothing is left for the cache, or one token (one
 * sequence) more than the budget holds. */
static void explain_none(const struct explainer *e, const kvp_plan *lp, const char *what,
                         const char *who, uint64_t budget, uint64_t past, bool of_seq,
                         bool grows, uint32_t k, uint64_t s1, uint64_t b1)
{
	char one[96];

	if (of_seq)
		snprintf(one, sizeof one, "with one token at batch %s,", g(b1));
	else
		snprintf(one, sizeof one, "with one sequence of %s tokens,", g(s1));

	if (budget == 0) {
		say(e, "  %s: 0; the weights, the engine's buffers and the reserve leave"
		    " nothing for %s cache", what, who);
		return;
	}
	if (grows) {
		uint64_t a1 = buffer_at(lp, k, s1, b1, true);

		budget += k + 1 == lp->stages ? lp->compute_bytes : lp->compute_other_bytes;
		say(e, "  %s: 0; %s %s cache is %s B and llama.cpp's compute buffer"
		    " %s B, %s B, more than the %s B they share", what, one, who, g(past),
		    g(a1), g(past + a1), g(budget));
		return;
	}
	say(e, "  %s: 0; %s %s cache is %s B, more than %s B", what, one, who,
	    g(past), g(budget));
}

static void explain_boundary(const struct explainer *e, const kvp_plan *lp,
                             const kvp_fit *f, const char *what,
                             uint64_t budget, const uint64_t *budgets, uint64_t seq,
                             uint64_t batch, bool of_seq)
{
	uint64_t s1 = of_seq ? seq + 1 : seq, b1 = of_seq ? batch : batch + 1, at, past;
	uint32_t k = 0;
	bool grows;
	char who[48] = "the largest GPU's";

	/* SGLang admits requests by pages into its pools (a device's memory,
	 * budgets; an L2 is bytes). */
	if (budgets && f->pooled && f->capacity.swa_tokens) {
		say(e, "  %s: %s, what SGLang's two token pools hold", what,
		    g(of_seq ? seq : batch));
		return;
	}
	/* vLLM's groups with padding layers: its block ids */
	if (budgets && f->pooled && lp->request.engine == KVP_ENGINE_VLLM) {
		char pool[160];

		cli_vllm_pool(f, pool, sizeof pool);
		if (of_seq)
			say(e, "  %s: %s, the longest whose %s requests' block ids fit %s", what,
			    g(seq), g(batch), pool);
		else
			say(e, "  %s: %s; %s holds %s requests of %s blocks", what, g(batch), pool,
			    g(batch), g(f->capacity.blocks_per_request));
		return;
	}
	if (budgets && f->pooled) {
		/* Under decode context parallelism a request's pages are of
		 * page x dcp of the pool's tokens. */
		uint64_t page = cli_engine_block(lp) * cli_dcp(&lp->request);
		uint64_t pages = (seq + page - 1) / page;
		uint64_t more = of_seq ? (s1 + page - 1) / page * page * batch
		                       : pages * page * b1;
		/* TensorRT-LLM's hybrid pools (lib/trtllm_hybrid.c): its
		 * attention's blocks, max_batch_size x pp requests. */
		bool trt = lp->request.engine == KVP_ENGINE_TRTLLM;
		const char *who_pool = trt ? "TensorRT-LLM's attention pool" : "SGLang's pool";

		if (trt && f->capacity.state_floor) {
			say(e, "  %s: 0; TensorRT-LLM does not start (its manager's states)", what);
			return;
		}
		/* The requests SGLang's recurrent states admit. */
		if (f->capacity.state_slots && (of_seq ? batch > f->capacity.max_requests
		                                       : b1 > f->capacity.max_requests &&
		                                         more <= f->capacity.tokens)) {
			say(e, "  %s: %s; %s %s requests at once", what, g(of_seq ? seq : batch),
			    trt ? "TensorRT-LLM's max_batch_size x pp runs"
			        : "SGLang's recurrent states admit", g(f->capacity.max_requests));
			return;
		}
		if ((of_seq ? seq : batch) == 0) {
			if (f->capacity.tokens && more <= f->capacity.tokens)
				say(e, "  %s: 0; SGLang's pools pass the device's memory, so"
				    " nothing fits", what);
			else
				say(e, "  %s: 0; %s tokens at one %s more, past %s"
				    " of %s", what, g(more), of_seq ? "token" : "sequence",
				    who_pool, g(f->capacity.tokens));
			return;
		}

		say(e, "  %s: %s; batch %s x pad(%s, %s) = %s tokens within %s of"
		    " %s, and %s at one %s more", what, g(of_seq ? seq : batch), g(batch),
		    g(seq), g(page), g(pages * page * batch), who_pool, g(f->capacity.tokens),
		    g(more), of_seq ? "token" : "sequence");
		return;
	}
	grows = budgets && lp->attn_cell_bytes && !lp->request.kv_budget;
	if (lp->stages > 1) {
		for (uint32_t s = 0; s < lp->stages; s++) {
			uint64_t room = budgets ? budgets[s] : budget;

			if (grows)
				room += s + 1 == lp->stages ? lp->compute_bytes : lp->compute_other_bytes;
			if (gpu_bytes(lp, s, s1, b1) + buffer_at(lp, s, s1, b1, grows) > room) {
				k = s;
				break;
			}
		}
		snprintf(who, sizeof who, "stage %u's", k);
	}
	if (budgets)
		budget = budgets[k];
	at = gpu_bytes(lp, k, seq, batch);
	past = gpu_bytes(lp, k, s1, b1);
	if ((of_seq ? seq : batch) == 0) {
		explain_none(e, lp, what, who, budget, past, of_seq, grows, k, s1, b1);
		return;
	}
	if (grows) {
		uint64_t a = buffer_at(lp, k, seq, batch, true), a1 = buffer_at(lp, k, s1, b1, true);

		budget += k + 1 == lp->stages ? lp->compute_bytes : lp->compute_other_bytes;
		say(e, "  %s: %s; at %s %s %s cache is %s B and llama.cpp's compute buffer %s B,"
		    " %s B within the %s B they share, and %s B at one %s more", what,
		    g(of_seq ? seq : batch), of_seq ? "batch" : "seq", g(of_seq ? batch : seq),
		    who, g(at), g(a), g(at + a), g(budget), g(past + a1),
		    of_seq ? "token" : "sequence");
		return;
	}
	if (of_seq)
		say(e, "  %s: %s; at batch %s %s cache is %s B at %s tokens, within %s B,"
		    " and %s B at one token more", what, g(seq), g(batch), who, g(at), g(seq),
		    g(budget), g(past));
	else
		say(e, "  %s: %s; at seq %s %s cache is %s B for %s sequences, within %s B,"
		    " and %s B for one more", what, g(batch), g(seq), who, g(at), g(batch),
		    g(budget), g(past));
}


/* How a max-seq figure was solved on the piece of f that holds it. */
static void explain_max_seq(const struct explainer *e, const struct cli_plan *p,
                            const char *what, uint64_t budget, uint64_t seq,
                            bool unbounded)
{
	const kvp_plan *lp = &p->layers;
	const kvp_policy *pol = &p->request.policy;
	uint64_t a = 0, slope = 0;

	/* The caps of ratio and PyramidKV move with the prompt: searched. */
	if (pol->kind == KVP_POLICY_RATIO) {
		if (unbounded)
			say(e, "  max seq (%s): no limit within %s B", what, g(budget));
		else
			say(e, "  max seq (%s): each layer keeps int((s - gen %s) x (1 - %.17g)) +"
			    " gen tokens; the largest s whose cache fits %s B, by bisection"
			    " (the cache never shrinks as s grows): %s", what,
			    g(p->request.gen), pol->ratio, g(budget), g(seq));
		return;
	}
	if (pol->kind == KVP_POLICY_PYRAMIDKV) {
		uint64_t span = pol->capacity - pol->window;
		uint64_t flat = 2 * span - span / pol->beta + pol->window;

		if (unbounded)
			say(e, "  max seq (%s): every prompt fits; from %s tokens on the"
			    " budgets stop growing, and every prompt up to there fits %s B:"
			    " no limit", what, g(flat), g(budget));
		else
			say(e, "  max seq (%s): prompts below capacity %s keep every token;"
			    " from there to %s the budgets' sum goes up and down,"
			    " searched over intervals of lengths; the last seq before"
			    " the first that does not fit %s B: %s", what, g(pol->capacity), g(flat), g(budget),
			    g(seq));
		return;
	}
	if (unbounded) {
		say(e, "  max seq (%s): every caching layer holds at most %s tokens, so the"
		    " cache stops at %s B x batch %s, within %s B: no limit", what,
		    g(lp->plateau_seq), g(largest_bytes(lp, lp->plateau_seq, 1)), g(p->batch),
		    g(budget));
		return;
	}
	if (seq == 0) {
		say(e, "  max seq (%s): 0; one token takes %s B x batch %s, more than %s B",
		    what, g(largest_bytes(lp, 1, 1)), g(p->batch), g(budget));
		return;
	}
	/* The piece [a, next window): a is the largest window at most seq. */
	for (uint32_t i = 0; i < lp->group_count; i++) {
		const kvp_layer_group *grp = &lp->groups[i];

		if (grp->bytes_per_token && grp->window && grp->window <= seq &&
		    grp->window > a)
			a = grp->window;
	}
	for (uint32_t i = 0; i < lp->group_count; i++) {
		const kvp_layer_group *grp = &lp->groups[i];

		if (grp->window == 0 || grp->window > a)
			slope += grp->bytes_per_token * grp->layers;
	}
	if (a == 0)
		say(e, "  max seq (%s): f(s) = %s + %s x s per sequence; s = floor((floor(%s"
		    " / batch %s) - %s) / %s) = %s", what, g(largest_bytes(lp, 0, 1)), g(slope),
		    g(budget), g(p->batch), g(largest_bytes(lp, 0, 1)), g(slope), g(seq));
	else
		say(e, "  max seq (%s): past %s tokens f(s) = %s + %s x (s - %s) per sequence;"
		    " s = %s + floor((floor(%s / batch %s) - %s) / %s) = %s", what, g(a),
		    g(largest_bytes(lp, a, 1)), g(slope), g(a), g(a), g(budget), g(p->batch),
		    g(largest_bytes(lp, a, 1)), g(slope), g(seq));
}

/* The bytes of the plan's groups whose draft flag is draft (any where
 * all), joined by " + " into out; how many. */
static uint32_t group_terms(const kvp_plan *lp, bool all, bool draft, char *out,
                            size_t size)
{
	size_t used = 0;
	uint32_t n = 0;

	out[0] = '\0';
	for (uint32_t i = 0; i < lp->group_count && used < size; i++)
		if (all || lp->groups[i].draft == draft)
			used += (size_t)snprintf(out + used, size - used, "%s%s",
			                         n++ ? " + " : "", g(lp->groups[i].bytes));
	return n;
}

/* The cache's total from the groups' bytes, each one tensor-parallel
 * rank's: times the ranks and replicas, and where SGLang holds every
 * layer on each pipeline stage (kvp_plan stages_whole), the model's
 * groups times the stages and a draft's once (lib/parallel.c
 * whole_totals). */
static void explain_cache_sum(const struct explainer *e, const struct cli_plan *p)
{
	const kvp_plan *lp = &p->layers;
	const kvp_request *r = &p->request;
	char model[EXPLAIN_LINE_MAX / 2], draft[EXPLAIN_LINE_MAX / 4],
	        sum[EXPLAIN_LINE_MAX], times[64] = "";
	bool whole = lp->stages_whole && r->pp > 1;
	uint32_t n = group_terms(lp, !whole, false, model, sizeof model), nd = 0;

	if (whole) {
		nd = group_terms(lp, false, true, draft, sizeof draft);
		snprintf(sum, sizeof sum, "%s%s%s x pp %u%s%s", n > 1 ? "(" : "", model,
		         n > 1 ? ")" : "", r->pp, nd ? " + " : "", nd ? draft : "");
		n = 2;
	} else
		snprintf(sum, sizeof sum, "%s", model);
	if (cli_sglang_dp_attention(r))
		snprintf(times, sizeof times, " x tp %u", r->tp); /* dp among them */
	else if (r->tp > 1 && r->dp > 1)
		snprintf(times, sizeof times, " x tp %u x dp %u", r->tp, r->dp);
	else if (r->tp > 1 || r->dp > 1)
		snprintf(times, sizeof times, " x %s %u", r->tp > 1 ? "tp" : "dp",
		         r->tp > 1 ? r->tp : r->dp);
	say(e, "cache: %s%s%s%s = %s B (per-token caches %s B, recurrent state %s B)",
	    times[0] && n > 1 ? "(" : "", sum, times[0] && n > 1 ? ")" : "", times,
	    g(lp->cache_total_bytes), g(lp->kv_total_bytes), g(lp->state_total_bytes));
}

void cli_explain(const struct cli_plan *p, void (*line)(void *ctx, const char *text),
                 void *ctx)
{
	const struct explainer e = {line, ctx};
	const kvp_plan *lp = &p->layers;
	char sum[EXPLAIN_LINE_MAX] = "";
	size_t used = 0;

	cli_source_lines(p, line, ctx);
	for (uint32_t i = 0; i < lp->group_count; i++)
		explain_group(&e, p, &lp->groups[i]);
	for (uint32_t i = 0; i < lp->group_count && used < sizeof sum; i++)
		used += (size_t)snprintf(sum + used, sizeof sum - used, "%s%u x %s",
		                         i ? " + " : "", lp->groups[i].layers,
		                         g(lp->groups[i].bytes_per_token));
	/* The groups' terms are one tensor-parallel rank's (its kv heads),
	 * the totals every GPU's (lib/parallel.c kvp__plan_parallel): the
	 * attention's tp under attention data parallelism. */
	if (p->request.engine == KVP_ENGINE_SGLANG && cli_dcp(&p->request) > 1 &&
	    lp->draft_layers)
		explain_sglang_dcp_draft_token(&e, p);
	else if (cli_dcp(&p->request) > 1)
		say(&e, "per token, every layer holding every token: (%s) x %stp %u / dcp %u"
		    " (each token on tp / dcp GPUs) = %s B", sum,
		    kvp_request_attention_tp(&p->request) != p->request.tp ? "attention " : "",
		    kvp_request_attention_tp(&p->request), p->request.dcp,
		    g(lp->kv_bytes_per_token));
	else if (kvp_request_attention_tp(&p->request) > 1)
		say(&e, "per token, every layer holding every token: (%s) x %stp %u = %s B",
		    sum, kvp_request_attention_tp(&p->request) != p->request.tp ? "attention " : "",
		    kvp_request_attention_tp(&p->request), g(lp->kv_bytes_per_token));
	else
		say(&e, "per token, every layer holding every token: %s = %s B", sum,
		    g(lp->kv_bytes_per_token));
	explain_cache_sum(&e, p);
	for (size_t i = 0; i < p->n_devices; i++) {
		const kvp_device *d = &p->devices[i];
		const kvp_fit *f = &p->fits[i];
		const kvp_request *r = &p->request;
		const kvp_plan *dp = cli_device_plan(p, i);
		uint64_t budget = f->budget_bytes, check[KVP_PP_MAX];
		uint64_t one = largest_bytes(dp, p->seq, 1);
		/* The exact model on one GPU has the closed forms below; the
		 * engines' and parallel layouts' costs are shown at their
		 * boundaries. */
		bool steps = r->engine != KVP_ENGINE_EXACT || r->tp > 1 || r->pp > 1;

		say(&e, "%s:", d->name);
		/* The backend that set this GPU's block or page, and what
		 * this GPU takes that the first does not. */
		{
			char why[KVP_NAME_MAX + 64], step[160] = "", blocks[160] = "";
			char types[KVP_NAME_MAX + 96] = "";
			/* The type asked, which the backend is picked for. */
			const char *t = kvp_dtype_name(p->asked_dtype_k);
			bool named = cli_block_backend(p, i) != NULL, sglang = r->engine == KVP_ENGINE_SGLANG;

			cli_block_reason(p, i, why, sizeof why);
			if (named && sglang)
				say(&e, "  page size %s: that of %s, for arch %s",
				    g(cli_engine_block(dp)), why, d->arch);
			else if (named)
				say(&e, "  blocks of %s tokens: those of %s, for arch %s and a%s %s"
				    " cache", g(cli_engine_block(dp)), why, d->arch,
				    t[0] == 'f' || t[0] == 'i' ? "n" : "", t);
			if (dp != lp && dp->batched_tokens != lp->batched_tokens)
				snprintf(step, sizeof step, "max_num_batched_tokens %s, vllm serve's"
				         " default here, a step's tokens that the sliding layers"
				         " keep beside their window", g(dp->batched_tokens));
			if (dp != lp && cli_engine_block(dp) != cli_engine_block(lp))
				snprintf(blocks, sizeof blocks, "%s %s%s%s%s%s",
				         sglang ? "page size" : "blocks of", g(cli_engine_block(dp)),
				         sglang ? "" : " tokens", named ? "" : " (", named ? "" : why,
				         named ? "" : ")");
			/* vLLM's sparse MLA backend keeps fp8 as fp8_ds_mla
			 * on one GPU and not on another. */
			if (dp != lp && dp->request.dtype_k != lp->request.dtype_k)
				snprintf(types, sizeof types, "cache %s (%s)",
				         kvp_dtype_name(dp->request.dtype_k),
				         cli_type_reason(p, i, why, sizeof why));
			if (dp != lp)
				say(&e, "  planned again with %s%s%s%s%s: %s B in all", types,
				    types[0] && (step[0] || blocks[0]) ? "; " : "", step,
				    step[0] && blocks[0] ? "; and " : "", blocks,
				    g(dp->cache_total_bytes));
		}
		say(&e, "  L2 %s B: the largest GPU's cache %s B %s; largest layer %s B %s",
		    g(d->l2_bytes), g(dp->kv_bytes_per_gpu),
		    f->fits_l2 ? "fits" : "does not fit", g(dp->max_layer_bytes),
		    f->layer_fits_l2 ? "fits" : "does not fit");
		if (steps && !f->max_seq_l2_unbounded)
			explain_boundary(&e, dp, f, "max seq (L2)", d->l2_bytes, NULL, f->max_seq_l2,
			                 p->batch, true);
		else
			explain_max_seq(&e, p, "L2", d->l2_bytes, f->max_seq_l2,
			                f->max_seq_l2_unbounded);
		if (cli_mem_util(p) == 0)
			explain_sglang_share(&e, dp, d, f->mem_util);
		if (r->engine == KVP_ENGINE_VLLM)
			say(&e, "  usable: ceil(%s B x gpu_memory_utilization %.17g), in doubles"
			    " as vLLM computes it, = %s B", g(f->footprint.total),
			    f->mem_util, g(f->usable_bytes));
		else if (r->engine == KVP_ENGINE_SGLANG && f->footprint.runtime)
			/* SGLang's buffers are its preload alone
			 * (--profile-memory), outside its share. */
			say(&e, "  usable: floor((%s B - %s B in use before the weights load) x"
			    " mem_fraction_static %.17g) = %s B", g(f->footprint.total),
			    g(f->footprint.runtime), f->mem_util, g(f->usable_bytes));
		else
			say(&e, "  usable: floor(%s B x mem_util %.17g) = %s B", g(f->footprint.total),
			    f->mem_util, g(f->usable_bytes));
		if (r->weight_bytes)
			say(&e, "  weights: %s B, counted from the checkpoint's tensors",
			    g(f->weights_bytes - dp->draft_weights_bytes));
		else if (p->has_estimate)
			explain_estimate(&e, p);
		else
			say(&e, "  weights: %s parameters as %s = %s B",
			    g(kvp_model_loaded_params(&p->model, r)),
			    kvp_dtype_name(p->fit_options.weights_dtype),
			    g(f->weights_bytes - dp->draft_weights_bytes));
		explain_stage_weights(&e, p, dp, d, f);
		explain_budget(&e, p, f, budget);
		explain_sglang_states(&e, dp, f);
		explain_sglang_swa_cap(&e, dp, f);
		explain_sglang_swa_floor(&e, dp, f);
		explain_trtllm_pools(&e, dp, f);
		explain_vllm_profile(&e, dp, d, f);
		/* vLLM 0.29 on answers within the budget less its null block:
		 * each stage's check. */
		for (uint32_t s = 0; s < dp->stages; s++) {
			uint64_t held = kvp_plan_held_bytes(dp, s);

			check[s] = f->stage_budget[s] > held ? f->stage_budget[s] - held : 0;
			if (held && dp->stages == 1)
				say(&e, "  vLLM's check holds back the null block, one block of the"
				    " pool (%s B): %s B for the longest context and the batch",
				    g(held), g(check[s]));
			else if (held)
				say(&e, "  stage %u: vLLM's check holds back its pool's null block"
				    " (%s B): %s B of its %s B for the longest context and the"
				    " batch", s, g(held), g(check[s]), g(f->stage_budget[s]));
		}
		budget = check[f->stage];
		if (steps && !f->max_seq_hbm_unbounded)
			explain_boundary(&e, dp, f, "max seq (HBM)", budget, check,
			                 f->max_seq_hbm,
			                 p->batch, true);
		else
			explain_max_seq(&e, p, "HBM", budget, f->max_seq_hbm,
			                f->max_seq_hbm_unbounded);
		if (steps)
			explain_boundary(&e, dp, f, "max batch", budget, check, p->seq,
			                 f->max_batch_hbm,
			                 false);
		else if (one)
			say(&e, "  max batch: floor(%s / %s B per sequence) = %s", g(budget),
			    g(one), g(f->max_batch_hbm));
		explain_sglang_reqs(&e, dp, f);
	}
}
