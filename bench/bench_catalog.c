/*
 * bench_catalog.c — the catalogue's costs that grow with its input: one
 * deeply nested profile (libyaml's scanner is quadratic in open flow
 * collections) and data directories of many profiles (a scan checks every
 * name and alias against the others).
 * Usage: bench_catalog [OUTDIR [NEST_BYTES_MAX]]  (writes OUTDIR/catalog.csv;
 * nesting cases larger than NEST_BYTES_MAX, default 1 MiB, are left out)
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "benchutil.h"

static const struct nesting {
	const char *name;
	const char *fill;
	size_t bytes;
} nestings[] = {
	{"160 KB of [", "[", 160000},
	{"1 MiB of [", "[", 1024 * 1024},
	{"1 MiB of {", "{", 1024 * 1024},
	{"1 MiB of [{", "[{", 1024 * 1024},
};

static const size_t file_counts[] = {10000, 20000};

static char tmpdir[256];

static void remove_tmpdir(void)
{
	char cmd[300];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench: could not remove %s\n", tmpdir);
}

static void write_file(const char *path, const char *text, size_t length)
{
	FILE *f = fopen(path, "w");

	if (!f || fwrite(text, 1, length, f) != length || fclose(f) != 0) {
		perror(path);
		exit(1);
	}
}

static void make_dir(const char *path)
{
	if (mkdir(path, 0700) != 0) {
		perror(path);
		exit(1);
	}
}

/* The baseline of a nesting case: a valid profile of the same size, its
 * bulk in comment lines, which libyaml reads in linear time. */
static double flat_profile_seconds(size_t bytes)
{
	static const char profile[] = "name: flat\nlayers: 1\nheads: 1\n"
	                              "kv_heads: 1\nhead_dim: 1\n";
	char path[512];
	char *text = malloc(bytes);
	size_t fill = bytes - (sizeof profile - 1);
	kvp_model m;
	kvp_error err;
	double t;

	if (!text) {
		fputs("bench: out of memory\n", stderr);
		exit(1);
	}
	for (size_t i = 0; i < fill; i++)
		text[i] = i % 80 == 0 ? '#' : i % 80 == 79 ? '\n' : 'a';
	text[fill - 1] = '\n';
	memcpy(text + fill, profile, sizeof profile - 1);
	snprintf(path, sizeof path, "%s/flat.yaml", tmpdir);
	write_file(path, text, bytes);
	free(text);
	t = bench_now();
	bench_check(kvp_model_load_file(path, &m, &err), &err, "flat profile");
	return bench_now() - t;
}

/* Loading one file of n.bytes of n.fill: the time to the error, and its
 * ratio to a flat profile of the same size read in the same run. */
static void bench_nesting(FILE *csv, const struct nesting *n)
{
	char path[512];
	char *text = malloc(n->bytes);
	size_t fill = strlen(n->fill);
	kvp_model m;
	kvp_error err;
	kvp_status st;
	double t, flat;

	if (!text) {
		fputs("bench: out of memory\n", stderr);
		exit(1);
	}
	for (size_t i = 0; i < n->bytes; i++)
		text[i] = n->fill[i % fill];
	snprintf(path, sizeof path, "%s/nested.yaml", tmpdir);
	write_file(path, text, n->bytes);
	free(text);
	t = bench_now();
	st = kvp_model_load_file(path, &m, &err);
	t = bench_now() - t;
	flat = flat_profile_seconds(n->bytes);
	printf("nesting  %-16s %10.4f s  %6.2fx a flat profile  %lu:%lu: %s\n", n->name,
	       t, t / flat, err.line, err.column, st == KVP_OK ? "ok" : err.message);
	fprintf(csv, "nesting,%s,%zu,%.6f,%.3f,\"%s\"\n", n->name, n->bytes, t,
	        t / flat, st == KVP_OK ? "ok" : kvp_strerror(st));
}

/* The baseline of a scan: the time of reading one profile by its exact
 * name (one file, no scan), the mean of 200 of them, in the same run. */
static double per_file_seconds(const char *dir, size_t files)
{
	const char *dirs[] = {dir};
	kvp_catalog *cat;
	char name[32];
	kvp_model m;
	kvp_error err;
	double t;

	bench_check(kvp_catalog_open(&cat, dirs, 1, &err), &err, "open");
	t = bench_now();
	for (size_t i = 0; i < 200; i++) {
		snprintf(name, sizeof name, "m%06zu", i * (files / 200));
		bench_check(kvp_catalog_model(cat, name, &m, &err), &err, "lookup");
	}
	t = (bench_now() - t) / 200;
	kvp_catalog_free(&cat);
	return t;
}

/* One lookup (or the listing, for a NULL name) on a fresh catalogue over
 * dir, so the scan is part of the time; its ratio to reading each of the
 * files once by name says whether the scan is linear (near 1, the same at
 * every size) or grows faster. */
static void time_lookup(FILE *csv, const char *dir, size_t files,
                        double per_file, const char *what, const char *name)
{
	const char *dirs[] = {dir};
	const kvp_model *models;
	kvp_catalog *cat;
	size_t count;
	kvp_model m;
	kvp_error err;
	kvp_status st;
	double t;

	bench_check(kvp_catalog_open(&cat, dirs, 1, &err), &err, "open");
	t = bench_now();
	st = name ? kvp_catalog_model(cat, name, &m, &err)
	          : kvp_catalog_models(cat, &models, &count, &err);
	t = bench_now() - t;
	printf("scan     %-6zu %-24s %10.4f s  %6.2fx %zu single reads  %s\n", files,
	       what, t, t / (per_file * (double)files), files, kvp_strerror(st));
	fprintf(csv, "scan,%s,%zu,%.6f,%.3f,\"%s\"\n", what, files, t,
	        t / (per_file * (double)files), kvp_strerror(st));
	kvp_catalog_free(&cat);
}

/* A data directory of `files` models, each with one alias, then the
 * listing and the lookups that scan it, and one that does not. */
static void bench_scan(FILE *csv, size_t files)
{
	char dir[512], path[600], text[256], name[32];
	double per_file;

	snprintf(dir, sizeof dir, "%s/scan%zu", tmpdir, files);
	make_dir(dir);
	snprintf(path, sizeof path, "%s/models", dir);
	make_dir(path);
	for (size_t i = 0; i < files; i++) {
		int n = snprintf(text, sizeof text,
		                 "name: m%06zu\naliases: [a%06zu]\nlayers: 1\n"
		                 "heads: 1\nkv_heads: 1\nhead_dim: 1\n", i, i);

		snprintf(path, sizeof path, "%s/models/m%06zu.yaml", dir, i);
		write_file(path, text, (size_t)n);
	}
	per_file = per_file_seconds(dir, files);
	time_lookup(csv, dir, files, per_file, "list all", NULL);
	time_lookup(csv, dir, files, per_file, "unknown name", "nosuch");
	/* One letter off the last model's name: not found, with suggestions. */
	snprintf(name, sizeof name, "n%06zu", files - 1);
	time_lookup(csv, dir, files, per_file, "misspelt name", name);
	snprintf(name, sizeof name, "a%06zu", files - 1);
	time_lookup(csv, dir, files, per_file, "alias", name);
	snprintf(name, sizeof name, "m%06zu", files - 1);
	time_lookup(csv, dir, files, per_file, "exact name", name);
}

int main(int argc, char **argv)
{
	size_t nest_max = (bench_args(argc, argv, 2, "[DIR [NESTING]]"),
	                   argc > 2 ? strtoull(argv[2], NULL, 10) : 1024 * 1024);
	const char *base = getenv("TMPDIR");
	FILE *csv = bench_open_csv(argc, argv, "catalog.csv");

	snprintf(tmpdir, sizeof tmpdir, "%s/kvplan-bench-XXXXXX",
	         base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	atexit(remove_tmpdir);
	fprintf(csv, "case,what,size,seconds,ratio_to_baseline,result\n");
	for (size_t i = 0; i < sizeof nestings / sizeof nestings[0]; i++)
		if (nestings[i].bytes <= nest_max)
			bench_nesting(csv, &nestings[i]);
	for (size_t i = 0; i < sizeof file_counts / sizeof file_counts[0]; i++)
		bench_scan(csv, file_counts[i]);
	return fclose(csv) == 0 ? 0 : 1;
}
