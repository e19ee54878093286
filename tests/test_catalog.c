/*
 * test_catalog.c — unit tests for lib/catalog.c: the shipped YAML profiles
 * against reference-data.md, lookup and listing over a search path, and the
 * exact path:line:column and message of every kind of malformed file.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
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

#define GIB UINT64_C(1073741824)
#define MIB UINT64_C(1048576)
/* How a message states the rule for names. */
#define NAME_RULE "(1 to 63 ASCII letters, digits, '.', '-', '_' or '+', " \
	"starting with a letter or a digit)"

/* reference-data.md §2, sorted by name as the listing is; kv_bytes_per_token
 * is the fp16 "KV B/tok" column, params the exact or ≈ figure as written. */
static const struct model_row {
	const char *name;
	uint32_t layers, hidden, heads, kv_heads, head_dim, vocab;
	uint64_t max_context, params, kv_bytes_per_token;
} model_rows[] = {
	{"falcon-40b", 60, 8192, 128, 8, 64, 65024, 2048, UINT64_C(41300000000), 122880},
	{"falcon-7b", 32, 4544, 71, 1, 64, 65024, 2048, UINT64_C(6920000000), 8192},
	{"gemma2-9b", 42, 3584, 16, 8, 256, 256000, 8192, UINT64_C(9240000000), 344064},
	{"gpt2", 12, 768, 12, 12, 64, 50257, 1024, UINT64_C(124439808), 36864},
	{"llama2-13b", 40, 5120, 40, 40, 128, 32000, 4096, UINT64_C(13015864320), 819200},
	{"llama2-70b", 80, 8192, 64, 8, 128, 32000, 4096, UINT64_C(68976648192), 327680},
	{"llama2-7b", 32, 4096, 32, 32, 128, 32000, 4096, UINT64_C(6738415616), 524288},
	{"llama3-70b", 80, 8192, 64, 8, 128, 128256, 8192, UINT64_C(70553706496), 327680},
	{"llama3-8b", 32, 4096, 32, 8, 128, 128256, 8192, UINT64_C(8030261248), 131072},
	{"llama3.1-405b", 126, 16384, 128, 8, 128, 128256, 131072, UINT64_C(405850000000), 516096},
	{"minimind2-small", 8, 512, 8, 2, 64, 6400, 8192, UINT64_C(25830000), 4096},
	{"mistral-7b", 32, 4096, 32, 8, 128, 32000, 32768, UINT64_C(7240000000), 131072},
	{"mixtral-8x7b", 32, 4096, 32, 8, 128, 32000, 32768, UINT64_C(46700000000), 131072},
	{"phi3-mini", 32, 3072, 32, 32, 96, 32064, 4096, UINT64_C(3820000000), 393216},
	{"qwen2.5-72b", 80, 8192, 64, 8, 128, 152064, 131072, UINT64_C(72710000000), 327680},
	{"qwen2.5-7b", 28, 3584, 28, 4, 128, 152064, 131072, UINT64_C(7620000000), 57344},
};
#define N_MODELS (sizeof model_rows / sizeof model_rows[0])

/* reference-data.md §3: L2 "MB" is MiB, HBM is nominal GiB. */
static const struct device_row {
	const char *name;
	uint64_t hbm_bytes, l2_bytes, llc_bytes;
	double bandwidth_gbs, fp16_tflops;
} device_rows[] = {
	{"a10", 24 * GIB, 6 * MIB, 0, 600, 125},
	{"a100-40g", 40 * GIB, 40 * MIB, 0, 1555, 312},
	{"a100-80g", 80 * GIB, 40 * MIB, 0, 2039, 312},
	{"h100-pcie", 80 * GIB, 50 * MIB, 0, 2000, 756},
	{"h100-sxm", 80 * GIB, 50 * MIB, 0, 3350, 989},
	{"h200", 141 * GIB, 50 * MIB, 0, 4800, 989},
	{"l4", 24 * GIB, 48 * MIB, 0, 300, 121},
	{"mi300x", 192 * GIB, 32 * MIB, 256 * MIB, 5300, 1307},
	{"rtx4090", 24 * GIB, 72 * MIB, 0, 1008, 165},
	{"v100-16g", 16 * GIB, 6 * MIB, 0, 900, 125},
	{"v100-32g", 32 * GIB, 6 * MIB, 0, 900, 125},
};
#define N_DEVICES (sizeof device_rows / sizeof device_rows[0])

static kvp_catalog *open_shipped(void)
{
	const char *dirs[] = {KVP_TEST_DATADIR};
	kvp_catalog *cat = NULL;
	kvp_error err;

	assert_int_equal(kvp_catalog_open(&cat, dirs, 1, &err), KVP_OK);
	assert_non_null(cat);
	return cat;
}

/* A scratch data directory under the test's temporary directory. */
static const char *scratch_dir(const char *name)
{
	static char dir[1024];

	snprintf(dir, sizeof dir, "%s/%s", testutil_tmpdir(), name);
	return dir;
}

static void check_model_row(const kvp_model *m, const struct model_row *row)
{
	kvp_kv_size size;
	kvp_error err;

	assert_string_equal(m->name, row->name);
	assert_int_equal(m->layers, row->layers);
	assert_int_equal(m->hidden, row->hidden);
	assert_int_equal(m->heads, row->heads);
	assert_int_equal(m->kv_heads, row->kv_heads);
	assert_int_equal(m->head_dim, row->head_dim);
	assert_int_equal(m->vocab, row->vocab);
	assert_int_equal(m->max_context, row->max_context);
	assert_int_equal(m->params, row->params);
	assert_true(m->description[0] != '\0');
	assert_int_equal(kvp_kv_size_compute(m, KVP_DTYPE_FP16, 1, 1, &size, &err),
	                 KVP_OK);
	assert_int_equal(size.bytes_per_token, row->kv_bytes_per_token);
}

/* Every shipped model loads by name with the shape, size and parameter
 * count of reference-data.md §2, and its fp16 KV bytes per token equal the
 * table's column. */
static void test_shipped_models_match_reference(void **state)
{
	kvp_catalog *cat = open_shipped();

	(void)state;
	for (size_t i = 0; i < N_MODELS; i++) {
		kvp_model m;
		kvp_error err;

		assert_int_equal(kvp_catalog_model(cat, model_rows[i].name, &m, &err),
		                 KVP_OK);
		assert_int_equal(err.status, KVP_OK);
		check_model_row(&m, &model_rows[i]);
	}
	kvp_catalog_free(&cat);
	assert_null(cat);
}

/* rope_theta is read as a real where the file gives it: Llama 2 10000,
 * Llama 3 500000; GPT-2 (learned positions) has none. */
static void test_shipped_rope_theta(void **state)
{
	kvp_catalog *cat = open_shipped();
	kvp_model m;

	(void)state;
	assert_int_equal(kvp_catalog_model(cat, "llama2-7b", &m, NULL), KVP_OK);
	assert_true(m.rope_theta == 10000.0);
	assert_int_equal(kvp_catalog_model(cat, "llama3-8b", &m, NULL), KVP_OK);
	assert_true(m.rope_theta == 500000.0);
	assert_int_equal(kvp_catalog_model(cat, "gpt2", &m, NULL), KVP_OK);
	assert_true(m.rope_theta == 0.0);
	kvp_catalog_free(&cat);
}

/* Falcon-7B is MQA: one kv head, whatever num_kv_heads its config says. */
static void test_falcon7b_is_mqa(void **state)
{
	kvp_catalog *cat = open_shipped();
	kvp_model m;

	(void)state;
	assert_int_equal(kvp_catalog_model(cat, "falcon-7b", &m, NULL), KVP_OK);
	assert_int_equal(m.kv_heads, 1);
	assert_int_equal(kvp_model_attention(&m), KVP_ATTENTION_MQA);
	kvp_catalog_free(&cat);
}

/* Every shipped GPU loads with the exact byte counts of reference-data.md
 * §3 (80 GiB = 85899345920, 50 MiB = 52428800, ...). */
static void test_shipped_devices_match_reference(void **state)
{
	kvp_catalog *cat = open_shipped();

	(void)state;
	for (size_t i = 0; i < N_DEVICES; i++) {
		const struct device_row *row = &device_rows[i];
		kvp_device d;
		kvp_error err;

		assert_int_equal(kvp_catalog_device(cat, row->name, &d, &err), KVP_OK);
		assert_string_equal(d.name, row->name);
		assert_int_equal(d.hbm_bytes, row->hbm_bytes);
		assert_int_equal(d.l2_bytes, row->l2_bytes);
		assert_int_equal(d.llc_bytes, row->llc_bytes);
		assert_true(d.bandwidth_gbs == row->bandwidth_gbs);
		assert_true(d.fp16_tflops == row->fp16_tflops);
	}
	kvp_catalog_free(&cat);
}

/* The design's worked numbers: h100-sxm is 85899345920 bytes of HBM and
 * 52428800 of L2. */
static void test_h100_sxm_bytes(void **state)
{
	kvp_device d;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_device_load_file(KVP_TEST_DATADIR "/gpus/h100-sxm.yaml",
	                                      &d, &err), KVP_OK);
	assert_int_equal(d.hbm_bytes, UINT64_C(85899345920));
	assert_int_equal(d.l2_bytes, UINT64_C(52428800));
}

/* The family names resolve through aliases: v100 -> v100-32g,
 * a100 -> a100-80g, h100 -> h100-sxm. */
static void test_family_aliases(void **state)
{
	static const char *const pairs[][2] = {
		{"v100", "v100-32g"}, {"a100", "a100-80g"}, {"h100", "h100-sxm"},
	};
	kvp_catalog *cat = open_shipped();

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		kvp_device d;
		kvp_error err;

		assert_int_equal(kvp_catalog_device(cat, pairs[i][0], &d, &err), KVP_OK);
		assert_string_equal(d.name, pairs[i][1]);
	}
	kvp_catalog_free(&cat);
}

/* A name in another case still finds the profile (H100-SXM, Llama2-7B). */
static void test_lookup_ignores_case(void **state)
{
	kvp_catalog *cat = open_shipped();
	kvp_device d;
	kvp_model m;

	(void)state;
	assert_int_equal(kvp_catalog_device(cat, "H100-SXM", &d, NULL), KVP_OK);
	assert_string_equal(d.name, "h100-sxm");
	assert_int_equal(kvp_catalog_model(cat, "Llama2-7B", &m, NULL), KVP_OK);
	assert_string_equal(m.name, "llama2-7b");
	kvp_catalog_free(&cat);
}

/* Listing gives the 16 models and 11 GPUs, sorted by name, and the same
 * cached array on a second call. */
static void test_listing_sorted(void **state)
{
	kvp_catalog *cat = open_shipped();
	const kvp_model *models, *again;
	const kvp_device *devices;
	size_t n_models, n_devices;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_catalog_models(cat, &models, &n_models, &err), KVP_OK);
	assert_int_equal(n_models, 16);
	for (size_t i = 0; i < n_models; i++)
		check_model_row(&models[i], &model_rows[i]);
	assert_int_equal(kvp_catalog_models(cat, &again, &n_models, &err), KVP_OK);
	assert_ptr_equal(again, models);
	assert_int_equal(kvp_catalog_devices(cat, &devices, &n_devices, &err),
	                 KVP_OK);
	assert_int_equal(n_devices, 11);
	for (size_t i = 0; i < n_devices; i++) {
		assert_string_equal(devices[i].name, device_rows[i].name);
		assert_int_equal(devices[i].hbm_bytes, device_rows[i].hbm_bytes);
	}
	kvp_catalog_free(&cat);
}

/* An unknown name suggests the closest: one clear winner, several tied
 * ones (sorted), names that start with the text, or just the count. */
static void test_unknown_name_suggestions(void **state)
{
	kvp_catalog *cat = open_shipped();
	kvp_model m;
	kvp_device d;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_catalog_model(cat, "llama2-7", &m, &err),
	                 KVP_ERR_NOT_FOUND);
	assert_string_equal(err.message,
	                    "unknown model 'llama2-7' (did you mean llama2-7b?)");
	assert_string_equal(err.path, "");
	/* a10 and h100 (an alias) are one edit from h10; h200 is two. */
	assert_int_equal(kvp_catalog_device(cat, "h10", &d, &err),
	                 KVP_ERR_NOT_FOUND);
	assert_string_equal(err.message,
	                    "unknown GPU 'h10' (did you mean a10, h100?)");
	/* a10g is one edit from a10 (drop g) and from a100 (g -> 0). */
	assert_int_equal(kvp_catalog_device(cat, "a10g", &d, &err),
	                 KVP_ERR_NOT_FOUND);
	assert_string_equal(err.message,
	                    "unknown GPU 'a10g' (did you mean a10, a100?)");
	/* No name is within two edits of "mixtr"; one starts with it. */
	assert_int_equal(kvp_catalog_model(cat, "mixtr", &m, &err),
	                 KVP_ERR_NOT_FOUND);
	assert_string_equal(err.message,
	                    "unknown model 'mixtr' (did you mean mixtral-8x7b, "
	                    "mixtral-8x7b-v0.1?)");
	assert_int_equal(kvp_catalog_model(cat, "xyzzy", &m, &err),
	                 KVP_ERR_NOT_FOUND);
	assert_string_equal(err.message, "unknown model 'xyzzy' (known: 16 models)");
	kvp_catalog_free(&cat);
}

/* Names that cannot be file stems are invalid arguments, not misses. */
static void test_invalid_lookup_names(void **state)
{
	char long_name[KVP_NAME_MAX + 1];
	kvp_catalog *cat = open_shipped();
	kvp_model m;
	kvp_error err;

	(void)state;
	memset(long_name, 'a', KVP_NAME_MAX);
	long_name[KVP_NAME_MAX] = '\0';
	assert_int_equal(kvp_catalog_model(cat, "", &m, &err), KVP_ERR_INVALID);
	assert_int_equal(kvp_catalog_model(cat, "../models/gpt2", &m, &err),
	                 KVP_ERR_INVALID);
	assert_int_equal(kvp_catalog_model(cat, long_name, &m, &err),
	                 KVP_ERR_INVALID);
	assert_int_equal(kvp_catalog_model(cat, NULL, &m, &err), KVP_ERR_INVALID);
	assert_int_equal(kvp_catalog_model(NULL, "gpt2", &m, &err), KVP_ERR_INVALID);
	kvp_catalog_free(&cat);
}

/* A name given to a lookup is quoted escaped in the message, so it can
 * neither forge a line nor reach the terminal; one outside the characters
 * of a name is invalid, as is a data directory that does not exist. */
static void test_lookup_text_escaped(void **state)
{
	const char *dirs[] = {"/nonexistent/a\nkvplan: b\x1b[2J"};
	kvp_catalog *cat = open_shipped();
	kvp_catalog *none = NULL;
	kvp_model m;
	kvp_device d;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_catalog_model(cat, "\x1b]0;x\a", &m, &err),
	                 KVP_ERR_INVALID);
	assert_string_equal(err.message, "invalid model name '\\x1b]0;x\\x07' "
	                    NAME_RULE);
	assert_int_equal(kvp_catalog_device(cat, "h100\nkvplan: ok", &d, &err),
	                 KVP_ERR_INVALID);
	assert_string_equal(err.message, "invalid GPU name 'h100\\nkvplan: ok' "
	                    NAME_RULE);
	assert_int_equal(kvp_catalog_model(cat, "\xc2\x9b" "31m", &m, &err),
	                 KVP_ERR_INVALID);
	assert_string_equal(err.message, "invalid model name '\\xc2\\x9b31m' "
	                    NAME_RULE);
	assert_int_equal(kvp_catalog_model(cat, ".hidden", &m, &err),
	                 KVP_ERR_INVALID);
	assert_int_equal(kvp_catalog_model(cat, "a b", &m, &err), KVP_ERR_INVALID);
	kvp_catalog_free(&cat);
	assert_int_equal(kvp_catalog_open(&none, dirs, 1, &err), KVP_ERR_IO);
	assert_string_equal(err.message, "data directory '/nonexistent/a\\nkvplan: "
	                    "b\\x1b[2J': No such file or directory");
}

/* A file in an earlier directory beats the shipped one of the same name,
 * in lookups and in the listing (which still has 16 models). */
static void test_user_dir_overrides_shipped(void **state)
{
	const char *dirs[2];
	char user[1024];
	kvp_catalog *cat;
	const kvp_model *models;
	size_t count;
	kvp_model m;
	kvp_error err;

	(void)state;
	testutil_write_file("override/models/llama2-7b.yaml",
	                    "name: llama2-7b\nlayers: 4\nheads: 32\n"
	                    "kv_heads: 32\nhidden: 4096\n");
	snprintf(user, sizeof user, "%s", scratch_dir("override"));
	dirs[0] = user;
	dirs[1] = KVP_TEST_DATADIR;
	assert_int_equal(kvp_catalog_open(&cat, dirs, 2, &err), KVP_OK);
	assert_int_equal(kvp_catalog_dir_count(cat), 2);
	assert_string_equal(kvp_catalog_dir(cat, 0), user);
	assert_string_equal(kvp_catalog_dir(cat, 1), KVP_TEST_DATADIR);
	assert_null(kvp_catalog_dir(cat, 2));
	assert_int_equal(kvp_catalog_model(cat, "llama2-7b", &m, &err), KVP_OK);
	assert_int_equal(m.layers, 4);
	assert_int_equal(m.head_dim, 128);
	assert_int_equal(kvp_catalog_models(cat, &models, &count, &err), KVP_OK);
	assert_int_equal(count, 16);
	assert_string_equal(models[6].name, "llama2-7b");
	assert_int_equal(models[6].layers, 4);
	assert_int_equal(models[5].layers, 80); /* llama2-70b untouched */
	kvp_catalog_free(&cat);
}

/* The default path is user dirs, then KVPLAN_DATA_PATH in order (empty
 * entries skipped), then the system directory, which need not exist. */
static void test_default_path_order(void **state)
{
	const char *user[1];
	char user_dir[1024], env[3000];
	kvp_catalog *cat;
	kvp_model m;
	kvp_error err;

	(void)state;
	testutil_write_file("envA/models/tiny.yaml",
	                    "name: tiny\nlayers: 1\nheads: 2\nkv_heads: 1\n"
	                    "head_dim: 8\n");
	testutil_write_file("envB/models/tiny.yaml",
	                    "name: tiny\nlayers: 2\nheads: 2\nkv_heads: 1\n"
	                    "head_dim: 8\n");
	testutil_write_file("envU/models/other.yaml",
	                    "name: other\nlayers: 3\nheads: 2\nkv_heads: 2\n"
	                    "head_dim: 8\n");
	snprintf(user_dir, sizeof user_dir, "%s", scratch_dir("envU"));
	user[0] = user_dir;
	/* scratch_dir reuses one buffer: one call per statement. */
	snprintf(env, sizeof env, ":%s::", scratch_dir("envA"));
	snprintf(env + strlen(env), sizeof env - strlen(env), "%s:",
	         scratch_dir("envB"));
	assert_int_equal(setenv("KVPLAN_DATA_PATH", env, 1), 0);
	assert_int_equal(kvp_catalog_open_default(&cat, user, 1,
	                                          "/nonexistent/kvplan", &err),
	                 KVP_OK);
	assert_int_equal(kvp_catalog_dir_count(cat), 4);
	assert_string_equal(kvp_catalog_dir(cat, 0), user_dir);
	assert_string_equal(kvp_catalog_dir(cat, 1), scratch_dir("envA"));
	assert_string_equal(kvp_catalog_dir(cat, 2), scratch_dir("envB"));
	assert_string_equal(kvp_catalog_dir(cat, 3), "/nonexistent/kvplan");
	assert_int_equal(kvp_catalog_model(cat, "tiny", &m, &err), KVP_OK);
	assert_int_equal(m.layers, 1);
	assert_int_equal(kvp_catalog_model(cat, "other", &m, &err), KVP_OK);
	assert_int_equal(m.layers, 3);
	assert_int_equal(kvp_catalog_model(cat, "gpt2", &m, &err),
	                 KVP_ERR_NOT_FOUND);
	kvp_catalog_free(&cat);

	/* With no system directory given, the compiled-in one is last. */
	assert_int_equal(unsetenv("KVPLAN_DATA_PATH"), 0);
	assert_int_equal(kvp_catalog_open_default(&cat, NULL, 0, NULL, &err),
	                 KVP_OK);
	assert_int_equal(kvp_catalog_dir_count(cat), 1);
	assert_string_equal(kvp_catalog_dir(cat, 0), kvp_catalog_system_dir());
	assert_true(kvp_catalog_system_dir()[0] != '\0');
	kvp_catalog_free(&cat);
	/* An empty system directory means none. */
	assert_int_equal(kvp_catalog_open_default(&cat, NULL, 0, "", &err), KVP_OK);
	assert_int_equal(kvp_catalog_dir_count(cat), 0);
	kvp_catalog_free(&cat);
}

/* A missing directory given by the user or in KVPLAN_DATA_PATH is an I/O
 * error naming it; nothing is returned. */
static void test_missing_data_dir(void **state)
{
	const char *dirs[] = {"/nonexistent/kvplan-data"};
	const char *file_dir[1];
	char file_path[1024];
	kvp_catalog *cat = (kvp_catalog *)&cat;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_catalog_open(&cat, dirs, 1, &err), KVP_ERR_IO);
	assert_null(cat);
	assert_string_equal(err.message, "data directory '/nonexistent/kvplan-data': "
	                    "No such file or directory");

	snprintf(file_path, sizeof file_path, "%s",
	         testutil_write_file("plainfile", "x\n"));
	file_dir[0] = file_path;
	assert_int_equal(kvp_catalog_open(&cat, file_dir, 1, &err), KVP_ERR_IO);
	assert_non_null(strstr(err.message, "Not a directory"));

	assert_int_equal(setenv("KVPLAN_DATA_PATH", "/nonexistent/env-dir", 1), 0);
	assert_int_equal(kvp_catalog_open_default(&cat, NULL, 0, KVP_TEST_DATADIR,
	                                          &err), KVP_ERR_IO);
	assert_null(cat);
	assert_string_equal(err.message, "data directory '/nonexistent/env-dir' "
	                    "(from KVPLAN_DATA_PATH): No such file or directory");
	assert_int_equal(unsetenv("KVPLAN_DATA_PATH"), 0);
}

/* Two catalogues over different paths answer independently, and freeing
 * one leaves the other working. */
static void test_two_catalogues_side_by_side(void **state)
{
	const char *dirs[2];
	char user[1024];
	kvp_catalog *a, *b;
	const kvp_device *devices;
	size_t count;
	kvp_device d;

	(void)state;
	testutil_write_file("sidebyside/gpus/h100-sxm.yaml",
	                    "name: h100-sxm\nmemory: 1 GiB\nl2: 1 MiB\n");
	testutil_write_file("sidebyside/gpus/toy.yaml",
	                    "name: toy\naliases: [h100]\nmemory: 2 GiB\nl2: 2 MiB\n");
	snprintf(user, sizeof user, "%s", scratch_dir("sidebyside"));
	dirs[0] = user;
	dirs[1] = KVP_TEST_DATADIR;
	assert_int_equal(kvp_catalog_open(&a, dirs, 2, NULL), KVP_OK);
	assert_int_equal(kvp_catalog_open(&b, dirs + 1, 1, NULL), KVP_OK);
	assert_int_equal(kvp_catalog_device(a, "h100-sxm", &d, NULL), KVP_OK);
	assert_int_equal(d.hbm_bytes, GIB);
	assert_int_equal(kvp_catalog_device(b, "h100-sxm", &d, NULL), KVP_OK);
	assert_int_equal(d.hbm_bytes, 80 * GIB);
	/* The earlier directory's alias wins too. */
	assert_int_equal(kvp_catalog_device(a, "h100", &d, NULL), KVP_OK);
	assert_string_equal(d.name, "toy");
	assert_int_equal(kvp_catalog_device(b, "h100", &d, NULL), KVP_OK);
	assert_string_equal(d.name, "h100-sxm");
	assert_int_equal(kvp_catalog_devices(a, &devices, &count, NULL), KVP_OK);
	assert_int_equal(count, 12);
	kvp_catalog_free(&a);
	assert_int_equal(kvp_catalog_devices(b, &devices, &count, NULL), KVP_OK);
	assert_int_equal(count, 11);
	assert_string_equal(devices[10].name, "v100-32g");
	kvp_catalog_free(&b);
}

/* ---- malformed files --------------------------------------------------- */

/* Writes text as errors/models/STEM.yaml (or gpus/), loads it and checks
 * the status, the position and the whole message, and that the output was
 * left untouched. */
static void expect_error(int device, const char *stem, const char *text,
                         kvp_status status, unsigned long line,
                         unsigned long column, const char *message)
{
	char rel[256], path[1024];
	union {
		kvp_model model;
		kvp_device device;
	} out, untouched;
	kvp_error err;
	kvp_status got;

	snprintf(rel, sizeof rel, "errors/%s/%s.yaml", device ? "gpus" : "models",
	         stem);
	snprintf(path, sizeof path, "%s", testutil_write_file(rel, text));
	memset(&out, 0x5a, sizeof out);
	memcpy(&untouched, &out, sizeof out);
	got = device ? kvp_device_load_file(path, &out.device, &err)
	             : kvp_model_load_file(path, &out.model, &err);
	if (got != status || err.line != line || err.column != column ||
	    strcmp(err.message, message) != 0)
		print_error("got %d %lu:%lu: %s\n", (int)got, err.line, err.column,
		            err.message);
	assert_int_equal(got, status);
	assert_int_equal(err.status, status);
	assert_string_equal(err.path, path);
	assert_int_equal(err.line, line);
	assert_int_equal(err.column, column);
	assert_string_equal(err.message, message);
	assert_memory_equal(&out, &untouched, sizeof out);
}

#define MODEL_OK "name: m\nlayers: 32\nheads: 32\nkv_heads: 8\nhidden: 4096\n"

/* Text that is not YAML: libyaml's problem, its context and the mark. */
static void test_error_yaml_syntax(void **state)
{
	(void)state;
	expect_error(0, "m", "name: m\nlayers: [32, 8\nheads: 8\n", KVP_ERR_PARSE,
	             3, 6, "did not find expected ',' or ']' (while parsing a "
	             "flow sequence at line 2, column 9)");
	expect_error(0, "m", "name: m\nlayers: 32\n  heads: 8\n", KVP_ERR_PARSE,
	             3, 8, "mapping values are not allowed in this context");
	/* Bad UTF-8 comes as a byte offset, turned into line and column. */
	expect_error(0, "m", "name: m\ndescription: ok\xff\n", KVP_ERR_PARSE,
	             2, 16, "invalid leading UTF-8 octet");
}

/* An empty (or comment-only) file, a top level that is not a mapping,
 * and a second document. */
static void test_error_file_shape(void **state)
{
	(void)state;
	expect_error(0, "m", "", KVP_ERR_PARSE, 1, 1,
	             "empty file (expected a mapping of model fields)");
	expect_error(0, "m", "# only a comment\n", KVP_ERR_PARSE, 1, 1,
	             "empty file (expected a mapping of model fields)");
	expect_error(0, "m", "# a list\n- name: m\n", KVP_ERR_PARSE, 2, 1,
	             "expected a mapping of model fields, got a sequence");
	expect_error(0, "m", MODEL_OK "---\nname: n\n", KVP_ERR_PARSE, 6, 1,
	             "a second YAML document (a profile file holds one)");
}

/* A required field missing is reported at the start of the mapping. */
static void test_error_missing_field(void **state)
{
	(void)state;
	expect_error(0, "m", "# comment\nname: m\nlayers: 32\nheads: 32\n"
	             "hidden: 4096\n", KVP_ERR_PARSE, 2, 1,
	             "missing field 'kv_heads'");
	expect_error(0, "m", "name: m\nlayers: 32\nheads: 32\nkv_heads: 8\n",
	             KVP_ERR_PARSE, 1, 1, "missing field 'hidden' or 'head_dim'");
	expect_error(1, "g", "name: g\nmemory: 1 GiB\n", KVP_ERR_PARSE, 1, 1,
	             "missing field 'l2'");
}

/* Values of the wrong type: a quoted string, a sequence or a mapping where
 * a number is expected, a key that is not a plain scalar. */
static void test_error_wrong_type(void **state)
{
	(void)state;
	expect_error(0, "m", "name: m\nlayers: \"32\"\n", KVP_ERR_PARSE, 2, 9,
	             "field 'layers': expected an integer, got a quoted string");
	expect_error(0, "m", "name: m\nlayers: 32\nheads: [1, 2]\n", KVP_ERR_PARSE,
	             3, 8, "field 'heads': expected an integer, got a sequence");
	expect_error(0, "m", "name: m\nlayers: thirty-two\n", KVP_ERR_PARSE, 2, 9,
	             "field 'layers': 'thirty-two' is not an integer");
	expect_error(0, "m", "name: {a: 1}\n", KVP_ERR_PARSE, 1, 7,
	             "field 'name': expected a name, got a mapping");
	expect_error(0, "m", "name: m\naliases: mm\n", KVP_ERR_PARSE, 2, 10,
	             "field 'aliases': expected a sequence of names, got a plain "
	             "scalar");
	expect_error(0, "m", "name: m\n\"layers\": 32\n", KVP_ERR_PARSE, 2, 1,
	             "expected a plain field name, got a quoted string");
	expect_error(0, "m", "name: m\nlayers:\n", KVP_ERR_PARSE, 2, 8,
	             "field 'layers': no value given");
	expect_error(1, "g", "name: g\nmemory: \"80 GiB\"\n", KVP_ERR_PARSE, 2, 9,
	             "field 'memory': expected a size in bytes, got a quoted "
	             "string");
}

/* Integer fields take plain digits only: no sign, no fraction, nothing
 * after the number. */
static void test_error_bad_integers(void **state)
{
	(void)state;
	expect_error(0, "m", "name: m\nlayers: 32\nheads: 32\nkv_heads: -8\n",
	             KVP_ERR_PARSE, 4, 11, "field 'kv_heads': '-8' is negative");
	expect_error(0, "m", "name: m\nlayers: 32x\n", KVP_ERR_PARSE, 2, 9,
	             "field 'layers': '32x' is not an integer");
	expect_error(0, "m", "name: m\nlayers: 32.5\n", KVP_ERR_PARSE, 2, 9,
	             "field 'layers': '32.5' is not an integer");
	expect_error(0, "m", "name: m\nlayers: 3e1\n", KVP_ERR_PARSE, 2, 9,
	             "field 'layers': '3e1' is not an integer");
	expect_error(0, "m", "name: m\nrope_theta: 1e5x\n", KVP_ERR_PARSE, 2, 13,
	             "field 'rope_theta': '1e5x' is not a number");
}

/* Out of range: 2^32 in a 32-bit field, 2^64 in a 64-bit one, a size
 * whose unit takes it past 2^64. */
static void test_error_out_of_range(void **state)
{
	(void)state;
	expect_error(0, "m", "name: m\nlayers: 4294967296\n", KVP_ERR_RANGE, 2, 9,
	             "field 'layers': '4294967296' is out of range (at most "
	             "4294967295)");
	expect_error(0, "m", MODEL_OK "max_context: 18446744073709551616\n",
	             KVP_ERR_OVERFLOW, 6, 14, "field 'max_context': "
	             "'18446744073709551616' does not fit in 64 bits");
	expect_error(0, "m", MODEL_OK "params: 1.9e19\n", KVP_ERR_OVERFLOW, 6, 9,
	             "field 'params': '1.9e19' does not fit in 64 bits");
	/* 2^24 TiB = 2^64 bytes, one past the largest. */
	expect_error(1, "g", "name: g\nmemory: 16777216 TiB\nl2: 1 MiB\n",
	             KVP_ERR_OVERFLOW, 2, 9,
	             "field 'memory': '16777216 TiB' does not fit in 64 bits");
}

/* params may be written with an exponent only when the value is whole;
 * sizes only when they come to whole bytes. */
static void test_error_not_whole(void **state)
{
	(void)state;
	expect_error(0, "m", MODEL_OK "params: 7.245e2\n", KVP_ERR_PARSE, 6, 9,
	             "field 'params': '7.245e2' is not a whole number");
	expect_error(1, "g", "name: g\nmemory: 1 GiB\nl2: 0.5 B\n", KVP_ERR_PARSE,
	             3, 5, "field 'l2': '0.5 B' is not a whole number of bytes");
	expect_error(1, "g", "name: g\nmemory: 1 GiB\nl2: 6 Mb\n", KVP_ERR_PARSE,
	             3, 5, "field 'l2': unknown unit 'Mb' (use B, KiB, MiB, GiB, "
	             "TiB, KB, MB, GB or TB)");
}

/* Loads a model with `line` appended to MODEL_OK into *m. */
static kvp_status load_model_with(const char *line, kvp_model *m,
                                  kvp_error *err)
{
	char text[512], path[1024];

	snprintf(text, sizeof text, MODEL_OK "%s\n", line);
	snprintf(path, sizeof path, "%s",
	         testutil_write_file("numbers/models/m.yaml", text));
	return kvp_model_load_file(path, m, err);
}

/* The same for a GPU with `line` after its name and l2. */
static kvp_status load_device_with(const char *line, kvp_device *d,
                                   kvp_error *err)
{
	char text[512], path[1024];

	snprintf(text, sizeof text, "name: g\nl2: 1 MiB\n%s\n", line);
	snprintf(path, sizeof path, "%s",
	         testutil_write_file("numbers/gpus/g.yaml", text));
	return kvp_device_load_file(path, d, err);
}

/* Whole numbers are exact however many digits they are written with: a
 * value that is not whole is "not a whole number" at any length (and
 * before its size), and only a value of 2^64 or more does not fit. */
static void test_number_edges(void **state)
{
	static const struct {
		const char *line;
		uint64_t value;
	} whole[] = {
		{"params: 18446744073709551615", UINT64_MAX},
		{"params: 1.000000000000000000000e0", 1},
		{"params: 100000000000000000000000000000e-29", 1},
		{"params: 0.00000000000000000000000000000000000000001e41", 1},
		{"params: 1.8446744073709551615e19", UINT64_MAX},
		{"params: 18446744073709551615.000000000000000000000000", UINT64_MAX},
		{"params: 0.0e-5", 0},
		{"max_context: 000000000000000000000000000000000000000042", 42},
	};
	static const struct {
		const char *line;
		kvp_status status;
		const char *message;
	} bad[] = {
		{"params: 18446744073709551616", KVP_ERR_OVERFLOW,
		 "field 'params': '18446744073709551616' does not fit in 64 bits"},
		{"params: 1.8446744073709551616e19", KVP_ERR_OVERFLOW,
		 "field 'params': '1.8446744073709551616e19' does not fit in 64 bits"},
		{"params: 2e19", KVP_ERR_OVERFLOW,
		 "field 'params': '2e19' does not fit in 64 bits"},
		{"params: 1e100000", KVP_ERR_OVERFLOW,
		 "field 'params': '1e100000' does not fit in 64 bits"},
		{"params: 1.00000000000000000001", KVP_ERR_PARSE,
		 "field 'params': '1.00000000000000000001' is not a whole number"},
		{"params: 123456789012345678901234e-4", KVP_ERR_PARSE,
		 "field 'params': '123456789012345678901234e-4' is not a whole number"},
		{"params: 18446744073709551616.5", KVP_ERR_PARSE,
		 "field 'params': '18446744073709551616.5' is not a whole number"},
		{"params: 1e-100000", KVP_ERR_PARSE,
		 "field 'params': '1e-100000' is not a whole number"},
	};
	static const struct {
		const char *line;
		uint64_t bytes;
	} sizes[] = {
		{"memory: 0.0009765625 KiB", 1},
		{"memory: 1.5 KB", 1500},
		{"memory: 0.000001 MB", 1},
		{"memory: 16777215 TiB", UINT64_C(18446742974197923840)},
	};
	kvp_model m;
	kvp_device d;
	kvp_error err;

	(void)state;
	for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++) {
		if (load_model_with(whole[i].line, &m, &err) != KVP_OK)
			print_error("%s: %s\n", whole[i].line, err.message);
		assert_int_equal(load_model_with(whole[i].line, &m, &err), KVP_OK);
		assert_int_equal(strncmp(whole[i].line, "params", 6) == 0
		                 ? m.params : m.max_context, whole[i].value);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(load_model_with(bad[i].line, &m, &err),
		                 bad[i].status);
		assert_int_equal(err.line, 6);
		assert_int_equal(err.column, 9);
		assert_string_equal(err.message, bad[i].message);
	}
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		assert_int_equal(load_device_with(sizes[i].line, &d, &err), KVP_OK);
		assert_int_equal(d.hbm_bytes, sizes[i].bytes);
	}
	assert_int_equal(load_device_with("memory: 0.00048828125 KiB", &d, &err),
	                 KVP_ERR_PARSE);
	assert_string_equal(err.message, "field 'memory': '0.00048828125 KiB' is "
	                    "not a whole number of bytes");
	assert_int_equal(load_device_with("memory: 16777215.99999999999999999999 "
	                                  "TiB", &d, &err), KVP_ERR_PARSE);
	assert_int_equal(load_device_with("memory: 16777216 TiB", &d, &err),
	                 KVP_ERR_OVERFLOW);
	/* A real keeps the leading digits of a long number. */
	assert_int_equal(load_model_with("rope_theta: 1.00000000000000000001e4",
	                                 &m, &err), KVP_OK);
	assert_true(m.rope_theta == 10000.0);
}

/* A key given twice is a duplicate at its second occurrence. */
static void test_error_duplicate_key(void **state)
{
	(void)state;
	expect_error(0, "m", "name: m\nlayers: 32\nheads: 32\nlayers: 40\n",
	             KVP_ERR_DUPLICATE, 4, 1,
	             "duplicate field 'layers' (first given at line 2, column 1)");
}

/* An unknown key names the closest known one, or lists them all. */
static void test_error_unknown_key(void **state)
{
	(void)state;
	expect_error(0, "m", "name: m\nlayrs: 32\n", KVP_ERR_PARSE, 2, 1,
	             "unknown field 'layrs' (did you mean 'layers'?)");
	expect_error(1, "g", "name: g\nhbm: 80 GiB\n", KVP_ERR_PARSE, 2, 1,
	             "unknown field 'hbm' (GPU fields: name, description, aliases, "
	             "memory, l2, llc, bandwidth_gbs, fp16_tflops)");
}

/* The name must be the file name without .yaml, fit KVP_NAME_MAX and keep
 * to the characters of a name; so must aliases.  A long name is quoted
 * cut, with "...". */
static void test_error_name(void **state)
{
	char text[256];

	(void)state;
	expect_error(0, "m", "name: llama2-7b\n", KVP_ERR_PARSE, 1, 7,
	             "field 'name': 'llama2-7b' does not match the file name "
	             "(expected 'm')");
	snprintf(text, sizeof text, "name: %064d\n", 0);
	expect_error(0, "m", text, KVP_ERR_PARSE, 1, 7,
	             "field 'name': '0000000000000000000000000000000000000000000"
	             "000000000000000000000' is longer than 63 bytes");
	snprintf(text, sizeof text, "name: %0120d\n", 0);
	expect_error(0, "m", text, KVP_ERR_PARSE, 1, 7,
	             "field 'name': '0000000000000000000000000000000000000000000"
	             "0000000000000000000000000000000000000000000000000...' is "
	             "longer than 63 bytes");
	expect_error(0, "m", "name: m\naliases: [ok, a/b]\n", KVP_ERR_PARSE, 2, 15,
	             "field 'aliases': 'a/b' is not a valid name " NAME_RULE);
	expect_error(0, "m", "name: \"my model\"\n", KVP_ERR_PARSE, 1, 7,
	             "field 'name': 'my model' is not a valid name " NAME_RULE);
	expect_error(0, "m", "name: m\naliases: [m+1.5_X, .m]\n", KVP_ERR_PARSE,
	             2, 20, "field 'aliases': '.m' is not a valid name " NAME_RULE);
	expect_error(0, "m", "name: m\naliases: [-m]\n", KVP_ERR_PARSE, 2, 11,
	             "field 'aliases': '-m' is not a valid name " NAME_RULE);
	expect_error(0, "m", "name: m\naliases: [\"m,n\"]\n", KVP_ERR_PARSE, 2, 11,
	             "field 'aliases': 'm,n' is not a valid name " NAME_RULE);
	/* A backslash is doubled, so that escapes cannot be forged. */
	expect_error(0, "m", "name: m\naliases: ['m\\x41']\n", KVP_ERR_PARSE, 2,
	             11, "field 'aliases': 'm\\\\x41' is not a valid name "
	             NAME_RULE);
}

/* A control character in a name, an alias or a description (a line
 * break that would forge a second line of a message, a terminal escape,
 * a C1 control) is refused where the value starts, and quoted escaped. */
static void test_error_control_characters(void **state)
{
	char path[1024];
	kvp_model m;
	kvp_error err;

	(void)state;
	expect_error(0, "m", "name: \"m\\nkvplan: all good\"\n", KVP_ERR_PARSE,
	             1, 7, "field 'name': 'm\\nkvplan: all good' is not a valid "
	             "name " NAME_RULE);
	expect_error(0, "m", "name: m\naliases: [\"\\e]0;x\\a\"]\n", KVP_ERR_PARSE,
	             2, 11, "field 'aliases': '\\x1b]0;x\\x07' is not a valid name "
	             NAME_RULE);
	expect_error(0, "m", "name: m\ndescription: \"ok\\e[31m red\"\n",
	             KVP_ERR_PARSE, 2, 14, "field 'description': 'ok\\x1b[31m "
	             "red' holds a control character");
	expect_error(0, "m", "name: m\ndescription: \"a\\tb\"\n", KVP_ERR_PARSE,
	             2, 14, "field 'description': 'a\\tb' holds a control "
	             "character");
	expect_error(1, "g", "name: g\ndescription: \"next\\N line\"\n",
	             KVP_ERR_PARSE, 2, 14, "field 'description': 'next\\xc2\\x85 "
	             "line' holds a control character");
	expect_error(1, "g", "name: g\ndescription: \"\\x9b1m\"\n",
	             KVP_ERR_PARSE, 2, 14, "field 'description': '\\xc2\\x9b1m' "
	             "holds a control character");
	/* Printable UTF-8 is text like any other. */
	snprintf(path, sizeof path, "%s",
	         testutil_write_file("utf8/models/m.yaml",
	                             MODEL_OK "description: Llama \xe2\x80\x94 "
	                             "caf\xc3\xa9 \xe6\xa8\xa1\xe5\x9e\x8b\n"));
	assert_int_equal(kvp_model_load_file(path, &m, &err), KVP_OK);
	assert_string_equal(m.description, "Llama \xe2\x80\x94 caf\xc3\xa9 "
	                    "\xe6\xa8\xa1\xe5\x9e\x8b");
}

/* An alias that repeats the profile's own name or an earlier alias is a
 * duplicate in the file itself, wherever it is read from. */
static void test_error_alias_repeats(void **state)
{
	(void)state;
	expect_error(0, "m", "name: m\naliases: [m]\nlayers: 1\nheads: 1\n"
	             "kv_heads: 1\nhead_dim: 1\n", KVP_ERR_DUPLICATE, 2, 11,
	             "alias 'm' is already the name of model 'm'");
	expect_error(1, "g", "aliases: [x, y, x]\nname: g\nmemory: 1 GiB\n"
	             "l2: 1 MiB\n", KVP_ERR_DUPLICATE, 1, 17,
	             "alias 'x' is already an alias of GPU 'g'");
}

/* A shape kvp_model_finalize rejects is KVP_ERR_SHAPE at the offending
 * field; a device without memory is reported at its memory line. */
static void test_error_shape(void **state)
{
	(void)state;
	expect_error(0, "m", "name: m\nlayers: 32\nheads: 32\nkv_heads: 5\n"
	             "head_dim: 128\n", KVP_ERR_SHAPE, 4, 1,
	             "m: heads 32 is not divisible by kv_heads 5");
	expect_error(0, "m", "name: m\nlayers: 0\nheads: 32\nkv_heads: 8\n"
	             "head_dim: 128\n", KVP_ERR_SHAPE, 2, 1,
	             "m: layers must be at least 1");
	expect_error(0, "m", "name: m\nlayers: 2\nheads: 32\nkv_heads: 8\n"
	             "hidden: 4100\n", KVP_ERR_SHAPE, 5, 1,
	             "m: hidden 4100 is not divisible by heads 32 (give head_dim "
	             "explicitly)");
	expect_error(1, "g", "name: g\nl2: 1 MiB\nmemory: 0\n", KVP_ERR_PARSE, 3, 1,
	             "g: memory size must be non-zero");
}

/* A profile nests two deep at most (its mapping, the aliases sequence):
 * a third level is refused where it starts; two levels of the wrong kind
 * are the field's error. */
static void test_error_nesting_too_deep(void **state)
{
	(void)state;
	expect_error(0, "m", "[[[", KVP_ERR_PARSE, 1, 3,
	             "nested too deep: a profile is one mapping, with at most "
	             "a sequence of aliases in it");
	expect_error(0, "m", "name: m\naliases: [a, [b]]\n", KVP_ERR_PARSE, 2, 14,
	             "nested too deep: a profile is one mapping, with at most "
	             "a sequence of aliases in it");
	expect_error(0, "m", "name: m\nlayers:\n  - - 1\n", KVP_ERR_PARSE, 3, 5,
	             "nested too deep: a profile is one mapping, with at most "
	             "a sequence of aliases in it");
	/* Nesting refusal comes before the errors of the profile. */
	expect_error(0, "m", "layrs: 1\nheads: {a: [1]}\n", KVP_ERR_PARSE, 2, 12,
	             "nested too deep: a profile is one mapping, with at most "
	             "a sequence of aliases in it");
	expect_error(0, "m", "name: m\nheads: {a: 1}\n", KVP_ERR_PARSE, 2, 8,
	             "field 'heads': expected an integer, got a mapping");
	expect_error(0, "m", "name: m\naliases: [a, *b]\n", KVP_ERR_PARSE, 2, 14,
	             "field 'aliases': expected a name, got an alias (*name)");
}

/* Text of the largest size read (1 MiB): `fill` repeated after `before`. */
static char *big_text(const char *before, const char *fill, const char *after)
{
	size_t size = 1024 * 1024, used = strlen(before);
	char *text = malloc(size + 1);

	assert_non_null(text);
	strcpy(text, before);
	while (used + strlen(fill) + strlen(after) <= size) {
		memcpy(text + used, fill, strlen(fill));
		used += strlen(fill);
	}
	strcpy(text + used, after);
	return text;
}

/* 1 MiB of '[', of '{' or of both (libyaml's scanner is quadratic in such
 * runs: minutes for these) is refused at the third level at once; '[' in a
 * comment or a quoted string is no nesting.  The alarm turns a regression
 * into a failure; bench/bench_catalog times it. */
static void test_nesting_refused_early(void **state)
{
	static const char *const fills[] = {"[", "{", "[{", "{a: [", "- "};
	static const unsigned long columns[] = {3, 3, 3, 6, 5};
	char path[1024];
	kvp_model m;
	kvp_error err;
	char *text;

	(void)state;
	alarm(20);
	for (size_t i = 0; i < sizeof fills / sizeof fills[0]; i++) {
		text = big_text("", fills[i], "");
		expect_error(0, "m", text, KVP_ERR_PARSE, 1, columns[i],
		             "nested too deep: a profile is one mapping, with at "
		             "most a sequence of aliases in it");
		free(text);
	}
	text = big_text("name: m\ndescription: \"", "[", "\"\n");
	expect_error(0, "m", text, KVP_ERR_PARSE, 2, 14,
	             "field 'description': longer than 127 bytes");
	free(text);
	text = big_text("name: m\ndescription: '", "[{", "'\n");
	expect_error(0, "m", text, KVP_ERR_PARSE, 2, 14,
	             "field 'description': longer than 127 bytes");
	free(text);
	text = big_text(MODEL_OK "# ", "[", "\n");
	snprintf(path, sizeof path, "%s",
	         testutil_write_file("nesting/models/m.yaml", text));
	free(text);
	assert_int_equal(kvp_model_load_file(path, &m, &err), KVP_OK);
	assert_int_equal(m.layers, 32);
	alarm(0);
}

/* A file that cannot be read: missing (not found) or a directory. */
static void test_error_unreadable(void **state)
{
	kvp_model m;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_model_load_file("/nonexistent/m.yaml", &m, &err),
	                 KVP_ERR_NOT_FOUND);
	assert_string_equal(err.path, "/nonexistent/m.yaml");
	assert_int_equal(err.line, 0);
	assert_string_equal(err.message, "No such file or directory");
	assert_int_equal(kvp_model_load_file(testutil_tmpdir(), &m, &err),
	                 KVP_ERR_IO);
	assert_string_equal(err.message, "not a regular file");
}

/* Sizes in every unit form, exponents in params, and every optional field
 * read back exactly. */
static void test_values_parsed_exactly(void **state)
{
	char path[1024];
	kvp_device d;
	kvp_model m;
	kvp_error err;

	(void)state;
	snprintf(path, sizeof path, "%s",
	         testutil_write_file("values/gpus/g.yaml",
	                             "name: g\ndescription: \"a: quoted text\"\n"
	                             "aliases: [gee, 'g2']\nmemory: 1.5 KiB\n"
	                             "l2: 12345\nllc: 2 GB\nbandwidth_gbs: 0.5\n"
	                             "fp16_tflops: 1e3\n"));
	assert_int_equal(kvp_device_load_file(path, &d, &err), KVP_OK);
	assert_string_equal(d.description, "a: quoted text");
	assert_int_equal(d.hbm_bytes, 1536);
	assert_int_equal(d.l2_bytes, 12345);
	assert_int_equal(d.llc_bytes, UINT64_C(2000000000));
	assert_true(d.bandwidth_gbs == 0.5);
	assert_true(d.fp16_tflops == 1000.0);
	snprintf(path, sizeof path, "%s",
	         testutil_write_file("values/models/m.yaml",
	                             "name: m\nlayers: 1\nheads: 4\nkv_heads: 2\n"
	                             "hidden: 256\nparams: 1.25e3\n"
	                             "max_context: 18446744073709551615\n"));
	assert_int_equal(kvp_model_load_file(path, &m, &err), KVP_OK);
	assert_int_equal(m.head_dim, 64); /* derived: 256 / 4 */
	assert_int_equal(m.params, 1250);
	assert_int_equal(m.max_context, UINT64_MAX);
	assert_int_equal(m.vocab, 0);
}

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
	snprintf(dir, sizeof dir, "%s", scratch_dir("dupalias"));
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
	snprintf(dir, sizeof dir, "%s", scratch_dir("dupname"));
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
	snprintf(dir, sizeof dir, "%s", scratch_dir("many"));
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
	snprintf(first, sizeof first, "%s", scratch_dir("hide1"));
	snprintf(second, sizeof second, "%s", scratch_dir("hide2"));
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

/* One file with 50,000 aliases, the last repeating the first, is refused
 * at the repeat: aliases are compared by sorting, not each with each. */
static void test_many_aliases_in_one_file(void **state)
{
	size_t n = 50000, size = 64 + n * 9;
	char *text = malloc(size);
	size_t used;

	(void)state;
	assert_non_null(text);
	used = (size_t)snprintf(text, size, "name: m\nlayers: 1\nheads: 1\n"
	                        "kv_heads: 1\nhead_dim: 1\naliases:\n");
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(text + used, size - used, "- a%05zu\n",
		                         i + 1 < n ? i : 0);
	alarm(20);
	expect_error(0, "m", text, KVP_ERR_DUPLICATE, (unsigned long)n + 6, 3,
	             "alias 'a00000' is already an alias of model 'm'");
	alarm(0);
	free(text);
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
	snprintf(dir, sizeof dir, "%s", scratch_dir("listbad"));
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
	snprintf(dir, sizeof dir, "%s", scratch_dir("special"));
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

/* A lookup by the exact name of an entry that is not a regular file is an
 * error naming its path, without opening it; so is loading it directly. */
static void test_exact_name_not_regular_file(void **state)
{
	static const char *const names[] = {"fifo", "dir", "sock", "null"};
	const char *dirs[1];
	char path[1200];
	kvp_catalog *cat;
	kvp_model m;
	kvp_error err;

	(void)state;
	dirs[0] = special_dir();
	alarm(20);
	assert_int_equal(kvp_catalog_open(&cat, dirs, 1, &err), KVP_OK);
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(path, sizeof path, "%s/models/%s.yaml", dirs[0], names[i]);
		assert_int_equal(kvp_catalog_model(cat, names[i], &m, &err),
		                 KVP_ERR_IO);
		assert_string_equal(err.path, path);
		assert_int_equal(err.line, 0);
		assert_string_equal(err.message, "not a regular file");
		assert_int_equal(kvp_model_load_file(path, &m, &err), KVP_ERR_IO);
		assert_string_equal(err.message, "not a regular file");
	}
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
	snprintf(user, sizeof user, "%s", scratch_dir("unreadable\nx"));
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
	assert_int_equal(count, 16);
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
	snprintf(user, sizeof user, "%s", scratch_dir("unreadable-oom"));
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

/* Every allocation made while opening a catalogue, looking up a name and
 * an alias and listing both kinds fails in turn: each failure is
 * KVP_ERR_NOMEM and, once the catalogue is freed, no block is left. */
static void test_allocation_failures(void **state)
{
	const char *user[1];
	char user_dir[1024];
	unsigned long n;
	bool done = false;

	(void)state;
	testutil_write_file("oom/models/gpt2.yaml",
	                    "name: gpt2\naliases: [small]\nlayers: 2\n"
	                    "heads: 12\nkv_heads: 12\nhidden: 768\n");
	snprintf(user_dir, sizeof user_dir, "%s", scratch_dir("oom"));
	user[0] = user_dir;
	for (n = 1; !done; n++) {
		long live = testutil_live_blocks();
		kvp_catalog *cat = NULL;
		const kvp_model *models;
		const kvp_device *devices;
		size_t count;
		kvp_model m;
		kvp_device d;
		kvp_error err;
		kvp_status status;

		testutil_fail_at(n);
		status = kvp_catalog_open_default(&cat, user, 1, KVP_TEST_DATADIR, &err);
		if (status == KVP_OK)
			status = kvp_catalog_model(cat, "gpt2", &m, &err);
		if (status == KVP_OK)
			status = kvp_catalog_device(cat, "h100", &d, &err);
		if (status == KVP_OK)
			status = kvp_catalog_model(cat, "small", &m, &err);
		if (status == KVP_OK)
			status = kvp_catalog_models(cat, &models, &count, &err);
		if (status == KVP_OK)
			status = kvp_catalog_devices(cat, &devices, &count, &err);
		if (status == KVP_OK) {
			done = true;
			assert_int_equal(m.layers, 2);
			assert_string_equal(d.name, "h100-sxm");
		} else {
			assert_int_equal(status, KVP_ERR_NOMEM);
			assert_int_equal(err.status, KVP_ERR_NOMEM);
		}
		kvp_catalog_free(&cat);
		testutil_fail_at(0);
		assert_int_equal(testutil_live_blocks(), live);
	}
	/* The catalogue makes dozens of allocations; all were tried. */
	assert_true(n > 30);
}

/* The same for loading one file, valid or malformed: each failure is
 * KVP_ERR_NOMEM (a malformed file otherwise gives its parse error). */
static void test_allocation_failures_load_file(void **state)
{
	char bad[1024];
	unsigned long n;
	bool done = false;

	(void)state;
	snprintf(bad, sizeof bad, "%s",
	         testutil_write_file("oomfile/models/m.yaml",
	                             "name: m\naliases: [a, b]\nlayers: 32\n"
	                             "heads: 32\nkv_heads: 5\nhidden: 4096\n"));
	for (n = 1; !done; n++) {
		long live = testutil_live_blocks();
		kvp_model m;
		kvp_error err;
		kvp_status good, broken;

		testutil_fail_at(n);
		good = kvp_model_load_file(KVP_TEST_DATADIR "/models/llama2-7b.yaml",
		                           &m, &err);
		broken = kvp_model_load_file(bad, &m, &err);
		testutil_fail_at(0);
		assert_int_equal(testutil_live_blocks(), live);
		assert_true(good == KVP_OK || good == KVP_ERR_NOMEM);
		assert_true(broken == KVP_ERR_SHAPE || broken == KVP_ERR_NOMEM);
		done = good == KVP_OK && broken == KVP_ERR_SHAPE;
	}
}

/* Every function takes a NULL kvp_error, and NULL handles are harmless. */
static void test_null_arguments(void **state)
{
	kvp_catalog *cat = NULL;
	kvp_model m;

	(void)state;
	assert_int_equal(kvp_catalog_open(NULL, NULL, 0, NULL), KVP_ERR_INVALID);
	assert_int_equal(kvp_catalog_open(&cat, NULL, 1, NULL), KVP_ERR_INVALID);
	assert_null(cat);
	assert_int_equal(kvp_model_load_file(NULL, &m, NULL), KVP_ERR_INVALID);
	assert_int_equal(kvp_catalog_dir_count(NULL), 0);
	assert_null(kvp_catalog_dir(NULL, 0));
	kvp_catalog_free(NULL);
	kvp_catalog_free(&cat);
	/* An empty path is a valid, empty catalogue. */
	assert_int_equal(kvp_catalog_open(&cat, NULL, 0, NULL), KVP_OK);
	assert_int_equal(kvp_catalog_model(cat, "gpt2", &m, NULL),
	                 KVP_ERR_NOT_FOUND);
	kvp_catalog_free(&cat);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shipped_models_match_reference),
		cmocka_unit_test(test_shipped_rope_theta),
		cmocka_unit_test(test_falcon7b_is_mqa),
		cmocka_unit_test(test_shipped_devices_match_reference),
		cmocka_unit_test(test_h100_sxm_bytes),
		cmocka_unit_test(test_family_aliases),
		cmocka_unit_test(test_lookup_ignores_case),
		cmocka_unit_test(test_listing_sorted),
		cmocka_unit_test(test_unknown_name_suggestions),
		cmocka_unit_test(test_invalid_lookup_names),
		cmocka_unit_test(test_lookup_text_escaped),
		cmocka_unit_test(test_user_dir_overrides_shipped),
		cmocka_unit_test(test_default_path_order),
		cmocka_unit_test(test_missing_data_dir),
		cmocka_unit_test(test_two_catalogues_side_by_side),
		cmocka_unit_test(test_error_yaml_syntax),
		cmocka_unit_test(test_error_file_shape),
		cmocka_unit_test(test_error_missing_field),
		cmocka_unit_test(test_error_wrong_type),
		cmocka_unit_test(test_error_bad_integers),
		cmocka_unit_test(test_error_out_of_range),
		cmocka_unit_test(test_error_not_whole),
		cmocka_unit_test(test_number_edges),
		cmocka_unit_test(test_error_duplicate_key),
		cmocka_unit_test(test_error_unknown_key),
		cmocka_unit_test(test_error_name),
		cmocka_unit_test(test_error_control_characters),
		cmocka_unit_test(test_error_alias_repeats),
		cmocka_unit_test(test_error_shape),
		cmocka_unit_test(test_error_nesting_too_deep),
		cmocka_unit_test(test_nesting_refused_early),
		cmocka_unit_test(test_error_unreadable),
		cmocka_unit_test(test_values_parsed_exactly),
		cmocka_unit_test(test_error_duplicate_alias),
		cmocka_unit_test(test_listing_reports_malformed_file),
		cmocka_unit_test(test_many_files_duplicates),
		cmocka_unit_test(test_many_files_hiding),
		cmocka_unit_test(test_many_aliases_in_one_file),
		cmocka_unit_test(test_scan_skips_non_regular_files),
		cmocka_unit_test(test_exact_name_not_regular_file),
		cmocka_unit_test(test_unreadable_dir_skipped),
		cmocka_unit_test(test_allocation_failures),
		cmocka_unit_test(test_allocation_failures_warning),
		cmocka_unit_test(test_allocation_failures_load_file),
		cmocka_unit_test(test_null_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
