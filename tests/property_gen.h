/*
 * property_gen.h — the random per-layer models the property tests draw
 * (tests/test_property.c, tests/test_planner.c), from a fixed seed so a
 * failure repeats.  Included by one test file each: its functions are
 * that file's own.
 */
#ifndef KVPLAN_PROPERTY_GEN_H
#define KVPLAN_PROPERTY_GEN_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "kvplan.h"

/* Each file takes what it needs of these. */
#define PG_UNUSED __attribute__((unused))

PG_UNUSED static uint64_t rng_state = 0x9e3779b97f4a7c15u;

/* xorshift64*: the same draws on every run. */
PG_UNUSED static uint64_t next(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1du;
}

/* A draw in [lo, hi]. */
PG_UNUSED static uint64_t draw(uint64_t lo, uint64_t hi)
{
	return lo + next() % (hi - lo + 1);
}

/* A draw spread over the orders of magnitude of [1, 2^bits). */
PG_UNUSED static uint64_t draw_log(unsigned bits)
{
	unsigned e = (unsigned)draw(0, bits - 1);

	return draw((uint64_t)1 << e, ((uint64_t)1 << e) * 2 - 1);
}

PG_UNUSED static const kvp_dtype dtypes[] = {KVP_DTYPE_FP32, KVP_DTYPE_FP16, KVP_DTYPE_BF16,
                                   KVP_DTYPE_FP8, KVP_DTYPE_INT8, KVP_DTYPE_Q8_0,
                                   KVP_DTYPE_Q4_0};
/* Bytes per block of block_values[d] values (ggml: q8_0 34 B and q4_0
 * 18 B per 32). */
PG_UNUSED static const unsigned dtype_bytes[] = {4, 2, 2, 1, 1, 34, 18};
PG_UNUSED static const unsigned block_values[] = {1, 1, 1, 1, 1, 32, 32};

/* A random model: a pattern of up to 8 kinds, heads and kv heads that
 * divide, windows, an MLA latent or a recurrent state where its kinds
 * need them, and at least one layer with a cache. */
PG_UNUSED static void random_model(kvp_model *m)
{
	bool mla = draw(0, 5) == 0;

	memset(m, 0, sizeof *m);
	strcpy(m->name, "random");
	m->layers = (uint32_t)draw(1, 160);
	m->heads = (uint32_t)draw(1, 128);
	do
		m->kv_heads = (uint32_t)draw(1, m->heads);
	while (m->heads % m->kv_heads != 0);
	m->head_dim = (uint32_t)draw(1, 512);
	m->pattern_len = (uint32_t)draw(0, m->layers < 8 ? m->layers : 8);
	for (uint32_t i = 0; i < m->pattern_len; i++)
		m->pattern[i] = (uint8_t)(mla ? (draw(0, 1) ? KVP_LAYER_FULL : KVP_LAYER_NONE)
		                              : draw(0, KVP_LAYER_NONE));
	/* MLA is a full layer of a model with a latent; the first layer
	 * caches, so some layer does. */
	for (uint32_t i = 0; i < m->pattern_len; i++)
		if (m->pattern[i] == KVP_LAYER_MLA)
			m->pattern[i] = KVP_LAYER_FULL;
	if (m->pattern_len && m->pattern[0] == KVP_LAYER_NONE)
		m->pattern[0] = KVP_LAYER_FULL;
	m->sliding_window = draw_log(20);
	m->chunk_size = draw_log(20);
	m->state_bytes = draw_log(30);
	if (mla) {
		m->kv_lora_rank = (uint32_t)draw(1, 1024);
		m->qk_rope_dim = (uint32_t)draw(0, 128);
	} else if (draw(0, 3) == 0) {
		/* kv heads of their own in every layer (as OpenELM). */
		m->layer_kv_heads_len = m->layers;
		for (uint32_t i = 0; i < m->layers; i++) {
			uint32_t kv;

			do
				kv = (uint32_t)draw(1, m->heads);
			while (m->heads % kv != 0);
			m->layer_kv_heads[i] = kv;
		}
	}
}

/* A block type stores whole blocks: rows made a multiple of its values. */
PG_UNUSED static void fit_block(kvp_model *m, unsigned d)
{
	uint32_t b = block_values[d];

	m->head_dim = (m->head_dim + b - 1) / b * b;
	if (m->kv_lora_rank)
		m->kv_lora_rank = (m->kv_lora_rank + m->qk_rope_dim + b - 1) / b * b -
		                  m->qk_rope_dim;
}

#endif
