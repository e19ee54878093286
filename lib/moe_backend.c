/*
 * moe_backend.c — vLLM's workspace manager's asks: the kernel vLLM runs a
 * mixture of experts' routed experts with (its --moe-backend) and the
 * fused-MoE workspace that kernel leaves held after the profile run
 * (kvp_plan moe_backend, moe_workspace_row_bytes), and a sparse MLA
 * model's other asks of the same buffer (sparse_workspace_bytes);
 * vllm_profile.c adds the larger to the run's peak.
 *
 * vLLM's FusedMoEModularKernel (model_executor/layers/fused_moe/
 * modular_kernel.py _allocate_buffers) takes workspace13, workspace2 and
 * its output from the WorkspaceManager (v1/worker/workspace.py, PR
 * #27532, 0.14: one buffer a micro-batch, grown to the largest ask,
 * never freed), so what the profile forward asked for is still held when
 * the dummy sampler runs.  workspace13 shares the output's memory (PR
 * #31531, 0.15; in 0.14 wherever one chunk held the step, as every step
 * to VLLM_FUSED_MOE_CHUNK_SIZE's 16,384 tokens did; chunks gone from PR
 * #34086).  Each experts class's workspace_shapes, with N = 2I for a
 * gated activation (I for relu2, Nemotron-H's), I an expert's inner size
 * on the rank, K the hidden size, k the top-k, M the batched tokens, in
 * the activations' type (2 B; 4 B for fp32 weights):
 *  - TritonExperts: (M, k, max(N / 2, K)), (M, k, max(N, K)), (M, K);
 *    MarlinExperts and CutlassExpertsFp8 ask for the same bytes in
 *    other shapes;
 *  - DeepGemmExperts: rows M_sum = round_up(M k + E (block_m - 1),
 *    block_m), block_m 128, E the rank's experts: (M_sum, max(N / 2, K)),
 *    (M_sum, max(N, K)), (M, K);
 *  - FlashInferExperts (CUTLASS): the output (M, K) alone, its own
 *    scratch inside FlashInfer's call;
 *  - the monolithic kernels (FlashInfer's TRT-LLM, gpt-oss's OpenAI
 *    Triton) and the formats' non-modular paths (GGUF, Marlin's
 *    fused_marlin_moe before each format moved): each call's tensors,
 *    freed.
 * Research, read through the code index and PR threads, not at tags:
 * /work/research/vllm-moe-workspace.md, vllm-fp8-moe-experts.md,
 * vllm-quant-moe-workspace.md.
 */
#include <string.h>
#include <strings.h>

#include "engine.h"
#include "internal.h"

/* Nemotron-H's relu2 experts (one shard, not gated) and gpt-oss's. */
static const char *const relu2[] = {"nemotron_h"}, *const oai[] = {"gpt_oss"};

static const char *const names[KVP_MOE_BACKEND_COUNT] = {
	"auto", "triton", "deep_gemm", "cutlass", "flashinfer_cutlass",
	"flashinfer_trtllm", "marlin", "none"};

const char *kvp_moe_backend_name(kvp_moe_backend backend)
{
	return (unsigned)backend < KVP_MOE_BACKEND_COUNT ? names[backend] : "unknown";
}

kvp_status kvp_moe_backend_from_name(const char *name, kvp_moe_backend *out, kvp_error *err)
{
	/* vLLM's others (config/kernel.py MoEBackend, 0.20 to 0.27) */
	static const char *const unmodelled[] = {
		"deep_gemm_mega_moe", "flashinfer_cutedsl", "flashinfer_b12x", "humming",
		"triton_unfused", "aiter", "emulation", "sm70_skinny"};
	char quoted[KVP_QUOTE_MAX];

	if (!name || !out)
		return kvp__error(err, KVP_ERR_INVALID, "no MoE backend given");
	for (int b = 0; b < KVP_MOE_NONE; b++)
		if (strcasecmp(name, names[b]) == 0) {
			*out = (kvp_moe_backend)b;
			return kvp__error_clear(err);
		}
	for (size_t u = 0; u < sizeof unmodelled / sizeof unmodelled[0]; u++)
		if (strcasecmp(name, unmodelled[u]) == 0)
			return kvp__error(err, KVP_ERR_NOT_FOUND,
			                  "MoE backend '%s' is vLLM's, but its workspace is not"
			                  " modelled (modelled: auto, triton, deep_gemm, cutlass,"
			                  " flashinfer_cutlass, flashinfer_trtllm, marlin)",
			                  kvp_escape(name, quoted, sizeof quoted));
	return kvp__error(err, KVP_ERR_NOT_FOUND,
	                  "unknown MoE backend '%s' (valid: auto, triton, deep_gemm, cutlass,"
	                  " flashinfer_cutlass, flashinfer_trtllm, marlin)",
	                  kvp_escape(name, quoted, sizeof quoted));
}

static bool is_moe(const kvp_model *m)
{
	return m && m->moe_top_k && m->moe_intermediate && m->hidden &&
	       (m->moe_experts || m->moe_routed_experts);
}

/* vLLM's own choice for model m on compute capability sm (0: no device
 * known, taken as an H100's 90; AMD's, amd).  By the weights' format:
 *  - GGUF: _fused_moe_gguf, each call's (out of tree from PR #39612,
 *    0.23; the plugin's alike): none.
 *  - gpt-oss's MXFP4: OpenAI's Triton kernel, monolithic, on Hopper;
 *    FlashInfer's TRT-LLM one on 10.x: none; on 8.x (Ampere, Ada) and
 *    12.x Marlin's experts from 0.17 (PR #34588, merged in the week to
 *    2026-02-20), its inner size padded to 128 and hidden to 256
 *    (quantization/mxfp4.py create_weights; research:
 *    /work/research/vllm-mxfp4-padding.md).  Another MXFP4 model:
 *    Marlin from 0.19.
 *  - NVFP4: on Blackwell (10.x) FlashInfer's TRT-LLM kernel, monolithic;
 *    on 12.x taken as FlashInfer's CUTLASS (not read); below, Marlin's
 *    fallback from 0.15 (PR #31692).
 *  - AWQ and GPTQ int4: fused_marlin_moe called whole, each call's
 *    tensors, until GPTQ moved onto MarlinExperts (PR #37990, merged in
 *    the week to 2026-04-24: 0.20) and AWQ (PR #42483, week to
 *    2026-05-22: 0.22, whose release was 2026-05-30).
 *  - compressed-tensors' W4A16: Marlin's experts in the modular kernel
 *    from PR #42553 (the WNA16 oracle, fused_moe/oracle/wna16.py, in
 *    review 2026-05-13: taken as 0.23), FlashInfer's TRT-LLM MXINT4
 *    kernel (monolithic: none) for groups of 32 on 10.x, gpt-oss's
 *    activation and no expert parallelism; before, fused_marlin_moe called whole, or moe_wna16's
 *    Triton where Marlin's shapes fail, and ROCm's Triton: none.  W8A8
 *    int8: TritonExperts from PR #39187 (CT W8A8 to the oracle structure,
 *    opened 2026-04-07: taken as 0.21), fused_experts called whole
 *    before: none.  W8A16 (a channel): Marlin's experts through the
 *    same oracle (CompressedTensorsWNA16MarlinMoEMethod calls
 *    select_wna16_moe_backend for 8 bits too, in the code read at
 *    0043d6b5); the oracle's first form returned none for 8 bits
 *    ("8-bit weights are not supported by the modular Marlin kernel"),
 *    a form not pinned to a release: taken as W4A16's 0.23, fused_
 *    marlin_moe called whole before.  (Research: /work/research/vllm-ct-
 *    int-kernels.md, vllm-w8a16.md, review-w8a16.md.)
 *  - fp8: on Hopper FlashInfer's CUTLASS in 0.15 and 0.16 (after PR
 *    #32414) and with expert parallelism from 0.17; otherwise Triton
 *    ("On Hopper for Block Fp8, prefer Triton for TP", oracle/fp8.py
 *    _get_priority_backends, from PR #34260, inferred 0.17).  Before
 *    0.15 DeepGEMM's where installed, which kvplan does not know:
 *    Triton's, the smaller.  A per-tensor fp8 checkpoint with static
 *    activation scales runs FlashInfer's CUTLASS there too: kvplan's fp8
 *    does not tell it from a block one.
 *  - 32 bits, and 16 before 0.20: Triton (oracle/unquantized.py);
 *    16 bits from 0.20 below.  A plain type no kernel was read for
 *    (int8): none. */
static kvp_moe_backend vllm_auto(const kvp_model *m, const kvp_request *r, uint32_t sm,
                                 bool amd)
{
	uint32_t major = amd ? 0 : (sm ? sm : 90) / 10;
	kvp_dtype w = r->weights_dtype;

	if (!kvp__vllm_since(r, 14))
		return KVP_MOE_NONE;
	switch (r->weights_format.kind) {
	case KVP_WFORMAT_GGUF:
		return KVP_MOE_NONE;
	case KVP_WFORMAT_MXFP4:
		if (kvp__model_type_in(m, oai, 1))
			return (major == 8 || major == 12) && kvp__vllm_since(r, 17) ? KVP_MOE_MARLIN
			                                                              : KVP_MOE_NONE;
		return kvp__vllm_since(r, 19) ? KVP_MOE_MARLIN : KVP_MOE_NONE;
	case KVP_WFORMAT_NVFP4:
		if (major == 10)
			return KVP_MOE_FLASHINFER_TRTLLM;
		if (major == 12)
			return KVP_MOE_FLASHINFER_CUTLASS;
		return kvp__vllm_since(r, 15) ? KVP_MOE_MARLIN : KVP_MOE_NONE;
	case KVP_WFORMAT_AWQ:
		return kvp__vllm_since(r, 22) ? KVP_MOE_MARLIN : KVP_MOE_NONE;
	case KVP_WFORMAT_GPTQ:
		return kvp__vllm_since(r, 20) ? KVP_MOE_MARLIN : KVP_MOE_NONE;
	case KVP_WFORMAT_W4A16:
		if (!kvp__vllm_since(r, 23) || amd)
			return KVP_MOE_NONE;
		/* FlashInfer's TRT-LLM MXINT4 kernel first, for groups of 32
		 * on 10.x alone, gpt-oss's swigluoai activation and no expert
		 * map (TrtLlmMxint4ExpertsMonolithic: _supports_activation,
		 * supports_expert_map) */
		return major == 10 && r->weights_format.group == 32 &&
		       kvp__model_type_in(m, oai, 1) && !r->expert_parallel
		       ? KVP_MOE_FLASHINFER_TRTLLM : KVP_MOE_MARLIN;
	case KVP_WFORMAT_W8A8:
		return kvp__vllm_since(r, 21) ? KVP_MOE_TRITON : KVP_MOE_NONE;
	case KVP_WFORMAT_W8A16:
		return kvp__vllm_since(r, 23) && !amd ? KVP_MOE_MARLIN : KVP_MOE_NONE;
	case KVP_WFORMAT_FP8:
		w = KVP_DTYPE_FP8;
		break;
	case KVP_WFORMAT_PLAIN:
		break;
	}
	/* gpt-oss's own kernel whatever its weights are said to be */
	if (kvp__model_type_in(m, oai, 1))
		return KVP_MOE_NONE;
	if (w == KVP_DTYPE_FP8)
		return major == 9 && ((kvp__vllm_since(r, 15) && !kvp__vllm_since(r, 17)) ||
		                      (r->expert_parallel && kvp__vllm_since(r, 17) &&
		                       (uint64_t)(r->tp ? r->tp : 1) * (r->dp ? r->dp : 1) > 1))
		       ? KVP_MOE_FLASHINFER_CUTLASS : KVP_MOE_TRITON;
	if (w == KVP_DTYPE_FP32)
		return KVP_MOE_TRITON;
	if (w != KVP_DTYPE_FP16 && w != KVP_DTYPE_BF16)
		return KVP_MOE_NONE;
	/* 16 bits from 0.20 (PR #36286): FlashInfer's TRT-LLM kernel first,
	 * which takes Blackwell's gated experts alone, then its CUTLASS one
	 * (Hopper's until PR #44220 put Triton first there, 0.23), then
	 * Triton, the only one on Ampere and Ada; with dp > 1 on Hopper
	 * Triton (the TRT-LLM kernel stays first on Blackwell). */
	if (!kvp__vllm_since(r, 20) || (major == 9 && r->dp > 1) || (major != 9 && major != 10))
		return KVP_MOE_TRITON;
	if (major == 10)
		return kvp__model_type_in(m, relu2, 1) && !kvp__vllm_since(r, 24)
		       ? KVP_MOE_FLASHINFER_CUTLASS : KVP_MOE_FLASHINFER_TRTLLM;
	return kvp__vllm_since(r, 23) ? KVP_MOE_TRITON : KVP_MOE_FLASHINFER_CUTLASS;
}

bool kvp__gpt_oss(const kvp_model *m)
{
	return kvp__model_type_in(m, oai, 1);
}

kvp_moe_backend kvp__vllm_moe_backend(const kvp_model *m, const kvp_request *r,
                                      const kvp_device *d)
{
	if (!r || r->engine != KVP_ENGINE_VLLM || !is_moe(m))
		return KVP_MOE_AUTO;
	/* no workspace manager before 0.14, whatever is asked */
	if (!kvp__vllm_since(r, 14))
		return KVP_MOE_NONE;
	/* compressed-tensors' integer experts read --moe-backend from their
	 * oracles alone (W4A16's and W8A16's from 0.23, W8A8's from 0.21):
	 * before, the name asked is ignored */
	if (r->moe_backend != KVP_MOE_AUTO &&
	    !(kvp__wna16(&r->weights_format) && !kvp__vllm_since(r, 23)) &&
	    !(r->weights_format.kind == KVP_WFORMAT_W8A8 && !kvp__vllm_since(r, 21)))
		return r->moe_backend;
	return vllm_auto(m, r, d ? kvp__device_sm(d) : 0, d && kvp__device_amd(d));
}

static uint64_t sat(unsigned __int128 x)
{
	return x > UINT64_MAX ? UINT64_MAX : (uint64_t)x;
}

uint64_t kvp__round_to(unsigned __int128 x, uint64_t to)
{
	return sat((x + to - 1) / to * to);
}

bool kvp__relu2_experts(const kvp_model *m)
{
	return kvp__model_type_in(m, relu2, 1);
}

uint64_t kvp__expert_params(const kvp_model *m)
{
	uint64_t width = m->moe_latent ? m->moe_latent : m->hidden;

	return (kvp__relu2_experts(m) ? 2 : 3) * width * (uint64_t)m->moe_intermediate;
}

uint64_t kvp__routed_layers(const kvp_model *m, uint64_t x)
{
	uint64_t n = 0;

	if (m->moe_experts)
		return kvp__expert_layers(m, 0, x);
	if (!kvp__relu2_experts(m))
		return x;
	for (uint32_t i = 0; i < x && i < m->layers; i++)
		n += kvp_model_layer_kind(m, i) == KVP_LAYER_NONE;
	return n;
}

void kvp__vllm_plan_moe(const kvp_model *m, kvp_plan *p)
{
	const kvp_request *r = &p->request;
	uint64_t k, K, I, N, ranks, dp, experts;
	unsigned __int128 row;
	uint32_t b;

	p->moe_workspace_row_bytes = p->moe_pad_rows = 0;
	p->moe_top_k = 0;
	p->moe_backend = kvp__vllm_moe_backend(m, r, NULL);
	if (p->moe_backend == KVP_MOE_AUTO || p->moe_backend == KVP_MOE_NONE ||
	    p->moe_backend == KVP_MOE_FLASHINFER_TRTLLM)
		return;
	/* a latent expert's input, Nemotron 3 Super's (NemotronHMoE builds
	 * its FusedMoE of hidden_size moe_latent_size) */
	k = m->moe_top_k, K = m->moe_latent ? m->moe_latent : m->hidden, I = m->moe_intermediate;
	dp = r->dp ? r->dp : 1;
	ranks = (uint64_t)(r->tp ? r->tp : 1) * dp;
	experts = m->moe_routed_experts ? m->moe_routed_experts : m->moe_experts;
	/* The inner size is split over tp x dp ranks but under expert
	 * parallelism (lib/parallel.c), which splits the experts; with
	 * dp > 1 each rank's experts take every dp rank's tokens (the
	 * all-gather dispatch: inferred, not read). */
	if (!r->expert_parallel && ranks > 1)
		I = I / ranks ? I / ranks : 1;
	if (r->expert_parallel)
		experts = experts / ranks + (experts % ranks != 0);
	/* Marlin's MXFP4 on Ampere pads (gpt-oss) */
	if (p->moe_backend == KVP_MOE_MARLIN && kvp__model_type_in(m, oai, 1))
		I = kvp__round_to(I, 128), K = kvp__round_to(K, 256);
	/* relu2's one shard: Triton's and DeepGEMM's shapes follow the
	 * activation, MarlinExperts' reserve 2I whatever it is */
	N = kvp__model_type_in(m, relu2, 1) && p->moe_backend != KVP_MOE_MARLIN ? I : 2 * I;
	b = r->weights_dtype == KVP_DTYPE_FP32 ? 4 : 2;
	switch (p->moe_backend) {
	case KVP_MOE_FLASHINFER_CUTLASS:
		row = (unsigned __int128)K * b;
		break;
	case KVP_MOE_DEEP_GEMM:
		/* a permuted row's, k of them a token; the output (M, K)
		 * fits in workspace13's M_sum >= M rows of max(I, K) */
		row = (unsigned __int128)k * ((I > K ? I : K) + (N > K ? N : K)) * b;
		p->moe_top_k = (uint32_t)k;
		p->moe_pad_rows = experts * 127;
		break;
	default: {
		unsigned __int128 a = (unsigned __int128)k * (I > K ? I : K);

		row = ((a > K ? a : K) + (unsigned __int128)k * (N > K ? N : K)) * b;
		break;
	}
	}
	p->moe_workspace_row_bytes = sat(row * dp);
}

uint64_t kvp__vllm_moe_bytes(const kvp_plan *p, uint64_t tokens)
{
	uint64_t dp = p->request.dp ? p->request.dp : 1, rows, per_row;

	if (p->moe_backend != KVP_MOE_DEEP_GEMM || !p->moe_top_k)
		return sat((unsigned __int128)tokens * p->moe_workspace_row_bytes);
	/* DeepGEMM's rows: every dp rank's tokens' k rows, each expert's
	 * block_m - 1 more, rounded up to block_m (deep_gemm_moe.py
	 * compute_aligned_M), of the row's bytes */
	per_row = p->moe_workspace_row_bytes / dp / p->moe_top_k;
	rows = kvp__round_to((unsigned __int128)tokens * dp * p->moe_top_k + p->moe_pad_rows, 128);
	return rows == UINT64_MAX ? UINT64_MAX : sat((unsigned __int128)rows * per_row);
}

/* A sparse MLA model's other asks of vLLM's workspace manager (kvp_plan
 * sparse_workspace_bytes), whose buffer is grown to the largest ask and
 * kept: the indexer's (model_executor/layers/sparse_attn_indexer.py
 * sparse_attn_indexer, in the profile run: (T, index_head_dim) fp8, (T,
 * 4) for the scales and RADIX_TOPK_WORKSPACE_SIZE's 1 MiB, T =
 * attention/backends/mla/indexer.py get_max_prefill_buffer_size's 40 x
 * max_model_len), and with an fp8_ds_mla cache FlashMLA-sparse's
 * (flashmla_sparse.py FlashMLASparseImpl.__init__: (5 x max_model_len,
 * 576) bf16, get_prefill_workspace_size), which it asks for at model
 * init, so vLLM's log counts it in the load's figure, the profile's
 * peak only what the larger asks add: the cache's budget is the same.
 * Each ask is rounded up to 256 B (workspace.py get_simultaneous).  Taken
 * from 0.14, the manager's release (PR #27532, whose sparse prefill
 * kernel for fp8 is this buffer's user); an earlier indexer took 2 x
 * max_model_len rows, whose release was not established.  SM 12.x's
 * backend, whose impl was not read, is taken as asking FlashMLA's.  Not
 * followed: the MTP drafter's own lane of the manager. */
void kvp__vllm_plan_sparse(const kvp_model *m, kvp_plan *p)
{
	const kvp_request *r = &p->request;
	unsigned __int128 rows;
	uint64_t indexer, flash = 0;

	p->sparse_workspace_bytes = 0;
	if (r->engine != KVP_ENGINE_VLLM || !kvp__vllm_since(r, 14) || !m->index_head_dim ||
	    !kvp__sparse_mla(m) || r->mla != KVP_MLA_LATENT ||
	    !kvp_model_count_layers(m, KVP_LAYER_MLA))
		return;
	rows = (unsigned __int128)40 * r->seq;
	if (!kvp__add(kvp__round_to(rows * m->index_head_dim, 256), kvp__round_to(rows * 4, 256), &indexer) ||
	    !kvp__add(indexer, (uint64_t)1 << 20, &indexer))
		indexer = UINT64_MAX;
	if (r->dtype_k == KVP_DTYPE_FP8_DS_MLA)
		flash = kvp__round_to((unsigned __int128)5 * r->seq *
		                 ((uint64_t)m->kv_lora_rank + m->qk_rope_dim) * 2, 256);
	p->sparse_workspace_bytes = indexer > flash ? indexer : flash;
}

