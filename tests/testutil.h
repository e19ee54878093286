/*
 * testutil.h — allocation counting and failure injection for the unit tests.
 * The test programs link libkvplan statically with malloc, calloc and realloc
 * wrapped (-Wl,--wrap=...), so every library allocation passes through here.
 */
#ifndef KVPLAN_TESTUTIL_H
#define KVPLAN_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Makes the nth allocation from now fail (1 = the next one); 0 turns
 * injection off.  Allocation calls are counted either way. */
void testutil_fail_at(unsigned long nth);
/* Allocations attempted since the last testutil_fail_at call. */
unsigned long testutil_alloc_calls(void);
/* Blocks allocated through malloc/calloc/realloc(NULL, n) and not yet freed
 * through free (the count the leak checks compare). */
long testutil_live_blocks(void);

/* One step of a loop that makes the nth allocation of a run fail, once the
 * run has returned status after making `allocations` allocations: asserts
 * that nothing is left (the n counters in current_bytes are zero, and the
 * live blocks are back at live_before), then that status is
 * KVP_ERR_NOMEM, or KVP_OK when the run made fewer than nth allocations and
 * so completed.  Returns 1 when the run completed: the loop is done. */
int testutil_injection_step(int status, unsigned long nth, unsigned long allocations,
                            const uint64_t *current_bytes, int n, long live_before);

/* Makes opendir of dir, and stat of every path under it, fail with error
 * (EACCES: as for a directory without permissions, which root, running
 * the tests, would read anyway); NULL stops.  The test programs wrap
 * opendir and stat at link time (-Wl,--wrap=...). */
void testutil_deny_dir(const char *dir, int error);

/* How the library's messages state the rule for names. */
#define TESTUTIL_NAME_RULE "(1 to 63 ASCII letters, digits, '.', '-', '_' " \
	"or '+', starting with a letter or a digit)"

/* Writes text to a fresh file under a private temporary directory and
 * returns its path (static storage, overwritten by the next call).  The
 * directory and its files are removed at exit. */
const char *testutil_write_file(const char *relpath, const char *text);
/* The private temporary directory itself. */
const char *testutil_tmpdir(void);
/* The path of name under it (static storage, overwritten by the next
 * call): a scratch data directory. */
const char *testutil_scratch_dir(const char *name);

/* How many *.yaml files dir holds (the shipped profiles of a kind). */
size_t testutil_count_yaml(const char *dir);

/* A float's bits, and the float of given bits. */
static inline uint32_t bits_of(float f)
{
	uint32_t u;

	memcpy(&u, &f, sizeof u);
	return u;
}

static inline float float_of(uint32_t u)
{
	float f;

	memcpy(&f, &u, sizeof f);
	return f;
}

#endif
