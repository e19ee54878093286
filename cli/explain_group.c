/*
 * explain_group.c — kvplan --explain, a layer group: its rows and bytes
 * per token (K and V, an MLA latent and its indexer key, a recurrent
 * state), the tokens it holds and the cells its engine allocates.
 */
#include <stdio.h>

#include "cli.h"
#include "explain.h"

/* How one row of n values is stored as dtype, "... = N B". */
static void row_text(kvp_dtype t, uint64_t n, char *buf, size_t size)
{
	uint64_t bytes = 0;
	uint32_t bv = kvp_dtype_block_values(t), bb = kvp_dtype_block_bytes(t);

	kvp_dtype_row_bytes(t, n, &bytes, NULL);
	if (t == KVP_DTYPE_INT8_PTH || t == KVP_DTYPE_FP8_PTH)
		snprintf(buf, size, "%s values as %s = %s x 1 B + a 4 B scale = %s B", g(n),
		         kvp_dtype_name(t), g(n), g(bytes));
	else if (bv > 1)
		snprintf(buf, size, "%s values as %s = %s blocks of %u x %u B = %s B", g(n),
		         kvp_dtype_name(t), g(n / bv), bv, bb, g(bytes));
	else
		snprintf(buf, size, "%s values as %s = %s x %u B = %s B", g(n),
		         kvp_dtype_name(t), g(n), bb, g(bytes));
}

static void explain_rows(const struct explainer *e, const struct cli_plan *p,
                         const kvp_layer_group *grp)
{
	/* A draft model's layers have its shape; MTP layers, the model's. */
	const kvp_model *m = grp->draft && p->has_draft ? &p->draft : &p->model;
	const kvp_request *r = &p->request;
	/* the group's own head: Gemma 4's full layers' global_head_dim */
	uint32_t hd = grp->head_dim ? grp->head_dim : m->head_dim;
	uint32_t hv = m->head_dim_v ? m->head_dim_v : hd;
	const char *name = hd != m->head_dim ? "global_head_dim" : "head_dim";
	uint64_t plain = 0; /* an MLA latent as a row of its type */
	char k[160], v[160];

	switch (grp->kind) {
	case KVP_LAYER_FULL:
	case KVP_LAYER_SLIDING:
	case KVP_LAYER_CHUNKED:
		row_text(r->dtype_k, hd, k, sizeof k);
		row_text(r->dtype_v, hv, v, sizeof v);
		say(e, "  K head row: %s %s", name, k);
		say(e, "  V head row: %s %s", m->head_dim_v ? "head_dim_v" : name, v);
		say(e, "  per token: %u kv heads x (%s + %s) = %s B", grp->kv_heads,
		    g(grp->k_bytes_per_token / grp->kv_heads),
		    g(grp->v_bytes_per_token / grp->kv_heads), g(grp->bytes_per_token));
		break;
	case KVP_LAYER_MLA:
		/* fp8_ds_mla's layout, asked or the engine's (SGLang keeps a
		 * sparse model's fp8 latent so, lib/sizing.c latent_bytes):
		 * a latent the plan sized otherwise than a row of its type. */
		kvp_dtype_row_bytes(r->dtype_k, grp->latent_values, &plain, NULL);
		if (r->mla == KVP_MLA_LATENT && (r->dtype_k == KVP_DTYPE_FP8_DS_MLA ||
		                                 plain != grp->latent_bytes_per_token)) {
			say(e, "  latent as fp8_ds_mla: kv_lora_rank %u x 1 B + %u/128 x 4 B"
			    " scales + qk_rope_dim %u x 2 B = %s B per token; no V", m->kv_lora_rank,
			    m->kv_lora_rank, m->qk_rope_dim, g(grp->latent_bytes_per_token));
		} else if (r->mla == KVP_MLA_LATENT) {
			row_text(r->dtype_k, grp->latent_values, k, sizeof k);
			say(e, "  latent: kv_lora_rank %u + qk_rope_dim %u = %s per token;"
			    " no V", m->kv_lora_rank, m->qk_rope_dim, k);
		} else {
			row_text(r->dtype_k, (uint64_t)m->qk_nope_dim + m->qk_rope_dim, k, sizeof k);
			row_text(r->dtype_v, grp->v_values / grp->kv_heads, v, sizeof v);
			say(e, "  K head row (expanded): qk_nope_dim %u + qk_rope_dim %u = %s",
			    m->qk_nope_dim, m->qk_rope_dim, k);
			/* vLLM's MiniCPM3 pads V to K's width (lib/sizing.c) */
			if (grp->v_values / grp->kv_heads != m->v_head_dim)
				say(e, "  V head row (expanded, padded to K's as vLLM's MiniCPM3"
				    " does): %s", v);
			else
				say(e, "  V head row (expanded): v_head_dim %s", v);
			say(e, "  per token: %u heads x (%s + %s) = %s B", grp->kv_heads,
			    g(grp->k_bytes_per_token / grp->kv_heads),
			    g(grp->v_bytes_per_token / grp->kv_heads),
			    g(grp->k_bytes_per_token + grp->v_bytes_per_token));
		}
		/* DeepSeek Sparse Attention's indexer key beside it. */
		if (grp->index_bytes_per_token && r->engine == KVP_ENGINE_LLAMA_CPP) {
			row_text(r->dtype_k, grp->index_values, k, sizeof k);
			say(e, "  indexer key (sparse attention, llama.cpp's second cache):"
			    " index_head_dim %s", k);
		} else if (grp->index_bytes_per_token && r->engine == KVP_ENGINE_TRTLLM &&
		           r->indexer_fp4) {
			/* TensorRT-LLM's fp4 key: two E2M1 codes a byte and its
			 * 4 scale bytes */
			say(e, "  indexer key (sparse attention): index_head_dim %u / 2 B (fp4, two"
			    " a byte) + 4 B of scales = %s B per token", m->index_head_dim,
			    g(grp->index_bytes_per_token));
		} else if (grp->index_bytes_per_token) {
			say(e, "  indexer key (sparse attention): index_head_dim %u x 1 B (fp8) +"
			    " %u/128 x 4 B scales = %s B per token", m->index_head_dim,
			    m->index_head_dim, g(grp->index_bytes_per_token));
		}
		if (grp->index_bytes_per_token)
			say(e, "  per token: %s + %s = %s B", g(grp->bytes_per_token -
			                                         grp->index_bytes_per_token),
			    g(grp->index_bytes_per_token), g(grp->bytes_per_token));
		/* A shared indexer's other layers (kvp_model_layer_indexed). */
		else if (m->index_head_dim && m->index_layers_len && !grp->draft)
			say(e, "  no indexer key: these layers reuse the top-k of the full layer"
			    " before them (index_layers)");
		else if (m->index_head_dim && m->index_topk_freq > 1 && !grp->draft)
			say(e, "  no indexer key: these layers reuse the top-k of the full layer"
			    " before them (index_topk_freq %u, index_skip_topk_offset %u: layer"
			    " i keeps one when max(i - %u + 1, 0) %% %u = 0)", m->index_topk_freq,
			    m->index_topk_offset ? m->index_topk_offset : 2,
			    m->index_topk_offset ? m->index_topk_offset : 2, m->index_topk_freq);
		break;
	case KVP_LAYER_RECURRENT:
		if (m->state_bytes) {
			say(e, "  state: %s B per sequence (state_bytes)", g(m->state_bytes));
		} else {
			uint64_t conv, ssm;

			cli_state_values(m, &conv, &ssm);
			/* A short convolution (LFM2) keeps no SSM state. */
			if (m->ssm_state == 0) {
				say(e, "  conv state: (ssm_conv_kernel %u - 1) x ssm_inner %u"
				    " = %s values (a short convolution: no SSM state)",
				    m->ssm_conv_kernel, m->ssm_inner, g(conv));
			} else {
				say(e, "  conv state: (ssm_conv_kernel %u - 1) x (ssm_inner %u"
				    " + 2 x ssm_groups %u x ssm_state %u) = %s values",
				    m->ssm_conv_kernel, m->ssm_inner, m->ssm_groups,
				    m->ssm_state, g(conv));
				say(e, "  ssm state: ssm_state %u x ssm_inner %u = %s values",
				    m->ssm_state, m->ssm_inner, g(ssm));
			}
			kvp_dtype tc = r->state_dtype, ts = r->state_dtype;
			uint64_t raw = 0, conv_raw = 0, ssm_raw = 0;

			/* The engine's types (kvp_engine_state_dtypes): vLLM's
			 * the model's (Nemotron-H's SSM state in fp32 from 0.20),
			 * SGLang's conv state in bf16, TensorRT-LLM's conv state
			 * in the model's dtype. */
			kvp_engine_state_dtypes(r, m, &tc, &ts);
			if (tc != ts &&
			    kvp_dtype_bytes(tc, conv, &conv_raw, NULL) == KVP_OK &&
			    kvp_dtype_bytes(ts, ssm, &ssm_raw, NULL) == KVP_OK)
				say(e, "  state: %s conv values as %s + %s SSM values as %s = %s B"
				    " per sequence (%s's types)", g(conv), kvp_dtype_name(tc), g(ssm),
				    kvp_dtype_name(ts), g(conv_raw + ssm_raw),
				    r->engine == KVP_ENGINE_VLLM     ? "vLLM"
				    : r->engine == KVP_ENGINE_TRTLLM ? "TensorRT-LLM"
				                                     : "SGLang");
			else {
				if (kvp_dtype_bytes(ts, conv + ssm, &raw, NULL) != KVP_OK)
					raw = 0;
				say(e, "  state: %s values as %s = %s B per sequence", g(conv + ssm),
				    kvp_dtype_name(ts), g(raw));
			}
		}
		if (r->engine == KVP_ENGINE_VLLM) {
			const kvp_plan *lp = &p->layers;

			for (uint32_t i = 0; i < lp->group_count; i++) {
				const kvp_layer_group *a = &lp->groups[i];

				uint64_t page = a->block * a->bytes_per_token;

				if (a->bytes_per_token == 0 || a->block == 0 ||
				    grp->state_bytes_per_seq % page != 0)
					continue;
				say(e, "  vLLM pads it to an attention page"
				    " (mamba_page_size_padded): block %s x %s B = %s B",
				    g(a->block), g(a->bytes_per_token), g(page));
				/* MambaSpec.max_memory_usage_bytes: 1 + k pages in
				 * mode none, 2 + k in align, one each block of
				 * mamba_block_size tokens and k in all. */
				/* The mode planned, which the plan's request
				 * holds: vLLM runs a model that does not
				 * support all in align. */
				kvp_mamba_mode mode = kvp_engine_mamba_mode(&lp->request);

				if (mode != kvp_engine_mamba_mode(r))
					say(e, "  mamba_cache_mode all asked: vLLM runs this model"
					    " in align (its class is not SupportsMambaPrefixCaching;"
					    " MambaModelConfig.verify_and_update_config)");
				if (mode == KVP_MAMBA_ALL)
					say(e, "  mamba_cache_mode all: a page each %s tokens"
					    " (mamba_block_size)", g(grp->block));
				say(e, "  a sequence is charged %s of them (mamba_cache_mode"
				    " %s%s) = %s B", g(grp->state_bytes_per_seq / page),
				    mode == KVP_MAMBA_NONE    ? "none"
				    : mode == KVP_MAMBA_ALL ? "all"
				                            : "align",
				    r->draft || r->mtp_layers ? ", with the speculative tokens'"
				                              : "",
				    g(grp->state_bytes_per_seq));
				break;
			}
		}
		break;
	case KVP_LAYER_NONE:
		say(e, "  no cache of its own");
		break;
	}
}

void explain_group(const struct explainer *e, const struct cli_plan *p,
                   const kvp_layer_group *grp)
{
	say(e, "%s%s layers: %u", !grp->draft ? "" : p->request.mtp_layers ? "MTP " : "draft ",
	    cli_group_label(p, grp), grp->layers);
	explain_rows(e, p, grp);
	if (grp->kind == KVP_LAYER_RECURRENT) {
		say(e, "  %u layers x %s B x batch %s = %s B, whatever the context",
		    grp->layers, g(grp->state_bytes_per_seq), g(p->batch), g(grp->bytes));
		return;
	}
	if (grp->kind == KVP_LAYER_NONE)
		return;
	if (grp->cap) {
		/* What the policy keeps of the layer at this seq, and its
		 * own window. */
		char text[160], w[48] = "";

		if (grp->window)
			snprintf(w, sizeof w, ", %s %s",
			         grp->kind == KVP_LAYER_CHUNKED ? "chunk" : "window",
			         g(grp->window));
		say(e, "  tokens held: min(seq %s%s, policy %s keeps %s) = %s", g(p->seq), w,
		    kvp_policy_format(&p->request.policy, text, sizeof text),
		    g(kvp_policy_kept(&p->request.policy, grp->first_layer, p->layers.layers,
		                      p->seq, p->request.gen)),
		    g(grp->tokens));
	} else if (grp->window)
		say(e, "  tokens held: min(seq %s, %s %s) = %s", g(p->seq),
		    grp->kind == KVP_LAYER_CHUNKED ? "chunk" : "window", g(grp->window),
		    g(grp->tokens));
	else
		say(e, "  tokens held: seq = %s", g(grp->tokens));
	if (p->request.engine != KVP_ENGINE_EXACT) {
		/* The engine's slots, its rounding and padding done (man
		 * kvplan, ENGINES, gives each engine's rule). */
		const kvp_request *r = &p->request;
		uint64_t page = r->block_size ? r->block_size : 1;

		/* vLLM's decode context parallelism: each GPU of a dcp
		 * group keeps one block of every dcp x block tokens. */
		if (r->engine == KVP_ENGINE_VLLM && r->dcp > 1 &&
		    (grp->kind == KVP_LAYER_FULL || grp->kind == KVP_LAYER_MLA) && grp->block)
			say(e, "  cells %s allocates for the whole batch, on each GPU of a"
			    " decode context parallel group: cdiv(%s, %s x dcp %u) blocks of %s x"
			    " batch %s = %s", kvp_engine_name(r->engine), g(grp->tokens),
			    g(grp->block), r->dcp, g(grp->block), g(p->batch), g(grp->cells));
		/* SGLang's draft under it: its pool whole on each GPU, in
		 * the allocator's pages of page x dcp, and as many padding
		 * rows (kv_cache_configurator.py loc_space_scale). */
		else if (r->engine == KVP_ENGINE_SGLANG && r->dcp > 1 && grp->draft)
			say(e, "  cells %s allocates for the whole batch, on each GPU (the draft's"
			    " pool, whole there, in the allocator's pages of %s x dcp %u):"
			    " cdiv(%s, %s x dcp %u) pages of %s x dcp %u x batch %s + %s x dcp %u"
			    " padding rows = %s", kvp_engine_name(r->engine), g(page), r->dcp,
			    g(grp->tokens), g(page), r->dcp, g(page), r->dcp, g(p->batch), g(page),
			    r->dcp, g(grp->cells));
		/* SGLang's: a page of every dcp pages of the allocator's
		 * space, and the pool's page_size padding rows. */
		else if (r->engine == KVP_ENGINE_SGLANG && r->dcp > 1 &&
		         (grp->kind == KVP_LAYER_FULL || grp->kind == KVP_LAYER_MLA))
			say(e, "  cells %s allocates for the whole batch, on each GPU of a"
			    " decode context parallel group: cdiv(%s, %s x dcp %u) pages of %s x"
			    " batch %s + %s padding rows = %s", kvp_engine_name(r->engine),
			    g(grp->tokens), g(page), r->dcp, g(page), g(p->batch), g(page),
			    g(grp->cells));
		else
			say(e, "  cells %s allocates for the whole batch: %s",
			    kvp_engine_name(r->engine), g(grp->cells));
		say(e, "  %u layers x %s cells x %s B = %s B", grp->layers, g(grp->cells),
		    g(grp->bytes_per_token), g(grp->bytes));
		return;
	}
	say(e, "  %u layers x %s tokens x %s B x batch %s = %s B", grp->layers,
	    g(grp->tokens), g(grp->bytes_per_token), g(p->batch), g(grp->bytes));
}
