/*
 * bench_decode.c — what the KV cache buys: the cost of decoding one token
 * on a model-shaped layer (hidden 4096, 32 query heads of 128, 8 kv heads:
 * llama3-8b's) with the cache, against decoding it without one, at contexts
 * 128, 512, 2048 and 8192.  Without a cache this one layer must compute K
 * and V of every position again (its query only for the new token): the
 * cheapest no-cache decode there is; a whole model would also redo every
 * lower layer for every position, so its ratio is larger still.
 * Usage: bench_decode [OUTDIR]  (writes OUTDIR/decode.csv)
 */
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"
#include "ref/ref.h"

#define N_CONTEXTS 4
#define CACHED_STEPS 64
#define MAX_CONTEXT 8192

static const uint64_t contexts[N_CONTEXTS] = {128, 512, 2048, MAX_CONTEXT};

/* Least-squares line y = a + b x through n points; r2 its fit. */
static void fit_line(const double *x, const double *y, int n, double *a,
                     double *b, double *r2)
{
	double sx = 0, sy = 0, sxx = 0, sxy = 0, ss_res = 0, ss_tot = 0;

	for (int i = 0; i < n; i++) {
		sx += x[i];
		sy += y[i];
		sxx += x[i] * x[i];
		sxy += x[i] * y[i];
	}
	*b = (n * sxy - sx * sy) / (n * sxx - sx * sx);
	*a = (sy - *b * sx) / n;
	for (int i = 0; i < n; i++) {
		double e = y[i] - (*a + *b * x[i]), d = y[i] - sy / n;

		ss_res += e * e;
		ss_tot += d * d;
	}
	*r2 = 1 - ss_res / ss_tot;
}

/* Seconds of a plain read of the layer's four weight matrices, where they
 * lie, and of cache_n floats of the streaming buffer. */
static double own_read(const kvp__attn_layer *layer, const float *stream_buf,
                       uint64_t cache_n)
{
	const kvp__attn_shape *sh = &layer->shape;
	uint64_t q_n = (uint64_t)sh->heads * sh->head_dim * sh->dim;
	uint64_t kv_n = (uint64_t)sh->kv_heads * sh->head_dim * sh->dim;

	return bench_stream_pass(layer->wq, q_n) + bench_stream_pass(layer->wk, kv_n) +
	       bench_stream_pass(layer->wv, kv_n) + bench_stream_pass(layer->wo, q_n) +
	       bench_stream_pass(stream_buf, cache_n);
}

int main(int argc, char **argv)
{
	const kvp__attn_shape shape = {.dim = 4096, .heads = 32, .kv_heads = 8,
	                               .head_dim = 128, .rope_theta = 500000};
	const kvp_dtype dtype = KVP_DTYPE_FP16;
	const uint64_t max_seq = MAX_CONTEXT + CACHED_STEPS;
	kvp__kvcache_shape cache_shape = {
		.layers = 1, .kv_heads = shape.kv_heads, .head_dim = shape.head_dim,
		.batch = 1, .max_seq = max_seq, .dtype = dtype,
		.layout = KVP_LAYOUT_CONTIGUOUS,
	};
	uint64_t q_dim = (uint64_t)shape.heads * shape.head_dim;
	uint64_t kv_dim = (uint64_t)shape.kv_heads * shape.head_dim;
	double cached_us[N_CONTEXTS], attention_us[N_CONTEXTS],
	       recompute_us[N_CONTEXTS], x_ctx[N_CONTEXTS], bound_us[N_CONTEXTS],
	       over_floor[N_CONTEXTS], over_own[N_CONTEXTS];
	double stream;
	uint64_t weight_bytes, row_bytes, stream_n;
	float *stream_buf;
	kvp__counter counter;
	kvp__attn_layer layer;
	kvp__attn_scratch scratch;
	kvp__kvcache cache;
	kvp_device host;
	kvp_error err;
	uint64_t rng = 2024;
	float *rows, *x, *out, *q, *o;
	double a, b, r2;
	FILE *csv;

	bench_args(argc, argv, 1, "[DIR]");
	bench_host(&host);
	kvp__counter_init(&counter);
	bench_check(kvp__attn_layer_init(&layer, &counter, &shape, 0, 1, &err),
	            &err, "layer");
	bench_check(kvp__attn_scratch_init(&scratch, &counter, &shape, 1, max_seq,
	                                   &err), &err, "scratch");
	bench_check(kvp__kvcache_init(&cache, &counter, &cache_shape, &err), &err,
	            "cache");
	bench_check(kvp__kvcache_reserve(&cache, 0, max_seq, &err), &err, "reserve");
	rows = malloc(2 * kv_dim * sizeof *rows);     /* (2, kv_dim) */
	x = malloc((MAX_CONTEXT + 1) * shape.dim * sizeof *x); /* (context, dim) */
	out = malloc((MAX_CONTEXT + 1) * shape.dim * sizeof *out);
	q = malloc(q_dim * sizeof *q);                /* (heads, head_dim) */
	o = malloc(q_dim * sizeof *o);
	if (!rows || !x || !out || !q || !o) {
		fprintf(stderr, "bench: out of memory\n");
		return 1;
	}
	/* The cached cost does not depend on the values, so the context is
	 * filled with random rows instead of a long prefill. */
	for (uint64_t pos = 0; pos < max_seq; pos++) {
		kvp__rng_fill(&rng, rows, 2 * kv_dim, 1.0f);
		bench_check(kvp__kvcache_write(&cache, 0, 0, pos, rows, rows + kv_dim,
		                               &err), &err, "fill");
	}
	kvp__rng_fill(&rng, x, (MAX_CONTEXT + 1) * shape.dim, 1.0f);
	kvp__rng_fill(&rng, q, q_dim, 1.0f);
	/* A decode step reads the layer's weights (fp32) and its whole cache
	 * once: (weight bytes + cache bytes) / streaming read is its floor.
	 * This host is shared and its bandwidth moves by a third within a
	 * minute, so each step is timed right after a summing pass over as
	 * many bytes, and the median of the step/pass ratios is reported. */
	bench_check(kvp__attn_weight_bytes(&shape, &weight_bytes, &err), &err, "weights");
	row_bytes = 2 * kv_dim * kvp_dtype_block_bytes(dtype);
	stream_n = (weight_bytes + max_seq * row_bytes) / sizeof(float);
	if (!(stream_buf = malloc(stream_n * sizeof *stream_buf))) {
		fprintf(stderr, "bench: out of memory\n");
		return 1;
	}
	kvp__huge_pages(stream_buf, stream_n * sizeof *stream_buf);
	for (uint64_t i = 0; i < stream_n; i++)
		stream_buf[i] = (float)(i & 7);
	stream = bench_stream_read(512ull << 20, 5);

	printf("decode cost per token, one layer: hidden %u, %u heads x %u, %u kv heads, %s cache\n",
	       shape.dim, shape.heads, shape.head_dim, shape.kv_heads,
	       kvp_dtype_name(dtype));
	bench_print_host(stdout, &host);
	printf("streaming read %.1f GB/s (best of 5 over 512 MiB); the layer's weights %llu MiB (fp32)\n",
	       stream / 1e9, (unsigned long long)weight_bytes >> 20);
	printf("cached: the median of %d steps, each beside a streaming read of its own bytes (the floor)\n",
	       CACHED_STEPS);
	printf("%8s %14s %14s %16s %10s %12s %8s %10s %8s\n", "context", "cached us/tok",
	       "attention us", "recompute us/tok", "ratio", "floor us", "/floor",
	       "read GB/s", "/own");
	for (int i = 0; i < N_CONTEXTS; i++) {
		uint64_t c = contexts[i];
		int recompute_runs = c <= 512 ? 3 : 1;
		double start, best = 0, step[CACHED_STEPS], pass[CACHED_STEPS],
		       ratio[CACHED_STEPS], own_ratio[CACHED_STEPS], read_bytes = 0;

		/* Cached: token c + s sees positions 0..c + s, and reads the
		 * weights and those c + s + 1 rows of K and V. */
		bench_check(kvp__attn_forward(&layer, &cache, &scratch, 0, c, 1, x,
		                              out, &err), &err, "decode");
		for (int s = 0; s < CACHED_STEPS; s++) {
			uint64_t bytes = weight_bytes + (c + s + 1) * row_bytes;
			double own;

			pass[s] = bench_stream_pass(stream_buf, bytes / sizeof(float) / 8 * 8);
			/* The same read over the layer's own weights (the
			 * cache's bytes from the streaming buffer): where
			 * the step's own pages read slower than the buffer's. */
			own = own_read(&layer, stream_buf,
			               (c + s + 1) * row_bytes / sizeof(float) / 8 * 8);
			start = bench_now();
			bench_check(kvp__attn_forward(&layer, &cache, &scratch, 0, c + s, 1,
			                              x + s * shape.dim, out, &err), &err,
			            "decode");
			step[s] = bench_now() - start;
			ratio[s] = step[s] / pass[s];
			own_ratio[s] = step[s] / own;
			read_bytes += (double)bytes / pass[s];
		}
		cached_us[i] = bench_median(step, CACHED_STEPS) * 1e6;
		bound_us[i] = bench_median(pass, CACHED_STEPS) * 1e6;
		over_floor[i] = bench_median(ratio, CACHED_STEPS);
		over_own[i] = bench_median(own_ratio, CACHED_STEPS);

		start = bench_now();
		for (int s = 0; s < CACHED_STEPS; s++) {
			kvp__attn_over_cache(&shape, &cache, 0, 0, c, q, scratch.att,
			                     scratch.row, o);
			bench_keep(o[s % q_dim]);
		}
		attention_us[i] = (bench_now() - start) / CACHED_STEPS * 1e6;

		/* Without a cache, the token at position c needs K and V of all
		 * c + 1 positions again. */
		for (int r = 0; r < recompute_runs; r++) {
			double seconds;

			start = bench_now();
			bench_check(kvp__attn_forward_nocache(&layer, &counter, dtype, c + 1,
			                                      c, x, out, &err), &err,
			            "recompute");
			seconds = bench_now() - start;
			if (best == 0 || seconds < best)
				best = seconds;
		}
		recompute_us[i] = best * 1e6;
		x_ctx[i] = (double)c;
		printf("%8llu %14.1f %14.1f %16.0f %9.0fx %12.1f %7.2fx %10.1f %7.2fx\n",
		       (unsigned long long)c, cached_us[i], attention_us[i],
		       recompute_us[i], recompute_us[i] / cached_us[i], bound_us[i],
		       over_floor[i], read_bytes / CACHED_STEPS / 1e9, over_own[i]);
		fflush(stdout);
	}

	csv = bench_open_csv(argc, argv, "decode.csv");
	fprintf(csv, "context,cached_us_per_token,attention_us_per_token,"
	             "recompute_us_per_token,recompute_over_cached,floor_us,"
	             "cached_over_floor,cached_over_own_read\n");
	for (int i = 0; i < N_CONTEXTS; i++)
		fprintf(csv, "%llu,%.3f,%.3f,%.1f,%.1f,%.3f,%.3f,%.3f\n",
		        (unsigned long long)contexts[i], cached_us[i], attention_us[i],
		        recompute_us[i], recompute_us[i] / cached_us[i], bound_us[i],
		        over_floor[i], over_own[i]);
	fclose(csv);

	fit_line(x_ctx, cached_us, N_CONTEXTS, &a, &b, &r2);
	printf("cached:    %.1f us + %.2f ns per context token (R^2 %.4f)\n", a,
	       b * 1e3, r2);
	fit_line(x_ctx, attention_us, N_CONTEXTS, &a, &b, &r2);
	printf("attention: %.1f us + %.2f ns per context token (R^2 %.4f)\n", a,
	       b * 1e3, r2);
	for (int i = 1; i < N_CONTEXTS; i++)
		if (recompute_us[i] / cached_us[i] <= recompute_us[i - 1] / cached_us[i - 1])
			printf("note: the recompute/cached ratio did not grow from %llu to %llu\n",
			       (unsigned long long)contexts[i - 1],
			       (unsigned long long)contexts[i]);

	free(rows);
	free(x);
	free(out);
	free(q);
	free(o);
	free(stream_buf);
	kvp__kvcache_destroy(&cache);
	kvp__attn_scratch_destroy(&scratch, &counter);
	kvp__attn_layer_destroy(&layer, &counter);
	return 0;
}
