/*
 * layers.c — a model's layers: the kinds of cache a layer can have, the
 * pattern that says which layer has which ("sliding*5,full"), and the
 * checks that the layers' own numbers are there.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

static const char *const kind_names[KVP_LAYER_KIND_COUNT] = {
	[KVP_LAYER_FULL] = "full",
	[KVP_LAYER_SLIDING] = "sliding",
	[KVP_LAYER_CHUNKED] = "chunked",
	[KVP_LAYER_MLA] = "mla",
	[KVP_LAYER_RECURRENT] = "recurrent",
	[KVP_LAYER_NONE] = "none",
};

#define KIND_LIST "full, sliding, chunked, mla, recurrent, none"

const char *kvp_layer_kind_name(kvp_layer_kind kind)
{
	return (unsigned)kind < KVP_LAYER_KIND_COUNT ? kind_names[kind] : "unknown";
}

kvp_status kvp_layer_kind_from_name(const char *name, kvp_layer_kind *out,
                                    kvp_error *err)
{
	char quoted[KVP_QUOTE_MAX];

	if (!name || !out)
		return kvp__error(err, KVP_ERR_INVALID, "no layer kind given");
	for (int k = 0; k < KVP_LAYER_KIND_COUNT; k++) {
		if (strcasecmp(name, kind_names[k]) == 0) {
			*out = (kvp_layer_kind)k;
			return kvp__error_clear(err);
		}
	}
	return kvp__error(err, KVP_ERR_NOT_FOUND,
	                  "unknown layer kind '%s' (valid: " KIND_LIST ")",
	                  kvp_escape(name, quoted, sizeof quoted));
}

/* One entry of a pattern, "kind" or "kind*N", at text[0..len). */
static kvp_status parse_entry(const char *text, size_t len, size_t index,
                              kvp_layer_kind *kind, uint64_t *repeat,
                              kvp_error *err)
{
	char entry[KVP_QUOTE_MAX], quoted[KVP_QUOTE_MAX], name[32];
	const char *star = memchr(text, '*', len);
	size_t name_len = star ? (size_t)(star - text) : len;
	kvp_status st;

	snprintf(entry, sizeof entry, "%.*s", (int)(len < 64 ? len : 64), text);
	kvp_escape(entry, quoted, sizeof quoted);
	if (len == 0)
		return kvp__error(err, KVP_ERR_PARSE,
		                  "entry %zu is empty", index + 1);
	if (name_len == 0 || name_len >= sizeof name)
		return kvp__error(err, KVP_ERR_PARSE,
		                  "entry %zu '%s' is not a layer kind"
		                  " (valid: " KIND_LIST ")", index + 1, quoted);
	memcpy(name, text, name_len);
	name[name_len] = '\0';
	if ((st = kvp_layer_kind_from_name(name, kind, NULL)) != KVP_OK)
		return kvp__error(err, KVP_ERR_PARSE,
		                  "entry %zu '%s' is not a layer kind"
		                  " (valid: " KIND_LIST ")", index + 1, quoted);
	*repeat = 1;
	if (star) {
		const char *digits = star + 1;
		size_t n_digits = len - name_len - 1;
		uint64_t value = 0;

		if (n_digits == 0 || strspn(digits, "0123456789") < n_digits)
			return kvp__error(err, KVP_ERR_PARSE,
			                  "entry %zu '%s': the repeat after"
			                  " '*' must be a whole number", index + 1, quoted);
		for (size_t i = 0; i < n_digits; i++)
			if (!kvp__mul(value, 10, &value) ||
			    !kvp__add(value, (uint64_t)(digits[i] - '0'), &value))
				value = UINT64_MAX;
		if (value == 0)
			return kvp__error(err, KVP_ERR_PARSE,
			                  "entry %zu '%s' repeats 0 times",
			                  index + 1, quoted);
		*repeat = value;
	}
	return KVP_OK;
}

kvp_status kvp_layer_pattern_parse(const char *text, kvp_model *model,
                                   kvp_error *err)
{
	uint8_t pattern[KVP_PATTERN_MAX];
	uint64_t len = 0;
	size_t index = 0;
	const char *p;
	kvp_status st;

	if (!text || !model)
		return kvp__error(err, KVP_ERR_INVALID, "no layer pattern given");
	if (*text == '\0')
		return kvp__error(err, KVP_ERR_PARSE, "empty; give at least one layer kind");
	for (p = text;; index++) {
		size_t entry_len = strcspn(p, ",");
		kvp_layer_kind kind;
		uint64_t repeat;

		if ((st = parse_entry(p, entry_len, index, &kind, &repeat, err)) != KVP_OK)
			return st;
		if (repeat > KVP_PATTERN_MAX - len)
			return kvp__error(err, KVP_ERR_RANGE,
			                  "more than %d layers", KVP_PATTERN_MAX);
		for (uint64_t r = 0; r < repeat; r++)
			pattern[len++] = (uint8_t)kind;
		if (p[entry_len] == '\0')
			break;
		p += entry_len + 1;
	}
	memcpy(model->pattern, pattern, len);
	model->pattern_len = (uint32_t)len;
	return kvp__error_clear(err);
}

uint32_t kvp_model_layer_kv_heads(const kvp_model *m, uint32_t index)
{
	if (m->layer_kv_heads_len > 0 && m->layer_kv_heads_len == m->layers &&
	    m->layer_kv_heads_len <= KVP_PATTERN_MAX && index < m->layer_kv_heads_len)
		return m->layer_kv_heads[index];
	return m->kv_heads;
}

uint32_t kvp_model_layer_head_dim(const kvp_model *m, uint32_t index)
{
	if (m->full_head_dim && kvp__layer_weights_kind(m, index) == KVP_LAYER_FULL)
		return m->full_head_dim;
	return m->head_dim;
}

kvp_layer_kind kvp_model_layer_kind(const kvp_model *m, uint32_t index)
{
	kvp_layer_kind kind = kvp__layer_weights_kind(m, index);

	/* A layer that reads an earlier one's cache keeps none. */
	if (m->kv_shared_layers && kvp__attends(kind) &&
	    index >= m->layers - (m->kv_shared_layers < m->layers ? m->kv_shared_layers
	                                                           : m->layers))
		kind = KVP_LAYER_NONE;
	return kind;
}

kvp_layer_kind kvp__layer_weights_kind(const kvp_model *m, uint32_t index)
{
	kvp_layer_kind kind = KVP_LAYER_FULL;

	/* A pattern longer than its array is not read (finalize refuses
	 * it): its layers are full ones. */
	if (m->pattern_len > 0 && m->pattern_len <= KVP_PATTERN_MAX)
		kind = (kvp_layer_kind)m->pattern[index % m->pattern_len];
	if (kind == KVP_LAYER_FULL && m->kv_lora_rank > 0)
		kind = KVP_LAYER_MLA;
	if ((kind == KVP_LAYER_FULL || kind == KVP_LAYER_SLIDING ||
	     kind == KVP_LAYER_CHUNKED) && kvp_model_layer_kv_heads(m, index) == 0)
		kind = KVP_LAYER_NONE;
	return kind;
}

/* The layers of the kinds that attend (kvp__attends), of counts. */
static uint32_t attending(const uint32_t counts[KVP_LAYER_KIND_COUNT])
{
	uint32_t n = 0;

	for (int k = 0; k < KVP_LAYER_KIND_COUNT; k++)
		if (kvp__attends((kvp_layer_kind)k))
			n += counts[k];
	return n;
}

/* The layers of each kind, in one pass: layers repeat with the pattern
 * (and the per-layer list, which is as long as the model), so one cycle
 * is counted and scaled, then the part cycle at the end. */
static void count_kinds(const kvp_model *m, uint32_t counts[KVP_LAYER_KIND_COUNT])
{
	uint32_t cycle;

	memset(counts, 0, KVP_LAYER_KIND_COUNT * sizeof *counts);
	if (m->layers == 0)
		return;
	cycle = (m->layer_kv_heads_len == m->layers && m->layer_kv_heads_len) ||
	        m->kv_shared_layers
	                ? m->layers
	                : m->pattern_len ? m->pattern_len : 1;
	if (cycle > m->layers)
		cycle = m->layers;
	for (uint32_t i = 0; i < cycle; i++) {
		kvp_layer_kind k = kvp_model_layer_kind(m, i);

		if ((unsigned)k < KVP_LAYER_KIND_COUNT)
			counts[k]++;
	}
	for (int k = 0; k < KVP_LAYER_KIND_COUNT; k++)
		counts[k] *= m->layers / cycle;
	for (uint32_t i = m->layers - m->layers % cycle; i < m->layers; i++) {
		kvp_layer_kind k = kvp_model_layer_kind(m, i);

		if ((unsigned)k < KVP_LAYER_KIND_COUNT)
			counts[k]++;
	}
	/* A parallel hybrid's attention layers keep a state too. */
	if (m->ssm_parallel)
		counts[KVP_LAYER_RECURRENT] += attending(counts);
}

uint32_t kvp_model_count_layers(const kvp_model *m, kvp_layer_kind kind)
{
	uint32_t counts[KVP_LAYER_KIND_COUNT];

	if (!m || (unsigned)kind >= KVP_LAYER_KIND_COUNT)
		return 0;
	count_kinds(m, counts);
	return counts[kind];
}

uint32_t kvp__shared_source(const kvp_model *m, uint32_t i)
{
	kvp_layer_kind kind = kvp__layer_weights_kind(m, i);
	uint32_t j;

	if (!m->kv_shared_layers || m->kv_shared_layers >= m->layers ||
	    i < m->layers - m->kv_shared_layers || !kvp__attends(kind))
		return i;
	j = m->layers - m->kv_shared_layers;
	while (j > 0 && kvp__layer_weights_kind(m, j - 1) != kind)
		j--;
	return j ? j - 1 : i;
}

uint64_t kvp__shared_kv_params(const kvp_model *m)
{
	unsigned __int128 n = 0;

	if (!m->kv_shared_layers || m->kv_shared_layers >= m->layers)
		return 0;
	for (uint32_t i = m->layers - m->kv_shared_layers; i < m->layers; i++) {
		kvp_layer_kind kind = kvp__layer_weights_kind(m, i);

		if (kvp__attention_kind(kind))
			n += (unsigned __int128)m->hidden * kvp_model_layer_kv_heads(m, i) *
			     kvp_model_layer_head_dim(m, i) *
			     (m->full_k_eq_v && kind == KVP_LAYER_FULL ? 1 : 2);
	}
	return n > UINT64_MAX ? UINT64_MAX : (uint64_t)n;
}

/* The last kv_shared_layers layers read the cache of the last earlier
 * layer of their kind (vLLM's Gemma4Attention: the last of
 * layer_types[:first_kv_shared_layer_idx] of the type), which must be. */
static kvp_status check_shared(const kvp_model *m, const char *name, kvp_error *err)
{
	uint32_t first;

	if (m->kv_shared_layers >= m->layers)
		return kvp__error(err, KVP_ERR_SHAPE, "%s: num_kv_shared_layers %u of its %u"
		                  " layers: no layer keeps a cache to share", name,
		                  m->kv_shared_layers, m->layers);
	/* A plan keys each of them apart (kvp__layer_cycle). */
	if (m->layers > KVP_PATTERN_MAX)
		return kvp__error(err, KVP_ERR_SHAPE, "%s: num_kv_shared_layers in a model of"
		                  " %u layers, more than the %d planned layer by layer", name,
		                  m->layers, KVP_PATTERN_MAX);
	first = m->layers - m->kv_shared_layers;
	for (uint32_t i = first; i < m->layers; i++) {
		kvp_layer_kind kind = kvp__layer_weights_kind(m, i);

		/* a source of its own is none found */
		if (kvp__attends(kind) && kvp__shared_source(m, i) == i)
			return kvp__error(err, KVP_ERR_SHAPE, "%s: layer %u shares the cache of an"
			                  " earlier %s layer (num_kv_shared_layers %u), yet none of"
			                  " the first %u is one", name, i, kvp_layer_kind_name(kind),
			                  m->kv_shared_layers, first);
	}
	return KVP_OK;
}

/* The checks of the layers, after the heads (kvp_model_finalize). */
kvp_status kvp__model_check_layers(const kvp_model *m, char *label, kvp_error *err)
{
	/* The name is made only for a message: every plan finalizes. */
#define name kvp__label(m->name, "model", label)
	bool caches = false;
	uint32_t counts[KVP_LAYER_KIND_COUNT];

	if (m->pattern_len > m->layers)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "%s: the layer pattern has %u entries, more than the"
		                  " %u layers", name, m->pattern_len, m->layers);
	if (m->pattern_len > KVP_PATTERN_MAX)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "%s: the layer pattern has %u entries, more than the"
		                  " %d it can hold", name, m->pattern_len, KVP_PATTERN_MAX);
	for (uint32_t i = 0; i < m->pattern_len; i++)
		if (m->pattern[i] >= KVP_LAYER_KIND_COUNT)
			return kvp__error(err, KVP_ERR_SHAPE,
			                  "%s: layer pattern entry %u is not a layer kind",
			                  name, i + 1);
	if (m->layer_kv_heads_len != 0 && m->layer_kv_heads_len != m->layers)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "%s: layer_kv_heads has %u entries; the model has %u"
		                  " layers", name, m->layer_kv_heads_len, m->layers);
	if (m->layer_kv_heads_len > KVP_PATTERN_MAX)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "%s: layer_kv_heads has more than %d entries", name,
		                  KVP_PATTERN_MAX);
	for (uint32_t i = 0; i < m->layer_kv_heads_len; i++) {
		uint32_t kv = m->layer_kv_heads[i];

		if (kv != 0 && (kv > m->heads || m->heads % kv != 0))
			return kvp__error(err, KVP_ERR_SHAPE,
			                  "%s: layer %u has %u kv heads, which do not divide"
			                  " the %u heads", name, i, kv, m->heads);
	}
	if (m->kv_shared_layers) {
		kvp_status st = check_shared(m, name, err);

		if (st != KVP_OK)
			return st;
	}
	if (m->double_wide_mlp &&
	    (!m->kv_shared_layers || !m->intermediate || m->intermediate > UINT32_MAX / 2))
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "%s: use_double_wide_mlp widens the MLP of the layers that"
		                  " read an earlier cache, yet it has %s", name,
		                  !m->kv_shared_layers ? "none (num_kv_shared_layers 0)"
		                  : !m->intermediate ? "no intermediate_size"
		                                     : "an intermediate_size past 2^31");
	count_kinds(m, counts);
	/* A parallel hybrid's every layer attends, a state beside it. */
	if (m->ssm_parallel) {
		uint32_t attends = attending(counts);

		if (attends != m->layers)
			return kvp__error(err, KVP_ERR_SHAPE,
			                  "%s: ssm_parallel (a state beside every layer's"
			                  " attention), yet %u of its %u layers do not attend"
			                  " (recurrent, none, or no kv heads)", name,
			                  m->layers - attends, m->layers);
	}
	for (int k = 0; k < KVP_LAYER_KIND_COUNT; k++) {
		uint32_t n = counts[k];

		if (n == 0)
			continue;
		if (k != KVP_LAYER_NONE)
			caches = true;
		if (k == KVP_LAYER_SLIDING && m->sliding_window == 0)
			return kvp__error(err, KVP_ERR_SHAPE,
			                  "%s: %u sliding layers need a window of at least 1"
			                  " token (sliding_window)", name, n);
		if (k == KVP_LAYER_CHUNKED && m->chunk_size == 0)
			return kvp__error(err, KVP_ERR_SHAPE,
			                  "%s: %u chunked layers need a chunk of at least 1"
			                  " token (chunk_size)", name, n);
		if (k == KVP_LAYER_MLA && m->kv_lora_rank == 0)
			return kvp__error(err, KVP_ERR_SHAPE,
			                  "%s: %u MLA layers need a latent rank"
			                  " (kv_lora_rank)", name, n);
		if (k == KVP_LAYER_RECURRENT && m->state_bytes == 0 &&
		    (m->ssm_state == 0 || m->ssm_inner == 0) &&
		    (m->ssm_conv_kernel < 2 || m->ssm_inner == 0))
			return kvp__error(err, KVP_ERR_SHAPE,
			                  "%s: %u recurrent layers have no state size"
			                  " (state_bytes, or ssm_inner with ssm_state or"
			                  " ssm_conv_kernel)", name, n);
	}
	if (!caches)
		return kvp__error(err, KVP_ERR_SHAPE, "%s: no layer has a cache", name);
	if (m->full_head_dim && (m->head_dim_v || m->kv_lora_rank))
		return kvp__error(err, KVP_ERR_SHAPE, "%s: full_head_dim %u (the full layers'"
		                  " own) with head_dim_v %u or kv_lora_rank %u: which layers"
		                  " they are is not said", name, m->full_head_dim, m->head_dim_v,
		                  m->kv_lora_rank);
	return kvp__model_check_indexer(m, name, err);
#undef name
}
