/*
 * fma.c — the host's multiply-add rate, the attention kernels' second
 * yardstick beside the streaming read: every cached element takes one
 * fused multiply-add per query head that reads it (1 for MHA, the group
 * for GQA, every head for MQA), so a cache of e-byte elements read by g
 * heads each cannot be read faster than lanes a second x e / g bytes.
 * Measured with ten independent chains of the widest vector the kernels
 * run (AVX-512's 16 lanes, else AVX2's 8, else none), the rate a core
 * retires when nothing waits: a Zen 4 core retires as many lanes a second
 * in 16 as in 8 (its 512-bit FMAs take both 256-bit pipes).
 */
#include <stdio.h>

#include "benchutil.h"

/* Each chain's step a x 0.9999999 + 1e-7: its value stays finite however
 * long it runs, and the sum that ends it keeps the work from being
 * dropped. */
#define CHAINS 10 /* TEN below */
#define ROUNDS 20000000L

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

/* Ten chains in ten named registers, not an array the compiler might keep
 * in memory, each step one multiply-add a chain; the sum of their lanes
 * (LANE0: the first lane of the chains' sum, enough to keep the work). */
#define TEN(op) op(0) op(1) op(2) op(3) op(4) op(5) op(6) op(7) op(8) op(9)
#define DECLARE(i) V a##i = SET((float)i);
#define STEP(i) a##i = FMA(a##i, m, c);
#define FOLD(i) t = ADD(t, a##i);
#define CHAINS_FN(name, isa)                                                   \
	__attribute__((target(isa))) static float name(long rounds)            \
	{                                                                      \
		V m = SET(0.9999999f), c = SET(1e-7f), t = SET(0);             \
                                                                               \
		TEN(DECLARE)                                                   \
		for (long k = 0; k < rounds; k++) {                            \
			TEN(STEP)                                              \
		}                                                              \
		TEN(FOLD)                                                      \
		return LANE0(t);                                               \
	}

#define V __m512
#define SET _mm512_set1_ps
#define FMA _mm512_fmadd_ps
#define ADD _mm512_add_ps
#define LANE0(t) _mm512_cvtss_f32(t)
CHAINS_FN(chains16, "avx512f")
#undef V
#undef SET
#undef FMA
#undef ADD
#undef LANE0

#define V __m256
#define SET _mm256_set1_ps
#define FMA _mm256_fmadd_ps
#define ADD _mm256_add_ps
#define LANE0(t) _mm256_cvtss_f32(t)
CHAINS_FN(chains8, "avx2,fma")
#undef V
#undef SET
#undef FMA
#undef ADD
#undef LANE0

/* Lanes a second of width-lane chains, the best of three. */
static double rate(int width)
{
	double best = 0;

	for (int r = 0; r < 3; r++) {
		double start = bench_now(), seconds;

		bench_keep(width == 16 ? chains16(ROUNDS) : chains8(ROUNDS));
		seconds = bench_now() - start;
		if (best == 0 || seconds < best)
			best = seconds;
	}
	return (double)ROUNDS * CHAINS * width / best;
}

double bench_fma_lanes(const char **vector)
{
	if (__builtin_cpu_supports("avx512f")) {
		*vector = "AVX-512, 16 lanes";
		return rate(16);
	}
	if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
		*vector = "AVX2, 8 lanes";
		return rate(8);
	}
	*vector = "none";
	return 0;
}
#else
double bench_fma_lanes(const char **vector)
{
	*vector = "none";
	return 0;
}
#endif
