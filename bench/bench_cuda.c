/*
 * bench_cuda.c — the L2 cliff of decode attention on a CUDA GPU, against
 * kvplan's prediction (make bench; needs libkvplan built with CUDA and a
 * GPU, and says "not measured" without one).
 *
 * Times one decode step (lib/cuda/decode.cu: one query token a head
 * against a contiguous fp16 cache) at contexts from well inside L2 to far
 * beyond it, for llama2-7b's layer (MHA 32 x 128) and a GQA layer (32/8 x
 * 128), then for llama2-7b's whole cache (32 layers) at short contexts
 * around the "100 tokens fit H100's L2" of kvplan's prediction.  The same
 * cache is read again step after step, as a layer's is in decoding, so
 * what fits L2 stays there.  Steps are captured into a CUDA graph and
 * replayed, so that the host's launch time is not counted; each point is
 * the best of 5 replays.  Each sweep starts with a step of one token, the
 * cost of a step whatever its cache (two launches, a block's fixed work):
 * the net figures are of the time past it.  The yardstick is a plain read
 * of the same bytes again and again (kvp_read_all), from 4 MiB to 4 GiB,
 * whose own cliff shows how much of L2 a re-read finds there.
 *
 * Writes bench/out/cuda_decode.csv: sweep, heads, kv_heads, head_dim,
 * dtype, layout, seqs, context, bytes, ns_per_step, ns_per_token, gbs;
 * prints the read's table, a knee table (kvplan's max_seq_l2 from the
 * GPU's own L2; the measured knee: the first context from which the net
 * bandwidth stays within 20 % of the largest context's, the level from
 * HBM; the net bandwidth before it and at the end), the whole cache's
 * table, and what free memory loses to allocations of each size.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"
#include "internal.h"
#include <cuda_runtime_api.h>

#include "cuda/cuda.h"

#define MIB (1024ull * 1024)
#define GIB (1024ull * MIB)
#define MAX_POINTS 64
#define KNEE_RISE 1.20 /* within 20 % of the level from HBM */
#define REPLAYS 5

typedef struct sweep {
	const char *name;
	uint32_t seqs, heads, kv_heads, head_dim;
	uint64_t max_bytes;          /* the sweep runs to this cache */
	const uint64_t *contexts;    /* or these, 0-ended */
} sweep;

typedef struct point {
	uint64_t context, bytes;
	double ns_step;
} point;

static int sms;
static cudaStream_t stream;

static void check(cudaError_t code, const char *what)
{
	if (code != cudaSuccess) {
		fprintf(stderr, "bench_cuda: %s: %s\n", what, cudaGetErrorString(code));
		exit(1);
	}
}

/* Seconds of one replay of a graph of `steps` launches of `launch`. */
typedef void (*launch_fn)(void *ctx);

static double replay(launch_fn launch, void *ctx, int steps)
{
	cudaGraph_t graph;
	cudaGraphExec_t exec;
	cudaEvent_t start, stop;
	float ms, best = INFINITY;

	check(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal), "capture");
	for (int i = 0; i < steps; i++)
		launch(ctx);
	check(cudaStreamEndCapture(stream, &graph), "capture");
	check(cudaGraphInstantiate(&exec, graph, 0), "instantiate");
	check(cudaEventCreate(&start), "event");
	check(cudaEventCreate(&stop), "event");
	check(cudaGraphLaunch(exec, stream), "warm-up");
	for (int r = 0; r < REPLAYS; r++) {
		check(cudaEventRecord(start, stream), "event");
		check(cudaGraphLaunch(exec, stream), "replay");
		check(cudaEventRecord(stop, stream), "event");
		check(cudaEventSynchronize(stop), "replay");
		check(cudaEventElapsedTime(&ms, start, stop), "event");
		if (ms < best)
			best = ms;
	}
	cudaEventDestroy(start);
	cudaEventDestroy(stop);
	cudaGraphExecDestroy(exec);
	cudaGraphDestroy(graph);
	return best / 1e3 / steps;
}

struct decode_ctx {
	kvp__cuda_decode_shape shape;
	kvp__cuda_decode_split split;
	kvp__cuda_decode_params params;
};

static void decode_launch(void *ctx)
{
	struct decode_ctx *c = ctx;
	kvp_error err;

	bench_check(kvp__cuda_decode(&c->shape, &c->split, &c->params, stream, &err),
	            &err, "decode");
}

struct read_ctx {
	const void *x;
	uint64_t bytes;
	unsigned *sink;
};

static void read_launch(void *ctx)
{
	struct read_ctx *c = ctx;
	kvp_error err;

	bench_check(kvp__cuda_read(c->x, c->bytes, c->sink, (unsigned)sms * 8, stream, &err),
	            &err, "read");
}

/* Steps a graph holds: about 20 ms of work at `gbs`, 10 to 2000. */
static int steps_for(uint64_t bytes, double gbs)
{
	double n = 0.02 / ((double)bytes / (gbs * 1e9) + 5e-6);

	return n < 10 ? 10 : n > 2000 ? 2000 : (int)n;
}

static double read_gbs(char *base, uint64_t bytes, unsigned *sink)
{
	struct read_ctx c = {base, bytes, sink};

	return (double)bytes / replay(read_launch, &c, steps_for(bytes, 4000)) / 1e9;
}

/* What free memory loses to each of 64 allocations of a size: the
 * driver's granule, and whether it packs small allocations together. */
static void granule_table(void)
{
	static const uint64_t sizes[] = {1, 4096, 65536, 262144, 524288, 1 * MIB,
	                                 1 * MIB + 1, 2 * MIB, 2 * MIB + 1, 4 * MIB + 1,
	                                 32 * MIB + 1};
	void *p[64];
	size_t free_a, free_b, total;

	printf("\nallocation granule: free memory lost to each of 64 allocations of a"
	       " size\n\n| size (B) | lost an allocation (B) |\n|---|---|\n");
	for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
		check(cudaMemGetInfo(&free_a, &total), "free");
		for (int i = 0; i < 64; i++)
			check(cudaMalloc(&p[i], sizes[s]), "granule");
		check(cudaMemGetInfo(&free_b, &total), "free");
		for (int i = 0; i < 64; i++)
			cudaFree(p[i]);
		printf("| %llu | %.1f |\n", (unsigned long long)sizes[s],
		       ((double)free_a - (double)free_b) / 64);
	}
}

static size_t run_sweep(const sweep *sw, char *base, float *work, point *pts)
{
	static const uint64_t doubling[] = {64, 96};
	struct decode_ctx c;
	size_t n = 0;
	uint64_t token = (uint64_t)sw->kv_heads * sw->head_dim * 2 * 2;
	kvp_error err;

	/* A step of one token first: what a step costs whatever its cache
	 * (two launches and the block's fixed work), which the net figures
	 * take off. */
	for (int i = -1; n < MAX_POINTS; i++) {
		uint64_t t = i < 0 ? 1 : sw->contexts ? sw->contexts[i] : doubling[i % 2] << (i / 2);

		if (!t || (!sw->contexts && t * token > sw->max_bytes))
			break;
		memset(&c, 0, sizeof c);
		c.shape = (kvp__cuda_decode_shape){sw->seqs, (uint32_t)t, sw->heads,
		                                   sw->kv_heads, sw->head_dim};
		bench_check(kvp__cuda_decode_split_for(&c.shape, sms, &c.split, &err), &err,
		            "split");
		/* K of every sequence, then V; the query and the states after. */
		c.params.k = base;
		c.params.v = base + (uint64_t)sw->seqs * t * token / 2;
		c.params.q = work;
		c.params.part_o = work + (uint64_t)sw->seqs * sw->heads * sw->head_dim;
		c.params.part_ml = c.params.part_o +
		                   (uint64_t)sw->seqs * sw->heads * c.split.splits * sw->head_dim;
		c.params.out = (float *)((char *)c.params.part_o + c.split.partial_bytes);
		pts[n].context = t;
		pts[n].bytes = (uint64_t)sw->seqs * t * token;
		pts[n].ns_step = replay(decode_launch, &c, steps_for(pts[n].bytes, 3000)) * 1e9;
		n++;
	}
	return n;
}

/* kvplan's longest context whose cache fits L2, for this sweep as a model
 * of seqs layers. */
static uint64_t predicted_l2(const sweep *sw, const kvp_device *gpu)
{
	kvp_model m;
	kvp_fit fit;
	kvp_error err;

	memset(&m, 0, sizeof m);
	snprintf(m.name, sizeof m.name, "%s", sw->name);
	m.layers = sw->seqs;
	m.heads = sw->heads;
	m.kv_heads = sw->kv_heads;
	m.head_dim = sw->head_dim;
	m.hidden = sw->heads * sw->head_dim;
	m.params = 1;
	bench_check(kvp_model_finalize(&m, &err), &err, "model");
	bench_check(kvp_fit_compute(&m, gpu, KVP_DTYPE_FP16, 1, 1, NULL, &fit, &err), &err,
	            "fit");
	return fit.max_seq_l2;
}

/* Net of the one-token step p[0]: bytes a ns (GB/s). */
static double net_gbs(const point *p, size_t i)
{
	return (double)(p[i].bytes - p[0].bytes) / (p[i].ns_step - p[0].ns_step);
}

/* The knee: the first context from which every point's net bandwidth is
 * within 20 % of the sweep's last (the level from HBM); before it, the
 * regime that reads faster than HBM does. */
static void knee_row(const sweep *sw, const point *p, size_t n, uint64_t l2_tokens,
                     double hbm_read)
{
	double level = net_gbs(p, n - 1), best = 0;
	size_t knee = n - 1;

	while (knee > 1 && net_gbs(p, knee - 1) <= KNEE_RISE * level)
		knee--;
	for (size_t i = 1; i < knee; i++)
		best = fmax(best, net_gbs(p, i));
	printf("| %s | %llu | %.2f | ", sw->name, (unsigned long long)l2_tokens,
	       p[0].ns_step / 1e3);
	if (knee > 1)
		printf("%llu (%.1f MiB) | %.0f GB/s (%.2f) | ", (unsigned long long)p[knee].context,
		       (double)p[knee].bytes / MIB, best, best / hbm_read);
	else
		printf("none | none faster than HBM | ");
	printf("%.0f GB/s (%.2f) |\n", level, level / hbm_read);
}

int main(int argc, char **argv)
{
	static const uint64_t short_contexts[] = {16, 32, 48, 64, 80, 96, 100, 112, 128,
	                                          160, 192, 256, 384, 512, 1024, 2048,
	                                          4096, 0};
	const sweep sweeps[] = {
		{"llama2-7b layer (MHA 32 x 128)", 1, 32, 32, 128, 4 * GIB, NULL},
		{"GQA layer (32/8 x 128)", 1, 32, 8, 128, 4 * GIB, NULL},
		{"llama2-7b whole cache (32 layers)", 32, 32, 32, 128, 0, short_contexts},
	};
	static point pts[3][MAX_POINTS];
	size_t n[3];
	kvp_device gpu;
	kvp_error err;
	struct cudaDeviceProp prop;
	char *base;
	float *work;
	unsigned *sink;
	static const uint64_t read_mib[] = {4, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 128,
	                                    256, 1024, 4096};
	double l2_read = 0, hbm_read = 0;
	int driver = 0;
	FILE *csv;

	bench_args(argc, argv, 2, "bench_cuda [DIR]");
	if (kvp_device_cuda(0, &gpu, NULL, &err) != KVP_OK) {
		printf("bench_cuda: %s: not measured\n", err.message);
		return 0;
	}
	check(cudaGetDeviceProperties(&prop, 0), "properties");
	check(cudaDriverGetVersion(&driver), "driver");
	sms = prop.multiProcessorCount;
	bench_check(kvp__cuda_load(&err), &err, "loading the kernels");
	check(cudaStreamCreate(&stream), "stream");
	/* The largest cache swept, and the query and states beside it. */
	check(cudaMalloc((void **)&base, 4 * GIB + 64 * MIB), "cache");
	check(cudaMalloc((void **)&work, 256 * MIB), "work");
	check(cudaMalloc((void **)&sink, 64 * 1024 * sizeof *sink), "sink");
	/* Values of no consequence, but finite: fp16 0x3c00 is 1.0. */
	check(cudaMemset(base, 0x3c, 4 * GIB + 64 * MIB), "fill");
	check(cudaMemset(work, 0, 256 * MIB), "fill");
	csv = bench_open_csv(argc, argv, "cuda_decode.csv");
	printf("GPU: %s, %d SMs, L2 %llu B, %llu B, memory %.0f GB/s by its clock and"
	       " bus, CUDA driver %d.%d\n", prop.name, sms,
	       (unsigned long long)gpu.l2_bytes, (unsigned long long)gpu.hbm_bytes,
	       gpu.bandwidth_gbs, driver / 1000, driver % 1000 / 10);
	/* The plain read's own cliff, from a few MiB to far past L2. */
	printf("\nplain read of the same bytes again and again\n\n| MiB | GB/s |\n|---|---|\n");
	for (size_t i = 0; i < sizeof read_mib / sizeof *read_mib; i++) {
		double gbs = read_gbs(base, read_mib[i] * MIB, sink);

		printf("| %llu | %.0f |\n", (unsigned long long)read_mib[i], gbs);
		if (gbs > l2_read)
			l2_read = gbs;
		hbm_read = gbs;
	}
	printf("\nplain read: at best %.0f GB/s (in L2), 4 GiB %.0f GB/s (%.2f of the %.0f"
	       " GB/s of its clock and bus)\n", l2_read, hbm_read,
	       hbm_read / gpu.bandwidth_gbs, gpu.bandwidth_gbs);
	fputs("sweep,heads,kv_heads,head_dim,dtype,layout,seqs,context,bytes,ns_per_step,"
	      "ns_per_token,gbs\n", csv);
	for (int s = 0; s < 3; s++) {
		n[s] = run_sweep(&sweeps[s], base, work, pts[s]);
		for (size_t i = 0; i < n[s]; i++)
			fprintf(csv, "%s,%u,%u,%u,fp16,contiguous,%u,%llu,%llu,%.1f,%.4f,%.1f\n",
			        sweeps[s].name, sweeps[s].heads, sweeps[s].kv_heads,
			        sweeps[s].head_dim, sweeps[s].seqs,
			        (unsigned long long)pts[s][i].context,
			        (unsigned long long)pts[s][i].bytes, pts[s][i].ns_step,
			        pts[s][i].ns_step / pts[s][i].context,
			        (double)pts[s][i].bytes / pts[s][i].ns_step);
	}
	fclose(csv);
	printf("\nknees (net of the 1-token step: the first context from which the net"
	       " bandwidth stays within 20 %% of the largest context's; in parentheses, of the"
	       " plain HBM read)\n\n| sweep | kvplan max_seq_l2 | 1-token step (us) |"
	       " measured knee (tokens) | before it, at best | at the largest context |\n"
	       "|---|---|---|---|---|---|\n");
	for (int s = 0; s < 3; s++)
		knee_row(&sweeps[s], pts[s], n[s], predicted_l2(&sweeps[s], &gpu), hbm_read);
	printf("\nllama2-7b's whole cache, one decode step (kvplan max_seq_l2: %llu)\n\n"
	       "| tokens | cache | us/step | GB/s | net GB/s | net, of the HBM read |\n"
	       "|---|---|---|---|---|---|\n", (unsigned long long)predicted_l2(&sweeps[2], &gpu));
	for (size_t i = 0; i < n[2]; i++) {
		printf("| %llu | %.1f MiB | %.2f | %.0f | ", (unsigned long long)pts[2][i].context,
		       (double)pts[2][i].bytes / MIB, pts[2][i].ns_step / 1e3,
		       (double)pts[2][i].bytes / pts[2][i].ns_step);
		if (i)
			printf("%.0f | %.2f |\n", net_gbs(pts[2], i), net_gbs(pts[2], i) / hbm_read);
		else
			printf("- | - |\n");
	}
	cudaFree(base);
	cudaFree(work);
	cudaFree(sink);
	granule_table();
	return 0;
}
