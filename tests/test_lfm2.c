/*
 * test_lfm2.c — Liquid AI's LFM2: its config.json read (lib/hf_lfm2.c:
 * "conv" layers of a short convolution's state, full_attn_idxs or
 * layer_types, Lfm2MLP's width), its parameters counted (lib/hf_count.c)
 * to the releases' published totals, and its cache as each engine keeps
 * it (research: /work/research/lfm2-engines.md, lfm2-params.md), the
 * engines that do not run it refused.  Every figure worked by hand beside
 * its assertion.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"
#include "checks.h"
#include "engine_fixture.h"
#include "hfutil.h"
#include "testutil.h"
#include "catalog_fixture.h"
#include "testmodel.h"

/* LFM2-350M's keys (layer_types; block_ff_dim 6656 adjusted). */
static const char lfm2_350m[] = "{\"model_type\": \"lfm2\", \"hidden_size\": 1024,"
	" \"num_hidden_layers\": 16, \"num_attention_heads\": 16, \"num_key_value_heads\": 8,"
	" \"block_ff_dim\": 6656, \"intermediate_size\": 6656,"
	" \"block_auto_adjust_ff_dim\": true, \"block_ffn_dim_multiplier\": 1.0,"
	" \"block_multiple_of\": 256, \"conv_L_cache\": 3, \"conv_bias\": false,"
	" \"vocab_size\": 65536, \"tie_embedding\": true, \"layer_types\": [\"conv\", \"conv\","
	" \"full_attention\", \"conv\", \"conv\", \"full_attention\", \"conv\", \"conv\","
	" \"full_attention\", \"conv\", \"full_attention\", \"conv\", \"full_attention\","
	" \"conv\", \"full_attention\", \"conv\"]}";

/* LFM2-700M's (full_attn_idxs, as the release's file). */
static const char lfm2_700m[] = "{\"model_type\": \"lfm2\", \"hidden_size\": 1536,"
	" \"num_hidden_layers\": 16, \"num_attention_heads\": 24, \"num_key_value_heads\": 8,"
	" \"block_ff_dim\": 10240, \"block_auto_adjust_ff_dim\": true,"
	" \"block_ffn_dim_multiplier\": 1.0, \"block_multiple_of\": 256, \"conv_L_cache\": 3,"
	" \"vocab_size\": 65536, \"full_attn_idxs\": [2, 5, 8, 10, 12, 14]}";

/* LFM2-2.6B's: no adjustment of its 10752. */
static const char lfm2_26b[] = "{\"model_type\": \"lfm2\", \"hidden_size\": 2048,"
	" \"num_hidden_layers\": 30, \"num_attention_heads\": 32, \"num_key_value_heads\": 8,"
	" \"block_ff_dim\": 10752, \"intermediate_size\": 10752,"
	" \"block_auto_adjust_ff_dim\": false, \"conv_L_cache\": 3, \"vocab_size\": 65536,"
	" \"full_attn_idxs\": [2, 5, 9, 13, 17, 21, 24, 27]}";

/* LFM2-1.2B (tests/configs/lfm2-1.2b): 10 conv layers, 6 attention;
 * Lfm2MLP's width int(2 x 12288 / 3) = 8192; tied (tie_embedding).
 * Params, each worked in data/models/lfm2-1.2b.yaml: 1,170,340,608, the
 * published count.  350M: F = int(2 x 6656 / 3) = 4437, up to 4608; a
 * conv layer 4 x 1024^2 + 3 x 1024 = 4,197,376, an attention layer 2 x
 * 1024 x 1024 + 2 x 1024 x 512 + 128 = 3,145,856, a layer's MLP and
 * norms 3 x 1024 x 4608 + 2,048 = 14,157,824: 10 x 4,197,376 + 6 x
 * 3,145,856 + 16 x 14,157,824 + 65536 x 1024 + 1024 = 354,483,968.
 * 700M: F 6912; 742,489,344.  2.6B, F 10752 as given: 2,569,272,320
 * (the 2/3 rule would give 1,908,669,440).  Each the LFM2 cards'
 * published count (/work/research/lfm2-params.md). */
static void test_read_and_count(void **state)
{
	char path[512];
	kvp_model m;
	kvp_source src;
	kvp_error err;

	(void)state;
	snprintf(path, sizeof path, "%s/tests/configs/lfm2-1.2b/config.json", KVP_TEST_SRCDIR);
	if (kvp_config_read(path, &m, &src, NULL, &err) != KVP_OK)
		fail_msg("%s", err.message);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_RECURRENT), 10);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_FULL), 6);
	assert_int_equal(kvp_model_layer_kind(&m, 2), KVP_LAYER_FULL);
	assert_int_equal(kvp_model_layer_kind(&m, 3), KVP_LAYER_RECURRENT);
	assert_int_equal(m.ssm_conv_kernel, 3);
	assert_int_equal(m.ssm_inner, 2048);
	assert_int_equal(m.ssm_state, 0);
	assert_int_equal(m.intermediate, 8192);
	assert_true(m.tie_embeddings);
	assert_int_equal(m.params, 1170340608ull);
	expect_ok(lfm2_350m, &m, &src);
	assert_int_equal(m.intermediate, 4608);
	assert_int_equal(m.params, 354483968ull);
	expect_ok(lfm2_700m, &m, &src);
	assert_int_equal(m.intermediate, 6912);
	assert_int_equal(m.params, 742489344ull);
	expect_ok(lfm2_26b, &m, &src);
	assert_int_equal(m.intermediate, 10752);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_RECURRENT), 22);
	assert_int_equal(m.params, 2569272320ull);
}

/* LFM2-8B-A1B's config (lfm2_moe: a fine-tune's copy, the research
 * note's sources): 18 conv and 6 attention layers, its first 2 an MLP of
 * 7168, the others 32 experts of 1792 (4 a token) and a router's bias.
 * Params by hand: embedding 65536 x 2048 = 134,217,728 (tied) and the
 * final norm 2,048; conv 18 x 16,783,360 = 302,100,480; attention 6 x
 * 10,485,888 = 62,915,328; dense MLPs 2 x 3 x 2048 x 7168 = 88,080,384;
 * 22 routers 2048 x 32 = 1,441,792, their experts 22 x 32 x 3 x 2048 x
 * 1792 = 7,751,073,792 and biases 22 x 32 = 704; norms 24 x 4,096 =
 * 98,304: 8,339,930,560 (Liquid AI's "8.3B"; no exact count published).
 * Its state 18 x 16,384 B = 294,912 B a sequence (fp32). */
static void test_moe(void **state)
{
	static const char moe[] = "{\"model_type\": \"lfm2_moe\", \"vocab_size\": 65536,"
		" \"hidden_size\": 2048, \"intermediate_size\": 7168, \"moe_intermediate_size\": 1792,"
		" \"num_hidden_layers\": 24, \"num_attention_heads\": 32, \"num_key_value_heads\": 8,"
		" \"conv_L_cache\": 3, \"conv_bias\": false, \"num_dense_layers\": 2,"
		" \"num_experts\": 32, \"num_experts_per_tok\": 4, \"use_expert_bias\": true,"
		" \"max_position_embeddings\": 128000, \"tie_word_embeddings\": true,"
		" \"layer_types\": [\"conv\", \"conv\", \"full_attention\", \"conv\", \"conv\", \"conv\","
		" \"full_attention\", \"conv\", \"conv\", \"conv\", \"full_attention\", \"conv\", \"conv\","
		" \"conv\", \"full_attention\", \"conv\", \"conv\", \"conv\", \"full_attention\", \"conv\","
		" \"conv\", \"full_attention\", \"conv\", \"conv\"]}";
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok(moe, &m, &src);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_RECURRENT), 18);
	assert_int_equal(m.moe_routed_experts, 32);
	assert_int_equal(m.moe_top_k, 4);
	assert_int_equal(m.moe_intermediate, 1792);
	assert_int_equal(m.moe_dense_layers, 2);
	assert_int_equal(m.dense_intermediate, 7168);
	assert_int_equal(m.params, 8339930560ull);
	assert_int_equal(cache_at(&m, 1000), 294912 + 1000ull * 12288);
	/* n_shared_experts is not Lfm2MoeConfig's: the same count */
	{
		char more[sizeof moe + 32];

		snprintf(more, sizeof more, "{\"n_shared_experts\": 2, %s", moe + 1);
		expect_ok(more, &m, &src);
		assert_int_equal(m.params, 8339930560ull);
		assert_int_equal(m.moe_shared_intermediate, 0);
	}
}

/* The exact model and llama.cpp (n_embd_r = 2048 x 2 f32 values a conv
 * layer, no n_embd_s): 163,840 B a sequence; 6 x 2 x 8 x 64 x 2 B =
 * 12,288 B a token.  vLLM (lfm2.py @ 81be2e09: short_conv_state_shape,
 * the model's bf16): 8,192 B a layer, the block 16 x cdiv(8,192, 16 x
 * 2,048) = 16 tokens, a page of 32,768 B it is padded to; prefix caching
 * on (a hybrid), mode align, two pages a sequence (mode all, which LFM2
 * does not support, falls back to it).  Its groups: 10 conv layers are
 * not fewer than 1.5 x 6, so groups of 6, one of attention and two of
 * conv; num_blocks = 10 GiB // 32,768 // 6 = 54,613; a request of 1,000
 * tokens 63 + 2 + 2 = 67 blocks.  SGLang: its conv state in bf16, 10 x
 * 2 x 2048 x 2 B = 81,920 B a slot. */
static void test_engines(void **state)
{
	kvp_model m = catalog_model("lfm2-1.2b");
	kvp_request r = request_at(KVP_ENGINE_VLLM, 1000, 1);
	kvp_plan p;
	kvp_capacity c;

	(void)state;
	plan_under(&m, KVP_ENGINE_EXACT, 1000, &p);
	assert_int_equal(p.state_total_bytes, 163840);
	assert_int_equal(p.kv_bytes_per_token, 12288);
	plan_under(&m, KVP_ENGINE_LLAMA_CPP, 1000, &p);
	assert_int_equal(p.state_total_bytes, 163840);
	plan_ok(&m, &r, &p);
	assert_int_equal(p.groups[0].block, 16);
	assert_int_equal(p.state_total_bytes, 10 * 2 * 32768);
	capacity_ok(&p, 10737418240ull, &c);
	assert_int_equal(c.page_bytes, 32768);
	assert_int_equal(c.group_size, 6);
	assert_int_equal(c.blocks, 54613);
	assert_int_equal(c.blocks_per_request, 67);
	r.mamba_cache_mode = KVP_MAMBA_ALL;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.state_total_bytes, 10 * 2 * 32768);
	r = request_at(KVP_ENGINE_SGLANG, 1000, 1);
	plan_ok(&m, &r, &p);
	assert_int_equal(p.state_total_bytes, 81920);
	r.pp = 2;
	plan_fails(&m, &r, KVP_ERR_UNSUPPORTED, "lfm2-1.2b: SGLang runs LFM2 on one pipeline"
	           " stage (its model asserts it)");
	r.pp = 1;
	r.tp = 2;
	plan_fails(&m, &r, KVP_ERR_UNSUPPORTED, "lfm2-1.2b: SGLang's LFM2 splits its conv"
	           " states over tensor parallel ranks but not its conv layers: tp 2 not"
	           " modelled");
	r = request_at(KVP_ENGINE_TRTLLM, 1000, 1);
	plan_fails(&m, &r, KVP_ERR_UNSUPPORTED, "lfm2-1.2b: TensorRT-LLM has no LFM2 model");
}

/* vLLM's block ids, not the bytes, bound the batch where its groups hold
 * padding layers: each of the 54,613 blocks at 10 GiB spans 6 layers'
 * pages, and a request of 1,000 tokens takes 63 attention blocks and 2
 * in each of the two conv groups, 67: 815 requests (its log's 815.12x).
 * The bytes, 10 conv layers' two state pages and 6 attention layers' 63
 * pages a request, would hold 10,737,418,240 // ((20 + 378) x 32,768) =
 * 823. */
static void test_vllm_padding(void **state)
{
	kvp_model m = catalog_model("lfm2-1.2b");
	kvp_request r = request_at(KVP_ENGINE_VLLM, 1000, 1);
	kvp_plan p;
	uint64_t batch;
	kvp_error err;

	(void)state;
	plan_ok(&m, &r, &p);
	assert_int_equal(kvp_plan_max_batch(&p, 10737418240ull, 1000, &batch, &err), KVP_OK);
	assert_int_equal(batch, 815);
}

/* llama.cpp at pp 2, fp16: its stages hold layers 0-7 (6 conv, 2
 * attention) and 8-15 (4 and 4), each layer's own params: a conv layer
 * 4 x 2048^2 + 3 x 2048 = 16,783,360, an attention layer 2 x 2048^2 +
 * 2 x 2048 x 512 + 2 x 64 = 10,485,888, an MLP 3 x 2048 x 8192 =
 * 50,331,648, two norms 4,096.  Stage 0: 6 x 16,783,360 + 2 x
 * 10,485,888 + 8 x (50,331,648 + 4,096) = 524,357,888 params, 1,048,715,776
 * B (the embedding stays on the host); stage 1: 4 x 16,783,360 + 4 x
 * 10,485,888 + 8 x 50,335,744 + the final norm 2,048 = 511,764,992,
 * 1,023,529,984 B, and the tied head 65,536 x 2,048 x 2 = 268,435,456 B:
 * 1,291,965,440 B.  By layer count: 1,036,122,880 and 1,304,558,336 B. */
static void test_stages(void **state)
{
	kvp_model m = catalog_model("lfm2-1.2b");
	kvp_request r = request_at(KVP_ENGINE_LLAMA_CPP, 4096, 4);
	kvp_device d = testmodel_device(80ull << 30);
	kvp_plan p;
	kvp_fit f;
	kvp_error err;

	(void)state;
	r.pp = 2;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.stage_layers[0], 8);
	if (kvp_plan_fit(&p, &d, &f, &err) != KVP_OK)
		fail_msg("%s", err.message);
	assert_int_equal(f.stage_weights[0], 1048715776ull);
	assert_int_equal(f.stage_weights[1], 1291965440ull);
}

/* AWQ int4 at g128 (lib/weights_estimate.c): its linear layers, the conv
 * layers' in_proj and out_proj 10 x 4 x 2048^2 = 167,772,160, attention
 * 6 x (2 x 2048^2 + 2 x 2048 x 512) = 62,914,560, the MLPs 16 x 3 x 2048
 * x 8192 = 805,306,368: 1,035,993,088, at 133/256 B 538,230,784 B; kept
 * as they are the norms (2 x 16 + 1) x 2048, the conv weights 10 x 3 x
 * 2048 and the q and k layernorms 6 x 2 x 64: 129,792. */
static void test_estimate(void **state)
{
	kvp_weights_estimate e = catalog_estimate("lfm2-1.2b", "int4-awq:g128");

	(void)state;
	assert_int_equal(e.norm_params, 129792);
	assert_int_equal(e.linear_params, 1035993088ull);
	assert_int_equal(e.quantized_bytes, 538230784ull);
	/* fp8: an fp32 scale for each of the 92 linear tensors, the conv
	 * layers' in_proj and out_proj 20 of them beside attention's 24 and
	 * the MLPs' 48: 1,035,993,088 + 368 B */
	e = catalog_estimate("lfm2-1.2b", "fp8");
	assert_int_equal(e.quantized_bytes, 1035993088ull + 92 * 4);
}

/* Layers as Lfm2Config and the engines tell them: full_attn_idxs' entries
 * past the layers match none (a warning), repeated ones one layer;
 * layer_types' entries other than "full_attention" are conv layers
 * (Lfm2DecoderLayer is_attention_layer; vLLM's and SGLang's alike). */
static void test_layers(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"lfm2\", \"hidden_size\": 512, \"num_hidden_layers\": 4,"
	          " \"num_attention_heads\": 8, \"full_attn_idxs\": [1, 4, 1, -2]}", &m, &src);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_FULL), 1);
	assert_int_equal(kvp_model_layer_kind(&m, 1), KVP_LAYER_FULL);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_RECURRENT), 3);
	assert_int_equal(src.n_warnings, 1);
	assert_non_null(strstr(src.warnings[0], "full_attn_idxs: 2 entries are not layers 0"
	                       " to 3, which no layer matches"));
	expect_ok("{\"model_type\": \"lfm2\", \"hidden_size\": 512, \"num_hidden_layers\": 4,"
	          " \"num_attention_heads\": 8, \"layer_types\": [\"conv\", \"full_attention\","
	          " \"sliding_attention\", \"mamba\"]}", &m, &src);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_FULL), 1);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_RECURRENT), 3);
	assert_int_equal(src.n_warnings, 0);
	/* block_auto_adjust_ff_dim and tie_embedding null are None: the
	 * 700M's MLP of 10,240 as given and an untied head, 10 x 9,441,792 +
	 * 6 x 6,291,584 + 16 x (3 x 1536 x 10240 + 3,072) + 2 x 65536 x 1536
	 * + 1,536 = 1,088,519,424 */
	expect_ok("{\"model_type\": \"lfm2\", \"hidden_size\": 1536,"
	          " \"num_hidden_layers\": 16, \"num_attention_heads\": 24,"
	          " \"num_key_value_heads\": 8, \"block_ff_dim\": 10240,"
	          " \"block_auto_adjust_ff_dim\": null, \"tie_embedding\": null,"
	          " \"tie_word_embeddings\": true, \"conv_L_cache\": 3, \"vocab_size\": 65536,"
	          " \"full_attn_idxs\": [2, 5, 8, 10, 12, 14]}", &m, &src);
	assert_int_equal(m.intermediate, 10240);
	assert_false(m.tie_embeddings);
	assert_int_equal(m.params, 1088519424ull);
}

/* A config's layers or convolution the model cannot have: refused,
 * naming the key. */
static void test_bad(void **state)
{
	(void)state;
	expect_error("{\"model_type\": \"lfm2\", \"hidden_size\": 512, \"num_hidden_layers\": 4,"
	             " \"num_attention_heads\": 8, \"full_attn_idxs\": [1, \"2\"]}", KVP_ERR_PARSE,
	             "full_attn_idxs: entry 1 is not a whole number");
	expect_error("{\"model_type\": \"lfm2\", \"hidden_size\": 512, \"num_hidden_layers\": 4,"
	             " \"num_attention_heads\": 8, \"layer_types\": [\"conv\", 1, \"conv\","
	             " \"conv\"]}", KVP_ERR_PARSE, "layer_types: entry 1 is not a string");
	expect_error("{\"model_type\": \"lfm2\", \"hidden_size\": 512, \"num_hidden_layers\": 4,"
	             " \"num_attention_heads\": 8, \"full_attn_idxs\": [1], \"conv_L_cache\": 1}",
	             KVP_ERR_PARSE, "conv_L_cache: 1: a short convolution of fewer than 2 taps"
	             " keeps no state");
	expect_error("{\"model_type\": \"lfm2\", \"hidden_size\": 512, \"num_hidden_layers\": 4,"
	             " \"num_attention_heads\": 8, \"block_ff_dim\": 0}", KVP_ERR_PARSE,
	             "block_ff_dim: 0: an MLP of no width");
	expect_error("{\"model_type\": \"lfm2_moe\", \"hidden_size\": 512, \"num_hidden_layers\": 4,"
	             " \"num_attention_heads\": 8, \"full_attn_idxs\": [1]}", KVP_ERR_PARSE,
	             "layer_types: missing: which layers are conv and which full_attention");
	/* Lfm2MoeConfig's routed layers without experts, or of no width */
#define MOE_4 "{\"model_type\": \"lfm2_moe\", \"hidden_size\": 512, \"num_hidden_layers\": 4," \
	" \"num_attention_heads\": 8, \"layer_types\": [\"conv\", \"full_attention\", \"conv\"," \
	" \"conv\"], "
	expect_error(MOE_4 "\"num_experts\": 0}", KVP_ERR_PARSE,
	             "num_experts: 0: the layers after num_dense_layers route to experts");
	expect_error(MOE_4 "\"moe_intermediate_size\": 0}", KVP_ERR_PARSE,
	             "moe_intermediate_size: 0: experts of no width");
	expect_error(MOE_4 "\"intermediate_size\": 0}", KVP_ERR_PARSE,
	             "intermediate_size: 0: num_dense_layers' MLPs of no width");
#undef MOE_4
	expect_error("{\"model_type\": \"lfm2\", \"hidden_size\": 512, \"num_hidden_layers\": 4,"
	             " \"num_attention_heads\": 8, \"block_ffn_dim_multiplier\": \"x\"}",
	             KVP_ERR_PARSE, "block_ffn_dim_multiplier: not a number in (0, 1e6]");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_and_count),
		cmocka_unit_test(test_moe),
		cmocka_unit_test(test_engines),
		cmocka_unit_test(test_vllm_padding),
		cmocka_unit_test(test_stages),
		cmocka_unit_test(test_estimate),
		cmocka_unit_test(test_layers),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
