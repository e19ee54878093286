/*
 * parallel.c — a plan across GPUs: pipeline stages (which layers each GPU
 * holds), one tensor-parallel rank's share of each stage, and the totals
 * over every GPU, replicas included.
 */
#include "engine.h"
#include "internal.h"

/* Layers i < x whose group is g. */
static uint64_t layers_before(const kvp_plan *p, uint32_t g, uint64_t x)
{
	uint64_t in_cycle = 0, head = 0, rest = x % p->cycle_len;

	for (uint32_t i = 0; i < p->cycle_len; i++) {
		if (p->cycle[i] != g)
			continue;
		in_cycle++;
		head += i < rest;
	}
	return x / p->cycle_len * in_cycle + head;
}

uint64_t kvp__stage_group_layers(const kvp_plan *p, uint32_t stage, uint32_t g)
{
	uint64_t a = p->stage_first[stage], b = a + p->stage_layers[stage];

	return layers_before(p, g, b) - layers_before(p, g, a);
}

kvp_status kvp__plan_parallel(kvp_plan *p, kvp_error *err)
{
	const kvp_request *r = &p->request;
	uint64_t ranks, t;
	kvp_status st;

	if ((st = kvp__pp_split(r, p->layers, &p->stages, p->stage_first,
	                        p->stage_layers, err)) != KVP_OK)
		return st;
	p->streams = 1;
	p->kv_heads_per_gpu = kvp__tp_heads(p->model_kv_heads, r->tp);
	if (r->engine == KVP_ENGINE_LLAMA_CPP) {
		uint64_t per_stream;

		kvp__llama_streams(r, &p->n_ctx, &p->streams, &per_stream);
	}
	for (uint32_t s = 0; s < p->stages; s++) {
		uint64_t bytes = 0;

		for (uint32_t g = 0; g < p->group_count; g++) {
			const kvp_layer_group *grp = &p->groups[g];
			uint64_t layer;

			/* Each term is a part of the group's bytes, which fit. */
			layer = grp->layer_kv_bytes + grp->layer_state_bytes;
			bytes += kvp__stage_group_layers(p, s, g) * layer;
		}
		p->stage_bytes[s] = bytes;
		if (bytes > p->kv_bytes_per_gpu)
			p->kv_bytes_per_gpu = bytes;
	}
	/* Every rank of a stage holds its share; replicas hold it again. */
	if (!kvp__mul(r->tp, r->dp, &ranks) ||
	    !kvp__mul(p->kv_total_bytes, ranks, &p->kv_total_bytes) ||
	    !kvp__mul(p->state_total_bytes, ranks, &p->state_total_bytes) ||
	    !kvp__mul(p->cache_total_bytes, ranks, &p->cache_total_bytes) ||
	    !kvp__mul(p->kv_bytes_per_token, r->tp, &t))
		return kvp__error(err, KVP_ERR_OVERFLOW,
		                  "the cache across %u x %u x %u GPUs overflows 64-bit bytes",
		                  r->tp, r->pp, r->dp);
	p->kv_bytes_per_token = t;
	return KVP_OK;
}
