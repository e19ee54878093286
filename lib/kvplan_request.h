/*
 * kvplan_request.h — libkvplan's requests: what is asked of a model
 * (engine, context, batch, cache and weight types, parallelism,
 * policies, drafts and adapters).
 * A part of kvplan.h, which includes it: include <kvplan.h>. The
 * ownership rules at the top of kvplan.h hold here too.
 */
/* kvplan.h first: its core, then every part in order. */
#include "kvplan.h"

#ifndef KVPLAN_REQUEST_H
#define KVPLAN_REQUEST_H

#ifdef __cplusplus
extern "C" {
#endif

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

/* vLLM's kernel for a mixture of experts' routed experts (its
 * --moe-backend, config/kernel.py MoEBackend), for the fused-MoE
 * workspace its profile run leaves held (lib/moe_backend.c).  auto:
 * vLLM's own choice, which kvp_request_for_device makes for a device
 * (with none, an H100's).  none is kvplan's for the kernels that take
 * each call's own tensors and free them (GGUF's, gpt-oss's on Hopper and
 * Blackwell, Marlin's before vLLM moved a format onto the modular
 * kernel): no workspace.  Not a name vLLM takes. */
typedef enum kvp_moe_backend {
	KVP_MOE_AUTO,
	KVP_MOE_TRITON,             /* TritonExperts */
	KVP_MOE_DEEP_GEMM,          /* DeepGemmExperts' shapes */
	KVP_MOE_CUTLASS,            /* CutlassExpertsFp8: Triton's bytes */
	KVP_MOE_FLASHINFER_CUTLASS, /* FlashInferExperts: the output alone */
	KVP_MOE_FLASHINFER_TRTLLM,  /* monolithic: each call's own */
	KVP_MOE_MARLIN,             /* MarlinExperts: Triton's bytes */
	KVP_MOE_NONE
} kvp_moe_backend;

#define KVP_MOE_BACKEND_COUNT 8

/* "auto", "triton", "deep_gemm", "cutlass", "flashinfer_cutlass",
 * "flashinfer_trtllm", "marlin", "none". */
KVP_API const char *kvp_moe_backend_name(kvp_moe_backend backend);
/* One of vLLM's names above (not "none"), case-insensitively; others
 * KVP_ERR_NOT_FOUND, naming those vLLM has that kvplan does not model
 * (flashinfer_cutedsl, aiter, ...) as such. */
KVP_API kvp_status kvp_moe_backend_from_name(const char *name, kvp_moe_backend *out,
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
	KVP_WFORMAT_GGUF,  /* one ggml type on every 2-D tensor, 1-D ones f32 */
	KVP_WFORMAT_W4A16, /* w4a16:gG (compressed-tensors pack-quantized):
	                    * 4 bits, a 16-bit scale per G inputs (or per
	                    * output row: w4a16:channel), an int64 shape per
	                    * tensor; zero points and g_idx as flagged */
	KVP_WFORMAT_W8A8,  /* w8a8 (compressed-tensors int-quantized): int8,
	                    * a 16-bit scale per output row */
	KVP_WFORMAT_W8A16  /* w8a16[:gG] (compressed-tensors pack-quantized):
	                    * 8 bits packed 4 to an int32, a 16-bit scale
	                    * per output row or per G inputs, an int64 shape
	                    * per tensor */
} kvp_wformat;

#define KVP_WFORMAT_NAME_MAX 256

/* The linear layers a checkpoint format leaves in 16 bits, besides the
 * embeddings, the head, the norms and the routers it always does
 * (kvp_weights_format keep16; ModelOpt's exclude_modules, compressed-
 * tensors' ignore): */
#define KVP_WKEEP_QKV 1u    /* ":qkv16": attention's projections but o
                             * (q, k, v; MLA's q_a, q_b, kv_a, kv_b) */
#define KVP_WKEEP_O 2u      /* attention's output projection */
#define KVP_WKEEP_ATTENTION 3u /* ":attn16": all of attention's */
#define KVP_WKEEP_SHARED 4u /* ":shared16": a mixture's shared experts */
#define KVP_WKEEP_DENSE 8u  /* ":dense16": the MLPs of a mixture's dense
                             * layers (a dense model's every MLP) */
#define KVP_WKEEP_INPROJ 16u /* ":inproj16": a hybrid's Gated DeltaNet
                              * layers' in_proj (Qwen3-Next's and
                              * Qwen3.5's linear_attn) */
#define KVP_WKEEP_MTP 32u   /* ":mtp16": the MTP layers whole, when
                             * planned (mtp_layers: NVIDIA's DeepSeek FP4
                             * exports' layer 61) */
#define KVP_WKEEP_OUTPROJ 64u /* ":outproj16": their out_proj */
#define KVP_WKEEP_LINEAR 80u /* ":linear16": all their projections */

/* A Nemotron-H's projections a checkpoint may hold layer by layer in
 * another type than its format's (kvp_weights_format layers16, layers8;
 * ModelOpt's MIXED_PRECISION), by their names in a format's name. */
typedef enum kvp_wproj {
	KVP_WPROJ_INPROJ = 0,   /* "inproj": a Mamba-2 layer's in_proj */
	KVP_WPROJ_OUTPROJ,      /* "outproj": its out_proj */
	KVP_WPROJ_O,            /* "o": an attention layer's o_proj */
	KVP_WPROJ_SHARED_UP,    /* "shared_up": an expert layer's shared
	                         * experts' up_proj */
	KVP_WPROJ_SHARED_DOWN,  /* "shared_down": their down_proj */
	KVP_WPROJ_LATENT_IN,    /* "latent_in": its fc1_latent_proj */
	KVP_WPROJ_LATENT_OUT,   /* "latent_out": its fc2_latent_proj */
	KVP_WPROJ_COUNT
} kvp_wproj;

typedef struct kvp_weights_format {
	kvp_wformat kind;
	uint32_t group;        /* AWQ, GPTQ, W4A16 and W8A16: inputs per scale
	                        * group; 0 for W4A16 and W8A16 a scale per
	                        * output row (strategy channel) */
	uint32_t block_values; /* GGUF: the ggml type's block */
	uint32_t block_bytes;
	bool asymmetric;       /* W4A16, W8A16 and W8A8 (":asym"): a zero point
	                        * per scale, packed 4-bit, packed 8-bit or
	                        * int8 */
	bool g_idx;            /* W4A16 and W8A16 in groups (":actorder"): a
	                        * 4-byte g_idx per input row, actorder
	                        * "group" */
	bool quant_head;       /* AWQ and GPTQ (":lm_head"): the LM head,
	                        * when not tied, quantized as the linear
	                        * layers are (GPTQ's "lm_head": true,
	                        * AutoRound's extra_config "lm_head") */
	uint32_t keep16;       /* KVP_WKEEP_* bits: linear layers a checkpoint
	                        * format leaves 16-bit (MXFP4 attention's
	                        * whatever it says) */
	char name[KVP_WFORMAT_NAME_MAX]; /* canonical: "int4-awq:g128",
	                                  * "w4a16:g128:actorder", "q4_K",
	                                  * "fp8"; "" when plain */
	/* A Nemotron-H's layers whose projection p (a kvp_wproj) a
	 * checkpoint holds 16-bit (layers16[p]) or in fp8 (layers8[p], an
	 * nvfp4 format's alone: 1 B a weight, an fp32 weight_scale and
	 * input_scale a tensor) where keep16 does not keep them all, the
	 * rest in the format: a config's list of modules (Nemotron 3 Nano's
	 * NVFP4 export keeps the in_proj and out_proj of 6 of its 23 Mamba-2
	 * layers 16-bit), ModelOpt's quantized_layers (Nemotron 3 Super's
	 * NVFP4 release: fp8 in_proj in 28 layers, 16-bit in 12, ...).  0:
	 * as keep16 says.  In the name as ":inproj16=N", ":o8=N", .... */
	uint32_t layers16[KVP_WPROJ_COUNT];
	uint32_t layers8[KVP_WPROJ_COUNT];
} kvp_weights_format;

/* Plain: the weights_dtype of the request says the rest. */
KVP_API void kvp_weights_format_init(kvp_weights_format *format);
/* Parses "int4-awq:gG", "int4-gptq:gG" (G 128 when left out), "fp8",
 * "nvfp4", "mxfp4", "w4a16[:gG|:channel][:asym][:actorder]",
 * "w8a16[:gG|:channel][:asym][:actorder]" (w4a16's G 128, w8a16's a
 * channel when left out; :actorder with groups alone), "w8a8[:asym]" and
 * ggml's quantized types ("q8_0", "q4_K", ...), a checkpoint format
 * followed by the parts ":attn16", or ":qkv16" and ":o16", ":shared16",
 * ":dense16", ":linear16", or ":inproj16" and ":outproj16", and
 * ":mtp16" (keep16) as they apply, ":PART16=N" and, for nvfp4,
 * ":PART8=N" (N layers' PART, a kvp_wproj's name: layers16, layers8),
 * and for
 * int4-awq
 * and int4-gptq
 * ":lm_head" (quant_head), case-insensitively.  Anything else is KVP_ERR_NOT_FOUND and leaves out
 * alone: a plain element type is for kvp_dtype_from_name.  A GGUF mix of
 * types chosen tensor by tensor (Q4_K_M, ...) is KVP_ERR_INVALID, naming
 * --gguf; a group of 0 or past 65536 is KVP_ERR_RANGE. */
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
	uint64_t tower_params;    /* a vision tower's (kvp_model vision_params,
	                           * where params hold them), 16-bit in every
	                           * checkpoint format */
	uint64_t linear_params;   /* params less the four above */
	uint64_t quantized_params; /* of the linear ones, those the format
	                            * quantizes (mxfp4: not attention's),
	                            * and the head under quant_head */
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
	/* vLLM's wrappers of a recurrent layer's mixer (Mamba-2's, a Gated
	 * DeltaNet's, LFM2's short convolution) and of a mixture of
	 * experts: */
	KVP_LORA_IN_PROJ = 1 << 9,   /* in_proj (in_proj_qkvz, in_proj_ba) */
	KVP_LORA_CONV = 1 << 10,     /* conv1d (LFM2's conv), a linear layer
	                              * in vLLM, whose adapter it never
	                              * applies */
	KVP_LORA_OUT_PROJ = 1 << 11, /* out_proj */
	KVP_LORA_EXPERTS = 1 << 12,  /* the routed experts (FusedMoE), and
	                              * Nemotron-H's latent projections */
	KVP_LORA_ROUTER = 1 << 13,   /* the router (gate), and Qwen3-Next's
	                              * shared_expert_gate */
	KVP_LORA_MIXER = KVP_LORA_IN_PROJ | KVP_LORA_CONV | KVP_LORA_OUT_PROJ,
	KVP_LORA_ALL = (1 << 14) - 1
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
	                          * (vLLM: every module it wraps,
	                          * KVP_LORA_ALL, embed_tokens and lm_head
	                          * where the model's class declares them;
	                          * otherwise the seven linear ones) */
	kvp_dtype dtype;         /* default fp16 (vLLM's lora_dtype "auto":
	                          * the model's 16-bit type) */
} kvp_lora;

/* Parses a comma-separated list of modules: q_proj, k_proj, v_proj,
 * o_proj, gate_proj, up_proj, down_proj, embed_tokens, lm_head, in_proj,
 * conv1d, out_proj, experts, router (the "_proj" may be left out), vLLM's
 * packed qkv_proj and gate_up_proj, in_proj_qkvz and in_proj_ba (in_proj),
 * conv (conv1d), and the sets all-linear, attention, mlp and mixer.
 * KVP_ERR_PARSE names the entry at fault and lists the valid ones. */
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
	uint64_t draft_shared_bytes; /* with mtp_layers, of draft_weight_bytes:
	                          * the MTP layers' copies of the embedding
	                          * and the head (kvp_weights
	                          * mtp_shared_bytes), which only llama.cpp
	                          * holds; vLLM, SGLang and TensorRT-LLM
	                          * use the model's (0: none) */
	uint32_t mtp_layers;     /* MTP (NextN) layers loaded: DeepSeek-V3's,
	                          * GLM-4.5's, Qwen3-Next's and Qwen3.5's
	                          * one; 0 none.  The model's own
	                          * mtp_layers, all of them (any count where
	                          * only its mtp_params says it has some):
	                          * kvp_plan_compute refuses others */
	uint32_t spec_tokens;    /* tokens drafted a step (vLLM's
	                          * num_speculative_tokens, llama.cpp's
	                          * --spec-draft-n-max, TensorRT-LLM's
	                          * max_draft_len); 0: vLLM takes mtp_layers,
	                          * llama.cpp keeps no rollback, TensorRT-LLM
	                          * 1 for MTP layers (MTPDecodingConfig's
	                          * num_nextn_predict_layers) */
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
	uint32_t mamba_ssm_cache_bytes; /* vLLM --mamba-ssm-cache-dtype: a
	                          * recurrent layer's SSM state's bytes an
	                          * element, 4 (float32) or 2 (float16,
	                          * bfloat16); 0, the default: auto, the
	                          * model's type (a Nemotron-H's config's
	                          * mamba_ssm_cache_dtype, kvp_model
	                          * ssm_cache_bytes) */
	bool mamba_cache_dtype_set; /* vLLM --mamba-cache-dtype: state_dtype
	                          * is the type named, float32 among them,
	                          * for the conv state and (mamba_ssm_cache_
	                          * dtype auto) the SSM state; false: auto,
	                          * the model's type (state_dtype fp32) */
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
	/* vLLM's expert layers across data-parallel ranks: each MoE layer of
	 * a plan with dp > 1 is split over all tp x dp GPUs, the rest of the
	 * model over tp (vllm/model_executor/layers/fused_moe/config.py,
	 * FusedMoEParallelConfig.make and flatten_tp_across_dp_and_pcp,
	 * 2026-11): each routed expert's inner size over them, or with
	 * expert_parallel (--enable-expert-parallel) whole experts, the most
	 * on a GPU ceil(experts / (tp x dp)); with dp 1 too. */
	bool expert_parallel;
	uint64_t weight_expert_bytes; /* of weight_bytes, the routed experts'
	                          * (a checkpoint's kvp_weights expert_bytes);
	                          * 0: their share of the model's parameters,
	                          * from its shape */
	uint64_t weight_replicated_bytes; /* of weight_bytes, those every
	                          * tensor-parallel rank holds whole (a
	                          * checkpoint's kvp_weights replicated_bytes;
	                          * kvp_plan replicated_bytes); 0: from the
	                          * shape */
	uint64_t weight_attention_bytes; /* of weight_bytes, the attention's
	                          * projections but for those held whole (a
	                          * checkpoint's kvp_weights attention_bytes;
	                          * kvp_plan attention_bytes); 0: from the
	                          * shape */
	/* TensorRT-LLM's enable_attention_dp (its PyTorch runtime): each of
	 * the tp ranks runs attention alone for its own requests, with every
	 * head (modules/attention.py: tp_size 1 under attention DP), and its
	 * cache holds every kv head (pyexecutor/resource_manager.py
	 * KVCacheManager: tp_size 1); the routed experts lie over the tp
	 * ranks (mapping.py: moe_tp x moe_ep = tp), every other weight,
	 * embedding, head, dense MLP and shared experts too, whole on each
	 * (embedding.py LMHead, modeling_deepseekv3.py _compute_mlp_tp_size
	 * and _compute_shared_expert_tp_size: 1); refused with its C++
	 * runtime and with recurrent layers, whose state under it was not
	 * read.  SGLang's --enable-dp-attention, with dp > 1 (at dp 1 SGLang
	 * turns it off): the tp GPUs, not tp x dp, run attention in dp groups
	 * of tp / dp (layers/dp_attention.py), each for requests of its own,
	 * its cache the kv heads of tp / dp; the attention's projections over
	 * tp / dp, the embedding whole, the rest over tp (kvp_plan
	 * attention_bytes); refused where dp does not divide tp or tp does not
	 * divide the MLP's or an expert's inner size, with pp > 1 and with
	 * recurrent layers.  Ignored by the other engines. */
	bool attention_dp;
	/* SGLang's placement of a mixture of experts' parts (python/sglang/
	 * srt/models/deepseek_v2.py): sglang_dp_lm_head, --enable-dp-lm-head,
	 * the LM head over the attention's tp, tp / dp, under data-parallel
	 * attention (ParallelLMHead use_attn_tp_group), ignored without it;
	 * sglang_dense_whole, --moe-dense-tp-size 1, the dense layers' MLPs
	 * whole on every GPU (enable_moe_dense_fully_dp: mlp tp_size 1);
	 * sglang_deepep, --moe-a2a-backend deepep, the routed experts whole,
	 * ceil(experts / tp) a GPU (ep_size = tp_size), the shared experts
	 * whole on every GPU (tp_size 1 under DeepEP), and 2,048 MiB more
	 * held back by SGLang's share from 0.5.20 (memory_hook.py).  The last
	 * two refused with pp > 1; all ignored by the other engines. */
	bool sglang_dp_lm_head;
	bool sglang_dense_whole;
	bool sglang_deepep;
	/* SGLang --context-length: its model_config.context_len (kvp_plan
	 * sglang_context_len), which sizes its rotary tables' growth and its
	 * request-to-token table (kvp_plan_sglang_reqs); 0: the model's, as
	 * get_context_length derives it.  Ignored by the other engines. */
	uint64_t context_length;
	/* SGLang --max-running-requests: the requests at once, over the dp
	 * workers (kvp_plan_sglang_reqs), and from 0.5.20 a decode server's
	 * running requests in its default share's activations; 0: SGLang's
	 * own.  Ignored by the other engines. */
	uint32_t max_running_requests;
	/* SGLang's pool of recurrent states for a model with recurrent layers
	 * (kvp_capacity state_slots): --max-mamba-cache-size, the states
	 * it keeps (0: from the budget by the ratio),
	 * and --mamba-full-memory-ratio, the states' memory per byte of the
	 * KV pool (0: 0.9).  Ignored by the other engines. */
	uint64_t max_mamba_cache_size;
	double mamba_full_memory_ratio;
	/* SGLang's speculative decoding with a draft or MTP layers (EAGLE,
	 * EAGLE3, NEXTN, STANDALONE): --speculative-eagle-topk, the drafts
	 * a step keeps (0: 1), and --speculative-num-draft-tokens, the
	 * tokens the model verifies a step, which topk 1 makes spec_tokens
	 * (its --speculative-num-steps) + 1 whatever is given, and a larger
	 * topk needs.  Where spec_tokens is 0 SGLang chooses all three
	 * (kvp_plan sglang_spec_steps, sglang_spec_tokens).  They size a
	 * model's recurrent layers' verify buffers and its rotary tables'
	 * growth.  Ignored by the other engines. */
	uint32_t spec_topk;
	uint32_t spec_draft_tokens;
	/* How SGLang's running requests hold its pool of recurrent states
	 * (kvp_plan sglang_state_ratio): mamba_strategy, its
	 * --mamba-radix-cache-strategy (a kvp_mamba_strategy; auto by
	 * default); disable_radix_cache, --disable-radix-cache (one state a
	 * request, and with max_running_requests as many states as
	 * requests); disable_overlap_schedule, --disable-overlap-schedule
	 * (extra_buffer keeps one track state a request, not two, and auto
	 * takes no_buffer unless pages are larger than 1).  Ignored by the
	 * other engines. */
	uint8_t mamba_strategy;
	bool disable_radix_cache;
	bool disable_overlap_schedule;
	/* Decode context parallelism (0 or 1: none): the tp GPUs in groups
	 * of dcp, each GPU of a group keeping every dcp-th block of each
	 * request's full-attention and MLA layers (a block of dcp x block
	 * tokens across the group), where tp alone would keep a copy of
	 * every kv head dcp times.
	 *  - vLLM's --decode-context-parallel-size: it must divide tp, be
	 *    at most tp / the kv heads (1 for MLA), and the model must have
	 *    no sliding, chunked or recurrent layers.
	 *  - SGLang's --dcp-size: it must divide tp (and the attention's tp
	 *    under data-parallel attention); a GQA layer's kv heads split
	 *    over tp / dcp head groups; its pool's max_total_num_tokens rows
	 *    a GPU hold dcp times the tokens (kvp_capacity log_tokens the
	 *    rows).  A draft's pool of full-attention or MLA layers is not
	 *    sharded: whole on each GPU, dcp times the rows.  Its
	 *    sliding-window and recurrent pools, the model's or a draft's,
	 *    are not followed (KVP_ERR_INVALID).
	 * Ignored by the other engines. */
	uint32_t dcp;
	/* TensorRT-LLM's sparse_attention_config.indexer_k_dtype fp4: a DSA
	 * model's indexer key packed as two E2M1 codes a byte beside its 4
	 * scale bytes, index_head_dim / 2 + 4 (68 B for 128, not fp8's 132;
	 * dsa/cache_manager.py _get_indexer_k_cache_bytes_per_token).
	 * TensorRT-LLM takes it for index_head_dim 128 on Blackwell alone;
	 * kvp_plan_compute refuses it for another key, and the other engines
	 * ignore it. */
	bool indexer_fp4;
	/* vLLM's --moe-backend (kvp_moe_backend; default auto): the
	 * routed experts' kernel, whose workspace its profile run holds
	 * (kvp_plan moe_backend).  kvp_request_for_device makes auto vLLM's
	 * choice for the device's compute capability; the other engines
	 * ignore it. */
	kvp_moe_backend moe_backend;
	/* TensorRT-LLM's PyTorch runtime with a model of recurrent layers
	 * beside attention (Nemotron-H, Qwen3-Next): how its KV cache
	 * manager shares the budget between the attention's blocks and the
	 * recurrent states (kvp_capacity state_slots; lib/trtllm_hybrid.c).
	 * trtllm_kv_manager is kv_cache_config.use_kv_cache_manager_v2 (a
	 * kvp_trtllm_manager; auto: V2, which these models prefer);
	 * trtllm_max_batch_size its max_batch_size (0: 2048, the LLM API's
	 * and trtllm-serve's default), the states V1 keeps and V2's floor;
	 * trtllm_max_seq_len its max_seq_len (0: the model's max_context, as
	 * it infers it) and trtllm_avg_seq_len kv_cache_config.avg_seq_len
	 * (0: not set, max_seq_len / 2), the typical request V2 splits the
	 * budget by.  max_batch_size and max_seq_len also bound the MLA
	 * workspace room (kvp_plan trtllm_mla_workspace_tokens).  Ignored by
	 * the other engines. */
	uint8_t trtllm_kv_manager;
	uint32_t trtllm_max_batch_size;
	uint64_t trtllm_max_seq_len;
	uint64_t trtllm_avg_seq_len;
	/* SGLang --max-total-tokens: the most tokens its pool of tokens
	 * holds on each GPU (per attention dp rank), min(profiled, it) in
	 * whole pages; with a sliding-window pool the full pool's, the
	 * sliding one swa_full_tokens_ratio of it; a recurrent model's
	 * states keep their slots; a model without attention its tokens'
	 * pool this, not its context.  With a sliding-window pool followed
	 * from 0.5.11 (PR #22389); refused with a cache policy, and where it
	 * leaves under 2 tokens; 0: none.  Ignored by the other engines. */
	uint64_t sglang_max_total_tokens;
} kvp_request;

/* TensorRT-LLM's kv_cache_config.use_kv_cache_manager_v2 (kvp_request
 * trtllm_kv_manager). */
typedef enum kvp_trtllm_manager {
	KVP_TRTLLM_MANAGER_AUTO = 0, /* "auto": the model's preference, V2
	                              * for the hybrids */
	KVP_TRTLLM_MANAGER_V1 = 1,   /* false: CppMambaHybridCacheManager */
	KVP_TRTLLM_MANAGER_V2 = 2,   /* true: MambaHybridCacheManagerV2 */
} kvp_trtllm_manager;

/* SGLang's --mamba-radix-cache-strategy (kvp_request mamba_strategy). */
typedef enum kvp_mamba_strategy {
	KVP_MAMBA_STRATEGY_AUTO = 0,    /* "auto": extra_buffer for the
	                                 * architectures SGLang lists, from
	                                 * 0.5.18; no_buffer otherwise */
	KVP_MAMBA_STRATEGY_NO_BUFFER = 1, /* 3 states a running request */
	KVP_MAMBA_STRATEGY_EXTRA_BUFFER = 2, /* and 2 ping-pong track
	                                 * states (1 without the overlap
	                                 * schedule) */
	KVP_MAMBA_STRATEGY_EXTRA_BUFFER_LAZY = 3, /* and 1 track state (PR
	                                 * #27118); needs the overlap
	                                 * schedule */
} kvp_mamba_strategy;

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
/* Whether request's engine loads model's towers: as
 * kvp_request_loads_towers, and not SGLang's Llama 4, whose vision model
 * it builds only with --enable-multimodal (off by default for Llama 4). */
KVP_API bool kvp_model_loads_towers(const kvp_model *model, const kvp_request *request);
/* Of model's params, those request's engine loads as the model's
 * weights, as a plan weighs them: less the MTP layers' (an MTP draft's
 * alone), where the engine leaves them the towers', and under
 * TensorRT-LLM a Gemma 4's shared layers' K and V projections (its
 * _QOnlyLinear).  0 where those exceed params. */
KVP_API uint64_t kvp_model_loaded_params(const kvp_model *model,
                                         const kvp_request *request);
/* model as request's engine loads it, into out (which may be model):
 * params kvp_model_loaded_params, and vision_params 0 where the engine
 * leaves the towers (none then among params, for
 * kvp_weights_estimate_compute to keep 16-bit). */
KVP_API void kvp_model_loaded(const kvp_model *model, const kvp_request *request,
                              kvp_model *out);

/* The tensor-parallel degree of request's attention and cache: 1 under
 * TensorRT-LLM's attention data parallelism, tp / dp under SGLang's
 * (attention_dp), else tp.  And the GPUs it runs on: tp x pp x dp, but
 * tp x pp under SGLang's data-parallel attention.  A NULL request: 1. */
KVP_API uint32_t kvp_request_attention_tp(const kvp_request *request);
KVP_API uint64_t kvp_request_gpus(const kvp_request *request);

/* seq 0 (to be set), batch 1, fp16 K and V, fp32 state, latent MLA,
 * windows kept, fp16 weights, mem_util 0.90, no reserve. */
KVP_API void kvp_request_init(kvp_request *request);

#ifdef __cplusplus
}
#endif

#endif /* KVPLAN_REQUEST_H */
