/*
 * h2o.c — H2O's heavy-hitter cache (FMInference/H2O,
 * h2o_hf/utils_real_drop/modify_llama.py, H2OKVCache_LayerWise): every
 * cached token carries the attention it has received, and once the cache is
 * full the token with the least of it outside the recent window is evicted,
 * in each layer and each kv head on its own.
 */
#include <string.h>

#include "ref/ref.h"

/* The slot of layer l, kv head g that token p takes.  While there is room,
 * slot p.  Then the token that leaves is, among those older than the recent
 * window (positions <= p - R: the window is the R latest, p included), the
 * one with the least accumulated attention; on a tie the oldest, for a
 * deterministic choice (torch.topk leaves ties unspecified).  H2O keeps the
 * top H of the H + 1 candidates, which is the same as dropping the least. */
static uint64_t slot_for(const kvp__policy_cache *c, const uint64_t *position,
                         const float *score)
{
	uint64_t p = c->tokens, best = UINT64_MAX;

	if (p < c->capacity)
		return p;
	for (uint64_t t = 0; t < c->capacity; t++) {
		if (position[t] > p - c->policy.recent)
			continue;
		if (best == UINT64_MAX || score[t] < score[best] ||
		    (score[t] == score[best] && position[t] < position[best]))
			best = t;
	}
	/* recent <= capacity leaves keep + 1 >= 1 candidates. */
	return best;
}

void kvp__h2o_attend(kvp__policy_cache *c, const kvp__attn_layer *layer,
                     kvp__attn_scratch *s)
{
	const kvp__attn_shape *sh = &layer->shape;
	uint32_t kv_heads = sh->kv_heads, head_dim = sh->head_dim;
	uint32_t heads = sh->heads, group = heads / kv_heads;
	uint64_t n = c->filled, p = c->tokens;
	uint64_t elem = kvp_dtype_block_bytes(c->slots.shape.dtype);
	uint64_t base = (uint64_t)layer->index * kv_heads * c->capacity;
	float *weights = c->weights + (uint64_t)layer->index * c->capacity * heads;

	kvp__rope(s->q, heads, head_dim, p, sh->rope_theta);
	kvp__rope(s->k, kv_heads, head_dim, p, sh->rope_theta);
	/* H2O's real-drop cache keeps its scores per head (attn_weights summed
	 * over the batch and the query positions only) and selects per head;
	 * a kv head here takes the sum over its group of query heads, which is
	 * the same for MHA, the case H2O's code runs. */
	for (uint32_t g = 0; g < kv_heads; g++) {
		uint64_t *position = c->position + base + (uint64_t)g * c->capacity;
		float *score = c->score + base + (uint64_t)g * c->capacity;
		uint64_t slot = slot_for(c, position, score);
		const void *key, *value;
		uint64_t run, offset = (uint64_t)g * head_dim;

		kvp__kvcache_rows(&c->slots, layer->index, 0, slot, &key, &value, &run);
		/* The rows are the cache's own storage, written in place. */
		kvp__storage_encode(c->slots.shape.dtype,
		                    (unsigned char *)key + offset * elem, s->k + offset,
		                    head_dim);
		kvp__storage_encode(c->slots.shape.dtype,
		                    (unsigned char *)value + offset * elem,
		                    s->v + offset, head_dim);
		position[slot] = p;
		score[slot] = 0;
	}
	kvp__attn_over_cache(sh, &c->slots, layer->index, 0, n, s->q, s->att,
	                     s->row, s->o);
	/* The new token's own weight counts too: H2O adds this step's weights
	 * to every cached token's score, its own included. */
	memcpy(weights, s->att, n * heads * sizeof *weights);
	for (uint32_t g = 0; g < kv_heads; g++) {
		float *score = c->score + base + (uint64_t)g * c->capacity;

		for (uint64_t t = 0; t < n; t++) {
			float step = 0;

			for (uint32_t h = 0; h < group; h++)
				step += weights[t * heads + g * group + h];
			score[t] += step;
		}
	}
}
