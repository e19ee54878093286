/*
 * test_cuda_gpu.c — libkvplan on a real GPU (built with CUDA; skipped
 * where no GPU is found): the device read from CUDA, the cache
 * allocated with cudaMalloc equal to the prediction to the byte in both
 * layouts, the fall in free memory explained by the measured granule, the
 * decode kernel against the host over head sizes and groupings, and the
 * edge of device memory.  The sizes are worked by hand from the models'
 * configs: llama2-7b (32 layers, 32 heads of 128, params 6,738,415,616)
 * and Llama-3-8B's grouping (8 kv heads).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"
#include "ref/ref.h"
#include <cuda_runtime_api.h>

#include "cuda/cuda.h"
#include "testmodel.h"
#include "testutil.h"

#define LLAMA2_PARAMS 6738415616ull

static kvp_model llama2(void)
{
	return testmodel_new(32, 4096, 32, 32, 32000, LLAMA2_PARAMS);
}

static void test_device(void **state)
{
	struct cudaDeviceProp prop;
	kvp_device d, profile;
	kvp_error err;
	uint64_t free_bytes = 0;
	int count = 0;
	char path[4096];
	const char *src = getenv("KVPLAN_SRCDIR");

	(void)state;
	assert_int_equal(kvp_device_cuda(0, &d, &free_bytes, &err), KVP_OK);
	assert_int_equal(cudaGetDeviceProperties(&prop, 0), cudaSuccess);
	assert_string_equal(d.name, "cuda:0");
	assert_int_equal(d.hbm_bytes, prop.totalGlobalMem);
	assert_int_equal(d.cuda_bytes, prop.totalGlobalMem);
	assert_int_equal(d.l2_bytes, (uint64_t)prop.l2CacheSize);
	assert_true(free_bytes > 0 && free_bytes <= d.hbm_bytes);
	assert_true(d.bandwidth_gbs > 0);
	assert_int_equal(kvp_device_check(&d, &err), KVP_OK);
	print_message("cuda:0: %s, %llu B total, %llu B free, L2 %llu B, %.1f GB/s, %s\n",
	              d.description, (unsigned long long)d.hbm_bytes,
	              (unsigned long long)free_bytes, (unsigned long long)d.l2_bytes,
	              d.bandwidth_gbs, d.arch);
	/* The catalogue's profile of this GPU, where it has one. */
	if (strstr(prop.name, "H200")) {
		snprintf(path, sizeof path, "%s/data/gpus/h200.yaml", src ? src : KVP_TEST_SRCDIR);
		assert_int_equal(kvp_device_load_file(path, &profile, &err), KVP_OK);
		assert_string_equal(d.arch, profile.arch);
		assert_int_equal(d.l2_bytes, profile.l2_bytes);
		assert_true(d.hbm_bytes <= profile.hbm_bytes);
		print_message("h200.yaml: cuda_memory %llu B; this GPU's total %llu B\n",
		              (unsigned long long)profile.cuda_bytes,
		              (unsigned long long)d.cuda_bytes);
	}
	assert_int_equal(cudaGetDeviceCount(&count), cudaSuccess);
	assert_int_equal(kvp_device_cuda(count, &d, NULL, &err), KVP_ERR_NOT_FOUND);
	if (count == 1)
		assert_string_equal(err.message, "no CUDA GPU 1: the driver sees 1 (cuda:0)");
	assert_int_equal(kvp_device_cuda(-1, &d, NULL, &err), KVP_ERR_NOT_FOUND);
}

static void check_validation(const kvp_model *m, uint64_t seq, uint64_t batch,
                             kvp_layout layout, uint32_t block, uint64_t bytes,
                             uint64_t allocations)
{
	kvp_cuda_validation v;
	kvp_error err;

	assert_int_equal(kvp_cuda_validate_run(m, KVP_DTYPE_FP16, seq, batch, layout,
	                                       block, 0, &v, &err), KVP_OK);
	print_message("%s seq %llu batch %llu: predicted %llu, asked %llu in %llu,"
	              " free fell %llu, granule %llu, rounded %llu; kernel %llu x %u:"
	              " %.3g <= %.3g\n", kvp_layout_name(layout),
	              (unsigned long long)seq, (unsigned long long)batch,
	              (unsigned long long)v.predicted_bytes,
	              (unsigned long long)v.requested_bytes,
	              (unsigned long long)v.allocations,
	              (unsigned long long)v.free_drop_bytes,
	              (unsigned long long)v.granule_bytes,
	              (unsigned long long)v.rounded_bytes,
	              (unsigned long long)v.kernel_tokens, v.kernel_seqs,
	              v.max_abs_error, v.tolerance);
	assert_int_equal(v.predicted_bytes, bytes);
	assert_int_equal(v.requested_bytes, bytes);
	assert_int_equal(v.allocations, allocations);
	assert_true(v.granule_bytes > 0);
	assert_int_equal(v.free_drop_bytes, v.rounded_bytes);
	/* Pages of 1 to 2 MiB each take a whole 2 MiB granule. */
	if (layout == KVP_LAYOUT_PAGED && bytes / allocations > v.granule_bytes / 2)
		assert_int_equal(v.free_drop_bytes, allocations * v.granule_bytes);
	assert_true(v.kernel_run);
	assert_true(v.max_abs_error <= v.tolerance);
	assert_true(v.passed);
}

/* 2 x 32 layers x 1024 tokens x 32 heads x 128 x 2 B = 536,870,912: one K
 * and one V array; or 64 blocks of 16 tokens in 32 layers, 2,048 pages of
 * 2 x 16 x 8,192 B. */
static void test_llama2_cache(void **state)
{
	kvp_model m = llama2();

	(void)state;
	check_validation(&m, 1024, 1, KVP_LAYOUT_CONTIGUOUS, 0, 536870912ull, 2);
	check_validation(&m, 1024, 1, KVP_LAYOUT_PAGED, 16, 536870912ull, 2048);
	/* 1,000 tokens: 63 blocks, the last one whole: 63 x 32 x 262,144. */
	check_validation(&m, 1000, 1, KVP_LAYOUT_PAGED, 16, 528482304ull, 2016);
	/* Blocks of 96 tokens: pages of 2 x 96 x 8,192 = 1,572,864 B, more
	 * than half a granule, each taking 2 MiB of free memory: 10 blocks
	 * x 32 layers = 320 pages, 503,316,480 B asked, 671,088,640 lost. */
	check_validation(&m, 960, 1, KVP_LAYOUT_PAGED, 96, 503316480ull, 320);
}

/* Llama-3-8B's grouping, 8 kv heads: 2 x 32 x 4096 x 2 x 8 x 128 x 2 B. */
static void test_gqa_cache(void **state)
{
	kvp_model m = testmodel_new(32, 4096, 32, 8, 128256, 8030261248ull);

	(void)state;
	check_validation(&m, 4096, 2, KVP_LAYOUT_CONTIGUOUS, 0, 1073741824ull, 2);
}

/* The kernel against the host's double-precision attention over the same
 * fp16 values: every head size it has, groups of 1 to 32 query heads (one
 * of 5, which no block size divides but 1), contexts shorter than a chunk,
 * not a multiple of one, and long enough to split. */
static void test_kernel_shapes(void **state)
{
	static const kvp__cuda_decode_shape shapes[] = {
		{1, 1, 8, 8, 64},       {2, 31, 32, 32, 128},  {1, 1000, 32, 8, 128},
		{1, 5000, 32, 1, 128},  {3, 777, 16, 2, 256},  {1, 129, 40, 8, 128},
		{4, 3000, 8, 8, 64},    {66, 3000, 32, 8, 64},
	};
	struct cudaDeviceProp prop;

	(void)state;
	assert_int_equal(cudaGetDeviceProperties(&prop, 0), cudaSuccess);
	for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
		const kvp__cuda_decode_shape *s = &shapes[i];
		kvp__cuda_decode_split split;
		kvp__cuda_decode_params p = {0};
		kvp_error err;
		uint64_t cache_n = (uint64_t)s->seqs * s->tokens * s->kv_heads * s->head_dim;
		uint64_t q_n = (uint64_t)s->seqs * s->heads * s->head_dim, rng = i + 1;
		uint16_t *host = malloc((2 * cache_n + q_n) * 2);
		double *want = malloc(q_n * sizeof *want), vmax = 0, worst = 0;
		float *got = malloc(q_n * sizeof *got);
		char *dev = NULL;

		assert_non_null(host);
		assert_non_null(want);
		assert_non_null(got);
		for (uint64_t j = 0; j < 2 * cache_n + q_n; j++) {
			host[j] = kvp__fp16_from_float(kvp__rng_float(&rng) * 2.0f);
			if (j >= cache_n && j < 2 * cache_n)
				vmax = fmax(vmax, fabs(kvp__fp16_to_float(host[j])));
		}
		assert_int_equal(kvp__cuda_decode_split_for(s, prop.multiProcessorCount,
		                                            &split, &err), KVP_OK);
		assert_int_equal(cudaMalloc((void **)&dev, (2 * cache_n + q_n) * 2 +
		                            split.partial_bytes + q_n * 4), cudaSuccess);
		p.k = dev;
		p.v = dev + cache_n * 2;
		p.q = dev + 2 * cache_n * 2;
		p.part_o = (float *)(dev + (2 * cache_n + q_n) * 2);
		p.part_ml = p.part_o + (uint64_t)s->seqs * s->heads * split.splits * s->head_dim;
		p.out = (float *)((char *)p.part_o + split.partial_bytes);
		assert_int_equal(cudaMemcpy(dev, host, (2 * cache_n + q_n) * 2,
		                            cudaMemcpyHostToDevice), cudaSuccess);
		assert_int_equal(kvp__cuda_decode(s, &split, &p, 0, &err), KVP_OK);
		assert_int_equal(cudaMemcpy(got, p.out, q_n * 4, cudaMemcpyDeviceToHost),
		                 cudaSuccess);
		kvp__cuda_decode_host(s, host, host + cache_n, host + 2 * cache_n, want);
		for (uint64_t j = 0; j < q_n; j++)
			worst = fmax(worst, fabs((double)got[j] - want[j]));
		print_message("d%u %u/%u x %u tokens x %u: %u splits of %u, block of %u"
		              " heads: %.3g (bound %.3g)\n", s->head_dim, s->heads,
		              s->kv_heads, s->tokens, s->seqs, split.splits, split.chunk,
		              split.group_block, worst, ldexp(1.0, -10) * vmax);
		assert_true(worst <= ldexp(1.0, -10) * vmax);
		cudaFree(dev);
		free(host);
		free(want);
		free(got);
	}
}

/* The edge of memory for llama2-7b in fp16: W = 6,738,415,616 x 2 B of
 * weights and 524,288 B a token (2 x 32 x 4096 x 2); then with fp8
 * weights, W = 6,738,415,616 B, and a reserve of 1 GiB taken from the
 * budget. */
static void test_boundary(void **state)
{
	kvp_model m = llama2();
	kvp_cuda_boundary b;
	kvp_fit_options o;
	kvp_error err;
	struct cudaDeviceProp prop;

	(void)state;
	for (int from_free = 0; from_free < 2; from_free++) {
		kvp_fit_options_init(&o);
		o.mem_util = from_free ? 1.0 : 0.9;
		assert_int_equal(kvp_cuda_boundary_run(&m, KVP_DTYPE_FP16, 0, &o,
		                                       from_free, 16, &b, &err), KVP_OK);
		print_message("%s: budget %llu, free %llu, %llu tokens = %llu B (given: %d),"
		              " %llu tokens = %llu B (past: %d, given: %d)\n",
		              from_free ? "free memory" : "plan", (unsigned long long)b.budget_bytes,
		              (unsigned long long)b.free_bytes, (unsigned long long)b.max_tokens,
		              (unsigned long long)b.max_bytes, b.max_allocated,
		              (unsigned long long)b.over_tokens, (unsigned long long)b.over_bytes,
		              b.over_exceeds, b.over_allocated);
		assert_int_equal(b.weights_bytes, 2 * LLAMA2_PARAMS);
		assert_int_equal(b.max_tokens, (b.budget_bytes - b.weights_bytes) / 524288);
		assert_int_equal(b.max_bytes, b.weights_bytes + b.max_tokens * 524288);
		assert_int_equal(b.over_bytes, b.max_bytes + 16 * 524288);
		assert_true(b.max_allocated);
		assert_true(b.over_exceeds);
		assert_int_equal(b.over_allocated, !from_free);
		assert_true(b.passed);
	}
	kvp_fit_options_init(&o);
	o.weights_dtype = KVP_DTYPE_FP8;
	o.reserve_bytes = 1ull << 30;
	assert_int_equal(kvp_cuda_boundary_run(&m, KVP_DTYPE_FP16, 0, &o, false, 16, &b, &err),
	                 KVP_OK);
	assert_int_equal(b.weights_bytes, LLAMA2_PARAMS);
	assert_int_equal(cudaGetDeviceProperties(&prop, 0), cudaSuccess);
	assert_int_equal(b.budget_bytes,
	                 (uint64_t)floor((double)prop.totalGlobalMem * 0.9) - (1ull << 30));
	assert_int_equal(b.max_tokens, (b.budget_bytes - LLAMA2_PARAMS) / 524288);
	assert_true(b.passed);
	o.mem_util = 1.5;
	assert_int_equal(kvp_cuda_boundary_run(&m, KVP_DTYPE_FP16, 0, &o, false, 16, &b, &err),
	                 KVP_ERR_INVALID);
}

static void test_refused(void **state)
{
	kvp_model m = llama2(), odd = testmodel_new(4, 768, 8, 8, 1000, 1000000);
	kvp_cuda_validation v;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_cuda_validate_run(&m, KVP_DTYPE_Q8_0, 1024, 1,
	                                       KVP_LAYOUT_CONTIGUOUS, 0, 0, &v, &err),
	                 KVP_ERR_UNSUPPORTED);
	/* 2^40 tokens: more than any GPU, refused before allocating. */
	assert_int_equal(kvp_cuda_validate_run(&m, KVP_DTYPE_FP16, 1ull << 40, 1,
	                                       KVP_LAYOUT_CONTIGUOUS, 0, 0, &v, &err),
	                 KVP_ERR_NO_FIT);
	/* head_dim 96: allocated and compared; no kernel for it. */
	assert_int_equal(kvp_cuda_validate_run(&odd, KVP_DTYPE_FP16, 100, 1,
	                                       KVP_LAYOUT_CONTIGUOUS, 0, 0, &v, &err), KVP_OK);
	assert_false(v.kernel_run);
	assert_int_equal(v.requested_bytes, 2ull * 4 * 100 * 8 * 96 * 2);
	assert_true(v.passed);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_device),
		cmocka_unit_test(test_llama2_cache),
		cmocka_unit_test(test_gqa_cache),
		cmocka_unit_test(test_kernel_shapes),
		cmocka_unit_test(test_boundary),
		cmocka_unit_test(test_refused),
	};
	kvp_device d;
	kvp_error err;

	/* Skipped, in the TAP the suite's driver reads (its "1..0 # SKIP"
	 * is Automake's exit 77). */
	if (kvp_device_cuda(0, &d, NULL, &err) != KVP_OK) {
		printf("1..0 # SKIP %s\n", err.message);
		return 0;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
