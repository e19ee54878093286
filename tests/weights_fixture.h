/*
 * weights_fixture.h — what the weights tests share: a dense transformer
 * by its config.json numbers, a format by name, its estimate (each
 * failing the test where the library refuses), an estimate held to a
 * published size within a relative bound, and what an engine's layout
 * of a format adds to a GPU's weights.  Include after cmocka.h.
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

/* meta-llama/Llama-3.1-8B-Instruct config.json: 32 layers, hidden 4096,
 * 32 heads, 8 kv, intermediate 14336, vocab 128256, untied. */
static inline kvp_model llama3_8b(void)
{
	kvp_model m = dense("llama3.1-8b", 32, 4096, 32, 8, 128, 14336, 128256, false, false);

	m.intermediate = 14336;
	return m;
}

/* Qwen/Qwen3-30B-A3B config.json: 48 layers, hidden 2048, 32 heads and 4
 * kv heads of 128, 128 experts of 768 (top 8), vocab 151936, untied.
 * Its params by hand, a layer: attention 2 x 2048 x 4096 + 2 x 2048 x
 * 512 = 18,874,368, q_norm and k_norm 256, experts 128 x 3 x 2048 x 768
 * = 603,979,776, router 128 x 2048 = 262,144, norms 4,096: 623,120,640;
 * x 48, embeddings and head 2 x 151936 x 2048, final norm 2,048:
 * 30,532,122,624 (its bf16 index.json's total_size is twice that). */
static inline kvp_model qwen3_30b_a3b(void)
{
	kvp_model m;

	memset(&m, 0, sizeof m);
	strcpy(m.name, "qwen3-30b-a3b");
	m.layers = 48;
	m.hidden = 2048;
	m.heads = 32;
	m.kv_heads = 4;
	m.head_dim = 128;
	m.vocab = 151936;
	m.moe_experts = 128;
	m.moe_intermediate = 768;
	m.moe_top_k = 8;
	m.params = 30532122624ull;
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

/* A request of 1,024 tokens under engine, weights in fmt, over tp GPUs. */
static inline kvp_request request(kvp_engine engine, const char *fmt, uint32_t tp)
{
	kvp_request r;

	kvp_request_init(&r);
	r.seq = 1024;
	r.tp = tp;
	r.engine = engine;
	r.weights_format = format(fmt);
	return r;
}

/* The plan of m for r into p, failing the test where it fails. */
static inline void plan(const kvp_model *m, const kvp_request *r, kvp_plan *p)
{
	kvp_error err;

	if (kvp_plan_compute(m, r, p, &err) != KVP_OK)
		fail_msg("%s: %s", r->weights_format.name, err.message);
}

/* The weights of one GPU of a vLLM plan of m on a device of arch, and
 * the same plan's without vLLM's layout of the format: their difference
 * is the layout's. */
static inline int64_t layout(const kvp_model *m, const char *fmt, uint32_t tp, const char *arch,
                      uint64_t *gpu)
{
	kvp_plan *p = test_calloc(1, sizeof *p);
	kvp_request r = request(KVP_ENGINE_VLLM, fmt, tp);
	kvp_device d;
	kvp_fit with, without;
	kvp_error err;
	int64_t ct;

	memset(&d, 0, sizeof d);
	strcpy(d.name, "g");
	snprintf(d.arch, sizeof d.arch, "%s", arch);
	d.hbm_bytes = 192ull << 30;
	d.l2_bytes = 50ull << 20;
	plan(m, &r, p);
	if (kvp_plan_fit(p, &d, &with, &err) != KVP_OK)
		fail_msg("%s: %s", fmt, err.message);
	/* the getter gives what the fit counted; nothing past the stages */
	ct = kvp_plan_ct_int_bytes(p, &d, 0);
	assert_int_equal(kvp_plan_ct_int_bytes(p, &d, p->stages), 0);
	assert_int_equal(kvp_plan_ct_int_bytes(NULL, &d, 0), 0);
	memset(p->stage_ct_int_bytes, 0, sizeof p->stage_ct_int_bytes);
	memset(p->stage_ct_int_sm90_bytes, 0, sizeof p->stage_ct_int_sm90_bytes);
	assert_int_equal(kvp_plan_fit(p, &d, &without, &err), KVP_OK);
	test_free(p);
	*gpu = with.weights_per_gpu;
	assert_int_equal((int64_t)with.weights_per_gpu - (int64_t)without.weights_per_gpu, ct);
	return ct;
}

#endif
