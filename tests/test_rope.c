/*
 * test_rope.c — the rotary embedding's tables each GPU builds once (kvp_plan
 * rotary_bytes, stage_rotary_bytes): rows by the model's scaling, the
 * rotary dim, the engine's dtype, which layers use which table, the
 * stages and a draft model; the rope names; and the rope fields a
 * config.json and a profile give.  Every figure is worked by hand in its
 * comment, from the engines' classes (lib/rope.c cites them).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"

/* Llama 3.1 8B (config.json): 32 layers of hidden 4,096, 32 heads and 8
 * kv heads of 128, vocab 128,256, 8,030,261,248 parameters,
 * max_position_embeddings 131,072, llama3 scaling x8 of 8,192. */
static kvp_model llama31(void)
{
	kvp_model m;
	kvp_error err;

	memset(&m, 0, sizeof m);
	strcpy(m.name, "llama31");
	m.layers = 32;
	m.hidden = 4096;
	m.heads = 32;
	m.kv_heads = 8;
	m.head_dim = 128;
	m.vocab = 128256;
	m.params = 8030261248ull;
	m.max_context = 131072;
	m.rope_theta = 500000;
	m.rope = KVP_ROPE_LLAMA3;
	m.rope_factor = 8;
	m.rope_original_max = 8192;
	if (kvp_model_finalize(&m, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return m;
}

static uint64_t rotary(const kvp_model *m, kvp_engine engine, kvp_dtype weights)
{
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	kvp_request_init(&r);
	r.engine = engine;
	r.seq = 1024;
	r.weights_dtype = weights;
	if (kvp_plan_compute(m, &r, &p, &err) != KVP_OK)
		fail_msg("%s", err.message);
	assert_int_equal(p.stage_rotary_bytes[0], p.rotary_bytes);
	return p.rotary_bytes;
}

/* Llama 3.1 8B: 131,072 positions (llama3 scaling keeps them) x 128.
 * vLLM in the model's bf16: 33,554,432 B (vLLM v0.19.0 logs "Model
 * loading took 14.99 GiB": 16,060,522,496 + 33,554,432 = 16,094,076,928
 * B = 14.989 GiB); in fp32 weights 67,108,864.  SGLang in fp32 on CUDA
 * (its log's "mem usage=15.02 GB": 14.9575 + 0.0625 GiB): 67,108,864,
 * then grown to the context, 131,072, + 256 rows (a multiple of 128
 * already): 131,328 x 128 x 4 = 67,239,936.
 * TensorRT-LLM in fp32, max_position rows whatever the scaling:
 * 67,108,864.  llama.cpp and the exact model: none. */
static void test_engines(void **state)
{
	kvp_model m = llama31();

	(void)state;
	assert_int_equal(rotary(&m, KVP_ENGINE_VLLM, KVP_DTYPE_BF16), 33554432);
	assert_int_equal(rotary(&m, KVP_ENGINE_VLLM, KVP_DTYPE_FP8), 33554432);
	assert_int_equal(rotary(&m, KVP_ENGINE_VLLM, KVP_DTYPE_FP32), 67108864);
	assert_int_equal(rotary(&m, KVP_ENGINE_SGLANG, KVP_DTYPE_BF16), 67239936);
	assert_int_equal(rotary(&m, KVP_ENGINE_LLAMA_CPP, KVP_DTYPE_BF16), 0);
	assert_int_equal(rotary(&m, KVP_ENGINE_TRTLLM, KVP_DTYPE_BF16), 67108864);
	assert_int_equal(rotary(&m, KVP_ENGINE_EXACT, KVP_DTYPE_BF16), 0);
	/* positions of their own, and none: no table */
	m.rope_positions = 4096;
	assert_int_equal(rotary(&m, KVP_ENGINE_VLLM, KVP_DTYPE_BF16), 4096 * 128 * 2);
	m.rope = KVP_ROPE_NONE;
	assert_int_equal(rotary(&m, KVP_ENGINE_VLLM, KVP_DTYPE_BF16), 0);
	m.rope = KVP_ROPE_DEFAULT;
	m.rope_positions = 0;
	m.max_context = 0;
	assert_int_equal(rotary(&m, KVP_ENGINE_VLLM, KVP_DTYPE_BF16), 0);
}

/* The rows by scaling, of 4,096 positions and a factor of 8 (original
 * 1,024), rotary dim 128, under vLLM (2 B) and SGLang (4 B):
 *   linear, dynamic: 4,096 x 8 = 32,768 rows: 8,388,608 B and 16,777,216;
 *   yarn: 1,024 x 8 = 8,192 rows: 2,097,152 and 4,194,304;
 *   longrope: short 1,024 + long 4,096 concatenated, 5,120 rows, under
 *   vLLM 1,310,720; SGLang keeps the two besides, 10,240 rows, both in
 *   the model's dtype: 2,621,440;
 *   mrope: vLLM 4 x 4,096 = 16,384 rows, 4,194,304; SGLang 4,096 rows in
 *   fp32, grown to 4,096 + 256 = 4,352 (the context, the original being
 *   given, is 4,096): 2,228,224 (the longer tables above need no
 *   growth; Phi-3's long rope is never grown);
 *   TensorRT-LLM: 4,096 rows in fp32 whatever the scaling, 2,097,152;
 *   an MLA model's twice as wide (duplicate_data). */
static void test_scalings(void **state)
{
	kvp_model m = llama31();

	(void)state;
	m.max_context = 4096;
	m.rope_factor = 8;
	m.rope_original_max = 1024;
	m.rope = KVP_ROPE_LINEAR;
	assert_int_equal(rotary(&m, KVP_ENGINE_VLLM, KVP_DTYPE_BF16), 8388608);
	assert_int_equal(rotary(&m, KVP_ENGINE_SGLANG, KVP_DTYPE_BF16), 16777216);
	m.rope = KVP_ROPE_DYNAMIC;
	assert_int_equal(rotary(&m, KVP_ENGINE_VLLM, KVP_DTYPE_BF16), 8388608);
	m.rope = KVP_ROPE_YARN;
	assert_int_equal(rotary(&m, KVP_ENGINE_VLLM, KVP_DTYPE_BF16), 2097152);
	assert_int_equal(rotary(&m, KVP_ENGINE_SGLANG, KVP_DTYPE_BF16), 4194304);
	m.rope = KVP_ROPE_LONGROPE;
	assert_int_equal(rotary(&m, KVP_ENGINE_VLLM, KVP_DTYPE_BF16), 1310720);
	assert_int_equal(rotary(&m, KVP_ENGINE_SGLANG, KVP_DTYPE_BF16), 2621440);
	m.rope = KVP_ROPE_MROPE;
	assert_int_equal(rotary(&m, KVP_ENGINE_VLLM, KVP_DTYPE_BF16), 4194304);
	assert_int_equal(rotary(&m, KVP_ENGINE_SGLANG, KVP_DTYPE_BF16), 2228224);
	assert_int_equal(rotary(&m, KVP_ENGINE_TRTLLM, KVP_DTYPE_BF16), 2097152);
	/* a fractional factor: torch.arange(4,096 x 2.5) = 10,240 rows,
	 * 2,621,440 B; arange(4,096 x 1.0001 = 4,096.4096), 4,097 rows,
	 * 1,048,832 B */
	m.rope = KVP_ROPE_LINEAR;
	m.rope_factor = 1.0001;
	assert_int_equal(rotary(&m, KVP_ENGINE_VLLM, KVP_DTYPE_BF16), 1048832);
	m.rope_factor = 2.5;
	assert_int_equal(rotary(&m, KVP_ENGINE_VLLM, KVP_DTYPE_BF16), 2621440);
	/* a partial rotary dim: 4,096 x 2.5 rows x 32 values x 2 B = 655,360 */
	m.rotary_dim = 32;
	assert_int_equal(rotary(&m, KVP_ENGINE_VLLM, KVP_DTYPE_BF16), 655360);
}

/* Gemma 3 27B: 62 layers, five sliding to one full, head_dim 128,
 * 131,072 positions; the full layers' table linear x8, 1,048,576 rows:
 * 268,435,456 B under vLLM; the sliding layers' own (base 10,000, not
 * 1,000,000; no scaling) 131,072 rows: 33,554,432.  Both 301,989,888 B.
 * Gemma 3 1B (no scaling): 32,768 rows of 256 each, 16,777,216 B each,
 * two tables as their bases differ; with equal bases one. */
static void test_local_tables(void **state)
{
	kvp_model m;
	kvp_error err;

	(void)state;
	memset(&m, 0, sizeof m);
	strcpy(m.name, "gemma3");
	m.layers = 62;
	m.hidden = 5376;
	m.heads = 32;
	m.kv_heads = 16;
	m.head_dim = 128;
	m.sliding_window = 1024;
	m.max_context = 131072;
	m.rope_theta = 1000000;
	m.rope = KVP_ROPE_LINEAR;
	m.rope_factor = 8;
	m.rope_local_theta = 10000;
	assert_int_equal(kvp_layer_pattern_parse("sliding*5,full", &m, &err), KVP_OK);
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_OK);
	assert_int_equal(rotary(&m, KVP_ENGINE_VLLM, KVP_DTYPE_BF16), 301989888);
	m.head_dim = 256;
	m.max_context = 32768;
	m.rope = KVP_ROPE_DEFAULT;
	m.rope_factor = 0;
	assert_int_equal(rotary(&m, KVP_ENGINE_VLLM, KVP_DTYPE_BF16), 2 * 16777216);
	m.rope_local_theta = 1000000;
	assert_int_equal(rotary(&m, KVP_ENGINE_VLLM, KVP_DTYPE_BF16), 16777216);
	/* no local base (Gemma 2): one table */
	m.rope_local_theta = 0;
	assert_int_equal(rotary(&m, KVP_ENGINE_VLLM, KVP_DTYPE_BF16), 16777216);
}

/* Llama 4's pattern chunked*3,full with NoPE full layers, 8 layers at pp
 * 2 split 3 and 5 and at pp 3 split 3, 1, 4: the stage of layer 3 alone
 * (full, NoPE) builds no table; the others one of 8,192 positions x 128
 * x 2 B = 2,097,152 (llama3 scaling keeps the positions). */
static void test_stages(void **state)
{
	kvp_model m = llama31();
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	(void)state;
	m.layers = 8;
	m.max_context = 8192;
	m.chunk_size = 8192;
	m.rope_nope_full = true;
	assert_int_equal(kvp_layer_pattern_parse("chunked*3,full", &m, &err), KVP_OK);
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_OK);
	kvp_request_init(&r);
	r.engine = KVP_ENGINE_VLLM;
	r.seq = 1024;
	r.pp = 3;
	r.pp_layers_len = 3;
	r.pp_layers[0] = 3;
	r.pp_layers[1] = 1;
	r.pp_layers[2] = 4;
	if (kvp_plan_compute(&m, &r, &p, &err) != KVP_OK)
		fail_msg("%s", err.message);
	assert_int_equal(p.rotary_bytes, 2097152);
	assert_int_equal(p.stage_rotary_bytes[0], 2097152);
	assert_int_equal(p.stage_rotary_bytes[1], 0);
	assert_int_equal(p.stage_rotary_bytes[2], 2097152);
	/* Without NoPE the full layer's stage builds one too. */
	m.rope_nope_full = false;
	if (kvp_plan_compute(&m, &r, &p, &err) != KVP_OK)
		fail_msg("%s", err.message);
	assert_int_equal(p.stage_rotary_bytes[1], 2097152);
}

/* A draft model in the same process: Llama 3.2 1B's head of 64 makes
 * another key, so the last stage adds 131,072 x 64 x 2 B = 16,777,216;
 * a draft of the model's own shape shares its table.  The fit counts
 * each GPU's tables in its weights: Llama 3.1 8B alone under vLLM
 * 16,060,522,496 + 33,554,432 = 16,094,076,928 B; with the 1B draft
 * (2,471,628,800 B) and its table 18,582,482,944. */
static void test_draft_and_fit(void **state)
{
	kvp_model m = llama31(), d = llama31();
	kvp_device h;
	kvp_request r;
	kvp_plan p;
	kvp_fit f;
	kvp_error err;

	(void)state;
	memset(&h, 0, sizeof h);
	strcpy(h.name, "h100");
	h.hbm_bytes = 80ull << 30;
	h.l2_bytes = 50ull << 20;
	kvp_request_init(&r);
	r.engine = KVP_ENGINE_VLLM;
	r.seq = 1024;
	if (kvp_plan_compute(&m, &r, &p, &err) != KVP_OK ||
	    kvp_plan_fit(&p, &h, &f, &err) != KVP_OK)
		fail_msg("%s", err.message);
	assert_int_equal(f.weights_per_gpu, 16094076928ull);
	r.draft = &d;
	if (kvp_plan_compute(&m, &r, &p, &err) != KVP_OK)
		fail_msg("%s", err.message);
	assert_int_equal(p.stage_rotary_bytes[0], 33554432);
	strcpy(d.name, "llama32-1b");
	d.layers = 16;
	d.hidden = 2048;
	d.heads = 32;
	d.kv_heads = 8;
	d.head_dim = 64;
	d.params = 1235814400;
	if (kvp_plan_compute(&m, &r, &p, &err) != KVP_OK ||
	    kvp_plan_fit(&p, &h, &f, &err) != KVP_OK)
		fail_msg("%s", err.message);
	assert_int_equal(p.stage_rotary_bytes[0], 33554432 + 16777216);
	assert_int_equal(p.rotary_bytes, 33554432);
	assert_int_equal(f.weights_per_gpu, 18582482944ull);
}

/* SGLang grows each RotaryEmbedding's table after loading to its context
 * + 2 x steps x draft tokens + 256 rows, rounded up to 128
 * (reserve_rope_cache_for_long_sequences), in fp32:
 *   Llama 3.1 8B: 131,328 rows, 67,239,936 B (test_engines); with a
 *   draft of 3 steps (4 draft tokens under topk 1) 131,072 + 24 + 256 =
 *   131,352, rounded up 131,456: 67,305,472 (a draft of the model
 *   itself, whose table is the model's); steps without a draft draft
 *   nothing: 67,239,936;
 *   before the release that grows (SGLANG_ROPE_RESERVE), 67,108,864;
 *   a linear x 8 scaling without an original: SGLang's context is 4,096
 *   x 8 = 32,768, its table as long, grown to 33,024 rows x 128 x 4 =
 *   16,908,288; a fractional x 2.5, int(10,240.0) = 10,240 + 256 =
 *   10,496 rows, 5,373,952 (the table's 10,240 grown);
 *   Phi-3's long rope is never grown: 100 positions of an original 10,
 *   2 x (10 + 100) = 220 rows x 128 x 2 = 56,320, where the context's
 *   reserve would be 384;
 *   a draft of 8,192 positions and a head of 64 grows to the target's
 *   context, SGLang choosing 3 steps and 4 draft tokens where none are
 *   given: 131,456 x 64 x 4 = 33,652,736 on the last stage, beside the
 *   model's 67,305,472. */
static void test_sglang_growth(void **state)
{
	kvp_model m = llama31(), d = llama31(), self = llama31();
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	(void)state;
	kvp_request_init(&r);
	r.engine = KVP_ENGINE_SGLANG;
	r.seq = 1024;
	r.spec_tokens = 3;
	r.draft = &self;
	if (kvp_plan_compute(&m, &r, &p, &err) != KVP_OK)
		fail_msg("%s", err.message);
	assert_int_equal(p.sglang_spec_tokens, 4);
	assert_int_equal(p.rotary_bytes, 67305472);
	r.draft = NULL;
	if (kvp_plan_compute(&m, &r, &p, &err) != KVP_OK)
		fail_msg("%s", err.message);
	assert_int_equal(p.rotary_bytes, 67239936);
	r.spec_tokens = 0;
	r.sglang_version = 503;
	if (kvp_plan_compute(&m, &r, &p, &err) != KVP_OK)
		fail_msg("%s", err.message);
	assert_int_equal(p.rotary_bytes, 67108864);
	r.sglang_version = 518;
	if (kvp_plan_compute(&m, &r, &p, &err) != KVP_OK)
		fail_msg("%s", err.message);
	assert_int_equal(p.rotary_bytes, 67239936);
	/* a draft: its own key, the target's context */
	strcpy(d.name, "draft");
	d.layers = 16;
	d.hidden = 2048;
	d.head_dim = 64;
	d.params = 1235814400;
	d.max_context = 8192;
	r.draft = &d;
	if (kvp_plan_compute(&m, &r, &p, &err) != KVP_OK)
		fail_msg("%s", err.message);
	assert_int_equal(p.stage_rotary_bytes[0], 67305472 + 33652736);
	r.draft = NULL;

	m.max_context = 4096;
	m.rope = KVP_ROPE_LINEAR;
	m.rope_factor = 8;
	m.rope_original_max = 0;
	assert_int_equal(rotary(&m, KVP_ENGINE_SGLANG, KVP_DTYPE_BF16), 16908288);
	m.rope_factor = 2.5;
	assert_int_equal(rotary(&m, KVP_ENGINE_SGLANG, KVP_DTYPE_BF16), 5373952);
	m.rope = KVP_ROPE_LONGROPE;
	m.rope_factor = 0;
	m.max_context = 100;
	m.rope_original_max = 10;
	assert_int_equal(rotary(&m, KVP_ENGINE_SGLANG, KVP_DTYPE_BF16), 56320);
}

/* Positions past 64 bits' worth of bytes saturate, never wrap. */
static void test_saturates(void **state)
{
	kvp_model m = llama31();

	(void)state;
	m.max_context = UINT64_MAX / 2;
	m.rope = KVP_ROPE_MROPE;
	assert_int_equal(rotary(&m, KVP_ENGINE_VLLM, KVP_DTYPE_BF16), UINT64_MAX);
	m.rope = KVP_ROPE_LINEAR;
	m.rope_factor = 1e15;
	m.max_context = 1ull << 40;
	assert_int_equal(rotary(&m, KVP_ENGINE_VLLM, KVP_DTYPE_BF16), UINT64_MAX);
}

/* A model's rope numbers are checked: one message naming what is wrong. */
static void test_model_checks(void **state)
{
	kvp_model m = llama31();
	kvp_error err;

	(void)state;
	m.rotary_dim = 129;
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_ERR_SHAPE);
	assert_string_equal(err.message, "llama31: rotary_dim 129 is more than head_dim 128");
	m.rotary_dim = 128;
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_OK);
	m.rope_factor = -1;
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_ERR_SHAPE);
	assert_string_equal(err.message, "llama31: rope_factor -1 and rope_local_theta 0 must"
	                    " be from 0 to 1e15 and 1e300");
	m.rope_factor = 8;
	m.rope = (kvp_rope)KVP_ROPE_COUNT;
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_ERR_SHAPE);
	assert_string_equal(err.message, "llama31: rope 9 is not a rope type");
}

static void test_names(void **state)
{
	kvp_rope r;
	kvp_error err;

	(void)state;
	for (int k = 0; k < KVP_ROPE_COUNT; k++) {
		assert_int_equal(kvp_rope_from_name(kvp_rope_name((kvp_rope)k), &r, &err), KVP_OK);
		assert_int_equal(r, k);
	}
	assert_string_equal(kvp_rope_name(KVP_ROPE_YARN), "yarn");
	assert_string_equal(kvp_rope_name((kvp_rope)KVP_ROPE_COUNT), "unknown");
	assert_int_equal(kvp_rope_from_name("SU", &r, &err), KVP_OK);
	assert_int_equal(r, KVP_ROPE_LONGROPE);
	assert_int_equal(kvp_rope_from_name("deepseek_yarn", &r, &err), KVP_OK);
	assert_int_equal(r, KVP_ROPE_YARN);
	assert_int_equal(kvp_rope_from_name("yarnn", &r, &err), KVP_ERR_NOT_FOUND);
	assert_string_equal(err.message, "unknown rope type 'yarnn' (valid: default, none,"
	                    " linear, dynamic, yarn, llama3, longrope, mrope, proportional)");
	assert_int_equal(kvp_rope_from_name(NULL, &r, &err), KVP_ERR_INVALID);
}

static kvp_status parse(const char *json, kvp_model *m, kvp_error *err)
{
	kvp_source src;

	return kvp_config_parse(json, strlen(json), "config.json", m, &src, err);
}

/* What a config.json says: rope_scaling's type and numbers (Phi-3's
 * original at the top), partial_rotary_factor of the head (0.25 x 256 =
 * 64), transformers 5's rope_parameters by layer type, Gemma 3's local
 * base (its class's 10,000 where absent), Llama 4's NoPE layers, GPT-2's
 * learned positions and Falcon's ALiBi. */
static void test_config(void **state)
{
	kvp_model m;
	kvp_error err;

	(void)state;
	assert_int_equal(parse("{\"model_type\": \"deepseek_v3\", \"hidden_size\": 7168,"
	                       " \"num_hidden_layers\": 4, \"num_attention_heads\": 128,"
	                       " \"kv_lora_rank\": 512, \"qk_rope_head_dim\": 64,"
	                       " \"qk_nope_head_dim\": 128, \"v_head_dim\": 128,"
	                       " \"max_position_embeddings\": 163840, \"rope_scaling\":"
	                       " {\"type\": \"yarn\", \"factor\": 40,"
	                       " \"original_max_position_embeddings\": 4096}}", &m, &err),
	                 KVP_OK);
	assert_int_equal(m.rope, KVP_ROPE_YARN);
	assert_true(m.rope_factor == 40);
	assert_int_equal(m.rope_original_max, 4096);
	assert_int_equal(m.rotary_dim, 0);
	assert_int_equal(parse("{\"hidden_size\": 5120,"
	                       " \"num_hidden_layers\": 4, \"num_attention_heads\": 24,"
	                       " \"num_key_value_heads\": 4, \"head_dim\": 256,"
	                       " \"rope_parameters\": {\"rope_type\": \"default\","
	                       " \"mrope_section\": [11, 11, 10], \"rope_theta\": 1e7,"
	                       " \"partial_rotary_factor\": 0.25}}", &m, &err), KVP_OK);
	assert_int_equal(m.rope, KVP_ROPE_MROPE);
	assert_int_equal(m.rotary_dim, 64);
	assert_int_equal(parse("{\"model_type\": \"phi3\", \"hidden_size\": 3072,"
	                       " \"num_hidden_layers\": 4, \"num_attention_heads\": 24,"
	                       " \"num_key_value_heads\": 8,"
	                       " \"original_max_position_embeddings\": 4096,"
	                       " \"partial_rotary_factor\": 0.75, \"rope_scaling\":"
	                       " {\"type\": \"longrope\", \"short_factor\": [1],"
	                       " \"long_factor\": [1]}}", &m, &err), KVP_OK);
	assert_int_equal(m.rope, KVP_ROPE_LONGROPE);
	assert_int_equal(m.rope_original_max, 4096);
	assert_int_equal(m.rotary_dim, 96);
	assert_int_equal(parse("{\"model_type\": \"gemma3_text\", \"hidden_size\": 2560,"
	                       " \"num_hidden_layers\": 6, \"num_attention_heads\": 8,"
	                       " \"num_key_value_heads\": 4, \"head_dim\": 256,"
	                       " \"rope_scaling\": {\"rope_type\": \"linear\","
	                       " \"factor\": 8.0}}", &m, &err), KVP_OK);
	assert_int_equal(m.rope, KVP_ROPE_LINEAR);
	assert_true(m.rope_local_theta == 10000);
	assert_int_equal(parse("{\"model_type\": \"gemma3_text\", \"hidden_size\": 2560,"
	                       " \"num_hidden_layers\": 6, \"num_attention_heads\": 8,"
	                       " \"num_key_value_heads\": 4, \"head_dim\": 256,"
	                       " \"rope_parameters\": {\"full_attention\": {\"rope_type\":"
	                       " \"linear\", \"factor\": 8.0, \"rope_theta\": 1e6},"
	                       " \"sliding_attention\": {\"rope_type\": \"default\","
	                       " \"rope_theta\": 20000}}}", &m, &err), KVP_OK);
	assert_int_equal(m.rope, KVP_ROPE_LINEAR);
	assert_true(m.rope_local_theta == 20000);
	assert_true(m.rope_theta == 1e6);
	assert_int_equal(parse("{\"model_type\": \"llama4_text\", \"hidden_size\": 5120,"
	                       " \"num_hidden_layers\": 8, \"num_attention_heads\": 40,"
	                       " \"num_key_value_heads\": 8, \"head_dim\": 128}", &m, &err),
	                 KVP_OK);
	assert_true(m.rope_nope_full);
	assert_int_equal(parse("{\"model_type\": \"gpt2\", \"n_embd\": 768, \"n_layer\": 2,"
	                       " \"n_head\": 12}", &m, &err), KVP_OK);
	assert_int_equal(m.rope, KVP_ROPE_NONE);
	assert_int_equal(parse("{\"model_type\": \"falcon\", \"hidden_size\": 4544,"
	                       " \"num_hidden_layers\": 2, \"num_attention_heads\": 71,"
	                       " \"alibi\": true}", &m, &err), KVP_OK);
	assert_int_equal(m.rope, KVP_ROPE_NONE);
}

/* Bad rope fields: one message naming the key. */
static void test_config_errors(void **state)
{
	kvp_model m;
	kvp_error err;

	(void)state;
	assert_int_equal(parse("{\"hidden_size\": 64, \"num_hidden_layers\": 1,"
	                       " \"num_attention_heads\": 1, \"rope_scaling\":"
	                       " {\"type\": \"yarm\"}}", &m, &err), KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "rope_scaling.type: unknown rope type 'yarm'"));
	assert_int_equal(parse("{\"hidden_size\": 64, \"num_hidden_layers\": 1,"
	                       " \"num_attention_heads\": 1, \"rope_scaling\":"
	                       " {\"type\": \"linear\", \"factor\": -2}}", &m, &err),
	                 KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "rope_scaling.factor: expected a positive number"));
	assert_int_equal(parse("{\"hidden_size\": 64, \"num_hidden_layers\": 1,"
	                       " \"num_attention_heads\": 1, \"rope_scaling\":"
	                       " {\"type\": \"yarn\", \"original_max_position_embeddings\":"
	                       " 4096.5}}", &m, &err), KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "original_max_position_embeddings: expected a"
	                       " whole number"));
	assert_int_equal(parse("{\"hidden_size\": 64, \"num_hidden_layers\": 1,"
	                       " \"num_attention_heads\": 1, \"partial_rotary_factor\":"
	                       " \"half\"}", &m, &err), KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "partial_rotary_factor: expected a positive"
	                       " number"));
	assert_int_equal(parse("{\"hidden_size\": 64, \"num_hidden_layers\": 1,"
	                       " \"num_attention_heads\": 1, \"rope_scaling\": [1, 2]}",
	                       &m, &err), KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "rope_scaling: expected an object"));
	assert_int_equal(parse("{\"hidden_size\": 64, \"num_hidden_layers\": 1,"
	                       " \"num_attention_heads\": 1, \"rope_parameters\": \"x\"}",
	                       &m, &err), KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "rope_parameters: expected an object"));
	assert_int_equal(parse("{\"hidden_size\": 64, \"num_hidden_layers\": 1,"
	                       " \"num_attention_heads\": 1, \"rope_scaling\":"
	                       " {\"type\": \"linear\", \"factor\": 1e300}}", &m, &err),
	                 KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "rope_scaling.factor: 1e+300 is past 1e15"));
	assert_int_equal(parse("{\"hidden_size\": 64, \"num_hidden_layers\": 1,"
	                       " \"num_attention_heads\": 1, \"rope_parameters\":"
	                       " {\"full_attention\": {\"rope_theta\": -1}}}", &m, &err),
	                 KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "rope_parameters.full_attention.rope_theta:"
	                       " expected a positive number"));
	/* a share of the head too small to rotate a value: no rope */
	assert_int_equal(parse("{\"hidden_size\": 64, \"num_hidden_layers\": 1,"
	                       " \"num_attention_heads\": 1, \"partial_rotary_factor\":"
	                       " 1e-9}", &m, &err), KVP_OK);
	assert_int_equal(m.rope, KVP_ROPE_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_engines),
		cmocka_unit_test(test_scalings),
		cmocka_unit_test(test_local_tables),
		cmocka_unit_test(test_stages),
		cmocka_unit_test(test_draft_and_fit),
		cmocka_unit_test(test_sglang_growth),
		cmocka_unit_test(test_saturates),
		cmocka_unit_test(test_model_checks),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_config_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
