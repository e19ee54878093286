/*
 * trtllm_mla.c — the room TensorRT-LLM's KV cache budget leaves for its
 * context-MLA attention workspace.
 *
 * Read at NVIDIA/TensorRT-LLM 00043967 (main of 2026, the commit
 * kvplan's budget follows; PR #16399, merged 2026-08-03, and #16432):
 *   - tensorrt_llm/_torch/pyexecutor/_util.py
 *     KvCacheCreator.configure_kv_cache_capacity: after _cal_max_memory's
 *     budget B (the fraction already taken), with w the attention
 *     backend's workspace bytes a token and L the kv-length cap,
 *     get_mla_context_workspace_reserve takes R = min(w x L, B x w / (k +
 *     w)), k the cache's bytes a token (_get_kv_size_per_token().slope,
 *     the model's and a draft's), and the budget becomes int(B - R);
 *   - get_mla_context_workspace_kv_len_cap: L = min(max_batch_size,
 *     max_num_tokens) x max_seq_len where block reuse is on and chunked
 *     prefill off, the defaults (2048, 8192, reuse on, chunked prefill
 *     off, max_seq_len the model's; kvp_request trtllm_max_batch_size and
 *     trtllm_max_seq_len give others);
 *   - cpp/tensorrt_llm/common/attentionOp.cpp
 *     AttentionOp::contextMlaWorkspaceBytesPerToken: heads x (qk_rope +
 *     qk_nope + v_head) with fp8 context MLA (an fp8 cache), separate Q
 *     and KV inputs, and not sparse MLA; else 0.  The heads are a rank's,
 *     num_attention_heads / tp (inferred: the Python side that passes
 *     them was not read), all of them under attention data parallelism
 *     (modules/attention.py MLA: tp_size 1 there; kvp__attn_tp).
 * Not followed: the sparse MLA models (DeepSeek-V3.2, GLM-5), whose w is
 * 0 on compute capability 10.x and not elsewhere, kv_cache_config's
 * fp8_context_mla_kv_len_cap, and the BF16 gather buffers the reserve
 * does not count either.
 */
#include "engine.h"
#include "internal.h"

#define TRTLLM_MAX_NUM_TOKENS 8192 /* TorchLlmArgs default */

void kvp__trtllm_mla_workspace(const kvp_model *m, const kvp_request *r, kvp_plan *p)
{
	uint64_t heads, dims, w, tokens, batch = kvp__trtllm_max_batch_size(r);

	p->trtllm_mla_workspace_bytes = p->trtllm_mla_workspace_tokens = 0;
	p->trtllm_max_seq_len = 0;
	if (r->engine == KVP_ENGINE_TRTLLM)
		p->trtllm_max_seq_len = r->trtllm_max_seq_len ? r->trtllm_max_seq_len
		                                              : m->max_context;
	if (r->engine != KVP_ENGINE_TRTLLM || r->trtllm_cpp || r->dtype_k != KVP_DTYPE_FP8 ||
	    r->mla != KVP_MLA_LATENT || kvp_model_count_layers(m, KVP_LAYER_MLA) == 0 ||
	    kvp__sparse_mla(m) || r->tp == 0)
		return;
	heads = m->heads / kvp__attn_tp(r);
	dims = (uint64_t)m->qk_rope_dim + m->qk_nope_dim + m->v_head_dim;
	if (!kvp__mul(heads, dims, &w) || w == 0)
		return;
	/* max_seq_len; unknown or past 64 bits, no cap: the budget's share
	 * binds long before. */
	if (!p->trtllm_max_seq_len ||
	    !kvp__mul(batch < TRTLLM_MAX_NUM_TOKENS ? batch : TRTLLM_MAX_NUM_TOKENS,
	              p->trtllm_max_seq_len, &tokens))
		tokens = UINT64_MAX;
	p->trtllm_mla_workspace_bytes = w;
	p->trtllm_mla_workspace_tokens = tokens;
}

uint64_t kvp__trtllm_mla_budget(const kvp_plan *p, uint32_t stage, uint64_t budget,
                                uint64_t *tokens)
{
	uint64_t w = p->trtllm_mla_workspace_bytes;
	unsigned __int128 k = 0;
	double reserve, whole, left, admitted;

	*tokens = 0;
	if (!w || budget == 0)
		return budget;
	for (uint32_t g = 0; g < p->group_count; g++)
		k += (unsigned __int128)kvp__stage_group_layers(p, stage, g) *
		     p->groups[g].bytes_per_token;
	if (k == 0)
		return budget;
	/* In Python's numbers: w x L an integer, B x w / (k + w) the
	 * quotient of two integers (the product exact here, in 128 bits,
	 * the division in long double before its double), and the budget
	 * int(B - R), truncated. */
	whole = (double)w * (double)p->trtllm_mla_workspace_tokens;
	reserve = (double)((long double)((unsigned __int128)budget * w) / (long double)(k + w));
	/* The tokens it logs, "admitting up to N tokens": int(R / w), L
	 * itself where w x L binds. */
	admitted = reserve / (double)w;
	if (whole < reserve) {
		reserve = whole;
		admitted = (double)p->trtllm_mla_workspace_tokens;
	}
	left = (double)budget - reserve;
	/* A budget rounded up as a double is kept whole (near 2^64, or
	 * where the reserve is under what the rounding added). */
	if (left >= 18446744073709551616.0 || (left > 0 && (uint64_t)left > budget))
		return budget;
	*tokens = admitted < 18446744073709551616.0 ? (uint64_t)admitted : UINT64_MAX;
	return left > 0 ? (uint64_t)left : 0;
}
