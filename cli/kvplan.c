/*
 * kvplan.c — the kvplan command: finds the catalogue, resolves the model and
 * devices, computes the whole plan, then prints it in the asked format.
 */
#include "config.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* V100, A100 and H100 by their profiles' own names: a name is one file
 * to read, where an alias (v100, a100, h100) is found by reading them all. */
const char *const cli_default_gpus = "v100-32g,a100-80g,h100-sxm";

int cli_fail(const kvp_error *err)
{
	char line[KVP_ERROR_PATH_MAX + KVP_ERROR_MESSAGE_MAX + 64];

	fprintf(stderr, "kvplan: %s\n", kvp_error_format(err, line, sizeof line));
	return 2;
}

/* Run from the build tree (not installed), the data is in the source tree:
 * that lets `./cli/kvplan` work right after `make`. */
static const char *system_data_dir(void)
{
	char exe[PATH_MAX];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	size_t build_len = strlen(KVP_BUILDDIR);

	if (len > 0) {
		exe[len] = '\0';
		if (strncmp(exe, KVP_BUILDDIR, build_len) == 0 && exe[build_len] == '/')
			return KVP_SRCDATADIR;
	}
	return NULL;
}

static int open_catalog(const struct cli_options *o, kvp_catalog **cat)
{
	kvp_error err;

	if (kvp_catalog_open_default(cat, o->data_dirs, o->n_data_dirs,
	                             system_data_dir(), &err) != KVP_OK)
		return cli_fail(&err);
	return 0;
}

/* A flag that sets a field no layer of the model uses is a mistake the
 * user would not see in the figures: one line, exit 2. */
static int unused_flag(const kvp_model *m, const char *flag, const char *what)
{
	fprintf(stderr, "kvplan: %s: %s has no %s layers (give --layer-pattern)\n",
	        flag, m->name, what);
	return 2;
}

/* The per-layer flags, over the model's own fields. */
static int apply_layers(const struct cli_options *o, kvp_model *m)
{
	const kvp_model *s = &o->shape;
	unsigned set = o->fields_set;

	if (set & CLI_SET_PATTERN) {
		memcpy(m->pattern, s->pattern, s->pattern_len);
		m->pattern_len = s->pattern_len;
	}
	if (set & CLI_SET_WINDOW)
		m->sliding_window = s->sliding_window;
	if (set & CLI_SET_CHUNK)
		m->chunk_size = s->chunk_size;
	if (set & CLI_SET_KV_LORA_RANK)
		m->kv_lora_rank = s->kv_lora_rank;
	if (set & CLI_SET_QK_ROPE_DIM)
		m->qk_rope_dim = s->qk_rope_dim;
	if (set & CLI_SET_QK_NOPE_DIM)
		m->qk_nope_dim = s->qk_nope_dim;
	if (set & CLI_SET_V_HEAD_DIM)
		m->v_head_dim = s->v_head_dim;
	if (set & CLI_SET_INDEX_HEAD_DIM)
		m->index_head_dim = s->index_head_dim;
	if (set & CLI_SET_STATE_BYTES)
		m->state_bytes = s->state_bytes;
	/* The counts below need a pattern no longer than the model; a longer
	 * one is the library's error, given by kvp_model_finalize. */
	if (m->pattern_len > m->layers)
		return 0;
	if (set & CLI_SET_WINDOW && !kvp_model_count_layers(m, KVP_LAYER_SLIDING))
		return unused_flag(m, "--window", "sliding");
	if (set & CLI_SET_CHUNK && !kvp_model_count_layers(m, KVP_LAYER_CHUNKED))
		return unused_flag(m, "--chunk", "chunked");
	if (set & CLI_SET_STATE_BYTES && !kvp_model_count_layers(m, KVP_LAYER_RECURRENT))
		return unused_flag(m, "--state-bytes", "recurrent");
	if (set & (CLI_SET_QK_ROPE_DIM | CLI_SET_QK_NOPE_DIM | CLI_SET_V_HEAD_DIM |
	           CLI_SET_MLA) && m->kv_lora_rank == 0) {
		fprintf(stderr, "kvplan: %s: %s has no MLA latent (give --kv-lora-rank)\n",
		        set & CLI_SET_MLA ? "--mla"
		        : set & CLI_SET_QK_ROPE_DIM ? "--qk-rope-dim"
		        : set & CLI_SET_QK_NOPE_DIM ? "--qk-nope-dim" : "--v-head-dim",
		        m->name);
		return 2;
	}
	return 0;
}

/* The model: from the catalogue with single fields overridden, or wholly
 * from numbers. */
int cli_resolve_model(const struct cli_options *o, kvp_catalog *cat,
                      struct cli_plan *plan)
{
	kvp_model m;
	kvp_error err;

	if (cli_load_inputs(o, cat, plan))
		return 2;
	if (o->config_path || o->gguf_path) {
		m = plan->model;
	} else if (o->model_name) {
		if (kvp_catalog_model(cat, o->model_name, &m, &err) != KVP_OK)
			return cli_fail(&err);
	} else {
		memset(&m, 0, sizeof m);
		strcpy(m.name, "custom");
		m.kv_heads = o->shape.heads;
		/* The flags describe the model: --mtp N, its N MTP layers. */
		m.mtp_layers = o->req.mtp_layers;
	}
	/* Checkpoint headers count the parameters exactly, and which of
	 * them the MTP layers and the towers hold. */
	if (plan->weights.params) {
		m.params = plan->weights.params;
		m.mtp_params = plan->weights.mtp_params;
		m.mtp_shared_params = plan->weights.mtp_shared_params;
		m.vision_params = plan->weights.vision_params;
	}
	if (o->fields_set & CLI_SET_LAYERS)
		m.layers = o->shape.layers;
	if (o->fields_set & CLI_SET_HEADS)
		m.heads = o->shape.heads;
	if (o->fields_set & CLI_SET_HIDDEN)
		m.hidden = o->shape.hidden;
	/* A head_dim the model states is kept when hidden or heads change;
	 * one that was derived from them is derived again. */
	if (o->fields_set & CLI_SET_HEAD_DIM) {
		m.head_dim = o->shape.head_dim;
		m.head_dim_derived = false;
	} else if (o->fields_set & (CLI_SET_HIDDEN | CLI_SET_HEADS) && m.head_dim_derived) {
		m.head_dim = 0;
	}
	/* --params: the weights' params as the engine loads them, nothing
	 * of the file's or profile's MTP layers and towers taken out. */
	if (o->fields_set & CLI_SET_PARAMS) {
		m.params = o->shape.params;
		/* MTP layers that only mtp_params said it has (some, how
		 * many not known: kvp_model mtp_layers) stay allowed. */
		if (m.mtp_params && !m.mtp_layers)
			m.mtp_layers = o->req.mtp_layers;
		m.mtp_params = m.mtp_shared_params = m.vision_params = 0;
	}
	if (apply_layers(o, &m))
		return 2;
	if (o->fields_set & CLI_SET_KV_HEADS) {
		if (kvp_model_finalize(&m, &err) != KVP_OK)
			return cli_fail(&err);
		if (kvp_model_with_kv_heads(&m, o->shape.kv_heads, &m, &err) != KVP_OK) {
			fprintf(stderr, "kvplan: --kv-heads: %s\n", err.message);
			return 2;
		}
	}
	if (kvp_model_finalize(&m, &err) != KVP_OK)
		return cli_fail(&err);
	plan->model = m;
	return cli_resolve_draft(o, cat, plan);
}

/* The devices named in a comma-separated list, or every one for "all". */
int cli_resolve_devices(const char *list, kvp_catalog *cat, struct cli_plan *plan)
{
	const kvp_device *all;
	size_t count = 1, n = 0;
	kvp_error err;
	char *copy, *name, *save = NULL;

	plan->cuda_slot = -1;
	if (strcmp(list, "all") == 0) {
		if (kvp_catalog_devices(cat, &all, &count, &err) != KVP_OK)
			return cli_fail(&err);
		plan->devices = calloc(count ? count : 1, sizeof *plan->devices);
		plan->cuda_free = calloc(count ? count : 1, sizeof *plan->cuda_free);
		if (!plan->devices || !plan->cuda_free)
			goto nomem;
		memcpy(plan->devices, all, count * sizeof *all);
		plan->n_devices = count;
		return 0;
	}
	/* Every name between commas; an empty one is a mistake, not nothing. */
	if (cli_list_check("gpu", list))
		return 2;
	for (const char *p = list; *p; p++)
		count += *p == ',';
	plan->devices = calloc(count, sizeof *plan->devices);
	plan->cuda_free = calloc(count, sizeof *plan->cuda_free);
	copy = strdup(list);
	if (!plan->devices || !plan->cuda_free || !copy) {
		free(copy);
		goto nomem;
	}
	for (name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		kvp_status st;

		/* "host" is this machine, unless a profile of that name exists. */
		/* "cuda:N" (no profile name has a colon) and "cuda", unless a
		 * profile has that name, are the GPUs CUDA sees, read from
		 * them. */
		st = strncmp(name, "cuda:", 5) == 0
		     ? KVP_ERR_NOT_FOUND
		     : kvp_catalog_device(cat, name, &plan->devices[n], &err);
		if (st == KVP_ERR_NOT_FOUND && strcmp(name, "host") == 0)
			st = kvp_device_host(&plan->devices[n], NULL, &err);
		if (st == KVP_ERR_NOT_FOUND) {
			int rc = cli_cuda_device(name, &plan->devices[n], &plan->cuda_free[n]);

			if (rc == 2) {
				free(copy);
				return 2;
			}
			if (rc == 0) {
				if (plan->cuda_slot < 0)
					plan->cuda_slot = (int)n;
				st = KVP_OK;
			}
		}
		if (st != KVP_OK) {
			free(copy);
			return cli_fail(&err);
		}
		n++;
	}
	free(copy);
	if (n == 0) {
		char quoted[KVP_QUOTE_MAX];

		fprintf(stderr, "kvplan: --gpu: no GPU named in '%s'\n",
		        kvp_escape(list, quoted, sizeof quoted));
		return 2;
	}
	plan->n_devices = n;
	return 0;
nomem:
	fputs("kvplan: out of memory\n", stderr);
	return 2;
}

/* The fit on GPU i, of the plan or, when vLLM's default step of tokens
 * or its MLA backend's block differs there, of the request planned again
 * with that GPU's. */
static int fit_device(struct cli_plan *plan, size_t i)
{
	const kvp_device *d = &plan->devices[i];
	kvp_request asked = cli_asked_request(plan), here;
	kvp_plan *other;
	kvp_error err;

	if (cli_device_request(&asked, &plan->model, &plan->layers, d, &here)) {
		if (!(other = malloc(sizeof *other))) {
			fputs("kvplan: out of memory\n", stderr);
			return 2;
		}
		if (kvp_plan_compute(&plan->model, &here, other, &err) != KVP_OK) {
			free(other);
			return cli_fail(&err);
		}
		/* Kept for --explain and the rest, which show this GPU's
		 * sizes, unless they are the plan's after all (a block that
		 * only names vLLM's default, a hybrid's enlarged one). */
		if (cli_plans_differ(other, &plan->layers))
			plan->device_plans[i] = other;
		else
			free(other);
	}
	if (kvp_plan_fit(cli_device_plan(plan, i), d, &plan->fits[i], &err) != KVP_OK)
		return cli_fail(&err);
	return 0;
}

static int compute_plan(const struct cli_options *o, struct cli_plan *plan)
{
	kvp_request *r = &plan->request;
	kvp_error err;
	static const kvp_attention kinds[CLI_VARIANTS] = {
		KVP_ATTENTION_MHA, KVP_ATTENTION_GQA, KVP_ATTENTION_MQA};

	plan->seq = o->seq;
	plan->batch = o->batch;
	plan->fit_options = o->fit;
	plan->explain = o->explain;
	cli_build_request(o, plan, r);
	plan->dtype = r->dtype_k;
	/* vLLM's decode context parallelism allows tp from dcp (MLA) or dcp
	 * x the kv heads (vllm/config/model.py): the plan --solve min-gpus
	 * shows is at the fewest GPUs it allows, and the solver tries the
	 * degrees it allows (lib/advise.c). */
	if (o->solve == CLI_SOLVE_MIN_GPUS && r->engine == KVP_ENGINE_VLLM && r->dcp > 1) {
		uint64_t tp = (uint64_t)r->dcp * (plan->model.kv_lora_rank || !plan->model.kv_heads
		                                  ? 1 : plan->model.kv_heads);

		r->tp = tp > UINT32_MAX ? UINT32_MAX : (uint32_t)tp;
	}
	/* SGLang's, any tp whose attention's tp dcp divides: dcp at the
	 * fewest, times dp under data-parallel attention (its groups are
	 * of tp / dp). */
	if (o->solve == CLI_SOLVE_MIN_GPUS && r->engine == KVP_ENGINE_SGLANG && r->dcp > 1) {
		uint64_t tp = (uint64_t)r->dcp * (cli_sglang_dp_attention(r) ? r->dp : 1);

		r->tp = tp > UINT32_MAX ? UINT32_MAX : (uint32_t)tp;
	}
	/* MTP layers the reader left out (lib/hf_recurrent.c) say why. */
	if (r->mtp_layers && !plan->model.mtp_layers && !plan->model.mtp_params) {
		const kvp_source_note *n = kvp_source_find(&plan->source, "mtp_layers");

		if (n && strncmp(n->text, "0: ", 3) == 0) {
			char quoted[KVP_QUOTE_MAX * 4];

			fprintf(stderr, "kvplan: --mtp: %s: no MTP layers: %s\n",
			        kvp_escape(plan->source.path, quoted, sizeof quoted), n->text + 3);
			return 2;
		}
	}
	if (kvp_plan_compute(&plan->model, r, &plan->layers, &err) != KVP_OK)
		return cli_fail(&err);
	/* Adapters asked on modules the model has none of */
	if (r->lora.rank && r->lora.modules && !plan->layers.lora_modules) {
		char names[256];

		cli_warn("--lora-modules %s: the model has none of them: no adapters counted",
		         kvp_lora_modules_text(r->lora.modules, names, sizeof names));
	}
	/* The MLA the engine runs (MiniCPM3's expanded in vLLM and
	 * llama.cpp): the output says it, and every later plan asks it. */
	r->mla = plan->layers.request.mla;
	/* vLLM's step of tokens, which its sliding layers keep beside their
	 * window, is `vllm serve`'s default for the GPU when not given, and
	 * so is an MLA model's block, its attention backend's: the plan
	 * follows the first GPU's, and a GPU whose default differs is planned
	 * again with its own (fit_device). */
	plan->batch_default = plan->layers.batched_tokens && !r->max_batched_tokens;
	plan->asked_block = r->block_size;
	plan->asked_dtype_k = r->dtype_k;
	plan->asked_dtype_v = r->dtype_v;
	plan->given_dtype_k = o->dtype_k;
	plan->given_dtype_v = o->dtype_v;
	plan->dtype_given = o->dtype_set || o->dtype_k_set || o->dtype_v_set;
	plan->asked_chunked = r->chunked_prefill_size;
	plan->asked_moe = r->moe_backend;
	if (plan->n_devices) {
		kvp_request first;
		bool differs = cli_device_request(r, &plan->model, &plan->layers,
		                                  &plan->devices[0], &first);

		if (plan->batch_default)
			r->max_batched_tokens = first.max_batched_tokens;
		plan->block_default = first.block_size != r->block_size;
		r->block_size = first.block_size;
		r->dtype_k = first.dtype_k;
		r->dtype_v = first.dtype_v;
		r->chunked_prefill_size = first.chunked_prefill_size;
		r->moe_backend = first.moe_backend;
		if (differs && kvp_plan_compute(&plan->model, r, &plan->layers, &err) != KVP_OK)
			return cli_fail(&err);
	}
	/* The plan holds the format's total; the parts are for the output. */
	plan->has_estimate = !r->weight_bytes && r->weights_format.kind != KVP_WFORMAT_PLAIN;
	if (plan->has_estimate) {
		/* Of the params the engine loads, as the plan weighs them. */
		kvp_model loaded;

		kvp_model_loaded(&plan->model, r, &loaded);
		if (kvp_weights_estimate_compute(&loaded, &r->weights_format, r->weights_dtype,
		                                 &plan->estimate, &err) != KVP_OK)
			return cli_fail(&err);
	}
	plan->unpoliced_bytes = plan->layers.cache_total_bytes;
	if (r->policy.kind != KVP_POLICY_FULL) {
		/* The same request keeping everything: the saving's base. */
		kvp_request all = *r;
		kvp_plan *full = malloc(sizeof *full);

		if (!full) {
			fputs("kvplan: out of memory\n", stderr);
			return 2;
		}
		all.policy.kind = KVP_POLICY_FULL;
		if (kvp_plan_compute(&plan->model, &all, full, &err) != KVP_OK) {
			free(full);
			return cli_fail(&err);
		}
		plan->unpoliced_bytes = full->cache_total_bytes;
		free(full);
	}
	plan->size.bytes_per_token = plan->layers.kv_bytes_per_token;
	plan->size.bytes_per_layer = plan->layers.max_layer_bytes;
	plan->size.total_bytes = plan->layers.cache_total_bytes;
	/* Other kv heads, same layers and types; an MLA latent has none,
	 * nor a model without attention. */
	plan->has_variants = kvp_model_attention(&plan->model) != KVP_ATTENTION_MLA &&
	                     kvp_model_attention(&plan->model) != KVP_ATTENTION_NONE;
	for (int v = 0; plan->has_variants && v < CLI_VARIANTS; v++) {
		kvp_plan variant;

		kvp_request one = *r;

		/* Other kv heads on one GPU: a tensor-parallel degree that
		 * suits these heads may not suit those. */
		one.tp = one.pp = one.dp = 1;
		one.dcp = 0;
		one.pp_layers_len = 0;
		if (kvp_model_variant(&plan->model, kinds[v], &plan->variants[v], &err) != KVP_OK ||
		    kvp_plan_compute(&plan->variants[v], &one, &variant, &err) != KVP_OK)
			return cli_fail(&err);
		plan->variant_sizes[v].bytes_per_token = variant.kv_bytes_per_token;
		plan->variant_sizes[v].total_bytes = variant.cache_total_bytes;
	}
	plan->fits = calloc(plan->n_devices, sizeof *plan->fits);
	if (!plan->fits) {
		fputs("kvplan: out of memory\n", stderr);
		return 2;
	}
	plan->advice = calloc(plan->n_devices, sizeof *plan->advice);
	plan->device_plans = calloc(plan->n_devices, sizeof *plan->device_plans);
	if (!plan->advice || !plan->device_plans) {
		fputs("kvplan: out of memory\n", stderr);
		return 2;
	}
	plan->solve = o->solve;
	for (size_t i = 0; i < plan->n_devices; i++) {
		/* kvp_advise settles each of its trials for the GPU. */
		kvp_request asked = cli_asked_request(plan);

		if (fit_device(plan, i) != 0)
			return 2;
		/* What would make it fit: asked, or when it does not. */
		if ((o->solve || !plan->fits[i].fits_hbm) &&
		    kvp_advise(&plan->model, &asked, &plan->devices[i], &plan->advice[i],
		               &err) != KVP_OK)
			return cli_fail(&err);
		if (!o->solve && plan->fits[i].fits_hbm)
			plan->advice[i].fits = true;
	}
	plan->exceeds_max_context = plan->model.max_context &&
	                            o->seq > plan->model.max_context;
	return 0;
}

/* --kv-budget is taken as given, as vLLM takes --kv-cache-memory-bytes
 * without profiling and without its memory share (v1/worker/gpu_worker.py
 * determine_available_memory at v0.26.0, read in the index: it returns the
 * bytes and logs "This does not respect the gpu_memory_utilization
 * config"; the start gate, utils.py request_memory, still asks for the
 * share free at start): where it and the rest of the footprint,
 * the held-back share apart, pass a GPU's memory, the engine would run out
 * allocating it, which the fit, comparing the cache with the budget alone,
 * does not say. */
static void budget_warnings(const struct cli_plan *p)
{
	char over[32], budget[32];

	if (!p->request.kv_budget)
		return;
	for (size_t i = 0; i < p->n_devices; i++) {
		const kvp_footprint *f = &p->fits[i].footprint;

		if (f->over > f->held_back)
			cli_warn("%s: --kv-budget %s B with the weights"
			        " and buffers passes its memory by %s B: the engine would run"
			        " out of memory allocating it", p->devices[i].name,
			        cli_grouped(p->request.kv_budget, budget, sizeof budget),
			        cli_grouped(f->over - f->held_back, over, sizeof over));
	}
}

static int run_plan(const struct cli_options *o, kvp_catalog *cat, FILE *out)
{
	struct cli_plan plan;
	int rc, chart_rc = 0;

	memset(&plan, 0, sizeof plan);
	rc = cli_resolve_model(o, cat, &plan);
	if (!rc)
		rc = cli_resolve_devices(o->gpu_list ? o->gpu_list : cli_default_gpus, cat, &plan);
	if (!rc)
		rc = compute_plan(o, &plan);
	/* On the GPU where one is named by --gpu cuda, else on this host. */
	if (!rc && o->validate)
		rc = plan.cuda_slot >= 0 ? cli_validate_cuda(o, &plan) : cli_validate(o, &plan);
	if (!rc)
		cli_policy_warnings(&plan);
	if (!rc)
		budget_warnings(&plan);
	if (!rc)
		cli_engine_warnings(&plan);
	if (!rc)
		cli_sglang_warnings(&plan);
	/* The chart before the document: an error drawing it (2) leaves
	 * stdout empty; gnuplot's failure (3) still prints the plan. */
	if (!rc && o->chart_path)
		chart_rc = cli_chart(o, &plan);
	if (chart_rc == 2)
		rc = 2;
	if (!rc && plan.exceeds_max_context)
		cli_warn("seq %llu exceeds %s's max context %llu"
		        " (planned anyway)", (unsigned long long)plan.seq,
		        plan.model.name, (unsigned long long)plan.model.max_context);
	if (!rc)
		rc = cli_print_plan(out, &plan, o->format);
	/* Under --kv-budget the weights are not checked, but a budget that
	 * takes the parts past the memory (the warning above) fits no GPU. */
	if (!rc && o->require_fit)
		for (size_t i = 0; i < plan.n_devices; i++) {
			const kvp_footprint *f = &plan.fits[i].footprint;

			if (!plan.fits[i].fits_hbm ||
			    (plan.request.kv_budget && f->over > f->held_back))
				rc = 1;
		}
	if (!rc && ((plan.validated && !plan.validation.passed) ||
	            (plan.gpu_validated && !cli_gpu_validation_passed(&plan))))
		rc = 1;
	if ((rc == 0 || rc == 1) && chart_rc == 3)
		rc = 3;
	free(plan.devices);
	free(plan.cuda_free);
	for (size_t i = 0; plan.device_plans && i < plan.n_devices; i++)
		free(plan.device_plans[i]);
	free(plan.device_plans);
	free(plan.fits);
	free(plan.advice);
	return rc;
}

static int run_list(const struct cli_options *o, kvp_catalog *cat, FILE *out)
{
	kvp_error err;

	if (o->action == CLI_LIST_MODELS) {
		const kvp_model *models;
		size_t count;

		if (kvp_catalog_models(cat, &models, &count, &err) != KVP_OK)
			return cli_fail(&err);
		return cli_print_models(out, models, count, o->format);
	} else {
		const kvp_device *devices;
		size_t count;

		if (kvp_catalog_devices(cat, &devices, &count, &err) != KVP_OK)
			return cli_fail(&err);
		return cli_print_devices(out, devices, count, o->format);
	}
}

/* Everything is written to memory first and reaches stdout only when the
 * whole document is there: an error part-way leaves stdout empty. */
static int write_document(const char *text, size_t length)
{
	if (fwrite(text, 1, length, stdout) != length || fflush(stdout) != 0 ||
	    ferror(stdout)) {
		fputs("kvplan: error writing standard output\n", stderr);
		return 2;
	}
	return 0;
}

/* What the catalogue passed over (an unreadable data directory), once the
 * work is done, after its output. */
static void print_catalog_warnings(const kvp_catalog *cat)
{
	for (size_t i = 0; i < kvp_catalog_warning_count(cat); i++)
		cli_warn("%s", kvp_catalog_warning(cat, i));
}

int main(int argc, char **argv)
{
	struct cli_options opts;
	kvp_catalog *cat = NULL;
	struct memout mem;
	FILE *out;
	bool failed;
	int rc;

	/* An error is the one line of stderr; a run that did its work (even
	 * one that does not fit) shows the warnings, held until then. */
	if ((rc = cli_parse_args(argc, argv, &opts)) != 0) {
		cli_warnings_end(rc != 2);
		return rc;
	}
	/* A sweep streams its rows: no document gathered in memory. */
	if (opts.sweep && opts.action == CLI_PLAN) {
		if ((rc = open_catalog(&opts, &cat)) == 0)
			rc = cli_sweep(&opts, cat);
		if (cat && rc != 2)
			print_catalog_warnings(cat);
		kvp_catalog_free(&cat);
		cli_warnings_end(rc != 2);
		return rc;
	}
	out = memout_open(&mem);
	if (!out) {
		cli_warnings_end(false);
		fputs("kvplan: out of memory\n", stderr);
		return 2;
	}
	if (opts.action == CLI_HELP)
		cli_usage(out);
	else if (opts.action == CLI_VERSION)
		fprintf(out, "kvplan %s (libkvplan %s)\n", PACKAGE_VERSION, kvp_version());
	else if ((rc = open_catalog(&opts, &cat)) == 0)
		rc = opts.action == CLI_PLAN ? run_plan(&opts, cat, out)
		                             : run_list(&opts, cat, out);
	failed = !memout_close(&mem, out);
	if (failed && (rc == 0 || rc == 1 || rc == 3)) {
		fputs("kvplan: out of memory\n", stderr);
		rc = 2;
	}
	if (rc == 0 || rc == 1 || rc == 3) {
		int written = write_document(mem.text, mem.length);

		if (written)
			rc = written;
	}
	if (cat && rc != 2)
		print_catalog_warnings(cat);
	cli_warnings_end(rc != 2);
	kvp_catalog_free(&cat);
	memout_free(&mem);
	return rc;
}

double cli_mem_util(const struct cli_plan *p)
{
	if (p->request.mem_util == 0 && p->request.engine == KVP_ENGINE_SGLANG)
		return 0;
	/* the device only matters to SGLang's own share */
	return kvp_engine_mem_util(&p->request, &p->devices[0], NULL, NULL);
}

const char *cli_weights_name(const struct cli_plan *p)
{
	return p->request.weights_format.kind != KVP_WFORMAT_PLAIN
	       ? p->request.weights_format.name : kvp_dtype_name(p->fit_options.weights_dtype);
}
