/*
 * lora.c — LoRA adapters beside the weights: their modules parsed, what
 * an engine holds of them checked against the model, one adapter's bytes
 * and what one GPU holds for every slot (the modules' shapes:
 * lib/lora_layers.c).
 *
 * vLLM preallocates max_loras slots of max_lora_rank for every module the
 * model's LoRA support wraps, whatever an adapter targets
 * (--lora-target-modules, default all), in lora_dtype ("auto": the
 * model's 16-bit type), inside load_model, so in "Model loading took X
 * GiB".  Pipeline stages hold their own layers, embed_tokens the first and
 * lm_head the last.  The punica metadata (a few int64 per batched token,
 * under a MiB) is not counted.
 *
 * SGLang (python/sglang/srt/lora/mem_pool.py LoRAMemoryPool, read through
 * the code index; research: /work/research/sglang-lora-pool.md) holds
 * max_loras_per_batch slots (default 8, server_args.py; the base model
 * takes one of them) of max_lora_rank in the model's type, on its target
 * modules, allocated by init_lora_manager right after load_model, before
 * the KV cache is sized.  The buffers are made for every layer of the
 * model on every pipeline rank.  The other engines hold the adapters'
 * own bytes, split evenly over the GPUs.
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
	{"lm_head", KVP_LORA_HEAD}, {"in_proj", KVP_LORA_IN_PROJ}, {"conv1d", KVP_LORA_CONV},
	{"out_proj", KVP_LORA_OUT_PROJ}, {"experts", KVP_LORA_EXPERTS},
	{"router", KVP_LORA_ROUTER},
	/* vLLM's packed modules and other names, and the sets. */
	{"qkv_proj", KVP_LORA_Q | KVP_LORA_K | KVP_LORA_V},
	{"gate_up_proj", KVP_LORA_GATE | KVP_LORA_UP},
	{"in_proj_qkvz", KVP_LORA_IN_PROJ}, {"in_proj_ba", KVP_LORA_IN_PROJ},
	{"conv", KVP_LORA_CONV},
	{"all-linear", KVP_LORA_LINEAR},
	{"attention", KVP_LORA_Q | KVP_LORA_K | KVP_LORA_V | KVP_LORA_O},
	{"mlp", KVP_LORA_GATE | KVP_LORA_UP | KVP_LORA_DOWN},
	{"mixer", KVP_LORA_MIXER},
};
#define N_NAMES (sizeof module_names / sizeof module_names[0])
#define N_SINGLE 14 /* the first fourteen are one module each */

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
			                  " down_proj, embed_tokens, lm_head, in_proj, conv1d,"
			                  " out_proj, experts, router, qkv_proj, gate_up_proj,"
			                  " in_proj_qkvz, in_proj_ba, conv, all-linear,"
			                  " attention, mlp, mixer)", entry,
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

/* What the modules need of the model under the engine, refused by name. */
static kvp_status lora_check(const kvp_model *m, uint32_t modules, const kvp_request *r,
                             kvp_error *err)
{
	/* The classes vLLM builds that are not SupportsLoRA (falcon.py,
	 * gpt2.py, zamba2.py at 81be2e09; Kimi-Linear's, models/
	 * kimi_linear.py until 0c64be887, vllm/models/kimi_k3/ after;
	 * Gemma 3n's, gemma3n.py and gemma3n_mm.py; mamba.py and mamba2.py,
	 * which have no attention, below) */
	static const char *const unsupported[] = {"falcon", "gpt2", "zamba2", "kimi_linear",
	                                          "gemma3n"};
	static const char *const falcon_h1[] = {"falcon_h1"};
	/* gpt_oss.py turns its sequence-parallel MoE off under LoRA */
	static const char *const gpt_oss[] = {"gpt_oss"};
	kvp_engine e = r->engine;
	bool ep = r->expert_parallel && r->tp > 1 && r->dp > 1 &&
	          !kvp__model_type_in(m, gpt_oss, 1);
	char label[KVP_QUOTE_MAX];
	const char *name = kvp__label(m->name, "the model", label);
	bool vllm = e == KVP_ENGINE_VLLM, moe = kvp__lora_present(m) & KVP_LORA_EXPERTS;
	bool mlp = m->intermediate || (vllm && (moe || kvp__nemotron_h(m)));

	/* vLLM's MambaForCausalLM and Mamba2ForCausalLM are not
	 * SupportsLoRA, and their mixers hold none of the modules named */
	if (kvp_model_attention_free(m))
		return kvp__error(err, KVP_ERR_INVALID, "LoRA on %s: it has no attention"
		                  " and no MLP, only Mamba mixers, which no engine adapts",
		                  name);
	/* falcon_h1 is not falcon (kvp__model_type_in takes a prefix) */
	if (vllm && kvp__model_type_in(m, unsupported, sizeof unsupported / sizeof *unsupported) &&
	    !kvp__model_type_in(m, falcon_h1, 1))
		return kvp__error(err, KVP_ERR_UNSUPPORTED, "LoRA on %s: vLLM's %s model does"
		                  " not support LoRA", name, m->model_type);
	if ((modules & (KVP_LORA_Q | KVP_LORA_K | KVP_LORA_V | KVP_LORA_O)) &&
	    kvp_model_count_layers(m, KVP_LAYER_MLA) && (!vllm || m->index_head_dim))
		return kvp__error(err, KVP_ERR_INVALID, "LoRA on %s: the attention"
		                  " modules of an MLA layer are modelled for vLLM%s; name the"
		                  " MLP's (--lora-modules mlp)", name, m->index_head_dim
		                  ? ", not those of a sparse-attention indexer (wq_b, wk,"
		                    " weights_proj)" : " alone");
	if ((modules & (KVP_LORA_GATE | KVP_LORA_UP | KVP_LORA_DOWN)) && !mlp)
		return kvp__error(err, KVP_ERR_INVALID, "LoRA on %s: gate_proj, up_proj"
		                  " and down_proj need the model's intermediate_size (a dense"
		                  " gated MLP; experts are modelled for vLLM alone); name the"
		                  " attention modules alone (--lora-modules attention)", name);
	if ((modules & (KVP_LORA_EXPERTS | KVP_LORA_ROUTER)) && moe && !vllm)
		return kvp__error(err, KVP_ERR_INVALID, "LoRA on %s: the experts and the"
		                  " router are modelled for vLLM alone", name);
	if ((modules & KVP_LORA_MIXER) && kvp_model_count_layers(m, KVP_LAYER_RECURRENT) &&
	    (!vllm || !kvp__lora_mixer_known(m)))
		return kvp__error(err, KVP_ERR_INVALID, "LoRA on %s: its recurrent layers'"
		                  " in_proj, conv1d and out_proj are modelled for vLLM's Mamba-2,"
		                  " Gated DeltaNet and LFM2 layers alone; name the others"
		                  " (--lora-modules attention,mlp)", name);
	if ((modules & (KVP_LORA_EMBED | KVP_LORA_HEAD)) && !m->vocab)
		return kvp__error(err, KVP_ERR_INVALID, "LoRA on %s: embed_tokens and"
		                  " lm_head need the model's vocabulary size", name);
	/* logits_processor.py create_lora_weights: "When using LoRA, vocab
	 * size must be <= 258048" */
	if (vllm && (modules & KVP_LORA_HEAD) && m->vocab > 258048)
		return kvp__error(err, KVP_ERR_UNSUPPORTED, "LoRA on %s: vLLM adapts an"
		                  " lm_head of at most 258,048 entries, not %u; leave it out"
		                  " (--lora-modules)", name, m->vocab);
	if ((modules & ~KVP_LORA_EMBED & ~KVP_LORA_HEAD) && !m->hidden)
		return kvp__error(err, KVP_ERR_INVALID, "LoRA on %s: the adapters need"
		                  " the model's hidden size", name);
	/* vLLM's FusedMoEWithLoRA asserts no sequence-parallel MoE
	 * (lora/layers/fused_moe.py _ep_check), which expert parallelism at
	 * tp > 1 and dp > 1 makes (config/parallel.py
	 * use_sequence_parallel_moe; gpt-oss turns it off under LoRA) */
	if (vllm && ep && moe && (modules & KVP_LORA_EXPERTS))
		return kvp__error(err, KVP_ERR_UNSUPPORTED, "LoRA on %s: vLLM's experts"
		                  " take no adapters under expert parallelism with tp and dp"
		                  " above 1 (a sequence-parallel MoE)", name);
	/* a cycle of experts past 2^20 layers (kvp__lora_span) */
	if ((m->moe_dense_layers || m->moe_step > 1) && m->layers > (1u << 20))
		return kvp__error(err, KVP_ERR_UNSUPPORTED, "LoRA on %s: %u layers of"
		                  " experts are not sized (at most 1,048,576)", name, m->layers);
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
	const kvp_request *r = &p->request;
	const kvp_lora *l = &r->lora;
	uint32_t modules = l->modules;
	uint64_t elem, gpus = (uint64_t)r->tp * r->pp;
	unsigned __int128 values, most = 0, bytes;
	struct kvp__lora_shard one = {l->rank, 1, 1, false, r->engine}, shard = one;
	kvp_status st;

	p->lora_adapter_bytes = p->lora_bytes_per_gpu = 0;
	p->lora_modules = 0;
	for (uint32_t s = 0; s < p->stages; s++)
		p->lora_stage_bytes[s] = 0;
	if (!l->rank)
		return KVP_OK;
	/* The engine's default slots, kept in the plan's request. */
	if (l->slots == 0)
		p->request.lora.slots = r->engine == KVP_ENGINE_SGLANG ? 8 : 1;
	if (l->dtype != KVP_DTYPE_FP16 && l->dtype != KVP_DTYPE_BF16 &&
	    l->dtype != KVP_DTYPE_FP32)
		return kvp__error(err, KVP_ERR_INVALID, "LoRA adapters are held as fp16,"
		                  " bf16 or fp32, not %s", kvp_dtype_name(l->dtype));
	if ((modules & ~(uint32_t)KVP_LORA_ALL) != 0)
		return kvp__error(err, KVP_ERR_INVALID, "LoRA: module bits 0x%x are not"
		                  " KVP_LORA_* values", modules & ~(uint32_t)KVP_LORA_ALL);
	if (!modules)
		modules = r->engine == KVP_ENGINE_VLLM ? KVP_LORA_ALL : KVP_LORA_LINEAR;
	/* vLLM wraps embed_tokens and lm_head where the model's class names
	 * them (utils.py get_supported_lora_modules: embedding_modules) */
	if (r->engine == KVP_ENGINE_VLLM && !kvp__vllm_lora_embedding(m))
		modules &= ~(uint32_t)(KVP_LORA_EMBED | KVP_LORA_HEAD);
	/* SGLang's buffers are per packed module (qkv_proj, gate_up_proj):
	 * one of them targeted holds the whole (lora/utils.py
	 * get_normalized_target_modules). */
	if (r->engine == KVP_ENGINE_SGLANG) {
		if (modules & (KVP_LORA_Q | KVP_LORA_K | KVP_LORA_V))
			modules |= KVP_LORA_Q | KVP_LORA_K | KVP_LORA_V;
		if (modules & (KVP_LORA_GATE | KVP_LORA_UP))
			modules |= KVP_LORA_GATE | KVP_LORA_UP;
	}
	if ((st = lora_check(m, modules, r, err)) != KVP_OK)
		return st;
	/* the modules counted: those of the model named */
	modules &= kvp__lora_present(m);
	elem = l->dtype == KVP_DTYPE_FP32 ? 4 : 2;
	values = kvp__lora_span(m, modules, &one, 0, m->layers, true, true, false);
	bytes = values * elem;
	if (bytes > UINT64_MAX)
		return too_big(p, err);
	p->lora_adapter_bytes = (uint64_t)bytes;
	p->lora_modules = modules;
	shard.tp = r->tp ? r->tp : 1;
	/* the experts over tp x dp ranks (kvp_request expert_parallel) */
	shard.moe_ranks = shard.tp * (r->dp ? r->dp : 1);
	shard.ep = r->expert_parallel;
	for (uint32_t s = 0; s < p->stages; s++) {
		if (r->engine == KVP_ENGINE_VLLM) {
			/* embed_tokens' and lm_head's adapters where the
			 * modules are: the first and last stage, or every
			 * one (Qwen3-MoE, Mixtral, Nemotron-H); a tied
			 * model's embed_tokens on the last too (llama.py,
			 * qwen2.py: built there for the head to share) */
			bool last = s == p->stages - 1;

			values = kvp__lora_span(m, modules, &shard, p->stage_first[s],
			                        p->stage_layers[s],
			                        s == 0 || p->outer_every_stage ||
			                        (last && m->tie_embeddings),
			                        last || p->outer_every_stage, false);
			bytes = values * elem * l->slots;
		} else if (r->engine == KVP_ENGINE_SGLANG) {
			bytes = kvp__lora_span(m, modules, &shard, 0, m->layers, true, true, true) *
			        elem * l->slots;
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
