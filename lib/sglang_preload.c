/*
 * sglang_preload.c — the memory SGLang finds in use before its weights
 * load, modelled on its own published logs: with profile_memory, a fit
 * takes it from the memory SGLang sizes its pool from.
 *
 * SGLang's pool (python/sglang/srt/model_executor/model_runner.py at main
 * 02236fa38, profile_max_num_token) is rest = avail_after_weights -
 * total_gpu_memory x (1 - mem_fraction_static), where total_gpu_memory is
 * the memory free once "Init torch distributed" ends: the device's less
 * the CUDA context, and NCCL's and custom all-reduce's buffers.  So rest
 * = mem_fraction_static x (device - preload) - weights.  The preload is
 * measured, not computed, so kvplan takes the median of published
 * "Load weight begin. avail mem" lines (device - avail) by setting, from
 * the two thirds of 16 logs it was fitted on (doc/footprint.md lists
 * them, and the third held out; research:
 * /work/research/sglang-startup-logs.md): 0.77 GiB on one GPU (builds of 2026),
 * 0.56 GiB a GPU for tensor or pipeline parallelism over PCIe, 1.76 over
 * NVLink, 4.35 over AMD's Infinity Fabric.
 */
#include <string.h>

#include "engine.h"

uint64_t kvp__sglang_preload(const kvp_request *r, const kvp_device *d)
{
	uint64_t mib;

	if (r->engine != KVP_ENGINE_SGLANG || !r->profile_memory || r->kv_budget)
		return 0;
	if ((uint64_t)r->tp * r->pp == 1)
		mib = 788;              /* 0.77 GiB: the CUDA context */
	else if (strcmp(d->link, "nvlink") == 0)
		mib = 1802;             /* 1.76 GiB */
	else if (strcmp(d->link, "xgmi") == 0)
		mib = 4454;             /* 4.35 GiB */
	else
		mib = 573;              /* 0.56 GiB: PCIe, or not known */
	return mib << 20;
}
