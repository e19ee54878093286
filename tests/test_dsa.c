/*
 * test_dsa.c — DeepSeek Sparse Attention (DeepSeek-V3.2, GLM-5): the
 * lightning indexer's key beside each MLA layer's latent (kvp_model
 * index_head_dim), as the model keeps it and as each engine does.  The
 * key is index_head_dim fp8 values and an fp32 scale per 128 of them:
 * 128 + 4 = 132 B a token and layer (DeepSeek's inference/model.py
 * Indexer; vLLM's DeepseekV32IndexerCache, SGLang's DSATokenToKVPool,
 * TensorRT-LLM's DSACacheManager), but llama.cpp's second cache of one
 * head of index_head_dim in the K type (llama_kv_cache_dsa).  The model
 * is DeepSeek-V3's shape (61 layers, latent 512 + 64) with
 * index_head_dim 128.  Every figure is worked by hand in its comment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"
#include "testmodel.h"

static kvp_model v32(void)
{
	kvp_model m = testmodel_deepseek_v3();
	kvp_error err;

	snprintf(m.model_type, sizeof m.model_type, "deepseek_v32");
	m.index_head_dim = 128;
	if (kvp_model_finalize(&m, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return m;
}

static kvp_request request(kvp_engine engine, kvp_dtype t, uint64_t seq)
{
	kvp_request r;

	kvp_request_init(&r);
	r.engine = engine;
	r.dtype_k = r.dtype_v = t;
	r.seq = seq;
	return r;
}

/* One layer's bytes a token (the latent, the key, the two together) and
 * the group's cells under r. */
static void layer_is(kvp_request r, uint64_t latent, uint64_t index, uint64_t cells)
{
	kvp_model m = v32();
	kvp_plan p;
	kvp_error err;

	if (kvp_plan_compute(&m, &r, &p, &err) != KVP_OK)
		fail_msg("%s", err.message);
	assert_int_equal(p.group_count, 1);
	assert_int_equal(p.groups[0].index_values, 128);
	assert_int_equal(p.groups[0].latent_bytes_per_token, latent);
	assert_int_equal(p.groups[0].index_bytes_per_token, index);
	assert_int_equal(p.groups[0].bytes_per_token, latent + index);
	assert_int_equal(p.groups[0].cells, cells);
	assert_int_equal(p.groups[0].index_bytes, 61 * cells * index);
	assert_int_equal(p.groups[0].bytes, 61 * cells * (latent + index));
	assert_int_equal(p.kv_bytes_per_token, 61 * (latent + index));
}

/* The model's own cache at 1,000 tokens: the latent in the cache type,
 * the key 132 B whatever it is.  fp16: 1,152 + 132 = 1,284 B a layer,
 * 61 x 1,284 = 78,324 B a token; fp8 576 + 132; fp8_ds_mla (fp8 with
 * scales, bf16 rope) 656 + 132. */
static void test_exact(void **state)
{
	(void)state;
	layer_is(request(KVP_ENGINE_EXACT, KVP_DTYPE_FP16, 1000), 1152, 132, 1000);
	layer_is(request(KVP_ENGINE_EXACT, KVP_DTYPE_FP8, 1000), 576, 132, 1000);
	layer_is(request(KVP_ENGINE_EXACT, KVP_DTYPE_FP8_DS_MLA, 1000), 656, 132, 1000);
}

/* Each engine at 1,000 tokens.
 *  - SGLang (pages of 1 here, a row of padding): fp8 576 as given (the
 *    trtllm backends' raw latent), fp8_ds_mla (its backends' scaled
 *    layout elsewhere, kvp_request_for_device) 512 + 512 / 128 x 4 +
 *    64 x 2 = 656 B (calculate_mla_kv_cache_dim), fp16 1,152; the key
 *    132.
 *  - vLLM (no GPU: blocks of 16, 63 of them): fp8 576 as given (its
 *    GPU's backend may make it fp8_ds_mla), the key 132.
 *  - TensorRT-LLM (blocks of 32, 32 of them): 576 + 132.
 *  - llama.cpp (1,024 cells): the key in the K type, f16 128 x 2 = 256
 *    beside 1,152; q8_0 128 / 32 x 34 = 136 beside 576 / 32 x 34 = 612. */
static void test_engines(void **state)
{
	(void)state;
	layer_is(request(KVP_ENGINE_SGLANG, KVP_DTYPE_FP8, 1000), 576, 132, 1001);
	layer_is(request(KVP_ENGINE_SGLANG, KVP_DTYPE_FP8_DS_MLA, 1000), 656, 132, 1001);
	layer_is(request(KVP_ENGINE_SGLANG, KVP_DTYPE_FP16, 1000), 1152, 132, 1001);
	layer_is(request(KVP_ENGINE_VLLM, KVP_DTYPE_FP8, 1000), 576, 132, 1008);
	layer_is(request(KVP_ENGINE_TRTLLM, KVP_DTYPE_FP8, 1000), 576, 132, 1024);
	layer_is(request(KVP_ENGINE_LLAMA_CPP, KVP_DTYPE_FP16, 1000), 1152, 256, 1024);
	layer_is(request(KVP_ENGINE_LLAMA_CPP, KVP_DTYPE_Q8_0, 1000), 612, 136, 1024);
}

/* SGLang's published pool (PR #11309, DeepSeek-V3.2-Exp on 8 B200s,
 * --tp 8 --dp 8 --enable-dp-attention, fp8 by default on Blackwell, which
 * flashmla_kv kept scaled before 0.5.10: fp8_ds_mla; pages of 64: "KV
 * Cache is allocated. #tokens: 975424, KV size: 43.67 GB").  A token of
 * its pool takes 61 x (656 + 132) = 48,068 B
 * (DefaultPoolConfigurator._compute_cell_size), so a budget of 975,424 x
 * 48,068 = 46,886,680,832 B holds 975,424 tokens, 15,241 pages; the
 * pools (975,424 + 64) x 61 x 656 + 15,242 pages of 64 x 132 x 61 =
 * 39,035,127,808 + 7,854,629,376 = 46,889,757,184 B, 43.67 GiB.  A byte
 * less, a page less. */
static void test_sglang_log(void **state)
{
	kvp_model m = v32();
	kvp_request r = request(KVP_ENGINE_SGLANG, KVP_DTYPE_FP8_DS_MLA, 8192);
	kvp_capacity c;
	kvp_plan p;
	kvp_error err;

	(void)state;
	r.block_size = 64;
	r.tp = 8;
	r.dp = 8;
	r.attention_dp = true;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_capacity(&p, 46886680832ULL, &c, &err), KVP_OK);
	assert_int_equal(c.log_tokens, 975424);
	assert_int_equal(c.tokens, 975424);
	assert_int_equal(c.allocated_bytes, 46889757184ULL);
	assert_int_equal(kvp_plan_capacity(&p, 46886680831ULL, &c, &err), KVP_OK);
	assert_int_equal(c.tokens, 975360);
}

/* vLLM (kv_cache_utils.py: one group, UniformTypeKVCacheSpecs, blocks of
 * 64): a block is 61 layers' MLA pages of 64 x 656 and 61 indexer pages
 * of 64 x 132, 61 x 64 x 788 = 3,076,352 B; 30 GiB hold 32,212,254,720
 * // 3,076,352 = 10,470 blocks, 670,080 tokens. */
static void test_vllm_blocks(void **state)
{
	kvp_model m = v32();
	kvp_request r = request(KVP_ENGINE_VLLM, KVP_DTYPE_FP8_DS_MLA, 8192);
	kvp_capacity c;
	kvp_plan p;
	kvp_error err;

	(void)state;
	r.block_size = 64;
	r.vllm_version = 20;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_capacity(&p, 30ULL << 30, &c, &err), KVP_OK);
	assert_int_equal(c.blocks, 10470);
	assert_int_equal(c.tokens, 670080);
}

/* The model's checks: an indexer needs MLA, and a key of whole blocks of
 * 128 (its scales). */
static void test_model_checks(void **state)
{
	kvp_model m = testmodel_new(4, 4096, 32, 8, 1000, 1000000000ull);
	kvp_model mla = v32();
	kvp_error err;

	(void)state;
	m.index_head_dim = 128;
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_ERR_SHAPE);
	assert_non_null(strstr(err.message, "index_head_dim 128 is DeepSeek Sparse Attention's"
	                                    " indexer, which needs MLA"));
	mla.index_head_dim = 100;
	assert_int_equal(kvp_model_finalize(&mla, &err), KVP_ERR_SHAPE);
	assert_non_null(strstr(err.message, "index_head_dim 100 is not a multiple of 128"));
}

/* config.json: index_head_dim read for the sparse types, 128 where left
 * out (DeepseekV32Config's default); an indexer shared across layers
 * (GLM-5.2's index_topk_freq) read, with its offset's default; a dense
 * type's key not read. */
static void test_config(void **state)
{
	static const char *const base =
		"{\"model_type\": \"%s\", \"num_hidden_layers\": 61, \"hidden_size\": 7168,"
		" \"num_attention_heads\": 128, \"num_key_value_heads\": 128,"
		" \"kv_lora_rank\": 512, \"qk_rope_head_dim\": 64, \"qk_nope_head_dim\": 128,"
		" \"v_head_dim\": 128, \"vocab_size\": 129280%s}";
	char text[1024];
	kvp_model m;
	kvp_source src;
	kvp_error err;

	(void)state;
	snprintf(text, sizeof text, base, "deepseek_v32", ", \"index_head_dim\": 256");
	assert_int_equal(kvp_config_parse(text, strlen(text), "t/config.json", &m, &src, &err),
	                 KVP_OK);
	assert_int_equal(m.index_head_dim, 256);
	assert_int_equal(m.index_heads, 64);   /* DeepseekV32Config's */
	/* The indexer's weights in the estimate: its heads' part is hidden
	 * x heads (weights_proj) in each of 61 layers, and q_lora_rank (0
	 * here) x heads x dim: 64 heads less 16 are 61 x 7,168 x 48 =
	 * 20,987,904 params. */
	{
		uint64_t more;

		snprintf(text, sizeof text, base, "deepseek_v32", ", \"index_n_heads\": 64");
		assert_int_equal(kvp_config_parse(text, strlen(text), "t/config.json", &m, &src,
		                                  &err), KVP_OK);
		more = m.params;
		snprintf(text, sizeof text, base, "deepseek_v32", ", \"index_n_heads\": 16");
		assert_int_equal(kvp_config_parse(text, strlen(text), "t/config.json", &m, &src,
		                                  &err), KVP_OK);
		assert_int_equal(m.index_heads, 16);
		assert_int_equal(more - m.params, 20987904);
	}
	snprintf(text, sizeof text, base, "glm_moe_dsa", "");
	assert_int_equal(kvp_config_parse(text, strlen(text), "t/config.json", &m, &src, &err),
	                 KVP_OK);
	assert_int_equal(m.index_head_dim, 128);
	assert_int_equal(m.index_heads, 32);   /* GlmMoeDsaConfig's */
	snprintf(text, sizeof text, base, "deepseek_v3", ", \"index_head_dim\": 128");
	assert_int_equal(kvp_config_parse(text, strlen(text), "t/config.json", &m, &src, &err),
	                 KVP_OK);
	assert_int_equal(m.index_head_dim, 0);
	/* index_skip_topk_offset absent: GlmMoeDsaConfig's 2, layer i full
	 * when max(i - 1, 0) % 4 == 0: 0, 1, 5, 9, ..., 57, 2 + 14 of 61. */
	snprintf(text, sizeof text, base, "glm_moe_dsa", ", \"index_topk_freq\": 4");
	assert_int_equal(kvp_config_parse(text, strlen(text), "t/config.json", &m, &src, &err),
	                 KVP_OK);
	assert_int_equal(m.index_topk_freq, 4);
	assert_int_equal(m.index_topk_offset, 0);
	assert_int_equal(kvp_model_count_indexed(&m), 16);
	assert_true(kvp_model_layer_indexed(&m, 1) && kvp_model_layer_indexed(&m, 5));
	assert_false(kvp_model_layer_indexed(&m, 2) || kvp_model_layer_indexed(&m, 4));
	snprintf(text, sizeof text, base, "glm_moe_dsa",
	         ", \"index_topk_freq\": 4, \"index_skip_topk_offset\": 0");
	assert_int_equal(kvp_config_parse(text, strlen(text), "t/config.json", &m, &src, &err),
	                 KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "index_skip_topk_offset: 0 makes layer 0 share"));
	snprintf(text, sizeof text, base, "deepseek_v32", ", \"index_head_dim\": 100");
	assert_int_equal(kvp_config_parse(text, strlen(text), "t/config.json", &m, &src, &err),
	                 KVP_ERR_PARSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_engines),
		cmocka_unit_test(test_sglang_log),
		cmocka_unit_test(test_vllm_blocks),
		cmocka_unit_test(test_model_checks),
		cmocka_unit_test(test_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
