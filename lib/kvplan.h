/*
 * kvplan.h — public interface of libkvplan, the KV-cache capacity planner.
 *
 * Ownership, once for the whole library:
 *  - Value structs (kvp_model, kvp_device, kvp_kv_size, kvp_fit, kvp_error)
 *    belong to the caller; the library only fills them in.
 *  - Opaque handles (kvp_catalog) are created by a *_open function and
 *    destroyed by the matching *_free, which takes the address of the
 *    caller's pointer, frees the object and sets the pointer to NULL.
 *  - A pointer the library returns into a handle (for example the array from
 *    kvp_catalog_models) stays valid until that handle is freed.
 *  - Every function that can fail returns a kvp_status (KVP_OK is 0) and, when
 *    given a non-NULL kvp_error, fills it with a one-line message.  The library
 *    never prints, never exits and never aborts.
 *  - All sizes are uint64_t bytes; every multiplication is overflow-checked and
 *    an overflow is reported as KVP_ERR_OVERFLOW, never wrapped.
 */
#ifndef KVPLAN_H
#define KVPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define KVP_API __attribute__((visibility("default")))
#else
#define KVP_API
#endif

/* ---- status and errors ------------------------------------------------ */

typedef enum kvp_status {
	KVP_OK = 0,
	KVP_ERR_NOMEM,      /* an allocation failed */
	KVP_ERR_INVALID,    /* an argument is out of its domain (zero, NULL, ...) */
	KVP_ERR_OVERFLOW,   /* a size does not fit in 64 bits */
	KVP_ERR_SHAPE,      /* a model shape is inconsistent */
	KVP_ERR_NOT_FOUND,  /* no model, device or file of that name */
	KVP_ERR_PARSE,      /* a data file is malformed */
	KVP_ERR_IO,         /* a file or directory could not be read */
	KVP_ERR_DUPLICATE,  /* a name is defined twice */
	KVP_ERR_RANGE,      /* a position or count is past its limit */
	KVP_ERR_NO_FIT,     /* the request does not fit the memory it needs */
	KVP_ERR_UNSUPPORTED /* the platform cannot do what was asked */
} kvp_status;

#define KVP_STATUS_COUNT 12

/* A short fixed description of a status code ("out of memory", ...). */
KVP_API const char *kvp_strerror(kvp_status status);

#define KVP_ERROR_PATH_MAX 1024
#define KVP_ERROR_MESSAGE_MAX 512

/* What went wrong, in words.  path is empty and line/column are 0 unless the
 * error is in a file; line and column are 1-based. */
typedef struct kvp_error {
	kvp_status status;
	char path[KVP_ERROR_PATH_MAX];
	unsigned long line;
	unsigned long column;
	char message[KVP_ERROR_MESSAGE_MAX];
} kvp_error;

/* Writes "path:line:column: message" (or just the message when there is no
 * file) into buf, truncating to size.  Returns buf. */
KVP_API char *kvp_error_format(const kvp_error *err, char *buf, size_t size);

/* ---- element types ---------------------------------------------------- */

/* Cache and weight element types.  A type stores block_values values in
 * block_bytes bytes; plain types have blocks of one value. */
typedef enum kvp_dtype {
	KVP_DTYPE_FP32,
	KVP_DTYPE_FP16,
	KVP_DTYPE_BF16,
	KVP_DTYPE_FP8,
	KVP_DTYPE_INT8
} kvp_dtype;

#define KVP_DTYPE_COUNT 5

KVP_API const char *kvp_dtype_name(kvp_dtype dtype);
/* Accepts the canonical names and common spellings (f16, float16, half,
 * bfloat16, fp8_e4m3, ...), case-insensitively. */
KVP_API kvp_status kvp_dtype_from_name(const char *name, kvp_dtype *out,
                                       kvp_error *err);
KVP_API uint32_t kvp_dtype_block_values(kvp_dtype dtype);
KVP_API uint32_t kvp_dtype_block_bytes(kvp_dtype dtype);
/* Bytes to store n values: ceil(n / block_values) * block_bytes. */
KVP_API kvp_status kvp_dtype_bytes(kvp_dtype dtype, uint64_t n_values,
                                   uint64_t *bytes, kvp_error *err);

/* ---- models ----------------------------------------------------------- */

#define KVP_NAME_MAX 64
#define KVP_DESCRIPTION_MAX 128

typedef enum kvp_attention {
	KVP_ATTENTION_MHA, /* kv_heads == heads */
	KVP_ATTENTION_GQA, /* 1 < kv_heads < heads, heads % kv_heads == 0 */
	KVP_ATTENTION_MQA  /* kv_heads == 1 */
} kvp_attention;

/* A transformer's shape, as far as the KV cache and the weights go.
 * head_dim 0 means hidden / heads (filled in by kvp_model_finalize). */
typedef struct kvp_model {
	char name[KVP_NAME_MAX];
	char description[KVP_DESCRIPTION_MAX];
	uint32_t layers;
	uint32_t hidden;       /* d_model; 0 when unknown and head_dim given */
	uint32_t heads;        /* query heads */
	uint32_t kv_heads;     /* key/value heads */
	uint32_t head_dim;
	uint32_t vocab;        /* 0 when unknown */
	uint64_t max_context;  /* tokens; 0 when unknown */
	uint64_t params;       /* parameter count; 0 when unknown */
	double rope_theta;     /* 0 when unknown */
} kvp_model;

/* Derives head_dim when it is 0 and checks the shape: layers, heads, kv_heads
 * and head_dim non-zero, kv_heads <= heads, heads divisible by kv_heads,
 * hidden divisible by heads when head_dim is derived. */
KVP_API kvp_status kvp_model_finalize(kvp_model *model, kvp_error *err);
/* The attention kind implied by the head counts of a finalized model. */
KVP_API kvp_attention kvp_model_attention(const kvp_model *model);
KVP_API const char *kvp_attention_name(kvp_attention kind);
/* The same model with kv_heads replaced; fails when heads % kv_heads != 0. */
KVP_API kvp_status kvp_model_with_kv_heads(const kvp_model *model,
                                           uint32_t kv_heads, kvp_model *out,
                                           kvp_error *err);
/* The same model re-planned as another attention kind: MHA (kv = heads),
 * MQA (kv = 1), GQA (the model's own kv heads when it is GQA, else the
 * largest divisor of heads that is at most 8). */
KVP_API kvp_status kvp_model_variant(const kvp_model *model, kvp_attention kind,
                                     kvp_model *out, kvp_error *err);
/* The kv_heads kvp_model_variant would use for kind (0 for a NULL model). */
KVP_API uint32_t kvp_model_variant_kv_heads(const kvp_model *model,
                                            kvp_attention kind);

/* ---- the size model --------------------------------------------------- */

typedef struct kvp_kv_size {
	uint64_t bytes_per_token_layer; /* K and V of one token in one layer */
	uint64_t bytes_per_token;       /* ... in all layers */
	uint64_t bytes_per_layer;       /* one layer: seq tokens, whole batch */
	uint64_t total_bytes;           /* all layers, seq tokens, whole batch */
} kvp_kv_size;

/* KV cache of model for seq tokens in each of batch sequences, stored as
 * dtype: bytes_per_token = 2 * layers * kv_heads * head_dim * element bytes,
 * total = bytes_per_token * seq * batch.  seq and batch must be >= 1. */
KVP_API kvp_status kvp_kv_size_compute(const kvp_model *model, kvp_dtype dtype,
                                       uint64_t seq, uint64_t batch,
                                       kvp_kv_size *out, kvp_error *err);

/* ---- devices ---------------------------------------------------------- */

typedef struct kvp_device {
	char name[KVP_NAME_MAX];
	char description[KVP_DESCRIPTION_MAX];
	uint64_t hbm_bytes;      /* device memory (host: physical RAM) */
	uint64_t l2_bytes;       /* L2 cache */
	uint64_t llc_bytes;      /* last-level cache when beyond L2; 0 if none */
	double bandwidth_gbs;    /* memory bandwidth, 10^9 bytes/s; 0 unknown */
	double fp16_tflops;      /* dense FP16/BF16 tensor peak; 0 unknown */
} kvp_device;

/* Checks that hbm_bytes and l2_bytes are non-zero. */
KVP_API kvp_status kvp_device_check(const kvp_device *device, kvp_error *err);

/* ---- fit -------------------------------------------------------------- */

typedef struct kvp_fit_options {
	kvp_dtype weights_dtype; /* default KVP_DTYPE_FP16 */
	double mem_util;         /* usable share of HBM, (0, 1]; default 0.90 */
	uint64_t reserve_bytes;  /* kept free besides weights and cache */
} kvp_fit_options;

KVP_API void kvp_fit_options_init(kvp_fit_options *options);

typedef struct kvp_fit {
	uint64_t kv_total_bytes;   /* whole cache, as kvp_kv_size_compute */
	uint64_t kv_layer_bytes;   /* one layer, whole batch */
	bool fits_l2;              /* whole cache <= L2 */
	bool layer_fits_l2;        /* one layer's cache <= L2 */
	uint64_t max_seq_l2;       /* largest seq whose whole cache fits L2 */
	uint64_t weights_bytes;    /* params * weights dtype bytes */
	uint64_t usable_bytes;     /* floor(hbm_bytes * mem_util) */
	bool fits_hbm;             /* weights + cache + reserve <= usable */
	uint64_t max_seq_hbm;      /* largest seq that fits at this batch */
	uint64_t max_batch_hbm;    /* largest batch that fits at this seq */
} kvp_fit;

/* Fit of model's cache (seq tokens, batch sequences, cache type dtype) on
 * device.  options may be NULL for the defaults.  The max_* values are
 * closed forms; 0 means not even one token (or sequence) fits. */
KVP_API kvp_status kvp_fit_compute(const kvp_model *model,
                                   const kvp_device *device, kvp_dtype dtype,
                                   uint64_t seq, uint64_t batch,
                                   const kvp_fit_options *options,
                                   kvp_fit *out, kvp_error *err);

/* ---- the catalogue ---------------------------------------------------- */

/* Model and device profiles read from YAML files DIR/models/NAME.yaml and
 * DIR/gpus/NAME.yaml over a list of directories; the first directory that
 * has a name wins.  Independent catalogues can live side by side. */
typedef struct kvp_catalog kvp_catalog;

/* Opens a catalogue over dirs[0..n_dirs-1], searched in that order.  The
 * directories are only recorded here; files are read on lookup. */
KVP_API kvp_status kvp_catalog_open(kvp_catalog **out, const char *const *dirs,
                                    size_t n_dirs, kvp_error *err);
/* Opens a catalogue over the default search path: user_dirs first, then the
 * colon-separated KVPLAN_DATA_PATH, then system_dir (NULL: the installed
 * data directory; "": none). */
KVP_API kvp_status kvp_catalog_open_default(kvp_catalog **out,
                                            const char *const *user_dirs,
                                            size_t n_user_dirs,
                                            const char *system_dir,
                                            kvp_error *err);
KVP_API void kvp_catalog_free(kvp_catalog **catalog);
/* The installed data directory compiled into the library. */
KVP_API const char *kvp_catalog_system_dir(void);
/* The directories searched, in order. */
KVP_API size_t kvp_catalog_dir_count(const kvp_catalog *catalog);
KVP_API const char *kvp_catalog_dir(const kvp_catalog *catalog, size_t index);

/* Looks a model up by name or alias.  An unknown name gives
 * KVP_ERR_NOT_FOUND with a message that suggests the closest names. */
KVP_API kvp_status kvp_catalog_model(kvp_catalog *catalog, const char *name,
                                     kvp_model *out, kvp_error *err);
KVP_API kvp_status kvp_catalog_device(kvp_catalog *catalog, const char *name,
                                      kvp_device *out, kvp_error *err);
/* Every model (device) in the catalogue, sorted by name; the array belongs to
 * the catalogue.  Any malformed file is an error. */
KVP_API kvp_status kvp_catalog_models(kvp_catalog *catalog,
                                      const kvp_model **models, size_t *count,
                                      kvp_error *err);
KVP_API kvp_status kvp_catalog_devices(kvp_catalog *catalog,
                                       const kvp_device **devices,
                                       size_t *count, kvp_error *err);

/* Reads one profile file (no search path).  Errors carry path:line:column. */
KVP_API kvp_status kvp_model_load_file(const char *path, kvp_model *out,
                                       kvp_error *err);
KVP_API kvp_status kvp_device_load_file(const char *path, kvp_device *out,
                                        kvp_error *err);

/* ---- version ---------------------------------------------------------- */

KVP_API const char *kvp_version(void);

#ifdef __cplusplus
}
#endif

#endif /* KVPLAN_H */
