/*
 * testutil.c — malloc wrappers for failure injection and leak counting,
 * opendir and stat wrappers that deny a directory, and scratch files for
 * catalogue tests.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "kvplan.h"
#include "testutil.h"

void *__real_malloc(size_t size);
void *__real_calloc(size_t count, size_t size);
void *__real_realloc(void *ptr, size_t size);
void __real_free(void *ptr);
void *__wrap_malloc(size_t size);
void *__wrap_calloc(size_t count, size_t size);
void *__wrap_realloc(void *ptr, size_t size);

static unsigned long fail_nth;
static unsigned long calls;
static long live;

void testutil_fail_at(unsigned long nth)
{
	fail_nth = nth;
	calls = 0;
}

unsigned long testutil_alloc_calls(void)
{
	return calls;
}

long testutil_live_blocks(void)
{
	return live;
}

static int should_fail(void)
{
	calls++;
	return fail_nth && calls == fail_nth;
}

void *__wrap_malloc(size_t size)
{
	void *p;

	if (should_fail())
		return NULL;
	p = __real_malloc(size);
	if (p)
		live++;
	return p;
}

void *__wrap_calloc(size_t count, size_t size)
{
	void *p;

	if (should_fail())
		return NULL;
	p = __real_calloc(count, size);
	if (p)
		live++;
	return p;
}

void *__wrap_realloc(void *ptr, size_t size)
{
	void *p;

	if (should_fail())
		return NULL;
	p = __real_realloc(ptr, size);
	if (p && !ptr)
		live++;
	return p;
}

/* The library frees through kvp__free, which calls free; counting frees
 * needs the free wrapper too, but only for blocks counted above, so the
 * library never hands libc-allocated memory (realpath, getline) to it. */
void __wrap_free(void *ptr);
void __wrap_free(void *ptr)
{
	if (ptr)
		live--;
	__real_free(ptr);
}

int testutil_injection_step(int status, unsigned long nth, unsigned long allocations,
                            const uint64_t *current_bytes, int n, long live_before)
{
	for (int c = 0; c < n; c++)
		assert_int_equal(current_bytes[c], 0);
	assert_int_equal(testutil_live_blocks(), live_before);
	if (allocations < nth) {
		assert_int_equal(status, KVP_OK);
		return 1;
	}
	assert_int_equal(status, KVP_ERR_NOMEM);
	return 0;
}

DIR *__real_opendir(const char *name);
DIR *__wrap_opendir(const char *name);
int __real_stat(const char *path, struct stat *buf);
int __wrap_stat(const char *path, struct stat *buf);

static char denied_dir[1024];
static int denied_error;

void testutil_deny_dir(const char *dir, int error)
{
	snprintf(denied_dir, sizeof denied_dir, "%s", dir ? dir : "");
	denied_error = error;
}

/* Whether path is the denied directory (itself: 0) or under it (1); -1
 * for neither. */
static int denied_depth(const char *path)
{
	size_t len = strlen(denied_dir);

	if (!len || strncmp(path, denied_dir, len) != 0)
		return -1;
	if (path[len] == '\0')
		return 0;
	return path[len] == '/' ? 1 : -1;
}

DIR *__wrap_opendir(const char *name)
{
	if (denied_depth(name) >= 0) {
		errno = denied_error;
		return NULL;
	}
	return __real_opendir(name);
}

/* A directory without search permission can itself be stat()ed; what is
 * under it cannot.  (--wrap=stat needs glibc 2.33 or later, where stat is
 * a function; before it, stat was an inline call to __xstat.) */
int __wrap_stat(const char *path, struct stat *buf)
{
	if (denied_depth(path) > 0) {
		errno = denied_error;
		return -1;
	}
	return __real_stat(path, buf);
}

static char tmpdir[256];
static char pathbuf[1024];

static void remove_tmpdir(void)
{
	char cmd[300];

	if (tmpdir[0]) {
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmpdir);
	}
}

const char *testutil_tmpdir(void)
{
	if (!tmpdir[0]) {
		const char *base = getenv("TMPDIR");
		snprintf(tmpdir, sizeof tmpdir, "%s/kvplan-test-XXXXXX",
		         base && *base ? base : "/tmp");
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			exit(1);
		}
		atexit(remove_tmpdir);
	}
	return tmpdir;
}

const char *testutil_scratch_dir(const char *name)
{
	static char dir[1024];

	snprintf(dir, sizeof dir, "%s/%s", testutil_tmpdir(), name);
	return dir;
}

const char *testutil_write_file(const char *relpath, const char *text)
{
	FILE *f;
	char *slash;

	snprintf(pathbuf, sizeof pathbuf, "%s/%s", testutil_tmpdir(), relpath);
	for (slash = strchr(pathbuf + strlen(tmpdir) + 1, '/'); slash;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(pathbuf, 0700);
		*slash = '/';
	}
	f = fopen(pathbuf, "w");
	if (!f || fputs(text, f) == EOF || fclose(f) != 0) {
		perror(pathbuf);
		exit(1);
	}
	return pathbuf;
}

size_t testutil_count_yaml(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		n += len > 5 && strcmp(e->d_name + len - 5, ".yaml") == 0;
	}
	closedir(d);
	return n;
}
