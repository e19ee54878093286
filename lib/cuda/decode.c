/*
 * decode.c — the host side of lib/cuda/decode.cu: loads its kernels from
 * the embedded fatbin into each GPU's context through the driver,
 * splits a step over the GPU, launches it, and works the same step out on
 * the host for the kernel's test.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "ref/ref.h"
#include "cuda/cuda.h"

#define THREADS 128
#define WARPS (THREADS / 32)
/* Dynamic shared memory a block may take: 48 KiB (what a launch may have
 * without asking for more) less 1 KiB for the kernel's own (192 B). */
#define SHARED_MAX (49152 - 1024)
/* Tokens a block at most (see kvp__cuda_decode_split_for). */
#define CHUNK_MOST 1024

static const int dims[] = {64, 128, 256};
static const int groups[] = {1, 2, 4, 8};

/* The kernels of each GPU's context, loaded by its first step. */
#define MAX_GPUS 64
typedef struct kernels {
	CUmodule module;
	CUfunction partial[3][4];
	CUfunction combine;
	CUfunction read_all;
} kernels;
static kernels loaded[MAX_GPUS];

static kvp_status current(const kvp__cu **cu, kernels **k, kvp_error *err)
{
	CUdevice device;
	CUresult code;

	if (!(*cu = kvp__cu_open(err)))
		return KVP_ERR_UNSUPPORTED;
	if ((code = (*cu)->CtxGetDevice(&device)) != CUDA_SUCCESS)
		return kvp__cu_fail(err, code, "no CUDA GPU selected");
	if (device < 0 || device >= MAX_GPUS)
		return kvp__error(err, KVP_ERR_UNSUPPORTED, "CUDA GPU %d: kvplan takes the"
		                  " first %d GPUs", (int)device, MAX_GPUS);
	*k = &loaded[device];
	return KVP_OK;
}

/* The kernels into fresh, from the fatbin. */
static kvp_status load_module(const kvp__cu *cu, kernels *fresh, kvp_error *err)
{
	CUresult code;
	char name[32];

	if ((code = cu->ModuleLoadData(&fresh->module, kvp__cuda_fatbin)) != CUDA_SUCCESS) {
		int version = 0;
		char what[128] = "loading the decode kernels";

		/* No code for this GPU, or PTX newer than the driver. */
		if (cu->DriverGetVersion(&version) == CUDA_SUCCESS)
			snprintf(what, sizeof what, "loading the decode kernels (driver of CUDA"
			         " %d.%d, kvplan built with CUDA %d.%d)", version / 1000,
			         version % 1000 / 10, CUDA_VERSION / 1000, CUDA_VERSION % 1000 / 10);
		return kvp__cu_fail(err, code, what);
	}
	for (int d = 0; d < 3; d++)
		for (int g = 0; g < 4; g++) {
			snprintf(name, sizeof name, "kvp_decode_d%d_g%d", dims[d], groups[g]);
			if ((code = cu->ModuleGetFunction(&fresh->partial[d][g], fresh->module,
			                                  name)) != CUDA_SUCCESS)
				goto fail;
		}
	if ((code = cu->ModuleGetFunction(&fresh->combine, fresh->module,
	                                  "kvp_decode_combine")) == CUDA_SUCCESS &&
	    (code = cu->ModuleGetFunction(&fresh->read_all, fresh->module,
	                                  "kvp_read_all")) == CUDA_SUCCESS)
		return KVP_OK;
fail:
	cu->ModuleUnload(fresh->module);
	return kvp__cu_fail(err, code, "finding the decode kernels");
}

/* The driver and this GPU's kernels, loaded once a GPU, whichever
 * thread comes first. */
static kvp_status ready(const kvp__cu **cu, kernels **k, kvp_error *err)
{
	kernels fresh;
	kvp_status st;

	if ((st = current(cu, k, err)) != KVP_OK)
		return st;
	kvp__cu_lock();
	if (!(*k)->module && (st = load_module(*cu, &fresh, err)) == KVP_OK)
		**k = fresh;
	kvp__cu_unlock();
	return st;
}

kvp_status kvp__cuda_load(kvp_error *err)
{
	const kvp__cu *cu;
	kernels *k;

	return ready(&cu, &k, err);
}

static int dim_index(uint32_t head_dim)
{
	for (int d = 0; d < 3; d++)
		if ((uint32_t)dims[d] == head_dim)
			return d;
	return -1;
}

kvp_status kvp__cuda_decode_split_for(const kvp__cuda_decode_shape *shape,
                                      int multiprocessors,
                                      kvp__cuda_decode_split *out,
                                      kvp_error *err)
{
	uint32_t group, g = 8, chunk_max;
	uint64_t blocks, states, want, splits, chunk, tokens = shape->tokens;

	if (dim_index(shape->head_dim) < 0)
		return kvp__error(err, KVP_ERR_UNSUPPORTED,
		                  "the CUDA decode kernel takes head_dim 64, 128"
		                  " or 256, not %u", shape->head_dim);
	if (!shape->seqs || !shape->tokens || !shape->heads || !shape->kv_heads ||
	    shape->heads % shape->kv_heads)
		return kvp__error(err, KVP_ERR_INVALID, "no decode step to split");
	group = shape->heads / shape->kv_heads;
	while (group % g)
		g /= 2;
	/* A grid's second and third dimensions reach 65,535. */
	if (shape->seqs > 65535 || (uint64_t)shape->kv_heads * (group / g) > 65535)
		return kvp__error(err, KVP_ERR_UNSUPPORTED,
		                  "the CUDA decode kernel takes at most 65,535 sequences"
		                  " and blocks of query heads, not %u and %llu", shape->seqs,
		                  (unsigned long long)shape->kv_heads * (group / g));
	/* Scores of the chunk, then each warp's sums. */
	chunk_max = (uint32_t)(SHARED_MAX / sizeof(float) / g) - WARPS * shape->head_dim;
	chunk_max -= chunk_max % 32;
	blocks = (uint64_t)shape->seqs * shape->kv_heads * (group / g);
	/* Four blocks an SM at least, where there are tokens for them; and
	 * chunks of at most CHUNK_MOST, so that a long context runs in many
	 * waves of blocks and the last, partly empty, costs little (on an
	 * H200, 17 splits of one MHA layer made 544 blocks: a second wave
	 * for 16 of them, and 0.63 of the bandwidth). */
	/* In 64 bits: a context near 2^32 would wrap the sums. */
	want = 4 * (uint64_t)(multiprocessors > 0 ? multiprocessors : 1);
	splits = blocks >= want ? 1 : (want + blocks - 1) / blocks;
	if (splits < (tokens + CHUNK_MOST - 1) / CHUNK_MOST)
		splits = (tokens + CHUNK_MOST - 1) / CHUNK_MOST;
	if (splits > tokens / 32 + 1)
		splits = tokens / 32 + 1;
	chunk = (tokens + splits - 1) / splits;
	if (chunk > chunk_max)
		chunk = chunk_max;
	chunk = (chunk + 31) / 32 * 32;
	out->chunk = (uint32_t)chunk;
	out->splits = (uint32_t)((tokens + chunk - 1) / chunk);
	out->group_block = g;
	out->shared_bytes = (size_t)g * (out->chunk + WARPS * shape->head_dim) * sizeof(float);
	states = (uint64_t)shape->seqs * shape->heads * out->splits;
	out->partial_bytes = states * (shape->head_dim + 2) * sizeof(float);
	return KVP_OK;
}

kvp_status kvp__cuda_decode(const kvp__cuda_decode_shape *shape,
                            const kvp__cuda_decode_split *split,
                            kvp__cuda_decode_params *params,
                            CUstream stream, kvp_error *err)
{
	int d = dim_index(shape->head_dim), g = 0;
	uint32_t group = shape->kv_heads ? shape->heads / shape->kv_heads : 0;
	void *args[] = {params};
	const kvp__cu *cu;
	kernels *k;
	CUresult code;
	kvp_status st;

	while (g < 4 && groups[g] != (int)split->group_block)
		g++;
	if (d < 0 || g == 4 || !shape->kv_heads || shape->heads % shape->kv_heads)
		return kvp__error(err, KVP_ERR_INVALID, "a decode step not split by"
		                  " kvp__cuda_decode_split_for");
	if ((st = ready(&cu, &k, err)) != KVP_OK)
		return st;
	params->seq_stride = (uint64_t)shape->tokens * shape->kv_heads * shape->head_dim;
	params->tokens = shape->tokens;
	params->kv_heads = shape->kv_heads;
	params->heads = shape->heads;
	params->chunk = split->chunk;
	params->splits = split->splits;
	params->scale_log2 = (float)(1.4426950408889634 / sqrt((double)shape->head_dim));
	code = cu->LaunchKernel(k->partial[d][g], split->splits,
	                        shape->kv_heads * (group / split->group_block), shape->seqs,
	                        THREADS, 1, 1, (unsigned)split->shared_bytes, stream, args,
	                        NULL);
	if (code != CUDA_SUCCESS)
		return kvp__cu_fail(err, code, "launching the decode kernel");
	code = cu->LaunchKernel(k->combine, shape->heads, shape->seqs, 1, shape->head_dim,
	                        1, 1, 0, stream, args, NULL);
	if (code != CUDA_SUCCESS)
		return kvp__cu_fail(err, code, "launching the decode combine");
	return KVP_OK;
}

kvp_status kvp__cuda_read(const void *x, uint64_t bytes, unsigned *sink,
                          unsigned blocks, CUstream stream, kvp_error *err)
{
	uint64_t n16 = bytes / 16;
	void *args[] = {&x, &n16, &sink};
	const kvp__cu *cu;
	kernels *k;
	CUresult code;
	kvp_status st;

	if ((st = ready(&cu, &k, err)) != KVP_OK)
		return st;
	code = cu->LaunchKernel(k->read_all, blocks, 1, 1, 256, 1, 1, 0, stream, args, NULL);
	return code == CUDA_SUCCESS ? KVP_OK
	                            : kvp__cu_fail(err, code, "launching the read kernel");
}

void kvp__cuda_decode_host(const kvp__cuda_decode_shape *shape,
                           const uint16_t *k, const uint16_t *v,
                           const uint16_t *q, double *out)
{
	uint32_t D = shape->head_dim, group = shape->heads / shape->kv_heads;
	uint64_t row = (uint64_t)shape->kv_heads * D;
	double scale = 1.0 / sqrt((double)D);

	for (uint32_t s = 0; s < shape->seqs; s++)
		for (uint32_t h = 0; h < shape->heads; h++) {
			const uint16_t *qh = q + ((uint64_t)s * shape->heads + h) * D;
			const uint16_t *ks = k + (uint64_t)s * shape->tokens * row + (h / group) * D;
			const uint16_t *vs = v + (uint64_t)s * shape->tokens * row + (h / group) * D;
			double *o = out + ((uint64_t)s * shape->heads + h) * D;
			double m = -INFINITY, sum = 0;

			for (uint32_t t = 0; t < shape->tokens; t++) {
				double dot = 0;

				for (uint32_t e = 0; e < D; e++)
					dot += (double)kvp__fp16_to_float(qh[e]) *
					       (double)kvp__fp16_to_float(ks[t * row + e]);
				if (dot * scale > m)
					m = dot * scale;
			}
			memset(o, 0, D * sizeof *o);
			for (uint32_t t = 0; t < shape->tokens; t++) {
				double dot = 0, w;

				for (uint32_t e = 0; e < D; e++)
					dot += (double)kvp__fp16_to_float(qh[e]) *
					       (double)kvp__fp16_to_float(ks[t * row + e]);
				w = exp(dot * scale - m);
				sum += w;
				for (uint32_t e = 0; e < D; e++)
					o[e] += w * (double)kvp__fp16_to_float(vs[t * row + e]);
			}
			for (uint32_t e = 0; e < D; e++)
				o[e] /= sum;
		}
}
