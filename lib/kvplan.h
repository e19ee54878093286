/*
 * kvplan.h — public interface of libkvplan, the KV-cache capacity planner:
 * here the status and errors, the element types and the version, and at
 * the end its parts, which it includes (kvplan_model.h, kvplan_request.h,
 * kvplan_plan.h, kvplan_fit.h, kvplan_ref.h, kvplan_inputs.h).
 *
 * Ownership, once for the whole library:
 *  - Value structs (kvp_model, kvp_device, kvp_kv_size, kvp_fit, kvp_error)
 *    belong to the caller; the library only fills them in.
 *  - Opaque handles (kvp_catalog, kvp_planner) are created by a *_open or
 *    *_new function and destroyed by the matching *_free, which takes the
 *    address of the caller's pointer, frees the object and sets the
 *    pointer to NULL.
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

/* Writes "path:line:column: message" into buf, truncating to size: just
 * "path: message" when the line is unknown (0), and just the message when
 * there is no file.  Returns buf. */
KVP_API char *kvp_error_format(const kvp_error *err, char *buf, size_t size);

/* Copies text into buf (size bytes, always terminated) so that it shows as
 * one line and cannot drive a terminal: printable ASCII and valid UTF-8 are
 * kept; a backslash becomes \\, a line feed \n, a return \r, a tab \t, and
 * any other control character, C1 control (U+0080..U+009F) or byte that is
 * not valid UTF-8 becomes \xHH.  Text too long for buf ends in "...".
 * Every message the library writes quotes user text this way, and
 * kvp_error_format escapes the path.  Returns buf. */
KVP_API char *kvp_escape(const char *text, char *buf, size_t size);
/* A buffer size for kvp_escape of user text quoted in a one-line message:
 * a long name is cut, with "...", well before the message is. */
#define KVP_QUOTE_MAX 96

/* ---- element types ---------------------------------------------------- */

/* Cache and weight element types.  A type stores block_values values in
 * block_bytes bytes; plain types have blocks of one value.  The block types
 * are llama.cpp's (ggml/src/ggml-common.h): 32 values and an fp16 scale
 * (q4_1, q5_1: and an fp16 minimum) per block. */
typedef enum kvp_dtype {
	KVP_DTYPE_FP32,
	KVP_DTYPE_FP16,
	KVP_DTYPE_BF16,
	KVP_DTYPE_FP8,   /* e4m3 or e5m2: one byte */
	KVP_DTYPE_INT8,
	KVP_DTYPE_Q8_0,  /* 34 B per 32 values */
	KVP_DTYPE_Q5_1,  /* 24 B per 32 */
	KVP_DTYPE_Q5_0,  /* 22 B per 32 */
	KVP_DTYPE_Q4_1,  /* 20 B per 32 */
	KVP_DTYPE_Q4_0,  /* 18 B per 32 */
	KVP_DTYPE_IQ4_NL, /* 18 B per 32 (non-linear 4-bit) */
	/* Cache formats that are not a flat element type: */
	KVP_DTYPE_INT8_PTH, /* vLLM int8_per_token_head: a head's row of
	                     * int8 values and its fp32 scale (+4 B) */
	KVP_DTYPE_FP8_PTH,  /* vLLM fp8_per_token_head: the same with fp8 */
	KVP_DTYPE_FP8_DS_MLA /* vLLM fp8_ds_mla, for an MLA latent only:
	                      * rank fp8 values, an fp32 scale per 128 of
	                      * them, and the rope part in bf16 (656 B for
	                      * DeepSeek's 512 + 64) */
} kvp_dtype;

#define KVP_DTYPE_COUNT 14

KVP_API const char *kvp_dtype_name(kvp_dtype dtype);
/* Accepts the canonical names and common spellings (f16, float16, half,
 * bfloat16, fp8_e4m3, ...), case-insensitively. */
KVP_API kvp_status kvp_dtype_from_name(const char *name, kvp_dtype *out,
                                       kvp_error *err);
KVP_API uint32_t kvp_dtype_block_values(kvp_dtype dtype);
KVP_API uint32_t kvp_dtype_block_bytes(kvp_dtype dtype);
/* Bytes to store n values: ceil(n / block_values) * block_bytes.  The
 * three cache formats have no size of their own for n loose values
 * (KVP_ERR_INVALID): their size is a row's, kvp_dtype_row_bytes. */
KVP_API kvp_status kvp_dtype_bytes(kvp_dtype dtype, uint64_t n_values,
                                   uint64_t *bytes, kvp_error *err);
/* Bytes of one row of n values stored as dtype, which must be whole
 * blocks, as each head's K or V row is in llama.cpp (ggml_row_size):
 * KVP_ERR_SHAPE, naming the row length and the block size, otherwise.
 * A per-token-head type's row is n bytes and a 4-byte scale.
 * fp8_ds_mla is sized by kvp_plan_compute (it needs the latent's rank and
 * rope parts apart): KVP_ERR_INVALID here. */
KVP_API kvp_status kvp_dtype_row_bytes(kvp_dtype dtype, uint64_t n_values,
                                       uint64_t *bytes, kvp_error *err);

/* ---- version ---------------------------------------------------------- */

KVP_API const char *kvp_version(void);

#ifdef __cplusplus
}
#endif

/* The parts, in order: models, requests, plans, fit (devices, the planner,
 * the catalogue), the reference implementation, and the readers of a
 * model's own files. */
#include "kvplan_model.h"
#include "kvplan_request.h"
#include "kvplan_plan.h"
#include "kvplan_fit.h"
#include "kvplan_ref.h"
#include "kvplan_inputs.h"

#endif /* KVPLAN_H */
