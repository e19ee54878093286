/*
 * gguf_arch.c — a GGUF file's metadata into kvplan's per-layer model, key
 * by key under the architecture's prefix, as llama.cpp reads them:
 * llama_model::load_hparams in src/llama-model.cpp (the generic keys, and
 * each architecture's case), llama_hparams::set_swa_pattern and
 * n_embd_r/n_embd_s in src/llama-hparams.cpp (commit 01b77b579398).  The
 * rules per architecture are in doc/gguf.md.
 */
#include <stdio.h>
#include <string.h>

#include "gguf.h"

#define KEY_MAX (KVP_NAME_MAX + 48)
/* llama.cpp's LLAMA_MAX_LAYERS is 512; a little room over it. */
#define LAYERS_MAX 4096u

typedef enum swa_rule {
	SWA_GENERIC,  /* an unknown family: sliding_window_pattern, or every
	               * layer when only sliding_window is given */
	SWA_IGNORED,  /* llama.cpp reads no window for it (llama, phi3) */
	SWA_PERIOD,   /* set_swa_pattern(period); the pattern key overrides */
	SWA_CHUNKED   /* llama4: chunked attention, set_swa_pattern(4) */
} swa_rule;

typedef enum rec_rule {
	REC_NONE,
	REC_KV_ZERO,     /* recurrent_layer_arr[i] = n_head_kv(i) == 0 */
	REC_KV_FF_ZERO,  /* ... and n_ff(i) == 0 (nemotron_h) */
	REC_INTERVAL,    /* (i + 1) % full_attention_interval != 0 */
	REC_UNSUPPORTED  /* no attention (mamba) or both in one layer */
} rec_rule;

typedef struct family {
	const char *name;       /* general.architecture */
	swa_rule swa;
	uint32_t period;        /* SWA_PERIOD, SWA_CHUNKED */
	uint64_t window;        /* default window (0: the key is required) */
	rec_rule rec;
	bool mla;
} family;

/* The cases of load_hparams that change what a layer caches; every other
 * family llama.cpp knows reads the generic keys alone. */
static const family families[] = {
	{"llama", SWA_IGNORED, 0, 0, REC_NONE, false},
	{"phi3", SWA_IGNORED, 0, 0, REC_NONE, false},  /* "Phi SWA is
	                                                 * currently disabled" */
	{"llama4", SWA_CHUNKED, 4, 8192, REC_NONE, false},
	{"gemma2", SWA_PERIOD, 2, 4096, REC_NONE, false},
	{"gemma3", SWA_PERIOD, 6, 0, REC_NONE, false},
	{"gemma3n", SWA_PERIOD, 5, 0, REC_NONE, false},
	{"cohere2", SWA_PERIOD, 4, 0, REC_NONE, false},
	{"gpt-oss", SWA_PERIOD, 2, 0, REC_NONE, false},
	{"deepseek2", SWA_IGNORED, 0, 0, REC_NONE, true},
	{"jamba", SWA_IGNORED, 0, 0, REC_KV_ZERO, false},
	{"granitehybrid", SWA_IGNORED, 0, 0, REC_KV_ZERO, false},
	{"plamo2", SWA_IGNORED, 0, 0, REC_KV_ZERO, false},
	{"nemotron_h", SWA_IGNORED, 0, 0, REC_KV_FF_ZERO, false},
	{"qwen3next", SWA_IGNORED, 0, 0, REC_INTERVAL, false},
	{"mamba", SWA_IGNORED, 0, 0, REC_UNSUPPORTED, false},
	{"mamba2", SWA_IGNORED, 0, 0, REC_UNSUPPORTED, false},
	{"falcon-h1", SWA_IGNORED, 0, 0, REC_UNSUPPORTED, false},
	{"lfm2", SWA_IGNORED, 0, 0, REC_UNSUPPORTED, false},
	{"rwkv6", SWA_IGNORED, 0, 0, REC_UNSUPPORTED, false},
	{"rwkv7", SWA_IGNORED, 0, 0, REC_UNSUPPORTED, false},
};

/* Families with only the generic keys, which are not "generic" reads. */
static const char *const plain[] = {
	"qwen2", "qwen2moe", "qwen3", "qwen3moe", "gemma", "falcon", "gpt2",
	"gptneox", "starcoder", "starcoder2", "command-r", "glm4", "glm4moe",
	"olmo", "olmo2", "olmoe", "internlm2", "minicpm", "stablelm",
	"baichuan", "bloom", "mpt", "phi2", "phimoe", "granite", "granitemoe",
	"dbrx", "grok", "mistral3", "smollm3", "ernie4_5", "ernie4_5-moe",
	"hunyuan-moe", "hunyuan-dense", "seed_oss", "exaone", "deci",
};

typedef struct reader {
	const kvp__gguf *g;
	kvp_source *source;
	kvp_error *err;
	const family *fam;
	char arch[KVP_NAME_MAX];
	uint32_t layers;
} reader;

/* A key's values per layer: an array of block_count entries or one
 * number for every layer (llama_model_loader::get_key_or_arr). */
typedef struct per_layer {
	const kvp__gguf_kv *kv;
	uint64_t value;         /* the scalar's */
} per_layer;

static const kvp__gguf_kv *find(const reader *r, const char *suffix,
                                char key[KEY_MAX])
{
	snprintf(key, KEY_MAX, "%s.%s", r->arch, suffix);
	return kvp__gguf_find(r->g, key);
}

static kvp_status fail_at(const reader *r, kvp_status status,
                          const kvp__gguf_kv *kv, const char *what,
                          const char *key, uint64_t value)
{
	return kvp__error_at(r->err, status, r->g->path, 0, 0,
	                     "at byte %llu: key '%s' %s (%llu)",
	                     (unsigned long long)kv->key_at, key, what,
	                     (unsigned long long)value);
}

/* A number under the prefix: *found false (and *out untouched) when the
 * key is absent, KVP_ERR_PARSE when it is required then. */
static kvp_status get_uint(const reader *r, const char *suffix, bool required,
                           uint64_t max, uint64_t *out, bool *found)
{
	char key[KEY_MAX];
	const kvp__gguf_kv *kv = find(r, suffix, key);
	uint64_t v;
	kvp_status st;

	*found = kv != NULL;
	if (!kv)
		return required ? kvp__error_at(r->err, KVP_ERR_PARSE, r->g->path,
		                                0, 0, "no key '%s'", key)
		                : KVP_OK;
	if (kv->type == KVP__GGUF_ARRAY)
		return fail_at(r, KVP_ERR_PARSE, kv, "is an array, not a number",
		               key, kv->count);
	if ((st = kvp__gguf_uint(r->g, kv, 0, &v, r->err)) != KVP_OK)
		return st;
	if (v > max)
		return fail_at(r, KVP_ERR_PARSE, kv, "is too large", key, v);
	*out = v;
	return KVP_OK;
}

static kvp_status get_u32(const reader *r, const char *suffix, bool required,
                          uint32_t *out, bool *found)
{
	uint64_t v = *out;
	kvp_status st = get_uint(r, suffix, required, UINT32_MAX, &v, found);

	*out = (uint32_t)v;
	return st;
}

static kvp_status get_per_layer(const reader *r, const char *suffix,
                                per_layer *pl, bool *found)
{
	char key[KEY_MAX];

	pl->kv = find(r, suffix, key);
	*found = pl->kv != NULL;
	if (pl->kv && pl->kv->type == KVP__GGUF_ARRAY) {
		if (pl->kv->count != r->layers)
			return fail_at(r, KVP_ERR_PARSE, pl->kv,
			               "has a per-layer array whose length is not"
			               " block_count", key, pl->kv->count);
		/* Every entry is read here once, so that layer() cannot fail. */
		for (uint32_t i = 0; i < r->layers; i++) {
			uint64_t v;
			kvp_status st = kvp__gguf_uint(r->g, pl->kv, i, &v, r->err);

			if (st != KVP_OK)
				return st;
			if (v > UINT32_MAX)
				return fail_at(r, KVP_ERR_PARSE, pl->kv,
				               "has an entry that is too large", key, v);
		}
		return KVP_OK;
	}
	if (pl->kv) {
		uint32_t v = 0;
		kvp_status st = get_u32(r, suffix, true, &v, found);

		pl->kv = NULL;
		pl->value = v;
		return st;
	}
	return KVP_OK;
}

static uint32_t layer(const reader *r, const per_layer *pl, uint32_t i)
{
	uint64_t v = pl->value;

	if (pl->kv)
		kvp__gguf_uint(r->g, pl->kv, i, &v, NULL);
	return (uint32_t)v;
}

/* The one non-zero value of pl over the layers (0 when all are 0);
 * *varies when two layers differ. */
static uint32_t common_value(const reader *r, const per_layer *pl,
                             bool *varies)
{
	uint32_t common = 0;

	*varies = false;
	for (uint32_t i = 0; i < r->layers; i++) {
		uint32_t v = layer(r, pl, i);

		if (v && common && v != common)
			*varies = true;
		if (v && !common)
			common = v;
	}
	return common;
}

/* Everything that decides a layer's kind. */
typedef struct layer_rules {
	per_layer kv, ff;
	uint32_t interval;          /* REC_INTERVAL */
	uint32_t swa_period;        /* 0: none; SWA_GENERIC with no pattern: 1
	                             * means every layer (all_sliding) */
	bool all_sliding;
	const kvp__gguf_kv *swa_flags;  /* a per-layer bool array */
	kvp_layer_kind windowed;    /* sliding or chunked */
} layer_rules;

static kvp_layer_kind kind_of(const reader *r, const layer_rules *lr,
                              uint32_t i)
{
	uint32_t kv = layer(r, &lr->kv, i);
	bool swa = false;

	switch (r->fam ? r->fam->rec : REC_NONE) {
	case REC_KV_ZERO:
		if (kv == 0)
			return KVP_LAYER_RECURRENT;
		break;
	case REC_KV_FF_ZERO:
		if (kv == 0 && layer(r, &lr->ff, i) == 0)
			return KVP_LAYER_RECURRENT;
		break;
	case REC_INTERVAL:
		if ((i + 1) % lr->interval != 0)
			return KVP_LAYER_RECURRENT;
		break;
	default:
		break;
	}
	if (kv == 0)
		return KVP_LAYER_NONE;
	if (lr->swa_flags) {
		uint64_t flag = 0;

		kvp__gguf_uint(r->g, lr->swa_flags, i, &flag, NULL);
		swa = flag != 0;
	} else if (lr->all_sliding) {
		swa = true;
	} else if (lr->swa_period) {
		swa = i % lr->swa_period < lr->swa_period - 1;
	}
	return swa ? lr->windowed : KVP_LAYER_FULL;
}

/* model->pattern: the shortest cycle of the layers' kinds. */
static kvp_status set_pattern(const reader *r, const layer_rules *lr,
                              kvp_model *m)
{
	uint32_t max = r->layers < KVP_PATTERN_MAX ? r->layers : KVP_PATTERN_MAX;
	char text[KVP_NOTE_MAX];
	size_t n = 0;

	m->pattern_len = 0;
	for (uint32_t p = 1; p <= max && !m->pattern_len; p++) {
		uint32_t i = p;

		while (i < r->layers && kind_of(r, lr, i) == kind_of(r, lr, i % p))
			i++;
		if (i == r->layers)
			m->pattern_len = p;
	}
	if (!m->pattern_len)
		return kvp__error_at(r->err, KVP_ERR_RANGE, r->g->path, 0, 0,
		                     "%s: the kinds of its %u layers do not repeat"
		                     " within %d layers", r->arch, r->layers,
		                     KVP_PATTERN_MAX);
	for (uint32_t i = 0; i < m->pattern_len; i++)
		m->pattern[i] = (uint8_t)kind_of(r, lr, i);
	if (m->pattern_len == 1 && m->pattern[0] == KVP_LAYER_FULL) {
		m->pattern_len = 0;
		return KVP_OK;
	}
	/* The note: the cycle as a layer_pattern string ("sliding*5,full"). */
	text[0] = '\0';
	for (uint32_t i = 0; i < m->pattern_len && n < sizeof text - 32;) {
		uint32_t run = 1;

		while (i + run < m->pattern_len && m->pattern[i + run] == m->pattern[i])
			run++;
		n += (size_t)snprintf(text + n, sizeof text - n, "%s%s", i ? "," : "",
		                      kvp_layer_kind_name((kvp_layer_kind)m->pattern[i]));
		if (run > 1)
			n += (size_t)snprintf(text + n, sizeof text - n, "*%u", run);
		i += run;
	}
	kvp__note(r->source, "pattern", KVP_ORIGIN_DERIVED, "%s (%s rules)", text,
	          r->arch);
	return KVP_OK;
}

/* model->kv_heads, and a per-layer list when the layers differ. */
static kvp_status set_kv_heads(const reader *r, const layer_rules *lr,
                               kvp_model *m)
{
	bool varies;

	m->kv_heads = common_value(r, &lr->kv, &varies);
	if (!varies)
		return KVP_OK;
	if (r->layers > KVP_PATTERN_MAX)
		return kvp__error_at(r->err, KVP_ERR_RANGE, r->g->path, 0, 0,
		                     "%s: kv heads differ between its %u layers, more"
		                     " than the %d a per-layer list holds", r->arch,
		                     r->layers, KVP_PATTERN_MAX);
	m->layer_kv_heads_len = r->layers;
	for (uint32_t i = 0; i < r->layers; i++)
		m->layer_kv_heads[i] = layer(r, &lr->kv, i);
	return KVP_OK;
}


static const family *family_of(const char *arch, bool *known)
{
	*known = true;
	for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
		if (strcmp(families[i].name, arch) == 0)
			return &families[i];
	for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++)
		if (strcmp(plain[i], arch) == 0)
			return NULL;
	*known = false;
	return NULL;
}

/* general.architecture: the prefix of every other key. */
static kvp_status read_arch(reader *r)
{
	const kvp__gguf_kv *kv = kvp__gguf_find(r->g, "general.architecture");
	const char *text;
	uint64_t len;
	kvp_status st;

	if (!kv)
		return kvp__error_at(r->err, KVP_ERR_PARSE, r->g->path, 0, 0,
		                     "no key 'general.architecture'");
	if ((st = kvp__gguf_string(r->g, kv, &text, &len, r->err)) != KVP_OK)
		return st;
	if (len == 0 || len >= sizeof r->arch)
		return fail_at(r, KVP_ERR_PARSE, kv, "is not an architecture name"
		               " of 1 to 63 bytes", "general.architecture", len);
	for (uint64_t i = 0; i < len; i++)
		if (!(text[i] >= 'a' && text[i] <= 'z') &&
		    !(text[i] >= 'A' && text[i] <= 'Z') &&
		    !(text[i] >= '0' && text[i] <= '9') && !strchr("._-", text[i]))
			return fail_at(r, KVP_ERR_PARSE, kv, "is not an architecture"
			               " name (letters, digits, '.', '_', '-'); byte",
			               "general.architecture", i);
	memcpy(r->arch, text, (size_t)len);
	r->arch[len] = '\0';
	return KVP_OK;
}

/* Heads, kv heads and their dims (load_hparams' generic part: n_head_kv
 * defaults to n_head; n_embd_head_k and _v to n_embd / n_head). */
static kvp_status read_heads(reader *r, layer_rules *lr, kvp_model *m)
{
	per_layer heads;
	bool found, varies;
	uint32_t k = 0, v = 0;
	bool has_k, has_v;
	kvp_status st;

	if ((st = get_per_layer(r, "attention.head_count", &heads, &found)) !=
	    KVP_OK)
		return st;
	m->heads = common_value(r, &heads, &varies);
	if (varies)
		return kvp__error_at(r->err, KVP_ERR_UNSUPPORTED, r->g->path, 0, 0,
		                     "%s: the query heads differ between layers,"
		                     " which kvplan's model does not hold", r->arch);
	if (m->heads == 0 || (r->fam && r->fam->rec == REC_UNSUPPORTED))
		return kvp__error_at(r->err, KVP_ERR_UNSUPPORTED, r->g->path, 0, 0,
		                     "%s: %s, which kvplan does not plan yet",
		                     r->arch, m->heads == 0
		                     ? "no layer has attention heads"
		                     : "its layers hold attention and a recurrent"
		                       " state together");
	kvp__note(r->source, "heads", KVP_ORIGIN_READ, "%s.attention.head_count"
	          " = %u%s", r->arch, m->heads, heads.kv ? " (per layer)" : "");
	if ((st = get_per_layer(r, "attention.head_count_kv", &lr->kv, &found)) !=
	    KVP_OK)
		return st;
	if (!found)
		lr->kv = heads;
	if ((st = set_kv_heads(r, lr, m)) != KVP_OK)
		return st;
	kvp__note(r->source, "kv_heads", found ? KVP_ORIGIN_READ
	                                       : KVP_ORIGIN_DEFAULTED,
	          "%s.attention.head_count_kv = %u%s", r->arch, m->kv_heads,
	          !found ? " (absent: head_count)"
	          : lr->kv.kv ? " (per layer; 0: no attention)" : "");
	if ((st = get_u32(r, "attention.key_length", false, &k, &has_k)) !=
	            KVP_OK ||
	    (st = get_u32(r, "attention.value_length", false, &v, &has_v)) !=
	            KVP_OK)
		return st;
	if (!has_k && m->hidden % m->heads == 0)
		k = m->hidden / m->heads;
	if (!has_v && m->hidden % m->heads == 0)
		v = m->hidden / m->heads;
	m->head_dim = has_k ? k : 0; /* 0: kvp_model_finalize derives it */
	if (has_k)
		kvp__note(r->source, "head_dim", KVP_ORIGIN_READ,
		          "%s.attention.key_length = %u", r->arch, k);
	else
		kvp__note(r->source, "head_dim", KVP_ORIGIN_DEFAULTED,
		          "embedding_length / head_count = %u / %u", m->hidden,
		          m->heads);
	if (v && v != k) {
		m->head_dim_v = v;
		kvp__note(r->source, "head_dim_v", has_v ? KVP_ORIGIN_READ
		                                         : KVP_ORIGIN_DEFAULTED,
		          "%s.attention.value_length = %u", r->arch, v);
	}
	return KVP_OK;
}

/* DeepSeek's MLA: llama.cpp caches kv_lora_rank + n_rot values a token
 * (the latent and the rope part of K).  K expands to (nope + rope) and V
 * to v_head_dim per head: key_length_mla and value_length_mla where the
 * file has them (newer conversions store the latent's 576 and 512 in
 * key_length and value_length), else key_length and value_length. */
static kvp_status read_mla(reader *r, kvp_model *m)
{
	uint32_t rank = 0, rope = 0, k = m->head_dim, v = m->head_dim_v;
	bool found, has_k, has_v;
	kvp_status st;

	if ((st = get_u32(r, "attention.kv_lora_rank", true, &rank, &found)) !=
	            KVP_OK ||
	    (st = get_u32(r, "rope.dimension_count", true, &rope, &found)) !=
	            KVP_OK ||
	    (st = get_u32(r, "attention.key_length_mla", false, &k, &has_k)) !=
	            KVP_OK ||
	    (st = get_u32(r, "attention.value_length_mla", false, &v, &has_v)) !=
	            KVP_OK)
		return st;
	if (v == 0)
		v = k;
	if (rank == 0 || k <= rope)
		return kvp__error_at(r->err, KVP_ERR_PARSE, r->g->path, 0, 0,
		                     "%s: kv_lora_rank %u and a K head of %u values"
		                     " with %u for rope are no MLA shape", r->arch,
		                     rank, k, rope);
	m->kv_lora_rank = rank;
	m->qk_rope_dim = rope;
	m->qk_nope_dim = k - rope;
	m->v_head_dim = v;
	m->head_dim = k;
	m->head_dim_v = 0;
	/* The latent is one per token; expanded, every query head has its
	 * own K and V. */
	m->kv_heads = m->heads;
	m->layer_kv_heads_len = 0;
	kvp__note(r->source, "kv_lora_rank", KVP_ORIGIN_READ,
	          "%s.attention.kv_lora_rank = %u", r->arch, rank);
	kvp__note(r->source, "qk_rope_dim", KVP_ORIGIN_READ,
	          "%s.rope.dimension_count = %u", r->arch, rope);
	kvp__note(r->source, "head_dim", KVP_ORIGIN_READ,
	          "%s.attention.key_length%s = %u", r->arch, has_k ? "_mla" : "",
	          k);
	kvp__note(r->source, "kv_heads", KVP_ORIGIN_DERIVED,
	          "MLA: K and V expand for each of the %u heads", m->heads);
	return KVP_OK;
}

/* Sliding windows and chunks: the window, and which layers have one. */
static kvp_status read_windows(reader *r, layer_rules *lr, kvp_model *m)
{
	swa_rule rule = r->fam ? r->fam->swa : SWA_GENERIC;
	uint64_t window = r->fam ? r->fam->window : 0;
	char key[KEY_MAX];
	const kvp__gguf_kv *pattern;
	bool found;
	kvp_status st;

	lr->windowed = KVP_LAYER_SLIDING;
	if (rule == SWA_IGNORED)
		return KVP_OK;
	if (rule == SWA_CHUNKED) {
		/* llama4: n_swa = 8192, fixed in load_hparams (a file stating
		 * a window of 0 turns chunking off). */
		if ((st = get_uint(r, "attention.sliding_window", false, UINT32_MAX,
		                   &window, &found)) != KVP_OK)
			return st;
		if (window == 0)
			return KVP_OK;
		m->chunk_size = window;
		lr->windowed = KVP_LAYER_CHUNKED;
		lr->swa_period = r->fam->period;
		kvp__note(r->source, "chunk_size", found ? KVP_ORIGIN_READ
		                                         : KVP_ORIGIN_DEFAULTED,
		          "%s: chunks of %llu tokens%s", r->arch,
		          (unsigned long long)window,
		          found ? "" : " (llama.cpp's fixed n_swa)");
		return KVP_OK;
	}
	if ((st = get_uint(r, "attention.sliding_window",
	                   rule == SWA_PERIOD && window == 0, UINT32_MAX, &window,
	                   &found)) != KVP_OK)
		return st;
	if (window == 0)
		return KVP_OK;
	m->sliding_window = window;
	kvp__note(r->source, "sliding_window", found ? KVP_ORIGIN_READ
	                                             : KVP_ORIGIN_DEFAULTED,
	          "%s.attention.sliding_window = %llu%s", r->arch,
	          (unsigned long long)window, found ? "" : " (absent: default)");
	lr->swa_period = rule == SWA_PERIOD ? r->fam->period : 0;
	lr->all_sliding = rule == SWA_GENERIC;
	pattern = find(r, "attention.sliding_window_pattern", key);
	if (pattern && pattern->type == KVP__GGUF_ARRAY) {
		per_layer flags;

		if ((st = get_per_layer(r, "attention.sliding_window_pattern",
		                        &flags, &found)) != KVP_OK)
			return st;
		lr->swa_flags = pattern;
		lr->all_sliding = false;
	} else if (pattern) {
		uint32_t period = 0;

		if ((st = get_u32(r, "attention.sliding_window_pattern", true,
		                  &period, &found)) != KVP_OK)
			return st;
		/* set_swa_pattern(0) makes every layer sliding. */
		lr->all_sliding = period == 0;
		lr->swa_period = period;
	}
	if (rule == SWA_GENERIC && !pattern)
		kvp__source_warn(r->source, "%s: sliding_window %llu is taken to"
		                 " apply to every layer (no sliding_window_pattern)",
		                 r->arch, (unsigned long long)window);
	return KVP_OK;
}

/* Recurrent layers: their state size, and which layers they are. */
static kvp_status read_recurrent(reader *r, layer_rules *lr, kvp_model *m)
{
	bool found, has_groups;
	kvp_status st;

	if (!r->fam || r->fam->rec == REC_NONE)
		return KVP_OK;
	if ((st = get_u32(r, "ssm.conv_kernel", true, &m->ssm_conv_kernel,
	                  &found)) != KVP_OK ||
	    (st = get_u32(r, "ssm.inner_size", true, &m->ssm_inner, &found)) !=
	            KVP_OK ||
	    (st = get_u32(r, "ssm.state_size", true, &m->ssm_state, &found)) !=
	            KVP_OK ||
	    (st = get_u32(r, "ssm.group_count", false, &m->ssm_groups,
	                  &has_groups)) != KVP_OK)
		return st;
	kvp__note(r->source, "ssm", KVP_ORIGIN_READ,
	          "%s.ssm.conv_kernel = %u, ssm.inner_size = %u, ssm.state_size"
	          " = %u, ssm.group_count = %u%s", r->arch, m->ssm_conv_kernel,
	          m->ssm_inner, m->ssm_state, m->ssm_groups,
	          has_groups ? "" : " (absent)");
	if (r->fam->rec == REC_KV_FF_ZERO)
		return get_per_layer(r, "feed_forward_length", &lr->ff, &found);
	if (r->fam->rec == REC_INTERVAL) {
		lr->interval = 4;
		if ((st = get_u32(r, "full_attention_interval", false, &lr->interval,
		                  &found)) != KVP_OK)
			return st;
		if (lr->interval == 0)
			return kvp__error_at(r->err, KVP_ERR_PARSE, r->g->path, 0, 0,
			                     "%s.full_attention_interval is 0", r->arch);
	}
	return KVP_OK;
}

/* The vocabulary: ARCH.vocab_size, or the tokenizer's token count. */
static kvp_status read_vocab(reader *r, kvp_model *m)
{
	const kvp__gguf_kv *tokens;
	bool found;
	kvp_status st;

	if ((st = get_u32(r, "vocab_size", false, &m->vocab, &found)) != KVP_OK)
		return st;
	if (found) {
		kvp__note(r->source, "vocab", KVP_ORIGIN_READ, "%s.vocab_size = %u",
		          r->arch, m->vocab);
		return KVP_OK;
	}
	tokens = kvp__gguf_find(r->g, "tokenizer.ggml.tokens");
	if (tokens && tokens->type == KVP__GGUF_ARRAY && tokens->count <= UINT32_MAX) {
		m->vocab = (uint32_t)tokens->count;
		kvp__note(r->source, "vocab", KVP_ORIGIN_DERIVED,
		          "tokenizer.ggml.tokens has %u entries", m->vocab);
	}
	return KVP_OK;
}

kvp_status kvp__gguf_model(const kvp__gguf *g, kvp_model *m,
                           kvp_source *source, kvp_error *err)
{
	reader r = {.g = g, .source = source, .err = err};
	layer_rules lr;
	uint64_t context = 0;
	bool known, found;
	kvp_status st;

	memset(&lr, 0, sizeof lr);
	if ((st = read_arch(&r)) != KVP_OK)
		return st;
	r.fam = family_of(r.arch, &known);
	if (source) {
		snprintf(source->family, sizeof source->family, "%s", r.arch);
		source->generic = !known;
	}
	if ((st = get_u32(&r, "block_count", true, &r.layers, &found)) != KVP_OK)
		return st;
	if (r.layers == 0 || r.layers > LAYERS_MAX)
		return kvp__error_at(err, KVP_ERR_PARSE, g->path, 0, 0,
		                     "%s.block_count %u is not 1 to %u", r.arch,
		                     r.layers, LAYERS_MAX);
	m->layers = r.layers;
	kvp__note(source, "layers", KVP_ORIGIN_READ, "%s.block_count = %u",
	          r.arch, r.layers);
	if ((st = get_u32(&r, "embedding_length", false, &m->hidden, &found)) !=
	    KVP_OK)
		return st;
	if (found)
		kvp__note(source, "hidden", KVP_ORIGIN_READ,
		          "%s.embedding_length = %u", r.arch, m->hidden);
	if ((st = read_heads(&r, &lr, m)) != KVP_OK ||
	    (r.fam && r.fam->mla && (st = read_mla(&r, m)) != KVP_OK) ||
	    (st = read_windows(&r, &lr, m)) != KVP_OK ||
	    (st = read_recurrent(&r, &lr, m)) != KVP_OK ||
	    (st = set_pattern(&r, &lr, m)) != KVP_OK ||
	    (st = read_vocab(&r, m)) != KVP_OK)
		return st;
	if ((st = get_uint(&r, "context_length", false, UINT64_MAX, &context,
	                   &found)) != KVP_OK)
		return st;
	if (found) {
		m->max_context = context;
		kvp__note(source, "max_context", KVP_ORIGIN_READ,
		          "%s.context_length = %llu", r.arch,
		          (unsigned long long)context);
	}
	return KVP_OK;
}
