/*
 * plan.c — the one code path that sizes a cache: a request of a model,
 * layer by layer.  Layers that cache alike form a group; each group's
 * bytes per token (K, V, MLA latent) and state per sequence are worked out
 * once (lib/sizing.c), and the tokens each layer holds follow from its
 * kind and window.  A draft's layers join as groups of their own
 * (lib/draft.c); the weights, the stages and LoRA adapters follow.
 */
#include <stddef.h>
#include <inttypes.h>
#include <string.h>

#include "sizing.h"

uint64_t kvp_model_loaded_params(const kvp_model *m, const kvp_request *r)
{
	static const char *const gemma4[] = {"gemma4"};
	uint64_t off;

	if (!m)
		return 0;
	off = m->mtp_params;

	if (!kvp_model_loads_towers(m, r) && !kvp__add(off, m->vision_params, &off))
		return 0;
	/* TensorRT-LLM's Gemma 4 projects a shared layer's Q alone
	 * (_QOnlyLinear, modeling_gemma4.py @ 00e7d10): the k_proj and
	 * v_proj its checkpoints keep there are not loaded */
	if (r && r->engine == KVP_ENGINE_TRTLLM && kvp__model_type_in(m, gemma4, 1) &&
	    !kvp__add(off, kvp__shared_kv_params(m), &off))
		return 0;
	return off <= m->params ? m->params - off : 0;
}

void kvp_model_loaded(const kvp_model *m, const kvp_request *r, kvp_model *out)
{
	uint64_t params = kvp_model_loaded_params(m, r);

	if (!m || !out)
		return;
	if (out != m)
		*out = *m;
	out->params = params;
	if (!kvp_model_loads_towers(m, r))
		out->vision_params = 0;
}

uint32_t kvp_request_attention_tp(const kvp_request *r)
{
	return r ? kvp__attn_tp(r) : 1;
}

uint64_t kvp_request_gpus(const kvp_request *r)
{
	return r ? kvp__stage_gpus(r) * (r->pp ? r->pp : 1) : 1;
}

bool kvp_request_loads_towers(const kvp_request *r)
{
	if (!r)
		return true;
	if (r->engine == KVP_ENGINE_LLAMA_CPP)
		return false;
	return !(r->engine == KVP_ENGINE_VLLM && r->language_model_only);
}

bool kvp_model_loads_towers(const kvp_model *m, const kvp_request *r)
{
	if (!kvp_request_loads_towers(r))
		return false;
	/* SGLang builds Llama 4's vision model only with --enable-multimodal,
	 * which it leaves off for Llama 4 (ModelConfig's mm_disabled_models;
	 * models/mllama4.py Llama4ForConditionalGeneration.__init__:
	 * has_vision = has_vision_weights and enable_multimodal, PR #8272,
	 * sgl-project/sglang @ 0076e713); its Gemma 3 builds the tower
	 * whatever the flag (gemma3_mm.py). */
	return !(m && r && r->engine == KVP_ENGINE_SGLANG &&
	         strncmp(m->model_type, "llama4", 6) == 0);
}

void kvp_request_init(kvp_request *r)
{
	if (!r)
		return;
	memset(r, 0, sizeof *r);
	r->seq = 0;
	r->batch = 1;
	r->dtype_k = KVP_DTYPE_FP16;
	r->dtype_v = KVP_DTYPE_FP16;
	r->state_dtype = KVP_DTYPE_FP32;
	r->mla = KVP_MLA_LATENT;
	r->no_window = false;
	r->weights_dtype = KVP_DTYPE_FP16;
	kvp_weights_format_init(&r->weights_format);
	r->mem_util = 0.90;
	r->reserve_bytes = 0;
	r->engine = KVP_ENGINE_EXACT;
	r->tp = 1;
	r->pp = 1;
	r->dp = 1;
	r->lora.slots = 0; /* the engine's default */
	r->lora.dtype = KVP_DTYPE_FP16;
}

const char *kvp_mla_mode_name(kvp_mla_mode mode)
{
	switch (mode) {
	case KVP_MLA_LATENT:
		return "latent";
	case KVP_MLA_EXPANDED:
		return "expanded";
	}
	return "unknown";
}

static kvp_status check_request(const kvp_request *r, kvp_error *err)
{
	if (r->seq == 0)
		return kvp__error(err, KVP_ERR_INVALID, "sequence length must be at least 1");
	if (r->batch == 0)
		return kvp__error(err, KVP_ERR_INVALID, "batch must be at least 1");
	if ((unsigned)r->dtype_k >= KVP_DTYPE_COUNT ||
	    (unsigned)r->dtype_v >= KVP_DTYPE_COUNT ||
	    (unsigned)r->state_dtype >= KVP_DTYPE_COUNT ||
	    (unsigned)r->weights_dtype >= KVP_DTYPE_COUNT)
		return kvp__error(err, KVP_ERR_INVALID, "invalid element type in the request");
	if ((unsigned)r->mla > KVP_MLA_EXPANDED)
		return kvp__error(err, KVP_ERR_INVALID, "invalid MLA mode %d", (int)r->mla);
	if (r->mamba_ssm_cache_bytes != 0 && r->mamba_ssm_cache_bytes != 2 &&
	    r->mamba_ssm_cache_bytes != 4)
		return kvp__error(err, KVP_ERR_INVALID, "mamba_ssm_cache_bytes %u: 4 (float32),"
		                  " 2 (float16, bfloat16) or 0 (auto)", r->mamba_ssm_cache_bytes);
	if ((unsigned)r->policy.kind >= KVP_POLICY_COUNT)
		return kvp__error(err, KVP_ERR_INVALID, "invalid policy %d",
		                  (int)r->policy.kind);
	if (r->gen >= r->seq)
		return kvp__error(err, KVP_ERR_INVALID, "%llu generated tokens leave"
		                  " no prompt in a sequence of %llu",
		                  (unsigned long long)r->gen, (unsigned long long)r->seq);
	if ((r->policy.kind == KVP_POLICY_SNAPKV || r->policy.kind == KVP_POLICY_PYRAMIDKV) &&
	    (r->policy.window >= r->policy.capacity ||
	     (r->policy.kind == KVP_POLICY_PYRAMIDKV && r->policy.beta == 0)))
		return kvp__error(err, KVP_ERR_INVALID, "policy %s: the window must be"
		                  " below the capacity%s",
		                  kvp_policy_kind_name(r->policy.kind),
		                  r->policy.kind == KVP_POLICY_PYRAMIDKV ? ", beta at least 1" : "");
	/* kvp_policy_parse's range: 1 - R of a prompt kept, R in [0, 1)
	 * (NaN fails the test too). */
	if (r->policy.kind == KVP_POLICY_RATIO &&
	    !(r->policy.ratio >= 0 && r->policy.ratio < 1))
		return kvp__error(err, KVP_ERR_INVALID, "policy ratio: %g is not in"
		                  " [0, 1)", r->policy.ratio);
	/* PyramidKV's largest budget is about twice the capacity. */
	if (r->policy.kind == KVP_POLICY_PYRAMIDKV && r->policy.capacity > KVP__CAPACITY_MAX)
		return kvp__error(err, KVP_ERR_RANGE, "policy pyramidkv: capacity %llu"
		                  " is past %llu tokens",
		                  (unsigned long long)r->policy.capacity,
		                  (unsigned long long)KVP__CAPACITY_MAX);
	if (r->tp == 0 || r->pp == 0 || r->dp == 0)
		return kvp__error(err, KVP_ERR_INVALID,
		                  "tensor, pipeline and data parallel degrees must be at"
		                  " least 1");
	return kvp__engine_check(r, err);
}


/* A parallel hybrid's states (kvp_model ssm_parallel): one recurrent
 * group of its attention layers, in no entry of the cycle. */
static kvp_status parallel_group(const struct sizing *z, kvp_plan *p)
{
	uint32_t n = p->group_count;
	kvp_layer_group *grp = &p->groups[n];

	if (n == KVP_GROUPS_MAX)
		return kvp__error(z->err, KVP_ERR_RANGE, "%s: more than %d kinds of layer,"
		                  " its states' group with them", kvp__zname(z), KVP_GROUPS_MAX);
	memset(grp, 0, sizeof *grp);
	grp->kind = KVP_LAYER_RECURRENT;
	grp->parallel = true;
	grp->first_layer = UINT32_MAX;
	for (uint32_t g = 0; g < n; g++) {
		const kvp_layer_group *a = &p->groups[g];

		if (!kvp__attends(a->kind))
			continue;
		grp->layers += a->layers;
		if (a->first_layer < grp->first_layer)
			grp->first_layer = a->first_layer;
	}
	if (grp->layers == 0)
		return KVP_OK;
	p->group_count++;
	return KVP_OK;
}

/* A parallel hybrid's layer holds its K and V and its state: the
 * largest layer is an attention group's and the states' together. */
static kvp_status parallel_layer_bytes(const struct sizing *z, kvp_plan *p)
{
	uint64_t state = 0, layer;

	for (uint32_t g = 0; g < p->group_count; g++)
		if (p->groups[g].parallel)
			state = p->groups[g].layer_state_bytes;
	for (uint32_t g = 0; g < p->group_count && state; g++) {
		const kvp_layer_group *grp = &p->groups[g];

		if (grp->draft || !kvp__attends(grp->kind))
			continue;
		if (!kvp__add(grp->layer_kv_bytes, state, &layer))
			return kvp__sizing_overflow(z);
		if (layer > p->max_layer_bytes)
			p->max_layer_bytes = layer;
	}
	return KVP_OK;
}

/* Sorts the layers of one cycle into groups by kind and kv heads. */
static kvp_status group_layers(const struct sizing *z, kvp_plan *p)
{
	const kvp_model *m = z->m;
	uint32_t cycle = kvp__layer_cycle(m, z->r), full = m->layers / cycle;
	bool pyramid = z->r->policy.kind == KVP_POLICY_PYRAMIDKV;

	if (cycle > KVP_PATTERN_MAX)
		return kvp__error(z->err, KVP_ERR_RANGE, "%s: policy %s plans each"
		                  " of at most %d layers apart, not %u", kvp__zname(z),
		                  kvp_policy_kind_name(z->r->policy.kind),
		                  KVP_PATTERN_MAX, cycle);
	p->cycle_len = cycle;
	for (uint32_t i = 0; i < cycle; i++) {
		kvp_layer_group key;
		uint32_t g;

		memset(&key, 0, sizeof key);
		kvp__layer_key(z, i, &key);
		/* PyramidKV gives each layer its own share, alike at some seqs
		 * (every layer keeps a prompt below its capacity) and apart at
		 * others: the solvers re-cap each group at other seqs by its
		 * first layer, so capped layers are never merged. */
		g = p->group_count;
		if (!(pyramid && key.cap))
			for (g = 0; g < p->group_count; g++)
				if (kvp__same_key(&p->groups[g], &key))
					break;
		if (g == p->group_count) {
			if (g == KVP_GROUPS_MAX)
				return kvp__error(z->err, KVP_ERR_RANGE,
				                  "%s: more than %d kinds of layer", kvp__zname(z),
				                  KVP_GROUPS_MAX);
			key.first_layer = i;
			p->groups[g] = key;
			p->group_count++;
		}
		p->cycle[i] = (uint8_t)g;
		/* Each whole cycle has this layer once; the part cycle at the
		 * end has it when it is among the first layers % cycle. */
		p->groups[g].layers += full + (i < m->layers % cycle);
	}
	return m->ssm_parallel ? parallel_group(z, p) : KVP_OK;
}

/* The request a plan follows, the engine's defaults for the model filled
 * in: *r made a copy the first time one is filled (a request is copied
 * only where one is), which the caller then writes. */
static kvp_request *filled(const kvp_request **r, kvp_request *copy)
{
	if (*r != copy) {
		*copy = **r;
		*r = copy;
	}
	return copy;
}

/* Models an engine does not run, and the requests of them kvplan does
 * not follow.  A model without attention (research:
 * /work/research/mamba-only.md): vLLM (models/mamba.py, mamba2.py) and
 * llama.cpp (llm_build_mamba) run it, vLLM's Mamba2ForCausalLM without
 * pipeline stages (it does not declare SupportsPP); SGLang from PR
 * #34556 (models/mamba.py, falcon_mamba.py, mamba2.py; merged after
 * 2026-09-07, so taken from 0.5.20: lib/sglang_pools.c sizes its pools);
 * TensorRT-LLM's PyTorch runtime has no such model (tensorrt_llm/_torch/
 * models/_arch_index.py) and its TensorRT engines
 * (examples/models/core/mamba) are not modelled. */
static kvp_status engine_runs(const kvp_model *m, const kvp_request *r, kvp_error *err)
{
	static const char *const mamba2[] = {"mamba2"};
	static const char *const lfm2[] = {"lfm2"}; /* dense */
	static const char *const gemma3n[] = {"gemma3n"};
	char label[KVP_QUOTE_MAX];
	const char *name = kvp__label(m->name, "the model", label), *family;
	kvp_status st;

	/* The families TensorRT-LLM has no model of (_torch/models/
	 * _arch_index.py @ 065ff9e9: no MiniCPM3, FalconH1 or Lfm2
	 * ForCausalLM, nor a TensorRT engine of them in tensorrt_llm/
	 * models/; no Gemma 3n beside AutoDeploy's text-only port,
	 * _torch/auto_deploy/models/custom/modeling_gemma3n.py, whose cache is
	 * not modelled: /work/research/gemma3n.md), and those whose SGLang
	 * model asserts one pipeline rank
	 * (models/falcon_h1.py @ e01a0731, models/lfm2.py; research:
	 * /work/research/falcon-h1-engines.md, lfm2-engines.md). */
	family = kvp__minicpm3(m) ? "MiniCPM3" : m->ssm_parallel ? "Falcon-H1"
	         : kvp__lfm2(m) ? "LFM2" : kvp__model_type_in(m, gemma3n, 1) ? "Gemma 3n" : NULL;
	if (family && r->engine == KVP_ENGINE_TRTLLM)
		return kvp__error(err, KVP_ERR_UNSUPPORTED, "%s: TensorRT-LLM has no %s model",
		                  name, family);
	/* vLLM's Gemma3nForCausalLM and ...ForConditionalGeneration are not
	 * SupportsPP (models/gemma3n.py, gemma3n_mm.py) */
	if (kvp__model_type_in(m, gemma3n, 1) && r->engine == KVP_ENGINE_VLLM && (r->pp ? r->pp : 1) > 1)
		return kvp__error(err, KVP_ERR_UNSUPPORTED, "%s: vLLM runs Gemma 3n on one"
		                  " pipeline stage (its model is not SupportsPP)", name);
	/* TensorRT-LLM's KimiLinearForCausalLM (tensorrt_llm/_torch/models/
	 * modeling_kimi_linear.py @ 000a860d) is Kimi K3's text core: that it
	 * runs Kimi-Linear-48B is not established (research:
	 * /work/research/kimi-linear-engines.md) */
	if (kvp__kimi_linear(m) && r->engine == KVP_ENGINE_TRTLLM)
		return kvp__error(err, KVP_ERR_UNSUPPORTED, "%s: TensorRT-LLM's KimiLinear"
		                  "ForCausalLM is Kimi K3's; kvplan does not plan Kimi-Linear"
		                  " under it (that it runs it is not established)", name);
	if ((m->ssm_parallel || kvp__lfm2(m)) && r->engine == KVP_ENGINE_SGLANG &&
	    (r->pp ? r->pp : 1) > 1)
		return kvp__error(err, KVP_ERR_UNSUPPORTED, "%s: SGLang runs %s on one pipeline"
		                  " stage (its model asserts it)", name, family);
	/* SGLang's dense models/lfm2.py keeps a conv layer's projections
	 * whole (nn.Linear) on every rank and sizes its states' pool by
	 * hidden / tp: not a layout it runs, not modelled */
	if (kvp__model_type_in(m, lfm2, 1) && r->engine == KVP_ENGINE_SGLANG &&
	    (r->tp ? r->tp : 1) > 1)
		return kvp__error(err, KVP_ERR_UNSUPPORTED, "%s: SGLang's LFM2 splits its conv"
		                  " states over tensor parallel ranks but not its conv layers:"
		                  " tp %u not modelled", name, r->tp);
	/* TensorRT-LLM's Gemma 4 (_torch/models/modeling_gemma4.py,
	 * Gemma4ForCausalLM.__init__ asserts mapping.pp_size == 1) takes
	 * KVCacheManagerV2 alone where its heads differ by layer (_util.py:
	 * V1 would coerce them to the widest); its C++ runtime has no such
	 * layers.  Research: /work/research/gemma4-engines.md section 4. */
	if (r->engine == KVP_ENGINE_TRTLLM && (m->full_head_dim || m->kv_shared_layers) &&
	    ((r->pp ? r->pp : 1) > 1 || r->trtllm_cpp ||
	     r->trtllm_kv_manager == KVP_TRTLLM_MANAGER_V1))
		return kvp__error(err, KVP_ERR_UNSUPPORTED, "%s: TensorRT-LLM runs Gemma 4's"
		                  " layers in its PyTorch runtime on one pipeline stage with"
		                  " KVCacheManagerV2 alone (%s)", name,
		                  (r->pp ? r->pp : 1) > 1 ? "pp asked"
		                  : r->trtllm_cpp ? "the C++ runtime asked" : "V1 asked");
	if ((st = kvp__sglang_total_check(m, r, err)) != KVP_OK)
		return st;
	if (!kvp_model_attention_free(m))
		return KVP_OK;
	if (r->policy.kind != KVP_POLICY_FULL || r->kv_repeated)
		return kvp__error(err, KVP_ERR_INVALID, "%s has no attention layer: no token"
		                  " is cached for a policy to evict%s", name,
		                  r->kv_repeated ? ", nor K and V to repeat" : "");
	/* lib/sizing.c refuses it for a K or V row; here there is none */
	if (r->dtype_k == KVP_DTYPE_FP8_DS_MLA || r->dtype_v == KVP_DTYPE_FP8_DS_MLA)
		return kvp__error(err, KVP_ERR_INVALID, "%s has no attention layer:"
		                  " fp8_ds_mla is the format of an MLA latent", name);
	if (r->engine == KVP_ENGINE_TRTLLM)
		return kvp__error(err, KVP_ERR_UNSUPPORTED, "%s has no attention layer:"
		                  " TensorRT-LLM's PyTorch runtime builds no such model, and"
		                  " its TensorRT engines for Mamba are not modelled", name);
	if (r->engine == KVP_ENGINE_SGLANG && !kvp__sglang_since(r, 520))
		return kvp__error(err, KVP_ERR_UNSUPPORTED, "%s has no attention layer:"
		                  " SGLang runs such a model from 0.5.20 (PR #34556)", name);
	if (r->engine == KVP_ENGINE_SGLANG && (r->draft || r->mtp_layers))
		return kvp__error(err, KVP_ERR_UNSUPPORTED, "%s has no attention layer:"
		                  " SGLang's speculative decoding of such a model is not"
		                  " modelled", name);
	if (r->engine == KVP_ENGINE_VLLM && (r->pp ? r->pp : 1) > 1 &&
	    kvp__model_type_in(m, mamba2, 1))
		return kvp__error(err, KVP_ERR_UNSUPPORTED, "%s: vLLM runs Mamba-2 without"
		                  " pipeline stages (Mamba2ForCausalLM is not SupportsPP)", name);
	return KVP_OK;
}

/* The stage of layer i. */
static uint32_t stage_of(const kvp_plan *p, uint32_t i)
{
	uint32_t s = 0;

	while (s + 1 < p->stages && i >= p->stage_first[s + 1])
		s++;
	return s;
}

/* vLLM refuses a layer that reads another's cache on another pipeline
 * stage (vllm/model_executor/layers/attention/attention.py
 * validate_kv_sharing_target: the target is not in the rank's
 * static_forward_context), as Gemma 4 E2B's at pp 2 would. */
static kvp_status shared_stages(const kvp_model *m, const kvp_plan *p, kvp_error *err)
{
	char label[KVP_QUOTE_MAX];
	uint32_t first, low, bad = UINT32_MAX;

	if (p->request.engine != KVP_ENGINE_VLLM || p->stages < 2 || !m->kv_shared_layers)
		return KVP_OK;
	/* the sources' lowest, and the first layer whose source lies apart */
	first = low = m->layers - m->kv_shared_layers;
	for (uint32_t i = first; i < m->layers; i++) {
		uint32_t src = kvp__shared_source(m, i);

		low = src < low ? src : low;
		if (bad == UINT32_MAX && stage_of(p, src) != stage_of(p, i))
			bad = i;
	}
	if (bad == UINT32_MAX)
		return KVP_OK;
	return kvp__error(err, KVP_ERR_UNSUPPORTED, "%s: layer %u reads layer %u's cache from"
	                  " another pipeline stage, which vLLM refuses"
	                  " (validate_kv_sharing_target): --pp-layers keeping layers %u to %u"
	                  " on one stage", kvp__label(m->name, "the model", label), bad,
	                  kvp__shared_source(m, bad), low, m->layers - 1);
}

kvp_status kvp_plan_compute(const kvp_model *model, const kvp_request *request,
                            kvp_plan *out, kvp_error *err)
{
	char label[KVP_QUOTE_MAX];
	kvp_model copy;
	kvp_request resolved;
	const kvp_model *m = model;
	kvp_plan *p = out;
	struct sizing z;
	kvp_weights_estimate w;
	const kvp_weights_estimate *est = NULL;
	kvp_status st;

	if (!model || !request || !out)
		return kvp__error(err, KVP_ERR_INVALID, "no model, request or plan given");
	if ((st = check_request(request, err)) != KVP_OK)
		return st;
	/* vLLM keeps every block boundary's state (mamba_cache_mode all)
	 * only for the models that support it; it runs the others in align
	 * (vllm/model_executor/models/config.py MambaModelConfig). */
	if (request->engine == KVP_ENGINE_VLLM && request->mamba_cache_mode == KVP_MAMBA_ALL &&
	    !kvp__mamba_all_supported(model))
		filled(&request, &resolved)->mamba_cache_mode = KVP_MAMBA_ALIGN;
	/* A model whose head_dim is given is planned where it is, checked as
	 * kvp_model_finalize checks it (a copy costs more than a plan of a
	 * uniform model); one whose head_dim is derived, on a copy. */
	if (model->head_dim != 0) {
		st = kvp__model_check(model, err);
	} else {
		copy = *model;
		st = kvp_model_finalize(&copy, err);
		m = &copy;
	}
	if (st != KVP_OK)
		return st;
	/* A model without attention (Mamba): vLLM turns prefix caching off
	 * for it (ModelConfig.is_prefix_caching_supported is false for an
	 * attention-free model, vllm/config/model.py at 81be2e09,
	 * 2026-08), so its mamba_cache_mode is none unless asked. */
	if (request->engine == KVP_ENGINE_VLLM && request->mamba_cache_mode == KVP_MAMBA_DEFAULT &&
	    kvp_model_attention_free(m))
		filled(&request, &resolved)->mamba_cache_mode = KVP_MAMBA_NONE;
	if ((st = engine_runs(m, request, err)) != KVP_OK)
		return st;
	/* MiniCPM3's MLA runs as plain attention in vLLM and llama.cpp:
	 * every head's K of qk_nope + qk_rope values and its V (research:
	 * /work/research/minicpm3-cache.md; vllm/model_executor/models/
	 * minicpm3.py MiniCPM3Attention, an Attention of heads x
	 * qk_head_dim, use_mla false for it; llama.cpp's llm_build_minicpm3,
	 * n_embd_head_k 96 and n_embd_head_v 64); SGLang keeps the latent
	 * (MiniCPM3AttentionMLA, MLATokenToKVPool). */
	if (kvp__minicpm3(m) && request->mla == KVP_MLA_LATENT &&
	    (request->engine == KVP_ENGINE_VLLM || request->engine == KVP_ENGINE_LLAMA_CPP))
		filled(&request, &resolved)->mla = KVP_MLA_EXPANDED;
	/* vLLM's model runner, its default for the model where not given:
	 * the plan's request says which it followed. */
	if (request->engine == KVP_ENGINE_VLLM && request->vllm_runner == 0)
		filled(&request, &resolved)->vllm_runner = kvp_engine_vllm_runner(m, request);
	/* The weights the engine loads: a checkpoint's MTP layers are an MTP
	 * draft's alone (lib/draft.c weighs them), and llama.cpp keeps a
	 * vision tower in its mmproj file (kvp_request_loads_towers).  On a
	 * copy, for the few models that say so. */
	if (kvp_model_loaded_params(m, request) != m->params) {
		kvp_model_loaded(m, request, &copy);
		m = &copy;
	}
	z = (struct sizing){m, request, label, err};
	if ((st = kvp__tp_check(m, request, err)) != KVP_OK)
		return st;
	/* TensorRT-LLM's attention data parallelism: its PyTorch runtime's,
	 * and for attention and MLA layers as its code was read. */
	if (request->engine == KVP_ENGINE_TRTLLM && request->attention_dp &&
	    (request->trtllm_cpp || kvp_model_count_layers(m, KVP_LAYER_RECURRENT)))
		return kvp__error(err, KVP_ERR_INVALID, "%s: TensorRT-LLM's attention data"
		                  " parallelism is %s", kvp__zname(&z),
		                  request->trtllm_cpp ? "its PyTorch runtime's, not the C++ one's"
		                  : "not modelled for recurrent layers");
	/* TensorRT-LLM's fp4 indexer key, for a key of 128 ("`fp4` requires
	 * ... index_head_dim=128", llm_args.py); the other engines have
	 * none, and ignore it. */
	if (request->indexer_fp4 && request->engine == KVP_ENGINE_TRTLLM &&
	    m->index_head_dim != 128)
		return kvp__error(err, KVP_ERR_INVALID, "%s: TensorRT-LLM keeps an fp4"
		                  " indexer key (indexer_k_dtype) for an index_head_dim of"
		                  " 128; %s", kvp__zname(&z),
		                  m->index_head_dim ? "not this model's" : "the model has no indexer");
	/* SGLang's data-parallel attention, as its code was read: one
	 * pipeline stage, attention and MLA layers. */
	if (kvp__sglang_dp_attention(request) &&
	    ((request->pp ? request->pp : 1) > 1 || kvp_model_count_layers(m, KVP_LAYER_RECURRENT)))
		return kvp__error(err, KVP_ERR_INVALID, "%s: SGLang's data-parallel attention"
		                  " is not modelled %s", kvp__zname(&z),
		                  (request->pp ? request->pp : 1) > 1 ? "with pipeline stages"
		                  : "for recurrent layers");
	/* SGLang's MLPs whole (--moe-dense-tp-size 1, DeepEP), with one
	 * pipeline stage as read. */
	if (request->engine == KVP_ENGINE_SGLANG &&
	    (request->sglang_dense_whole || request->sglang_deepep) &&
	    (request->pp ? request->pp : 1) > 1)
		return kvp__error(err, KVP_ERR_INVALID, "%s: SGLang's %s is not modelled with"
		                  " pipeline stages", kvp__zname(&z),
		                  request->sglang_deepep ? "DeepEP backend"
		                  : "--moe-dense-tp-size 1");
	/* Every field is set below but for the groups, each zeroed as it is
	 * made, and the stages, each set as kvp__plan_parallel makes it: the
	 * plan is 24 KB, mostly groups and stages a model does not have. */
	p->request = *request;
	p->ssm_chunk_size = m->ssm_chunk_size ? m->ssm_chunk_size : 2048;
	memcpy(p->model_name, m->name, sizeof p->model_name);
	p->layers = m->layers;
	p->group_count = 0;
	p->model_kv_heads = m->kv_heads;
	p->kv_bytes_per_token = p->kv_total_bytes = p->state_total_bytes = 0;
	p->cache_total_bytes = p->exact_cache_bytes = p->unsharded_cache_bytes = 0;
	p->kv_bytes_per_gpu = p->max_layer_bytes = 0;
	p->stages = 0;
	p->stages_whole = false;
	p->kv_heads_per_gpu = 0;
	p->streams = p->n_ctx = p->params = p->weights_bytes = 0;
	p->embedding_bytes = p->head_bytes = p->layer_input_bytes = 0;
	p->outer_every_stage = false;
	p->head_every_stage = false;
	p->plateau_seq = 0;
	p->windows_held = !request->no_window && kvp__sglang_holds_windows(m, request) &&
	                  (kvp_model_count_layers(m, KVP_LAYER_SLIDING) ||
	                   kvp_model_count_layers(m, KVP_LAYER_CHUNKED));
	if ((st = group_layers(&z, p)) != KVP_OK)
		return st;
	p->bounded = true;
	for (uint32_t g = 0; g < p->group_count; g++)
		if ((st = kvp__size_group(&z, &p->groups[g])) != KVP_OK)
			return st;
	/* Speculative decoding: the draft's layers beside the model's (in
	 * vLLM's page sizes too), then more recurrent states a sequence,
	 * each a page of its own. */
	p->draft_layers = 0;
	if ((request->draft || request->mtp_layers) &&
	    (st = kvp__plan_spec_groups(&z, p)) != KVP_OK)
		return st;
	if ((st = kvp__engine_group_blocks(p, err)) != KVP_OK)
		return st;
	{
		/* A state page per sequence, or more: speculative tokens'
		 * and vLLM's align mode's (kvp__spec_state_rows). */
		uint64_t rows = kvp__spec_state_rows(request, m);
		bool all = request->engine == KVP_ENGINE_VLLM &&
		           request->mamba_cache_mode == KVP_MAMBA_ALL;

		for (uint32_t g = 0; g < p->group_count && (rows > 1 || all); g++) {
			/* Mode all: a page each block of the group's, as
			 * vLLM's MambaManager allocates them. */
			uint64_t n = all && p->groups[g].kind == KVP_LAYER_RECURRENT
			             ? kvp__vllm_blocks(request, &p->groups[g], request->seq,
			                                p->groups[g].block)
			             : rows;

			if (!kvp__mul(p->groups[g].state_bytes_per_seq, n,
			              &p->groups[g].state_bytes_per_seq))
				return kvp__sizing_overflow(&z);
		}
	}
	for (uint32_t g = 0; g < p->group_count; g++) {
		kvp_layer_group *grp = &p->groups[g];
		uint64_t per_token, layer;

		if ((st = kvp__fill_group(&z, grp)) != KVP_OK)
			return st;
		if (!kvp__mul(grp->bytes_per_token, grp->layers, &per_token) ||
		    !kvp__add(p->kv_bytes_per_token, per_token, &p->kv_bytes_per_token) ||
		    !kvp__add(p->kv_total_bytes, grp->k_bytes, &p->kv_total_bytes) ||
		    !kvp__add(p->kv_total_bytes, grp->v_bytes, &p->kv_total_bytes) ||
		    !kvp__add(p->kv_total_bytes, grp->latent_bytes, &p->kv_total_bytes) ||
		    !kvp__add(p->kv_total_bytes, grp->index_bytes, &p->kv_total_bytes) ||
		    !kvp__add(p->state_total_bytes, grp->state_bytes, &p->state_total_bytes) ||
		    !kvp__add(grp->layer_kv_bytes, grp->layer_state_bytes, &layer))
			return kvp__sizing_overflow(&z);
		if (layer > p->max_layer_bytes)
			p->max_layer_bytes = layer;
		if (grp->bytes_per_token > 0) {
			/* A policy's cap bounds the cache when it does not
			 * grow with the prompt.  vLLM's window layers grow
			 * to their reach, the window and the tokens in
			 * flight. */
			uint64_t bound = grp->window, extra;

			if (bound && request->engine == KVP_ENGINE_VLLM)
				kvp__vllm_reach(request, grp, &bound, &extra);

			if (grp->cap && !kvp_policy_varies(&request->policy) &&
			    (!bound || grp->cap < bound))
				bound = grp->cap;
			if (bound == 0 || kvp_policy_varies(&request->policy))
				p->bounded = false;
			else if (bound > p->plateau_seq)
				p->plateau_seq = bound;
		}
	}
	if (!p->bounded)
		p->plateau_seq = 0;
	if ((st = parallel_layer_bytes(&z, p)) != KVP_OK)
		return st;
	if (!kvp__add(p->kv_total_bytes, p->state_total_bytes, &p->cache_total_bytes))
		return kvp__sizing_overflow(&z);
	p->params = m->params;
	p->vocab = m->vocab;
	/* the widest layer's, Gemma 4 E2B's shared ones' */
	p->intermediate = (uint32_t)kvp__widest_intermediate(m);
	p->hidden = m->hidden;
	kvp__sglang_vision(m, request, &p->vision_hidden, &p->vision_layers);
	p->batched_tokens = kvp__vllm_plan_mnbt(p);
	kvp__trtllm_mla_workspace(m, request, p);
	/* kv_cache_manager_v2.py _build_base_config raises ValueError
	 * ("kv_cache_config.avg_seq_len (...) must be less than or equal to
	 * max_seq_len (...)"). */
	if (request->engine == KVP_ENGINE_TRTLLM && request->trtllm_avg_seq_len &&
	    p->trtllm_max_seq_len && request->trtllm_avg_seq_len > p->trtllm_max_seq_len)
		return kvp__error(err, KVP_ERR_INVALID, "TensorRT-LLM's avg_seq_len %" PRIu64
		                  " is more than its max_seq_len %" PRIu64,
		                  request->trtllm_avg_seq_len, p->trtllm_max_seq_len);
	kvp__plan_buffers(m, p);
	kvp__vllm_plan_graphs(m, p);
	kvp__vllm_plan_moe(m, p);
	kvp__vllm_plan_mxfp4(m, p);
	kvp__vllm_plan_sparse(m, p);
	/* Counted from a checkpoint, or params in the weights' format (a
	 * plain type is the fit's: a cache plan does not fail on it). */
	p->weights_bytes = request->weight_bytes;
	if (!request->weight_bytes && request->weights_format.kind != KVP_WFORMAT_PLAIN) {
		if ((st = kvp_weights_estimate_compute(m, &request->weights_format,
		                                       request->weights_dtype, &w, err)) != KVP_OK)
			return st;
		p->weights_bytes = w.bytes;
		est = &w;
	} else if (request->weight_bytes && !request->weight_expert_bytes &&
	           request->weights_format.kind != KVP_WFORMAT_PLAIN &&
	           /* MXFP4's experts from their shapes (lib/vllm_mxfp4.c) */
	           request->weights_format.kind != KVP_WFORMAT_MXFP4 &&
	           kvp_weights_estimate_compute(m, &request->weights_format,
	                                        request->weights_dtype, &w, NULL) == KVP_OK) {
		/* A checkpoint's total that does not count its parts (an
		 * index alone), in a format: the format's estimate shares it
		 * out among them (the experts', kvp__plan_expert_weights) */
		est = &w;
	}
	kvp__plan_outer_weights(m, p);
	if ((st = kvp__plan_draft_weights(&z, p)) != KVP_OK ||
	    (st = kvp__plan_parallel(p, err)) != KVP_OK ||
	    (st = shared_stages(m, p, err)) != KVP_OK)
		return st;
	if (p->stages > 1)
		kvp__plan_stage_units(m, p);
	else
		p->stage_units[0] = 0;
	kvp__trtllm_spec_buffers(m, p);
	kvp__plan_expert_weights(m, est, p);
	kvp__plan_replicated_weights(m, est, p);
	kvp__vllm_plan_ct_int(m, p);
	kvp__plan_attention_weights(m, est, p);
	p->sglang_context_len = request->engine == KVP_ENGINE_SGLANG
	                        ? kvp_sglang_context_len(m, request) : 0;
	if ((st = kvp__sglang_mamba_check(request, err)) != KVP_OK)
		return st;
	p->sglang_state_ratio = kvp__sglang_state_ratio(m, request);
	if ((st = kvp__sglang_spec(m, request, &p->sglang_spec_steps, &p->sglang_spec_topk,
	                           &p->sglang_spec_tokens, err)) != KVP_OK)
		return st;
	for (uint32_t g = 0; g < p->group_count && p->sglang_spec_tokens; g++)
		if (p->groups[g].kind == KVP_LAYER_RECURRENT && !p->groups[g].draft)
			kvp__sglang_spec_state(request, &p->groups[g], m->ssm_conv_kernel,
			                       p->sglang_spec_topk, p->sglang_spec_tokens);
	kvp__plan_rotary(m, p);
	kvp__plan_topk_rows(m, p);
	if ((st = kvp__plan_lora(m, p, err)) != KVP_OK)
		return st;
	return kvp__plan_reference_sizes(&z, p);
}

uint32_t kvp_plan_layer_group(const kvp_plan *p, uint32_t index)
{
	if (!p || index >= p->layers || p->cycle_len == 0)
		return UINT32_MAX;
	return p->cycle[index % p->cycle_len];
}
