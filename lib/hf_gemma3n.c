/*
 * hf_gemma3n.c — Google's Gemma 3n (Gemma3nTextConfig: model_type
 * gemma3n, its text_config gemma3n_text), as transformers builds it
 * (src/transformers/models/gemma3n/configuration_gemma3n.py @ 0185480976,
 * modeling_gemma3n.py @ 00aa0f5dc1) and vLLM caches it
 * (vllm/model_executor/models/gemma3n.py @ 034f08e6, Gemma3nAttention).
 * Research: /work/research/gemma3n.md.
 *
 *  - Sliding layers (window 512) with every fifth full, 2 kv heads of 256.
 *  - The last num_kv_shared_layers layers read the cache of the last
 *    earlier layer of their type (kvp_model kv_shared_layers: layer 18
 *    for a sliding one, 19 for a full one in E2B and E4B), yet keep their
 *    k_proj, v_proj and k_norm in the checkpoint.
 *  - Per-layer embeddings (hidden_size_per_layer_input, kvp_model
 *    layer_input_width), AltUp's projections and coefficients, LAuReL's
 *    low-rank residual; intermediate_size a list of one width a layer.
 *
 * The parameters block by block (kvp__hf_gemma3n_params), the MobileNetV5
 * vision tower at the size keras-hub publishes, come to the published
 * totals: E2B 5,439,595,456 and E4B 7,850,135,376 (keras-hub's
 * gemma3n_presets.py).
 */
#include <string.h>

#include "hfconfig.h"

typedef unsigned __int128 u128;

/* Gemma3nTextConfig's defaults (E4B's). */
const struct hf_default kvp__hf_d_gemma3n[] = {
	{"vocab_size", 262400, NULL}, {"hidden_size", 2048, NULL},
	{"num_hidden_layers", 35, NULL}, {"num_attention_heads", 8, NULL},
	{"num_key_value_heads", 2, NULL}, {"head_dim", 256, NULL},
	{"max_position_embeddings", 32768, NULL}, {"intermediate_size", 16384, NULL},
	{"num_kv_shared_layers", 15, NULL}, {"hidden_size_per_layer_input", 256, NULL},
	{"vocab_size_per_layer_input", 262144, NULL}, {NULL, 0, NULL}};

/* The vision towers whose size the config cannot give (timm's
 * architecture, built from its code): MobileNetV5-300M's parameters as
 * keras-hub publishes them (mobilenetv5_presets.py,
 * mobilenetv5_300m_enc_gemma3n), which E2B's and E4B's totals bear out. */
static const struct {
	const char *architecture;
	uint64_t params;
} towers[] = {{"mobilenetv5_300m_enc", 294284096}};

bool kvp__hf_gemma3n(const struct hf *h)
{
	return strncmp(h->family, "gemma3n", 7) == 0;
}

kvp_status kvp__hf_rule_gemma3n(struct hf *h)
{
	static const char *const k_shared[] = {"num_kv_shared_layers", NULL};
	static const char *const k_ple[] = {"hidden_size_per_layer_input", NULL};
	kvp_model *m = h->m;
	uint64_t shared = 0, ple = 0;
	kvp_status st;

	/* layer_types, else (i + 1) % 5 == 0 full (__post_init__) */
	if ((st = kvp__hf_windows_every(h, 5, 512)) != KVP_OK)
		return st;
	if (kvp__hf_uint(h, "kv_shared_layers", k_shared, UINT32_MAX, &shared) < 0 ||
	    kvp__hf_uint(h, NULL, k_ple, UINT32_MAX, &ple) < 0)
		return KVP_ERR_PARSE;
	if (shared >= m->layers)
		return kvp__hf_fail(h, "num_kv_shared_layers", "%llu of %u layers: none would"
		                    " keep a cache to share", (unsigned long long)shared,
		                    m->layers);
	m->kv_shared_layers = (uint32_t)shared;
	m->layer_input_width = (uint32_t)ple;
	return KVP_OK;
}

/* A tower's sizes are at most 2^20 (the released ones' under 2^12), so
 * that its sums stay far inside 128 bits. */
#define TOWER_MAX (1u << 20)

/* A count a config gives, at most max (its key absent or null: deflt);
 * with positive, 0 refused.  -1 on a fault, reported. */
static int count_of(struct hf *h, const char *key, uint64_t deflt, uint64_t max,
                    bool positive, uint64_t *out)
{
	if (kvp__hf_count(h, key, deflt, max, out) < 0)
		return -1;
	if (positive && *out == 0) {
		kvp__hf_fail(h, key, "0: a tower part of no size");
		return -1;
	}
	return 0;
}

/* Two counts under key (sscp_conv_channel_size), or two pairs of them:
 * entry [i][j] where pairs, else [i]; deflt where absent or null. */
static int entry(struct hf *h, const char *key, size_t i, int j, uint64_t deflt,
                 uint64_t *out)
{
	json_t *v = json_object_get(h->cfg, key);

	*out = deflt;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_array(v) || json_array_size(v) != 2 ||
	    (j >= 0 && (!json_is_array(json_array_get(v, i)) ||
	                json_array_size(json_array_get(v, i)) != 2))) {
		kvp__hf_fail(h, key, "expected two %s", j >= 0 ? "pairs of counts" : "counts");
		return -1;
	}
	v = json_array_get(v, i);
	if (j >= 0)
		v = json_array_get(v, (size_t)j);
	if (!json_is_integer(v) || json_integer_value(v) <= 0 ||
	    json_integer_value(v) > TOWER_MAX) {
		kvp__hf_fail(h, key, "entry %zu is not a count from 1 to 2^20", i);
		return -1;
	}
	*out = (uint64_t)json_integer_value(v);
	return 0;
}

/* A tower's config: absent or null (none), else an object. */
static int tower_object(struct hf *h, const char *key, json_t **out)
{
	*out = json_object_get(h->top, key);
	if (*out && !json_is_null(*out) && !json_is_object(*out)) {
		struct hf top = kvp__hf_object(h, h->top, "");

		kvp__hf_fail(&top, key, "expected an object");
		return -1;
	}
	return 0;
}

/* Gemma3nMultimodalEmbedder: its vocab_size rows of the tower's width,
 * the hard and soft norms, the projection to the text's width (the
 * norm after it has no weight). */
static u128 embedder(uint64_t vocab, uint64_t width, uint64_t text)
{
	return (u128)vocab * width + 2 * (u128)width + (u128)width * text;
}

/* The audio tower (Gemma3nAudioEncoder) and its embedder: the
 * subsampler's two convolutions of 3 x 3 (no bias) with their group
 * norms, the frequency bins they leave (padded by one on each side) x
 * the second's channels projected to hidden_size; each conformer block's
 * two feed-forwards (4 x hidden, with pre and post norms), attention (q,
 * k, v, the relative positions' projection, post, per_dim_scale, two
 * norms), light conv (linear_start to 2 hidden, a depthwise conv of
 * conf_conv_kernel_size taps, linear_end, two norms) and norm. */
static int audio(struct hf *h, uint64_t text, u128 *out)
{
	json_t *a;
	struct hf in;
	uint64_t d, layers, heads, kernel, feat, vocab, c[2], k[2][2], s[2];
	u128 freq, block;

	*out = 0;
	if (tower_object(h, "audio_config", &a) < 0)
		return -1;
	if (!json_is_object(a))
		return 0;
	in = kvp__hf_object(h, a, "audio_config.");
	if (count_of(&in, "hidden_size", 1536, TOWER_MAX, true, &d) ||
	    count_of(&in, "conf_num_hidden_layers", 12, TOWER_MAX, false, &layers) ||
	    count_of(&in, "conf_num_attention_heads", 8, TOWER_MAX, true, &heads) ||
	    count_of(&in, "conf_conv_kernel_size", 5, TOWER_MAX, false, &kernel) ||
	    count_of(&in, "input_feat_size", 128, TOWER_MAX, true, &feat) ||
	    count_of(&in, "vocab_size", 128, TOWER_MAX, false, &vocab))
		return -1;
	for (size_t i = 0; i < 2; i++)
		if (entry(&in, "sscp_conv_channel_size", i, -1, i ? 32 : 128, &c[i]) ||
		    entry(&in, "sscp_conv_kernel_size", i, 0, 3, &k[i][0]) ||
		    entry(&in, "sscp_conv_kernel_size", i, 1, 3, &k[i][1]) ||
		    entry(&in, "sscp_conv_stride_size", i, 1, 2, &s[i]))
			return -1;
	if (d % heads) {
		kvp__hf_fail(&in, "conf_num_attention_heads", "%llu does not divide hidden_size"
		             " %llu", (unsigned long long)heads, (unsigned long long)d);
		return -1;
	}
	freq = feat;
	for (size_t i = 0; i < 2; i++) {
		if (freq + 2 < k[i][1]) {
			kvp__hf_fail(&in, "sscp_conv_kernel_size", "entry %zu is wider than the"
			             " %llu bins it reads", i, (unsigned long long)freq);
			return -1;
		}
		freq = (freq + 2 - k[i][1]) / s[i] + 1;
	}
	block = 2 * ((u128)8 * d * d + 2 * d) + ((u128)5 * d * d + 2 * d + d / heads) +
	        ((u128)3 * d * d + 2 * d + (u128)kernel * d) + d;
	*out = (u128)c[0] * k[0][0] * k[0][1] + c[0] + (u128)c[1] * c[0] * k[1][0] * k[1][1] +
	       c[1] + freq * c[1] * d + layers * block + embedder(vocab, d, text);
	return 0;
}

/* The vision tower at its published size, and its embedder; a tower of
 * another architecture is refused. */
static int vision(struct hf *h, uint64_t text, u128 *out)
{
	json_t *v, *name;
	struct hf in;
	const char *arch;
	uint64_t width, vocab;

	*out = 0;
	if (tower_object(h, "vision_config", &v) < 0)
		return -1;
	if (!json_is_object(v))
		return 0;
	in = kvp__hf_object(h, v, "vision_config.");
	name = json_object_get(v, "architecture");
	if (name && !json_is_null(name) && !json_is_string(name)) {
		kvp__hf_fail(&in, "architecture", "expected a name");
		return -1;
	}
	if (count_of(&in, "hidden_size", 2048, TOWER_MAX, true, &width) ||
	    count_of(&in, "vocab_size", 128, TOWER_MAX, false, &vocab))
		return -1;
	/* absent or null: Gemma3nVisionConfig's */
	arch = json_is_string(name) ? json_string_value(name) : "mobilenetv5_300m_enc";
	for (size_t i = 0; i < sizeof towers / sizeof towers[0]; i++)
		if (strcmp(arch, towers[i].architecture) == 0) {
			*out = towers[i].params + embedder(vocab, width, text);
			return 0;
		}
	kvp__hf_fail(&in, "architecture", "\"%.64s\": a tower whose size kvplan does not"
	             " know (it knows mobilenetv5_300m_enc's)", arch);
	return -1;
}

int kvp__hf_gemma3n_params(struct hf *h, const kvp_model *m, u128 *total, u128 *towers_out)
{
	u128 d = m->hidden, n, layer, v = 0, a = 0;
	uint64_t ple, ple_vocab, alt, rank;

	if (!kvp__hf_gemma3n(h))
		return 0;
	if (kvp__hf_count(h, "hidden_size_per_layer_input", 256, UINT32_MAX, &ple) ||
	    kvp__hf_count(h, "vocab_size_per_layer_input", 262144, UINT32_MAX, &ple_vocab) ||
	    kvp__hf_count(h, "altup_num_inputs", 4, UINT32_MAX, &alt) ||
	    kvp__hf_count(h, "laurel_rank", 64, UINT32_MAX, &rank) ||
	    vision(h, m->hidden, &v) < 0 || audio(h, m->hidden, &a) < 0)
		return -1;
	if (!alt) {
		kvp__hf_fail(h, "altup_num_inputs", "0: AltUp needs one input");
		return -1;
	}
	if (!m->intermediate) {
		kvp__hf_fail(h, "intermediate_size", "0 or null: each Gemma 3n layer runs an MLP");
		return -1;
	}
	/* embed_tokens (the head tied), the final norm; the per-layer
	 * inputs' table, projection and norm; AltUp's projections and
	 * unembedding projections, altup_num_inputs - 1 of each */
	n = (u128)m->vocab * d * (m->tie_embeddings ? 1 : 2) + d +
	    (u128)ple_vocab * m->layers * ple + d * m->layers * ple + ple +
	    2 * (u128)(alt - 1) * d * d;
	/* a layer: q_proj and o_proj, k_proj and v_proj (the shared layers'
	 * too), q_norm and k_norm (v_norm has no weight); the MLP; four
	 * norms; AltUp's correct_output_scale, correction and prediction
	 * coefficients (n x n, n x n^2), modality_router (n x hidden) and
	 * router_norm; LAuReL's two projections and norm; the per-layer
	 * input's gate, projection and norm */
	layer = 2 * d * m->heads * m->head_dim + 2 * d * m->kv_heads * m->head_dim +
	        2 * (u128)m->head_dim + 3 * d * m->intermediate + 4 * d +
	        (d + (u128)alt * alt + (u128)alt * alt * alt + alt * d + d) +
	        (2 * (u128)rank * d + d) + (ple ? 2 * d * ple + d : 0);
	n += layer * m->layers;
	*towers_out = v + a;
	*total = n + v + a;
	return 1;
}
