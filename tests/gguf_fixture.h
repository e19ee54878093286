/*
 * gguf_fixture.h — what the GGUF reader's tests (tests/test_gguf*.c)
 * share: ggml's type ids, a file parsed that must succeed or fail with a
 * message, a source note, the planned cache, and the keys every test model
 * has.  Static inline functions, so a test that does not use one is not
 * warned.  Include after cmocka.h.
 */
#ifndef KVPLAN_GGUF_FIXTURE_H
#define KVPLAN_GGUF_FIXTURE_H

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ggufw.h"
#include "kvplan.h"

/* ggml type ids (ggml/include/ggml.h, enum ggml_type). */
enum {
	F32 = 0, F16 = 1, Q8_0 = 8, Q4_K = 12, Q6_K = 14, IQ4_XS = 23,
	BF16 = 30, MXFP4 = 39
};

/* ---- helpers ---------------------------------------------------------- */

typedef struct parsed {
	kvp_model model;
	kvp_source source;
	kvp_weights weights;
	kvp_error err;
	kvp_status status;
} parsed;

static inline void parse(const ggufw *w, parsed *p)
{
	memset(p, 0, sizeof *p);
	kvp_weights_init(&p->weights);
	p->status = kvp_gguf_parse(w->buf, w->len, "m.gguf", &p->model,
	                           &p->source, &p->weights, &p->err);
}

static inline void parse_ok(const ggufw *w, parsed *p)
{
	parse(w, p);
	if (p->status != KVP_OK)
		fail_msg("%s", p->err.message);
}

/* A malformed file: status, and a message that starts with prefix. */
static inline void parse_fails(ggufw *w, kvp_status status, const char *prefix)
{
	parsed p;

	parse(w, &p);
	assert_int_equal(p.status, status);
	assert_int_equal(p.err.status, status);
	assert_string_equal(p.err.path, "m.gguf");
	if (strncmp(p.err.message, prefix, strlen(prefix)) != 0)
		fail_msg("message '%s' does not start with '%s'", p.err.message,
		         prefix);
	ggufw_free(w);
}

static inline void note_is(const parsed *p, const char *field, kvp_origin origin,
                    const char *text)
{
	const kvp_source_note *n = kvp_source_find(&p->source, field);

	assert_non_null(n);
	assert_int_equal(n->origin, origin);
	assert_string_equal(n->text, text);
}

static inline uint64_t plan_bytes(const kvp_model *m, uint64_t seq)
{
	kvp_request r;
	kvp_plan plan;
	kvp_error err;

	kvp_request_init(&r);
	r.seq = seq;
	assert_int_equal(kvp_plan_compute(m, &r, &plan, &err), KVP_OK);
	return plan.cache_total_bytes;
}

/* Keys every test model has: architecture, layers, heads. */
static inline void base_keys(ggufw *w, const char *arch, uint32_t layers,
                      uint32_t hidden, uint32_t heads, uint32_t kv,
                      uint32_t head_dim)
{
	char key[96];

	ggufw_kv_str(w, "general.architecture", arch);
	snprintf(key, sizeof key, "%s.block_count", arch);
	ggufw_kv_uint(w, key, GGUFW_U32, layers);
	snprintf(key, sizeof key, "%s.embedding_length", arch);
	ggufw_kv_uint(w, key, GGUFW_U32, hidden);
	snprintf(key, sizeof key, "%s.attention.head_count", arch);
	ggufw_kv_uint(w, key, GGUFW_U32, heads);
	if (kv) {
		snprintf(key, sizeof key, "%s.attention.head_count_kv", arch);
		ggufw_kv_uint(w, key, GGUFW_U32, kv);
	}
	if (head_dim) {
		snprintf(key, sizeof key, "%s.attention.key_length", arch);
		ggufw_kv_uint(w, key, GGUFW_U32, head_dim);
		snprintf(key, sizeof key, "%s.attention.value_length", arch);
		ggufw_kv_uint(w, key, GGUFW_U32, head_dim);
	}
}

#endif
