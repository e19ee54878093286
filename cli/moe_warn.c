/*
 * moe_warn.c — a --moe-backend vLLM would refuse: its oracles map the
 * name to a kernel of the weights' format or raise "moe_backend='X' is
 * not supported for ... MoE" (model_executor/layers/fused_moe/oracle/
 * unquantized.py map_unquantized_backend, fp8.py map_fp8_backend,
 * nvfp4.py map_nvfp4_backend, mxfp4.py map_mxfp4_backend, int_wna16.py
 * map_wna16_backend, int8.py map_int8_backend, as stored in 2026), and a kernel the GPU does not run is refused as not supporting
 * "the deployment configuration": FlashInfer's TRT-LLM kernels on
 * Blackwell (10.x) alone, DeepGEMM on Hopper and 10.x, FlashInfer's
 * CUTLASS and vLLM's CUTLASS from Hopper (9.0), none but Triton on
 * ROCm; Marlin's floor is not read (gpt-oss's
 * oracle takes it from 7.0).  The flag itself
 * came in 0.17 (PR #33807); before, environment variables chose.  One
 * line each; the plan follows the kernel asked anyway.
 */
#include <string.h>

#include "cli.h"

/* Whether vLLM's map for the weights' format takes b, the names kvplan
 * models; a format no map was read for (int4, GGUF): taken. */
static bool format_takes(const kvp_request *r, kvp_moe_backend b, const char **format)
{
	switch (r->weights_format.kind) {
	case KVP_WFORMAT_FP8:
		*format = "FP8";
		return true; /* all six */
	case KVP_WFORMAT_NVFP4:
		*format = "NvFP4";
		return b != KVP_MOE_TRITON && b != KVP_MOE_DEEP_GEMM;
	case KVP_WFORMAT_MXFP4:
		*format = "MXFP4";
		return b != KVP_MOE_CUTLASS && b != KVP_MOE_DEEP_GEMM;
	case KVP_WFORMAT_W8A16:
		/* the same map; FlashInfer's MXINT4 kernel is 4-bit */
		*format = "WNA16";
		return b == KVP_MOE_MARLIN;
	case KVP_WFORMAT_W4A16:
		/* int_wna16.py map_wna16_backend: marlin, humming,
		 * flashinfer_trtllm, emulation */
		*format = "WNA16";
		return b == KVP_MOE_MARLIN || b == KVP_MOE_FLASHINFER_TRTLLM;
	case KVP_WFORMAT_W8A8:
		/* int8.py map_int8_backend: triton (and humming) */
		*format = "Int8";
		return b == KVP_MOE_TRITON;
	case KVP_WFORMAT_PLAIN:
		/* 16 and 32 bits are vLLM's unquantized experts; another
		 * plain type (int8: a W8A8 checkpoint's) has maps not read */
		if (r->weights_dtype != KVP_DTYPE_FP16 && r->weights_dtype != KVP_DTYPE_BF16 &&
		    r->weights_dtype != KVP_DTYPE_FP32) {
			*format = "FP8";
			return true;
		}
		*format = "unquantized";
		return b == KVP_MOE_TRITON || b == KVP_MOE_FLASHINFER_TRTLLM ||
		       b == KVP_MOE_FLASHINFER_CUTLASS;
	default:
		return true;
	}
}

/* The lowest compute capability (major x 10) b runs on, and the highest
 * (0: none). */
static void arch_range(kvp_moe_backend b, unsigned *lo, unsigned *hi)
{
	*hi = 0;
	switch (b) {
	case KVP_MOE_FLASHINFER_TRTLLM:
		*lo = 100, *hi = 109;
		break;
	case KVP_MOE_DEEP_GEMM:
		*lo = 90, *hi = 109; /* DeepGEMM: Hopper and Blackwell's 10.x */
		break;
	case KVP_MOE_FLASHINFER_CUTLASS:
	case KVP_MOE_CUTLASS:
		*lo = 90;
		break;
	default:
		*lo = 0;
		break;
	}
}

void cli_moe_backend_warnings(const struct cli_plan *p)
{
	const kvp_request *r = &p->request;
	kvp_moe_backend b = p->asked_moe;
	const char *name = kvp_moe_backend_name(b), *format = "";
	unsigned lo, hi;
	bool ignored;

	if (r->engine != KVP_ENGINE_VLLM || b == KVP_MOE_AUTO || b == KVP_MOE_NONE ||
	    !p->model.moe_top_k)
		return;
	/* compressed-tensors' integer experts before their oracles took
	 * the flag: vLLM's own choice (lib/moe_backend.c) */
	ignored = ((r->weights_format.kind == KVP_WFORMAT_W4A16 ||
	            r->weights_format.kind == KVP_WFORMAT_W8A16) && r->vllm_version &&
	           r->vllm_version < 23) ||
	          (r->weights_format.kind == KVP_WFORMAT_W8A8 && r->vllm_version &&
	           r->vllm_version < 21);
	if (r->vllm_version && r->vllm_version < 17)
		cli_warn("vLLM %u.%u has no --moe-backend (0.17, PR #33807): environment"
		         " variables chose its experts' kernel; planned with %s anyway",
		         r->vllm_version / 100, r->vllm_version % 100,
		         ignored ? "its own choice" : name);
	else if (ignored)
		cli_warn("vLLM %u.%u ignores --moe-backend for compressed-tensors' %s experts"
		         " (its oracle reads it from %s); planned with its own choice",
		         r->vllm_version / 100, r->vllm_version % 100, r->weights_format.name,
		         r->weights_format.kind == KVP_WFORMAT_W8A8 ? "0.21" : "0.23");
	if (ignored)
		return;
	if (!format_takes(r, b, &format))
		cli_warn("vLLM refuses --moe-backend %s for %s experts (\"moe_backend='%s' is"
		         " not supported for %s MoE\"); planned with it anyway", name, format,
		         name, format);
	arch_range(b, &lo, &hi);
	for (size_t i = 0; i < p->n_devices; i++) {
		const char *arch = p->devices[i].arch;
		unsigned sm = cli_device_sm(&p->devices[i]);

		/* on ROCm, Triton's alone of these (its others are AITER's) */
		if (strncmp(arch, "gfx", 3) == 0 && b != KVP_MOE_TRITON)
			cli_warn("%s: vLLM's %s experts kernel is CUDA's, not %s's; vLLM refuses"
			         " it; planned with it anyway", p->devices[i].name, name, arch);
		else if (lo && sm && (sm < lo || (hi && sm > hi)))
			cli_warn("%s: vLLM's %s experts kernel runs on compute capability %s,"
			         " not %s; vLLM refuses it; planned with it anyway",
			         p->devices[i].name, name,
			         b == KVP_MOE_DEEP_GEMM ? "9.0 and 10.x alone"
			         : hi ? "10.x (Blackwell) alone" : "9.0 and later", arch);
	}
}
