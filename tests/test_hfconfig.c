/*
 * test_hfconfig.c — the config.json reader: every catalogue model read
 * from its own config.json equals its profile, each family's layout rule,
 * what real files contain (text_config, nulls, duplicated keys, NaN),
 * the peers' known mistakes, and hostile or malformed files.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "kvplan.h"
#include "testutil.h"
#include "hfutil.h"

/* Every catalogue model, read from tests/configs/<name>/config.json,
 * gives the profile's layers, heads, dims, windows, latent, state and
 * experts, and so the same plan. */
static void test_catalogue_equal(void **state)
{
	const char *dirs[] = {KVP_TEST_DATADIR};
	const kvp_model *models;
	kvp_catalog *cat = NULL;
	size_t count;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_catalog_open(&cat, dirs, 1, &err), KVP_OK);
	assert_int_equal(kvp_catalog_models(cat, &models, &count, &err), KVP_OK);
	assert_true(count >= 50);
	for (size_t i = 0; i < count; i++) {
		const kvp_model *c = &models[i];
		char path[512];
		kvp_model m;
		kvp_source src;

		snprintf(path, sizeof path, "%s/tests/configs/%s/config.json",
		         KVP_TEST_SRCDIR, c->name);
		if (kvp_config_read(path, &m, &src, NULL, &err) != KVP_OK)
			fail_msg("%s: %s", c->name, err.message);
#define SAME(f) do { if (m.f != c->f) fail_msg("%s: " #f " %llu in config.json, %llu in the catalogue", \
		c->name, (unsigned long long)m.f, (unsigned long long)c->f); } while (0)
		SAME(layers); SAME(heads); SAME(kv_heads); SAME(head_dim);
		SAME(kv_lora_rank); SAME(qk_rope_dim); SAME(intermediate); SAME(q_lora_rank);
		SAME(index_head_dim);
		/* Gemma's full layers' head, shared layers, k_eq_v, per-layer
		 * inputs and double-wide MLP */
		SAME(full_head_dim); SAME(kv_shared_layers); SAME(full_k_eq_v);
		SAME(layer_input_width); SAME(double_wide_mlp);
		/* A mixture of experts' dense and routed layers. */
		SAME(moe_experts); SAME(moe_intermediate); SAME(moe_shared_intermediate);
		SAME(moe_dense_layers); SAME(moe_step); SAME(dense_intermediate);
		SAME(moe_top_k); SAME(moe_routed_experts); SAME(moe_latent);
		/* A multimodal model's vision encoder, which SGLang's share
		 * reads. */
		SAME(vision_hidden); SAME(vision_layers);
		/* The MTP layers an MTP draft may load. */
		SAME(mtp_layers);
		if (kvp_model_count_layers(c, KVP_LAYER_SLIDING))
			SAME(sliding_window);
		if (kvp_model_count_layers(c, KVP_LAYER_CHUNKED))
			SAME(chunk_size);
		if (kvp_model_count_layers(c, KVP_LAYER_RECURRENT)) {
			SAME(ssm_conv_kernel); SAME(ssm_inner); SAME(ssm_state);
			SAME(ssm_groups); SAME(ssm_chunk_size); SAME(ssm_cache_bytes);
			SAME(ssm_parallel);
			if (c->ssm_heads)
				SAME(ssm_heads);
		}
		if (c->vocab)
			SAME(vocab);
		if (c->max_context)
			SAME(max_context);
		/* The params, counted tensor by tensor from the config
		 * (lib/hf_count.c; Nemotron-H's block by block, lib/
		 * hf_nemotron.c), are the profile's to the parameter, its MTP
		 * layers', their copies of the embedding and head, and the
		 * vision tower's with them: each profile works its count by
		 * hand from the model's config, and cites the checkpoint's
		 * total that agrees (HF's count, an index's total_size). */
		SAME(params); SAME(mtp_params); SAME(mtp_shared_params);
		SAME(vision_params);
#undef SAME
		/* The type an engine that pools by architecture reads. */
		if (strcmp(m.model_type, c->model_type) != 0)
			fail_msg("%s: model_type '%s' in config.json, '%s' in the"
			         " catalogue", c->name, m.model_type, c->model_type);
		/* MiniMind ships its own configuration class: the generic
		 * rule reads it. */
		if (src.generic && strcmp(src.family, "minimind") != 0)
			fail_msg("%s: read by the generic rule", c->name);
		for (uint32_t l = 0; l < c->layers; l++)
			if (kvp_model_layer_kind(&m, l) != kvp_model_layer_kind(c, l) ||
			    kvp_model_layer_kv_heads(&m, l) != kvp_model_layer_kv_heads(c, l) ||
			    kvp_model_layer_head_dim(&m, l) != kvp_model_layer_head_dim(c, l))
				fail_msg("%s: layer %u is %s in config.json, %s in the catalogue",
				         c->name, l, kvp_layer_kind_name(kvp_model_layer_kind(&m, l)),
				         kvp_layer_kind_name(kvp_model_layer_kind(c, l)));
		assert_int_equal(cache_at(&m, 4096), cache_at(c, 4096));
		assert_int_equal(cache_at(&m, 100000), cache_at(c, 100000));
		/* No checkpoint beside the fixtures: params are estimated. */
		assert_int_equal(kvp_source_find(&src, "params")->origin,
		                 KVP_ORIGIN_ESTIMATED);
	}
	kvp_catalog_free(&cat);
}

/* Llama 2 7B's own config.json (meta-llama/Llama-2-7b-hf): MHA by the
 * absence of num_key_value_heads, head_dim 4096 / 32 = 128, and the
 * estimate of the parameters equal to the checkpoint's 6,738,415,616:
 * embeddings and head 2 x 32000 x 4096 = 262,144,000; per layer q, k, v,
 * o 4 x 4096^2 = 67,108,864, MLP 3 x 4096 x 11008 = 135,266,304, two
 * norms 8,192: 202,383,360 x 32 = 6,476,267,520; final norm 4,096. */
static const char llama2_7b[] =
	"{\"architectures\": [\"LlamaForCausalLM\"], \"hidden_size\": 4096,"
	" \"intermediate_size\": 11008, \"max_position_embeddings\": 4096,"
	" \"model_type\": \"llama\", \"num_attention_heads\": 32,"
	" \"num_hidden_layers\": 32, \"rope_scaling\": null,"
	" \"tie_word_embeddings\": false, \"torch_dtype\": \"float16\","
	" \"vocab_size\": 32000}";

static void test_llama2_estimate(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok(llama2_7b, &m, &src);
	assert_int_equal(m.kv_heads, 32);
	assert_int_equal(m.head_dim, 128);
	assert_int_equal(m.params, 6738415616ull);
	assert_int_equal(kvp_source_find(&src, "kv_heads")->origin, KVP_ORIGIN_DEFAULTED);
	assert_int_equal(kvp_source_find(&src, "head_dim")->origin, KVP_ORIGIN_DERIVED);
	assert_int_equal(kvp_source_find(&src, "layers")->origin, KVP_ORIGIN_READ);
	assert_string_equal(src.family, "llama");
	assert_string_equal(m.model_type, "llama");
	/* 32 layers x 1024 tokens x 32 heads x 128 x 2 (K, V) x 2 B. */
	assert_int_equal(cache_at(&m, 1024), 536870912ull);
	/* The weights are fp16; the cache type is not taken from them. */
	assert_true(src.weights_dtype_known);
	assert_int_equal(src.weights_dtype, KVP_DTYPE_FP16);
}

/* A float32 checkpoint's dtype is the weights', never the cache's. */
static void test_fp32_weights(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"gpt2\", \"n_layer\": 12, \"n_head\": 12,"
	          " \"n_embd\": 768, \"n_positions\": 1024, \"vocab_size\": 50257,"
	          " \"torch_dtype\": \"float32\"}", &m, &src);
	assert_int_equal(src.weights_dtype, KVP_DTYPE_FP32);
	assert_int_equal(m.head_dim, 64);
	/* 12 x 1024 x 12 heads x 64 x 2 x 2 B (fp16, the request's). */
	assert_int_equal(cache_at(&m, 1024), 37748736ull);
}

/* quantization_config names the checkpoint's format (lib/hf_quant.c):
 * AutoAWQ's (Qwen2.5-7B-Instruct-AWQ: bits 4, group_size 128), GPTQ's
 * group of 32, DeepSeek-V3's block fp8, compressed-tensors' 8-bit float
 * weights, modelopt's NVFP4, gpt-oss's mxfp4; bitsandbytes, GPTQ's 8 bits
 * and a hostile method (control characters, escaped) are warnings, the
 * format left unknown; a top-level one serves a text_config. */
static void test_quantization_config(void **state)
{
	static const struct {
		const char *q, *format;
	} known[] = {
		{"{\"bits\": 4, \"group_size\": 128, \"quant_method\": \"awq\", \"zero_point\": true}",
		 "int4-awq:g128"},
		{"{\"bits\": 4, \"group_size\": 32, \"quant_method\": \"gptq\"}", "int4-gptq:g32"},
		{"{\"activation_scheme\": \"dynamic\", \"fmt\": \"e4m3\", \"quant_method\": \"fp8\","
		 " \"weight_block_size\": [128, 128]}", "fp8"},
		{"{\"quant_method\": \"compressed-tensors\", \"format\": \"float-quantized\","
		 " \"config_groups\": {\"group_0\": {\"weights\": {\"num_bits\": 8, \"type\": \"float\"}}}}",
		 "fp8"},
		{"{\"quant_method\": \"modelopt\", \"quant_algo\": \"NVFP4\"}", "nvfp4"},
		{"{\"quant_method\": \"mxfp4\"}", "mxfp4"},
	};
	static const char *const unknown[] = {
		"{\"quant_method\": \"bitsandbytes\", \"load_in_4bit\": true}",
		"{\"bits\": 8, \"group_size\": 128, \"quant_method\": \"gptq\"}",
		"{\"bits\": 4, \"group_size\": -1, \"quant_method\": \"awq\"}",
		"{\"quant_method\": \"compressed-tensors\", \"format\": \"pack-quantized\"}",
		"{\"quant_method\": \"x\\u001b[2J\"}",
		"[1]",
	};
	char json[1024];
	kvp_model m;
	kvp_source src;

	(void)state;
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
		snprintf(json, sizeof json, "{\"num_hidden_layers\": 2, \"hidden_size\": 256,"
		         " \"num_attention_heads\": 4, \"quantization_config\": %s}", known[i].q);
		expect_ok(json, &m, &src);
		assert_true(src.weights_format_known);
		assert_string_equal(src.weights_format.name, known[i].format);
		assert_int_equal(src.n_warnings, 0);
		assert_int_equal(kvp_source_find(&src, "weights_format")->origin, KVP_ORIGIN_READ);
	}
	for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
		snprintf(json, sizeof json, "{\"num_hidden_layers\": 2, \"hidden_size\": 256,"
		         " \"num_attention_heads\": 4, \"quantization_config\": %s}", unknown[i]);
		expect_ok(json, &m, &src);
		assert_false(src.weights_format_known);
		assert_int_equal(src.n_warnings, 1);
		assert_non_null(strstr(src.warnings[0], "t/config.json: quantization_config"));
		assert_null(strchr(src.warnings[0], '\x1b'));
	}
	expect_ok("{\"model_type\": \"llava\", \"quantization_config\": {\"quant_method\":"
	          " \"awq\", \"bits\": 4, \"group_size\": 64}, \"text_config\":"
	          " {\"num_hidden_layers\": 2, \"hidden_size\": 256, \"num_attention_heads\": 4}}",
	          &m, &src);
	assert_string_equal(src.weights_format.name, "int4-awq:g64");
	/* a quantized KV cache: modelopt's kv_cache_quant_algo (at the top
	 * or in its nested "quantization"), compressed-tensors'
	 * kv_cache_scheme of 8-bit floats; not an int8 scheme */
	expect_ok("{\"num_hidden_layers\": 2, \"hidden_size\": 256, \"num_attention_heads\": 4,"
	          " \"quantization_config\": {\"quant_method\": \"modelopt\", \"quant_algo\":"
	          " \"NVFP4\", \"kv_cache_quant_algo\": \"FP8\"}}", &m, &src);
	assert_int_equal(src.kv_cache_quant, KVP_KV_QUANT_MODELOPT_FP8);
	assert_string_equal(src.weights_format.name, "nvfp4");
	assert_int_equal(kvp_source_find(&src, "kv_cache")->origin, KVP_ORIGIN_READ);
	expect_ok("{\"num_hidden_layers\": 2, \"hidden_size\": 256, \"num_attention_heads\": 4,"
	          " \"quantization_config\": {\"quant_method\": \"modelopt\", \"quantization\":"
	          " {\"quant_algo\": \"FP8\", \"kv_cache_quant_algo\": \"FP8\"}}}", &m, &src);
	assert_int_equal(src.kv_cache_quant, KVP_KV_QUANT_MODELOPT_FP8);
	assert_string_equal(src.weights_format.name, "fp8");
	expect_ok("{\"num_hidden_layers\": 2, \"hidden_size\": 256, \"num_attention_heads\": 4,"
	          " \"quantization_config\": {\"quant_method\": \"compressed-tensors\","
	          " \"format\": \"float-quantized\", \"config_groups\": {\"g\": {\"weights\":"
	          " {\"num_bits\": 8, \"type\": \"float\"}}}, \"kv_cache_scheme\": {\"num_bits\":"
	          " 8, \"type\": \"float\", \"strategy\": \"tensor\"}}}", &m, &src);
	assert_int_equal(src.kv_cache_quant, KVP_KV_QUANT_COMPRESSED_FP8);
	/* vLLM's compressed-tensors override takes any scheme; modelopt's a
	 * static one (dynamic false) alone, and warns of nvfp4 */
	expect_ok("{\"num_hidden_layers\": 2, \"hidden_size\": 256, \"num_attention_heads\": 4,"
	          " \"quantization_config\": {\"quant_method\": \"compressed-tensors\","
	          " \"kv_cache_scheme\": {\"num_bits\": 8, \"type\": \"int\"}}}", &m, &src);
	assert_int_equal(src.kv_cache_quant, KVP_KV_QUANT_COMPRESSED_FP8);
	expect_ok("{\"num_hidden_layers\": 2, \"hidden_size\": 256, \"num_attention_heads\": 4,"
	          " \"quantization_config\": {\"quant_method\": \"modelopt\", \"quant_algo\": \"FP8\","
	          " \"kv_cache_scheme\": {\"num_bits\": 8, \"type\": \"float\", \"dynamic\": true},"
	          " \"kv_cache_quant_algo\": \"FP8\"}}", &m, &src);
	assert_int_equal(src.kv_cache_quant, KVP_KV_QUANT_NONE);
	expect_ok("{\"num_hidden_layers\": 2, \"hidden_size\": 256, \"num_attention_heads\": 4,"
	          " \"quantization_config\": {\"quant_method\": \"modelopt\", \"quantization\":"
	          " {\"quant_algo\": \"FP8\"}, \"kv_cache_quant_algo\": \"fp8\"}}", &m, &src);
	assert_int_equal(src.kv_cache_quant, KVP_KV_QUANT_MODELOPT_FP8);
	expect_ok("{\"num_hidden_layers\": 2, \"hidden_size\": 256, \"num_attention_heads\": 4,"
	          " \"quantization_config\": {\"quant_method\": \"modelopt\", \"quant_algo\": \"NVFP4\","
	          " \"kv_cache_quant_algo\": \"NVFP4\"}}", &m, &src);
	assert_int_equal(src.kv_cache_quant, KVP_KV_QUANT_NONE);
	assert_int_equal(src.n_warnings, 1);
	assert_non_null(strstr(src.warnings[0], "nvfp4 KV cache is not modelled"));
	/* none: nothing said */
	expect_ok(llama2_7b, &m, &src);
	assert_int_equal(src.kv_cache_quant, KVP_KV_QUANT_NONE);
	assert_false(src.weights_format_known);
	assert_null(kvp_source_find(&src, "weights_format"));
}

/* Explicit head_dim wins over hidden / heads (Qwen3-0.6B: 1024 / 16 = 64,
 * but head_dim 128). */
static void test_explicit_head_dim(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"qwen3\", \"num_hidden_layers\": 28,"
	          " \"hidden_size\": 1024, \"num_attention_heads\": 16,"
	          " \"num_key_value_heads\": 8, \"head_dim\": 128,"
	          " \"sliding_window\": null, \"use_sliding_window\": false,"
	          " \"max_window_layers\": 28}", &m, &src);
	assert_int_equal(m.head_dim, 128);
	assert_int_equal(m.pattern_len, 0);
	/* 28 x 1000 x 8 x 128 x 2 x 2 B */
	assert_int_equal(cache_at(&m, 1000), 114688000ull);
}

/* Per-layer kv heads as a list: zeros are layers without attention (a
 * peer reading the list as a scalar gets 0 KV; one treating 0 as "the
 * head count" gets too much). */
static void test_per_layer_heads(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"custom_nas\", \"num_hidden_layers\": 4,"
	          " \"hidden_size\": 1024, \"num_attention_heads\": 8,"
	          " \"num_key_value_heads\": [2, 0, 4, 0]}", &m, &src);
	assert_true(src.generic);
	assert_int_equal(kvp_model_layer_kind(&m, 1), KVP_LAYER_NONE);
	assert_int_equal(kvp_model_layer_kv_heads(&m, 2), 4);
	/* (2 + 4) heads x 128 x 2 x 2 B x 10 tokens */
	assert_int_equal(cache_at(&m, 10), 30720);
	expect_error("{\"num_hidden_layers\": 4, \"num_attention_heads\": 8,"
	             " \"hidden_size\": 1024, \"num_key_value_heads\": [2, 0, 4]}",
	             KVP_ERR_PARSE, "num_key_value_heads: 3 entries for 4 layers");
	expect_error("{\"num_hidden_layers\": 2, \"num_attention_heads\": 8,"
	             " \"hidden_size\": 1024, \"num_key_value_heads\": 0}",
	             KVP_ERR_PARSE, "num_key_value_heads: 0 key/value heads");
	/* A count of 0 is named at its key, as the key each family gives it
	 * (GPT-2's n_head). */
	expect_error("{\"num_hidden_layers\": 0, \"num_attention_heads\": 8,"
	             " \"hidden_size\": 1024}",
	             KVP_ERR_PARSE, "num_hidden_layers: 0 layers: at least 1 is needed");
	expect_error("{\"n_layer\": 2, \"n_head\": 0, \"n_embd\": 1024}",
	             KVP_ERR_PARSE, "n_head: 0 attention heads: at least 1 is needed");
	expect_error("{\"num_hidden_layers\": 2, \"num_attention_heads\": 8,"
	             " \"hidden_size\": 0}",
	             KVP_ERR_PARSE, "hidden_size: 0 hidden units: at least 1 is needed");
}

/* layer_types wins over the rule (Gemma 3 270M lists its layers). */
static void test_layer_types(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"gemma3_text\", \"num_hidden_layers\": 4,"
	          " \"hidden_size\": 640, \"num_attention_heads\": 4,"
	          " \"num_key_value_heads\": 1, \"head_dim\": 256,"
	          " \"sliding_window\": 512, \"layer_types\": [\"sliding_attention\","
	          " \"full_attention\", \"sliding_attention\", \"full_attention\"]}",
	          &m, &src);
	assert_int_equal(m.pattern_len, 2);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_SLIDING), 2);
	/* Full: 2 x 4096 tokens; sliding: 2 x 512; 1 x 256 x 2 x 2 B each. */
	assert_int_equal(cache_at(&m, 4096), (2ull * 4096 + 2 * 512) * 1024);
	expect_error("{\"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
	             " \"hidden_size\": 64, \"layer_types\": [\"full_attention\","
	             " \"sparse\"]}", KVP_ERR_PARSE, "entry 1 sparse");
}

/* Gemma 3's sparse text_config: the class's defaults fill it in. */
static void test_gemma3_defaults(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"gemma3\", \"torch_dtype\": \"bfloat16\","
	          " \"text_config\": {\"model_type\": \"gemma3_text\","
	          " \"hidden_size\": 2560, \"num_hidden_layers\": 34,"
	          " \"sliding_window\": 1024, \"rope_scaling\": {\"factor\": 8.0,"
	          " \"rope_type\": \"linear\"}}}", &m, &src);
	assert_int_equal(m.heads, 8);
	assert_int_equal(m.kv_heads, 4);
	assert_int_equal(m.head_dim, 256);
	assert_int_equal(m.vocab, 262208);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_FULL), 5);
	assert_int_equal(kvp_source_find(&src, "heads")->origin, KVP_ORIGIN_DEFAULTED);
	assert_int_equal(src.weights_dtype, KVP_DTYPE_BF16);
	assert_non_null(strstr(kvp_source_find(&src, "layers")->text,
	                       "text_config.num_hidden_layers"));
}

/* vision_config as SGLang's share reads it (memory_hook.py
 * adjust_mem_fraction_for_vlm): hidden_size, 1024 where left out, and
 * num_hidden_layers, 0 where left out (SGLang's 24: Qwen3.5's says
 * depth); none without the object; a bad value is named. */
static void test_vision_config(void **state)
{
	static const char *const base = "{\"model_type\": \"llava\", \"text_config\":"
		" {\"model_type\": \"llama\", \"num_hidden_layers\": 4,"
		" \"num_attention_heads\": 4, \"hidden_size\": 256}%s}";
	static const struct {
		const char *vision;
		uint32_t hidden, layers;
	} cases[] = {
		{"", 0, 0},
		{", \"vision_config\": {\"depth\": 27, \"hidden_size\": 1152}", 1152, 0},
		{", \"vision_config\": {\"num_hidden_layers\": 32, \"hidden_size\": 1280}",
		 1280, 32},
		{", \"vision_config\": {}", 1024, 0},
		{", \"vision_config\": null", 0, 0},
	};
	char json[512];
	kvp_model m;
	kvp_source src;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		snprintf(json, sizeof json, base, cases[i].vision);
		expect_ok(json, &m, &src);
		if (m.vision_hidden != cases[i].hidden || m.vision_layers != cases[i].layers)
			fail_msg("case %zu: %u x %u", i, m.vision_hidden, m.vision_layers);
	}
	assert_int_equal(kvp_source_find(&src, "vision_hidden_size") == NULL, 1);
	snprintf(json, sizeof json, base, ", \"vision_config\": {}");
	expect_ok(json, &m, &src);
	assert_int_equal(kvp_source_find(&src, "vision_hidden_size")->origin,
	                 KVP_ORIGIN_DEFAULTED);
	snprintf(json, sizeof json, base, ", \"vision_config\": {\"hidden_size\": \"big\"}");
	expect_error(json, KVP_ERR_PARSE,
	             "vision_config.hidden_size: expected a number, found a string");
	snprintf(json, sizeof json, base, ", \"vision_config\": {\"hidden_size\": 0}");
	expect_error(json, KVP_ERR_PARSE, "vision_config.hidden_size: 0 is not a width");
	snprintf(json, sizeof json, base,
	         ", \"vision_config\": {\"num_hidden_layers\": -2, \"hidden_size\": 8}");
	expect_error(json, KVP_ERR_PARSE, "vision_config.num_hidden_layers: integer is not");
}

/* The MTP layers: DeepSeek's num_nextn_predict_layers, Qwen3.5's
 * mtp_num_hidden_layers (in text_config), each read and noted; Qwen3-Next's
 * config.json says none, and vLLM's Qwen3NextMTP takes 1 (the catalogue's
 * equality above checks every catalogue model's count). */
static void test_mtp_layers(void **state)
{
	static const struct {
		const char *json, *note;
		uint32_t layers;
		kvp_origin origin;
	} cases[] = {
		{"{\"model_type\": \"deepseek_v3\", \"num_hidden_layers\": 4,"
		 " \"num_attention_heads\": 4, \"hidden_size\": 256, \"kv_lora_rank\": 64,"
		 " \"qk_rope_head_dim\": 16, \"qk_nope_head_dim\": 48, \"v_head_dim\": 64,"
		 " \"num_nextn_predict_layers\": 2}",
		 "num_nextn_predict_layers = 2", 2, KVP_ORIGIN_READ},
		{"{\"model_type\": \"qwen3_5\", \"text_config\": {\"model_type\":"
		 " \"llama\", \"num_hidden_layers\": 4, \"num_attention_heads\": 4,"
		 " \"hidden_size\": 256, \"mtp_num_hidden_layers\": 1}}",
		 "text_config.mtp_num_hidden_layers = 1", 1, KVP_ORIGIN_READ},
		{"{\"model_type\": \"qwen3_next\", \"num_hidden_layers\": 4,"
		 " \"num_attention_heads\": 4, \"num_key_value_heads\": 2,"
		 " \"hidden_size\": 256, \"head_dim\": 64, \"full_attention_interval\": 4,"
		 " \"linear_conv_kernel_dim\": 4, \"linear_key_head_dim\": 32,"
		 " \"linear_num_key_heads\": 2, \"linear_num_value_heads\": 4,"
		 " \"linear_value_head_dim\": 32}",
		 "num_nextn_predict_layers absent: vLLM's Qwen3NextMTP's default 1", 1,
		 KVP_ORIGIN_DEFAULTED},
	};
	kvp_model m;
	kvp_source src;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const kvp_source_note *n;

		expect_ok(cases[i].json, &m, &src);
		assert_int_equal(m.mtp_layers, cases[i].layers);
		n = kvp_source_find(&src, "mtp_layers");
		assert_non_null(n);
		assert_int_equal(n->origin, cases[i].origin);
		if (!strstr(n->text, cases[i].note))
			fail_msg("case %zu: note '%s' lacks '%s'", i, n->text, cases[i].note);
	}
	/* None said: none, and nothing noted. */
	expect_ok("{\"num_hidden_layers\": 4, \"num_attention_heads\": 4,"
	          " \"hidden_size\": 256}", &m, &src);
	assert_int_equal(m.mtp_layers, 0);
	assert_null(kvp_source_find(&src, "mtp_layers"));
}

/* Falcon: multi_query gives one kv head and num_kv_heads is not used;
 * new_decoder_architecture keeps num_kv_heads. */
static void test_falcon(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"falcon\", \"hidden_size\": 4544,"
	          " \"num_attention_heads\": 71, \"num_hidden_layers\": 32,"
	          " \"multi_query\": true, \"new_decoder_architecture\": false,"
	          " \"num_kv_heads\": 71}", &m, &src);
	assert_int_equal(m.kv_heads, 1);
	assert_int_equal(m.max_context, 2048); /* FalconConfig's default */
	expect_ok("{\"model_type\": \"falcon\", \"hidden_size\": 8192,"
	          " \"num_attention_heads\": 128, \"num_hidden_layers\": 60,"
	          " \"multi_query\": true, \"new_decoder_architecture\": true,"
	          " \"num_kv_heads\": 8}", &m, &src);
	assert_int_equal(m.kv_heads, 8);
	expect_ok("{\"model_type\": \"falcon\", \"hidden_size\": 1024,"
	          " \"num_attention_heads\": 16, \"num_hidden_layers\": 2,"
	          " \"multi_query\": false}", &m, &src);
	assert_int_equal(m.kv_heads, 16);
}

/* MLA from the fields, whatever the name: DeepSeek-V3's latent is 512 +
 * 64 values per token and layer, 61 layers x 576 x 2 B = 70,272 B per
 * token. */
static void test_mla_by_fields(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"my_own_v3\", \"num_hidden_layers\": 61,"
	          " \"hidden_size\": 7168, \"num_attention_heads\": 128,"
	          " \"num_key_value_heads\": 128, \"kv_lora_rank\": 512,"
	          " \"q_lora_rank\": 1536, \"qk_rope_head_dim\": 64,"
	          " \"qk_nope_head_dim\": 128, \"v_head_dim\": 128}", &m, &src);
	assert_true(src.generic);
	assert_int_equal(kvp_model_attention(&m), KVP_ATTENTION_MLA);
	assert_int_equal(m.head_dim, 192);
	assert_int_equal(cache_at(&m, 1), 70272);
	/* kv_lora_rank null (DeepSeek-V2-Lite's q_lora_rank is) is no MLA. */
	expect_ok("{\"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
	          " \"hidden_size\": 256, \"kv_lora_rank\": null}", &m, &src);
	assert_int_not_equal(kvp_model_attention(&m), KVP_ATTENTION_MLA);
}

/* Sliding rules: Mistral's window on every layer, Qwen2's from
 * max_window_layers on when use_sliding_window, Gemma 2 every other,
 * gpt-oss by layer_types, Llama 4 chunked in its RoPE layers. */
static void test_window_rules(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"mistral\", \"num_hidden_layers\": 32,"
	          " \"hidden_size\": 4096, \"num_attention_heads\": 32,"
	          " \"num_key_value_heads\": 8, \"sliding_window\": 4096}", &m, &src);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_SLIDING), 32);
	expect_ok("{\"model_type\": \"mistral\", \"num_hidden_layers\": 32,"
	          " \"hidden_size\": 4096, \"num_attention_heads\": 32,"
	          " \"num_key_value_heads\": 8, \"sliding_window\": null}", &m, &src);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_SLIDING), 0);
	expect_ok("{\"model_type\": \"qwen2\", \"num_hidden_layers\": 8,"
	          " \"hidden_size\": 1024, \"num_attention_heads\": 8,"
	          " \"num_key_value_heads\": 2, \"sliding_window\": 256,"
	          " \"use_sliding_window\": true, \"max_window_layers\": 6}", &m, &src);
	assert_int_equal(kvp_model_layer_kind(&m, 5), KVP_LAYER_FULL);
	assert_int_equal(kvp_model_layer_kind(&m, 6), KVP_LAYER_SLIDING);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_SLIDING), 2);
	expect_ok("{\"model_type\": \"gemma2\", \"num_hidden_layers\": 42,"
	          " \"hidden_size\": 3584, \"num_attention_heads\": 16,"
	          " \"num_key_value_heads\": 8, \"head_dim\": 256,"
	          " \"sliding_window\": 4096}", &m, &src);
	assert_int_equal(kvp_model_layer_kind(&m, 0), KVP_LAYER_SLIDING);
	assert_int_equal(kvp_model_layer_kind(&m, 1), KVP_LAYER_FULL);
	expect_ok("{\"model_type\": \"llama4_text\", \"num_hidden_layers\": 8,"
	          " \"hidden_size\": 5120, \"num_attention_heads\": 40,"
	          " \"num_key_value_heads\": 8, \"head_dim\": 128,"
	          " \"attention_chunk_size\": 8192,"
	          " \"no_rope_layers\": [1, 1, 0, 1, 1, 1, 1, 0]}", &m, &src);
	assert_int_equal(kvp_model_layer_kind(&m, 2), KVP_LAYER_FULL);
	assert_int_equal(kvp_model_layer_kind(&m, 3), KVP_LAYER_CHUNKED);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_FULL), 2);
	assert_int_equal(m.chunk_size, 8192);
}

/* Recurrent hybrids, each state worked out by llama.cpp's formula: conv
 * (k - 1) x (inner + 2 x groups x state) and ssm state x inner, fp32. */
static void test_hybrids(void **state)
{
	kvp_model m;
	kvp_source src;
	kvp_model one;

	(void)state;
	/* Jamba: 32 layers, attention where i % 8 == 4; Mamba-1 with expand
	 * 2 x 4096 = 8192 inner, d_conv 4, d_state 16: 3 x 8192 + 16 x 8192
	 * = 155,648 values x 4 B = 622,592 B per layer and sequence. */
	expect_ok("{\"model_type\": \"jamba\", \"num_hidden_layers\": 32,"
	          " \"hidden_size\": 4096, \"num_attention_heads\": 32,"
	          " \"num_key_value_heads\": 8, \"attn_layer_period\": 8,"
	          " \"attn_layer_offset\": 4, \"mamba_d_conv\": 4,"
	          " \"mamba_d_state\": 16, \"mamba_expand\": 2}", &m, &src);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_FULL), 4);
	assert_int_equal(kvp_model_layer_kind(&m, 12), KVP_LAYER_FULL);
	/* at 1 token: 28 x 622,592 + 4 x 8 x 128 x 2 x 2 B */
	assert_int_equal(cache_at(&m, 1), 28ull * 622592 + 4 * 4096);
	/* Qwen3-Next by default: full_attention_interval 4, DeltaNet with
	 * 16 key heads of 128, 32 value heads of 128, conv 4. */
	expect_ok("{\"model_type\": \"qwen3_next\", \"num_hidden_layers\": 48,"
	          " \"hidden_size\": 2048, \"num_attention_heads\": 16,"
	          " \"num_key_value_heads\": 2, \"head_dim\": 256,"
	          " \"linear_conv_kernel_dim\": 4, \"linear_key_head_dim\": 128,"
	          " \"linear_value_head_dim\": 128, \"linear_num_key_heads\": 16,"
	          " \"linear_num_value_heads\": 32}", &m, &src);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_RECURRENT), 36);
	assert_int_equal(m.ssm_inner, 4096);
	assert_int_equal(m.ssm_groups, 16);
	/* Granite 4.0 H: layer_types, 128 heads x 64 = 8192 inner. */
	expect_ok("{\"model_type\": \"granitemoehybrid\", \"num_hidden_layers\": 4,"
	          " \"hidden_size\": 4096, \"num_attention_heads\": 32,"
	          " \"num_key_value_heads\": 8, \"layer_types\": [\"mamba\","
	          " \"mamba\", \"mamba\", \"attention\"], \"mamba_d_conv\": 4,"
	          " \"mamba_d_state\": 128, \"mamba_n_groups\": 1,"
	          " \"mamba_n_heads\": 128, \"mamba_d_head\": 64}", &m, &src);
	one = m;
	assert_int_equal(one.ssm_inner, 8192);
	/* 3 x (3 x (8192 + 256) + 128 x 8192) x 4 B + 1 token of 8 x 128 x 4 B */
	assert_int_equal(cache_at(&m, 1), 3ull * (3 * 8448 + 1048576) * 4 + 4096);
	expect_error("{\"model_type\": \"nemotron_h\", \"num_hidden_layers\": 3,"
	             " \"num_attention_heads\": 4, \"hidden_size\": 64,"
	             " \"hybrid_override_pattern\": \"M-X\"}", KVP_ERR_PARSE,
	             "layer 2 is not M");
}

/* What real files contain: null for a number, a key twice, NaN. */
static void test_real_file_quirks(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
	          " \"hidden_size\": 256, \"num_key_value_heads\": null,"
	          " \"time_step_limit\": [0.0, Infinity], \"x\": NaN,"
	          " \"s\": \"NaN Infinity\"}", &m, &src);
	assert_int_equal(m.kv_heads, 4);
	assert_int_equal(src.n_warnings, 1);
	assert_non_null(strstr(src.warnings[0], "2 NaN or Infinity"));
	expect_ok("{\"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
	          " \"hidden_size\": 256, \"num_key_value_heads\": 4,"
	          " \"num_key_value_heads\": 2}", &m, &src);
	assert_int_equal(m.kv_heads, 2); /* the last, as Python's json */
	assert_non_null(strstr(src.warnings[0], "duplicate"));
	/* A fault after NaN and -Infinity, which are read as null, is placed
	 * in the file as written: the x is its 33rd column. */
	{
		static const char bad[] = "{\"a\": -Infinity, \"b\": NaN, \"d\": x}";
		kvp_error err;

		assert_int_equal(kvp_config_parse(bad, strlen(bad), "c/config.json", &m, &src,
		                                  &err), KVP_ERR_PARSE);
		assert_int_equal(err.line, 1);
		assert_int_equal(err.column, 33);
	}
	/* A model_type that is not a string, and a latent-attention type
	 * without its latent's rank, are refused. */
	expect_error("{\"model_type\": 5, \"num_hidden_layers\": 2,"
	             " \"num_attention_heads\": 4, \"hidden_size\": 256}", KVP_ERR_PARSE,
	             "model_type: expected a string, found an integer");
	expect_error("{\"model_type\": \"deepseek_v3\", \"num_hidden_layers\": 2,"
	             " \"num_attention_heads\": 4, \"hidden_size\": 256, \"kv_lora_rank\": 0}",
	             KVP_ERR_PARSE, "kv_lora_rank: 0: model_type deepseek_v3 is multi-head latent");
	expect_error("{\"model_type\": \"glm_moe_dsa\", \"num_hidden_layers\": 2,"
	             " \"num_attention_heads\": 4, \"hidden_size\": 256, \"kv_lora_rank\": null}",
	             KVP_ERR_PARSE, "kv_lora_rank: null: model_type glm_moe_dsa is multi-head latent");
	/* A null rank is plain heads where vLLM takes it so (is_deepseek_mla:
	 * kv_lora_rank is not None): DeepSeek-OCR's language model, 10 heads
	 * of 128. */
	expect_ok("{\"model_type\": \"deepseek_v2\", \"num_hidden_layers\": 12,"
	          " \"num_attention_heads\": 10, \"num_key_value_heads\": 10,"
	          " \"hidden_size\": 1280, \"kv_lora_rank\": null, \"use_mla\": false}", &m, &src);
	assert_int_equal(m.kv_lora_rank, 0);
	assert_int_equal(m.head_dim, 128);
	assert_int_equal(m.kv_heads, 10);
	/* llava: text_config without its own model_type. */
	expect_ok("{\"model_type\": \"llava\", \"text_config\": {"
	          " \"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
	          " \"hidden_size\": 256}}", &m, &src);
	assert_int_equal(m.layers, 2);
}

/* A warning quotes its path escaped, so that it stays one line whatever
 * the directory is called (fuzz_cli found it). */
static void test_warning_path_escaped(void **state)
{
	static const char dup[] = "{\"num_hidden_layers\": 2, \"hidden_size\": 256,"
	                          " \"num_attention_heads\": 4, \"num_attention_heads\": 4}";
	static const char nan[] = "{\"num_hidden_layers\": 2, \"hidden_size\": 256,"
	                          " \"num_attention_heads\": 4, \"x\": NaN}";
	kvp_model m;
	kvp_source src;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_config_parse(dup, strlen(dup), "a\nkvplan: b/config.json",
	                                  &m, &src, &err), KVP_OK);
	assert_int_equal(src.n_warnings, 1);
	assert_non_null(strstr(src.warnings[0], "a\\nkvplan: b/config.json:1:"));
	assert_null(strchr(src.warnings[0], '\n'));
	assert_int_equal(kvp_config_parse(nan, strlen(nan), "a\x1b[2J/config.json",
	                                  &m, &src, &err), KVP_OK);
	assert_int_equal(src.n_warnings, 1);
	assert_non_null(strstr(src.warnings[0], "a\\x1b[2J/config.json: 1 NaN"));
}

static void test_malformed(void **state)
{
	(void)state;
	expect_error("{\"num_hidden_layers\": 2,", KVP_ERR_PARSE, "");
	expect_error("[1, 2]", KVP_ERR_PARSE, "not a JSON object");
	expect_error("{\"num_hidden_layers\": \"32\", \"num_attention_heads\": 4}",
	             KVP_ERR_PARSE, "num_hidden_layers: expected a number, found a string");
	expect_error("{\"num_hidden_layers\": -1, \"num_attention_heads\": 4}",
	             KVP_ERR_PARSE, "num_hidden_layers: integer is not a whole number");
	expect_error("{\"num_hidden_layers\": 2.5, \"num_attention_heads\": 4}",
	             KVP_ERR_PARSE, "num_hidden_layers: number is not a whole number");
	expect_error("{\"num_hidden_layers\": 99999999999999999999}", KVP_ERR_PARSE, "");
	expect_error("{\"num_attention_heads\": 4}", KVP_ERR_PARSE,
	             "num_hidden_layers: missing");
	expect_error("{\"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
	             " \"hidden_size\": 64, \"num_nextn_predict_layers\": -1}", KVP_ERR_PARSE,
	             "num_nextn_predict_layers: integer is not a whole number");
	expect_error("{\"num_hidden_layers\": 2, \"num_attention_heads\": 4,"
	             " \"hidden_size\": 64, \"mtp_num_hidden_layers\": \"1\"}", KVP_ERR_PARSE,
	             "mtp_num_hidden_layers: expected a number, found a string");
	expect_error("{\"num_hidden_layers\": 70000, \"num_attention_heads\": 4,"
	             " \"hidden_size\": 64}", KVP_ERR_PARSE, "num_hidden_layers");
	expect_error("{\"num_hidden_layers\": 2, \"num_attention_heads\": 3,"
	             " \"hidden_size\": 64}", KVP_ERR_SHAPE, "");
	expect_error("{\"model_type\": \"gemma2\", \"num_hidden_layers\": 2,"
	             " \"num_attention_heads\": 4, \"hidden_size\": 64,"
	             " \"sliding_window_pattern\": 0}", KVP_ERR_PARSE,
	             "0 is not a layer interval");
}

/* The file itself: a directory stands for its config.json, a FIFO and a
 * file past the cap are refused, and the parameters come from the index
 * beside it. */
static void test_files(void **state)
{
	kvp_model m;
	kvp_source src;
	kvp_weights w;
	kvp_error err;
	char path[1024];
	const char *cfg;
	FILE *f;

	(void)state;
	cfg = testutil_write_file("Llama-2-7b-hf/config.json", llama2_7b);
	snprintf(path, sizeof path, "%s", cfg);
	*strrchr(path, '/') = '\0';
	assert_int_equal(kvp_config_read(path, &m, &src, &w, &err), KVP_OK);
	assert_string_equal(m.name, "Llama-2-7b-hf");
	assert_int_equal(kvp_source_find(&src, "params")->origin, KVP_ORIGIN_ESTIMATED);
	/* meta-llama/Llama-2-7b-hf's index: total_size 13,476,839,424 B of
	 * fp16 = 6,738,419,712 values. */
	testutil_write_file("Llama-2-7b-hf/model.safetensors.index.json",
	                    "{\"metadata\": {\"total_size\": 13476839424},"
	                    " \"weight_map\": {}}");
	assert_int_equal(kvp_config_read(path, &m, &src, &w, &err), KVP_OK);
	assert_int_equal(m.params, 6738419712ull);
	assert_int_equal(w.index_total_size, 13476839424ull);
	assert_int_equal(kvp_source_find(&src, "params")->origin, KVP_ORIGIN_DERIVED);

	snprintf(path, sizeof path, "%s/fifo.json", testutil_tmpdir());
	assert_int_equal(mkfifo(path, 0600), 0);
	assert_int_equal(kvp_config_read(path, &m, &src, NULL, &err), KVP_ERR_IO);
	assert_non_null(strstr(err.message, "not a regular file"));
	snprintf(path, sizeof path, "%s/big.json", testutil_tmpdir());
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(ftruncate(fileno(f), KVP_CONFIG_MAX_BYTES + 1), 0);
	fclose(f);
	assert_int_equal(kvp_config_read(path, &m, &src, NULL, &err), KVP_ERR_IO);
	assert_non_null(strstr(err.message, "not a config.json"));
	assert_int_equal(kvp_config_read("/nonexistent/config.json", &m, &src,
	                                 NULL, &err), KVP_ERR_NOT_FOUND);
}

/* Every allocation, jansson's included, may fail: out of memory and no
 * leak, every time, until the read completes. */
static void test_alloc_failure(void **state)
{
	unsigned long n;
	long live = testutil_live_blocks();

	(void)state;
	for (n = 1;; n++) {
		kvp_model m;
		kvp_source src;
		kvp_error err;
		kvp_status st;

		testutil_fail_at(n);
		st = kvp_config_parse(llama2_7b, strlen(llama2_7b), "t.json", &m, &src, &err);
		testutil_fail_at(0);
		assert_int_equal(testutil_live_blocks(), live);
		if (st == KVP_OK)
			break;
		assert_int_equal(st, KVP_ERR_NOMEM);
	}
	/* jansson's document, its keys and its values: several were tried. */
	assert_true(n > 5);
}

/* A 70,000-byte token: jansson doubles its token buffer to 131,072 B,
 * past the reserve's fixed 64 KiB, which also holds twice the input for
 * that (lib/json_load.c).  Under AddressSanitizer a reserve too small
 * shows as jansson 2.14 reading past its buffer. */
static void test_alloc_failure_long_token(void **state)
{
	static const char head[] = "{\"model_type\": \"llama\", \"num_hidden_layers\": 4,"
	                           " \"hidden_size\": 512, \"num_attention_heads\": 8,"
	                           " \"_name_or_path\": \"";
	size_t length = sizeof head - 1 + 70000 + 2;
	char *text = malloc(length + 1);
	kvp_model m;
	long live;
	unsigned long n;

	(void)state;
	assert_non_null(text);
	memcpy(text, head, sizeof head - 1);
	memset(text + sizeof head - 1, 'x', 70000);
	memcpy(text + length - 2, "\"}", 3);
	live = testutil_live_blocks();
	for (n = 1;; n++) {
		kvp_source src;
		kvp_error err;
		kvp_status st;

		testutil_fail_at(n);
		st = kvp_config_parse(text, length, "t.json", &m, &src, &err);
		testutil_fail_at(0);
		assert_int_equal(testutil_live_blocks(), live);
		if (st == KVP_OK)
			break;
		assert_int_equal(st, KVP_ERR_NOMEM);
	}
	assert_int_equal(m.layers, 4);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_catalogue_equal),
		cmocka_unit_test(test_alloc_failure_long_token),
		cmocka_unit_test(test_llama2_estimate),
		cmocka_unit_test(test_fp32_weights),
		cmocka_unit_test(test_quantization_config),
		cmocka_unit_test(test_explicit_head_dim),
		cmocka_unit_test(test_per_layer_heads),
		cmocka_unit_test(test_layer_types),
		cmocka_unit_test(test_gemma3_defaults),
		cmocka_unit_test(test_falcon),
		cmocka_unit_test(test_mla_by_fields),
		cmocka_unit_test(test_window_rules),
		cmocka_unit_test(test_hybrids),
		cmocka_unit_test(test_real_file_quirks),
		cmocka_unit_test(test_warning_path_escaped),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_vision_config),
		cmocka_unit_test(test_mtp_layers),
		cmocka_unit_test(test_files),
		cmocka_unit_test(test_alloc_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
