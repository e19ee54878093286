/*
 * output.c — kvplan's three output formats: a table for people (binary
 * units, 80 columns), JSON for tools (exact bytes, the DESIGN.md contract)
 * and CSV (one row per device).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"

static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

char *cli_human_bytes(uint64_t bytes, char *buf, size_t size)
{
	unsigned u = 0;
	uint64_t whole = bytes;

	while (whole >= 1024 && u + 1 < sizeof units / sizeof *units) {
		whole /= 1024;
		u++;
	}
	if (u == 0 || bytes % ((uint64_t)1 << (10 * u)) == 0)
		snprintf(buf, size, "%" PRIu64 " %s", whole, units[u]);
	else
		snprintf(buf, size, "%.2f %s", (double)bytes / (double)((uint64_t)1 << (10 * u)),
		         units[u]);
	return buf;
}

/* 1234567 -> "1,234,567": exact bytes are easier to read grouped. */
static char *grouped(uint64_t value, char *buf, size_t size)
{
	char digits[32];
	int n = snprintf(digits, sizeof digits, "%" PRIu64, value);
	size_t o = 0;

	for (int i = 0; i < n && o + 2 < size; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

/* ---- table ------------------------------------------------------------ */

static void print_size_row(FILE *out, const char *label, uint64_t bytes)
{
	char human[32], exact[32];

	fprintf(out, "  %-26s %10s %18s B\n", label,
	        cli_human_bytes(bytes, human, sizeof human),
	        grouped(bytes, exact, sizeof exact));
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
	        grouped(v->ref_predicted_bytes, ref_predicted, sizeof ref_predicted),
	        grouped(v->ref_measured_bytes, ref_measured, sizeof ref_measured));
	fprintf(out, "  max |cached decode - recomputation| %.3g (tolerance %.3g)\n",
	        v->max_abs_error, v->tolerance);
	fprintf(out, "  decode past max_seq refused: %s\n", yes_no(v->overrun_refused));
	fprintf(out, "  result: %s\n", v->passed ? "PASSED" : "FAILED");
}

#define FIT_ROW "%-12s %9s %5s %5s %8s %9s %5s %9s %9s\n"

static void print_table(FILE *out, const struct cli_plan *p)
{
	const kvp_model *m = &p->model;
	char a[32], b[32], c[32], label[64];

	fprintf(out, "%s", m->name);
	if (m->description[0])
		fprintf(out, " - %s", m->description);
	fprintf(out, "\n  %s attention: %u layers, %u heads, %u kv heads, head_dim %u\n",
	        kvp_attention_name(kvp_model_attention(m)), m->layers, m->heads,
	        m->kv_heads, m->head_dim);
	fprintf(out, "  seq %" PRIu64 ", batch %" PRIu64 ", cache %s, weights %s",
	        p->seq, p->batch, kvp_dtype_name(p->dtype),
	        kvp_dtype_name(p->fit_options.weights_dtype));
	if (m->max_context)
		fprintf(out, ", max context %" PRIu64, m->max_context);
	fputs("\n\nKV cache\n", out);
	print_size_row(out, "per token (all layers)", p->size.bytes_per_token);
	snprintf(label, sizeof label, "per layer (seq x batch)");
	print_size_row(out, label, p->size.bytes_per_layer);
	print_size_row(out, "total", p->size.total_bytes);

	fputs("\nSame model, other kv heads\n", out);
	for (int v = 0; v < CLI_VARIANTS; v++) {
		const kvp_model *vm = &p->variants[v];
		snprintf(label, sizeof label, "%s %4u kv head%s%s",
		         v == 0 ? "MHA" : v == 1 ? "GQA" : "MQA", vm->kv_heads,
		         vm->kv_heads == 1 ? " " : "s",
		         vm->kv_heads == m->kv_heads ? "  (this)" : "");
		print_size_row(out, label, p->variant_sizes[v].total_bytes);
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

		fprintf(out, FIT_ROW, d->name,
		        cli_human_bytes(d->l2_bytes, a, sizeof a), yes_no(f->fits_l2),
		        yes_no(f->layer_fits_l2), grouped(f->max_seq_l2, seq_l2, sizeof seq_l2),
		        cli_human_bytes(d->hbm_bytes, c, sizeof c), yes_no(f->fits_hbm),
		        grouped(f->max_seq_hbm, seq_hbm, sizeof seq_hbm),
		        grouped(f->max_batch_hbm, batch_hbm, sizeof batch_hbm));
	}
	if (p->validated)
		print_validation(out, p);
}

/* ---- JSON ------------------------------------------------------------- */

/* jansson integers are signed 64-bit; a byte count beyond that cannot be
 * written exactly, so it is an error rather than a rounded number. */
static int json_u64(json_t *obj, const char *key, uint64_t value, int *bad)
{
	if (value > (uint64_t)INT64_MAX) {
		if (!*bad)
			fprintf(stderr, "kvplan: %s %" PRIu64 " is beyond the range of JSON integers"
			        " this tool writes exactly\n", key, value);
		*bad = 1;
		return -1;
	}
	return json_object_set_new(obj, key, json_integer((json_int_t)value));
}

/* The model's identity and shape, under name_key ("model" in a plan). */
static void model_json(json_t *obj, const char *name_key, const kvp_model *m, int *bad)
{
	json_object_set_new(obj, name_key, json_string(m->name));
	json_object_set_new(obj, "attention",
	                    json_string(kvp_attention_name(kvp_model_attention(m))));
	json_u64(obj, "layers", m->layers, bad);
	json_u64(obj, "heads", m->heads, bad);
	json_u64(obj, "kv_heads", m->kv_heads, bad);
	json_u64(obj, "head_dim", m->head_dim, bad);
	json_u64(obj, "hidden", m->hidden, bad);
	json_u64(obj, "params", m->params, bad);
	json_u64(obj, "max_context", m->max_context, bad);
}

static json_t *plan_json(const struct cli_plan *p, int *bad)
{
	const kvp_model *m = &p->model;
	json_t *root = json_object(), *variants = json_object(), *gpus = json_array();

	model_json(root, "model", m, bad);
	json_u64(root, "seq", p->seq, bad);
	json_u64(root, "batch", p->batch, bad);
	json_object_set_new(root, "exceeds_max_context", json_boolean(p->exceeds_max_context));
	json_object_set_new(root, "dtype", json_string(kvp_dtype_name(p->dtype)));
	json_object_set_new(root, "weights_dtype",
	                    json_string(kvp_dtype_name(p->fit_options.weights_dtype)));
	json_object_set_new(root, "mem_util", json_real(p->fit_options.mem_util));
	json_u64(root, "reserve_bytes", p->fit_options.reserve_bytes, bad);
	json_u64(root, "kv_bytes_per_token", p->size.bytes_per_token, bad);
	json_u64(root, "kv_bytes_per_layer", p->size.bytes_per_layer, bad);
	json_u64(root, "kv_total_bytes", p->size.total_bytes, bad);
	for (int v = 0; v < CLI_VARIANTS; v++) {
		json_t *obj = json_object();
		json_u64(obj, "kv_heads", p->variants[v].kv_heads, bad);
		json_u64(obj, "kv_bytes_per_token", p->variant_sizes[v].bytes_per_token, bad);
		json_u64(obj, "kv_total_bytes", p->variant_sizes[v].total_bytes, bad);
		json_object_set_new(variants, v == 0 ? "mha" : v == 1 ? "gqa" : "mqa", obj);
	}
	json_object_set_new(root, "variants", variants);
	for (size_t i = 0; i < p->n_devices; i++) {
		const kvp_device *d = &p->devices[i];
		const kvp_fit *f = &p->fits[i];
		json_t *g = json_object();

		json_object_set_new(g, "name", json_string(d->name));
		json_u64(g, "l2_bytes", d->l2_bytes, bad);
		json_u64(g, "hbm_bytes", d->hbm_bytes, bad);
		json_object_set_new(g, "fits_l2", json_boolean(f->fits_l2));
		json_object_set_new(g, "layer_fits_l2", json_boolean(f->layer_fits_l2));
		json_u64(g, "max_seq_l2", f->max_seq_l2, bad);
		json_u64(g, "weights_bytes", f->weights_bytes, bad);
		json_u64(g, "usable_bytes", f->usable_bytes, bad);
		json_object_set_new(g, "fits_hbm", json_boolean(f->fits_hbm));
		json_u64(g, "max_seq_hbm", f->max_seq_hbm, bad);
		json_u64(g, "max_batch_hbm", f->max_batch_hbm, bad);
		json_array_append_new(gpus, g);
	}
	json_object_set_new(root, "gpus", gpus);
	if (p->validated) {
		const kvp_validate_result *v = &p->validation;
		json_t *val = json_object();

		json_object_set_new(val, "layout", json_string(kvp_layout_name(v->layout)));
		json_u64(val, "block_size", v->block_size, bad);
		json_object_set_new(val, "dtype", json_string(kvp_dtype_name(v->dtype)));
		json_u64(val, "predicted_bytes", v->predicted_bytes, bad);
		json_u64(val, "measured_bytes", v->measured_bytes, bad);
		if (v->resident_known)
			json_u64(val, "resident_bytes", v->resident_bytes, bad);
		else
			json_object_set_new(val, "resident_bytes", json_null());
		json_u64(val, "ref_layers", v->ref_layers, bad);
		json_u64(val, "ref_positions", v->ref_positions, bad);
		json_u64(val, "ref_prompt", v->ref_prompt, bad);
		json_u64(val, "ref_batch", v->ref_batch, bad);
		json_u64(val, "ref_predicted_bytes", v->ref_predicted_bytes, bad);
		json_u64(val, "ref_measured_bytes", v->ref_measured_bytes, bad);
		json_object_set_new(val, "max_abs_error", json_real(v->max_abs_error));
		json_object_set_new(val, "tolerance", json_real(v->tolerance));
		json_object_set_new(val, "overrun_refused", json_boolean(v->overrun_refused));
		json_object_set_new(val, "passed", json_boolean(v->passed));
		json_object_set_new(root, "validation", val);
	}
	return root;
}

static int dump_json(FILE *out, json_t *root, int bad)
{
	int rc = 0;

	if (bad)
		rc = 2;
	else if (json_dumpf(root, out, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10)) != 0 ||
	         fputc('\n', out) == EOF)
		rc = 2;
	json_decref(root);
	return rc;
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

static void print_csv(FILE *out, const struct cli_plan *p)
{
	const kvp_model *m = &p->model;

	fputs("model,attention,layers,heads,kv_heads,head_dim,seq,batch,dtype,"
	      "kv_bytes_per_token,kv_bytes_per_layer,kv_total_bytes,gpu,l2_bytes,"
	      "hbm_bytes,fits_l2,layer_fits_l2,max_seq_l2,weights_bytes,fits_hbm,"
	      "max_seq_hbm,max_batch_hbm", out);
	if (p->validated)
		fputs(",validation_layout,validation_predicted_bytes,validation_measured_bytes,"
		      "validation_resident_bytes,validation_max_abs_error,validation_passed", out);
	fputc('\n', out);
	for (size_t i = 0; i < p->n_devices; i++) {
		const kvp_device *d = &p->devices[i];
		const kvp_fit *f = &p->fits[i];
		char model_name[2 * KVP_NAME_MAX + 3], gpu_name[2 * KVP_NAME_MAX + 3];

		fprintf(out, "%s,%s,%u,%u,%u,%u,%" PRIu64 ",%" PRIu64 ",%s,%" PRIu64 ",%"
		        PRIu64 ",%" PRIu64 ",%s,%" PRIu64 ",%" PRIu64 ",%s,%s,%" PRIu64
		        ",%" PRIu64 ",%s,%" PRIu64 ",%" PRIu64,
		        csv_text(m->name, model_name, sizeof model_name),
		        kvp_attention_name(kvp_model_attention(m)), m->layers,
		        m->heads, m->kv_heads, m->head_dim, p->seq, p->batch,
		        kvp_dtype_name(p->dtype), p->size.bytes_per_token,
		        p->size.bytes_per_layer, p->size.total_bytes,
		        csv_text(d->name, gpu_name, sizeof gpu_name), d->l2_bytes,
		        d->hbm_bytes, f->fits_l2 ? "true" : "false",
		        f->layer_fits_l2 ? "true" : "false", f->max_seq_l2,
		        f->weights_bytes, f->fits_hbm ? "true" : "false", f->max_seq_hbm,
		        f->max_batch_hbm);
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
	int bad = 0;

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
	return dump_json(out, plan_json(p, &bad), bad);
}

/* ---- catalogue listings ----------------------------------------------- */

int cli_print_models(FILE *out, const kvp_model *models, size_t count,
                     enum cli_format format)
{
	int bad = 0;
	json_t *list;

	if (format == CLI_TABLE) {
		fputs("name             attn layers heads  kv head_dim  KV/token fp16  max ctx   params\n",
		      out);
	} else if (format == CLI_CSV) {
		fputs("name,attention,layers,hidden,heads,kv_heads,head_dim,vocab,max_context,"
		      "params,kv_bytes_per_token_fp16\n", out);
	}
	list = json_array();
	for (size_t i = 0; i < count; i++) {
		const kvp_model *m = &models[i];
		kvp_kv_size size;
		char human[32], params[32], name[2 * KVP_NAME_MAX + 3];
		json_t *obj;

		if (kvp_kv_size_compute(m, KVP_DTYPE_FP16, 1, 1, &size, NULL) != KVP_OK)
			size.bytes_per_token = 0;
		if (format == CLI_TABLE) {
			if (m->params >= 1000000000)
				snprintf(params, sizeof params, "%.2fB", m->params / 1e9);
			else
				snprintf(params, sizeof params, "%.2fM", m->params / 1e6);
			fprintf(out, "%-16s %4s %6u %5u %3u %8u %14s %8" PRIu64 " %8s\n",
			        m->name, kvp_attention_name(kvp_model_attention(m)), m->layers,
			        m->heads, m->kv_heads, m->head_dim,
			        cli_human_bytes(size.bytes_per_token, human, sizeof human),
			        m->max_context, m->params ? params : "-");
			continue;
		}
		if (format == CLI_CSV) {
			fprintf(out, "%s,%s,%u,%u,%u,%u,%u,%u,%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n",
			        csv_text(m->name, name, sizeof name), kvp_attention_name(kvp_model_attention(m)), m->layers,
			        m->hidden, m->heads, m->kv_heads, m->head_dim, m->vocab,
			        m->max_context, m->params, size.bytes_per_token);
			continue;
		}
		obj = json_object();
		model_json(obj, "name", m, &bad);
		json_object_set_new(obj, "description", json_string(m->description));
		json_u64(obj, "vocab", m->vocab, &bad);
		json_u64(obj, "kv_bytes_per_token_fp16", size.bytes_per_token, &bad);
		json_array_append_new(list, obj);
	}
	if (format != CLI_JSON) {
		json_decref(list);
		return 0;
	}
	return dump_json(out, list, bad);
}

int cli_print_devices(FILE *out, const kvp_device *devices, size_t count,
                      enum cli_format format)
{
	int bad = 0;
	json_t *list = json_array();

	if (format == CLI_TABLE)
		fputs("name         memory      L2  GB/s TFLOPS  description\n", out);
	else if (format == CLI_CSV)
		fputs("name,hbm_bytes,l2_bytes,llc_bytes,bandwidth_gbs,fp16_tflops,description\n",
		      out);
	for (size_t i = 0; i < count; i++) {
		const kvp_device *d = &devices[i];
		char mem[32], l2[32], name[2 * KVP_NAME_MAX + 3];
		char description[2 * KVP_DESCRIPTION_MAX + 3];
		json_t *obj;

		if (format == CLI_TABLE) {
			fprintf(out, "%-10s %8s %7s %5.0f %6.0f  %s\n", d->name,
			        cli_human_bytes(d->hbm_bytes, mem, sizeof mem),
			        cli_human_bytes(d->l2_bytes, l2, sizeof l2), d->bandwidth_gbs,
			        d->fp16_tflops, d->description);
			continue;
		}
		if (format == CLI_CSV) {
			fprintf(out, "%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%g,%g,%s\n",
			        csv_text(d->name, name, sizeof name), d->hbm_bytes, d->l2_bytes,
			        d->llc_bytes, d->bandwidth_gbs, d->fp16_tflops,
			        csv_text(d->description, description, sizeof description));
			continue;
		}
		obj = json_object();
		json_object_set_new(obj, "name", json_string(d->name));
		json_object_set_new(obj, "description", json_string(d->description));
		json_u64(obj, "hbm_bytes", d->hbm_bytes, &bad);
		json_u64(obj, "l2_bytes", d->l2_bytes, &bad);
		json_u64(obj, "llc_bytes", d->llc_bytes, &bad);
		json_object_set_new(obj, "bandwidth_gbs", json_real(d->bandwidth_gbs));
		json_object_set_new(obj, "fp16_tflops", json_real(d->fp16_tflops));
		json_array_append_new(list, obj);
	}
	if (format != CLI_JSON) {
		json_decref(list);
		return 0;
	}
	return dump_json(out, list, bad);
}
