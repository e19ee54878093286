/*
 * hfconfig.h — the config.json reader's parts: the document being read
 * and the typed getters (hfconfig.c), and the rules of each model family
 * (hf_families.c).  Never installed.
 */
#ifndef KVPLAN_HFCONFIG_H
#define KVPLAN_HFCONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "inputs.h"

/* The most layers a per-layer list (layer_types, a pattern string) may
 * give: far beyond any model, it bounds the work a hostile file causes. */
#define HF_LAYERS_MAX 65536

struct hf;

/* A value a family's configuration class takes for a key the file
 * leaves out, or where the class has no such key, the engine's model of
 * the family (whose, in notes; NULL: the class's). */
struct hf_default {
	const char *key;
	uint64_t value;
	const char *whose;
};

struct hf_family {
	const char *type;                  /* model_type */
	const char *config_class;          /* transformers' class, in notes */
	kvp_status (*rule)(struct hf *h);  /* its layer kinds and numbers */
	const struct hf_default *defaults; /* NULL-terminated, or NULL */
};

/* One config.json being read. */
struct hf {
	const struct hf_family *fam;  /* NULL: unknown, the generic rule */
	const char *path;
	json_t *top;          /* the document */
	json_t *cfg;          /* the object read: text_config, or the top */
	const char *prefix;   /* "text_config." or "" in notes and messages */
	const char *family;   /* model_type, as read ("" when absent) */
	kvp_model *m;
	kvp_source *src;
	kvp_error *err;
	bool window_covers;   /* sliding_window >= max_position_embeddings */
	const json_t *quant;  /* quantization_config, where it names a format */
	const char *quant_method;
	kvp_weights_format quant_format;
	uint32_t quant_parts; /* KVP__WPART_HEAD where it quantizes the head */
	const json_t *quant_mixed; /* ModelOpt's MIXED_PRECISION quantized_layers */
	/* hf_quant_config.json beside the file (ModelOpt 0.29 and before):
	 * where to look, read only where the config gives no
	 * quantization_config at its top (NULL: nowhere), and what was read */
	const char *quant_path;
	json_t *quant_file;
};

/* ModelOpt's MIXED_PRECISION (lib/hf_quant_mixed.c): the format its
 * quantized_layers make ("nvfp4" where any entry is NVFP4, else "fp8";
 * NULL for no entries), and, once the model's layers are known, the
 * layers of each projection in another type into f, and the keep16 bits
 * of those wholly 16-bit. */
const char *kvp__hf_mixed_base(const json_t *layers);
uint32_t kvp__hf_quant_mixed(struct hf *h, const json_t *layers, const char *path,
                             kvp_weights_format *f);

/* An integer member of o: 1 and its value where it is one from 0 to
 * 2^31 - 1, 0 where absent or null, -1 where it is anything else
 * (lib/hf_quant_head.c). */
int kvp__hf_member_uint(const json_t *o, const char *key, long long *value);
/* AutoRound's quant_method ("auto-round", "auto_round", the older
 * "intel/auto-round"; lib/hf_quant_head.c). */
bool kvp__hf_auto_round(const char *method);
/* AutoRound's format name into name (bits and group the config's), and
 * what is wrong where none is, or where the name does not parse. */
const char *kvp__hf_auto_round_name(const json_t *q, long long bits, long long group,
                                    char *name, size_t size);
/* KVP__WPART_HEAD where q's method quantizes the head at the layers'
 * bits and group (GPTQ's "lm_head" and dynamic rules, AutoRound's
 * extra_config), 0 otherwise; warnings (path) for a head or layers at
 * bits of their own. */
uint32_t kvp__hf_quant_head(struct hf *h, const json_t *q, const char *method,
                            long long bits, long long group, const char *path);
/* Appends to list AutoRound's extra_config entries at 16 bits or more,
 * as a list of modules not to quantize spells them ("re:" before a
 * regex key). */
void kvp__hf_round_kept(const json_t *q, json_t *list);
/* The format kvp__hf_quant found (h->quant), once the model's layers are
 * read: the linear layers its list of modules not to quantize keeps
 * 16-bit added (lib/hf_quant_keep.c), into the source with its note. */
void kvp__hf_quant_finish(struct hf *h);

/* A reader of another object of h's document (the top of a multimodal
 * config, its vision_config, DBRX's attn_config): obj read, prefix in
 * notes and messages, without the family's defaults. */
struct hf kvp__hf_object(const struct hf *h, json_t *obj, const char *prefix);
/* The value of the first of keys (a NULL-terminated list) that the config
 * gives and that is not null; *which names it.  NULL when none is. */
json_t *kvp__hf_get(const struct hf *h, const char *const *keys,
                    const char **which);
/* A non-negative integer no larger than max under the first of keys:
 * 1 and *out when given, or when absent and the family has a default for
 * it (noted as defaulted); 0 when absent or null; -1 (reported) when it is
 * not such an integer.  field, when not NULL, gets a note. */
int kvp__hf_uint(struct hf *h, const char *field, const char *const *keys,
                 uint64_t max, uint64_t *out);
/* The integer under key, at most max, deflt where absent or null (the
 * family's defaults aside): 0, or -1 reported. */
int kvp__hf_count(struct hf *h, const char *key, uint64_t deflt, uint64_t max, uint64_t *out);
/* A boolean: 1 and *out, 0 absent or null, -1 reported. */
int kvp__hf_bool(struct hf *h, const char *const *keys, bool *out);
/* Reports KVP_ERR_PARSE for key of the config: "text_config.key: what". */
kvp_status kvp__hf_fail(struct hf *h, const char *key, const char *fmt, ...)
	KVP_PRINTF(3, 4);

/* Layer kinds from a per-layer list of n entries, kind(i) each, stored
 * as the shortest cycle that gives them all. */
kvp_status kvp__hf_set_layers(struct hf *h, const char *what, uint64_t n,
                              const uint8_t *kinds);

/* ---- hf_json.c ---- */

/* Parses text into *out, noting a duplicated key or NaN in h->src. */
kvp_status kvp__hf_load_json(struct hf *h, const char *text, size_t length,
                             json_t **out);

/* ---- hf_families.c ---- */

/* layer_types, when the file gives it, into the pattern: 1 read, 0 absent,
 * -1 reported. */
int kvp__hf_layer_types(struct hf *h);
/* A pattern where every n-th layer ((i + 1) % n == 0) is nth and the others
 * are others; rule names the key in an error. */
kvp_status kvp__hf_every_nth(struct hf *h, uint64_t n, kvp_layer_kind others,
                             kvp_layer_kind nth, const char *rule);
/* The family of model_type type, or NULL. */
const struct hf_family *kvp__hf_find(const char *type);
/* The family's rules over the base figures (h->fam, or the generic rule):
 * windows, layer kinds, MLA, recurrent state.  Returns KVP_OK, or the
 * reported error. */
kvp_status kvp__hf_family(struct hf *h);

/* ---- hf_indexer.c ---- */

/* A sparse MLA model's indexer: its key's width (index_head_dim) and the
 * layers that keep it (indexer_types, index_topk_pattern, or
 * index_topk_freq and index_skip_topk_offset). */
kvp_status kvp__hf_indexer(struct hf *h);

/* ---- hf_shape.c ---- */

/* Whether h's family (model_type) is one of names (NULL-terminated). */
bool kvp__hf_family_in(const struct hf *h, const char *const *names);
/* Whether h's family's MLP is an up and a down alone, no gate_proj (the
 * parameter count's, and LoRA's gate, up and down: kvp_model
 * intermediate). */
bool kvp__hf_ungated(const struct hf *h);

/* ---- hf_vision.c ---- */

/* A multimodal config's vision tower and projector from its
 * vision_config into *out: 1, 0 for none or a family not counted, -1
 * reported. */
int kvp__hf_vision_params(struct hf *h, unsigned __int128 *out);

/* ---- hf_recurrent.c: hybrids with recurrent layers ---- */

kvp_status kvp__hf_rule_qwen3_next(struct hf *h);
kvp_status kvp__hf_rule_nemotron_h(struct hf *h);
kvp_status kvp__hf_rule_granite_hybrid(struct hf *h);
kvp_status kvp__hf_rule_jamba(struct hf *h);
kvp_status kvp__hf_rule_falcon_h1(struct hf *h);
kvp_status kvp__hf_rule_kimi_linear(struct hf *h);
/* Mamba and Falcon Mamba (Mamba-1 mixers) and Mamba-2: every layer
 * recurrent, no attention. */
kvp_status kvp__hf_rule_mamba(struct hf *h);
kvp_status kvp__hf_rule_mamba2(struct hf *h);
/* hf_lfm2.c */
kvp_status kvp__hf_rule_lfm2(struct hf *h);
kvp_status kvp__hf_rule_gemma4(struct hf *h);
extern const struct hf_default kvp__hf_d_gemma4[];
/* Gemma 4's parameters block by block, its towers' among them: 1 where
 * the family is Gemma 4's, 0 where not, -1 on a fault (hf_gemma4.c). */
int kvp__hf_gemma4_params(struct hf *h, const kvp_model *m, unsigned __int128 *total,
                          unsigned __int128 *towers);
/* A figure given a layer at a time (Hunyuan's moe_intermediate_size,
 * moe_topk, num_shared_expert; Gemma 3n's intermediate_size), one value
 * where every layer's is the same: 1 and *out, 0 absent, -1 reported
 * (layers that differ are not modelled; hf_moe.c). */
int kvp__hf_per_layer(struct hf *h, const char *key, uint64_t *out);
/* hf_gemma3n.c: Gemma 3n's rule and defaults; whether h's family is
 * it; its parameters block by block as kvp__hf_gemma4_params gives
 * Gemma 4's. */
kvp_status kvp__hf_rule_gemma3n(struct hf *h);
extern const struct hf_default kvp__hf_d_gemma3n[];
bool kvp__hf_gemma3n(const struct hf *h);
int kvp__hf_gemma3n_params(struct hf *h, const kvp_model *m, unsigned __int128 *total,
                           unsigned __int128 *towers);
/* Sliding windows with a full layer every n (hf_families.c). */
kvp_status kvp__hf_windows_every(struct hf *h, uint64_t n, uint64_t window);
/* Whether h's family has no attention layer (the two rules above). */
bool kvp__hf_attention_free(const struct hf *h);

/* ---- hf_nemotron.c: Nemotron-H's blocks ---- */

/* The blocks an MTP layer may hold. */
#define KVP__NEMOTRON_MTP_MAX 16
/* The key naming the layers' blocks: layers_block_type or layer_types
 * where given, else hybrid_override_pattern. */
const char *kvp__hf_nemotron_key(struct hf *h);
/* Each layer's block, M, *, - or E, into out (cap at most) and *n:
 * layers_block_type's (layer_types') names, or hybrid_override_pattern,
 * both alike where both are given.  1 read, 0 neither given, -1 reported
 * (or more than cap, unreported, *n past cap). */
int kvp__hf_nemotron_pattern(struct hf *h, char *out, size_t cap, size_t *n);
/* An MTP layer's blocks into out and *n: mtp_layers_block_type,
 * mtp_hybrid_override_pattern, or "*E".  1, or -1 reported. */
int kvp__hf_nemotron_mtp(struct hf *h, char *out, size_t cap, size_t *n);
/* The parameters of m, finalized from h, tensor by tensor, with its
 * m->mtp_layers MTP layers': 1, *total and *mtp (the MTP layers' part of
 * it), 0 where the blocks are not given for its layers, -1 reported. */
int kvp__hf_nemotron_params(struct hf *h, const kvp_model *m, unsigned __int128 *total,
                            unsigned __int128 *mtp);

/* ---- hf_rope.c ---- */

/* The rotary embedding (kvp_model rope and the fields after it), after
 * the family's rule. */
kvp_status kvp__hf_rope(struct hf *h);

/* ---- hf_params.c ---- */

/* The whole reading of text (the file's, or memory's) into model;
 * quant_path, when not NULL, where an hf_quant_config.json beside it
 * would be. */
kvp_status kvp__hf_model(const char *text, size_t length, const char *path,
                         const char *quant_path, kvp_model *model, kvp_source *source,
                         kvp_error *err);
/* hf_count.c: the params counted from the shape read, into h->m
 * (params, and of them mtp_params, mtp_shared_params and vision_params),
 * noted "params". */
kvp_status kvp__hf_estimate(struct hf *h);
/* hf_moe.c: a mixture of experts' dense and routed layers where they
 * differ (kvp_model moe_*); nothing for a dense model, or one whose every
 * layer routes. */
kvp_status kvp__hf_moe(struct hf *h);

/* The config's quantization_config (or the hf_quant_config.json beside
 * it): kvp_source weights_format, or a warning where kvplan has no such
 * format (lib/hf_quant.c); not KVP_OK where that file cannot be read,
 * reported. */
kvp_status kvp__hf_quant(struct hf *h);

#endif
