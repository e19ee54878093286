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

/* "this machine: MODEL, N CPUs" from cpuinfo's first "model name"; plain
 * "this machine" when it has none (many ARM kernels). */
static void describe(const char *proc_root, char *out, size_t size)
{
	char path[PATH_BYTES], text[TEXT_BYTES];
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
		snprintf(out, size, "this machine: %.*s, %ld CPUs",
		         (int)(strcspn(value, "\n") < 80 ? strcspn(value, "\n") : 80),
		         value, cpus > 0 ? cpus : 1);
		return;
	}
}

kvp_status kvp__device_host_at(const char *proc_root, const char *sys_root,
                               kvp_device *out, uint64_t *available_bytes,
                               kvp_error *err)
{
	kvp_device device;
	uint64_t available;
	kvp_status st;

	if (!out)
		return kvp__error(err, KVP_ERR_INVALID, "no device given");
	memset(&device, 0, sizeof device);
	snprintf(device.name, sizeof device.name, "host");
	if ((st = kvp__host_memory(proc_root, &device.hbm_bytes, &available,
	                           err)) != KVP_OK ||
	    (st = kvp__host_caches(sys_root, &device.l2_bytes, &device.llc_bytes,
	                           err)) != KVP_OK)
		return st;
	describe(proc_root, device.description, sizeof device.description);
	*out = device;
	if (available_bytes)
		*available_bytes = available;
	return kvp__error_clear(err);
}

kvp_status kvp_device_host(kvp_device *out, uint64_t *available_bytes,
                           kvp_error *err)
{
	return kvp__device_host_at("/proc", "/sys", out, available_bytes, err);
}
