/*
 * test_gguf.c — unit tests of the GGUF header reader (lib/gguf*.c,
 * lib/ggml_types.c) on well-formed files of attention models: files built
 * in the test with tests/ggufw.c, holding real models' numbers (each from
 * the model's own config.json, cited); the planned cache worked out by
 * hand; weights per ggml type from each block's layout; files on disk;
 * and allocation failures.  Recurrent hybrids are in
 * test_gguf_recurrent.c, malformed headers in test_gguf_malformed.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cmocka.h>

#include "ggufw.h"
#include "kvplan.h"
#include "testutil.h"
#include "gguf_fixture.h"

/* llama2-7b's keys (meta-llama/Llama-2-7b-hf config.json: 32 layers,
 * hidden 4096, 32 heads, no num_key_value_heads, 4096 positions, vocab
 * 32000), the vocabulary as tokenizer.ggml.tokens. */
static void llama2_keys(ggufw *w)
{
	ggufw_kv_str(w, "general.architecture", "llama");
	ggufw_kv_str(w, "general.name", "Llama 2 7B \x1b[31m");
	ggufw_kv_uint(w, "llama.block_count", GGUFW_U32, 32);
	ggufw_kv_uint(w, "llama.embedding_length", GGUFW_U32, 4096);
	ggufw_kv_uint(w, "llama.attention.head_count", GGUFW_U32, 32);
	ggufw_kv_uint(w, "llama.attention.head_count_kv", GGUFW_U32, 32);
	ggufw_kv_uint(w, "llama.context_length", GGUFW_U32, 4096);
	ggufw_kv_arr_str(w, "tokenizer.ggml.tokens", 32000);
}

/* ---- well-formed files -------------------------------------------------- */

/* llama2-7b from memory: every field, its note, the name from the path
 * (general.name is never trusted), and the plan at 1024 tokens in fp16:
 * 2 (K, V) x 32 layers x 32 kv heads x 128 dims x 2 B x 1024 tokens
 * = 536,870,912 B. */
static void test_llama2_plan(void **state)
{
	ggufw w;
	parsed p;
	uint64_t dims[2] = {4096, 32000};

	(void)state;
	ggufw_init(&w, 3);
	llama2_keys(&w);
	/* token_embd: 4096 x 32000 f16 = 262,144,000 B. */
	ggufw_tensor(&w, "token_embd.weight", 2, dims, F16, 262144000);
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_string_equal(p.model.name, "m");
	assert_int_equal(p.model.layers, 32);
	assert_int_equal(p.model.hidden, 4096);
	assert_int_equal(p.model.heads, 32);
	assert_int_equal(p.model.kv_heads, 32);
	assert_int_equal(p.model.head_dim, 128);
	assert_true(p.model.head_dim_derived);
	assert_int_equal(p.model.vocab, 32000);
	assert_int_equal(p.model.max_context, 4096);
	assert_int_equal(p.model.params, 131072000);
	assert_int_equal(p.model.pattern_len, 0);
	assert_int_equal(p.source.kind, KVP_SOURCE_GGUF);
	assert_string_equal(p.source.family, "llama");
	assert_string_equal(p.model.model_type, "llama");
	assert_false(p.source.generic);
	note_is(&p, "layers", KVP_ORIGIN_READ, "llama.block_count = 32");
	note_is(&p, "kv_heads", KVP_ORIGIN_READ,
	        "llama.attention.head_count_kv = 32");
	note_is(&p, "head_dim", KVP_ORIGIN_DEFAULTED,
	        "embedding_length / head_count = 4096 / 32");
	note_is(&p, "vocab", KVP_ORIGIN_DERIVED,
	        "tokenizer.ggml.tokens has 32000 entries");
	note_is(&p, "max_context", KVP_ORIGIN_READ, "llama.context_length = 4096");
	note_is(&p, "params", KVP_ORIGIN_DERIVED, "the elements of the 1 tensors");
	assert_int_equal(p.weights.files, 1);
	assert_int_equal(p.weights.tensors, 1);
	assert_int_equal(p.weights.bytes, 262144000);
	/* token_embd is the embedding; no output.weight: the head is tied. */
	assert_int_equal(p.weights.embedding_bytes, 262144000);
	assert_int_equal(p.weights.head_bytes, 0);
	assert_true(p.model.tie_embeddings);
	assert_string_equal(p.weights.types[0].name, "f16");
	assert_int_equal(plan_bytes(&p.model, 1024), 536870912);
	ggufw_free(&w);
}

/* token_embd's bytes, which llama.cpp keeps in host memory, against its
 * published "CPU_Mapped model buffer size" lines: Llama 3.2 3B Q4_K_M
 * (ollama issue #8310), token_embd q6_K [3072, 128256]: 128,256 x 3,072
 * x 210 / 256 = 323,205,120 B, "308.23 MiB"; a Llama 3 70B Q8_0 (ollama
 * issue #11986), q8_0 [8192, 128256]: 128,256 x 8,192 x 34 / 32 =
 * 1,116,340,224 B, "1064.62 MiB". */
static void test_embedding_logged(void **state)
{
	static const struct {
		uint64_t hidden;
		int type;
		uint64_t bytes;
		const char *logged;
	} cases[] = {
		{3072, Q6_K, 323205120, "308.23"},
		{8192, Q8_0, 1116340224, "1064.62"},
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		uint64_t dims[2] = {cases[i].hidden, 128256};
		char mib[32];
		ggufw w;
		parsed p;

		ggufw_init(&w, 3);
		base_keys(&w, "llama", 28, (uint32_t)cases[i].hidden, 24, 8, 128);
		ggufw_tensor(&w, "token_embd.weight", 2, dims, cases[i].type,
		             cases[i].bytes);
		ggufw_finish(&w, 1);
		parse_ok(&w, &p);
		assert_int_equal(p.weights.embedding_bytes, cases[i].bytes);
		snprintf(mib, sizeof mib, "%.2f", (double)p.weights.embedding_bytes / 1048576.0);
		assert_string_equal(mib, cases[i].logged);
		ggufw_free(&w);
	}
}

/* Every value type: scalars of each of the 13, arrays of the integer
 * ones, the model's numbers spelt in several integer types; version 2
 * reads as 3 does. */
static void test_value_types(void **state)
{
	static const uint64_t ints[3] = {1, 2, 3};
	ggufw w;
	parsed p;

	(void)state;
	ggufw_init(&w, 2);
	ggufw_kv_str(&w, "general.architecture", "llama");
	ggufw_kv_uint(&w, "llama.block_count", GGUFW_U8, 32);
	ggufw_kv_uint(&w, "llama.embedding_length", GGUFW_U16, 4096);
	ggufw_kv_uint(&w, "llama.attention.head_count", GGUFW_I32, 32);
	ggufw_kv_uint(&w, "llama.attention.head_count_kv", GGUFW_U64, 8);
	ggufw_kv_uint(&w, "llama.context_length", GGUFW_I64, 8192);
	ggufw_kv_uint(&w, "llama.vocab_size", GGUFW_I16, 32000);
	ggufw_kv_uint(&w, "x.i8", GGUFW_I8, 0xff);
	ggufw_kv_uint(&w, "x.u32", GGUFW_U32, 7);
	ggufw_kv_uint(&w, "x.bool", GGUFW_BOOL, 1);
	ggufw_kv_f32(&w, "llama.rope.freq_base", 500000.0f);
	ggufw_kv_f64(&w, "x.f64", 0.5);
	for (uint32_t t = GGUFW_U8; t <= GGUFW_I64; t++) {
		char key[32];

		if (t == GGUFW_F32 || t == GGUFW_STRING || t == GGUFW_ARRAY)
			continue;
		snprintf(key, sizeof key, "x.array%u", t);
		ggufw_kv_arr(&w, key, t, ints, 3);
	}
	ggufw_kv_arr_str(&w, "x.strings", 3);
	ggufw_kv_arr(&w, "x.empty", GGUFW_F64, NULL, 0);
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_int_equal(p.model.layers, 32);
	assert_int_equal(p.model.hidden, 4096);
	assert_int_equal(p.model.heads, 32);
	assert_int_equal(p.model.kv_heads, 8);
	assert_int_equal(p.model.max_context, 8192);
	assert_int_equal(p.model.vocab, 32000);
	note_is(&p, "vocab", KVP_ORIGIN_READ, "llama.vocab_size = 32000");
	ggufw_free(&w);
}

/* Per-layer kv heads with zeros: those layers cache nothing (kind none),
 * the others their own count; an architecture kvplan does not know is
 * read by the generic keys and says so. */
static void test_per_layer_kv_heads(void **state)
{
	static const uint64_t kv[6] = {8, 0, 4, 8, 0, 4};
	ggufw w;
	parsed p;

	(void)state;
	ggufw_init(&w, 3);
	base_keys(&w, "newarch", 6, 2048, 16, 0, 128);
	ggufw_kv_arr(&w, "newarch.attention.head_count_kv", GGUFW_U32, kv, 6);
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_true(p.source.generic);
	assert_int_equal(p.model.layer_kv_heads_len, 6);
	for (int i = 0; i < 6; i++)
		assert_int_equal(p.model.layer_kv_heads[i], kv[i]);
	assert_int_equal(kvp_model_layer_kind(&p.model, 1), KVP_LAYER_NONE);
	assert_int_equal(kvp_model_count_layers(&p.model, KVP_LAYER_FULL), 4);
	/* At one token: 2 x 128 dims x 2 B x (8 + 4 + 8 + 4) heads
	 * = 12,288 B. */
	assert_int_equal(plan_bytes(&p.model, 1), 12288);
	ggufw_free(&w);
}

/* MiniCPM3-4B as llama.cpp's converter writes it (MiniCPM3Model:
 * head_count and head_count_kv 40, key_length 96, no value_length):
 * plain attention, K of 96 and V of 2560 / 40 = 64 a head, as
 * llm_build_minicpm3 caches them: 62 x 40 x (96 + 64) x 2 B = 793,600 B a
 * token; an architecture kvplan knows, not the generic rule. */
static void test_minicpm3(void **state)
{
	ggufw w;
	parsed p;

	(void)state;
	ggufw_init(&w, 3);
	base_keys(&w, "minicpm3", 62, 2560, 40, 40, 0);
	ggufw_kv_uint(&w, "minicpm3.attention.key_length", GGUFW_U32, 96);
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_false(p.source.generic);
	assert_int_equal(p.model.head_dim, 96);
	assert_int_equal(p.model.head_dim_v, 64);
	assert_int_equal(plan_bytes(&p.model, 1), 793600);
	ggufw_free(&w);
}

/* DeepSeek-V3 (deepseek-ai/DeepSeek-V3 config.json: 61 layers, hidden
 * 7168, 128 heads, kv_lora_rank 512, qk_rope_head_dim 64,
 * qk_nope_head_dim 128, v_head_dim 128), in both conventions of
 * llama.cpp's converter: the older key_length 192 / value_length 128,
 * and the newer latent sizes 576 / 512 with key_length_mla 192 and
 * value_length_mla 128.  One token caches 512 + 64 = 576 values a layer:
 * 61 x 576 x 2 B = 70,272 B. */
static void test_mla_deepseek_v3(void **state)
{
	(void)state;
	for (int newer = 0; newer < 2; newer++) {
		ggufw w;
		parsed p;

		ggufw_init(&w, 3);
		base_keys(&w, "deepseek2", 61, 7168, 128, newer ? 1 : 128, 0);
		ggufw_kv_uint(&w, "deepseek2.attention.key_length", GGUFW_U32,
		              newer ? 576 : 192);
		ggufw_kv_uint(&w, "deepseek2.attention.value_length", GGUFW_U32,
		              newer ? 512 : 128);
		if (newer) {
			ggufw_kv_uint(&w, "deepseek2.attention.key_length_mla",
			              GGUFW_U32, 192);
			ggufw_kv_uint(&w, "deepseek2.attention.value_length_mla",
			              GGUFW_U32, 128);
		}
		ggufw_kv_uint(&w, "deepseek2.attention.kv_lora_rank", GGUFW_U32, 512);
		/* The query's rank, where a file gives it; 0 where not. */
		if (!newer)
			ggufw_kv_uint(&w, "deepseek2.attention.q_lora_rank", GGUFW_U32, 1536);
		ggufw_kv_uint(&w, "deepseek2.rope.dimension_count", GGUFW_U32, 64);
		ggufw_kv_uint(&w, "deepseek2.context_length", GGUFW_U32, 163840);
		ggufw_kv_uint(&w, "deepseek2.vocab_size", GGUFW_U32, 129280);
		ggufw_finish(&w, 1);
		parse_ok(&w, &p);
		assert_int_equal(kvp_model_attention(&p.model), KVP_ATTENTION_MLA);
		assert_int_equal(p.model.kv_lora_rank, 512);
		assert_int_equal(p.model.q_lora_rank, newer ? 0 : 1536);
		assert_int_equal(p.model.qk_rope_dim, 64);
		assert_int_equal(p.model.qk_nope_dim, 128);
		assert_int_equal(p.model.v_head_dim, 128);
		assert_int_equal(p.model.head_dim, 192);
		assert_int_equal(p.model.kv_heads, 128);
		assert_int_equal(kvp_model_count_layers(&p.model, KVP_LAYER_MLA), 61);
		note_is(&p, "kv_lora_rank", KVP_ORIGIN_READ,
		        "deepseek2.attention.kv_lora_rank = 512");
		note_is(&p, "qk_rope_dim", KVP_ORIGIN_READ,
		        "deepseek2.rope.dimension_count = 64");
		assert_int_equal(plan_bytes(&p.model, 1), 70272);
		ggufw_free(&w);
	}
}

/* Gemma 3 27B (google/gemma-3-27b-it text_config: 62 layers, hidden
 * 5376, 32 heads, 16 kv heads, head_dim 128, sliding_window 1024):
 * llama.cpp's set_swa_pattern(6) makes five sliding layers then a full
 * one.  At 4096 tokens, fp16: a layer holds 2 x 16 x 128 x 2 B = 8 KiB a
 * token; 52 sliding layers hold 1024 tokens and 10 full ones 4096:
 * 8192 x (52 x 1024 + 10 x 4096) = 771,751,936 B. */
static void test_gemma3_pattern(void **state)
{
	ggufw w;
	parsed p;

	(void)state;
	ggufw_init(&w, 3);
	base_keys(&w, "gemma3", 62, 5376, 32, 16, 128);
	ggufw_kv_uint(&w, "gemma3.attention.sliding_window", GGUFW_U32, 1024);
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_int_equal(p.model.pattern_len, 6);
	for (int i = 0; i < 5; i++)
		assert_int_equal(p.model.pattern[i], KVP_LAYER_SLIDING);
	assert_int_equal(p.model.pattern[5], KVP_LAYER_FULL);
	assert_int_equal(p.model.sliding_window, 1024);
	note_is(&p, "pattern", KVP_ORIGIN_DERIVED, "sliding*5,full (gemma3 rules)");
	assert_int_equal(plan_bytes(&p.model, 4096), 771751936);
	ggufw_free(&w);

	/* The pattern key, where a file states it, overrides the period:
	 * a per-layer array of flags. */
	{
		static const uint64_t flags[4] = {1, 0, 0, 1};

		ggufw_init(&w, 3);
		base_keys(&w, "gemma3", 4, 1024, 4, 1, 256);
		ggufw_kv_uint(&w, "gemma3.attention.sliding_window", GGUFW_U32, 512);
		ggufw_kv_arr(&w, "gemma3.attention.sliding_window_pattern",
		             GGUFW_BOOL, flags, 4);
		ggufw_finish(&w, 1);
		parse_ok(&w, &p);
		assert_int_equal(p.model.pattern_len, 3);
		assert_int_equal(kvp_model_layer_kind(&p.model, 3), KVP_LAYER_SLIDING);
		assert_int_equal(kvp_model_layer_kind(&p.model, 1), KVP_LAYER_FULL);
		ggufw_free(&w);
	}
}

/* gpt-oss-20b (openai/gpt-oss-20b config.json: 24 layers, hidden 2880,
 * 64 heads, 8 kv heads, head_dim 64, sliding_window 128, layer_types
 * alternating sliding and full): set_swa_pattern(2). */
static void test_gpt_oss(void **state)
{
	ggufw w;
	parsed p;

	(void)state;
	ggufw_init(&w, 3);
	base_keys(&w, "gpt-oss", 24, 2880, 64, 8, 64);
	ggufw_kv_uint(&w, "gpt-oss.attention.sliding_window", GGUFW_U32, 128);
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_int_equal(p.model.pattern_len, 2);
	assert_int_equal(p.model.pattern[0], KVP_LAYER_SLIDING);
	assert_int_equal(p.model.pattern[1], KVP_LAYER_FULL);
	assert_int_equal(p.model.sliding_window, 128);
	ggufw_free(&w);
}

/* Llama 4 Scout (meta-llama/Llama-4-Scout-17B-16E text_config: 48
 * layers, hidden 5120, 40 heads, 8 kv heads, head_dim 128,
 * attention_chunk_size 8192, no RoPE every 4th layer): llama.cpp fixes
 * n_swa = 8192 chunked, set_swa_pattern(4). */
static void test_llama4_chunked(void **state)
{
	ggufw w;
	parsed p;

	(void)state;
	ggufw_init(&w, 3);
	base_keys(&w, "llama4", 48, 5120, 40, 8, 128);
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_int_equal(p.model.chunk_size, 8192);
	assert_int_equal(p.model.pattern_len, 4);
	assert_int_equal(p.model.pattern[0], KVP_LAYER_CHUNKED);
	assert_int_equal(p.model.pattern[2], KVP_LAYER_CHUNKED);
	assert_int_equal(p.model.pattern[3], KVP_LAYER_FULL);
	assert_int_equal(kvp_source_find(&p.source, "chunk_size")->origin,
	                 KVP_ORIGIN_DEFAULTED);
	ggufw_free(&w);
}

/* Weights per ggml type, each block's bytes from its struct in
 * ggml-common.h: q4_K 144 B per 256 (2 fp16 + 12 scales + 128), q6_K
 * 210 per 256 (128 + 64 + 16 + 2), q8_0 34 per 32, mxfp4 17 per 32
 * (1 + 16), iq4_xs 136 per 256 (2 + 2 + 4 + 128), bf16 2 per 1, f32 4. */
static void test_weights_per_type(void **state)
{
	static const struct {
		const char *name;
		uint32_t type;
		uint64_t dims[2];
		uint64_t bytes;
	} t[] = {
		{"q4_K", Q4_K, {512, 3}, 2 * 144 * 3},
		{"q6_K", Q6_K, {256, 2}, 210 * 2},
		{"q8_0", Q8_0, {64, 5}, 2 * 34 * 5},
		{"mxfp4", MXFP4, {32, 7}, 17 * 7},
		{"iq4_xs", IQ4_XS, {256, 1}, 136},
		{"bf16", BF16, {10, 3}, 60},
		{"f32", F32, {7, 1}, 28},
	};
	uint64_t params = 0;
	ggufw w;
	parsed p;

	(void)state;
	ggufw_init(&w, 3);
	llama2_keys(&w);
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		char name[32];

		snprintf(name, sizeof name, "blk.%zu.weight", i);
		ggufw_tensor(&w, name, 2, t[i].dims, t[i].type, t[i].bytes);
		params += t[i].dims[0] * t[i].dims[1];
	}
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_int_equal(p.weights.n_types, 7);
	assert_int_equal(p.model.params, params);
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		assert_string_equal(p.weights.types[i].name, t[i].name);
		assert_int_equal(p.weights.types[i].bytes, t[i].bytes);
		assert_int_equal(p.weights.types[i].params,
		                 t[i].dims[0] * t[i].dims[1]);
	}
	ggufw_free(&w);
}

/* The routed experts' tensors of a GGUF file (kvp_weights expert_bytes):
 * ffn_gate_exps [64, 8, 4] in q8_0, 2 x 34 x 8 x 4 = 2,176 B, and
 * ffn_down_exps [64, 8, 4] in f16, 4,096 B; not the shared expert's
 * ffn_up_shexp [64, 8] f16 (1,024 B) nor the router's ffn_gate_inp [64, 4]
 * f32 (1,024 B): 6,272 B of 8,320. */
static void test_expert_tensors(void **state)
{
	uint64_t dims3[3] = {64, 8, 4}, shexp[2] = {64, 8}, inp[2] = {64, 4};
	ggufw w;
	parsed p;

	(void)state;
	ggufw_init(&w, 3);
	llama2_keys(&w);
	ggufw_tensor(&w, "blk.1.ffn_gate_exps.weight", 3, dims3, Q8_0, 2 * 34 * 8 * 4);
	ggufw_tensor(&w, "blk.1.ffn_down_exps.weight", 3, dims3, F16, 4096);
	ggufw_tensor(&w, "blk.1.ffn_up_shexp.weight", 2, shexp, F16, 1024);
	ggufw_tensor(&w, "blk.1.ffn_gate_inp.weight", 2, inp, F32, 1024);
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_int_equal(p.weights.bytes, 8320);
	assert_int_equal(p.weights.expert_bytes, 6272);
	assert_int_equal(p.weights.expert_params, 2 * 64 * 8 * 4);
	/* The router, whole on every tensor-parallel rank. */
	assert_int_equal(p.weights.replicated_bytes, 1024);
	ggufw_free(&w);
}

/* The attention's projections (kvp_weights attention_bytes): attn_q
 * [64, 8] f16 1,024 B, attn_kv_b [64, 4] f16 512 B and attn_output [64,
 * 8] f32 2,048 B, 3,584 B; not attn_q_a [64, 2] f16, 256 B, held whole,
 * nor attn_norm [64] f32, 256 B: of 4,096 B. */
static void test_attention_tensors(void **state)
{
	uint64_t q[2] = {64, 8}, kvb[2] = {64, 4}, qa[2] = {64, 2}, norm[1] = {64};
	ggufw w;
	parsed p;

	(void)state;
	ggufw_init(&w, 3);
	llama2_keys(&w);
	ggufw_tensor(&w, "blk.0.attn_q.weight", 2, q, F16, 1024);
	ggufw_tensor(&w, "blk.0.attn_kv_b.weight", 2, kvb, F16, 512);
	ggufw_tensor(&w, "blk.0.attn_output.weight", 2, q, F32, 2048);
	ggufw_tensor(&w, "blk.0.attn_q_a.weight", 2, qa, F16, 256);
	ggufw_tensor(&w, "blk.0.attn_norm.weight", 1, norm, F32, 256);
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_int_equal(p.weights.bytes, 4096);
	assert_int_equal(p.weights.attention_bytes, 3584);
	assert_int_equal(p.weights.replicated_bytes, 256);
	ggufw_free(&w);
}

/* From a file on disk, and a sparse one whose single f32 tensor of
 * 65536 x 16384 values claims 4 GiB: it is mapped, its data never read,
 * so the test is as fast as the small one. */
/* The rotary embedding's keys (llama.cpp's llama-arch.cpp names): Gemma 3's
 * linear x8 scaling and, with no rope.freq_base_swa, its 10,000 base for the
 * sliding layers (llama-model.cpp load_hparams); a partial rotary dim and
 * YaRN's original context; llama.cpp's "none" scaling is rope unscaled;
 * GPT-2 has none at all; a bad type, a factor that is no float or not a
 * number, one message at the key. */
static void test_rope(void **state)
{
	ggufw w;
	parsed p;

	(void)state;
	ggufw_init(&w, 3);
	base_keys(&w, "gemma3", 6, 1024, 4, 1, 256);
	ggufw_kv_uint(&w, "gemma3.attention.sliding_window", GGUFW_U32, 512);
	ggufw_kv_str(&w, "gemma3.rope.scaling.type", "linear");
	ggufw_kv_f32(&w, "gemma3.rope.scaling.factor", 8.0f);
	ggufw_kv_f32(&w, "gemma3.rope.freq_base", 1e6f);
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_int_equal(p.model.rope, KVP_ROPE_LINEAR);
	assert_true(p.model.rope_factor == 8);
	assert_true(p.model.rope_theta == 1e6);
	assert_true(p.model.rope_local_theta == 10000);
	ggufw_free(&w);

	ggufw_init(&w, 3);
	base_keys(&w, "llama", 2, 1024, 16, 4, 64);
	ggufw_kv_uint(&w, "llama.rope.dimension_count", GGUFW_U32, 32);
	ggufw_kv_str(&w, "llama.rope.scaling.type", "yarn");
	ggufw_kv_f64(&w, "llama.rope.scaling.factor", 4.0);
	ggufw_kv_uint(&w, "llama.rope.scaling.original_context_length", GGUFW_U32, 4096);
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_int_equal(p.model.rope, KVP_ROPE_YARN);
	assert_int_equal(p.model.rotary_dim, 32);
	assert_true(p.model.rope_factor == 4);
	assert_int_equal(p.model.rope_original_max, 4096);
	assert_true(p.model.rope_local_theta == 0);
	ggufw_free(&w);

	ggufw_init(&w, 3);
	base_keys(&w, "llama", 2, 1024, 16, 4, 64);
	ggufw_kv_uint(&w, "llama.rope.dimension_count", GGUFW_U32, 64);
	ggufw_kv_str(&w, "llama.rope.scaling.type", "none");
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_int_equal(p.model.rope, KVP_ROPE_DEFAULT);
	assert_int_equal(p.model.rotary_dim, 0);
	ggufw_free(&w);

	ggufw_init(&w, 3);
	base_keys(&w, "gpt2", 2, 768, 12, 12, 64);
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_int_equal(p.model.rope, KVP_ROPE_NONE);
	ggufw_free(&w);

	ggufw_init(&w, 3);
	base_keys(&w, "llama", 2, 1024, 16, 4, 64);
	ggufw_kv_str(&w, "llama.rope.scaling.type", "spiral");
	ggufw_finish(&w, 1);
	parse_fails(&w, KVP_ERR_PARSE, "at byte ");
	ggufw_init(&w, 3);
	base_keys(&w, "llama", 2, 1024, 16, 4, 64);
	ggufw_kv_str(&w, "llama.rope.scaling.type", "spiral");
	ggufw_finish(&w, 1);
	parse(&w, &p);
	assert_non_null(strstr(p.err.message, "key 'llama.rope.scaling.type' is no rope"
	                       " scaling kvplan knows"));
	ggufw_free(&w);
	ggufw_init(&w, 3);
	base_keys(&w, "llama", 2, 1024, 16, 4, 64);
	ggufw_kv_str(&w, "llama.rope.scaling.factor", "8");
	ggufw_finish(&w, 1);
	parse(&w, &p);
	assert_int_equal(p.status, KVP_ERR_PARSE);
	assert_non_null(strstr(p.err.message, "key 'llama.rope.scaling.factor' is not a float"));
	ggufw_free(&w);
	ggufw_init(&w, 3);
	base_keys(&w, "llama", 2, 1024, 16, 4, 64);
	ggufw_kv_f32(&w, "llama.rope.scaling.factor", -1.0f);
	ggufw_finish(&w, 1);
	parse(&w, &p);
	assert_int_equal(p.status, KVP_ERR_PARSE);
	assert_non_null(strstr(p.err.message, "key 'llama.rope.scaling.factor' is not a number"
	                       " from 0 to 1e15"));
	ggufw_free(&w);
}

static void test_read_files(void **state)
{
	uint64_t dims[2] = {65536, 16384};
	char path[1024];
	kvp_model m;
	kvp_source src;
	kvp_weights wt;
	kvp_error err;
	ggufw w;
	size_t start;
	int fd;

	(void)state;
	ggufw_init(&w, 3);
	llama2_keys(&w);
	ggufw_tensor(&w, "output.weight", 2, dims, F32, 4294967296ull);
	start = ggufw_finish(&w, 0);
	snprintf(path, sizeof path, "%s/llama-sparse.gguf", testutil_tmpdir());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, w.buf, w.len), (ssize_t)w.len);
	assert_int_equal(ftruncate(fd, (off_t)(start + 4294967296ull)), 0);
	close(fd);
	kvp_weights_init(&wt);
	assert_int_equal(kvp_gguf_read(path, &m, &src, &wt, &err), KVP_OK);
	assert_string_equal(m.name, "llama-sparse");
	assert_string_equal(src.path, path);
	assert_int_equal(wt.bytes, 4294967296ull);
	assert_int_equal(m.params, 1073741824);
	/* One byte short of the tensor's end. */
	assert_int_equal(truncate(path, (off_t)(start + 4294967295ull)), 0);
	assert_int_equal(kvp_gguf_read(path, &m, &src, &wt, &err), KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "runs past the end of the file"));
	ggufw_free(&w);

	assert_int_equal(kvp_gguf_read("/nonexistent/x.gguf", &m, NULL, NULL, &err),
	                 KVP_ERR_NOT_FOUND);
	assert_int_equal(kvp_gguf_read(testutil_tmpdir(), &m, NULL, NULL, &err),
	                 KVP_ERR_IO);
	assert_string_equal(err.message, "not a regular file");
	snprintf(path, sizeof path, "%s/empty.gguf", testutil_tmpdir());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	close(fd);
	assert_int_equal(kvp_gguf_read(path, &m, NULL, NULL, &err), KVP_ERR_PARSE);
	assert_string_equal(err.message,
	                    "at byte 0: truncated header: 0 bytes, not a GGUF file");
}

/* Each allocation failing in turn gives KVP_ERR_NOMEM and leaks nothing,
 * until the parse makes fewer allocations than the failing one. */
static void test_allocation_failure(void **state)
{
	uint64_t dims[1] = {4096};
	ggufw w;

	(void)state;
	ggufw_init(&w, 3);
	llama2_keys(&w);
	ggufw_tensor(&w, "a.weight", 1, dims, F16, 8192);
	ggufw_tensor(&w, "b.weight", 1, dims, F16, 8192);
	ggufw_finish(&w, 1);
	for (unsigned long nth = 1;; nth++) {
		long live = testutil_live_blocks();
		kvp_model m;
		kvp_status st;

		testutil_fail_at(nth);
		st = kvp_gguf_parse(w.buf, w.len, "m.gguf", &m, NULL, NULL, NULL);
		if (testutil_injection_step(st, nth, testutil_alloc_calls(), NULL, 0,
		                            live))
			break;
	}
	testutil_fail_at(0);
	ggufw_free(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_llama2_plan),
		cmocka_unit_test(test_embedding_logged),
		cmocka_unit_test(test_value_types),
		cmocka_unit_test(test_per_layer_kv_heads),
		cmocka_unit_test(test_minicpm3),
		cmocka_unit_test(test_mla_deepseek_v3),
		cmocka_unit_test(test_gemma3_pattern),
		cmocka_unit_test(test_gpt_oss),
		cmocka_unit_test(test_rope),
		cmocka_unit_test(test_llama4_chunked),
		cmocka_unit_test(test_weights_per_type),
		cmocka_unit_test(test_expert_tensors),
		cmocka_unit_test(test_attention_tensors),
		cmocka_unit_test(test_read_files),
		cmocka_unit_test(test_allocation_failure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
