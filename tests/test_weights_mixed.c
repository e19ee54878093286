/*
 * test_weights_mixed.c — a Nemotron-H's projections held layer by layer
 * 16-bit or in fp8 beside an nvfp4 format (kvp_weights_format layers16,
 * layers8: ":PART16=N", ":PART8=N"), as ModelOpt's MIXED_PRECISION
 * quantized_layers hold Nemotron 3 Super's NVFP4 release
 * (lib/hf_quant_mixed.c reads them; tests/cli/quant_mixed.sh reads a map
 * of its counts).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "catalog_fixture.h"
#include "kvplan.h"

#define SUPER "nvfp4:qkv16:mtp16:inproj16=12:outproj16=11:o16=6:shared_up16=1:"   \
	"shared_down16=2:latent_in16=37:latent_out16=39:inproj8=28:outproj8=29:o8=2:" \
	"shared_up8=39:shared_down8=37:latent_in8=3:latent_out8=1"

static kvp_weights_format format(const char *name)
{
	kvp_weights_format f;
	kvp_error err;

	if (kvp_weights_format_parse(name, &f, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return f;
}

/* The name reads back as it was given, its parts in the canonical order. */
static void test_name(void **state)
{
	kvp_weights_format f = format(SUPER), g;

	(void)state;
	assert_string_equal(f.name, SUPER);
	assert_int_equal(f.keep16, KVP_WKEEP_QKV | KVP_WKEEP_MTP);
	assert_int_equal(f.layers16[KVP_WPROJ_INPROJ], 12);
	assert_int_equal(f.layers8[KVP_WPROJ_INPROJ], 28);
	assert_int_equal(f.layers16[KVP_WPROJ_SHARED_DOWN], 2);
	assert_int_equal(f.layers8[KVP_WPROJ_LATENT_OUT], 1);
	g = format("NVFP4:o8=2:qkv16:Latent_In8=3");
	assert_string_equal(g.name, "nvfp4:qkv16:o8=2:latent_in8=3");
}

/* What a name cannot say: fp8 beside a format other than nvfp4, a count
 * beside the part that keeps them all, twice, or none. */
static void test_refused(void **state)
{
	static const char *const bad[] = {
		"fp8:o8=2", "int4-awq:g128:inproj8=1", "nvfp4:o16:o16=2", "nvfp4:o8=2:o8=3",
		"nvfp4:o8=0", "nvfp4:o8=", "nvfp4:o8=x", "nvfp4:shared16:shared_up8=1",
		"nvfp4:o8=1048577", "q4_K:o16=1",
	};
	kvp_weights_format f;
	kvp_error err;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (kvp_weights_format_parse(bad[i], &f, &err) == KVP_OK)
			fail_msg("'%s' taken as '%s'", bad[i], f.name);
	assert_int_equal(kvp_weights_format_parse("fp8:o16=2", &f, &err), KVP_OK);
	/* and the estimate, from a format built by hand: its o_proj would
	 * otherwise go uncounted */
	{
		kvp_model m = catalog_model("nemotron-3-super-120b");
		kvp_weights_estimate e;

		f.layers8[KVP_WPROJ_O] = 2;
		assert_int_equal(kvp_weights_estimate_compute(&m, &f, KVP_DTYPE_BF16, &e, &err),
		                 KVP_ERR_INVALID);
	}
}

/* Nemotron 3 Super (data/models/nemotron-3-super-120b.yaml, its MTP layer
 * left out as vLLM loads it without --mtp) in its NVFP4 release's types,
 * worked tensor by tensor:
 *  - 40 Mamba-2 layers: in_proj 4,096 x 18,560 = 76,021,760, in fp8 in 28
 *    (a byte and two fp32 scales each), bf16 in 12; out_proj 8,192 x
 *    4,096 = 33,554,432, fp8 in 29, bf16 in 11; conv1d 10,240 x 4 and
 *    its bias, A_log, D, dt_bias (128 each), the gated norm 8,192 and the
 *    block's 4,096 in bf16, 63,872;
 *  - 8 attention layers: q 16,777,216, k and v 1,048,576 each, bf16;
 *    o 16,777,216, fp8 in 2, bf16 in 6; the norm;
 *  - 40 expert layers: the router 512 x 4,096, bf16, and its 512
 *    correction biases, fp32;
 *    512 experts' up and down, 2,752,512 each, in nvfp4 (9/16 B and two
 *    fp32 scales); the shared up 22,020,096 fp8 in 39, bf16 in 1, the
 *    shared down fp8 in 37, nvfp4 in 1, bf16 in 2; fc1_latent_proj
 *    4,194,304 fp8 in 3, bf16 in 37; fc2_latent_proj fp8 in 1, bf16 in
 *    39; the norm;
 *  - embeddings and head 131,072 x 4,096 each, and norm_f, bf16.
 * 74,412,678,240 B.  The release's 165,860 tensors hold 80,297,329,824 B
 * (6ixLabs-AI/dgpp tests/unit/nemotron_binding_test.cpp @ 7cc561a reads
 * their headers; /work/research/nemotron-quant-sizes.md), of which the MTP
 * block's 1,040 are 2 x 2,942,325,248 + 512 x 2 (bf16, one fp32 bias):
 * 74,412,678,304 B for the model, 64 B more than the estimate: its 8
 * attention layers' k_scale and v_scale, fp32 scalars. */
static void test_super_nvfp4(void **state)
{
	kvp_model super = catalog_model("nemotron-3-super-120b"), m;
	kvp_weights_format f = format(SUPER);
	kvp_weights_estimate e;
	kvp_request r;
	kvp_error err;
	const uint64_t in = 76021760, out = 33554432, q = 16777216, kv = 1048576;
	const uint64_t ex = 2752512, sh = 22020096, lat = 4194304;
	uint64_t mamba = 28 * (in + 8) + 12 * 2 * in + 29 * (out + 8) + 11 * 2 * out +
	                 40 * 2 * 63872ull;
	uint64_t attention = 8 * 2 * (q + 2 * kv) + 2 * (q + 8) + 6 * 2 * q + 8 * 2 * 4096;
	uint64_t experts = 40 * (2 * 512 * 4096 + 4 * 512) + 40 * 512 * 2 * (ex * 9 / 16 + 8) +
	                   39 * (sh + 8) + 2 * sh + 37 * (sh + 8) + (sh * 9 / 16 + 8) +
	                   2 * 2 * sh + 3 * (lat + 8) + 37 * 2 * lat + (lat + 8) +
	                   39 * 2 * lat + 40 * 2 * 4096;
	uint64_t outer = 2 * 2 * 131072ull * 4096 + 2 * 4096;

	(void)state;
	kvp_request_init(&r);
	kvp_model_loaded(&super, &r, &m);
	assert_int_equal(m.params, 120668707840ull);
	assert_int_equal(kvp_weights_estimate_compute(&m, &f, KVP_DTYPE_BF16, &e, &err), KVP_OK);
	assert_int_equal(e.bytes, mamba + attention + experts + outer);
	assert_int_equal(e.bytes, 74412678240ull);
	assert_int_equal(80297329824ull - (2 * 2942325248ull + 512 * 2) - e.bytes,
	                 16 * 4);
}

/* The counts past a model's layers take all of them; another model than
 * a Nemotron-H (llama2-7b) holds none apart. */
static void test_bounds(void **state)
{
	kvp_model m = catalog_model("nemotron-3-super-120b"), l = catalog_model("llama2-7b");
	kvp_weights_estimate a, b;
	kvp_error err;
	kvp_weights_format f;

	(void)state;
	f = format("nvfp4:o16=99");
	assert_int_equal(kvp_weights_estimate_compute(&m, &f, KVP_DTYPE_BF16, &a, &err), KVP_OK);
	f = format("nvfp4:o16");
	assert_int_equal(kvp_weights_estimate_compute(&m, &f, KVP_DTYPE_BF16, &b, &err), KVP_OK);
	assert_int_equal(a.bytes, b.bytes);
	f = format("nvfp4:o8=2");
	assert_int_equal(kvp_weights_estimate_compute(&l, &f, KVP_DTYPE_BF16, &a, &err), KVP_OK);
	f = format("nvfp4");
	assert_int_equal(kvp_weights_estimate_compute(&l, &f, KVP_DTYPE_BF16, &b, &err), KVP_OK);
	assert_int_equal(a.bytes, b.bytes);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_super_nvfp4),
		cmocka_unit_test(test_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
