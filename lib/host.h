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
/* kvp_device_host over other roots. */
kvp_status kvp__device_host_at(const char *proc_root, const char *sys_root,
                               kvp_device *out, uint64_t *available_bytes,
                               kvp_error *err);

#endif
