/*
 * kvsize.c — the old size call, a thin wrapper of the per-layer plan:
 * one cache type for K and V.
 */
#include "internal.h"

kvp_status kvp_kv_size_compute(const kvp_model *model, kvp_dtype dtype,
                               uint64_t seq, uint64_t batch, kvp_kv_size *out,
                               kvp_error *err)
{
	kvp_request request;
	kvp_plan plan;
	kvp_kv_size size = {0};
	kvp_status st;

	if (!model || !out)
		return kvp__error(err, KVP_ERR_INVALID, "no model given");
	kvp_request_init(&request);
	request.seq = seq;
	request.batch = batch;
	request.dtype_k = request.dtype_v = dtype;
	if ((st = kvp_plan_compute(model, &request, &plan, err)) != KVP_OK)
		return st;
	for (uint32_t g = 0; g < plan.group_count; g++)
		if (plan.groups[g].bytes_per_token > size.bytes_per_token_layer)
			size.bytes_per_token_layer = plan.groups[g].bytes_per_token;
	size.bytes_per_token = plan.kv_bytes_per_token;
	size.bytes_per_layer = plan.max_layer_bytes;
	size.total_bytes = plan.cache_total_bytes;
	*out = size;
	return KVP_OK;
}
