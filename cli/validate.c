/*
 * validate.c — kvplan --validate: plans the run against this host's memory,
 * then lets the library allocate the real cache and run the reference
 * attention, showing progress on stderr when it is a terminal.
 */
#include <string.h>
#include <unistd.h>

#include "cli.h"

struct progress_state {
	const char *phase;
	int percent;
};

static void show_progress(void *ctx, const char *phase, uint64_t done, uint64_t total)
{
	struct progress_state *state = ctx;
	int percent = total ? (int)((double)done / (double)total * 100.0) : 100;

	/* Redraw only when the phase or the whole percentage changes. */
	if (state->phase && strcmp(state->phase, phase) == 0 && state->percent == percent)
		return;
	state->phase = phase;
	state->percent = percent;
	fprintf(stderr, "\rkvplan: validating: %-9s %3d%%", phase, percent);
	if (done == total)
		fputs("\r\033[K", stderr);
	fflush(stderr);
}

int cli_validate_model(const struct cli_options *o, const struct cli_plan *plan,
                       kvp_model *out)
{
	kvp_model model = plan->model;

	/* the types planned: the options', or a config's fp8, which the
	 * reference does not store */
	if (!plan->dtype_given && plan->asked_dtype_k != plan->given_dtype_k) {
		fprintf(stderr, "kvplan: --validate: the engine's cache for this config is %s"
		        " (its quantization_config), which validation does not store; --dtype"
		        " fp16 validates a 16-bit one\n", kvp_dtype_name(plan->asked_dtype_k));
		return 2;
	}
	if (plan->asked_dtype_k != plan->asked_dtype_v) {
		fprintf(stderr, "kvplan: validation stores K and V as one type, not %s"
		        " and %s\n", kvp_dtype_name(plan->asked_dtype_k),
		        kvp_dtype_name(plan->asked_dtype_v));
		return 2;
	}
	/* The reference stores each kv head once: the repeated layout, which
	 * the plan sizes, is not what it would count. */
	if (o->req.kv_repeated) {
		fputs("kvplan: --validate: the reference cache holds each kv head once,"
		      " not --kv-layout repeated\n", stderr);
		return 2;
	}
	/* --no-window plans every layer as full attention: so is the run,
	 * whose model is then a uniform one (a pattern of full layers alone
	 * would be longer than the reference's few layers). */
	if (o->no_window) {
		bool all_full = true;

		for (uint32_t i = 0; i < model.pattern_len; i++) {
			if (model.pattern[i] == KVP_LAYER_SLIDING ||
			    model.pattern[i] == KVP_LAYER_CHUNKED)
				model.pattern[i] = KVP_LAYER_FULL;
			all_full = all_full && model.pattern[i] == KVP_LAYER_FULL;
		}
		if (all_full)
			model.pattern_len = 0;
	}
	*out = model;
	return 0;
}

int cli_validate(const struct cli_options *o, struct cli_plan *plan)
{
	kvp_validate_options options;
	struct progress_state state = {NULL, -1};
	kvp_error err;
	kvp_model model;

	if (cli_validate_model(o, plan, &model))
		return 2;
	/* Under a policy: the planned cache against the allocation, and for
	 * StreamingLLM and H2O the reference's own caches. */
	if (plan->request.policy.kind != KVP_POLICY_FULL) {
		kvp_request r = plan->request;

		r.no_window = o->no_window;
		if (kvp_validate_policy_run(&model, &r, false, &plan->validation,
		                            &err) != KVP_OK)
			return cli_fail(&err);
		plan->validated = true;
		return 0;
	}
	kvp_validate_options_init(&options);
	options.layout = o->layout;
	options.block_size = o->block_size;
	if (isatty(STDERR_FILENO)) {
		options.progress = show_progress;
		options.progress_ctx = &state;
	}
	/* The run plans itself against the host's memory first and refuses,
	 * allocating nothing, what would not fit. */
	if (kvp_validate_run(&model, plan->asked_dtype_k, o->seq, o->batch, &options,
	                     &plan->validation, &err) != KVP_OK)
		return cli_fail(&err);
	plan->validated = true;
	return 0;
}
