/*
 * plan_exact.c — the figures a plan shows beside an engine's: the exact
 * model's whole cache on one GPU (every layer its tokens, unrounded, a
 * recurrent layer its state in the request's type; a parallel hybrid's
 * attention layer its state too), and the engine's own on one GPU, which
 * replicated heads inflate.
 */
#include <string.h>

#include "sizing.h"

/* Adds to *total the layers of a key (kind, kv heads, head dim, cap,
 * indexer) as the exact engine holds them. */
static kvp_status exact_add(const struct sizing *z, const kvp_layer_group *key,
                            uint64_t *total)
{
	kvp_layer_group g;
	kvp_status st;

	memset(&g, 0, sizeof g);
	g.kind = key->kind;
	g.kv_heads = key->kv_heads;
	g.cap = key->cap;
	g.index_values = key->index_values;
	g.head_dim = key->head_dim;
	g.first_layer = key->first_layer;
	g.layers = key->layers;
	g.block = 1;
	if ((st = kvp__size_group(z, &g)) != KVP_OK || (st = kvp__fill_group(z, &g)) != KVP_OK)
		return st;
	if (!kvp__add(*total, g.bytes, total))
		return kvp__sizing_overflow(z);
	return KVP_OK;
}

/* The exact model's whole cache on one GPU, layer kind by layer kind,
 * with no plan to hold the groups (nor memory to allocate for one): the
 * exact engine rounds nothing, so the layers of one cycle position
 * cost alike, whichever group they would share.  A parallel hybrid's
 * attention layer keeps a state beside its K and V. */
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
	one.dcp = 0;
	one.pp_layers_len = 0;
	cycle = kvp__layer_cycle(m, &one);
	full = m->layers / cycle;
	*total = 0;
	for (uint32_t i = 0; i < cycle; i++) {
		kvp_layer_group key;

		memset(&key, 0, sizeof key);
		kvp__layer_key(&z, i, &key);
		key.first_layer = i;
		key.layers = full + (i < m->layers % cycle);
		if ((st = exact_add(&z, &key, total)) != KVP_OK)
			return st;
		if (m->ssm_parallel && kvp__attends(key.kind)) {
			key.kind = KVP_LAYER_RECURRENT;
			key.kv_heads = 0;
			key.cap = key.index_values = 0;
			if ((st = exact_add(&z, &key, total)) != KVP_OK)
				return st;
		}
	}
	return KVP_OK;
}

/* The exact model's whole cache from an engine's plan on one GPU: the
 * groups are the exact model's, each layer holds its tokens (seq, or its
 * window or cap) for every sequence, unrounded, and a recurrent layer its
 * state in the request's type (an engine may store it in another, and
 * pad it).  False when an overflow or a state that cannot be stored
 * leaves it to exact_total, which says why, and for a sparse MLA model,
 * whose engines store the latent or the indexer's key otherwise (SGLang's
 * fp8 latent as fp8_ds_mla, llama.cpp's key in the K type). */
static bool exact_from_groups(const struct sizing *z, const kvp_plan *p,
                              uint64_t *total)
{
	struct sizing quiet = *z;
	uint64_t sum = 0, batch = p->request.batch;

	quiet.err = NULL;
	if (z->m->index_head_dim)
		return false;
	for (uint32_t g = 0; g < p->group_count; g++) {
		const kvp_layer_group *grp = &p->groups[g];
		uint64_t layer, state = 0;

		if (grp->kind == KVP_LAYER_RECURRENT &&
		    (kvp__state_bytes(&quiet, z->r->state_dtype, z->r->state_dtype, 1, &state, NULL) != KVP_OK ||
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
kvp_status kvp__plan_reference_sizes(const struct sizing *z, kvp_plan *p)
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
	/* A draft's layers are in no cycle of the model: only a plan on one
	 * GPU has them. */
	if ((r->engine == KVP_ENGINE_EXACT || !parallel) && !r->draft && !r->mtp_layers) {
		/* The groups are the exact model's unless the engine held
		 * the windows' tokens, or gave shared layers buffers
		 * (kvp__engine_caches_shared). */
		if ((parallel || p->windows_held ||
		     (m->kv_shared_layers && kvp__engine_caches_shared(r)) ||
		     !exact_from_groups(z, p, &p->exact_cache_bytes)) &&
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
	one.dcp = 0;
	one.pp_layers_len = 0;
	/* the cache alone: adapters are the engine's (the exact engine
	 * would refuse vLLM's experts or MLA modules) */
	memset(&one.lora, 0, sizeof one.lora);
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
