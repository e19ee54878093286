/*
 * capacity.c — what an engine makes of a memory budget: its blocks, the
 * tokens it says it can hold ("GPU KV cache size: N tokens"), and how many
 * requests of the plan's length fit at once ("Maximum concurrency").  One
 * GPU: the budget is that GPU's, and its layers are those of the largest
 * pipeline stage.  doc/engines.md cites each rule; SGLang's pools are in
 * sglang_pools.c.
 */
#include "engine.h"
#include "internal.h"


/* The tokens a request keeps of its longest-kept layer: seq, or less
 * under a policy's cap (an engine holds the kept tokens). */
uint64_t kvp__kept_seq(const kvp_plan *p)
{
	uint64_t most = 0;
	bool capped = false;

	for (uint32_t g = 0; g < p->group_count; g++) {
		const kvp_layer_group *grp = &p->groups[g];

		if (grp->bytes_per_token == 0)
			continue;
		if (!grp->cap)
			return p->request.seq;
		capped = true;
		if (grp->tokens > most)
			most = grp->tokens;
	}
	return capped && most ? most : p->request.seq;
}

static uint64_t cdiv(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

/* vLLM's attention layers are all of one type (kv_cache_utils.py
 * get_kv_cache_groups: UniformTypeKVCacheSpecs.from_specs), in one shape or
 * several: the whole model's groups decide, as vLLM forms its groups on
 * the merged model. */
static bool vllm_one_type(const kvp_plan *p)
{
	kvp_layer_kind kind = KVP_LAYER_NONE;
	bool seen = false;

	for (uint32_t g = 0; g < p->group_count; g++) {
		const kvp_layer_group *grp = &p->groups[g];

		if (grp->layers == 0 || grp->kind == KVP_LAYER_NONE)
			continue;
		if (grp->kind == KVP_LAYER_RECURRENT)
			return false;
		if (grp->bytes_per_token == 0)
			continue;
		if (seen && grp->kind != kind)
			return false;
		seen = true;
		kind = grp->kind;
	}
	return true;
}

/* vLLM: layers bucketed by spec, split into groups of group_size layers
 * (kv_cache_utils.py _get_kv_cache_groups_uniform_page_size: the smallest
 * bucket's count, or the largest when max < 1.5 min); one pool of
 * num_blocks = budget // page // group_size shared by the groups.  Pages
 * were unified by the plan (each group's block).  One type of attention in
 * several shapes is one group whose page is the sum of its layers' pages
 * (get_kv_cache_config_from_groups: num_blocks = available // that). */
/* Whether vLLM keeps pages for a group's layers. */
static bool vllm_caches(const kvp_layer_group *g)
{
	return g->kind == KVP_LAYER_RECURRENT ? g->state_bytes_per_seq != 0
	                                      : g->bytes_per_token != 0;
}

/* Under decode context parallelism each of the dcp GPUs of a group keeps
 * its share of every block's tokens, so the pool holds dcp times the
 * tokens of one GPU's blocks: _report_kv_cache_config's "Multiplying the
 * GPU KV cache size by the dcp_world_size" before 0.21 (and the log's
 * int(max_concurrency x max_model_len) after, through blocks_per_request,
 * kvp__vllm_blocks). */
static void vllm_dcp_tokens(const kvp_request *r, kvp_capacity *c)
{
	if (r->dcp > 1 && !kvp__mul(c->tokens, r->dcp, &c->tokens))
		c->tokens = UINT64_MAX;
}

/* Whether vLLM's specs of two groups' layers are equal, so that it
 * buckets them together (kv_cache_utils.py get_kv_cache_groups: layers
 * keyed by their KVCacheSpec): a draft's or an MTP layer's attention of
 * the model's own shape joins the model's layers (Nemotron 3 Super's MTP
 * layer its 8 attention layers: 9, not a bucket of 1). */
static bool vllm_same_spec(const kvp_layer_group *a, const kvp_layer_group *b)
{
	return a->kind == b->kind && a->kv_heads == b->kv_heads && a->k_values == b->k_values &&
	       a->v_values == b->v_values && a->latent_values == b->latent_values &&
	       a->index_values == b->index_values && a->bytes_per_token == b->bytes_per_token &&
	       a->k_bytes_per_token == b->k_bytes_per_token && a->block == b->block &&
	       a->window == b->window && a->cap == b->cap &&
	       a->state_bytes_per_seq == b->state_bytes_per_seq;
}

/* Each bucket's layers in its first group (layers[], count[] its layers
 * on this stage; the others' 0), and each group's page. */
static void vllm_buckets(const kvp_plan *p, uint32_t stage, uint64_t *count, uint64_t *pages,
                         uint64_t *layers)
{
	const kvp_request *r = &p->request;

	for (uint32_t g = 0; g < p->group_count; g++) {
		const kvp_layer_group *grp = &p->groups[g];
		uint32_t f = 0;

		/* A recurrent layer's page is one state; a sequence holds
		 * kvp__vllm_blocks of them. */
		pages[g] = grp->kind == KVP_LAYER_RECURRENT ? kvp__vllm_state_page(r, grp)
		                                            : grp->bytes_per_token * grp->block;
		count[g] = pages[g] ? kvp__stage_group_layers(p, stage, g) : 0;
		layers[g] = vllm_caches(grp) ? grp->layers : 0;
		while (f < g && !(layers[f] && vllm_same_spec(&p->groups[f], grp)))
			f++;
		if (f < g && layers[g]) {
			count[f] += count[g];
			layers[f] += layers[g];
			count[g] = layers[g] = 0;
		}
	}
}

/* The groups are formed on the whole model (get_kv_cache_configs:
 * get_kv_cache_groups over the merged specs of every worker), then each
 * worker keeps its own layers of each group and sizes its pool by its
 * largest group (get_kv_cache_config_from_groups).  One kind of layer is
 * one group of all of them (_get_kv_cache_groups_uniform_spec);
 * otherwise group_size is the smallest bucket, or the largest when max <
 * 1.5 min, and a bucket of n layers makes cdiv(n, group_size) groups of
 * every cdiv(n, group_size)-th layer.  The model's group size; the
 * worker's, its largest group on this stage, in *worker. */
static uint64_t vllm_group_size(const kvp_plan *p, const uint64_t *count, const uint64_t *layers,
                                uint64_t buckets, uint64_t *worker)
{
	uint64_t lo = UINT64_MAX, hi = 0, size;

	for (uint32_t g = 0; g < p->group_count; g++) {
		uint64_t n = layers[g];

		if (n == 0)
			continue;
		if (n < lo)
			lo = n;
		if (n > hi)
			hi = n;
	}
	size = buckets == 1 && p->stages == 1 ? hi : 2 * hi < 3 * lo ? hi : lo;
	*worker = 0;
	for (uint32_t g = 0; g < p->group_count; g++) {
		uint64_t here;

		if (layers[g] == 0)
			continue;
		/* This stage's run of the bucket: its layers spread over its
		 * cdiv(n, size) groups, the fullest holding cdiv(run, groups). */
		here = count[g] ? cdiv(count[g], cdiv(layers[g], size)) : 0;
		if (here > *worker)
			*worker = here;
	}
	return size;
}

/* The block ids a request of seq tokens takes: each bucket's cdiv(n,
 * size) groups their blocks (kvp__vllm_blocks); its groups in *groups. */
static uint64_t request_blocks(const kvp_plan *p, const uint64_t *layers, uint64_t size,
                               uint64_t seq, uint64_t *groups)
{
	unsigned __int128 n = 0;

	*groups = 0;
	for (uint32_t g = 0; g < p->group_count; g++) {
		if (layers[g] == 0)
			continue;
		*groups += cdiv(layers[g], size);
		n += (unsigned __int128)cdiv(layers[g], size) *
		     kvp__vllm_blocks(&p->request, &p->groups[g], seq, p->groups[g].block);
	}
	return n > UINT64_MAX ? UINT64_MAX : (uint64_t)n;
}

static kvp_status vllm_capacity(const kvp_plan *p, uint32_t stage, uint64_t budget,
                                kvp_capacity *c, kvp_error *err)
{
	const kvp_request *r = &p->request;
	uint64_t block = kvp__engine_block(r), page = 0, worker;
	uint64_t size, groups = 0, per_request = 0, buckets = 0, least = 0, sum = 0;
	uint64_t count[KVP_GROUPS_MAX], pages[KVP_GROUPS_MAX], layers[KVP_GROUPS_MAX];

	vllm_buckets(p, stage, count, pages, layers);
	for (uint32_t g = 0; g < p->group_count; g++) {
		const kvp_layer_group *grp = &p->groups[g];
		uint64_t pg = pages[g];

		if (count[g] == 0)
			continue;
		buckets++;
		sum += count[g] * pg;
		if (pg > page)
			page = pg;
		/* _report_kv_cache_config: the least block over the groups,
		 * a mamba group's block_size being mamba_block_size =
		 * max_model_len (MambaModelConfig.verify_and_update_config,
		 * vllm/model_executor/models/config.py @ 1936cf38): it is the
		 * least only when max_model_len is below the attention block. */
		{
			uint64_t b = grp->kind == KVP_LAYER_RECURRENT &&
			             kvp__mamba_mode(r) != KVP_MAMBA_ALL ? r->seq
			                                                       : grp->block;

			if (least == 0 || b < least)
				least = b;
		}
	}
	if (page == 0)
		return kvp__error(err, KVP_ERR_INVALID, "the plan caches nothing");
	if (least == 0)
		least = block;
	if (buckets > 1 && vllm_one_type(p)) {
		uint64_t most = 0;

		for (uint32_t g = 0; g < p->group_count; g++) {
			uint64_t b;

			if (count[g] == 0)
				continue;
			b = kvp__vllm_blocks(r, &p->groups[g], r->seq, p->groups[g].block);
			if (b > most)
				most = b;
		}
		c->blocks = budget / sum;
		c->groups = 1;
		c->group_size = 1;
		c->page_bytes = sum;
		c->tokens = c->blocks * block;
		c->blocks_per_request = most;
		c->allocated_bytes = c->blocks * sum;
		vllm_dcp_tokens(r, c);
		return KVP_OK;
	}
	size = vllm_group_size(p, count, layers, buckets, &worker);
	per_request = request_blocks(p, layers, size, r->seq, &groups);
	size = worker;
	c->blocks = budget / page / size;
	c->groups = groups;
	c->group_size = size;
	c->page_bytes = page;
	/* _report_kv_cache_config: num_blocks // n_groups * min block. */
	c->tokens = c->blocks / groups * least;
	c->blocks_per_request = per_request;
	c->allocated_bytes = c->blocks * page * size;
	vllm_dcp_tokens(r, c);
	return KVP_OK;
}

/* vLLM's groups on stage whose buckets hold padding layers (a bucket of
 * n layers in cdiv(n, size) groups of the worker's group size, each block
 * id spanning that many layers' pages: LFM2-1.2B's 10 conv layers in two
 * groups of 6, "Add 2 padding layers"), under no cache policy: its pool's
 * blocks, not the plan's bytes, bound the requests.  *blocks the pool's
 * in budget (the block ids each request's groups take:
 * kvp__vllm_request_blocks). */
bool kvp__vllm_pool(const kvp_plan *p, uint32_t stage, uint64_t budget, uint64_t *blocks)
{
	uint64_t count[KVP_GROUPS_MAX], pages[KVP_GROUPS_MAX], layers[KVP_GROUPS_MAX];
	uint64_t buckets = 0, size, worker, page = 0;
	bool padded = false;

	if (p->request.engine != KVP_ENGINE_VLLM || p->request.policy.kind != KVP_POLICY_FULL ||
	    stage >= p->stages)
		return false;
	vllm_buckets(p, stage, count, pages, layers);
	for (uint32_t g = 0; g < p->group_count; g++)
		if (count[g]) {
			buckets++;
			if (pages[g] > page)
				page = pages[g];
		}
	if (buckets <= 1 || vllm_one_type(p) || page == 0)
		return false;
	size = vllm_group_size(p, count, layers, buckets, &worker);
	for (uint32_t g = 0; g < p->group_count; g++)
		if (count[g] && cdiv(layers[g], size) * worker > count[g])
			padded = true;
	if (!padded || worker == 0)
		return false;
	if (blocks)
		*blocks = budget / page / worker;
	return true;
}

/* The block ids a request of seq tokens takes of that pool: each
 * bucket's groups their blocks (kvp__vllm_blocks). */
uint64_t kvp__vllm_request_blocks(const kvp_plan *p, uint32_t stage, uint64_t seq)
{
	uint64_t count[KVP_GROUPS_MAX], pages[KVP_GROUPS_MAX], layers[KVP_GROUPS_MAX];
	uint64_t buckets = 0, worker, groups;

	vllm_buckets(p, stage, count, pages, layers);
	for (uint32_t g = 0; g < p->group_count; g++)
		buckets += count[g] != 0;
	return request_blocks(p, layers, vllm_group_size(p, count, layers, buckets, &worker),
	                      seq, &groups);
}

uint64_t kvp_plan_held_bytes(const kvp_plan *p, uint32_t stage)
{
	kvp_capacity c;
	uint64_t bytes;

	if (!p || stage >= p->stages || p->request.engine != KVP_ENGINE_VLLM ||
	    !kvp__vllm_since(&p->request, 29) || !kvp__stage_pools(p, stage) ||
	    vllm_capacity(p, stage, 0, &c, NULL) != KVP_OK)
		return 0;
	return kvp__mul(c.page_bytes, c.group_size, &bytes) ? bytes : UINT64_MAX;
}

bool kvp__stage_pools(const kvp_plan *p, uint32_t stage)
{
	for (uint32_t g = 0; g < p->group_count; g++)
		if (kvp__stage_group_layers(p, stage, g) &&
		    (p->request.engine == KVP_ENGINE_VLLM ? vllm_caches(&p->groups[g])
		                                          : p->groups[g].bytes_per_token != 0))
			return true;
	return false;
}

bool kvp__pool_admits(const kvp_plan *p)
{
	if (p->request.engine == KVP_ENGINE_SGLANG)
		return true;
	for (uint32_t s = 0; s < p->stages; s++)
		if (kvp__trtllm_hybrid(p, s) || kvp__vllm_pool(p, s, 0, NULL))
			return true;
	return false;
}

kvp_status kvp_plan_capacity(const kvp_plan *p, uint64_t budget, kvp_capacity *out,
                             kvp_error *err)
{
	if (!p || !out)
		return kvp__error(err, KVP_ERR_INVALID, "no plan given");
	return kvp__stage_capacity(p, kvp__largest_stage(p->stage_bytes, p->stages), budget,
	                           kvp__trtllm_tokens(p, NULL, budget), out,
	                           err);
}

kvp_status kvp__stage_capacity(const kvp_plan *p, uint32_t stage, uint64_t budget,
                               uint64_t least, kvp_capacity *out, kvp_error *err)
{
	const kvp_request *r = &p->request;
	kvp_capacity c = {0};
	uint64_t per_token = 0, block;
	bool split = false;
	kvp_status st;

	block = kvp__engine_block(r);
	c.budget_bytes = budget;
	for (uint32_t g = 0; g < p->group_count; g++)
		per_token += kvp__stage_group_layers(p, stage, g) * p->groups[g].bytes_per_token;
	switch (r->engine) {
	case KVP_ENGINE_VLLM:
		if ((st = vllm_capacity(p, stage, budget, &c, err)) != KVP_OK)
			return st;
		break;
	case KVP_ENGINE_LLAMA_CPP: {
		/* llama.cpp allocates its n_ctx, whatever the memory: its
		 * capacity is the cells of its full layers, every stream. */
		uint64_t n_ctx, streams, per_stream;

		kvp__llama_streams(r, &n_ctx, &streams, &per_stream);
		c.tokens = n_ctx;
		c.blocks = c.tokens;
		c.blocks_per_request = per_stream;
		c.allocated_bytes = p->stage_bytes[stage];
		break;
	}
	case KVP_ENGINE_SGLANG:
		/* Split pools set their own max_concurrency. */
		split = kvp__sglang_capacity(p, stage, budget, &c);
		break;
	case KVP_ENGINE_TRTLLM:
		/* Recurrent layers beside attention: its hybrid manager's
		 * two pools (lib/trtllm_hybrid.c). */
		if (kvp__trtllm_hybrid_capacity(p, stage, budget, least, &c))
			break;
		/* resource_manager.py calculate_max_num_blocks: max tokens =
		 * budget / bytes per token, then blocks floor(max / tpb) in
		 * the PyTorch runtime, ceilDiv in the C++ one. */
		c.blocks = per_token == 0 ? 0
		           : r->trtllm_cpp ? cdiv(budget / per_token, block)
		                           : budget / per_token / block;
		c.tokens = c.blocks * block;
		c.blocks_per_request = cdiv(kvp__kept_seq(p), block);
		if (!kvp__mul(c.tokens, per_token, &c.allocated_bytes))
			c.allocated_bytes = UINT64_MAX;
		break;
	case KVP_ENGINE_EXACT:
	default:
		c.tokens = per_token ? budget / per_token : 0;
		c.blocks = c.tokens;
		c.blocks_per_request = kvp__kept_seq(p);
		c.allocated_bytes = p->stage_bytes[stage];
		break;
	}
	if (!split)
		c.max_concurrency = c.blocks_per_request
		                    ? (double)c.blocks / (double)c.blocks_per_request : 0;
	/* SGLang's recurrent states admit max_requests at once, as
	 * TensorRT-LLM's max_batch_size x pp runs them. */
	if (((r->engine == KVP_ENGINE_SGLANG && kvp__sglang_mamba_applies(p)) ||
	     c.trtllm_manager) && c.max_concurrency > (double)c.max_requests)
		c.max_concurrency = (double)c.max_requests;
	/* SGLang's is its max_total_num_tokens (kvp__sglang_capacity). */
	if (r->engine != KVP_ENGINE_SGLANG)
		c.log_tokens = c.tokens;
	/* vLLM's "GPU KV cache size" from 0.21 on (kv_cache_utils.py
	 * _report_kv_cache_config, later get_kv_cache_capacity): num_tokens =
	 * int(max_concurrency * max_model_len), a float product truncated.
	 * Before, num_blocks // groups x block (issue #40691).  The change is
	 * PR #41069 (e68fa1b9, 2026-04-28): after v0.20.0, in v0.21.0, and
	 * backported to v0.20.2, which a minor release cannot tell apart
	 * (research: /work/research/vllm-token-line.md). */
	if (r->engine == KVP_ENGINE_VLLM && kvp__vllm_since(r, 21)) {
		double t = c.max_concurrency * (double)r->seq;

		c.log_tokens = t >= 18446744073709551616.0 ? UINT64_MAX : (uint64_t)t;
	}
	*out = c;
	return kvp__error_clear(err);
}
