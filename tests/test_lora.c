/*
 * test_lora.c — LoRA adapters beside the weights: one adapter's bytes
 * worked by hand from the modules' shapes, vLLM's buffers on one rank
 * under tensor and pipeline parallelism (vllm/lora/layers/, v0.12), the
 * even split of the other engines, the fit taking them from the budget,
 * and every refusal.
 *
 * The model is Llama 3.1 8B's shape (its config.json: hidden 4096, 32
 * layers, 32 query and 8 kv heads of 128, intermediate 14336, vocab
 * 128256).  Per layer at rank 16, r x (in + out):
 *   q 16 x (4096 + 4096) = 131,072      o 131,072
 *   k 16 x (4096 + 1024) =  81,920      v  81,920
 *   gate, up, down 16 x (4096 + 14336) = 294,912 each
 * 1,310,720 values a layer, 41,943,040 for 32; embed_tokens and lm_head
 * 16 x (128256 + 4096) = 2,117,632 each.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"

#define LAYER_VALUES 1310720ull
#define EMBED_VALUES 2117632ull

static kvp_model llama31_8b(void)
{
	kvp_model m;
	kvp_error err;

	memset(&m, 0, sizeof m);
	strcpy(m.name, "llama3.1-8b");
	m.layers = 32;
	m.hidden = 4096;
	m.heads = 32;
	m.kv_heads = 8;
	m.head_dim = 128;
	m.vocab = 128256;
	m.intermediate = 14336;
	m.params = 8030261248;
	if (kvp_model_finalize(&m, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return m;
}

static kvp_request lora_request(kvp_engine engine, uint32_t rank, uint32_t slots,
                                uint32_t modules)
{
	kvp_request r;

	kvp_request_init(&r);
	r.seq = 1024;
	r.engine = engine;
	r.lora.rank = rank;
	r.lora.slots = slots;
	r.lora.modules = modules;
	return r;
}

static kvp_plan plan_of(const kvp_model *m, const kvp_request *r)
{
	kvp_plan p;
	kvp_error err;

	if (kvp_plan_compute(m, r, &p, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return p;
}

/* No adapters: nothing counted. */
static void test_none(void **state)
{
	kvp_model m = llama31_8b();
	kvp_request r = lora_request(KVP_ENGINE_VLLM, 0, 1, 0);
	kvp_plan p = plan_of(&m, &r);

	(void)state;
	assert_int_equal(p.lora_adapter_bytes, 0);
	assert_int_equal(p.lora_bytes_per_gpu, 0);
	assert_int_equal(p.lora_modules, 0);
}

/* vLLM on one GPU: every module it wraps, the nine. */
static void test_vllm_one_gpu(void **state)
{
	kvp_model m = llama31_8b();
	kvp_request r = lora_request(KVP_ENGINE_VLLM, 16, 1, 0);
	kvp_plan p = plan_of(&m, &r);

	(void)state;
	/* every module the model has: its nine */
	assert_int_equal(p.lora_modules, KVP_LORA_LINEAR | KVP_LORA_EMBED | KVP_LORA_HEAD);
	assert_int_equal(p.lora_adapter_bytes, 2 * (32 * LAYER_VALUES + 2 * EMBED_VALUES));
	assert_int_equal(p.lora_adapter_bytes, 92356608);
	assert_int_equal(p.lora_bytes_per_gpu, 92356608);
	/* Three slots, three times; bf16 the same bytes, fp32 twice. */
	r.lora.slots = 3;
	p = plan_of(&m, &r);
	assert_int_equal(p.lora_bytes_per_gpu, 3 * 92356608ull);
	r.lora.dtype = KVP_DTYPE_BF16;
	p = plan_of(&m, &r);
	assert_int_equal(p.lora_bytes_per_gpu, 3 * 92356608ull);
	r.lora.dtype = KVP_DTYPE_FP32;
	p = plan_of(&m, &r);
	assert_int_equal(p.lora_adapter_bytes, 2 * 92356608ull);
	/* Rank 64: four times rank 16. */
	r.lora.dtype = KVP_DTYPE_FP16;
	r.lora.slots = 1;
	r.lora.rank = 64;
	p = plan_of(&m, &r);
	assert_int_equal(p.lora_bytes_per_gpu, 4 * 92356608ull);
}

/* vLLM at tp 2: column-parallel A whole, B rows halved; row-parallel A
 * halved, B whole; embed_tokens and lm_head whole.  Per rank:
 *   q 16 x 4096 + 16 x 2048 = 98,304     o 16 x 2048 + 16 x 4096 = 98,304
 *   k 16 x 4096 + 16 x 512 = 73,728 (4 of the 8 kv heads)   v 73,728
 *   gate, up 16 x 4096 + 16 x 7168 = 180,224   down 16 x 7168 + 16 x 4096
 * 884,736 a layer, 28,311,552 for 32, and 4,235,264: 32,546,816 values,
 * 65,093,632 B. */
static void test_vllm_tp(void **state)
{
	kvp_model m = llama31_8b();
	kvp_request r = lora_request(KVP_ENGINE_VLLM, 16, 1, 0);
	kvp_plan p;

	(void)state;
	r.tp = 2;
	p = plan_of(&m, &r);
	assert_int_equal(p.lora_adapter_bytes, 92356608); /* one adapter, whole */
	assert_int_equal(p.lora_bytes_per_gpu, 2 * (32 * 884736ull + 2 * EMBED_VALUES));
	assert_int_equal(p.lora_bytes_per_gpu, 65093632);
	/* tp 16, past the 8 kv heads: each rank keeps one, replicated.
	 *   q 16 x 4096 + 16 x 256 = 69,632    o 16 x 256 + 16 x 4096 = 69,632
	 *   k, v 16 x 4096 + 16 x 128 = 67,584 each
	 *   gate, up 16 x 4096 + 16 x 896 = 79,872   down 16 x 896 + 16 x 4096
	 * 514,048 a layer. */
	r.tp = 16;
	p = plan_of(&m, &r);
	assert_int_equal(p.lora_bytes_per_gpu, 2 * (32 * 514048ull + 2 * EMBED_VALUES));
}

/* vLLM's pipeline stages: each its layers, embed_tokens the first stage's
 * and lm_head the last's; the stage holding the most counts. */
static void test_vllm_pp(void **state)
{
	kvp_model m = llama31_8b();
	kvp_request r = lora_request(KVP_ENGINE_VLLM, 16, 1, 0);
	kvp_plan p;

	(void)state;
	r.pp = 2;
	p = plan_of(&m, &r);
	assert_int_equal(p.lora_bytes_per_gpu, 2 * (16 * LAYER_VALUES + EMBED_VALUES));
	r.pp_layers_len = 2;
	r.pp_layers[0] = 15;
	r.pp_layers[1] = 17;
	p = plan_of(&m, &r);
	assert_int_equal(p.lora_bytes_per_gpu, 2 * (17 * LAYER_VALUES + EMBED_VALUES));
}

/* Other engines: the adapter on the modules asked (default all-linear),
 * the slots' bytes split evenly over the GPUs. */
static void test_even_split(void **state)
{
	kvp_model m = llama31_8b();
	kvp_request r = lora_request(KVP_ENGINE_EXACT, 16, 4, 0);
	kvp_plan p;

	(void)state;
	p = plan_of(&m, &r);
	assert_int_equal(p.lora_modules, KVP_LORA_LINEAR);
	assert_int_equal(p.lora_adapter_bytes, 2 * 32 * LAYER_VALUES);
	assert_int_equal(p.lora_adapter_bytes, 83886080);
	assert_int_equal(p.lora_bytes_per_gpu, 4 * 83886080ull);
	r.tp = 2;
	r.pp = 2;
	p = plan_of(&m, &r);
	assert_int_equal(p.lora_bytes_per_gpu, 4 * 83886080ull / 4);
	/* Rounded up when the GPUs do not divide the bytes: 5 slots of rank
	 * 1 (5,242,880 B) over 3 x 2 GPUs. */
	r.lora.rank = 1;
	r.lora.slots = 5;
	r.tp = 2;
	r.pp = 3;
	p = plan_of(&m, &r);
	assert_int_equal(p.lora_adapter_bytes, 2 * 32 * LAYER_VALUES / 16);
	assert_int_equal(p.lora_bytes_per_gpu, (5 * 5242880ull + 5) / 6);
	/* q and v alone (PEFT's usual target): 16 x (8192 + 5120) a layer. */
	r = lora_request(KVP_ENGINE_LLAMA_CPP, 16, 1, KVP_LORA_Q | KVP_LORA_V);
	p = plan_of(&m, &r);
	assert_int_equal(p.lora_adapter_bytes, 2 * 32 * 16 * (8192 + 5120ull));
	/* A module list given to vLLM is what it counts. */
	r.engine = KVP_ENGINE_VLLM;
	p = plan_of(&m, &r);
	assert_int_equal(p.lora_bytes_per_gpu, 2 * 32 * 16 * (8192 + 5120ull));
}

/* SGLang (lora/mem_pool.py LoRAMemoryPool): max_loras_per_batch slots, 8
 * unless given, on the modules asked (default the seven linear ones), for
 * every layer of the model on every rank.  Llama 3.1 8B at rank 16: 32 x
 * 1,310,720 values a slot in fp16, 83,886,080 B, 671,088,640 B (640 MiB)
 * for the eight slots, the research's figure.  At tp 2 the linear
 * modules split as vLLM's (884,736 values a layer); embed_tokens is whole,
 * 16 x (128,256 + 4,096) = 2,117,632, and lm_head's B split: 16 x (4,096
 * + 64,128) = 1,091,584. */
static void test_sglang(void **state)
{
	kvp_model m = llama31_8b();
	kvp_request r = lora_request(KVP_ENGINE_SGLANG, 16, 0, 0);
	kvp_plan p;

	(void)state;
	p = plan_of(&m, &r);
	assert_int_equal(p.request.lora.slots, 8);
	assert_int_equal(p.lora_modules, KVP_LORA_LINEAR);
	assert_int_equal(p.lora_bytes_per_gpu, 8 * 2 * 32 * LAYER_VALUES);
	assert_int_equal(p.lora_bytes_per_gpu, 671088640);
	/* Every layer on every pipeline rank: pp 2 changes nothing. */
	r.pp = 2;
	p = plan_of(&m, &r);
	assert_int_equal(p.lora_bytes_per_gpu, 671088640);
	r.pp = 1;
	r.tp = 2;
	r.lora.slots = 4;
	r.lora.modules = KVP_LORA_ALL;
	p = plan_of(&m, &r);
	assert_int_equal(p.lora_bytes_per_gpu,
	                 4 * 2 * (32 * 884736ull + EMBED_VALUES + 1091584));
	/* q alone is SGLang's whole qkv_proj: q, k and v, 16 x (4,096 +
	 * 4,096) + 2 x 16 x (4,096 + 1,024) a layer, 294,912 values, at tp 1. */
	r.tp = 1;
	r.lora.slots = 1;
	r.lora.modules = KVP_LORA_Q;
	p = plan_of(&m, &r);
	assert_int_equal(p.lora_modules, KVP_LORA_Q | KVP_LORA_K | KVP_LORA_V);
	assert_int_equal(p.lora_bytes_per_gpu, 2 * 32 * 294912ull);
	/* vLLM's default is one slot. */
	r.engine = KVP_ENGINE_VLLM;
	r.lora.slots = 0;
	p = plan_of(&m, &r);
	assert_int_equal(p.request.lora.slots, 1);
}

/* Attention modules only on attention layers: a hybrid of three recurrent
 * layers to one full keeps q, k, v and o in its full layers alone, and
 * its MLP in every layer; a sliding layer has them like a full one. */
static void test_hybrid_layers(void **state)
{
	kvp_model m;
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	(void)state;
	memset(&m, 0, sizeof m);
	strcpy(m.name, "hybrid");
	m.layers = 8;
	m.hidden = 1024;
	m.heads = 8;
	m.kv_heads = 2;
	m.head_dim = 128;
	m.intermediate = 4096;
	m.state_bytes = 65536;
	if (kvp_layer_pattern_parse("recurrent*3,full", &m, &err) != KVP_OK ||
	    kvp_model_finalize(&m, &err) != KVP_OK)
		fail_msg("%s", err.message);
	r = lora_request(KVP_ENGINE_EXACT, 8, 1, KVP_LORA_LINEAR);
	p = plan_of(&m, &r);
	/* q 8 x 2048, k, v 8 x (1024 + 256), o 8 x 2048: 53,248 in each of
	 * 2 full layers; gate, up, down 8 x 5120 = 40,960 each, in all 8. */
	assert_int_equal(p.lora_adapter_bytes, 2 * (2 * 53248ull + 8 * 3 * 40960ull));
	if (kvp_layer_pattern_parse("sliding*3,full", &m, &err) != KVP_OK)
		fail_msg("%s", err.message);
	m.sliding_window = 512;
	m.state_bytes = 0;
	if (kvp_model_finalize(&m, &err) != KVP_OK)
		fail_msg("%s", err.message);
	p = plan_of(&m, &r);
	assert_int_equal(p.lora_adapter_bytes, 2 * (8 * 53248ull + 8 * 3 * 40960ull));
}

static void expect_refusal(const kvp_model *m, const kvp_request *r, kvp_status want,
                           const char *text)
{
	kvp_plan p;
	kvp_error err;

	assert_int_equal(kvp_plan_compute(m, r, &p, &err), want);
	if (!strstr(err.message, text))
		fail_msg("'%s' lacks '%s'", err.message, text);
}

static void test_refusals(void **state)
{
	kvp_model m = llama31_8b(), moe = llama31_8b(), mla;
	kvp_request r = lora_request(KVP_ENGINE_VLLM, 16, 0, 0);
	kvp_error err;

	(void)state;
	r.lora.slots = 1;
	r.lora.dtype = KVP_DTYPE_Q8_0;
	expect_refusal(&m, &r, KVP_ERR_INVALID, "held as fp16, bf16 or fp32, not q8_0");
	r.lora.dtype = KVP_DTYPE_FP16;
	r.lora.modules = 1u << 20;
	expect_refusal(&m, &r, KVP_ERR_INVALID, "are not KVP_LORA_* values");
	/* A mixture of experts has no intermediate: its MLP is refused,
	 * its attention counted. */
	moe.intermediate = 0;
	r.lora.modules = 0;
	expect_refusal(&moe, &r, KVP_ERR_INVALID,
	               "LoRA on llama3.1-8b: gate_proj, up_proj and down_proj need the"
	               " model's intermediate_size");
	r.lora.modules = KVP_LORA_Q | KVP_LORA_K | KVP_LORA_V | KVP_LORA_O;
	{
		kvp_plan p = plan_of(&moe, &r);

		assert_int_equal(p.lora_adapter_bytes, 2 * 32 * (131072 + 81920 + 81920 + 131072ull));
	}
	moe.vocab = 0;
	r.lora.modules = KVP_LORA_EMBED;
	expect_refusal(&moe, &r, KVP_ERR_INVALID, "need the model's vocabulary size");
	/* MLA: its projections modelled for vLLM (deepseek_v2.py, no
	 * q_lora_rank: q_proj 16 x (2048 + 16 x 192), kv_b_proj 16 x (512 +
	 * 16 x 256), kv_a_proj_with_mqa 16 x (2048 + 576), o_proj 16 x (16 x
	 * 128 + 2048): 263,168 a layer), refused elsewhere. */
	memset(&mla, 0, sizeof mla);
	strcpy(mla.name, "mla");
	mla.layers = 4;
	mla.hidden = 2048;
	mla.heads = 16;
	mla.kv_heads = 16;
	mla.head_dim = 192;
	mla.kv_lora_rank = 512;
	mla.qk_rope_dim = 64;
	mla.qk_nope_dim = 128;
	mla.v_head_dim = 128;
	mla.intermediate = 8192;
	if (kvp_model_finalize(&mla, &err) != KVP_OK)
		fail_msg("%s", err.message);
	r.lora.modules = KVP_LORA_LINEAR;
	{
		kvp_plan p = plan_of(&mla, &r);

		assert_int_equal(p.lora_adapter_bytes,
		                 2 * 4 * (263168 + 3 * 16 * (2048 + 8192ull)));
	}
	r.engine = KVP_ENGINE_EXACT;
	expect_refusal(&mla, &r, KVP_ERR_INVALID, "the attention modules of an MLA layer are"
	               " modelled for vLLM alone");
	r.lora.modules = KVP_LORA_GATE | KVP_LORA_UP | KVP_LORA_DOWN;
	{
		kvp_plan p = plan_of(&mla, &r);

		assert_int_equal(p.lora_adapter_bytes, 2 * 4 * 3 * 16 * (2048 + 8192ull));
	}
	r.engine = KVP_ENGINE_VLLM;
	/* Past 64 bits (vLLM adapts no lm_head past 258,048 entries). */
	r.lora.modules = KVP_LORA_LINEAR | KVP_LORA_EMBED;
	r.lora.rank = UINT32_MAX;
	m.vocab = UINT32_MAX;
	m.layers = 60000;
	expect_refusal(&m, &r, KVP_ERR_OVERFLOW, "LoRA adapters of llama3.1-8b overflow");
	r.lora.modules = 0;
	r.lora.rank = 16;
	expect_refusal(&m, &r, KVP_ERR_UNSUPPORTED, "vLLM adapts an lm_head of at most 258,048"
	               " entries, not 4294967295");
}

static void test_parse(void **state)
{
	uint32_t bits = 0;
	kvp_error err;
	char text[200];

	(void)state;
	assert_int_equal(kvp_lora_modules_parse("q_proj,v", &bits, &err), KVP_OK);
	assert_int_equal(bits, KVP_LORA_Q | KVP_LORA_V);
	assert_int_equal(kvp_lora_modules_parse("qkv_proj,gate_up_proj,DOWN_PROJ", &bits, &err),
	                 KVP_OK);
	assert_int_equal(bits, KVP_LORA_LINEAR & ~KVP_LORA_O);
	assert_int_equal(kvp_lora_modules_parse("all-linear,lm_head,embed_tokens", &bits, &err),
	                 KVP_OK);
	assert_int_equal(bits, KVP_LORA_LINEAR | KVP_LORA_EMBED | KVP_LORA_HEAD);
	assert_int_equal(kvp_lora_modules_parse("mixer,experts,router,in_proj_qkvz,in_proj_ba,"
	                                        "conv", &bits, &err), KVP_OK);
	assert_int_equal(bits, KVP_LORA_MIXER | KVP_LORA_EXPERTS | KVP_LORA_ROUTER);
	assert_string_equal(kvp_lora_modules_text(bits, text, sizeof text),
	                    "in_proj,conv1d,out_proj,experts,router");
	assert_int_equal(kvp_lora_modules_parse("attention", &bits, &err), KVP_OK);
	assert_string_equal(kvp_lora_modules_text(bits, text, sizeof text),
	                    "q_proj,k_proj,v_proj,o_proj");
	assert_int_equal(kvp_lora_modules_parse("mlp", &bits, &err), KVP_OK);
	assert_string_equal(kvp_lora_modules_text(bits, text, sizeof text),
	                    "gate_proj,up_proj,down_proj");
	assert_string_equal(kvp_lora_modules_text(0, text, sizeof text), "none");
	/* A short buffer is cut, still terminated. */
	assert_string_equal(kvp_lora_modules_text(KVP_LORA_ALL, text, 10), "q_proj,k_");
	bits = 7;
	assert_int_equal(kvp_lora_modules_parse("q,x_proj", &bits, &err), KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "entry 2 'x_proj' is not a LoRA module"));
	assert_int_equal(bits, 7);
	assert_int_equal(kvp_lora_modules_parse("q,,v", &bits, &err), KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "entry 2 '' is not a LoRA module"));
	assert_int_equal(kvp_lora_modules_parse("q\x1b[2J", &bits, &err), KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "'q\\x1b[2J'"));
	assert_int_equal(kvp_lora_modules_parse(NULL, &bits, &err), KVP_ERR_INVALID);
}

/* The fit takes the adapters from the cache's budget: the budget falls
 * by exactly their bytes, the parts still sum to the device, and the
 * longest context is the new budget over the bytes a token takes. */
static void test_fit(void **state)
{
	kvp_model m = llama31_8b();
	kvp_request r = lora_request(KVP_ENGINE_EXACT, 64, 8, 0);
	kvp_device d;
	kvp_plan with, without;
	kvp_fit fw, fo;
	kvp_error err;
	const kvp_footprint *f = &fw.footprint;

	(void)state;
	memset(&d, 0, sizeof d);
	strcpy(d.name, "gpu");
	d.hbm_bytes = 80ull << 30;
	d.l2_bytes = 50ull << 20;
	with = plan_of(&m, &r);
	r.lora.rank = 0;
	without = plan_of(&m, &r);
	assert_int_equal(kvp_plan_fit(&with, &d, &fw, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&without, &d, &fo, &err), KVP_OK);
	/* 8 slots of rank 64: 8 x 4 x 83,886,080. */
	assert_int_equal(with.lora_bytes_per_gpu, 2684354560ull);
	assert_int_equal(f->adapters, 2684354560ull);
	assert_int_equal(fo.footprint.adapters, 0);
	assert_int_equal(fo.budget_bytes - fw.budget_bytes, 2684354560ull);
	assert_int_equal(f->weights + f->adapters + f->kv + f->state + f->activations +
	                 f->reserve + f->held_back + f->unused, d.hbm_bytes);
	assert_int_equal(fo.footprint.unused - f->unused, 2684354560ull);
	/* 131,072 B a token (32 layers x 8 heads x 128 x 2 x 2). */
	assert_int_equal(fw.max_seq_hbm, fw.budget_bytes / 131072);
	assert_int_equal(fo.max_seq_hbm, fo.budget_bytes / 131072);
	assert_true(fw.max_seq_hbm < fo.max_seq_hbm);
}

/* The fewest GPUs: the adapters shrink per GPU with tp under vLLM, and the
 * answer counts them. */
static void test_advise(void **state)
{
	kvp_model m = llama31_8b();
	kvp_request r = lora_request(KVP_ENGINE_EXACT, 16, 1, 0);
	kvp_device d;
	kvp_advice a;
	kvp_error err;
	kvp_plan p;
	kvp_fit f;
	uint64_t weights = 2 * m.params, cache;

	(void)state;
	memset(&d, 0, sizeof d);
	strcpy(d.name, "gpu");
	d.l2_bytes = 1 << 20;
	r.seq = 65536;
	r.mem_util = 1.0;
	/* Weights, cache and adapters fit with one byte to spare, at tp 1;
	 * a byte less of memory and tp 2 is the fewest. */
	p = plan_of(&m, &r);
	cache = p.kv_bytes_per_gpu;
	d.hbm_bytes = weights + cache + p.lora_bytes_per_gpu;
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_true(f.fits_hbm);
	assert_int_equal(kvp_advise(&m, &r, &d, &a, &err), KVP_OK);
	assert_int_equal(a.min_tp, 1);
	d.hbm_bytes--;
	assert_int_equal(kvp_advise(&m, &r, &d, &a, &err), KVP_OK);
	assert_false(a.fits);
	assert_int_equal(a.min_tp, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_vllm_one_gpu),
		cmocka_unit_test(test_vllm_tp),
		cmocka_unit_test(test_vllm_pp),
		cmocka_unit_test(test_even_split),
		cmocka_unit_test(test_sglang),
		cmocka_unit_test(test_hybrid_layers),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_advise),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
