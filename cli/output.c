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
	json_u64(&w, "kv_bytes_per_token", p->size.bytes_per_token);
	json_u64(&w, "kv_bytes_per_layer", p->size.bytes_per_layer);
	json_u64(&w, "kv_total_bytes", p->size.total_bytes);
	json_object_begin(&w, "variants");
	for (int v = 0; v < CLI_VARIANTS; v++) {
		json_object_begin(&w, variant_keys[v]);
		json_u64(&w, "kv_heads", p->variants[v].kv_heads);
		json_u64(&w, "kv_bytes_per_token", p->variant_sizes[v].bytes_per_token);
		json_u64(&w, "kv_total_bytes", p->variant_sizes[v].total_bytes);
		json_object_end(&w);
	}
	json_object_end(&w);
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
		json_u64(&w, "max_seq_l2", f->max_seq_l2);
		json_u64(&w, "weights_bytes", f->weights_bytes);
		json_u64(&w, "usable_bytes", f->usable_bytes);
		json_bool(&w, "fits_hbm", f->fits_hbm);
		json_u64(&w, "max_seq_hbm", f->max_seq_hbm);
		json_u64(&w, "max_batch_hbm", f->max_batch_hbm);
		json_object_end(&w);
	}
	json_array_end(&w);
	if (p->validated)
		validation_json(&w, &p->validation);
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
