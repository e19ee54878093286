/*
 * test_mxfp4_layout.c — gpt-oss's MXFP4 experts as vLLM's kernel keeps
 * them on one GPU (lib/vllm_mxfp4.c), each tensor worked by hand from
 * Mxfp4MoEMethod.create_weights' shapes with the kernel's padding, and
 * the weights against vLLM's own "Model loading took" lines.
 *
 * The models are the catalogue's, from their config.json: gpt-oss-20b,
 * 24 layers of 32 experts, gpt-oss-120b 36 of 128, both hidden 2,880 and
 * an expert's inner size 2,880.
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

#define GIB 1073741824.0
#define MIB 1048576ULL

static void load(const char *kind, const char *name, void *out)
{
	const char *src = getenv("KVPLAN_SRCDIR");
	char path[4096];
	kvp_error err;

	snprintf(path, sizeof path, "%s/data/%s/%s.yaml", src ? src : ".", kind, name);
	if (strcmp(kind, "models") == 0)
		assert_int_equal(kvp_model_load_file(path, out, &err), KVP_OK);
	else
		assert_int_equal(kvp_device_load_file(path, out, &err), KVP_OK);
}

static kvp_request oss_request(uint32_t version)
{
	kvp_request r;
	kvp_error err;

	kvp_request_init(&r);
	r.engine = KVP_ENGINE_VLLM;
	r.vllm_version = version;
	r.seq = 8192;
	assert_int_equal(kvp_weights_format_parse("mxfp4", &r.weights_format, &err), KVP_OK);
	return r;
}

static uint64_t weights_on(const kvp_plan *p, const kvp_device *d)
{
	kvp_fit f;
	kvp_error err;

	assert_int_equal(kvp_plan_fit(p, d, &f, &err), KVP_OK);
	return f.weights_per_gpu;
}

/* Marlin (Ampere), gpt-oss-20b at tp 1: H 2,880 to 3,072 (256), I 2,880
 * to 2,944 (128).  w13 32 x 5,888 x 1,536 = 289,406,976 (276 MiB, held
 * as it is); its scales 32 x 5,888 x 96 = 18,087,936, 17.25 MiB, in an
 * 18 MiB segment whose 0.75 MiB tail stays in the block: 18,874,368; its
 * bf16 bias 32 x 5,888 x 2 = 376,832; w2 32 x 3,072 x 1,472 =
 * 144,703,488 (138 MiB); its scales 32 x 3,072 x 92 = 9,043,968 (under
 * 10 MiB: from a 20 MiB segment, split); its bias 32 x 3,072 x 2 =
 * 196,608.  A layer 462,602,240; 24 of them 11,102,453,760.  They replace
 * the estimate's experts, 24 x 32 x 3 x 2,880^2 = 19,110,297,600
 * parameters, and their biases, 24 x 32 x 8,640 = 6,635,520, at 17/32
 * B: 10,155,870,720.  vLLM 0.19.0 on an A100 80GB, gpt-oss-20b: "Model
 * loading took 13.72 GiB" (myoceane.fr/index.php/ai-vllm-a100-gemma-4,
 * 2026-04-18; a vast.ai A100-SXM4-40GB user script logs the same
 * 13.72). */
static void test_marlin_20b(void **state)
{
	kvp_model m;
	kvp_device a100, mi300x;
	kvp_request r = oss_request(19);
	kvp_mxfp4_layout l;
	kvp_plan p;
	kvp_error err;
	uint64_t w, base;

	(void)state;
	load("models", "gpt-oss-20b", &m);
	load("gpus", "a100-80g", &a100);
	load("gpus", "mi300x", &mi300x);
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.mxfp4_intermediate, 2880);
	assert_int_equal(kvp_plan_mxfp4_layout(&p, &a100, 0, &l, &err), KVP_OK);
	assert_int_equal(l.kernel, KVP_MOE_MARLIN);
	assert_int_equal(l.hidden, 3072);
	assert_int_equal(l.intermediate, 2944);
	assert_int_equal(l.experts, 32);
	assert_int_equal(l.layers, 24);
	assert_int_equal(l.layer_bytes, 289406976ULL + 18874368 + 376832 + 144703488 + 9043968 +
	                                196608);
	assert_int_equal(l.layer_bytes, 462602240ULL);
	assert_int_equal(l.bytes, 11102453760ULL);
	assert_int_equal(l.checkpoint_bytes, 10152345600ULL + 3525120);
	/* AMD's layouts are not modelled: the checkpoint's bytes, whose
	 * weights are the A100's less the difference */
	assert_int_equal(kvp_plan_mxfp4_layout(&p, &mi300x, 0, &l, &err), KVP_OK);
	assert_int_equal(l.kernel, KVP_MOE_NONE);
	assert_int_equal(l.bytes, l.checkpoint_bytes);
	assert_int_equal(l.layer_bytes, 0);
	base = weights_on(&p, &mi300x);
	w = weights_on(&p, &a100);
	assert_int_equal(w, base - 10155870720ULL + 11102453760ULL);
	assert_true(w / GIB > 13.715 && w / GIB < 13.725);
	/* Marlin on every release: 0.12 and now alike */
	r = oss_request(12);
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(weights_on(&p, &a100), w);
}

/* gpt-oss-120b on one H100 before OpenAI's triton_kernels was bundled
 * (0.12): Marlin.  w13 128 x 5,888 x 1,536 = 1,157,627,904 (1,104 MiB);
 * its scales 72,351,744, 69 MiB, in a 70 MiB segment whose 1 MiB tail
 * is not split off (only a tail past 1 MiB is): 73,400,320; bias
 * 1,507,328; w2 578,813,952 (552 MiB); its scales 36,175,872, 34.5 MiB,
 * in a 36 MiB segment, split: as they are; bias 786,432.  A layer
 * 1,848,311,808.  "Model loading took 65.9651 GiB" for gpt-oss-120b on an
 * H100 with the Marlin fallback in 0.10.1 (vllm-project/vllm issue
 * #23278) and 0.11.2 (blog.huikang.dev/2025/12/28/vllm-logs.html):
 * within 0.002 GiB. */
static void test_marlin_120b_hopper(void **state)
{
	kvp_model m;
	kvp_device h100;
	kvp_request r = oss_request(11);
	kvp_mxfp4_layout l;
	kvp_plan p;
	kvp_error err;
	double w;

	(void)state;
	load("models", "gpt-oss-120b", &m);
	load("gpus", "h100-sxm", &h100);
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_mxfp4_layout(&p, &h100, 0, &l, &err), KVP_OK);
	assert_int_equal(l.kernel, KVP_MOE_MARLIN);
	assert_int_equal(l.experts, 128);
	assert_int_equal(l.layer_bytes, 1157627904ULL + 73400320 + 1507328 + 578813952 +
	                                36175872 + 786432);
	assert_int_equal(l.bytes, 36ULL * 1848311808);
	w = (double)weights_on(&p, &h100) / GIB;
	assert_true(w > 65.9651 - 0.002 && w < 65.9651 + 0.002);
	/* and with no device, an H100's rules */
	assert_int_equal(kvp_plan_mxfp4_layout(&p, NULL, 0, &l, &err), KVP_OK);
	assert_int_equal(l.kernel, KVP_MOE_MARLIN);
	/* 0.14.1, OpenAI's Triton kernel (triton_kernels 3.5, the original
	 * scales kept): "Model loading took 64.38 GiB" for gpt-oss-120b on
	 * one H100 (vllm-project/vllm issue #33155, "Using Triton backend",
	 * as read through the issue index). */
	r = oss_request(14);
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_mxfp4_layout(&p, &h100, 0, &l, &err), KVP_OK);
	assert_int_equal(l.kernel, KVP_MOE_TRITON);
	w = (double)weights_on(&p, &h100) / GIB;
	assert_true(w > 64.375 && w < 64.385);
}

/* OpenAI's Triton kernel on Hopper from 0.12: I to 64, H as it is, fp32
 * biases, values and scales swizzled.
 * 0.19 (triton_kernels 3.6.0 pads both dimensions of the values to 64;
 * the original scales kept), gpt-oss-20b: w13 as (32, 1,440, 5,760):
 * 1,440 to 1,472 = 271,319,040 (258.75 MiB; its 1.25 MiB tail split
 * off); w2 as (32, 1,472, 2,880) = 135,659,520, 129.375 MiB, held in 130:
 * 136,314,880; scales (5,760 rows to 5,888) x 90 = 16,957,440 and (2,880
 * to 3,072) x 90 = 8,847,360; biases 737,280 and 368,640; the original
 * scales 16,588,800 (15.82 MiB, in 16: 16,777,216) and 8,294,400.  A
 * layer 459,616,256.
 * Now (3.5.1 since 0.22, no value padding; the originals freed from
 * 0.24; scale groups to 4 from 0.25), gpt-oss-120b at tp 4, I 720 to
 * 768: w13 128 x 1,440 x 1,536 = 283,115,520 (270 MiB); w2 128 x 384 x
 * 2,880 = 141,557,760, 135 MiB, in 136 with its 1 MiB tail:
 * 142,606,336; scales 128 x 1,536 x 92 = 18,087,936, in 18 MiB:
 * 18,874,368, and 128 x 3,072 x 24 = 9,437,184; biases 786,432 and
 * 1,474,560.  A layer 456,294,400, in place of a quarter of the
 * checkpoint's. */
static void test_triton_hopper(void **state)
{
	kvp_model m;
	kvp_device h100;
	kvp_request r = oss_request(19);
	kvp_mxfp4_layout l;
	kvp_plan p;
	kvp_error err;

	(void)state;
	load("models", "gpt-oss-20b", &m);
	load("gpus", "h100-sxm", &h100);
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_mxfp4_layout(&p, &h100, 0, &l, &err), KVP_OK);
	assert_int_equal(l.kernel, KVP_MOE_TRITON);
	assert_int_equal(l.hidden, 2880);
	assert_int_equal(l.intermediate, 2880);
	assert_int_equal(l.layer_bytes, 271319040ULL + 136314880 + 16957440 + 8847360 + 737280 +
	                                368640 + 16777216 + 8294400);
	/* vLLM v0.19.0's own logs on an H100 ("Using 'TRITON' Mxfp4 MoE
	 * backend"; jgchn/llm-d-planner at 56dc5b76, accuracy/results/
	 * v0.19.0/logs/openai-gpt-oss-20b--h100-80gb--tp1pp1dp1--8192.FAILED
	 * .log and --tp2pp1dp1--8192.log): "Model loading took 13.64 GiB"
	 * at tp 1 and 7.01 at tp 2; kvplan 13.653 and 7.001, within
	 * 0.15 % (12.84 and 6.44 with the checkpoint's bytes). */
	assert_true(weights_on(&p, &h100) / GIB > 13.64 * 0.9985 &&
	            weights_on(&p, &h100) / GIB < 13.64 * 1.0015);
	r.tp = 2;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_true(weights_on(&p, &h100) / GIB > 7.01 * 0.9985 &&
	            weights_on(&p, &h100) / GIB < 7.01 * 1.0015);
	/* 0.22: no value padding, the originals kept */
	r = oss_request(22);
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_mxfp4_layout(&p, &h100, 0, &l, &err), KVP_OK);
	/* w13 265,420,800 (253.125 MiB, 0.875 MiB tail kept: 266,338,304),
	 * w2 132,710,400 (126.5625 MiB, tail 1.4375 split) */
	assert_int_equal(l.layer_bytes, 266338304ULL + 132710400 + 16957440 + 8847360 + 737280 +
	                                368640 + 16777216 + 8294400);
	load("models", "gpt-oss-120b", &m);
	/* vLLM 0.25.1 on one H100, gpt-oss-120b ("Using 'TRITON' Mxfp4 MoE
	 * backend", "Model loading took 61.29 GiB": a user's deployment
	 * notes of 2026-08-04, a public GitHub file found through the code
	 * index, id 68713151700): kvplan 61.07, 0.36 % under, a gap not
	 * explained (the notes give no breakdown); held within 0.5 %. */
	r = oss_request(25);
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_true(weights_on(&p, &h100) / GIB > 61.29 * 0.995 &&
	            weights_on(&p, &h100) / GIB < 61.29 * 1.005);
	r = oss_request(0);
	r.tp = 4;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_mxfp4_layout(&p, &h100, 0, &l, &err), KVP_OK);
	assert_int_equal(l.intermediate, 768);
	assert_int_equal(l.layer_bytes, 283115520ULL + 142606336 + 18874368 + 9437184 + 786432 +
	                                1474560);
	assert_int_equal(l.layer_bytes, 456294400ULL);
	/* a quarter of the experts and their biases, rounded up */
	assert_int_equal(l.checkpoint_bytes,
	                 (36ULL * 128 * (3ULL * 2880 * 2880 + 8640) * 17 / 32 + 3) / 4);
}

/* FlashInfer's TRT-LLM kernel (a B200): H and I to 256, fp32 biases and
 * three fp32 vectors of E (each 128 B, held as 512).  gpt-oss-20b: w13
 * 32 x 6,144 x 1,536 = 301,989,888; scales 32 x 6,144 x 96 = 18,874,368;
 * bias 32 x 6,144 x 4 = 786,432; w2 32 x 3,072 x 1,536 = 150,994,944;
 * scales 9,437,184; bias 393,216; 3 x 512.  FlashInfer's CUTLASS one,
 * asked for on an H100: H and I to 128, bf16 biases: w13 32 x 5,888 x
 * 1,472 = 277,348,352 (264.5 MiB, split); scales 32 x 5,888 x 92 =
 * 17,334,272 (16.53 MiB, 18 MiB segment, split); bias 376,832; w2 32 x
 * 2,944 x 1,472 = 138,674,176 (132.25 MiB, tail 1.75 split); scales
 * 8,667,136; bias 188,416. */
static void test_flashinfer(void **state)
{
	kvp_model m;
	kvp_device b200, h100, a100;
	kvp_request r = oss_request(0);
	kvp_mxfp4_layout l;
	kvp_plan p;
	kvp_error err;

	(void)state;
	load("models", "gpt-oss-20b", &m);
	load("gpus", "b200", &b200);
	load("gpus", "h100-sxm", &h100);
	load("gpus", "a100-80g", &a100);
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_mxfp4_layout(&p, &b200, 0, &l, &err), KVP_OK);
	assert_int_equal(l.kernel, KVP_MOE_FLASHINFER_TRTLLM);
	assert_int_equal(l.hidden, 3072);
	assert_int_equal(l.intermediate, 3072);
	assert_int_equal(l.layer_bytes, 301989888ULL + 18874368 + 786432 + 150994944 + 9437184 +
	                                393216 + 3 * 512);
	r.moe_backend = KVP_MOE_FLASHINFER_CUTLASS;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_mxfp4_layout(&p, &h100, 0, &l, &err), KVP_OK);
	assert_int_equal(l.kernel, KVP_MOE_FLASHINFER_CUTLASS);
	assert_int_equal(l.hidden, 2944);
	assert_int_equal(l.layer_bytes, 277348352ULL + 17334272 + 376832 + 138674176 + 8667136 +
	                                188416);
	/* Marlin asked for on an H100; OpenAI's Triton on an A100, which it
	 * does not run on (not read): the checkpoint's */
	r.moe_backend = KVP_MOE_MARLIN;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_mxfp4_layout(&p, &h100, 0, &l, &err), KVP_OK);
	assert_int_equal(l.kernel, KVP_MOE_MARLIN);
	assert_int_equal(l.layer_bytes, 462602240ULL);
	r.moe_backend = KVP_MOE_TRITON;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_mxfp4_layout(&p, &a100, 0, &l, &err), KVP_OK);
	assert_int_equal(l.kernel, KVP_MOE_NONE);
	assert_int_equal(l.bytes, l.checkpoint_bytes);
	/* AMD's layouts are not modelled, whatever is asked */
	load("gpus", "mi300x", &b200);
	r.moe_backend = KVP_MOE_MARLIN;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_mxfp4_layout(&p, &b200, 0, &l, &err), KVP_OK);
	assert_int_equal(l.kernel, KVP_MOE_NONE);
}

/* Over GPUs.  Marlin, gpt-oss-120b: I over tp, 1,440 / 720 / 360, padded
 * to 1,536 / 768 / 384.  Under expert parallelism over 4 GPUs, 32 whole
 * experts each, I 2,944; their share of the checkpoint's whole experts,
 * ceil(x x 32 / 128).  Two pipeline stages of 18 layers.  A checkpoint's
 * count of its experts is taken as it is (its biases in it). */
static void test_parallel(void **state)
{
	static const uint32_t tps[] = {2, 4, 8}, padded[] = {1536, 768, 384};
	kvp_model m;
	kvp_device a100;
	kvp_request r;
	kvp_mxfp4_layout l;
	kvp_plan p;
	kvp_error err;
	uint64_t x = 36ULL * 128 * (3ULL * 2880 * 2880 + 8640) * 17 / 32;

	(void)state;
	load("models", "gpt-oss-120b", &m);
	load("gpus", "a100-80g", &a100);
	for (size_t i = 0; i < sizeof tps / sizeof tps[0]; i++) {
		r = oss_request(0);
		r.tp = tps[i];
		assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
		assert_int_equal(kvp_plan_mxfp4_layout(&p, &a100, 0, &l, &err), KVP_OK);
		assert_int_equal(l.intermediate, padded[i]);
		assert_int_equal(l.hidden, 3072);
		assert_int_equal(l.experts, 128);
	}
	r = oss_request(0);
	r.tp = 4;
	r.expert_parallel = true;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_mxfp4_layout(&p, &a100, 0, &l, &err), KVP_OK);
	assert_int_equal(l.experts, 32);
	assert_int_equal(l.intermediate, 2944);
	/* 32 experts of the padded sizes: the 20b's layer under Marlin */
	assert_int_equal(l.layer_bytes, 462602240ULL);
	assert_int_equal(l.checkpoint_bytes, (x * 32 + 127) / 128);
	r.expert_parallel = false;
	r.tp = 1;
	r.pp = 2;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_mxfp4_layout(&p, &a100, 1, &l, &err), KVP_OK);
	assert_int_equal(l.layers, 18);
	assert_int_equal(l.bytes, 18ULL * 1848311808);
	assert_int_equal(kvp_plan_mxfp4_layout(&p, &a100, 2, &l, &err), KVP_ERR_INVALID);
	/* a checkpoint's count */
	r = oss_request(0);
	r.weight_bytes = 65000000000ULL;
	r.weight_expert_bytes = 61000000000ULL;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_mxfp4_layout(&p, &a100, 0, &l, &err), KVP_OK);
	assert_int_equal(l.checkpoint_bytes, 61000000000ULL);
}

/* Where it does not apply: another engine, another format, another
 * model; NULL arguments. */
static void test_elsewhere(void **state)
{
	kvp_model m, qwen;
	kvp_device a100;
	kvp_request r = oss_request(0);
	kvp_mxfp4_layout l;
	kvp_plan p;
	kvp_error err;
	uint64_t before;

	(void)state;
	load("models", "gpt-oss-20b", &m);
	load("gpus", "a100-80g", &a100);
	r.engine = KVP_ENGINE_SGLANG;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.mxfp4_intermediate, 0);
	assert_int_equal(kvp_plan_mxfp4_layout(&p, &a100, 0, &l, &err), KVP_OK);
	assert_int_equal(l.kernel, KVP_MOE_NONE);
	assert_int_equal(l.bytes, 0);
	r = oss_request(0);
	r.weights_format.kind = KVP_WFORMAT_PLAIN;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.mxfp4_intermediate, 0);
	before = weights_on(&p, &a100);
	assert_int_equal(weights_on(&p, &a100), before);
	load("models", "qwen3-30b-a3b", &qwen);
	r = oss_request(0);
	assert_int_equal(kvp_plan_compute(&qwen, &r, &p, &err), KVP_OK);
	assert_int_equal(p.mxfp4_intermediate, 0);
	assert_int_equal(kvp_plan_mxfp4_layout(NULL, &a100, 0, &l, &err), KVP_ERR_INVALID);
	assert_int_equal(kvp_plan_mxfp4_layout(&p, &a100, 0, NULL, &err), KVP_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_marlin_20b),
		cmocka_unit_test(test_marlin_120b_hopper),
		cmocka_unit_test(test_triton_hopper),
		cmocka_unit_test(test_flashinfer),
		cmocka_unit_test(test_parallel),
		cmocka_unit_test(test_elsewhere),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
