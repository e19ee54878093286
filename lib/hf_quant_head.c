/*
 * hf_quant_head.c — a config.json's quantization_config where AutoRound
 * wrote it, and the quantized LM head (":lm_head", kvp_weights_format
 * quant_head) AutoRound's and GPTQModel's configs declare.
 *
 * AutoRound (intel/auto-round, read at b9f3d0079 through the code index;
 * research /work/research/review-lm-head.md):
 *  - its own format, auto_round/export/export_to_autoround/export.py:
 *    quant_method "auto-round" ("intel/auto-round" before its commit
 *    0328e5b1c of 2025-04-10, the packing then in "backend"),
 *    packing_format "auto_round:auto_gptq" or "auto_round:auto_awq",
 *    bits, group_size, sym, data_type; every layer whose scheme differs
 *    from the config's in extra_config, by exact name or regex, the head
 *    among them ("lm_head": {bits, group_size, ...}) where it is
 *    quantized.  vLLM reads "auto-round" and "auto_round" (inc/inc.py
 *    AUTO_ROUND_QUANT_METHODS; "intel/auto-round" no longer), each
 *    layer's scheme by extra_config's exact name, then its regex keys
 *    (inc/config_parser.py; bits 16 or more unquantized), a head
 *    unquantized unless extra_config names it; its AWQ packing
 *    quantizes the head too (apply_awq_quant_layer takes ParallelLMHead).
 *  - its GPTQ export, export_to_autogptq/export.py: quant_method "gptq",
 *    "lm_head": true and the head's own scheme as the dynamic rule
 *    "+:lm_head".  vLLM's and SGLang's GPTQConfig and GPTQMarlinConfig
 *    read "lm_head" (lm_head_quantized) and quantize ParallelLMHead in
 *    gptq_utils.get_linear_quant_method, unless a dynamic rule "-:..."
 *    matches "lm_head" (re.match), a "+:..." one overriding its bits and
 *    group.
 * AWQ's own "lm_head" is not read: vLLM's and SGLang's AWQConfig ignore
 * it (AWQMarlinConfig reads it, then asks the head for a linear layer's
 * sizes it has not got), and AutoAWQ does not write it.
 *
 * Read, where the layers' 4 bits in groups name a kvplan format: the
 * head at the layers' bits and group (":lm_head"); at other bits or per
 * channel one warning, and it is taken 16-bit.  AutoRound's extra_config
 * entries at 16 bits or more join the lists of modules not to quantize
 * (lib/hf_quant_keep.c: ":attn16", ...); its entries at other bits than
 * the layers' are one warning, and taken at the layers' bits.
 */
#include <regex.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "hfconfig.h"
#include "internal.h"

bool kvp__hf_auto_round(const char *method)
{
	return strcasecmp(method, "auto-round") == 0 || strcasecmp(method, "auto_round") == 0 ||
	       strcasecmp(method, "intel/auto-round") == 0;
}

/* An integer member of o: 1 and its value where it is one from 0 to
 * 2^31 - 1, 0 where absent or null, -1 where it is anything else (a
 * negative group_size: a channel). */
int kvp__hf_member_uint(const json_t *o, const char *key, long long *value)
{
	const json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 0x7fffffff)
		return -1;
	*value = (long long)json_integer_value(v);
	return 1;
}

const char *kvp__hf_auto_round_name(const json_t *q, long long bits, long long group,
                                    char *name, size_t size)
{
	const json_t *packing = json_object_get(q, "packing_format");
	const char *p = json_is_string(packing) ? json_string_value(packing) : NULL;
	const json_t *type = json_object_get(q, "data_type");
	long long act = 16;
	bool awq;

	/* before packing_format, the packing was the backend */
	if (!p && json_is_string(json_object_get(q, "backend")))
		p = json_string_value(json_object_get(q, "backend"));
	awq = p && strstr(p, "awq") != NULL;
	if (packing && (!p || (strcmp(p, "auto_round:auto_awq") != 0 &&
	                       strcmp(p, "auto_round:auto_gptq") != 0)))
		return "a packing_format other than auto_round:auto_gptq or auto_awq";
	if (type && !json_is_null(type) &&
	    (!json_is_string(type) || strcmp(json_string_value(type), "int") != 0))
		return "a data_type other than int";
	if (kvp__hf_member_uint(q, "act_bits", &act) < 0 || act < 16)
		return "activations quantized (act_bits)";
	if (bits != 4)
		return "bits other than 4";
	if (group <= 0)
		return "no group_size of 1 or more";
	snprintf(name, size, "int4-%s:g%lld", awq ? "awq" : "gptq", group);
	return "a group_size past 65536";
}

/* Whether Python's re.match(pattern, text) would match, as far as POSIX
 * extended regular expressions read the pattern; false where they cannot
 * compile it. */
static bool re_match(const char *pattern, const char *text)
{
	char expr[512];
	regex_t rx;
	bool hit;

	if (snprintf(expr, sizeof expr, "^(%s)", pattern) >= (int)sizeof expr ||
	    regcomp(&rx, expr, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	hit = regexec(&rx, text, 0, NULL, 0) == 0;
	regfree(&rx);
	return hit;
}

/* A head scheme s (an object of bits and group_size; those left out the
 * layers') against the layers' bits and group: 1 quantized as they
 * are, 0 unquantized (16 bits or more), -1 otherwise (a warning). */
static int head_scheme(const json_t *s, long long bits, long long group, long long *hb,
                       long long *hg)
{
	int b, g;

	*hb = bits;
	*hg = group;
	if (!json_is_object(s))
		return -1;
	b = kvp__hf_member_uint(s, "bits", hb);
	g = kvp__hf_member_uint(s, "group_size", hg);
	if (b < 0)
		return -1;
	if (*hb >= 16)
		return 0;
	return g >= 0 && *hb == bits && *hg == group ? 1 : -1;
}

static void warn_head(struct hf *h, const char *path, const char *where, long long hb,
                      long long hg)
{
	kvp__source_warn(h->src, "%s: quantization_config.%s: the head in %lld bits, groups"
	                 " of %lld, not the layers' (or unreadable): not modelled, taken as"
	                 " 16-bit", path, where, hb, hg);
}

/* AutoRound: the head from extra_config's "lm_head"; a warning for its
 * other entries at bits of their own below 16. */
static uint32_t round_head(struct hf *h, const json_t *q, long long bits, long long group,
                           const char *path)
{
	const json_t *extra = json_object_get(q, "extra_config"), *s;
	const char *key;
	long long hb, hg;
	uint32_t parts = 0;
	size_t own = 0;

	if (!json_is_object(extra))
		return 0;
	json_object_foreach((json_t *)extra, key, s) {
		int r = head_scheme(s, bits, group, &hb, &hg);

		if (strcmp(key, "lm_head") == 0) {
			if (r > 0)
				parts = KVP__WPART_HEAD;
			else if (r < 0)
				warn_head(h, path, "extra_config.lm_head", hb, hg);
		} else if (r < 0) {
			own++;
		}
	}
	if (own)
		kvp__source_warn(h->src, "%s: quantization_config.extra_config gives %zu"
		                 " layer%s bits or groups of %s own below 16 bits: not modelled,"
		                 " taken as the layers'", path, own, own == 1 ? "" : "s",
		                 own == 1 ? "its" : "their");
	return parts;
}

/* GPTQ: "lm_head": true, unless a dynamic rule leaves the head out, or
 * gives it a scheme of its own (vLLM's get_dynamic_override: the first
 * rule whose pattern re.match-es the name). */
static uint32_t gptq_head(struct hf *h, const json_t *q, long long bits, long long group,
                          const char *path)
{
	const json_t *dynamic = json_object_get(q, "dynamic"), *s;
	const char *key;
	long long hb, hg;

	if (!json_is_true(json_object_get(q, "lm_head")))
		return 0;
	if (json_is_object(dynamic))
		json_object_foreach((json_t *)dynamic, key, s) {
			bool minus = strncmp(key, "-:", 2) == 0;
			const char *pattern = minus || strncmp(key, "+:", 2) == 0 ? key + 2 : key;
			int r;

			if (!re_match(pattern, "lm_head"))
				continue;
			if (minus)
				return 0;
			if ((r = head_scheme(s, bits, group, &hb, &hg)) < 0)
				warn_head(h, path, "dynamic", hb, hg);
			return r > 0 ? KVP__WPART_HEAD : 0;
		}
	return KVP__WPART_HEAD;
}

uint32_t kvp__hf_quant_head(struct hf *h, const json_t *q, const char *method,
                            long long bits, long long group, const char *path)
{
	if (kvp__hf_auto_round(method))
		return round_head(h, q, bits, group, path);
	if (strcasecmp(method, "gptq") == 0)
		return gptq_head(h, q, bits, group, path);
	return 0;
}

void kvp__hf_round_kept(const json_t *q, json_t *list)
{
	const json_t *extra = json_object_get(q, "extra_config"), *s;
	const char *key;
	long long b;

	if (!json_is_object(extra))
		return;
	json_object_foreach((json_t *)extra, key, s) {
		char entry[260];

		if (!json_is_object(s) || kvp__hf_member_uint(s, "bits", &b) <= 0 || b < 16 ||
		    strcmp(key, "lm_head") == 0)
			continue;
		/* AutoRound's regex keys hold one of its special characters
		 * (vLLM's get_layer_config: REGEX_SPECIAL_CHARS) */
		snprintf(entry, sizeof entry, "%s%s", strpbrk(key, "*+?^$()[]{}|\\") ? "re:" : "",
		         key);
		json_array_append_new(list, json_string(entry));
	}
}
