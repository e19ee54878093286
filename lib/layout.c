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
	kvp_request request;
	kvp_plan plan;
	uint64_t total = 0;
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
	kvp_request_init(&request);
	request.seq = seq;
	request.batch = batch;
	request.dtype_k = request.dtype_v = dtype;
	if ((st = kvp_plan_compute(model, &request, &plan, err)) != KVP_OK)
		return st;
	if (layout == KVP_LAYOUT_CONTIGUOUS) {
		*bytes = plan.cache_total_bytes;
		return kvp__error_clear(err);
	}
	/* A paged sequence holds whole blocks in each layer, so a layer costs
	 * as many tokens as its blocks hold; the state is not paged. */
	total = plan.state_total_bytes;
	for (uint32_t g = 0; g < plan.group_count; g++) {
		const kvp_layer_group *grp = &plan.groups[g];
		uint64_t blocks = grp->tokens / block_size + (grp->tokens % block_size != 0);
		uint64_t b;

		if (!kvp__mul(blocks, batch, &b) || !kvp__mul(b, block_size, &b) ||
		    !kvp__mul(b, grp->bytes_per_token, &b) || !kvp__mul(b, grp->layers, &b) ||
		    !kvp__add(total, b, &total))
			return kvp__error(err, KVP_ERR_OVERFLOW,
			                  "paged cache of %s for seq %llu and batch %llu overflows"
			                  " 64-bit bytes",
			                  kvp__label(model->name, "the model", label),
			                  (unsigned long long)seq, (unsigned long long)batch);
	}
	*bytes = total;
	return kvp__error_clear(err);
}
