/*
 * hf_rope.c — a config.json's rotary embedding (kvp_model rope_theta,
 * rope and the fields after it): rope_theta, rope_scaling (or
 * transformers 5's rope_parameters, whole or by layer type),
 * partial_rotary_factor, rotary_dim or rotary_pct, Gemma 3's
 * rope_local_base_freq, and the families that rotate nothing or not in
 * every layer.
 */
#include <math.h>
#include <string.h>

#include "hfconfig.h"
#include "internal.h"

/* A positive finite number under key of obj: 1 and *out, 0 absent or
 * null, -1 reported (as where.key). */
static int positive(struct hf *h, json_t *obj, const char *where, const char *key,
                    double *out)
{
	json_t *v = json_object_get(obj, key);
	char name[96];

	if (!v || json_is_null(v))
		return 0;
	snprintf(name, sizeof name, "%s%s%s", where, *where ? "." : "", key);
	if (!json_is_number(v) || !(json_number_value(v) > 0) ||
	    !isfinite(json_number_value(v))) {
		kvp__hf_fail(h, name, "expected a positive number");
		return -1;
	}
	*out = json_number_value(v);
	return 1;
}

/* The scaling object: rope_scaling, else rope_parameters (its
 * full_attention entry where it is given by layer type). */
static json_t *scaling(struct hf *h, const char **where)
{
	json_t *s = json_object_get(h->cfg, "rope_scaling");
	json_t *p = json_object_get(h->cfg, "rope_parameters");

	if (json_is_object(s)) {
		*where = "rope_scaling";
		return s;
	}
	/* not an object: read_scaling says so */
	if (s && !json_is_null(s)) {
		*where = "rope_scaling";
		return s;
	}
	if (json_is_object(p) && json_is_object(json_object_get(p, "full_attention"))) {
		*where = "rope_parameters.full_attention";
		return json_object_get(p, "full_attention");
	}
	*where = "rope_parameters";
	return p && !json_is_null(p) ? p : NULL;
}

static kvp_status read_type(struct hf *h, json_t *s, const char *where)
{
	json_t *t = json_object_get(s, "rope_type");
	const char *key = "rope_type";
	char name[96];
	kvp_error e;

	if (!t || json_is_null(t)) {
		t = json_object_get(s, "type");
		key = "type";
	}
	snprintf(name, sizeof name, "%s.%s", where, key);
	if (!t || json_is_null(t))
		return KVP_OK;
	if (!json_is_string(t))
		return kvp__hf_fail(h, name, "expected a string");
	if (kvp_rope_from_name(json_string_value(t), &h->m->rope, &e) != KVP_OK)
		return kvp__hf_fail(h, name, "%s", e.message);
	/* Qwen2-VL's and Qwen3.5's sections make a default rope multimodal. */
	if (h->m->rope == KVP_ROPE_DEFAULT && json_object_get(s, "mrope_section"))
		h->m->rope = KVP_ROPE_MROPE;
	kvp__note(h->src, "rope_type", KVP_ORIGIN_READ, "%s%s = %s", h->prefix, name,
	          kvp_rope_name(h->m->rope));
	return KVP_OK;
}

/* rope_scaling's factor and original_max_position_embeddings (Phi-3's at
 * the top). */
static kvp_status read_scaling(struct hf *h)
{
	static const char *const k_orig[] = {"original_max_position_embeddings", NULL};
	const char *where = "";
	json_t *s = scaling(h, &where);
	double factor = 0;
	uint64_t orig = 0;
	kvp_status st;

	if (s && !json_is_object(s))
		return kvp__hf_fail(h, where, "expected an object");
	if (s) {
		if ((st = read_type(h, s, where)) != KVP_OK)
			return st;
		if (positive(h, s, where, "factor", &factor) < 0)
			return KVP_ERR_PARSE;
		if (factor > 1e15) {
			char name[96];

			snprintf(name, sizeof name, "%s.factor", where);
			return kvp__hf_fail(h, name, "%g is past 1e15", factor);
		}
		h->m->rope_factor = factor;
		if (json_object_get(s, "original_max_position_embeddings")) {
			double o = 0;

			if (positive(h, s, where, "original_max_position_embeddings", &o) < 0)
				return KVP_ERR_PARSE;
			if (o != floor(o) || o > 1e15) {
				char name[96];

				snprintf(name, sizeof name, "%s.original_max_position_embeddings",
				         where);
				return kvp__hf_fail(h, name, "expected a whole number of tokens");
			}
			orig = (uint64_t)o;
		}
	}
	if (!orig && kvp__hf_uint(h, NULL, k_orig, UINT64_MAX, &orig) < 0)
		return KVP_ERR_PARSE;
	h->m->rope_original_max = orig;
	return KVP_OK;
}

/* The values a head rotates: rotary_dim, or partial_rotary_factor (also
 * inside rope_parameters) or GPT-NeoX's rotary_pct of the head. */
static kvp_status read_rotary_dim(struct hf *h)
{
	static const char *const k_dim[] = {"rotary_dim", NULL};
	kvp_model *m = h->m;
	uint32_t head = m->head_dim ? m->head_dim : m->heads ? m->hidden / m->heads : 0;
	json_t *p = json_object_get(h->cfg, "rope_parameters");
	const char *where = "";
	double part = 0;
	uint64_t dim = 0;
	int r;

	if ((r = kvp__hf_uint(h, "rotary_dim", k_dim, UINT32_MAX, &dim)) < 0)
		return KVP_ERR_PARSE;
	if (r) {
		m->rotary_dim = (uint32_t)dim;
		return KVP_OK;
	}
	if ((r = positive(h, h->cfg, "", "partial_rotary_factor", &part)) == 0 &&
	    (r = positive(h, h->cfg, "", "rotary_pct", &part)) == 0 && json_is_object(p)) {
		where = "rope_parameters";
		r = positive(h, p, where, "partial_rotary_factor", &part);
	}
	if (r < 0)
		return KVP_ERR_PARSE;
	if (!r || part >= 1 || !head)
		return KVP_OK;
	/* transformers: int(head_dim * partial_rotary_factor); none at
	 * all where that is 0 */
	m->rotary_dim = (uint32_t)(head * part);
	if (!m->rotary_dim)
		m->rope = KVP_ROPE_NONE;
	kvp__note(h->src, "rotary_dim", KVP_ORIGIN_DERIVED, "%spartial_rotary_factor %g"
	          " x head_dim %u", h->prefix, part, head);
	return KVP_OK;
}

/* rope_theta: top-level, else (transformers 5) in rope_parameters, or
 * in its full_attention entry where it is given by layer type. */
static int read_theta(struct hf *h)
{
	json_t *p = json_object_get(h->cfg, "rope_parameters");
	json_t *full = json_is_object(p) ? json_object_get(p, "full_attention") : NULL;
	double theta = 0;
	int r = positive(h, h->cfg, "", "rope_theta", &theta);

	if (r == 0 && json_is_object(full))
		r = positive(h, full, "rope_parameters.full_attention", "rope_theta", &theta);
	else if (r == 0 && json_is_object(p))
		r = positive(h, p, "rope_parameters", "rope_theta", &theta);
	if (r > 0)
		h->m->rope_theta = theta;
	return r;
}

kvp_status kvp__hf_rope(struct hf *h)
{
	kvp_model *m = h->m;
	json_t *p = json_object_get(h->cfg, "rope_parameters");
	double local = 0;
	kvp_status st;
	bool alibi = false;
	static const char *const k_alibi[] = {"alibi", NULL};

	if (read_theta(h) < 0)
		return KVP_ERR_PARSE;

	/* Learned positions (GPT-2, OPT), or ALiBi (Falcon's option, BLOOM,
	 * MPT): no table; nor Nemotron-H's attention, which rotates nothing
	 * whatever rope_theta its config gives (vLLM's NemotronHAttention
	 * builds no rotary embedding), nor Kimi-Linear's MLA (mla_use_nope,
	 * asserted: vLLM's MLAModules get rotary_emb None). */
	if (strcmp(h->family, "gpt2") == 0 || strcmp(h->family, "opt") == 0 ||
	    strcmp(h->family, "bloom") == 0 || strcmp(h->family, "mpt") == 0 ||
	    strcmp(h->family, "gpt_bigcode") == 0 || strcmp(h->family, "nemotron_h") == 0 ||
	    strcmp(h->family, "kimi_linear") == 0) {
		m->rope = KVP_ROPE_NONE;
		return KVP_OK;
	}
	if (kvp__hf_bool(h, k_alibi, &alibi) < 0)
		return KVP_ERR_PARSE;
	if (alibi) {
		m->rope = KVP_ROPE_NONE;
		return KVP_OK;
	}
	if ((st = read_scaling(h)) != KVP_OK || (st = read_rotary_dim(h)) != KVP_OK)
		return st;
	/* Gemma 3's sliding layers: their own base, unscaled. */
	if (positive(h, h->cfg, "", "rope_local_base_freq", &local) < 0)
		return KVP_ERR_PARSE;
	if (!local && json_is_object(p) &&
	    json_is_object(json_object_get(p, "sliding_attention")) &&
	    positive(h, json_object_get(p, "sliding_attention"),
	             "rope_parameters.sliding_attention", "rope_theta", &local) < 0)
		return KVP_ERR_PARSE;
	/* Absent, Gemma3TextConfig's default (transformers
	 * configuration_gemma3.py, rope_local_base_freq=10_000.0). */
	if (!local && !json_object_get(h->cfg, "rope_local_base_freq") &&
	    strncmp(h->family, "gemma3", 6) == 0) {
		local = 10000;
		kvp__note(h->src, "rope_local_theta", KVP_ORIGIN_DEFAULTED, "%srope_local_base_"
		          "freq absent: Gemma3TextConfig's default 10000", h->prefix);
	}
	m->rope_local_theta = local;
	/* Llama 4's global layers are its NoPE layers. */
	if (strcmp(h->family, "llama4") == 0 || strcmp(h->family, "llama4_text") == 0)
		m->rope_nope_full = true;
	return KVP_OK;
}
