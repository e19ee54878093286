/*
 * sizing.c — one layer group's sizes: its rows in the cache types, an MLA
 * latent, a recurrent state, the bytes per token and per sequence, and
 * the group's bytes at the request's seq and batch as the engine rounds
 * them; and what makes a layer cache as it does (its kind, one rank's kv
 * heads, the policy's cap).
 */
#include <stddef.h>
#include <string.h>

#include "sizing.h"

/* The model's name for a message, made only when one is written. */
const char *kvp__zname(const struct sizing *z)
{
	return kvp__label(z->m->name, "the model", z->label);
}

/* Bytes of one row of n values as dtype; what the row is (for a message)
 * and which fields give its length. */
static kvp_status row(const struct sizing *z, kvp_dtype dtype, uint64_t n,
                      const char *what, const char *fields, uint64_t *bytes)
{
	kvp_status st = kvp_dtype_row_bytes(dtype, n, bytes, NULL);

	if (st == KVP_ERR_SHAPE)
		return kvp__error(z->err, st,
		                  "%s: a %s row of %llu values (%s) is not a whole"
		                  " number of %s blocks (%u values each)", kvp__zname(z),
		                  what, (unsigned long long)n, fields,
		                  kvp_dtype_name(dtype), kvp_dtype_block_values(dtype));
	if (st == KVP_ERR_INVALID && dtype == KVP_DTYPE_FP8_DS_MLA)
		return kvp__error(z->err, st,
		                  "%s: fp8_ds_mla is the format of an MLA latent; a %s"
		                  " row cannot use it", kvp__zname(z), what);
	if (st != KVP_OK)
		return kvp_dtype_row_bytes(dtype, n, bytes, z->err);
	return KVP_OK;
}

kvp_status kvp__sizing_overflow(const struct sizing *z)
{
	return kvp__error(z->err, KVP_ERR_OVERFLOW,
	                  "KV cache of %s for seq %llu and batch %llu overflows"
	                  " 64-bit bytes", kvp__zname(z), (unsigned long long)z->r->seq,
	                  (unsigned long long)z->r->batch);
}

/* An MLA latent: kv_lora_rank + qk_rope_dim values in the K type.
 * fp8_ds_mla stores the rank part as fp8 with an fp32 scale per 128 values
 * and the rope part as bf16 (vLLM, MLAAttentionSpec.real_page_size_bytes
 * and FlashMLA's layout: 512 + 4 x 4 + 64 x 2 = 656 B), as SGLang's DSA
 * backends other than trtllm keep a sparse model's fp8 latent
 * (kvp_request_for_device makes its fp8 fp8_ds_mla there). */
static kvp_status latent_bytes(const struct sizing *z, uint64_t *bytes)
{
	const kvp_model *m = z->m;
	uint64_t n = (uint64_t)m->kv_lora_rank + m->qk_rope_dim;
	bool ds = z->r->dtype_k == KVP_DTYPE_FP8_DS_MLA;

	if (!kvp__engine_model_dtype(m, z->r))
		return kvp__error(z->err, KVP_ERR_INVALID,
		                  "%s: SGLang keeps DeepSeek Sparse Attention's cache in"
		                  " bf16 or fp8_e4m3 only, not %s", kvp__zname(z),
		                  kvp_dtype_name(z->r->dtype_k));
	if (!ds)
		return row(z, z->r->dtype_k, n, "MLA latent",
		           "kv_lora_rank + qk_rope_dim", bytes);
	if (m->kv_lora_rank % 128 != 0)
		return kvp__error(z->err, KVP_ERR_SHAPE,
		                  "%s: fp8_ds_mla scales the latent in tiles of 128"
		                  " values; kv_lora_rank %u is not a multiple of 128",
		                  kvp__zname(z), m->kv_lora_rank);
	*bytes = (uint64_t)m->kv_lora_rank + (uint64_t)m->kv_lora_rank / 128 * 4 +
	         (uint64_t)m->qk_rope_dim * 2;
	return KVP_OK;
}

/* The conv state's channels, d_inner + 2 n_group d_state, that tp ranks
 * share: its groups made tp where tp does not divide them, but under
 * TensorRT-LLM (kvp__state_bytes); 0 without a conv state. */
static unsigned __int128 conv_channels(const kvp_model *m, const kvp_request *r, uint32_t tp)
{
	unsigned __int128 groups = m->ssm_groups;

	if (tp > 1 && groups % tp != 0 && r->engine != KVP_ENGINE_TRTLLM)
		groups = tp;
	return m->ssm_conv_kernel > 1 ? 2 * groups * m->ssm_state + m->ssm_inner : 0;
}

/* Whether tp ranks split m's recurrent state as r's engine does. */
kvp_status kvp__state_split_check(const kvp_model *m, const kvp_request *r, uint32_t tp,
                                  const char *name, kvp_error *err)
{
	unsigned __int128 channels;

	if (tp <= 1 || m->state_bytes || !kvp_model_count_layers(m, KVP_LAYER_RECURRENT))
		return KVP_OK;
	/* vLLM's and SGLang's MambaMixer2 (vllm mamba_mixer2.py @ 81be2e09;
	 * SGLang's layers/attention/mamba/mamba.py @ bc6ae173): "If tensor
	 * parallel world size does not divide num_groups, then num_groups
	 * must equal 1" (Falcon-H1-34B's 2 groups at tp 4). */
	if (m->ssm_groups > 1 && m->ssm_groups % tp != 0 && !kvp__delta_net(m) &&
	    (r->engine == KVP_ENGINE_VLLM || r->engine == KVP_ENGINE_SGLANG))
		return kvp__error(err, KVP_ERR_SHAPE, "%s: %s's Mamba-2 mixer needs tensor"
		                  " parallel %u to divide its %u groups, or one group", name,
		                  r->engine == KVP_ENGINE_VLLM ? "vLLM" : "SGLang", tp,
		                  m->ssm_groups);
	channels = conv_channels(m, r, tp);
	if (channels % tp != 0 || m->ssm_inner % tp != 0)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "%s: the recurrent state is split over tensor"
		                  " parallel ranks, and %u does not divide its %llu conv"
		                  " channels and %u inner channels", name, tp,
		                  (unsigned long long)channels, m->ssm_inner);
	return KVP_OK;
}

/* A recurrent layer's state per sequence: state_bytes, or llama.cpp's
 * n_embd_r() + n_embd_s() values (src/llama-hparams.cpp, master late
 * 2026) in the state type: (d_conv - 1)(d_inner + 2 n_group d_state) +
 * d_state d_inner.  On each of tp ranks the conv state's channels
 * d_inner + 2 n_group d_state and the SSM state's heads are divided by tp,
 * as every engine shards them:
 *  - vLLM makes n_group tp first where tp does not divide it, a Mamba-2
 *    mixer's one group alone (kvp__state_split_check refuses more)
 *    (vllm/model_executor/layers/mamba/mamba_utils.py @ 2afe1e85,
 *    MambaStateShapeCalculator.mamba2_state_shape and
 *    extra_groups_for_head_shards; gated_delta_net_state_shape divides the
 *    same channels and heads);
 *  - SGLang so too (python/sglang/srt/configs/mamba_utils.py @ 02e208de,
 *    Mamba2StateShape.create: divide(conv_dim, tp), divide(num_heads, tp));
 *  - TensorRT-LLM divides the channels and heads as they are, without
 *    more groups (tensorrt_llm/_torch/pyexecutor/mamba_cache_manager.py @
 *    00bce92c, PythonMambaCacheManager.__init__: conv_dim // tp_size,
 *    nheads // tp_size, asserting both divide);
 *  - the exact model and llama.cpp (its tensor split mode's meta device
 *    shards ssm_conv and the gated delta net) as vLLM, as they split the
 *    kv heads.
 * The conv state is stored as conv_dtype, the SSM state as dtype (SGLang
 * keeps its conv state in bf16 and its SSM state in fp32: lib/engine_state.c
 * kvp__engine_conv_dtype).  A state given in bytes is not split. */
/* The conv state's rows past its kernel's K - 1 vLLM keeps for the
 * drafted tokens (num_spec: vllm/model_executor/layers/mamba/
 * mamba_utils.py MambaStateShapeCalculator, conv_kernel - 1 + num_spec, at
 * 81be2e09): a Gated DeltaNet's from its first release
 * (gated_delta_net_state_shape, e93f4cc9e, 2025-09), a Mamba-2's from PR
 * #33726 (f5972a872, 2026-02-24, taken from 0.17: 0.16 of 2026-02-12 its
 * last before), Kimi Delta Attention's from PR #50000 (aeeb36b1f, in
 * 0.27); a short convolution's and a Mamba-1's none. */
static uint64_t spec_conv_rows(const kvp_model *m, const kvp_request *r)
{
	uint64_t spec = kvp__vllm_drafted(r);

	if (r->engine != KVP_ENGINE_VLLM || !spec || m->ssm_conv_kernel < 2 || kvp__lfm2(m))
		return 0;
	if (kvp__kimi_linear(m))
		return kvp__vllm_since(r, 27) ? spec : 0;
	if (kvp__delta_net(m))
		return spec;
	if (m->ssm_heads && m->ssm_state)
		return kvp__vllm_since(r, 17) ? spec : 0;
	return 0;
}

kvp_status kvp__state_bytes(const struct sizing *z, kvp_dtype conv_dtype, kvp_dtype dtype,
                            uint32_t tp, uint64_t *bytes, uint64_t *conv_out)
{
	const kvp_model *m = z->m;
	uint64_t conv = 0, ssm, values, conv_bytes, ssm_bytes;
	unsigned __int128 channels;
	kvp_status st;

	if (conv_out)
		*conv_out = 0;
	if (m->state_bytes) {
		*bytes = m->state_bytes;
		return KVP_OK;
	}
	if ((st = kvp__state_split_check(m, z->r, tp, kvp__zname(z), z->err)) != KVP_OK)
		return st;
	/* Each factor is below 2^32: the channels below 2^66, a rank's share
	 * and the last product checked.  Without a conv state (kernel 1)
	 * the channels count for nothing. */
	channels = conv_channels(m, z->r, tp) / tp;
	if (channels > UINT64_MAX ||
	    (m->ssm_conv_kernel > 1 &&
	     !kvp__mul((uint64_t)channels, m->ssm_conv_kernel - 1 + spec_conv_rows(m, z->r),
	               &conv)))
		return kvp__sizing_overflow(z);
	ssm = (uint64_t)m->ssm_state * (m->ssm_inner / tp);
	/* One type: the state's values together, as a type of per-row
	 * scales stores them (conv_bytes is then the conv part's own). */
	if (!kvp__add(conv, ssm, &values))
		return kvp__sizing_overflow(z);
	if ((st = kvp_dtype_bytes(conv_dtype, conv, &conv_bytes, NULL)) == KVP_OK)
		st = conv_dtype == dtype ? kvp_dtype_bytes(dtype, values, bytes, NULL)
		                         : kvp_dtype_bytes(dtype, ssm, &ssm_bytes, NULL);
	if (st == KVP_ERR_OVERFLOW ||
	    (st == KVP_OK && conv_dtype != dtype && !kvp__add(conv_bytes, ssm_bytes, bytes)))
		return kvp__sizing_overflow(z);
	if (st != KVP_OK)
		return kvp__error(z->err, KVP_ERR_INVALID,
		                  "%s: the recurrent state cannot be stored as %s",
		                  kvp__zname(z), kvp_dtype_name(dtype));
	if (conv_out)
		*conv_out = conv_bytes;
	return KVP_OK;
}

/* DeepSeek Sparse Attention's indexer key of an MLA layer, a token's
 * bytes: index_head_dim fp8 values and an fp32 scale per 128 of them, as
 * DeepSeek's Indexer (inference/model.py k_cache, k_scale_cache) and the
 * engines keep it: vLLM (models/deepseek_v2.py DeepseekV32IndexerCache:
 * uint8, head_size index_head_dim + index_head_dim // 128 x 4), SGLang
 * (DSATokenToKVPool index_k_with_scale_buffer, uint8, and its
 * configurator's cell), TensorRT-LLM (attention_backend/sparse/dsa
 * cache_manager.py _get_indexer_k_cache_bytes_per_token, fp8 by default).
 * llama.cpp keeps it as a second cache of one head of index_head_dim in
 * the K type (src/llama-kv-cache-dsa.cpp, llama_kv_cache_dsa: kv_lid). */
static kvp_status index_bytes(const struct sizing *z, uint64_t *bytes)
{
	const kvp_model *m = z->m;

	*bytes = 0;
	if (z->r->engine == KVP_ENGINE_LLAMA_CPP)
		return row(z, z->r->dtype_k, m->index_head_dim, "indexer key",
		           "index_head_dim", bytes);
	/* TensorRT-LLM's fp4 key: half a byte a value, the same 4 B of
	 * scales (kvp_request indexer_fp4). */
	*bytes = (z->r->engine == KVP_ENGINE_TRTLLM && z->r->indexer_fp4
	          ? (uint64_t)m->index_head_dim / 2 : (uint64_t)m->index_head_dim) +
	         (uint64_t)m->index_head_dim / 128 * 4;
	return KVP_OK;
}

/* llama.cpp without flash attention stores V transposed, each layer's
 * rows as wide as the widest layer's (llama_kv_cache: n_embd_v_gqa_max()
 * where v_trans, "the V embeddings have different sizes across layers and
 * FA is not enabled - padding V cache"): the most V values a token has
 * in any layer, kv heads x its V head, shared layers too.  0 where the
 * layers' V rows are alike or the request is another's. */
static uint64_t padded_v(const kvp_model *m, const kvp_request *r)
{
	uint64_t widest = 0;

	if (r->engine != KVP_ENGINE_LLAMA_CPP || !r->flash_attn_off ||
	    (!m->full_head_dim && !m->layer_kv_heads_len) || m->layers > KVP_PATTERN_MAX)
		return 0;
	for (uint32_t i = 0; i < m->layers; i++) {
		uint64_t hd = m->head_dim_v ? m->head_dim_v : kvp_model_layer_head_dim(m, i);
		uint64_t v = (uint64_t)kvp_model_layer_kv_heads(m, i) * hd;

		if (kvp__attention_kind(kvp__layer_weights_kind(m, i)) && v > widest)
			widest = v;
	}
	return widest;
}

/* A group's per-token and per-sequence sizes, from its key: kind, kv
 * heads and whether it keeps an indexer key (index_values). */
kvp_status kvp__size_group(const struct sizing *z, kvp_layer_group *g)
{
	const kvp_model *m = z->m;
	const kvp_request *r = z->r;
	uint32_t head_dim = g->head_dim ? g->head_dim : m->head_dim;
	uint32_t head_dim_v = m->head_dim_v ? m->head_dim_v : head_dim;
	/* A full layer's own head dim (full_head_dim) is its K's and V's. */
	const char *field = head_dim != m->head_dim ? "full_head_dim" : "head_dim";
	uint64_t k = 0, v = 0;
	kvp_status st;

	if (g->kind == KVP_LAYER_SLIDING)
		g->window = m->sliding_window;
	else if (g->kind == KVP_LAYER_CHUNKED)
		g->window = m->chunk_size;
	switch (g->kind) {
	case KVP_LAYER_SLIDING:
	case KVP_LAYER_CHUNKED:
	case KVP_LAYER_FULL:
		g->k_values = (uint64_t)g->kv_heads * head_dim;
		g->v_values = (uint64_t)g->kv_heads * head_dim_v;
		if ((st = row(z, r->dtype_k, head_dim, "K head", field, &k)) ||
		    (st = row(z, r->dtype_v, head_dim_v, "V head",
		              m->head_dim_v ? "head_dim_v" : field, &v)))
			return st;
		break;
	case KVP_LAYER_MLA:
		if (g->index_values && (st = index_bytes(z, &g->index_bytes_per_token)) != KVP_OK)
			return st;
		if (r->mla == KVP_MLA_LATENT) {
			g->latent_values = (uint64_t)m->kv_lora_rank + m->qk_rope_dim;
			if ((st = latent_bytes(z, &g->latent_bytes_per_token)) != KVP_OK)
				return st;
			break;
		}
		if (m->qk_nope_dim + (uint64_t)m->qk_rope_dim == 0 || m->v_head_dim == 0)
			return kvp__error(z->err, KVP_ERR_SHAPE,
			                  "%s: expanded MLA needs qk_nope_dim or qk_rope_dim,"
			                  " and v_head_dim", kvp__zname(z));
		{
			/* vLLM's MiniCPM3 pads V to K's width (MiniCPM3Attention:
			 * v padded to qk_head_dim) */
			uint64_t kdim = (uint64_t)m->qk_nope_dim + m->qk_rope_dim;
			bool pad = r->engine == KVP_ENGINE_VLLM && kvp__minicpm3(m);
			uint64_t vdim = pad ? kdim : m->v_head_dim;

			g->k_values = (uint64_t)g->kv_heads * kdim;
			g->v_values = (uint64_t)g->kv_heads * vdim;
			if ((st = row(z, r->dtype_k, kdim, "K head", "qk_nope_dim + qk_rope_dim",
			              &k)) ||
			    (st = row(z, r->dtype_v, vdim, "V head",
			              pad ? "qk_nope_dim + qk_rope_dim (vLLM pads V)" : "v_head_dim",
			              &v)))
				return st;
		}
		break;
	case KVP_LAYER_RECURRENT:
		if ((st = kvp__state_bytes(z, kvp__engine_conv_dtype(z->r),
		                           kvp__engine_ssm_dtype(z->r, m), r->tp,
		                           &g->state_bytes_per_seq,
		                           &g->conv_bytes_per_seq)) != KVP_OK)
			return st;
		break;
	case KVP_LAYER_NONE:
		break;
	}
	/* Rows are at most 2^32 values of a few bytes; kv heads below 2^32. */
	if (!kvp__mul(k, g->kv_heads, &g->k_bytes_per_token) ||
	    !kvp__mul(v, g->kv_heads, &g->v_bytes_per_token))
		return kvp__sizing_overflow(z);
	if (kvp__attention_kind(g->kind)) {
		uint64_t widest = padded_v(m, r);

		if (widest > g->v_values) {
			g->v_values = widest;
			if ((st = row(z, r->dtype_v, widest, "V row", "the widest layer's V",
			              &g->v_bytes_per_token)) != KVP_OK)
				return st;
		}
	}
	if (!kvp__add(g->k_bytes_per_token, g->v_bytes_per_token, &g->bytes_per_token) ||
	    !kvp__add(g->bytes_per_token, g->latent_bytes_per_token, &g->bytes_per_token) ||
	    !kvp__add(g->bytes_per_token, g->index_bytes_per_token, &g->bytes_per_token))
		return kvp__sizing_overflow(z);
	return KVP_OK;
}

/* The group's bytes at the request's seq and batch. */
kvp_status kvp__fill_group(const struct sizing *z, kvp_layer_group *g)
{
	uint64_t seq = z->r->seq, batch = z->r->batch, tb, n = g->layers;

	g->tokens = g->bytes_per_token == 0 ? 0
	            : g->window && g->window < seq ? g->window : seq;
	if (g->cap && g->cap < g->tokens)
		g->tokens = g->cap;
	/* The engine's slots for the whole batch, and the rows its pool
	 * adds to every layer's buffer. */
	g->cells = kvp__engine_cells(z->r, g);
	if (g->cells && !kvp__add(g->cells, kvp__engine_pool_pad(z->r) *
	                                    kvp__sglang_draft_dcp(z->r, g), &g->cells))
		return kvp__sizing_overflow(z);
	if (g->cells == UINT64_MAX)
		return kvp__sizing_overflow(z);
	tb = g->cells;
	if (
	    !kvp__mul(tb, g->bytes_per_token, &g->layer_kv_bytes) ||
	    !kvp__mul(g->state_bytes_per_seq, batch, &g->layer_state_bytes) ||
	    !kvp__mul(tb, g->k_bytes_per_token, &g->k_bytes) ||
	    !kvp__mul(g->k_bytes, n, &g->k_bytes) ||
	    !kvp__mul(tb, g->v_bytes_per_token, &g->v_bytes) ||
	    !kvp__mul(g->v_bytes, n, &g->v_bytes) ||
	    !kvp__mul(tb, g->latent_bytes_per_token, &g->latent_bytes) ||
	    !kvp__mul(g->latent_bytes, n, &g->latent_bytes) ||
	    !kvp__mul(tb, g->index_bytes_per_token, &g->index_bytes) ||
	    !kvp__mul(g->index_bytes, n, &g->index_bytes) ||
	    !kvp__mul(g->layer_state_bytes, n, &g->state_bytes) ||
	    !kvp__mul(g->layer_kv_bytes, n, &g->bytes) ||
	    !kvp__add(g->bytes, g->state_bytes, &g->bytes))
		return kvp__sizing_overflow(z);
	return KVP_OK;
}

/* The layers repeat every cycle layers: the pattern's length, or the
 * whole model when it lists kv heads per layer, shares its last layers'
 * caches or its indexer. */
uint32_t kvp__layer_cycle(const kvp_model *m, const kvp_request *r)
{
	/* PyramidKV keeps a different share of every layer. */
	uint32_t cycle = m->layer_kv_heads_len || m->kv_shared_layers || kvp__index_shared(m) ||
	                 r->policy.kind == KVP_POLICY_PYRAMIDKV ? m->layers
	                 : m->pattern_len ? m->pattern_len : 1;

	return cycle < m->layers ? cycle : m->layers;
}

/* Whether layer i keeps a sparse-attention indexer key as the engine
 * plans it: where the model says so (kvp_model_layer_indexed), which
 * llama.cpp (src/models/glm-dsa.cpp, filter_lid), vLLM from 0.24
 * (models/deepseek_v2.py DeepseekV2MLAAttention, PR #45895), TensorRT-LLM
 * (dsa/cache_manager.py derive_indexer_k_cache_layer_mask) and SGLang
 * from PR #30531 follow; the others every layer
 * (kvp__engine_indexes_all). */
static bool layer_indexed(const struct sizing *z, uint32_t i, kvp_layer_kind kind)
{
	if (kind != KVP_LAYER_MLA || !z->m->index_head_dim)
		return false;
	return kvp__engine_indexes_all(z->r) || kvp_model_layer_indexed(z->m, i);
}

/* What makes layer i cache as it does: its kind as planned, one
 * tensor-parallel rank's kv heads, the policy's cap, and its indexer
 * key's values. */
void kvp__layer_key(const struct sizing *z, uint32_t i, kvp_layer_group *key)
{
	const kvp_model *m = z->m;
	kvp_layer_kind kind = kvp__engine_caches_shared(z->r) ? kvp__layer_weights_kind(m, i)
	                                                      : kvp_model_layer_kind(m, i);
	uint32_t kv = kvp_model_layer_kv_heads(m, i);
	uint64_t cap = 0;

	/* Windows dropped: asked for, or SGLang without its sliding-window
	 * pool for this architecture (kvp_engine_swa_pool). */
	if ((kind == KVP_LAYER_SLIDING || kind == KVP_LAYER_CHUNKED) &&
	    (z->r->no_window || kvp__sglang_holds_windows(z->m, z->r)))
		kind = KVP_LAYER_FULL;
	/* One tensor-parallel rank's heads: kv heads split, and replicated
	 * once the ranks outnumber them; an MLA latent is whole on every
	 * rank, expanded heads split. */
	if (kind == KVP_LAYER_MLA)
		kv = z->r->mla == KVP_MLA_EXPANDED ? m->heads / kvp__attn_tp(z->r) : 0;
	else if (kind == KVP_LAYER_RECURRENT || kind == KVP_LAYER_NONE)
		kv = 0;
	else
		/* Repeated to the query heads (SnapKV's code does). */
		kv = kvp__tp_heads(z->r->kv_repeated ? m->heads : kv, kvp__kv_tp(z->r));
	if (kind != KVP_LAYER_RECURRENT && kind != KVP_LAYER_NONE &&
	    z->r->policy.kind != KVP_POLICY_FULL)
		cap = kvp__policy_cap(&z->r->policy, i, m->layers, z->r->seq, z->r->gen);
	key->kind = kind;
	key->kv_heads = kv;
	/* The layer's own, sliding made full or not. */
	key->head_dim = kvp__attention_kind(kind) ? kvp_model_layer_head_dim(m, i) : 0;
	key->cap = cap;
	key->index_values = layer_indexed(z, i, kind) ? m->index_head_dim : 0;
}

bool kvp__same_key(const kvp_layer_group *a, const kvp_layer_group *b)
{
	return a->kind == b->kind && a->kv_heads == b->kv_heads && a->cap == b->cap &&
	       a->head_dim == b->head_dim &&
	       a->index_values == b->index_values;
}
