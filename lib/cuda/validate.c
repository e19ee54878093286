/*
 * validate.c — the cache on a real GPU: allocated with cuMemAlloc (what
 * cudaMalloc calls) in the
 * reference's two layouts and compared with the prediction, the fall in
 * free memory explained by the driver's allocation granule (measured), the
 * decode kernel checked against the host, and the edge of device memory
 * allocated.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ref/ref.h"
#include "cuda/cuda.h"

#define MIB (1024ull * 1024ull)
/* The kernel's check: at most this context, this many sequences. */
#define CHECK_TOKENS 4096
#define CHECK_SEQS 2

static uint64_t round_up(uint64_t value, uint64_t step)
{
	return step ? (value + step - 1) / step * step : value;
}

/* The driver, opened (kvp__cuda_select) before any of these runs. */
static const kvp__cu *drv(void)
{
	return kvp__cu_open(NULL);
}

static kvp_status free_now(uint64_t *bytes, kvp_error *err)
{
	size_t free_b = 0, total = 0;
	CUresult code = drv()->MemGetInfo(&free_b, &total);

	if (code != CUDA_SUCCESS)
		return kvp__cu_fail(err, code, "reading the free memory");
	*bytes = free_b;
	return KVP_OK;
}

/* cudaMalloc is cuMemAlloc_v2; a failure is not kept, as the runtime
 * keeps it for cudaGetLastError. */
static CUdeviceptr gpu_alloc(uint64_t bytes)
{
	CUdeviceptr p = 0;

	return bytes <= SIZE_MAX && drv()->MemAlloc(&p, (size_t)bytes) == CUDA_SUCCESS ? p : 0;
}

static void gpu_free(CUdeviceptr p)
{
	if (p)
		drv()->MemFree(p);
}

/* The driver's granule: what free memory loses to an allocation one byte
 * longer than 64 MiB (a whole number of any granule up to it), less 64
 * MiB.  Two allocations, so that the first takes whatever the context sets
 * up on its first allocation. */
static kvp_status measure_granule(uint64_t *granule, kvp_error *err)
{
	CUdeviceptr first = 0, probe = 0;
	uint64_t before = 0, after = 0;
	kvp_status st;

	if (!(first = gpu_alloc(64 * MIB)))
		return kvp__error(err, KVP_ERR_NOMEM, "measuring the allocation granule:"
		                  " 64 MiB could not be allocated");
	if ((st = free_now(&before, err)) != KVP_OK)
		goto done;
	if (!(probe = gpu_alloc(64 * MIB + 1))) {
		st = kvp__error(err, KVP_ERR_NOMEM, "measuring the allocation granule:"
		                " 64 MiB + 1 B could not be allocated");
		goto done;
	}
	if ((st = free_now(&after, err)) != KVP_OK)
		goto done;
	/* Another process's memory moving between the readings shows as a
	 * fall of 64 MiB or less, or a rise. */
	if (before <= after || before - after <= 64 * MIB)
		st = kvp__error(err, KVP_ERR_UNSUPPORTED, "the free memory moved while the"
		                " allocation granule was measured: the GPU is shared");
	else
		*granule = before - after - 64 * MIB;
done:
	gpu_free(probe);
	gpu_free(first);
	return st;
}

typedef struct gpu_cache {
	CUdeviceptr *blocks;
	uint64_t count;
	uint64_t requested;
} gpu_cache;

static void cache_free(gpu_cache *c)
{
	for (uint64_t i = 0; i < c->count; i++)
		gpu_free(c->blocks[i]);
	free(c->blocks);
	memset(c, 0, sizeof *c);
}

static kvp_status cache_add(gpu_cache *c, uint64_t bytes, kvp_error *err)
{
	CUresult code = bytes <= SIZE_MAX ? drv()->MemAlloc(&c->blocks[c->count], (size_t)bytes)
	                                  : CUDA_ERROR_OUT_OF_MEMORY;

	if (code != CUDA_SUCCESS)
		return kvp__cu_fail(err, code, "allocating the cache");
	c->count++;
	c->requested += bytes;
	return KVP_OK;
}

/* The layouts on the GPU: contiguous, one K and one V array of layers x
 * batch x seq rows, as the reference's (lib/ref/kvcache.c); paged, a page
 * of 2 x block_size rows for each block of each sequence in each layer, an
 * allocation each, as a cache grown a block at a time allocates them (the
 * reference's paged cache now takes the blocks one reserve adds as one
 * allocation; the bytes are the same).  *arrays allocations of *each
 * bytes. */
static kvp_status cache_shape(const kvp_model *m, kvp_dtype dtype, uint64_t seq,
                              uint64_t batch, kvp_layout layout, uint32_t block_size,
                              uint64_t *arrays, uint64_t *each, kvp_error *err)
{
	uint64_t row = (uint64_t)m->kv_heads * m->head_dim * kvp_dtype_block_bytes(dtype);
	uint64_t blocks = seq / block_size + (seq % block_size != 0);

	if (layout == KVP_LAYOUT_CONTIGUOUS) {
		*arrays = 2;
		if (kvp__mul(row, seq, each) && kvp__mul(*each, batch, each) &&
		    kvp__mul(*each, m->layers, each))
			return KVP_OK;
	} else if (kvp__mul(blocks, batch, arrays) && kvp__mul(*arrays, m->layers, arrays) &&
	           kvp__mul(row, 2 * (uint64_t)block_size, each)) {
		return KVP_OK;
	}
	return kvp__error(err, KVP_ERR_OVERFLOW, "the cache overflows 64-bit bytes");
}

/* What free memory loses to them; UINT64_MAX past 64 bits.  Measured on an
 * H200, driver 580.159.04 (bench/bench_cuda.c's table): 64 allocations of
 * up to 1 MiB (half the 2 MiB granule) each took their own size from free
 * memory, packed into granules; of 1 MiB + 1 B or more, each took whole
 * granules. */
static uint64_t cache_rounded(uint64_t arrays, uint64_t each, uint64_t granule)
{
	uint64_t bytes;

	if (each <= granule / 2)
		return kvp__mul(arrays, each, &bytes) && bytes <= UINT64_MAX - granule
		       ? round_up(bytes, granule) : UINT64_MAX;
	if (each > UINT64_MAX - granule)
		return UINT64_MAX;
	return kvp__mul(arrays, round_up(each, granule), &bytes) ? bytes : UINT64_MAX;
}

static kvp_status cache_alloc(uint64_t arrays, uint64_t each, gpu_cache *c,
                              kvp_error *err)
{
	kvp_status st;

	memset(c, 0, sizeof *c);
	if (arrays > SIZE_MAX / sizeof *c->blocks ||
	    !(c->blocks = calloc((size_t)arrays, sizeof *c->blocks)))
		return kvp__error(err, KVP_ERR_NOMEM, "out of memory for %llu pages",
		                  (unsigned long long)arrays);
	for (uint64_t i = 0; i < arrays; i++)
		if ((st = cache_add(c, each, err)) != KVP_OK) {
			cache_free(c);
			return st;
		}
	return KVP_OK;
}

/* The kernel on one layer of the model's heads against the host. */
static kvp_status check_kernel(const kvp_model *m, uint64_t seq, uint64_t batch,
                               int device, kvp_cuda_validation *out, kvp_error *err)
{
	kvp__cuda_decode_shape shape = {
		.seqs = batch < CHECK_SEQS ? (uint32_t)batch : CHECK_SEQS,
		.tokens = seq < CHECK_TOKENS ? (uint32_t)seq : CHECK_TOKENS,
		.heads = m->heads, .kv_heads = m->kv_heads, .head_dim = m->head_dim,
	};
	kvp__cuda_decode_split split;
	kvp__cuda_decode_params p = {0};
	uint64_t cache_n = (uint64_t)shape.seqs * shape.tokens * shape.kv_heads * shape.head_dim;
	uint64_t q_n = (uint64_t)shape.seqs * shape.heads * shape.head_dim;
	uint64_t state = 1, out_n = q_n;
	uint16_t *host = NULL;
	double *want = NULL, vmax = 0;
	float *got = NULL;
	CUdeviceptr dev = 0;
	CUdevice handle;
	int sms = 0;
	CUresult code;
	kvp_status st;

	out->kernel_tokens = shape.tokens;
	out->kernel_seqs = shape.seqs;
	if ((code = drv()->DeviceGet(&handle, device)) != CUDA_SUCCESS ||
	    (code = drv()->DeviceGetAttribute(&sms, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT,
	                                   handle)) != CUDA_SUCCESS)
		return kvp__cu_fail(err, code, "reading the GPU's properties");
	/* No kernel for this head_dim, or none this GPU can load (the
	 * build's code is for sm_75 and later): not run, and said so. */
	if (shape.head_dim != 64 && shape.head_dim != 128 && shape.head_dim != 256)
		return kvp__error_clear(err);
	if ((st = kvp__cuda_decode_split_for(&shape, sms, &split, err)) != KVP_OK)
		return st;
	if ((st = kvp__cuda_load(err)) == KVP_ERR_UNSUPPORTED)
		return kvp__error_clear(err);
	if (st != KVP_OK)
		return st;
	host = malloc((2 * cache_n + q_n) * sizeof *host);
	want = malloc(out_n * sizeof *want);
	got = malloc(out_n * sizeof *got);
	if (!host || !want || !got) {
		st = kvp__error(err, KVP_ERR_NOMEM, "out of memory for the kernel's check");
		goto done;
	}
	for (uint64_t i = 0; i < 2 * cache_n + q_n; i++) {
		float x = kvp__rng_float(&state);

		host[i] = kvp__fp16_from_float(x);
		if (i >= cache_n && i < 2 * cache_n &&
		    fabs(kvp__fp16_to_float(host[i])) > vmax)
			vmax = fabs(kvp__fp16_to_float(host[i]));
	}
	if (!(dev = gpu_alloc((2 * cache_n + q_n) * 2 + split.partial_bytes +
	                      out_n * sizeof(float)))) {
		st = kvp__error(err, KVP_ERR_NOMEM, "allocating the kernel's check");
		goto done;
	}
	/* Device addresses, as the kernels take them. */
	p.k = (void *)(uintptr_t)dev;
	p.v = (void *)(uintptr_t)(dev + cache_n * 2);
	p.q = (void *)(uintptr_t)(dev + 2 * cache_n * 2);
	p.part_o = (float *)(uintptr_t)(dev + (2 * cache_n + q_n) * 2);
	p.part_ml = p.part_o + (uint64_t)shape.seqs * shape.heads * split.splits * shape.head_dim;
	p.out = (float *)((char *)p.part_o + split.partial_bytes);
	if ((code = drv()->MemcpyHtoD(dev, host, (2 * cache_n + q_n) * 2)) != CUDA_SUCCESS) {
		st = kvp__cu_fail(err, code, "copying the kernel's check");
		goto done;
	}
	if ((st = kvp__cuda_decode(&shape, &split, &p, NULL, err)) != KVP_OK)
		goto done;
	/* On the legacy stream, after the kernels. */
	if ((code = drv()->MemcpyDtoH(got, (CUdeviceptr)(uintptr_t)p.out,
	                           out_n * sizeof *got)) != CUDA_SUCCESS) {
		st = kvp__cu_fail(err, code, "running the decode kernel");
		goto done;
	}
	kvp__cuda_decode_host(&shape, host, host + cache_n, host + 2 * cache_n, want);
	out->max_abs_error = 0;
	for (uint64_t i = 0; i < out_n; i++) {
		double d = fabs((double)got[i] - want[i]);

		/* NaN is never within the bound. */
		if (!(d <= out->max_abs_error))
			out->max_abs_error = isnan(d) ? INFINITY : d;
	}
	out->tolerance = ldexp(1.0, -10) * vmax;
	out->kernel_run = true;
	st = KVP_OK;
done:
	gpu_free(dev);
	free(host);
	free(want);
	free(got);
	return st;
}

kvp_status kvp_cuda_validate_run(const kvp_model *model, kvp_dtype dtype,
                                 uint64_t seq, uint64_t batch,
                                 kvp_layout layout, uint32_t block_size,
                                 int device, kvp_cuda_validation *out,
                                 kvp_error *err)
{
	kvp_cuda_validation r;
	uint64_t granule = 0, before = 0, after = 0, arrays = 0, each = 0;
	gpu_cache cache;
	kvp_status st;

	if (!model || !out)
		return kvp__error(err, KVP_ERR_INVALID, "no model or result given");
	if (seq == 0 || batch == 0)
		return kvp__error(err, KVP_ERR_INVALID,
		                  "sequence length and batch must be at least 1");
	if (!kvp__storage_supported(dtype))
		return kvp__error(err, KVP_ERR_UNSUPPORTED,
		                  "the GPU validation stores fp32, fp16 or bf16, not %s",
		                  kvp_dtype_name(dtype));
	if ((unsigned)layout >= KVP_LAYOUT_COUNT)
		return kvp__error(err, KVP_ERR_INVALID, "invalid cache layout %d", (int)layout);
	if (layout == KVP_LAYOUT_PAGED && block_size == 0)
		block_size = KVP_BLOCK_SIZE_DEFAULT;
	if ((st = kvp__ref_full_layers_only(model, err)) != KVP_OK ||
	    (st = kvp__cuda_select(device, err)) != KVP_OK)
		return st;
	memset(&r, 0, sizeof r);
	r.device = device;
	r.layout = layout;
	r.block_size = layout == KVP_LAYOUT_PAGED ? block_size : 0;
	if ((st = kvp_layout_predict(model, dtype, layout, seq, batch, block_size,
	                             &r.predicted_bytes, err)) != KVP_OK ||
	    (st = measure_granule(&granule, err)) != KVP_OK ||
	    (st = free_now(&before, err)) != KVP_OK)
		return st;
	/* The bytes as the driver rounds them must be free. */
	if ((st = cache_shape(model, dtype, seq, batch, layout, block_size, &arrays, &each,
	                      err)) != KVP_OK)
		return st;
	r.granule_bytes = granule;
	r.rounded_bytes = cache_rounded(arrays, each, granule);
	if (r.rounded_bytes > before)
		return kvp__error(err, KVP_ERR_NO_FIT, "the cache needs %llu B (%llu B as the"
		                  " driver rounds its %llu allocations) and GPU %d has %llu B"
		                  " free", (unsigned long long)r.predicted_bytes,
		                  (unsigned long long)r.rounded_bytes,
		                  (unsigned long long)arrays, device,
		                  (unsigned long long)before);
	if ((st = cache_alloc(arrays, each, &cache, err)) != KVP_OK)
		return st;
	st = free_now(&after, err);
	r.requested_bytes = cache.requested;
	r.allocations = cache.count;
	r.free_drop_bytes = before > after ? before - after : 0;
	cache_free(&cache);
	if (st != KVP_OK || (st = check_kernel(model, seq, batch, device, &r, err)) != KVP_OK)
		return st;
	r.passed = r.requested_bytes == r.predicted_bytes &&
	           r.free_drop_bytes == r.rounded_bytes &&
	           (!r.kernel_run || r.max_abs_error <= r.tolerance);
	*out = r;
	return kvp__error_clear(err);
}

kvp_status kvp_cuda_boundary_run(const kvp_model *model, kvp_dtype dtype,
                                 int device, const kvp_fit_options *fit_options,
                                 bool from_free, uint32_t block_size,
                                 kvp_cuda_boundary *out, kvp_error *err)
{
	kvp_cuda_boundary r;
	kvp_device dev;
	kvp_fit_options options;
	kvp_fit fit;
	double mem_util;
	uint64_t granule = 0, cache;
	CUdeviceptr w = 0, k = 0, v = 0;
	kvp_status st;

	if (!model || !out)
		return kvp__error(err, KVP_ERR_INVALID, "no model or result given");
	if (fit_options)
		options = *fit_options;
	else
		kvp_fit_options_init(&options);
	/* All the free memory is the budget, which the driver refuses past:
	 * a share held back or a reserve would leave room past the edge. */
	if (from_free) {
		options.mem_util = 1.0;
		options.reserve_bytes = 0;
	}
	mem_util = options.mem_util;
	if (!(mem_util > 0 && mem_util <= 1))
		return kvp__error(err, KVP_ERR_INVALID,
		                  "memory utilisation %g is outside (0, 1]", mem_util);
	memset(&r, 0, sizeof r);
	r.from_free = from_free;
	r.mem_util = mem_util;
	r.block_size = block_size ? block_size : KVP_BLOCK_SIZE_DEFAULT;
	if ((st = kvp_device_cuda(device, &dev, NULL, err)) != KVP_OK)
		return st;
	if ((st = measure_granule(&granule, err)) != KVP_OK ||
	    (st = free_now(&r.free_bytes, err)) != KVP_OK)
		return st;
	/* The free memory as the device, less what rounding takes of it. */
	if (from_free)
		dev.hbm_bytes = dev.cuda_bytes = r.free_bytes > 3 * granule
		                                 ? r.free_bytes - 3 * granule : 1;
	if ((st = kvp_fit_compute(model, &dev, dtype, 1, 1, &options, &fit, err)) != KVP_OK)
		return st;
	if (fit.max_seq_hbm == 0 || fit.max_seq_hbm_unbounded)
		return kvp__error(err, KVP_ERR_NO_FIT, "no context to bound: %s",
		                  fit.max_seq_hbm ? "every context fits" : "not one token fits");
	/* The room for the weights and the cache: the reserve is kept. */
	r.budget_bytes = fit.usable_bytes > options.reserve_bytes
	                 ? fit.usable_bytes - options.reserve_bytes : 0;
	r.weights_bytes = fit.weights_bytes;
	r.max_tokens = fit.max_seq_hbm;
	r.over_tokens = r.max_tokens + r.block_size;
	if ((st = kvp_layout_predict(model, dtype, KVP_LAYOUT_CONTIGUOUS, r.max_tokens,
	                             1, 0, &cache, err)) != KVP_OK)
		return st;
	r.max_bytes = r.weights_bytes + cache;
	r.max_allocated = (w = gpu_alloc(r.weights_bytes)) && (k = gpu_alloc(cache / 2)) &&
	                  (v = gpu_alloc(cache - cache / 2));
	gpu_free(k);
	gpu_free(v);
	k = v = 0;
	if ((st = kvp_layout_predict(model, dtype, KVP_LAYOUT_CONTIGUOUS, r.over_tokens,
	                             1, 0, &cache, err)) != KVP_OK)
		goto done;
	r.over_bytes = r.weights_bytes + cache;
	r.over_exceeds = r.over_bytes > r.budget_bytes;
	r.over_allocated = w && (k = gpu_alloc(cache / 2)) && (v = gpu_alloc(cache - cache / 2));
	r.passed = r.max_allocated && r.over_exceeds && !(from_free && r.over_allocated);
	*out = r;
	st = kvp__error_clear(err);
done:
	gpu_free(k);
	gpu_free(v);
	gpu_free(w);
	return st;
}
