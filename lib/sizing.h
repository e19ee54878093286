/*
 * sizing.h — one layer group's sizes (lib/sizing.c), shared by the plan
 * (plan.c) and the speculative layers (draft.c).  Never installed.
 */
#ifndef KVPLAN_SIZING_H
#define KVPLAN_SIZING_H

#include "engine.h"

/* What sizing one group needs besides the group itself. */
struct sizing {
	const kvp_model *m;
	const kvp_request *r;
	char *label;        /* KVP_QUOTE_MAX bytes for the model's name */
	kvp_error *err;
};

/* The model's name for a message, made only when one is written. */
const char *kvp__zname(const struct sizing *z);
kvp_status kvp__sizing_overflow(const struct sizing *z);
/* A recurrent layer's state per sequence in dtype, on each of tp ranks. */
kvp_status kvp__state_bytes(const struct sizing *z, kvp_dtype conv_dtype, kvp_dtype dtype,
                            uint32_t tp, uint64_t *bytes, uint64_t *conv_out);
/* A group's per-token and per-sequence sizes, from its kind and kv heads. */
kvp_status kvp__size_group(const struct sizing *z, kvp_layer_group *g);
/* The group's bytes at the request's seq and batch. */
kvp_status kvp__fill_group(const struct sizing *z, kvp_layer_group *g);
/* The layers repeat every cycle layers. */
uint32_t kvp__layer_cycle(const kvp_model *m, const kvp_request *r);
/* Layer i's key, in key's kind (as planned), kv_heads (one rank's), cap
 * (the policy's) and index_values (its indexer key's, 0: none); the
 * other fields are left as they are. */
void kvp__layer_key(const struct sizing *z, uint32_t i, kvp_layer_group *key);
/* Whether two groups' keys are the same: layers that cache alike. */
bool kvp__same_key(const kvp_layer_group *a, const kvp_layer_group *b);

/* draft.c: the draft model's or MTP layers' groups, appended to p's
 * (draft set; p->draft_layers); their weights (p->draft_weights_bytes,
 * once p->weights_bytes is set). */
kvp_status kvp__plan_spec_groups(const struct sizing *z, kvp_plan *p);
kvp_status kvp__plan_draft_weights(const struct sizing *z, kvp_plan *p);
/* The exact model's cache and the engine's own on one GPU beside an
 * engine's plan (exact_cache_bytes, unsharded_cache_bytes:
 * lib/plan_exact.c). */
kvp_status kvp__plan_reference_sizes(const struct sizing *z, kvp_plan *p);

#endif
