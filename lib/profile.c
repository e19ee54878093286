/*
 * profile.c — how a profile file's values are read, event by event, by
 * the tables of profile_fields.c, and checked, with path:line:column
 * errors at the place to change.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "number.h"
#include "profile.h"

void kvp__profile_clear(struct profile *p)
{
	kvp__free(p->aliases);
	p->aliases = NULL;
	p->n_aliases = 0;
}

kvp_status kvp__fail_at(const struct parse *ps, kvp_status status,
                        yaml_mark_t mark, const char *fmt, ...)
{
	char message[KVP_ERROR_MESSAGE_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(message, sizeof message, fmt, ap);
	va_end(ap);
	return kvp__error_at(ps->err, status, ps->path, mark.line + 1,
	                     mark.column + 1, "%s", message);
}

/* What the node an event starts is, for messages. */
static const char *node_kind(const yaml_event_t *event)
{
	switch (event->type) {
	case YAML_SEQUENCE_START_EVENT:
		return "a sequence";
	case YAML_MAPPING_START_EVENT:
		return "a mapping";
	case YAML_SCALAR_EVENT:
		return event->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
		       ? "a plain scalar" : "a quoted string";
	case YAML_ALIAS_EVENT:
		return "an alias (*name)";
	default:
		return "nothing";
	}
}


static const char *const type_wanted[] = {
	[FIELD_NAME] = "a name",
	[FIELD_TEXT] = "a string",
	[FIELD_ALIASES] = "a sequence of names",
	[FIELD_U32] = "an integer",
	[FIELD_U64] = "an integer",
	[FIELD_COUNT] = "an integer",
	[FIELD_BYTES] = "a size in bytes",
	[FIELD_REAL] = "a number",
	[FIELD_PATTERN] = "a layer pattern",
	[FIELD_U32_LIST] = "a sequence of integers",
	[FIELD_BOOL] = "true or false",
	[FIELD_WORD] = "a word",
	[FIELD_ROPE] = "a rope type",
};

/* Fails with "field 'KEY': 'TEXT' WHAT DETAIL", the text escaped only
 * now: a value that parses costs no escaping. */
static kvp_status bad_number(struct parse *ps, kvp_status status, yaml_mark_t at,
                             const struct field *f, const char *text,
                             const char *what, const char *detail)
{
	char quoted[KVP_QUOTE_MAX];

	return kvp__fail_at(ps, status, at, "field '%s': '%s' %s%s", f->key,
	                    kvp_escape(text, quoted, sizeof quoted), what, detail);
}

/* Parses the number of a numeric field and stores it in the profile. */
static kvp_status parse_number(struct parse *ps, const struct field *f,
                               yaml_mark_t at, const char *text)
{
	void *slot = (char *)&ps->out->u + f->offset;
	const char *wanted = type_wanted[f->type];
	struct decimal d;
	const char *end;
	uint64_t unit = 1;
	uint64_t value;
	kvp_status status;

	if (text[0] == '-' && kvp__scan_decimal(text + 1, &d))
		return bad_number(ps, KVP_ERR_PARSE, at, f, text, "is negative", "");
	end = kvp__scan_decimal(text, &d);
	if (!end)
		return bad_number(ps, KVP_ERR_PARSE, at, f, text, "is not ", wanted);
	if (f->type == FIELD_BYTES) {
		const char *unit_name = end;

		while (*unit_name == ' ')
			unit_name++;
		if (*unit_name) {
			char quoted[KVP_QUOTE_MAX];

			unit = kvp__unit_bytes(unit_name);
			if (unit == 0)
				return kvp__fail_at(ps, KVP_ERR_PARSE, at,
				                    "field '%s': unknown unit '%s' (use B, "
				                    "KiB, MiB, GiB, TiB, KB, MB, GB or TB)",
				                    f->key, kvp_escape(unit_name, quoted,
				                                       sizeof quoted));
			end = unit_name + strlen(unit_name);
		}
	}
	if (*end || ((f->type == FIELD_U32 || f->type == FIELD_U64) && d.inexact))
		return bad_number(ps, KVP_ERR_PARSE, at, f, text, "is not ", wanted);
	if (f->type == FIELD_REAL) {
		double real = kvp__decimal_to_double(&d);

		if (!isfinite(real))
			return bad_number(ps, KVP_ERR_RANGE, at, f, text, "is out of range", "");
		memcpy(slot, &real, sizeof real);
		return KVP_OK;
	}
	status = kvp__decimal_to_u64(&d, unit, &value);
	if (status == KVP_ERR_OVERFLOW)
		return bad_number(ps, status, at, f, text, "does not fit in 64 bits", "");
	if (status != KVP_OK)
		return bad_number(ps, KVP_ERR_PARSE, at, f, text, "is not a whole number",
		                  f->type == FIELD_BYTES ? " of bytes" : "");
	if (f->type == FIELD_U32) {
		uint32_t narrow = (uint32_t)value;

		if (value > UINT32_MAX)
			return bad_number(ps, KVP_ERR_RANGE, at, f, text,
			                  "is out of range (at most 4294967295)", "");
		memcpy(slot, &narrow, sizeof narrow);
	} else {
		memcpy(slot, &value, sizeof value);
	}
	return KVP_OK;
}

/* ---- names ----------------------------------------------------------- */

/* The file name of path without its ".yaml". */
static void path_stem(const char *path, const char **stem, size_t *len)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t base_len = strlen(base);

	if (base_len > 5 && strcmp(base + base_len - 5, ".yaml") == 0)
		base_len -= 5;
	*stem = base;
	*len = base_len;
}

/* The text of a scalar event, or NULL (after an error) when it holds a NUL
 * byte, which would silently cut it short. */
static const char *scalar_text(struct parse *ps, const char *key,
                               const yaml_event_t *event)
{
	const char *text = (const char *)event->data.scalar.value;

	if (strlen(text) != event->data.scalar.length) {
		if (key)
			kvp__fail_at(ps, KVP_ERR_PARSE, event->start_mark,
			             "field '%s': contains a NUL byte", key);
		else
			kvp__fail_at(ps, KVP_ERR_PARSE, event->start_mark,
			             "a field name contains a NUL byte");
		return NULL;
	}
	return text;
}

static kvp_status parse_name(struct parse *ps, const struct field *f,
                             yaml_mark_t at, const char *text)
{
	char quoted[KVP_QUOTE_MAX], stem_copy[256], stem_quoted[KVP_QUOTE_MAX];
	const char *stem;
	size_t stem_len;

	if (strlen(text) >= KVP_NAME_MAX)
		return kvp__fail_at(ps, KVP_ERR_PARSE, at,
		                    "field 'name': '%s' is longer than %d bytes",
		                    kvp_escape(text, quoted, sizeof quoted),
		                    KVP_NAME_MAX - 1);
	if (!kvp__valid_name(text))
		return kvp__fail_at(ps, KVP_ERR_PARSE, at,
		                    "field 'name': '%s' is not a valid name (%s)",
		                    kvp_escape(text, quoted, sizeof quoted),
		                    KVP__NAME_RULE);
	path_stem(ps->path, &stem, &stem_len);
	if (strlen(text) != stem_len || memcmp(text, stem, stem_len) != 0) {
		snprintf(stem_copy, sizeof stem_copy, "%.*s", (int)stem_len, stem);
		return kvp__fail_at(ps, KVP_ERR_PARSE, at,
		                    "field 'name': '%s' does not match the file name "
		                    "(expected '%s')",
		                    kvp_escape(text, quoted, sizeof quoted),
		                    kvp_escape(stem_copy, stem_quoted,
		                               sizeof stem_quoted));
	}
	strcpy((char *)&ps->out->u + f->offset, text);
	strcpy(ps->out->name, text);
	ps->out->name_line = at.line + 1;
	ps->out->name_column = at.column + 1;
	return KVP_OK;
}

/* One item of the aliases sequence, appended to the profile's aliases. */
static kvp_status parse_alias(struct parse *ps, const yaml_event_t *item)
{
	const char *key = ps->field->key;
	struct profile *out = ps->out;
	const char *text;

	if (item->type != YAML_SCALAR_EVENT)
		return kvp__fail_at(ps, KVP_ERR_PARSE, item->start_mark,
		                    "field '%s': expected a name, got %s", key,
		                    node_kind(item));
	text = scalar_text(ps, key, item);
	if (!text)
		return KVP_ERR_PARSE;
	if (!kvp__valid_name(text)) {
		char quoted[KVP_QUOTE_MAX];

		return kvp__fail_at(ps, KVP_ERR_PARSE, item->start_mark,
		                    "field '%s': '%s' is not a valid name (%s)", key,
		                    kvp_escape(text, quoted, sizeof quoted),
		                    KVP__NAME_RULE);
	}
	if (out->n_aliases == ps->aliases_capacity) {
		size_t capacity = ps->aliases_capacity ? 2 * ps->aliases_capacity : 4;
		struct alias *aliases = kvp__realloc(out->aliases,
		                                     capacity * sizeof *aliases);

		if (!aliases)
			return kvp__error(ps->err, KVP_ERR_NOMEM, "out of memory");
		out->aliases = aliases;
		ps->aliases_capacity = capacity;
	}
	strcpy(out->aliases[out->n_aliases].name, text);
	out->aliases[out->n_aliases].line = item->start_mark.line + 1;
	out->aliases[out->n_aliases].column = item->start_mark.column + 1;
	out->n_aliases++;
	return KVP_OK;
}

/* One item of a per-layer list of integers (layer_kv_heads). */
static kvp_status parse_list_item(struct parse *ps, const yaml_event_t *item)
{
	const struct field *f = ps->field;
	kvp_model *m = &ps->out->u.model;
	struct field one = *f;
	const char *text;
	kvp_status st;

	if (item->type != YAML_SCALAR_EVENT ||
	    item->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return kvp__fail_at(ps, KVP_ERR_PARSE, item->start_mark,
		                    "field '%s': expected an integer, got %s", f->key,
		                    node_kind(item));
	if (m->layer_kv_heads_len == KVP_PATTERN_MAX)
		return kvp__fail_at(ps, KVP_ERR_RANGE, item->start_mark,
		                    "field '%s': more than %d entries", f->key,
		                    KVP_PATTERN_MAX);
	text = scalar_text(ps, f->key, item);
	if (!text)
		return KVP_ERR_PARSE;
	/* The item is read as a U32 field stored at its place in the list. */
	one.type = FIELD_U32;
	one.offset = f->offset + m->layer_kv_heads_len * sizeof m->layer_kv_heads[0];
	if ((st = parse_number(ps, &one, item->start_mark, text)) != KVP_OK)
		return st;
	m->layer_kv_heads_len++;
	return KVP_OK;
}

static kvp_status parse_pattern(struct parse *ps, const struct field *f,
                                yaml_mark_t at, const char *text)
{
	kvp_error pattern_err;

	if (kvp_layer_pattern_parse(text, &ps->out->u.model, &pattern_err) != KVP_OK)
		return kvp__fail_at(ps, pattern_err.status, at, "field '%s': %s", f->key,
		                    pattern_err.message);
	return KVP_OK;
}

/* ---- one file -------------------------------------------------------- */

/* The value of field f, a node that starts with event value; the aliases
 * sequence stays open for its items. */
static kvp_status parse_value(struct parse *ps, const struct field *f,
                              const yaml_event_t *value)
{
	yaml_mark_t at = value->start_mark;
	const char *text;

	if (f->type == FIELD_ALIASES || f->type == FIELD_U32_LIST) {
		if (value->type != YAML_SEQUENCE_START_EVENT)
			return kvp__fail_at(ps, KVP_ERR_PARSE, at,
			                    "field '%s': expected %s, got %s", f->key,
			                    type_wanted[f->type], node_kind(value));
		ps->field = f;
		return KVP_OK;
	}
	if (value->type != YAML_SCALAR_EVENT ||
	    (f->type != FIELD_NAME && f->type != FIELD_TEXT &&
	     f->type != FIELD_PATTERN && f->type != FIELD_WORD && f->type != FIELD_ROPE &&
	     value->data.scalar.style != YAML_PLAIN_SCALAR_STYLE))
		return kvp__fail_at(ps, KVP_ERR_PARSE, at,
		                    "field '%s': expected %s, got %s", f->key,
		                    type_wanted[f->type], node_kind(value));
	if (value->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    value->data.scalar.length == 0)
		return kvp__fail_at(ps, KVP_ERR_PARSE, at,
		                    "field '%s': no value given", f->key);
	text = scalar_text(ps, f->key, value);
	if (!text)
		return KVP_ERR_PARSE;
	switch (f->type) {
	case FIELD_NAME:
		return parse_name(ps, f, at, text);
	case FIELD_PATTERN:
		return parse_pattern(ps, f, at, text);
	case FIELD_WORD:
		/* A name's characters and length: it is matched, printed and
		 * put in JSON as it is. */
		if (!kvp__valid_name(text)) {
			char quoted[KVP_QUOTE_MAX];

			return kvp__fail_at(ps, KVP_ERR_PARSE, at,
			                    "field '%s': '%s' is not a word (%s)", f->key,
			                    kvp_escape(text, quoted, sizeof quoted),
			                    KVP__NAME_RULE);
		}
		strcpy((char *)&ps->out->u + f->offset, text);
		return KVP_OK;
	case FIELD_ROPE: {
		kvp_error rope_err;
		kvp_rope rope;

		if (kvp_rope_from_name(text, &rope, &rope_err) != KVP_OK)
			return kvp__fail_at(ps, KVP_ERR_PARSE, at, "field '%s': %s", f->key,
			                    rope_err.message);
		memcpy((char *)&ps->out->u + f->offset, &rope, sizeof rope);
		return KVP_OK;
	}
	case FIELD_TEXT:
		if (strlen(text) >= KVP_DESCRIPTION_MAX)
			return kvp__fail_at(ps, KVP_ERR_PARSE, at,
			                    "field '%s': longer than %d bytes", f->key,
			                    KVP_DESCRIPTION_MAX - 1);
		/* A line of text, shown as is: no line break, no terminal
		 * control sequence. */
		if (kvp__find_control(text)) {
			char quoted[KVP_QUOTE_MAX];

			return kvp__fail_at(ps, KVP_ERR_PARSE, at,
			                    "field '%s': '%s' holds a control character",
			                    f->key, kvp_escape(text, quoted,
			                                       sizeof quoted));
		}
		strcpy((char *)&ps->out->u + f->offset, text);
		return KVP_OK;
	case FIELD_BOOL: {
		bool yes = strcmp(text, "true") == 0;

		if (!yes && strcmp(text, "false") != 0) {
			char quoted[KVP_QUOTE_MAX];

			return kvp__fail_at(ps, KVP_ERR_PARSE, at,
			                    "field '%s': '%s' is not true or false", f->key,
			                    kvp_escape(text, quoted, sizeof quoted));
		}
		memcpy((char *)&ps->out->u + f->offset, &yes, sizeof yes);
		return KVP_OK;
	}
	default:
		return parse_number(ps, f, at, text);
	}
}

/* The known field closest to an unknown key, or NULL when none is close. */
static const char *closest_field(const struct kind *kind, const char *key)
{
	size_t limit = strlen(key) / 3 > 2 ? strlen(key) / 3 : 2;
	size_t best = SIZE_MAX;
	const char *closest = NULL;

	for (size_t i = 0; i < kind->n_fields; i++) {
		size_t distance = kvp__edit_distance(key, kind->fields[i].key);

		if (distance <= limit && distance < best) {
			best = distance;
			closest = kind->fields[i].key;
		}
	}
	return closest;
}

static kvp_status unknown_field(struct parse *ps, yaml_mark_t at,
                                const char *key)
{
	const char *closest = closest_field(ps->kind, key);
	char known[KVP_ERROR_MESSAGE_MAX] = "";
	char quoted[KVP_QUOTE_MAX];
	size_t used = 0;

	kvp_escape(key, quoted, sizeof quoted);
	if (closest)
		return kvp__fail_at(ps, KVP_ERR_PARSE, at,
		                    "unknown field '%s' (did you mean '%s'?)", quoted,
		                    closest);
	for (size_t i = 0; i < ps->kind->n_fields && used < sizeof known; i++) {
		int n = snprintf(known + used, sizeof known - used, "%s%s",
		                 i ? ", " : "", ps->kind->fields[i].key);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return kvp__fail_at(ps, KVP_ERR_PARSE, at,
	                    "unknown field '%s' (%s fields: %s)", quoted,
	                    ps->kind->noun, known);
}

/* A key of the top mapping: the field whose value comes next. */
static kvp_status parse_key(struct parse *ps, const yaml_event_t *key_event)
{
	const struct kind *kind = ps->kind;
	yaml_mark_t at = key_event->start_mark;
	const char *key;
	size_t i;

	if (key_event->type != YAML_SCALAR_EVENT ||
	    key_event->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return kvp__fail_at(ps, KVP_ERR_PARSE, at,
		                    "expected a plain field name, got %s",
		                    node_kind(key_event));
	key = scalar_text(ps, NULL, key_event);
	if (!key)
		return KVP_ERR_PARSE;
	for (i = 0; i < kind->n_fields; i++)
		if (strcmp(key, kind->fields[i].key) == 0)
			break;
	if (i == kind->n_fields)
		return unknown_field(ps, at, key);
	if (ps->given[i])
		return kvp__fail_at(ps, KVP_ERR_DUPLICATE, at,
		                    "duplicate field '%s' (first given at line %lu, "
		                    "column %lu)", key,
		                    (unsigned long)ps->key_mark[i].line + 1,
		                    (unsigned long)ps->key_mark[i].column + 1);
	ps->given[i] = true;
	ps->key_mark[i] = at;
	ps->field = &kind->fields[i];
	return KVP_OK;
}

/* Required fields, aliases that repeat the name or each other, then the
 * kind's own check, reported at the field it blames; missing fields at the
 * start of the top mapping. */
static kvp_status check_profile(struct parse *ps)
{
	const struct kind *kind = ps->kind;
	char one_of[KVP_ERROR_MESSAGE_MAX] = "";
	size_t used = 0;
	bool have_one_of = false;
	kvp_error check_err;
	struct clash clash;
	const char *culprit;
	yaml_mark_t at = ps->mapping_mark;

	for (size_t i = 0; i < kind->n_fields; i++) {
		const struct field *f = &kind->fields[i];

		if (f->need == FIELD_REQUIRED && !ps->given[i])
			return kvp__fail_at(ps, KVP_ERR_PARSE, at, "missing field '%s'",
			                    f->key);
		if (f->need == FIELD_ONE_OF) {
			int n = snprintf(one_of + used, sizeof one_of - used,
			                 "%s'%s'", used ? " or " : "", f->key);
			if (n > 0 && (size_t)n < sizeof one_of - used)
				used += (size_t)n;
			have_one_of |= ps->given[i];
		}
	}
	if (used && !have_one_of)
		return kvp__fail_at(ps, KVP_ERR_PARSE, at, "missing field %s", one_of);
	if (kvp__find_clash(ps->out, 1, &clash, ps->err) != KVP_OK)
		return KVP_ERR_NOMEM;
	if (clash.found)
		return kvp__claim_taken(kind, ps->path, ps->out, clash.j, ps->out,
		                        clash.how, ps->err);
	if (kind->check(&ps->out->u, &check_err) == KVP_OK)
		return KVP_OK;
	culprit = kind->culprit(&ps->out->u);
	for (size_t i = 0; culprit && i < kind->n_fields; i++)
		if (ps->given[i] && strcmp(kind->fields[i].key, culprit) == 0)
			at = ps->key_mark[i];
	return kvp__fail_at(ps, kind->check_status, at, "%s", check_err.message);
}

kvp_status kvp__profile_event(struct parse *ps, const yaml_event_t *event)
{
	bool end = event->type == YAML_MAPPING_END_EVENT ||
	           event->type == YAML_SEQUENCE_END_EVENT;
	const struct field *field = ps->field;

	switch (ps->depth) {
	case 0:
		if (event->type != YAML_MAPPING_START_EVENT)
			return kvp__fail_at(ps, KVP_ERR_PARSE, event->start_mark,
			                    "expected a mapping of %s fields, got %s",
			                    ps->kind->noun, node_kind(event));
		ps->mapping_mark = event->start_mark;
		return KVP_OK;
	case 1:
		if (end)
			return check_profile(ps);
		if (!field)
			return parse_key(ps, event);
		ps->field = NULL;
		return parse_value(ps, field, event);
	default:
		/* Only the aliases and per-layer sequences are read this
		 * deep: any other collection was refused as the value it
		 * stands for. */
		if (!end)
			return field->type == FIELD_U32_LIST ? parse_list_item(ps, event)
			                                     : parse_alias(ps, event);
		ps->field = NULL;
		return KVP_OK;
	}
}
