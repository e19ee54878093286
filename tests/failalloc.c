/*
 * failalloc.c — an LD_PRELOAD shim for the command's allocation-failure
 * test: it makes the Nth malloc, calloc or realloc of the kvplan process
 * fail, whichever library makes it (libkvplan, libyaml, the C library's
 * stdio and memory streams), and reports how many there were.
 *
 * KVPLAN_FAIL_ALLOC=N   fail the Nth allocation (0 or unset: none)
 * KVPLAN_ALLOC_REPORT=F write the number of allocations to F at exit
 *
 * Only a process named kvplan (or libtool's lt-kvplan) is touched, so a
 * shell or wrapper on the way is not.  Allocations before this shim's
 * constructor (the loader's and libc's start-up) are not counted.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char *program_invocation_short_name;
void *__libc_malloc(size_t size);
void *__libc_calloc(size_t count, size_t size);
void *__libc_realloc(void *ptr, size_t size);

void *malloc(size_t size);
void *calloc(size_t count, size_t size);
void *realloc(void *ptr, size_t size);

static int active;
static unsigned long fail_nth;
static unsigned long calls;

__attribute__((constructor)) static void failalloc_start(void)
{
	const char *nth = getenv("KVPLAN_FAIL_ALLOC");
	const char *name = program_invocation_short_name;

	if (strcmp(name, "kvplan") != 0 && strcmp(name, "lt-kvplan") != 0)
		return;
	fail_nth = nth ? strtoul(nth, NULL, 10) : 0;
	active = 1;
}

/* Written without stdio, which could allocate. */
__attribute__((destructor)) static void failalloc_report(void)
{
	const char *path = getenv("KVPLAN_ALLOC_REPORT");
	char digits[24], *p = digits + sizeof digits;
	unsigned long n = calls;
	int fd;

	if (!active || !path)
		return;
	*--p = '\n';
	do
		*--p = (char)('0' + n % 10);
	while ((n /= 10) != 0);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return;
	if (write(fd, p, (size_t)(digits + sizeof digits - p)) < 0)
		(void)0; /* the test then finds no count and fails */
	close(fd);
}

static int should_fail(void)
{
	if (!active)
		return 0;
	calls++;
	if (fail_nth && calls == fail_nth) {
		errno = ENOMEM;
		return 1;
	}
	return 0;
}

void *malloc(size_t size)
{
	return should_fail() ? NULL : __libc_malloc(size);
}

void *calloc(size_t count, size_t size)
{
	return should_fail() ? NULL : __libc_calloc(count, size);
}

void *realloc(void *ptr, size_t size)
{
	return should_fail() ? NULL : __libc_realloc(ptr, size);
}
