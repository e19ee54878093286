/*
 * vllm_batch.c — a capacity tool embedding libkvplan: for catalogue models,
 * the largest batch of SEQ-token requests that vLLM's KV cache holds on one
 * of each named GPU, as a table (models down, GPUs across).
 * Build: cc vllm_batch.c $(pkg-config --cflags --libs kvplan) -o vllm_batch
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kvplan.h>

#define GPUS_MAX 32

/* vLLM's gpu_memory_utilization default (vllm/config/cache.py), which
 * `kvplan --engine vllm` takes too; the library's default is 0.90. */
#define VLLM_MEM_UTIL 0.92

static int usage(void)
{
	fprintf(stderr, "usage: vllm_batch SEQ GPU[,GPU...] MODEL...\n");
	return 2;
}

/* A whole number from 1, digits only. */
static int parse_count(const char *text, uint64_t *out)
{
	char *end;

	if (text[0] < '0' || text[0] > '9')
		return -1;
	errno = 0;
	*out = strtoull(text, &end, 10);
	return errno || *end || *out == 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	kvp_catalog *catalog = NULL;
	kvp_device gpus[GPUS_MAX];
	size_t n_gpus = 0, n_models, m, g;
	kvp_model *models = NULL;
	uint64_t *batches = NULL;
	kvp_plan *plan = NULL;
	kvp_request request;
	kvp_fit fit;
	kvp_error err;
	char line[2048], quoted[KVP_QUOTE_MAX], *list = NULL, *name, *save;
	uint64_t seq;
	int status = 2;
	bool any_zero = false, any_past = false;

	if (argc < 4)
		return usage();
	if (parse_count(argv[1], &seq) != 0) {
		fprintf(stderr, "vllm_batch: SEQ '%s' is not a whole number from 1\n",
		        kvp_escape(argv[1], quoted, sizeof quoted));
		return 2;
	}
	n_models = (size_t)argc - 3;
	models = calloc(n_models, sizeof *models);
	batches = calloc(n_models * GPUS_MAX, sizeof *batches);
	plan = malloc(sizeof *plan);
	list = strdup(argv[2]);
	if (!models || !batches || !plan || !list) {
		fprintf(stderr, "vllm_batch: out of memory\n");
		goto done;
	}
	if (kvp_catalog_open_default(&catalog, NULL, 0, NULL, &err) != KVP_OK)
		goto library_error;
	/* Every name is looked up before anything is printed. */
	for (name = strtok_r(list, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		if (n_gpus == GPUS_MAX) {
			fprintf(stderr, "vllm_batch: more than %d GPUs\n", GPUS_MAX);
			goto done;
		}
		if (kvp_catalog_device(catalog, name, &gpus[n_gpus++], &err) != KVP_OK)
			goto library_error;
	}
	if (n_gpus == 0) {
		status = usage();
		goto done;
	}
	for (m = 0; m < n_models; m++)
		if (kvp_catalog_model(catalog, argv[3 + m], &models[m], &err) != KVP_OK)
			goto library_error;

	kvp_request_init(&request);
	request.seq = seq;
	request.engine = KVP_ENGINE_VLLM;
	request.mem_util = VLLM_MEM_UTIL;
	for (m = 0; m < n_models; m++) {
		for (g = 0; g < n_gpus; g++) {
			/* vllm serve's max_num_batched_tokens is the GPU's
			 * (8192 on an H100, 2048 on an A100), and a sliding
			 * layer keeps that many tokens; an MLA model's block
			 * is its attention backend's there (64 with an fp8
			 * cache on an H100): plan for each GPU. */
			kvp_request here = request;

			kvp_request_for_device(&here, &models[m], &gpus[g]);
			if (kvp_plan_compute(&models[m], &here, plan, &err) != KVP_OK ||
			    kvp_plan_fit(plan, &gpus[g], &fit, &err) != KVP_OK)
				goto library_error;
			batches[m * GPUS_MAX + g] = fit.max_batch_hbm;
			any_zero |= fit.max_batch_hbm == 0;
		}
	}

	printf("largest batch of %" PRIu64 "-token requests under vLLM on one GPU\n"
	       "(fp16 cache and weights, gpu_memory_utilization %.2f)\n",
	       seq, VLLM_MEM_UTIL);
	printf("%-20s", "model");
	for (g = 0; g < n_gpus; g++)
		printf(" %12s", gpus[g].name);
	printf("\n");
	for (m = 0; m < n_models; m++) {
		bool past = models[m].max_context && seq > models[m].max_context;
		int pad = 20 - (int)strlen(models[m].name);

		any_past |= past;
		printf("%s%-*s", models[m].name, pad > 0 ? pad : 0, past ? "*" : "");
		for (g = 0; g < n_gpus; g++)
			printf(" %12" PRIu64, batches[m * GPUS_MAX + g]);
		printf("\n");
	}
	if (any_past)
		printf("*: %" PRIu64 " tokens is past the model's max context (planned anyway)\n",
		       seq);
	if (any_zero)
		printf("0: not one request fits beside the weights on one GPU\n");
	status = 0;
	goto done;
library_error:
	fprintf(stderr, "vllm_batch: %s\n", kvp_error_format(&err, line, sizeof line));
done:
	kvp_catalog_free(&catalog);
	free(list);
	free(plan);
	free(batches);
	free(models);
	return status;
}
