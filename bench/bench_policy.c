/*
 * bench_policy.c — what StreamingLLM's pos-shift costs: decoding one token
 * through a full streaming cache (4 sinks + a ring) on a model-shaped layer
 * (hidden 4096, 32 query heads of 128, 8 kv heads: llama3-8b's), keys
 * rotated before caching against keys rotated again by their cache index at
 * every step, as the window grows from 64 to 8192 slots.
 * Usage: bench_policy [OUTDIR]  (writes OUTDIR/policy.csv)
 */
#include <stdlib.h>

#include "benchutil.h"
#include "ref/ref.h"

#define N_WINDOWS 8
#define SINKS 4
#define STEPS 32

static const uint64_t windows[N_WINDOWS] = {64, 128, 256, 512, 1024, 2048,
                                            4096, 8192};

/* Microseconds per decoded token through a full cache of `window` slots,
 * STEPS tokens each evicting one, best of three runs.  The cost does not
 * depend on the values, so the cache is filled with random rows as if
 * window tokens had been decoded, instead of decoding them. */
static double us_per_token(kvp__stack *stack, kvp__counter *counter,
                           kvp__pos_mode mode, uint64_t window,
                           const float *x, float *rows)
{
	kvp__policy policy = {.kind = KVP__POLICY_STREAMING, .keep = SINKS,
	                      .recent = window - SINKS, .pos_mode = mode};
	uint64_t dim = stack->shape.dim, rng = window;
	uint64_t kv_dim = (uint64_t)stack->shape.kv_heads * stack->shape.head_dim;
	kvp__policy_cache cache;
	kvp_error err;
	double best = 0;

	bench_check(kvp__policy_cache_init(&cache, counter, &policy, &stack->shape,
	                                   1, KVP_DTYPE_FP16, &err), &err, "cache");
	for (uint64_t pos = 0; pos < window; pos++) {
		kvp__rng_fill(&rng, rows, 2 * kv_dim, 1.0f);
		bench_check(kvp__kvcache_write(&cache.slots, 0, 0, pos, rows,
		                               rows + kv_dim, &err), &err, "fill");
		cache.position[pos] = pos;
	}
	cache.tokens = cache.filled = window;
	for (int run = 0; run < 3; run++) {
		double start = bench_now(), seconds;

		for (int s = 0; s < STEPS; s++)
			bench_check(kvp__policy_forward(stack, &cache, x + s * dim,
			                                stack->scratch.y, &err), &err,
			            "decode");
		seconds = bench_now() - start;
		if (best == 0 || seconds < best)
			best = seconds;
	}
	bench_keep(stack->scratch.y[0]);
	kvp__policy_cache_destroy(&cache);
	return best / STEPS * 1e6;
}

int main(int argc, char **argv)
{
	const kvp__attn_shape shape = {.dim = 4096, .heads = 32, .kv_heads = 8,
	                               .head_dim = 128, .rope_theta = 500000};
	double rotate_us[N_WINDOWS], shift_us[N_WINDOWS];
	kvp__counter counter;
	kvp__stack stack;
	kvp_device host;
	kvp_error err;
	uint64_t rng = 2024;
	float *x, *rows; /* (STEPS, dim), (2, kv_heads * head_dim) */
	FILE *csv;

	bench_args(argc, argv, 1, "[DIR]");
	bench_host(&host);
	kvp__counter_init(&counter);
	bench_check(kvp__stack_init(&stack, &counter, &shape, 1, 1,
	                            windows[N_WINDOWS - 1], 1, &err), &err, "layer");
	x = malloc(STEPS * shape.dim * sizeof *x);
	rows = malloc(2 * shape.kv_heads * shape.head_dim * sizeof *rows);
	if (!x || !rows) {
		fprintf(stderr, "bench: out of memory\n");
		return 1;
	}
	kvp__rng_fill(&rng, x, STEPS * shape.dim, 1.0f);

	printf("streaming decode per token, one layer: hidden %u, %u heads x %u, %u kv heads, fp16 cache, %d sinks\n",
	       shape.dim, shape.heads, shape.head_dim, shape.kv_heads, SINKS);
	bench_print_host(stdout, &host);
	printf("%8s %16s %16s %10s\n", "window", "rotate us/tok", "pos-shift us/tok",
	       "ratio");
	for (int i = 0; i < N_WINDOWS; i++) {
		rotate_us[i] = us_per_token(&stack, &counter, KVP__POS_ROTATE,
		                            windows[i], x, rows);
		shift_us[i] = us_per_token(&stack, &counter, KVP__POS_SHIFT,
		                           windows[i], x, rows);
		printf("%8llu %16.1f %16.1f %9.2fx\n", (unsigned long long)windows[i],
		       rotate_us[i], shift_us[i], shift_us[i] / rotate_us[i]);
		fflush(stdout);
	}

	csv = bench_open_csv(argc, argv, "policy.csv");
	fprintf(csv, "window,rotate_us_per_token,pos_shift_us_per_token,"
	             "pos_shift_over_rotate\n");
	for (int i = 0; i < N_WINDOWS; i++)
		fprintf(csv, "%llu,%.3f,%.3f,%.3f\n", (unsigned long long)windows[i],
		        rotate_us[i], shift_us[i], shift_us[i] / rotate_us[i]);
	fclose(csv);
	free(x);
	free(rows);
	kvp__stack_destroy(&stack);
	return 0;
}
