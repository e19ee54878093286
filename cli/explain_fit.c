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
		const kvp_model *m = &p->model;
		bool towers = !kvp_model_loads_towers(m, &p->request) && m->vision_params;
		bool mtp = m->mtp_params != 0;
		/* the rest: TensorRT-LLM's Gemma 4 shared layers' K and V */
		uint64_t kv = m->params - loaded - m->mtp_params - (towers ? m->vision_params : 0);

		say(e, "  params loaded: %s of %s, less %s%s%s%s%s%s%s%s%s", g(loaded), g(m->params),
		    mtp ? "the MTP layers' " : "", mtp ? g(m->mtp_params) : "",
		    mtp && (towers || kv) ? " and " : "", towers ? "the towers' " : "",
		    towers ? g(m->vision_params) : "", towers && kv ? " and " : "",
		    kv ? "the shared layers' K and V projections " : "", kv ? g(kv) : "",
		    kv ? " (TensorRT-LLM's _QOnlyLinear)" : "");
	}
	say(e, "  weights as %s: embeddings %s (vocab x hidden), head %s%s, norms %s"
	    " (%s), %s%s%slinear %s (the rest of %s)", f->name,
	    g(w->embedding_params), g(w->head_params),
	    p->model.tie_embeddings ? " (tied)" : "", g(w->norm_params),
	    w->norm_params == (2ull * p->model.layers + 1) * p->model.hidden
	    ? "(2 x layers + 1) x hidden"
	    /* LFM2's: two norms a layer, a short convolution's kernel, the
	     * attention's q and k layernorms */
	    : p->model.ssm_conv_kernel && !p->model.ssm_state
	    ? "(2 x layers + 1) x hidden, each conv layer's kernel and each attention"
	      " layer's q and k layernorms"
	    : p->model.ssm_heads ? "(layers + 1) x hidden, and each Mamba-2 layer's conv1d,"
	      " A_log, D, dt_bias and gated norm"
	    : "(layers + 1) x hidden, and each Mamba layer's conv1d, A_log, D and dt_proj's"
	      " bias",
	    w->tower_params ? "vision tower " : "", w->tower_params ? g(w->tower_params) : "",
	    w->tower_params ? ", " : "", g(w->linear_params), g(loaded));
	if (f->kind == KVP_WFORMAT_GGUF)
		say(e, "  every 2-D tensor: ceil(%s / %u) x %u B = %s B; norms in f32: %s B",
		    g(w->quantized_params), f->block_values, f->block_bytes,
		    g(w->quantized_bytes), g(w->other_bytes));
	else {
		uint64_t other = loaded - w->quantized_params;
		/* a Nemotron-H's routers' correction biases in fp32
		 * (lib/weights_estimate.c) */
		uint64_t f32 = w->other_bytes > 2 * other ? (w->other_bytes - 2 * other) / 2 : 0;
		char more[96] = "";

		if (f32)
			snprintf(more, sizeof more, ", %s of them (the routers' correction biases)"
			         " at 4 B", g(f32));
		say(e, "  quantized: %s parameters%s = %s B; the other %s at 2 B%s = %s B",
		    g(w->quantized_params), f->quant_head && w->head_params
		    ? " (the head's among them)" : "", g(w->quantized_bytes), g(other), more,
		    g(w->other_bytes));
	}
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
/* gpt-oss's MXFP4 experts as vLLM's kernel lays them out on d, each
 * stage's (lib/vllm_mxfp4.c). */
static void explain_mxfp4(const struct explainer *e, const kvp_plan *lp, const kvp_device *d)
{
	kvp_mxfp4_layout mx;

	for (uint32_t s = 0; s < lp->stages; s++) {
		char stage[32] = "";

		if (kvp_plan_mxfp4_layout(lp, d, s, &mx, NULL) != KVP_OK || mx.kernel == KVP_MOE_NONE)
			continue;
		if (lp->stages > 1)
			snprintf(stage, sizeof stage, " of stage %u", s);
		say(e, "  gpt-oss's MXFP4 experts%s as vLLM's %s kernel keeps them: hidden %u"
		    " and inner size %u (padded), %u experts, each tensor as PyTorch's allocator"
		    " holds it: %s B a layer x %u layers = %s B, in place of their share %s B",
		    stage, kvp_moe_backend_name(mx.kernel), mx.hidden, mx.intermediate, mx.experts,
		    g(mx.layer_bytes), mx.layers, g(mx.bytes), g(mx.checkpoint_bytes));
	}
}

void explain_stage_weights(const struct explainer *e, const struct cli_plan *p,
                           const kvp_plan *dp, const kvp_device *d, const kvp_fit *f)
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

	if (!(lp->stages > 1 || r->tp > 1 || llama || experts || lp->stage_rotary_bytes[0] ||
	      lp->topk_row_bytes || dp->mxfp4_intermediate))
		return;
	if (experts)
		say(e, "  routed experts: %s B of the weights (%u a routed layer), which vLLM"
		    " splits over tp x dp = %llu GPUs%s", g(lp->expert_bytes), lp->routed_experts,
		    (unsigned long long)r->tp * r->dp,
		    r->expert_parallel ? " as whole experts" : " by each expert's inner size");
	for (uint32_t s = 0; s < lp->stages; s++) {
		char stage[32] = "", share[96] = "", whole[80] = "", beside[448] = "";
		int64_t ct;
		kvp_mxfp4_layout mx;
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
			n += (size_t)snprintf(beside + n, sizeof beside - n, " + the rotary table %s",
			                      g(lp->stage_rotary_bytes[s]));
		/* vLLM's bf16 wk of the indexer past its fp8 (lib/stages.c),
		 * and its buffers of selected indices (lib/indexer.c) */
		if (lp->stage_indexer_upcast_bytes[s] && n < sizeof beside)
			n += (size_t)snprintf(beside + n, sizeof beside - n,
			                      " + the indexer's wk in bf16 %s past its fp8",
			                      g(lp->stage_indexer_upcast_bytes[s]));
		/* compressed-tensors' integer weights as vLLM's kernels keep
		 * them, past their share (lib/vllm_ct_int.c) */
		ct = kvp_plan_ct_int_bytes(lp, d, s);
		if (ct && n < sizeof beside)
			n += (size_t)snprintf(beside + n, sizeof beside - n,
			                      " %c %s's %s layout %s", ct < 0 ? '-' : '+',
			                      r->engine == KVP_ENGINE_VLLM ? "vLLM" : "SGLang",
			                      r->weights_format.name,
			                      g(ct < 0 ? (uint64_t)-ct : (uint64_t)ct));
		/* gpt-oss's MXFP4 experts as vLLM's kernel lays them out
		 * (lib/vllm_mxfp4.c), in place of their share */
		if (kvp_plan_mxfp4_layout(dp, d, s, &mx, NULL) == KVP_OK &&
		    mx.kernel != KVP_MOE_NONE && n < sizeof beside)
			n += (size_t)snprintf(beside + n, sizeof beside - n,
			                      " - their share %s + the experts as %s lays them"
			                      " out %s", g(mx.checkpoint_bytes),
			                      kvp_moe_backend_name(mx.kernel), g(mx.bytes));
		if (lp->topk_row_bytes && n < sizeof beside) {
			uint64_t row = lp->topk_row_bytes +
			               (s + 1 == lp->stages ? lp->draft_topk_row_bytes : 0);

			snprintf(beside + n, sizeof beside - n, " + the selected indices %s x %s",
			         g(f->batched_tokens), g(row));
		}
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
		    (s == 0 || lp->outer_every_stage) && !llama && lp->embedding_bytes
		    ? " + embedding" : "",
		    (s + 1 == lp->stages || (lp->outer_every_stage && lp->head_bytes)) &&
		    lp->embedding_bytes && (lp->head_bytes || lp->stages > 1 || llama)
		    ? " + head" : "", whole,
		    r->tp, whole[0] ? " + those" : "", beside, s + 1 == lp->stages && lp->draft_weights_bytes
		           ? " + the draft's, ceil(/ tp)" : "",
		    g(f->stage_weights[s]), lp->stages > 1 && s == f->stage ? " (binds)" : "");
	}
	explain_mxfp4(e, dp, d);
}

void explain_vllm_profile(const struct explainer *e, const kvp_plan *plan,
                          const kvp_device *d, const kvp_fit *f)
{
	kvp_vllm_profile t;
	char peak[160], received[64] = "", moe[192] = "", shared[288] = "";

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
	/* a mixture of experts' workspace, still held (lib/vllm_profile.c) */
	if (t.moe_workspace_bytes && plan->moe_backend == KVP_MOE_DEEP_GEMM)
		snprintf(moe, sizeof moe, " + fused-MoE workspace (deep_gemm: %s tokens x %u"
		         " rows + %s, rounded up to 128, x %s) %s",
		         g(t.tokens * (plan->request.dp ? plan->request.dp : 1)), plan->moe_top_k,
		         g(plan->moe_pad_rows),
		         g(plan->moe_workspace_row_bytes / plan->moe_top_k /
		           (plan->request.dp ? plan->request.dp : 1)),
		         g(t.moe_workspace_bytes));
	else if (t.moe_workspace_bytes)
		snprintf(moe, sizeof moe, " + fused-MoE workspace (%s) %s x %s",
		         kvp_moe_backend_name(plan->moe_backend), g(t.tokens),
		         g(plan->moe_workspace_row_bytes));
	/* a sparse MLA model's asks of the same buffer: the larger held */
	if (plan->sparse_workspace_bytes && moe[0])
		snprintf(shared, sizeof shared, " + max(%s, the sparse attention's %s)", moe + 3,
		         g(plan->sparse_workspace_bytes));
	else if (plan->sparse_workspace_bytes)
		snprintf(shared, sizeof shared, " + the sparse attention's workspace %s",
		         g(plan->sparse_workspace_bytes));
	say(e, "  buffers, vLLM's profile run: %s%s + non-torch %s%s = %s B", peak,
	    shared[0] ? shared : moe, g(t.non_torch_bytes), received, g(t.total_bytes));
}
