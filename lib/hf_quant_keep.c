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
 *  - transformers' and AutoAWQ's "modules_to_not_convert", names;
 *  - AutoRound's extra_config entries at 16 bits or more, names or
 *    regexes (kvp__hf_round_kept, lib/hf_quant_head.c).
 * Research: /work/research/quant-excluded-modules.md; a review's cases:
 * review-keep16.md.
 *
 * Every list the config gives (at the top and in ModelOpt's nested
 * "quantization") is read, as one.  Each entry is read by the words in
 * it (a regex's escaped dots as dots), not run as a pattern, but for the
 * layer it names: a number after "layers." counts for that layer, a glob
 * over the number for the layers fnmatch matches ("layers.1*" 1 and 10
 * to 19: fnmatch's '*' runs on past the dot), a regex's for those its
 * pattern matches ("\\d", classes, alternatives; from the start, as
 * compressed-tensors' re.match), and an entry naming none for every
 * layer (select_layers).  A vision tower's, an audio encoder's or a
 * projector's entries are none of the language model's.
 *  - A Nemotron-H's Mamba-2 mixer.in_proj and mixer.out_proj: counted a
 *    layer at a time (kvp_weights_format layers16), :inproj16 and
 *    :outproj16 where all; another
 *    model's, a warning.
 *  - Attention (self_attn, .attn, .attention, a Nemotron-H attention
 *    block's .mixer; not linear_attn): the
 *    projections named, q_proj, k_proj, v_proj, qkv_proj, o_proj, MLA's
 *    q_a_proj, q_b_proj, kv_a_proj_with_mqa, kv_b_proj, or a regex's
 *    "(q|k|v)_proj"; all of it where the entry ends at the attention (a
 *    wildcard after it at most); another of its modules (a norm, the
 *    sinks, the indexer alone) none.  Over the layers that attend (MLA
 *    or softmax attention; a hybrid's others have none).
 *  - Shared experts: shared_expert(s), not shared_expert_gate, over the
 *    routed layers.
 *  - Gated DeltaNet (linear_attn, Qwen3-Next's and Qwen3.5's): all its
 *    in_proj (in_proj_qkvz and in_proj_ba, or in_proj_qkv, in_proj_z,
 *    in_proj_b and in_proj_a), then its out_proj (the entry ending at
 *    linear_attn both), over its layers; some of the in_proj named, not
 *    all, a warning (Qwen's FP8 lists in_proj_b and in_proj_a alone).
 *  - The MTP layers, whole: an entry naming the layers past the model's
 *    ("model.layers.61*"), or the MTP block by name, all of it ("mtp*",
 *    Nemotron 3's ModelOpt exports: their 1,040 mtp.* tensors bf16); an
 *    MTP block by name in part (mtp.layers.0) is none of the model's
 *    layers.
 * An entry whose layer pattern is not read (a regex POSIX cannot take,
 * too long) is one warning, and marks nothing.
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
#include <fnmatch.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "hfconfig.h"
#include "internal.h"

/* Per layer: the projections named (PJ_*) and the MLP parts (MK_*). */
enum {
	PJ_Q = 1, PJ_K = 2, PJ_V = 4, PJ_QA = 8, PJ_QB = 16, PJ_KVA = 32, PJ_KVB = 64,
	PJ_O = 128, PJ_ALL = 255
};
enum { MK_SHARED = 1, MK_DENSE = 2 };
/* A Gated DeltaNet layer's projections: Qwen3-Next's in_proj_qkvz and
 * in_proj_ba, Qwen3.5's in_proj_qkv, in_proj_z, in_proj_b and in_proj_a,
 * and out_proj. */
enum { LN_QKV = 1, LN_Z = 2, LN_B = 4, LN_A = 8, LN_IN = 15, LN_OUT = 16, LN_ALL = 31 };

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

/* The number string of layer i (at most 10 digits). */
static void number(uint32_t i, char *buf, size_t size)
{
	snprintf(buf, size, "%u", (unsigned)i);
}

/* Marks in sel the layers from to to (sel[0] is from's) an entry t names
 * after "layers.",
 * each layer's number matched as the entry's syntax reads it:
 *  - a name or a glob (re false: transformers' names, ModelOpt's
 *    fnmatch): a number names its layer, a glob over it the layers it
 *    matches ("1*" the layers whose number begins with 1, as fnmatch's
 *    '*' goes on past the dot, "*" every one, "1?" 10 to 19);
 *  - a regex (re: compressed-tensors' "re:", Python's re.match from the
 *    start of the name): the text up to the next dot, escaped or not,
 *    matched whole against the number ("1\\d" 10 to 19, "(1|2)", "[0-9]+"),
 *    or as its start where nothing but ".*" follows ("1" or "1.*" every
 *    layer whose number begins with 1).
 * Every layer where the entry names none, or where its number is neither
 * digits nor a pattern kvplan reads: then NULL, else the entry's text
 * after the number. */
static const char *select_layers(const char *t, bool re, unsigned char *sel, uint32_t from,
                                 uint32_t to, bool *bad)
{
	/* the first of "layers.", a regex's "layers\\." and "layers[.]" */
	static const char *const at[] = {"layers.", "layers\\.", "layers[.]"};
	const char *p = NULL, *start = NULL;
	char tok[64], num[16];
	size_t n = 0;
	bool digits = true, prefix = false;
	uint32_t count = to - from;

	memset(sel, 1, count);
	*bad = false;
	for (size_t i = 0; i < (re ? 3u : 1u); i++) {
		const char *q = strstr(t, at[i]);

		if (q && (!start || q < start)) {
			start = q;
			p = q + strlen(at[i]);
		}
	}
	if (!p)
		return NULL;
	/* the text naming the number: up to the next dot, escaped, in a
	 * class ("[.]") or not */
	for (; *p && *p != '.' && !(p[0] == '\\' && p[1] == '.') && strncmp(p, "[.]", 3) != 0;
	     p++) {
		if (n + 6 >= sizeof tok) {
			*bad = true;
			return NULL;
		}
		digits &= isdigit((unsigned char)*p) != 0;
		if (re && p[0] == '\\' && p[1] == 'd') {
			memcpy(tok + n, "[0-9]", 5); /* POSIX's class for Python's \d */
			n += 5;
			p++;
			continue;
		}
		tok[n++] = *p;
		if (!re && *p == '*') /* fnmatch's '*' takes the rest */
			break;
	}
	tok[n] = '\0';
	if (!n)
		return NULL;
	if (digits) {
		unsigned long l = strtoul(tok, NULL, 10);

		memset(sel, 0, count);
		if (n <= 10 && l >= from && l < to)
			sel[l - from] = 1;
		if (!re || (*p && strncmp(p, ".*", 2) != 0))
			return p;
		prefix = true; /* re.match: "layers.1" or "layers.1.*" */
	}
	if (re) {
		char expr[sizeof tok + 8];
		regex_t rx;

		if (!prefix)
			prefix = !*p || strcmp(p, ".*") == 0 || strcmp(p, ".*$") == 0;
		snprintf(expr, sizeof expr, "^(%s)%s", tok, prefix ? "" : "$");
		if (regcomp(&rx, expr, REG_EXTENDED | REG_NOSUB) != 0) {
			*bad = true;
			return NULL;
		}
		for (uint32_t i = 0; i < count; i++) {
			number(from + i, num, sizeof num);
			sel[i] = regexec(&rx, num, 0, NULL, 0) == 0;
		}
		regfree(&rx);
		return p;
	}
	if (!strpbrk(tok, "*?["))
		return NULL;
	for (uint32_t i = 0; i < count; i++) {
		number(from + i, num, sizeof num);
		sel[i] = fnmatch(tok, num, 0) == 0;
	}
	return p;
}

/* Whether t names a tower or encoder beside the language model, or its
 * MTP block by name (Qwen3.5's mtp.layers.0, MiMo's mtp_layers). */
static bool beside(const char *t)
{
	static const char *const words[] = {
		"visual", "vision", "vit.", "mm_projector", "multi_modal", "image", "audio",
		"speech", "encoder.", "siglip", "patch_embed", "mtp.", "mtp_",
	};

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strstr(t, words[i]))
			return true;
	return false;
}

/* Whether t names a checkpoint's MTP block by name, all of it: "mtp*",
 * "mtp.*", "model.mtp*", a regex's "mtp\\..*" or "^mtp.*" (the text
 * after "mtp" wildcards alone, "mtp" a part of the name). */
static bool mtp_whole(const char *t)
{
	const char *s = strstr(t, "mtp");

	if (!s || (s != t && !strchr(".*^", s[-1])))
		return false;
	return s[3] && wildcards(s + 3);
}

/* Sets mask's bits for the layers sel has. */
static void mark(unsigned char *mask, const unsigned char *sel, uint32_t layers, unsigned bits)
{
	for (uint32_t i = 0; i < layers; i++)
		if (sel[i])
			mask[i] |= (unsigned char)bits;
}

/* The Gated DeltaNet projections the text after "linear_attn" names:
 * all where it ends there (a wildcard after it at most), each
 * "in_proj_WHAT" and "out_proj" (a bare or wildcard "in_proj" every
 * in_proj), none for its conv1d, norm, A_log or dt_bias alone. */
static unsigned delta_projections(const char *t)
{
	static const struct {
		const char *what;
		unsigned bits;
	} in[] = {{"qkvz", LN_QKV | LN_Z}, {"qkv", LN_QKV}, {"ba", LN_B | LN_A},
		{"z", LN_Z}, {"b", LN_B}, {"a", LN_A}};
	unsigned p = 0;

	if (wildcards(t))
		return LN_ALL;
	if (strstr(t, "out_proj"))
		p |= LN_OUT;
	for (const char *s = strstr(t, "in_proj"); s; s = strstr(s + 7, "in_proj")) {
		const char *w = s + 7;
		size_t i;

		if (*w != '_') {
			p |= wildcards(w) || *w == '*' || *w == '.' ? LN_QKV | LN_Z | LN_B | LN_A : 0;
			continue;
		}
		for (i = 0; i < sizeof in / sizeof in[0]; i++) {
			size_t n = strlen(in[i].what);

			if (strncmp(w + 1, in[i].what, n) == 0 && !isalnum((unsigned char)w[1 + n]))
				break;
		}
		p |= i < sizeof in / sizeof in[0] ? in[i].bits : 0;
	}
	return p;
}

/* What a list marks: per layer, attention's projections (PJ_*), the
 * MLP parts (MK_*) and Gated DeltaNet's (LN_*); sel a scratch of layers
 * bytes; whether it names the MTP layers (mtp of them after the model's
 * layers) whole. */
struct marks {
	unsigned char *attn, *mlp, *lin, *sel, *mamba;
	uint32_t layers, mtp, unread;
	bool mtp_kept;
};

#define MTP_MAX 16u

/* One entry of the list, lowercased, its "re:" off (re set). */
static void entry(const char *raw, bool re, struct marks *k)
{
	unsigned char *sel = k->sel, *attn = k->attn, *mlp = k->mlp, *lin = k->lin;
	uint32_t layers = k->layers;
	/* Nemotron-H's attention block: its mixer's q, k, v and o
	 * (backbone.layers.5.mixer.q_proj, Nemotron 3 Nano's NVFP4
	 * export); a Mamba mixer's projections are no attention's */
	static const char *const tokens[] = {"self_attn", ".attention", ".attn", ".mixer"};
	const char *a = NULL, *m;
	char t[256];
	size_t len = 0, n = 0;
	unsigned p;

	bool bad;

	/* the words read with a regex's escaped dots and "[.]" as dots */
	for (const char *s = raw; *s && n < sizeof t - 1; s++) {
		if (re && s[0] == '\\' && s[1] == '.')
			continue;
		if (re && strncmp(s, "[.]", 3) == 0) {
			t[n++] = '.';
			s += 2;
			continue;
		}
		t[n++] = *s;
	}
	t[n] = '\0';
	if (k->mtp && mtp_whole(t))
		k->mtp_kept = true;
	if (beside(t) || mtp_whole(t))
		return;
	/* the MTP layers whole (ModelOpt's DeepSeek export excludes
	 * "layers.61*", the layer its calibration never ran) */
	if (k->mtp && k->mtp <= MTP_MAX) {
		unsigned char mtp[MTP_MAX];
		const char *rest = select_layers(raw, re, mtp, layers, layers + k->mtp, &bad);

		if (rest && wildcards(rest) && !memchr(mtp, 0, k->mtp))
			k->mtp_kept = true;
	}
	select_layers(raw, re, sel, 0, layers, &bad);
	if (bad) {
		k->unread++;
		return;
	}
	if (strstr(t, "shared_expert") && !strstr(t, "shared_expert_gate")) {
		mark(mlp, sel, layers, MK_SHARED);
		return;
	}
	if ((a = strstr(t, "linear_attn")) != NULL) {
		mark(lin, sel, layers, delta_projections(a + 11));
		return;
	}
	/* a Mamba-2 mixer's projections (Nemotron-H's): in_proj 1,
	 * out_proj 2 */
	if (strstr(t, ".mixer.in_proj") || strstr(t, ".mixer.out_proj")) {
		mark(k->mamba, sel, layers, strstr(t, ".mixer.in_proj") ? 1u : 2u);
		return;
	}
	for (size_t i = 0; i < sizeof tokens / sizeof tokens[0] && !a; i++)
		if ((a = strstr(t, tokens[i])) != NULL)
			len = strlen(tokens[i]);
	if (a) {
		if ((p = projections(a)) != 0)
			mark(attn, sel, layers, p);
		else if (wildcards(a + len))
			mark(attn, sel, layers, PJ_ALL);
		return;
	}
	if (strstr(t, "mlp.gate_proj") || strstr(t, "mlp.up_proj") ||
	    strstr(t, "mlp.down_proj") || strstr(t, "mlp.gate_up_proj") ||
	    strstr(t, "mlp\\.(gate") || strstr(t, "mlp.(gate") ||
	    ((m = strstr(t, ".mlp")) && wildcards(m + 4)))
		mark(mlp, sel, layers, MK_DENSE);
}

/* Whether layer l of m routes among experts (kvp__routed_layers: a
 * Nemotron-H's E layers alone). */
static bool routed(const kvp_model *m, uint32_t l)
{
	return m->moe_intermediate && (m->moe_experts || m->moe_routed_experts) &&
	       kvp__routed_layers(m, l + 1) != kvp__routed_layers(m, l);
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
 * (key, path) where some layers of a part are kept and others not, but
 * a Mamba-2 layer's in_proj and out_proj, whose kept layers are counted
 * into f (layers16). */
static uint32_t keep_of(struct hf *h, const json_t *list, const char *key, const char *path,
                        kvp_weights_format *f)
{
	const kvp_model *m = h->m;
	uint32_t layers = m->layers, keep = 0;
	struct marks k = {.layers = layers, .mtp = m->mtp_layers};
	bool *has, *kept, partial = false, all, some = false, gdn;
	const char *what = NULL;
	size_t i;
	json_t *v;

	if (!json_is_array(list) || !json_array_size(list) || !layers || layers > LAYERS_MAX)
		return 0;
	k.attn = calloc(layers, 1);
	k.mlp = calloc(layers, 1);
	k.lin = calloc(layers, 1);
	k.sel = malloc(layers);
	k.mamba = calloc(layers, 1);
	has = calloc(layers, sizeof *has);
	kept = calloc(layers, sizeof *kept);
	if (!k.attn || !k.mlp || !k.lin || !k.sel || !k.mamba || !has || !kept)
		goto out;
	json_array_foreach(list, i, v) {
		const char *s = json_string_value(v);
		bool re = s && strncmp(s, "re:", 3) == 0;
		char t[256];
		size_t n = 0;

		if (!s)
			continue;
		if (re)
			s += 3;
		for (; s[n] && n < sizeof t - 1; n++)
			t[n] = (char)tolower((unsigned char)s[n]);
		t[n] = '\0';
		entry(t, re, &k);
	}
	/* attention, over the layers that attend: q, k and v, then o (a
	 * layer reading another's cache keeps its projections) */
	for (uint32_t l = 0; l < layers; l++) {
		kvp_layer_kind kind = kvp__layer_weights_kind(m, l);

		has[l] = kind == KVP_LAYER_MLA || kvp__attention_kind(kind);
		kept[l] = all_qkv(k.attn[l]);
		/* some of q, k and v named, not all of them */
		partial |= has[l] && (k.attn[l] & (PJ_ALL & ~PJ_O)) && !kept[l];
	}
	partial |= covered(has, kept, layers, &all);
	keep |= all ? KVP_WKEEP_QKV : 0;
	for (uint32_t l = 0; l < layers; l++)
		kept[l] = (k.attn[l] & PJ_O) != 0;
	partial |= covered(has, kept, layers, &all);
	keep |= all ? KVP_WKEEP_O : 0;
	if (partial)
		what = "attention";
	/* shared experts over the routed layers, dense MLPs over the others
	 * (a dense model's every layer) */
	for (uint32_t l = 0; l < layers; l++) {
		has[l] = routed(m, l) && m->moe_shared_intermediate;
		kept[l] = (k.mlp[l] & MK_SHARED) != 0;
	}
	if (covered(has, kept, layers, &all) && !what)
		what = "shared experts";
	keep |= all ? KVP_WKEEP_SHARED : 0;
	for (uint32_t l = 0; l < layers; l++) {
		has[l] = !routed(m, l);
		kept[l] = (k.mlp[l] & MK_DENSE) != 0;
	}
	if (covered(has, kept, layers, &all) && !what)
		what = "dense MLPs";
	keep |= all ? KVP_WKEEP_DENSE : 0;
	/* a hybrid's Gated DeltaNet layers: all their in_proj, then
	 * out_proj (NVIDIA's Qwen3-Next NVFP4 recipe keeps the in_proj
	 * alone) */
	gdn = kvp__delta_net(m);
	for (uint32_t l = 0; l < layers; l++) {
		has[l] = gdn && kvp_model_layer_kind(m, l) == KVP_LAYER_RECURRENT;
		kept[l] = (k.lin[l] & LN_IN) == LN_IN;
		if (has[l] && (k.lin[l] & LN_IN) && !kept[l])
			some = true;
	}
	if (covered(has, kept, layers, &all) && !what)
		what = "Gated DeltaNet projections";
	keep |= all ? KVP_WKEEP_INPROJ : 0;
	for (uint32_t l = 0; l < layers; l++)
		kept[l] = (k.lin[l] & LN_OUT) != 0;
	if (covered(has, kept, layers, &all) && !what)
		what = "Gated DeltaNet projections";
	keep |= all ? KVP_WKEEP_OUTPROJ : 0;
	keep |= k.mtp_kept ? KVP_WKEEP_MTP : 0;
	if (what || some || k.unread) {
		char quoted[KVP_QUOTE_MAX];

		kvp_escape(key, quoted, sizeof quoted);
		if (what)
			kvp__source_warn(h->src, "%s: quantization_config.%s keeps some layers' %s"
			                 " 16-bit and not others: not modelled, taken as quantized",
			                 path, quoted, what);
		else if (some)
			kvp__source_warn(h->src, "%s: quantization_config.%s keeps some of the Gated"
			                 " DeltaNet in_proj (in_proj_b, in_proj_a, ...) 16-bit and not"
			                 " the rest: not modelled, taken as quantized", path, quoted);
		else
			kvp__source_warn(h->src, "%s: quantization_config.%s: %u entr%s layer"
			                 " pattern%s not read (a regex POSIX cannot take, or too"
			                 " long): not modelled, taken as quantized", path, quoted,
			                 k.unread, k.unread == 1 ? "y's" : "ies'",
			                 k.unread == 1 ? "" : "s");
	}
	/* Mamba-2 projections kept: all of a kind a part (:inproj16,
	 * :outproj16), some counted (the estimate takes them per layer), for
	 * a Nemotron-H of known heads, whose projections the estimate tells apart
	 * (lib/weights_estimate.c mamba2); another model's said */
	{
		uint32_t in = 0, out = 0, of = 0;
		bool modelled = kvp__nemotron_h(m) && m->ssm_heads;

		for (uint32_t l = 0; l < layers; l++)
			if (!gdn && kvp_model_layer_kind(m, l) == KVP_LAYER_RECURRENT) {
				of++;
				in += (k.mamba[l] & 1u) != 0;
				out += (k.mamba[l] & 2u) != 0;
			}
		if (!modelled && (in || out)) {
			char quoted[KVP_QUOTE_MAX];

			kvp__source_warn(h->src, "%s: %s keeps some Mamba layers' projections"
			                 " 16-bit: not modelled, taken as quantized", path,
			                 kvp_escape(key, quoted, sizeof quoted));
			in = out = 0;
		}
		if (in && in == of)
			keep |= KVP_WKEEP_INPROJ;
		else
			f->layers16[KVP_WPROJ_INPROJ] = in;
		if (out && out == of)
			keep |= KVP_WKEEP_OUTPROJ;
		else
			f->layers16[KVP_WPROJ_OUTPROJ] = out;
		if (in || out)
			kvp__note(h->src, "weights_kept", KVP_ORIGIN_READ, "quantization_config.%s:"
			          " the Mamba-2 in_proj of %u and out_proj of %u of %u layers"
			          " 16-bit", key, in, out, of);
	}
out:
	free(k.mamba);
	free(k.sel);
	free(k.lin);
	free(k.attn);
	free(k.mlp);
	free(has);
	free(kept);
	return keep;
}

void kvp__hf_quant_finish(struct hf *h)
{
	static const char *const lists[] = {"ignore", "exclude_modules", "modules_to_not_convert"};
	const json_t *q = h->quant, *in;
	const char *key = NULL;
	json_t *all;
	kvp_weights_format f = h->quant_format;
	char quoted[KVP_QUOTE_MAX], path[KVP_QUOTE_MAX];
	uint32_t keep = 0;

	if (!q)
		return;
	kvp_escape(q == h->quant_file ? h->quant_path : h->path, path, sizeof path);
	in = json_object_get(q, "quantization");
	/* every list given, at the top and in ModelOpt's nested object, as
	 * one; the warning names the first */
	if ((all = json_array()) != NULL) {
		for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
			const json_t *at[2] = {q, json_is_object(in) ? in : NULL};

			for (int j = 0; j < 2 && at[j]; j++) {
				json_t *l = json_object_get(at[j], lists[i]);

				if (json_is_array(l) && json_array_size(l)) {
					key = key ? key : lists[i];
					json_array_extend(all, l);
				}
			}
		}
		/* AutoRound's extra_config entries at 16 bits */
		if (kvp__hf_auto_round(h->quant_method)) {
			size_t before = json_array_size(all);

			kvp__hf_round_kept(q, all);
			if (!key && json_array_size(all) > before)
				key = "extra_config";
		}
		/* a MIXED_PRECISION map says each listed module's type
		 * itself (vLLM's exclude_modules then matters for none) */
		if (key && !h->quant_mixed)
			keep = keep_of(h, all, key, path, &f);
		json_decref(all);
	}
	/* ModelOpt's MIXED_PRECISION: its quantized_layers */
	if (h->quant_mixed)
		keep |= kvp__hf_quant_mixed(h, h->quant_mixed, path, &f);
	/* a tied head is the 16-bit embedding, whatever the config says */
	if (h->m->tie_embeddings)
		h->quant_parts &= ~KVP__WPART_HEAD;
	{
		bool counted = false;

		for (int i = 0; i < KVP_WPROJ_COUNT; i++)
			counted |= f.layers16[i] || f.layers8[i];
		if (keep || h->quant_parts || counted)
			kvp__wformat_keep(&f, keep | h->quant_parts);
	}
	h->src->weights_format_known = true;
	h->src->weights_format = f;
	/* a name past a note (a map's many parts) told by its kind alone */
	{
		char as[KVP_WFORMAT_NAME_MAX + 48];
		size_t colon = strcspn(f.name, ":");

		if (strlen(f.name) > 96)
			snprintf(as, sizeof as, "%.*s with layers apart (its name in full:"
			         " weights_dtype)", (int)colon, f.name);
		else
			snprintf(as, sizeof as, "%s", f.name);
		if (q == h->quant_file)
			kvp__note(h->src, "weights_format", KVP_ORIGIN_READ, "hf_quant_config.json"
			          " beside it (producer modelopt): the weights as %s", as);
		else
			kvp__note(h->src, "weights_format", KVP_ORIGIN_READ, "quantization_config."
			          "quant_method = %s: the weights as %s",
			          kvp_escape(h->quant_method, quoted, sizeof quoted), as);
	}
}
