/*
 * engine.h — the engines' rounding and the parallel split, shared by the
 * plan (plan.c) and the solvers (solve.c).  Never installed.
 */
#ifndef KVPLAN_ENGINE_H
#define KVPLAN_ENGINE_H

#include "internal.h"

/* llama.cpp pads its cells to multiples of 256. */
#define KVP__LLAMA_PAD 256

/* The engine's block (vLLM), page (SGLang), tokens per block (TRT-LLM) or
 * cell padding (llama.cpp), defaults filled in. */
uint32_t kvp__engine_block(const kvp_request *r);
/* vLLM's max_num_batched_tokens in a plan: the request's, or 2048,
 * `vllm serve`'s with no device to ask (vllm_batch.c), whatever the seq:
 * its cap at max_num_seqs x seq only matters below 8 tokens, where no
 * window reaches past the request, and the solvers ask of the plan at
 * other seqs. */
static inline uint64_t kvp__engine_mnbt(const kvp_request *r)
{
	return r->max_batched_tokens ? r->max_batched_tokens : 2048;
}
/* vLLM's max_num_batched_tokens and max_num_seqs for the request on d
 * (NULL: no device, the plan's default), each the request's where it
 * gives one. */
void kvp__vllm_batch(const kvp_request *r, const kvp_device *d, uint64_t *tokens,
                     uint64_t *seqs);
/* The max_num_batched_tokens a vLLM plan's sliding and chunked layers
 * keep beside their windows; 0 when no layer's blocks depend on it. */
uint64_t kvp__vllm_plan_mnbt(const kvp_plan *p);
/* The two that a fit of plan p on d follows: the plan's where its blocks
 * depend on them, otherwise d's. */
void kvp__fit_batch(const kvp_plan *p, const kvp_device *d, uint64_t *tokens,
                    uint64_t *seqs);
uint32_t kvp__engine_ubatch(const kvp_request *r);
/* The element type the engine stores a recurrent state in. */
kvp_dtype kvp__engine_state_dtype(const kvp_request *r);
kvp_dtype kvp__engine_conv_dtype(const kvp_request *r);
kvp_dtype kvp__engine_ssm_dtype(const kvp_request *r, const kvp_model *m);
kvp_status kvp__engine_check(const kvp_request *r, kvp_error *err);
/* Whether engine e stores a cache as t. */
bool kvp__engine_has_dtype(kvp_engine e, kvp_dtype t);
/* Whether the engine takes the request's cache type for this model. */
bool kvp__engine_model_dtype(const kvp_model *m, const kvp_request *r);
/* llama.cpp's n_ctx, its streams and the context of each. */
void kvp__llama_streams(const kvp_request *r, uint64_t *n_ctx, uint64_t *streams,
                        uint64_t *per_stream);
/* vLLM: the tokens a layer of g holds at most (0: every one) and the
 * blocks it keeps besides; and so the blocks one request of len tokens
 * takes in blocks of block tokens. */
void kvp__vllm_reach(const kvp_request *r, const kvp_layer_group *g,
                     uint64_t *reach, uint64_t *extra);
uint64_t kvp__vllm_blocks(const kvp_request *r, const kvp_layer_group *g,
                          uint64_t len, uint64_t block);
/* vLLM: one page of a recurrent group's state (a request of the plan's
 * seq holds kvp__vllm_blocks of them). */
uint64_t kvp__vllm_state_page(const kvp_request *r, const kvp_layer_group *g);
/* Token slots one layer of the group allocates for the whole request. */
uint64_t kvp__engine_cells(const kvp_request *r, const kvp_layer_group *g);
/* Each group's tokens per block (vLLM's page unification), or an error
 * naming the two page sizes that cannot be unified. */
kvp_status kvp__engine_group_blocks(kvp_plan *p, kvp_error *err);
/* Whether the request follows vLLM release 0.minor or a later one (a
 * vllm_version of 0 is the current release, later than any). */
static inline bool kvp__vllm_since(const kvp_request *r, uint32_t minor)
{
	return r->vllm_version == 0 || r->vllm_version >= minor;
}
/* The decode context parallel size for group g of request r, the GPUs
 * of a group that each keep a block of every dcp x block tokens:
 *  - vLLM: the request's dcp for a full-attention or MLA layer
 *    (FullAttentionSpec and MLAAttentionSpec.max_memory_usage_bytes:
 *    cdiv(max_model_len, dcp x pcp) tokens on each GPU; vllm/v1/core/
 *    kv_cache_utils.py resolve_kv_cache_block_sizes: the scheduler's
 *    block is block_size x dcp x pcp);
 *  - SGLang (--dcp-size, PR #14194): the request's dcp for the layers of
 *    its one pool (the sliding and recurrent pools are refused, lib/
 *    parallel.c): its allocator hands out locations of a space dcp times
 *    the pool, in pages of page_size x dcp, and a location is row
 *    loc // dcp of GPU loc % dcp of the group (mem_cache/
 *    kv_cache_configurator.py, PagedTokenToKVPoolAllocator(
 *    max_total_num_tokens x attn_dcp_size, page_size x attn_dcp_size)),
 *    but a draft's (kvp__sglang_draft_dcp);
 * else 1. */
static inline uint64_t kvp__engine_dcp(const kvp_request *r, const kvp_layer_group *g)
{
	if (r->engine == KVP_ENGINE_SGLANG && g->draft)
		return 1;
	return (r->engine == KVP_ENGINE_VLLM || r->engine == KVP_ENGINE_SGLANG) && r->dcp > 1 &&
	       (g->kind == KVP_LAYER_FULL || g->kind == KVP_LAYER_MLA) ? r->dcp : 1;
}
/* SGLang's draft under decode context parallelism: its pools are whole
 * on every GPU of the group, not sharded, and indexed by the allocator's
 * locations untranslated, so they span its space of dcp x
 * max_total_num_tokens rows, in pages of page_size x dcp
 * (mem_cache/kv_cache_configurator.py loc_space_scale and
 * _derive_pool_sizes, main of late 2026: "Draft pools are replicated,
 * not DCP-sharded"): a request takes cdiv(seq, page x dcp) x page x dcp
 * of its rows, and the pool page_size x dcp rows of padding.  The
 * request's dcp for a draft's group under SGLang, else 1. */
static inline uint64_t kvp__sglang_draft_dcp(const kvp_request *r, const kvp_layer_group *g)
{
	return r->engine == KVP_ENGINE_SGLANG && r->dcp > 1 && g->draft ? r->dcp : 1;
}
/* The request's decode context parallel size where its engine has one
 * (vLLM, SGLang), else 1. */
static inline uint32_t kvp__request_dcp(const kvp_request *r)
{
	return (r->engine == KVP_ENGINE_VLLM || r->engine == KVP_ENGINE_SGLANG) && r->dcp > 1
	       ? r->dcp : 1;
}
/* The tokens vLLM drafts a step (num_speculative_tokens): the request's,
 * else its MTP layers' (vllm/config/speculative.py
 * SpeculativeConfig.__post_init__: "Default to max value defined in draft
 * model config", n_predict, which an MTP model's override sets to its
 * num_nextn_predict_layers); 0 without speculation. */
static inline uint64_t kvp__vllm_drafted(const kvp_request *r)
{
	return r->spec_tokens ? r->spec_tokens : r->mtp_layers;
}
/* vLLM's experts kernel for m under r on d (lib/moe_backend.c): the
 * request's, or auto made vLLM's choice for d (NULL: an H100's);
 * KVP_MOE_AUTO for the other engines and a dense model. */
kvp_moe_backend kvp__vllm_moe_backend(const kvp_model *m, const kvp_request *r,
                                      const kvp_device *d);
/* One routed expert's parameters: its matrices of moe_intermediate over
 * the width it works in (kvp_model moe_latent, else hidden): two for
 * Nemotron-H's relu2 experts (up and down, no gate), three for the gated
 * ones (lib/moe_backend.c). */
uint64_t kvp__expert_params(const kvp_model *m);
/* Whether m's experts are Nemotron-H's relu2 ones (up and down, no
 * gate). */
bool kvp__relu2_experts(const kvp_model *m);
/* Layers [0, x) of m that route among experts: where its layers differ
 * (moe_experts), kvp__expert_layers's; a Nemotron-H's E layers, those of
 * its pattern that cache nothing (its - layers would be counted with
 * them: no mixture of experts has any); else every one of an MoE
 * model's. */
uint64_t kvp__routed_layers(const kvp_model *m, uint64_t x);
/* The parameters of a Nemotron-H's layer i, its block as its kind says
 * (lib/weights_estimate.c: a Mamba-2 layer's, an attention block's, an
 * expert layer's, or an MLP's where the model routes among none, mlp
 * where its size is not given); 0 for another model, one of unknown
 * Mamba-2 heads, or an MLP of unknown size (mlp 0). */
uint64_t kvp__nemotron_layer_params(const kvp_model *m, uint32_t i, uint64_t mlp);
/* A Nemotron-H's MLP layer with its norm where its profile gives no inner
 * size (kvp_model intermediate is a gated MLP's): what the embeddings,
 * the final norm and its Mamba-2 and attention blocks leave of m's
 * params (m as a plan loads it, kvp_model_loaded: the MTP layers out),
 * over its MLP layers; Nemotron-H-56B's 536,879,104.  0 where they leave
 * nothing, the size is known, or the attention layers' kv heads differ.
 * Once a plan: it counts the layers. */
uint64_t kvp__nemotron_mlp_params(const kvp_model *m);
/* Its fused-MoE workspace into the plan (kvp_plan moe_backend,
 * moe_workspace_row_bytes, moe_top_k, moe_pad_rows), after the request
 * is final; and its bytes for a profile run of tokens. */
void kvp__vllm_plan_moe(const kvp_model *m, kvp_plan *p);
/* Whether m is gpt-oss (model_type gpt_oss), whose MXFP4 experts vLLM
 * runs on its own kernels (lib/moe_backend.c). */
bool kvp__gpt_oss(const kvp_model *m);
/* x rounded up to a multiple of to (> 0), saturated (lib/moe_backend.c). */
uint64_t kvp__round_to(unsigned __int128 x, uint64_t to);
/* kvp_plan stage_ct_int_bytes and stage_ct_int_sm90_bytes, and one GPU's
 * weights of stage t with them (lib/vllm_ct_int.c). */
void kvp__vllm_plan_ct_int(const kvp_model *m, kvp_plan *p);
uint64_t kvp__vllm_ct_int_gpu_weights(const kvp_plan *plan, const kvp_device *d, uint32_t t,
                                      uint64_t mine);
/* kvp_plan mxfp4_intermediate (lib/vllm_mxfp4.c). */
void kvp__vllm_plan_mxfp4(const kvp_model *m, kvp_plan *p);
/* mine, one GPU's weights of stage t on d, with gpt-oss's MXFP4 experts
 * as vLLM lays them out there in place of their share (saturated). */
uint64_t kvp__mxfp4_gpu_weights(const kvp_plan *plan, const kvp_device *d, uint32_t t,
                                uint64_t mine);
/* Whole experts, as many of routed of them as one of group GPUs holds at
 * most, of x bytes of them all: ceil(x x ceil(routed / group) / routed),
 * x at most (lib/fit_weights.c). */
uint64_t kvp__whole_experts(uint64_t x, uint32_t routed, uint64_t group);
/* lib/fit_weights.c: stage t's weights w on one of its GPUs of device d;
 * the draft's or MTP layers' on one GPU of the last stage, weights the
 * model's; vLLM's buffers of the indexer's indices on one GPU of stage t
 * for tokens batched tokens. */
uint64_t kvp__gpu_weights(const kvp_plan *plan, const kvp_device *d, uint64_t w, uint32_t t);
uint64_t kvp__gpu_draft_weights(const kvp_plan *plan, const kvp_device *dev, uint64_t weights);
uint64_t kvp__topk_buffers(const kvp_plan *plan, uint64_t tokens, uint32_t t);
uint64_t kvp__vllm_moe_bytes(const kvp_plan *p, uint64_t tokens);
/* A sparse MLA model's other asks of vLLM's workspace manager into the
 * plan (kvp_plan sparse_workspace_bytes; moe_backend.c). */
void kvp__vllm_plan_sparse(const kvp_model *m, kvp_plan *p);
/* Whether model m is a sparse MLA one (DeepSeek-V3.2, GLM-5: an
 * indexer, lib/attention_backend.c). */
bool kvp__sparse_mla(const kvp_model *m);
/* TensorRT-LLM's context-MLA workspace (lib/trtllm_mla.c): its bytes a
 * token and tokens into the plan, and stage's budget once the room for
 * it is taken from budget, with the tokens that room admits (int(R /
 * w), as TensorRT-LLM logs them; 0 where none is taken). */
void kvp__trtllm_mla_workspace(const kvp_model *m, const kvp_request *r, kvp_plan *p);
uint64_t kvp__trtllm_mla_budget(const kvp_plan *p, uint32_t stage, uint64_t budget,
                                uint64_t *tokens);
/* TensorRT-LLM's max_batch_size: the request's, else 2048. */
uint32_t kvp__trtllm_max_batch_size(const kvp_request *r);
/* lib/trtllm_hybrid.c: whether TensorRT-LLM's hybrid cache manager (its
 * PyTorch runtime, recurrent layers beside attention) sizes stage's pools,
 * and their capacity in budget, in c (false, c untouched, where not), V2's
 * quota synced to least tokens over several GPUs (kvp__trtllm_tokens). */
bool kvp__trtllm_hybrid(const kvp_plan *p, uint32_t stage);
/* TensorRT-LLM's spec_config.max_draft_len: --spec-tokens, else 1 for
 * MTP layers; 0 without a draft. */
uint64_t kvp__trtllm_draft_len(const kvp_request *r);
/* trtllm_spec.c: the draft steps' recurrent-state buffers of TensorRT-
 * LLM's hybrid managers with speculative decoding, in its profiled peak:
 * the plan's compute_bytes (its last stage) and compute_other_bytes (the
 * most of the others); untouched for another plan. */
void kvp__trtllm_spec_buffers(const kvp_model *m, kvp_plan *p);
/* Whether pools admit a plan's requests, not its bytes: SGLang's, and
 * TensorRT-LLM's hybrid ones on any stage. */
bool kvp__pool_admits(const kvp_plan *p);
bool kvp__trtllm_hybrid_capacity(const kvp_plan *p, uint32_t stage, uint64_t budget,
                                 uint64_t least, kvp_capacity *c);
/* The least tokens over the ranks that V2's quota is synced to over
 * several GPUs, each stage's budget budgets[s] (NULL: one for every
 * stage): least for kvp__trtllm_hybrid_capacity; UINT64_MAX where none
 * syncs (one GPU, V1, not a hybrid). */
uint64_t kvp__trtllm_tokens(const kvp_plan *p, const uint64_t *budgets, uint64_t one);
/* Whether the request follows SGLang release 0.5.patch (major x 10000 +
 * minor x 100 + patch: 520 is 0.5.20) or a later one (a sglang_version
 * of 0 is the current release, later than any). */
static inline bool kvp__sglang_since(const kvp_request *r, uint32_t version)
{
	return r->sglang_version == 0 || r->sglang_version >= version;
}
/* Whether the engine gives a layer that reads an earlier one's cache
 * (kvp_model kv_shared_layers) buffers of its own all the same: SGLang's
 * SWAKVPool sizes a pool for every sliding and every full layer id
 * (configs/model_config.py get_hybrid_layer_ids, no shared layer left
 * out; the shared ones never written: Gemma4Attention's save_kv_cache
 * false), and TensorRT-LLM's KVCacheManagerV2 takes num_hidden_layers
 * with a head dim and kv heads each ("Gemma4 KV sharing is handled at the
 * model level ... No layer_mask exclusion needed here",
 * _torch/pyexecutor/_util.py _create_kv_cache_manager).  vLLM gives them
 * no KV cache spec and llama.cpp no cells (has_kv).  Research:
 * /work/research/gemma4-engines.md, sections 3 and 4. */
static inline bool kvp__engine_caches_shared(const kvp_request *r)
{
	return r->engine == KVP_ENGINE_SGLANG || r->engine == KVP_ENGINE_TRTLLM;
}
/* Whether the engine keeps the indexer key in every MLA layer of a
 * sparse model whose indexer is shared (kvp_model_layer_indexed): SGLang
 * before PR #30531 ("[DSA] Skip indexer KV cache for skip-topk layers",
 * 8cc112d, merged 2026-08-17; taken from 0.5.18, released 2026-08-25)
 * allocated it for every layer (DSATokenToKVPool and its cell, main at
 * 003fca80), and since on a server of prefill/decode disaggregation
 * still does (_should_elide_dsa_index_k: disaggregation_mode not
 * "null").  vLLM before 0.24 built an Indexer, and so its key cache
 * (DeepseekV32IndexerCache), in every layer (DeepseekV2MLAAttention
 * .__init__; PR #45895, "Indexer init skip and MTP TopK share for
 * iteration", merged 2026-06-19 after 0.23.0 was tagged, builds it only
 * where the layer computes its top-k or is an MTP layer).  The others,
 * and SGLang and vLLM otherwise, key the full layers alone. */
static inline bool kvp__engine_indexes_all(const kvp_request *r)
{
	if (r->engine == KVP_ENGINE_VLLM)
		return !kvp__vllm_since(r, 24);
	return r->engine == KVP_ENGINE_SGLANG &&
	       (!kvp__sglang_since(r, 518) || r->disaggregation != KVP_DISAGG_NONE);
}
/* Whether a sparse MLA model's MTP (NextN) layers keep an indexer key:
 * vLLM's (DeepseekV2MLAAttention builds the indexer on an MTP layer),
 * TensorRT-LLM's (_is_full_indexer_layer: a layer past
 * num_hidden_layers is full) and SGLang's (its draft worker keeps every
 * layer's, _should_elide_dsa_index_k); not llama.cpp's, whose indexer
 * cache takes the layers below n_layer() alone (llama-model.cpp
 * create_memory, filter_lid of PR #26474, as a copy of it quotes the
 * lambda: il < n_layer() && (arch != GLM_DSA || is_indexer_full(il))),
 * so none of an MTP context's, GLM-5's and DeepSeek-V3.2's too.  What
 * that context logs of an empty indexer cache was not seen: kvplan
 * prints no indexer lines for it. */
static inline bool kvp__engine_mtp_indexed(const kvp_request *r)
{
	return r->engine != KVP_ENGINE_LLAMA_CPP;
}
/* The request's SGLang server role of disaggregated serving where kvplan
 * follows it (memory_hook.py, from 0.5.20), else KVP_DISAGG_NONE. */
static inline kvp_disaggregation kvp__sglang_role(const kvp_request *r)
{
	if (r->engine != KVP_ENGINE_SGLANG || !kvp__sglang_since(r, 520) ||
	    r->disaggregation > KVP_DISAGG_DECODE)
		return KVP_DISAGG_NONE;
	return (kvp_disaggregation)r->disaggregation;
}
/* SGLang's disaggregation_decode_extra_slots on a decode server: twice
 * --max-running-requests // dp, as given (its decode hook runs before a
 * draft's 48), where that is 32 or fewer, else none (server_args.py's
 * decode hook, main of late 2026); 0 on any other server. */
static inline uint64_t kvp__sglang_decode_extra_slots(const kvp_request *r)
{
	uint64_t worker = r->max_running_requests / (r->dp ? r->dp : 1);

	return kvp__sglang_role(r) == KVP_DISAGG_DECODE && r->max_running_requests &&
	       worker <= 32 ? 2 * worker : 0;
}
/* SGLang's chunked_prefill_size on device d: the request's, else its
 * default for the device's memory (lib/mem_fraction.c). */
uint32_t kvp__sglang_chunked_prefill(const kvp_request *r, const kvp_device *d);
/* speculative_num_draft_tokens as SGLang's memory hook reads it, before
 * its speculative hook resolves it (lib/mem_fraction.c): the request's
 * spec_draft_tokens with a draft or MTP layers, else 1. */
static inline uint32_t kvp__sglang_hook_draft_tokens(const kvp_request *r)
{
	return r->spec_draft_tokens && (r->draft || r->mtp_layers) ? r->spec_draft_tokens : 1;
}
/* The memory an engine sizes from: with request cuda_memory, what CUDA
 * reports for vLLM, SGLang and TensorRT-LLM (cudaMemGetInfo's total:
 * vllm/v1/worker/gpu_worker.py requested_memory, SGLang's free-memory
 * snapshots, TensorRT-LLM's free memory), where the device gives it;
 * otherwise the nominal memory. */
static inline uint64_t kvp__engine_memory(const kvp_request *r, const kvp_device *d)
{
	if (!r->cuda_memory || !d->cuda_bytes)
		return d->hbm_bytes;
	return r->engine == KVP_ENGINE_VLLM || r->engine == KVP_ENGINE_SGLANG ||
	       r->engine == KVP_ENGINE_TRTLLM ? d->cuda_bytes : d->hbm_bytes;
}
/* kvp_engine_mamba_mode of a request, inline for the planner's loops:
 * the request's mode, else its release's default (vllm/engine/
 * arg_utils.py: prefix caching on for hybrid models from 0.28, PR 50991,
 * and with it mode align). */
static inline kvp_mamba_mode kvp__mamba_mode(const kvp_request *r)
{
	if (r->mamba_cache_mode != KVP_MAMBA_DEFAULT)
		return r->mamba_cache_mode;
	return kvp__vllm_since(r, 28) ? KVP_MAMBA_ALIGN : KVP_MAMBA_NONE;
}
/* Whether vLLM runs model in mamba_cache_mode all when asked (its
 * SupportsMambaPrefixCaching models); align otherwise. */
bool kvp__mamba_all_supported(const kvp_model *m);
/* Whether SGLang keeps every token of the model's sliding and chunked
 * layers: it runs the model without its sliding-window pool. */
static inline bool kvp__sglang_holds_windows(const kvp_model *m, const kvp_request *r)
{
	return r->engine == KVP_ENGINE_SGLANG && !kvp_engine_swa_pool(m, r);
}
/* Whether SGLang keeps a layer of this (planned) kind in its sliding-
 * window pool: a sliding or chunked layer left windowed by the plan
 * (kvp__layer_key gives every other model's windows all their tokens). */
static inline bool kvp__sglang_swa_kind(kvp_layer_kind kind)
{
	return kind == KVP_LAYER_SLIDING || kind == KVP_LAYER_CHUNKED;
}
/* SGLang's swa_full_tokens_ratio, default filled in. */
double kvp__engine_swa_ratio(const kvp_request *r);
/* Rows every layer's buffer has besides its tokens (SGLang's page). */
uint64_t kvp__engine_pool_pad(const kvp_request *r);

kvp_status kvp__tp_check(const kvp_model *m, const kvp_request *r, kvp_error *err);
/* vLLM's checks of its decode context parallel size against tp and the
 * model's heads (lib/parallel.c; KVP_OK where the request has none);
 * name labels the model in the message. */
kvp_status kvp__dcp_check(const kvp_model *m, const kvp_request *r, uint32_t tp,
                          const char *name, kvp_error *err);
uint32_t kvp__tp_heads(uint32_t kv, uint32_t tp);
/* The ranks the request's kv heads are split over (lib/parallel.c). */
uint32_t kvp__kv_tp(const kvp_request *r);
kvp_status kvp__pp_split(const kvp_request *r, uint32_t layers, uint32_t *stages,
                         uint32_t *first, uint32_t *count, kvp_error *err);

/* parallel.c: stages and the totals across GPUs; layers of group g in a
 * stage. */
kvp_status kvp__plan_parallel(kvp_plan *p, kvp_error *err);
uint64_t kvp__stage_group_layers_of(const kvp_plan *p, uint32_t stage, uint32_t g);
/* One stage holds every layer: the group's own count, with no call. */
static inline uint64_t kvp__stage_group_layers(const kvp_plan *p, uint32_t stage,
                                               uint32_t g)
{
	return p->stages == 1 ? p->groups[g].layers
	                      : kvp__stage_group_layers_of(p, stage, g);
}

/* SGLang's pools (full and sliding tokens) that budget gives stage's GPU,
 * its window, whether it has full layers, and the requests at once its
 * recurrent states admit (UINT64_MAX: no such limit).  A stage without
 * sliding layers has one pool: *swa is UINT64_MAX (no limit) and *window
 * 0, as long as its layers keep every token and hold no recurrent state
 * but in a modelled pool of states (sglang_mamba.c); otherwise, and for a
 * stage that caches nothing, false (the byte model holds it). */
bool kvp__sglang_pools(const kvp_plan *p, uint32_t stage, uint64_t budget,
                       uint64_t *full, uint64_t *swa, uint64_t *window,
                       bool *has_full, uint64_t *max_reqs);

/* sglang_pools.c: Python's float floor division a // b of two positive
 * doubles, as a count. */
uint64_t kvp__py_floordiv(double a, double b);
/* sglang_mamba.c: the states a running request holds in SGLang's pool of
 * recurrent states; whether that pool is modelled for the plan; the pool on stage's
 * GPU for budget, into c's state_* fields and max_requests (false where
 * not modelled). */
uint32_t kvp__sglang_state_ratio(const kvp_model *m, const kvp_request *r);
/* sglang_mamba.c: KVP_ERR_INVALID for a strategy SGLang refuses. */
kvp_status kvp__sglang_mamba_check(const kvp_request *r, kvp_error *err);
bool kvp__sglang_mamba_applies(const kvp_plan *p);
bool kvp__sglang_mamba(const kvp_plan *p, uint32_t stage, uint64_t budget,
                       kvp_capacity *c);
/* sglang_mamba.c: with a draft, the verify buffers of the pool on stage's
 * GPU once the tokens' pool is sized (c->tokens), into c's state_spec_*
 * fields, added to state_bytes. */
void kvp__sglang_mamba_spec(const kvp_plan *p, uint32_t stage, kvp_capacity *c);
/* sglang_reqs.c: SGLang's --max-running-requests, the request's, or 48
 * where a draft or MTP layers make it set one (speculative_hook.py
 * _handle_eagle_family); 0: none. */
uint32_t kvp__sglang_running(const kvp_request *r);
/* ... over the dp workers, as the model runner divides it (main of late
 * 2026 divides by the attention-dp workers alone: not followed). */
static inline uint32_t kvp__sglang_worker_running(const kvp_request *r)
{
	return kvp__sglang_running(r) / (r->dp ? r->dp : 1);
}
/* sglang_spec.c: SGLang's speculative steps, topk and draft tokens for a
 * request with a draft (all 0 without, or under another engine); and the
 * verify buffers of a recurrent layer of a model of conv kernel width
 * kernel, into the group's spec_* fields. */
kvp_status kvp__sglang_spec(const kvp_model *m, const kvp_request *r, uint32_t *steps,
                            uint32_t *topk, uint32_t *tokens, kvp_error *err);
void kvp__sglang_spec_state(const kvp_request *r, kvp_layer_group *grp, uint32_t kernel,
                            uint32_t topk, uint32_t tokens);

/* Whether SGLang's pools, not the bytes, admit the requests on stage's GPU
 * (kvp__sglang_pools true for any budget): sliding layers there, or one
 * pool of layers that keep every token and hold no state. */
bool kvp__sglang_pooled(const kvp_plan *p, uint32_t stage);
/* sglang_pools.c: SGLang's capacity on stage's GPU in budget; true when
 * its pools are split (max_concurrency set too). */
bool kvp__sglang_capacity(const kvp_plan *p, uint32_t stage, uint64_t budget,
                          kvp_capacity *c);
/* capacity.c: the tokens a request keeps of its longest-kept layer. */
uint64_t kvp__kept_seq(const kvp_plan *p);
/* Whether the engine keeps a pool on stage's GPU: vLLM pages (a recurrent
 * layer's state among them), the others' tokens.  A stage of MLP-only or
 * recurrent layers may have none, and binds nothing. */
bool kvp__stage_pools(const kvp_plan *p, uint32_t stage);
/* vLLM's groups on stage with padding layers (lib/capacity.c): its pool
 * of *blocks in budget (blocks NULL: not asked), each block id spanning
 * group_size layers' pages, and the block ids a request of seq tokens
 * takes of it, which bound its requests, not the plan's bytes. */
bool kvp__vllm_pool(const kvp_plan *p, uint32_t stage, uint64_t budget, uint64_t *blocks);
uint64_t kvp__vllm_request_blocks(const kvp_plan *p, uint32_t stage, uint64_t seq);

/* kvp_plan_capacity for the GPU of stage with its own budget, least the
 * tokens TensorRT-LLM's hybrid V2 syncs its quota to over the ranks
 * (kvp__trtllm_tokens; UINT64_MAX: its own). */
kvp_status kvp__stage_capacity(const kvp_plan *p, uint32_t stage, uint64_t budget,
                               uint64_t least, kvp_capacity *out, kvp_error *err);

/* Of stages whose GPUs hold bytes[s] of cache, the one that holds the
 * most (the first of equals): its layers govern one GPU's capacity and
 * memory. */
static inline uint32_t kvp__largest_stage(const uint64_t *bytes, uint32_t stages)
{
	uint32_t best = 0;

	for (uint32_t s = 1; s < stages; s++)
		if (bytes[s] > bytes[best])
			best = s;
	return best;
}

/* stages.c: the plan's embedding_bytes and head_bytes (its weights_bytes
 * set); the weights one GPU of stage s holds before ceil(/ tp), weights
 * being the model's (the plan's weights_bytes, or the fit's plain ones,
 * from which the embedding and head were taken). */
void kvp__plan_outer_weights(const kvp_model *m, kvp_plan *p);
/* m's token embedding at the request's weights type, from its shape (0
 * when unknown). */
uint64_t kvp__embedding_estimate(const kvp_model *m, const kvp_request *r);
/* The plan's stage_units, where a mixture of experts' layers differ; its
 * stages set. */
void kvp__plan_stage_units(const kvp_model *m, kvp_plan *p);
uint64_t kvp__stage_weights(const kvp_plan *p, uint64_t weights, uint32_t s);
/* The routed experts' weights of plan p, whole and a stage's
 * (kvp_plan expert_bytes): counted, or their share of est (a format's
 * estimate, or NULL) or of the model's parameters.  After the stages. */
void kvp__plan_expert_weights(const kvp_model *m, const kvp_weights_estimate *est,
                              kvp_plan *p);
/* Whether vLLM lays plan p's routed experts over its tp x dp GPUs, not
 * its tp alone (dp > 1 or expert_parallel; lib/fit.c). */
static inline bool kvp__experts_over_dp(const kvp_plan *p)
{
	const kvp_request *r = &p->request;

	return r->engine == KVP_ENGINE_VLLM && p->expert_bytes && p->routed_experts &&
	       (r->dp > 1 || r->expert_parallel);
}
/* The weights every tensor-parallel rank of plan p holds whole (kvp_plan
 * replicated_bytes), whole and a stage's.  After the stages. */
void kvp__plan_replicated_weights(const kvp_model *m, const kvp_weights_estimate *est,
                                  kvp_plan *p);
/* kvp_plan attention_bytes, attention_gpu_bytes, attention_copy_bytes and
 * stage_kv_replica_bytes (attn_weights.c); est a format's estimate or
 * NULL.  After the stages. */
void kvp__plan_attention_weights(const kvp_model *m, const kvp_weights_estimate *est,
                                 kvp_plan *p);

/* rope.c: the rotary tables one GPU of each stage holds (kvp_plan
 * rotary_bytes, stage_rotary_bytes).  After the stages. */
void kvp__plan_rotary(const kvp_model *m, kvp_plan *p);

/* lora.c: the plan's LoRA adapters (lora_adapter_bytes,
 * lora_bytes_per_gpu, lora_modules), its stages set. */
kvp_status kvp__plan_lora(const kvp_model *m, kvp_plan *p, kvp_error *err);
/* lora_layers.c: the buffers' shapes on one GPU: the rank, the modules'
 * tensor-parallel ranks, the routed experts' (tp x dp) and whether they
 * hold whole experts, and whose shapes (vLLM's packed slices). */
struct kvp__lora_shard {
	uint64_t rank, tp, moe_ranks;
	bool ep;
	kvp_engine engine;
};
/* The adapter values of m's layers [first, first + count) with modules,
 * and of embed_tokens and lm_head where asked (SGLang's lm_head B over
 * tp: head_split). */
unsigned __int128 kvp__lora_span(const kvp_model *m, uint32_t modules,
                                 const struct kvp__lora_shard *s, uint32_t first,
                                 uint32_t count, bool embed, bool head, bool head_split);
/* The modules m has (KVP_LORA_* bits). */
uint32_t kvp__lora_present(const kvp_model *m);
/* Whether kvplan knows the shape of m's recurrent mixers' modules. */
bool kvp__lora_mixer_known(const kvp_model *m);
/* Whether vLLM wraps m's embed_tokens and lm_head: its class declares
 * them embedding_modules. */
bool kvp__vllm_lora_embedding(const kvp_model *m);

/* vllm_profile.c: what vLLM keeps out of the cache after its profile
 * run, for max_num_batched_tokens tokens and max_num_seqs seqs (the fit's:
 * kvp__fit_batch) on a GPU of pipeline stage stage, when the request asks
 * (profile_memory); 0 otherwise: the run's activation peak and non-torch
 * memory, and from 0.20 its CUDA-graph estimate for sizes batch sizes
 * (kvp__vllm_graph_sizes), which *graphs gets alone, and *runtime the
 * memory outside its activations, the non-torch memory and the graphs;
 * UINT64_MAX where they pass 64-bit bytes.
 * kvp__vllm_graph_sizes: the batch sizes it captures a graph for (0 for
 * no graphs) on device d, whose compute capability sets their ceiling
 * (NULL: not known). */
uint64_t kvp__vllm_profile_bytes(const kvp_plan *p, uint64_t tokens, uint64_t seqs,
                                 uint32_t sizes, uint32_t stage, uint64_t *graphs,
                                 uint64_t *runtime);
uint32_t kvp__vllm_graph_sizes(const kvp_plan *p, const kvp_device *d, uint64_t tokens,
                               uint64_t seqs);
/* The plan's graph_capture_max: the model's own largest capture size. */
void kvp__vllm_plan_graphs(const kvp_model *m, kvp_plan *p);
/* llama_replay.c: the compute buffer of llama.cpp's MTP context of graph
 * g, its prompt graph of tokens, outputs rows of logits of vocab, over
 * cells of its cache (a stream's). */
uint64_t kvp__llama_mtp_peak(const kvp_mtp_graph *g, uint64_t tokens, uint64_t outputs,
                             uint64_t cells, uint64_t vocab);
/* llama_replay.c: the end of a Gated DeltaNet layer of graph g in the
 * model's compute buffer, above the graph's inputs and the layer's norm:
 * its prompt graph of tokens, seqs sequences (n_seq_max) and outputs
 * rows, over cells of the cache (a stream's). */
uint64_t kvp__llama_gdn_peak(const kvp_gdn_graph *g, uint64_t tokens, uint64_t seqs,
                             uint64_t outputs, uint64_t cells);
/* llama_compute.c: llama.cpp's compute buffer where it grows with the context
 * (without flash attention, or split over stages) for batch sequences of
 * seq tokens (in a context of ctx cells when not 0) on a GPU of the last
 * stage (last: the logits' peak where larger) or of another; the plan's
 * groups and attention terms set. */
uint64_t kvp__llama_compute(const kvp_plan *p, uint64_t seq, uint64_t batch, uint64_t ctx,
                            bool last);
/* llama_fa.c: the longest context and largest batch in a fit of llama.cpp
 * whose compute buffer grows with the context. */
void kvp__llama_fa_answers(const kvp_plan *p, const uint64_t *room, uint64_t *seq,
                           bool *seq_unbounded, uint64_t *batch);
/* The share of d's memory the engine takes: the request's mem_util, or
 * where that is 0 the engine's own default for d (mem_fraction.c). */
double kvp__engine_mem_util(const kvp_plan *p, const kvp_device *d);
/* The vision encoder of model that SGLang's default share reads
 * (kvp_plan vision_hidden and vision_layers). */
void kvp__sglang_vision(const kvp_model *m, const kvp_request *r, uint32_t *hidden,
                        uint32_t *layers);
/* sglang_preload.c: with profile_memory, the memory SGLang finds in use
 * before its weights load on d (0 otherwise). */
uint64_t kvp__sglang_preload(const kvp_request *r, const kvp_device *d);

/* draft.c: the recurrent states a sequence keeps under speculative
 * decoding (1 without): vLLM's 1 + num_speculative_tokens pages,
 * llama.cpp's 1 + n_rs_seq rows. */
uint64_t kvp__spec_state_rows(const kvp_request *r, const kvp_model *m);
/* Whether m's model_type begins with one of the n types ('-' matching
 * '_'); false for no model. */
bool kvp__model_type_in(const kvp_model *m, const char *const *types, size_t n);
/* Whether m is a Nemotron-H (model_type nemotron_h, GGUF's nemotron_h
 * and nemotron_h_moe). */
bool kvp__nemotron_h(const kvp_model *m);
/* Kimi-Linear (kimi_linear, kimi-linear): Kimi Delta Attention beside
 * MLA. */
bool kvp__kimi_linear(const kvp_model *m);
/* Whether the plan's model has no attention (Mamba: no kv heads,
 * kvp_model_attention_free). */
static inline bool kvp__plan_attention_free(const kvp_plan *p)
{
	return p->model_kv_heads == 0;
}
/* Whether m is MiniCPM3, whose MLA vLLM and llama.cpp run as plain
 * attention (lib/plan.c). */
/* LFM2 and LFM2-MoE (config.json's lfm2, lfm2_moe; GGUF's lfm2,
 * lfm2moe): short convolutions beside attention (lib/hf_lfm2.c). */
bool kvp__lfm2(const kvp_model *m);
/* SGLang's --max-total-tokens as kvplan follows it (lib/sglang_pools.c):
 * KVP_OK, or why not. */
kvp_status kvp__sglang_total_check(const kvp_model *m, const kvp_request *r, kvp_error *err);
bool kvp__minicpm3(const kvp_model *m);

/* llama_compute.c: the plan's engine buffers (compute_bytes, host_bytes)
 * from the model. */
void kvp__plan_buffers(const kvp_model *m, kvp_plan *p);
/* footprint.c: a fit's breakdown of one GPU, need being what the fit
 * counted before the cache (weights, reserve, buffers) and outside the
 * bytes its share was taken of (SGLang's preload), its footprint's draft
 * and activations set by the fit. */
void kvp__fit_footprint(const kvp_plan *p, const kvp_device *d, uint64_t need,
                        uint64_t outside, kvp_fit *fit);

#endif
