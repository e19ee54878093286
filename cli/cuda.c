/*
 * cuda.c — the CUDA GPU in the command: `--gpu cuda[:N]`, a device read
 * from the GPU itself, and `--validate` on it: the cache allocated with
 * cuMemAlloc (what cudaMalloc calls) against the prediction, the decode
 * kernel against the host, and the edge of device memory; with their
 * table, JSON and CSV.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"

int cli_cuda_device(const char *name, kvp_device *out, uint64_t *free_bytes)
{
	char quoted[KVP_QUOTE_MAX];
	long index = 0;
	kvp_error err;

	if (strncmp(name, "cuda", 4) != 0 || (name[4] != '\0' && name[4] != ':'))
		return -1;
	if (name[4] == ':') {
		const char *digits = name + 5;
		char *end;

		errno = 0;
		index = *digits >= '0' && *digits <= '9' ? strtol(digits, &end, 10) : -1;
		if (index < 0 || errno || *end || index > INT_MAX) {
			fprintf(stderr, "kvplan: --gpu: '%s' is not a CUDA GPU: cuda:N takes"
			        " N, a GPU's number from 0\n",
			        kvp_escape(name, quoted, sizeof quoted));
			return 2;
		}
	}
	if (kvp_device_cuda((int)index, out, free_bytes, &err) != KVP_OK) {
		fprintf(stderr, "kvplan: --gpu %s: %s\n",
		        kvp_escape(name, quoted, sizeof quoted), err.message);
		return 2;
	}
	return 0;
}

int cli_validate_cuda(const struct cli_options *o, struct cli_plan *p)
{
	kvp_error err;
	kvp_model model;
	kvp_fit_options plain;
	/* "cuda:N", as kvp_device_cuda names it. */
	int gpu = atoi(p->devices[p->cuda_slot].name + 5);

	/* The plan's edge on this GPU: its share, weights type and reserve,
	 * the fit's own (the engine's default share where none is given);
	 * the free memory's edge takes the weights type alone. */
	kvp_fit_options_init(&plain);
	plain.weights_dtype = p->fit_options.weights_dtype;
	plain.reserve_bytes = p->fit_options.reserve_bytes;
	if (p->fits[p->cuda_slot].mem_util > 0)
		plain.mem_util = p->fits[p->cuda_slot].mem_util;

	if (cli_validate_model(o, p, &model))
		return 2;
	if (p->request.policy.kind != KVP_POLICY_FULL) {
		fprintf(stderr, "kvplan: --validate: a policy's cache is validated on this host"
		        " (--gpu host), not on a GPU\n");
		return 2;
	}
	if (kvp_cuda_validate_run(&model, p->asked_dtype_k, o->seq, o->batch, o->layout,
	                          o->block_size, gpu, &p->gpu_validation,
	                          &err) != KVP_OK ||
	    kvp_cuda_boundary_run(&model, p->asked_dtype_k, gpu, &plain, false,
	                          o->block_size, &p->boundary[0], &err) != KVP_OK ||
	    kvp_cuda_boundary_run(&model, p->asked_dtype_k, gpu, &plain, true,
	                          o->block_size, &p->boundary[1], &err) != KVP_OK)
		return cli_fail(&err);
	p->gpu_validated = true;
	return 0;
}

bool cli_gpu_validation_passed(const struct cli_plan *p)
{
	return p->gpu_validation.passed && p->boundary[0].passed && p->boundary[1].passed;
}

static void row(FILE *out, const char *label, uint64_t bytes)
{
	char human[32], exact[32];

	fprintf(out, "  %-30s %10s %18s B\n", label, cli_human_bytes(bytes, human, sizeof human),
	        cli_grouped(bytes, exact, sizeof exact));
}

static void boundary_table(FILE *out, const kvp_cuda_boundary *b)
{
	char tokens[32], over[32];

	if (b->from_free)
		fprintf(out, "  edge of the free memory (mem_util %.2f, less 3 granules):\n",
		        b->mem_util);
	else
		fprintf(out, "  edge of the plan (mem_util %.2f of the GPU's memory):\n",
		        b->mem_util);
	row(out, "    budget", b->budget_bytes);
	row(out, "    weights (one allocation)", b->weights_bytes);
	fprintf(out, "    %s tokens: %s B, allocated: %s\n",
	        cli_grouped(b->max_tokens, tokens, sizeof tokens),
	        cli_grouped(b->max_bytes, over, sizeof over), b->max_allocated ? "yes" : "no");
	fprintf(out, "    %s tokens (one block of %u more): %s B, past the budget: %s,"
	        " allocated: %s\n", cli_grouped(b->over_tokens, tokens, sizeof tokens),
	        b->block_size, cli_grouped(b->over_bytes, over, sizeof over),
	        b->over_exceeds ? "yes" : "no", b->over_allocated ? "yes" : "no");
}

void cli_gpu_validation_table(FILE *out, const struct cli_plan *p)
{
	const kvp_cuda_validation *v = &p->gpu_validation;
	char block[32] = "";

	if (v->layout == KVP_LAYOUT_PAGED)
		snprintf(block, sizeof block, ", blocks of %u tokens", v->block_size);
	fprintf(out, "\nValidation on cuda:%d (%s layout%s, %s cache)\n", v->device,
	        kvp_layout_name(v->layout), block, kvp_dtype_name(p->request.dtype_k));
	row(out, "predicted", v->predicted_bytes);
	row(out, "asked of the driver", v->requested_bytes);
	row(out, "free memory lost", v->free_drop_bytes);
	row(out, "allocation granule (measured)", v->granule_bytes);
	row(out, "rounded to the granule", v->rounded_bytes);
	fprintf(out, "  allocations: %" PRIu64 "\n", v->allocations);
	if (v->kernel_run)
		fprintf(out, "  decode kernel, %" PRIu64 " tokens x %u sequences: max |GPU - host|"
		        " %.3g (tolerance %.3g)\n", v->kernel_tokens, v->kernel_seqs,
		        v->max_abs_error, v->tolerance);
	else if (p->model.head_dim != 64 && p->model.head_dim != 128 &&
	         p->model.head_dim != 256)
		fputs("  decode kernel: not run (it takes head_dim 64, 128 or 256)\n", out);
	else
		fputs("  decode kernel: not run (no code this GPU loads: the build's is for"
		      " sm_75 and later)\n", out);
	boundary_table(out, &p->boundary[0]);
	boundary_table(out, &p->boundary[1]);
	fprintf(out, "  result: %s\n", cli_gpu_validation_passed(p) ? "PASSED" : "FAILED");
}

static void boundary_json(struct json_writer *w, const kvp_cuda_boundary *b)
{
	json_object_begin(w, NULL);
	json_bool(w, "from_free", b->from_free);
	json_real(w, "mem_util", b->mem_util);
	json_u64(w, "free_bytes", b->free_bytes);
	json_u64(w, "budget_bytes", b->budget_bytes);
	json_u64(w, "weights_bytes", b->weights_bytes);
	json_u64(w, "max_tokens", b->max_tokens);
	json_u64(w, "max_bytes", b->max_bytes);
	json_bool(w, "max_allocated", b->max_allocated);
	json_u64(w, "block_size", b->block_size);
	json_u64(w, "over_tokens", b->over_tokens);
	json_u64(w, "over_bytes", b->over_bytes);
	json_bool(w, "over_exceeds", b->over_exceeds);
	json_bool(w, "over_allocated", b->over_allocated);
	json_bool(w, "passed", b->passed);
	json_object_end(w);
}

void cli_gpu_validation_json(struct json_writer *w, const struct cli_plan *p)
{
	const kvp_cuda_validation *v = &p->gpu_validation;

	json_object_begin(w, "gpu_validation");
	json_u64(w, "device", (uint64_t)v->device);
	json_text(w, "layout", kvp_layout_name(v->layout));
	json_u64(w, "block_size", v->block_size);
	json_u64(w, "predicted_bytes", v->predicted_bytes);
	json_u64(w, "requested_bytes", v->requested_bytes);
	json_u64(w, "allocations", v->allocations);
	json_u64(w, "free_drop_bytes", v->free_drop_bytes);
	json_u64(w, "granule_bytes", v->granule_bytes);
	json_u64(w, "rounded_bytes", v->rounded_bytes);
	json_bool(w, "kernel_run", v->kernel_run);
	json_u64(w, "kernel_tokens", v->kernel_tokens);
	json_u64(w, "kernel_seqs", v->kernel_seqs);
	json_real(w, "max_abs_error", v->max_abs_error);
	json_real(w, "tolerance", v->tolerance);
	json_array_begin(w, "boundary");
	boundary_json(w, &p->boundary[0]);
	boundary_json(w, &p->boundary[1]);
	json_array_end(w);
	json_bool(w, "passed", cli_gpu_validation_passed(p));
	json_object_end(w);
}
