/*
 * vllm_mxfp4.c — gpt-oss's MXFP4 experts as vLLM keeps them on one GPU:
 * the kernel that runs them pads their tensors and may widen their
 * biases, so "Model loading took" is not the checkpoint's bytes
 * (kvp_plan_mxfp4_layout; kvp_plan_fit counts the difference in the
 * weights).
 *
 * vLLM's Mxfp4MoEMethod (model_executor/layers/quantization/mxfp4.py and
 * fused_moe/oracle/mxfp4.py, read through the code index as stored for
 * 0.19 to 0.28, not at tags; research: /work/research/
 * vllm-mxfp4-padding.md) rounds the hidden size H and an expert's inner
 * size on the rank I (intermediate_size // the MoE layer's tp) for its
 * backend (mxfp4_round_up_hidden_size_and_intermediate_size), then
 * create_weights registers, for E experts:
 *   w13_weight (E, 2I, H/2) and w2_weight (E, H, I/2), two e2m1 a byte;
 *   w13_weight_scale (E, 2I, H/32) and w2_weight_scale (E, H, I/32), an
 *   e8m0 byte per 32 values;
 *   w13_bias (E, 2I) and w2_bias (E, H), bf16;
 * and process_weights_after_loading converts them for the kernel:
 *  - Marlin (8.x, 12.x, and 7.x; Hopper before OpenAI's triton_kernels
 *    was bundled, PR #28788, 0.12): H to 256, I to 128; repacked in
 *    place of the same bytes, biases bf16.  Matches vLLM's logs to the
 *    MB: gpt-oss-20b on an A100 (0.19.0, "Model loading took 13.72
 *    GiB") and gpt-oss-120b on H100s without triton_kernels (0.10.1 and
 *    0.11.2, 65.9651 GiB).
 *  - FlashInfer's TRT-LLM kernel (10.x): H and I to 256; biases to fp32
 *    (w13_bias.data.to(torch.float32)); gemm1 alpha, beta and clamp
 *    limit, E fp32 each.
 *  - FlashInfer's CUTLASS kernel (asked for: VLLM_USE_FLASHINFER_MOE_
 *    MXFP4_BF16 on Hopper, or --moe-backend): H and I to 128, biases
 *    bf16.
 *  - OpenAI's Triton kernel (Hopper from 0.12): I to 64, H as it is;
 *    biases to fp32; values and scales swizzled by triton_kernels'
 *    HopperMXValueLayout and HopperMXScaleLayout (_swizzle_mxfp4,
 *    num_warps 8) into new tensors:
 *      values, as the transposed views (E, H/2, 2I) and (E, I/2, H):
 *        rows to 32 bytes, columns to 16, each first to P, where P is
 *        64 with triton_kernels 3.6.0 (its "Pad tensors in HopperValue
 *        layout", bundled from PR #30525, taken as 0.17 to 0.21, PR
 *        #43135 going back to 3.5.1 in 0.22) and 1 otherwise;
 *      scales: the weight's rows (2I, H) to 256, the groups (H/32,
 *        I/32) to 2, and from 0.25 first to 4 (PR #47910);
 *    and the original scales stay registered beside the swizzled ones
 *    until PR #46549 (taken as 0.24).  vLLM 0.19.0's logs on an H100
 *    ("Using 'TRITON' Mxfp4 MoE backend", jgchn/llm-d-planner
 *    accuracy/results/v0.19.0/logs): gpt-oss-20b "Model loading took
 *    13.64 GiB" at tp 1 and 7.01 at tp 2, where this gives 13.65 and
 *    7.00.
 * Each tensor as PyTorch's caching allocator holds it, which counts in
 * "Model loading took": its size rounded to 512 B, and one of 10 MiB or
 * more carved from a segment rounded up to 2 MiB, whose tail is left in
 * the block where it is 1 MiB or less (c10/cuda/CUDACachingAllocator.cpp
 * round_size, get_allocation_size, should_split): gpt-oss-20b's
 * w13_weight_scale of 17.25 MiB holds 18 under Marlin, 24 x 0.75 MiB of
 * the 13.72 GiB.  Not modelled: AMD's layouts, Blackwell's under
 * Triton, XPU's, and the other engines' (SGLang's and TensorRT-LLM's
 * take the checkpoint's bytes).
 */
#include "engine.h"
#include "internal.h"

void kvp__vllm_plan_mxfp4(const kvp_model *m, kvp_plan *p)
{
	const kvp_request *r = &p->request;

	p->mxfp4_intermediate = 0;
	if (r->engine != KVP_ENGINE_VLLM || r->weights_format.kind != KVP_WFORMAT_MXFP4 ||
	    !kvp__gpt_oss(m) || !m->moe_intermediate || !m->hidden ||
	    !(m->moe_experts || m->moe_routed_experts))
		return;
	p->mxfp4_intermediate = m->moe_intermediate;
}

/* Bytes x as the caching allocator holds them (above). */
static uint64_t held(uint64_t x)
{
	const uint64_t mib = (uint64_t)1 << 20;
	uint64_t segment;

	x = kvp__round_to(x, 512); /* saturated: UINT64_MAX stays */
	if (x < 10 * mib)
		return x;
	segment = kvp__round_to(x, 2 * mib);
	return segment - x <= mib ? segment : x;
}

/* The layout's kernel on device d: the request's where it names one of
 * MXFP4's, else vLLM's choice (0.10 on); KVP_MOE_NONE where not read. */
static kvp_moe_backend kernel_on(const kvp_request *r, const kvp_device *d)
{
	uint32_t sm = d ? kvp__device_sm(d) : 0, major;

	/* AMD's layouts are not modelled, whatever is asked */
	if (d && kvp__device_amd(d))
		return KVP_MOE_NONE;
	switch (r->moe_backend) {
	case KVP_MOE_MARLIN:
	case KVP_MOE_FLASHINFER_TRTLLM:
	case KVP_MOE_FLASHINFER_CUTLASS:
		return r->moe_backend;
	case KVP_MOE_TRITON:
		/* OpenAI's Triton kernel, read on Hopper alone */
		return (sm ? sm : 90) / 10 == 9 ? KVP_MOE_TRITON : KVP_MOE_NONE;
	default:
		break;
	}
	major = (sm ? sm : 90) / 10;
	if (major == 10)
		return KVP_MOE_FLASHINFER_TRTLLM;
	if (major == 9)
		return kvp__vllm_since(r, 12) ? KVP_MOE_TRITON : KVP_MOE_MARLIN;
	return major == 7 || major == 8 || major == 12 ? KVP_MOE_MARLIN : KVP_MOE_NONE;
}

/* One layer's tensors of e experts, hidden h and inner size i on the
 * rank, under kernel k (above), each as the allocator holds it; the
 * padded sizes in *hp and *ip.  Each product under 2^32 x 2^34 x 2^29;
 * the sum saturates. */
static uint64_t layer_bytes(const kvp_request *r, kvp_moe_backend k, uint64_t e, uint64_t h,
                            uint64_t i, uint32_t *hp, uint32_t *ip)
{
	unsigned __int128 t[9] = {0}, sum = 0;
	uint64_t bias = 2, p = 1, g13, g2;

	switch (k) {
	case KVP_MOE_MARLIN:
		h = kvp__round_to(h, 256), i = kvp__round_to(i, 128);
		break;
	case KVP_MOE_FLASHINFER_TRTLLM:
		h = kvp__round_to(h, 256), i = kvp__round_to(i, 256), bias = 4;
		t[6] = t[7] = t[8] = (unsigned __int128)e * 4; /* alpha, beta, clamp */
		break;
	case KVP_MOE_FLASHINFER_CUTLASS:
		h = kvp__round_to(h, 128), i = kvp__round_to(i, 128);
		break;
	case KVP_MOE_TRITON:
		i = kvp__round_to(i, 64);
		if (kvp__vllm_since(r, 17) && !kvp__vllm_since(r, 22))
			p = 64;
		g13 = h / 32, g2 = i / 32;
		if (kvp__vllm_since(r, 25))
			g13 = kvp__round_to(g13, 4), g2 = kvp__round_to(g2, 4);
		t[0] = (unsigned __int128)e * kvp__round_to(kvp__round_to(h / 2, p), 32) *
		       kvp__round_to(kvp__round_to(2 * i, p), 16);
		t[1] = (unsigned __int128)e * kvp__round_to(kvp__round_to(i / 2, p), 32) *
		       kvp__round_to(kvp__round_to(h, p), 16);
		t[2] = (unsigned __int128)e * kvp__round_to(2 * i, 256) * kvp__round_to(g13, 2);
		t[3] = (unsigned __int128)e * kvp__round_to(h, 256) * kvp__round_to(g2, 2);
		t[4] = (unsigned __int128)e * 2 * i * 4;
		t[5] = (unsigned __int128)e * h * 4;
		if (!kvp__vllm_since(r, 24)) {
			/* the original scales, still registered */
			t[6] = (unsigned __int128)e * 2 * i * (h / 32);
			t[7] = (unsigned __int128)e * h * (i / 32);
		}
		break;
	default:
		break;
	}
	if (k != KVP_MOE_TRITON) {
		t[0] = (unsigned __int128)e * 2 * i * (h / 2);
		t[1] = (unsigned __int128)e * 2 * i * (h / 32);
		t[2] = (unsigned __int128)e * 2 * i * bias;
		t[3] = (unsigned __int128)e * h * (i / 2);
		t[4] = (unsigned __int128)e * h * (i / 32);
		t[5] = (unsigned __int128)e * h * bias;
	}
	*hp = h > UINT32_MAX ? UINT32_MAX : (uint32_t)h;
	*ip = i > UINT32_MAX ? UINT32_MAX : (uint32_t)i;
	for (size_t n = 0; n < sizeof t / sizeof t[0]; n++) {
		if (!t[n])
			continue;
		if (t[n] > UINT64_MAX)
			return UINT64_MAX;
		sum += held((uint64_t)t[n]);
	}
	return sum > UINT64_MAX ? UINT64_MAX : (uint64_t)sum;
}

kvp_status kvp_plan_mxfp4_layout(const kvp_plan *plan, const kvp_device *device,
                                 uint32_t stage, kvp_mxfp4_layout *out, kvp_error *err)
{
	const kvp_request *r;
	kvp_mxfp4_layout l = {0};
	uint64_t group, inner, x, share, layers, tp;
	unsigned __int128 all, bias;
	bool whole;

	if (!plan || !out || stage >= (plan->stages ? plan->stages : 1))
		return kvp__error(err, KVP_ERR_INVALID, "no plan, or no stage %u in it", stage);
	r = &plan->request;
	l.kernel = KVP_MOE_NONE;
	if (!plan->mxfp4_intermediate || !plan->routed_experts || !plan->hidden) {
		*out = l;
		return kvp__error_clear(err);
	}
	/* The experts' share of the weights on a GPU of the stage, as
	 * kvp_plan_fit lays them (lib/fit.c split_weights): whole experts
	 * over tp x dp under expert parallelism, else every expert's inner
	 * size over tp (x dp where dp > 1). */
	layers = plan->stages > 1 ? plan->stage_layers[stage] : plan->layers;
	tp = r->tp ? r->tp : 1;
	group = tp;
	if (kvp__experts_over_dp(plan))
		group *= r->dp ? r->dp : 1;
	whole = r->expert_parallel && kvp__experts_over_dp(plan);
	/* their biases' parameters, 2I + H an expert */
	bias = (unsigned __int128)layers * plan->routed_experts *
	       (2 * (uint64_t)plan->mxfp4_intermediate + plan->hidden);
	x = plan->stage_expert_bytes[stage];
	share = whole ? kvp__whole_experts(x, plan->routed_experts, group)
	              : x / group + (x % group != 0);
	if (r->weight_bytes && !r->weight_expert_bytes) {
		/* An index's total alone: the plan's experts are their share
		 * of it by parameters (lib/stages.c), not their bytes, and
		 * the fit lays that share out as experts.  The checkpoint's
		 * own from their shapes, 17/32 B a weight and bf16 biases, at
		 * most that share; what the share holds past them is the
		 * other weights', which lie over tp: it stays, and the rest
		 * of the share goes. */
		unsigned __int128 c = (unsigned __int128)layers * plan->routed_experts * 3 *
		                      plan->hidden * plan->mxfp4_intermediate * 17 / 32 + bias * 2;
		uint64_t other = c < x ? (x - (uint64_t)c) / tp + ((x - (uint64_t)c) % tp != 0) : 0;

		share = other < share ? share - other : 0;
	}
	/* An estimate's experts are their projections' parameters alone,
	 * the biases left in the rest at the format's 17/32 B
	 * (lib/weights_estimate.c), which lies over tp: those taken out too.
	 * A checkpoint's count has them (its experts' tensors,
	 * lib/source.c). */
	if (!r->weight_bytes) {
		unsigned __int128 b = (bias * 17 / 32 + tp - 1) / tp + share;

		share = b > UINT64_MAX ? UINT64_MAX : (uint64_t)b;
	}
	l.experts = plan->routed_experts;
	inner = plan->mxfp4_intermediate;
	if (whole)
		l.experts = (uint32_t)(plan->routed_experts / group +
		                       (plan->routed_experts % group != 0));
	else
		inner /= group;
	l.kernel = kernel_on(r, device);
	l.layers = (uint32_t)layers;
	l.checkpoint_bytes = share;
	if (l.kernel == KVP_MOE_NONE || !inner) {
		/* the checkpoint's bytes, unpadded */
		l.kernel = KVP_MOE_NONE;
		l.hidden = plan->hidden, l.intermediate = (uint32_t)inner;
		l.bytes = share;
		*out = l;
		return kvp__error_clear(err);
	}
	l.layer_bytes = layer_bytes(r, l.kernel, l.experts, plan->hidden, inner, &l.hidden,
	                            &l.intermediate);
	all = (unsigned __int128)l.layer_bytes * l.layers;
	l.bytes = all > UINT64_MAX ? UINT64_MAX : (uint64_t)all;
	*out = l;
	return kvp__error_clear(err);
}

uint64_t kvp__mxfp4_gpu_weights(const kvp_plan *plan, const kvp_device *d, uint32_t t,
                                uint64_t mine)
{
	kvp_mxfp4_layout l;

	if (!plan->mxfp4_intermediate || kvp_plan_mxfp4_layout(plan, d, t, &l, NULL) != KVP_OK ||
	    l.kernel == KVP_MOE_NONE || mine == UINT64_MAX)
		return mine;
	/* its share out, the layout in */
	mine -= l.checkpoint_bytes < mine ? l.checkpoint_bytes : mine;
	return kvp__add(mine, l.bytes, &mine) ? mine : UINT64_MAX;
}
