/*
 * test_validate.c — unit tests for kvp_validate_run and its plan: counted
 * cache bytes equal the prediction for every catalogue model, layout and
 * storage type; the reference run passes; runs that do not fit are refused
 * before anything is allocated; every allocation failure comes back as an
 * error with nothing leaked.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"
#include "ref/ref.h"
#include "testutil.h"

static const kvp_dtype storage_types[] = {KVP_DTYPE_FP32, KVP_DTYPE_FP16,
                                          KVP_DTYPE_BF16};

#define GIB (1024ull * 1024 * 1024)

/* Small reference runs, so a sweep over the catalogue stays quick; the
 * available memory is fixed so the result does not depend on the host. */
static kvp_validate_options small_options(kvp_layout layout)
{
	kvp_validate_options o;

	kvp_validate_options_init(&o);
	o.layout = layout;
	o.block_size = 8;
	o.ref_layers = 1;
	o.ref_positions = 8;
	o.ref_hidden = 32;
	o.available_bytes = 64 * GIB;
	return o;
}

static void check_run(const kvp_model *m, kvp_dtype dtype, uint64_t seq,
                      uint64_t batch, const kvp_validate_options *o)
{
	kvp_validate_result r;
	kvp_error err;
	uint64_t predicted;
	long live = testutil_live_blocks();
	kvp_status st = kvp_validate_run(m, dtype, seq, batch, o, &r, &err);

	if (st != KVP_OK)
		fail_msg("%s: %s", m->name, err.message);
	assert_int_equal(kvp_layout_predict(m, dtype, o->layout, seq, batch,
	                                    o->block_size, &predicted, NULL), KVP_OK);
	if (r.measured_bytes != predicted || r.predicted_bytes != predicted ||
	    r.ref_measured_bytes != r.ref_predicted_bytes || !r.passed)
		fail_msg("%s %s %s seq %llu: predicted %llu, counted %llu, reference %llu/%llu, error %g",
		         m->name, kvp_dtype_name(dtype), kvp_layout_name(o->layout),
		         (unsigned long long)seq, (unsigned long long)predicted,
		         (unsigned long long)r.measured_bytes,
		         (unsigned long long)r.ref_measured_bytes,
		         (unsigned long long)r.ref_predicted_bytes, r.max_abs_error);
	assert_true(r.max_abs_error <= r.tolerance);
	assert_true(r.overrun_refused);
	assert_int_equal(r.peak_bytes[KVP_MEM_CACHE], predicted > r.ref_measured_bytes
	                                              ? predicted : r.ref_measured_bytes);
	assert_true(r.peak_bytes[KVP_MEM_WEIGHTS] > 0);
	assert_int_equal(testutil_live_blocks(), live);
}

/* Every model in the catalogue, at seq 20 (not a multiple of the block
 * size 8) and batch 2: the bytes counted equal the prediction in both
 * layouts and all three storage types, and the reference run passes. */
static void test_every_catalogue_model(void **state)
{
	const char *dirs[] = {KVP_TEST_DATADIR};
	const kvp_model *models;
	kvp_catalog *catalog = NULL;
	kvp_error err;
	size_t count = 0; /* clang cannot see that fail_msg does not return */

	(void)state;
	if (kvp_catalog_open(&catalog, dirs, 1, &err) != KVP_OK ||
	    kvp_catalog_models(catalog, &models, &count, &err) != KVP_OK) {
		kvp_catalog_free(&catalog);
		fail_msg("catalogue: %s", err.message);
	}
	assert_true(count >= 10);
	for (size_t i = 0; i < count; i++) {
		kvp_validate_plan plan;
		bool full = kvp_model_count_layers(&models[i], KVP_LAYER_FULL) ==
		            models[i].layers && !models[i].ssm_parallel;

		/* A model with other kinds of layer, or a state beside its
		 * attention (Falcon-H1), is refused, saying so. */
		if (!full) {
			assert_int_equal(kvp_validate_plan_compute(&models[i], KVP_DTYPE_FP16,
			                                           20, 2, NULL, &plan, &err),
			                 KVP_ERR_UNSUPPORTED);
			assert_non_null(strstr(err.message, "full-attention layers only"));
			continue;
		}
		for (int layout = 0; layout < KVP_LAYOUT_COUNT; layout++)
			for (size_t t = 0; t < 3; t++) {
				kvp_validate_options o = small_options((kvp_layout)layout);

				check_run(&models[i], storage_types[t], 20, 2, &o);
			}
	}
	kvp_catalog_free(&catalog);
}

/* Shapes written out here (so they do not depend on the catalogue):
 * llama2-7b (MHA), llama3-8b (GQA), falcon-7b (MQA, 71 heads of 64), with
 * the default reference depth and width (two layers, hidden 512). */
static void test_models_from_numbers(void **state)
{
	static const kvp_model models[] = {
		{.name = "llama2-7b", .layers = 32, .hidden = 4096, .heads = 32,
		 .kv_heads = 32},
		{.name = "llama3-8b", .layers = 32, .hidden = 4096, .heads = 32,
		 .kv_heads = 8, .rope_theta = 500000},
		{.name = "falcon-7b", .layers = 32, .hidden = 4544, .heads = 71,
		 .kv_heads = 1},
	};

	(void)state;
	for (size_t i = 0; i < 3; i++)
		for (int layout = 0; layout < KVP_LAYOUT_COUNT; layout++) {
			kvp_validate_options o;

			kvp_validate_options_init(&o);
			o.layout = (kvp_layout)layout;
			o.available_bytes = 64 * GIB;
			o.ref_positions = 24;
			check_run(&models[i], KVP_DTYPE_FP16, 64, 2, &o);
		}
}

/* The defaults of the reference run, as the result reports them. */
static void test_default_reference_run(void **state)
{
	kvp_model m = {.name = "llama3-8b", .layers = 32, .hidden = 4096,
	               .heads = 32, .kv_heads = 8, .rope_theta = 500000};
	kvp_validate_options o;
	kvp_validate_result r;

	(void)state;
	kvp_validate_options_init(&o);
	o.layout = KVP_LAYOUT_PAGED;
	o.available_bytes = 64 * GIB;
	assert_int_equal(kvp_validate_run(&m, KVP_DTYPE_BF16, 64, 1, &o, &r, NULL),
	                 KVP_OK);
	assert_int_equal(r.ref_layers, 2);
	assert_int_equal(r.ref_positions, 64);
	assert_int_equal(r.ref_prompt, 32);
	assert_int_equal(r.ref_batch, 1);
	assert_int_equal(r.ref_hidden, 512);
	assert_int_equal(r.block_size, 16);
	assert_true(r.tolerance == 1e-5);
	assert_true(r.passed);
}

/* A prompt of one token, and a prompt as long as the whole reference run. */
static void test_prompt_extremes(void **state)
{
	kvp_model m = {.name = "tiny", .layers = 3, .heads = 4, .kv_heads = 2,
	               .head_dim = 8};
	kvp_validate_options o = small_options(KVP_LAYOUT_PAGED);

	(void)state;
	o.ref_prompt = 1;
	o.ref_layers = 3;
	check_run(&m, KVP_DTYPE_FP32, 13, 3, &o);
	o.ref_prompt = 1000;
	check_run(&m, KVP_DTYPE_BF16, 13, 3, &o);
}

/* Zeroed options are the defaults (seed 0 aside). */
static void test_zeroed_options(void **state)
{
	kvp_model m = {.name = "tiny", .layers = 1, .heads = 2, .kv_heads = 1,
	               .head_dim = 4};
	kvp_validate_options o;
	kvp_validate_result r;

	(void)state;
	memset(&o, 0, sizeof o);
	o.available_bytes = GIB;
	assert_int_equal(kvp_validate_run(&m, KVP_DTYPE_FP32, 300, 3, &o, &r, NULL),
	                 KVP_OK);
	assert_int_equal(r.ref_layers, 1);
	assert_int_equal(r.ref_positions, 256);
	assert_int_equal(r.ref_prompt, 128);
	assert_int_equal(r.ref_batch, 2);
	assert_int_equal(r.ref_hidden, 8);
	assert_true(r.passed);
	assert_int_equal(kvp_validate_run(&m, KVP_DTYPE_FP32, 3, 1, NULL, &r, NULL),
	                 KVP_OK);
	assert_true(r.passed);
}

/* Too little memory: KVP_ERR_NO_FIT with both sizes in the message, before
 * a single allocation. */
static void test_refused_when_it_does_not_fit(void **state)
{
	kvp_model m = {.name = "llama3.1-405b", .layers = 126, .hidden = 16384,
	               .heads = 128, .kv_heads = 8};
	kvp_validate_options o;
	kvp_validate_result r;
	kvp_validate_plan plan;
	kvp_error err;
	uint64_t predicted;

	(void)state;
	kvp_validate_options_init(&o);
	o.available_bytes = 16 * GIB;
	testutil_fail_at(0);
	assert_int_equal(kvp_validate_run(&m, KVP_DTYPE_FP32, 131072, 1, &o, &r,
	                                  &err), KVP_ERR_NO_FIT);
	assert_int_equal(testutil_alloc_calls(), 0);
	assert_non_null(strstr(err.message, "126.0 GiB"));
	assert_non_null(strstr(err.message, "16.0 GiB available"));
	assert_non_null(strstr(err.message, "llama3.1-405b"));

	assert_int_equal(kvp_validate_plan_compute(&m, KVP_DTYPE_FP16, 131072, 1, &o,
	                                           &plan, &err), KVP_ERR_NO_FIT);
	assert_int_equal(kvp_layout_predict(&m, KVP_DTYPE_FP16, KVP_LAYOUT_CONTIGUOUS,
	                                    131072, 1, 0, &predicted, NULL), KVP_OK);
	assert_int_equal(plan.cache_bytes, predicted);
	assert_int_equal(plan.needed_bytes, predicted);
	assert_int_equal(plan.available_bytes, 16 * GIB);
	assert_false(plan.fits);

	/* Against the real host's MemAvailable, 2^40 tokens never fit. */
	o.available_bytes = 0;
	assert_int_equal(kvp_validate_run(&m, KVP_DTYPE_FP16, 1ull << 40, 1, &o, &r,
	                                  &err), KVP_ERR_NO_FIT);
}

/* A fake host at TMP/NAME/{proc,sys}: MemAvailable 24347332 kB
 * (24931667968 B, 23.2 GiB), the process in cgroup v2 /CGROUP (none when
 * NULL) with memory.max LIMIT and memory.current 4194304 (4 MiB). */
static void fake_host(const char *name, const char *cgroup, const char *limit,
                      char *proc, char *sys, size_t size)
{
	char rel[256], text[256];

	snprintf(rel, sizeof rel, "%s/proc/meminfo", name);
	testutil_write_file(rel, "MemTotal:       24684092 kB\n"
	                         "MemFree:        24308916 kB\n"
	                         "MemAvailable:   24347332 kB\n");
	snprintf(rel, sizeof rel, "%s/sys/fs/cgroup/cgroup.controllers", name);
	testutil_write_file(rel, "cpu memory\n");
	if (cgroup) {
		snprintf(rel, sizeof rel, "%s/proc/self/cgroup", name);
		snprintf(text, sizeof text, "0::/%s\n", cgroup);
		testutil_write_file(rel, text);
		snprintf(rel, sizeof rel, "%s/sys/fs/cgroup/%s/memory.max", name, cgroup);
		testutil_write_file(rel, limit);
		snprintf(rel, sizeof rel, "%s/sys/fs/cgroup/%s/memory.current", name,
		         cgroup);
		testutil_write_file(rel, "4194304\n");
	}
	snprintf(proc, size, "%s/%s/proc", testutil_tmpdir(), name);
	snprintf(sys, size, "%s/%s/sys", testutil_tmpdir(), name);
}

/* In a memory cgroup of 300 MiB with 4 MiB in use, 296 MiB is available
 * (314572800 - 4194304 = 310378496), not the host's 23.2 GiB: llama2-7b
 * at seq 4096 needs its 2 GiB fp16 cache (524288 * 4096 = 2147483648) and
 * is refused, before any allocation, with the cgroup named; at seq 256
 * (128 MiB of cache) it fits.  Past the host's own memory (seq 65536:
 * 32 GiB) without a cgroup, the message is the host's.  A limit file that
 * says nothing readable is ignored, not a refusal: seq 4096 fits the host.
 * A cgroup name with a tab in it is shown escaped. */
static void test_refused_in_memory_cgroup(void **state)
{
	kvp_model m = {.name = "llama2-7b", .layers = 32, .hidden = 4096,
	               .heads = 32, .kv_heads = 32};
	char proc[600], sys[600];
	kvp_validate_plan plan;
	kvp_error err;

	(void)state;
	fake_host("cg300", "user.slice/kvtest", "314572800\n", proc, sys, 600);
	testutil_fail_at(0);
	assert_int_equal(kvp__validate_plan_at(proc, sys, &m, KVP_DTYPE_FP16, 4096,
	                                       1, NULL, &plan, &err),
	                 KVP_ERR_NO_FIT);
	assert_int_equal(testutil_alloc_calls(), 0);
	assert_int_equal(plan.needed_bytes, 2147483648ull);
	assert_int_equal(plan.available_bytes, 310378496);
	assert_false(plan.fits);
	assert_string_equal(err.message,
	                    "validation of llama2-7b at seq 4096, batch 1 needs 2.0 GiB"
	                    " (2.0 GiB of contiguous fp16 cache) but only 296.0 MiB is"
	                    " available in memory cgroup /user.slice/kvtest"
	                    " (limit 300.0 MiB, 4.0 MiB in use)");
	assert_int_equal(kvp__validate_plan_at(proc, sys, &m, KVP_DTYPE_FP16, 256, 1,
	                                       NULL, &plan, &err), KVP_OK);
	assert_int_equal(plan.available_bytes, 310378496);
	assert_true(plan.fits);

	fake_host("nocg", NULL, NULL, proc, sys, 600);
	assert_int_equal(kvp__validate_plan_at(proc, sys, &m, KVP_DTYPE_FP16, 65536,
	                                       1, NULL, &plan, &err),
	                 KVP_ERR_NO_FIT);
	assert_int_equal(plan.available_bytes, 24931667968ull);
	assert_string_equal(err.message,
	                    "validation of llama2-7b at seq 65536, batch 1 needs 32.0 GiB"
	                    " (32.0 GiB of contiguous fp16 cache) but the host has"
	                    " 23.2 GiB available");

	fake_host("cgbad", "kvtest", "300M\n", proc, sys, 600);
	assert_int_equal(kvp__validate_plan_at(proc, sys, &m, KVP_DTYPE_FP16, 4096,
	                                       1, NULL, &plan, &err), KVP_OK);
	assert_int_equal(plan.available_bytes, 24931667968ull);

	fake_host("cgtab", "k\tv", "314572800\n", proc, sys, 600);
	assert_int_equal(kvp__validate_plan_at(proc, sys, &m, KVP_DTYPE_FP16, 4096,
	                                       1, NULL, &plan, &err),
	                 KVP_ERR_NO_FIT);
	assert_non_null(strstr(err.message, " in memory cgroup /k\\tv (limit"));
}

/* The plan of a run that fits: the larger of the two phases is needed. */
static void test_plan_fits(void **state)
{
	kvp_model m = {.name = "llama2-7b", .layers = 32, .hidden = 4096,
	               .heads = 32, .kv_heads = 32};
	kvp_validate_plan plan;
	kvp_validate_options o;

	(void)state;
	kvp_validate_options_init(&o);
	o.available_bytes = 2 * GIB;
	assert_int_equal(kvp_validate_plan_compute(&m, KVP_DTYPE_FP16, 1024, 1, &o,
	                                           &plan, NULL), KVP_OK);
	assert_int_equal(plan.cache_bytes, 536870912);
	assert_true(plan.reference_bytes > 0);
	assert_int_equal(plan.needed_bytes, plan.cache_bytes > plan.reference_bytes
	                                    ? plan.cache_bytes : plan.reference_bytes);
	assert_true(plan.fits);
	assert_int_equal(kvp_validate_plan_compute(&m, KVP_DTYPE_FP16, 1024, 1, NULL,
	                                           &plan, NULL), KVP_OK);
	assert_true(plan.available_bytes > 0);
}

/* Types the reference cache cannot store, and bad arguments. */
static void test_refusals(void **state)
{
	kvp_model m = {.name = "m", .layers = 2, .heads = 4, .kv_heads = 4,
	               .head_dim = 8};
	kvp_model odd = {.name = "odd", .layers = 2, .heads = 4, .kv_heads = 4,
	                 .head_dim = 7};
	kvp_validate_options o = small_options(KVP_LAYOUT_CONTIGUOUS);
	kvp_validate_result r;
	kvp_validate_plan plan;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_validate_run(&m, KVP_DTYPE_FP8, 8, 1, &o, &r, &err),
	                 KVP_ERR_UNSUPPORTED);
	assert_non_null(strstr(err.message, "fp8"));
	assert_int_equal(kvp_validate_plan_compute(&m, KVP_DTYPE_INT8, 8, 1, &o,
	                                           &plan, &err), KVP_ERR_UNSUPPORTED);
	assert_int_equal(kvp_validate_run(&m, KVP_DTYPE_FP32, 0, 1, &o, &r, &err),
	                 KVP_ERR_INVALID);
	assert_int_equal(kvp_validate_run(&m, KVP_DTYPE_FP32, 8, 0, &o, &r, &err),
	                 KVP_ERR_INVALID);
	assert_int_equal(kvp_validate_run(NULL, KVP_DTYPE_FP32, 8, 1, &o, &r, &err),
	                 KVP_ERR_INVALID);
	assert_int_equal(kvp_validate_run(&m, KVP_DTYPE_FP32, 8, 1, &o, NULL, &err),
	                 KVP_ERR_INVALID);
	assert_int_equal(kvp_validate_run(&odd, KVP_DTYPE_FP32, 8, 1, &o, &r, &err),
	                 KVP_ERR_SHAPE);
	o.layout = (kvp_layout)5;
	assert_int_equal(kvp_validate_run(&m, KVP_DTYPE_FP32, 8, 1, &o, &r, &err),
	                 KVP_ERR_INVALID);
}

typedef struct progress_log {
	char phase[16];
	uint64_t last, total;
	int phases, calls, bad;
	int seen_cache, seen_decode, seen_recompute;
} progress_log;

static void on_progress(void *ctx, const char *phase, uint64_t done,
                        uint64_t total)
{
	progress_log *log = ctx;

	log->calls++;
	if (strcmp(phase, log->phase) != 0) {
		if (log->phases && log->last != log->total)
			log->bad++; /* the previous phase did not end at its total */
		if (done != 0)
			log->bad++;
		snprintf(log->phase, sizeof log->phase, "%s", phase);
		log->phases++;
		log->total = total;
	} else if (done < log->last || total != log->total) {
		log->bad++;
	}
	log->last = done;
	log->seen_cache |= strcmp(phase, "cache") == 0;
	log->seen_decode |= strcmp(phase, "decode") == 0;
	log->seen_recompute |= strcmp(phase, "recompute") == 0;
}

/* Progress: each phase starts at 0, never goes back, ends at its total. */
static void test_progress(void **state)
{
	kvp_model m = {.name = "m", .layers = 4, .heads = 4, .kv_heads = 1,
	               .head_dim = 16};
	kvp_validate_options o = small_options(KVP_LAYOUT_PAGED);
	kvp_validate_result r;
	progress_log log = {0};

	(void)state;
	o.progress = on_progress;
	o.progress_ctx = &log;
	o.ref_positions = 40;
	assert_int_equal(kvp_validate_run(&m, KVP_DTYPE_FP16, 4096, 2, &o, &r, NULL),
	                 KVP_OK);
	assert_int_equal(log.bad, 0);
	assert_int_equal(log.last, log.total);
	assert_int_equal(log.phases, 3);
	assert_true(log.seen_cache && log.seen_decode && log.seen_recompute);
}

/* Each allocation of a whole validation run, made to fail in turn: an
 * error comes back and nothing leaks; past the last one the run passes. */
static void test_allocation_failures(void **state)
{
	kvp_model m = {.name = "m", .layers = 3, .heads = 4, .kv_heads = 2,
	               .head_dim = 8};
	long live = testutil_live_blocks();

	(void)state;
	for (int layout = 0; layout < KVP_LAYOUT_COUNT; layout++) {
		unsigned long nth;

		for (nth = 1;; nth++) {
			kvp_validate_options o = small_options((kvp_layout)layout);
			kvp_validate_result r;
			kvp_error err;
			kvp_status st;

			o.available_bytes = 0; /* reads the host too */
			o.ref_layers = 2;
			testutil_fail_at(nth);
			st = kvp_validate_run(&m, KVP_DTYPE_BF16, 20, 2, &o, &r, &err);
			if (testutil_alloc_calls() < nth) {
				testutil_fail_at(0);
				assert_int_equal(st, KVP_OK);
				assert_true(r.passed);
				break;
			}
			testutil_fail_at(0);
			assert_int_equal(st, KVP_ERR_NOMEM);
			assert_true(err.message[0] != '\0');
			assert_int_equal(testutil_live_blocks(), live);
		}
		assert_true(nth > 10);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_catalogue_model),
		cmocka_unit_test(test_models_from_numbers),
		cmocka_unit_test(test_default_reference_run),
		cmocka_unit_test(test_prompt_extremes),
		cmocka_unit_test(test_zeroed_options),
		cmocka_unit_test(test_refused_when_it_does_not_fit),
		cmocka_unit_test(test_refused_in_memory_cgroup),
		cmocka_unit_test(test_plan_fits),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_progress),
		cmocka_unit_test(test_allocation_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
