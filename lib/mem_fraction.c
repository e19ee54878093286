/*
 * mem_fraction.c — the share of a device's memory an engine takes when it
 * is not told (a request's mem_util of 0): vLLM's gpu_memory_utilization
 * 0.92 (0.90 before 0.20), TensorRT-LLM's free_gpu_memory_fraction 0.9,
 * and SGLang's mem_fraction_static, which SGLang works out from the device's memory,
 * the parallel layout and what it reserves for activations and CUDA graphs
 * (the model's in whether it takes prefill CUDA graphs, and a multimodal
 * model's vision encoder).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "internal.h"

/* SGLang's defaults by the device's memory in MiB (gpu_mem, what
 * nvidia-smi calls memory.total): chunked_prefill_size and the largest
 * decode CUDA graph (cuda_graph_max_bs).  Since 0.5.20,
 * python/sglang/srt/arg_groups/memory_hook.py handle_gpu_memory_settings
 * (main of 2026-09 to 11, 031ed82d): the tier of 20 to 35 GiB takes 4096
 * and 48 or 160 (PR #37898, merged 2026-09-04); before it,
 * server_args.py ServerArgs._handle_gpu_memory_settings (v0.5.x, main at
 * 02236fa38) 2048 and 24 or 80.  The other tiers are the same in both. */
static void sglang_defaults(const kvp_request *r, double gpu_mem, double *chunked,
                            double *max_bs)
{
	bool small_tp = r->tp < 4;

	if (gpu_mem < 20 * 1024) {         /* T4, 4080 */
		*chunked = 2048;
		*max_bs = 8;
	} else if (gpu_mem < 35 * 1024) {  /* A10, 4090, 5090 */
		bool since = kvp__sglang_since(r, 520);

		*chunked = since ? 4096 : 2048;
		*max_bs = since ? (small_tp ? 48 : 160) : (small_tp ? 24 : 80);
	} else if (gpu_mem < 60 * 1024) {  /* A100 40GB, L40 */
		*chunked = 4096;
		*max_bs = small_tp ? 32 : 160;
	} else if (gpu_mem < 160 * 1024) { /* H100, A100 80GB, H20, H200 */
		*chunked = 8192;
		*max_bs = small_tp ? 256 : 512;
	} else {                           /* B200, MI300 */
		*chunked = 16384;
		*max_bs = 512;
	}
}

/* The prefill CUDA graphs SGLang captures up to max_bs tokens
 * (server_args.py _generate_prefill_cuda_graph_batch_sizes): 4 to 32 by 4,
 * 48 to 256 by 16, 288 to 512 by 32, 576 to 1,024 by 64, 1,280 to 4,096 by
 * 256, then by 512, those up to max_bs. */
static uint32_t prefill_graphs(double max_bs)
{
	static const struct {
		double from, to, step;
	} runs[] = {{4, 32, 4}, {48, 256, 16}, {288, 512, 32},
	            {576, 1024, 64}, {1280, 4096, 256}, {4608, 1e18, 512}};
	uint32_t n = 0;

	for (size_t i = 0; i < sizeof runs / sizeof runs[0]; i++)
		if (max_bs >= runs[i].from)
			n += (uint32_t)(((max_bs < runs[i].to ? max_bs : runs[i].to) -
			                 runs[i].from) / runs[i].step) + 1;
	return n;
}

/* What of the model SGLang's share reads: an MLA backend, a model path
 * with "llama-2" in it (kvplan: a model named so, or llama2-), and a
 * multimodal model's vision encoder (vision_hidden 0: none). */
struct sglang_model {
	bool mla, llama2;
	uint32_t vision_hidden, vision_layers;
};

/* The model types whose multimodal part SGLang leaves off unless asked
 * (python/sglang/srt/configs/model_config.py ModelConfig.__init__,
 * mm_disabled_models: Gemma3ForConditionalGeneration,
 * Llama4ForConditionalGeneration, Step3VLForConditionalGeneration, here
 * by their config's model_type and their text model's). */
static bool sglang_text_only(const char *model_type)
{
	static const char *const types[] = {"gemma3", "gemma3_text", "llama4",
	                                    "llama4_text", "step3_vl", "step3_text"};

	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(model_type, types[i]) == 0)
			return true;
	return false;
}

static struct sglang_model sglang_model_of(const kvp_plan *p)
{
	struct sglang_model m = {false, false, 0, 0};
	char name[sizeof p->model_name];
	size_t i;

	/* An MLA model keeps SGLang's MLA backend however kvplan sizes its
	 * cache (--mla expanded too). */
	for (uint32_t g = 0; g < p->group_count; g++)
		if (p->groups[g].kind == KVP_LAYER_MLA || p->groups[g].latent_bytes_per_token)
			m.mla = true;
	for (i = 0; i + 1 < sizeof name && p->model_name[i]; i++)
		name[i] = (char)(p->model_name[i] >= 'A' && p->model_name[i] <= 'Z'
		                 ? p->model_name[i] - 'A' + 'a' : p->model_name[i]);
	name[i] = '\0';
	m.llama2 = strstr(name, "llama-2") || strncmp(name, "llama2", 6) == 0;
	m.vision_hidden = p->vision_hidden;
	m.vision_layers = p->vision_layers;
	return m;
}

/* SGLang's is_vlm (arg_groups/memory_hook.py handle_gpu_memory_settings,
 * 031ed82d): a multimodal model, served neither --language-only (the
 * request's language_only) nor --language-model-only, and not by the
 * decode server of disaggregated serving (from 0.5.20, as
 * sglang_reserved).  Not modelled: --language-model-only, which SGLang
 * takes for the few architectures it lists alone
 * (ServerArgs.LANGUAGE_MODEL_ONLY_ARCHITECTURES). */
void kvp__sglang_vision(const kvp_model *m, const kvp_request *r, uint32_t *hidden,
                        uint32_t *layers)
{
	bool text_only = sglang_text_only(m->model_type) ||
	                 (r->engine == KVP_ENGINE_SGLANG && r->language_only) ||
	                 kvp__sglang_role(r) == KVP_DISAGG_DECODE;

	*hidden = text_only ? 0 : m->vision_hidden;
	*layers = text_only ? 0 : m->vision_layers;
}

/* The memory as SGLang reads it, whole MiB: nvidia-smi's memory.total
 * (python/sglang/srt/utils/common.py get_nvgpu_memory_capacity; torch's
 * total_memory where there is no nvidia-smi, as on AMD): with the
 * request's cuda_memory the device's smi_bytes, else its cuda_bytes;
 * otherwise its nominal memory. */
static double sglang_gpu_mem(const kvp_request *r, const kvp_device *d)
{
	uint64_t bytes = !r->cuda_memory ? d->hbm_bytes
	                 : d->smi_bytes ? d->smi_bytes
	                 : d->cuda_bytes ? d->cuda_bytes : d->hbm_bytes;

	return (double)(bytes >> 20);
}

uint32_t kvp__sglang_chunked_prefill(const kvp_request *r, const kvp_device *d)
{
	double chunked, max_bs;

	if (r->chunked_prefill_size)
		return r->chunked_prefill_size;
	sglang_defaults(r, sglang_gpu_mem(r, d), &chunked, &max_bs);
	return (uint32_t)chunked;
}

/* SGLang's reserved_mem (MiB) for device d, term by term, as
 * python/sglang/srt/arg_groups/memory_hook.py handle_gpu_memory_settings
 * and reserve_for_graph_mb have it since 0.5.20 (031ed82d), and
 * server_args.py before it (main at 02236fa38, 2026-07-19, after v0.5.15).
 * Not modelled: DeepEP, XPU and the opt-in post-capture sizing.  A multimodal model's
 * factor comes after (sglang_vlm_factor). */
static void sglang_reserved(const kvp_request *r, const kvp_device *d,
                            const struct sglang_model *m, kvp_sglang_reserve *t)
{
	double prefill_bs;
	bool graphs, decode, prefill;

	t->gpu_mem = sglang_gpu_mem(r, d);
	sglang_defaults(r, t->gpu_mem, &t->chunked_prefill, &t->decode_max_bs);
	if (r->chunked_prefill_size)
		t->chunked_prefill = r->chunked_prefill_size;
	if (r->cuda_graph_max_bs)
		t->decode_max_bs = r->cuda_graph_max_bs;
	/* Constant metadata, activations of a prefill chunk, large
	 * parallel layouts (tp x pp / 8 GiB, a true division), decode CUDA
	 * graphs (max_bs x 2).  A draft's reserve (6 GiB, or 4 for EAGLE)
	 * went with PR #23862, which counts its pool in the cell instead
	 * (sglang_pools.c). */
	t->activations = (t->chunked_prefill > 2048 ? t->chunked_prefill : 2048) * 1.5;
	/* Disaggregated serving (memory_hook.py, 031ed82d, d7b605bc and
	 * a82da8da alike): a decode server's activations are its running
	 * requests' tokens, --max-running-requests (the request's) or else
	 * the decode graphs' max_bs, times speculative_num_draft_tokens or
	 * 1, at least 2048; and it reserves no prefill graphs.  The hook
	 * runs before the speculative one (arg_groups/pipeline.py
	 * run_resolution_pipeline, f0d621cf: handle_gpu_memory_settings,
	 * then handle_speculative_decoding), so it takes the draft tokens
	 * as given, 1 where SGLang chooses them, and the requests as given,
	 * not the 48 a draft sets.  kvplan takes the given draft tokens
	 * with a draft only: without one they size nothing else, and
	 * kvplan warns so.
	 * A prefill server reserves no decode graphs.  server_args.py
	 * before 0.5.20 is not followed. */
	t->role = kvp__sglang_role(r);
	decode = t->role == KVP_DISAGG_DECODE;
	prefill = t->role == KVP_DISAGG_PREFILL;
	if (decode) {
		double running = r->max_running_requests ? (double)r->max_running_requests
		                                         : t->decode_max_bs;

		running *= kvp__sglang_hook_draft_tokens(r);
		t->activations = (running > 2048 ? running : 2048) * 1.5;
	}
	t->parallel = (double)r->tp * r->pp / 8 * 1024;
	/* --disable-cuda-graph sets both phases' backend to disabled
	 * (arg_groups/cuda_graph_hook.py parse_cuda_graph_config, read at
	 * 019667ad), and reserve_for_graph_mb reserves for neither then.
	 * Before 0.5.20 server_args.py added max_bs x 2 whatever the flag
	 * (v0.5.x); whether it then dropped the prefill graphs is not
	 * established, so the flag is not followed there. */
	graphs = !(r->disable_cuda_graph && kvp__sglang_since(r, 520));
	t->decode_graphs = graphs && !prefill ? t->decode_max_bs * 2 : 0;
	/* Data-parallel attention: max_bs x dp x 3, and half as much again
	 * past a max_bs of 300 (server_args.py _handle_gpu_memory_settings in
	 * 0.5.x; memory_hook.py reserve_for_graph_mb, not on a prefill
	 * server).  Both work it out before _handle_data_parallelism divides
	 * chunked_prefill_size by dp, so the activations' term takes it
	 * whole. */
	t->dp_attention = 0;
	if (kvp__sglang_dp_attention(r) && !prefill) {
		t->dp_attention = t->decode_max_bs * r->dp * 3;
		if (t->decode_max_bs > 300)
			t->dp_attention += t->decode_max_bs * r->dp * 1.5;
	}
	/* Prefill CUDA graphs, reserved by default since PR #16331
	 * (2026-03-02), on CUDA the breakable backend since PR #29458
	 * (2026-07-01), sized up to chunked_prefill_size tokens (4,096 for a
	 * Llama 2 path), 8 MiB each, the non-torch part.  ROCm's default,
	 * tc_piecewise, is off on HIP.  At 02236fa38 an MLA backend or LoRA
	 * turned the breakable ones off
	 * (_disable_breakable_cudagraph_if_incompatible): LoRA until PR
	 * #30988 (2026-07-24, so 0.5.16 and before), an MLA backend until a
	 * change whose date is not established, which kvplan takes as
	 * 0.5.20.  Since, an MLA model's count as a flat 1536 MiB ("MLA
	 * backend overhead is much higher than expected with fa3"), and
	 * cuda_graph_hook.py apply_cuda_graph_compatibility leaves the
	 * breakable ones to be asked for with pipeline stages
	 * (tc_piecewise is off there too), so pp > 1 takes none. */
	prefill_bs = m->llama2 && t->chunked_prefill > 4096 ? 4096 : t->chunked_prefill;
	t->prefill_graphs = 0;
	t->prefill_mib = 0;
	if (kvp__device_amd(d) || !graphs || decode)
		;
	else if (!kvp__sglang_since(r, 520)) {
		if (!m->mla && (!r->lora.rank || kvp__sglang_since(r, 517)))
			t->prefill_graphs = prefill_graphs(prefill_bs);
	} else if (r->pp <= 1) {
		if (m->mla)
			t->prefill_mib = 1536;
		else
			t->prefill_graphs = prefill_graphs(prefill_bs);
	}
	if (t->prefill_graphs)
		t->prefill_mib = t->prefill_graphs * 8.0;
	t->reserved = 512 + t->activations + t->parallel + t->decode_graphs + t->dp_attention +
	              t->prefill_mib;
	/* at least 10 GiB on a device of more than 60 GiB */
	t->floored = t->gpu_mem > 60 * 1024 && t->reserved < 10 * 1024;
	if (t->floored)
		t->reserved = 10 * 1024;
	/* DeepEP's buffers, past the floor, with decode CUDA graphs
	 * (memory_hook.py handle_gpu_memory_settings at 031ed82d: 2,048
	 * MiB; server_args.py before 0.5.20 had no such term). */
	t->deepep = r->sglang_deepep && t->decode_graphs > 0 && kvp__sglang_since(r, 520)
	            ? 2048 : 0;
	t->reserved += t->deepep;
}

/* SGLang's factor on a multimodal model's share, as
 * python/sglang/srt/arg_groups/memory_hook.py adjust_mem_fraction_for_vlm
 * (031ed82d; server_args.py ServerArgs.adjust_mem_fraction_for_vlm since
 * PR #6881 of 2025) works it out in Python floats: the vision encoder's
 * layers x hidden^2 over ViT-L/14's 24 x 1024^2, each doubling 10 % less,
 * between 0.8 and 1.05, times 0.95; into t.  The products are whole and
 * exact in a double for widths below 2^26 (Python's are exact integers),
 * and each step rounds as Python's does: step is volatile so that
 * no fused multiply-add joins 0.1 x (ratio - 1) to the subtraction after
 * it where the target has one.  No factor where the plan's request serves
 * the model language-only or on the decode server of disaggregated
 * serving (kvp__sglang_vision).  Not modelled: SGLang's opt-in
 * post-capture sizing, which takes 8 GiB instead. */
static void sglang_vlm_factor(const struct sglang_model *m, kvp_sglang_reserve *t)
{
	volatile double step;
	double dynamic;

	t->vlm_factor = 1;
	if (!m->vision_hidden)
		return;
	t->vlm_layers = m->vision_layers ? m->vision_layers : 24;
	t->vlm_ratio = t->vlm_layers * ((double)m->vision_hidden * m->vision_hidden) /
	               (24.0 * (1024.0 * 1024.0));
	step = 0.1 * (t->vlm_ratio - 1.0);
	dynamic = 1.0 - step;
	if (dynamic > 1.05)
		dynamic = 1.05;
	if (dynamic < 0.8)
		dynamic = 0.8;
	t->vlm_factor = 0.95 * dynamic;
}

/* The share, and SGLang's terms where its own share is taken (else all
 * 0). */
static double engine_share(const kvp_request *r, const kvp_device *d,
                           const struct sglang_model *m, kvp_sglang_reserve *t)
{
	double share;
	char text[64];

	memset(t, 0, sizeof *t);
	if (r->mem_util != 0)
		return r->mem_util;
	switch (r->engine) {
	case KVP_ENGINE_VLLM:
		/* vllm/config/cache.py CacheConfig.gpu_memory_utilization:
		 * 0.92 since PR #38284 (96a85c575, in v0.20.0), which also
		 * takes the CUDA graphs' estimate from the budget; 0.9
		 * before. */
		return kvp__vllm_since(r, 20) ? 0.92 : 0.90;
	case KVP_ENGINE_SGLANG:
		/* mem_fraction_static = round((gpu_mem - reserved_mem) /
		 * gpu_mem, 3): Python's round, to the decimal nearest the
		 * double's exact value, which printf's rounding also is. */
		sglang_reserved(r, d, m, t);
		sglang_vlm_factor(m, t);
		share = (t->gpu_mem - t->reserved) / t->gpu_mem;
		if (!(share > 0))
			return 0;
		snprintf(text, sizeof text, "%.3f", share);
		t->share = strtod(text, NULL);
		t->mem_fraction_static = t->share * t->vlm_factor;
		return t->mem_fraction_static;
	default:
		/* TensorRT-LLM's free_gpu_memory_fraction, and kvplan's own */
		return 0.90;
	}
}

double kvp__engine_mem_util(const kvp_plan *p, const kvp_device *d)
{
	struct sglang_model m = {false, false, 0, 0};
	kvp_sglang_reserve t;

	/* The model matters to SGLang's own share alone. */
	if (p->request.engine == KVP_ENGINE_SGLANG && p->request.mem_util == 0)
		m = sglang_model_of(p);
	return engine_share(&p->request, d, &m, &t);
}

double kvp_engine_mem_util(const kvp_request *r, const kvp_device *d,
                           double *gpu_mem_mib, double *reserved_mib)
{
	struct sglang_model m = {false, false, 0, 0};
	kvp_sglang_reserve t;
	double share;

	if (!r || !d)
		return 0;
	share = engine_share(r, d, &m, &t);
	if (gpu_mem_mib)
		*gpu_mem_mib = t.gpu_mem;
	if (reserved_mib)
		*reserved_mib = t.reserved;
	return share;
}

double kvp_plan_mem_util(const kvp_plan *p, const kvp_device *d, double *gpu_mem_mib,
                         double *reserved_mib, uint32_t *prefill_graphs_out)
{
	struct sglang_model m;
	kvp_sglang_reserve t;
	double share;

	if (!p || !d)
		return 0;
	m = sglang_model_of(p);
	share = engine_share(&p->request, d, &m, &t);
	if (gpu_mem_mib)
		*gpu_mem_mib = t.gpu_mem;
	if (reserved_mib)
		*reserved_mib = t.reserved;
	if (prefill_graphs_out)
		*prefill_graphs_out = t.prefill_graphs;
	return share;
}

bool kvp_plan_sglang_reserve(const kvp_plan *p, const kvp_device *d, kvp_sglang_reserve *out)
{
	struct sglang_model m;
	kvp_sglang_reserve t;

	memset(&t, 0, sizeof t);
	if (p && d && p->request.engine == KVP_ENGINE_SGLANG && p->request.mem_util == 0) {
		m = sglang_model_of(p);
		engine_share(&p->request, d, &m, &t);
	}
	if (out)
		*out = t;
	return t.gpu_mem > 0;
}
