/*
 * stack.c — reference layers stacked into a model: they share nothing but
 * the cache object (each owns its weights and its layer of the cache), so a
 * whole model's cache is exercised, not one layer's.
 */
#include <string.h>

#include "ref/ref.h"

kvp_status kvp__stack_bytes(const kvp__attn_shape *shape, uint32_t n_layers,
                            uint64_t max_tokens, uint64_t max_seq,
                            uint64_t *bytes, kvp_error *err)
{
	uint64_t layer_bytes, weights, scratch;
	kvp_status st;

	if ((st = kvp__attn_weight_bytes(shape, &layer_bytes, err)) != KVP_OK ||
	    (st = kvp__attn_scratch_bytes(shape, max_tokens, max_seq, &scratch,
	                                  err)) != KVP_OK)
		return st;
	if (!kvp__mul(layer_bytes, n_layers, &weights) ||
	    !kvp__add(weights, scratch, bytes))
		return kvp__error(err, KVP_ERR_OVERFLOW,
		                  "reference layers overflow 64-bit bytes");
	return kvp__error_clear(err);
}

kvp_status kvp__stack_init(kvp__stack *stack, kvp__counter *counter,
                           const kvp__attn_shape *shape, uint32_t n_layers,
                           uint64_t max_tokens, uint64_t max_seq,
                           uint64_t seed, kvp_error *err)
{
	kvp_status st;

	memset(stack, 0, sizeof *stack);
	if (n_layers == 0)
		return kvp__error(err, KVP_ERR_INVALID,
		                  "a stack needs at least one layer");
	if ((st = kvp__attn_shape_check(shape, err)) != KVP_OK)
		return st;
	stack->shape = *shape;
	stack->counter = counter;
	if (!(stack->layers = kvp__counter_alloc(counter, KVP_MEM_META, n_layers,
	                                         sizeof *stack->layers, err)))
		return KVP_ERR_NOMEM;
	for (uint32_t l = 0; l < n_layers; l++) {
		if ((st = kvp__attn_layer_init(&stack->layers[l], counter, shape, l,
		                               seed, err)) != KVP_OK) {
			kvp__stack_destroy(stack);
			return st;
		}
		stack->n_layers = l + 1;
	}
	if ((st = kvp__attn_scratch_init(&stack->scratch, counter, shape,
	                                 max_tokens, max_seq, err)) != KVP_OK) {
		kvp__stack_destroy(stack);
		return st;
	}
	return kvp__error_clear(err);
}

void kvp__stack_destroy(kvp__stack *stack)
{
	if (!stack->counter)
		return;
	kvp__attn_scratch_destroy(&stack->scratch, stack->counter);
	for (uint32_t l = 0; l < stack->n_layers; l++)
		kvp__attn_layer_destroy(&stack->layers[l], stack->counter);
	kvp__counter_free(stack->counter, stack->layers);
	memset(stack, 0, sizeof *stack);
}

kvp_status kvp__stack_forward(kvp__stack *stack, kvp__kvcache *cache,
                              uint64_t seq, uint64_t start_pos, uint64_t n,
                              const float *x, float *out, kvp_error *err)
{
	kvp_status st;

	if (stack->n_layers > cache->shape.layers)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "a cache of %u layers for %u reference layers",
		                  cache->shape.layers, stack->n_layers);
	/* Each layer works in place on out, the residual stream. */
	if (out != x)
		memmove(out, x, n * stack->shape.dim * sizeof *out);
	for (uint32_t l = 0; l < stack->n_layers; l++)
		if ((st = kvp__attn_forward(&stack->layers[l], cache, &stack->scratch,
		                            seq, start_pos, n, out, out, err)) != KVP_OK)
			return st;
	return kvp__error_clear(err);
}

kvp_status kvp__stack_forward_nocache(kvp__stack *stack, kvp_dtype storage,
                                      uint64_t n, uint64_t first,
                                      const float *x, float *out,
                                      kvp_error *err)
{
	uint64_t dim = stack->shape.dim;
	float *stream; /* (n, dim) every position's residual stream */
	kvp_status st = KVP_OK;

	if (n == 0 || first >= n)
		return kvp__error(err, KVP_ERR_RANGE, "no rows to recompute");
	if (!(stream = kvp__counter_alloc(stack->counter, KVP_MEM_SCRATCH, n,
	                                  dim * sizeof *stream, err)))
		return KVP_ERR_NOMEM;
	memcpy(stream, x, n * dim * sizeof *stream);
	/* Every layer below the top needs all positions: they are the top
	 * layer's keys and values. */
	for (uint32_t l = 0; l < stack->n_layers && st == KVP_OK; l++)
		st = kvp__attn_forward_nocache(&stack->layers[l], stack->counter,
		                               storage, n,
		                               l + 1 == stack->n_layers ? first : 0,
		                               stream, stream, err);
	if (st == KVP_OK)
		memcpy(out + first * dim, stream + first * dim,
		       (n - first) * dim * sizeof *out);
	kvp__counter_free(stack->counter, stream);
	return st == KVP_OK ? kvp__error_clear(err) : st;
}
