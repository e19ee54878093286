/*
 * hfutil.h — config.json text read in the unit tests of the config.json
 * reader, as "t/config.json" (kvp_config_parse).  Include it after
 * cmocka.h and kvplan.h.
 */
#ifndef KVPLAN_HFUTIL_H
#define KVPLAN_HFUTIL_H

#include <string.h>

/* json read into m and src, or the test failed with the library's message. */
static inline void expect_ok(const char *json, kvp_model *m, kvp_source *src)
{
	kvp_error err;

	if (kvp_config_parse(json, strlen(json), "t/config.json", m, src, &err) != KVP_OK)
		fail_msg("%s", err.message);
}

/* json refused with status and a message holding text, or the test failed. */
static inline void expect_error(const char *json, kvp_status status, const char *text)
{
	kvp_model m;
	kvp_source src;
	kvp_error err;

	assert_int_equal(kvp_config_parse(json, strlen(json), "t/config.json", &m, &src, &err),
	                 status);
	if (!strstr(err.message, text))
		fail_msg("'%s' lacks '%s'", err.message, text);
}

/* tests/configs/NAME/config.json, read, or the test failed. */
static inline kvp_model config_model(const char *name)
{
	char path[512];
	kvp_model m;
	kvp_source src;
	kvp_error err;

	snprintf(path, sizeof path, "%s/tests/configs/%s/config.json", KVP_TEST_SRCDIR, name);
	if (kvp_config_read(path, &m, &src, NULL, &err) != KVP_OK)
		fail_msg("%s: %s", name, err.message);
	return m;
}

/* m planned under engine for one sequence of seq tokens: fp16, an fp32
 * state (the request's defaults), or the test failed. */
static inline void plan_under(const kvp_model *m, kvp_engine engine, uint64_t seq,
                              kvp_plan *p)
{
	kvp_request r;
	kvp_error err;

	kvp_request_init(&r);
	r.engine = engine;
	r.seq = seq;
	if (kvp_plan_compute(m, &r, p, &err) != KVP_OK)
		fail_msg("%s", err.message);
}

/* a (a catalogue file) and b (its config.json) planned alike under each
 * of n engines at seq tokens: the same cache, groups, rotary tables,
 * attention copies and weights (their fields test_hfconfig's
 * test_catalogue_equal compares for every catalogue file). */
static inline void same_plans(const kvp_model *a, const kvp_model *b,
                              const kvp_engine *engines, size_t n, uint64_t seq)
{
	for (size_t e = 0; e < n; e++) {
		kvp_plan pa, pb;

		plan_under(a, engines[e], seq, &pa);
		plan_under(b, engines[e], seq, &pb);
		assert_int_equal(pa.cache_total_bytes, pb.cache_total_bytes);
		assert_int_equal(pa.group_count, pb.group_count);
		assert_int_equal(pa.rotary_bytes, pb.rotary_bytes);
		assert_int_equal(pa.attention_copy_bytes, pb.attention_copy_bytes);
		assert_int_equal(pa.weights_bytes, pb.weights_bytes);
	}
}

/* The cache of m for one sequence of seq tokens, no engine. */
static inline uint64_t cache_at(const kvp_model *m, uint64_t seq)
{
	kvp_plan p;

	plan_under(m, KVP_ENGINE_EXACT, seq, &p);
	return p.cache_total_bytes;
}

#endif
