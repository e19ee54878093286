/*
 * testutil.h — allocation counting and failure injection for the unit tests.
 * The test programs link libkvplan statically with malloc, calloc and realloc
 * wrapped (-Wl,--wrap=...), so every library allocation passes through here.
 */
#ifndef KVPLAN_TESTUTIL_H
#define KVPLAN_TESTUTIL_H

#include <stddef.h>

/* Makes the nth allocation from now fail (1 = the next one); 0 turns
 * injection off.  Allocation calls are counted either way. */
void testutil_fail_at(unsigned long nth);
/* Allocations attempted since the last testutil_fail_at call. */
unsigned long testutil_alloc_calls(void);
/* Blocks allocated through malloc/calloc/realloc(NULL, n) and not yet freed
 * through free (the count the leak checks compare). */
long testutil_live_blocks(void);

/* Writes text to a fresh file under a private temporary directory and
 * returns its path (static storage, overwritten by the next call).  The
 * directory and its files are removed at exit. */
const char *testutil_write_file(const char *relpath, const char *text);
/* The private temporary directory itself. */
const char *testutil_tmpdir(void);

#endif
