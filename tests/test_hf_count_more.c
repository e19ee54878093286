/*
 * test_hf_count_more.c — a config.json's parameters counted tensor by
 * tensor (lib/hf_count.c) for families outside the catalogue, each held
 * to a published count of the checkpoint its config is of (research:
 * /work/research/param-check.md, a helper's check of 40 checkpoints; the
 * configs here keep the keys kvplan reads).  Every figure is worked by
 * hand below; where the published count is rounded, that is said.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"
#include "hfutil.h"

/* THUDM/chatglm3-6b (model_type chatglm; its remote modeling_chatglm.py):
 * multi_query_attention with 2 groups of kv_channels 128, so K and V of 2
 * heads, not 32: 28 layers x 2 x 2 x 128 x 2 B = 28,672 B a token (it
 * was read as 32 heads, 16 times that).  Its params: embedding and
 * output_layer 2 x 65024 x 4096 = 532,676,608; a layer: two RMSNorms
 * 8,192, query_key_value 4096 x 4608 and its bias (add_qkv_bias) 4,608,
 * dense 4096^2, dense_h_to_4h 4096 x 2 x 13696 and dense_4h_to_h 13696 x
 * 4096: 203,960,832, x 28 = 5,710,903,296; the final norm 4,096:
 * 6,243,584,000, as model.num_parameters() prints it in public logs
 * (find_string ids 29459375355, 52642495931).  GLM-4-9B, the same code at
 * 40 layers and a vocabulary of 151552: 9,399,951,360. */
static void test_chatglm(void **state)
{
	static const char cfg[] = "{\"model_type\": \"chatglm\", \"add_bias_linear\": false,"
		" \"add_qkv_bias\": true, \"ffn_hidden_size\": 13696, \"hidden_size\": 4096,"
		" \"kv_channels\": 128, \"multi_query_attention\": true,"
		" \"multi_query_group_num\": 2, \"num_attention_heads\": 32, \"num_layers\": %d,"
		" \"padded_vocab_size\": %d, \"seq_length\": 8192, \"tie_word_embeddings\": false}";
	char json[512];
	kvp_model m;
	kvp_source src;

	(void)state;
	snprintf(json, sizeof json, cfg, 28, 65024);
	expect_ok(json, &m, &src);
	assert_int_equal(m.kv_heads, 2);
	assert_int_equal(m.head_dim, 128);
	assert_int_equal(cache_at(&m, 1), 28672);
	assert_int_equal(m.params, 6243584000ull);
	assert_int_equal(kvp_source_find(&src, "kv_heads")->origin, KVP_ORIGIN_READ);
	snprintf(json, sizeof json, cfg, 40, 151552);
	expect_ok(json, &m, &src);
	assert_int_equal(m.params, 9399951360ull);
	/* kv_channels, not hidden / heads, is a head's width; groups absent
	 * are ChatGLMConfig's 1; 0 values a head refused */
	expect_ok("{\"model_type\": \"chatglm\", \"hidden_size\": 4096, \"kv_channels\": 64,"
	          " \"multi_query_attention\": true, \"num_attention_heads\": 32,"
	          " \"num_layers\": 2}", &m, &src);
	assert_int_equal(m.head_dim, 64);
	assert_int_equal(m.kv_heads, 1);
	assert_int_equal(cache_at(&m, 1), 2 * 1 * 64 * 2 * 2);
	expect_error("{\"model_type\": \"chatglm\", \"hidden_size\": 4096, \"kv_channels\": 0,"
	             " \"num_attention_heads\": 32, \"num_layers\": 2}",
	             KVP_ERR_PARSE, "kv_channels");
	/* groups that do not divide the heads are refused */
	expect_error("{\"model_type\": \"chatglm\", \"hidden_size\": 4096,"
	             " \"multi_query_attention\": true, \"multi_query_group_num\": 3,"
	             " \"num_attention_heads\": 32, \"num_layers\": 2}",
	             KVP_ERR_PARSE, "multi_query_group_num");
}

/* Qwen/Qwen-7B (model_type qwen, QWenLMHeadModel): w1 and w2 of
 * intermediate_size / 2 = 11008, c_attn biased, c_proj and the MLP not
 * (no_bias).  A layer: two RMSNorms 8,192, c_attn 4096 x 12288 + 12,288,
 * c_proj 4096^2, the MLP 3 x 4096 x 11008: 202,395,648, x 32; wte and
 * lm_head 2 x 151936 x 4096; ln_f 4,096: 7,721,324,544, its published
 * count (find_string id 5812671115). */
static void test_qwen_v1(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"qwen\", \"hidden_size\": 4096, \"intermediate_size\": 22016,"
	          " \"kv_channels\": 128, \"max_position_embeddings\": 32768, \"no_bias\": true,"
	          " \"num_attention_heads\": 32, \"num_hidden_layers\": 32,"
	          " \"tie_word_embeddings\": false, \"vocab_size\": 151936}", &m, &src);
	assert_int_equal(m.params, 7721324544ull);
}

/* stabilityai StableLM 2 1.6B (stablelm): LayerNorms with biases, q, k
 * and v biased (use_qkv_bias).  A layer: two LayerNorms 4 x 2048, q, k
 * and v 3 x (2048^2 + 2048), o 2048^2, the MLP 3 x 2048 x 5632:
 * 51,394,560, x 24; embeddings and head 2 x 100352 x 2048; the final
 * LayerNorm 4,096: 1,644,515,328, its published count (find_string id
 * 35661935992). */
static void test_stablelm(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"stablelm\", \"hidden_size\": 2048,"
	          " \"intermediate_size\": 5632, \"max_position_embeddings\": 4096,"
	          " \"num_attention_heads\": 32, \"num_hidden_layers\": 24,"
	          " \"num_key_value_heads\": 32, \"partial_rotary_factor\": 0.25,"
	          " \"tie_word_embeddings\": false, \"use_qkv_bias\": true,"
	          " \"vocab_size\": 100352}", &m, &src);
	assert_int_equal(m.params, 1644515328ull);
}

/* allenai OLMo-2-1124-7B (olmo2): q_norm and k_norm over every head's
 * values (4096 each), the two norms after attention and MLP.  A layer:
 * norms 2 x 4096, q, k, v and o 4 x 4096^2, q_norm and k_norm 2 x 4096,
 * the MLP 3 x 4096 x 11008: 202,391,552, x 32; embeddings and head 2 x
 * 100352 x 4096; the final norm 4,096: 7,298,617,344, HF's count
 * (find_string id 71571056092). */
static void test_olmo2(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"olmo2\", \"hidden_size\": 4096,"
	          " \"intermediate_size\": 11008, \"max_position_embeddings\": 4096,"
	          " \"num_attention_heads\": 32, \"num_hidden_layers\": 32,"
	          " \"num_key_value_heads\": 32, \"tie_word_embeddings\": false,"
	          " \"vocab_size\": 100352}", &m, &src);
	assert_int_equal(m.params, 7298617344ull);
}

/* ByteDance Seed-OSS-36B (seed_oss): q, k and v biased by attention_bias,
 * o by attention_out_bias (false).  A layer: norms 2 x 5120, q 5120 x
 * 10240 + 10240, k and v 2 x (5120 x 1024 + 1024), o 10240 x 5120, the
 * MLP 3 x 5120 x 27648: 540,039,168, x 64; embeddings and head 2 x
 * 155136 x 5120; the final norm: 36,151,104,512, its files' count
 * (find_string id 57091266702). */
static void test_seed_oss(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"seed_oss\", \"attention_bias\": true,"
	          " \"attention_out_bias\": false, \"head_dim\": 128, \"hidden_size\": 5120,"
	          " \"intermediate_size\": 27648, \"mlp_bias\": false, \"num_attention_heads\": 80,"
	          " \"num_hidden_layers\": 64, \"num_key_value_heads\": 8,"
	          " \"tie_word_embeddings\": false, \"vocab_size\": 155136}", &m, &src);
	assert_int_equal(m.params, 36151104512ull);
}

/* Microsoft Phi-3-small-8k (phi3small; vLLM's phi3_small.py): every
 * linear biased whatever its attention_bias says, LayerNorms with
 * biases, up_proj of 2 x ff_intermediate_size (gegelu), the head tied.
 * A layer: LayerNorms 4 x 4096, query_key_value 4096 x 6144 + 6144, dense
 * 4096^2 + 4096, up_proj 4096 x 28672 + 28672, down_proj 14336 x 4096 +
 * 4096: 218,163,200, x 32; the embedding 100352 x 4096; the final
 * LayerNorm 8,192: 7,392,272,384, the "7.4B" its card gives. */
static void test_phi3_small(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"phi3small\", \"attention_bias\": false,"
	          " \"ff_intermediate_size\": 14336, \"hidden_size\": 4096,"
	          " \"max_position_embeddings\": 8192, \"num_attention_heads\": 32,"
	          " \"num_hidden_layers\": 32, \"num_key_value_heads\": 8,"
	          " \"vocab_size\": 100352}", &m, &src);
	assert_true(m.tie_embeddings);
	assert_int_equal(m.params, 7392272384ull);
}

/* openbmb MiniCPM3-4B (minicpm3): MLA whose v_head_dim the config leaves
 * out, MiniCPM3Config's hidden / heads = 64, and a tied head.  A layer:
 * norms 2 x 2560; q_a 2560 x 768 and its norm, q_b 768 x 40 x 96, kv_a
 * 2560 x 288 and its norm 256, kv_b 256 x 40 x 128, o 40 x 64 x 2560:
 * 13,517,824; the MLP 3 x 2560 x 6400: 62,674,944, x 62; the embedding
 * 73448 x 2560; the final norm: 4,073,875,968, the 8.15 GB of its one
 * bf16 file over 2 B.
 * Its cache, each engine's (research: /work/research/minicpm3-cache.md):
 * SGLang keeps the latent, 62 x (256 + 32) x 2 B = 35,712 B a token
 * (MiniCPM3AttentionMLA); vLLM runs plain attention, K and V of 40 heads
 * x 96, V padded to K's width (MiniCPM3Attention; use_mla is false for
 * it): 62 x 2 x 40 x 96 x 2 B = 952,320 B; llama.cpp K of 96 and V of 64
 * a head (llm_build_minicpm3): 62 x 40 x 160 x 2 B = 793,600 B;
 * TensorRT-LLM has no MiniCPM3, refused. */
static uint64_t minicpm3_token(const kvp_model *m, kvp_engine engine)
{
	kvp_plan p;

	plan_under(m, engine, 1, &p);
	return p.kv_bytes_per_token;
}

static void test_minicpm3(void **state)
{
	kvp_model m;
	kvp_source src;
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	(void)state;
	expect_ok("{\"model_type\": \"minicpm3\", \"hidden_size\": 2560,"
	          " \"num_hidden_layers\": 62, \"intermediate_size\": 6400,"
	          " \"max_position_embeddings\": 32768, \"num_attention_heads\": 40,"
	          " \"num_key_value_heads\": 40, \"qk_nope_head_dim\": 64,"
	          " \"qk_rope_head_dim\": 32, \"q_lora_rank\": 768, \"kv_lora_rank\": 256,"
	          " \"vocab_size\": 73448}", &m, &src);
	assert_int_equal(m.v_head_dim, 64);
	assert_int_equal(m.params, 4073875968ull);
	assert_false(src.generic); /* a family kvplan knows: no warning */
	assert_int_equal(minicpm3_token(&m, KVP_ENGINE_EXACT), 35712);
	assert_int_equal(minicpm3_token(&m, KVP_ENGINE_SGLANG), 35712);
	assert_int_equal(minicpm3_token(&m, KVP_ENGINE_VLLM), 952320);
	assert_int_equal(minicpm3_token(&m, KVP_ENGINE_LLAMA_CPP), 793600);
	kvp_request_init(&r);
	r.engine = KVP_ENGINE_TRTLLM;
	r.seq = 1;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_ERR_UNSUPPORTED);
	assert_non_null(strstr(err.message, "TensorRT-LLM has no MiniCPM3 model"));
}

/* AI21 Jamba-1.5-Mini (jamba): experts every expert_layer_period 2
 * layers from expert_layer_offset 1, a JambaMLP in the others; attention
 * every 8th layer from 4, a Mamba-1 mixer in the others.  Its Mamba
 * layer (inner 8192, state 16, kernel 4, dt_rank 256, conv bias, no
 * projection bias): in_proj 4096 x 16384, conv1d 8192 x 4 + 8192, x_proj
 * 8192 x 288, dt_proj 256 x 8192 + 8192, A_log 8192 x 16, D 8192, out_proj
 * 8192 x 4096, the dt, B and C norms 256 + 32: 105,308,448; attention 32
 * heads, 8 kv heads of 128: 41,943,040; an expert layer's 16 experts of
 * 3 x 4096 x 14336 and router 4096 x 16: 2,818,637,824; a dense MLP
 * 176,160,768; norms 2 x 4096 a layer.  28 Mamba and 4 attention layers,
 * 16 expert and 16 dense: 51,570,323,328 with embeddings and head 2 x
 * 65536 x 4096 and the final norm, the "51.6B" published for it. */
static void test_jamba(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"jamba\", \"attn_layer_offset\": 4, \"attn_layer_period\": 8,"
	          " \"expert_layer_offset\": 1, \"expert_layer_period\": 2,"
	          " \"hidden_size\": 4096, \"intermediate_size\": 14336, \"mamba_conv_bias\": true,"
	          " \"mamba_d_conv\": 4, \"mamba_d_state\": 16, \"mamba_dt_rank\": 256,"
	          " \"mamba_expand\": 2, \"mamba_proj_bias\": false, \"num_attention_heads\": 32,"
	          " \"num_experts\": 16, \"num_experts_per_tok\": 2, \"num_hidden_layers\": 32,"
	          " \"num_key_value_heads\": 8, \"tie_word_embeddings\": false,"
	          " \"vocab_size\": 65536}", &m, &src);
	assert_int_equal(m.params, 51570323328ull);
	/* the odd layers route: layer 1, not layer 0 */
	assert_int_equal(m.moe_experts, 16);
	assert_int_equal(m.moe_step, 2);
	/* one expert is a JambaMLP in every layer: 16 x 2,818,637,824 less
	 * 16 x 176,160,768 fewer */
	expect_ok("{\"model_type\": \"jamba\", \"attn_layer_offset\": 4, \"attn_layer_period\": 8,"
	          " \"expert_layer_offset\": 1, \"expert_layer_period\": 2,"
	          " \"hidden_size\": 4096, \"intermediate_size\": 14336, \"mamba_conv_bias\": true,"
	          " \"mamba_d_conv\": 4, \"mamba_d_state\": 16, \"mamba_dt_rank\": \"auto\","
	          " \"mamba_expand\": 2, \"mamba_proj_bias\": false, \"num_attention_heads\": 32,"
	          " \"num_experts\": 1, \"num_experts_per_tok\": 1, \"num_hidden_layers\": 32,"
	          " \"num_key_value_heads\": 8, \"tie_word_embeddings\": false,"
	          " \"vocab_size\": 65536}", &m, &src);
	assert_int_equal(m.moe_routed_experts, 0);
	assert_int_equal(m.params, 51570323328ull - 16 * (2818637824ull - 176160768ull));
}

/* Baidu ERNIE-4.5-21B-A3B (ernie4_5_moe) by its own names: layer 0 a
 * dense MLP of 12288, layers 1 to 27 (moe_layer_start_index 1) 64
 * experts of 1536 and 2 shared (moe_num_shared_experts) beside a router.
 * Attention of 20 heads and 4 kv heads of 128: 15,728,640; an expert
 * layer: router 2560 x 64, experts 64 x 3 x 2560 x 1536, shared 3 x 2560
 * x 3072: 778,731,520; the dense MLP 94,371,840; norms 2 x 2560 a layer;
 * the tied embedding 103424 x 2560 and the final norm: 21,825,436,160,
 * the "21.8B" published (without moe_use_aux_free, no correction bias;
 * with it 64 more a layer). */
static void test_ernie_moe(void **state)
{
	static const char cfg[] = "{\"model_type\": \"ernie4_5_moe\", \"hidden_size\": 2560,"
		" \"intermediate_size\": 12288, \"moe_intermediate_size\": 1536,"
		" \"num_hidden_layers\": 28, \"num_attention_heads\": 20, \"num_key_value_heads\": 4,"
		" \"head_dim\": 128, \"moe_num_experts\": 64, \"moe_num_shared_experts\": 2,"
		" \"moe_k\": 6, \"moe_layer_start_index\": 1, \"moe_layer_end_index\": 27,"
		" \"moe_layer_interval\": 1, \"vocab_size\": 103424, \"tie_word_embeddings\": true%s}";
	char json[1024];
	kvp_model m;
	kvp_source src;

	(void)state;
	snprintf(json, sizeof json, cfg, "");
	expect_ok(json, &m, &src);
	assert_int_equal(m.moe_top_k, 6);
	assert_int_equal(m.moe_dense_layers, 1);
	assert_int_equal(m.moe_experts, 64);
	assert_int_equal(m.params, 21825436160ull);
	snprintf(json, sizeof json, cfg, ", \"moe_use_aux_free\": true");
	expect_ok(json, &m, &src);
	assert_int_equal(m.params, 21825436160ull + 27 * 64);
}

/* Qwen2.5-VL-7B-Instruct's language model (qwen2_5_vl): Qwen2's, its
 * use_sliding_window false, so every layer holds every token (it was
 * read by the generic rule, every layer sliding at 32768): 28 layers x 4
 * kv heads x 128 x 2 x 2 B x 128,000 tokens = 7,340,032,000 B.  Its
 * params, q, k and v biased: a layer of norms 2 x 3584, q 3584^2 + 3584,
 * k and v 2 x (3584 x 512 + 512), o 3584^2, the MLP 3 x 3584 x 18944:
 * 233,057,792, x 28; embeddings and head 2 x 152064 x 3584; the final
 * norm: 7,615,616,512, its checkpoint's 8,292,166,656 less its visual
 * tower's 676,550,144 (find_string id 49095663873). */
static void test_qwen2_5_vl(void **state)
{
	static const char cfg[] = "{\"model_type\": \"%s\", \"hidden_size\": 3584,"
		" \"intermediate_size\": 18944, \"max_position_embeddings\": 128000,"
		" \"max_window_layers\": 28, \"num_attention_heads\": 28,"
		" \"num_hidden_layers\": 28, \"num_key_value_heads\": 4,"
		" \"sliding_window\": 32768, \"tie_word_embeddings\": false,"
		" \"use_sliding_window\": false, \"vocab_size\": 152064}";
	const char *types[] = {"qwen2_5_vl", "qwen2_vl", "mimo"};
	char json[512];
	kvp_model m;
	kvp_source src;

	(void)state;
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		snprintf(json, sizeof json, cfg, types[i]);
		expect_ok(json, &m, &src);
		assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_SLIDING), 0);
		assert_int_equal(cache_at(&m, 128000), 7340032000ull);
		/* MiMo's attention is Qwen2's, q, k and v biased whatever
		 * attention_bias says */
		assert_int_equal(m.params, 7615616512ull);
	}
}

/* bigcode StarCoder (gpt_bigcode): multi_query, GPTBigCodeConfig's
 * default, keeps one kv head (it was read as 48: 48 times the cache):
 * 40 layers x 128 x 2 x 2 B = 20,480 B a token.  Its params, GPT-2's
 * shape: wte 49152 x 6144 and wpe 8192 x 6144; a layer: LayerNorms 4 x
 * 6144, c_attn 6144 x 6400 + 6400, c_proj 6144^2 + 6144, c_fc 6144 x
 * 24576 + 24576, its c_proj 24576 x 6144 + 6144: 379,128,064, x 40;
 * ln_f 12,288: 15,517,456,384, the card's "15.5B". */
static void test_gpt_bigcode(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"gpt_bigcode\", \"n_embd\": 6144, \"n_head\": 48,"
	          " \"n_inner\": 24576, \"n_layer\": 40, \"n_positions\": 8192,"
	          " \"vocab_size\": 49152}", &m, &src);
	assert_int_equal(m.kv_heads, 1);
	assert_int_equal(cache_at(&m, 1), 20480);
	assert_int_equal(m.params, 15517456384ull);
	expect_ok("{\"model_type\": \"gpt_bigcode\", \"n_embd\": 6144, \"n_head\": 48,"
	          " \"n_inner\": 24576, \"n_layer\": 40, \"n_positions\": 8192,"
	          " \"vocab_size\": 49152, \"multi_query\": false}", &m, &src);
	assert_int_equal(m.kv_heads, 48);
}

/* allenai OLMoE-1B-7B (olmoe): q_norm and k_norm over every head, 64
 * experts of 1024 a layer.  A layer: norms 2 x 2048, q, k, v and o 4 x
 * 2048^2, the two norms 2 x 2048, router 2048 x 64, experts 64 x 3 x 2048
 * x 1024: 419,569,664, x 16; embeddings and head 2 x 50304 x 2048; the
 * final norm: 6,919,161,856, HF's count (find_string id 68298970743).
 * Microsoft Phi-3.5-MoE (phimoe): LayerNorms with biases, q, k, v and o
 * biased, 16 experts of 6400, the head and its bias (lm_head_bias): a
 * layer 16,384 + 4096 x 4096 + 4096 + 2 x (4096 x 1024 + 1024) + 4096^2 +
 * 4096 + 4096 x 16 + 16 x 3 x 4096 x 6400 = 1,300,326,400, x 32;
 * embeddings and head 2 x 32064 x 4096 and 32,064; the final LayerNorm
 * 8,192: 41,873,153,344, the card's "41.9B". */
static void test_olmoe_phimoe(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"olmoe\", \"hidden_size\": 2048,"
	          " \"num_hidden_layers\": 16, \"num_attention_heads\": 16,"
	          " \"num_key_value_heads\": 16, \"intermediate_size\": 1024,"
	          " \"num_experts\": 64, \"num_experts_per_tok\": 8,"
	          " \"max_position_embeddings\": 4096, \"vocab_size\": 50304,"
	          " \"tie_word_embeddings\": false}", &m, &src);
	assert_int_equal(m.params, 6919161856ull);
	expect_ok("{\"model_type\": \"phimoe\", \"attention_bias\": true,"
	          " \"hidden_size\": 4096, \"intermediate_size\": 6400, \"lm_head_bias\": true,"
	          " \"max_position_embeddings\": 131072, \"num_attention_heads\": 32,"
	          " \"num_experts_per_tok\": 2, \"num_hidden_layers\": 32,"
	          " \"num_key_value_heads\": 8, \"num_local_experts\": 16,"
	          " \"sliding_window\": 131072, \"tie_word_embeddings\": false,"
	          " \"vocab_size\": 32064}", &m, &src);
	assert_int_equal(m.params, 41873153344ull);
}

/* Llama 3.2 11B Vision's language model (mllama_text_model): its 8
 * cross_attention_layers attend to the image's tokens, none to the
 * text's, so the text's cache is 32 layers x 8 kv heads x 128 x 2 x 2 B
 * = 131,072 B a token (it was 40 layers, 163,840), and said.  Its
 * params: a self-attention layer's norms 2 x 4096, q and o 2 x 4096^2, k
 * and v 2 x 4096 x 1024, the MLP 3 x 4096 x 14336: 218,112,000; a
 * cross-attention layer's the same and its q_norm and k_norm 2 x 128 and
 * two gates: 218,112,258; embed_tokens of 128256 + 8 rows and lm_head of
 * 128256, x 4096; the final norm: 9,775,192,080, HF's count of the
 * checkpoint, 10,670,220,835 (find_string id 12439498600), less its
 * vision model and projector. */
static void test_mllama(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"mllama\", \"text_config\": {\"model_type\":"
	          " \"mllama_text_model\", \"cross_attention_layers\": [3, 8, 13, 18, 23, 28,"
	          " 33, 38], \"hidden_size\": 4096, \"intermediate_size\": 14336,"
	          " \"max_position_embeddings\": 131072, \"num_attention_heads\": 32,"
	          " \"num_hidden_layers\": 40, \"num_key_value_heads\": 8,"
	          " \"tie_word_embeddings\": false, \"vocab_size\": 128256}}", &m, &src);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_NONE), 8);
	assert_int_equal(kvp_model_layer_kind(&m, 3), KVP_LAYER_NONE);
	assert_int_equal(kvp_model_layer_kind(&m, 4), KVP_LAYER_FULL);
	assert_int_equal(cache_at(&m, 1), 131072);
	assert_int_equal(m.params, 9775192080ull);
	assert_int_equal(src.n_warnings, 1);
	assert_non_null(strstr(src.warnings[0], "cross-attention layers"));
	expect_error("{\"model_type\": \"mllama_text_model\", \"cross_attention_layers\":"
	             " [3, 40], \"hidden_size\": 4096, \"num_attention_heads\": 32,"
	             " \"num_hidden_layers\": 40}", KVP_ERR_PARSE, "cross_attention_layers");
}

/* Step3's language model (step3_text): K and V of num_attention_groups
 * heads, 1 of 64 (it was read as 64: 64 times the cache): 61 layers x 1
 * x 256 x 2 x 2 B = 62,464 B a token; groups that do not divide the
 * heads refused. */
static void test_step3(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"step3_text\", \"hidden_size\": 7168,"
	          " \"intermediate_size\": 18432, \"num_attention_heads\": 64,"
	          " \"num_attention_groups\": 1, \"head_dim\": 256, \"num_hidden_layers\": 61,"
	          " \"vocab_size\": 128815}", &m, &src);
	assert_int_equal(m.kv_heads, 1);
	assert_int_equal(cache_at(&m, 1), 62464);
	assert_int_equal(kvp_source_find(&src, "kv_heads")->origin, KVP_ORIGIN_READ);
	expect_error("{\"model_type\": \"step3_text\", \"hidden_size\": 7168,"
	             " \"num_attention_heads\": 64, \"num_attention_groups\": 3,"
	             " \"head_dim\": 256, \"num_hidden_layers\": 61}",
	             KVP_ERR_PARSE, "num_attention_groups");
}

/* Databricks DBRX (dbrx): its figures nested in attn_config and
 * ffn_config; 8 kv heads (it was read as 48: 6 times the cache): 40
 * layers x 8 x 128 x 2 x 2 B = 163,840 B a token.  Its params: a layer's
 * two norms (LayerNorms without bias) 2 x 6144, Wqkv 6144 x 8192,
 * out_proj 6144^2, the router 6144 x 16, 16 experts' w1, v1 and w2 of
 * 10752 x 6144: 3,259,084,800, x 40; wte and lm_head 2 x 100352 x 6144;
 * norm_f 6,144: 131,596,523,520, the card's "132B". */
static void test_dbrx(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"dbrx\", \"d_model\": 6144, \"n_heads\": 48,"
	          " \"n_layers\": 40, \"max_seq_len\": 32768, \"vocab_size\": 100352,"
	          " \"attn_config\": {\"clip_qkv\": 8, \"kv_n_heads\": 8,"
	          " \"rope_theta\": 500000}, \"ffn_config\": {\"ffn_hidden_size\": 10752,"
	          " \"moe_num_experts\": 16, \"moe_top_k\": 4},"
	          " \"tie_word_embeddings\": false}", &m, &src);
	assert_int_equal(m.kv_heads, 8);
	assert_int_equal(m.max_context, 32768);
	assert_int_equal(m.moe_top_k, 4);
	assert_int_equal(cache_at(&m, 1), 163840);
	assert_int_equal(m.params, 131596523520ull);
	expect_error("{\"model_type\": \"dbrx\", \"d_model\": 6144, \"n_heads\": 48,"
	             " \"n_layers\": 40, \"attn_config\": {\"kv_n_heads\": 5}}",
	             KVP_ERR_PARSE, "kv_n_heads");
}

/* A per-layer list of n copies of v, as Hunyuan's configs give them. */
static void list_of(char *out, size_t size, unsigned n, unsigned v, int last)
{
	size_t at = 0;

	for (unsigned i = 0; i < n && at < size; i++)
		at += (size_t)snprintf(out + at, size - at, "%s%u", i ? ", " : "[",
		                       i == n - 1 && last >= 0 ? (unsigned)last : v);
	if (at < size)
		snprintf(out + at, size - at, "]");
}

/* tencent/Hunyuan-A13B-Instruct (model_type hunyuan; its remote
 * HunYuanMoEV1ForCausalLM): moe_intermediate_size, moe_topk and
 * num_shared_expert a layer at a time, each the same in its 32 layers
 * (before, the first list was refused).  A layer: q and o 2 x 4096^2, k
 * and v 2 x 4096 x 1024, query_layernorm and key_layernorm of head_dim
 * 2 x 128 (use_qk_norm): 41,943,296; the shared expert (use_mixed_mlp_moe,
 * one of intermediate_size 3072) 37,748,736; the router 4096 x 64 =
 * 262,144; 64 experts of 3 x 4096 x 3072: 2,415,919,104; two norms 8,192:
 * 2,495,881,472, x 32 = 79,868,207,104; the tied embedding 128167 x 4096 =
 * 524,972,032; the final norm: 80,393,183,232 (Tencent's "80B"; no exact
 * published count found).  Its cache: 32 x 8 x 128 x 2 x 2 B = 131,072 B
 * a token.  A list whose layers differ is refused.  With use_cla and
 * cla_share_factor 2 (Hunyuan-Large's cross-layer attention) every other
 * layer takes the K and V of the one before, with no k and v of its own
 * (2 x 4096 x 1024 less each), yet keeps them in a cache of its own
 * (vLLM's HunyuanCrossAttention): the same cache. */
static void test_hunyuan(void **state)
{
	static const char cfg[] = "{\"model_type\": \"hunyuan\", \"attention_head_dim\": 128,"
		" \"hidden_size\": 4096, \"intermediate_size\": 3072, \"moe_intermediate_size\":"
		" %s, \"moe_topk\": %s, \"num_attention_heads\": 32, \"num_experts\": 64,"
		" \"num_hidden_layers\": 32, \"num_key_value_heads\": 8, \"num_shared_expert\":"
		" %s, \"tie_word_embeddings\": true, \"use_cla\": %s, \"cla_share_factor\": 2,"
		" \"use_mixed_mlp_moe\": true, \"use_qk_norm\": true, \"vocab_size\": 128167}";
	char inter[400], topk[200], shared[200], json[1400];
	kvp_model m;
	kvp_source src;

	(void)state;
	list_of(inter, sizeof inter, 32, 3072, -1);
	list_of(topk, sizeof topk, 32, 8, -1);
	list_of(shared, sizeof shared, 32, 1, -1);
	snprintf(json, sizeof json, cfg, inter, topk, shared, "false");
	expect_ok(json, &m, &src);
	assert_int_equal(m.head_dim, 128);
	assert_int_equal(m.moe_routed_experts, 64);
	assert_int_equal(m.moe_top_k, 8);
	assert_int_equal(m.moe_intermediate, 3072);
	assert_int_equal(m.moe_shared_intermediate, 3072);
	assert_int_equal(m.params, 80393183232ull);
	assert_int_equal(cache_at(&m, 1), 131072);
	snprintf(json, sizeof json, cfg, inter, topk, shared, "true");
	expect_ok(json, &m, &src);
	assert_int_equal(cache_at(&m, 1), 131072);
	assert_int_equal(m.params, 80393183232ull - 16ull * 2 * 4096 * 1024);
	list_of(inter, sizeof inter, 32, 3072, 1536);
	snprintf(json, sizeof json, cfg, inter, topk, shared, "false");
	expect_error(json, KVP_ERR_PARSE, "layer 31's 1536 differs from layer 0's 3072");
	list_of(inter, sizeof inter, 31, 3072, -1);
	snprintf(json, sizeof json, cfg, inter, topk, shared, "false");
	expect_error(json, KVP_ERR_PARSE, "31 entries for 32 layers");
}

/* IBM Granite 4.0 (granitemoehybrid; research: /work/research/
 * granite-hybrid-params.md): its Mamba layers Mamba2Mixer's tensors, and
 * every layer's shared_mlp of shared_intermediate_size, beside the
 * experts where it has them.  granite-4.0-h-tiny (hidden 1536, 40 layers,
 * attention at 5, 15, 25 and 35; 12 heads, 4 kv; 48 Mamba heads of 64,
 * inner 3072, one group, state 128, conv 4; 64 experts of 512, shared
 * 1024; tied vocabulary 100352): a Mamba mixer in_proj 1536 x (6144 + 256
 * + 48) = 9,904,128, conv1d over 3328 channels x 4 and its bias 16,640,
 * dt_bias, A_log and D 144, the gated norm 3,072, out_proj 4,718,592:
 * 14,642,576; attention 6,291,456; shared_mlp 3 x 1536 x 1024 =
 * 4,718,592; router and experts 98,304 + 3 x 64 x 512 x 1536 =
 * 151,093,248; two norms 3,072.  36 Mamba layers 170,457,488 each, 4
 * attention layers 162,106,368, the embedding 154,140,672, the final
 * norm: 6,939,037,248, HF's safetensors count.  Before, 6,746,924,544
 * (no shared_mlp, and the mixer's dt, conv, A, D and norm missing).
 * h-small (hidden 4096, 32/8 heads, 128 Mamba heads, 72 experts of 768,
 * shared 1536): 32,207,337,984, its GGUF's count; h-micro (hidden 2048,
 * 32/8, 64 Mamba heads, no experts: its MLP shared_mlp of 8192):
 * 3,191,396,096, Ollama's. */
static void test_granite(void **state)
{
	static const char cfg[] = "{\"model_type\": \"granitemoehybrid\", \"hidden_size\": %u,"
		" \"num_hidden_layers\": 40, \"num_attention_heads\": %u,"
		" \"num_key_value_heads\": %u, \"num_local_experts\": %u, \"intermediate_size\":"
		" %u, \"shared_intermediate_size\": %u, \"num_experts_per_tok\": %u,"
		" \"mamba_n_heads\": %u, \"mamba_d_head\": 64, \"mamba_d_state\": 128,"
		" \"mamba_n_groups\": 1, \"mamba_d_conv\": 4, \"mamba_expand\": 2,"
		" \"mamba_conv_bias\": true, \"mamba_proj_bias\": false, \"vocab_size\": 100352,"
		" \"tie_word_embeddings\": true, \"layer_types\": [%s]}";
	char types[640], json[1400];
	size_t at = 0;
	kvp_model m;
	kvp_source src;

	(void)state;
	for (int i = 0; i < 40; i++)
		at += (size_t)snprintf(types + at, sizeof types - at, "%s\"%s\"", i ? ", " : "",
		                       i % 10 == 5 ? "attention" : "mamba");
	snprintf(json, sizeof json, cfg, 1536, 12, 4, 64, 512, 1024, 6, 48, types);
	expect_ok(json, &m, &src);
	assert_int_equal(m.params, 6939037248ull);
	assert_int_equal(m.moe_shared_intermediate, 1024);
	snprintf(json, sizeof json, cfg, 4096, 32, 8, 72, 768, 1536, 10, 128, types);
	expect_ok(json, &m, &src);
	assert_int_equal(m.params, 32207337984ull);
	snprintf(json, sizeof json, cfg, 2048, 32, 8, 0, 8192, 8192, 0, 64, types);
	expect_ok(json, &m, &src);
	assert_int_equal(m.params, 3191396096ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_chatglm),
		cmocka_unit_test(test_qwen_v1),
		cmocka_unit_test(test_stablelm),
		cmocka_unit_test(test_olmo2),
		cmocka_unit_test(test_seed_oss),
		cmocka_unit_test(test_phi3_small),
		cmocka_unit_test(test_minicpm3),
		cmocka_unit_test(test_jamba),
		cmocka_unit_test(test_ernie_moe),
		cmocka_unit_test(test_qwen2_5_vl),
		cmocka_unit_test(test_gpt_bigcode),
		cmocka_unit_test(test_olmoe_phimoe),
		cmocka_unit_test(test_mllama),
		cmocka_unit_test(test_step3),
		cmocka_unit_test(test_dbrx),
		cmocka_unit_test(test_hunyuan),
		cmocka_unit_test(test_granite),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
