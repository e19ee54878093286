/*
 * bench_bandwidth.c — the attention kernel reads the whole cache once per
 * decode step, so beyond each cache level its time per context token is set
 * by the next level's bandwidth.  Sweeps one layer's cache from inside L2 to
 * at least 4 x the last-level cache (as far as the memory kvp_device_host
 * says is available allows) for the shapes, types and layouts people run,
 * measures each step against the host's streaming read from the same run,
 * and prints a knee table: where kvplan predicts L2 and the LLC end for
 * --gpu host, where the time per token measurably rises, and each regime's
 * bandwidth.  Then each build of the kernels (portable, AVX2, AVX-512)
 * on one context, and the scores and values kernels alone.
 * Usage: bench_bandwidth [OUTDIR [SHAPE DTYPE [LAYOUT]]]  (writes
 * OUTDIR/bandwidth.csv; with SHAPE and DTYPE, say gqa-32x128-kv8 fp16, only
 * that layer's sweep in LAYOUT (contiguous, paged or paged-grown;
 * contiguous unless named), and nothing after the knee table: a run to
 * profile); with "kernels" for SHAPE, the multiply-add yardstick and the
 * two kernels alone, nothing else)
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "benchutil.h"
#include "ref/ref.h"

#define STREAM_BYTES (512ull << 20)
/* Each point is timed over at least this many bytes read (and 3 steps),
 * best of REPEATS such runs: the host is shared. */
#define MIN_TIMED_BYTES (256ull << 20)
#define REPEATS 3
/* ... or over this long, where that is less (compute-bound kernels). */
#define MAX_TIMED_SECONDS 0.15
/* Rows written at random, then copied over the rest of the cache: the
 * kernel's time does not depend on the values. */
#define PATTERN_ROWS 256
/* A rise of more than this over the level before it is a knee. */
#define KNEE_RISE 1.20
#define MAX_POINTS 64

typedef struct sweep {
	const char *name;
	kvp__attn_shape shape;
	kvp_dtype dtype;
	kvp_layout layout;
	int grown;  /* paged: its cache reserved a block at a time */
} sweep;

static const kvp__attn_shape mha = {4096, 32, 32, 128, 10000};
static const kvp__attn_shape gqa = {4096, 32, 8, 128, 500000};
static const kvp__attn_shape mqa = {4096, 32, 1, 128, 10000};

/* llama2-7b's layer (MHA 32 x 128) in fp16 and fp32; llama3-8b's (GQA
 * 32/8) in fp32, fp16, bf16; MQA 32/1 in fp16; and llama2-7b's fp16 layer
 * paged (blocks of 16 tokens, as vLLM's): reserved at once, as a prompt's
 * blocks are (one allocation, kvcache.c), and grown a block at a time, as
 * decoding adds them (an allocation a block, K and V each 128 KiB). */
static const sweep sweeps[] = {
	{"mha-32x128", mha, KVP_DTYPE_FP16, KVP_LAYOUT_CONTIGUOUS, 0},
	{"mha-32x128", mha, KVP_DTYPE_FP32, KVP_LAYOUT_CONTIGUOUS, 0},
	{"gqa-32x128-kv8", gqa, KVP_DTYPE_FP32, KVP_LAYOUT_CONTIGUOUS, 0},
	{"gqa-32x128-kv8", gqa, KVP_DTYPE_FP16, KVP_LAYOUT_CONTIGUOUS, 0},
	{"gqa-32x128-kv8", gqa, KVP_DTYPE_BF16, KVP_LAYOUT_CONTIGUOUS, 0},
	{"mqa-32x128-kv1", mqa, KVP_DTYPE_FP16, KVP_LAYOUT_CONTIGUOUS, 0},
	{"mha-32x128", mha, KVP_DTYPE_FP16, KVP_LAYOUT_PAGED, 0},
	{"mha-32x128", mha, KVP_DTYPE_FP16, KVP_LAYOUT_PAGED, 1},
};

/* The layout as the CSV, the tables and the command line name it. */
static const char *layout_name(const sweep *sw)
{
	return sw->grown ? "paged-grown" : kvp_layout_name(sw->layout);
}
#define N_SWEEPS (sizeof sweeps / sizeof sweeps[0])

/* One sweep's measurements. */
typedef struct result {
	uint64_t context[MAX_POINTS];
	double ns_per_token[MAX_POINTS], gbs[MAX_POINTS];
	size_t n;
	uint64_t l2_tokens, llc_tokens; /* predicted; llc 0: not known */
	uint64_t max_tokens;            /* the sweep's end */
} result;

/* The longest context whose whole cache (one layer, batch 1) fits in
 * `bytes`: kvplan's max_seq_l2 on a device whose L2 is that big. */
static uint64_t predicted_tokens(const sweep *sw, const kvp_device *host,
                                 uint64_t bytes)
{
	kvp_model layer = {.name = "layer", .layers = 1,
	                   .heads = sw->shape.heads, .kv_heads = sw->shape.kv_heads,
	                   .head_dim = sw->shape.head_dim};
	kvp_device device = *host;
	kvp_fit fit;
	kvp_error err;

	device.l2_bytes = bytes;
	bench_check(kvp_fit_compute(&layer, &device, sw->dtype, 1, 1, NULL, &fit, &err),
	            &err, "fit");
	return fit.max_seq_l2;
}

/* Fills positions [0, n) of the cache: PATTERN_ROWS random rows, then
 * copies of them, run by run (a paged cache's runs are its allocations). */
static void fill(kvp__kvcache *cache, uint64_t n, uint64_t kv_dim)
{
	uint64_t rb = cache->row_bytes, rng = 7, run;
	unsigned char *pattern = malloc(2 * PATTERN_ROWS * rb);
	float *rows = malloc(kv_dim * sizeof *rows);
	const void *k, *v;

	if (!pattern || !rows) {
		fprintf(stderr, "bench: out of memory\n");
		exit(1);
	}
	for (uint64_t i = 0; i < 2 * PATTERN_ROWS; i++) {
		kvp__rng_fill(&rng, rows, kv_dim, 1.0f);
		kvp__storage_encode(cache->shape.dtype, pattern + i * rb, rows, kv_dim);
	}
	for (uint64_t t = 0; t < n; t += run) {
		kvp__kvcache_rows(cache, 0, 0, t, &k, &v, &run);
		run = run < n - t ? run : n - t;
		for (uint64_t r = 0; r < run; r++) {
			uint64_t p = (t + r) % PATTERN_ROWS;

			memcpy((unsigned char *)(uintptr_t)k + r * rb, pattern + p * rb, rb);
			memcpy((unsigned char *)(uintptr_t)v + r * rb,
			       pattern + (PATTERN_ROWS + p) * rb, rb);
		}
	}
	free(pattern);
	free(rows);
}

/* One layer's cache of a sweep, filled, with its buffers and a query. */
typedef struct layer {
	const sweep *sw;
	kvp__counter counter;
	kvp__kvcache cache;
	kvp__attn_scratch scratch;
	float *q, *o;
} layer;

static uint64_t token_bytes(const sweep *sw)
{
	return 2ull * sw->shape.kv_heads * sw->shape.head_dim *
	       kvp_dtype_block_bytes(sw->dtype);
}

static void layer_open(layer *l, const sweep *sw, uint64_t max_tokens)
{
	uint64_t q_dim = (uint64_t)sw->shape.heads * sw->shape.head_dim, rng = 11;
	kvp__kvcache_shape cache_shape = {
		.layers = 1, .kv_heads = sw->shape.kv_heads,
		.head_dim = sw->shape.head_dim, .batch = 1, .max_seq = max_tokens,
		.dtype = sw->dtype, .layout = sw->layout, .block_size = 16,
	};
	kvp_error err;

	l->sw = sw;
	kvp__counter_init(&l->counter);
	bench_check(kvp__kvcache_init(&l->cache, &l->counter, &cache_shape, &err), &err,
	            "cache");
	for (uint64_t t = sw->grown ? 16 : max_tokens;; t += 16) {
		t = t < max_tokens ? t : max_tokens;
		bench_check(kvp__kvcache_reserve(&l->cache, 0, t, &err), &err, "reserve");
		if (t == max_tokens)
			break;
	}
	bench_check(kvp__attn_scratch_init(&l->scratch, &l->counter, &sw->shape, 1,
	                                   max_tokens, &err), &err, "scratch");
	l->q = malloc(q_dim * sizeof *l->q);
	l->o = malloc(q_dim * sizeof *l->o);
	if (!l->q || !l->o) {
		fprintf(stderr, "bench: out of memory\n");
		exit(1);
	}
	fill(&l->cache, max_tokens, (uint64_t)sw->shape.kv_heads * sw->shape.head_dim);
	kvp__rng_fill(&rng, l->q, q_dim, 1.0f);
}

static void layer_close(layer *l)
{
	free(l->q);
	free(l->o);
	kvp__attn_scratch_destroy(&l->scratch, &l->counter);
	kvp__kvcache_destroy(&l->cache);
}

static void step(layer *l, uint64_t c)
{
	kvp__attn_over_cache(&l->sw->shape, &l->cache, 0, 0, c, l->q, l->scratch.att,
	                     l->scratch.row, l->o);
}

/* Seconds per decode step at context c, best of REPEATS runs. */
static double step_seconds(layer *l, uint64_t c)
{
	uint64_t steps = MIN_TIMED_BYTES / (c * token_bytes(l->sw));
	double best = 0, first = bench_now();

	/* one untimed step brings a cache that fits into the caches, and
	 * says how long a step takes: at most MAX_TIMED_SECONDS a run */
	step(l, c);
	first = bench_now() - first;
	if (first > 0 && (double)steps * first > MAX_TIMED_SECONDS)
		steps = (uint64_t)(MAX_TIMED_SECONDS / first);
	if (steps < 3)
		steps = 3;
	for (int rep = 0; rep < REPEATS; rep++) {
		double start = bench_now(), seconds;

		for (uint64_t k = 0; k < steps; k++) {
			step(l, c);
			bench_keep(l->o[k % 64]);
		}
		seconds = (bench_now() - start) / (double)steps;
		if (rep == 0 || seconds < best)
			best = seconds;
	}
	return best;
}

/* The sweep's contexts: 16 and on by steps of 1.5 and 4/3 (16, 24, 32,
 * 48, ...) up to max_tokens, which is always the last. */
static size_t contexts_up_to(uint64_t max_tokens, uint64_t *out)
{
	size_t n = 0;

	for (uint64_t c = 16; c < max_tokens && n + 1 < MAX_POINTS;
	     c = c % 3 == 0 ? c / 3 * 4 : c / 2 * 3)
		out[n++] = c;
	out[n++] = max_tokens;
	return n;
}

static void run_sweep(const sweep *sw, const kvp_device *host, uint64_t llc_ref,
                      uint64_t mem_limit, double stream, FILE *csv, result *res)
{
	uint64_t tb = token_bytes(sw), want = 4 * llc_ref + llc_ref / 2;
	uint64_t contexts[MAX_POINTS];
	layer l;
	size_t n;

	/* A cache of 4.5 x the LLC, so that the last points are past 4 x;
	 * the cache and the kernel's scores (4 B a head a token) must fit the
	 * memory limit. */
	res->max_tokens = want / tb;
	if (res->max_tokens > mem_limit / (tb + 4 * sw->shape.heads))
		res->max_tokens = mem_limit / (tb + 4 * sw->shape.heads);
	res->l2_tokens = predicted_tokens(sw, host, host->l2_bytes);
	res->llc_tokens = host->llc_bytes ? predicted_tokens(sw, host, host->llc_bytes) : 0;
	layer_open(&l, sw, res->max_tokens);

	printf("\n%s, %s, %s: %llu bytes per token; kvplan --gpu host predicts L2"
	       " full at %llu tokens, the LLC ", sw->name, kvp_dtype_name(sw->dtype),
	       layout_name(sw), (unsigned long long)tb,
	       (unsigned long long)res->l2_tokens);
	if (res->llc_tokens)
		printf("at %llu tokens\n", (unsigned long long)res->llc_tokens);
	else
		printf("not known (the host lists no LLC)\n");
	printf("%9s %12s %12s %10s %8s %7s\n", "context", "cache KiB", "us/step",
	       "ns/token", "GB/s", "stream");
	n = contexts_up_to(res->max_tokens, contexts);
	res->n = 0;
	for (size_t i = 0; i < n; i++) {
		uint64_t c = contexts[i], bytes = c * tb;
		double seconds = step_seconds(&l, c);
		double gbs = (double)bytes / seconds / 1e9;

		res->context[res->n] = c;
		res->ns_per_token[res->n] = seconds / (double)c * 1e9;
		res->gbs[res->n++] = gbs;
		printf("%9llu %12.0f %12.2f %10.1f %8.2f %6.0f%%\n", (unsigned long long)c,
		       bytes / 1024.0, seconds * 1e6, seconds / (double)c * 1e9, gbs,
		       gbs * 1e9 / stream * 100);
		fprintf(csv, "%s,%s,%llu,%llu,%.3f,%.2f,%.3f,%.3f,%llu,", sw->name,
		        kvp_dtype_name(sw->dtype), (unsigned long long)c,
		        (unsigned long long)bytes, seconds * 1e6, seconds / (double)c * 1e9,
		        gbs, gbs * 1e9 / stream, (unsigned long long)res->l2_tokens);
		if (res->llc_tokens)
			fprintf(csv, "%llu", (unsigned long long)res->llc_tokens);
		fprintf(csv, ",%s\n", layout_name(sw));
		fflush(stdout);
	}
	layer_close(&l);
}

/* Mean GB/s of the points in [from, to), as "G GB/s (F)" of the stream. */
static void print_regime(const result *r, size_t from, size_t to, double stream)
{
	double sum = 0;

	for (size_t i = from; i < to; i++)
		sum += r->gbs[i];
	printf("%.1f GB/s (%.2f)", sum / (double)(to - from),
	       sum / (double)(to - from) * 1e9 / stream);
}

/* The knee table's row: the predicted ends of L2 and the LLC; the
 * measured knees, each the first context whose ns/token is more than 20 %
 * above the level before it (the mean of its regime so far) and whose
 * next point is too, so that one slow point is not a knee; and each
 * measured regime's bandwidth. */
static void knees(const sweep *sw, const result *r, uint64_t llc_ref,
                  double stream, double fma)
{
	/* One multiply-add lane a cached element per query head reading it
	 * (bench/fma.c): the cache's bytes a second at most. */
	double ceiling = fma * (double)kvp_dtype_block_bytes(sw->dtype) /
	                 (double)(sw->shape.heads / sw->shape.kv_heads);

	uint64_t tb = token_bytes(sw);
	size_t start = 0, found = 0, bounds[MAX_POINTS + 1];

	printf("| %s %s %s | %llu | ", sw->name, kvp_dtype_name(sw->dtype),
	       layout_name(sw), (unsigned long long)r->l2_tokens);
	if (r->llc_tokens)
		printf("%llu | ", (unsigned long long)r->llc_tokens);
	else
		printf("not known | ");
	bounds[0] = 0;
	for (size_t i = 1; i < r->n; i++) {
		double level = 0;

		for (size_t j = start; j < i; j++)
			level += r->ns_per_token[j];
		level /= (double)(i - start);
		if (r->ns_per_token[i] > KNEE_RISE * level &&
		    (i + 1 == r->n || r->ns_per_token[i + 1] > KNEE_RISE * level)) {
			printf("%s%llu (+%.0f %%)", found ? ", " : "",
			       (unsigned long long)r->context[i],
			       (r->ns_per_token[i] / level - 1) * 100);
			bounds[++found] = i;
			start = i;
		}
	}
	if (!found)
		printf("none");
	bounds[found + 1] = r->n;
	printf(" | ");
	for (size_t k = 0; k <= found; k++) {
		printf("%s%llu-%llu: ", k ? "; " : "",
		       (unsigned long long)r->context[bounds[k]],
		       (unsigned long long)r->context[bounds[k + 1] - 1]);
		print_regime(r, bounds[k], bounds[k + 1], stream);
	}
	/* memory, not the sweep, stopped it short */
	if (r->max_tokens * tb < 4 * llc_ref)
		printf("; past %llu tokens (4 x the LLC): not measured, the memory"
		       " available stopped the sweep",
		       (unsigned long long)(4 * llc_ref / tb));
	if (ceiling > 0)
		printf(" | %.1f GB/s (%.2f) |\n", ceiling / 1e9, ceiling / stream);
	else
		printf(" | not measured |\n");
}

/* The kernels of each build at one context: portable, AVX2, and AVX-512
 * where the CPU has it ("-" where not). */
static void paths(const sweep *sw, uint64_t c, FILE *out)
{
	static const int levels[] = {KVP__SIMD_PORTABLE, KVP__SIMD_AVX2, KVP__SIMD_AVX512};
	double ns[3];
	int has512 = kvp__cpu_has_avx512();
	layer l;

	layer_open(&l, sw, c);
	for (int b = 0; b < 3; b++) {
		kvp__simd_limit(levels[b]);
		ns[b] = b < 2 || has512 ? step_seconds(&l, c) / (double)c * 1e9 : 0;
	}
	kvp__simd_limit(KVP__SIMD_BEST);
	fprintf(out, "| %s %s | %llu | %.1f | %.1f | %.1f× |", sw->name,
	        kvp_dtype_name(sw->dtype), (unsigned long long)c, ns[0], ns[1],
	        ns[0] / ns[1]);
	if (has512)
		fprintf(out, " %.1f | %.1f× |\n", ns[2], ns[1] / ns[2]);
	else
		fprintf(out, " - | - |\n");
	layer_close(&l);
}

/* The scores and the values kernels alone, each build and each cache
 * type, on a GQA cache of KERNEL_ROWS rows (4 MiB a side in fp16, 8 in
 * fp32: in the L3, past the L2), best of REPEATS x KERNEL_CALLS calls: GB/s
 * of K, of V, and each as a share of its arithmetic's ceiling, fma lanes
 * a second x the element's bytes / the 4 query heads that read it. */
#define KERNEL_ROWS 2048u
#define KERNEL_CALLS 50

static void kernels_alone(double fma)
{
	static const int levels[] = {KVP__SIMD_AVX2, KVP__SIMD_AVX512};
	static const kvp_dtype types[] = {KVP_DTYPE_FP16, KVP_DTYPE_BF16, KVP_DTYPE_FP32};
	const uint32_t heads = 32, kv = 8, hd = 128;
	uint64_t kv_dim = (uint64_t)kv * hd;
	float *q = aligned_alloc(64, heads * hd * sizeof *q);
	float *rows = aligned_alloc(64, KERNEL_ROWS * kv_dim * sizeof *rows);
	float *att = aligned_alloc(64, KERNEL_ROWS * heads * sizeof *att);
	float *o = aligned_alloc(64, heads * hd * sizeof *o);
	unsigned char *k = aligned_alloc(64, KERNEL_ROWS * kv_dim * 4);
	unsigned char *v = aligned_alloc(64, KERNEL_ROWS * kv_dim * 4);
	int has512 = kvp__cpu_has_avx512(); /* asked before any limit */

	if (!q || !rows || !att || !o || !k || !v) {
		fprintf(stderr, "bench_bandwidth: out of memory\n");
		exit(1);
	}
	srand(7);
	for (uint64_t i = 0; i < heads * hd; i++)
		q[i] = (float)rand() / (float)RAND_MAX - 0.5f;
	for (uint64_t i = 0; i < KERNEL_ROWS * kv_dim; i++)
		rows[i] = (float)rand() / (float)RAND_MAX - 0.5f;
	for (uint64_t i = 0; i < KERNEL_ROWS * heads; i++)
		att[i] = 1.0f / KERNEL_ROWS;
	printf("\nthe two kernels alone, GQA 32x128 kv 8, %u rows, GB/s of what each"
	       " reads (and its share of the arithmetic's ceiling, %.1f billion lanes"
	       " a second x the element's bytes / 4 heads)\n\n| build | cache type |"
	       " scores (K) | values (V) |\n|---|---|---:|---:|\n", KERNEL_ROWS, fma / 1e9);
	for (int b = 0; b < 2; b++) {
		if (levels[b] == KVP__SIMD_AVX512 && !has512)
			break;
		kvp__simd_limit(levels[b]);
		for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
			kvp_dtype dt = types[t];
			uint64_t elem = dt == KVP_DTYPE_FP32 ? 4 : 2, row_bytes = kv_dim * elem;
			uint64_t bytes = KERNEL_ROWS * row_bytes;
			double best[2] = {0, 0}, ceiling = fma * (double)elem / 4;

			kvp__storage_encode(dt, k, rows, KERNEL_ROWS * kv_dim);
			kvp__storage_encode(dt, v, rows, KERNEL_ROWS * kv_dim);
			for (int rep = 0; rep < REPEATS; rep++)
				for (int kernel = 0; kernel < 2; kernel++) {
					double start = bench_now(), gbs;

					for (int c = 0; c < KERNEL_CALLS; c++) {
						if (kernel == 0)
							kvp__attn_scores(q, heads, kv, hd, 0.088f, k, dt,
							                 row_bytes, KERNEL_ROWS, att, heads,
							                 rows);
						else
							kvp__attn_values(o, heads, kv, hd, att, heads, v, dt,
							                 row_bytes, KERNEL_ROWS, rows);
						bench_keep(kernel ? o[c % 64] : att[c % 64]);
					}
					gbs = (double)bytes * KERNEL_CALLS / (bench_now() - start);
					if (gbs > best[kernel])
						best[kernel] = gbs;
				}
			printf("| %s | %s | %.1f (%.2f) | %.1f (%.2f) |\n", b ? "AVX-512" : "AVX2",
			       kvp_dtype_name(dt), best[0] / 1e9, best[0] / ceiling, best[1] / 1e9,
			       best[1] / ceiling);
		}
	}
	kvp__simd_limit(KVP__SIMD_BEST);
	free(q);
	free(rows);
	free(att);
	free(o);
	free(k);
	free(v);
}

/* Whether the command line asks for sweep sw: every one, or the one of
 * SHAPE, DTYPE and LAYOUT (contiguous unless named). */
static int chosen(const sweep *sw, int argc, char **argv)
{
	return argc < 4 || (strcmp(sw->name, argv[2]) == 0 &&
	                    strcmp(kvp_dtype_name(sw->dtype), argv[3]) == 0 &&
	                    strcmp(layout_name(sw),
	                           argc > 4 ? argv[4] : "contiguous") == 0);
}

static int any_chosen(int argc, char **argv)
{
	for (size_t s = 0; s < N_SWEEPS; s++)
		if (chosen(&sweeps[s], argc, argv))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	static result results[N_SWEEPS];
	kvp_device host;
	kvp_error err;
	uint64_t available, llc_ref;
	double stream, fma;
	const char *vector;
	FILE *csv;

	bench_args(argc, argv, 4, "[DIR [SHAPE DTYPE [LAYOUT] | kernels]]");
	if (argc == 3 && strcmp(argv[2], "kernels") == 0) {
		fma = bench_fma_lanes(&vector);
		printf("multiply-adds: %.1f billion fp32 lanes a second (%s)\n", fma / 1e9,
		       vector);
		kernels_alone(fma);
		return 0;
	}
	if (argc == 3 || (argc >= 4 && !any_chosen(argc, argv))) {
		const char *sep = ":";

		fprintf(stderr, "%s: no sweep is %s%s%s%s%s; the sweeps", argv[0], argv[2],
		        argc >= 4 ? " " : " (and which cache type?)", argc >= 4 ? argv[3] : "",
		        argc > 4 ? " " : "", argc > 4 ? argv[4] : "");
		for (size_t s = 0; s < N_SWEEPS; s++) {
			fprintf(stderr, "%s %s %s %s", sep, sweeps[s].name,
			        kvp_dtype_name(sweeps[s].dtype), layout_name(&sweeps[s]));
			sep = ",";
		}
		fprintf(stderr, "\n");
		return 2;
	}
	bench_check(kvp_device_host(&host, &available, &err), &err, "host");
	bench_print_host(stdout, &host);
	/* The sweep reaches past 4 x the LLC kvplan knows; where it knows
	 * none, past 4 x the L3 the C library reports (on a virtual machine
	 * possibly the whole package's, more than one core gets), else past
	 * 4 x 32 MiB. */
	llc_ref = host.llc_bytes;
#ifdef _SC_LEVEL3_CACHE_SIZE
	if (!llc_ref && sysconf(_SC_LEVEL3_CACHE_SIZE) > 0)
		llc_ref = (uint64_t)sysconf(_SC_LEVEL3_CACHE_SIZE);
#endif
	if (!llc_ref)
		llc_ref = 32ull << 20;
	printf("sweeps reach %llu MiB (4.5 x %llu MiB%s), at most a third of the"
	       " %llu MiB available\n", (unsigned long long)(4 * llc_ref + llc_ref / 2) >> 20,
	       (unsigned long long)llc_ref >> 20,
	       host.llc_bytes ? ", the LLC" : ", the L3 the C library reports",
	       (unsigned long long)available >> 20);
	stream = bench_stream_read(STREAM_BYTES, 5);
	printf("streaming read of %llu MiB: %.1f GB/s\n",
	       (unsigned long long)(STREAM_BYTES >> 20), stream / 1e9);
	fma = bench_fma_lanes(&vector);
	printf("multiply-adds: %.1f billion lanes a second (%s, ten chains)\n", fma / 1e9,
	       vector);
	csv = bench_open_csv(argc, argv, "bandwidth.csv");
	fprintf(csv, "shape,dtype,context,cache_bytes,us_per_step,"
	             "ns_per_context_token,gb_per_s,fraction_of_stream,"
	             "predicted_max_seq_l2,predicted_max_seq_llc,layout\n");
	for (size_t s = 0; s < N_SWEEPS; s++)
		if (chosen(&sweeps[s], argc, argv))
			run_sweep(&sweeps[s], &host, llc_ref, available / 3, stream, csv,
			          &results[s]);
	/* Measured again after the sweeps: on a shared host one measurement
	 * can catch a busy moment, and the shares below take the better. */
	{
		double after = bench_stream_read(STREAM_BYTES, 5);

		printf("\nstreaming read of %llu MiB again: %.1f GB/s\n",
		       (unsigned long long)(STREAM_BYTES >> 20), after / 1e9);
		/* the rows' fraction_of_stream is of the first; both kept */
		fprintf(csv, "stream,fp32,0,%llu,0,0,%.3f,1,0,,contiguous\n",
		        (unsigned long long)STREAM_BYTES, stream / 1e9);
		fprintf(csv, "stream-after,fp32,0,%llu,0,0,%.3f,%.3f,0,,contiguous\n",
		        (unsigned long long)STREAM_BYTES, after / 1e9, after / stream);
		if (after > stream)
			stream = after;
	}
	fclose(csv);

	printf("\nknees (a rise of more than 20 %% in ns/token over the level"
	       " before it, held at the next point); streaming read %.1f GB/s,"
	       " the better of the two\n\n",
	       stream / 1e9);
	printf("| sweep | L2 full, predicted (tokens) | LLC full, predicted |"
	       " measured knees (tokens) | bandwidth by measured regime (tokens:"
	       " GB/s, share of the streaming read) | arithmetic's ceiling |\n"
	       "|---|---:|---:|---|---|---:|\n");
	for (size_t s = 0; s < N_SWEEPS; s++)
		if (chosen(&sweeps[s], argc, argv))
			knees(&sweeps[s], &results[s], llc_ref, stream, fma);
	if (argc > 3)
		return 0;
	printf("\nthe kernels of each build, ns per context token (the sweeps above"
	       " ran the best this CPU has: %s)\n\n| sweep | context | portable |"
	       " AVX2 | speed-up | AVX-512 | speed-up over AVX2 |\n"
	       "|---|---:|---:|---:|---:|---:|---:|\n",
	       kvp__cpu_has_avx512() ? "AVX-512"
	       : kvp__cpu_has_avx2() && kvp__cpu_has_fma() && kvp__cpu_has_f16c()
	       ? "AVX2" : "portable; the vector rows ran it too");
	paths(&sweeps[0], 2048, stdout);
	paths(&sweeps[2], 2048, stdout);
	paths(&sweeps[3], 2048, stdout);
	paths(&sweeps[4], 2048, stdout);
	paths(&sweeps[5], 2048, stdout);
	kernels_alone(fma);
	return 0;
}
