/*
 * layout.c — cache layouts (contiguous, paged) and the bytes each allocates:
 * a paged cache rounds every sequence up to whole blocks.
 */
#include <strings.h>

#include "internal.h"

static const char *const layout_names[KVP_LAYOUT_COUNT] = {
	[KVP_LAYOUT_CONTIGUOUS] = "contiguous",
	[KVP_LAYOUT_PAGED] = "paged",
};

const char *kvp_layout_name(kvp_layout layout)
{
	return (unsigned)layout < KVP_LAYOUT_COUNT ? layout_names[layout]
	                                           : "unknown";
}

kvp_status kvp_layout_from_name(const char *name, kvp_layout *out,
                                kvp_error *err)
{
	if (!name || !out)
		return kvp__error(err, KVP_ERR_INVALID, "no cache layout given");
	for (int l = 0; l < KVP_LAYOUT_COUNT; l++) {
		if (strcasecmp(name, layout_names[l]) == 0) {
			*out = (kvp_layout)l;
			return kvp__error_clear(err);
		}
	}
	char quoted[KVP_QUOTE_MAX];

	return kvp__error(err, KVP_ERR_NOT_FOUND,
	                  "unknown cache layout '%s' (valid: contiguous, paged)",
	                  kvp_escape(name, quoted, sizeof quoted));
}

kvp_status kvp_layout_predict(const kvp_model *model, kvp_dtype dtype,
                              kvp_layout layout, uint64_t seq, uint64_t batch,
                              uint32_t block_size, uint64_t *bytes,
                              kvp_error *err)
{
	kvp_kv_size size;
	uint64_t blocks_per_seq, blocks, block_tokens, paged_tokens;
	char label[KVP_QUOTE_MAX];
	kvp_status st;

	if (!bytes)
		return kvp__error(err, KVP_ERR_INVALID, "no result given");
	if ((unsigned)layout >= KVP_LAYOUT_COUNT)
		return kvp__error(err, KVP_ERR_INVALID, "invalid cache layout %d",
		                  (int)layout);
	if (layout == KVP_LAYOUT_PAGED && block_size == 0)
		return kvp__error(err, KVP_ERR_INVALID,
		                  "block size must be at least 1");
	if ((st = kvp_kv_size_compute(model, dtype, seq, batch, &size, err)) != KVP_OK)
		return st;
	if (layout == KVP_LAYOUT_CONTIGUOUS) {
		*bytes = size.total_bytes;
		return kvp__error_clear(err);
	}
	/* A paged sequence holds whole blocks, so it costs as many tokens as
	 * its blocks hold; per token the bytes are those of the size model. */
	blocks_per_seq = seq / block_size + (seq % block_size != 0);
	if (!kvp__mul(blocks_per_seq, batch, &blocks) ||
	    !kvp__mul(blocks, block_size, &block_tokens) ||
	    !kvp__mul(block_tokens, size.bytes_per_token, &paged_tokens))
		return kvp__error(err, KVP_ERR_OVERFLOW,
		                  "paged cache of %s for seq %llu and batch %llu overflows 64-bit bytes",
		                  kvp__label(model->name, "the model", label),
		                  (unsigned long long)seq, (unsigned long long)batch);
	*bytes = paged_tokens;
	return kvp__error_clear(err);
}
