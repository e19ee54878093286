/*
 * sglang_spec.c — SGLang's speculative settings for a request with a draft
 * or MTP layers: the steps a draft makes and the tokens the model verifies
 * a step (speculative_num_steps, speculative_num_draft_tokens), and the
 * verify buffers of a recurrent layer they size.  Read at main of late
 * 2026 (003fca80): python/sglang/srt/arg_groups/speculative_hook.py
 * (_handle_eagle_family, _auto_choose_speculative_params) and
 * mem_cache/memory_pool.py (MambaPool.__init__).
 */
#include <string.h>

#include "engine.h"
#include "internal.h"

/*
 * With a draft or MTP layers under SGLang (EAGLE, EAGLE3, NEXTN or
 * STANDALONE):
 *  - the steps are spec_tokens; where it is 0 SGLang chooses the three
 *    settings together (speculative_num_steps None: it asserts topk and
 *    draft tokens None too), (5, 4, 8) for LlamaForCausalLM and Grok-1,
 *    (3, 1, 4) for every other architecture (main's
 *    _auto_choose_speculative_params; earlier releases chose (5, 4, 8)
 *    for the architectures they did not list: not followed);
 *  - topk is spec_topk, 1 where 0;
 *  - with topk 1 the draft tokens are the steps + 1, whatever is given
 *    ("speculative_num_draft_tokens is adjusted to speculative_num_steps
 *    + 1"); with a larger topk, spec_draft_tokens, which must be given.
 * All 0 under another engine or without a draft.  KVP_ERR_INVALID where
 * SGLang would refuse.
 */
kvp_status kvp__sglang_spec(const kvp_model *m, const kvp_request *r, uint32_t *steps,
                            uint32_t *topk, uint32_t *tokens, kvp_error *err)
{
	*steps = *topk = *tokens = 0;
	if (r->engine != KVP_ENGINE_SGLANG || (!r->draft && !r->mtp_layers))
		return KVP_OK;
	if (!r->spec_tokens) {
		if (r->spec_topk || r->spec_draft_tokens)
			return kvp__error(err, KVP_ERR_INVALID,
			                  "SGLang chooses its speculative steps, topk and draft"
			                  " tokens together: give spec_tokens (the steps,"
			                  " --spec-tokens) with spec_topk or spec_draft_tokens");
		if (strcmp(m->model_type, "llama") == 0) {
			*steps = 5;
			*topk = 4;
			*tokens = 8;
		} else {
			*steps = 3;
			*topk = 1;
			*tokens = 4;
		}
		return KVP_OK;
	}
	*steps = r->spec_tokens;
	*topk = r->spec_topk ? r->spec_topk : 1;
	if (*topk == 1) {
		*tokens = *steps + 1 > *steps ? *steps + 1 : *steps;
		return KVP_OK;
	}
	if (!r->spec_draft_tokens)
		return kvp__error(err, KVP_ERR_INVALID,
		                  "SGLang's speculative topk %u needs its draft tokens"
		                  " (spec_draft_tokens, --spec-draft-tokens)",
		                  *topk);
	*tokens = r->spec_draft_tokens;
	return KVP_OK;
}

/*
 * The verify buffers of one request slot in a recurrent layer of grp
 * (MambaPool.__init__ under speculative decoding): intermediate_ssm_state_
 * cache, D SSM states, and intermediate_conv_window_cache, D conv windows
 * of K - 1 columns, or from PR #28302 on CUDA with topk 1 one shared
 * window of D + K - 2 columns (conv_window_dedup_enabled; merged after
 * 2026-06-15, so taken from 0.5.17 of 2026-08-08, the first release
 * certain to have it), in the states' own types: the group's
 * spec_state_bytes_per_seq, and of them spec_conv_bytes_per_seq (0 where
 * the layer keeps no conv state of kernel's width).
 */
void kvp__sglang_spec_state(const kvp_request *r, kvp_layer_group *grp, uint32_t kernel,
                            uint32_t topk, uint32_t tokens)
{
	uint64_t ssm = grp->state_bytes_per_seq - grp->conv_bytes_per_seq;
	unsigned __int128 conv = 0, v;

	if (grp->conv_bytes_per_seq && kernel >= 2) {
		uint64_t column = grp->conv_bytes_per_seq / (kernel - 1);

		conv = topk <= 1 && kvp__sglang_since(r, 517)
		       ? (unsigned __int128)column * ((uint64_t)tokens + kernel - 2)
		       : (unsigned __int128)grp->conv_bytes_per_seq * tokens;
	}
	v = (unsigned __int128)ssm * tokens + conv;
	grp->spec_state_bytes_per_seq = v > UINT64_MAX ? UINT64_MAX : (uint64_t)v;
	grp->spec_conv_bytes_per_seq = conv > UINT64_MAX ? UINT64_MAX : (uint64_t)conv;
}
