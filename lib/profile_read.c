/*
 * profile_read.c — reading one profile file: the file itself (a regular
 * file of bounded size), libyaml's events for it with nesting bounded, and
 * libyaml's own errors as path:line:column.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "profile.h"

/* A profile is a few hundred bytes; anything far larger is not one, and
 * reading it whole into memory would be a hazard. */
#define PROFILE_BYTES_MAX (1024 * 1024)

/* libyaml's own diagnosis of text that is not YAML. */
static kvp_status yaml_failure(const yaml_parser_t *parser, const char *path,
                               const unsigned char *text, size_t length,
                               kvp_error *err)
{
	const char *problem = parser->problem ? parser->problem : "invalid YAML";

	/* Treat a failure that sets no error as a failed allocation, the
	 * one cause libyaml has been seen to leave unreported. */
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

/* A profile nests two deep at most: its mapping, and a sequence (aliases,
 * layer_kv_heads) in it.  Deeper nesting is refused where it starts, without reading on.
 * That also keeps libyaml's scanner out of its quadratic case: it keeps a
 * possible simple key for every open flow collection and looks at them all
 * at each token, so a run of n '[' costs n^2 (160,000 of them took 46 s).
 * Refusing the third level as soon as its event comes is early enough,
 * since the scanner only reads ahead of the events while the next token
 * could still start a simple key, which ends within 1024 characters:
 * 1 MiB of '[', of '{' or of both is refused in a few milliseconds
 * (bench/bench_catalog), so no separate pass over the bytes is needed. */
#define NESTING_MAX 2

/* One event of a node: refused when it opens a collection too deep, read
 * into the profile while the first document has given no error (in
 * *profile_status).  Fails only on a nesting or allocation error. */
static kvp_status node_event(struct parse *ps, const yaml_event_t *event,
                             bool first_document, kvp_status *profile_status)
{
	int start = event->type == YAML_SEQUENCE_START_EVENT ||
	            event->type == YAML_MAPPING_START_EVENT;
	int end = event->type == YAML_SEQUENCE_END_EVENT ||
	          event->type == YAML_MAPPING_END_EVENT;

	if (start && ps->depth == NESTING_MAX)
		return kvp__fail_at(ps, KVP_ERR_PARSE, event->start_mark,
		                    "nested too deep: a profile is one mapping, with "
		                    "at most a sequence (aliases, layer_kv_heads) in it");
	if (first_document && *profile_status == KVP_OK)
		*profile_status = kvp__profile_event(ps, event);
	ps->depth += start - end;
	return *profile_status == KVP_ERR_NOMEM ? KVP_ERR_NOMEM : KVP_OK;
}

/* One event at a time, so that nesting is refused before libyaml builds
 * anything of it.  Errors of YAML itself come first wherever they are in
 * the first document, as when the document is read whole; then those of
 * the profile; then a second document. */
kvp_status kvp__parse_profile(const struct kind *kind, const char *path,
                              const unsigned char *text, size_t length,
                              struct profile *out, kvp_error *err)
{
	struct parse ps = {.kind = kind, .path = path, .out = out, .err = err};
	kvp_status status = KVP_OK, profile_status = KVP_OK;
	yaml_mark_t second = {0};
	yaml_parser_t parser;
	int documents = 0;
	bool done = false;

	memset(out, 0, sizeof *out);
	if (!yaml_parser_initialize(&parser))
		return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
	yaml_parser_set_input_string(&parser, text, length);
	while (!done && status == KVP_OK) {
		yaml_event_t event;

		if (!yaml_parser_parse(&parser, &event)) {
			status = yaml_failure(&parser, path, text, length, err);
			break;
		}
		switch (event.type) {
		case YAML_STREAM_START_EVENT:
			break;
		case YAML_DOCUMENT_START_EVENT:
			if (++documents == 2)
				second = event.start_mark;
			break;
		case YAML_DOCUMENT_END_EVENT:
			done = profile_status != KVP_OK || documents == 2;
			break;
		case YAML_STREAM_END_EVENT:
			done = true;
			break;
		default:
			status = node_event(&ps, &event, documents == 1,
			                    &profile_status);
			break;
		}
		yaml_event_delete(&event);
	}
	yaml_parser_delete(&parser);
	if (status == KVP_OK && documents == 0)
		status = kvp__error_at(err, KVP_ERR_PARSE, path, 1, 1,
		                       "empty file (expected a mapping of %s fields)",
		                       kind->noun);
	if (status == KVP_OK)
		status = profile_status;
	if (status == KVP_OK && documents == 2)
		status = kvp__fail_at(&ps, KVP_ERR_PARSE, second,
		                      "a second YAML document (a profile file "
		                      "holds one)");
	if (status != KVP_OK)
		kvp__profile_clear(out);
	return status;
}

kvp_status kvp__load_profile(const struct kind *kind, const char *path,
                             int *unreached, struct profile *out,
                             kvp_error *err)
{
	unsigned char *text = NULL;
	size_t length = 0;
	kvp_status status;

	status = kvp__read_file(path, unreached, PROFILE_BYTES_MAX, "profile",
	                        (char **)&text, &length, err);
	if (status != KVP_OK)
		return status;
	status = kvp__parse_profile(kind, path, text, length, out, err);
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
	status = kvp__load_profile(kind, path, NULL, &profile, err);
	if (status != KVP_OK)
		return status;
	memcpy(out, &profile.u, kind->size);
	kvp__profile_clear(&profile);
	return kvp__error_clear(err);
}

kvp_status kvp_model_load_file(const char *path, kvp_model *out,
                               kvp_error *err)
{
	return load_file(&kvp__model_kind, path, out, err);
}

kvp_status kvp_device_load_file(const char *path, kvp_device *out,
                                kvp_error *err)
{
	return load_file(&kvp__device_kind, path, out, err);
}
