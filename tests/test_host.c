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

/* A cpuinfo model name with an escape sequence, and long enough to be cut
 * where a UTF-8 character (é, two bytes) straddles the cut: the
 * description is escaped and cut whole, printable UTF-8 as documented. */
static void test_description_printable(void **state)
{
	char rel[256], model[200] = "Evil\033]0;x\007";
	kvp_device device;

	(void)state;
	make_tree("evil", meminfo, epyc_caches, 4);
	while (strlen(model) < 150)
		strcat(model, "\xc3\xa9");
	snprintf(rel, sizeof rel, "evil/proc/cpuinfo");
	{
		char text[300];

		snprintf(text, sizeof text, "model name\t: %s\n", model);
		testutil_write_file(rel, text);
	}
	assert_int_equal(kvp__device_host_at(proc_root, sys_root, &device, NULL,
	                                     NULL), KVP_OK);
	assert_non_null(strstr(device.description, "this machine: Evil\\x1b]0;x\\x07"));
	assert_null(kvp__find_control(device.description));
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

static uint64_t one_mib(void)
{
	return 1024 * 1024;
}

static uint64_t nothing(void)
{
	return 0;
}

/* No sysfs cache directory, but the C library knows L2 (as glibc does
 * from cpuid in a virtual machine): L2 from it, the last level unknown.
 * Where the library does not know either, the sysfs error stands. */
static void test_missing_sysfs_l2_from_libc(void **state)
{
	kvp_device device;
	kvp_error err;

	(void)state;
	make_tree("nosys-libc", meminfo, NULL, 0);
	assert_int_equal(kvp__device_host_with(proc_root, sys_root, one_mib, &device,
	                                       NULL, &err), KVP_OK);
	assert_int_equal(device.l2_bytes, 1048576);
	assert_int_equal(device.llc_bytes, 0);
	assert_int_equal(kvp_device_check(&device, NULL), KVP_OK);
	assert_int_equal(kvp__device_host_with(proc_root, sys_root, nothing, &device,
	                                       NULL, &err), KVP_ERR_UNSUPPORTED);
	assert_non_null(strstr(err.path, "cpu0/cache/index0"));
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

/* ---- memory cgroups ---- */

/* meminfo's MemAvailable above, in bytes: 24347332 * 1024. */
#define MEM_AVAILABLE 24931667968ull
#define MIB (1024ull * 1024)
#define V1_NO_LIMIT "9223372036854771712\n"

/* A tree at TMP/NAME: meminfo and caches as above, proc/self/cgroup
 * holding self_cgroup (none when NULL), and under sys/fs/cgroup the
 * (relative path, content) pairs of files, up to a NULL path. */
static void make_cgroup_tree(const char *name, const char *self_cgroup,
                             const char *const files[][2])
{
	char rel[512];

	make_tree(name, meminfo, epyc_caches, 4);
	if (self_cgroup) {
		snprintf(rel, sizeof rel, "%s/proc/self/cgroup", name);
		testutil_write_file(rel, self_cgroup);
	}
	for (int i = 0; files[i][0]; i++) {
		snprintf(rel, sizeof rel, "%s/sys/fs/cgroup/%s", name, files[i][0]);
		testutil_write_file(rel, files[i][1]);
	}
}

/* kvp__host_available_at over the last tree, which must succeed. */
static kvp__host_available available_here(void)
{
	kvp__host_available a;
	kvp_error err;

	assert_int_equal(kvp__host_available_at(proc_root, sys_root, &a, &err),
	                 KVP_OK);
	assert_int_equal(a.total_bytes, 24684092ull * 1024);
	assert_int_equal(a.meminfo_bytes, MEM_AVAILABLE);
	return a;
}

/* cgroup v2 with a 300 MiB limit, 4 MiB in use: available is
 * min(MemAvailable, 314572800 - 4194304) = 310378496 (296 MiB); the
 * parent's "max" is no limit.  kvp_device_host gives the same, and keeps
 * MemTotal as the device's memory. */
static void test_cgroup_v2_limit(void **state)
{
	static const char *const files[][2] = {
		{"cgroup.controllers", "cpu io memory pids\n"},
		{"user.slice/memory.max", "max\n"},
		{"user.slice/memory.current", "1000000000\n"},
		{"user.slice/kvtest/memory.max", "314572800\n"},
		{"user.slice/kvtest/memory.current", "4194304\n"},
		{NULL, NULL},
	};
	kvp__host_available a;
	kvp_device device;
	uint64_t available;

	(void)state;
	make_cgroup_tree("v2limit", "0::/user.slice/kvtest\n", files);
	a = available_here();
	assert_int_equal(a.available_bytes, 310378496);
	assert_true(a.cgroup_read);
	assert_true(a.cgroup_bound);
	assert_int_equal(a.cgroup.version, 2);
	assert_int_equal(a.cgroup.limit, 300 * MIB);
	assert_int_equal(a.cgroup.usage, 4 * MIB);
	assert_int_equal(a.cgroup.headroom, 296 * MIB);
	assert_string_equal(a.cgroup.path, "/user.slice/kvtest");
	assert_int_equal(kvp__device_host_at(proc_root, sys_root, &device,
	                                     &available, NULL), KVP_OK);
	assert_int_equal(available, 310378496);
	assert_int_equal(device.hbm_bytes, 24684092ull * 1024);
}

/* "max" all the way up (and no memory.max at the root, as on a real
 * system): no limit, MemAvailable stands. */
static void test_cgroup_v2_max_is_no_limit(void **state)
{
	static const char *const files[][2] = {
		{"cgroup.controllers", "memory\n"},
		{"memory.current", "5000000000\n"},
		{"a/memory.max", "max\n"},
		{"a/memory.current", "1000\n"},
		{"a/b/memory.max", "max\n"},
		{"a/b/memory.current", "1000\n"},
		{NULL, NULL},
	};
	kvp__host_available a;

	(void)state;
	make_cgroup_tree("v2max", "0::/a/b\n", files);
	a = available_here();
	assert_int_equal(a.available_bytes, MEM_AVAILABLE);
	assert_false(a.cgroup_read);
	assert_false(a.cgroup_bound);
}

/* A parent's limit binds its children: the child may use 1 GiB and uses
 * 100 MiB (headroom 1073741824 - 104857600 = 968884224), but the parent
 * allows 512 MiB and already holds 300 MiB (its own plus its other
 * children's): 536870912 - 314572800 = 222298112 is the least headroom
 * on the way up, so it is what is available.  The grandparent's 8 GiB
 * with 1 GiB in use (7 GiB headroom) does not bind. */
static void test_cgroup_v2_parent_tighter(void **state)
{
	static const char *const files[][2] = {
		{"cgroup.controllers", "memory\n"},
		{"jobs/memory.max", "8589934592\n"},
		{"jobs/memory.current", "1073741824\n"},
		{"jobs/batch/memory.max", "536870912\n"},
		{"jobs/batch/memory.current", "314572800\n"},
		{"jobs/batch/me/memory.max", "1073741824\n"},
		{"jobs/batch/me/memory.current", "104857600\n"},
		{NULL, NULL},
	};
	kvp__host_available a;

	(void)state;
	make_cgroup_tree("v2parent", "0::/jobs/batch/me\n", files);
	a = available_here();
	assert_int_equal(a.available_bytes, 222298112);
	assert_string_equal(a.cgroup.path, "/jobs/batch");
	assert_int_equal(a.cgroup.limit, 536870912);
	assert_int_equal(a.cgroup.usage, 314572800);
}

/* Usage above the limit (the kernel reclaims lazily) leaves nothing. */
static void test_cgroup_usage_above_limit(void **state)
{
	static const char *const files[][2] = {
		{"cgroup.controllers", "memory\n"},
		{"full/memory.max", "1048576\n"},
		{"full/memory.current", "1052672\n"},
		{NULL, NULL},
	};

	(void)state;
	make_cgroup_tree("v2full", "0::/full\n", files);
	assert_int_equal(available_here().available_bytes, 0);
}

/* cgroup v1 (a hybrid system, as docker hosts often are): the line with
 * the memory controller wins over "0::/", and the files are
 * memory.limit_in_bytes and memory.usage_in_bytes under
 * fs/cgroup/memory: 314572800 - 4194304 = 310378496.  The root's
 * 9223372036854771712 is v1's "no limit" and does not bind. */
static void test_cgroup_v1_limit(void **state)
{
	static const char *const files[][2] = {
		{"memory/memory.limit_in_bytes", V1_NO_LIMIT},
		{"memory/memory.usage_in_bytes", "979357696\n"},
		{"memory/process_api/memory.limit_in_bytes", V1_NO_LIMIT},
		{"memory/process_api/memory.usage_in_bytes", "500000000\n"},
		{"memory/process_api/abc/memory.limit_in_bytes", "314572800\n"},
		{"memory/process_api/abc/memory.usage_in_bytes", "4194304\n"},
		{"unified/cgroup.controllers", "\n"},
		{NULL, NULL},
	};
	kvp__host_available a;

	(void)state;
	make_cgroup_tree("v1limit",
	                 "9:name=systemd:/\n8:pids:/\n5:devices:/\n"
	                 "4:memory:/process_api/abc\n1:cpu,cpuacct:/\n0::/\n",
	                 files);
	a = available_here();
	assert_int_equal(a.available_bytes, 310378496);
	assert_int_equal(a.cgroup.version, 1);
	assert_string_equal(a.cgroup.path, "/process_api/abc");
	/* The controller may share a hierarchy: "cpu,memory". */
	make_cgroup_tree("v1shared", "0::/\n3:cpu,memory:/process_api/abc\n", files);
	assert_int_equal(available_here().available_bytes, 310378496);
}

/* v1 with no limit anywhere: every level says 9223372036854771712, whose
 * headroom is far above MemAvailable, which stands.  The least of it is
 * at the root, which holds the most: 9223372036854771712 - 979357696. */
static void test_cgroup_v1_unlimited(void **state)
{
	static const char *const files[][2] = {
		{"memory/memory.limit_in_bytes", V1_NO_LIMIT},
		{"memory/memory.usage_in_bytes", "979357696\n"},
		{"memory/x/memory.limit_in_bytes", V1_NO_LIMIT},
		{"memory/x/memory.usage_in_bytes", "36671488\n"},
		{NULL, NULL},
	};
	kvp__host_available a;

	(void)state;
	make_cgroup_tree("v1none", "4:memory:/x\n", files);
	a = available_here();
	assert_int_equal(a.available_bytes, MEM_AVAILABLE);
	assert_true(a.cgroup_read);
	assert_false(a.cgroup_bound);
	assert_int_equal(a.cgroup.headroom, 9223372036854771712ull - 979357696);
	assert_string_equal(a.cgroup.path, "/");
}

/* A container without a cgroup namespace: /proc/self/cgroup gives the
 * host's path, but the mount's top is the container's own cgroup, and its
 * limit is the one that counts (path "/"). */
static void test_cgroup_container_top(void **state)
{
	static const char *const files[][2] = {
		{"memory/memory.limit_in_bytes", "314572800\n"},
		{"memory/memory.usage_in_bytes", "4194304\n"},
		{NULL, NULL},
	};
	kvp__host_available a;

	(void)state;
	make_cgroup_tree("v1top", "4:memory:/docker/0123abcd\n", files);
	a = available_here();
	assert_int_equal(a.available_bytes, 310378496);
	assert_string_equal(a.cgroup.path, "/");
	/* Outside the namespace's root the path starts "/..": the top too. */
	make_cgroup_tree("v1dotdot", "4:memory:/../sibling\n", files);
	assert_int_equal(available_here().available_bytes, 310378496);
}

/* A hybrid system with only v2 holding memory: fs/cgroup is not a v2
 * hierarchy (no cgroup.controllers), fs/cgroup/unified is. */
static void test_cgroup_v2_hybrid_unified(void **state)
{
	static const char *const files[][2] = {
		{"unified/cgroup.controllers", "memory\n"},
		{"unified/kv/memory.max", "314572800\n"},
		{"unified/kv/memory.current", "4194304\n"},
		{NULL, NULL},
	};

	(void)state;
	make_cgroup_tree("hybrid", "1:name=systemd:/kv\n0::/kv\n", files);
	assert_int_equal(available_here().available_bytes, 310378496);
}

/* No /proc/self/cgroup, or one with no memory hierarchy, or a cgroup
 * whose files are absent: MemAvailable, as before. */
static void test_cgroup_none_falls_back(void **state)
{
	static const char *const none[][2] = {{NULL, NULL}};
	kvp__host_available a;

	(void)state;
	make_cgroup_tree("nocgroup", NULL, none);
	a = available_here();
	assert_int_equal(a.available_bytes, MEM_AVAILABLE);
	assert_false(a.cgroup_read);
	make_cgroup_tree("nomemory", "8:pids:/\n1:cpu:/x\n", none);
	assert_int_equal(available_here().available_bytes, MEM_AVAILABLE);
	make_cgroup_tree("nofiles", "0::/user.slice/kvtest\n", none);
	assert_int_equal(available_here().available_bytes, MEM_AVAILABLE);
	make_cgroup_tree("nofilesv1", "4:memory:/x\n", none);
	assert_int_equal(available_here().available_bytes, MEM_AVAILABLE);
}

/* Malformed content is ignored, level by level, never an error: a limit
 * that is not a plain number (text, a sign, trailing junk, past 64 bits,
 * empty), or a limit without a readable usage, says nothing, and the run
 * is planned against the levels that do say something (here the top's
 * 1 GiB with 256 MiB in use: 805306368), or MemAvailable.  Lines of
 * /proc/self/cgroup that are not "ID:CONTROLLERS:/PATH" are skipped. */
static void test_cgroup_malformed_ignored(void **state)
{
	static const char *const bad_limits[] = {
		"lots\n", "-1\n", "314572800junk\n", "99999999999999999999999\n",
		"", "\n", " 314572800\n", "314572800\n\n", "0x12c00000\n",
	};
	static const char *const files[][2] = {
		{"cgroup.controllers", "memory\n"},
		{"memory.max", "1073741824\n"},
		{"memory.current", "268435456\n"},
		{"a/memory.max", "314572800\n"},
		{"a/memory.current", "no idea\n"},
		{"a/b/memory.max", "314572800\n"},
		{NULL, NULL}, /* a/b/memory.current missing */
	};
	kvp__host_available a;
	kvp_error err;

	(void)state;
	for (size_t i = 0; i < sizeof bad_limits / sizeof bad_limits[0]; i++) {
		const char *const bad[][2] = {
			{"cgroup.controllers", "memory\n"},
			{"x/memory.max", bad_limits[i]},
			{"x/memory.current", "4194304\n"},
			{NULL, NULL},
		};
		char name[32];

		snprintf(name, sizeof name, "malformed%zu", i);
		make_cgroup_tree(name, "0::/x\n", bad);
		assert_int_equal(kvp__host_available_at(proc_root, sys_root, &a, &err),
		                 KVP_OK);
		assert_int_equal(err.status, KVP_OK);
		assert_int_equal(a.available_bytes, MEM_AVAILABLE);
		assert_false(a.cgroup_read);
	}
	make_cgroup_tree("partial", "0::/a/b\n", files);
	a = available_here();
	assert_int_equal(a.available_bytes, 805306368);
	assert_string_equal(a.cgroup.path, "/");
	make_cgroup_tree("badlines", "garbage\n0:/x\n0::relative\n0::/x", files);
	a = available_here();
	assert_int_equal(a.available_bytes, MEM_AVAILABLE);
	assert_false(a.cgroup_read);
}

/* The real machine: where /proc and sysfs describe it, a device that
 * passes the checks, with no more available than installed; where sysfs
 * has no cache directory (some virtual machines and sandboxes), L2 is the
 * C library's and the last level unknown, or, where the library does not
 * know either, the probe says so with KVP_ERR_UNSUPPORTED. */
static void test_real_host(void **state)
{
	kvp_device device;
	uint64_t available, resident;
	kvp_error err;

	(void)state;
	if (access("/proc/meminfo", R_OK) != 0 ||
	    access("/sys/devices/system/cpu/cpu0/cache/index0/level", R_OK) != 0) {
		long libc_l2 = 0;

#ifdef _SC_LEVEL2_CACHE_SIZE
		libc_l2 = sysconf(_SC_LEVEL2_CACHE_SIZE);
#endif
		if (access("/proc/meminfo", R_OK) != 0 || libc_l2 <= 0 ||
		    access("/sys/devices/system/cpu/cpu0/cache", F_OK) == 0) {
			assert_int_equal(kvp_device_host(&device, &available, &err),
			                 KVP_ERR_UNSUPPORTED);
			assert_true(err.path[0] != '\0');
			return;
		}
		assert_int_equal(kvp_device_host(&device, &available, &err), KVP_OK);
		assert_int_equal(device.l2_bytes, (uint64_t)libc_l2);
		assert_int_equal(device.llc_bytes, 0);
		return;
	}
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
		cmocka_unit_test(test_description_printable),
		cmocka_unit_test(test_missing_sysfs),
		cmocka_unit_test(test_missing_sysfs_l2_from_libc),
		cmocka_unit_test(test_bad_caches),
		cmocka_unit_test(test_bad_meminfo),
		cmocka_unit_test(test_resident),
		cmocka_unit_test(test_cgroup_v2_limit),
		cmocka_unit_test(test_cgroup_v2_max_is_no_limit),
		cmocka_unit_test(test_cgroup_v2_parent_tighter),
		cmocka_unit_test(test_cgroup_usage_above_limit),
		cmocka_unit_test(test_cgroup_v1_limit),
		cmocka_unit_test(test_cgroup_v1_unlimited),
		cmocka_unit_test(test_cgroup_container_top),
		cmocka_unit_test(test_cgroup_v2_hybrid_unified),
		cmocka_unit_test(test_cgroup_none_falls_back),
		cmocka_unit_test(test_cgroup_malformed_ignored),
		cmocka_unit_test(test_real_host),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
