/*
 * host.c — the machine kvplan runs on as a device profile: RAM from
 * /proc/meminfo, cache sizes from sysfs, resident memory from statm.  The
 * validation plans against it and the benchmarks measure it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"

#define PATH_BYTES 512
/* meminfo is about 1.5 KiB; cpuinfo names the model in its first lines. */
#define TEXT_BYTES 8192
/* sysfs lists a CPU's caches as index0, index1, ...; no CPU has this many. */
#define MAX_CACHE_INDEX 32

/* The start of a file, NUL-terminated.  Plain read(2), not stdio: stdio
 * allocates behind our back, and the failure tests must see every
 * allocation fail and come back as an error. */
static kvp_status read_text(const char *path, char *text, size_t size,
                            kvp_error *err)
{
	size_t used = 0;
	ssize_t got;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return kvp__error_at(err, KVP_ERR_UNSUPPORTED, path, 0, 0,
		                     "cannot read: %s", strerror(errno));
	while (used + 1 < size &&
	       (got = read(fd, text + used, size - 1 - used)) != 0) {
		if (got < 0) {
			if (errno == EINTR)
				continue;
			close(fd);
			return kvp__error_at(err, KVP_ERR_UNSUPPORTED, path, 0, 0,
			                     "cannot read: %s", strerror(errno));
		}
		used += (size_t)got;
	}
	close(fd);
	text[used] = '\0';
	return KVP_OK;
}

/* The first line of a small file, without its newline. */
static kvp_status read_line(const char *path, char *line, size_t size,
                            kvp_error *err)
{
	kvp_status st;

	if ((st = read_text(path, line, size, err)) != KVP_OK)
		return st;
	line[strcspn(line, "\n")] = '\0';
	if (!line[0])
		return kvp__error_at(err, KVP_ERR_UNSUPPORTED, path, 0, 0,
		                     "empty file");
	return KVP_OK;
}

/* The number after "key:" at the start of a line of text. */
static int find_value(const char *text, const char *key,
                      unsigned long long *value)
{
	size_t key_len = strlen(key);

	for (const char *line = text; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL)
		if (strncmp(line, key, key_len) == 0 && line[key_len] == ':')
			return sscanf(line + key_len + 1, "%llu", value) == 1;
	return 0;
}

/* "1024K", "32M", "1G" (binary, as sysfs means them) or plain bytes. */
static int parse_size(const char *text, uint64_t *bytes)
{
	char *end;
	unsigned long long value;
	uint64_t unit = 1;

	errno = 0;
	value = strtoull(text, &end, 10);
	if (end == text || errno)
		return 0;
	switch (*end) {
	case 'K':
		unit = 1024;
		end++;
		break;
	case 'M':
		unit = 1024 * 1024;
		end++;
		break;
	case 'G':
		unit = 1024 * 1024 * 1024;
		end++;
		break;
	}
	return *end == '\0' && kvp__mul(value, unit, bytes);
}

kvp_status kvp__host_memory(const char *proc_root, uint64_t *total_bytes,
                            uint64_t *available_bytes, kvp_error *err)
{
	char path[PATH_BYTES], text[TEXT_BYTES];
	unsigned long long total_kib, available_kib;
	kvp_status st;

	snprintf(path, sizeof path, "%s/meminfo", proc_root);
	if ((st = read_text(path, text, sizeof text, err)) != KVP_OK)
		return st;
	if (!find_value(text, "MemTotal", &total_kib) || total_kib == 0)
		return kvp__error_at(err, KVP_ERR_UNSUPPORTED, path, 0, 0,
		                     "no MemTotal line");
	/* Kernels before 3.14 have no MemAvailable; free memory is the
	 * cautious stand-in. */
	if (!find_value(text, "MemAvailable", &available_kib) &&
	    !find_value(text, "MemFree", &available_kib))
		return kvp__error_at(err, KVP_ERR_UNSUPPORTED, path, 0, 0,
		                     "no MemAvailable or MemFree line");
	if (!kvp__mul(total_kib, 1024, total_bytes) ||
	    !kvp__mul(available_kib, 1024, available_bytes))
		return kvp__error_at(err, KVP_ERR_UNSUPPORTED, path, 0, 0,
		                     "memory sizes overflow 64-bit bytes");
	return kvp__error_clear(err);
}

kvp_status kvp__host_caches(const char *sys_root, uint64_t *l2_bytes,
                            uint64_t *llc_bytes, kvp_error *err)
{
	char dir[PATH_BYTES], path[PATH_BYTES + 16], level_text[32],
	     type_text[32], size_text[32];
	uint64_t l2 = 0, llc = 0, size;
	unsigned long level, llc_level = 0;
	kvp_status st;
	int index;

	for (index = 0; index < MAX_CACHE_INDEX; index++) {
		snprintf(dir, sizeof dir, "%s/devices/system/cpu/cpu0/cache/index%d",
		         sys_root, index);
		snprintf(path, sizeof path, "%s/level", dir);
		if (access(path, F_OK) != 0) {
			if (index == 0)
				return kvp__error_at(err, KVP_ERR_UNSUPPORTED, dir, 0, 0,
				                     "no CPU cache information: %s",
				                     strerror(errno));
			break;
		}
		if ((st = read_line(path, level_text, sizeof level_text, err)) != KVP_OK)
			return st;
		snprintf(path, sizeof path, "%s/type", dir);
		if ((st = read_line(path, type_text, sizeof type_text, err)) != KVP_OK)
			return st;
		snprintf(path, sizeof path, "%s/size", dir);
		if ((st = read_line(path, size_text, sizeof size_text, err)) != KVP_OK)
			return st;
		level = strtoul(level_text, NULL, 10);
		if (!parse_size(size_text, &size))
			return kvp__error_at(err, KVP_ERR_UNSUPPORTED, path, 0, 0,
			                     "unreadable cache size '%s'", size_text);
		/* Instruction caches hold no data, so no KV cache either. */
		if (strcmp(type_text, "Instruction") == 0)
			continue;
		if (level == 2)
			l2 = size;
		if (level > llc_level) {
			llc_level = level;
			llc = size;
		}
	}
	if (l2 == 0)
		return kvp__error(err, KVP_ERR_UNSUPPORTED,
		                  "%s/devices/system/cpu/cpu0/cache lists no level-2 data cache",
		                  sys_root);
	*l2_bytes = l2;
	*llc_bytes = llc_level > 2 ? llc : 0;
	return kvp__error_clear(err);
}

kvp_status kvp__host_resident(const char *proc_root, uint64_t *bytes,
                              kvp_error *err)
{
	char path[PATH_BYTES], line[256];
	unsigned long long size_pages, resident_pages;
	long page = sysconf(_SC_PAGESIZE);
	kvp_status st;

	snprintf(path, sizeof path, "%s/self/statm", proc_root);
	if ((st = read_line(path, line, sizeof line, err)) != KVP_OK)
		return st;
	if (sscanf(line, "%llu %llu", &size_pages, &resident_pages) != 2 ||
	    page <= 0 || !kvp__mul(resident_pages, (uint64_t)page, bytes))
		return kvp__error_at(err, KVP_ERR_UNSUPPORTED, path, 0, 0,
		                     "unreadable statm '%s'", line);
	return kvp__error_clear(err);
}

/* ---- memory cgroups ---- */

/* Room for a cgroup directory: the root, the hierarchy and the path. */
#define CGROUP_DIR_BYTES 4096
/* A line of /proc/self/cgroup, or a number file such as memory.max. */
#define CGROUP_LINE_BYTES 64

/* A whole decimal number, as the kernel writes memory.max and
 * memory.current: digits, then nothing but one newline. */
static int parse_count(const char *text, uint64_t *value)
{
	unsigned long long v;
	char *end;

	if (*text < '0' || *text > '9')
		return 0;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || (*end && strcmp(end, "\n") != 0))
		return 0;
	*value = v;
	return 1;
}

/* The number in dir/name; 0 when it is missing, unreadable or malformed. */
static int read_count(const char *dir, const char *name, uint64_t *value)
{
	char path[CGROUP_DIR_BYTES + 32], text[CGROUP_LINE_BYTES];
	int n = snprintf(path, sizeof path, "%s/%s", dir, name);

	return n > 0 && (size_t)n < sizeof path &&
	       read_text(path, text, sizeof text, NULL) == KVP_OK &&
	       parse_count(text, value);
}

/* Whether the comma-separated list names the memory controller. */
static int lists_memory(const char *list, size_t len)
{
	while (len > 0) {
		const char *comma = memchr(list, ',', len);
		size_t item = comma ? (size_t)(comma - list) : len;

		if (item == 6 && memcmp(list, "memory", 6) == 0)
			return 1;
		if (!comma)
			break;
		len -= item + 1;
		list = comma + 1;
	}
	return 0;
}

/* The process's memory cgroup path from proc_root/self/cgroup, and the
 * version of its hierarchy: a v1 line "ID:...memory...:PATH" wins over
 * the v2 line "0::PATH".  Only whole lines (ending in a newline) count. */
static int self_cgroup(const char *proc_root, char *path, size_t size,
                       int *version)
{
	char file[PATH_BYTES], text[TEXT_BYTES];
	const char *line, *next;
	int found = 0;

	snprintf(file, sizeof file, "%s/self/cgroup", proc_root);
	if (read_text(file, text, sizeof text, NULL) != KVP_OK)
		return 0;
	for (line = text; (next = strchr(line, '\n')) != NULL; line = next + 1) {
		const char *c1 = memchr(line, ':', (size_t)(next - line));
		const char *c2 = c1 ? memchr(c1 + 1, ':', (size_t)(next - c1 - 1))
		                    : NULL;
		size_t len;
		int v;

		if (!c2 || c2[1] != '/')
			continue;
		if (lists_memory(c1 + 1, (size_t)(c2 - c1 - 1)))
			v = 1;
		else if (c1 == line + 1 && line[0] == '0' && c2 == c1 + 1)
			v = 2;
		else
			continue;
		if (found && v == 2)
			continue; /* only the first v2 line counts; a v1 line replaces it */
		len = (size_t)(next - c2 - 1);
		if (len >= size)
			return 0;
		memcpy(path, c2 + 1, len);
		path[len] = '\0';
		*version = v;
		found = 1;
		if (v == 1)
			break;
	}
	return found;
}

/* Whether a cgroup path has a ".." component: a process outside its
 * cgroup namespace's root sees "/../NAME", which is not under the mount. */
static int has_dotdot(const char *path)
{
	for (const char *p = path; (p = strstr(p, "/..")) != NULL; p += 3)
		if (p[3] == '/' || p[3] == '\0')
			return 1;
	return 0;
}

/* Reads every level from mount/path up to mount and keeps, in *best, the
 * one with the least headroom.  Returns 1 when a level had a limit. */
static int walk_levels(const char *mount, const char *path, int version,
                       kvp__cgroup_memory *best)
{
	const char *limit_name = version == 2 ? "memory.max" : "memory.limit_in_bytes";
	const char *usage_name = version == 2 ? "memory.current" : "memory.usage_in_bytes";
	char dir[CGROUP_DIR_BYTES];
	size_t mount_len = strlen(mount), len;
	int n, found = 0;

	n = snprintf(dir, sizeof dir, "%s%s", mount, path);
	if (n < 0 || (size_t)n >= sizeof dir)
		return 0;
	len = (size_t)n;
	while (len > mount_len && dir[len - 1] == '/')
		dir[--len] = '\0';
	/* Without a cgroup namespace a container may see its own cgroup as
	 * the mount's top while /proc/self/cgroup gives the host's path; a
	 * path out of the namespace is not under the mount at all. */
	if (has_dotdot(path) || access(dir, F_OK) != 0)
		dir[len = mount_len] = '\0';
	for (;;) {
		uint64_t limit, usage;

		/* v2's "max" fails parse_count, as does any other text. */
		if (read_count(dir, limit_name, &limit) &&
		    read_count(dir, usage_name, &usage)) {
			uint64_t headroom = limit > usage ? limit - usage : 0;

			if (!found || headroom < best->headroom) {
				best->headroom = headroom;
				best->limit = limit;
				best->usage = usage;
				best->version = version;
				snprintf(best->path, sizeof best->path, "%s",
				         len > mount_len ? dir + mount_len : "/");
			}
			found = 1;
		}
		if (len <= mount_len)
			break;
		while (len > mount_len && dir[len - 1] != '/')
			len--;
		while (len > mount_len && dir[len - 1] == '/')
			len--;
		dir[len] = '\0';
	}
	return found;
}

int kvp__host_cgroup_memory(const char *proc_root, const char *sys_root,
                            kvp__cgroup_memory *out)
{
	char path[CGROUP_DIR_BYTES], mount[PATH_BYTES + 32], probe[PATH_BYTES + 64];
	int version;

	if (!self_cgroup(proc_root, path, sizeof path, &version))
		return 0;
	if (version == 1) {
		snprintf(mount, sizeof mount, "%s/fs/cgroup/memory", sys_root);
	} else {
		/* Unified: the hierarchy is at fs/cgroup; hybrid: at
		 * fs/cgroup/unified, with tmpfs and v1 mounts above it. */
		snprintf(mount, sizeof mount, "%s/fs/cgroup", sys_root);
		snprintf(probe, sizeof probe, "%s/cgroup.controllers", mount);
		if (access(probe, F_OK) != 0)
			snprintf(mount, sizeof mount, "%s/fs/cgroup/unified", sys_root);
	}
	memset(out, 0, sizeof *out);
	return walk_levels(mount, path, version, out);
}

kvp_status kvp__host_available_at(const char *proc_root, const char *sys_root,
                                  kvp__host_available *out, kvp_error *err)
{
	kvp__host_available a;
	kvp_status st;

	memset(&a, 0, sizeof a);
	if ((st = kvp__host_memory(proc_root, &a.total_bytes, &a.meminfo_bytes,
	                           err)) != KVP_OK)
		return st;
	a.available_bytes = a.meminfo_bytes;
	a.cgroup_read = kvp__host_cgroup_memory(proc_root, sys_root, &a.cgroup);
	if (a.cgroup_read && a.cgroup.headroom < a.meminfo_bytes) {
		a.available_bytes = a.cgroup.headroom;
		a.cgroup_bound = 1;
	}
	*out = a;
	return kvp__error_clear(err);
}

/* "this machine: MODEL, N CPUs" from cpuinfo's first "model name"; plain
 * "this machine" when it has none (many ARM kernels).  The model is
 * escaped and cut whole, so the description is printable UTF-8 like every
 * one the catalogue loads. */
static void describe(const char *proc_root, char *out, size_t size)
{
	char path[PATH_BYTES], text[TEXT_BYTES], model[80];
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	const char *line, *value;

	snprintf(out, size, "this machine");
	snprintf(path, sizeof path, "%s/cpuinfo", proc_root);
	if (read_text(path, text, sizeof text, NULL) != KVP_OK)
		return;
	for (line = text; line && *line;
	     line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (strncmp(line, "model name", 10) != 0 || !strchr(line, ':'))
			continue;
		value = strchr(line, ':') + 1;
		value += strspn(value, " \t");
		text[(size_t)(value - text) + strcspn(value, "\n")] = '\0';
		snprintf(out, size, "this machine: %s, %ld CPUs",
		         kvp_escape(value, model, sizeof model), cpus > 0 ? cpus : 1);
		return;
	}
}

kvp_status kvp__device_host_with(const char *proc_root, const char *sys_root,
                                 uint64_t (*l2_fallback)(void),
                                 kvp_device *out, uint64_t *available_bytes,
                                 kvp_error *err)
{
	kvp_device device;
	kvp__host_available available;
	char cache_dir[PATH_BYTES];
	kvp_status st;

	if (!out)
		return kvp__error(err, KVP_ERR_INVALID, "no device given");
	memset(&device, 0, sizeof device);
	snprintf(device.name, sizeof device.name, "host");
	/* The cgroup walk only matters to a caller that asks what is
	 * available; the device itself needs MemTotal alone. */
	if ((st = available_bytes
	          ? kvp__host_available_at(proc_root, sys_root, &available, err)
	          : kvp__host_memory(proc_root, &available.total_bytes,
	                             &available.available_bytes, err)) != KVP_OK)
		return st;
	/* Some virtual machines and sandboxes have no sysfs cache directory
	 * at all; the C library may still know L2 (glibc asks cpuid).  Its
	 * last-level figure is not taken: it can be the whole package's L3
	 * (508 MiB on a 2-core EPYC guest whose cores share 32 MiB), not what
	 * a core can use, so llc_bytes stays 0, unknown. */
	snprintf(cache_dir, sizeof cache_dir, "%s/devices/system/cpu/cpu0/cache",
	         sys_root);
	if (!(l2_fallback && access(cache_dir, F_OK) != 0 &&
	      (device.l2_bytes = l2_fallback()) > 0) &&
	    (st = kvp__host_caches(sys_root, &device.l2_bytes, &device.llc_bytes,
	                           err)) != KVP_OK)
		return st;
	device.hbm_bytes = available.total_bytes;
	describe(proc_root, device.description, sizeof device.description);
	*out = device;
	if (available_bytes)
		*available_bytes = available.available_bytes;
	return kvp__error_clear(err);
}

kvp_status kvp__device_host_at(const char *proc_root, const char *sys_root,
                               kvp_device *out, uint64_t *available_bytes,
                               kvp_error *err)
{
	return kvp__device_host_with(proc_root, sys_root, NULL, out,
	                             available_bytes, err);
}

/* L2 as the C library reports it: glibc's sysconf extension, from cpuid on
 * x86; 0 where it does not know. */
static uint64_t libc_l2_bytes(void)
{
#ifdef _SC_LEVEL2_CACHE_SIZE
	long size = sysconf(_SC_LEVEL2_CACHE_SIZE);

	return size > 0 ? (uint64_t)size : 0;
#else
	return 0;
#endif
}

kvp_status kvp_device_host(kvp_device *out, uint64_t *available_bytes,
                           kvp_error *err)
{
	return kvp__device_host_with("/proc", "/sys", libc_l2_bytes, out,
	                             available_bytes, err);
}
