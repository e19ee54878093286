/*
 * args_inputs.c — the options of where the model comes from (--config,
 * --gguf, --safetensors) and of what its cache keeps (--policy, --gen,
 * --kv-layout), and the checks across them once all are parsed.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cli_parse_input_option(int code, const char *opt, const char *arg,
                           struct cli_options *o)
{
	/* A path or name that is empty would reach the file system as one. */
	if ((code == OPT_CONFIG || code == OPT_GGUF || code == OPT_DRAFT_MODEL ||
	     code == OPT_DRAFT_CONFIG || code == OPT_DRAFT_GGUF || code == OPT_SAFETENSORS) &&
	    !arg[0]) {
		fprintf(stderr, "kvplan: --%s: an empty %s\n", opt,
		        code == OPT_DRAFT_MODEL ? "name" : "path");
		return 2;
	}
	switch (code) {
	case OPT_CONFIG:
		o->config_path = arg;
		return 0;
	case OPT_GGUF:
		o->gguf_path = arg;
		return 0;
	case OPT_DRAFT_MODEL:
		o->draft_name = arg;
		return 0;
	case OPT_DRAFT_CONFIG:
		o->draft_config = arg;
		return 0;
	case OPT_DRAFT_GGUF:
		o->draft_gguf = arg;
		return 0;
	case OPT_POLICY: {
		kvp_error err;

		if (kvp_policy_parse(arg, &o->req.policy, &err) != KVP_OK) {
			fprintf(stderr, "kvplan: --policy: %s\n", err.message);
			return 2;
		}
		return 0;
	}
	case OPT_GEN:
		return cli_parse_u64(opt, arg, 0, UINT64_MAX, &o->req.gen);
	case OPT_KV_LAYOUT:
		if (strcmp(arg, "repeated") == 0 || strcmp(arg, "grouped") == 0) {
			o->req.kv_repeated = arg[0] == 'r';
			return 0;
		} else {
			char quoted[KVP_QUOTE_MAX];

			fprintf(stderr, "kvplan: --kv-layout: '%s' is not a layout"
			        " (grouped, repeated)\n", kvp_escape(arg, quoted, sizeof quoted));
			return 2;
		}
	case OPT_SAFETENSORS:
		if (o->n_safetensors == CLI_MAX_SAFETENSORS) {
			fprintf(stderr, "kvplan: --safetensors: at most %d paths (give"
			        " a directory or an index.json)\n", CLI_MAX_SAFETENSORS);
			return 2;
		}
		o->safetensors[o->n_safetensors++] = arg;
		return 0;
	default:
		return -1;
	}
}

int cli_inputs_check(const struct cli_options *o)
{
	if ((o->model_name != NULL) + (o->config_path != NULL) + (o->gguf_path != NULL) > 1) {
		fputs("kvplan: give one of --model, --config and --gguf\n", stderr);
		return 2;
	}
	if ((o->draft_name != NULL) + (o->draft_config != NULL) + (o->draft_gguf != NULL) > 1) {
		fputs("kvplan: give one of --draft-model, --draft-config and --draft-gguf\n",
		      stderr);
		return 2;
	}
	if ((o->draft_name || o->draft_config || o->draft_gguf) && o->req.mtp_layers) {
		fputs("kvplan: --mtp: a draft model and MTP layers are two ways to draft;"
		      " give one\n", stderr);
		return 2;
	}
	if (o->gguf_path && o->n_safetensors) {
		fputs("kvplan: --safetensors: a GGUF file holds its own weights\n", stderr);
		return 2;
	}
	return 0;
}

int cli_policy_check(const struct cli_options *o)
{
	/* A sweep's every point, so its first, smallest seq: checked before
	 * its first row. */
	bool swept = o->sweep && o->sweep_seq.set;
	uint64_t seq = swept ? o->sweep_seq.from : o->seq;

	if (o->req.gen >= seq) {
		fprintf(stderr, "kvplan: --gen: %llu generated tokens leave no prompt in"
		        " %s %llu\n", (unsigned long long)o->req.gen,
		        swept ? "the sweep's seq" : "--seq", (unsigned long long)seq);
		return 2;
	}
	return 0;
}
