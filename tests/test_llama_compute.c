/*
 * test_llama_compute.c — llama.cpp's compute buffer with flash attention
 * off (-fa off): the attention's f32 scores over the stream's cells beside
 * its mask and activations, or the logits where larger, held to published
 * logs ("<backend> compute buffer size = X MiB"; the research notes in
 * doc/footprint.md list them), and split by layers over several GPUs,
 * where llama.cpp keeps four copies of each graph input on every GPU.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"

#define MIB 1048576ull

static kvp_model model(uint32_t hidden, uint32_t heads, uint32_t kv, uint32_t head_dim,
                       uint32_t vocab)
{
	kvp_model m;
	kvp_error err;

	memset(&m, 0, sizeof m);
	strcpy(m.name, "m");
	m.layers = 24;
	m.hidden = hidden;
	m.heads = heads;
	m.kv_heads = kv;
	m.head_dim = head_dim;
	m.vocab = vocab;
	m.params = 1000000000;
	if (kvp_model_finalize(&m, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return m;
}

static kvp_plan plan(const kvp_model *m, uint64_t ctx, bool fa_off, uint32_t pp)
{
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	kvp_request_init(&r);
	r.engine = KVP_ENGINE_LLAMA_CPP;
	r.ctx_size = ctx;
	r.seq = ctx;
	r.flash_attn_off = fa_off;
	r.pp = pp;
	if (kvp_plan_compute(m, &r, &p, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return p;
}

/* Llama 3 8B (vocab 128256, 4096 wide, 32 heads of 128), n_ctx 8192,
 * ubatch 512: 4 x 512 x (8,192 x 32 + 8,192 + 2 x 4,096 + 2 x 4,096) =
 * 587,202,560 B, 560.00 MiB as ollama's log of it gives ("CUDA0 compute
 * buffer size = 560.00 MiB", flash attention off); with flash attention
 * the logits, 4 x 512 x (128,256 + 4,096) = 271,056,896 B, 258.50 MiB,
 * as at n_ctx 1024, where they win too (a fork, ik_llama.cpp, keeps one
 * n_embd row more: its issue 103 logs 266.50 MiB there).  At 81,920 cells (ollama issue
 * 9352, ten slots of 8,192 in one stream): 4 x 512 x (81,920 x 33 +
 * 16,384) = 5,570,035,712 B, its logged 5312.00 MiB. */
static void test_llama3_8b(void **state)
{
	kvp_model m = model(4096, 32, 8, 128, 128256);

	(void)state;
	assert_int_equal(plan(&m, 8192, true, 1).compute_bytes, 587202560ull);
	assert_int_equal(plan(&m, 8192, true, 1).compute_bytes, 560 * MIB);
	assert_int_equal(plan(&m, 8192, false, 1).compute_bytes, 271056896ull);
	assert_int_equal(plan(&m, 8192, false, 1).compute_bytes, 517 * MIB / 2);
	assert_int_equal(plan(&m, 1024, true, 1).compute_bytes, 271056896ull);
	assert_int_equal(plan(&m, 81920, true, 1).compute_bytes, 5312 * MIB);
}

/* Mistral 7B v0.2's shape (vocab 32000, otherwise Llama 3 8B's) at n_ctx
 * 2048 and 32768, fedora-copr/logdetective PR 106's "CUDA0 compute buffer
 * size = 164.00 MiB" and "2144.00 MiB": 4 x 512 x (2,048 x 33 + 16,384)
 * = 171,966,464 and 4 x 512 x (32,768 x 33 + 16,384) = 2,248,146,944; the
 * slope 4 x 512 x 33 B a cell. */
static void test_slope(void **state)
{
	kvp_model m = model(4096, 32, 8, 128, 32000);

	(void)state;
	assert_int_equal(plan(&m, 2048, true, 1).compute_bytes, 164 * MIB);
	assert_int_equal(plan(&m, 32768, true, 1).compute_bytes, 2144 * MIB);
}

/* Qwen2.5-0.5B (vocab 151936, 896 wide, 14 heads of 64) on two GPUs at
 * n_ctx 32768 (nixiesearch's docs/deployment/gpu.md: "CUDA0 compute
 * buffer size = 1166.01 MiB", "CUDA1 ... 1166.02 MiB", pipeline
 * parallelism with n_copies=4): 4 x 512 x (32,768 x 14 + 4 x 32,768 + 6
 * x 896 + 2 x 14 x 64) = 1,222,639,616 B, 1166.00 MiB on each, the
 * logits (4 x 512 x (151,936 + 1,792) = 314,834,944) smaller.  With
 * flash attention the copies of the f16 mask and of the hidden state, and
 * the MLP's activations (none here: this model gives no n_ff): 4 x 512 x
 * (2 x 32,768 + 4 x 896 + 3 x 896) = 147,062,784 B on the first GPU; on
 * the last the copies and the logits, 4 x 512 x (2 x 32,768 + 4 x 896 +
 * 151,936 + 896) = 454,557,696. */
static void test_two_gpus(void **state)
{
	kvp_model m = model(896, 14, 2, 64, 151936);
	kvp_plan p;

	(void)state;
	p = plan(&m, 32768, true, 2);
	assert_int_equal(p.compute_bytes, 1166 * MIB);
	assert_int_equal(p.compute_other_bytes, 1166 * MIB);
	/* At 1024 cells the logits win on the last GPU alone: 4 x 512 x
	 * (1,024 x 18 + 7,168) = 52,428,800 on the first. */
	p = plan(&m, 1024, true, 2);
	assert_int_equal(p.compute_bytes, 312999936ull);
	assert_int_equal(p.compute_other_bytes, 52428800ull);
	p = plan(&m, 32768, false, 2);
	assert_int_equal(p.compute_bytes, 454557696ull);
	assert_int_equal(p.compute_other_bytes, 147062784ull);
}

/* Split by layers with flash attention, held to published logs
 * (research: doc/footprint.md).  Qwen2.5-32B (64 layers, 5,120 wide, 40
 * heads and 8 kv heads of 128, n_ff 27,648, vocab 152,064) on six GPUs,
 * 196,608 cells (ollama issue 9595, which gives neither n_ctx nor n_ubatch:
 * its host buffer, 4 x (4 x n_kv + 5,120) x 512 B = 1546.02 MiB, gives
 * n_kv at the default ubatch): the last GPU holds four copies of the f16
 * mask and of the hidden state, 4 x 512 x (2 x 196,608 + 4 x 5,120) =
 * 847,249,408 B, and the logits, 4 x 512 x (152,064 + 5,120) =
 * 321,912,832: 1,169,162,240 B, "CUDA5 compute buffer size = 1115.02
 * MiB".  A middle GPU holds the copies and the MLP's activations, 4 x 512
 * x (3 x 5,120 + 3 x 27,648) = 201,326,592 (swiglu_split, today's):
 * 1,048,576,000 B, 1000 MiB, where that ollama build logs 946.01 (its MLP
 * ran silu and mul in place, two rows of n_ff, not three).  Each 256
 * cells more add 4 x 2 x 256 x 512 B = 1 MiB on every GPU: at 2^20
 * cells, 4 GiB of mask copies a GPU, as unsloth PR #7637 reports of
 * llama.cpp on four GPUs ("llama.cpp allocated 4.0 GiB per device"). */
static void test_split_flash_attention(void **state)
{
	kvp_model m = model(5120, 40, 8, 128, 152064);
	kvp_request r;
	kvp_plan p, q;
	kvp_error err;

	(void)state;
	m.layers = 64;
	m.intermediate = 27648;
	if (kvp_model_finalize(&m, &err) != KVP_OK)
		fail_msg("%s", err.message);
	kvp_request_init(&r);
	r.engine = KVP_ENGINE_LLAMA_CPP;
	r.ctx_size = 196608;
	r.seq = 32768;
	r.batch = 6;
	r.kv_unified = true;
	r.pp = 6;
	if (kvp_plan_compute(&m, &r, &p, &err) != KVP_OK)
		fail_msg("%s", err.message);
	assert_int_equal(p.compute_bytes, 1115 * MIB);
	assert_int_equal(p.compute_other_bytes, 1000 * MIB);
	r.ctx_size += 256;
	if (kvp_plan_compute(&m, &r, &q, &err) != KVP_OK)
		fail_msg("%s", err.message);
	assert_int_equal(q.compute_bytes - p.compute_bytes, MIB);
	assert_int_equal(q.compute_other_bytes - p.compute_other_bytes, MIB);

	/* Qwen3-30B-A3B (2,048 wide, vocab 151,936) on two T4s at 32,768
	 * cells (ik_llama.cpp issue 398, "CUDA1 compute buffer size = 444.77
	 * MiB"): 4 x 512 x (2 x 32,768 + 4 x 2,048 + 151,936 + 2,048) =
	 * 466,354,176 B, 444.75 MiB, on the last GPU (its layers, 48, do not
	 * change it). */
	m = model(2048, 32, 4, 128, 151936);
	assert_int_equal(plan(&m, 32768, false, 2).compute_bytes, 466354176ull);
}

static kvp_fit fit_at(const kvp_model *m, uint64_t seq, uint64_t batch, bool fa_off,
                      uint32_t pp)
{
	kvp_request r;
	kvp_plan p;
	kvp_device d;
	kvp_fit f = {0};
	kvp_error err;

	memset(&d, 0, sizeof d);
	strcpy(d.name, "h100");
	d.hbm_bytes = 80ull << 30;
	d.l2_bytes = 50ull << 20;
	kvp_request_init(&r);
	r.engine = KVP_ENGINE_LLAMA_CPP;
	r.seq = seq;
	r.batch = batch;
	r.flash_attn_off = fa_off;
	r.pp = pp;
	if (kvp_plan_compute(m, &r, &p, &err) != KVP_OK || kvp_plan_fit(&p, &d, &f, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return f;
}

/* The longest context and the largest batch hold the compute buffer at
 * their own context: each fits, and one token (or sequence) more does
 * not, on one GPU and on two stages; the scores make both smaller than
 * with flash attention. */
static void test_answers(void **state)
{
	kvp_model m = model(4096, 32, 8, 128, 128256);

	(void)state;
	for (uint32_t pp = 1; pp <= 2; pp++) {
		kvp_fit f = fit_at(&m, 8192, 1, true, pp), on = fit_at(&m, 8192, 1, false, pp);
		uint64_t seq = f.max_seq_hbm, batch = f.max_batch_hbm;

		assert_false(f.max_seq_hbm_unbounded);
		assert_true(seq > 8192 && seq < on.max_seq_hbm);
		assert_true(fit_at(&m, seq, 1, true, pp).fits_hbm);
		assert_false(fit_at(&m, seq + 1, 1, true, pp).fits_hbm);
		assert_true(batch >= 1 && batch <= on.max_batch_hbm);
		assert_true(fit_at(&m, 8192, batch, true, pp).fits_hbm);
		assert_false(fit_at(&m, 8192, batch + 1, true, pp).fits_hbm);
	}
}

/* A model of sliding layers alone (Mistral 7B v0.1's 4,096 window):
 * llama.cpp's scores span its sliding cache, pad256(4,096 + 512) = 4,608
 * cells, whatever the context: 4 x 512 x (4,608 x 33 + 16,384) =
 * 344,981,504 B, and no context is too long. */
static void test_sliding_only(void **state)
{
	kvp_model m = model(4096, 32, 8, 128, 32000);
	kvp_error err;
	kvp_fit f;

	(void)state;
	m.sliding_window = 4096;
	assert_int_equal(kvp_layer_pattern_parse("sliding", &m, &err), KVP_OK);
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_OK);
	assert_int_equal(plan(&m, 8192, true, 1).compute_bytes, 344981504ull);
	assert_int_equal(plan(&m, 65536, true, 1).compute_bytes, 344981504ull);
	f = fit_at(&m, 8192, 1, true, 1);
	assert_true(f.max_seq_hbm_unbounded);
}

/* llama_init_from_model: "V cache quantization requires flash_attn". */
static void test_quantized_v(void **state)
{
	kvp_model m = model(4096, 32, 8, 128, 128256);
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	(void)state;
	kvp_request_init(&r);
	r.engine = KVP_ENGINE_LLAMA_CPP;
	r.seq = 4096;
	r.dtype_v = KVP_DTYPE_Q8_0;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	r.flash_attn_off = true;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_ERR_INVALID);
	assert_string_equal(err.message,
	                    "llama.cpp quantizes a V cache (q8_0) only with flash attention");
	r.dtype_v = KVP_DTYPE_FP16;
	r.dtype_k = KVP_DTYPE_Q8_0;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_llama3_8b),
		cmocka_unit_test(test_slope),
		cmocka_unit_test(test_two_gpus),
		cmocka_unit_test(test_split_flash_attention),
		cmocka_unit_test(test_answers),
		cmocka_unit_test(test_sliding_only),
		cmocka_unit_test(test_quantized_v),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
