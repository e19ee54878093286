/*
 * vllm_profile.c — what vLLM keeps out of its KV cache after its profile
 * run (--profile-memory): the activation peak and non-torch memory of
 * the run, and from 0.20 the CUDA-graph memory it estimates before the
 * cache is sized.  Both are models of its published logs; the graphs'
 * count follows its code.
 */
#include <string.h>

#include "engine.h"

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
 * MiB per pipeline stage of one GPU (no log has both: with tp > 1 the
 * group's 2,160 MiB on every stage).  Fitted on 31 distinct logs, held to 15
 * others: median error of the predicted "Available KV cache memory"
 * 0.16 %, worst 0.71 %, with a mixture of experts' workspace on top
 * (lib/moe_backend.c; before it, Mixtral's 2.45 % was the worst).  Under pipeline parallelism only the last rank samples
 * (sampler_run: _dummy_sampler_run follows the dummy run on the last PP
 * rank alone); every rank runs its layers' forward, and a rank after the
 * first holds what it receives.
 *
 * The V2 model runner's dummy sampler is not V1's: its dummy requests run
 * no top-k, top-p, min-p, penalties or logprobs (sample/states.py: top_k
 * the vocabulary, top_p 1, temperature 0), so its peak is the logits in
 * the model's 16-bit type (LogitsProcessor does not upcast them) and the
 * Gumbel sampler's block maxima, an int64 and an fp32 a row and block of
 * 1,024 entries: 2 B a row and entry and 12 B a row and block
 * (vllm/v1/worker/gpu/model_runner.py _dummy_sampler_run; sample/gumbel.py
 * gumbel_sample at 12511b40).  Before PR #47711 (merged 2026-07-27; in
 * 0.28.0, which holds #49390 of 2026-08-07) Sampler.sample also copied
 * every row into a new fp32 tensor, "Copy logits to a new FP32 tensor"
 * (sample/sampler.py at b9928aee and 0120ce5a; gated at 1f4079d9): 4 B
 * more, taken before 0.28, 0.27's release not established.  A dense V2
 * startup of vLLM 0.27.1 logged 0.31 GiB of peak activation where this
 * forward term gives 0.30 and V1's sampler 0.56 (doc/footprint.md). */
static unsigned __int128 sampler_bytes(const kvp_plan *p, uint64_t seqs)
{
	unsigned __int128 entry = kvp__vllm_since(&p->request, 28) ? 2 : 6;

	if (p->request.vllm_runner == 2)
		return (unsigned __int128)seqs *
		       (entry * p->vocab + 12 * (((uint64_t)p->vocab + 1023) / 1024));
	return (unsigned __int128)31 * seqs * p->vocab / 2;
}

/* The profile run's terms on stage (tokens and seqs given). */
static void profile_terms(const kvp_plan *p, uint64_t tokens, uint64_t seqs, uint32_t stage,
                          kvp_vllm_profile *t)
{
	const kvp_request *r = &p->request;
	unsigned __int128 sampler, forward, received, moe, total;

	memset(t, 0, sizeof *t);
	t->tokens = tokens;
	t->seqs = seqs;
	t->runner = r->vllm_runner == 2 ? 2 : 1;
	sampler = stage + 1 == p->stages ? sampler_bytes(p, seqs) : 0;
	forward = (unsigned __int128)41 * tokens * p->intermediate / 5;
	/* A tensor-parallel group keeps its NCCL and custom all-reduce
	 * buffers on every rank of every stage: no log has tp and pp both
	 * above 1, so the larger term, the group's, is taken there. */
	t->non_torch_bytes = r->tp > 1 ? (uint64_t)2160 << 20
	                     : r->pp > 1 ? (uint64_t)72 << 20 : (uint64_t)256 << 20;
	/* A rank after the first keeps the intermediate tensors it receives,
	 * hidden_states and residual of max_num_tokens rows in the model's
	 * 16-bit type (gpu_model_runner.py _dummy_run,
	 * make_empty_intermediate_tensors). */
	received = stage > 0 ? (unsigned __int128)2 * tokens * p->hidden * 2 : 0;
	moe = kvp__vllm_moe_bytes(p, tokens);
	t->moe_workspace_bytes = moe > UINT64_MAX ? UINT64_MAX : (uint64_t)moe;
	/* one buffer, the largest ask: the experts' or the sparse
	 * attention's */
	t->workspace_bytes = t->moe_workspace_bytes > p->sparse_workspace_bytes
	                     ? t->moe_workspace_bytes : p->sparse_workspace_bytes;
	total = (sampler > forward ? sampler : forward) + t->workspace_bytes +
	        t->non_torch_bytes + received;
	t->sampler_bytes = sampler > UINT64_MAX ? UINT64_MAX : (uint64_t)sampler;
	t->forward_bytes = forward > UINT64_MAX ? UINT64_MAX : (uint64_t)forward;
	t->received_bytes = received > UINT64_MAX ? UINT64_MAX : (uint64_t)received;
	t->total_bytes = total > UINT64_MAX ? UINT64_MAX : (uint64_t)total;
}

kvp_status kvp_vllm_profile_compute(const kvp_plan *plan, const kvp_device *device,
                                    uint32_t stage, kvp_vllm_profile *out, kvp_error *err)
{
	uint64_t tokens = 0, seqs = 0;

	if (!plan || !out)
		return kvp__error(err, KVP_ERR_INVALID, "no plan or no output given");
	memset(out, 0, sizeof *out);
	if (stage >= plan->stages)
		return kvp__error(err, KVP_ERR_RANGE, "stage %u of a plan of %u stages",
		                  stage, plan->stages);
	if (plan->request.engine != KVP_ENGINE_VLLM || !plan->request.profile_memory)
		return kvp__error_clear(err);
	kvp__fit_batch(plan, device, &tokens, &seqs);
	profile_terms(plan, tokens, seqs, stage, out);
	return kvp__error_clear(err);
}

void kvp__vllm_plan_graphs(const kvp_model *m, kvp_plan *p)
{
	/* vllm/model_executor/models/config.py GptOssForCausalLMConfig:
	 * max_cudagraph_capture_size 1024 unless given. */
	static const char *const graphs_1024[] = {"gpt_oss"};
	const kvp_request *r = &p->request;

	p->graph_capture_max = r->engine == KVP_ENGINE_VLLM && r->profile_memory &&
	                       kvp__model_type_in(m, graphs_1024, 1) ? 1024 : 0;
}

/* How many sizes vLLM's default grid has up to largest: 1, 2 and 4, then
 * every 8th up to 255 and every 16th from 256. */
static uint64_t grid_sizes(uint64_t largest)
{
	uint64_t n = largest >= 4 ? 3 : largest >= 2 ? 2 : 1;

	if (largest >= 8)
		n += ((largest < 255 ? largest : 255) - 8) / 8 + 1;
	if (largest >= 256)
		n += (largest - 256) / 16 + 1;
	return n;
}

/* Whether size is on that grid. */
static bool on_grid(uint64_t size)
{
	return size == 1 || size == 2 || size == 4 || (size < 256 ? size % 8 == 0
	                                                          : size % 16 == 0);
}

/* The sizes vLLM captures up to the largest: the grid's, the step's
 * tokens where those are captured apart (extra, else 0), and from 0.29 a
 * speculative request's uniform decode sizes (vllm/config/vllm.py
 * _set_cudagraph_sizes, read at 000fc94b: PR #50488, held within the
 * ceiling by PR #54418, both in v0.29.0's notes): n x q, q = 1 +
 * num_speculative_tokens, for every request count n of the grid up to
 * top = min(max_num_seqs, the platform's ceiling), top itself included
 * (request_counts); top is 0 where there are none. */
struct graph_sizes {
	uint64_t extra, q, top;
};

static bool captured(const struct graph_sizes *g, uint64_t size)
{
	uint64_t n;

	if (on_grid(size) || size == g->extra)
		return true;
	if (!g->top || size % g->q != 0)
		return false;
	n = size / g->q;
	return n <= g->top && (on_grid(n) || n == g->top);
}

/* Whether vLLM's V1 runner rounds its sizes for speculative decoding
 * (CompilationConfig.adjust_cudagraph_sizes_for_spec_decode, PR #28315,
 * which v0.11.1 was the first to carry, so kvplan's 0.12; called from
 * resolve_cudagraph_mode_and_sizes, read in gpu_model_runner.py
 * _check_and_update_cudagraph_mode at 000fc94b): where its decode graphs
 * stay FULL (FULL_AND_PIECEWISE, the default) with more than one token a
 * request, that is where every attention backend of the model, the least
 * of all its groups' (min_cg_support), supports uniform batches; below
 * that the mode becomes PIECEWISE and nothing rounds.  Followed where
 * the backends are known:
 *  - full and sliding layers on compute capability 8.x, 9.x or 12.x,
 *    whose default is FlashAttention (vllm/platforms/cuda.py: ALWAYS with
 *    FA3, UNIFORM_BATCH with FA2, flash_attn.py).  Not on 10.x, whose
 *    FlashInfer supports them only where TensorRT-LLM's kernels can be
 *    downloaded (can_use_trtllm_attention);
 *  - MLA layers on 9.x, whose every backend, FLASH_ATTN_MLA, FLASHMLA
 *    (an fp8 cache, and every cache before 0.18) and FLASHMLA_SPARSE,
 *    declares UNIFORM_BATCH (mla/flashattn_mla.py, mla/flashmla.py,
 *    mla/flashmla_sparse.py _cudagraph_support).  Not on 10.x, where
 *    CUTLASS_MLA (UNIFORM_SINGLE_TOKEN_DECODE) is taken over
 *    FLASHINFER_MLA (UNIFORM_BATCH) by release, qk_nope_head_dim and
 *    decode context parallelism, nor elsewhere, where TRITON_MLA's
 *    support changed from release to release (NEVER, UNIFORM_BATCH in PR
 *    #42885, UNIFORM_SINGLE_TOKEN_DECODE in #47144, UNIFORM_BATCH again in
 *    #51065);
 *  - not chunked layers (their builder declared NEVER, then
 *    UNIFORM_BATCH, the release not established) nor recurrent ones (GDN
 *    UNIFORM_BATCH; Mamba's UNIFORM_SINGLE_TOKEN_DECODE until PR #33726,
 *    linear attention's still: the plan does not tell them apart).
 * doc/engines.md. */
static bool v1_rounds(const kvp_plan *p, const kvp_device *d)
{
	const kvp_request *r = &p->request;
	uint32_t major = d ? kvp__device_sm(d) / 10 : 0;

	/* (an AMD GPU's arch, gfx, has no compute capability: 0) */
	if (r->vllm_runner != 1 || !kvp__vllm_drafted(r) || !kvp__vllm_since(r, 12) ||
	    (major != 8 && major != 9 && major != 12))
		return false;
	for (uint32_t i = 0; i < p->group_count; i++) {
		kvp_layer_kind kind = p->groups[i].kind;

		if (kind == KVP_LAYER_MLA && major == 9)
			continue;
		if (kind != KVP_LAYER_FULL && kind != KVP_LAYER_SLIDING && kind != KVP_LAYER_NONE)
			return false;
	}
	return true;
}

/* How many batch sizes vLLM captures a CUDA graph for in each mode, as
 * vllm/config/vllm.py VllmConfig._set_cudagraph_sizes lists them (read at
 * 96a85c575, the commit of PR #38284, 2026-04-21, and at 000fc94b, a
 * main after v0.29.0): the largest is min(max_num_seqs x (1 +
 * num_speculative_tokens, kvp__vllm_drafted) x 2, a ceiling) unless the
 * model sets its own (gpt-oss 1024: GptOssForCausalLMConfig), and at most
 * max_num_batched_tokens; the sizes are the grid's (on_grid) up to
 * it.  The ceiling is 512, and from 0.28 1,024 on a device of compute
 * capability 10.x (B200, B300: current_platform.
 * is_device_capability_family(100), PR #49390, merge 021b7d98, in
 * v0.28.0's notes; 12.x, as the RTX 5090, keeps 512).  From 0.21 a
 * max_num_batched_tokens within the largest and off the grid is captured
 * too (PR #40734, in the 0.20.1 patch release; kvplan's releases are
 * minor ones, so 0.20 follows 0.20.0).  From 0.29 a speculative request
 * adds its uniform decode sizes (struct graph_sizes), where vLLM sets the
 * largest itself.  Then the V1 runner, where it rounds (v1_rounds), takes
 * each size up to a multiple of q, drops those past the largest size,
 * and keeps each once.  Not followed: dynamic
 * speculative decoding's tiers, and sequence parallelism's multiples of
 * tp; doc/engines.md.  d may be NULL, a device not known: 512. */
uint32_t kvp__vllm_graph_sizes(const kvp_plan *p, const kvp_device *d, uint64_t tokens,
                               uint64_t seqs)
{
	const kvp_request *r = &p->request;
	uint64_t largest = p->graph_capture_max, ceiling = 0, top, m, n = 0, last = 0;
	struct graph_sizes g = {0, 1 + kvp__vllm_drafted(r), 0};

	if (r->engine != KVP_ENGINE_VLLM || r->enforce_eager)
		return 0;
	if (largest == 0) {
		unsigned __int128 by_seqs = (unsigned __int128)seqs * g.q * 2;

		ceiling = d && kvp__device_sm(d) / 10 == 10 && kvp__vllm_since(r, 28) ? 1024 : 512;
		largest = by_seqs < ceiling ? (uint64_t)by_seqs : ceiling;
	}
	if (tokens && tokens < largest)
		largest = tokens;
	if (largest == 0)
		return 0;
	if (tokens == largest && !on_grid(tokens) && kvp__vllm_since(r, 21))
		g.extra = tokens;
	if (ceiling && g.q > 1 && kvp__vllm_since(r, 29))
		g.top = seqs < ceiling ? seqs : ceiling;
	/* The grid and the step's tokens, counted; uniform decode sizes or
	 * V1's rounding, walked (sizes of at most 1,024: the ceiling, or
	 * gpt-oss's own), each size rounded up to a multiple of m (1 where
	 * nothing rounds), those past the list's top dropped, each kept
	 * once. */
	m = v1_rounds(p, d) ? g.q : 1;
	if (!g.top && m == 1)
		return (uint32_t)(grid_sizes(largest) + (g.extra != 0));
	for (top = largest; !captured(&g, top); top--)
		;
	for (uint64_t size = 1; size <= top; size++) {
		uint64_t up = (size + m - 1) / m * m;

		if (captured(&g, size) && up <= top && up != last) {
			n++;
			last = up;
		}
	}
	/* Size 1 rounds to q, so some size is left unless q is past the
	 * top, a request vLLM refuses ("No valid cudagraph sizes after
	 * rounding"): 0 then. */
	return (uint32_t)n;
}

/* vLLM's estimate of its CUDA graphs' memory, which from 0.20 it takes
 * (under the V1 model runner; under V2 from 0.29) from the cache's budget (gpu_worker.py determine_available_memory:
 * available = requested - non_kv_cache_memory - the estimate, with
 * VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS on by default since PR #38284,
 * in v0.20.0).  vLLM measures it (gpu_model_runner.py
 * profile_cudagraph_memory: it captures the first two sizes of each
 * mode, and counts the larger first capture and each mode's second one
 * for every later size), so kvplan models its logs: the 45 v0.19.0
 * startups of llm-d-planner, which log the estimate though that release
 * does not subtract it ("Estimated CUDA graph memory: X GiB total";
 * doc/vllm-graph-logs.csv).  287 MiB, and 354 KiB for each layer on the
 * rank and each size past the first: graphs of the piecewise mode hold
 * a piece per layer.  Fitted (least absolute deviations) on the 30 logs
 * the profile model was fitted on, held to the other 15: median error
 * 0.09 GiB, worst 0.87 GiB (a log whose second capture grew the pool,
 * 1.69 GiB against 0.76 captured); tests/test_footprint.c. */
static uint64_t graph_bytes(const kvp_plan *p, uint32_t sizes, uint32_t stage)
{
	if (!kvp__vllm_since(&p->request, 20))
		return 0;
	/* The V2 model runner estimated nothing before 0.29: its
	 * profile_cudagraph_memory returned 0 (vllm/v1/worker/gpu/
	 * model_runner.py, "It is TBD whether we keep this API or not"; issue
	 * #49224), so the cache took the whole budget and the graphs were
	 * captured out of the rest, until PR #53306 (merged by 2026-08-24,
	 * ahead of #53183, which made V2 every model's default in 0.29) had
	 * it capture them into a throwaway pool.  V2 has been the dense
	 * models' default since 0.25 (the plan's request names the runner,
	 * kvp_engine_vllm_runner).  From 0.29 V2 measures every graph rather
	 * than extrapolating two, which this model of V1's logs does not
	 * tell apart. */
	if (p->request.vllm_runner == 2 && !kvp__vllm_since(&p->request, 29))
		return 0;
	if (sizes == 0)
		return 0;
	return KVP_VLLM_GRAPH_BASE_BYTES +
	       KVP_VLLM_GRAPH_LAYER_SIZE_BYTES * p->stage_layers[stage] * (sizes - 1);
}

uint64_t kvp__vllm_profile_bytes(const kvp_plan *p, uint64_t tokens, uint64_t seqs,
                                 uint32_t sizes, uint32_t stage, uint64_t *graphs,
                                 uint64_t *runtime)
{
	kvp_vllm_profile run;

	*graphs = *runtime = 0;
	if (p->request.engine != KVP_ENGINE_VLLM || !p->request.profile_memory)
		return 0;
	profile_terms(p, tokens, seqs, stage, &run);
	*graphs = graph_bytes(p, sizes, stage);
	*runtime = run.non_torch_bytes > UINT64_MAX - *graphs ? UINT64_MAX
	                                                      : run.non_torch_bytes + *graphs;
	return run.total_bytes > UINT64_MAX - *graphs ? UINT64_MAX : run.total_bytes + *graphs;
}
