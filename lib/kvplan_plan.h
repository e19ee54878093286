/*
 * kvplan_plan.h — libkvplan's plans: what a request of a model caches,
 * layer group by layer group, and the inverse questions on one budget.
 * A part of kvplan.h, which includes it: include <kvplan.h>. The
 * ownership rules at the top of kvplan.h hold here too.
 */
/* kvplan.h first: its core, then every part in order. */
#include "kvplan.h"

#ifndef KVPLAN_PLAN_H
#define KVPLAN_PLAN_H

#ifdef __cplusplus
extern "C" {
#endif

/* ---- plans: what a request of a model caches -------------------------- */

/* The most groups a plan has: distinct (kind, kv heads) among the layers. */
#define KVP_GROUPS_MAX 128

/* Layers that cache alike: same kind, same kv heads, so the same bytes.
 * Per-token sizes are one layer's, one token's, one sequence's. */
typedef struct kvp_layer_group {
	kvp_layer_kind kind;     /* as planned (no_window makes sliding full) */
	uint32_t layers;         /* how many layers */
	uint32_t first_layer;    /* the first of them (0-based) */
	uint32_t kv_heads;       /* K/V heads (MLA expanded: the heads) */
	uint64_t k_values;       /* values per token: K (all heads) */
	uint64_t v_values;       /* V */
	uint64_t latent_values;  /* MLA latent */
	uint64_t index_values;   /* DSA indexer key (kvp_model index_head_dim;
	                          * 0 in layers that keep none, grouped apart:
	                          * kvp_model_layer_indexed) */
	uint64_t window;         /* the most tokens a layer holds (sliding
	                          * window, chunk); 0: no limit */
	uint64_t cap;            /* the most the request's policy keeps of
	                          * each layer at its seq; 0: no cap */
	uint64_t block;          /* tokens per block (page) the engine gives
	                          * these layers: vLLM's block times the
	                          * ratio that unifies a hybrid model's pages
	                          * (unify_kv_cache_spec_page_size), the
	                          * engine's block otherwise; exact 1 */
	uint64_t tokens;         /* tokens each layer holds at the request's
	                          * seq: min(seq, window), seq, or 0 */
	uint64_t cells;          /* token slots one layer allocates for the
	                          * whole batch as the engine rounds them
	                          * (exact: tokens x batch) */
	uint64_t k_bytes_per_token;
	uint64_t v_bytes_per_token;
	uint64_t latent_bytes_per_token;
	uint64_t index_bytes_per_token; /* the indexer's key and its scales */
	uint64_t bytes_per_token;     /* the four together */
	uint64_t state_bytes_per_seq; /* recurrent state */
	/* One layer, whole batch, on one GPU of a tensor-parallel group: */
	uint64_t layer_kv_bytes;      /* cells x bytes_per_token */
	uint64_t layer_state_bytes;   /* state_bytes_per_seq x batch */
	/* All the group's layers, whole batch, one tensor-parallel rank's
	 * share (its kv heads; an MLA latent is whole on every rank): */
	uint64_t k_bytes;
	uint64_t v_bytes;
	uint64_t latent_bytes;
	uint64_t index_bytes;
	uint64_t state_bytes;
	uint64_t bytes;               /* the five together */
	bool draft;                   /* a draft model's layers or MTP layers,
	                               * past the model's (first_layer counts
	                               * on from its last) */
	uint64_t conv_bytes_per_seq;  /* of state_bytes_per_seq, the conv
	                               * state's (0 for a state given in
	                               * bytes) */
	/* SGLang with a draft: the verify buffers a request slot of its pool
	 * of states holds in one of the model's recurrent layers, D SSM
	 * states and D conv windows (D = kvp_plan sglang_spec_tokens),
	 * the windows deduplicated into one of D + K - 2 columns with topk
	 * 1 from 0.5.17; and of them the conv windows'.  0 otherwise. */
	uint64_t spec_state_bytes_per_seq;
	uint64_t spec_conv_bytes_per_seq;
	/* A parallel hybrid's states (kvp_model ssm_parallel): a recurrent
	 * group of the states its attention layers keep beside their K and
	 * V, those layers' own (first_layer the first of them), in no entry
	 * of the plan's cycle, which names each layer's attention group. */
	bool parallel;
	/* The K head dim of these layers (kvp_model_layer_head_dim: a full
	 * layer's full_head_dim), their V's too unless the model gives
	 * head_dim_v; 0 for layers that cache no K and V rows. */
	uint32_t head_dim;
} kvp_layer_group;

/* What a request of a model takes, layer by layer and in total. */
/* llama.cpp's graphs where kvplan replays them (lib/llama_replay.c): their
 * widths in values a token; embd 0 where they are not modelled.  Qwen3.5's
 * Gated DeltaNet layer: */
typedef struct kvp_gdn_graph {
	uint32_t embd;          /* n_embd */
	uint32_t inner;         /* value heads x value head dim */
	uint32_t groups;        /* key heads */
	uint32_t state;         /* key head dim */
	uint32_t value_heads;
	uint32_t conv_kernel;
	uint64_t rows_per_seq;  /* states a sequence keeps: 1 + n_rs_seq */
	/* A mixture of experts after each layer (top_k 0: a dense MLP):
	 * the first layers, up to 3 Gated DeltaNet layers in a row, are
	 * replayed with their experts between them. */
	uint32_t experts;       /* routed experts (the router's rows) */
	uint32_t top_k;         /* experts a token */
	uint32_t ff_exp;        /* one routed expert's inner size */
	uint32_t ff_shexp;      /* the shared experts' */
	uint32_t layers;        /* Gated DeltaNet layers in a row from the
	                         * first, at most 3 */
} kvp_gdn_graph;

/* Its MTP context's NextN block: */
typedef struct kvp_mtp_graph {
	uint32_t embd;          /* n_embd */
	uint32_t q;             /* n_head x head_dim */
	uint32_t kv;            /* n_head_kv x head_dim */
	uint32_t ff;            /* a dense MLP's n_ff; 0 with experts */
	uint32_t experts;       /* routed experts (the router's rows), 0
	                         * when unknown */
	uint32_t top_k;         /* experts a token; 0: a dense MLP */
	uint32_t ff_exp;        /* one routed expert's inner size */
	uint32_t ff_shexp;      /* the shared experts' */
	uint32_t pos_per_token; /* positions a token (M-RoPE's 4) */
	bool rows_first;        /* the output rows taken before the MLP,
	                         * which runs on them alone (Qwen3-Next's);
	                         * false: every token's (Qwen3.5's) */
} kvp_mtp_graph;

typedef struct kvp_plan {
	kvp_request request;
	char model_name[KVP_NAME_MAX];
	uint32_t layers;
	uint32_t group_count;
	kvp_layer_group groups[KVP_GROUPS_MAX];
	/* Layer i is in groups[cycle[i % cycle_len]]: the model's layer
	 * pattern, as group indexes (kvp_plan_layer_group).  Entries past
	 * group_count, cycle_len and stages are left as they were. */
	uint32_t cycle_len;
	uint8_t cycle[KVP_PATTERN_MAX];
	/* The bytes one more token adds while every layer still holds every
	 * token: the per-token sizes of all layers. */
	uint64_t kv_bytes_per_token;
	/* Totals across every GPU (tp x pp x dp of them; tp x pp under
	 * SGLang's data-parallel attention): */
	uint64_t kv_total_bytes;    /* per-token caches (K, V, latent) */
	uint64_t state_total_bytes; /* recurrent state, whatever the context */
	uint64_t cache_total_bytes; /* the two together */
	uint64_t exact_cache_bytes; /* cache_total_bytes of the exact model,
	                             * for comparison with an engine's */
	uint64_t unsharded_cache_bytes; /* on one GPU (tp, pp, dp 1): what
	                             * replicated heads inflate */
	uint64_t kv_bytes_per_gpu;  /* the largest GPU's share (its stage) */
	uint64_t max_layer_bytes;   /* the largest one layer's cache, whole
	                             * batch (K, V, latent and state), one GPU */
	/* Pipeline stages: layers [stage_first[i], + stage_layers[i]) and
	 * the cache one GPU of that stage holds. */
	uint32_t stages;
	uint32_t stage_first[KVP_PP_MAX];
	uint32_t stage_layers[KVP_PP_MAX];
	uint64_t stage_bytes[KVP_PP_MAX];
	bool stages_whole;          /* each stage's GPUs hold every layer's
	                             * cache, not their own layers': SGLang's
	                             * sliding-window pool under pp */
	uint32_t model_kv_heads;    /* the model's kv heads */
	uint32_t kv_heads_per_gpu;  /* ... on one rank: max(1, kv / tp) */
	uint64_t streams;           /* llama.cpp: KV streams (1 unified) */
	uint64_t n_ctx;             /* llama.cpp: its n_ctx as it settles it,
	                             * the padded cells of every stream */
	uint64_t params;            /* the model's, for the weights (fit) */
	uint64_t weights_bytes;     /* the weights on all GPUs: the request's
	                             * weight_bytes, or params stored as its
	                             * weights_format (kvp_weights_estimate_compute);
	                             * 0 when that is plain: the fit takes params
	                             * x weights_dtype */
	bool windows_held;          /* the engine keeps every token of the
	                             * model's sliding and chunked layers:
	                             * SGLang, for an architecture it runs
	                             * without a sliding-window pool
	                             * (kvp_engine_swa_pool) */
	bool bounded;               /* every caching layer is windowed (or
	                             * recurrent): the cache stops growing */
	uint64_t plateau_seq;       /* the seq from which it stops: the
	                             * largest window, under vLLM its reach
	                             * (window - 1 and the tokens in flight)
	                             * (0 when not bounded) */
	/* The engine's own buffers beside weights and cache, where its code
	 * gives them (lib/llama_compute.c); 0 where it does not: */
	uint64_t compute_bytes;     /* on each GPU (of the last stage, which
	                             * holds the output layer): llama.cpp's
	                             * compute buffer (the prompt graph's
	                             * logits; without flash attention the
	                             * attention's scores where larger; with
	                             * it the MLP's activations and the mask
	                             * where larger, and split over stages
	                             * the logits beside the pinned input
	                             * copies) */
	uint64_t compute_other_bytes; /* on each GPU of the stages before the
	                             * last: the buffer without the logits
	                             * (the attention's without flash
	                             * attention; with it the input copies
	                             * and the MLP's); one stage: the same
	                             * as compute_bytes but where its terms
	                             * over the context are set, the
	                             * attention's or the MLP's alone */
	uint64_t attn_cell_bytes;   /* llama.cpp: the buffer (without flash
	                             * attention the scores, with it the
	                             * mask and the MLP's activations, split
	                             * over stages the pinned input copies)
	                             * that grows with the context,
	                             * attn_cell_bytes x n_kv +
	                             * attn_token_bytes for each token of
	                             * the ubatch, n_kv a stream's widest
	                             * layer cache (with flash attention,
	                             * full and windowed caches' cells
	                             * together) (lib/llama_compute.c); 0 for
	                             * the other
	                             * engines */
	uint64_t attn_token_bytes;
	kvp_gdn_graph gdn_graph;    /* llama.cpp with Qwen3.5's Gated
	                             * DeltaNet layers, one GPU, flash
	                             * attention: the layer's graph, whose
	                             * replay above the inputs is the buffer
	                             * where larger than the MLP's */
	uint64_t host_bytes;        /* in host memory: llama.cpp's output
	                             * buffer, n_vocab x n_seq_max x 4 (and
	                             * a draft model's context's, its
	                             * n_vocab x n_seq_max x 4, and its token
	                             * embedding) */
	uint64_t draft_compute_bytes; /* of compute_bytes, llama.cpp's draft
	                             * model's context's compute buffer (its
	                             * logits for n_seq_max rows, or its
	                             * MLP's activations beside its mask),
	                             * or its MTP context's (mtp_graph); 0
	                             * without either */
	kvp_mtp_graph mtp_graph;    /* llama.cpp's MTP context's graph, where
	                             * modelled */
	/* TensorRT-LLM's PyTorch runtime with an MLA model and an fp8
	 * cache: the context-MLA attention workspace its KV cache budget
	 * makes room for (kvp_plan_fit), bytes a token on one rank (its
	 * heads / tp x (qk_rope + qk_nope + v_head) fp8 values) and the
	 * attended tokens it may ever hold (min(max_batch_size, 2048 unless
	 * the request's trtllm_max_batch_size, max_num_tokens 8192) x
	 * trtllm_max_seq_len); 0 where none. */
	uint64_t trtllm_mla_workspace_bytes;
	uint64_t trtllm_mla_workspace_tokens;
	/* TensorRT-LLM's max_seq_len: the request's trtllm_max_seq_len, else
	 * the model's max_context (0 where it gives none), which its hybrid
	 * cache manager V2 takes half of for a typical request
	 * (lib/trtllm_hybrid.c); 0 for the other engines. */
	uint64_t trtllm_max_seq_len;
	uint32_t ssm_chunk_size;    /* the model's (vLLM's mamba_cache_mode
	                             * all), 2048 when it gives none */
	uint32_t graph_capture_max; /* vLLM with profile_memory: the largest
	                             * batch a CUDA graph is captured for when
	                             * the model sets it (gpt-oss 1024); 0:
	                             * vLLM's default, min(max_num_seqs x (1 +
	                             * spec_tokens) x 2, 512) */
	/* LoRA (lib/lora.c): one adapter of the request's rank on its
	 * modules, whole, rank x (in + out) x dtype summed over them; and
	 * what one GPU holds for every slot (vLLM: its buffers on the rank
	 * and stage that holds the most; SGLang: every layer's on every
	 * rank; otherwise the slots' bytes split evenly).  0 without
	 * adapters. */
	uint64_t lora_adapter_bytes;
	uint64_t lora_bytes_per_gpu;
	uint64_t lora_stage_bytes[KVP_PP_MAX]; /* one GPU of each stage (entries
	                             * past stages left as they were); the
	                             * most is lora_bytes_per_gpu */
	uint32_t lora_modules;      /* the modules counted (KVP_LORA_*) */
	/* Speculative decoding: the draft model's layers or the MTP layers
	 * in the groups (draft set), and their weights on all GPUs (the
	 * draft's whole, or the MTP layers', embeddings and head shared). */
	uint32_t draft_layers;
	uint64_t draft_weights_bytes;
	/* Of draft_weights_bytes, an MTP drafter's own input embedding:
	 * vLLM's under pipeline parallelism, which loads it apart from the
	 * model's (the model's embedding_bytes), over tp as the model's is;
	 * 0 elsewhere, where the drafter uses the model's. */
	uint64_t draft_embedding_bytes;
	/* Of the weights, the input embedding's and the LM head's, whole:
	 * pipeline stages put the embedding on the first stage and the head
	 * on the last (a tied head there too when pp > 1), and llama.cpp
	 * keeps the embedding in host memory (kvp_plan_fit).  From the
	 * request's checkpoint counts, or vocab x hidden at the weights'
	 * type (16-bit in a checkpoint format, its block type in GGUF's).
	 * embedding_bytes 0: unknown, and the weights follow the layers;
	 * head_bytes 0: tied to the embedding.  Of embedding_bytes,
	 * layer_input_bytes are Gemma 4's per-layer input table (kvp_model
	 * layer_input_width: vocab x layers x it; from a checkpoint, its
	 * share of the count as the two tables' widths divide it), an input
	 * too, which no tied head copies. */
	uint64_t embedding_bytes;
	uint64_t head_bytes;
	uint64_t layer_input_bytes;
	bool outer_every_stage;     /* every stage holds the embedding and the
	                             * head: vLLM's Qwen3-MoE, Mixtral,
	                             * Nemotron-H and tied LFM2, SGLang's
	                             * Llama 4 */
	uint64_t stage_units[KVP_PP_MAX]; /* where the layers' weights lie when
	                             * a mixture of experts' layers differ
	                             * (kvp_model moe_*): the model's
	                             * parameters in the layers up to the end
	                             * of each stage, all but the embedding,
	                             * head and final norm; all 0 when its
	                             * layers weigh the same, and each stage
	                             * then holds its layers' share (entries
	                             * past the stages left as they were) */
	bool head_every_stage;      /* every stage holds the (untied) head, the
	                             * first alone the embedding: SGLang's
	                             * Llama family, Mixtral, Qwen2/3-MoE,
	                             * GLM-4-MoE, gpt-oss */
	/* The model's vocabulary, dense MLP size and hidden size, for an
	 * engine's runtime memory that depends on the device (kvp_plan_fit). */
	uint32_t vocab;
	uint32_t intermediate;
	uint32_t hidden;
	/* vLLM, a mixture of experts (kvp_model moe_top_k and
	 * moe_intermediate): the fused-MoE workspace a batched token takes,
	 * which its profile run leaves allocated (kvp_vllm_profile
	 * moe_workspace_bytes; lib/vllm_profile.c).  0 otherwise. */
	uint64_t moe_workspace_row_bytes;
	/* The model's vision encoder as SGLang's default share reads it
	 * (kvp_model vision_hidden and vision_layers,
	 * kvp_plan_sglang_reserve): both 0 where the model has none, is
	 * one SGLang runs text-only unless asked (Gemma 3, Llama 4,
	 * Step3-VL, by model_type), or the request serves it language-only
	 * (kvp_request language_only). */
	uint32_t vision_hidden;
	uint32_t vision_layers;
	/* vLLM: the max_num_batched_tokens its sliding and chunked layers
	 * keep beside their windows (the request's, or 2048, `vllm serve`'s
	 * default with no device to ask); 0 when the model has no such layer
	 * that caches (with one, the step counts at some seq, if not at the
	 * request's).  Plan with kvp_request_for_device to follow a device's. */
	uint64_t batched_tokens;
	/* Of the weights, the routed experts' (kvp_request
	 * weight_expert_bytes, else their share of the parameters: experts x
	 * 3 x hidden x moe_intermediate a routed layer), whole and on each
	 * stage by its routed layers (entries past the stages left as they
	 * were); routed_experts, a routed layer's experts.  All 0 for a
	 * dense model.  vLLM's plan with dp > 1, or expert_parallel, puts
	 * them over tp x dp GPUs (kvp_plan_fit). */
	uint32_t routed_experts;
	uint64_t expert_bytes;
	uint64_t stage_expert_bytes[KVP_PP_MAX];
	/* Of the weights, those every tensor-parallel rank of vLLM, SGLang and
	 * TensorRT-LLM holds whole: an MLA layer's down-projections (hidden x
	 * (q_lora_rank + kv_lora_rank + qk_rope_dim)) and a routed layer's
	 * router (hidden x experts), at the weights' bytes a parameter; whole
	 * and on each stage (entries past the stages left as they were).  0
	 * for other models and engines. */
	uint64_t replicated_bytes;
	uint64_t stage_replicated_bytes[KVP_PP_MAX];
	/* SGLang's data-parallel attention (kvp_request attention_dp, dp >
	 * 1): of the weights, the attention layers' projections but for
	 * those held whole (replicated_bytes), which lie over the attention's
	 * tp, tp / dp: q (or q_b), K, V (or kv_b) and o, at the weights' bytes
	 * a parameter (attention_bytes); one GPU's share of them, with the K
	 * and V of every kv head it holds, replicated where the kv heads are
	 * fewer than tp / dp (attention_gpu_bytes).  All 0 otherwise.  And
	 * under SGLang with or without it, on one GPU, the bf16 w_kc and w_vc
	 * it makes of each MLA layer's kv_b_proj beside it, of the heads the
	 * GPU holds (attention_copy_bytes: all the model's MLA layers'; a
	 * pipeline stage holds its layers' share); 0 for other models and
	 * engines. */
	uint64_t attention_bytes;
	uint64_t attention_gpu_bytes;
	uint64_t attention_copy_bytes;
	/* TensorRT-LLM's MLA on one GPU, beside kv_b_proj
	 * (attention_copy_bytes): k_b_proj_trans; and on sm 100 and 103
	 * (B200, B300), which kvp_plan_fit adds there, the bf16
	 * k_b_proj_trans_dequant and v_b_proj_dequant of fp8 block-scaled
	 * weights (attention_copy_sm100_bytes).  0 otherwise. */
	uint64_t attention_copy_sm100_bytes;
	/* vLLM, SGLang and TensorRT-LLM (but under data-parallel attention):
	 * what one GPU of each stage holds of its attention layers' K and V
	 * projections past its even share, where the kv heads are fewer than
	 * tp and each GPU keeps one whole (QKVParallelLinear's
	 * num_kv_head_replicas): hidden x (head_dim + head_dim_v) x (tp - kv)
	 * / tp parameters a layer, at the weights' bytes a parameter; entries
	 * past the stages left as they were; 0 where none. */
	uint64_t stage_kv_replica_bytes[KVP_PP_MAX];
	/* Under SGLang with the request's sglang_dense_whole or sglang_deepep
	 * (one stage): of the weights, the dense layers' MLPs, 3 x hidden x
	 * dense_intermediate a dense layer (dense_mlp_bytes), and the shared
	 * experts, 3 x hidden x moe_shared_intermediate a routed layer
	 * (shared_expert_bytes), at the weights' bytes a parameter; 0
	 * otherwise. */
	uint64_t dense_mlp_bytes;
	uint64_t shared_expert_bytes;
	/* vLLM, SGLang and TensorRT-LLM: the rotary embedding's tables of
	 * cosines and sines, built once on each GPU and shared by its layers
	 * (one per distinct rope: Gemma 3's sliding layers have their own),
	 * rows by the model's scaling (kvp_model rope; TensorRT-LLM's
	 * unscaled) x the rotary dim, in the model's 16 bits under vLLM and
	 * in fp32 under SGLang and TensorRT-LLM (lib/rope.c); the whole model's (rotary_bytes) and what one GPU of
	 * each stage holds, its layers' tables (stage_rotary_bytes, entries
	 * past the stages left as they were).  kvp_plan_fit counts them in
	 * the weights, where the engines measure them.  0 otherwise. */
	uint64_t rotary_bytes;
	uint64_t stage_rotary_bytes[KVP_PP_MAX];
	/* vLLM, a sparse-attention model with kvp_model index_topk: the
	 * int32 indices of the tokens its indexer selects, index_topk of them
	 * for each token of a batch, in a buffer of max_num_batched_tokens
	 * rows made at model init on every GPU and shared by the layers
	 * (DeepseekV2Model.__init__, since DeepSeek-V3.2's PR #25896): a
	 * row's bytes, index_topk x 4 (topk_row_bytes); and from 0.23 the
	 * MTP drafter's own, one buffer for each MTP layer on each GPU of the
	 * last stage (draft_topk_row_bytes, a row of all of them; PR #44420,
	 * before which it shared the model's).  kvp_plan_fit sizes them by
	 * its batched tokens and counts them in the weights, as vLLM's "Model
	 * loading took" does (kvp_fit topk_buffer_bytes).  0 otherwise. */
	uint64_t topk_row_bytes;
	uint64_t draft_topk_row_bytes;
	/* vLLM from 0.20, a sparse-attention model's weights estimated in
	 * fp8 (not counted from a checkpoint, whose wk's type is not known
	 * here): its indexer's wk, which vLLM dequantizes to bf16 at load and
	 * fuses with weights_proj (PR #38928), takes hidden x index_head_dim
	 * x (2 B less the bytes a parameter the weights count it at) more in
	 * each layer with an indexer, on every tensor-parallel rank: the
	 * whole model's (indexer_upcast_bytes) and each stage's layers'
	 * (stage_indexer_upcast_bytes).  kvp_plan_fit counts them in the
	 * weights.  0 otherwise. */
	uint64_t indexer_upcast_bytes;
	uint64_t stage_indexer_upcast_bytes[KVP_PP_MAX];
	/* Under SGLang, its model_config.context_len: the request's
	 * context_length, else get_context_length's for the model (its max
	 * context, times a linear, dynamic or YaRN factor where the scaling
	 * names no original; 2048 where the model gives none); it sizes the
	 * rotary tables' growth and the request-to-token table
	 * (kvp_plan_sglang_reqs).  0 under the other engines. */
	uint64_t sglang_context_len;
	/* SGLang with recurrent layers: the states a running request holds
	 * in its pool of states (kvp_capacity max_requests), 5 where it runs
	 * the extra_buffer strategy, 3 under no_buffer (lib/sglang_mamba.c
	 * kvp__sglang_state_ratio); 0 otherwise. */
	uint32_t sglang_state_ratio;
	/* SGLang with a draft or MTP layers: its speculative_num_steps and
	 * speculative_num_draft_tokens, the request's or its own choice
	 * (kvp_request spec_tokens, spec_topk, spec_draft_tokens); 0
	 * otherwise. */
	uint32_t sglang_spec_steps;
	uint32_t sglang_spec_topk;
	uint32_t sglang_spec_tokens;
	/* vLLM, a mixture of experts: the kernel its routed experts run
	 * (the request's moe_backend, auto made vLLM's choice with no device
	 * known: an H100's; lib/moe_backend.c), KVP_MOE_NONE where it holds
	 * no workspace; KVP_MOE_AUTO for the other engines and dense
	 * models.  Under deep_gemm the workspace's rows are the batched
	 * tokens' (every dp rank's) moe_top_k rows each, plus moe_pad_rows
	 * (each local expert's block_m - 1), rounded up to 128, of
	 * moe_workspace_row_bytes / (moe_top_k x dp) bytes each; 0
	 * otherwise. */
	kvp_moe_backend moe_backend;
	uint32_t moe_top_k;
	uint64_t moe_pad_rows;
	/* vLLM from 0.14, a sparse MLA model (an indexer): the largest of
	 * its other asks of the workspace manager, whose one buffer the
	 * fused-MoE workspace shares (the larger is held): the indexer's
	 * prefill gather, 40 x max_model_len rows of its fp8 key and an
	 * fp32 scale and 1 MiB for its top-k, and with an fp8_ds_mla cache
	 * FlashMLA-sparse's bf16 prefill buffer, 5 x max_model_len rows of
	 * the latent (kv_lora_rank + qk_rope_dim), each rounded up to 256
	 * B (lib/moe_backend.c); 0 otherwise. */
	uint64_t sparse_workspace_bytes;
	/* vLLM, gpt-oss's MXFP4 experts (model_type gpt_oss, weights
	 * mxfp4): an expert's inner size (kvp_model moe_intermediate), which
	 * kvp_plan_fit lays out on each GPU as the kernel that runs them pads
	 * it, in place of the checkpoint's bytes (kvp_plan_mxfp4_layout); 0
	 * otherwise. */
	uint32_t mxfp4_intermediate;
	/* vLLM and SGLang, a transformer's weights (not MLA's) in compressed-
	 * tensors' w4a16 or w8a8, and under vLLM a mixture's routed experts
	 * too (fp32 W8A8 scales, w2's under tensor parallelism whole; under
	 * actorder each expert's g_idx and sort, and w2's scales of every
	 * input): what one GPU of each stage holds of them
	 * beyond its share of the checkpoint's bytes, as the engine's kernels
	 * keep them (lib/vllm_ct_int.c): under actorder a g_idx's sort or
	 * permutation, and with tp > 1 o's and down's scales whole on every
	 * rank; under vLLM on Hopper (stage_ct_int_sm90_bytes, Machete's
	 * kernel, groups of 64 and 128) asymmetric zero points unpacked to
	 * 16 bits, and vLLM's w8a8 scales widened to fp32
	 * (stage_ct_int_bytes elsewhere).  Signed: the fused q, k, v and
	 * gate, up keep one g_idx each, fewer than the checkpoint, though no
	 * real shape comes out below it.  kvp_plan_fit counts them in the
	 * weights (none on AMD's GPUs).  0 otherwise. */
	int64_t stage_ct_int_bytes[KVP_PP_MAX];
	int64_t stage_ct_int_sm90_bytes[KVP_PP_MAX];
} kvp_plan;

/* Plans request for model: per layer, the tokens it holds and its bytes;
 * per group and in total.  The model is finalized on a copy.  Every
 * product is overflow-checked (KVP_ERR_OVERFLOW); a block type must divide
 * each row it stores (KVP_ERR_SHAPE, naming the row and the block). */
KVP_API kvp_status kvp_plan_compute(const kvp_model *model,
                                    const kvp_request *request,
                                    kvp_plan *out, kvp_error *err);
/* The group index of layer index (0-based; UINT32_MAX past the last). */
KVP_API uint32_t kvp_plan_layer_group(const kvp_plan *plan, uint32_t index);

/* The whole cache (K, V, latent and state) at seq tokens in each of batch
 * sequences, for plan's model and types: piecewise linear in seq, linear
 * in batch.  KVP_ERR_OVERFLOW when it exceeds 64 bits. */
KVP_API kvp_status kvp_plan_bytes_at(const kvp_plan *plan, uint64_t seq,
                                     uint64_t batch, uint64_t *bytes,
                                     kvp_error *err);
/* The same for one GPU of pipeline stage stage (kvp_plan_bytes_at is the
 * most of them); KVP_ERR_INVALID past the plan's stages. */
KVP_API kvp_status kvp_plan_stage_bytes_at(const kvp_plan *plan, uint32_t stage,
                                           uint64_t seq, uint64_t batch,
                                           uint64_t *bytes, kvp_error *err);
/* The engine's compute buffer on one GPU of stage at seq tokens in each
 * of batch sequences (llama.cpp's, which grows with the context: the
 * plan's compute_bytes or compute_other_bytes at the request's own; 0
 * for the other engines), at most 64 bits' most; KVP_ERR_INVALID past
 * the plan's stages. */
KVP_API kvp_status kvp_plan_compute_bytes_at(const kvp_plan *plan, uint32_t stage,
                                             uint64_t seq, uint64_t batch,
                                             uint64_t *bytes, kvp_error *err);
/* The largest seq whose cache, batch sequences of it, fits in budget
 * bytes, solved piece by piece in closed form: it fits and seq + 1 does
 * not.  0 when not even one token fits (the state alone may not).  When
 * the cache stops growing and its plateau fits, every seq fits: *seq is
 * UINT64_MAX and *unbounded true. */
KVP_API kvp_status kvp_plan_max_seq(const kvp_plan *plan, uint64_t budget,
                                    uint64_t batch, uint64_t *seq,
                                    bool *unbounded, kvp_error *err);
/* The largest batch of seq-token sequences that fits in budget bytes. */
KVP_API kvp_status kvp_plan_max_batch(const kvp_plan *plan, uint64_t budget,
                                      uint64_t seq, uint64_t *batch,
                                      kvp_error *err);

/* What an engine makes of a memory budget on one GPU (the largest
 * pipeline stage's): the blocks it allocates, the tokens it says it holds
 * and how many requests of the plan's seq it serves at once. */
typedef struct kvp_capacity {
	uint64_t budget_bytes;      /* the memory given for the cache */
	uint64_t blocks;            /* vLLM and TRT-LLM blocks, SGLang pages,
	                             * llama.cpp cells, exact tokens */
	uint64_t tokens;            /* capacity_tokens: the pool's tokens
	                             * (vLLM: num_blocks // groups x the least
	                             * block; SGLang: max_total_num_tokens;
	                             * either times the request's dcp under
	                             * decode context parallelism) */
	uint64_t blocks_per_request; /* what one request of seq tokens takes */
	double max_concurrency;     /* blocks / blocks_per_request (vLLM's
	                             * "Maximum concurrency ... %.2fx") */
	uint64_t allocated_bytes;   /* what the engine allocates for them */
	/* vLLM's grouping: groups of group_size layers sharing pages of
	 * page_bytes (a model of one attention type in several shapes,
	 * vLLM's UniformTypeKVCacheSpecs, is one group whose page is the
	 * sum of its layers' pages: group_size 1). */
	uint64_t groups;
	uint64_t group_size;
	uint64_t page_bytes;
	/* SGLang with sliding layers: the sliding pool's tokens (tokens is
	 * then the full pool's, as HybridSWAPoolConfigurator splits them);
	 * 0 otherwise. */
	uint64_t swa_tokens;
	/* The tokens the engine's log line gives: vLLM's "GPU KV cache
	 * size", int(max_concurrency x seq) from 0.21 on, tokens before;
	 * SGLang's max_total_num_tokens, the pool's rows on one GPU (tokens
	 * but under decode context parallelism, where tokens are dcp times
	 * them); tokens for the other engines. */
	uint64_t log_tokens;
	/* SGLang with recurrent layers: its pool of recurrent states
	 * (MambaPool), sized before the KV pool, which the rest of the budget
	 * makes (lib/sglang_mamba.c); all 0 otherwise.  state_slots is its
	 * max_mamba_cache_size; state_bytes what the pool allocates on this
	 * GPU, slots + 1 (its padding slot) of this GPU's layers' states;
	 * state_charged what SGLang takes out of the budget for it;
	 * max_requests the requests at once the states admit, slots / 3 (3
	 * states a running request: _calculate_mamba_ratio, no_buffer). */
	uint64_t state_slots;
	uint64_t state_bytes;
	uint64_t state_charged;
	uint64_t max_requests;
	/* With a draft, the pool's verify buffers (MambaPool's
	 * intermediate_ssm_state_cache and intermediate_conv_window_cache):
	 * state_spec_slots the requests they hold, SGLang's
	 * max_running_requests, a padding slot more allocated;
	 * state_spec_bytes, of state_bytes, what they allocate on this GPU
	 * (kvp_layer_group spec_state_bytes_per_seq), and of them
	 * state_spec_conv_bytes the conv windows'; state_spec_charged, of
	 * state_charged, what SGLang takes out of the budget for them (a
	 * state's charge a draft token, for min(max_running_requests, K //
	 * ratio) requests and a padding slot).  All 0 without a draft. */
	uint64_t state_spec_slots;
	uint64_t state_spec_bytes;
	uint64_t state_spec_conv_bytes;
	uint64_t state_spec_charged;
	/* SGLang with sliding (or Llama 4's chunked) layers,
	 * --max-running-requests and --disable-radix-cache (from 0.5.14):
	 * the sliding pool's tokens as
	 * its chunk cache caps them from the requests it runs
	 * (SWAChunkCapPoolConfigurator), before whole pages; swa_tokens is
	 * then that in whole pages, and tokens the rest of the budget's.  0
	 * where the ratio splits the pools. */
	uint64_t swa_cap;
	/* SGLang with sliding or chunked layers beside full ones, the pools
	 * split by the ratio (main, and releases after 0.5.20): where the
	 * sliding pool's swa_tokens are no more than sliding_window_size (the
	 * model's window - 1; Llama 4's chunk itself) + page_size, what a prefill needs of it,
	 * SGLang refuses to start ("SWA pool (N tokens) cannot hold even
	 * one request"): swa_floor is then that sum, tokens, blocks,
	 * max_concurrency and allocated_bytes 0, and swa_tokens the N it
	 * names.  0 otherwise. */
	uint64_t swa_floor;
	/* TensorRT-LLM's PyTorch runtime with recurrent layers beside
	 * attention (lib/trtllm_hybrid.c): its pool of recurrent states
	 * beside the attention's blocks, in state_slots (state_bytes, all
	 * charged: state_charged; none on a stage without recurrent layers),
	 * max_requests its max_batch_size x pp, allocated_bytes and
	 * state_bytes what the pools take (V2: whole grains).
	 * trtllm_manager the kvp_trtllm_manager that sized them (V1 or V2;
	 * 0 where none did).  Under V2: quota what it sets from the budget
	 * (over more than one GPU, back from the least tokens 0.95 of a
	 * stage's holds: KVCacheManagerV2.__init__), grain the unit its pools are sized in
	 * (2 MiB to 32 MiB by the quota), grains the quota's rounded up,
	 * or the floors' where more (so the pools may pass the budget), ratio
	 * the states' share of the typical step (a float, as V2 holds it);
	 * under V1 all 0.  With too small a budget for the states of
	 * max_batch_size x pp + 1 sequences and one block TensorRT-LLM fails
	 * to start: tokens, blocks and state_slots are then 0, and
	 * state_floor the bytes it needs.  batch_limit is the largest
	 * max_batch_size with which it starts in this budget (0: not even
	 * 1).  All 0 otherwise. */
	uint8_t trtllm_manager;
	uint64_t grain;
	uint64_t grains;
	uint64_t quota;
	float ratio;
	uint64_t state_floor;
	uint64_t batch_limit;
} kvp_capacity;

KVP_API kvp_status kvp_plan_capacity(const kvp_plan *plan, uint64_t budget,
                                     kvp_capacity *out, kvp_error *err);
/* The bytes of stage's budget that the engine's fit check holds back: from
 * vLLM 0.29 (PR #47272), the null block its BlockPool keeps from every
 * pool, one block of the pool (kvp_capacity page_bytes x group_size,
 * vllm/v1/core/kv_cache_utils.py _pool_bytes_per_block), which its check
 * that one request of max_model_len fits and its estimate of the longest
 * context take from the memory (the pool itself still takes it all);
 * kvp_plan_fit's longest context, largest batch and fits_hbm answer
 * within the budget less it.  0 for the other engines, before 0.29, a
 * stage that caches nothing, or no plan. */
KVP_API uint64_t kvp_plan_held_bytes(const kvp_plan *plan, uint32_t stage);

/* The old calls, kept as thin wrappers of kvp_plan_compute with dtype as
 * both K and V type. */
typedef struct kvp_kv_size {
	uint64_t bytes_per_token_layer; /* one token in one layer (the
	                                 * largest layer's when they differ) */
	uint64_t bytes_per_token;       /* ... in all layers: the plan's
	                                 * kv_bytes_per_token */
	uint64_t bytes_per_layer;       /* one layer: seq tokens, whole batch
	                                 * (the largest layer's) */
	uint64_t total_bytes;           /* the whole cache, state included:
	                                 * the plan's cache_total_bytes */
} kvp_kv_size;

/* KV cache of model for seq tokens in each of batch sequences, stored as
 * dtype (a block type must divide head_dim: KVP_ERR_SHAPE otherwise).  For
 * a uniform model: bytes_per_token = 2 * layers * kv_heads * head_dim *
 * element bytes, total = bytes_per_token * seq * batch.  seq and batch
 * must be >= 1. */
KVP_API kvp_status kvp_kv_size_compute(const kvp_model *model, kvp_dtype dtype,
                                       uint64_t seq, uint64_t batch,
                                       kvp_kv_size *out, kvp_error *err);

#ifdef __cplusplus
}
#endif

#endif /* KVPLAN_PLAN_H */
