/*
 * weights_fixture.h — what the weights tests share: a dense transformer
 * by its config.json numbers, a format by name, its estimate (each
 * failing the test where the library refuses), and an estimate held to a
 * published size within a relative bound.  Include after cmocka.h.
 */
#ifndef KVPLAN_WEIGHTS_FIXTURE_H
#define KVPLAN_WEIGHTS_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "kvplan.h"

/* A dense transformer by its config.json numbers; params as the
 * checkpoint has them: per layer q, k, v, o (with q/k/v biases when
 * qkv_bias), gate, up and down, two norms; embeddings, the head unless
 * tied, the final norm. */
static inline kvp_model dense(const char *name, uint32_t layers, uint32_t hidden,
                              uint32_t heads, uint32_t kv, uint32_t hd, uint64_t inter,
                              uint32_t vocab, bool tie, bool qkv_bias)
{
	kvp_model m;
	uint64_t layer;

	memset(&m, 0, sizeof m);
	snprintf(m.name, sizeof m.name, "%s", name);
	m.layers = layers;
	m.hidden = hidden;
	m.heads = heads;
	m.kv_heads = kv;
	m.head_dim = hd;
	m.vocab = vocab;
	m.tie_embeddings = tie;
	layer = (uint64_t)hidden * heads * hd * 2 + (uint64_t)hidden * kv * hd * 2 +
	        3 * (uint64_t)hidden * inter + 2 * (uint64_t)hidden;
	if (qkv_bias)
		layer += (uint64_t)heads * hd + 2 * (uint64_t)kv * hd;
	m.params = layer * layers + (uint64_t)vocab * hidden * (tie ? 1 : 2) + hidden;
	return m;
}

static inline kvp_weights_format format(const char *text)
{
	kvp_weights_format f;
	kvp_error err;

	if (kvp_weights_format_parse(text, &f, &err) != KVP_OK)
		fail_msg("%s: %s", text, err.message);
	return f;
}

static inline kvp_weights_estimate estimate(const kvp_model *m, const char *text)
{
	kvp_weights_format f = format(text);
	kvp_weights_estimate e;
	kvp_error err;

	if (kvp_weights_estimate_compute(m, &f, KVP_DTYPE_FP16, &e, &err) != KVP_OK)
		fail_msg("%s: %s", text, err.message);
	assert_int_equal(e.bytes, e.quantized_bytes + e.other_bytes);
	return e;
}

/* |estimate - published| / published, at most bound. */
static inline void near(uint64_t est, uint64_t published, double bound, const char *what)
{
	double rel = ((double)est - (double)published) / (double)published;

	if (rel > bound || rel < -bound)
		fail_msg("%s: estimate %llu, published %llu: relative error %.3g over %.3g",
		         what, (unsigned long long)est, (unsigned long long)published, rel,
		         bound);
}

#endif
