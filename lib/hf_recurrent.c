/*
 * hf_recurrent.c — config.json families with recurrent layers: which
 * layers they are, and their state in llama.cpp's four numbers (kvp_model:
 * conv kernel, inner size, state size, groups).  Layouts from transformers
 * v4.57 (configuration_<family>.py); the state as llama.cpp sizes it
 * (src/llama-hparams.cpp, n_embd_r and n_embd_s).
 */
#include <string.h>

#include "hfconfig.h"

struct ssm_keys {
	const char *const *conv, *const *inner, *const *heads, *const *head_dim,
	               *const *expand, *const *state, *const *groups;
};

/* The state numbers: inner from its key, or heads x head dim, or expand x
 * hidden (Mamba's d_inner). */
static kvp_status ssm(struct hf *h, const struct ssm_keys *k)
{
	/* vllm/config/model.py get_mamba_chunk_size: mamba_chunk_size
	 * (Bamba, Falcon-H1, Granite), else chunk_size (Mamba2, Nemotron-H,
	 * Zamba). */
	static const char *const k_chunk[] = {"mamba_chunk_size", "chunk_size", NULL};
	kvp_model *m = h->m;
	uint64_t conv = 0, inner = 0, heads = 0, hd = 0, expand = 0, state = 0,
	         groups = 0, chunk = 0;

	if (kvp__hf_uint(h, "ssm_conv_kernel", k->conv, UINT32_MAX, &conv) < 0 ||
	    (k->inner && kvp__hf_uint(h, NULL, k->inner, UINT32_MAX, &inner) < 0) ||
	    (k->heads && kvp__hf_uint(h, NULL, k->heads, UINT32_MAX, &heads) < 0) ||
	    (k->head_dim && kvp__hf_uint(h, NULL, k->head_dim, UINT32_MAX, &hd) < 0) ||
	    (k->expand && kvp__hf_uint(h, NULL, k->expand, UINT32_MAX, &expand) < 0) ||
	    kvp__hf_uint(h, "ssm_state", k->state, UINT32_MAX, &state) < 0 ||
	    (k->groups && kvp__hf_uint(h, "ssm_groups", k->groups, UINT32_MAX,
	                               &groups) < 0) ||
	    kvp__hf_uint(h, "ssm_chunk_size", k_chunk, UINT32_MAX, &chunk) < 0)
		return KVP_ERR_PARSE;
	if (!inner && heads && hd) {
		inner = heads * hd; /* both below 2^32 */
		kvp__note(h->src, "ssm_inner", KVP_ORIGIN_DERIVED, "%s%s x %s ="
		          " %llu x %llu", h->prefix, k->heads[0], k->head_dim[0],
		          (unsigned long long)heads, (unsigned long long)hd);
	} else if (!inner && expand && m->hidden) {
		inner = expand * m->hidden;
		kvp__note(h->src, "ssm_inner", KVP_ORIGIN_DERIVED, "%s%s x hidden_size"
		          " = %llu x %u", h->prefix, k->expand[0],
		          (unsigned long long)expand, m->hidden);
	} else if (inner) {
		kvp__note(h->src, "ssm_inner", KVP_ORIGIN_READ, "%s%s = %llu",
		          h->prefix, k->inner[0], (unsigned long long)inner);
	}
	if (inner > UINT32_MAX)
		return kvp__hf_fail(h, k->expand ? k->expand[0] : "ssm", "an inner"
		                    " size of %llu is past 32 bits",
		                    (unsigned long long)inner);
	m->ssm_conv_kernel = (uint32_t)conv;
	m->ssm_inner = (uint32_t)inner;
	m->ssm_state = (uint32_t)state;
	m->ssm_groups = (uint32_t)groups;
	m->ssm_chunk_size = (uint32_t)chunk;
	m->ssm_heads = heads <= UINT32_MAX ? (uint32_t)heads : 0;
	return KVP_OK;
}

/* The SSM state's type a config names for vLLM's "auto" under key
 * (Nemotron-H's mamba_ssm_cache_dtype, Qwen3.5's mamba_ssm_dtype), into
 * ssm_cache_bytes: float32 and float 4, float16, bfloat16 and half 2,
 * auto none (vllm/config/cache.py's choices and torch's names). */
static kvp_status ssm_cache_dtype(struct hf *h, const char *key)
{
	static const struct {
		const char *name;
		uint32_t bytes;
	} types[] = {{"float32", 4}, {"float", 4}, {"float16", 2}, {"bfloat16", 2},
		{"half", 2}, {"auto", 0}};
	json_t *t = json_object_get(h->cfg, key);
	const char *s = json_string_value(t);
	size_t i = 0;

	if (!t || json_is_null(t))
		return KVP_OK;
	while (s && i < sizeof types / sizeof types[0] && strcmp(s, types[i].name) != 0)
		i++;
	if (!s || i == sizeof types / sizeof types[0])
		return kvp__hf_fail(h, key, "not float32, float16, bfloat16 or auto");
	h->m->ssm_cache_bytes = types[i].bytes;
	kvp__note(h->src, "ssm_cache_bytes", KVP_ORIGIN_READ, "%s%s = %s", h->prefix, key, s);
	return KVP_OK;
}

/* Qwen3-Next: Gated DeltaNet layers with a full-attention layer every
 * full_attention_interval (4).  A DeltaNet state is value heads x key dim
 * x value dim, and its conv runs over the q, k and v projections:
 * llama.cpp's numbers with inner = value heads x value dim, state = key
 * dim, groups = key heads. */
kvp_status kvp__hf_rule_qwen3_next(struct hf *h)
{
	static const char *const k_every[] = {"full_attention_interval", NULL};
	static const char *const k_conv[] = {"linear_conv_kernel_dim", NULL};
	static const char *const k_vh[] = {"linear_num_value_heads", NULL};
	static const char *const k_vd[] = {"linear_value_head_dim", NULL};
	static const char *const k_kd[] = {"linear_key_head_dim", NULL};
	static const char *const k_kh[] = {"linear_num_key_heads", NULL};
	static const struct ssm_keys keys = {.conv = k_conv, .heads = k_vh,
		.head_dim = k_vd, .state = k_kd, .groups = k_kh};
	uint64_t every = 4;
	int r = kvp__hf_layer_types(h);
	kvp_status st;

	if (r < 0 || kvp__hf_uint(h, NULL, k_every, UINT64_MAX, &every) < 0)
		return KVP_ERR_PARSE;
	if (r == 0 && (st = kvp__hf_every_nth(h, every, KVP_LAYER_RECURRENT,
	                                      KVP_LAYER_FULL,
	                                      "full_attention_interval")) != KVP_OK)
		return st;
	/* Qwen3.5's: vLLM's Qwen3_5ForConditionalGenerationConfig takes it
	 * for its "auto" (lib/engine_state.c kvp__engine_ssm_dtype) */
	if ((st = ssm_cache_dtype(h, "mamba_ssm_dtype")) != KVP_OK)
		return st;
	return ssm(h, &keys);
}

/* Kimi-Linear (KimiLinearConfig, its remote configuration_kimi.py; research:
 * /work/research/kimi-linear-params.md, kimi-linear-engines.md): a layer
 * is Kimi Delta Attention where its 1-based number is in
 * linear_attn_config.kda_layers (is_kda_layer: (i + 1) in kda_layers), else
 * MLA (NoPE, its latent and rope values cached all the same); full_attn_layers
 * is not read.  A KDA state is a Gated DeltaNet's of equal keys and values:
 * num_heads heads of head_dim, a short convolution of short_conv_kernel_size
 * over q, k and v, so inner = heads x head_dim, state = head_dim, groups =
 * heads.  The config's head_dim (72) and num_key_value_heads size no
 * layer. */
kvp_status kvp__hf_rule_kimi_linear(struct hf *h)
{
	static const char *const k_conv[] = {"short_conv_kernel_size", NULL};
	static const char *const k_heads[] = {"num_heads", NULL};
	static const char *const k_hd[] = {"head_dim", NULL};
	static const struct ssm_keys keys = {.conv = k_conv, .heads = k_heads, .head_dim = k_hd,
		.state = k_hd, .groups = k_heads};
	json_t *lin = json_object_get(h->cfg, "linear_attn_config"), *list, *v;
	uint8_t kinds[KVP_PATTERN_MAX];
	struct hf in;
	size_t i;
	uint32_t kda = 0;
	kvp_status st;

	/* Kimi K3's text model says kimi_linear too, with its own gates,
	 * output gate and latent experts (research: kimi-linear-params.md
	 * section 1.3), which this rule does not count */
	const char *top = json_string_value(json_object_get(h->top, "model_type"));

	if (h->top != h->cfg && top && strcmp(top, "kimi_k3") == 0)
		return kvp__hf_fail(h, "model_type", "kimi_linear inside Kimi K3 (kimi_k3):"
		                    " its full-rank gates, output gate and latent experts are"
		                    " not modelled");
	if (!json_is_object(lin))
		return kvp__hf_fail(h, "linear_attn_config", "%s: which layers are Kimi"
		                    " Delta Attention, and their shape", lin ? "not an object"
		                    : "missing");
	in = kvp__hf_object(h, lin, "linear_attn_config.");
	list = json_object_get(lin, "kda_layers");
	if (!json_is_array(list))
		return kvp__hf_fail(&in, "kda_layers", "expected a list of layer numbers"
		                    " (1-based)");
	if (h->m->layers > KVP_PATTERN_MAX)
		return kvp__hf_fail(h, "num_hidden_layers", "%u layers: kvplan holds a list"
		                    " of at most %d", h->m->layers, KVP_PATTERN_MAX);
	memset(kinds, KVP_LAYER_MLA, sizeof kinds);
	json_array_foreach(list, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 1 ||
		    json_integer_value(v) > (json_int_t)h->m->layers)
			return kvp__hf_fail(&in, "kda_layers", "entry %zu is not a layer number"
			                    " (1 to %u)", i, h->m->layers);
		kinds[json_integer_value(v) - 1] = KVP_LAYER_RECURRENT;
	}
	for (uint32_t l = 0; l < h->m->layers; l++)
		kda += kinds[l] == KVP_LAYER_RECURRENT;
	if ((st = kvp__hf_set_layers(h, "linear_attn_config.kda_layers", h->m->layers,
	                             kinds)) != KVP_OK)
		return st;
	kvp__note(h->src, "pattern", KVP_ORIGIN_READ, "%slinear_attn_config.kda_layers:"
	          " %u Kimi Delta Attention layers (1-based), the other %u MLA", h->prefix,
	          kda, h->m->layers - kda);
	if ((st = ssm(&in, &keys)) != KVP_OK)
		return st;
	if (!h->m->ssm_inner || !h->m->ssm_state || !h->m->ssm_conv_kernel)
		return kvp__hf_fail(&in, !h->m->ssm_conv_kernel ? "short_conv_kernel_size"
		                    : !h->m->ssm_state ? "head_dim" : "num_heads",
		                    "missing or 0: Kimi Delta Attention needs num_heads,"
		                    " head_dim and short_conv_kernel_size");
	if (h->m->ssm_conv_kernel < 2)
		return kvp__hf_fail(&in, "short_conv_kernel_size", "%u: a convolution of fewer"
		                    " than 2 taps keeps no state", h->m->ssm_conv_kernel);
	return KVP_OK;
}

static const char *const k_conv_kernel[] = {"conv_kernel", NULL};
static const char *const k_state_size[] = {"ssm_state_size", NULL};
static const char *const k_n_groups[] = {"n_groups", NULL};
static const char *const k_expand[] = {"expand", NULL};

/* Nemotron-H: layers_block_type (or layer_types), else
 * hybrid_override_pattern, gives each layer (lib/hf_nemotron.c): M
 * Mamba-2, * attention, - MLP and E MoE (no cache). */
kvp_status kvp__hf_rule_nemotron_h(struct hf *h)
{
	static const char *const k_mh[] = {"mamba_num_heads", NULL};
	static const char *const k_md[] = {"mamba_head_dim", NULL};
	static const struct ssm_keys keys = {.conv = k_conv_kernel,
		.heads = k_mh, .head_dim = k_md, .expand = k_expand,
		.state = k_state_size, .groups = k_n_groups};
	const char *key = kvp__hf_nemotron_key(h);
	char blocks[KVP_PATTERN_MAX], mtp[KVP__NEMOTRON_MTP_MAX];
	uint8_t kinds[KVP_PATTERN_MAX];
	size_t n = 0, k = 0, attention = 0;
	int r = kvp__hf_nemotron_pattern(h, blocks, sizeof blocks, &n);
	kvp_status st;

	if (r < 0 && n <= KVP_PATTERN_MAX)
		return KVP_ERR_PARSE; /* reported */
	if (r == 0)
		return kvp__hf_fail(h, key, "missing, or not a string of M, *, - and E");
	if (r < 0 || n != h->m->layers)
		return kvp__hf_fail(h, key, "%zu layers for num_hidden_layers %u (at most"
		                    " %d)", n, h->m->layers, KVP_PATTERN_MAX);
	for (size_t i = 0; i < n; i++)
		kinds[i] = blocks[i] == 'M' ? KVP_LAYER_RECURRENT
		           : blocks[i] == '*' ? KVP_LAYER_FULL : KVP_LAYER_NONE;
	if ((st = kvp__hf_set_layers(h, key, n, kinds)) != KVP_OK)
		return st;
	kvp__note(h->src, "pattern", KVP_ORIGIN_READ, "%s%s (M recurrent, * attention,"
	          " - and E none)", h->prefix, key);
	/* An MTP layer's blocks (hf_nemotron.c): its cache is one attention
	 * layer's (lib/draft.c mtp_groups), as vLLM builds "*E" (its
	 * NemotronHMultiTokenPredictor raises NotImplementedError for other
	 * blocks than * and E; an MLP block, -, caches nothing and is
	 * counted).  A layer of no attention, of two, or of a Mamba block's
	 * state is not modelled: its MTP layers are then left out, and said. */
	if (h->m->mtp_layers) {
		if (kvp__hf_nemotron_mtp(h, mtp, sizeof mtp, &k) < 0)
			return KVP_ERR_PARSE;
		for (size_t i = 0; i < k; i++)
			attention += mtp[i] == '*';
		if (attention != 1 || memchr(mtp, 'M', k)) {
			kvp__source_warn(h->src, "%s: the MTP layers' blocks \"%.*s\" are"
			                 " not modelled (one attention block, and E or -"
			                 " blocks): they are left out", h->path, (int)k, mtp);
			kvp__note(h->src, "mtp_layers", KVP_ORIGIN_DERIVED, "0: their"
			          " blocks \"%.*s\" are not modelled (one attention"
			          " block, and E or - blocks)", (int)k, mtp);
			h->m->mtp_layers = 0;
		} else if (h->m->mtp_layers > 1) {
			/* nemotron_h_mtp.py asserts num_mtp_layers == 1, as
			 * llama.cpp's converter asserts n_nextn == 1 */
			kvp__source_warn(h->src, "%s: %u MTP layers: vLLM and llama.cpp build a"
			                 " Nemotron-H's one alone (they refuse more)", h->path,
			                 h->m->mtp_layers);
		}
	}
	/* The SSM state's type vLLM takes for its "auto" (lib/engine_state.c
	 * kvp__engine_ssm_dtype). */
	if ((st = ssm_cache_dtype(h, "mamba_ssm_cache_dtype")) != KVP_OK)
		return st;
	return ssm(h, &keys);
}

/* Granite 4.0 hybrids: layer_types of "mamba" and "attention". */
kvp_status kvp__hf_rule_granite_hybrid(struct hf *h)
{
	static const char *const k_conv[] = {"mamba_d_conv", NULL};
	static const char *const k_mh[] = {"mamba_n_heads", NULL};
	static const char *const k_md[] = {"mamba_d_head", NULL};
	static const char *const k_ex[] = {"mamba_expand", NULL};
	static const char *const k_st[] = {"mamba_d_state", NULL};
	static const char *const k_gr[] = {"mamba_n_groups", NULL};
	static const struct ssm_keys keys = {.conv = k_conv, .heads = k_mh,
		.head_dim = k_md, .expand = k_ex, .state = k_st, .groups = k_gr};
	int r = kvp__hf_layer_types(h);

	if (r < 0)
		return KVP_ERR_PARSE;
	if (r == 0)
		return kvp__hf_fail(h, "layer_types", "missing: which layers are"
		                    " Mamba and which attention");
	return ssm(h, &keys);
}

/* Jamba: attention where i % attn_layer_period == attn_layer_offset (8
 * and 4), Mamba-1 elsewhere (no groups: conv (d_conv - 1) x d_inner). */
kvp_status kvp__hf_rule_jamba(struct hf *h)
{
	static const char *const k_period[] = {"attn_layer_period", NULL};
	static const char *const k_offset[] = {"attn_layer_offset", NULL};
	static const char *const k_conv[] = {"mamba_d_conv", NULL};
	static const char *const k_ex[] = {"mamba_expand", NULL};
	static const char *const k_st[] = {"mamba_d_state", NULL};
	static const struct ssm_keys keys = {.conv = k_conv, .expand = k_ex,
		.state = k_st};
	uint64_t period = 8, offset = 4, len;

	if (kvp__hf_uint(h, NULL, k_period, UINT64_MAX, &period) < 0 ||
	    kvp__hf_uint(h, NULL, k_offset, UINT64_MAX, &offset) < 0)
		return KVP_ERR_PARSE;
	if (period == 0 || period > KVP_PATTERN_MAX || offset >= period)
		return kvp__hf_fail(h, "attn_layer_period", "period %llu with offset"
		                    " %llu (a period of 1 to %d, the offset below it)",
		                    (unsigned long long)period,
		                    (unsigned long long)offset, KVP_PATTERN_MAX);
	len = period < h->m->layers ? period : h->m->layers;
	for (uint64_t i = 0; i < len; i++)
		h->m->pattern[i] = i == offset ? KVP_LAYER_FULL : KVP_LAYER_RECURRENT;
	h->m->pattern_len = (uint32_t)len;
	kvp__note(h->src, "pattern", KVP_ORIGIN_DERIVED, "%sattn_layer_period %llu,"
	          " attn_layer_offset %llu", h->prefix, (unsigned long long)period,
	          (unsigned long long)offset);
	return ssm(h, &keys);
}

/* Falcon-H1 (FalconH1Config, modeling_falcon_h1.py): attention and a
 * Mamba-2 mixer side by side in every layer, each cached (kvp_model
 * ssm_parallel).  The mixer's width is mamba_d_ssm, which every engine
 * reads (vLLM's FalconH1ForCausalLM.get_mamba_state_shape_from_config,
 * llama.cpp's converter's ssm.inner_size), never mamba_expand x hidden
 * but where mamba_d_ssm is null; absent, the class's 1024 (d_falcon_h1).
 * Its heads are mamba_n_heads (mamba_d_head may be "auto": width /
 * heads). */
kvp_status kvp__hf_rule_falcon_h1(struct hf *h)
{
	static const char *const k_conv[] = {"mamba_d_conv", NULL};
	static const char *const k_inner[] = {"mamba_d_ssm", NULL};
	static const char *const k_mh[] = {"mamba_n_heads", NULL};
	static const char *const k_ex[] = {"mamba_expand", NULL};
	static const char *const k_st[] = {"mamba_d_state", NULL};
	static const char *const k_gr[] = {"mamba_n_groups", NULL};
	static const struct ssm_keys width = {.conv = k_conv, .inner = k_inner,
		.heads = k_mh, .state = k_st, .groups = k_gr};
	static const struct ssm_keys expand = {.conv = k_conv, .heads = k_mh,
		.expand = k_ex, .state = k_st, .groups = k_gr};
	json_t *d_ssm = json_object_get(h->cfg, "mamba_d_ssm");
	json_t *d_head = json_object_get(h->cfg, "mamba_d_head");
	const kvp_model *m = h->m;
	kvp_status st;

	st = ssm(h, d_ssm && json_is_null(d_ssm) ? &expand : &width);
	if (st != KVP_OK)
		return st;
	/* FalconH1Config's checks (d_head x n_heads = the width), and a
	 * Mamba-2 mixer's: a state, a conv kernel, groups that divide the
	 * heads */
	if (m->ssm_inner == 0)
		return kvp__hf_fail(h, d_ssm && json_is_null(d_ssm) ? "mamba_expand" : "mamba_d_ssm",
		                    "the mixer has no channels");
	if (m->ssm_heads == 0 || m->ssm_inner % m->ssm_heads != 0)
		return kvp__hf_fail(h, "mamba_n_heads", "%u heads do not divide the"
		                    " mixer's %u channels", m->ssm_heads, m->ssm_inner);
	if (m->ssm_state == 0 || m->ssm_conv_kernel == 0)
		return kvp__hf_fail(h, m->ssm_state ? "mamba_d_conv" : "mamba_d_state",
		                    "0 (or null): a Mamba-2 mixer has a state and a conv kernel");
	if (m->ssm_groups == 0 || m->ssm_heads % m->ssm_groups != 0)
		return kvp__hf_fail(h, "mamba_n_groups", "%u groups do not divide the"
		                    " mixer's %u heads", m->ssm_groups, m->ssm_heads);
	if (d_head && !json_is_null(d_head) &&
	    !(json_is_string(d_head) && strcmp(json_string_value(d_head), "auto") == 0) &&
	    !(json_is_integer(d_head) &&
	      (uint64_t)json_integer_value(d_head) * m->ssm_heads == m->ssm_inner))
		return kvp__hf_fail(h, "mamba_d_head", "not \"auto\" nor the mixer's %u"
		                    " channels over its %u heads (%u)", m->ssm_inner,
		                    m->ssm_heads, m->ssm_inner / m->ssm_heads);
	h->m->ssm_parallel = true;
	kvp__note(h->src, "ssm_parallel", KVP_ORIGIN_DERIVED, "%s: every layer"
	          " attention and a Mamba-2 mixer side by side, both cached", h->family);
	return KVP_OK;
}

/* A model of mixers alone: every layer recurrent. */
static void all_recurrent(struct hf *h, const char *mixer)
{
	h->m->pattern[0] = KVP_LAYER_RECURRENT;
	h->m->pattern_len = 1;
	kvp__note(h->src, "pattern", KVP_ORIGIN_DERIVED, "%s: every layer a %s mixer",
	          h->family, mixer);
}

/* Mamba (state-spaces' mamba-*-hf, MambaConfig) and Falcon Mamba
 * (FalconMambaConfig): every layer a Mamba-1 mixer, d_inner =
 * intermediate_size (the classes set it to expand x hidden_size), the
 * state state_size, no groups; no attention layer. */
kvp_status kvp__hf_rule_mamba(struct hf *h)
{
	static const char *const k_inner[] = {"intermediate_size", NULL};
	static const char *const k_st[] = {"state_size", NULL};
	static const struct ssm_keys keys = {.conv = k_conv_kernel, .inner = k_inner,
		.expand = k_expand, .state = k_st};

	all_recurrent(h, "Mamba-1");
	return ssm(h, &keys);
}

/* Mamba-2 (Mamba2Config: Mamba-Codestral): every layer a Mamba-2 mixer of
 * num_heads x head_dim channels, state_size, n_groups. */
kvp_status kvp__hf_rule_mamba2(struct hf *h)
{
	static const char *const k_mh[] = {"num_heads", NULL};
	static const char *const k_md[] = {"head_dim", NULL};
	static const char *const k_st[] = {"state_size", NULL};
	static const struct ssm_keys keys = {.conv = k_conv_kernel, .heads = k_mh,
		.head_dim = k_md, .expand = k_expand, .state = k_st, .groups = k_n_groups};

	all_recurrent(h, "Mamba-2");
	return ssm(h, &keys);
}

bool kvp__hf_attention_free(const struct hf *h)
{
	return h->fam && (h->fam->rule == kvp__hf_rule_mamba ||
	                  h->fam->rule == kvp__hf_rule_mamba2);
}
