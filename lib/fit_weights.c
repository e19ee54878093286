/*
 * fit_weights.c — the weights one GPU holds: a stage's over its
 * tensor-parallel ranks (and vLLM's routed experts over tp x dp, SGLang's
 * and TensorRT-LLM's parts that lie otherwise), the copies of kv_b_proj,
 * vLLM's buffers of the indexer's indices, and a draft's or the MTP
 * layers' on the last stage (kvp_plan_fit, lib/fit.c).
 */
#include <string.h>

#include "engine.h"

static uint64_t ceil_div(uint64_t x, uint64_t d)
{
	return x / d + (x % d != 0);
}

/* Stage t's weights w on one of its GPUs: over its tp ranks, but under
 * TensorRT-LLM's attention data parallelism whole but for its experts
 * (kvp_request attention_dp), and for vLLM's routed experts with dp > 1 or expert_parallel, which lie over
 * tp x dp GPUs (vllm/model_executor/layers/fused_moe/config.py,
 * FusedMoEParallelConfig.make, 2026-11: the MoE layer's tp is
 * flatten_tp_across_dp_and_pcp's dp x tp, and with expert parallelism
 * ep_size is that and each GPU holds whole experts, at most
 * ceil(experts / ep_size) of them: determine_expert_map). */
/* The parts of a stage's weights that do not lie evenly over tp
 * (attn_weights.c): under SGLang's data-parallel attention the
 * attention's projections, a of them and ag on one GPU, the embedding e,
 * whole, and the head h (over tp / dp with sglang_dp_lm_head); SGLang's
 * dense MLPs and shared experts (whole with sglang_dense_whole and
 * sglang_deepep); copies, those of kv_b_proj on one GPU; kvr, the K and
 * V one GPU holds past its share, its kv head replicated. */
struct attn_split {
	uint64_t a, ag, e, h, dense, shared, copies, kvr;
};

uint64_t kvp__whole_experts(uint64_t x, uint32_t routed, uint64_t group)
{
	uint64_t local = routed / group + (routed % group != 0);
	unsigned __int128 held = (unsigned __int128)x * local;

	return (uint64_t)(held / routed + (held % routed != 0));
}

/* SGLang's placement with its parts (above) taken out of w - rep in
 * turn, each at most what is left: on one GPU, the rest over tp and the
 * parts as they lie. */
static uint64_t sglang_parts(const kvp_plan *plan, uint64_t w, uint64_t x, uint64_t rep,
                             const struct attn_split *att)
{
	const kvp_request *r = &plan->request;
	bool dpa = kvp__sglang_dp_attention(r);
	uint64_t left = w - rep, a, ag, e, h, dense, shared, xx, base;

#define TAKE(v, want) (v = (want) > left ? left : (want), left -= v)
	TAKE(a, dpa ? att->a : 0);
	ag = att->ag > a ? a : att->ag;
	TAKE(e, dpa ? att->e : 0);
	TAKE(h, dpa && r->sglang_dp_lm_head ? att->h : 0);
	TAKE(dense, r->sglang_dense_whole ? att->dense : 0);
	TAKE(shared, r->sglang_deepep ? att->shared : 0);
	TAKE(xx, r->sglang_deepep && plan->routed_experts ? x : 0);
#undef TAKE
	/* each term a part of w, so the sum fits */
	base = ceil_div(left, r->tp) + rep + (dpa ? ag : 0) + e +
	       ceil_div(h, kvp__attn_tp(r)) + dense + shared +
	       (xx ? kvp__whole_experts(xx, plan->routed_experts, r->tp) : 0);
	return kvp__add(base, att->copies, &base) && kvp__add(base, att->kvr, &base)
	       ? base : UINT64_MAX;
}

static uint64_t split_weights(const kvp_plan *plan, uint64_t w, uint64_t x, uint64_t rep,
                              const struct attn_split *att)
{
	const kvp_request *r = &plan->request;
	uint64_t group, mine, dp = r->dp ? r->dp : 1, base, extra = 0;

	/* Beside the even shares (each below at most w): the copies of
	 * kv_b_proj, and the K and V of replicated kv heads but under
	 * data-parallel attention, whose share holds them; saturating, so
	 * that weights past 64 bits fit no GPU. */
	if (att && (!kvp__add(att->copies, att->kvr, &extra)))
		extra = UINT64_MAX;
	/* Past a stage's share (a checkpoint's count, or a rounded parameter
	 * count's experts): the whole weights first, then the experts. */
	if (rep > w)
		rep = w;
	if (x > w - rep)
		x = w - rep;
	/* TensorRT-LLM's attention data parallelism: the experts over the
	 * tp ranks (mapping.py: moe_tp x moe_ep = tp), the rest whole. */
	if (r->engine == KVP_ENGINE_TRTLLM && r->attention_dp)
		return kvp__add(w - x + ceil_div(x, r->tp), extra, &base) ? base : UINT64_MAX;
	/* SGLang's: the attention over its groups of tp / dp, the embedding
	 * whole, the head over tp or tp / dp, the dense MLPs and shared
	 * experts whole or over tp, the routed experts whole or split over
	 * tp (sglang_parts). */
	if (att && r->engine == KVP_ENGINE_SGLANG &&
	    (kvp__sglang_dp_attention(r) || r->sglang_dense_whole || r->sglang_deepep))
		return sglang_parts(plan, w, x, rep, att);
	/* Whole on every rank: rep (kvp_plan replicated_bytes). */
	if (!kvp__experts_over_dp(plan))
		return kvp__add(ceil_div(w - rep, r->tp) + rep, extra, &base) ? base : UINT64_MAX;
	group = (uint64_t)r->tp * dp;
	if (r->expert_parallel) {
		/* local experts of routed_experts, whole: x at most */
		mine = kvp__whole_experts(x, plan->routed_experts, group);
	} else {
		mine = ceil_div(x, group);
	}
	/* the parts of w, which fit */
	base = ceil_div(w - x - rep, r->tp) + rep + mine;
	return kvp__add(base, extra, &base) ? base : UINT64_MAX;
}

/* The copies of the MLA layers' kv_b_proj one GPU holds beside it, all
 * the model's layers' (attn_weights.c): SGLang's w_kc and w_vc, vLLM's
 * dequantized one, TensorRT-LLM's k_b_proj_trans, and on sm 100 and 103
 * its bf16 dequantized ones too; or Gemma 4's V slots of k_proj. */
static uint64_t copies_on(const kvp_plan *plan, const kvp_device *d)
{
	uint32_t sm = kvp__device_sm(d);

	if (plan->request.engine == KVP_ENGINE_TRTLLM && (sm == 100 || sm == 103))
		return plan->attention_copy_bytes + plan->attention_copy_sm100_bytes;
	return plan->attention_copy_bytes;
}

/* Of copies, those of stage t's copied layers (t UINT32_MAX: of an MTP
 * draft's), the same for each layer: MLA's, whose kv_b_proj is copied,
 * or without MLA layers Gemma 4's k_eq_v full layers (attn_weights.c
 * keq_copies), those of the widest head where --no-window makes sliding
 * layers full too. */
static uint64_t layer_copies(const kvp_plan *plan, uint64_t copies, uint32_t t)
{
	uint64_t mine = 0, all = 0;
	uint32_t widest = 0;
	bool mla = false;

	if (!copies)
		return 0;
	for (uint32_t g = 0; g < plan->group_count; g++) {
		mla |= plan->groups[g].kind == KVP_LAYER_MLA;
		if (plan->groups[g].kind == KVP_LAYER_FULL && plan->groups[g].head_dim > widest)
			widest = plan->groups[g].head_dim;
	}
	for (uint32_t g = 0; g < plan->group_count; g++) {
		const kvp_layer_group *grp = &plan->groups[g];

		if (mla ? grp->kind != KVP_LAYER_MLA
		        : grp->kind != KVP_LAYER_FULL || grp->head_dim != widest)
			continue;
		if (!grp->draft)
			all += grp->layers;
		if (t == UINT32_MAX ? grp->draft : !grp->draft)
			mine += t == UINT32_MAX || plan->stages < 2
			        ? grp->layers : kvp__stage_group_layers_of(plan, t, g);
	}
	return all ? copies / all * mine : 0;
}

uint64_t kvp_plan_stage_copy_bytes(const kvp_plan *plan, const kvp_device *device,
                                   uint32_t stage)
{
	if (!plan || !device || stage >= plan->stages)
		return 0;
	return layer_copies(plan, copies_on(plan, device), stage);
}

uint64_t kvp__gpu_weights(const kvp_plan *plan, const kvp_device *d, uint64_t w,
                            uint32_t t)
{
	/* the attention's parts with one stage alone (plan.c) */
	struct attn_split att = {plan->attention_bytes, plan->attention_gpu_bytes,
	                         t == 0 ? plan->embedding_bytes : 0,
	                         t + 1 == plan->stages ? plan->head_bytes : 0,
	                         plan->dense_mlp_bytes, plan->shared_expert_bytes,
	                         kvp_plan_stage_copy_bytes(plan, d, t),
	                         plan->stage_kv_replica_bytes[t]};

	uint64_t mine = split_weights(plan, w, plan->stage_expert_bytes[t],
	                              plan->stage_replicated_bytes[t], &att);

	/* and the rotary tables its layers use, which the engines count in
	 * the weights: vLLM's "Model loading took" (the tables are built in
	 * load_model), SGLang's load mem usage, TensorRT-LLM's memory after
	 * loading the weights */
	if (!kvp__add(mine, plan->stage_rotary_bytes[t], &mine))
		return UINT64_MAX;
	/* and vLLM's bf16 wk of the indexer, beyond the fp8 counted */
	if (!kvp__add(mine, plan->stage_indexer_upcast_bytes[t], &mine))
		return UINT64_MAX;
	/* compressed-tensors' integer weights as vLLM's kernels keep them */
	mine = kvp__vllm_ct_int_gpu_weights(plan, d, t, mine);
	/* gpt-oss's MXFP4 experts as vLLM's kernel lays them out */
	return kvp__mxfp4_gpu_weights(plan, d, t, mine);
}

/* floor(v * num / den), den > 0: at most v where num <= den. */
static uint64_t part(uint64_t v, uint64_t num, uint64_t den)
{
	unsigned __int128 q = (unsigned __int128)v * num / den;

	return q > UINT64_MAX ? UINT64_MAX : (uint64_t)q;
}

/* vLLM's buffers of the indexer's indices on one GPU of stage t: the
 * model's, and on the last stage its MTP drafter's, of tokens rows
 * (kvp_plan topk_row_bytes); saturated. */
uint64_t kvp__topk_buffers(const kvp_plan *plan, uint64_t tokens, uint32_t t)
{
	unsigned __int128 b = (unsigned __int128)plan->topk_row_bytes +
	                      (t + 1 == plan->stages ? plan->draft_topk_row_bytes : 0);

	b *= tokens;
	return b > UINT64_MAX ? UINT64_MAX : (uint64_t)b;
}

/* gpu_draft_weights' MTP layers, d of their bytes, outer the model's
 * embedding and head. */
static uint64_t mtp_layers_weights(const kvp_plan *plan, const kvp_device *dev,
                                   uint64_t weights, uint64_t d, uint64_t outer)
{
	uint64_t body, x, rep;
	struct attn_split att = {0, 0, 0, 0, 0, 0, 0, 0};

	if (outer >= weights)
		return split_weights(plan, d, 0, 0, NULL);
	/* Each share at most d: split_weights clamps their sum. */
	body = weights - outer;
	x = plan->expert_bytes > body ? d : part(d, plan->expert_bytes, body);
	rep = plan->replicated_bytes > body ? d : part(d, plan->replicated_bytes, body);
	if (plan->attention_bytes <= body) {
		att.a = part(d, plan->attention_bytes, body);
		att.ag = part(d, plan->attention_gpu_bytes, body);
	}
	/* SGLang's shared experts whole under DeepEP, the MTP layers' by
	 * the model's share */
	if (plan->shared_expert_bytes <= body)
		att.shared = part(d, plan->shared_expert_bytes, body);
	att.copies = layer_copies(plan, copies_on(plan, dev), UINT32_MAX);
	return split_weights(plan, d, x, rep, &att);
}

/* The MTP layers' weights on one GPU of the last stage: split as the
 * model's layers are, their experts' and whole weights' shares taken as
 * the model's layers' (of the weights less embedding and head), and
 * their own embedding over tp (vLLM's under pipeline parallelism); a
 * draft model's over tp. */
uint64_t kvp__gpu_draft_weights(const kvp_plan *plan, const kvp_device *dev,
                                  uint64_t weights)
{
	const kvp_request *r = &plan->request;
	uint64_t d = plan->draft_weights_bytes, outer = plan->embedding_bytes + plan->head_bytes;
	uint64_t emb = 0, layers;

	if (!r->mtp_layers || r->draft)
		return ceil_div(d, r->tp);
	if (plan->draft_embedding_bytes <= d) {
		emb = ceil_div(plan->draft_embedding_bytes, r->tp);
		d -= plan->draft_embedding_bytes;
	}
	layers = mtp_layers_weights(plan, dev, weights, d, outer);
	return kvp__add(layers, emb, &layers) ? layers : UINT64_MAX;
}
