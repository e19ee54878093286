/*
 * test_cuda.c — the CUDA entry points where they cannot run: built without
 * CUDA they say so; built with it on a machine without a driver or GPU,
 * they say that, and allocate nothing (on a GPU that test skips, and
 * test_cuda_gpu runs).  Built with CUDA, how a decode step is split over
 * the GPU, which needs none.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"
#ifdef KVP_TEST_HAVE_CUDA
#include "cuda/cuda.h"
#endif
#include "testmodel.h"
#include "testutil.h"

static void test_no_gpu(void **state)
{
	kvp_model m = testmodel_new(32, 4096, 32, 32, 32000, 6738415616ull);
	kvp_device d;
	kvp_cuda_validation v;
	kvp_cuda_boundary b;
	kvp_error err;
	uint64_t free_bytes = 7;
	long live = testutil_live_blocks();

	(void)state;
	/* A GPU here: test_cuda_gpu is the test. */
	if (kvp_device_cuda(0, &d, NULL, NULL) == KVP_OK)
		skip();
#ifdef KVP_TEST_HAVE_CUDA
	assert_true(kvp_cuda_built());
#else
	assert_false(kvp_cuda_built());
#endif
	assert_int_equal(kvp_device_cuda(0, &d, &free_bytes, &err), KVP_ERR_UNSUPPORTED);
	assert_int_equal(free_bytes, 7);
	if (kvp_cuda_built())
		assert_non_null(strstr(err.message, "no CUDA GPU"));
	else
		assert_string_equal(err.message, "this libkvplan was built without CUDA"
		                    " (configure --with-cuda)");
	assert_int_equal(kvp_cuda_validate_run(&m, KVP_DTYPE_FP16, 1024, 1,
	                                       KVP_LAYOUT_CONTIGUOUS, 0, 0, &v, &err),
	                 KVP_ERR_UNSUPPORTED);
	assert_int_equal(kvp_cuda_boundary_run(&m, KVP_DTYPE_FP16, 0, NULL, false, 16,
	                                       &b, &err),
	                 KVP_ERR_UNSUPPORTED);
	assert_int_equal(testutil_live_blocks(), live);
}

#ifdef KVP_TEST_HAVE_CUDA
/* Every split covers the context once, in whole chunks of 32 but the
 * last, within the shared memory a launch may take without asking (48 KiB
 * with the kernel's own 192 B), and the largest block of query heads
 * that divides the group; then splits worked by hand: four blocks an SM
 * where there are tokens for them, chunks within 47 KiB of floats less
 * each warp's sums (4 x head_dim a query head). */
static void test_split(void **state)
{
	static const kvp__cuda_decode_shape shapes[] = {
		{1, 1, 32, 32, 128},     {1, 262144, 32, 32, 128}, {1, 1048576, 32, 8, 128},
		{32, 64, 32, 32, 128},   {32, 4096, 32, 32, 128},  {1, 5000, 32, 1, 128},
		{66, 3000, 32, 8, 64},   {3, 777, 16, 2, 256},     {1, 100000, 40, 8, 128},
		{1, 1000000, 16, 2, 256},
	};
	kvp__cuda_decode_shape bad = {1, 100, 32, 32, 96}, uneven = {1, 100, 32, 5, 128};
	kvp__cuda_decode_shape wide = {1, 1000000, 16, 2, 256};
	kvp__cuda_decode_shape many = {65536, 16, 8, 8, 128};
	kvp__cuda_decode_shape longest = {1, UINT32_MAX, 32, 8, 128};
	kvp__cuda_decode_shape headless = {1, 16, 0, 8, 128};
	kvp__cuda_decode_shape wide_heads = {1, 16, 5 * 13108, 13108, 128};
	kvp__cuda_decode_split s;
	kvp_error err;

	(void)state;
	for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
		const kvp__cuda_decode_shape *sh = &shapes[i];
		uint32_t group = sh->heads / sh->kv_heads;

		assert_int_equal(kvp__cuda_decode_split_for(sh, 132, &s, &err), KVP_OK);
		assert_int_equal(s.chunk % 32, 0);
		assert_true((uint64_t)s.chunk * s.splits >= sh->tokens);
		assert_true((uint64_t)s.chunk * (s.splits - 1) < sh->tokens);
		assert_int_equal(group % s.group_block, 0);
		assert_true(s.group_block == 8 || group % (2 * s.group_block) != 0);
		assert_int_equal(s.shared_bytes, (size_t)s.group_block *
		                 (s.chunk + 4 * sh->head_dim) * 4);
		assert_true(s.shared_bytes + 192 <= 49152);
		assert_int_equal(s.partial_bytes, (uint64_t)sh->seqs * sh->heads * s.splits *
		                 (sh->head_dim + 2) * 4);
	}
	/* 262,144 tokens of one MHA layer: 32 blocks want 17 splits (528
	 * blocks), but chunks of 1,024 at most: 256. */
	assert_int_equal(kvp__cuda_decode_split_for(&shapes[1], 132, &s, &err), KVP_OK);
	assert_int_equal(s.chunk, 1024);
	assert_int_equal(s.splits, 256);
	/* GQA 32/8 at 1,048,576: blocks of 4 query heads, 8 a split: 1,024
	 * splits of 1,024. */
	assert_int_equal(kvp__cuda_decode_split_for(&shapes[2], 132, &s, &err), KVP_OK);
	assert_int_equal(s.group_block, 4);
	assert_int_equal(s.chunk, 1024);
	assert_int_equal(s.splits, 1024);
	/* Blocks of 8 query heads of 256: 8 x (a chunk + 1,024) values in
	 * 12,032, so chunks of 480: 1,000,000 tokens in 2,084. */
	assert_int_equal(kvp__cuda_decode_split_for(&wide, 132, &s, &err), KVP_OK);
	assert_int_equal(s.group_block, 8);
	assert_int_equal(s.chunk, 480);
	assert_int_equal(s.splits, 2084);
	/* MQA at 5,000: blocks of 8 query heads, 4 a split: 132 splits of 38
	 * tokens wanted, rounded up to chunks of 64: 79. */
	assert_int_equal(kvp__cuda_decode_split_for(&shapes[5], 132, &s, &err), KVP_OK);
	assert_int_equal(s.chunk, 64);
	assert_int_equal(s.splits, 79);
	/* llama2-7b's whole cache at 64 tokens: 1,024 blocks already, one
	 * split of 64. */
	assert_int_equal(kvp__cuda_decode_split_for(&shapes[3], 132, &s, &err), KVP_OK);
	assert_int_equal(s.chunk, 64);
	assert_int_equal(s.splits, 1);
	assert_int_equal(kvp__cuda_decode_split_for(&bad, 132, &s, &err), KVP_ERR_UNSUPPORTED);
	assert_int_equal(kvp__cuda_decode_split_for(&uneven, 132, &s, &err), KVP_ERR_INVALID);
	/* A grid's y and z reach 65,535: sequences, and kv heads x blocks of
	 * query heads (5 query heads a kv head go one a block). */
	assert_int_equal(kvp__cuda_decode_split_for(&many, 132, &s, &err), KVP_ERR_UNSUPPORTED);
	assert_int_equal(kvp__cuda_decode_split_for(&wide_heads, 132, &s, &err),
	                 KVP_ERR_UNSUPPORTED);
	many.seqs = 65535;
	assert_int_equal(kvp__cuda_decode_split_for(&many, 132, &s, &err), KVP_OK);
	/* The longest context a shape holds, 2^32 - 1 tokens: 4,194,304
	 * chunks of 1,024, the sums in 64 bits (in 32 they wrapped to 0). */
	assert_int_equal(kvp__cuda_decode_split_for(&longest, 132, &s, &err), KVP_OK);
	assert_int_equal(s.chunk, 1024);
	assert_int_equal(s.splits, 4194304);
	assert_int_equal(kvp__cuda_decode_split_for(&headless, 132, &s, &err), KVP_ERR_INVALID);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_gpu),
#ifdef KVP_TEST_HAVE_CUDA
		cmocka_unit_test(test_split),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
