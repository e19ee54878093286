/*
 * engine_out.c — the engine's part of the table: its settings and the
 * backend that set a GPU's block, the parallel layout and its stages,
 * each GPU's budget and log lines (engine_log.c), and the warnings of
 * what the engine does not run as planned (advice_out.c says what would
 * fit a request that does not).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void print_line(void *ctx, const char *text)
{
	fprintf(ctx, "    %s\n", text);
}

uint64_t cli_engine_block(const kvp_plan *lp)
{
	/* Every group carries the engine's block, defaults filled in
	 * (kvp_plan_compute); a hybrid's attention groups the enlarged one. */
	uint64_t least = lp->group_count ? lp->groups[0].block : 0;

	for (uint32_t g = 1; g < lp->group_count; g++)
		if (lp->groups[g].block < least)
			least = lp->groups[g].block;
	return least;
}

const char *cli_block_backend(const struct cli_plan *p, size_t i)
{
	uint32_t block;
	const char *backend = cli_attention_backend(p, i, &block);

	/* Not a block given and kept: the user's.  Not a hybrid's. */
	if (!backend || (p->asked_block && block == p->asked_block) ||
	    block != cli_engine_block(cli_device_plan(p, i)))
		return NULL;
	return backend;
}

const char *cli_block_reason(const struct cli_plan *p, size_t i, char *buf, size_t size)
{
	const char *backend = cli_block_backend(p, i);
	bool vllm = p->request.engine == KVP_ENGINE_VLLM;

	if (backend)
		snprintf(buf, size, "its %s backend", backend);
	else if (p->asked_block)
		snprintf(buf, size, "as given");
	else
		snprintf(buf, size, "%s's default, no %sbackend known for %s",
		         vllm ? "vLLM" : "SGLang", vllm ? "MLA " : "", p->devices[i].name);
	return buf;
}

const char *cli_type_reason(const struct cli_plan *p, size_t i, char *buf, size_t size)
{
	uint32_t block;
	const char *backend = cli_attention_backend(p, i, &block);

	/* SGLang's auto (kvp_request_for_device): fp8_e4m3 from SM100,
	 * bfloat16 below it and off NVIDIA; and fp8_e4m3 kept scaled, as
	 * fp8_ds_mla, by its DSA backends other than trtllm. */
	if (p->request.engine == KVP_ENGINE_SGLANG) {
		const char *arch = p->devices[i].arch;
		kvp_dtype t = cli_device_plan(p, i)->request.dtype_k;
		bool scaled = t == KVP_DTYPE_FP8_DS_MLA;
		int n = 0;

		if (!arch[0])
			arch = "a GPU of unknown arch";
		if (p->asked_dtype_k == KVP_DTYPE_FP16)
			n = snprintf(buf, size, "SGLang's auto for DeepSeek DSA on %s: %s%s", arch,
			             t == KVP_DTYPE_FP16 || t == KVP_DTYPE_BF16 ? "bfloat16"
			                                                        : "fp8_e4m3",
			             scaled ? ", " : "");
		if (scaled && n >= 0 && (size_t)n < size)
			snprintf(buf + n, size - n, "%s DSA backend on %s keeps fp8_e4m3 with"
			         " fp8_ds_mla's scales", n ? "its" : "SGLang's", arch);
		return buf;
	}
	snprintf(buf, size, "%s%s%s", backend ? "its " : "vLLM's, no sparse MLA backend known",
	         backend ? backend : "", backend ? " backend" : "");
	return buf;
}

/* ", FLASHMLA's on h100-sxm": the backend that gave the plan its block
 * on the first GPU, if one did. */
static void block_backend(FILE *out, const struct cli_plan *p)
{
	const char *backend = p->n_devices ? cli_block_backend(p, 0) : NULL;

	if (backend)
		fprintf(out, ", %s's on %s", backend, p->devices[0].name);
}

/* What vLLM takes on GPU i that the first GPU does not, and what it
 * allocates there. */
static void device_differs(FILE *out, const struct cli_plan *p, size_t i)
{
	const kvp_plan *dp = cli_device_plan(p, i);
	uint64_t block = cli_engine_block(dp);
	bool step = dp->batched_tokens != p->layers.batched_tokens;
	bool blocks = block != cli_engine_block(&p->layers);
	bool chunk = dp->request.chunked_prefill_size != p->layers.request.chunked_prefill_size;
	/* vLLM's sparse MLA backend's cache type (fp8_ds_mla, or fp8 on
	 * Blackwell's FLASHINFER_MLA_SPARSE). */
	bool type = dp->request.dtype_k != p->layers.request.dtype_k;
	char a[32], why[KVP_NAME_MAX + 64];

	fputs("  ", out);
	if (type)
		fprintf(out, "cache %s (%s)%s", kvp_dtype_name(dp->request.dtype_k),
		        cli_type_reason(p, i, why, sizeof why),
		        chunk || step || blocks ? ", " : "");
	/* SGLang's chunk size, its default for this GPU's memory, which
	 * sizes its chunk cache's sliding pool (lib/sglang_pools.c) */
	if (chunk)
		fprintf(out, "chunked_prefill_size %u (SGLang's default here)%s",
		        dp->request.chunked_prefill_size, step || blocks ? ", " : "");
	if (step)
		fprintf(out, "max_num_batched_tokens %" PRIu64 "%s (vllm serve's default)%s",
		        dp->batched_tokens, blocks ? "" : " here", blocks ? " and " : "");
	if (blocks && p->request.engine == KVP_ENGINE_SGLANG)
		fprintf(out, "page size %" PRIu64 " here (%s)", block,
		        cli_block_reason(p, i, why, sizeof why));
	else if (blocks)
		fprintf(out, "blocks of %" PRIu64 " tokens%s (%s)", block, step ? "" : " here",
		        cli_block_reason(p, i, why, sizeof why));
	fprintf(out, "%s: allocates %s B\n", step && blocks ? " here" : "",
	        cli_grouped(p->fits[i].cache_total_bytes, a, sizeof a));
}

/* Whether the tp ranks keep copies of a kv head's tokens: under decode
 * context parallelism a group of dcp shares them, and what the GPUs hold
 * beyond one GPU's cache is their pages' padding, not copies (and under
 * SGLang a draft's pool, whole on each GPU, which the Parallel line
 * says).  A head's
 * copies: the attention's tp / dcp for an MLA latent, the heads a GPU
 * holds x tp / dcp / the model's kv heads otherwise. */
static bool copies_kv_heads(const struct cli_plan *p)
{
	const kvp_request *r = &p->request;
	const kvp_plan *lp = &p->layers;
	uint32_t dcp = cli_dcp(r);
	uint64_t tp = kvp_request_attention_tp(r);

	if (dcp == 1)
		return true;
	if (p->model.kv_lora_rank || !lp->model_kv_heads)
		return tp / dcp > 1;
	return (uint64_t)lp->kv_heads_per_gpu * tp / dcp > lp->model_kv_heads;
}

/* Gemma 4's full layers' kv heads on a GPU where they differ from the
 * others' (kvp_plan kv_heads_per_gpu), as ", 2 in the full layers". */
static const char *full_heads_text(const kvp_plan *lp, char *buf, size_t size)
{
	buf[0] = '\0';
	for (uint32_t g = 0; g < lp->group_count; g++) {
		const kvp_layer_group *grp = &lp->groups[g];

		if (!grp->draft && grp->kind == KVP_LAYER_FULL && grp->kv_heads &&
		    grp->kv_heads != lp->kv_heads_per_gpu) {
			snprintf(buf, size, " (%u in the full layers)", grp->kv_heads);
			break;
		}
	}
	return buf;
}

void cli_print_engine(FILE *out, const struct cli_plan *p)
{
	const kvp_plan *lp = &p->layers;
	const kvp_request *r = &p->request;
	char a[32], b[32], heads[48];

	if (r->engine != KVP_ENGINE_EXACT) {
		fprintf(out, "\nEngine %s", kvp_engine_name(r->engine));
		switch (r->engine) {
		case KVP_ENGINE_VLLM: {
			/* No attention: its blocks are its states, one a
			 * request (mode none) or two (align). */
			if (p->model.heads == 0)
				fprintf(out, " (a state page a layer for each request, %s",
				        kvp_engine_mamba_mode(&lp->request) == KVP_MAMBA_ALIGN
				                ? "and one kept: mode align"
				                : "none kept: mode none, prefix caching off");
			else {
				fprintf(out, " (blocks of %" PRIu64 " tokens", cli_engine_block(lp));
				block_backend(out, p);
			}
			/* The step of tokens its sliding layers keep: given,
			 * or `vllm serve`'s default for the first GPU. */
			if (lp->batched_tokens)
				fprintf(out, ", max_num_batched_tokens %" PRIu64 "%s%s",
				        lp->batched_tokens,
				        p->batch_default ? ": vllm serve's default on " : "",
				        p->batch_default ? (p->n_devices ? p->devices[0].name
				                                         : "a GPU it cannot ask") : "");
			fputc(')', out);
			break;
		}
		case KVP_ENGINE_LLAMA_CPP:
			fprintf(out, " (n_ctx %" PRIu64 ", %" PRIu64 " seqs, %s, n_ubatch %u)",
			        lp->n_ctx, r->batch, r->kv_unified ? "unified" : "split",
			        r->ubatch ? r->ubatch : 512);
			break;
		case KVP_ENGINE_SGLANG:
			fprintf(out, " (page size %" PRIu64, cli_engine_block(lp));
			block_backend(out, p);
			fputc(')', out);
			break;
		case KVP_ENGINE_TRTLLM:
			fprintf(out, " (%s runtime, %u tokens per block)",
			        r->trtllm_cpp ? "C++" : "PyTorch",
			        r->block_size ? r->block_size : r->trtllm_cpp ? 64 : 32);
			break;
		case KVP_ENGINE_EXACT:
			break;
		}
		fprintf(out, "\n  allocates %s B; the exact model needs %s B\n",
		        cli_grouped(lp->cache_total_bytes, a, sizeof a),
		        cli_grouped(lp->exact_cache_bytes, b, sizeof b));
		/* SGLang's one pool for an architecture it runs without
		 * its sliding-window pool. */
		if (lp->windows_held) {
			char type[KVP_QUOTE_MAX];
			uint32_t n = kvp_model_count_layers(&p->model, KVP_LAYER_SLIDING) +
			             kvp_model_count_layers(&p->model, KVP_LAYER_CHUNKED);

			if (r->no_swa_pool)
				fprintf(out, "  SGLang keeps every token of the %u windowed layers"
				        " (--disable-hybrid-swa-memory)\n", n);
			else
				fprintf(out, "  SGLang keeps every token of the %u windowed layers:"
				        " its sliding-window pool is for the architectures it"
				        " lists (Llama 4, gpt-oss, Gemma 4, ...), and %s%s\n", n,
				        p->model.model_type[0] ? kvp_escape(p->model.model_type, type,
				                                            sizeof type)
				                               : "this model names no model_type",
				        p->model.model_type[0] ? " is not one" : "");
		}
		if (r->engine == KVP_ENGINE_LLAMA_CPP) {
			cli_llama_lines(p, print_line, out);
			/* llama_init_from_model refuses a quantized V cache
			 * without flash attention. */
			if (kvp_dtype_block_values(r->dtype_v) > 1)
				fprintf(out, "  a quantized V cache (%s) needs flash attention"
				        " (-fa on)\n", kvp_dtype_name(r->dtype_v));
		}
	}
	if (r->tp > 1 || r->pp > 1 || r->dp > 1) {
		if (!p->model.heads)
			fprintf(out, "\nParallel: tp %u, pp %u, dp %u (%" PRIu64 " GPUs); the"
			        " mixers' states split over tp\n", r->tp, r->pp, r->dp,
			        kvp_request_gpus(r));
		else
			fprintf(out, "\nParallel: tp %u, pp %u, dp %u (%" PRIu64 " GPUs); %u kv"
			        " head%s per GPU%s\n", r->tp, r->pp, r->dp, kvp_request_gpus(r),
			        lp->kv_heads_per_gpu, lp->kv_heads_per_gpu == 1 ? "" : "s",
			        full_heads_text(lp, heads, sizeof heads));
		/* Each stage's cache, and its weights: the first holds the
		 * embedding, the last the head; each GPU's where they differ
		 * (gpt-oss's MXFP4 layout, TensorRT-LLM's copies on 10.x). */
		for (uint32_t s = 0; s < lp->stages && lp->stages > 1; s++) {
			bool same = true;

			fprintf(out, "  stage %u: layers %u-%u, %s B per GPU", s,
			        lp->stage_first[s], lp->stage_first[s] + lp->stage_layers[s] - 1,
			        cli_grouped(lp->stage_bytes[s], a, sizeof a));
			for (size_t i = 1; i < p->n_devices; i++)
				same = same && p->fits[i].stage_weights[s] == p->fits[0].stage_weights[s];
			if (p->n_devices && same)
				fprintf(out, ", weights %s B",
				        cli_grouped(p->fits[0].stage_weights[s], b, sizeof b));
			for (size_t i = 0; !same && i < p->n_devices; i++)
				fprintf(out, "%s %s B on %s", i ? "," : ", weights",
				        cli_grouped(p->fits[i].stage_weights[s], b, sizeof b),
				        p->devices[i].name);
			fputc('\n', out);
		}
		/* vLLM's decode context parallelism (lib/engine.c
		 * kvp__vllm_blocks). */
		if (r->engine == KVP_ENGINE_VLLM && r->dcp > 1)
			fprintf(out, "  decode context parallel %u: each GPU of a group of %u keeps"
			        " one block of every %u x %" PRIu64 " tokens, in place of a copy"
			        " of the group's kv heads\n", r->dcp, r->dcp, r->dcp,
			        (uint64_t)lp->groups[0].block);
		/* SGLang's (lib/engine.h kvp__engine_dcp): the allocator's
		 * locations are dcp times the pool's rows. */
		if (r->engine == KVP_ENGINE_SGLANG && r->dcp > 1) {
			char keeps[64];

			if (r->block_size > 1)
				snprintf(keeps, sizeof keeps, "one page of every %u x %u tokens",
				         r->dcp, r->block_size);
			else
				snprintf(keeps, sizeof keeps, "one token of every %u", r->dcp);
			fprintf(out, "  decode context parallel %u: each GPU of a group of %u keeps"
			        " %s, its pool of max_total_num_tokens rows holding %u times as"
			        " many tokens%s\n", r->dcp, r->dcp, keeps, r->dcp,
			        lp->draft_layers ? "; the draft's pool is whole on each GPU, every"
			                           " token" : "");
		}
		fprintf(out, "  largest GPU %s B; all GPUs %s B\n",
		        cli_grouped(lp->kv_bytes_per_gpu, a, sizeof a),
		        cli_grouped(lp->cache_total_bytes, b, sizeof b));
		/* What every rank holds whole (lib/stages.c). */
		if (r->tp > 1 && lp->replicated_bytes)
			fprintf(out, "  whole on every rank: %s B of the weights (%s)\n",
			        cli_grouped(lp->replicated_bytes, a, sizeof a),
			        !p->model.kv_lora_rank ? "routers"
			        : p->model.index_heads && p->model.index_head_dim
			        ? lp->routed_experts ? "MLA down-projections, the sparse-attention"
			                               " indexer and routers"
			                             : "MLA down-projections and the indexer"
			        : lp->routed_experts ? "MLA down-projections and routers"
			                             : "MLA down-projections");
		/* The copies of kv_b_proj an engine keeps beside it. */
		if (lp->attention_copy_bytes)
			fprintf(out, "  beside each kv_b_proj: %s %s B a GPU%s\n",
			        r->engine == KVP_ENGINE_SGLANG ? "w_kc and w_vc,"
			        : r->engine == KVP_ENGINE_VLLM ? "its bf16 dequantized copy,"
			        : "k_b_proj_trans,", cli_grouped(lp->attention_copy_bytes, a, sizeof a),
			        lp->attention_copy_sm100_bytes ? " (and bf16 dequantized copies on"
			        " sm 100 and 103)" : "");
		/* vLLM's bf16 wk of the indexer (lib/stages.c), and its
		 * buffers of the indexer's selected indices (lib/indexer.c),
		 * sized on each GPU by its batched tokens. */
		if (lp->indexer_upcast_bytes)
			fprintf(out, "  the indexer's wk in bf16 (fused with weights_proj): %s B a GPU"
			        " past its fp8\n", cli_grouped(lp->indexer_upcast_bytes, a, sizeof a));
		if (lp->topk_row_bytes)
			fprintf(out, "  the indexer's selected indices: %s B a batched token on every"
			        " GPU%s%s%s\n", cli_grouped(lp->topk_row_bytes, a, sizeof a),
			        lp->draft_topk_row_bytes ? ", and the MTP drafter's " : "",
			        lp->draft_topk_row_bytes ? cli_grouped(lp->draft_topk_row_bytes, b,
			                                               sizeof b) : "",
			        lp->draft_topk_row_bytes ? " B on the last stage's" : "");
		/* Each GPU's kv head whole past the kv heads
		 * (lib/attn_weights.c): its K and V weights past its share. */
		if (lp->stage_kv_replica_bytes[0])
			fprintf(out, "  kv heads fewer than tp: each GPU holds a kv head's K and V"
			        " weights whole, %s B%s past its share\n",
			        cli_grouped(lp->stage_kv_replica_bytes[0], a, sizeof a),
			        lp->stages > 1 ? " on the first stage's" : "");
		/* vLLM's experts over tp x dp GPUs (lib/fit.c gpu_weights). */
		if (cli_experts_over_dp(lp)) {
			uint64_t group = (uint64_t)r->tp * r->dp;

			fprintf(out, "  routed experts: %s B over tp x dp = %" PRIu64 " GPUs, ",
			        cli_grouped(lp->expert_bytes, a, sizeof a), group);
			if (r->expert_parallel)
				fprintf(out, "whole: at most %" PRIu64 " of %u a layer on a GPU\n",
				        (lp->routed_experts + group - 1) / group, lp->routed_experts);
			else
				fprintf(out, "each expert's inner size split; the rest over tp %u\n",
				        r->tp);
		}
		/* TensorRT-LLM's attention data parallelism (lib/fit.c). */
		if (r->engine == KVP_ENGINE_TRTLLM && r->attention_dp)
			fprintf(out, "  attention data parallel: each of the tp %u ranks serves its"
			        " own requests with every head; %s\n", r->tp,
			        lp->expert_bytes ? "the routed experts over them, every other"
			                           " weight whole on each"
			                         : "every weight whole on each");
		/* SGLang's data-parallel attention (lib/attn_weights.c). */
		if (cli_sglang_dp_attention(r)) {
			fprintf(out, "  data-parallel attention: %u groups of tp %u, each serving its"
			        " own requests; attention %s B over tp %u", r->dp, r->tp / r->dp,
			        cli_grouped(lp->attention_bytes, a, sizeof a), r->tp / r->dp);
			fprintf(out, ", the embedding whole, the rest over tp %u\n", r->tp);
		}
		/* SGLang's MLPs and head by its flags (lib/fit.c). */
		if (r->engine == KVP_ENGINE_SGLANG &&
		    (lp->dense_mlp_bytes || (r->sglang_deepep && lp->routed_experts) ||
		     (cli_sglang_dp_attention(r) && r->sglang_dp_lm_head))) {
			const char *sep = "";

			fprintf(out, "  SGLang's placement: ");
			if (cli_sglang_dp_attention(r) && r->sglang_dp_lm_head) {
				fprintf(out, "the head over tp %u", kvp_request_attention_tp(r));
				sep = "; ";
			}
			if (lp->dense_mlp_bytes) {
				fprintf(out, "%sthe dense MLPs whole (%s B)", sep,
				        cli_grouped(lp->dense_mlp_bytes, a, sizeof a));
				sep = "; ";
			}
			if (r->sglang_deepep && lp->routed_experts)
				fprintf(out, "%sDeepEP: the routed experts whole, at most %u of %u a"
				        " layer on a GPU", sep, (lp->routed_experts + r->tp - 1) / r->tp,
				        lp->routed_experts);
			if (r->sglang_deepep && lp->shared_expert_bytes)
				fprintf(out, ", the shared experts whole (%s B)",
				        cli_grouped(lp->shared_expert_bytes, a, sizeof a));
			fputc('\n', out);
		}
		/* SGLang's sliding-window pool: every stage the whole model. */
		if (lp->stages_whole)
			fprintf(out, "  each stage holds all %u layers' cache: SGLang's"
			        " sliding-window pool takes the whole model's layers on every"
			        " pipeline rank\n", lp->layers);
		{
			/* Under attention data parallelism each tp rank holds
			 * requests of its own, as a replica does. */
			uint64_t one = lp->cache_total_bytes / r->dp /
			               (lp->stages_whole ? r->pp : 1) /
			               (r->engine == KVP_ENGINE_TRTLLM && r->attention_dp ? r->tp : 1);

			if (one > lp->unsharded_cache_bytes && copies_kv_heads(p))
				fprintf(out, "  replicated kv heads: %.2fx the %s B of one GPU's"
				        " cache\n", (double)one / (double)lp->unsharded_cache_bytes,
				        cli_grouped(lp->unsharded_cache_bytes, a, sizeof a));
		}
	}
}

/* Under pp: the stage whose GPU binds, and the others' budgets, each
 * worker's own (SGLang: the least of them all). */
static void stage_budgets(FILE *out, const struct cli_plan *p, size_t i)
{
	const kvp_fit *f = &p->fits[i];
	char a[32];

	if (p->layers.stages == 1) {
		fputc('\n', out);
		return;
	}
	fprintf(out, " on stage %u, which binds\n", f->stage);
	if (p->request.engine == KVP_ENGINE_SGLANG) {
		fputs("  (SGLang gives every stage the least memory any rank has free)\n", out);
		return;
	}
	/* Two a line, so that 64 stages stay readable. */
	fputs("  the other stages':", out);
	for (uint32_t s = 0, n = 0; s < p->layers.stages; s++) {
		if (s == f->stage)
			continue;
		if (n && n % 2 == 0)
			fputs(",\n   ", out);
		fprintf(out, "%s stage %u %s B", n % 2 ? "," : "", s,
		        cli_grouped(f->stage_budget[s], a, sizeof a));
		n++;
	}
	fputc('\n', out);
}

/* SGLang sizes its pools as if each draft layer were as large as the
 * model's average (pool_configurator.py): a draft of larger layers takes
 * its pools past the budget, which SGLang does not check; so does a
 * draft's pool under decode context parallelism, dcp times the rows the
 * budget counts (kv_cache_configurator.py loc_space_scale).  Says so. */
static void sglang_draft_overrun(FILE *out, const struct cli_plan *p, size_t i)
{
	uint64_t over = kvp_fit_pool_overrun(cli_device_plan(p, i), &p->fits[i]);
	char a[32];

	if (over && p->request.dcp > 1)
		fprintf(out, "  its pools take %s B past this budget: SGLang budgets the draft's"
		        " pool at max_total_num_tokens rows, as if each draft layer were as large"
		        " as the model's, but under decode context parallel %u it is whole on each"
		        " GPU, %u times the rows\n", cli_grouped(over, a, sizeof a), p->request.dcp,
		        p->request.dcp);
	else if (over)
		fprintf(out, "  its pools take %s B past this budget: SGLang sizes them as if"
		        " each draft layer were as large as the model's\n",
		        cli_grouped(over, a, sizeof a));
}

/* TensorRT-LLM's hybrid pools, which its V2 manager logs no count of
 * (lib/trtllm_hybrid.c). */
static void trtllm_pools(FILE *out, const struct cli_plan *p, size_t i)
{
	const kvp_capacity *c = &p->fits[i].capacity;
	char a[32], b[32], d[32], e[32], g[32], h[32];

	if (p->request.engine != KVP_ENGINE_TRTLLM || !c->trtllm_manager || c->state_floor)
		return;
	fprintf(out, "  manager %s: %s blocks of %s tokens (%s tokens), %s recurrent states"
	        " (max_batch_size x pp %s + 1%s), %s B", c->trtllm_manager ==
	        KVP_TRTLLM_MANAGER_V1 ? "V1" : "V2", cli_grouped(c->blocks, a, sizeof a),
	        cli_grouped(cli_engine_block(cli_device_plan(p, i)), b, sizeof b),
	        cli_grouped(c->tokens, d, sizeof d), cli_grouped(c->state_slots, e, sizeof e),
	        cli_grouped(c->max_requests, g, sizeof g),
	        c->state_slots > c->max_requests + 1 ? " + the draft's" : "",
	        cli_grouped(c->allocated_bytes + c->state_bytes, h, sizeof h));
	if (c->grain)
		fprintf(out, " in grains of %s MiB", cli_grouped(c->grain >> 20, b, sizeof b));
	fputc('\n', out);
}

void cli_print_engine_fits(FILE *out, const struct cli_plan *p)
{
	/* exact and llama.cpp take no pool: under pp, which stage binds. */
	bool pools = p->request.engine != KVP_ENGINE_EXACT &&
	             p->request.engine != KVP_ENGINE_LLAMA_CPP;

	if (!pools && p->layers.stages == 1)
		return;
	for (size_t i = 0; i < p->n_devices; i++) {
		char a[32];

		if (cli_mem_util(p) == 0) {
			kvp_sglang_reserve t;
			char share[32], factor[32], vlm[96] = "";

			/* A multimodal model's: the rounded share times its
			 * factor, printed as Python's repr would. */
			snprintf(share, sizeof share, "%.3f", p->fits[i].mem_util);
			kvp_plan_sglang_reserve(cli_device_plan(p, i), &p->devices[i], &t);
			if (t.share > 0 && t.vlm_factor != 1 &&
			    t.mem_fraction_static == p->fits[i].mem_util) {
				cli_shortest(t.mem_fraction_static, share, sizeof share);
				snprintf(vlm, sizeof vlm, ": %.3f x %s for the vision encoder",
				         t.share, cli_shortest(t.vlm_factor, factor, sizeof factor));
			}
			fprintf(out, "%s: mem_fraction_static %s (SGLang's default"
			        " here%s; --mem-fraction-static to give one), %s B for the"
			        " cache", p->devices[i].name, share, vlm,
			        cli_grouped(p->fits[i].budget_bytes, a, sizeof a));
		} else
			fprintf(out, "%s: %s B for the cache", p->devices[i].name,
			        cli_grouped(p->fits[i].budget_bytes, a, sizeof a));
		stage_budgets(out, p, i);
		if (!pools)
			continue;
		trtllm_pools(out, p, i);
		/* A GPU on which vllm serve takes another step of tokens,
		 * or an MLA model another block, allocates another size
		 * (compute_plan). */
		if (cli_device_plan(p, i) != &p->layers &&
		    cli_plans_differ_cache(cli_device_plan(p, i), &p->layers))
			device_differs(out, p, i);
		cli_engine_lines(p, i, print_line, out);
		sglang_draft_overrun(out, p, i);
	}
}

void cli_engine_warnings(const struct cli_plan *p)
{
	/* Read in deepseek_v2.py (DeepSeek-V2/V3 and V3.2, whose
	 * DeepseekV32ForCausalLM is DeepseekV2ForCausalLM's, GLM-5, whose
	 * GlmMoeDsaForCausalLM in glm4_moe.py is one too, Kimi K2),
	 * qwen2.py, qwen3.py, qwen2_moe.py, qwen3_moe.py and llama4.py: the
	 * embedding whole, the attention over tp / dp (lib/attn_weights.c). */
	static const char *const read[] = {"deepseek_v2", "deepseek_v3", "deepseek_v32", "glm_moe_dsa",
		"kimi_k2",
		"qwen2", "qwen3", "qwen2_moe", "qwen3_moe", "llama4", "llama4_text"};
	const char *type = p->model.model_type;
	const kvp_request *r = &p->request;

	cli_moe_backend_warnings(p);
	cli_format_warnings(p);
	/* The C++ runtime of TensorRT engines keeps a hybrid's recurrent
	 * states apart from its KV cache (its RnnStateManager), which
	 * kvplan has not read: the pool is sized as if it held none. */
	if (r->engine == KVP_ENGINE_TRTLLM && r->trtllm_cpp && p->layers.state_total_bytes)
		cli_warn("--trtllm-runtime cpp: the C++ runtime's recurrent states (its"
		         " RnnStateManager) are not modelled: its KV cache as if it had none");
	/* --spec-tokens under TensorRT-LLM: its hybrid managers' draft-step
	 * buffers (lib/trtllm_spec.c) and V1's max_draft_len states, with a
	 * draft. */
	if (r->engine == KVP_ENGINE_TRTLLM && r->spec_tokens) {
		bool hybrid = false;

		for (size_t i = 0; i < p->n_devices; i++)
			hybrid |= p->fits[i].capacity.trtllm_manager != 0;
		if (!hybrid || (!r->mtp_layers && !r->draft))
			cli_warn("--spec-tokens sizes TensorRT-LLM's hybrid draft-step buffers and"
			         " V1's states, with --draft-model or --mtp: --engine trtllm ignores"
			         " it here");
	}
	/* TensorRT-LLM's hybrid manager with a draft: its draft steps'
	 * buffers are the plan's (lib/trtllm_spec.c); not a schedule of
	 * draft lengths, V2's dummy slot each past the first. */
	if (r->engine == KVP_ENGINE_TRTLLM && (r->mtp_layers || r->draft) &&
	    !p->layers.compute_bytes) {
		for (size_t i = 0; i < p->n_devices; i++)
			if (p->fits[i].capacity.trtllm_manager) {
				cli_warn("TensorRT-LLM's hybrid cache manager keeps the draft"
				         " steps' recurrent states beside its pool: not modelled");
				break;
			}
	}
	/* vLLM's decode context parallelism came in 0.10.2 for MLA (PR
	 * #23734) and 0.11.1 for GQA (PR #24864); a release before has no
	 * --decode-context-parallel-size. */
	if (r->engine == KVP_ENGINE_VLLM && r->dcp > 1 && r->vllm_version &&
	    r->vllm_version < (p->model.kv_lora_rank ? 10u : 11u))
		cli_warn("vLLM %u.%u has no decode context parallelism (0.10.2 for MLA, 0.11.1"
		         " for other attention); planned with it anyway", r->vllm_version / 100,
		         r->vllm_version % 100);
	/* TensorRT-LLM's fp4 indexer key "requires Blackwell+ (SM>=100) at
	 * runtime" (llm_args.py, _validate_indexer_k_dtype). */
	for (size_t i = 0; r->engine == KVP_ENGINE_TRTLLM && r->indexer_fp4 && i < p->n_devices;
	     i++) {
		const char *arch = p->devices[i].arch;
		unsigned sm = cli_device_sm(&p->devices[i]);

		if (sm < 100)
			cli_warn("%s: TensorRT-LLM takes an fp4 indexer key on Blackwell (sm_100) and"
			         " later only, not %s; planned with it anyway", p->devices[i].name,
			         arch[0] ? arch : "an unknown arch");
	}
	/* A sparse MLA model (DeepSeek-V3.2, GLM-5) on a GPU where no sparse
	 * backend kvplan knows takes the cache: vLLM's selector finds none
	 * valid and stops (platforms/cuda.py: "No valid attention backend
	 * found"; vllm#40851, GLM-5.1 on an A800). */
	/* Expanded (VLLM_MLA_DISABLE's per-head K and V): vLLM's sparse
	 * attention has no such path; once, not a GPU at a time. */
	if (r->engine == KVP_ENGINE_VLLM && p->model.index_head_dim && p->model.kv_lora_rank &&
	    r->mla == KVP_MLA_EXPANDED)
		cli_warn("%s: vLLM runs a sparse-attention model's MLA on its latent alone (its"
		         " sparse backends are MLA ones); --mla expanded, per-head K and V, is"
		         " not a layout it has for it; planned with it anyway", p->model.name);
	for (size_t i = 0; r->engine == KVP_ENGINE_VLLM && p->model.index_head_dim &&
	                   p->model.kv_lora_rank && r->mla != KVP_MLA_EXPANDED &&
	                   i < p->n_devices; i++) {
		uint32_t block;

		const char *t = kvp_dtype_name(p->asked_dtype_k), *arch = p->devices[i].arch;

		if (!cli_attention_backend(p, i, &block))
			cli_warn("%s: vLLM has no sparse MLA attention backend kvplan knows for a%s %s"
			         " cache on %s (FLASHMLA_SPARSE: sm_90 and sm_100, 16-bit or fp8,"
			         " from 0.11; FLASHINFER_MLA_SPARSE_SM120: sm_12x, fp8 from 0.24, auto"
			         " from 0.27, an index_topk of 2048%s); where none takes it, vLLM stops"
			         " (\"No valid attention"
			         " backend found\"); planned with blocks of %" PRIu64 " anyway",
			         p->devices[i].name, t[0] == 'f' || t[0] == 'i' ? "n" : "", t,
			         arch[0] ? arch : "an unknown arch",
			         strncmp(arch, "gfx", 3) == 0
			         ? "; ROCM_AITER_MLA_SPARSE on ROCm: 16-bit from 0.12, fp8 from 0.21" : "",
			         cli_engine_block(cli_device_plan(p, i)));
	}
	if (!cli_sglang_dp_attention(&p->request))
		return;
	for (size_t i = 0; i < sizeof read / sizeof read[0]; i++)
		if (strcmp(type, read[i]) == 0)
			return;
	cli_warn("%s: SGLang's data-parallel attention was read in its DeepSeek, Qwen 2"
	         " and 3 and Llama 4 models; %s%s%s is taken to place its weights as"
	         " they do", p->model.name, type[0] ? "model_type '" : "a model without a model_type",
	         type, type[0] ? "'" : "");
}
