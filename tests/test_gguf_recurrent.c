/*
 * test_gguf_recurrent.c — the GGUF header reader (lib/gguf*.c) on
 * well-formed files of recurrent hybrids: Qwen3-Next's and Qwen3.5's
 * Gated DeltaNet layers, Qwen3.5's MTP layer, Nemotron-H's Mamba-2
 * layers, the models of no attention (mamba, mamba2), Falcon-H1's
 * attention and Mamba-2 side by side, and LFM2's short convolutions.  Files built in the test with
 * tests/ggufw.c, holding each
 * model's numbers from its own config.json, cited; the planned cache
 * worked out by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ggufw.h"
#include "kvplan.h"
#include "gguf_fixture.h"
#include "hfutil.h"

/* A Gated DeltaNet hybrid's keys as the converter writes them:
 * full_attention_interval 4, conv kernel 4, 16 key heads of 128, value
 * heads of 128 (ssm.inner_size value_heads x 128). */
static void gdn_keys(ggufw *w, const char *arch, uint32_t value_heads)
{
	static const struct {
		const char *suffix;
		uint32_t value;
	} keys[] = {
		{"full_attention_interval", 4}, {"ssm.conv_kernel", 4}, {"ssm.state_size", 128},
		{"ssm.group_count", 16},
	};
	char key[96];

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		snprintf(key, sizeof key, "%s.%s", arch, keys[i].suffix);
		ggufw_kv_uint(w, key, GGUFW_U32, keys[i].value);
	}
	snprintf(key, sizeof key, "%s.ssm.inner_size", arch);
	ggufw_kv_uint(w, key, GGUFW_U32, value_heads * 128);
	snprintf(key, sizeof key, "%s.ssm.time_step_rank", arch);
	ggufw_kv_uint(w, key, GGUFW_U32, value_heads);
}

/* Qwen3-Next-80B-A3B (Qwen/Qwen3-Next-80B-A3B-Instruct config.json: 48
 * layers, hidden 2048, 16 heads, 2 kv heads, head_dim 256,
 * full_attention_interval 4, linear_conv_kernel_dim 4, 16 key heads of
 * 128, 32 value heads of 128): the converter's ssm.inner_size 32 x 128 =
 * 4096, state_size 128, group_count 16.  Layer i is recurrent unless
 * (i + 1) % 4 == 0.  A recurrent layer's state, fp32, as n_embd_r and
 * n_embd_s: (4 - 1) x (4096 + 2 x 16 x 128) + 128 x 4096 = 548,864
 * values, 2,195,456 B; 36 of them 79,036,416 B.  At one token the 12
 * full layers add 2 x 2 x 256 x 2 B x 12 = 24,576 B: 79,060,992 B. */
static void test_qwen3next(void **state)
{
	ggufw w;
	parsed p;

	(void)state;
	ggufw_init(&w, 3);
	base_keys(&w, "qwen3next", 48, 2048, 16, 2, 256);
	gdn_keys(&w, "qwen3next", 32);
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_int_equal(p.model.pattern_len, 4);
	assert_int_equal(p.model.pattern[0], KVP_LAYER_RECURRENT);
	assert_int_equal(p.model.pattern[3], KVP_LAYER_FULL);
	assert_int_equal(kvp_model_count_layers(&p.model, KVP_LAYER_RECURRENT), 36);
	note_is(&p, "ssm", KVP_ORIGIN_READ,
	        "qwen3next.ssm.conv_kernel = 4, ssm.inner_size = 4096,"
	        " ssm.state_size = 128, ssm.group_count = 16");
	assert_int_equal(plan_bytes(&p.model, 1), 79060992);
	ggufw_free(&w);
}

/* Qwen3.5-27B's keys as the converter writes them (below), kv its
 * head_count_kv, 0 for none. */
static void qwen35_27b_keys(ggufw *w, uint32_t kv)
{
	base_keys(w, "qwen35", 65, 5120, 24, kv, 256);
	gdn_keys(w, "qwen35", 48);
	ggufw_kv_uint(w, "qwen35.nextn_predict_layers", GGUFW_U32, 1);
}

/* Qwen3.5-27B as llama.cpp's converter writes it (Qwen/Qwen3.5-27B
 * config.json, /work/research/qwen35/: 64 layers, hidden 5120, 24 heads,
 * 4 kv heads, head_dim 256, full_attention_interval 4, conv kernel 4, 16
 * key heads and 48 value heads of 128, mtp_num_hidden_layers 1): the MTP
 * layer is a 65th block and nextn_predict_layers 1
 * (convert_hf_to_gguf.py; qwen35.cpp load_arch_hparams: n_layer() = 65 -
 * 1).  inner 48 x 128 = 6,144.  A recurrent layer's state: (4 - 1) x
 * (6,144 + 2 x 16 x 128) + 128 x 6,144 = 817,152 values, 3,268,608 B; 48
 * of them 156,893,184 B; at one token the 16 full layers add 16 x 4 x 256
 * x 2 x 2 B = 65,536 B: 156,958,720 B.  Tensors: blk.6 and blk.63 are the
 * model's, blk.64's are the NextN block's (f32 norms of 5,120, 20,480 B
 * each, and an f16 eh_proj of 10,240 x 16 here, 327,680 B). */
static void test_qwen35_nextn(void **state)
{
	uint64_t norm[1] = {5120}, eh[2] = {10240, 16};
	ggufw w;
	parsed p;

	(void)state;
	ggufw_init(&w, 3);
	qwen35_27b_keys(&w, 4);
	ggufw_tensor(&w, "blk.6.attn_norm.weight", 1, norm, F32, 20480);
	ggufw_tensor(&w, "blk.63.attn_norm.weight", 1, norm, F32, 20480);
	ggufw_tensor(&w, "blk.64.attn_norm.weight", 1, norm, F32, 20480);
	ggufw_tensor(&w, "blk.64.nextn.eh_proj.weight", 2, eh, F16, 327680);
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_int_equal(p.model.layers, 64);
	assert_int_equal(p.model.mtp_layers, 1); /* an MTP draft may load it */
	note_is(&p, "mtp_layers", KVP_ORIGIN_READ, "qwen35.nextn_predict_layers = 1");
	assert_false(p.source.generic);
	assert_int_equal(kvp_model_count_layers(&p.model, KVP_LAYER_RECURRENT), 48);
	assert_int_equal(kvp_model_count_layers(&p.model, KVP_LAYER_FULL), 16);
	note_is(&p, "layers", KVP_ORIGIN_READ,
	        "qwen35.block_count = 65, less qwen35.nextn_predict_layers = 1"
	        " (NextN blocks, an MTP draft's: --mtp)");
	assert_int_equal(plan_bytes(&p.model, 1), 156958720);
	assert_int_equal(p.weights.bytes, 3 * 20480 + 327680);
	assert_int_equal(p.weights.mtp_bytes, 20480 + 327680);
	assert_int_equal(p.weights.mtp_params, 5120 + 10240 * 16);
	assert_int_equal(p.weights.mtp_from_layer, 64);
	/* The model's params are every tensor's, of them the NextN
	 * block's, which a plan leaves out: 2 x 5,120 of its own, 5,120 +
	 * 10,240 x 16 = 168,960 the block's. */
	assert_int_equal(p.model.params, 2 * 5120 + 168960);
	assert_int_equal(p.model.mtp_params, 168960);
	assert_int_equal(p.model.vision_params, 0);
	{
		kvp_request r;

		kvp_request_init(&r);
		r.engine = KVP_ENGINE_LLAMA_CPP;
		assert_int_equal(kvp_model_loaded_params(&p.model, &r), 2 * 5120);
	}
	note_is(&p, "params", KVP_ORIGIN_DERIVED,
	        "the elements of the 4 tensors, of them the NextN blocks' 168960");
	ggufw_free(&w);

	/* A per-layer array of the model's layers alone (cohere2moe's
	 * sliding_window_pattern, read after nextn_predict_layers) is taken,
	 * as one of block_count's; another length is not. */
	{
		uint64_t kv64[64], kv3[3] = {4, 4, 4};

		for (int i = 0; i < 64; i++)
			kv64[i] = 4;
		ggufw_init(&w, 3);
		qwen35_27b_keys(&w, 0);
		ggufw_kv_arr(&w, "qwen35.attention.head_count_kv", GGUFW_U32, kv64, 64);
		ggufw_finish(&w, 1);
		parse_ok(&w, &p);
		assert_int_equal(p.model.kv_heads, 4);
		assert_int_equal(p.model.layers, 64);
		ggufw_free(&w);
		ggufw_init(&w, 3);
		qwen35_27b_keys(&w, 0);
		ggufw_kv_arr(&w, "qwen35.attention.head_count_kv", GGUFW_U32, kv3, 3);
		ggufw_finish(&w, 1);
		parse_fails(&w, KVP_ERR_PARSE, "at byte ");
	}

	/* Mistral 4 reads it by deepseek2's loader. */
	ggufw_init(&w, 3);
	base_keys(&w, "mistral4", 3, 4096, 32, 8, 128);
	ggufw_kv_uint(&w, "mistral4.nextn_predict_layers", GGUFW_U32, 1);
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_int_equal(p.model.layers, 2);
	ggufw_free(&w);

	/* Without the key, every block is the model's; a family that does
	 * not read it (llama) leaves it aside. */
	ggufw_init(&w, 3);
	base_keys(&w, "llama", 33, 4096, 32, 8, 128);
	ggufw_kv_uint(&w, "llama.nextn_predict_layers", GGUFW_U32, 1);
	ggufw_tensor(&w, "blk.32.attn_norm.weight", 1, norm, F32, 20480);
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_int_equal(p.model.layers, 33);
	assert_int_equal(p.model.mtp_layers, 0);
	assert_int_equal(p.weights.mtp_bytes, 0);
	ggufw_free(&w);

	/* All blocks NextN: llama.cpp asserts n_layer_nextn < n_layer_all. */
	ggufw_init(&w, 3);
	base_keys(&w, "glm4moe", 2, 4096, 32, 8, 128);
	ggufw_kv_uint(&w, "glm4moe.nextn_predict_layers", GGUFW_U32, 2);
	ggufw_finish(&w, 1);
	parse_fails(&w, KVP_ERR_PARSE, "glm4moe.nextn_predict_layers 2 is not less"
	            " than glm4moe.block_count 2");
}

/* Nemotron-H 56B (nvidia/Nemotron-H-56B-Base-8K config.json: 118 layers,
 * hybrid_override_pattern of M (Mamba-2), - (MLP) and * (attention),
 * hidden 8192, 64 heads, 8 kv heads, head_dim 128, mamba d_conv 4,
 * 128 heads x 128 head dim = 16384 inner, ssm_state_size 256, n_groups
 * 8, intermediate 32768).  The converter writes head_count_kv 8 on the
 * attention layers and feed_forward_length on the MLP ones, both 0
 * elsewhere; a layer with both 0 is recurrent (load_hparams). */
static void test_nemotron_h(void **state)
{
	static const char pattern[] =
		"M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M"
		"-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M-";
	uint64_t kv[118], ff[118];
	ggufw w;
	parsed p;

	(void)state;
	assert_int_equal(strlen(pattern), 118);
	for (int i = 0; i < 118; i++) {
		kv[i] = pattern[i] == '*' ? 8 : 0;
		ff[i] = pattern[i] == '-' ? 32768 : 0;
	}
	ggufw_init(&w, 3);
	base_keys(&w, "nemotron_h", 118, 8192, 64, 0, 128);
	ggufw_kv_arr(&w, "nemotron_h.attention.head_count_kv", GGUFW_U32, kv, 118);
	ggufw_kv_arr(&w, "nemotron_h.feed_forward_length", GGUFW_U32, ff, 118);
	ggufw_kv_uint(&w, "nemotron_h.ssm.conv_kernel", GGUFW_U32, 4);
	ggufw_kv_uint(&w, "nemotron_h.ssm.inner_size", GGUFW_U32, 16384);
	ggufw_kv_uint(&w, "nemotron_h.ssm.state_size", GGUFW_U32, 256);
	ggufw_kv_uint(&w, "nemotron_h.ssm.group_count", GGUFW_U32, 8);
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_int_equal(p.model.kv_heads, 8);
	assert_int_equal(p.model.layer_kv_heads_len, 0);
	/* The shortest cycle: the last six layers repeat the first six. */
	assert_int_equal(p.model.pattern_len, 112);
	for (int i = 0; i < 118; i++)
		assert_int_equal(kvp_model_layer_kind(&p.model, (uint32_t)i),
		                 pattern[i] == 'M' ? KVP_LAYER_RECURRENT
		                 : pattern[i] == '*' ? KVP_LAYER_FULL
		                                     : KVP_LAYER_NONE);
	assert_int_equal(kvp_model_count_layers(&p.model, KVP_LAYER_FULL), 10);
	assert_int_equal(kvp_model_count_layers(&p.model, KVP_LAYER_RECURRENT), 54);
	assert_int_equal(p.model.ssm_inner, 16384);
	ggufw_free(&w);
}

/* Nemotron 3 Nano 30B-A3B as llama.cpp's converter writes it
 * (nemotron_h_moe; tests/configs/nemotron-3-nano-30b-a3b: 52 layers of
 * M, * and E, hidden 2688, 32 heads, 2 kv heads of 128, 64 Mamba heads x
 * 64 = 4096 inner, state 128, 8 groups, experts of 1856), with an MTP
 * block appended (block_count 53, nextn_predict_layers 1): head_count_kv
 * 2 on the attention layers, feed_forward_length 1856 on the expert
 * ones, both 0 on the Mamba ones, which are recurrent.  Before, the
 * architecture was read by the generic rule: no recurrent layer, no
 * state. */
static void test_nemotron_h_moe(void **state)
{
	static const char pattern[] =
		"MEMEM*EMEMEM*EMEMEM*EMEMEM*EMEMEM*EMEMEMEM*EMEMEMEME";
	uint64_t kv[53], ff[53];
	ggufw w;
	parsed p;

	(void)state;
	assert_int_equal(strlen(pattern), 52);
	for (int i = 0; i < 52; i++) {
		kv[i] = pattern[i] == '*' ? 2 : 0;
		ff[i] = pattern[i] == 'E' ? 1856 : 0;
	}
	kv[52] = 2; /* the MTP block: attention and experts */
	ff[52] = 1856;
	ggufw_init(&w, 3);
	base_keys(&w, "nemotron_h_moe", 53, 2688, 32, 0, 128);
	ggufw_kv_arr(&w, "nemotron_h_moe.attention.head_count_kv", GGUFW_U32, kv, 53);
	ggufw_kv_arr(&w, "nemotron_h_moe.feed_forward_length", GGUFW_U32, ff, 53);
	ggufw_kv_uint(&w, "nemotron_h_moe.nextn_predict_layers", GGUFW_U32, 1);
	ggufw_kv_uint(&w, "nemotron_h_moe.ssm.conv_kernel", GGUFW_U32, 4);
	ggufw_kv_uint(&w, "nemotron_h_moe.ssm.inner_size", GGUFW_U32, 4096);
	ggufw_kv_uint(&w, "nemotron_h_moe.ssm.state_size", GGUFW_U32, 128);
	ggufw_kv_uint(&w, "nemotron_h_moe.ssm.group_count", GGUFW_U32, 8);
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_int_equal(p.model.layers, 52);
	assert_int_equal(p.model.mtp_layers, 1);
	for (int i = 0; i < 52; i++)
		assert_int_equal(kvp_model_layer_kind(&p.model, (uint32_t)i),
		                 pattern[i] == 'M' ? KVP_LAYER_RECURRENT
		                 : pattern[i] == '*' ? KVP_LAYER_FULL
		                                     : KVP_LAYER_NONE);
	assert_int_equal(kvp_model_count_layers(&p.model, KVP_LAYER_RECURRENT), 23);
	assert_int_equal(kvp_model_count_layers(&p.model, KVP_LAYER_FULL), 6);
	/* 23 x (3 x (4096 + 2 x 8 x 128) + 128 x 4096) x 4 B a sequence */
	assert_int_equal(p.model.ssm_inner, 4096);
	assert_int_equal(p.model.ssm_groups, 8);
	ggufw_free(&w);
}

/* Falcon Mamba 7B as llama.cpp's converter writes it (arch mamba;
 * tiiuae/falcon-mamba-7b config.json: 64 layers, hidden 4096,
 * intermediate_size 8192, state_size 16, conv_kernel 4, time_step_rank
 * 256), head_count 0 ("unused"): every layer recurrent, no heads.  A
 * layer's state, fp32, as n_embd_r and n_embd_s with no groups: (4 - 1)
 * x 8192 + 16 x 8192 = 155,648 values, 622,592 B; 64 layers 39,845,888
 * B, at any context.  Before, "no layer has attention heads" refused it. */
static void test_mamba(void **state)
{
	ggufw w;
	parsed p;

	(void)state;
	ggufw_init(&w, 3);
	base_keys(&w, "mamba", 64, 4096, 0, 0, 0);
	ggufw_kv_uint(&w, "mamba.attention.head_count_kv", GGUFW_U32, 0);
	ggufw_kv_uint(&w, "mamba.ssm.conv_kernel", GGUFW_U32, 4);
	ggufw_kv_uint(&w, "mamba.ssm.inner_size", GGUFW_U32, 8192);
	ggufw_kv_uint(&w, "mamba.ssm.state_size", GGUFW_U32, 16);
	ggufw_kv_uint(&w, "mamba.ssm.time_step_rank", GGUFW_U32, 256);
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_int_equal(p.model.heads, 0);
	assert_int_equal(p.model.kv_heads, 0);
	assert_int_equal(kvp_model_attention(&p.model), KVP_ATTENTION_NONE);
	assert_string_equal(kvp_attention_name(KVP_ATTENTION_NONE), "none");
	assert_true(kvp_model_attention_free(&p.model));
	assert_int_equal(kvp_model_count_layers(&p.model, KVP_LAYER_RECURRENT), 64);
	assert_int_equal(p.model.ssm_groups, 0);
	assert_int_equal(cache_at(&p.model, 1), 39845888);
	assert_int_equal(cache_at(&p.model, 100000), 39845888);
	ggufw_free(&w);
}

/* Mamba-Codestral 7B as the converter writes it (arch mamba2;
 * mistralai/Mamba-Codestral-7B-v0.1 config.json: 64 layers, hidden 4096,
 * 128 heads of 64 = 8192 inner, state_size 128, n_groups 8, conv_kernel
 * 4): (4 - 1) x (8192 + 2 x 8 x 128) + 128 x 8192 = 1,079,296 values,
 * 4,317,184 B a layer; 64 layers 276,299,776 B a sequence. */
static void test_mamba2(void **state)
{
	ggufw w;
	parsed p;

	(void)state;
	ggufw_init(&w, 3);
	base_keys(&w, "mamba2", 64, 4096, 0, 0, 0);
	ggufw_kv_uint(&w, "mamba2.ssm.conv_kernel", GGUFW_U32, 4);
	ggufw_kv_uint(&w, "mamba2.ssm.inner_size", GGUFW_U32, 8192);
	ggufw_kv_uint(&w, "mamba2.ssm.state_size", GGUFW_U32, 128);
	ggufw_kv_uint(&w, "mamba2.ssm.group_count", GGUFW_U32, 8);
	ggufw_kv_uint(&w, "mamba2.ssm.time_step_rank", GGUFW_U32, 128);
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_int_equal(p.model.heads, 0);
	assert_int_equal(p.model.head_dim, 0);
	assert_int_equal(kvp_model_count_layers(&p.model, KVP_LAYER_RECURRENT), 64);
	assert_int_equal(cache_at(&p.model, 4096), 64ull * 1079296 * 4);
	ggufw_free(&w);
}

/* Falcon-H1-7B as llama.cpp's converter writes it (arch falcon-h1;
 * conversion/falcon_h1.py: ssm.inner_size mamba_d_ssm 3072,
 * time_step_rank 24 heads, key_length and value_length head_dim 128;
 * tests/configs/falcon-h1-7b): attention in every layer and, beside it,
 * a Mamba-2 state (create_memory's filters both true for
 * LLM_ARCH_FALCON_H1).  A token 44 x 2 x 2 x 128 x 2 B = 45,056 B; a
 * layer's state, fp32, (4 - 1) x (3072 + 2 x 256) + 256 x 3072 = 797,184
 * values, 3,188,736 B, 140,304,384 B for 44.  Before, refused. */
/* Falcon-H1-7B's keys into w, its group count with groups. */
static void falcon_h1_keys(ggufw *w, bool groups)
{
	ggufw_init(w, 3);
	base_keys(w, "falcon-h1", 44, 3072, 12, 2, 128);
	ggufw_kv_uint(w, "falcon-h1.ssm.conv_kernel", GGUFW_U32, 4);
	ggufw_kv_uint(w, "falcon-h1.ssm.inner_size", GGUFW_U32, 3072);
	ggufw_kv_uint(w, "falcon-h1.ssm.state_size", GGUFW_U32, 256);
	if (groups)
		ggufw_kv_uint(w, "falcon-h1.ssm.group_count", GGUFW_U32, 1);
	ggufw_kv_uint(w, "falcon-h1.ssm.time_step_rank", GGUFW_U32, 24);
	ggufw_finish(w, 1);
}

static void test_falcon_h1(void **state)
{
	ggufw w;
	parsed p;

	(void)state;
	falcon_h1_keys(&w, true);
	parse_ok(&w, &p);
	assert_true(p.model.ssm_parallel);
	assert_int_equal(p.model.head_dim, 128);
	assert_int_equal(kvp_model_count_layers(&p.model, KVP_LAYER_FULL), 44);
	assert_int_equal(kvp_model_count_layers(&p.model, KVP_LAYER_RECURRENT), 44);
	assert_int_equal(cache_at(&p.model, 1), 45056 + 140304384ull);
	assert_int_equal(cache_at(&p.model, 1024), 1024ull * 45056 + 140304384ull);
	ggufw_free(&w);
	/* its group count, which llama.cpp's loader requires */
	falcon_h1_keys(&w, false);
	parse_fails(&w, KVP_ERR_PARSE, "no key 'falcon-h1.ssm.group_count'");
}

/* LFM2-1.2B as llama.cpp's converter writes it (arch lfm2; its
 * head_count_kv 8 on the attention layers 2, 5, 8, 10, 12 and 14, 0 on
 * the conv ones, shortconv.l_cache 3; research: /work/research/
 * lfm2-params.md): a conv layer's state n_embd x (3 - 1) = 4,096 f32
 * values, 16,384 B, 163,840 B for 10; a token 6 x 2 x 8 x 64 x 2 B =
 * 12,288 B.  Before, refused. */
static void test_lfm2(void **state)
{
	uint64_t kv[16] = {0};
	ggufw w;
	parsed p;

	(void)state;
	kv[2] = kv[5] = kv[8] = kv[10] = kv[12] = kv[14] = 8;
	ggufw_init(&w, 3);
	base_keys(&w, "lfm2", 16, 2048, 32, 0, 0);
	ggufw_kv_arr(&w, "lfm2.attention.head_count_kv", GGUFW_U32, kv, 16);
	ggufw_kv_uint(&w, "lfm2.shortconv.l_cache", GGUFW_U32, 3);
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_int_equal(kvp_model_count_layers(&p.model, KVP_LAYER_RECURRENT), 10);
	assert_int_equal(kvp_model_count_layers(&p.model, KVP_LAYER_FULL), 6);
	assert_int_equal(kvp_model_layer_kind(&p.model, 2), KVP_LAYER_FULL);
	assert_int_equal(p.model.ssm_conv_kernel, 3);
	assert_int_equal(p.model.ssm_inner, 2048);
	assert_int_equal(cache_at(&p.model, 1), 163840 + 12288);
	assert_int_equal(cache_at(&p.model, 1000), 163840 + 1000ull * 12288);
	ggufw_free(&w);
	/* an l_cache whose state overflows llama.cpp's uint32 n_embd_r:
	 * (2^21 + 1 - 1) x 2048 = 2^32 */
	ggufw_init(&w, 3);
	base_keys(&w, "lfm2", 16, 2048, 32, 0, 0);
	ggufw_kv_arr(&w, "lfm2.attention.head_count_kv", GGUFW_U32, kv, 16);
	ggufw_kv_uint(&w, "lfm2.shortconv.l_cache", GGUFW_U32, (1u << 21) + 1);
	ggufw_finish(&w, 1);
	parse_fails(&w, KVP_ERR_RANGE, "lfm2.shortconv.l_cache is 2097153: a state of"
	            " (2097153 - 1) x 2048 values a layer, past the 32 bits of llama.cpp's"
	            " n_embd_r");
	ggufw_free(&w);
	/* l_cache, which llama.cpp's loader requires */
	ggufw_init(&w, 3);
	base_keys(&w, "lfm2", 16, 2048, 32, 0, 0);
	ggufw_kv_arr(&w, "lfm2.attention.head_count_kv", GGUFW_U32, kv, 16);
	ggufw_finish(&w, 1);
	parse_fails(&w, KVP_ERR_PARSE, "no key 'lfm2.shortconv.l_cache'");
	ggufw_free(&w);
	/* attention.sliding_window 512: every attention layer sliding
	 * (llama_model_lfm2::load_arch_hparams, is_swa_impl[il] =
	 * !is_recr_impl[il]), a window's 512 x 12,288 B at most; lfm2moe
	 * reads no window */
	for (int moe = 0; moe < 2; moe++) {
		const char *arch = moe ? "lfm2moe" : "lfm2";
		char key[64];

		ggufw_init(&w, 3);
		base_keys(&w, arch, 16, 2048, 32, 0, 0);
		snprintf(key, sizeof key, "%s.attention.head_count_kv", arch);
		ggufw_kv_arr(&w, key, GGUFW_U32, kv, 16);
		snprintf(key, sizeof key, "%s.shortconv.l_cache", arch);
		ggufw_kv_uint(&w, key, GGUFW_U32, 3);
		snprintf(key, sizeof key, "%s.attention.sliding_window", arch);
		ggufw_kv_uint(&w, key, GGUFW_U32, 512);
		ggufw_finish(&w, 1);
		parse_ok(&w, &p);
		assert_int_equal(kvp_model_count_layers(&p.model, KVP_LAYER_RECURRENT), 10);
		assert_int_equal(kvp_model_count_layers(&p.model, KVP_LAYER_SLIDING), moe ? 0 : 6);
		assert_int_equal(kvp_model_count_layers(&p.model, KVP_LAYER_FULL), moe ? 6 : 0);
		assert_int_equal(p.model.sliding_window, moe ? 0 : 512);
		assert_int_equal(cache_at(&p.model, 8192),
		                 163840 + (moe ? 8192ull : 512ull) * 12288);
		ggufw_free(&w);
	}
	/* head_count_kv 0 on every layer: 16 conv layers and no attention,
	 * as llama.cpp loads it (every is_recr_impl), 16 x 16,384 B; on a
	 * family whose layers of none are not recurrent, refused by key */
	{
		uint64_t none[16] = {0};

		ggufw_init(&w, 3);
		base_keys(&w, "lfm2", 16, 2048, 32, 0, 0);
		ggufw_kv_arr(&w, "lfm2.attention.head_count_kv", GGUFW_U32, none, 16);
		ggufw_kv_uint(&w, "lfm2.shortconv.l_cache", GGUFW_U32, 3);
		ggufw_finish(&w, 1);
		parse_ok(&w, &p);
		assert_int_equal(kvp_model_count_layers(&p.model, KVP_LAYER_RECURRENT), 16);
		assert_true(kvp_model_attention_free(&p.model));
		assert_int_equal(cache_at(&p.model, 1000), 16 * 16384);
		ggufw_free(&w);
		ggufw_init(&w, 3);
		base_keys(&w, "qwen2", 4, 2048, 32, 0, 0);
		ggufw_kv_arr(&w, "qwen2.attention.head_count_kv", GGUFW_U32, none, 4);
		ggufw_finish(&w, 1);
		parse_fails(&w, KVP_ERR_UNSUPPORTED, "qwen2.attention.head_count_kv is 0 on"
		            " every layer: no layer attends, which qwen2 does not run");
	}
}

/* Kimi-Linear as llama.cpp's converter writes it (kimi-linear,
 * conversion/kimi_linear.py: head_count_kv 1 on the MLA layers, 0 on the
 * Kimi Delta Attention ones; kda.head_dim 128, ssm.conv_kernel 4, the
 * latent's kv_lora_rank 512 and rope 64, key_length_mla 192,
 * value_length_mla 128; value_length the config's unused 72).  Its state
 * as llama-hparams.cpp sizes it: n_embd_r 3 x 3 x 32 x 128 = 36,864 and
 * n_embd_s 128 x 128 x 32 = 524,288 values, f32: 2,244,608 B a layer; the
 * MLA layers' K alone, 576 values a token. */
/* Kimi-Linear's keys into w: head_count_kv per layer (kv, NULL: a scalar
 * 1), kda.head_dim where asked. */
static void kimi_keys(ggufw *w, const uint64_t *kv, bool head_dim)
{
	ggufw_init(w, 3);
	base_keys(w, "kimi-linear", 27, 2304, 32, kv ? 0 : 1, 0);
	if (kv)
		ggufw_kv_arr(w, "kimi-linear.attention.head_count_kv", GGUFW_U32, kv, 27);
	ggufw_kv_uint(w, "kimi-linear.ssm.conv_kernel", GGUFW_U32, 4);
	if (head_dim)
		ggufw_kv_uint(w, "kimi-linear.kda.head_dim", GGUFW_U32, 128);
	ggufw_kv_uint(w, "kimi-linear.attention.kv_lora_rank", GGUFW_U32, 512);
	ggufw_kv_uint(w, "kimi-linear.rope.dimension_count", GGUFW_U32, 64);
	ggufw_kv_uint(w, "kimi-linear.attention.key_length", GGUFW_U32, 576);
	ggufw_kv_uint(w, "kimi-linear.attention.value_length", GGUFW_U32, 72);
	ggufw_kv_uint(w, "kimi-linear.attention.key_length_mla", GGUFW_U32, 192);
	ggufw_kv_uint(w, "kimi-linear.attention.value_length_mla", GGUFW_U32, 128);
	ggufw_finish(w, 1);
}

static void test_kimi_linear(void **state)
{
	uint64_t kv[27] = {0};
	ggufw w;
	parsed p;

	(void)state;
	kv[3] = kv[7] = kv[11] = kv[15] = kv[19] = kv[23] = kv[26] = 1;
	kimi_keys(&w, kv, true);
	parse_ok(&w, &p);
	assert_int_equal(kvp_model_count_layers(&p.model, KVP_LAYER_RECURRENT), 20);
	assert_int_equal(kvp_model_count_layers(&p.model, KVP_LAYER_MLA), 7);
	assert_int_equal(kvp_model_layer_kind(&p.model, 26), KVP_LAYER_MLA);
	assert_int_equal(p.model.ssm_inner, 4096);
	assert_int_equal(p.model.ssm_state, 128);
	assert_int_equal(p.model.ssm_groups, 32);
	assert_int_equal(p.model.v_head_dim, 128);
	assert_int_equal(cache_at(&p.model, 1000), 20 * 2244608ull + 1000ull * 7 * 1152);
	ggufw_free(&w);
	/* kda.head_dim, which its loader requires */
	kimi_keys(&w, kv, false);
	parse_fails(&w, KVP_ERR_PARSE, "no key 'kimi-linear.kda.head_dim'");
	ggufw_free(&w);
	/* a scalar head_count_kv marks no KDA layer: refused, not 27 MLA
	 * layers */
	kimi_keys(&w, NULL, true);
	parse_fails(&w, KVP_ERR_PARSE, "kimi-linear.attention.head_count_kv marks no Kimi"
	            " Delta Attention layer (a 0 entry)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_qwen3next),
		cmocka_unit_test(test_qwen35_nextn),
		cmocka_unit_test(test_nemotron_h),
		cmocka_unit_test(test_nemotron_h_moe),
		cmocka_unit_test(test_mamba),
		cmocka_unit_test(test_mamba2),
		cmocka_unit_test(test_falcon_h1),
		cmocka_unit_test(test_lfm2),
		cmocka_unit_test(test_kimi_linear),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
