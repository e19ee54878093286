/*
 * gguf_cursor.c — the GGUF reader's byte cursor: little-endian numbers and
 * strings read only after the bytes they need are checked to be there, the
 * "at byte N" error, and the values of a key (lib/gguf_keys.c indexes them)
 * read as integers or strings.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gguf.h"

kvp_status kvp__gguf_bad(kvp__gguf_cursor *c, uint64_t at, const char *fmt,
                         ...)
{
	char what[KVP_ERROR_MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return kvp__error_at(c->err, KVP_ERR_PARSE, c->path, 0, 0,
	                     "at byte %llu: %s", (unsigned long long)at, what);
}

const char *kvp__gguf_quote(const char *bytes, uint64_t len,
                            char out[KVP_QUOTE_MAX])
{
	char text[2 * KVP_QUOTE_MAX];
	size_t n = len < sizeof text - 1 ? (size_t)len : sizeof text - 1;

	memcpy(text, bytes, n);
	text[n] = '\0';
	return kvp_escape(text, out, KVP_QUOTE_MAX);
}

uint64_t kvp__gguf_remain(const kvp__gguf_cursor *c)
{
	return (uint64_t)(c->length - c->at);
}

uint64_t kvp__gguf_le(const unsigned char *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

static kvp_status need(kvp__gguf_cursor *c, uint64_t n, const char *what)
{
	if (n > kvp__gguf_remain(c))
		return kvp__gguf_bad(c, c->at, "truncated: %s needs %llu bytes,"
		                     " %llu remain", what, (unsigned long long)n,
		                     (unsigned long long)kvp__gguf_remain(c));
	return KVP_OK;
}

kvp_status kvp__gguf_read_u32(kvp__gguf_cursor *c, const char *what,
                              uint32_t *out)
{
	kvp_status st = need(c, 4, what);

	if (st == KVP_OK) {
		*out = (uint32_t)kvp__gguf_le(c->data + c->at, 4);
		c->at += 4;
	}
	return st;
}

kvp_status kvp__gguf_read_u64(kvp__gguf_cursor *c, const char *what,
                              uint64_t *out)
{
	kvp_status st = need(c, 8, what);

	if (st == KVP_OK) {
		*out = kvp__gguf_le(c->data + c->at, 8);
		c->at += 8;
	}
	return st;
}

kvp_status kvp__gguf_read_string(kvp__gguf_cursor *c, const char *what,
                                 const char **text, uint64_t *len)
{
	uint64_t at = c->at;
	kvp_status st = kvp__gguf_read_u64(c, what, len);

	if (st != KVP_OK)
		return st;
	if (*len > kvp__gguf_remain(c))
		return kvp__gguf_bad(c, at, "%s length %llu is more than the %llu"
		                     " bytes that remain", what,
		                     (unsigned long long)*len,
		                     (unsigned long long)kvp__gguf_remain(c));
	*text = (const char *)c->data + c->at;
	c->at += (size_t)*len;
	return KVP_OK;
}

unsigned kvp__gguf_scalar_size(uint32_t type)
{
	static const unsigned size[KVP__GGUF_TYPE_COUNT] = {
		1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

	return type < KVP__GGUF_TYPE_COUNT ? size[type] : 0;
}

const char *kvp__gguf_type_name(uint32_t type)
{
	static const char *const name[KVP__GGUF_TYPE_COUNT] = {
		"uint8", "int8", "uint16", "int16", "uint32", "int32",
		"float32", "bool", "string", "array", "uint64", "int64",
		"float64"};

	return type < KVP__GGUF_TYPE_COUNT ? name[type] : "unknown";
}

kvp_status kvp__gguf_uint(const kvp__gguf *g, const kvp__gguf_kv *kv,
                          uint64_t index, uint64_t *out, kvp_error *err)
{
	kvp__gguf_cursor c = {.path = g->path, .err = err};
	char q[KVP_QUOTE_MAX];
	unsigned size = kvp__gguf_scalar_size(kv->elem_type);
	const unsigned char *p;
	uint64_t v;

	kvp__gguf_quote(kv->key, kv->key_len, q);
	if (kv->elem_type == KVP__GGUF_FLOAT32 ||
	    kv->elem_type == KVP__GGUF_FLOAT64 || size == 0)
		return kvp__gguf_bad(&c, kv->key_at, "key '%s' is a %s, not an"
		                     " integer", q,
		                     kvp__gguf_type_name(kv->elem_type));
	p = g->data + kv->value_at + index * size;
	v = kvp__gguf_le(p, size);
	switch (kv->elem_type) {
	case KVP__GGUF_INT8: case KVP__GGUF_INT16: case KVP__GGUF_INT32:
	case KVP__GGUF_INT64:
		if (v >> (8 * size - 1) & 1)
			return kvp__gguf_bad(&c, kv->value_at + index * size,
			                     "key '%s' is negative", q);
		break;
	default:
		break;
	}
	*out = v;
	return KVP_OK;
}

kvp_status kvp__gguf_string(const kvp__gguf *g, const kvp__gguf_kv *kv,
                            const char **text, uint64_t *len, kvp_error *err)
{
	kvp__gguf_cursor c = {.path = g->path, .err = err};
	char q[KVP_QUOTE_MAX];

	if (kv->type != KVP__GGUF_STRING)
		return kvp__gguf_bad(&c, kv->key_at, "key '%s' is a %s, not a"
		                     " string",
		                     kvp__gguf_quote(kv->key, kv->key_len, q),
		                     kvp__gguf_type_name(kv->type));
	*len = kvp__gguf_le(g->data + kv->value_at, 8);
	*text = (const char *)g->data + kv->value_at + 8;
	return KVP_OK;
}
