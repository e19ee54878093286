/*
 * hf_moe.c — a mixture of experts' layers from config.json, where they
 * differ: which layers route among experts and which are dense, and each
 * MLP's size (kvp_model moe_*), for where the weights lie under pipeline
 * parallelism.  The rules are the engines' model code's:
 *   - DeepSeek-V2/V3 (Kimi K2's too), GLM-4.5, and ERNIE 4.5 by its own
 *     names (moe_num_experts, moe_layer_start_index, ...): layer i routes
 *     when n_routed_experts is set, i >= first_k_dense_replace and i %
 *     moe_layer_freq == 0 (vLLM's deepseek_v2.py; transformers reads
 *     first_k_dense_replace alone, the same where moe_layer_freq is 1,
 *     as in every release); n_shared_experts shared experts of
 *     moe_intermediate_size; the dense layers' MLP is intermediate_size;
 *   - Llama 4: every interleave_moe_layer_step-th layer (i + 1 a multiple
 *     of it), as vLLM's and SGLang's llama4.py take them (transformers
 *     reads moe_layers, whose default is the same); each holds a shared
 *     expert of intermediate_size beside num_local_experts routed ones of
 *     it, and the other layers an MLP of intermediate_size_mlp.
 * Models whose every layer routes (Mixtral, Qwen3-MoE, gpt-oss) weigh
 * alike layer by layer: moe_experts stays 0, and only an expert's size
 * (moe_intermediate_size, else Mixtral's and gpt-oss's intermediate_size)
 * and the shared experts' (shared_expert_intermediate_size, Llama 4's one
 * of intermediate_size) are kept, with every MoE model's top-k
 * (num_experts_per_tok), for the activations (lib/llama_compute.c).
 */
#include <string.h>

#include "hfconfig.h"

int kvp__hf_per_layer(struct hf *h, const char *key, uint64_t *out)
{
	const char *one[] = {key, NULL};
	json_t *v = json_object_get(h->cfg, key), *e;
	json_int_t first = 0;
	size_t i;

	if (!json_is_array(v))
		return kvp__hf_uint(h, NULL, one, UINT32_MAX, out);
	if (json_array_size(v) != h->m->layers || h->m->layers == 0) {
		kvp__hf_fail(h, key, "%zu entries for %u layers", json_array_size(v),
		             h->m->layers);
		return -1;
	}
	json_array_foreach(v, i, e) {
		if (!json_is_integer(e) || json_integer_value(e) < 0 ||
		    json_integer_value(e) > (json_int_t)UINT32_MAX) {
			kvp__hf_fail(h, key, "entry %zu is not a whole number from 0 to %u", i,
			             UINT32_MAX);
			return -1;
		}
		if (i == 0)
			first = json_integer_value(e);
		else if (json_integer_value(e) != first) {
			kvp__hf_fail(h, key, "layer %zu's %lld differs from layer 0's %lld:"
			             " layers that differ are not modelled", i,
			             (long long)json_integer_value(e), (long long)first);
			return -1;
		}
	}
	*out = (uint64_t)first;
	return 1;
}

kvp_status kvp__hf_moe(struct hf *h)
{
	static const char *const k_experts_std[] = {"n_routed_experts", "num_local_experts",
		"num_experts", NULL};
	static const char *const k_top_k_std[] = {"num_experts_per_tok", "experts_per_token",
		NULL};
	static const char *const k_dense_std[] = {"first_k_dense_replace", NULL};
	static const char *const k_freq_std[] = {"moe_layer_freq", NULL};
	static const char *const k_shared_std[] = {"n_shared_experts", NULL};
	/* ERNIE 4.5's own names (Ernie4_5_MoeConfig), read for its families
	 * alone (Step3's moe_num_experts is another thing): moe_num_experts,
	 * moe_k, moe_num_shared_experts, moe_layer_start_index (its layers
	 * before it dense) and moe_layer_interval (past 1 in no release) */
	static const char *const k_experts_ernie[] = {"moe_num_experts", NULL};
	static const char *const k_top_k_ernie[] = {"moe_k", NULL};
	static const char *const k_dense_ernie[] = {"moe_layer_start_index", NULL};
	static const char *const k_freq_ernie[] = {"moe_layer_interval", NULL};
	static const char *const k_shared_ernie[] = {"moe_num_shared_experts", NULL};
	/* LFM2-MoE's own: num_dense_layers alone */
	static const char *const k_dense_lfm2[] = {"num_dense_layers", NULL};
	/* Kimi-Linear's (KimiLinearConfig): num_experts_per_token and
	 * num_shared_experts */
	static const char *const k_top_k_kimi[] = {"num_experts_per_token", NULL};
	static const char *const k_shared_kimi[] = {"num_shared_experts", NULL};
	/* Gemma 4's (Gemma4TextConfig): top_k_experts, the experts with
	 * enable_moe_block alone, beside a dense MLP of intermediate_size */
	static const char *const k_top_k_gemma4[] = {"top_k_experts", NULL};
	static const char *const k_moe_gemma4[] = {"enable_moe_block", NULL};
	bool gemma4 = strncmp(h->family, "gemma4", 6) == 0;
	bool kimi = strcmp(h->family, "kimi_linear") == 0;
	bool ernie = strncmp(h->family, "ernie4_5", 8) == 0;
	const char *const *k_experts = ernie ? k_experts_ernie : k_experts_std;
	const char *const *k_top_k = ernie ? k_top_k_ernie : kimi ? k_top_k_kimi
	                             : gemma4 ? k_top_k_gemma4 : k_top_k_std;
	const char *const *k_dense = ernie ? k_dense_ernie
	                             : strcmp(h->family, "lfm2_moe") == 0 ? k_dense_lfm2
	                                                                  : k_dense_std;
	const char *const *k_freq = ernie ? k_freq_ernie : k_freq_std;
	const char *const *k_shared = ernie ? k_shared_ernie : kimi ? k_shared_kimi : k_shared_std;
	/* Granite 4.0's shared_mlp is its shared expert
	 * (GraniteMoeHybridMoE beside it) */
	static const char *const k_shared_inter[] = {"shared_expert_intermediate_size",
		"shared_intermediate_size", NULL};
	/* Nemotron-H's: one MLP of it x n_shared_experts (vLLM's
	 * NemotronHMoE) */
	static const char *const k_shared_each[] = {"moe_shared_expert_intermediate_size",
		NULL};
	static const char *const k_use_moe[] = {"use_moe", NULL};
	static const char *const k_step[] = {"interleave_moe_layer_step", NULL};
	static const char *const k_moe_inter[] = {"moe_intermediate_size", NULL};
	static const char *const k_inter[] = {"intermediate_size", NULL};
	static const char *const k_inter_mlp[] = {"intermediate_size_mlp", NULL};
	static const char *const k_latent[] = {"moe_latent_size", NULL};
	kvp_model *m = h->m;
	uint64_t experts = 0, dense = 0, freq = 1, step = 0, moe_inter = 0, inter = 0,
		 inter_mlp = 0, shared = 0, top_k = 0, shared_inter = 0, shared_each = 0,
		 latent = 0;
	bool llama4 = strncmp(h->family, "llama4", 6) == 0;
	bool use_moe = true; /* MiniMind's switch: its experts unused */
	/* Hunyuan's (HunYuanMoEV1Config): moe_topk, moe_intermediate_size
	 * and num_shared_expert a layer at a time; the shared experts, of
	 * intermediate_size each, with use_mixed_mlp_moe alone (vLLM's
	 * hunyuan_v1.py HunYuanSparseMoeBlock) */
	static const char *const k_none[] = {NULL};
	static const char *const k_mixed[] = {"use_mixed_mlp_moe", NULL};
	bool hunyuan = strncmp(h->family, "hunyuan", 7) == 0, mixed = false;
	const char *const *k_moe_inter_used = k_moe_inter, *const *k_top_k_used = k_top_k,
	                  *const *k_shared_used = k_shared,
	                  *const *k_shared_inter_used = k_shared_inter;

	/* LFM2-MoE (Lfm2MoeConfig) has no shared expert: n_shared_experts
	 * is not its key */
	if (strcmp(h->family, "lfm2_moe") == 0)
		k_shared_used = k_none;
	if (hunyuan) {
		if (kvp__hf_per_layer(h, "moe_intermediate_size", &moe_inter) < 0 ||
		    kvp__hf_per_layer(h, "moe_topk", &top_k) < 0 ||
		    kvp__hf_per_layer(h, "num_shared_expert", &shared) < 0 ||
		    kvp__hf_bool(h, k_mixed, &mixed) < 0 ||
		    kvp__hf_uint(h, NULL, k_inter, UINT32_MAX, &inter) < 0)
			return KVP_ERR_PARSE;
		if (!mixed)
			shared = 0;
		shared_inter = shared * inter;
		k_moe_inter_used = k_top_k_used = k_shared_used = k_shared_inter_used = k_none;
	}

	/* Gemma 3n has no experts, and its intermediate_size is a list */
	if (kvp__hf_gemma3n(h))
		return KVP_OK;
	if (kvp__hf_uint(h, NULL, k_experts, UINT32_MAX, &experts) < 0 ||
	    kvp__hf_uint(h, NULL, k_dense, UINT32_MAX, &dense) < 0 ||
	    kvp__hf_uint(h, NULL, k_freq, UINT32_MAX, &freq) < 0 ||
	    kvp__hf_uint(h, NULL, k_step, UINT32_MAX, &step) < 0 ||
	    kvp__hf_uint(h, NULL, k_moe_inter_used, UINT32_MAX, &moe_inter) < 0 ||
	    kvp__hf_uint(h, NULL, k_inter, UINT32_MAX, &inter) < 0 ||
	    kvp__hf_uint(h, NULL, k_inter_mlp, UINT32_MAX, &inter_mlp) < 0 ||
	    kvp__hf_uint(h, NULL, k_shared_used, UINT32_MAX, &shared) < 0 ||
	    kvp__hf_uint(h, NULL, k_top_k_used, UINT32_MAX, &top_k) < 0 ||
	    kvp__hf_uint(h, NULL, k_shared_inter_used, UINT32_MAX, &shared_inter) < 0 ||
	    kvp__hf_uint(h, NULL, k_shared_each, UINT32_MAX, &shared_each) < 0 ||
	    kvp__hf_uint(h, NULL, k_latent, UINT32_MAX, &latent) < 0 ||
	    kvp__hf_bool(h, gemma4 ? k_moe_gemma4 : k_use_moe, &use_moe) < 0)
		return KVP_ERR_PARSE;
	if (gemma4 && !json_is_true(json_object_get(h->cfg, "enable_moe_block")))
		use_moe = false;
	/* Lfm2MoeConfig routes every layer after num_dense_layers: no
	 * expert nor expert width leaves those layers nothing (transformers
	 * builds an empty ModuleList; vLLM's FusedMoE refuses it). */
	if (strcmp(h->family, "lfm2_moe") == 0 && (!experts || !moe_inter || (dense && !inter)))
		return kvp__hf_fail(h, !experts ? "num_experts" : !moe_inter ? "moe_intermediate_size"
		                                                              : "intermediate_size",
		                    "0: %s", !experts ? "the layers after num_dense_layers route"
		                    " to experts" : !moe_inter ? "experts of no width"
		                    : "num_dense_layers' MLPs of no width");
	if (!use_moe || !experts)
		return KVP_OK;
	if (top_k > experts)
		return kvp__hf_fail(h, k_top_k[0], "%llu experts a token, of %llu",
		                    (unsigned long long)top_k, (unsigned long long)experts);
	/* Every model's top-k and expert sizes, for the activations: a
	 * routed expert of moe_intermediate_size (Mixtral's, gpt-oss's and
	 * Llama 4's of intermediate_size), and shared experts of
	 * shared_expert_intermediate_size, n_shared_experts of the routed
	 * size (of moe_shared_expert_intermediate_size, Nemotron-H's), or
	 * Llama 4's one. */
	if (llama4 || gemma4)
		shared_inter = inter;
	else if (!shared_inter)
		shared_inter = shared * (shared_each ? shared_each : moe_inter);
	m->moe_top_k = (uint32_t)top_k;
	m->moe_routed_experts = (uint32_t)experts;
	m->moe_intermediate = (uint32_t)(moe_inter ? moe_inter : inter);
	m->moe_shared_intermediate = shared_inter <= UINT32_MAX ? (uint32_t)shared_inter : 0;
	/* Nemotron 3 Super's and Ultra's latent experts (null in Nano's and
	 * Lightning's configs: hidden) */
	m->moe_latent = (uint32_t)latent;
	/* Jamba's experts every expert_layer_period-th layer from
	 * expert_layer_offset (JambaModel: JambaSparseMoeBlock there, a
	 * JambaMLP of intermediate_size elsewhere), in Llama 4's form where
	 * the offset is the period's last layer, as in every release (2, 1) */
	if (strcmp(h->family, "jamba") == 0) {
		static const char *const k_period[] = {"expert_layer_period", NULL};
		static const char *const k_offset[] = {"expert_layer_offset", NULL};
		uint64_t period = 0, offset = 0;

		if (kvp__hf_uint(h, NULL, k_period, UINT32_MAX, &period) < 0 ||
		    kvp__hf_uint(h, NULL, k_offset, UINT32_MAX, &offset) < 0)
			return KVP_ERR_PARSE;
		if (experts == 1) {
			/* one expert is JambaMLP in every layer */
			m->moe_routed_experts = m->moe_top_k = 0;
			m->moe_intermediate = m->moe_shared_intermediate = 0;
		} else if (period > 1 && offset + 1 == period && inter) {
			m->moe_experts = (uint32_t)experts;
			m->moe_step = (uint32_t)period;
			m->dense_intermediate = (uint32_t)inter;
		} else if (period > 1) {
			kvp__source_warn(h->src, "%s: experts every %llu layers from layer"
			                 " %llu are not modelled (only from the period's last):"
			                 " every layer is taken to route", h->path,
			                 (unsigned long long)period, (unsigned long long)offset);
		}
		return KVP_OK;
	}
	/* The layers' layout only where they differ, in the forms the rules
	 * above read: a moe_layer_freq past 1 (none in any release) is left
	 * alone, every layer weighing the same. */
	if (freq > 1 || (llama4 ? step <= 1 : !dense))
		return KVP_OK;
	if (llama4 && inter && inter_mlp) {
		m->moe_experts = (uint32_t)experts;
		m->moe_step = (uint32_t)step;
		m->dense_intermediate = (uint32_t)inter_mlp;
	} else if (!llama4 && moe_inter && inter && shared_inter <= UINT32_MAX) {
		m->moe_experts = (uint32_t)experts;
		m->moe_dense_layers = (uint32_t)dense;
		m->dense_intermediate = (uint32_t)inter;
	}
	return KVP_OK;
}
