/*
 * llama_compute.c — llama.cpp's own buffers beside weights and cache: the
 * compute buffer of its prompt graph on each GPU (and its draft model's),
 * and the output buffer in host memory.
 *
 * llama.cpp, read in src/llama-context.cpp at commit 4c7103b96d72 and
 * again at 3f545becc (mainline of 2026-08-22, about b10587):
 *   - output_reserve(n_seq_max), called by the llama_context constructor:
 *     the output buffer holds n_vocab x max(n_outputs, n_seq_max) f32
 *     logits, in host memory (CUDA_Host) beside the GPU;
 *   - the constructor reserves the prompt graph with n_tokens =
 *     min(n_ctx, n_ubatch), rounded up to a multiple of n_seqs (1 when
 *     unified, n_seq_max otherwise; graph_reserve), and n_outputs =
 *     min(n_tokens, n_outputs_max), n_outputs_max n_batch unless the
 *     program sets it (llama-cli, llama-completion and llama-bench do
 *     not): the graph holds the f32 logits of every token of the ubatch,
 *     n_vocab x n_tokens x 4 B, and the final norm's rows, n_embd x
 *     n_tokens x 4 B.  The embedding's rows are gathered in host memory
 *     (the input layer is on the CPU) and copied in, so on a GPU the
 *     logits take 4 x n_tokens x (n_vocab + n_embd) B: 70.50 MiB for
 *     LLaMA-7B at n_ctx 512 ("CUDA0 compute buffer size = 70.50 MiB",
 *     doc/footprint.md).  Apple's Metal logs the same in five of six
 *     published logs (Qwen2.5-0.5B at n_ctx 2048, 298.50 MiB); one, the
 *     same model at 512 with the BLAS backend loaded too, 300.25.
 *   With flash attention (on by default where the backend has it) no
 *   n_ctx x n_ubatch x n_head score matrix is built, and the buffer is
 *   the larger of the logits and the MLP's activations (llama_peaks).
 *   The CUDA context and the cuBLAS workspace are not in llama.cpp's logs
 *   and are not counted.
 */
#include <string.h>

#include "engine.h"
#include "internal.h"

/* A model's head_dim, derived where it was not finalized (a draft handed
 * in as it is). */
static uint64_t head_dim_of(const kvp_model *m)
{
	return m->head_dim ? m->head_dim : m->heads ? m->hidden / m->heads : 0;
}

/* x, or 64 bits' most past them. */
static uint64_t clamp64(unsigned __int128 x)
{
	return x > UINT64_MAX ? UINT64_MAX : (uint64_t)x;
}

/* llama.cpp's compute buffer without flash attention, modelled on its
 * graph (src/llama-graph.cpp build_attn_mha, the non-FA branch, at
 * 00395eb2: kq = mul_mat(k, q), [n_kv, n_tokens, n_head] f32, which
 * soft_max_ext reuses; the mask attn_inp_kq_mask, f32 without flash
 * attention) and on 18 published logs (research notes in
 * doc/footprint.md, llama.cpp): 4 x n_tokens x (n_kv x n_head + n_kv +
 * 2 n_embd + 2 n_head x head_dim) bytes on one GPU, n_kv a stream's
 * widest layer cache (the reserve graph takes the full cache: the global
 * layers' whole stream, a model of sliding layers alone its sliding
 * cache); 15 of 16 logs to 0.03
 * MiB, DeepSeek-R1 1.3 % over.  Split by layers over several GPUs,
 * llama.cpp's scheduler keeps GGML_SCHED_MAX_COPIES (4) copies of every
 * graph input on each (src/llama-context.cpp: pipeline parallelism when
 * every layer is offloaded, split by layers): the mask and the hidden
 * state received, 4 x n_tokens x (n_kv x n_head + 4 n_kv + 6 n_embd + 2
 * n_head x head_dim), the same on every GPU (Qwen2.5-0.5B on two GPUs,
 * 1166.01 MiB each, and a 40-head model on four, 11344.01 MiB). */
/* llama.cpp split by layers with flash attention (the default): its
 * scheduler keeps 4 copies of every graph input on each GPU, pinned for
 * the whole graph (ggml/src/ggml-backend.cpp, n_copies =
 * GGML_SCHED_MAX_COPIES with pipeline parallelism, its split inputs
 * flagged input and output): the f16 KQ mask, n_kv x n_tokens (f16 from
 * the start since PR #23764 of 2026-05-27; no row padding since #17910),
 * and the f32 hidden state received, n_embd x n_tokens; beside them the
 * largest per-layer activations, the MLP's: 4 x n_tokens x (3 n_embd + 3
 * n_ff) (swiglu_split's output not in place), n_ff a dense MLP's inner
 * size, or a mixture of experts' rows (mlp_values; split, unverified).
 * So 4 x n_tokens x (2 n_kv + 4 n_embd + 3 n_embd + 3 n_ff) on every GPU, and
 * on the last the larger of that and the copies with the logits, 4 x
 * n_tokens x (n_vocab + n_embd) (llama_peaks).  Published logs (research:
 * doc/footprint.md): Qwen2.5-32B on six GPUs 946.01 MiB a middle GPU,
 * 1115.02 the last, and 4.0 GiB a GPU of mask copies for Kimi-K3 at 1M
 * tokens (unsloth PR #7637). */
/* The bytes a token of the ubatch pins on a GPU split with flash
 * attention, its four copies of the f32 hidden state (the mask's are
 * attn_cell_bytes a cell). */
static uint64_t pinned_token_bytes(uint64_t hidden)
{
	return 4 * 4 * hidden;
}

/* The MLP's f32 values a token beside the three rows of n_embd: a dense
 * MLP's gate, up and GLU output, 3 n_ff.  A mixture of experts with its
 * top-k (moe_top_k) holds the top-k routed experts' (llama-graph.cpp
 * build_moe_ffn at 3f545becc: gate, up and the GLU's output of n_ff_exp
 * x n_expert_used a token), and their down projection's output, n_embd x
 * n_expert_used before the weighted sum, beside them where it does not
 * fit the space up and gate leave when freed (n_embd > 2 n_ff_exp:
 * Qwen3's MoE models, DeepSeek-V3, GLM-4.5, Kimi K2), or a dense layer's
 * or the shared experts' three rows where wider.  Mainline's own code
 * through ggml's RPC device, llama-server's one-row reserve, n_ubatch 512,
 * llama-architecture files with experts (shared experts and MLA
 * unverified; research: /work/research/llamacpp-fa-single.md section 7):
 * this gives 12 of 14 shapes exactly (the Qwen3-30B-A3B shape 84.01 MiB
 * at n_ctx 4096, where the GLU's rows alone give 52.01), and is over by
 * the GLU's rows in two, whose down output found another hole (n_ff_exp
 * 256, and top-2).  Without its top-k, its dense layers' MLP, or one routed
 * expert and the shared ones (unverified). */
static unsigned __int128 mlp_values(const kvp_model *m)
{
	unsigned __int128 routed, widest, f;

	if (!m->moe_top_k)
		return 3 * (unsigned __int128)(m->intermediate ? kvp__widest_intermediate(m)
		       : m->dense_intermediate ? m->dense_intermediate
		       : (uint64_t)m->moe_intermediate + m->moe_shared_intermediate);
	f = m->moe_intermediate ? m->moe_intermediate : m->intermediate;
	routed = 3 * (unsigned __int128)m->moe_top_k * f;
	if (f && m->hidden > 2 * f)
		routed += (unsigned __int128)m->moe_top_k * m->hidden;
	widest = 3 * (unsigned __int128)(m->dense_intermediate > m->moe_shared_intermediate
	                                 ? m->dense_intermediate : m->moe_shared_intermediate);
	return routed > widest ? routed : widest;
}

/* Qwen3.5's hybrid, dense and MoE (Hugging Face qwen3_5_text and
 * qwen3_5_moe_text, GGUF qwen35 and qwen35moe; model_type a prefix). */
static bool gdn_hybrid(const kvp_model *m)
{
	static const char *const types[] = {"qwen3_5", "qwen35"};

	return kvp__model_type_in(m, types, sizeof types / sizeof types[0]);
}

/* The MLP's activations a token, 4 x (3 n_embd + mlp_values) B, plus
 * extra: a mixture of experts' top-k rows may take it past 64 bits (a
 * profile's figures are not bounded), where it stays at 64 bits' most.
 * Qwen3.5 (models/qwen35.cpp at 3f545becc), whose first layer is Gated
 * DeltaNet: its dense MLP holds two rows of n_embd beside mlp_values, not
 * three (its mixture of experts three, as Qwen3's); its Gated DeltaNet
 * layer is replayed (gdn_graph, lib/llama_replay.c). */
static uint64_t mlp_token_bytes(const kvp_model *m, uint64_t extra)
{
	bool dense = !kvp__model_moe(m);
	unsigned __int128 values = (gdn_hybrid(m) && dense ? 2 : 3) * (unsigned __int128)m->hidden +
	                           mlp_values(m);

	return clamp64((unsigned __int128)4 * values + extra);
}

/* llama.cpp on one GPU with flash attention (the default), read at
 * 3f545becc (src/llama-graph.cpp build_attn_inp_kq_mask, build_ffn):
 * the graph's inputs copied in stay for the whole graph, the f16 KQ mask
 * (n_kv x n_tokens, f16 under flash attention since PR #23764 of
 * 2026-05-27) and each token's position (int32) and K and V cache rows
 * (int64 each, set_rows' indices: 20 B a token); the MLP's activations
 * peak at its first layer, where the embedding's copy, the norm's output
 * and the residual leave three n_embd rows a token beside swiglu_split's
 * gate, up and output, three of n_ff (ggml-alloc does not run the GLU
 * ops in place): 4 x n_tokens x (3 n_embd + 3 n_ff) + 2 x n_kv x
 * n_tokens + 20 x n_tokens.  Logs (research in doc/footprint.md):
 * ollama 0.16.3 with flash attention auto, n_ctx 4096, n_ubatch 512:
 * LLaMA v2 7B 92.51 MiB, six Mistral-7B fine-tunes 112.01 MiB each, an
 * ollama build on CUDA 112.01 MiB; TinyLlama at 2048 takes the logits'
 * 66.50. */
/* The buffer's terms over the context for model m, as the three comments
 * above give them: a cell's bytes, and a token's besides (on one GPU, or
 * on each of pp > 1 split by layers).  The cell's are under 2^36 (figures
 * under 2^32); the token's are taken in 128 bits and clamped.  A model
 * not finalized (a draft handed in as it is) has its head_dim derived. */
static void buffer_terms(const kvp_model *m, bool flash_attn_off, uint32_t pp, uint64_t *cell,
                         uint64_t *token)
{
	bool copies = pp > 1;
	/* the widest layer's: Gemma 4's full layers' (full_head_dim), whose
	 * cells are the whole context */
	uint64_t head_dim = m->full_head_dim > head_dim_of(m) ? m->full_head_dim
	                                                       : head_dim_of(m);

	if (flash_attn_off) {
		*cell = 4 * ((uint64_t)m->heads + (copies ? 4 : 1));
		*token = clamp64((unsigned __int128)4 *
		                 ((copies ? 6 : 2) * (unsigned __int128)m->hidden +
		                  2 * (unsigned __int128)m->heads * head_dim));
	} else if (copies) {
		*cell = 4 * 2;
		*token = mlp_token_bytes(m, pinned_token_bytes(m->hidden));
	} else {
		/* Qwen3.5's positions are M-RoPE's four a token
		 * (llama-graph.cpp build_inp_pos, n_pos_per_embd). */
		*cell = 2;
		*token = mlp_token_bytes(m, (gdn_hybrid(m) ? 4 * 4 : 4) + 2 * 8);
	}
}

/* The part of the buffer over the context: cell x n_kv + token bytes for
 * each of tokens, n_kv (stored in *n_kv) the wider of a stream's full and
 * windowed caches without flash attention, whose scores the widest sets;
 * with it both, whose masks and rows' indices are graph inputs
 * (llama-graph.cpp build_attn_inp_kv_iswa at 3f545becc: self_kq_mask and
 * self_kq_mask_swa, self_k_idxs and self_k_idxs_swa, self_v_idxs and
 * self_v_idxs_swa): on one GPU 16 B a token more for the second cache's
 * indices; split, four copies of each mask. */
static unsigned __int128 context_peak(uint64_t cell, uint64_t token, uint64_t full, uint64_t swa,
                                      bool flash_attn_off, bool one_gpu, uint64_t tokens,
                                      unsigned __int128 *n_kv)
{
	if (flash_attn_off) {
		*n_kv = full > swa ? full : swa;
	} else {
		*n_kv = (unsigned __int128)full + swa;
		if (full && swa && one_gpu && token <= UINT64_MAX - 2 * 8)
			token += 2 * 8;
	}
	return ((unsigned __int128)cell * *n_kv + token) * tokens;
}

/* The logits rows llama.cpp's prompt graph of tokens reserves:
 * min(tokens, n_outputs_max) (src/llama-context.cpp, the constructor's
 * n_outputs_pp, at 3f545becc).  n_outputs_max is n_batch, so every token,
 * unless the program sets it; llama-server sets it (server-context.cpp
 * load_model, server_output_limits, and common/speculative.cpp
 * common_speculative_get_output_limits) to its slots x (1 + the tokens it
 * drafts: --spec-draft-n-max, 3 unless given, with a draft model or MTP
 * layers), at most n_batch. */
static uint64_t llama_outputs(const kvp_request *r, uint64_t tokens)
{
	uint64_t drafted = r->spec_tokens ? r->spec_tokens : 3, outputs;

	if (!r->llama_server)
		return tokens;
	if (!r->draft && !r->mtp_layers)
		drafted = 0;
	return kvp__mul(r->batch, 1 + drafted, &outputs) && outputs < tokens ? outputs : tokens;
}

/* A draft model's context (-md): llama.cpp builds it with the target's
 * settings (common/speculative.cpp common_base_params_to_speculative at
 * 3f545becc: n_ctx, n_ubatch, its slots and flash attention alike) but
 * n_outputs_max = n_parallel, so its prompt graph of tokens holds the
 * larger of batch rows of logits and, with flash attention, its MLP's
 * activations beside its own mask over full cells (and swa, a model of
 * both kinds), or without, its attention's scores (as the model's: one
 * GPU's form); its output buffer, n_vocab x n_seq_max f32, is in host
 * memory.  On the GPU of the last stage, where its layers are. */
static unsigned __int128 draft_peak(const kvp_model *d, const kvp_request *r, uint64_t tokens,
                                    uint64_t full, uint64_t swa)
{
	uint64_t outputs = r->batch < tokens ? r->batch : tokens, cell, token;
	unsigned __int128 out, attn, n_kv;

	if (!d || !d->vocab || !d->hidden)
		return 0;
	out = (unsigned __int128)4 * outputs * ((uint64_t)d->vocab + d->hidden);
	buffer_terms(d, r->flash_attn_off, 1, &cell, &token);
	attn = context_peak(cell, token, full, swa, r->flash_attn_off, true, tokens, &n_kv);
	return clamp64(out > attn ? out : attn);
}

/* llama.cpp's two peaks for request r on plan p: the prompt graph's
 * logits, 4 x n_outputs x (n_vocab + n_embd) (the final norm runs on the
 * output rows alone), n_tokens = min(n_ctx,
 * n_ubatch) rounded up to a multiple of the split sequences (split by
 * layers with flash attention, beside the pinned input copies); and,
 * where its terms are set, the attention's (flash attention off), the
 * copies' (split by layers) or the MLP's (one GPU), over n_kv, the widest
 * of the layers' caches in one stream (the global layers' whole stream;
 * a model of sliding layers alone, its sliding cache). */
static void llama_peaks(const kvp_plan *p, const kvp_request *r, unsigned __int128 *out,
                        unsigned __int128 *attn, unsigned __int128 *draft)
{
	uint64_t n_ctx, streams, per_stream, tokens, outputs, full = 0, swa = 0;
	uint64_t dfull = 0, dswa = 0;
	unsigned __int128 n_kv;
	uint64_t seqs = r->kv_unified ? 1 : r->batch;

	kvp__llama_streams(r, &n_ctx, &streams, &per_stream);
	tokens = kvp__engine_ubatch(r);
	if (n_ctx < tokens)
		tokens = n_ctx;
	if (tokens % seqs)
		tokens += seqs - tokens % seqs;
	outputs = llama_outputs(r, tokens);
	*out = (unsigned __int128)4 * outputs * ((uint64_t)p->vocab + p->hidden);
	*attn = *draft = 0;
	if (!p->attn_cell_bytes)
		return;
	for (uint32_t g = 0; g < p->group_count; g++) {
		const kvp_layer_group *grp = &p->groups[g];
		/* A draft model's layers are its own context's, and MTP
		 * layers' where that context is modelled; otherwise they are
		 * counted with the model's. */
		bool own = grp->draft && (r->draft || p->mtp_graph.embd);
		uint64_t cells, *f = own ? &dfull : &full, *w = own ? &dswa : &swa;

		if (grp->layers == 0 || grp->kind == KVP_LAYER_RECURRENT ||
		    grp->kind == KVP_LAYER_NONE)
			continue;
		cells = kvp__engine_cells(r, grp) / streams;
		if (grp->window ? cells > *w : cells > *f)
			*(grp->window ? w : f) = cells;
	}
	if (r->draft)
		*draft = draft_peak(r->draft, r, tokens, dfull, dswa);
	else if (p->mtp_graph.embd)
		*draft = kvp__llama_mtp_peak(&p->mtp_graph, tokens, r->batch < tokens ? r->batch : tokens,
		                             dfull, p->vocab);
	*attn = context_peak(p->attn_cell_bytes, p->attn_token_bytes, full, swa, r->flash_attn_off,
	                     r->pp <= 1, tokens, &n_kv);
	if (p->gdn_graph.embd) {
		unsigned __int128 gdn = kvp__llama_gdn_peak(&p->gdn_graph, tokens, r->batch, outputs,
		                                            clamp64(n_kv));

		if (gdn > *attn)
			*attn = gdn;
	}
	/* Split with flash attention, the logits lie beside the pinned
	 * copies of the mask and the hidden state. */
	if (!r->flash_attn_off && r->pp > 1)
		*out += ((unsigned __int128)p->attn_cell_bytes * n_kv + pinned_token_bytes(p->hidden)) *
		        tokens;
}

uint64_t kvp__llama_compute(const kvp_plan *p, uint64_t seq, uint64_t batch, uint64_t ctx,
                            bool last)
{
	kvp_request r = p->request;
	unsigned __int128 out, attn, draft;

	r.seq = seq;
	r.batch = batch;
	r.ctx_size = ctx;
	llama_peaks(p, &r, &out, &attn, &draft);
	return last ? clamp64((unsigned __int128)clamp64(out > attn ? out : attn) + clamp64(draft))
	            : clamp64(attn);
}

kvp_status kvp_plan_compute_bytes_at(const kvp_plan *p, uint32_t stage, uint64_t seq,
                                     uint64_t batch, uint64_t *bytes, kvp_error *err)
{
	if (!p || !bytes)
		return kvp__error(err, KVP_ERR_INVALID, "no plan or result given");
	if (stage >= p->stages)
		return kvp__error(err, KVP_ERR_INVALID, "stage %u of a plan of %u", stage,
		                  p->stages);
	if (seq == 0 || batch == 0)
		return kvp__error(err, KVP_ERR_INVALID, "seq and batch must be at least 1");
	/* Without terms over the context (no vocabulary known, or another
	 * engine), the plan's own figures, the same at every context. */
	if (!p->attn_cell_bytes)
		*bytes = stage + 1 == p->stages ? p->compute_bytes : p->compute_other_bytes;
	else
		*bytes = kvp__llama_compute(p, seq, batch, 0, stage + 1 == p->stages);
	return kvp__error_clear(err);
}

/* Qwen3.5's Gated DeltaNet layer on one GPU with flash attention (with
 * the fused GATED_DELTA_NET op: CUDA, Metal and the CPU run it, and
 * llama-context.cpp resolve_fused_ops keeps it where the layer's device
 * has it): its graph's widths for lib/llama_replay.c.  Its value heads
 * are inner / state (Qwen3.5's heads of 128, keys and values alike). */
static void gdn_graph(const kvp_model *m, const kvp_request *r, kvp_gdn_graph *g)
{
	if (!gdn_hybrid(m) || !m->ssm_inner || !m->ssm_state || r->flash_attn_off || r->pp > 1 ||
	    !kvp_model_count_layers(m, KVP_LAYER_RECURRENT))
		return;
	g->embd = m->hidden;
	g->inner = m->ssm_inner;
	g->groups = m->ssm_groups;
	g->state = m->ssm_state;
	g->value_heads = m->ssm_inner / m->ssm_state;
	g->conv_kernel = m->ssm_conv_kernel;
	g->rows_per_seq = kvp__spec_state_rows(r, m);
	if (m->moe_top_k) {
		g->experts = m->moe_routed_experts ? m->moe_routed_experts : m->moe_experts;
		g->top_k = m->moe_top_k;
		g->ff_exp = m->moe_intermediate;
		g->ff_shexp = m->moe_shared_intermediate;
	}
	while (g->layers < 3 && g->layers < m->layers &&
	       kvp_model_layer_kind(m, g->layers) == KVP_LAYER_RECURRENT)
		g->layers++;
}

/* The MTP context llama.cpp builds for Qwen3.5's and Qwen3-Next's NextN
 * layer (MTP layers without a draft model, flash attention on): its
 * graph's widths for lib/llama_replay.c; none for another model, whose
 * MTP graph is not replayed.  Qwen3-Next's (src/models/qwen3next.cpp
 * graph_mtp at 3f545becc) has one position a token, and takes the output
 * rows before its MLP. */
static void mtp_graph(const kvp_model *m, const kvp_request *r, kvp_mtp_graph *g)
{
	static const char *const next[] = {"qwen3_next", "qwen3next"};
	uint64_t head_dim = head_dim_of(m);
	uint64_t q = m->heads * head_dim, kv = (uint64_t)m->kv_heads * head_dim;
	bool qwen3next = kvp__model_type_in(m, next, sizeof next / sizeof next[0]);

	if (!r->mtp_layers || r->draft || r->flash_attn_off || !(gdn_hybrid(m) || qwen3next) ||
	    q > UINT32_MAX || kv > UINT32_MAX)
		return;
	g->embd = m->hidden;
	g->q = (uint32_t)q;
	g->kv = (uint32_t)kv;
	g->pos_per_token = qwen3next ? 1 : 4;
	g->rows_first = qwen3next;
	if (m->moe_top_k) {
		g->experts = m->moe_routed_experts ? m->moe_routed_experts : m->moe_experts;
		g->top_k = m->moe_top_k;
		g->ff_exp = m->moe_intermediate;
		g->ff_shexp = m->moe_shared_intermediate;
	} else {
		g->ff = m->intermediate;
	}
}

void kvp__plan_buffers(const kvp_model *m, kvp_plan *p)
{
	const kvp_request *r = &p->request;
	unsigned __int128 out, attn, draft;

	p->compute_bytes = p->compute_other_bytes = p->host_bytes = p->draft_compute_bytes = 0;
	p->attn_cell_bytes = p->attn_token_bytes = 0;
	memset(&p->gdn_graph, 0, sizeof p->gdn_graph);
	memset(&p->mtp_graph, 0, sizeof p->mtp_graph);
	if (r->engine != KVP_ENGINE_LLAMA_CPP || !m->vocab || !m->hidden)
		return;
	mtp_graph(m, r, &p->mtp_graph);
	gdn_graph(m, r, &p->gdn_graph);
	/* Without flash attention the attention's own peak: the f32 scores
	 * of every head over a stream's cache, which the soft_max reuses,
	 * its f32 mask, and the activations alive beside them, on every
	 * GPU; with it, the pinned input copies and the MLP's activations
	 * (split by layers), or the mask and the MLP's (one GPU); the
	 * logits' peak on the GPU holding the output layer, the larger
	 * there. */
	buffer_terms(m, r->flash_attn_off, r->pp, &p->attn_cell_bytes, &p->attn_token_bytes);
	llama_peaks(p, r, &out, &attn, &draft);
	p->draft_compute_bytes = clamp64(draft);
	p->compute_bytes = clamp64((unsigned __int128)clamp64(out > attn ? out : attn) +
	                           p->draft_compute_bytes);
	p->compute_other_bytes = clamp64(attn);
	/* The output buffers: the model's and a draft's or the MTP layers'
	 * (its own context). */
	p->host_bytes = clamp64((unsigned __int128)4 *
	                        ((uint64_t)m->vocab + (r->draft ? r->draft->vocab
	                                               : p->mtp_graph.embd ? m->vocab : 0)) *
	                        r->batch +
	                        /* A draft model's token embedding, which
	                         * llama.cpp keeps in host memory as the
	                         * model's (its input layer); not known for a
	                         * draft counted from its file (draft.c). */
	                        (r->draft && !r->draft_weight_bytes
	                         ? kvp__embedding_estimate(r->draft, r) : 0));
}

