/*
 * sweep_main.c — what a sweep runs over, from the options: the models of
 * --model's list (each resolved as a plan's model is, overrides and all),
 * the GPUs of --gpu, and a request for each engine of --engine's list and
 * each cache type of --dtype's, each engine with its own defaults and the
 * settings that are its own.  All of it is checked on the first point
 * before the first row is written.
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The items of a comma-separated list into items (strdup'd copy in
 * *copy); 0, or 2 after one line on stderr. */
static int split(const char *opt, const char *list, char **copy, char *items[],
                 size_t *n)
{
	char *save = NULL;

	*n = 0;
	*copy = NULL;
	if (cli_list_check(opt, list))
		return 2;
	*copy = strdup(list);
	if (!*copy) {
		fputs("kvplan: out of memory\n", stderr);
		return 2;
	}
	for (char *item = strtok_r(*copy, ",", &save); item;
	     item = strtok_r(NULL, ",", &save)) {
		if (*n == CLI_MAX_SWEEP) {
			fprintf(stderr, "kvplan: --%s: at most %d in a sweep\n", opt,
			        CLI_MAX_SWEEP);
			return 2;
		}
		items[(*n)++] = item;
	}
	if (*n == 0) {
		fprintf(stderr, "kvplan: --%s: an empty list\n", opt);
		return 2;
	}
	return 0;
}

/* The options as engine e would take them: the block setting that is
 * e's own (its memory share, unless given, is the library's default for
 * e). */
static void engine_options(const struct cli_options *o, kvp_engine e,
                           struct cli_options *one)
{
	*one = *o;
	one->req.engine = e;
	one->req.attention_dp = cli_attention_dp(o->engine_flags, e);
	one->req.indexer_fp4 = o->indexer_fp4 && e == KVP_ENGINE_TRTLLM;
	/* As a single plan takes them (args_engine.c): --block-size for
	 * every engine, SGLang's --page-size and TensorRT-LLM's
	 * --tokens-per-block for theirs, over it. */
	one->block_size_set = o->block_size_asked != 0;
	one->block_size = o->block_size_asked;
	if (e == KVP_ENGINE_SGLANG && o->page_size) {
		one->block_size_set = true;
		one->block_size = o->page_size;
	} else if (e == KVP_ENGINE_TRTLLM && o->tokens_per_block) {
		one->block_size_set = true;
		one->block_size = o->tokens_per_block;
	}
}

struct lists {
	char *models_copy, *engines_copy, *dtypes_copy;
	char *models[CLI_MAX_SWEEP], *engines[CLI_MAX_SWEEP], *dtypes[CLI_MAX_SWEEP];
	size_t n_models, n_engines, n_dtypes;
};

static int build_requests(const struct cli_options *o, struct lists *l,
                          struct cli_plan *plan, kvp_request *requests, size_t *n)
{
	*n = 0;
	for (size_t e = 0; e < l->n_engines; e++) {
		struct cli_options one;
		kvp_engine engine = o->req.engine;
		kvp_error err;

		if (o->engine_list &&
		    kvp_engine_from_name(l->engines[e], &engine, &err) != KVP_OK) {
			fprintf(stderr, "kvplan: --engine: %s\n", err.message);
			return 2;
		}
		engine_options(o, engine, &one);
		for (size_t t = 0; t < l->n_dtypes; t++) {
			if (o->dtype_list) {
				if (cli_parse_dtype("dtype", l->dtypes[t], &one.dtype_k))
					return 2;
				one.dtype_v = one.dtype_k;
				one.dtype_set = true;
			}
			plan->fit_options = one.fit;
			cli_build_request(&one, plan, &requests[(*n)++]);
		}
	}
	return 0;
}

int cli_sweep(const struct cli_options *o, kvp_catalog *cat)
{
	struct lists l = {0};
	struct cli_plan *plan = calloc(1, sizeof *plan);
	kvp_model *models = NULL;
	kvp_request *requests = NULL;
	kvp_plan *check = malloc(sizeof *check);
	size_t n_requests = 0;
	int rc = 2;

	if (!plan || !check)
		goto nomem;
	l.n_models = l.n_engines = l.n_dtypes = 1;
	if ((o->model_name && split("model", o->model_name, &l.models_copy, l.models,
	                            &l.n_models)) ||
	    (o->engine_list && split("engine", o->engine_list, &l.engines_copy, l.engines,
	                             &l.n_engines)) ||
	    (o->dtype_list && split("dtype", o->dtype_list, &l.dtypes_copy, l.dtypes,
	                            &l.n_dtypes)))
		goto done;
	models = calloc(l.n_models, sizeof *models);
	requests = calloc(l.n_engines * l.n_dtypes, sizeof *requests);
	if (!models || !requests)
		goto nomem;
	for (size_t m = 0; m < l.n_models; m++) {
		struct cli_options one = *o;

		if (o->model_name)
			one.model_name = l.models[m];
		memset(plan, 0, sizeof *plan);
		if (cli_resolve_model(&one, cat, plan))
			goto done;
		models[m] = plan->model;
	}
	if (cli_resolve_devices(o->gpu_list ? o->gpu_list : cli_default_gpus, cat, plan) ||
	    build_requests(o, &l, plan, requests, &n_requests))
		goto done;
	/* Each model under each request, at the sweep's first point. */
	for (size_t m = 0; m < l.n_models; m++)
		for (size_t i = 0; i < n_requests; i++) {
			kvp_request r = requests[i];
			kvp_error err;
			kvp_status st;

			r.seq = o->sweep_seq.set ? o->sweep_seq.to : o->seq;
			r.batch = o->sweep_batch.set ? o->sweep_batch.from : o->batch;
			st = kvp_plan_compute(&models[m], &r, check, &err);
			if (st != KVP_OK && st != KVP_ERR_OVERFLOW) {
				rc = cli_fail(&err);
				goto done;
			}
		}
	rc = cli_sweep_run(o, models, l.n_models, plan->devices, plan->n_devices,
	                   requests, n_requests, stdout);
	goto done;
nomem:
	fputs("kvplan: out of memory\n", stderr);
done:
	if (plan) {
		free(plan->devices);
		free(plan->cuda_free);
	}
	free(plan);
	free(check);
	free(models);
	free(requests);
	free(l.models_copy);
	free(l.engines_copy);
	free(l.dtypes_copy);
	return rc;
}
