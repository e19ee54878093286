/*
 * streaming.c — StreamingLLM's cache (mit-han-lab/streaming-llm,
 * streaming_llm/kv_cache.py, StartRecentKVCache): the first `keep` tokens,
 * the attention sinks, in fixed slots, and a ring of `recent` slots that the
 * latest tokens overwrite; keys rotated before caching, or by their index in
 * the cache at every step (pos_shift/modify_llama.py).
 */
#include <string.h>

#include "ref/ref.h"

/* Sinks take slots 0 .. S-1 for good; after them token p takes ring slot
 * S + (p - S) mod R, the slot of token p - R: the oldest recent one.  While
 * the sequence fits, slot and position are the same. */
uint64_t kvp__streaming_slot(const kvp__policy_cache *c)
{
	uint64_t sinks = c->policy.keep, p = c->tokens;

	return p < sinks ? p : sinks + (p - sinks) % c->policy.recent;
}

/* The index in the cache of the token at position q once token p is in and
 * n slots are used: StreamingLLM's cache is the sinks, then the recent
 * tokens oldest first (its torch.cat of the two slices), so a sink keeps
 * its position and a recent token counts back from the newest at n - 1. */
static uint64_t cache_index(uint64_t q, uint64_t p, uint64_t sinks, uint64_t n)
{
	return q < sinks ? q : n - 1 - (p - q);
}

/* pos-shift: every cached key decoded and rotated by its index, the query
 * by its own, as llama_pos_shift_attention_forward does with
 * key_position_ids = arange(kv_seq_len) and the query's position_ids. */
static void attend_shifted(kvp__policy_cache *c, const kvp__attn_layer *layer,
                           kvp__attn_scratch *s)
{
	const kvp__attn_shape *sh = &layer->shape;
	uint64_t n = c->filled, p = c->tokens, kv_dim = c->slots.row_values;
	const void *key, *value;
	uint64_t run, index;

	for (uint64_t t = 0; t < n; t++) {
		kvp__kvcache_rows(&c->slots, layer->index, 0, t, &key, &value, &run);
		kvp__storage_decode(c->slots.shape.dtype, c->keys + t * kv_dim, key,
		                    kv_dim);
		index = cache_index(c->position[t], p, c->policy.keep, n);
		kvp__rope(c->keys + t * kv_dim, sh->kv_heads, sh->head_dim, index,
		          sh->rope_theta);
		c->rotation[t] = index;
	}
	kvp__rope(s->q, sh->heads, sh->head_dim, n - 1, sh->rope_theta);
	c->rotation[c->capacity] = n - 1;
	kvp__attn_over_keys(sh, c->keys, &c->slots, layer->index, 0, n, s->q,
	                    s->att, s->row, s->o);
}

void kvp__streaming_attend(kvp__policy_cache *c, const kvp__attn_layer *layer,
                           kvp__attn_scratch *s, uint64_t slot)
{
	const kvp__attn_shape *sh = &layer->shape;
	uint64_t p = c->tokens;

	if (c->policy.pos_mode == KVP__POS_ROTATE) {
		kvp__rope(s->q, sh->heads, sh->head_dim, p, sh->rope_theta);
		kvp__rope(s->k, sh->kv_heads, sh->head_dim, p, sh->rope_theta);
	}
	/* The slot exists and the layer is the cache's: the step checked. */
	kvp__kvcache_write(&c->slots, layer->index, 0, slot, s->k, s->v, NULL);
	if (c->policy.pos_mode == KVP__POS_SHIFT) {
		attend_shifted(c, layer, s);
		return;
	}
	/* Absolute positions are in the keys, so slot order does not matter
	 * to the result; while the sequence fits it is position order, and the
	 * sums are the full cache's to the bit. */
	kvp__attn_over_cache(sh, &c->slots, layer->index, 0, c->filled, s->q,
	                     s->att, s->row, s->o);
}
