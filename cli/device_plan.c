/*
 * device_plan.c — a request and its plan on each GPU of the run: the
 * request as the engine takes it on a GPU (vLLM's default step and an MLA
 * backend's block, SGLang's page and chunked prefill size), whether that
 * plans differently, and the plan each GPU's fit follows.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

bool cli_device_request(const kvp_request *asked, const kvp_model *m, const kvp_plan *plan,
                        const kvp_device *d, kvp_request *here)
{
	*here = *asked;
	if (asked->engine != KVP_ENGINE_VLLM && asked->engine != KVP_ENGINE_SGLANG)
		return false;
	kvp_request_for_device(here, m, d);
	/* The step where the plan's sliding layers follow vllm serve's
	 * default; the block where an MLA backend (or none) sets it. */
	return (plan->batched_tokens && !asked->max_batched_tokens &&
	        here->max_batched_tokens != plan->batched_tokens) ||
	       here->block_size != plan->request.block_size ||
	       here->dtype_k != plan->request.dtype_k || here->dtype_v != plan->request.dtype_v ||
	       here->chunked_prefill_size != plan->request.chunked_prefill_size ||
	       (plan->moe_backend != KVP_MOE_AUTO && here->moe_backend != plan->moe_backend);
}

bool cli_plans_differ_bytes(const kvp_plan *a, const kvp_plan *b)
{
	if (a->batched_tokens != b->batched_tokens || a->group_count != b->group_count)
		return true;
	for (uint32_t g = 0; g < a->group_count; g++)
		if (a->groups[g].block != b->groups[g].block ||
		    a->groups[g].bytes_per_token != b->groups[g].bytes_per_token)
			return true;
	return false;
}

bool cli_plans_differ_cache(const kvp_plan *a, const kvp_plan *b)
{
	return cli_plans_differ_bytes(a, b) ||
	       a->request.chunked_prefill_size != b->request.chunked_prefill_size;
}

bool cli_plans_differ(const kvp_plan *a, const kvp_plan *b)
{
	/* vLLM's experts kernel too: its workspace, not the cache */
	return cli_plans_differ_cache(a, b) || a->moe_backend != b->moe_backend;
}

kvp_request cli_asked_request(const struct cli_plan *p)
{
	kvp_request asked = p->request;

	if (p->batch_default)
		asked.max_batched_tokens = 0;
	asked.block_size = p->asked_block;
	asked.dtype_k = p->asked_dtype_k;
	asked.dtype_v = p->asked_dtype_v;
	asked.chunked_prefill_size = p->asked_chunked;
	asked.moe_backend = p->asked_moe;
	return asked;
}

const char *cli_attention_backend(const struct cli_plan *p, size_t i, uint32_t *block)
{
	kvp_request asked = cli_asked_request(p);

	return kvp_engine_attention_backend(&p->model, &asked, &p->devices[i], block);
}

const kvp_plan *cli_device_plan(const struct cli_plan *p, size_t i)
{
	return p->device_plans && p->device_plans[i] ? p->device_plans[i] : &p->layers;
}

unsigned cli_device_sm(const kvp_device *d)
{
	return strncmp(d->arch, "sm_", 3) == 0 ? (unsigned)strtoul(d->arch + 3, NULL, 10) : 0;
}

