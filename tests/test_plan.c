/*
 * test_plan.c — unit tests of the per-layer size model (lib/plan.c,
 * lib/solve.c, lib/layers.c, lib/fit.c): exact figures for named shapes,
 * each worked out by hand next to its assertion; the errors with their
 * exact messages; and property tests over a few thousand random models
 * checked against a naive per-layer sum done in 128-bit arithmetic.
 *
 * Models are kvp_model literals with their config.json numbers, never
 * loaded from the catalogue.
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

typedef unsigned __int128 u128;

/* ---- helpers ---------------------------------------------------------- */

/* A request with the library's defaults (fp16 K and V, batch 1) at seq. */
static kvp_request request_at(uint64_t seq)
{
	kvp_request r;

	kvp_request_init(&r);
	r.seq = seq;
	return r;
}

/* kvp_plan_compute that must succeed. */
static void plan_ok(const kvp_model *m, const kvp_request *r, kvp_plan *p)
{
	kvp_error err;

	assert_int_equal(kvp_plan_compute(m, r, p, &err), KVP_OK);
	assert_int_equal(err.status, KVP_OK);
}

/* The pattern text parsed into m, which must succeed. */
static void pattern(kvp_model *m, const char *text)
{
	kvp_error err;

	assert_int_equal(kvp_layer_pattern_parse(text, m, &err), KVP_OK);
	assert_int_equal(err.status, KVP_OK);
}

/* ---- models (config.json numbers) ------------------------------------- */

/* meta-llama/Llama-2-7b-hf: 32 layers, 32 heads, 32 kv heads, 4096/32 =
 * 128 head_dim. */
static const kvp_model llama2_7b = {
	.name = "llama2-7b", .layers = 32, .hidden = 4096, .heads = 32,
	.kv_heads = 32, .head_dim = 128,
};

/* deepseek-ai/DeepSeek-V3: 61 layers, 128 heads, kv_lora_rank 512,
 * qk_rope_head_dim 64, qk_nope_head_dim 128, v_head_dim 128 (head_dim
 * 128 + 64 = 192, kv heads 128). */
static const kvp_model deepseek_v3 = {
	.name = "deepseek-v3", .layers = 61, .hidden = 7168, .heads = 128,
	.kv_heads = 128, .head_dim = 192, .kv_lora_rank = 512,
	.qk_rope_dim = 64, .qk_nope_dim = 128, .v_head_dim = 128,
};

/* deepseek-ai/DeepSeek-V2-Lite: 27 layers, 16 heads, the same MLA dims. */
static const kvp_model deepseek_v2_lite = {
	.name = "deepseek-v2-lite", .layers = 27, .hidden = 2048, .heads = 16,
	.kv_heads = 16, .head_dim = 192, .kv_lora_rank = 512,
	.qk_rope_dim = 64, .qk_nope_dim = 128, .v_head_dim = 128,
};

/* google/gemma-2-9b: 42 layers, 16 heads, 8 kv heads, head_dim 256,
 * sliding_window 4096, layers alternating sliding and full (pattern set
 * by the tests). */
static const kvp_model gemma2_9b = {
	.name = "gemma2-9b", .layers = 42, .hidden = 3584, .heads = 16,
	.kv_heads = 8, .head_dim = 256, .sliding_window = 4096,
};

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

/* ---- errors ----------------------------------------------------------- */

#define KINDS "(valid: full, sliding, chunked, mla, recurrent, none)"

static void test_pattern_errors(void **state)
{
	kvp_model m = gemma2_9b;
	kvp_error err;

	(void)state;
	pattern(&m, "sliding,full");
	/* an unknown kind names the entry; the model keeps its pattern */
	assert_int_equal(kvp_layer_pattern_parse("sliding,global", &m, &err),
	                 KVP_ERR_PARSE);
	assert_string_equal(err.message,
	                    "entry 2 'global' is not a layer kind "
	                    KINDS);
	assert_int_equal(m.pattern_len, 2);
	assert_int_equal(m.pattern[0], KVP_LAYER_SLIDING);
	assert_int_equal(m.pattern[1], KVP_LAYER_FULL);
	assert_int_equal(kvp_layer_pattern_parse("full*0", &m, &err), KVP_ERR_PARSE);
	assert_string_equal(err.message,
	                    "entry 1 'full*0' repeats 0 times");
	assert_int_equal(kvp_layer_pattern_parse("full,,sliding", &m, &err),
	                 KVP_ERR_PARSE);
	assert_string_equal(err.message, "entry 2 is empty");
	assert_int_equal(kvp_layer_pattern_parse("full*", &m, &err), KVP_ERR_PARSE);
	assert_string_equal(err.message,
	                    "entry 1 'full*': the repeat after '*'"
	                    " must be a whole number");
	assert_int_equal(kvp_layer_pattern_parse("", &m, &err), KVP_ERR_PARSE);
	assert_string_equal(err.message, "empty; give at least one layer kind");
	/* 255 + 2 = 257 entries, one past KVP_PATTERN_MAX */
	assert_int_equal(kvp_layer_pattern_parse("full*255,sliding*2", &m, &err),
	                 KVP_ERR_RANGE);
	assert_string_equal(err.message, "more than 256 layers");
	assert_int_equal(m.pattern_len, 2);
	/* repeats expand: 255 + 1 = 256 entries exactly is accepted */
	pattern(&m, "full*255,sliding");
	assert_int_equal(m.pattern_len, 256);
	assert_int_equal(m.pattern[255], KVP_LAYER_SLIDING);
}

static void test_shape_errors(void **state)
{
	kvp_request r = request_at(16);
	kvp_model m;
	kvp_error err;

	(void)state;
	/* 3 entries on a 2-layer model */
	m = (kvp_model){.name = "short", .layers = 2, .heads = 4, .kv_heads = 4,
	                .head_dim = 64, .sliding_window = 8};
	pattern(&m, "sliding,full,full");
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_ERR_SHAPE);
	assert_string_equal(err.message,
	                    "short: the layer pattern has 3 entries, more than the"
	                    " 2 layers");
	plan_fails(&m, &r, KVP_ERR_SHAPE,
	           "short: the layer pattern has 3 entries, more than the 2 layers");

	/* sliding layers (21 of gemma2-9b's 42) without a window */
	m = gemma2_9b;
	m.sliding_window = 0;
	pattern(&m, "sliding,full");
	plan_fails(&m, &r, KVP_ERR_SHAPE,
	           "gemma2-9b: 21 sliding layers need a window of at least 1 token"
	           " (sliding_window)");

	/* chunked layers without a chunk */
	m = gemma2_9b;
	pattern(&m, "chunked*3,full");
	/* 42 layers: 10 whole cycles of 4 (30 chunked) + 2 more chunked = 32 */
	plan_fails(&m, &r, KVP_ERR_SHAPE,
	           "gemma2-9b: 32 chunked layers need a chunk of at least 1 token"
	           " (chunk_size)");

	/* an "mla" entry on a model without kv_lora_rank */
	m = llama2_7b;
	pattern(&m, "mla,full");
	plan_fails(&m, &r, KVP_ERR_SHAPE,
	           "llama2-7b: 16 MLA layers need a latent rank (kv_lora_rank)");

	/* a recurrent layer with no state size */
	m = llama2_7b;
	pattern(&m, "recurrent*3,full");
	plan_fails(&m, &r, KVP_ERR_SHAPE,
	           "llama2-7b: 24 recurrent layers have no state size (state_bytes,"
	           " or ssm_inner with ssm_state or ssm_conv_kernel)");

	/* every layer none */
	m = llama2_7b;
	pattern(&m, "none");
	plan_fails(&m, &r, KVP_ERR_SHAPE, "llama2-7b: no layer has a cache");
	/* ... and every layer with 0 kv heads of its own */
	m = llama2_7b;
	m.layer_kv_heads_len = 32;
	plan_fails(&m, &r, KVP_ERR_SHAPE, "llama2-7b: no layer has a cache");
	/* an unnamed model is "model" */
	m = llama2_7b;
	m.name[0] = '\0';
	pattern(&m, "none");
	plan_fails(&m, &r, KVP_ERR_SHAPE, "model: no layer has a cache");
}

static void test_type_errors(void **state)
{
	kvp_request r = request_at(16);
	kvp_model m;

	(void)state;
	/* q8_0 on a head row of 40 values: 40 % 32 != 0 */
	m = (kvp_model){.name = "odd", .layers = 2, .heads = 4, .kv_heads = 2,
	                .head_dim = 40};
	r.dtype_k = KVP_DTYPE_Q8_0;
	plan_fails(&m, &r, KVP_ERR_SHAPE,
	           "odd: a K head row of 40 values (head_dim) is not a whole"
	           " number of q8_0 blocks (32 values each)");
	/* the V row is named by its own field */
	r.dtype_k = KVP_DTYPE_FP16;
	r.dtype_v = KVP_DTYPE_Q4_0;
	m.head_dim = 64;
	m.head_dim_v = 40;
	plan_fails(&m, &r, KVP_ERR_SHAPE,
	           "odd: a V head row of 40 values (head_dim_v) is not a whole"
	           " number of q4_0 blocks (32 values each)");
	/* the MLA latent 512 + 40 = 552 values is not whole q8_0 blocks */
	m = deepseek_v3;
	m.qk_rope_dim = 40;
	r.dtype_k = KVP_DTYPE_Q8_0;
	plan_fails(&m, &r, KVP_ERR_SHAPE,
	           "deepseek-v3: a MLA latent row of 552 values (kv_lora_rank +"
	           " qk_rope_dim) is not a whole number of q8_0 blocks (32 values"
	           " each)");

	/* fp8_ds_mla on a model without MLA */
	r = request_at(16);
	r.dtype_k = KVP_DTYPE_FP8_DS_MLA;
	plan_fails(&llama2_7b, &r, KVP_ERR_INVALID,
	           "llama2-7b: fp8_ds_mla is the format of an MLA latent; a K head"
	           " row cannot use it");
	r.dtype_k = KVP_DTYPE_FP16;
	r.dtype_v = KVP_DTYPE_FP8_DS_MLA;
	plan_fails(&llama2_7b, &r, KVP_ERR_INVALID,
	           "llama2-7b: fp8_ds_mla is the format of an MLA latent; a V head"
	           " row cannot use it");
	/* fp8_ds_mla on a rank that is not whole 128-value tiles */
	m = deepseek_v3;
	m.kv_lora_rank = 320;
	r = request_at(16);
	r.dtype_k = KVP_DTYPE_FP8_DS_MLA;
	plan_fails(&m, &r, KVP_ERR_SHAPE,
	           "deepseek-v3: fp8_ds_mla scales the latent in tiles of 128"
	           " values; kv_lora_rank 320 is not a multiple of 128");

	/* expanded MLA without v_head_dim */
	m = deepseek_v2_lite;
	m.v_head_dim = 0;
	r = request_at(16);
	r.mla = KVP_MLA_EXPANDED;
	plan_fails(&m, &r, KVP_ERR_SHAPE,
	           "deepseek-v2-lite: expanded MLA needs qk_nope_dim or"
	           " qk_rope_dim, and v_head_dim");
	/* ... but the latent does not need it */
	r.mla = KVP_MLA_LATENT;
	{
		kvp_plan p;

		plan_ok(&m, &r, &p);
		/* (512 + 64) * 2 * 27 = 31104 */
		assert_int_equal(p.kv_bytes_per_token, 31104);
	}

	/* the recurrent state as a row format */
	m = (kvp_model){.name = "rec", .layers = 2, .heads = 4, .kv_heads = 4,
	                .head_dim = 64, .ssm_inner = 64, .ssm_state = 16};
	pattern(&m, "recurrent,full");
	r = request_at(16);
	r.state_dtype = KVP_DTYPE_INT8_PTH;
	plan_fails(&m, &r, KVP_ERR_INVALID,
	           "rec: the recurrent state cannot be stored as"
	           " int8_per_token_head");
}

static void test_request_errors(void **state)
{
	kvp_request r = request_at(0);
	kvp_plan p;
	kvp_error err;

	(void)state;
	plan_fails(&llama2_7b, &r, KVP_ERR_INVALID,
	           "sequence length must be at least 1");
	r.seq = 1;
	r.batch = 0;
	plan_fails(&llama2_7b, &r, KVP_ERR_INVALID, "batch must be at least 1");
	r.batch = 1;
	r.dtype_k = (kvp_dtype)KVP_DTYPE_COUNT;
	plan_fails(&llama2_7b, &r, KVP_ERR_INVALID,
	           "invalid element type in the request");
	r.dtype_k = KVP_DTYPE_FP16;
	r.mla = (kvp_mla_mode)2;
	plan_fails(&llama2_7b, &r, KVP_ERR_INVALID, "invalid MLA mode 2");
	assert_int_equal(kvp_plan_compute(NULL, &r, &p, &err), KVP_ERR_INVALID);
	assert_string_equal(err.message, "no model, request or plan given");
}

/* An overflow names the model, seq and batch.  llama2-7b fp16, 524288 =
 * 2^19 B a token: 2^45 tokens * 2^19 = 2^64, one past UINT64_MAX; 2^45 -
 * 1 tokens fit: 2^64 - 2^19 = 18446744073709027328. */
static void test_overflow(void **state)
{
	kvp_request r = request_at(1ULL << 45);
	kvp_plan p;
	kvp_error err;
	uint64_t bytes;

	(void)state;
	plan_fails(&llama2_7b, &r, KVP_ERR_OVERFLOW,
	           "KV cache of llama2-7b for seq 35184372088832 and batch 1"
	           " overflows 64-bit bytes");
	r.seq = (1ULL << 45) - 1;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.cache_total_bytes, 18446744073709027328ULL);
	assert_int_equal(kvp_plan_bytes_at(&p, 1ULL << 45, 1, &bytes, &err),
	                 KVP_ERR_OVERFLOW);
	assert_string_equal(err.message,
	                    "KV cache of llama2-7b for seq 35184372088832 and batch"
	                    " 1 overflows 64-bit bytes");
	assert_int_equal(kvp_plan_bytes_at(&p, 1, 1ULL << 45, &bytes, &err),
	                 KVP_ERR_OVERFLOW);
}

/* ---- bugs found while writing these tests ------------------------------ */

/* A recurrent layer with no conv state (ssm_conv_kernel 1: d_conv - 1 =
 * 0 rows) and ssm_groups = ssm_state = 2^32 - 1, ssm_inner 1: the state is
 * ssm_state * ssm_inner = 4294967295 values * 4 B = 17179869180 B, which
 * fits 64 bits.  The conv term, which does not exist here, would be
 * 2 * (2^32 - 1)^2 values, past 64 bits: it must not count. */
static void test_recurrent_no_conv_huge_groups(void **state)
{
	kvp_model m = {
		.name = "no-conv", .layers = 2, .heads = 1, .kv_heads = 1,
		.head_dim = 32, .ssm_conv_kernel = 1, .ssm_inner = 1,
		.ssm_state = UINT32_MAX, .ssm_groups = UINT32_MAX,
	};
	kvp_request r = request_at(1);
	kvp_plan p;
	kvp_error err;

	(void)state;
	pattern(&m, "recurrent,full");
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.groups[0].state_bytes_per_seq, 17179869180ULL);
	/* + the full layer's 2 * 32 * 2 = 128 B for its one token */
	assert_int_equal(p.cache_total_bytes, 17179869180ULL + 128);
}

/* fp8_ds_mla with kv_lora_rank 4294967168 (2^32 - 128, a multiple of
 * 128) and qk_rope_dim 64: rank + rank / 128 * 4 + rope * 2 =
 * 4294967168 + 33554431 * 4 + 128 = 4294967168 + 134217724 + 128 =
 * 4429185020 B per token and layer, past 32 bits but far inside 64. */
static void test_fp8_ds_mla_huge_rank(void **state)
{
	kvp_model m = {
		.name = "huge-rank", .layers = 1, .heads = 1, .kv_heads = 1,
		.head_dim = 32, .kv_lora_rank = 4294967168U, .qk_rope_dim = 64,
	};
	kvp_request r = request_at(1);
	kvp_plan p;
	kvp_error err;

	(void)state;
	r.dtype_k = KVP_DTYPE_FP8_DS_MLA;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.groups[0].latent_bytes_per_token, 4429185020ULL);
	assert_int_equal(p.cache_total_bytes, 4429185020ULL);
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

/* ---- property tests ------------------------------------------------------ */

static uint64_t rng = 0x2545F4914F6CDD1DULL;

/* xorshift64 (Marsaglia), from a fixed seed: the same cases every run. */
static uint64_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Uniform enough in [lo, hi]. */
static uint64_t rnd_in(uint64_t lo, uint64_t hi)
{
	uint64_t span = hi - lo + 1;

	return span == 0 ? rnd() : lo + rnd() % span;
}

/* A value spread over magnitudes: a random bit length, then its bits. */
static uint64_t rnd_log(uint64_t lo, uint64_t hi)
{
	uint64_t v = rnd() >> (rnd() % 64);

	if (v < lo || v > hi)
		v = rnd_in(lo, hi);
	return v;
}

/* The test's own table of element sizes (ggml-common.h, vLLM): values per
 * block, bytes per block; per-token-head rows add 4 B. */
static const struct {
	kvp_dtype dtype;
	uint32_t values, bytes;
	bool row_scale;
} sizes[] = {
	{KVP_DTYPE_FP32, 1, 4, false},  {KVP_DTYPE_FP16, 1, 2, false},
	{KVP_DTYPE_BF16, 1, 2, false},  {KVP_DTYPE_FP8, 1, 1, false},
	{KVP_DTYPE_INT8, 1, 1, false},  {KVP_DTYPE_Q8_0, 32, 34, false},
	{KVP_DTYPE_Q5_1, 32, 24, false}, {KVP_DTYPE_Q5_0, 32, 22, false},
	{KVP_DTYPE_Q4_1, 32, 20, false}, {KVP_DTYPE_Q4_0, 32, 18, false},
	{KVP_DTYPE_IQ4_NL, 32, 18, false}, {KVP_DTYPE_INT8_PTH, 1, 1, true},
	{KVP_DTYPE_FP8_PTH, 1, 1, true},
};
#define N_SIZES (sizeof sizes / sizeof sizes[0])
#define N_FLAT 11 /* the first 11 are element types */

static size_t size_index(kvp_dtype d)
{
	for (size_t i = 0; i < N_SIZES; i++)
		if (sizes[i].dtype == d)
			return i;
	fail_msg("no size for dtype %d", (int)d);
	return 0;
}

/* A row of n values (a whole number of blocks). */
static u128 naive_row(kvp_dtype d, uint64_t n)
{
	size_t i = size_index(d);

	if (sizes[i].row_scale)
		return (u128)n + 4;
	return (u128)(n / sizes[i].values) * sizes[i].bytes;
}

/* n loose values: ceil(n / block) blocks. */
static u128 naive_values(kvp_dtype d, u128 n)
{
	size_t i = size_index(d);

	return (n + sizes[i].values - 1) / sizes[i].values * sizes[i].bytes;
}

#define SAT ((u128)1 << 120)

/* a * b saturating at SAT (well past 2^64, far from 2^128). */
static u128 smul(u128 a, u128 b)
{
	if (a == 0 || b == 0)
		return 0;
	if (a >= SAT || b >= SAT || a > SAT / b)
		return SAT;
	return a * b;
}

static u128 sadd(u128 a, u128 b)
{
	return a >= SAT || b >= SAT || a + b >= SAT ? SAT : a + b;
}

/* One layer as the test plans it, from kvp_model_layer_kind and the
 * model's numbers only. */
struct naive_layer {
	kvp_layer_kind kind; /* as planned: no_window makes windows full */
	uint32_t kv;         /* as grouped */
	u128 window;         /* 0: none */
	u128 per_token;      /* K + V + latent, one token */
	u128 k, v, latent;   /* per token */
	u128 state;          /* per sequence */
};

static struct naive_layer naive_layer(const kvp_model *m, const kvp_request *r,
                                      uint32_t i)
{
	struct naive_layer l = {0};
	uint32_t hd = m->head_dim ? m->head_dim : m->hidden / m->heads;
	uint32_t hdv = m->head_dim_v ? m->head_dim_v : hd;

	l.kind = kvp_model_layer_kind(m, i);
	if (l.kind == KVP_LAYER_SLIDING && !r->no_window)
		l.window = m->sliding_window;
	if (l.kind == KVP_LAYER_CHUNKED && !r->no_window)
		l.window = m->chunk_size;
	if (r->no_window && (l.kind == KVP_LAYER_SLIDING || l.kind == KVP_LAYER_CHUNKED))
		l.kind = KVP_LAYER_FULL;
	switch (l.kind) {
	case KVP_LAYER_FULL:
	case KVP_LAYER_SLIDING:
	case KVP_LAYER_CHUNKED:
		l.kv = kvp_model_layer_kv_heads(m, i);
		l.k = (u128)l.kv * naive_row(r->dtype_k, hd);
		l.v = (u128)l.kv * naive_row(r->dtype_v, hdv);
		break;
	case KVP_LAYER_MLA:
		if (r->mla == KVP_MLA_EXPANDED) {
			l.kv = m->heads;
			l.k = (u128)m->heads *
			      naive_row(r->dtype_k, (uint64_t)m->qk_nope_dim + m->qk_rope_dim);
			l.v = (u128)m->heads * naive_row(r->dtype_v, m->v_head_dim);
		} else if (r->dtype_k == KVP_DTYPE_FP8_DS_MLA) {
			/* rank fp8, an fp32 per 128 of them, rope in bf16 */
			l.latent = (u128)m->kv_lora_rank + m->kv_lora_rank / 128 * 4 +
			           (u128)m->qk_rope_dim * 2;
		} else {
			l.latent = naive_row(r->dtype_k,
			                     (uint64_t)m->kv_lora_rank + m->qk_rope_dim);
		}
		break;
	case KVP_LAYER_RECURRENT:
		if (m->state_bytes) {
			l.state = m->state_bytes;
		} else {
			/* (d_conv - 1)(d_inner + 2 n_group d_state) + d_state d_inner */
			u128 conv = m->ssm_conv_kernel > 1
			            ? (u128)(m->ssm_conv_kernel - 1) *
			              ((u128)m->ssm_inner +
			               2 * (u128)m->ssm_groups * m->ssm_state)
			            : 0;

			l.state = naive_values(r->state_dtype,
			                       conv + (u128)m->ssm_state * m->ssm_inner);
		}
		break;
	case KVP_LAYER_NONE:
		break;
	}
	l.per_token = l.k + l.v + l.latent;
	return l;
}

static u128 min128(u128 a, u128 b)
{
	return a < b ? a : b;
}

/* Tokens a layer holds at seq. */
static u128 naive_tokens(const struct naive_layer *l, u128 seq)
{
	if (l->per_token == 0)
		return 0;
	return l->window ? min128(seq, l->window) : seq;
}

/* The whole cache, every layer one by one (saturating at SAT). */
static u128 naive_total(const kvp_model *m, const kvp_request *r, u128 seq,
                        u128 batch)
{
	u128 total = 0;

	for (uint32_t i = 0; i < m->layers; i++) {
		struct naive_layer l = naive_layer(m, r, i);

		total = sadd(total, smul(smul(naive_tokens(&l, seq), l.per_token), batch));
		total = sadd(total, smul(l.state, batch));
	}
	return total;
}

static const char *u128_str(u128 v, char *buf)
{
	char tmp[48];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + (int)(v % 10));
		v /= 10;
	} while (v);
	for (int i = 0; i < n; i++)
		buf[i] = tmp[n - 1 - i];
	buf[n] = '\0';
	return buf;
}

static int current_case;

#define CHECK_EQ(got, want)                                                     \
	do {                                                                        \
		u128 g_ = (got), w_ = (want);                                           \
		char gb_[48], wb_[48];                                                  \
		if (g_ != w_)                                                           \
			fail_msg("case %d: %s = %s, expected %s = %s", current_case, #got,  \
			         u128_str(g_, gb_), #want, u128_str(w_, wb_));              \
	} while (0)
#define CHECK(cond)                                                             \
	do {                                                                        \
		if (!(cond))                                                            \
			fail_msg("case %d: %s does not hold", current_case, #cond);         \
	} while (0)

static bool is_block(kvp_dtype d)
{
	return d != KVP_DTYPE_FP8_DS_MLA && sizes[size_index(d)].values > 1;
}

/* A divisor of n (n <= 5040 or a 32-bit value: tried among the first
 * few thousand candidates, 1 always divides). */
static uint32_t random_divisor(uint32_t n)
{
	uint32_t d[64], count = 0;

	for (uint32_t c = 1; c <= n && c <= 5040 && count < 64; c++)
		if (n % c == 0)
			d[count++] = c;
	return d[rnd() % count];
}

/* A random model and request, valid by construction: windows, ranks and
 * state sizes present where their layers are, rows whole blocks. */
static void random_case(kvp_model *m, kvp_request *r)
{
	bool huge = rnd() % 6 == 0, mla, pure_mla, blocky;
	uint32_t mult, plen;

	memset(m, 0, sizeof *m);
	snprintf(m->name, sizeof m->name, "random-%d", current_case);
	kvp_request_init(r);
	m->layers = (uint32_t)rnd_in(1, 200);
	r->dtype_k = sizes[rnd() % N_SIZES].dtype;
	r->dtype_v = sizes[rnd() % N_SIZES].dtype;
	r->state_dtype = sizes[rnd() % N_FLAT].dtype;
	blocky = is_block(r->dtype_k) || is_block(r->dtype_v);
	mult = blocky ? 32 : 1;

	if (huge) {
		m->kv_heads = (uint32_t)rnd_log(1, UINT32_MAX);
		m->heads = m->kv_heads * (uint32_t)rnd_log(1, UINT32_MAX / m->kv_heads);
		m->head_dim = (uint32_t)(rnd_log(mult, UINT32_MAX) / mult * mult);
	} else if (rnd() % 8 == 0) {
		/* heads with many divisors: many groups of kv heads */
		static const uint32_t many[] = {120, 240, 360, 720, 5040};

		m->heads = many[rnd() % 5];
		m->kv_heads = random_divisor(m->heads);
		m->head_dim = (uint32_t)(rnd_in(1, 512 / mult) * mult);
	} else {
		m->kv_heads = (uint32_t)rnd_in(1, 16);
		m->heads = m->kv_heads * (uint32_t)rnd_in(1, 8);
		m->head_dim = (uint32_t)(rnd_in(1, 512 / mult) * mult);
	}
	if (rnd() % 2)
		m->head_dim_v = (uint32_t)(rnd_in(1, 512 / mult) * mult);
	if (rnd() % 10 == 0 && (uint64_t)m->heads * m->head_dim <= UINT32_MAX) {
		/* head_dim derived from hidden */
		m->hidden = m->heads * m->head_dim;
		m->head_dim = 0;
	}
	m->sliding_window = huge && rnd() % 2 ? rnd_log(1, UINT64_MAX) : rnd_in(1, 10000);
	m->chunk_size = huge && rnd() % 2 ? rnd_log(1, UINT64_MAX) : rnd_in(1, 10000);

	mla = rnd() % 4 == 0;
	if (mla) {
		r->mla = rnd() % 2 ? KVP_MLA_EXPANDED : KVP_MLA_LATENT;
		m->kv_lora_rank = (uint32_t)(rnd_in(1, 32) * (rnd() % 2 ? 128 : 32));
		m->qk_rope_dim = (uint32_t)(rnd_in(1, 8) * mult);
		m->qk_nope_dim = (uint32_t)(rnd_in(0, 8) * mult);
		m->v_head_dim = (uint32_t)(rnd_in(1, 8) * mult);
		if (huge)
			m->kv_lora_rank = (uint32_t)(rnd_log(128, UINT32_MAX) / 128 * 128);
	}

	/* The pattern: none, a short cycle, or one entry per layer; a third
	 * of the MLA models have no other attention (fp8_ds_mla can apply). */
	pure_mla = mla && rnd() % 3 == 0;
	plen = rnd() % 10 == 0 ? 0 : rnd() % 5 == 0 ? m->layers
	       : (uint32_t)rnd_in(1, m->layers < 12 ? m->layers : 12);
	for (uint32_t i = 0; i < plen; i++) {
		uint32_t k = (uint32_t)(rnd() % 12);
		kvp_layer_kind kind = k < 3 ? KVP_LAYER_FULL : k < 6 ? KVP_LAYER_SLIDING
		                      : k < 8 ? KVP_LAYER_CHUNKED : k < 9 ? KVP_LAYER_MLA
		                      : k < 11 ? KVP_LAYER_RECURRENT : KVP_LAYER_NONE;

		if (kind == KVP_LAYER_MLA && !mla)
			kind = KVP_LAYER_FULL;
		if (pure_mla && (kind == KVP_LAYER_SLIDING || kind == KVP_LAYER_CHUNKED))
			kind = KVP_LAYER_MLA;
		m->pattern[i] = (uint8_t)kind;
	}
	m->pattern_len = plen;

	/* Recurrent state: bytes given, or the ssm_ numbers. */
	if (rnd() % 2) {
		m->state_bytes = huge ? rnd_log(1, UINT64_MAX) : rnd_in(1, 10000000);
	} else {
		m->ssm_conv_kernel = (uint32_t)rnd_in(0, 5);
		m->ssm_inner = (uint32_t)(huge && rnd() % 2 ? rnd_log(1, UINT32_MAX)
		                                            : rnd_in(1, 8192));
		m->ssm_state = (uint32_t)(huge && rnd() % 2 ? rnd_log(1, UINT32_MAX)
		                                            : rnd_in(1, 256));
		m->ssm_groups = (uint32_t)(huge && rnd() % 2 ? rnd_log(0, UINT32_MAX)
		                                             : rnd_in(0, 32));
	}

	/* Per-layer kv heads: 0 (no cache), 1, the model's, all the heads. */
	if (rnd() % 5 == 0) {
		m->layer_kv_heads_len = m->layers;
		for (uint32_t i = 0; i < m->layers; i++) {
			uint32_t c = (uint32_t)(rnd() % 6);

			m->layer_kv_heads[i] = c == 0 ? 0 : c == 2 ? m->heads
			                       : c == 3 ? m->kv_heads
			                       : random_divisor(m->heads);
		}
	}
	r->no_window = rnd() % 6 == 0;

	/* fp8_ds_mla for K where every K is an MLA latent of whole tiles;
	 * any V type (fp8_ds_mla too) where nothing stores V. */
	if (mla && r->mla == KVP_MLA_LATENT && rnd() % 2 == 0 &&
	    m->kv_lora_rank % 128 == 0) {
		bool rows = false;

		for (uint32_t i = 0; i < m->layers; i++) {
			kvp_layer_kind kind = kvp_model_layer_kind(m, i);

			rows |= kind == KVP_LAYER_FULL || kind == KVP_LAYER_SLIDING ||
			        kind == KVP_LAYER_CHUNKED;
		}
		if (!rows) {
			r->dtype_k = KVP_DTYPE_FP8_DS_MLA;
			if (rnd() % 2)
				r->dtype_v = KVP_DTYPE_FP8_DS_MLA;
		}
	}

	if (huge) {
		r->seq = rnd_log(1, UINT64_MAX);
		r->batch = rnd_log(1, UINT64_MAX);
	} else {
		r->seq = rnd_in(1, rnd() % 2 ? 100000 : 20000000);
		r->batch = rnd_in(1, 64);
	}
	r->weights_dtype = sizes[rnd() % N_FLAT].dtype;
	m->params = rnd() % 50 == 0 ? rnd() : rnd_in(0, 1000000000000ULL);
	{
		/* exact binary fractions k/8: floor(hbm * k / 8) is exact */
		static const double utils[] = {0.125, 0.25, 0.5, 0.75, 0.875, 1.0};

		r->mem_util = utils[rnd() % 6];
	}
	r->reserve_bytes = rnd() % 3 ? 0 : rnd_log(0, UINT64_MAX);
}

static u128 naive_seq_batch(const kvp_model *m, const kvp_request *r, u128 seq,
                            u128 batch)
{
	return naive_total(m, r, seq, batch);
}

/* (2): the longest context that fits budget, batch sequences. */
static void check_max_seq(const kvp_model *m, const kvp_request *r,
                          const kvp_plan *p, uint64_t budget, uint64_t batch,
                          u128 plateau, bool bounded)
{
	uint64_t seq = 12345;
	bool unbounded = false;
	kvp_error err;

	CHECK_EQ(kvp_plan_max_seq(p, budget, batch, &seq, &unbounded, &err), KVP_OK);
	if (bounded && naive_seq_batch(m, r, plateau, batch) <= budget) {
		CHECK(unbounded);
		CHECK_EQ(seq, UINT64_MAX);
		CHECK(naive_seq_batch(m, r, UINT64_MAX, batch) <= budget);
		return;
	}
	CHECK(!unbounded);
	if (seq > 0)
		CHECK(naive_seq_batch(m, r, seq, batch) <= budget);
	CHECK(naive_seq_batch(m, r, (u128)seq + 1, batch) > budget);
}

/* (3): the largest batch at seq. */
static void check_max_batch(const kvp_model *m, const kvp_request *r,
                            const kvp_plan *p, uint64_t budget, uint64_t seq)
{
	uint64_t batch = 12345;
	u128 f = naive_seq_batch(m, r, seq, 1);
	kvp_error err;

	CHECK_EQ(kvp_plan_max_batch(p, budget, seq, &batch, &err), KVP_OK);
	CHECK(smul(batch, f) <= budget);
	CHECK(smul((u128)batch + 1, f) > budget);
}

/* A budget near the cache at some seq, or anywhere. */
static uint64_t random_budget(const kvp_model *m, const kvp_request *r,
                              uint64_t batch)
{
	u128 b;

	switch (rnd() % 4) {
	case 0:
		return rnd_log(0, UINT64_MAX);
	case 1:
		b = naive_seq_batch(m, r, rnd_log(0, UINT64_MAX), batch);
		break;
	case 2:
		b = naive_seq_batch(m, r, rnd_in(0, 20000), batch);
		break;
	default:
		b = naive_seq_batch(m, r, r->seq, batch);
		break;
	}
	b = b + (rnd() % 3) - 1; /* one below, at, one above */
	if (b > UINT64_MAX)
		b = UINT64_MAX;
	return (uint64_t)b;
}

static void test_property(void **state)
{
	int ok = 0, overflow = 0, shape = 0, range = 0, unbounded_seen = 0;
	int seen[KVP_LAYER_KIND_COUNT] = {0}, expanded = 0, ds_mla = 0, block = 0,
	    pth = 0, no_window = 0, per_layer = 0;

	(void)state;
	for (current_case = 0; current_case < 3000; current_case++) {
		kvp_model m;
		kvp_request r;
		kvp_plan p;
		kvp_error err;
		u128 total = 0, kv_total = 0, state_total = 0, per_token = 0, max_layer = 0;
		u128 plateau = 0;
		bool caches = false, bounded = true;
		uint32_t kinds[KVP_PATTERN_MAX], kvs[KVP_PATTERN_MAX], groups = 0;
		kvp_status want, got;
		uint64_t budget, batch, bytes;

		random_case(&m, &r);
		for (uint32_t i = 0; i < m.layers; i++) {
			struct naive_layer l = naive_layer(&m, &r, i);
			u128 tb = smul(naive_tokens(&l, r.seq), r.batch);
			u128 layer_kv = smul(tb, l.per_token);
			u128 layer_state = smul(l.state, r.batch);
			uint32_t g;

			caches |= l.kind != KVP_LAYER_NONE;
			total = sadd(total, sadd(layer_kv, layer_state));
			kv_total = sadd(kv_total, layer_kv);
			state_total = sadd(state_total, layer_state);
			per_token = sadd(per_token, l.per_token);
			if (sadd(layer_kv, layer_state) > max_layer)
				max_layer = sadd(layer_kv, layer_state);
			if (l.per_token > 0) {
				if (l.window == 0)
					bounded = false;
				else if (l.window > plateau)
					plateau = l.window;
			}
			for (g = 0; g < groups; g++)
				if (kinds[g] == l.kind && kvs[g] == l.kv)
					break;
			if (g == groups && groups < KVP_PATTERN_MAX) {
				kinds[groups] = l.kind;
				kvs[groups++] = l.kv;
			}
		}
		if (!bounded)
			plateau = 0;
		want = !caches ? KVP_ERR_SHAPE
		       : groups > KVP_GROUPS_MAX ? KVP_ERR_RANGE
		       : total > UINT64_MAX ? KVP_ERR_OVERFLOW : KVP_OK;
		got = kvp_plan_compute(&m, &r, &p, &err);
		if (got != want)
			fail_msg("case %d: kvp_plan_compute gave %d (%s), expected %d",
			         current_case, (int)got, err.message, (int)want);
		if (want == KVP_ERR_SHAPE) {
			shape++;
			continue;
		}
		if (want == KVP_ERR_RANGE) {
			range++;
			continue;
		}
		if (want == KVP_ERR_OVERFLOW) {
			char msg[KVP_ERROR_MESSAGE_MAX];

			snprintf(msg, sizeof msg,
			         "KV cache of %s for seq %llu and batch %llu overflows"
			         " 64-bit bytes", m.name, (unsigned long long)r.seq,
			         (unsigned long long)r.batch);
			assert_string_equal(err.message, msg);
			overflow++;
			continue;
		}
		ok++;
		for (int k = 0; k < KVP_LAYER_KIND_COUNT; k++)
			seen[k] += kvp_model_count_layers(&m, (kvp_layer_kind)k) > 0;
		expanded += r.mla == KVP_MLA_EXPANDED &&
		            kvp_model_count_layers(&m, KVP_LAYER_MLA) > 0;
		ds_mla += r.dtype_k == KVP_DTYPE_FP8_DS_MLA;
		block += is_block(r.dtype_k) || is_block(r.dtype_v);
		pth += r.dtype_k == KVP_DTYPE_INT8_PTH || r.dtype_v == KVP_DTYPE_INT8_PTH;
		no_window += r.no_window;
		per_layer += m.layer_kv_heads_len > 0;
		/* (1) the totals, against every layer summed one by one */
		CHECK_EQ(p.cache_total_bytes, total);
		CHECK_EQ(p.kv_total_bytes, kv_total);
		CHECK_EQ(p.state_total_bytes, state_total);
		CHECK_EQ(p.kv_bytes_per_token, per_token);
		CHECK_EQ(p.max_layer_bytes, max_layer);
		CHECK_EQ(p.bounded, bounded);
		CHECK_EQ(p.plateau_seq, plateau);
		CHECK_EQ(p.layers, m.layers);
		CHECK_EQ(kvp_plan_bytes_at(&p, r.seq, r.batch, &bytes, NULL), KVP_OK);
		CHECK_EQ(bytes, total);
		{
			/* every layer is in a group of its kind and kv heads; the
			 * groups' layers add up, each sized as its layers are */
			uint32_t count[KVP_GROUPS_MAX] = {0};
			u128 sum = 0;

			CHECK_EQ(p.group_count, groups);
			for (uint32_t i = 0; i < m.layers; i++) {
				struct naive_layer l = naive_layer(&m, &r, i);
				uint32_t g = kvp_plan_layer_group(&p, i);

				CHECK(g < p.group_count);
				if (count[g]++ == 0)
					CHECK_EQ(p.groups[g].first_layer, i);
				CHECK_EQ(p.groups[g].kind, l.kind);
				CHECK_EQ(p.groups[g].kv_heads, l.kv);
				CHECK_EQ(p.groups[g].bytes_per_token, l.per_token);
				CHECK_EQ(p.groups[g].k_bytes_per_token, l.k);
				CHECK_EQ(p.groups[g].v_bytes_per_token, l.v);
				CHECK_EQ(p.groups[g].latent_bytes_per_token, l.latent);
				CHECK_EQ(p.groups[g].state_bytes_per_seq, l.state);
				CHECK_EQ(p.groups[g].window, l.window);
				CHECK_EQ(p.groups[g].tokens, naive_tokens(&l, r.seq));
			}
			CHECK_EQ(kvp_plan_layer_group(&p, m.layers), UINT32_MAX);
			for (uint32_t g = 0; g < p.group_count; g++) {
				CHECK_EQ(p.groups[g].layers, count[g]);
				sum += p.groups[g].bytes;
			}
			CHECK_EQ(sum, total);
		}

		/* (2) the longest context, (3) the largest batch */
		for (int k = 0; k < 4; k++) {
			batch = rnd() % 4 ? rnd_in(1, 64) : rnd_log(1, UINT64_MAX);
			budget = random_budget(&m, &r, batch);
			check_max_seq(&m, &r, &p, budget, batch, plateau, bounded);
			if (bounded && naive_seq_batch(&m, &r, plateau, batch) <= budget)
				unbounded_seen++;
			check_max_batch(&m, &r, &p, budget,
			                rnd() % 2 ? r.seq : rnd_log(1, UINT64_MAX));
		}

		/* (4) the fit, on budget usable - weights - reserve */
		{
			kvp_device dev = {
				.name = "random-device",
				.hbm_bytes = rnd_log(1, UINT64_MAX),
				.l2_bytes = rnd_log(1, UINT64_MAX),
			};
			kvp_fit fit;
			u128 usable = (u128)dev.hbm_bytes * (uint64_t)(r.mem_util * 8) / 8;
			u128 weights = naive_values(r.weights_dtype, m.params);
			u128 need = weights + r.reserve_bytes;
			uint64_t hbm_budget = need <= usable ? (uint64_t)(usable - need) : 0;
			uint64_t want_seq, want_batch;
			bool want_unb;

			got = kvp_plan_fit(&p, &dev, &fit, &err);
			if (weights > UINT64_MAX) {
				CHECK_EQ(got, KVP_ERR_OVERFLOW);
				continue;
			}
			CHECK_EQ(got, KVP_OK);
			CHECK_EQ(fit.weights_bytes, weights);
			CHECK_EQ(fit.usable_bytes, usable);
			CHECK_EQ(fit.cache_total_bytes, total);
			CHECK_EQ(fit.kv_total_bytes, kv_total);
			CHECK_EQ(fit.state_total_bytes, state_total);
			CHECK_EQ(fit.kv_layer_bytes, max_layer);
			CHECK_EQ(fit.fits_l2, total <= dev.l2_bytes);
			CHECK_EQ(fit.layer_fits_l2, max_layer <= dev.l2_bytes);
			CHECK_EQ(fit.fits_hbm, need <= usable && total <= hbm_budget);
			CHECK_EQ(kvp_plan_max_seq(&p, dev.l2_bytes, r.batch, &want_seq,
			                          &want_unb, NULL),
			         KVP_OK);
			CHECK_EQ(fit.max_seq_l2, want_seq);
			CHECK_EQ(fit.max_seq_l2_unbounded, want_unb);
			CHECK_EQ(kvp_plan_max_seq(&p, hbm_budget, r.batch, &want_seq,
			                          &want_unb, NULL),
			         KVP_OK);
			CHECK_EQ(fit.max_seq_hbm, want_seq);
			CHECK_EQ(fit.max_seq_hbm_unbounded, want_unb);
			CHECK_EQ(kvp_plan_max_batch(&p, hbm_budget, r.seq, &want_batch, NULL),
			         KVP_OK);
			CHECK_EQ(fit.max_batch_hbm, want_batch);
			check_max_seq(&m, &r, &p, hbm_budget, r.batch, plateau, bounded);
			check_max_batch(&m, &r, &p, hbm_budget, r.seq);
		}
	}
	print_message("# %d planned, %d overflow, %d no cache, %d too many groups;"
	              " %d unbounded max_seq\n", ok, overflow, shape, range,
	              unbounded_seen);
	print_message("# models with: full %d, sliding %d, chunked %d, mla %d"
	              " (expanded %d, fp8_ds_mla %d), recurrent %d, none %d; block"
	              " types %d, int8_per_token_head %d, no_window %d, per-layer"
	              " kv heads %d\n", seen[KVP_LAYER_FULL], seen[KVP_LAYER_SLIDING],
	              seen[KVP_LAYER_CHUNKED], seen[KVP_LAYER_MLA], expanded, ds_mla,
	              seen[KVP_LAYER_RECURRENT], seen[KVP_LAYER_NONE], block, pth,
	              no_window, per_layer);
	/* the generator reaches every outcome it is meant to */
	assert_true(ok >= 2000);
	for (int k = 0; k < KVP_LAYER_KIND_COUNT; k++)
		assert_true(seen[k] >= 100);
	assert_true(expanded >= 50 && ds_mla >= 20 && block >= 500 && pth >= 200);
	/* More kinds of layer than KVP_GROUPS_MAX (128) are past what the
	 * generator makes since the limit grew for PyramidKV; test_policy
	 * reaches KVP_ERR_RANGE. */
	assert_true(shape >= 5);
	assert_true(overflow >= 50);
	assert_true(unbounded_seen >= 50);
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
		cmocka_unit_test(test_pattern_errors),
		cmocka_unit_test(test_shape_errors),
		cmocka_unit_test(test_type_errors),
		cmocka_unit_test(test_request_errors),
		cmocka_unit_test(test_overflow),
		cmocka_unit_test(test_recurrent_no_conv_huge_groups),
		cmocka_unit_test(test_fp8_ds_mla_huge_rank),
		cmocka_unit_test(test_wrappers),
		cmocka_unit_test(test_property),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
