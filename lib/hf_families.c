/*
 * hf_families.c — how each transformers model family lays out its layers:
 * which are sliding, chunked, MLA or recurrent, and the numbers of each,
 * as the family's configuration class in transformers defines them (read
 * from transformers v4.57, src/transformers/models/<family>/configuration_
 * <family>.py, each class's __init__, where layer_types is built).  A
 * layer_types list in the file wins over the rule, as it does there.
 * An unknown family gets the generic rule and source->generic.
 */
#include <string.h>

#include "engine.h"
#include "hfconfig.h"

static const char *const k_window[] = {"sliding_window", NULL};

/* Reads sliding_window (0: absent or null). */
static int window(struct hf *h, uint64_t *w)
{
	int r = kvp__hf_uint(h, "sliding_window", k_window, UINT64_MAX, w);

	if (r == 0)
		*w = 0;
	return r;
}

/* A layer_types entry. */
static int kind_of(const char *name, uint8_t *kind)
{
	static const struct { const char *name; kvp_layer_kind kind; } map[] = {
		{"full_attention", KVP_LAYER_FULL}, {"attention", KVP_LAYER_FULL},
		{"global_attention", KVP_LAYER_FULL},
		{"sliding_attention", KVP_LAYER_SLIDING},
		{"chunked_attention", KVP_LAYER_CHUNKED},
		{"linear_attention", KVP_LAYER_RECURRENT},
		{"mamba", KVP_LAYER_RECURRENT}, {"mamba2", KVP_LAYER_RECURRENT},
		/* LFM2's short convolutions (hf_lfm2.c) */
		{"conv", KVP_LAYER_RECURRENT}, {"short_conv", KVP_LAYER_RECURRENT},
	};

	for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
		if (strcmp(name, map[i].name) == 0) {
			*kind = (uint8_t)map[i].kind;
			return 1;
		}
	return 0;
}

int kvp__hf_layer_types(struct hf *h)
{
	json_t *list = json_object_get(h->cfg, "layer_types");
	uint8_t kinds[KVP_PATTERN_MAX];
	size_t n, i;
	json_t *v;

	if (!list || json_is_null(list))
		return 0;
	if (!json_is_array(list)) {
		kvp__hf_fail(h, "layer_types", "expected a list of layer types");
		return -1;
	}
	n = json_array_size(list);
	if (n > KVP_PATTERN_MAX || n != h->m->layers) {
		kvp__hf_fail(h, "layer_types", "%zu entries for %u layers (at most"
		             " %d)", n, h->m->layers, KVP_PATTERN_MAX);
		return -1;
	}
	json_array_foreach(list, i, v) {
		char q[KVP_QUOTE_MAX];

		if (!json_is_string(v) || !kind_of(json_string_value(v), &kinds[i])) {
			kvp__hf_fail(h, "layer_types", "entry %zu %s is not a layer type"
			             " kvplan knows (full_attention, sliding_attention,"
			             " chunked_attention, linear_attention, mamba, conv)", i,
			             json_is_string(v) ? kvp_escape(json_string_value(v),
			                                            q, sizeof q)
			                               : "(not a string)");
			return -1;
		}
	}
	if (kvp__hf_set_layers(h, "layer_types", n, kinds) != KVP_OK)
		return -1;
	kvp__note(h->src, "pattern", KVP_ORIGIN_READ, "%slayer_types: %zu"
	          " entries", h->prefix, n);
	return 1;
}

kvp_status kvp__hf_every_nth(struct hf *h, uint64_t n, kvp_layer_kind others,
                             kvp_layer_kind nth, const char *rule)
{
	uint64_t len;

	if (n == 0 || n > KVP_PATTERN_MAX)
		return kvp__hf_fail(h, rule, "%llu is not a layer interval (1 to"
		                    " %d)", (unsigned long long)n, KVP_PATTERN_MAX);
	len = n < h->m->layers ? n : h->m->layers;
	for (uint64_t i = 0; i < len; i++)
		h->m->pattern[i] = (uint8_t)((i + 1) % n ? others : nth);
	h->m->pattern_len = (uint32_t)len;
	return KVP_OK;
}

static kvp_status need_window(struct hf *h, uint64_t deflt)
{
	uint64_t w;
	int r = window(h, &w);

	if (r < 0)
		return KVP_ERR_PARSE;
	/* The class's default when the key is absent; null is None. */
	if (r == 0 && deflt && !json_object_get(h->cfg, "sliding_window")) {
		w = deflt;
		kvp__note(h->src, "sliding_window", KVP_ORIGIN_DEFAULTED,
		          "%ssliding_window absent: %s's default %llu", h->prefix,
		          h->family, (unsigned long long)w);
	}
	h->m->sliding_window = w;
	h->window_covers = w && h->m->max_context && w >= h->m->max_context;
	return KVP_OK;
}

/* mistral, mixtral, phi3, and the generic rule: one window, every layer. */
static kvp_status all_sliding(struct hf *h, uint64_t deflt)
{
	int r = kvp__hf_layer_types(h);

	if (r < 0 || need_window(h, deflt) != KVP_OK)
		return KVP_ERR_PARSE;
	if (r == 0 && h->m->sliding_window) {
		h->m->pattern[0] = KVP_LAYER_SLIDING;
		h->m->pattern_len = 1;
	}
	return KVP_OK;
}

static kvp_status rule_mistral(struct hf *h) { return all_sliding(h, 4096); }
static kvp_status rule_plain(struct hf *h) { return all_sliding(h, 0); }

/* qwen2, qwen3 (and MoE): use_sliding_window, from max_window_layers on. */
static kvp_status rule_qwen(struct hf *h)
{
	static const char *const k_use[] = {"use_sliding_window", NULL};
	static const char *const k_from[] = {"max_window_layers", NULL};
	uint8_t kinds[KVP_PATTERN_MAX];
	uint64_t from = 0;
	bool use = false;
	int r = kvp__hf_layer_types(h);

	if (r < 0 || kvp__hf_bool(h, k_use, &use) < 0 ||
	    kvp__hf_uint(h, NULL, k_from, UINT64_MAX, &from) < 0)
		return KVP_ERR_PARSE;
	if (r > 0)
		return need_window(h, 0);
	if (!use)
		return KVP_OK; /* the window is not used: full attention */
	if (need_window(h, 0) != KVP_OK)
		return KVP_ERR_PARSE;
	if (from >= h->m->layers)
		return KVP_OK;
	if (h->m->layers > KVP_PATTERN_MAX)
		return kvp__hf_fail(h, "max_window_layers", "%u layers, past %d",
		                    h->m->layers, KVP_PATTERN_MAX);
	for (uint32_t i = 0; i < h->m->layers; i++)
		kinds[i] = i >= from ? KVP_LAYER_SLIDING : KVP_LAYER_FULL;
	return kvp__hf_set_layers(h, "max_window_layers", h->m->layers, kinds);
}

/* gemma2 (every other layer), gemma3 (sliding_window_pattern), gpt-oss
 * and cohere2: windows with a global layer every n. */
kvp_status kvp__hf_windows_every(struct hf *h, uint64_t n_default, uint64_t window_default)
{
	static const char *const k_pattern[] = {"sliding_window_pattern", NULL};
	uint64_t n = n_default;
	int r = kvp__hf_layer_types(h);

	if (r < 0 || need_window(h, window_default) != KVP_OK ||
	    kvp__hf_uint(h, NULL, k_pattern, UINT64_MAX, &n) < 0)
		return KVP_ERR_PARSE;
	if (r > 0)
		return KVP_OK;
	kvp__note(h->src, "pattern", KVP_ORIGIN_DERIVED, "every %llu%s layer"
	          " global, the others sliding (%s)", (unsigned long long)n,
	          n == 1 ? "st" : n == 2 ? "nd" : n == 3 ? "rd" : "th", h->family);
	return kvp__hf_every_nth(h, n, KVP_LAYER_SLIDING, KVP_LAYER_FULL,
	                 "sliding_window_pattern");
}

static kvp_status rule_gemma2(struct hf *h) { return kvp__hf_windows_every(h, 2, 4096); }
static kvp_status rule_gemma3(struct hf *h) { return kvp__hf_windows_every(h, 6, 4096); }
static kvp_status rule_gpt_oss(struct hf *h) { return kvp__hf_windows_every(h, 2, 128); }
static kvp_status rule_cohere2(struct hf *h) { return kvp__hf_windows_every(h, 4, 4096); }

/* llama4: chunked attention in the RoPE layers (no_rope_layers[i] 1),
 * global in the others, every fourth by default. */
static kvp_status rule_llama4(struct hf *h)
{
	static const char *const k_chunk[] = {"attention_chunk_size", NULL};
	json_t *list = json_object_get(h->cfg, "no_rope_layers");
	uint8_t kinds[KVP_PATTERN_MAX];
	uint64_t chunk = 0;
	int r = kvp__hf_layer_types(h);
	size_t i;
	json_t *v;

	if (r < 0 || kvp__hf_uint(h, "chunk_size", k_chunk, UINT64_MAX, &chunk) < 0)
		return KVP_ERR_PARSE;
	h->m->chunk_size = chunk;
	if (r > 0 || chunk == 0)
		return KVP_OK;
	if (!json_is_array(list) || json_array_size(list) == 0) {
		kvp__note(h->src, "pattern", KVP_ORIGIN_DEFAULTED, "no_rope_layers"
		          " absent: every 4th layer global, the others chunked");
		return kvp__hf_every_nth(h, 4, KVP_LAYER_CHUNKED, KVP_LAYER_FULL,
		                 "no_rope_layers");
	}
	if (json_array_size(list) != h->m->layers || h->m->layers > KVP_PATTERN_MAX)
		return kvp__hf_fail(h, "no_rope_layers", "%zu entries for %u layers",
		                    json_array_size(list), h->m->layers);
	json_array_foreach(list, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 1)
			return kvp__hf_fail(h, "no_rope_layers", "entry %zu is not 0"
			                    " or 1", i);
		kinds[i] = json_integer_value(v) ? KVP_LAYER_CHUNKED : KVP_LAYER_FULL;
	}
	kvp__note(h->src, "pattern", KVP_ORIGIN_READ, "%sno_rope_layers: RoPE"
	          " layers chunked, the others global", h->prefix);
	return kvp__hf_set_layers(h, "no_rope_layers", h->m->layers, kinds);
}

/* falcon: transformers' FalconAttention keeps num_kv_heads when
 * new_decoder_architecture is set or multi_query is not, and one kv head
 * otherwise; FalconConfig defaults multi_query to true. */
static kvp_status rule_falcon(struct hf *h)
{
	static const char *const k_mq[] = {"multi_query", NULL};
	static const char *const k_new[] = {"new_decoder_architecture", NULL};
	static const char *const k_kv[] = {"num_kv_heads", "n_head_kv", NULL};
	bool mq = true, nda = false;
	uint64_t kv = 0;
	int given;

	if (kvp__hf_bool(h, k_mq, &mq) < 0 || kvp__hf_bool(h, k_new, &nda) < 0 ||
	    (given = kvp__hf_uint(h, NULL, k_kv, UINT32_MAX, &kv)) < 0)
		return KVP_ERR_PARSE;
	if (nda || !mq) {
		h->m->kv_heads = given && kv ? (uint32_t)kv : h->m->heads;
		kvp__note(h->src, "kv_heads", given ? KVP_ORIGIN_READ
		                                    : KVP_ORIGIN_DEFAULTED,
		          "%snum_kv_heads = %u (new_decoder_architecture %s,"
		          " multi_query %s)", h->prefix, h->m->kv_heads,
		          nda ? "true" : "false", mq ? "true" : "false");
	} else {
		h->m->kv_heads = 1;
		kvp__note(h->src, "kv_heads", KVP_ORIGIN_DERIVED, "%smulti_query"
		          " = true: one kv head (num_kv_heads is not used)",
		          h->prefix);
	}
	return KVP_OK;
}

/* K and V of groups heads, key's (given, else the config class's
 * default, whose is cls): a count that divides the heads, or reported. */
static kvp_status kv_groups(struct hf *h, const char *key, uint64_t groups, bool given,
                            const char *cls)
{
	if (!groups || h->m->heads % groups != 0)
		return kvp__hf_fail(h, key, "%llu kv heads for %u heads: a count that"
		                    " divides them is needed", (unsigned long long)groups,
		                    h->m->heads);
	h->m->kv_heads = (uint32_t)groups;
	kvp__note(h->src, "kv_heads", given ? KVP_ORIGIN_READ : KVP_ORIGIN_DEFAULTED,
	          "%s%s = %u%s%s%s", h->prefix, key, h->m->kv_heads, given ? "" : " (",
	          given ? "" : cls, given ? "" : "'s default)");
	return KVP_OK;
}

/* step3_text (Step3's language model, Step3TextConfig): its K and V of
 * num_attention_groups heads (1 by default), as vLLM's step3_text.py
 * takes its kv heads. */
static kvp_status rule_step3(struct hf *h)
{
	static const char *const k_groups[] = {"num_attention_groups", NULL};
	uint64_t groups = 1;
	int given;

	if ((given = kvp__hf_uint(h, NULL, k_groups, UINT32_MAX, &groups)) < 0)
		return KVP_ERR_PARSE;
	return kv_groups(h, k_groups[0], groups, given, "Step3TextConfig");
}

/* Hunyuan (HunYuanMoEV1Config, HunYuanDenseV1Config, and Hunyuan-A13B's
 * remote "hunyuan"): head_dim from attention_head_dim where head_dim is
 * absent.  Its cross-layer attention (use_cla) changes no layer's cache:
 * a follower layer keeps the K and V of the layer before in a cache of
 * its own (vLLM's hunyuan_v1.py HunyuanCrossAttention, an
 * ENCODER_DECODER Attention of the model's kv heads), and only its
 * weights lack k and v (lib/hf_shape.c). */
static kvp_status rule_hunyuan(struct hf *h)
{
	static const char *const k_dim[] = {"attention_head_dim", NULL};
	kvp_model *m = h->m;
	uint64_t dim = 0;

	if (kvp__hf_uint(h, NULL, k_dim, UINT32_MAX, &dim) < 0)
		return KVP_ERR_PARSE;
	if (!m->head_dim && dim) {
		m->head_dim = (uint32_t)dim;
		kvp__note(h->src, "head_dim", KVP_ORIGIN_READ, "%sattention_head_dim = %u",
		          h->prefix, m->head_dim);
	}
	return rule_plain(h);
}

/* dbrx (DbrxConfig): its attention's and experts' figures nested, in
 * attn_config (kv_n_heads, 1 by default) and ffn_config (moe_num_experts
 * 4, moe_top_k 1, ffn_hidden_size 3584 by default); max_seq_len its
 * context. */
static kvp_status rule_dbrx(struct hf *h)
{
	static const char *const k_kv[] = {"kv_n_heads", NULL};
	static const char *const k_experts[] = {"moe_num_experts", NULL};
	static const char *const k_top_k[] = {"moe_top_k", NULL};
	static const char *const k_ffn[] = {"ffn_hidden_size", NULL};
	static const char *const k_context[] = {"max_seq_len", NULL};
	json_t *attn = json_object_get(h->cfg, "attn_config");
	json_t *ffn = json_object_get(h->cfg, "ffn_config");
	struct hf in;
	uint64_t kv = 1, experts = 4, top_k = 1, size = 3584, context = 0;
	int given = 0;

	if (json_is_object(attn)) {
		in = kvp__hf_object(h, attn, "attn_config.");
		if ((given = kvp__hf_uint(&in, NULL, k_kv, UINT32_MAX, &kv)) < 0 ||
		    kv_groups(&in, k_kv[0], kv, given, "DbrxAttentionConfig") != KVP_OK)
			return KVP_ERR_PARSE;
	}
	if (json_is_object(ffn)) {
		in = kvp__hf_object(h, ffn, "ffn_config.");
		if (kvp__hf_uint(&in, NULL, k_experts, UINT16_MAX, &experts) < 0 ||
		    kvp__hf_uint(&in, NULL, k_top_k, UINT32_MAX, &top_k) < 0 ||
		    kvp__hf_uint(&in, NULL, k_ffn, UINT32_MAX, &size) < 0)
			return KVP_ERR_PARSE;
	}
	if (!json_is_object(attn) && kv_groups(h, "attn_config.kv_n_heads", kv, false,
	                                       "DbrxAttentionConfig") != KVP_OK)
		return KVP_ERR_PARSE;
	if (!experts || top_k > experts)
		return kvp__hf_fail(h, "ffn_config", "moe_top_k %llu of %llu experts",
		                    (unsigned long long)top_k, (unsigned long long)experts);
	h->m->moe_routed_experts = (uint32_t)experts;
	h->m->moe_top_k = (uint32_t)top_k;
	h->m->moe_intermediate = (uint32_t)size;
	if (!h->m->max_context) {
		if (kvp__hf_uint(h, "max_context", k_context, UINT64_MAX, &context) < 0)
			return KVP_ERR_PARSE;
		h->m->max_context = context;
	}
	return all_sliding(h, 0);
}

/* mllama's language model (Llama 3.2 Vision; MllamaTextModel): the
 * layers cross_attention_layers lists attend to the image's tokens, whose
 * K and V they cache, never to the text's: they hold no token of the
 * request (kind none; their weights are counted, hf_count.c).  The
 * image's K and V are not planned, and said. */
static kvp_status rule_mllama(struct hf *h)
{
	json_t *list = json_object_get(h->cfg, "cross_attention_layers"), *v;
	uint8_t kinds[KVP_PATTERN_MAX];
	size_t i;

	if (!json_is_array(list) || json_array_size(list) == 0)
		return KVP_OK;
	if (h->m->layers > KVP_PATTERN_MAX)
		return kvp__hf_fail(h, "cross_attention_layers", "%u layers, past %d",
		                    h->m->layers, KVP_PATTERN_MAX);
	memset(kinds, KVP_LAYER_FULL, h->m->layers);
	json_array_foreach(list, i, v) {
		json_int_t at = json_is_integer(v) ? json_integer_value(v) : -1;

		if (at < 0 || at >= (json_int_t)h->m->layers)
			return kvp__hf_fail(h, "cross_attention_layers", "entry %zu is not a"
			                    " layer from 0 to %u", i, h->m->layers - 1);
		kinds[at] = KVP_LAYER_NONE;
	}
	if (kvp__hf_set_layers(h, "cross_attention_layers", h->m->layers, kinds) != KVP_OK)
		return KVP_ERR_PARSE;
	kvp__note(h->src, "pattern", KVP_ORIGIN_READ, "%scross_attention_layers: %zu"
	          " layers attending to the image, none to the text", h->prefix,
	          json_array_size(list));
	kvp__source_warn(h->src, "%s: the %zu cross-attention layers' K and V of an"
	                 " image's tokens are not planned: the cache is the text's",
	                 h->path, json_array_size(list));
	return KVP_OK;
}

/* gpt_bigcode (StarCoder, SantaCoder; GPTBigCodeAttention): one kv head
 * with multi_query, which GPTBigCodeConfig sets by default. */
static kvp_status rule_gpt_bigcode(struct hf *h)
{
	static const char *const k_mq[] = {"multi_query", NULL};
	bool mq = true;

	if (kvp__hf_bool(h, k_mq, &mq) < 0)
		return KVP_ERR_PARSE;
	if (mq) {
		h->m->kv_heads = 1;
		kvp__note(h->src, "kv_heads", KVP_ORIGIN_DERIVED, "%smulti_query = true"
		          " (GPTBigCodeConfig's default): one kv head", h->prefix);
	}
	return all_sliding(h, 0);
}

/* chatglm (ChatGLM2 and 3, GLM-4-9B's THUDM checkpoints; their remote
 * modeling_chatglm.py SelfAttention, as vLLM's chatglm.py builds it):
 * with multi_query_attention its K and V are multi_query_group_num
 * groups, not a head each (ChatGLM3-6B's 2 of 32), each of kv_channels
 * values, as its queries are. */
static kvp_status rule_chatglm(struct hf *h)
{
	static const char *const k_mq[] = {"multi_query_attention", NULL};
	static const char *const k_groups[] = {"multi_query_group_num", NULL};
	static const char *const k_channels[] = {"kv_channels", NULL};
	bool mq = false;
	uint64_t groups = 1, channels = 128; /* ChatGLMConfig's defaults */
	int given, given_groups;

	if (kvp__hf_bool(h, k_mq, &mq) < 0 ||
	    (given_groups = kvp__hf_uint(h, NULL, k_groups, UINT32_MAX, &groups)) < 0 ||
	    (given = kvp__hf_uint(h, NULL, k_channels, UINT32_MAX, &channels)) < 0)
		return KVP_ERR_PARSE;
	if (channels == 0)
		return kvp__hf_fail(h, "kv_channels", "0 values a head");
	h->m->head_dim = (uint32_t)channels;
	kvp__note(h->src, "head_dim", given ? KVP_ORIGIN_READ : KVP_ORIGIN_DEFAULTED,
	          "%skv_channels = %u%s", h->prefix, h->m->head_dim,
	          given ? "" : " (ChatGLMConfig's default)");
	/* ChatGLM (v1, THUDM/chatglm-6b) shares the model_type with another
	 * layout (inner_hidden_size, a GELU MLP, biases everywhere) */
	if (json_object_get(h->cfg, "inner_hidden_size"))
		kvp__source_warn(h->src, "%s: inner_hidden_size names ChatGLM (v1), read"
		                 " as ChatGLM2's layout: its parameters are not counted as"
		                 " its own", h->path);
	return mq ? kv_groups(h, k_groups[0], groups, given_groups, "ChatGLMConfig") : KVP_OK;
}

/* Multi-head latent attention, from the fields (never the name). */
static kvp_status mla(struct hf *h)
{
	static const char *const k_rank[] = {"kv_lora_rank", NULL};
	static const char *const k_rope[] = {"qk_rope_head_dim", NULL};
	static const char *const k_nope[] = {"qk_nope_head_dim", NULL};
	static const char *const k_v[] = {"v_head_dim", NULL};
	static const char *const k_q[] = {"q_lora_rank", NULL};
	kvp_model *m = h->m;
	uint64_t rank = 0, rope = 0, nope = 0, v = 0, q = 0;

	if (kvp__hf_uint(h, "kv_lora_rank", k_rank, UINT32_MAX, &rank) < 0 ||
	    kvp__hf_uint(h, "qk_rope_dim", k_rope, UINT32_MAX, &rope) < 0 ||
	    kvp__hf_uint(h, "qk_nope_dim", k_nope, UINT32_MAX, &nope) < 0 ||
	    kvp__hf_uint(h, "v_head_dim", k_v, UINT32_MAX, &v) < 0 ||
	    kvp__hf_uint(h, "q_lora_rank", k_q, UINT32_MAX, &q) < 0)
		return KVP_ERR_PARSE;
	if (rank == 0) {
		/* DeepSeek's types are latent attention where kv_lora_rank is
		 * not None (vLLM's is_deepseek_mla, TensorRT-LLM's alike): a
		 * null rank is plain heads (DeepSeek-VL2's and DeepSeek-OCR's
		 * language models, "use_mla": false), but a rank left out or
		 * 0 would read a latent model as plain heads, many times the
		 * size.  The sparse types' indexer needs the latent: null too
		 * is refused there. */
		static const char *const latent[] = {"deepseek_v2", "deepseek_v3",
		                                     "deepseek_v32", "glm_moe_dsa",
		                                     "kimi_k2", NULL};
		json_t *given = json_object_get(h->cfg, "kv_lora_rank");
		bool sparse = strcmp(h->family, "deepseek_v32") == 0 ||
		              strcmp(h->family, "glm_moe_dsa") == 0;

		for (size_t i = 0; latent[i]; i++)
			if (strcmp(h->family, latent[i]) == 0 &&
			    (sparse || !json_is_null(given)))
				return kvp__hf_fail(h, "kv_lora_rank", "%s: model_type %s is"
				                    " multi-head latent attention, whose"
				                    " latent this is",
				                    !given ? "absent" : json_is_null(given) ? "null"
				                    : "0", latent[i]);
		return KVP_OK;
	}
	m->kv_lora_rank = (uint32_t)rank;
	m->q_lora_rank = (uint32_t)q; /* null in DeepSeek-V2-Lite's: 0 */
	if (kvp__sparse_mla(m) && kvp__hf_indexer(h) != KVP_OK)
		return KVP_ERR_PARSE;
	/* MiniCPM3's config leaves v_head_dim out: MiniCPM3Config's default,
	 * hidden_size / num_attention_heads (vLLM's MiniCPM3Attention) */
	if (!v && strcmp(h->family, "minicpm3") == 0 && m->heads) {
		v = m->hidden / m->heads;
		kvp__note(h->src, "v_head_dim", KVP_ORIGIN_DEFAULTED, "%sv_head_dim absent:"
		          " hidden_size / num_attention_heads = %u / %u (MiniCPM3Config)",
		          h->prefix, m->hidden, m->heads);
	}
	m->qk_rope_dim = (uint32_t)rope;
	m->qk_nope_dim = (uint32_t)nope;
	m->v_head_dim = (uint32_t)v;
	/* A query head is nope + rope wide.  head_dim, where a file has it,
	 * is the rope part in transformers' MLA configurations (DeepseekV3Config
	 * and GlmMoeDsaConfig set head_dim = qk_rope_head_dim; GLM-5's file
	 * says 64 beside qk_head_dim 256): the width is derived. */
	if (nope + rope && nope + rope <= UINT32_MAX && m->head_dim != nope + rope) {
		m->head_dim = (uint32_t)(nope + rope);
		kvp__note(h->src, "head_dim", KVP_ORIGIN_DERIVED, "%sqk_nope_head_dim"
		          " + qk_rope_head_dim = %llu + %llu", h->prefix,
		          (unsigned long long)nope, (unsigned long long)rope);
	}
	return KVP_OK;
}

/* The defaults of the configuration classes (transformers v4.57,
 * each class's __init__ signature), for the keys kvplan reads that real
 * files leave out: Gemma 3's text_config often names only a few. */
static const struct hf_default d_llama[] = {
	{"vocab_size", 32000, NULL}, {"hidden_size", 4096, NULL},
	{"num_hidden_layers", 32, NULL},
	{"num_attention_heads", 32, NULL}, {"max_position_embeddings", 2048, NULL},
	{"intermediate_size", 11008, NULL}, {NULL, 0, NULL}};
static const struct hf_default d_mistral[] = {
	{"vocab_size", 32000, NULL}, {"hidden_size", 4096, NULL},
	{"num_hidden_layers", 32, NULL},
	{"num_attention_heads", 32, NULL}, {"num_key_value_heads", 8, NULL},
	{"max_position_embeddings", 131072, NULL}, {"intermediate_size", 14336, NULL},
	{NULL, 0, NULL}};
static const struct hf_default d_gemma2[] = {
	{"vocab_size", 256000, NULL}, {"hidden_size", 2304, NULL},
	{"num_hidden_layers", 26, NULL},
	{"num_attention_heads", 8, NULL}, {"num_key_value_heads", 4, NULL},
	{"head_dim", 256, NULL},
	{"max_position_embeddings", 8192, NULL}, {"intermediate_size", 9216, NULL},
	{NULL, 0, NULL}};
static const struct hf_default d_gemma3[] = {
	{"vocab_size", 262208, NULL}, {"hidden_size", 2304, NULL},
	{"num_hidden_layers", 26, NULL},
	{"num_attention_heads", 8, NULL}, {"num_key_value_heads", 4, NULL},
	{"head_dim", 256, NULL},
	{"max_position_embeddings", 131072, NULL}, {"intermediate_size", 9216, NULL},
	{NULL, 0, NULL}};
static const struct hf_default d_falcon[] = {
	{"vocab_size", 65024, NULL}, {"hidden_size", 4544, NULL},
	{"num_hidden_layers", 32, NULL},
	{"num_attention_heads", 71, NULL}, {"max_position_embeddings", 2048, NULL},
	{NULL, 0, NULL}};
static const struct hf_default d_gpt2[] = {
	{"vocab_size", 50257, NULL}, {"n_positions", 1024, NULL}, {"n_embd", 768, NULL},
	{"n_layer", 12, NULL}, {"n_head", 12, NULL}, {NULL, 0, NULL}};

/* Qwen3-Next's config.json says no MTP layer, yet its checkpoints ship
 * one (mtp.*): vLLM's Qwen3NextMTP takes getattr(config,
 * "num_nextn_predict_layers", 1) (vllm/model_executor/models/
 * qwen3_next_mtp.py, main of 2026-12-04). */
static const struct hf_default d_qwen3_next[] = {
	{"num_nextn_predict_layers", 1, "vLLM's Qwen3NextMTP"}, {NULL, 0, NULL}};

/* MambaConfig's and FalconMambaConfig's (their __init__ alike), and
 * Mamba2Config's. */
static const struct hf_default d_mamba[] = {
	{"vocab_size", 50280, NULL}, {"hidden_size", 768, NULL},
	{"state_size", 16, NULL}, {"num_hidden_layers", 32, NULL},
	{"conv_kernel", 4, NULL}, {"expand", 2, NULL}, {NULL, 0, NULL}};
static const struct hf_default d_mamba2[] = {
	{"num_heads", 128, NULL}, {"head_dim", 64, NULL}, {"vocab_size", 32768, NULL},
	{"hidden_size", 4096, NULL}, {"state_size", 128, NULL},
	{"num_hidden_layers", 64, NULL}, {"expand", 2, NULL}, {"conv_kernel", 4, NULL},
	{"n_groups", 8, NULL}, {"chunk_size", 256, NULL}, {NULL, 0, NULL}};

/* Lfm2Config's (configuration_lfm2.py). */
static const struct hf_default d_lfm2[] = {
	{"vocab_size", 65536, NULL}, {"hidden_size", 2560, NULL},
	{"num_hidden_layers", 32, NULL}, {"num_attention_heads", 32, NULL},
	{"num_key_value_heads", 8, NULL}, {"max_position_embeddings", 128000, NULL},
	{"conv_L_cache", 3, NULL}, {"block_multiple_of", 256, NULL}, {NULL, 0, NULL}};

/* Lfm2MoeConfig's (configuration_lfm2_moe.py). */
static const struct hf_default d_lfm2_moe[] = {
	{"vocab_size", 65536, NULL}, {"hidden_size", 2048, NULL},
	{"num_hidden_layers", 24, NULL}, {"num_attention_heads", 32, NULL},
	{"num_key_value_heads", 8, NULL}, {"max_position_embeddings", 128000, NULL},
	{"conv_L_cache", 3, NULL}, {"intermediate_size", 7168, NULL},
	{"moe_intermediate_size", 1792, NULL}, {"num_experts", 32, NULL},
	{"num_experts_per_tok", 4, NULL}, {"num_dense_layers", 2, NULL}, {NULL, 0, NULL}};

/* FalconH1Config's defaults (configuration_falcon_h1.py): mamba_d_ssm
 * 1024 where the key is absent (null: mamba_expand x hidden_size). */
static const struct hf_default d_falcon_h1[] = {
	{"mamba_d_ssm", 1024, NULL}, {"mamba_n_heads", 128, NULL},
	{"mamba_d_state", 256, NULL}, {"mamba_n_groups", 1, NULL},
	{"mamba_d_conv", 4, NULL}, {"mamba_expand", 2, NULL},
	{"mamba_chunk_size", 256, NULL}, {"num_key_value_heads", 8, NULL},
	{"vocab_size", 128000, NULL}, {"max_position_embeddings", 8192, NULL},
	{NULL, 0, NULL}};

static const struct hf_family families[] = {
	{"llama", "LlamaConfig", rule_plain, d_llama},
	{"mistral", "MistralConfig", rule_mistral, d_mistral},
	{"mixtral", "MixtralConfig", rule_plain, NULL},
	{"phi3", "Phi3Config", rule_plain, NULL},
	{"qwen2", "Qwen2Config", rule_qwen, NULL},
	{"qwen2_moe", "Qwen2MoeConfig", rule_qwen, NULL},
	{"qwen3", "Qwen3Config", rule_qwen, NULL},
	{"qwen3_moe", "Qwen3MoeConfig", rule_qwen, NULL},
	/* Qwen2-VL's and Qwen2.5-VL's language model, and MiMo's, are
	 * Qwen2's, with its use_sliding_window (false in every release) */
	{"qwen2_vl", "Qwen2VLConfig", rule_qwen, NULL},
	{"qwen2_vl_text", "Qwen2VLTextConfig", rule_qwen, NULL},
	{"qwen2_5_vl", "Qwen2_5_VLConfig", rule_qwen, NULL},
	{"qwen2_5_vl_text", "Qwen2_5_VLTextConfig", rule_qwen, NULL},
	{"mimo", "MiMoConfig", rule_qwen, NULL},
	/* Qwen3-VL's language model (text_config), dense and MoE: Qwen3's */
	{"qwen3_vl_text", "Qwen3VLTextConfig", rule_qwen, NULL},
	{"qwen3_vl_moe_text", "Qwen3VLMoeTextConfig", rule_qwen, NULL},
	{"gpt_bigcode", "GPTBigCodeConfig", rule_gpt_bigcode, NULL},
	{"mllama_text_model", "MllamaTextConfig", rule_mllama, NULL},
	{"step3_text", "Step3TextConfig", rule_step3, NULL},
	{"dbrx", "DbrxConfig", rule_dbrx, NULL},
	/* MiniCPM3's MLA (its v_head_dim below, mla()); each engine's cache
	 * of it, lib/plan.c */
	{"minicpm3", "MiniCPM3Config", rule_plain, NULL},
	{"hunyuan", "HunYuanConfig", rule_hunyuan, NULL},
	{"hunyuan_v1_moe", "HunYuanMoEV1Config", rule_hunyuan, NULL},
	{"hunyuan_v1_dense", "HunYuanDenseV1Config", rule_hunyuan, NULL},
	{"gemma", "GemmaConfig", rule_plain, NULL},
	{"gemma2", "Gemma2Config", rule_gemma2, d_gemma2},
	{"gemma3", "Gemma3TextConfig", rule_gemma3, d_gemma3},
	{"gemma3_text", "Gemma3TextConfig", rule_gemma3, d_gemma3},
	{"gemma3n", "Gemma3nTextConfig", kvp__hf_rule_gemma3n, kvp__hf_d_gemma3n},
	{"gemma3n_text", "Gemma3nTextConfig", kvp__hf_rule_gemma3n, kvp__hf_d_gemma3n},
	{"gemma4", "Gemma4TextConfig", kvp__hf_rule_gemma4, kvp__hf_d_gemma4},
	{"gemma4_text", "Gemma4TextConfig", kvp__hf_rule_gemma4, kvp__hf_d_gemma4},
	{"gpt_oss", "GptOssConfig", rule_gpt_oss, NULL},
	{"cohere2", "Cohere2Config", rule_cohere2, NULL},
	{"llama4", "Llama4TextConfig", rule_llama4, NULL},
	{"llama4_text", "Llama4TextConfig", rule_llama4, NULL},
	{"falcon", "FalconConfig", rule_falcon, d_falcon},
	{"chatglm", "ChatGLMConfig", rule_chatglm, NULL},
	{"gpt2", "GPT2Config", rule_plain, d_gpt2},
	{"gpt_neox", "GPTNeoXConfig", rule_plain, NULL},
	{"deepseek_v2", "DeepseekV2Config", rule_plain, NULL},
	{"deepseek_v3", "DeepseekV3Config", rule_plain, NULL},
	{"deepseek_v32", "DeepseekV32Config", rule_plain, NULL},
	{"glm_moe_dsa", "GlmMoeDsaConfig", rule_plain, NULL},
	{"kimi_k2", "DeepseekV3Config", rule_plain, NULL},
	{"glm4_moe", "Glm4MoeConfig", rule_plain, NULL},
	{"glm4", "Glm4Config", rule_plain, NULL},
	{"qwen3_next", "Qwen3NextConfig", kvp__hf_rule_qwen3_next, d_qwen3_next},
	/* Qwen3.5's text model (text_config of Qwen3_5ForConditionalGeneration,
	 * or a text-only checkpoint's top level): Qwen3-Next's keys. */
	{"qwen3_5_text", "Qwen3_5TextConfig", kvp__hf_rule_qwen3_next, NULL},
	{"qwen3_5_moe_text", "Qwen3_5MoeTextConfig", kvp__hf_rule_qwen3_next, NULL},
	{"nemotron_h", "NemotronHConfig", kvp__hf_rule_nemotron_h, NULL},
	{"granitemoehybrid", "GraniteMoeHybridConfig",
	 kvp__hf_rule_granite_hybrid, NULL},
	{"jamba", "JambaConfig", kvp__hf_rule_jamba, NULL},
	{"falcon_h1", "FalconH1Config", kvp__hf_rule_falcon_h1, d_falcon_h1},
	{"kimi_linear", "KimiLinearConfig", kvp__hf_rule_kimi_linear, NULL},
	{"lfm2", "Lfm2Config", kvp__hf_rule_lfm2, d_lfm2},
	{"lfm2_moe", "Lfm2MoeConfig", kvp__hf_rule_lfm2, d_lfm2_moe},
	{"mamba", "MambaConfig", kvp__hf_rule_mamba, d_mamba},
	{"falcon_mamba", "FalconMambaConfig", kvp__hf_rule_mamba, d_mamba},
	{"mamba2", "Mamba2Config", kvp__hf_rule_mamba2, d_mamba2},
};

const struct hf_family *kvp__hf_find(const char *type)
{
	for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
		if (strcmp(type, families[i].type) == 0)
			return &families[i];
	return NULL;
}

kvp_status kvp__hf_family(struct hf *h)
{
	kvp_status st = h->fam ? h->fam->rule(h) : rule_plain(h);

	if (st != KVP_OK)
		return st;
	/* A window as long as the context holds every token: full attention,
	 * as the catalogue plans Phi-4-mini (window 262,144, context
	 * 131,072). */
	if (h->window_covers && kvp_model_count_layers(h->m, KVP_LAYER_SLIDING)) {
		for (uint32_t i = 0; i < h->m->pattern_len; i++)
			if (h->m->pattern[i] == KVP_LAYER_SLIDING)
				h->m->pattern[i] = KVP_LAYER_FULL;
		kvp__note(h->src, "sliding_window", KVP_ORIGIN_DERIVED, "%s"
		          "sliding_window %llu >= max_position_embeddings %llu:"
		          " every token is in the window, planned as full",
		          h->prefix, (unsigned long long)h->m->sliding_window,
		          (unsigned long long)h->m->max_context);
		h->m->sliding_window = 0;
	}
	return mla(h);
}
