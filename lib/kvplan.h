/*
 * kvplan.h — public interface of libkvplan, the KV-cache capacity planner.
 *
 * Ownership, once for the whole library:
 *  - Value structs (kvp_model, kvp_device, kvp_kv_size, kvp_fit, kvp_error)
 *    belong to the caller; the library only fills them in.
 *  - Opaque handles (kvp_catalog, kvp_planner) are created by a *_open or
 *    *_new function and destroyed by the matching *_free, which takes the
 *    address of the caller's pointer, frees the object and sets the
 *    pointer to NULL.
 *  - A pointer the library returns into a handle (for example the array from
 *    kvp_catalog_models) stays valid until that handle is freed.
 *  - Every function that can fail returns a kvp_status (KVP_OK is 0) and, when
 *    given a non-NULL kvp_error, fills it with a one-line message.  The library
 *    never prints, never exits and never aborts.
 *  - All sizes are uint64_t bytes; every multiplication is overflow-checked and
 *    an overflow is reported as KVP_ERR_OVERFLOW, never wrapped.
 */
#ifndef KVPLAN_H
#define KVPLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define KVP_API __attribute__((visibility("default")))
#else
#define KVP_API
#endif

/* ---- status and errors ------------------------------------------------ */

typedef enum kvp_status {
	KVP_OK = 0,
	KVP_ERR_NOMEM,      /* an allocation failed */
	KVP_ERR_INVALID,    /* an argument is out of its domain (zero, NULL, ...) */
	KVP_ERR_OVERFLOW,   /* a size does not fit in 64 bits */
	KVP_ERR_SHAPE,      /* a model shape is inconsistent */
	KVP_ERR_NOT_FOUND,  /* no model, device or file of that name */
	KVP_ERR_PARSE,      /* a data file is malformed */
	KVP_ERR_IO,         /* a file or directory could not be read */
	KVP_ERR_DUPLICATE,  /* a name is defined twice */
	KVP_ERR_RANGE,      /* a position or count is past its limit */
	KVP_ERR_NO_FIT,     /* the request does not fit the memory it needs */
	KVP_ERR_UNSUPPORTED /* the platform cannot do what was asked */
} kvp_status;

#define KVP_STATUS_COUNT 12

/* A short fixed description of a status code ("out of memory", ...). */
KVP_API const char *kvp_strerror(kvp_status status);

#define KVP_ERROR_PATH_MAX 1024
#define KVP_ERROR_MESSAGE_MAX 512

/* What went wrong, in words.  path is empty and line/column are 0 unless the
 * error is in a file; line and column are 1-based. */
typedef struct kvp_error {
	kvp_status status;
	char path[KVP_ERROR_PATH_MAX];
	unsigned long line;
	unsigned long column;
	char message[KVP_ERROR_MESSAGE_MAX];
} kvp_error;

/* Writes "path:line:column: message" into buf, truncating to size: just
 * "path: message" when the line is unknown (0), and just the message when
 * there is no file.  Returns buf. */
KVP_API char *kvp_error_format(const kvp_error *err, char *buf, size_t size);

/* Copies text into buf (size bytes, always terminated) so that it shows as
 * one line and cannot drive a terminal: printable ASCII and valid UTF-8 are
 * kept; a backslash becomes \\, a line feed \n, a return \r, a tab \t, and
 * any other control character, C1 control (U+0080..U+009F) or byte that is
 * not valid UTF-8 becomes \xHH.  Text too long for buf ends in "...".
 * Every message the library writes quotes user text this way, and
 * kvp_error_format escapes the path.  Returns buf. */
KVP_API char *kvp_escape(const char *text, char *buf, size_t size);
/* A buffer size for kvp_escape of user text quoted in a one-line message:
 * a long name is cut, with "...", well before the message is. */
#define KVP_QUOTE_MAX 96

/* ---- element types ---------------------------------------------------- */

/* Cache and weight element types.  A type stores block_values values in
 * block_bytes bytes; plain types have blocks of one value.  The block types
 * are llama.cpp's (ggml/src/ggml-common.h): 32 values and an fp16 scale
 * (q4_1, q5_1: and an fp16 minimum) per block. */
typedef enum kvp_dtype {
	KVP_DTYPE_FP32,
	KVP_DTYPE_FP16,
	KVP_DTYPE_BF16,
	KVP_DTYPE_FP8,   /* e4m3 or e5m2: one byte */
	KVP_DTYPE_INT8,
	KVP_DTYPE_Q8_0,  /* 34 B per 32 values */
	KVP_DTYPE_Q5_1,  /* 24 B per 32 */
	KVP_DTYPE_Q5_0,  /* 22 B per 32 */
	KVP_DTYPE_Q4_1,  /* 20 B per 32 */
	KVP_DTYPE_Q4_0,  /* 18 B per 32 */
	KVP_DTYPE_IQ4_NL, /* 18 B per 32 (non-linear 4-bit) */
	/* Cache formats that are not a flat element type: */
	KVP_DTYPE_INT8_PTH, /* vLLM int8_per_token_head: a head's row of
	                     * int8 values and its fp32 scale (+4 B) */
	KVP_DTYPE_FP8_PTH,  /* vLLM fp8_per_token_head: the same with fp8 */
	KVP_DTYPE_FP8_DS_MLA /* vLLM fp8_ds_mla, for an MLA latent only:
	                      * rank fp8 values, an fp32 scale per 128 of
	                      * them, and the rope part in bf16 (656 B for
	                      * DeepSeek's 512 + 64) */
} kvp_dtype;

#define KVP_DTYPE_COUNT 14

KVP_API const char *kvp_dtype_name(kvp_dtype dtype);
/* Accepts the canonical names and common spellings (f16, float16, half,
 * bfloat16, fp8_e4m3, ...), case-insensitively. */
KVP_API kvp_status kvp_dtype_from_name(const char *name, kvp_dtype *out,
                                       kvp_error *err);
KVP_API uint32_t kvp_dtype_block_values(kvp_dtype dtype);
KVP_API uint32_t kvp_dtype_block_bytes(kvp_dtype dtype);
/* Bytes to store n values: ceil(n / block_values) * block_bytes.  The
 * three cache formats have no size of their own for n loose values
 * (KVP_ERR_INVALID): their size is a row's, kvp_dtype_row_bytes. */
KVP_API kvp_status kvp_dtype_bytes(kvp_dtype dtype, uint64_t n_values,
                                   uint64_t *bytes, kvp_error *err);
/* Bytes of one row of n values stored as dtype, which must be whole
 * blocks, as each head's K or V row is in llama.cpp (ggml_row_size):
 * KVP_ERR_SHAPE, naming the row length and the block size, otherwise.
 * A per-token-head type's row is n bytes and a 4-byte scale.
 * fp8_ds_mla is sized by kvp_plan_compute (it needs the latent's rank and
 * rope parts apart): KVP_ERR_INVALID here. */
KVP_API kvp_status kvp_dtype_row_bytes(kvp_dtype dtype, uint64_t n_values,
                                       uint64_t *bytes, kvp_error *err);

/* ---- models ----------------------------------------------------------- */

/* Names and descriptions the library loads or fills in (the catalogue,
 * the host) are printable UTF-8: no control characters, no invalid bytes. */
#define KVP_NAME_MAX 64
#define KVP_DESCRIPTION_MAX 128

typedef enum kvp_attention {
	KVP_ATTENTION_MHA, /* kv_heads == heads */
	KVP_ATTENTION_GQA, /* 1 < kv_heads < heads, heads % kv_heads == 0 */
	KVP_ATTENTION_MQA, /* kv_heads == 1 */
	KVP_ATTENTION_MLA  /* kv_lora_rank > 0: a latent instead of K and V */
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
	 * next-token-prediction (MTP, NextN) layers', loaded for an MTP
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
 * a full layer of an MLA model, none for a layer whose kv heads are 0. */
KVP_API kvp_layer_kind kvp_model_layer_kind(const kvp_model *model,
                                            uint32_t index);
/* The kv heads of layer index. */
KVP_API uint32_t kvp_model_layer_kv_heads(const kvp_model *model,
                                          uint32_t index);
/* How many layers of model have kind (as kvp_model_layer_kind says). */
KVP_API uint32_t kvp_model_count_layers(const kvp_model *model,
                                        kvp_layer_kind kind);

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

/* ---- the size model: model -> request -> plan ------------------------- */

typedef enum kvp_mla_mode {
	KVP_MLA_LATENT,  /* one latent per token and layer, no V (vLLM,
	                  * SGLang, llama.cpp) */
	KVP_MLA_EXPANDED /* per-head K and V, as the HuggingFace reference
	                  * code caches them */
} kvp_mla_mode;

KVP_API const char *kvp_mla_mode_name(kvp_mla_mode mode);

/* The engine whose allocation a plan follows.  exact is the per-layer
 * model alone; the others round, pad and reserve as the engine's own
 * allocation code does (lib/engine.c cites it). */
typedef enum kvp_engine {
	KVP_ENGINE_EXACT,
	KVP_ENGINE_VLLM,      /* vLLM V1: pages of block_size tokens per layer */
	KVP_ENGINE_LLAMA_CPP, /* llama.cpp: cells padded to 256, streams */
	KVP_ENGINE_SGLANG,    /* SGLang: one token pool, page_size padding rows */
	KVP_ENGINE_TRTLLM     /* TensorRT-LLM: blocks of tokens_per_block */
} kvp_engine;

#define KVP_ENGINE_COUNT 5

/* "exact", "vllm", "llama.cpp", "sglang", "trtllm". */
KVP_API const char *kvp_engine_name(kvp_engine engine);
/* Also accepts "llamacpp", "llama-cpp", "tensorrt-llm", "trt-llm". */
KVP_API kvp_status kvp_engine_from_name(const char *name, kvp_engine *out,
                                        kvp_error *err);

/* ---- cache policies: what a compression or eviction method keeps ------ */

typedef enum kvp_policy_kind {
	KVP_POLICY_FULL,      /* every token */
	KVP_POLICY_WINDOW,    /* the last window tokens */
	KVP_POLICY_STREAMING, /* StreamingLLM: sink + recent tokens */
	KVP_POLICY_H2O,       /* H2O: heavy hitters + recent tokens */
	KVP_POLICY_SNAPKV,    /* SnapKV: the prompt compressed to capacity */
	KVP_POLICY_PYRAMIDKV, /* PyramidKV: per-layer budgets, shrinking */
	KVP_POLICY_RATIO      /* kvpress compression_ratio: int(prompt x (1 -
	                       * ratio)) per layer */
} kvp_policy_kind;

#define KVP_POLICY_COUNT 7

/* A policy and its settings (those of other kinds are 0).  The
 * definitions follow each method's reference code (doc: kvplan(1),
 * POLICIES). */
typedef struct kvp_policy {
	kvp_policy_kind kind;
	uint64_t window;    /* window:N; SnapKV's and PyramidKV's observation
	                     * window (32) */
	uint64_t sink;      /* StreamingLLM's attention sinks (4) */
	uint64_t heavy;     /* H2O's heavy hitters (4) */
	uint64_t recent;    /* StreamingLLM's (512) and H2O's (512) recent */
	uint64_t capacity;  /* SnapKV's and PyramidKV's prompt capacity (2048) */
	uint32_t kernel;    /* SnapKV's pooling kernel (5): no effect on size */
	uint32_t beta;      /* PyramidKV's beta (20) */
	double ratio;       /* kvpress's compression_ratio, [0, 1) */
} kvp_policy;

/* "full", "window", "streaming", "h2o", "snapkv", "pyramidkv", "ratio". */
KVP_API const char *kvp_policy_kind_name(kvp_policy_kind kind);
/* Parses "full", "window:N", "streaming:sink=S,recent=R",
 * "h2o:heavy=H,recent=R", "snapkv:capacity=C,window=W,kernel=K",
 * "pyramidkv:capacity=C,window=W,beta=B" or "ratio:R"; settings left
 * out take their method's default.  KVP_ERR_PARSE (naming the part at
 * fault) or KVP_ERR_INVALID (a value out of its range). */
KVP_API kvp_status kvp_policy_parse(const char *text, kvp_policy *out,
                                    kvp_error *err);
/* The policy written back in the form kvp_policy_parse reads, with every
 * setting.  Returns buf. */
KVP_API char *kvp_policy_format(const kvp_policy *policy, char *buf,
                                size_t size);
/* The tokens layer index (0-based) of a model of layers layers keeps at
 * the peak of a request of seq tokens, gen of them generated after the
 * prompt: StreamingLLM and H2O cap the whole sequence; SnapKV, PyramidKV
 * and ratio compress the prompt and keep every generated token.  A
 * layer's own window is applied apart (the smaller wins). */
KVP_API uint64_t kvp_policy_kept(const kvp_policy *policy, uint32_t index,
                                 uint32_t layers, uint64_t seq, uint64_t gen);
/* Whether what policy keeps of a layer depends on the prompt's length
 * otherwise than as min(seq, a cap): ratio and PyramidKV. */
KVP_API bool kvp_policy_varies(const kvp_policy *policy);

/* ---- weights: a checkpoint format's bytes (lib/weights_format.c) ---- */

/* How the weights are stored, when no file counts them. */
typedef enum kvp_wformat {
	KVP_WFORMAT_PLAIN, /* every parameter as the request's weights_dtype */
	KVP_WFORMAT_AWQ,   /* int4-awq:gG: the blocks' linear layers in 4 bits,
	                    * an fp16 scale and a 4-bit zero per G inputs */
	KVP_WFORMAT_GPTQ,  /* int4-gptq:gG: the same and a 4-byte g_idx per
	                    * input row */
	KVP_WFORMAT_FP8,   /* fp8: 1 B per linear weight, fp32 per-tensor
	                    * scales */
	KVP_WFORMAT_NVFP4, /* 16 e2m1 values and an fp8 scale per 16, two fp32
	                    * scales per tensor */
	KVP_WFORMAT_MXFP4, /* 17 B per 32 in the MLP (experts), attention
	                    * 16-bit, as gpt-oss ships it */
	KVP_WFORMAT_GGUF   /* one ggml type on every 2-D tensor, 1-D ones f32 */
} kvp_wformat;

#define KVP_WFORMAT_NAME_MAX 24

typedef struct kvp_weights_format {
	kvp_wformat kind;
	uint32_t group;        /* AWQ and GPTQ: inputs per scale group */
	uint32_t block_values; /* GGUF: the ggml type's block */
	uint32_t block_bytes;
	char name[KVP_WFORMAT_NAME_MAX]; /* canonical: "int4-awq:g128",
	                                  * "q4_K", "fp8"; "" when plain */
} kvp_weights_format;

/* Plain: the weights_dtype of the request says the rest. */
KVP_API void kvp_weights_format_init(kvp_weights_format *format);
/* Parses "int4-awq:gG", "int4-gptq:gG" (G 128 when left out), "fp8",
 * "nvfp4", "mxfp4" and ggml's quantized types ("q8_0", "q4_K", ...),
 * case-insensitively.  Anything else is KVP_ERR_NOT_FOUND and leaves out
 * alone: a plain element type is for kvp_dtype_from_name.  A GGUF mix of
 * types chosen tensor by tensor (Q4_K_M, ...) is KVP_ERR_INVALID, naming
 * --gguf; a group of 0 or not a power of two up to 2^20 is KVP_ERR_RANGE. */
KVP_API kvp_status kvp_weights_format_parse(const char *text,
                                            kvp_weights_format *out,
                                            kvp_error *err);

/* A format's estimate from a model's shape: embeddings vocab x hidden, the
 * LM head as many unless tied, norms (2 x layers + 1) x hidden, and the
 * linear layers the rest of params. */
typedef struct kvp_weights_estimate {
	uint64_t embedding_params;
	uint64_t head_params;     /* 0 when tied to the embeddings */
	uint64_t norm_params;
	uint64_t linear_params;   /* params less the three above */
	uint64_t quantized_params; /* of the linear ones, those the format
	                            * quantizes (mxfp4: not attention's) */
	uint64_t quantized_bytes;
	uint64_t other_bytes;     /* everything else, at its own type */
	uint64_t bytes;           /* the two together */
} kvp_weights_estimate;

/* The weights of model stored as format (plain: every parameter as
 * plain).  A quantized format needs params, vocab and hidden
 * (KVP_ERR_INVALID naming what is missing), and params above the
 * embeddings, head and norms; KVP_ERR_OVERFLOW past 64-bit bytes. */
KVP_API kvp_status kvp_weights_estimate_compute(const kvp_model *model,
                                                const kvp_weights_format *format,
                                                kvp_dtype plain,
                                                kvp_weights_estimate *out,
                                                kvp_error *err);

/* The most pipeline stages an explicit split (pp_layers) gives. */
#define KVP_PP_MAX 64

/* What is asked of a model.  kvp_request_init fills in the defaults; a
 * field added later gets its default there, so code that calls init and
 * then sets what it needs keeps working, and no signature changes. */
/* LoRA adapters held beside the weights.  Modules, as PEFT's
 * target_modules name them: */
enum {
	KVP_LORA_Q = 1 << 0,     /* q_proj */
	KVP_LORA_K = 1 << 1,     /* k_proj */
	KVP_LORA_V = 1 << 2,     /* v_proj */
	KVP_LORA_O = 1 << 3,     /* o_proj */
	KVP_LORA_GATE = 1 << 4,  /* gate_proj */
	KVP_LORA_UP = 1 << 5,    /* up_proj */
	KVP_LORA_DOWN = 1 << 6,  /* down_proj */
	KVP_LORA_EMBED = 1 << 7, /* embed_tokens */
	KVP_LORA_HEAD = 1 << 8,  /* lm_head */
	KVP_LORA_LINEAR = (1 << 7) - 1, /* the seven: PEFT's all-linear */
	KVP_LORA_ALL = (1 << 9) - 1
};

typedef struct kvp_lora {
	uint32_t rank;           /* the largest rank (vLLM max_lora_rank); 0:
	                          * no adapters */
	uint32_t slots;          /* adapters held at once (vLLM max_loras,
	                          * SGLang max_loras_per_batch); 0, the
	                          * default: the engine's own (SGLang 8,
	                          * vLLM and the rest 1), which the plan's
	                          * request then holds */
	uint32_t modules;        /* KVP_LORA_* bits; 0: the engine's default
	                          * (vLLM: every module it wraps, the seven
	                          * linear ones, embed_tokens and lm_head;
	                          * otherwise the seven) */
	kvp_dtype dtype;         /* default fp16 (vLLM's lora_dtype "auto":
	                          * the model's 16-bit type) */
} kvp_lora;

/* Parses a comma-separated list of modules: q_proj, k_proj, v_proj,
 * o_proj, gate_proj, up_proj, down_proj, embed_tokens, lm_head (the
 * "_proj" may be left out), vLLM's packed qkv_proj and gate_up_proj, and
 * the sets all-linear, attention and mlp.  KVP_ERR_PARSE names the entry
 * at fault and lists the valid ones. */
KVP_API kvp_status kvp_lora_modules_parse(const char *text, uint32_t *modules,
                                          kvp_error *err);
/* vLLM's --mamba-cache-mode (vllm/config/cache.py): how many state
 * pages a request of a recurrent layer's group is charged.  DEFAULT is
 * the release's own: align from 0.28 on (prefix caching on for hybrid
 * models), none before. */
typedef enum kvp_mamba_mode {
	KVP_MAMBA_DEFAULT = 0,
	KVP_MAMBA_NONE,   /* prefix caching off: 1 + k pages a request */
	KVP_MAMBA_ALIGN,  /* a block boundary's state kept: 2 + k */
	KVP_MAMBA_ALL,    /* every block boundary's state kept: cdiv(len,
	                   * mamba_block_size) + k, for the models vLLM
	                   * lets (Nemotron-H, Mamba, Mamba2, Jamba,
	                   * Falcon-H1, Granite 4, Zamba2; align for the
	                   * others) */
} kvp_mamba_mode;

/* "q_proj,k_proj,...": the modules of bits, in the order above, into out
 * (size bytes); "none" when there are none. */
KVP_API const char *kvp_lora_modules_text(uint32_t modules, char *out, size_t size);

typedef struct kvp_request {
	uint64_t seq;            /* tokens per sequence, >= 1 */
	uint64_t batch;          /* sequences, >= 1; default 1 */
	kvp_dtype dtype_k;       /* K cache, and an MLA latent; default fp16 */
	kvp_dtype dtype_v;       /* V cache; default fp16 */
	kvp_dtype state_dtype;   /* recurrent state; default fp32, as
	                          * llama.cpp keeps it */
	kvp_mla_mode mla;        /* default latent */
	bool no_window;          /* plan sliding and chunked layers as full
	                          * attention, for comparison */
	kvp_dtype weights_dtype; /* default fp16 */
	uint64_t weight_bytes;   /* the weights' exact bytes, counted from a
	                          * checkpoint (kvp_weights); 0: estimated
	                          * from weights_format */
	uint64_t weight_embedding_bytes; /* of weight_bytes, the input
	                          * embedding's and the LM head's (a
	                          * checkpoint's kvp_weights embedding_bytes
	                          * and head_bytes); embedding 0: both from
	                          * the model's vocab x hidden at weights_dtype */
	uint64_t weight_head_bytes;
	double mem_util;         /* usable share of device memory, (0, 1];
	                          * default 0.90, taken at the double's exact
	                          * value; 0: the engine's own default for
	                          * each device (vLLM 0.92, SGLang's
	                          * mem_fraction_static from the device's
	                          * memory, TensorRT-LLM and the rest 0.90) */
	uint64_t reserve_bytes;  /* kept free besides weights and cache */
	/* The engine, and its own settings (0: the engine's default). */
	kvp_engine engine;       /* default exact */
	uint32_t block_size;     /* vLLM block (16), SGLang page (1),
	                          * TensorRT-LLM tokens per block (32; 64 for
	                          * its C++ runtime) */
	uint64_t max_batched_tokens; /* vLLM max_num_batched_tokens; 0:
	                          * `vllm serve`'s default, which depends on
	                          * the device (kvp_request_for_device): 2048
	                          * in a plan, whatever the device */
	uint32_t ubatch;         /* llama.cpp n_ubatch (512) */
	uint64_t ctx_size;       /* llama.cpp n_ctx; 0: seq x batch */
	bool kv_unified;         /* llama.cpp: one stream for all sequences */
	bool trtllm_cpp;         /* TensorRT-LLM's C++ runtime, not PyTorch */
	double swa_full_tokens_ratio; /* SGLang --swa-full-tokens-ratio: the
	                          * sliding pool's tokens per full-pool token
	                          * for a model with both kinds (0: 0.8) */
	uint32_t chunked_prefill_size; /* SGLang --chunked-prefill-size, for its
	                          * default mem_fraction_static (0: its
	                          * default for the device's memory) */
	uint32_t cuda_graph_max_bs; /* SGLang --cuda-graph-max-bs, likewise */
	bool no_swa_pool;        /* SGLang --disable-hybrid-swa-memory: every
	                          * layer in its one pool, windows and all */
	/* Parallelism: tensor, pipeline and data parallel degrees (1). */
	uint32_t tp;
	uint32_t pp;
	uint32_t dp;
	uint32_t pp_layers_len;  /* 0, or pp: layers per stage, in order */
	uint32_t pp_layers[KVP_PP_MAX];
	uint64_t kv_budget;      /* bytes for the cache per GPU; 0: derived
	                          * from a device (usable - weights - reserve) */
	kvp_policy policy;       /* what the cache keeps; default full */
	uint64_t gen;            /* of seq, the tokens generated after the
	                          * prompt (0) */
	bool kv_repeated;        /* K and V stored at the query heads' count,
	                          * as SnapKV's and KVCache-Factory's code
	                          * does: memory x heads / kv_heads */
	kvp_weights_format weights_format; /* default plain (weights_dtype) */
	kvp_lora lora;           /* adapters; default none */
	/* Speculative decoding (lib/plan.c, lib/draft.c): a draft model, or
	 * the model's own next-token-prediction layers.  Their layers cache
	 * as the model's do, for the same tokens and types, on the last
	 * pipeline stage, and their weights sit beside the model's. */
	const kvp_model *draft;  /* a draft model, or NULL; borrowed: the
	                          * plan keeps the pointer, not the model,
	                          * so the model must outlive the plan
	                          * (kvp_plan_fit and
	                          * kvp_plan_compute_bytes_at read it for
	                          * llama.cpp's draft context) */
	uint64_t draft_weight_bytes; /* its weights' exact bytes (a file), or
	                          * with mtp_layers the MTP layers' (a
	                          * file's NextN tensors, kvp_weights
	                          * mtp_bytes); 0: its params as
	                          * weights_format, the MTP layers' as a
	                          * block at the model's average */
	uint32_t mtp_layers;     /* MTP (NextN) layers loaded: DeepSeek-V3's,
	                          * GLM-4.5's and Qwen3-Next's one; 0 none */
	uint32_t spec_tokens;    /* tokens drafted a step (vLLM's
	                          * num_speculative_tokens, llama.cpp's
	                          * --spec-draft-n-max); 0: vLLM takes
	                          * mtp_layers, llama.cpp keeps no rollback */
	/* vLLM's profile run (lib/vllm_profile.c): the memory it keeps out of
	 * the cache besides the weights, its activation peak and non-torch
	 * memory, modelled on its published logs. */
	bool profile_memory;     /* take them from the budget (vLLM), and
	                          * SGLang's memory in use before its
	                          * weights load from the memory it takes
	                          * its share of (lib/sglang_preload.c) */
	uint32_t max_num_seqs;   /* vLLM max_num_seqs; 0: its default for the
	                          * device (1024 on 70 GiB or more, not an
	                          * A100; 256 otherwise), at most
	                          * max_num_batched_tokens */
	/* The vLLM release whose behaviour a plan follows, major x 100 +
	 * minor (0.19 is 19); 0: the current one (0.29 or later).  Before
	 * 0.29 its fit check took the whole budget, not the budget less its
	 * null block (kvp_plan_held_bytes); before 0.28 a hybrid model ran
	 * without prefix caching (mamba mode none);
	 * before 0.26 a sliding or chunked layer kept one step of
	 * max_num_batched_tokens beyond its window, since two in flight;
	 * before 0.21 its "GPU KV cache size" line was num_blocks // groups x
	 * block, since then int(max_concurrency x max_model_len); before 0.20
	 * its default share was 0.90, not 0.92, and it took no estimate of
	 * its CUDA graphs' memory from the budget. */
	uint32_t vllm_version;
	/* The SGLang release whose default share a plan follows, major x
	 * 10000 + minor x 100 + patch (0.5.18 is 518); 0: the current one
	 * (0.5.20 or later).  Before 0.5.20 a device of 20 to 35 GiB took
	 * chunks of 2048 and decode CUDA graphs up to 24 (80 at tp 4 or
	 * more), not 4096 and 48 (160), and an MLA model reserved no
	 * prefill CUDA graphs, where since it reserves 1536 MiB for them
	 * (the release of that change not established) and pipeline stages
	 * have none; before 0.5.17 LoRA reserved none either
	 * (kvp_engine_mem_util). */
	uint32_t sglang_version;
	kvp_mamba_mode mamba_cache_mode; /* vLLM --mamba-cache-mode */
	bool enforce_eager;      /* vLLM --enforce-eager: no CUDA graphs, so
	                          * from 0.20 no estimate of their memory
	                          * comes out of the budget (profile_memory) */
	bool flash_attn_off;     /* llama.cpp -fa off: its compute buffer holds
	                          * the attention's scores (lib/llama_compute.c),
	                          * and a quantized V cache is refused */
	bool cuda_memory;        /* vLLM, SGLang and TensorRT-LLM size from
	                          * the memory CUDA reports (the device's
	                          * cuda_bytes) and SGLang's default share
	                          * from nvidia-smi's (smi_bytes), as they
	                          * read them, where the device gives them;
	                          * false: from the nominal hbm_bytes */
	bool llama_server;       /* llama.cpp's llama-server (from about b9460,
	                          * PR #23861): its prompt graph reserves
	                          * logits for batch x (1 + drafted tokens)
	                          * outputs, not for every token of the
	                          * ubatch (lib/llama_compute.c); false:
	                          * llama-cli, llama-bench, ollama and older
	                          * builds */
	bool language_model_only; /* vLLM --language-model-only (or
	                          * --limit-mm-per-prompt 0 for every
	                          * modality): a multimodal model's towers
	                          * are not loaded (vllm/model_executor/
	                          * models/interfaces.py _mark_tower_model) */
	uint32_t vllm_runner;    /* vLLM's model runner, 1 (V1) or 2 (V2,
	                          * VLLM_USE_V2_MODEL_RUNNER=1); 0: its
	                          * default for the model and vllm_version,
	                          * which kvp_plan_compute sets in the
	                          * plan's request (kvp_engine_vllm_runner).
	                          * With pipeline stages V2 keeps pp + 1
	                          * batches in flight, V1 pp: a sliding or
	                          * chunked layer holds that many steps of
	                          * max_num_batched_tokens beside its window */
	bool language_only;      /* SGLang --language-only, the language
	                          * server of encoder disaggregation: its
	                          * default share takes no factor for the
	                          * vision encoder (arg_groups/memory_hook.py
	                          * handle_gpu_memory_settings: is_vlm
	                          * false).  The towers stay in the weights,
	                          * as SGLang's Qwen3-VL builds them whatever
	                          * the flag.  (SGLang's --language-model-only,
	                          * which it takes for a few architectures
	                          * alone, is not modelled.) */
	bool disable_cuda_graph; /* SGLang --disable-cuda-graph: from 0.5.20
	                          * its default share reserves neither decode
	                          * nor prefill CUDA graphs (memory_hook.py
	                          * reserve_for_graph_mb, both backends
	                          * disabled); before, it is not followed */
	uint8_t disaggregation;  /* SGLang --disaggregation-mode, a
	                          * kvp_disaggregation: from 0.5.20 a prefill
	                          * server's default share reserves no decode
	                          * CUDA graphs; a decode server's reserves
	                          * max(cuda_graph_max_bs, 2048) x 1.5 MiB of
	                          * activations, no prefill graphs and takes
	                          * no factor for a vision encoder
	                          * (memory_hook.py handle_gpu_memory_settings,
	                          * reserve_for_graph_mb); before, it is not
	                          * followed */
} kvp_request;

/* SGLang's role in prefill/decode disaggregation (kvp_request
 * disaggregation). */
typedef enum kvp_disaggregation {
	KVP_DISAGG_NONE = 0,    /* "null": one server does both */
	KVP_DISAGG_PREFILL = 1, /* "prefill" */
	KVP_DISAGG_DECODE = 2,  /* "decode" */
} kvp_disaggregation;

/* Whether the engine of request loads a multimodal model's vision and audio
 * towers (kvp_model vision_params, kvp_weights vision_bytes): not
 * llama.cpp, whose converter writes them to a separate mmproj file, nor
 * vLLM with language_model_only.  A plan leaves their params out where
 * not; a caller giving weight_bytes leaves their bytes out, as the
 * command does. */
KVP_API bool kvp_request_loads_towers(const kvp_request *request);
/* Of model's params, those request's engine loads as the model's
 * weights, as a plan weighs them: less the MTP layers' (an MTP draft's
 * alone) and, where the engine leaves them, the towers'.  0 where those
 * exceed params. */
KVP_API uint64_t kvp_model_loaded_params(const kvp_model *model,
                                         const kvp_request *request);

/* seq 0 (to be set), batch 1, fp16 K and V, fp32 state, latent MLA,
 * windows kept, fp16 weights, mem_util 0.90, no reserve. */
KVP_API void kvp_request_init(kvp_request *request);

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
	uint64_t bytes_per_token;     /* the three together */
	uint64_t state_bytes_per_seq; /* recurrent state */
	/* One layer, whole batch, on one GPU of a tensor-parallel group: */
	uint64_t layer_kv_bytes;      /* cells x bytes_per_token */
	uint64_t layer_state_bytes;   /* state_bytes_per_seq x batch */
	/* All the group's layers, whole batch, one tensor-parallel rank's
	 * share (its kv heads; an MLA latent is whole on every rank): */
	uint64_t k_bytes;
	uint64_t v_bytes;
	uint64_t latent_bytes;
	uint64_t state_bytes;
	uint64_t bytes;               /* the four together */
	bool draft;                   /* a draft model's layers or MTP layers,
	                               * past the model's (first_layer counts
	                               * on from its last) */
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
	/* Totals across every GPU (tp x pp x dp of them): */
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
	                             * n_vocab x n_seq_max x 4) */
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
	 * attended tokens it may ever hold (min(max_batch_size 2048,
	 * max_num_tokens 8192) x the model's max_context); 0 where none. */
	uint64_t trtllm_mla_workspace_bytes;
	uint64_t trtllm_mla_workspace_tokens;
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
	/* Of the weights, the input embedding's and the LM head's, whole:
	 * pipeline stages put the embedding on the first stage and the head
	 * on the last (a tied head there too when pp > 1), and llama.cpp
	 * keeps the embedding in host memory (kvp_plan_fit).  From the
	 * request's checkpoint counts, or vocab x hidden at the weights'
	 * type (16-bit in a checkpoint format, its block type in GGUF's).
	 * embedding_bytes 0: unknown, and the weights follow the layers;
	 * head_bytes 0: tied to the embedding. */
	uint64_t embedding_bytes;
	uint64_t head_bytes;
	bool outer_every_stage;     /* every stage holds the embedding and the
	                             * head: vLLM's Qwen3-MoE, SGLang's Llama 4 */
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
	                             * block) */
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
	 * tokens for the other engines. */
	uint64_t log_tokens;
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

/* ---- devices ---------------------------------------------------------- */

typedef struct kvp_device {
	char name[KVP_NAME_MAX];
	char description[KVP_DESCRIPTION_MAX];
	uint64_t hbm_bytes;      /* device memory (host: physical RAM) */
	uint64_t l2_bytes;       /* L2 cache */
	uint64_t llc_bytes;      /* last-level cache when beyond L2; 0 if none */
	double bandwidth_gbs;    /* memory bandwidth, 10^9 bytes/s; 0 unknown */
	double fp16_tflops;      /* dense FP16/BF16 tensor peak; 0 unknown */
	char arch[KVP_NAME_MAX]; /* the architecture an engine asks of the
	                          * device: "sm_90" (NVIDIA compute
	                          * capability 9.0, H100), "sm_100" (10.0,
	                          * B200), "gfx942" (AMD MI300X); "" unknown */
	uint64_t cuda_bytes;     /* the total CUDA reports (cudaMemGetInfo,
	                          * torch's total_memory), at most hbm_bytes:
	                          * the driver keeps some (an H100's 80 GiB
	                          * report 79.19 GiB), and how much moves a
	                          * little with its version; 0 unknown */
	uint64_t smi_bytes;      /* nvidia-smi's memory.total, at most
	                          * hbm_bytes; 0 unknown */
	char link[KVP_NAME_MAX]; /* how the GPUs of one server reach each
	                          * other: "nvlink" (SXM and HGX boards),
	                          * "xgmi" (AMD Infinity Fabric), "pcie"; ""
	                          * unknown, taken as pcie.  SGLang's memory
	                          * in use before its weights follows it
	                          * (lib/sglang_preload.c) */
} kvp_device;

/* Checks that hbm_bytes and l2_bytes are non-zero, cuda_bytes and
 * smi_bytes at most hbm_bytes, link "", "pcie", "nvlink" or "xgmi",
 * and that arch, when
 * given, is sm_ and the compute capability's digits (major, then minor:
 * sm_90, sm_100, sm_120, an a or f suffix allowed) or gfx and an AMD
 * target's three or four (gfx942, gfx950, gfx90a). */
KVP_API kvp_status kvp_device_check(const kvp_device *device, kvp_error *err);

/* ---- fit -------------------------------------------------------------- */

typedef struct kvp_fit_options {
	kvp_dtype weights_dtype; /* default KVP_DTYPE_FP16 */
	double mem_util;         /* usable share of HBM, (0, 1]; default 0.90;
	                          * taken at the double's exact value; 0: the
	                          * engine's default for the device */
	uint64_t reserve_bytes;  /* kept free besides weights and cache */
} kvp_fit_options;

KVP_API void kvp_fit_options_init(kvp_fit_options *options);

/* One GPU's memory, part by part: weights, cache, engine buffers, the
 * reserve, what mem_util holds back and what is left sum to the device's
 * memory (over says how far the parts exceed it instead). */
typedef struct kvp_footprint {
	uint64_t total;       /* the device's memory */
	uint64_t weights;     /* weights_per_gpu */
	uint64_t adapters;    /* LoRA: the plan's lora_bytes_per_gpu */
	uint64_t draft;       /* the draft's or MTP layers' weights: their
	                       * bytes over the tensor-parallel ranks of the
	                       * last stage */
	uint64_t kv;          /* the per-token caches the engine allocates:
	                       * its whole pool (vLLM, SGLang, TensorRT-LLM),
	                       * or the plan's cache (exact, llama.cpp) */
	uint64_t state;       /* recurrent state beside the pool */
	uint64_t activations; /* the engine's compute buffers (plan's
	                       * compute_bytes), and with profile_memory
	                       * vLLM's activation peak and non-torch memory
	                       * or SGLang's memory in use before its
	                       * weights (CUDA context, NCCL) */
	uint64_t reserve;     /* the request's reserve_bytes */
	uint64_t held_back;   /* what mem_util keeps out of use */
	uint64_t unused;      /* the rest, inside the usable share */
	uint64_t over;        /* how far the parts exceed the device */
	uint64_t host;        /* host memory besides (plan's host_bytes) */
} kvp_footprint;

/* The terms of kvp_fit's cuda_graph_bytes (vLLM's estimate of its CUDA
 * graphs, modelled on its logs in lib/vllm_profile.c): BASE + LAYER_SIZE
 * x the binding stage's layers x (cuda_graphs - 1). */
#define KVP_VLLM_GRAPH_BASE_BYTES ((uint64_t)287 << 20)
#define KVP_VLLM_GRAPH_LAYER_SIZE_BYTES ((uint64_t)354 * 1024)

typedef struct kvp_fit {
	uint64_t kv_total_bytes;   /* per-token caches (K, V, latent) */
	uint64_t state_total_bytes; /* recurrent state */
	uint64_t cache_total_bytes; /* the two: what has to fit */
	uint64_t kv_layer_bytes;   /* the largest layer, whole batch */
	bool fits_l2;              /* whole cache <= L2 */
	bool layer_fits_l2;        /* the largest layer's cache <= L2 */
	uint64_t max_seq_l2;       /* largest seq whose whole cache fits L2
	                            * (UINT64_MAX when unbounded) */
	bool max_seq_l2_unbounded; /* the cache's plateau fits L2 */
	uint64_t weights_bytes;    /* the plan's weights_bytes (or params at
	                            * the weights' type), and its
	                            * draft_weights_bytes */
	double mem_util;           /* the share of the device taken: the
	                            * request's, or the engine's default for
	                            * this device where the request's is 0 */
	uint64_t usable_bytes;     /* floor(hbm_bytes * mem_util), mem_util
	                            * being the double's exact value (0.9 is
	                            * a little above 9/10, 0.3 a little below
	                            * 3/10); 0 when mem_util is that small */
	bool fits_hbm;             /* on every stage, weights + buffers +
	                            * adapters + reserve + cache <= usable
	                            * (SGLang: the request's pages in its
	                            * pools) */
	uint64_t max_seq_hbm;      /* largest seq that fits at this batch,
	                            * every stage in its own budget
	                            * (UINT64_MAX when unbounded) */
	bool max_seq_hbm_unbounded; /* the cache's plateau fits */
	uint64_t max_batch_hbm;    /* largest batch that fits at this seq */
	/* Per GPU, with tensor and pipeline parallelism: */
	uint64_t weights_per_gpu;  /* stage_weights[stage] */
	uint64_t cache_per_gpu;    /* the plan's kv_bytes_per_gpu */
	uint64_t budget_bytes;     /* stage_budget[stage]: the cache's memory
	                            * on one GPU of the stage that binds:
	                            * kv_budget, or usable - its weights, its
	                            * adapters, the reserve and the engine's
	                            * buffers (TensorRT-LLM: mem_util of what
	                            * those leave; SGLang: the least of every
	                            * stage's) */
	uint64_t cuda_graph_bytes; /* vLLM from 0.20 with profile_memory: its
	                            * estimate of the CUDA graphs' memory on a
	                            * GPU of the binding stage, taken from the
	                            * budget and counted in the footprint's
	                            * activations (lib/vllm_profile.c); 0
	                            * otherwise */
	uint32_t cuda_graphs;      /* vLLM with profile_memory: the batch
	                            * sizes it captures a CUDA graph for, in
	                            * each mode; 0 without graphs
	                            * (enforce_eager), without profile_memory
	                            * or for another engine */
	uint64_t mla_workspace_bytes; /* TensorRT-LLM with an MLA model and an
	                            * fp8 cache: the room its budget leaves
	                            * for the context-MLA attention workspace
	                            * on a GPU of the binding stage, taken
	                            * from budget_bytes (the plan's
	                            * trtllm_mla_workspace_bytes); 0
	                            * otherwise */
	uint64_t mla_workspace_tokens; /* ... and the tokens of summed
	                            * attended KV that room admits, int(room /
	                            * bytes a token) as TensorRT-LLM logs
	                            * them; 0 without the room */
	kvp_capacity capacity;     /* what the engine makes of the budget */
	kvp_footprint footprint;   /* the device's memory, part by part */
	uint64_t batched_tokens;   /* vLLM: the max_num_batched_tokens the fit
	                            * follows (the request's, else the plan's
	                            * batched_tokens, else `vllm serve`'s
	                            * default on this device); 0 for the other
	                            * engines */
	bool pooled;               /* SGLang: the requests' pages in its pools,
	                            * not the bytes, decide fits_hbm,
	                            * max_seq_hbm and max_batch_hbm (its
	                            * sliding-window pools, or one pool of
	                            * layers that keep every token and hold no
	                            * state); false for the other engines */
	/* Pipeline stages (entries past the plan's stages are left as they
	 * were; one stage without pp).  What one GPU of stage s holds in
	 * weights: its layers' share of the weights, the first stage the
	 * embedding (llama.cpp: none, host memory holds it), the last the LM
	 * head (a tied head's copy when pp > 1, and always in llama.cpp) and
	 * a draft's weights, each ceil(/ tp); and its cache's memory, each
	 * stage's own (usable less its weights, buffers and reserve), as
	 * vLLM's and TensorRT-LLM's workers each measure it before the
	 * fewest blocks bind them all.  stage is the stage that binds: the
	 * engine's fewest blocks or tokens (exact and llama.cpp: the least
	 * room left); the per-GPU figures (weights_per_gpu, budget_bytes,
	 * capacity, footprint) are its GPU's. */
	uint32_t stage;
	uint64_t stage_weights[KVP_PP_MAX];
	uint64_t stage_budget[KVP_PP_MAX];
} kvp_fit;

/* What would make a request fit a device (each answer exact at its
 * boundary). */
typedef struct kvp_advice {
	bool fits;                /* the request fits as it is */
	uint64_t budget_bytes;    /* the cache's memory on one GPU */
	uint64_t short_bytes;     /* how far a stage's cache is over its own
	                           * budget, the furthest; 0 when it fits */
	uint32_t short_stage;     /* that stage (0 when it fits) */
	uint64_t max_seq;         /* longest context at the request's batch */
	bool max_seq_unbounded;
	uint64_t max_batch;       /* largest batch at the request's seq */
	bool dtype_found;         /* a cache type fits: */
	kvp_dtype dtype;          /* the widest of fp32, fp16, q8_0, fp8, q5_1,
	                           * q5_0, q4_1, q4_0 that the engine has and
	                           * that does (K and V) */
	uint32_t min_tp;          /* the fewest tensor-parallel GPUs per stage
	                           * that fit (0: none up to the heads) */
	uint64_t min_gpus;        /* min_tp x pp */
} kvp_advice;

KVP_API kvp_status kvp_advise(const kvp_model *model, const kvp_request *request,
                              const kvp_device *device, kvp_advice *out,
                              kvp_error *err);

/* The share of device's memory the request's engine takes: its mem_util,
 * or where that is 0 the engine's own default for the device: vLLM 0.92
 * (0.90 before 0.20, PR #38284);
 * SGLang's mem_fraction_static, round((gpu_mem - reserved_mem) / gpu_mem,
 * 3) in MiB as python/sglang/srt/arg_groups/memory_hook.py works it out
 * (0.5.20 on; server_args.py of 2026-07 for request sglang_version
 * before), *gpu_mem_mib and *reserved_mib its terms (each may be NULL; 0
 * for the other engines); 0.90 for the rest.  0 when no request or
 * device.  SGLang's reserve also depends on the model (its prefill CUDA
 * graphs, a flat 1536 MiB with MLA): this form takes a model without MLA
 * whose path does not name Llama 2; kvp_plan_mem_util takes the plan's. */
KVP_API double kvp_engine_mem_util(const kvp_request *request,
                                   const kvp_device *device,
                                   double *gpu_mem_mib, double *reserved_mib);

/* The same for a plan's request and model, the share kvp_plan_fit takes;
 * *prefill_graphs SGLang's prefill CUDA graphs counted in its reserve, 8
 * MiB each (may be NULL; 0 for the other engines, and for an MLA model,
 * whose reserve for them is flat).  0 when no plan or device. */
KVP_API double kvp_plan_mem_util(const kvp_plan *plan, const kvp_device *device,
                                 double *gpu_mem_mib, double *reserved_mib,
                                 uint32_t *prefill_graphs);

/* SGLang's default mem_fraction_static for a device, term by term, in MiB
 * (kvp_plan_sglang_reserve). */
typedef struct kvp_sglang_reserve {
	double gpu_mem;          /* the memory as SGLang reads it, whole MiB */
	double chunked_prefill;  /* chunked_prefill_size: the request's, or
	                          * SGLang's for gpu_mem */
	double decode_max_bs;    /* the largest decode CUDA graph, likewise */
	double activations;      /* max(chunked_prefill, 2048) x 1.5; a
	                          * decode server's max(decode_max_bs, 2048)
	                          * x 1.5 */
	double parallel;         /* tp x pp / 8 x 1024 */
	double decode_graphs;    /* decode_max_bs x 2 (0 with the request's
	                          * disable_cuda_graph, or on a prefill
	                          * server, from 0.5.20) */
	uint32_t prefill_graphs; /* prefill CUDA graphs, 8 MiB each */
	double prefill_mib;      /* their reserve: prefill_graphs x 8, or an
	                          * MLA model's flat 1536 */
	double reserved;         /* 512 + the terms above, at least 10240
	                          * where gpu_mem is over 60 GiB */
	bool floored;            /* the 10240 floor was taken */
	double share;            /* round((gpu_mem - reserved) / gpu_mem, 3),
	                          * 0 where nothing is left */
	/* A multimodal model's factor on share (kvp_plan vision_hidden and
	 * vision_layers; SGLang's adjust_mem_fraction_for_vlm): vlm_layers
	 * the encoder's layers as SGLang takes them (24 where not given; 0
	 * for a model without an encoder), vlm_ratio vlm_layers x hidden^2 /
	 * (24 x 1024^2), vlm_factor 0.95 x min(max(1 - 0.1 x (vlm_ratio -
	 * 1), 0.8), 1.05), 1 for a model without an encoder. */
	double vlm_layers;
	double vlm_ratio;
	double vlm_factor;
	double mem_fraction_static; /* share x vlm_factor, not rounded again:
	                          * the share SGLang takes (0 where nothing
	                          * is left) */
	kvp_disaggregation role; /* the request's disaggregation where it is
	                          * followed (from 0.5.20), else none */
} kvp_sglang_reserve;

/* SGLang's own mem_fraction_static for plan's model and request on
 * device, term by term, into *out (may be NULL): true where it applies
 * (engine SGLang, mem_util 0); otherwise false and *out all zero. */
KVP_API bool kvp_plan_sglang_reserve(const kvp_plan *plan, const kvp_device *device,
                                     kvp_sglang_reserve *out);

/* Whether SGLang runs the model with its sliding-window memory pool (its
 * sliding or chunked layers keep only their window's tokens): the
 * architectures SGLang lists, by model_type, unless request->no_swa_pool.
 * Every other model keeps all its layers' tokens in SGLang's one pool. */
KVP_API bool kvp_engine_swa_pool(const kvp_model *model, const kvp_request *request);

/* Settles in request the engine's defaults that depend on the device it
 * runs on, so that a plan of model follows them:
 *  - vLLM's max_num_batched_tokens and max_num_seqs where they are 0, as
 *    `vllm serve` sets them (vllm/engine/arg_utils.py
 *    EngineArgs.get_batch_defaults): 16384 and 1024 on a device of 160 GiB
 *    or more (from vllm_version 0.28), 8192 and 1024 on one of 70 GiB or
 *    more that is not an A100, 2048 and 256 on any other, the tokens at
 *    most max_num_seqs x seq and the sequences at most the tokens (device
 *    NULL, none to ask: 2048, as a plan takes it).  Only a model with
 *    sliding or chunked layers plans differently (they keep the step's
 *    tokens beside their window); vLLM's profile run follows them too.
 *  - vLLM's block_size where model has MLA layers and no recurrent ones
 *    (a hybrid's block is vLLM's hybrid config's), and SGLang's page
 *    (block_size): the block of the attention backend the engine picks on
 *    the device's arch (kvp_engine_attention_backend), the one given where
 *    that backend takes it, set where it differs from the block the
 *    request has (given, or the engine's default 16 or 1); left as it is
 *    where none is known.
 * model may be NULL: the block is left as it is.  Nothing for the other
 * engines or a NULL request. */
KVP_API void kvp_request_for_device(kvp_request *request, const kvp_model *model,
                                    const kvp_device *device);
/* The attention backend the request's engine picks for model on device,
 * by its arch, and in *block_size the block (vLLM) or page (SGLang) that
 * backend makes it take.
 *  - vLLM 0.18 and later, for MLA layers (vllm/platforms/cuda.py
 *    check_and_update_config): "FLASH_ATTN_MLA" (16) on compute capability
 *    9.x, "FLASHMLA" (64) there with an fp8 cache, "FLASHINFER_MLA" (32)
 *    on 10.x, "TRITON_MLA" (16) on any other NVIDIA GPU and on AMD's (ROCm
 *    without AITER).  A request->block_size given passes over the backends
 *    whose kernel does not divide it (FLASHMLA 64, FLASHINFER_MLA 32,
 *    CUTLASS_MLA 128, the others 16) and is *block_size.  Releases 0.8 to
 *    0.17 took "FLASHMLA" on 9.x whatever the cache type, its block a
 *    multiple of 64 (a block given that is not became 64), and
 *    "TRITON_MLA" (the block given, or 16) on any other GPU but 10.x.
 *  - SGLang (python/sglang/srt/server_args.py at main): "fa3" on 9.x; on
 *    10.x "trtllm_mla" for the DeepSeek-V3 architectures (model_type
 *    deepseek_v3, kimi_k2; pages of 32 or 64, else 64), "flashinfer" for
 *    deepseek_v2, "triton" for qwen3_next and qwen3_5 (page 1), "fa4" for
 *    mimo_v2, step3p5 and where K and V widths differ (128), "trtllm_mha"
 *    for the rest (16, 32, 64 or 128, else 64); "aiter" on AMD's ("triton"
 *    for an MLA model whose ranks have neither 16 nor 128 kv heads);
 *    elsewhere "triton" for MLA, gpt_oss and llama4, "flashinfer" for the
 *    rest; those others keep the page given, or 1.  Model types match as
 *    a prefix, '-' as '_'.
 * NULL, *block_size untouched, when no rule applies: another engine; for
 * vLLM a release before 0.8, 10.x before 0.18, no latent MLA layers, a
 * sparse MLA model (model_type deepseek_v32 or glm_moe_dsa), a cache type
 * no dense MLA backend takes (per token-head, fp8_ds_mla, fp32) or no
 * backend taking the block given; for SGLang an architecture with its own
 * rule that kvplan does not follow (falcon_h1, granitemoehybrid, lfm2,
 * minicpm, minimax_m3, the sparse MLA ones, another MLA architecture on
 * 10.x, olmo2, olmo3, gemma4, mimo_v2 and step3p5 off 10.x) or a request
 * with a draft or MTP layers (EAGLE changes the default); no arch known; a
 * NULL argument. */
KVP_API const char *kvp_engine_attention_backend(const kvp_model *model,
                                                 const kvp_request *request,
                                                 const kvp_device *device,
                                                 uint32_t *block_size);

/* The mamba_cache_mode vLLM runs a request's recurrent layers in:
 * request->mamba_cache_mode, or the default of its vllm_version (align
 * from 0.28, none before); never KVP_MAMBA_DEFAULT.  Align for NULL. */
KVP_API kvp_mamba_mode kvp_engine_mamba_mode(const kvp_request *request);

/* vLLM's model runner for model under request: request->vllm_runner where
 * given, else vLLM's default (vllm/config/vllm.py
 * VllmConfig.use_v2_model_runner): V2 (2) for every model from 0.29 (PR
 * #53183), from 0.25 for a dense model, neither a mixture of experts
 * (kvp_model moe_*) nor one with recurrent layers, V1 (1) otherwise.  0
 * for another engine, a runner past 2 (which kvp_plan_compute refuses
 * under vLLM), or NULL. */
KVP_API uint32_t kvp_engine_vllm_runner(const kvp_model *model, const kvp_request *request);

/* Fit of a plan on device, with the request's weights type, mem_util and
 * reserve: fits_* at the plan's seq and batch, and the inverse problems
 * solved by kvp_plan_max_seq and kvp_plan_max_batch. */
KVP_API kvp_status kvp_plan_fit(const kvp_plan *plan, const kvp_device *device,
                                kvp_fit *out, kvp_error *err);

/* Fit of model's cache (seq tokens, batch sequences, cache type dtype) on
 * device.  options may be NULL for the defaults.  The max_* values are
 * closed forms; 0 means not even one token (or sequence) fits. */
KVP_API kvp_status kvp_fit_compute(const kvp_model *model,
                                   const kvp_device *device, kvp_dtype dtype,
                                   uint64_t seq, uint64_t batch,
                                   const kvp_fit_options *options,
                                   kvp_fit *out, kvp_error *err);

/* ---- the planner: one request at many contexts and batches ---------- */

/* A capacity tool's sweep asks the same model, request and devices again
 * and again at other seqs and batches.  A planner works out once what
 * does not change from point to point (the layer groups, their bytes a
 * token, each device's budget, the longest contexts at a batch) and
 * answers each point from the cache's cost function, which the solvers
 * share (lib/solve.c); where that is not exact for the request (llama.cpp,
 * whose context and buffers follow the seq; a policy that keeps more of a
 * longer prompt, ratio or PyramidKV; a profile run, profile_memory; vLLM's
 * mamba_cache_mode all, asked or its version's default), each point is a
 * whole kvp_plan_compute and kvp_plan_fit.  Either way a point's figures
 * are those kvp_plan_compute and kvp_plan_fit give for the request at that
 * seq and batch (tests/test_planner.c holds them to each other).  A
 * planner is changed by each point: one thread at a time. */
typedef struct kvp_planner kvp_planner;

/* One device's fit at a point, as kvp_plan_fit gives it. */
typedef struct kvp_point_fit {
	kvp_status status;         /* KVP_OK, or KVP_ERR_OVERFLOW where this
	                            * device's fit passes 64 bits (the rest
	                            * then 0) */
	bool fits_l2;
	bool fits_hbm;
	uint64_t max_batch_hbm;    /* at the point's seq */
	uint64_t max_seq_hbm;      /* at the point's batch */
	bool max_seq_hbm_unbounded;
	uint64_t max_seq_l2;
	bool max_seq_l2_unbounded;
	uint64_t budget_bytes;     /* the cache's memory on a GPU of the
	                            * stage that binds */
} kvp_point_fit;

/* The plan's figures at a point. */
typedef struct kvp_point {
	uint64_t seq;
	uint64_t batch;
	uint64_t cache_total_bytes; /* kvp_plan's: across every GPU */
	uint64_t kv_bytes_per_gpu;  /* kvp_plan's: the largest GPU's share */
} kvp_point;

/* A planner of request for model over n_devices devices (1 to 64), each
 * copied (model finalized on its copy); request->draft is borrowed and
 * must outlive the planner.  request's seq and batch are not used (each
 * point gives its own).  KVP_ERR_INVALID for a missing argument or a
 * device kvp_device_check refuses; KVP_ERR_NOMEM. */
KVP_API kvp_status kvp_planner_new(const kvp_model *model, const kvp_request *request,
                                   const kvp_device *devices, size_t n_devices,
                                   kvp_planner **out, kvp_error *err);
/* The request at seq and batch: the plan's figures in *point, and in
 * fits[d] (n_devices entries) each device's.  The errors kvp_plan_compute
 * gives for that seq and batch (KVP_ERR_OVERFLOW among them: a cache past
 * 64 bits), and those kvp_plan_fit gives but overflow, which fits[d]
 * reports device by device. */
KVP_API kvp_status kvp_planner_point(kvp_planner *planner, uint64_t seq, uint64_t batch,
                                     kvp_point *point, kvp_point_fit *fits,
                                     kvp_error *err);
/* Whether the planner answers points from the cost function (true), or
 * plans each whole. */
KVP_API bool kvp_planner_fast(const kvp_planner *planner);
/* Frees *planner and sets it NULL; NULL or *NULL does nothing. */
KVP_API void kvp_planner_free(kvp_planner **planner);

/* ---- the catalogue ---------------------------------------------------- */

/* Model and device profiles read from YAML files DIR/models/NAME.yaml and
 * DIR/gpus/NAME.yaml over a list of directories; the first directory that
 * has a name wins.  Independent catalogues can live side by side. */
typedef struct kvp_catalog kvp_catalog;

/* Opens a catalogue over dirs[0..n_dirs-1], searched in that order.  The
 * directories are only recorded here; files are read on lookup. */
KVP_API kvp_status kvp_catalog_open(kvp_catalog **out, const char *const *dirs,
                                    size_t n_dirs, kvp_error *err);
/* Opens a catalogue over the default search path: user_dirs first, then the
 * colon-separated KVPLAN_DATA_PATH, then system_dir (NULL: the installed
 * data directory; "": none). */
KVP_API kvp_status kvp_catalog_open_default(kvp_catalog **out,
                                            const char *const *user_dirs,
                                            size_t n_user_dirs,
                                            const char *system_dir,
                                            kvp_error *err);
KVP_API void kvp_catalog_free(kvp_catalog **catalog);
/* The installed data directory compiled into the library. */
KVP_API const char *kvp_catalog_system_dir(void);
/* The directories searched, in order. */
KVP_API size_t kvp_catalog_dir_count(const kvp_catalog *catalog);
KVP_API const char *kvp_catalog_dir(const kvp_catalog *catalog, size_t index);
/* What the catalogue's work so far has had to pass over: a models or gpus
 * directory of the search path that cannot be read (EACCES) is skipped as
 * if empty, so that other directories still answer, and leaves a warning.
 * Each warning is one line like kvp_error_format's, "path: message" with
 * the path escaped ("DIR/models: Permission denied; skipped"), given once
 * however often it arises, in the order they arose.  The strings belong to
 * the catalogue and stay valid until it is freed; NULL past the count. */
KVP_API size_t kvp_catalog_warning_count(const kvp_catalog *catalog);
KVP_API const char *kvp_catalog_warning(const kvp_catalog *catalog,
                                        size_t index);

/* Looks a model up by name or alias.  An unknown name gives
 * KVP_ERR_NOT_FOUND with a message that suggests the closest names; one
 * that is not 1 to 63 ASCII letters, digits, '.', '-', '_' and '+',
 * starting with a letter or a digit, gives KVP_ERR_INVALID. */
KVP_API kvp_status kvp_catalog_model(kvp_catalog *catalog, const char *name,
                                     kvp_model *out, kvp_error *err);
KVP_API kvp_status kvp_catalog_device(kvp_catalog *catalog, const char *name,
                                      kvp_device *out, kvp_error *err);
/* Every model (device) in the catalogue, sorted by name; the array belongs to
 * the catalogue.  Any malformed file is an error. */
KVP_API kvp_status kvp_catalog_models(kvp_catalog *catalog,
                                      const kvp_model **models, size_t *count,
                                      kvp_error *err);
KVP_API kvp_status kvp_catalog_devices(kvp_catalog *catalog,
                                       const kvp_device **devices,
                                       size_t *count, kvp_error *err);

/* Reads one profile file (no search path).  Errors carry path:line:column. */
KVP_API kvp_status kvp_model_load_file(const char *path, kvp_model *out,
                                       kvp_error *err);
KVP_API kvp_status kvp_device_load_file(const char *path, kvp_device *out,
                                        kvp_error *err);

/* ---- reference KV cache and validation -------------------------------- */

/* The host CPU as a device: name "host", hbm_bytes = MemTotal from
 * /proc/meminfo, l2_bytes = cpu0's level-2 data or unified cache (what one
 * core can use), llc_bytes = cpu0's highest-level cache when it is beyond L2
 * (from /sys/devices/system/cpu/cpu0/cache), bandwidth and TFLOPS 0
 * (unknown).  available_bytes, when non-NULL, receives what can be
 * allocated now without swapping: MemAvailable, or less when the process's
 * memory cgroup leaves less, since the kernel kills past its limit.  The
 * cgroup is found in /proc/self/cgroup; the headroom of it and of each of
 * its ancestors is limit - usage (v2: memory.max - memory.current under
 * /sys/fs/cgroup, "max" being no limit; v1: memory.limit_in_bytes -
 * memory.usage_in_bytes under /sys/fs/cgroup/memory), and the least of them
 * counts.  No cgroup, or a level whose files are missing or malformed, adds
 * no limit.  hbm_bytes stays MemTotal.  Where sysfs has no cpu0 cache
 * directory (some virtual machines), l2_bytes is what the C library says
 * (glibc: cpuid) and llc_bytes 0.  KVP_ERR_UNSUPPORTED when /proc or sysfs
 * and the C library do not say. */
KVP_API kvp_status kvp_device_host(kvp_device *out, uint64_t *available_bytes,
                                   kvp_error *err);

/* How a KV cache is laid out in memory. */
typedef enum kvp_layout {
	/* One K and one V array preallocated for max_seq tokens, as llama
	 * does: (layer, batch, max_seq, kv_heads, head_dim). */
	KVP_LAYOUT_CONTIGUOUS,
	/* vLLM style: fixed-size blocks of block_size tokens, one page per
	 * block and layer holding its K then its V, allocated as a sequence
	 * grows and found through a block table per sequence. */
	KVP_LAYOUT_PAGED
} kvp_layout;

#define KVP_LAYOUT_COUNT 2
#define KVP_BLOCK_SIZE_DEFAULT 16

KVP_API const char *kvp_layout_name(kvp_layout layout);
/* "contiguous" or "paged", case-insensitively. */
KVP_API kvp_status kvp_layout_from_name(const char *name, kvp_layout *out,
                                        kvp_error *err);

/* Bytes a cache of this layout allocates for seq tokens in each of batch
 * sequences, stored as dtype.  With row_bytes = the dtype's bytes for one
 * token's K in one layer (kv_heads * head_dim values):
 *  contiguous: kvp_kv_size_compute's total_bytes
 *              = 2 * layers * seq * batch * row_bytes;
 *  paged:      batch * ceil(seq / block_size) blocks per layer, each a page
 *              of 2 * block_size * row_bytes, so
 *              batch * ceil(seq / block_size) * layers * 2 * block_size
 *              * row_bytes (the last block of a sequence is whole).
 * block_size is ignored for the contiguous layout. */
KVP_API kvp_status kvp_layout_predict(const kvp_model *model, kvp_dtype dtype,
                                      kvp_layout layout, uint64_t seq,
                                      uint64_t batch, uint32_t block_size,
                                      uint64_t *bytes, kvp_error *err);

/* What the reference implementation's counting allocator counts, apart. */
typedef enum kvp_mem_category {
	KVP_MEM_CACHE,   /* K and V storage: what the size model predicts */
	KVP_MEM_WEIGHTS, /* wq, wk, wv, wo of the reference layers */
	KVP_MEM_SCRATCH, /* activations, scores, inputs and outputs */
	KVP_MEM_META     /* bookkeeping: block tables, page and layer lists */
} kvp_mem_category;

#define KVP_MEM_CATEGORY_COUNT 4

KVP_API const char *kvp_mem_category_name(kvp_mem_category category);

/* Progress of a long run: phase is "cache" (done/total in bytes touched),
 * "decode" (tokens run through the reference layers) or "recompute"
 * (sequences recomputed without the cache).  Called with done == 0 when a
 * phase starts and done == total when it ends. */
typedef void (*kvp_progress_fn)(void *ctx, const char *phase, uint64_t done,
                                uint64_t total);

/* How kvp_validate_run runs; kvp_validate_options_init sets the defaults,
 * and a zero in a size field also means its default.  The reference run
 * uses the model's heads, kv_heads, head_dim and RoPE theta (so its cache
 * rows are the model's) on a reduced depth, length, batch and width. */
typedef struct kvp_validate_options {
	kvp_layout layout;        /* default contiguous */
	uint32_t block_size;      /* paged: tokens per block; default 16 */
	uint32_t ref_layers;      /* reference depth; default 2, at most layers */
	uint64_t ref_positions;   /* reference tokens per sequence (its max_seq);
	                           * default 256, at most seq */
	uint64_t ref_prompt;      /* of those, prefilled in one pass; the rest
	                           * are decoded one by one; default half, at
	                           * least 1, at most ref_positions */
	uint64_t ref_batch;       /* reference sequences; default min(batch, 2) */
	uint32_t ref_hidden;      /* residual width of the reference layers: it
	                           * sizes the projections, not the cache;
	                           * default min(hidden or heads*head_dim, 512) */
	uint64_t seed;            /* weights and inputs; default 1 */
	uint64_t available_bytes; /* memory the run may use; default what
	                           * kvp_device_host says is available:
	                           * MemAvailable, or the memory cgroup's
	                           * headroom when that is less */
	kvp_progress_fn progress; /* NULL: no progress reports */
	void *progress_ctx;       /* passed to progress */
} kvp_validate_options;

KVP_API void kvp_validate_options_init(kvp_validate_options *options);

/* What a validation run would need, worked out before allocating. */
typedef struct kvp_validate_plan {
	uint64_t cache_bytes;     /* the full cache: kvp_layout_predict */
	uint64_t reference_bytes; /* weights, cache and buffers of the
	                           * reference run */
	uint64_t needed_bytes;    /* the larger: the two never coexist */
	uint64_t available_bytes; /* options->available_bytes, or the host's
	                           * as kvp_device_host gives it */
	bool fits;                /* needed_bytes <= available_bytes */
} kvp_validate_plan;

/* Plans a validation of model (seq tokens, batch sequences, cache type
 * dtype).  options may be NULL for the defaults.  Fills out and returns
 * KVP_ERR_NO_FIT, with a message giving both sizes, when it does not fit;
 * KVP_ERR_UNSUPPORTED for a dtype other than fp32, fp16 and bf16. */
KVP_API kvp_status kvp_validate_plan_compute(const kvp_model *model,
                                             kvp_dtype dtype, uint64_t seq,
                                             uint64_t batch,
                                             const kvp_validate_options *options,
                                             kvp_validate_plan *out,
                                             kvp_error *err);

typedef struct kvp_validate_result {
	kvp_layout layout;
	kvp_dtype dtype;
	uint32_t block_size;        /* paged; 0 for contiguous */
	/* The full cache: all layers, the whole batch, seq tokens. */
	uint64_t predicted_bytes;   /* kvp_layout_predict */
	uint64_t measured_bytes;    /* counted by the allocator, cache category */
	uint64_t resident_bytes;    /* growth of the process's resident memory
	                             * (/proc/self/statm) while every page of
	                             * the cache was touched; 0 when unknown */
	bool resident_known;
	/* The reference run (prefill + decode on a reduced depth). */
	uint32_t ref_layers;
	uint64_t ref_positions;
	uint64_t ref_prompt;
	uint64_t ref_batch;
	uint32_t ref_hidden;
	uint64_t ref_predicted_bytes; /* its cache, as kvp_layout_predict */
	uint64_t ref_measured_bytes;  /* its cache, as counted */
	double max_abs_error;       /* largest |cached decode - recomputation|
	                             * over every output of every position */
	double tolerance;           /* the bound max_abs_error must meet */
	bool overrun_refused;       /* decoding past max_seq was an error */
	/* Largest bytes live at once, per kvp_mem_category, over the run. */
	uint64_t peak_bytes[KVP_MEM_CATEGORY_COUNT];
	uint64_t allocations;       /* allocations made */
	bool passed;                /* measured == predicted for both caches,
	                             * max_abs_error <= tolerance and the
	                             * overrun refused */
	/* Under a policy (kvp_validate_policy_run): */
	kvp_policy_kind policy;     /* full for kvp_validate_run */
	bool attention_run;         /* the reference ran the policy's cache
	                             * (streaming, h2o); else only the planned
	                             * per-layer cache was allocated */
	bool pos_shift;             /* streaming: StreamingLLM's pos-shift */
} kvp_validate_result;

/* Allocates the real cache for this shape through the counting allocator,
 * touches every page, and compares the bytes with the prediction; then runs
 * prefill + decode through the reference layers with the same layout and
 * dtype and compares every output with a recomputation that uses no cache.
 * The plan is checked first: a run that does not fit allocates nothing and
 * returns KVP_ERR_NO_FIT.  A run that completes returns KVP_OK whether or
 * not it passed; result->passed says which.  Supported dtypes: fp32, fp16,
 * bf16 (others: KVP_ERR_UNSUPPORTED).  options may be NULL. */
KVP_API kvp_status kvp_validate_run(const kvp_model *model, kvp_dtype dtype,
                                    uint64_t seq, uint64_t batch,
                                    const kvp_validate_options *options,
                                    kvp_validate_result *result,
                                    kvp_error *err);

/* Validates request's policy on model (exact engine, one GPU): the
 * planned cache's bytes (cache_total_bytes) against what is allocated.
 * StreamingLLM and H2O run the reference's own caches (the model's layers
 * all full attention; pos_shift picks StreamingLLM's position mode): each
 * layer's cache allocated once for the kept tokens, then a reduced stack
 * decoding through the same kind of cache, checked against the full cache
 * while the sequence fits, for fixed bytes, no allocation while decoding
 * and the tokens kept.  Other policies allocate each layer's planned cache
 * through the counting allocator and compare the bytes only
 * (attention_run false).  The allocation is counted, not touched. */
KVP_API kvp_status kvp_validate_policy_run(const kvp_model *model,
                                           const kvp_request *request,
                                           bool pos_shift,
                                           kvp_validate_result *out,
                                           kvp_error *err);

/* ---- CUDA GPUs (configure --with-cuda) -------------------------------- */

/* Whether this libkvplan was built with CUDA.  Without it, every function
 * below returns KVP_ERR_UNSUPPORTED and says so.  With it, nothing of CUDA
 * is linked in: the first call opens the NVIDIA driver (libcuda.so.1) and
 * its API, so the library runs where the driver is without the toolkit. */
KVP_API bool kvp_cuda_built(void);

/* GPU `index` (CUDA's numbering, after CUDA_VISIBLE_DEVICES) as a device,
 * read through the driver's API, as cudaGetDeviceProperties reports it:
 * name "cuda:N"; description the GPU's own name and number, "NVIDIA H200
 * (CUDA GPU 0)"; hbm_bytes and cuda_bytes its totalGlobalMem; l2_bytes its
 * l2CacheSize; bandwidth_gbs 2 x the memory clock x the bus width / 8
 * (double data rate), in 10^9 bytes a second; arch "sm_" and the compute
 * capability; fp16_tflops 0 (CUDA does not say).  free_bytes, when
 * non-NULL, receives the free memory now (cuMemGetInfo, as
 * cudaMemGetInfo).  Makes the GPU's primary context, the CUDA runtime's,
 * current on this thread.  KVP_ERR_UNSUPPORTED without CUDA, a driver or
 * a GPU; KVP_ERR_NOT_FOUND for an index past the GPUs there are. */
KVP_API kvp_status kvp_device_cuda(int index, kvp_device *out,
                                   uint64_t *free_bytes, kvp_error *err);

/* A cache allocated on a GPU with cuMemAlloc (what cudaMalloc calls), as
 * kvp_validate_run allocates the reference's on the host: contiguous, one
 * K and one V array; paged, one page a block and layer of 2 x block_size
 * rows. */
typedef struct kvp_cuda_validation {
	int device;
	kvp_layout layout;
	uint32_t block_size;        /* paged; 0 for contiguous */
	uint64_t predicted_bytes;   /* kvp_layout_predict */
	uint64_t requested_bytes;   /* the sizes asked of the driver, summed */
	uint64_t allocations;       /* allocations for the cache */
	uint64_t free_drop_bytes;   /* the free memory before
	                             * the cache less after it */
	uint64_t granule_bytes;     /* the driver's allocation granule, as
	                             * measured: the fall in free memory for
	                             * one byte past a whole number of them */
	uint64_t rounded_bytes;     /* what the granule explains: the
	                             * allocations of more than half a
	                             * granule each rounded up to it, the
	                             * others packed into granules together
	                             * (as the driver was measured to) */
	/* The decode kernel (lib/cuda/decode.cu) against the host. */
	uint64_t kernel_tokens;     /* context of the check */
	uint32_t kernel_seqs;       /* sequences of the check */
	double max_abs_error;       /* largest |GPU - host| of any output */
	double tolerance;           /* 2^-10 (fp16's epsilon) x max |V|:
	                             * every output is a convex combination
	                             * of V's values */
	bool kernel_run;            /* false for a head_dim the kernel lacks
	                             * (64, 128 and 256 it has), or a GPU the
	                             * build has no code for (sm_75 and later
	                             * by default) */
	bool passed;                /* requested == predicted, free_drop ==
	                             * rounded, and the kernel within its
	                             * tolerance where it ran */
} kvp_cuda_validation;

/* Allocates model's cache (seq tokens, batch sequences, fp16 or bf16 or
 * fp32 storage, layout and block_size as kvp_validate_options give them)
 * on GPU `device`, compares what was asked and what free memory lost with
 * the prediction, frees it, then runs the decode kernel on one layer of
 * the model's heads at min(seq, 4096) tokens and compares it with the
 * host.  KVP_OK whether or not it passed; KVP_ERR_NO_FIT, allocating
 * nothing for the cache (the granule's measure, 128 MiB, is freed), when
 * the cache as the driver rounds it exceeds the GPU's free memory;
 * KVP_ERR_INVALID for seq or batch 0 or a bad layout; KVP_ERR_OVERFLOW;
 * KVP_ERR_NOMEM; KVP_ERR_UNSUPPORTED for another cache type, a model the
 * reference does not run, a free memory that moves while the granule is
 * measured, and the errors of kvp_device_cuda. */
KVP_API kvp_status kvp_cuda_validate_run(const kvp_model *model, kvp_dtype dtype,
                                         uint64_t seq, uint64_t batch,
                                         kvp_layout layout, uint32_t block_size,
                                         int device, kvp_cuda_validation *out,
                                         kvp_error *err);

/* The edge of the device memory, allocated: a stand-in for the weights
 * (one allocation of the fit's weight bytes, params at the options'
 * weights type), then the longest context that kvp_fit_compute says fits
 * at batch 1 (contiguous, K and V) with those options, which must be
 * given; then that context and one block more (block_size tokens, vLLM's
 * 16 by default), whose bytes must pass the budget. */
typedef struct kvp_cuda_boundary {
	bool from_free;             /* the budget is the free memory */
	double mem_util;            /* share of the device (or free) memory */
	uint64_t budget_bytes;      /* the fit's usable bytes less the
	                             * reserve: the room for weights and
	                             * cache; from free memory, usable is
	                             * floor((free less a granule for each of
	                             * the 3 allocations, the most the driver
	                             * rounds them up) x mem_util) */
	uint64_t weights_bytes;     /* the fit's weights */
	uint64_t max_tokens;        /* the fit's max_seq_hbm */
	uint64_t max_bytes;         /* weights + cache of max_tokens */
	bool max_allocated;         /* the driver gave all three */
	uint32_t block_size;
	uint64_t over_tokens;       /* max_tokens + block_size */
	uint64_t over_bytes;        /* weights + cache of over_tokens */
	bool over_exceeds;          /* over_bytes > budget_bytes */
	bool over_allocated;        /* the driver gave it anyway: it fits the
	                             * device, only not the budget */
	uint64_t free_bytes;        /* the free memory before */
	bool passed;                /* max_allocated and over_exceeds, and
	                             * from free memory over not allocated */
} kvp_cuda_boundary;

/* Runs that boundary for model's cache stored as dtype on GPU `device`,
 * with options' weights type, mem_util and reserve (NULL: the defaults).
 * from_free false: the device is the GPU as kvp_device_cuda reads it, as
 * `kvplan --gpu cuda` plans the exact engine; true: its free memory now,
 * all of it (options' mem_util and reserve not taken).
 * block_size 0 is 16.  KVP_ERR_NO_FIT when not one token fits, or every
 * context does; KVP_ERR_INVALID for a mem_util outside (0, 1]; the errors
 * of kvp_device_cuda; KVP_ERR_UNSUPPORTED when the free memory moves
 * while the granule is measured (another process on the GPU). */
KVP_API kvp_status kvp_cuda_boundary_run(const kvp_model *model, kvp_dtype dtype,
                                         int device,
                                         const kvp_fit_options *options,
                                         bool from_free, uint32_t block_size,
                                         kvp_cuda_boundary *out,
                                         kvp_error *err);

/* ---- version ---------------------------------------------------------- */

KVP_API const char *kvp_version(void);

#ifdef __cplusplus
}
#endif

/* The readers of a model's own files. */
#include "kvplan_inputs.h"

#endif /* KVPLAN_H */
