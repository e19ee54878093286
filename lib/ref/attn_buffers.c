/*
 * attn_buffers.c — what an attention layer of the reference owns: its
 * shape checked, its weights, and its scratch buffers, each sized before
 * it is allocated through the counting allocator.  The arithmetic is in
 * attention.c.
 */
#include <math.h>
#include <string.h>

#include "ref/ref.h"

kvp_status kvp__attn_shape_check(const kvp__attn_shape *s, kvp_error *err)
{
	if (s->dim == 0 || s->heads == 0 || s->kv_heads == 0 || s->head_dim == 0)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "attention sizes must be at least 1");
	if (s->heads % s->kv_heads != 0)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "heads %u is not divisible by kv_heads %u",
		                  s->heads, s->kv_heads);
	if (s->head_dim % 2 != 0)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "RoPE needs an even head_dim, not %u", s->head_dim);
	if (!(s->rope_theta >= 0))
		return kvp__error(err, KVP_ERR_SHAPE, "invalid RoPE theta %g",
		                  s->rope_theta);
	return kvp__error_clear(err);
}

/* ---- weights and buffers ----------------------------------------------------- */

kvp_status kvp__attn_weight_bytes(const kvp__attn_shape *s, uint64_t *bytes,
                                  kvp_error *err)
{
	/* wq and wo are (heads * head_dim) x dim, wk and wv (kv_heads *
	 * head_dim) x dim: 2 * dim * (heads + kv_heads) * head_dim floats. */
	uint64_t head_rows = (uint64_t)s->heads + s->kv_heads, values;

	if (!kvp__mul(head_rows, s->head_dim, &values) ||
	    !kvp__mul(values, 2 * (uint64_t)s->dim, &values) ||
	    !kvp__mul(values, sizeof(float), bytes))
		return kvp__error(err, KVP_ERR_OVERFLOW,
		                  "reference weights overflow 64-bit bytes");
	return kvp__error_clear(err);
}

kvp_status kvp__attn_layer_init(kvp__attn_layer *layer, kvp__counter *counter,
                                const kvp__attn_shape *shape, uint32_t index,
                                uint64_t seed, kvp_error *err)
{
	uint64_t q_dim = (uint64_t)shape->heads * shape->head_dim;
	uint64_t kv_dim = (uint64_t)shape->kv_heads * shape->head_dim;
	uint64_t state = seed ^ ((uint64_t)index + 1) * 0xd1342543de82ef95u;
	uint64_t bytes;
	kvp_status st;

	memset(layer, 0, sizeof *layer);
	if ((st = kvp__attn_shape_check(shape, err)) != KVP_OK ||
	    (st = kvp__attn_weight_bytes(shape, &bytes, err)) != KVP_OK)
		return st;
	layer->shape = *shape;
	layer->index = index;
	layer->wq = kvp__counter_alloc(counter, KVP_MEM_WEIGHTS, q_dim * shape->dim,
	                               sizeof(float), err);
	layer->wk = kvp__counter_alloc(counter, KVP_MEM_WEIGHTS, kv_dim * shape->dim,
	                               sizeof(float), err);
	layer->wv = kvp__counter_alloc(counter, KVP_MEM_WEIGHTS, kv_dim * shape->dim,
	                               sizeof(float), err);
	layer->wo = kvp__counter_alloc(counter, KVP_MEM_WEIGHTS, shape->dim * q_dim,
	                               sizeof(float), err);
	if (!layer->wq || !layer->wk || !layer->wv || !layer->wo) {
		kvp__attn_layer_destroy(layer, counter);
		return KVP_ERR_NOMEM;
	}
	/* Uniform in +-sqrt(3 / fan_in) has variance 1 / fan_in, so every
	 * projection of a unit-variance input has unit variance again. */
	kvp__rng_fill(&state, layer->wq, q_dim * shape->dim, sqrtf(3.0f / shape->dim));
	kvp__rng_fill(&state, layer->wk, kv_dim * shape->dim, sqrtf(3.0f / shape->dim));
	kvp__rng_fill(&state, layer->wv, kv_dim * shape->dim, sqrtf(3.0f / shape->dim));
	kvp__rng_fill(&state, layer->wo, shape->dim * q_dim, sqrtf(3.0f / (float)q_dim));
	return kvp__error_clear(err);
}

void kvp__attn_layer_destroy(kvp__attn_layer *layer, kvp__counter *counter)
{
	kvp__counter_free(counter, layer->wq);
	kvp__counter_free(counter, layer->wk);
	kvp__counter_free(counter, layer->wv);
	kvp__counter_free(counter, layer->wo);
	memset(layer, 0, sizeof *layer);
}

enum { BUF_XN, BUF_Q, BUF_K, BUF_V, BUF_O, BUF_Y, BUF_ATT, BUF_ROW, N_BUFS };

/* Floats in each scratch buffer, as the shape comments in ref.h say. */
static kvp_status scratch_counts(const kvp__attn_shape *s, uint64_t max_tokens,
                                 uint64_t max_seq, uint64_t counts[N_BUFS],
                                 kvp_error *err)
{
	uint64_t q_dim = (uint64_t)s->heads * s->head_dim;
	uint64_t kv_dim = (uint64_t)s->kv_heads * s->head_dim;

	if (!kvp__mul(max_tokens, s->dim, &counts[BUF_XN]) ||
	    !kvp__mul(max_tokens, q_dim, &counts[BUF_Q]) ||
	    !kvp__mul(max_tokens, kv_dim, &counts[BUF_K]) ||
	    !kvp__add(max_seq, 2, &counts[BUF_ATT]) ||
	    !kvp__mul(s->heads, counts[BUF_ATT], &counts[BUF_ATT]))
		return kvp__error(err, KVP_ERR_OVERFLOW,
		                  "reference buffers overflow 64-bit bytes");
	counts[BUF_V] = counts[BUF_K];
	counts[BUF_O] = counts[BUF_Q];
	counts[BUF_Y] = counts[BUF_XN];
	counts[BUF_ROW] = kv_dim;
	return kvp__error_clear(err);
}

kvp_status kvp__attn_scratch_bytes(const kvp__attn_shape *shape,
                                   uint64_t max_tokens, uint64_t max_seq,
                                   uint64_t *bytes, kvp_error *err)
{
	uint64_t counts[N_BUFS], values = 0;
	kvp_status st;

	if ((st = scratch_counts(shape, max_tokens, max_seq, counts, err)) != KVP_OK)
		return st;
	for (int b = 0; b < N_BUFS; b++)
		if (!kvp__add(values, counts[b], &values))
			return kvp__error(err, KVP_ERR_OVERFLOW,
			                  "reference buffers overflow 64-bit bytes");
	if (!kvp__mul(values, sizeof(float), bytes))
		return kvp__error(err, KVP_ERR_OVERFLOW,
		                  "reference buffers overflow 64-bit bytes");
	return kvp__error_clear(err);
}

/* The scratch buffers in the order scratch_counts sizes them. */
static void scratch_buffers(kvp__attn_scratch *s, float **bufs[N_BUFS])
{
	bufs[BUF_XN] = &s->xn;
	bufs[BUF_Q] = &s->q;
	bufs[BUF_K] = &s->k;
	bufs[BUF_V] = &s->v;
	bufs[BUF_O] = &s->o;
	bufs[BUF_Y] = &s->y;
	bufs[BUF_ATT] = &s->att;
	bufs[BUF_ROW] = &s->row;
}

kvp_status kvp__attn_scratch_init(kvp__attn_scratch *s, kvp__counter *counter,
                                  const kvp__attn_shape *shape,
                                  uint64_t max_tokens, uint64_t max_seq,
                                  kvp_error *err)
{
	float **bufs[N_BUFS];
	uint64_t counts[N_BUFS];
	kvp_status st;

	memset(s, 0, sizeof *s);
	if (max_tokens == 0 || max_seq == 0)
		return kvp__error(err, KVP_ERR_INVALID,
		                  "reference buffers need at least one token");
	if ((st = scratch_counts(shape, max_tokens, max_seq, counts, err)) != KVP_OK)
		return st;
	s->max_tokens = max_tokens;
	s->max_seq = max_seq;
	scratch_buffers(s, bufs);
	for (int b = 0; b < N_BUFS; b++) {
		*bufs[b] = kvp__counter_alloc(counter, KVP_MEM_SCRATCH, counts[b],
		                              sizeof(float), err);
		if (!*bufs[b]) {
			kvp__attn_scratch_destroy(s, counter);
			return KVP_ERR_NOMEM;
		}
	}
	return kvp__error_clear(err);
}

void kvp__attn_scratch_destroy(kvp__attn_scratch *s, kvp__counter *counter)
{
	float **bufs[N_BUFS];

	scratch_buffers(s, bufs);
	for (int b = 0; b < N_BUFS; b++)
		kvp__counter_free(counter, *bufs[b]);
	memset(s, 0, sizeof *s);
}

