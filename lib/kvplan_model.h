/*
 * kvplan_model.h — libkvplan's models: the layers, heads and kinds of
 * attention a model has, its windows, latent, recurrent state and
 * experts, and how they are checked.
 * A part of kvplan.h, which includes it: include <kvplan.h>. The
 * ownership rules at the top of kvplan.h hold here too.
 */
/* kvplan.h first: its core, then every part in order. */
#include "kvplan.h"

#ifndef KVPLAN_MODEL_H
#define KVPLAN_MODEL_H

#ifdef __cplusplus
extern "C" {
#endif

/* ---- models ----------------------------------------------------------- */

/* Names and descriptions the library loads or fills in (the catalogue,
 * the host) are printable UTF-8: no control characters, no invalid bytes. */
#define KVP_NAME_MAX 64
#define KVP_DESCRIPTION_MAX 128

typedef enum kvp_attention {
	KVP_ATTENTION_MHA, /* kv_heads == heads */
	KVP_ATTENTION_GQA, /* 1 < kv_heads < heads, heads % kv_heads == 0 */
	KVP_ATTENTION_MQA, /* kv_heads == 1 */
	KVP_ATTENTION_MLA, /* kv_lora_rank > 0: a latent instead of K and V */
	KVP_ATTENTION_NONE /* heads == 0: no attention layer (Mamba), its
	                    * layers recurrent or none */
} kvp_attention;

/* What one layer caches. */
typedef enum kvp_layer_kind {
	KVP_LAYER_FULL,      /* attention over every token: K and V rows */
	KVP_LAYER_SLIDING,   /* attention over the last sliding_window tokens */
	KVP_LAYER_CHUNKED,   /* chunked local attention: a token sees only its
	                      * own chunk of chunk_size tokens (Llama 4) */
	KVP_LAYER_MLA,       /* multi-head latent attention (DeepSeek): one
	                      * latent of kv_lora_rank + qk_rope_dim values */
	KVP_LAYER_RECURRENT, /* a fixed state per sequence (Mamba-2, Gated
	                      * DeltaNet) that does not grow with context */
	KVP_LAYER_NONE       /* no cache of its own */
} kvp_layer_kind;

#define KVP_LAYER_KIND_COUNT 6

/* How a model's rotary position embedding scales (config.json's
 * rope_scaling, or rope_parameters, rope_type), which sets the rows of the
 * table of cosines and sines vLLM, SGLang and TensorRT-LLM build once on
 * each GPU (kvp_plan rotary_bytes). */
typedef enum kvp_rope {
	KVP_ROPE_DEFAULT,  /* rotary, unscaled (or not said) */
	KVP_ROPE_NONE,     /* no rotary embedding (GPT-2's learned positions) */
	KVP_ROPE_LINEAR,   /* positions divided by rope_factor */
	KVP_ROPE_DYNAMIC,  /* dynamic NTK */
	KVP_ROPE_YARN,     /* YaRN, DeepSeek's included */
	KVP_ROPE_LLAMA3,   /* Llama 3.1's frequency bands */
	KVP_ROPE_LONGROPE, /* Phi-3's short and long factors */
	KVP_ROPE_MROPE,    /* multimodal sections (Qwen2-VL, Qwen3.5) */
	KVP_ROPE_PROPORTIONAL /* Gemma 4's full layers: frequencies over the
	                    * whole head, the unrotated part's zero (vLLM's
	                    * Gemma4RotaryEmbedding builds its table over the
	                    * whole head) */
} kvp_rope;

#define KVP_ROPE_COUNT 9

/* "default", "none", "linear", "dynamic", "yarn", "llama3", "longrope",
 * "mrope", "proportional"; from a name also config.json's aliases ("su",
 * "deepseek_yarn", "3d"...), case ignored. */
KVP_API const char *kvp_rope_name(kvp_rope rope);
KVP_API kvp_status kvp_rope_from_name(const char *name, kvp_rope *out,
                                      kvp_error *err);
/* The most entries a layer pattern (and a per-layer kv_heads list) has. */
#define KVP_PATTERN_MAX 256

/* "full", "sliding", "chunked", "mla", "recurrent", "none". */
KVP_API const char *kvp_layer_kind_name(kvp_layer_kind kind);
KVP_API kvp_status kvp_layer_kind_from_name(const char *name,
                                            kvp_layer_kind *out,
                                            kvp_error *err);

/* A transformer's shape, as far as the KV cache and the weights go.
 * head_dim 0 means hidden / heads (filled in by kvp_model_finalize).
 *
 * Layers: an ordered list whose kinds repeat pattern[0..pattern_len-1]
 * (layer i has kind pattern[i % pattern_len]); pattern_len 0 means every
 * layer is full attention, or MLA when kv_lora_rank is set.  A pattern as
 * long as the model is an explicit per-layer list.  A full layer of a
 * model with kv_lora_rank > 0 is an MLA layer.  layer_kv_heads, when
 * layer_kv_heads_len is layers, gives each layer its own kv heads (0: the
 * layer has no cache, as kind none).  A uniform model is the old shape
 * with everything past rope_theta zero. */
typedef struct kvp_model {
	char name[KVP_NAME_MAX];
	char description[KVP_DESCRIPTION_MAX];
	uint32_t layers;
	uint32_t hidden;       /* d_model; 0 when unknown and head_dim given */
	uint32_t heads;        /* query heads */
	uint32_t kv_heads;     /* key/value heads */
	uint32_t head_dim;
	uint32_t vocab;        /* 0 when unknown */
	uint64_t max_context;  /* tokens; 0 when unknown */
	uint64_t params;       /* parameter count; 0 when unknown */
	double rope_theta;     /* 0 when unknown */
	bool head_dim_derived; /* head_dim was 0 and kvp_model_finalize took it
	                        * as hidden / heads: a tool that changes
	                        * hidden or heads derives it again, while a
	                        * head_dim the model states is kept */
	uint32_t head_dim_v;   /* V head dim when it differs; 0: head_dim */
	uint64_t sliding_window; /* tokens a sliding layer holds */
	uint64_t chunk_size;   /* tokens a chunked layer holds */
	/* MLA: the latent is kv_lora_rank + qk_rope_dim values per token and
	 * layer; expanded, K is heads x (qk_nope_dim + qk_rope_dim) values
	 * and V heads x v_head_dim. */
	uint32_t kv_lora_rank;
	uint32_t qk_rope_dim;
	uint32_t qk_nope_dim;
	uint32_t v_head_dim;
	uint32_t q_lora_rank;  /* MLA's query down-projection (q_lora_rank);
	                        * 0: queries projected from the hidden state.
	                        * Only the weights every tensor-parallel rank
	                        * holds whole depend on it (kvp_plan
	                        * replicated_bytes) */
	/* DeepSeek Sparse Attention (DeepSeek-V3.2, GLM-5): its lightning
	 * indexer caches a key of index_head_dim values per token in each
	 * MLA layer that keeps one (every layer, or a shared indexer's full
	 * layers: index_topk_freq below) beside the latent, stored as fp8 with an fp32 scale per
	 * 128 values (DeepSeek's inference/model.py Indexer: k_cache and
	 * k_scale_cache; config.json index_head_dim).  0: no indexer. */
	uint32_t index_head_dim;
	/* Recurrent layers, in llama.cpp's terms (llama_hparams::n_embd_r and
	 * n_embd_s, src/llama-hparams.cpp): a conv state of (ssm_conv_kernel
	 * - 1) x (ssm_inner + 2 x ssm_groups x ssm_state) values and an SSM
	 * state of ssm_state x ssm_inner values per sequence.  Gated DeltaNet
	 * maps onto the same four numbers (conv kernel; inner = value heads x
	 * value head dim; state = key head dim; groups = key heads). */
	uint32_t ssm_conv_kernel;
	uint32_t ssm_inner;
	uint32_t ssm_state;
	uint32_t ssm_groups;
	uint32_t ssm_chunk_size; /* the SSM scan's chunk (mamba_chunk_size,
	                        * or a Mamba-2 config's chunk_size), which
	                        * vLLM's mamba_cache_mode all aligns its
	                        * blocks to; 0: unknown, vLLM's 2048 */
	uint64_t state_bytes;  /* a recurrent layer's state per sequence, in
	                        * bytes; when non-zero it replaces the ssm_
	                        * numbers */
	uint32_t pattern_len;
	uint8_t pattern[KVP_PATTERN_MAX];        /* kvp_layer_kind values */
	uint32_t layer_kv_heads_len;             /* 0, or layers */
	uint32_t layer_kv_heads[KVP_PATTERN_MAX];
	bool tie_embeddings;   /* the LM head is the embedding matrix
	                        * (tie_word_embeddings) */
	uint32_t intermediate; /* a dense MLP's inner size, the same in every
	                        * layer (intermediate_size); 0 when unknown or
	                        * when the MLP is a mixture of experts */
	/* A mixture of experts whose layers differ, for where the weights
	 * lie (pipeline stages): layer i (0-based) routes among moe_experts
	 * experts of moe_intermediate each, beside shared experts of
	 * moe_shared_intermediate in all, when i >= moe_dense_layers and
	 * (i + 1) is a multiple of moe_step (0 or 1: every such layer);
	 * every other layer is dense, an MLP of dense_intermediate.  The
	 * layers' other weights are taken as equal.  moe_experts 0: every
	 * layer weighs the same (a model whose every layer routes may still
	 * give moe_intermediate, moe_shared_intermediate and moe_top_k, for
	 * the activations). */
	uint32_t moe_experts;        /* n_routed_experts, num_local_experts */
	uint32_t moe_intermediate;   /* one routed expert's inner size:
	                        * moe_intermediate_size (Mixtral's, gpt-oss's
	                        * and Llama 4's intermediate_size) */
	uint32_t moe_shared_intermediate; /* n_shared_experts x
	                        * moe_intermediate_size, or
	                        * shared_expert_intermediate_size */
	uint32_t moe_dense_layers;   /* first_k_dense_replace */
	uint32_t moe_step;           /* interleave_moe_layer_step */
	uint32_t moe_top_k;          /* routed experts a token takes
	                        * (num_experts_per_tok); 0 unknown, or
	                        * dense.  llama.cpp's compute buffer holds
	                        * their rows (lib/llama_compute.c) */
	uint32_t dense_intermediate; /* the dense layers' MLP (DeepSeek's
	                        * intermediate_size, Llama 4's
	                        * intermediate_size_mlp) */
	char model_type[KVP_NAME_MAX]; /* Hugging Face's model_type (its text
	                        * model's: gemma3_text, llama4_text) or GGUF's
	                        * general.architecture; "" when unknown.  An
	                        * engine that pools by architecture (SGLang's
	                        * sliding-window pool) reads it */
	/* Of params, what an engine may leave unloaded: the checkpoint's
	 * next-token-prediction (MTP, NextN) layers' (its files', or a
	 * Nemotron-H config.json's estimate, lib/hf_nemotron.c), loaded for an MTP
	 * draft alone (a plan leaves them out of the model's weights and,
	 * with mtp_layers, weighs the MTP layers by them), and a vision
	 * tower's, which llama.cpp keeps in a separate mmproj file (its
	 * plans leave them out).  0: none, or not counted. */
	uint64_t mtp_params;
	uint64_t vision_params;
	/* The routed experts of a mixture of experts' layer (n_routed_experts,
	 * num_experts, GGUF's expert_count), whether or not its layers differ
	 * (moe_experts): the width of the router's logits, which llama.cpp's
	 * compute buffer holds (lib/llama_replay.c).  0: unknown, or dense. */
	uint32_t moe_routed_experts;
	/* A multimodal model's vision encoder as config.json's vision_config
	 * gives it, which SGLang's default share reads (its
	 * adjust_mem_fraction_for_vlm, kvp_plan_sglang_reserve):
	 * vision_hidden its hidden_size (SGLang's 1024 where vision_config
	 * leaves it out; 0: no vision_config), vision_layers its
	 * num_hidden_layers (0: left out, where SGLang takes 24, as for
	 * Qwen3.5, whose vision_config says depth). */
	uint32_t vision_hidden;
	uint32_t vision_layers;
	/* The checkpoint's next-token-prediction (MTP, NextN) layers, which
	 * an MTP draft loads (kvp_request mtp_layers, no more than these):
	 * config.json's num_nextn_predict_layers (DeepSeek-V3, GLM-4.5) or
	 * mtp_num_hidden_layers (Qwen3.5), Qwen3-Next's 1 where its config
	 * says none (vLLM's Qwen3NextMTP), GGUF's nextn_predict_layers.
	 * 0: none, unless mtp_params counts some (then at least one, how many
	 * not said). */
	uint32_t mtp_layers;
	/* The rotary embedding (kvp_rope) and what sizes its table:
	 * rope_factor the scaling factor (0: 1), rope_original_max the
	 * original_max_position_embeddings it scales (0: not given),
	 * rope_positions the max_position_embeddings the table is built for
	 * (0: max_context), rotary_dim the values a head rotates (0:
	 * head_dim, or qk_rope_dim for MLA; partial_rotary_factor x
	 * head_dim).  rope_local_theta, when not 0, is the base of the
	 * sliding layers' own unscaled table (Gemma 3's rope_local_base_freq);
	 * rope_nope_full: the full layers rotate nothing (Llama 4's NoPE
	 * layers). */
	kvp_rope rope;
	double rope_factor;
	uint64_t rope_original_max;
	uint64_t rope_positions;
	uint32_t rotary_dim;
	double rope_local_theta;
	bool rope_nope_full;
	/* A sparse-attention indexer shared across layers (GLM-5.2): a layer
	 * of a model with index_head_dim either keeps its own indexer key
	 * ("full") or reuses the top-k of the last full layer before it and
	 * keeps no key ("shared").  index_layers, when index_layers_len is
	 * layers, says it layer by layer, 1 full and 0 shared (config.json's
	 * indexer_types or index_topk_pattern, GGUF's attention.indexer.types);
	 * otherwise layer i is full when max(i - index_topk_offset + 1, 0)
	 * is a multiple of index_topk_freq (transformers' GlmMoeDsaConfig:
	 * index_topk_freq, index_skip_topk_offset), index_topk_offset 0
	 * meaning its default of 2 and index_topk_freq 0 or 1 every layer
	 * full.  A model's first MLA layer is full.  kvp_model_layer_indexed
	 * reads them. */
	uint32_t index_topk_freq;
	uint32_t index_topk_offset;
	uint32_t index_layers_len;               /* 0, or layers */
	uint8_t index_layers[KVP_PATTERN_MAX];
	/* The indexer's query heads (index_n_heads: DeepSeek-V3.2's 64,
	 * GLM-5's 32), which size its weights: wq_b (q_lora_rank x
	 * index_heads x index_head_dim), wk (hidden x index_head_dim) and
	 * weights_proj (hidden x index_heads), whole on every tensor-parallel
	 * rank (kvp_plan replicated_bytes).  0: unknown, not counted. */
	uint32_t index_heads;
	/* The tokens the indexer selects for each query (index_topk: 2,048 in
	 * DeepSeek-V3.2 and GLM-5), which sizes vLLM's buffer of the selected
	 * indices (kvp_plan topk_row_bytes, kvp_fit topk_buffer_bytes).  0:
	 * unknown, not counted. */
	uint32_t index_topk;
	/* Of mtp_params, the MTP layers' own copies of the embedding and the
	 * head a checkpoint counts (kvp_weights mtp_shared_params), which
	 * vLLM, SGLang and TensorRT-LLM do not hold: they use the model's.
	 * 0: none, or not counted. */
	uint64_t mtp_shared_params;
	/* The SSM state's bytes an element a Nemotron-H config names
	 * (mamba_ssm_cache_dtype: 4 float32, 2 float16 or bfloat16), which
	 * vLLM takes for its "auto" (NemotronHForCausalLMConfig); 0: not
	 * given (vLLM: fp32 from 0.20, fp16 before). */
	uint32_t ssm_cache_bytes;
	/* The width a routed expert works in where it is not hidden: the
	 * moe_latent_size of Nemotron 3 Super and Ultra, whose
	 * fc1_latent_proj and fc2_latent_proj take hidden to it and back
	 * around the experts (vLLM's NemotronHMoE: its fused experts' hidden
	 * size).  0: hidden. */
	uint32_t moe_latent;
	/* A recurrent layer's heads: Mamba-2's mamba_num_heads (its in_proj
	 * writes a dt a head; A_log, D and dt_bias hold one each), a Gated
	 * DeltaNet's value heads.  0: unknown.  The weights estimate of a
	 * Nemotron-H's Mamba-2 layers reads it. */
	uint32_t ssm_heads;
	/* A parallel hybrid (Falcon-H1): every attention layer also runs a
	 * Mamba-2 mixer beside its attention, and keeps its recurrent state
	 * (the ssm_ numbers) as well as its K and V.  Its layers stay of
	 * their attention kind; kvp_model_count_layers(KVP_LAYER_RECURRENT)
	 * counts them too, and a plan keeps their states in a group of its
	 * own (kvp_layer_group parallel). */
	bool ssm_parallel;
	/* The head dim of the full-attention layers where it is not
	 * head_dim (Gemma 4's global_head_dim: 512 beside its sliding
	 * layers' 256; GGUF's attention.key_length beside key_length_swa):
	 * their K and V rows are full_head_dim values a head.  0: head_dim.
	 * Not with head_dim_v or an MLA latent. */
	uint32_t full_head_dim;
	/* The last kv_shared_layers layers keep no cache of their own: each
	 * reads the cache of the last earlier layer of its kind (Gemma 3n's
	 * and Gemma 4's num_kv_shared_layers).  They are none as
	 * kvp_model_layer_kind says, yet keep their attention's weights,
	 * K and V projections included.  0: none. */
	uint32_t kv_shared_layers;
	/* Those kv_shared_layers layers run an MLP twice intermediate wide
	 * (Gemma 4 E2B's use_double_wide_mlp: 12,288 beside 6,144); a model
	 * with it has shared layers and a dense intermediate.  The engines'
	 * buffers take the wider (kvp_plan intermediate). */
	bool double_wide_mlp;
	/* The full layers' V is their K's projection (Gemma 4's
	 * attention_k_eq_v): the checkpoint has no v_proj there, yet every
	 * engine caches a V row, and vLLM, SGLang and TensorRT-LLM load
	 * k_proj into a V slot of their qkv_proj as well (kvp_plan
	 * attention_copy_bytes). */
	bool full_k_eq_v;
	/* Each layer's own input embedding (Gemma 3n's and Gemma 4's
	 * hidden_size_per_layer_input): a table of vocab x layers x it beside
	 * the embedding, an embedding the weights formats keep 16-bit
	 * (kvp_weights_estimate embedding_params).  0: none. */
	uint32_t layer_input_width;
} kvp_model;

/* Parses a layer pattern into model->pattern and pattern_len: kinds
 * separated by commas, each with an optional "*N" repeat, as in
 * "sliding*5,full".  Kinds as kvp_layer_kind_from_name.  Errors
 * (KVP_ERR_PARSE; KVP_ERR_RANGE past KVP_PATTERN_MAX layers) name the entry
 * at fault, "entry 2 'slidng' is not a layer kind (...)", and leave the
 * caller to say where the pattern came from; the model is left as it was. */
KVP_API kvp_status kvp_layer_pattern_parse(const char *text, kvp_model *model,
                                           kvp_error *err);
/* The kind of layer index (0-based) of model: its pattern's entry, MLA for
 * a full layer of an MLA model, none for a layer whose kv heads are 0 and
 * for one of the last kv_shared_layers. */
KVP_API kvp_layer_kind kvp_model_layer_kind(const kvp_model *model,
                                            uint32_t index);
/* The kv heads of layer index. */
KVP_API uint32_t kvp_model_layer_kv_heads(const kvp_model *model,
                                          uint32_t index);
/* The head dim of layer index: full_head_dim for a full layer of a model
 * that gives one, head_dim otherwise. */
KVP_API uint32_t kvp_model_layer_head_dim(const kvp_model *model,
                                          uint32_t index);
/* How many layers of model have kind (as kvp_model_layer_kind says);
 * for KVP_LAYER_RECURRENT, the layers that keep a recurrent state: a
 * parallel hybrid's attention layers too (ssm_parallel). */
KVP_API uint32_t kvp_model_count_layers(const kvp_model *model,
                                        kvp_layer_kind kind);
/* Whether layer index (0-based) keeps a sparse-attention indexer key: an
 * MLA layer of a model with index_head_dim, full as index_layers or
 * index_topk_freq say.  A model whose every indexed layer keeps its key
 * is an unshared one. */
KVP_API bool kvp_model_layer_indexed(const kvp_model *model, uint32_t index);
/* How many layers of model keep an indexer key. */
KVP_API uint32_t kvp_model_count_indexed(const kvp_model *model);

/* Derives head_dim when it is 0 (setting head_dim_derived) and checks the
 * shape: layers, heads, kv_heads
 * and head_dim non-zero, kv_heads <= heads, heads divisible by kv_heads,
 * hidden divisible by heads when head_dim is derived; and the layers: a
 * pattern no longer than the model and of known kinds, a per-layer kv
 * heads list as long as the model with each entry at most heads and
 * dividing them (or 0), a window for sliding layers, a chunk for chunked
 * ones, a rank for MLA layers, a state size for recurrent ones, and at
 * least one layer that caches something. */
KVP_API kvp_status kvp_model_finalize(kvp_model *model, kvp_error *err);
/* The attention kind implied by the head counts of a finalized model. */
KVP_API kvp_attention kvp_model_attention(const kvp_model *model);
/* Whether model has no attention layer: no MLA rank, no per-layer kv
 * heads, and a pattern of recurrent and none layers alone (Mamba).  Such
 * a model may give heads, kv_heads and head_dim 0. */
KVP_API bool kvp_model_attention_free(const kvp_model *model);
KVP_API const char *kvp_attention_name(kvp_attention kind);
/* The same model with kv_heads replaced; fails when heads % kv_heads != 0. */
KVP_API kvp_status kvp_model_with_kv_heads(const kvp_model *model,
                                           uint32_t kv_heads, kvp_model *out,
                                           kvp_error *err);
/* The same model re-planned as another attention kind: MHA (kv = heads),
 * MQA (kv = 1), GQA (the model's own kv heads when it is GQA, else the
 * largest divisor of heads that is at most 8).  Every layer gets those kv
 * heads (a per-layer list is dropped); the layer kinds stay.  MLA is not
 * a kind to re-plan as (KVP_ERR_INVALID), nor an MLA model one to
 * re-plan (KVP_ERR_SHAPE). */
KVP_API kvp_status kvp_model_variant(const kvp_model *model, kvp_attention kind,
                                     kvp_model *out, kvp_error *err);
/* The kv_heads kvp_model_variant would use for kind (0 for a NULL model). */
KVP_API uint32_t kvp_model_variant_kv_heads(const kvp_model *model,
                                            kvp_attention kind);

#ifdef __cplusplus
}
#endif

#endif /* KVPLAN_MODEL_H */
