/*
 * hf_quant_keep.c — the linear layers a config.json's quantization_config
 * leaves unquantized, beyond the embeddings, the head, the norms and the
 * routers every format keeps (kvp_weights_format keep16): its list of
 * modules not to quantize, as each quantizer writes it:
 *  - compressed-tensors' "ignore": module names, or "re:" and a Python
 *    regular expression (llm-compressor's recipes: "re:.*self_attn.*",
 *    "re:.*shared_experts.*", "re:.*mlp\\.(gate|up|gate_up|down)_proj.*"
 *    in Moonshot's Kimi-K2-Thinking, which leaves the routed experts
 *    alone quantized);
 *  - ModelOpt's "exclude_modules" (or "ignore"), fnmatch globs, most often
 *    one a layer ("model.layers.12.self_attn*": NVIDIA's DeepSeek-R1-FP4,
 *    GLM-4.7-NVFP4 and MiniMax-M2.5-NVFP4 keep all attention 16-bit; some
 *    exports name q_proj, k_proj, v_proj alone and quantize o_proj);
 *  - transformers' and AutoAWQ's "modules_to_not_convert", names.
 * Research: /work/research/quant-excluded-modules.md; a review's cases:
 * review-keep16.md.
 *
 * Each entry is read by the words in it, not run as a pattern: one naming
 * a layer ("layers.12.") counts for that layer, one naming none (a
 * wildcard, a regex) for every layer.  A vision tower's, an audio
 * encoder's or a projector's entries are none of the language model's.
 *  - Attention (self_attn, .attn, .attention; not linear_attn): the
 *    projections named, q_proj, k_proj, v_proj, qkv_proj, o_proj, MLA's
 *    q_a_proj, q_b_proj, kv_a_proj_with_mqa, kv_b_proj, or a regex's
 *    "(q|k|v)_proj"; all of it where the entry ends at the attention (a
 *    wildcard after it at most); another of its modules (a norm, the
 *    sinks, the indexer alone) none.  Over the layers that attend (MLA
 *    or softmax attention; a hybrid's others have none).
 *  - Shared experts: shared_expert(s), not shared_expert_gate, over the
 *    routed layers.
 *  - Dense MLPs: mlp.gate_proj, mlp.up_proj, mlp.gate_up_proj,
 *    mlp.down_proj (a regex's "mlp\\.(gate|..."), or a layer's "mlp"
 *    whole ("model.layers.0.mlp*"), over the dense layers (a dense
 *    model's every one).
 * A part kept in some of its layers and not in others is not modelled:
 * one warning, and it is taken as quantized.  The routers, embeddings,
 * head, norms, vision towers and MTP layers are none of the estimate's
 * linear layers.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "hfconfig.h"
#include "internal.h"

/* Per layer: the projections named (PJ_*) and the MLP parts (MK_*). */
enum {
	PJ_Q = 1, PJ_K = 2, PJ_V = 4, PJ_QA = 8, PJ_QB = 16, PJ_KVA = 32, PJ_KVB = 64,
	PJ_O = 128, PJ_ALL = 255
};
enum { MK_SHARED = 1, MK_DENSE = 2 };

#define LAYERS_MAX 4096u

/* The projection a word before "_proj" names. */
static unsigned projection(const char *w, size_t n)
{
	static const struct {
		const char *word;
		unsigned bits;
	} words[] = {
		{"q", PJ_Q}, {"k", PJ_K}, {"v", PJ_V}, {"o", PJ_O}, {"qkv", PJ_Q | PJ_K | PJ_V},
		{"kv", PJ_K | PJ_V}, {"q_a", PJ_QA}, {"q_b", PJ_QB}, {"kv_a", PJ_KVA},
		{"kv_b", PJ_KVB},
	};

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strlen(words[i].word) == n && strncmp(w, words[i].word, n) == 0)
			return words[i].bits;
	return 0;
}

/* The projections t names: each "WORD_proj", or a regex's
 * "(A|B|...)_proj". */
static unsigned projections(const char *t)
{
	unsigned p = 0;

	for (const char *s = strstr(t, "_proj"); s; s = strstr(s + 5, "_proj")) {
		const char *w = s;

		if (w > t && w[-1] == ')') {
			const char *open = w - 1, *a;

			while (open > t && *open != '(')
				open--;
			if (*open != '(')
				continue;
			for (a = open + 1; a < w - 1;) {
				const char *bar = a;

				while (bar < w - 1 && *bar != '|')
					bar++;
				p |= projection(a, (size_t)(bar - a));
				a = bar + 1;
			}
			continue;
		}
		while (w > t && (isalnum((unsigned char)w[-1]) || w[-1] == '_'))
			w--;
		p |= projection(w, (size_t)(s - w));
	}
	return p;
}

/* Whether the projections p hold all of a layer's q, k and v: GQA's
 * three (or fused), or MLA's q_a, q_b (or one q), kv_a and kv_b. */
static bool all_qkv(unsigned p)
{
	return (p & (PJ_Q | PJ_K | PJ_V)) == (PJ_Q | PJ_K | PJ_V) ||
	       ((p & PJ_KVA) && (p & PJ_KVB) &&
	        ((p & PJ_Q) || (p & (PJ_QA | PJ_QB)) == (PJ_QA | PJ_QB)));
}

/* Whether s is wildcards alone ("", "*", ".*", ".*$", "\\..*"): an entry
 * that ends at what it names. */
static bool wildcards(const char *s)
{
	for (; *s; s++)
		if (!strchr("*.$\\+", *s))
			return false;
	return true;
}

/* The layer an entry names ("layers.N." or "layers.N" at its end), or -1
 * for none (every layer); "layers.1*" or "layers.1\\d" as many: -1. */
static long layer_of(const char *t)
{
	const char *p = strstr(t, "layers.");
	long n = 0;

	if (!p || !isdigit((unsigned char)p[7]))
		return -1;
	for (p += 7; isdigit((unsigned char)*p) && n < (long)LAYERS_MAX; p++)
		n = n * 10 + (*p - '0');
	if (*p && *p != '.')
		return -1;
	return n;
}

/* Whether t names a tower or encoder beside the language model. */
static bool beside(const char *t)
{
	static const char *const words[] = {
		"visual", "vision", "vit.", "mm_projector", "multi_modal", "image", "audio",
		"speech", "encoder.", "siglip", "patch_embed",
	};

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strstr(t, words[i]))
			return true;
	return false;
}

/* Sets mask's bits for the entry's layer, or every layer's. */
static void mark(unsigned char *mask, uint32_t layers, long layer, unsigned bits)
{
	if (layer < 0)
		for (uint32_t i = 0; i < layers; i++)
			mask[i] |= (unsigned char)bits;
	else if ((uint64_t)layer < layers)
		mask[layer] |= (unsigned char)bits;
}

/* One entry of the list, lowercased, its "re:" off. */
static void entry(const char *t, unsigned char *attn, unsigned char *mlp, uint32_t layers)
{
	static const char *const tokens[] = {"self_attn", ".attention", ".attn"};
	long layer = layer_of(t);
	const char *a = NULL, *m;
	size_t len = 0;
	unsigned p;

	if (beside(t))
		return;
	if (strstr(t, "shared_expert") && !strstr(t, "shared_expert_gate")) {
		mark(mlp, layers, layer, MK_SHARED);
		return;
	}
	for (size_t i = 0; i < sizeof tokens / sizeof tokens[0] && !a; i++)
		if ((a = strstr(t, tokens[i])) != NULL)
			len = strlen(tokens[i]);
	if (a && !strstr(t, "linear_attn")) {
		if ((p = projections(a)) != 0)
			mark(attn, layers, layer, p);
		else if (wildcards(a + len))
			mark(attn, layers, layer, PJ_ALL);
		return;
	}
	if (strstr(t, "mlp.gate_proj") || strstr(t, "mlp.up_proj") ||
	    strstr(t, "mlp.down_proj") || strstr(t, "mlp.gate_up_proj") ||
	    strstr(t, "mlp\\.(gate") || strstr(t, "mlp.(gate") ||
	    ((m = strstr(t, ".mlp")) && wildcards(m + 4)))
		mark(mlp, layers, layer, MK_DENSE);
}

/* Whether layer l of m routes among experts (kvp__expert_layers where
 * its layers differ). */
static bool routed(const kvp_model *m, uint32_t l)
{
	return m->moe_intermediate && (m->moe_experts ? kvp__expert_layers(m, l, l + 1) != 0
	                                              : m->moe_routed_experts != 0);
}

/* Of the layers that have a part (has[i]), how many the list keeps
 * (kept[i]): *all set where every one is, the return whether some are
 * and some not. */
static bool covered(const bool *has, const bool *kept, uint32_t layers, bool *all)
{
	uint32_t n = 0, k = 0;

	for (uint32_t i = 0; i < layers; i++)
		if (has[i]) {
			n++;
			k += kept[i];
		}
	*all = n && k == n;
	return k && k < n;
}

/* The KVP_WKEEP_* parts list keeps 16-bit, over m's layers; a warning
 * (key, path) where some layers of a part are kept and others not. */
static uint32_t keep_of(struct hf *h, const json_t *list, const char *key, const char *path)
{
	const kvp_model *m = h->m;
	uint32_t layers = m->layers, keep = 0;
	unsigned char *attn, *mlp;
	bool *has, *kept, partial = false, all;
	const char *what = NULL;
	size_t i;
	json_t *v;

	if (!json_is_array(list) || !json_array_size(list) || !layers || layers > LAYERS_MAX)
		return 0;
	attn = calloc(layers, 1);
	mlp = calloc(layers, 1);
	has = calloc(layers, sizeof *has);
	kept = calloc(layers, sizeof *kept);
	if (!attn || !mlp || !has || !kept)
		goto out;
	json_array_foreach(list, i, v) {
		const char *s = json_string_value(v);
		char t[256];
		size_t n = 0;

		if (!s)
			continue;
		if (strncmp(s, "re:", 3) == 0)
			s += 3;
		for (; s[n] && n < sizeof t - 1; n++)
			t[n] = (char)tolower((unsigned char)s[n]);
		t[n] = '\0';
		entry(t, attn, mlp, layers);
	}
	/* attention, over the layers that attend: q, k and v, then o */
	for (uint32_t l = 0; l < layers; l++) {
		kvp_layer_kind kind = kvp_model_layer_kind(m, l);

		has[l] = kind == KVP_LAYER_MLA || kvp__attention_kind(kind);
		kept[l] = all_qkv(attn[l]);
		/* some of q, k and v named, not all of them */
		partial |= has[l] && (attn[l] & (PJ_ALL & ~PJ_O)) && !kept[l];
	}
	partial |= covered(has, kept, layers, &all);
	keep |= all ? KVP_WKEEP_QKV : 0;
	for (uint32_t l = 0; l < layers; l++)
		kept[l] = (attn[l] & PJ_O) != 0;
	partial |= covered(has, kept, layers, &all);
	keep |= all ? KVP_WKEEP_O : 0;
	if (partial)
		what = "attention";
	/* shared experts over the routed layers, dense MLPs over the others
	 * (a dense model's every layer) */
	for (uint32_t l = 0; l < layers; l++) {
		has[l] = routed(m, l) && m->moe_shared_intermediate;
		kept[l] = (mlp[l] & MK_SHARED) != 0;
	}
	if (covered(has, kept, layers, &all) && !what)
		what = "shared experts";
	keep |= all ? KVP_WKEEP_SHARED : 0;
	for (uint32_t l = 0; l < layers; l++) {
		has[l] = !routed(m, l);
		kept[l] = (mlp[l] & MK_DENSE) != 0;
	}
	if (covered(has, kept, layers, &all) && !what)
		what = "dense MLPs";
	keep |= all ? KVP_WKEEP_DENSE : 0;
	if (what) {
		char quoted[KVP_QUOTE_MAX];

		kvp__source_warn(h->src, "%s: quantization_config.%s keeps some layers' %s"
		                 " 16-bit and not others: not modelled, taken as quantized", path,
		                 kvp_escape(key, quoted, sizeof quoted), what);
	}
out:
	free(attn);
	free(mlp);
	free(has);
	free(kept);
	return keep;
}

void kvp__hf_quant_finish(struct hf *h)
{
	static const char *const lists[] = {"ignore", "exclude_modules", "modules_to_not_convert"};
	const json_t *q = h->quant, *in;
	kvp_weights_format f = h->quant_format;
	char quoted[KVP_QUOTE_MAX], path[KVP_QUOTE_MAX];
	uint32_t keep = 0;

	if (!q)
		return;
	kvp_escape(h->path, path, sizeof path);
	in = json_object_get(q, "quantization");
	/* the first list given, at the top or in ModelOpt's nested object */
	for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
		const json_t *l = json_object_get(q, lists[i]);

		if (!l && json_is_object(in))
			l = json_object_get(in, lists[i]);
		if (json_is_array(l) && json_array_size(l)) {
			keep = keep_of(h, l, lists[i], path);
			break;
		}
	}
	if (keep || h->quant_parts)
		kvp__wformat_keep(&f, keep | h->quant_parts);
	h->src->weights_format_known = true;
	h->src->weights_format = f;
	kvp__note(h->src, "weights_format", KVP_ORIGIN_READ, "quantization_config.quant_method"
	          " = %s: the weights as %s", kvp_escape(h->quant_method, quoted, sizeof quoted),
	          f.name);
}
