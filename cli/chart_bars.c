/*
 * chart_bars.c — the bar charts.  layers: each layer's cache (K/V or
 * latent, and recurrent state) at the request's seq, with the tokens it
 * keeps, which shows Gemma 3's 5:1 windows, a hybrid's recurrent layers
 * and PyramidKV's pyramid.  engines: the same request's cache under each
 * engine's rounding, beside the exact figure.  memory: each GPU's memory
 * as a stacked bar of its parts (kvp_footprint).
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"

int chart_layers(struct chart *c)
{
	const struct cli_plan *p = c->plan;
	const kvp_plan *pl = &p->layers;
	uint64_t most = 1, most_tokens = 1, beside = 0;
	bool state = false;
	char what[96], seq_text[32];

	fputs("# layer\tkind\tkept_tokens\tkv_bytes\tstate_bytes\tcells"
	      "\t(one layer, whole batch, one GPU; cells: the token slots the"
	      " engine allocates)\n", c->data);
	/* A parallel hybrid's attention layer keeps a state beside its K
	 * and V (kvp_layer_group parallel), in no cycle entry. */
	for (uint32_t g = 0; g < pl->group_count; g++)
		if (pl->groups[g].parallel)
			beside = pl->groups[g].layer_state_bytes;
	for (uint32_t i = 0; i < pl->layers; i++) {
		uint32_t gi = kvp_plan_layer_group(pl, i);
		const kvp_layer_group *g;
		uint64_t layer_state;

		if (gi >= pl->group_count)
			continue;
		g = &pl->groups[gi];
		layer_state = g->layer_state_bytes +
		              (g->kind != KVP_LAYER_RECURRENT && g->kind != KVP_LAYER_NONE ? beside : 0);
		fprintf(c->data, "%u\t%s\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\n",
		        i, cli_group_label(p, g), g->tokens, g->layer_kv_bytes,
		        layer_state, g->cells);
		if (g->layer_kv_bytes + layer_state > most)
			most = g->layer_kv_bytes + layer_state;
		if (g->tokens > most_tokens)
			most_tokens = g->tokens;
		state = state || layer_state;
	}
	snprintf(what, sizeof what, "cache per layer at seq %s",
	         cli_grouped(p->seq, seq_text, sizeof seq_text));
	chart_title(c, what, true);
	fprintf(c->script, "set xrange [-0.7:%u.7]\nset yrange [0:%" PRIu64 "]\n"
	        "set y2range [0:%" PRIu64 "]\n", pl->layers - 1,
	        most + most / 8 + 1, most_tokens + most_tokens / 8 + 1);
	chart_linear_tics(c->script, "y", most + most / 8, 0);
	chart_linear_tics(c->script, "y2", most_tokens + most_tokens / 8, 1);
	fprintf(c->script, "set xlabel 'layer'\nset ylabel '%s'\n"
	        "set y2label 'tokens kept per sequence'\nset ytics nomirror\n"
	        "set xtics out nomirror\nset grid ytics lc rgb '#dddddd'\n"
	        "set style fill solid 0.85 noborder\nset boxwidth 0.8\n"
	        "set key outside below horizontal\nset bmargin 5\n",
	        p->request.tp > 1 ? "cache of one layer, one GPU" : "cache of one layer");
	fputs("plot ", c->script);
	chart_quote(c->script, c->data_path);
	if (state)
		fputs(" using 1:($4+$5) with boxes lc rgb '#ff7f0e' title 'recurrent state',"
		      " \\\n     ''", c->script);
	fputs(" using 1:4 with boxes lc rgb '#1f77b4' title 'K and V (or latent)', \\\n"
	      "     '' using 1:3 axes x1y2 with linespoints pt 7 ps 0.6 lw 2"
	      " lc rgb '#d62728' title 'tokens kept'\n", c->script);
	return 0;
}

/* The request under engine e: the request itself for its own engine;
 * for another, the engine-neutral fields on that engine's defaults, the
 * cache type as asked (vLLM's sparse MLA backend keeps fp8 as
 * fp8_ds_mla, which the others do not take). */
static void engine_request(const struct cli_plan *p, kvp_engine e, kvp_request *out)
{
	const kvp_request *r = &p->request;

	if (e == r->engine) {
		*out = *r;
		return;
	}
	chart_neutral_request(r, out);
	out->engine = e;
	out->dtype_k = p->given_dtype_k;
	out->dtype_v = p->given_dtype_v;
	/* each engine its own take of a config's fp8 cache */
	if (!p->dtype_given && cli_config_cache_fp8(p, e, r->vllm_version))
		out->dtype_k = out->dtype_v = KVP_DTYPE_FP8;
}

int chart_engines(struct chart *c)
{
	static const kvp_engine engines[] = {
		KVP_ENGINE_EXACT, KVP_ENGINE_VLLM, KVP_ENGINE_LLAMA_CPP,
		KVP_ENGINE_SGLANG, KVP_ENGINE_TRTLLM};
	const struct cli_plan *p = c->plan;
	kvp_plan *plan = malloc(sizeof *plan);
	uint64_t most = 1, exact = 0;
	char what[96], seq_text[32];

	if (!plan) {
		fputs("kvplan: out of memory\n", stderr);
		return 2;
	}
	fputs("# engine\tcache_bytes\tlabel\t(the whole cache, every GPU)\n", c->data);
	for (size_t i = 0; i < sizeof engines / sizeof *engines; i++) {
		kvp_request r;
		kvp_error err;
		char human[32], label[64];

		engine_request(p, engines[i], &r);
		if (kvp_plan_compute(&p->model, &r, plan, &err) != KVP_OK) {
			cli_warn("--chart: no %s bar: %s",
			        kvp_engine_name(engines[i]), err.message);
			fprintf(c->data, "%s\tNaN\tn/a\n", kvp_engine_name(engines[i]));
			continue;
		}
		if (i == 0)
			exact = plan->cache_total_bytes;
		cli_human_bytes(plan->cache_total_bytes, human, sizeof human);
		if (i > 0 && exact && plan->cache_total_bytes != exact) {
			double pct = 100.0 * ((double)plan->cache_total_bytes - (double)exact) /
			             (double)exact;

			snprintf(label, sizeof label, fabs(pct) < 0.1 ? "%s (%+.2g%%)"
			         : "%s (%+.1f%%)", human, pct);
		} else if (i > 0 && exact) {
			snprintf(label, sizeof label, "%s (= exact)", human);
		} else
			snprintf(label, sizeof label, "%s", human);
		fprintf(c->data, "%s\t%" PRIu64 "\t%s\n", kvp_engine_name(engines[i]),
		        plan->cache_total_bytes, label);
		if (plan->cache_total_bytes > most)
			most = plan->cache_total_bytes;
	}
	free(plan);
	snprintf(what, sizeof what, "the cache each engine allocates at seq %s",
	         cli_grouped(p->seq, seq_text, sizeof seq_text));
	chart_title(c, what, false);
	fprintf(c->script, "set yrange [0:%" PRIu64 "]\nset xrange [-0.6:4.6]\n",
	        most + most / 6 + 1);
	chart_linear_tics(c->script, "y", most + most / 6, 0);
	fputs("set ylabel 'KV cache (every GPU)'\nset xlabel 'engine'\n"
	      "set grid ytics lc rgb '#dddddd'\nset style fill solid 0.85 noborder\n"
	      "set boxwidth 0.6\nset key outside below horizontal\nset xtics nomirror\n",
	      c->script);
	fputs("plot ", c->script);
	chart_quote(c->script, c->data_path);
	fputs(" using 0:2:xtic(1) with boxes lc rgb '#1f77b4' title 'cache as the engine"
	      " allocates it', \\\n     '' using 0:2:3 with labels offset char 0,1"
	      " notitle\n", c->script);
	return 0;
}

int chart_memory(struct chart *c)
{
	static const struct {
		const char *title, *colour;
	} parts[] = {
		{"weights", "#1f77b4"},  {"draft weights", "#aec7e8"},
		{"LoRA adapters", "#17becf"}, {"KV cache", "#ff7f0e"},
		{"recurrent state", "#9467bd"},
		{"engine buffers", "#8c564b"},
		{"engine runtime (context, NCCL, graphs)", "#c49c94"}, {"reserve", "#e377c2"},
		{"SGLang request table", "#7f7f7f"},
		{"held back (mem_util)", "#bbbbbb"}, {"left", "#e8e8e8"},
	};
	const struct cli_plan *p = c->plan;
	uint64_t most = 1;
	unsigned shown = 0;
	bool over = false;
	char what[96], seq_text[32];

	/* The parts sum to the GPU's memory, or pass it by over (then none is
	 * left): they are stacked, and the memory marked across each bar, so
	 * that what is over shows above the mark. */
	fputs("# gpu\tweights\tdraft\tlora\tkv_cache\tstate\tbuffers\truntime\treserve"
	      "\treq_table\theld_back\tleft\tover\tmemory\t(bytes of one GPU)\n", c->data);
	for (size_t i = 0; i < p->n_devices; i++) {
		const kvp_footprint *f = &p->fits[i].footprint;
		uint64_t top = f->total + f->over;

		fputs(p->devices[i].name, c->data);
		fprintf(c->data, "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64
		        "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64
		        "\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\n",
		        f->weights, f->draft, f->adapters, f->kv, f->state, f->activations,
		        f->runtime, f->reserve, f->req_table, f->held_back, f->unused, f->over,
		        f->total);
		if (top > most)
			most = top;
		shown |= (f->draft != 0) << 1 | (f->adapters != 0) << 2 | (f->kv != 0) << 3 |
		         (f->state != 0) << 4 | (f->activations != 0) << 5 |
		         (f->runtime != 0) << 6 | (f->reserve != 0) << 7 |
		         (f->req_table != 0) << 8 | (f->held_back != 0) << 9 |
		         (f->unused != 0) << 10;
		over = over || f->over;
	}
	snprintf(what, sizeof what, "memory per GPU at seq %s",
	         cli_grouped(p->seq, seq_text, sizeof seq_text));
	chart_title(c, what, true);
	fprintf(c->script, "set yrange [0:%" PRIu64 "]\nset xrange [-0.6:%zu.6]\n",
	        most + most / 8 + 1, p->n_devices ? p->n_devices - 1 : 0);
	chart_linear_tics(c->script, "y", most + most / 8, 0);
	fputs("set ylabel 'memory of one GPU'\nset xlabel 'GPU'\n"
	      "set grid ytics lc rgb '#dddddd'\nset style data histograms\n"
	      "set style histogram rowstacked\nset style fill solid 0.85 noborder\n"
	      "set boxwidth 0.6\nset key outside below horizontal\nset xtics nomirror\n",
	      c->script);
	fputs("plot ", c->script);
	/* The weights carry the GPUs' names; a part no GPU has is left out. */
	for (size_t k = 0; k < sizeof parts / sizeof *parts; k++) {
		if (k > 0 && !(shown & 1u << k))
			continue;
		if (k == 0)
			chart_quote(c->script, c->data_path);
		else
			fputs(", \\\n     ''", c->script);
		fprintf(c->script, " using %zu%s lc rgb '%s' title '%s'", k + 2,
		        k == 0 ? ":xtic(1)" : "", parts[k].colour, parts[k].title);
	}
	/* A bar is drawn at x = its row; the memory across it, where some
	 * GPU's parts pass theirs. */
	if (over)
		fputs(", \\\n     '' using ($0 - 0.35):14:(0.7):(0) with vectors nohead lw 3"
		      " lc rgb '#d62728' title 'memory (over it: does not fit)'", c->script);
	fputc('\n', c->script);
	return 0;
}
