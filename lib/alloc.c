/*
 * alloc.c — the single allocator behind every libkvplan allocation.
 * It adds nothing to malloc; it exists so there is one place to hook.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void *kvp__malloc(size_t size)
{
	return malloc(size ? size : 1);
}

void *kvp__calloc(size_t count, size_t size)
{
	if (count == 0 || size == 0)
		return calloc(1, 1);
	return calloc(count, size);
}

void *kvp__realloc(void *ptr, size_t size)
{
	return realloc(ptr, size ? size : 1);
}

void kvp__free(void *ptr)
{
	free(ptr);
}

char *kvp__strdup(const char *s)
{
	size_t len = strlen(s) + 1;
	char *copy = kvp__malloc(len);

	if (copy)
		memcpy(copy, s, len);
	return copy;
}
