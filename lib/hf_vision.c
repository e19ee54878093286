/*
 * hf_vision.c — a multimodal config.json's vision tower and projector,
 * counted from its vision_config where no checkpoint is beside it
 * (kvp_model vision_params, which llama.cpp keeps in its mmproj file and
 * a checkpoint format leaves 16-bit).  Read in transformers' modelling
 * code (research: /work/research/vision-params.md); each family's
 * checkpoint totals agree to the parameter (data/models/gemma3-4b.yaml,
 * qwen3.5-27b.yaml, llama4-scout.yaml):
 *  - Gemma 3 (SiglipVisionModel without its head, vision_use_head false;
 *    Gemma3MultiModalProjector): the patch Conv2d C x p x p x h and its
 *    bias, (image / p)^2 positions, each layer's two LayerNorms, q, k, v
 *    and out of h x h with biases and fc1, fc2 of h x I with biases, the
 *    post LayerNorm; the projector vision hidden x text hidden and its
 *    RMSNorm of the vision hidden;
 *  - Qwen3.5 (Qwen3VLVisionModel without its deepstack mergers): the
 *    patch Conv3d C x t x p x p x h and its bias,
 *    num_position_embeddings positions, each block's two LayerNorms,
 *    qkv and proj with biases, fc1 and fc2 with biases, and the merger
 *    (a LayerNorm of h, h m^2 square and h m^2 x out_hidden_size, with
 *    biases), the projection to the text model's width;
 *  - Llama 4 (Llama4VisionModel, Llama4MultiModalProjector): the patch
 *    unfold C x p x p x h, a class embedding, (image / p)^2 + 1
 *    positions, LayerNorms before and after, each layer's q, k, v, o
 *    and fc1, fc2 with biases and two LayerNorms, the pixel-shuffle
 *    adapter's fc1 I x projector_input_dim and fc2 projector_output_dim
 *    square (no biases), and the projector vision_output_dim x text
 *    hidden.
 * Another family's vision_config is not counted (0).
 */
#include <string.h>

#include "hfconfig.h"

/* One transformer layer of width h and MLP I with biases and two
 * LayerNorms: q, k, v and out (4h^2 + 4h), fc1 and fc2 (2hI + I + h),
 * the norms (4h). */
static unsigned __int128 block(uint64_t h, uint64_t i)
{
	return 4 * (unsigned __int128)h * h + 2 * (unsigned __int128)h * i + 9 * h + i;
}

/* The most a vision_config figure may be (2^20): every product below
 * stays in 128 bits, h x m^2 in 64, and a sum past 64 bits saturates as
 * the text model's does. */
#define VISION_MAX (1u << 20)

/* The keys of vision_config v: 0, or -1 reported. */
static int keys(struct hf *in, const char *const *names, uint64_t *values)
{
	for (size_t k = 0; names[k]; k++) {
		const char *one[] = {names[k], NULL};

		if (kvp__hf_uint(in, NULL, one, VISION_MAX, &values[k]) < 0)
			return -1;
	}
	return 0;
}

enum { HIDDEN, INTER, LAYERS, PATCH, IMAGE, CHANNELS, TEMPORAL, POSITIONS, MERGE, OUT,
       PIN, POUT, VOUT, KEYS };

int kvp__hf_vision_params(struct hf *h, unsigned __int128 *out)
{
	static const char *const names[] = {"hidden_size", "intermediate_size",
		"num_hidden_layers", "patch_size", "image_size", "num_channels",
		"temporal_patch_size", "num_position_embeddings", "spatial_merge_size",
		"out_hidden_size", "projector_input_dim", "projector_output_dim",
		"vision_output_dim", NULL};
	static const char *const depth[] = {"depth", NULL};
	static const char *const channels[] = {"in_channels", NULL};
	json_t *vision = json_object_get(h->top, "vision_config");
	const char *type = json_string_value(json_object_get(h->top, "model_type"));
	uint64_t v[KEYS] = {0}, text = h->m->hidden;
	unsigned __int128 n;
	struct hf in = *h;

	*out = 0;
	/* Only the families counted read their keys: another's may be of
	 * another form (InternVL's image_size [448, 448]). */
	if (!json_is_object(vision) || !type ||
	    (strcmp(type, "gemma3") != 0 && strncmp(type, "qwen3_5", 7) != 0 &&
	     strcmp(type, "llama4") != 0))
		return 0;
	in.cfg = vision;
	in.prefix = "vision_config.";
	in.fam = NULL;
	if (keys(&in, names, v) < 0)
		return -1;
	if (!v[CHANNELS] && kvp__hf_uint(&in, NULL, channels, VISION_MAX, &v[CHANNELS]) < 0)
		return -1;
	if (!v[CHANNELS])
		v[CHANNELS] = 3;
	if (strcmp(type, "gemma3") == 0) {
		uint64_t side = v[PATCH] ? v[IMAGE] / v[PATCH] : 0;

		n = (unsigned __int128)v[CHANNELS] * v[PATCH] * v[PATCH] * v[HIDDEN] + v[HIDDEN] +
		    (unsigned __int128)side * side * v[HIDDEN] +
		    (unsigned __int128)v[LAYERS] * block(v[HIDDEN], v[INTER]) + 2 * v[HIDDEN];
		/* the projector and its norm */
		n += (unsigned __int128)v[HIDDEN] * text + v[HIDDEN];
	} else if (strncmp(type, "qwen3_5", 7) == 0) {
		uint64_t hm, d = 0;

		if (kvp__hf_uint(&in, NULL, depth, VISION_MAX, &d) < 0)
			return -1;
		hm = v[HIDDEN] * (v[MERGE] ? v[MERGE] * v[MERGE] : 4);
		n = (unsigned __int128)v[CHANNELS] * (v[TEMPORAL] ? v[TEMPORAL] : 2) * v[PATCH] *
		            v[PATCH] * v[HIDDEN] + v[HIDDEN] +
		    (unsigned __int128)v[POSITIONS] * v[HIDDEN] +
		    (unsigned __int128)d * block(v[HIDDEN], v[INTER]) + 2 * v[HIDDEN] +
		    /* the merger */
		    (unsigned __int128)hm * hm + hm + (unsigned __int128)hm * v[OUT] + v[OUT];
	} else if (strcmp(type, "llama4") == 0) {
		uint64_t side = v[PATCH] ? v[IMAGE] / v[PATCH] : 0;

		n = (unsigned __int128)v[CHANNELS] * v[PATCH] * v[PATCH] * v[HIDDEN] + v[HIDDEN] +
		    ((unsigned __int128)side * side + 1) * v[HIDDEN] + 4 * v[HIDDEN] +
		    (unsigned __int128)v[LAYERS] * block(v[HIDDEN], v[INTER]) +
		    (unsigned __int128)v[INTER] * v[PIN] + (unsigned __int128)v[POUT] * v[POUT] +
		    (unsigned __int128)v[VOUT] * text;
	} else {
		return 0;
	}
	*out = n;
	return 1;
}
