/*
 * source.c — where a model's figures came from (kvp_source and its notes)
 * and the weights tally that checkpoint headers add to (kvp_weights).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "inputs.h"

const char *kvp_source_kind_name(kvp_source_kind kind)
{
	switch (kind) {
	case KVP_SOURCE_CATALOG: return "catalogue";
	case KVP_SOURCE_CONFIG: return "config.json";
	case KVP_SOURCE_SAFETENSORS: return "safetensors";
	case KVP_SOURCE_GGUF: return "gguf";
	}
	return "unknown";
}

const char *kvp_origin_name(kvp_origin origin)
{
	switch (origin) {
	case KVP_ORIGIN_READ: return "read";
	case KVP_ORIGIN_DEFAULTED: return "defaulted";
	case KVP_ORIGIN_DERIVED: return "derived";
	case KVP_ORIGIN_ESTIMATED: return "estimated";
	}
	return "unknown";
}

void kvp_source_init(kvp_source *source, kvp_source_kind kind,
                     const char *path)
{
	if (!source)
		return;
	memset(source, 0, sizeof *source);
	source->kind = kind;
	if (path)
		snprintf(source->path, sizeof source->path, "%s", path);
}

const kvp_source_note *kvp_source_find(const kvp_source *source,
                                       const char *field)
{
	if (!source || !field)
		return NULL;
	for (size_t i = 0; i < source->n_notes && i < KVP_SOURCE_NOTES_MAX; i++)
		if (strcmp(source->notes[i].field, field) == 0)
			return &source->notes[i];
	return NULL;
}

void kvp__note(kvp_source *source, const char *field, kvp_origin origin,
               const char *fmt, ...)
{
	kvp_source_note *note;
	va_list ap;

	if (!source)
		return;
	note = (kvp_source_note *)kvp_source_find(source, field);
	if (!note) {
		if (source->n_notes >= KVP_SOURCE_NOTES_MAX) {
			source->notes_dropped = true;
			return;
		}
		note = &source->notes[source->n_notes++];
		snprintf(note->field, sizeof note->field, "%s", field);
	}
	note->origin = origin;
	va_start(ap, fmt);
	vsnprintf(note->text, sizeof note->text, fmt, ap);
	va_end(ap);
}

void kvp__source_warn(kvp_source *source, const char *fmt, ...)
{
	va_list ap;
	size_t max = sizeof source->warnings / sizeof source->warnings[0];

	if (!source || source->n_warnings >= max)
		return;
	va_start(ap, fmt);
	vsnprintf(source->warnings[source->n_warnings++], KVP_NOTE_MAX, fmt, ap);
	va_end(ap);
}

void kvp_weights_init(kvp_weights *weights)
{
	if (weights)
		memset(weights, 0, sizeof *weights);
}

/* Whether name, past one of the prefixes a checkpoint puts before its
 * text model's tensors, is one of names (NULL-ended).  A layer's own
 * embedding (DeepSeek-V3's MTP layer, model.layers.61.embed_tokens) has
 * no such prefix alone, and is not matched. */
static bool tensor_named(const char *name, size_t len, const char *const *names)
{
	static const char *const prefixes[] = {
		"", "model.", "model.language_model.", "language_model.model.",
		"language_model.", "transformer.", "backbone.", NULL
	};

	for (size_t i = 0; prefixes[i]; i++) {
		size_t n = strlen(prefixes[i]);

		if (len < n || memcmp(name, prefixes[i], n) != 0)
			continue;
		for (size_t j = 0; names[j]; j++)
			if (len - n == strlen(names[j]) && memcmp(name + n, names[j], len - n) == 0)
				return true;
	}
	return false;
}

/* The input embedding: GGUF's token_embd (llama-arch.cpp), and the
 * transformers names (Llama's embed_tokens, GPT-2's wte, BLOOM's
 * word_embeddings, Mamba's embeddings, InternLM's tok_embeddings), and
 * Gemma 4's per-layer input table beside it (GGUF's per_layer_token_embd,
 * an input layer llama.cpp keeps on the CPU as token_embd;
 * transformers' embed_tokens_per_layer).  The
 * head: GGUF's output, transformers' lm_head, whole or GPTQ's and AWQ's
 * tensors of it. */
static const char *const embedding_names[] = {
	"token_embd.weight", "embed_tokens.weight", "wte.weight",
	"word_embeddings.weight", "embeddings.weight", "tok_embeddings.weight",
	"per_layer_token_embd.weight", "embed_tokens_per_layer.weight", NULL
};
static const char *const head_names[] = {
	"output.weight", "lm_head.weight",
	/* a quantized head: GPTQ's and AWQ's tensors, and old AutoGPTQ's
	 * zero bias beside them */
	"lm_head.qweight", "lm_head.qzeros", "lm_head.scales", "lm_head.g_idx",
	"lm_head.bias", NULL
};

/* Whether name's first part, past the first of prefixes (NULL-ended)
 * that it starts with, is one of names (NULL-ended). */
static bool first_part(const char *name, size_t len, const char *const *prefixes,
                       const char *const *names)
{
	for (size_t i = 0; prefixes[i]; i++) {
		size_t n = strlen(prefixes[i]);

		if (len >= n && memcmp(name, prefixes[i], n) == 0) {
			name += n;
			len -= n;
			break;
		}
	}
	for (size_t j = 0; names[j]; j++) {
		size_t k = strlen(names[j]);

		if (len > k && name[k] == '.' && memcmp(name, names[j], k) == 0)
			return true;
	}
	return false;
}

/* An MTP layer's tensor (kvp_weights mtp_bytes says which). */
static bool mtp_tensor(const kvp_weights *w, const char *name, size_t len);

bool kvp__weights_mtp_name(const kvp_weights *w, const char *name)
{
	return mtp_tensor(w, name, strlen(name));
}

static bool mtp_tensor(const kvp_weights *w, const char *name, size_t len)
{
	static const char *const blocks[] = {
		"blk.", "layers.", "model.layers.", "model.language_model.layers.",
		"language_model.model.layers.", "language_model.layers.", NULL
	};

	/* a part mtp (Qwen3.5's mtp.fc, LongCat-Flash's model.mtp.layers.0)
	 * or mtp_* (MiMo's model.mtp_layers, ERNIE's mtp_block) */
	for (size_t i = 0; i + 4 < len; i++)
		if ((i == 0 || name[i - 1] == '.') &&
		    (memcmp(name + i, "mtp.", 4) == 0 || memcmp(name + i, "mtp_", 4) == 0))
			return true;
	for (size_t j = 0; w->mtp_from_layer && blocks[j]; j++) {
		size_t i = strlen(blocks[j]), start = i;
		uint64_t n = 0;

		if (len <= i || memcmp(name, blocks[j], i) != 0)
			continue;
		while (i < len && name[i] >= '0' && name[i] <= '9' && n <= UINT32_MAX)
			n = n * 10 + (uint64_t)(name[i++] - '0');
		return i > start && i < len && name[i] == '.' && n >= w->mtp_from_layer;
	}
	return false;
}

/* Of an MTP layer's tensors, its own copy of the embedding or the head
 * (kvp_weights mtp_shared_bytes): a part embed_tokens or
 * shared_head_head (GGUF's nextn.*), or shared_head then head. */
static bool mtp_copy_tensor(const char *name, size_t len)
{
	size_t start = 0, prev = 0, prev_len = 0;

	for (size_t i = 0; i <= len; i++) {
		size_t n = i - start;

		if (i < len && name[i] != '.')
			continue;
		if ((n == 12 && memcmp(name + start, "embed_tokens", 12) == 0) ||
		    (n == 16 && memcmp(name + start, "shared_head_head", 16) == 0) ||
		    (n == 4 && memcmp(name + start, "head", 4) == 0 && prev_len == 11 &&
		     memcmp(name + prev, "shared_head", 11) == 0))
			return true;
		prev = start;
		prev_len = n;
		start = i + 1;
	}
	return false;
}

/* A routed expert's tensor (kvp_weights expert_bytes says which): a
 * dot-separated part "experts" or one ending "_exps". */
static bool expert_tensor(const char *name, size_t len)
{
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		size_t n = i - start;

		if (i < len && name[i] != '.')
			continue;
		if ((n == 7 && memcmp(name + start, "experts", 7) == 0) ||
		    (n > 5 && memcmp(name + i - 5, "_exps", 5) == 0))
			return true;
		start = i + 1;
	}
	return false;
}

/* A tensor every tensor-parallel rank holds whole (kvp_weights
 * replicated_bytes): an MLA layer's down-projections (a part q_a_proj or
 * kv_a_proj_with_mqa; GGUF's attn_q_a, attn_kv_a_mqa), a sparse-attention
 * indexer's tensors (a part indexer: wq_b, wk, weights_proj, k_norm,
 * ReplicatedLinear in vLLM's and SGLang's Indexer), or a mixture of
 * experts' router (a part gate or router after mlp, block_sparse_moe or
 * feed_forward: DeepSeek's mlp.gate.weight and its
 * e_score_correction_bias, Mixtral's block_sparse_moe.gate, Llama 4's
 * feed_forward.router, gpt-oss's mlp.router; GGUF's ffn_gate_inp and
 * exp_probs_b). */
static bool replicated_tensor(const char *name, size_t len)
{
	static const char *const whole[] = {"q_a_proj", "kv_a_proj_with_mqa", "attn_q_a",
		"attn_kv_a_mqa", "ffn_gate_inp", "exp_probs_b", "indexer", NULL};
	static const char *const moe[] = {"mlp", "block_sparse_moe", "feed_forward", NULL};
	size_t start = 0, prev = 0, prev_len = 0;

	for (size_t i = 0; i <= len; i++) {
		size_t n = i - start;

		if (i < len && name[i] != '.')
			continue;
		for (int j = 0; whole[j]; j++)
			if (n == strlen(whole[j]) && memcmp(name + start, whole[j], n) == 0)
				return true;
		if ((n == 4 && memcmp(name + start, "gate", 4) == 0) ||
		    (n == 6 && memcmp(name + start, "router", 6) == 0))
			for (int j = 0; moe[j]; j++)
				if (prev_len == strlen(moe[j]) &&
				    memcmp(name + prev, moe[j], prev_len) == 0)
					return true;
		prev = start;
		prev_len = n;
		start = i + 1;
	}
	return false;
}

/* An attention projection, but for those held whole (kvp_weights
 * attention_bytes): a dot-separated part q_proj, k_proj, v_proj,
 * qkv_proj, o_proj, q_b_proj or kv_b_proj, or GGUF's attn_q, attn_k,
 * attn_v, attn_qkv, attn_output, attn_q_b, attn_kv_b, attn_k_b and
 * attn_v_b. */
static bool attention_tensor(const char *name, size_t len)
{
	static const char *const parts[] = {"q_proj", "k_proj", "v_proj", "qkv_proj",
		"o_proj", "q_b_proj", "kv_b_proj", "attn_q", "attn_k", "attn_v", "attn_qkv",
		"attn_output", "attn_q_b", "attn_kv_b", "attn_k_b", "attn_v_b", NULL};
	size_t start = 0;

	for (size_t i = 0; i <= len; i++) {
		size_t n = i - start;

		if (i < len && name[i] != '.')
			continue;
		for (int j = 0; parts[j]; j++)
			if (n == strlen(parts[j]) && memcmp(name + start, parts[j], n) == 0)
				return true;
		start = i + 1;
	}
	return false;
}

/* The towers llama.cpp's converter writes to an mmproj file (Qwen-VL's
 * visual, LLaVA's and Gemma 3's vision_tower, Llama 4's and InternVL's
 * vision_model, their multi_modal_projector, InternVL's mlp1, Gemma 3n's
 * embed_vision and audio, Idefics3's connector, MiniCPM-V's vpm and
 * resampler, ERNIE-4.5-VL's resampler_model, Phi-3.5-V's
 * vision_embed_tokens, Pixtral's vision_encoder and
 * vision_language_adapter, DeepSeek-VL2's and GLM-4V's vision and
 * projector), the first part past model., Qwen-Omni's thinker. or
 * GLM-4V's transformer. */
static const char *const tower_names[] = {
	"visual", "vision_tower", "vision_model", "multi_modal_projector",
	"mm_projector", "mlp1", "audio_tower", "embed_vision", "embed_audio",
	"connector", "vpm", "resampler", "resampler_model", "vision_embed_tokens",
	"vision_encoder", "vision_language_adapter", "vision", "projector", NULL
};
static const char *const tower_prefixes[] = {
	"model.", "thinker.", "transformer.", NULL
};

kvp_status kvp__weights_add(kvp_weights *weights, const char *name, size_t name_len,
                            const char *type, uint64_t params, uint64_t bytes,
                            const char *path, kvp_error *err)
{
	kvp_weight_type *t = NULL;
	uint64_t *role = NULL;

	for (size_t i = 0; i < weights->n_types; i++)
		if (strcmp(weights->types[i].name, type) == 0)
			t = &weights->types[i];
	if (!t) {
		if (weights->n_types >= KVP_WEIGHT_TYPES_MAX)
			return kvp__error_at(err, KVP_ERR_RANGE, path, 0, 0,
			                     "more than %d tensor types",
			                     KVP_WEIGHT_TYPES_MAX);
		t = &weights->types[weights->n_types++];
		memset(t, 0, sizeof *t);
		snprintf(t->name, sizeof t->name, "%s", type);
	}
	if (!kvp__add(t->params, params, &t->params) ||
	    !kvp__add(t->bytes, bytes, &t->bytes) ||
	    !kvp__add(weights->params, params, &weights->params) ||
	    !kvp__add(weights->bytes, bytes, &weights->bytes))
		return kvp__error_at(err, KVP_ERR_OVERFLOW, path, 0, 0,
		                     "the tensors' sizes overflow 64 bits");
	if (tensor_named(name, name_len, embedding_names))
		role = &weights->embedding_bytes;
	else if (tensor_named(name, name_len, head_names))
		role = &weights->head_bytes;
	if (role)
		*role += bytes; /* at most weights->bytes, which did not overflow */
	/* Each at most weights->bytes and ->params, which did not
	 * overflow. */
	if (mtp_tensor(weights, name, name_len)) {
		weights->mtp_bytes += bytes;
		weights->mtp_params += params;
		if (mtp_copy_tensor(name, name_len)) {
			weights->mtp_shared_bytes += bytes;
			weights->mtp_shared_params += params;
		}
	} else if (first_part(name, name_len, tower_prefixes, tower_names)) {
		weights->vision_bytes += bytes;
		weights->vision_params += params;
	} else if (expert_tensor(name, name_len)) {
		weights->expert_bytes += bytes;
		weights->expert_params += params;
	} else if (replicated_tensor(name, name_len)) {
		weights->replicated_bytes += bytes;
	} else if (attention_tensor(name, name_len)) {
		weights->attention_bytes += bytes;
	}
	t->tensors++;
	weights->tensors++;
	return KVP_OK;
}

void kvp__name_from_path(const char *path, const char *suffix, bool parent,
                         char name[KVP_NAME_MAX])
{
	const char *end, *start;
	size_t n = 0, slen = suffix ? strlen(suffix) : 0;

	end = path + strlen(path);
	while (end > path && end[-1] == '/')
		end--;
	start = end;
	while (start > path && start[-1] != '/')
		start--;
	if (parent) {
		/* The directory's name: a config.json is named by its repo. */
		end = start;
		while (end > path && end[-1] == '/')
			end--;
		start = end;
		while (start > path && start[-1] != '/')
			start--;
	} else if (slen && (size_t)(end - start) > slen &&
	           strncmp(end - slen, suffix, slen) == 0) {
		end -= slen;
	}
	/* Printable ASCII only, so that the name is safe in any output. */
	for (const char *p = start; p < end && n < KVP_NAME_MAX - 1; p++)
		name[n++] = (*p > ' ' && *p < 0x7f) ? *p : '_';
	name[n] = '\0';
	if (n == 0)
		snprintf(name, KVP_NAME_MAX, "%s", "model");
}
