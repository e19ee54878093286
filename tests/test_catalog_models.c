/*
 * test_catalog_models.c — the per-layer model profiles in data/models
 * against numbers written down independently of their YAML keys: each row
 * below is copied from the comment at the top of the file it names (layer
 * counts of each kind, kv heads, head dims, window, chunk, MLA dims, SSM
 * dims), and the test works out the bytes from those numbers itself, in
 * integers, then asks kvp_plan_compute.  A typo in a file's keys (a wrong
 * layer_pattern, window or dim) then shows up as a disagreement.
 *
 * Sizes are at the request defaults: batch 1, fp16 K and V (2 B), latent
 * MLA (2 B), fp32 recurrent state (4 B).  Per layer and token:
 *   full, sliding, chunked: kv_heads x (head_dim + head_dim_v) x 2 B,
 *     holding seq, min(seq, window), min(seq, chunk) tokens;
 *   mla: (kv_lora_rank + qk_rope_dim) x 2 B, seq tokens, no V;
 *   recurrent: no per-token bytes; per sequence (conv - 1) x (inner +
 *     2 x groups x state) + state x inner values at 4 B;
 *   none: nothing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"
#include "testutil.h"

struct layers_row {
	const char *name;
	uint32_t layers;
	/* how many layers of each kind */
	uint32_t full, sliding, chunked, mla, recurrent, none;
	/* attention layers */
	uint32_t kv_heads, head_dim, head_dim_v; /* head_dim_v 0: head_dim */
	uint64_t window, chunk;
	/* MLA */
	uint32_t heads, kv_lora_rank, qk_rope, qk_nope, v_head;
	/* recurrent state, llama.cpp's terms */
	uint32_t ssm_conv, ssm_inner, ssm_state, ssm_groups;
};

/* The rows whose every attention layer keeps a state too (kvp_model
 * ssm_parallel: Falcon-H1), their recurrent count those layers'. */
static bool parallel_row(const char *name)
{
	return strncmp(name, "falcon-h1-", 10) == 0;
}

#define ATTN(kv, hd) (kv), (hd), 0
#define NO_MLA 0, 0, 0, 0, 0
#define NO_SSM 0, 0, 0, 0

static const struct layers_row rows[] = {
	/* data/models/deepseek-v2-lite.yaml: 27 MLA layers, rank 512, rope 64,
	 * nope 128, v 128, 16 heads */
	{"deepseek-v2-lite", 27, 0, 0, 0, 27, 0, 0, ATTN(16, 192), 0, 0,
	 16, 512, 64, 128, 128, NO_SSM},
	/* data/models/deepseek-v3.yaml: 61 MLA layers, rank 512, rope 64,
	 * nope 128, v 128, 128 heads */
	{"deepseek-v3", 61, 0, 0, 0, 61, 0, 0, ATTN(128, 192), 0, 0,
	 128, 512, 64, 128, 128, NO_SSM},
	/* data/models/falcon-h1-34b.yaml: 72 full, 4 x 128, each with a
	 * state beside it: conv 4, inner 4096, state 256, groups 2 */
	{"falcon-h1-34b", 72, 72, 0, 0, 0, 72, 0, ATTN(4, 128), 0, 0,
	 NO_MLA, 4, 4096, 256, 2},
	/* data/models/falcon-h1-7b.yaml: 44 full, 2 x 128, each with a state
	 * beside it: conv 4, inner 3072, state 256, groups 1 */
	{"falcon-h1-7b", 44, 44, 0, 0, 0, 44, 0, ATTN(2, 128), 0, 0,
	 NO_MLA, 4, 3072, 256, 1},
	/* data/models/gemma2-27b.yaml: 23 sliding (4096) + 23 full, 16 x 128 */
	{"gemma2-27b", 46, 23, 23, 0, 0, 0, 0, ATTN(16, 128), 4096, 0,
	 NO_MLA, NO_SSM},
	/* data/models/gemma2-2b.yaml: 13 sliding (4096) + 13 full, 4 x 256 */
	{"gemma2-2b", 26, 13, 13, 0, 0, 0, 0, ATTN(4, 256), 4096, 0,
	 NO_MLA, NO_SSM},
	/* data/models/gemma2-9b.yaml: 21 sliding (4096) + 21 full, 8 x 256 */
	{"gemma2-9b", 42, 21, 21, 0, 0, 0, 0, ATTN(8, 256), 4096, 0,
	 NO_MLA, NO_SSM},
	/* data/models/gemma3-12b.yaml: 40 sliding (1024) + 8 full, 8 x 256 */
	{"gemma3-12b", 48, 8, 40, 0, 0, 0, 0, ATTN(8, 256), 1024, 0,
	 NO_MLA, NO_SSM},
	/* data/models/gemma3-1b.yaml: 22 sliding (512) + 4 full, 1 x 256 */
	{"gemma3-1b", 26, 4, 22, 0, 0, 0, 0, ATTN(1, 256), 512, 0,
	 NO_MLA, NO_SSM},
	/* data/models/gemma3-270m.yaml: 15 sliding (512) + 3 full, 1 x 256 */
	{"gemma3-270m", 18, 3, 15, 0, 0, 0, 0, ATTN(1, 256), 512, 0,
	 NO_MLA, NO_SSM},
	/* data/models/gemma3-27b.yaml: 52 sliding (1024) + 10 full, 16 x 128 */
	{"gemma3-27b", 62, 10, 52, 0, 0, 0, 0, ATTN(16, 128), 1024, 0,
	 NO_MLA, NO_SSM},
	/* data/models/gemma3-4b.yaml: 29 sliding (1024) + 5 full, 4 x 256 */
	{"gemma3-4b", 34, 5, 29, 0, 0, 0, 0, ATTN(4, 256), 1024, 0,
	 NO_MLA, NO_SSM},
	/* data/models/glm-4.5.yaml: 92 full, 8 x 128 */
	{"glm-4.5", 92, 92, 0, 0, 0, 0, 0, ATTN(8, 128), 0, 0, NO_MLA, NO_SSM},
	/* data/models/gpt-oss-120b.yaml: 18 sliding (128) + 18 full, 8 x 64 */
	{"gpt-oss-120b", 36, 18, 18, 0, 0, 0, 0, ATTN(8, 64), 128, 0,
	 NO_MLA, NO_SSM},
	/* data/models/gpt-oss-20b.yaml: 12 sliding (128) + 12 full, 8 x 64 */
	{"gpt-oss-20b", 24, 12, 12, 0, 0, 0, 0, ATTN(8, 64), 128, 0,
	 NO_MLA, NO_SSM},
	/* data/models/kimi-k2.yaml: 61 MLA layers, rank 512, rope 64, nope
	 * 128, v 128, 64 heads */
	{"kimi-k2", 61, 0, 0, 0, 61, 0, 0, ATTN(64, 192), 0, 0,
	 64, 512, 64, 128, 128, NO_SSM},
	/* data/models/kimi-linear-48b-a3b.yaml: 7 MLA layers, rank 512, rope
	 * 64, nope 128, v 128, 32 heads; 20 Kimi Delta Attention layers: conv
	 * 4, inner 4096, state 128, groups 32 */
	{"kimi-linear-48b-a3b", 27, 0, 0, 0, 7, 20, 0, ATTN(32, 192), 0, 0,
	 32, 512, 64, 128, 128, 4, 4096, 128, 32},
	/* data/models/lfm2-1.2b.yaml: 6 full, 8 x 64, and 10 short
	 * convolutions: conv 3, inner 2048, no state, no groups */
	{"lfm2-1.2b", 16, 6, 0, 0, 0, 10, 0, ATTN(8, 64), 0, 0,
	 NO_MLA, 3, 2048, 0, 0},
	/* data/models/llama3.1-70b.yaml: 80 full, 8 x 128 */
	{"llama3.1-70b", 80, 80, 0, 0, 0, 0, 0, ATTN(8, 128), 0, 0,
	 NO_MLA, NO_SSM},
	/* data/models/llama3.1-8b.yaml: 32 full, 8 x 128 */
	{"llama3.1-8b", 32, 32, 0, 0, 0, 0, 0, ATTN(8, 128), 0, 0,
	 NO_MLA, NO_SSM},
	/* data/models/llama3.2-1b.yaml: 16 full, 8 x 64 */
	{"llama3.2-1b", 16, 16, 0, 0, 0, 0, 0, ATTN(8, 64), 0, 0,
	 NO_MLA, NO_SSM},
	/* data/models/llama3.2-3b.yaml: 28 full, 8 x 128 */
	{"llama3.2-3b", 28, 28, 0, 0, 0, 0, 0, ATTN(8, 128), 0, 0,
	 NO_MLA, NO_SSM},
	/* data/models/llama3.3-70b.yaml: 80 full, 8 x 128 */
	{"llama3.3-70b", 80, 80, 0, 0, 0, 0, 0, ATTN(8, 128), 0, 0,
	 NO_MLA, NO_SSM},
	/* data/models/llama4-maverick.yaml: 36 chunked (8192) + 12 full,
	 * 8 x 128 */
	{"llama4-maverick", 48, 12, 0, 36, 0, 0, 0, ATTN(8, 128), 0, 8192,
	 NO_MLA, NO_SSM},
	/* data/models/llama4-scout.yaml: 36 chunked (8192) + 12 full, 8 x 128 */
	{"llama4-scout", 48, 12, 0, 36, 0, 0, 0, ATTN(8, 128), 0, 8192,
	 NO_MLA, NO_SSM},
	/* data/models/mistral-7b.yaml: 32 sliding (4096), 8 x 128 */
	{"mistral-7b", 32, 0, 32, 0, 0, 0, 0, ATTN(8, 128), 4096, 0,
	 NO_MLA, NO_SSM},
	/* data/models/mistral-nemo-12b.yaml: 40 full, 8 x 128 */
	{"mistral-nemo-12b", 40, 40, 0, 0, 0, 0, 0, ATTN(8, 128), 0, 0,
	 NO_MLA, NO_SSM},
	/* data/models/mistral-small-24b.yaml: 40 full, 8 x 128 */
	{"mistral-small-24b", 40, 40, 0, 0, 0, 0, 0, ATTN(8, 128), 0, 0,
	 NO_MLA, NO_SSM},
	/* data/models/nemotron-3-nano-30b-a3b.yaml: 23 recurrent + 6 full +
	 * 23 none; full 2 x 128; conv 4, inner 4096, state 128, groups 8 */
	{"nemotron-3-nano-30b-a3b", 52, 6, 0, 0, 0, 23, 23, ATTN(2, 128), 0, 0,
	 NO_MLA, 4, 4096, 128, 8},
	/* data/models/nemotron-3-super-120b.yaml: 40 recurrent + 8 full
	 * + 40 none; full 2 x 128; conv 4, inner 8192, state 128, groups 8 */
	{"nemotron-3-super-120b", 88, 8, 0, 0, 0, 40, 40, ATTN(2, 128), 0, 0,
	 NO_MLA, 4, 8192, 128, 8},
	/* data/models/nemotron-h-56b.yaml: 54 recurrent + 10 full + 54 none;
	 * full 8 x 128; conv 4, inner 16384, state 256, groups 8 */
	{"nemotron-h-56b", 118, 10, 0, 0, 0, 54, 54, ATTN(8, 128), 0, 0,
	 NO_MLA, 4, 16384, 256, 8},
	/* data/models/phi3-mini.yaml: 32 sliding (2047), 32 x 96 */
	{"phi3-mini", 32, 0, 32, 0, 0, 0, 0, ATTN(32, 96), 2047, 0,
	 NO_MLA, NO_SSM},
	/* data/models/phi4.yaml: 40 full, 10 x 128 */
	{"phi4", 40, 40, 0, 0, 0, 0, 0, ATTN(10, 128), 0, 0, NO_MLA, NO_SSM},
	/* data/models/phi4-mini.yaml: 32 full, 8 x 128 */
	{"phi4-mini", 32, 32, 0, 0, 0, 0, 0, ATTN(8, 128), 0, 0,
	 NO_MLA, NO_SSM},
	/* data/models/qwen2.5-coder-32b.yaml: 64 full, 8 x 128 */
	{"qwen2.5-coder-32b", 64, 64, 0, 0, 0, 0, 0, ATTN(8, 128), 0, 0,
	 NO_MLA, NO_SSM},
	/* data/models/qwen3-0.6b.yaml: 28 full, 8 x 128 */
	{"qwen3-0.6b", 28, 28, 0, 0, 0, 0, 0, ATTN(8, 128), 0, 0,
	 NO_MLA, NO_SSM},
	/* data/models/qwen3-14b.yaml: 40 full, 8 x 128 */
	{"qwen3-14b", 40, 40, 0, 0, 0, 0, 0, ATTN(8, 128), 0, 0,
	 NO_MLA, NO_SSM},
	/* data/models/qwen3-235b-a22b.yaml: 94 full, 4 x 128 */
	{"qwen3-235b-a22b", 94, 94, 0, 0, 0, 0, 0, ATTN(4, 128), 0, 0,
	 NO_MLA, NO_SSM},
	/* data/models/qwen3-30b-a3b.yaml: 48 full, 4 x 128 */
	{"qwen3-30b-a3b", 48, 48, 0, 0, 0, 0, 0, ATTN(4, 128), 0, 0,
	 NO_MLA, NO_SSM},
	/* data/models/qwen3-32b.yaml: 64 full, 8 x 128 */
	{"qwen3-32b", 64, 64, 0, 0, 0, 0, 0, ATTN(8, 128), 0, 0,
	 NO_MLA, NO_SSM},
	/* data/models/qwen3-8b.yaml: 36 full, 8 x 128 */
	{"qwen3-8b", 36, 36, 0, 0, 0, 0, 0, ATTN(8, 128), 0, 0,
	 NO_MLA, NO_SSM},
	/* data/models/qwen3-next-80b-a3b.yaml: 36 recurrent + 12 full; full
	 * 2 x 256; conv 4, inner 4096, state 128, groups 16 */
	{"qwen3-next-80b-a3b", 48, 12, 0, 0, 0, 36, 0, ATTN(2, 256), 0, 0,
	 NO_MLA, 4, 4096, 128, 16},
	/* data/models/qwen3.5-122b-a10b.yaml: 36 recurrent + 12 full (full
	 * every 4th of 48); full 2 x 256; conv 4, inner 64 value heads x 128
	 * = 8192, state 128, groups 16 */
	{"qwen3.5-122b-a10b", 48, 12, 0, 0, 0, 36, 0, ATTN(2, 256), 0, 0,
	 NO_MLA, 4, 8192, 128, 16},
	/* data/models/qwen3.5-27b.yaml: 48 recurrent + 16 full (full every
	 * 4th of 64); full 4 x 256; conv 4, inner 48 value heads x 128 =
	 * 6144, state 128, groups 16 */
	{"qwen3.5-27b", 64, 16, 0, 0, 0, 48, 0, ATTN(4, 256), 0, 0,
	 NO_MLA, 4, 6144, 128, 16},
	/* data/models/qwen3.5-35b-a3b.yaml: 30 recurrent + 10 full (full
	 * every 4th of 40); full 2 x 256; conv 4, inner 32 value heads x 128
	 * = 4096, state 128, groups 16 */
	{"qwen3.5-35b-a3b", 40, 10, 0, 0, 0, 30, 0, ATTN(2, 256), 0, 0,
	 NO_MLA, 4, 4096, 128, 16},
	/* data/models/qwen3.5-397b-a17b.yaml: 45 recurrent + 15 full (full
	 * every 4th of 60); full 2 x 256; conv 4, inner 64 value heads x 128
	 * = 8192, state 128, groups 16 */
	{"qwen3.5-397b-a17b", 60, 15, 0, 0, 0, 45, 0, ATTN(2, 256), 0, 0,
	 NO_MLA, 4, 8192, 128, 16},
	/* data/models/qwq-32b.yaml: 64 full, 8 x 128 */
	{"qwq-32b", 64, 64, 0, 0, 0, 0, 0, ATTN(8, 128), 0, 0,
	 NO_MLA, NO_SSM},
};
#define N_ROWS (sizeof rows / sizeof rows[0])

static const uint64_t seqs[] = {1, 100, 2047, 8192, 131072};
#define N_SEQS (sizeof seqs / sizeof seqs[0])

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* fp16 K + V bytes of one attention layer for one token. */
static uint64_t attn_bytes(const struct layers_row *row)
{
	uint64_t v = row->head_dim_v ? row->head_dim_v : row->head_dim;

	return (uint64_t)row->kv_heads * (row->head_dim + v) * 2;
}

/* Latent bytes of one MLA layer for one token. */
static uint64_t mla_bytes(const struct layers_row *row)
{
	return ((uint64_t)row->kv_lora_rank + row->qk_rope) * 2;
}

/* Expanded (HF) MLA bytes of one layer for one token. */
static uint64_t mla_expanded_bytes(const struct layers_row *row)
{
	return (uint64_t)row->heads *
	       ((uint64_t)row->qk_nope + row->qk_rope + row->v_head) * 2;
}

/* fp32 recurrent state of one layer for one sequence. */
static uint64_t state_bytes(const struct layers_row *row)
{
	uint64_t conv, ssm;

	if (row->ssm_conv == 0)
		return 0;
	conv = (uint64_t)(row->ssm_conv - 1) *
	       ((uint64_t)row->ssm_inner +
	        2 * (uint64_t)row->ssm_groups * row->ssm_state);
	ssm = (uint64_t)row->ssm_state * row->ssm_inner;
	return (conv + ssm) * 4;
}

static uint64_t expect_per_token(const struct layers_row *row)
{
	return (uint64_t)(row->full + row->sliding + row->chunked) *
	               attn_bytes(row) +
	       (uint64_t)row->mla * mla_bytes(row);
}

static uint64_t expect_kv_total(const struct layers_row *row, uint64_t seq)
{
	return (uint64_t)row->full * seq * attn_bytes(row) +
	       (uint64_t)row->sliding * min_u64(seq, row->window) *
	               attn_bytes(row) +
	       (uint64_t)row->chunked * min_u64(seq, row->chunk) *
	               attn_bytes(row) +
	       (uint64_t)row->mla * seq * mla_bytes(row);
}

static uint64_t expect_state_total(const struct layers_row *row)
{
	return (uint64_t)row->recurrent * state_bytes(row);
}

static kvp_catalog *open_shipped(void)
{
	const char *dirs[] = {KVP_TEST_DATADIR};
	kvp_catalog *cat = NULL;
	kvp_error err;

	assert_int_equal(kvp_catalog_open(&cat, dirs, 1, &err), KVP_OK);
	assert_non_null(cat);
	return cat;
}

static void plan_at(const kvp_model *m, uint64_t seq, kvp_mla_mode mla,
                    kvp_plan *p)
{
	kvp_request r;
	kvp_error err;

	kvp_request_init(&r);
	r.seq = seq;
	r.mla = mla;
	if (kvp_plan_compute(m, &r, p, &err) != KVP_OK) {
		char buf[256];

		fail_msg("%s at seq %llu: %s", m->name, (unsigned long long)seq,
		         kvp_error_format(&err, buf, sizeof buf));
	}
}

/* The rows are sums over all layers, so they must add up. */
static void test_rows_consistent(void **state)
{
	(void)state;
	for (size_t i = 0; i < N_ROWS; i++) {
		const struct layers_row *row = &rows[i];

		assert_int_equal(row->full + row->sliding + row->chunked +
		                         row->mla + (parallel_row(row->name) ? 0 : row->recurrent) +
		                         row->none,
		                 row->layers);
		if (i > 0)
			assert_true(strcmp(rows[i - 1].name, row->name) < 0);
	}
}

/* Each row's model loads by its name, has the row's layer count and kinds,
 * and plans to the bytes worked out from the row. */
static void test_models_plan_as_their_comments_say(void **state)
{
	kvp_catalog *cat = open_shipped();

	(void)state;
	for (size_t i = 0; i < N_ROWS; i++) {
		const struct layers_row *row = &rows[i];
		kvp_model m;
		kvp_error err;

		if (kvp_catalog_model(cat, row->name, &m, &err) != KVP_OK) {
			char buf[256];

			fail_msg("%s: %s", row->name,
			         kvp_error_format(&err, buf, sizeof buf));
		}
		assert_string_equal(m.name, row->name);
		assert_int_equal(m.layers, row->layers);
		assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_FULL),
		                 row->full);
		assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_SLIDING),
		                 row->sliding);
		assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_CHUNKED),
		                 row->chunked);
		assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_MLA),
		                 row->mla);
		assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_RECURRENT),
		                 row->recurrent);
		assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_NONE),
		                 row->none);
		for (size_t s = 0; s < N_SEQS; s++) {
			kvp_plan p;

			plan_at(&m, seqs[s], KVP_MLA_LATENT, &p);
			assert_int_equal(p.kv_bytes_per_token,
			                 expect_per_token(row));
			assert_int_equal(p.kv_total_bytes,
			                 expect_kv_total(row, seqs[s]));
			assert_int_equal(p.state_total_bytes,
			                 expect_state_total(row));
		}
		if (row->mla > 0) {
			kvp_plan p;

			plan_at(&m, 8192, KVP_MLA_EXPANDED, &p);
			assert_int_equal(p.kv_bytes_per_token,
			                 (uint64_t)row->mla *
			                         mla_expanded_bytes(row));
			assert_int_equal(p.kv_total_bytes,
			                 (uint64_t)row->mla * 8192 *
			                         mla_expanded_bytes(row));
		}
	}
	kvp_catalog_free(&cat);
}

/* A hybrid catalogue model's cache at seq tokens: a token's KV bytes,
 * the KV total, the recurrent state and their sum. */
static void hybrid_cache_is(kvp_catalog *cat, const char *name, uint64_t seq,
                            uint64_t per_token, uint64_t kv, uint64_t state, uint64_t total)
{
	kvp_model m;
	kvp_plan p;

	assert_int_equal(kvp_catalog_model(cat, name, &m, NULL), KVP_OK);
	plan_at(&m, seq, KVP_MLA_LATENT, &p);
	assert_int_equal(p.kv_bytes_per_token, per_token);
	assert_int_equal(p.kv_total_bytes, kv);
	assert_int_equal(p.state_total_bytes, state);
	assert_int_equal(p.cache_total_bytes, total);
}

/* Figures given outside the catalogue, as plain numbers: gemma2-9b at 8192
 * tokens; gpt-oss-120b at 131072 (18 full x 131072 + 18 sliding x 128
 * token-layers at 2048 B); the DeepSeek latent and expanded sizes of
 * reference-data.md §2; the Qwen3-Next state of reference-data.md §7 (per
 * layer 98,304 + 2,097,152 B, 36 layers); the Qwen3.5-27B cache at 4096
 * tokens and the Qwen3.5-397B-A17B cache at 8192, worked below. */
static void test_known_figures(void **state)
{
	kvp_catalog *cat = open_shipped();
	kvp_model m;
	kvp_plan p;

	(void)state;
	assert_int_equal(kvp_catalog_model(cat, "gemma2-9b", &m, NULL), KVP_OK);
	plan_at(&m, 8192, KVP_MLA_LATENT, &p);
	assert_int_equal(p.kv_total_bytes, UINT64_C(2113929216));

	assert_int_equal(kvp_catalog_model(cat, "gpt-oss-120b", &m, NULL),
	                 KVP_OK);
	plan_at(&m, 131072, KVP_MLA_LATENT, &p);
	assert_int_equal(p.kv_total_bytes, UINT64_C(4836556800));

	assert_int_equal(kvp_catalog_model(cat, "deepseek-v3", &m, NULL),
	                 KVP_OK);
	plan_at(&m, 1, KVP_MLA_LATENT, &p);
	assert_int_equal(p.kv_bytes_per_token, 70272);
	assert_int_equal(kvp_catalog_model(cat, "deepseek-r1", &m, NULL),
	                 KVP_OK);
	assert_string_equal(m.name, "deepseek-v3");

	assert_int_equal(kvp_catalog_model(cat, "deepseek-v2-lite", &m, NULL),
	                 KVP_OK);
	plan_at(&m, 1, KVP_MLA_LATENT, &p);
	assert_int_equal(p.kv_bytes_per_token, 31104);
	plan_at(&m, 1, KVP_MLA_EXPANDED, &p);
	assert_int_equal(p.kv_bytes_per_token, 276480);

	assert_int_equal(kvp_catalog_model(cat, "qwen3-next-80b-a3b", &m, NULL),
	                 KVP_OK);
	plan_at(&m, 8192, KVP_MLA_LATENT, &p);
	assert_int_equal(p.state_total_bytes,
	                 UINT64_C(36) * (98304 + 2097152));

	/* Qwen3.5-27B at 4096 tokens, batch 1, fp16 KV, fp32 state.  KV:
	 * 16 full-attention layers x 4 kv heads x 256 head_dim x 2 (K, V)
	 * x 2 B = 65,536 B a token, x 4096 = 268,435,456 B.  State, per
	 * sequence, 48 Gated DeltaNet layers: conv (4 - 1) x (48·128 +
	 * 2·16·128) = 3 x 10,240 = 30,720 values, SSM 128 x 48·128 =
	 * 786,432 values, 817,152 x 4 B = 3,268,608 B a layer, x 48 =
	 * 156,893,184 B (the per-sequence state llama.cpp allocates for
	 * this model).  Cache 268,435,456 + 156,893,184 = 425,328,640 B. */
	hybrid_cache_is(cat, "qwen3.5-27b", 4096, 65536, UINT64_C(268435456),
	                UINT64_C(156893184), UINT64_C(425328640));

	/* Qwen3.5-397B-A17B at 8192 tokens, batch 1, fp16 KV, fp32 state.
	 * Its config.json: num_hidden_layers 60, full_attention_interval 4
	 * (layer_types: layers 3, 7, ..., 59 full), so 60 / 4 = 15 full and
	 * 45 Gated DeltaNet.  KV: 15 full-attention layers x 2 kv heads x
	 * 256 head_dim x 2 (K, V) x 2 B = 30,720 B a token, x 8192 =
	 * 251,658,240 B.  State, per sequence, 45 Gated DeltaNet layers:
	 * conv (4 - 1) x (64·128 + 2·16·128) = 3 x 12,288 = 36,864 values,
	 * SSM 128 x 64·128 = 1,048,576 values, 1,085,440 x 4 B = 4,341,760 B
	 * a layer, x 45 = 195,379,200 B.  Cache 251,658,240 + 195,379,200 =
	 * 447,037,440 B. */
	hybrid_cache_is(cat, "qwen3.5-397b-a17b", 8192, 30720, UINT64_C(251658240),
	                UINT64_C(195379200), UINT64_C(447037440));
	kvp_catalog_free(&cat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_consistent),
		cmocka_unit_test(test_models_plan_as_their_comments_say),
		cmocka_unit_test(test_known_figures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
