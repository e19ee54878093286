/*
 * test_scan.c — unit tests for lib/scan.c: whole directories read for a
 * listing or an alias, what they skip (FIFOs, sockets, devices, unreadable
 * directories, with a warning for the last), the first duplicate claim and
 * the hiding of later directories, over thousands of files.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "kvplan.h"
#include "testutil.h"

/* Two files in one directory claiming one alias (or an alias that is
 * another's name) fail the listing at the later file's claim; the same in
 * different directories is fine (the earlier directory wins). */
static void test_error_duplicate_alias(void **state)
{
	const char *dirs[1];
	char dir[1024], later[1024];
	kvp_catalog *cat;
	const kvp_device *devices;
	size_t count = 99;
	kvp_device d;
	kvp_error err;

	(void)state;
	testutil_write_file("dupalias/gpus/aa.yaml",
	                    "name: aa\naliases: [x]\nmemory: 1 GiB\nl2: 1 MiB\n");
	snprintf(later, sizeof later, "%s",
	         testutil_write_file("dupalias/gpus/bb.yaml",
	                             "name: bb\nmemory: 1 GiB\nl2: 1 MiB\n"
	                             "aliases:\n  - y\n  - x\n"));
	snprintf(dir, sizeof dir, "%s", testutil_scratch_dir("dupalias"));
	dirs[0] = dir;
	assert_int_equal(kvp_catalog_open(&cat, dirs, 1, &err), KVP_OK);
	assert_int_equal(kvp_catalog_devices(cat, &devices, &count, &err),
	                 KVP_ERR_DUPLICATE);
	assert_null(devices);
	assert_int_equal(count, 0);
	assert_string_equal(err.path, later);
	assert_int_equal(err.line, 6);
	assert_int_equal(err.column, 5);
	assert_string_equal(err.message, "alias 'x' is already an alias of GPU 'aa'");
	/* An alias lookup needs every profile, so it fails the same way; a
	 * name reads its one file and succeeds. */
	assert_int_equal(kvp_catalog_device(cat, "x", &d, &err), KVP_ERR_DUPLICATE);
	assert_int_equal(kvp_catalog_device(cat, "aa", &d, &err), KVP_OK);
	kvp_catalog_free(&cat);

	snprintf(later, sizeof later, "%s",
	         testutil_write_file("dupname/models/zz.yaml",
	                             "name: zz\naliases: [aa]\nlayers: 1\n"
	                             "heads: 1\nkv_heads: 1\nhead_dim: 1\n"));
	testutil_write_file("dupname/models/aa.yaml",
	                    "name: aa\nlayers: 1\nheads: 1\nkv_heads: 1\n"
	                    "head_dim: 1\n");
	snprintf(dir, sizeof dir, "%s", testutil_scratch_dir("dupname"));
	assert_int_equal(kvp_catalog_open(&cat, dirs, 1, &err), KVP_OK);
	assert_int_equal(kvp_catalog_models(cat, NULL, &count, &err),
	                 KVP_ERR_INVALID);
	{
		const kvp_model *models;

		assert_int_equal(kvp_catalog_models(cat, &models, &count, &err),
		                 KVP_ERR_DUPLICATE);
	}
	assert_string_equal(err.path, later);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 11);
	assert_string_equal(err.message,
	                    "alias 'aa' is already the name of model 'aa'");
	kvp_catalog_free(&cat);
}

/* Writes models/fNNNN.yaml for i in [from, to) under the scratch directory
 * rel, each with the alias xNNNN followed by `more` aliases, and layers. */
static void write_many(const char *rel, size_t from, size_t to,
                       unsigned layers, const char *more)
{
	char path[256], text[256];

	for (size_t i = from; i < to; i++) {
		snprintf(path, sizeof path, "%s/models/f%04zu.yaml", rel, i);
		snprintf(text, sizeof text, "name: f%04zu\naliases: [x%04zu%s]\n"
		         "layers: %u\nheads: 1\nkv_heads: 1\nhead_dim: 1\n", i, i,
		         more, layers);
		testutil_write_file(path, text);
	}
}

/* Duplicate claims among 5,000 files are found by sorting: the first file
 * (by name) whose name or alias an earlier file claims is reported, at
 * that claim, against the earliest file that claims it. */
static void test_many_files_duplicates(void **state)
{
	const char *dirs[1];
	char dir[1024], path[1100];
	const kvp_model *models;
	kvp_catalog *cat;
	size_t count;
	kvp_model m;
	kvp_error err;

	(void)state;
	alarm(60);
	/* f0100 also claims x4999 (f4999's alias): f4999 is at fault. */
	write_many("many", 0, 5000, 1, "");
	write_many("many", 100, 101, 1, ", x4999");
	snprintf(dir, sizeof dir, "%s", testutil_scratch_dir("many"));
	dirs[0] = dir;
	assert_int_equal(kvp_catalog_open(&cat, dirs, 1, &err), KVP_OK);
	assert_int_equal(kvp_catalog_models(cat, &models, &count, &err),
	                 KVP_ERR_DUPLICATE);
	snprintf(path, sizeof path, "%s/models/f4999.yaml", dir);
	assert_string_equal(err.path, path);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 11);
	assert_string_equal(err.message,
	                    "alias 'x4999' is already an alias of model 'f0100'");
	kvp_catalog_free(&cat);

	/* f4000 claims f1234 (a name) as its second alias: now the first. */
	write_many("many", 4000, 4001, 1, ", f1234");
	assert_int_equal(kvp_catalog_open(&cat, dirs, 1, &err), KVP_OK);
	assert_int_equal(kvp_catalog_model(cat, "x0007", &m, &err),
	                 KVP_ERR_DUPLICATE);
	snprintf(path, sizeof path, "%s/models/f4000.yaml", dir);
	assert_string_equal(err.path, path);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 18);
	assert_string_equal(err.message,
	                    "alias 'f1234' is already the name of model 'f1234'");
	kvp_catalog_free(&cat);

	/* Without the clashes every file is listed, in order. */
	write_many("many", 100, 101, 1, "");
	write_many("many", 4000, 4001, 1, "");
	assert_int_equal(kvp_catalog_open(&cat, dirs, 1, &err), KVP_OK);
	assert_int_equal(kvp_catalog_models(cat, &models, &count, &err), KVP_OK);
	assert_int_equal(count, 5000);
	assert_string_equal(models[0].name, "f0000");
	assert_string_equal(models[4999].name, "f4999");
	assert_int_equal(kvp_catalog_model(cat, "x2500", &m, &err), KVP_OK);
	assert_string_equal(m.name, "f2500");
	kvp_catalog_free(&cat);
	alarm(0);
}

/* Over two directories of thousands of files, the earlier directory's
 * profile of a name hides the later one's, and the listing is sorted. */
static void test_many_files_hiding(void **state)
{
	const char *dirs[2];
	char first[1024], second[1024];
	const kvp_model *models;
	kvp_catalog *cat;
	size_t count;
	kvp_error err;

	(void)state;
	alarm(60);
	write_many("hide1", 500, 1500, 1, "");
	write_many("hide2", 0, 2000, 2, "");
	snprintf(first, sizeof first, "%s", testutil_scratch_dir("hide1"));
	snprintf(second, sizeof second, "%s", testutil_scratch_dir("hide2"));
	dirs[0] = first;
	dirs[1] = second;
	assert_int_equal(kvp_catalog_open(&cat, dirs, 2, &err), KVP_OK);
	assert_int_equal(kvp_catalog_models(cat, &models, &count, &err), KVP_OK);
	assert_int_equal(count, 2000);
	for (size_t i = 0; i < count; i++) {
		char name[32];

		snprintf(name, sizeof name, "f%04zu", i);
		assert_string_equal(models[i].name, name);
		assert_int_equal(models[i].layers, i >= 500 && i < 1500 ? 1 : 2);
	}
	kvp_catalog_free(&cat);
	alarm(0);
}

/* A malformed file anywhere in the path fails the listing with its
 * position, even one a name lookup would never read. */
static void test_listing_reports_malformed_file(void **state)
{
	const char *dirs[2];
	char dir[1024], bad[1024];
	kvp_catalog *cat;
	const kvp_model *models;
	size_t count;
	kvp_model m;
	kvp_error err;

	(void)state;
	snprintf(bad, sizeof bad, "%s",
	         testutil_write_file("listbad/models/broken.yaml",
	                             "name: broken\nlayers: 1\nheads: 1\n"
	                             "kv_heads: 1\nhead_dimm: 4\n"));
	testutil_write_file("listbad/models/README", "not a profile\n");
	snprintf(dir, sizeof dir, "%s", testutil_scratch_dir("listbad"));
	dirs[0] = dir;
	dirs[1] = KVP_TEST_DATADIR;
	assert_int_equal(kvp_catalog_open(&cat, dirs, 2, &err), KVP_OK);
	assert_int_equal(kvp_catalog_model(cat, "gpt2", &m, &err), KVP_OK);
	assert_int_equal(kvp_catalog_models(cat, &models, &count, &err),
	                 KVP_ERR_PARSE);
	assert_string_equal(err.path, bad);
	assert_int_equal(err.line, 5);
	assert_int_equal(err.column, 1);
	assert_string_equal(err.message,
	                    "unknown field 'head_dimm' (did you mean 'head_dim'?)");
	kvp_catalog_free(&cat);
}

/* A scratch data directory "special" whose models/ holds one good profile,
 * one reached through a symlink, and entries that are not regular files
 * but are named *.yaml: a FIFO, a directory, a socket, a symlink to
 * /dev/null and a dangling symlink.  Made once; returns the directory. */
static const char *special_dir(void)
{
	static char dir[1024];
	char models[1100], path[1200];
	struct sockaddr_un addr = {.sun_family = AF_UNIX};
	int fd;

	if (dir[0])
		return dir;
	testutil_write_file("special/models/ok.yaml",
	                    "name: ok\naliases: [good]\nlayers: 1\nheads: 2\n"
	                    "kv_heads: 2\nhead_dim: 8\n");
	testutil_write_file("special-target/link.yaml",
	                    "name: link\nlayers: 2\nheads: 2\nkv_heads: 2\n"
	                    "head_dim: 8\n");
	snprintf(dir, sizeof dir, "%s", testutil_scratch_dir("special"));
	snprintf(models, sizeof models, "%s/models", dir);
	snprintf(path, sizeof path, "%s/fifo.yaml", models);
	assert_int_equal(mkfifo(path, 0600), 0);
	snprintf(path, sizeof path, "%s/dir.yaml", models);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof path, "%s/null.yaml", models);
	assert_int_equal(symlink("/dev/null", path), 0);
	snprintf(path, sizeof path, "%s/dangling.yaml", models);
	assert_int_equal(symlink("nowhere/dangling.yaml", path), 0);
	snprintf(path, sizeof path, "%s/link.yaml", models);
	assert_int_equal(symlink("../../special-target/link.yaml", path), 0);
	snprintf(path, sizeof path, "%s/sock.yaml", models);
	assert_true(strlen(path) < sizeof addr.sun_path);
	strcpy(addr.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (const struct sockaddr *)&addr, sizeof addr), 0);
	close(fd);
	return dir;
}

/* Listing and every lookup that scans skip what is not a regular file
 * (a FIFO would block the open forever): the listing has the good profile
 * and the symlinked one, an alias or a misspelt name is answered.  An
 * alarm turns a regression into a failure instead of a hang. */
static void test_scan_skips_non_regular_files(void **state)
{
	const char *dirs[1];
	kvp_catalog *cat;
	const kvp_model *models;
	size_t count;
	kvp_model m;
	kvp_error err;

	(void)state;
	dirs[0] = special_dir();
	alarm(20);
	assert_int_equal(kvp_catalog_open(&cat, dirs, 1, &err), KVP_OK);
	assert_int_equal(kvp_catalog_model(cat, "good", &m, &err), KVP_OK);
	assert_string_equal(m.name, "ok");
	assert_int_equal(kvp_catalog_model(cat, "lnk", &m, &err),
	                 KVP_ERR_NOT_FOUND);
	assert_string_equal(err.message,
	                    "unknown model 'lnk' (did you mean link?)");
	assert_int_equal(kvp_catalog_models(cat, &models, &count, &err), KVP_OK);
	assert_int_equal(count, 2);
	assert_string_equal(models[0].name, "link");
	assert_int_equal(models[0].layers, 2);
	assert_string_equal(models[1].name, "ok");
	/* Each passed over is said once: the FIFO, the directory, the
	 * socket, the device and the dangling symlink. */
	assert_int_equal(kvp_catalog_warning_count(cat), 5);
	for (size_t i = 0; i < 5; i++)
		assert_non_null(strstr(kvp_catalog_warning(cat, i),
		                       ".yaml: not a regular file; skipped"));
	/* A dangling symlink is no file: that name is unknown. */
	assert_int_equal(kvp_catalog_model(cat, "dangling", &m, &err),
	                 KVP_ERR_NOT_FOUND);
	assert_string_equal(err.message,
	                    "unknown model 'dangling' (known: 2 models)");
	assert_int_equal(kvp_catalog_model(cat, "link", &m, &err), KVP_OK);
	assert_int_equal(m.layers, 2);
	kvp_catalog_free(&cat);
	alarm(0);
}

/* A lookup by the exact name of an entry that is not a regular file passes
 * over it without opening it, as the scans do: the name is unknown there,
 * and a later directory's regular file of that name is found.  Loading it
 * directly is an error naming its path. */
static void test_exact_name_not_regular_file(void **state)
{
	/* The names, and what the unknown-name message offers: "sock" is
	 * within two edits of "ok". */
	static const char *const names[][2] = {
		{"fifo", "known: 2 models"}, {"dir", "known: 2 models"},
		{"sock", "did you mean ok?"}, {"null", "known: 2 models"},
	};
	const char *dirs[2];
	char path[1200], expected[200], second[1024];
	kvp_catalog *cat;
	kvp_model m;
	kvp_error err;

	(void)state;
	dirs[0] = special_dir();
	alarm(20);
	assert_int_equal(kvp_catalog_open(&cat, dirs, 1, &err), KVP_OK);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/models/%s.yaml", dirs[0], names[i][0]);
		assert_int_equal(kvp_catalog_model(cat, names[i][0], &m, &err),
		                 KVP_ERR_NOT_FOUND);
		snprintf(expected, sizeof expected, "unknown model '%s' (%s)",
		         names[i][0], names[i][1]);
		assert_string_equal(err.message, expected);
		assert_int_equal(kvp_model_load_file(path, &m, &err), KVP_ERR_IO);
		assert_string_equal(err.path, path);
		assert_int_equal(err.line, 0);
		assert_string_equal(err.message, "not a regular file");
	}
	kvp_catalog_free(&cat);
	testutil_write_file("special2/models/fifo.yaml",
	                    "name: fifo\nlayers: 3\nheads: 1\nkv_heads: 1\nhead_dim: 1\n");
	snprintf(second, sizeof second, "%s", testutil_scratch_dir("special2"));
	dirs[1] = second;
	assert_int_equal(kvp_catalog_open(&cat, dirs, 2, &err), KVP_OK);
	assert_int_equal(kvp_catalog_model(cat, "fifo", &m, &err), KVP_OK);
	assert_int_equal(m.layers, 3);
	kvp_catalog_free(&cat);
	alarm(0);
}

/* A user data directory whose models/ cannot be read (EACCES, simulated:
 * the tests run as root) is skipped with one warning, in lookups by name
 * (stat) and in scans (opendir), so the shipped models are still found;
 * the warning escapes the path.  Another error stays an error. */
static void test_unreadable_dir_skipped(void **state)
{
	const char *dirs[2];
	char user[1024], denied[1100], warning[1200];
	const kvp_model *models;
	size_t count;
	kvp_catalog *cat;
	kvp_model m;
	kvp_device d;
	kvp_error err;

	(void)state;
	testutil_write_file("unreadable\nx/models/mine.yaml",
	                    "name: mine\nlayers: 1\nheads: 1\nkv_heads: 1\n"
	                    "head_dim: 1\n");
	testutil_write_file("unreadable\nx/gpus/toy.yaml",
	                    "name: toy\nmemory: 1 GiB\nl2: 1 MiB\n");
	snprintf(user, sizeof user, "%s", testutil_scratch_dir("unreadable\nx"));
	snprintf(denied, sizeof denied, "%s/models", user);
	snprintf(warning, sizeof warning, "%s/unreadable\\nx/models: Permission "
	         "denied; skipped", testutil_tmpdir());
	dirs[0] = user;
	dirs[1] = KVP_TEST_DATADIR;
	testutil_deny_dir(denied, EACCES);
	assert_int_equal(kvp_catalog_open(&cat, dirs, 2, &err), KVP_OK);
	assert_int_equal(kvp_catalog_warning_count(cat), 0);
	assert_int_equal(kvp_catalog_model(cat, "llama2-7b", &m, &err), KVP_OK);
	assert_int_equal(kvp_catalog_warning_count(cat), 1);
	assert_string_equal(kvp_catalog_warning(cat, 0), warning);
	assert_int_equal(kvp_catalog_model(cat, "mine", &m, &err),
	                 KVP_ERR_NOT_FOUND);
	assert_int_equal(kvp_catalog_models(cat, &models, &count, &err), KVP_OK);
	assert_int_equal(count, testutil_count_yaml(KVP_TEST_DATADIR "/models"));
	assert_int_equal(kvp_catalog_model(cat, "llama-2-7b", &m, &err), KVP_OK);
	assert_string_equal(m.name, "llama2-7b");
	assert_int_equal(kvp_catalog_device(cat, "toy", &d, &err), KVP_OK);
	assert_int_equal(kvp_catalog_warning_count(cat), 1);
	assert_null(kvp_catalog_warning(cat, 1));
	kvp_catalog_free(&cat);

	/* A scan alone gives the same warning. */
	assert_int_equal(kvp_catalog_open(&cat, dirs, 2, &err), KVP_OK);
	assert_int_equal(kvp_catalog_models(cat, &models, &count, &err), KVP_OK);
	assert_int_equal(kvp_catalog_warning_count(cat), 1);
	assert_string_equal(kvp_catalog_warning(cat, 0), warning);
	kvp_catalog_free(&cat);

	/* Any other failure to read the directory fails the listing. */
	testutil_deny_dir(denied, EIO);
	assert_int_equal(kvp_catalog_open(&cat, dirs, 2, &err), KVP_OK);
	assert_int_equal(kvp_catalog_models(cat, &models, &count, &err),
	                 KVP_ERR_IO);
	assert_string_equal(err.path, denied);
	assert_string_equal(err.message, "Input/output error");
	assert_int_equal(kvp_catalog_warning_count(cat), 0);
	kvp_catalog_free(&cat);
	testutil_deny_dir(NULL, 0);
	assert_int_equal(kvp_catalog_warning_count(NULL), 0);
	assert_null(kvp_catalog_warning(NULL, 0));
}

/* Each allocation of a lookup and a listing that warn fails in turn: each
 * failure is KVP_ERR_NOMEM and leaves no block behind. */
static void test_allocation_failures_warning(void **state)
{
	const char *dirs[2];
	char user[1024], denied[1100];
	bool done = false;

	(void)state;
	testutil_write_file("unreadable-oom/models/mine.yaml", "name: mine\n");
	snprintf(user, sizeof user, "%s", testutil_scratch_dir("unreadable-oom"));
	snprintf(denied, sizeof denied, "%s/models", user);
	dirs[0] = user;
	dirs[1] = KVP_TEST_DATADIR;
	testutil_deny_dir(denied, EACCES);
	for (unsigned long n = 1; !done; n++) {
		long live = testutil_live_blocks();
		kvp_catalog *cat = NULL;
		const kvp_model *models;
		size_t count;
		kvp_model m;
		kvp_error err;
		kvp_status status;

		testutil_fail_at(n);
		status = kvp_catalog_open(&cat, dirs, 2, &err);
		if (status == KVP_OK)
			status = kvp_catalog_model(cat, "gpt2", &m, &err);
		if (status == KVP_OK)
			status = kvp_catalog_models(cat, &models, &count, &err);
		if (status == KVP_OK) {
			done = true;
			assert_int_equal(kvp_catalog_warning_count(cat), 1);
		} else {
			assert_int_equal(status, KVP_ERR_NOMEM);
		}
		kvp_catalog_free(&cat);
		testutil_fail_at(0);
		assert_int_equal(testutil_live_blocks(), live);
	}
	testutil_deny_dir(NULL, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_duplicate_alias),
		cmocka_unit_test(test_listing_reports_malformed_file),
		cmocka_unit_test(test_many_files_duplicates),
		cmocka_unit_test(test_many_files_hiding),
		cmocka_unit_test(test_scan_skips_non_regular_files),
		cmocka_unit_test(test_exact_name_not_regular_file),
		cmocka_unit_test(test_unreadable_dir_skipped),
		cmocka_unit_test(test_allocation_failures_warning),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
