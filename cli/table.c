/*
 * table.c — the plan as a table for people: binary units beside exact
 * bytes, 80 columns, a section per concern (layers, cache, engine, fit,
 * validation, derivation).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"

static void explain_line(void *ctx, const char *text)
{
	fprintf(ctx, "  %s\n", text);
}

static const char *yes_no(bool b)
{
	return b ? "yes" : "no";
}

/* 0 when the document was written whole; otherwise the one line of an
 * error (the stream lost bytes: memory ran out) and 2. */
static void print_size_row(FILE *out, const char *label, uint64_t bytes)
{
	char human[32], exact[32];

	fprintf(out, "  %-26s %10s %18s B\n", label,
	        cli_human_bytes(bytes, human, sizeof human),
	        cli_grouped(bytes, exact, sizeof exact));
}

static void print_validation(FILE *out, const struct cli_plan *p)
{
	const kvp_validate_result *v = &p->validation;
	char block[32] = "", ref_predicted[32], ref_measured[32];

	if (v->policy != KVP_POLICY_FULL) {
		fprintf(out, "\nValidation on this host (policy %s, %s cache)\n",
		        kvp_policy_kind_name(v->policy), kvp_dtype_name(v->dtype));
		print_size_row(out, "predicted", v->predicted_bytes);
		print_size_row(out, "counted by the allocator", v->measured_bytes);
		if (v->attention_run) {
			fprintf(out, "  reference run: %u layers, %" PRIu64 " tokens decoded"
			        " through the %s cache (%s), its bytes fixed at %s B\n",
			        v->ref_layers, v->ref_positions, kvp_policy_kind_name(v->policy),
			        v->pos_shift ? "pos-shift" : "rotate-then-cache",
			        cli_grouped(v->ref_predicted_bytes, ref_predicted,
			                    sizeof ref_predicted));
			fprintf(out, "  max |policy decode - full cache| while it fits %.3g"
			        " (tolerance %.3g)\n", v->max_abs_error, v->tolerance);
		} else {
			fputs("  the planned per-layer cache was allocated; no attention was"
			      " run for this policy\n", out);
		}
		fprintf(out, "  result: %s\n", v->passed ? "PASSED" : "FAILED");
		return;
	}
	if (v->layout == KVP_LAYOUT_PAGED)
		snprintf(block, sizeof block, ", blocks of %u tokens", v->block_size);
	fprintf(out, "\nValidation on this host (%s layout%s, %s cache)\n",
	        kvp_layout_name(v->layout), block, kvp_dtype_name(v->dtype));
	print_size_row(out, "predicted", v->predicted_bytes);
	print_size_row(out, "counted by the allocator", v->measured_bytes);
	if (v->resident_known)
		print_size_row(out, "resident growth (from OS)", v->resident_bytes);
	else
		fprintf(out, "  %-26s %10s\n", "resident growth (from OS)", "unknown");
	fprintf(out, "  reference run: %u layers, %" PRIu64 " positions (%" PRIu64
	        " prefilled, %" PRIu64 " decoded), batch %" PRIu64 "\n",
	        v->ref_layers, v->ref_positions, v->ref_prompt,
	        v->ref_positions - v->ref_prompt, v->ref_batch);
	fprintf(out, "  reference cache: %s B predicted, %s B counted\n",
	        cli_grouped(v->ref_predicted_bytes, ref_predicted, sizeof ref_predicted),
	        cli_grouped(v->ref_measured_bytes, ref_measured, sizeof ref_measured));
	fprintf(out, "  max |cached decode - recomputation| %.3g (tolerance %.3g)\n",
	        v->max_abs_error, v->tolerance);
	fprintf(out, "  decode past max_seq refused: %s\n", yes_no(v->overrun_refused));
	fprintf(out, "  result: %s\n", v->passed ? "PASSED" : "FAILED");
}

#define FIT_ROW "%-12s %9s %5s %5s %8s %9s %5s %9s %9s\n"

/* The model line under the name: attention, layers, types. */

/* Gemma 4's full layers, of their own head dim and kv heads, and the last
 * layers that read an earlier layer's cache. */
static void full_layers_text(const kvp_model *m, FILE *out)
{
	for (uint32_t i = 0; i < m->layers && i < KVP_PATTERN_MAX; i++) {
		if (kvp_model_layer_kind(m, i) != KVP_LAYER_FULL || m->kv_lora_rank)
			continue;
		if (kvp_model_layer_head_dim(m, i) != m->head_dim ||
		    kvp_model_layer_kv_heads(m, i) != m->kv_heads)
			fprintf(out, "\n  full layers: %u kv heads, head_dim %u",
			        kvp_model_layer_kv_heads(m, i), kvp_model_layer_head_dim(m, i));
		break;
	}
	if (m->kv_shared_layers)
		fprintf(out, "\n  the last %u layers read earlier layers' caches%s",
		        m->kv_shared_layers,
		        m->double_wide_mlp ? ", their MLP twice as wide" : "");
}
static void print_header(FILE *out, const struct cli_plan *p)
{
	const kvp_model *m = &p->model;
	const kvp_request *r = &p->request;
	char pattern[4096];

	fprintf(out, "%s", m->name);
	if (m->description[0])
		fprintf(out, " - %s", m->description);
	if (m->kv_lora_rank) {
		fprintf(out, "\n  mla attention: %u layers, %u heads, latent %u + rope %u",
		        m->layers, m->heads, m->kv_lora_rank, m->qk_rope_dim);
		if (m->index_head_dim) {
			uint32_t n = kvp_model_count_indexed(m);

			fprintf(out, ", sparse-attention indexer key %u", m->index_head_dim);
			/* GLM-5.2's shared indexer: the other layers reuse the
			 * top-k of a full one before them. */
			if (n != kvp_model_count_layers(m, KVP_LAYER_MLA))
				fprintf(out, " in %u of the layers (shared)", n);
		}
	} else if (!m->heads)
		fprintf(out, "\n  no attention: %u layers, %u recurrent (a state per"
		        " sequence)", m->layers, kvp_model_count_layers(m, KVP_LAYER_RECURRENT));
	else
		fprintf(out, "\n  %s attention: %u layers, %u heads, %u kv heads, head_dim %u",
		        kvp_attention_name(kvp_model_attention(m)), m->layers, m->heads,
		        m->kv_heads, m->head_dim);
	if (m->head_dim_v && m->head_dim_v != m->head_dim)
		fprintf(out, " (V %u)", m->head_dim_v);
	full_layers_text(m, out);
	if (m->ssm_parallel)
		fprintf(out, "\n  and in each a Mamba-2 mixer beside it (a state per sequence)");
	fputc('\n', out);
	/* A pattern too long for the line (an explicit per-layer list) is
	 * left to the groups below, which count each kind. */
	cli_pattern_text(m, pattern, sizeof pattern);
	if (m->pattern_len && strlen(pattern) <= 62)
		fprintf(out, "  layer pattern: %s\n", pattern);
	else if (m->pattern_len)
		fprintf(out, "  layer pattern: a list of %u entries (see --format json)\n",
		        m->pattern_len);
	fprintf(out, "  seq %" PRIu64 ", batch %" PRIu64, p->seq, p->batch);
	if (m->kv_lora_rank && r->mla == KVP_MLA_LATENT)
		fprintf(out, ", cache latent %s (no V)", kvp_dtype_name(r->dtype_k));
	else if (r->dtype_k == r->dtype_v)
		fprintf(out, ", cache %s", kvp_dtype_name(r->dtype_k));
	else
		fprintf(out, ", cache K %s V %s", kvp_dtype_name(r->dtype_k),
		        kvp_dtype_name(r->dtype_v));
	/* The first GPU's engine keeps another type than the one asked. */
	if (p->n_devices && r->dtype_k != p->asked_dtype_k) {
		char why[KVP_NAME_MAX + 64];

		fprintf(out, " (%s asked: on %s, %s)", kvp_dtype_name(p->asked_dtype_k),
		        p->devices[0].name, cli_type_reason(p, 0, why, sizeof why));
	}
	if (r->weight_bytes)
		fputs(", weights from the file", out);
	else
		fprintf(out, ", weights %s", cli_weights_name(p));
	if (m->max_context)
		fprintf(out, ", max context %" PRIu64, m->max_context);
	if (r->no_window)
		fputs("\n  windows ignored (--no-window): every layer planned as full", out);
	fputc('\n', out);
	cli_print_source(out, p);
}

/* One row per layer group: what it caches, how many layers, the tokens
 * each holds, its bytes per token (or state per sequence), its bytes. */
static void print_groups(FILE *out, const struct cli_plan *p)
{
	const kvp_plan *lp = &p->layers;

	bool engine = p->request.engine != KVP_ENGINE_EXACT;

	/* An engine's rows give the slots it allocates, every sequence's. */
	fprintf(out, "\n%-27s %5s %12s %15s %17s\n", "Layers", "count",
	        engine ? "cells" : "tokens held", "B/token/layer", "bytes");
	for (uint32_t g = 0; g < lp->group_count; g++) {
		const kvp_layer_group *grp = &lp->groups[g];
		char label[64], base[32], tokens[32], per[40], bytes[32];

		/* A draft's layers say so: "MTP mla latent", "draft full". */
		snprintf(base, sizeof base, "%s%s", !grp->draft ? ""
		         : p->request.mtp_layers ? "MTP " : "draft ", cli_group_label(p, grp));
		if (grp->window)
			snprintf(label, sizeof label, "%s (%s %" PRIu64 ")", base,
			         grp->kind == KVP_LAYER_CHUNKED ? "chunk" : "window",
			         grp->window);
		else if (p->request.policy.kind == KVP_POLICY_PYRAMIDKV && grp->layers == 1)
			snprintf(label, sizeof label, "%s (layer %u)", base, grp->first_layer);
		else if (grp->parallel)
			snprintf(label, sizeof label, "%s (beside)", base);
		else
			snprintf(label, sizeof label, "%s", base);
		if (grp->kind == KVP_LAYER_RECURRENT) {
			snprintf(tokens, sizeof tokens, "-");
			cli_grouped(grp->state_bytes_per_seq, per, sizeof per - 4);
			strcat(per, "/seq");
		} else {
			cli_grouped(engine ? grp->cells : grp->tokens, tokens, sizeof tokens);
			cli_grouped(grp->bytes_per_token, per, sizeof per);
		}
		fprintf(out, "  %-25s %5u %12s %15s %17s\n", label, grp->layers, tokens, per,
		        cli_grouped(grp->bytes, bytes, sizeof bytes));
	}
}

/* Each GPU's memory, part by part: the columns sum to the device's memory
 * (or exceed it by as much as "left" is below 0).  State, buffers and the
 * reserve get a column only where some GPU has them, and so do the
 * engine's runtime (CUDA context, NCCL, graphs) and SGLang's
 * request-to-token table ("req table"). */
static void print_memory(FILE *out, const struct cli_plan *p)
{
	bool state = false, buffers = false, reserve = p->fit_options.reserve_bytes != 0;
	bool table = false, runtime = false;
	bool lora = p->layers.lora_bytes_per_gpu != 0, draft = p->layers.draft_weights_bytes != 0;
	char h[24];

	for (size_t i = 0; i < p->n_devices; i++) {
		state = state || p->fits[i].footprint.state;
		buffers = buffers || p->fits[i].footprint.activations;
		table = table || p->fits[i].footprint.req_table;
		runtime = runtime || p->fits[i].footprint.runtime;
	}
	if (lora) {
		const kvp_lora *l = &p->layers.request.lora; /* slots settled */
		char modules[160], a[24], b[24];

		fprintf(out, "\nLoRA adapters: rank %u, %s, on %s\n"
		        "  one adapter %s; %u slot%s, %s on each GPU\n", l->rank,
		        kvp_dtype_name(l->dtype),
		        kvp_lora_modules_text(p->layers.lora_modules, modules, sizeof modules),
		        cli_human_bytes(p->layers.lora_adapter_bytes, a, sizeof a), l->slots,
		        l->slots == 1 ? "" : "s",
		        cli_human_bytes(p->layers.lora_bytes_per_gpu, b, sizeof b));
	}
	fputs(p->layers.stages > 1
	      ? "\nMemory per GPU of the stage that binds (the parts sum to its memory)\n"
	      : "\nMemory per GPU (the parts sum to its memory)\n", out);
	fprintf(out, "%-12s %10s", "GPU", "weights");
	if (draft)
		fprintf(out, " %10s", p->request.mtp_layers ? "MTP" : "draft");
	if (lora)
		fprintf(out, " %10s", "LoRA");
	fprintf(out, " %10s", "KV cache");
	if (state)
		fprintf(out, " %10s", "state");
	if (buffers)
		fprintf(out, " %10s", "buffers");
	if (runtime)
		fprintf(out, " %10s", "runtime");
	if (reserve)
		fprintf(out, " %10s", "reserve");
	if (table)
		fprintf(out, " %10s", "req table");
	fprintf(out, " %10s %10s\n", "held back", "left");
	for (size_t i = 0; i < p->n_devices; i++) {
		const kvp_footprint *f = &p->fits[i].footprint;
		char a[24], b[24], left[32];

		if (f->over)
			snprintf(left, sizeof left, "-%s", cli_human_bytes(f->over, a, sizeof a));
		else
			cli_human_bytes(f->unused, left, sizeof left);
		fprintf(out, "%-12s %10s", p->devices[i].name,
		        cli_human_bytes(f->weights, a, sizeof a));
		if (draft)
			fprintf(out, " %10s", cli_human_bytes(f->draft, a, sizeof a));
		if (lora)
			fprintf(out, " %10s", cli_human_bytes(f->adapters, a, sizeof a));
		fprintf(out, " %10s", cli_human_bytes(f->kv, b, sizeof b));
		if (state)
			fprintf(out, " %10s", cli_human_bytes(f->state, a, sizeof a));
		if (buffers)
			fprintf(out, " %10s", cli_human_bytes(f->activations, a, sizeof a));
		if (runtime)
			fprintf(out, " %10s", cli_human_bytes(f->runtime, a, sizeof a));
		if (reserve)
			fprintf(out, " %10s", cli_human_bytes(f->reserve, a, sizeof a));
		if (table)
			fprintf(out, " %10s", cli_human_bytes(f->req_table, a, sizeof a));
		fprintf(out, " %10s %10s\n", cli_human_bytes(f->held_back, a, sizeof a), left);
	}
	/* llama.cpp's: the token embedding, which it keeps on the CPU, and
	 * the output buffer. */
	if (p->n_devices && p->fits[0].footprint.host)
		fprintf(out, "(and %s of host memory: llama.cpp's %s)\n",
		        cli_human_bytes(p->fits[0].footprint.host, h, sizeof h),
		        p->layers.embedding_bytes ? "token embedding and output buffer"
		                                  : "output buffer");
}

void cli_print_table(FILE *out, const struct cli_plan *p)
{
	const kvp_model *m = &p->model;
	const kvp_plan *lp = &p->layers;
	double share = cli_mem_util(p);
	char a[32], b[32], c[32], label[64];

	print_header(out, p);
	if (lp->group_count > 1 || lp->groups[0].kind != KVP_LAYER_FULL ||
	    p->request.engine != KVP_ENGINE_EXACT ||
	    p->request.policy.kind != KVP_POLICY_FULL)
		print_groups(out, p);
	fputs("\nKV cache\n", out);
	print_size_row(out, "per token (all layers)", lp->kv_bytes_per_token);
	print_size_row(out, lp->group_count > 1 ? "per layer (largest)"
	                                        : "per layer (seq x batch)",
	               lp->max_layer_bytes);
	if (lp->state_total_bytes) {
		print_size_row(out, "per-token caches", lp->kv_total_bytes);
		print_size_row(out, "recurrent state", lp->state_total_bytes);
	}
	print_size_row(out, "total", lp->cache_total_bytes);
	cli_print_policy(out, p);
	cli_print_engine(out, p);

	if (p->has_variants) {
		fputs("\nSame model, other kv heads\n", out);
		for (int v = 0; v < CLI_VARIANTS; v++) {
			const kvp_model *vm = &p->variants[v];
			snprintf(label, sizeof label, "%s %4u kv head%s%s",
			         v == 0 ? "MHA" : v == 1 ? "GQA" : "MQA", vm->kv_heads,
			         vm->kv_heads == 1 ? " " : "s",
			         vm->kv_heads == m->kv_heads && !m->layer_kv_heads_len
			                 ? "  (this)" : "");
			print_size_row(out, label, p->variant_sizes[v].total_bytes);
		}
	}

	fprintf(out, "\nFit (weights %s %s%s%s",
	        cli_human_bytes(p->fits[0].weights_bytes, a, sizeof a),
	        p->request.weight_bytes ? "counted" : "as",
	        p->request.weight_bytes ? "" : " ",
	        p->request.weight_bytes ? "" : cli_weights_name(p));
	if (p->layers.draft_weights_bytes)
		fprintf(out, ", %s of them the %s",
		        cli_human_bytes(p->layers.draft_weights_bytes, c, sizeof c),
		        p->request.mtp_layers ? "MTP layers'" : "draft model's");
	if (share > 0)
		fprintf(out, "; %.0f%% of %s usable", share * 100,
		        p->n_devices && p->fits[0].footprint.total != p->devices[0].hbm_bytes
		                ? "the memory CUDA reports" : "memory");
	else
		fputs("; SGLang's mem_fraction_static for each GPU", out);
	if (p->fit_options.reserve_bytes)
		fprintf(out, "; %s reserved",
		        cli_human_bytes(p->fit_options.reserve_bytes, b, sizeof b));
	fputs(")\n", out);
	/* Columns: fits = the whole cache fits, layer = one layer fits. */
	fputs("             ------------- L2 ------------- --------------- HBM ----------------\n",
	      out);
	fprintf(out, FIT_ROW, "GPU", "size", "fits", "layer", "max seq", "size", "fits",
	        "max seq", "max batch");
	for (size_t i = 0; i < p->n_devices; i++) {
		const kvp_device *d = &p->devices[i];
		const kvp_fit *f = &p->fits[i];
		char seq_l2[32], seq_hbm[32], batch_hbm[32];

		if (f->max_seq_l2_unbounded)
			snprintf(seq_l2, sizeof seq_l2, "no limit");
		else
			cli_grouped(f->max_seq_l2, seq_l2, sizeof seq_l2);
		if (f->max_seq_hbm_unbounded)
			snprintf(seq_hbm, sizeof seq_hbm, "no limit");
		else
			cli_grouped(f->max_seq_hbm, seq_hbm, sizeof seq_hbm);
		fprintf(out, FIT_ROW, d->name,
		        cli_human_bytes(d->l2_bytes, a, sizeof a), yes_no(f->fits_l2),
		        yes_no(f->layer_fits_l2), seq_l2,
		        cli_human_bytes(d->hbm_bytes, c, sizeof c), yes_no(f->fits_hbm),
		        seq_hbm, cli_grouped(f->max_batch_hbm, batch_hbm, sizeof batch_hbm));
	}
	/* A GPU read from CUDA: which it is, and what it had free. */
	for (size_t i = 0; i < p->n_devices; i++)
		if (strncmp(p->devices[i].name, "cuda:", 5) == 0)
			fprintf(out, "(%s: %s, %s free now)\n", p->devices[i].name,
			        p->devices[i].description,
			        cli_human_bytes(p->cuda_free[i], a, sizeof a));
	if (lp->bounded && lp->plateau_seq == 0)
		fputs("(the cache holds no token: a fixed state per sequence)\n", out);
	else if (lp->bounded)
		fprintf(out, "(the cache stops growing at %s tokens, when every window"
		        " is full)\n", cli_grouped(lp->plateau_seq, a, sizeof a));
	cli_print_engine_fits(out, p);
	print_memory(out, p);
	cli_print_advice(out, p);
	if (p->validated)
		print_validation(out, p);
	if (p->gpu_validated)
		cli_gpu_validation_table(out, p);
	if (p->explain) {
		fputs("\nHow each figure is derived\n", out);
		cli_explain(p, explain_line, out);
	}
}

