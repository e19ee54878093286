/*
 * test_host.c — unit tests for lib/host.c: the host as a device, read from
 * fake /proc and /sys trees (sizes, missing files, old kernels) and from
 * the real ones when the machine has them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "host.h"
#include "testutil.h"

#define CACHE_DIR "sys/devices/system/cpu/cpu0/cache"

static char proc_root[600], sys_root[600];

/* A tree at TMP/NAME/{proc,sys}: meminfo, cpuinfo, statm, and cpu0's
 * caches given as (level, type, size) triples. */
static void make_tree(const char *name, const char *meminfo,
                      const char *const caches[][3], int n_caches)
{
	char rel[256];

	snprintf(rel, sizeof rel, "%s/proc/meminfo", name);
	testutil_write_file(rel, meminfo);
	snprintf(rel, sizeof rel, "%s/proc/cpuinfo", name);
	testutil_write_file(rel, "processor\t: 0\nvendor_id\t: Fake\n"
	                         "model name\t: Fake CPU 9000\nflags\t\t: fpu\n\n"
	                         "processor\t: 1\nmodel name\t: Fake CPU 9000\n");
	snprintf(rel, sizeof rel, "%s/proc/self/statm", name);
	testutil_write_file(rel, "1000 250 30 4 0 300 0\n");
	for (int i = 0; i < n_caches; i++) {
		snprintf(rel, sizeof rel, "%s/%s/index%d/level", name, CACHE_DIR, i);
		testutil_write_file(rel, caches[i][0]);
		snprintf(rel, sizeof rel, "%s/%s/index%d/type", name, CACHE_DIR, i);
		testutil_write_file(rel, caches[i][1]);
		snprintf(rel, sizeof rel, "%s/%s/index%d/size", name, CACHE_DIR, i);
		testutil_write_file(rel, caches[i][2]);
	}
	snprintf(proc_root, sizeof proc_root, "%s/%s/proc", testutil_tmpdir(), name);
	snprintf(sys_root, sizeof sys_root, "%s/%s/sys", testutil_tmpdir(), name);
}

static const char *const epyc_caches[][3] = {
	{"1\n", "Data\n", "48K\n"},
	{"1\n", "Instruction\n", "32K\n"},
	{"2\n", "Unified\n", "1024K\n"},
	{"3\n", "Unified\n", "32768K\n"},
};

static const char meminfo[] =
	"MemTotal:       24684092 kB\n"
	"MemFree:        24308916 kB\n"
	"MemAvailable:   24347332 kB\n"
	"Buffers:            1516 kB\n";

/* A machine like the one this was written on: L2 1 MiB per core, L3
 * 32 MiB, RAM from MemTotal, available from MemAvailable, in bytes. */
static void test_fake_host(void **state)
{
	kvp_device device;
	uint64_t available;
	kvp_error err;

	(void)state;
	make_tree("epyc", meminfo, epyc_caches, 4);
	assert_int_equal(kvp__device_host_at(proc_root, sys_root, &device,
	                                     &available, &err), KVP_OK);
	assert_string_equal(device.name, "host");
	assert_int_equal(device.hbm_bytes, 24684092ull * 1024);
	assert_int_equal(available, 24347332ull * 1024);
	assert_int_equal(device.l2_bytes, 1024 * 1024);
	assert_int_equal(device.llc_bytes, 32 * 1024 * 1024);
	assert_non_null(strstr(device.description, "Fake CPU 9000"));
	assert_int_equal(kvp_device_check(&device, NULL), KVP_OK);
	/* available may be left out */
	assert_int_equal(kvp__device_host_at(proc_root, sys_root, &device, NULL,
	                                     NULL), KVP_OK);
}

/* The fit model works on the host as on a GPU: an L2 of 1 MiB holds 128
 * tokens of one fp32 layer of 8 kv heads of 128. */
static void test_fit_on_host(void **state)
{
	kvp_model layer = {.name = "layer", .layers = 1, .heads = 32,
	                   .kv_heads = 8, .head_dim = 128};
	kvp_device device;
	kvp_fit fit;

	(void)state;
	make_tree("fit", meminfo, epyc_caches, 4);
	assert_int_equal(kvp__device_host_at(proc_root, sys_root, &device, NULL,
	                                     NULL), KVP_OK);
	assert_int_equal(kvp_fit_compute(&layer, &device, KVP_DTYPE_FP32, 1024, 1,
	                                 NULL, &fit, NULL), KVP_OK);
	assert_int_equal(fit.max_seq_l2, 128);
}

/* No level 3: the last level is L2 and llc_bytes is 0; sizes in M and in
 * plain bytes; an old kernel without MemAvailable falls back to MemFree. */
static void test_two_levels_and_old_kernel(void **state)
{
	static const char *const caches[][3] = {
		{"1\n", "Data\n", "65536\n"},
		{"2\n", "Unified\n", "2M\n"},
	};
	kvp_device device;
	uint64_t available;

	(void)state;
	make_tree("arm", "MemTotal: 1000 kB\nMemFree: 600 kB\n", caches, 2);
	assert_int_equal(kvp__device_host_at(proc_root, sys_root, &device,
	                                     &available, NULL), KVP_OK);
	assert_int_equal(device.l2_bytes, 2 * 1024 * 1024);
	assert_int_equal(device.llc_bytes, 0);
	assert_int_equal(device.hbm_bytes, 1024000);
	assert_int_equal(available, 614400);
}

/* No sysfs cache directory: a clear error naming the path. */
static void test_missing_sysfs(void **state)
{
	kvp_device device;
	kvp_error err;

	(void)state;
	make_tree("nosys", meminfo, NULL, 0);
	assert_int_equal(kvp__device_host_at(proc_root, sys_root, &device, NULL,
	                                     &err), KVP_ERR_UNSUPPORTED);
	assert_non_null(strstr(err.path, "cpu0/cache/index0"));
	assert_non_null(strstr(err.message, "cache"));
}

/* Caches but none at level 2, and unreadable sizes, are errors too. */
static void test_bad_caches(void **state)
{
	static const char *const no_l2[][3] = {{"1\n", "Data\n", "32K\n"}};
	static const char *const bad_size[][3] = {{"2\n", "Unified\n", "lots\n"}};
	static const char *const l2_instruction[][3] = {
		{"2\n", "Instruction\n", "1M\n"}};
	kvp_error err;
	uint64_t l2, llc;

	(void)state;
	make_tree("nol2", meminfo, no_l2, 1);
	assert_int_equal(kvp__host_caches(sys_root, &l2, &llc, &err),
	                 KVP_ERR_UNSUPPORTED);
	assert_non_null(strstr(err.message, "level-2"));
	make_tree("badsize", meminfo, bad_size, 1);
	assert_int_equal(kvp__host_caches(sys_root, &l2, &llc, &err),
	                 KVP_ERR_UNSUPPORTED);
	assert_non_null(strstr(err.message, "lots"));
	make_tree("l2i", meminfo, l2_instruction, 1);
	assert_int_equal(kvp__host_caches(sys_root, &l2, &llc, &err),
	                 KVP_ERR_UNSUPPORTED);
}

/* meminfo without MemTotal, or missing altogether. */
static void test_bad_meminfo(void **state)
{
	uint64_t total, available;
	kvp_error err;

	(void)state;
	make_tree("nototal", "MemFree: 10 kB\n", epyc_caches, 4);
	assert_int_equal(kvp__host_memory(proc_root, &total, &available, &err),
	                 KVP_ERR_UNSUPPORTED);
	assert_non_null(strstr(err.message, "MemTotal"));
	make_tree("noavail", "MemTotal: 10 kB\n", epyc_caches, 4);
	assert_int_equal(kvp__host_memory(proc_root, &total, &available, &err),
	                 KVP_ERR_UNSUPPORTED);
	assert_int_equal(kvp__host_memory("/nonexistent", &total, &available,
	                                  &err), KVP_ERR_UNSUPPORTED);
	assert_non_null(strstr(err.path, "/nonexistent/meminfo"));
}

/* Resident memory is statm's second field in pages. */
static void test_resident(void **state)
{
	uint64_t bytes;

	(void)state;
	make_tree("statm", meminfo, epyc_caches, 4);
	assert_int_equal(kvp__host_resident(proc_root, &bytes, NULL), KVP_OK);
	assert_int_equal(bytes, 250 * (uint64_t)sysconf(_SC_PAGESIZE));
}

/* The real machine, where it has /proc and sysfs: a device that passes
 * the checks, with no more available than installed. */
static void test_real_host(void **state)
{
	kvp_device device;
	uint64_t available, resident;
	kvp_error err;

	(void)state;
	if (access("/proc/meminfo", R_OK) != 0 ||
	    access("/sys/devices/system/cpu/cpu0/cache/index0/level", R_OK) != 0)
		skip();
	assert_int_equal(kvp_device_host(&device, &available, &err), KVP_OK);
	assert_string_equal(device.name, "host");
	assert_int_equal(kvp_device_check(&device, NULL), KVP_OK);
	assert_true(available > 0 && available <= device.hbm_bytes);
	assert_true(device.l2_bytes > 0);
	assert_int_equal(kvp__host_resident("/proc", &resident, NULL), KVP_OK);
	assert_true(resident > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fake_host),
		cmocka_unit_test(test_fit_on_host),
		cmocka_unit_test(test_two_levels_and_old_kernel),
		cmocka_unit_test(test_missing_sysfs),
		cmocka_unit_test(test_bad_caches),
		cmocka_unit_test(test_bad_meminfo),
		cmocka_unit_test(test_resident),
		cmocka_unit_test(test_real_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
