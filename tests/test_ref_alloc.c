/*
 * test_ref_alloc.c — unit tests for lib/ref/alloc.c: the counting allocator
 * behind the reference cache (bytes per category, current and peak, failure
 * injection) and that it hands every block back to malloc's owner.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ref/ref.h"
#include "testutil.h"

/* Each category counts only its own bytes; peak follows the high water. */
static void test_counts_per_category(void **state)
{
	kvp__counter counter;
	kvp_error err;
	char *cache, *weights, *more_cache;
	long live = testutil_live_blocks();

	(void)state;
	kvp__counter_init(&counter);
	cache = kvp__counter_alloc(&counter, KVP_MEM_CACHE, 10, 100, &err);
	weights = kvp__counter_alloc(&counter, KVP_MEM_WEIGHTS, 1, 7, &err);
	more_cache = kvp__counter_alloc(&counter, KVP_MEM_CACHE, 3, 1, &err);
	assert_non_null(cache);
	assert_non_null(weights);
	assert_non_null(more_cache);
	assert_int_equal(counter.current_bytes[KVP_MEM_CACHE], 1003);
	assert_int_equal(counter.current_bytes[KVP_MEM_WEIGHTS], 7);
	assert_int_equal(counter.current_bytes[KVP_MEM_SCRATCH], 0);
	assert_int_equal(counter.current_bytes[KVP_MEM_META], 0);
	assert_int_equal(counter.allocations, 3);

	kvp__counter_free(&counter, cache);
	assert_int_equal(counter.current_bytes[KVP_MEM_CACHE], 3);
	assert_int_equal(counter.peak_bytes[KVP_MEM_CACHE], 1003);
	kvp__counter_free(&counter, more_cache);
	kvp__counter_free(&counter, weights);
	for (int c = 0; c < KVP_MEM_CATEGORY_COUNT; c++)
		assert_int_equal(counter.current_bytes[c], 0);
	assert_int_equal(counter.peak_bytes[KVP_MEM_WEIGHTS], 7);
	assert_int_equal(testutil_live_blocks(), live);
}

/* Blocks come back zeroed and on a 64-byte cache line, whatever their
 * size (small ones from malloc's heap, large ones mapped apart), and a
 * zero-byte block is a real, freeable block that counts nothing. */
static void test_zeroed_and_aligned(void **state)
{
	kvp__counter counter;
	unsigned char *block;
	void *empty;

	(void)state;
	kvp__counter_init(&counter);
	block = kvp__counter_alloc(&counter, KVP_MEM_SCRATCH, 4096, 1, NULL);
	assert_non_null(block);
	assert_int_equal((uintptr_t)block % 64, 0);
	for (int i = 0; i < 4096; i++)
		assert_int_equal(block[i], 0);
	for (uint64_t size = 1; size <= (1u << 22); size = size * 3 + 1) {
		unsigned char *b = kvp__counter_alloc(&counter, KVP_MEM_CACHE, size, 1, NULL);

		assert_non_null(b);
		assert_int_equal((uintptr_t)b % 64, 0);
		assert_int_equal(b[size - 1], 0);
		assert_int_equal(counter.current_bytes[KVP_MEM_CACHE], size);
		kvp__counter_free(&counter, b);
	}
	empty = kvp__counter_alloc(&counter, KVP_MEM_SCRATCH, 0, 8, NULL);
	assert_non_null(empty);
	assert_int_equal(counter.current_bytes[KVP_MEM_SCRATCH], 4096);
	kvp__counter_free(&counter, empty);
	kvp__counter_free(&counter, block);
	kvp__counter_free(&counter, NULL);
	assert_int_equal(counter.current_bytes[KVP_MEM_SCRATCH], 0);
}

/* fail_at makes exactly that allocation fail, with a message naming what
 * was asked; the count includes the failed one and nothing is counted. */
static void test_fail_at_nth(void **state)
{
	kvp__counter counter;
	kvp_error err;
	void *a, *b, *c;

	(void)state;
	kvp__counter_init(&counter);
	counter.fail_at = 2;
	a = kvp__counter_alloc(&counter, KVP_MEM_CACHE, 1, 64, &err);
	b = kvp__counter_alloc(&counter, KVP_MEM_WEIGHTS, 1, 128, &err);
	assert_non_null(a);
	assert_null(b);
	assert_int_equal(err.status, KVP_ERR_NOMEM);
	assert_non_null(strstr(err.message, "128 bytes of weights"));
	c = kvp__counter_alloc(&counter, KVP_MEM_WEIGHTS, 1, 128, &err);
	assert_non_null(c);
	assert_int_equal(counter.allocations, 3);
	assert_int_equal(counter.current_bytes[KVP_MEM_WEIGHTS], 128);
	kvp__counter_free(&counter, a);
	kvp__counter_free(&counter, c);
}

/* A size whose product overflows is refused before malloc is asked. */
static void test_overflow_refused(void **state)
{
	kvp__counter counter;
	kvp_error err;
	unsigned long calls;

	(void)state;
	kvp__counter_init(&counter);
	testutil_fail_at(0);
	assert_null(kvp__counter_alloc(&counter, KVP_MEM_CACHE, UINT64_MAX / 2,
	                               3, &err));
	assert_int_equal(err.status, KVP_ERR_NOMEM);
	assert_non_null(strstr(err.message, "overflow"));
	assert_null(kvp__counter_alloc(&counter, KVP_MEM_CACHE, 1,
	                               UINT64_MAX - 8, &err));
	calls = testutil_alloc_calls();
	assert_int_equal(calls, 0);
	assert_int_equal(counter.current_bytes[KVP_MEM_CACHE], 0);
}

/* malloc itself failing is reported the same way as fail_at. */
static void test_malloc_failure(void **state)
{
	kvp__counter counter;
	kvp_error err;
	long live = testutil_live_blocks();

	(void)state;
	kvp__counter_init(&counter);
	testutil_fail_at(1);
	assert_null(kvp__counter_alloc(&counter, KVP_MEM_META, 1, 32, &err));
	testutil_fail_at(0);
	assert_int_equal(err.status, KVP_ERR_NOMEM);
	assert_int_equal(counter.current_bytes[KVP_MEM_META], 0);
	assert_int_equal(testutil_live_blocks(), live);
}

/* Every category has its own name; an invalid one is refused. */
static void test_category_names(void **state)
{
	kvp__counter counter;
	kvp_error err;

	(void)state;
	assert_string_equal(kvp_mem_category_name(KVP_MEM_CACHE), "cache");
	assert_string_equal(kvp_mem_category_name(KVP_MEM_WEIGHTS), "weights");
	assert_string_equal(kvp_mem_category_name(KVP_MEM_SCRATCH), "scratch");
	assert_string_equal(kvp_mem_category_name(KVP_MEM_META), "meta");
	assert_string_equal(kvp_mem_category_name((kvp_mem_category)9), "unknown");
	kvp__counter_init(&counter);
	assert_null(kvp__counter_alloc(&counter, (kvp_mem_category)9, 1, 1, &err));
	assert_int_equal(err.status, KVP_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_per_category),
		cmocka_unit_test(test_zeroed_and_aligned),
		cmocka_unit_test(test_fail_at_nth),
		cmocka_unit_test(test_overflow_refused),
		cmocka_unit_test(test_malloc_failure),
		cmocka_unit_test(test_category_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
