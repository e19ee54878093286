/*
 * hfconfig.c — a HuggingFace transformers config.json into a per-layer
 * model: typed getters that refuse a value of the wrong kind by its key
 * (and take the family's defaults), the figures every family shares, and
 * the object they are in.  The document is loaded by hf_json.c, the
 * families' own rules are in hf_families.c and hf_recurrent.c, the
 * parameters in hf_params.c.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hfconfig.h"

struct hf kvp__hf_object(const struct hf *h, json_t *obj, const char *prefix)
{
	struct hf in = *h;

	in.cfg = obj;
	in.prefix = prefix;
	in.fam = NULL;
	return in;
}

json_t *kvp__hf_get(const struct hf *h, const char *const *keys,
                    const char **which)
{
	for (; *keys; keys++) {
		json_t *v = json_object_get(h->cfg, *keys);

		if (v && !json_is_null(v)) {
			if (which)
				*which = *keys;
			return v;
		}
	}
	return NULL;
}

kvp_status kvp__hf_fail(struct hf *h, const char *key, const char *fmt, ...)
{
	char what[KVP_ERROR_MESSAGE_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	return kvp__error_at(h->err, KVP_ERR_PARSE, h->path, 0, 0, "%s%s: %s",
	                     h->prefix, key, what);
}

static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a real number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	case JSON_NULL: return "null";
	}
	return "a value";
}

/* A whole number, as an integer or a real with no fraction (1e4, 128.0). */
static int whole_number(const json_t *v, uint64_t max, uint64_t *out)
{
	if (json_is_integer(v)) {
		json_int_t i = json_integer_value(v);

		if (i < 0 || (uint64_t)i > max)
			return 0;
		*out = (uint64_t)i;
		return 1;
	}
	if (json_is_real(v)) {
		double d = json_real_value(v);

		if (!(d >= 0 && d <= (double)max) || d != (double)(uint64_t)d)
			return 0;
		*out = (uint64_t)d;
		return 1;
	}
	return 0;
}

/* The family's default for the first of keys it has one for. */
static int family_default(struct hf *h, const char *field,
                          const char *const *keys, uint64_t max, uint64_t *out)
{
	if (!h->fam || !h->fam->defaults)
		return 0;
	for (const char *const *k = keys; *k; k++)
		for (const struct hf_default *d = h->fam->defaults; d->key; d++)
			/* Absent, not null: null is the class's None. */
			if (strcmp(d->key, *k) == 0 && d->value <= max &&
			    !json_object_get(h->cfg, *k)) {
				*out = d->value;
				if (field)
					kvp__note(h->src, field, KVP_ORIGIN_DEFAULTED,
					          "%s%s absent: %s's default %llu",
					          h->prefix, *k,
					          d->whose ? d->whose : h->fam->config_class,
					          (unsigned long long)d->value);
				return 1;
			}
	return 0;
}

int kvp__hf_uint(struct hf *h, const char *field, const char *const *keys,
                 uint64_t max, uint64_t *out)
{
	const char *key = keys[0];
	json_t *v = kvp__hf_get(h, keys, &key);

	if (!v)
		return family_default(h, field, keys, max, out);
	if (!whole_number(v, max, out)) {
		if (json_is_number(v))
			kvp__hf_fail(h, key, "%s is not a whole number from 0 to %llu",
			             json_is_integer(v) ? "integer" : "number",
			             (unsigned long long)max);
		else
			kvp__hf_fail(h, key, "expected a number, found %s",
			             json_kind(v));
		return -1;
	}
	if (field)
		kvp__note(h->src, field, KVP_ORIGIN_READ, "%s%s = %llu", h->prefix,
		          key, (unsigned long long)*out);
	return 1;
}

int kvp__hf_count(struct hf *h, const char *key, uint64_t deflt, uint64_t max, uint64_t *out)
{
	const char *const keys[] = {key, NULL};

	*out = deflt;
	return kvp__hf_uint(h, NULL, keys, max, out) < 0 ? -1 : 0;
}

int kvp__hf_bool(struct hf *h, const char *const *keys, bool *out)
{
	const char *key = keys[0];
	json_t *v = kvp__hf_get(h, keys, &key);

	if (!v)
		return 0;
	if (!json_is_boolean(v)) {
		kvp__hf_fail(h, key, "expected true or false, found %s", json_kind(v));
		return -1;
	}
	*out = json_is_true(v);
	return 1;
}

kvp_status kvp__hf_set_layers(struct hf *h, const char *what, uint64_t n,
                              const uint8_t *kinds)
{
	uint64_t period;

	if (n != h->m->layers)
		return kvp__hf_fail(h, what, "%llu entries for %u layers",
		                    (unsigned long long)n, h->m->layers);
	for (period = 1; period <= n && period <= KVP_PATTERN_MAX; period++) {
		uint64_t i = period;

		while (i < n && kinds[i] == kinds[i % period])
			i++;
		if (i == n)
			break;
	}
	if (period > n || period > KVP_PATTERN_MAX)
		return kvp__error_at(h->err, KVP_ERR_RANGE, h->path, 0, 0,
		                     "%s%s: %llu layers that repeat no cycle of at"
		                     " most %d", h->prefix, what,
		                     (unsigned long long)n, KVP_PATTERN_MAX);
	memcpy(h->m->pattern, kinds, (size_t)period);
	h->m->pattern_len = (uint32_t)period;
	return KVP_OK;
}

/* Per-layer kv heads: a list as long as the model (0: no attention). */
static kvp_status layer_kv_heads(struct hf *h, const char *key, json_t *list)
{
	kvp_model *m = h->m;
	size_t i;
	json_t *v;

	if (json_array_size(list) != m->layers || m->layers > KVP_PATTERN_MAX)
		return kvp__hf_fail(h, key, "%zu entries for %u layers (at most %d)",
		                    json_array_size(list), m->layers,
		                    KVP_PATTERN_MAX);
	json_array_foreach(list, i, v) {
		uint64_t n;

		if (!whole_number(v, m->heads, &n))
			return kvp__hf_fail(h, key, "entry %zu is not a head count"
			                    " from 0 to %u", i, m->heads);
		m->layer_kv_heads[i] = (uint32_t)n;
		if (n > m->kv_heads)
			m->kv_heads = (uint32_t)n;
	}
	m->layer_kv_heads_len = m->layers;
	kvp__note(h->src, "kv_heads", KVP_ORIGIN_READ, "%s%s: a list of %u"
	          " (0: no attention)", h->prefix, key, m->layers);
	return KVP_OK;
}

static const char *const k_layers[] = {"num_hidden_layers", "n_layer",
	"num_layers", "n_layers", NULL};
static const char *const k_hidden[] = {"hidden_size", "n_embd", "d_model",
	"dim", NULL};
static const char *const k_heads[] = {"num_attention_heads", "n_head",
	"num_heads", "n_heads", NULL};
static const char *const k_kv_heads[] = {"num_key_value_heads", NULL};
static const char *const k_head_dim[] = {"head_dim", NULL};
static const char *const k_vocab[] = {"vocab_size", "padded_vocab_size", NULL};
static const char *const k_context[] = {"max_position_embeddings",
	"n_positions", "max_sequence_length", "seq_length",
	/* Kimi-Linear's, which vLLM's _get_and_verify_max_len reads */
	"model_max_length", NULL};
static const char *const k_dtype[] = {"torch_dtype", "dtype", NULL};

/* The weights' type, torch_dtype or dtype: the weights', never the
 * cache's.  A name kvplan does not know is left unknown. */
static void weights_dtype(struct hf *h)
{
	const char *key, *prefix = h->prefix;
	json_t *v = kvp__hf_get(h, k_dtype, &key);
	kvp_dtype t;

	/* A multimodal config gives it at the top as often as inside. */
	if (!v && h->cfg != h->top) {
		struct hf top = kvp__hf_object(h, h->top, "");

		v = kvp__hf_get(&top, k_dtype, &key);
		prefix = "";
	}

	if (!json_is_string(v) || kvp_dtype_from_name(json_string_value(v), &t,
	                                              NULL) != KVP_OK)
		return;
	h->src->weights_dtype_known = true;
	h->src->weights_dtype = t;
	kvp__note(h->src, "weights_dtype", KVP_ORIGIN_READ, "%s%s = %s (the"
	          " weights' type; the cache's is asked apart)", prefix, key,
	          kvp_dtype_name(t));
}

/* kvp__hf_uint for a count that must be at least 1 (what, in the message
 * at the key that gave 0). */
static int hf_count(struct hf *h, const char *field, const char *const *keys,
                    uint64_t max, uint64_t *out, const char *what)
{
	int r = kvp__hf_uint(h, field, keys, max, out);
	const char *key = keys[0];

	if (r == 1 && *out == 0) {
		(void)kvp__hf_get(h, keys, &key);
		kvp__hf_fail(h, key, "0 %s: at least 1 is needed", what);
		return -1;
	}
	return r;
}

/* The attention's heads, kv heads (a number, or a list per layer) and
 * head_dim. */
static kvp_status read_heads(struct hf *h)
{
	kvp_model *m = h->m;
	uint64_t v;
	const char *key;
	json_t *kv;
	int r;

	if ((r = hf_count(h, "heads", k_heads, UINT32_MAX, &v, "attention heads")) < 0)
		return KVP_ERR_PARSE;
	if (r == 0)
		return kvp__hf_fail(h, k_heads[0], "missing: the attention heads");
	m->heads = (uint32_t)v;
	kv = kvp__hf_get(h, k_kv_heads, &key);
	if (json_is_array(kv)) {
		kvp_status st = layer_kv_heads(h, key, kv);

		if (st != KVP_OK)
			return st;
	} else if ((r = kvp__hf_uint(h, "kv_heads", k_kv_heads, UINT32_MAX, &v)) < 0) {
		return KVP_ERR_PARSE;
	} else if (r) {
		if (v == 0)
			return kvp__hf_fail(h, "num_key_value_heads", "0 key/value"
			                    " heads: a layer without attention is"
			                    " named by a per-layer list");
		m->kv_heads = (uint32_t)v;
	} else {
		m->kv_heads = m->heads;
		kvp__note(h->src, "kv_heads", KVP_ORIGIN_DEFAULTED, "%snum_key_value"
		          "_heads absent: as many as the attention heads (MHA)",
		          h->prefix);
	}
	if ((r = kvp__hf_uint(h, "head_dim", k_head_dim, UINT32_MAX, &v)) < 0)
		return KVP_ERR_PARSE;
	m->head_dim = r ? (uint32_t)v : 0;
	if (r == 0 && m->hidden && m->heads)
		kvp__note(h->src, "head_dim", KVP_ORIGIN_DERIVED, "%shead_dim absent:"
		          " hidden_size / num_attention_heads = %u / %u", h->prefix,
		          m->hidden, m->heads);
	return KVP_OK;
}

/* The figures every family names alike. */
static kvp_status read_base(struct hf *h)
{
	kvp_model *m = h->m;
	uint64_t v;
	const char *key;
	json_t *kv;
	kvp_status st;
	int r;

	if ((r = hf_count(h, "layers", k_layers, HF_LAYERS_MAX, &v, "layers")) < 0)
		return KVP_ERR_PARSE;
	/* transformers 5's Nemotron-H: num_hidden_layers is its
	 * layers_block_type's (layer_types') length, which Nemotron 3 Ultra's
	 * config gives alone */
	key = strcmp(h->family, "nemotron_h") == 0 ? kvp__hf_nemotron_key(h) : NULL;
	kv = key ? json_object_get(h->cfg, key) : NULL;
	if (r == 0 && json_is_array(kv) && json_array_size(kv) > 0 &&
	    json_array_size(kv) <= HF_LAYERS_MAX) {
		v = json_array_size(kv);
		r = 1;
		kvp__note(h->src, "layers", KVP_ORIGIN_DERIVED, "%s%s's %llu entries",
		          h->prefix, key, (unsigned long long)v);
	}
	if (r == 0)
		return kvp__hf_fail(h, k_layers[0], "missing: the layer count");
	m->layers = (uint32_t)v;
	if ((r = hf_count(h, "hidden", k_hidden, UINT32_MAX, &v, "hidden units")) < 0)
		return KVP_ERR_PARSE;
	m->hidden = r ? (uint32_t)v : 0;
	if (kvp__hf_attention_free(h))
		kvp__note(h->src, "heads", KVP_ORIGIN_DERIVED, "%s: no attention layer,"
		          " every layer a Mamba mixer (heads, kv heads and head_dim 0)",
		          h->family);
	else if ((st = read_heads(h)) != KVP_OK)
		return st;
	if ((r = kvp__hf_uint(h, "vocab", k_vocab, UINT32_MAX, &v)) < 0)
		return KVP_ERR_PARSE;
	m->vocab = r ? (uint32_t)v : 0;
	if ((r = kvp__hf_uint(h, "max_context", k_context, UINT64_MAX, &v)) < 0)
		return KVP_ERR_PARSE;
	m->max_context = r ? v : 0;
	weights_dtype(h);
	{
		kvp_status qs = kvp__hf_quant(h);

		if (qs != KVP_OK)
			return qs; /* the hf_quant_config.json beside it, reported */
	}
	/* Absent, the family's config class decides: Gemma's and Cohere's
	 * tie (Gemma*Config, Cohere*Config tie_word_embeddings=True), and so
	 * do GPT-2's, GPTBigCode's, OPT's, BLOOM's, Falcon's, MiniMind's,
	 * Phi-3-small's (vLLM's Phi3SmallForCausalLM ties lm_head),
	 * MiniCPM3's (its bf16 checkpoint, 8.15 GB, holds no lm_head), and
	 * Mamba's and Falcon Mamba's, which keep PretrainedConfig's default
	 * (True); Llama's, Qwen's, Mistral's
	 * and most others do not. */
	{
		static const char *const k_tie[] = {"tie_word_embeddings", NULL};
		static const char *const tied[] = {"gpt2", "falcon", "gpt_bigcode", "opt", "bloom",
			"minimind", "phi3small", "minicpm3", "mamba", "falcon_mamba", NULL};
		bool tie = strncmp(h->family, "gemma", 5) == 0 ||
		           strncmp(h->family, "cohere", 6) == 0 || kvp__hf_family_in(h, tied);

		/* Said at the top of a multimodal config (Qwen3-VL's 2B and
		 * 4B) where its text_config is silent. */
		struct hf top = kvp__hf_object(h, h->top, "");

		if (kvp__hf_bool(h, k_tie, &tie) < 0 ||
		    (!json_object_get(h->cfg, "tie_word_embeddings") && h->cfg != h->top &&
		     kvp__hf_bool(&top, k_tie, &tie) < 0))
			return KVP_ERR_PARSE;
		m->tie_embeddings = tie;
	}
	/* A dense MLP's inner size (LoRA's gate, up and down); none for a
	 * mixture of experts, whose experts are not modelled. */
	{
		static const char *const k_inter[] = {"intermediate_size", "ffn_dim",
			"n_inner", NULL};
		static const char *const k_experts[] = {"num_local_experts",
			"num_experts", "n_routed_experts", NULL};
		static const char *const k_experts_ernie[] = {"moe_num_experts", NULL};
		uint64_t inter = 0, experts = 0;
		/* Gemma 3n's, a list of one width a layer */
		int given = kvp__hf_gemma3n(h) ? kvp__hf_per_layer(h, "intermediate_size", &inter)
		                               : kvp__hf_uint(h, NULL, k_inter, UINT32_MAX, &inter);

		static const char *const k_use_moe[] = {"use_moe", NULL};
		bool use_moe = true; /* MiniMind's switch: its experts unused */

		if (given < 0 || kvp__hf_uint(h, NULL, strncmp(h->family, "ernie4_5", 8) == 0
		                                       ? k_experts_ernie : k_experts,
		                              UINT16_MAX, &experts) < 0 ||
		    kvp__hf_bool(h, k_use_moe, &use_moe) < 0)
			return KVP_ERR_PARSE;
		if (!use_moe)
			experts = 0;
		/* an MLP of up and down alone has no gate_proj to adapt, and
		 * a Mamba's intermediate_size is its mixer's width (ssm_inner),
		 * no MLP's */
		m->intermediate = given && !experts && !kvp__hf_ungated(h) &&
		                  !kvp__hf_attention_free(h) ? (uint32_t)inter : 0;
	}
	return KVP_OK;
}

/* The object the figures are in: text_config of a multimodal config
 * (llava, gemma3, llama4, mistral3), else the top. */
static kvp_status choose_object(struct hf *h, json_t *top)
{
	json_t *text = json_object_get(top, "text_config");
	json_t *type;

	if (!json_is_object(top))
		return kvp__error_at(h->err, KVP_ERR_PARSE, h->path, 0, 0,
		                     "not a JSON object");
	h->top = h->cfg = top;
	h->prefix = "";
	type = json_object_get(top, "model_type");
	/* A type that is not a string (null: none given) would be read by
	 * the generic rule, its family's fields unread. */
	if (type && !json_is_string(type) && !json_is_null(type))
		return kvp__hf_fail(h, "model_type", "expected a string, found %s",
		                    json_kind(type));
	if (json_is_object(text)) {
		json_t *inner = json_object_get(text, "model_type");

		h->cfg = text;
		h->prefix = "text_config.";
		if (inner && !json_is_string(inner) && !json_is_null(inner))
			return kvp__hf_fail(h, "model_type", "expected a string, found %s",
			                    json_kind(inner));
		/* llava's text_config may leave out its type: llama. */
		if (json_is_string(inner))
			type = inner;
		else if (!json_object_get(text, "num_hidden_layers"))
			return kvp__hf_fail(h, "num_hidden_layers", "missing");
	}
	h->family = json_is_string(type) ? json_string_value(type) : "";
	h->fam = kvp__hf_find(h->family);
	/* Escaped for the output, so that a control character shows as
	 * itself (\xHH), not as a name it is not. */
	kvp_escape(h->family, h->src->family, sizeof h->src->family);
	/* The model's type, for an engine that pools by architecture. */
	if (kvp__valid_name(h->family))
		snprintf(h->m->model_type, sizeof h->m->model_type, "%s", h->family);
	return KVP_OK;
}

/* A multimodal model's vision encoder (kvp_model vision_hidden and
 * vision_layers), as SGLang's share reads vision_config: its hidden_size,
 * 1024 where left out, and its num_hidden_layers, 0 here where left out
 * (SGLang's 24).  None without a vision_config object. */
static kvp_status read_vision(struct hf *h)
{
	static const char *const hidden[] = {"hidden_size", NULL};
	static const char *const layers[] = {"num_hidden_layers", NULL};
	json_t *vision = json_object_get(h->top, "vision_config");
	/* its own keys, without the text model's family defaults */
	struct hf in = kvp__hf_object(h, vision, "vision_config.");
	uint64_t width = 1024, depth = 0;
	int got;

	if (!json_is_object(vision))
		return KVP_OK;
	if ((got = kvp__hf_uint(&in, "vision_hidden_size", hidden, UINT32_MAX, &width)) < 0 ||
	    kvp__hf_uint(&in, "vision_layers", layers, UINT32_MAX, &depth) < 0)
		return KVP_ERR_PARSE;
	if (width == 0)
		return kvp__hf_fail(&in, "hidden_size", "0 is not a width");
	if (got == 0)
		kvp__note(h->src, "vision_hidden_size", KVP_ORIGIN_DEFAULTED,
		          "vision_config.hidden_size absent: SGLang's 1024");
	h->m->vision_hidden = (uint32_t)width;
	h->m->vision_layers = (uint32_t)depth;
	return KVP_OK;
}

/* The checkpoint's MTP (NextN) layers (kvp_model mtp_layers): DeepSeek's
 * num_nextn_predict_layers (GLM-4.5, Kimi-K2's 0, MiMo), Qwen3.5's
 * mtp_num_hidden_layers; Qwen3-Next's family default (hf_families.c). */
static kvp_status read_mtp(struct hf *h)
{
	static const char *const keys[] = {"num_nextn_predict_layers",
	                                   "mtp_num_hidden_layers", NULL};
	uint64_t layers = 0;

	if (kvp__hf_uint(h, "mtp_layers", keys, UINT32_MAX, &layers) < 0)
		return KVP_ERR_PARSE;
	h->m->mtp_layers = (uint32_t)layers;
	return KVP_OK;
}

kvp_status kvp__hf_model(const char *text, size_t length, const char *path,
                         const char *quant_path, kvp_model *model, kvp_source *source,
                         kvp_error *err)
{
	struct hf h = {.path = path, .m = model, .src = source, .err = err,
	               .quant_path = quant_path};
	json_t *top = NULL;
	kvp_status st;

	memset(model, 0, sizeof *model);
	kvp_source_init(source, KVP_SOURCE_CONFIG, path);
	if ((st = kvp__hf_load_json(&h, text, length, &top)) == KVP_OK &&
	    (st = choose_object(&h, top)) == KVP_OK &&
	    (st = read_base(&h)) == KVP_OK &&
	    (st = read_vision(&h)) == KVP_OK &&
	    (st = read_mtp(&h)) == KVP_OK &&
	    (st = kvp__hf_family(&h)) == KVP_OK &&
	    (st = kvp__hf_rope(&h)) == KVP_OK &&
	    (st = kvp__hf_moe(&h)) == KVP_OK) {
		kvp__hf_quant_finish(&h);
		source->generic = h.fam == NULL;
		kvp__name_from_path(path, ".json", true, model->name);
		snprintf(model->description, sizeof model->description,
		         "read from config.json (%s)",
		         source->family[0] ? source->family : "no model_type");
		st = kvp__hf_estimate(&h);
	}
	json_decref(top);
	json_decref(h.quant_file);
	if (st == KVP_OK)
		st = kvp_model_finalize(model, err);
	return st;
}
