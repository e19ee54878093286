/*
 * test_falcon_h1.c — Falcon-H1, attention and a Mamba-2 mixer side by side
 * in every layer (kvp_model ssm_parallel): its config.json read
 * (lib/hf_recurrent.c), its parameters counted (lib/hf_count.c) to the
 * checkpoints' published totals, its cache as each engine keeps it (a
 * layer's K and V and its state; research: /work/research/falcon-h1-
 * engines.md), the engines that do not run it refused, and a quantized
 * estimate of its weights.  Every figure worked by hand beside its
 * assertion; the counts' sources in /work/research/falcon-h1-params.md.
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

/* tiiuae/Falcon-H1-0.5B-Instruct's keys (Megatron-Bridge's fixture
 * FALCON_H1_500M_CONFIG with mamba_d_ssm 1536): head_dim 64 where hidden /
 * heads is 128, no gated norm (mamba_rms_norm false), vocab 32784. */
static const char h1_05b[] = "{\"architectures\": [\"FalconH1ForCausalLM\"],"
	" \"model_type\": \"falcon_h1\", \"hidden_size\": 1024, \"num_hidden_layers\": 36,"
	" \"num_attention_heads\": 8, \"num_key_value_heads\": 2, \"head_dim\": 64,"
	" \"intermediate_size\": 2048, \"vocab_size\": 32784, \"mamba_d_ssm\": 1536,"
	" \"mamba_n_heads\": 24, \"mamba_d_head\": 64, \"mamba_n_groups\": 1,"
	" \"mamba_d_state\": 128, \"mamba_d_conv\": 4, \"mamba_expand\": 2,"
	" \"mamba_chunk_size\": 128, \"mamba_conv_bias\": true, \"mamba_proj_bias\": false,"
	" \"projectors_bias\": false, \"mamba_rms_norm\": false, \"attention_bias\": false,"
	" \"mlp_bias\": false, \"tie_word_embeddings\": false,"
	" \"max_position_embeddings\": 16384}";

/* tiiuae/Falcon-H1-Tiny-90M-Base's: tied, mamba_d_head "auto". */
static const char h1_tiny[] = "{\"model_type\": \"falcon_h1\", \"hidden_size\": 512,"
	" \"num_hidden_layers\": 24, \"num_attention_heads\": 8, \"num_key_value_heads\": 2,"
	" \"head_dim\": 64, \"intermediate_size\": 768, \"vocab_size\": 32768,"
	" \"mamba_d_ssm\": 768, \"mamba_n_heads\": 24, \"mamba_d_head\": \"auto\","
	" \"mamba_n_groups\": 1, \"mamba_d_state\": 64, \"mamba_d_conv\": 4,"
	" \"mamba_rms_norm\": false, \"tie_word_embeddings\": true}";

/* Falcon-H1-7B (tests/configs/falcon-h1-7b): 44 full layers of 2 kv heads
 * of 128, each with a state of inner mamba_d_ssm 3072 (not mamba_expand 2
 * x 3072), state 256, one group, 24 heads.  Params, a layer: in_proj
 * 3072 x (2 x 3072 + 2 x 256 + 24) = 20,520,960, conv1d (4 + 1) x 3584
 * = 17,920, dt_bias, A_log and D 72, gated norm 3072, out_proj 9,437,184,
 * attention 3072 x 128 x (24 + 4) = 11,010,048, MLP 3 x 3072 x 12288 =
 * 113,246,208, two norms 6,144: 154,241,608; x 44 + 2 x 130048 x 3072 +
 * 3072 = 7,585,648,736, the checkpoint's published count.
 * Falcon-H1-34B (its verbatim config): 72 layers of 430,120,032 (mixer
 * 5120 x 9248 + 5 x 5120 + 96 + 4096 + 4096 x 5120; attention 5120 x
 * 128 x 48; MLP 3 x 5120 x 21504; norms 10,240), + 2 x 261120 x 5120 +
 * 5120 = 33,642,516,224 (the Hub's "33.64B"). */
static void test_read_and_count(void **state)
{
	kvp_model m;

	(void)state;
	m = config_model("falcon-h1-7b");
	assert_true(m.ssm_parallel);
	assert_int_equal(m.head_dim, 128);
	assert_int_equal(m.ssm_inner, 3072);
	assert_int_equal(m.ssm_heads, 24);
	assert_int_equal(m.ssm_groups, 1);
	assert_int_equal(m.ssm_state, 256);
	assert_int_equal(m.ssm_chunk_size, 128);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_FULL), 44);
	/* every layer keeps a state too */
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_RECURRENT), 44);
	assert_int_equal(kvp_model_layer_kind(&m, 7), KVP_LAYER_FULL);
	assert_false(kvp_model_attention_free(&m));
	assert_int_equal(m.params, 7585648736ull);
	m = config_model("falcon-h1-34b");
	assert_true(m.ssm_parallel);
	assert_int_equal(m.ssm_groups, 2);
	assert_int_equal(m.params, 33642516224ull);
}

/* Published counts where the mixer has no gated norm: 0.5B 36 layers of
 * in_proj 1024 x (3072 + 256 + 24) = 3,432,448, conv1d 5 x 1792 =
 * 8,960, 72, out_proj 1,572,864 (mixer 5,014,344), attention 1024 x 64 x
 * 20 = 1,310,720, MLP 6,291,456, norms 2,048: 12,618,568; x 36 + 2 x
 * 32784 x 1024 + 1024 = 521,411,104 (a paper draft's "tiiuae/Falcon-H1-
 * 0.5B-Base (36 layers, 521,411,104 params)").  Tiny-90M, tied: 24 layers
 * of mixer 512 x (1536 + 128 + 24) + 5 x 896 + 72 + 768 x 512 =
 * 1,262,024, attention 512 x 64 x (8 + 8 + 2 + 2) = 655,360, MLP 3 x
 * 512 x 768 = 1,179,648, norms
 * 1,024: 3,098,056; x 24 + 32768 x 512 + 512 = 91,131,072 (h1jax's
 * "91,131,072 parameters"). */
static void test_published_counts(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok(h1_05b, &m, &src);
	assert_int_equal(m.head_dim, 64);
	assert_int_equal(m.params, 521411104ull);
	expect_ok(h1_tiny, &m, &src);
	assert_true(m.tie_embeddings);
	assert_int_equal(m.params, 91131072ull);
}

/* mamba_d_ssm: absent, FalconH1Config's 1024; null, mamba_expand x
 * hidden_size (configuration_falcon_h1.py); heads that do not divide it
 * refused. */
static void test_mixer_width(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"falcon_h1\", \"hidden_size\": 512, \"num_hidden_layers\": 2,"
	          " \"num_attention_heads\": 8, \"num_key_value_heads\": 2, \"mamba_n_heads\": 16}",
	          &m, &src);
	assert_int_equal(m.ssm_inner, 1024);
	assert_int_equal(m.ssm_state, 256);
	assert_int_equal(m.ssm_conv_kernel, 4);
	expect_ok("{\"model_type\": \"falcon_h1\", \"hidden_size\": 512, \"num_hidden_layers\": 2,"
	          " \"num_attention_heads\": 8, \"num_key_value_heads\": 2, \"mamba_n_heads\": 16,"
	          " \"mamba_d_ssm\": null, \"mamba_expand\": 3}", &m, &src);
	assert_int_equal(m.ssm_inner, 1536);
	expect_error("{\"model_type\": \"falcon_h1\", \"hidden_size\": 512, \"num_hidden_layers\": 2,"
	             " \"num_attention_heads\": 8, \"mamba_n_heads\": 48}", KVP_ERR_PARSE,
	             "mamba_n_heads: 48 heads do not divide the mixer's 1024 channels");
}

/* The exact model and llama.cpp (every layer K, V and an f32 r and s:
 * create_memory's filters both true for LLM_ARCH_FALCON_H1): a token 44 x
 * 2 x 2 x 128 x 2 B = 45,056 B; a layer's state (4 - 1) x (3072 + 512) +
 * 256 x 3072 = 797,184 values, 3,188,736 B, 140,304,384 B for 44.  At
 * 1,024 tokens 46,137,344 + 140,304,384 = 186,441,728 B; its largest
 * layer 1,048,576 + 3,188,736 = 4,237,312 B. */
static void test_exact_and_llama(void **state)
{
	kvp_model m = catalog_model("falcon-h1-7b");
	kvp_plan p;

	(void)state;
	plan_under(&m, KVP_ENGINE_EXACT, 1024, &p);
	assert_int_equal(p.kv_bytes_per_token, 45056);
	assert_int_equal(p.state_total_bytes, 140304384);
	assert_int_equal(p.cache_total_bytes, 186441728);
	assert_int_equal(p.max_layer_bytes, 4237312);
	assert_int_equal(p.group_count, 2);
	assert_int_equal(p.groups[1].kind, KVP_LAYER_RECURRENT);
	assert_true(p.groups[1].parallel);
	assert_false(p.groups[0].parallel);
	assert_int_equal(p.groups[1].layers, 44);
	assert_int_equal(kvp_plan_layer_group(&p, 43), 0);
	plan_under(&m, KVP_ENGINE_LLAMA_CPP, 1024, &p);
	assert_int_equal(p.cache_total_bytes, 186441728);
	assert_int_equal(p.exact_cache_bytes, 186441728);
}

/* vLLM (falcon_h1.py @ 1ab95229: an Attention and a MambaMixer2 a layer,
 * both states in the model's bf16): a layer's state 797,184 x 2 =
 * 1,594,368 B; _align_hybrid_block_size raises the block to 16 x
 * ceil(1,594,368 / (16 x 1,024)) = 1,568 tokens, a page of 1,605,632 B
 * the state is padded to.  Two groups of 44 layers (equal counts: no
 * padding layer), num_blocks = budget // page // 44: at 10 GiB
 * 10,737,418,240 // 1,605,632 = 6,687, // 44 = 151.  Prefix caching on
 * (a hybrid), mode align: a request of 1,024 tokens one attention block
 * and two state blocks, 151 / 3 = 50.33, 51,541 tokens; mode none one
 * state block, 75.5.  Mode all aligns the block to the scan's chunk: 128
 * x ceil(ceil(1,594,368 / 1,024) / 128) = 1,664.  Two stages: 22 layers
 * of each group a stage, 22 x (1,568 x 1,024 + 2 x 1,605,632) B. */
static void test_vllm(void **state)
{
	kvp_model m = catalog_model("falcon-h1-7b");
	kvp_request r = request_at(KVP_ENGINE_VLLM, 1024, 1);
	kvp_plan p;
	kvp_capacity c;

	(void)state;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.groups[0].block, 1568);
	assert_int_equal(p.groups[1].state_bytes_per_seq, 2 * 1605632);
	capacity_ok(&p, 10737418240ull, &c);
	assert_int_equal(c.page_bytes, 1605632);
	assert_int_equal(c.group_size, 44);
	assert_int_equal(c.blocks, 151);
	assert_int_equal(c.blocks_per_request, 3);
	assert_int_equal(c.log_tokens, 51541);
	r.mamba_cache_mode = KVP_MAMBA_NONE;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.groups[1].state_bytes_per_seq, 1605632);
	capacity_ok(&p, 10737418240ull, &c);
	assert_true(c.max_concurrency == 75.5);
	r.mamba_cache_mode = KVP_MAMBA_ALL;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.groups[0].block, 1664);
	r = request_at(KVP_ENGINE_VLLM, 1024, 1);
	r.pp = 2;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.stages, 2);
	for (uint32_t s = 0; s < 2; s++) {
		assert_int_equal(p.stage_layers[s], 22);
		assert_int_equal(p.stage_bytes[s], 22ull * (1568 * 1024 + 2 * 1605632));
	}
}

/* SGLang (configs/falcon_h1.py: full_attention_layer_ids and
 * linear_layer_ids both every layer; a slot's conv in bf16, its SSM
 * state in fp32): 44 x (3 x 3584 x 2 + 786,432 x 4) = 139,358,208 B a
 * slot, and its token pool's cell 45,056 B.  One pipeline stage
 * (FalconH1ForCausalLM asserts it); TensorRT-LLM has no
 * FalconH1ForCausalLM (_torch/models/_arch_index.py @ 065ff9e9). */
static void test_sglang_and_refusals(void **state)
{
	kvp_model m = catalog_model("falcon-h1-7b");
	kvp_request r = request_at(KVP_ENGINE_SGLANG, 1024, 1);
	kvp_plan p;

	(void)state;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.state_total_bytes, 139358208);
	assert_int_equal(p.kv_bytes_per_token, 45056);
	r.pp = 2;
	plan_fails(&m, &r, KVP_ERR_UNSUPPORTED, "falcon-h1-7b: SGLang runs Falcon-H1 on"
	           " one pipeline stage (its model asserts it)");
	r = request_at(KVP_ENGINE_TRTLLM, 1024, 1);
	plan_fails(&m, &r, KVP_ERR_UNSUPPORTED, "falcon-h1-7b: TensorRT-LLM has no Falcon-H1"
	           " model");
	/* as a draft, its states are not modelled */
	r = request_at(KVP_ENGINE_VLLM, 1024, 1);
	{
		kvp_model target = catalog_model("falcon-h1-34b");

		r.draft = &m;
		r.spec_tokens = 2;
		plan_fails(&target, &r, KVP_ERR_INVALID, "falcon-h1-7b: a draft model with"
		           " recurrent layers is not modelled");
	}
}

/* Tensor parallelism over its mixers: vLLM's and SGLang's MambaMixer2
 * assert "If tensor parallel world size does not divide num_groups, then
 * num_groups must equal 1" (vllm mamba_mixer2.py @ 81be2e09; SGLang's
 * layers/attention/mamba/mamba.py @ bc6ae173): Falcon-H1-34B's 2 groups
 * at tp 4 refused, at tp 2 planned; its 1 group (7B) at tp 2 too, each
 * rank a state of 2 groups (vLLM's extra_groups_for_head_shards): conv 3
 * x (3072 + 2 x 2 x 256) / 2 = 6,144 values, SSM 12 heads x 128 x 256 =
 * 393,216, bf16 798,720 B a layer, padded to a block of 16 x
 * ceil(798,720 / (16 x 512)) = 1,568 tokens of one kv head's 512 B. */
static void test_tp_groups(void **state)
{
	kvp_model h34 = catalog_model("falcon-h1-34b"), h7 = catalog_model("falcon-h1-7b");
	kvp_request r = request_at(KVP_ENGINE_VLLM, 4096, 1);
	kvp_plan p;

	(void)state;
	r.tp = 4;
	plan_fails(&h34, &r, KVP_ERR_SHAPE, "falcon-h1-34b: vLLM's Mamba-2 mixer needs tensor"
	           " parallel 4 to divide its 2 groups, or one group");
	r.engine = KVP_ENGINE_SGLANG;
	plan_fails(&h34, &r, KVP_ERR_SHAPE, "falcon-h1-34b: SGLang's Mamba-2 mixer needs"
	           " tensor parallel 4 to divide its 2 groups, or one group");
	r.engine = KVP_ENGINE_VLLM;
	r.tp = 2;
	plan_ok(&h34, &r, &p);
	r.mamba_cache_mode = KVP_MAMBA_NONE;
	plan_ok(&h7, &r, &p);
	assert_int_equal(p.groups[0].block, 1568);
	assert_int_equal(p.groups[1].state_bytes_per_seq, 1568 * 512);
	assert_int_equal(p.groups[1].conv_bytes_per_seq, 6144 * 2);
}

/* A config's mixer the engines could not build: refused, naming the
 * key. */
static void test_bad_mixer(void **state)
{
	static const char head[] = "{\"model_type\": \"falcon_h1\", \"hidden_size\": 512,"
		" \"num_hidden_layers\": 2, \"num_attention_heads\": 8, \"num_key_value_heads\": 2,"
		" \"mamba_n_heads\": 16, ";
	char json[512];
	kvp_model m;
	kvp_source src;

	(void)state;
	snprintf(json, sizeof json, "%s\"mamba_d_ssm\": 0}", head);
	expect_error(json, KVP_ERR_PARSE, "mamba_d_ssm: the mixer has no channels");
	snprintf(json, sizeof json, "%s\"mamba_n_groups\": 0}", head);
	expect_error(json, KVP_ERR_PARSE, "mamba_n_groups: 0 groups do not divide the"
	             " mixer's 16 heads");
	snprintf(json, sizeof json, "%s\"mamba_n_groups\": 3}", head);
	expect_error(json, KVP_ERR_PARSE, "mamba_n_groups: 3 groups");
	snprintf(json, sizeof json, "%s\"mamba_d_state\": 0}", head);
	expect_error(json, KVP_ERR_PARSE, "mamba_d_state: 0 (or null)");
	snprintf(json, sizeof json, "%s\"mamba_d_head\": 32}", head);
	expect_error(json, KVP_ERR_PARSE, "mamba_d_head: not \"auto\" nor the mixer's 1024"
	             " channels over its 16 heads (64)");
	snprintf(json, sizeof json, "%s\"mamba_d_head\": 64}", head);
	expect_ok(json, &m, &src);
	assert_int_equal(m.ssm_inner, 1024);
	/* a profile's ssm_parallel on layers that do not all attend */
	m = catalog_model("falcon-h1-7b");
	pattern(&m, "full*43,recurrent");
	{
		kvp_error err;

		assert_int_equal(kvp_model_finalize(&m, &err), KVP_ERR_SHAPE);
		assert_string_equal(err.message, "falcon-h1-7b: ssm_parallel (a state beside every"
		                    " layer's attention), yet 1 of its 44 layers do not attend"
		                    " (recurrent, none, or no kv heads)");
	}
}

/* AWQ int4 at g128 (lib/weights_estimate.c): each layer's linear layers,
 * in_proj 20,520,960 and out_proj 9,437,184 beside q, k, v, o and the MLP,
 * 154,214,400, x 44 = 6,785,433,600, at 133/256 B: 3,525,244,800 B; the
 * 16-bit rest the norms (2 x 44 + 1) x 3072 = 273,408 and each mixer's
 * conv1d, dt_bias, A_log, D and gated norm 21,064: 1,200,224. */
static void test_estimate(void **state)
{
	kvp_weights_estimate e = catalog_estimate("falcon-h1-7b", "int4-awq:g128");

	(void)state;
	assert_int_equal(e.linear_params, 6785433600ull);
	assert_int_equal(e.quantized_bytes, 3525244800ull);
	assert_int_equal(e.norm_params, 1200224);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_and_count),
		cmocka_unit_test(test_published_counts),
		cmocka_unit_test(test_mixer_width),
		cmocka_unit_test(test_exact_and_llama),
		cmocka_unit_test(test_vllm),
		cmocka_unit_test(test_sglang_and_refusals),
		cmocka_unit_test(test_tp_groups),
		cmocka_unit_test(test_bad_mixer),
		cmocka_unit_test(test_estimate),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
