/*
 * replay.c — make check's driver of a libFuzzer harness without libFuzzer:
 * every seed (tests/fuzz/corpus/NAME/) and every input that once crashed
 * or hung the harness (tests/fuzz/crashes/NAME/) goes through the
 * harness's own LLVMFuzzerTestOneInput, one TAP line each.  A harness stops
 * the program (__builtin_trap) when the code breaks its contract.  Built
 * with FUZZ_NAME, the harness's name, and with FUZZ_COUNT_BLOCKS where the
 * test links the counting allocator (tests/testutil.c): then an input that
 * leaves a block allocated fails.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvplan.h"
#include "fuzz.h"
#ifdef FUZZ_COUNT_BLOCKS
#include "testutil.h"
#endif

#ifndef FUZZ_NAME
#error "FUZZ_NAME (the harness's name) must be defined"
#endif

/* A harness's start-up is called, as libFuzzer calls it, when the harness
 * has one. */
#pragma weak LLVMFuzzerInitialize

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The file at path whole, in a buffer of exactly its size, as libFuzzer
 * gives an input (so that a read past the end is one). */
static unsigned char *slurp(const char *path, size_t *length)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data;
	long size;

	if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0) {
		perror(path);
		exit(99);
	}
	rewind(f);
	data = malloc(size ? (size_t)size : 1);
	if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) {
		perror(path);
		exit(99);
	}
	fclose(f);
	*length = (size_t)size;
	return data;
}

/* Replays every file of dir in name order (none when dir is not there);
 * returns the number of the last TAP line written. */
static int replay_dir(FILE *tap, const char *dir, int number)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;

	if (!d)
		return number;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		names = realloc(names, (n + 1) * sizeof *names);
		if (!names || !(names[n] = strdup(e->d_name))) {
			perror("replay");
			exit(99);
		}
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof *names, compare_names);
	for (size_t i = 0; i < n; i++) {
		char path[4096];
		unsigned char *data;
		size_t length;
		int leaked = 0;

		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		data = slurp(path, &length);
		fflush(tap);
		{
#ifdef FUZZ_COUNT_BLOCKS
			long live = testutil_live_blocks();

			LLVMFuzzerTestOneInput(data, length);
			leaked = testutil_live_blocks() != live;
#else
			LLVMFuzzerTestOneInput(data, length);
#endif
		}
		fprintf(tap, "%s %d - %s%s\n", leaked ? "not ok" : "ok", ++number,
		        path, leaked ? " (left blocks allocated)" : "");
		free(data);
		free(names[i]);
	}
	free(names);
	return number;
}

int main(int argc, char **argv)
{
	/* The harness may point stdout elsewhere at start-up (the command's
	 * output is not the test's); TAP goes to the stdout of now. */
	FILE *tap = stdout;
	char dir[4096];
	int seeds, number;

	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", KVP_TEST_SRCDIR,
	         FUZZ_NAME);
	seeds = replay_dir(tap, dir, 0);
	snprintf(dir, sizeof dir, "%s/tests/fuzz/crashes/%s", KVP_TEST_SRCDIR,
	         FUZZ_NAME);
	number = replay_dir(tap, dir, seeds);
	/* No seed means the corpus was not found: a test that tests nothing. */
	if (seeds == 0)
		fprintf(tap, "not ok %d - no seeds in tests/fuzz/corpus/%s\n",
		        ++number, FUZZ_NAME);
	fprintf(tap, "1..%d\n", number);
	fflush(tap);
	return 0;
}
