/*
 * gguf.h — what the GGUF header reader's parts share (never installed):
 * the parsed header (lib/gguf.c), the ggml type table (lib/ggml_types.c)
 * and the reading of an architecture's keys into a model (lib/gguf_arch.c).
 */
#ifndef KVPLAN_GGUF_H
#define KVPLAN_GGUF_H

#include <stddef.h>
#include <stdint.h>

#include "inputs.h"

/* GGUF metadata value types (ggml/src/gguf.cpp, enum gguf_type). */
enum {
	KVP__GGUF_UINT8, KVP__GGUF_INT8, KVP__GGUF_UINT16, KVP__GGUF_INT16,
	KVP__GGUF_UINT32, KVP__GGUF_INT32, KVP__GGUF_FLOAT32, KVP__GGUF_BOOL,
	KVP__GGUF_STRING, KVP__GGUF_ARRAY, KVP__GGUF_UINT64, KVP__GGUF_INT64,
	KVP__GGUF_FLOAT64, KVP__GGUF_TYPE_COUNT
};

/* One metadata key and where its value lies in the file. */
typedef struct kvp__gguf_kv {
	uint64_t key_at;    /* byte offset of the key's length field */
	const char *key;    /* its bytes (not terminated) */
	uint64_t key_len;
	uint32_t type;      /* value type; KVP__GGUF_ARRAY for an array */
	uint32_t elem_type; /* an array's element type */
	uint64_t count;     /* an array's elements (1 for a scalar) */
	uint64_t value_at;  /* byte offset of the value (an array: of its first
	                     * element; a string: of its length) */
} kvp__gguf_kv;

/* A header walked and checked: its keys sorted by name. */
typedef struct kvp__gguf {
	const unsigned char *data;
	size_t length;
	const char *path;
	kvp__gguf_kv *kv;   /* n_kv of them, sorted by key (kvp__malloc'd) */
	uint64_t n_kv;
} kvp__gguf;

/* The key named key (NUL-terminated), or NULL. */
const kvp__gguf_kv *kvp__gguf_find(const kvp__gguf *g, const char *key);
/* Element index (0 for a scalar) of kv as an unsigned integer: any
 * integer type holding a value >= 0, or a bool; else KVP_ERR_PARSE naming
 * the key and its offset. */
kvp_status kvp__gguf_uint(const kvp__gguf *g, const kvp__gguf_kv *kv,
                          uint64_t index, uint64_t *out, kvp_error *err);
/* A string value's bytes (not terminated) and length. */
kvp_status kvp__gguf_string(const kvp__gguf *g, const kvp__gguf_kv *kv,
                            const char **text, uint64_t *len, kvp_error *err);

/* bytes as a quoted name for a message (escaped as kvp_escape does). */
const char *kvp__gguf_quote(const char *bytes, uint64_t len,
                            char out[KVP_QUOTE_MAX]);

/* Reads the architecture's keys of g into model (not yet finalized) and
 * source's notes and family (lib/gguf_arch.c). */
kvp_status kvp__gguf_model(const kvp__gguf *g, kvp_model *model,
                           kvp_source *source, kvp_error *err);

/* ---- ggml tensor types (lib/ggml_types.c) -------------------------------- */

typedef struct kvp__ggml_type {
	const char *name;   /* ggml_type_name: "f16", "q4_K", ... */
	uint32_t block;     /* values per block (ggml_blck_size) */
	uint32_t bytes;     /* bytes per block (ggml_type_size) */
} kvp__ggml_type;

/* The type of id, or NULL for an id ggml never had; *removed (when
 * non-NULL) is set for an id whose support was removed (the type
 * returned then has block 0 and a name that says so). */
const kvp__ggml_type *kvp__ggml_type_of(uint32_t id, int *removed);

#endif
