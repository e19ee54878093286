/*
 * ggufw.h — a GGUF writer for the tests: builds a file in memory (header,
 * key/value pairs of every type, arrays, tensor infos, padding, data) so
 * that each test states its model's keys and nothing else.  Little-endian
 * throughout, as the format is; aborts the test on allocation failure.
 */
#ifndef KVPLAN_GGUFW_H
#define KVPLAN_GGUFW_H

#include <stddef.h>
#include <stdint.h>

/* Value types (ggml/src/gguf.cpp, enum gguf_type). */
enum {
	GGUFW_U8, GGUFW_I8, GGUFW_U16, GGUFW_I16, GGUFW_U32, GGUFW_I32,
	GGUFW_F32, GGUFW_BOOL, GGUFW_STRING, GGUFW_ARRAY, GGUFW_U64, GGUFW_I64,
	GGUFW_F64
};

typedef struct ggufw {
	unsigned char *buf;
	size_t len, cap;
	uint64_t n_kv, n_tensors;
	uint64_t data_bytes;   /* the data section's size so far (padded) */
	uint64_t alignment;    /* for the offsets ggufw_tensor gives (32) */
} ggufw;

/* Starts a file: "GGUF", version, and the two counts (ggufw_finish
 * writes them). */
void ggufw_init(ggufw *w, uint32_t version);
void ggufw_free(ggufw *w);

/* Raw little-endian pieces, for hand-made malformed files. */
void ggufw_bytes(ggufw *w, const void *p, size_t n);
void ggufw_u32(ggufw *w, uint32_t v);
void ggufw_u64(ggufw *w, uint64_t v);
void ggufw_string(ggufw *w, const char *s);

/* A key and its value; each counts one pair. */
void ggufw_kv_uint(ggufw *w, const char *key, uint32_t type, uint64_t v);
void ggufw_kv_f32(ggufw *w, const char *key, float v);
void ggufw_kv_f64(ggufw *w, const char *key, double v);
void ggufw_kv_str(ggufw *w, const char *key, const char *v);
/* An array of n integers of type (u8 .. i64, bool). */
void ggufw_kv_arr(ggufw *w, const char *key, uint32_t type,
                  const uint64_t *v, size_t n);
/* An array of n strings "t0", "t1", ... */
void ggufw_kv_arr_str(ggufw *w, const char *key, size_t n);

/* A tensor info whose data (bytes of it) follows the tensors before it,
 * padded to the alignment, as a converter writes it. */
void ggufw_tensor(ggufw *w, const char *name, uint32_t n_dims,
                  const uint64_t *dims, uint32_t type, uint64_t bytes);
/* A tensor info with an offset of the test's choosing. */
void ggufw_tensor_at(ggufw *w, const char *name, uint32_t n_dims,
                     const uint64_t *dims, uint32_t type, uint64_t offset);

/* Writes the counts and, with data, pads to the alignment and appends the
 * data section's zeros.  Returns the bytes of the header and padding
 * (where the data starts). */
size_t ggufw_finish(ggufw *w, int data);

#endif
