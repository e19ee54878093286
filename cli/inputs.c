/*
 * inputs.c — the model from a file the user has (--config, --gguf), the
 * weights from checkpoint headers (--safetensors, or the GGUF's own), and
 * what the readers want the user to hear.
 */
#include <string.h>

#include "cli.h"
#include "json.h"

static void warn_source(const kvp_source *s)
{
	char quoted_path[KVP_QUOTE_MAX * 4];

	/* the family comes escaped (kvp_source) */
	if (s->generic)
		cli_warn("%s: model type '%s' is not a family"
		        " kvplan knows: read by the generic rule (layers, heads, kv"
		        " heads, hidden size, head_dim, sliding_window, layer_types)",
		        kvp_escape(s->path, quoted_path, sizeof quoted_path), s->family);
	for (size_t i = 0; i < s->n_warnings; i++)
		cli_warn("%s", s->warnings[i]);
}

uint64_t cli_checkpoint_bytes(const struct cli_plan *plan)
{
	if (!plan->has_weights)
		return 0;
	return plan->weights.bytes ? plan->weights.bytes
	                           : plan->weights.index_total_size;
}

/* The layers of the model the options name, for the blocks past them
 * (an MTP layer's); 0 when unknown, an error left for the model's own
 * lookup to report. */
static uint32_t named_layers(const struct cli_options *o, kvp_catalog *cat,
                             const struct cli_plan *plan)
{
	kvp_model m;
	kvp_error err;

	if (o->fields_set & CLI_SET_LAYERS)
		return o->shape.layers;
	if (o->config_path || o->gguf_path)
		return plan->model.layers;
	if (o->model_name && cat && kvp_catalog_model(cat, o->model_name, &m, &err) == KVP_OK)
		return m.layers;
	return 0;
}

int cli_load_inputs(const struct cli_options *o, kvp_catalog *cat, struct cli_plan *plan)
{
	kvp_error err;
	kvp_status st = KVP_OK;

	kvp_source_init(&plan->source, KVP_SOURCE_CATALOG, NULL);
	kvp_weights_init(&plan->weights);
	if (o->config_path)
		st = kvp_config_read(o->config_path, &plan->model, &plan->source,
		                     &plan->weights, &err);
	else if (o->gguf_path)
		st = kvp_gguf_read(o->gguf_path, &plan->model, &plan->source,
		                   &plan->weights, &err);
	if (st != KVP_OK)
		return cli_fail(&err);
	plan->has_weights = plan->weights.bytes || plan->weights.index_total_size;
	plan->weights_path = plan->source.path;
	plan->weights_paths = 1;
	if (o->n_safetensors) {
		/* The weights given outright replace any found beside a
		 * config.json. */
		kvp_weights_init(&plan->weights);
		/* Blocks past the model's own are its MTP layers. */
		plan->weights.mtp_from_layer = named_layers(o, cat, plan);
		for (size_t i = 0; i < o->n_safetensors; i++)
			if (kvp_safetensors_read(o->safetensors[i], &plan->weights,
			                         &err) != KVP_OK)
				return cli_fail(&err);
		/* Headers that name no tensor count nothing: nothing to take
		 * the weights from (a model's params would be estimated in
		 * silence instead). */
		if (!plan->weights.bytes && !plan->weights.index_total_size) {
			char quoted[KVP_QUOTE_MAX];

			if (o->n_safetensors > 1)
				fprintf(stderr, "kvplan: --safetensors: the %zu paths given name no"
				        " tensors\n", o->n_safetensors);
			else
				fprintf(stderr, "kvplan: %s: no tensors in its header\n",
				        kvp_escape(o->safetensors[0], quoted, sizeof quoted));
			return 2;
		}
		plan->has_weights = true;
		plan->weights_path = o->safetensors[0];
		plan->weights_paths = o->n_safetensors;
	}
	if (o->config_path || o->gguf_path)
		warn_source(&plan->source);
	return 0;
}

/* The draft model (--draft-model from the catalogue, --draft-config,
 * --draft-gguf, whose tensors count its weights), its errors named by
 * the option. */
int cli_resolve_draft(const struct cli_options *o, kvp_catalog *cat, struct cli_plan *plan)
{
	const char *opt = o->draft_name ? "--draft-model" : o->draft_config ? "--draft-config"
	                                                                  : "--draft-gguf";
	char line[KVP_ERROR_PATH_MAX + KVP_ERROR_MESSAGE_MAX + 64];
	kvp_source source;
	kvp_weights weights;
	kvp_error err;
	kvp_status st;

	plan->has_draft = false;
	plan->draft_weight_bytes = 0;
	plan->draft_format_known = false;
	if (!o->draft_name && !o->draft_config && !o->draft_gguf)
		return 0;
	kvp_source_init(&source, KVP_SOURCE_CATALOG, NULL);
	kvp_weights_init(&weights);
	if (o->draft_name)
		st = kvp_catalog_model(cat, o->draft_name, &plan->draft, &err);
	else if (o->draft_config)
		st = kvp_config_read(o->draft_config, &plan->draft, &source, &weights, &err);
	else
		st = kvp_gguf_read(o->draft_gguf, &plan->draft, &source, &weights, &err);
	if (st == KVP_OK)
		st = kvp_model_finalize(&plan->draft, &err);
	if (st != KVP_OK) {
		fprintf(stderr, "kvplan: %s: %s\n", opt, kvp_error_format(&err, line, sizeof line));
		return 2;
	}
	if (o->draft_config || o->draft_gguf)
		warn_source(&source);
	plan->draft_format_known = source.weights_format_known;
	plan->draft_format = source.weights_format;
	if (weights.params) {
		plan->draft.params = weights.params;
		plan->draft.mtp_params = weights.mtp_params;
		plan->draft.vision_params = weights.vision_params;
	}
	/* Less a file's NextN (MTP) blocks, which llama.cpp does not load
	 * for a draft model, and the towers where the engine leaves them. */
	plan->draft_weight_bytes = weights.index_total_size;
	if (weights.bytes)
		plan->draft_weight_bytes = weights.bytes - weights.mtp_bytes -
		                           (kvp_model_loads_towers(&plan->draft, &o->req)
		                            ? 0 : weights.vision_bytes);
	plan->has_draft = true;
	return 0;
}

/* The fields of one origin, "kv_heads, head_dim", into buf. */
static bool fields_of(const kvp_source *s, kvp_origin origin, char *buf,
                      size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < s->n_notes && used < size; i++)
		if (s->notes[i].origin == origin)
			used += (size_t)snprintf(buf + used, size - used, "%s%s",
			                         used ? ", " : "", s->notes[i].field);
	return used > 0;
}

void cli_print_source(FILE *out, const struct cli_plan *p)
{
	const kvp_source *s = &p->source;
	char quoted[KVP_QUOTE_MAX * 4], list[512], bytes[32];

	if (s->kind != KVP_SOURCE_CATALOG) {
		fprintf(out, "  from %s %s", kvp_source_kind_name(s->kind),
		        kvp_escape(s->path, quoted, sizeof quoted));
		if (s->family[0])
			fprintf(out, " (%s%s)", s->family, s->generic ? ", generic rule" : "");
		fputc('\n', out);
		if (fields_of(s, KVP_ORIGIN_DEFAULTED, list, sizeof list))
			fprintf(out, "  defaulted: %s\n", list);
		if (fields_of(s, KVP_ORIGIN_ESTIMATED, list, sizeof list))
			fprintf(out, "  estimated: %s (see --explain)\n", list);
	}
	if (p->has_weights) {
		fprintf(out, "  weights: %s B counted from ",
		        cli_grouped(cli_checkpoint_bytes(p), bytes, sizeof bytes));
		if (p->source.kind == KVP_SOURCE_GGUF)
			fputs("its tensor infos", out);
		else if (p->weights.bytes)
			fprintf(out, "%u header%s under %s", p->weights.files,
			        p->weights.files == 1 ? "" : "s",
			        kvp_escape(p->weights_path, quoted, sizeof quoted));
		else
			fputs("the safetensors index's total_size", out);
		if (p->weights_paths > 1)
			fprintf(out, " and %zu more", p->weights_paths - 1);
		/* What of them is not the model's own (kvp_weights). */
		if (p->weights.mtp_bytes)
			fprintf(out, "; of them the MTP layers' %s B",
			        cli_grouped(p->weights.mtp_bytes, bytes, sizeof bytes));
		if (p->weights.mtp_shared_bytes)
			fprintf(out, " (their copies of the embedding and head %s B)",
			        cli_grouped(p->weights.mtp_shared_bytes, bytes, sizeof bytes));
		if (p->weights.vision_bytes)
			fprintf(out, "%s the towers' %s B", p->weights.mtp_bytes ? "," : "; of them",
			        cli_grouped(p->weights.vision_bytes, bytes, sizeof bytes));
		if (p->weights.expert_bytes)
			fprintf(out, "%s the routed experts' %s B",
			        p->weights.mtp_bytes || p->weights.vision_bytes ? "," : "; of them",
			        cli_grouped(p->weights.expert_bytes, bytes, sizeof bytes));
		fputc('\n', out);
	}
}

void cli_source_lines(const struct cli_plan *p,
                      void (*line)(void *ctx, const char *text), void *ctx)
{
	const kvp_source *s = &p->source;
	char text[KVP_NOTE_MAX + 64];
	char quoted[KVP_QUOTE_MAX * 4];

	if (s->kind == KVP_SOURCE_CATALOG)
		snprintf(text, sizeof text, "model: the catalogue's profile %s",
		         p->model.name);
	else
		snprintf(text, sizeof text, "model: %s %s", kvp_source_kind_name(s->kind),
		         kvp_escape(s->path, quoted, sizeof quoted));
	line(ctx, text);
	for (size_t i = 0; i < s->n_notes; i++) {
		snprintf(text, sizeof text, "  %s: %s, %s", s->notes[i].field,
		         kvp_origin_name(s->notes[i].origin), s->notes[i].text);
		line(ctx, text);
	}
	for (size_t i = 0; i < p->weights.n_types; i++) {
		const kvp_weight_type *t = &p->weights.types[i];
		char n[32], b[32];

		snprintf(text, sizeof text, "  weights %s: %s tensors, %s values, %s B",
		         t->name, cli_grouped(t->tensors, n, sizeof n),
		         cli_grouped(t->params, quoted, sizeof quoted),
		         cli_grouped(t->bytes, b, sizeof b));
		line(ctx, text);
	}
}

void cli_source_json(struct json_writer *w, const struct cli_plan *p)
{
	const kvp_source *s = &p->source;

	json_object_begin(w, "source");
	json_text(w, "kind", kvp_source_kind_name(s->kind));
	if (s->kind != KVP_SOURCE_CATALOG) {
		json_text(w, "path", s->path);
		json_text(w, "family", s->family);
		json_bool(w, "generic", s->generic);
		json_array_begin(w, "fields");
		for (size_t i = 0; i < s->n_notes; i++) {
			json_object_begin(w, NULL);
			json_text(w, "field", s->notes[i].field);
			json_text(w, "origin", kvp_origin_name(s->notes[i].origin));
			json_text(w, "text", s->notes[i].text);
			json_object_end(w);
		}
		json_array_end(w);
	}
	if (p->has_weights) {
		json_object_begin(w, "weights");
		json_text(w, "path", p->weights_path);
		json_u64(w, "files", p->weights.files);
		json_u64(w, "tensors", p->weights.tensors);
		json_u64(w, "params", p->weights.params);
		json_u64(w, "bytes", p->weights.bytes);
		json_u64(w, "mtp_params", p->weights.mtp_params);
		json_u64(w, "mtp_bytes", p->weights.mtp_bytes);
		json_u64(w, "mtp_shared_bytes", p->weights.mtp_shared_bytes);
		json_u64(w, "vision_params", p->weights.vision_params);
		json_u64(w, "vision_bytes", p->weights.vision_bytes);
		json_u64(w, "expert_params", p->weights.expert_params);
		json_u64(w, "expert_bytes", p->weights.expert_bytes);
		json_u64(w, "replicated_bytes", p->weights.replicated_bytes);
		json_u64(w, "attention_bytes", p->weights.attention_bytes);
		if (p->weights.index_total_size)
			json_u64(w, "index_total_size", p->weights.index_total_size);
		else
			json_null(w, "index_total_size");
		json_array_begin(w, "types");
		for (size_t i = 0; i < p->weights.n_types; i++) {
			json_object_begin(w, NULL);
			json_text(w, "type", p->weights.types[i].name);
			json_u64(w, "tensors", p->weights.types[i].tensors);
			json_u64(w, "params", p->weights.types[i].params);
			json_u64(w, "bytes", p->weights.types[i].bytes);
			json_object_end(w);
		}
		json_array_end(w);
		json_object_end(w);
	}
	json_object_end(w);
}
