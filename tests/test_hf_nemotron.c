/*
 * test_hf_nemotron.c — Nemotron-H's config.json (lib/hf_nemotron.c): its
 * parameters block by block where no checkpoint counts them, transformers'
 * names for its blocks, and its MTP layers.
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
#include "hfutil.h"

/* Nemotron-H's parameters block by block (lib/hf_nemotron.c), where no
 * checkpoint counts them.
 *  - Nemotron-H-56B's config.json (tests/configs): 56,324,350,464, the
 *    count data/models/nemotron-h-56b.yaml works out tensor by tensor.
 *  - Nemotron 3 Nano 30B-A3B's (nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-
 *    NVFP4's config.json, verbatim in ai-dynamo/aiconfigurator
 *    model_configs @ 095f58a; research/nemotron-quant-keep.md): hidden
 *    2688, 23 M, 6 *, 23 E (pattern below), 64 Mamba heads of 64, 8
 *    groups of 128, conv 4 with its bias; 32 heads and 2 kv heads of 128;
 *    128 experts of 1856 and one shared of 3712; vocab 131072 untied.
 *      M: in_proj 2688 x (2 x 4096 + 2 x 8 x 128 + 64) = 27,697,152,
 *         conv1d (4096 + 2048) x (4 + 1) = 30,720, A_log, D and dt_bias
 *         192, the gated norm 4096, out_proj 4096 x 2688 = 11,010,048,
 *         the block's norm 2688: 38,744,896;
 *      *: q and o 2 x 2688 x 4096, k and v 2 x 2688 x 256, norm 2688:
 *         23,399,040;
 *      E: the router 2688 x 128 + 128, the experts 128 x 2 x 2688 x 1856
 *         = 1,277,165,568, the shared 2 x 2688 x 3712 = 19,955,712, norm
 *         2688: 1,297,468,160;
 *    with embeddings and head 2 x 131072 x 2688 and norm_f 2688:
 *    31,577,940,288, NVIDIA's "31.6B total".  Before, every layer was
 *    taken to hold 128 gated experts: 57.7 billion. */
static void test_nemotron_params(void **state)
{
	static const char nano[] =
		"{\"model_type\": \"nemotron_h\", \"num_hidden_layers\": 52,"
		" \"hidden_size\": 2688, \"num_attention_heads\": 32,"
		" \"num_key_value_heads\": 2, \"head_dim\": 128, \"vocab_size\": 131072,"
		" \"tie_word_embeddings\": false, \"mamba_num_heads\": 64,"
		" \"mamba_head_dim\": 64, \"ssm_state_size\": 128, \"n_groups\": 8,"
		" \"expand\": 2, \"conv_kernel\": 4, \"use_conv_bias\": true,"
		" \"mamba_proj_bias\": false, \"use_bias\": false, \"mlp_bias\": false,"
		" \"intermediate_size\": 1856, \"n_routed_experts\": 128,"
		" \"moe_intermediate_size\": 1856,"
		" \"moe_shared_expert_intermediate_size\": 3712, \"n_shared_experts\": 1,"
		" %s}";
	const uint64_t mamba = 2688ull * 10304 + 6144 * 5 + 192 + 4096 + 4096ull * 2688 + 2688;
	const uint64_t attn = 2 * 2688ull * 4096 + 2 * 2688ull * 256 + 2688;
	const uint64_t moe = 2688ull * 128 + 128 + 128 * 2 * 2688ull * 1856 +
	                     2 * 2688ull * 3712 + 2688;
	char json[2048], list[1024] = "\"layers_block_type\": [";
	const char *pattern = "MEMEM*EMEMEM*EMEMEM*EMEMEM*EMEMEM*EMEMEMEM*EMEMEMEME";
	kvp_model m, one;
	kvp_source src;
	kvp_error err;
	char path[512];

	(void)state;
	snprintf(path, sizeof path, "%s/tests/configs/nemotron-h-56b/config.json",
	         KVP_TEST_SRCDIR);
	assert_int_equal(kvp_config_read(path, &m, &src, NULL, &err), KVP_OK);
	assert_int_equal(m.params, 56324350464ull);
	/* Nemotron 3 Nano's config gives rope_theta 10000, which its attention
	 * never uses: no rotary table, as data/models says */
	snprintf(path, sizeof path, "%s/tests/configs/nemotron-3-nano-30b-a3b/config.json",
	         KVP_TEST_SRCDIR);
	assert_int_equal(kvp_config_read(path, &m, &src, NULL, &err), KVP_OK);
	assert_int_equal(m.rope, KVP_ROPE_NONE);
	assert_int_equal(m.params, 31577940288ull);
	snprintf(json, sizeof json, nano, "\"hybrid_override_pattern\":"
	         " \"MEMEM*EMEMEM*EMEMEM*EMEMEM*EMEMEM*EMEMEMEM*EMEMEMEME\"");
	expect_ok(json, &m, &src);
	assert_int_equal(mamba, 38744896);
	assert_int_equal(attn, 23399040);
	assert_int_equal(moe, 1297468160);
	assert_int_equal(m.params, 23 * mamba + 6 * attn + 23 * moe + 2 * 131072ull * 2688 + 2688);
	assert_int_equal(m.params, 31577940288ull);
	one = m;
	/* transformers 5's layers_block_type: the same blocks by name */
	for (size_t i = 0; pattern[i]; i++)
		snprintf(list + strlen(list), sizeof list - strlen(list), "%s\"%s\"", i ? ", " : "",
		         pattern[i] == 'M' ? "mamba" : pattern[i] == '*' ? "attention" : "moe");
	strcat(list, "]");
	snprintf(json, sizeof json, nano, list);
	expect_ok(json, &m, &src);
	assert_int_equal(m.params, one.params);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_RECURRENT), 23);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_FULL), 6);
	assert_memory_equal(m.pattern, one.pattern, sizeof m.pattern);
	/* MLP layers with biases: "-*-" of hidden 64, 4 heads of 16, vocab
	 * 100 tied, intermediate 10: norms 3 x 64 + 64, embeddings 6,400, MLPs
	 * 2 x (2 x 64 x 10 + 10 + 64), attention 4 x 64 x 64. */
	expect_ok("{\"model_type\": \"nemotron_h\", \"num_hidden_layers\": 3,"
	          " \"hidden_size\": 64, \"num_attention_heads\": 4, \"vocab_size\": 100,"
	          " \"tie_word_embeddings\": true, \"mlp_bias\": true,"
	          " \"intermediate_size\": 10, \"hybrid_override_pattern\": \"-*-\"}",
	          &m, &src);
	assert_int_equal(m.params, 4 * 64 + 6400 + 2 * (2 * 64 * 10 + 10 + 64) + 4 * 64 * 64);
	expect_error("{\"model_type\": \"nemotron_h\", \"num_hidden_layers\": 2,"
	             " \"num_attention_heads\": 4, \"hidden_size\": 64,"
	             " \"layers_block_type\": [\"mamba\", \"conv\"]}", KVP_ERR_PARSE,
	             "layer 1 is not \"linear_attention\", \"full_attention\","
	             " \"mlp\" or \"moe\" (nor \"mamba\" or \"attention\")");
	/* Nemotron 3 Ultra's config gives no num_hidden_layers: its
	 * layers_block_type's length is the count, as transformers 5 takes
	 * it; a count and a list that differ are refused. */
	expect_ok("{\"model_type\": \"nemotron_h\", \"hidden_size\": 64,"
	          " \"num_attention_heads\": 4, \"vocab_size\": 100, \"intermediate_size\": 10,"
	          " \"layers_block_type\": [\"mlp\", \"attention\", \"mlp\"]}", &m, &src);
	assert_int_equal(m.layers, 3);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_FULL), 1);
	/* mamba_ssm_cache_dtype, the SSM state's type vLLM takes */
	expect_ok("{\"model_type\": \"nemotron_h\", \"hidden_size\": 64,"
	          " \"num_attention_heads\": 4, \"vocab_size\": 100, \"intermediate_size\": 10,"
	          " \"mamba_ssm_cache_dtype\": \"bfloat16\","
	          " \"layers_block_type\": [\"mlp\", \"attention\", \"mlp\"]}", &m, &src);
	assert_int_equal(m.ssm_cache_bytes, 2);
	/* torch's names too, and vLLM's auto (none named) */
	expect_ok("{\"model_type\": \"nemotron_h\", \"num_hidden_layers\": 1,"
	          " \"num_attention_heads\": 4, \"hidden_size\": 64,"
	          " \"mamba_ssm_cache_dtype\": \"float\", \"hybrid_override_pattern\": \"*\"}",
	          &m, &src);
	assert_int_equal(m.ssm_cache_bytes, 4);
	expect_ok("{\"model_type\": \"nemotron_h\", \"num_hidden_layers\": 1,"
	          " \"num_attention_heads\": 4, \"hidden_size\": 64,"
	          " \"mamba_ssm_cache_dtype\": \"auto\", \"hybrid_override_pattern\": \"*\"}",
	          &m, &src);
	assert_int_equal(m.ssm_cache_bytes, 0);
	expect_error("{\"model_type\": \"nemotron_h\", \"num_hidden_layers\": 1,"
	             " \"num_attention_heads\": 4, \"hidden_size\": 64,"
	             " \"mamba_ssm_cache_dtype\": \"fp8\", \"hybrid_override_pattern\": \"*\"}",
	             KVP_ERR_PARSE, "mamba_ssm_cache_dtype: not float32, float16, bfloat16 or auto");
	/* Qwen3.5's mamba_ssm_dtype (its own key) */
	expect_ok("{\"model_type\": \"qwen3_5_text\", \"num_hidden_layers\": 4,"
	          " \"hidden_size\": 256, \"num_attention_heads\": 4, \"num_key_value_heads\": 2,"
	          " \"head_dim\": 64, \"linear_conv_kernel_dim\": 4, \"linear_key_head_dim\": 32,"
	          " \"linear_value_head_dim\": 32, \"linear_num_key_heads\": 2,"
	          " \"linear_num_value_heads\": 4, \"mamba_ssm_dtype\": \"half\"}", &m, &src);
	assert_int_equal(m.ssm_cache_bytes, 2);
	expect_error("{\"model_type\": \"nemotron_h\", \"num_hidden_layers\": 4,"
	             " \"num_attention_heads\": 4, \"hidden_size\": 64,"
	             " \"layers_block_type\": [\"mlp\", \"attention\", \"mlp\"]}",
	             KVP_ERR_PARSE, "3 layers for num_hidden_layers 4");
}

/* transformers' newest block names and Nemotron-H's MTP layers
 * (lib/hf_nemotron.c).
 *  - Nemotron 3 Super 120B-A12B's config.json (tests/configs; its FP8
 *    release's, verbatim in ai-dynamo/aiconfigurator model_configs @
 *    095f58a): hidden 4096; 40 M, 8 *, 40 E; 128 Mamba heads of 64, 8
 *    groups of 128, conv 4 with its bias; 32 heads and 2 kv heads of 128;
 *    512 latent experts of 2688 over moe_latent_size 1024, one shared of
 *    5376; vocab 131072 untied; num_nextn_predict_layers 1,
 *    mtp_hybrid_override_pattern "*E".
 *      M: in_proj 4096 x (2 x 8192 + 2 x 8 x 128 + 128), conv1d (8192 +
 *         2048) x 5, A_log, D and dt_bias 384, the gated norm 8192,
 *         out_proj 8192 x 4096, norm 4096: 109,640,064;
 *      *: q and o 2 x 4096 x 4096, k and v 2 x 4096 x 256, norm:
 *         35,655,680;
 *      E: the router 4096 x 512 + 512, the experts 512 x 2 x 1024 x 2688,
 *         the latent projections 2 x 4096 x 1024, the shared 2 x 4096 x
 *         5376, norm: 2,873,102,848;
 *    with embeddings and head 2 x 131072 x 4096 and norm_f:
 *    120,668,707,840 (NVIDIA: 120B; llama.cpp's n_params for a GGUF
 *    without the MTP tensors); its MTP layer, vLLM's
 *    NemotronHMultiTokenPredictor: a * and an E block, eh_proj 2 x 4096 x
 *    4096, enorm, hnorm and final_layernorm: 2,942,325,248.  In all
 *    123,611,033,088, as NVIDIA's Megatron-Bridge verification card
 *    counts the BF16 checkpoint's 42,683 tensors
 *    (examples/model_verification_cards/nemotron-3-super-120b-a12b/
 *    card.yaml; research/nemotron-super-mtp.md).
 *  - A small "-*-" model (hidden 64, 4 heads of 16, vocab 100 tied,
 *    intermediate 10, MLP biases) for the MTP pattern's rules: an MTP
 *    layer of "*-" holds eh_proj 2 x 64 x 64, 3 norms of 64, attention 4
 *    x 64 x 64 + 64 and the MLP 2 x 64 x 10 + 10 + 64 + 64. */
static void test_nemotron_mtp(void **state)
{
	static const char small[] =
		"{\"model_type\": \"nemotron_h\", \"num_hidden_layers\": 3,"
		" \"hidden_size\": 64, \"num_attention_heads\": 4, \"vocab_size\": 100,"
		" \"tie_word_embeddings\": true, \"mlp_bias\": true,"
		" \"intermediate_size\": 10, \"hybrid_override_pattern\": \"-*-\"%s}";
	const uint64_t d = 4096;
	const uint64_t mamba = d * 18560 + 10240 * 5 + 384 + 8192 + 8192 * d + d;
	const uint64_t attn = 2 * d * 4096 + 2 * d * 256 + d;
	const uint64_t moe = d * 512 + 512 + 512 * 2 * 1024 * 2688ull + 2 * d * 1024 +
	                     2 * d * 5376 + d;
	const uint64_t base = 40 * mamba + 8 * attn + 40 * moe + 2 * 131072 * d + d;
	const uint64_t mtp = attn + moe + 2 * d * d + 3 * d;
	const uint64_t plain = 4 * 64 + 6400 + 2 * (2 * 64 * 10 + 10 + 64) + 4 * 64 * 64;
	const uint64_t small_attn = 4 * 64 * 64 + 64, small_mlp = 2 * 64 * 10 + 10 + 64 + 64;
	const uint64_t small_moe_free = 2 * 64 * 64 + 3 * 64;
	char json[1024], path[512];
	kvp_model m;
	kvp_source src;
	kvp_error err;

	(void)state;
	assert_int_equal(mamba, 109640064);
	assert_int_equal(attn, 35655680);
	assert_int_equal(moe, 2873102848ull);
	assert_int_equal(base, 120668707840ull);
	assert_int_equal(mtp, 2942325248ull);
	snprintf(path, sizeof path, "%s/tests/configs/nemotron-3-super-120b/config.json",
	         KVP_TEST_SRCDIR);
	assert_int_equal(kvp_config_read(path, &m, &src, NULL, &err), KVP_OK);
	assert_int_equal(m.mtp_layers, 1);
	assert_int_equal(m.mtp_params, mtp);
	assert_int_equal(m.params, base + mtp);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_RECURRENT), 40);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_FULL), 8);
	assert_non_null(strstr(kvp_source_find(&src, "params")->text, "the MTP layers'"));
	/* Nemotron 3 Ultra's (the BF16 release's, same source): no
	 * num_hidden_layers, and transformers 5's lists of blocks, the MTP
	 * layer's ["attention", "moe"] among them; Nemotron 3.5 Lightning's
	 * the same with moe_latent_size null.  Megatron-Bridge's
	 * verification cards count 560,524,603,904 and 32,913,266,240
	 * parameters in their checkpoints, the MTP layer's with them; its PR
	 * #5801 counts Nano's 31,577,940,288, Lightning's model without its
	 * 270 MTP tensors (as test_nemotron_params). */
	snprintf(path, sizeof path, "%s/tests/configs/nemotron-3-ultra-550b/config.json",
	         KVP_TEST_SRCDIR);
	assert_int_equal(kvp_config_read(path, &m, &src, NULL, &err), KVP_OK);
	assert_int_equal(m.layers, 108);
	assert_int_equal(m.mtp_layers, 1);
	assert_int_equal(m.params, 560524603904ull);
	snprintf(path, sizeof path, "%s/tests/configs/nemotron-3.5-lightning-30b/config.json",
	         KVP_TEST_SRCDIR);
	assert_int_equal(kvp_config_read(path, &m, &src, NULL, &err), KVP_OK);
	assert_int_equal(m.params, 32913266240ull);
	assert_int_equal(m.params - m.mtp_params, 31577940288ull);

	/* No MTP layer: no MTP params, whatever pattern is named. */
	snprintf(json, sizeof json, small, ", \"mtp_hybrid_override_pattern\": \"*-\"");
	expect_ok(json, &m, &src);
	assert_int_equal(m.params, plain);
	assert_int_equal(m.mtp_params, 0);
	/* One: the string's blocks */
	snprintf(json, sizeof json, small, ", \"num_nextn_predict_layers\": 1,"
	         " \"mtp_hybrid_override_pattern\": \"*-\"");
	expect_ok(json, &m, &src);
	assert_int_equal(m.mtp_layers, 1);
	assert_int_equal(m.mtp_params, small_moe_free + small_attn + small_mlp);
	assert_int_equal(m.mtp_params, 26250);
	assert_int_equal(m.params, plain + 26250);
	/* Two layers of them: the checkpoint's num_nextn_predict_layers x
	 * the pattern (vLLM and llama.cpp build one alone, and assert it:
	 * said) */
	snprintf(json, sizeof json, small, ", \"num_nextn_predict_layers\": 2,"
	         " \"mtp_hybrid_override_pattern\": \"-*\"");
	expect_ok(json, &m, &src);
	assert_int_equal(m.mtp_params, 2 * 26250);
	assert_int_equal(src.n_warnings, 1);
	assert_non_null(strstr(src.warnings[0], "2 MTP layers: vLLM and llama.cpp build a"
	                       " Nemotron-H's one alone"));
	/* transformers' rule: the list's default ["full_attention", "moe"]
	 * (or its legacy names) yields to the string; another list wins */
	snprintf(json, sizeof json, small, ", \"num_nextn_predict_layers\": 1,"
	         " \"mtp_layers_block_type\": [\"attention\", \"moe\"],"
	         " \"mtp_hybrid_override_pattern\": \"*-\"");
	expect_ok(json, &m, &src);
	assert_int_equal(m.mtp_params, 26250);
	snprintf(json, sizeof json, small, ", \"num_nextn_predict_layers\": 1,"
	         " \"mtp_layers_block_type\": [\"mlp\", \"full_attention\"],"
	         " \"mtp_hybrid_override_pattern\": \"*E\"");
	expect_ok(json, &m, &src);
	assert_int_equal(m.mtp_params, 26250);
	/* Neither: "*E", an expert block of the config's (none here: its
	 * router of 0 experts, the block's norm) */
	snprintf(json, sizeof json, small, ", \"num_nextn_predict_layers\": 1");
	expect_ok(json, &m, &src);
	assert_int_equal(m.mtp_params, small_moe_free + small_attn + 64);
	/* Blocks vLLM does not build, or a cache of no attention or of two:
	 * left out, and said */
	snprintf(json, sizeof json, small, ", \"num_nextn_predict_layers\": 1,"
	         " \"mtp_hybrid_override_pattern\": \"**-\"");
	expect_ok(json, &m, &src);
	assert_int_equal(m.mtp_layers, 0);
	assert_int_equal(m.mtp_params, 0);
	assert_int_equal(m.params, plain);
	assert_int_equal(src.n_warnings, 1);
	assert_non_null(strstr(src.warnings[0], "the MTP layers' blocks \"**-\" are not modelled"));
	snprintf(json, sizeof json, small, ", \"num_nextn_predict_layers\": 1,"
	         " \"mtp_layers_block_type\": [\"linear_attention\", \"full_attention\"]");
	expect_ok(json, &m, &src);
	assert_int_equal(m.mtp_layers, 0);
	assert_non_null(strstr(src.warnings[0], "\"M*\" are not modelled"));
	snprintf(json, sizeof json, small, ", \"num_nextn_predict_layers\": 1,"
	         " \"mtp_layers_block_type\": [\"moe\", \"conv\"]");
	expect_error(json, KVP_ERR_PARSE, "mtp_layers_block_type: layer 1 is not"
	             " \"linear_attention\"");
	snprintf(json, sizeof json, small, ", \"num_nextn_predict_layers\": 1,"
	         " \"mtp_hybrid_override_pattern\": \"\"");
	expect_error(json, KVP_ERR_PARSE, "mtp_hybrid_override_pattern: empty");
	snprintf(json, sizeof json, small, ", \"num_nextn_predict_layers\": 1,"
	         " \"mtp_hybrid_override_pattern\": \"*EEEEEEEEEEEEEEEEE\"");
	expect_error(json, KVP_ERR_PARSE, "18 blocks, more than the 16 modelled");

	/* A checkpoint's index beside the config, its shards not there: the
	 * params its total_size gives, 2 B each, and the config's estimate of
	 * the MTP layers where its weight_map names their tensors; none
	 * where it names none (they are not in the checkpoint). */
	{
		static const char index[] =
			"{\"metadata\": {\"total_size\": %llu}, \"weight_map\":"
			" {\"backbone.embeddings.weight\": \"a.safetensors\"%s}}";
		const uint64_t total = plain + 26250;
		char text[512], cfg[512];

		snprintf(json, sizeof json, small, ", \"num_nextn_predict_layers\": 1,"
		         " \"mtp_hybrid_override_pattern\": \"*-\"");
		snprintf(cfg, sizeof cfg, "%s", testutil_write_file("idx/config.json", json));
		snprintf(text, sizeof text, index, (unsigned long long)(2 * total),
		         ", \"mtp.layers.0.eh_proj.weight\": \"b.safetensors\"");
		testutil_write_file("idx/model.safetensors.index.json", text);
		assert_int_equal(kvp_config_read(cfg, &m, &src, NULL, &err), KVP_OK);
		assert_int_equal(m.params, total);
		assert_int_equal(m.mtp_params, 26250);
		snprintf(text, sizeof text, index, (unsigned long long)(2 * plain), "");
		testutil_write_file("idx/model.safetensors.index.json", text);
		assert_int_equal(kvp_config_read(cfg, &m, &src, NULL, &err), KVP_OK);
		assert_int_equal(m.params, plain);
		assert_int_equal(m.mtp_params, 0);
		assert_non_null(strstr(kvp_source_find(&src, "params")->text,
		                       "no MTP layer's tensor named"));
		/* nor its MTP layer: none to load, and said */
		assert_int_equal(m.mtp_layers, 0);
		assert_int_equal(src.n_warnings, 1);
		assert_non_null(strstr(src.warnings[0], "names no MTP layer's tensor: the"
		                                        " config's 1 MTP layer is not in the checkpoint"));
	}

	/* transformers' names (linear_attention, full_attention) and its
	 * layer_types alias; a list and a string that agree, and two that
	 * do not, refused */
	expect_ok("{\"model_type\": \"nemotron_h\", \"hidden_size\": 64,"
	          " \"num_attention_heads\": 4, \"vocab_size\": 100, \"intermediate_size\": 10,"
	          " \"mamba_num_heads\": 2, \"mamba_head_dim\": 32, \"n_groups\": 1,"
	          " \"ssm_state_size\": 16, \"conv_kernel\": 4,"
	          " \"layer_types\": [\"linear_attention\", \"full_attention\", \"mlp\"]}",
	          &m, &src);
	assert_int_equal(m.layers, 3);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_RECURRENT), 1);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_FULL), 1);
	expect_ok("{\"model_type\": \"nemotron_h\", \"hidden_size\": 64,"
	          " \"num_attention_heads\": 4, \"vocab_size\": 100, \"intermediate_size\": 10,"
	          " \"hybrid_override_pattern\": \"-*-\","
	          " \"layers_block_type\": [\"mlp\", \"attention\", \"mlp\"]}", &m, &src);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_FULL), 1);
	expect_error("{\"model_type\": \"nemotron_h\", \"hidden_size\": 64,"
	             " \"num_attention_heads\": 4, \"vocab_size\": 100,"
	             " \"hybrid_override_pattern\": \"-*-\","
	             " \"layers_block_type\": [\"mlp\", \"mlp\", \"attention\"]}",
	             KVP_ERR_PARSE, "hybrid_override_pattern: layer 1 is *, and"
	             " layers_block_type's -");
	expect_error("{\"model_type\": \"nemotron_h\", \"hidden_size\": 64,"
	             " \"num_attention_heads\": 4, \"vocab_size\": 100,"
	             " \"hybrid_override_pattern\": \"-*\","
	             " \"layers_block_type\": [\"mlp\", \"mlp\", \"attention\"]}",
	             KVP_ERR_PARSE, "hybrid_override_pattern: 2 layers, and"
	             " layers_block_type 3");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nemotron_params),
		cmocka_unit_test(test_nemotron_mtp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
