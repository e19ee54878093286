/*
 * gguf_family.c — what each architecture changes in what a layer caches,
 * as llama_model::load_hparams' cases (src/llama-model.cpp) and
 * llama_hparams::set_swa_pattern and n_embd_r/n_embd_s
 * (src/llama-hparams.cpp, commit 01b77b579398) decide it: sliding and
 * chunked layers, recurrent layers and their state, DeepSeek's MLA, and
 * the layers' kinds stored as their shortest cycle.  The rules per
 * architecture are in doc/gguf.md.
 */
#include <stdio.h>
#include <string.h>

#include "gguf.h"

/* The cases of load_hparams that change what a layer caches; every other
 * family llama.cpp knows reads the generic keys alone. */
static const kvp__gguf_family families[] = {
	{"llama", KVP__SWA_IGNORED, 0, 0, KVP__REC_NONE, false, 0},
	/* "Phi SWA is currently disabled" */
	{"phi3", KVP__SWA_IGNORED, 0, 0, KVP__REC_NONE, false, 0},
	{"llama4", KVP__SWA_CHUNKED, 4, 8192, KVP__REC_NONE, false, 0},
	{"gemma2", KVP__SWA_PERIOD, 2, 4096, KVP__REC_NONE, false, 0},
	{"gemma3", KVP__SWA_PERIOD, 6, 0, KVP__REC_NONE, false, 0},
	/* Gemma 3n (src/models/gemma3n.cpp @ 3688fa86, load_arch_hparams):
	 * n_layer_kv_from_start = 20, written in, its shared_kv_layers key
	 * (a float) not read; a layer past it reuses layer 18's or 19's
	 * cache (has_kv, create_memory's reuse callback; research:
	 * /work/research/gemma4-engines.md, gemma3n.md): kvp_model
	 * kv_shared_layers, by kvp__gguf_read_gemma4 */
	{"gemma3n", KVP__SWA_PERIOD, 5, 0, KVP__REC_NONE, false, 20},
	/* Gemma 4 (llama_model_gemma4::load_arch_hparams, src/models/
	 * gemma4.cpp): sliding_window_pattern a flag a layer, the rest read
	 * by kvp__gguf_read_gemma4 */
	{"gemma4", KVP__SWA_PERIOD, 6, 0, KVP__REC_NONE, false, 0},
	{"cohere2", KVP__SWA_PERIOD, 4, 0, KVP__REC_NONE, false, 0},
	{"gpt-oss", KVP__SWA_PERIOD, 2, 0, KVP__REC_NONE, false, 0},
	{"deepseek2", KVP__SWA_IGNORED, 0, 0, KVP__REC_NONE, true, 0},
	/* DeepSeek Sparse Attention: deepseek2's MLA and a lightning
	 * indexer's key cache (llama_kv_cache_dsa; PR #23346 for deepseek32,
	 * #25407 for glm-dsa, which ran as plain MLA before it). */
	{"deepseek32", KVP__SWA_IGNORED, 0, 0, KVP__REC_NONE, true, 0},
	{"glm-dsa", KVP__SWA_IGNORED, 0, 0, KVP__REC_NONE, true, 0},
	{"jamba", KVP__SWA_IGNORED, 0, 0, KVP__REC_KV_ZERO, false, 0},
	{"granitehybrid", KVP__SWA_IGNORED, 0, 0, KVP__REC_KV_ZERO, false, 0},
	{"plamo2", KVP__SWA_IGNORED, 0, 0, KVP__REC_KV_ZERO, false, 0},
	{"nemotron_h", KVP__SWA_IGNORED, 0, 0, KVP__REC_KV_FF_ZERO, false, 0},
	/* Nemotron 3 (Nano, Super, Ultra): llama_model_nemotron_h_moe
	 * takes nemotron_h's load_arch_hparams, a layer recurrent where its
	 * head_count_kv and feed_forward_length are both 0 (src/models/
	 * nemotron-h.cpp, nemotron-h-moe.cpp) */
	{"nemotron_h_moe", KVP__SWA_IGNORED, 0, 0, KVP__REC_KV_FF_ZERO, false, 0},
	{"qwen3next", KVP__SWA_IGNORED, 0, 0, KVP__REC_INTERVAL, false, 0},
	/* Qwen3.5, dense and MoE (models/qwen35.cpp, qwen35moe.cpp at
	 * 3f545becc): Gated DeltaNet but every full_attention_interval-th
	 * layer, as Qwen3-Next; the NextN block after them is full
	 * attention. */
	{"qwen35", KVP__SWA_IGNORED, 0, 0, KVP__REC_INTERVAL, false, 0},
	{"qwen35moe", KVP__SWA_IGNORED, 0, 0, KVP__REC_INTERVAL, false, 0},
	/* llm_build_mamba: every layer a Mamba-1 or Mamba-2 mixer, and its
	 * converter writes head_count 0 ("unused", convert_hf_to_gguf.py
	 * MambaModel, Mamba2Model) */
	{"mamba", KVP__SWA_IGNORED, 0, 0, KVP__REC_ALL, false, 0},
	{"mamba2", KVP__SWA_IGNORED, 0, 0, KVP__REC_ALL, false, 0},
	/* llm_build_falcon_h1: attention and a Mamba-2 mixer in every
	 * layer, both cached (llama_memory_hybrid of every layer's K and V
	 * and every layer's r and s: LLM_ARCH_FALCON_H1 in create_memory) */
	{"falcon-h1", KVP__SWA_IGNORED, 0, 0, KVP__REC_PARALLEL, false, 0},
	/* LFM2 (src/models/lfm2.cpp): a layer of no kv heads a short
	 * convolution, its state n_embd_r = n_embd x (l_cache - 1), f32, no
	 * n_embd_s (llama-hparams.cpp); llama_model_lfm2::load_arch_hparams
	 * makes every other layer sliding where attention.sliding_window is
	 * above 0 (llama_memory_hybrid_iswa), llama_model_lfm2moe's reads no
	 * window */
	{"lfm2", KVP__SWA_ALL, 0, 0, KVP__REC_SHORTCONV, false, 0},
	{"lfm2moe", KVP__SWA_IGNORED, 0, 0, KVP__REC_SHORTCONV, false, 0},
	/* Kimi-Linear (src/models/kimi-linear.cpp, PR #18755): a layer of no
	 * kv heads Kimi Delta Attention, the others MLA cached as K alone
	 * (kv_lora_rank + rope); n_embd_r = 3 (d_conv - 1) head_count
	 * kda.head_dim, n_embd_s = kda.head_dim^2 head_count
	 * (llama-hparams.cpp), f32 */
	{"kimi-linear", KVP__SWA_IGNORED, 0, 0, KVP__REC_KDA, true, 0},
	{"rwkv6", KVP__SWA_IGNORED, 0, 0, KVP__REC_UNSUPPORTED, false, 0},
	{"rwkv7", KVP__SWA_IGNORED, 0, 0, KVP__REC_UNSUPPORTED, false, 0},
};

/* Families with only the generic keys, which are not "generic" reads. */
static const char *const plain[] = {
	"qwen2", "qwen2moe", "qwen3", "qwen3moe", "gemma", "falcon", "gpt2",
	"gptneox", "starcoder", "starcoder2", "command-r", "glm4", "glm4moe",
	"olmo", "olmo2", "olmoe", "internlm2", "minicpm", "stablelm",
	/* MiniCPM3's MLA, which llama.cpp caches as plain attention: its
	 * key_length 96 and V of embedding_length / head_count (64) */
	"minicpm3",
	"baichuan", "bloom", "mpt", "phi2", "phimoe", "granite", "granitemoe",
	"dbrx", "grok", "mistral3", "smollm3", "ernie4_5", "ernie4_5-moe",
	"hunyuan-moe", "hunyuan-dense", "seed_oss", "exaone", "deci",
};

/* The architectures whose load_arch_hparams reads
 * LLM_KV_NEXTN_PREDICT_LAYERS (src/models/ at 3f545becc; mistral4 and
 * nemotron_h_moe by their parents', deepseek2's and nemotron_h's); on them
 * llama_hparams::n_layer() is block_count less it, and the target
 * context's cache leaves those blocks out (llama-model.cpp
 * create_memory). */
bool kvp__gguf_reads_nextn(const char *arch)
{
	static const char *const nextn[] = {
		"bailingmoe2", "bailingmoe3", "cohere2moe", "deepseek2", "deepseek32",
		"deepseek4", "dots3note", "exaone-moe", "exaone4", "glm-dsa", "glm4",
		"glm4moe", "hy_v3", "mimo2", "mistral4", "nemotron_h", "nemotron_h_moe",
		"qwen35", "qwen35moe", "qwen3next", "step35",
	};

	for (size_t i = 0; i < sizeof nextn / sizeof nextn[0]; i++)
		if (strcmp(nextn[i], arch) == 0)
			return true;
	return false;
}

const kvp__gguf_family *kvp__gguf_family_of(const char *arch, bool *known)
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

static kvp_layer_kind kind_of(const kvp__gguf_reader *r,
                              const kvp__gguf_layer_rules *lr, uint32_t i)
{
	uint32_t kv = kvp__gguf_layer(r, &lr->kv, i);
	bool swa = false;

	switch (r->fam ? r->fam->rec : KVP__REC_NONE) {
	case KVP__REC_KV_ZERO:
	case KVP__REC_SHORTCONV:
	case KVP__REC_KDA:
		if (kv == 0)
			return KVP_LAYER_RECURRENT;
		break;
	case KVP__REC_KV_FF_ZERO:
		if (kv == 0 && kvp__gguf_layer(r, &lr->ff, i) == 0)
			return KVP_LAYER_RECURRENT;
		break;
	case KVP__REC_INTERVAL:
		if ((i + 1) % lr->interval != 0)
			return KVP_LAYER_RECURRENT;
		break;
	case KVP__REC_ALL:
		return KVP_LAYER_RECURRENT;
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

kvp_status kvp__gguf_set_pattern(const kvp__gguf_reader *r,
                                 const kvp__gguf_layer_rules *lr,
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
		kvp_layer_kind kind = (kvp_layer_kind)m->pattern[i];
		uint32_t run = 1;

		while (i + run < m->pattern_len && m->pattern[i + run] == kind)
			run++;
		n += (size_t)snprintf(text + n, sizeof text - n, "%s%s",
		                      i ? "," : "", kvp_layer_kind_name(kind));
		if (run > 1)
			n += (size_t)snprintf(text + n, sizeof text - n, "*%u", run);
		i += run;
	}
	kvp__note(r->source, "pattern", KVP_ORIGIN_DERIVED, "%s (%s rules)", text,
	          r->arch);
	return KVP_OK;
}

/* GLM-5.2's layers that keep the indexer's key where the file does not
 * say (llama.cpp's GLM_5_2_DEFAULT_INDEXER_TYPES, src/models/glm-dsa.cpp
 * @06e514f6: 1, 1, then 1, 0, 0, 0 nineteen times), for a glm-dsa file
 * whose context_length is at least 1,048,576 ("BC for GLM 5, 5.1 (full
 * indexers) without indexer_types metadata": below it every layer keeps
 * one).  Layers past the table's 78 keep none, as its array's zeros say. */
#define GLM_5_2_TABLE_LAYERS 78
#define GLM_5_2_CONTEXT 1048576

static bool glm_5_2_full(uint32_t i)
{
	return i < GLM_5_2_TABLE_LAYERS && (i < 2 || (i - 2) % 4 == 0);
}

/* Which layers keep the key: ARCH.attention.indexer.types (LLM_KV_
 * ATTENTION_INDEXER_TYPES), a bool a layer, 1 full (read by
 * get_key_or_arr into hparams.is_indexer_full_impl, PR #25407), else
 * glm-dsa's default by context_length.  llama.cpp's indexer cache takes
 * the full layers alone (filter_lid, PR #26474). */
static kvp_status read_indexer_layers(kvp__gguf_reader *r, kvp_model *m)
{
	kvp__gguf_per_layer pl;
	uint64_t context = 0;
	bool found, shared = false;
	kvp_status st;

	if ((st = kvp__gguf_get_per_layer(r, "attention.indexer.types", &pl,
	                                  &found)) != KVP_OK)
		return st;
	if (!found && strcmp(r->arch, "glm-dsa") == 0 &&
	    ((st = kvp__gguf_get_uint(r, "context_length", false, UINT64_MAX, &context,
	                              &found)) != KVP_OK ||
	     !found || context < GLM_5_2_CONTEXT))
		return st;
	if (!pl.kv && !found)
		return KVP_OK;
	if (r->layers > KVP_PATTERN_MAX)
		return kvp__error_at(r->err, KVP_ERR_RANGE, r->g->path, 0, 0,
		                     "%s: a shared indexer over %u layers; kvplan lists"
		                     " at most %d", r->arch, r->layers, KVP_PATTERN_MAX);
	for (uint32_t i = 0; i < r->layers; i++) {
		m->index_layers[i] = context ? glm_5_2_full(i) : kvp__gguf_layer(r, &pl, i) != 0;
		shared |= !m->index_layers[i];
	}
	/* Every layer of these architectures is MLA: the first computes
	 * the top-k the shared ones after it reuse. */
	if (r->layers && !m->index_layers[0])
		return kvp__error_at(r->err, KVP_ERR_PARSE, r->g->path, 0, 0,
		                     "%s.attention.indexer.types: layer 0 shares the"
		                     " indexer's top-k of no layer before it", r->arch);
	m->index_layers_len = shared ? r->layers : 0;
	if (context)
		kvp__note(r->source, "index_layers", KVP_ORIGIN_DEFAULTED, "%s: no"
		          " attention.indexer.types, context_length %llu: llama.cpp's"
		          " GLM-5.2 layers (GLM_5_2_DEFAULT_INDEXER_TYPES)", r->arch,
		          (unsigned long long)context);
	else
		kvp__note(r->source, "index_layers", KVP_ORIGIN_READ,
		          "%s.attention.indexer.types", r->arch);
	return KVP_OK;
}

/* An indexer's count ARCH.attention.indexer.KEY where the file has it,
 * into *out and noted as field; 0 refused, named at its key. */
static kvp_status indexer_count(kvp__gguf_reader *r, const char *key, const char *field,
                                uint32_t *out)
{
	char name[64];
	bool found;
	kvp_status st;

	snprintf(name, sizeof name, "attention.indexer.%s", key);
	if ((st = kvp__gguf_get_u32(r, name, false, out, &found)) != KVP_OK || !found)
		return st;
	if (*out == 0)
		return kvp__error_at(r->err, KVP_ERR_PARSE, r->g->path, 0, 0,
		                     "%s.%s is 0: the sparse attention's indexer has none",
		                     r->arch, name);
	kvp__note(r->source, field, KVP_ORIGIN_READ, "%s.%s = %u", r->arch, name, *out);
	return KVP_OK;
}

/* A sparse-attention architecture's indexer key: index_head_dim
 * (LLM_KV_ATTENTION_INDEXER_KEY_LENGTH, "%s.attention.indexer.key_length",
 * src/llama-arch.cpp), which llama_kv_cache_dsa caches beside the latent
 * in the layers that keep one. */
static kvp_status read_indexer(kvp__gguf_reader *r, kvp_model *m)
{
	uint32_t dim = 0;
	bool found;
	kvp_status st;

	if (strcmp(r->arch, "deepseek32") != 0 && strcmp(r->arch, "glm-dsa") != 0)
		return KVP_OK;
	if ((st = kvp__gguf_get_u32(r, "attention.indexer.key_length", true, &dim,
	                            &found)) != KVP_OK)
		return st;
	if (dim == 0)
		return kvp__error_at(r->err, KVP_ERR_PARSE, r->g->path, 0, 0,
		                     "%s.attention.indexer.key_length is 0: a sparse-attention"
		                     " architecture's indexer has a key", r->arch);
	if (dim % 128 != 0)
		return kvp__error_at(r->err, KVP_ERR_PARSE, r->g->path, 0, 0,
		                     "%s.attention.indexer.key_length is %u, not a multiple of"
		                     " 128: the indexer keeps an fp32 scale a 128 values",
		                     r->arch, dim);
	m->index_head_dim = dim;
	kvp__note(r->source, "index_head_dim", KVP_ORIGIN_READ,
	          "%s.attention.indexer.key_length = %u", r->arch, dim);
	/* Its query heads (LLM_KV_ATTENTION_INDEXER_HEAD_COUNT), which size
	 * its weights, and the tokens it selects (..._TOP_K), which size
	 * vLLM's buffer of their indices. */
	if ((st = indexer_count(r, "head_count", "index_heads", &m->index_heads)) != KVP_OK ||
	    (st = indexer_count(r, "top_k", "index_topk", &m->index_topk)) != KVP_OK)
		return st;
	return read_indexer_layers(r, m);
}

/* DeepSeek's MLA: llama.cpp caches kv_lora_rank + n_rot values a token
 * (the latent and the rope part of K).  K expands to (nope + rope) and V
 * to v_head_dim per head: key_length_mla and value_length_mla where the
 * file has them (newer conversions store the latent's 576 and 512 in
 * key_length and value_length), else key_length and value_length. */
kvp_status kvp__gguf_read_mla(kvp__gguf_reader *r, kvp_model *m)
{
	uint32_t rank = 0, rope = 0, k = m->head_dim, v = m->head_dim_v, q = 0;
	bool found, has_k, has_v, has_q;
	kvp_status st;

	if ((st = kvp__gguf_get_u32(r, "attention.kv_lora_rank", true, &rank,
	                            &found)) != KVP_OK ||
	    (st = kvp__gguf_get_u32(r, "rope.dimension_count", true, &rope,
	                            &found)) != KVP_OK ||
	    (st = kvp__gguf_get_u32(r, "attention.key_length_mla", false, &k,
	                            &has_k)) != KVP_OK ||
	    (st = kvp__gguf_get_u32(r, "attention.value_length_mla", false, &v,
	                            &has_v)) != KVP_OK ||
	    (st = kvp__gguf_get_u32(r, "attention.q_lora_rank", false, &q,
	                            &has_q)) != KVP_OK)
		return st;
	if (v == 0)
		v = k;
	if (rank == 0 || k <= rope)
		return kvp__error_at(r->err, KVP_ERR_PARSE, r->g->path, 0, 0,
		                     "%s: kv_lora_rank %u and a K head of %u values"
		                     " with %u for rope are no MLA shape", r->arch,
		                     rank, k, rope);
	m->kv_lora_rank = rank;
	m->q_lora_rank = q;
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
	if (has_q)
		kvp__note(r->source, "q_lora_rank", KVP_ORIGIN_READ,
		          "%s.attention.q_lora_rank = %u", r->arch, q);
	kvp__note(r->source, "qk_rope_dim", KVP_ORIGIN_READ,
	          "%s.rope.dimension_count = %u", r->arch, rope);
	kvp__note(r->source, "head_dim", KVP_ORIGIN_READ,
	          "%s.attention.key_length%s = %u", r->arch, has_k ? "_mla" : "",
	          k);
	kvp__note(r->source, "kv_heads", KVP_ORIGIN_DERIVED,
	          "MLA: K and V expand for each of the %u heads", m->heads);
	return read_indexer(r, m);
}

kvp_status kvp__gguf_read_windows(kvp__gguf_reader *r,
                                  kvp__gguf_layer_rules *lr, kvp_model *m)
{
	kvp__swa_rule rule = r->fam ? r->fam->swa : KVP__SWA_GENERIC;
	uint64_t window = r->fam ? r->fam->window : 0;
	char key[KVP__GGUF_KEY_MAX];
	const kvp__gguf_kv *pattern;
	bool found;
	kvp_status st;

	lr->windowed = KVP_LAYER_SLIDING;
	if (rule == KVP__SWA_IGNORED)
		return KVP_OK;
	if (rule == KVP__SWA_CHUNKED) {
		/* llama4: n_swa = 8192, fixed in load_hparams (a file stating
		 * a window of 0 turns chunking off). */
		if ((st = kvp__gguf_get_uint(r, "attention.sliding_window", false,
		                             UINT32_MAX, &window, &found)) !=
		    KVP_OK)
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
	if ((st = kvp__gguf_get_uint(r, "attention.sliding_window",
	                             rule == KVP__SWA_PERIOD && window == 0,
	                             UINT32_MAX, &window, &found)) != KVP_OK)
		return st;
	if (window == 0)
		return KVP_OK;
	m->sliding_window = window;
	kvp__note(r->source, "sliding_window", found ? KVP_ORIGIN_READ
	                                             : KVP_ORIGIN_DEFAULTED,
	          "%s.attention.sliding_window = %llu%s", r->arch,
	          (unsigned long long)window, found ? "" : " (absent: default)");
	lr->swa_period = rule == KVP__SWA_PERIOD ? r->fam->period : 0;
	lr->all_sliding = rule == KVP__SWA_GENERIC || rule == KVP__SWA_ALL;
	if (rule == KVP__SWA_ALL)
		return KVP_OK;
	pattern = kvp__gguf_arch_key(r, "attention.sliding_window_pattern", key);
	if (pattern && pattern->type == KVP__GGUF_ARRAY) {
		kvp__gguf_per_layer flags;

		if ((st = kvp__gguf_get_per_layer(r,
		                                  "attention.sliding_window_pattern",
		                                  &flags, &found)) != KVP_OK)
			return st;
		lr->swa_flags = pattern;
		lr->all_sliding = false;
	} else if (pattern) {
		uint32_t period = 0;

		if ((st = kvp__gguf_get_u32(r, "attention.sliding_window_pattern",
		                            true, &period, &found)) != KVP_OK)
			return st;
		/* set_swa_pattern(0) makes every layer sliding. */
		lr->all_sliding = period == 0;
		lr->swa_period = period;
	}
	if (rule == KVP__SWA_GENERIC && !pattern)
		kvp__source_warn(r->source, "%s: sliding_window %llu is taken to"
		                 " apply to every layer (no sliding_window_pattern)",
		                 r->arch, (unsigned long long)window);
	return KVP_OK;
}

kvp_status kvp__gguf_read_recurrent(kvp__gguf_reader *r,
                                    kvp__gguf_layer_rules *lr, kvp_model *m)
{
	bool found, has_groups;
	kvp_status st;

	if (!r->fam || r->fam->rec == KVP__REC_NONE)
		return KVP_OK;
	if (r->fam->rec == KVP__REC_KDA) {
		uint32_t hd = 0, kda = 0;

		/* its layers of no kv heads are the KDA ones: a file that
		 * marks none (a scalar head_count_kv) is no Kimi-Linear
		 * llama.cpp loads */
		for (uint32_t i = 0; i < r->layers; i++)
			kda += kvp__gguf_layer(r, &lr->kv, i) == 0;
		if (!kda)
			return kvp__error_at(r->err, KVP_ERR_PARSE, r->g->path, 0, 0,
			                     "%s.attention.head_count_kv marks no Kimi Delta"
			                     " Attention layer (a 0 entry): a list of one"
			                     " per layer is its converter's", r->arch);

		if ((st = kvp__gguf_get_u32(r, "ssm.conv_kernel", true, &m->ssm_conv_kernel,
		                            &found)) != KVP_OK ||
		    (st = kvp__gguf_get_u32(r, "kda.head_dim", true, &hd, &found)) != KVP_OK)
			return st;
		if (hd == 0 || m->ssm_conv_kernel < 2 ||
		    (uint64_t)hd * m->heads > UINT32_MAX)
			return kvp__error_at(r->err, KVP_ERR_PARSE, r->g->path, 0, 0,
			                     "%s.kda.head_dim %u and ssm.conv_kernel %u with"
			                     " %u heads are no Kimi Delta Attention shape",
			                     r->arch, hd, m->ssm_conv_kernel, m->heads);
		/* llama.cpp's KDA state is its Gated DeltaNet's numbers with
		 * inner = heads x kda.head_dim, state = kda.head_dim, groups =
		 * heads (its n_head(), not a count of its own) */
		m->ssm_state = hd;
		m->ssm_inner = hd * m->heads;
		m->ssm_groups = m->ssm_heads = m->heads;
		kvp__note(r->source, "ssm", KVP_ORIGIN_READ, "%s.kda.head_dim = %u, head_count"
		          " %u, ssm.conv_kernel = %u: Kimi Delta Attention's state", r->arch, hd,
		          m->heads, m->ssm_conv_kernel);
		return KVP_OK;
	}
	if (r->fam->rec == KVP__REC_SHORTCONV) {
		if ((st = kvp__gguf_get_u32(r, "shortconv.l_cache", true, &m->ssm_conv_kernel,
		                            &found)) != KVP_OK)
			return st;
		if (m->ssm_conv_kernel < 2)
			return kvp__error_at(r->err, KVP_ERR_PARSE, r->g->path, 0, 0,
			                     "%s.shortconv.l_cache is %u: a short convolution"
			                     " of fewer than 2 taps keeps no state", r->arch,
			                     m->ssm_conv_kernel);
		/* llama_hparams::n_embd_r is a uint32_t */
		if ((uint64_t)m->hidden * (m->ssm_conv_kernel - 1) > UINT32_MAX)
			return kvp__error_at(r->err, KVP_ERR_RANGE, r->g->path, 0, 0,
			                     "%s.shortconv.l_cache is %u: a state of (%u - 1)"
			                     " x %u values a layer, past the 32 bits of"
			                     " llama.cpp's n_embd_r", r->arch,
			                     m->ssm_conv_kernel, m->ssm_conv_kernel, m->hidden);
		m->ssm_inner = m->hidden;
		kvp__note(r->source, "ssm", KVP_ORIGIN_READ, "%s.shortconv.l_cache = %u:"
		          " a conv layer's state of %u columns of embedding_length %u",
		          r->arch, m->ssm_conv_kernel, m->ssm_conv_kernel - 1, m->hidden);
		return KVP_OK;
	}
	if ((st = kvp__gguf_get_u32(r, "ssm.conv_kernel", true,
	                            &m->ssm_conv_kernel, &found)) != KVP_OK ||
	    (st = kvp__gguf_get_u32(r, "ssm.inner_size", true, &m->ssm_inner,
	                            &found)) != KVP_OK ||
	    (st = kvp__gguf_get_u32(r, "ssm.state_size", true, &m->ssm_state,
	                            &found)) != KVP_OK ||
	    (st = kvp__gguf_get_u32(r, "ssm.group_count", r->fam->rec == KVP__REC_PARALLEL,
	                            &m->ssm_groups, &has_groups)) != KVP_OK)
		return st;
	kvp__note(r->source, "ssm", KVP_ORIGIN_READ,
	          "%s.ssm.conv_kernel = %u, ssm.inner_size = %u, ssm.state_size"
	          " = %u, ssm.group_count = %u%s", r->arch, m->ssm_conv_kernel,
	          m->ssm_inner, m->ssm_state, m->ssm_groups,
	          has_groups ? "" : " (absent)");
	m->ssm_parallel = r->fam->rec == KVP__REC_PARALLEL;
	if (r->fam->rec == KVP__REC_KV_FF_ZERO)
		return kvp__gguf_get_per_layer(r, "feed_forward_length", &lr->ff,
		                               &found);
	if (r->fam->rec == KVP__REC_INTERVAL) {
		lr->interval = 4;
		if ((st = kvp__gguf_get_u32(r, "full_attention_interval", false,
		                            &lr->interval, &found)) != KVP_OK)
			return st;
		if (lr->interval == 0)
			return kvp__error_at(r->err, KVP_ERR_PARSE, r->g->path, 0, 0,
			                     "%s.full_attention_interval is 0", r->arch);
	}
	return KVP_OK;
}

/* Gemma 4's sliding layers' own head (attention.key_length_swa and
 * value_length_swa, llama_hparams n_embd_head_k_swa: n_embd_head_k(il)
 * is it on a sliding layer, key_length on a full one) and its last
 * layers that read an earlier one's cache (attention.shared_kv_layers:
 * n_layer_kv_from_start = n_layer - it; has_kv(il) false past it, no
 * cells in llama_kv_cache).  load_arch_tensors refuses K and V heads of
 * other lengths.  Gemma 3n's shared layers, those from its family's
 * kv_from_start on. */
kvp_status kvp__gguf_read_gemma4(kvp__gguf_reader *r, kvp_model *m)
{
	uint32_t k = 0, v = 0, shared = 0, full;
	bool has_k, has_v, found;
	kvp_status st;

	if (r->fam && r->fam->kv_from_start) {
		uint32_t from = r->fam->kv_from_start;

		/* llama.cpp reads layer from - 2 for a sliding layer, from - 1
		 * for a full one, whatever their kinds; kvplan the last
		 * earlier layer of the kind, the same where those are */
		for (uint32_t i = from; i < r->layers && from >= 2; i++) {
			kvp_layer_kind kind = kvp_model_layer_kind(m, i), want;

			want = kind == KVP_LAYER_SLIDING ? kvp_model_layer_kind(m, from - 2)
			                                 : kvp_model_layer_kind(m, from - 1);
			if (want != kind)
				return kvp__error_at(r->err, KVP_ERR_UNSUPPORTED, r->g->path, 0, 0,
				                     "%s: sliding_window_pattern makes layer %u %s,"
				                     " whose cache llama.cpp reads from layer %u, a"
				                     " layer of another kind: not modelled", r->arch,
				                     i, kvp_layer_kind_name(kind),
				                     kind == KVP_LAYER_SLIDING ? from - 2 : from - 1);
		}
		if (r->layers > from) {
			m->kv_shared_layers = r->layers - from;
			kvp__note(r->source, "kv_shared_layers", KVP_ORIGIN_DERIVED,
			          "the layers from %u on (llama.cpp's n_layer_kv_from_start"
			          " for %s)", r->fam->kv_from_start, r->arch);
		}
		return KVP_OK;
	}
	if (strcmp(r->arch, "gemma4") != 0)
		return KVP_OK;
	if ((st = kvp__gguf_get_u32(r, "attention.key_length_swa", false, &k, &has_k)) ||
	    (st = kvp__gguf_get_u32(r, "attention.value_length_swa", false, &v, &has_v)) ||
	    (st = kvp__gguf_get_u32(r, "attention.shared_kv_layers", false, &shared, &found)))
		return st;
	/* the full layers' head: key_length, else n_embd / n_head as
	 * llama.cpp's loader takes it; the sliding ones' the same unless
	 * key_length_swa says */
	full = m->head_dim ? m->head_dim
	       : m->heads && m->hidden % m->heads == 0 ? m->hidden / m->heads : 0;
	if (!has_k)
		k = full;
	if (!has_v)
		v = k;
	if (m->head_dim_v || k != v)
		return kvp__error_at(r->err, KVP_ERR_UNSUPPORTED, r->g->path, 0, 0,
		                     "%s: K and V heads of other lengths (%s %u, %s %u), which"
		                     " llama.cpp refuses", r->arch,
		                     m->head_dim_v ? "key_length" : "key_length_swa",
		                     m->head_dim_v ? m->head_dim : k,
		                     m->head_dim_v ? "value_length" : "value_length_swa",
		                     m->head_dim_v ? m->head_dim_v : v);
	if (has_k && k == 0)
		return kvp__error_at(r->err, KVP_ERR_PARSE, r->g->path, 0, 0,
		                     "%s.attention.key_length_swa is 0", r->arch);
	if (has_k && full && k != full) {
		m->full_head_dim = full;
		m->head_dim = k;
		kvp__note(r->source, "head_dim", KVP_ORIGIN_READ, "%s.attention.key_length_swa"
		          " = %u, the sliding layers'; %u the full layers'", r->arch, k, full);
	}
	if (found && shared >= r->layers)
		return kvp__error_at(r->err, KVP_ERR_PARSE, r->g->path, 0, 0,
		                     "%s.attention.shared_kv_layers %u of %u layers: none would"
		                     " keep a cache to share", r->arch, shared, r->layers);
	if (found && shared) {
		m->kv_shared_layers = shared;
		kvp__note(r->source, "kv_shared_layers", KVP_ORIGIN_READ,
		          "%s.attention.shared_kv_layers = %u", r->arch, shared);
	}
	return KVP_OK;
}
