/*
 * test_kimi_linear.c — Kimi-Linear (kimi_linear): Kimi Delta Attention
 * layers beside MLA ones, read from its config.json
 * (tests/configs/kimi-linear-48b-a3b, verbatim), counted, and planned in
 * each engine as its code sizes the states (research:
 * /work/research/kimi-linear-params.md, kimi-linear-engines.md).  Before,
 * its 27 layers were read as MLA by the generic rule: 31,104 B a token and
 * no state, where the model keeps 8,064 B a token and 20 states.
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
#include "catalog_fixture.h"

static kvp_model from_config(void)
{
	char path[512];
	kvp_model m;
	kvp_source src;
	kvp_error err;

	snprintf(path, sizeof path, "%s/tests/configs/kimi-linear-48b-a3b/config.json",
	         KVP_TEST_SRCDIR);
	if (kvp_config_read(path, &m, &src, NULL, &err) != KVP_OK ||
	    kvp_model_finalize(&m, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return m;
}

/* The release's config.json: kda_layers [1, 2, 3, 5, ...] 1-based, so
 * the MLA layers are 3, 7, 11, 15, 19, 23 and 26; the KDA state of 32
 * heads of 128 and a convolution of 4 as inner 4096, state 128, groups
 * 32; top-8 of 256 experts and a shared one of 1024 (num_experts_per_token,
 * num_shared_experts: Kimi's names); model_max_length; no rotary table
 * (mla_use_nope).  Params: 49,122,681,728, the checkpoint's
 * total_parameters (its per-tensor listing and llama.cpp's GGUF agree),
 * worked tensor by tensor in data/models/kimi-linear-48b-a3b.yaml. */
static void test_config(void **state)
{
	kvp_model m = from_config();
	static const uint32_t mla[] = {3, 7, 11, 15, 19, 23, 26};

	(void)state;
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_RECURRENT), 20);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_MLA), 7);
	for (size_t i = 0; i < sizeof mla / sizeof mla[0]; i++)
		assert_int_equal(kvp_model_layer_kind(&m, mla[i]), KVP_LAYER_MLA);
	assert_int_equal(kvp_model_layer_kind(&m, 24), KVP_LAYER_RECURRENT);
	assert_int_equal(kvp_model_layer_kind(&m, 25), KVP_LAYER_RECURRENT);
	assert_int_equal(m.ssm_conv_kernel, 4);
	assert_int_equal(m.ssm_inner, 4096);
	assert_int_equal(m.ssm_state, 128);
	assert_int_equal(m.ssm_groups, 32);
	assert_int_equal(m.kv_lora_rank, 512);
	assert_int_equal(m.qk_rope_dim, 64);
	assert_int_equal(m.head_dim, 192);
	assert_int_equal(m.moe_top_k, 8);
	assert_int_equal(m.moe_shared_intermediate, 1024);
	assert_int_equal(m.max_context, 1048576);
	assert_int_equal(m.rope, KVP_ROPE_NONE);
	assert_int_equal(m.params, 49122681728ull);
}

/* The exact model and llama.cpp (n_embd_r 3 x 3 x 4096, n_embd_s 128 x
 * 128 x 32, f32): 2,244,608 B a KDA layer, 44,892,160 B for 20; the MLA
 * layers' latent 576 x 2 B = 1,152 B a token, 8,064 B for 7. */
static void test_exact(void **state)
{
	kvp_model m = catalog_model("kimi-linear-48b-a3b");
	kvp_plan p;

	(void)state;
	plan_under(&m, KVP_ENGINE_EXACT, 1024, &p);
	assert_int_equal(p.kv_bytes_per_token, 8064);
	assert_int_equal(p.state_total_bytes, 44892160);
	assert_int_equal(p.cache_total_bytes, 44892160 + 1024ull * 8064);
	plan_under(&m, KVP_ENGINE_LLAMA_CPP, 1024, &p);
	assert_int_equal(p.state_total_bytes, 44892160);
}

/* vLLM (kda_state_shape; kda_state_dtype: the conv state in the model's
 * type, the recurrent one in fp32 whatever --mamba-ssm-cache-dtype says):
 * a KDA layer 36,864 x 2 + 524,288 x 4 = 2,170,880 B, at tp 2 1,085,440
 * B.  The block, aligned to 128 for an MLA hybrid from 0.27 (64 before):
 * 128 x cdiv(2,170,880, 128 x 1,152) = 1,920 tokens, its page 2,211,840
 * B; at tp 2 128 x cdiv(1,085,440, 147,456) = 1,024 tokens, 1,179,648 B
 * (64 x cdiv(1,085,440, 73,728) = 960, 1,105,920 B, before).  Its groups: 20 KDA layers are
 * not fewer than 1.5 x 7, so groups of 7: one of MLA, three of KDA (one
 * padding layer).  At 10 GiB: 10,737,418,240 // (7 x 2,211,840) = 693
 * blocks; a request of 8,192 tokens cdiv(8192, 1920) = 5 and 2 in each KDA
 * group (mode align), 11: 63 requests.  SGLang: the same 2,170,880 B a
 * slot (conv bf16, SSM fp32), over tp. */
/* The vLLM page of m under r at 10 GiB. */
static uint64_t page_of(const kvp_model *m, const kvp_request *r)
{
	kvp_plan p;
	kvp_capacity c;

	plan_ok(m, r, &p);
	capacity_ok(&p, 10737418240ull, &c);
	return c.page_bytes;
}

static void test_vllm_sglang(void **state)
{
	kvp_model m = catalog_model("kimi-linear-48b-a3b");
	kvp_request r = request_at(KVP_ENGINE_VLLM, 8192, 1);
	kvp_plan p;
	kvp_capacity c;
	uint64_t batch;
	kvp_error err;

	(void)state;
	plan_ok(&m, &r, &p);
	capacity_ok(&p, 10737418240ull, &c);
	assert_int_equal(c.page_bytes, 2211840);
	assert_int_equal(c.group_size, 7);
	assert_int_equal(c.blocks, 693);
	assert_int_equal(c.blocks_per_request, 11);
	assert_int_equal(kvp_plan_max_batch(&p, 10737418240ull, 8192, &batch, &err), KVP_OK);
	assert_int_equal(batch, 63);
	/* the recurrent state stays fp32 */
	r.mamba_ssm_cache_bytes = 2;
	assert_int_equal(page_of(&m, &r), 2211840);
	r.mamba_ssm_cache_bytes = 0;
	r.tp = 2;
	assert_int_equal(page_of(&m, &r), 1179648);
	r.vllm_version = 26;
	assert_int_equal(page_of(&m, &r), 1105920);
	/* three drafted tokens: from 0.27 three more conv rows
	 * (kda_state_shape: conv_kernel_size - 1 + num_spec), (3 + 3) x
	 * 12,288 x 2 + 2,097,152 = 2,244,608 B, blocks of 128 x
	 * cdiv(2,244,608, 147,456) = 2,048 tokens, 2,359,296 B; in 0.26 the
	 * 2,170,880 B of K - 1 rows, aligned to 64 */
	r = request_at(KVP_ENGINE_VLLM, 8192, 1);
	r.spec_tokens = 3;
	assert_int_equal(page_of(&m, &r), 2359296);
	r.vllm_version = 26;
	assert_int_equal(page_of(&m, &r), 2211840);
	r = request_at(KVP_ENGINE_SGLANG, 8192, 1);
	plan_ok(&m, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_RECURRENT)->state_bytes_per_seq, 2170880);
	assert_int_equal(p.state_total_bytes, 20 * 2170880ull);
	r.tp = 2;
	plan_ok(&m, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_RECURRENT)->state_bytes_per_seq, 1085440);
}

/* Pipeline stages weigh each layer's own params: at pp 3 under vLLM the
 * second stage holds layers 9 to 17, 7 KDA layers of 39,514,272, 2 MLA
 * layers of 29,114,880 and 9 expert layers' 1,819,607,296 and norms
 * 4,608: 16,711,336,800 params, 33,422,673,600 B in 16 bits. */
static void test_stages(void **state)
{
	kvp_model m = catalog_model("kimi-linear-48b-a3b");
	kvp_request r = request_at(KVP_ENGINE_VLLM, 8192, 1);
	kvp_plan p;

	(void)state;
	r.pp = 3;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.stage_units[1] - p.stage_units[0], 16711336800ull);
	assert_int_equal(p.stage_units[2], 49122681728ull - 2 * 163840ull * 2304);
}

/* What is not planned: TensorRT-LLM's KimiLinearForCausalLM is Kimi K3's
 * text core; vLLM's class is not SupportsLoRA. */
static void test_refused(void **state)
{
	kvp_model m = catalog_model("kimi-linear-48b-a3b");
	kvp_request r = request_at(KVP_ENGINE_TRTLLM, 1024, 1);

	(void)state;
	plan_fails(&m, &r, KVP_ERR_UNSUPPORTED, "kimi-linear-48b-a3b: TensorRT-LLM's"
	           " KimiLinearForCausalLM is Kimi K3's; kvplan does not plan Kimi-Linear"
	           " under it (that it runs it is not established)");
	r = request_at(KVP_ENGINE_VLLM, 1024, 1);
	r.lora.rank = 16;
	plan_fails(&m, &r, KVP_ERR_UNSUPPORTED, "LoRA on kimi-linear-48b-a3b: vLLM's"
	           " kimi_linear model does not support LoRA");
}

/* A config without its layers' kinds, or with a layer number out of
 * range (they are 1-based), refused by key. */
static void test_bad(void **state)
{
	(void)state;
	expect_error("{\"model_type\": \"kimi_linear\", \"hidden_size\": 256,"
	             " \"num_hidden_layers\": 4, \"num_attention_heads\": 4,"
	             " \"kv_lora_rank\": 64, \"qk_rope_head_dim\": 16, \"qk_nope_head_dim\": 32,"
	             " \"v_head_dim\": 32}", KVP_ERR_PARSE,
	             "linear_attn_config: missing: which layers are Kimi Delta Attention");
	expect_error("{\"model_type\": \"kimi_linear\", \"hidden_size\": 256,"
	             " \"num_hidden_layers\": 4, \"num_attention_heads\": 4,"
	             " \"kv_lora_rank\": 64, \"qk_rope_head_dim\": 16, \"qk_nope_head_dim\": 32,"
	             " \"v_head_dim\": 32, \"linear_attn_config\": {\"kda_layers\": [0, 1],"
	             " \"num_heads\": 4, \"head_dim\": 32, \"short_conv_kernel_size\": 4}}",
	             KVP_ERR_PARSE, "linear_attn_config.kda_layers: entry 0 is not a layer"
	             " number (1 to 4)");
	expect_error("{\"model_type\": \"kimi_linear\", \"hidden_size\": 256,"
	             " \"num_hidden_layers\": 4, \"num_attention_heads\": 4,"
	             " \"kv_lora_rank\": 64, \"qk_rope_head_dim\": 16, \"qk_nope_head_dim\": 32,"
	             " \"v_head_dim\": 32, \"linear_attn_config\": {\"kda_layers\": [1, 2, 3]}}",
	             KVP_ERR_PARSE, "Kimi Delta Attention needs num_heads, head_dim and"
	             " short_conv_kernel_size");
	expect_error("{\"model_type\": \"kimi_linear\", \"hidden_size\": 256,"
	             " \"num_hidden_layers\": 4, \"num_attention_heads\": 4,"
	             " \"kv_lora_rank\": 64, \"qk_rope_head_dim\": 16, \"qk_nope_head_dim\": 32,"
	             " \"v_head_dim\": 32, \"linear_attn_config\": {\"kda_layers\": [1, 2, 3],"
	             " \"num_heads\": 4, \"head_dim\": 32, \"short_conv_kernel_size\": 1}}",
	             KVP_ERR_PARSE, "linear_attn_config.short_conv_kernel_size: 1: a"
	             " convolution of fewer than 2 taps keeps no state");
	/* Kimi K3's text model, kimi_linear by name, is not this model */
	expect_error("{\"model_type\": \"kimi_k3\", \"text_config\": {\"model_type\":"
	             " \"kimi_linear\", \"hidden_size\": 256, \"num_hidden_layers\": 4,"
	             " \"num_attention_heads\": 4, \"kv_lora_rank\": 64, \"qk_rope_head_dim\": 16,"
	             " \"qk_nope_head_dim\": 32, \"v_head_dim\": 32, \"linear_attn_config\":"
	             " {\"kda_layers\": [1, 2, 3], \"num_heads\": 4, \"head_dim\": 32,"
	             " \"short_conv_kernel_size\": 4}}}", KVP_ERR_PARSE,
	             "kimi_linear inside Kimi K3 (kimi_k3): its full-rank gates, output gate and"
	             " latent experts are not modelled");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_vllm_sglang),
		cmocka_unit_test(test_stages),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
