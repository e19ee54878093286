/*
 * test_vllm_mamba_all.c — vLLM's mamba_cache_mode all: a state kept at
 * every block boundary (vllm/platforms/interface.py, the hybrid block;
 * vllm/v1/kv_cache_interface.py MambaSpec.max_memory_usage_bytes), for
 * the models that support it, and align for the others.  Nemotron-H 56B
 * is the catalogue's profile, from its config.json; every figure is
 * worked by hand in its comment.
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

static const kvp_layer_group *group_of(const kvp_plan *p, kvp_layer_kind kind)
{
	for (uint32_t g = 0; g < p->group_count; g++)
		if (p->groups[g].kind == kind && p->groups[g].layers)
			return &p->groups[g];
	fail_msg("no group of that kind");
	return NULL;
}

/* The plan of m under vLLM release version (0: the current one). */
static kvp_plan plan_at(const kvp_model *m, uint64_t seq, uint64_t batch, uint32_t block,
                        kvp_mamba_mode mode, uint32_t version)
{
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	kvp_request_init(&r);
	r.engine = KVP_ENGINE_VLLM;
	r.seq = seq;
	r.batch = batch;
	r.block_size = block;
	r.mamba_cache_mode = mode;
	r.vllm_version = version;
	if (kvp_plan_compute(m, &r, &p, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return p;
}

/* At 0.19: Nemotron-H's SSM state in fp16, as the numbers below take it
 * (fp32 from 0.20: test_nemotron_h_fp32). */
static kvp_plan plan(const kvp_model *m, uint64_t seq, uint64_t batch, uint32_t block,
                     kvp_mamba_mode mode)
{
	return plan_at(m, seq, batch, block, mode, 19);
}

/* Nemotron-H 56B (54 Mamba-2 layers, 10 attention layers of 8 kv heads
 * of 128, chunk_size 128), fp16: the state 8,511,488 B and an attention
 * token 4,096 B a layer, so 2,078 tokens a state; the block is
 * lcm(128, 16) x cdiv(2,078, 128) = 128 x 17 = 2,176 tokens
 * (mamba_block_size), the page 2,176 x 4,096 = 8,912,896 B.  A request of
 * 8,192 tokens holds cdiv(8,192, 2,176) = 4 pages a Mamba layer and 4
 * blocks an attention layer; at batch 4, 54 x 4 x 8,912,896 x 4 =
 * 7,700,742,144 B of state and 10 x 8,704 x 4,096 x 4 = 1,426,063,360 B
 * of attention. */
static void test_nemotron_h(void **state)
{
	kvp_model m = catalog_model("nemotron-h-56b");
	kvp_plan p = plan(&m, 8192, 4, 0, KVP_MAMBA_ALL);
	kvp_capacity c;
	kvp_error err;
	uint64_t seq, batch;
	bool unbounded;

	(void)state;
	assert_int_equal(m.ssm_chunk_size, 128);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->block, 2176);
	assert_int_equal(group_of(&p, KVP_LAYER_RECURRENT)->block, 2176);
	assert_int_equal(group_of(&p, KVP_LAYER_RECURRENT)->state_bytes_per_seq,
	                 4 * 8912896ull);
	assert_int_equal(p.state_total_bytes, 7700742144ull);
	assert_int_equal(p.kv_total_bytes, 1426063360ull);
	/* One token past four blocks takes a fifth page of each. */
	p = plan(&m, 8705, 1, 0, KVP_MAMBA_ALL);
	assert_int_equal(group_of(&p, KVP_LAYER_RECURRENT)->state_bytes_per_seq,
	                 5 * 8912896ull);
	/* Capacity, 10,000,000,000 B: pages all 8,912,896; buckets of 10
	 * and 54 layers, group_size 10, 1 + 6 = 7 groups; 10^10 // 8,912,896
	 * // 10 = 112 blocks; a request of 8,192 takes 4 + 6 x 4 = 28:
	 * 4.00x. */
	p = plan(&m, 8192, 4, 0, KVP_MAMBA_ALL);
	assert_int_equal(kvp_plan_capacity(&p, 10000000000ull, &c, &err), KVP_OK);
	assert_int_equal(c.blocks, 112);
	assert_int_equal(c.blocks_per_request, 28);
	assert_true(c.max_concurrency == 4.0);
	/* The solvers count vLLM's block ids, its 6 mamba groups of 10
	 * holding 60 layers' pages for 54: a request of k blocks' tokens
	 * takes k + 6k = 7k ids of 10 pages.  9,982,443,520 B (1,120 pages,
	 * 112 ids) hold 4 x 8,704 tokens (k = 4), a byte less 4 x 6,528
	 * (k = 3); 9,126,805,504 B (102 ids), which the bytes of 4 x 8,704
	 * tokens would fit, 3 requests of 8,192 (28 ids each). */
	assert_int_equal(kvp_plan_max_seq(&p, 9982443520ull, 4, &seq, &unbounded, &err),
	                 KVP_OK);
	assert_false(unbounded);
	assert_int_equal(seq, 8704);
	assert_int_equal(kvp_plan_max_seq(&p, 9982443519ull, 4, &seq, &unbounded, &err),
	                 KVP_OK);
	assert_int_equal(seq, 6528);
	assert_int_equal(kvp_plan_max_batch(&p, 9126805504ull, 8192, &batch, &err), KVP_OK);
	assert_int_equal(batch, 3);
}

/* The same from vLLM 0.20, whose Nemotron-H keeps its SSM state in fp32
 * (NemotronHForCausalLMConfig, PR #39032; the conv state stays fp16):
 * 3 x 20,480 x 2 B + 4,194,304 x 4 B = 16,900,096 B, 4,126 attention
 * tokens of 4,096 B; the block 128 x cdiv(4,126, 128) = 4,224 tokens,
 * the page 4,224 x 4,096 = 17,301,504 B.  A request of 8,192 tokens
 * holds 2 pages a Mamba layer and 2 blocks an attention layer: at batch
 * 4, 54 x 2 x 17,301,504 x 4 = 7,474,249,728 B of state and 10 x 8,448 x
 * 4,096 x 4 = 1,384,120,320 B of attention.  10^10 B: 10^10 //
 * 17,301,504 // 10 = 57 blocks, a request 2 + 6 x 2 = 14 of them:
 * 57 / 14 = 4.07x. */
static void test_nemotron_h_fp32(void **state)
{
	kvp_model m = catalog_model("nemotron-h-56b");
	kvp_plan p = plan_at(&m, 8192, 4, 0, KVP_MAMBA_ALL, 0);
	kvp_capacity c;
	kvp_error err;

	(void)state;
	assert_int_equal(group_of(&p, KVP_LAYER_RECURRENT)->conv_bytes_per_seq, 3 * 20480 * 2);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->block, 4224);
	assert_int_equal(group_of(&p, KVP_LAYER_RECURRENT)->block, 4224);
	assert_int_equal(group_of(&p, KVP_LAYER_RECURRENT)->state_bytes_per_seq,
	                 2 * 17301504ull);
	assert_int_equal(p.state_total_bytes, 7474249728ull);
	assert_int_equal(p.kv_total_bytes, 1384120320ull);
	assert_int_equal(kvp_plan_capacity(&p, 10000000000ull, &c, &err), KVP_OK);
	assert_int_equal(c.blocks, 57);
	assert_int_equal(c.blocks_per_request, 14);
	assert_true(c.max_concurrency == 57.0 / 14);
	/* A model of another type keeps the model's dtype (Granite's
	 * Mamba-2 layers alike, but not a NemotronH). */
	snprintf(m.model_type, sizeof m.model_type, "granitemoehybrid");
	p = plan_at(&m, 8192, 4, 0, KVP_MAMBA_ALL, 0);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->block, 2176);
}

/* kvp_engine_state_dtypes, case by case: vLLM's Nemotron-H keeps its
 * conv state in the model's fp16 and its SSM state in fp32 from 0.20, in
 * fp16 before unless its config names a type (ssm_cache_bytes), and
 * --mamba-ssm-cache-dtype (mamba_ssm_cache_bytes) wins for any model;
 * SGLang's conv state is bf16; values other than 0, 2 and 4 are refused. */
static void test_state_dtypes(void **state)
{
	kvp_model m = catalog_model("nemotron-h-56b");
	kvp_request r;
	kvp_dtype conv = KVP_DTYPE_INT8, ssm = KVP_DTYPE_INT8;
	kvp_plan p;
	kvp_error err;

	(void)state;
	kvp_request_init(&r);
	r.engine = KVP_ENGINE_VLLM;
	r.seq = 100;
	kvp_engine_state_dtypes(&r, &m, &conv, &ssm);
	assert_int_equal(conv, KVP_DTYPE_FP16);
	assert_int_equal(ssm, KVP_DTYPE_FP32);
	r.vllm_version = 19;
	kvp_engine_state_dtypes(&r, &m, &conv, &ssm);
	assert_int_equal(ssm, KVP_DTYPE_FP16);
	m.ssm_cache_bytes = 4; /* Nemotron 3 Nano's "float32" */
	kvp_engine_state_dtypes(&r, &m, &conv, &ssm);
	assert_int_equal(ssm, KVP_DTYPE_FP32);
	r.vllm_version = 0;
	r.mamba_ssm_cache_bytes = 2;
	kvp_engine_state_dtypes(&r, &m, &conv, &ssm);
	assert_int_equal(ssm, KVP_DTYPE_FP16);
	/* another model's "auto": the model's type; asked, fp32 */
	snprintf(m.model_type, sizeof m.model_type, "granitemoehybrid");
	r.mamba_ssm_cache_bytes = 0;
	kvp_engine_state_dtypes(&r, &m, &conv, &ssm);
	assert_int_equal(ssm, KVP_DTYPE_FP16);
	r.mamba_ssm_cache_bytes = 4;
	kvp_engine_state_dtypes(&r, &m, NULL, &ssm);
	assert_int_equal(ssm, KVP_DTYPE_FP32);
	r.engine = KVP_ENGINE_SGLANG;
	kvp_engine_state_dtypes(&r, &m, &conv, NULL);
	assert_int_equal(conv, KVP_DTYPE_BF16);
	/* nothing stored for a NULL request or model */
	conv = KVP_DTYPE_INT8;
	kvp_engine_state_dtypes(NULL, &m, &conv, &ssm);
	kvp_engine_state_dtypes(&r, NULL, &conv, &ssm);
	assert_int_equal(conv, KVP_DTYPE_INT8);
	/* Qwen3.5 (qwen3.5-27b's config: mamba_ssm_dtype float32) from 0.16
	 * (PR #34489), its model's dtype before; Qwen3-Next's auto is its
	 * model's; a Gated DeltaNet layer's type asked counts from 0.16. */
	{
		kvp_model q = catalog_model("qwen3.5-27b"), n = catalog_model("qwen3-next-80b-a3b");
		kvp_request v;

		kvp_request_init(&v);
		v.engine = KVP_ENGINE_VLLM;
		assert_int_equal(q.ssm_cache_bytes, 4);
		kvp_engine_state_dtypes(&v, &q, &conv, &ssm);
		assert_int_equal(conv, KVP_DTYPE_FP16);
		assert_int_equal(ssm, KVP_DTYPE_FP32);
		v.vllm_version = 15;
		kvp_engine_state_dtypes(&v, &q, &conv, &ssm);
		assert_int_equal(ssm, KVP_DTYPE_FP16);
		v.mamba_ssm_cache_bytes = 4;
		kvp_engine_state_dtypes(&v, &n, &conv, &ssm);
		assert_int_equal(ssm, KVP_DTYPE_FP16);
		v.vllm_version = 16;
		kvp_engine_state_dtypes(&v, &n, &conv, &ssm);
		assert_int_equal(ssm, KVP_DTYPE_FP32);
		v.mamba_ssm_cache_bytes = 0;
		kvp_engine_state_dtypes(&v, &n, &conv, &ssm);
		assert_int_equal(ssm, KVP_DTYPE_FP16);
	}
	r.engine = KVP_ENGINE_VLLM;
	r.mamba_ssm_cache_bytes = 3;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_ERR_INVALID);
	assert_string_equal(err.message, "mamba_ssm_cache_bytes 3: 4 (float32), 2 (float16,"
	                    " bfloat16) or 0 (auto)");
	r.mamba_ssm_cache_bytes = 0;
	m.ssm_cache_bytes = 8;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_ERR_SHAPE);
	assert_string_equal(err.message, "nemotron-h-56b: ssm_cache_bytes 8: 4 (float32), 2"
	                    " (float16, bfloat16) or 0 (not given)");
}

/* TensorRT-LLM's PyTorch runtime (lib/engine_state.c trtllm_ssm_dtype): the
 * conv state in the model's dtype (bf16 for weights that are not 16-bit
 * floats), the SSM state in the type a Nemotron-H config names
 * (ssm_cache_bytes), else the model's; Qwen3.5's mamba_ssm_dtype is not
 * read (PR #16065); KvCacheConfig.mamba_ssm_cache_dtype wins; its C++
 * runtime keeps the SSM state in fp32; a state_dtype asked is both. */
static void test_trtllm_state_dtypes(void **state)
{
	kvp_model nano = catalog_model("nemotron-3-nano-30b-a3b"), h56 = catalog_model("nemotron-h-56b"),
	          q = catalog_model("qwen3.5-27b");
	kvp_dtype conv = KVP_DTYPE_INT8, ssm = KVP_DTYPE_INT8;
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	(void)state;
	kvp_request_init(&r);
	r.engine = KVP_ENGINE_TRTLLM;
	r.seq = 100;
	kvp_engine_state_dtypes(&r, &nano, &conv, &ssm);
	assert_int_equal(conv, KVP_DTYPE_FP16);
	assert_int_equal(ssm, KVP_DTYPE_FP32);
	assert_int_equal(kvp_plan_compute(&nano, &r, &p, &err), KVP_OK);
	assert_int_equal(group_of(&p, KVP_LAYER_RECURRENT)->state_bytes_per_seq,
	                 18432 * 2 + 524288 * 4);
	r.weights_dtype = KVP_DTYPE_FP8;
	kvp_engine_state_dtypes(&r, &nano, &conv, &ssm);
	assert_int_equal(conv, KVP_DTYPE_BF16);
	assert_int_equal(ssm, KVP_DTYPE_FP32);
	r.weights_dtype = KVP_DTYPE_BF16;
	kvp_engine_state_dtypes(&r, &h56, &conv, &ssm);
	assert_int_equal(conv, KVP_DTYPE_BF16);
	assert_int_equal(ssm, KVP_DTYPE_BF16);
	assert_int_equal(q.ssm_cache_bytes, 4);
	kvp_engine_state_dtypes(&r, &q, &conv, &ssm);
	assert_int_equal(ssm, KVP_DTYPE_BF16);
	r.mamba_ssm_cache_bytes = 4;
	kvp_engine_state_dtypes(&r, &h56, &conv, &ssm);
	assert_int_equal(ssm, KVP_DTYPE_FP32);
	r.mamba_ssm_cache_bytes = 2;
	kvp_engine_state_dtypes(&r, &nano, &conv, &ssm);
	assert_int_equal(ssm, KVP_DTYPE_BF16);
	r.mamba_ssm_cache_bytes = 0;
	r.trtllm_cpp = true;
	kvp_engine_state_dtypes(&r, &h56, &conv, &ssm);
	assert_int_equal(conv, KVP_DTYPE_BF16);
	assert_int_equal(ssm, KVP_DTYPE_FP32);
	r.trtllm_cpp = false;
	r.state_dtype = KVP_DTYPE_FP16;
	kvp_engine_state_dtypes(&r, &nano, &conv, &ssm);
	assert_int_equal(conv, KVP_DTYPE_FP16);
	assert_int_equal(ssm, KVP_DTYPE_FP16);
}

/* A block asked aligns the chunk too (kernel_block_alignment_size =
 * max(16, 4,096)): lcm(128, 4,096) x cdiv(2,078, 4,096) = 4,096 tokens,
 * mamba_block_size and the block alike, the page 4,096 x 4,096 =
 * 16,777,216 B; a request of 8,192 holds 2 such pages a Mamba layer.  A
 * block of 64: lcm(128, 64) = 128, so 2,176 again. */
static void test_block_given(void **state)
{
	kvp_model m = catalog_model("nemotron-h-56b");
	kvp_plan p = plan(&m, 8192, 1, 4096, KVP_MAMBA_ALL);

	(void)state;
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->block, 4096);
	assert_int_equal(group_of(&p, KVP_LAYER_RECURRENT)->block, 4096);
	assert_int_equal(group_of(&p, KVP_LAYER_RECURRENT)->state_bytes_per_seq,
	                 2 * 16777216ull);
	p = plan(&m, 8192, 1, 64, KVP_MAMBA_ALL);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->block, 2176);
	assert_int_equal(group_of(&p, KVP_LAYER_RECURRENT)->block, 2176);
}

/* Qwen3-Next does not support mode all: vLLM runs it in align, 2 pages a
 * request whatever its length. */
static void test_falls_back(void **state)
{
	kvp_model m = catalog_model("qwen3-next-80b-a3b");
	kvp_plan all = plan(&m, 65536, 1, 0, KVP_MAMBA_ALL);
	kvp_plan align = plan(&m, 65536, 1, 0, KVP_MAMBA_ALIGN);

	(void)state;
	assert_int_equal(all.request.mamba_cache_mode, KVP_MAMBA_ALIGN);
	assert_int_equal(all.state_total_bytes, align.state_total_bytes);
	assert_int_equal(group_of(&all, KVP_LAYER_RECURRENT)->state_bytes_per_seq,
	                 group_of(&align, KVP_LAYER_RECURRENT)->state_bytes_per_seq);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nemotron_h),
		cmocka_unit_test(test_nemotron_h_fp32),
		cmocka_unit_test(test_state_dtypes),
		cmocka_unit_test(test_trtllm_state_dtypes),
		cmocka_unit_test(test_block_given),
		cmocka_unit_test(test_falls_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
