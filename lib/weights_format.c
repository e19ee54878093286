/*
 * weights_format.c — the bytes of a model's weights in a checkpoint format,
 * when no file counts them: the formats' names, and each one's estimate
 * from the model's params, vocab, hidden size and tied embeddings.
 *
 * Checkpoint formats quantize the blocks' linear layers; the embeddings,
 * the LM head and the norms stay 16-bit.  Per linear weight:
 *   int4-awq:gG   (AutoAWQ GEMM layout: qweight int32 [in, out/8], scales
 *                 fp16 [in/G, out], qzeros int32 [in/G, out/8]):
 *                 1/2 + 2/G + 1/(2G) B, 133/256 at G = 128;
 *   int4-gptq:gG  (AutoGPTQ: qweight [in/8, out], the same scales and
 *                 zeros, g_idx int32 [in]): the same and 4 B per input row;
 *   fp8           1 B, and an fp32 weight_scale per tensor;
 *   nvfp4         (ModelOpt: 8 B of e2m1 pairs and one fp8 scale per 16):
 *                 9/16 B, and an fp32 weight_scale_2 and input_scale per
 *                 tensor;
 *   mxfp4         (gpt-oss: 16 B of e2m1 pairs and one e8m0 scale per 32):
 *                 17/32 B, on the MLP and experts only, attention 16-bit;
 *   w4a16:gG      (compressed-tensors pack-quantized, llm-compressor's
 *                 W4A16: weight_packed int32 [out, in/8], weight_scale
 *                 16-bit [out, in/G], weight_shape int64 [2]):
 *                 1/2 + 2/G B (33/64 at G = 128), and 16 B a
 *                 tensor; ":asym" a packed 4-bit zero per group more,
 *                 ":actorder" a 4-byte g_idx per input row;
 *                 w4a16:channel a scale (and zero) an output row;
 *   w8a16         (pack-quantized 8-bit, llm-compressor's W8A16:
 *                 weight_packed int32 [out, in/4], weight_scale 16-bit
 *                 [out, 1]): 1 B, 2 B an output row and 16 B a tensor;
 *                 w8a16:gG a scale per G inputs, 1 + 2/G B; zero points
 *                 a byte, g_idx as w4a16's;
 *   w8a8          (int-quantized, W8A8 int8: weight int8 [out, in],
 *                 weight_scale 16-bit [out, 1]): 1 B, and 2 B an output
 *                 row; ":asym" an int8 zero a row more.
 * GGUF types (ggml's blocks, lib/ggml_types.c) apply to every 2-D tensor,
 * embeddings and head too, and the 1-D norms stay f32.
 *
 * A mixture of experts' routers (hidden x experts a routed layer) are
 * left as they were by every format: 16-bit in the checkpoints
 * (DeepSeek-V3's fp8 release keeps mlp.gate in bf16, Qwen3's FP8 lists
 * mlp.gate among its ignored layers, AWQ and GPTQ leave the gate out,
 * gpt-oss's MXFP4 keeps mlp.router in bf16), f32 in GGUF (llama.cpp's
 * llama-quant.cpp: "do not quantize expert gating tensors",
 * ffn_gate_inp.weight; convert_hf_to_gguf.py writes it f32).
 *
 * The shape is a dense transformer's: norms (2 x layers + 1) x hidden, seven
 * linear tensors a layer (q, k, v, o, gate, up, down), the input rows of a
 * layer 5 x hidden + heads x v_head_dim + the MLP's intermediate (its
 * params / 3 hidden).  The per-tensor terms are a few kilobytes, the norms a
 * few hundred: the estimate is within them of the checkpoint (tests/
 * test_weights.c holds it to published ones).
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gguf.h"
#include "internal.h"

#define GROUP_MAX 65536u

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
			if ((group = group * 10 + (unsigned long)(*end - '0')) > GROUP_MAX)
				break;
		if (group == 0 || group > GROUP_MAX)
			return kvp__error(err, KVP_ERR_RANGE, "weights format '%s': the group"
			                  " size must be 1 to %u inputs",
			                  kvp_escape(text, quoted, sizeof quoted), GROUP_MAX);
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
				if (group <= GROUP_MAX) /* past it stays past it */
					group = group * 10 + (unsigned long)(p[i] - '0');
			if (i == n && (group == 0 || group > GROUP_MAX))
				return kvp__error(err, KVP_ERR_RANGE, "weights format '%s': the"
				                  " group size must be 1 to %u inputs",
				                  kvp_escape(text, quoted, sizeof quoted), GROUP_MAX);
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

static const char *after(const char *text, const char *const *prefixes)
{
	for (int i = 0; prefixes[i]; i++) {
		size_t n = strlen(prefixes[i]);

		if (strncasecmp(text, prefixes[i], n) == 0 && (text[n] == 0 || text[n] == ':'))
			return text + n;
	}
	return NULL;
}

kvp_status kvp_weights_format_parse(const char *text, kvp_weights_format *out,
                                    kvp_error *err)
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

/* ceil(n x num / den) for den > 0, n x num < 2^128 (n, num < 2^64). */
static unsigned __int128 scaled(uint64_t n, uint64_t num, uint64_t den)
{
	unsigned __int128 x = (unsigned __int128)n * num;

	return x / den + (x % den != 0);
}

/* A mixture of experts' routers' parameters: hidden x experts in each
 * routed layer (kvp__expert_layers where the layers differ); 0 for a
 * dense model.  Under 2^96. */
static unsigned __int128 router_params(const kvp_model *m)
{
	uint32_t experts = m->moe_experts ? m->moe_experts : m->moe_routed_experts;
	uint64_t layers;

	if (!experts || !m->moe_intermediate)
		return 0;
	layers = m->moe_experts ? kvp__expert_layers(m, 0, m->layers) : m->layers;
	return (unsigned __int128)layers * m->hidden * experts;
}

/* The linear tensors' parameters and rows, for the formats' per-row and
 * per-tensor terms, of linear parameters in all: q, k, v and o in each
 * attention layer (attn their parameters, at most linear), gate, up and down in
 * each MLP block; the blocks the layers for a dense model (their inner
 * size the MLP's params over 3 x hidden), for a mixture of experts each
 * routed layer's experts (moe_intermediate) and shared experts
 * (moe_shared_intermediate) and each dense layer's MLP
 * (dense_intermediate, else intermediate).  in: the input rows
 * (q, k, v, gate and up read hidden, o heads x v_head_dim, down the
 * block's inner size), out: the output rows, tensors: how many. */
struct rows {
	unsigned __int128 attn, in, out, tensors;
};

static struct rows linear_rows(const kvp_model *m, uint64_t linear)
{
	struct rows r = {0, 0, 0, 0};
	uint32_t hd_v = m->head_dim_v ? m->head_dim_v : m->head_dim;
	unsigned __int128 inner, blocks = m->layers;

	for (uint32_t i = 0; i < m->layers; i++) {
		uint64_t kv = kvp_model_layer_kv_heads(m, i);
		uint64_t in = (uint64_t)m->heads * hd_v, out = (uint64_t)m->heads * m->head_dim +
		                                              kv * m->head_dim + kv * hd_v;

		if (!kvp__attention_kind(kvp_model_layer_kind(m, i)))
			continue;
		r.attn += (unsigned __int128)m->hidden * (in + out);
		r.in += 3 * (uint64_t)m->hidden + in;
		r.out += out + m->hidden;
		r.tensors += 4;
	}
	if (r.attn > linear)
		r.attn = linear;
	inner = (linear - (uint64_t)r.attn) / (3 * (uint64_t)m->hidden);
	if ((m->moe_experts || m->moe_routed_experts) && m->moe_intermediate) {
		/* the routed layers' experts and shared experts, the dense
		 * layers' MLPs, each block its own inner size */
		uint64_t experts = m->moe_experts ? m->moe_experts : m->moe_routed_experts;
		uint64_t routed = m->moe_experts ? kvp__expert_layers(m, 0, m->layers) : m->layers;
		uint64_t dense = m->layers - routed;
		uint64_t dense_i = m->dense_intermediate ? m->dense_intermediate : m->intermediate;

		blocks = (unsigned __int128)routed * experts +
		         (m->moe_shared_intermediate ? routed : 0) + (dense_i ? dense : 0);
		inner = (unsigned __int128)routed * experts * m->moe_intermediate +
		        (unsigned __int128)routed * m->moe_shared_intermediate +
		        (unsigned __int128)dense * dense_i;
	}
	r.in += 2 * blocks * m->hidden + inner;
	r.out += 2 * inner + blocks * m->hidden;
	r.tensors += 3 * blocks;
	return r;
}

/* The bytes of the parameters format f quantizes, e->quantized_params
 * set to how many they are: the linear layers (less attention's for
 * MXFP4) for a checkpoint format, every 2-D tensor for a GGUF type. */
static unsigned __int128 quantized(const kvp_model *m, const kvp_weights_format *f,
                                   kvp_weights_estimate *e)
{
	unsigned __int128 tensors = (unsigned __int128)7 * m->layers;
	unsigned __int128 router = router_params(m);
	struct rows rows;
	uint64_t n, linear, g = f->group, b, zero;

	/* The routers as they were (above), less past what is linear. */
	if (router > e->linear_params)
		router = e->linear_params;
	linear = e->linear_params - (uint64_t)router;
	if (f->kind == KVP_WFORMAT_GGUF) {
		n = e->quantized_params = linear + e->embedding_params + e->head_params;
		return (unsigned __int128)(n / f->block_values + (n % f->block_values != 0)) *
		       f->block_bytes;
	}
	rows = linear_rows(m, linear);
	n = e->quantized_params = linear - (f->kind == KVP_WFORMAT_MXFP4 ? (uint64_t)rows.attn : 0);
	switch (f->kind) {
	case KVP_WFORMAT_AWQ:
		return scaled(n, g + 5, 2 * g);
	case KVP_WFORMAT_GPTQ:
		/* AWQ's, and a 4-byte g_idx an input row */
		return scaled(n, g + 5, 2 * g) + 4 * rows.in;
	case KVP_WFORMAT_W4A16:
	case KVP_WFORMAT_W8A16:
		/* compressed-tensors' pack-quantized (its PackedQuantization-
		 * Compressor, b bits packed into int32 along the inputs):
		 * weight_packed int32 [out, in x b/32], weight_scale in the
		 * model's 16-bit type [out, in/G] (or [out, 1] a channel),
		 * weight_shape int64 [2]; weight_zero_point int32 [out x b/32,
		 * in/G] when asymmetric, packed along the outputs; weight_g_idx
		 * int32 [in] under actorder "group":
		 * b/8 + 2/G B a weight, b/(8G) more with zero points; a
		 * channel's 2 B and b/8 an output row. */
		b = f->kind == KVP_WFORMAT_W8A16 ? 8 : 4;
		zero = f->asymmetric ? b : 0;
		return (g ? scaled(n, b * g + 16 + zero, 8 * g)
		          : scaled(n, b, 8) + (rows.out * (16 + zero) + 7) / 8) +
		       16 * rows.tensors + (f->g_idx ? 4 * rows.in : 0);
	case KVP_WFORMAT_W8A8:
		/* int-quantized (NaiveQuantizationCompressor): weight int8
		 * [out, in], weight_scale 16-bit [out, 1], an int8 zero
		 * point [out, 1] when asymmetric; dynamic activations keep no
		 * input scale. */
		return (unsigned __int128)n + (f->asymmetric ? 3 : 2) * rows.out;
	case KVP_WFORMAT_FP8:
		return (unsigned __int128)n + 4 * tensors;
	case KVP_WFORMAT_NVFP4:
		return scaled(n, 9, 16) + 8 * tensors;
	case KVP_WFORMAT_MXFP4:
	default: /* the kinds are checked before */
		return scaled(n, 17, 32);
	}
}

kvp_status kvp__plain_weights(const char *name, uint64_t params, kvp_dtype plain,
                              uint64_t *bytes, kvp_error *err)
{
	char label[KVP_QUOTE_MAX];
	kvp_status st = kvp_dtype_bytes(plain, params, bytes, NULL);

	if (st == KVP_OK)
		return KVP_OK;
	if (st == KVP_ERR_OVERFLOW)
		return kvp__error(err, st, "weights of %s: %llu parameters as %s overflow"
		                  " 64-bit bytes", kvp__label(name, "the model", label),
		                  (unsigned long long)params, kvp_dtype_name(plain));
	return kvp__error(err, st, "weights cannot be stored as %s", kvp_dtype_name(plain));
}

kvp_status kvp_weights_estimate_compute(const kvp_model *m, const kvp_weights_format *f,
                                        kvp_dtype plain, kvp_weights_estimate *out,
                                        kvp_error *err)
{
	char label[KVP_QUOTE_MAX];
	kvp_weights_estimate e = {0};
	unsigned __int128 embed, norms, q, rest;
	kvp_status st;

	if (!m || !f || !out)
		return kvp__error(err, KVP_ERR_INVALID, "no model or weights format given");
	if (f->kind == KVP_WFORMAT_PLAIN) {
		if ((st = kvp__plain_weights(m->name, m->params, plain, &e.bytes, err)) != KVP_OK)
			return st;
		e.quantized_params = m->params;
		e.quantized_bytes = e.bytes;
		*out = e;
		return kvp__error_clear(err);
	}
	if ((unsigned)f->kind > KVP_WFORMAT_W8A16 ||
	    (f->kind == KVP_WFORMAT_GGUF && (!f->block_values || !f->block_bytes)) ||
	    ((f->kind == KVP_WFORMAT_AWQ || f->kind == KVP_WFORMAT_GPTQ) && f->group == 0) ||
	    f->group > GROUP_MAX || (kvp__wna16(f) && f->g_idx && !f->group))
		return kvp__error(err, KVP_ERR_INVALID, "invalid weights format");
	if (!m->params || !m->vocab || !m->hidden)
		return kvp__error(err, KVP_ERR_INVALID, "weights of %s as %s: the estimate"
		                  " needs the model's %s", kvp__label(m->name, "the model", label),
		                  f->name, !m->params ? "parameter count" : !m->vocab
		                  ? "vocabulary size" : "hidden size");
	embed = (unsigned __int128)m->vocab * m->hidden;
	norms = ((unsigned __int128)2 * m->layers + 1) * m->hidden;
	if (embed * (m->tie_embeddings ? 1 : 2) + norms > m->params)
		return kvp__error(err, KVP_ERR_INVALID, "%s: %llu parameters are fewer than"
		                  " its embeddings, head and norms",
		                  kvp__label(m->name, "the model", label),
		                  (unsigned long long)m->params);
	e.embedding_params = (uint64_t)embed;
	e.head_params = m->tie_embeddings ? 0 : (uint64_t)embed;
	e.norm_params = (uint64_t)norms;
	e.linear_params = m->params - e.embedding_params - e.head_params - e.norm_params;
	/* The rest stays 16-bit, or f32 in GGUF (its 1-D norms). */
	q = quantized(m, f, &e);
	rest = ((unsigned __int128)m->params - e.quantized_params) *
	       (f->kind == KVP_WFORMAT_GGUF ? 4 : 2);
	if (q > UINT64_MAX || q + rest > UINT64_MAX)
		return kvp__error(err, KVP_ERR_OVERFLOW, "weights of %s as %s overflow 64-bit"
		                  " bytes", kvp__label(m->name, "the model", label), f->name);
	e.quantized_bytes = (uint64_t)q;
	e.other_bytes = (uint64_t)rest;
	e.bytes = (uint64_t)(q + rest);
	*out = e;
	return kvp__error_clear(err);
}
