/*
 * failalloc.c — an LD_PRELOAD shim for the command's allocation-failure
 * test: it makes the Nth malloc, calloc or realloc of the kvplan process
 * fail, whichever library makes it (libkvplan, libyaml, the C library's
 * stdio and memory streams), and reports how many there were.
 *
 * KVPLAN_FAIL_ALLOC=N   fail the Nth allocation (0 or unset: none)
 * KVPLAN_ALLOC_REPORT=F write to F at exit the number of allocations and
 *                       of blocks still allocated then ("N LIVE"): the
 *                       blocks the process made and never freed, for the
 *                       test to compare with a run where nothing failed
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
void __libc_free(void *ptr);

void *malloc(size_t size);
void *calloc(size_t count, size_t size);
void *realloc(void *ptr, size_t size);
void free(void *ptr);

static int active;
static unsigned long fail_nth;
static unsigned long calls;
/* Blocks allocated since the constructor less those freed: a block made
 * before it and freed after counts -1, the same in every run. */
static long live;

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
	char digits[48], *p = digits + sizeof digits;
	unsigned long n = calls, l = live < 0 ? (unsigned long)-live : (unsigned long)live;
	int fd;

	if (!active || !path)
		return;
	*--p = '\n';
	do
		*--p = (char)('0' + l % 10);
	while ((l /= 10) != 0);
	if (live < 0)
		*--p = '-';
	*--p = ' ';
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
	void *p = should_fail() ? NULL : __libc_malloc(size);

	live += p != NULL;
	return p;
}

void *calloc(size_t count, size_t size)
{
	void *p = should_fail() ? NULL : __libc_calloc(count, size);

	live += p != NULL;
	return p;
}

void *realloc(void *ptr, size_t size)
{
	void *p = should_fail() ? NULL : __libc_realloc(ptr, size);

	/* realloc(NULL, n) allocates; realloc(p, 0) frees (glibc). */
	if (!ptr && p)
		live++;
	else if (ptr && size == 0 && !p)
		live--;
	return p;
}

void free(void *ptr)
{
	if (ptr)
		live--;
	__libc_free(ptr);
}
