/*
 * test_cuda_memory.c — the memory an engine sizes from (a request's
 * cuda_memory): what CUDA reports for vLLM, SGLang and TensorRT-LLM,
 * nvidia-smi's figure for SGLang's default share, the nominal memory for
 * the exact model and llama.cpp; and a device whose reported memory
 * exceeds its memory refused.  The H100's figures are its profile's
 * (data/gpus/h100-sxm.yaml: 85,028,896,768 B as CUDA 12.8's driver
 * reports, 81,559 MiB in nvidia-smi); each expected share and product is
 * worked out from the double's exact value.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"

#define H100_CUDA 85028896768ull
#define H100_SMI (81559ull << 20)
#define H100 (80ull << 30)

static kvp_model llama3_8b(void)
{
	kvp_model m;
	kvp_error err;

	memset(&m, 0, sizeof m);
	strcpy(m.name, "llama3-8b");
	m.layers = 32;
	m.hidden = 4096;
	m.heads = 32;
	m.kv_heads = 8;
	m.vocab = 128256;
	m.params = 8030261248ull;
	if (kvp_model_finalize(&m, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return m;
}

static kvp_device h100(void)
{
	kvp_device d;

	memset(&d, 0, sizeof d);
	strcpy(d.name, "h100-sxm");
	d.hbm_bytes = H100;
	d.l2_bytes = 50ull << 20;
	d.cuda_bytes = H100_CUDA;
	d.smi_bytes = H100_SMI;
	return d;
}

static kvp_fit fit(kvp_engine engine, bool cuda, const kvp_device *d)
{
	kvp_model m = llama3_8b();
	kvp_request r;
	kvp_plan p;
	kvp_fit f;
	kvp_error err;
	const kvp_footprint *fp = &f.footprint;

	kvp_request_init(&r);
	r.engine = engine;
	r.seq = 1024;
	r.mem_util = 0; /* the engine's own share */
	r.cuda_memory = cuda;
	if (kvp_plan_compute(&m, &r, &p, &err) != KVP_OK ||
	    kvp_plan_fit(&p, d, &f, &err) != KVP_OK)
		fail_msg("%s", err.message);
	/* The parts still sum to the memory the engine sees. */
	assert_int_equal(fp->weights + fp->draft + fp->adapters + fp->kv + fp->state +
	                         fp->activations + fp->runtime + fp->reserve + fp->req_table +
	                         fp->held_back + fp->unused,
	                 fp->total);
	return f;
}

/* vLLM: ceil(total x 0.92) in doubles, of 85,028,896,768 B
 * 78,226,585,027 (78,226,585,026.56...), of the nominal 80 GiB
 * 79,027,398,247. */
static void test_vllm(void **state)
{
	kvp_device d = h100();
	kvp_fit f;

	(void)state;
	f = fit(KVP_ENGINE_VLLM, true, &d);
	assert_int_equal(f.usable_bytes, 78226585027ull);
	assert_int_equal(f.footprint.total, H100_CUDA);
	assert_int_equal(f.budget_bytes, 78226585027ull - 16060522496ull);
	f = fit(KVP_ENGINE_VLLM, false, &d);
	assert_int_equal(f.usable_bytes, 79027398247ull);
	assert_int_equal(f.footprint.total, H100);
	/* A device that does not say: its nominal memory. */
	d.cuda_bytes = 0;
	f = fit(KVP_ENGINE_VLLM, true, &d);
	assert_int_equal(f.usable_bytes, 79027398247ull);
}

/* SGLang's default share, round((gpu_mem - reserved) / gpu_mem, 3) with
 * 13,904 MiB reserved on an 80 GiB-class GPU at tp 1 (512 + 8,192 x 1.5
 * + 128 + 256 x 2 + 58 prefill CUDA graphs x 8): nvidia-smi's 81,559 MiB
 * give 0.83 (0.82952...), floor(85,028,896,768 x 0.83) = 70,573,984,317
 * usable; without nvidia-smi's figure CUDA's 81,089 MiB give 0.829
 * (0.82853...); the nominal 81,920, 0.83 (0.83027...). */
static void test_sglang(void **state)
{
	kvp_device d = h100();
	kvp_fit f;

	(void)state;
	f = fit(KVP_ENGINE_SGLANG, true, &d);
	assert_true(f.mem_util == 0.83);
	assert_int_equal(f.usable_bytes, 70573984317ull);
	assert_int_equal(f.footprint.total, H100_CUDA);
	d.smi_bytes = 0;
	assert_true(fit(KVP_ENGINE_SGLANG, true, &d).mem_util == 0.829);
	assert_true(fit(KVP_ENGINE_SGLANG, false, &d).mem_util == 0.83);
}

/* TensorRT-LLM: 0.9 of what the weights leave, floor((85,028,896,768 -
 * 16,060,522,496) x 0.9) = 62,071,536,844. */
static void test_trtllm(void **state)
{
	kvp_device d = h100();
	kvp_fit f;

	(void)state;
	f = fit(KVP_ENGINE_TRTLLM, true, &d);
	assert_int_equal(f.budget_bytes, 62071536844ull);
	assert_int_equal(f.footprint.total, H100_CUDA);
	assert_int_equal(f.footprint.held_back,
	                 H100_CUDA - 16060522496ull - 62071536844ull);
}

/* The exact model and llama.cpp size from no device memory: their share
 * of the nominal 80 GiB, floor(85,899,345,920 x 0.9) = 77,309,411,328. */
static void test_others_nominal(void **state)
{
	kvp_device d = h100();
	kvp_fit f;

	(void)state;
	f = fit(KVP_ENGINE_EXACT, true, &d);
	assert_int_equal(f.usable_bytes, 77309411328ull);
	assert_int_equal(f.footprint.total, H100);
	f = fit(KVP_ENGINE_LLAMA_CPP, true, &d);
	assert_int_equal(f.usable_bytes, 77309411328ull);
}

/* A reported memory above the memory is a mistake in the profile. */
static void test_device_check(void **state)
{
	kvp_device d = h100();
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_device_check(&d, &err), KVP_OK);
	d.cuda_bytes = H100 + 1;
	assert_int_equal(kvp_device_check(&d, &err), KVP_ERR_INVALID);
	assert_string_equal(err.message,
	                    "h100-sxm: the memory CUDA or nvidia-smi reports (85899345921 B)"
	                    " is more than the memory (85899345920 B)");
	d.cuda_bytes = H100;
	assert_int_equal(kvp_device_check(&d, &err), KVP_OK);
	d.smi_bytes = H100 + 2;
	assert_int_equal(kvp_device_check(&d, &err), KVP_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vllm),
		cmocka_unit_test(test_sglang),
		cmocka_unit_test(test_trtllm),
		cmocka_unit_test(test_others_nominal),
		cmocka_unit_test(test_device_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
