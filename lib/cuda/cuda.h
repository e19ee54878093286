/*
 * cuda.h — libkvplan's CUDA part, inside the library: the NVIDIA driver's
 * API opened at first use (lib/cuda/driver.c), the decode-attention
 * kernels of lib/cuda/decode.cu loaded from the fatbin that the build
 * embeds, and the helpers that lib/cuda/device.c and lib/cuda/validate.c
 * share.  Built only with configure --with-cuda; the benchmark and the
 * tests reach it too.  The driver is opened once (pthread_once), and each
 * GPU's context and kernels set up under a lock.
 */
#ifndef KVPLAN_CUDA_H
#define KVPLAN_CUDA_H

#include <stddef.h>
#include <stdint.h>

#include <cuda.h>

#include "kvplan.h"

/* The driver's entry points kvplan calls (cuda.h's plain names mapped to
 * the versions it maps them to). */
typedef struct kvp__cu {
	int ready;
	CUresult (*Init)(unsigned int flags);
	CUresult (*DriverGetVersion)(int *version);
	CUresult (*DeviceGetCount)(int *count);
	CUresult (*DeviceGet)(CUdevice *device, int ordinal);
	CUresult (*DeviceGetName)(char *name, int len, CUdevice device);
	CUresult (*DeviceTotalMem)(size_t *bytes, CUdevice device);
	CUresult (*DeviceGetAttribute)(int *value, CUdevice_attribute what, CUdevice device);
	CUresult (*DevicePrimaryCtxRetain)(CUcontext *ctx, CUdevice device);
	CUresult (*CtxSetCurrent)(CUcontext ctx);
	CUresult (*CtxGetDevice)(CUdevice *device);
	CUresult (*MemGetInfo)(size_t *free_bytes, size_t *total);
	CUresult (*MemAlloc)(CUdeviceptr *ptr, size_t bytes);
	CUresult (*MemFree)(CUdeviceptr ptr);
	CUresult (*MemcpyHtoD)(CUdeviceptr dst, const void *src, size_t bytes);
	CUresult (*MemcpyDtoH)(void *dst, CUdeviceptr src, size_t bytes);
	CUresult (*ModuleLoadData)(CUmodule *module, const void *image);
	CUresult (*ModuleGetFunction)(CUfunction *fn, CUmodule module, const char *name);
	CUresult (*ModuleUnload)(CUmodule module);
	CUresult (*LaunchKernel)(CUfunction fn, unsigned int gx, unsigned int gy,
	                         unsigned int gz, unsigned int bx, unsigned int by,
	                         unsigned int bz, unsigned int shared, CUstream stream,
	                         void **params, void **extra);
	CUresult (*GetErrorString)(CUresult code, const char **text);
} kvp__cu;

/* The driver, opened and initialised once: NULL, with "no CUDA GPU: ..."
 * (KVP_ERR_UNSUPPORTED), where there is no driver or no GPU. */
const kvp__cu *kvp__cu_open(kvp_error *err);

/* A driver call's failure: KVP_ERR_NOMEM (out of memory), KVP_ERR_INVALID
 * (an argument the driver refuses) or KVP_ERR_UNSUPPORTED (anything else:
 * no device, no kernel image for it, a fault of the GPU), "what: the
 * driver's message (CUDA error N)". */
kvp_status kvp__cu_fail(kvp_error *err, CUresult code, const char *what);

/* The lock under which each GPU's context and kernels are set up. */
void kvp__cu_lock(void);
void kvp__cu_unlock(void);

/* The fatbin of lib/cuda/decode.cu (lib/cuda/kernels.c, generated). */
extern const unsigned char kvp__cuda_fatbin[];

/* Makes GPU `index`'s primary context (the one the CUDA runtime uses)
 * current on this thread; the errors of kvp_device_cuda. */
kvp_status kvp__cuda_select(int index, kvp_error *err);

/* The kernels' parameter block: decode.cu's decode_params, member for
 * member. */
typedef struct kvp__cuda_decode_params {
	const void *k;         /* fp16 [seqs][tokens][kv_heads][head_dim] */
	const void *v;
	const void *q;         /* fp16 [seqs][heads][head_dim] */
	float *part_o;         /* [seqs][heads][splits][head_dim] */
	float *part_ml;        /* [seqs][heads][splits][2] */
	float *out;            /* [seqs][heads][head_dim] */
	uint64_t seq_stride;   /* values from one sequence's K (V) to the next */
	uint32_t tokens;
	uint32_t kv_heads;
	uint32_t heads;
	uint32_t chunk;
	uint32_t splits;
	float scale_log2;
} kvp__cuda_decode_params;

/* One decode step's shape: seqs independent caches (layers x batch) of
 * `tokens` rows.  head_dim 64, 128 or 256; heads a multiple of kv_heads. */
typedef struct kvp__cuda_decode_shape {
	uint32_t seqs;
	uint32_t tokens;
	uint32_t heads;
	uint32_t kv_heads;
	uint32_t head_dim;
} kvp__cuda_decode_shape;

/* How a step is split: query heads a block (1, 2, 4 or 8), tokens a block,
 * blocks along the tokens, the dynamic shared memory, and the bytes of the
 * chunks' states (part_o and part_ml together). */
typedef struct kvp__cuda_decode_split {
	uint32_t group_block;
	uint32_t chunk;
	uint32_t splits;
	size_t shared_bytes;
	uint64_t partial_bytes;
} kvp__cuda_decode_split;

/* The split for shape on a GPU of `multiprocessors` SMs: at least four
 * blocks an SM where the context allows, at most what shared memory holds
 * a block.  KVP_ERR_UNSUPPORTED for a head_dim the kernels lack. */
kvp_status kvp__cuda_decode_split_for(const kvp__cuda_decode_shape *shape,
                                      int multiprocessors,
                                      kvp__cuda_decode_split *out,
                                      kvp_error *err);

/* Launches one step on stream: the chunks' kernel, then the combine.
 * params' pointers are the caller's device memory; its chunk, splits and
 * scale are set here from split.  Loads the kernels on first use. */
kvp_status kvp__cuda_decode(const kvp__cuda_decode_shape *shape,
                            const kvp__cuda_decode_split *split,
                            kvp__cuda_decode_params *params,
                            CUstream stream, kvp_error *err);

/* Loads the kernels into the current context, once for each GPU; the
 * first step does it too, but not inside a stream capture, which a load
 * would break: a caller that captures loads first. */
kvp_status kvp__cuda_load(kvp_error *err);

/* Reads bytes (a multiple of 16) at x once on stream, over `blocks`
 * blocks of 256 threads, each folding what it read into sink[block]: the
 * streaming read that decode's bandwidth is measured against. */
kvp_status kvp__cuda_read(const void *x, uint64_t bytes, unsigned *sink,
                          unsigned blocks, CUstream stream, kvp_error *err);

/* The same step on the host, in double, from the same fp16 values: out
 * [seqs][heads][head_dim].  The oracle of the kernel's test. */
void kvp__cuda_decode_host(const kvp__cuda_decode_shape *shape,
                           const uint16_t *k, const uint16_t *v,
                           const uint16_t *q, double *out);

#endif
