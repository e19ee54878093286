/*
 * test_lora_models.c — vLLM's LoRA buffers on the catalogue's hybrid,
 * MoE and MLA models (lib/lora_layers.c; vLLM main at 81be2e09, research:
 * /work/research/vllm-lora-hybrid.md, whose calc.py, written apart from
 * kvplan, gives every figure below at rank 16, one slot, 2 B a value).
 * Before, the recurrent mixers' modules were not counted (LFM2's
 * 28,509,120 B was 22,609,920), every layer was given a gated MLP, the
 * MoE models and Nemotron-H were refused, and embed_tokens and lm_head
 * were counted for classes that declare none.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"
#include "catalog_fixture.h"

/* One GPU's bytes of catalogue model name under vLLM at tp, rank 16. */
static uint64_t vllm_bytes(const char *name, uint32_t tp, uint32_t modules)
{
	kvp_model m = catalog_model(name);
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	kvp_request_init(&r);
	r.seq = 1024;
	r.engine = KVP_ENGINE_VLLM;
	r.tp = tp;
	r.lora.rank = 16;
	r.lora.modules = modules;
	if (kvp_plan_compute(&m, &r, &p, &err) != KVP_OK)
		fail_msg("%s: %s", name, err.message);
	if (tp == 1)
		assert_int_equal(p.lora_adapter_bytes, p.lora_bytes_per_gpu);
	return p.lora_bytes_per_gpu;
}

/* LFM2-1.2B: a conv layer's short_conv.in_proj 16 x (3 x 2048 + 3 x
 * 2048) (three A), its conv 16 x (3 + 2048), out_proj 16 x (2048 +
 * 2048): 294,960; an attention layer's q, k, v, o 16 x (4096 + 2560 +
 * 2560 + 4096) = 212,992; every layer's w13 and w2 3 x 16 x (2048 +
 * 8192) = 491,520; embed_tokens and lm_head 2 x 16 x (65536 + 2048):
 * 10 x 294,960 + 6 x 212,992 + 16 x 491,520 + 2,162,688 = 14,254,560
 * values.  Without the mixer, kvplan's figure before. */
static void test_lfm2(void **state)
{
	(void)state;
	assert_int_equal(vllm_bytes("lfm2-1.2b", 1, 0), 2 * 14254560ull);
	assert_int_equal(vllm_bytes("lfm2-1.2b", 1, KVP_LORA_ALL & ~KVP_LORA_MIXER), 22609920);
	assert_int_equal(vllm_bytes("lfm2-1.2b", 2, 0), 20087744);
	assert_int_equal(vllm_bytes("lfm2-1.2b", 4, 0), 15877056);
}

/* Mamba-2 mixers: Falcon-H1-7B's beside attention in each of 44 layers
 * (one group: five A of in_proj and three of conv1d at tp 1, one slice
 * each past it), Nemotron-H-56B's M layers with its - layers' MLP (up
 * and down, not gated, of 32,768) and its * layers' attention alone;
 * Nemotron 3 Nano's and Super's expert layers (relu2 experts, shared
 * experts, Super's latent projections; no router: vLLM skips
 * mixer.gate). */
static void test_mamba2(void **state)
{
	(void)state;
	assert_int_equal(vllm_bytes("falcon-h1-7b", 1, 0), 140494336);
	assert_int_equal(vllm_bytes("falcon-h1-7b", 2, 0), 86038528);
	assert_int_equal(vllm_bytes("falcon-h1-7b", 4, 0), 67647232);
	assert_int_equal(vllm_bytes("nemotron-h-56b", 1, 0), 379654400);
	assert_int_equal(vllm_bytes("nemotron-h-56b", 2, 0), 256160000);
	assert_int_equal(vllm_bytes("nemotron-h-56b", 4, 0), 194412800);
	assert_int_equal(vllm_bytes("nemotron-3-nano-30b-a3b", 1, 0), 904878720);
	assert_int_equal(vllm_bytes("nemotron-3-nano-30b-a3b", 2, 0), 718900864);
	assert_int_equal(vllm_bytes("nemotron-3-nano-30b-a3b", 4, 0), 625936512);
	assert_int_equal(vllm_bytes("nemotron-3-super-120b", 1, 0), 4996643840ull);
	assert_int_equal(vllm_bytes("nemotron-3-super-120b", 2, 0), 3203365888ull);
	assert_int_equal(vllm_bytes("nemotron-3-super-120b", 4, 0), 2306759680ull);
}

/* Gated DeltaNet: Qwen3-Next's in_proj_qkvz and in_proj_ba one A each,
 * q of 2 x heads (its output gate), 512 experts in each of 48 layers,
 * no embed_tokens nor lm_head; Qwen3.5-27B's in_proj_qkvz four A and
 * in_proj_ba two. */
static void test_gated_deltanet(void **state)
{
	(void)state;
	assert_int_equal(vllm_bytes("qwen3-next-80b-a3b", 1, 0), 6102398976ull);
	assert_int_equal(vllm_bytes("qwen3-next-80b-a3b", 2, 0), 5480491008ull);
	assert_int_equal(vllm_bytes("qwen3-next-80b-a3b", 4, 0), 5169635328ull);
	assert_int_equal(vllm_bytes("qwen3.5-27b", 1, 0), 264919040);
	assert_int_equal(vllm_bytes("qwen3.5-27b", 2, 0), 180959232);
	assert_int_equal(vllm_bytes("qwen3.5-27b", 4, 0), 138979328);
}

/* embed_tokens and lm_head where the class declares them: Qwen2.5-7B's
 * Qwen2ForCausalLM does not, so 28 layers of q, k, v, o 16 x (7168 + 2 x
 * 4096 + 7168) = 360,448 and an MLP of 3 x 16 x (3584 + 18944) =
 * 1,081,344 alone: 40,370,176 values; Llama's does (test_lora.c). */
static void test_embedding(void **state)
{
	(void)state;
	assert_int_equal(vllm_bytes("qwen2.5-7b", 1, 0), 2 * 40370176ull);
	assert_int_equal(vllm_bytes("qwen2.5-7b", 1, KVP_LORA_ALL), 2 * 40370176ull);
}

/* From a hostile review (/work/research/review-lora-vllm.md): Phi-3's
 * qkv_proj and gate_up_proj one A each (phi3.py's packed_modules_mapping
 * names each as itself): phi3-mini's 32 layers of 16 x (3072 + 9216) +
 * 16 x (3072 + 3072) + 16 x (3072 + 16384) + 16 x (8192 + 3072) = 804,864,
 * and its embed_tokens and lm_head (it inherits Llama's) 2 x 16 x (32064
 * + 3072), 26,290,176 values; Llama 4's language model inherits Llama's
 * embed_tokens and lm_head (13,258,752 B at Scout's 202,048 x 5,120);
 * Mistral's sets none; a tied model's embed_tokens is on the last stage
 * too: Llama 3.2 1B at pp 2, 8 layers of 16 x (2 x 4096 + 2 x 2560 + 3 x
 * (2048 + 8192)) = 704,512, lm_head and embed_tokens 2 x 16 x (128256 +
 * 2048): 9,805,824 values. */
static void test_review(void **state)
{
	kvp_model m = catalog_model("llama3.2-1b");
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	(void)state;
	assert_int_equal(vllm_bytes("phi3-mini", 1, 0), 2 * 26290176ull);
	assert_int_equal(vllm_bytes("llama4-scout", 1, 0) -
	                 vllm_bytes("llama4-scout", 1, KVP_LORA_ALL & ~KVP_LORA_EMBED &
	                                                ~KVP_LORA_HEAD),
	                 2 * 2 * 16 * (202048ull + 5120));
	assert_int_equal(vllm_bytes("mistral-7b", 1, 0),
	                 vllm_bytes("mistral-7b", 1, KVP_LORA_LINEAR));
	kvp_request_init(&r);
	r.seq = 1024;
	r.engine = KVP_ENGINE_VLLM;
	r.pp = 2;
	r.lora.rank = 16;
	if (kvp_plan_compute(&m, &r, &p, &err) != KVP_OK)
		fail_msg("%s", err.message);
	assert_int_equal(p.lora_stage_bytes[1], 2 * 9805824ull);
	/* expert parallelism at tp and dp above 1: refused */
	m = catalog_model("qwen3-30b-a3b");
	r.pp = 1;
	r.tp = r.dp = 2;
	r.expert_parallel = true;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_ERR_UNSUPPORTED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lfm2),
		cmocka_unit_test(test_mamba2),
		cmocka_unit_test(test_gated_deltanet),
		cmocka_unit_test(test_embedding),
		cmocka_unit_test(test_review),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
