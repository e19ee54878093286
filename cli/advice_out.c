/*
 * advice_out.c — what the table says of a request that does not fit a
 * GPU: the stage that binds, whether the weights leave the engine
 * nothing (vLLM's own words), and what would fit (a shorter context, a
 * smaller batch, a narrower cache type, more GPUs; kvp_advise).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* vLLM's own words for the longest context, when it is the engine. */
static void longest(FILE *out, const struct cli_plan *p, const kvp_advice *a)
{
	char n[32];

	if (a->max_seq_unbounded)
		fputs("any context", out);
	else if (p->request.engine == KVP_ENGINE_VLLM && p->batch == 1)
		fprintf(out, "seq <= %s (the estimated maximum model length is %" PRIu64 ")",
		        cli_grouped(a->max_seq, n, sizeof n), a->max_seq);
	else
		fprintf(out, "seq <= %s", cli_grouped(a->max_seq, n, sizeof n));
}

/* What stage weights may take: the usable memory; under TensorRT-LLM,
 * whose share is of what they leave, the whole device's (lib/fit.c). */
static uint64_t weights_room(const struct cli_plan *p, const kvp_fit *f)
{
	return p->request.engine == KVP_ENGINE_TRTLLM ? f->footprint.total
	                                              : f->usable_bytes;
}

/* Whether stage s's weights, buffers and reserve exceed GPU i's room for
 * them (not with --kv-budget). */
static bool weights_over(const struct cli_plan *p, const kvp_fit *f, uint32_t s)
{
	/* (in 128 bits: a reserve near 2^64 passes 64 with the weights) */
	return !p->request.kv_budget &&
	       (unsigned __int128)f->stage_weights[s] + p->fit_options.reserve_bytes +
	       (s + 1 == p->layers.stages ? p->layers.compute_bytes
	                                  : p->layers.compute_other_bytes) >
	       weights_room(p, f);
}

/* " on stage s", for a line about one stage of several. */
static const char *stage_name(uint32_t s, char *buf, size_t size)
{
	snprintf(buf, size, " on stage %u", s);
	return buf;
}

bool cli_vllm_nothing_left(const struct cli_plan *p, size_t i, uint32_t s,
                           uint64_t *deficit, uint64_t *buffers)
{
	const kvp_fit *f = &p->fits[i];
	uint64_t need;

	*deficit = *buffers = 0;
	if (p->request.engine != KVP_ENGINE_VLLM || !p->request.profile_memory ||
	    p->request.kv_budget ||
	    kvp_plan_stage_need(cli_device_plan(p, i), &p->devices[i], s, &need, buffers,
	                        NULL) != KVP_OK ||
	    need < f->usable_bytes)
		return false;
	*deficit = need - f->usable_bytes;
	return true;
}

bool cli_vllm_nothing_left_any(const struct cli_plan *p, size_t i, uint32_t *stage)
{
	uint64_t worst = 0, deficit, buffers;
	bool any = false;

	for (uint32_t s = 0; s < cli_device_plan(p, i)->stages; s++)
		if (cli_vllm_nothing_left(p, i, s, &deficit, &buffers) &&
		    (!any || deficit > worst)) {
			any = true;
			worst = deficit;
			*stage = s;
		}
	return any;
}

const char *cli_vllm_pool(const kvp_fit *f, char *buf, size_t size)
{
	char blocks[32], layers[32];

	snprintf(buf, size, "vLLM's pool of %s blocks (each %s layers' pages, its groups'"
	         " padding layers among them)",
	         cli_grouped(f->capacity.blocks, blocks, sizeof blocks),
	         cli_grouped(f->capacity.group_size, layers, sizeof layers));
	return buf;
}

/* Whether SGLang's --max-total-tokens sets its pool on this device:
 * its tokens on one GPU the cap in whole pages. */
static bool sglang_capped(const struct cli_plan *p, const kvp_fit *f)
{
	uint64_t cap = p->request.sglang_max_total_tokens, page = cli_engine_block(&p->layers);

	return p->request.engine == KVP_ENGINE_SGLANG && cap && page &&
	       f->capacity.log_tokens == cap / page * page;
}

/* Whether SGLang's pool of tokens on one GPU holds fewer pages than the
 * batch's requests take there (blocks_per_request, a GPU's share under
 * decode context parallelism), where the bytes fit (bytes_fit) or the
 * cap sets the pool. */
static bool sglang_pool_short(const struct cli_plan *p, const kvp_fit *f, bool bytes_fit)
{
	uint64_t page = cli_engine_block(&p->layers), need;

	if (p->request.engine != KVP_ENGINE_SGLANG || !page ||
	    !(bytes_fit || sglang_capped(p, f)))
		return false;
	if (__builtin_mul_overflow(p->batch, f->capacity.blocks_per_request, &need))
		return true;
	return f->capacity.log_tokens / page < need;
}

/* The stage that keeps GPU i's request from fitting: one whose weights
 * exceed the usable memory, else the one whose cache is furthest over its
 * own budget (the advice's). */
static uint32_t short_stage(const struct cli_plan *p, size_t i)
{
	const kvp_fit *f = &p->fits[i];

	for (uint32_t s = 0; s < cli_device_plan(p, i)->stages; s++)
		if (weights_over(p, f, s))
			return s;
	return p->advice[i].short_stage;
}

void cli_print_advice(FILE *out, const struct cli_plan *p)
{
	for (size_t i = 0; i < p->n_devices; i++) {
		const kvp_advice *a = &p->advice[i];
		char x[32], y[32];

		if (!p->fits[i].fits_hbm) {
			const kvp_fit *f = &p->fits[i];
			const kvp_plan *lp = cli_device_plan(p, i);
			char z[32], st[32], h2[32], where[32] = "", pool[160];
			const char *sep = "";
			uint32_t s = short_stage(p, i), ns = 0;

			if (lp->stages > 1)
				stage_name(s, where, sizeof where);
			/* SGLang's draft pools past the device (lib/fit.c). */
			if (f->footprint.over && !p->request.kv_budget &&
			    p->request.engine == KVP_ENGINE_SGLANG && lp->draft_layers &&
			    f->budget_bytes && !weights_over(p, f, s))
				fprintf(out, "%s: does not fit: what %s allocates passes its memory"
				        " by %s B", p->devices[i].name,
				        kvp_engine_name(p->request.engine),
				        cli_grouped(f->footprint.over, x, sizeof x));
			else if (cli_vllm_nothing_left_any(p, i, &ns) && !weights_over(p, f, s)) {
				/* vllm/v1/core/kv_cache_utils.py
				 * check_enough_kv_cache_memory: no memory
				 * left is its own error (engine_log.c) */
				uint64_t deficit, buffers;
				char l[64] = "";

				cli_vllm_nothing_left(p, i, ns, &deficit, &buffers);
				if (lp->lora_stage_bytes[ns])
					snprintf(l, sizeof l, ", the adapters (%s B)",
					         cli_grouped(lp->lora_stage_bytes[ns], st, sizeof st));
				fprintf(out, "%s: does not fit: the weights (%s B per GPU%s)%s, vLLM's"
				        " buffers with its profile run (%s B)%s ",
				        p->devices[i].name,
				        cli_grouped(f->stage_weights[ns], x, sizeof x),
				        lp->stages > 1 ? stage_name(ns, where, sizeof where) : "", l,
				        cli_grouped(buffers, y, sizeof y),
				        p->fit_options.reserve_bytes ? " and the reserve" : "");
				if (deficit)
					fprintf(out, "pass the usable %s B by %s B",
					        cli_grouped(f->usable_bytes, z, sizeof z),
					        cli_grouped(deficit, h2, sizeof h2));
				else
					fprintf(out, "take all of the usable %s B",
					        cli_grouped(f->usable_bytes, z, sizeof z));
			}
			else if (weights_over(p, f, s))
				fprintf(out, "%s: does not fit: the weights (%s B per GPU%s)%s and"
				        " the reserve exceed the %s %s B", p->devices[i].name,
				        cli_grouped(f->stage_weights[s], x, sizeof x), where,
				        p->layers.compute_bytes ? ", the engine's buffers" : "",
				        p->request.engine == KVP_ENGINE_TRTLLM ? "device's" : "usable",
				        cli_grouped(weights_room(p, f), z, sizeof z));
			else if (f->capacity.state_floor)
				fprintf(out, "%s: does not fit: TensorRT-LLM's KV cache manager %s"
				        " does not start, needing %s B for the recurrent states of"
				        " max_batch_size x pp %s + 1 sequences and one block, past the"
				        " budget of %s B (--max-batch-size %s at most)",
				        p->devices[i].name, f->capacity.trtllm_manager ==
				        KVP_TRTLLM_MANAGER_V1 ? "V1" : "V2",
				        cli_grouped(f->capacity.state_floor, x, sizeof x),
				        cli_grouped(f->capacity.max_requests, y, sizeof y),
				        cli_grouped(f->budget_bytes, z, sizeof z),
				        cli_grouped(f->capacity.batch_limit, h2, sizeof h2));
			else if (f->capacity.swa_floor)
				fprintf(out, "%s: does not fit: SGLang refuses to start, its sliding"
				        " pool of %s tokens holding no prefill's sliding_window_size +"
				        " page_size (%s)", p->devices[i].name,
				        cli_grouped(f->capacity.swa_tokens, x, sizeof x),
				        cli_grouped(f->capacity.swa_floor, y, sizeof y));
			else if (!a->short_bytes && p->request.engine == KVP_ENGINE_SGLANG &&
			         f->capacity.max_requests && p->batch > f->capacity.max_requests)
				/* its states admit fewer requests than the batch */
				fprintf(out, "%s: does not fit: SGLang's pool of recurrent states"
				        " admits %s requests at once, fewer than batch %s",
				        p->devices[i].name,
				        cli_grouped(f->capacity.max_requests, x, sizeof x),
				        cli_grouped(p->batch, y, sizeof y));
			else if (!a->short_bytes && p->request.engine == KVP_ENGINE_SGLANG &&
			         f->capacity.swa_tokens && !sglang_pool_short(p, f, true))
				fprintf(out, "%s: does not fit: SGLang's sliding pool of %s tokens a"
				        " GPU holds fewer than batch %s requests' windows",
				        p->devices[i].name,
				        cli_grouped(f->capacity.swa_tokens, x, sizeof x),
				        cli_grouped(p->batch, y, sizeof y));
			else if (sglang_pool_short(p, f, !a->short_bytes))
				/* its pool's tokens do not hold the batch: the
				 * bytes fit (the budget left beside its recurrent
				 * states or its sliding pool), or --max-total-tokens
				 * binds, which more memory would not lift */
				fprintf(out, "%s: does not fit: SGLang's pool holds %s tokens a GPU%s,"
				        " fewer than batch %s x %s tokens a request (whole pages)",
				        p->devices[i].name,
				        cli_grouped(f->capacity.log_tokens, x, sizeof x),
				        sglang_capped(p, f) ? " (--max-total-tokens)" : "",
				        cli_grouped(p->batch, y, sizeof y),
				        cli_grouped(f->capacity.blocks_per_request * cli_engine_block(lp),
				                    z, sizeof z));
			else if (!a->short_bytes && p->request.engine == KVP_ENGINE_VLLM &&
			         f->capacity.blocks_per_request)
				/* the bytes fit, its block ids do not: each spans
				 * its groups' padding layers too */
				fprintf(out, "%s: does not fit: %s holds %s requests of %s blocks,"
				        " fewer than batch %s", p->devices[i].name,
				        cli_vllm_pool(f, pool, sizeof pool),
				        cli_grouped(f->capacity.blocks / f->capacity.blocks_per_request,
				                    y, sizeof y),
				        cli_grouped(f->capacity.blocks_per_request, z, sizeof z),
				        cli_grouped(p->batch, st, sizeof st));
			else {
				uint64_t held = kvp_plan_held_bytes(lp, s);
				char h[32], less[80] = "";

				/* vLLM 0.29 on: its check takes the null block
				 * from the budget. */
				if (held)
					snprintf(less, sizeof less, " less the null block's %s B",
					         cli_grouped(held, h, sizeof h));
				fprintf(out, "%s: does not fit by %s B (cache %s B per GPU%s, %s B"
				        " for it%s)", p->devices[i].name,
				        cli_grouped(a->short_bytes, x, sizeof x),
				        cli_grouped(lp->stage_bytes[s], y, sizeof y), where,
				        cli_grouped(f->stage_budget[s], z, sizeof z), less);
			}
			fputs("; fits with ", out);
			if (a->max_seq || a->max_seq_unbounded) {
				longest(out, p, a);
				fprintf(out, " at batch %" PRIu64, p->batch);
				sep = ", or ";
			}
			if (a->max_batch) {
				fprintf(out, "%sbatch <= %s", sep, cli_grouped(a->max_batch, x, sizeof x));
				sep = ", or ";
			}
			if (a->dtype_found) {
				fprintf(out, "%scache type %s", sep, kvp_dtype_name(a->dtype));
				sep = ", or ";
			}
			if (a->min_tp && a->min_gpus != (uint64_t)a->min_tp * p->request.pp &&
			    p->request.pp > 1)
				fprintf(out, "%s%" PRIu64 " GPUs (tp %u x pp %u x dp %u)", sep,
				        a->min_gpus, a->min_tp, p->request.pp, p->request.dp);
			else if (a->min_tp && a->min_gpus != (uint64_t)a->min_tp * p->request.pp)
				fprintf(out, "%s%" PRIu64 " GPUs (tp %u x dp %u)", sep, a->min_gpus,
				        a->min_tp, p->request.dp);
			else if (a->min_tp && cli_sglang_dp_attention(&p->request))
				fprintf(out, "%s%" PRIu64 " GPUs (tp %u, in dp %u attention groups)",
				        sep, a->min_gpus, a->min_tp, p->request.dp);
			else if (a->min_tp)
				fprintf(out, "%s%" PRIu64 " GPUs (tp %u)", sep, a->min_gpus, a->min_tp);
			else if (!*sep)
				fputs("none of a shorter context, a smaller batch, another cache"
				      " type or more GPUs", out);
			fputs("\n", out);
		}
		if (p->solve == CLI_SOLVE_NONE)
			continue;
		fprintf(out, "%s: %s = ", p->devices[i].name, cli_solve_name(p->solve));
		if (p->solve == CLI_SOLVE_MAX_SEQ)
			longest(out, p, a);
		else if (p->solve == CLI_SOLVE_MAX_BATCH)
			fputs(cli_grouped(a->max_batch, x, sizeof x), out);
		else if (a->min_tp && a->min_gpus != (uint64_t)a->min_tp * p->request.pp)
			fprintf(out, "%" PRIu64 " (tp %u x pp %u x dp %u)", a->min_gpus, a->min_tp,
			        p->request.pp, p->request.dp);
		else if (a->min_tp && cli_sglang_dp_attention(&p->request))
			fprintf(out, "%" PRIu64 " (tp %u, in dp %u attention groups)", a->min_gpus,
			        a->min_tp, p->request.dp);
		else if (a->min_tp)
			fprintf(out, "%" PRIu64 " (tp %u x pp %u)", a->min_gpus, a->min_tp,
			        p->request.pp);
		else
			fputs(cli_sglang_dp_attention(&p->request)
			      ? "none (no tp of dp times a divisor of the heads fits)"
			      : p->model.heads ? "none (no tensor-parallel degree up to the heads fits)"
			      : "none (no tensor-parallel degree up to the mixer's heads fits)", out);
		fputc('\n', out);
	}
}
