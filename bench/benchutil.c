/*
 * benchutil.c — clock, output files, host description and the streaming
 * read bandwidth shared by the benchmarks.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "benchutil.h"
#include "ref/ref.h"

static volatile float sink;

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void bench_keep(float value)
{
	sink += value;
}

void bench_check(kvp_status st, const kvp_error *err, const char *what)
{
	if (st != KVP_OK) {
		fprintf(stderr, "bench: %s: %s\n", what, err->message);
		exit(1);
	}
}

void bench_args(int argc, char **argv, int most, const char *usage)
{
	bool bad = argc - 1 > most;

	for (int i = 1; i < argc && !bad; i++)
		bad = argv[i][0] == '-';
	if (bad) {
		fprintf(stderr, "usage: %s %s\n", argv[0], usage);
		exit(2);
	}
}

FILE *bench_open_csv(int argc, char **argv, const char *name)
{
	const char *dir = argc > 1 ? argv[1] : "bench/out";
	char path[1024];
	FILE *f;

	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		fprintf(stderr, "bench: %s: %s\n", dir, strerror(errno));
		exit(1);
	}
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (!(f = fopen(path, "w"))) {
		fprintf(stderr, "bench: %s: %s\n", path, strerror(errno));
		exit(1);
	}
	printf("writing %s\n", path);
	return f;
}

void bench_host(kvp_device *host)
{
	kvp_error err;

	bench_check(kvp_device_host(host, NULL, &err), &err, "host");
}

void bench_print_host(FILE *out, const kvp_device *host)
{
	fprintf(out, "%s; L2 %llu KiB per core, LLC %llu MiB, RAM %.1f GiB\n",
	        host->description, (unsigned long long)host->l2_bytes >> 10,
	        (unsigned long long)host->llc_bytes >> 20,
	        (double)host->hbm_bytes / (1024.0 * 1024 * 1024));
}

/* The yardstick is the fastest plain read this host does.  Eight partial
 * sums compiled for SSE (the portable path) bind on their own adds: 58 GB/s
 * from the L3 and 28-31 GB/s from DRAM here, where four independent 8-lane
 * AVX2 sums read 85-117 and 33-37 GB/s.  The attention kernels run AVX2 or
 * AVX-512, so the read they are held to does too, where the CPU has it. */
static float sum_portable(const float *x, uint64_t n)
{
	float acc[8] = {0};

	for (uint64_t i = 0; i + 8 <= n; i += 8)
		for (int j = 0; j < 8; j++)
			acc[j] += x[i + j];
	return ((acc[0] + acc[4]) + (acc[1] + acc[5])) +
	       ((acc[2] + acc[6]) + (acc[3] + acc[7]));
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

__attribute__((target("avx2")))
static float sum_avx2(const float *x, uint64_t n)
{
	__m256 a0 = _mm256_setzero_ps(), a1 = a0, a2 = a0, a3 = a0;
	float lanes[8], total = 0;
	uint64_t i = 0;

	for (; i + 32 <= n; i += 32) {
		a0 = _mm256_add_ps(a0, _mm256_loadu_ps(x + i));
		a1 = _mm256_add_ps(a1, _mm256_loadu_ps(x + i + 8));
		a2 = _mm256_add_ps(a2, _mm256_loadu_ps(x + i + 16));
		a3 = _mm256_add_ps(a3, _mm256_loadu_ps(x + i + 24));
	}
	_mm256_storeu_ps(lanes, _mm256_add_ps(_mm256_add_ps(a0, a1),
	                                      _mm256_add_ps(a2, a3)));
	for (int j = 0; j < 8; j++)
		total += lanes[j];
	return total + sum_portable(x + i, n - i);
}

static float sum(const float *x, uint64_t n)
{
	if (__builtin_cpu_supports("avx2"))
		return sum_avx2(x, n);
	return sum_portable(x, n);
}
#else
static float sum(const float *x, uint64_t n)
{
	return sum_portable(x, n);
}
#endif

double bench_stream_pass(const float *x, uint64_t n)
{
	double start = bench_now();

	bench_keep(sum(x, n));
	return bench_now() - start;
}

double bench_stream_read(uint64_t bytes, int repeats)
{
	uint64_t n = bytes / sizeof(float);
	float *x = malloc(n * sizeof *x);
	double best = 0;

	if (!x) {
		fprintf(stderr, "bench: no memory for %llu bytes\n",
		        (unsigned long long)bytes);
		exit(1);
	}
	kvp__huge_pages(x, n * sizeof *x);
	for (uint64_t i = 0; i < n; i++)
		x[i] = (float)(i & 7);
	for (int r = 0; r < repeats; r++) {
		double seconds = bench_stream_pass(x, n);

		if (best == 0 || seconds < best)
			best = seconds;
	}
	free(x);
	return (double)n * sizeof(float) / best;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, by_value);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}
