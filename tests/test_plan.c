/*
 * test_plan.c — unit tests of the per-layer size model (lib/plan.c,
 * lib/solve.c, lib/layers.c, lib/fit.c): exact figures for named shapes
 * (uniform attention and its element types, MLA, sliding and chunked
 * windows, recurrent layers, the solvers' answers), each worked out by
 * hand next to its assertion, and the old wrappers giving the same.  The
 * errors are in test_plan_errors.c, the property tests in
 * test_plan_property.c.
 *
 * Models are kvp_model literals with their config.json numbers (those the
 * files share in plan_fixture.h), never loaded from the catalogue.
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
#include "plan_fixture.h"

/* ---- models (config.json numbers) ------------------------------------- */

/* mistralai/Mistral-7B-v0.1: 32 layers, 32 heads, 8 kv heads, 128,
 * sliding_window 4096 on every layer. */
static const kvp_model mistral_7b = {
	.name = "mistral-7b", .layers = 32, .hidden = 4096, .heads = 32,
	.kv_heads = 8, .head_dim = 128, .sliding_window = 4096,
};

/* openai/gpt-oss-120b: 36 layers, 64 heads, 8 kv heads, head_dim 64,
 * sliding_window 128, layer_types alternating sliding and full. */
static const kvp_model gpt_oss_120b = {
	.name = "gpt-oss-120b", .layers = 36, .hidden = 2880, .heads = 64,
	.kv_heads = 8, .head_dim = 64, .sliding_window = 128,
};

/* H100 SXM: 80 GiB = 80 * 2^30 = 85899345920 B of HBM, 50 MiB = 50 *
 * 2^20 = 52428800 B of L2. */
static const kvp_device h100_sxm = {
	.name = "h100-sxm", .hbm_bytes = 85899345920ULL, .l2_bytes = 52428800,
};

/* ---- uniform attention, element types ----------------------------------- */

/* llama2-7b, one head row of 128 values:
 *  q8_0: 128 / 32 = 4 blocks x 34 B = 136 B;
 *  q4_0: 4 blocks x 18 B = 72 B.
 * Per token, K and V of 32 kv heads in 32 layers:
 *  q8_0: 2 * 32 * 32 * 136 = 278528 B;
 *  q4_0: 2 * 32 * 32 * 72 = 147456 B;
 *  K q8_0 + V q4_0: 32 * 32 * (136 + 72) = 212992 B, and at seq 4096:
 *  212992 * 4096 = 872415232 B. */
static void test_llama2_block_types(void **state)
{
	kvp_request r = request_at(4096);
	kvp_plan p;

	(void)state;
	r.dtype_k = r.dtype_v = KVP_DTYPE_Q8_0;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.kv_bytes_per_token, 278528);
	assert_int_equal(p.group_count, 1);
	assert_int_equal(p.groups[0].kind, KVP_LAYER_FULL);
	assert_int_equal(p.groups[0].layers, 32);
	/* one layer: 32 heads * 136 B = 4352 B for K, the same for V */
	assert_int_equal(p.groups[0].k_bytes_per_token, 4352);
	assert_int_equal(p.groups[0].v_bytes_per_token, 4352);
	/* 278528 * 4096 = 1140850688 */
	assert_int_equal(p.cache_total_bytes, 1140850688ULL);

	r.dtype_k = r.dtype_v = KVP_DTYPE_Q4_0;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.kv_bytes_per_token, 147456);

	r.dtype_k = KVP_DTYPE_Q8_0;
	r.dtype_v = KVP_DTYPE_Q4_0;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.kv_bytes_per_token, 212992);
	/* K: 32 layers * 4096 tokens * 32 heads * 136 B = 570425344;
	 * V: 32 * 4096 * 32 * 72 = 301989888; together 872415232. */
	assert_int_equal(p.groups[0].k_bytes, 570425344ULL);
	assert_int_equal(p.groups[0].v_bytes, 301989888ULL);
	assert_int_equal(p.kv_total_bytes, 872415232ULL);
	assert_int_equal(p.cache_total_bytes, 872415232ULL);
	assert_int_equal(p.state_total_bytes, 0);
	assert_false(p.bounded);
	assert_int_equal(p.plateau_seq, 0);
}

/* vLLM int8_per_token_head: each head's row is head_dim int8 values and
 * one fp32 scale: 128 + 4 = 132 B for K and for V.  llama2-7b per token:
 * 2 * 32 layers * 32 heads * 132 = 270336 B; one layer's K 32 * 132 =
 * 4224 B.  fp8_per_token_head is the same size. */
static void test_int8_per_token_head(void **state)
{
	kvp_request r = request_at(1);
	kvp_plan p;

	(void)state;
	r.dtype_k = r.dtype_v = KVP_DTYPE_INT8_PTH;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.groups[0].k_bytes_per_token, 4224);
	assert_int_equal(p.groups[0].v_bytes_per_token, 4224);
	assert_int_equal(p.kv_bytes_per_token, 270336);
	r.dtype_k = KVP_DTYPE_FP8_PTH;
	r.dtype_v = KVP_DTYPE_FP16;
	plan_ok(&llama2_7b, &r, &p);
	/* K 32 * 132 = 4224, V 32 * 128 * 2 = 8192 */
	assert_int_equal(p.groups[0].k_bytes_per_token, 4224);
	assert_int_equal(p.groups[0].v_bytes_per_token, 8192);
	/* 32 * (4224 + 8192) = 397312 */
	assert_int_equal(p.kv_bytes_per_token, 397312);
}

/* K head 192, V head 128 (head_dim_v), 4 layers of 2 kv heads, fp16:
 * K per token and layer 2 * 192 * 2 = 768 B, V 2 * 128 * 2 = 512 B.
 * At seq 10, batch 3: K 4 * 10 * 3 * 768 = 92160, V 4 * 10 * 3 * 512 =
 * 61440, total 153600.  With K q8_0 (192 / 32 = 6 blocks * 34 = 204 B a
 * row) and V q4_0 (4 blocks * 18 = 72 B): per layer 2 * (204 + 72) =
 * 552, per token 4 * 552 = 2208; and per token-head int8_per_token_head
 * rows 192 + 4 = 196 and 128 + 4 = 132: 4 * 2 * (196 + 132) = 2624. */
static void test_head_dim_v(void **state)
{
	kvp_model m = {
		.name = "kv-split", .layers = 4, .heads = 8, .kv_heads = 2,
		.head_dim = 192, .head_dim_v = 128,
	};
	kvp_request r = request_at(10);
	kvp_plan p;

	(void)state;
	r.batch = 3;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.groups[0].k_values, 384); /* 2 * 192 */
	assert_int_equal(p.groups[0].v_values, 256); /* 2 * 128 */
	assert_int_equal(p.groups[0].k_bytes_per_token, 768);
	assert_int_equal(p.groups[0].v_bytes_per_token, 512);
	assert_int_equal(p.groups[0].k_bytes, 92160);
	assert_int_equal(p.groups[0].v_bytes, 61440);
	assert_int_equal(p.cache_total_bytes, 153600);
	r.dtype_k = KVP_DTYPE_Q8_0;
	r.dtype_v = KVP_DTYPE_Q4_0;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.groups[0].k_bytes_per_token, 408); /* 2 * 204 */
	assert_int_equal(p.groups[0].v_bytes_per_token, 144); /* 2 * 72 */
	assert_int_equal(p.kv_bytes_per_token, 2208);
	r.dtype_k = r.dtype_v = KVP_DTYPE_INT8_PTH;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.kv_bytes_per_token, 2624);
}

/* ---- MLA ---------------------------------------------------------------- */

/* DeepSeek-V3 latent in bf16: (512 + 64) * 2 = 1152 B per layer,
 * * 61 = 70272 B per token; no V at all.  fp8_ds_mla: 512 fp8 values,
 * 512 / 128 = 4 fp32 scales (16 B) and 64 rope values in bf16 (128 B):
 * 656 B per layer, 656 * 61 = 40016 B per token. */
static void test_deepseek_v3_latent(void **state)
{
	kvp_request r = request_at(1000);
	kvp_plan p;

	(void)state;
	r.dtype_k = r.dtype_v = KVP_DTYPE_BF16;
	plan_ok(&deepseek_v3, &r, &p);
	assert_int_equal(p.group_count, 1);
	assert_int_equal(p.groups[0].kind, KVP_LAYER_MLA);
	assert_int_equal(p.groups[0].layers, 61);
	assert_int_equal(p.groups[0].kv_heads, 0);
	assert_int_equal(p.groups[0].latent_values, 576);
	assert_int_equal(p.groups[0].latent_bytes_per_token, 1152);
	assert_int_equal(p.groups[0].k_values, 0);
	assert_int_equal(p.groups[0].k_bytes_per_token, 0);
	assert_int_equal(p.groups[0].v_values, 0);
	assert_int_equal(p.groups[0].v_bytes_per_token, 0);
	assert_int_equal(p.groups[0].v_bytes, 0);
	assert_int_equal(p.kv_bytes_per_token, 70272);
	/* 70272 * 1000 = 70272000 */
	assert_int_equal(p.groups[0].latent_bytes, 70272000);
	assert_int_equal(p.cache_total_bytes, 70272000);
	/* one layer: 1152 * 1000 = 1152000 */
	assert_int_equal(p.max_layer_bytes, 1152000);
	assert_int_equal(kvp_model_count_layers(&deepseek_v3, KVP_LAYER_MLA), 61);
	assert_int_equal(kvp_model_layer_kind(&deepseek_v3, 60), KVP_LAYER_MLA);

	r.dtype_k = KVP_DTYPE_FP8_DS_MLA;
	plan_ok(&deepseek_v3, &r, &p);
	assert_int_equal(p.groups[0].latent_bytes_per_token, 656);
	assert_int_equal(p.kv_bytes_per_token, 656 * 61);
	assert_int_equal(p.kv_bytes_per_token, 40016);
	/* 40016 * 1000 = 40016000 */
	assert_int_equal(p.cache_total_bytes, 40016000);
}

/* DeepSeek-V2-Lite expanded (HuggingFace): K per head qk_nope + qk_rope =
 * 128 + 64 = 192 values, V per head v_head_dim 128, in bf16 over 16
 * heads: 16 * (192 + 128) * 2 = 10240 B per layer, * 27 = 276480 B per
 * token. */
static void test_deepseek_v2_lite_expanded(void **state)
{
	kvp_request r = request_at(1);
	kvp_plan p;

	(void)state;
	r.dtype_k = r.dtype_v = KVP_DTYPE_BF16;
	r.mla = KVP_MLA_EXPANDED;
	plan_ok(&deepseek_v2_lite, &r, &p);
	assert_int_equal(p.group_count, 1);
	assert_int_equal(p.groups[0].kind, KVP_LAYER_MLA);
	assert_int_equal(p.groups[0].kv_heads, 16);
	assert_int_equal(p.groups[0].k_values, 3072); /* 16 * 192 */
	assert_int_equal(p.groups[0].v_values, 2048); /* 16 * 128 */
	assert_int_equal(p.groups[0].k_bytes_per_token, 6144); /* 3072 * 2 */
	assert_int_equal(p.groups[0].v_bytes_per_token, 4096); /* 2048 * 2 */
	assert_int_equal(p.groups[0].latent_bytes_per_token, 0);
	assert_int_equal(p.kv_bytes_per_token, 276480);
	assert_int_equal(p.kv_bytes_per_token, 27 * 16 * ((128 + 64) + 128) * 2);
	/* The latent of the same model: (512 + 64) * 2 * 27 = 31104. */
	r.mla = KVP_MLA_LATENT;
	plan_ok(&deepseek_v2_lite, &r, &p);
	assert_int_equal(p.kv_bytes_per_token, 31104);
}

/* ---- sliding windows ---------------------------------------------------- */

/* Gemma 2 9B, "sliding,full": 8 kv heads * 256 * 2 (K, V) * 2 B = 8192 B
 * per token and layer.  At seq 8192: 21 full layers hold 8192 tokens,
 * 21 sliding 4096: 21 * 8192 * 8192 + 21 * 4096 * 8192 = 1409286144 +
 * 704643072 = 2113929216.  Without windows: 42 * 8192 * 8192 =
 * 2818572288. */
static void test_gemma2_9b(void **state)
{
	kvp_model m = gemma2_9b;
	kvp_request r = request_at(8192);
	kvp_plan p;

	(void)state;
	pattern(&m, "sliding,full");
	assert_int_equal(m.pattern_len, 2);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_SLIDING), 21);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_FULL), 21);
	plan_ok(&m, &r, &p);
	assert_int_equal(p.cache_total_bytes, 2113929216ULL);
	assert_int_equal(p.layers, 42);
	assert_int_equal(p.group_count, 2);
	assert_int_equal(p.groups[0].kind, KVP_LAYER_SLIDING);
	assert_int_equal(p.groups[0].layers, 21);
	assert_int_equal(p.groups[0].first_layer, 0);
	assert_int_equal(p.groups[0].window, 4096);
	assert_int_equal(p.groups[0].tokens, 4096);
	assert_int_equal(p.groups[0].bytes_per_token, 8192);
	assert_int_equal(p.groups[0].bytes, 704643072ULL);  /* 21*4096*8192 */
	assert_int_equal(p.groups[1].kind, KVP_LAYER_FULL);
	assert_int_equal(p.groups[1].layers, 21);
	assert_int_equal(p.groups[1].first_layer, 1);
	assert_int_equal(p.groups[1].window, 0);
	assert_int_equal(p.groups[1].tokens, 8192);
	assert_int_equal(p.groups[1].bytes, 1409286144ULL); /* 21*8192*8192 */
	/* every layer's bytes per token: 42 * 8192 = 344064 */
	assert_int_equal(p.kv_bytes_per_token, 344064);
	/* the largest layer is a full one: 8192 * 8192 = 67108864 */
	assert_int_equal(p.max_layer_bytes, 67108864);
	assert_false(p.bounded);
	assert_int_equal(p.plateau_seq, 0);
	assert_int_equal(p.cycle_len, 2);
	for (uint32_t i = 0; i < 42; i++) {
		/* even layers sliding (group 0), odd full (group 1) */
		assert_int_equal(kvp_plan_layer_group(&p, i), i % 2);
		assert_int_equal(kvp_model_layer_kind(&m, i),
		                 i % 2 ? KVP_LAYER_FULL : KVP_LAYER_SLIDING);
	}
	assert_int_equal(kvp_plan_layer_group(&p, 42), UINT32_MAX);

	r.no_window = true;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.cache_total_bytes, 2818572288ULL);
	/* every layer is planned full, with the same kv heads: one group */
	assert_int_equal(p.group_count, 1);
	assert_int_equal(p.groups[0].kind, KVP_LAYER_FULL);
	assert_int_equal(p.groups[0].layers, 42);
	assert_int_equal(p.groups[0].tokens, 8192);

	/* Below the window both kinds hold every token: at 1000,
	 * 42 * 1000 * 8192 = 344064000. */
	r = request_at(1000);
	plan_ok(&m, &r, &p);
	assert_int_equal(p.cache_total_bytes, 344064000);
}

/* Mistral 7B, every layer sliding 4096: 2 * 8 * 128 * 2 = 4096 B per
 * token and layer; at 32768 each layer holds 4096 tokens: 32 * 4096 *
 * 4096 = 536870912, the same at any seq from 4096 on. */
static void test_mistral_7b_bounded(void **state)
{
	kvp_model m = mistral_7b;
	kvp_request r = request_at(32768);
	kvp_plan p;

	(void)state;
	pattern(&m, "sliding");
	plan_ok(&m, &r, &p);
	assert_int_equal(p.cache_total_bytes, 536870912);
	assert_true(p.bounded);
	assert_int_equal(p.plateau_seq, 4096);
	assert_int_equal(p.groups[0].tokens, 4096);
	assert_int_equal(bytes_at(&p, 4096, 1), 536870912);
	assert_int_equal(bytes_at(&p, UINT64_MAX, 1), 536870912);
	/* 4095 tokens: 32 * 4095 * 4096 = 536739840 */
	assert_int_equal(bytes_at(&p, 4095, 1), 536739840);
}

/* gpt-oss-120b, "sliding,full", window 128: 2 * 8 * 64 * 2 = 2048 B per
 * token and layer.  At 131072: 18 full layers 18 * 131072 * 2048 =
 * 4831838208, 18 sliding 18 * 128 * 2048 = 4718592: 4836556800.
 * Past the window f(s) = 18 * 2048 * s + 18 * 2048 * 128 = 36864 (s +
 * 128).  L2 52428800: 36864 * (1294 + 128) = 36864 * 1422 = 52420608 fits,
 * 36864 * 1423 = 52457472 does not: max_seq_l2 1294.
 * HBM: usable floor(85899345920 * 0.9) = 77309411328 (80 GiB * 9/10 =
 * 72 GiB; the double 0.9 is above 9/10 by less than 2^-55, which adds
 * under 1 B), no weights (params 0): 36864 (s + 128) <= 77309411328 =
 * 36864 * 2097152 gives s = 2097152 - 128 = 2097024.  Batch at 131072:
 * 77309411328 / 4836556800 = 15.98: 15 (15 * 4836556800 = 72548352000
 * fits, 16 * = 77384908800 does not). */
static void test_gpt_oss_120b_fit(void **state)
{
	kvp_model m = gpt_oss_120b;
	kvp_request r = request_at(131072);
	kvp_plan p;
	kvp_fit fit;
	kvp_error err;
	uint64_t seq;
	bool unbounded;

	(void)state;
	pattern(&m, "sliding,full");
	plan_ok(&m, &r, &p);
	assert_int_equal(p.cache_total_bytes, 4836556800ULL);
	assert_int_equal(p.groups[0].kind, KVP_LAYER_SLIDING);
	assert_int_equal(p.groups[0].bytes, 4718592);
	assert_int_equal(p.groups[1].bytes, 4831838208ULL);

	assert_int_equal(bytes_at(&p, 1294, 1), 52420608);
	assert_true(bytes_at(&p, 1294, 1) <= h100_sxm.l2_bytes);
	assert_int_equal(bytes_at(&p, 1295, 1), 52457472);
	assert_true(bytes_at(&p, 1295, 1) > h100_sxm.l2_bytes);
	assert_int_equal(kvp_plan_max_seq(&p, h100_sxm.l2_bytes, 1, &seq,
	                                  &unbounded, &err),
	                 KVP_OK);
	assert_int_equal(seq, 1294);
	assert_false(unbounded);

	assert_int_equal(kvp_plan_fit(&p, &h100_sxm, &fit, &err), KVP_OK);
	assert_int_equal(err.status, KVP_OK);
	assert_int_equal(fit.max_seq_l2, 1294);
	assert_false(fit.max_seq_l2_unbounded);
	assert_false(fit.fits_l2);
	/* the largest layer, a full one: 131072 * 2048 = 268435456 > L2 */
	assert_int_equal(fit.kv_layer_bytes, 268435456);
	assert_false(fit.layer_fits_l2);
	assert_int_equal(fit.cache_total_bytes, 4836556800ULL);
	assert_int_equal(fit.weights_bytes, 0);
	assert_int_equal(fit.usable_bytes, 77309411328ULL);
	assert_true(fit.fits_hbm);
	assert_int_equal(fit.max_seq_hbm, 2097024);
	assert_false(fit.max_seq_hbm_unbounded);
	assert_int_equal(fit.max_batch_hbm, 15);
	/* the boundary itself: 36864 * 2097152 = 77309411328 exactly */
	assert_int_equal(bytes_at(&p, 2097024, 1), 77309411328ULL);
	assert_int_equal(bytes_at(&p, 2097025, 1), 77309411328ULL + 36864);
}

/* Llama 4 Scout-like, 48 layers "chunked*3,full", chunk 8192, 8 kv heads
 * of 128: 2 * 8 * 128 * 2 = 4096 B per token and layer.  36 chunked
 * layers hold min(seq, 8192) tokens, 12 full ones seq.
 *  seq 4096: 48 * 4096 * 4096 = 805306368;
 *  seq 16384: 36 * 8192 * 4096 + 12 * 16384 * 4096 = 1207959552 +
 *  805306368 = 2013265920. */
static void test_chunked(void **state)
{
	kvp_model m = {
		.name = "scout-like", .layers = 48, .hidden = 5120, .heads = 40,
		.kv_heads = 8, .head_dim = 128, .chunk_size = 8192,
	};
	kvp_request r = request_at(16384);
	kvp_plan p;

	(void)state;
	pattern(&m, "chunked*3,full");
	assert_int_equal(m.pattern_len, 4);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_CHUNKED), 36);
	plan_ok(&m, &r, &p);
	assert_int_equal(p.group_count, 2);
	assert_int_equal(p.groups[0].kind, KVP_LAYER_CHUNKED);
	assert_int_equal(p.groups[0].layers, 36);
	assert_int_equal(p.groups[0].window, 8192);
	assert_int_equal(p.groups[0].tokens, 8192);
	assert_int_equal(p.groups[1].kind, KVP_LAYER_FULL);
	assert_int_equal(p.groups[1].layers, 12);
	assert_int_equal(p.groups[1].first_layer, 3);
	assert_int_equal(p.groups[1].tokens, 16384);
	assert_int_equal(p.cache_total_bytes, 2013265920ULL);
	assert_int_equal(bytes_at(&p, 4096, 1), 805306368);
	assert_int_equal(kvp_plan_layer_group(&p, 47), 1);
	assert_int_equal(kvp_plan_layer_group(&p, 46), 0);
	r = request_at(4096);
	plan_ok(&m, &r, &p);
	assert_int_equal(p.groups[0].tokens, 4096);
	assert_int_equal(p.cache_total_bytes, 805306368);
}

/* ---- recurrent layers ---------------------------------------------------- */

/* A Qwen3.5-4B-like hybrid: 32 layers "recurrent*3,full" (24 recurrent,
 * 8 full), Gated DeltaNet as llama.cpp sizes it: conv kernel 4, inner
 * 4096, state 128, groups 16.
 *  conv (n_embd_r): (4 - 1) * (4096 + 2 * 16 * 128) = 3 * 8192 = 24576
 *  values * 4 B (fp32) = 98304 B;
 *  ssm (n_embd_s): 128 * 4096 = 524288 values * 4 = 2097152 B;
 *  per layer and sequence 98304 + 2097152 = 2195456 B.
 * Full layers: 2 * 4 kv heads * 256 * 2 = 4096 B per token.
 * At seq 1000, batch 3: state 24 * 2195456 * 3 = 158072832, kv 8 * 1000
 * * 4096 * 3 = 98304000, total 256376832. */
static void test_recurrent(void **state)
{
	kvp_model m = {
		.name = "qwen3.5-4b-like", .layers = 32, .hidden = 2560,
		.heads = 16, .kv_heads = 4, .head_dim = 256,
		.ssm_conv_kernel = 4, .ssm_inner = 4096, .ssm_state = 128,
		.ssm_groups = 16,
	};
	kvp_request r = request_at(1000);
	kvp_plan p;

	(void)state;
	pattern(&m, "recurrent*3,full");
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_RECURRENT), 24);
	r.batch = 3;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.group_count, 2);
	assert_int_equal(p.groups[0].kind, KVP_LAYER_RECURRENT);
	assert_int_equal(p.groups[0].layers, 24);
	assert_int_equal(p.groups[0].state_bytes_per_seq, 2195456);
	assert_int_equal(p.groups[0].bytes_per_token, 0);
	assert_int_equal(p.groups[0].tokens, 0);
	assert_int_equal(p.groups[0].layer_state_bytes, 6586368); /* *3 */
	assert_int_equal(p.state_total_bytes, 158072832);
	assert_int_equal(p.state_total_bytes, 24ULL * 2195456 * 3);
	assert_int_equal(p.kv_total_bytes, 98304000);
	assert_int_equal(p.cache_total_bytes, 256376832);
	/* the kv per token counts only the 8 full layers: 8 * 4096 */
	assert_int_equal(p.kv_bytes_per_token, 32768);
	/* largest layer: recurrent 6586368 against full 1000*4096*3 =
	 * 12288000 */
	assert_int_equal(p.max_layer_bytes, 12288000);
	assert_false(p.bounded);

	/* The state does not change with seq. */
	r.seq = 1;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.state_total_bytes, 158072832);
	r.seq = 1000000;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.state_total_bytes, 158072832);
	/* kv: 8 * 1000000 * 4096 * 3 = 98304000000 */
	assert_int_equal(p.kv_total_bytes, 98304000000ULL);

	/* The two parts apart: with ssm_conv_kernel 1 there is no conv
	 * state (d_conv - 1 = 0 rows), leaving S = 128 * 4096 * 4 = 2097152;
	 * so R = 2195456 - 2097152 = 98304 = 3 * 8192 * 4. */
	m.ssm_conv_kernel = 1;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.groups[0].state_bytes_per_seq, 2097152);
	m.ssm_conv_kernel = 4;

	/* state_dtype bf16 halves it: 2195456 / 2 = 1097728 per layer */
	r.state_dtype = KVP_DTYPE_BF16;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.groups[0].state_bytes_per_seq, 1097728);

	/* state_bytes replaces the ssm_ numbers: 24 * 1000000 * 3 = 72000000 */
	m.state_bytes = 1000000;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.groups[0].state_bytes_per_seq, 1000000);
	assert_int_equal(p.state_total_bytes, 72000000);
}

/* A model whose caching layers are all windowed or recurrent, "sliding,
 * chunked,recurrent,none" over 4 layers, 1 kv head of 32 values, fp16:
 * 2 * 32 * 2 = 128 B per token in each windowed layer; window 100,
 * chunk 300, a 1000 B state.  Per sequence
 *  f(s) = 1000 + 128 min(s, 100) + 128 min(s, 300); plateau f(300) =
 *  1000 + 12800 + 38400 = 52200.
 *  budget 52200: the plateau fits: unbounded;
 *  budget 52199: on (100, 300] f = 13800 + 128 s <= 52199 gives s <=
 *  38399 / 128 = 299.99: 299 (f(299) = 52072, f(300) = 52200);
 *  budget 20000: on [0, 100] f = 1000 + 256 s <= 20000, s <= 74.2: 74
 *  (f(74) = 19944, f(75) = 20200);
 *  budget 1000: f(0) fits, f(1) = 1256 does not: 0; budget 999: 0.
 *  batch 2 and budget 104399: cap floor(104399 / 2) = 52199: 299. */
static void test_unbounded(void **state)
{
	kvp_model m = {
		.name = "windows", .layers = 4, .heads = 1, .kv_heads = 1,
		.head_dim = 32, .sliding_window = 100, .chunk_size = 300,
		.state_bytes = 1000,
	};
	kvp_request r = request_at(50);
	kvp_plan p;
	kvp_error err;
	uint64_t seq;
	bool unbounded;
	static const struct {
		uint64_t budget, batch, seq;
		bool unbounded;
	} cases[] = {
		{52200, 1, UINT64_MAX, true},
		{UINT64_MAX, 1, UINT64_MAX, true},
		{52199, 1, 299, false},
		{20000, 1, 74, false},
		{1000, 1, 0, false},
		{999, 1, 0, false},
		{0, 1, 0, false},
		{104399, 2, 299, false},
		{104400, 2, UINT64_MAX, true},
	};

	(void)state;
	pattern(&m, "sliding,chunked,recurrent,none");
	plan_ok(&m, &r, &p);
	assert_true(p.bounded);
	assert_int_equal(p.plateau_seq, 300);
	assert_int_equal(p.group_count, 4);
	assert_int_equal(p.groups[3].kind, KVP_LAYER_NONE);
	assert_int_equal(p.groups[3].bytes, 0);
	/* at 50: 1000 + 128 * 50 * 2 = 13800 */
	assert_int_equal(p.cache_total_bytes, 13800);
	assert_int_equal(bytes_at(&p, 300, 1), 52200);
	assert_int_equal(bytes_at(&p, 299, 1), 52072);
	assert_int_equal(bytes_at(&p, 74, 1), 19944);
	assert_int_equal(bytes_at(&p, 75, 1), 20200);
	assert_int_equal(bytes_at(&p, 0, 1), 1000);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		assert_int_equal(kvp_plan_max_seq(&p, cases[i].budget, cases[i].batch,
		                                  &seq, &unbounded, &err),
		                 KVP_OK);
		assert_int_equal(seq, cases[i].seq);
		assert_int_equal(unbounded, cases[i].unbounded);
	}

	/* Mistral 7B at a budget of its plateau, 32 * 4096 * 4096 =
	 * 536870912: unbounded; one byte less: floor(536870911 / (32 *
	 * 4096)) = 4095. */
	m = mistral_7b;
	pattern(&m, "sliding");
	plan_ok(&m, &r, &p);
	assert_int_equal(kvp_plan_max_seq(&p, 536870912, 1, &seq, &unbounded, &err),
	                 KVP_OK);
	assert_true(unbounded);
	assert_int_equal(seq, UINT64_MAX);
	assert_int_equal(kvp_plan_max_seq(&p, 536870911, 1, &seq, &unbounded, &err),
	                 KVP_OK);
	assert_false(unbounded);
	assert_int_equal(seq, 4095);
}

/* kvp_plan_max_batch on llama2-7b fp16 at seq 1024: 524288 * 1024 =
 * 536870912 B a sequence (2 * 32 * 32 * 128 * 2 = 524288 B/token); a
 * budget of 10 GiB = 10737418240 holds exactly 20; one byte less 19. */
static void test_max_batch(void **state)
{
	kvp_request r = request_at(1024);
	kvp_plan p;
	kvp_error err;
	uint64_t batch;

	(void)state;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(kvp_plan_max_batch(&p, 10737418240ULL, 1024, &batch, &err),
	                 KVP_OK);
	assert_int_equal(batch, 20);
	assert_int_equal(kvp_plan_max_batch(&p, 10737418239ULL, 1024, &batch, &err),
	                 KVP_OK);
	assert_int_equal(batch, 19);
	assert_int_equal(kvp_plan_max_batch(&p, 10737418240ULL, 0, &batch, &err),
	                 KVP_ERR_INVALID);
	assert_string_equal(err.message, "sequence length must be at least 1");
	assert_int_equal(kvp_plan_max_seq(&p, 1, 0, &batch, &(bool){false}, &err),
	                 KVP_ERR_INVALID);
	assert_string_equal(err.message, "batch must be at least 1");
}

/* ---- the old wrappers ------------------------------------------------- */

/* kvp_kv_size_compute and kvp_fit_compute are kvp_plan_compute and
 * kvp_plan_fit with one type for K and V. */
static void test_wrappers(void **state)
{
	kvp_model models[5];
	const kvp_dtype dtypes[] = {KVP_DTYPE_FP16, KVP_DTYPE_Q8_0, KVP_DTYPE_FP8};
	kvp_fit_options options;

	(void)state;
	models[0] = llama2_7b;
	models[0].params = 6738415616ULL;
	models[1] = gemma2_9b;
	pattern(&models[1], "sliding,full");
	models[1].params = 9241705984ULL;
	models[2] = gpt_oss_120b;
	pattern(&models[2], "sliding,full");
	models[3] = deepseek_v3;
	models[3].params = 671026419200ULL;
	models[4] = (kvp_model){
		.name = "hybrid", .layers = 32, .heads = 16, .kv_heads = 4,
		.head_dim = 256, .ssm_conv_kernel = 4, .ssm_inner = 4096,
		.ssm_state = 128, .ssm_groups = 16, .params = 4000000000ULL,
	};
	pattern(&models[4], "recurrent*3,full");
	kvp_fit_options_init(&options);
	options.reserve_bytes = 1ULL << 30;
	options.mem_util = 0.5;
	for (size_t i = 0; i < 5; i++) {
		for (size_t d = 0; d < 3; d++) {
			for (uint64_t seq = 1; seq <= 1000000; seq *= 37) {
				kvp_request r = request_at(seq);
				kvp_kv_size size;
				kvp_plan p;
				kvp_fit a, b;

				r.batch = 1 + seq % 5;
				r.dtype_k = r.dtype_v = dtypes[d];
				r.mem_util = options.mem_util;
				r.reserve_bytes = options.reserve_bytes;
				plan_ok(&models[i], &r, &p);
				assert_int_equal(kvp_kv_size_compute(&models[i], dtypes[d], seq,
				                                     r.batch, &size, NULL),
				                 KVP_OK);
				assert_int_equal(size.total_bytes, p.cache_total_bytes);
				assert_int_equal(size.bytes_per_token, p.kv_bytes_per_token);
				assert_int_equal(size.bytes_per_layer, p.max_layer_bytes);
				assert_int_equal(kvp_plan_fit(&p, &h100_sxm, &a, NULL), KVP_OK);
				assert_int_equal(kvp_fit_compute(&models[i], &h100_sxm,
				                                 dtypes[d], seq, r.batch,
				                                 &options, &b, NULL),
				                 KVP_OK);
				assert_int_equal(a.kv_total_bytes, b.kv_total_bytes);
				assert_int_equal(a.state_total_bytes, b.state_total_bytes);
				assert_int_equal(a.cache_total_bytes, b.cache_total_bytes);
				assert_int_equal(a.kv_layer_bytes, b.kv_layer_bytes);
				assert_int_equal(a.fits_l2, b.fits_l2);
				assert_int_equal(a.layer_fits_l2, b.layer_fits_l2);
				assert_int_equal(a.max_seq_l2, b.max_seq_l2);
				assert_int_equal(a.max_seq_l2_unbounded, b.max_seq_l2_unbounded);
				assert_int_equal(a.weights_bytes, b.weights_bytes);
				assert_int_equal(a.usable_bytes, b.usable_bytes);
				assert_int_equal(a.fits_hbm, b.fits_hbm);
				assert_int_equal(a.max_seq_hbm, b.max_seq_hbm);
				assert_int_equal(a.max_seq_hbm_unbounded, b.max_seq_hbm_unbounded);
				assert_int_equal(a.max_batch_hbm, b.max_batch_hbm);
				/* usable: 85899345920 * 0.5 = 42949672960 exactly */
				assert_int_equal(a.usable_bytes, 42949672960ULL);
				/* weights: params * 2 (fp16) */
				assert_int_equal(a.weights_bytes, models[i].params * 2);
			}
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_llama2_block_types),
		cmocka_unit_test(test_int8_per_token_head),
		cmocka_unit_test(test_head_dim_v),
		cmocka_unit_test(test_deepseek_v3_latent),
		cmocka_unit_test(test_deepseek_v2_lite_expanded),
		cmocka_unit_test(test_gemma2_9b),
		cmocka_unit_test(test_mistral_7b_bounded),
		cmocka_unit_test(test_gpt_oss_120b_fit),
		cmocka_unit_test(test_chunked),
		cmocka_unit_test(test_recurrent),
		cmocka_unit_test(test_unbounded),
		cmocka_unit_test(test_max_batch),
		cmocka_unit_test(test_wrappers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
