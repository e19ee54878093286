/*
 * bench_bandwidth.c — the attention kernel reads the whole cache once per
 * decode step, so its floor is cache bytes / memory bandwidth.  Measures the
 * KV read bandwidth it achieves against the host's streaming read bandwidth
 * from the same run, and sweeps the cache size across L2 and the last-level
 * cache, next to kvplan's own max_seq_l2 for the host, to see where the
 * time per context token changes.
 * Usage: bench_bandwidth [OUTDIR]  (writes OUTDIR/bandwidth.csv)
 */
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"
#include "ref/ref.h"

/* The largest cache of a sweep, and the size of the streaming read. */
#define MAX_CACHE_BYTES (512ull << 20)
#define STREAM_BYTES (512ull << 20)
/* Each point is timed over at least this many bytes read (and 3 steps). */
#define MIN_TIMED_BYTES (256ull << 20)

typedef struct sweep {
	const char *name;
	kvp__attn_shape shape;
	kvp_dtype dtype;
} sweep;

static const sweep sweeps[] = {
	{"gqa-32x128-kv8", {4096, 32, 8, 128, 500000}, KVP_DTYPE_FP32},
	{"gqa-32x128-kv8", {4096, 32, 8, 128, 500000}, KVP_DTYPE_FP16},
	{"mha-32x128", {4096, 32, 32, 128, 10000}, KVP_DTYPE_FP32},
};

static const uint64_t contexts[] = {16, 32, 48, 64, 96, 128, 192, 256, 384,
                                    512, 768, 1024, 1536, 2048, 3072, 4096,
                                    6144, 8192, 12288, 16384, 32768, 65536};
#define N_CONTEXTS (sizeof contexts / sizeof contexts[0])

/* Mean of ns_per_token over the measured contexts in (lo, hi]. */
static double level(const double *ns_per_token, size_t n, uint64_t lo,
                    uint64_t hi)
{
	double sum = 0;
	int count = 0;

	for (size_t i = 0; i < n; i++)
		if (contexts[i] > lo && contexts[i] <= hi) {
			sum += ns_per_token[i];
			count++;
		}
	return count ? sum / count : 0;
}

/* Where the time per context token changes: the regimes' levels, and the
 * first context past the point halfway from the in-L2 level to the level
 * beyond the last-level cache. */
static void summarize(const double *ns_per_token, size_t n, uint64_t l2_tokens,
                      uint64_t llc_tokens, uint64_t token_bytes)
{
	double in_l2 = level(ns_per_token, n, 0, l2_tokens);
	double in_llc = level(ns_per_token, n, l2_tokens, llc_tokens);
	double beyond = level(ns_per_token, n, 2 * llc_tokens, UINT64_MAX);

	printf("ns per context token: %.0f within L2 (<= %llu tokens), %.0f "
	       "between L2 and LLC, %.0f beyond twice the LLC\n", in_l2,
	       (unsigned long long)l2_tokens, in_llc, beyond);
	for (size_t i = 0; i < n && in_l2 > 0 && beyond > in_l2; i++)
		if (contexts[i] > l2_tokens &&
		    ns_per_token[i] > (in_l2 + beyond) / 2) {
			printf("measured knee: %llu tokens (%.1f MiB); kvplan predicts the "
			       "LLC full at %llu tokens (%.1f MiB)\n",
			       (unsigned long long)contexts[i],
			       contexts[i] * token_bytes / 1048576.0,
			       (unsigned long long)llc_tokens,
			       llc_tokens * token_bytes / 1048576.0);
			break;
		}
}

/* Longest context whose whole cache (one layer of this shape, batch 1)
 * fits in `bytes` of cache: kvplan's max_seq_l2 on a device whose L2 is
 * that big. */
static uint64_t predicted_tokens(const kvp__attn_shape *shape, kvp_dtype dtype,
                                 const kvp_device *host, uint64_t bytes)
{
	kvp_model layer = {.name = "layer", .layers = 1, .heads = shape->heads,
	                   .kv_heads = shape->kv_heads,
	                   .head_dim = shape->head_dim};
	kvp_device device = *host;
	kvp_fit fit;
	kvp_error err;

	device.l2_bytes = bytes;
	bench_check(kvp_fit_compute(&layer, &device, dtype, 1, 1, NULL, &fit, &err),
	            &err, "fit");
	return fit.max_seq_l2;
}

int main(int argc, char **argv)
{
	kvp_device host;
	double stream;
	FILE *csv;

	bench_host(&host);
	bench_print_host(stdout, &host);
	stream = bench_stream_read(STREAM_BYTES, 5);
	printf("streaming read of %llu MiB: %.1f GB/s\n",
	       (unsigned long long)(STREAM_BYTES >> 20), stream / 1e9);
	csv = bench_open_csv(argc, argv, "bandwidth.csv");
	fprintf(csv, "shape,dtype,context,cache_bytes,us_per_step,"
	             "ns_per_context_token,gb_per_s,fraction_of_stream,"
	             "predicted_max_seq_l2,predicted_max_seq_llc\n");

	for (size_t s = 0; s < sizeof sweeps / sizeof sweeps[0]; s++) {
		const sweep *sw = &sweeps[s];
		uint64_t kv_dim = (uint64_t)sw->shape.kv_heads * sw->shape.head_dim;
		uint64_t q_dim = (uint64_t)sw->shape.heads * sw->shape.head_dim;
		uint64_t token_bytes = 2 * kv_dim * kvp_dtype_block_bytes(sw->dtype);
		uint64_t max_seq = MAX_CACHE_BYTES / token_bytes;
		uint64_t l2_tokens = predicted_tokens(&sw->shape, sw->dtype, &host,
		                                      host.l2_bytes);
		uint64_t llc_tokens = host.llc_bytes
		                      ? predicted_tokens(&sw->shape, sw->dtype, &host,
		                                         host.llc_bytes) : 0;
		kvp__kvcache_shape cache_shape = {
			.layers = 1, .kv_heads = sw->shape.kv_heads,
			.head_dim = sw->shape.head_dim, .batch = 1, .max_seq = max_seq,
			.dtype = sw->dtype, .layout = KVP_LAYOUT_CONTIGUOUS,
		};
		kvp__counter counter;
		kvp__kvcache cache;
		kvp__attn_scratch scratch;
		kvp_error err;
		uint64_t rng = 7;
		float *rows, *q, *o;
		double ns_per_token[N_CONTEXTS];
		size_t measured = 0;

		kvp__counter_init(&counter);
		bench_check(kvp__kvcache_init(&cache, &counter, &cache_shape, &err),
		            &err, "cache");
		bench_check(kvp__kvcache_reserve(&cache, 0, max_seq, &err), &err,
		            "reserve");
		bench_check(kvp__attn_scratch_init(&scratch, &counter, &sw->shape, 1,
		                                   max_seq, &err), &err, "scratch");
		rows = malloc(2 * kv_dim * sizeof *rows); /* (2, kv_dim) */
		q = malloc(q_dim * sizeof *q);            /* (heads, head_dim) */
		o = malloc(q_dim * sizeof *o);
		if (!rows || !q || !o) {
			fprintf(stderr, "bench: out of memory\n");
			return 1;
		}
		for (uint64_t pos = 0; pos < max_seq; pos++) {
			kvp__rng_fill(&rng, rows, 2 * kv_dim, 1.0f);
			bench_check(kvp__kvcache_write(&cache, 0, 0, pos, rows,
			                               rows + kv_dim, &err), &err, "fill");
		}
		kvp__rng_fill(&rng, q, q_dim, 1.0f);

		printf("\n%s, %s cache: %llu bytes per token; kvplan --gpu host predicts "
		       "max_seq_l2 %llu (L2 %llu KiB), %llu tokens in the LLC (%llu MiB)\n",
		       sw->name, kvp_dtype_name(sw->dtype),
		       (unsigned long long)token_bytes, (unsigned long long)l2_tokens,
		       (unsigned long long)host.l2_bytes >> 10,
		       (unsigned long long)llc_tokens,
		       (unsigned long long)host.llc_bytes >> 20);
		printf("%8s %12s %12s %10s %8s %8s\n", "context", "cache KiB",
		       "us/step", "ns/token", "GB/s", "stream");
		for (size_t i = 0; i < N_CONTEXTS; i++) {
			uint64_t c = contexts[i], bytes = c * token_bytes;
			uint64_t steps = MIN_TIMED_BYTES / bytes;
			double start, seconds, gbs;

			if (c > max_seq)
				break;
			if (steps < 3)
				steps = 3;
			/* one untimed step brings a cache that fits into the caches */
			kvp__attn_over_cache(&sw->shape, &cache, 0, 0, c, q, scratch.att,
			                     scratch.row, o);
			start = bench_now();
			for (uint64_t k = 0; k < steps; k++) {
				kvp__attn_over_cache(&sw->shape, &cache, 0, 0, c, q,
				                     scratch.att, scratch.row, o);
				bench_keep(o[k % q_dim]);
			}
			seconds = (bench_now() - start) / (double)steps;
			gbs = (double)bytes / seconds / 1e9;
			ns_per_token[measured++] = seconds / (double)c * 1e9;
			printf("%8llu %12.0f %12.2f %10.1f %8.2f %7.0f%%%s\n",
			       (unsigned long long)c, bytes / 1024.0, seconds * 1e6,
			       seconds / (double)c * 1e9, gbs, gbs * 1e9 / stream * 100,
			       c == l2_tokens ? "  <- max_seq_l2" :
			       c == llc_tokens ? "  <- LLC" : "");
			fprintf(csv, "%s,%s,%llu,%llu,%.3f,%.2f,%.3f,%.3f,%llu,%llu\n",
			        sw->name, kvp_dtype_name(sw->dtype), (unsigned long long)c,
			        (unsigned long long)bytes, seconds * 1e6,
			        seconds / (double)c * 1e9, gbs, gbs * 1e9 / stream,
			        (unsigned long long)l2_tokens,
			        (unsigned long long)llc_tokens);
			fflush(stdout);
		}
		summarize(ns_per_token, measured, l2_tokens, llc_tokens, token_bytes);
		free(rows);
		free(q);
		free(o);
		kvp__attn_scratch_destroy(&scratch, &counter);
		kvp__kvcache_destroy(&cache);
	}
	fprintf(csv, "stream,fp32,0,%llu,0,0,%.3f,1,0,0\n",
	        (unsigned long long)STREAM_BYTES, stream / 1e9);
	fclose(csv);
	return 0;
}
