/*
 * gguf_tensors.c — the second part of the GGUF header walk: the tensor
 * infos (name, shape, ggml type, data offset), their bytes counted per
 * type into the weights, and their data checked to lie where gguf.cpp
 * requires it.  The data itself is never read.
 */
#include <stdlib.h>
#include <string.h>

#include "gguf.h"

#define GGUF_MAX_DIMS 4u     /* GGML_MAX_DIMS */
#define GGUF_MAX_NAME 64u    /* GGML_MAX_NAME: a tensor's name is shorter */

/* One tensor info, kept until the data section's start is known. */
typedef struct tensor_info {
	const char *name;
	uint64_t name_len;
	uint64_t name_at;
	uint64_t offset;
	uint64_t offset_at;
	uint64_t elements;
	uint64_t bytes;
	const kvp__ggml_type *type;
} tensor_info;

/* One tensor info: name, shape, type and offset, with its element count
 * and data bytes (ne0 / block x block bytes x ne1 x ne2 x ne3). */
static kvp_status read_tensor(kvp__gguf_cursor *c, uint64_t index,
                              tensor_info *t)
{
	char q[KVP_QUOTE_MAX];
	uint64_t dims_at, type_at, ne[GGUF_MAX_DIMS] = {1, 1, 1, 1};
	uint32_t n_dims, type_id;
	int removed;
	kvp_status st;

	t->name_at = c->at;
	if ((st = kvp__gguf_read_string(c, "tensor name", &t->name,
	                                &t->name_len)) != KVP_OK)
		return st;
	if (t->name_len == 0)
		return kvp__gguf_bad(c, t->name_at, "tensor %llu has an empty"
		                     " name", (unsigned long long)index);
	kvp__gguf_quote(t->name, t->name_len, q);
	if (t->name_len >= GGUF_MAX_NAME)
		return kvp__gguf_bad(c, t->name_at, "tensor name '%s' is %llu"
		                     " bytes, more than ggml's %u", q,
		                     (unsigned long long)t->name_len,
		                     GGUF_MAX_NAME - 1);
	dims_at = c->at;
	if ((st = kvp__gguf_read_u32(c, "dimension count", &n_dims)) != KVP_OK)
		return st;
	if (n_dims > GGUF_MAX_DIMS)
		return kvp__gguf_bad(c, dims_at, "tensor '%s' has %u dimensions,"
		                     " more than ggml's %u", q, n_dims,
		                     GGUF_MAX_DIMS);
	t->elements = 1;
	for (uint32_t d = 0; d < n_dims; d++) {
		uint64_t at = c->at;

		if ((st = kvp__gguf_read_u64(c, "dimension", &ne[d])) != KVP_OK)
			return st;
		if (ne[d] == 0)
			return kvp__gguf_bad(c, at, "tensor '%s' dimension %u is 0",
			                     q, d);
		/* ggml counts elements in int64_t. */
		if (!kvp__mul(t->elements, ne[d], &t->elements) ||
		    t->elements > INT64_MAX)
			return kvp__gguf_bad(c, at, "tensor '%s' has more elements"
			                     " than ggml can count (dimension %u"
			                     " is %llu)", q, d,
			                     (unsigned long long)ne[d]);
	}
	type_at = c->at;
	if ((st = kvp__gguf_read_u32(c, "tensor type", &type_id)) != KVP_OK)
		return st;
	t->type = kvp__ggml_type_of(type_id, &removed);
	if (!t->type)
		return kvp__gguf_bad(c, type_at, "tensor '%s' has unknown ggml"
		                     " type %u", q, type_id);
	if (removed)
		return kvp__gguf_bad(c, type_at, "tensor '%s' has ggml type %u, %s"
		                     " from ggml", q, type_id, t->type->name);
	if (ne[0] % t->type->block != 0)
		return kvp__gguf_bad(c, type_at, "tensor '%s' has rows of %llu"
		                     " values, not whole %s blocks of %u", q,
		                     (unsigned long long)ne[0], t->type->name,
		                     t->type->block);
	t->bytes = ne[0] / t->type->block * t->type->bytes;
	for (uint32_t d = 1; d < GGUF_MAX_DIMS; d++)
		if (!kvp__mul(t->bytes, ne[d], &t->bytes))
			return kvp__gguf_bad(c, type_at, "tensor '%s' has more bytes"
			                     " than 64 bits count", q);
	t->offset_at = c->at;
	return kvp__gguf_read_u64(c, "tensor offset", &t->offset);
}

static int tensor_compare(const void *a, const void *b)
{
	const tensor_info *x = a, *y = b;
	uint64_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
	int r = memcmp(x->name, y->name, (size_t)n);

	if (r == 0 && x->name_len != y->name_len)
		r = x->name_len < y->name_len ? -1 : 1;
	if (r == 0)
		r = x->name_at < y->name_at ? -1 : x->name_at > y->name_at;
	return r;
}

/* The data section starts at the first aligned byte after the infos;
 * each tensor's data follows the one before, padded to the alignment
 * (gguf.cpp requires exactly that offset), and lies within the file. */
static kvp_status check_data(kvp__gguf_cursor *c, tensor_info *t, uint64_t n,
                             uint64_t alignment)
{
	char q[KVP_QUOTE_MAX];
	uint64_t start = c->at, expected = 0, end;

	if (n == 0)
		return KVP_OK;
	if (start % alignment)
		start += alignment - start % alignment;
	for (uint64_t i = 0; i < n; i++) {
		kvp__gguf_quote(t[i].name, t[i].name_len, q);
		if (t[i].offset % alignment)
			return kvp__gguf_bad(c, t[i].offset_at, "tensor '%s' data"
			                     " offset %llu is not a multiple of the"
			                     " alignment %llu", q,
			                     (unsigned long long)t[i].offset,
			                     (unsigned long long)alignment);
		if (t[i].offset != expected)
			return kvp__gguf_bad(c, t[i].offset_at, "tensor '%s' data"
			                     " offset %llu, expected %llu (each"
			                     " tensor follows the one before)", q,
			                     (unsigned long long)t[i].offset,
			                     (unsigned long long)expected);
		if (!kvp__add(start, t[i].offset, &end) ||
		    !kvp__add(end, t[i].bytes, &end) || end > c->length)
			return kvp__gguf_bad(c, t[i].offset_at, "tensor '%s' data"
			                     " (%llu bytes at data offset %llu) runs"
			                     " past the end of the file (%zu bytes)",
			                     q, (unsigned long long)t[i].bytes,
			                     (unsigned long long)t[i].offset,
			                     c->length);
		/* end <= length, so the padded size cannot overflow. */
		expected += t[i].bytes;
		if (expected % alignment)
			expected += alignment - expected % alignment;
	}
	qsort(t, (size_t)n, sizeof *t, tensor_compare);
	for (uint64_t i = 1; i < n; i++)
		if (t[i].name_len == t[i - 1].name_len &&
		    memcmp(t[i].name, t[i - 1].name, (size_t)t[i].name_len) == 0)
			return kvp__gguf_bad(c, t[i].name_at, "duplicate tensor name"
			                     " '%s' (first at byte %llu)",
			                     kvp__gguf_quote(t[i].name, t[i].name_len,
			                                     q),
			                     (unsigned long long)t[i - 1].name_at);
	return KVP_OK;
}

kvp_status kvp__gguf_read_tensors(kvp__gguf_cursor *c, uint64_t n,
                                  uint64_t alignment, kvp_weights *weights,
                                  uint64_t *params, bool *tied)
{
	tensor_info *t = NULL;
	kvp_status st = KVP_OK;

	if (n > kvp__gguf_remain(c) / KVP__GGUF_TENSOR_MIN)
		return kvp__gguf_bad(c, c->at, "%llu tensors need at least %u bytes"
		                     " each, and %llu bytes remain",
		                     (unsigned long long)n, KVP__GGUF_TENSOR_MIN,
		                     (unsigned long long)kvp__gguf_remain(c));
	if (n > 0 && !(t = kvp__malloc((size_t)n * sizeof *t)))
		return kvp__error(c->err, KVP_ERR_NOMEM, "out of memory");
	*params = 0;
	*tied = true;
	for (uint64_t i = 0; i < n && st == KVP_OK; i++) {
		st = read_tensor(c, i, &t[i]);
		if (st == KVP_OK && t[i].name_len == 13 && memcmp(t[i].name, "output.weight", 13) == 0)
			*tied = false;
		if (st == KVP_OK && !kvp__add(*params, t[i].elements, params))
			st = kvp__error_at(c->err, KVP_ERR_OVERFLOW, c->path, 0, 0,
			                   "the tensors' elements overflow 64 bits");
		if (st == KVP_OK)
			st = kvp__weights_add(weights, t[i].name, (size_t)t[i].name_len,
			                      t[i].type->name, t[i].elements, t[i].bytes,
			                      c->path, c->err);
	}
	if (st == KVP_OK)
		st = check_data(c, t, n, alignment);
	kvp__free(t);
	return st;
}
