/*
 * plan.c — the one code path that sizes a cache: a request of a model,
 * layer by layer.  Layers that cache alike form a group; each group's
 * bytes per token (K, V, MLA latent) and state per sequence are worked out
 * once, and the tokens each layer holds follow from its kind and window.
 */
#include <stddef.h>
#include <string.h>

#include "engine.h"
#include "internal.h"

void kvp_request_init(kvp_request *r)
{
	if (!r)
		return;
	memset(r, 0, sizeof *r);
	r->seq = 0;
	r->batch = 1;
	r->dtype_k = KVP_DTYPE_FP16;
	r->dtype_v = KVP_DTYPE_FP16;
	r->state_dtype = KVP_DTYPE_FP32;
	r->mla = KVP_MLA_LATENT;
	r->no_window = false;
	r->weights_dtype = KVP_DTYPE_FP16;
	kvp_weights_format_init(&r->weights_format);
	r->mem_util = 0.90;
	r->reserve_bytes = 0;
	r->engine = KVP_ENGINE_EXACT;
	r->tp = 1;
	r->pp = 1;
	r->dp = 1;
	r->lora.slots = 1;
	r->lora.dtype = KVP_DTYPE_FP16;
}

const char *kvp_mla_mode_name(kvp_mla_mode mode)
{
	switch (mode) {
	case KVP_MLA_LATENT:
		return "latent";
	case KVP_MLA_EXPANDED:
		return "expanded";
	}
	return "unknown";
}

/* What sizing one group needs besides the group itself. */
struct sizing {
	const kvp_model *m;
	const kvp_request *r;
	char *label;        /* KVP_QUOTE_MAX bytes for the model's name */
	kvp_error *err;
};

/* The model's name for a message, made only when one is written. */
static const char *zname(const struct sizing *z)
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
		                  " number of %s blocks (%u values each)", zname(z),
		                  what, (unsigned long long)n, fields,
		                  kvp_dtype_name(dtype), kvp_dtype_block_values(dtype));
	if (st == KVP_ERR_INVALID && dtype == KVP_DTYPE_FP8_DS_MLA)
		return kvp__error(z->err, st,
		                  "%s: fp8_ds_mla is the format of an MLA latent; a %s"
		                  " row cannot use it", zname(z), what);
	if (st != KVP_OK)
		return kvp_dtype_row_bytes(dtype, n, bytes, z->err);
	return KVP_OK;
}

static kvp_status overflow(const struct sizing *z)
{
	return kvp__error(z->err, KVP_ERR_OVERFLOW,
	                  "KV cache of %s for seq %llu and batch %llu overflows"
	                  " 64-bit bytes", zname(z), (unsigned long long)z->r->seq,
	                  (unsigned long long)z->r->batch);
}

/* An MLA latent: kv_lora_rank + qk_rope_dim values in the K type.
 * fp8_ds_mla stores the rank part as fp8 with an fp32 scale per 128 values
 * and the rope part as bf16 (vLLM, MLAAttentionSpec.real_page_size_bytes
 * and FlashMLA's layout: 512 + 4 x 4 + 64 x 2 = 656 B). */
static kvp_status latent_bytes(const struct sizing *z, uint64_t *bytes)
{
	const kvp_model *m = z->m;
	uint64_t n = (uint64_t)m->kv_lora_rank + m->qk_rope_dim;

	if (z->r->dtype_k != KVP_DTYPE_FP8_DS_MLA)
		return row(z, z->r->dtype_k, n, "MLA latent",
		           "kv_lora_rank + qk_rope_dim", bytes);
	if (m->kv_lora_rank % 128 != 0)
		return kvp__error(z->err, KVP_ERR_SHAPE,
		                  "%s: fp8_ds_mla scales the latent in tiles of 128"
		                  " values; kv_lora_rank %u is not a multiple of 128",
		                  zname(z), m->kv_lora_rank);
	*bytes = (uint64_t)m->kv_lora_rank + (uint64_t)m->kv_lora_rank / 128 * 4 +
	         (uint64_t)m->qk_rope_dim * 2;
	return KVP_OK;
}

/* A recurrent layer's state per sequence: state_bytes, or llama.cpp's
 * n_embd_r() + n_embd_s() values (src/llama-hparams.cpp, master late
 * 2026) in the state type: (d_conv - 1)(d_inner + 2 n_group d_state) +
 * d_state d_inner.  On each of tp ranks (vLLM's split; 1 for the others),
 * the conv state's channels d_inner + 2 n_group d_state and the SSM
 * state's heads are divided by tp, n_group made tp first where tp does not
 * divide it (vllm/model_executor/layers/mamba/mamba_utils.py @ 2afe1e85,
 * MambaStateShapeCalculator.mamba2_state_shape and
 * extra_groups_for_head_shards; gated_delta_net_state_shape divides the
 * same channels and heads).  A state given in bytes is not split. */
static kvp_status state_bytes(const struct sizing *z, kvp_dtype dtype, uint32_t tp,
                              uint64_t *bytes)
{
	const kvp_model *m = z->m;
	uint64_t conv = 0, ssm, channels, groups = m->ssm_groups, values;
	kvp_status st;

	if (m->state_bytes) {
		*bytes = m->state_bytes;
		return KVP_OK;
	}
	if (tp > 1 && groups % tp != 0)
		groups = tp;
	/* Each factor is below 2^32: no product of two overflows, and the
	 * sums and the last product are checked.  Without a conv state
	 * (kernel 1) the channels count for nothing. */
	channels = groups * m->ssm_state;
	if (m->ssm_conv_kernel > 1 &&
	    (!kvp__mul(channels, 2, &channels) || !kvp__add(channels, m->ssm_inner, &channels)))
		return overflow(z);
	if (tp > 1 && ((m->ssm_conv_kernel > 1 && channels % tp != 0) || m->ssm_inner % tp != 0))
		return kvp__error(z->err, KVP_ERR_SHAPE,
		                  "%s: vLLM splits the recurrent state over tensor"
		                  " parallel ranks, and %u does not divide its %llu conv"
		                  " channels and %u inner channels", zname(z), tp,
		                  (unsigned long long)channels, m->ssm_inner);
	if (m->ssm_conv_kernel > 1 &&
	    !kvp__mul(channels / tp, m->ssm_conv_kernel - 1, &conv))
		return overflow(z);
	ssm = (uint64_t)m->ssm_state * (m->ssm_inner / tp);
	if (!kvp__add(conv, ssm, &values))
		return overflow(z);
	st = kvp_dtype_bytes(dtype, values, bytes, NULL);
	if (st == KVP_ERR_OVERFLOW)
		return overflow(z);
	if (st != KVP_OK)
		return kvp__error(z->err, KVP_ERR_INVALID,
		                  "%s: the recurrent state cannot be stored as %s",
		                  zname(z), kvp_dtype_name(dtype));
	return KVP_OK;
}

/* A group's per-token and per-sequence sizes, from its kind and kv heads. */
static kvp_status size_group(const struct sizing *z, kvp_layer_group *g)
{
	const kvp_model *m = z->m;
	const kvp_request *r = z->r;
	uint32_t head_dim_v = m->head_dim_v ? m->head_dim_v : m->head_dim;
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
		g->k_values = (uint64_t)g->kv_heads * m->head_dim;
		g->v_values = (uint64_t)g->kv_heads * head_dim_v;
		if ((st = row(z, r->dtype_k, m->head_dim, "K head", "head_dim", &k)) ||
		    (st = row(z, r->dtype_v, head_dim_v, "V head",
		              m->head_dim_v ? "head_dim_v" : "head_dim", &v)))
			return st;
		break;
	case KVP_LAYER_MLA:
		if (r->mla == KVP_MLA_LATENT) {
			g->latent_values = (uint64_t)m->kv_lora_rank + m->qk_rope_dim;
			if ((st = latent_bytes(z, &g->latent_bytes_per_token)) != KVP_OK)
				return st;
			break;
		}
		if (m->qk_nope_dim + (uint64_t)m->qk_rope_dim == 0 || m->v_head_dim == 0)
			return kvp__error(z->err, KVP_ERR_SHAPE,
			                  "%s: expanded MLA needs qk_nope_dim or qk_rope_dim,"
			                  " and v_head_dim", zname(z));
		g->k_values = (uint64_t)g->kv_heads * ((uint64_t)m->qk_nope_dim + m->qk_rope_dim);
		g->v_values = (uint64_t)g->kv_heads * m->v_head_dim;
		if ((st = row(z, r->dtype_k, (uint64_t)m->qk_nope_dim + m->qk_rope_dim,
		              "K head", "qk_nope_dim + qk_rope_dim", &k)) ||
		    (st = row(z, r->dtype_v, m->v_head_dim, "V head", "v_head_dim", &v)))
			return st;
		break;
	case KVP_LAYER_RECURRENT:
		if ((st = state_bytes(z, kvp__engine_state_dtype(z->r),
		                      r->engine == KVP_ENGINE_VLLM ? r->tp : 1,
		                      &g->state_bytes_per_seq)) != KVP_OK)
			return st;
		break;
	case KVP_LAYER_NONE:
		break;
	}
	/* Rows are at most 2^32 values of a few bytes; kv heads below 2^32. */
	if (!kvp__mul(k, g->kv_heads, &g->k_bytes_per_token) ||
	    !kvp__mul(v, g->kv_heads, &g->v_bytes_per_token) ||
	    !kvp__add(g->k_bytes_per_token, g->v_bytes_per_token, &g->bytes_per_token) ||
	    !kvp__add(g->bytes_per_token, g->latent_bytes_per_token, &g->bytes_per_token))
		return overflow(z);
	return KVP_OK;
}

/* The group's bytes at the request's seq and batch. */
static kvp_status fill_group(const struct sizing *z, kvp_layer_group *g)
{
	uint64_t seq = z->r->seq, batch = z->r->batch, tb, n = g->layers;

	g->tokens = g->bytes_per_token == 0 ? 0
	            : g->window && g->window < seq ? g->window : seq;
	if (g->cap && g->cap < g->tokens)
		g->tokens = g->cap;
	/* The engine's slots for the whole batch, and the rows its pool
	 * adds to every layer's buffer. */
	g->cells = kvp__engine_cells(z->r, g);
	if (g->cells && !kvp__add(g->cells, kvp__engine_pool_pad(z->r), &g->cells))
		return overflow(z);
	if (g->cells == UINT64_MAX)
		return overflow(z);
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
	    !kvp__mul(g->layer_state_bytes, n, &g->state_bytes) ||
	    !kvp__mul(g->layer_kv_bytes, n, &g->bytes) ||
	    !kvp__add(g->bytes, g->state_bytes, &g->bytes))
		return overflow(z);
	return KVP_OK;
}

static kvp_status check_request(const kvp_request *r, kvp_error *err)
{
	if (r->seq == 0)
		return kvp__error(err, KVP_ERR_INVALID, "sequence length must be at least 1");
	if (r->batch == 0)
		return kvp__error(err, KVP_ERR_INVALID, "batch must be at least 1");
	if ((unsigned)r->dtype_k >= KVP_DTYPE_COUNT ||
	    (unsigned)r->dtype_v >= KVP_DTYPE_COUNT ||
	    (unsigned)r->state_dtype >= KVP_DTYPE_COUNT ||
	    (unsigned)r->weights_dtype >= KVP_DTYPE_COUNT)
		return kvp__error(err, KVP_ERR_INVALID, "invalid element type in the request");
	if ((unsigned)r->mla > KVP_MLA_EXPANDED)
		return kvp__error(err, KVP_ERR_INVALID, "invalid MLA mode %d", (int)r->mla);
	if ((unsigned)r->policy.kind >= KVP_POLICY_COUNT)
		return kvp__error(err, KVP_ERR_INVALID, "invalid policy %d",
		                  (int)r->policy.kind);
	if (r->gen >= r->seq)
		return kvp__error(err, KVP_ERR_INVALID, "%llu generated tokens leave"
		                  " no prompt in a sequence of %llu",
		                  (unsigned long long)r->gen, (unsigned long long)r->seq);
	if ((r->policy.kind == KVP_POLICY_SNAPKV || r->policy.kind == KVP_POLICY_PYRAMIDKV) &&
	    (r->policy.window >= r->policy.capacity ||
	     (r->policy.kind == KVP_POLICY_PYRAMIDKV && r->policy.beta == 0)))
		return kvp__error(err, KVP_ERR_INVALID, "policy %s: the window must be"
		                  " below the capacity%s",
		                  kvp_policy_kind_name(r->policy.kind),
		                  r->policy.kind == KVP_POLICY_PYRAMIDKV ? ", beta at least 1" : "");
	if (r->tp == 0 || r->pp == 0 || r->dp == 0)
		return kvp__error(err, KVP_ERR_INVALID,
		                  "tensor, pipeline and data parallel degrees must be at"
		                  " least 1");
	return kvp__engine_check(r, err);
}

/* The layers repeat every cycle layers: the pattern's length, or the
 * whole model when it lists kv heads per layer. */
static uint32_t layer_cycle(const kvp_model *m, const kvp_request *r)
{
	/* PyramidKV keeps a different share of every layer. */
	uint32_t cycle = m->layer_kv_heads_len ||
	                 r->policy.kind == KVP_POLICY_PYRAMIDKV ? m->layers
	                 : m->pattern_len ? m->pattern_len : 1;

	return cycle < m->layers ? cycle : m->layers;
}

/* What makes layer i cache as it does: its kind as planned, one
 * tensor-parallel rank's kv heads, and the policy's cap. */
static void layer_key(const struct sizing *z, uint32_t i, kvp_layer_kind *kind_out,
                      uint32_t *kv_out, uint64_t *cap_out)
{
	const kvp_model *m = z->m;
	kvp_layer_kind kind = kvp_model_layer_kind(m, i);
	uint32_t kv = kvp_model_layer_kv_heads(m, i);
	uint64_t cap = 0;

	if (z->r->no_window && (kind == KVP_LAYER_SLIDING || kind == KVP_LAYER_CHUNKED))
		kind = KVP_LAYER_FULL;
	/* One tensor-parallel rank's heads: kv heads split, and replicated
	 * once the ranks outnumber them; an MLA latent is whole on every
	 * rank, expanded heads split. */
	if (kind == KVP_LAYER_MLA)
		kv = z->r->mla == KVP_MLA_EXPANDED ? m->heads / z->r->tp : 0;
	else if (kind == KVP_LAYER_RECURRENT || kind == KVP_LAYER_NONE)
		kv = 0;
	else
		/* Repeated to the query heads (SnapKV's code does). */
		kv = kvp__tp_heads(z->r->kv_repeated ? m->heads : kv, z->r->tp);
	if (kind != KVP_LAYER_RECURRENT && kind != KVP_LAYER_NONE &&
	    z->r->policy.kind != KVP_POLICY_FULL)
		cap = kvp__policy_cap(&z->r->policy, i, m->layers, z->r->seq, z->r->gen);
	*kind_out = kind;
	*kv_out = kv;
	*cap_out = cap;
}

/* Sorts the layers of one cycle into groups by kind and kv heads. */
static kvp_status group_layers(const struct sizing *z, kvp_plan *p)
{
	const kvp_model *m = z->m;
	uint32_t cycle = layer_cycle(m, z->r), full = m->layers / cycle;
	bool pyramid = z->r->policy.kind == KVP_POLICY_PYRAMIDKV;

	if (cycle > KVP_PATTERN_MAX)
		return kvp__error(z->err, KVP_ERR_RANGE, "%s: policy %s plans each"
		                  " of at most %d layers apart, not %u", zname(z),
		                  kvp_policy_kind_name(z->r->policy.kind),
		                  KVP_PATTERN_MAX, cycle);
	p->cycle_len = cycle;
	for (uint32_t i = 0; i < cycle; i++) {
		kvp_layer_kind kind;
		uint32_t kv, g;
		uint64_t cap;

		layer_key(z, i, &kind, &kv, &cap);
		/* PyramidKV gives each layer its own share, alike at some seqs
		 * (every layer keeps a prompt below its capacity) and apart at
		 * others: the solvers re-cap each group at other seqs by its
		 * first layer, so capped layers are never merged. */
		g = p->group_count;
		if (!(pyramid && cap))
			for (g = 0; g < p->group_count; g++)
				if (p->groups[g].kind == kind && p->groups[g].kv_heads == kv &&
				    p->groups[g].cap == cap)
					break;
		if (g == p->group_count) {
			if (g == KVP_GROUPS_MAX)
				return kvp__error(z->err, KVP_ERR_RANGE,
				                  "%s: more than %d kinds of layer", zname(z),
				                  KVP_GROUPS_MAX);
			memset(&p->groups[g], 0, sizeof p->groups[g]);
			p->groups[g].kind = kind;
			p->groups[g].kv_heads = kv;
			p->groups[g].cap = cap;
			p->groups[g].first_layer = i;
			p->group_count++;
		}
		p->cycle[i] = (uint8_t)g;
		/* Each whole cycle has this layer once; the part cycle at the
		 * end has it when it is among the first layers % cycle. */
		p->groups[g].layers += full + (i < m->layers % cycle);
	}
	return KVP_OK;
}

/* The exact model's whole cache on one GPU, layer kind by layer kind,
 * with no plan to hold the groups (nor memory to allocate for one): the
 * exact engine rounds nothing, so the layers of one cycle position
 * cost alike, whichever group they would share. */
static kvp_status exact_total(const kvp_model *m, const kvp_request *r,
                              char *label, kvp_error *err, uint64_t *total)
{
	kvp_request one = *r;
	struct sizing z = {m, &one, label, err};
	uint32_t cycle, full;
	kvp_status st;

	one.engine = KVP_ENGINE_EXACT;
	one.block_size = 0;
	one.tp = one.pp = one.dp = 1;
	one.pp_layers_len = 0;
	cycle = layer_cycle(m, &one);
	full = m->layers / cycle;
	*total = 0;
	for (uint32_t i = 0; i < cycle; i++) {
		kvp_layer_group g;

		memset(&g, 0, sizeof g);
		layer_key(&z, i, &g.kind, &g.kv_heads, &g.cap);
		g.first_layer = i;
		g.layers = full + (i < m->layers % cycle);
		g.block = 1;
		if ((st = size_group(&z, &g)) != KVP_OK || (st = fill_group(&z, &g)) != KVP_OK)
			return st;
		if (!kvp__add(*total, g.bytes, total))
			return overflow(&z);
	}
	return KVP_OK;
}

/* The exact model's whole cache from an engine's plan on one GPU: the
 * groups are the exact model's, each layer holds its tokens (seq, or its
 * window or cap) for every sequence, unrounded, and a recurrent layer its
 * state in the request's type (an engine may store it in another, and
 * pad it).  False when an overflow or a state that cannot be stored
 * leaves it to exact_total, which says why. */
static bool exact_from_groups(const struct sizing *z, const kvp_plan *p,
                              uint64_t *total)
{
	struct sizing quiet = *z;
	uint64_t sum = 0, batch = p->request.batch;

	quiet.err = NULL;
	for (uint32_t g = 0; g < p->group_count; g++) {
		const kvp_layer_group *grp = &p->groups[g];
		uint64_t layer, state = 0;

		if (grp->kind == KVP_LAYER_RECURRENT &&
		    (state_bytes(&quiet, z->r->state_dtype, 1, &state) != KVP_OK ||
		     !kvp__mul(state, batch, &state)))
			return false;
		if (!kvp__mul(grp->tokens, batch, &layer) ||
		    !kvp__mul(layer, grp->bytes_per_token, &layer) ||
		    !kvp__add(layer, state, &layer) ||
		    !kvp__mul(layer, grp->layers, &layer) || !kvp__add(sum, layer, &sum))
			return false;
	}
	*total = sum;
	return true;
}

/* The figures to show beside an engine's: the exact model on one GPU,
 * and the engine's own on one GPU (what replicated heads inflate).  Only
 * an engine's plan across GPUs plans again, on one GPU, whose own exact
 * figure needs no plan: nothing is allocated otherwise. */
static kvp_status reference_sizes(const struct sizing *z, kvp_plan *p)
{
	const kvp_model *m = z->m;
	const kvp_request *r = z->r;
	kvp_error *err = z->err;
	bool parallel = r->tp != 1 || r->pp != 1 || r->dp != 1;
	kvp_request one;
	kvp_plan *other;
	kvp_status st;

	p->exact_cache_bytes = p->cache_total_bytes;
	p->unsharded_cache_bytes = p->cache_total_bytes;
	if (r->engine == KVP_ENGINE_EXACT && !parallel)
		return kvp__error_clear(err);
	if (r->engine == KVP_ENGINE_EXACT || !parallel) {
		if ((parallel || !exact_from_groups(z, p, &p->exact_cache_bytes)) &&
		    (st = exact_total(m, r, z->label, err, &p->exact_cache_bytes)) != KVP_OK)
			return st;
		if (parallel)
			p->unsharded_cache_bytes = p->exact_cache_bytes;
		return kvp__error_clear(err);
	}
	other = kvp__malloc(sizeof *other);
	if (!other)
		return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
	one = *r;
	one.tp = one.pp = one.dp = 1;
	one.pp_layers_len = 0;
	if (!parallel)
		one.engine = KVP_ENGINE_EXACT;
	if ((st = kvp_plan_compute(m, &one, other, err)) == KVP_OK) {
		if (parallel)
			p->unsharded_cache_bytes = other->cache_total_bytes;
		p->exact_cache_bytes = parallel ? other->exact_cache_bytes
		                                : other->cache_total_bytes;
	}
	kvp__free(other);
	return st == KVP_OK ? kvp__error_clear(err) : st;
}

kvp_status kvp_plan_compute(const kvp_model *model, const kvp_request *request,
                            kvp_plan *out, kvp_error *err)
{
	char label[KVP_QUOTE_MAX];
	kvp_model copy;
	const kvp_model *m = model;
	kvp_plan *p = out;
	struct sizing z;
	kvp_status st;

	if (!model || !request || !out)
		return kvp__error(err, KVP_ERR_INVALID, "no model, request or plan given");
	if ((st = check_request(request, err)) != KVP_OK)
		return st;
	/* A model whose head_dim is given is planned where it is, checked as
	 * kvp_model_finalize checks it (a copy costs more than a plan of a
	 * uniform model); one whose head_dim is derived, on a copy. */
	if (model->head_dim != 0) {
		st = kvp__model_check(model, err);
	} else {
		copy = *model;
		st = kvp_model_finalize(&copy, err);
		m = &copy;
	}
	if (st != KVP_OK)
		return st;
	z = (struct sizing){m, request, label, err};
	if ((st = kvp__tp_check(m, request, err)) != KVP_OK)
		return st;
	/* Every field is set below but for the groups, each zeroed as it is
	 * made, and the stages, each set as kvp__plan_parallel makes it: the
	 * plan is 24 KB, mostly groups and stages a model does not have. */
	p->request = *request;
	memcpy(p->model_name, m->name, sizeof p->model_name);
	p->layers = m->layers;
	p->group_count = 0;
	p->model_kv_heads = m->kv_heads;
	p->kv_bytes_per_token = p->kv_total_bytes = p->state_total_bytes = 0;
	p->cache_total_bytes = p->exact_cache_bytes = p->unsharded_cache_bytes = 0;
	p->kv_bytes_per_gpu = p->max_layer_bytes = 0;
	p->stages = 0;
	p->kv_heads_per_gpu = 0;
	p->streams = p->n_ctx = p->params = p->weights_bytes = 0;
	p->plateau_seq = 0;
	if ((st = group_layers(&z, p)) != KVP_OK)
		return st;
	p->bounded = true;
	for (uint32_t g = 0; g < p->group_count; g++)
		if ((st = size_group(&z, &p->groups[g])) != KVP_OK)
			return st;
	if ((st = kvp__engine_group_blocks(p, err)) != KVP_OK)
		return st;
	for (uint32_t g = 0; g < p->group_count; g++) {
		kvp_layer_group *grp = &p->groups[g];
		uint64_t per_token, layer;

		if ((st = fill_group(&z, grp)) != KVP_OK)
			return st;
		if (!kvp__mul(grp->bytes_per_token, grp->layers, &per_token) ||
		    !kvp__add(p->kv_bytes_per_token, per_token, &p->kv_bytes_per_token) ||
		    !kvp__add(p->kv_total_bytes, grp->k_bytes, &p->kv_total_bytes) ||
		    !kvp__add(p->kv_total_bytes, grp->v_bytes, &p->kv_total_bytes) ||
		    !kvp__add(p->kv_total_bytes, grp->latent_bytes, &p->kv_total_bytes) ||
		    !kvp__add(p->state_total_bytes, grp->state_bytes, &p->state_total_bytes) ||
		    !kvp__add(grp->layer_kv_bytes, grp->layer_state_bytes, &layer))
			return overflow(&z);
		if (layer > p->max_layer_bytes)
			p->max_layer_bytes = layer;
		if (grp->bytes_per_token > 0) {
			/* A policy's cap bounds the cache when it does not
			 * grow with the prompt. */
			uint64_t bound = grp->window;

			if (grp->cap && !kvp_policy_varies(&request->policy) &&
			    (!bound || grp->cap < bound))
				bound = grp->cap;
			if (bound == 0 || kvp_policy_varies(&request->policy))
				p->bounded = false;
			else if (bound > p->plateau_seq)
				p->plateau_seq = bound;
		}
	}
	if (!p->bounded)
		p->plateau_seq = 0;
	if (!kvp__add(p->kv_total_bytes, p->state_total_bytes, &p->cache_total_bytes))
		return overflow(&z);
	p->params = m->params;
	kvp__plan_buffers(m, p);
	/* Counted from a checkpoint, or params in the weights' format (a
	 * plain type is the fit's: a cache plan does not fail on it). */
	p->weights_bytes = request->weight_bytes;
	if (!request->weight_bytes && request->weights_format.kind != KVP_WFORMAT_PLAIN) {
		kvp_weights_estimate w;

		if ((st = kvp_weights_estimate_compute(m, &request->weights_format,
		                                       request->weights_dtype, &w, err)) != KVP_OK)
			return st;
		p->weights_bytes = w.bytes;
	}
	if ((st = kvp__plan_parallel(p, err)) != KVP_OK ||
	    (st = kvp__plan_lora(m, p, err)) != KVP_OK)
		return st;
	return reference_sizes(&z, p);
}

uint32_t kvp_plan_layer_group(const kvp_plan *p, uint32_t index)
{
	if (!p || index >= p->layers || p->cycle_len == 0)
		return UINT32_MAX;
	return p->cycle[index % p->cycle_len];
}
