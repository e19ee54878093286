/*
 * weights_format.c — the names of the formats a model's weights are
 * stored in, when no file counts them: AWQ's and GPTQ's int4, fp8,
 * nvfp4, mxfp4, compressed-tensors' w4a16, w8a16 and w8a8, ggml's types,
 * the linear layers a checkpoint format leaves 16-bit (":attn16",
 * ":qkv16", ":o16", ":shared16", ":dense16", ":linear16", ":inproj16",
 * ":outproj16", ":mtp16"), a Nemotron-H's projections held 16-bit or in
 * fp8 layer by layer (":inproj16=N", ":o8=N", ...) and AWQ's and GPTQ's
 * quantized head (":lm_head").  lib/weights_estimate.c
 * gives each one's bytes.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gguf.h"
#include "internal.h"



void kvp_weights_format_init(kvp_weights_format *format)
{
	if (!format)
		return;
	memset(format, 0, sizeof *format);
	format->kind = KVP_WFORMAT_PLAIN;
}

/* llama.cpp's file types that mix ggml types tensor by tensor
 * (tools/quantize/quantize.cpp QUANT_OPTIONS): their bytes need the file. */
static bool gguf_mix(const char *text)
{
	static const char *const mixes[] = {
		"q2_k_s", "q3_k_s", "q3_k_m", "q3_k_l", "q4_k_s", "q4_k_m", "q5_k_s",
		"q5_k_m", "iq2_m", "iq3_xs", "iq3_m", "mxfp4_moe", NULL,
	};

	for (int i = 0; mixes[i]; i++)
		if (strcasecmp(text, mixes[i]) == 0)
			return true;
	return false;
}

/* "int4-awq", "awq", then ":gG" or nothing. */
static kvp_status parse_int4(const char *text, const char *rest, kvp_wformat kind,
                             kvp_weights_format *out, kvp_error *err)
{
	char quoted[KVP_QUOTE_MAX];
	unsigned long group = 128;

	if (*rest) {
		const char *digits = rest + 2;
		char *end;

		if (rest[0] != ':' || (rest[1] != 'g' && rest[1] != 'G') ||
		    *digits < '0' || *digits > '9')
			return kvp__error(err, KVP_ERR_PARSE, "weights format '%s': expected"
			                  " a group as ':gG' (%s:g128)",
			                  kvp_escape(text, quoted, sizeof quoted),
			                  kind == KVP_WFORMAT_GPTQ ? "int4-gptq" : "int4-awq");
		group = 0;
		for (end = (char *)digits; *end >= '0' && *end <= '9'; end++)
			if ((group = group * 10 + (unsigned long)(*end - '0')) > KVP__WGROUP_MAX)
				break;
		if (group == 0 || group > KVP__WGROUP_MAX)
			return kvp__error(err, KVP_ERR_RANGE, "weights format '%s': the group"
			                  " size must be 1 to %u inputs",
			                  kvp_escape(text, quoted, sizeof quoted), KVP__WGROUP_MAX);
		if (*end) {
			char rest_quoted[KVP_QUOTE_MAX];

			return kvp__error(err, KVP_ERR_PARSE, "weights format '%s': '%s' after"
			                  " the group size",
			                  kvp_escape(text, quoted, sizeof quoted),
			                  kvp_escape(end, rest_quoted, sizeof rest_quoted));
		}
	}
	kvp_weights_format_init(out);
	out->kind = kind;
	out->group = (uint32_t)group;
	snprintf(out->name, sizeof out->name, "int4-%s:g%lu",
	         kind == KVP_WFORMAT_AWQ ? "awq" : "gptq", group);
	return kvp__error_clear(err);
}

/* One ":part" of a compressed-tensors name: its length up to the next
 * ':' or the end. */
static size_t part_len(const char *p)
{
	size_t n = 0;

	while (p[n] && p[n] != ':')
		n++;
	return n;
}

bool kvp__wna16(const kvp_weights_format *f)
{
	return f && (f->kind == KVP_WFORMAT_W4A16 || f->kind == KVP_WFORMAT_W8A16);
}

unsigned kvp__wna16_bits(const kvp_weights_format *f)
{
	return !kvp__wna16(f) ? 0 : f->kind == KVP_WFORMAT_W8A16 ? 8 : 4;
}

uint32_t kvp__wkeep(const kvp_weights_format *f)
{
	if (!f || f->kind == KVP_WFORMAT_PLAIN || f->kind == KVP_WFORMAT_GGUF)
		return 0;
	return f->keep16 | (f->kind == KVP_WFORMAT_MXFP4 ? KVP_WKEEP_ATTENTION : 0);
}

/* The parts of a name after the format's own: the keep16 ones, each a
 * KVP_WKEEP_* set, and the quantized head. */
static const struct {
	const char *part;
	uint32_t bits;
} keeps[] = {
	{"attn16", KVP_WKEEP_ATTENTION}, {"qkv16", KVP_WKEEP_QKV}, {"o16", KVP_WKEEP_O},
	{"shared16", KVP_WKEEP_SHARED}, {"dense16", KVP_WKEEP_DENSE},
	{"linear16", KVP_WKEEP_LINEAR}, {"inproj16", KVP_WKEEP_INPROJ},
	{"outproj16", KVP_WKEEP_OUTPROJ}, {"mtp16", KVP_WKEEP_MTP}, {"lm_head", KVP__WPART_HEAD},
};

/* The kvp_wproj names, and the keep16 bits that keep each whole. */
static const char *const proj_names[KVP_WPROJ_COUNT] = {
	"inproj", "outproj", "o", "shared_up", "shared_down", "latent_in", "latent_out"};
static const uint32_t proj_keep[KVP_WPROJ_COUNT] = {
	KVP_WKEEP_INPROJ, KVP_WKEEP_OUTPROJ, KVP_WKEEP_O, KVP_WKEEP_SHARED, KVP_WKEEP_SHARED,
	0, 0};

uint32_t kvp__wproj_keep(kvp_wproj p)
{
	return (unsigned)p < KVP_WPROJ_COUNT ? proj_keep[p] : 0;
}

void kvp__wformat_keep(kvp_weights_format *f, uint32_t parts)
{
	uint32_t k = parts & ~(f->kind == KVP_WFORMAT_MXFP4 ? KVP_WKEEP_ATTENTION : 0u);
	size_t len = strlen(f->name);

	f->keep16 = parts & ~KVP__WPART_HEAD;
	f->quant_head = (parts & KVP__WPART_HEAD) != 0;
	for (size_t i = 0; i < sizeof keeps / sizeof keeps[0]; i++)
		if ((k & keeps[i].bits) == keeps[i].bits) {
			snprintf(f->name + len, sizeof f->name - len, ":%s", keeps[i].part);
			len = strlen(f->name);
			k &= ~keeps[i].bits;
		}
	/* some layers' projections 16-bit or fp8: ":inproj16=N", ":o8=N" */
	for (int b = 0; b < 2; b++)
		for (int i = 0; i < KVP_WPROJ_COUNT; i++) {
			uint32_t n = b ? f->layers8[i] : f->layers16[i];

			if (!n || (!b && (f->keep16 & proj_keep[i])))
				continue;
			len = strlen(f->name);
			snprintf(f->name + len, sizeof f->name - len, ":%s%s=%u", proj_names[i],
			         b ? "8" : "16", n);
		}
}

/* ":PART16=N" or ":PART8=N" (p, n bytes), PART a kvp_wproj's name: 1,
 * *which the kvp_wproj, *eight whether fp8, *count N; 0 where p is no
 * such part; -1 where N is no count of 1 to 2^20. */
static int layers_part(const char *p, size_t n, int *which, bool *eight, uint32_t *count)
{
	for (int i = 0; i < KVP_WPROJ_COUNT; i++)
		for (int b = 0; b < 2; b++) {
			char name[24];
			size_t k, j;
			uint64_t v = 0;

			snprintf(name, sizeof name, "%s%s=", proj_names[i], b ? "8" : "16");
			k = j = strlen(name);
			if (n <= k || strncasecmp(p, name, k) != 0)
				continue;
			for (; j < n && p[j] >= '0' && p[j] <= '9' && v <= (1u << 20); j++)
				v = v * 10 + (uint64_t)(p[j] - '0');
			if (j < n || v == 0 || v > (1u << 20))
				return -1;
			*which = i;
			*eight = b;
			*count = (uint32_t)v;
			return 1;
		}
	return 0;
}

/* The canonical name of a compressed-tensors format: w4a16 with its
 * group always (":channel" without), w8a16 its group where it has one. */
static void ct_name(kvp_weights_format *f)
{
	char group[16] = "";

	if (f->group)
		snprintf(group, sizeof group, ":g%u", f->group);
	else if (f->kind == KVP_WFORMAT_W4A16)
		snprintf(group, sizeof group, ":channel");
	snprintf(f->name, sizeof f->name, "%s%s%s%s",
	         f->kind == KVP_WFORMAT_W8A8 ? "w8a8" : f->kind == KVP_WFORMAT_W8A16 ? "w8a16"
	                                                                          : "w4a16",
	         group, f->asymmetric ? ":asym" : "", f->g_idx ? ":actorder" : "");
}

/* "w4a16[:gG|:channel][:asym][:actorder]", "w8a16" the same and
 * "w8a8[:asym]", the parts in any order, each once: compressed-tensors'
 * schemes as llm-compressor names them (W4A16 in groups of 128 unless
 * said, W8A16 a scale an output row unless said, symmetric unless asym,
 * actorder "group" writing g_idx, which needs groups; W8A8 per
 * channel). */
static kvp_status parse_ct(const char *text, const char *rest, kvp_wformat kind,
                           kvp_weights_format *out, kvp_error *err)
{
	char quoted[KVP_QUOTE_MAX], raw[48], part[KVP_QUOTE_MAX];
	kvp_weights_format f;
	bool group_seen = false, wna16;

	kvp_weights_format_init(&f);
	f.kind = kind;
	wna16 = kvp__wna16(&f);
	f.group = kind == KVP_WFORMAT_W4A16 ? 128 : 0;
	while (*rest == ':') {
		const char *p = rest + 1;
		size_t n = part_len(p);
		bool *flag = NULL;

		if (n == 4 && strncasecmp(p, "asym", 4) == 0) {
			flag = &f.asymmetric;
		} else if (n == 8 && strncasecmp(p, "actorder", 8) == 0 && wna16) {
			flag = &f.g_idx;
		} else if (n == 7 && strncasecmp(p, "channel", 7) == 0 && wna16) {
			flag = &group_seen;
			if (!group_seen) {
				f.group = 0;
				group_seen = true;
				rest = p + n;
				continue;
			}
		} else if (n > 1 && (p[0] == 'g' || p[0] == 'G') && wna16) {
			unsigned long group = 0;
			size_t i;

			for (i = 1; i < n && p[i] >= '0' && p[i] <= '9'; i++)
				if (group <= KVP__WGROUP_MAX) /* past it stays past it */
					group = group * 10 + (unsigned long)(p[i] - '0');
			if (i == n && (group == 0 || group > KVP__WGROUP_MAX))
				return kvp__error(err, KVP_ERR_RANGE, "weights format '%s': the"
				                  " group size must be 1 to %u inputs",
				                  kvp_escape(text, quoted, sizeof quoted), KVP__WGROUP_MAX);
			if (i == n && group_seen) {
				flag = &group_seen; /* given twice, below */
			} else if (i == n) {
				f.group = (uint32_t)group;
				group_seen = true;
				rest = p + n;
				continue;
			}
		}
		if (!flag || *flag) {
			snprintf(raw, sizeof raw, "%.*s", (int)(n < 40 ? n : 40), p);
			return kvp__error(err, KVP_ERR_PARSE, "weights format '%s': '%s' is %s",
			                  kvp_escape(text, quoted, sizeof quoted),
			                  kvp_escape(raw, part, sizeof part), flag
			                  ? (flag == &group_seen ? "a second group" : "given twice")
			                  : !wna16 ? "not ':asym' (w8a8)"
			                  : kind == KVP_WFORMAT_W4A16
			                  ? "not ':gG', ':channel', ':asym' or ':actorder' (w4a16:g128)"
			                  : "not ':gG', ':channel', ':asym' or ':actorder' (w8a16)");
		}
		*flag = true;
		rest = p + n;
	}
	/* actorder "group" orders the groups: a scale an output row has
	 * none (compressed-tensors' QuantizationArgs validates it so) */
	if (f.g_idx && !f.group)
		return kvp__error(err, KVP_ERR_PARSE, "weights format '%s': ':actorder' needs"
		                  " groups (':gG'): a g_idx maps each input to its group",
		                  kvp_escape(text, quoted, sizeof quoted));
	ct_name(&f);
	*out = f;
	return kvp__error_clear(err);
}

/* The KVP_WKEEP_* set of the part of n bytes at p, 0 for none. */
static uint32_t keep_part(const char *p, size_t n)
{
	for (size_t i = 0; i < sizeof keeps / sizeof keeps[0]; i++)
		if (strlen(keeps[i].part) == n && strncasecmp(p, keeps[i].part, n) == 0)
			return keeps[i].bits;
	return 0;
}

static const char *after(const char *text, const char *const *prefixes)
{
	for (int i = 0; prefixes[i]; i++) {
		size_t n = strlen(prefixes[i]);

		if (strncasecmp(text, prefixes[i], n) == 0 && (text[n] == 0 || text[n] == ':'))
			return text + n;
	}
	return NULL;
}

/* A format's name without its keep16 parts. */
static kvp_status parse_base(const char *text, kvp_weights_format *out, kvp_error *err)
{
	static const char *const awq[] = {"int4-awq", "awq", NULL};
	static const char *const gptq[] = {"int4-gptq", "gptq", NULL};
	static const char *const w4a16[] = {"w4a16", NULL};
	static const char *const w8a8[] = {"w8a8", "w8a8-int8", "int8-w8a8", NULL};
	static const char *const w8a16[] = {"w8a16", NULL};
	/* Either fp8 of a checkpoint's linear layers is a byte a weight with
	 * the same scales; "f8" and "fp8_e5m2" are the cache type's names
	 * (lib/dtype.c) too, so that no spelling of fp8 falls through to a
	 * plain byte a parameter. */
	static const char *const fp8[] = {"fp8", "fp8_e4m3", "fp8-e4m3", "e4m3", "fp8_e5m2",
	                                  "fp8-e5m2", "e5m2", "f8", NULL};
	char quoted[KVP_QUOTE_MAX];
	const kvp__ggml_type *t;
	kvp_weights_format f;
	const char *rest;

	if (!text || !out)
		return kvp__error(err, KVP_ERR_INVALID, "no weights format given");
	if (gguf_mix(text))
		return kvp__error(err, KVP_ERR_INVALID, "weights format '%s' is a GGUF mix"
		                  " of types chosen tensor by tensor: its bytes need the"
		                  " file (--gguf FILE)",
		                  kvp_escape(text, quoted, sizeof quoted));
	if ((rest = after(text, awq)))
		return parse_int4(text, rest, KVP_WFORMAT_AWQ, out, err);
	if ((rest = after(text, gptq)))
		return parse_int4(text, rest, KVP_WFORMAT_GPTQ, out, err);
	if ((rest = after(text, w4a16)))
		return parse_ct(text, rest, KVP_WFORMAT_W4A16, out, err);
	if ((rest = after(text, w8a8)))
		return parse_ct(text, rest, KVP_WFORMAT_W8A8, out, err);
	if ((rest = after(text, w8a16)))
		return parse_ct(text, rest, KVP_WFORMAT_W8A16, out, err);
	kvp_weights_format_init(&f);
	if ((rest = after(text, fp8)) && !*rest) {
		f.kind = KVP_WFORMAT_FP8;
		strcpy(f.name, "fp8");
	} else if (strcasecmp(text, "nvfp4") == 0) {
		f.kind = KVP_WFORMAT_NVFP4;
		strcpy(f.name, "nvfp4");
	} else if (strcasecmp(text, "mxfp4") == 0) {
		f.kind = KVP_WFORMAT_MXFP4;
		strcpy(f.name, "mxfp4");
	} else if ((t = kvp__ggml_quant_named(text))) {
		f.kind = KVP_WFORMAT_GGUF;
		f.block_values = t->block;
		f.block_bytes = t->bytes;
		snprintf(f.name, sizeof f.name, "%s", t->name);
	} else {
		return kvp__error(err, KVP_ERR_NOT_FOUND, "'%s' is not a weights format",
		                  kvp_escape(text, quoted, sizeof quoted));
	}
	*out = f;
	return kvp__error_clear(err);
}

kvp_status kvp_weights_format_parse(const char *text, kvp_weights_format *out,
                                    kvp_error *err)
{
	char quoted[KVP_QUOTE_MAX], base[256];
	kvp_weights_format f;
	uint32_t keep = 0, bits, layers[2][KVP_WPROJ_COUNT] = {{0}};
	bool any = false;
	size_t len = 0;
	kvp_status st;

	if (!text || !out)
		return kvp__error(err, KVP_ERR_INVALID, "no weights format given");
	/* the keep16 parts, anywhere after the format's first, out of the
	 * text; the rest is the format's own name */
	for (const char *p = text, *q; *p; p = *q ? q + 1 : q) {
		size_t n;

		for (q = p; *q && *q != ':'; q++)
			;
		n = (size_t)(q - p);
		if (p != text) {
			int which = 0, r;
			bool eight = false;
			uint32_t count = 0;

			if ((r = layers_part(p, n, &which, &eight, &count)) < 0 ||
			    (r > 0 && layers[eight][which]))
				return kvp__error(err, KVP_ERR_PARSE, "weights format '%s': '%.*s'"
				                  " %s", kvp_escape(text, quoted, sizeof quoted),
				                  (int)(n < 24 ? n : 24), p, r < 0
				                  ? "needs a count of layers from 1 to 1048576"
				                  : "is given twice");
			if (r > 0) {
				layers[eight][which] = count;
				any = true;
				continue;
			}
		}
		if (p != text && (bits = keep_part(p, n)) != 0) {
			if (keep & bits) {
				char part[16];

				snprintf(part, sizeof part, "%.*s", (int)n, p); /* a keep part */
				return kvp__error(err, KVP_ERR_PARSE, "weights format '%s': '%s'"
				                  " %s", kvp_escape(text, quoted, sizeof quoted), part,
				                  bits == KVP__WPART_HEAD ? "is given twice"
				                  : "keeps 16-bit what another part already does");
			}
			keep |= bits;
			continue;
		}
		if (len + n + 2 > sizeof base)
			return kvp__error(err, KVP_ERR_PARSE, "weights format '%s' is longer than"
			                  " any format's name",
			                  kvp_escape(text, quoted, sizeof quoted));
		if (p != text)
			base[len++] = ':';
		memcpy(base + len, p, n);
		len += n;
		if (!*q)
			break;
	}
	/* a trailing ':' stays, for the name's own parse to refuse */
	if (len && text[strlen(text) - 1] == ':')
		base[len++] = ':';
	base[len] = '\0';
	if (!keep && !any)
		return parse_base(text, out, err);
	if ((st = parse_base(base, &f, err)) != KVP_OK) {
		/* the message quotes the name as given, its keep parts too */
		char was[KVP_QUOTE_MAX + 2], now[KVP_QUOTE_MAX + 2], *at;

		snprintf(was, sizeof was, "'%s'", kvp_escape(base, quoted, sizeof quoted));
		snprintf(now, sizeof now, "'%s'", kvp_escape(text, quoted, sizeof quoted));
		if (err && (at = strstr(err->message, was)) != NULL) {
			char message[KVP_ERROR_MESSAGE_MAX];

			snprintf(message, sizeof message, "%.*s%s%s", (int)(at - err->message),
			         err->message, now, at + strlen(was));
			memcpy(err->message, message, sizeof message);
		}
		return st;
	}
	if (f.kind == KVP_WFORMAT_GGUF)
		return kvp__error(err, KVP_ERR_PARSE, "weights format '%s': a GGUF type %s"
		                  " (its file's types are its own: --gguf)",
		                  kvp_escape(text, quoted, sizeof quoted),
		                  (keep & ~KVP__WPART_HEAD) || any
		                  ? "keeps no layers 16-bit" : "quantizes the head anyway");
	/* AWQ's and GPTQ's configs alone say "lm_head": vLLM's GPTQConfig,
	 * GPTQMarlinConfig, AWQConfig and AWQMarlinConfig lm_head_quantized,
	 * AutoRound's extra_config (lib/hf_quant.c) */
	if ((keep & KVP__WPART_HEAD) && f.kind != KVP_WFORMAT_AWQ && f.kind != KVP_WFORMAT_GPTQ)
		return kvp__error(err, KVP_ERR_PARSE, "weights format '%s': ':lm_head' quantizes"
		                  " the head of int4-awq and int4-gptq alone",
		                  kvp_escape(text, quoted, sizeof quoted));
	for (int i = 0; i < KVP_WPROJ_COUNT; i++) {
		if ((layers[0][i] || layers[1][i]) && (keep & proj_keep[i]))
			return kvp__error(err, KVP_ERR_PARSE, "weights format '%s': a count of"
			                  " %s layers beside them all",
			                  kvp_escape(text, quoted, sizeof quoted), proj_names[i]);
		/* fp8 beside nvfp4 (ModelOpt's MIXED_PRECISION) alone */
		if (layers[1][i] && f.kind != KVP_WFORMAT_NVFP4)
			return kvp__error(err, KVP_ERR_PARSE, "weights format '%s': ':%s8=N'"
			                  " holds fp8 layers in an nvfp4 format alone",
			                  kvp_escape(text, quoted, sizeof quoted), proj_names[i]);
		f.layers16[i] = layers[0][i];
		f.layers8[i] = layers[1][i];
	}
	kvp__wformat_keep(&f, keep);
	*out = f;
	return kvp__error_clear(err);
}
