/*
 * gguf_arch.c — a GGUF file's metadata into kvplan's per-layer model, key
 * by key under the architecture's prefix, as llama.cpp reads them in
 * llama_model::load_hparams (src/llama-model.cpp): the architecture, the
 * generic keys (layers, heads, kv heads, head dims, vocabulary, context),
 * and the reading of numbers and per-layer arrays.  What each
 * architecture changes is in lib/gguf_family.c; the rules are in
 * doc/gguf.md.
 */
#include <stdio.h>
#include <string.h>

#include "gguf.h"

/* llama.cpp's LLAMA_MAX_LAYERS is 512; a little room over it. */
#define LAYERS_MAX 4096u

const kvp__gguf_kv *kvp__gguf_arch_key(const kvp__gguf_reader *r,
                                       const char *suffix,
                                       char key[KVP__GGUF_KEY_MAX])
{
	snprintf(key, KVP__GGUF_KEY_MAX, "%s.%s", r->arch, suffix);
	return kvp__gguf_find(r->g, key);
}

static kvp_status fail_at(const kvp__gguf_reader *r, kvp_status status,
                          const kvp__gguf_kv *kv, const char *what,
                          const char *key, uint64_t value)
{
	return kvp__error_at(r->err, status, r->g->path, 0, 0,
	                     "at byte %llu: key '%s' %s (%llu)",
	                     (unsigned long long)kv->key_at, key, what,
	                     (unsigned long long)value);
}

kvp_status kvp__gguf_get_uint(const kvp__gguf_reader *r, const char *suffix,
                              bool required, uint64_t max, uint64_t *out,
                              bool *found)
{
	char key[KVP__GGUF_KEY_MAX];
	const kvp__gguf_kv *kv = kvp__gguf_arch_key(r, suffix, key);
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

kvp_status kvp__gguf_get_u32(const kvp__gguf_reader *r, const char *suffix,
                             bool required, uint32_t *out, bool *found)
{
	uint64_t v = *out;
	kvp_status st = kvp__gguf_get_uint(r, suffix, required, UINT32_MAX, &v,
	                                   found);

	*out = (uint32_t)v;
	return st;
}

kvp_status kvp__gguf_get_per_layer(const kvp__gguf_reader *r,
                                   const char *suffix,
                                   kvp__gguf_per_layer *pl, bool *found)
{
	char key[KVP__GGUF_KEY_MAX];

	pl->kv = kvp__gguf_arch_key(r, suffix, key);
	*found = pl->kv != NULL;
	if (pl->kv && pl->kv->type == KVP__GGUF_ARRAY) {
		/* block_count entries (llama.cpp's n_layer_all), or the
		 * model's layers' (cohere2moe's sliding_window_pattern, read
		 * after nextn_predict_layers). */
		if (pl->kv->count != r->blocks && pl->kv->count != r->layers)
			return fail_at(r, KVP_ERR_PARSE, pl->kv,
			               "has a per-layer array whose length is not"
			               " block_count", key, pl->kv->count);
		/* Every entry is read here once, so that kvp__gguf_layer
		 * cannot fail. */
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
		kvp_status st = kvp__gguf_get_u32(r, suffix, true, &v, found);

		pl->kv = NULL;
		pl->value = v;
		return st;
	}
	return KVP_OK;
}

uint32_t kvp__gguf_layer(const kvp__gguf_reader *r,
                         const kvp__gguf_per_layer *pl, uint32_t i)
{
	uint64_t v = pl->value;

	if (pl->kv)
		kvp__gguf_uint(r->g, pl->kv, i, &v, NULL);
	return (uint32_t)v;
}

/* The one non-zero value of pl over the layers (0 when all are 0);
 * *varies when two layers differ. */
static uint32_t common_value(const kvp__gguf_reader *r,
                             const kvp__gguf_per_layer *pl, bool *varies)
{
	uint32_t common = 0;

	*varies = false;
	for (uint32_t i = 0; i < r->layers; i++) {
		uint32_t v = kvp__gguf_layer(r, pl, i);

		if (v && common && v != common)
			*varies = true;
		if (v && !common)
			common = v;
	}
	return common;
}

/* model->kv_heads, and a per-layer list when the layers differ. */
static kvp_status set_kv_heads(const kvp__gguf_reader *r,
                               const kvp__gguf_layer_rules *lr, kvp_model *m)
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
		m->layer_kv_heads[i] = kvp__gguf_layer(r, &lr->kv, i);
	return KVP_OK;
}

/* general.architecture: the prefix of every other key. */
static kvp_status read_arch(kvp__gguf_reader *r)
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
			return kvp__error_at(r->err, KVP_ERR_PARSE, r->g->path, 0, 0,
			                     "at byte %llu: key 'general.architecture' is not"
			                     " an architecture name: its byte %llu is 0x%02x,"
			                     " not a letter, digit, '.', '_' or '-'",
			                     (unsigned long long)kv->key_at,
			                     (unsigned long long)i, (unsigned)(unsigned char)text[i]);
	memcpy(r->arch, text, (size_t)len);
	r->arch[len] = '\0';
	return KVP_OK;
}

/* Heads, kv heads and their dims (load_hparams' generic part: n_head_kv
 * defaults to n_head; n_embd_head_k and _v to n_embd / n_head). */
static kvp_status read_heads(kvp__gguf_reader *r, kvp__gguf_layer_rules *lr,
                             kvp_model *m)
{
	kvp__gguf_per_layer heads;
	bool found, varies;
	uint32_t k = 0, v = 0;
	bool has_k, has_v;
	kvp_status st;

	/* No attention: whatever head_count says (0), no heads. */
	if (r->fam && r->fam->rec == KVP__REC_ALL) {
		m->heads = m->kv_heads = m->head_dim = 0;
		kvp__note(r->source, "heads", KVP_ORIGIN_DERIVED, "%s: no attention"
		          " layer, every layer a Mamba mixer (heads, kv heads and"
		          " head_dim 0)", r->arch);
		return KVP_OK;
	}
	if ((st = kvp__gguf_get_per_layer(r, "attention.head_count", &heads,
	                                  &found)) != KVP_OK)
		return st;
	m->heads = common_value(r, &heads, &varies);
	if (varies)
		return kvp__error_at(r->err, KVP_ERR_UNSUPPORTED, r->g->path, 0, 0,
		                     "%s: the query heads differ between layers,"
		                     " which kvplan's model does not hold", r->arch);
	if (m->heads == 0 || (r->fam && r->fam->rec == KVP__REC_UNSUPPORTED))
		return kvp__error_at(r->err, KVP_ERR_UNSUPPORTED, r->g->path, 0, 0,
		                     "%s: %s, which kvplan does not plan yet",
		                     r->arch, m->heads == 0
		                     ? "no layer has attention heads"
		                     : "its layers hold a kind of recurrent state");
	kvp__note(r->source, "heads", KVP_ORIGIN_READ, "%s.attention.head_count"
	          " = %u%s", r->arch, m->heads, heads.kv ? " (per layer)" : "");
	if ((st = kvp__gguf_get_per_layer(r, "attention.head_count_kv", &lr->kv,
	                                  &found)) != KVP_OK)
		return st;
	if (!found)
		lr->kv = heads;
	if ((st = set_kv_heads(r, lr, m)) != KVP_OK)
		return st;
	/* No layer with kv heads: where a layer of none is recurrent, a
	 * model of recurrent layers alone, as llama.cpp loads it (mamba's
	 * heads); elsewhere no layer attends, which kvplan refuses by key. */
	if (m->kv_heads == 0) {
		kvp__rec_rule rec = r->fam ? r->fam->rec : KVP__REC_NONE;

		if (rec != KVP__REC_KV_ZERO && rec != KVP__REC_KV_FF_ZERO &&
		    rec != KVP__REC_SHORTCONV)
			return kvp__error_at(r->err, KVP_ERR_UNSUPPORTED, r->g->path, 0, 0,
			                     "%s.attention.head_count_kv is 0 on every layer:"
			                     " no layer attends, which %s does not run",
			                     r->arch, r->arch);
		m->heads = m->head_dim = 0;
		kvp__note(r->source, "kv_heads", KVP_ORIGIN_READ, "%s.attention."
		          "head_count_kv is 0 on every layer: no attention layer",
		          r->arch);
		return KVP_OK;
	}
	kvp__note(r->source, "kv_heads", found ? KVP_ORIGIN_READ
	                                       : KVP_ORIGIN_DEFAULTED,
	          "%s.attention.head_count_kv = %u%s", r->arch, m->kv_heads,
	          !found ? " (absent: head_count)"
	          : lr->kv.kv ? " (per layer; 0: no attention)" : "");
	if ((st = kvp__gguf_get_u32(r, "attention.key_length", false, &k,
	                            &has_k)) != KVP_OK ||
	    (st = kvp__gguf_get_u32(r, "attention.value_length", false, &v,
	                            &has_v)) != KVP_OK)
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

/* The vocabulary: ARCH.vocab_size, or the tokenizer's token count. */
static kvp_status read_vocab(kvp__gguf_reader *r, kvp_model *m)
{
	const kvp__gguf_kv *tokens;
	bool found;
	kvp_status st;

	if ((st = kvp__gguf_get_u32(r, "vocab_size", false, &m->vocab,
	                            &found)) != KVP_OK)
		return st;
	if (found) {
		kvp__note(r->source, "vocab", KVP_ORIGIN_READ, "%s.vocab_size = %u",
		          r->arch, m->vocab);
		return KVP_OK;
	}
	tokens = kvp__gguf_find(r->g, "tokenizer.ggml.tokens");
	if (tokens && tokens->type == KVP__GGUF_ARRAY &&
	    tokens->count <= UINT32_MAX) {
		m->vocab = (uint32_t)tokens->count;
		kvp__note(r->source, "vocab", KVP_ORIGIN_DERIVED,
		          "tokenizer.ggml.tokens has %u entries", m->vocab);
	}
	return KVP_OK;
}

/* A dense MLP's inner size: ARCH.feed_forward_length, one value or the
 * same for every layer, and no ARCH.expert_count (experts are not
 * modelled); or twice it in every layer that reads an earlier cache
 * (Gemma 4 E2B's use_double_wide_mlp, which convert_hf_to_gguf.py writes
 * as a per-layer array); 0 otherwise. */
static kvp_status read_intermediate(kvp__gguf_reader *r, kvp_model *m)
{
	kvp__gguf_per_layer ff;
	uint32_t experts = 0, first, last;
	bool found, wide;
	kvp_status st;

	m->intermediate = 0;
	if ((st = kvp__gguf_get_u32(r, "expert_count", false, &experts,
	                            &found)) != KVP_OK ||
	    (st = kvp__gguf_get_per_layer(r, "feed_forward_length", &ff,
	                                  &found)) != KVP_OK)
		return st;
	if (experts || !found)
		return KVP_OK;
	first = kvp__gguf_layer(r, &ff, 0);
	last = kvp__gguf_layer(r, &ff, r->layers - 1);
	wide = m->kv_shared_layers && last != first && first && last / 2 == first &&
	       last % 2 == 0;
	for (uint32_t i = 1; i < r->layers; i++)
		if (kvp__gguf_layer(r, &ff, i) !=
		    (wide && i >= r->layers - m->kv_shared_layers ? last : first))
			return KVP_OK;
	m->intermediate = first;
	m->double_wide_mlp = wide;
	return KVP_OK;
}

/* A mixture of experts whose layers differ (kvp_model moe_*), as
 * llama.cpp's converter writes it (convert_hf_to_gguf.py): DeepSeek's and
 * GLM-4.5's ARCH.leading_dense_block_count dense layers of
 * feed_forward_length, then expert_count experts of
 * expert_feed_forward_length and expert_shared_count shared ones; Llama
 * 4's interleave_moe_layer_step, its dense layers of feed_forward_length
 * (intermediate_size_mlp) and one shared expert beside the routed ones.
 * For a model whose every layer routes, moe_experts stays 0 and only the
 * expert's size (expert_feed_forward_length, else Mixtral's
 * feed_forward_length) and the shared experts'
 * (expert_shared_feed_forward_length, else expert_shared_count of the
 * expert's) are kept; with every model's top-k, expert_used_count. */
static kvp_status read_moe(kvp__gguf_reader *r, kvp_model *m)
{
	uint32_t experts = 0, dense = 0, step = 0, expert_ff = 0, shared = 0, ff = 0, used = 0,
		 shared_ff = 0;
	uint64_t shared_w;
	bool found, llama4 = strcmp(r->arch, "llama4") == 0;
	kvp__gguf_per_layer per;
	kvp_status st;

	if ((st = kvp__gguf_get_u32(r, "expert_count", false, &experts, &found)) != KVP_OK ||
	    (st = kvp__gguf_get_u32(r, "leading_dense_block_count", false, &dense,
	                            &found)) != KVP_OK ||
	    (st = kvp__gguf_get_u32(r, "interleave_moe_layer_step", false, &step,
	                            &found)) != KVP_OK ||
	    (st = kvp__gguf_get_u32(r, "expert_feed_forward_length", false, &expert_ff,
	                            &found)) != KVP_OK ||
	    (st = kvp__gguf_get_u32(r, "expert_shared_count", false, &shared,
	                            &found)) != KVP_OK ||
	    (st = kvp__gguf_get_u32(r, "expert_used_count", false, &used, &found)) != KVP_OK ||
	    (st = kvp__gguf_get_u32(r, "expert_shared_feed_forward_length", false, &shared_ff,
	                            &found)) != KVP_OK ||
	    (st = kvp__gguf_get_per_layer(r, "feed_forward_length", &per, &found)) != KVP_OK)
		return st;
	/* The first layer's: a dense one in both layouts. */
	if (found)
		ff = kvp__gguf_layer(r, &per, 0);
	if (!experts)
		return KVP_OK;
	if (used > experts)
		return kvp__error_at(r->err, KVP_ERR_PARSE, r->g->path, 0, 0,
		                     "%s.expert_used_count (%u) is more than its"
		                     " expert_count (%u)", r->arch, used, experts);
	/* Every model's top-k and expert sizes, for the activations: the
	 * routed expert's (Mixtral's feed_forward_length where no expert
	 * size is written), and the shared experts' (Llama 4's one). */
	if (llama4)
		shared = 1;
	shared_w = shared_ff ? shared_ff : (uint64_t)shared * (expert_ff ? expert_ff : ff);
	m->moe_top_k = used;
	m->moe_routed_experts = experts;
	m->moe_intermediate = expert_ff ? expert_ff : ff;
	m->moe_shared_intermediate = shared_w <= UINT32_MAX ? (uint32_t)shared_w : 0;
	/* The layers' layout only where they differ. */
	if ((dense == 0 && step < 2) || !expert_ff || !ff || shared_w > UINT32_MAX)
		return KVP_OK;
	m->moe_experts = experts;
	m->moe_dense_layers = dense;
	m->moe_step = step;
	m->dense_intermediate = ff;
	return KVP_OK;
}

/* The NextN (MTP) blocks after the model's layers, on the architectures
 * that read them (llama_hparams::n_layer() is n_layer_all less
 * n_layer_nextn; the loaders assert it is less). */
static kvp_status read_nextn(kvp__gguf_reader *r)
{
	uint32_t nextn = 0;
	bool found;
	kvp_status st;

	if (!kvp__gguf_reads_nextn(r->arch))
		return KVP_OK;
	if ((st = kvp__gguf_get_u32(r, "nextn_predict_layers", false, &nextn,
	                            &found)) != KVP_OK)
		return st;
	if (nextn >= r->blocks)
		return kvp__error_at(r->err, KVP_ERR_PARSE, r->g->path, 0, 0,
		                     "%s.nextn_predict_layers %u is not less than"
		                     " %s.block_count %u", r->arch, nextn, r->arch,
		                     r->blocks);
	r->layers = r->blocks - nextn;
	return KVP_OK;
}

uint32_t kvp__gguf_first_nextn(const kvp__gguf *g)
{
	kvp__gguf_reader r = {.g = g};
	bool found;

	if (read_arch(&r) != KVP_OK ||
	    kvp__gguf_get_u32(&r, "block_count", false, &r.blocks, &found) != KVP_OK)
		return UINT32_MAX;
	if (read_nextn(&r) != KVP_OK || r.layers == 0 || r.layers == r.blocks)
		return UINT32_MAX;
	return r.layers;
}

kvp_status kvp__gguf_model(const kvp__gguf *g, kvp_model *m,
                           kvp_source *source, kvp_error *err)
{
	kvp__gguf_reader r = {.g = g, .source = source, .err = err};
	kvp__gguf_layer_rules lr;
	uint64_t context = 0;
	bool known, found;
	kvp_status st;

	memset(&lr, 0, sizeof lr);
	if ((st = read_arch(&r)) != KVP_OK)
		return st;
	r.fam = kvp__gguf_family_of(r.arch, &known);
	/* The architecture is the model's type (llama.cpp spells gpt-oss
	 * where Hugging Face has gpt_oss: kvp_engine's matches take both). */
	if (kvp__valid_name(r.arch))
		memcpy(m->model_type, r.arch, sizeof m->model_type);
	if (source) {
		kvp_escape(r.arch, source->family, sizeof source->family);
		source->generic = !known;
	}
	if ((st = kvp__gguf_get_u32(&r, "block_count", true, &r.layers,
	                            &found)) != KVP_OK)
		return st;
	if (r.layers == 0 || r.layers > LAYERS_MAX)
		return kvp__error_at(err, KVP_ERR_PARSE, g->path, 0, 0,
		                     "%s.block_count %u is not 1 to %u", r.arch,
		                     r.layers, LAYERS_MAX);
	r.blocks = r.layers;
	if ((st = read_nextn(&r)) != KVP_OK)
		return st;
	m->layers = r.layers;
	m->mtp_layers = r.blocks - r.layers;
	if (m->mtp_layers)
		kvp__note(source, "mtp_layers", KVP_ORIGIN_READ,
		          "%s.nextn_predict_layers = %u", r.arch, m->mtp_layers);
	if (r.layers == r.blocks)
		kvp__note(source, "layers", KVP_ORIGIN_READ, "%s.block_count = %u",
		          r.arch, r.layers);
	else
		kvp__note(source, "layers", KVP_ORIGIN_READ, "%s.block_count = %u,"
		          " less %s.nextn_predict_layers = %u (NextN blocks, an MTP"
		          " draft's: --mtp)", r.arch, r.blocks, r.arch,
		          r.blocks - r.layers);
	if ((st = kvp__gguf_get_u32(&r, "embedding_length", false, &m->hidden,
	                            &found)) != KVP_OK)
		return st;
	if (found)
		kvp__note(source, "hidden", KVP_ORIGIN_READ,
		          "%s.embedding_length = %u", r.arch, m->hidden);
	if ((st = read_heads(&r, &lr, m)) != KVP_OK ||
	    (r.fam && r.fam->mla && (st = kvp__gguf_read_mla(&r, m)) != KVP_OK) ||
	    (st = kvp__gguf_read_windows(&r, &lr, m)) != KVP_OK ||
	    (st = kvp__gguf_read_recurrent(&r, &lr, m)) != KVP_OK ||
	    (st = kvp__gguf_set_pattern(&r, &lr, m)) != KVP_OK ||
	    (st = kvp__gguf_read_gemma4(&r, m)) != KVP_OK ||
	    (st = read_vocab(&r, m)) != KVP_OK ||
	    (st = read_intermediate(&r, m)) != KVP_OK ||
	    (st = read_moe(&r, m)) != KVP_OK ||
	    (st = kvp__gguf_read_rope(&r, m)) != KVP_OK)
		return st;
	if ((st = kvp__gguf_get_uint(&r, "context_length", false, UINT64_MAX,
	                             &context, &found)) != KVP_OK)
		return st;
	if (found) {
		m->max_context = context;
		kvp__note(source, "max_context", KVP_ORIGIN_READ,
		          "%s.context_length = %llu", r.arch,
		          (unsigned long long)context);
	}
	return KVP_OK;
}
