/*
 * kvplan_inputs.h — libkvplan's readers of a model's own files: a
 * HuggingFace config.json, safetensors headers and GGUF headers.  Included
 * by kvplan.h; the ownership rules at the top of kvplan.h hold here too.
 *
 * Every reader is hostile-safe: a length or count read from a file is
 * checked against the bytes that remain (and against a cap) before
 * anything is allocated from it, and a malformed file is KVP_ERR_PARSE with
 * one line naming the file and where (a line and column, or a byte offset)
 * and what is wrong.  No reader ever reads tensor data.
 */
/* kvplan.h first: its core, then every part in order. */
#include "kvplan.h"

#ifndef KVPLAN_INPUTS_H
#define KVPLAN_INPUTS_H

#ifdef __cplusplus
extern "C" {
#endif

/* ---- where a model's figures come from --------------------------------- */

typedef enum kvp_source_kind {
	KVP_SOURCE_CATALOG,     /* a YAML profile of the catalogue */
	KVP_SOURCE_CONFIG,      /* a HuggingFace config.json */
	KVP_SOURCE_SAFETENSORS, /* safetensors headers (weights only) */
	KVP_SOURCE_GGUF         /* a GGUF file's header */
} kvp_source_kind;

/* "catalogue", "config.json", "safetensors", "gguf". */
KVP_API const char *kvp_source_kind_name(kvp_source_kind kind);

/* How a figure was had. */
typedef enum kvp_origin {
	KVP_ORIGIN_READ,      /* the file states it */
	KVP_ORIGIN_DEFAULTED, /* the file is silent: the default its family's
	                       * own code takes (transformers, llama.cpp) */
	KVP_ORIGIN_DERIVED,   /* computed exactly from what the file states */
	KVP_ORIGIN_ESTIMATED  /* an estimate, not exact */
} kvp_origin;

/* "read", "defaulted", "derived", "estimated". */
KVP_API const char *kvp_origin_name(kvp_origin origin);

#define KVP_FIELD_NAME_MAX 32
#define KVP_NOTE_MAX 192
/* The most notes a source keeps; more set notes_dropped. */
#define KVP_SOURCE_NOTES_MAX 48

/* One figure of the model and where it came from. */
typedef struct kvp_source_note {
	char field[KVP_FIELD_NAME_MAX]; /* kvplan's name for it: "layers",
	                                 * "kv_heads", "params", ... */
	kvp_origin origin;
	char text[KVP_NOTE_MAX];  /* the file's keys and values, as read:
	                           * "text_config.num_key_value_heads = 8" */
} kvp_source_note;

/* A quantized KV cache a config.json declares (kvp_source
 * kv_cache_quant), which the engines' --kv-cache-dtype auto follows. */
typedef enum kvp_kv_quant {
	KVP_KV_QUANT_NONE = 0,
	KVP_KV_QUANT_MODELOPT_FP8,   /* modelopt's kv_cache_quant_algo "FP8"
	                              * (or its kv_cache_scheme of 8-bit
	                              * floats) */
	KVP_KV_QUANT_COMPRESSED_FP8  /* compressed-tensors' kv_cache_scheme
	                              * of 8-bit floats */
} kvp_kv_quant;

typedef struct kvp_source {
	kvp_source_kind kind;
	char path[KVP_ERROR_PATH_MAX];   /* the file read (empty: catalogue) */
	char family[KVP_NAME_MAX];       /* config.json model_type, or GGUF
	                                  * general.architecture, escaped as
	                                  * kvp_escape does */
	bool generic;        /* the family is unknown: read by the generic
	                      * fallback (a tool should say so) */
	bool weights_dtype_known;
	kvp_dtype weights_dtype; /* torch_dtype / dtype: the weights' type,
	                          * never the cache's */
	bool weights_format_known;
	kvp_weights_format weights_format; /* config.json's quantization_config:
	                          * the format the checkpoint's weights are
	                          * stored in (awq and gptq of 4 bits in
	                          * groups, fp8, mxfp4, modelopt's FP8 and
	                          * NVFP4, compressed-tensors' 8-bit float and
	                          * nvfp4-pack-quantized); another is left
	                          * unknown, with a warning */
	kvp_kv_quant kv_cache_quant; /* its quantized KV cache, if any */
	size_t n_notes;
	kvp_source_note notes[KVP_SOURCE_NOTES_MAX];
	bool notes_dropped;  /* more notes than KVP_SOURCE_NOTES_MAX */
	/* Things a user should hear about (a duplicated key, a value that was
	 * ignored), one line each; the last ones are dropped past the max. */
	size_t n_warnings;
	char warnings[4][KVP_NOTE_MAX];
} kvp_source;

/* Empties source and sets its kind and path (NULL: none). */
KVP_API void kvp_source_init(kvp_source *source, kvp_source_kind kind,
                             const char *path);
/* The note for field, or NULL. */
KVP_API const kvp_source_note *kvp_source_find(const kvp_source *source,
                                               const char *field);

/* ---- weights, counted from checkpoint headers -------------------------- */

/* The most distinct tensor types kvp_weights keeps apart. */
#define KVP_WEIGHT_TYPES_MAX 48
#define KVP_WEIGHT_TYPE_NAME_MAX 16

typedef struct kvp_weight_type {
	char name[KVP_WEIGHT_TYPE_NAME_MAX]; /* as the file names it: "BF16",
	                                      * "F8_E4M3", "q4_K", ... */
	uint64_t tensors;
	uint64_t params;   /* elements */
	uint64_t bytes;    /* tensor data bytes */
} kvp_weight_type;

typedef struct kvp_weights {
	uint32_t files;        /* headers read */
	uint64_t tensors;
	uint64_t params;       /* elements of every tensor */
	uint64_t bytes;        /* bytes of every tensor's data */
	size_t n_types;
	kvp_weight_type types[KVP_WEIGHT_TYPES_MAX];
	/* model.safetensors.index.json's metadata.total_size (0: none read),
	 * the cross-check of bytes for a sharded checkpoint. */
	uint64_t index_total_size;
	/* Of bytes, the input embedding's (GGUF token_embd.weight;
	 * safetensors [model.]embed_tokens.weight and its kin) and the LM
	 * head's (output.weight, lm_head.weight; 0 when the head is tied to
	 * the embedding): where pipeline stages and llama.cpp put them. */
	uint64_t embedding_bytes;
	uint64_t head_bytes;
	/* Of bytes and params, the next-token-prediction (MTP, NextN)
	 * layers': tensors with a part "mtp" (Qwen3-Next's and Qwen3.5's
	 * mtp.*, LongCat-Flash's model.mtp.*) or "mtp_*" (MiMo's
	 * model.mtp_layers, ERNIE 4.5's mtp_block), and a block numbered
	 * mtp_from_layer or more (GGUF's blk.N; the transformers
	 * [model.][language_model.]layers.N and language_model.model.layers.N,
	 * DeepSeek-V3's
	 * model.layers.61 and GLM-4.5's model.layers.92, as vLLM's
	 * get_spec_layer_idx_from_weight_name skips them).  llama.cpp loads
	 * them only for an MTP draft (--spec-type draft-mtp), vLLM only for
	 * MTP speculative decoding: a caller gives them as the MTP layers'
	 * weights (kvp_request draft_weight_bytes) and the rest as the
	 * model's (weight_bytes), as the command does. */
	uint64_t mtp_bytes;
	uint64_t mtp_params;
	/* Of bytes and params, the vision and audio towers' and their
	 * projectors': tensors whose first part, past an optional "model.",
	 * "thinker." (Qwen-Omni) or "transformer." (GLM-4V), is visual, vision_tower, vision_model, multi_modal_projector,
	 * mm_projector, mlp1, audio_tower, embed_vision, embed_audio,
	 * connector, vpm, resampler, resampler_model, vision_embed_tokens,
	 * vision_encoder, vision_language_adapter, vision or projector.
	 * llama.cpp's converter writes them to a separate mmproj file;
	 * vLLM leaves them unloaded with --language-model-only. */
	uint64_t vision_bytes;
	uint64_t vision_params;
	/* The first block counted as an MTP layer (0: none by number).  A
	 * caller sets it to config.json's num_hidden_layers before
	 * kvp_safetensors_read; kvp_config_read sets it for the headers
	 * beside the config, and kvp_gguf_read to block_count -
	 * ARCH.nextn_predict_layers on the architectures whose loader reads
	 * that key. */
	uint32_t mtp_from_layer;
	/* Of bytes and params, the routed experts' of the model's own layers
	 * (neither MTP nor towers): tensors with a part "experts"
	 * (DeepSeek's and Qwen's mlp.experts.N.*, Mixtral's
	 * block_sparse_moe.experts.N.*, gpt-oss's and Llama 4's fused
	 * experts.gate_up_proj) or a part ending "_exps" (GGUF's
	 * ffn_gate_exps, ffn_up_exps, ffn_down_exps); shared experts
	 * (shared_experts, shared_expert, GGUF's _shexp) and the router are
	 * not among them.  vLLM splits them over tp x dp GPUs (kvp_request
	 * weight_expert_bytes). */
	uint64_t expert_bytes;
	uint64_t expert_params;
	/* Of bytes, the model's own tensors every tensor-parallel rank of
	 * vLLM, SGLang and TensorRT-LLM holds whole: an MLA layer's
	 * down-projections (a part q_a_proj or kv_a_proj_with_mqa, GGUF's
	 * attn_q_a and attn_kv_a_mqa, their scales with them) and a router (a
	 * part gate or router after mlp, block_sparse_moe or feed_forward;
	 * GGUF's ffn_gate_inp and exp_probs_b) (kvp_request
	 * weight_replicated_bytes). */
	uint64_t replicated_bytes;
	/* Of bytes, the model's own attention projections but for those held
	 * whole: tensors with a part q_proj, k_proj, v_proj, qkv_proj,
	 * o_proj, q_b_proj or kv_b_proj (their scales with them; GGUF's
	 * attn_q, attn_k, attn_v, attn_qkv, attn_output, attn_q_b, attn_kv_b,
	 * attn_k_b and attn_v_b), which SGLang's data-parallel attention
	 * splits over tp / dp (kvp_request weight_attention_bytes). */
	uint64_t attention_bytes;
	/* Of mtp_bytes, the MTP layers' own copies of the input embedding
	 * and of the LM head: a part embed_tokens, or shared_head then head
	 * (DeepSeek-V3's model.layers.61.embed_tokens and
	 * model.layers.61.shared_head.head, GLM-4.5's model.layers.92.*),
	 * or GGUF's nextn.embed_tokens and nextn.shared_head_head.  vLLM,
	 * SGLang and TensorRT-LLM use the model's own instead (kvp_request
	 * draft_shared_bytes). */
	uint64_t mtp_shared_bytes;
	uint64_t mtp_shared_params;
} kvp_weights;

KVP_API void kvp_weights_init(kvp_weights *weights);

/* ---- HuggingFace config.json (jansson) ---------------------------------- */

/* The most bytes of a config.json read. */
#define KVP_CONFIG_MAX_BYTES (16u << 20)

/* Reads the transformers config at path into model (finalized, named after
 * its file's directory) and source (kind config).  The families
 * kvplan knows are read by their own rules (model_type; text_config
 * inside a multimodal config); any other by the generic rule, which sets
 * source->generic.  The parameter count comes, in this order, from a
 * model.safetensors.index.json beside it (total_size over the weights'
 * bytes per value), from *.safetensors headers beside it (then weights,
 * when non-NULL, holds what they count, and model's mtp_params and
 * vision_params what of them the MTP layers and the towers hold), or
 * from an estimate from the shape (the "params" note says which). */
KVP_API kvp_status kvp_config_read(const char *path, kvp_model *model,
                                   kvp_source *source, kvp_weights *weights,
                                   kvp_error *err);
/* The same from text in memory, with path naming it in messages and
 * nothing read beside it: params are estimated. */
KVP_API kvp_status kvp_config_parse(const char *text, size_t length,
                                    const char *path, kvp_model *model,
                                    kvp_source *source, kvp_error *err);

/* ---- safetensors headers ------------------------------------------------ */

/* The largest header a safetensors file may declare (the format's own
 * reader refuses more than 100,000,000 bytes). */
#define KVP_SAFETENSORS_HEADER_MAX 100000000u

/* Adds to weights what the safetensors headers at path hold: path is a
 * .safetensors file, a directory (every *.safetensors in it), or a
 * model.safetensors.index.json (the shards it names, and its total_size).
 * Reads 8 bytes and the JSON header of each file, never the data. */
KVP_API kvp_status kvp_safetensors_read(const char *path, kvp_weights *weights,
                                        kvp_error *err);
/* One file's bytes from its start (length of them in memory; file_size is
 * the whole file's), path naming it in messages: adds its tensors. */
KVP_API kvp_status kvp_safetensors_parse(const unsigned char *data,
                                         size_t length, uint64_t file_size,
                                         const char *path,
                                         kvp_weights *weights, kvp_error *err);

/* ---- GGUF headers -------------------------------------------------------- */

/* Reads the header of the GGUF file at path (versions 2 and 3,
 * little-endian): its metadata into model (finalized) and source (kind
 * gguf), and its tensor infos into weights (when non-NULL).  Maps only
 * the header's pages, never reading the tensor data. */
KVP_API kvp_status kvp_gguf_read(const char *path, kvp_model *model,
                                 kvp_source *source, kvp_weights *weights,
                                 kvp_error *err);
/* The same over the whole file's length bytes in memory (tensor data
 * must lie within them). */
KVP_API kvp_status kvp_gguf_parse(const unsigned char *data, size_t length,
                                  const char *path, kvp_model *model,
                                  kvp_source *source, kvp_weights *weights,
                                  kvp_error *err);

#ifdef __cplusplus
}
#endif

#endif
