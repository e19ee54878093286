/*
 * json_load.c — jansson's allocations through kvp__malloc (so tests and
 * the allocation-failure sweeps reach them), and a parse that survives
 * every failed allocation.
 *
 * jansson 2.14 (Debian 12's) does not: when its lexer cannot grow the
 * buffer of the token it is saving, it drops the character, and then
 * reads past the buffer's end (akheron/jansson issue #362; fixed after
 * 2.14 by pull request #747).  kvplan's allocation-failure sweep found it
 * as a crash in json_loadb.  So jansson never sees an allocation fail:
 * once one has, the parse is marked failed, its input stops at the next
 * read (a callback feeds it, 1 KiB at a time), and the allocations it
 * still makes come from a reserve taken before the parse.  The tree of a
 * failed parse is freed before the reserve is, so no pointer into it
 * escapes.
 */
#include <stdint.h>
#include <string.h>

#include "inputs.h"
#include "internal.h"

/* What jansson may still allocate after a failure: the values of the
 * rest of one 1 KiB read (RESERVE_BASE), and the token buffer it is
 * growing, which doubles up to twice the longest token, at most the
 * input: 2 x length more, the whole at most RESERVE_MAX.  Taken (not
 * touched) for each parse, sized to its input: a fixed 1 MiB cost 1.5 ms
 * a parse under AddressSanitizer, a hundred times the parse of a
 * config.json. */
#define RESERVE_BASE (64 * 1024)
#define RESERVE_MAX (1024 * 1024)

static _Thread_local bool json_failed;
static _Thread_local unsigned char *reserve;
static _Thread_local size_t reserve_size, reserve_used;

static void *json_alloc(size_t size)
{
	void *p;

	if (!json_failed && (p = kvp__malloc(size)) != NULL)
		return p;
	json_failed = true;
	size = (size + 15) & ~(size_t)15;
	if (!reserve || size == 0 || size > reserve_size - reserve_used)
		return NULL;
	p = reserve + reserve_used;
	reserve_used += size;
	return p;
}

static void json_free(void *ptr)
{
	uintptr_t p = (uintptr_t)ptr, r = (uintptr_t)reserve;

	if (reserve && p >= r && p < r + reserve_size)
		return;
	kvp__free(ptr);
}

static void json_init(void)
{
	/* Idempotent, and every caller sets the same two functions. */
	json_set_alloc_funcs(json_alloc, json_free);
	json_failed = false;
}

bool kvp__json_failed(void)
{
	return json_failed;
}

struct reader {
	const char *text;
	size_t length, at;
};

/* jansson's input: the next bytes, none once an allocation failed (its
 * read error ends the parse). */
static size_t read_text(void *buffer, size_t size, void *data)
{
	struct reader *r = data;
	size_t n = r->length - r->at;

	if (json_failed)
		return (size_t)-1;
	if (n > size)
		n = size;
	memcpy(buffer, r->text + r->at, n);
	r->at += n;
	return n;
}

json_t *kvp__json_loadb(const char *text, size_t length, size_t flags,
                        json_error_t *jerr)
{
	struct reader r = {text, length, 0};
	json_t *root;

	json_init();
	reserve_size = length < (RESERVE_MAX - RESERVE_BASE) / 2
	               ? RESERVE_BASE + 2 * length : RESERVE_MAX;
	reserve = kvp__malloc(reserve_size);
	reserve_used = 0;
	if (!reserve) {
		json_failed = true;
		return NULL;
	}
	root = json_load_callback(read_text, &r, flags, jerr);
	if (json_failed) {
		json_decref(root);
		root = NULL;
	}
	kvp__free(reserve);
	reserve = NULL;
	return root;
}
