/*
 * lora.c — LoRA adapters beside the weights: their modules parsed, one
 * adapter's bytes, and what one GPU holds for every slot.
 *
 * One adapter of rank r on a module reading `in` values and writing `out`
 * holds A (r x in) and B (out x r): r x (in + out) values.  Per layer:
 *   q_proj     hidden -> heads x head_dim         attention layers
 *   k_proj     hidden -> kv_heads x head_dim      (full, sliding, chunked;
 *   v_proj     hidden -> kv_heads x head_dim_v     none on recurrent and
 *   o_proj     heads x head_dim_v -> hidden         cache-less layers)
 *   gate_proj  hidden -> intermediate             every layer (a dense,
 *   up_proj    hidden -> intermediate              gated MLP)
 *   down_proj  intermediate -> hidden
 * and once: embed_tokens A (vocab x r), B (hidden x r); lm_head A (r x
 * hidden), B (vocab x r).  MLA's projections and a mixture of experts are
 * not modelled, and are refused by name.
 *
 * vLLM, as read in vllm/lora/layers/ (base_linear.py create_lora_weights,
 * column_parallel_linear.py, row_parallel_linear.py, logits_processor.py
 * at 65ead076, vocal_parallel_embedding.py at 85cd216e: v0.12, unchanged
 * in the linear layers from v0.10.2 to the newest read), preallocates
 * max_loras slots of max_lora_rank for every module the model's LoRA
 * support wraps, whatever an adapter targets (model_manager.py
 * _create_lora_modules; Llama's embedding_modules add embed_tokens and
 * lm_head), in lora_dtype ("auto": the model's 16-bit type), inside
 * load_model, so in "Model loading took X GiB".  Under tensor parallelism
 * a column-parallel module (q, k, v, gate, up) keeps A whole and B's rows
 * split (kv heads as the rank holds them: one replicated head when the
 * ranks outnumber them); a row-parallel one (o, down) splits A's columns
 * and keeps B whole; embed_tokens and lm_head are whole on every rank.
 * Pipeline stages hold their own layers, embed_tokens the first and
 * lm_head the last.  The punica metadata (a few int64 per batched token,
 * under a MiB) is not counted.
 *
 * SGLang (python/sglang/srt/lora/mem_pool.py LoRAMemoryPool, read through
 * the code index; research: /work/research/sglang-lora-pool.md) holds
 * max_loras_per_batch slots (default 8, server_args.py; the base model
 * takes one of them) of max_lora_rank in the model's type, on its target
 * modules, allocated by init_lora_manager right after load_model, before
 * the KV cache is sized.  The linear modules split under tensor
 * parallelism as vLLM's do (qkv and gate_up column-parallel, o and down
 * row-parallel); embed_tokens A (r x vocab) and B (hidden x r) are whole,
 * lm_head A (r x hidden) whole and B (vocab / tp x r) split.  The buffers
 * are made for every layer of the model on every pipeline rank.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "engine.h"

static const struct {
	const char *name;
	uint32_t bits;
} module_names[] = {
	{"q_proj", KVP_LORA_Q}, {"k_proj", KVP_LORA_K}, {"v_proj", KVP_LORA_V},
	{"o_proj", KVP_LORA_O}, {"gate_proj", KVP_LORA_GATE}, {"up_proj", KVP_LORA_UP},
	{"down_proj", KVP_LORA_DOWN}, {"embed_tokens", KVP_LORA_EMBED},
	{"lm_head", KVP_LORA_HEAD},
	/* vLLM's packed modules, and the sets. */
	{"qkv_proj", KVP_LORA_Q | KVP_LORA_K | KVP_LORA_V},
	{"gate_up_proj", KVP_LORA_GATE | KVP_LORA_UP},
	{"all-linear", KVP_LORA_LINEAR},
	{"attention", KVP_LORA_Q | KVP_LORA_K | KVP_LORA_V | KVP_LORA_O},
	{"mlp", KVP_LORA_GATE | KVP_LORA_UP | KVP_LORA_DOWN},
};
#define N_NAMES (sizeof module_names / sizeof module_names[0])
#define N_SINGLE 9 /* the first nine are one module each */

static uint32_t module_bits(const char *name, size_t len)
{
	for (size_t i = 0; i < N_NAMES; i++) {
		const char *n = module_names[i].name;
		size_t nl = strlen(n);

		if (len == nl && strncasecmp(name, n, len) == 0)
			return module_names[i].bits;
		/* "q" for "q_proj" */
		if (nl > 5 && strcmp(n + nl - 5, "_proj") == 0 && len == nl - 5 &&
		    strncasecmp(name, n, len) == 0)
			return module_names[i].bits;
	}
	return 0;
}

kvp_status kvp_lora_modules_parse(const char *text, uint32_t *modules, kvp_error *err)
{
	uint32_t bits = 0;
	unsigned entry = 0;

	if (!text || !modules)
		return kvp__error(err, KVP_ERR_INVALID, "no modules given");
	for (const char *p = text;; p++) {
		const char *end = strchr(p, ',');
		size_t len = end ? (size_t)(end - p) : strlen(p);
		uint32_t b = module_bits(p, len);
		char quoted[KVP_QUOTE_MAX], name[KVP_QUOTE_MAX];

		entry++;
		if (!b) {
			size_t n = len < sizeof name - 1 ? len : sizeof name - 1;

			memcpy(name, p, n);
			name[n] = '\0';
			return kvp__error(err, KVP_ERR_PARSE,
			                  "entry %u '%s' is not a LoRA module (valid: q_proj,"
			                  " k_proj, v_proj, o_proj, gate_proj, up_proj,"
			                  " down_proj, embed_tokens, lm_head, qkv_proj,"
			                  " gate_up_proj, all-linear, attention, mlp)", entry,
			                  kvp_escape(name, quoted, sizeof quoted));
		}
		bits |= b;
		if (!end)
			break;
		p = end;
	}
	*modules = bits;
	return kvp__error_clear(err);
}

const char *kvp_lora_modules_text(uint32_t modules, char *out, size_t size)
{
	size_t used = 0;

	if (!out || size == 0)
		return "";
	out[0] = '\0';
	for (size_t i = 0; i < N_SINGLE; i++) {
		if (!(modules & module_names[i].bits))
			continue;
		used += (size_t)snprintf(out + (used < size ? used : size - 1),
		                         used < size ? size - used : 1, "%s%s",
		                         used ? "," : "", module_names[i].name);
	}
	if (!used)
		snprintf(out, size, "none");
	return out;
}

/* rank x in (A) + rank x out (B) values, on one rank of tp: a column-
 * parallel module splits out, a row-parallel one in; whole: tp 1. */
struct mod {
	uint64_t in, out;
	bool row;
};

static unsigned __int128 mod_values(const struct mod *m, uint32_t rank, uint32_t tp,
                                    uint64_t out_rank)
{
	uint64_t in = m->in, out = m->out;

	if (tp > 1) {
		if (m->row)
			in = in / tp + (in % tp != 0);
		else
			out = out_rank;
	}
	return (unsigned __int128)rank * ((unsigned __int128)in + out);
}

static bool attention_layer(kvp_layer_kind k)
{
	return k == KVP_LAYER_FULL || k == KVP_LAYER_SLIDING || k == KVP_LAYER_CHUNKED;
}

/* The values layers [first, first + count) hold on one rank of tp, and
 * embed_tokens and lm_head when asked. */
/* Layer i's adapter values on one of tp ranks. */
static unsigned __int128 layer_values(const kvp_model *m, uint32_t modules, uint32_t rank,
                                      uint32_t tp, uint32_t i)
{
	uint64_t h = m->hidden, hd = m->head_dim, hdv = m->head_dim_v ? m->head_dim_v : m->head_dim;
	uint64_t q_out = (uint64_t)m->heads * hd, inter = m->intermediate;
	unsigned __int128 total = 0;

	{
		kvp_layer_kind k = kvp_model_layer_kind(m, i);
		uint32_t kv = kvp_model_layer_kv_heads(m, i), kv_rank = kvp__tp_heads(kv, tp);

		if (attention_layer(k) && kv) {
			struct mod q = {h, q_out, false}, kk = {h, kv * hd, false},
			           v = {h, kv * hdv, false}, o = {(uint64_t)m->heads * hdv, h, true};

			if (modules & KVP_LORA_Q)
				total += mod_values(&q, rank, tp, q_out / tp);
			if (modules & KVP_LORA_K)
				total += mod_values(&kk, rank, tp, kv_rank * hd);
			if (modules & KVP_LORA_V)
				total += mod_values(&v, rank, tp, kv_rank * hdv);
			if (modules & KVP_LORA_O)
				total += mod_values(&o, rank, tp, 0);
		}
		{
			struct mod up = {h, inter, false}, down = {inter, h, true};
			uint64_t up_rank = inter / tp + (inter % tp != 0);

			if (modules & KVP_LORA_GATE)
				total += mod_values(&up, rank, tp, up_rank);
			if (modules & KVP_LORA_UP)
				total += mod_values(&up, rank, tp, up_rank);
			if (modules & KVP_LORA_DOWN)
				total += mod_values(&down, rank, tp, 0);
		}
	}
	return total;
}

/* Layers [first, first + count)'s adapter values on one of tp ranks, and
 * the embedding's and head's where asked.  A layer's values follow its
 * kind and kv heads, which repeat every pattern_len layers where no list
 * gives each layer's heads: whole cycles are summed once, so the work is
 * the pattern's, not the layers' (up to 2^32). */
static unsigned __int128 span_values(const kvp_model *m, uint32_t modules, uint32_t rank,
                                     uint32_t tp, uint32_t first, uint32_t count,
                                     bool embed, bool head, bool head_split)
{
	uint64_t h = m->hidden;
	unsigned __int128 total = 0;

	if (m->layer_kv_heads_len) {
		for (uint32_t i = first; i < first + count; i++)
			total += layer_values(m, modules, rank, tp, i);
	} else {
		uint32_t period = m->pattern_len ? m->pattern_len : 1;
		unsigned __int128 cycle = 0;

		for (uint32_t j = 0; j < period && count >= period; j++)
			cycle += layer_values(m, modules, rank, tp, j);
		total = cycle * (count / period);
		for (uint32_t t = 0; t < count % period; t++)
			total += layer_values(m, modules, rank, tp,
			                      (uint32_t)(((uint64_t)first + t) % period));
	}
	/* Whole on every rank; SGLang's lm_head B split (head_split). */
	if (embed && (modules & KVP_LORA_EMBED))
		total += (unsigned __int128)rank * ((uint64_t)m->vocab + h);
	if (head && (modules & KVP_LORA_HEAD))
		total += (unsigned __int128)rank *
		         (h + (head_split ? m->vocab / tp + (m->vocab % tp != 0) : m->vocab));
	return total;
}

/* What the modules need of the model, refused by name. */
static kvp_status lora_check(const kvp_model *m, uint32_t modules, kvp_error *err)
{
	char label[KVP_QUOTE_MAX];
	const char *name = kvp__label(m->name, "the model", label);

	/* vLLM's MambaForCausalLM and Mamba2ForCausalLM are not
	 * SupportsLoRA, and their mixers hold none of the modules named */
	if (kvp_model_attention_free(m))
		return kvp__error(err, KVP_ERR_INVALID, "LoRA on %s: it has no attention"
		                  " and no MLP, only Mamba mixers, which no engine adapts",
		                  name);
	if ((modules & (KVP_LORA_Q | KVP_LORA_K | KVP_LORA_V | KVP_LORA_O)) &&
	    kvp_model_count_layers(m, KVP_LAYER_MLA))
		return kvp__error(err, KVP_ERR_INVALID, "LoRA on %s: the attention"
		                  " modules of an MLA layer (q_a/q_b, kv_a, kv_b) are not"
		                  " modelled; name the MLP's (--lora-modules mlp)", name);
	if ((modules & (KVP_LORA_GATE | KVP_LORA_UP | KVP_LORA_DOWN)) && !m->intermediate)
		return kvp__error(err, KVP_ERR_INVALID, "LoRA on %s: gate_proj, up_proj"
		                  " and down_proj need the model's intermediate_size (a dense"
		                  " gated MLP; experts are not modelled); name the attention"
		                  " modules alone (--lora-modules attention)", name);
	if ((modules & (KVP_LORA_EMBED | KVP_LORA_HEAD)) && !m->vocab)
		return kvp__error(err, KVP_ERR_INVALID, "LoRA on %s: embed_tokens and"
		                  " lm_head need the model's vocabulary size", name);
	if ((modules & ~KVP_LORA_EMBED & ~KVP_LORA_HEAD) && !m->hidden)
		return kvp__error(err, KVP_ERR_INVALID, "LoRA on %s: the adapters need"
		                  " the model's hidden size", name);
	return KVP_OK;
}

static kvp_status too_big(const kvp_plan *p, kvp_error *err)
{
	char label[KVP_QUOTE_MAX];

	return kvp__error(err, KVP_ERR_OVERFLOW, "LoRA adapters of %s overflow 64-bit"
	                  " bytes", kvp__label(p->model_name, "the model", label));
}

kvp_status kvp__plan_lora(const kvp_model *m, kvp_plan *p, kvp_error *err)
{
	const kvp_lora *l = &p->request.lora;
	uint32_t modules = l->modules;
	uint64_t elem, gpus = (uint64_t)p->request.tp * p->request.pp;
	unsigned __int128 values, most = 0, bytes;
	kvp_status st;

	p->lora_adapter_bytes = p->lora_bytes_per_gpu = 0;
	p->lora_modules = 0;
	for (uint32_t s = 0; s < p->stages; s++)
		p->lora_stage_bytes[s] = 0;
	if (!l->rank)
		return KVP_OK;
	/* The engine's default slots, kept in the plan's request. */
	if (l->slots == 0)
		p->request.lora.slots = p->request.engine == KVP_ENGINE_SGLANG ? 8 : 1;
	if (l->dtype != KVP_DTYPE_FP16 && l->dtype != KVP_DTYPE_BF16 &&
	    l->dtype != KVP_DTYPE_FP32)
		return kvp__error(err, KVP_ERR_INVALID, "LoRA adapters are held as fp16,"
		                  " bf16 or fp32, not %s", kvp_dtype_name(l->dtype));
	if (!modules)
		modules = p->request.engine == KVP_ENGINE_VLLM ? KVP_LORA_ALL : KVP_LORA_LINEAR;
	if ((modules & ~(uint32_t)KVP_LORA_ALL) != 0)
		return kvp__error(err, KVP_ERR_INVALID, "LoRA: module bits 0x%x are not"
		                  " KVP_LORA_* values", modules & ~(uint32_t)KVP_LORA_ALL);
	/* SGLang's buffers are per packed module (qkv_proj, gate_up_proj):
	 * one of them targeted holds the whole (lora/utils.py
	 * get_normalized_target_modules). */
	if (p->request.engine == KVP_ENGINE_SGLANG) {
		if (modules & (KVP_LORA_Q | KVP_LORA_K | KVP_LORA_V))
			modules |= KVP_LORA_Q | KVP_LORA_K | KVP_LORA_V;
		if (modules & (KVP_LORA_GATE | KVP_LORA_UP))
			modules |= KVP_LORA_GATE | KVP_LORA_UP;
	}
	if ((st = lora_check(m, modules, err)) != KVP_OK)
		return st;
	elem = l->dtype == KVP_DTYPE_FP32 ? 4 : 2;
	values = span_values(m, modules, l->rank, 1, 0, m->layers, true, true, false);
	bytes = values * elem;
	if (bytes > UINT64_MAX)
		return too_big(p, err);
	p->lora_adapter_bytes = (uint64_t)bytes;
	p->lora_modules = modules;
	for (uint32_t s = 0; s < p->stages; s++) {
		if (p->request.engine == KVP_ENGINE_VLLM) {
			/* embed_tokens' and lm_head's adapters where the
			 * modules are: the first and last stage, or every
			 * one (Qwen3-MoE). */
			values = span_values(m, modules, l->rank, p->request.tp,
			                     p->stage_first[s], p->stage_layers[s],
			                     s == 0 || p->outer_every_stage,
			                     s == p->stages - 1 || p->outer_every_stage, false);
			bytes = values * elem * l->slots;
		} else if (p->request.engine == KVP_ENGINE_SGLANG) {
			bytes = span_values(m, modules, l->rank, p->request.tp, 0, m->layers,
			                    true, true, true) * elem * l->slots;
		} else {
			bytes = (unsigned __int128)p->lora_adapter_bytes * l->slots;
			bytes = bytes / gpus + (bytes % gpus != 0);
		}
		if (bytes > UINT64_MAX)
			return too_big(p, err);
		p->lora_stage_bytes[s] = (uint64_t)bytes;
		if (bytes > most)
			most = bytes;
	}
	p->lora_bytes_per_gpu = (uint64_t)most;
	return KVP_OK;
}
