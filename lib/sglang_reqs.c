/*
 * sglang_reqs.c — SGLang's context length and its request-to-token
 * table: model_config.context_len, which --context-length sets, and the
 * ReqToTokenPool sized from it and from the pool's tokens, which SGLang
 * allocates after its KV pool out of the memory its share holds back.
 */
#include <math.h>

#include "engine.h"

/* SGLang's context length for m: --context-length (request's
 * context_length) where given, else get_context_length
 * (python/sglang/srt/utils/hf_transformers_utils.py, read at its 2026
 * versions): the first of max_sequence_length ... max_position_embeddings,
 * times rope_scaling's factor unless the scaling names its
 * original_max_position_embeddings or is llama3, truncated (int(factor x
 * val)); 2048 where the config gives none.  It reads
 * text_config.rope_scaling, which transformers 5 keeps as an alias of
 * rope_parameters, and SGLang runs transformers 5 from 0.5.10
 * (sgl-project/sglang-omni PR #675: "SGLang >=0.5.10 requires
 * transformers 5.x"; sglang PR #25451 pins 5.8.1).  transformers 5 nests
 * the rope_parameters of a model with a rope for each layer type (Gemma
 * 3: full_attention and sliding_attention; vllm PR #28542 says so), so no
 * factor is found at the top: Gemma 3's context is its 131,072.  Before
 * 0.5.10 (transformers 4) its linear x 8 made it 1,048,576, the inflation
 * sgl-project/sglang PR #20387 (2026-03, closed unmerged) reports.  A
 * model with a sliding layers' rope of its own (rope_local_theta) is taken
 * as nested so. */
uint64_t kvp_sglang_context_len(const kvp_model *m, const kvp_request *r)
{
	uint64_t n = m && m->max_context ? m->max_context : m ? m->rope_positions : 0;
	double f, v;

	if (!m || !r)
		return 0;
	f = m->rope_factor;
	if (r->context_length)
		return r->context_length;
	if (!n)
		return 2048;
	if (f <= 0 || m->rope_original_max || m->rope == KVP_ROPE_LLAMA3 ||
	    m->rope == KVP_ROPE_NONE || m->rope == KVP_ROPE_DEFAULT ||
	    (m->rope_local_theta > 0 && kvp__sglang_since(r, 510)))
		return n;
	v = floor((double)n * f);
	return v >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)v;
}

uint32_t kvp_sglang_max_running_requests(const kvp_request *r)
{
	return r && r->engine == KVP_ENGINE_SGLANG ? kvp__sglang_running(r) : 0;
}

uint32_t kvp__sglang_running(const kvp_request *r)
{
	if (r->max_running_requests)
		return r->max_running_requests;
	/* EAGLE, EAGLE3, NEXTN and STANDALONE: "Max running requests is
	 * reset to 48 for speculative decoding" (arg_groups/
	 * speculative_hook.py _handle_eagle_family, main of late 2026;
	 * server_args.py _handle_speculative_decoding in the 0.5 releases
	 * before it moved). */
	return r->engine == KVP_ENGINE_SGLANG && (r->draft || r->mtp_layers) ? 48 : 0;
}

/* The requests one worker runs at once and the table that maps each to
 * its tokens' slots, for a pool of tokens: python/sglang/srt/
 * model_executor/model_runner_kv_cache_mixin.py _resolve_max_num_reqs
 * (main of autumn 2026, through the code index):
 *     estimated = max(min(int(tokens / context_len x 512), 4096), 2048)
 *     max_num_reqs = min(max_running_requests // dp, tokens // 2), or
 *                    min(estimated, tokens // 2) without the option,
 * the option (or the 48 a draft sets) bounded by the estimate instead
 * before PR #27399 ("Respect
 * explicit --max-running-requests instead of clamping to heuristic",
 * 2026-06-05; taken from 0.5.14, the release after 0.5.13 of 2026-06-13,
 * which may or may not have it),
 * at most max_mamba_cache_size // ratio for a model with recurrent
 * layers (the capacity's max_requests, lib/sglang_mamba.c), and
 * python/sglang/srt/mem_cache/memory_pool.py ReqToTokenPool.__init__:
 * torch.zeros((max_num_reqs + 1, context_len + 4), int32) on the GPU, the
 * extra row the padding of CUDA-graph batches (max_running_requests over
 * the model runner's dp_size; main of late 2026 divides by the attention
 * dp workers alone: not followed); a decode server's rows for the
 * requests it receives besides (pre_alloc_slots). */
static bool sglang_reqs(const kvp_plan *p, uint64_t tokens, uint64_t state_cap,
                        kvp_sglang_reqs *out)
{
	kvp_sglang_reqs z = {0};
	const kvp_request *r;
	double est;
	uint64_t n, ctx;
	unsigned __int128 bytes;

	if (out)
		*out = z;
	if (!p || p->request.engine != KVP_ENGINE_SGLANG || !p->sglang_context_len)
		return false;
	r = &p->request;
	ctx = p->sglang_context_len;
	/* int(tokens / context_len * 512): Python's floats, as here */
	est = floor((double)tokens / (double)ctx * 512.0);
	n = est >= 4096 ? 4096 : est <= 2048 ? 2048 : (uint64_t)est;
	if (kvp__sglang_running(r)) {
		uint64_t asked = kvp__sglang_worker_running(r);

		/* PR #27399 (2026-06-05): an explicit count bounded by the
		 * pool, tokens // 2, not by the estimate. */
		if (kvp__sglang_since(r, 514))
			n = tokens / 2;
		n = asked < n ? asked : n;
	} else if (tokens / 2 < n) {
		n = tokens / 2;
	}
	if (state_cap < n)
		n = state_cap;
	/* A decode server's pool (DecodeReqToTokenPool) has rows for the
	 * requests being received besides, and the padding row. */
	z.pre_alloc_slots = kvp__sglang_decode_extra_slots(r);
	z.context_len = ctx;
	z.max_num_reqs = n;
	bytes = (unsigned __int128)(n + z.pre_alloc_slots + 1) * ((unsigned __int128)ctx + 4) * 4;
	z.table_bytes = bytes > UINT64_MAX ? UINT64_MAX : (uint64_t)bytes;
	if (out)
		*out = z;
	return true;
}

bool kvp_plan_sglang_reqs(const kvp_plan *p, uint64_t tokens, kvp_sglang_reqs *out)
{
	if (out)
		*out = (kvp_sglang_reqs){0};
	if (p && p->state_total_bytes)
		return false;
	return sglang_reqs(p, tokens, UINT64_MAX, out);
}

bool kvp_capacity_sglang_reqs(const kvp_plan *p, const kvp_capacity *c,
                              kvp_sglang_reqs *out)
{
	if (out)
		*out = (kvp_sglang_reqs){0};
	if (!p || !c || (p->state_total_bytes && !kvp__sglang_mamba_applies(p)))
		return false;
	/* SGLang sizes it from max_total_num_tokens, the pool's rows on one
	 * GPU, its log_tokens: under decode context parallelism the
	 * capacity's tokens are dcp times them (kv_cache_configurator.py
	 * resolve_max_num_reqs is given config.max_total_num_tokens, before
	 * the allocator widens it). */
	return sglang_reqs(p, c->log_tokens, p->state_total_bytes ? c->max_requests : UINT64_MAX,
	                   out);
}
