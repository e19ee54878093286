/*
 * test_sglang_share.c — the share of a device SGLang takes by default
 * (mem_fraction_static): its reserve term by term per device tier, tp,
 * pp, LoRA and release, the model's part in it (prefill CUDA graphs, MLA,
 * a Llama 2 path, a multimodal model's vision encoder), and each engine's
 * default share in a fit.
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
#include "testmodel.h"

/* SGLang's default mem_fraction_static (server_args.py,
 * ServerArgs._handle_gpu_memory_settings and reserve_for_graph_mb at main
 * 02236fa38, 2026-07-19), worked by hand in MiB: reserved = 512 +
 * max(chunked_prefill_size, 2048) x 1.5 + tp x pp / 8 x 1024 +
 * cuda_graph_max_bs x 2 + 8 x the prefill CUDA graphs (the sizes up to
 * chunked_prefill_size of 4..32 by 4, 48..256 by 16, 288..512 by 32,
 * 576..1024 by 64, 1280..4096 by 256, then by 512: 42 to 2,048, 50 to
 * 4,096, 58 to 8,192, 74 to 16,384), at least 10,240 above 60 GiB; a
 * draft or MTP reserves nothing since PR #23862; the share
 * round((gpu_mem - reserved) / gpu_mem, 3), Python's round.  The
 * expected shares are Python's own round() of those quotients. */
static void test_sglang_mem_fraction(void **state)
{
	static const struct {
		uint64_t gib;
		uint32_t tp, chunked, max_bs;
		int draft; /* 1 a draft model, 2 MTP layers */
		double reserved, share;
		uint32_t version; /* sglang_version; 0 the current */
	} cases[] = {
		/* H100 80 GiB: chunk 8192, decode graphs to 256, 58 prefill
		 * graphs: 512 + 12,288 + 128 + 512 + 464 = 13,904 */
		{80, 1, 0, 0, 0, 13904, 0.83, 0},
		/* tp 8: decode graphs to 512, 8 / 8 GiB: 15,312; 0.813085... */
		{80, 8, 0, 0, 0, 15312, 0.813, 0},
		/* V100 32 GiB (< 35 GiB): since 0.5.20 chunk 4096, 48, 50
		 * graphs: 512 + 6,144 + 128 + 96 + 400 = 7,280; 25,488 /
		 * 32,768 = 0.77783...; at tp 4, 160: 512 + 6,144 + 512 + 320 +
		 * 400 = 7,888, 0.75927... */
		{32, 1, 0, 0, 0, 7280, 0.778, 0},
		{32, 4, 0, 0, 0, 7888, 0.759, 0},
		/* before (0.5.19): chunk 2048, 24, 42 graphs: 512 + 3,072 +
		 * 128 + 48 + 336 = 4,096; 0.875 exactly; tp 4, 80: 512 +
		 * 3,072 + 512 + 160 + 336 = 4,592, 0.85986... */
		{32, 1, 0, 0, 0, 4096, 0.875, 519},
		{32, 4, 0, 0, 0, 4592, 0.86, 519},
		/* A100 40 GiB (< 60 GiB): chunk 4096, 32, 50 graphs: 7,248 */
		{40, 1, 0, 0, 0, 7248, 0.823, 0},
		/* 16 GiB (< 20 GiB): 8, 42 graphs: 4,064 */
		{16, 1, 0, 0, 0, 4064, 0.752, 0},
		/* 180 GiB (B200's tier): chunk 16384, 512, 74 graphs: 26,832 */
		{180, 1, 0, 0, 0, 26832, 0.854, 0},
		/* 140 GiB: the H100's terms, 13,904 of 143,360 */
		{140, 1, 0, 0, 0, 13904, 0.903, 0},
		/* a draft model or MTP: nothing more (PR #23862) */
		{80, 1, 0, 0, 1, 13904, 0.83, 0},
		{80, 1, 0, 0, 2, 13904, 0.83, 0},
		/* given: chunk 4096 leaves 512 + 6,144 + 128 + 512 + 400 =
		 * 7,696, under the 10 GiB floor */
		{80, 1, 4096, 0, 0, 10240, 0.875, 0},
		{80, 1, 16384, 80, 0, 25968, 0.683, 0},
		/* decode graphs to 984: 15,360, so 0.8125 exactly, a tie: to
		 * even, 0.812 */
		{80, 1, 0, 984, 0, 15360, 0.812, 0},
		/* 4 GiB: 4,064 of 4,096 */
		{4, 1, 0, 0, 0, 4064, 0.008, 0},
	};
	kvp_model draft = {.name = "d", .layers = 2, .hidden = 64, .heads = 2,
	                   .kv_heads = 2, .head_dim = 32, .params = 1000};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kvp_device d = testmodel_device(cases[i].gib << 30);
		kvp_request r;
		double gpu_mem, reserved, share;

		kvp_request_init(&r);
		r.engine = KVP_ENGINE_SGLANG;
		r.mem_util = 0;
		r.tp = cases[i].tp;
		r.chunked_prefill_size = cases[i].chunked;
		r.cuda_graph_max_bs = cases[i].max_bs;
		r.draft = cases[i].draft == 1 ? &draft : NULL;
		r.mtp_layers = cases[i].draft == 2;
		r.sglang_version = cases[i].version;
		share = kvp_engine_mem_util(&r, &d, &gpu_mem, &reserved);
		assert_true(gpu_mem == (double)(cases[i].gib * 1024));
		if (reserved != cases[i].reserved || share != cases[i].share)
			fail_msg("case %zu: reserved %g, share %.17g; want %g, %g", i,
			         reserved, share, cases[i].reserved, cases[i].share);
	}
}

/* kvp_plan_mem_util reads the plan's model, as kvp_plan_fit does: on an
 * H100, 58 prefill graphs without MLA (13,904 MiB, 0.83), with LoRA too;
 * 50 for a Llama 2 path, whose graphs stop at 4,096 tokens (13,840, 0.831:
 * 0.83105...); a flat 1,536 MiB for an MLA model's (14,976, 0.817:
 * 0.81718...).  Before 0.5.20 none for an MLA model, and before 0.5.17
 * none with LoRA, whose prefill ran without them (13,440, 0.836:
 * 0.8359375). */
static void test_sglang_mem_fraction_model(void **state)
{
	kvp_model m = testmodel_new(32, 4096, 32, 8, 128256, 8030261248ull);
	kvp_model mla = m;
	kvp_device h100 = testmodel_device(80ull << 30);
	static const struct {
		const char *name;
		bool mla, lora;
		uint32_t version;
		uint32_t graphs;
		double prefill_mib, reserved, share;
	} cases[] = {
		{"llama3-8b", false, false, 0, 58, 464, 13904, 0.83},
		{"llama2-7b", false, false, 0, 50, 400, 13840, 0.831},
		{"Llama-2-13b-hf", false, false, 0, 50, 400, 13840, 0.831},
		{"deepseek", true, false, 0, 0, 1536, 14976, 0.817},
		{"llama3-8b", false, true, 0, 58, 464, 13904, 0.83},
		{"llama3-8b", false, false, 518, 58, 464, 13904, 0.83},
		{"deepseek", true, false, 518, 0, 0, 13440, 0.836},
		{"llama3-8b", false, true, 516, 0, 0, 13440, 0.836},
		{"llama3-8b", false, true, 517, 58, 464, 13904, 0.83},
		{"deepseek", true, false, 520, 0, 1536, 14976, 0.817},
		{"deepseek", true, false, 519, 0, 0, 13440, 0.836},
	};
	kvp_error err;

	(void)state;
	testmodel_deepseek_mla(&mla);
	if (kvp_model_finalize(&mla, &err) != KVP_OK)
		fail_msg("%s", err.message);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kvp_model one = cases[i].mla ? mla : m;
		kvp_request r;
		kvp_plan p;
		kvp_fit f;
		double gpu_mem, reserved, share;
		uint32_t graphs;
		kvp_sglang_reserve t;

		snprintf(one.name, sizeof one.name, "%s", cases[i].name);
		kvp_request_init(&r);
		r.engine = KVP_ENGINE_SGLANG;
		r.mem_util = 0;
		r.seq = 1024;
		r.sglang_version = cases[i].version;
		if (cases[i].lora) {
			r.lora.rank = 16;
			r.lora.slots = 1;
			r.lora.modules = KVP_LORA_Q | KVP_LORA_V;
		}
		if (kvp_plan_compute(&one, &r, &p, &err) != KVP_OK)
			fail_msg("%s: %s", cases[i].name, err.message);
		share = kvp_plan_mem_util(&p, &h100, &gpu_mem, &reserved, &graphs);
		if (graphs != cases[i].graphs || reserved != cases[i].reserved ||
		    share != cases[i].share)
			fail_msg("%s: %u graphs, reserved %g, share %.17g", cases[i].name,
			         graphs, reserved, share);
		assert_int_equal(kvp_plan_fit(&p, &h100, &f, &err), KVP_OK);
		assert_true(f.mem_util == share);
		/* term by term: 512 + 8,192 x 1.5 + 1/8 x 1,024 + 256 x 2 +
		 * the prefill graphs' */
		assert_true(kvp_plan_sglang_reserve(&p, &h100, &t));
		if (t.gpu_mem != 81920 || t.chunked_prefill != 8192 || t.decode_max_bs != 256 ||
		    t.activations != 12288 || t.parallel != 128 || t.decode_graphs != 512 ||
		    t.prefill_graphs != graphs || t.prefill_mib != cases[i].prefill_mib ||
		    t.reserved != reserved || t.floored || t.share != share)
			fail_msg("%s: terms %g %g %g %g %g %g %u %g %g %d %g", cases[i].name,
			         t.gpu_mem, t.chunked_prefill, t.decode_max_bs, t.activations,
			         t.parallel, t.decode_graphs, t.prefill_graphs, t.prefill_mib,
			         t.reserved, t.floored, t.share);
	}
	assert_true(kvp_plan_mem_util(NULL, &h100, NULL, NULL, NULL) == 0);
	/* An AMD GPU (ROCm's default prefill backend, tc_piecewise, is off on
	 * HIP): MI300X, 192 GiB, chunk 16384 and 512 decode graphs: 512 +
	 * 24,576 + 128 + 1,024 = 26,240 MiB, round(170,368 / 196,608, 3) =
	 * 0.867 (0.86653...); 74 graphs (592 MiB more) on an NVIDIA GPU of
	 * the same memory. */
	{
		kvp_device mi300x = testmodel_device(192ull << 30);
		kvp_request r;
		kvp_plan p;
		double gpu_mem, reserved, share;
		uint32_t graphs;

		strcpy(mi300x.arch, "gfx942");
		kvp_request_init(&r);
		r.engine = KVP_ENGINE_SGLANG;
		r.mem_util = 0;
		r.seq = 1024;
		assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
		share = kvp_plan_mem_util(&p, &mi300x, &gpu_mem, &reserved, &graphs);
		assert_int_equal(graphs, 0);
		assert_true(reserved == 26240 && share == 0.867);
		strcpy(mi300x.arch, "sm_100");
		share = kvp_plan_mem_util(&p, &mi300x, &gpu_mem, &reserved, &graphs);
		assert_int_equal(graphs, 74);
		assert_true(reserved == 26832 && share == 0.864);
	}
	/* Pipeline stages: no prefill graphs since 0.5.20 (the breakable
	 * backend and tc_piecewise both off), 512 + 12,288 + 2/8 x 1,024 +
	 * 512 = 13,568, 0.834 (0.83437...); 0.5.18's 58: 14,032, 0.829.  A
	 * chunk of 4096 falls under the floor: 512 + 6,144 + 128 + 512 + 50
	 * x 8 = 7,696, raised to 10,240, 0.875.  Another engine, or a share
	 * given: false, and nothing. */
	{
		static const struct {
			uint32_t pp, chunked, version, graphs;
			double reserved, share;
			bool floored;
		} more[] = {
			{2, 0, 0, 0, 13568, 0.834, false},
			{2, 0, 518, 58, 14032, 0.829, false},
			{1, 4096, 0, 50, 10240, 0.875, true},
		};
		kvp_sglang_reserve t;
		kvp_plan p;

		for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
			kvp_request r;

			kvp_request_init(&r);
			r.engine = KVP_ENGINE_SGLANG;
			r.mem_util = 0;
			r.seq = 1024;
			r.pp = more[i].pp;
			r.chunked_prefill_size = more[i].chunked;
			r.sglang_version = more[i].version;
			assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
			assert_true(kvp_plan_sglang_reserve(&p, &h100, &t));
			if (t.prefill_graphs != more[i].graphs || t.reserved != more[i].reserved ||
			    t.share != more[i].share || t.floored != more[i].floored ||
			    kvp_plan_mem_util(&p, &h100, NULL, NULL, NULL) != more[i].share)
				fail_msg("case %zu: %u graphs, reserved %g, share %g, floored %d", i,
				         t.prefill_graphs, t.reserved, t.share, t.floored);
		}
		/* the last plan, under vLLM, then with a share given */
		p.request.engine = KVP_ENGINE_VLLM;
		assert_false(kvp_plan_sglang_reserve(&p, &h100, &t));
		assert_true(t.reserved == 0 && t.gpu_mem == 0 && t.share == 0 && !t.floored);
		p.request.engine = KVP_ENGINE_SGLANG;
		p.request.mem_util = 0.8;
		assert_false(kvp_plan_sglang_reserve(&p, &h100, NULL));
		assert_false(kvp_plan_sglang_reserve(&p, &h100, &t));
		assert_true(t.reserved == 0 && t.gpu_mem == 0);
		p.request.mem_util = 0;
		assert_true(kvp_plan_sglang_reserve(&p, &h100, NULL));
		assert_false(kvp_plan_sglang_reserve(NULL, &h100, &t));
		assert_false(kvp_plan_sglang_reserve(&p, NULL, &t));
	}
}

/* The share in a fit: the request's where given; where 0, each engine's
 * own for the device (vLLM 0.92, 0.90 before 0.20; SGLang's worked out
 * above; the rest 0.90); nothing usable where SGLang's reserve is the whole device. */
static void test_engine_default_share(void **state)
{
	kvp_model m = testmodel_new(32, 4096, 32, 8, 128256, 8030261248ull);
	static const kvp_engine engines[] = {KVP_ENGINE_EXACT, KVP_ENGINE_VLLM,
	                                     KVP_ENGINE_SGLANG, KVP_ENGINE_TRTLLM};
	static const double shares[] = {0.90, 0.92, 0.83, 0.90};
	kvp_device h100 = testmodel_device(80ull << 30), small = testmodel_device(3ull << 30);
	kvp_request r;
	kvp_plan p;
	kvp_fit f;
	kvp_error err;

	(void)state;
	for (int e = 0; e < 4; e++) {
		kvp_request_init(&r);
		r.seq = 1024;
		r.engine = engines[e];
		r.mem_util = 0;
		assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
		assert_int_equal(kvp_plan_fit(&p, &h100, &f, &err), KVP_OK);
		assert_true(f.mem_util == shares[e]);
		/* SGLang at 0.83: floor(85,899,345,920 x 0.83) */
		if (engines[e] == KVP_ENGINE_SGLANG)
			assert_int_equal(f.usable_bytes, 71296457113ull);
		r.mem_util = 0.5;
		assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
		assert_int_equal(kvp_plan_fit(&p, &h100, &f, &err), KVP_OK);
		assert_true(f.mem_util == 0.5);
	}
	/* vLLM before 0.20 (PR #38284): 0.90 */
	kvp_request_init(&r);
	r.seq = 1024;
	r.engine = KVP_ENGINE_VLLM;
	r.mem_util = 0;
	r.vllm_version = 19;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &h100, &f, &err), KVP_OK);
	assert_true(f.mem_util == 0.90);
	/* 3 GiB: SGLang reserves 4,064 MiB of 3,072 */
	kvp_request_init(&r);
	r.seq = 1024;
	r.engine = KVP_ENGINE_SGLANG;
	r.mem_util = 0;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &small, &f, &err), KVP_OK);
	assert_true(f.mem_util == 0);
	assert_int_equal(f.usable_bytes, 0);
	assert_false(f.fits_hbm);
}

/* A multimodal model's factor (python/sglang/srt/arg_groups/memory_hook.py
 * adjust_mem_fraction_for_vlm at 031ed82d), on the rounded share of an H100
 * (80 GiB, 58 prefill graphs: 0.83, above): the vision encoder's
 * layers x hidden^2 over 24 x 1024^2, f = 0.95 x min(max(1 - 0.1 x (ratio
 * - 1), 0.8), 1.05), not rounded again.  The figures are what Python
 * prints for SGLang's own expressions:
 *  - Qwen3.5's vision_config, hidden_size 1152 and no num_hidden_layers
 *    (SGLang's 24): ratio 1.265625, f 0.9247656249999999, share
 *    0.7675554687499999, and the usable floor(85,899,345,920 x it) =
 *    65,932,512,722 B (71,296,457,113 at 0.83);
 *  - 32 layers of 2048: ratio 5.333..., 1 - 0.433... under 0.8, f 0.76,
 *    0.6308;
 *  - 24 of 512: ratio 0.25, 1.075 over 1.05, f 0.9974999999999999,
 *    0.8279249999999999;
 *  - 24 of 1024, ViT-L/14 itself: f 0.95, 0.7885.
 * Gemma 3's, Llama 4's and Step3-VL's model types (theirs and their text
 * models') are text-only to SGLang unless asked (model_config.py's
 * mm_disabled_models): 0.83, no layers taken.  vLLM's and a share given
 * are not touched. */
static void test_sglang_vlm_factor(void **state)
{
	static const struct {
		uint32_t layers, hidden;
		const char *type;
		double taken, ratio; /* the layers SGLang takes, the ratio */
		double factor, share;
	} cases[] = {
		{0, 1152, "qwen3_5_text", 24, 1.265625, 0.9247656249999999, 0.7675554687499999},
		{32, 2048, "qwen3_5_text", 32, 32.0 * 4 / 24, 0.76, 0.6308},
		{24, 512, "", 24, 0.25, 0.9974999999999999, 0.8279249999999999},
		{24, 1024, "", 24, 1, 0.95, 0.7885},
		{0, 1152, "gemma3_text", 0, 0, 1, 0.83},
		{0, 1152, "gemma3", 0, 0, 1, 0.83},
		{0, 1152, "llama4_text", 0, 0, 1, 0.83},
		{0, 1152, "llama4", 0, 0, 1, 0.83},
		{0, 1152, "step3_vl", 0, 0, 1, 0.83},
		{0, 1152, "step3_text", 0, 0, 1, 0.83},
		{0, 0, "qwen3_5_text", 0, 0, 1, 0.83},
	};
	kvp_device h100 = testmodel_device(80ull << 30);
	kvp_model m = testmodel_new(32, 4096, 32, 8, 128256, 8030261248ull);
	kvp_error err;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kvp_model one = m;
		kvp_request r;
		kvp_plan p;
		kvp_fit f;
		kvp_sglang_reserve t;

		one.vision_layers = cases[i].layers;
		one.vision_hidden = cases[i].hidden;
		snprintf(one.model_type, sizeof one.model_type, "%s", cases[i].type);
		kvp_request_init(&r);
		r.engine = KVP_ENGINE_SGLANG;
		r.mem_util = 0;
		r.seq = 1024;
		assert_int_equal(kvp_plan_compute(&one, &r, &p, &err), KVP_OK);
		assert_true(kvp_plan_sglang_reserve(&p, &h100, &t));
		if (t.vlm_layers != cases[i].taken || t.vlm_ratio != cases[i].ratio)
			fail_msg("case %zu: %g layers, ratio %.17g", i, t.vlm_layers, t.vlm_ratio);
		if (t.share != 0.83 || t.vlm_factor != cases[i].factor ||
		    t.mem_fraction_static != cases[i].share ||
		    kvp_plan_mem_util(&p, &h100, NULL, NULL, NULL) != cases[i].share)
			fail_msg("case %zu: share %.17g, factor %.17g, final %.17g", i, t.share,
			         t.vlm_factor, t.mem_fraction_static);
		assert_int_equal(kvp_plan_fit(&p, &h100, &f, &err), KVP_OK);
		assert_true(f.mem_util == cases[i].share);
		if (i == 0)
			assert_int_equal(f.usable_bytes, 65932512722ull);
		/* kvp_engine_mem_util has no model: the share alone */
		assert_true(kvp_engine_mem_util(&r, &h100, NULL, NULL) == 0.83);
		/* vLLM's own, and a share given */
		r.engine = KVP_ENGINE_VLLM;
		assert_int_equal(kvp_plan_compute(&one, &r, &p, &err), KVP_OK);
		assert_true(kvp_plan_mem_util(&p, &h100, NULL, NULL, NULL) == 0.92);
		r.engine = KVP_ENGINE_SGLANG;
		r.mem_util = 0.8;
		assert_int_equal(kvp_plan_compute(&one, &r, &p, &err), KVP_OK);
		assert_true(kvp_plan_mem_util(&p, &h100, NULL, NULL, NULL) == 0.8);
	}
	/* 3 GiB, where SGLang's reserve leaves nothing: its factor all the
	 * same, and no share. */
	{
		kvp_device small = testmodel_device(3ull << 30);
		kvp_model one = m;
		kvp_request r;
		kvp_plan p;
		kvp_sglang_reserve t;

		one.vision_hidden = 1152;
		kvp_request_init(&r);
		r.engine = KVP_ENGINE_SGLANG;
		r.mem_util = 0;
		r.seq = 1024;
		assert_int_equal(kvp_plan_compute(&one, &r, &p, &err), KVP_OK);
		assert_true(kvp_plan_sglang_reserve(&p, &small, &t));
		assert_true(t.share == 0 && t.mem_fraction_static == 0);
		assert_true(t.vlm_factor == 0.9247656249999999 && t.vlm_layers == 24);
		assert_true(kvp_plan_mem_util(&p, &small, NULL, NULL, NULL) == 0);
	}
}

/* The shipped Qwen3.5 profiles give vision_hidden_size 1152 and no
 * vision_layers, as their config.json's vision_config (depth 27): each
 * takes 0.7675554687499999 of an H100 under SGLang. */
static void test_sglang_vlm_catalog(void **state)
{
	static const char *const names[] = {"qwen3.5-27b", "qwen3.5-35b-a3b",
	                                    "qwen3.5-122b-a10b", "qwen3.5-397b-a17b"};
	const char *dirs[] = {KVP_TEST_DATADIR};
	kvp_catalog *cat = NULL;
	kvp_device h100 = testmodel_device(80ull << 30);
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_catalog_open(&cat, dirs, 1, &err), KVP_OK);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		kvp_model m;
		kvp_request r;
		kvp_plan p;

		assert_int_equal(kvp_catalog_model(cat, names[i], &m, &err), KVP_OK);
		assert_int_equal(m.vision_hidden, 1152);
		assert_int_equal(m.vision_layers, 0);
		kvp_request_init(&r);
		r.engine = KVP_ENGINE_SGLANG;
		r.mem_util = 0;
		r.seq = 1024;
		assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
		if (kvp_plan_mem_util(&p, &h100, NULL, NULL, NULL) != 0.7675554687499999)
			fail_msg("%s: %.17g", names[i], kvp_plan_mem_util(&p, &h100, NULL, NULL, NULL));
	}
	kvp_catalog_free(&cat);
}

/* SGLang's --language-only (the language server of encoder
 * disaggregation): is_vlm is false (memory_hook.py
 * handle_gpu_memory_settings, 031ed82d), so Qwen3.5 27B on an H100 keeps
 * the rounded share, 0.830: reserved 13,904 MiB, round(68,016 / 81,920,
 * 3) = round(0.83027..., 3).  Its towers stay loaded (SGLang's Qwen3-VL
 * builds them whatever the flag), so the weights SGLang loads are the
 * same; and another engine ignores the flag. */
static void test_sglang_language_only(void **state)
{
	const char *dirs[] = {KVP_TEST_DATADIR};
	kvp_catalog *cat = NULL;
	kvp_device h100 = testmodel_device(80ull << 30);
	kvp_sglang_reserve t;
	kvp_error err;
	kvp_model m;
	kvp_request r, both;
	kvp_plan p;

	(void)state;
	assert_int_equal(kvp_catalog_open(&cat, dirs, 1, &err), KVP_OK);
	assert_int_equal(kvp_catalog_model(cat, "qwen3.5-27b", &m, &err), KVP_OK);
	kvp_request_init(&r);
	r.engine = KVP_ENGINE_SGLANG;
	r.mem_util = 0;
	r.seq = 1024;
	both = r;
	r.language_only = true;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.vision_hidden, 0);
	assert_int_equal(p.vision_layers, 0);
	assert_true(kvp_plan_sglang_reserve(&p, &h100, &t));
	assert_true(t.reserved == 13904 && t.share == 0.830);
	assert_true(t.vlm_factor == 1 && t.vlm_layers == 0 && t.mem_fraction_static == 0.830);
	assert_true(kvp_plan_mem_util(&p, &h100, NULL, NULL, NULL) == 0.830);
	assert_true(kvp_request_loads_towers(&r));
	assert_true(kvp_model_loaded_params(&m, &r) == kvp_model_loaded_params(&m, &both));
	assert_true(kvp_model_loaded_params(&m, &r) == m.params - m.mtp_params);
	/* vLLM: no SGLang share, and the plan keeps the encoder */
	r.engine = KVP_ENGINE_VLLM;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.vision_hidden, 1152);
	kvp_catalog_free(&cat);
}

/* A request of SGLang's own share (mem_util 0). */
static kvp_request sglang_request(void)
{
	kvp_request r;

	kvp_request_init(&r);
	r.engine = KVP_ENGINE_SGLANG;
	r.mem_util = 0;
	return r;
}

/* SGLang's reserve and share for r on a device of gib GiB, as case i
 * expects them. */
static void expect_share(const kvp_request *r, uint64_t gib, double reserved,
                         double share, size_t i)
{
	kvp_device d = testmodel_device(gib << 30);
	double got_reserved, got;

	got = kvp_engine_mem_util(r, &d, NULL, &got_reserved);
	if (got_reserved != reserved || got != share)
		fail_msg("case %zu: reserved %g, share %.17g", i, got_reserved, got);
}

/* SGLang's --disable-cuda-graph: from 0.5.20 neither phase's graphs are
 * reserved (arg_groups/cuda_graph_hook.py parse_cuda_graph_config
 * disables both backends; memory_hook.py reserve_for_graph_mb), in MiB:
 * an H100, 512 + 12,288 + 128 = 12,928, 68,992 / 81,920 = 0.8421875, so
 * 0.842 (0.830 with graphs); a V100, 512 + 6,144 + 128 = 6,784, 25,984 /
 * 32,768 = 0.79296875, 0.793; chunks of 4,096 on the H100, 6,784 under
 * the 10 GiB floor, 0.875 as with graphs; 180 GiB, 512 + 24,576 + 128 =
 * 25,216, 159,104 / 184,320 = 0.86319..., 0.863.  An MLA model's flat
 * 1,536 MiB goes too: 0.842 (0.817 with graphs).  Before 0.5.20 the
 * flag is not followed: the V100's 4,096 and 0.875 at 0.5.19. */
static void test_sglang_no_cuda_graph(void **state)
{
	static const struct {
		uint64_t gib;
		uint32_t chunked, version;
		double reserved, share;
	} cases[] = {
		{80, 0, 0, 12928, 0.842},
		{32, 0, 0, 6784, 0.793},
		{80, 4096, 0, 10240, 0.875},
		{180, 0, 0, 25216, 0.863},
		{32, 0, 519, 4096, 0.875},
		{80, 0, 520, 12928, 0.842},
	};
	kvp_model mla = testmodel_new(32, 4096, 32, 8, 128256, 8030261248ull);
	kvp_device h100 = testmodel_device(80ull << 30);
	kvp_sglang_reserve t;
	kvp_error err;
	kvp_request r;
	kvp_plan p;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		r = sglang_request();
		r.disable_cuda_graph = true;
		r.chunked_prefill_size = cases[i].chunked;
		r.sglang_version = cases[i].version;
		expect_share(&r, cases[i].gib, cases[i].reserved, cases[i].share, i);
	}
	testmodel_deepseek_mla(&mla);
	if (kvp_model_finalize(&mla, &err) != KVP_OK)
		fail_msg("%s", err.message);
	kvp_request_init(&r);
	r.engine = KVP_ENGINE_SGLANG;
	r.mem_util = 0;
	r.seq = 1024;
	r.disable_cuda_graph = true;
	assert_int_equal(kvp_plan_compute(&mla, &r, &p, &err), KVP_OK);
	assert_true(kvp_plan_sglang_reserve(&p, &h100, &t));
	assert_true(t.decode_max_bs == 256 && t.decode_graphs == 0);
	assert_true(t.prefill_graphs == 0 && t.prefill_mib == 0);
	assert_true(t.reserved == 12928 && t.share == 0.842);
	r.disable_cuda_graph = false;
	assert_int_equal(kvp_plan_compute(&mla, &r, &p, &err), KVP_OK);
	assert_true(kvp_plan_mem_util(&p, &h100, NULL, NULL, NULL) == 0.817);
}

/* SGLang's --disaggregation-mode (memory_hook.py handle_gpu_memory_settings
 * and reserve_for_graph_mb, 031ed82d).  A decode server's activations are
 * its running requests' tokens, max_bs of the decode graphs here, at least
 * 2,048, x 1.5, and it reserves no prefill graphs; a prefill server
 * reserves no decode graphs.  In MiB, tp 1:
 *  - an H100 (81,920: chunks of 8,192, max_bs 256), decode: 512 + 3,072 +
 *    128 + 512 = 4,224, raised to 10,240; 71,680 / 81,920 = 0.875.
 *    Prefill: 512 + 12,288 + 128 + 58 graphs x 8 = 13,392; 68,528 /
 *    81,920 = 0.83652..., 0.837;
 *  - a V100 (32,768: 4,096, max_bs 48), decode: 512 + 3,072 + 128 + 96 =
 *    3,808, 0.88378..., 0.884; prefill: 512 + 6,144 + 128 + 50 x 8 =
 *    7,184, 0.78076..., 0.781; before 0.5.20 one server's, by its rule
 *    (chunks of 2,048, max_bs 24, 42 prefill graphs): 512 + 3,072 + 128 +
 *    48 + 336 = 4,096, 0.875;
 *  - 180 GiB (184,320: max_bs 512), decode: 4,736, raised to 10,240;
 *    174,080 / 184,320 = 0.94444..., 0.944;
 *  - 16 GiB (16,384: 2,048, max_bs 8), decode: 512 + 3,072 + 128 + 16 =
 *    3,728, 0.77246..., 0.772;
 *  - the H100 with --cuda-graph-max-bs 4096, decode: 512 + 6,144 + 128 +
 *    8,192 = 14,976, 0.81718..., 0.817.
 * With a draft, a decode server's running requests are times the draft
 * tokens as given (memory_hook.py at a82da8da: speculative_num_draft_tokens
 * or 1; the hook runs before SGLang resolves them): on the V100 with
 * --max-running-requests 512 and 8 draft tokens, max(512 x 8, 2,048) x
 * 1.5 = 6,144, 512 + 6,144 + 128 + 96 = 6,880, 25,888 / 32,768 =
 * 0.79003..., 0.790; with 2 draft tokens 1,024, under 2,048, 3,808 and
 * 0.884 as without; without a draft the draft tokens size nothing
 * (0.884); on one server they do not enter: 512 + 6,144 (chunks of
 * 4,096) + 128 + 96 + 50 x 8 = 7,280, 0.77783..., 0.778.
 * An MLA model's flat 1,536 MiB of prefill graphs goes on a decode server
 * (0.875 on the H100, 0.817 as one server), and Qwen3.5's vision factor:
 * 0.875, not 0.830 x 0.9247656249999999. */
static void test_sglang_disaggregation(void **state)
{
	static const struct {
		uint64_t gib;
		uint8_t mode;
		uint32_t max_bs, version;
		double reserved, share;
	} cases[] = {
		{80, KVP_DISAGG_DECODE, 0, 0, 10240, 0.875},
		{80, KVP_DISAGG_PREFILL, 0, 0, 13392, 0.837},
		{80, KVP_DISAGG_NONE, 0, 0, 13904, 0.830},
		{32, KVP_DISAGG_DECODE, 0, 0, 3808, 0.884},
		{32, KVP_DISAGG_PREFILL, 0, 0, 7184, 0.781},
		{32, KVP_DISAGG_DECODE, 0, 519, 4096, 0.875},
		{32, KVP_DISAGG_PREFILL, 0, 519, 4096, 0.875},
		{32, KVP_DISAGG_DECODE, 0, 520, 3808, 0.884},
		{180, KVP_DISAGG_DECODE, 0, 0, 10240, 0.944},
		{16, KVP_DISAGG_DECODE, 0, 0, 3728, 0.772},
		{80, KVP_DISAGG_DECODE, 4096, 0, 14976, 0.817},
	};
	const char *dirs[] = {KVP_TEST_DATADIR};
	kvp_catalog *cat = NULL;
	kvp_model mla = testmodel_new(32, 4096, 32, 8, 128256, 8030261248ull), qwen;
	kvp_device h100 = testmodel_device(80ull << 30);
	kvp_sglang_reserve t;
	kvp_error err;
	kvp_request r;
	kvp_plan p;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		r = sglang_request();
		r.disaggregation = cases[i].mode;
		r.cuda_graph_max_bs = cases[i].max_bs;
		r.sglang_version = cases[i].version;
		expect_share(&r, cases[i].gib, cases[i].reserved, cases[i].share, i);
	}
	r = sglang_request();
	r.disaggregation = KVP_DISAGG_DECODE;
	r.max_running_requests = 512;
	r.mtp_layers = 1;
	r.spec_tokens = 7;
	r.spec_topk = 4;
	r.spec_draft_tokens = 8;
	expect_share(&r, 32, 6880, 0.790, 100);
	r.spec_draft_tokens = 2;
	expect_share(&r, 32, 3808, 0.884, 101);
	r.spec_draft_tokens = 8;
	r.mtp_layers = 0;
	expect_share(&r, 32, 3808, 0.884, 102);
	r.mtp_layers = 1;
	r.disaggregation = KVP_DISAGG_NONE;
	expect_share(&r, 32, 7280, 0.778, 103);
	testmodel_deepseek_mla(&mla);
	if (kvp_model_finalize(&mla, &err) != KVP_OK)
		fail_msg("%s", err.message);
	r = sglang_request();
	r.seq = 1024;
	r.disaggregation = KVP_DISAGG_DECODE;
	assert_int_equal(kvp_plan_compute(&mla, &r, &p, &err), KVP_OK);
	assert_true(kvp_plan_sglang_reserve(&p, &h100, &t));
	assert_int_equal(t.role, KVP_DISAGG_DECODE);
	assert_true(t.activations == 3072 && t.decode_graphs == 512);
	assert_true(t.prefill_graphs == 0 && t.prefill_mib == 0);
	assert_true(t.floored && t.reserved == 10240 && t.share == 0.875);
	/* a prefill server keeps the flat 1,536: 512 + 12,288 + 128 + 1,536 */
	r.disaggregation = KVP_DISAGG_PREFILL;
	assert_int_equal(kvp_plan_compute(&mla, &r, &p, &err), KVP_OK);
	assert_true(kvp_plan_sglang_reserve(&p, &h100, &t));
	assert_int_equal(t.role, KVP_DISAGG_PREFILL);
	assert_true(t.decode_graphs == 0 && t.prefill_mib == 1536 && t.reserved == 14464);
	/* before 0.5.20 the role is not followed: one server's reserve by
	 * that rule, which turned an MLA model's prefill graphs off, 512 +
	 * 12,288 + 128 + 512 = 13,440 MiB on the H100 */
	r.sglang_version = 518;
	assert_int_equal(kvp_plan_compute(&mla, &r, &p, &err), KVP_OK);
	assert_true(kvp_plan_sglang_reserve(&p, &h100, &t));
	assert_int_equal(t.role, KVP_DISAGG_NONE);
	assert_true(t.decode_graphs == 512 && t.reserved == 13440);
	r.sglang_version = 0;
	/* a mode past decode is refused */
	r.disaggregation = 3;
	assert_int_equal(kvp_plan_compute(&mla, &r, &p, &err), KVP_ERR_INVALID);
	/* Qwen3.5 on a decode server: no vision factor */
	assert_int_equal(kvp_catalog_open(&cat, dirs, 1, &err), KVP_OK);
	assert_int_equal(kvp_catalog_model(cat, "qwen3.5-27b", &qwen, &err), KVP_OK);
	r.disaggregation = KVP_DISAGG_DECODE;
	assert_int_equal(kvp_plan_compute(&qwen, &r, &p, &err), KVP_OK);
	assert_int_equal(p.vision_hidden, 0);
	assert_true(kvp_plan_sglang_reserve(&p, &h100, &t));
	assert_true(t.vlm_factor == 1 && t.mem_fraction_static == 0.875);
	r.disaggregation = KVP_DISAGG_PREFILL;
	assert_int_equal(kvp_plan_compute(&qwen, &r, &p, &err), KVP_OK);
	assert_int_equal(p.vision_hidden, 1152);
	kvp_catalog_free(&cat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sglang_mem_fraction),
		cmocka_unit_test(test_sglang_mem_fraction_model),
		cmocka_unit_test(test_engine_default_share),
		cmocka_unit_test(test_sglang_vlm_factor),
		cmocka_unit_test(test_sglang_vlm_catalog),
		cmocka_unit_test(test_sglang_language_only),
		cmocka_unit_test(test_sglang_no_cuda_graph),
		cmocka_unit_test(test_sglang_disaggregation),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
