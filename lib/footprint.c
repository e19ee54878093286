/*
 * footprint.c — one GPU's memory, part by part: the engine's own buffers
 * beside weights and cache where its code gives them, and the breakdown a
 * fit reports (weights, cache, buffers, reserve, what mem_util holds back,
 * what is left).
 *
 * llama.cpp, read in src/llama-context.cpp at commit 4c7103b96d72:
 *   - output_reserve(n_seq_max), called by the llama_context constructor:
 *     the output buffer holds n_vocab x max(n_outputs, n_seq_max) f32
 *     logits, in host memory (CUDA_Host) beside the GPU;
 *   - the constructor reserves the prompt graph with n_tokens =
 *     min(n_ctx, n_ubatch), rounded up to a multiple of n_seqs (1 when
 *     unified, n_seq_max otherwise; graph_reserve), and n_outputs =
 *     n_tokens: the graph holds the f32 logits of every token of the
 *     ubatch, n_vocab x n_tokens x 4 B, and its normed hidden states.
 *     With flash attention (on by default where the backend has it) no
 *     n_ctx x n_ubatch x n_head score matrix is built, and the logits set
 *     the compute buffer: 4 x n_tokens x (n_vocab + 2 x n_embd) B.  Checked
 *     against a log: Qwen2.5-0.5B, n_vocab 151936, n_embd 896, n_ctx 512,
 *     "MTL0 compute buffer size = 300.25 MiB" (tests/test_footprint.c).
 *   The CUDA context and the cuBLAS workspace are not in llama.cpp's logs
 *   and are not counted.
 */
#include <string.h>

#include "engine.h"

void kvp__plan_buffers(const kvp_model *m, kvp_plan *p)
{
	const kvp_request *r = &p->request;
	uint64_t n_ctx, streams, per_stream, seqs, tokens;
	unsigned __int128 compute, host;

	p->compute_bytes = p->host_bytes = 0;
	if (r->engine != KVP_ENGINE_LLAMA_CPP || !m->vocab || !m->hidden)
		return;
	kvp__llama_streams(r, &n_ctx, &streams, &per_stream);
	seqs = r->kv_unified ? 1 : r->batch;
	tokens = kvp__engine_ubatch(r);
	if (n_ctx < tokens)
		tokens = n_ctx;
	if (tokens % seqs)
		tokens += seqs - tokens % seqs;
	compute = (unsigned __int128)4 * tokens * ((uint64_t)m->vocab + 2 * (uint64_t)m->hidden);
	host = (unsigned __int128)4 * m->vocab * r->batch;
	p->compute_bytes = compute > UINT64_MAX ? UINT64_MAX : (uint64_t)compute;
	p->host_bytes = host > UINT64_MAX ? UINT64_MAX : (uint64_t)host;
}

/* vLLM's profile run, modelled on its v0.19.0 logs (V1 model runner,
 * H100; doc/footprint.md, tests/test_footprint.c).  gpu_worker.py
 * determine_available_memory: available = requested - (weights + the
 * PyTorch peak of profile_run + the non-torch increase).  The peak is
 * the dummy sampler's (gpu_model_runner.py _dummy_sampler_run: fp32
 * logits of min(max_num_seqs, max_num_batched_tokens) rows, top-k/top-p,
 * softmax and the sampling noise), about 15.5 B a row and vocabulary
 * entry, or the forward pass of max_num_batched_tokens tokens through the
 * MLP, about 8.2 B a token and intermediate unit (the larger: one comes
 * after the other).  Non-torch memory: 256 MiB on one GPU, 2,160 MiB per
 * rank with tensor parallelism (NCCL and custom all-reduce buffers), 72
 * MiB per pipeline stage.  CUDA graphs come out of what mem_util holds
 * back (v0.19 logs their estimate but does not subtract it).  Fitted on
 * 31 distinct logs, held to 15 others: median error of the predicted
 * "Available KV cache memory" 0.18 %, worst 2.5 % (a mixture of experts,
 * whose forward the MLP term does not see).  Under pipeline parallelism
 * only the last rank samples (sampler_run: _dummy_sampler_run follows
 * the dummy run on the last PP rank alone); every rank runs its layers'
 * forward, and a rank after the first holds what it receives. */
uint64_t kvp__vllm_profile_bytes(const kvp_plan *p, uint64_t tokens, uint64_t seqs,
                                 uint32_t stage)
{
	const kvp_request *r = &p->request;
	uint64_t non_torch;
	bool sampler_run = stage + 1 == p->stages;
	unsigned __int128 sampler, forward, total, received;

	if (r->engine != KVP_ENGINE_VLLM || !r->profile_memory)
		return 0;
	sampler = sampler_run ? (unsigned __int128)31 * seqs * p->vocab / 2 : 0;
	forward = (unsigned __int128)41 * tokens * p->intermediate / 5;
	non_torch = r->pp > 1 ? (uint64_t)72 << 20 : r->tp > 1 ? (uint64_t)2160 << 20
	                                                       : (uint64_t)256 << 20;
	/* A rank after the first keeps the intermediate tensors it receives,
	 * hidden_states and residual of max_num_tokens rows in the model's
	 * 16-bit type (gpu_model_runner.py _dummy_run,
	 * make_empty_intermediate_tensors). */
	received = stage > 0 ? (unsigned __int128)2 * tokens * p->hidden * 2 : 0;
	total = (sampler > forward ? sampler : forward) + non_torch + received;
	return total > UINT64_MAX ? UINT64_MAX : (uint64_t)total;
}

/* The recurrent state one GPU of stage holds. */
static uint64_t stage_state(const kvp_plan *p, uint32_t stage)
{
	unsigned __int128 total = 0;

	for (uint32_t g = 0; g < p->group_count; g++)
		total += (unsigned __int128)kvp__stage_group_layers(p, stage, g) *
		         p->groups[g].layer_state_bytes;
	return total > p->stage_bytes[stage] ? p->stage_bytes[stage] : (uint64_t)total;
}

void kvp__fit_footprint(const kvp_plan *p, const kvp_device *d, uint64_t need,
                        kvp_fit *fit)
{
	kvp_footprint *f = &fit->footprint;
	const kvp_request *r = &p->request;
	unsigned __int128 sum;

	/* Every field set, none cleared first: a fit is in the planner's
	 * inner loop.  The fit has set draft and activations, which its
	 * budget counted. */
	f->total = d->hbm_bytes;
	f->weights = fit->weights_per_gpu - f->draft;
	f->adapters = p->lora_stage_bytes[fit->stage];
	f->reserve = r->reserve_bytes;
	/* llama.cpp keeps the embedding in host memory (stages.c). */
	f->host = p->host_bytes;
	if (r->engine == KVP_ENGINE_LLAMA_CPP &&
	    !kvp__add(f->host, p->embedding_bytes, &f->host))
		f->host = UINT64_MAX;
	f->unused = f->over = 0;
	if (r->engine == KVP_ENGINE_EXACT || r->engine == KVP_ENGINE_LLAMA_CPP) {
		/* The cache the plan holds on the GPU of the binding stage. */
		f->state = p->state_total_bytes ? stage_state(p, fit->stage) : 0;
		f->kv = p->stage_bytes[fit->stage] - f->state;
	} else {
		/* The pool the engine allocates from its budget. */
		f->state = 0;
		f->kv = fit->capacity.allocated_bytes;
	}
	/* TensorRT-LLM takes mem_util of what the weights leave; the others
	 * mem_util of the device. */
	if (r->engine == KVP_ENGINE_TRTLLM && !r->kv_budget)
		f->held_back = need <= d->hbm_bytes ? d->hbm_bytes - need - fit->budget_bytes : 0;
	else
		f->held_back = d->hbm_bytes - fit->usable_bytes;
	/* SGLang's page_size padding rows lie past its budget: they come out
	 * of what mem_util holds back. */
	if (r->engine == KVP_ENGINE_SGLANG && !r->kv_budget && f->kv > fit->budget_bytes) {
		uint64_t past = f->kv - fit->budget_bytes;

		f->held_back -= past < f->held_back ? past : f->held_back;
	}
	sum = (unsigned __int128)f->weights + f->draft + f->adapters + f->kv + f->state +
	      f->activations + f->reserve + f->held_back;
	if (sum <= f->total)
		f->unused = f->total - (uint64_t)sum;
	else
		f->over = sum - f->total > UINT64_MAX ? UINT64_MAX : (uint64_t)(sum - f->total);
}
