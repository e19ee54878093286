/*
 * hf_vision.c — a multimodal config.json's vision tower and projector,
 * counted from its vision_config where no checkpoint is beside it
 * (kvp_model vision_params, which llama.cpp keeps in its mmproj file and
 * a checkpoint format leaves 16-bit).  Read in transformers' modelling
 * code (research: /work/research/vision-params.md and
 * vision-towers-2.md); each family's count agrees to the parameter with
 * a published checkpoint total (the catalogue's Gemma 3, Qwen3.5 and
 * Llama 4 profiles; tests/test_hf_vision.c the others):
 *  - Gemma 3 (SiglipVisionModel without its head, vision_use_head false;
 *    Gemma3MultiModalProjector): the patch Conv2d C x p x p x h and its
 *    bias, (image / p)^2 positions, each layer's two LayerNorms, q, k, v
 *    and out of h x h with biases and fc1, fc2 of h x I with biases, the
 *    post LayerNorm; the projector vision hidden x text hidden and its
 *    RMSNorm of the vision hidden;
 *  - Qwen3.5 and Qwen3-VL (Qwen3VLVisionModel): the patch Conv3d C x t x
 *    p x p x h and its bias, num_position_embeddings positions, each
 *    block's two LayerNorms, qkv and proj with biases, fc1 and fc2 with
 *    biases, and the merger (a LayerNorm of h, h m^2 square and h m^2 x
 *    out_hidden_size, with biases), the projection to the text model's
 *    width; Qwen3-VL's deepstack mergers besides, one for each of
 *    deepstack_visual_indexes, each a merger whose LayerNorm is of h m^2;
 *  - Qwen2-VL (Qwen2VisionTransformerPretrainedModel): the patch Conv3d
 *    without bias, of embed_dim E (its hidden_size is the merger's output
 *    width), blocks of two LayerNorms, qkv and proj with biases, fc1 and
 *    fc2 of E x int(E x mlp_ratio) with biases, the merger as Qwen3's;
 *  - Qwen2.5-VL (Qwen2_5_VisionTransformerPretrainedModel): the patch
 *    Conv3d without bias, blocks of two RMSNorms, qkv and proj with
 *    biases, a gated MLP of intermediate_size with biases on all three,
 *    the merger's RMSNorm of h and its two linears with biases;
 *  - Llama 4 (Llama4VisionModel, Llama4MultiModalProjector): the patch
 *    unfold C x p x p x h, a class embedding, (image / p)^2 + 1
 *    positions, LayerNorms before and after, each layer's q, k, v, o
 *    and fc1, fc2 with biases and two LayerNorms, the pixel-shuffle
 *    adapter's fc1 I x projector_input_dim and fc2 projector_output_dim
 *    square (no biases), and the projector vision_output_dim x text
 *    hidden;
 *  - Mistral 3 and Pixtral in LLaVA's form (PixtralVisionModel): the
 *    patch Conv2d without bias, ln_pre, each layer's two RMSNorms, q, k,
 *    v, o and a gated MLP without biases; Mistral 3's projector an
 *    RMSNorm of the vision hidden, the patch merger (vision hidden m^2 x
 *    vision hidden, m the top-level spatial_merge_size) and linear_1,
 *    linear_2 to the text width; LLaVA's linear_1, linear_2 alone;
 *    both biased by multimodal_projector_bias (Mistral3Config's default
 *    false, LlavaConfig's true), linear_1's input the vision hidden once
 *    for each vision_feature_layer;
 *  - LLaVA's CLIP (CLIPVisionModel, as transformers builds and the
 *    checkpoint holds it: every layer and post_layernorm, although the
 *    feature layer is the second to last): a class embedding, the patch
 *    Conv2d without bias, (image / p)^2 + 1 positions, pre and post
 *    LayerNorms, Gemma 3's layers;
 *  - InternVL (InternVLVisionModel, InternVLMultiModalProjector): a class
 *    token (and a mask token with use_mask_token), the patch Conv2d with
 *    bias, (image / p)^2 + 1 positions, each layer's two norms (a
 *    LayerNorm, or an RMSNorm with norm_type rms_norm), q, k and v of h x
 *    h (biased by attention_bias), the output projection with bias,
 *    q_norm and k_norm of h with use_qk_norm, fc1 and fc2 with biases,
 *    and the two layer scales; a final LayerNorm unless use_mean_pooling;
 *    the projector a LayerNorm of h k and linear_1 (h k x text), linear_2
 *    with biases, k = (1 / downsample_ratio)^2;
 *  - LFM2-VL (Siglip2VisionModel, Lfm2VlMultiModalProjector; research:
 *    /work/research/lfm2-vl-tower.md): the patch embedding a Linear of C x
 *    p x p to h with bias, num_patches positions, Gemma 3's layers, the
 *    post LayerNorm, the pooling head only with vision_use_head true
 *    (probe, attention, LayerNorm and MLP, 4h^2 + 2hI + 8h + I: no
 *    checkpoint holds one, and vLLM builds none, though transformers'
 *    Siglip2VisionModel makes one where the key is absent); the projector
 *    a LayerNorm of h m^2 with
 *    projector_use_layernorm, linear_1 (h m^2 x projector_hidden_size P)
 *    and linear_2 (P x text), biased by projector_bias, m the
 *    downsample_factor.  Every layer is built and loaded (vLLM's
 *    lfm2_vl.py trims none; no config sets vision_feature_layer but -1).
 * Another family's vision_config is not counted (0).
 */
#include <string.h>

#include "hfconfig.h"

typedef unsigned __int128 u128;

/* One transformer layer of width h and MLP I with biases and two
 * LayerNorms: q, k, v and out (4h^2 + 4h), fc1 and fc2 (2hI + I + h),
 * the norms (4h). */
static u128 block(uint64_t h, uint64_t i)
{
	return 4 * (u128)h * h + 2 * (u128)h * i + 9 * h + i;
}

/* A merger of hm = h m^2 inputs to out: its two linears with biases. */
static u128 merger(uint64_t hm, uint64_t out)
{
	return (u128)hm * hm + hm + (u128)hm * out + out;
}

/* The most a vision_config figure may be (2^20): every product below
 * stays in 128 bits, h x m^2 in 64, and a sum past 64 bits saturates as
 * the text model's does. */
#define VISION_MAX (1u << 20)

enum { HIDDEN, INTER, LAYERS, PATCH, IMAGE, CHANNELS, TEMPORAL, POSITIONS, MERGE, OUT,
       PIN, POUT, VOUT, DEPTH, EMBED, KEYS };

/* One config's reading: the vision_config's keys, the top level's. */
struct tower {
	struct hf in, top;
	uint64_t v[KEYS];
	uint64_t text; /* the text model's width */
};

/* A whole number under key of c (0 when absent): 0, or -1 reported. */
static int count(struct hf *c, const char *key, uint64_t *out)
{
	const char *one[] = {key, NULL};

	return kvp__hf_uint(c, NULL, one, VISION_MAX, out) < 0 ? -1 : 0;
}

/* A boolean under key of c, dflt where absent: 0, or -1 reported. */
static int flag(struct hf *c, const char *key, bool dflt, bool *out)
{
	const char *one[] = {key, NULL};

	*out = dflt;
	return kvp__hf_bool(c, one, out) < 0 ? -1 : 0;
}

/* A positive number under key of c, dflt where absent: 0, or -1
 * reported. */
static int real(struct hf *c, const char *key, double dflt, double *out)
{
	json_t *v = json_object_get(c->cfg, key);

	*out = dflt;
	if (!v || json_is_null(v))
		return 0;
	if (!json_is_number(v) || !(json_number_value(v) > 0) ||
	    !(json_number_value(v) <= VISION_MAX)) {
		kvp__hf_fail(c, key, "expected a number above 0 and at most %u", VISION_MAX);
		return -1;
	}
	*out = json_number_value(v);
	return 0;
}

/* A number or a pair of them (InternVL's [448, 448]) under key of c, 0
 * where absent: 0, or -1 reported. */
static int pair(struct hf *c, const char *key, uint64_t *a, uint64_t *b)
{
	json_t *v = json_object_get(c->cfg, key);
	long long x = 0, y = 0;

	*a = *b = 0;
	if (json_is_array(v)) {
		if (json_array_size(v) != 2 ||
		    !json_is_integer(json_array_get(v, 0)) ||
		    !json_is_integer(json_array_get(v, 1)) ||
		    (x = json_integer_value(json_array_get(v, 0))) < 0 || x > VISION_MAX ||
		    (y = json_integer_value(json_array_get(v, 1))) < 0 || y > VISION_MAX) {
			kvp__hf_fail(c, key, "expected a number or two, from 0 to %u", VISION_MAX);
			return -1;
		}
		*a = (uint64_t)x;
		*b = (uint64_t)y;
		return 0;
	}
	if (count(c, key, a) < 0)
		return -1;
	*b = *a;
	return 0;
}

/* The entries of a list under key of c (Qwen3-VL's deepstack indexes, a
 * list of feature layers), 1 for a number, 0 where absent. */
static uint64_t entries(const struct hf *c, const char *key)
{
	json_t *v = json_object_get(c->cfg, key);

	return json_is_array(v) ? json_array_size(v) : v && !json_is_null(v) ? 1 : 0;
}

static u128 gemma3(const struct tower *t)
{
	const uint64_t *v = t->v;
	uint64_t side = v[PATCH] ? v[IMAGE] / v[PATCH] : 0;

	return (u128)v[CHANNELS] * v[PATCH] * v[PATCH] * v[HIDDEN] + v[HIDDEN] +
	       (u128)side * side * v[HIDDEN] + (u128)v[LAYERS] * block(v[HIDDEN], v[INTER]) +
	       2 * v[HIDDEN] +
	       /* the projector and its norm */
	       (u128)v[HIDDEN] * t->text + v[HIDDEN];
}

/* Qwen3.5's and Qwen3-VL's, with deepstack mergers. */
static u128 qwen3(const struct tower *t, uint64_t deepstack)
{
	const uint64_t *v = t->v;
	uint64_t hm = v[HIDDEN] * (v[MERGE] ? v[MERGE] * v[MERGE] : 4);

	return (u128)v[CHANNELS] * (v[TEMPORAL] ? v[TEMPORAL] : 2) * v[PATCH] * v[PATCH] *
	               v[HIDDEN] + v[HIDDEN] +
	       (u128)v[POSITIONS] * v[HIDDEN] + (u128)v[DEPTH] * block(v[HIDDEN], v[INTER]) +
	       2 * v[HIDDEN] + merger(hm, v[OUT]) +
	       (u128)deepstack * (2 * (u128)hm + merger(hm, v[OUT]));
}

/* Qwen2-VL's (ratio its mlp_ratio) and Qwen2.5-VL's (ratio 0: gated). */
static u128 qwen2(const struct tower *t, double ratio)
{
	const uint64_t *v = t->v;
	uint64_t m = v[MERGE] ? v[MERGE] : 2;
	uint64_t patch = (uint64_t)v[CHANNELS] * (v[TEMPORAL] ? v[TEMPORAL] : 2) * v[PATCH] *
	                 v[PATCH];

	if (ratio > 0) {
		/* int(embed_dim x mlp_ratio), as Python truncates */
		uint64_t e = v[EMBED], in = (uint64_t)((double)e * ratio);

		return (u128)patch * e + (u128)v[DEPTH] * block(e, in) + 2 * e +
		       merger(e * m * m, v[HIDDEN]);
	}
	return (u128)patch * v[HIDDEN] +
	       (u128)v[DEPTH] * (4 * (u128)v[HIDDEN] * v[HIDDEN] +
	                         3 * (u128)v[HIDDEN] * v[INTER] + 7 * v[HIDDEN] +
	                         2 * (u128)v[INTER]) +
	       v[HIDDEN] + merger(v[HIDDEN] * m * m, v[OUT]);
}

static u128 llama4(const struct tower *t)
{
	const uint64_t *v = t->v;
	uint64_t side = v[PATCH] ? v[IMAGE] / v[PATCH] : 0;

	return (u128)v[CHANNELS] * v[PATCH] * v[PATCH] * v[HIDDEN] + v[HIDDEN] +
	       ((u128)side * side + 1) * v[HIDDEN] + 4 * v[HIDDEN] +
	       (u128)v[LAYERS] * block(v[HIDDEN], v[INTER]) + (u128)v[INTER] * v[PIN] +
	       (u128)v[POUT] * v[POUT] + (u128)v[VOUT] * t->text;
}

/* LLaVA's projector (linear_1, linear_2; Mistral 3's after its norm and
 * patch merger): 1, or -1 reported. */
static int projector(struct tower *t, bool mistral3, u128 *n)
{
	uint64_t h = t->v[HIDDEN], m = 2, layers = entries(&t->top, "vision_feature_layer");
	bool bias;

	if (flag(&t->top, "multimodal_projector_bias", !mistral3, &bias) < 0 ||
	    (mistral3 && count(&t->top, "spatial_merge_size", &m) < 0))
		return -1;
	if (!m)
		m = 2;
	*n = (u128)h * (layers ? layers : 1) * t->text + (u128)t->text * t->text +
	     (bias ? 2 * t->text : 0);
	if (mistral3)
		*n += h + (u128)h * h * m * m;
	return 1;
}

/* Pixtral's tower (Mistral 3's, and LLaVA's Pixtral). */
static u128 pixtral(const struct tower *t)
{
	const uint64_t *v = t->v;

	return (u128)v[CHANNELS] * v[PATCH] * v[PATCH] * v[HIDDEN] + v[HIDDEN] +
	       (u128)v[LAYERS] * (2 * (u128)v[HIDDEN] + 4 * (u128)v[HIDDEN] * v[HIDDEN] +
	                          3 * (u128)v[HIDDEN] * v[INTER]);
}

/* LLaVA's CLIP. */
static u128 clip(const struct tower *t)
{
	const uint64_t *v = t->v;
	uint64_t side = v[PATCH] ? v[IMAGE] / v[PATCH] : 0;

	return v[HIDDEN] + (u128)v[CHANNELS] * v[PATCH] * v[PATCH] * v[HIDDEN] +
	       ((u128)side * side + 1) * v[HIDDEN] + 4 * (u128)v[HIDDEN] +
	       (u128)v[LAYERS] * block(v[HIDDEN], v[INTER]);
}

/* InternVL's tower and projector: 1, or -1 reported. */
static int internvl(struct tower *t, u128 *n)
{
	struct hf *in = &t->in;
	uint64_t h = t->v[HIDDEN], i = t->v[INTER], s0, s1, p0, p1, k;
	bool mask, qkv_bias, qk_norm, mean, positions;
	const char *norm = json_string_value(json_object_get(in->cfg, "norm_type"));
	double ratio;
	u128 layer;

	if (pair(in, "image_size", &s0, &s1) < 0 || pair(in, "patch_size", &p0, &p1) < 0 ||
	    flag(in, "use_mask_token", false, &mask) < 0 ||
	    flag(in, "attention_bias", false, &qkv_bias) < 0 ||
	    flag(in, "use_qk_norm", false, &qk_norm) < 0 ||
	    flag(in, "use_mean_pooling", true, &mean) < 0 ||
	    flag(in, "use_absolute_position_embeddings", true, &positions) < 0 ||
	    real(&t->top, "downsample_ratio", 0.5, &ratio) < 0)
		return -1;
	if (!s0)
		s0 = s1 = 448;
	if (!p0)
		p0 = p1 = 14;
	k = (uint64_t)(1.0 / ratio + 0.5);
	k *= k;
	layer = (norm && strcmp(norm, "rms_norm") == 0 ? 2 : 4) * (u128)h +
	        3 * (u128)h * h + (qkv_bias ? 3 * h : 0) + (u128)h * h + h +
	        (qk_norm ? 2 * h : 0) + 2 * (u128)h * i + i + h + 2 * h;
	*n = h + (mask ? h : 0) + (u128)t->v[CHANNELS] * p0 * p1 * h + h +
	     (positions ? ((u128)(s0 / p0) * (s1 / p1) + 1) * h : 0) +
	     (u128)t->v[LAYERS] * layer + (mean ? 0 : 2 * h) +
	     /* the projector */
	     2 * (u128)h * k + (u128)h * k * t->text + t->text +
	     (u128)t->text * t->text + t->text;
	return 1;
}

/* LFM2-VL's tower and projector: 1, or -1 reported. */
static int lfm2_vl(struct tower *t, u128 *n)
{
	const uint64_t *v = t->v;
	uint64_t h = v[HIDDEN], i = v[INTER], p = v[PATCH] ? v[PATCH] : 16, patches = 256,
		 m = 2, proj = 2560;
	bool head, bias, norm;

	if (count(&t->in, "num_patches", &patches) < 0 ||
	    flag(&t->in, "vision_use_head", false, &head) < 0 ||
	    count(&t->top, "downsample_factor", &m) < 0 ||
	    count(&t->top, "projector_hidden_size", &proj) < 0 ||
	    flag(&t->top, "projector_bias", true, &bias) < 0 ||
	    flag(&t->top, "projector_use_layernorm", true, &norm) < 0)
		return -1;
	*n = (u128)v[CHANNELS] * p * p * h + h + (u128)patches * h +
	     (u128)v[LAYERS] * block(h, i) + 2 * h +
	     (head ? 4 * (u128)h * h + 2 * (u128)h * i + 8 * h + i : 0) +
	     (norm ? 2 * (u128)h * m * m : 0) + (u128)h * m * m * proj + (u128)proj * t->text +
	     (bias ? proj + t->text : 0);
	return 1;
}

int kvp__hf_vision_params(struct hf *h, unsigned __int128 *out)
{
	static const char *const names[KEYS] = {"hidden_size", "intermediate_size",
		"num_hidden_layers", "patch_size", "image_size", "num_channels",
		"temporal_patch_size", "num_position_embeddings", "spatial_merge_size",
		"out_hidden_size", "projector_input_dim", "projector_output_dim",
		"vision_output_dim", "depth", "embed_dim"};
	static const char *const counted[] = {"gemma3", "qwen3_5", "qwen3_5_moe", "qwen3_vl",
		"qwen3_vl_moe", "llama4", "qwen2_vl", "qwen2_5_vl", "mistral3", "llava",
		"internvl", "lfm2_vl", "lfm2-vl", NULL};
	json_t *vision = json_object_get(h->top, "vision_config");
	const char *type = json_string_value(json_object_get(h->top, "model_type"));
	const char *inner = json_string_value(json_object_get(vision, "model_type"));
	struct tower t = {.in = kvp__hf_object(h, vision, "vision_config."),
	                  .top = kvp__hf_object(h, h->top, ""), .text = h->m->hidden};
	size_t f = 0;
	double ratio = 0;
	int r = 1;

	*out = 0;
	while (type && counted[f] && strcmp(type, counted[f]) != 0)
		f++;
	/* Only the families counted read their keys: another's may be of
	 * another form.  LLaVA's tower is CLIP's (its default) or
	 * Pixtral's; a SigLIP or other is not counted. */
	if (!json_is_object(vision) || !type || !counted[f] ||
	    (strcmp(type, "llava") == 0 && inner && strcmp(inner, "clip_vision_model") != 0 &&
	     strcmp(inner, "pixtral") != 0))
		return 0;
	for (size_t k = 0; k < KEYS; k++)
		/* InternVL's sizes may be pairs (internvl() reads them) */
		if ((strcmp(type, "internvl") != 0 || (k != PATCH && k != IMAGE)) &&
		    count(&t.in, names[k], &t.v[k]) < 0)
			return -1;
	if (!t.v[CHANNELS] && (count(&t.in, "in_channels", &t.v[CHANNELS]) < 0 ||
	                       (!t.v[CHANNELS] && count(&t.in, "in_chans", &t.v[CHANNELS]) < 0)))
		return -1;
	if (!t.v[CHANNELS])
		t.v[CHANNELS] = 3;
	if (strcmp(type, "gemma3") == 0) {
		*out = gemma3(&t);
	} else if (strncmp(type, "qwen3_", 6) == 0) {
		*out = qwen3(&t, entries(&t.in, "deepstack_visual_indexes"));
	} else if (strcmp(type, "qwen2_vl") == 0) {
		if (real(&t.in, "mlp_ratio", 4, &ratio) < 0)
			return -1;
		*out = qwen2(&t, ratio);
	} else if (strcmp(type, "qwen2_5_vl") == 0) {
		*out = qwen2(&t, 0);
	} else if (strcmp(type, "llama4") == 0) {
		*out = llama4(&t);
	} else if (strcmp(type, "internvl") == 0) {
		r = internvl(&t, out);
	} else if (strncmp(type, "lfm2", 4) == 0) {
		r = lfm2_vl(&t, out);
	} else {
		/* mistral3 and llava */
		bool pix = strcmp(type, "mistral3") == 0 || (inner && strcmp(inner, "pixtral") == 0);
		u128 n;

		if ((r = projector(&t, strcmp(type, "mistral3") == 0, &n)) > 0)
			*out = n + (pix ? pixtral(&t) : clip(&t));
	}
	if (r < 0)
		*out = 0;
	return r;
}
