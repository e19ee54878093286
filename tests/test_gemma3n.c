/*
 * test_gemma3n.c — Google's Gemma 3n: 2 kv heads of 256, every fifth
 * layer full, the others sliding over 512 tokens, and the last
 * num_kv_shared_layers layers reading layer 18's or 19's cache; its
 * intermediate_size a list of one width a layer.  Read from config.json
 * (tests/configs/gemma-3n-*, rebuilt; their parameter counts keras-hub's
 * published ones), from the catalogue, and planned as each engine
 * allocates (research: /work/research/gemma3n.md).  Before, kvplan
 * refused the config ("intermediate_size: expected a number, found an
 * array").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"
#include "testutil.h"
#include "hfutil.h"
#include "catalog_fixture.h"

/* E2B: 30 layers, 10 shared; 16 sliding and 4 full layers cache 2 x 2 x
 * 256 x 2 B = 2,048 B a token each.  At 8,192 tokens 4 x 8,192 x 2,048 +
 * 16 x 512 x 2,048 = 67,108,864 + 16,777,216.  Params (data/models/
 * gemma-3n-e2b.yaml works them): text 4,456,156,768, towers 294,284,096 +
 * 4,460,544 + 681,348,640 + 3,345,408 = 983,438,688; 5,439,595,456 in all,
 * keras-hub's gemma3n_e2b (keras_hub/src/models/gemma3n/
 * gemma3n_presets.py).  E4B: 35 layers, 15 shared, MLP 16,384; the same
 * 20 layers cache; 7,850,135,376, keras-hub's gemma3n_e4b. */
static void test_configs(void **state)
{
	kvp_model m = config_model("gemma-3n-e2b");

	(void)state;
	assert_int_equal(m.layers, 30);
	assert_int_equal(m.kv_shared_layers, 10);
	assert_int_equal(m.intermediate, 8192);
	assert_int_equal(m.layer_input_width, 256);
	assert_int_equal(m.sliding_window, 512);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_SLIDING), 16);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_FULL), 4);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_NONE), 10);
	assert_int_equal(kvp_model_layer_kind(&m, 19), KVP_LAYER_FULL);
	assert_int_equal(kvp_model_layer_kind(&m, 24), KVP_LAYER_NONE);
	assert_int_equal(m.params, 5439595456ull);
	assert_int_equal(m.vision_params, 983438688ull);
	assert_int_equal(cache_at(&m, 8192), 67108864ull + 16777216ull);
	assert_int_equal(cache_at(&m, 512), 512ull * 20 * 2048);
	m = config_model("gemma-3n-e4b");
	assert_int_equal(m.layers, 35);
	assert_int_equal(m.kv_shared_layers, 15);
	assert_int_equal(m.intermediate, 16384);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_NONE), 15);
	assert_int_equal(m.params, 7850135376ull);
	assert_int_equal(m.vision_params, 983438688ull);
	assert_int_equal(cache_at(&m, 8192), 67108864ull + 16777216ull);
}

/* Each catalogue file is its config.json: the same figures under every
 * engine that runs it. */
static void test_catalog_is_config(void **state)
{
	static const char *const names[] = {"gemma-3n-e2b", "gemma-3n-e4b"};
	static const kvp_engine engines[] = {KVP_ENGINE_EXACT, KVP_ENGINE_VLLM,
	                                     KVP_ENGINE_SGLANG, KVP_ENGINE_LLAMA_CPP};

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		kvp_model a = catalog_model(names[i]), b = config_model(names[i]);

		same_plans(&a, &b, engines, sizeof engines / sizeof engines[0], 20000);
	}
}

/* vLLM (gemma3n.py, Gemma3nAttention: kv_sharing_target_layer_name, no
 * KVCacheSpec for a shared layer) and llama.cpp (n_layer_kv_from_start
 * 20) cache 20 layers, 40,960 B a token; SGLang (its model_config turns
 * hybrid SWA memory off for Gemma3nForCausalLM and
 * Gemma3nForConditionalGeneration, and RadixAttention keeps a buffer for
 * every layer id) all 30 at every token, 61,440 B; TensorRT-LLM has no
 * Gemma 3n model of its own, and vLLM's is neither SupportsPP nor
 * SupportsLoRA (gemma3n.py, gemma3n_mm.py). */
static void test_engines(void **state)
{
	kvp_model m = catalog_model("gemma-3n-e2b");
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	(void)state;
	plan_under(&m, KVP_ENGINE_VLLM, 8192, &p);
	assert_int_equal(p.kv_bytes_per_token, 40960);
	plan_under(&m, KVP_ENGINE_LLAMA_CPP, 8192, &p);
	assert_int_equal(p.kv_bytes_per_token, 40960);
	plan_under(&m, KVP_ENGINE_SGLANG, 8192, &p);
	assert_int_equal(p.kv_bytes_per_token, 61440);
	/* and its pool's padding row of page_size 1 */
	assert_int_equal(p.kv_total_bytes, (8192ull + 1) * 61440);
	kvp_request_init(&r);
	r.seq = 8192;
	r.engine = KVP_ENGINE_TRTLLM;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_ERR_UNSUPPORTED);
	assert_non_null(strstr(err.message, "TensorRT-LLM has no Gemma 3n model"));
	r.engine = KVP_ENGINE_VLLM;
	r.pp = 2;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_ERR_UNSUPPORTED);
	assert_non_null(strstr(err.message, "vLLM runs Gemma 3n on one pipeline stage"));
	r.pp = 1;
	r.lora.rank = 16;
	r.lora.modules = KVP_LORA_Q | KVP_LORA_V;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_ERR_UNSUPPORTED);
	assert_non_null(strstr(err.message, "vLLM's gemma3n_text model does not support LoRA"));
}

/* Gemma3nTextConfig's defaults are E4B's: a bare text config counts
 * E4B's language model, 6,866,696,688 params (7,850,135,376 less the
 * towers), its head tied. */
static void test_defaults(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"gemma3n_text\"}", &m, &src);
	assert_int_equal(m.layers, 35);
	assert_int_equal(m.kv_shared_layers, 15);
	assert_int_equal(m.intermediate, 16384);
	assert_int_equal(m.params, 6866696688ull);
	assert_int_equal(m.vision_params, 0);
	assert_int_equal(kvp_model_layer_kind(&m, 4), KVP_LAYER_FULL);
	assert_int_equal(kvp_model_layer_kind(&m, 3), KVP_LAYER_SLIDING);
	/* a list of 35 widths is the same */
	{
		char json[1024];
		int n = snprintf(json, sizeof json, "{\"model_type\": \"gemma3n_text\","
		                 " \"intermediate_size\": [");

		for (int i = 0; i < 35; i++)
			n += snprintf(json + n, sizeof json - (size_t)n, "%s16384", i ? ", " : "");
		snprintf(json + n, sizeof json - (size_t)n, "]}");
		expect_ok(json, &m, &src);
		assert_int_equal(m.intermediate, 16384);
		assert_int_equal(m.params, 6866696688ull);
	}
}

/* What the reader refuses, by key. */
static void test_refused(void **state)
{
	(void)state;
	expect_error("{\"model_type\": \"gemma3n_text\", \"num_hidden_layers\": 2,"
	             " \"intermediate_size\": [8192, 4096]}", KVP_ERR_PARSE,
	             "intermediate_size: layer 1's 4096 differs from layer 0's 8192: layers that differ");
	expect_error("{\"model_type\": \"gemma3n_text\", \"num_hidden_layers\": 3,"
	             " \"num_kv_shared_layers\": 1, \"intermediate_size\": [8192, 8192]}",
	             KVP_ERR_PARSE, "intermediate_size: 2 entries for 3 layers");
	expect_error("{\"model_type\": \"gemma3n_text\", \"num_hidden_layers\": 2,"
	             " \"intermediate_size\": [8192, \"x\"]}", KVP_ERR_PARSE,
	             "intermediate_size: entry 1 is not a whole number");
	expect_error("{\"model_type\": \"gemma3n_text\", \"num_hidden_layers\": 6,"
	             " \"num_kv_shared_layers\": 6}", KVP_ERR_PARSE,
	             "num_kv_shared_layers: 6 of 6 layers");
	expect_error("{\"model_type\": \"gemma3n\", \"text_config\": {\"model_type\":"
	             " \"gemma3n_text\"}, \"vision_config\": {\"architecture\": \"resnet50\"}}",
	             KVP_ERR_PARSE, "vision_config.architecture: \"resnet50\": a tower whose size");
	expect_error("{\"model_type\": \"gemma3n\", \"text_config\": {\"model_type\":"
	             " \"gemma3n_text\"}, \"audio_config\": {\"conf_num_attention_heads\": 7}}",
	             KVP_ERR_PARSE, "audio_config.conf_num_attention_heads: 7 does not divide");
	/* a bad shape is finalize's to name, not the count's */
	expect_error("{\"model_type\": \"gemma3n_text\", \"num_key_value_heads\": 3,"
	             " \"num_hidden_layers\": 2, \"num_kv_shared_layers\": 0,"
	             " \"intermediate_size\": [8, 8]}",
	             KVP_ERR_SHAPE, "heads 8 is not divisible by kv_heads 3");
	/* the towers' configs: objects, names, counts from 1 to 2^20 (a
	 * tower past them would wrap 128 bits), pairs of two */
	expect_error("{\"model_type\": \"gemma3n\", \"text_config\": {\"model_type\":"
	             " \"gemma3n_text\"}, \"audio_config\": [1]}", KVP_ERR_PARSE,
	             "audio_config: expected an object");
	expect_error("{\"model_type\": \"gemma3n\", \"text_config\": {\"model_type\":"
	             " \"gemma3n_text\"}, \"vision_config\": {\"architecture\": 5}}",
	             KVP_ERR_PARSE, "vision_config.architecture: expected a name");
	expect_error("{\"model_type\": \"gemma3n\", \"text_config\": {\"model_type\":"
	             " \"gemma3n_text\"}, \"audio_config\": {\"hidden_size\": 0}}",
	             KVP_ERR_PARSE, "audio_config.hidden_size: 0");
	expect_error("{\"model_type\": \"gemma3n\", \"text_config\": {\"model_type\":"
	             " \"gemma3n_text\"}, \"audio_config\": {\"sscp_conv_channel_size\":"
	             " [128, 32, 5]}}", KVP_ERR_PARSE,
	             "audio_config.sscp_conv_channel_size: expected two counts");
	expect_error("{\"model_type\": \"gemma3n\", \"text_config\": {\"model_type\":"
	             " \"gemma3n_text\"}, \"audio_config\": {\"sscp_conv_channel_size\":"
	             " [4294967295, 4294967295]}}", KVP_ERR_PARSE,
	             "audio_config.sscp_conv_channel_size: entry 0 is not a count from 1 to 2^20");
	expect_error("{\"model_type\": \"gemma3n\", \"text_config\": {\"model_type\":"
	             " \"gemma3n_text\"}, \"audio_config\": {\"conf_num_hidden_layers\":"
	             " 2310990135}}", KVP_ERR_PARSE, "audio_config.conf_num_hidden_layers");
	expect_error("{\"model_type\": \"gemma3n_text\", \"intermediate_size\": null}",
	             KVP_ERR_PARSE, "intermediate_size: 0 or null: each Gemma 3n layer runs an MLP");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_configs),
		cmocka_unit_test(test_catalog_is_config),
		cmocka_unit_test(test_engines),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
