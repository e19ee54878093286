/*
 * kvsize.c — the size model: 2 · L · s · B · kv_heads · head_dim · bytes,
 * every product overflow-checked in 64 bits.
 */
#include "internal.h"

kvp_status kvp_kv_size_compute(const kvp_model *model, kvp_dtype dtype,
                               uint64_t seq, uint64_t batch, kvp_kv_size *out,
                               kvp_error *err)
{
	kvp_model m;
	kvp_kv_size size;
	uint64_t head_bytes, k_bytes, tokens;
	char label[KVP_QUOTE_MAX];
	kvp_status st;

	if (!model || !out)
		return kvp__error(err, KVP_ERR_INVALID, "no model given");
	if (seq == 0)
		return kvp__error(err, KVP_ERR_INVALID, "sequence length must be at least 1");
	if (batch == 0)
		return kvp__error(err, KVP_ERR_INVALID, "batch must be at least 1");
	m = *model;
	if ((st = kvp_model_finalize(&m, err)) != KVP_OK)
		return st;
	/* K (or V) of one token in one layer is kv_heads rows of head_dim
	 * values.  A block type stores each head's row in whole blocks: that
	 * is how llama.cpp views its cache (llama_kv_cache::get_k in
	 * src/llama-kv-cache.cpp, a row of ggml_row_size(type, n_embd_head_k)
	 * per head), and llama_init_from_model (src/llama-context.cpp) refuses
	 * a type whose block does not divide the head dimension. */
	if ((st = kvp_dtype_row_bytes(dtype, m.head_dim, &head_bytes, err)) == KVP_ERR_SHAPE)
		return kvp__error(err, st, "%s: a K/V head row of head_dim %u values is not"
		                  " a whole number of %s blocks (%u values each)",
		                  kvp__label(m.name, "the model", label), m.head_dim,
		                  kvp_dtype_name(dtype), kvp_dtype_block_values(dtype));
	if (st != KVP_OK)
		return st;
	if (!kvp__mul(head_bytes, m.kv_heads, &k_bytes) ||
	    !kvp__mul(2, k_bytes, &size.bytes_per_token_layer) ||
	    !kvp__mul(size.bytes_per_token_layer, m.layers, &size.bytes_per_token) ||
	    !kvp__mul(seq, batch, &tokens) ||
	    !kvp__mul(size.bytes_per_token_layer, tokens, &size.bytes_per_layer) ||
	    !kvp__mul(size.bytes_per_token, tokens, &size.total_bytes))
		return kvp__error(err, KVP_ERR_OVERFLOW,
		                  "KV cache of %s for seq %llu and batch %llu overflows 64-bit bytes",
		                  kvp__label(m.name, "the model", label),
		                  (unsigned long long)seq, (unsigned long long)batch);
	*out = size;
	return kvp__error_clear(err);
}
