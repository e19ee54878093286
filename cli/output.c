/*
 * output.c — kvplan's output formats: the plan in the one asked for
 * (table.c, json_out.c, CSV here: one row per device), and the
 * catalogue's listings.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"

/* ---- CSV -------------------------------------------------------------- */

/* A text field as RFC 4180 wants it: quoted, with quotes doubled, when it
 * holds a comma, a quote or a line break; as it is otherwise. */
const char *cli_csv_text(const char *text, char *buf, size_t size)
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

/* The layer groups of one GPU's plan in one CSV field: kind:layers:tokens:
 * bytes, the groups separated by ';' (no comma, no quote: it needs no
 * quoting); a parallel hybrid's states, which its attention layers keep,
 * of kind recurrent-beside. */
static void groups_csv(FILE *out, const kvp_plan *lp)
{
	for (uint32_t g = 0; g < lp->group_count; g++) {
		const kvp_layer_group *grp = &lp->groups[g];

		fprintf(out, "%s%s%s:%u:%" PRIu64 ":%" PRIu64, g ? ";" : "",
		        kvp_layer_kind_name(grp->kind), grp->parallel ? "-beside" : "",
		        grp->layers, grp->tokens, grp->bytes);
	}
}

/* ... and each group's cells, the token slots a layer allocates, in the
 * same order: a field of its own, so that layer_groups' stays as it was. */
static void cells_csv(FILE *out, const kvp_plan *lp)
{
	for (uint32_t g = 0; g < lp->group_count; g++)
		fprintf(out, "%s%" PRIu64, g ? ";" : "", lp->groups[g].cells);
}

/* ... and each group's kv heads on a GPU and head dim, kv_heads:head_dim
 * (Gemma 4's full layers' own beside the others'; 0:0 where a group
 * keeps no K and V). */
static void heads_csv(FILE *out, const kvp_plan *lp)
{
	for (uint32_t g = 0; g < lp->group_count; g++)
		fprintf(out, "%s%u:%u", g ? ";" : "", lp->groups[g].kv_heads,
		        lp->groups[g].head_dim);
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

const char *cli_solve_name(enum cli_solve solve)
{
	static const char *const names[] = {"", "max-seq", "max-batch", "min-gpus"};

	return (unsigned)solve < sizeof names / sizeof *names ? names[solve] : "";
}

bool cli_solve_answer(const struct cli_plan *p, size_t i, uint64_t *answer)
{
	const kvp_advice *a = &p->advice[i];

	switch (p->solve) {
	case CLI_SOLVE_MAX_SEQ:
		*answer = a->max_seq;
		return !a->max_seq_unbounded;
	case CLI_SOLVE_MAX_BATCH:
		*answer = a->max_batch;
		return true;
	case CLI_SOLVE_MIN_GPUS:
		/* No tensor-parallel degree fits: none, not 0 GPUs. */
		*answer = a->min_gpus;
		return a->min_tp != 0;
	case CLI_SOLVE_NONE:
		break;
	}
	return false;
}

static void print_csv(FILE *out, const struct cli_plan *p)
{
	const kvp_model *m = &p->model;

	fputs("model,attention,layers,heads,kv_heads,head_dim,seq,batch,dtype,"
	      "kv_bytes_per_token,kv_bytes_per_layer,kv_total_bytes,gpu,l2_bytes,"
	      "hbm_bytes,fits_l2,layer_fits_l2,max_seq_l2,weights_bytes,fits_hbm,"
	      "max_seq_hbm,max_batch_hbm,dtype_k,dtype_v,state_total_bytes,"
	      "cache_total_bytes,max_seq_l2_unbounded,max_seq_unbounded,layer_groups,"
	      "mem_weights_bytes,mem_kv_cache_bytes,mem_state_bytes,mem_activation_bytes,"
	      "mem_reserve_bytes,mem_held_back_bytes,mem_unused_bytes,mem_over_bytes,"
	      "mem_host_bytes,mem_lora_bytes,mem_draft_weights_bytes,mem_total_bytes,"
	      "mem_cuda_graph_bytes,mem_mla_workspace_bytes,mem_req_table_bytes,mem_runtime_bytes,"
	      "layer_group_cells,layer_group_heads", out);
	if (p->solve)
		fputs(",solve,answer", out);
	if (p->validated || p->gpu_validated)
		fputs(",validation_layout,validation_predicted_bytes,validation_measured_bytes,"
		      "validation_resident_bytes,validation_max_abs_error,validation_passed", out);
	fputc('\n', out);
	for (size_t i = 0; i < p->n_devices; i++) {
		const kvp_device *d = &p->devices[i];
		const kvp_fit *f = &p->fits[i];
		char model_name[2 * KVP_NAME_MAX + 3], gpu_name[2 * KVP_NAME_MAX + 3];

		fprintf(out, "%s,%s,%u,%u,%u,%u,%" PRIu64 ",%" PRIu64 ",%s,%" PRIu64 ",%"
		        PRIu64 ",%" PRIu64 ",%s,%" PRIu64 ",%" PRIu64 ",%s,%s",
		        cli_csv_text(m->name, model_name, sizeof model_name),
		        kvp_attention_name(kvp_model_attention(m)), m->layers,
		        m->heads, m->kv_heads, m->head_dim, p->seq, p->batch,
		        kvp_dtype_name(p->dtype), cli_device_plan(p, i)->kv_bytes_per_token,
		        f->kv_layer_bytes, f->kv_total_bytes,
		        cli_csv_text(d->name, gpu_name, sizeof gpu_name), d->l2_bytes,
		        d->hbm_bytes, csv_bool(f->fits_l2), csv_bool(f->layer_fits_l2));
		csv_seq(out, f->max_seq_l2, f->max_seq_l2_unbounded);
		fprintf(out, ",%" PRIu64 ",%s", f->weights_bytes, csv_bool(f->fits_hbm));
		csv_seq(out, f->max_seq_hbm, f->max_seq_hbm_unbounded);
		fprintf(out, ",%" PRIu64 ",%s,%s,%" PRIu64 ",%" PRIu64 ",%s,%s,",
		        f->max_batch_hbm, kvp_dtype_name(cli_device_plan(p, i)->request.dtype_k),
		        kvp_dtype_name(cli_device_plan(p, i)->request.dtype_v), f->state_total_bytes,
		        f->cache_total_bytes, csv_bool(f->max_seq_l2_unbounded),
		        csv_bool(f->max_seq_hbm_unbounded));
		groups_csv(out, cli_device_plan(p, i));
		{
			const kvp_footprint *fp = &f->footprint;

			fprintf(out, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64
			        ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64,
			        fp->weights, fp->kv, fp->state, fp->activations, fp->reserve,
			        fp->held_back, fp->unused, fp->over, fp->host, fp->adapters, fp->draft);
			fprintf(out, ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",",
			        fp->total, f->cuda_graph_bytes, f->mla_workspace_bytes, fp->req_table,
			        fp->runtime);
			cells_csv(out, cli_device_plan(p, i));
			fputc(',', out);
			heads_csv(out, cli_device_plan(p, i));
		}
		if (p->solve) {
			uint64_t answer;

			fprintf(out, ",%s,", cli_solve_name(p->solve));
			if (cli_solve_answer(p, i, &answer))
				fprintf(out, "%" PRIu64, answer);
		}
		if (p->gpu_validated) {
			/* On a GPU: what was asked of cudaMalloc, and what free
			 * memory lost as the resident growth. */
			const kvp_cuda_validation *g = &p->gpu_validation;

			fprintf(out, ",%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%.6g,%s",
			        kvp_layout_name(g->layout), g->predicted_bytes,
			        g->requested_bytes, g->free_drop_bytes, g->max_abs_error,
			        cli_gpu_validation_passed(p) ? "true" : "false");
		}
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
		cli_print_table(out, p);
		return 0;
	case CLI_CSV:
		print_csv(out, p);
		return 0;
	case CLI_JSON:
		break;
	}
	return cli_print_json(out, p);
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
			        cli_csv_text(m->name, name, sizeof name),
			        kvp_attention_name(kvp_model_attention(m)), m->layers,
			        m->hidden, m->heads, m->kv_heads, m->head_dim, m->vocab,
			        m->max_context, m->params, size.bytes_per_token);
		} else {
			json_object_begin(&w, NULL);
			cli_model_json(&w, "name", m);
			json_text(&w, "description", m->description);
			json_u64(&w, "vocab", m->vocab);
			json_u64(&w, "kv_bytes_per_token_fp16", size.bytes_per_token);
			json_object_end(&w);
		}
	}
	if (format != CLI_JSON)
		return 0;
	json_array_end(&w);
	return cli_json_done(&w);
}

int cli_print_devices(FILE *out, const kvp_device *devices, size_t count,
                      enum cli_format format)
{
	struct json_writer w;

	json_writer_init(&w, out);
	if (format == CLI_TABLE)
		fputs("name         memory         L2 GB/s TFLOPS description\n", out);
	else if (format == CLI_CSV)
		fputs("name,hbm_bytes,l2_bytes,llc_bytes,bandwidth_gbs,fp16_tflops,arch,"
		      "description,cuda_bytes,smi_bytes,interconnect\n", out);
	else
		json_array_begin(&w, NULL);
	for (size_t i = 0; i < count; i++) {
		const kvp_device *d = &devices[i];
		char mem[32], l2[32], name[2 * KVP_NAME_MAX + 3];
		char description[2 * KVP_DESCRIPTION_MAX + 3];

		if (format == CLI_TABLE) {
			char gbs[32] = "-", tflops[32] = "-";

			/* 80 columns: the architecture is in CSV and JSON; an
			 * unknown bandwidth or peak is "-". */
			if (d->bandwidth_gbs > 0)
				snprintf(gbs, sizeof gbs, "%.0f", d->bandwidth_gbs);
			if (d->fp16_tflops > 0)
				snprintf(tflops, sizeof tflops, "%.0f", d->fp16_tflops);
			fprintf(out, "%-11s %7s %10s %4s %6s %s\n", d->name,
			        cli_human_bytes(d->hbm_bytes, mem, sizeof mem),
			        cli_human_bytes(d->l2_bytes, l2, sizeof l2), gbs, tflops,
			        d->description);
		} else if (format == CLI_CSV) {
			fprintf(out, "%s,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%g,%g,%s,%s,%" PRIu64
			        ",%" PRIu64 ",%s\n",
			        cli_csv_text(d->name, name, sizeof name), d->hbm_bytes, d->l2_bytes,
			        d->llc_bytes, d->bandwidth_gbs, d->fp16_tflops, d->arch,
			        cli_csv_text(d->description, description, sizeof description),
			        d->cuda_bytes, d->smi_bytes, d->link);
		} else {
			json_object_begin(&w, NULL);
			json_text(&w, "name", d->name);
			json_text(&w, "description", d->description);
			json_u64(&w, "hbm_bytes", d->hbm_bytes);
			json_u64(&w, "l2_bytes", d->l2_bytes);
			json_u64(&w, "llc_bytes", d->llc_bytes);
			json_real(&w, "bandwidth_gbs", d->bandwidth_gbs);
			json_real(&w, "fp16_tflops", d->fp16_tflops);
			if (d->arch[0])
				json_text(&w, "arch", d->arch);
			else
				json_null(&w, "arch");
			/* 0: not known */
			json_u64(&w, "cuda_bytes", d->cuda_bytes);
			json_u64(&w, "smi_bytes", d->smi_bytes);
			if (d->link[0])
				json_text(&w, "interconnect", d->link);
			else
				json_null(&w, "interconnect");
			json_object_end(&w);
		}
	}
	if (format != CLI_JSON)
		return 0;
	json_array_end(&w);
	return cli_json_done(&w);
}

