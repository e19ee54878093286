/*
 * json.h — kvplan's streaming JSON writer: two-space indentation, keys in
 * the order written, exact unsigned 64-bit integers.
 */
#ifndef KVPLAN_JSON_H
#define KVPLAN_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "kvplan.h"

#define JSON_DEPTH_MAX 8

struct json_writer {
	FILE *out;
	int depth;                   /* containers open */
	bool first[JSON_DEPTH_MAX];  /* no value written yet at that depth */
	bool overflowed;             /* nested deeper than JSON_DEPTH_MAX */
};

void json_writer_init(struct json_writer *w, FILE *out);

/* key is the member name inside an object, NULL inside an array or for the
 * document itself.  The document ends with a line feed. */
void json_object_begin(struct json_writer *w, const char *key);
void json_object_end(struct json_writer *w);
void json_array_begin(struct json_writer *w, const char *key);
void json_array_end(struct json_writer *w);
void json_u64(struct json_writer *w, const char *key, uint64_t value);
void json_real(struct json_writer *w, const char *key, double value);
void json_bool(struct json_writer *w, const char *key, bool value);
void json_null(struct json_writer *w, const char *key);
void json_text(struct json_writer *w, const char *key, const char *value);

/* Whether the document is incomplete: a write failed, or containers were
 * left open or nested too deep. */
bool json_writer_failed(const struct json_writer *w);

/* 0 when a document went out whole, else one line on stderr and 2. */
int cli_json_done(const struct json_writer *w);
/* A model's identity and shape, under name_key. */
void cli_model_json(struct json_writer *w, const char *name_key, const kvp_model *m);

struct cli_plan;
/* The plan's "source": kind, path, family, each field's origin, and the
 * weights counted from a checkpoint (inputs.c). */
void cli_source_json(struct json_writer *w, const struct cli_plan *p);
/* The plan's "policy" (policy_out.c). */
void cli_policy_json(struct json_writer *w, const struct cli_plan *p);

#endif
