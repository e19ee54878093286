/*
 * ggufw.c — the tests' GGUF writer (see ggufw.h).
 */
#include <stdlib.h>
#include <string.h>

#include "ggufw.h"

static void put(ggufw *w, const void *p, size_t n)
{
	if (w->len + n > w->cap) {
		size_t cap = w->cap ? w->cap : 256;

		while (cap < w->len + n)
			cap *= 2;
		w->buf = realloc(w->buf, cap);
		if (!w->buf)
			abort();
		w->cap = cap;
	}
	if (n)
		memcpy(w->buf + w->len, p, n);
	w->len += n;
}

static void put_le(ggufw *w, uint64_t v, unsigned n)
{
	unsigned char b[8];

	for (unsigned i = 0; i < n; i++)
		b[i] = (unsigned char)(v >> (8 * i));
	put(w, b, n);
}

void ggufw_init(ggufw *w, uint32_t version)
{
	memset(w, 0, sizeof *w);
	w->alignment = 32;
	put(w, "GGUF", 4);
	put_le(w, version, 4);
	put_le(w, 0, 8);
	put_le(w, 0, 8);
}

void ggufw_free(ggufw *w)
{
	free(w->buf);
	memset(w, 0, sizeof *w);
}

void ggufw_bytes(ggufw *w, const void *p, size_t n) { put(w, p, n); }
void ggufw_u32(ggufw *w, uint32_t v) { put_le(w, v, 4); }
void ggufw_u64(ggufw *w, uint64_t v) { put_le(w, v, 8); }

void ggufw_string(ggufw *w, const char *s)
{
	put_le(w, strlen(s), 8);
	put(w, s, strlen(s));
}

static unsigned size_of(uint32_t type)
{
	static const unsigned size[] = {1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8};

	return size[type];
}

void ggufw_kv_uint(ggufw *w, const char *key, uint32_t type, uint64_t v)
{
	ggufw_string(w, key);
	put_le(w, type, 4);
	put_le(w, v, size_of(type));
	w->n_kv++;
}

void ggufw_kv_f32(ggufw *w, const char *key, float v)
{
	uint32_t bits;

	memcpy(&bits, &v, 4);
	ggufw_kv_uint(w, key, GGUFW_F32, bits);
}

void ggufw_kv_f64(ggufw *w, const char *key, double v)
{
	uint64_t bits;

	memcpy(&bits, &v, 8);
	ggufw_kv_uint(w, key, GGUFW_F64, bits);
}

void ggufw_kv_str(ggufw *w, const char *key, const char *v)
{
	ggufw_string(w, key);
	put_le(w, GGUFW_STRING, 4);
	ggufw_string(w, v);
	w->n_kv++;
}

void ggufw_kv_arr(ggufw *w, const char *key, uint32_t type,
                  const uint64_t *v, size_t n)
{
	ggufw_string(w, key);
	put_le(w, GGUFW_ARRAY, 4);
	put_le(w, type, 4);
	put_le(w, n, 8);
	for (size_t i = 0; i < n; i++)
		put_le(w, v[i], size_of(type));
	w->n_kv++;
}

void ggufw_kv_arr_str(ggufw *w, const char *key, size_t n)
{
	char text[24];

	ggufw_string(w, key);
	put_le(w, GGUFW_ARRAY, 4);
	put_le(w, GGUFW_STRING, 4);
	put_le(w, n, 8);
	for (size_t i = 0; i < n; i++) {
		size_t len = 1, v = i;

		text[0] = 't';
		do {
			text[len++] = (char)('0' + v % 10);
			v /= 10;
		} while (v);
		text[len] = '\0';
		ggufw_string(w, text);
	}
	w->n_kv++;
}

void ggufw_tensor_at(ggufw *w, const char *name, uint32_t n_dims,
                     const uint64_t *dims, uint32_t type, uint64_t offset)
{
	ggufw_string(w, name);
	put_le(w, n_dims, 4);
	for (uint32_t d = 0; d < n_dims; d++)
		put_le(w, dims[d], 8);
	put_le(w, type, 4);
	put_le(w, offset, 8);
	w->n_tensors++;
}

void ggufw_tensor(ggufw *w, const char *name, uint32_t n_dims,
                  const uint64_t *dims, uint32_t type, uint64_t bytes)
{
	ggufw_tensor_at(w, name, n_dims, dims, type, w->data_bytes);
	w->data_bytes += bytes;
	if (w->data_bytes % w->alignment)
		w->data_bytes += w->alignment - w->data_bytes % w->alignment;
}

size_t ggufw_finish(ggufw *w, int data)
{
	static const unsigned char zeros[4096];
	size_t start;

	for (unsigned i = 0; i < 8; i++) {
		w->buf[8 + i] = (unsigned char)(w->n_tensors >> (8 * i));
		w->buf[16 + i] = (unsigned char)(w->n_kv >> (8 * i));
	}
	start = w->len;
	if (start % w->alignment)
		start += w->alignment - start % w->alignment;
	if (!data)
		return start;
	put(w, zeros, start - w->len);
	for (uint64_t left = w->data_bytes; left > 0;) {
		size_t n = left < sizeof zeros ? (size_t)left : sizeof zeros;

		put(w, zeros, n);
		left -= n;
	}
	return start;
}
