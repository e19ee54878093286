/*
 * test_footprint_llama.c — llama.cpp's compute and output buffers on one
 * GPU against its own logs: dense models with and without flash
 * attention, a mixture of experts, llama-server's batch, Qwen3.5's Gated
 * DeltaNet layers, and the MTP contexts of Qwen3.5 and Qwen3-Next.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"
#include "testmodel.h"

#define MIB (1024.0 * 1024.0)

static kvp_plan llama_plan(const kvp_model *m, uint64_t ctx, uint64_t seqs)
{
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	kvp_request_init(&r);
	r.engine = KVP_ENGINE_LLAMA_CPP;
	r.seq = ctx / seqs ? ctx / seqs : 1;
	r.batch = seqs;
	r.ctx_size = ctx;
	if (kvp_plan_compute(m, &r, &p, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return p;
}

/* llama.cpp prints MiB to two decimals. */
static void mib_near(uint64_t bytes, double logged, double rel, const char *what)
{
	double got = (double)bytes / MIB;

	if (got < logged * (1 - rel) || got > logged * (1 + rel))
		fail_msg("%s: %.2f MiB against the log's %.2f", what, got, logged);
}

static void test_llama_buffers(void **state)
{
	kvp_model qwen = testmodel_new(24, 896, 14, 2, 151936, 494032768);
	kvp_model llama3 = testmodel_new(32, 4096, 32, 8, 128256, 8030261248ull);
	kvp_plan p;

	(void)state;
	/* Builds of 2024 and today's alike: a public log of an mradermacher
	 * Llama 3 8B quantization, full offload to an RTX 30x0, n_ctx 512,
	 * flash_attn 0: "CUDA0 compute buffer size = 258.50 MiB",
	 * "CUDA_Host output buffer size = 0.49 MiB": the logits, 4 x 512 x
	 * (128,256 + 4,096) = 271,056,896 B. */
	p = llama_plan(&llama3, 512, 1);
	assert_int_equal(p.compute_bytes, 271056896);
	mib_near(p.compute_bytes, 258.50, 0.00002, "llama3-8b compute");
	mib_near(p.host_bytes, 0.49, 0.005, "llama3-8b output");
	/* Qwen2.5-0.5B-Instruct (one GGUF, 462.96 MiB) on an Apple M1 Pro,
	 * flash attention on, n_ctx 2048, n_ubatch 512: "MTL0 compute buffer
	 * size = 298.50 MiB" (a published log in the code index, file id
	 * 71172331069; research: /work/research/apple-metal.md): the logits,
	 * 4 x 512 x (151,936 + 896) = 312,999,936 B.  The same file on an M4
	 * under macOS 26 with the BLAS backend loaded too, n_ctx 512, logs
	 * 300.25 MiB, one row of n_embd a token more (4 x 512 x 896 =
	 * 1,835,008 B), a cause not found; its "CPU output buffer size = 0.58
	 * MiB" is 151936 x 4 = 607,744 B. */
	p = llama_plan(&qwen, 2048, 1);
	assert_int_equal(p.compute_bytes, 312999936);
	mib_near(p.compute_bytes, 298.50, 0.00002, "qwen2.5-0.5b on Metal");
	p = llama_plan(&qwen, 512, 1);
	assert_int_equal(p.compute_bytes, 312999936);
	assert_int_equal(300.25 * MIB - p.compute_bytes, 4 * 512 * 896);
	assert_int_equal(p.host_bytes, 607744);
	mib_near(p.host_bytes, 0.58, 0.005, "qwen output");
	/* A context under the ubatch: n_ctx 128 pads to 256 cells, and the
	 * graph takes min(256, 512) tokens. */
	p = llama_plan(&qwen, 128, 1);
	assert_int_equal(p.compute_bytes, 4ull * 256 * (151936 + 896));
	/* Four sequences, split: n_seqs 4, n_tokens 512 (a multiple of 4);
	 * the output buffer holds four rows of logits. */
	p = llama_plan(&llama3, 8192, 4);
	assert_int_equal(p.compute_bytes, 4ull * 512 * (128256 + 4096));
	assert_int_equal(p.host_bytes, 4ull * 128256 * 4);
	/* Three split sequences: 512 rounds up to 513. */
	p = llama_plan(&llama3, 3 * 2048, 3);
	assert_int_equal(p.compute_bytes, 4ull * 513 * (128256 + 4096));
	/* No vocabulary known: no buffer claimed. */
	llama3.vocab = 0;
	p = llama_plan(&llama3, 8192, 1);
	assert_int_equal(p.compute_bytes, 0);
	assert_int_equal(p.host_bytes, 0);
}

/* A dense model whose MLP is n_ff wide. */
static kvp_model dense(uint32_t layers, uint32_t hidden, uint32_t heads, uint32_t kv,
                       uint32_t vocab, uint32_t n_ff)
{
	kvp_model m = testmodel_new(layers, hidden, heads, kv, vocab, 1000000000);

	m.intermediate = n_ff;
	return m;
}

/* One GPU with flash attention: the larger of the logits and the MLP's
 * activations beside the f16 mask, 4 x 512 x (3 n_embd + 3 n_ff) + 2 x
 * n_kv x 512 + 20 x 512 (lib/footprint.c).  An ollama 0.16.3 server log
 * (a shell transcript in the code index, file id 52880424997; research
 * in doc/footprint.md), flash attention auto, set to enabled, n_ubatch
 * 512, one sequence, each model whole on one device: */
static void test_llama_flash_mlp(void **state)
{
	kvp_model llama2 = dense(32, 4096, 32, 32, 32000, 11008);
	kvp_model mistral = dense(32, 4096, 32, 8, 32000, 14336);
	kvp_model tiny = dense(22, 2048, 32, 4, 32000, 5632);
	kvp_plan p;

	(void)state;
	/* "LLaMA v2" 7B at n_ctx 4096, "compute buffer size = 92.51 MiB":
	 * 4 x 512 x (12,288 + 33,024) + 2 x 4,096 x 512 + 10,240 =
	 * 97,003,520 B, 92.5098 MiB; the logits 4 x 512 x 36,096 = 70.50 MiB
	 * are smaller. */
	p = llama_plan(&llama2, 4096, 1);
	assert_int_equal(p.compute_bytes, 97003520);
	mib_near(p.compute_bytes, 92.51, 0.00005, "llama2-7b, flash attention");
	/* Six Mistral-7B fine-tunes in the same log (neural-chat, openchat,
	 * zephyr, Starling, sqlcoder, llava), n_ctx 4096, "112.01 MiB" each,
	 * as an ollama note's "CUDA0 compute buffer size = 112.01 MiB" beside
	 * a 512 MiB cache: 4 x 512 x (12,288 + 43,008) + 4,194,304 + 10,240
	 * = 117,450,752 B. */
	p = llama_plan(&mistral, 4096, 1);
	assert_int_equal(p.compute_bytes, 117450752);
	mib_near(p.compute_bytes, 112.01, 0.00005, "mistral-7b, flash attention");
	/* TinyLlama at n_ctx 2048, "66.50 MiB": its logits, 4 x 512 x
	 * (32,000 + 2,048) = 69,730,304 B, over its MLP's 4 x 512 x (6,144 +
	 * 16,896) + 2 x 2,048 x 512 + 10,240 = 49,293,312. */
	p = llama_plan(&tiny, 2048, 1);
	assert_int_equal(p.compute_bytes, 69730304);
	assert_int_equal(p.compute_bytes, 133 * MIB / 2);
	/* The mask grows 2 B a cell a token: Llama 2 at 32,768 cells holds
	 * 2 x 28,672 x 512 B more than at 4,096. */
	p = llama_plan(&llama2, 32768, 1);
	assert_int_equal(p.compute_bytes, 97003520 + 2 * 28672 * 512);
	assert_int_equal(p.attn_cell_bytes, 2);
	/* A token's bytes besides the mask: three rows of n_embd and three
	 * of n_ff, f32, and its position and two cache rows' indices. */
	p = llama_plan(&mistral, 4096, 1);
	assert_int_equal(p.attn_token_bytes, 4 * (3 * 4096 + 3 * 14336) + 20);
}

/* A mixture of experts on one GPU with flash attention: the top-k routed
 * experts' gate, up and GLU output, 3 x k x n_ff_exp a token
 * (llama-graph.cpp build_moe_ffn at 3f545becc), or a dense layer's MLP or
 * the shared experts' where wider. */
static void test_llama_moe(void **state)
{
	kvp_model mixtral = dense(32, 4096, 32, 8, 32000, 0);
	kvp_model v3 = mixtral;
	kvp_plan p;

	(void)state;
	/* Mixtral 8x7B (its config.json: 8 experts of 14,336, 2 a token):
	 * 4 x 512 x (3 x 4,096 + 3 x 2 x 14,336) + 2 x 512 x 512 + 10,240 =
	 * 201,861,120 B, 192.51 MiB, at n_ctx 512; 205,531,136 at 4096.
	 * Mainline's own code, run with ggml's RPC backend standing in for
	 * one GPU, gives 192.51 and 196.01 (research in doc/footprint.md). */
	mixtral.moe_intermediate = 14336;
	mixtral.moe_top_k = 2;
	p = llama_plan(&mixtral, 512, 1);
	assert_int_equal(p.compute_bytes, 201861120);
	assert_int_equal(llama_plan(&mixtral, 4096, 1).compute_bytes, 205531136);
	/* Without its top-k, one expert's rows: 4 x 512 x (12,288 + 43,008)
	 * + 4,194,304 + 10,240 at 4096. */
	mixtral.moe_top_k = 0;
	assert_int_equal(llama_plan(&mixtral, 4096, 1).compute_bytes, 117450752);
	/* DeepSeek-V3's widths: 8 routed experts of 2,048 (16,384 rows) are
	 * narrower than its dense layers' 18,432, which set the MLP's set:
	 * 4 x 512 x (3 x 4,096 + 3 x 18,432) + 2 x 4,096 x 512 + 10,240. */
	v3.moe_experts = 256;
	v3.moe_intermediate = 2048;
	v3.moe_shared_intermediate = 2048;
	v3.moe_dense_layers = 3;
	v3.dense_intermediate = 18432;
	v3.moe_top_k = 8;
	p = llama_plan(&v3, 4096, 1);
	assert_int_equal(p.compute_bytes, 4ull * 512 * (3 * 4096 + 3 * 18432) + 4194304 + 10240);
	v3.dense_intermediate = 0;
	p = llama_plan(&v3, 4096, 1);
	assert_int_equal(p.compute_bytes, 4ull * 512 * (3 * 4096 + 3 * 8 * 2048) + 4194304 + 10240);
	/* Figures no model has, whose rows pass 64 bits: the buffer stays at
	 * 64 bits' most, and no GPU fits it. */
	mixtral.moe_top_k = UINT32_MAX;
	mixtral.moe_intermediate = UINT32_MAX;
	p = llama_plan(&mixtral, 4096, 1);
	assert_int_equal(p.attn_token_bytes, UINT64_MAX);
	assert_int_equal(p.compute_bytes, UINT64_MAX);
	{
		kvp_device d = testmodel_device(80ull << 30);
		kvp_fit f;
		kvp_error err;

		assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
		assert_false(f.fits_hbm);
		assert_int_equal(f.max_seq_hbm, 0);
	}
}

/* llama-server (from about b9460): min(n_tokens, slots x (1 + drafted))
 * rows of logits (server-context.cpp server_output_limits, read at
 * 3f545becc), n slots unified in n_ctx cells. */
static kvp_plan server_plan_mtp(const kvp_model *m, uint64_t ctx, uint64_t slots,
                                const kvp_model *draft, uint32_t spec, uint32_t mtp)
{
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	kvp_request_init(&r);
	r.engine = KVP_ENGINE_LLAMA_CPP;
	r.seq = ctx / slots;
	r.batch = slots;
	r.ctx_size = ctx;
	r.kv_unified = true;
	r.llama_server = true;
	r.draft = draft;
	r.spec_tokens = spec;
	r.mtp_layers = mtp;
	if (kvp_plan_compute(m, &r, &p, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return p;
}

static kvp_plan server_plan(const kvp_model *m, uint64_t ctx, uint64_t slots,
                            const kvp_model *draft, uint32_t spec)
{
	return server_plan_mtp(m, ctx, slots, draft, spec, 0);
}

static void test_llama_server(void **state)
{
	kvp_model llama3 = dense(32, 4096, 32, 8, 128256, 14336);
	kvp_model qwen = dense(32, 4096, 32, 32, 151936, 11008);
	kvp_model small = dense(16, 2048, 32, 8, 128256, 8192);
	kvp_plan p;

	(void)state;
	/* One slot: 4 x 1 x (128,256 + 4,096) = 529,408 B of logits, so the
	 * MLP's 4 x 512 x (12,288 + 43,008) + 2 x 4,096 x 512 + 10,240 =
	 * 117,450,752 B (112.01 MiB) sets it; llama-cli reserves the 512
	 * tokens' logits, 271,056,896. */
	p = server_plan(&llama3, 4096, 1, NULL, 0);
	assert_int_equal(p.compute_bytes, 117450752);
	assert_int_equal(llama_plan(&llama3, 4096, 1).compute_bytes, 271056896);
	/* Qwen-7B (Qwen1: 151,936 tokens, 4,096 wide, 32 heads, n_ff 11,008)
	 * on an RTX 4060 Laptop, llama-server b10121 with its default slots,
	 * n_ctx 4096 (its 2048.00 MiB f16 cache): "CUDA0 compute buffer size
	 * = 84.51 MiB" (a README of llama.cpp CUDA measurements in the code
	 * index, file id 68952056531; research in doc/footprint.md).  kvplan:
	 * 4 x 512 x (12,288 + 33,024) + 4,194,304 + 10,240 = 97,003,520 B,
	 * 92.51 MiB: one row of n_embd a token over, which that model's first
	 * layer takes from the embedding's freed copy. */
	p = server_plan(&qwen, 4096, 4, NULL, 0);
	assert_int_equal(p.compute_bytes, 97003520);
	mib_near(p.compute_bytes - 4 * 512 * 4096, 84.51, 0.00005, "qwen-7b, llama-server");
	/* A mixture of experts whose n_embd is more than twice an expert's
	 * rows keeps the experts' down output, top-k x n_embd a token,
	 * beside gate, up and the GLU's output.  The Qwen3-30B-A3B shape
	 * (its config.json: hidden 2,048, 128 experts of 768, 8 a token):
	 * 4 x 512 x (3 x 2,048 + 3 x 8 x 768 + 8 x 2,048) + 4,194,304 +
	 * 10,240 = 88,090,624 B, 84.01 MiB, as mainline's own code gives
	 * through ggml's RPC device with llama-server's one-row reserve
	 * (research: /work/research/llamacpp-fa-single.md section 7); the
	 * GLU's rows alone gave 52.01.  At 4,096 wide, 128.01 MiB there:
	 * 4 x 512 x (12,288 + 18,432 + 32,768) + 4,194,304 + 10,240.  With
	 * experts of 1,024 the down output fits where up and gate were
	 * (2,048 <= 2 x 1,024): 64.01 MiB there, 4 x 512 x (6,144 + 24,576)
	 * + 4,194,304 + 10,240. */
	{
		kvp_model q3 = dense(48, 2048, 32, 4, 151936, 0);

		q3.moe_experts = 128;
		q3.moe_intermediate = 768;
		q3.moe_top_k = 8;
		p = server_plan(&q3, 4096, 1, NULL, 0);
		assert_int_equal(p.compute_bytes, 88090624);
		mib_near(p.compute_bytes, 84.01, 0.00005, "qwen3-30b-a3b shape, llama-server");
		q3.hidden = 4096;
		p = server_plan(&q3, 4096, 1, NULL, 0);
		assert_int_equal(p.compute_bytes,
		                 4ull * 512 * (12288 + 18432 + 32768) + 4194304 + 10240);
		mib_near(p.compute_bytes, 128.01, 0.00005, "4096 wide, llama-server");
		q3.hidden = 2048;
		q3.moe_intermediate = 1024;
		p = server_plan(&q3, 4096, 1, NULL, 0);
		assert_int_equal(p.compute_bytes, 4ull * 512 * (6144 + 24576) + 4194304 + 10240);
		mib_near(p.compute_bytes, 64.01, 0.00005, "experts of 1024, llama-server");
	}
	/* 256 slots: 256 rows of logits, 4 x 256 x 132,352 = 135,528,448 B,
	 * over the MLP's. */
	p = server_plan(&llama3, 4096, 256, NULL, 0);
	assert_int_equal(p.compute_bytes, 135528448);
	/* A draft model drafts 3 tokens a step unless told: 64 slots x 4
	 * rows; 7 drafted, 64 x 8 = 512, every token of the ubatch. */
	p = server_plan(&llama3, 4096, 64, NULL, 0);
	assert_int_equal(p.compute_bytes, 117450752);
	assert_int_equal(p.draft_compute_bytes, 0);
	p = server_plan(&llama3, 4096, 64, &small, 0);
	assert_int_equal(p.compute_bytes - p.draft_compute_bytes, 135528448);
	/* The draft's own context (common_base_params_to_speculative:
	 * n_outputs_max = n_parallel): 64 rows of logits, 4 x 64 x (128,256 +
	 * 2,048) = 33,357,824 B, under its MLP's set beside its mask, (2 x
	 * 4,096 + 4 x (3 x 2,048 + 3 x 8,192) + 20) x 512 = 67,119,104. */
	assert_int_equal(p.draft_compute_bytes, 67119104);
	p = server_plan(&llama3, 4096, 64, &small, 7);
	assert_int_equal(p.compute_bytes, 271056896 + 67119104);
	/* The output buffers in host memory are n_seq_max rows either way,
	 * the model's and the draft's; and the draft's token embedding is
	 * there too, 128,256 x 2,048 x 2 B in fp16. */
	assert_int_equal(p.host_bytes, 2 * 64ull * 128256 * 4 + 128256ull * 2048 * 2);
}

/* A Qwen3.5 shape (Gated DeltaNet layers, full attention every fourth; a
 * GGUF's model_type qwen35), n_embd 1,024, 8 heads of 256, 2 kv heads,
 * inner 16 x 128, 16 key heads of 128, conv kernel 4.  The shape of
 * Qwen3.5-0.8B (research: /work/research/qwen35-configs.md). */
static kvp_model qwen35(uint32_t hidden, uint32_t heads, uint32_t kv, uint32_t inner,
                        uint32_t n_ff)
{
	kvp_model m = dense(24, hidden, heads, kv, 248320, n_ff);
	kvp_error err;

	strcpy(m.model_type, "qwen35");
	m.params = 40000000000ull; /* past its embeddings, for the MTP layer's weights */
	m.mtp_layers = 1;          /* text_config.mtp_num_hidden_layers */
	m.head_dim = 256;
	m.head_dim_derived = false;
	m.ssm_conv_kernel = 4;
	m.ssm_inner = inner;
	m.ssm_state = 128;
	m.ssm_groups = 16;
	if (kvp_layer_pattern_parse("recurrent*3,full", &m, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return m;
}

/* Qwen3.5 under llama-server, n_ubatch 512, flash attention
 * (models/qwen35.cpp at 3f545becc, fused Gated DeltaNet): mainline's own
 * code through ggml's RPC device gives these (research in
 * doc/footprint.md). */
static void test_llama_qwen35(void **state)
{
	kvp_model small = qwen35(1024, 8, 2, 2048, 3584);
	kvp_model nine = qwen35(4096, 16, 4, 4096, 12288);
	kvp_plan p;

	(void)state;
	/* The Gated DeltaNet layer, replayed (lib/llama_replay.c), by hand
	 * for one slot.  Below it the inputs and the layer's norm: two rows
	 * of n_embd, M-RoPE positions and cache indices (512 x (8 x 1,024 +
	 * 32)), the mask (2 x 4,096 x 512) and the slot's and the output
	 * row's indices (128 B each, aligned): 8,405,248 B.  Then the conv
	 * state (3 x 6,144 x 4 = 73,728), the q, k, v rows (6,144 x 512 x 4
	 * = 12,582,912) and the conv's input (6,144 x 515 x 4 = 12,656,640,
	 * ending at 33,718,528); the first two freed, the delta state (128 x
	 * 2,048 x 4 = 1,048,576) takes the smallest block that holds it,
	 * theirs, and the conv's output, too large for what is left there,
	 * goes on top: 33,718,528 + 12,582,912 = 46,301,440 B, 44.16 MiB as
	 * llama.cpp prints.  Everything after fits the holes. */
	p = server_plan(&small, 4096, 1, NULL, 0);
	assert_int_equal(p.gdn_graph.inner, 2048);
	assert_int_equal(p.gdn_graph.rows_per_seq, 1);
	assert_int_equal(p.compute_bytes, 46301440);
	mib_near(p.compute_bytes, 44.16, 0.005, "qwen3.5-0.8b shape at 4096");
	mib_near(server_plan(&small, 32768, 1, NULL, 0).compute_bytes, 72.16, 0.005,
	         "qwen3.5-0.8b shape at 32768");
	/* Four slots: the states (4 MiB) still fit the freed rows, 44.58;
	 * eight, whose 8 MiB of states leave too little there for the delta
	 * net's output (4 MiB of rows and 8 of states), which goes on top:
	 * 57.14; sixteen, 70.27; as llama.cpp prints them. */
	mib_near(server_plan(&small, 4096, 4, NULL, 0).compute_bytes, 44.58, 0.005, "4 slots");
	mib_near(server_plan(&small, 4096, 8, NULL, 0).compute_bytes, 57.14, 0.005, "8 slots");
	mib_near(server_plan(&small, 4096, 16, NULL, 0).compute_bytes, 70.27, 0.005, "16 slots");
	/* A wider MLP wins with one slot: the 9B's shape, 4 x 512 x (2 x
	 * 4,096 + 3 x 12,288) + 4,194,304 + 16,384 = 96,485,376 B, 92.02 MiB
	 * as llama.cpp prints; with sixteen slots the delta net's output on
	 * top, 127.02. */
	p = server_plan(&nine, 4096, 1, NULL, 0);
	assert_int_equal(p.compute_bytes, 96485376);
	mib_near(p.compute_bytes, 92.02, 0.005, "qwen3.5-9b shape at 4096");
	mib_near(server_plan(&nine, 4096, 16, NULL, 0).compute_bytes, 127.02, 0.005, "9b, 16 slots");
	/* Another model_type keeps three rows of n_embd and no replay: 4 x
	 * 512 x (3 x 1,024 + 3 x 3,584) + 4,194,304 + 10,240. */
	strcpy(small.model_type, "qwen3next");
	p = server_plan(&small, 4096, 1, NULL, 0);
	assert_int_equal(p.gdn_graph.embd, 0);
	assert_int_equal(p.compute_bytes, 4ull * 512 * (3 * 1024 + 3 * 3584) + 4194304 + 10240);
}

/* A qwen35moe shape: every layer routes among experts of ff_exp, top_k a
 * token, beside a shared expert of as many. */
static kvp_model qwen35_moe(uint32_t hidden, uint32_t heads, uint32_t inner, uint32_t experts,
                            uint32_t top_k, uint32_t ff_exp)
{
	kvp_model m = qwen35(hidden, heads, 2, inner, 0);

	strcpy(m.model_type, "qwen35moe");
	m.moe_routed_experts = experts;
	m.moe_top_k = top_k;
	m.moe_intermediate = m.moe_shared_intermediate = ff_exp;
	return m;
}

/* With experts, a Gated DeltaNet layer after the first sits elsewhere:
 * the shared expert still reads the post-attention norm when the routed
 * experts' output (the next residual) is allocated, so that output goes
 * above the norm, and the first layer's residual slot at the buffer's
 * start is free.  llama.cpp's own allocator log of the 35B-A3B's shape
 * (n_embd 2,048, 16 heads, inner 4,096, 256 experts of 512, top-8; four
 * slots, an MTP draft of 3: research in doc/footprint.md) shows it: the
 * second layer's conv state at offset 0, its delta-net output (4 x (512 x
 * 4,096 + 16 x 128 x 4,096) = 41,943,040 B) at 67,518,560 B where the
 * first layer's was at 63,717,472, ending at 109,461,600 B, "104.39 MiB";
 * through ggml's RPC device tensors align to 32 B, on CUDA to 128, which
 * puts the inputs' five small tensors 160 B higher: 109,461,760 B.  The
 * first layer alone gave 100.77.  kvplan replays the first three layers
 * with their experts between them (lib/llama_replay.c). */
static void test_llama_qwen35_moe_layers(void **state)
{
	kvp_model a3 = qwen35_moe(2048, 16, 4096, 256, 8, 512);
	kvp_model k4 = qwen35_moe(1024, 8, 2048, 64, 4, 768);
	kvp_plan p;

	(void)state;
	p = server_plan_mtp(&a3, 4096, 4, NULL, 3, 1);
	assert_int_equal(p.gdn_graph.layers, 3);
	assert_int_equal(p.gdn_graph.experts, 256);
	assert_int_equal(p.compute_bytes - p.draft_compute_bytes, 109461760);
	mib_near(p.draft_compute_bytes, 68.02, 0.005, "35b-a3b mtp context, 4 slots");
	/* As llama.cpp prints them: two slots, 84.39; one, 72.02 at 4096 and
	 * 100.02 at 32,768 (the first layer's sets alone there). */
	p = server_plan_mtp(&a3, 4096, 2, NULL, 3, 1);
	mib_near(p.compute_bytes - p.draft_compute_bytes, 84.39, 0.005, "35b-a3b, 2 slots, mtp");
	mib_near(server_plan(&a3, 4096, 1, NULL, 0).compute_bytes, 72.02, 0.005, "35b-a3b 4096");
	mib_near(server_plan(&a3, 32768, 1, NULL, 0).compute_bytes, 100.02, 0.005, "35b-a3b 32768");
	/* 64 experts of 768, top-4, n_embd 1,024: there the routed experts'
	 * output lands higher still, and the second layer stays below the
	 * first, 64.58 MiB with four slots and MTP (its context 26.02), 44.16
	 * and 72.16 with one slot, as llama.cpp prints them. */
	p = server_plan_mtp(&k4, 4096, 4, NULL, 3, 1);
	mib_near(p.compute_bytes - p.draft_compute_bytes, 64.58, 0.005, "k4, 4 slots, mtp");
	mib_near(p.draft_compute_bytes, 26.02, 0.005, "k4 mtp context, 4 slots");
	mib_near(server_plan(&k4, 4096, 1, NULL, 0).compute_bytes, 44.16, 0.005, "k4 4096");
	mib_near(server_plan(&k4, 32768, 1, NULL, 0).compute_bytes, 72.16, 0.005, "k4 32768");
	/* A model that gives no router width falls back to moe_experts, 0
	 * where every layer routes: the router's logits are then left out. */
	a3.moe_routed_experts = 0;
	assert_int_equal(server_plan_mtp(&a3, 4096, 4, NULL, 3, 1).gdn_graph.experts, 0);
}

/* llama-server with Qwen3.5's MTP layer (--spec-type draft-mtp, 3 tokens
 * drafted): its own context, with n_ctx cells of its layer. */
static kvp_plan mtp_plan(const kvp_model *m, uint64_t ctx, uint64_t slots)
{
	return server_plan_mtp(m, ctx, slots, NULL, 3, 1);
}

/* The MTP context's compute buffer, its graph replayed through llama.cpp's
 * allocator (lib/llama_replay.c), against what mainline's own code prints
 * through ggml's RPC device (research in doc/footprint.md). */
static void test_llama_mtp_context(void **state)
{
	kvp_model small = qwen35(1024, 8, 2, 2048, 3584);
	kvp_model nine = qwen35(4096, 16, 4, 4096, 12288);
	kvp_model moe = qwen35(2048, 16, 2, 4096, 0);
	kvp_plan p;

	(void)state;
	/* The 0.8B's shape at n_ctx 4096, by hand: the inputs stay below,
	 * the token's and the hidden state's rows (2 x 4 x 1,024 x 512), the
	 * positions (16 x 512), the cache rows' indices (2 x 8 x 512), the
	 * f16 mask (2 x 4,096 x 512) and the output row's index (128 B,
	 * aligned): 8,405,120 B; the holes freed among them (the largest
	 * the mask's 4 MiB) hold none of the GLU's three rows of n_ff, 4 x
	 * 3,584 x 512 = 7,340,032 B each, so they end at 8,405,120 + 3 x
	 * 7,340,032 = 30,425,216 B, 29.02 MiB, as llama.cpp prints.  The
	 * model's own buffer is its Gated DeltaNet layer's (46,301,440 B, as
	 * test_llama_qwen35 works it), its logits 4 rows (1 + 3 drafted)
	 * under it. */
	p = mtp_plan(&small, 4096, 1);
	assert_int_equal(p.draft_compute_bytes, 30425216);
	assert_int_equal(p.compute_bytes, 46301440 + 30425216);
	/* Its output buffer beside the model's: a row of logits a slot. */
	assert_int_equal(p.host_bytes, 2 * 4ull * 248320);
	/* llama-server's four slots: the model's delta net keeps 4 x (1 + 3)
	 * states (16 MiB) beside its rows, which no freed block holds, so
	 * they go on top: 64.58 MiB, as llama.cpp prints; the MTP context's
	 * stays 29.02. */
	p = mtp_plan(&small, 4096, 4);
	mib_near(p.compute_bytes - p.draft_compute_bytes, 64.58, 0.005, "0.8b, 4 slots, mtp");
	mib_near(p.draft_compute_bytes, 29.02, 0.005, "0.8b mtp context, 4 slots");
	/* A draft of 2^32 - 1 tokens (no real one): 2^32 states a slot,
	 * 4 x 2^32 x 128 x 2,048 x 4 B of them in the delta net's output,
	 * kept in 64 bits, not wrapped. */
	p = server_plan_mtp(&small, 4096, 4, NULL, UINT32_MAX, 1);
	assert_true(p.gdn_graph.rows_per_seq == 4294967296ull);
	assert_true(p.compute_bytes >= 4ull * 4294967296ull * 128 * 2048 * 4);
	/* At 32,768 the attention's tensors beside the 32 MiB mask set it
	 * (52.02 MiB); the 9B's shape 92.02 and, where its MLP reuses the
	 * freed mask in part, 96.02; the 35B-A3B's shape (256 experts, 8 of
	 * 512 a token, a shared expert of 512) 68.02 and 76.02. */
	mib_near(mtp_plan(&small, 32768, 1).draft_compute_bytes, 52.02, 0.005, "0.8b mtp 32768");
	mib_near(mtp_plan(&nine, 4096, 1).draft_compute_bytes, 92.02, 0.005, "9b mtp 4096");
	mib_near(mtp_plan(&nine, 32768, 1).draft_compute_bytes, 96.02, 0.005, "9b mtp 32768");
	moe.intermediate = 0;
	moe.moe_experts = 256;
	moe.moe_top_k = 8;
	moe.moe_intermediate = 512;
	moe.moe_shared_intermediate = 512;
	mib_near(mtp_plan(&moe, 4096, 1).draft_compute_bytes, 68.02, 0.005, "35b-a3b mtp 4096");
	mib_near(mtp_plan(&moe, 32768, 1).draft_compute_bytes, 76.02, 0.005, "35b-a3b mtp 32768");
	/* Another model's MTP graph is not replayed: its layers count with
	 * the model's, and no context of their own. */
	strcpy(small.model_type, "glm4moe");
	p = mtp_plan(&small, 4096, 1);
	assert_int_equal(p.draft_compute_bytes, 0);
	assert_int_equal(p.host_bytes, 4ull * 248320);
}

/* Qwen3-Next's MTP context (qwen3next.cpp graph_mtp at 3f545becc): one
 * position a token, and the output rows taken before the MLP, which runs
 * on them alone.  The shape llama.cpp was run with through ggml's RPC
 * device (n_embd 2,048, 16 heads of 256, 2 kv heads, 64 experts of 512,
 * top-10, a shared one of 512; research in doc/footprint.md), by hand at
 * n_ctx 4096: the inputs, the token's and the hidden state's rows (2 x 4
 * x 2,048 x 512 = 8 MiB), positions (4 x 512), the cache rows' indices
 * (2 x 8 x 512), the mask (2 x 4,096 x 512) and the output row's index
 * (128 B, aligned): 12,593,280 B.  The two rows, normed in place, are
 * freed after their concatenation; eh_proj and the layer's norm take
 * their 8 MiB; the query and its gate (16 MiB), the normed query (8 MiB),
 * V and K (1 MiB each) go on top; K's norm takes the freed layer norm's
 * place; then the attention's output (8 MiB) finds no hole that large
 * (the one below the mask is 4 MiB and 10,240 B) and goes on top where V
 * and K were: 12,593,280 + 16 MiB + 8 MiB + 8 MiB = 46,147,712 B, 44.01
 * MiB as llama.cpp prints.  At 32,768, 72.01. */
static void test_llama_qwen3next_mtp(void **state)
{
	kvp_model next = qwen35_moe(2048, 16, 4096, 64, 10, 512);
	kvp_plan p;

	(void)state;
	strcpy(next.model_type, "qwen3next");
	p = mtp_plan(&next, 4096, 1);
	assert_true(p.mtp_graph.rows_first);
	assert_int_equal(p.mtp_graph.pos_per_token, 1);
	assert_int_equal(p.draft_compute_bytes, 46147712);
	mib_near(mtp_plan(&next, 32768, 1).draft_compute_bytes, 72.01, 0.005,
	         "qwen3-next mtp context at 32768");
	/* Its output buffer beside the model's: a row of logits. */
	assert_int_equal(p.host_bytes, 2 * 4ull * 248320);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_llama_buffers),
		cmocka_unit_test(test_llama_flash_mlp),
		cmocka_unit_test(test_llama_server),
		cmocka_unit_test(test_llama_qwen35),
		cmocka_unit_test(test_llama_mtp_context),
		cmocka_unit_test(test_llama_qwen35_moe_layers),
		cmocka_unit_test(test_llama_qwen3next_mtp),
		cmocka_unit_test(test_llama_moe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
