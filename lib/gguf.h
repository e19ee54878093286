/*
 * gguf.h — what the GGUF header reader's parts share (never installed):
 * the byte cursor and value reading (lib/gguf_cursor.c), the header walk
 * (lib/gguf_keys.c, lib/gguf_tensors.c) behind the entry points
 * (lib/gguf.c), the ggml type table (lib/ggml_types.c), and the reading of
 * an architecture's keys into a model (lib/gguf_arch.c, with the rules per
 * architecture in lib/gguf_family.c).
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

/* ---- the byte cursor (lib/gguf_cursor.c) -------------------------------- */

/* Where the walk stands in the file's bytes, and where errors go. */
typedef struct kvp__gguf_cursor {
	const unsigned char *data;
	size_t length;
	size_t at;
	const char *path;
	kvp_error *err;
} kvp__gguf_cursor;

/* KVP_ERR_PARSE, "at byte AT: ...". */
kvp_status kvp__gguf_bad(kvp__gguf_cursor *c, uint64_t at, const char *fmt,
                         ...) KVP_PRINTF(3, 4);
/* The bytes after c->at. */
uint64_t kvp__gguf_remain(const kvp__gguf_cursor *c);
/* The n-byte little-endian number at p. */
uint64_t kvp__gguf_le(const unsigned char *p, unsigned n);
/* A number, or a GGUF string (a uint64 length and that many bytes, not
 * terminated), read at c->at and stepped over; what names it in the
 * message when the bytes run out. */
kvp_status kvp__gguf_read_u32(kvp__gguf_cursor *c, const char *what,
                              uint32_t *out);
kvp_status kvp__gguf_read_u64(kvp__gguf_cursor *c, const char *what,
                              uint64_t *out);
kvp_status kvp__gguf_read_string(kvp__gguf_cursor *c, const char *what,
                                 const char **text, uint64_t *len);
/* Bytes of one scalar of a value type (0 for a string or an array), and
 * the type's name ("unknown" past the last). */
unsigned kvp__gguf_scalar_size(uint32_t type);
const char *kvp__gguf_type_name(uint32_t type);

/* ---- the header walk (lib/gguf_keys.c, lib/gguf_tensors.c) --------------- */

#define KVP__GGUF_DEFAULT_ALIGNMENT 32u
/* The least bytes a key/value pair takes: a key of one byte (8 + 1), a
 * type (4) and a one-byte value; and a tensor info: a name of one byte,
 * n_dims, a type and an offset. */
#define KVP__GGUF_KV_MIN 14u
#define KVP__GGUF_TENSOR_MIN 25u
/* Caps far above any real model (tens of keys, a few thousand tensors),
 * which bound what a hostile count makes this reader allocate. */
#define KVP__GGUF_KV_MAX 65536u
#define KVP__GGUF_TENSORS_MAX (1u << 20)

/* The magic, the version and the two counts, checked against the bytes
 * that remain and the caps. */
kvp_status kvp__gguf_read_header(kvp__gguf_cursor *c, uint64_t *n_tensors,
                                 uint64_t *n_kv);
/* g->n_kv keys into g->kv (allocated by the caller), sorted; a key given
 * twice is an error, as in gguf.cpp; *alignment from general.alignment. */
kvp_status kvp__gguf_read_kvs(kvp__gguf_cursor *c, kvp__gguf *g,
                              uint64_t *alignment);
/* n tensor infos into weights (a copy the caller keeps on success; its
 * mtp_from_layer says where the NextN blocks start) and the parameter
 * count, their data checked to lie where gguf.cpp wants it;
 * *tied when no tensor is output.weight (llama.cpp then reads the LM head
 * from token_embd.weight, llama-model.cpp TENSOR_DUPLICATED). */
kvp_status kvp__gguf_read_tensors(kvp__gguf_cursor *c, uint64_t n,
                                  uint64_t alignment, kvp_weights *weights,
                                  uint64_t *params, bool *tied);

/* ---- values ------------------------------------------------------------- */

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

/* ---- an architecture's keys (lib/gguf_arch.c, lib/gguf_family.c) ------- */

/* Reads the architecture's keys of g into model (not yet finalized) and
 * source's notes and family (lib/gguf_arch.c). */
kvp_status kvp__gguf_model(const kvp__gguf *g, kvp_model *model,
                           kvp_source *source, kvp_error *err);
/* The first NextN (MTP) block of g, block_count less
 * ARCH.nextn_predict_layers, for the tensors' count before the keys are
 * read in full; UINT32_MAX when it has none (kvp__gguf_model reports what
 * is wrong with the keys). */
uint32_t kvp__gguf_first_nextn(const kvp__gguf *g);

#define KVP__GGUF_KEY_MAX (KVP_NAME_MAX + 48)

/* Which layers of a family have a sliding window or chunks. */
typedef enum kvp__swa_rule {
	KVP__SWA_GENERIC,  /* an unknown family: sliding_window_pattern, or
	                    * every layer when only sliding_window is given */
	KVP__SWA_IGNORED,  /* llama.cpp reads no window for it (llama, phi3) */
	KVP__SWA_PERIOD,   /* set_swa_pattern(period); the pattern key
	                    * overrides */
	KVP__SWA_CHUNKED,  /* llama4: chunked attention, set_swa_pattern(4) */
	KVP__SWA_ALL       /* a window > 0 makes every attention layer
	                    * sliding, no pattern key read (lfm2) */
} kvp__swa_rule;

/* Which layers of a family are recurrent. */
typedef enum kvp__rec_rule {
	KVP__REC_NONE,
	KVP__REC_KV_ZERO,     /* recurrent_layer_arr[i] = n_head_kv(i) == 0 */
	KVP__REC_KV_FF_ZERO,  /* ... and n_ff(i) == 0 (nemotron_h) */
	KVP__REC_INTERVAL,    /* (i + 1) % full_attention_interval != 0 */
	KVP__REC_ALL,         /* every layer: no attention (mamba, mamba2) */
	KVP__REC_SHORTCONV,   /* n_head_kv(i) == 0, a short convolution's
	                       * state of shortconv.l_cache - 1 columns of
	                       * n_embd (lfm2, lfm2moe) */
	KVP__REC_KDA,         /* n_head_kv(i) == 0, Kimi Delta Attention's
	                       * state of head_count heads of kda.head_dim
	                       * and a conv of ssm.conv_kernel (kimi-linear) */
	KVP__REC_PARALLEL,    /* every attention layer a state beside its
	                       * K and V (falcon-h1: kvp_model ssm_parallel) */
	KVP__REC_UNSUPPORTED  /* a state kvplan does not size (lfm2's,
	                       * rwkv's) */
} kvp__rec_rule;

/* What one of load_hparams' cases changes in what a layer caches. */
typedef struct kvp__gguf_family {
	const char *name;       /* general.architecture */
	kvp__swa_rule swa;
	uint32_t period;        /* KVP__SWA_PERIOD, KVP__SWA_CHUNKED */
	uint64_t window;        /* default window (0: the key is required) */
	kvp__rec_rule rec;
	bool mla;
	uint32_t kv_from_start; /* layers at or past it keep no cache of their
	                         * own (llama_hparams n_layer_kv_from_start;
	                         * 0: every layer its own) */
} kvp__gguf_family;

/* The reading of one file's architecture keys. */
typedef struct kvp__gguf_reader {
	const kvp__gguf *g;
	kvp_source *source;
	kvp_error *err;
	const kvp__gguf_family *fam;   /* NULL: the generic keys alone */
	char arch[KVP_NAME_MAX];
	uint32_t layers;        /* the model's: block_count less the NextN */
	uint32_t blocks;        /* block_count, the per-layer arrays' length */
} kvp__gguf_reader;

/* A key's values per layer: an array of block_count entries or one
 * number for every layer (llama_model_loader::get_key_or_arr). */
typedef struct kvp__gguf_per_layer {
	const kvp__gguf_kv *kv;
	uint64_t value;         /* the scalar's */
} kvp__gguf_per_layer;

/* Everything that decides a layer's kind. */
typedef struct kvp__gguf_layer_rules {
	kvp__gguf_per_layer kv, ff;
	uint32_t interval;          /* KVP__REC_INTERVAL */
	uint32_t swa_period;        /* 0: none; KVP__SWA_GENERIC with no
	                             * pattern: 1 means every layer
	                             * (all_sliding) */
	bool all_sliding;
	const kvp__gguf_kv *swa_flags;  /* a per-layer bool array */
	kvp_layer_kind windowed;    /* sliding or chunked */
} kvp__gguf_layer_rules;

/* Key reading under the architecture's prefix (lib/gguf_arch.c).  The key
 * ARCH.suffix, its full name left in key. */
const kvp__gguf_kv *kvp__gguf_arch_key(const kvp__gguf_reader *r,
                                       const char *suffix,
                                       char key[KVP__GGUF_KEY_MAX]);
/* A number under the prefix: *found false (and *out untouched) when the
 * key is absent, KVP_ERR_PARSE when it is required then. */
kvp_status kvp__gguf_get_uint(const kvp__gguf_reader *r, const char *suffix,
                              bool required, uint64_t max, uint64_t *out,
                              bool *found);
kvp_status kvp__gguf_get_u32(const kvp__gguf_reader *r, const char *suffix,
                             bool required, uint32_t *out, bool *found);
/* A per-layer key, every entry checked so that kvp__gguf_layer cannot
 * fail. */
kvp_status kvp__gguf_get_per_layer(const kvp__gguf_reader *r,
                                   const char *suffix,
                                   kvp__gguf_per_layer *pl, bool *found);
/* Layer i's value of pl. */
uint32_t kvp__gguf_layer(const kvp__gguf_reader *r,
                         const kvp__gguf_per_layer *pl, uint32_t i);

/* The rules per architecture (lib/gguf_family.c).  The family named arch,
 * or NULL for one with the generic keys alone; *known false for a name
 * llama.cpp has no case for. */
const kvp__gguf_family *kvp__gguf_family_of(const char *arch, bool *known);
/* Whether arch's loader reads ARCH.nextn_predict_layers, its last blocks
 * then being NextN (MTP) layers outside the model's n_layer. */
bool kvp__gguf_reads_nextn(const char *arch);
/* DeepSeek's MLA sizes into m. */
kvp_status kvp__gguf_read_mla(kvp__gguf_reader *r, kvp_model *m);
/* Gemma 4's heads and shared layers, Gemma 3n's shared layers. */
kvp_status kvp__gguf_read_gemma4(kvp__gguf_reader *r, kvp_model *m);
/* The rotary embedding (lib/gguf_rope.c): kvp_model rope and the fields
 * after it, rope_theta. */
kvp_status kvp__gguf_read_rope(kvp__gguf_reader *r, kvp_model *m);
/* The window or chunk, and which layers have one. */
kvp_status kvp__gguf_read_windows(kvp__gguf_reader *r,
                                  kvp__gguf_layer_rules *lr, kvp_model *m);
/* The recurrent state's size, and which layers hold it. */
kvp_status kvp__gguf_read_recurrent(kvp__gguf_reader *r,
                                    kvp__gguf_layer_rules *lr, kvp_model *m);
/* m->pattern: the shortest cycle of the layers' kinds. */
kvp_status kvp__gguf_set_pattern(const kvp__gguf_reader *r,
                                 const kvp__gguf_layer_rules *lr,
                                 kvp_model *m);

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
/* A weights-storing block type by name ("q4_K", "Q8_0"); NULL for any
 * other. */
const kvp__ggml_type *kvp__ggml_quant_named(const char *name);

#endif
