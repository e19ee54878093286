/*
 * test_catalog.c — unit tests for lib/catalog.c: the shipped YAML profiles
 * against reference-data.md, lookup and listing over a search path, names
 * and text in messages, the default path, allocation failures.  Scans are
 * tested in test_scan.c, one file's parsing in test_profile.c.
 */
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

#define GIB UINT64_C(1073741824)
#define MIB UINT64_C(1048576)

/* reference-data.md §2, sorted by name as the listing is; kv_bytes_per_token
 * is the fp16 "KV B/tok" column, params exact: the commas figure there, or,
 * where the table has a model card's ≈ figure, the count computed from the
 * config in the profile's comment (each rounds to the ≈ figure). */
static const struct model_row {
	const char *name;
	uint32_t layers, hidden, heads, kv_heads, head_dim, vocab;
	uint64_t max_context, params, kv_bytes_per_token;
} model_rows[] = {
	{"falcon-40b", 60, 8192, 128, 8, 64, 65024, 2048, UINT64_C(41303293952), 122880},
	{"falcon-7b", 32, 4544, 71, 1, 64, 65024, 2048, UINT64_C(6921720704), 8192},
	{"gemma2-9b", 42, 3584, 16, 8, 256, 256000, 8192, UINT64_C(9241705984), 344064},
	{"gpt2", 12, 768, 12, 12, 64, 50257, 1024, UINT64_C(124439808), 36864},
	{"llama2-13b", 40, 5120, 40, 40, 128, 32000, 4096, UINT64_C(13015864320), 819200},
	{"llama2-70b", 80, 8192, 64, 8, 128, 32000, 4096, UINT64_C(68976648192), 327680},
	{"llama2-7b", 32, 4096, 32, 32, 128, 32000, 4096, UINT64_C(6738415616), 524288},
	{"llama3-70b", 80, 8192, 64, 8, 128, 128256, 8192, UINT64_C(70553706496), 327680},
	{"llama3-8b", 32, 4096, 32, 8, 128, 128256, 8192, UINT64_C(8030261248), 131072},
	{"llama3.1-405b", 126, 16384, 128, 8, 128, 128256, 131072, UINT64_C(405853388800), 516096},
	{"minimind2-small", 8, 512, 8, 2, 64, 6400, 8192, UINT64_C(25829888), 4096},
	{"mistral-7b", 32, 4096, 32, 8, 128, 32000, 32768, UINT64_C(7241732096), 131072},
	{"mixtral-8x7b", 32, 4096, 32, 8, 128, 32000, 32768, UINT64_C(46702792704), 131072},
	{"phi3-mini", 32, 3072, 32, 32, 96, 32064, 4096, UINT64_C(3821079552), 393216},
	{"qwen2.5-72b", 80, 8192, 64, 8, 128, 152064, 131072, UINT64_C(72706203648), 327680},
	{"qwen2.5-7b", 28, 3584, 28, 4, 128, 152064, 131072, UINT64_C(7615616512), 57344},
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
	{"a6000", 48 * GIB, 6 * MIB, 0, 768, 154.8},
	/* 126.5 MiB, the driver's 129536 KiB (the tuning guide's "126 MB");
	 * the datasheet's HGX column: 7.7 TB/s, 4.5 PFLOPS sparse. */
	{"b200", 180 * GIB, 132644864, 0, 7700, 2250},
	/* the datasheet's HGX B300 270 GB, 7.7 TB/s, 4.5 PFLOPS sparse; L2
	 * the driver's 126 MiB, printed in whole MiB. */
	{"b300", 270 * GIB, 126 * MIB, 0, 7700, 2250},
	{"h100-pcie", 80 * GIB, 50 * MIB, 0, 2000, 756},
	{"h100-sxm", 80 * GIB, 50 * MIB, 0, 3350, 989},
	/* TensorRT-LLM's cluster_info.py; L2 the driver's 61440 KiB. */
	{"h20", 96 * GIB, 60 * MIB, 0, 4000, 147},
	/* L2 read from one: l2CacheSize 62,914,560 (driver 580.159.04). */
	{"h200", 141 * GIB, 60 * MIB, 0, 4800, 989},
	{"l4", 24 * GIB, 48 * MIB, 0, 300, 121},
	{"l40s", 48 * GIB, 96 * MIB, 0, 864, 362.05},
	{"mi300x", 192 * GIB, 32 * MIB, 256 * MIB, 5300, 1307},
	{"mi325x", 256 * GIB, 32 * MIB, 256 * MIB, 6000, 1307.4},
	{"mi355x", 288 * GIB, 32 * MIB, 256 * MIB, 8000, 2516.6},
	{"rtx4090", 24 * GIB, 72 * MIB, 0, 1008, 165},
	{"rtx5090", 32 * GIB, 96 * MIB, 0, 1792, 209.5},
	{"rtx6000-ada", 48 * GIB, 96 * MIB, 0, 960, 364.2},
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

/* The GPUs added from vendor sheets load, by name and by alias, with the
 * byte counts spelt out in each file's comment, written here as plain
 * numbers so that a typo in a unit or a figure is caught. */
static void test_added_devices_bytes(void **state)
{
	static const struct {
		const char *name, *alias;
		uint64_t hbm_bytes, l2_bytes, llc_bytes;
	} rows[] = {
		{"rtx6000-ada", "rtx-6000-ada", UINT64_C(51539607552),
		 UINT64_C(100663296), 0},
		{"a6000", "rtx-a6000", UINT64_C(51539607552), UINT64_C(6291456), 0},
		{"l40s", "L40S", UINT64_C(51539607552), UINT64_C(100663296), 0},
		{"rtx5090", "rtx-5090", UINT64_C(34359738368), UINT64_C(100663296),
		 0},
		{"mi325x", "MI325X", UINT64_C(274877906944), UINT64_C(33554432),
		 UINT64_C(268435456)},
		{"mi355x", "MI355X", UINT64_C(309237645312), UINT64_C(33554432),
		 UINT64_C(268435456)},
	};
	kvp_catalog *cat = open_shipped();

	(void)state;
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		kvp_device d;
		kvp_error err;

		assert_int_equal(kvp_catalog_device(cat, rows[i].name, &d, &err),
		                 KVP_OK);
		assert_int_equal(d.hbm_bytes, rows[i].hbm_bytes);
		assert_int_equal(d.l2_bytes, rows[i].l2_bytes);
		assert_int_equal(d.llc_bytes, rows[i].llc_bytes);
		assert_true(d.bandwidth_gbs > 0 && d.fp16_tflops > 0);
		assert_int_equal(kvp_device_check(&d, &err), KVP_OK);
		memset(&d, 0, sizeof d);
		assert_int_equal(kvp_catalog_device(cat, rows[i].alias, &d, &err),
		                 KVP_OK);
		assert_string_equal(d.name, rows[i].name);
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

/* Listing gives every shipped model and GPU, sorted by name, and the same
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
	/* data/models holds 50 profiles; the rows above are among them, in
	 * the same order, and the listing is sorted by name. */
	assert_int_equal(n_models, testutil_count_yaml(KVP_TEST_DATADIR "/models"));
	for (size_t i = 1; i < n_models; i++)
		assert_true(strcmp(models[i - 1].name, models[i].name) < 0);
	for (size_t i = 0, j = 0; i < N_MODELS; i++) {
		while (j < n_models && strcmp(models[j].name, model_rows[i].name) != 0)
			j++;
		assert_true(j < n_models);
		check_model_row(&models[j], &model_rows[i]);
	}
	assert_int_equal(kvp_catalog_models(cat, &again, &n_models, &err), KVP_OK);
	assert_ptr_equal(again, models);
	assert_int_equal(kvp_catalog_devices(cat, &devices, &n_devices, &err),
	                 KVP_OK);
	assert_int_equal(n_devices, N_DEVICES);
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
	char known[128];

	(void)state;
	assert_int_equal(kvp_catalog_model(cat, "llama2-7", &m, &err),
	                 KVP_ERR_NOT_FOUND);
	assert_string_equal(err.message,
	                    "unknown model 'llama2-7' (did you mean llama2-7b?)");
	assert_string_equal(err.path, "");
	/* a10, h100 (an alias) and h20 are one edit from h10; h200 is two. */
	assert_int_equal(kvp_catalog_device(cat, "h10", &d, &err),
	                 KVP_ERR_NOT_FOUND);
	assert_string_equal(err.message,
	                    "unknown GPU 'h10' (did you mean a10, h100, h20?)");
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
	snprintf(known, sizeof known, "unknown model 'xyzzy' (known: %zu models)",
	         testutil_count_yaml(KVP_TEST_DATADIR "/models"));
	assert_string_equal(err.message, known);
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
	                    TESTUTIL_NAME_RULE);
	assert_int_equal(kvp_catalog_device(cat, "h100\nkvplan: ok", &d, &err),
	                 KVP_ERR_INVALID);
	assert_string_equal(err.message, "invalid GPU name 'h100\\nkvplan: ok' "
	                    TESTUTIL_NAME_RULE);
	assert_int_equal(kvp_catalog_model(cat, "\xc2\x9b" "31m", &m, &err),
	                 KVP_ERR_INVALID);
	assert_string_equal(err.message, "invalid model name '\\xc2\\x9b31m' "
	                    TESTUTIL_NAME_RULE);
	assert_int_equal(kvp_catalog_model(cat, ".hidden", &m, &err),
	                 KVP_ERR_INVALID);
	assert_int_equal(kvp_catalog_model(cat, "a b", &m, &err), KVP_ERR_INVALID);
	kvp_catalog_free(&cat);
	assert_int_equal(kvp_catalog_open(&none, dirs, 1, &err), KVP_ERR_IO);
	assert_string_equal(err.message, "data directory '/nonexistent/a\\nkvplan: "
	                    "b\\x1b[2J': No such file or directory");
}

/* A file in an earlier directory beats the shipped one of the same name,
 * in lookups and in the listing (which still has the shipped count). */
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
	snprintf(user, sizeof user, "%s", testutil_scratch_dir("override"));
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
	assert_int_equal(count, testutil_count_yaml(KVP_TEST_DATADIR "/models"));
	for (size_t i = 0; i < count; i++) {
		if (strcmp(models[i].name, "llama2-7b") == 0)
			assert_int_equal(models[i].layers, 4);
		if (strcmp(models[i].name, "llama2-70b") == 0)
			assert_int_equal(models[i].layers, 80); /* untouched */
	}
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
	snprintf(user_dir, sizeof user_dir, "%s", testutil_scratch_dir("envU"));
	user[0] = user_dir;
	/* testutil_scratch_dir reuses one buffer: one call per statement. */
	snprintf(env, sizeof env, ":%s::", testutil_scratch_dir("envA"));
	snprintf(env + strlen(env), sizeof env - strlen(env), "%s:",
	         testutil_scratch_dir("envB"));
	assert_int_equal(setenv("KVPLAN_DATA_PATH", env, 1), 0);
	assert_int_equal(kvp_catalog_open_default(&cat, user, 1,
	                                          "/nonexistent/kvplan", &err),
	                 KVP_OK);
	assert_int_equal(kvp_catalog_dir_count(cat), 4);
	assert_string_equal(kvp_catalog_dir(cat, 0), user_dir);
	assert_string_equal(kvp_catalog_dir(cat, 1), testutil_scratch_dir("envA"));
	assert_string_equal(kvp_catalog_dir(cat, 2), testutil_scratch_dir("envB"));
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
	snprintf(user, sizeof user, "%s", testutil_scratch_dir("sidebyside"));
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
	assert_int_equal(count, N_DEVICES + 1);
	kvp_catalog_free(&a);
	assert_int_equal(kvp_catalog_devices(b, &devices, &count, NULL), KVP_OK);
	assert_int_equal(count, N_DEVICES);
	assert_string_equal(devices[N_DEVICES - 1].name, "v100-32g");
	kvp_catalog_free(&b);
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
	snprintf(user_dir, sizeof user_dir, "%s", testutil_scratch_dir("oom"));
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
		cmocka_unit_test(test_added_devices_bytes),
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
		cmocka_unit_test(test_allocation_failures),
		cmocka_unit_test(test_null_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
