/*
 * gguf_keys.c — the first part of the GGUF header walk: the magic, the
 * version and the counts, then the key/value pairs, indexed and sorted by
 * key with their values skipped by arithmetic, and general.alignment.
 * The checks follow gguf_init_from_reader in ggml/src/gguf.cpp (llama.cpp
 * commit 067d44f6c484).
 */
#include <stdlib.h>
#include <string.h>

#include "gguf.h"

/* Reads one key/value pair into kv, skipping its value by arithmetic (a
 * tokenizer's 150,000 strings are passed over, never copied). */
static kvp_status read_kv(kvp__gguf_cursor *c, uint64_t index,
                          kvp__gguf_kv *kv)
{
	char q[KVP_QUOTE_MAX];
	uint64_t type_at, size;
	kvp_status st;

	kv->key_at = c->at;
	if ((st = kvp__gguf_read_string(c, "key", &kv->key, &kv->key_len)) !=
	    KVP_OK)
		return st;
	if (kv->key_len == 0)
		return kvp__gguf_bad(c, kv->key_at, "key %llu is empty",
		                     (unsigned long long)index);
	kvp__gguf_quote(kv->key, kv->key_len, q);
	type_at = c->at;
	if ((st = kvp__gguf_read_u32(c, "value type", &kv->type)) != KVP_OK)
		return st;
	kv->elem_type = kv->type;
	kv->count = 1;
	if (kv->type == KVP__GGUF_ARRAY) {
		type_at = c->at;
		if ((st = kvp__gguf_read_u32(c, "array type", &kv->elem_type)) !=
		            KVP_OK ||
		    (st = kvp__gguf_read_u64(c, "array length", &kv->count)) !=
		            KVP_OK)
			return st;
		if (kv->elem_type == KVP__GGUF_ARRAY)
			return kvp__gguf_bad(c, type_at, "key '%s' is an array of"
			                     " arrays, which GGUF does not allow",
			                     q);
	}
	if (kv->elem_type >= KVP__GGUF_TYPE_COUNT)
		return kvp__gguf_bad(c, type_at, "key '%s' has unknown value type"
		                     " %u", q, kv->elem_type);
	kv->value_at = c->at;
	if (kv->elem_type == KVP__GGUF_STRING) {
		/* Each string takes at least its 8-byte length. */
		if (kv->count > kvp__gguf_remain(c) / 8)
			return kvp__gguf_bad(c, type_at, "key '%s' has %llu strings,"
			                     " more than the %llu bytes that remain"
			                     " can hold", q,
			                     (unsigned long long)kv->count,
			                     (unsigned long long)kvp__gguf_remain(c));
		for (uint64_t i = 0; i < kv->count; i++) {
			const char *text;
			uint64_t len;

			if ((st = kvp__gguf_read_string(c, "string", &text,
			                                &len)) != KVP_OK)
				return st;
		}
		return KVP_OK;
	}
	if (!kvp__mul(kv->count, kvp__gguf_scalar_size(kv->elem_type), &size) ||
	    size > kvp__gguf_remain(c))
		return kvp__gguf_bad(c, type_at, "key '%s' has %llu values of %s,"
		                     " more than the %llu bytes that remain", q,
		                     (unsigned long long)kv->count,
		                     kvp__gguf_type_name(kv->elem_type),
		                     (unsigned long long)kvp__gguf_remain(c));
	c->at += (size_t)size;
	return KVP_OK;
}

static int kv_compare(const void *a, const void *b)
{
	const kvp__gguf_kv *x = a, *y = b;
	uint64_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
	int r = memcmp(x->key, y->key, (size_t)n);

	if (r == 0 && x->key_len != y->key_len)
		r = x->key_len < y->key_len ? -1 : 1;
	if (r == 0 && x->key_at != y->key_at)
		r = x->key_at < y->key_at ? -1 : 1;
	return r;
}

const kvp__gguf_kv *kvp__gguf_find(const kvp__gguf *g, const char *key)
{
	kvp__gguf_kv probe = {.key = key, .key_len = strlen(key)};
	uint64_t lo = 0, hi = g->n_kv;

	/* The keys are sorted and unique: compare without key_at. */
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		int r;

		probe.key_at = g->kv[mid].key_at;
		r = kv_compare(&g->kv[mid], &probe);
		if (r == 0)
			return &g->kv[mid];
		if (r < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

kvp_status kvp__gguf_read_header(kvp__gguf_cursor *c, uint64_t *n_tensors,
                                 uint64_t *n_kv)
{
	uint32_t version;
	kvp_status st;

	if (c->length < 4)
		return kvp__gguf_bad(c, 0, "truncated header: %zu bytes, not a"
		                     " GGUF file", c->length);
	if (memcmp(c->data, "GGUF", 4) != 0) {
		char magic[5];

		for (int i = 0; i < 4; i++)
			magic[i] = c->data[i] > ' ' && c->data[i] < 0x7f
			                   ? (char)c->data[i] : '?';
		magic[4] = '\0';
		return kvp__gguf_bad(c, 0, "magic is '%s', not 'GGUF': not a GGUF"
		                     " file", magic);
	}
	c->at = 4;
	if ((st = kvp__gguf_read_u32(c, "version", &version)) != KVP_OK)
		return st;
	/* A file written on the other byte order reads its small version
	 * with the low half zero (3 as 0x03000000), as gguf.cpp checks. */
	if (version != 0 && (version & 0xffffu) == 0)
		return kvp__gguf_bad(c, 4, "big-endian GGUF is not supported"
		                     " (version reads 0x%08x)", version);
	if (version == 1)
		return kvp__gguf_bad(c, 4, "GGUF version 1 (32-bit counts) is not"
		                     " supported: convert the model again");
	if (version < 2 || version > 3)
		return kvp__gguf_bad(c, 4, "GGUF version %u is not supported (2"
		                     " and 3 are)", version);
	if ((st = kvp__gguf_read_u64(c, "tensor count", n_tensors)) != KVP_OK ||
	    (st = kvp__gguf_read_u64(c, "key/value count", n_kv)) != KVP_OK)
		return st;
	if (*n_kv > kvp__gguf_remain(c) / KVP__GGUF_KV_MIN)
		return kvp__gguf_bad(c, 16, "%llu keys need at least %llu bytes"
		                     " each, and %llu bytes remain",
		                     (unsigned long long)*n_kv,
		                     (unsigned long long)KVP__GGUF_KV_MIN,
		                     (unsigned long long)kvp__gguf_remain(c));
	if (*n_tensors > kvp__gguf_remain(c) / KVP__GGUF_TENSOR_MIN)
		return kvp__gguf_bad(c, 8, "%llu tensors need at least %llu bytes"
		                     " each, and %llu bytes remain",
		                     (unsigned long long)*n_tensors,
		                     (unsigned long long)KVP__GGUF_TENSOR_MIN,
		                     (unsigned long long)kvp__gguf_remain(c));
	if (*n_kv > KVP__GGUF_KV_MAX)
		return kvp__error_at(c->err, KVP_ERR_RANGE, c->path, 0, 0,
		                     "at byte 16: %llu keys, more than the %u this"
		                     " reader takes", (unsigned long long)*n_kv,
		                     KVP__GGUF_KV_MAX);
	if (*n_tensors > KVP__GGUF_TENSORS_MAX)
		return kvp__error_at(c->err, KVP_ERR_RANGE, c->path, 0, 0,
		                     "at byte 8: %llu tensors, more than the %u this"
		                     " reader takes",
		                     (unsigned long long)*n_tensors,
		                     KVP__GGUF_TENSORS_MAX);
	return KVP_OK;
}

kvp_status kvp__gguf_read_kvs(kvp__gguf_cursor *c, kvp__gguf *g,
                              uint64_t *alignment)
{
	char q[KVP_QUOTE_MAX];
	const kvp__gguf_kv *align;
	kvp_status st;
	uint64_t value;

	for (uint64_t i = 0; i < g->n_kv; i++)
		if ((st = read_kv(c, i, &g->kv[i])) != KVP_OK)
			return st;
	if (g->n_kv > 1)
		qsort(g->kv, (size_t)g->n_kv, sizeof *g->kv, kv_compare);
	for (uint64_t i = 1; i < g->n_kv; i++) {
		const kvp__gguf_kv *a = &g->kv[i - 1], *b = &g->kv[i];

		if (a->key_len == b->key_len &&
		    memcmp(a->key, b->key, (size_t)a->key_len) == 0)
			return kvp__gguf_bad(c, b->key_at, "duplicate key '%s'"
			                     " (first at byte %llu)",
			                     kvp__gguf_quote(b->key, b->key_len, q),
			                     (unsigned long long)a->key_at);
	}
	*alignment = KVP__GGUF_DEFAULT_ALIGNMENT;
	align = kvp__gguf_find(g, "general.alignment");
	if (align) {
		if (align->type != KVP__GGUF_UINT32)
			return kvp__gguf_bad(c, align->key_at, "key"
			                     " 'general.alignment' is a %s, not a"
			                     " uint32",
			                     kvp__gguf_type_name(align->type));
		if ((st = kvp__gguf_uint(g, align, 0, &value, c->err)) != KVP_OK)
			return st;
		if (value == 0 || (value & (value - 1)) != 0)
			return kvp__gguf_bad(c, align->value_at, "general.alignment"
			                     " %llu is not a power of 2",
			                     (unsigned long long)value);
		*alignment = value;
	}
	return KVP_OK;
}
