/*
 * output.c — kvplan's three output formats: a table for people (binary
 * units, 80 columns), JSON for tools (exact bytes, the DESIGN.md contract)
 * and CSV (one row per device).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"

static void explain_line(void *ctx, const char *text)
{
	fprintf(ctx, "  %s\n", text);
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

/* 0 when the document was written whole; otherwise the one line of an
 * error (the stream lost bytes: memory ran out) and 2. */
static int json_done(const struct json_writer *w)
{
	if (!json_writer_failed(w))
		return 0;
	fputs("kvplan: out of memory\n", stderr);
	return 2;
}

/* ---- table ------------------------------------------------------------ */

static void print_size_row(FILE *out, const char *label, uint64_t bytes)
{
	char human[32], exact[32];

	fprintf(out, "  %-26s %10s %18s B\n", label,
	        cli_human_bytes(bytes, human, sizeof human),
	        cli_grouped(bytes, exact, sizeof exact));
}

static void print_validation(FILE *out, const struct cli_plan *p)
{
	const kvp_validate_result *v = &p->validation;
	char block[32] = "", ref_predicted[32], ref_measured[32];

	if (v->layout == KVP_LAYOUT_PAGED)
		snprintf(block, sizeof block, ", blocks of %u tokens", v->block_size);
	fprintf(out, "\nValidation on this host (%s layout%s, %s cache)\n",
	        kvp_layout_name(v->layout), block, kvp_dtype_name(v->dtype));
	print_size_row(out, "predicted", v->predicted_bytes);
	print_size_row(out, "counted by the allocator", v->measured_bytes);
	if (v->resident_known)
		print_size_row(out, "resident growth (from OS)", v->resident_bytes);
	else
		fprintf(out, "  %-26s %10s\n", "resident growth (from OS)", "unknown");
	fprintf(out, "  reference run: %u layers, %" PRIu64 " positions (%" PRIu64
	        " prefilled, %" PRIu64 " decoded), batch %" PRIu64 "\n",
	        v->ref_layers, v->ref_positions, v->ref_prompt,
	        v->ref_positions - v->ref_prompt, v->ref_batch);
	fprintf(out, "  reference cache: %s B predicted, %s B counted\n",
	        cli_grouped(v->ref_predicted_bytes, ref_predicted, sizeof ref_predicted),
	        cli_grouped(v->ref_measured_bytes, ref_measured, sizeof ref_measured));
	fprintf(out, "  max |cached decode - recomputation| %.3g (tolerance %.3g)\n",
	        v->max_abs_error, v->tolerance);
	fprintf(out, "  decode past max_seq refused: %s\n", yes_no(v->overrun_refused));
	fprintf(out, "  result: %s\n", v->passed ? "PASSED" : "FAILED");
}

#define FIT_ROW "%-12s %9s %5s %5s %8s %9s %5s %9s %9s\n"

/* The model line under the name: attention, layers, types. */
static void print_header(FILE *out, const struct cli_plan *p)
{
	const kvp_model *m = &p->model;
	const kvp_request *r = &p->request;
	char pattern[4096];

	fprintf(out, "%s", m->name);
	if (m->description[0])
		fprintf(out, " - %s", m->description);
	if (m->kv_lora_rank)
		fprintf(out, "\n  mla attention: %u layers, %u heads, latent %u + rope %u",
		        m->layers, m->heads, m->kv_lora_rank, m->qk_rope_dim);
	else
		fprintf(out, "\n  %s attention: %u layers, %u heads, %u kv heads, head_dim %u",
		        kvp_attention_name(kvp_model_attention(m)), m->layers, m->heads,
		        m->kv_heads, m->head_dim);
	if (m->head_dim_v && m->head_dim_v != m->head_dim)
		fprintf(out, " (V %u)", m->head_dim_v);
	fputc('\n', out);
	/* A pattern too long for the line (an explicit per-layer list) is
	 * left to the groups below, which count each kind. */
	cli_pattern_text(m, pattern, sizeof pattern);
	if (m->pattern_len && strlen(pattern) <= 62)
		fprintf(out, "  layer pattern: %s\n", pattern);
	else if (m->pattern_len)
		fprintf(out, "  layer pattern: a list of %u entries (see --format json)\n",
		        m->pattern_len);
	fprintf(out, "  seq %" PRIu64 ", batch %" PRIu64, p->seq, p->batch);
	if (m->kv_lora_rank && r->mla == KVP_MLA_LATENT)
		fprintf(out, ", cache latent %s (no V)", kvp_dtype_name(r->dtype_k));
	else if (r->dtype_k == r->dtype_v)
		fprintf(out, ", cache %s", kvp_dtype_name(r->dtype_k));
	else
		fprintf(out, ", cache K %s V %s", kvp_dtype_name(r->dtype_k),
		        kvp_dtype_name(r->dtype_v));
	fprintf(out, ", weights %s", kvp_dtype_name(p->fit_options.weights_dtype));
	if (m->max_context)
		fprintf(out, ", max context %" PRIu64, m->max_context);
	if (r->no_window)
		fputs("\n  windows ignored (--no-window): every layer planned as full", out);
	fputc('\n', out);
}

/* One row per layer group: what it caches, how many layers, the tokens
 * each holds, its bytes per token (or state per sequence), its bytes. */
static void print_groups(FILE *out, const struct cli_plan *p)
{
	const kvp_plan *lp = &p->layers;

	bool engine = p->request.engine != KVP_ENGINE_EXACT;

	/* An engine's rows give the slots it allocates, every sequence's. */
	fprintf(out, "\n%-27s %5s %12s %15s %17s\n", "Layers", "count",
	        engine ? "cells" : "tokens held", "B/token/layer", "bytes");
	for (uint32_t g = 0; g < lp->group_count; g++) {
		const kvp_layer_group *grp = &lp->groups[g];
		char label[64], tokens[32], per[40], bytes[32];

		if (grp->window)
			snprintf(label, sizeof label, "%s (%s %" PRIu64 ")",
			         cli_group_label(p, grp),
			         grp->kind == KVP_LAYER_CHUNKED ? "chunk" : "window",
			         grp->window);
		else
			snprintf(label, sizeof label, "%s", cli_group_label(p, grp));
		if (grp->kind == KVP_LAYER_RECURRENT) {
			snprintf(tokens, sizeof tokens, "-");
			cli_grouped(grp->state_bytes_per_seq, per, sizeof per - 4);
			strcat(per, "/seq");
		} else {
			cli_grouped(engine ? grp->cells : grp->tokens, tokens, sizeof tokens);
			cli_grouped(grp->bytes_per_token, per, sizeof per);
		}
		fprintf(out, "  %-25s %5u %12s %15s %17s\n", label, grp->layers, tokens, per,
		        cli_grouped(grp->bytes, bytes, sizeof bytes));
	}
}

static void print_table(FILE *out, const struct cli_plan *p)
{
	const kvp_model *m = &p->model;
	const kvp_plan *lp = &p->layers;
	char a[32], b[32], c[32], label[64];

	print_header(out, p);
	if (lp->group_count > 1 || lp->groups[0].kind != KVP_LAYER_FULL ||
	    p->request.engine != KVP_ENGINE_EXACT)
		print_groups(out, p);
	fputs("\nKV cache\n", out);
	print_size_row(out, "per token (all layers)", lp->kv_bytes_per_token);
	print_size_row(out, lp->group_count > 1 ? "per layer (largest)"
	                                        : "per layer (seq x batch)",
	               lp->max_layer_bytes);
	if (lp->state_total_bytes) {
		print_size_row(out, "per-token caches", lp->kv_total_bytes);
		print_size_row(out, "recurrent state", lp->state_total_bytes);
	}
	print_size_row(out, "total", lp->cache_total_bytes);
	cli_print_engine(out, p);

	if (p->has_variants) {
		fputs("\nSame model, other kv heads\n", out);
		for (int v = 0; v < CLI_VARIANTS; v++) {
			const kvp_model *vm = &p->variants[v];
			snprintf(label, sizeof label, "%s %4u kv head%s%s",
			         v == 0 ? "MHA" : v == 1 ? "GQA" : "MQA", vm->kv_heads,
			         vm->kv_heads == 1 ? " " : "s",
			         vm->kv_heads == m->kv_heads && !m->layer_kv_heads_len
			                 ? "  (this)" : "");
			print_size_row(out, label, p->variant_sizes[v].total_bytes);
		}
	}

	fprintf(out, "\nFit (weights %s as %s; %.0f%% of memory usable",
	        cli_human_bytes(p->fits[0].weights_bytes, a, sizeof a),
	        kvp_dtype_name(p->fit_options.weights_dtype),
	        p->fit_options.mem_util * 100);
	if (p->fit_options.reserve_bytes)
		fprintf(out, "; %s reserved",
		        cli_human_bytes(p->fit_options.reserve_bytes, b, sizeof b));
	fputs(")\n", out);
	/* Columns: fits = the whole cache fits, layer = one layer fits. */
	fputs("             ------------- L2 ------------- --------------- HBM ----------------\n",
	      out);
	fprintf(out, FIT_ROW, "GPU", "size", "fits", "layer", "max seq", "size", "fits",
	        "max seq", "max batch");
	for (size_t i = 0; i < p->n_devices; i++) {
		const kvp_device *d = &p->devices[i];
		const kvp_fit *f = &p->fits[i];
		char seq_l2[32], seq_hbm[32], batch_hbm[32];

		if (f->max_seq_l2_unbounded)
			snprintf(seq_l2, sizeof seq_l2, "no limit");
		else
			cli_grouped(f->max_seq_l2, seq_l2, sizeof seq_l2);
		if (f->max_seq_hbm_unbounded)
			snprintf(seq_hbm, sizeof seq_hbm, "no limit");
		else
			cli_grouped(f->max_seq_hbm, seq_hbm, sizeof seq_hbm);
		fprintf(out, FIT_ROW, d->name,
		        cli_human_bytes(d->l2_bytes, a, sizeof a), yes_no(f->fits_l2),
		        yes_no(f->layer_fits_l2), seq_l2,
		        cli_human_bytes(d->hbm_bytes, c, sizeof c), yes_no(f->fits_hbm),
		        seq_hbm, cli_grouped(f->max_batch_hbm, batch_hbm, sizeof batch_hbm));
	}
	if (lp->bounded)
		fprintf(out, "(the cache stops growing at %s tokens, when every window"
		        " is full)\n", cli_grouped(lp->plateau_seq, a, sizeof a));
	cli_print_engine_fits(out, p);
	cli_print_advice(out, p);
	if (p->validated)
		print_validation(out, p);
	if (p->explain) {
		fputs("\nHow each figure is derived\n", out);
		cli_explain(p, explain_line, out);
	}
}

/* ---- JSON ------------------------------------------------------------- */

/* The model's identity and shape, under name_key ("model" in a plan). */
static void model_json(struct json_writer *w, const char *name_key, const kvp_model *m)
{
	json_text(w, name_key, m->name);
	json_text(w, "attention", kvp_attention_name(kvp_model_attention(m)));
	json_u64(w, "layers", m->layers);
	json_u64(w, "heads", m->heads);
	json_u64(w, "kv_heads", m->kv_heads);
	json_u64(w, "head_dim", m->head_dim);
	json_u64(w, "hidden", m->hidden);
	json_u64(w, "params", m->params);
	json_u64(w, "max_context", m->max_context);
	{
		char pattern[4096];

		json_text(w, "layer_pattern", cli_pattern_text(m, pattern, sizeof pattern));
	}
	json_u64(w, "head_dim_v", m->head_dim_v ? m->head_dim_v : m->head_dim);
	json_u64(w, "sliding_window", m->sliding_window);
	json_u64(w, "chunk_size", m->chunk_size);
	json_u64(w, "kv_lora_rank", m->kv_lora_rank);
	json_u64(w, "qk_rope_dim", m->qk_rope_dim);
	json_u64(w, "qk_nope_dim", m->qk_nope_dim);
	json_u64(w, "v_head_dim", m->v_head_dim);
}

static void validation_json(struct json_writer *w, const kvp_validate_result *v)
{
	json_object_begin(w, "validation");
	json_text(w, "layout", kvp_layout_name(v->layout));
	json_u64(w, "block_size", v->block_size);
	json_text(w, "dtype", kvp_dtype_name(v->dtype));
	json_u64(w, "predicted_bytes", v->predicted_bytes);
	json_u64(w, "measured_bytes", v->measured_bytes);
	if (v->resident_known)
		json_u64(w, "resident_bytes", v->resident_bytes);
	else
		json_null(w, "resident_bytes");
	json_u64(w, "ref_layers", v->ref_layers);
	json_u64(w, "ref_positions", v->ref_positions);
	json_u64(w, "ref_prompt", v->ref_prompt);
	json_u64(w, "ref_batch", v->ref_batch);
	json_u64(w, "ref_predicted_bytes", v->ref_predicted_bytes);
	json_u64(w, "ref_measured_bytes", v->ref_measured_bytes);
	json_real(w, "max_abs_error", v->max_abs_error);
	json_real(w, "tolerance", v->tolerance);
	json_bool(w, "overrun_refused", v->overrun_refused);
	json_bool(w, "passed", v->passed);
	json_object_end(w);
}

static void explain_json(void *ctx, const char *text)
{
	json_text(ctx, NULL, text);
}

/* What would make it fit (computed when it does not, or with --solve). */
static void advice_json(struct json_writer *w, const struct cli_plan *p, size_t i)
{
	const kvp_advice *a = &p->advice[i];
	static const char *const questions[] = {NULL, "max-seq", "max-batch", "min-gpus"};

	if (p->fits[i].fits_hbm && !p->solve)
		return;
	json_u64(w, "shortfall_bytes", a->short_bytes);
	json_object_begin(w, "fits_with");
	if (a->max_seq_unbounded)
		json_null(w, "max_seq");
	else
		json_u64(w, "max_seq", a->max_seq);
	json_u64(w, "max_batch", a->max_batch);
	if (a->dtype_found)
		json_text(w, "cache_type", kvp_dtype_name(a->dtype));
	else
		json_null(w, "cache_type");
	if (a->min_tp) {
		json_u64(w, "min_tp", a->min_tp);
		json_u64(w, "min_gpus", a->min_gpus);
	} else {
		json_null(w, "min_tp");
		json_null(w, "min_gpus");
	}
	json_object_end(w);
	if (p->solve) {
		json_text(w, "solve", questions[p->solve]);
		if (p->solve == CLI_SOLVE_MAX_SEQ && a->max_seq_unbounded)
			json_null(w, "answer");
		else
			json_u64(w, "answer", p->solve == CLI_SOLVE_MAX_SEQ ? a->max_seq
			                      : p->solve == CLI_SOLVE_MAX_BATCH ? a->max_batch
			                      : a->min_gpus);
	}
}

static void capacity_json(struct json_writer *w, const kvp_capacity *c)
{
	json_u64(w, "capacity_blocks", c->blocks);
	json_u64(w, "capacity_tokens", c->tokens);
	json_real(w, "max_concurrency", c->max_concurrency);
	json_u64(w, "capacity_allocated_bytes", c->allocated_bytes);
}

/* The engine, its settings, and the cache across GPUs. */
static void engine_json(struct json_writer *w, const struct cli_plan *p)
{
	const kvp_plan *lp = &p->layers;
	const kvp_request *r = &p->request;

	json_text(w, "engine", kvp_engine_name(r->engine));
	json_u64(w, "tp", r->tp);
	json_u64(w, "pp", r->pp);
	json_u64(w, "dp", r->dp);
	json_u64(w, "kv_heads_per_gpu", lp->kv_heads_per_gpu);
	json_u64(w, "kv_bytes_per_gpu", lp->kv_bytes_per_gpu);
	json_u64(w, "exact_cache_bytes", lp->exact_cache_bytes);
	json_u64(w, "unsharded_cache_bytes", lp->unsharded_cache_bytes);
	json_array_begin(w, "stages");
	for (uint32_t s = 0; s < lp->stages; s++) {
		json_object_begin(w, NULL);
		json_u64(w, "first_layer", lp->stage_first[s]);
		json_u64(w, "layers", lp->stage_layers[s]);
		json_u64(w, "bytes_per_gpu", lp->stage_bytes[s]);
		json_object_end(w);
	}
	json_array_end(w);
	if (r->kv_budget) {
		kvp_capacity c;

		if (kvp_plan_capacity(lp, r->kv_budget, &c, NULL) == KVP_OK)
			capacity_json(w, &c);
	}
}

/* The layer groups, and the group of each layer. */
static void groups_json(struct json_writer *w, const struct cli_plan *p)
{
	const kvp_plan *lp = &p->layers;
	bool v_exists;

	json_array_begin(w, "layer_groups");
	for (uint32_t g = 0; g < lp->group_count; g++) {
		const kvp_layer_group *grp = &lp->groups[g];

		/* An MLA latent stores no V, and a recurrent or empty layer
		 * neither K nor V: those are null, not 0. */
		v_exists = grp->kind != KVP_LAYER_RECURRENT && grp->kind != KVP_LAYER_NONE &&
		           !(grp->kind == KVP_LAYER_MLA && p->request.mla == KVP_MLA_LATENT);
		json_object_begin(w, NULL);
		json_text(w, "kind", kvp_layer_kind_name(grp->kind));
		json_u64(w, "layers", grp->layers);
		json_u64(w, "first_layer", grp->first_layer);
		json_u64(w, "kv_heads", grp->kv_heads);
		if (grp->window)
			json_u64(w, "window", grp->window);
		else
			json_null(w, "window");
		json_u64(w, "tokens", grp->tokens);
		json_u64(w, "k_values", grp->k_values);
		json_u64(w, "v_values", grp->v_values);
		json_u64(w, "latent_values", grp->latent_values);
		json_u64(w, "k_bytes_per_token", grp->k_bytes_per_token);
		if (v_exists)
			json_u64(w, "v_bytes_per_token", grp->v_bytes_per_token);
		else
			json_null(w, "v_bytes_per_token");
		json_u64(w, "latent_bytes_per_token", grp->latent_bytes_per_token);
		json_u64(w, "bytes_per_token", grp->bytes_per_token);
		json_u64(w, "state_bytes_per_seq", grp->state_bytes_per_seq);
		json_u64(w, "k_bytes", grp->k_bytes);
		if (v_exists)
			json_u64(w, "v_bytes", grp->v_bytes);
		else
			json_null(w, "v_bytes");
		json_u64(w, "latent_bytes", grp->latent_bytes);
		json_u64(w, "state_bytes", grp->state_bytes);
		json_u64(w, "bytes", grp->bytes);
		json_object_end(w);
	}
	json_array_end(w);
	/* Layer i is in layer_groups[layer_group_cycle[i % length]]: the
	 * pattern as group indexes, as long as one cycle however deep the
	 * model. */
	json_array_begin(w, "layer_group_cycle");
	for (uint32_t i = 0; i < lp->cycle_len; i++)
		json_u64(w, NULL, lp->cycle[i]);
	json_array_end(w);
}

static int print_json(FILE *out, const struct cli_plan *p)
{
	static const char *const variant_keys[CLI_VARIANTS] = {"mha", "gqa", "mqa"};
	struct json_writer w;

	json_writer_init(&w, out);
	json_object_begin(&w, NULL);
	model_json(&w, "model", &p->model);
	json_u64(&w, "seq", p->seq);
	json_u64(&w, "batch", p->batch);
	json_bool(&w, "exceeds_max_context", p->exceeds_max_context);
	json_text(&w, "dtype", kvp_dtype_name(p->dtype));
	json_text(&w, "weights_dtype", kvp_dtype_name(p->fit_options.weights_dtype));
	json_real(&w, "mem_util", p->fit_options.mem_util);
	json_u64(&w, "reserve_bytes", p->fit_options.reserve_bytes);
	json_text(&w, "dtype_k", kvp_dtype_name(p->request.dtype_k));
	json_text(&w, "dtype_v", kvp_dtype_name(p->request.dtype_v));
	json_text(&w, "mla_mode", kvp_mla_mode_name(p->request.mla));
	engine_json(&w, p);
	json_bool(&w, "no_window", p->request.no_window);
	json_u64(&w, "kv_bytes_per_token", p->layers.kv_bytes_per_token);
	json_u64(&w, "kv_bytes_per_layer", p->layers.max_layer_bytes);
	json_u64(&w, "kv_total_bytes", p->layers.kv_total_bytes);
	json_u64(&w, "state_total_bytes", p->layers.state_total_bytes);
	json_u64(&w, "cache_total_bytes", p->layers.cache_total_bytes);
	json_bool(&w, "cache_bounded", p->layers.bounded);
	if (p->layers.bounded)
		json_u64(&w, "cache_plateau_seq", p->layers.plateau_seq);
	else
		json_null(&w, "cache_plateau_seq");
	groups_json(&w, p);
	if (p->has_variants) {
		json_object_begin(&w, "variants");
		for (int v = 0; v < CLI_VARIANTS; v++) {
			json_object_begin(&w, variant_keys[v]);
			json_u64(&w, "kv_heads", p->variants[v].kv_heads);
			json_u64(&w, "kv_bytes_per_token", p->variant_sizes[v].bytes_per_token);
			json_u64(&w, "kv_total_bytes", p->variant_sizes[v].total_bytes);
			json_object_end(&w);
		}
		json_object_end(&w);
	} else {
		json_null(&w, "variants");
	}
	json_array_begin(&w, "gpus");
	for (size_t i = 0; i < p->n_devices; i++) {
		const kvp_device *d = &p->devices[i];
		const kvp_fit *f = &p->fits[i];

		json_object_begin(&w, NULL);
		json_text(&w, "name", d->name);
		json_u64(&w, "l2_bytes", d->l2_bytes);
		json_u64(&w, "hbm_bytes", d->hbm_bytes);
		json_bool(&w, "fits_l2", f->fits_l2);
		json_bool(&w, "layer_fits_l2", f->layer_fits_l2);
		if (f->max_seq_l2_unbounded)
			json_null(&w, "max_seq_l2");
		else
			json_u64(&w, "max_seq_l2", f->max_seq_l2);
		json_bool(&w, "max_seq_l2_unbounded", f->max_seq_l2_unbounded);
		json_u64(&w, "weights_bytes", f->weights_bytes);
		json_u64(&w, "usable_bytes", f->usable_bytes);
		json_bool(&w, "fits_hbm", f->fits_hbm);
		if (f->max_seq_hbm_unbounded)
			json_null(&w, "max_seq_hbm");
		else
			json_u64(&w, "max_seq_hbm", f->max_seq_hbm);
		json_bool(&w, "max_seq_unbounded", f->max_seq_hbm_unbounded);
		json_u64(&w, "max_batch_hbm", f->max_batch_hbm);
		json_u64(&w, "weights_per_gpu", f->weights_per_gpu);
		json_u64(&w, "kv_bytes_per_gpu", f->cache_per_gpu);
		json_u64(&w, "budget_bytes", f->budget_bytes);
		capacity_json(&w, &f->capacity);
		advice_json(&w, p, i);
		json_array_begin(&w, "engine_log");
		cli_engine_lines(p, f, explain_json, &w);
		json_array_end(&w);
		json_object_end(&w);
	}
	json_array_end(&w);
	if (p->validated)
		validation_json(&w, &p->validation);
	if (p->explain) {
		json_array_begin(&w, "explain");
		cli_explain(p, explain_json, &w);
		json_array_end(&w);
	}
	json_object_end(&w);
	return json_done(&w);
}

/* ---- CSV -------------------------------------------------------------- */

/* A text field as RFC 4180 wants it: quoted, with quotes doubled, when it
 * holds a comma, a quote or a line break; as it is otherwise. */
static const char *csv_text(const char *text, char *buf, size_t size)
{
	size_t o = 0;

	if (!strpbrk(text, ",\"\r\n"))
		return text;
	buf[o++] = '"';
	for (const char *c = text; *c && o + 3 < size; c++) {
		if (*c == '"')
			buf[o++] = '"';
		buf[o++] = *c;
	}
	buf[o++] = '"';
	buf[o] = '\0';
	return buf;
}

/* The layer groups in one CSV field: kind:layers:tokens:bytes, the groups
 * separated by ';' (no comma, no quote: it needs no quoting). */
static void groups_csv(FILE *out, const struct cli_plan *p)
{
	const kvp_plan *lp = &p->layers;

	for (uint32_t g = 0; g < lp->group_count; g++) {
		const kvp_layer_group *grp = &lp->groups[g];

		fprintf(out, "%s%s:%u:%" PRIu64 ":%" PRIu64, g ? ";" : "",
		        kvp_layer_kind_name(grp->kind), grp->layers, grp->tokens, grp->bytes);
	}
}

/* A solver's result, empty when unbounded. */
static void csv_seq(FILE *out, uint64_t seq, bool unbounded)
{
	fputc(',', out);
	if (!unbounded)
		fprintf(out, "%" PRIu64, seq);
}

static const char *csv_bool(bool b)
{
	return b ? "true" : "false";
}

static void print_csv(FILE *out, const struct cli_plan *p)
{
	const kvp_model *m = &p->model;
	const kvp_plan *lp = &p->layers;

	fputs("model,attention,layers,heads,kv_heads,head_dim,seq,batch,dtype,"
	      "kv_bytes_per_token,kv_bytes_per_layer,kv_total_bytes,gpu,l2_bytes,"
	      "hbm_bytes,fits_l2,layer_fits_l2,max_seq_l2,weights_bytes,fits_hbm,"
	      "max_seq_hbm,max_batch_hbm,dtype_k,dtype_v,state_total_bytes,"
	      "cache_total_bytes,max_seq_l2_unbounded,max_seq_unbounded,layer_groups", out);
	if (p->validated)
		fputs(",validation_layout,validation_predicted_bytes,validation_measured_bytes,"
		      "validation_resident_bytes,validation_max_abs_error,validation_passed", out);
	fputc('\n', out);
	for (size_t i = 0; i < p->n_devices; i++) {
		const kvp_device *d = &p->devices[i];
		const kvp_fit *f = &p->fits[i];
		char model_name[2 * KVP_NAME_MAX + 3], gpu_name[2 * KVP_NAME_MAX + 3];

		fprintf(out, "%s,%s,%u,%u,%u,%u,%" PRIu64 ",%" PRIu64 ",%s,%" PRIu64 ",%"
		        PRIu64 ",%" PRIu64 ",%s,%" PRIu64 ",%" PRIu64 ",%s,%s",
		        csv_text(m->name, model_name, sizeof model_name),
		        kvp_attention_name(kvp_model_attention(m)), m->layers,
		        m->heads, m->kv_heads, m->head_dim, p->seq, p->batch,
		        kvp_dtype_name(p->dtype), lp->kv_bytes_per_token,
		        lp->max_layer_bytes, lp->kv_total_bytes,
		        csv_text(d->name, gpu_name, sizeof gpu_name), d->l2_bytes,
		        d->hbm_bytes, csv_bool(f->fits_l2), csv_bool(f->layer_fits_l2));
		csv_seq(out, f->max_seq_l2, f->max_seq_l2_unbounded);
		fprintf(out, ",%" PRIu64 ",%s", f->weights_bytes, csv_bool(f->fits_hbm));
		csv_seq(out, f->max_seq_hbm, f->max_seq_hbm_unbounded);
		fprintf(out, ",%" PRIu64 ",%s,%s,%" PRIu64 ",%" PRIu64 ",%s,%s,",
		        f->max_batch_hbm, kvp_dtype_name(p->request.dtype_k),
		        kvp_dtype_name(p->request.dtype_v), lp->state_total_bytes,
		        lp->cache_total_bytes, csv_bool(f->max_seq_l2_unbounded),
		        csv_bool(f->max_seq_hbm_unbounded));
		groups_csv(out, p);
		if (p->validated) {
			const kvp_validate_result *v = &p->validation;

			fprintf(out, ",%s,%" PRIu64 ",%" PRIu64 ",", kvp_layout_name(v->layout),
			        v->predicted_bytes, v->measured_bytes);
			if (v->resident_known)
				fprintf(out, "%" PRIu64, v->resident_bytes);
			fprintf(out, ",%.6g,%s", v->max_abs_error, v->passed ? "true" : "false");
		}
		fputc('\n', out);
	}
}

int cli_print_plan(FILE *out, const struct cli_plan *p, enum cli_format format)
{
	switch (format) {
	case CLI_TABLE:
		print_table(out, p);
		return 0;
	case CLI_CSV:
		print_csv(out, p);
		return 0;
	case CLI_JSON:
		break;
	}
	return print_json(out, p);
}

/* ---- catalogue listings ----------------------------------------------- */

int cli_print_models(FILE *out, const kvp_model *models, size_t count,
                     enum cli_format format)
{
	struct json_writer w;

	json_writer_init(&w, out);
	if (format == CLI_TABLE)
		fputs("name               attn layers heads  kv hdim KV/tok fp16  max ctx   params\n",
		      out);
	else if (format == CLI_CSV)
		fputs("name,attention,layers,hidden,heads,kv_heads,head_dim,vocab,max_context,"
		      "params,kv_bytes_per_token_fp16\n", out);
	else
		json_array_begin(&w, NULL);
	for (size_t i = 0; i < count; i++) {
		const kvp_model *m = &models[i];
		kvp_kv_size size;
		char human[32], params[32], name[2 * KVP_NAME_MAX + 3];

		if (kvp_kv_size_compute(m, KVP_DTYPE_FP16, 1, 1, &size, NULL) != KVP_OK)
			size.bytes_per_token = 0;
		if (format == CLI_TABLE) {
			if (m->params >= 1000000000)
				snprintf(params, sizeof params, "%.2fB", m->params / 1e9);
			else
				snprintf(params, sizeof params, "%.2fM", m->params / 1e6);
			fprintf(out, "%-18s %4s %6u %5u %3u %4u %11s %8" PRIu64 " %8s\n",
			        m->name, kvp_attention_name(kvp_model_attention(m)), m->layers,
			        m->heads, m->kv_heads, m->head_dim,
			        cli_human_bytes(size.bytes_per_token, human, sizeof human),
			        m->max_context, m->params ? params : "-");
		} else if (format == CLI_CSV) {
			fprintf(out, "%s,%s,%u,%u,%u,%u,%u,%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
			        csv_text(m->name, name, sizeof name),
			        kvp_attention_name(kvp_model_attention(m)), m->layers,
			        m->hidden, m->heads, m->kv_heads, m->head_dim, m->vocab,
			        m->max_context, m->params, size.bytes_per_token);
		} else {
			json_object_begin(&w, NULL);
			model_json(&w, "name", m);
			json_text(&w, "description", m->description);
			json_u64(&w, "vocab", m->vocab);
			json_u64(&w, "kv_bytes_per_token_fp16", size.bytes_per_token);
			json_object_end(&w);
		}
	}
	if (format != CLI_JSON)
		return 0;
	json_array_end(&w);
	return json_done(&w);
}

int cli_print_devices(FILE *out, const kvp_device *devices, size_t count,
                      enum cli_format format)
{
	struct json_writer w;

	json_writer_init(&w, out);
	if (format == CLI_TABLE)
		fputs("name          memory      L2  GB/s TFLOPS  description\n", out);
	else if (format == CLI_CSV)
		fputs("name,hbm_bytes,l2_bytes,llc_bytes,bandwidth_gbs,fp16_tflops,description\n",
		      out);
	else
		json_array_begin(&w, NULL);
	for (size_t i = 0; i < count; i++) {
		const kvp_device *d = &devices[i];
		char mem[32], l2[32], name[2 * KVP_NAME_MAX + 3];
		char description[2 * KVP_DESCRIPTION_MAX + 3];

		if (format == CLI_TABLE) {
			fprintf(out, "%-11s %8s %7s %5.0f %6.0f  %s\n", d->name,
			        cli_human_bytes(d->hbm_bytes, mem, sizeof mem),
			        cli_human_bytes(d->l2_bytes, l2, sizeof l2), d->bandwidth_gbs,
			        d->fp16_tflops, d->description);
		} else if (format == CLI_CSV) {
			fprintf(out, "%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%g,%g,%s\n",
			        csv_text(d->name, name, sizeof name), d->hbm_bytes, d->l2_bytes,
			        d->llc_bytes, d->bandwidth_gbs, d->fp16_tflops,
			        csv_text(d->description, description, sizeof description));
		} else {
			json_object_begin(&w, NULL);
			json_text(&w, "name", d->name);
			json_text(&w, "description", d->description);
			json_u64(&w, "hbm_bytes", d->hbm_bytes);
			json_u64(&w, "l2_bytes", d->l2_bytes);
			json_u64(&w, "llc_bytes", d->llc_bytes);
			json_real(&w, "bandwidth_gbs", d->bandwidth_gbs);
			json_real(&w, "fp16_tflops", d->fp16_tflops);
			json_object_end(&w);
		}
	}
	if (format != CLI_JSON)
		return 0;
	json_array_end(&w);
	return json_done(&w);
}
