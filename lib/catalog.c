/*
 * catalog.c — the YAML catalogue: model and GPU profiles read from
 * DIR/models/NAME.yaml and DIR/gpus/NAME.yaml over a search path, looked up
 * by name or alias, listed, and checked with path:line:column errors.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "internal.h"

#ifndef KVP_PKGDATADIR
#error "KVP_PKGDATADIR (the installed data directory) must be defined"
#endif

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* A profile is a few hundred bytes; anything far larger is not one, and
 * reading it whole into memory would be a hazard. */
#define PROFILE_BYTES_MAX (1024 * 1024)
/* Names offered after "did you mean". */
#define SUGGESTIONS_MAX 3
/* Fields per kind; the tables below stay well under it. */
#define FIELDS_MAX 16
/* Longest user text quoted back in a message. */
#define QUOTE_MAX 64

/* ---- what a profile file may say ------------------------------------- */

enum field_type {
	FIELD_NAME,    /* the profile's name: equals the file stem */
	FIELD_TEXT,    /* free text, shorter than KVP_DESCRIPTION_MAX */
	FIELD_ALIASES, /* a sequence of other names */
	FIELD_U32,     /* plain digits, at most UINT32_MAX */
	FIELD_U64,     /* plain digits */
	FIELD_COUNT,   /* digits or a decimal with exponent that is whole */
	FIELD_BYTES,   /* a whole number of bytes, with an optional unit */
	FIELD_REAL     /* a non-negative decimal */
};

enum field_need {
	FIELD_OPTIONAL,
	FIELD_REQUIRED,
	FIELD_ONE_OF /* at least one of the fields marked so must be given */
};

struct field {
	const char *key;
	enum field_type type;
	size_t offset; /* into kvp_model or kvp_device; unused for aliases */
	enum field_need need;
};

struct alias {
	char name[KVP_NAME_MAX];
	unsigned long line, column; /* where the file gives it, 1-based */
};

/* One parsed file: the public struct plus what only the catalogue needs. */
struct profile {
	union {
		kvp_model model;
		kvp_device device;
	} u;
	char name[KVP_NAME_MAX];
	unsigned long name_line, name_column;
	struct alias *aliases; /* n_aliases entries, from kvp__malloc */
	size_t n_aliases;
	size_t dir_index; /* the catalogue directory it came from */
};

/* Models and devices are read by the same code, driven by this. */
struct kind {
	size_t index;         /* into kvp_catalog.lists */
	const char *noun;     /* in messages: "model", "GPU" */
	const char *nouns;
	const char *subdir;   /* under each data directory */
	size_t size;          /* of the public struct */
	const struct field *fields;
	size_t n_fields;
	/* Checks (and completes) a parsed profile; the field to blame when it
	 * fails, NULL for the mapping as a whole. */
	kvp_status (*check)(void *profile, kvp_error *err);
	const char *(*culprit)(const void *profile);
	kvp_status check_status;
};

static const struct field model_fields[] = {
	{"name", FIELD_NAME, offsetof(kvp_model, name), FIELD_REQUIRED},
	{"description", FIELD_TEXT, offsetof(kvp_model, description), FIELD_OPTIONAL},
	{"aliases", FIELD_ALIASES, 0, FIELD_OPTIONAL},
	{"layers", FIELD_U32, offsetof(kvp_model, layers), FIELD_REQUIRED},
	{"heads", FIELD_U32, offsetof(kvp_model, heads), FIELD_REQUIRED},
	{"kv_heads", FIELD_U32, offsetof(kvp_model, kv_heads), FIELD_REQUIRED},
	{"hidden", FIELD_U32, offsetof(kvp_model, hidden), FIELD_ONE_OF},
	{"head_dim", FIELD_U32, offsetof(kvp_model, head_dim), FIELD_ONE_OF},
	{"vocab", FIELD_U32, offsetof(kvp_model, vocab), FIELD_OPTIONAL},
	{"max_context", FIELD_U64, offsetof(kvp_model, max_context), FIELD_OPTIONAL},
	{"params", FIELD_COUNT, offsetof(kvp_model, params), FIELD_OPTIONAL},
	{"rope_theta", FIELD_REAL, offsetof(kvp_model, rope_theta), FIELD_OPTIONAL},
};

static const struct field device_fields[] = {
	{"name", FIELD_NAME, offsetof(kvp_device, name), FIELD_REQUIRED},
	{"description", FIELD_TEXT, offsetof(kvp_device, description), FIELD_OPTIONAL},
	{"aliases", FIELD_ALIASES, 0, FIELD_OPTIONAL},
	{"memory", FIELD_BYTES, offsetof(kvp_device, hbm_bytes), FIELD_REQUIRED},
	{"l2", FIELD_BYTES, offsetof(kvp_device, l2_bytes), FIELD_REQUIRED},
	{"llc", FIELD_BYTES, offsetof(kvp_device, llc_bytes), FIELD_OPTIONAL},
	{"bandwidth_gbs", FIELD_REAL, offsetof(kvp_device, bandwidth_gbs),
	 FIELD_OPTIONAL},
	{"fp16_tflops", FIELD_REAL, offsetof(kvp_device, fp16_tflops), FIELD_OPTIONAL},
};

static kvp_status model_check(void *profile, kvp_error *err)
{
	return kvp_model_finalize(profile, err);
}

/* Mirrors the order of kvp_model_finalize's checks, so the error points at
 * the line that has to change. */
static const char *model_culprit(const void *profile)
{
	const kvp_model *m = profile;

	if (m->layers == 0)
		return "layers";
	if (m->heads == 0)
		return "heads";
	if (m->kv_heads == 0 || m->kv_heads > m->heads ||
	    m->heads % m->kv_heads != 0)
		return "kv_heads";
	return m->hidden ? "hidden" : "head_dim";
}

static kvp_status device_check(void *profile, kvp_error *err)
{
	return kvp_device_check(profile, err);
}

static const char *device_culprit(const void *profile)
{
	const kvp_device *d = profile;

	if (d->hbm_bytes == 0)
		return "memory";
	if (d->l2_bytes == 0)
		return "l2";
	return NULL;
}

static const struct kind model_kind = {
	0, "model", "models", "models", sizeof(kvp_model),
	model_fields, sizeof model_fields / sizeof model_fields[0],
	model_check, model_culprit, KVP_ERR_SHAPE,
};

static const struct kind device_kind = {
	1, "GPU", "GPUs", "gpus", sizeof(kvp_device),
	device_fields, sizeof device_fields / sizeof device_fields[0],
	device_check, device_culprit, KVP_ERR_PARSE,
};

/* ---- the catalogue --------------------------------------------------- */

/* Every profile of one kind over all directories, read on first use. */
struct profile_list {
	bool loaded;
	struct profile *profiles; /* sorted by name; count entries */
	void *items;              /* the public structs, same order */
	size_t count;
};

struct kvp_catalog {
	char **dirs; /* n_dirs copies, searched in order */
	size_t n_dirs;
	size_t dirs_capacity;
	struct profile_list lists[2]; /* by kind.index */
};

static void profile_clear(struct profile *p)
{
	kvp__free(p->aliases);
	p->aliases = NULL;
	p->n_aliases = 0;
}

static void profiles_free(struct profile *profiles, size_t count)
{
	for (size_t i = 0; i < count; i++)
		profile_clear(&profiles[i]);
	kvp__free(profiles);
}

static void list_clear(struct profile_list *list)
{
	profiles_free(list->profiles, list->count);
	kvp__free(list->items);
	memset(list, 0, sizeof *list);
}

/* ---- reporting ------------------------------------------------------- */

/* One file being parsed: where it is, what it has given so far. */
struct parse {
	const struct kind *kind;
	const char *path;
	yaml_document_t *doc;
	struct profile *out;
	kvp_error *err;
	bool given[FIELDS_MAX];
	yaml_mark_t key_mark[FIELDS_MAX]; /* where each given field's key is */
};

static kvp_status fail_at(const struct parse *ps, kvp_status status,
                          yaml_mark_t mark, const char *fmt, ...)
	KVP_PRINTF(4, 5);

static kvp_status fail_at(const struct parse *ps, kvp_status status,
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

static const char *node_kind(const yaml_node_t *node)
{
	switch (node->type) {
	case YAML_SEQUENCE_NODE:
		return "a sequence";
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SCALAR_NODE:
		return node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE
		       ? "a plain scalar" : "a quoted string";
	default:
		return "nothing";
	}
}

/* libyaml's own diagnosis of text that is not YAML. */
static kvp_status yaml_failure(const yaml_parser_t *parser, const char *path,
                               const unsigned char *text, size_t length,
                               kvp_error *err)
{
	const char *problem = parser->problem ? parser->problem : "invalid YAML";

	/* libyaml's loader fails without setting an error when copying a
	 * node's default tag runs out of memory, so no error means that. */
	if (parser->error == YAML_MEMORY_ERROR || parser->error == YAML_NO_ERROR)
		return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
	if (parser->error == YAML_READER_ERROR) {
		/* Reader errors (bad encoding) carry a byte offset, not a mark;
		 * the column is counted in bytes. */
		unsigned long line = 1, column = 1;

		for (size_t i = 0; i < parser->problem_offset && i < length; i++) {
			column++;
			if (text[i] == '\n') {
				line++;
				column = 1;
			}
		}
		return kvp__error_at(err, KVP_ERR_PARSE, path, line, column, "%s",
		                     problem);
	}
	if (parser->context)
		return kvp__error_at(err, KVP_ERR_PARSE, path,
		                     parser->problem_mark.line + 1,
		                     parser->problem_mark.column + 1,
		                     "%s (%s at line %lu, column %lu)", problem,
		                     parser->context,
		                     (unsigned long)parser->context_mark.line + 1,
		                     (unsigned long)parser->context_mark.column + 1);
	return kvp__error_at(err, KVP_ERR_PARSE, path,
	                     parser->problem_mark.line + 1,
	                     parser->problem_mark.column + 1, "%s", problem);
}

/* ---- numbers --------------------------------------------------------- */

/* A decimal as written: digits * 10^scale. */
struct decimal {
	uint64_t digits;
	long scale;
	bool lost;     /* a non-zero digit did not fit in 64 bits */
	bool inexact;  /* written with a point or an exponent */
};

/* Exponents beyond this are out of any range we read; capping keeps the
 * arithmetic on scale from overflowing. */
#define EXPONENT_MAX 100000L

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Reads [0-9]+(.[0-9]+)?([eE][+-]?[0-9]+)? from s by hand rather than with
 * strtod, whose decimal point follows the caller's locale.  Returns the
 * first character after it, or NULL when s does not start with one. */
static const char *scan_decimal(const char *s, struct decimal *d)
{
	bool fraction = false;
	long exponent = 0;
	bool exponent_negative = false;
	uint64_t next;

	memset(d, 0, sizeof *d);
	if (!is_digit(*s))
		return NULL;
	for (;; s++) {
		if (*s == '.' && !fraction && is_digit(s[1])) {
			fraction = true;
			d->inexact = true;
			continue;
		}
		if (!is_digit(*s))
			break;
		if (kvp__mul(d->digits, 10, &next) &&
		    kvp__add(next, (uint64_t)(*s - '0'), &next)) {
			d->digits = next;
			if (fraction)
				d->scale--;
		} else {
			/* Past 64 bits: keep the magnitude, note lost precision. */
			if (*s != '0')
				d->lost = true;
			if (!fraction)
				d->scale++;
		}
	}
	if ((*s == 'e' || *s == 'E') &&
	    (is_digit(s[1]) ||
	     ((s[1] == '+' || s[1] == '-') && is_digit(s[2])))) {
		s++;
		d->inexact = true;
		if (*s == '+' || *s == '-')
			exponent_negative = *s++ == '-';
		for (; is_digit(*s); s++)
			if (exponent < EXPONENT_MAX)
				exponent = exponent * 10 + (*s - '0');
		d->scale += exponent_negative ? -exponent : exponent;
	}
	return s;
}

/* The whole number d * unit stands for, exactly.  KVP_ERR_OVERFLOW when it
 * does not fit in 64 bits, KVP_ERR_RANGE when it is not whole. */
static kvp_status decimal_to_u64(struct decimal d, uint64_t unit,
                                 uint64_t *out)
{
	uint64_t value;

	if (d.lost)
		return KVP_ERR_OVERFLOW;
	if (d.digits == 0) {
		*out = 0;
		return KVP_OK;
	}
	while (d.scale < 0 && d.digits % 10 == 0) {
		d.digits /= 10;
		d.scale++;
	}
	value = d.digits;
	for (; d.scale > 0; d.scale--)
		if (!kvp__mul(value, 10, &value))
			return KVP_ERR_OVERFLOW;
	if (!kvp__mul(value, unit, &value))
		return KVP_ERR_OVERFLOW;
	for (; d.scale < 0; d.scale++) {
		if (value % 10 != 0)
			return KVP_ERR_RANGE;
		value /= 10;
	}
	*out = value;
	return KVP_OK;
}

/* The double nearest d: correctly rounded while digits < 2^53 and
 * |scale| <= 22, since both operands are then exact and one IEEE operation
 * rounds once; beyond that within a few ulps, plenty for these fields. */
static double decimal_to_double(struct decimal d)
{
	if (d.scale < 0)
		return (double)d.digits / pow(10, (double)-d.scale);
	return (double)d.digits * pow(10, (double)d.scale);
}

static const struct unit {
	const char *name;
	uint64_t bytes;
} units[] = {
	{"B", 1},
	{"KiB", UINT64_C(1) << 10},
	{"MiB", UINT64_C(1) << 20},
	{"GiB", UINT64_C(1) << 30},
	{"TiB", UINT64_C(1) << 40},
	{"KB", UINT64_C(1000)},
	{"MB", UINT64_C(1000000)},
	{"GB", UINT64_C(1000000000)},
	{"TB", UINT64_C(1000000000000)},
};

static const char *const type_wanted[] = {
	[FIELD_NAME] = "a name",
	[FIELD_TEXT] = "a string",
	[FIELD_ALIASES] = "a sequence of names",
	[FIELD_U32] = "an integer",
	[FIELD_U64] = "an integer",
	[FIELD_COUNT] = "an integer",
	[FIELD_BYTES] = "a size in bytes",
	[FIELD_REAL] = "a number",
};

/* Parses the number of a numeric field and stores it in the profile. */
static kvp_status parse_number(struct parse *ps, const struct field *f,
                               const yaml_node_t *node, const char *text)
{
	void *slot = (char *)&ps->out->u + f->offset;
	const char *wanted = type_wanted[f->type];
	yaml_mark_t at = node->start_mark;
	struct decimal d;
	const char *end;
	uint64_t unit = 1;
	uint64_t value;
	kvp_status status;

	if (text[0] == '-' && scan_decimal(text + 1, &d))
		return fail_at(ps, KVP_ERR_PARSE, at, "field '%s': '%.*s' is negative",
		               f->key, QUOTE_MAX, text);
	end = scan_decimal(text, &d);
	if (!end)
		return fail_at(ps, KVP_ERR_PARSE, at,
		               "field '%s': '%.*s' is not %s", f->key, QUOTE_MAX,
		               text, wanted);
	if (f->type == FIELD_BYTES) {
		const char *unit_name = end;

		while (*unit_name == ' ')
			unit_name++;
		if (*unit_name) {
			size_t i;

			for (i = 0; i < sizeof units / sizeof units[0]; i++)
				if (strcmp(unit_name, units[i].name) == 0)
					break;
			if (i == sizeof units / sizeof units[0])
				return fail_at(ps, KVP_ERR_PARSE, at,
				               "field '%s': unknown unit '%.*s' (use B, "
				               "KiB, MiB, GiB, TiB, KB, MB, GB or TB)",
				               f->key, QUOTE_MAX, unit_name);
			unit = units[i].bytes;
			end = unit_name + strlen(unit_name);
		}
	}
	if (*end || ((f->type == FIELD_U32 || f->type == FIELD_U64) && d.inexact))
		return fail_at(ps, KVP_ERR_PARSE, at,
		               "field '%s': '%.*s' is not %s", f->key, QUOTE_MAX,
		               text, wanted);
	if (f->type == FIELD_REAL) {
		double real = decimal_to_double(d);

		if (!isfinite(real))
			return fail_at(ps, KVP_ERR_RANGE, at,
			               "field '%s': '%.*s' is out of range", f->key,
			               QUOTE_MAX, text);
		memcpy(slot, &real, sizeof real);
		return KVP_OK;
	}
	status = decimal_to_u64(d, unit, &value);
	if (status == KVP_ERR_OVERFLOW)
		return fail_at(ps, status, at,
		               "field '%s': '%.*s' does not fit in 64 bits", f->key,
		               QUOTE_MAX, text);
	if (status != KVP_OK)
		return fail_at(ps, KVP_ERR_PARSE, at,
		               "field '%s': '%.*s' is not a whole number%s", f->key,
		               QUOTE_MAX, text, f->type == FIELD_BYTES ? " of bytes" : "");
	if (f->type == FIELD_U32) {
		uint32_t narrow = (uint32_t)value;

		if (value > UINT32_MAX)
			return fail_at(ps, KVP_ERR_RANGE, at,
			               "field '%s': '%.*s' is out of range (at most %lu)",
			               f->key, QUOTE_MAX, text, (unsigned long)UINT32_MAX);
		memcpy(slot, &narrow, sizeof narrow);
	} else {
		memcpy(slot, &value, sizeof value);
	}
	return KVP_OK;
}

/* ---- names ----------------------------------------------------------- */

/* A name usable as a file stem: non-empty, no '/', fits KVP_NAME_MAX. */
static bool valid_name(const char *name)
{
	size_t len;

	if (!name)
		return false;
	len = strlen(name);
	return len > 0 && len < KVP_NAME_MAX && !strchr(name, '/');
}

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

/* The text of a scalar, or NULL (after an error) when it holds a NUL byte,
 * which would silently cut it short. */
static const char *scalar_text(struct parse *ps, const char *key,
                               const yaml_node_t *node)
{
	const char *text = (const char *)node->data.scalar.value;

	if (strlen(text) != node->data.scalar.length) {
		fail_at(ps, KVP_ERR_PARSE, node->start_mark,
		        "field '%s': contains a NUL byte", key);
		return NULL;
	}
	return text;
}

static kvp_status parse_name(struct parse *ps, const struct field *f,
                             const yaml_node_t *node, const char *text)
{
	const char *stem;
	size_t stem_len;

	if (strlen(text) >= KVP_NAME_MAX)
		return fail_at(ps, KVP_ERR_PARSE, node->start_mark,
		               "field 'name': '%.*s...' is longer than %d bytes",
		               QUOTE_MAX, text, KVP_NAME_MAX - 1);
	path_stem(ps->path, &stem, &stem_len);
	if (strlen(text) != stem_len || memcmp(text, stem, stem_len) != 0)
		return fail_at(ps, KVP_ERR_PARSE, node->start_mark,
		               "field 'name': '%s' does not match the file name "
		               "(expected '%.*s')", text, (int)stem_len, stem);
	strcpy((char *)&ps->out->u + f->offset, text);
	strcpy(ps->out->name, text);
	ps->out->name_line = node->start_mark.line + 1;
	ps->out->name_column = node->start_mark.column + 1;
	return KVP_OK;
}

static kvp_status parse_aliases(struct parse *ps, const struct field *f,
                                const yaml_node_t *node)
{
	const yaml_node_item_t *first = node->data.sequence.items.start;
	size_t count = (size_t)(node->data.sequence.items.top - first);
	struct alias *aliases;

	if (count == 0)
		return KVP_OK;
	aliases = kvp__calloc(count, sizeof *aliases);
	if (!aliases)
		return kvp__error(ps->err, KVP_ERR_NOMEM, "out of memory");
	ps->out->aliases = aliases;
	for (size_t i = 0; i < count; i++) {
		yaml_node_t *item = yaml_document_get_node(ps->doc, first[i]);
		const char *text;

		if (item->type != YAML_SCALAR_NODE)
			return fail_at(ps, KVP_ERR_PARSE, item->start_mark,
			               "field '%s': expected a name, got %s", f->key,
			               node_kind(item));
		text = scalar_text(ps, f->key, item);
		if (!text)
			return KVP_ERR_PARSE;
		if (!valid_name(text))
			return fail_at(ps, KVP_ERR_PARSE, item->start_mark,
			               "field '%s': '%.*s' is not a valid name (1 to %d "
			               "bytes, no '/')", f->key, QUOTE_MAX, text,
			               KVP_NAME_MAX - 1);
		strcpy(aliases[i].name, text);
		aliases[i].line = item->start_mark.line + 1;
		aliases[i].column = item->start_mark.column + 1;
		ps->out->n_aliases = i + 1;
	}
	return KVP_OK;
}

/* ---- one file -------------------------------------------------------- */

static kvp_status parse_value(struct parse *ps, const struct field *f,
                              const yaml_node_t *value)
{
	const char *text;

	if (f->type == FIELD_ALIASES) {
		if (value->type != YAML_SEQUENCE_NODE)
			return fail_at(ps, KVP_ERR_PARSE, value->start_mark,
			               "field '%s': expected %s, got %s", f->key,
			               type_wanted[f->type], node_kind(value));
		return parse_aliases(ps, f, value);
	}
	if (value->type != YAML_SCALAR_NODE ||
	    (f->type != FIELD_NAME && f->type != FIELD_TEXT &&
	     value->data.scalar.style != YAML_PLAIN_SCALAR_STYLE))
		return fail_at(ps, KVP_ERR_PARSE, value->start_mark,
		               "field '%s': expected %s, got %s", f->key,
		               type_wanted[f->type], node_kind(value));
	if (value->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
	    value->data.scalar.length == 0)
		return fail_at(ps, KVP_ERR_PARSE, value->start_mark,
		               "field '%s': no value given", f->key);
	text = scalar_text(ps, f->key, value);
	if (!text)
		return KVP_ERR_PARSE;
	switch (f->type) {
	case FIELD_NAME:
		return parse_name(ps, f, value, text);
	case FIELD_TEXT:
		if (strlen(text) >= KVP_DESCRIPTION_MAX)
			return fail_at(ps, KVP_ERR_PARSE, value->start_mark,
			               "field '%s': longer than %d bytes", f->key,
			               KVP_DESCRIPTION_MAX - 1);
		strcpy((char *)&ps->out->u + f->offset, text);
		return KVP_OK;
	default:
		return parse_number(ps, f, value, text);
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

static kvp_status unknown_field(struct parse *ps, const yaml_node_t *key_node,
                                const char *key)
{
	const char *closest = closest_field(ps->kind, key);
	char known[KVP_ERROR_MESSAGE_MAX] = "";
	size_t used = 0;

	if (closest)
		return fail_at(ps, KVP_ERR_PARSE, key_node->start_mark,
		               "unknown field '%.*s' (did you mean '%s'?)",
		               QUOTE_MAX, key, closest);
	for (size_t i = 0; i < ps->kind->n_fields && used < sizeof known; i++) {
		int n = snprintf(known + used, sizeof known - used, "%s%s",
		                 i ? ", " : "", ps->kind->fields[i].key);
		if (n < 0)
			break;
		used += (size_t)n;
	}
	return fail_at(ps, KVP_ERR_PARSE, key_node->start_mark,
	               "unknown field '%.*s' (%s fields: %s)", QUOTE_MAX, key,
	               ps->kind->noun, known);
}

static kvp_status parse_pair(struct parse *ps, const yaml_node_pair_t *pair)
{
	yaml_node_t *key_node = yaml_document_get_node(ps->doc, pair->key);
	yaml_node_t *value = yaml_document_get_node(ps->doc, pair->value);
	const struct kind *kind = ps->kind;
	const char *key;
	size_t i;

	if (key_node->type != YAML_SCALAR_NODE ||
	    key_node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return fail_at(ps, KVP_ERR_PARSE, key_node->start_mark,
		               "expected a plain field name, got %s",
		               node_kind(key_node));
	key = (const char *)key_node->data.scalar.value;
	for (i = 0; i < kind->n_fields; i++)
		if (strcmp(key, kind->fields[i].key) == 0)
			break;
	if (i == kind->n_fields)
		return unknown_field(ps, key_node, key);
	if (ps->given[i])
		return fail_at(ps, KVP_ERR_DUPLICATE, key_node->start_mark,
		               "duplicate field '%s' (first given at line %lu, "
		               "column %lu)", key,
		               (unsigned long)ps->key_mark[i].line + 1,
		               (unsigned long)ps->key_mark[i].column + 1);
	ps->given[i] = true;
	ps->key_mark[i] = key_node->start_mark;
	return parse_value(ps, &kind->fields[i], value);
}

/* Whether p claims s: 1 as its name, 2 as one of its first n_aliases
 * aliases, 0 not at all. */
static int claims(const struct profile *p, size_t n_aliases, const char *s)
{
	if (strcmp(p->name, s) == 0)
		return 1;
	for (size_t i = 0; i < n_aliases; i++)
		if (strcmp(p->aliases[i].name, s) == 0)
			return 2;
	return 0;
}

/* Reports that claim j of p (0: its name, j: alias j - 1) is already
 * claimed by owner, how as claims() says. */
static kvp_status claim_taken(const struct kind *kind, const char *path,
                              const struct profile *p, size_t j,
                              const struct profile *owner, int how,
                              kvp_error *err)
{
	return kvp__error_at(err, KVP_ERR_DUPLICATE, path,
	                     j ? p->aliases[j - 1].line : p->name_line,
	                     j ? p->aliases[j - 1].column : p->name_column,
	                     "%s '%s' is already %s of %s '%s'",
	                     j ? "alias" : "name",
	                     j ? p->aliases[j - 1].name : p->name,
	                     how == 1 ? "the name" : "an alias", kind->noun,
	                     owner->name);
}

/* Required fields, aliases that repeat the name or each other, then the
 * kind's own check, reported at the field the check blames. */
static kvp_status check_profile(struct parse *ps, const yaml_node_t *root)
{
	const struct kind *kind = ps->kind;
	char one_of[KVP_ERROR_MESSAGE_MAX] = "";
	size_t used = 0;
	bool have_one_of = false;
	kvp_error check_err;
	const char *culprit;
	yaml_mark_t at = root->start_mark;

	for (size_t i = 0; i < kind->n_fields; i++) {
		const struct field *f = &kind->fields[i];

		if (f->need == FIELD_REQUIRED && !ps->given[i])
			return fail_at(ps, KVP_ERR_PARSE, at, "missing field '%s'",
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
		return fail_at(ps, KVP_ERR_PARSE, at, "missing field %s", one_of);
	for (size_t j = 1; j <= ps->out->n_aliases; j++) {
		int how = claims(ps->out, j - 1, ps->out->aliases[j - 1].name);

		if (how)
			return claim_taken(kind, ps->path, ps->out, j, ps->out, how,
			                   ps->err);
	}
	if (kind->check(&ps->out->u, &check_err) == KVP_OK)
		return KVP_OK;
	culprit = kind->culprit(&ps->out->u);
	for (size_t i = 0; culprit && i < kind->n_fields; i++)
		if (ps->given[i] && strcmp(kind->fields[i].key, culprit) == 0)
			at = ps->key_mark[i];
	return fail_at(ps, kind->check_status, at, "%s", check_err.message);
}

static kvp_status parse_document(struct parse *ps)
{
	yaml_node_t *root = yaml_document_get_root_node(ps->doc);
	kvp_status status;

	if (!root)
		return kvp__error_at(ps->err, KVP_ERR_PARSE, ps->path, 1, 1,
		                     "empty file (expected a mapping of %s fields)",
		                     ps->kind->noun);
	if (root->type != YAML_MAPPING_NODE)
		return fail_at(ps, KVP_ERR_PARSE, root->start_mark,
		               "expected a mapping of %s fields, got %s",
		               ps->kind->noun, node_kind(root));
	for (yaml_node_pair_t *pair = root->data.mapping.pairs.start;
	     pair < root->data.mapping.pairs.top; pair++) {
		status = parse_pair(ps, pair);
		if (status != KVP_OK)
			return status;
	}
	return check_profile(ps, root);
}

/* A profile file holds exactly one document. */
static kvp_status expect_end(yaml_parser_t *parser, const char *path,
                             const unsigned char *text, size_t length,
                             kvp_error *err)
{
	yaml_document_t next;
	yaml_node_t *root;
	kvp_status status = KVP_OK;

	if (!yaml_parser_load(parser, &next))
		return yaml_failure(parser, path, text, length, err);
	root = yaml_document_get_root_node(&next);
	if (root)
		status = kvp__error_at(err, KVP_ERR_PARSE, path,
		                       next.start_mark.line + 1,
		                       next.start_mark.column + 1,
		                       "a second YAML document (a profile file "
		                       "holds one)");
	yaml_document_delete(&next);
	return status;
}

/* Parses text (the contents of path) into out.  On failure out holds
 * nothing to free. */
static kvp_status parse_profile(const struct kind *kind, const char *path,
                                const unsigned char *text, size_t length,
                                struct profile *out, kvp_error *err)
{
	struct parse ps = {.kind = kind, .path = path, .out = out, .err = err};
	yaml_parser_t parser;
	yaml_document_t doc;
	kvp_status status;

	memset(out, 0, sizeof *out);
	if (!yaml_parser_initialize(&parser))
		return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
	yaml_parser_set_input_string(&parser, text, length);
	if (!yaml_parser_load(&parser, &doc)) {
		status = yaml_failure(&parser, path, text, length, err);
		yaml_parser_delete(&parser);
		return status;
	}
	ps.doc = &doc;
	status = parse_document(&ps);
	if (status == KVP_OK)
		status = expect_end(&parser, path, text, length, err);
	yaml_document_delete(&doc);
	yaml_parser_delete(&parser);
	if (status != KVP_OK)
		profile_clear(out);
	return status;
}

static kvp_status errno_status(int error)
{
	return error == ENOMEM ? KVP_ERR_NOMEM : KVP_ERR_IO;
}

/* Reads a whole file into a kvp__malloc'd buffer.  A file that does not
 * exist is KVP_ERR_NOT_FOUND; with quiet_absent set that sets no message,
 * since the caller goes on to the next directory. */
static kvp_status read_file(const char *path, bool quiet_absent,
                            unsigned char **text, size_t *length,
                            kvp_error *err)
{
	struct stat st;
	unsigned char *buf;
	size_t got = 0;
	int fd;
	int error;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		error = errno;
		if (error == ENOENT || error == ENOTDIR) {
			if (quiet_absent)
				return KVP_ERR_NOT_FOUND;
			return kvp__error_at(err, KVP_ERR_NOT_FOUND, path, 0, 0, "%s",
			                     strerror(error));
		}
		return kvp__error_at(err, errno_status(error), path, 0, 0, "%s",
		                     strerror(error));
	}
	if (fstat(fd, &st) != 0) {
		error = errno;
		close(fd);
		return kvp__error_at(err, errno_status(error), path, 0, 0, "%s",
		                     strerror(error));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return kvp__error_at(err, KVP_ERR_IO, path, 0, 0,
		                     "not a regular file");
	}
	if (st.st_size > PROFILE_BYTES_MAX) {
		close(fd);
		return kvp__error_at(err, KVP_ERR_IO, path, 0, 0,
		                     "larger than %d bytes: not a profile",
		                     PROFILE_BYTES_MAX);
	}
	buf = kvp__malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			error = errno;
			close(fd);
			kvp__free(buf);
			return kvp__error_at(err, errno_status(error), path, 0, 0,
			                     "%s", strerror(error));
		}
		if (n == 0)
			break; /* shrank while we read: parse what is there */
		got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	*text = buf;
	*length = got;
	return KVP_OK;
}

/* Reads and parses one profile file.  quiet_absent as for read_file. */
static kvp_status load_profile(const struct kind *kind, const char *path,
                               bool quiet_absent, struct profile *out,
                               kvp_error *err)
{
	unsigned char *text = NULL;
	size_t length = 0;
	kvp_status status;

	status = read_file(path, quiet_absent, &text, &length, err);
	if (status != KVP_OK)
		return status;
	status = parse_profile(kind, path, text, length, out, err);
	kvp__free(text);
	return status;
}

static kvp_status load_file(const struct kind *kind, const char *path,
                            void *out, kvp_error *err)
{
	struct profile profile;
	kvp_status status;

	if (!path || !out)
		return kvp__error(err, KVP_ERR_INVALID, "no path or output given");
	status = load_profile(kind, path, false, &profile, err);
	if (status != KVP_OK)
		return status;
	memcpy(out, &profile.u, kind->size);
	profile_clear(&profile);
	return kvp__error_clear(err);
}

kvp_status kvp_model_load_file(const char *path, kvp_model *out,
                               kvp_error *err)
{
	return load_file(&model_kind, path, out, err);
}

kvp_status kvp_device_load_file(const char *path, kvp_device *out,
                                kvp_error *err)
{
	return load_file(&device_kind, path, out, err);
}

/* ---- opening --------------------------------------------------------- */

const char *kvp_catalog_system_dir(void)
{
	return KVP_PKGDATADIR;
}

static kvp_status build_path(char *buf, size_t size, kvp_error *err,
                             const char *fmt, ...) KVP_PRINTF(4, 5);

static kvp_status build_path(char *buf, size_t size, kvp_error *err,
                             const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size)
		return kvp__error(err, KVP_ERR_IO, "path too long: %.*s...",
		                  QUOTE_MAX, buf);
	return KVP_OK;
}

/* Appends dir[0..len) to the search path; when check is set it must be an
 * existing directory.  origin says where it came from, for the message. */
static kvp_status catalog_add_dir(kvp_catalog *cat, const char *dir,
                                  size_t len, bool check, const char *origin,
                                  kvp_error *err)
{
	char *copy;
	struct stat st;

	/* "data/" and "data" are the same directory; keep paths tidy. */
	while (len > 1 && dir[len - 1] == '/')
		len--;
	if (cat->n_dirs == cat->dirs_capacity) {
		size_t capacity = cat->dirs_capacity ? 2 * cat->dirs_capacity : 4;
		char **dirs = kvp__realloc(cat->dirs, capacity * sizeof *dirs);

		if (!dirs)
			return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
		cat->dirs = dirs;
		cat->dirs_capacity = capacity;
	}
	copy = kvp__malloc(len + 1);
	if (!copy)
		return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
	memcpy(copy, dir, len);
	copy[len] = '\0';
	if (check) {
		int error = 0;

		if (stat(copy, &st) != 0)
			error = errno;
		else if (!S_ISDIR(st.st_mode))
			error = ENOTDIR;
		if (error) {
			kvp_status status = kvp__error(err, errno_status(error),
			                               "data directory '%s'%s: %s",
			                               copy, origin, strerror(error));
			kvp__free(copy);
			return status;
		}
	}
	cat->dirs[cat->n_dirs++] = copy;
	return KVP_OK;
}

/* Starts a catalogue over the checked directories dirs[0..n_dirs). */
static kvp_status catalog_new(kvp_catalog **out, const char *const *dirs,
                              size_t n_dirs, kvp_error *err)
{
	kvp_catalog *cat;
	kvp_status status = KVP_OK;

	if (!out)
		return kvp__error(err, KVP_ERR_INVALID, "no catalogue pointer given");
	*out = NULL;
	if (n_dirs > 0 && !dirs)
		return kvp__error(err, KVP_ERR_INVALID, "no directories given");
	cat = kvp__calloc(1, sizeof *cat);
	if (!cat)
		return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n_dirs && status == KVP_OK; i++)
		status = dirs[i]
		         ? catalog_add_dir(cat, dirs[i], strlen(dirs[i]), true, "", err)
		         : kvp__error(err, KVP_ERR_INVALID, "directory %zu is NULL", i);
	if (status != KVP_OK) {
		kvp_catalog_free(&cat);
		return status;
	}
	*out = cat;
	return KVP_OK;
}

kvp_status kvp_catalog_open(kvp_catalog **out, const char *const *dirs,
                            size_t n_dirs, kvp_error *err)
{
	kvp_status status = catalog_new(out, dirs, n_dirs, err);

	return status == KVP_OK ? kvp__error_clear(err) : status;
}

kvp_status kvp_catalog_open_default(kvp_catalog **out,
                                    const char *const *user_dirs,
                                    size_t n_user_dirs,
                                    const char *system_dir, kvp_error *err)
{
	const char *env = getenv("KVPLAN_DATA_PATH");
	kvp_catalog *cat;
	kvp_status status;

	status = catalog_new(out, user_dirs, n_user_dirs, err);
	if (status != KVP_OK)
		return status;
	cat = *out;
	while (env && *env && status == KVP_OK) {
		size_t len = strcspn(env, ":");

		if (len > 0)
			status = catalog_add_dir(cat, env, len, true,
			                         " (from KVPLAN_DATA_PATH)", err);
		env += len + (env[len] == ':');
	}
	/* The installed directory may be missing (an uninstalled build):
	 * lookups then find nothing there, which is not an error. */
	if (status == KVP_OK) {
		const char *dir = system_dir ? system_dir : kvp_catalog_system_dir();

		if (dir[0])
			status = catalog_add_dir(cat, dir, strlen(dir), false, "", err);
	}
	if (status != KVP_OK) {
		kvp_catalog_free(out);
		return status;
	}
	return kvp__error_clear(err);
}

void kvp_catalog_free(kvp_catalog **catalog)
{
	kvp_catalog *cat;

	if (!catalog || !*catalog)
		return;
	cat = *catalog;
	for (size_t i = 0; i < cat->n_dirs; i++)
		kvp__free(cat->dirs[i]);
	kvp__free(cat->dirs);
	list_clear(&cat->lists[0]);
	list_clear(&cat->lists[1]);
	kvp__free(cat);
	*catalog = NULL;
}

size_t kvp_catalog_dir_count(const kvp_catalog *catalog)
{
	return catalog ? catalog->n_dirs : 0;
}

const char *kvp_catalog_dir(const kvp_catalog *catalog, size_t index)
{
	if (!catalog || index >= catalog->n_dirs)
		return NULL;
	return catalog->dirs[index];
}

/* ---- listing --------------------------------------------------------- */

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int compare_profiles(const void *a, const void *b)
{
	return strcmp(((const struct profile *)a)->name,
	              ((const struct profile *)b)->name);
}

static void names_free(char **names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		kvp__free(names[i]);
	kvp__free(names);
}

/* The *.yaml file names in dir, sorted.  A missing directory has none. */
static kvp_status list_yaml_files(const char *dir, char ***out, size_t *count,
                                  kvp_error *err)
{
	char **names = NULL;
	size_t n = 0, capacity = 0;
	struct dirent *entry;
	DIR *stream;
	int error;

	*out = NULL;
	*count = 0;
	stream = opendir(dir);
	if (!stream) {
		error = errno;
		if (error == ENOENT || error == ENOTDIR)
			return KVP_OK;
		return kvp__error_at(err, errno_status(error), dir, 0, 0, "%s",
		                     strerror(error));
	}
	for (;;) {
		size_t len;

		errno = 0;
		entry = readdir(stream);
		if (!entry)
			break;
		len = strlen(entry->d_name);
		/* Hidden files are editor and VCS leftovers, not profiles. */
		if (entry->d_name[0] == '.' || len <= 5 ||
		    strcmp(entry->d_name + len - 5, ".yaml") != 0)
			continue;
		if (n == capacity) {
			size_t grown = capacity ? 2 * capacity : 32;
			char **bigger = kvp__realloc(names, grown * sizeof *names);

			if (!bigger)
				goto nomem;
			names = bigger;
			capacity = grown;
		}
		names[n] = kvp__strdup(entry->d_name);
		if (!names[n])
			goto nomem;
		n++;
	}
	error = errno;
	closedir(stream);
	if (error) {
		names_free(names, n);
		return kvp__error_at(err, errno_status(error), dir, 0, 0, "%s",
		                     strerror(error));
	}
	if (n > 1)
		qsort(names, n, sizeof *names, compare_strings);
	*out = names;
	*count = n;
	return KVP_OK;
nomem:
	closedir(stream);
	names_free(names, n);
	return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
}

/* Fails when p's name or an alias is already claimed by one of the
 * earlier files of its directory (sorted by file name).  Clashes within p
 * were caught when it was parsed. */
static kvp_status check_claims(const struct kind *kind, const char *path,
                               const struct profile *p,
                               const struct profile *earlier, size_t n_earlier,
                               kvp_error *err)
{
	for (size_t j = 0; j <= p->n_aliases; j++) {
		const char *claim = j ? p->aliases[j - 1].name : p->name;

		for (size_t i = 0; i < n_earlier; i++) {
			int how = claims(&earlier[i], earlier[i].n_aliases, claim);

			if (how)
				return claim_taken(kind, path, p, j, &earlier[i], how, err);
		}
	}
	return KVP_OK;
}

/* A growing array of profiles. */
struct profiles {
	struct profile *items;
	size_t count, capacity;
};

static kvp_status profiles_push(struct profiles *v, struct profile *p,
                                kvp_error *err)
{
	if (v->count == v->capacity) {
		size_t capacity = v->capacity ? 2 * v->capacity : 16;
		struct profile *items = kvp__realloc(v->items,
		                                     capacity * sizeof *items);

		if (!items)
			return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
		v->items = items;
		v->capacity = capacity;
	}
	v->items[v->count++] = *p;
	memset(p, 0, sizeof *p);
	return KVP_OK;
}

/* Reads every profile of one directory into here, checking that no two
 * claim the same name. */
static kvp_status load_dir(const kvp_catalog *cat, const struct kind *kind,
                           size_t dir_index, struct profiles *here,
                           kvp_error *err)
{
	char dir[PATH_MAX], path[PATH_MAX];
	char **files;
	size_t n_files;
	kvp_status status;

	status = build_path(dir, sizeof dir, err, "%s/%s", cat->dirs[dir_index],
	                    kind->subdir);
	if (status == KVP_OK)
		status = list_yaml_files(dir, &files, &n_files, err);
	if (status != KVP_OK)
		return status;
	for (size_t i = 0; i < n_files && status == KVP_OK; i++) {
		struct profile p;

		status = build_path(path, sizeof path, err, "%s/%s", dir, files[i]);
		if (status != KVP_OK)
			break;
		status = load_profile(kind, path, false, &p, err);
		if (status != KVP_OK)
			break;
		p.dir_index = dir_index;
		status = check_claims(kind, path, &p, here->items, here->count, err);
		if (status == KVP_OK)
			status = profiles_push(here, &p, err);
		profile_clear(&p);
	}
	names_free(files, n_files);
	return status;
}

/* Reads every profile of a kind, earlier directories hiding later profiles
 * of the same name, and keeps them sorted in the catalogue. */
static kvp_status load_list(kvp_catalog *cat, const struct kind *kind,
                            kvp_error *err)
{
	struct profile_list *list = &cat->lists[kind->index];
	struct profiles all = {0}, here = {0};
	kvp_status status = KVP_OK;

	if (list->loaded)
		return KVP_OK;
	for (size_t d = 0; d < cat->n_dirs && status == KVP_OK; d++) {
		size_t before = all.count;

		status = load_dir(cat, kind, d, &here, err);
		for (size_t i = 0; i < here.count && status == KVP_OK; i++) {
			bool hidden = false;

			for (size_t j = 0; j < before && !hidden; j++)
				hidden = strcmp(all.items[j].name, here.items[i].name) == 0;
			if (!hidden)
				status = profiles_push(&all, &here.items[i], err);
		}
		for (size_t i = 0; i < here.count; i++)
			profile_clear(&here.items[i]);
		here.count = 0;
	}
	kvp__free(here.items);
	if (status == KVP_OK && all.count > 0) {
		list->items = kvp__calloc(all.count, kind->size);
		if (!list->items)
			status = kvp__error(err, KVP_ERR_NOMEM, "out of memory");
	}
	if (status != KVP_OK) {
		profiles_free(all.items, all.count);
		return status;
	}
	if (all.count > 1)
		qsort(all.items, all.count, sizeof *all.items, compare_profiles);
	for (size_t i = 0; i < all.count; i++)
		memcpy((char *)list->items + i * kind->size, &all.items[i].u,
		       kind->size);
	list->profiles = all.items;
	list->count = all.count;
	list->loaded = true;
	return KVP_OK;
}

static kvp_status catalog_list(kvp_catalog *cat, const struct kind *kind,
                               const void **items, size_t *count,
                               kvp_error *err)
{
	kvp_status status;

	if (!cat || !items || !count)
		return kvp__error(err, KVP_ERR_INVALID, "no catalogue or output given");
	*items = NULL;
	*count = 0;
	status = load_list(cat, kind, err);
	if (status != KVP_OK)
		return status;
	*items = cat->lists[kind->index].items;
	*count = cat->lists[kind->index].count;
	return kvp__error_clear(err);
}

kvp_status kvp_catalog_models(kvp_catalog *catalog, const kvp_model **models,
                              size_t *count, kvp_error *err)
{
	const void *items = NULL;
	kvp_status status;

	status = catalog_list(catalog, &model_kind, models ? &items : NULL, count,
	                      err);
	if (models)
		*models = items;
	return status;
}

kvp_status kvp_catalog_devices(kvp_catalog *catalog,
                               const kvp_device **devices, size_t *count,
                               kvp_error *err)
{
	const void *items = NULL;
	kvp_status status;

	status = catalog_list(catalog, &device_kind, devices ? &items : NULL,
	                      count, err);
	if (devices)
		*devices = items;
	return status;
}

/* ---- lookup ---------------------------------------------------------- */

/* The profile an alias (or, failing that, a name or alias in another case)
 * stands for; the earliest directory wins. */
static const struct profile *find_alias(const struct profile_list *list,
                                        const char *name)
{
	const struct profile *found = NULL;

	for (size_t i = 0; i < list->count; i++) {
		const struct profile *p = &list->profiles[i];

		if (claims(p, p->n_aliases, name) == 2 &&
		    (!found || p->dir_index < found->dir_index))
			found = p;
	}
	if (found)
		return found;
	for (size_t i = 0; i < list->count; i++) {
		const struct profile *p = &list->profiles[i];
		bool match = strcasecmp(p->name, name) == 0;

		for (size_t a = 0; a < p->n_aliases && !match; a++)
			match = strcasecmp(p->aliases[a].name, name) == 0;
		if (match && (!found || p->dir_index < found->dir_index))
			found = p;
	}
	return found;
}

/* The few closest names, kept sorted by name. */
struct suggestions {
	size_t best;
	const char *names[SUGGESTIONS_MAX];
	size_t count;
};

static void suggest(struct suggestions *s, const char *name, size_t score)
{
	size_t i;

	if (score > s->best)
		return;
	if (score < s->best) {
		s->best = score;
		s->count = 0;
	}
	for (i = 0; i < s->count; i++) {
		int order = strcmp(name, s->names[i]);

		if (order == 0)
			return;
		if (order < 0)
			break;
	}
	if (i == SUGGESTIONS_MAX)
		return;
	if (s->count == SUGGESTIONS_MAX)
		s->count--;
	memmove(&s->names[i + 1], &s->names[i],
	        (s->count - i) * sizeof s->names[0]);
	s->names[i] = name;
	s->count++;
}

/* Offers every name and alias: by edit distance within a typo's reach, or
 * when none is that close, those that start with what was typed. */
static void collect_suggestions(const struct profile_list *list,
                                const char *name, struct suggestions *s)
{
	size_t len = strlen(name);
	size_t limit = len / 3 > 2 ? len / 3 : 2;

	s->best = SIZE_MAX;
	s->count = 0;
	for (int pass = 0; pass < 2 && s->count == 0; pass++) {
		for (size_t i = 0; i < list->count; i++) {
			const struct profile *p = &list->profiles[i];

			for (size_t a = 0; a <= p->n_aliases; a++) {
				const char *candidate = a ? p->aliases[a - 1].name : p->name;
				size_t score;

				if (pass == 0)
					score = kvp__edit_distance(name, candidate);
				else
					score = strncmp(candidate, name, len) == 0 ? 0 : SIZE_MAX;
				if (score <= limit)
					suggest(s, candidate, score);
			}
		}
	}
}

static kvp_status not_found(const struct kind *kind,
                            const struct profile_list *list, const char *name,
                            kvp_error *err)
{
	struct suggestions s;
	char hint[KVP_ERROR_MESSAGE_MAX];
	size_t used = 0;

	collect_suggestions(list, name, &s);
	if (s.count == 0)
		return kvp__error(err, KVP_ERR_NOT_FOUND,
		                  "unknown %s '%s' (known: %zu %s)", kind->noun, name,
		                  list->count, list->count == 1 ? kind->noun : kind->nouns);
	hint[0] = '\0';
	for (size_t i = 0; i < s.count; i++) {
		int n = snprintf(hint + used, sizeof hint - used, "%s%s",
		                 i ? ", " : "", s.names[i]);
		if (n < 0 || (size_t)n >= sizeof hint - used)
			break;
		used += (size_t)n;
	}
	return kvp__error(err, KVP_ERR_NOT_FOUND,
	                  "unknown %s '%s' (did you mean %s?)", kind->noun, name,
	                  hint);
}

/* Finds name: first as the file DIR/SUBDIR/NAME.yaml in the earliest
 * directory that has it (one small read), then among every profile's
 * aliases. */
static kvp_status catalog_find(kvp_catalog *cat, const struct kind *kind,
                               const char *name, void *out, kvp_error *err)
{
	char path[PATH_MAX];
	const struct profile *found;
	kvp_status status;

	if (!cat || !out)
		return kvp__error(err, KVP_ERR_INVALID, "no catalogue or output given");
	if (!valid_name(name))
		return kvp__error(err, KVP_ERR_INVALID,
		                  "invalid %s name '%.*s' (1 to %d bytes, no '/')",
		                  kind->noun, QUOTE_MAX, name ? name : "",
		                  KVP_NAME_MAX - 1);
	for (size_t d = 0; d < cat->n_dirs; d++) {
		struct profile p;

		status = build_path(path, sizeof path, err, "%s/%s/%s.yaml",
		                    cat->dirs[d], kind->subdir, name);
		if (status != KVP_OK)
			return status;
		status = load_profile(kind, path, true, &p, err);
		if (status == KVP_ERR_NOT_FOUND)
			continue;
		if (status != KVP_OK)
			return status;
		memcpy(out, &p.u, kind->size);
		profile_clear(&p);
		return kvp__error_clear(err);
	}
	status = load_list(cat, kind, err);
	if (status != KVP_OK)
		return status;
	found = find_alias(&cat->lists[kind->index], name);
	if (!found)
		return not_found(kind, &cat->lists[kind->index], name, err);
	memcpy(out, &found->u, kind->size);
	return kvp__error_clear(err);
}

kvp_status kvp_catalog_model(kvp_catalog *catalog, const char *name,
                             kvp_model *out, kvp_error *err)
{
	return catalog_find(catalog, &model_kind, name, out, err);
}

kvp_status kvp_catalog_device(kvp_catalog *catalog, const char *name,
                              kvp_device *out, kvp_error *err)
{
	return catalog_find(catalog, &device_kind, name, out, err);
}
