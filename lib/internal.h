/*
 * internal.h — helpers shared by libkvplan's modules, never installed:
 * the one allocator every module uses, error reporting, checked arithmetic.
 */
#ifndef KVPLAN_INTERNAL_H
#define KVPLAN_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "kvplan.h"

#if defined(__GNUC__)
#define KVP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define KVP_PRINTF(f, a)
#endif

/* All library memory comes from here, so tests can count allocations and
 * make the Nth one fail (they wrap malloc/calloc/realloc at link time). */
void *kvp__malloc(size_t size);
void *kvp__calloc(size_t count, size_t size);
void *kvp__realloc(void *ptr, size_t size);
void kvp__free(void *ptr);
char *kvp__strdup(const char *s);

/* Fills err (when non-NULL) and returns status.  The _at form records a file
 * position; line and column are 1-based (0: unknown). */
kvp_status kvp__error(kvp_error *err, kvp_status status, const char *fmt, ...)
	KVP_PRINTF(3, 4);
kvp_status kvp__error_at(kvp_error *err, kvp_status status, const char *path,
                         unsigned long line, unsigned long column,
                         const char *fmt, ...) KVP_PRINTF(6, 7);
/* Clears err to KVP_OK and returns KVP_OK. */
kvp_status kvp__error_clear(kvp_error *err);

/* A name for a message: escaped as kvp_escape does, or fallback when it
 * is empty.  buf holds KVP_QUOTE_MAX bytes. */
const char *kvp__label(const char *name, const char *fallback, char *buf);

/* The first byte of text that kvp_escape escapes for being no printable
 * character (a control character, DEL, a C1 control or a byte that is not
 * valid UTF-8), or NULL when every character is printable. */
const char *kvp__find_control(const char *text);

/* Copies src into a fixed buffer of size dst_size; fails if it does not fit. */
int kvp__copy_name(char *dst, size_t dst_size, const char *src);

/* a * b into *out; returns 0 on overflow (and leaves *out unspecified). */
static inline int kvp__mul(uint64_t a, uint64_t b, uint64_t *out)
{
	return !__builtin_mul_overflow(a, b, out);
}

static inline int kvp__add(uint64_t a, uint64_t b, uint64_t *out)
{
	return !__builtin_add_overflow(a, b, out);
}

/* kvp_model_finalize's checks of the layers (layers.c); name labels the
 * model in messages. */
kvp_status kvp__model_check_layers(const kvp_model *model, const char *name,
                                   kvp_error *err);

/* Levenshtein distance between two short names (for suggestions);
 * returns SIZE_MAX when either is too long to compare. */
size_t kvp__edit_distance(const char *a, const char *b);

#endif
