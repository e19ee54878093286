/*
 * gguf.c — the GGUF header reader: walks the metadata and the tensor infos
 * of a file in memory (mapped, for a file on disk) and checks every length
 * and count against the bytes that remain before using it.  The tensor
 * data is never read.  The checks follow ggml's own reader,
 * gguf_init_from_reader in ggml/src/gguf.cpp (llama.cpp commit
 * 067d44f6c484); where kvplan is stricter (empty tensor names, a
 * dimension of 0) the message says what is wrong.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gguf.h"

#define GGUF_DEFAULT_ALIGNMENT 32u
#define GGUF_MAX_DIMS 4u     /* GGML_MAX_DIMS */
#define GGUF_MAX_NAME 64u    /* GGML_MAX_NAME: a tensor's name is shorter */
/* The least bytes a key/value pair takes: a key of one byte (8 + 1), a
 * type (4) and a one-byte value; and a tensor info: a name of one byte,
 * n_dims, a type and an offset. */
#define GGUF_KV_MIN 14u
#define GGUF_TENSOR_MIN 25u
/* Caps far above any real model (tens of keys, a few thousand tensors),
 * which bound what a hostile count makes this reader allocate. */
#define GGUF_KV_MAX 65536u
#define GGUF_TENSORS_MAX (1u << 20)

typedef struct cursor {
	const unsigned char *data;
	size_t length;
	size_t at;
	const char *path;
	kvp_error *err;
} cursor;

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

static kvp_status bad(cursor *c, uint64_t at, const char *fmt, ...)
	KVP_PRINTF(3, 4);

/* KVP_ERR_PARSE naming the byte offset at fault. */
static kvp_status bad(cursor *c, uint64_t at, const char *fmt, ...)
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

static uint64_t remain(const cursor *c)
{
	return (uint64_t)(c->length - c->at);
}

static uint64_t le(const unsigned char *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = n; i-- > 0;)
		v = v << 8 | p[i];
	return v;
}

static kvp_status need(cursor *c, uint64_t n, const char *what)
{
	if (n > remain(c))
		return bad(c, c->at, "truncated: %s needs %llu bytes, %llu remain",
		           what, (unsigned long long)n,
		           (unsigned long long)remain(c));
	return KVP_OK;
}

static kvp_status read_u32(cursor *c, const char *what, uint32_t *out)
{
	kvp_status st = need(c, 4, what);

	if (st == KVP_OK) {
		*out = (uint32_t)le(c->data + c->at, 4);
		c->at += 4;
	}
	return st;
}

static kvp_status read_u64(cursor *c, const char *what, uint64_t *out)
{
	kvp_status st = need(c, 8, what);

	if (st == KVP_OK) {
		*out = le(c->data + c->at, 8);
		c->at += 8;
	}
	return st;
}

/* A GGUF string: a uint64 length and that many bytes. */
static kvp_status read_string(cursor *c, const char *what, const char **text,
                              uint64_t *len)
{
	uint64_t at = c->at;
	kvp_status st = read_u64(c, what, len);

	if (st != KVP_OK)
		return st;
	if (*len > remain(c))
		return bad(c, at, "%s length %llu is more than the %llu bytes that"
		           " remain", what, (unsigned long long)*len,
		           (unsigned long long)remain(c));
	*text = (const char *)c->data + c->at;
	c->at += (size_t)*len;
	return KVP_OK;
}

/* Bytes of one scalar of type (0 for a string or an array). */
static unsigned scalar_size(uint32_t type)
{
	static const unsigned size[KVP__GGUF_TYPE_COUNT] = {
		1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

	return type < KVP__GGUF_TYPE_COUNT ? size[type] : 0;
}

static const char *type_name(uint32_t type)
{
	static const char *const name[KVP__GGUF_TYPE_COUNT] = {
		"uint8", "int8", "uint16", "int16", "uint32", "int32",
		"float32", "bool", "string", "array", "uint64", "int64",
		"float64"};

	return type < KVP__GGUF_TYPE_COUNT ? name[type] : "unknown";
}

/* Reads one key/value pair into kv, skipping its value by arithmetic (a
 * tokenizer's 150,000 strings are passed over, never copied). */
static kvp_status read_kv(cursor *c, uint64_t index, kvp__gguf_kv *kv)
{
	char q[KVP_QUOTE_MAX];
	uint64_t type_at, size;
	kvp_status st;

	kv->key_at = c->at;
	if ((st = read_string(c, "key", &kv->key, &kv->key_len)) != KVP_OK)
		return st;
	if (kv->key_len == 0)
		return bad(c, kv->key_at, "key %llu is empty",
		           (unsigned long long)index);
	kvp__gguf_quote(kv->key, kv->key_len, q);
	type_at = c->at;
	if ((st = read_u32(c, "value type", &kv->type)) != KVP_OK)
		return st;
	kv->elem_type = kv->type;
	kv->count = 1;
	if (kv->type == KVP__GGUF_ARRAY) {
		type_at = c->at;
		if ((st = read_u32(c, "array type", &kv->elem_type)) != KVP_OK ||
		    (st = read_u64(c, "array length", &kv->count)) != KVP_OK)
			return st;
		if (kv->elem_type == KVP__GGUF_ARRAY)
			return bad(c, type_at, "key '%s' is an array of arrays,"
			           " which GGUF does not allow", q);
	}
	if (kv->elem_type >= KVP__GGUF_TYPE_COUNT)
		return bad(c, type_at, "key '%s' has unknown value type %u", q,
		           kv->elem_type);
	kv->value_at = c->at;
	if (kv->elem_type == KVP__GGUF_STRING) {
		/* Each string takes at least its 8-byte length. */
		if (kv->count > remain(c) / 8)
			return bad(c, type_at, "key '%s' has %llu strings, more than"
			           " the %llu bytes that remain can hold", q,
			           (unsigned long long)kv->count,
			           (unsigned long long)remain(c));
		for (uint64_t i = 0; i < kv->count; i++) {
			const char *text;
			uint64_t len;

			if ((st = read_string(c, "string", &text, &len)) != KVP_OK)
				return st;
		}
		return KVP_OK;
	}
	if (!kvp__mul(kv->count, scalar_size(kv->elem_type), &size) ||
	    size > remain(c))
		return bad(c, type_at, "key '%s' has %llu values of %s, more than"
		           " the %llu bytes that remain", q,
		           (unsigned long long)kv->count,
		           type_name(kv->elem_type),
		           (unsigned long long)remain(c));
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

kvp_status kvp__gguf_uint(const kvp__gguf *g, const kvp__gguf_kv *kv,
                          uint64_t index, uint64_t *out, kvp_error *err)
{
	cursor c = {.path = g->path, .err = err};
	char q[KVP_QUOTE_MAX];
	unsigned size = scalar_size(kv->elem_type);
	const unsigned char *p;
	uint64_t v;

	kvp__gguf_quote(kv->key, kv->key_len, q);
	if (kv->elem_type == KVP__GGUF_FLOAT32 ||
	    kv->elem_type == KVP__GGUF_FLOAT64 || size == 0)
		return bad(&c, kv->key_at, "key '%s' is a %s, not an integer", q,
		           type_name(kv->elem_type));
	p = g->data + kv->value_at + index * size;
	v = le(p, size);
	switch (kv->elem_type) {
	case KVP__GGUF_INT8: case KVP__GGUF_INT16: case KVP__GGUF_INT32:
	case KVP__GGUF_INT64:
		if (v >> (8 * size - 1) & 1)
			return bad(&c, kv->value_at + index * size,
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
	cursor c = {.path = g->path, .err = err};
	char q[KVP_QUOTE_MAX];

	if (kv->type != KVP__GGUF_STRING)
		return bad(&c, kv->key_at, "key '%s' is a %s, not a string",
		           kvp__gguf_quote(kv->key, kv->key_len, q),
		           type_name(kv->type));
	*len = le(g->data + kv->value_at, 8);
	*text = (const char *)g->data + kv->value_at + 8;
	return KVP_OK;
}

/* The magic, the version and the two counts. */
static kvp_status read_header(cursor *c, uint64_t *n_tensors, uint64_t *n_kv)
{
	uint32_t version;
	kvp_status st;

	if (c->length < 4)
		return bad(c, 0, "truncated header: %zu bytes, not a GGUF file",
		           c->length);
	if (memcmp(c->data, "GGUF", 4) != 0) {
		char magic[5];

		for (int i = 0; i < 4; i++)
			magic[i] = c->data[i] > ' ' && c->data[i] < 0x7f
			                   ? (char)c->data[i] : '?';
		magic[4] = '\0';
		return bad(c, 0, "magic is '%s', not 'GGUF': not a GGUF file",
		           magic);
	}
	c->at = 4;
	if ((st = read_u32(c, "version", &version)) != KVP_OK)
		return st;
	/* A file written on the other byte order reads its small version
	 * with the low half zero (3 as 0x03000000), as gguf.cpp checks. */
	if (version != 0 && (version & 0xffffu) == 0)
		return bad(c, 4, "big-endian GGUF is not supported (version reads"
		           " 0x%08x)", version);
	if (version == 1)
		return bad(c, 4, "GGUF version 1 (32-bit counts) is not supported:"
		           " convert the model again");
	if (version < 2 || version > 3)
		return bad(c, 4, "GGUF version %u is not supported (2 and 3 are)",
		           version);
	if ((st = read_u64(c, "tensor count", n_tensors)) != KVP_OK ||
	    (st = read_u64(c, "key/value count", n_kv)) != KVP_OK)
		return st;
	if (*n_kv > remain(c) / GGUF_KV_MIN)
		return bad(c, 16, "%llu keys need at least %llu bytes each, and %llu"
		           " bytes remain", (unsigned long long)*n_kv, (unsigned long long)GGUF_KV_MIN,
		           (unsigned long long)remain(c));
	if (*n_tensors > remain(c) / GGUF_TENSOR_MIN)
		return bad(c, 8, "%llu tensors need at least %llu bytes each, and"
		           " %llu bytes remain", (unsigned long long)*n_tensors,
		           (unsigned long long)GGUF_TENSOR_MIN,
		           (unsigned long long)remain(c));
	if (*n_kv > GGUF_KV_MAX)
		return kvp__error_at(c->err, KVP_ERR_RANGE, c->path, 0, 0,
		                     "at byte 16: %llu keys, more than the %u this"
		                     " reader takes", (unsigned long long)*n_kv,
		                     GGUF_KV_MAX);
	if (*n_tensors > GGUF_TENSORS_MAX)
		return kvp__error_at(c->err, KVP_ERR_RANGE, c->path, 0, 0,
		                     "at byte 8: %llu tensors, more than the %u this"
		                     " reader takes",
		                     (unsigned long long)*n_tensors,
		                     GGUF_TENSORS_MAX);
	return KVP_OK;
}

/* The keys, sorted; a key given twice is an error, as in gguf.cpp. */
static kvp_status read_kvs(cursor *c, kvp__gguf *g, uint64_t *alignment)
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
			return bad(c, b->key_at, "duplicate key '%s' (first at byte"
			           " %llu)", kvp__gguf_quote(b->key, b->key_len, q),
			           (unsigned long long)a->key_at);
	}
	*alignment = GGUF_DEFAULT_ALIGNMENT;
	align = kvp__gguf_find(g, "general.alignment");
	if (align) {
		if (align->type != KVP__GGUF_UINT32)
			return bad(c, align->key_at, "key 'general.alignment' is a %s,"
			           " not a uint32", type_name(align->type));
		if ((st = kvp__gguf_uint(g, align, 0, &value, c->err)) != KVP_OK)
			return st;
		if (value == 0 || (value & (value - 1)) != 0)
			return bad(c, align->value_at, "general.alignment %llu is not a"
			           " power of 2", (unsigned long long)value);
		*alignment = value;
	}
	return KVP_OK;
}

/* One tensor info: name, shape, type and offset, with its element count
 * and data bytes (ne0 / block x block bytes x ne1 x ne2 x ne3). */
static kvp_status read_tensor(cursor *c, uint64_t index, tensor_info *t)
{
	char q[KVP_QUOTE_MAX];
	uint64_t dims_at, type_at, ne[GGUF_MAX_DIMS] = {1, 1, 1, 1};
	uint32_t n_dims, type_id;
	int removed;
	kvp_status st;

	t->name_at = c->at;
	if ((st = read_string(c, "tensor name", &t->name, &t->name_len)) != KVP_OK)
		return st;
	if (t->name_len == 0)
		return bad(c, t->name_at, "tensor %llu has an empty name",
		           (unsigned long long)index);
	kvp__gguf_quote(t->name, t->name_len, q);
	if (t->name_len >= GGUF_MAX_NAME)
		return bad(c, t->name_at, "tensor name '%s' is %llu bytes, more than"
		           " ggml's %u", q, (unsigned long long)t->name_len,
		           GGUF_MAX_NAME - 1);
	dims_at = c->at;
	if ((st = read_u32(c, "dimension count", &n_dims)) != KVP_OK)
		return st;
	if (n_dims > GGUF_MAX_DIMS)
		return bad(c, dims_at, "tensor '%s' has %u dimensions, more than"
		           " ggml's %u", q, n_dims, GGUF_MAX_DIMS);
	t->elements = 1;
	for (uint32_t d = 0; d < n_dims; d++) {
		uint64_t at = c->at;

		if ((st = read_u64(c, "dimension", &ne[d])) != KVP_OK)
			return st;
		if (ne[d] == 0)
			return bad(c, at, "tensor '%s' dimension %u is 0", q, d);
		/* ggml counts elements in int64_t. */
		if (!kvp__mul(t->elements, ne[d], &t->elements) ||
		    t->elements > INT64_MAX)
			return bad(c, at, "tensor '%s' has more elements than ggml can"
			           " count (dimension %u is %llu)", q, d,
			           (unsigned long long)ne[d]);
	}
	type_at = c->at;
	if ((st = read_u32(c, "tensor type", &type_id)) != KVP_OK)
		return st;
	t->type = kvp__ggml_type_of(type_id, &removed);
	if (!t->type)
		return bad(c, type_at, "tensor '%s' has unknown ggml type %u", q,
		           type_id);
	if (removed)
		return bad(c, type_at, "tensor '%s' has ggml type %u, %s from ggml",
		           q, type_id, t->type->name);
	if (ne[0] % t->type->block != 0)
		return bad(c, type_at, "tensor '%s' has rows of %llu values, not"
		           " whole %s blocks of %u", q, (unsigned long long)ne[0],
		           t->type->name, t->type->block);
	t->bytes = ne[0] / t->type->block * t->type->bytes;
	for (uint32_t d = 1; d < GGUF_MAX_DIMS; d++)
		if (!kvp__mul(t->bytes, ne[d], &t->bytes))
			return bad(c, type_at, "tensor '%s' has more bytes than 64 bits"
			           " count", q);
	t->offset_at = c->at;
	return read_u64(c, "tensor offset", &t->offset);
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
static kvp_status check_data(cursor *c, tensor_info *t, uint64_t n,
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
			return bad(c, t[i].offset_at, "tensor '%s' data offset %llu is"
			           " not a multiple of the alignment %llu", q,
			           (unsigned long long)t[i].offset,
			           (unsigned long long)alignment);
		if (t[i].offset != expected)
			return bad(c, t[i].offset_at, "tensor '%s' data offset %llu,"
			           " expected %llu (each tensor follows the one"
			           " before)", q, (unsigned long long)t[i].offset,
			           (unsigned long long)expected);
		if (!kvp__add(start, t[i].offset, &end) ||
		    !kvp__add(end, t[i].bytes, &end) || end > c->length)
			return bad(c, t[i].offset_at, "tensor '%s' data (%llu bytes at"
			           " data offset %llu) runs past the end of the file"
			           " (%zu bytes)", q, (unsigned long long)t[i].bytes,
			           (unsigned long long)t[i].offset, c->length);
		/* end <= length, so the padded size cannot overflow. */
		expected += t[i].bytes;
		if (expected % alignment)
			expected += alignment - expected % alignment;
	}
	qsort(t, (size_t)n, sizeof *t, tensor_compare);
	for (uint64_t i = 1; i < n; i++)
		if (t[i].name_len == t[i - 1].name_len &&
		    memcmp(t[i].name, t[i - 1].name, (size_t)t[i].name_len) == 0)
			return bad(c, t[i].name_at, "duplicate tensor name '%s' (first"
			           " at byte %llu)",
			           kvp__gguf_quote(t[i].name, t[i].name_len, q),
			           (unsigned long long)t[i - 1].name_at);
	return KVP_OK;
}

/* The tensor infos into weights (a copy the caller keeps on success) and
 * the parameter count. */
static kvp_status read_tensors(cursor *c, uint64_t n, uint64_t alignment,
                               kvp_weights *weights, uint64_t *params)
{
	tensor_info *t = NULL;
	kvp_status st = KVP_OK;

	if (n > remain(c) / GGUF_TENSOR_MIN)
		return bad(c, c->at, "%llu tensors need at least %u bytes each, and"
		           " %llu bytes remain", (unsigned long long)n,
		           GGUF_TENSOR_MIN, (unsigned long long)remain(c));
	if (n > 0 && !(t = kvp__malloc((size_t)n * sizeof *t)))
		return kvp__error(c->err, KVP_ERR_NOMEM, "out of memory");
	*params = 0;
	for (uint64_t i = 0; i < n && st == KVP_OK; i++) {
		st = read_tensor(c, i, &t[i]);
		if (st == KVP_OK && !kvp__add(*params, t[i].elements, params))
			st = kvp__error_at(c->err, KVP_ERR_OVERFLOW, c->path, 0, 0,
			                   "the tensors' elements overflow 64 bits");
		if (st == KVP_OK)
			st = kvp__weights_add(weights, t[i].type->name, t[i].elements,
			                      t[i].bytes, c->path, c->err);
	}
	if (st == KVP_OK)
		st = check_data(c, t, n, alignment);
	kvp__free(t);
	return st;
}

kvp_status kvp_gguf_parse(const unsigned char *data, size_t length,
                          const char *path, kvp_model *model,
                          kvp_source *source, kvp_weights *weights,
                          kvp_error *err)
{
	cursor c = {.data = data, .length = length, .path = path, .err = err};
	kvp__gguf g = {.data = data, .length = length, .path = path};
	kvp_weights tally;
	kvp_model m;
	uint64_t n_tensors, alignment = GGUF_DEFAULT_ALIGNMENT, params = 0;
	kvp_status st;

	if (!model || (!data && length > 0))
		return kvp__error(err, KVP_ERR_INVALID,
		                  "kvp_gguf_parse needs a model and the file's bytes");
	kvp_source_init(source, KVP_SOURCE_GGUF, path);
	if (weights)
		tally = *weights;
	else
		kvp_weights_init(&tally);
	memset(&m, 0, sizeof m);
	if ((st = read_header(&c, &n_tensors, &g.n_kv)) != KVP_OK)
		return st;
	if (g.n_kv > 0 && !(g.kv = kvp__malloc((size_t)g.n_kv * sizeof *g.kv)))
		return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
	if ((st = read_kvs(&c, &g, &alignment)) == KVP_OK &&
	    (st = read_tensors(&c, n_tensors, alignment, &tally, &params)) ==
	            KVP_OK &&
	    (st = kvp__gguf_model(&g, &m, source, err)) == KVP_OK) {
		kvp__name_from_path(path ? path : "", ".gguf", false, m.name);
		m.params = params;
		kvp__note(source, "params", KVP_ORIGIN_DERIVED,
		          "the elements of the %llu tensors",
		          (unsigned long long)n_tensors);
		st = kvp_model_finalize(&m, err);
	}
	kvp__free(g.kv);
	if (st != KVP_OK)
		return st;
	tally.files++;
	if (weights)
		*weights = tally;
	*model = m;
	return kvp__error_clear(err);
}

kvp_status kvp_gguf_read(const char *path, kvp_model *model,
                         kvp_source *source, kvp_weights *weights,
                         kvp_error *err)
{
	static const unsigned char empty[1];
	struct stat st;
	void *map = NULL;
	int fd, error;
	kvp_status status;

	if (!path || !model)
		return kvp__error(err, KVP_ERR_INVALID,
		                  "kvp_gguf_read needs a path and a model");
	status = kvp__open_regular(path, NULL, &fd, &st, err);
	if (status != KVP_OK)
		return status;
	if ((uint64_t)st.st_size > SIZE_MAX) {
		close(fd);
		return kvp__error_at(err, KVP_ERR_IO, path, 0, 0,
		                     "too large to map on this platform");
	}
	/* Mapped, so that only the header's pages are ever read: the
	 * tensor data of a 40 GB file stays on disk. */
	if (st.st_size > 0) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			error = errno;
			close(fd);
			return kvp__error_at(err, kvp__errno_status(error), path, 0, 0,
			                     "%s", strerror(error));
		}
	}
	close(fd);
	status = kvp_gguf_parse(map ? map : empty, (size_t)st.st_size, path,
	                        model, source, weights, err);
	if (map)
		munmap(map, (size_t)st.st_size);
	return status;
}
