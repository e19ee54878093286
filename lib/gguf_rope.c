/*
 * gguf_rope.c — a GGUF file's rotary embedding, into kvp_model rope and the
 * fields after it: ARCH.rope.dimension_count, rope.scaling.type, .factor
 * and .original_context_length, rope.freq_base_swa, as llama.cpp's
 * llama-arch.cpp names them; the architectures with learned positions or
 * ALiBi, Gemma 3's sliding base and Llama 4's NoPE layers as
 * llama-model.cpp load_hparams takes them.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gguf.h"

static kvp_status bad(const kvp__gguf_reader *r, const kvp__gguf_kv *kv, const char *key,
                      const char *what)
{
	return kvp__error_at(r->err, KVP_ERR_PARSE, r->g->path, 0, 0,
	                     "at byte %llu: key '%s' %s", (unsigned long long)kv->key_at, key,
	                     what);
}

/* A finite non-negative number under ARCH.suffix, as f32 or f64: 1 and
 * *out, 0 absent, or the error reported (-1). */
static int real_key(const kvp__gguf_reader *r, const char *suffix, double *out)
{
	char key[KVP__GGUF_KEY_MAX];
	const kvp__gguf_kv *kv = kvp__gguf_arch_key(r, suffix, key);
	const unsigned char *p;
	double v;

	if (!kv)
		return 0;
	p = r->g->data + kv->value_at;
	if (kv->type == KVP__GGUF_FLOAT32) {
		uint32_t bits = (uint32_t)kvp__gguf_le(p, 4);
		float f;

		memcpy(&f, &bits, sizeof f);
		v = f;
	} else if (kv->type == KVP__GGUF_FLOAT64) {
		uint64_t bits = kvp__gguf_le(p, 8);

		memcpy(&v, &bits, sizeof v);
	} else {
		bad(r, kv, key, "is not a float");
		return -1;
	}
	if (!(v >= 0 && v <= 1e15)) {
		bad(r, kv, key, "is not a number from 0 to 1e15");
		return -1;
	}
	*out = v;
	return 1;
}

kvp_status kvp__gguf_read_rope(kvp__gguf_reader *r, kvp_model *m)
{
	/* Learned positions (GPT-2, StarCoder) or ALiBi (BLOOM, MPT). */
	static const char *const none[] = {"gpt2", "starcoder", "bloom", "mpt", NULL};
	char key[KVP__GGUF_KEY_MAX];
	const kvp__gguf_kv *kv;
	uint64_t v;
	double f;
	bool found;
	kvp_status st;
	int got;

	for (size_t i = 0; none[i]; i++)
		if (strcmp(r->arch, none[i]) == 0) {
			m->rope = KVP_ROPE_NONE;
			return KVP_OK;
		}
	/* the rotated values of a head, where fewer than the head (MLA's
	 * are its qk_rope_dim already) */
	if (!m->kv_lora_rank) {
		if ((st = kvp__gguf_get_uint(r, "rope.dimension_count", false, UINT32_MAX, &v,
		                             &found)) != KVP_OK)
			return st;
		if (found && v < m->head_dim)
			m->rotary_dim = (uint32_t)v;
	}
	if ((kv = kvp__gguf_arch_key(r, "rope.scaling.type", key))) {
		const char *text;
		uint64_t len;
		char name[32];
		kvp_error e;

		if ((st = kvp__gguf_string(r->g, kv, &text, &len, r->err)) != KVP_OK)
			return st;
		snprintf(name, sizeof name, "%.*s", (int)(len < 31 ? len : 31), text);
		/* llama.cpp's "none" is rope unscaled, not no rope */
		if (strcmp(name, "none") == 0)
			m->rope = KVP_ROPE_DEFAULT;
		else if (len >= sizeof name || kvp_rope_from_name(name, &m->rope, &e) != KVP_OK)
			return bad(r, kv, key, "is no rope scaling kvplan knows (none, linear,"
			           " yarn, longrope, ...)");
	}
	if ((got = real_key(r, "rope.scaling.factor", &f)) < 0)
		return KVP_ERR_PARSE;
	if (got)
		m->rope_factor = f;
	if ((st = kvp__gguf_get_uint(r, "rope.scaling.original_context_length", false,
	                             UINT64_MAX, &v, &found)) != KVP_OK)
		return st;
	if (found)
		m->rope_original_max = v;
	if ((got = real_key(r, "rope.freq_base", &f)) < 0)
		return KVP_ERR_PARSE;
	if (got)
		m->rope_theta = f;
	/* The sliding layers' base: the key, or Gemma 3's 10,000
	 * (load_hparams: rope_freq_base_train_swa). */
	if ((got = real_key(r, "rope.freq_base_swa", &f)) < 0)
		return KVP_ERR_PARSE;
	if (got)
		m->rope_local_theta = f;
	else if (strcmp(r->arch, "gemma3") == 0)
		m->rope_local_theta = 10000;
	if (strcmp(r->arch, "llama4") == 0)
		m->rope_nope_full = true;
	return KVP_OK;
}
