/*
 * test_hf_count.c — a config.json's parameters counted tensor by tensor
 * where no checkpoint is beside it (lib/hf_count.c, lib/hf_vision.c), for
 * the families and parts the catalogue's models do not cover; each
 * catalogue model's count is test_hfconfig.c's (test_catalogue_equal).
 * Every figure is worked by hand below.
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

/* EleutherAI's Pythia-160M (GPTNeoXForCausalLM; its config's figures):
 * LayerNorms of weight and bias, every linear biased, an MLP of up and
 * down, the head untied.  embed_in and embed_out 2 x 50304 x 768 =
 * 77,266,944; a layer: two LayerNorms 4 x 768 = 3,072, query_key_value
 * 768 x 2304 + 2304 = 1,771,776, dense 768^2 + 768 = 590,592,
 * dense_h_to_4h 768 x 3072 + 3072 = 2,362,368, dense_4h_to_h 3072 x 768
 * + 768 = 2,360,064: 7,087,872, x 12 = 85,054,464; final LayerNorm
 * 1,536: 162,322,944, the count the Pythia suite's README gives it. */
static void test_gpt_neox(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"gpt_neox\", \"hidden_size\": 768,"
	          " \"intermediate_size\": 3072, \"num_attention_heads\": 12,"
	          " \"num_hidden_layers\": 12, \"vocab_size\": 50304,"
	          " \"max_position_embeddings\": 2048, \"rotary_pct\": 0.25,"
	          " \"tie_word_embeddings\": false}", &m, &src);
	assert_int_equal(m.params, 162322944ull);
	assert_int_equal(m.mtp_params, 0);
	assert_int_equal(m.vision_params, 0);
	assert_int_equal(kvp_source_find(&src, "params")->origin, KVP_ORIGIN_ESTIMATED);
}

/* Microsoft's phi-2 (PhiForCausalLM): one LayerNorm a layer before
 * attention and MLP in parallel, every linear biased, the head too.
 * embed_tokens 51200 x 2560 = 131,072,000; a layer: its LayerNorm 5,120,
 * q, k, v and dense 4 x (2560^2 + 2560) = 26,224,640, fc1 2560 x 10240 +
 * 10240 = 26,224,640, fc2 10240 x 2560 + 2560 = 26,216,960: 78,671,360,
 * x 32 = 2,517,483,520; final LayerNorm 5,120; lm_head 131,072,000 and
 * its bias 51,200: 2,779,683,840. */
static void test_phi(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"phi\", \"hidden_size\": 2560,"
	          " \"intermediate_size\": 10240, \"num_attention_heads\": 32,"
	          " \"num_key_value_heads\": 32, \"num_hidden_layers\": 32,"
	          " \"vocab_size\": 51200, \"max_position_embeddings\": 2048,"
	          " \"partial_rotary_factor\": 0.4, \"tie_word_embeddings\": false}",
	          &m, &src);
	assert_int_equal(m.params, 2779683840ull);
	/* qk_layernorm: q_layernorm and k_layernorm, LayerNorms of head_dim
	 * 80 with their biases, 32 x 4 x 80 = 10,240 more */
	expect_ok("{\"model_type\": \"phi\", \"hidden_size\": 2560,"
	          " \"intermediate_size\": 10240, \"num_attention_heads\": 32,"
	          " \"num_key_value_heads\": 32, \"num_hidden_layers\": 32,"
	          " \"vocab_size\": 51200, \"max_position_embeddings\": 2048,"
	          " \"partial_rotary_factor\": 0.4, \"tie_word_embeddings\": false,"
	          " \"qk_layernorm\": true}", &m, &src);
	assert_int_equal(m.params, 2779683840ull + 10240);
}

/* Falcon with bias true and attention not in parallel: two LayerNorms a
 * layer (input_layernorm, post_attention_layernorm), every linear
 * biased, the MLP 4 x hidden, the head tied (FalconConfig's default).
 * A layer of hidden 64 and 4 heads of 16: LayerNorms 2 x 2 x 64 = 256,
 * q, k, v and dense 4 x 64^2 = 16,384 and their biases 4 x 64 = 256,
 * up and down 2 x 64 x 256 = 32,768 and their biases 256 + 64 = 320:
 * 49,984, x 2 = 99,968; embeddings 100 x 64 = 6,400; ln_f 128: 106,496.
 * In parallel (one LayerNorm) 256 fewer; without bias 2 x (256 + 320) =
 * 1,152 fewer. */
static void test_falcon_shapes(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"falcon\", \"hidden_size\": 64,"
	          " \"num_attention_heads\": 4, \"num_hidden_layers\": 2, \"vocab_size\": 100,"
	          " \"multi_query\": false, \"new_decoder_architecture\": false,"
	          " \"parallel_attn\": false, \"bias\": true}", &m, &src);
	assert_int_equal(m.params, 106496);
	expect_ok("{\"model_type\": \"falcon\", \"hidden_size\": 64,"
	          " \"num_attention_heads\": 4, \"num_hidden_layers\": 2, \"vocab_size\": 100,"
	          " \"multi_query\": false, \"new_decoder_architecture\": false,"
	          " \"parallel_attn\": true, \"bias\": true}", &m, &src);
	assert_int_equal(m.params, 106496 - 256);
	expect_ok("{\"model_type\": \"falcon\", \"hidden_size\": 64,"
	          " \"num_attention_heads\": 4, \"num_hidden_layers\": 2, \"vocab_size\": 100,"
	          " \"multi_query\": false, \"new_decoder_architecture\": false,"
	          " \"parallel_attn\": false, \"bias\": false}", &m, &src);
	assert_int_equal(m.params, 106496 - 1152);
	/* vLLM's rule: attention not in parallel keeps two LayerNorms in the
	 * new architecture too; in parallel, two where num_ln_in_parallel_attn
	 * is 2, in the old architecture too */
	expect_ok("{\"model_type\": \"falcon\", \"hidden_size\": 64,"
	          " \"num_attention_heads\": 4, \"num_kv_heads\": 4, \"num_hidden_layers\": 2,"
	          " \"vocab_size\": 100, \"new_decoder_architecture\": true,"
	          " \"num_ln_in_parallel_attn\": 1, \"parallel_attn\": false, \"bias\": true}",
	          &m, &src);
	assert_int_equal(m.params, 106496);
	expect_ok("{\"model_type\": \"falcon\", \"hidden_size\": 64,"
	          " \"num_attention_heads\": 4, \"num_hidden_layers\": 2, \"vocab_size\": 100,"
	          " \"multi_query\": false, \"new_decoder_architecture\": false,"
	          " \"num_ln_in_parallel_attn\": 2, \"parallel_attn\": true, \"bias\": true}",
	          &m, &src);
	assert_int_equal(m.params, 106496);
}

/* OPT (OPTForCausalLM): learned positions of max_position_embeddings + 2,
 * LayerNorms, every linear biased, fc1 and fc2, the head tied.  OPT-125M:
 * embed_tokens 50272 x 768 = 38,608,896, positions 2050 x 768 =
 * 1,574,400, 12 layers of (two LayerNorms 3,072, q, k, v and out 4 x
 * (768^2 + 768) = 2,362,368, fc1 768 x 3072 + 3072 = 2,362,368, fc2 3072
 * x 768 + 768 = 2,360,064) = 85,054,464, the final LayerNorm 1,536:
 * 125,239,296.  OPT-350M embeds 512 wide with project_in and project_out
 * (2 x 512 x 1024) and, without do_layer_norm_before, no final LayerNorm:
 * 50272 x 512 = 25,739,264, 2050 x 1024 = 2,099,200, 1,048,576, 24 x
 * 12,596,224 = 302,309,376: 331,196,416.  Both the counts the OPT models
 * are known by. */
static void test_opt(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"opt\", \"hidden_size\": 768, \"ffn_dim\": 3072,"
	          " \"num_attention_heads\": 12, \"num_hidden_layers\": 12,"
	          " \"vocab_size\": 50272, \"max_position_embeddings\": 2048,"
	          " \"word_embed_proj_dim\": 768, \"do_layer_norm_before\": true}", &m, &src);
	assert_int_equal(m.params, 125239296ull);
	expect_ok("{\"model_type\": \"opt\", \"hidden_size\": 1024, \"ffn_dim\": 4096,"
	          " \"num_attention_heads\": 16, \"num_hidden_layers\": 24,"
	          " \"vocab_size\": 50272, \"max_position_embeddings\": 2048,"
	          " \"word_embed_proj_dim\": 512, \"do_layer_norm_before\": false}", &m, &src);
	assert_int_equal(m.params, 331196416ull);
}

/* BLOOM-560M (BloomForCausalLM): the embedding's LayerNorm, every linear
 * biased, an MLP of 4 x hidden, the head tied.  word_embeddings 250880 x
 * 1024 = 256,901,120 and its LayerNorm 2,048; 24 layers of (two
 * LayerNorms 4,096, query_key_value 1024 x 3072 + 3072, dense 1024^2 +
 * 1024, dense_h_to_4h 1024 x 4096 + 4096, dense_4h_to_h 4096 x 1024 +
 * 1024: 12,596,224) = 302,309,376; ln_f 2,048: 559,214,592. */
static void test_bloom(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"bloom\", \"hidden_size\": 1024, \"n_head\": 16,"
	          " \"n_layer\": 24, \"vocab_size\": 250880}", &m, &src);
	assert_int_equal(m.params, 559214592ull);
}

/* Qwen2-MoE: q, k and v biased, routed experts beside a shared expert
 * and its gate.  One layer of hidden 16, 2 heads and 1 kv head of 8:
 * RMSNorms 32; q 16 x 16 + 16, k and v 2 x (16 x 8 + 8), o 16 x 16: 800;
 * router 16 x 4 = 64, 4 experts of 3 x 16 x 8 = 1,536, the shared
 * expert 3 x 16 x 32 = 1,536 and its gate 16: 3,152; 3,984 a layer;
 * embeddings and head 2 x 10 x 16 = 320; final norm 16: 4,320. */
static void test_qwen2_moe(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"qwen2_moe\", \"hidden_size\": 16,"
	          " \"num_attention_heads\": 2, \"num_key_value_heads\": 1,"
	          " \"num_hidden_layers\": 1, \"vocab_size\": 10, \"num_experts\": 4,"
	          " \"num_experts_per_tok\": 2, \"moe_intermediate_size\": 8,"
	          " \"shared_expert_intermediate_size\": 32, \"intermediate_size\": 64}",
	          &m, &src);
	assert_int_equal(m.params, 4320);
}

/* A Llama with attention_bias and mlp_bias: q, k, v and o biased (16 +
 * 2 x 8 + 16 = 48), gate, up and down (2 x 32 + 16 = 80).  One layer of
 * hidden 16, 2 heads and 1 kv head of 8, MLP 32: norms 32, attention
 * 16 x 16 x 2 + 2 x 16 x 8 = 768, MLP 3 x 16 x 32 = 1,536; embeddings and
 * head 2 x 10 x 16 = 320, final norm 16: 2,672, and 128 more biased. */
static void test_llama_biases(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"llama\", \"hidden_size\": 16,"
	          " \"num_attention_heads\": 2, \"num_key_value_heads\": 1,"
	          " \"num_hidden_layers\": 1, \"vocab_size\": 10, \"intermediate_size\": 32}",
	          &m, &src);
	assert_int_equal(m.params, 2672);
	expect_ok("{\"model_type\": \"llama\", \"hidden_size\": 16,"
	          " \"num_attention_heads\": 2, \"num_key_value_heads\": 1,"
	          " \"num_hidden_layers\": 1, \"vocab_size\": 10, \"intermediate_size\": 32,"
	          " \"attention_bias\": true, \"mlp_bias\": true}", &m, &src);
	assert_int_equal(m.params, 2672 + 128);
	expect_ok("{\"model_type\": \"llama\", \"hidden_size\": 16,"
	          " \"num_attention_heads\": 2, \"num_key_value_heads\": 1,"
	          " \"num_hidden_layers\": 1, \"vocab_size\": 10, \"intermediate_size\": 32,"
	          " \"mlp_bias\": true}", &m, &src);
	assert_int_equal(m.params, 2672 + 80);
}

/* An MTP layer of another family than DeepSeek's, Kimi's and GLM-4.5's
 * holds no copy of the embedding and head (MiMo's and ERNIE's share the
 * model's): the Llama layer above, 2,336, with enorm, hnorm and the final
 * norm 3 x 16 and eh_proj 2 x 16 x 16 = 512: 2,896 more, none of them
 * copies. */
static void test_mtp_without_copies(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"llama\", \"hidden_size\": 16,"
	          " \"num_attention_heads\": 2, \"num_key_value_heads\": 1,"
	          " \"num_hidden_layers\": 1, \"vocab_size\": 10, \"intermediate_size\": 32,"
	          " \"num_nextn_predict_layers\": 1}", &m, &src);
	assert_int_equal(m.params, 2672 + 2896);
	assert_int_equal(m.mtp_params, 2896);
	assert_int_equal(m.mtp_shared_params, 0);
}

/* GLM-4 (Glm4ForCausalLM): four RMSNorms a layer, q, k and v biased by
 * attention_bias and o never: the Llama layer's 2,336 and 32 more norms,
 * 32 of biases (16 + 8 + 8): 2,400; embeddings and head 320, final norm
 * 16: 2,736.  Cohere (CohereForCausalLM): one norm of a weight alone a
 * layer, the head tied, q_norm and k_norm of every head's and kv head's
 * values with use_qk_norm (16 + 8): 16 + 768 + 1,536 + 24 = 2,344, the
 * embedding 160, the final norm 16: 2,520, and 24 fewer without. */
static void test_glm4_cohere(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"glm4\", \"hidden_size\": 16,"
	          " \"num_attention_heads\": 2, \"num_key_value_heads\": 1,"
	          " \"num_hidden_layers\": 1, \"vocab_size\": 10, \"intermediate_size\": 32,"
	          " \"attention_bias\": true}", &m, &src);
	assert_int_equal(m.params, 2736);
	expect_ok("{\"model_type\": \"cohere\", \"hidden_size\": 16,"
	          " \"num_attention_heads\": 2, \"num_key_value_heads\": 1,"
	          " \"num_hidden_layers\": 1, \"vocab_size\": 10, \"intermediate_size\": 32,"
	          " \"use_qk_norm\": true}", &m, &src);
	assert_true(m.tie_embeddings);
	assert_int_equal(m.params, 2520);
	expect_ok("{\"model_type\": \"cohere\", \"hidden_size\": 16,"
	          " \"num_attention_heads\": 2, \"num_key_value_heads\": 1,"
	          " \"num_hidden_layers\": 1, \"vocab_size\": 10, \"intermediate_size\": 32}",
	          &m, &src);
	assert_int_equal(m.params, 2520 - 24);
}

/* Nemotron (Nemotron-4, Minitron): LayerNorm1P's weight and bias, an MLP
 * of up and down (relu2), the head untied.  One layer of hidden 16, 2
 * heads and 1 kv head of 8, MLP 32: norms 2 x 2 x 16 = 64, attention
 * 768, up and down 2 x 16 x 32 = 1,024: 1,856; embeddings and head 2 x
 * 10 x 16 = 320; the final norm 32: 2,208. */
static void test_nemotron(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"nemotron\", \"hidden_size\": 16,"
	          " \"num_attention_heads\": 2, \"num_key_value_heads\": 1,"
	          " \"num_hidden_layers\": 1, \"vocab_size\": 10, \"intermediate_size\": 32}",
	          &m, &src);
	assert_int_equal(m.params, 2208);
}

/* MiniMind's experts are off (use_moe false) and its head shares the
 * embedding (its config class keeps PretrainedConfig's tie): one dense
 * layer of hidden 16, 2 heads and 1 kv head of 8, MLP 32: 32 + 768 +
 * 1,536 = 2,336; embedding 10 x 16 = 160; final norm 16: 2,512. */
static void test_minimind(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"minimind\", \"hidden_size\": 16,"
	          " \"num_attention_heads\": 2, \"num_key_value_heads\": 1,"
	          " \"num_hidden_layers\": 1, \"vocab_size\": 10, \"intermediate_size\": 32,"
	          " \"use_moe\": false, \"n_routed_experts\": 4, \"n_shared_experts\": 1,"
	          " \"num_experts_per_tok\": 2}", &m, &src);
	assert_true(m.tie_embeddings);
	assert_int_equal(m.params, 2512);
}

/* A Gemma 3 vision_config counted whole, its projector with it; a
 * multimodal family kvplan does not count is none.  SigLIP of hidden
 * 8, intermediate 16, 1 layer, patch 2, image 4, 3 channels: patch conv
 * 3 x 2 x 2 x 8 + 8 = 104, positions (4 / 2)^2 x 8 = 32, the layer 4 x
 * 64 + 2 x 8 x 16 + 9 x 8 + 16 = 600, post LayerNorm 16: 752; projector
 * 8 x 16 (the text hidden) + 8 = 136: 888. */
static void test_vision(void **state)
{
	static const char text[] = "\"text_config\": {\"model_type\": \"gemma3_text\","
		" \"hidden_size\": 16, \"num_attention_heads\": 2, \"num_key_value_heads\": 1,"
		" \"head_dim\": 8, \"num_hidden_layers\": 1, \"vocab_size\": 10,"
		" \"intermediate_size\": 32}";
	char json[1024];
	kvp_model m;
	kvp_source src;
	uint64_t bare;

	(void)state;
	snprintf(json, sizeof json, "{\"model_type\": \"gemma3\", %s}", text);
	expect_ok(json, &m, &src);
	assert_int_equal(m.vision_params, 0);
	bare = m.params;
	snprintf(json, sizeof json, "{\"model_type\": \"gemma3\", %s, \"vision_config\":"
	         " {\"hidden_size\": 8, \"intermediate_size\": 16, \"num_hidden_layers\": 1,"
	         " \"patch_size\": 2, \"image_size\": 4, \"vision_use_head\": false}}", text);
	expect_ok(json, &m, &src);
	assert_int_equal(m.vision_params, 888);
	assert_int_equal(m.params, bare + 888);
	snprintf(json, sizeof json, "{\"model_type\": \"llava\", %s, \"vision_config\":"
	         " {\"hidden_size\": 8, \"intermediate_size\": 16, \"num_hidden_layers\": 1}}",
	         text);
	expect_ok(json, &m, &src);
	/* LLaVA's default tower, CLIP's, counted (tests/test_hf_vision.c):
	 * a class embedding 8, no patch (patch_size absent), one position 8,
	 * pre and post LayerNorms 32, a layer 4 x 64 + 2 x 128 + 9 x 8 + 16
	 * = 600; the projector 8 x 16, 16^2 and biases 32 = 416: 1,064 */
	assert_int_equal(m.vision_params, 1064);
	/* a family not counted is not read: PaliGemma's, given a list where
	 * a number goes */
	snprintf(json, sizeof json, "{\"model_type\": \"paligemma\", %s, \"vision_config\":"
	         " {\"hidden_size\": 8, \"image_size\": [448, 448], \"patch_size\": [14, 14]}}",
	         text);
	expect_ok(json, &m, &src);
	assert_int_equal(m.vision_params, 0);
	/* a counted family's figure past 2^20 is refused, not wrapped */
	snprintf(json, sizeof json, "{\"model_type\": \"gemma3\", %s, \"vision_config\":"
	         " {\"hidden_size\": 8, \"intermediate_size\": 16, \"num_hidden_layers\": 1,"
	         " \"patch_size\": 2097152, \"image_size\": 4}}", text);
	expect_error(json, KVP_ERR_PARSE, "vision_config.patch_size");
}

/* The towers an engine loads (kvp_model_loads_towers): Llama 4 Scout's
 * profile, 108,641,793,536 parameters of which its tower and projector
 * 871,932,416 (data/models/llama4-scout.yaml), under SGLang without them
 * (its Llama 4 builds the vision model only with --enable-multimodal),
 * 107,769,861,120; under vLLM with them; Gemma 3 4B's under SGLang with
 * them (its Gemma 3 builds the tower whatever the flag), and under
 * llama.cpp without (its mmproj file): 4,300,079,472 - 419,816,304 =
 * 3,880,263,168. */
static void test_towers_loaded(void **state)
{
	const char *dirs[] = {KVP_TEST_DATADIR};
	kvp_catalog *cat = NULL;
	kvp_model scout, gemma;
	kvp_request r;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_catalog_open(&cat, dirs, 1, &err), KVP_OK);
	assert_int_equal(kvp_catalog_model(cat, "llama4-scout", &scout, &err), KVP_OK);
	assert_int_equal(kvp_catalog_model(cat, "gemma3-4b", &gemma, &err), KVP_OK);
	kvp_request_init(&r);
	r.engine = KVP_ENGINE_SGLANG;
	assert_true(kvp_request_loads_towers(&r));
	assert_false(kvp_model_loads_towers(&scout, &r));
	assert_int_equal(kvp_model_loaded_params(&scout, &r), 107769861120ull);
	assert_true(kvp_model_loads_towers(&gemma, &r));
	assert_int_equal(kvp_model_loaded_params(&gemma, &r), 4300079472ull);
	r.engine = KVP_ENGINE_VLLM;
	assert_true(kvp_model_loads_towers(&scout, &r));
	assert_int_equal(kvp_model_loaded_params(&scout, &r), 108641793536ull);
	r.engine = KVP_ENGINE_LLAMA_CPP;
	assert_false(kvp_model_loads_towers(&gemma, &r));
	assert_int_equal(kvp_model_loaded_params(&gemma, &r), 3880263168ull);
	/* no model: the request's answer */
	r.engine = KVP_ENGINE_SGLANG;
	assert_true(kvp_model_loads_towers(NULL, &r));
	kvp_catalog_free(&cat);
}

/* DeepSeek-V3's config.json (tests/configs/deepseek-v3, an fp8
 * quantization_config) beside an index without its shards: the shape's
 * count, its MTP layer's 13,463,426,304 (1,853,358,080 of them copies of
 * the embedding and head) where the weight_map names model.layers.61,
 * and without them, the main model's 671,026,419,200, where it names
 * none (before, the copies outlived the layer and the read failed). */
static void test_index_mtp(void **state)
{
	static const char index[] = "{\"metadata\": {\"total_size\": 688574839360},"
		" \"weight_map\": {\"model.embed_tokens.weight\": \"a.safetensors\"%s}}";
	char path[1024], text[256], *json;
	kvp_model m;
	kvp_source src;
	kvp_error err;
	FILE *f;
	long n;

	(void)state;
	snprintf(path, sizeof path, "%s/tests/configs/deepseek-v3/config.json", KVP_TEST_SRCDIR);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	assert_true(n > 0 && fseek(f, 0, SEEK_SET) == 0);
	json = test_malloc((size_t)n + 1);
	assert_int_equal(fread(json, 1, (size_t)n, f), (size_t)n);
	json[n] = '\0';
	fclose(f);
	snprintf(path, sizeof path, "%s", testutil_write_file("ds/config.json", json));
	test_free(json);
	snprintf(text, sizeof text, index, ", \"model.layers.61.eh_proj.weight\": \"b.safetensors\"");
	testutil_write_file("ds/model.safetensors.index.json", text);
	assert_int_equal(kvp_config_read(path, &m, &src, NULL, &err), KVP_OK);
	assert_int_equal(m.params, 684489845504ull);
	assert_int_equal(m.mtp_params, 13463426304ull);
	assert_int_equal(m.mtp_shared_params, 1853358080ull);
	snprintf(text, sizeof text, index, "");
	testutil_write_file("ds/model.safetensors.index.json", text);
	if (kvp_config_read(path, &m, &src, NULL, &err) != KVP_OK)
		fail_msg("%s", err.message);
	assert_int_equal(m.params, 671026419200ull);
	assert_int_equal(m.mtp_params, 0);
	assert_int_equal(m.mtp_shared_params, 0);
	assert_int_equal(m.mtp_layers, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gpt_neox),
		cmocka_unit_test(test_phi),
		cmocka_unit_test(test_falcon_shapes),
		cmocka_unit_test(test_opt),
		cmocka_unit_test(test_bloom),
		cmocka_unit_test(test_qwen2_moe),
		cmocka_unit_test(test_llama_biases),
		cmocka_unit_test(test_mtp_without_copies),
		cmocka_unit_test(test_glm4_cohere),
		cmocka_unit_test(test_nemotron),
		cmocka_unit_test(test_minimind),
		cmocka_unit_test(test_vision),
		cmocka_unit_test(test_towers_loaded),
		cmocka_unit_test(test_index_mtp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
