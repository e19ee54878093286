/*
 * test_weights.c — the weights in a checkpoint format: the names, each
 * format's bytes worked by hand, and the estimates held to published
 * checkpoints' sizes (each cited where it is used).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"
#include "catalog_fixture.h"
#include "weights_fixture.h"

/* meta-llama/Llama-2-7b-hf config.json: 32 layers, hidden 4096, 32 heads,
 * intermediate 11008, vocab 32000, untied. */
static kvp_model llama2_7b(void)
{
	return dense("llama2-7b", 32, 4096, 32, 32, 128, 11008, 32000, false, false);
}

/* meta-llama/Llama-2-13b-hf: 40 layers, hidden 5120, 40 heads,
 * intermediate 13824, vocab 32000. */
static kvp_model llama2_13b(void)
{
	return dense("llama2-13b", 40, 5120, 40, 40, 128, 13824, 32000, false, false);
}

/* meta-llama/Meta-Llama-3-8B has Llama 3.1 8B's shape: llama3_8b()
 * (weights_fixture.h). */

static void test_parse(void **state)
{
	kvp_weights_format f;
	kvp_error err;

	(void)state;
	f = format("int4-awq:g128");
	assert_int_equal(f.kind, KVP_WFORMAT_AWQ);
	assert_int_equal(f.group, 128);
	assert_string_equal(f.name, "int4-awq:g128");
	f = format("AWQ"); /* the group AutoAWQ uses by default */
	assert_int_equal(f.group, 128);
	assert_string_equal(f.name, "int4-awq:g128");
	f = format("int4-gptq:g32");
	assert_int_equal(f.kind, KVP_WFORMAT_GPTQ);
	assert_int_equal(f.group, 32);
	assert_int_equal(format("fp8_e4m3").kind, KVP_WFORMAT_FP8);
	/* the cache type's other names of fp8 are the format too, not a
	 * plain byte a parameter */
	assert_int_equal(format("fp8_e5m2").kind, KVP_WFORMAT_FP8);
	assert_string_equal(format("F8").name, "fp8");
	assert_int_equal(format("NVFP4").kind, KVP_WFORMAT_NVFP4);
	assert_int_equal(format("mxfp4").kind, KVP_WFORMAT_MXFP4);
	/* ggml's blocks (ggml-common.h): q4_K 144 B per 256, q8_0 34 per 32. */
	f = format("Q4_K");
	assert_int_equal(f.kind, KVP_WFORMAT_GGUF);
	assert_int_equal(f.block_values, 256);
	assert_int_equal(f.block_bytes, 144);
	assert_string_equal(f.name, "q4_K");
	f = format("iq4_xs");
	assert_int_equal(f.block_bytes, 136);
	f = format("q8_0");
	assert_int_equal(f.block_values, 32);
	assert_int_equal(f.block_bytes, 34);

	/* A plain type, or nothing known: not a format; out untouched. */
	f.kind = KVP_WFORMAT_MXFP4;
	assert_int_equal(kvp_weights_format_parse("fp16", &f, &err), KVP_ERR_NOT_FOUND);
	assert_int_equal(f.kind, KVP_WFORMAT_MXFP4);
	assert_int_equal(kvp_weights_format_parse("q8_1", &f, &err), KVP_ERR_NOT_FOUND);
	assert_int_equal(kvp_weights_format_parse("f32", &f, &err), KVP_ERR_NOT_FOUND);
	assert_int_equal(kvp_weights_format_parse("int4-awqx", &f, &err), KVP_ERR_NOT_FOUND);
	/* Groups. */
	assert_int_equal(kvp_weights_format_parse("int4-awq:g0", &f, &err), KVP_ERR_RANGE);
	assert_non_null(strstr(err.message, "'int4-awq:g0'"));
	assert_int_equal(kvp_weights_format_parse("int4-awq:g65537", &f, &err), KVP_ERR_RANGE);
	assert_int_equal(kvp_weights_format_parse("int4-awq:g99999999999999999999", &f, &err),
	                 KVP_ERR_RANGE);
	assert_int_equal(kvp_weights_format_parse("int4-awq:128", &f, &err), KVP_ERR_PARSE);
	assert_int_equal(kvp_weights_format_parse("int4-awq:g", &f, &err), KVP_ERR_PARSE);
	assert_int_equal(kvp_weights_format_parse("int4-awq:g12x", &f, &err), KVP_ERR_PARSE);
	assert_int_equal(kvp_weights_format_parse("int4-gptq:g-1", &f, &err), KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "(int4-gptq:g128)"));
	/* What follows the group is quoted escaped, as the whole text is
	 * (a fuzzed argument with raw bytes after "g6" once came out raw). */
	assert_int_equal(kvp_weights_format_parse("int4-gptq:g6w\x14\xff", &f, &err),
	                 KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "'w\\x14\\xff' after the group size"));
	/* Mixes need the file. */
	assert_int_equal(kvp_weights_format_parse("Q4_K_M", &f, &err), KVP_ERR_INVALID);
	assert_non_null(strstr(err.message, "--gguf"));
	assert_int_equal(kvp_weights_format_parse("q5_k_s", &f, &err), KVP_ERR_INVALID);
	assert_int_equal(kvp_weights_format_parse(NULL, &f, &err), KVP_ERR_INVALID);
}

/* The worked example and each format's rule, by hand. */
static void test_formats_by_hand(void **state)
{
	kvp_model m = llama2_7b(), l3 = llama3_8b();
	kvp_weights_estimate e;

	(void)state;
	assert_int_equal(m.params, 6738415616ull);
	/* Linear: 32 x (4 x 4096^2 + 3 x 4096 x 11008) = 6,476,005,376;
	 * embeddings and head 2 x 32000 x 4096, norms 65 x 4096. */
	e = estimate(&m, "int4-awq:g128");
	assert_int_equal(e.linear_params, 6476005376ull);
	assert_int_equal(e.embedding_params + e.head_params + e.norm_params, 262410240ull);
	/* x 133/256 = 3,364,487,168; + 262,410,240 x 2 = 524,820,480. */
	assert_int_equal(e.quantized_bytes, 3364487168ull);
	assert_int_equal(e.other_bytes, 524820480ull);
	assert_int_equal(e.bytes, 3889307648ull);
	/* g64: 1/2 + 2/64 + 1/128 = 69/128 B. */
	e = estimate(&m, "int4-awq:g64");
	assert_int_equal(e.quantized_bytes, 6476005376ull / 128 * 69);
	/* GPTQ adds g_idx, 4 B per input row: per layer q, k, v, gate, up
	 * 5 x 4096, o 4096, down 11008: 32 x 35,584 = 1,138,688 rows. */
	e = estimate(&m, "int4-gptq:g128");
	assert_int_equal(e.quantized_bytes, 3364487168ull + 4 * 1138688ull);
	/* FP8: Llama 3 8B, linear 32 x (2 x 4096^2 + 2 x 4096 x 1024 + 3 x 4096
	 * x 14336) = 6,979,321,856 B and 224 fp32 scales; embeddings and head
	 * 2 x 128256 x 4096 and norms 65 x 4096 at 2 B: 2,101,878,784. */
	e = estimate(&l3, "fp8");
	assert_int_equal(e.quantized_bytes, 6979321856ull + 224 * 4);
	assert_int_equal(e.other_bytes, 2101878784ull);
	assert_int_equal(e.bytes, 9081201536ull);
	/* NVFP4: 9/16 B, and two fp32 scales (weight_scale_2, input_scale)
	 * for each of the 224 tensors. */
	e = estimate(&m, "nvfp4");
	assert_int_equal(e.quantized_bytes, 6476005376ull / 16 * 9 + 224 * 8);
	/* GGUF q4_K on every 2-D tensor (6,738,149,376 values, 144 B per 256),
	 * the norms' 266,240 values f32. */
	e = estimate(&m, "q4_k");
	assert_int_equal(e.quantized_params, 6738149376ull);
	assert_int_equal(e.quantized_bytes, 6738149376ull / 256 * 144);
	assert_int_equal(e.other_bytes, 266240ull * 4);
	e = estimate(&m, "q8_0");
	assert_int_equal(e.bytes, 6738149376ull / 32 * 34 + 266240ull * 4);
	/* Plain: every parameter at its type. */
	e = estimate(&m, "int4-awq");
	{
		kvp_weights_format plain;
		kvp_error err;

		kvp_weights_format_init(&plain);
		assert_int_equal(kvp_weights_estimate_compute(&m, &plain, KVP_DTYPE_BF16, &e,
		                                              &err), KVP_OK);
		assert_int_equal(e.bytes, 6738415616ull * 2);
	}
}

/* MXFP4 leaves attention 16-bit: gpt-oss-20b (openai/gpt-oss-20b
 * config.json: 24 layers, hidden 2880, 64 heads of 64, 8 kv heads, 32
 * experts of 2880, vocab 201088, untied; every linear with a bias,
 * attention sinks).  Its params by hand: attention 26,550,144 a layer
 * (weights 26,542,080 and biases), router 92,192, experts 796,538,880 with
 * biases 552,960, norms 5,760: 823,186,976 x 24; embeddings and head
 * 1,158,266,880; final norm 2,880: 20,914,757,184. */
static kvp_model gpt_oss_20b(void)
{
	kvp_model m;

	memset(&m, 0, sizeof m);
	strcpy(m.name, "gpt-oss-20b");
	m.layers = 24;
	m.hidden = 2880;
	m.heads = 64;
	m.kv_heads = 8;
	m.head_dim = 64;
	m.vocab = 201088;
	m.params = 20914757184ull;
	return m;
}

static void test_mxfp4(void **state)
{
	kvp_model m = gpt_oss_20b();
	kvp_weights_estimate e;

	(void)state;
	e = estimate(&m, "mxfp4");
	/* Embeddings, head, norms (2 x 24 + 1) x 2880: 1,158,408,000. */
	assert_int_equal(e.linear_params, 20914757184ull - 1158408000ull);
	/* Attention: 24 x 2880 x (4096 + 512 + 512 + 4096) = 637,009,920. */
	assert_int_equal(e.linear_params - e.quantized_params, 637009920ull);
	assert_int_equal(e.quantized_bytes, (e.quantized_params * 17 + 31) / 32);
	assert_int_equal(e.other_bytes, (1158408000ull + 637009920ull) * 2);
}

/* The routers stay as they were: gpt-oss-20b's 24 layers each route over
 * 32 experts, 24 x 2,880 x 32 = 2,211,840 parameters, which its MXFP4
 * release keeps in bf16 (mlp.router.weight) and a GGUF in f32 (llama.cpp
 * does not quantize ffn_gate_inp.weight). */
static void test_routers(void **state)
{
	kvp_model dense = gpt_oss_20b(), moe = gpt_oss_20b();
	kvp_weights_estimate a, b;

	(void)state;
	moe.moe_routed_experts = 32;
	moe.moe_intermediate = 2880;
	moe.moe_top_k = 4;
	a = estimate(&dense, "mxfp4");
	b = estimate(&moe, "mxfp4");
	assert_int_equal(a.quantized_params - b.quantized_params, 2211840);
	assert_int_equal(b.other_bytes - a.other_bytes, 2211840 * 2);
	a = estimate(&dense, "q8_0");
	b = estimate(&moe, "q8_0");
	assert_int_equal(a.quantized_params - b.quantized_params, 2211840);
	assert_int_equal(b.other_bytes - a.other_bytes, 2211840 * 4);
	/* fp8: the routers' byte more a parameter, and an fp32 scale for each
	 * expert's three tensors (24 x 32 x 3) where the dense MLP has three
	 * a layer */
	a = estimate(&dense, "fp8");
	b = estimate(&moe, "fp8");
	assert_int_equal(b.bytes - a.bytes, 2211840 + 4 * (24 * 32 * 3 - 24 * 3));
}

/* Nemotron 3 Nano (data/models/nemotron-3-nano-30b-a3b.yaml, hidden
 * 2,688; tests/test_hf_nemotron.c counts its blocks):
 *  - its norms, one a block and norm_f, 53 x 2,688, and with them each
 *    of its 23 Mamba-2 layers' conv1d (4,096 + 2 x 8 x 128) x (4 + 1),
 *    A_log, D and dt_bias 3 x 64 and gated norm 4,096, 35,008: 947,648
 *    parameters that stay 16-bit;
 *  - its routers, those of its 23 expert layers alone, 2,688 x 128 and
 *    the e_score_correction_bias 128: 7,916,416, kept as they were;
 *  - so 31,577,940,288 - 2 x 131,072 x 2,688 - 947,648 =
 *    30,872,349,568 linear, of them 30,864,433,152 quantized: as nvfp4
 *    at 9/16 B, and an fp32 weight_scale_2 and input_scale for each of 6
 *    x 3 q, k, v, 6 o, 23 x 2 Mamba-2 projections, 23 x 128 x 2
 *    experts' (relu2: up and down) and 23 x 2 shared experts' tensors,
 *    6,004: 17,361,243,648 + 48,032 = 17,361,291,680 B.
 * Before, every one of its 52 layers held a router and three tensors an
 * expert, its Mamba-2 layers' conv1d, A_log, D and dt_bias were
 * quantized and its norms 2 a layer. */
static void test_nemotron_parts(void **state)
{
	kvp_model m = catalog_model("nemotron-3-nano-30b-a3b");
	kvp_weights_estimate e;

	(void)state;
	e = estimate(&m, "nvfp4");
	assert_int_equal(e.norm_params, 53 * 2688 + 23 * (6144 * 5 + 3 * 64 + 4096));
	assert_int_equal(e.linear_params, 30872349568ull);
	assert_int_equal(e.quantized_params, 30872349568ull - 23 * (2688 + 1) * 128);
	assert_int_equal(e.quantized_params, 30864433152ull);
	assert_int_equal(e.quantized_bytes, 30864433152ull * 9 / 16 + 8 * (18 + 6 + 46 + 5888 + 46));
	assert_int_equal(e.quantized_bytes, 17361291680ull);
	/* the shared experts kept: 23 x 2 x 2,688 x 3,712 at 2 B, and no
	 * scales for their 46 tensors */
	e = estimate(&m, "nvfp4:shared16");
	assert_int_equal(e.quantized_params, 30864433152ull - 23 * 2 * 2688 * 3712ull);
}

/* Nemotron 3 Nano's NVFP4 release (its hf_quant_config.json, verbatim in
 * ai-dynamo/aiconfigurator model_configs @ 095f58a; tests/cli/
 * quant_keep.sh reads it): ModelOpt keeps lm_head, the 6 attention
 * layers' q, k, v and o, every conv1d and the in_proj and out_proj of 6
 * of its 23 Mamba-2 layers (4, 11, 18, 25, 32, 41) 16-bit
 * (layers16 of in_proj and out_proj).  Quantized: 17 Mamba-2 layers'
 * in_proj 2,688 x (2 x 4,096 + 2 x 8 x 128 + 64) = 27,697,152 and
 * out_proj 4,096 x 2,688 = 11,010,048, and 23 expert layers' 128
 * experts of 2 x 2,688 x 1,856 and shared 2 x 2,688 x 3,712:
 * 17 x 38,707,200 + 23 x 1,297,121,280 = 30,491,811,840 parameters at
 * 9/16 B, 17,151,644,160, and 8 B for each of 17 x 2 + 23 x 258 = 5,968
 * tensors; the other 1,086,128,448 at 2 B, and 2 B more for each of the
 * 23 x 128 routers' correction biases, fp32: 19,323,954,688 B.  Its
 * shards' headers hold 19,339,781,632 B (24,147 tensors, 5,968 NVFP4,
 * as 6ixLabs-AI/dgpp tests/unit/nemotron_binding_test.cpp @ 7cc561a reads
 * them; research/nemotron-quant-sizes.md): 15,826,944 B more, its
 * routers in fp32 (23 x 128 x 2,688 x 2 B), a -0.08 % error.  Its six Mamba-2 layers' projections taken as
 * quantized, the estimate was 1.7 % short. */
static void test_nemotron_nvfp4_release(void **state)
{
	kvp_model m = catalog_model("nemotron-3-nano-30b-a3b");
	kvp_weights_format f = format("nvfp4:attn16");
	kvp_weights_estimate e;
	kvp_error err;

	(void)state;
	f.layers16[KVP_WPROJ_INPROJ] = f.layers16[KVP_WPROJ_OUTPROJ] = 6;
	assert_int_equal(kvp_weights_estimate_compute(&m, &f, KVP_DTYPE_BF16, &e, &err), KVP_OK);
	assert_int_equal(e.quantized_params, 17 * 38707200ull + 23 * 1297121280ull);
	assert_int_equal(e.quantized_bytes, 30491811840ull * 9 / 16 + 8 * 5968);
	assert_int_equal(e.bytes, 19323954688ull);
	assert_int_equal(19339781632ull - e.bytes, 23 * 128 * 2688 * 2);
	/* more layers than it has: all 23, as :inproj16:outproj16 */
	f.layers16[KVP_WPROJ_INPROJ] = f.layers16[KVP_WPROJ_OUTPROJ] = 99;
	assert_int_equal(kvp_weights_estimate_compute(&m, &f, KVP_DTYPE_BF16, &e, &err), KVP_OK);
	assert_int_equal(e.bytes, estimate(&m, "nvfp4:attn16:inproj16:outproj16").bytes);
	assert_int_equal(e.quantized_params, 23 * 1297121280ull);
}

static void test_tied(void **state)
{
	kvp_model m = llama2_7b(), tied = llama2_7b();
	kvp_weights_estimate a, b;

	(void)state;
	tied.tie_embeddings = true;
	tied.params -= 32000ull * 4096; /* the head is the embeddings */
	a = estimate(&m, "int4-awq:g128");
	b = estimate(&tied, "int4-awq:g128");
	assert_int_equal(b.head_params, 0);
	assert_int_equal(b.linear_params, a.linear_params);
	assert_int_equal(a.bytes - b.bytes, 32000ull * 4096 * 2);
	/* A small tied model whose embeddings are most of it (Gemma 3 270M:
	 * 262,144 x 640 = 167,772,160 of 268,098,176 params) is estimated,
	 * not refused for lacking a second matrix it does not have. */
	{
		kvp_model small;

		memset(&small, 0, sizeof small);
		strcpy(small.name, "gemma3-270m");
		small.layers = 18;
		small.hidden = 640;
		small.heads = 4;
		small.kv_heads = 1;
		small.head_dim = 256;
		small.vocab = 262144;
		small.params = 268098176;
		small.tie_embeddings = true;
		a = estimate(&small, "int4-awq:g128");
		assert_int_equal(a.head_params, 0);
		assert_int_equal(a.linear_params, 268098176ull - 167772160 - 37 * 640);
	}
	/* GGUF stores the one matrix. */
	a = estimate(&m, "q8_0");
	b = estimate(&tied, "q8_0");
	assert_int_equal(a.bytes - b.bytes, 32000ull * 4096 / 32 * 34);
}

static void test_errors(void **state)
{
	kvp_model m = llama2_7b();
	kvp_weights_format f = format("int4-awq:g128");
	kvp_weights_estimate e;
	kvp_error err;

	(void)state;
	m.vocab = 0;
	assert_int_equal(kvp_weights_estimate_compute(&m, &f, KVP_DTYPE_FP16, &e, &err),
	                 KVP_ERR_INVALID);
	assert_non_null(strstr(err.message, "vocabulary"));
	m = llama2_7b();
	m.params = 262410240ull - 1; /* fewer than embeddings, head and norms */
	assert_int_equal(kvp_weights_estimate_compute(&m, &f, KVP_DTYPE_FP16, &e, &err),
	                 KVP_ERR_INVALID);
	m = llama2_7b();
	m.params = UINT64_MAX;
	f = format("fp8");
	assert_int_equal(kvp_weights_estimate_compute(&m, &f, KVP_DTYPE_FP16, &e, &err),
	                 KVP_ERR_OVERFLOW);
	assert_non_null(strstr(err.message, "llama2-7b"));
	f = format("q8_0"); /* x 34/32 past 2^64 */
	assert_int_equal(kvp_weights_estimate_compute(&m, &f, KVP_DTYPE_FP16, &e, &err),
	                 KVP_ERR_OVERFLOW);
	f.block_values = 0;
	assert_int_equal(kvp_weights_estimate_compute(&m, &f, KVP_DTYPE_FP16, &e, &err),
	                 KVP_ERR_INVALID);
	kvp_weights_format_init(&f);
	assert_int_equal(kvp_weights_estimate_compute(&m, &f, KVP_DTYPE_FP32, &e, &err),
	                 KVP_ERR_OVERFLOW);
	assert_int_equal(kvp_weights_estimate_compute(&m, &f, KVP_DTYPE_INT8_PTH, &e, &err),
	                 KVP_ERR_INVALID);
}

/* A plan carries the weights; a fit splits them over the GPUs; bytes
 * counted from a file win over the format. */
static void test_plan_and_fit(void **state)
{
	kvp_model m = llama2_7b();
	kvp_device d;
	kvp_request r;
	kvp_plan p;
	kvp_fit fit;
	kvp_error err;

	(void)state;
	memset(&d, 0, sizeof d);
	strcpy(d.name, "g");
	d.hbm_bytes = 80ull << 30;
	d.l2_bytes = 50ull << 20;
	kvp_request_init(&r);
	r.seq = 1024;
	r.weights_format = format("int4-awq:g128");
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.weights_bytes, 3889307648ull);
	assert_int_equal(kvp_plan_fit(&p, &d, &fit, &err), KVP_OK);
	assert_int_equal(fit.weights_bytes, 3889307648ull);
	/* Three stages of 11, 11 and 10 layers (get_pp_indices).  The
	 * embedding and the head, 32,000 x 4,096 x 2 = 262,144,000 B each,
	 * go to the first and the last; the layers' 3,889,307,648 -
	 * 524,288,000 = 3,365,019,648 B by layers, 105,156,864 B each.  The
	 * first stage, with the most weights and as much cache as any, binds. */
	r.pp = 3;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.embedding_bytes, 262144000);
	assert_int_equal(p.head_bytes, 262144000);
	assert_int_equal(kvp_plan_fit(&p, &d, &fit, &err), KVP_OK);
	assert_int_equal(fit.stage_weights[0], 11 * 105156864ull + 262144000);
	assert_int_equal(fit.stage_weights[1], 11 * 105156864ull);
	assert_int_equal(fit.stage_weights[2], 10 * 105156864ull + 262144000);
	assert_int_equal(fit.stage, 0);
	assert_int_equal(fit.weights_per_gpu, fit.stage_weights[0]);
	assert_int_equal(fit.stage_budget[1] - fit.stage_budget[0], 262144000);
	assert_int_equal(fit.budget_bytes, fit.stage_budget[0]);
	/* At tp 2 each share halves (an even share here; test_stages
	 * rounds an odd one up). */
	r.tp = 2;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &d, &fit, &err), KVP_OK);
	assert_int_equal(fit.stage_weights[1], 11 * 105156864ull / 2);
	r.tp = 1;
	r.weight_bytes = 12345;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.weights_bytes, 12345);
	/* A format the model cannot be estimated in fails the plan. */
	r.weight_bytes = 0;
	m.hidden = 0;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_ERR_INVALID);
	assert_non_null(strstr(err.message, "hidden size"));
}

/* Published checkpoints.  A safetensors file's size holds its JSON header
 * (tens of kilobytes) besides the tensors; a GGUF file's, its metadata and
 * tokenizer (up to a few megabytes); index.json's total_size the tensors
 * alone.  The sizes are the Git LFS sizes on each file's Hugging Face page. */
static void test_published(void **state)
{
	kvp_model l2 = llama2_7b(), l13 = llama2_13b(), oss = gpt_oss_20b();
	/* Qwen/Qwen2-7B config.json: 28 layers, hidden 3584, 28 heads, 4 kv,
	 * intermediate 18944, vocab 152064, untied, q/k/v biases. */
	kvp_model qwen2 = dense("qwen2-7b", 28, 3584, 28, 4, 128, 18944, 152064, false, true);

	(void)state;
	assert_int_equal(qwen2.params, 7615616512ull);
	assert_int_equal(l13.params, 13015864320ull);
	/* TheBloke/Llama-2-7B-AWQ model.safetensors: 3,889,391,512 B (its
	 * header is the 84 KB difference). */
	near(estimate(&l2, "int4-awq:g128").bytes, 3889391512ull, 3e-5, "Llama-2-7B-AWQ");
	/* TheBloke/Llama-2-13B-chat-AWQ model.safetensors: 7,247,987,312 B. */
	near(estimate(&l13, "int4-awq:g128").bytes, 7247987312ull, 3e-5,
	     "Llama-2-13B-chat-AWQ");
	/* TheBloke/Nous-Hermes-Llama-2-7B-GPTQ gptq_model-4bit-128g.safetensors:
	 * 3,896,726,296 B; old AutoGPTQ files also hold an fp16 bias for every
	 * linear (2.7 MB here) that the estimate leaves out. */
	near(estimate(&l2, "int4-gptq:g128").bytes, 3896726296ull, 1e-3,
	     "Nous-Hermes-Llama-2-7B-GPTQ");
	/* TheBloke/Llama-2-13B-GPTQ gptq_model-4bit-128g.safetensors:
	 * 7,259,449,424 B. */
	near(estimate(&l13, "int4-gptq:g128").bytes, 7259449424ull, 1e-3, "Llama-2-13B-GPTQ");
	/* openai/gpt-oss-20b model.safetensors.index.json total_size
	 * 13,761,264,768: the experts' biases (13 MB, bf16) are counted as
	 * MXFP4 by the estimate. */
	near(estimate(&oss, "mxfp4").bytes, 13761264768ull, 1.5e-3, "gpt-oss-20b");
	/* FP8 (ModelOpt: fp8 linear weights, an fp32 weight_scale and
	 * input_scale each; embeddings and lm_head bf16, vLLM modelopt.py
	 * ModelOptFp8LinearMethod).  No exact size of an FP8 checkpoint could
	 * be read; Hugging Face's file lists give three figures, so each is
	 * within half a unit of its last: FriendliAI/Meta-Llama-3.1-8B-
	 * Instruct-fp8 model.safetensors "9.08 GB" (9.075e9 to 9.085e9);
	 * nvidia/Llama-3.1-8B-Instruct-FP8 model-00001-of-00002.safetensors
	 * "5 GB" and model-00002-of-00002.safetensors "4.08 GB" (9.07e9 to
	 * 9.09e9).  Llama 3.1 8B has Llama 3 8B's shape (config.json). */
	{
		kvp_model l31 = llama3_8b();

		near(estimate(&l31, "fp8").bytes, 9080000000ull, 5.6e-4,
		     "Meta-Llama-3.1-8B-Instruct-fp8 (9.08 GB)");
		near(estimate(&l31, "fp8").bytes, 9080000000ull, 1.1e-3,
		     "Llama-3.1-8B-Instruct-FP8 (5 GB + 4.08 GB)");
		/* NVFP4 (compressed-tensors: weight_packed u8 [out, in/2],
		 * weight_scale fp8 [out, in/16], weight_global_scale and
		 * input_global_scale fp32; vLLM compressed_tensors_w4a4_nvfp4.py),
		 * ModelOpt's bytes.  No exact size of an NVFP4 checkpoint could
		 * be read; weiweiz1/llama3.1-8b-nvfp (tagged compressed-tensors,
		 * Llama 3.1 8B quantized to NVFP4 by its name) has a file list,
		 * model-00001-of-00002.safetensors "4.98 GB" and
		 * model-00002-of-00002.safetensors "1.05 GB", rounded each to
		 * half a unit (6.02e9 to 6.04e9).  The estimate is 6,027,749,120
		 * B, -3.7e-4 of 6.03e9, within the rounding's 1.7e-3. */
		near(estimate(&l31, "nvfp4").bytes, 6030000000ull, 2.1e-3,
		     "llama3.1-8b-nvfp (4.98 GB + 1.05 GB)");
	}
	/* TheBloke/Llama-2-7B-GGUF llama-2-7b.Q8_0.gguf: 7,161,089,728 B. */
	near(estimate(&l2, "q8_0").bytes, 7161089728ull, 2e-4, "Llama-2-7B Q8_0");
	/* Qwen/Qwen2-7B-Instruct-GGUF qwen2-7b-instruct-q8_0.gguf:
	 * 8,098,522,912 B (a 152k-token vocabulary in its metadata). */
	near(estimate(&qwen2, "q8_0").bytes, 8098522912ull, 1e-3, "Qwen2-7B-Instruct q8_0");
	/* Q4_K_M mixes q4_K, q6_K and q5_0 tensor by tensor (llama.cpp
	 * llama_tensor_get_type): its file lies between the model in q4_K and
	 * in q6_K.  TheBloke/Llama-2-7B-GGUF llama-2-7b.Q4_K_M.gguf:
	 * 4,081,004,224 B; bartowski/Meta-Llama-3.1-8B-Instruct-GGUF
	 * Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf: 4,920,739,232 B;
	 * bartowski/Qwen2.5-Coder-7B-Instruct-GGUF (Qwen2-7B's shape):
	 * 4,683,074,336 B. */
	{
		const struct {
			kvp_model m;
			uint64_t size;
		} mixes[] = {
			{llama2_7b(), 4081004224ull},
			{llama3_8b(), 4920739232ull},
			{qwen2, 4683074336ull},
		};

		for (size_t i = 0; i < sizeof mixes / sizeof mixes[0]; i++) {
			assert_true(estimate(&mixes[i].m, "q4_k").bytes < mixes[i].size);
			assert_true(estimate(&mixes[i].m, "q6_k").bytes > mixes[i].size);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_formats_by_hand),
		cmocka_unit_test(test_mxfp4),
		cmocka_unit_test(test_routers),
		cmocka_unit_test(test_nemotron_parts),
		cmocka_unit_test(test_nemotron_nvfp4_release),
		cmocka_unit_test(test_tied),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_plan_and_fit),
		cmocka_unit_test(test_published),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
