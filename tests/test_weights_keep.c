/*
 * test_weights_keep.c — the linear layers a checkpoint format leaves
 * 16-bit besides the embeddings, head, norms and routers (kvp_weights_
 * format keep16: ":attn16", ":qkv16", ":o16", ":shared16", ":dense16",
 * ":linear16", ":mtp16"), as
 * NVIDIA's DeepSeek-R1-FP4 keeps all of MLA's projections, its -v2 all but
 * o, Moonshot's Kimi-K2-Thinking all but the routed experts (research:
 * /work/research/quant-excluded-modules.md): their names, their bytes
 * worked by hand from the configs' shapes, and vLLM's layout of what is
 * left quantized.
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
#include "weights_fixture.h"

/* deepseek-ai/DeepSeek-V3 config.json (tests/configs/deepseek-v3): 61
 * MLA layers of hidden 7,168, 128 heads (nope 128, rope 64, v 128),
 * q_lora_rank 1,536, kv_lora_rank 512; the first three dense (18,432),
 * then 256 routed experts and one shared of 2,048; vocab 129,280,
 * untied; 671,000,000,000 parameters (the MTP layer's not among them). */
static kvp_model deepseek_v3(void)
{
	kvp_model m = testmodel_deepseek_v3();
	kvp_error err;

	strcpy(m.name, "deepseek-v3");
	m.q_lora_rank = 1536;
	m.moe_experts = 256;
	m.moe_intermediate = 2048;
	m.moe_shared_intermediate = 2048;
	m.moe_dense_layers = 3;
	m.dense_intermediate = 18432;
	m.moe_top_k = 8;
	if (kvp_model_finalize(&m, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return m;
}

static void test_parse(void **state)
{
	kvp_weights_format f;
	kvp_error err;

	(void)state;
	f = format("nvfp4:attn16");
	assert_int_equal(f.kind, KVP_WFORMAT_NVFP4);
	assert_int_equal(f.keep16, KVP_WKEEP_ATTENTION);
	assert_string_equal(f.name, "nvfp4:attn16");
	/* anywhere after the format's first part, in any case, named in one
	 * order */
	f = format("W4A16:Dense16:g32:SHARED16:attn16");
	assert_int_equal(f.keep16, KVP_WKEEP_ATTENTION | KVP_WKEEP_SHARED | KVP_WKEEP_DENSE);
	assert_int_equal(f.group, 32);
	assert_string_equal(f.name, "w4a16:g32:attn16:shared16:dense16");
	assert_string_equal(format("fp8:o16:qkv16").name, "fp8:attn16");
	assert_string_equal(format("int4-gptq:qkv16").name, "int4-gptq:g128:qkv16");
	/* MXFP4 keeps attention anyway: not in its name */
	f = format("mxfp4:attn16:dense16");
	assert_string_equal(f.name, "mxfp4:dense16");
	/* the longest name fits */
	assert_string_equal(format("w8a16:g65536:asym:actorder:attn16:shared16:dense16").name,
	                    "w8a16:g65536:asym:actorder:attn16:shared16:dense16");

	f.kind = KVP_WFORMAT_MXFP4;
	assert_int_equal(kvp_weights_format_parse("fp8:attn16:qkv16", &f, &err), KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "'qkv16' keeps 16-bit what another part already"));
	assert_int_equal(kvp_weights_format_parse("fp8:shared16:shared16", &f, &err),
	                 KVP_ERR_PARSE);
	assert_int_equal(kvp_weights_format_parse("q4_K:attn16", &f, &err), KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "a GGUF type keeps no layers 16-bit"));
	/* a part the format's own name does not take, or nothing */
	assert_int_equal(kvp_weights_format_parse("fp8:attn16:", &f, &err), KVP_ERR_NOT_FOUND);
	assert_int_equal(kvp_weights_format_parse("fp8:sym:attn16", &f, &err),
	                 KVP_ERR_NOT_FOUND);
	assert_int_equal(kvp_weights_format_parse("attn16", &f, &err), KVP_ERR_NOT_FOUND);
	assert_int_equal(kvp_weights_format_parse("bf16:attn16", &f, &err), KVP_ERR_NOT_FOUND);
	assert_int_equal(f.kind, KVP_WFORMAT_MXFP4); /* out untouched */
}

/* DeepSeek-V3's MLA layer by hand: q_a 7,168 x 1,536 = 11,010,048, q_b
 * 1,536 x 128 x 192 = 37,748,736, kv_a 7,168 x 576 = 4,128,768, kv_b 512
 * x 128 x 256 = 16,777,216 (q, k and v: 69,664,768), o 128 x 128 x 7,168
 * = 117,440,512; the shared expert's 3 x 7,168 x 2,048 = 44,040,192 a
 * routed layer (58); the dense layers' 3 x 7,168 x 18,432 = 396,361,728
 * (3).  NVFP4: 9/16 B a weight and 8 B a quantized tensor: an MLA layer's
 * five, each MLP block's three (58 x 256 routed experts, 58 shared, 3
 * dense). */
static void test_deepseek(void **state)
{
	kvp_model m = deepseek_v3();
	const uint64_t qkv = 61 * 69664768ull, o = 61 * 117440512ull;
	const uint64_t shared = 58 * 44040192ull, dense = 3 * 396361728ull;
	kvp_weights_estimate all = estimate(&m, "nvfp4"), e;

	(void)state;
	assert_int_equal(qkv + o, 11413422080ull);
	assert_int_equal(all.quantized_bytes, (all.quantized_params * 9 + 15) / 16 +
	                                      8 * (5 * 61 + 3 * (58 * 256 + 58 + 3)));
	/* all of attention 16-bit (DeepSeek-R1-FP4): its 5 tensors a layer */
	e = estimate(&m, "nvfp4:attn16");
	assert_int_equal(e.quantized_params, all.quantized_params - qkv - o);
	assert_int_equal(e.quantized_bytes,
	                 (e.quantized_params * 9 + 15) / 16 + 8 * 3 * (58 * 256 + 58 + 3));
	assert_int_equal(e.other_bytes, all.other_bytes + 2 * (qkv + o));
	/* the -v2 checkpoints: o quantized, the other four 16-bit */
	e = estimate(&m, "nvfp4:qkv16");
	assert_int_equal(e.quantized_params, all.quantized_params - qkv);
	assert_int_equal(e.other_bytes, all.other_bytes + 2 * qkv);
	/* the routed experts alone quantized (Kimi-K2-Thinking's split) */
	e = estimate(&m, "nvfp4:attn16:shared16:dense16");
	assert_int_equal(e.quantized_params, all.quantized_params - qkv - o - shared - dense);
	assert_int_equal(e.quantized_bytes, (e.quantized_params * 9 + 15) / 16 +
	                                    8 * 3 * 58 * 256);
	assert_int_equal(e.bytes, e.quantized_bytes + e.other_bytes);
	/* MXFP4 keeps MLA's attention 16-bit too */
	assert_int_equal(estimate(&m, "mxfp4").quantized_params, e.quantized_params + shared +
	                                                         dense);
}

/* The MTP layer kept 16-bit (":mtp16": NVIDIA's DeepSeek FP4 exports
 * exclude "model.layers.61*", left bf16), planned with --mtp 1: an
 * expert layer's block, the layers' average less their MLPs,
 * floor((671,000,000,000 - 2 x 129,280 x 7,168 - 7,168 - 3 x 3 x 7,168 x
 * 18,432 - 58 x 11,320,164,352) / 61) = 186,688,805, and an expert
 * layer's MLP, 3 x 7,168 x 257 x 2,048 + 7,168 x 256 = 11,320,164,352;
 * its eh_proj 2 x 7,168^2 = 102,760,448 and three norms 21,504:
 * 11,609,635,109 parameters at 2 B, 23,219,270,218 B, where under nvfp4
 * they take the model's average. */
static void test_mtp(void **state)
{
	kvp_model m = deepseek_v3();
	kvp_plan *p = test_calloc(1, sizeof *p);
	kvp_request r = request(KVP_ENGINE_VLLM, "nvfp4:attn16:mtp16", 1);
	const uint64_t moe = 3ull * 7168 * 257 * 2048 + 7168ull * 256;
	const uint64_t per = (671000000000ull - 2ull * 129280 * 7168 - 7168 -
	                      3 * 3ull * 7168 * 18432 - 58 * moe) / 61 +
	                     moe + 2ull * 7168 * 7168 + 3 * 7168;

	(void)state;
	m.mtp_layers = 1;
	r.mtp_layers = 1;
	plan(&m, &r, p);
	assert_int_equal(p->draft_weights_bytes, 2 * per);
	assert_int_equal(p->draft_weights_bytes, 23219270218ull);
	/* without the part: the model's bytes a parameter */
	r = request(KVP_ENGINE_VLLM, "nvfp4:attn16", 1);
	r.mtp_layers = 1;
	plan(&m, &r, p);
	assert_int_equal(p->draft_weights_bytes,
	                 ((unsigned __int128)per * p->weights_bytes + m.params - 1) / m.params);
	/* its name; nothing for the model's own weights */
	assert_string_equal(format("NVFP4:MTP16:attn16").name, "nvfp4:attn16:mtp16");
	assert_int_equal(estimate(&m, "nvfp4:mtp16").bytes, estimate(&m, "nvfp4").bytes);
	test_free(p);
}

/* A vision tower the engine loads stays 16-bit in every checkpoint
 * format: Qwen3.5-27B's catalogue profile, its tower 460,730,096
 * parameters of 27,356,728,560 loaded (its MTP layer's left out); under
 * vLLM's --language-model-only, or llama.cpp (its mmproj file), none. */
static void qwen35_27b(kvp_model *m)
{
	const char *dirs[] = {KVP_TEST_DATADIR};
	kvp_catalog *cat = NULL;
	kvp_error err;

	if (kvp_catalog_open(&cat, dirs, 1, &err) != KVP_OK ||
	    kvp_catalog_model(cat, "qwen3.5-27b", m, &err) != KVP_OK)
		fail_msg("%s", err.message);
	kvp_catalog_free(&cat);
}

static void test_tower(void **state)
{
	kvp_model m, lm;
	kvp_weights_estimate with, without;
	kvp_plan *p = test_calloc(1, sizeof *p);
	kvp_request r = request(KVP_ENGINE_VLLM, "nvfp4", 1);

	(void)state;
	qwen35_27b(&m);
	assert_int_equal(m.vision_params, 460730096);
	kvp_model_loaded(&m, &r, &m);
	assert_int_equal(m.params, 27356728560ull);
	assert_int_equal(m.vision_params, 460730096);
	lm = m;
	lm.vision_params = 0;
	with = estimate(&m, "nvfp4");
	without = estimate(&lm, "nvfp4");
	assert_int_equal(with.tower_params, 460730096);
	assert_int_equal(without.tower_params, 0);
	assert_int_equal(without.linear_params - with.linear_params, 460730096);
	assert_int_equal(without.quantized_params - with.quantized_params, 460730096);
	assert_int_equal(with.other_bytes - without.other_bytes, 2 * 460730096ull);
	/* the plan: vLLM loads it; --language-model-only does not (and the
	 * params then hold none of it) */
	qwen35_27b(&m);
	plan(&m, &r, p);
	assert_int_equal(p->weights_bytes, with.bytes);
	r.language_model_only = true;
	plan(&m, &r, p);
	/* kvp_model_loaded: the params less the tower, and no tower */
	kvp_model_loaded(&m, &r, &lm);
	assert_int_equal(lm.params, 27356728560ull - 460730096);
	assert_int_equal(lm.vision_params, 0);
	assert_int_equal(p->weights_bytes, estimate(&lm, "nvfp4").bytes);
	test_free(p);
}

/* Llama 3.1 8B's 32 layers: q, k, v 4,096 x 6,144 = 25,165,824 a layer, o
 * 4,096 x 4,096 = 16,777,216, its MLP the rest: the kept ones take no
 * scales, rows or weight_shape. */
static void test_dense(void **state)
{
	kvp_model m = llama3_8b();
	const uint64_t linear = 6979321856ull, qkv = 32 * 25165824ull, o = 32 * 16777216ull;
	kvp_weights_estimate e;

	(void)state;
	/* W8A8: 1 B and a 2-byte scale an output row: the MLP's gate, up
	 * (14,336 each) and down (4,096) alone */
	e = estimate(&m, "w8a8:attn16");
	assert_int_equal(e.quantized_params, linear - qkv - o);
	assert_int_equal(e.quantized_bytes, linear - qkv - o + 2 * 32 * 32768ull);
	/* W4A16 keeping q, k, v: o's and the MLP's 4 tensors a layer, o's
	 * input rows (4,096) and the MLP's (2 x 4,096 + 14,336) for g_idx */
	e = estimate(&m, "w4a16:actorder:qkv16");
	assert_int_equal(e.quantized_bytes, (linear - qkv) / 64 * 33 + 16 * 4 * 32 +
	                                    4 * 32 * (4096 + 8192 + 14336ull));
	/* a dense model's MLPs are its dense layers' */
	e = estimate(&m, "fp8:dense16");
	assert_int_equal(e.quantized_params, qkv + o);
	assert_int_equal(e.quantized_bytes, qkv + o + 4 * 4 * 32);
}

/* vLLM's layout of what is left quantized: Llama 3.3 70B in
 * w4a16:actorder over 4 GPUs keeping attention 16-bit has the MLP's
 * alone (tests/test_weights_ct.c works the whole): gate_up's and down's
 * g_idx and sort, 8 x 80 x (8,192 + 28,672 / 4), against the checkpoint's
 * 4 x 80 x (2 x 8,192 + 28,672) / 4; down's scales of all its inputs, 2 x
 * 8,192 x 80 x 224 groups x 3/4. */
static void test_layout(void **state)
{
	kvp_model l70 = dense("llama3.3-70b", 80, 8192, 64, 8, 128, 28672, 128256, false, false);
	kvp_model ds = deepseek_v3();
	kvp_plan *p = test_calloc(1, sizeof *p);
	kvp_request r;
	uint64_t gpu;

	(void)state;
	l70.intermediate = 28672;
	assert_int_equal(layout(&l70, "w4a16:actorder:attn16", 4, "sm_90", &gpu),
	                 8 * 80 * (8192 + 7168) - 4 * 80 * (16384 + 28672) / 4 +
	                 2ll * 8192 * 80 * 224 * 3 / 4);
	/* o quantized, q, k, v not: o's g_idx and sort, 8 x 80 x 2,048
	 * against 4 x 80 x 8,192 / 4, and its scales of all 64 groups, 2 x
	 * 8,192 x 80 x 64 x 3/4, besides the MLP's */
	assert_int_equal(layout(&l70, "w4a16:actorder:qkv16", 4, "sm_90", &gpu) -
	                 layout(&l70, "w4a16:actorder:attn16", 4, "sm_90", &gpu),
	                 8 * 80 * 2048 - 4 * 80 * 8192 / 4 + 2ll * 8192 * 80 * 64 * 3 / 4);
	/* W8A8 keeping the MLPs (dense16): attention's fp32 scales alone, q,
	 * k, v's 10,240 outputs split, o's 8,192 whole: 4 x 80 x (10,240 / 4
	 * + 8,192) against 2 x 80 x 18,432 / 4 */
	assert_int_equal(layout(&l70, "w8a8:dense16", 4, "sm_90", &gpu),
	                 4 * 80 * (2560 + 8192) - 2 * 80 * 18432 / 4);
	/* DeepSeek-V3 in w8a8 over 8 GPUs keeping the shared experts and the
	 * dense layers 16-bit: the routed experts' alone (tests/cli/
	 * ct_formats.sh works the whole: 414,318,592) */
	r = request(KVP_ENGINE_VLLM, "w8a8:shared16:dense16", 8);
	plan(&ds, &r, p);
	assert_int_equal(p->stage_ct_int_bytes[0], 414318592);
	/* and the share of a 16-bit part under SGLang's dense TP 1 is its 2
	 * B a parameter: 3 x 396,361,728 x 2 */
	r = request(KVP_ENGINE_SGLANG, "nvfp4:dense16", 8);
	r.sglang_dense_whole = true;
	plan(&ds, &r, p);
	assert_int_equal(p->dense_mlp_bytes, 2 * 3 * 396361728ull);
	test_free(p);
}

/* A hybrid's Gated DeltaNet layers kept 16-bit (":linear16"):
 * Qwen/Qwen3.5-27B's config.json (tests/configs/qwen3.5-27b): 64 layers,
 * every fourth full attention, the other 48 Gated DeltaNet of hidden
 * 5,120 with 16 key heads and 48 value heads of 128.  A layer's
 * in_proj_qkv, in_proj_z, in_proj_b and in_proj_a read hidden into 2 x
 * 2,048 keys + 2 x 6,144 values + 2 x 48 = 16,480 outputs, its out_proj
 * 6,144 values into hidden: 84,377,600 + 31,457,280 = 115,834,880
 * parameters, 5,560,074,240 in all; at 2 B rather than NVFP4's 9/16 and
 * 5 tensors' 8 B of scales a layer: 7,992,604,800 B more. */
static void test_delta_net(void **state)
{
	char path[4096];
	kvp_model m, dense_model;
	kvp_source src;
	kvp_error err;
	kvp_weights_estimate q, k;
	const uint64_t n = 48ull * (5120ull * 16480 + 6144ull * 5120);

	(void)state;
	snprintf(path, sizeof path, "%s/tests/configs/qwen3.5-27b/config.json", KVP_TEST_SRCDIR);
	if (kvp_config_read(path, &m, &src, NULL, &err) != KVP_OK)
		fail_msg("%s", err.message);
	assert_int_equal(format("nvfp4:linear16").keep16, KVP_WKEEP_LINEAR);
	assert_string_equal(format("NVFP4:LINEAR16:attn16").name, "nvfp4:attn16:linear16");
	q = estimate(&m, "nvfp4");
	k = estimate(&m, "nvfp4:linear16");
	assert_int_equal(q.quantized_params - k.quantized_params, n);
	assert_int_equal(k.bytes - q.bytes, 2 * n - n / 16 * 9 - 8 * 5 * 48);
	assert_int_equal(k.bytes - q.bytes, 7992604800ull);
	/* the in_proj alone (NVIDIA's Qwen3-Next recipe): 48 x 5,120 x
	 * 16,480 = 4,050,124,800 parameters, their 4 tensors a layer; the
	 * two parts together are linear16 */
	assert_string_equal(format("nvfp4:outproj16:inproj16").name, "nvfp4:linear16");
	assert_string_equal(format("nvfp4:inproj16").name, "nvfp4:inproj16");
	assert_int_equal(format("nvfp4:outproj16").keep16, KVP_WKEEP_OUTPROJ);
	k = estimate(&m, "nvfp4:inproj16");
	assert_int_equal(k.bytes - q.bytes, 2 * 4050124800ull - 4050124800ull / 16 * 9 -
	                                    8 * 4 * 48);
	k = estimate(&m, "nvfp4:outproj16");
	assert_int_equal(k.bytes - q.bytes, 2 * 1509949440ull - 1509949440ull / 16 * 9 - 8 * 48);
	assert_int_equal(4050124800ull + 1509949440ull, n);
	/* fp8: 1 B and a scale a tensor */
	assert_int_equal(estimate(&m, "fp8:linear16").bytes - estimate(&m, "fp8").bytes,
	                 n - 4 * 5 * 48);
	/* GPTQ's g_idx: each layer's inputs, 4 x 5,120 + 6,144 rows of 4 B */
	assert_int_equal(estimate(&m, "int4-gptq:linear16").bytes -
	                 estimate(&m, "int4-gptq").bytes,
	                 2 * n - n / 256 * 133 - 4 * 48 * (4 * 5120 + 6144));
	/* Qwen3-Next (tests/configs/qwen3-next-80b-a3b): its 12 attention
	 * layers' q_proj holds the query and its output gate, hidden 2,048 x
	 * 16 heads x 256 x 2, beside k and v (2 x 512) and o (4,096 x
	 * 2,048): 27,262,976 parameters a layer, 327,155,712 in all; at 2 B
	 * rather than 9/16 and 4 tensors' 8 B a layer, 470,285,952 B more. */
	snprintf(path, sizeof path, "%s/tests/configs/qwen3-next-80b-a3b/config.json",
	         KVP_TEST_SRCDIR);
	if (kvp_config_read(path, &m, &src, NULL, &err) != KVP_OK)
		fail_msg("%s", err.message);
	assert_int_equal(12ull * (2048 * (8192 + 1024) + 4096 * 2048), 327155712);
	assert_int_equal(estimate(&m, "nvfp4:attn16").bytes - estimate(&m, "nvfp4").bytes,
	                 2 * 327155712ull - 327155712ull / 16 * 9 - 8 * 4 * 12);
	assert_int_equal(estimate(&m, "nvfp4:attn16").bytes - estimate(&m, "nvfp4").bytes,
	                 470285952);
	/* a model without such layers: nothing kept */
	dense_model = llama3_8b();
	assert_int_equal(estimate(&dense_model, "nvfp4:linear16").bytes,
	                 estimate(&dense_model, "nvfp4").bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_deepseek),
		cmocka_unit_test(test_dense),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_delta_net),
		cmocka_unit_test(test_mtp),
		cmocka_unit_test(test_tower),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
