/*
 * test_gguf_dsa.c — the GGUF header reader (lib/gguf_family.c) on
 * DeepSeek Sparse Attention's two architectures, deepseek32
 * (DeepSeek-V3.2) and glm-dsa (GLM-5): deepseek2's MLA and the lightning
 * indexer's key, "%s.attention.indexer.key_length" (LLM_KV_ATTENTION_
 * INDEXER_KEY_LENGTH, llama.cpp src/llama-arch.cpp), and GLM-5.2's
 * shared indexer refused.  Files built in the test with tests/ggufw.c,
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

/* GLM-5.2's shared indexer (full layers and layers reusing another's
 * top-k: attention.indexer.types, or a top_k_frequency past 1) keeps the
 * key in its full layers only: refused by name, as config.json's
 * index_topk_freq past 1 is; a frequency of 1 shares nothing.  A sparse
 * architecture without the key's length, or with 0, is refused too. */
static void test_refused(void **state)
{
	static const char *const shared[] = {"attention.indexer.types",
		"attention.indexer.top_k_frequency"};
	static const uint64_t types[] = {1, 1, 1, 0};
	char key[96], prefix[160];

	(void)state;
	for (size_t i = 0; i < sizeof shared / sizeof shared[0]; i++) {
		ggufw w;

		ggufw_init(&w, 3);
		dsa_keys(&w, "glm-dsa", 78, 6144, 64, 192, 256, 32);
		snprintf(key, sizeof key, "glm-dsa.%s", shared[i]);
		if (i == 0)
			ggufw_kv_arr(&w, key, GGUFW_BOOL, types, 4);
		else
			ggufw_kv_uint(&w, key, GGUFW_U32, 4);
		ggufw_finish(&w, 1);
		snprintf(prefix, sizeof prefix, "%s: an indexer shared across layers is not"
		         " followed", key);
		parse_fails(&w, KVP_ERR_PARSE, prefix);
	}
	{
		ggufw w;
		parsed p;

		ggufw_init(&w, 3);
		dsa_keys(&w, "glm-dsa", 78, 6144, 64, 192, 256, 32);
		ggufw_kv_uint(&w, "glm-dsa.attention.indexer.top_k_frequency", GGUFW_U32, 1);
		ggufw_finish(&w, 1);
		parse_ok(&w, &p);
		assert_int_equal(plan_bytes(&p.model, 1), 100152);
		ggufw_free(&w);
	}
	/* The key's length 0, then none. */
	for (int given = 1; given >= 0; given--) {
		ggufw w;

		ggufw_init(&w, 3);
		base_keys(&w, "deepseek32", 61, 7168, 128, 1, 0);
		ggufw_kv_uint(&w, "deepseek32.attention.key_length", GGUFW_U32, 576);
		ggufw_kv_uint(&w, "deepseek32.attention.value_length", GGUFW_U32, 512);
		ggufw_kv_uint(&w, "deepseek32.attention.key_length_mla", GGUFW_U32, 192);
		ggufw_kv_uint(&w, "deepseek32.attention.kv_lora_rank", GGUFW_U32, 512);
		ggufw_kv_uint(&w, "deepseek32.rope.dimension_count", GGUFW_U32, 64);
		if (given)
			ggufw_kv_uint(&w, "deepseek32.attention.indexer.key_length", GGUFW_U32, 0);
		ggufw_finish(&w, 1);
		parse_fails(&w, KVP_ERR_PARSE,
		            given ? "deepseek32.attention.indexer.key_length is 0"
		                  : "no key 'deepseek32.attention.indexer.key_length'");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_deepseek32),
		cmocka_unit_test(test_glm_dsa),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
