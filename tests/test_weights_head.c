/*
 * test_weights_head.c — AWQ's and GPTQ's quantized LM head (":lm_head",
 * kvp_weights_format quant_head): its name, its bytes worked by hand from
 * the checkpoint's tensors, the estimate held to Intel's AutoRound
 * checkpoints of Mistral-7B-v0.1 with and without it, the plan's head, a
 * safetensors file's head tensors, and the config keys that say so
 * (GPTQ's and AWQ's "lm_head": true, AutoRound's extra_config).
 *
 * A GPTQ Linear of out x in weights in groups of G stores qweight int32
 * [in/8, out], qzeros int32 [in/G, out/8], scales fp16 [in/G, out] and
 * g_idx int32 [in]: (G + 5) / 2G B a weight and 4 B an input; AWQ's the
 * same without the g_idx.  vLLM's GPTQConfig and GPTQMarlinConfig take
 * the head (ParallelLMHead) as such a linear layer where the config says
 * "lm_head": true (lm_head_quantized) and no dynamic rule leaves it out;
 * its AutoRound config where extra_config names "lm_head" (either
 * packing).  AWQ's own "lm_head" is not read (vLLM's AWQConfig ignores
 * it; lib/hf_quant_head.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "kvplan.h"
#include "testutil.h"
#include "safetensors_fixture.h"
#include "weights_fixture.h"

/* mistralai/Mistral-7B-v0.1 config.json: 32 layers, hidden 4096, 32
 * heads and 8 kv heads of 128, intermediate 14336, vocab 32000, untied;
 * 7,241,732,096 params (its index.json's total_size 14,483,464,192 in
 * bf16). */
static kvp_model mistral(void)
{
	kvp_model m = dense("mistral-7b-v0.1", 32, 4096, 32, 8, 128, 14336, 32000, false, false);

	m.intermediate = 14336;
	return m;
}

static void test_parse(void **state)
{
	kvp_weights_format f;
	kvp_error err;
	static const char *const refused[] = {
		"fp8:lm_head", "nvfp4:lm_head", "mxfp4:lm_head", "w4a16:lm_head",
		"w8a16:g128:lm_head", "w8a8:lm_head", "q4_K:lm_head", "q8_0:lm_head",
		"int4-gptq:lm_head:lm_head", "int4-awq:g64:LM_HEAD:lm_head", "lm_head",
	};

	(void)state;
	f = format("int4-gptq:g128:lm_head");
	assert_int_equal(f.kind, KVP_WFORMAT_GPTQ);
	assert_int_equal(f.group, 128);
	assert_true(f.quant_head);
	assert_int_equal(f.keep16, 0);
	assert_string_equal(f.name, "int4-gptq:g128:lm_head");
	/* anywhere after the format's name, any case; the name canonical,
	 * the keep parts first */
	f = format("INT4-AWQ:LM_HEAD:attn16:g64");
	assert_int_equal(f.kind, KVP_WFORMAT_AWQ);
	assert_int_equal(f.group, 64);
	assert_true(f.quant_head);
	assert_int_equal(f.keep16, KVP_WKEEP_ATTENTION);
	assert_string_equal(f.name, "int4-awq:g64:attn16:lm_head");
	assert_string_equal(format(f.name).name, f.name);
	/* without the part, no head */
	assert_false(format("int4-gptq").quant_head);
	assert_false(format("int4-awq:g128:attn16").quant_head);
	for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
		kvp_status st = kvp_weights_format_parse(refused[i], &f, &err);

		if (st == KVP_OK)
			fail_msg("%s was taken", refused[i]);
		assert_non_null(strstr(err.message, refused[i]));
	}
	assert_int_equal(kvp_weights_format_parse("fp8:lm_head", &f, &err), KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "int4-awq and int4-gptq alone"));
	assert_int_equal(kvp_weights_format_parse("q4_K:lm_head", &f, &err), KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "quantizes the head anyway"));
	assert_int_equal(kvp_weights_format_parse("int4-gptq:lm_head:lm_head", &f, &err),
	                 KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "given twice"));
	/* a format built by hand with the head but another kind is refused */
	f = format("fp8");
	f.quant_head = true;
	{
		kvp_model m = mistral();
		kvp_weights_estimate e;

		assert_int_equal(kvp_weights_estimate_compute(&m, &f, KVP_DTYPE_BF16, &e, &err),
		                 KVP_ERR_INVALID);
	}
}

/* Mistral-7B-v0.1's head: 32,000 outputs of 4,096 inputs. */
static void test_by_hand(void **state)
{
	kvp_model m = mistral(), tied = mistral();
	const uint64_t head = 32000ull * 4096;
	kvp_weights_estimate plain, q;

	(void)state;
	assert_int_equal(m.params, 7241732096ull);
	assert_int_equal(m.params * 2, 14483464192ull);
	/* GPTQ in groups of 128: qweight 4096 / 8 x 32000 int32, 65,536,000
	 * B; qzeros 32 x 4000 int32, 512,000; scales 32 x 32000 fp16,
	 * 2,048,000; g_idx 4096 int32, 16,384: 68,112,384 B where 16-bit
	 * it was 262,144,000. */
	plain = estimate(&m, "int4-gptq:g128");
	q = estimate(&m, "int4-gptq:g128:lm_head");
	assert_int_equal(q.quantized_params, plain.quantized_params + head);
	assert_int_equal(q.quantized_bytes - plain.quantized_bytes,
	                 65536000 + 512000 + 2048000 + 16384);
	assert_int_equal(q.quantized_bytes - plain.quantized_bytes, 68112384);
	assert_int_equal(plain.other_bytes - q.other_bytes, 2 * head);
	assert_int_equal(plain.bytes - q.bytes, 262144000 - 68112384);
	/* AWQ's, no g_idx: 68,096,000 */
	plain = estimate(&m, "int4-awq:g128");
	q = estimate(&m, "int4-awq:g128:lm_head");
	assert_int_equal(q.quantized_bytes - plain.quantized_bytes, 65536000 + 512000 + 2048000);
	/* groups of 32: 4 x the scales and zeros */
	plain = estimate(&m, "int4-gptq:g32");
	q = estimate(&m, "int4-gptq:g32:lm_head");
	assert_int_equal(q.quantized_bytes - plain.quantized_bytes,
	                 65536000 + 4 * (512000 + 2048000) + 16384);
	/* with the attention kept 16-bit too: the two apart */
	assert_int_equal(estimate(&m, "int4-gptq:attn16:lm_head").bytes -
	                 estimate(&m, "int4-gptq:attn16").bytes,
	                 estimate(&m, "int4-gptq:lm_head").bytes -
	                 estimate(&m, "int4-gptq").bytes);
	/* a tied head is the embedding, which stays 16-bit: nothing changes */
	tied.tie_embeddings = true;
	tied.params -= head;
	assert_int_equal(estimate(&tied, "int4-gptq:lm_head").bytes,
	                 estimate(&tied, "int4-gptq").bytes);
	assert_int_equal(estimate(&tied, "int4-gptq:lm_head").quantized_params,
	                 estimate(&tied, "int4-gptq").quantized_params);
}

/* Intel's AutoRound checkpoints of Mistral-7B-v0.1, GPTQ's layout (4
 * bits, groups of 128, asymmetric, backend "gptq:exllamav2"), one
 * model.safetensors each as Hugging Face lists it (three figures):
 *  - Intel/Mistral-7B-v0.1-int4-inc-lmhead (extra_config lm_head: 4
 *    bits, groups of 128): "3.96 GB";
 *  - Intel/Mistral-7B-v0.1-int4-inc, the head 16-bit: "4.16 GB".
 * Each estimate lands in its own and not in the other's (research:
 * /work/research/ct-w8a16-checkpoints.md §5). */
static void test_published(void **state)
{
	kvp_model m = mistral();
	uint64_t with = estimate(&m, "int4-gptq:g128:lm_head").bytes;
	uint64_t without = estimate(&m, "int4-gptq:g128").bytes;

	(void)state;
	assert_int_equal(with, 3961745408ull);
	assert_int_equal(without, 4155777024ull);
	near(with, 3960000000ull, 1.3e-3, "Mistral-7B-v0.1-int4-inc-lmhead (3.96 GB)");
	near(without, 4160000000ull, 1.2e-3, "Mistral-7B-v0.1-int4-inc (4.16 GB)");
}

/* The plan's head is the quantized one: on the last stage, split over
 * tensor parallelism as the 16-bit one is. */
static void test_plan(void **state)
{
	kvp_model m = mistral();
	kvp_plan *p = test_calloc(1, sizeof *p), *q = test_calloc(1, sizeof *q);
	kvp_request r = request(KVP_ENGINE_VLLM, "int4-gptq:g128:lm_head", 2);

	(void)state;
	plan(&m, &r, p);
	assert_int_equal(p->embedding_bytes, 262144000);
	assert_int_equal(p->head_bytes, 68112384);
	assert_int_equal(p->weights_bytes, 3961745408ull);
	r = request(KVP_ENGINE_VLLM, "int4-gptq:g128", 2);
	plan(&m, &r, q);
	assert_int_equal(q->head_bytes, 262144000);
	{
		kvp_fit with, without;
		kvp_device d;
		kvp_error err;

		memset(&d, 0, sizeof d);
		strcpy(d.name, "g");
		strcpy(d.arch, "sm_90");
		d.hbm_bytes = 80ull << 30;
		d.l2_bytes = 50ull << 20;
		/* over two GPUs each holds half of either head */
		assert_int_equal(kvp_plan_fit(p, &d, &with, &err), KVP_OK);
		assert_int_equal(kvp_plan_fit(q, &d, &without, &err), KVP_OK);
		assert_int_equal(without.weights_per_gpu - with.weights_per_gpu,
		                 (262144000 - 68112384) / 2);
	}
	/* two stages: the head on the last, the embedding on the first */
	r = request(KVP_ENGINE_VLLM, "int4-gptq:g128:lm_head", 1);
	r.pp = 2;
	plan(&m, &r, p);
	r = request(KVP_ENGINE_VLLM, "int4-gptq:g128", 1);
	r.pp = 2;
	plan(&m, &r, q);
	assert_int_equal(p->head_bytes, 68112384);
	{
		kvp_fit with, without;
		kvp_device d;
		kvp_error err;

		memset(&d, 0, sizeof d);
		strcpy(d.name, "g");
		strcpy(d.arch, "sm_90");
		d.hbm_bytes = 80ull << 30;
		d.l2_bytes = 50ull << 20;
		assert_int_equal(kvp_plan_fit(p, &d, &with, &err), KVP_OK);
		assert_int_equal(kvp_plan_fit(q, &d, &without, &err), KVP_OK);
		assert_int_equal(with.stage_weights[0], without.stage_weights[0]);
		assert_int_equal(without.stage_weights[1] - with.stage_weights[1],
		                 262144000 - 68112384);
	}
	test_free(p);
	test_free(q);
}

/* A checkpoint's quantized head counted as the head: GPTQ's four
 * tensors of a 128-token head of 64 inputs in groups of 32: qweight
 * [8, 128] I32 4,096 B, qzeros [2, 16] I32 128, scales [2, 128] F16 512,
 * g_idx [64] I32 256: 4,992 B, as the estimate has it. */
static void test_file(void **state)
{
	static const char header[] =
		"{\"lm_head.qweight\":{\"dtype\":\"I32\",\"shape\":[8,128],"
		"\"data_offsets\":[0,4096]},"
		"\"lm_head.qzeros\":{\"dtype\":\"I32\",\"shape\":[2,16],"
		"\"data_offsets\":[4096,4224]},"
		"\"lm_head.scales\":{\"dtype\":\"F16\",\"shape\":[2,128],"
		"\"data_offsets\":[4224,4736]},"
		"\"lm_head.g_idx\":{\"dtype\":\"I32\",\"shape\":[64],"
		"\"data_offsets\":[4736,4992]},"
		"\"model.embed_tokens.weight\":{\"dtype\":\"F16\",\"shape\":[128,64],"
		"\"data_offsets\":[4992,21376]},"
		"\"model.layers.0.self_attn.q_proj.qweight\":{\"dtype\":\"I32\","
		"\"shape\":[8,64],\"data_offsets\":[21376,23424]}}";
	const char *path = st_write("head/model.safetensors", UINT64_MAX, header, 23424);
	kvp_model m = mistral();
	kvp_weights_format f = format("int4-gptq:g32:lm_head");
	kvp_weights w;
	kvp_error err;

	(void)state;
	kvp_weights_init(&w);
	assert_int_equal(kvp_safetensors_read(path, &w, &err), KVP_OK);
	assert_int_equal(w.head_bytes, 4992);
	assert_int_equal(w.embedding_bytes, 16384);
	m.vocab = 128;
	m.hidden = 64;
	assert_int_equal(kvp__wformat_head_bytes(&m, &f), 4992);
}

static const char config_head[] =
	"{\"architectures\": [\"MistralForCausalLM\"], \"model_type\": \"mistral\","
	" \"hidden_size\": 4096, \"intermediate_size\": 14336,"
	" \"num_attention_heads\": 32, \"num_hidden_layers\": 32,"
	" \"num_key_value_heads\": 8, \"vocab_size\": 32000,"
	" \"tie_word_embeddings\": %s, \"torch_dtype\": \"bfloat16\","
	" \"quantization_config\": %s}";

/* Each case: a quantization_config, whether the embeddings are tied, the
 * format's name it reads as ("" for none) and its warnings. */
static const struct {
	const char *q;
	bool tied;
	const char *name;
	size_t warnings;
} configs[] = {
	/* GPTQModel's "lm_head": true (vLLM's lm_head_quantized); false,
	 * the head 16-bit */
	{"{\"bits\": 4, \"group_size\": 128, \"desc_act\": false, \"lm_head\": true,"
	 " \"quant_method\": \"gptq\", \"sym\": false}", false, "int4-gptq:g128:lm_head", 0},
	{"{\"bits\": 4, \"group_size\": 128, \"lm_head\": false, \"quant_method\": \"gptq\"}",
	 false, "int4-gptq:g128", 0},
	/* a tied head is the 16-bit embedding: no :lm_head */
	{"{\"bits\": 4, \"group_size\": 128, \"lm_head\": true, \"quant_method\": \"gptq\"}",
	 true, "int4-gptq:g128", 0},
	/* AWQ's own "lm_head" is not read (vLLM's AWQConfig ignores it) */
	{"{\"bits\": 4, \"group_size\": 64, \"lm_head\": true, \"quant_method\": \"awq\","
	 " \"zero_point\": true}", false, "int4-awq:g64", 0},
	/* AutoRound's GPTQ export: "lm_head": true and the head's scheme as
	 * the dynamic rule "+:lm_head"; at other bits a warning, the head
	 * 16-bit; "-:" leaves it out (vLLM's get_dynamic_override) */
	{"{\"bits\": 4, \"group_size\": 128, \"lm_head\": true, \"dynamic\": {\"+:lm_head\":"
	 " {\"bits\": 4, \"group_size\": 128, \"sym\": false}}, \"quant_method\": \"gptq\"}",
	 false, "int4-gptq:g128:lm_head", 0},
	{"{\"bits\": 4, \"group_size\": 128, \"lm_head\": true, \"dynamic\": {\"+:lm_.*\":"
	 " {\"bits\": 8}}, \"quant_method\": \"gptq\"}", false, "int4-gptq:g128", 1},
	{"{\"bits\": 4, \"group_size\": 128, \"lm_head\": true, \"dynamic\":"
	 " {\"-:model\\\\.layers\\\\.0\\\\..*\": {}, \"-:lm_head\": {}},"
	 " \"quant_method\": \"gptq\"}", false, "int4-gptq:g128", 0},
	/* Intel/Mistral-7B-v0.1-int4-inc-lmhead's: AutoRound, GPTQ's
	 * packing (the default), extra_config's lm_head at the layers' 4
	 * bits and 128; its sibling's, no extra_config: the head 16-bit */
	{"{\"backend\": \"gptq:exllamav2\", \"bits\": 4, \"data_type\": \"int\","
	 " \"extra_config\": {\"lm_head\": {\"bits\": 4, \"group_size\": 128, \"sym\": false}},"
	 " \"group_size\": 128, \"quant_method\": \"intel/auto-round\", \"sym\": false}",
	 false, "int4-gptq:g128:lm_head", 0},
	{"{\"bits\": 4, \"group_size\": 128, \"quant_method\": \"intel/auto-round\","
	 " \"sym\": false}", false, "int4-gptq:g128", 0},
	/* AWQ's packing; an lm_head entry without bits at the layers'; vLLM's
	 * other spelling, auto_round; the older configs' packing in
	 * "backend" */
	{"{\"bits\": 4, \"group_size\": 32, \"packing_format\": \"auto_round:auto_awq\","
	 " \"extra_config\": {\"lm_head\": {}}, \"quant_method\": \"auto_round\"}",
	 false, "int4-awq:g32:lm_head", 0},
	{"{\"backend\": \"auto_round:auto_awq\", \"bits\": 4, \"group_size\": 128,"
	 " \"quant_method\": \"intel/auto-round\"}", false, "int4-awq:g128", 0},
	/* the head at 16 bits: not quantized; at 8, in other groups, per
	 * channel (group_size -1) or an entry not an object: not modelled,
	 * a warning, the head 16-bit */
	{"{\"bits\": 4, \"group_size\": 128, \"extra_config\": {\"lm_head\": {\"bits\": 16}},"
	 " \"quant_method\": \"auto-round\"}", false, "int4-gptq:g128", 0},
	{"{\"bits\": 4, \"group_size\": 128, \"extra_config\": {\"lm_head\": {\"bits\": 8}},"
	 " \"quant_method\": \"auto-round\"}", false, "int4-gptq:g128", 1},
	{"{\"bits\": 4, \"group_size\": 128, \"extra_config\": {\"lm_head\":"
	 " {\"group_size\": 32}}, \"quant_method\": \"auto-round\"}", false, "int4-gptq:g128", 1},
	{"{\"bits\": 4, \"group_size\": 128, \"extra_config\": {\"lm_head\": {\"bits\": 4,"
	 " \"group_size\": -1}}, \"quant_method\": \"auto-round\"}", false, "int4-gptq:g128", 1},
	{"{\"bits\": 4, \"group_size\": 128, \"extra_config\": {\"lm_head\": true},"
	 " \"quant_method\": \"auto-round\"}", false, "int4-gptq:g128", 1},
	/* extra_config's other entries: at 16 bits kept 16-bit (a regex
	 * key, as AutoRound writes one), at other bits one warning */
	{"{\"bits\": 4, \"group_size\": 128, \"extra_config\": {\".*self_attn.*\":"
	 " {\"bits\": 16}, \"model.layers.0.mlp.down_proj\": {\"bits\": 8},"
	 " \"model.layers.1.mlp.up_proj\": {\"bits\": 4}}, \"quant_method\": \"auto-round\"}",
	 false, "int4-gptq:g128:attn16", 1},
	/* no format, a warning: a packing vLLM does not read, other bits,
	 * another data_type, quantized activations */
	{"{\"bits\": 4, \"group_size\": 128, \"packing_format\": \"auto_round:gptqmodel\","
	 " \"quant_method\": \"auto-round\"}", false, "", 1},
	{"{\"bits\": 2, \"group_size\": 128, \"quant_method\": \"auto-round\"}", false, "", 1},
	{"{\"bits\": 4, \"group_size\": 32, \"data_type\": \"mx_fp\","
	 " \"quant_method\": \"auto-round\"}", false, "", 1},
	{"{\"bits\": 4, \"group_size\": 128, \"act_bits\": 8, \"quant_method\": \"auto-round\"}",
	 false, "", 1},
	/* with a list of modules kept 16-bit: both parts */
	{"{\"bits\": 4, \"group_size\": 128, \"lm_head\": true,"
	 " \"modules_to_not_convert\": [\"self_attn\"], \"quant_method\": \"gptq\"}",
	 false, "int4-gptq:g128:attn16:lm_head", 0},
};

/* The config keys, on Mistral-7B-v0.1's config.json. */
static void test_config(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof configs / sizeof configs[0]; i++) {
		char text[2048];
		kvp_model m;
		kvp_source src;
		kvp_error err;

		snprintf(text, sizeof text, config_head, configs[i].tied ? "true" : "false",
		         configs[i].q);
		if (kvp_config_parse(text, strlen(text), "config.json", &m, &src, &err) != KVP_OK)
			fail_msg("%s: %s", configs[i].q, err.message);
		if (!src.weights_format_known)
			src.weights_format.name[0] = '\0';
		if (strcmp(src.weights_format.name, configs[i].name) != 0 ||
		    src.n_warnings != configs[i].warnings)
			fail_msg("%s: '%s' and %zu warnings, not '%s' and %zu", configs[i].q,
			         src.weights_format.name, src.n_warnings, configs[i].name,
			         configs[i].warnings);
		assert_int_equal(src.weights_format.quant_head,
		                 strstr(configs[i].name, ":lm_head") != NULL);
		assert_int_equal(m.tie_embeddings, configs[i].tied);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_by_hand),
		cmocka_unit_test(test_published),
		cmocka_unit_test(test_plan),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
