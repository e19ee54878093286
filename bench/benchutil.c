/*
 * benchutil.c — clock, output files, host description and the streaming
 * read bandwidth shared by the benchmarks.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "benchutil.h"

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

/* Eight partial sums, like the attention kernel's dot products, so both
 * are compiled alike and the comparison is fair. */
static float sum(const float *x, uint64_t n)
{
	float acc[8] = {0};

	for (uint64_t i = 0; i + 8 <= n; i += 8)
		for (int j = 0; j < 8; j++)
			acc[j] += x[i + j];
	return ((acc[0] + acc[4]) + (acc[1] + acc[5])) +
	       ((acc[2] + acc[6]) + (acc[3] + acc[7]));
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
	for (uint64_t i = 0; i < n; i++)
		x[i] = (float)(i & 7);
	for (int r = 0; r < repeats; r++) {
		double start = bench_now(), seconds;

		bench_keep(sum(x, n));
		seconds = bench_now() - start;
		if (best == 0 || seconds < best)
			best = seconds;
	}
	free(x);
	return (double)n * sizeof(float) / best;
}
