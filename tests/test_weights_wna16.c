/*
 * test_weights_wna16.c — compressed-tensors' weight-only integers beyond
 * W4A16 in groups: W8A16 (8 bits, llm-compressor's W8A16 preset a
 * channel) and either in a channel or in groups, their names, their
 * bytes worked by hand from the compressor's tensors, the estimates held
 * to checkpoints' sizes, and vLLM's and SGLang's layout of them on each
 * GPU worked by hand from their code (lib/vllm_ct_int.c cites it).
 *
 * pack-quantized (PackedQuantizationCompressor) packs b-bit ints into
 * int32 along the inputs: a Linear of out x in weights stores
 * weight_packed int32 [out, in x b/32], weight_scale 16-bit [out, in/G]
 * ([out, 1] a channel), weight_shape int64 [2]; weight_zero_point int32
 * [out x b/32, in/G] when asymmetric; weight_g_idx int32 [in] under
 * actorder "group".
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"
#include "weights_fixture.h"

static void test_parse(void **state)
{
	kvp_weights_format f;
	kvp_error err;

	(void)state;
	/* W8A16 a channel unless a group is named (llm-compressor's
	 * preset: strategy channel) */
	f = format("w8a16");
	assert_int_equal(f.kind, KVP_WFORMAT_W8A16);
	assert_int_equal(f.group, 0);
	assert_false(f.asymmetric);
	assert_false(f.g_idx);
	assert_string_equal(f.name, "w8a16");
	assert_string_equal(format("W8A16:Channel").name, "w8a16");
	f = format("w8a16:actorder:asym:G64");
	assert_int_equal(f.group, 64);
	assert_true(f.asymmetric);
	assert_true(f.g_idx);
	assert_string_equal(f.name, "w8a16:g64:asym:actorder");
	/* W4A16 in groups of 128 unless a channel is named */
	f = format("w4a16:channel:asym");
	assert_int_equal(f.kind, KVP_WFORMAT_W4A16);
	assert_int_equal(f.group, 0);
	assert_true(f.asymmetric);
	assert_string_equal(f.name, "w4a16:channel:asym");
	assert_string_equal(format(f.name).name, f.name);

	f.kind = KVP_WFORMAT_MXFP4;
	/* actorder orders groups: a channel has none */
	assert_int_equal(kvp_weights_format_parse("w8a16:actorder", &f, &err), KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "':actorder' needs groups"));
	assert_int_equal(kvp_weights_format_parse("w4a16:channel:actorder", &f, &err),
	                 KVP_ERR_PARSE);
	/* one group or channel */
	assert_int_equal(kvp_weights_format_parse("w8a16:g64:channel", &f, &err), KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "'channel' is a second group"));
	assert_int_equal(kvp_weights_format_parse("w8a16:channel:channel", &f, &err),
	                 KVP_ERR_PARSE);
	assert_int_equal(kvp_weights_format_parse("w8a16:g0", &f, &err), KVP_ERR_RANGE);
	assert_int_equal(kvp_weights_format_parse("w8a16:sym", &f, &err), KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "':gG', ':channel', ':asym' or ':actorder' (w8a16)"));
	assert_int_equal(kvp_weights_format_parse("w8a8:channel", &f, &err), KVP_ERR_PARSE);
	assert_int_equal(kvp_weights_format_parse("w8a16x", &f, &err), KVP_ERR_NOT_FOUND);
	assert_int_equal(f.kind, KVP_WFORMAT_MXFP4); /* out untouched */

	/* the estimate refuses what the parse cannot give */
	{
		kvp_model m = llama3_8b();
		kvp_weights_estimate e;

		f = format("w8a16:g128:actorder");
		f.group = 0;
		assert_int_equal(kvp_weights_estimate_compute(&m, &f, KVP_DTYPE_BF16, &e, &err),
		                 KVP_ERR_INVALID);
		f = format("w8a16");
		f.kind = (kvp_wformat)(KVP_WFORMAT_W8A16 + 1);
		assert_int_equal(kvp_weights_estimate_compute(&m, &f, KVP_DTYPE_BF16, &e, &err),
		                 KVP_ERR_INVALID);
	}
}

/* Each variant by hand on Llama 3 8B: 6,979,321,856 linear weights in
 * 224 tensors; a layer's input rows 38,912 and output rows 43,008
 * (tests/test_weights_ct.c counts them); embeddings, head and norms
 * 2,101,878,784 B. */
static void test_by_hand(void **state)
{
	kvp_model m = llama3_8b();
	const uint64_t linear = 6979321856ull, other = 2101878784ull;
	const uint64_t out = 32 * 43008ull, in = 32 * 38912ull, shapes = 16 * 224;
	kvp_weights_estimate e;

	(void)state;
	/* a channel: 1 B a weight, a 2-byte scale an output row */
	e = estimate(&m, "w8a16");
	assert_int_equal(e.quantized_params, linear);
	assert_int_equal(e.quantized_bytes, linear + 2 * out + shapes);
	assert_int_equal(e.other_bytes, other);
	/* neuralmagic/Meta-Llama-3.1-8B-Instruct-quantized.w8a16's 739
	 * tensors so: 9,083,956,736 (its files, below) */
	assert_int_equal(e.bytes, 9083956736ull);
	/* asymmetric: 4 zero points packed in an int32, 1 B a row */
	e = estimate(&m, "w8a16:asym");
	assert_int_equal(e.quantized_bytes, linear + 3 * out + shapes);
	/* groups of 128: 1 + 2/128 B; 1/128 more of zero points; a 4-byte
	 * g_idx an input row */
	e = estimate(&m, "w8a16:g128");
	assert_int_equal(e.quantized_bytes, linear / 64 * 65 + shapes);
	e = estimate(&m, "w8a16:g128:asym:actorder");
	assert_int_equal(e.quantized_bytes, linear / 128 * 131 + shapes + 4 * in);
	/* 4 bits a channel: 1/2 B, 2 B a row, 1/2 more with zero points */
	e = estimate(&m, "w4a16:channel");
	assert_int_equal(e.quantized_bytes, linear / 2 + 2 * out + shapes);
	e = estimate(&m, "w4a16:channel:asym");
	assert_int_equal(e.quantized_bytes, linear / 2 + 2 * out + out / 2 + shapes);
	/* W8A16 differs from W8A8 by each tensor's weight_shape alone */
	assert_int_equal(estimate(&m, "w8a16").bytes - estimate(&m, "w8a8").bytes, shapes);
}

/* Checkpoints, as Hugging Face lists their files (sizes to three
 * figures): none of their index.json total_size could be read here.
 * Each is compressed-tensors' pack-quantized, not AutoGPTQ (RedHatAI's
 * Mistral-7B, Qwen2-7B and Llama-3-8B "w8a16" are GPTQ checkpoints): by
 * its config where it was read, else by its tag and its index.json's
 * length, which counts 3 tensors a Linear (research:
 * /work/research/ct-w8a16-checkpoints.md). */
static void test_published(void **state)
{
	kvp_model l8 = llama3_8b();
	/* Qwen/Qwen2-7B config.json: 28 layers, hidden 3584, 28 heads, 4
	 * kv, intermediate 18944, vocab 152064, untied, q/k/v biases (the
	 * estimate takes them as linear: 0.1 MB). */
	kvp_model q7 = dense("qwen2-7b", 28, 3584, 28, 4, 128, 18944, 152064, false, true);
	/* microsoft/Phi-3-mini-128k-instruct config.json: 32 layers, hidden
	 * 3072, 32 heads of 96, intermediate 8192, vocab 32064, untied (its
	 * q, k, v and gate, up fused: fewer weight_shape tensors, 1,536 B) */
	kvp_model phi3 = dense("phi-3-mini", 32, 3072, 32, 32, 96, 8192, 32064, false, false);

	(void)state;
	/* the shapes, against the bf16 releases' index.json total_size:
	 * Qwen2-7B 15,231,233,024, Phi-3-mini 7,642,159,104 */
	assert_int_equal(q7.params * 2, 15231233024ull);
	assert_int_equal(phi3.params * 2, 7642159104ull);
	/* neuralmagic/Meta-Llama-3.1-8B-Instruct-quantized.w8a16: "5 GB"
	 * and "4.08 GB" (9.07e9 to 9.09e9), index.json "64.5 kB"; grouped
	 * (+106 MB) falls out. */
	near(estimate(&l8, "w8a16").bytes, 9080000000ull, 1.1e-3,
	     "Meta-Llama-3.1-8B-Instruct-quantized.w8a16 (5 GB + 4.08 GB)");
	assert_true(estimate(&l8, "w8a16:g128").bytes > 9090000000ull);
	/* stan-hua/Qwen2-7B-LC-SmoothQuant-RTN-W8A16 (its config: 8 bits a
	 * channel, symmetric, pack-quantized, lm_head ignored): "4.99 GB"
	 * and "3.72 GB" (8.70e9 to 8.72e9). */
	near(estimate(&q7, "w8a16").bytes, 8710000000ull, 1.2e-3,
	     "Qwen2-7B-LC-SmoothQuant-RTN-W8A16 (4.99 GB + 3.72 GB)");
	/* neuralmagic/Phi-3-mini-128k-instruct-quantized.w8a16: one file of
	 * "4.02 GB" (4.015e9 to 4.025e9). */
	near(estimate(&phi3, "w8a16").bytes, 4020000000ull, 1.3e-3,
	     "Phi-3-mini-128k-instruct-quantized.w8a16 (4.02 GB)");
}

/* vLLM's layout, by hand.  Llama 3 8B's layers: q, k, v fused (4096 +
 * 1024 + 1024 outputs) and gate, up (2 x 14336), column-parallel, 34,816
 * outputs a layer; o and down row-parallel, 4096 outputs each. */
static void test_vllm_layout(void **state)
{
	kvp_model l8 = llama3_8b(), moe = qwen3_30b_a3b();
	kvp_plan *p = test_calloc(1, sizeof *p);
	const uint64_t col = 32 * 34816ull, row = 64 * 4096ull;
	kvp_request r;
	uint64_t gpu;

	(void)state;
	/* A channel's scales [out, 1]: a column layer's split, a row
	 * layer's whole on every rank (marlin_repeat_scales_on_all_ranks:
	 * channelwise and row-parallel).  tp 1: the checkpoint's bytes. */
	assert_int_equal(layout(&l8, "w8a16", 1, "sm_80", &gpu), 0);
	assert_int_equal(layout(&l8, "w8a16", 1, "sm_90", &gpu), 0);
	/* tp 2: 2 B x (col / 2 + row) held against 2 B x (col + row) / 2:
	 * o's and down's 2 x 4096 rows x 32 layers x 2 B, half of it. */
	assert_int_equal(layout(&l8, "w8a16", 2, "sm_80", &gpu),
	                 2 * (col / 2 + row) - 2 * (col + row) / 2);
	assert_int_equal(layout(&l8, "w8a16", 2, "sm_80", &gpu), 262144);
	/* the same for 4 bits */
	assert_int_equal(layout(&l8, "w4a16:channel", 2, "sm_89", &gpu), 262144);
	/* Asymmetric on Hopper: Machete's zero points in 16 bits [1, out]
	 * where the checkpoint packs 8-bit ones, 1 B a row: 4 B a row held
	 * against 3 in the checkpoint. */
	assert_int_equal(layout(&l8, "w8a16:asym", 2, "sm_90", &gpu),
	                 4 * (col / 2 + row) - 3 * (col + row) / 2);
	/* elsewhere (no kernel takes them: a warning) the packed bytes */
	assert_int_equal(layout(&l8, "w8a16:asym", 2, "sm_89", &gpu),
	                 3 * (col / 2 + row) - 3 * (col + row) / 2);
	/* 4 bits at tp 1: 2 B of zero point a row where the checkpoint has
	 * 1/2: 1.5 B x (col + row) = 2,064,384 */
	assert_int_equal(layout(&l8, "w4a16:channel:asym", 1, "sm_90", &gpu),
	                 3 * (col + row) / 2);
	/* Groups with actorder over 2 GPUs on Hopper, 8 bits: q, k, v, gate,
	 * up on Machete with 16-bit zero points, 1 B more a group and
	 * output (32 x 4096 / 128 x 34,816 / 2); o and down on Marlin (a
	 * g_idx and split inputs), their scales and zero points, 3 B, of
	 * all their inputs on each rank (32 x 4096 x 18,432 / 128 x 1/2 more
	 * a rank); each fused layer's g_idx and its sort, 8 x 32 x (8,192 +
	 * 9,216), against the checkpoint's 4 x 32 x 38,912 / 2. */
	assert_int_equal(layout(&l8, "w8a16:g128:asym:actorder", 2, "sm_90", &gpu),
	                 32ll * 32 * 34816 / 2 + 3ll * 32 * 4096 * 18432 / 128 / 2 +
	                 8ll * 32 * (8192 + 9216) - 4ll * 32 * 38912 / 2);
	/* Qwen3-30B-A3B as w8a16 over 4 GPUs: each expert's scales (1, 2 x
	 * 768) split, w2's (1, 2048) whole on every rank: 2 B x 128 x (384 +
	 * 2048) x 48 held against a quarter of 2 B x 128 x 3,584 x 48; the
	 * attention's, one kv head a rank, 2 B x 48 x (1024 + 256 + 2048)
	 * against a quarter of 2 B x 48 x 7,168. */
	assert_int_equal(layout(&moe, "w8a16", 4, "sm_90", &gpu),
	                 2 * 128 * 2432 * 48 - 2 * 128 * 3584 * 48 / 4 + 2 * 48 * 3328 -
	                 2 * 48 * 7168 / 4);
	/* With expert parallelism, 32 whole experts a rank: their bytes,
	 * the attention's alone past the share. */
	r = request(KVP_ENGINE_VLLM, "w8a16", 4);
	r.expert_parallel = true;
	plan(&moe, &r, p);
	assert_int_equal(p->stage_ct_int_bytes[0], 2 * 48 * 3328 - 2 * 48 * 7168 / 4);
	/* vLLM runs 8-bit experts a channel with Marlin's through the WNA16
	 * oracle, as it does W4A16's (taken from 0.23); before, fused_
	 * marlin_moe called whole, whatever is asked */
	assert_int_equal(p->moe_backend, KVP_MOE_MARLIN);
	r.vllm_version = 22;
	r.moe_backend = KVP_MOE_TRITON;
	plan(&moe, &r, p);
	assert_int_equal(p->moe_backend, KVP_MOE_NONE);
	/* SGLang's CompressedTensorsWNA16 repeats a channel's row-parallel
	 * scales alike (Marlin alone: no 16-bit zero points) */
	r = request(KVP_ENGINE_SGLANG, "w8a16:asym", 2);
	plan(&l8, &r, p);
	assert_int_equal(p->stage_ct_int_bytes[0], 3 * (col / 2 + row) - 3 * (col + row) / 2);
	assert_int_equal(p->stage_ct_int_sm90_bytes[0], p->stage_ct_int_bytes[0]);
	test_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_by_hand),
		cmocka_unit_test(test_published),
		cmocka_unit_test(test_vllm_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
