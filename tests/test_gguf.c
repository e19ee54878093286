/*
 * test_gguf.c — unit tests of the GGUF header reader (lib/gguf*.c,
 * lib/ggml_types.c): files built in the test with
 * tests/ggufw.c, holding real models' numbers (each from the model's own
 * config.json, cited); the planned cache worked out by hand; weights per
 * ggml type from each block's layout; and every malformed header, with
 * its status and the byte offset its message names.
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

/* ggml type ids (ggml/include/ggml.h, enum ggml_type). */
enum {
	F32 = 0, F16 = 1, Q8_0 = 8, Q4_K = 12, Q6_K = 14, IQ4_XS = 23,
	BF16 = 30, MXFP4 = 39
};

/* ---- helpers ---------------------------------------------------------- */

typedef struct parsed {
	kvp_model model;
	kvp_source source;
	kvp_weights weights;
	kvp_error err;
	kvp_status status;
} parsed;

static void parse(const ggufw *w, parsed *p)
{
	memset(p, 0, sizeof *p);
	kvp_weights_init(&p->weights);
	p->status = kvp_gguf_parse(w->buf, w->len, "m.gguf", &p->model,
	                           &p->source, &p->weights, &p->err);
}

static void parse_ok(const ggufw *w, parsed *p)
{
	parse(w, p);
	if (p->status != KVP_OK)
		fail_msg("%s", p->err.message);
}

/* A malformed file: status, and a message that starts with prefix. */
static void parse_fails(ggufw *w, kvp_status status, const char *prefix)
{
	parsed p;

	parse(w, &p);
	assert_int_equal(p.status, status);
	assert_int_equal(p.err.status, status);
	assert_string_equal(p.err.path, "m.gguf");
	if (strncmp(p.err.message, prefix, strlen(prefix)) != 0)
		fail_msg("message '%s' does not start with '%s'", p.err.message,
		         prefix);
	ggufw_free(w);
}

static void note_is(const parsed *p, const char *field, kvp_origin origin,
                    const char *text)
{
	const kvp_source_note *n = kvp_source_find(&p->source, field);

	assert_non_null(n);
	assert_int_equal(n->origin, origin);
	assert_string_equal(n->text, text);
}

static uint64_t plan_bytes(const kvp_model *m, uint64_t seq)
{
	kvp_request r;
	kvp_plan plan;
	kvp_error err;

	kvp_request_init(&r);
	r.seq = seq;
	assert_int_equal(kvp_plan_compute(m, &r, &plan, &err), KVP_OK);
	return plan.cache_total_bytes;
}

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

/* Keys every test model has: architecture, layers, heads. */
static void base_keys(ggufw *w, const char *arch, uint32_t layers,
                      uint32_t hidden, uint32_t heads, uint32_t kv,
                      uint32_t head_dim)
{
	char key[96];

	ggufw_kv_str(w, "general.architecture", arch);
	snprintf(key, sizeof key, "%s.block_count", arch);
	ggufw_kv_uint(w, key, GGUFW_U32, layers);
	snprintf(key, sizeof key, "%s.embedding_length", arch);
	ggufw_kv_uint(w, key, GGUFW_U32, hidden);
	snprintf(key, sizeof key, "%s.attention.head_count", arch);
	ggufw_kv_uint(w, key, GGUFW_U32, heads);
	if (kv) {
		snprintf(key, sizeof key, "%s.attention.head_count_kv", arch);
		ggufw_kv_uint(w, key, GGUFW_U32, kv);
	}
	if (head_dim) {
		snprintf(key, sizeof key, "%s.attention.key_length", arch);
		ggufw_kv_uint(w, key, GGUFW_U32, head_dim);
		snprintf(key, sizeof key, "%s.attention.value_length", arch);
		ggufw_kv_uint(w, key, GGUFW_U32, head_dim);
	}
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
		ggufw_kv_uint(&w, "deepseek2.rope.dimension_count", GGUFW_U32, 64);
		ggufw_kv_uint(&w, "deepseek2.context_length", GGUFW_U32, 163840);
		ggufw_kv_uint(&w, "deepseek2.vocab_size", GGUFW_U32, 129280);
		ggufw_finish(&w, 1);
		parse_ok(&w, &p);
		assert_int_equal(kvp_model_attention(&p.model), KVP_ATTENTION_MLA);
		assert_int_equal(p.model.kv_lora_rank, 512);
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

/* From a file on disk, and a sparse one whose single f32 tensor of
 * 65536 x 16384 values claims 4 GiB: it is mapped, its data never read,
 * so the test is as fast as the small one. */
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

/* ---- malformed files ---------------------------------------------------- */

/* A header with n_kv and n_tensors written as given (24 bytes). */
static void header(ggufw *w, uint32_t version, uint64_t n_tensors,
                   uint64_t n_kv)
{
	ggufw_init(w, version);
	for (unsigned i = 0; i < 8; i++) {
		w->buf[8 + i] = (unsigned char)(n_tensors >> (8 * i));
		w->buf[16 + i] = (unsigned char)(n_kv >> (8 * i));
	}
}

static void test_bad_header(void **state)
{
	static const unsigned char many_keys[65537 * 14];
	ggufw w;

	(void)state;
	header(&w, 3, 0, 0);
	w.len = 10;
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 8: truncated: tensor count needs 8 bytes, 2 remain");
	header(&w, 3, 0, 0);
	memcpy(w.buf, "GGML", 4);
	parse_fails(&w, KVP_ERR_PARSE, "at byte 0: magic is 'GGML', not 'GGUF'");
	/* Version 3 written big-endian reads 0x03000000. */
	header(&w, 0x03000000u, 0, 0);
	parse_fails(&w, KVP_ERR_PARSE, "at byte 4: big-endian GGUF is not supported");
	header(&w, 1, 0, 0);
	parse_fails(&w, KVP_ERR_PARSE, "at byte 4: GGUF version 1 (32-bit counts)");
	header(&w, 4, 0, 0);
	parse_fails(&w, KVP_ERR_PARSE, "at byte 4: GGUF version 4 is not supported");
	/* Counts that the remaining bytes cannot hold, however large. */
	header(&w, 3, 0, UINT64_MAX);
	parse_fails(&w, KVP_ERR_PARSE, "at byte 16: 18446744073709551615 keys need");
	header(&w, 3, UINT64_MAX / 25 + 1, 0);
	parse_fails(&w, KVP_ERR_PARSE, "at byte 8: 737869762948382065 tensors need");
	/* Within the bytes, past the cap. */
	header(&w, 3, 0, 65537);
	ggufw_bytes(&w, many_keys, sizeof many_keys);
	parse_fails(&w, KVP_ERR_RANGE, "at byte 16: 65537 keys, more than");
	/* A valid header and no keys: no architecture. */
	header(&w, 3, 0, 0);
	parse_fails(&w, KVP_ERR_PARSE, "no key 'general.architecture'");
}

/* Keys: lengths past the end, types, nesting, duplicates.  The first
 * key's length is at byte 24, its bytes at 32. */
static void test_bad_keys(void **state)
{
	ggufw w;

	(void)state;
	header(&w, 3, 0, 1);
	ggufw_u64(&w, 1ull << 40);
	ggufw_bytes(&w, "abcdefgh", 8);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 24: key length 1099511627776 is more than the 8 bytes"
	            " that remain");
	header(&w, 3, 0, 1);
	ggufw_string(&w, "");
	ggufw_bytes(&w, "123456", 6);
	parse_fails(&w, KVP_ERR_PARSE, "at byte 24: key 0 is empty");
	/* Key "k" at 24, type at 33. */
	header(&w, 3, 0, 1);
	ggufw_string(&w, "k");
	ggufw_u32(&w, 13);
	ggufw_u32(&w, 0);
	parse_fails(&w, KVP_ERR_PARSE, "at byte 33: key 'k' has unknown value type 13");
	/* An array's element type at 37. */
	header(&w, 3, 0, 1);
	ggufw_string(&w, "k");
	ggufw_u32(&w, GGUFW_ARRAY);
	ggufw_u32(&w, GGUFW_ARRAY);
	ggufw_u64(&w, 1);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 37: key 'k' is an array of arrays, which GGUF does"
	            " not allow");
	header(&w, 3, 0, 1);
	ggufw_string(&w, "k");
	ggufw_u32(&w, GGUFW_ARRAY);
	ggufw_u32(&w, GGUFW_U32);
	ggufw_u64(&w, 1ull << 62);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 37: key 'k' has 4611686018427387904 values of uint32,"
	            " more than the 0 bytes that remain");
	header(&w, 3, 0, 1);
	ggufw_string(&w, "k");
	ggufw_u32(&w, GGUFW_ARRAY);
	ggufw_u32(&w, GGUFW_STRING);
	ggufw_u64(&w, 3);
	ggufw_string(&w, "a");
	ggufw_u64(&w, 100);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 37: key 'k' has 3 strings, more than");
	header(&w, 3, 0, 1);
	ggufw_string(&w, "k");
	ggufw_u32(&w, GGUFW_ARRAY);
	ggufw_u32(&w, GGUFW_STRING);
	ggufw_u64(&w, 2);
	ggufw_string(&w, "a");
	ggufw_u64(&w, 100);
	ggufw_bytes(&w, "xy", 2);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 58: string length 100 is more than the 2 bytes that"
	            " remain");
	/* Duplicates: the second "k" at 24 + 14 = 38. */
	header(&w, 3, 0, 2);
	ggufw_kv_uint(&w, "k", GGUFW_U8, 1);
	ggufw_kv_uint(&w, "k", GGUFW_U8, 2);
	parse_fails(&w, KVP_ERR_PARSE, "at byte 38: duplicate key 'k' (first at byte 24)");
	header(&w, 3, 0, 1);
	ggufw_kv_uint(&w, "general.alignment", GGUFW_U64, 32);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 24: key 'general.alignment' is a uint64, not a uint32");
	header(&w, 3, 0, 1);
	ggufw_kv_uint(&w, "general.alignment", GGUFW_U32, 48);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 53: general.alignment 48 is not a power of 2");
	/* A float where a count goes; an array not as long as the model. */
	ggufw_init(&w, 3);
	base_keys(&w, "llama", 2, 64, 4, 0, 0);
	ggufw_kv_f32(&w, "llama.attention.head_count_kv", 4.0f);
	ggufw_finish(&w, 0);
	parse_fails(&w, KVP_ERR_PARSE, "at byte ");
	{
		static const uint64_t kv[3] = {4, 4, 4};

		ggufw_init(&w, 3);
		base_keys(&w, "llama", 2, 64, 4, 0, 0);
		ggufw_kv_arr(&w, "llama.attention.head_count_kv", GGUFW_U32, kv, 3);
		ggufw_finish(&w, 0);
		parse_fails(&w, KVP_ERR_PARSE, "at byte ");
	}
	ggufw_init(&w, 3);
	base_keys(&w, "mamba2", 64, 2560, 0, 0, 0);
	ggufw_finish(&w, 0);
	parse_fails(&w, KVP_ERR_UNSUPPORTED, "mamba2: no layer has attention heads");
}

/* A file of one key (24 + 8 + 1 + 4 + 1 = 38 bytes) and one tensor whose
 * info starts at byte 38: name "t" (8 + 1), n_dims at 47, dims from 51. */
static void one_tensor(ggufw *w, uint32_t n_dims, const uint64_t *dims,
                       uint32_t type, uint64_t offset)
{
	header(w, 3, 1, 1);
	ggufw_kv_uint(w, "k", GGUFW_U8, 1);
	ggufw_tensor_at(w, "t", n_dims, dims, type, offset);
}

static void test_bad_tensors(void **state)
{
	uint64_t dims[5] = {32, 2, 1, 1, 1};
	ggufw w;

	(void)state;
	one_tensor(&w, 5, dims, F32, 0);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 47: tensor 't' has 5 dimensions, more than ggml's 4");
	dims[1] = 0;
	one_tensor(&w, 2, dims, F32, 0);
	parse_fails(&w, KVP_ERR_PARSE, "at byte 59: tensor 't' dimension 1 is 0");
	dims[0] = dims[1] = 1ull << 32;
	one_tensor(&w, 2, dims, F32, 0);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 59: tensor 't' has more elements than ggml can count");
	dims[0] = 100;
	dims[1] = 1;
	one_tensor(&w, 2, dims, Q4_K, 0);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 67: tensor 't' has rows of 100 values, not whole q4_K"
	            " blocks of 256");
	dims[0] = 32;
	one_tensor(&w, 1, dims, 99, 0);
	parse_fails(&w, KVP_ERR_PARSE, "at byte 59: tensor 't' has unknown ggml type 99");
	one_tensor(&w, 1, dims, 31, 0);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 59: tensor 't' has ggml type 31, q4_0_4_4 (removed) from"
	            " ggml");
	/* Offsets: at byte 63; the data section at 96. */
	one_tensor(&w, 1, dims, F32, 16);
	ggufw_finish(&w, 0);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 63: tensor 't' data offset 16 is not a multiple of the"
	            " alignment 32");
	one_tensor(&w, 1, dims, F32, 64);
	ggufw_finish(&w, 0);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 63: tensor 't' data offset 64, expected 0");
	one_tensor(&w, 1, dims, F32, 0);
	ggufw_finish(&w, 0);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 63: tensor 't' data (128 bytes at data offset 0) runs"
	            " past the end of the file (71 bytes)");
	/* Truncated inside the tensor info: four dimensions end at 83. */
	dims[1] = 1;
	one_tensor(&w, 4, dims, F32, 0);
	w.len = 84;
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 83: truncated: tensor type needs 4 bytes, 1 remain");
	/* Two tensors of one name: the second info at 71. */
	header(&w, 3, 2, 1);
	ggufw_kv_uint(&w, "k", GGUFW_U8, 1);
	w.data_bytes = 0;
	ggufw_tensor(&w, "t", 1, dims, F32, 128);
	ggufw_tensor(&w, "t", 1, dims, F32, 128);
	w.n_tensors = 2;
	w.n_kv = 1;
	ggufw_finish(&w, 1);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 71: duplicate tensor name 't' (first at byte 38)");
	header(&w, 3, 1, 1);
	ggufw_kv_uint(&w, "k", GGUFW_U8, 1);
	ggufw_string(&w, "");
	ggufw_bytes(&w, (const unsigned char[32]){0}, 32);
	parse_fails(&w, KVP_ERR_PARSE, "at byte 38: tensor 0 has an empty name");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_llama2_plan),
		cmocka_unit_test(test_embedding_logged),
		cmocka_unit_test(test_value_types),
		cmocka_unit_test(test_per_layer_kv_heads),
		cmocka_unit_test(test_mla_deepseek_v3),
		cmocka_unit_test(test_gemma3_pattern),
		cmocka_unit_test(test_gpt_oss),
		cmocka_unit_test(test_llama4_chunked),
		cmocka_unit_test(test_qwen3next),
		cmocka_unit_test(test_qwen35_nextn),
		cmocka_unit_test(test_nemotron_h),
		cmocka_unit_test(test_weights_per_type),
		cmocka_unit_test(test_read_files),
		cmocka_unit_test(test_allocation_failure),
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_bad_keys),
		cmocka_unit_test(test_bad_tensors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
