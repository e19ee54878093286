/*
 * test_moe_dp.c — a mixture of experts' weights under vLLM's data
 * parallelism: each MoE layer is split over tp x dp GPUs, by its experts'
 * inner size or, with expert parallelism, by whole experts, and the rest of
 * the model over tp (vllm/model_executor/layers/fused_moe/config.py,
 * FusedMoEParallelConfig.make, 2026-11); and under TensorRT-LLM's attention
 * data parallelism, whose every rank keeps all heads and every weight but
 * the experts whole (modules/attention.py, pyexecutor/resource_manager.py,
 * mapping.py); and the weights every tensor-parallel rank holds whole.
 * Shapes from config.json
 * (tests/configs/deepseek-v3, mixtral-8x7b); every figure is worked by hand
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

/* DeepSeek-V3 in fp16: 61 layers of hidden 7,168, the first three dense,
 * then 256 routed experts of 2,048 and one shared; 671,000,000,000
 * parameters. */
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
	m.head_dim = 128;
	m.vocab = 129280;
	m.params = 671000000000ull;
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

/* Mixtral 8x7B: 32 layers of hidden 4,096, every one routing among 8
 * experts of 14,336; 46,702,792,704 parameters, vocab 32,000, untied. */
static kvp_model mixtral(void)
{
	kvp_model m;
	kvp_error err;

	memset(&m, 0, sizeof m);
	strcpy(m.name, "mixtral");
	m.layers = 32;
	m.hidden = 4096;
	m.heads = 32;
	m.kv_heads = 8;
	m.head_dim = 128;
	m.vocab = 32000;
	m.params = 46702792704ull;
	m.intermediate = 14336;
	m.moe_routed_experts = 8;
	m.moe_intermediate = 14336;
	m.moe_top_k = 2;
	if (kvp_model_finalize(&m, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return m;
}

static void request(kvp_request *r, kvp_engine engine, uint32_t tp, uint32_t pp,
                    uint32_t dp, bool ep)
{
	kvp_request_init(r);
	r->engine = engine;
	r->seq = 8192;
	r->tp = tp;
	r->pp = pp;
	r->dp = dp;
	r->expert_parallel = ep;
}

static kvp_status plan_fit(const kvp_model *m, const kvp_request *r, kvp_plan *p,
                           kvp_fit *f)
{
	kvp_device d;
	kvp_error err;
	kvp_status st;

	memset(&d, 0, sizeof d);
	strcpy(d.name, "h200");
	d.hbm_bytes = 141ull << 30;
	d.l2_bytes = 50ull << 20;
	if ((st = kvp_plan_compute(m, r, p, &err)) != KVP_OK)
		return st;
	if ((st = kvp_plan_fit(p, &d, f, &err)) != KVP_OK)
		fail_msg("%s", err.message);
	return st;
}

/* The experts: 58 routed layers x 256 x 3 x 7,168 x 2,048 =
 * 653,908,770,816 parameters, at 2 B 1,307,817,541,632 B (their share,
 * 653,908,770,816 / 671,000,000,000, of the 1,342,000,000,000 B); the
 * rest 34,182,458,368 B.
 *   tp 1, dp 8: 34,182,458,368 + 1,307,817,541,632 / 8 (163,477,192,704)
 *   = 197,659,651,072;
 *   tp 2, dp 4: the 58 routers (7,168 x 256 each, 212,860,928 B) are
 *   whole on every rank: ceil((34,182,458,368 - 212,860,928) / 2) +
 *   212,860,928 + 163,477,192,704 = 180,674,852,352;
 *   tp 1, dp 3 and whole experts: ceil(256 / 3) = 86 of them, 86 x
 *   5,108,662,272 (one expert in every layer, 1,307,817,541,632 / 256) =
 *   439,344,955,392, and 34,182,458,368: 473,527,413,760;
 *   without expert parallelism 2,048 inner channels do not split over 3. */
static void test_dp_splits_experts(void **state)
{
	kvp_model m = deepseek();
	kvp_request r;
	kvp_plan p;
	kvp_fit f;

	(void)state;
	request(&r, KVP_ENGINE_VLLM, 1, 1, 8, false);
	assert_int_equal(plan_fit(&m, &r, &p, &f), KVP_OK);
	assert_int_equal(p.routed_experts, 256);
	assert_int_equal(p.expert_bytes, 1307817541632ull);
	assert_int_equal(p.stage_expert_bytes[0], 1307817541632ull);
	assert_int_equal(f.weights_bytes, 1342000000000ull);
	assert_int_equal(f.stage_weights[0], 197659651072ull);
	assert_int_equal(f.footprint.weights, 197659651072ull);

	request(&r, KVP_ENGINE_VLLM, 2, 1, 4, false);
	assert_int_equal(plan_fit(&m, &r, &p, &f), KVP_OK);
	assert_int_equal(f.stage_weights[0], 180674852352ull);
	/* Whole experts over 8 GPUs: 32 each, the same bytes. */
	r.expert_parallel = true;
	assert_int_equal(plan_fit(&m, &r, &p, &f), KVP_OK);
	assert_int_equal(f.stage_weights[0], 180674852352ull);

	request(&r, KVP_ENGINE_VLLM, 1, 1, 3, true);
	assert_int_equal(plan_fit(&m, &r, &p, &f), KVP_OK);
	assert_int_equal(f.stage_weights[0], 473527413760ull);
	r.expert_parallel = false;
	assert_int_equal(plan_fit(&m, &r, &p, &f), KVP_ERR_SHAPE);
}

/* Where the model is not split over the replicas: vLLM with dp 1 and no
 * expert parallelism (all over tp 2 but the routers: (1,342,000,000,000 -
 * 212,860,928) / 2 + 212,860,928 = 671,106,430,464 B), SGLang's and
 * TensorRT-LLM's data-parallel replicas (each holds the whole model), and
 * a dense model, whose replicas vLLM does not share anything between. */
static void test_whole_replicas(void **state)
{
	kvp_model m = deepseek(), dense = deepseek();
	kvp_request r;
	kvp_plan p;
	kvp_fit f;

	(void)state;
	request(&r, KVP_ENGINE_VLLM, 2, 1, 1, false);
	assert_int_equal(plan_fit(&m, &r, &p, &f), KVP_OK);
	assert_int_equal(f.stage_weights[0], 671106430464ull);
	request(&r, KVP_ENGINE_SGLANG, 1, 1, 8, false);
	assert_int_equal(plan_fit(&m, &r, &p, &f), KVP_OK);
	assert_int_equal(p.expert_bytes, 1307817541632ull);
	assert_int_equal(f.stage_weights[0], 1342000000000ull);
	request(&r, KVP_ENGINE_TRTLLM, 1, 1, 8, true);
	assert_int_equal(plan_fit(&m, &r, &p, &f), KVP_OK);
	assert_int_equal(f.stage_weights[0], 1342000000000ull);

	dense.moe_experts = dense.moe_routed_experts = 0;
	dense.moe_intermediate = dense.moe_shared_intermediate = 0;
	dense.moe_dense_layers = 0;
	request(&r, KVP_ENGINE_VLLM, 1, 1, 8, true);
	assert_int_equal(plan_fit(&dense, &r, &p, &f), KVP_OK);
	assert_int_equal(p.expert_bytes, 0);
	assert_int_equal(f.stage_weights[0], 1342000000000ull);
}

/* Two pipeline stages, layers 0-30 and 31-60: 28 and 30 routed layers of
 * 22,548,578,304 B each (1,307,817,541,632 / 58): 631,360,192,512 and
 * 676,457,349,120 B.  With dp 2 each stage keeps its other weights and
 * half its experts: the stage's weights at dp 1, less half its experts. */
static void test_stages(void **state)
{
	kvp_model m = deepseek();
	kvp_request r;
	kvp_plan p;
	kvp_fit one, f;
	uint64_t x[2] = {631360192512ull, 676457349120ull};

	(void)state;
	request(&r, KVP_ENGINE_VLLM, 1, 2, 1, false);
	assert_int_equal(plan_fit(&m, &r, &p, &one), KVP_OK);
	request(&r, KVP_ENGINE_VLLM, 1, 2, 2, false);
	assert_int_equal(plan_fit(&m, &r, &p, &f), KVP_OK);
	for (int s = 0; s < 2; s++) {
		assert_int_equal(p.stage_expert_bytes[s], x[s]);
		assert_int_equal(f.stage_weights[s], one.stage_weights[s] - x[s] / 2);
	}
}

/* A format's estimate, Mixtral in fp8: the linear layers' 46,702,792,704
 * - 2 x 32,000 x 4,096 - 65 x 4,096 - the routers' 32 x 4,096 x 8 =
 * 46,439,333,888 params take 46,439,337,472 B (a byte each and 4 B of
 * scale for each of 32 x (4 + 8 x 3) tensors); the experts, 32 x 8 x 3 x
 * 4,096 x 14,336 = 45,097,156,608 params of them, floor(46,439,337,472 x
 * 45,097,156,608 / 46,439,333,888) = 45,097,160,088 B.  And a checkpoint's count, taken as
 * it is: 90,000,000,000 B of which 88,000,000,000 experts, tp 1 and dp 4:
 * 2,000,000,000 + 22,000,000,000. */
static void test_format_and_file(void **state)
{
	kvp_model m = mixtral();
	kvp_request r;
	kvp_plan p;
	kvp_fit f;
	kvp_error err;

	(void)state;
	request(&r, KVP_ENGINE_VLLM, 1, 1, 4, false);
	assert_int_equal(kvp_weights_format_parse("fp8", &r.weights_format, &err), KVP_OK);
	assert_int_equal(plan_fit(&m, &r, &p, &f), KVP_OK);
	assert_int_equal(p.routed_experts, 8);
	assert_int_equal(p.expert_bytes, 45097160088ull);

	request(&r, KVP_ENGINE_VLLM, 1, 1, 4, false);
	r.weight_bytes = 90000000000ull;
	r.weight_expert_bytes = 88000000000ull;
	assert_int_equal(plan_fit(&m, &r, &p, &f), KVP_OK);
	assert_int_equal(p.expert_bytes, 88000000000ull);
	assert_int_equal(f.stage_weights[0], 24000000000ull);
}

/* TensorRT-LLM's attention data parallelism at tp 8, Mixtral in fp16:
 * the weights 2 x 46,702,792,704 = 93,405,585,408 B, of which the experts'
 * 2 x 45,097,156,608 = 90,194,313,216; each rank 3,211,272,192 +
 * 90,194,313,216 / 8 (11,274,289,152) = 14,485,561,344 B, and every one of
 * the 8 kv heads: 32 layers x 2 x 8 x 128 x 2 B x 8,192 tokens =
 * 1,073,741,824 B.  Without it, over 8 but the routers (32 x 4,096 x 8 at
 * 2 B, 2,097,152, whole on every rank): ceil((93,405,585,408 - 2,097,152)
 * / 8) + 2,097,152 = 11,677,533,184 B and
 * one kv head, 134,217,728 B.  DeepSeek-V3: 34,182,458,368 +
 * 1,307,817,541,632 / 8 = 197,659,651,072 B.  Its C++ runtime has none;
 * vLLM ignores the setting. */
static void test_trtllm_attention_dp(void **state)
{
	kvp_model m = mixtral(), ds = deepseek();
	kvp_request r;
	kvp_plan p;
	kvp_fit f;

	(void)state;
	request(&r, KVP_ENGINE_TRTLLM, 8, 1, 1, false);
	r.attention_dp = true;
	assert_int_equal(plan_fit(&m, &r, &p, &f), KVP_OK);
	assert_int_equal(f.stage_weights[0], 14485561344ull);
	assert_int_equal(p.kv_heads_per_gpu, 8);
	assert_int_equal(p.kv_bytes_per_gpu, 1073741824ull);
	r.attention_dp = false;
	assert_int_equal(plan_fit(&m, &r, &p, &f), KVP_OK);
	assert_int_equal(f.stage_weights[0], 11677533184ull);
	assert_int_equal(p.kv_heads_per_gpu, 1);
	assert_int_equal(p.kv_bytes_per_gpu, 134217728ull);

	request(&r, KVP_ENGINE_TRTLLM, 8, 1, 1, false);
	r.attention_dp = true;
	assert_int_equal(plan_fit(&ds, &r, &p, &f), KVP_OK);
	assert_int_equal(f.stage_weights[0], 197659651072ull);
	r.trtllm_cpp = true;
	assert_int_equal(plan_fit(&ds, &r, &p, &f), KVP_ERR_INVALID);

	request(&r, KVP_ENGINE_VLLM, 8, 1, 1, false);
	r.attention_dp = true;
	assert_int_equal(plan_fit(&m, &r, &p, &f), KVP_OK);
	assert_int_equal(f.stage_weights[0], 11677533184ull);
	assert_int_equal(p.kv_heads_per_gpu, 1);
}

/* Review cases.
 * A rounded parameter count short of the experts (Kimi K2's "1T"): 600e9
 * parameters, 653,908,770,816 of them experts by the shape; with the
 * embedding and head (2 x 129,280 x 7,168 = 1,853,358,080) the whole is
 * taken as 655,762,128,896, so the experts hold floor(1,200,000,000,000 x
 * 653,908,770,816 / 655,762,128,896) = 1,196,608,481,036 B and the rest
 * 3,391,518,964; at dp 8, 3,391,518,964 + ceil(/ 8) 149,576,060,130 =
 * 152,967,579,094 B.
 * The MTP layer at dp 8: an expert layer's block, the layers' average
 * less their MLPs, floor((671e9 - 1,853,365,248 - 3 x 396,361,728 - 58 x
 * 11,320,164,352) / 61) = 186,688,805, and an expert layer's MLP,
 * 3 x 7,168 x (256 + 1) x 2,048 + 7,168 x 256 = 11,320,164,352; with
 * eh_proj 2 x 7,168^2 and three norms: 11,609,635,109 parameters,
 * 23,219,270,218 B; its experts' share as the layers', floor(23,219,270,218
 * x 1,307,817,541,632 / 1,338,293,283,840) = 22,690,518,783, over 8 GPUs
 * 2,836,314,848, the rest 528,751,435: 3,365,066,283 B beside the
 * model's 197,659,651,072, 201,024,717,355 B.
 * The fewest GPUs count the replicas: tp 1 holds 197,659,651,072 B, past
 * an H200's usable ceil(151,397,597,184 x 0.92) = 139,285,789,410; tp 2,
 * ceil((34,182,458,368 - 212,860,928 of routers) / 2) + 212,860,928 +
 * 81,738,596,352 = 98,936,256,000: 2 x dp 8 = 16 GPUs.
 * An inner size of 1,000 does not split over tp 16 (vLLM asserts, dp 1
 * too); whole experts do. */
static void test_review_cases(void **state)
{
	kvp_model m = deepseek();
	kvp_request r;
	kvp_plan p;
	kvp_fit f;
	kvp_device d;
	kvp_advice a;
	kvp_error err;

	(void)state;
	m.params = 600000000000ull;
	request(&r, KVP_ENGINE_VLLM, 1, 1, 8, false);
	assert_int_equal(plan_fit(&m, &r, &p, &f), KVP_OK);
	assert_int_equal(p.expert_bytes, 1196608481036ull);
	assert_int_equal(f.stage_weights[0], 152967579094ull);

	m = deepseek();
	m.mtp_layers = 1;
	request(&r, KVP_ENGINE_VLLM, 1, 1, 8, false);
	r.mtp_layers = 1;
	assert_int_equal(plan_fit(&m, &r, &p, &f), KVP_OK);
	assert_int_equal(p.draft_weights_bytes, 23219270218ull);
	assert_int_equal(f.stage_weights[0], 201024717355ull);

	m = deepseek();
	memset(&d, 0, sizeof d);
	strcpy(d.name, "h200");
	d.hbm_bytes = 141ull << 30;
	d.l2_bytes = 50ull << 20;
	request(&r, KVP_ENGINE_VLLM, 1, 1, 8, false);
	assert_int_equal(kvp_advise(&m, &r, &d, &a, &err), KVP_OK);
	assert_int_equal(a.min_tp, 2);
	assert_int_equal(a.min_gpus, 16);

	m.moe_intermediate = 1000;
	request(&r, KVP_ENGINE_VLLM, 16, 1, 1, false);
	assert_int_equal(plan_fit(&m, &r, &p, &f), KVP_ERR_SHAPE);
	r.expert_parallel = true;
	assert_int_equal(plan_fit(&m, &r, &p, &f), KVP_OK);
}

/* What every tensor-parallel rank holds whole: DeepSeek-V3's MLA
 * down-projections, 61 x 7,168 x (1,536 + 512 + 64) = 923,467,776
 * parameters, and its 58 routers, 58 x 7,168 x 256 = 106,430,464: at 2 B,
 * 2,059,796,480 B.  At tp 8: ceil((1,342,000,000,000 - 2,059,796,480) / 8)
 * + 2,059,796,480 = 169,552,321,920 B a GPU under vLLM, SGLang and
 * TensorRT-LLM, where the exact model splits all: 167,750,000,000.
 * Without a query down-projection (q_lora_rank 0, as DeepSeek-V2-Lite):
 * 61 x 7,168 x 576 + 106,430,464 = 358,285,312 parameters, 716,570,624 B,
 * and 168,376,999,296 B a GPU.  At tp 1 nothing changes.  SGLang adds
 * its bf16 w_kc and w_vc beside each kv_b_proj (deepseek_v2.py
 * post_load_weights), of the GPU's 16 heads: 61 x 16 x (128 + 128) x 512
 * x 2 B = 255,852,544; TensorRT-LLM its k_b_proj_trans (modules/
 * attention.py MLA), K's half alone, in the model's 16 bits: 61 x 16 x
 * 512 x 128 x 2 B = 127,926,272. */
static void test_replicated(void **state)
{
	static const kvp_engine engines[] = {KVP_ENGINE_VLLM, KVP_ENGINE_SGLANG,
		KVP_ENGINE_TRTLLM};
	kvp_model m = deepseek();
	kvp_request r;
	kvp_plan p;
	kvp_fit f;
	kvp_error err;

	(void)state;
	m.kv_heads = 1;
	m.kv_lora_rank = 512;
	m.qk_rope_dim = 64;
	m.qk_nope_dim = 128;
	m.v_head_dim = 128;
	m.head_dim = 192;
	m.q_lora_rank = 1536;
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_OK);
	for (size_t i = 0; i < sizeof engines / sizeof engines[0]; i++) {
		request(&r, engines[i], 8, 1, 1, false);
		assert_int_equal(plan_fit(&m, &r, &p, &f), KVP_OK);
		assert_int_equal(p.replicated_bytes, 2059796480ull);
		assert_int_equal(p.attention_copy_bytes,
		                 engines[i] == KVP_ENGINE_SGLANG ? 255852544ull
		                 : engines[i] == KVP_ENGINE_TRTLLM ? 127926272ull : 0);
		assert_int_equal(f.stage_weights[0], 169552321920ull + p.attention_copy_bytes);
	}
	request(&r, KVP_ENGINE_EXACT, 8, 1, 1, false);
	assert_int_equal(plan_fit(&m, &r, &p, &f), KVP_OK);
	assert_int_equal(p.replicated_bytes, 0);
	assert_int_equal(f.stage_weights[0], 167750000000ull);
	request(&r, KVP_ENGINE_VLLM, 1, 1, 1, false);
	assert_int_equal(plan_fit(&m, &r, &p, &f), KVP_OK);
	assert_int_equal(f.stage_weights[0], 1342000000000ull);
	m.q_lora_rank = 0;
	request(&r, KVP_ENGINE_VLLM, 8, 1, 1, false);
	assert_int_equal(plan_fit(&m, &r, &p, &f), KVP_OK);
	assert_int_equal(p.replicated_bytes, 716570624ull);
	assert_int_equal(f.stage_weights[0], 168376999296ull);
	/* A checkpoint's count, taken as it is: 90,000,000,000 B of which
	 * 1,000,000,000 whole, at tp 8: 89,000,000,000 / 8 + 1,000,000,000 =
	 * 12,125,000,000 B. */
	r.weight_bytes = 90000000000ull;
	r.weight_replicated_bytes = 1000000000ull;
	assert_int_equal(plan_fit(&m, &r, &p, &f), KVP_OK);
	assert_int_equal(p.replicated_bytes, 1000000000ull);
	assert_int_equal(p.stage_replicated_bytes[0], 1000000000ull);
	assert_int_equal(f.stage_weights[0], 12125000000ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dp_splits_experts),
		cmocka_unit_test(test_whole_replicas),
		cmocka_unit_test(test_stages),
		cmocka_unit_test(test_format_and_file),
		cmocka_unit_test(test_trtllm_attention_dp),
		cmocka_unit_test(test_review_cases),
		cmocka_unit_test(test_replicated),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
