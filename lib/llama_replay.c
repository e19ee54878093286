/*
 * llama_replay.c — llama.cpp's compute buffer where no sum of terms gives
 * it: graphs replayed, tensor by tensor, through the allocator llama.cpp
 * reserves them with.  Two of Qwen3.5's: its Gated DeltaNet layer, whose
 * output holds every sequence's state (and, with an MTP draft, every
 * snapshot of it) and finds a hole or not, and its NextN block, run in a
 * llama_context of its own (--spec-type draft-mtp).
 *
 * Read at ggml-org/llama.cpp 3f545becc (mainline of 2026-08-22):
 *   - common/speculative.cpp common_speculative_init_result and
 *     common_base_params_to_speculative: the context has the target's
 *     n_ctx, n_ubatch and slots, n_outputs_max = n_parallel, and its own
 *     cache of the NextN layer;
 *   - src/models/qwen35.cpp and qwen35moe.cpp graph_mtp: the token's
 *     embedding and the target's hidden state, each normed, concatenated
 *     (2 n_embd), eh_proj back to n_embd, one full-attention block with
 *     its gated query (2 n_head x head_dim), the MLP (dense, or routed
 *     and shared experts), the head's norm and the logits of the output
 *     rows;
 *   - src/models/qwen35.cpp build_layer_attn_linear and
 *     delta-net-base.cpp build_conv_state, build_delta_net_fused: the conv
 *     state of each sequence gathered and put before the layer's q, k, v
 *     rows (the conv's input, kernel - 1 rows a sequence more), each
 *     sequence's delta state gathered, the conv's output, q and k
 *     l2-normed, alpha and beta, and GATED_DELTA_NET's output: every
 *     token's row of inner values and the states it keeps, n_seq_max x (1
 *     + n_rs_seq) of state x inner;
 *   - ggml/src/ggml-alloc.c ggml_dyn_tallocr_alloc and _free_bytes: the
 *     inputs first, then each node in order, in place where ggml lets it
 *     (the norms' MUL, RoPE, the gate's SIGMOID and MUL, the residual
 *     ADDs, softmax), each parent freed after its last child; a tensor
 *     takes the smallest free block that holds it (the last of equal
 *     ones), else the end of the buffer, and freed blocks merge with
 *     their neighbours.  The buffer is the highest end any tensor took.
 * The order of allocations and frees below is the one llama.cpp's own
 * allocator logged for these graphs (built with AT_PRINTF; research:
 * /work/research/llamacpp-qwen35.md), sizes as their shapes give them.
 * Replayed, the NextN block gives the buffer llama.cpp printed in all 23
 * runs of 10 shapes, dense and MoE, n_ctx 4,096 to 65,536, and the Gated
 * DeltaNet layer, beside the MLP's closed form (lib/llama_compute.c),
 * all 30 runs of 13 shapes with 1 to 16 slots and MTP drafts (with
 * experts, its first layers in a row with their experts between them:
 * the one run the first layer alone missed by 3.62 MiB, a mixture of
 * experts with four slots and an MTP draft, among them).
 */
#include <string.h>

#include "engine.h"
#include "internal.h"

/* CUDA's buffer alignment (ggml-cuda.cu: 128 bytes). */
#define ALIGN 128u
#define BLOCKS 64

enum {
	/* the graph's tensors */
	T_TOK, T_H, T_POS, T_KIDX, T_VIDX, T_MASK, T_OUT_IDS, T_CONCAT, T_EH,
	T_ATTN_NORM, T_Q_FULL, T_Q, T_V, T_K, T_K_NORM, T_FA, T_GATE, T_ATTN_OUT,
	T_POST_NORM, T_FFN_GATE, T_FFN_UP, T_GLU, T_FFN_OUT, T_LOGITS_RT,
	T_ARGSORT, T_W, T_W_SUM, T_W_NORM, T_EXP_GATE, T_EXP_UP, T_EXP_GLU,
	T_EXP_DOWN, T_EXP_SUM, T_SH_GATE, T_SH_UP, T_SH_GLU, T_SH_DOWN,
	T_SH_LOGIT, T_HEAD_NORM, T_LOGITS, T_ROWS, T_RES_ROWS, T_COUNT
};

/* A step: allocate (sized) or free a tensor. */
struct step {
	bool alloc;
	unsigned char tensor;
};

#define A(t) {true, t}
#define F(t) {false, t}

static const struct step head[] = {
	A(T_TOK), A(T_H), A(T_POS), A(T_KIDX), A(T_VIDX), A(T_MASK), A(T_OUT_IDS),
	A(T_CONCAT), F(T_TOK), F(T_H), A(T_EH), F(T_CONCAT), A(T_ATTN_NORM),
	A(T_Q_FULL), A(T_Q), A(T_V), A(T_K), F(T_ATTN_NORM), A(T_K_NORM), F(T_K),
	F(T_POS), F(T_K_NORM), F(T_KIDX), F(T_V), F(T_VIDX), A(T_FA), F(T_Q),
	F(T_MASK), A(T_GATE), F(T_Q_FULL), F(T_FA), A(T_ATTN_OUT), F(T_GATE),
};
/* Qwen3.5's: the residual added in place, the post-attention norm of
 * every token. */
static const struct step head_all[] = {
	F(T_EH), A(T_POST_NORM),
};
/* Qwen3-Next's (qwen3next.cpp graph_mtp): the output rows of the
 * attention's output and of the residual first, added in place; the
 * norm, the MLP and the logits of those rows alone, its head norm in
 * place. */
static const struct step head_rows[] = {
	A(T_ROWS), F(T_ATTN_OUT), A(T_RES_ROWS), F(T_EH), F(T_OUT_IDS), F(T_RES_ROWS),
	A(T_POST_NORM),
};
static const struct step tail_rows[] = {
	A(T_LOGITS),
};
static const struct step dense_mlp[] = {
	A(T_FFN_GATE), A(T_FFN_UP), F(T_POST_NORM), A(T_GLU), F(T_FFN_GATE),
	F(T_FFN_UP), A(T_FFN_OUT), F(T_GLU), F(T_ATTN_OUT),
};
static const struct step moe_mlp[] = {
	A(T_LOGITS_RT), A(T_ARGSORT), A(T_W), F(T_LOGITS_RT), A(T_W_SUM),
	A(T_W_NORM), F(T_W), F(T_W_SUM), A(T_EXP_GATE), A(T_EXP_UP),
	A(T_EXP_GLU), F(T_EXP_GATE), F(T_EXP_UP), A(T_EXP_DOWN), F(T_EXP_GLU),
	F(T_ARGSORT), F(T_W_NORM), A(T_EXP_SUM), F(T_EXP_DOWN), A(T_SH_GATE),
	A(T_SH_UP), A(T_SH_GLU), F(T_SH_GATE), F(T_SH_UP), A(T_SH_DOWN),
	F(T_SH_GLU), A(T_SH_LOGIT), F(T_POST_NORM), F(T_SH_LOGIT), F(T_SH_DOWN),
	F(T_ATTN_OUT),
};
static const struct step tail[] = {
	A(T_HEAD_NORM), F(T_OUT_IDS), A(T_LOGITS), F(T_HEAD_NORM),
};

/* The Gated DeltaNet layer above the inputs and the layer's norm (G_BASE,
 * one block; G_INPUTS, the inputs but the residual row, T_ATTN_OUT, and
 * G_ATTN_NORM, the layer's norm, where the layers after it are replayed
 * too), numbered after the NextN block's tensors so that a layer and
 * its experts (moe_mlp) share one allocator. */
enum {
	G_BASE = T_COUNT, G_CONV_STATES, G_QKV, G_CONV_IN, G_STATES, G_CONV_OUT, G_Q,
	G_K, G_ALPHA, G_GATE, G_BETA, G_BETA_SIG, G_OUT, G_INPUTS, G_ATTN_NORM, G_GNORM,
	G_Z, G_ZS, G_LIN_OUT, G_COUNT
};
static const struct step gdn[] = {
	A(G_BASE), A(G_CONV_STATES), A(G_QKV), A(G_CONV_IN), F(G_CONV_STATES), F(G_QKV),
	A(G_STATES), A(G_CONV_OUT), F(G_CONV_IN), A(G_Q), A(G_K), A(G_ALPHA), A(G_GATE),
	F(G_ALPHA), A(G_BETA), A(G_BETA_SIG), F(G_BETA), A(G_OUT),
};
/* With experts, the inputs one by one: the residual row first (the
 * input embedding's copy), the others, the layer's norm. */
static const struct step inputs[] = {
	A(T_ATTN_OUT), A(G_INPUTS), A(G_ATTN_NORM),
};
/* After the delta net: its inputs freed, its output normed (G_GNORM),
 * gated by silu(z) in place, projected back to n_embd, added to the
 * residual in place, and the post-attention norm; then the experts
 * (moe_mlp: the residual is T_ATTN_OUT, the layer's output T_EXP_SUM),
 * and the next layer's norm. */
static const struct step after_gdn[] = {
	F(G_Q), F(G_K), F(G_CONV_OUT), F(G_GATE), F(G_BETA_SIG), F(G_STATES), A(G_GNORM),
	F(G_OUT), A(G_Z), F(G_ATTN_NORM), A(G_ZS), F(G_Z), F(G_ZS), A(G_LIN_OUT),
	F(G_GNORM), F(G_LIN_OUT), A(T_POST_NORM),
};

/* The allocator: free blocks by offset, the last one the buffer's end,
 * unbounded. */
struct alloc {
	uint64_t off[BLOCKS], size[BLOCKS];
	uint32_t n;
	uint64_t max;
	uint64_t at[G_COUNT], len[G_COUNT];
};

/* Free block i gone from the list. */
static void drop(struct alloc *a, uint32_t i)
{
	memmove(&a->off[i], &a->off[i + 1], (a->n - i - 1) * sizeof a->off[0]);
	memmove(&a->size[i], &a->size[i + 1], (a->n - i - 1) * sizeof a->size[0]);
	a->n--;
}

static void take(struct alloc *a, int t, uint64_t size)
{
	uint32_t best = a->n - 1;
	uint64_t fit = UINT64_MAX;

	size = (size + ALIGN - 1) / ALIGN * ALIGN;
	for (uint32_t i = 0; i + 1 < a->n; i++)
		if (a->size[i] >= size && a->size[i] <= fit) {
			best = i;
			fit = a->size[i];
		}
	a->at[t] = a->off[best];
	a->len[t] = size;
	a->off[best] += size;
	if (best + 1 < a->n) {
		a->size[best] -= size;
		if (a->size[best] == 0)
			drop(a, best);
	}
	if (a->at[t] + size > a->max)
		a->max = a->at[t] + size;
}

static void give(struct alloc *a, int t)
{
	uint64_t off = a->at[t], size = a->len[t];
	uint32_t i = 0;

	while (i < a->n && a->off[i] < off)
		i++;
	/* Into the end block, or merged with the free block after it, or
	 * apart; then with the one before. */
	if (off + size == a->off[i]) {
		a->off[i] = off;
		if (i + 1 < a->n)
			a->size[i] += size;
	} else {
		/* The step tables leave at most a few dozen blocks free at
		 * once; past BLOCKS the replay says nothing (no GPU's). */
		if (a->n == BLOCKS) {
			a->max = UINT64_MAX;
			return;
		}
		memmove(&a->off[i + 1], &a->off[i], (a->n - i) * sizeof a->off[0]);
		memmove(&a->size[i + 1], &a->size[i], (a->n - i) * sizeof a->size[0]);
		a->off[i] = off;
		a->size[i] = size;
		a->n++;
	}
	if (i > 0 && a->off[i - 1] + a->size[i - 1] == a->off[i]) {
		if (i + 1 < a->n)
			a->size[i - 1] += a->size[i];
		else
			a->size[i - 1] = 0; /* the end block starts where it did */
		drop(a, i);
	}
}

/* Sizes no real model's past 2^56 bytes: then its buffer is past any
 * GPU. */
#define MOST ((unsigned __int128)1 << 56)

/* The n byte sizes w into size, false where one is past MOST. */
static bool sized(const unsigned __int128 *w, int n, uint64_t *size)
{
	for (int i = 0; i < n; i++) {
		if (w[i] > MOST)
			return false;
		size[i] = (uint64_t)w[i];
	}
	return true;
}

/* An empty buffer: its end block alone. */
static void start(struct alloc *a)
{
	memset(a, 0, sizeof *a);
	a->n = 1;
}

static void run(struct alloc *a, const struct step *s, size_t n, const uint64_t *size)
{
	for (size_t i = 0; i < n; i++) {
		if (s[i].alloc)
			take(a, s[i].tensor, size[s[i].tensor]);
		else
			give(a, s[i].tensor);
	}
}

/* A mixture of experts' tensors (moe_mlp) for t tokens of embd. */
static void experts_sized(unsigned __int128 *w, unsigned __int128 t, uint64_t embd,
                          uint64_t experts, uint64_t top_k, uint64_t ff_exp, uint64_t ff_shexp)
{
	w[T_POST_NORM] = w[T_EXP_SUM] = w[T_SH_DOWN] = 4 * t * embd;
	w[T_LOGITS_RT] = w[T_ARGSORT] = 4 * t * experts;
	w[T_W] = w[T_W_NORM] = 4 * t * top_k;
	w[T_W_SUM] = w[T_SH_LOGIT] = 4 * t;
	w[T_EXP_GATE] = w[T_EXP_UP] = w[T_EXP_GLU] = 4 * t * ff_exp * top_k;
	w[T_EXP_DOWN] = 4 * t * embd * top_k;
	w[T_SH_GATE] = w[T_SH_UP] = w[T_SH_GLU] = 4 * t * ff_shexp;
}

uint64_t kvp__llama_gdn_peak(const kvp_gdn_graph *g, uint64_t tokens, uint64_t seqs,
                             uint64_t outputs, uint64_t cells)
{
	unsigned __int128 t = tokens, conv = (unsigned __int128)g->inner +
	                  2 * (unsigned __int128)g->groups * g->state;
	unsigned __int128 state = (unsigned __int128)g->state * g->inner, w[G_COUNT] = {0};
	unsigned __int128 kernel_rows = (unsigned __int128)seqs * (g->conv_kernel ? g->conv_kernel - 1 : 0);
	unsigned __int128 rows = (unsigned __int128)seqs * g->rows_per_seq;
	uint64_t size[G_COUNT];
	struct alloc a;

	if (!g->embd)
		return 0;
	if (t > MOST || seqs > MOST || cells > MOST || outputs > MOST || rows > MOST)
		return UINT64_MAX;
	/* Below the layer: the residual row and the layer's norm (2 of
	 * n_embd a token), the M-RoPE positions and the cache rows' indices
	 * (32 B a token), the f16 mask (2 B a cell), the sequences' and the
	 * output rows' indices, each aligned. */
	w[G_BASE] = t * (8 * (unsigned __int128)g->embd + 32) + 2 * (unsigned __int128)cells * t +
	            (4 * (unsigned __int128)seqs + ALIGN - 1) / ALIGN * ALIGN +
	            (4 * (unsigned __int128)outputs + ALIGN - 1) / ALIGN * ALIGN;
	w[T_ATTN_OUT] = w[G_ATTN_NORM] = w[G_LIN_OUT] = 4 * t * g->embd;
	w[G_INPUTS] = w[G_BASE] - 2 * w[T_ATTN_OUT];
	w[G_CONV_STATES] = 4 * kernel_rows * conv;
	w[G_QKV] = w[G_CONV_OUT] = 4 * t * conv;
	w[G_CONV_IN] = 4 * (t + kernel_rows) * conv;
	w[G_STATES] = 4 * (unsigned __int128)seqs * state;
	w[G_Q] = w[G_K] = 4 * t * g->groups * g->state;
	w[G_ALPHA] = w[G_GATE] = w[G_BETA] = w[G_BETA_SIG] = 4 * t * g->value_heads;
	w[G_OUT] = 4 * (t * g->inner + rows * state);
	w[G_GNORM] = w[G_Z] = w[G_ZS] = 4 * t * g->inner;
	experts_sized(w, t, g->embd, g->experts, g->top_k, g->ff_exp, g->ff_shexp);
	if (!sized(w, G_COUNT, size))
		return UINT64_MAX;
	start(&a);
	if (!g->top_k || g->layers < 2) {
		/* Dense, the layers after the first hold their residual and
		 * norm where the first did (the MLP's output takes the
		 * freed norm's place, the next norm the residual's): the
		 * first layer says it. */
		run(&a, gdn, sizeof gdn / sizeof gdn[0], size);
		return a.max;
	}
	/* With experts the shared expert still reads the post-attention
	 * norm when the routed experts' output is allocated, which so
	 * lands elsewhere, as does the next layer: its layers are
	 * replayed in a row, experts between them (the allocator log of a
	 * qwen35moe file put the second layer's delta-net output 3.62 MiB
	 * above the first's). */
	run(&a, inputs, sizeof inputs / sizeof inputs[0], size);
	for (uint32_t layer = 0; layer < g->layers; layer++) {
		if (layer > 0) {
			run(&a, after_gdn, sizeof after_gdn / sizeof after_gdn[0], size);
			run(&a, moe_mlp, sizeof moe_mlp / sizeof moe_mlp[0], size);
			/* The layer's output is the next one's residual. */
			a.at[T_ATTN_OUT] = a.at[T_EXP_SUM];
			a.len[T_ATTN_OUT] = a.len[T_EXP_SUM];
			take(&a, G_ATTN_NORM, size[G_ATTN_NORM]);
		}
		run(&a, gdn + 1, sizeof gdn / sizeof gdn[0] - 1, size);
	}
	return a.max;
}

uint64_t kvp__llama_mtp_peak(const kvp_mtp_graph *g, uint64_t tokens, uint64_t outputs,
                             uint64_t cells, uint64_t vocab)
{
	unsigned __int128 t = tokens, e = (unsigned __int128)4 * g->embd * t,
	                  q = (unsigned __int128)4 * g->q * t, kv = (unsigned __int128)4 * g->kv * t;
	unsigned __int128 w[T_COUNT] = {0}, mlp;
	uint64_t size[T_COUNT];
	struct alloc a;

	if (!g->embd)
		return 0;
	if (t > MOST || cells > MOST || outputs > MOST)
		return UINT64_MAX;
	w[T_TOK] = w[T_H] = w[T_EH] = w[T_ATTN_NORM] = w[T_ATTN_OUT] = w[T_POST_NORM] = e;
	w[T_POS] = 4 * (unsigned __int128)g->pos_per_token * t;
	w[T_KIDX] = w[T_VIDX] = 8 * t;
	w[T_MASK] = 2 * (unsigned __int128)cells * t; /* f16 */
	w[T_OUT_IDS] = 4 * (unsigned __int128)outputs;
	w[T_CONCAT] = 2 * e;
	w[T_Q_FULL] = 2 * q;
	w[T_Q] = w[T_FA] = w[T_GATE] = q;
	w[T_V] = w[T_K] = w[T_K_NORM] = kv;
	/* The MLP's tokens: every token's, or the output rows' alone. */
	mlp = g->rows_first ? (unsigned __int128)outputs : t;
	w[T_ROWS] = w[T_RES_ROWS] = 4 * (unsigned __int128)g->embd * outputs;
	w[T_FFN_GATE] = w[T_FFN_UP] = w[T_GLU] = 4 * (unsigned __int128)g->ff * mlp;
	w[T_FFN_OUT] = 4 * (unsigned __int128)g->embd * mlp;
	experts_sized(w, mlp, g->embd, g->experts, g->top_k, g->ff_exp, g->ff_shexp);
	w[T_HEAD_NORM] = 4 * (unsigned __int128)g->embd * outputs;
	w[T_LOGITS] = 4 * (unsigned __int128)vocab * outputs;
	if (!sized(w, T_COUNT, size))
		return UINT64_MAX;
	start(&a);
	run(&a, head, sizeof head / sizeof head[0], size);
	if (g->rows_first) {
		run(&a, head_rows, sizeof head_rows / sizeof head_rows[0], size);
		/* The rows are the MLP's residual. */
		a.at[T_ATTN_OUT] = a.at[T_ROWS];
		a.len[T_ATTN_OUT] = a.len[T_ROWS];
	} else {
		run(&a, head_all, sizeof head_all / sizeof head_all[0], size);
	}
	if (g->top_k)
		run(&a, moe_mlp, sizeof moe_mlp / sizeof moe_mlp[0], size);
	else
		run(&a, dense_mlp, sizeof dense_mlp / sizeof dense_mlp[0], size);
	if (g->rows_first)
		run(&a, tail_rows, sizeof tail_rows / sizeof tail_rows[0], size);
	else
		run(&a, tail, sizeof tail / sizeof tail[0], size);
	return a.max;
}
