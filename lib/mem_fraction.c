/*
 * mem_fraction.c — the share of a device's memory an engine takes when it
 * is not told (a request's mem_util of 0): vLLM's gpu_memory_utilization
 * 0.92 (0.90 before 0.20), TensorRT-LLM's free_gpu_memory_fraction 0.9,
 * and SGLang's mem_fraction_static, which SGLang works out from the device's memory,
 * the parallel layout and what it reserves for activations and CUDA graphs.
 */
#include <stdio.h>
#include <stdlib.h>

#include "engine.h"
#include "internal.h"

/* SGLang's defaults by the device's memory in MiB (gpu_mem, what
 * nvidia-smi calls memory.total): chunked_prefill_size and the largest
 * decode CUDA graph (cuda_graph_max_bs), as
 * python/sglang/srt/server_args.py ServerArgs._handle_gpu_memory_settings
 * sets them (v0.5.x; the same in the later tree that adds piecewise CUDA
 * graphs, which are off by default). */
static void sglang_defaults(double gpu_mem, uint32_t tp, double *chunked,
                            double *max_bs)
{
	if (gpu_mem < 20 * 1024) {         /* T4, 4080 */
		*chunked = 2048;
		*max_bs = 8;
	} else if (gpu_mem < 35 * 1024) {  /* A10, 4090, 5090 */
		*chunked = 2048;
		*max_bs = tp < 4 ? 24 : 80;
	} else if (gpu_mem < 60 * 1024) {  /* A100 40GB, L40 */
		*chunked = 4096;
		*max_bs = tp < 4 ? 32 : 160;
	} else if (gpu_mem < 160 * 1024) { /* H100, A100 80GB, H20, H200 */
		*chunked = 8192;
		*max_bs = tp < 4 ? 256 : 512;
	} else {                           /* B200, MI300 */
		*chunked = 16384;
		*max_bs = 512;
	}
}

/* SGLang's gpu_mem and reserved_mem (MiB) for device d. */
static void sglang_reserved(const kvp_request *r, const kvp_device *d,
                            double *gpu_mem, double *reserved)
{
	double chunked, max_bs;

	/* MiB, whole: SGLang reads nvidia-smi's memory.total (python/
	 * sglang/srt/utils/common.py get_nvgpu_memory_capacity; torch's
	 * total_memory where there is no nvidia-smi, as on AMD): with the
	 * request's cuda_memory the device's smi_bytes, else its
	 * cuda_bytes; otherwise its nominal memory. */
	uint64_t bytes = !r->cuda_memory ? d->hbm_bytes
	                 : d->smi_bytes ? d->smi_bytes
	                 : d->cuda_bytes ? d->cuda_bytes : d->hbm_bytes;

	*gpu_mem = (double)(bytes >> 20);
	sglang_defaults(*gpu_mem, r->tp, &chunked, &max_bs);
	if (r->chunked_prefill_size)
		chunked = r->chunked_prefill_size;
	if (r->cuda_graph_max_bs)
		max_bs = r->cuda_graph_max_bs;
	/* Constant metadata, activations of a prefill chunk, CUDA graphs,
	 * large parallel layouts (tp x pp / 8 GiB, a true division); at
	 * least 10 GiB on a device of more than 60 GiB; a draft model and
	 * its graphs (STANDALONE) 6 GiB, EAGLE's or MTP's 2 GiB. */
	*reserved = 512 + (chunked > 2048 ? chunked : 2048) * 1.5 + max_bs * 2 +
	            (double)r->tp * r->pp / 8 * 1024;
	if (*gpu_mem > 60 * 1024 && *reserved < 10 * 1024)
		*reserved = 10 * 1024;
	if (r->draft)
		*reserved += 6 * 1024;
	else if (r->mtp_layers)
		*reserved += 2 * 1024;
}

/* The share, and SGLang's terms where its own share is taken (else 0). */
static double engine_share(const kvp_request *r, const kvp_device *d,
                           double *gpu_mem, double *reserved)
{
	double share;
	char text[64];

	*gpu_mem = *reserved = 0;
	if (r->mem_util != 0)
		return r->mem_util;
	switch (r->engine) {
	case KVP_ENGINE_VLLM:
		/* vllm/config/cache.py CacheConfig.gpu_memory_utilization:
		 * 0.92 since PR #38284 (96a85c575, in v0.20.0), which also
		 * takes the CUDA graphs' estimate from the budget; 0.9
		 * before. */
		return kvp__vllm_since(r, 20) ? 0.92 : 0.90;
	case KVP_ENGINE_SGLANG:
		/* mem_fraction_static = round((gpu_mem - reserved_mem) /
		 * gpu_mem, 3): Python's round, to the decimal nearest the
		 * double's exact value, which printf's rounding also is. */
		sglang_reserved(r, d, gpu_mem, reserved);
		share = (*gpu_mem - *reserved) / *gpu_mem;
		if (!(share > 0))
			return 0;
		snprintf(text, sizeof text, "%.3f", share);
		return strtod(text, NULL);
	default:
		/* TensorRT-LLM's free_gpu_memory_fraction, and kvplan's own */
		return 0.90;
	}
}

double kvp__engine_mem_util(const kvp_request *r, const kvp_device *d)
{
	double gpu_mem, reserved;

	return engine_share(r, d, &gpu_mem, &reserved);
}

double kvp_engine_mem_util(const kvp_request *r, const kvp_device *d,
                           double *gpu_mem_mib, double *reserved_mib)
{
	double gpu_mem, reserved, share;

	if (!r || !d)
		return 0;
	share = engine_share(r, d, &gpu_mem, &reserved);
	if (gpu_mem_mib)
		*gpu_mem_mib = gpu_mem;
	if (reserved_mib)
		*reserved_mib = reserved;
	return share;
}
