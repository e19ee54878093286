/*
 * policy_cache.c — the reference caches that evict (StreamingLLM's sinks +
 * recent window, H2O's heavy hitters + recent window): their fixed
 * allocation, made once through the counting allocator, and the decode step
 * that runs a token through a stack of layers over them.
 */
#include <string.h>

#include "ref/ref.h"

kvp_status kvp__policy_check(const kvp__policy *p, kvp_error *err)
{
	uint64_t capacity;

	if ((unsigned)p->kind > KVP__POLICY_H2O ||
	    (unsigned)p->pos_mode > KVP__POS_SHIFT)
		return kvp__error(err, KVP_ERR_INVALID,
		                  "unknown cache policy or position mode");
	if (p->recent == 0)
		return kvp__error(err, KVP_ERR_INVALID,
		                  "a %s cache needs at least one recent token",
		                  p->kind == KVP__POLICY_H2O ? "h2o" : "streaming");
	if (p->kind == KVP__POLICY_H2O && p->pos_mode != KVP__POS_ROTATE)
		return kvp__error(err, KVP_ERR_UNSUPPORTED,
		                  "the h2o cache rotates keys before caching them,"
		                  " as H2O's code does; pos-shift is StreamingLLM's");
	if (!kvp__add(p->keep, p->recent, &capacity))
		return kvp__error(err, KVP_ERR_OVERFLOW,
		                  "keep + recent tokens overflow 64 bits");
	return kvp__error_clear(err);
}

kvp_status kvp__policy_cache_bytes(const kvp__policy *p, uint32_t layers,
                                   uint32_t kv_heads, uint32_t head_dim,
                                   kvp_dtype dtype, uint64_t *bytes,
                                   kvp_error *err)
{
	uint64_t capacity, values;
	kvp_status st;

	if ((st = kvp__policy_check(p, err)) != KVP_OK)
		return st;
	capacity = p->keep + p->recent;
	/* K and V rows of head_dim each: the reference's V heads are as wide
	 * as its K heads. */
	if (!kvp__mul(capacity, layers, &values) ||
	    !kvp__mul(values, kv_heads, &values) ||
	    !kvp__mul(values, 2 * (uint64_t)head_dim, &values) ||
	    !kvp__mul(values, kvp_dtype_block_bytes(dtype), bytes))
		return kvp__error(err, KVP_ERR_OVERFLOW,
		                  "policy cache size overflows 64-bit bytes");
	return kvp__error_clear(err);
}

kvp_status kvp__policy_cache_init(kvp__policy_cache *c, kvp__counter *counter,
                                  const kvp__policy *policy,
                                  const kvp__attn_shape *shape, uint32_t layers,
                                  kvp_dtype dtype, kvp_error *err)
{
	kvp__kvcache_shape slots = {
		.layers = layers, .kv_heads = shape->kv_heads,
		.head_dim = shape->head_dim, .batch = 1, .dtype = dtype,
		.layout = KVP_LAYOUT_CONTIGUOUS,
	};
	uint64_t per_head, kv_dim = (uint64_t)shape->kv_heads * shape->head_dim;
	kvp_status st;

	memset(c, 0, sizeof *c);
	if ((st = kvp__policy_check(policy, err)) != KVP_OK ||
	    (st = kvp__attn_shape_check(shape, err)) != KVP_OK)
		return st;
	c->policy = *policy;
	c->heads = shape->heads;
	c->capacity = slots.max_seq = policy->keep + policy->recent;
	if ((st = kvp__kvcache_init(&c->slots, counter, &slots, err)) != KVP_OK)
		return st;
	/* Every slot has room from the start: the storage is all there. */
	if ((st = kvp__kvcache_reserve(&c->slots, 0, c->capacity, err)) != KVP_OK)
		goto fail;
	st = KVP_ERR_NOMEM;
	if (policy->kind == KVP__POLICY_STREAMING) {
		if (!(c->position = kvp__counter_alloc(counter, KVP_MEM_META,
		                                       c->capacity,
		                                       sizeof *c->position, err)))
			goto fail;
		if (policy->pos_mode == KVP__POS_SHIFT &&
		    (!(c->keys = kvp__counter_alloc(counter, KVP_MEM_SCRATCH,
		                                    c->capacity, kv_dim * sizeof(float),
		                                    err)) ||
		     !(c->rotation = kvp__counter_alloc(counter, KVP_MEM_META,
		                                        c->capacity + 1,
		                                        sizeof *c->rotation, err))))
			goto fail;
		return kvp__error_clear(err);
	}
	/* The kvcache's own sizes did not overflow, so these products of
	 * smaller factors do not either. */
	per_head = (uint64_t)layers * shape->kv_heads * c->capacity;
	if (!(c->position = kvp__counter_alloc(counter, KVP_MEM_META, per_head,
	                                       sizeof *c->position, err)) ||
	    !(c->score = kvp__counter_alloc(counter, KVP_MEM_META, per_head,
	                                    sizeof *c->score, err)) ||
	    !(c->weights = kvp__counter_alloc(counter, KVP_MEM_SCRATCH,
	                                      (uint64_t)layers * c->capacity,
	                                      shape->heads * sizeof(float), err)))
		goto fail;
	return kvp__error_clear(err);
fail:
	kvp__policy_cache_destroy(c);
	return st;
}

void kvp__policy_cache_destroy(kvp__policy_cache *c)
{
	kvp__counter *counter = c->slots.counter;

	if (!counter)
		return;
	kvp__counter_free(counter, c->rotation);
	kvp__counter_free(counter, c->keys);
	kvp__counter_free(counter, c->weights);
	kvp__counter_free(counter, c->score);
	kvp__counter_free(counter, c->position);
	kvp__kvcache_destroy(&c->slots);
	memset(c, 0, sizeof *c);
}

uint64_t kvp__policy_cache_len(const kvp__policy_cache *c)
{
	return c->filled;
}

uint64_t kvp__policy_cache_position(const kvp__policy_cache *c, uint32_t layer,
                                    uint32_t kv_head, uint64_t slot)
{
	if (c->policy.kind == KVP__POLICY_STREAMING)
		return c->position[slot];
	return c->position[((uint64_t)layer * c->slots.shape.kv_heads + kv_head) *
	                   c->capacity + slot];
}

kvp_status kvp__policy_forward(kvp__stack *stack, kvp__policy_cache *c,
                               const float *x, float *out, kvp_error *err)
{
	kvp__attn_scratch *s = &stack->scratch;
	uint64_t slot = 0;

	if (stack->n_layers > c->slots.shape.layers ||
	    stack->shape.kv_heads != c->slots.shape.kv_heads ||
	    stack->shape.head_dim != c->slots.shape.head_dim ||
	    stack->shape.heads != c->heads || s->max_seq < c->capacity)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "the policy cache does not match the layers");
	if (c->tokens == UINT64_MAX)
		return kvp__error(err, KVP_ERR_RANGE, "position overflows");
	if (c->policy.kind == KVP__POLICY_STREAMING) {
		slot = kvp__streaming_slot(c);
		c->position[slot] = c->tokens;
	}
	if (c->filled < c->capacity)
		c->filled++;
	/* Each layer works in place on out, the residual stream. */
	if (out != x)
		memmove(out, x, stack->shape.dim * sizeof *out);
	for (uint32_t l = 0; l < stack->n_layers; l++) {
		const kvp__attn_layer *layer = &stack->layers[l];

		kvp__attn_project(layer, s, 1, out);
		if (c->policy.kind == KVP__POLICY_STREAMING)
			kvp__streaming_attend(c, layer, s, slot);
		else
			kvp__h2o_attend(c, layer, s);
		kvp__attn_output(layer, s, 1, out, out);
	}
	c->tokens++;
	return kvp__error_clear(err);
}
