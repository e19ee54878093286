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
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"
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
	assert_int_equal(m.vision_params, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gpt_neox),
		cmocka_unit_test(test_phi),
		cmocka_unit_test(test_falcon_shapes),
		cmocka_unit_test(test_qwen2_moe),
		cmocka_unit_test(test_llama_biases),
		cmocka_unit_test(test_nemotron),
		cmocka_unit_test(test_minimind),
		cmocka_unit_test(test_vision),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
