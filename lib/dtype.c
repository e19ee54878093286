/*
 * dtype.c — cache and weight element types.  A type's size is a property of
 * the type (values per block, bytes per block), so block-quantized types
 * (q8_0: 32 values in 34 bytes) fit the same arithmetic as fp16.
 */
#include <stdio.h>
#include <strings.h>

#include "internal.h"

enum dtype_shape {
	DTYPE_FLAT,   /* whole blocks of block_values values */
	DTYPE_ROW,    /* a head's row of one-byte values and a 4-byte scale */
	DTYPE_LATENT  /* fp8_ds_mla: sized by the plan, from the MLA parts */
};

struct dtype_info {
	const char *name;
	uint32_t block_values;
	uint32_t block_bytes;
	const char *aliases[4];
	enum dtype_shape shape;
};

static const struct dtype_info dtypes[KVP_DTYPE_COUNT] = {
	[KVP_DTYPE_FP32] = {"fp32", 1, 4, {"f32", "float32", "float", NULL}, DTYPE_FLAT},
	[KVP_DTYPE_FP16] = {"fp16", 1, 2, {"f16", "float16", "half", NULL}, DTYPE_FLAT},
	[KVP_DTYPE_BF16] = {"bf16", 1, 2, {"bfloat16", NULL}, DTYPE_FLAT},
	[KVP_DTYPE_FP8] = {"fp8", 1, 1, {"fp8_e4m3", "fp8_e5m2", "f8", NULL}, DTYPE_FLAT},
	[KVP_DTYPE_INT8] = {"int8", 1, 1, {"i8", NULL}, DTYPE_FLAT},
	/* llama.cpp's block structs, ggml/src/ggml-common.h (master, 2026):
	 * block_q8_0 = ggml_half d + int8 qs[32]; block_q5_1 = d, m + qh[4] +
	 * qs[16]; block_q5_0 = d + qh[4] + qs[16]; block_q4_1 = d, m + qs[16];
	 * block_q4_0 and block_iq4_nl = d + qs[16]; ggml_half is 2 bytes. */
	[KVP_DTYPE_Q8_0] = {"q8_0", 32, 34, {NULL}, DTYPE_FLAT},
	[KVP_DTYPE_Q5_1] = {"q5_1", 32, 24, {NULL}, DTYPE_FLAT},
	[KVP_DTYPE_Q5_0] = {"q5_0", 32, 22, {NULL}, DTYPE_FLAT},
	[KVP_DTYPE_Q4_1] = {"q4_1", 32, 20, {NULL}, DTYPE_FLAT},
	[KVP_DTYPE_Q4_0] = {"q4_0", 32, 18, {NULL}, DTYPE_FLAT},
	[KVP_DTYPE_IQ4_NL] = {"iq4_nl", 32, 18, {NULL}, DTYPE_FLAT},
	/* vLLM's per-token-head caches (vllm/v1/kv_cache_interface.py,
	 * KVQuantMode.INT8_PER_TOKEN_HEAD and FP8_PER_TOKEN_HEAD; vLLM main,
	 * late 2026): AttentionSpec.page_size_bytes adds 2 x block_size x
	 * num_kv_heads fp32 scales to a page of one-byte values, so each
	 * head's K row and V row of one token carries one 4-byte scale. */
	[KVP_DTYPE_INT8_PTH] = {"int8_per_token_head", 1, 1, {"int8_pth", NULL}, DTYPE_ROW},
	[KVP_DTYPE_FP8_PTH] = {"fp8_per_token_head", 1, 1, {"fp8_pth", NULL}, DTYPE_ROW},
	/* vLLM's FlashMLA layout (get_kv_cache_shape in
	 * vllm/v1/attention/backends/mla/flashmla_sparse.py: "656 bytes"). */
	[KVP_DTYPE_FP8_DS_MLA] = {"fp8_ds_mla", 1, 1, {NULL}, DTYPE_LATENT},
};

/* Scale bytes a per-token-head row carries: one fp32. */
#define ROW_SCALE_BYTES 4

static int valid(kvp_dtype dtype)
{
	return (unsigned)dtype < KVP_DTYPE_COUNT;
}

const char *kvp_dtype_name(kvp_dtype dtype)
{
	return valid(dtype) ? dtypes[dtype].name : "unknown";
}

uint32_t kvp_dtype_block_values(kvp_dtype dtype)
{
	return valid(dtype) ? dtypes[dtype].block_values : 0;
}

uint32_t kvp_dtype_block_bytes(kvp_dtype dtype)
{
	return valid(dtype) ? dtypes[dtype].block_bytes : 0;
}

kvp_status kvp_dtype_from_name(const char *name, kvp_dtype *out, kvp_error *err)
{
	char quoted[KVP_QUOTE_MAX], valid_names[192] = "";
	size_t used = 0;

	if (!name || !out)
		return kvp__error(err, KVP_ERR_INVALID, "no element type given");
	for (int t = 0; t < KVP_DTYPE_COUNT; t++) {
		if (strcasecmp(name, dtypes[t].name) == 0) {
			*out = (kvp_dtype)t;
			return kvp__error_clear(err);
		}
		for (int a = 0; dtypes[t].aliases[a]; a++) {
			if (strcasecmp(name, dtypes[t].aliases[a]) == 0) {
				*out = (kvp_dtype)t;
				return kvp__error_clear(err);
			}
		}
	}
	for (int t = 0; t < KVP_DTYPE_COUNT && used < sizeof valid_names; t++)
		used += (size_t)snprintf(valid_names + used, sizeof valid_names - used,
		                         "%s%s", t ? ", " : "", dtypes[t].name);
	return kvp__error(err, KVP_ERR_NOT_FOUND, "unknown element type '%s' (valid: %s)",
	                  kvp_escape(name, quoted, sizeof quoted), valid_names);
}

kvp_status kvp_dtype_bytes(kvp_dtype dtype, uint64_t n_values, uint64_t *bytes,
                           kvp_error *err)
{
	uint64_t blocks;

	if (!valid(dtype) || !bytes)
		return kvp__error(err, KVP_ERR_INVALID, "invalid element type %d",
		                  (int)dtype);
	if (dtypes[dtype].shape != DTYPE_FLAT)
		return kvp__error(err, KVP_ERR_INVALID,
		                  "%s is a cache row format, not an element type",
		                  dtypes[dtype].name);
	/* Most types are one value a block: no division then. */
	blocks = dtypes[dtype].block_values == 1 ? n_values
	         : n_values / dtypes[dtype].block_values +
	           (n_values % dtypes[dtype].block_values != 0);
	if (!kvp__mul(blocks, dtypes[dtype].block_bytes, bytes))
		return kvp__error(err, KVP_ERR_OVERFLOW,
		                  "%llu %s values overflow 64-bit bytes",
		                  (unsigned long long)n_values, dtypes[dtype].name);
	return kvp__error_clear(err);
}

kvp_status kvp_dtype_row_bytes(kvp_dtype dtype, uint64_t n_values,
                               uint64_t *bytes, kvp_error *err)
{
	if (valid(dtype) && dtypes[dtype].shape == DTYPE_LATENT)
		return kvp__error(err, KVP_ERR_INVALID,
		                  "%s is an MLA latent format; it stores no K or V rows",
		                  dtypes[dtype].name);
	if (valid(dtype) && dtypes[dtype].shape == DTYPE_ROW) {
		if (!bytes)
			return kvp__error(err, KVP_ERR_INVALID, "no result given");
		if (!kvp__add(n_values, ROW_SCALE_BYTES, bytes))
			return kvp__error(err, KVP_ERR_OVERFLOW,
			                  "a row of %llu %s values overflows 64-bit bytes",
			                  (unsigned long long)n_values, dtypes[dtype].name);
		return kvp__error_clear(err);
	}
	if (valid(dtype) && n_values % dtypes[dtype].block_values != 0)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "a row of %llu values is not a whole number of %s "
		                  "blocks (%u values each)",
		                  (unsigned long long)n_values, dtypes[dtype].name,
		                  dtypes[dtype].block_values);
	return kvp_dtype_bytes(dtype, n_values, bytes, err);
}
