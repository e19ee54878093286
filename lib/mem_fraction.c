/*
 * mem_fraction.c — the share of a device's memory an engine takes when it
 * is not told (a request's mem_util of 0): vLLM's gpu_memory_utilization
 * 0.92 (0.90 before 0.20), TensorRT-LLM's free_gpu_memory_fraction 0.9,
 * and SGLang's mem_fraction_static, which SGLang works out from the device's memory,
 * the parallel layout and what it reserves for activations and CUDA graphs
 * (the model's only in whether it takes prefill CUDA graphs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "internal.h"

/* SGLang's defaults by the device's memory in MiB (gpu_mem, what
 * nvidia-smi calls memory.total): chunked_prefill_size and the largest
 * decode CUDA graph (cuda_graph_max_bs), as
 * python/sglang/srt/server_args.py ServerArgs._handle_gpu_memory_settings
 * sets them (v0.5.x, and main at 02236fa38, whose tier of 60 to 90 GiB
 * and of 90 to 160 GiB agree). */
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

/* The prefill CUDA graphs SGLang captures up to max_bs tokens
 * (server_args.py _generate_prefill_cuda_graph_batch_sizes): 4 to 32 by 4,
 * 48 to 256 by 16, 288 to 512 by 32, 576 to 1,024 by 64, 1,280 to 4,096 by
 * 256, then by 512, those up to max_bs. */
static uint32_t prefill_graphs(double max_bs)
{
	static const struct {
		double from, to, step;
	} runs[] = {{4, 32, 4}, {48, 256, 16}, {288, 512, 32},
	            {576, 1024, 64}, {1280, 4096, 256}, {4608, 1e18, 512}};
	uint32_t n = 0;

	for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++)
		if (max_bs >= runs[i].from)
			n += (uint32_t)(((max_bs < runs[i].to ? max_bs : runs[i].to) -
			                 runs[i].from) / runs[i].step) + 1;
	return n;
}

/* What of the model SGLang's reserve reads: an MLA backend, and a model
 * path with "llama-2" in it (kvplan: a model named so, or llama2-). */
struct sglang_model {
	bool mla, llama2;
};

static struct sglang_model sglang_model_of(const kvp_plan *p)
{
	struct sglang_model m = {false, false};
	char name[sizeof p->model_name];
	size_t i;

	/* An MLA model keeps SGLang's MLA backend however kvplan sizes its
	 * cache (--mla expanded too). */
	for (uint32_t g = 0; g < p->group_count; g++)
		if (p->groups[g].kind == KVP_LAYER_MLA || p->groups[g].latent_bytes_per_token)
			m.mla = true;
	for (i = 0; i + 1 < sizeof name && p->model_name[i]; i++)
		name[i] = (char)(p->model_name[i] >= 'A' && p->model_name[i] <= 'Z'
		                 ? p->model_name[i] - 'A' + 'a' : p->model_name[i]);
	name[i] = '\0';
	m.llama2 = strstr(name, "llama-2") || strncmp(name, "llama2", 6) == 0;
	return m;
}

/* SGLang's gpu_mem and reserved_mem (MiB) for device d, and the prefill
 * CUDA graphs counted in it, as python/sglang/srt/server_args.py
 * _handle_gpu_memory_settings and reserve_for_graph_mb have them at main
 * 02236fa38 (2026-07-19, after v0.5.15). */
static void sglang_reserved(const kvp_request *r, const kvp_device *d,
                            const struct sglang_model *m, double *gpu_mem,
                            double *reserved, uint32_t *graphs)
{
	double chunked, max_bs, prefill_bs;

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
	/* Prefill CUDA graphs, reserved by default since PR #16331
	 * (2026-03-02, piecewise), on CUDA the breakable backend since PR
	 * #29458 (2026-07-01), up to chunked_prefill_size tokens (4,096 for a
	 * Llama 2 path); an MLA backend or LoRA turns the breakable ones off
	 * (_disable_breakable_cudagraph_if_incompatible, which runs first),
	 * and ROCm's default, tc_piecewise, is off on HIP
	 * (_disable_tc_piecewise_cudagraph_if_incompatible); each counts 8
	 * MiB, the non-torch part. */
	prefill_bs = m->llama2 && chunked > 4096 ? 4096 : chunked;
	*graphs = m->mla || r->lora.rank || kvp__device_amd(d) ? 0
	          : prefill_graphs(prefill_bs);
	/* Constant metadata, activations of a prefill chunk, decode CUDA
	 * graphs (max_bs x 2) and prefill ones, large parallel layouts (tp x
	 * pp / 8 GiB, a true division); at least 10 GiB on a device of more
	 * than 60 GiB.  A draft's reserve (6 GiB, or 4 for EAGLE) went with
	 * PR #23862, which counts its pool in the cell instead
	 * (sglang_pools.c). */
	*reserved = 512 + (chunked > 2048 ? chunked : 2048) * 1.5 +
	            (double)r->tp * r->pp / 8 * 1024 + max_bs * 2 + *graphs * 8.0;
	if (*gpu_mem > 60 * 1024 && *reserved < 10 * 1024)
		*reserved = 10 * 1024;
}

/* The share, and SGLang's terms where its own share is taken (else 0). */
static double engine_share(const kvp_request *r, const kvp_device *d,
                           const struct sglang_model *m, double *gpu_mem,
                           double *reserved, uint32_t *graphs)
{
	double share;
	char text[64];

	*gpu_mem = *reserved = 0;
	*graphs = 0;
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
		sglang_reserved(r, d, m, gpu_mem, reserved, graphs);
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

/* The share, its terms given where asked (each may be NULL). */
static double share_of(const kvp_request *r, const kvp_device *d,
                       const struct sglang_model *m, double *gpu_mem_mib,
                       double *reserved_mib, uint32_t *graphs_out)
{
	double gpu_mem, reserved, share;
	uint32_t graphs;

	share = engine_share(r, d, m, &gpu_mem, &reserved, &graphs);
	if (gpu_mem_mib)
		*gpu_mem_mib = gpu_mem;
	if (reserved_mib)
		*reserved_mib = reserved;
	if (graphs_out)
		*graphs_out = graphs;
	return share;
}

double kvp__engine_mem_util(const kvp_plan *p, const kvp_device *d)
{
	struct sglang_model m = {false, false};

	/* The model matters to SGLang's own share alone. */
	if (p->request.engine == KVP_ENGINE_SGLANG && p->request.mem_util == 0)
		m = sglang_model_of(p);
	return share_of(&p->request, d, &m, NULL, NULL, NULL);
}

double kvp_engine_mem_util(const kvp_request *r, const kvp_device *d,
                           double *gpu_mem_mib, double *reserved_mib)
{
	struct sglang_model m = {false, false};

	if (!r || !d)
		return 0;
	return share_of(r, d, &m, gpu_mem_mib, reserved_mib, NULL);
}

double kvp_plan_mem_util(const kvp_plan *p, const kvp_device *d, double *gpu_mem_mib,
                         double *reserved_mib, uint32_t *prefill_graphs_out)
{
	struct sglang_model m;

	if (!p || !d)
		return 0;
	m = sglang_model_of(p);
	return share_of(&p->request, d, &m, gpu_mem_mib, reserved_mib, prefill_graphs_out);
}
