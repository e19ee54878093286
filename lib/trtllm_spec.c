/*
 * trtllm_spec.c — the buffers TensorRT-LLM's hybrid cache managers keep
 * beside their pool for speculative decoding's draft steps (Nemotron-H,
 * Nemotron 3, Qwen3-Next, Qwen3.5 with MTP, EAGLE or a draft model).
 * Read in the code index's NVIDIA/TensorRT-LLM of late 2026 (research:
 * /work/research/trtllm-spec-states.md): _torch/modules/mamba/
 * cache_manager.py and _torch/pyexecutor/kv_cache/mamba_cache_manager/
 * @ 28295084 (the 3f4f8081 refactor keeps the shapes), _util.py
 * @ 00043967:
 *  - intermediate_conv [L, max_batch_size, T, conv_dim / tp, K - 1] in
 *    the conv state's type, T = 1 + max_draft_len, and
 *    intermediate_indices int32 [max_batch_size], with either method;
 *  - the replay method (Mamba2ReplayStateUpdateStrategy; the default
 *    with speculation from sm 80, which every GPU the PyTorch runtime
 *    runs on is, and for a Gated DeltaNet where T <= 8): old_x [L, C, 2,
 *    Hh, H / tp, P] and old_B [L, C, 2, Hh, G / tp, N] in the conv type,
 *    old_dt and old_dA_cumsum [L, C, 2, H / tp, Hh] in fp32, Hh = max(16,
 *    T); prev_num_accepted_tokens and cache_buf_idx int32 and rand_seed
 *    int64 [C]; _dummy_mask bool [max_batch_size, and V2's dummy];
 *  - else intermediate_ssm [L, max_batch_size, T, H / tp, P, N] in the
 *    SSM state's type (IntermediateMambaStateUpdateStrategy).
 * C is the state slots of the manager KvCacheCreator builds to profile:
 * V1's max_batch_size x pp, V2's and its CUDA-graph dummy (pinned at its
 * floor).  That manager lives through the profiling run, so its buffers
 * are in the peak free_gpu_memory_fraction is taken past (the final
 * manager's copies come out of what the fraction leaves).  A Gated
 * DeltaNet maps H, P, N, G to its value heads, value head width, key
 * head width and key heads, as kvplan keeps them.  Not followed: a
 * schedule of draft lengths (V2's dummy each), tree speculation, fp16
 * SSM states with stochastic rounding (the intermediate method), and
 * TRTLLM_SKIP_KV_CACHE_ESTIMATION (no profiling: none in the peak).
 */
#include "engine.h"
#include "internal.h"

static uint64_t sat(unsigned __int128 v)
{
	return v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
}

/* A recurrent layer's heads: a Mamba-2's ssm_heads, a Gated DeltaNet's
 * value heads (inner over the value width, which is its key width,
 * ssm_state, in every release); 0 unknown. */
static uint64_t ssm_heads(const kvp_model *m)
{
	if (m->ssm_heads)
		return m->ssm_heads;
	return kvp__delta_net(m) && m->ssm_state ? m->ssm_inner / m->ssm_state : 0;
}

/* The buffers on a GPU of a stage of layers recurrent layers. */
static unsigned __int128 stage_buffers(const kvp_model *m, const kvp_request *r,
                                       uint64_t layers, uint64_t conv_bytes,
                                       uint64_t ssm_bytes)
{
	uint64_t tp = r->tp ? r->tp : 1, pp = r->pp ? r->pp : 1;
	uint64_t batch = kvp__trtllm_max_batch_size(r);
	uint64_t t = 1 + kvp__trtllm_draft_len(r);
	uint64_t hh = t > 16 ? t : 16, all = ssm_heads(m), heads = all / tp;
	uint64_t p = all ? m->ssm_inner / all : 0;
	/* V2's CUDA-graph dummy has a slot, and a place in the mask */
	uint64_t dummies = r->trtllm_kv_manager == KVP_TRTLLM_MANAGER_V1 ? 0 : 1;
	uint64_t slots = batch * pp + dummies;
	uint64_t cdt = 2;
	bool replay = !kvp__delta_net(m) || t <= 8;
	unsigned __int128 n;

	(void)kvp_dtype_bytes(kvp__engine_conv_dtype(r), 1, &cdt, NULL);
	/* intermediate_conv and its indices: conv_bytes is a sequence's
	 * window of a layer on this GPU */
	n = (unsigned __int128)layers * batch * t * conv_bytes + 4 * (unsigned __int128)batch;
	if (replay)
		n += (unsigned __int128)layers * slots *
		             (2 * (unsigned __int128)hh *
		                      (heads * p + (uint64_t)m->ssm_groups / tp * m->ssm_state) * cdt +
		              2 * 2 * (unsigned __int128)heads * hh * 4) +
		     16 * (unsigned __int128)slots + batch + dummies;
	else
		n += (unsigned __int128)layers * batch * t * ssm_bytes;
	return n;
}

void kvp__trtllm_spec_buffers(const kvp_model *m, kvp_plan *p)
{
	const kvp_request *r = &p->request;
	uint64_t conv = 0, ssm = 0, most = 0;

	if (r->engine != KVP_ENGINE_TRTLLM || r->trtllm_cpp || !kvp__trtllm_draft_len(r) ||
	    !ssm_heads(m) || !kvp__trtllm_hybrid(p, 0))
		return;
	for (uint32_t g = 0; g < p->group_count; g++)
		if (p->groups[g].kind == KVP_LAYER_RECURRENT && !p->groups[g].draft &&
		    p->groups[g].state_bytes_per_seq) {
			conv = p->groups[g].conv_bytes_per_seq;
			ssm = p->groups[g].state_bytes_per_seq - conv;
			break;
		}
	for (uint32_t s = 0; s < p->stages; s++) {
		uint64_t layers = 0, bytes;

		for (uint32_t g = 0; g < p->group_count; g++)
			if (p->groups[g].kind == KVP_LAYER_RECURRENT && !p->groups[g].draft)
				layers += kvp__stage_group_layers(p, s, g);
		bytes = sat(stage_buffers(m, r, layers, conv, ssm));
		if (s + 1 == p->stages)
			p->compute_bytes = bytes;
		else if (bytes > most)
			most = bytes;
	}
	p->compute_other_bytes = most;
}
