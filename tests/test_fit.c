/*
 * test_fit.c — unit tests for lib/fit.c and lib/gpu.c: L2 and HBM fit of
 * llama2-7b on V100, A100 and H100 profiles written out from numbers, the
 * closed-form max seq / max batch, and the options' edges.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"

/* 524288 B/token in fp16 (2 * 32 * 32 * 128 * 2); weights in fp16
 * 6738415616 * 2 = 13476831232 B. */
static const kvp_model llama2_7b = {
	.name = "llama2-7b", .layers = 32, .hidden = 4096, .heads = 32,
	.kv_heads = 32, .params = 6738415616ULL,
};
/* HBM in GiB, L2 in MiB (reference-data.md section 3). */
static const kvp_device v100 = {
	.name = "v100-32g", .hbm_bytes = 34359738368ULL, .l2_bytes = 6291456,
};
static const kvp_device a100 = {
	.name = "a100-80g", .hbm_bytes = 85899345920ULL, .l2_bytes = 41943040,
};
static const kvp_device h100 = {
	.name = "h100-sxm", .hbm_bytes = 85899345920ULL, .l2_bytes = 52428800,
};

/* kvp_fit_compute that must succeed, with an fp16 cache. */
static kvp_fit fit_ok(const kvp_model *model, const kvp_device *device,
                      uint64_t seq, uint64_t batch,
                      const kvp_fit_options *options)
{
	kvp_fit fit;
	kvp_error err;

	assert_int_equal(kvp_fit_compute(model, device, KVP_DTYPE_FP16, seq, batch,
	                                 options, &fit, &err),
	                 KVP_OK);
	assert_int_equal(err.status, KVP_OK);
	return fit;
}

/* The defaults: fp16 weights, 90 % of HBM usable, nothing reserved. */
static void test_options_defaults(void **state)
{
	kvp_fit_options options;

	(void)state;
	memset(&options, 0xff, sizeof options);
	kvp_fit_options_init(&options);
	assert_int_equal(options.weights_dtype, KVP_DTYPE_FP16);
	assert_true(options.mem_util == 0.90);
	assert_int_equal(options.reserve_bytes, 0);
}

/* max_seq_l2 = floor(L2 / 524288): V100 6291456 / 524288 = 12, A100
 * 41943040 / 524288 = 80, H100 52428800 / 524288 = 100. */
static void test_max_seq_l2(void **state)
{
	(void)state;
	assert_int_equal(fit_ok(&llama2_7b, &v100, 1024, 1, NULL).max_seq_l2, 12);
	assert_int_equal(fit_ok(&llama2_7b, &a100, 1024, 1, NULL).max_seq_l2, 80);
	assert_int_equal(fit_ok(&llama2_7b, &h100, 1024, 1, NULL).max_seq_l2, 100);
}

/* With batch 2 each token of context costs twice as much:
 * 52428800 / (524288 * 2) = 50 on H100. */
static void test_max_seq_l2_batch(void **state)
{
	(void)state;
	assert_int_equal(fit_ok(&llama2_7b, &h100, 1, 2, NULL).max_seq_l2, 50);
}

/* At seq 100 the whole cache is 524288 * 100 = 52428800, exactly H100's L2:
 * equal counts as fitting.  At 101 (52953088) it does not. */
static void test_fits_l2_boundary(void **state)
{
	kvp_fit fit;

	(void)state;
	fit = fit_ok(&llama2_7b, &h100, 100, 1, NULL);
	assert_int_equal(fit.kv_total_bytes, 52428800);
	assert_true(fit.fits_l2);
	fit = fit_ok(&llama2_7b, &h100, 101, 1, NULL);
	assert_int_equal(fit.kv_total_bytes, 52953088);
	assert_false(fit.fits_l2);
}

/* At seq 1024 the 512 MiB cache fits no L2, but one layer (16384 * 1024 =
 * 16777216, 16 MiB) fits A100's 40 MiB and H100's 50 MiB, not V100's 6. */
static void test_layer_fits_l2(void **state)
{
	kvp_fit fit;

	(void)state;
	fit = fit_ok(&llama2_7b, &v100, 1024, 1, NULL);
	assert_int_equal(fit.kv_total_bytes, 536870912);
	assert_int_equal(fit.kv_layer_bytes, 16777216);
	assert_false(fit.fits_l2);
	assert_false(fit.layer_fits_l2);
	fit = fit_ok(&llama2_7b, &a100, 1024, 1, NULL);
	assert_false(fit.fits_l2);
	assert_true(fit.layer_fits_l2);
	fit = fit_ok(&llama2_7b, &h100, 1024, 1, NULL);
	assert_false(fit.fits_l2);
	assert_true(fit.layer_fits_l2);
}

/* With one kv head the whole cache at seq 1024 is 16384 * 1024 = 16777216
 * (16 MiB): it fits A100's and H100's L2, not V100's. */
static void test_mqa_fits_l2(void **state)
{
	kvp_model mqa;
	kvp_fit fit;

	(void)state;
	assert_int_equal(kvp_model_with_kv_heads(&llama2_7b, 1, &mqa, NULL), KVP_OK);
	fit = fit_ok(&mqa, &v100, 1024, 1, NULL);
	assert_int_equal(fit.kv_total_bytes, 16777216);
	assert_false(fit.fits_l2);
	assert_true(fit_ok(&mqa, &a100, 1024, 1, NULL).fits_l2);
	assert_true(fit_ok(&mqa, &h100, 1024, 1, NULL).fits_l2);
}

/* HBM on H100 with the defaults: usable 85899345920 * 0.9 = 77309411328,
 * budget 77309411328 - 13476831232 = 63832580096; max seq at batch 1
 * floor(63832580096 / 524288) = 121750; max batch at seq 1024
 * floor(63832580096 / 536870912) = 118; the 512 MiB cache fits. */
static void test_hbm_h100_defaults(void **state)
{
	kvp_fit fit;

	(void)state;
	fit = fit_ok(&llama2_7b, &h100, 1024, 1, NULL);
	assert_int_equal(fit.weights_bytes, 13476831232ULL);
	assert_int_equal(fit.usable_bytes, 77309411328ULL);
	assert_true(fit.fits_hbm);
	assert_int_equal(fit.max_seq_hbm, 121750);
	assert_int_equal(fit.max_batch_hbm, 118);
}

/* Explicit default options give the same result as NULL options. */
static void test_null_options_are_defaults(void **state)
{
	kvp_fit_options options;
	kvp_fit with_null, with_defaults;

	(void)state;
	kvp_fit_options_init(&options);
	with_null = fit_ok(&llama2_7b, &h100, 1024, 1, NULL);
	with_defaults = fit_ok(&llama2_7b, &h100, 1024, 1, &options);
	assert_int_equal(with_null.weights_bytes, with_defaults.weights_bytes);
	assert_int_equal(with_null.usable_bytes, with_defaults.usable_bytes);
	assert_int_equal(with_null.fits_hbm, with_defaults.fits_hbm);
	assert_int_equal(with_null.max_seq_hbm, with_defaults.max_seq_hbm);
	assert_int_equal(with_null.max_batch_hbm, with_defaults.max_batch_hbm);
}

/* usable is floored: 34359738368 * 0.9 = 30923764531.2 -> 30923764531. */
static void test_usable_floor(void **state)
{
	(void)state;
	assert_int_equal(fit_ok(&llama2_7b, &v100, 1024, 1, NULL).usable_bytes,
	                 30923764531ULL);
}

/* fp32 weights double: 6738415616 * 4 = 26953662464; budget
 * 77309411328 - 26953662464 = 50355748864; max seq
 * floor(50355748864 / 524288) = 96045; max batch at 1024
 * floor(50355748864 / 536870912) = 93. */
static void test_weights_fp32(void **state)
{
	kvp_fit_options options;
	kvp_fit fit;

	(void)state;
	kvp_fit_options_init(&options);
	options.weights_dtype = KVP_DTYPE_FP32;
	fit = fit_ok(&llama2_7b, &h100, 1024, 1, &options);
	assert_int_equal(fit.weights_bytes, 26953662464ULL);
	assert_true(fit.fits_hbm);
	assert_int_equal(fit.max_seq_hbm, 96045);
	assert_int_equal(fit.max_batch_hbm, 93);
}

/* A 1 GiB reserve costs 2^30 / 2^19 = 2048 tokens: max seq
 * 121750 - 2048 = 119702 (floor((63832580096 - 1073741824) / 524288));
 * max batch floor(62758838272 / 536870912) = 116. */
static void test_reserve(void **state)
{
	kvp_fit_options options;
	kvp_fit fit;

	(void)state;
	kvp_fit_options_init(&options);
	options.reserve_bytes = 1073741824;
	fit = fit_ok(&llama2_7b, &h100, 1024, 1, &options);
	assert_true(fit.fits_hbm);
	assert_int_equal(fit.max_seq_hbm, 119702);
	assert_int_equal(fit.max_batch_hbm, 116);
}

/* A reserve that leaves exactly the cache's 536870912 bytes
 * (63832580096 - 536870912 = 63295709184): weights + cache + reserve equal
 * usable, which fits, at exactly seq 1024 and batch 1.  One byte more and
 * it does not: max seq 1023, max batch 0. */
static void test_reserve_exact_boundary(void **state)
{
	kvp_fit_options options;
	kvp_fit fit;

	(void)state;
	kvp_fit_options_init(&options);
	options.reserve_bytes = 63295709184ULL;
	fit = fit_ok(&llama2_7b, &h100, 1024, 1, &options);
	assert_true(fit.fits_hbm);
	assert_int_equal(fit.max_seq_hbm, 1024);
	assert_int_equal(fit.max_batch_hbm, 1);
	options.reserve_bytes++;
	fit = fit_ok(&llama2_7b, &h100, 1024, 1, &options);
	assert_false(fit.fits_hbm);
	assert_int_equal(fit.max_seq_hbm, 1023);
	assert_int_equal(fit.max_batch_hbm, 0);
}

/* Weights + reserve past usable (reserve 63832580097, one byte over the
 * budget) leave no room: fits_hbm false and both maxima 0, even at seq 1. */
static void test_weights_and_reserve_exceed_usable(void **state)
{
	kvp_fit_options options;
	kvp_fit fit;

	(void)state;
	kvp_fit_options_init(&options);
	options.reserve_bytes = 63832580097ULL;
	fit = fit_ok(&llama2_7b, &h100, 1, 1, &options);
	assert_false(fit.fits_hbm);
	assert_int_equal(fit.max_seq_hbm, 0);
	assert_int_equal(fit.max_batch_hbm, 0);
}

/* Weights alone past usable: llama2-70b's 68976648192 * 2 = 137953296384
 * fp16 weights on V100's 30923764531 usable bytes. */
static void test_weights_exceed_usable(void **state)
{
	kvp_model llama2_70b = {.name = "llama2-70b", .layers = 80, .hidden = 8192,
	                        .heads = 64, .kv_heads = 8,
	                        .params = 68976648192ULL};
	kvp_fit fit;

	(void)state;
	fit = fit_ok(&llama2_70b, &v100, 1, 1, NULL);
	assert_int_equal(fit.weights_bytes, 137953296384ULL);
	assert_false(fit.fits_hbm);
	assert_int_equal(fit.max_seq_hbm, 0);
	assert_int_equal(fit.max_batch_hbm, 0);
}

/* A reserve of 2^64 - 1 overflows weights + reserve: no fit, no wrap. */
static void test_reserve_overflow(void **state)
{
	kvp_fit_options options;
	kvp_fit fit;

	(void)state;
	kvp_fit_options_init(&options);
	options.reserve_bytes = UINT64_MAX;
	fit = fit_ok(&llama2_7b, &h100, 1, 1, &options);
	assert_false(fit.fits_hbm);
	assert_int_equal(fit.max_seq_hbm, 0);
	assert_int_equal(fit.max_batch_hbm, 0);
}

/* mem_util outside (0, 1] — negative, above 1, NaN, infinity — is
 * KVP_ERR_INVALID; 0 (either sign) is the engine's own share, the exact
 * model's 0.90. */
static void test_mem_util_invalid(void **state)
{
	const double bad[] = {-0.5, 1.5, 1.0000001, NAN, INFINITY, -4.9e-324};
	kvp_fit_options options;
	kvp_fit fit;
	kvp_error err;

	(void)state;
	kvp_fit_options_init(&options);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		options.mem_util = bad[i];
		assert_int_equal(kvp_fit_compute(&llama2_7b, &h100, KVP_DTYPE_FP16,
		                                 1024, 1, &options, &fit, &err),
		                 KVP_ERR_INVALID);
		assert_int_equal(err.status, KVP_ERR_INVALID);
		assert_non_null(strstr(err.message, "memory utilisation"));
	}
	for (int sign = 0; sign < 2; sign++) {
		kvp_fit at90;

		options.mem_util = sign ? -0.0 : 0.0;
		assert_int_equal(kvp_fit_compute(&llama2_7b, &h100, KVP_DTYPE_FP16,
		                                 1024, 1, &options, &fit, &err), KVP_OK);
		options.mem_util = 0.90;
		assert_int_equal(kvp_fit_compute(&llama2_7b, &h100, KVP_DTYPE_FP16,
		                                 1024, 1, &options, &at90, &err), KVP_OK);
		assert_true(fit.mem_util == 0.90);
		assert_int_equal(fit.usable_bytes, at90.usable_bytes);
	}
}

/* mem_util 1.0 makes all of HBM usable: budget 85899345920 - 13476831232 =
 * 72422514688; max seq floor(72422514688 / 524288) = 138134; max batch
 * floor(72422514688 / 536870912) = 134. */
static void test_mem_util_one(void **state)
{
	kvp_fit_options options;
	kvp_fit fit;

	(void)state;
	kvp_fit_options_init(&options);
	options.mem_util = 1.0;
	fit = fit_ok(&llama2_7b, &h100, 1024, 1, &options);
	assert_int_equal(fit.usable_bytes, 85899345920ULL);
	assert_int_equal(fit.max_seq_hbm, 138134);
	assert_int_equal(fit.max_batch_hbm, 134);
}

/* usable_bytes of a device of hbm bytes at mem_util, which must succeed. */
static uint64_t usable_at(uint64_t hbm, double mem_util)
{
	kvp_device device = {.name = "dev", .hbm_bytes = hbm, .l2_bytes = 1};
	kvp_fit_options options;

	kvp_fit_options_init(&options);
	options.mem_util = mem_util;
	return fit_ok(&llama2_7b, &device, 1, 1, &options).usable_bytes;
}

/* usable is floor(hbm * mem_util) at the double's exact value, not at
 * mem_util rounded to millionths (which made 0.9999996 a full 1.0).  The
 * double nearest 0.9999996 is 4503597825930645 / 2^52
 * = 0.99999959999999998849...; 80 GiB = 85899345920 = 20480 * 2^22, so
 * 85899345920 * 4503597825930645 / 2^52 = 20480 * 4503597825930645 / 2^30
 * = 92233683475059609600 / 1073741824 = 85899311560 + 68585/262144
 * -> 85899311560, 34360 bytes short of all 80 GiB.  That leaves
 * 85899311560 - 13476831232 = 72422480328 for the cache: max seq
 * floor(72422480328 / 524288) = 138134 (72422480328 = 138134 * 524288
 * + 4056). */
static void test_usable_mem_util_just_below_one(void **state)
{
	kvp_fit_options options;
	kvp_fit fit;

	(void)state;
	kvp_fit_options_init(&options);
	options.mem_util = 0.9999996;
	fit = fit_ok(&llama2_7b, &h100, 1024, 1, &options);
	assert_int_equal(fit.usable_bytes, 85899311560ULL);
	assert_int_equal(fit.max_seq_hbm, 138134);
}

/* The double 0.9 is 8106479329266893 / 2^53, which is 9/10 + 1/(5 * 2^53)
 * (9 * 2^53 = 81064793292668928, + 2 = 10 * 8106479329266893): slightly
 * above 9/10.  80 GiB = 5 * 2^34, so 80 GiB * 9/10 = 77309411328 exactly
 * and the excess is 5 * 2^34 / (5 * 2^53) = 2^-19: the product is
 * 77309411328 + 2^-19 -> 77309411328.  On 32 GiB (2^35): 2^35 * 9/10 =
 * 30923764531.2, plus 2^35 / (5 * 2^53) = 2^-18 / 5, floor 30923764531. */
static void test_usable_mem_util_0_9_above_nine_tenths(void **state)
{
	(void)state;
	assert_int_equal(usable_at(85899345920ULL, 0.9), 77309411328ULL);
	assert_int_equal(usable_at(34359738368ULL, 0.9), 30923764531ULL);
}

/* The double 0.3 is 5404319552844595 / 2^54, which is 3/10 - 1/(5 * 2^54)
 * (3 * 2^54 = 54043195528445952 = 10 * 5404319552844595 + 2): slightly
 * below 3/10.  80 GiB * 3/10 = 25769803776 exactly, so the exact product
 * is just under it: 25769803776 - 5 * 2^34 / (5 * 2^54)
 * = 25769803776 - 2^-20 -> 25769803775.  Millionths would have said
 * 25769803776, more than floor(hbm * mem_util). */
static void test_usable_mem_util_0_3_below_three_tenths(void **state)
{
	(void)state;
	assert_int_equal(usable_at(85899345920ULL, 0.3), 25769803775ULL);
}

/* An odd size halved: 34359738369 * 0.5 = 17179869184.5 -> 17179869184;
 * 1 * 0.5 -> 0. */
static void test_usable_odd_hbm_half(void **state)
{
	(void)state;
	assert_int_equal(usable_at(34359738369ULL, 0.5), 17179869184ULL);
	assert_int_equal(usable_at(1, 0.5), 0);
}

/* The largest double below 1 is 1 - 2^-53.  (2^64 - 1)(1 - 2^-53)
 * = 2^64 - 1 - 2^11 + 2^-53 -> 2^64 - 2049 = 18446744073709549567
 * (millionths would have rounded it to 1 and said 2^64 - 1).  With
 * mem_util 1 every byte is usable, and 2^64 - 1 survives intact. */
static void test_usable_uint64_max_largest_below_one(void **state)
{
	(void)state;
	assert_int_equal(usable_at(UINT64_MAX, 1.0 - 0x1p-53),
	                 18446744073709549567ULL);
	assert_int_equal(usable_at(UINT64_MAX, 1.0), UINT64_MAX);
	assert_int_equal(usable_at(UINT64_MAX, 0.5), UINT64_MAX / 2);
}

/* The smallest subnormal, 4.9e-324 = 2^-1074, is inside (0, 1]: it is
 * accepted, and 80 GiB * 2^-1074 < 2^37 * 2^-1074 < 1 gives usable 0, so
 * nothing fits (a true answer, not an error).  2^64 - 1 times it is
 * below 2^-1010: 0 as well.  1e-9 is small but usable:
 * 85899345920 * 1e-9 = 85.899... (the double 1e-9 is above 10^-9 by
 * about 6e-26, which moves it by 5e-15) -> 85. */
static void test_usable_smallest_subnormal_is_zero(void **state)
{
	kvp_fit_options options;
	kvp_fit fit;

	(void)state;
	kvp_fit_options_init(&options);
	options.mem_util = 4.9e-324;
	fit = fit_ok(&llama2_7b, &h100, 1, 1, &options);
	assert_int_equal(fit.usable_bytes, 0);
	assert_false(fit.fits_hbm);
	assert_int_equal(fit.max_seq_hbm, 0);
	assert_int_equal(fit.max_batch_hbm, 0);
	assert_int_equal(usable_at(UINT64_MAX, 4.9e-324), 0);
	assert_int_equal(usable_at(85899345920ULL, 1e-9), 85);
}

/* The longest seq whose cache is representable, 2^45 - 1 (see
 * test_kvsize.c), fits nowhere: its cache is 2^64 - 2^19 bytes, so not
 * even one such sequence fits (max batch 0, not a wrapped number), while
 * max seq at batch 1 is still 121750.  One token more overflows the
 * cache itself: KVP_ERR_OVERFLOW. */
static void test_huge_seq(void **state)
{
	const uint64_t s = 35184372088831ULL;
	kvp_fit fit;
	kvp_error err;

	(void)state;
	fit = fit_ok(&llama2_7b, &h100, s, 1, NULL);
	assert_int_equal(fit.kv_total_bytes, 18446744073709027328ULL);
	assert_false(fit.fits_l2);
	assert_false(fit.layer_fits_l2);
	assert_false(fit.fits_hbm);
	assert_int_equal(fit.max_seq_l2, 100);
	assert_int_equal(fit.max_seq_hbm, 121750);
	assert_int_equal(fit.max_batch_hbm, 0);
	assert_int_equal(kvp_fit_compute(&llama2_7b, &h100, KVP_DTYPE_FP16, s + 1, 1,
	                                 NULL, &fit, &err),
	                 KVP_ERR_OVERFLOW);
	assert_non_null(strstr(err.message, "overflow"));
}

/* The same with a huge batch of one-token sequences: max seq 0, and
 * max batch at seq 1 is floor(63832580096 / 524288) = 121750. */
static void test_huge_batch(void **state)
{
	kvp_fit fit;

	(void)state;
	fit = fit_ok(&llama2_7b, &h100, 1, 35184372088831ULL, NULL);
	assert_false(fit.fits_hbm);
	assert_int_equal(fit.max_seq_l2, 0);
	assert_int_equal(fit.max_seq_hbm, 0);
	assert_int_equal(fit.max_batch_hbm, 121750);
}

/* A parameter count whose weights overflow 64 bits is KVP_ERR_OVERFLOW:
 * (2^63) * 2 bytes = 2^64. */
static void test_weights_overflow(void **state)
{
	kvp_model huge = llama2_7b;
	kvp_fit fit;

	(void)state;
	huge.params = UINT64_C(1) << 63;
	assert_int_equal(kvp_fit_compute(&huge, &h100, KVP_DTYPE_FP16, 1, 1, NULL,
	                                 &fit, NULL),
	                 KVP_ERR_OVERFLOW);
}

/* fit of model with weights of type weights_dtype, which must overflow;
 * the message it gives. */
static const char *weights_overflow_message(const kvp_model *model,
                                            kvp_dtype weights_dtype)
{
	static kvp_error err;
	kvp_fit_options options;
	kvp_fit fit;

	kvp_fit_options_init(&options);
	options.weights_dtype = weights_dtype;
	assert_int_equal(kvp_fit_compute(model, &h100, KVP_DTYPE_FP16, 1, 1,
	                                 &options, &fit, &err),
	                 KVP_ERR_OVERFLOW);
	assert_int_equal(err.status, KVP_ERR_OVERFLOW);
	assert_string_equal(err.path, "");
	return err.message;
}

/* The overflow names the model, the parameter count and the weights'
 * type, not just "N fp16 values": (2^64 - 1) * 4 bytes of fp32 and
 * 2^63 * 2 bytes of fp16 are both at least 2^64.  A model without a name
 * is "the model"; a control character in a name is shown escaped.  One
 * step below, (2^64 - 1) / 4 = 4611686018427387903 fp32 parameters take
 * 18446744073709551612 bytes, which is representable: no error, just no
 * fit. */
static void test_weights_overflow_message_names_model(void **state)
{
	kvp_model huge = llama2_7b;
	kvp_fit_options options;
	kvp_fit fit;

	(void)state;
	huge.params = UINT64_MAX;
	assert_string_equal(weights_overflow_message(&huge, KVP_DTYPE_FP32),
	                    "weights of llama2-7b: 18446744073709551615 parameters"
	                    " as fp32 overflow 64-bit bytes");
	huge.params = UINT64_C(1) << 63;
	assert_string_equal(weights_overflow_message(&huge, KVP_DTYPE_FP16),
	                    "weights of llama2-7b: 9223372036854775808 parameters"
	                    " as fp16 overflow 64-bit bytes");
	huge.name[0] = '\0';
	assert_string_equal(weights_overflow_message(&huge, KVP_DTYPE_BF16),
	                    "weights of the model: 9223372036854775808 parameters"
	                    " as bf16 overflow 64-bit bytes");
	strcpy(huge.name, "evil\033[2J");
	assert_string_equal(weights_overflow_message(&huge, KVP_DTYPE_FP16),
	                    "weights of evil\\x1b[2J: 9223372036854775808 parameters"
	                    " as fp16 overflow 64-bit bytes");

	kvp_fit_options_init(&options);
	options.weights_dtype = KVP_DTYPE_FP32;
	huge.params = UINT64_MAX / 4;
	fit = fit_ok(&huge, &h100, 1, 1, &options);
	assert_int_equal(fit.weights_bytes, 18446744073709551612ULL);
	assert_false(fit.fits_hbm);
}

/* No output, device, or model, a device without memory or L2, seq or batch
 * 0, or an invalid cache or weights type are KVP_ERR_INVALID. */
static void test_invalid_arguments(void **state)
{
	kvp_device no_hbm = h100, no_l2 = h100;
	kvp_fit_options options;
	kvp_fit fit;
	kvp_error err;

	(void)state;
	no_hbm.hbm_bytes = 0;
	no_l2.l2_bytes = 0;
	assert_int_equal(kvp_fit_compute(&llama2_7b, &h100, KVP_DTYPE_FP16, 1, 1,
	                                 NULL, NULL, &err),
	                 KVP_ERR_INVALID);
	assert_int_equal(kvp_fit_compute(&llama2_7b, NULL, KVP_DTYPE_FP16, 1, 1,
	                                 NULL, &fit, &err),
	                 KVP_ERR_INVALID);
	assert_int_equal(kvp_fit_compute(NULL, &h100, KVP_DTYPE_FP16, 1, 1, NULL,
	                                 &fit, &err),
	                 KVP_ERR_INVALID);
	assert_int_equal(kvp_fit_compute(&llama2_7b, &no_hbm, KVP_DTYPE_FP16, 1, 1,
	                                 NULL, &fit, &err),
	                 KVP_ERR_INVALID);
	assert_string_equal(err.message, "h100-sxm: memory size must be non-zero");
	assert_int_equal(kvp_fit_compute(&llama2_7b, &no_l2, KVP_DTYPE_FP16, 1, 1,
	                                 NULL, &fit, &err),
	                 KVP_ERR_INVALID);
	assert_string_equal(err.message, "h100-sxm: L2 size must be non-zero");
	assert_int_equal(kvp_fit_compute(&llama2_7b, &h100, KVP_DTYPE_FP16, 0, 1,
	                                 NULL, &fit, &err),
	                 KVP_ERR_INVALID);
	assert_int_equal(kvp_fit_compute(&llama2_7b, &h100, KVP_DTYPE_FP16, 1, 0,
	                                 NULL, &fit, &err),
	                 KVP_ERR_INVALID);
	assert_int_equal(kvp_fit_compute(&llama2_7b, &h100, (kvp_dtype)KVP_DTYPE_COUNT,
	                                 1, 1, NULL, &fit, &err),
	                 KVP_ERR_INVALID);
	kvp_fit_options_init(&options);
	options.weights_dtype = (kvp_dtype)KVP_DTYPE_COUNT;
	assert_int_equal(kvp_fit_compute(&llama2_7b, &h100, KVP_DTYPE_FP16, 1, 1,
	                                 &options, &fit, &err),
	                 KVP_ERR_INVALID);
	assert_int_equal(err.status, KVP_ERR_INVALID);
}

/* A device check passes a complete profile and rejects negative bandwidth
 * or TFLOPS and a NULL device. */
static void test_device_check(void **state)
{
	kvp_device d = h100;
	kvp_error err;

	(void)state;
	d.bandwidth_gbs = 3350;
	d.fp16_tflops = 989;
	assert_int_equal(kvp_device_check(&d, &err), KVP_OK);
	assert_int_equal(err.status, KVP_OK);
	d.bandwidth_gbs = -1;
	assert_int_equal(kvp_device_check(&d, &err), KVP_ERR_INVALID);
	assert_non_null(strstr(err.message, "h100-sxm"));
	d.bandwidth_gbs = 3350;
	d.fp16_tflops = -1;
	assert_int_equal(kvp_device_check(&d, &err), KVP_ERR_INVALID);
	assert_int_equal(kvp_device_check(NULL, &err), KVP_ERR_INVALID);
}

/* kvp_advise's fewest GPUs: the smallest tensor-parallel degree that
 * divides the heads and fits, the degrees tried in increasing order. */
static kvp_advice advise_ok(const kvp_model *m, const kvp_device *d, uint64_t seq,
                            uint32_t pp)
{
	kvp_request r;
	kvp_advice a;
	kvp_error err;

	kvp_request_init(&r);
	r.seq = seq;
	r.pp = pp;
	assert_int_equal(kvp_advise(m, &r, d, &a, &err), KVP_OK);
	return a;
}

static void test_advise_min_tp(void **state)
{
	/* 8 GiB, 90 %: usable floor(8,589,934,592 x 0.9) = 7,730,941,132 B. */
	static const kvp_device small = {
		.name = "small", .hbm_bytes = 8589934592ULL, .l2_bytes = 6291456,
	};
	/* 1 GiB: usable 966,367,641 B. */
	static const kvp_device tiny = {
		.name = "tiny", .hbm_bytes = 1073741824ULL, .l2_bytes = 6291456,
	};
	kvp_model twelve = {
		.name = "twelve", .layers = 1, .heads = 12, .kv_heads = 12,
		.head_dim = 128, .params = 2400000000ULL,
	};
	/* 4,294,967,291 is the largest prime below 2^32: its degrees are 1
	 * and itself, 2^16 steps apart when they are tried by divisors. */
	kvp_model prime = {
		.name = "prime", .layers = 1, .heads = 4294967291U, .kv_heads = 1,
		.head_dim = 128, .params = 1ULL << 40,
	};
	kvp_advice a;

	(void)state;
	/* Llama-2-7B at 1024 tokens: 13,476,831,232 B of weights do not fit
	 * one GPU; on two, 6,738,415,616 + 268,435,456 B of cache =
	 * 7,006,851,072 B do. */
	a = advise_ok(&llama2_7b, &small, 1024, 1);
	assert_false(a.fits);
	assert_int_equal(a.min_tp, 2);
	assert_int_equal(a.min_gpus, 2);
	/* Two pipeline stages halve the weights already: tp 1, 2 GPUs. */
	a = advise_ok(&llama2_7b, &small, 1024, 2);
	assert_int_equal(a.min_tp, 1);
	assert_int_equal(a.min_gpus, 2);
	/* 12 heads, 4,800,000,000 B of weights: tp 4 leaves 1,200,000,000 B
	 * per GPU (too many), 5 does not divide 12, tp 6 leaves 800,000,000
	 * B + 1,024 B of cache (2 kv heads x 128 x 2 B, K and V). */
	a = advise_ok(&twelve, &tiny, 1, 1);
	assert_int_equal(a.min_tp, 6);
	assert_int_equal(a.min_gpus, 6);
	/* 2 TiB of weights: one GPU per head, ceil(2^41 / 4,294,967,291) =
	 * 513 B of weights each. */
	a = advise_ok(&prime, &tiny, 1024, 1);
	assert_int_equal(a.min_tp, 4294967291U);
	assert_int_equal(a.min_gpus, 4294967291ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_defaults),
		cmocka_unit_test(test_max_seq_l2),
		cmocka_unit_test(test_max_seq_l2_batch),
		cmocka_unit_test(test_fits_l2_boundary),
		cmocka_unit_test(test_layer_fits_l2),
		cmocka_unit_test(test_mqa_fits_l2),
		cmocka_unit_test(test_hbm_h100_defaults),
		cmocka_unit_test(test_null_options_are_defaults),
		cmocka_unit_test(test_usable_floor),
		cmocka_unit_test(test_weights_fp32),
		cmocka_unit_test(test_reserve),
		cmocka_unit_test(test_reserve_exact_boundary),
		cmocka_unit_test(test_weights_and_reserve_exceed_usable),
		cmocka_unit_test(test_weights_exceed_usable),
		cmocka_unit_test(test_reserve_overflow),
		cmocka_unit_test(test_mem_util_invalid),
		cmocka_unit_test(test_mem_util_one),
		cmocka_unit_test(test_usable_mem_util_just_below_one),
		cmocka_unit_test(test_usable_mem_util_0_9_above_nine_tenths),
		cmocka_unit_test(test_usable_mem_util_0_3_below_three_tenths),
		cmocka_unit_test(test_usable_odd_hbm_half),
		cmocka_unit_test(test_usable_uint64_max_largest_below_one),
		cmocka_unit_test(test_usable_smallest_subnormal_is_zero),
		cmocka_unit_test(test_huge_seq),
		cmocka_unit_test(test_huge_batch),
		cmocka_unit_test(test_weights_overflow),
		cmocka_unit_test(test_weights_overflow_message_names_model),
		cmocka_unit_test(test_invalid_arguments),
		cmocka_unit_test(test_device_check),
		cmocka_unit_test(test_advise_min_tp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
