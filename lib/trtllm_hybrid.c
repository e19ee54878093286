/*
 * trtllm_hybrid.c — how TensorRT-LLM's PyTorch runtime shares a hybrid
 * model's KV cache budget (Nemotron-H, Nemotron 3, Qwen3-Next: recurrent
 * layers beside attention) between the attention's blocks and the
 * recurrent states.
 *
 * Read at NVIDIA/TensorRT-LLM main of autumn 2026, the newest texts the
 * code index holds (after PR #16598, merged 2026-07, which made the V2
 * manager these models' default: NemotronHForCausalLM,
 * Qwen3NextForCausalLM and Qwen3_5VLModel resolve "auto" to V2,
 * test_mamba_cache_manager.py
 * test_hybrid_models_prefer_v2_and_python_transceiver; research:
 * /work/research/trtllm-hybrid-verified.md):
 *   - V1, kv_cache_config.use_kv_cache_manager_v2 false
 *     (CppMambaHybridCacheManager, deprecated): _torch/pyexecutor/_util.py
 *     KvCacheCreator.configure_kv_cache_capacity takes max_tokens =
 *     max((budget - (max_batch_size x pp + 1) x S) // k, 0), S a
 *     sequence's states on this rank and k the attention's bytes a token
 *     (mamba_cache_manager/common.py _estimate_mamba_hybrid_cache_cost,
 *     one reserved dummy slot: legacy.py); resource_manager.py
 *     KVCacheManager._calculate_max_num_blocks_for_linear_attention then
 *     gives max_tokens // tokens_per_block blocks and max_batch_size x pp
 *     + 1 recurrent slots, in one pool.  No block left: the C++
 *     BlockManager's TLLM_CHECK(allottedPrimaryBlocks > 0) stops it.
 *   - V2 (MambaHybridCacheManagerV2, mamba_cache_manager_v2.py
 *     _build_cache_config): the budget is the quota; less than the states
 *     of max_batch_size x pp + 1 sequences and one block raises "The V2
 *     Mamba GPU cache quota is too small for live recurrent states and
 *     attention pages".  The C++ StorageManager (kv_cache_manager_v2/
 *     storageManager.cpp and storage/core.cpp) sizes pools in grains of
 *     2 MiB << min(4, log2(quota / 1 GiB)) (cacheTierGranularity), the
 *     quota rounded up to grains (computeSlotCountForLevel); it splits
 *     them between the attention's pool group and the states' by their
 *     bytes in a typical step (ratioFromBatch: max_batch_size x pp
 *     requests of avg_seq_len tokens, max_seq_len / 2 when it is not
 *     set, and a dummy request; whole grains a pool, the ratios floats);
 *     the smaller share first, nearbyint of the grains, each group the
 *     most slots its grains hold (CacheLevelStorage::
 *     ratioToSlotCountList, grainsToSlots), a group at or below its floor
 *     pinned to it and the rest split again.  The floors: the states of
 *     max_batch_size x pp + 1 sequences; one block, or with avg_seq_len
 *     set ceil(max(cdiv(max_seq_len, tpb) + max_batch_size - 1,
 *     cdiv(max_num_tokens, tpb)) / max_util_for_resume 0.95)
 *     (computePoolGroupMinSlotsFromConstraints).
 * A pool holds one slot's buffers of every layer of one size (K, V; a
 * state's SSM part, its conv windows), coalesced.  Not followed:
 * speculative decoding's extra dummy slots, block reuse's snapshots
 * (off for these models by default), kv_cache_config.pool_ratio, layers
 * of a sliding window beside the states (another life cycle), and the
 * C++ runtime of TensorRT engines; a request's policy (lib/policy.c) keeps
 * the byte model.
 */
#include <math.h>
#include <string.h>

#include "engine.h"
#include "internal.h"

#define MAX_POOLS 8
#define GIB (1ull << 30)
#define MAX_NUM_TOKENS 8192 /* TorchLlmArgs default */

uint32_t kvp__trtllm_max_batch_size(const kvp_request *r)
{
	return r->trtllm_max_batch_size ? r->trtllm_max_batch_size : 2048;
}

/* One pool group: its pools' bytes a slot, one pool a buffer size. */
struct group {
	uint64_t size[MAX_POOLS]; /* a slot's bytes in each pool */
	uint64_t buffer[MAX_POOLS]; /* the buffer size that keys it */
	uint32_t n;
};

/* Adds layers x bytes of buffers of the given size to g. */
static bool add_buffer(struct group *g, uint64_t buffer, uint64_t layers)
{
	uint64_t bytes;
	uint32_t i;

	if (buffer == 0 || layers == 0)
		return true;
	if (!kvp__mul(buffer, layers, &bytes))
		return false;
	for (i = 0; i < g->n && g->buffer[i] != buffer; i++)
		;
	if (i == g->n) {
		if (g->n == MAX_POOLS)
			return false;
		g->buffer[g->n] = buffer;
		g->size[g->n++] = 0;
	}
	return kvp__add(g->size[i], bytes, &g->size[i]);
}

/* What stage's GPU holds of the model. */
struct hybrid {
	uint64_t slope;    /* attention bytes a token */
	uint64_t state;    /* a sequence's states */
	uint64_t block;    /* tokens per block */
	uint64_t seqs;     /* max_batch_size x pp */
	uint64_t draft;    /* spec_config.max_draft_len (0: no draft) */
	uint64_t ranks;    /* tp x pp, its world_size */
	bool states_first; /* the states' life cycle first in layer order */
	struct group attn; /* a block of every attention layer */
	struct group ssm;  /* a sequence's states */
};

/* Whether the plan is of a hybrid TensorRT-LLM's manager sizes: its
 * PyTorch runtime, recurrent layers and attention in the model, no
 * sliding window (another life cycle), no policy (whose caps are the byte
 * model's, as under SGLang's pools). */
static bool plan_hybrid(const kvp_plan *p)
{
	const kvp_request *r = &p->request;
	bool attention = false;

	if (r->engine != KVP_ENGINE_TRTLLM || r->trtllm_cpp || !p->state_total_bytes ||
	    r->policy.kind != KVP_POLICY_FULL)
		return false;
	for (uint32_t i = 0; i < p->group_count; i++) {
		if (!p->groups[i].bytes_per_token)
			continue;
		if (p->groups[i].window)
			return false;
		attention = true;
	}
	return attention;
}

/* The stage's pools; a stage of one kind of layer holds one pool group
 * (TensorRT-LLM runs its hybrid manager on every rank). */
static bool stage_hybrid(const kvp_plan *p, uint32_t stage, struct hybrid *h)
{
	const kvp_request *r = &p->request;
	uint32_t first_state = UINT32_MAX, first_attn = UINT32_MAX;

	memset(h, 0, sizeof *h);
	if (!plan_hybrid(p))
		return false;
	h->block = kvp__engine_block(r);
	h->seqs = (uint64_t)kvp__trtllm_max_batch_size(r) * (r->pp ? r->pp : 1);
	h->ranks = (uint64_t)(r->tp ? r->tp : 1) * (r->pp ? r->pp : 1);
	h->draft = kvp__trtllm_draft_len(r);
	for (uint32_t i = 0; i < p->group_count; i++) {
		const kvp_layer_group *g = &p->groups[i];
		uint64_t n = kvp__stage_group_layers(p, stage, i), v, part;
		const uint64_t parts[4] = {g->k_bytes_per_token, g->v_bytes_per_token,
		                           g->latent_bytes_per_token, g->index_bytes_per_token};

		if (!n)
			continue;
		if (g->state_bytes_per_seq && g->first_layer < first_state)
			first_state = g->first_layer;
		if (g->bytes_per_token && g->first_layer < first_attn)
			first_attn = g->first_layer;
		if (!kvp__mul(n, g->bytes_per_token, &v) || !kvp__add(h->slope, v, &h->slope) ||
		    !kvp__mul(n, g->state_bytes_per_seq, &v) || !kvp__add(h->state, v, &h->state))
			return false;
		/* K, V (or an MLA latent, an indexer's key) a block each. */
		for (int k = 0; k < 4; k++)
			if (parts[k] && (!kvp__mul(h->block, parts[k], &part) ||
			                 !add_buffer(&h->attn, part, n)))
				return false;
		if (!add_buffer(&h->ssm, g->state_bytes_per_seq - g->conv_bytes_per_seq, n) ||
		    !add_buffer(&h->ssm, g->conv_bytes_per_seq, n))
			return false;
	}
	h->states_first = first_state < first_attn;
	return h->slope || h->state;
}

uint64_t kvp__trtllm_draft_len(const kvp_request *r)
{
	/* MTPDecodingConfig's num_nextn_predict_layers, 1 by default; a
	 * draft model's max_draft_len as given */
	if (!r->mtp_layers && !r->draft)
		return 0;
	return r->spec_tokens ? r->spec_tokens : r->mtp_layers ? 1 : 0;
}

bool kvp__trtllm_hybrid(const kvp_plan *p, uint32_t stage)
{
	struct hybrid h;

	return stage_hybrid(p, stage, &h);
}

static uint64_t cdiv(uint64_t a, uint64_t b)
{
	return a / b + (a % b != 0);
}

/* Grains n slots of g take (grainsForSlots); UINT64_MAX past 64 bits. */
static uint64_t g4s(const struct group *g, uint64_t n, uint64_t grain)
{
	uint64_t total = 0, bytes;

	for (uint32_t i = 0; i < g->n; i++)
		if (!kvp__mul(n, g->size[i], &bytes) || !kvp__add(total, cdiv(bytes, grain), &total))
			return UINT64_MAX;
	return total;
}

/* The most slots of g that grains hold, and the grains they take
 * (grainsToSlots). */
static uint64_t g2s(const struct group *g, uint64_t grains, uint64_t grain, uint64_t *used)
{
	uint64_t lo = 0, hi = UINT64_MAX / 2;

	/* No more than any one pool's grains hold. */
	for (uint32_t i = 0; i < g->n; i++) {
		unsigned __int128 most = (unsigned __int128)grains * grain / g->size[i];

		if (most < hi)
			hi = (uint64_t)most;
	}
	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2 + 1;

		if (g4s(g, mid, grain) <= grains)
			lo = mid;
		else
			hi = mid - 1;
	}
	*used = g4s(g, lo, grain);
	return lo;
}

/* Bytes n slots of g take in whole grains (slotsToBytes). */
static uint64_t s2b(const struct group *g, uint64_t n, uint64_t grain)
{
	uint64_t grains = g4s(g, n, grain), bytes;

	return kvp__mul(grains, grain, &bytes) ? bytes : UINT64_MAX;
}

static void fail(kvp_capacity *c, uint64_t floor)
{
	c->tokens = c->blocks = c->state_slots = c->state_bytes = c->state_charged = 0;
	c->allocated_bytes = 0;
	c->state_floor = floor;
}

/* Sets c's blocks, tokens, states and their bytes (pools of the bytes
 * given); false past 64 bits. */
static bool result(const struct hybrid *h, uint64_t blocks, uint64_t slots, uint64_t kv,
                   uint64_t state, kvp_capacity *c)
{
	c->blocks = blocks;
	c->state_slots = slots;
	c->allocated_bytes = kv;
	c->state_bytes = c->state_charged = state;
	return kvp__mul(blocks, h->block, &c->tokens);
}

/* V1: max_batch_size x pp + 1 states first (of no bytes on a stage without
 * recurrent layers), the rest in whole blocks.  A stage without attention
 * (not read: taken as its states alone) holds no block.  With a draft its
 * manager keeps max_draft_len states more than the blocks were counted
 * beside (_calculate_max_num_blocks_for_linear_attention), past the
 * budget. */
static void v1(const struct hybrid *h, uint64_t budget, kvp_capacity *c)
{
	uint64_t slots = h->seqs + 1, states, block = 0, floor, blocks = 0, kv, all;

	if (!kvp__mul(slots, h->state, &states) || !kvp__mul(h->block, h->slope, &block) ||
	    !kvp__add(states, block, &floor)) {
		fail(c, UINT64_MAX);
		return;
	}
	if (budget < floor) {
		fail(c, floor);
		return;
	}
	if (h->slope)
		blocks = (budget - states) / h->slope / h->block;
	slots += h->draft;
	if (!kvp__mul(blocks, block, &kv) || !kvp__mul(slots, h->state, &all) ||
	    !result(h, blocks, h->state ? slots : 0, kv, all, c))
		fail(c, UINT64_MAX);
}

/* V2's floor of attention blocks: one, or with avg_seq_len its
 * constraints' (a request of max_seq_len beside max_batch_size - 1 of one
 * token; a step of max_num_tokens), over max_util_for_resume, a float. */
static uint64_t attention_floor(const kvp_plan *p, const struct hybrid *h)
{
	uint64_t batch = kvp__trtllm_max_batch_size(&p->request);
	uint64_t a = cdiv(p->trtllm_max_seq_len, h->block) + batch - 1;
	uint64_t b = cdiv(MAX_NUM_TOKENS, h->block);
	double x = ceil((double)(a > b ? a : b) / (double)0.95f);

	if (!p->request.trtllm_avg_seq_len)
		return 1;
	return x >= 9007199254740992.0 ? UINT64_MAX : (uint64_t)x;
}

/* KVCacheManagerV2.__init__ with world_size > 1 ("Sync resumable token
 * capacity across ranks"): the tokens a rank's
 * quota at max_util_for_resume (0.95) holds beside its states,
 * int(quota x 0.95) (UINT64_MAX for a rank without attention: Python's
 * inf); the least of them over the ranks (allreduce MIN); and the quota
 * back from them, ceil(bytes / 0.95), where less.  A rank without
 * attention takes its states' alone, whatever the tokens. */
static uint64_t rank_tokens(const struct hybrid *h, uint64_t budget, uint64_t live)
{
	double resumable = (double)budget * 0.95;
	uint64_t r;

	if (!h->slope || resumable >= 18446744073709551616.0)
		return UINT64_MAX;
	r = (uint64_t)resumable;
	return r > live ? (r - live) / h->slope : 0;
}

static uint64_t synced_quota(const struct hybrid *h, uint64_t budget, uint64_t live,
                             uint64_t least)
{
	uint64_t tokens = rank_tokens(h, budget, live), bytes;
	double back;

	if (h->ranks < 2)
		return budget;
	if (least < tokens)
		tokens = least;
	if (!h->slope)
		tokens = 0;
	if (tokens == UINT64_MAX || !kvp__mul(tokens, h->slope, &bytes) ||
	    !kvp__add(bytes, live, &bytes))
		return budget;
	back = ceil((double)bytes / 0.95);
	return back < (double)budget ? (uint64_t)back : budget;
}

/* A stage's live states' bytes, max_batch_size x pp + 1 of them. */
static uint64_t live_states(const struct hybrid *h)
{
	uint64_t live;

	return kvp__mul(h->seqs + 1, h->state, &live) ? live : UINT64_MAX;
}

uint64_t kvp__trtllm_tokens(const kvp_plan *p, const uint64_t *budgets, uint64_t one)
{
	uint64_t least = UINT64_MAX;

	for (uint32_t s = 0; s < p->stages; s++) {
		struct hybrid h;
		uint64_t t;

		if (!stage_hybrid(p, s, &h) || h.ranks < 2 ||
		    p->request.trtllm_kv_manager == KVP_TRTLLM_MANAGER_V1)
			continue;
		t = rank_tokens(&h, budgets ? budgets[s] : one, live_states(&h));
		if (t < least)
			least = t;
	}
	return least;
}

/* The most slots of each active group grains give, smaller share first
 * (ties in the life cycles' order), those at or below their floor pinned
 * to it and the rest split again (ratioToSlotCountList).  Its
 * "Insufficient quota to satisfy min_slots" cannot come: the grains are
 * at least the floors', so a group pinned leaves the other its own. */
static void split(const struct group *const grp[2], const float r[2], const uint64_t min[2],
                  bool states_first, bool active[2], uint64_t total, uint64_t grain,
                  uint64_t slots[2])
{
	uint64_t left = total;

	for (;;) {
		uint64_t got[2] = {0, 0}, used[2] = {0, 0}, spend = left;
		int order[2], n = 0;
		bool pinned = false;

		for (int i = 0; i < 2; i++)
			if (active[i])
				order[n++] = i;
		if (n == 2 && (r[1] < r[0] || (r[1] == r[0] && states_first))) {
			order[0] = 1;
			order[1] = 0;
		}
		for (int k = 0; k < n; k++) {
			int i = order[k];
			double rest = 0;

			for (int j = k; j < n; j++)
				rest += (double)r[order[j]];
			got[i] = g2s(grp[i], (uint64_t)nearbyint((double)spend *
			                                         ((double)r[i] / rest)),
			             grain, &used[i]);
			spend -= used[i];
		}
		for (int k = 0; k < n; k++) {
			int i = order[k];
			uint64_t u;

			if (got[i] > min[i])
				continue;
			slots[i] = g2s(grp[i], g4s(grp[i], min[i], grain), grain, &u);
			left -= u < left ? u : left;
			active[i] = false;
			pinned = true;
		}
		if (!pinned) {
			for (int k = 0; k < n; k++)
				slots[order[k]] = got[order[k]];
			return;
		}
		if (!active[0] && !active[1])
			return;
	}
}

static void v2(const kvp_plan *p, const struct hybrid *h, uint64_t budget, uint64_t least,
               kvp_capacity *c)
{
	const struct group *grp[2] = {&h->attn, &h->ssm};
	uint64_t min[2], slots[2] = {0, 0}, w[2] = {0, 0}, cap, pages, need, block = 0, total;
	uint64_t quota, gib;
	float r[2] = {1, 1}, sum;
	bool active[2] = {h->attn.n > 0, h->ssm.n > 0};

	/* mamba_cache_manager_v2.py _minimum_live_gpu_quota: the states of
	 * max_batch_size x pp + 1 sequences and a block. */
	if (!kvp__mul(h->seqs + 1, h->state, &need) || !kvp__mul(h->block, h->slope, &block) ||
	    !kvp__add(need, block, &need)) {
		fail(c, UINT64_MAX);
		return;
	}
	quota = synced_quota(h, budget, need - block, least);
	if (quota < need) {
		fail(c, need);
		return;
	}
	c->quota = quota;
	gib = quota >> 30;
	c->grain = (2ull << 20) << (gib == 0 ? 0 : gib >= 16 ? 4 : (uint64_t)floor(log2((double)gib)));
	min[0] = attention_floor(p, h);
	min[1] = h->seqs + 1;
	/* The typical step: max_batch_size x pp requests of cap tokens and
	 * a dummy, whose bytes in whole grains give each group's share. */
	cap = p->request.trtllm_avg_seq_len ? p->request.trtllm_avg_seq_len
	      : p->trtllm_max_seq_len / 2 ? p->trtllm_max_seq_len / 2 : 1;
	if (!kvp__mul(h->seqs, cdiv(cap, h->block), &pages)) {
		fail(c, UINT64_MAX);
		return;
	}
	if (active[0] && active[1]) {
		w[0] = s2b(grp[0], pages, c->grain);
		w[1] = s2b(grp[1], h->seqs + 1, c->grain);
		if (w[0] == UINT64_MAX || w[1] == UINT64_MAX || w[0] + w[1] < w[0]) {
			fail(c, UINT64_MAX);
			return;
		}
		r[0] = (float)w[0] / (float)(w[0] + w[1]);
		r[1] = (float)w[1] / (float)(w[0] + w[1]);
		sum = r[0] + r[1];
		r[0] /= sum;
		r[1] /= sum;
	}
	c->ratio = active[1] ? r[1] : 0;
	/* The quota in grains, at least the floors'. */
	total = cdiv(quota, c->grain);
	need = 0;
	for (int i = 0; i < 2; i++)
		if (active[i] && !kvp__add(need, g4s(grp[i], min[i], c->grain), &need)) {
			fail(c, UINT64_MAX);
			return;
		}
	if (need > total)
		total = need;
	c->grains = total;
	split(grp, r, min, h->states_first, active, total, c->grain, slots);
	/* The pools map whole grains (GpuSlotPool::resize). */
	{
		uint64_t kv = s2b(grp[0], slots[0], c->grain), st = s2b(grp[1], slots[1], c->grain);

		if (kv == UINT64_MAX || st == UINT64_MAX || !result(h, slots[0], slots[1], kv, st, c))
			fail(c, UINT64_MAX);
	}
}

bool kvp__trtllm_hybrid_capacity(const kvp_plan *p, uint32_t stage, uint64_t budget,
                                 uint64_t least, kvp_capacity *c)
{
	struct hybrid h;
	uint64_t block;
	uint32_t pp = p->request.pp ? p->request.pp : 1;

	if (!stage_hybrid(p, stage, &h))
		return false;
	c->grain = c->grains = c->quota = c->state_floor = 0;
	c->ratio = 0;
	c->max_requests = h.seqs;
	c->blocks_per_request = cdiv(kvp__kept_seq(p), h.block);
	/* Both start with the states of max_batch_size x pp + 1 sequences
	 * and one block: the largest max_batch_size that does (every one,
	 * up to 2^32 - 1, on a stage without recurrent layers). */
	c->batch_limit = 0;
	if (!kvp__mul(h.block, h.slope, &block))
		block = UINT64_MAX;
	if (budget >= block) {
		uint64_t seqs = h.state ? (budget - block) / h.state : UINT64_MAX;

		if (seqs >= 1 + (uint64_t)pp)
			c->batch_limit = (seqs - 1) / pp < UINT32_MAX ? (seqs - 1) / pp : UINT32_MAX;
	}
	if (p->request.trtllm_kv_manager == KVP_TRTLLM_MANAGER_V1) {
		c->trtllm_manager = KVP_TRTLLM_MANAGER_V1;
		v1(&h, budget, c);
	} else {
		c->trtllm_manager = KVP_TRTLLM_MANAGER_V2;
		v2(p, &h, budget, least, c);
	}
	return true;
}
