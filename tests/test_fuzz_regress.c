/*
 * test_fuzz_regress.c — every input of the fuzzing corpus
 * (tests/fuzz/corpus/NAME/) and every input that once crashed a harness
 * (tests/fuzz/crashes/NAME/) replayed through its reader's parse function:
 * each must return, with a message when it fails, and leave nothing
 * allocated.  This keeps each crash the fuzzers found as a test.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"
#include "testutil.h"

typedef kvp_status (*parse_fn)(const unsigned char *data, size_t length,
                               const char *path, kvp_error *err);

static kvp_status parse_config(const unsigned char *data, size_t length,
                               const char *path, kvp_error *err)
{
	kvp_model model;
	kvp_source source;

	/* The file's bytes end in a NUL, as kvp__read_file leaves them. */
	return kvp_config_parse((const char *)data, length, path, &model,
	                        &source, err);
}

static kvp_status parse_safetensors(const unsigned char *data, size_t length,
                                    const char *path, kvp_error *err)
{
	kvp_weights weights;

	kvp_weights_init(&weights);
	return kvp_safetensors_parse(data, length, length, path, &weights, err);
}

static kvp_status parse_gguf(const unsigned char *data, size_t length,
                             const char *path, kvp_error *err)
{
	kvp_model model;
	kvp_source source;
	kvp_weights weights;

	kvp_weights_init(&weights);
	return kvp_gguf_parse(data, length, path, &model, &source, &weights,
	                      err);
}

/* The file at path whole, NUL-terminated (*length without the NUL). */
static unsigned char *slurp(const char *path, size_t *length)
{
	FILE *f = fopen(path, "rb");
	unsigned char *data = NULL;
	long size;

	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	assert_true(size >= 0);
	rewind(f);
	data = malloc((size_t)size + 1);
	assert_non_null(data);
	assert_int_equal(fread(data, 1, (size_t)size, f), (size_t)size);
	fclose(f);
	data[size] = '\0';
	*length = (size_t)size;
	return data;
}

/* Replays every file in dir (none when dir is not there); returns how
 * many. */
static size_t replay_dir(const char *dir, parse_fn parse)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t count = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char path[2048];
		unsigned char *data;
		size_t length;
		long live;
		kvp_error err;
		kvp_status status;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		data = slurp(path, &length);
		live = testutil_live_blocks();
		memset(&err, 0, sizeof err);
		status = parse(data, length, path, &err);
		assert_int_equal(testutil_live_blocks(), live);
		/* The contract the harnesses check (fuzz.h): one line that
		 * says what went wrong, under the status returned. */
		if (status != KVP_OK && (!err.message[0] || err.status != status ||
		                         strchr(err.message, '\n')))
			fail_msg("%s: status %d with no one-line message: '%s'", path,
			         (int)status, err.message);
		free(data);
		count++;
	}
	closedir(d);
	return count;
}

static void replay(const char *name, parse_fn parse)
{
	char dir[1024];
	size_t seeds;

	snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", KVP_TEST_SRCDIR, name);
	seeds = replay_dir(dir, parse);
	assert_true(seeds > 0); /* the corpus was found */
	snprintf(dir, sizeof dir, "%s/tests/fuzz/crashes/%s", KVP_TEST_SRCDIR, name);
	replay_dir(dir, parse);
}

static void test_config(void **state)
{
	(void)state;
	replay("config", parse_config);
}

static void test_safetensors(void **state)
{
	(void)state;
	replay("safetensors", parse_safetensors);
}

static void test_gguf(void **state)
{
	(void)state;
	replay("gguf", parse_gguf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config),
		cmocka_unit_test(test_safetensors),
		cmocka_unit_test(test_gguf),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
