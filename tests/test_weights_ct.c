/*
 * test_weights_ct.c — compressed-tensors' integer formats (llm-
 * compressor's W4A16 and W8A8): their names, their bytes worked by hand
 * from the compressors' tensors, and the estimates held to checkpoints'
 * sizes (each cited where it is used).
 *
 * The tensors a quantized Linear of out x in weights stores
 * (compressed_tensors/compressors):
 *  - pack-quantized (PackedQuantizationCompressor): weight_packed int32
 *    [out, in/8], weight_scale 16-bit [out, in/G], weight_shape int64
 *    [2]; weight_zero_point int32 [out/8, in/G] when asymmetric;
 *    weight_g_idx int32 [in] under actorder "group";
 *  - int-quantized (NaiveQuantizationCompressor): weight int8 [out, in],
 *    weight_scale 16-bit [out, 1], an int8 zero point [out, 1] when
 *    asymmetric.
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

/* meta-llama/Llama-3.3-70B-Instruct config.json (Llama 3.1 70B's shape):
 * 80 layers, hidden 8192, 64 heads, 8 kv heads of 128, intermediate
 * 28672, vocab 128256, untied. */
static kvp_model llama3_70b(void)
{
	return dense("llama3.3-70b", 80, 8192, 64, 8, 128, 28672, 128256, false, false);
}

static void test_parse(void **state)
{
	kvp_weights_format f;
	kvp_error err;

	(void)state;
	f = format("w4a16");
	assert_int_equal(f.kind, KVP_WFORMAT_W4A16);
	assert_int_equal(f.group, 128); /* llm-compressor's W4A16 preset */
	assert_false(f.asymmetric);
	assert_false(f.g_idx);
	assert_string_equal(f.name, "w4a16:g128");
	/* the parts in any order, the name in one */
	f = format("W4A16:actorder:G64:asym");
	assert_int_equal(f.group, 64);
	assert_true(f.asymmetric);
	assert_true(f.g_idx);
	assert_string_equal(f.name, "w4a16:g64:asym:actorder");
	assert_int_equal(strlen(format("w4a16:g65536:asym:actorder").name), 26);
	f = format("w8a8");
	assert_int_equal(f.kind, KVP_WFORMAT_W8A8);
	assert_int_equal(f.group, 0);
	assert_string_equal(f.name, "w8a8");
	assert_string_equal(format("INT8-W8A8:asym").name, "w8a8:asym");
	assert_string_equal(format("w8a8-int8").name, "w8a8");

	f.kind = KVP_WFORMAT_MXFP4;
	assert_int_equal(kvp_weights_format_parse("w4a16:g0", &f, &err), KVP_ERR_RANGE);
	assert_int_equal(kvp_weights_format_parse("w4a16:g65537", &f, &err), KVP_ERR_RANGE);
	assert_int_equal(kvp_weights_format_parse("w4a16:g64:g128", &f, &err), KVP_ERR_PARSE);
	assert_int_equal(kvp_weights_format_parse("w4a16:asym:asym", &f, &err), KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "'asym' is given twice"));
	assert_int_equal(kvp_weights_format_parse("w4a16:sym", &f, &err), KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "':gG', ':channel', ':asym' or ':actorder'"));
	assert_int_equal(kvp_weights_format_parse("w4a16:", &f, &err), KVP_ERR_PARSE);
	assert_int_equal(kvp_weights_format_parse("w8a8:g128", &f, &err), KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "not ':asym' (w8a8)"));
	assert_int_equal(kvp_weights_format_parse("w8a8:actorder", &f, &err), KVP_ERR_PARSE);
	assert_int_equal(kvp_weights_format_parse("w4a16:g12\x01\xff", &f, &err),
	                 KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "'g12\\x01\\xff'"));
	assert_int_equal(kvp_weights_format_parse("w4a16x", &f, &err), KVP_ERR_NOT_FOUND);
	assert_int_equal(kvp_weights_format_parse("w4a8", &f, &err), KVP_ERR_NOT_FOUND);
	assert_int_equal(f.kind, KVP_WFORMAT_MXFP4); /* out untouched */
}

/* Each variant by hand on Llama 3 8B: linear 32 x (2 x 4096^2 + 2 x 4096
 * x 1024 + 3 x 4096 x 14336) = 6,979,321,856 weights in 224 tensors; per
 * layer the input rows q, k, v, gate, up 5 x 4096, o 4096, down 14336 =
 * 38,912, the output rows q 4096, k and v 1024 each, o 4096, gate and up
 * 14336 each, down 4096 = 43,008; embeddings and head 2 x 128256 x 4096
 * and norms 65 x 4096 at 2 B: 2,101,878,784. */
static void test_by_hand(void **state)
{
	kvp_model m = llama3_8b();
	const uint64_t linear = 6979321856ull, other = 2101878784ull;
	kvp_weights_estimate e;

	(void)state;
	e = estimate(&m, "w4a16");
	assert_int_equal(e.linear_params, linear);
	assert_int_equal(e.quantized_params, linear);
	/* 1/2 + 2/128 = 33/64 B, and 16 B of weight_shape a tensor */
	assert_int_equal(e.quantized_bytes, linear / 64 * 33 + 16 * 224);
	assert_int_equal(e.other_bytes, other);
	/* asymmetric: 1/(2 x 128) B more, a packed zero per group */
	e = estimate(&m, "w4a16:asym");
	assert_int_equal(e.quantized_bytes, linear / 256 * 133 + 16 * 224);
	/* actorder group: 4 B a row in */
	e = estimate(&m, "w4a16:actorder");
	assert_int_equal(e.quantized_bytes, linear / 64 * 33 + 16 * 224 + 4 * 32 * 38912ull);
	/* g32: 1/2 + 2/32 = 9/16 B */
	e = estimate(&m, "w4a16:g32");
	assert_int_equal(e.quantized_bytes, linear / 16 * 9 + 16 * 224);
	/* W8A8: 1 B and a 2-byte scale a row out, 3 B with an int8 zero */
	e = estimate(&m, "w8a8");
	assert_int_equal(e.quantized_bytes, linear + 2 * 32 * 43008ull);
	assert_int_equal(e.bytes, linear + 2 * 32 * 43008ull + other);
	e = estimate(&m, "w8a8:asym");
	assert_int_equal(e.quantized_bytes, linear + 3 * 32 * 43008ull);
}

/* A mixture of experts counts each expert's tensors and rows: Qwen3-30B-
 * A3B's 48 x 128 = 6,144 experts of 3 tensors, gate and up 768 rows out
 * and 2048 in each, down 2048 out and 768 in; the routers (48 x 128 x
 * 2048 = 12,582,912) stay 16-bit. */
static void test_experts(void **state)
{
	kvp_model m = qwen3_30b_a3b();
	/* linear: 48 x (18,874,368 + 603,979,776) and the q/k norms' 12,288
	 * (the estimate's norms are the layers' two and the final one) */
	const uint64_t linear = 48 * (18874368ull + 603979776ull) + 48 * 256;
	const uint64_t tensors = 48 * 4 + 6144 * 3;
	const uint64_t out = 48 * (4096 + 512 + 512 + 2048) + 6144 * (2 * 768 + 2048);
	const uint64_t in = 48 * (3 * 2048 + 4096) + 6144 * (2 * 2048 + 768);
	kvp_weights_estimate e;

	(void)state;
	e = estimate(&m, "w4a16:actorder");
	assert_int_equal(e.linear_params, linear + 12582912ull);
	assert_int_equal(e.quantized_params, linear);
	/* 33/64 B rounded up, as the estimate rounds */
	assert_int_equal(e.quantized_bytes,
	                 (linear * 33 + 63) / 64 + 16 * tensors + 4 * in);
	e = estimate(&m, "w8a8");
	assert_int_equal(e.quantized_bytes, linear + 2 * out);
	/* routers, embeddings, head, norms at 2 B */
	assert_int_equal(e.other_bytes,
	                 2 * (12582912ull + 2 * 151936ull * 2048 + 97 * 2048ull));
}

/* Checkpoints.  No model.safetensors.index.json of these could be read
 * here (Hugging Face is out of reach); what could be:
 *  - two exact totals a third party took from the files' own headers, or
 *    from each tensor's shape and type;
 *  - Hugging Face's file lists, each size rounded to three figures (so
 *    within half a unit of its last), whose sum bounds the tensors'
 *    bytes (the safetensors headers add some 100 B a tensor). */
static void test_published(void **state)
{
	kvp_model l70 = llama3_70b(), l8 = llama3_8b();
	/* microsoft/phi-4 config.json: 40 layers, hidden 5120, 40 heads, 10 kv
	 * heads of 128, intermediate 17920, vocab 100352, untied (its q, k, v
	 * and gate, up fused: fewer weight_shape tensors, 1,920 B). */
	kvp_model phi4 = dense("phi-4", 40, 5120, 40, 10, 128, 17920, 100352, false, false);
	/* Qwen/Qwen2.5-32B-Instruct config.json: 64 layers, hidden 5120, 40
	 * heads, 8 kv, intermediate 27648, vocab 152064, untied, q/k/v biases
	 * (the estimate takes them as linear: 0.1 MB). */
	kvp_model q32 = dense("qwen2.5-32b", 64, 5120, 40, 8, 128, 27648, 152064, false, true);

	(void)state;
	/* the shapes, against the bf16 releases' index.json total_size:
	 * microsoft/phi-4 29,319,014,400, Qwen2.5-32B 65,527,752,704 */
	assert_int_equal(phi4.params * 2, 29319014400ull);
	assert_int_equal(q32.params * 2, 65527752704ull);
	/* RedHatAI/Llama-3.3-70B-Instruct-quantized.w4a16 (symmetric G 128,
	 * actorder group): 39,525,311,232 B, the sum of its shards' tensors
	 * from their headers' data_offsets (a third party's table of
	 * checkpoint sizes, found through the code index); the estimate to
	 * the byte. */
	assert_int_equal(estimate(&l70, "w4a16:g128:actorder").bytes, 39525311232ull);
	/* RedHatAI/Meta-Llama-3.1-70B-Instruct-quantized.w8a8: 72,669,806,592
	 * B, a third party's plan of its 1,283 tensors (int8 weights, bf16
	 * [out, 1] scales, no input_scale), checked against the checkpoint's
	 * headers; Hugging Face lists "72.7 GB".  To the byte. */
	assert_int_equal(estimate(&l70, "w8a8").bytes, 72669806592ull);
	/* neuralmagic/Meta-Llama-3.1-8B-Instruct-quantized.w8a8: shards of
	 * "5 GB" and "4.08 GB" (9.07e9 to 9.09e9). */
	near(estimate(&l8, "w8a8").bytes, 9080000000ull, 1.1e-3,
	     "Meta-Llama-3.1-8B-Instruct-quantized.w8a8 (5 GB + 4.08 GB)");
	/* RedHatAI/phi-4-quantized.w4a16: "4.93 GB" and "4.16 GB" (9.08e9 to
	 * 9.10e9); symmetric, the asymmetric estimate (+53 MB) falls out. */
	near(estimate(&phi4, "w4a16").bytes, 9090000000ull, 1.1e-3,
	     "phi-4-quantized.w4a16 (4.93 GB + 4.16 GB)");
	assert_true(estimate(&phi4, "w4a16:asym").bytes > 9100000000ull);
	/* RedHatAI/phi-4-quantized.w8a8: "4.84 GB", "4.96 GB", "4.86 GB",
	 * "1.03 GB" (15.67e9 to 15.71e9). */
	near(estimate(&phi4, "w8a8").bytes, 15690000000ull, 1.3e-3,
	     "phi-4-quantized.w8a8 (15.69 GB)");
	/* xiaoxixiaoxi/Qwen2.5-32B-Instruct-quantized_w4a16_wy (its config:
	 * symmetric G 128, actorder group, compressed-tensors 0.6.0): "4.93
	 * GB", "4.96 GB", "5 GB", "4.33 GB" (19.2e9 to 19.24e9 with the 5's
	 * coarser rounding). */
	near(estimate(&q32, "w4a16:g128:actorder").bytes, 19220000000ull, 1.1e-3,
	     "Qwen2.5-32B-Instruct-quantized_w4a16_wy (19.22 GB)");
}

/* vLLM's layout of each format, by hand from its code (lib/vllm_ct_int.c
 * cites it): q, k, v fused into one column-parallel layer and gate, up
 * into another, o and down row-parallel. */
static void test_vllm_layout(void **state)
{
	kvp_model l70 = llama3_70b(), l8 = llama3_8b(), moe = qwen3_30b_a3b();
	kvp_plan *p = test_calloc(1, sizeof *p);
	kvp_request r;
	/* per stage of two of 40 layers (tp 2), below */
	const int64_t stage = 8 * (80 * 8192 + 40 * 36864 / 2) - 4 * (200 * 8192 + 40 * 36864) / 2 +
	                      2 * 8192 * 40 * (64 + 224) / 2;
	uint64_t gpu, base;

	(void)state;
	l70.intermediate = 28672;
	l8.intermediate = 14336;
	/* W8A8: fp32 scales, an output row each, where the checkpoint has
	 * 2 B.  Llama 3 8B, a layer's outputs q 4096, k and v 1024 each,
	 * gate and up 14336 each (column-parallel: 34,816), o and down 4096
	 * each (row-parallel, whole on every rank).  tp 1: 2 B x 32 x
	 * 43,008 = 2,752,512 more. */
	assert_int_equal(layout(&l8, "w8a8", 1, "sm_86", &gpu), 2752512);
	/* tp 2: 4 x (32 x 34,816 / 2 + 32 x 8,192) = 3,276,800 held; the
	 * share 2 x 32 x 43,008 / 2 = 1,376,256. */
	assert_int_equal(layout(&l8, "w8a8", 2, "sm_90", &gpu), 3276800 - 1376256);
	/* W4A16 with actorder, Llama 3.3 70B over 4 GPUs: each fused layer
	 * keeps two int32 [in] (a g_idx and its sort or permutation): qkv
	 * and gate_up 8192 each, o 8192 / 4, down 28672 / 4; 8 B x 80 x
	 * (16,384 + 9,216) = 16,384,000, where the checkpoint's share is 4 B
	 * x 80 x (5 x 8192 + 8192 + 28672) / 4 = 6,225,920.  And o's and
	 * down's scales of all their inputs on each rank: 2 B x 8192 out x
	 * (8192 + 28672) / 128 groups x 80 layers x 3/4 more = 283,115,520.
	 * The same on Hopper: symmetric, no zero points to unpack. */
	assert_int_equal(layout(&l70, "w4a16:actorder", 4, "sm_80", &gpu),
	                 16384000 - 6225920 + 283115520);
	assert_int_equal(layout(&l70, "w4a16:actorder", 4, "sm_90", &gpu),
	                 16384000 - 6225920 + 283115520);
	/* At tp 1 nothing is split: the g_idx alone, 8 B x 80 x (2 x 8192 +
	 * 8192 + 28672) - 4 B x 80 x 77,824 = 9,175,040. */
	assert_int_equal(layout(&l70, "w4a16:actorder", 1, "sm_90", &gpu), 9175040);
	/* Asymmetric on Hopper: Machete's zero points in 16 bits, 2 B a
	 * group and output where the checkpoint packs 8 in 4 B, 1.5 B more:
	 * Llama 3 8B's 6,979,321,856 weights in groups of 128 at tp 1 are
	 * 54,525,952 groups and outputs: 81,788,928 B.  Marlin (8.x) keeps
	 * them packed. */
	assert_int_equal(layout(&l8, "w4a16:asym", 1, "sm_90", &gpu), 81788928);
	assert_int_equal(layout(&l8, "w4a16:asym", 1, "sm_89", &gpu), 0);
	/* tp 2: the weights split, as do their groups; with actorder o and
	 * down run Marlin's kernel (Machete takes no g_idx over split
	 * inputs): only q, k, v, gate, up's 32 x 4096 / 128 x 34,816 / 2
	 * groups and outputs, and their scales and zero points (5/2 B) of all
	 * o's and down's inputs (32 x 4096 x 18,432 / 128 x 1/2 a rank more),
	 * and the g_idx: 8 x 32 x (8,192 + 9,216) less 4 x 32 x 38,912 / 2. */
	assert_int_equal(layout(&l8, "w4a16:asym", 2, "sm_90", &gpu), 81788928 / 2);
	assert_int_equal(layout(&l8, "w4a16:asym:actorder", 2, "sm_90", &gpu),
	                 3 * (32ull * 32 * 34816 / 2) / 2 +
	                 5ull * 32 * 4096 * 18432 / 128 / 4 +
	                 8ull * 32 * (8192 + 9216) - 4ull * 32 * 38912 / 2);
	/* Machete takes groups of 64 and 128 alone: groups of 32 (Marlin's)
	 * and 256 (neither's) keep their zero points packed. */
	assert_int_equal(layout(&l8, "w4a16:g32:asym", 1, "sm_90", &gpu), 0);
	assert_int_equal(layout(&l8, "w4a16:g256:asym", 1, "sm_90", &gpu), 0);
	/* Over two stages of 40 layers each (tp 2): per stage the g_idx, 8
	 * x (80 x 8192 + 40 x (8192 + 28672) / 2) less 4 x (200 x 8192 + 40
	 * x 36,864) / 2, and half of o's and down's scales, 2 x 8192 x 40 x
	 * (64 + 224) groups x 1/2. */
	r = request(KVP_ENGINE_VLLM, "w4a16:actorder", 2);
	r.pp = 2;
	plan(&l70, &r, p);
	assert_int_equal(stage, 99287040);
	assert_int_equal(p->stage_ct_int_bytes[0], stage);
	assert_int_equal(p->stage_ct_int_bytes[1], stage);
	assert_int_equal(p->stage_ct_int_sm90_bytes[1], stage);
	/* kv heads fewer than tp: each rank holds one of Llama 3 8B's 8 over
	 * 16 GPUs, its k and v outputs 256 a layer: W8A8's fp32 scales of
	 * 32 x (4096 / 16 + 256 + 2 x 14336 / 16) column outputs and 64 x
	 * 4096 row outputs, less the checkpoint's 2 x 32 x 43,008 / 16. */
	assert_int_equal(layout(&l8, "w8a8", 16, "sm_90", &gpu),
	                 4 * (32 * (256 + 256 + 1792) + 64 * 4096) - 2 * 32 * 43008 / 16);
	/* Symmetric without actorder: vLLM keeps the checkpoint's bytes. */
	assert_int_equal(layout(&l8, "w4a16", 1, "sm_90", &gpu), 0);
	assert_int_equal(layout(&l8, "w4a16", 4, "sm_80", &gpu), 0);
	/* An AMD GPU: not modelled. */
	assert_int_equal(layout(&l8, "w4a16:asym", 1, "gfx942", &gpu), 0);
	/* Qwen3-30B-A3B (128 experts of 768, hidden 2048, 48 layers) in W8A8:
	 * the attention's fp32 scales, 48 x (4096 + 1024 out of q, k, v, and
	 * o's 2048) x 2 B more = 688,128, and the experts', 48 x 128 x (2 x
	 * 768 + 2048) x 2 B more = 44,040,192. */
	moe.intermediate = 0;
	moe.moe_top_k = 8;
	assert_int_equal(layout(&moe, "w8a8", 1, "sm_90", &base), 688128 + 44040192);
	/* Over 4 GPUs: a rank holds each expert's 192 of the inner size, and
	 * w2's 2048 output rows whole: 4 x 128 x (384 + 2048) x 48 =
	 * 59,768,832 held against a quarter of the checkpoint's 2 x 128 x
	 * 3,584 x 48; the attention's, one kv head a rank: 4 x 48 x (1024 +
	 * 256 + 2048) less 2 x 48 x 7,168 / 4. */
	assert_int_equal(layout(&moe, "w8a8", 4, "sm_90", &base),
	                 59768832 - 2 * 128 * 3584 * 48 / 4 + 4 * 48 * 3328 - 2 * 48 * 7168 / 4);
	/* With expert parallelism, 32 whole experts a rank of the 4: 4 x 32
	 * x 3,584 x 48 held, against the same quarter. */
	r = request(KVP_ENGINE_VLLM, "w8a8", 4);
	r.expert_parallel = true;
	plan(&moe, &r, p);
	assert_int_equal(p->stage_ct_int_bytes[0],
	                 4 * 32 * 3584 * 48 - 2 * 128 * 3584 * 48 / 4 + 4 * 48 * 3328 -
	                 2 * 48 * 7168 / 4);
	/* W4A16 under actorder over 2 GPUs: each expert's g_idx and sort
	 * indices, 8 x 128 x (2048 + 384) x 48, for a half of the
	 * checkpoint's 4 x 128 x (2 x 2048 + 768) x 48; w2's scales of all
	 * 6 groups of its inputs, not 3, 2 B x 128 x 2048 x 3 x 48; and the
	 * attention's: g_idx 8 x 48 x (2048 + 4096 / 2) less 4 x 48 x (3 x
	 * 2048 + 4096) / 2, o's scales of all 32 groups, 2 B x 2048 x 16 x 48
	 * more. */
	assert_int_equal(layout(&moe, "w4a16:actorder", 2, "sm_90", &base),
	                 8ll * 128 * 2432 * 48 - 4ll * 128 * 4864 * 48 / 2 +
	                 2ll * 128 * 2048 * 3 * 48 + 8ll * 48 * 4096 -
	                 4ll * 48 * 10240 / 2 + 2ll * 2048 * 16 * 48);
	/* SGLang: W4A16 as Marlin keeps it on every GPU (its
	 * CompressedTensorsWNA16 repeats the scales alike), its W8A8 scales
	 * not read (none); llama.cpp: none. */
	r = request(KVP_ENGINE_SGLANG, "w4a16:asym:actorder", 4);
	plan(&l70, &r, p);
	assert_int_equal(p->stage_ct_int_bytes[0], 16384000 - 6225920 + 283115520 / 4 * 5);
	assert_int_equal(p->stage_ct_int_sm90_bytes[0], p->stage_ct_int_bytes[0]);
	r = request(KVP_ENGINE_SGLANG, "w8a8", 4);
	plan(&l8, &r, p);
	assert_int_equal(p->stage_ct_int_bytes[0], 0);
	assert_int_equal(p->stage_ct_int_sm90_bytes[0], 0);
	r = request(KVP_ENGINE_LLAMA_CPP, "w4a16:actorder", 4);
	plan(&l70, &r, p);
	assert_int_equal(p->stage_ct_int_bytes[0], 0);
	test_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_by_hand),
		cmocka_unit_test(test_experts),
		cmocka_unit_test(test_published),
		cmocka_unit_test(test_vllm_layout),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
