/*
 * engine_log_llama.c — llama.cpp's log lines about its cache, rendered
 * from the plan in its own formats (llama_kv_cache's size line, its
 * recurrent memory's, its compute and output buffers; doc/engines.md
 * quotes each).  engine_log.c renders the other engines'.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

/* ggml's name of a cache type (ggml_type_name): f16, bf16, f32, q8_0... */
static const char *ggml_name(kvp_dtype t)
{
	switch (t) {
	case KVP_DTYPE_FP32:
		return "f32";
	case KVP_DTYPE_FP16:
		return "f16";
	default:
		return kvp_dtype_name(t);
	}
}

/* llama.cpp's recurrent-state line (src/llama-memory-recurrent.cpp @
 * 0054ee8c, the llama_memory_recurrent constructor; a hybrid model's
 * llama_memory_hybrid builds it after the KV cache): every recurrent
 * layer holds R rows of n_embd_r() and S rows of n_embd_s() values, f32
 * unless the state type says otherwise, max(1, n_seq_max) cells of 1 +
 * n_rs_seq rows each; "layers" is the model's n_layer(), all of them; P,
 * a per-layer-embedding conv row no model here has, is 0.  Left out where
 * the state is given in bytes, not as its two parts. */
static void llama_rs_line(const struct cli_plan *p, void (*line)(void *, const char *),
                          void *ctx)
{
	const kvp_model *m = &p->model;
	const kvp_plan *lp = &p->layers;
	const kvp_request *r = &p->request;
	const float mib = 1024.0f * 1024.0f;
	uint64_t layers = 0, per_seq = 0, n_r, n_s, row_r, row_s, rows, r_bytes, s_bytes;
	char text[256];

	for (uint32_t g = 0; g < lp->group_count; g++)
		if (lp->groups[g].kind == KVP_LAYER_RECURRENT && !lp->groups[g].draft) {
			layers += lp->groups[g].layers;
			per_seq = lp->groups[g].state_bytes_per_seq;
		}
	/* a state of a conv part alone (LFM2's short convolutions: S of
	 * 0 B) is printed too */
	if (layers == 0 || m->state_bytes || (!m->ssm_state && m->ssm_conv_kernel < 2))
		return;
	cli_state_values(m, &n_r, &n_s);
	if (kvp_dtype_row_bytes(r->state_dtype, n_r, &row_r, NULL) != KVP_OK ||
	    kvp_dtype_row_bytes(r->state_dtype, n_s, &row_s, NULL) != KVP_OK ||
	    row_r + row_s == 0 || per_seq % (row_r + row_s) != 0)
		return;
	/* The plan's state a sequence is 1 + n_rs_seq rows of both. */
	rows = per_seq / (row_r + row_s);
	r_bytes = layers * row_r * rows * r->batch;
	s_bytes = layers * row_s * rows * r->batch;
	snprintf(text, sizeof text,
	         "llama_memory_recurrent: size = %7.2f MiB (%6" PRIu64 " cells, %3u layers,"
	         " %2" PRIu64 " seqs %2" PRIu64 " rs_seq), R (%s): %7.2f MiB, S (%s): %7.2f MiB,"
	         " P (%s): %7.2f MiB", (double)((float)(r_bytes + s_bytes) / mib), r->batch,
	         m->layers, r->batch, rows - 1, ggml_name(r->state_dtype),
	         (double)((float)r_bytes / mib), ggml_name(r->state_dtype),
	         (double)((float)s_bytes / mib), ggml_name(r->state_dtype), 0.0);
	line(ctx, text);
}

/* llama.cpp's output buffer line, as the llama_context constructor
 * prints it, for a context whose buffer is bytes (none when 0). */
static void llama_output_line(uint64_t bytes, void (*line)(void *, const char *), void *ctx)
{
	char text[128];

	if (!bytes)
		return;
	snprintf(text, sizeof text, "llama_context: %10s  output buffer size = %8.2f MiB",
	         "CUDA_Host", (double)bytes / 1024.0 / 1024.0);
	line(ctx, text);
}

/* A context's compute buffer on GPU n, as sched_reserve prints it
 * ("%s: %10s compute buffer size = %8.2f MiB", src/llama-context.cpp at
 * 3f545becc). */
static void llama_compute_line(uint32_t n, uint64_t bytes, void (*line)(void *, const char *),
                               void *ctx)
{
	char text[128], device[16];

	snprintf(device, sizeof device, "CUDA%u", n);
	snprintf(text, sizeof text, "sched_reserve: %10s compute buffer size = %8.2f MiB", device,
	         (double)bytes / 1024.0 / 1024.0);
	line(ctx, text);
}

/* The model's compute buffer on each GPU (a draft's apart). */
static void llama_compute_lines(const kvp_plan *lp, void (*line)(void *, const char *),
                                void *ctx)
{
	for (uint32_t s = 0; lp->compute_bytes && s < lp->stages; s++)
		llama_compute_line(s, s + 1 == lp->stages
		                      ? lp->compute_bytes - lp->draft_compute_bytes
		                      : lp->compute_other_bytes, line, ctx);
}

/* llama_kv_cache's constructor's line: MiB in single precision, cells
 * per stream, "n_seq_max/n_stream seqs". */
static void kv_size_line(uint64_t k, uint64_t v, uint64_t cells, uint32_t layers,
                         const kvp_request *r, uint64_t streams,
                         void (*line)(void *, const char *), void *ctx)
{
	char text[256];

	snprintf(text, sizeof text,
	         "llama_kv_cache: size = %7.2f MiB (%6" PRIu64 " cells, %3u layers,"
	         " %2" PRIu64 "/%" PRIu64 " seqs), K (%s): %7.2f MiB, V (%s): %7.2f MiB",
	         (double)((float)(k + v) / (1024.0f * 1024.0f)), cells, layers,
	         r->batch, streams, ggml_name(r->dtype_k),
	         (double)((float)k / (1024.0f * 1024.0f)), ggml_name(r->dtype_v),
	         (double)((float)v / (1024.0f * 1024.0f)));
	line(ctx, text);
}

/* llama.cpp: each context as it starts, the model's and then a draft's
 * (-md) or MTP layers': its output buffer; one line per cache (the full
 * layers, then the windowed ones), as llama_kv_cache's constructor prints
 * it: MiB in single precision, cells per stream, "n_seq_max/n_stream
 * seqs"; the model's recurrent state; then each GPU's compute buffer
 * (the host's own, its graph inputs, is not modelled). */
void cli_llama_lines(const struct cli_plan *p, void (*line)(void *, const char *),
                        void *ctx)
{
	const kvp_plan *lp = &p->layers;
	const kvp_request *r = &p->request;
	uint64_t streams = lp->streams ? lp->streams : 1;
	/* With a draft model, or MTP layers whose context is modelled
	 * (Qwen3.5's), host_bytes holds that context's output buffer too,
	 * n_vocab x n_seq_max x 4; other MTP layers have no context of their
	 * own here. */
	bool own = r->draft || lp->mtp_graph.embd;
	uint32_t vocab = r->draft ? r->draft->vocab : lp->mtp_graph.embd ? lp->vocab : 0;
	uint64_t draft_host = 0, model_host;

	if (vocab && r->batch <= UINT64_MAX / 4 / vocab)
		draft_host = 4 * (uint64_t)vocab * r->batch;
	if (draft_host > lp->host_bytes)
		draft_host = 0;
	model_host = lp->host_bytes - draft_host;

	for (int pass = 0; pass < 4; pass++) {
		int swa = pass & 1, draft = pass >> 1;
		uint64_t k = 0, v = 0, cells = 0, index = 0;
		uint32_t layers = 0, indexed = 0;
		char text[256];

		if (pass == 0)
			llama_output_line(model_host, line, ctx);
		/* The model's recurrent state after its KV caches, and its
		 * compute buffers; then a draft's context. */
		if (pass == 2) {
			llama_rs_line(p, line, ctx);
			if (own) {
				llama_compute_lines(lp, line, ctx);
				llama_output_line(draft_host, line, ctx);
			}
		}
		for (uint32_t g = 0; g < lp->group_count; g++) {
			const kvp_layer_group *grp = &lp->groups[g];

			if (grp->bytes_per_token == 0 || (grp->window != 0) != swa ||
			    grp->draft != draft)
				continue;
			layers += grp->layers;
			cells = grp->cells / streams;
			k += grp->k_bytes + grp->latent_bytes;
			v += grp->v_bytes;
			index += grp->index_bytes;
			indexed += grp->index_bytes ? grp->layers : 0;
		}
		if (layers == 0)
			continue;
		/* A sparse MLA model's llama_kv_cache_dsa (src/llama-kv-cache-
		 * dsa.cpp, PR #23346): the latent's cache, then the indexer's
		 * keys in a second one, as many cells, in the K type, no V, of
		 * the layers that keep a key (GLM-5.2's 21 of 78, PR #26474). */
		if (index) {
			snprintf(text, sizeof text, "llama_kv_cache_dsa: creating main KV cache,"
			         " size = %" PRIu64 " cells", cells);
			line(ctx, text);
		}
		kv_size_line(k, v, cells, layers, r, streams, line, ctx);
		if (index) {
			snprintf(text, sizeof text, "llama_kv_cache_dsa: creating indexer KV cache,"
			         " size = %" PRIu64 " cells", cells);
			line(ctx, text);
			kv_size_line(index, 0, cells, indexed, r, streams, line, ctx);
		}
	}
	if (!own)
		llama_compute_lines(lp, line, ctx);
	else if (lp->draft_compute_bytes)
		llama_compute_line(lp->stages - 1, lp->draft_compute_bytes, line, ctx);
}
