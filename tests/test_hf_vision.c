/*
 * test_hf_vision.c — a multimodal config.json's vision tower and projector
 * counted (lib/hf_vision.c) for the families outside the catalogue, each
 * held with its text model to a published total of the checkpoint its
 * config is of (research: /work/research/vision-towers-2.md, which cites
 * each total and gives every tensor; the configs here keep the keys
 * kvplan reads).  Before, these towers counted 0: vLLM's and SGLang's
 * weights of them were short by the tower (Qwen2.5-VL-7B's 676,550,144
 * params, 1.35 GB in bf16).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"
#include "hfutil.h"

/* json's params and of them the tower's. */
static void counts(const char *json, uint64_t params, uint64_t vision)
{
	kvp_model m;
	kvp_source src;

	expect_ok(json, &m, &src);
	assert_int_equal(m.vision_params, vision);
	assert_int_equal(m.params, params);
}

/* Qwen2-VL-7B-Instruct (a flat config; vision_config's hidden_size is the
 * merger's output, embed_dim the tower's width).  Tower: the patch Conv3d
 * 3 x 2 x 14 x 14 x 1280 = 1,505,280 (no bias); a block's two LayerNorms
 * 5,120, qkv and proj with biases 6,558,720, fc1 and fc2 of 1280 x 5120
 * with biases 13,113,600: 19,677,440, x 32 = 629,678,080; the merger's
 * LayerNorm 2,560, 5120^2 + 5120 and 5120 x 3584 + 3584: 44,575,744;
 * 675,759,104.  Text: Qwen2-7B's 7,615,616,512.  8,291,375,616, HF's. */
static void test_qwen2_vl(void **state)
{
	(void)state;
	counts("{\"model_type\": \"qwen2_vl\", \"hidden_size\": 3584, \"intermediate_size\":"
	       " 18944, \"num_attention_heads\": 28, \"num_hidden_layers\": 28,"
	       " \"num_key_value_heads\": 4, \"vocab_size\": 152064, \"tie_word_embeddings\":"
	       " false, \"vision_config\": {\"depth\": 32, \"embed_dim\": 1280, \"mlp_ratio\": 4,"
	       " \"num_heads\": 16, \"in_chans\": 3, \"hidden_size\": 3584, \"patch_size\": 14,"
	       " \"spatial_merge_size\": 2, \"temporal_patch_size\": 2}}",
	       8291375616ull, 675759104);
}

/* Qwen2.5-VL-7B-Instruct: RMSNorms and a gated MLP with biases.  A block:
 * 4 x 1280^2 + 4 x 1280 (qkv, proj), 3 x 1280 x 3420 + 2 x 3420 + 1280
 * (gate, up, down), 2 x 1280 (norms): 19,702,200, x 32 = 630,470,400;
 * patch 1,505,280; the merger's RMSNorm 1,280 and linears 44,573,184:
 * 676,550,144, the "visual" a fine-tuning log prints frozen.  8,292,166,656,
 * HF's. */
static void test_qwen2_5_vl(void **state)
{
	(void)state;
	counts("{\"model_type\": \"qwen2_5_vl\", \"hidden_size\": 3584, \"intermediate_size\":"
	       " 18944, \"num_attention_heads\": 28, \"num_hidden_layers\": 28,"
	       " \"num_key_value_heads\": 4, \"vocab_size\": 152064, \"tie_word_embeddings\":"
	       " false, \"vision_config\": {\"depth\": 32, \"hidden_size\": 1280,"
	       " \"intermediate_size\": 3420, \"num_heads\": 16, \"in_chans\": 3,"
	       " \"out_hidden_size\": 3584, \"patch_size\": 14, \"spatial_merge_size\": 2,"
	       " \"temporal_patch_size\": 2, \"window_size\": 112}}",
	       8292166656ull, 676550144);
}

/* Qwen3-VL: Qwen3.5's tower and a deepstack merger for each of
 * deepstack_visual_indexes (a LayerNorm of 4608 and its linears), its
 * text model Qwen3's (q_norm and k_norm).  8B: patch 1,770,624, positions
 * 2,654,208, 27 blocks of 15,239,504, the merger 40,119,040, 3 deepstack
 * mergers of 40,125,952: 576,388,336; text 8,190,735,360; 8,767,123,696.
 * 2B, tied at the top level alone: 406,957,056 and 1,720,574,976,
 * 2,127,532,032.  30B-A3B, 128 experts of 768 and a router a layer:
 * 538,631,408 and 30,532,122,624, 31,070,754,032.  Each HF's count. */
static void test_qwen3_vl(void **state)
{
	static const char vision[] = "\"vision_config\": {\"deepstack_visual_indexes\": %s,"
		" \"depth\": %u, \"hidden_size\": %u, \"intermediate_size\": %u,"
		" \"in_channels\": 3, \"num_position_embeddings\": 2304, \"out_hidden_size\": %u,"
		" \"patch_size\": 16, \"spatial_merge_size\": 2, \"temporal_patch_size\": 2}}";
	char json[1024], tower[400];

	(void)state;
	snprintf(tower, sizeof tower, vision, "[8, 16, 24]", 27, 1152, 4304, 4096);
	snprintf(json, sizeof json, "{\"model_type\": \"qwen3_vl\", \"tie_word_embeddings\":"
	         " false, \"text_config\": {\"model_type\": \"qwen3_vl_text\", \"hidden_size\":"
	         " 4096, \"intermediate_size\": 12288, \"num_attention_heads\": 32,"
	         " \"num_hidden_layers\": 36, \"num_key_value_heads\": 8, \"head_dim\": 128,"
	         " \"vocab_size\": 151936}, %s", tower);
	counts(json, 8767123696ull, 576388336);
	snprintf(tower, sizeof tower, vision, "[5, 11, 17]", 24, 1024, 4096, 2048);
	snprintf(json, sizeof json, "{\"model_type\": \"qwen3_vl\", \"tie_word_embeddings\":"
	         " true, \"text_config\": {\"model_type\": \"qwen3_vl_text\", \"hidden_size\":"
	         " 2048, \"intermediate_size\": 6144, \"num_attention_heads\": 16,"
	         " \"num_hidden_layers\": 28, \"num_key_value_heads\": 8, \"head_dim\": 128,"
	         " \"vocab_size\": 151936}, %s", tower);
	counts(json, 2127532032ull, 406957056);
	snprintf(tower, sizeof tower, vision, "[8, 16, 24]", 27, 1152, 4304, 2048);
	snprintf(json, sizeof json, "{\"model_type\": \"qwen3_vl_moe\", \"text_config\":"
	         " {\"model_type\": \"qwen3_vl_moe_text\", \"hidden_size\": 2048,"
	         " \"intermediate_size\": 6144, \"num_attention_heads\": 32,"
	         " \"num_hidden_layers\": 48, \"num_key_value_heads\": 4, \"head_dim\": 128,"
	         " \"vocab_size\": 151936, \"num_experts\": 128, \"num_experts_per_tok\": 8,"
	         " \"moe_intermediate_size\": 768, \"tie_word_embeddings\": false}, %s", tower);
	counts(json, 31070754032ull, 538631408);
}

/* Mistral-Small-3.1-24B: Pixtral's tower, patch 3 x 14^2 x 1024 =
 * 602,112, ln_pre 1,024, 24 layers of 2 x 1024 + 4 x 1024^2 + 3 x 1024 x
 * 4096 = 16,779,264: 403,305,472; the projector's RMSNorm 1,024, patch
 * merger 4096 x 1024, linear_1 1024 x 5120 and linear_2 5120^2, no
 * biases: 35,652,608; text 23,572,403,200; 24,011,361,280, as keras-hub's
 * preset gives it.  Pixtral-12B in LLaVA's form: patch 16, its projector
 * biased by LlavaConfig's default (no norm, no merger): 403,489,792 and
 * 31,467,520 beside Mistral-Nemo's 12,247,782,400 (no exact published
 * total found: research vision-towers-2.md 5). */
static void test_pixtral(void **state)
{
	(void)state;
	counts("{\"model_type\": \"mistral3\", \"spatial_merge_size\": 2,"
	       " \"multimodal_projector_bias\": false, \"vision_feature_layer\": -1,"
	       " \"text_config\": {\"model_type\": \"mistral\", \"hidden_size\": 5120,"
	       " \"head_dim\": 128, \"intermediate_size\": 32768, \"num_attention_heads\": 32,"
	       " \"num_hidden_layers\": 40, \"num_key_value_heads\": 8, \"vocab_size\": 131072,"
	       " \"sliding_window\": null}, \"vision_config\": {\"model_type\": \"pixtral\","
	       " \"hidden_size\": 1024, \"intermediate_size\": 4096, \"num_hidden_layers\": 24,"
	       " \"num_channels\": 3, \"image_size\": 1540, \"patch_size\": 14}}",
	       24011361280ull, 438958080);
	counts("{\"model_type\": \"llava\", \"vision_feature_layer\": -1,"
	       " \"text_config\": {\"model_type\": \"mistral\", \"hidden_size\": 5120,"
	       " \"head_dim\": 128, \"intermediate_size\": 14336, \"num_attention_heads\": 32,"
	       " \"num_hidden_layers\": 40, \"num_key_value_heads\": 8, \"vocab_size\": 131072,"
	       " \"sliding_window\": null}, \"vision_config\": {\"model_type\": \"pixtral\","
	       " \"hidden_size\": 1024, \"intermediate_size\": 4096, \"num_hidden_layers\": 24,"
	       " \"image_size\": 1024, \"patch_size\": 16}}",
	       12247782400ull + 403489792 + 31467520, 403489792 + 31467520);
}

/* llava-1.5-7b-hf: CLIP ViT-L/14-336 whole (the checkpoint holds its 24
 * layers and post_layernorm), class embedding 1,024, patch 602,112, 577
 * positions 590,848, the two LayerNorms 4,096, 24 layers of 12,596,224:
 * 303,507,456; the projector 1024 x 4096 + 4096 and 4096^2 + 4096 with
 * LlavaConfig's biases: 20,979,712; Llama 2 7B's text with a vocabulary
 * of 32064 from LlamaConfig's defaults: 6,738,939,904.  7,063,427,072, as
 * a test of transformers counts it.  A SigLIP tower is not counted. */
static void test_llava(void **state)
{
	static const char cfg[] = "{\"model_type\": \"llava\", \"vision_feature_layer\": -2,"
		" \"text_config\": {\"model_type\": \"llama\", \"max_position_embeddings\": 4096,"
		" \"vocab_size\": 32064}, \"vision_config\": {\"model_type\": \"%s\","
		" \"hidden_size\": 1024, \"image_size\": 336, \"intermediate_size\": 4096,"
		" \"num_hidden_layers\": 24, \"patch_size\": 14}}";
	char json[512];

	(void)state;
	snprintf(json, sizeof json, cfg, "clip_vision_model");
	counts(json, 7063427072ull, 324487168);
	snprintf(json, sizeof json, cfg, "siglip_vision_model");
	counts(json, 6738939904ull, 0);
}

/* InternVL 2.5 1B in transformers' form (its conversion keeps every
 * tensor): InternViT-300M, a class token 1,024, the patch Conv2d with
 * bias 603,136, 1025 positions 1,049,600, 24 layers of 12,598,272 (two
 * LayerNorms, q, k, v biased, the projection, fc1, fc2, two layer
 * scales), no final norm with mean pooling: 304,012,288; the projector, a
 * LayerNorm of 4096 and 4096 x 896, 896^2 with biases: 4,482,816; Qwen2.5's
 * text of a 151674 vocabulary, untied, 629,697,920: 938,193,024, HF's
 * count of InternVL2_5-1B.  A size not a number or a pair is refused. */
static void test_internvl(void **state)
{
	static const char cfg[] = "{\"model_type\": \"internvl\", \"downsample_ratio\": 0.5,"
		" \"text_config\": {\"model_type\": \"qwen2\", \"hidden_size\": 896,"
		" \"intermediate_size\": 4864, \"num_attention_heads\": 14,"
		" \"num_hidden_layers\": 24, \"num_key_value_heads\": 2, \"vocab_size\": 151674,"
		" \"tie_word_embeddings\": false}, \"vision_config\": {\"hidden_size\": 1024,"
		" \"intermediate_size\": 4096, \"num_hidden_layers\": 24, \"attention_bias\": true,"
		" \"norm_type\": \"layer_norm\", \"use_mean_pooling\": true, \"image_size\": %s,"
		" \"patch_size\": [14, 14]}}";
	char json[640];

	(void)state;
	snprintf(json, sizeof json, cfg, "[448, 448]");
	counts(json, 938193024ull, 308495104);
	snprintf(json, sizeof json, cfg, "448");
	counts(json, 938193024ull, 308495104);
	snprintf(json, sizeof json, cfg, "[448]");
	expect_error(json, KVP_ERR_PARSE, "vision_config.image_size");
}

/* LFM2.5-VL-1.6B (lfm2_vl; research: /work/research/lfm2-vl-tower.md,
 * its config and safetensors header as Shoozes/candle's reference-lock
 * records them).  Tower: the patch Linear 3 x 16 x 16 x 1152 + 1152 =
 * 885,888, 256 positions x 1152 = 294,912, 27 layers of 4 x 1152^2 + 2 x
 * 1152 x 4304 + 9 x 1152 + 4304 = 15,239,504 (411,466,608), the post
 * LayerNorm 2,304; the projector without its LayerNorm, 4608 x 2048 +
 * 2048 x 2048 with biases: 13,635,584; 426,285,296.  Text: LFM2-1.2B's
 * 1,170,340,608.  1,596,625,904, half the checkpoint's bf16 bytes.
 * LFM2-VL-450M (lfm2-vl, v1: the projector's LayerNorm by default, P
 * 2560): 590,592 + 196,608 + 12 x 7,087,872 + 1,536 + 2 x 3072 + 3072 x
 * 2560 + 2560 x 1024 + 2560 + 1024 = 96,338,688, with LFM2-350M's
 * 354,483,968: 450,822,656, as its file's size implies. */
static void test_lfm2_vl(void **state)
{
	static const char cfg[] = "{\"model_type\": \"%s\", \"downsample_factor\": 2,"
		" %s \"text_config\": {\"model_type\": \"lfm2\", \"hidden_size\": %s,"
		" \"num_hidden_layers\": 16, \"num_attention_heads\": %s,"
		" \"num_key_value_heads\": 8, \"block_ff_dim\": %s, \"block_auto_adjust_ff_dim\":"
		" true, \"block_ffn_dim_multiplier\": 1.0, \"block_multiple_of\": 256,"
		" \"conv_L_cache\": 3, \"vocab_size\": 65536, \"full_attn_idxs\": [2, 5, 8, 10,"
		" 12, 14]}, \"vision_config\": {\"model_type\": \"siglip2_vision_model\","
		" \"hidden_size\": %s, \"intermediate_size\": %s, \"num_hidden_layers\": %s,"
		" \"num_patches\": 256, \"patch_size\": 16, \"num_channels\": 3,"
		" \"vision_use_head\": false}}";
	char json[1024];

	(void)state;
	snprintf(json, sizeof json, cfg, "lfm2_vl", "\"projector_hidden_size\": 2048,"
	         " \"projector_bias\": true, \"projector_use_layernorm\": false,", "2048", "32",
	         "12288", "1152", "4304", "27");
	counts(json, 1596625904ull, 426285296);
	snprintf(json, sizeof json, cfg, "lfm2-vl", "", "1024", "16", "6656", "768", "3072",
	         "12");
	counts(json, 450822656ull, 96338688);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qwen2_vl),
		cmocka_unit_test(test_qwen2_5_vl),
		cmocka_unit_test(test_qwen3_vl),
		cmocka_unit_test(test_pixtral),
		cmocka_unit_test(test_llava),
		cmocka_unit_test(test_internvl),
		cmocka_unit_test(test_lfm2_vl),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
