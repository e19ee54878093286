/*
 * test_mamba.c — models without attention (Mamba, Falcon Mamba, Mamba-2):
 * their config.json read (lib/hf_recurrent.c: every layer recurrent, no
 * heads), their parameters counted (lib/hf_count.c), the model's checks
 * (lib/model.c), and their state as vLLM, llama.cpp and SGLang keep it,
 * TensorRT-LLM, which does not run them, refused (lib/plan.c).  Engine rules from
 * /work/research/mamba-only.md, each cited where it is used; every figure
 * worked by hand beside its assertion.
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

/* tiiuae/falcon-mamba-7b's config.json, the keys kvplan reads (expand 16
 * beside intermediate_size 8192: the mixer's width is the latter, as
 * vLLM, llama.cpp and TensorRT-LLM read it). */
static const char falcon_mamba[] = "{\"architectures\": [\"FalconMambaForCausalLM\"],"
	" \"model_type\": \"falcon_mamba\", \"conv_kernel\": 4, \"expand\": 16,"
	" \"hidden_size\": 4096, \"intermediate_size\": 8192, \"num_hidden_layers\": 64,"
	" \"state_size\": 16, \"tie_word_embeddings\": false, \"time_step_rank\": 256,"
	" \"torch_dtype\": \"bfloat16\", \"use_bias\": false, \"use_conv_bias\": true,"
	" \"vocab_size\": 65024}";

/* state-spaces/mamba-2.8b-hf's (no tie_word_embeddings: MambaConfig keeps
 * PretrainedConfig's True). */
static const char mamba_28b[] = "{\"architectures\": [\"MambaForCausalLM\"],"
	" \"model_type\": \"mamba\", \"conv_kernel\": 4, \"expand\": 2,"
	" \"hidden_size\": 2560, \"intermediate_size\": 5120, \"num_hidden_layers\": 64,"
	" \"state_size\": 16, \"time_step_rank\": 160, \"use_bias\": false,"
	" \"use_conv_bias\": true, \"vocab_size\": 50280}";

/* mistralai/Mamba-Codestral-7B-v0.1's. */
static const char codestral[] = "{\"architectures\": [\"Mamba2ForCausalLM\"],"
	" \"model_type\": \"mamba2\", \"chunk_size\": 256, \"conv_kernel\": 4,"
	" \"expand\": 2, \"head_dim\": 64, \"hidden_size\": 4096, \"n_groups\": 8,"
	" \"num_heads\": 128, \"num_hidden_layers\": 64, \"state_size\": 128,"
	" \"tie_word_embeddings\": false, \"use_bias\": false, \"use_conv_bias\": true,"
	" \"vocab_size\": 32768}";

/* Falcon Mamba 7B read: no heads, 64 recurrent layers of d_inner 8192,
 * state 16, no groups.  Params as FalconMambaForCausalLM builds them (its
 * dt, B and C RMSNorms carry no weight): a layer's in_proj 4096 x 16384
 * = 67,108,864, conv1d 8192 x 4 + 8192 = 40,960, x_proj 8192 x (256 +
 * 32) = 2,359,296, dt_proj 256 x 8192 + 8192 = 2,105,344, A_log 8192 x
 * 16 = 131,072, D 8,192, out_proj 33,554,432, its norm 4,096:
 * 105,312,256, x 64 = 6,739,984,384; embeddings and head 2 x 65024 x
 * 4096 = 532,676,608; norm_f 4,096: 7,272,665,088 (the card's "7.27B").
 * Its state, fp32 as no engine is named: (4 - 1) x 8192 + 16 x 8192 =
 * 155,648 values, 622,592 B a layer, 39,845,888 B a sequence at any
 * context.  Before, its num_attention_heads was asked for: refused. */
static void test_falcon_mamba(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok(falcon_mamba, &m, &src);
	assert_int_equal(m.heads, 0);
	assert_int_equal(m.kv_heads, 0);
	assert_int_equal(m.head_dim, 0);
	assert_true(kvp_model_attention_free(&m));
	assert_int_equal(kvp_model_attention(&m), KVP_ATTENTION_NONE);
	assert_string_equal(kvp_attention_name(KVP_ATTENTION_NONE), "none");
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_RECURRENT), 64);
	assert_int_equal(m.ssm_inner, 8192);
	assert_int_equal(m.ssm_state, 16);
	assert_int_equal(m.ssm_groups, 0);
	assert_int_equal(m.params, 7272665088ull);
	assert_int_equal(cache_at(&m, 1), 39845888);
	assert_int_equal(cache_at(&m, 1000000), 39845888);
	assert_int_equal(kvp_source_find(&src, "heads")->origin, KVP_ORIGIN_DERIVED);
}

/* Mamba 2.8B: tied, so embeddings 50280 x 2560 = 128,716,800 once; a
 * layer in_proj 2560 x 10240 = 26,214,400, conv1d 5120 x 4 + 5120 =
 * 25,600, x_proj 5120 x (160 + 32) = 983,040, dt_proj 160 x 5120 + 5120
 * = 824,320, A_log 81,920, D 5,120, out_proj 13,107,200, norm 2,560:
 * 41,244,160, x 64 = 2,639,626,240; + norm_f 2,560: 2,768,345,600, its
 * published count.  llama.cpp keeps a sequence's state in fp32 (r and s,
 * llama_memory_recurrent): 64 x (3 x 5120 + 16 x 5120) x 4 = 24,903,680
 * B, the "each KV slot takes 23.75 MiB" of llama.cpp PR #5328, which
 * added Mamba. */
static void test_mamba(void **state)
{
	kvp_model m;
	kvp_source src;
	kvp_request r = request_at(KVP_ENGINE_LLAMA_CPP, 4096, 1);
	kvp_plan p;

	(void)state;
	expect_ok(mamba_28b, &m, &src);
	assert_true(m.tie_embeddings);
	assert_int_equal(m.params, 2768345600ull);
	plan_ok(&m, &r, &p);
	assert_int_equal(p.state_total_bytes, 24903680);
	assert_int_equal(p.state_total_bytes, 2375ull * 1048576 / 100);
	assert_int_equal(p.kv_total_bytes, 0);
	/* four sequences, four cells */
	r.batch = 4;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.state_total_bytes, 4 * 24903680ull);
	/* "auto" resolves dt's rank: ceil(2560 / 16) = 160, the same count */
	{
		char json[sizeof mamba_28b + 16];
		char *at;

		memcpy(json, mamba_28b, sizeof mamba_28b);
		at = strstr(json, "160");
		assert_non_null(at);
		memmove(at + 6, at + 3, strlen(at + 3) + 1);
		memcpy(at, "\"auto\"", 6);
		expect_ok(json, &m, &src);
		assert_int_equal(m.params, 2768345600ull);
	}
}

/* Mamba-Codestral 7B: 128 heads of 64 = 8192 inner, 8 groups, state 128.
 * A layer as Mamba2Mixer builds it: in_proj 4096 x (2 x 8192 + 2 x 8 x
 * 128 + 128) = 76,021,760, conv1d over 8192 + 2048 = 10,240 channels x 4
 * and its bias 51,200, dt_bias, A_log and D 384, the gated norm 8,192,
 * out_proj 33,554,432, its norm 4,096: 109,640,064, x 64 =
 * 7,016,964,096; embeddings and head 2 x 32768 x 4096 = 268,435,456;
 * norm_f 4,096: 7,285,403,648, Mistral's published count. */
static void test_codestral(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok(codestral, &m, &src);
	assert_int_equal(m.heads, 0);
	assert_int_equal(m.ssm_inner, 8192);
	assert_int_equal(m.ssm_heads, 128);
	assert_int_equal(m.ssm_groups, 8);
	assert_int_equal(m.ssm_chunk_size, 256);
	assert_int_equal(m.params, 7285403648ull);
	/* fp32: 64 x ((4 - 1) x 10240 + 128 x 8192) x 4 = 276,299,776 B */
	assert_int_equal(cache_at(&m, 1), 276299776);
}

/* vLLM (research: mamba-only.md 1.2-1.7, vllm @ 81be2e09): both states
 * in the model's dtype (bf16), no page padding without attention; one
 * group of the 64 layers, num_blocks = budget // page // 64; prefix
 * caching off for an attention-free model, so mode none: one block a
 * request, mamba_block_size = max_model_len, and the log's tokens
 * num_blocks x max_model_len; the first model runner.
 * Mamba 2.8B's page: 3 x 5120 x 2 + 5120 x 16 x 2 = 194,560 B.  At 10 GiB,
 * 10,737,418,240 // 194,560 = 55,188, // 64 = 862 blocks; at 2,048 tokens
 * 1,765,376 tokens, 862 requests.  At tp 2 each rank 2560 channels: a page
 * of 97,280 B, 1,724 blocks. */
static void test_vllm(void **state)
{
	kvp_model m;
	kvp_source src;
	kvp_request r = request_at(KVP_ENGINE_VLLM, 2048, 1);
	kvp_plan p;
	kvp_capacity c;

	(void)state;
	expect_ok(mamba_28b, &m, &src);
	r.weights_dtype = KVP_DTYPE_BF16;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.request.mamba_cache_mode, KVP_MAMBA_NONE);
	assert_int_equal(p.request.vllm_runner, 1);
	assert_int_equal(p.state_total_bytes, 64 * 194560);
	capacity_ok(&p, 10737418240ull, &c);
	assert_int_equal(c.page_bytes, 194560);
	assert_int_equal(c.group_size, 64);
	assert_int_equal(c.blocks, 862);
	assert_int_equal(c.blocks_per_request, 1);
	assert_true(c.max_concurrency == 862.0);
	assert_int_equal(c.log_tokens, 862 * 2048);
	r.tp = 2;
	plan_ok(&m, &r, &p);
	capacity_ok(&p, 10737418240ull, &c);
	assert_int_equal(c.page_bytes, 97280);
	assert_int_equal(c.blocks, 1724);
	/* --enable-prefix-caching's align, asked: two pages a request */
	r.tp = 1;
	r.mamba_cache_mode = KVP_MAMBA_ALIGN;
	plan_ok(&m, &r, &p);
	capacity_ok(&p, 10737418240ull, &c);
	assert_int_equal(c.blocks_per_request, 2);
	assert_true(c.max_concurrency == 431.0);
}

/* SGLang (PR #34556; research: /work/research/sglang-pure-mamba.md): its
 * states' pool from rest x 0.9 / 1.9 (_handle_max_mamba_cache), a slot
 * of Falcon Mamba 7B 64 x (3 x 8192 x 2 B conv in bf16 + 16 x 8192 x 4 B
 * SSM in fp32) = 36,700,160 B; and a tokens' pool of no bytes, its
 * context's tokens, 2048 where the config gives none (get_context_length).
 * At 56,751,126,937 B: 26,881,586,443.6 for the states, K = int((that -
 * 36,700,160) // 36,700,160) = 731, 732 slots allocated (the padding
 * one), 26,864,517,120 B; three states a running request (no_buffer):
 * 243 requests, and 2,048 tokens among them all. */
static void test_sglang(void **state)
{
	kvp_model m;
	kvp_source src;
	kvp_request r = request_at(KVP_ENGINE_SGLANG, 1024, 1);
	kvp_plan p;
	kvp_capacity c;

	(void)state;
	expect_ok(falcon_mamba, &m, &src);
	plan_ok(&m, &r, &p);
	assert_int_equal(p.state_total_bytes, 36700160);
	assert_int_equal(p.sglang_context_len, 2048);
	capacity_ok(&p, 56751126937ull, &c);
	assert_int_equal(c.state_slots, 731);
	assert_int_equal(c.state_bytes, 732ull * 36700160);
	assert_int_equal(c.max_requests, 243);
	assert_int_equal(c.tokens, 2048);
	assert_int_equal(c.allocated_bytes, 0);
	/* --context-length 8192: its tokens' pool */
	r.context_length = 8192;
	plan_ok(&m, &r, &p);
	capacity_ok(&p, 56751126937ull, &c);
	assert_int_equal(c.tokens, 8192);
	/* before 0.5.20, refused */
	r.sglang_version = 519;
	snprintf(m.name, sizeof m.name, "fm");
	plan_fails(&m, &r, KVP_ERR_UNSUPPORTED, "fm has no attention layer: SGLang runs"
	           " such a model from 0.5.20 (PR #34556)");
}

/* The engines that do not run a model without attention, vLLM's Mamba-2
 * at more than one pipeline stage, and an MLA latent's cache type,
 * refused. */
static void test_refused(void **state)
{
	kvp_model m;
	kvp_source src;
	kvp_request r;

	(void)state;
	expect_ok(codestral, &m, &src);
	snprintf(m.name, sizeof m.name, "codestral");
	r = request_at(KVP_ENGINE_TRTLLM, 2048, 1);
	plan_fails(&m, &r, KVP_ERR_UNSUPPORTED, "codestral has no attention layer:"
	           " TensorRT-LLM's PyTorch runtime builds no such model, and its"
	           " TensorRT engines for Mamba are not modelled");
	/* an MLA latent's format, for no latent */
	r = request_at(KVP_ENGINE_EXACT, 2048, 1);
	r.dtype_k = r.dtype_v = KVP_DTYPE_FP8_DS_MLA;
	plan_fails(&m, &r, KVP_ERR_INVALID, "codestral has no attention layer:"
	           " fp8_ds_mla is the format of an MLA latent");
	r = request_at(KVP_ENGINE_VLLM, 2048, 1);
	r.pp = 2;
	plan_fails(&m, &r, KVP_ERR_UNSUPPORTED, "codestral: vLLM runs Mamba-2 without"
	           " pipeline stages (Mamba2ForCausalLM is not SupportsPP)");
	/* Mamba-1 is SupportsPP: two stages of 32 layers */
	expect_ok(falcon_mamba, &m, &src);
	{
		kvp_plan p;

		plan_ok(&m, &r, &p);
		assert_int_equal(p.stages, 2);
	}
}

/* A quantized estimate (lib/weights_estimate.c): Falcon Mamba's linear
 * layers in_proj, x_proj, dt_proj and out_proj, 105,119,744 a layer,
 * 6,727,663,616; its norms (64 + 1) x 4096 and each layer's conv1d 8192 x
 * 5, A_log 8192 x 16, D and dt_proj's bias 2 x 8192 (188,416) kept as
 * they are, f32 in GGUF as llama.cpp keeps ssm_conv1d, ssm_a and ssm_d:
 * 12,324,864 (it took two norms a layer and quantized the rest). */
static void test_estimate(void **state)
{
	kvp_model m;
	kvp_source src;
	kvp_weights_format f;
	kvp_weights_estimate e;
	kvp_error err;

	(void)state;
	expect_ok(falcon_mamba, &m, &src);
	assert_int_equal(kvp_weights_format_parse("q4_k", &f, &err), KVP_OK);
	assert_int_equal(kvp_weights_estimate_compute(&m, &f, KVP_DTYPE_BF16, &e, &err),
	                 KVP_OK);
	assert_int_equal(e.norm_params, 12324864);
	assert_int_equal(e.linear_params, 6727663616ull);
	assert_int_equal(e.embedding_params, 266338304);
	assert_int_equal(e.head_params, 266338304);
}

/* The model's checks: no heads only where no layer attends, and then no
 * kv heads, head_dim or rotary part; no other kv heads to try. */
static void test_checks(void **state)
{
	kvp_model m = {.name = "ssm", .layers = 4, .hidden = 256, .ssm_conv_kernel = 4,
	               .ssm_inner = 512, .ssm_state = 16};
	kvp_model out;
	kvp_error err;

	(void)state;
	pattern(&m, "recurrent,full");
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_ERR_SHAPE);
	assert_string_equal(err.message, "ssm: heads must be at least 1 (0 only where"
	                    " every layer is recurrent or none)");
	pattern(&m, "recurrent,none");
	assert_false(kvp_model_attention_free(&(kvp_model){.layers = 4}));
	assert_true(kvp_model_attention_free(&m));
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_OK);
	assert_int_equal(m.head_dim, 0);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_RECURRENT), 2);
	m.kv_heads = 8;
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_ERR_SHAPE);
	assert_string_equal(err.message, "ssm: no attention heads, yet kv_heads 8,"
	                    " head_dim 0, index_head_dim 0 or rotary_dim 0: those are an"
	                    " attention layer's");
	m.kv_heads = 0;
	pattern(&m, "none");
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_ERR_SHAPE);
	assert_string_equal(err.message, "ssm: no attention heads and no recurrent layer:"
	                    " nothing would be cached");
	pattern(&m, "recurrent");
	assert_int_equal(kvp_model_with_kv_heads(&m, 1, &out, &err), KVP_ERR_SHAPE);
	assert_string_equal(err.message, "ssm has no attention: no kv heads to vary");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_falcon_mamba),
		cmocka_unit_test(test_mamba),
		cmocka_unit_test(test_codestral),
		cmocka_unit_test(test_vllm),
		cmocka_unit_test(test_sglang),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_estimate),
		cmocka_unit_test(test_checks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
