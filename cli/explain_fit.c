/*
 * explain_fit.c — kvplan --explain's weights and budget: the weights as
 * a format estimates them, where each pipeline stage holds them, and the
 * cache's budget on the GPU of the stage that binds, term by term.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "explain.h"

/* The weights in a checkpoint format: which parameters it quantizes, at
 * what rate, and the rest at 16 bits (f32 norms in GGUF). */
void explain_estimate(const struct explainer *e, const struct cli_plan *p)
{
	const kvp_weights_estimate *w = &p->estimate;
	const kvp_weights_format *f = &p->request.weights_format;
	uint64_t loaded = kvp_model_loaded_params(&p->model, &p->request);

	if (loaded != p->model.params) {
		bool towers = loaded + p->model.mtp_params != p->model.params;
		bool mtp = p->model.mtp_params != 0;

		say(e, "  params loaded: %s of %s, less %s%s%s%s%s", g(loaded),
		    g(p->model.params), mtp ? "the MTP layers' " : "",
		    mtp ? g(p->model.mtp_params) : "", mtp && towers ? " and " : "",
		    towers ? "the towers' " : "", towers ? g(p->model.vision_params) : "");
	}
	say(e, "  weights as %s: embeddings %s (vocab x hidden), head %s%s, norms %s"
	    " ((2 x layers + 1) x hidden), linear %s (the rest of %s)", f->name,
	    g(w->embedding_params), g(w->head_params),
	    p->model.tie_embeddings ? " (tied)" : "", g(w->norm_params),
	    g(w->linear_params), g(loaded));
	if (f->kind == KVP_WFORMAT_GGUF)
		say(e, "  every 2-D tensor: ceil(%s / %u) x %u B = %s B; norms in f32: %s B",
		    g(w->quantized_params), f->block_values, f->block_bytes,
		    g(w->quantized_bytes), g(w->other_bytes));
	else
		say(e, "  quantized: %s parameters = %s B; the other %s at 2 B = %s B",
		    g(w->quantized_params), g(w->quantized_bytes),
		    g(loaded - w->quantized_params), g(w->other_bytes));
	say(e, "  weights: %s + %s = %s B", g(w->quantized_bytes), g(w->other_bytes),
	    g(w->bytes));
}

/* The cache's budget on the binding stage's GPU, term by term: its
 * weights, the engine's buffers (vLLM's profile run too), the adapters
 * and the reserve; SGLang's is the least over the stages, the one with the
 * most weights. */
void explain_budget(const struct explainer *e, const struct cli_plan *p,
                    const kvp_fit *f, uint64_t budget)
{
	const kvp_request *r = &p->request;
	uint32_t k = f->stage, stages = p->layers.stages;
	char terms[160] = "", who[64] = "", short_by[96] = "=";
	size_t n = 0;
	/* what the budget took for the engine: its activations and, vLLM's,
	 * its runtime (non-torch memory, CUDA graphs) */
	uint64_t buffers = f->footprint.activations + f->footprint.runtime;

	if (r->kv_budget) {
		say(e, "  budget for the cache: --kv-budget %s B", g(budget));
		return;
	}
	if (r->engine == KVP_ENGINE_SGLANG && stages > 1) {
		for (uint32_t s = 0; s < stages; s++)
			if (f->stage_weights[s] > f->stage_weights[k])
				k = s;
		snprintf(who, sizeof who, " (every stage's: stage %u's, the least)", k);
	}
	/* SGLang's buffers (its preload) lie outside its usable share;
	 * TensorRT-LLM's MLA workspace comes off after the fraction. */
	if (r->engine != KVP_ENGINE_SGLANG &&
	    buffers > f->cuda_graph_bytes + f->mla_workspace_bytes)
		n += (size_t)snprintf(terms + n, sizeof terms - n, " - buffers %s",
		                      g(buffers - f->cuda_graph_bytes - f->mla_workspace_bytes));
	if (f->cuda_graph_bytes && n < sizeof terms)
		n += (size_t)snprintf(terms + n, sizeof terms - n, " - CUDA graphs %s",
		                      g(f->cuda_graph_bytes));
	if (p->layers.lora_stage_bytes[k] && n < sizeof terms)
		snprintf(terms + n, sizeof terms - n, " - adapters %s",
		         g(p->layers.lora_stage_bytes[k]));
	/* Where the terms pass what they come out of, the budget is 0, not
	 * the difference: say so rather than print an equation that is
	 * false. */
	{
		unsigned __int128 need = (unsigned __int128)f->stage_weights[k] +
		                         p->layers.lora_stage_bytes[k] +
		                         p->fit_options.reserve_bytes;
		uint64_t from = r->engine == KVP_ENGINE_TRTLLM ? f->footprint.total
		                                               : f->usable_bytes;

		if (r->engine != KVP_ENGINE_SGLANG)
			need += buffers - f->mla_workspace_bytes;
		if (need > from) {
			unsigned __int128 over = need - from;

			snprintf(short_by, sizeof short_by, "< 0 (short by %s B), so",
			         over > UINT64_MAX ? "more than 2^64" : g((uint64_t)over));
		}
	}
	if (r->engine == KVP_ENGINE_TRTLLM && f->mla_workspace_bytes) {
		const kvp_plan *lp = &p->layers;

		say(e, "  budget before the MLA workspace%s: floor((%s - %s%s - reserve %s) x %.17g)"
		    " %s %s B", who, g(f->footprint.total), g(f->stage_weights[k]), terms,
		    g(p->fit_options.reserve_bytes), f->mem_util, short_by,
		    g(budget + f->mla_workspace_bytes));
		say(e, "  budget for the cache: int(B - min(w x L, B x w / (k + w))), w %s B a"
		    " token, L %s tokens, k the stage's cache bytes a token: %s - %s = %s B",
		    g(lp->trtllm_mla_workspace_bytes), g(lp->trtllm_mla_workspace_tokens),
		    g(budget + f->mla_workspace_bytes), g(f->mla_workspace_bytes), g(budget));
	} else if (r->engine == KVP_ENGINE_TRTLLM)
		say(e, "  budget for the cache%s: floor((%s - %s%s - reserve %s) x %.17g) %s %s B",
		    who, g(f->footprint.total), g(f->stage_weights[k]), terms,
		    g(p->fit_options.reserve_bytes), f->mem_util, short_by, g(budget));
	else
		say(e, "  budget for the cache%s: %s - %s%s - reserve %s %s %s B", who,
		    g(f->usable_bytes), g(f->stage_weights[k]), terms,
		    g(p->fit_options.reserve_bytes), short_by, g(budget));
	/* The graphs' model (lib/vllm_profile.c graph_bytes), with the
	 * count of sizes its config code gives on this device. */
	if (f->cuda_graph_bytes && f->cuda_graphs)
		say(e, "  CUDA graphs: %u batch sizes captured; estimated %" PRIu64 " MiB + %"
		    PRIu64 " KiB x %u layers x %u sizes past the first = %s B", f->cuda_graphs,
		    KVP_VLLM_GRAPH_BASE_BYTES >> 20, KVP_VLLM_GRAPH_LAYER_SIZE_BYTES >> 10,
		    p->layers.stage_layers[f->stage], f->cuda_graphs - 1,
		    g(f->cuda_graph_bytes));
}

/* Where the weights sit: by stage (the layers' share by layers, the
 * embedding on the first, the head on the last), over the tp ranks, and
 * llama.cpp's embedding in host memory. */
void explain_stage_weights(const struct explainer *e, const struct cli_plan *p,
                           const kvp_device *d, const kvp_fit *f)
{
	const kvp_plan *lp = &p->layers;
	const kvp_request *r = &p->request;
	bool llama = r->engine == KVP_ENGINE_LLAMA_CPP;
	bool units = lp->stages > 1 && lp->stage_units[lp->stages - 1];

	if (lp->embedding_bytes && (lp->stages > 1 || llama))
		say(e, "  embedding %s B%s; LM head %s B%s%s", g(lp->embedding_bytes),
		    llama ? " in host memory (llama.cpp keeps the input layer on the CPU)"
		          : " on the first stage",
		    g(lp->head_bytes ? lp->head_bytes : lp->embedding_bytes),
		    lp->head_bytes ? "" : " (tied: the embedding's copy)",
		    lp->stages > 1 ? " on the last stage" : " on the GPU");
	if (lp->embedding_bytes && (lp->stages > 1 || llama))
		say(e, "  the layers' weights: the rest, %s B, shared out by %s",
		    g(f->weights_bytes - lp->draft_weights_bytes - lp->embedding_bytes -
		      lp->head_bytes),
		    units ? "the layers' parameters (dense and expert layers differ)"
		          : "layers");
	/* vLLM's routed experts over tp x dp GPUs (lib/fit.c). */
	bool experts = cli_experts_over_dp(lp);

	/* SGLang's placement by parts (lib/fit.c sglang_parts), one stage:
	 * data-parallel attention, --enable-dp-lm-head,
	 * --moe-dense-tp-size 1, DeepEP. */
	if (r->engine == KVP_ENGINE_SGLANG &&
	    (cli_sglang_dp_attention(r) || r->sglang_dense_whole || r->sglang_deepep)) {
		bool dpa = cli_sglang_dp_attention(r);
		uint64_t w = f->weights_bytes - lp->draft_weights_bytes, rest = w;
		uint64_t h = dpa && r->sglang_dp_lm_head ? lp->head_bytes : 0;
		char parts[EXPLAIN_LINE_MAX] = "";
		size_t n = 0;
		uint64_t v, a;

		/* Each part taken out of what is left in lib/fit.c's order,
		 * at most that (a rounded parameter count can fall short of
		 * the parts): the figures it used. */
#define PART(...) (n += n < sizeof parts ? (size_t)snprintf(parts + n, sizeof parts - n, \
                                                           __VA_ARGS__) : 0)
#define TAKE(want) (v = (want) < rest ? (want) : rest, rest -= v, v)
		(void)TAKE(lp->replicated_bytes);
		if (dpa) {
			a = TAKE(lp->attention_bytes);
			PART(" + the attention's projections %s B over tp %u, %s B a GPU", g(a),
			     kvp_request_attention_tp(r), g(lp->attention_gpu_bytes < a ? lp->attention_gpu_bytes : a));
			PART(" + the embedding %s B whole", g(TAKE(lp->embedding_bytes)));
		}
		if (h)
			PART(" + the head %s B, ceil(/ tp %u)", g(TAKE(h)), kvp_request_attention_tp(r));
		if (lp->dense_mlp_bytes)
			PART(" + the dense MLPs %s B whole", g(TAKE(lp->dense_mlp_bytes)));
		if (lp->shared_expert_bytes)
			PART(" + the shared experts %s B whole", g(TAKE(lp->shared_expert_bytes)));
		if (r->sglang_deepep && lp->routed_experts)
			PART(" + the routed experts %s B x ceil(%u / %u) / %u, rounded up",
			     g(TAKE(lp->stage_expert_bytes[0])), lp->routed_experts, r->tp,
			     lp->routed_experts);
		if (lp->replicated_bytes)
			PART(" + %s B whole on every rank", g(lp->replicated_bytes));
		if (lp->attention_copy_bytes)
			PART(" + w_kc/w_vc %s B", g(lp->attention_copy_bytes));
		if (lp->stage_kv_replica_bytes[0])
			PART(" + replicated kv heads' K and V %s B", g(lp->stage_kv_replica_bytes[0]));
		if (lp->stage_rotary_bytes[0])
			PART(" + the rotary table %s B", g(lp->stage_rotary_bytes[0]));
#undef TAKE
		if (lp->draft_weights_bytes)
			PART(" + the draft's %s B", g(f->footprint.draft));
#undef PART
		say(e, "  weights per GPU: the rest's %s B, ceil(/ tp %u)%s = %s B", g(rest),
		    r->tp, parts, g(f->stage_weights[0]));
		return;
	}

	if (!(lp->stages > 1 || r->tp > 1 || llama || experts || lp->stage_rotary_bytes[0]))
		return;
	if (experts)
		say(e, "  routed experts: %s B of the weights (%u a routed layer), which vLLM"
		    " splits over tp x dp = %llu GPUs%s", g(lp->expert_bytes), lp->routed_experts,
		    (unsigned long long)r->tp * r->dp,
		    r->expert_parallel ? " as whole experts" : " by each expert's inner size");
	for (uint32_t s = 0; s < lp->stages; s++) {
		char stage[32] = "", share[96] = "", whole[80] = "", beside[256] = "";
		size_t n = 0;

		if (lp->stages > 1)
			snprintf(stage, sizeof stage, " of stage %u", s);
		/* The MLA down-projections and routers every rank holds
		 * whole (kvp_plan replicated_bytes). */
		if (r->tp > 1 && lp->stage_replicated_bytes[s])
			snprintf(whole, sizeof whole, " less the %s B every rank holds whole",
			         g(lp->stage_replicated_bytes[s]));
		/* Past the even shares (lib/attn_weights.c): the copies of
		 * kv_b_proj, and the K and V of replicated kv heads. */
		if (lp->attention_copy_bytes) {
			kvp_device plain = *d; /* the copies but for an arch's own */
			uint64_t here = kvp_plan_stage_copy_bytes(lp, d, s);

			plain.arch[0] = '\0';
			n += (size_t)snprintf(beside, sizeof beside, " + %s%s %s",
			                      r->engine == KVP_ENGINE_SGLANG ? "w_kc/w_vc"
			                      : r->engine == KVP_ENGINE_VLLM ? "dequantized kv_b_proj"
			                      : "k_b_proj_trans",
			                      here != kvp_plan_stage_copy_bytes(lp, &plain, s)
			                      ? " and its bf16 dequantized copies" : "", g(here));
		}
		if (lp->stage_kv_replica_bytes[s] && n < sizeof beside)
			n += (size_t)snprintf(beside + n, sizeof beside - n,
			                      " + replicated kv heads' K and V %s",
			                      g(lp->stage_kv_replica_bytes[s]));
		/* the rotary tables its GPUs build (lib/rope.c) */
		if (lp->stage_rotary_bytes[s] && n < sizeof beside)
			snprintf(beside + n, sizeof beside - n, " + the rotary table %s",
			         g(lp->stage_rotary_bytes[s]));
		/* TensorRT-LLM's attention data parallelism: all but the
		 * routed experts whole (lib/fit.c split_weights). */
		if (r->engine == KVP_ENGINE_TRTLLM && r->attention_dp) {
			say(e, "  weights per GPU%s: the routed experts' %s B, ceil(/ tp %u), + every"
			    " other weight whole%s = %s B%s", stage, g(lp->stage_expert_bytes[s]), r->tp,
			    beside, g(f->stage_weights[s]),
			    lp->stages > 1 && s == f->stage ? " (binds)" : "");
			continue;
		}
		if (experts) {
			uint64_t group = (uint64_t)r->tp * r->dp, x = lp->stage_expert_bytes[s];
			const char *draft = s + 1 == lp->stages && lp->draft_weights_bytes
			                    ? " + the draft's, ceil(/ tp)" : "";

			if (r->expert_parallel)
				say(e, "  weights per GPU%s: its experts' %s B x ceil(%u / %llu) / %u,"
				    " rounded up, + the other weights'%s%s ceil(/ tp %u)%s%s%s = %s B%s",
				    stage, g(x), lp->routed_experts, (unsigned long long)group,
				    lp->routed_experts, whole, whole[0] ? "," : "", r->tp, whole[0] ? " + those" : "", beside, draft,
				    g(f->stage_weights[s]),
				    lp->stages > 1 && s == f->stage ? " (binds)" : "");
			else
				say(e, "  weights per GPU%s: its experts' %s B, ceil(/ %llu), + the other"
				    " weights'%s%s ceil(/ tp %u)%s%s%s = %s B%s", stage, g(x),
				    (unsigned long long)group, whole, whole[0] ? "," : "", r->tp, whole[0] ? " + those" : "",
				    beside, draft, g(f->stage_weights[s]),
				    lp->stages > 1 && s == f->stage ? " (binds)" : "");
			continue;
		}
		if (units)
			snprintf(share, sizeof share, " (%s of %s parameters)",
			         g(lp->stage_units[s] - (s ? lp->stage_units[s - 1] : 0)),
			         g(lp->stage_units[lp->stages - 1]));
		say(e, "  weights per GPU%s: %u of %u layers'%s%s%s%s, ceil(/ tp %u)%s%s%s = %s B%s",
		    stage, lp->stage_layers[s], lp->layers, share,
		    s == 0 && !llama && lp->embedding_bytes ? " + embedding" : "",
		    s + 1 == lp->stages && lp->embedding_bytes &&
		    (lp->head_bytes || lp->stages > 1 || llama) ? " + head" : "", whole,
		    r->tp, whole[0] ? " + those" : "", beside, s + 1 == lp->stages && lp->draft_weights_bytes
		           ? " + the draft's, ceil(/ tp)" : "",
		    g(f->stage_weights[s]), lp->stages > 1 && s == f->stage ? " (binds)" : "");
	}
}

void explain_vllm_profile(const struct explainer *e, const kvp_plan *plan,
                          const kvp_device *d, const kvp_fit *f)
{
	kvp_vllm_profile t;
	char peak[160], received[64] = "";

	if (kvp_vllm_profile_compute(plan, d, f->stage, &t, NULL) != KVP_OK ||
	    t.total_bytes == 0)
		return;
	if (f->stage + 1 < plan->stages)
		snprintf(peak, sizeof peak, "forward over %s tokens %s (the last stage alone"
		         " samples)", g(t.tokens), g(t.forward_bytes));
	else
		snprintf(peak, sizeof peak, "max(forward over %s tokens %s, V%u dummy sampler"
		         " over %s rows %s)", g(t.tokens), g(t.forward_bytes), t.runner,
		         g(t.seqs), g(t.sampler_bytes));
	if (t.received_bytes)
		snprintf(received, sizeof received, " + received %s", g(t.received_bytes));
	say(e, "  buffers, vLLM's profile run: %s + non-torch %s%s = %s B", peak,
	    g(t.non_torch_bytes), received, g(t.total_bytes));
}

/* SGLang's request-to-token table on device d (kvp_plan_sglang_reqs),
 * allocated after its pool out of what its share holds back. */
void explain_sglang_reqs(const struct explainer *e, const kvp_plan *plan, const kvp_fit *f)
{
	const kvp_request *r = &plan->request;
	const kvp_footprint *fp = &f->footprint;
	kvp_sglang_reqs q;
	uint64_t tokens = f->capacity.tokens;
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
		    " (\"Not enough memory\")");
		return;
	}
	if (r->max_running_requests)
		snprintf(cap, sizeof cap, "--max-running-requests %u / dp %u",
		         r->max_running_requests, r->dp ? r->dp : 1);
	else
		snprintf(cap, sizeof cap, "tokens / 2 = %s", g(tokens / 2));
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
