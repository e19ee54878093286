/*
 * test_attn_weights.c — what a GPU holds of the attention's weights past
 * its even share: K and V heads replicated where the kv heads are fewer
 * than tp (vLLM's and SGLang's QKVParallelLinear, TensorRT-LLM's
 * Attention); and SGLang's data-parallel attention (`--tp T --dp D
 * --enable-dp-attention`, kvp_request attention_dp): T GPUs whose
 * attention runs in D groups of T / D (layers/dp_attention.py
 * compute_dp_attention_world_info), so the cache holds the kv heads of
 * tp T / D; the attention's projections lie over T / D, the embedding is
 * whole, MLA's down-projections and the routers whole as ever, and the
 * rest over T (models/deepseek_v2.py, qwen3_moe.py, llama.py); each MLA
 * layer's kv_b_proj gets bf16 copies w_kc and w_vc beside it
 * (deepseek_v2.py post_load_weights).  Shapes from config.json
 * (tests/configs/deepseek-v3, llama3-70b); every figure is worked by hand
 * in its comment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"

/* DeepSeek-V3 in fp16: 61 MLA layers of hidden 7,168, 128 heads (nope
 * 128, rope 64, v 128), q_lora_rank 1,536, kv_lora_rank 512; the first
 * three dense, then 256 routed experts of 2,048; vocab 129,280, untied;
 * 671,000,000,000 parameters. */
static kvp_model deepseek(void)
{
	kvp_model m;
	kvp_error err;

	memset(&m, 0, sizeof m);
	strcpy(m.name, "deepseek");
	m.layers = 61;
	m.hidden = 7168;
	m.heads = 128;
	m.kv_heads = 128;
	m.head_dim = 192;
	m.vocab = 129280;
	m.params = 671000000000ull;
	m.kv_lora_rank = 512;
	m.q_lora_rank = 1536;
	m.qk_rope_dim = 64;
	m.qk_nope_dim = 128;
	m.v_head_dim = 128;
	m.moe_experts = 256;
	m.moe_routed_experts = 256;
	m.moe_intermediate = 2048;
	m.moe_shared_intermediate = 2048;
	m.moe_dense_layers = 3;
	m.dense_intermediate = 18432;
	if (kvp_model_finalize(&m, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return m;
}

/* Llama 3 70B: 80 layers of hidden 8,192, 64 query heads and 8 kv heads
 * of 128; vocab 128,256, untied; 70,553,706,496 parameters. */
static kvp_model llama70(void)
{
	kvp_model m;
	kvp_error err;

	memset(&m, 0, sizeof m);
	strcpy(m.name, "llama");
	m.layers = 80;
	m.hidden = 8192;
	m.heads = 64;
	m.kv_heads = 8;
	m.head_dim = 128;
	m.vocab = 128256;
	m.intermediate = 28672;
	m.params = 70553706496ull;
	if (kvp_model_finalize(&m, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return m;
}

static void request(kvp_request *r, kvp_engine engine, uint32_t tp, uint32_t dp)
{
	kvp_request_init(r);
	r->engine = engine;
	r->seq = 8192;
	r->tp = tp;
	r->dp = dp;
	r->attention_dp = true;
	r->mem_util = 0.9; /* a share given: SGLang's own is tested apart */
}

static kvp_device h200(void)
{
	kvp_device d;

	memset(&d, 0, sizeof d);
	strcpy(d.name, "h200");
	d.hbm_bytes = 141ull << 30;
	d.l2_bytes = 50ull << 20;
	return d;
}

static void plan_fit(const kvp_model *m, const kvp_request *r, kvp_plan *p, kvp_fit *f)
{
	kvp_device d = h200();
	kvp_error err;

	if (kvp_plan_compute(m, r, p, &err) != KVP_OK)
		fail_msg("%s", err.message);
	if (kvp_plan_fit(p, &d, f, &err) != KVP_OK)
		fail_msg("%s", err.message);
}

/* DeepSeek-V3 at tp 8, dp 8: attention tp 1.
 *   attention, a layer: q_b 1,536 x 128 x 192 = 37,748,736, kv_b 512 x
 *   128 x 256 = 16,777,216, o 128 x 128 x 7,168 = 117,440,512: 171,966,464;
 *   61 layers 10,489,954,304 parameters, 20,979,908,608 B, all on a GPU;
 *   w_kc and w_vc: 61 x 128 x 256 x 512 x 2 B = 2,046,820,352;
 *   whole on every rank: 61 x 7,168 x (1,536 + 512 + 64) + 58 x 7,168 x
 *   256 = 1,029,898,240 parameters, 2,059,796,480 B;
 *   the embedding 129,280 x 7,168 x 2 B = 1,853,358,080, whole;
 *   the rest 1,342,000,000,000 - those = 1,317,106,936,832 over 8:
 *   164,638,367,104.  A GPU: 191,578,250,624 B.
 * At dp 2, attention tp 4: the attention 5,244,977,152 and the copies
 * 511,705,088 a GPU: 174,308,203,904 B.
 * The cache: the latent, 576 x 2 B x 61 = 70,272 B a token on each GPU
 * at any attention tp; 8 GPUs in all, not 64. */
static void test_mla_weights(void **state)
{
	kvp_model m = deepseek();
	kvp_request r;
	kvp_plan p;
	kvp_fit f;

	(void)state;
	request(&r, KVP_ENGINE_SGLANG, 8, 8);
	plan_fit(&m, &r, &p, &f);
	assert_int_equal(p.attention_bytes, 20979908608ull);
	assert_int_equal(p.attention_gpu_bytes, 20979908608ull);
	assert_int_equal(p.attention_copy_bytes, 2046820352ull);
	assert_int_equal(p.replicated_bytes, 2059796480ull);
	assert_int_equal(p.embedding_bytes, 1853358080ull);
	assert_int_equal(f.weights_bytes, 1342000000000ull);
	assert_int_equal(f.stage_weights[0], 191578250624ull);
	assert_int_equal(f.footprint.weights, 191578250624ull);
	assert_int_equal(p.kv_bytes_per_token, 70272);
	assert_int_equal(p.kv_bytes_per_gpu, 70272ull * 8193);
	assert_int_equal(p.cache_total_bytes, 70272ull * 8193 * 8);

	assert_int_equal(kvp_request_attention_tp(&r), 1);
	assert_int_equal(kvp_request_gpus(&r), 8);

	request(&r, KVP_ENGINE_SGLANG, 8, 2);
	plan_fit(&m, &r, &p, &f);
	assert_int_equal(kvp_request_attention_tp(&r), 4);
	assert_int_equal(p.attention_gpu_bytes, 20979908608ull / 4);
	assert_int_equal(p.attention_copy_bytes, 2046820352ull / 4);
	assert_int_equal(f.stage_weights[0], 174308203904ull);
	assert_int_equal(p.kv_bytes_per_gpu, 70272ull * 8193);
	assert_int_equal(p.cache_total_bytes, 70272ull * 8193 * 8);
}

/* Without the flag, or at dp 1 (SGLang turns it off there), or for vLLM,
 * which has no such flag: the attention over tp with the rest, and dp
 * whole replicas; vLLM at tp 8, dp 8: 64 GPUs.  SGLang's w_kc and w_vc
 * are there at any tp: at tp 8, 61 x 16 x 256 x 512 x 2 B = 255,852,544;
 * with one head a GPU (tp 128), V's slice stays a view: 61 x 128 x 512 x
 * 2 B = 7,995,392; of an fp8 kv_b_proj's dequantized whole, which it then
 * keeps beside w_kc: 61 x (128 + 256) x 512 x 2 B = 23,986,176. */
static void test_off(void **state)
{
	kvp_model m = deepseek();
	kvp_request r;
	kvp_plan p, plain;
	kvp_fit f, g;

	(void)state;
	request(&r, KVP_ENGINE_SGLANG, 8, 1);
	plan_fit(&m, &r, &p, &f);
	r.attention_dp = false;
	plan_fit(&m, &r, &plain, &g);
	assert_int_equal(p.attention_bytes, 0);
	assert_int_equal(p.attention_copy_bytes, 255852544ull);
	assert_int_equal(f.stage_weights[0], g.stage_weights[0]);
	/* ceil((1,342,000,000,000 - 2,059,796,480) / 8) + 2,059,796,480 +
	 * the copies */
	assert_int_equal(f.stage_weights[0], 167492525440ull + 2059796480ull + 255852544ull);

	request(&r, KVP_ENGINE_SGLANG, 8, 8);
	r.attention_dp = false;
	plan_fit(&m, &r, &p, &f);
	assert_int_equal(f.stage_weights[0], 167492525440ull + 2059796480ull + 255852544ull);
	assert_int_equal(p.cache_total_bytes, 70272ull * 8193 * 64);

	request(&r, KVP_ENGINE_SGLANG, 128, 1);
	plan_fit(&m, &r, &p, &f);
	assert_int_equal(p.attention_copy_bytes, 7995392ull);
	r.weights_dtype = KVP_DTYPE_FP8;
	plan_fit(&m, &r, &p, &f);
	assert_int_equal(p.attention_copy_bytes, 23986176ull);

	request(&r, KVP_ENGINE_VLLM, 8, 8);
	r.expert_parallel = true;
	plan_fit(&m, &r, &p, &f);
	assert_int_equal(kvp_request_attention_tp(&r), 8);
	assert_int_equal(kvp_request_gpus(&r), 64);
	assert_int_equal(kvp_request_attention_tp(NULL), 1);
	assert_int_equal(p.attention_bytes, 0);
	/* vLLM's 512 blocks of 16 tokens, SGLang's seq + 1 rows above */
	assert_int_equal(p.cache_total_bytes, 70272ull * 8192 * 64);
}

/* A checkpoint's counts, taken as they are: 700,000,000,000 B, of which
 * the attention's 11,000,000,000, 1,000,000,000 whole on every rank, an
 * embedding and a head of 1,000,000,000 each.  At tp 8, dp 8: (700 - 11 -
 * 1 - 1) x 10^9 / 8 = 85,875,000,000, + 11,000,000,000 + 1,000,000,000 +
 * 1,000,000,000 + the copies 2,046,820,352 = 100,921,820,352 B; at dp 2
 * the attention 2,750,000,000 a GPU. */
static void test_checkpoint_counts(void **state)
{
	kvp_model m = deepseek();
	kvp_request r;
	kvp_plan p;
	kvp_fit f;

	(void)state;
	request(&r, KVP_ENGINE_SGLANG, 8, 8);
	r.weight_bytes = 700000000000ull;
	r.weight_attention_bytes = 11000000000ull;
	r.weight_replicated_bytes = 1000000000ull;
	r.weight_embedding_bytes = 1000000000ull;
	r.weight_head_bytes = 1000000000ull;
	plan_fit(&m, &r, &p, &f);
	assert_int_equal(p.attention_bytes, 11000000000ull);
	assert_int_equal(p.attention_gpu_bytes, 11000000000ull);
	assert_int_equal(f.stage_weights[0], 100921820352ull);
	r.dp = 2;
	plan_fit(&m, &r, &p, &f);
	assert_int_equal(p.attention_gpu_bytes, 2750000000ull);
}

/* Llama 3 70B at tp 32, dp 2: attention tp 16, past its 8 kv heads, so
 * each GPU holds one kv head's K and V (replicated), and the cache 80 x
 * 2 x 128 x 2 B = 40,960 B a token.
 *   attention, a layer: q and o 2 x 8,192 x 64 x 128 = 134,217,728, K and
 *   V 2 x 8,192 x 8 x 128 = 16,777,216; 80 layers 12,079,595,520
 *   parameters, 24,159,191,040 B; a GPU 80 x (134,217,728 / 16 + 2 x
 *   8,192 x 128) = 838,860,800 parameters, 1,677,721,600 B;
 *   the embedding 128,256 x 8,192 x 2 B = 2,101,346,304, whole;
 *   the rest 141,107,412,992 - 24,159,191,040 - 2,101,346,304 =
 *   114,846,875,648 over 32: 3,588,964,864.  A GPU: 7,368,032,768 B. */
static void test_gqa_replicated_heads(void **state)
{
	kvp_model m = llama70();
	kvp_request r;
	kvp_plan p;
	kvp_fit f;

	(void)state;
	request(&r, KVP_ENGINE_SGLANG, 32, 2);
	plan_fit(&m, &r, &p, &f);
	assert_int_equal(p.kv_heads_per_gpu, 1);
	assert_int_equal(p.kv_bytes_per_token, 40960ull * 16);
	assert_int_equal(p.kv_bytes_per_gpu, 40960ull * 8193);
	assert_int_equal(p.cache_total_bytes, 40960ull * 8193 * 32);
	assert_int_equal(p.attention_bytes, 24159191040ull);
	assert_int_equal(p.attention_gpu_bytes, 1677721600ull);
	assert_int_equal(p.attention_copy_bytes, 0);
	assert_int_equal(p.replicated_bytes, 0);
	assert_int_equal(f.stage_weights[0], 7368032768ull);
}

/* Llama 3 70B in fp16 at tp 16: 8 kv heads, so each GPU holds one kv
 * head's K and V whole, past its half a head's share: 8,192 x (128 + 128)
 * x (16 - 8) / 16 = 1,048,576 parameters a layer, 80 layers 83,886,080,
 * 167,772,160 B.  A GPU: 141,107,412,992 / 16 = 8,819,213,312 + those =
 * 8,986,985,472 B, under vLLM, SGLang and TensorRT-LLM alike; at tp 8
 * none: 17,638,426,624; the exact model none.  At tp 16 and pp 2 each
 * stage's 40 layers half of them: (136,904,720,384 / 2 + 2,101,346,304) /
 * 16 + 83,886,080 = 4,493,492,736 B on both stages. */
static void test_kv_replicas(void **state)
{
	static const kvp_engine engines[] = {KVP_ENGINE_VLLM, KVP_ENGINE_SGLANG,
		KVP_ENGINE_TRTLLM};
	kvp_model m = llama70();
	kvp_request r;
	kvp_plan p;
	kvp_fit f;

	(void)state;
	for (size_t i = 0; i < sizeof engines / sizeof engines[0]; i++) {
		request(&r, engines[i], 16, 1);
		r.attention_dp = false;
		plan_fit(&m, &r, &p, &f);
		assert_int_equal(p.stage_kv_replica_bytes[0], 167772160ull);
		assert_int_equal(f.stage_weights[0], 8986985472ull);
		r.tp = 8;
		plan_fit(&m, &r, &p, &f);
		assert_int_equal(p.stage_kv_replica_bytes[0], 0);
		assert_int_equal(f.stage_weights[0], 17638426624ull);
	}
	request(&r, KVP_ENGINE_EXACT, 16, 1);
	plan_fit(&m, &r, &p, &f);
	assert_int_equal(f.stage_weights[0], 8819213312ull);
	request(&r, KVP_ENGINE_VLLM, 16, 1);
	r.pp = 2;
	plan_fit(&m, &r, &p, &f);
	assert_int_equal(p.stage_kv_replica_bytes[0], 83886080ull);
	assert_int_equal(p.stage_kv_replica_bytes[1], 83886080ull);
	assert_int_equal(f.stage_weights[0], 4493492736ull);
	assert_int_equal(f.stage_weights[1], 4493492736ull);
	/* Under SGLang's data-parallel attention the replicas are in the
	 * attention's share (attention_gpu_bytes), not here. */
	request(&r, KVP_ENGINE_SGLANG, 32, 2);
	plan_fit(&m, &r, &p, &f);
	assert_int_equal(p.stage_kv_replica_bytes[0], 0);
}

/* TensorRT-LLM's k_b_proj_trans (modules/attention.py MLA.create_weights):
 * with fp8 weights, fp8 with a scale: 61 x (16 x 512 x 128 + 16 x 4 x 1 x
 * 4) = 63,978,752 B a GPU at tp 8; on sm 100 the bf16 dequantized K and V
 * halves too, 61 x 16 x 512 x 256 x 2 = 255,852,544 more.  Under
 * attention DP every head: 61 x (128 x 512 x 128 + 128 x 16) =
 * 511,830,016 and 2,046,820,352.  A checkpoint whose attention takes 1.1
 * B a parameter (10,489,954,304 of them) is taken as fp8. */
static void test_trtllm_copies(void **state)
{
	kvp_model m = deepseek();
	kvp_device hopper = h200(), blackwell = h200();
	kvp_request r;
	kvp_plan p;
	kvp_fit f, g;
	kvp_error err;

	(void)state;
	strcpy(hopper.arch, "sm_90");
	strcpy(blackwell.arch, "sm_100");
	request(&r, KVP_ENGINE_TRTLLM, 8, 1);
	r.attention_dp = false;
	r.weights_dtype = KVP_DTYPE_FP8;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.attention_copy_bytes, 63978752ull);
	assert_int_equal(p.attention_copy_sm100_bytes, 255852544ull);
	assert_int_equal(kvp_plan_fit(&p, &hopper, &f, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &blackwell, &g, &err), KVP_OK);
	assert_int_equal(g.stage_weights[0] - f.stage_weights[0], 255852544ull);
	assert_int_equal(kvp_plan_stage_copy_bytes(&p, &hopper, 0), 63978752ull);
	assert_int_equal(kvp_plan_stage_copy_bytes(&p, &blackwell, 0), 63978752ull + 255852544ull);
	assert_int_equal(kvp_plan_stage_copy_bytes(&p, &blackwell, 1), 0);
	/* at pp 2, each stage its own layers': 4,194,304 a layer at sm 100
	 * and 1,048,832 beside, 31 and 30 layers */
	r.pp = 2;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_stage_copy_bytes(&p, &blackwell, 0), 31ull * 5243136);
	assert_int_equal(kvp_plan_stage_copy_bytes(&p, &blackwell, 1), 30ull * 5243136);
	r.pp = 1;
	/* ceil((671,000,000,000 - 1,029,898,240) / 8) + 1,029,898,240 */
	assert_int_equal(f.stage_weights[0], 83746262720ull + 1029898240ull + 63978752ull);

	r.attention_dp = true;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.attention_copy_bytes, 511830016ull);
	assert_int_equal(p.attention_copy_sm100_bytes, 2046820352ull);
	assert_int_equal(kvp_plan_fit(&p, &hopper, &f, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &blackwell, &g, &err), KVP_OK);
	assert_int_equal(g.stage_weights[0] - f.stage_weights[0], 2046820352ull);

	request(&r, KVP_ENGINE_TRTLLM, 8, 1);
	r.attention_dp = false;
	r.weight_bytes = 700000000000ull;
	r.weight_attention_bytes = 11538949734ull; /* 1.1 B a parameter */
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.attention_copy_bytes, 63978752ull);
	r.weight_attention_bytes = 20979908608ull; /* 2 B a parameter */
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.attention_copy_bytes, 127926272ull);
	assert_int_equal(p.attention_copy_sm100_bytes, 0);
}

/* vLLM's MLA (mla_attention.py process_weights_after_loading): W_UK_T
 * and W_UV view kv_b_proj itself when it is 16-bit, nothing more; with
 * fp8 weights they view a bf16 dequantized copy: 61 x 16 x (128 + 128) x
 * 512 x 2 B = 255,852,544 a GPU at tp 8. */
static void test_vllm_copies(void **state)
{
	kvp_model m = deepseek();
	kvp_request r;
	kvp_plan p;
	kvp_fit f, g;

	(void)state;
	request(&r, KVP_ENGINE_VLLM, 8, 1);
	r.attention_dp = false;
	plan_fit(&m, &r, &p, &f);
	assert_int_equal(p.attention_copy_bytes, 0);
	r.weights_dtype = KVP_DTYPE_FP8;
	plan_fit(&m, &r, &p, &g);
	assert_int_equal(p.attention_copy_bytes, 255852544ull);
	/* ceil((671,000,000,000 - 1,029,898,240) / 8) + 1,029,898,240 + it */
	assert_int_equal(g.stage_weights[0], 83746262720ull + 1029898240ull + 255852544ull);
}

/* SGLang's DeepSeek deployment (--enable-dp-attention --enable-dp-lm-head
 * --moe-dense-tp-size 1 --moe-a2a-backend deepep), with 700,000,000,000
 * parameters in fp16 (each part 2 B a parameter, its share of the
 * 1,400,000,000,000 B):
 *   the dense MLPs 3 x 3 x 7,168 x 18,432 = 1,189,085,184, 2,378,170,368
 *   B, whole; the shared experts 58 x 3 x 7,168 x 2,048 = 2,554,331,136,
 *   5,108,662,272 B, whole; the routed experts 1,307,817,541,632 B, 32 of
 *   256 whole at tp 8 (163,477,192,704), 16 at tp 16 (81,738,596,352);
 *   the head 1,853,358,080 over tp / dp; the embedding as much, whole;
 *   the attention 20,979,908,608 over tp / dp; 2,059,796,480 whole; the
 *   rest 57,949,204,480 over tp; w_kc and w_vc 2,046,820,352 / (tp / dp).
 * At tp 8, dp 8: 7,243,650,560 + 2,059,796,480 + 20,979,908,608 +
 * 1,853,358,080 x 2 + 2,378,170,368 + 5,108,662,272 + 163,477,192,704 +
 * 2,046,820,352 = 207,000,917,504 B; at tp 16: 3,621,825,280 + ... =
 * 109,200,452,352 B.  Without the three, 198,828,250,624 at tp 8.  SGLang's
 * share with DeepEP holds back 2,048 MiB more, past the floor: 34,816 +
 * 2,048 = 36,864 MiB of 144,384, 0.745. */
static void test_sglang_moe_parts(void **state)
{
	kvp_model m = deepseek();
	kvp_device d = h200();
	kvp_sglang_reserve t;
	kvp_request r;
	kvp_plan p;
	kvp_fit f;
	kvp_error err;

	(void)state;
	m.params = 700000000000ull;
	request(&r, KVP_ENGINE_SGLANG, 8, 8);
	plan_fit(&m, &r, &p, &f);
	assert_int_equal(f.stage_weights[0], 198828250624ull);
	r.sglang_dp_lm_head = r.sglang_dense_whole = r.sglang_deepep = true;
	plan_fit(&m, &r, &p, &f);
	assert_int_equal(p.dense_mlp_bytes, 2378170368ull);
	assert_int_equal(p.shared_expert_bytes, 5108662272ull);
	assert_int_equal(p.expert_bytes, 1307817541632ull);
	assert_int_equal(f.stage_weights[0], 207000917504ull);
	r.tp = 16;
	plan_fit(&m, &r, &p, &f);
	assert_int_equal(f.stage_weights[0], 109200452352ull);
	r.tp = 8;
	r.mem_util = 0;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_true(kvp_plan_sglang_reserve(&p, &d, &t));
	assert_true(t.deepep == 2048);
	assert_true(t.reserved == 36864);
	assert_true(t.share == 0.745);
	/* With pipeline stages, not read. */
	r.attention_dp = false;
	r.pp = 2;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_ERR_INVALID);
	assert_non_null(strstr(err.message, "DeepEP backend is not modelled with pipeline"));
}

/* What SGLang asserts or kvplan did not read: dp must divide tp
 * (server_args.py: tp_size % dp_size == 0); pipeline stages and recurrent
 * layers are refused by name. */
static void test_refused(void **state)
{
	kvp_model m = deepseek();
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	(void)state;
	request(&r, KVP_ENGINE_SGLANG, 8, 3);
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_ERR_SHAPE);
	assert_non_null(strstr(err.message, "splits the tp 8 GPUs into dp 3 groups, and 3 does not divide 8"));
	request(&r, KVP_ENGINE_SGLANG, 8, 2);
	r.pp = 2;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_ERR_INVALID);
	assert_non_null(strstr(err.message, "not modelled with pipeline stages"));
	r.attention_dp = false;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
}

/* SGLang's own share reserves max_bs x dp x 3 MiB more under data-
 * parallel attention, and max_bs x dp x 1.5 past a max_bs of 300
 * (server_args.py _handle_gpu_memory_settings, memory_hook.py
 * reserve_for_graph_mb).  DeepSeek-V3 at tp 8 on 141 GiB (144,384 MiB):
 * chunked_prefill_size 8,192 (undivided: the reserve comes before
 * _handle_data_parallelism) and max_bs 512, so 512 + 8,192 x 1.5 + 8 / 8
 * x 1,024 + 512 x 2 + 1,536 (an MLA model's prefill graphs) = 16,384
 * without it, share round(128,000 / 144,384, 3) = 0.887; at dp 8, 512 x 8
 * x 4.5 = 18,432 more, 34,816, share round(109,568 / 144,384, 3) = 0.759;
 * at dp 2, 4,608 more, 20,992, 0.855; with --cuda-graph-max-bs 256 at dp
 * 8, 256 x 8 x 3 = 6,144 (and its graphs 512): 22,016, 0.848. */
static void test_reserve(void **state)
{
	kvp_model m = deepseek();
	kvp_device d = h200();
	kvp_sglang_reserve t;
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	(void)state;
	request(&r, KVP_ENGINE_SGLANG, 8, 8);
	r.mem_util = 0;
	r.attention_dp = false;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_true(kvp_plan_sglang_reserve(&p, &d, &t));
	assert_true(t.dp_attention == 0);
	assert_true(t.reserved == 16384);
	assert_true(t.share == 0.887);
	r.attention_dp = true;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_true(kvp_plan_sglang_reserve(&p, &d, &t));
	assert_true(t.chunked_prefill == 8192);
	assert_true(t.dp_attention == 18432);
	assert_true(t.reserved == 34816);
	assert_true(t.share == 0.759);
	r.dp = 2;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_true(kvp_plan_sglang_reserve(&p, &d, &t));
	assert_true(t.dp_attention == 4608);
	assert_true(t.share == 0.855);
	r.dp = 8;
	r.cuda_graph_max_bs = 256;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_true(kvp_plan_sglang_reserve(&p, &d, &t));
	assert_true(t.dp_attention == 6144);
	assert_true(t.reserved == 22016);
	assert_true(t.share == 0.848);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mla_weights),
		cmocka_unit_test(test_off),
		cmocka_unit_test(test_checkpoint_counts),
		cmocka_unit_test(test_gqa_replicated_heads),
		cmocka_unit_test(test_kv_replicas),
		cmocka_unit_test(test_trtllm_copies),
		cmocka_unit_test(test_vllm_copies),
		cmocka_unit_test(test_sglang_moe_parts),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_reserve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
