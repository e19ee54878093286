/*
 * json_out.c — the plan as JSON for tools: exact bytes as integers, every
 * key of the DESIGN.md contract, null where a figure does not exist.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"

int cli_json_done(const struct json_writer *w)
{
	if (!json_writer_failed(w))
		return 0;
	fputs("kvplan: out of memory\n", stderr);
	return 2;
}

/* The model's identity and shape, under name_key ("model" in a plan). */
void cli_model_json(struct json_writer *w, const char *name_key, const kvp_model *m)
{
	json_text(w, name_key, m->name);
	if (m->model_type[0])
		json_text(w, "model_type", m->model_type);
	else
		json_null(w, "model_type");
	json_text(w, "attention", kvp_attention_name(kvp_model_attention(m)));
	json_u64(w, "layers", m->layers);
	json_u64(w, "heads", m->heads);
	json_u64(w, "kv_heads", m->kv_heads);
	json_u64(w, "head_dim", m->head_dim);
	json_u64(w, "hidden", m->hidden);
	json_u64(w, "params", m->params);
	json_u64(w, "vocab", m->vocab);
	json_bool(w, "tie_word_embeddings", m->tie_embeddings);
	json_u64(w, "intermediate_size", m->intermediate);
	json_u64(w, "max_context", m->max_context);
	{
		char pattern[4096];

		json_text(w, "layer_pattern", cli_pattern_text(m, pattern, sizeof pattern));
	}
	json_bool(w, "ssm_parallel", m->ssm_parallel);
	json_u64(w, "head_dim_v", m->head_dim_v ? m->head_dim_v : m->head_dim);
	if (m->full_head_dim)
		json_u64(w, "global_head_dim", m->full_head_dim);
	if (m->kv_shared_layers)
		json_u64(w, "num_kv_shared_layers", m->kv_shared_layers);
	if (m->double_wide_mlp)
		json_bool(w, "use_double_wide_mlp", true);
	/* Each layer's own kv heads where they differ (Gemma 4's full layers'
	 * num_global_key_value_heads), as the profile's layer_kv_heads. */
	if (m->layer_kv_heads_len) {
		json_array_begin(w, "layer_kv_heads");
		for (uint32_t i = 0; i < m->layer_kv_heads_len; i++)
			json_u64(w, NULL, kvp_model_layer_kv_heads(m, i));
		json_array_end(w);
	}
	json_u64(w, "sliding_window", m->sliding_window);
	json_u64(w, "chunk_size", m->chunk_size);
	json_u64(w, "kv_lora_rank", m->kv_lora_rank);
	json_u64(w, "qk_rope_dim", m->qk_rope_dim);
	json_u64(w, "qk_nope_dim", m->qk_nope_dim);
	json_u64(w, "v_head_dim", m->v_head_dim);
	if (m->q_lora_rank)
		json_u64(w, "q_lora_rank", m->q_lora_rank);
	if (m->index_head_dim) {
		json_u64(w, "index_head_dim", m->index_head_dim);
		/* The layers that keep the indexer's key: every MLA layer,
		 * or a shared indexer's full ones. */
		json_u64(w, "indexed_layers", kvp_model_count_indexed(m));
		if (m->index_topk)
			json_u64(w, "index_topk", m->index_topk);
	}
}

static void validation_json(struct json_writer *w, const kvp_validate_result *v)
{
	json_object_begin(w, "validation");
	json_text(w, "layout", kvp_layout_name(v->layout));
	json_u64(w, "block_size", v->block_size);
	json_text(w, "dtype", kvp_dtype_name(v->dtype));
	json_u64(w, "predicted_bytes", v->predicted_bytes);
	json_u64(w, "measured_bytes", v->measured_bytes);
	if (v->resident_known)
		json_u64(w, "resident_bytes", v->resident_bytes);
	else
		json_null(w, "resident_bytes");
	json_u64(w, "ref_layers", v->ref_layers);
	json_u64(w, "ref_positions", v->ref_positions);
	json_u64(w, "ref_prompt", v->ref_prompt);
	json_u64(w, "ref_batch", v->ref_batch);
	json_u64(w, "ref_predicted_bytes", v->ref_predicted_bytes);
	json_u64(w, "ref_measured_bytes", v->ref_measured_bytes);
	json_real(w, "max_abs_error", v->max_abs_error);
	json_real(w, "tolerance", v->tolerance);
	json_bool(w, "overrun_refused", v->overrun_refused);
	json_text(w, "policy", kvp_policy_kind_name(v->policy));
	json_bool(w, "attention_run", v->policy == KVP_POLICY_FULL || v->attention_run);
	json_bool(w, "passed", v->passed);
	json_object_end(w);
}

static void explain_json(void *ctx, const char *text)
{
	json_text(ctx, NULL, text);
}

/* What would make it fit (computed when it does not, or with --solve). */
static void advice_json(struct json_writer *w, const struct cli_plan *p, size_t i)
{
	const kvp_advice *a = &p->advice[i];
	uint64_t answer;

	if (p->fits[i].fits_hbm && !p->solve)
		return;
	json_u64(w, "shortfall_bytes", a->short_bytes);
	json_object_begin(w, "fits_with");
	if (a->max_seq_unbounded)
		json_null(w, "max_seq");
	else
		json_u64(w, "max_seq", a->max_seq);
	json_u64(w, "max_batch", a->max_batch);
	if (a->dtype_found)
		json_text(w, "cache_type", kvp_dtype_name(a->dtype));
	else
		json_null(w, "cache_type");
	if (a->min_tp) {
		json_u64(w, "min_tp", a->min_tp);
		json_u64(w, "min_gpus", a->min_gpus);
	} else {
		json_null(w, "min_tp");
		json_null(w, "min_gpus");
	}
	json_object_end(w);
	if (p->solve) {
		json_text(w, "solve", cli_solve_name(p->solve));
		if (cli_solve_answer(p, i, &answer))
			json_u64(w, "answer", answer);
		else
			json_null(w, "answer");
	}
}

static void capacity_json(struct json_writer *w, const kvp_capacity *c, kvp_engine e)
{
	json_u64(w, "capacity_blocks", c->blocks);
	json_u64(w, "capacity_tokens", c->tokens);
	json_u64(w, "capacity_log_tokens", c->log_tokens);
	/* SGLang's sliding-window pool (0 without sliding layers). */
	if (e == KVP_ENGINE_SGLANG) {
		json_u64(w, "capacity_swa_tokens", c->swa_tokens);
		/* ... as its chunk cache caps it (0 where the ratio splits) */
		json_u64(w, "capacity_swa_cap", c->swa_cap);
		json_u64(w, "capacity_swa_floor", c->swa_floor);
		/* Its pool of recurrent states (0 without one). */
		json_u64(w, "capacity_state_slots", c->state_slots);
		json_u64(w, "capacity_state_bytes", c->state_bytes);
		json_u64(w, "capacity_max_requests", c->max_requests);
		/* With a draft, the pool's verify buffers, of state_bytes. */
		json_u64(w, "capacity_state_spec_bytes", c->state_spec_bytes);
	}
	/* TensorRT-LLM's hybrid manager: its states beside the blocks
	 * (lib/trtllm_hybrid.c); null for another model. */
	if (e == KVP_ENGINE_TRTLLM && c->trtllm_manager) {
		json_text(w, "capacity_kv_manager",
		          c->trtllm_manager == KVP_TRTLLM_MANAGER_V1 ? "v1" : "v2");
		json_u64(w, "capacity_state_slots", c->state_slots);
		json_u64(w, "capacity_state_bytes", c->state_bytes);
		json_u64(w, "capacity_max_requests", c->max_requests);
		json_u64(w, "capacity_quota", c->quota);
		json_u64(w, "capacity_grain", c->grain);
		json_u64(w, "capacity_grains", c->grains);
		json_real(w, "capacity_state_ratio", (double)c->ratio);
		json_u64(w, "capacity_state_floor", c->state_floor);
		json_u64(w, "capacity_batch_limit", c->batch_limit);
	} else if (e == KVP_ENGINE_TRTLLM) {
		json_null(w, "capacity_kv_manager");
	}
	json_real(w, "max_concurrency", c->max_concurrency);
	json_u64(w, "capacity_allocated_bytes", c->allocated_bytes);
}

/* One GPU's memory, part by part (they sum to total, or exceed it by
 * over). */
static void footprint_json(struct json_writer *w, const kvp_fit *fit)
{
	const kvp_footprint *f = &fit->footprint;

	json_object_begin(w, "memory");
	json_u64(w, "total_bytes", f->total);
	json_u64(w, "weights_bytes", f->weights);
	json_u64(w, "draft_weights_bytes", f->draft);
	json_u64(w, "lora_bytes", f->adapters);
	json_u64(w, "kv_cache_bytes", f->kv);
	json_u64(w, "state_bytes", f->state);
	json_u64(w, "activation_bytes", f->activations);
	json_u64(w, "runtime_bytes", f->runtime);
	json_u64(w, "cuda_graph_bytes", fit->cuda_graph_bytes);
	json_u64(w, "mla_workspace_bytes", fit->mla_workspace_bytes);
	json_u64(w, "reserve_bytes", f->reserve);
	json_u64(w, "req_table_bytes", f->req_table);
	json_u64(w, "held_back_bytes", f->held_back);
	json_u64(w, "unused_bytes", f->unused);
	json_u64(w, "over_bytes", f->over);
	json_u64(w, "host_bytes", f->host);
	json_object_end(w);
}

/* The engine, its settings, and the cache across GPUs. */
/* gpt-oss's MXFP4 experts as vLLM's kernel lays them out on d, on a
 * GPU of its binding stage (lib/vllm_mxfp4.c); nothing for another
 * model or engine. */
static void json_mxfp4_layout(struct json_writer *w, const kvp_plan *lp, const kvp_device *d,
                              uint32_t stage)
{
	kvp_mxfp4_layout mx;

	if (!lp->mxfp4_intermediate || kvp_plan_mxfp4_layout(lp, d, stage, &mx, NULL) != KVP_OK)
		return;
	json_object_begin(w, "mxfp4_layout");
	json_text(w, "kernel", mx.kernel == KVP_MOE_NONE ? "checkpoint"
	                                                 : kvp_moe_backend_name(mx.kernel));
	json_u64(w, "hidden", mx.hidden);
	json_u64(w, "intermediate", mx.intermediate);
	json_u64(w, "experts", mx.experts);
	json_u64(w, "layers", mx.layers);
	json_u64(w, "layer_bytes", mx.layer_bytes);
	json_u64(w, "bytes", mx.bytes);
	json_u64(w, "checkpoint_bytes", mx.checkpoint_bytes);
	json_object_end(w);
}

static void engine_json(struct json_writer *w, const struct cli_plan *p)
{
	const kvp_plan *lp = &p->layers;
	const kvp_request *r = &p->request;

	json_text(w, "engine", kvp_engine_name(r->engine));
	json_u64(w, "tp", r->tp);
	json_u64(w, "pp", r->pp);
	json_u64(w, "dp", r->dp);
	/* vLLM's decode context parallel size; 1 for the other engines,
	 * which ignore it */
	json_u64(w, "dcp", cli_dcp(r));
	json_u64(w, "kv_heads_per_gpu", lp->kv_heads_per_gpu);
	json_u64(w, "kv_bytes_per_gpu", lp->kv_bytes_per_gpu);
	json_u64(w, "exact_cache_bytes", lp->exact_cache_bytes);
	json_bool(w, "windows_held", lp->windows_held);
	json_bool(w, "stages_whole", lp->stages_whole);
	json_u64(w, "unsharded_cache_bytes", lp->unsharded_cache_bytes);
	/* vLLM: the step of tokens its sliding and chunked layers keep,
	 * once for each step in flight (the first GPU's default when not
	 * given); null when none does. */
	if (r->engine == KVP_ENGINE_VLLM) {
		if (lp->batched_tokens)
			json_u64(w, "max_num_batched_tokens", lp->batched_tokens);
		else
			json_null(w, "max_num_batched_tokens");
		/* Its block: given, 16, an MLA backend's on the first GPU,
		 * or a hybrid's enlarged one. */
		json_u64(w, "block_size", cli_engine_block(lp));
		/* Its model runner, given or its default for the model and
		 * release (the plan's request: kvp_engine_vllm_runner). */
		json_text(w, "vllm_runner", lp->request.vllm_runner == 1 ? "v1" : "v2");
	}
	/* SGLang: its page, the first GPU's backend's unless given. */
	if (r->engine == KVP_ENGINE_SGLANG)
		json_u64(w, "page_size", cli_engine_block(lp));
	json_array_begin(w, "stages");
	for (uint32_t s = 0; s < lp->stages; s++) {
		json_object_begin(w, NULL);
		json_u64(w, "first_layer", lp->stage_first[s]);
		json_u64(w, "layers", lp->stage_layers[s]);
		json_u64(w, "bytes_per_gpu", lp->stage_bytes[s]);
		if (lp->expert_bytes)
			json_u64(w, "expert_bytes", lp->stage_expert_bytes[s]);
		if (lp->stage_kv_replica_bytes[s])
			json_u64(w, "kv_replica_bytes", lp->stage_kv_replica_bytes[s]);
		if (lp->stage_rotary_bytes[s])
			json_u64(w, "rotary_bytes", lp->stage_rotary_bytes[s]);
		if (lp->stage_indexer_upcast_bytes[s])
			json_u64(w, "indexer_upcast_bytes", lp->stage_indexer_upcast_bytes[s]);
		json_object_end(w);
	}
	json_array_end(w);
	/* Where the stages put the embedding and the LM head (0: tied). */
	json_u64(w, "embedding_bytes", lp->embedding_bytes);
	json_u64(w, "head_bytes", lp->head_bytes);
	/* What every tensor-parallel rank holds whole. */
	if (lp->replicated_bytes)
		json_u64(w, "replicated_bytes", lp->replicated_bytes);
	/* The routed experts' weights (vLLM: over tp x dp GPUs). */
	if (lp->expert_bytes) {
		json_u64(w, "expert_bytes", lp->expert_bytes);
		json_u64(w, "routed_experts", lp->routed_experts);
		json_bool(w, "expert_parallel", r->expert_parallel);
	}
	/* Attention data parallelism: TensorRT-LLM's, or SGLang's with its
	 * attention's tp, the GPUs, and its parts of the weights. */
	if (r->engine == KVP_ENGINE_TRTLLM || r->engine == KVP_ENGINE_SGLANG)
		json_bool(w, "attention_dp", r->attention_dp && (r->engine == KVP_ENGINE_TRTLLM ||
		                                                 cli_sglang_dp_attention(r)));
	if (r->engine == KVP_ENGINE_SGLANG) {
		json_bool(w, "dp_lm_head", cli_sglang_dp_attention(r) && r->sglang_dp_lm_head);
		json_bool(w, "dense_mlp_whole", r->sglang_dense_whole);
		json_bool(w, "deepep", r->sglang_deepep);
		if (lp->dense_mlp_bytes)
			json_u64(w, "dense_mlp_bytes", lp->dense_mlp_bytes);
		if (lp->shared_expert_bytes)
			json_u64(w, "shared_expert_bytes", lp->shared_expert_bytes);
	}
	if (cli_sglang_dp_attention(r)) {
		json_u64(w, "attention_tp", r->tp / r->dp);
		json_u64(w, "gpu_count", kvp_request_gpus(r));
		json_u64(w, "attention_bytes", lp->attention_bytes);
		json_u64(w, "attention_gpu_bytes", lp->attention_gpu_bytes);
	}
	/* The copies of kv_b_proj an engine keeps beside it (MLA). */
	if (lp->attention_copy_bytes)
		json_u64(w, "attention_copy_bytes", lp->attention_copy_bytes);
	if (lp->attention_copy_sm100_bytes)
		json_u64(w, "attention_copy_sm100_bytes", lp->attention_copy_sm100_bytes);
	/* The rotary tables a GPU builds (vLLM, SGLang, TensorRT-LLM), in
	 * its weights. */
	if (r->engine == KVP_ENGINE_VLLM || r->engine == KVP_ENGINE_SGLANG ||
	    r->engine == KVP_ENGINE_TRTLLM)
		json_u64(w, "rotary_bytes", lp->rotary_bytes);
	/* vLLM: its bf16 wk of the indexer past the fp8 counted, and a
	 * batched token's row of its buffers of selected indices. */
	if (lp->indexer_upcast_bytes)
		json_u64(w, "indexer_upcast_bytes", lp->indexer_upcast_bytes);
	if (lp->topk_row_bytes)
		json_u64(w, "topk_row_bytes", lp->topk_row_bytes);
	if (lp->draft_topk_row_bytes)
		json_u64(w, "draft_topk_row_bytes", lp->draft_topk_row_bytes);
	if (r->kv_budget) {
		kvp_capacity c;

		if (kvp_plan_capacity(lp, r->kv_budget, &c, NULL) == KVP_OK)
			capacity_json(w, &c, r->engine);
	}
}

/* The layer groups, and the group of each layer. */
static void groups_json(struct json_writer *w, const struct cli_plan *p)
{
	const kvp_plan *lp = &p->layers;
	bool v_exists;

	json_array_begin(w, "layer_groups");
	for (uint32_t g = 0; g < lp->group_count; g++) {
		const kvp_layer_group *grp = &lp->groups[g];

		/* An MLA latent stores no V, and a recurrent or empty layer
		 * neither K nor V: those are null, not 0. */
		v_exists = grp->kind != KVP_LAYER_RECURRENT && grp->kind != KVP_LAYER_NONE &&
		           !(grp->kind == KVP_LAYER_MLA && p->request.mla == KVP_MLA_LATENT);
		json_object_begin(w, NULL);
		json_text(w, "kind", kvp_layer_kind_name(grp->kind));
		json_u64(w, "layers", grp->layers);
		json_u64(w, "first_layer", grp->first_layer);
		json_u64(w, "kv_heads", grp->kv_heads);
		json_u64(w, "head_dim", grp->head_dim);
		if (grp->window)
			json_u64(w, "window", grp->window);
		else
			json_null(w, "window");
		json_u64(w, "tokens", grp->tokens);
		json_u64(w, "cells", grp->cells);
		json_u64(w, "k_values", grp->k_values);
		json_u64(w, "v_values", grp->v_values);
		json_u64(w, "latent_values", grp->latent_values);
		json_u64(w, "index_values", grp->index_values);
		json_u64(w, "k_bytes_per_token", grp->k_bytes_per_token);
		if (v_exists)
			json_u64(w, "v_bytes_per_token", grp->v_bytes_per_token);
		else
			json_null(w, "v_bytes_per_token");
		json_u64(w, "latent_bytes_per_token", grp->latent_bytes_per_token);
		json_u64(w, "index_bytes_per_token", grp->index_bytes_per_token);
		json_u64(w, "bytes_per_token", grp->bytes_per_token);
		json_u64(w, "state_bytes_per_seq", grp->state_bytes_per_seq);
		json_u64(w, "k_bytes", grp->k_bytes);
		if (v_exists)
			json_u64(w, "v_bytes", grp->v_bytes);
		else
			json_null(w, "v_bytes");
		json_u64(w, "latent_bytes", grp->latent_bytes);
		json_u64(w, "index_bytes", grp->index_bytes);
		json_u64(w, "state_bytes", grp->state_bytes);
		json_u64(w, "bytes", grp->bytes);
		json_bool(w, "draft", grp->draft);
		json_bool(w, "parallel", grp->parallel);
		json_object_end(w);
	}
	json_array_end(w);
	/* Layer i is in layer_groups[layer_group_cycle[i % length]]: the
	 * pattern as group indexes, as long as one cycle however deep the
	 * model; a parallel group's layers are its attention groups'. */
	json_array_begin(w, "layer_group_cycle");
	for (uint32_t i = 0; i < lp->cycle_len; i++)
		json_u64(w, NULL, lp->cycle[i]);
	json_array_end(w);
}

int cli_print_json(FILE *out, const struct cli_plan *p)
{
	static const char *const variant_keys[CLI_VARIANTS] = {"mha", "gqa", "mqa"};
	struct json_writer w;

	json_writer_init(&w, out);
	json_object_begin(&w, NULL);
	cli_model_json(&w, "model", &p->model);
	cli_source_json(&w, p);
	json_u64(&w, "seq", p->seq);
	json_u64(&w, "batch", p->batch);
	json_bool(&w, "exceeds_max_context", p->exceeds_max_context);
	json_text(&w, "dtype", kvp_dtype_name(p->dtype));
	json_text(&w, "weights_dtype", cli_weights_name(p));
	if (p->has_estimate) {
		const kvp_weights_estimate *e = &p->estimate;

		json_object_begin(&w, "weights_estimate");
		json_text(&w, "format", p->request.weights_format.name);
		json_u64(&w, "embedding_params", e->embedding_params);
		json_u64(&w, "head_params", e->head_params);
		json_u64(&w, "norm_params", e->norm_params);
		json_u64(&w, "tower_params", e->tower_params);
		json_u64(&w, "linear_params", e->linear_params);
		json_u64(&w, "quantized_params", e->quantized_params);
		json_u64(&w, "quantized_bytes", e->quantized_bytes);
		json_u64(&w, "other_bytes", e->other_bytes);
		json_u64(&w, "bytes", e->bytes);
		json_object_end(&w);
	}
	if (p->request.draft || p->request.mtp_layers) {
		json_object_begin(&w, "draft");
		json_text(&w, "kind", p->request.mtp_layers ? "mtp" : "model");
		if (p->request.draft)
			json_text(&w, "model", p->request.draft->name);
		else
			json_null(&w, "model");
		json_u64(&w, "layers", p->layers.draft_layers);
		json_u64(&w, "weights_bytes", p->layers.draft_weights_bytes);
		json_u64(&w, "embedding_bytes", p->layers.draft_embedding_bytes);
		json_u64(&w, "spec_tokens", p->request.spec_tokens);
		/* SGLang's speculative settings as it resolves them (0 under
		 * the other engines). */
		json_u64(&w, "sglang_spec_steps", p->layers.sglang_spec_steps);
		json_u64(&w, "sglang_spec_topk", p->layers.sglang_spec_topk);
		json_u64(&w, "sglang_spec_draft_tokens", p->layers.sglang_spec_tokens);
		json_object_end(&w);
	} else {
		json_null(&w, "draft");
	}
	if (p->layers.lora_adapter_bytes) {
		char modules[160];

		json_object_begin(&w, "lora");
		json_u64(&w, "rank", p->request.lora.rank);
		json_u64(&w, "slots", p->layers.request.lora.slots); /* the engine's default settled */
		json_text(&w, "modules", kvp_lora_modules_text(p->layers.lora_modules, modules,
		                                               sizeof modules));
		json_text(&w, "dtype", kvp_dtype_name(p->request.lora.dtype));
		json_u64(&w, "adapter_bytes", p->layers.lora_adapter_bytes);
		json_u64(&w, "bytes_per_gpu", p->layers.lora_bytes_per_gpu);
		json_object_end(&w);
	} else {
		json_null(&w, "lora");
	}
	/* null: the engine's own share for each GPU (its fit's mem_util) */
	if (cli_mem_util(p) > 0)
		json_real(&w, "mem_util", cli_mem_util(p));
	else
		json_null(&w, "mem_util");
	json_u64(&w, "reserve_bytes", p->fit_options.reserve_bytes);
	json_text(&w, "dtype_k", kvp_dtype_name(p->request.dtype_k));
	json_text(&w, "dtype_v", kvp_dtype_name(p->request.dtype_v));
	json_text(&w, "mla_mode", kvp_mla_mode_name(p->request.mla));
	engine_json(&w, p);
	json_bool(&w, "no_window", p->request.no_window);
	cli_policy_json(&w, p);
	json_u64(&w, "kv_bytes_per_token", p->layers.kv_bytes_per_token);
	json_u64(&w, "kv_bytes_per_layer", p->layers.max_layer_bytes);
	json_u64(&w, "kv_total_bytes", p->layers.kv_total_bytes);
	json_u64(&w, "state_total_bytes", p->layers.state_total_bytes);
	json_u64(&w, "cache_total_bytes", p->layers.cache_total_bytes);
	json_bool(&w, "cache_bounded", p->layers.bounded);
	if (p->layers.bounded)
		json_u64(&w, "cache_plateau_seq", p->layers.plateau_seq);
	else
		json_null(&w, "cache_plateau_seq");
	groups_json(&w, p);
	if (p->has_variants) {
		json_object_begin(&w, "variants");
		for (int v = 0; v < CLI_VARIANTS; v++) {
			json_object_begin(&w, variant_keys[v]);
			json_u64(&w, "kv_heads", p->variants[v].kv_heads);
			json_u64(&w, "kv_bytes_per_token", p->variant_sizes[v].bytes_per_token);
			json_u64(&w, "kv_total_bytes", p->variant_sizes[v].total_bytes);
			json_object_end(&w);
		}
		json_object_end(&w);
	} else {
		json_null(&w, "variants");
	}
	json_array_begin(&w, "gpus");
	for (size_t i = 0; i < p->n_devices; i++) {
		const kvp_device *d = &p->devices[i];
		const kvp_fit *f = &p->fits[i];
		int64_t ct;

		json_object_begin(&w, NULL);
		json_text(&w, "name", d->name);
		json_text(&w, "description", d->description);
		json_u64(&w, "l2_bytes", d->l2_bytes);
		json_u64(&w, "hbm_bytes", d->hbm_bytes);
		json_bool(&w, "fits_l2", f->fits_l2);
		json_bool(&w, "layer_fits_l2", f->layer_fits_l2);
		if (f->max_seq_l2_unbounded)
			json_null(&w, "max_seq_l2");
		else
			json_u64(&w, "max_seq_l2", f->max_seq_l2);
		json_bool(&w, "max_seq_l2_unbounded", f->max_seq_l2_unbounded);
		json_u64(&w, "weights_bytes", f->weights_bytes);
		json_real(&w, "mem_util", f->mem_util);
		json_u64(&w, "usable_bytes", f->usable_bytes);
		json_bool(&w, "fits_hbm", f->fits_hbm);
		if (f->max_seq_hbm_unbounded)
			json_null(&w, "max_seq_hbm");
		else
			json_u64(&w, "max_seq_hbm", f->max_seq_hbm);
		json_bool(&w, "max_seq_unbounded", f->max_seq_hbm_unbounded);
		json_u64(&w, "max_batch_hbm", f->max_batch_hbm);
		json_u64(&w, "weights_per_gpu", f->weights_per_gpu);
		json_u64(&w, "kv_bytes_per_gpu", f->cache_per_gpu);
		/* What the engine allocates on these GPUs: vLLM's default
		 * step of tokens differs from GPU to GPU. */
		json_u64(&w, "kv_total_bytes", f->kv_total_bytes);
		json_u64(&w, "state_total_bytes", f->state_total_bytes);
		json_u64(&w, "cache_total_bytes", f->cache_total_bytes);
		if (p->request.engine == KVP_ENGINE_VLLM)
			json_u64(&w, "max_num_batched_tokens", f->batched_tokens);
		/* vLLM's buffers of the indexer's selected indices, in the
		 * weights per GPU. */
		if (f->topk_buffer_bytes)
			json_u64(&w, "topk_buffer_bytes", f->topk_buffer_bytes);
		if (p->request.engine == KVP_ENGINE_VLLM ||
		    p->request.engine == KVP_ENGINE_SGLANG) {
			uint32_t block;
			const char *backend = cli_attention_backend(p, i, &block);

			/* This GPU's block (vLLM) or page (SGLang), which its
			 * attention backend may set, and that backend. */
			json_u64(&w, p->request.engine == KVP_ENGINE_VLLM ? "block_size" : "page_size",
			         cli_engine_block(cli_device_plan(p, i)));
			if (backend)
				json_text(&w, "attention_backend", backend);
			else
				json_null(&w, "attention_backend");
			/* And its cache types (vLLM's sparse MLA backend
			 * keeps fp8 as fp8_ds_mla). */
			json_text(&w, "dtype_k", kvp_dtype_name(cli_device_plan(p, i)->request.dtype_k));
			json_text(&w, "dtype_v", kvp_dtype_name(cli_device_plan(p, i)->request.dtype_v));
		}
		/* vLLM's experts kernel on this GPU, for a mixture of
		 * experts (lib/moe_backend.c). */
		if (cli_device_plan(p, i)->moe_backend != KVP_MOE_AUTO)
			json_text(&w, "moe_backend",
			          kvp_moe_backend_name(cli_device_plan(p, i)->moe_backend));
		/* gpt-oss's MXFP4 experts as vLLM's kernel lays them out on
		 * this GPU, in its weights (lib/vllm_mxfp4.c). */
		json_mxfp4_layout(&w, cli_device_plan(p, i), d, f->stage);
		/* compressed-tensors' integer weights beyond their share, as
		 * the engine's kernels keep them (lib/vllm_ct_int.c) */
		ct = kvp_plan_ct_int_bytes(cli_device_plan(p, i), d, f->stage);
		if (ct > 0)
			json_u64(&w, "ct_int_layout_bytes", (uint64_t)ct);
		json_u64(&w, "budget_bytes", f->budget_bytes);
		/* vLLM: the null block its check holds back from the budget
		 * (0.29 on; 0 before), which max_seq_hbm and max_batch_hbm
		 * answer without. */
		if (p->request.engine == KVP_ENGINE_VLLM)
			json_u64(&w, "held_bytes", kvp_plan_held_bytes(cli_device_plan(p, i),
			                                               f->stage));
		/* Each stage's weights and budget on one of its GPUs, and the
		 * stage that binds, whose GPU the figures above are. */
		json_u64(&w, "stage", f->stage);
		json_array_begin(&w, "stages");
		for (uint32_t s = 0; s < p->layers.stages; s++) {
			json_object_begin(&w, NULL);
			json_u64(&w, "weights_per_gpu", f->stage_weights[s]);
			json_u64(&w, "budget_bytes", f->stage_budget[s]);
			if (p->request.engine == KVP_ENGINE_VLLM)
				json_u64(&w, "held_bytes",
				         kvp_plan_held_bytes(cli_device_plan(p, i), s));
			json_object_end(&w);
		}
		json_array_end(&w);
		capacity_json(&w, &f->capacity, p->request.engine);
		footprint_json(&w, f);
		advice_json(&w, p, i);
		json_array_begin(&w, "engine_log");
		cli_engine_lines(p, i, explain_json, &w);
		json_array_end(&w);
		json_object_end(&w);
	}
	json_array_end(&w);
	if (p->validated)
		validation_json(&w, &p->validation);
	if (p->gpu_validated)
		cli_gpu_validation_json(&w, p);
	if (p->explain) {
		json_array_begin(&w, "explain");
		cli_explain(p, explain_json, &w);
		json_array_end(&w);
	}
	json_object_end(&w);
	return cli_json_done(&w);
}

