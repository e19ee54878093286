/*
 * hf_quant_mixed.c — ModelOpt's MIXED_PRECISION: a quantized_layers map of
 * module names to their own quant_algo, every module it leaves out in the
 * checkpoint's 16-bit type (ModelOpt's export of Nemotron 3 Super's NVFP4
 * release: its routed experts NVFP4, 28 of the 40 Mamba-2 in_proj, 29
 * out_proj, 2 of the 8 o_proj and most shared experts FP8, the rest
 * BF16).  vLLM's ModelOptMixedPrecisionConfig reads the same map
 * (quant_algo of each layer's prefix; NVFP4, W4A16_NVFP4 and FP8 read
 * here, MXFP8 not).
 *
 * Read for a Nemotron-H, whose projections the estimate tells apart
 * (lib/weights_estimate.c projections): the map's backbone.layers.N.mixer.X
 * entries are counted by X, and the format is NVFP4 where any entry is
 * (FP8 otherwise), with each projection's layers in another type
 * (kvp_weights_format layers16, layers8) or wholly 16-bit (keep16).  The
 * routers, conv1d and norms are never listed; the MTP layers, when none is
 * listed, are 16-bit (:mtp16).  What the format cannot say (some of q, k
 * and v, some routed experts, a listed MTP layer, an unknown module or
 * type) is said in a warning and taken in the format.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "engine.h"
#include "hfconfig.h"
#include "internal.h"

/* What a mixer's module is: a kvp_wproj, or one of these. */
enum { X_QKV = KVP_WPROJ_COUNT, X_EXPERTS, X_DENSE, X_COUNT };

/* The kind of module a name past "mixer." is; -1 where none. */
static int module_kind(const char *x)
{
	static const struct {
		const char *name;
		int kind;
	} names[] = {
		{"in_proj", KVP_WPROJ_INPROJ}, {"out_proj", KVP_WPROJ_OUTPROJ},
		{"o_proj", KVP_WPROJ_O}, {"q_proj", X_QKV}, {"k_proj", X_QKV}, {"v_proj", X_QKV},
		{"shared_experts.up_proj", KVP_WPROJ_SHARED_UP},
		{"shared_experts.down_proj", KVP_WPROJ_SHARED_DOWN},
		{"fc1_latent_proj", KVP_WPROJ_LATENT_IN}, {"fc2_latent_proj", KVP_WPROJ_LATENT_OUT},
		{"up_proj", X_DENSE}, {"down_proj", X_DENSE},
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(x, names[i].name) == 0)
			return names[i].kind;
	/* experts.K.up_proj, experts.K.down_proj */
	if (strncmp(x, "experts.", 8) == 0) {
		const char *p = x + 8;

		while (*p >= '0' && *p <= '9')
			p++;
		if (p > x + 8 && (strcmp(p, ".up_proj") == 0 || strcmp(p, ".down_proj") == 0))
			return X_EXPERTS;
	}
	return -1;
}

/* The counts of the map's entries. */
struct tally {
	uint64_t fp8[X_COUNT], nvfp4[X_COUNT];
	uint64_t mtp, unknown, entries, known_nvfp4, known_fp8;
};

/* NVFP4, and W4A16_NVFP4 (its weights and scales the same: NVIDIA's
 * Nemotron exports name their experts so), are nvfp4; FP8 fp8; 0 for
 * another (MXFP8, ...) or no string. */
static int algo_of(const json_t *v)
{
	const json_t *a = json_is_object(v) ? json_object_get(v, "quant_algo") : NULL;
	const char *algo = json_is_string(a) ? json_string_value(a) : NULL;

	if (!algo)
		return 0;
	if (strcasecmp(algo, "NVFP4") == 0 || strcasecmp(algo, "W4A16_NVFP4") == 0)
		return 4;
	return strcasecmp(algo, "FP8") == 0 ? 8 : 0;
}

static void count(const json_t *layers, struct tally *t)
{
	const char *key;
	json_t *v;

	memset(t, 0, sizeof *t);
	json_object_foreach((json_t *)layers, key, v) {
		const char *l = strstr(key, "layers."), *x;
		int kind = -1, algo = algo_of(v);

		t->entries++;
		t->known_nvfp4 += algo == 4;
		t->known_fp8 += algo == 8;
		if (l && l != key && strncmp(key, "mtp.", 4) == 0) {
			t->mtp++;
			continue;
		}
		if (l) {
			for (l += 7; *l >= '0' && *l <= '9'; l++)
				;
			x = strncmp(l, ".mixer.", 7) == 0 ? l + 7 : NULL;
			kind = x ? module_kind(x) : -1;
		}
		if (kind < 0 || !algo) {
			t->unknown++;
			continue;
		}
		if (algo == 4)
			t->nvfp4[kind]++;
		else
			t->fp8[kind]++;
	}
}

const char *kvp__hf_mixed_base(const json_t *layers)
{
	struct tally t;

	if (!json_is_object(layers) || !json_object_size(layers))
		return NULL;
	count(layers, &t);
	/* the routed experts' type, as vLLM takes theirs from one key;
	 * where none is listed, nvfp4 where any entry is, else fp8 */
	if (t.nvfp4[X_EXPERTS] || t.fp8[X_EXPERTS])
		return t.nvfp4[X_EXPERTS] >= t.fp8[X_EXPERTS] ? "nvfp4" : "fp8";
	if (t.known_nvfp4)
		return "nvfp4";
	return t.known_fp8 ? "fp8" : NULL;
}

uint32_t kvp__hf_quant_mixed(struct hf *h, const json_t *layers, const char *path,
                             kvp_weights_format *f)
{
	const kvp_model *m = h->m;
	struct tally t;
	uint64_t of[X_COUNT] = {0}, experts = m->moe_routed_experts, routed = 0;
	uint32_t keep = 0, odd = 0;
	bool nv = f->kind == KVP_WFORMAT_NVFP4;
	const char *what = NULL;

	count(layers, &t);
	if (!kvp__nemotron_h(m) || !m->ssm_heads) {
		kvp__source_warn(h->src, "%s: quantized_layers of a model not a Nemotron-H:"
		                 " not modelled, taken as %.*s", path,
		                 (int)strcspn(f->name, ":"), f->name);
		return 0;
	}
	if (experts && m->moe_intermediate)
		routed = kvp__routed_layers(m, m->layers);
	for (uint32_t i = 0; i < m->layers; i++) {
		kvp_layer_kind kind = kvp_model_layer_kind(m, i);

		if (kind == KVP_LAYER_RECURRENT)
			of[KVP_WPROJ_INPROJ]++;
		else if (kvp__attention_kind(kind))
			of[KVP_WPROJ_O]++;
	}
	of[KVP_WPROJ_OUTPROJ] = of[KVP_WPROJ_INPROJ];
	of[X_QKV] = 3 * of[KVP_WPROJ_O];
	if (m->moe_shared_intermediate)
		of[KVP_WPROJ_SHARED_UP] = of[KVP_WPROJ_SHARED_DOWN] = routed;
	if (m->moe_latent)
		of[KVP_WPROJ_LATENT_IN] = of[KVP_WPROJ_LATENT_OUT] = routed;
	of[X_EXPERTS] = 2 * routed * experts;
	of[X_DENSE] = 2 * (m->layers - of[KVP_WPROJ_INPROJ] - of[KVP_WPROJ_O] - routed);
	/* Each projection: those listed in the other type (fp8 beside
	 * nvfp4), those left out 16-bit; a 16-bit in_proj, out_proj, o_proj,
	 * or both shared projections, in every layer as keep16 says it. */
	for (int p = 0; p < KVP_WPROJ_COUNT; p++) {
		uint64_t listed = t.fp8[p] + t.nvfp4[p], other = nv ? t.fp8[p] : t.nvfp4[p];

		if (listed > of[p] || (!nv && other)) {
			odd++;
			continue;
		}
		f->layers16[p] = (uint32_t)(of[p] - listed);
		f->layers8[p] = (uint32_t)other;
	}
	if (of[KVP_WPROJ_INPROJ] && f->layers16[KVP_WPROJ_INPROJ] == of[KVP_WPROJ_INPROJ])
		keep |= KVP_WKEEP_INPROJ;
	if (of[KVP_WPROJ_OUTPROJ] && f->layers16[KVP_WPROJ_OUTPROJ] == of[KVP_WPROJ_OUTPROJ])
		keep |= KVP_WKEEP_OUTPROJ;
	if (of[KVP_WPROJ_O] && f->layers16[KVP_WPROJ_O] == of[KVP_WPROJ_O])
		keep |= KVP_WKEEP_O;
	if (routed && m->moe_shared_intermediate &&
	    f->layers16[KVP_WPROJ_SHARED_UP] == routed && f->layers16[KVP_WPROJ_SHARED_DOWN] == routed)
		keep |= KVP_WKEEP_SHARED;
	for (int p = 0; p < KVP_WPROJ_COUNT; p++)
		if (keep & kvp__wproj_keep((kvp_wproj)p))
			f->layers16[p] = 0;
	/* q, k and v: all in the format, or all 16-bit */
	if (t.fp8[X_QKV] + t.nvfp4[X_QKV] == 0 && of[X_QKV])
		keep |= KVP_WKEEP_QKV;
	else if ((nv ? t.nvfp4[X_QKV] : t.fp8[X_QKV]) != of[X_QKV])
		what = "q, k and v";
	/* the routed experts, and a dense MLP layer's up and down, all in
	 * the format; none of these listed: dense 16-bit */
	if ((nv ? t.nvfp4[X_EXPERTS] : t.fp8[X_EXPERTS]) != of[X_EXPERTS])
		what = what ? what : "routed experts";
	if (of[X_DENSE] && t.fp8[X_DENSE] + t.nvfp4[X_DENSE] == 0)
		keep |= KVP_WKEEP_DENSE;
	else if ((nv ? t.nvfp4[X_DENSE] : t.fp8[X_DENSE]) != of[X_DENSE])
		what = what ? what : "MLP layers";
	if (m->mtp_layers && !t.mtp)
		keep |= KVP_WKEEP_MTP;
	else if (t.mtp)
		what = what ? what : "MTP layers";
	if (odd && !what)
		what = "projections";
	if (what)
		kvp__source_warn(h->src, "%s: quantized_layers: some %s in another type:"
		                 " taken as %s", path, what, nv ? "nvfp4" : "fp8");
	else if (t.unknown)
		kvp__source_warn(h->src, "%s: quantized_layers: %llu entr%s of an unknown"
		                 " module or type: not modelled", path,
		                 (unsigned long long)t.unknown, t.unknown == 1 ? "y" : "ies");
	kvp__note(h->src, "weights_kept", KVP_ORIGIN_READ, "quantized_layers (MIXED_PRECISION):"
	          " %llu modules in nvfp4 or fp8, those left out 16-bit",
	          (unsigned long long)(t.entries - t.unknown - t.mtp));
	return keep;
}
