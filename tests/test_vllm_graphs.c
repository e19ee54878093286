/*
 * test_vllm_graphs.c — vLLM's CUDA graphs under --profile-memory: the
 * batch sizes it captures, as its config code lists them, and the memory
 * it estimates for them and, from 0.20, takes from the cache's budget:
 * worked by hand from lib/vllm_profile.c's model, and held to the
 * estimates logged by startups the model was not fitted on.
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

#define GIB 1073741824.0

/* The model's terms: 287 MiB, and 354 KiB a layer and size past the
 * first. */
#define FIRST 300941312ull
#define PER 362496ull

static kvp_model model(uint32_t layers, uint32_t vocab, uint32_t intermediate)
{
	kvp_model m;
	kvp_error err;

	memset(&m, 0, sizeof m);
	strcpy(m.name, "m");
	m.layers = layers;
	m.hidden = 4096;
	m.heads = 32;
	m.kv_heads = 8;
	m.vocab = vocab;
	m.params = 8030261248ull;
	m.intermediate = intermediate;
	if (kvp_model_finalize(&m, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return m;
}

/* Model m's layers as pattern (sliding windows and chunks of 4,096
 * tokens), or as DeepSeek's MLA latent (mla). */
static void with_layers(kvp_model *m, const char *pattern, int mla)
{
	kvp_error err;

	if (mla)
		testmodel_deepseek_mla(m);
	else if (kvp_layer_pattern_parse(pattern, m, &err) != KVP_OK)
		fail_msg("%s", err.message);
	m->sliding_window = m->chunk_size = 4096;
	if (kvp_model_finalize(m, &err) != KVP_OK)
		fail_msg("%s", err.message);
}

static kvp_device h100(uint64_t bytes)
{
	kvp_device d = testmodel_device(bytes);

	strcpy(d.name, "h100-sxm");
	return d;
}

static kvp_fit fit(const kvp_model *m, const kvp_request *r, const kvp_device *d)
{
	kvp_plan p;
	kvp_fit f = {0};
	kvp_error err;

	if (kvp_plan_compute(m, r, &p, &err) != KVP_OK ||
	    kvp_plan_fit(&p, d, &f, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return f;
}

static kvp_request vllm(void)
{
	kvp_request r;

	kvp_request_init(&r);
	r.engine = KVP_ENGINE_VLLM;
	r.seq = 1024;
	r.mem_util = 0; /* the engine's own share */
	r.profile_memory = true;
	return r;
}

/* vllm/config/vllm.py _set_cudagraph_sizes: the largest size
 * min(max_num_seqs x (1 + spec) x 2, 512), at most the step's tokens;
 * then 1, 2, 4, every 8th to 255 and every 16th from 256. */
static void test_graph_sizes(void **state)
{
	kvp_model m = model(32, 128256, 14336);
	kvp_device d = h100(80ull << 30);
	kvp_request r = vllm();

	(void)state;
	/* 1024 sequences: 512; 3 + 31 (8..248) + 17 (256..512) */
	assert_int_equal(fit(&m, &r, &d).cuda_graphs, 51);
	/* 4 sequences: 8, so 1, 2, 4, 8 */
	r.max_num_seqs = 4;
	assert_int_equal(fit(&m, &r, &d).cuda_graphs, 4);
	/* 100: 200, so 3 + 25 (8..200) */
	r.max_num_seqs = 100;
	assert_int_equal(fit(&m, &r, &d).cuda_graphs, 28);
	/* 64 sequences: 128, 3 + 16; with 3 speculative tokens 64 x 4 x 2 =
	 * 512 again */
	r.max_num_seqs = 64;
	assert_int_equal(fit(&m, &r, &d).cuda_graphs, 19);
	r.spec_tokens = 3;
	assert_int_equal(fit(&m, &r, &d).cuda_graphs, 51);
	r.spec_tokens = 0;
	/* an MTP layer with no tokens given drafts 1, its n_predict
	 * (SpeculativeConfig: "Default to max value defined in draft model
	 * config"): 64 x 2 x 2 = 256, 3 + 31 + 1; V1 at 0.28 on an H100
	 * rounds them to multiples of 2: 1 and 2 make 2, the rest are even,
	 * 34 */
	m.mtp_layers = 1; /* as a model with one */
	r.mtp_layers = 1;
	assert_int_equal(fit(&m, &r, &d).cuda_graphs, 35);
	strcpy(d.arch, "sm_90");
	r.vllm_version = 28;
	r.vllm_runner = 1;
	assert_int_equal(fit(&m, &r, &d).cuda_graphs, 34);
	r.spec_tokens = 1;
	assert_int_equal(fit(&m, &r, &d).cuda_graphs, 34);
	r.spec_tokens = 0;
	r.mtp_layers = 0;
	r.vllm_version = 0;
	r.vllm_runner = 0;
	d.arch[0] = '\0';
	assert_int_equal(fit(&m, &r, &d).cuda_graphs, 19);
	/* a step of 300 tokens caps 512: 3 + 31 + 3 (256, 272, 288), and
	 * from 0.21 300 itself, off the grid (PR #40734) */
	r.max_num_seqs = 0;
	r.max_batched_tokens = 300;
	assert_int_equal(fit(&m, &r, &d).cuda_graphs, 38);
	r.vllm_version = 20;
	assert_int_equal(fit(&m, &r, &d).cuda_graphs, 37);
	r.vllm_version = 0;
	/* on the grid, nothing added: 256 is 3 + 31 + 1; 3 tokens are 1, 2
	 * and 3 */
	r.max_batched_tokens = 256;
	assert_int_equal(fit(&m, &r, &d).cuda_graphs, 35);
	r.max_batched_tokens = 3;
	assert_int_equal(fit(&m, &r, &d).cuda_graphs, 3);
	r.max_batched_tokens = 0;
	/* gpt-oss sets 1024 itself: 3 + 31 + 49 (256..1024) */
	strcpy(m.model_type, "gpt_oss");
	assert_int_equal(fit(&m, &r, &d).cuda_graphs, 83);
	/* no graphs when eager, nor for another engine */
	r.enforce_eager = true;
	assert_int_equal(fit(&m, &r, &d).cuda_graphs, 0);
	r.enforce_eager = false;
	r.engine = KVP_ENGINE_SGLANG;
	assert_int_equal(fit(&m, &r, &d).cuda_graphs, 0);
}

/* A device of compute capability 10.x captures up to 1024 from 0.28
 * (vllm/config/vllm.py _set_cudagraph_sizes: 1024 where
 * is_device_capability_family(100), PR #49390): 3 + 31 + 49 (256 to
 * 1024) = 83 on a B200 (180 GiB: 1024 sequences, 16384 tokens), so
 * 300,941,312 + 362,496 x 32 x 82 = 1,252,130,816 B.  Before 0.28, or
 * on 9.x, 12.x or an AMD GPU of the same memory, 512: 51. */
static void test_graph_ceiling_by_device(void **state)
{
	static const struct {
		const char *arch;
		uint32_t sizes;
	} cases[] = {{"sm_100", 83}, {"sm_100a", 83}, {"sm_103", 83}, {"sm_103f", 83},
	             {"sm_90", 51}, {"sm_120", 51}, {"sm_121", 51}, {"gfx950", 51},
	             {"", 51}};
	kvp_model m = model(32, 128256, 14336);
	kvp_device d = h100(180ull << 30);
	kvp_request r = vllm();
	kvp_fit f;

	(void)state;
	strcpy(d.name, "b200");
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		strcpy(d.arch, cases[i].arch);
		assert_int_equal(fit(&m, &r, &d).cuda_graphs, cases[i].sizes);
	}
	strcpy(d.arch, "sm_100");
	f = fit(&m, &r, &d);
	assert_int_equal(f.cuda_graph_bytes, 1252130816ull);
	r.vllm_version = 28;
	r.vllm_runner = 1;
	assert_int_equal(fit(&m, &r, &d).cuda_graphs, 83);
	r.vllm_version = 27;
	assert_int_equal(fit(&m, &r, &d).cuda_graphs, 51);
	r.vllm_version = 0;
	r.vllm_runner = 0;
	/* Twice the sequences still bound it: 300 sequences, 600, so 3 +
	 * 31 + 22 (256 to 592) */
	r.max_num_seqs = 300;
	assert_int_equal(fit(&m, &r, &d).cuda_graphs, 56);
	/* and the step: 16384 tokens by default, 700 here, off the grid:
	 * 3 + 31 + 28 (256 to 688) + 700 */
	r.max_num_seqs = 0;
	r.max_batched_tokens = 700;
	assert_int_equal(fit(&m, &r, &d).cuda_graphs, 63);
	/* gpt-oss's own 1024 is the same there */
	r.max_batched_tokens = 0;
	strcpy(m.model_type, "gpt_oss");
	assert_int_equal(fit(&m, &r, &d).cuda_graphs, 83);
}

/* One count of sizes, worked by hand: Llama 3.1 8B's shape on a device of
 * arch with gib GiB (80: 1024 sequences and 8192 tokens by default, 180:
 * 1024 and 16384), and the request's drafted tokens, sequences, tokens,
 * release and runner (0: the defaults). */
struct size_case {
	const char *arch;
	uint64_t gib;
	uint32_t spec, seqs, tokens, version, runner;
	uint32_t sizes;
	const char *why;
};

static void sizes_cases(const struct size_case *c, size_t n, const char *model_type)
{
	kvp_model m = model(32, 128256, 14336);

	strcpy(m.model_type, model_type);
	for (size_t i = 0; i < n; i++) {
		kvp_device d = h100(c[i].gib << 30);
		kvp_request r = vllm();
		uint32_t got;

		strcpy(d.arch, c[i].arch);
		r.spec_tokens = c[i].spec;
		r.max_num_seqs = c[i].seqs;
		r.max_batched_tokens = c[i].tokens;
		r.vllm_version = c[i].version;
		r.vllm_runner = c[i].runner;
		if ((got = fit(&m, &r, &d).cuda_graphs) != c[i].sizes)
			fail_msg("%s: %u sizes, not %u", c[i].why, got, c[i].sizes);
	}
}

/* From 0.29 a speculative request adds its uniform decode sizes
 * (vllm/config/vllm.py _set_cudagraph_sizes, read at 000fc94b; PRs #50488
 * and #54418): n x (1 + k) for n in 1, 2, 4, every 8th to 255, every 16th
 * from 256 and max_num_seqs itself, each up to the platform's ceiling,
 * kept within the largest size; those off the grid are new sizes. */
static void test_uniform_decode_sizes(void **state)
{
	static const struct size_case cases[] = {
		{"", 80, 2, 0, 0, 0, 0, 60,
		 "q = 3: the largest min(1024 x 3 x 2, 512) = 512, 51 sizes; the"
		 " counts up to 512 / 3 give 3, 6, 12 and 24 x 11, 13, ..., 21"
		 " (264 to 504, off the 16s)"},
		{"", 80, 2, 0, 0, 28, 1, 51, "not before 0.29"},
		{"", 80, 4, 0, 0, 0, 0, 57,
		 "q = 5: 5, 10, 20, and 40 x 7, 9, 11 (280, 360, 440)"},
		{"", 80, 3, 0, 0, 0, 0, 51, "q = 4: every 4n of the counts is on the grid"},
		{"", 80, 2, 20, 0, 0, 0, 22,
		 "20 sequences: the largest 120, 3 + 15 sizes; the counts 1, 2, 4,"
		 " 8, 16 and 20 itself give 3, 6, 12, 24, 48 and 60, of which 3, 6,"
		 " 12 and 60 are new"},
		{"", 80, 2, 0, 300, 0, 0, 42,
		 "a step of 300 tokens: 3 + 31 + 3 and 300; 3, 6, 12 and 264"},
		{"", 80, 2, 0, 264, 0, 0, 39,
		 "a step of 264, off the grid, is 88 x 3: captured once, 3 + 31 +"
		 " 1 + 264, then 3, 6 and 12"},
		{"sm_100", 180, 2, 0, 0, 0, 0, 97,
		 "a B200 (ceiling 1024): 83, and up to 1024 / 3: 3, 6, 12 and 24 x"
		 " 11, 13, ..., 31; 48 x 16..21 (768 to 1008) are on the grid"},
	};
	static const struct size_case own_top[] = {
		{"sm_100", 180, 2, 0, 0, 0, 0, 83, "gpt-oss's own top, 1024: no uniform sizes"},
	};
	kvp_model m = model(32, 128256, 14336);
	kvp_device d = h100(80ull << 30);
	kvp_request r = vllm();
	kvp_fit f;

	(void)state;
	sizes_cases(cases, sizeof cases / sizeof *cases, "");
	sizes_cases(own_top, 1, "gpt_oss");
	/* the first case's bytes: 300,941,312 + 362,496 x 32 x 59 */
	r.spec_tokens = 2;
	f = fit(&m, &r, &d);
	assert_int_equal(f.cuda_graph_bytes, 985333760ull);
}

/* vLLM's V1 runner, with tokens drafted and its decode graphs FULL (as
 * FlashAttention keeps them on compute capability 8.x, 9.x and 12.x),
 * rounds every size up to a multiple of q = 1 + k, drops those past the
 * largest, and keeps each once (CompilationConfig.
 * adjust_cudagraph_sizes_for_spec_decode, from 0.12). */
static void test_v1_rounds_for_spec_decode(void **state)
{
	static const struct size_case cases[] = {
		{"sm_90", 80, 2, 0, 0, 28, 1, 49,
		 "q = 3, 0.28's 51 sizes to 512: 1 and 2 make 3, 4 makes 6, 8 to"
		 " 248 make 9 to 249 (31), 256 to 496 make 258 to 498 (16), and"
		 " 512 makes 513, past 512"},
		{"sm_90", 80, 3, 0, 0, 28, 1, 49,
		 "q = 4: 1, 2 and 4 make 4; the rest are multiples of 4"},
		{"sm_90", 80, 2, 0, 0, 0, 1, 56,
		 "from 0.29 the uniform sizes join first: q = 3's 12, 264, 312,"
		 " 360, 408, 456 and 504 are multiples of 3 no other size rounds"
		 " to (3 and 6 are): 49 + 7"},
		{"sm_90", 80, 2, 1, 0, 28, 1, 1,
		 "one sequence: the largest 6, so 1, 2 and 4 are captured, and"
		 " round to 3 (4 makes 6, past 4)"},
		{"sm_90", 80, 2, 0, 0, 11, 1, 51, "not before 0.12"},
		{"sm_90", 80, 2, 0, 0, 28, 2, 51, "nor under V2"},
		{"sm_90", 80, 0, 0, 0, 28, 1, 51, "nor without drafted tokens"},
		{"sm_80", 80, 2, 0, 0, 28, 1, 49, "an A100 runs FlashAttention too"},
		{"sm_120", 80, 2, 0, 0, 28, 1, 49, "and an RTX 5090"},
		{"sm_100", 80, 2, 0, 0, 28, 1, 83,
		 "not on 10.x (FlashInfer: downloaded kernels): its 1,024"
		 " ceiling's 83 sizes as they are"},
		{"gfx942", 80, 2, 0, 0, 28, 1, 51, "nor on an AMD GPU"},
		{"", 80, 2, 0, 0, 28, 1, 51, "nor on an arch not given"},
	};
	kvp_model m = model(32, 128256, 14336);
	kvp_device d = h100(80ull << 30);
	kvp_request r = vllm();

	(void)state;
	sizes_cases(cases, sizeof cases / sizeof *cases, "");
	/* sliding layers beside full ones round (FlashAttention); chunked
	 * layers (NEVER, then UNIFORM_BATCH, the release not established)
	 * do not; MLA layers round on 9.x (FLASH_ATTN_MLA, FLASHMLA:
	 * UNIFORM_BATCH), not on 10.x (CUTLASS_MLA or FLASHINFER_MLA, by
	 * release: 0.28's 1,024 ceiling's 83 sizes as they are) nor on 8.x
	 * (TRITON_MLA, by release) */
	strcpy(d.arch, "sm_90");
	r.vllm_runner = 1;
	r.vllm_version = 28;
	r.spec_tokens = 2;
	with_layers(&m, "sliding,full", 0);
	assert_int_equal(fit(&m, &r, &d).cuda_graphs, 49);
	m = model(32, 128256, 14336);
	with_layers(&m, "chunked*3,full", 0);
	assert_int_equal(fit(&m, &r, &d).cuda_graphs, 51);
	m = model(32, 128256, 14336);
	with_layers(&m, NULL, 1);
	assert_int_equal(fit(&m, &r, &d).cuda_graphs, 49);
	strcpy(d.arch, "sm_100");
	assert_int_equal(fit(&m, &r, &d).cuda_graphs, 83);
	strcpy(d.arch, "sm_80");
	assert_int_equal(fit(&m, &r, &d).cuda_graphs, 51);
}

/* Llama 3.1 8B's 32 layers on an H100, 51 sizes: 287 MiB + 354 KiB x 32
 * x 50 = 300,941,312 + 579,993,600 = 880,934,912 B, beside the profile
 * run's, the forward's 963,012,198 B and 256 MiB (the V2 runner's
 * sampler, 264,216,576 B, below it; test_footprint.c); the budget is that much
 * smaller than under --enforce-eager.  v0.19 logs it but takes nothing;
 * its default share was 0.90, 0.92 since. */
static void test_graph_bytes_by_hand(void **state)
{
	kvp_model m = model(32, 128256, 14336);
	kvp_device d = h100(80ull << 30);
	kvp_request r = vllm();
	kvp_fit f, eager, old;

	(void)state;
	f = fit(&m, &r, &d);
	assert_int_equal(f.cuda_graph_bytes, 880934912ull);
	assert_int_equal(f.footprint.activations, 963012198ull);
	assert_int_equal(f.footprint.runtime, 268435456 + 880934912ull);
	assert_true(f.mem_util == 0.92);
	r.enforce_eager = true;
	eager = fit(&m, &r, &d);
	assert_int_equal(eager.cuda_graph_bytes, 0);
	assert_int_equal(eager.footprint.activations, 963012198ull);
	assert_int_equal(eager.footprint.runtime, 268435456);
	assert_int_equal(eager.budget_bytes - f.budget_bytes, 880934912ull);
	r.enforce_eager = false;
	r.vllm_version = 19;
	old = fit(&m, &r, &d);
	assert_int_equal(old.cuda_graph_bytes, 0);
	assert_int_equal(old.cuda_graphs, 51);
	assert_true(old.mem_util == 0.90);
	r.vllm_version = 20;
	assert_int_equal(fit(&m, &r, &d).cuda_graph_bytes, 880934912ull);
	/* The V2 model runner, a dense model's default from 0.25, took
	 * nothing for its graphs before 0.29 (profile_cudagraph_memory
	 * returned 0, issue #49224; PR #53306): the budget is the eager
	 * one, though the 51 sizes are still captured.  V1 kept its
	 * estimate, and so did a mixture of experts, which ran V1 until
	 * 0.29. */
	r.vllm_version = 25;
	f = fit(&m, &r, &d);
	assert_int_equal(f.cuda_graph_bytes, 0);
	assert_int_equal(f.cuda_graphs, 51);
	assert_int_equal(f.footprint.activations, 963012198ull);
	assert_int_equal(f.footprint.runtime, 268435456);
	assert_int_equal(f.budget_bytes, eager.budget_bytes);
	r.vllm_version = 28;
	assert_int_equal(fit(&m, &r, &d).cuda_graph_bytes, 0);
	r.vllm_runner = 1;
	assert_int_equal(fit(&m, &r, &d).cuda_graph_bytes, 880934912ull);
	r.vllm_runner = 0;
	{
		kvp_model moe = m;

		moe.moe_experts = 8;
		moe.moe_top_k = 2;
		assert_int_equal(fit(&moe, &r, &d).cuda_graph_bytes, 880934912ull);
	}
	/* V2 asked for at 0.22, before it was anyone's default: nothing */
	r.vllm_version = 22;
	r.vllm_runner = 2;
	assert_int_equal(fit(&m, &r, &d).cuda_graph_bytes, 0);
	/* 0.29 on, under V2 too */
	r.vllm_version = 29;
	assert_int_equal(fit(&m, &r, &d).cuda_graph_bytes, 880934912ull);
	r.vllm_runner = 0;
	r.vllm_version = 20;
	/* 4 sequences, 4 sizes: 300,941,312 + 362,496 x 32 x 3 */
	r.max_num_seqs = 4;
	assert_int_equal(fit(&m, &r, &d).cuda_graph_bytes, 335740928ull);
	/* Two stages of 16 layers: 300,941,312 + 362,496 x 16 x 50 */
	r.max_num_seqs = 0;
	r.pp = 2;
	assert_int_equal(fit(&m, &r, &d).cuda_graph_bytes, 590938112ull);
	/* Without --profile-memory, nothing is modelled. */
	r.pp = 1;
	r.profile_memory = false;
	f = fit(&m, &r, &d);
	assert_int_equal(f.cuda_graph_bytes, 0);
	assert_int_equal(f.footprint.activations, 0);
}

/* The estimate against the v0.19.0 startups it was not fitted on (H100,
 * 8192 batched tokens, 1024 sequences; github jgchn/llm-d-planner @
 * 56dc5b76 accuracy/results/v0.19.0/logs/, the file named in each row,
 * "Estimated CUDA graph memory: X GiB total"; doc/vllm-graph-logs.csv):
 * the third held out of the profile model too.  Layers are those on a
 * rank; gpt-oss captures up to 1024. */
static const struct held_out {
	const char *log;
	uint32_t layers, tp;
	bool gpt_oss;
	double estimated_gib;
} held_out[] = {
	{"fp8dyn-llama-3-3-70b--h100-80gb--tp2pp1dp1--8192.log", 80, 2, false, 1.82},
	{"google-gemma-2-27b-it--h100-80gb--tp1pp1dp1--8192.log", 46, 1, false, 1.13},
	{"google-gemma-3-12b-it--h100-80gb--tp1pp1dp1--8192.log", 48, 1, false, 1.02},
	{"google-gemma-7b--h100-80gb--tp1pp1dp1--8192.log", 28, 1, false, 0.84},
	{"ibm-granite-granite-3-3---h100-80gb--tp1pp1dp1--8192.log", 40, 1, false, 0.74},
	{"meta-llama-llama-3--h100-80gb--tp1pp1dp1--8192-dtf32.log", 32, 1, false, 0.80},
	{"meta-llama-llama-3-1-8b---h100-80gb--tp2pp1dp1--8192.log", 32, 2, false, 1.69},
	{"microsoft-phi-2--h100-80gb--tp1pp1dp1--2048.log", 32, 1, false, 0.55},
	{"mistralai-mixtral-8x7b-i--h100-80gb--tp2pp1dp1--8192.log", 32, 2, false, 0.82},
	{"openai-gpt-oss-20b--h100-80gb--tp1pp1dp1--8192.FAILED.log", 24, 1, true, 1.30},
	{"qwen-qwen1-5-moe-a2-7b--h100-80gb--tp1pp1dp1--8192.log", 24, 1, false, 0.82},
	{"qwen-qwen2-5-7b-instruct--h100-80gb--tp2pp1dp1--8192.log", 28, 2, false, 0.61},
	{"qwen-qwen3-8b--h100-80gb--tp1pp1dp1--8192.log", 36, 1, false, 0.84},
	{"w8a8-mistral-small-24b--h100-80gb--tp1pp1dp1--8192.log", 40, 1, false, 1.04},
	{"w8a8-redhatai-qwen2-5-7b--h100-80gb--tp1pp1dp1--8192.log", 28, 1, false, 0.81},
};

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Each within 0.9 GiB (the worst, 0.87, a startup whose second capture
 * grew the pool: it estimated 1.69 GiB and captured 0.76), the median
 * within 0.1 GiB. */
static void test_graph_logs(void **state)
{
	const size_t n = sizeof held_out / sizeof held_out[0];
	double errors[sizeof held_out / sizeof held_out[0]];
	kvp_device d = h100((uint64_t)(79.19 * GIB));

	(void)state;
	for (size_t i = 0; i < n; i++) {
		const struct held_out *h = &held_out[i];
		kvp_model m = model(h->layers, 128256, 14336);
		kvp_request r = vllm();
		kvp_fit f;
		double got, e;

		if (h->gpt_oss)
			strcpy(m.model_type, "gpt_oss");
		/* The heads divide by any of these ranks. */
		r.tp = h->tp;
		r.mem_util = 0.95;
		f = fit(&m, &r, &d);
		got = (double)f.cuda_graph_bytes / GIB;
		e = got - h->estimated_gib;
		if (e > 0.9 || e < -0.9)
			fail_msg("%s: %.2f GiB modelled, %.2f logged", h->log, got,
			         h->estimated_gib);
		errors[i] = e < 0 ? -e : e;
	}
	qsort(errors, n, sizeof *errors, by_value);
	assert_true(errors[n / 2] < 0.1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_graph_sizes),
		cmocka_unit_test(test_graph_ceiling_by_device),
		cmocka_unit_test(test_uniform_decode_sizes),
		cmocka_unit_test(test_v1_rounds_for_spec_decode),
		cmocka_unit_test(test_graph_bytes_by_hand),
		cmocka_unit_test(test_graph_logs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
