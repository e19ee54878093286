/*
 * test_gguf_dsa.c — the GGUF header reader (lib/gguf_family.c) on
 * DeepSeek Sparse Attention's two architectures, deepseek32
 * (DeepSeek-V3.2) and glm-dsa (GLM-5): deepseek2's MLA and the lightning
 * indexer's key, "%s.attention.indexer.key_length" (LLM_KV_ATTENTION_
 * INDEXER_KEY_LENGTH, llama.cpp src/llama-arch.cpp), and the layers of
 * GLM-5.2's shared indexer that keep it.  Files built in the test with tests/ggufw.c,
 * each model's numbers from its config.json (cited); the caches worked
 * out by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ggufw.h"
#include "kvplan.h"
#include "gguf_fixture.h"

/* The MLA and indexer keys as the converter writes them (the newer
 * convention: the latent's 576 and 512 in key_length and value_length,
 * the expanded heads in the _mla keys), and the NextN block counted in
 * block_count (convert_hf_to_gguf.py DeepseekV32Model: block_count =
 * num_hidden_layers + num_nextn_predict_layers). */
static void dsa_keys(ggufw *w, const char *arch, uint32_t layers, uint32_t hidden,
                     uint32_t heads, uint32_t nope, uint32_t v_head, uint32_t index_heads)
{
	static const struct {
		const char *suffix;
		uint32_t value;
	} fixed[] = {
		{"attention.key_length", 576}, {"attention.value_length", 512},
		{"attention.kv_lora_rank", 512}, {"rope.dimension_count", 64},
		{"nextn_predict_layers", 1}, {"attention.indexer.key_length", 128},
		{"attention.indexer.top_k", 2048},
	};
	char key[96];

	base_keys(w, arch, layers + 1, hidden, heads, 1, 0);
	for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
		snprintf(key, sizeof key, "%s.%s", arch, fixed[i].suffix);
		ggufw_kv_uint(w, key, GGUFW_U32, fixed[i].value);
	}
	snprintf(key, sizeof key, "%s.attention.key_length_mla", arch);
	ggufw_kv_uint(w, key, GGUFW_U32, nope + 64);
	snprintf(key, sizeof key, "%s.attention.value_length_mla", arch);
	ggufw_kv_uint(w, key, GGUFW_U32, v_head);
	snprintf(key, sizeof key, "%s.attention.indexer.head_count", arch);
	ggufw_kv_uint(w, key, GGUFW_U32, index_heads);
}

static uint64_t engine_bytes(const kvp_model *m, kvp_engine engine, uint64_t seq)
{
	kvp_request r;
	kvp_plan plan;
	kvp_error err;

	kvp_request_init(&r);
	r.engine = engine;
	r.seq = seq;
	if (kvp_plan_compute(m, &r, &plan, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return plan.cache_total_bytes;
}

/* DeepSeek-V3.2 (deepseek-ai/DeepSeek-V3.2-Exp config.json: 61 layers,
 * hidden 7168, 128 heads, kv_lora_rank 512, qk_rope_head_dim 64,
 * qk_nope_head_dim 128, v_head_dim 128, index_head_dim 128,
 * index_n_heads 64, num_nextn_predict_layers 1), as deepseek32.  A token
 * caches the latent, 576 values, and the indexer's key in each of the 61
 * layers (the NextN block is the MTP draft's):
 * - exact: 576 x 2 B + 128 fp8 + one fp32 scale = 1,152 + 132 = 1,284 B
 *   a layer, 61 x 1,284 = 78,324 B;
 * - llama.cpp: the key's 128 values in the K type too, f16:
 *   1,152 + 256 = 1,408 B a layer, at 4,096 cells 61 x 4,096 x 1,408 =
 *   351,797,248 B. */
static void test_deepseek32(void **state)
{
	ggufw w;
	parsed p;

	(void)state;
	ggufw_init(&w, 3);
	dsa_keys(&w, "deepseek32", 61, 7168, 128, 128, 128, 64);
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_int_equal(kvp_model_attention(&p.model), KVP_ATTENTION_MLA);
	assert_int_equal(p.model.layers, 61);
	assert_int_equal(p.model.mtp_layers, 1);
	assert_int_equal(p.model.kv_lora_rank, 512);
	assert_int_equal(p.model.index_head_dim, 128);
	assert_string_equal(p.model.model_type, "deepseek32");
	note_is(&p, "index_head_dim", KVP_ORIGIN_READ,
	        "deepseek32.attention.indexer.key_length = 128");
	assert_int_equal(p.model.index_heads, 64);   /* attention.indexer.head_count */
	assert_int_equal(p.model.index_topk, 2048);  /* attention.indexer.top_k */
	assert_int_equal(plan_bytes(&p.model, 1), 78324);
	assert_int_equal(engine_bytes(&p.model, KVP_ENGINE_LLAMA_CPP, 4096), 351797248);
	ggufw_free(&w);
}

/* GLM-5 (zai-org/GLM-5 config.json, as the copies cited in
 * data/models/glm-5.yaml give it: 78 layers, hidden 6144, 64 heads,
 * kv_lora_rank 512, qk_rope_head_dim 64, qk_nope_head_dim 192,
 * v_head_dim 256, index_head_dim 128, index_n_heads 32, one NextN
 * layer), as glm-dsa: a K head of 192 + 64 = 256, and a token caches
 * 78 x 1,284 = 100,152 B exact. */
static void test_glm_dsa(void **state)
{
	ggufw w;
	parsed p;

	(void)state;
	ggufw_init(&w, 3);
	dsa_keys(&w, "glm-dsa", 78, 6144, 64, 192, 256, 32);
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_int_equal(p.model.layers, 78);
	assert_int_equal(p.model.qk_nope_dim, 192);
	assert_int_equal(p.model.v_head_dim, 256);
	assert_int_equal(p.model.index_head_dim, 128);
	assert_int_equal(plan_bytes(&p.model, 1), 100152);
	ggufw_free(&w);
}

/* GLM-5.2's full layers (config.json index_topk_freq 4,
 * index_skip_topk_offset 3: layer i full when max(i - 2, 0) % 4 == 0):
 * 0, 1, 2, 6, 10, ..., 74. */
static bool glm52_full(uint32_t i)
{
	return i < 3 || (i - 2) % 4 == 0;
}

/* The layers of p that keep a key are GLM-5.2's 21, and a token caches
 * 21 x 1,284 + 57 x 1,152 = 26,964 + 65,664 = 92,628 B exact. */
static void glm52_is(const parsed *p)
{
	for (uint32_t i = 0; i < 78; i++)
		assert_int_equal(kvp_model_layer_indexed(&p->model, i), glm52_full(i));
	assert_int_equal(kvp_model_count_indexed(&p->model), 21);
	assert_int_equal(plan_bytes(&p->model, 1), 92628);
}

/* GLM-5.2's shared indexer in llama.cpp (src/models/glm-dsa.cpp
 * @06e514f6): the key in the layers glm-dsa.attention.indexer.types
 * marks (a bool a layer, 78 of them as PR #25407's converter writes
 * them), else in GLM_5_2_DEFAULT_INDEXER_TYPES's where context_length
 * is at least 1,048,576, else in every layer (GLM-5's 100,152 B).
 * attention.indexer.top_k_frequency, a fork's key, is not upstream's:
 * not read.  A file whose layer 0 shares is refused. */
static void test_shared(void **state)
{
	uint64_t types[78];

	(void)state;
	for (uint32_t i = 0; i < 78; i++)
		types[i] = glm52_full(i);
	for (int pass = 0; pass < 4; pass++) {
		ggufw w;
		parsed p;

		ggufw_init(&w, 3);
		dsa_keys(&w, "glm-dsa", 78, 6144, 64, 192, 256, 32);
		if (pass == 0)
			ggufw_kv_arr(&w, "glm-dsa.attention.indexer.types", GGUFW_BOOL, types, 78);
		else
			ggufw_kv_uint(&w, "glm-dsa.context_length", GGUFW_U32,
			              pass == 1 ? 1048576 : 1048575);
		if (pass == 3)
			ggufw_kv_uint(&w, "glm-dsa.attention.indexer.top_k_frequency",
			              GGUFW_U32, 4);
		ggufw_finish(&w, 1);
		parse_ok(&w, &p);
		if (pass < 2) {
			glm52_is(&p);
			note_is(&p, "index_layers", pass ? KVP_ORIGIN_DEFAULTED : KVP_ORIGIN_READ,
			        pass ? "glm-dsa: no attention.indexer.types, context_length"
			               " 1048576: llama.cpp's GLM-5.2 layers"
			               " (GLM_5_2_DEFAULT_INDEXER_TYPES)"
			             : "glm-dsa.attention.indexer.types");
		} else {
			assert_int_equal(kvp_model_count_indexed(&p.model), 78);
			assert_int_equal(plan_bytes(&p.model, 1), 100152);
		}
		ggufw_free(&w);
	}
	/* No list and no default: no limit on the layers (300 here). */
	{
		ggufw w;
		parsed p;

		ggufw_init(&w, 3);
		dsa_keys(&w, "deepseek32", 300, 7168, 128, 128, 128, 64);
		ggufw_finish(&w, 1);
		parse_ok(&w, &p);
		assert_int_equal(kvp_model_count_indexed(&p.model), 300);
		ggufw_free(&w);
	}
	{
		ggufw w;

		types[0] = 0;
		ggufw_init(&w, 3);
		dsa_keys(&w, "glm-dsa", 78, 6144, 64, 192, 256, 32);
		ggufw_kv_arr(&w, "glm-dsa.attention.indexer.types", GGUFW_BOOL, types, 78);
		ggufw_finish(&w, 1);
		parse_fails(&w, KVP_ERR_PARSE, "glm-dsa.attention.indexer.types: layer 0"
		            " shares the indexer's top-k of no layer before it");
	}
}

/* DeepSeek-V3.2's header up to its indexer: the latent's keys. */
static void v32_latent(ggufw *w)
{
	ggufw_init(w, 3);
	base_keys(w, "deepseek32", 61, 7168, 128, 1, 0);
	ggufw_kv_uint(w, "deepseek32.attention.key_length", GGUFW_U32, 576);
	ggufw_kv_uint(w, "deepseek32.attention.value_length", GGUFW_U32, 512);
	ggufw_kv_uint(w, "deepseek32.attention.key_length_mla", GGUFW_U32, 192);
	ggufw_kv_uint(w, "deepseek32.attention.kv_lora_rank", GGUFW_U32, 512);
	ggufw_kv_uint(w, "deepseek32.rope.dimension_count", GGUFW_U32, 64);
}

/* A sparse architecture without the key's length, or with 0, is
 * refused. */
static void test_refused(void **state)
{
	(void)state;
	/* The key's length 0, then none. */
	for (int given = 1; given >= 0; given--) {
		ggufw w;

		v32_latent(&w);
		if (given)
			ggufw_kv_uint(&w, "deepseek32.attention.indexer.key_length", GGUFW_U32, 0);
		ggufw_finish(&w, 1);
		parse_fails(&w, KVP_ERR_PARSE,
		            given ? "deepseek32.attention.indexer.key_length is 0"
		                  : "no key 'deepseek32.attention.indexer.key_length'");
	}
	/* A key of 64 (no whole block of 128 for its scale), no query
	 * heads, no token selected: each named by its key. */
	for (int which = 0; which < 3; which++) {
		static const char *const said[] = {
			"deepseek32.attention.indexer.key_length is 64, not a multiple of 128",
			"deepseek32.attention.indexer.head_count is 0",
			"deepseek32.attention.indexer.top_k is 0",
		};
		ggufw w;

		v32_latent(&w);
		ggufw_kv_uint(&w, "deepseek32.attention.indexer.key_length", GGUFW_U32,
		              which == 0 ? 64 : 128);
		ggufw_kv_uint(&w, "deepseek32.attention.indexer.head_count", GGUFW_U32,
		              which == 1 ? 0 : 64);
		ggufw_kv_uint(&w, "deepseek32.attention.indexer.top_k", GGUFW_U32,
		              which == 2 ? 0 : 2048);
		ggufw_finish(&w, 1);
		parse_fails(&w, KVP_ERR_PARSE, said[which]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deepseek32),
		cmocka_unit_test(test_glm_dsa),
		cmocka_unit_test(test_shared),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
