/*
 * engine_log.c — what an engine would print about its cache: the log
 * lines of vLLM, SGLang and TensorRT-LLM rendered from the plan, with
 * their own formats (doc/engines.md quotes each); llama.cpp's in
 * engine_log_llama.c.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"


/* Whether SGLang keeps a group in its SWA pool: a sliding or chunked
 * layer the plan left windowed (kvp_engine_swa_pool). */
static bool swa_kind(kvp_layer_kind kind)
{
	return kind == KVP_LAYER_SLIDING || kind == KVP_LAYER_CHUNKED;
}

/* The K and V bytes a token of the model's layers (draft false) or of a
 * draft's takes, in its full layers ([0]) and its sliding ones ([1]). */
static void pool_sums(const kvp_plan *lp, bool draft, uint64_t k[2], uint64_t v[2])
{
	k[0] = k[1] = v[0] = v[1] = 0;
	for (uint32_t g = 0; g < lp->group_count; g++) {
		int swa = swa_kind(lp->groups[g].kind);

		if (lp->groups[g].draft != draft)
			continue;
		k[swa] += (uint64_t)lp->groups[g].layers * lp->groups[g].k_bytes_per_token;
		v[swa] += (uint64_t)lp->groups[g].layers * lp->groups[g].v_bytes_per_token;
	}
}

/* Whether SGLang puts layers of the plan in an SWA pool: the model's
 * (draft false), or a draft's that is itself such an architecture. */
static bool sglang_swa(const kvp_plan *lp, bool draft)
{
	uint64_t k[2], v[2];

	pool_sums(lp, draft, k, v);
	return k[1] + v[1] != 0;
}

/* An SWAKVPool's lines (mem_cache/swa_memory_pool.py SWAKVPool: the
 * sliding layers' MHATokenToKVPool first, the full layers' next, each
 * logging its "KV Cache is allocated" line, then its own total), of the
 * model's layers or of a draft's (its worker's pool, of the same
 * tokens). */
static void swakv_lines(const kvp_plan *lp, const kvp_capacity *c, bool draft,
                        void (*line)(void *ctx, const char *text), void *ctx)
{
	const double gib = 1024.0 * 1024.0 * 1024.0;
	uint64_t page = lp->request.block_size ? lp->request.block_size : 1;
	uint64_t k[2], v[2], size[2], full = 0;
	char text[256];

	pool_sums(lp, draft, k, v);
	if (k[0] + v[0])
		full = c->tokens;
	size[0] = full;
	size[1] = c->swa_tokens;
	/* Each pool's buffers have page_size rows more; a pool of no layers
	 * has no bytes. */
	for (int i = 1; i >= 0; i--) {
		snprintf(text, sizeof text,
		         "KV Cache is allocated. #tokens: %" PRIu64 ", K size: %.2f GB,"
		         " V size: %.2f GB", size[i],
		         (double)(size[i] + page) * (double)k[i] / gib,
		         (double)(size[i] + page) * (double)v[i] / gib);
		line(ctx, text);
	}
	snprintf(text, sizeof text,
	         "SWAKVPool mem usage: %.2f GB, swa size: %" PRIu64 ", full size: %" PRIu64,
	         ((double)(size[0] + page) * (double)(k[0] + v[0]) +
	          (double)(size[1] + page) * (double)(k[1] + v[1])) / gib,
	         c->swa_tokens, full);
	line(ctx, text);
}

/* SGLang's split pool (model_executor/pool_configurator.py
 * HybridSWAPoolConfigurator's line, then the model's SWAKVPool). */
static void sglang_swa_lines(const kvp_plan *lp, const kvp_capacity *c,
                             void (*line)(void *ctx, const char *text), void *ctx)
{
	char text[256];
	uint64_t k[2], v[2];

	/* The pools too small for a prefill: SGLang raises instead
	 * (_solve_pool_sizes), and allocates nothing. */
	if (c->swa_floor) {
		uint64_t page = lp->request.block_size ? lp->request.block_size : 1;

		snprintf(text, sizeof text, "SWA pool (%" PRIu64 " tokens) cannot hold even one"
		         " request: the prefill admission floor is sliding_window_size (%" PRIu64
		         ") + page_size (%" PRIu64 "). Increase --swa-full-tokens-ratio or the"
		         " total KV budget.", c->swa_tokens, c->swa_floor - page, page);
		line(ctx, text);
		return;
	}
	pool_sums(lp, false, k, v);
	if (k[0] + v[0])
		snprintf(text, sizeof text, "Use sliding window memory pool. full_layer_tokens=%"
		         PRIu64 ", swa_layer_tokens=%" PRIu64, c->tokens, c->swa_tokens);
	else
		snprintf(text, sizeof text, "Use sliding window memory pool (all SWA)."
		         " swa_layer_tokens=%" PRIu64, c->swa_tokens);
	line(ctx, text);
	swakv_lines(lp, c, false, line, ctx);
}

/* The layers of group g on stage s; a draft's layers (past the model's)
 * are on the last stage. */
static uint64_t stage_layers_of(const kvp_plan *lp, uint32_t s, uint32_t g)
{
	uint32_t n = 0;

	if (lp->groups[g].draft)
		return s == lp->stages - 1 ? lp->groups[g].layers : 0;
	for (uint32_t l = lp->stage_first[s]; l < lp->stage_first[s] + lp->stage_layers[s]; l++)
		n += kvp_plan_layer_group(lp, l) == g;
	return n;
}

/* SGLang's pool line (mem_cache/memory_pool.py: "GB" is 2^30 bytes
 * there): max_total_num_tokens, and the K and V (MLA: the latent) of its
 * rows, a page more, over the model's layers or the draft's. */
static void sglang_pool_line(const kvp_plan *lp, const kvp_fit *f, bool draft,
                             void (*line)(void *ctx, const char *text), void *ctx)
{
	const kvp_capacity *c = &f->capacity;
	uint64_t k = 0, v = 0, latent = 0, index = 0;
	uint64_t page;
	/* The rows on one GPU: under decode context parallelism the pool's
	 * tokens are dcp times them (log_tokens, kvp_capacity), and a
	 * draft's pool, whole on each GPU, spans all of them, its padding
	 * a page of page x dcp (kv_cache_configurator.py loc_space_scale). */
	uint64_t scale = draft && lp->request.dcp > 1 ? lp->request.dcp : 1;
	uint64_t tokens = scale > 1 ? c->tokens : c->log_tokens; /* saturated */
	double rows = (double)tokens + (double)(lp->request.block_size ? lp->request.block_size
	                                                                : 1) * (double)scale;
	const double gib = 1024.0 * 1024.0 * 1024.0;
	char text[256];

	page = (lp->request.block_size ? lp->request.block_size : 1) * scale;
	for (uint32_t g = 0; g < lp->group_count; g++) {
		/* Under pp a rank's pool has its stage's layers: those of the
		 * stage that binds (its capacity's); the draft's worker is on
		 * the last. */
		uint64_t n = lp->stages == 1 ? lp->groups[g].layers
		             : stage_layers_of(lp, draft ? lp->stages - 1 : f->stage, g);

		if (lp->groups[g].draft != draft)
			continue;
		k += n * lp->groups[g].k_bytes_per_token;
		v += n * lp->groups[g].v_bytes_per_token;
		latent += n * lp->groups[g].latent_bytes_per_token;
		index += n * lp->groups[g].index_bytes_per_token;
	}
	/* DSATokenToKVPool's size counts its indexer's pages too
	 * (get_kv_size_bytes): (size + page + 1) // page of them a layer,
	 * page x the key's bytes each. */
	if (latent)
		snprintf(text, sizeof text,
		         "KV Cache is allocated. #tokens: %" PRIu64 ", KV size: %.2f GB",
		         tokens, (rows * (double)latent +
		                  (tokens > UINT64_MAX - page - 1 ? (double)tokens
		                   : (double)((tokens + page + 1) / page * page)) * (double)index) /
		                 gib);
	else
		snprintf(text, sizeof text,
		         "KV Cache is allocated. #tokens: %" PRIu64 ", K size: %.2f GB,"
		         " V size: %.2f GB", tokens, rows * (double)k / gib,
		         rows * (double)v / gib);
	line(ctx, text);
}

/* SGLang's pool of recurrent states (mem_cache/memory_pool.py MambaPool,
 * allocated before the KV pool): its max_mamba_cache_size, and its conv
 * and SSM states, a padding slot more, over the binding stage's recurrent
 * layers. */
static void sglang_mamba_line(const kvp_plan *lp, const kvp_fit *f,
                              void (*line)(void *ctx, const char *text), void *ctx)
{
	const kvp_capacity *c = &f->capacity;
	const double gib = 1024.0 * 1024.0 * 1024.0;
	uint64_t conv = 0, ssm = 0;
	char text[320];

	for (uint32_t g = 0; g < lp->group_count; g++) {
		const kvp_layer_group *grp = &lp->groups[g];
		uint64_t n = lp->stages == 1 ? grp->layers : stage_layers_of(lp, f->stage, g);

		if (grp->kind != KVP_LAYER_RECURRENT || grp->draft)
			continue;
		conv += n * grp->conv_bytes_per_seq;
		ssm += n * (grp->state_bytes_per_seq - grp->conv_bytes_per_seq);
	}
	snprintf(text, sizeof text,
	         "Mamba Cache is allocated. max_mamba_cache_size: %" PRIu64 ", conv_state size:"
	         " %.2fGB, ssm_state size: %.2fGB", c->state_slots,
	         (double)(c->state_slots + 1) * (double)conv / gib,
	         (double)(c->state_slots + 1) * (double)ssm / gib);
	/* With a draft, its verify buffers (the physical conv windows). */
	if (c->state_spec_bytes) {
		size_t used = strlen(text);

		snprintf(text + used, sizeof text - used,
		         " intermediate_ssm_state_cache size: %.2fGB"
		         " intermediate_conv_window_cache size: %.2fGB",
		         (double)(c->state_spec_bytes - c->state_spec_conv_bytes) / gib,
		         (double)c->state_spec_conv_bytes / gib);
	}
	line(ctx, text);
}

/* vLLM's "Available KV cache memory" (gpu_worker.py, "%.2f GiB" of 2^30
 * bytes): each worker's own budget.  From v0.11.1 (#26740, info_once with
 * scope "local") only local rank 0 logs it, the first stage on one node;
 * before, every worker did, a line a stage. */
static void available_lines(const struct cli_plan *p, size_t i,
                            void (*line)(void *ctx, const char *text), void *ctx)
{
	const kvp_fit *f = &p->fits[i];
	uint32_t v = p->request.vllm_version, stages = p->layers.stages;
	char text[128];

	bool every = stages > 1 && v && v < 12;

	for (uint32_t s = 0; s < (every ? stages : 1); s++) {
		char who[24] = "";

		if (every)
			snprintf(who, sizeof who, "(stage %u) ", s);
		/* negative where the profile leaves nothing: vLLM logs
		 * requested_memory - non_kv_cache_memory unclamped
		 * (gpu_worker.py determine_available_memory at 35d5cda1) */
		uint64_t deficit, buffers;
		double gib = cli_vllm_nothing_left(p, i, s, &deficit, &buffers) && deficit
		             ? -(double)deficit : (double)f->stage_budget[s];

		snprintf(text, sizeof text, "%sAvailable KV cache memory: %.2f GiB", who,
		         gib / (1024.0 * 1024.0 * 1024.0));
		line(ctx, text);
	}
}

/* vLLM's CUDA-graph estimate, from 0.20 (lib/vllm_profile.c):
 * gpu_model_runner.py profile_cudagraph_memory logs "Estimated CUDA graph
 * memory: %.2f GiB total" before the budget, and gpu_worker.py
 * determine_available_memory the utilisation it amounts to after it,
 * round(util - estimate / total, 4) and round(util + estimate / total, 4)
 * at most 1, as "%.4f" (Python's round and printf's both go by the
 * double's exact value).  One GPU of the binding stage's.  "default since
 * v0.21.0" is vLLM's own wording (PR #40465 named 0.21, expecting #38284
 * to miss 0.20), though the default shipped in v0.20.0 (its notes'
 * breaking change 6; logs of the v0.20.0 and v0.20.2 images print this
 * line), so kvplan prints it as vLLM does, from 0.20. */
static void graph_lines(const kvp_fit *f, bool after,
                        void (*line)(void *ctx, const char *text), void *ctx)
{
	char text[512];
	double delta = (double)f->cuda_graph_bytes / (double)f->footprint.total;
	double more = f->mem_util + delta;

	if (!after) {
		snprintf(text, sizeof text, "Estimated CUDA graph memory: %.2f GiB total",
		         (double)f->cuda_graph_bytes / (1024.0 * 1024.0 * 1024.0));
		line(ctx, text);
		return;
	}
	snprintf(text, sizeof text,
	         "CUDA graph memory profiling is enabled (default since v0.21.0)."
	         " The current --gpu-memory-utilization=%.4f is equivalent to"
	         " --gpu-memory-utilization=%.4f without CUDA graph memory profiling."
	         " To maintain the same effective KV cache size as before, increase"
	         " --gpu-memory-utilization to %.4f. To disable, set"
	         " VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=0.",
	         f->mem_util, f->mem_util - delta, more < 1 ? more : 1.0);
	line(ctx, text);
}

/* vLLM's check that one request of max_model_len fits each worker's
 * memory (vllm/v1/core/kv_cache_utils.py _check_enough_kv_cache_memory,
 * called for each worker by get_kv_cache_configs; read at main, 2026-11):
 * max_memory_usage_bytes, the sum of its layers' specs at max_model_len,
 * past the memory (from 0.29 less the null block, kvp_plan_held_bytes)
 * raises, with estimate_max_model_len's binary search over 1 ..
 * max_model_len for the longest that fits (0, and no sentence, when not
 * even one token does).  From 0.29 (PR #47272) get_kv_cache_configs
 * checks memory less the null block, check_memory, so memory of no more
 * than it is "No available memory for the cache blocks".  The first stage that fails, in order, is the
 * worker whose error stops the engine.  Its message up to the estimate,
 * "%.2f" GiB of 2^30 bytes (format_gib); the advice after it varies
 * between versions.  Logs of v0.9 to v0.11.0 spell it "models's"
 * (vllm-project/recipes #12, vllm #25350, tpu-inference #223), the
 * current code "model's": kvplan takes the first to 0.11, the release of
 * the change not established. */
static bool vllm_short_line(const struct cli_plan *p, size_t i, char *text, size_t size)
{
	const kvp_plan *lp = cli_device_plan(p, i);
	const kvp_fit *f = &p->fits[i];
	const double gib = 1024.0 * 1024.0 * 1024.0;
	uint32_t v = p->request.vllm_version;

	for (uint32_t s = 0; s < lp->stages; s++) {
		uint64_t held = kvp_plan_held_bytes(lp, s), avail, need, b, lo = 1, hi, best = 0;
		char est[96] = "";

		avail = f->stage_budget[s] > held ? f->stage_budget[s] - held : 0;
		if (kvp_plan_stage_bytes_at(lp, s, p->seq, 1, &need, NULL) != KVP_OK || !need)
			continue;
		/* no memory (from 0.29 none past the null block: check_memory
		 * <= 0) is the other error */
		if (!avail) {
			snprintf(text, size, "ValueError: No available memory for the cache blocks.");
			return true;
		}
		if (need <= avail)
			continue;
		hi = p->seq;
		while (lo <= hi) {
			uint64_t mid = lo + (hi - lo) / 2;

			if (kvp_plan_stage_bytes_at(lp, s, mid, 1, &b, NULL) == KVP_OK &&
			    b <= avail) {
				best = mid;
				lo = mid + 1;
			} else
				hi = mid - 1;
		}
		if (best)
			snprintf(est, sizeof est, " Based on the available memory, the estimated"
			         " maximum model length is %" PRIu64 ".", best);
		snprintf(text, size, "ValueError: To serve at least one request with the"
		         " %s max seq len (%" PRIu64 "), (%.2f GiB KV cache is needed,"
		         " which is larger than the available KV cache memory (%.2f GiB).%s",
		         v && v <= 11 ? "models's" : "model's", p->seq, (double)need / gib,
		         (double)avail / gib, est);
		return true;
	}
	return false;
}

/* TensorRT-LLM's hybrid cache managers.  V1: KVCacheManager::
 * allocatePools's line, its GiB every pool's (the states' too) and its
 * tokens every window's blocks, the states' window among them
 * (BlockManager::getNumPrimaryBlocks sums them), x tokens_per_block.
 * V2 (kv_cache_manager_v2.py KVCacheManagerV2.__init__): its quota (the
 * budget, or over several GPUs what it syncs), a Python float of GiB; then, with no avg_seq_len, the warning of
 * mamba_cache_manager_v2.py _get_typical_request_capacity.  Neither
 * when it does not start. */
static void trtllm_hybrid_lines(const kvp_plan *lp, const kvp_fit *f,
                                void (*line)(void *ctx, const char *text), void *ctx)
{
	const kvp_capacity *c = &f->capacity;
	char text[512], num[40];
	uint64_t block = cli_engine_block(lp);

	if (c->state_floor)
		return;
	if (c->trtllm_manager == KVP_TRTLLM_MANAGER_V1) {
		snprintf(text, sizeof text,
		         "[MemUsageChange] Allocated %0.2f GiB for max tokens in paged"
		         " KV cache (%" PRIu64 ").",
		         ((double)c->allocated_bytes + (double)c->state_bytes) /
		         (double)(1u << 30), (c->blocks + c->state_slots) * block);
		line(ctx, text);
		return;
	}
	snprintf(text, sizeof text, "KV cache manager v2 device quota set to %sGiB",
	         cli_py_float((double)c->quota / (double)(1u << 30), num, sizeof num));
	line(ctx, text);
	if (!lp->request.trtllm_avg_seq_len) {
		snprintf(text, sizeof text, "'kv_cache_config.avg_seq_len' is not set for a"
		         " hybrid Mamba model using KV cache manager V2. Falling back to"
		         " max_seq_len / 2=%" PRIu64 " for cache-pool sizing. Set"
		         " 'kv_cache_config.avg_seq_len' in the YAML configuration to the"
		         " workload's average total sequence length for an accurate KV/SSM"
		         " pool ratio.", lp->trtllm_max_seq_len / 2 ? lp->trtllm_max_seq_len / 2 : 1);
		line(ctx, text);
	}
}

void cli_engine_lines(const struct cli_plan *p, size_t i,
                      void (*line)(void *ctx, const char *text), void *ctx)
{
	/* The GPU's own plan: its page (SGLang) may not be the first's. */
	const kvp_plan *lp = cli_device_plan(p, i);
	const kvp_fit *f = &p->fits[i];
	const kvp_capacity *c = &f->capacity;
	char text[256], long_text[512], a[32], b[32];
	uint32_t stage;

	switch (p->request.engine) {
	case KVP_ENGINE_VLLM:
		/* vllm/v1/worker/gpu_worker.py: the memory its profile run
		 * leaves the cache, "%.2f GiB" of 2^30 bytes. */
		if (p->request.profile_memory && !p->request.kv_budget) {
			if (f->cuda_graph_bytes && f->footprint.total)
				graph_lines(f, false, line, ctx);
			available_lines(p, i, line, ctx);
			if (f->cuda_graph_bytes && f->footprint.total)
				graph_lines(f, true, line, ctx);
			/* vllm/v1/core/kv_cache_utils.py, (_)check_enough_kv_
			 * cache_memory: memory <= 0 stops it before the cache's
			 * lines.  Its message's first sentence, which every
			 * version read has (V0's worker.py raise_if_cache_size_
			 * invalid too); the sentences after it vary. */
			if (cli_vllm_nothing_left_any(p, i, &stage)) {
				line(ctx, "ValueError: No available memory for the cache blocks.");
				break;
			}
		}
		if (vllm_short_line(p, i, long_text, sizeof long_text)) {
			line(ctx, long_text);
			break;
		}
		/* vllm/v1/core/kv_cache_utils.py _report_kv_cache_config:
		 * int(max_concurrency x max_model_len) from 0.21 on; from
		 * 0.27 the two on one line (PR #50462, 2026-08-04;
		 * update_kv_cache_capacity at main 22df3a3). */
		if (!p->request.vllm_version || p->request.vllm_version >= 27) {
			snprintf(text, sizeof text, "GPU KV cache size: %s tokens, Maximum"
			         " concurrency for %s tokens per request: %.2fx",
			         cli_grouped(c->log_tokens, a, sizeof a),
			         cli_grouped(p->seq, b, sizeof b), c->max_concurrency);
			line(ctx, text);
			break;
		}
		/* Before 0.21 the line multiplied one GPU's blocks by the
		 * decode context parallel size, and said so: "by the
		 * dcp_world_size" in PR #24864's log (0.11), "by the
		 * cp_world_size" once prefill context parallelism came (PR
		 * #28718, 2025-11; taken as 0.12, not established). */
		if (p->request.dcp > 1 && p->request.vllm_version < 12)
			snprintf(text, sizeof text, "Multiplying the GPU KV cache size by the"
			         " dcp_world_size %u.", p->request.dcp);
		else if (p->request.dcp > 1)
			snprintf(text, sizeof text, "Multiplying the GPU KV cache size by the"
			         " cp_world_size %u (pcp_world_size 1 * dcp_world_size %u).",
			         p->request.dcp, p->request.dcp);
		if (p->request.dcp > 1 && p->request.vllm_version < 21)
			line(ctx, text);
		snprintf(text, sizeof text, "GPU KV cache size: %s tokens",
		         cli_grouped(c->log_tokens, a, sizeof a));
		line(ctx, text);
		snprintf(text, sizeof text,
		         "Maximum concurrency for %s tokens per request: %.2fx",
		         cli_grouped(p->seq, b, sizeof b), c->max_concurrency);
		line(ctx, text);
		break;
	case KVP_ENGINE_LLAMA_CPP:
		cli_llama_lines(p, line, ctx);
		break;
	case KVP_ENGINE_SGLANG: {
		/* mem_cache/memory_pool.py: "GB" is 2^30 bytes there. */
		/* The model's pools, then a draft's or the MTP layers' (its
		 * worker's, of the same tokens: eagle_worker.py), split too
		 * when the draft is itself of the split pool's
		 * architectures and the model's pool is split. */
		if (c->state_slots)
			sglang_mamba_line(lp, f, line, ctx);
		if (c->swa_tokens || sglang_swa(lp, false))
			sglang_swa_lines(lp, c, line, ctx);
		else
			sglang_pool_line(lp, f, false, line, ctx);
		for (uint32_t g = 0; g < lp->group_count; g++)
			if (lp->groups[g].draft) {
				if (c->swa_tokens && sglang_swa(lp, true))
					swakv_lines(lp, c, true, line, ctx);
				else
					sglang_pool_line(lp, f, true, line, ctx);
				break;
			}
		break;
	}
	case KVP_ENGINE_TRTLLM:
		/* _util.py configure_kv_cache_capacity's reserve for the
		 * context-MLA workspace (lib/trtllm_mla.c), its GiB of 2^30
		 * bytes, then KVCacheManager::allocatePools, in both runtimes;
		 * the C++ runtime's GptSession also says how many tokens it
		 * uses. */
		if (f->mla_workspace_bytes && lp->trtllm_mla_workspace_bytes) {
			double gib = 1024.0 * 1024.0 * 1024.0;

			snprintf(text, sizeof text,
			         "Reserving %.2f GiB for the context-MLA attention workspace (w=%" PRIu64
			         " B/token, admitting up to %" PRIu64 " tokens of summed attended KV):"
			         " KV cache budget %.2f -> %.2f GiB.",
			         (double)f->mla_workspace_bytes / gib, lp->trtllm_mla_workspace_bytes,
			         f->mla_workspace_tokens,
			         ((double)f->budget_bytes + (double)f->mla_workspace_bytes) / gib,
			         (double)f->budget_bytes / gib);
			line(ctx, text);
		}
		/* A hybrid's manager (lib/trtllm_hybrid.c). */
		if (c->trtllm_manager) {
			trtllm_hybrid_lines(lp, f, line, ctx);
			break;
		}
		snprintf(text, sizeof text,
		         "[MemUsageChange] Allocated %0.2f GiB for max tokens in paged"
		         " KV cache (%" PRIu64 ").",
		         (double)c->allocated_bytes / (double)(1u << 30), c->tokens);
		line(ctx, text);
		if (p->request.trtllm_cpp) {
			/* The C++ runtime of releases up to 0.9 (GptSession),
			 * as its published logs show them: "Allocate 7952400384
			 * bytes for k/v cache." then "Using 60672 tokens in
			 * paged KV cache." (TensorRT-LLM 0.8.0, Llama 3 8B). */
			snprintf(text, sizeof text, "Allocate %" PRIu64 " bytes for k/v cache.",
			         c->allocated_bytes);
			line(ctx, text);
			snprintf(text, sizeof text, "Using %" PRIu64 " tokens in paged KV cache.",
			         c->tokens);
			line(ctx, text);
		}
		break;
	case KVP_ENGINE_EXACT:
		break;
	}
}
