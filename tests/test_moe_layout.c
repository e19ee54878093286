/*
 * test_moe_layout.c — a mixture of experts' dense and routed layers read
 * from each input (kvp_model moe_*): GGUF as llama.cpp's converter writes
 * GLM-4.5's and Llama 4 Maverick's keys, and config.json (the
 * catalogue's own configs are held to their profiles in test_hfconfig.c);
 * models whose every layer routes are left alike layer by layer, with
 * their experts' sizes and top-k for the activations.
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

static void u32(ggufw *w, const char *arch, const char *suffix, uint32_t value)
{
	char key[96];

	snprintf(key, sizeof key, "%s.%s", arch, suffix);
	ggufw_kv_uint(w, key, GGUFW_U32, value);
}

/* The keys every model here has: 48 layers of 5120 with 40 heads of 128,
 * 8 kv heads. */
static void base(ggufw *w, const char *arch)
{
	ggufw_init(w, 3);
	ggufw_kv_str(w, "general.architecture", arch);
	u32(w, arch, "block_count", 48);
	u32(w, arch, "embedding_length", 5120);
	u32(w, arch, "attention.head_count", 40);
	u32(w, arch, "attention.head_count_kv", 8);
	u32(w, arch, "attention.key_length", 128);
	u32(w, arch, "attention.value_length", 128);
}

static kvp_model parse(ggufw *w)
{
	kvp_model m;
	kvp_source src;
	kvp_weights weights;
	kvp_error err;

	ggufw_finish(w, 1);
	kvp_weights_init(&weights);
	if (kvp_gguf_parse(w->buf, w->len, "m.gguf", &m, &src, &weights, &err) != KVP_OK)
		fail_msg("%s", err.message);
	ggufw_free(w);
	return m;
}

/* GLM-4.5's keys as llama.cpp's converter writes them for glm4moe (its
 * config.json: first_k_dense_replace 3, intermediate_size 12288,
 * n_routed_experts 160 of moe_intermediate_size 1536, n_shared_experts
 * 1): leading_dense_block_count 3 of feed_forward_length 12288, then
 * expert_count 160 of expert_feed_forward_length 1536 and
 * expert_shared_count 1 (DeepSeek's deepseek2 the same keys). */
static void test_gguf_leading_dense(void **state)
{
	ggufw w;
	kvp_model m;

	(void)state;
	base(&w, "glm4moe");
	u32(&w, "glm4moe", "feed_forward_length", 12288);
	u32(&w, "glm4moe", "leading_dense_block_count", 3);
	u32(&w, "glm4moe", "expert_feed_forward_length", 1536);
	u32(&w, "glm4moe", "expert_count", 160);
	u32(&w, "glm4moe", "expert_shared_count", 1);
	m = parse(&w);
	assert_int_equal(m.moe_experts, 160);
	assert_int_equal(m.moe_intermediate, 1536);
	assert_int_equal(m.moe_shared_intermediate, 1536);
	assert_int_equal(m.moe_dense_layers, 3);
	assert_int_equal(m.moe_step, 0);
	assert_int_equal(m.dense_intermediate, 12288);
}

/* Llama 4 Maverick as convert_hf_to_gguf.py's Llama4Model writes it:
 * feed_forward_length the dense intermediate_size_mlp 16384,
 * expert_feed_forward_length intermediate_size 8192, and
 * interleave_moe_layer_step 2; one shared expert of 8192. */
static void test_gguf_interleaved(void **state)
{
	ggufw w;
	kvp_model m;

	(void)state;
	base(&w, "llama4");
	u32(&w, "llama4", "feed_forward_length", 16384);
	u32(&w, "llama4", "expert_feed_forward_length", 8192);
	u32(&w, "llama4", "expert_count", 128);
	u32(&w, "llama4", "interleave_moe_layer_step", 2);
	m = parse(&w);
	assert_int_equal(m.moe_experts, 128);
	assert_int_equal(m.moe_intermediate, 8192);
	assert_int_equal(m.moe_shared_intermediate, 8192);
	assert_int_equal(m.moe_dense_layers, 0);
	assert_int_equal(m.moe_step, 2);
	assert_int_equal(m.dense_intermediate, 16384);
}

/* A GGUF of arch whose every layer routes, with these keys (0: not
 * written). */
static kvp_model every_layer(const char *arch, uint32_t ff, uint32_t expert_ff,
                             uint32_t shared_ff, uint32_t experts, uint32_t used,
                             uint32_t step)
{
	ggufw w;

	base(&w, arch);
	if (ff)
		u32(&w, arch, "feed_forward_length", ff);
	if (expert_ff)
		u32(&w, arch, "expert_feed_forward_length", expert_ff);
	if (shared_ff)
		u32(&w, arch, "expert_shared_feed_forward_length", shared_ff);
	u32(&w, arch, "expert_count", experts);
	u32(&w, arch, "expert_used_count", used);
	if (step)
		u32(&w, arch, "interleave_moe_layer_step", step);
	return parse(&w);
}

/* Every layer routes (Qwen3-MoE; Llama 4 Scout's step 1; Mixtral): the
 * layers weigh alike (moe_experts 0), and the expert's size, the shared
 * experts' and the top-k are kept for the activations:
 * expert_feed_forward_length, else Mixtral's feed_forward_length (its
 * converter writes no expert size); expert_shared_feed_forward_length
 * (Qwen3-Next's), Llama 4's one shared expert of the expert's size;
 * expert_used_count. */
static void test_gguf_every_layer(void **state)
{
	/* arch, the keys (as every_layer takes them), and what is read:
	 * moe_intermediate, moe_shared_intermediate, moe_top_k. */
	static const struct {
		const char *arch;
		uint32_t ff, expert_ff, shared_ff, experts, used, step;
		uint32_t inter, shared, top_k;
	} cases[] = {
		{"qwen3moe", 6144, 768, 0, 128, 8, 0, 768, 0, 8},
		{"llama4", 16384, 8192, 0, 16, 1, 1, 8192, 8192, 1},
		/* Mixtral: llama, its experts of feed_forward_length */
		{"llama", 14336, 0, 0, 8, 2, 0, 14336, 0, 2},
		/* Qwen2-MoE's keys (src/models/qwen2moe.cpp reads
		 * expert_shared_feed_forward_length, as qwen3next.cpp does),
		 * with Qwen3-Next's figures */
		{"qwen2moe", 0, 512, 512, 512, 10, 0, 512, 512, 10},
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kvp_model m = every_layer(cases[i].arch, cases[i].ff, cases[i].expert_ff,
		                          cases[i].shared_ff, cases[i].experts, cases[i].used,
		                          cases[i].step);

		assert_int_equal(m.moe_experts, 0);
		assert_int_equal(m.moe_intermediate, cases[i].inter);
		assert_int_equal(m.moe_shared_intermediate, cases[i].shared);
		assert_int_equal(m.moe_top_k, cases[i].top_k);
		assert_int_equal(m.intermediate, 0);
	}
	/* A top-k past the experts is refused. */
	{
		ggufw w;
		kvp_model m;
		kvp_source src;
		kvp_weights weights;
		kvp_error err;

		base(&w, "qwen3moe");
		u32(&w, "qwen3moe", "expert_feed_forward_length", 768);
		u32(&w, "qwen3moe", "expert_count", 8);
		u32(&w, "qwen3moe", "expert_used_count", 9);
		ggufw_finish(&w, 1);
		kvp_weights_init(&weights);
		assert_int_equal(kvp_gguf_parse(w.buf, w.len, "m.gguf", &m, &src, &weights, &err),
		                 KVP_ERR_PARSE);
		assert_non_null(strstr(err.message,
		                       "qwen3moe.expert_used_count (9) is more than its"
		                       " expert_count (8)"));
		ggufw_free(&w);
	}
}

/* config.json: DeepSeek's n_shared_experts of moe_intermediate_size make
 * the shared width (2 x 1408 = 2816 for DeepSeek-V2-Lite's); Llama 4's
 * step in its text_config; a moe_layer_freq past 1 or an all-routed model
 * left alone. */
static void test_config(void **state)
{
	static const char v2_lite[] =
		"{\"model_type\": \"deepseek_v2\", \"num_hidden_layers\": 27,"
		" \"hidden_size\": 2048, \"num_attention_heads\": 16,"
		" \"num_key_value_heads\": 16, \"kv_lora_rank\": 512,"
		" \"qk_rope_head_dim\": 64, \"qk_nope_head_dim\": 128,"
		" \"v_head_dim\": 128, \"intermediate_size\": 10944,"
		" \"moe_intermediate_size\": 1408, \"n_routed_experts\": 64,"
		" \"n_shared_experts\": 2, \"first_k_dense_replace\": 1%s}";
	static const char maverick[] =
		"{\"model_type\": \"llama4\", \"text_config\": {\"model_type\": \"llama4_text\","
		" \"num_hidden_layers\": 48, \"hidden_size\": 5120,"
		" \"num_attention_heads\": 40, \"num_key_value_heads\": 8,"
		" \"head_dim\": 128, \"intermediate_size\": 8192,"
		" \"intermediate_size_mlp\": 16384, \"num_local_experts\": 128,"
		" \"num_experts_per_tok\": 1, \"interleave_moe_layer_step\": %d}}";
	char text[1024];
	kvp_model m;
	kvp_source src;
	kvp_error err;

	(void)state;
	snprintf(text, sizeof text, v2_lite, "");
	assert_int_equal(kvp_config_parse(text, strlen(text), NULL, &m, &src, &err), KVP_OK);
	assert_int_equal(m.moe_experts, 64);
	assert_int_equal(m.moe_intermediate, 1408);
	assert_int_equal(m.moe_shared_intermediate, 2816);
	assert_int_equal(m.moe_dense_layers, 1);
	assert_int_equal(m.dense_intermediate, 10944);
	assert_int_equal(m.moe_top_k, 0);
	snprintf(text, sizeof text, v2_lite, ", \"num_experts_per_tok\": 6");
	assert_int_equal(kvp_config_parse(text, strlen(text), NULL, &m, &src, &err), KVP_OK);
	assert_int_equal(m.moe_experts, 64);
	assert_int_equal(m.moe_top_k, 6);
	snprintf(text, sizeof text, v2_lite, ", \"moe_layer_freq\": 2");
	assert_int_equal(kvp_config_parse(text, strlen(text), NULL, &m, &src, &err), KVP_OK);
	assert_int_equal(m.moe_experts, 0);
	snprintf(text, sizeof text, maverick, 2);
	assert_int_equal(kvp_config_parse(text, strlen(text), NULL, &m, &src, &err), KVP_OK);
	assert_int_equal(m.moe_experts, 128);
	assert_int_equal(m.moe_step, 2);
	assert_int_equal(m.moe_shared_intermediate, 8192);
	assert_int_equal(m.dense_intermediate, 16384);
	assert_int_equal(m.moe_top_k, 1);
	/* Scout's step 1: every layer routes, among experts of
	 * intermediate_size beside one shared of it. */
	snprintf(text, sizeof text, maverick, 1);
	assert_int_equal(kvp_config_parse(text, strlen(text), NULL, &m, &src, &err), KVP_OK);
	assert_int_equal(m.moe_experts, 0);
	assert_int_equal(m.moe_intermediate, 8192);
	assert_int_equal(m.moe_shared_intermediate, 8192);
	assert_int_equal(m.moe_top_k, 1);
	/* Mixtral without its top-k: the expert's size kept, no top-k; with
	 * more experts a token than it has, refused where it is written. */
	{
		static const char mixtral[] =
			"{\"model_type\": \"mixtral\", \"num_hidden_layers\": 32,"
			" \"hidden_size\": 4096, \"num_attention_heads\": 32,"
			" \"num_key_value_heads\": 8, \"intermediate_size\": 14336,"
			" \"num_local_experts\": 8%s}";

		snprintf(text, sizeof text, mixtral, "");
		assert_int_equal(kvp_config_parse(text, strlen(text), NULL, &m, &src, &err), KVP_OK);
		assert_int_equal(m.moe_intermediate, 14336);
		assert_int_equal(m.moe_top_k, 0);
		snprintf(text, sizeof text, mixtral, ", \"num_experts_per_tok\": 2");
		assert_int_equal(kvp_config_parse(text, strlen(text), NULL, &m, &src, &err), KVP_OK);
		assert_int_equal(m.moe_top_k, 2);
		snprintf(text, sizeof text, mixtral, ", \"num_experts_per_tok\": 9");
		assert_int_equal(kvp_config_parse(text, strlen(text), NULL, &m, &src, &err),
		                 KVP_ERR_PARSE);
		assert_non_null(strstr(err.message, "num_experts_per_tok: 9 experts a token, of 8"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gguf_leading_dense),
		cmocka_unit_test(test_gguf_interleaved),
		cmocka_unit_test(test_gguf_every_layer),
		cmocka_unit_test(test_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
