/*
 * alloc.c — the counting allocator of the reference implementation: every
 * byte of cache, weights and scratch is counted per category, current and
 * peak, so validation can compare the cache's bytes with the prediction.
 */
#include <string.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "ref/ref.h"

/* Each block's data starts on a cache line (64 bytes), so that the
 * attention kernels' 64-byte loads of an fp32 row (AVX-512) never straddle
 * two lines, and a block of 2 MiB or more on a 2 MiB page (HUGE_PAGE),
 * all of whose pages can then be huge ones (kvp__huge_pages); just before
 * it, its size, category and the pointer calloc gave, so a free needs
 * only the data's pointer.  The alignment and header are calloc's, not the
 * category's: the counts are the bytes asked for (a block calloc maps
 * afresh is not touched past them). */
#define LINE 64u
#define HUGE_PAGE ((uint64_t)2 << 20)

typedef struct block_header {
	void *raw;
	uint64_t bytes;
	uint64_t category;
} block_header;

const char *kvp_mem_category_name(kvp_mem_category category)
{
	switch (category) {
	case KVP_MEM_CACHE:
		return "cache";
	case KVP_MEM_WEIGHTS:
		return "weights";
	case KVP_MEM_SCRATCH:
		return "scratch";
	case KVP_MEM_META:
		return "meta";
	}
	return "unknown";
}

void kvp__huge_pages(void *p, uint64_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
	const uintptr_t huge = (uintptr_t)HUGE_PAGE;
	uintptr_t start = ((uintptr_t)p + huge - 1) & ~(huge - 1);
	uintptr_t end = ((uintptr_t)p + bytes) & ~(huge - 1);

	if (end > start)
		(void)madvise((void *)start, end - start, MADV_HUGEPAGE);
#else
	(void)p;
	(void)bytes;
#endif
}

void kvp__counter_init(kvp__counter *counter)
{
	memset(counter, 0, sizeof *counter);
}

void *kvp__counter_alloc(kvp__counter *counter, kvp_mem_category category,
                         uint64_t count, uint64_t size, kvp_error *err)
{
	block_header *header;
	unsigned char *raw;
	uintptr_t data;
	uint64_t bytes, with_header, align;

	if ((unsigned)category >= KVP_MEM_CATEGORY_COUNT) {
		kvp__error(err, KVP_ERR_INVALID, "unknown memory category %d",
		           (int)category);
		return NULL;
	}
	counter->allocations++;
	if (kvp__mul(count, size, &bytes))
		align = bytes >= HUGE_PAGE ? HUGE_PAGE : LINE;
	else
		align = 0;
	if (!align || !kvp__add(bytes, sizeof *header + align - 1, &with_header) ||
	    with_header > SIZE_MAX) {
		kvp__error(err, KVP_ERR_NOMEM,
		           "%llu x %llu bytes of %s overflow the address space",
		           (unsigned long long)count, (unsigned long long)size,
		           kvp_mem_category_name(category));
		return NULL;
	}
	if (counter->allocations == counter->fail_at ||
	    !(raw = kvp__calloc(1, (size_t)with_header))) {
		kvp__error(err, KVP_ERR_NOMEM,
		           "out of memory allocating %llu bytes of %s",
		           (unsigned long long)bytes,
		           kvp_mem_category_name(category));
		return NULL;
	}
	data = ((uintptr_t)(raw + sizeof *header) + (uintptr_t)align - 1) &
	       ~(uintptr_t)(align - 1);
	kvp__huge_pages((void *)data, bytes);
	header = (block_header *)data - 1;
	header->raw = raw;
	header->bytes = bytes;
	header->category = category;
	/* current never exceeds what the address space holds, so no overflow. */
	counter->current_bytes[category] += bytes;
	if (counter->current_bytes[category] > counter->peak_bytes[category])
		counter->peak_bytes[category] = counter->current_bytes[category];
	return header + 1;
}

void kvp__counter_free(kvp__counter *counter, void *ptr)
{
	block_header *header;

	if (!ptr)
		return;
	header = (block_header *)ptr - 1;
	counter->current_bytes[header->category] -= header->bytes;
	kvp__free(header->raw);
}
