/*
 * hf_shape.c — what each config.json family adds to the plain Llama
 * layer (q, k, v, o; gate, up, down; two RMSNorms of hidden), read from
 * its keys as its modelling code (transformers' modeling_<family>.py;
 * vLLM's alike) builds its tensors, for hf_count.c's count:
 *  - biases: Qwen2's q, k and v (qkv_bias); attention_bias's q, k, v and
 *    o (Llama's and most families'; GLM's q, k and v), mlp_bias's gate,
 *    up and down; every linear's in GPT-2, GPTBigCode, GPT-NeoX, Phi (its
 *    head's too) and BLOOM, in StarCoder2 and OPT by use_bias and
 *    enable_bias, in Falcon by bias;
 *  - norms: LayerNorm's weight and bias (those, Falcon, Nemotron's
 *    LayerNorm1P); Gemma 2's, Gemma 3's and GLM-4's four a layer;
 *    Falcon's one or two (vLLM's FalconDecoderLayer), Phi's and
 *    Cohere's one (a weight alone); q_norm and k_norm of head_dim
 *    (Qwen3, Gemma 3, Qwen3-Next, Qwen3.5, GLM-4.5's use_qk_norm, Phi's
 *    qk_layernorm), Cohere's of every head's values (use_qk_norm);
 *  - an MLP of up and down alone (those, Falcon, Nemotron), of 4 x
 *    hidden where the config gives no size;
 *  - learned positions (GPT-2's and GPTBigCode's wpe, OPT's of
 *    max_position_embeddings + 2), BLOOM's embedding LayerNorm, OPT's
 *    narrower embedding with project_in and project_out;
 *  - gpt-oss: each head's attention sink, the router's bias and each
 *    expert's biases (gate_up 2 x intermediate, down hidden);
 *  - a router of hidden x experts, with e_score_correction_bias where
 *    the family routes by it (DeepSeek-V3's noaux_tc, Kimi K2, GLM-4.5
 *    and GLM-5); shared experts of their size, with Qwen's
 *    shared_expert_gate (hidden x 1);
 *  - MLA: q_a_layernorm (q_lora_rank) and kv_a_layernorm (kv_lora_rank)
 *    beside the projections; a sparse model's indexer (indexer.c);
 *  - Qwen3-Next's and Qwen3.5's attention output gate (q_proj twice) and
 *    their Gated DeltaNet layers: in_proj of hidden x (2 keys + 2 values
 *    + 2 value heads), conv1d of (2 keys + values) x kernel, dt_bias and
 *    A_log a value head each, the gated norm of a value head's width,
 *    out_proj values x hidden;
 *  - each of ChatGLM, Qwen (v1), Phi-3-small, StableLM, InternLM,
 *    Qwen2-VL, Seed-OSS, OLMo 2 and OLMoE, ERNIE 4.5, Jamba (its Mamba-1
 *    mixer), Mllama (its cross-attention layers) and PhiMoE its own, at
 *    its branch below.
 * MTP layers: Qwen's (mtp.*: fc 2 hidden x hidden, pre_fc_norm_embedding,
 * pre_fc_norm_hidden and norm, and the layers, each a full-attention one
 * with the model's MLP); the others' as DeepSeek's (model.layers.N past
 * the model's: enorm, hnorm, eh_proj 2 hidden x hidden, the block, and
 * shared_head's norm), with a copy of embed_tokens and shared_head.head
 * in DeepSeek's, Kimi's and GLM-4.5's checkpoints, which the engines do
 * not hold (kvp_model mtp_shared_params).
 */
#include <string.h>

#include "hf_shape.h"

bool kvp__hf_family_in(const struct hf *h, const char *const *names)
{
	for (size_t i = 0; names[i]; i++)
		if (strcmp(h->family, names[i]) == 0)
			return true;
	return false;
}

#define is kvp__hf_family_in

bool kvp__hf_ungated(const struct hf *h)
{
	/* an up and a down, no gate_proj (Nemotron's and Nemotron-H's relu2,
	 * the others' GELU) */
	static const char *const ungated[] = {"gpt2", "gpt_neox", "falcon", "phi", "opt",
		"bloom", "gpt_bigcode", "starcoder2", "nemotron", "nemotron_h", NULL};

	return is(h, ungated);
}

/* OPT's own parts: learned positions of max_position_embeddings + 2
 * (OPTLearnedPositionalEmbedding's offset), the embedding of
 * word_embed_proj_dim with project_in and project_out where that is not
 * hidden, and the final LayerNorm only with do_layer_norm_before (OPT-350M
 * has none).  0, or -1 reported. */
static int opt_shape(struct hf *h, struct shape *s)
{
	static const char *const k_before[] = {"do_layer_norm_before", NULL};
	static const char *const k_proj[] = {"word_embed_proj_dim", NULL};
	static const char *const k_positions[] = {"max_position_embeddings", NULL};
	bool before = true;
	uint64_t proj = 0, positions = 0;

	if (kvp__hf_bool(h, k_before, &before) < 0 ||
	    kvp__hf_uint(h, NULL, k_proj, UINT32_MAX, &proj) < 0 ||
	    kvp__hf_uint(h, NULL, k_positions, UINT32_MAX, &positions) < 0)
		return -1;
	s->positions = positions + 2;
	if (proj && proj != h->m->hidden)
		s->embed_width = proj;
	s->no_final_norm = !before;
	return 0;
}

/* Mamba's, Falcon Mamba's and Mamba-2's layers (MambaBlock,
 * FalconMambaBlock, Mamba2Block): one RMSNorm and a mixer, no MLP; the
 * conv1d biased by use_conv_bias (true by default), in_proj and out_proj
 * by use_bias (false); a Mamba-1 mixer's dt of time_step_rank (the
 * classes' "auto": hidden / 16, rounded up).  0, or -1 reported. */
static int mamba_shape(struct hf *h, struct shape *s)
{
	static const char *const k_conv_bias[] = {"use_conv_bias", NULL};
	static const char *const k_bias[] = {"use_bias", NULL};
	static const char *const k_rank[] = {"time_step_rank", NULL};
	json_t *rank = json_object_get(h->cfg, "time_step_rank");

	s->conv_bias = true;
	s->proj_bias = false;
	s->no_mlp = true;
	s->norms = 1;
	if (kvp__hf_bool(h, k_conv_bias, &s->conv_bias) < 0 ||
	    kvp__hf_bool(h, k_bias, &s->proj_bias) < 0)
		return -1;
	if (strcmp(h->family, "mamba2") == 0) {
		s->mamba2 = true;
		return 0;
	}
	if (!json_is_string(rank) && rank && !json_is_null(rank) &&
	    kvp__hf_uint(h, NULL, k_rank, UINT32_MAX, &s->dt_rank) < 0)
		return -1;
	if (!s->dt_rank)
		s->dt_rank = ((uint64_t)h->m->hidden + 15) / 16;
	return 0;
}

/* The rest of the families' own keys over s (shape_of's first): 0, or
 * -1 reported. */
static int shape_more(struct hf *h, struct shape *s)
{
	static const char *const k_no_bias[] = {"no_bias", NULL};
	static const char *const k_qkv[] = {"use_qkv_bias", NULL};
	static const char *const k_bias[] = {"bias", NULL};
	static const char *const k_out[] = {"attention_out_bias", NULL};
	static const char *const k_head[] = {"lm_head_bias", NULL};
	static const char *const k_ff[] = {"ff_intermediate_size", NULL};
	static const char *const k_aux_free[] = {"moe_use_aux_free", NULL};
	static const char *const k_conv_bias[] = {"mamba_conv_bias", NULL};
	static const char *const k_proj_bias[] = {"mamba_proj_bias", NULL};
	static const char *const k_rank[] = {"mamba_dt_rank", NULL};
	const char *f = h->family;
	bool flag = false;

	if (kvp__hf_bool(h, k_head, &flag) < 0)
		return -1;
	if (flag)
		s->head_bias = true; /* PhiMoE's lm_head_bias */
	flag = true;
	if (strcmp(f, "qwen") == 0) {
		/* Qwen (v1) QWenBlock: c_attn biased, c_proj and the MLP by
		 * no_bias; w1 and w2 of intermediate_size / 2 */
		if (kvp__hf_bool(h, k_no_bias, &flag) < 0)
			return -1;
		s->q_bias = s->kv_bias = true;
		s->o_bias = s->mlp_bias = !flag;
		s->inter /= 2;
	} else if (strcmp(f, "phi3small") == 0) {
		/* Phi3SmallForCausalLM: every linear biased (its
		 * attention_bias is not read), up_proj of 2 x
		 * ff_intermediate_size (gegelu) */
		s->q_bias = s->kv_bias = s->o_bias = s->mlp_bias = true;
		if (kvp__hf_uint(h, NULL, k_ff, UINT32_MAX, &s->inter) < 0)
			return -1;
	} else if (strcmp(f, "stablelm") == 0) {
		/* StableLmAttention: q, k and v biased by use_qkv_bias */
		flag = false;
		if (kvp__hf_bool(h, k_qkv, &flag) < 0)
			return -1;
		s->q_bias = s->kv_bias = flag;
	} else if (strcmp(f, "internlm") == 0) {
		/* InternLMAttention: q, k, v and o biased by bias */
		flag = false;
		if (kvp__hf_bool(h, k_bias, &flag) < 0)
			return -1;
		s->q_bias = s->kv_bias = s->o_bias = flag;
	} else if (strncmp(f, "qwen2_vl", 8) == 0 || strncmp(f, "qwen2_5_vl", 10) == 0) {
		/* its language model is Qwen2's: q, k and v biased */
		s->q_bias = s->kv_bias = true;
		s->o_bias = false;
	} else if (strcmp(f, "seed_oss") == 0) {
		/* SeedOssAttention: o by attention_out_bias */
		flag = false;
		if (kvp__hf_bool(h, k_out, &flag) < 0)
			return -1;
		s->o_bias = flag;
	} else if (strcmp(f, "ernie4_5_moe") == 0) {
		/* Ernie4_5_MoeMoE: the router's e_score_correction_bias with
		 * moe_use_aux_free */
		flag = false;
		if (kvp__hf_bool(h, k_aux_free, &flag) < 0)
			return -1;
		s->score_bias = flag;
	} else if (strcmp(f, "jamba") == 0) {
		/* JambaMambaMixer, a Mamba-1: dt of mamba_dt_rank ("auto":
		 * hidden / 16, rounded up), conv1d's bias by mamba_conv_bias,
		 * in_proj's and out_proj's by mamba_proj_bias */
		json_t *rank = json_object_get(h->cfg, "mamba_dt_rank");

		s->conv_bias = true;
		if (kvp__hf_bool(h, k_conv_bias, &s->conv_bias) < 0 ||
		    kvp__hf_bool(h, k_proj_bias, &s->proj_bias) < 0)
			return -1;
		if (!json_is_string(rank) && rank && !json_is_null(rank) &&
		    kvp__hf_uint(h, NULL, k_rank, UINT32_MAX, &s->dt_rank) < 0)
			return -1;
		if (!s->dt_rank)
			s->dt_rank = ((uint64_t)h->m->hidden + 15) / 16;
		s->dt_norms = true;
	} else if (strcmp(f, "granitemoehybrid") == 0) {
		/* GraniteMoeHybridMambaLayer, Mamba2Mixer's tensors: conv1d
		 * biased by mamba_conv_bias (true by default), in_proj and
		 * out_proj by mamba_proj_bias (false); every layer's
		 * shared_mlp of shared_intermediate_size (its MoE's shared
		 * expert, hf_moe.c, or its whole MLP where it has no experts) */
		static const char *const k_conv[] = {"mamba_conv_bias", NULL};
		static const char *const k_proj[] = {"mamba_proj_bias", NULL};
		static const char *const k_shared[] = {"shared_intermediate_size", NULL};
		uint64_t shared = 0;

		s->mamba2 = true;
		s->conv_bias = true;
		s->proj_bias = false;
		if (kvp__hf_bool(h, k_conv, &s->conv_bias) < 0 ||
		    kvp__hf_bool(h, k_proj, &s->proj_bias) < 0 ||
		    kvp__hf_uint(h, NULL, k_shared, UINT32_MAX, &shared) < 0)
			return -1;
		if (shared)
			s->inter = shared;
	} else if (strcmp(f, "kimi_linear") == 0) {
		/* KimiDeltaAttention; KimiMoEGate's e_score_correction_bias,
		 * there whatever the config says (no topk_method key) */
		s->kda = true;
		s->score_bias = true;
	} else if (strcmp(f, "lfm2") == 0 || strcmp(f, "lfm2_moe") == 0) {
		/* Lfm2ShortConv (biases by conv_bias, false by default),
		 * Lfm2Attention's q_layernorm and k_layernorm of head_dim,
		 * Lfm2MLP of the width hf_lfm2.c works out; LFM2-MoE's
		 * routers' expert_bias with use_expert_bias (true) */
		static const char *const k_conv[] = {"conv_bias", NULL};
		static const char *const k_expert_bias[] = {"use_expert_bias", NULL};
		bool bias = true;

		s->short_conv = true;
		s->conv_bias = false;
		s->qk_norm = true;
		s->inter = h->m->intermediate;
		if (kvp__hf_bool(h, k_conv, &s->conv_bias) < 0 ||
		    kvp__hf_bool(h, k_expert_bias, &bias) < 0)
			return -1;
		s->score_bias = strcmp(f, "lfm2_moe") == 0 && bias;
	} else if (strcmp(f, "falcon_h1") == 0) {
		/* FalconH1Mixer beside the attention: conv1d biased by
		 * mamba_conv_bias (true by default), in_proj by
		 * mamba_proj_bias, out_proj by projectors_bias (false), the
		 * gated RMSNorm with mamba_rms_norm (false) */
		static const char *const k_conv[] = {"mamba_conv_bias", NULL};
		static const char *const k_proj[] = {"mamba_proj_bias", NULL};
		static const char *const k_projectors[] = {"projectors_bias", NULL};
		static const char *const k_norm[] = {"mamba_rms_norm", NULL};
		bool norm = false;

		s->mamba2 = true;
		s->conv_bias = true;
		s->proj_bias = s->out_bias = false;
		s->out_bias_apart = true;
		if (kvp__hf_bool(h, k_conv, &s->conv_bias) < 0 ||
		    kvp__hf_bool(h, k_proj, &s->proj_bias) < 0 ||
		    kvp__hf_bool(h, k_projectors, &s->out_bias) < 0 || kvp__hf_bool(h, k_norm, &norm) < 0)
			return -1;
		s->no_gated_norm = !norm;
	} else if (kvp__hf_attention_free(h)) {
		if (mamba_shape(h, s) < 0)
			return -1;
	} else if (strncmp(f, "hunyuan", 7) == 0) {
		/* HunYuanAttention: query_layernorm and key_layernorm of
		 * head_dim with use_qk_norm */
		static const char *const k_qk[] = {"use_qk_norm", NULL};
		static const char *const k_cla[] = {"use_cla", NULL};
		static const char *const k_factor[] = {"cla_share_factor", NULL};
		bool cla = false;
		uint64_t factor = 1;

		flag = false;
		if (kvp__hf_bool(h, k_qk, &flag) < 0 || kvp__hf_bool(h, k_cla, &cla) < 0 ||
		    kvp__hf_uint(h, NULL, k_factor, UINT32_MAX, &factor) < 0)
			return -1;
		s->qk_norm = flag;
		s->cla = cla && factor > 1 ? factor : 0;
	} else if (strcmp(f, "mllama_text_model") == 0) {
		/* MllamaTextModel: embed_tokens of vocab_size + 8 rows */
		s->cross = true;
		s->extra_rows = 8;
	} else if (strcmp(f, "olmo2") == 0 || strcmp(f, "olmoe") == 0) {
		/* q_norm and k_norm over every head's values */
		s->head_norm = true;
	}
	return 0;
}

int kvp__hf_shape(struct hf *h, struct shape *s)
{
	static const char *const layer_norm[] = {"gpt2", "gpt_neox", "falcon", "phi", "nemotron",
		"gpt_bigcode", "starcoder2", "bloom", "opt", "stablelm", "phimoe", "phi3small", NULL};
	static const char *const four_norms[] = {"gemma2", "gemma3", "gemma3_text", "glm4", NULL};
	static const char *const qk_norm[] = {"qwen3", "qwen3_moe", "qwen3_vl_text",
		"qwen3_vl_moe_text", "gemma3", "gemma3_text",
		"qwen3_next", "qwen3_5", "qwen3_5_text", "qwen3_5_moe", "qwen3_5_moe_text", NULL};
	static const char *const delta[] = {"qwen3_next", "qwen3_5", "qwen3_5_text",
		"qwen3_5_moe", "qwen3_5_moe_text", NULL};
	static const char *const shared_gate[] = {"qwen2_moe", "qwen3_next", "qwen3_5_moe",
		"qwen3_5_moe_text", NULL};
	/* the router's correction bias whatever topk_method says (GLM's
	 * Glm4MoeTopkRouter), or where it says nothing (transformers'
	 * DeepseekV3Config has no topk_method) */
	static const char *const score[] = {"glm4_moe", "glm_moe_dsa", NULL};
	static const char *const score_unsaid[] = {"deepseek_v3", "deepseek_v32", "kimi_k2", NULL};
	/* the MTP layers' own copies of embed_tokens and shared_head.head
	 * (model.layers.N), in DeepSeek's, Kimi's and GLM-4.5's checkpoints;
	 * not GLM-5's, MiMo's or ERNIE's */
	static const char *const copies[] = {"deepseek_v3", "deepseek_v32", "kimi_k2", "glm4_moe",
		NULL};
	/* every linear biased, an MLP of up and down */
	static const char *const biased[] = {"gpt2", "gpt_neox", "phi", "gpt_bigcode", "bloom",
		NULL};
	/* o_proj never biased, whatever attention_bias says */
	static const char *const o_plain[] = {"glm4_moe", "glm4", "glm", NULL};
	static const char *const k_bias[] = {"attention_bias", NULL};
	static const char *const k_mlp_bias[] = {"mlp_bias", NULL};
	static const char *const k_falcon_bias[] = {"bias", NULL};
	static const char *const k_use_bias[] = {"use_bias", NULL};
	static const char *const k_enable_bias[] = {"enable_bias", NULL};
	static const char *const k_qk[] = {"use_qk_norm", NULL};
	static const char *const k_qkv_bias[] = {"add_qkv_bias", NULL};
	static const char *const k_linear_bias[] = {"add_bias_linear", NULL};
	static const char *const k_phi_qk[] = {"qk_layernorm", NULL};
	static const char *const k_new[] = {"new_decoder_architecture", NULL};
	static const char *const k_parallel[] = {"parallel_attn", NULL};
	static const char *const k_lns[] = {"num_ln_in_parallel_attn", NULL};
	static const char *const k_inter[] = {"intermediate_size", "ffn_dim", "n_inner",
		"ffn_hidden_size", NULL};
	static const char *const k_positions[] = {"n_positions", "max_position_embeddings", NULL};
	static const char *const k_kh[] = {"linear_num_key_heads", NULL};
	static const char *const k_kd[] = {"linear_key_head_dim", NULL};
	static const char *const k_vh[] = {"linear_num_value_heads", NULL};
	static const char *const k_vd[] = {"linear_value_head_dim", NULL};
	const char *f = h->family;
	bool attention_bias = false, mlp_bias = false, flag = false, other = true;
	uint64_t lns = 0;
	json_t *topk = json_object_get(h->cfg, "topk_method");

	memset(s, 0, sizeof *s);
	s->norm = is(h, layer_norm) ? 2 : 1;
	s->norms = is(h, four_norms) ? 4 : 2;
	s->qk_norm = is(h, qk_norm);
	s->gated = !kvp__hf_ungated(h);
	s->delta = is(h, delta);
	s->mtp_copies = is(h, copies);
	s->shared_gate = is(h, shared_gate);
	s->score_bias = is(h, score) ||
	                (json_is_string(topk) ? strcmp(json_string_value(topk), "noaux_tc") == 0
	                                      : is(h, score_unsaid));
	if (kvp__hf_bool(h, k_bias, &attention_bias) < 0 ||
	    kvp__hf_bool(h, k_mlp_bias, &mlp_bias) < 0 ||
	    kvp__hf_uint(h, NULL, k_inter, UINT32_MAX, &s->inter) < 0)
		return -1;
	s->q_bias = s->kv_bias = s->o_bias = attention_bias;
	s->mlp_bias = mlp_bias;
	if (is(h, o_plain))
		s->o_bias = false;
	if (strcmp(f, "qwen2") == 0 || strcmp(f, "qwen2_moe") == 0 || strcmp(f, "mimo") == 0) {
		/* Qwen2Attention (MiMo's too): q, k and v biased, o not */
		s->q_bias = s->kv_bias = true;
		s->o_bias = false;
	} else if (strcmp(f, "glm4_moe") == 0) {
		/* q_norm and k_norm with use_qk_norm */
		if (kvp__hf_bool(h, k_qk, &flag) < 0)
			return -1;
		s->qk_norm = flag;
	} else if (strcmp(f, "gpt_oss") == 0) {
		s->sinks = s->expert_bias = true;
	} else if (is(h, biased)) {
		s->q_bias = s->kv_bias = s->o_bias = s->mlp_bias = true;
		/* learned positions: GPT-2's and GPTBigCode's wpe */
		if ((strcmp(f, "gpt2") == 0 || strcmp(f, "gpt_bigcode") == 0) &&
		    kvp__hf_uint(h, NULL, k_positions, UINT32_MAX, &s->positions) < 0)
			return -1;
		/* BLOOM's word_embeddings_layernorm */
		s->embed_norm = strcmp(f, "bloom") == 0;
		if (strcmp(f, "phi") == 0) {
			/* PhiDecoderLayer: one LayerNorm before attention and
			 * MLP in parallel; lm_head biased; q_layernorm and
			 * k_layernorm of head_dim with qk_layernorm */
			s->norms = 1;
			s->head_bias = true;
			if (kvp__hf_bool(h, k_phi_qk, &flag) < 0)
				return -1;
			s->qk_norm = flag;
		}
	} else if (strcmp(f, "starcoder2") == 0 || strcmp(f, "opt") == 0) {
		/* every linear biased by use_bias (StarCoder2) or enable_bias
		 * (OPT), true by default; an MLP of c_fc and c_proj, fc1 and
		 * fc2 */
		if (kvp__hf_bool(h, strcmp(f, "opt") == 0 ? k_enable_bias : k_use_bias, &other) < 0)
			return -1;
		s->q_bias = s->kv_bias = s->o_bias = s->mlp_bias = other;
		if (strcmp(f, "opt") == 0 && opt_shape(h, s) < 0)
			return -1;
	} else if (strcmp(f, "falcon") == 0) {
		bool new_arch = false;

		if (kvp__hf_bool(h, k_falcon_bias, &flag) < 0 ||
		    kvp__hf_bool(h, k_new, &new_arch) < 0 ||
		    kvp__hf_bool(h, k_parallel, &other) < 0 ||
		    kvp__hf_uint(h, NULL, k_lns, UINT32_MAX, &lns) < 0)
			return -1;
		s->q_bias = s->kv_bias = s->o_bias = s->mlp_bias = flag;
		/* vLLM's FalconDecoderLayer: input_layernorm and
		 * post_attention_layernorm where the attention is not in
		 * parallel; in parallel ln_attn and ln_mlp where
		 * num_ln_in_parallel_attn is 2 (its default in the new decoder
		 * architecture), else input_layernorm alone */
		if (!lns)
			lns = new_arch ? 2 : 1;
		s->norms = !other || lns == 2 ? 2 : 1;
	} else if (strcmp(f, "chatglm") == 0) {
		/* query_key_value biased by add_qkv_bias or add_bias_linear,
		 * dense and the MLP by add_bias_linear (ChatGLMConfig: both
		 * false by default) */
		other = false;
		if (kvp__hf_bool(h, k_qkv_bias, &flag) < 0 ||
		    kvp__hf_bool(h, k_linear_bias, &other) < 0)
			return -1;
		s->q_bias = s->kv_bias = flag || other;
		s->o_bias = s->mlp_bias = other;
	} else if (strcmp(f, "cohere") == 0 || strcmp(f, "cohere2") == 0) {
		/* one CohereLayerNorm (a weight alone) before attention and
		 * MLP in parallel; Cohere's q_norm and k_norm, a weight a
		 * head and value, with use_qk_norm */
		s->norms = 1;
		if (strcmp(f, "cohere") == 0 && kvp__hf_bool(h, k_qk, &flag) < 0)
			return -1;
		s->head_norm = flag;
	}
	if (shape_more(h, s) < 0)
		return -1;
	if (s->delta && (kvp__hf_uint(h, NULL, k_kh, UINT32_MAX, &s->key_heads) < 0 ||
	                 kvp__hf_uint(h, NULL, k_kd, UINT32_MAX, &s->key_dim) < 0 ||
	                 kvp__hf_uint(h, NULL, k_vh, UINT32_MAX, &s->value_heads) < 0 ||
	                 kvp__hf_uint(h, NULL, k_vd, UINT32_MAX, &s->value_dim) < 0))
		return -1;
	if (!s->inter)
		s->inter = 4ull * h->m->hidden; /* GPT-2, GPT-NeoX, Falcon: 4 x hidden */
	return 0;
}
