/*
 * host.h — the host probe's internal entry points, with the /proc and /sys
 * roots as arguments so tests can point them at fake trees.
 */
#ifndef KVPLAN_HOST_H
#define KVPLAN_HOST_H

#include "internal.h"

/* MemTotal and MemAvailable (MemFree on kernels without it) of
 * proc_root/meminfo, in bytes. */
kvp_status kvp__host_memory(const char *proc_root, uint64_t *total_bytes,
                            uint64_t *available_bytes, kvp_error *err);
/* cpu0's level-2 data or unified cache, and its highest-level one (0 when
 * that is L2), from sys_root/devices/system/cpu/cpu0/cache/index*. */
kvp_status kvp__host_caches(const char *sys_root, uint64_t *l2_bytes,
                            uint64_t *llc_bytes, kvp_error *err);
/* The process's resident memory now, from proc_root/self/statm. */
kvp_status kvp__host_resident(const char *proc_root, uint64_t *bytes,
                              kvp_error *err);
/* The level of the process's memory cgroup, or of one of its ancestors,
 * that leaves it the least memory. */
typedef struct kvp__cgroup_memory {
	uint64_t headroom; /* limit - usage; 0 when usage is above the limit */
	uint64_t limit;    /* memory.max (v2) or memory.limit_in_bytes (v1) */
	uint64_t usage;    /* memory.current (v2) or memory.usage_in_bytes (v1) */
	int version;       /* 1 or 2 */
	char path[256];    /* the level as a cgroup path ("/a/b"; "/" the
	                    * mount's top), cut to fit */
} kvp__cgroup_memory;

/* The memory cgroup of the process, from proc_root/self/cgroup: a v1 line
 * naming the memory controller (v1 holds it on hybrid systems), else the
 * v2 line "0::PATH".  Its directory is sys_root/fs/cgroup/memory/PATH (v1)
 * or sys_root/fs/cgroup/PATH (v2; sys_root/fs/cgroup/unified/PATH when
 * sys_root/fs/cgroup is not itself a v2 hierarchy); when that directory is
 * missing, as in a container that sees its own cgroup as the mount's top
 * without a cgroup namespace, the top.  Every level from there up to the
 * mount's top is read, and the one with the least headroom is returned:
 * returns 1 with *out filled when some level has a limit, 0 when none
 * does.  "max" (v2) is no limit.  A level whose files are missing,
 * unreadable or not a plain number is skipped: it cannot be trusted, and
 * a kernel file that says nothing readable must not stop a run that
 * MemAvailable allows.  A v1 limit that means none (9223372036854771712,
 * LONG_MAX rounded down to a page) is a number like any other and never
 * the tightest in practice. */
int kvp__host_cgroup_memory(const char *proc_root, const char *sys_root,
                            kvp__cgroup_memory *out);

/* What the process can allocate now without swapping. */
typedef struct kvp__host_available {
	uint64_t total_bytes;     /* MemTotal */
	uint64_t meminfo_bytes;   /* MemAvailable (MemFree on old kernels) */
	uint64_t available_bytes; /* the smaller of meminfo_bytes and the
	                           * cgroup's headroom */
	int cgroup_read;          /* a cgroup level had a limit and usage
	                           * (v1's huge "none" too): cgroup */
	int cgroup_bound;         /* its headroom is below meminfo_bytes */
	kvp__cgroup_memory cgroup;
} kvp__host_available;

/* kvp__host_memory, then kvp__host_cgroup_memory; only the first can
 * fail. */
kvp_status kvp__host_available_at(const char *proc_root, const char *sys_root,
                                  kvp__host_available *out, kvp_error *err);
/* kvp_device_host over other roots, with l2_fallback giving L2 where
 * sys_root has no cpu0 cache directory (NULL: none; the real one asks the
 * C library). */
kvp_status kvp__device_host_with(const char *proc_root, const char *sys_root,
                                 uint64_t (*l2_fallback)(void),
                                 kvp_device *out, uint64_t *available_bytes,
                                 kvp_error *err);
/* kvp__device_host_with and no fallback. */
kvp_status kvp__device_host_at(const char *proc_root, const char *sys_root,
                               kvp_device *out, uint64_t *available_bytes,
                               kvp_error *err);

#endif
