/*
 * chart_size.c — the size chart: the KV cache (one GPU's share) against
 * context length, log-log.  One line each for the model re-planned as
 * MHA, GQA and MQA (an MLA model: its latent and its expanded K/V), at
 * fp16 and as the exact model keeps them; one line for the request as
 * asked (cache types, policy, engine, parallelism).  Dashed lines mark
 * each device's L2 and the memory its cache gets; where a line crosses
 * one, the point is labelled with its max_seq, as kvp_plan_max_seq
 * solves it.  Windowed and recurrent layers show as the line's plateau.
 */
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"

#define LINES_MAX 6
#define GRID_MAX 1024
#define SEQ_CAP ((uint64_t)1 << 40)

static const char *const line_colors[LINES_MAX] = {
	"#1f77b4", "#2ca02c", "#9467bd", "#393b79", "#637939", "#d62728"};
static const char *const device_colors[] = {
	"#ff7f0e", "#8c564b", "#17becf", "#7f7f7f", "#bcbd22", "#e377c2"};

struct line {
	char title[192];
	kvp_plan *plan;
	const kvp_plan *of;   /* the request's own plan it draws (a GPU's),
	                       * NULL for a reference line */
	int width;
	const char *color;
};

struct size_chart {
	struct chart *c;
	struct line lines[LINES_MAX];
	size_t n_lines;
	uint64_t grid[GRID_MAX];
	size_t n_grid;
	uint64_t lo, hi;            /* the seq range */
};

/* The reference lines' request: fp16 both, kept whole, as the exact
 * model is, with the request's batch and parallel layout (its
 * attention's, under SGLang's data-parallel attention: the cache of one
 * GPU). */
static void reference_request(const kvp_request *r, kvp_request *out)
{
	kvp_request defaults;

	kvp_request_init(&defaults);
	chart_neutral_request(r, out);
	out->tp = kvp_request_attention_tp(r);
	out->dtype_k = out->dtype_v = KVP_DTYPE_FP16;
	out->state_dtype = defaults.state_dtype;
	out->mla = defaults.mla;
	out->policy = defaults.policy;
	out->gen = 0;
	out->kv_repeated = false;
}

/* Plans line n; a reference line the model cannot take (its heads under
 * this tp) is left out with a warning; the request's own is an error. */
static int add_line(struct size_chart *s, const kvp_model *m, const kvp_request *r,
                    int width, bool required, const kvp_plan *of)
{
	struct line *l = &s->lines[s->n_lines];
	kvp_error err;

	l->of = of;
	l->plan = malloc(sizeof *l->plan);
	if (!l->plan) {
		fputs("kvplan: out of memory\n", stderr);
		return 2;
	}
	if (kvp_plan_compute(m, r, l->plan, &err) != KVP_OK) {
		free(l->plan);
		l->plan = NULL;
		if (required)
			return chart_fail(&err);
		cli_warn("--chart: no line '%s': %s", l->title,
		        err.message);
		return 0;
	}
	l->width = width;
	l->color = required ? line_colors[LINES_MAX - 1] : line_colors[s->n_lines];
	s->n_lines++;
	return 0;
}

static int build_lines(struct size_chart *s)
{
	const struct cli_plan *p = s->c->plan;
	kvp_request ref, req = p->request;
	char types[64], policy[128];
	int n, rc;

	reference_request(&p->request, &ref);
	if (kvp_model_attention(&p->model) == KVP_ATTENTION_MLA) {
		static const kvp_mla_mode modes[] = {KVP_MLA_LATENT, KVP_MLA_EXPANDED};

		for (int i = 0; i < 2; i++) {
			ref.mla = modes[i];
			snprintf(s->lines[s->n_lines].title, sizeof s->lines[0].title,
			         "MLA %s, fp16", kvp_mla_mode_name(modes[i]));
			if ((rc = add_line(s, &p->model, &ref, 2, false, NULL)) != 0)
				return rc;
		}
	} else if (kvp_model_attention(&p->model) != KVP_ATTENTION_NONE) {
		/* (a model without attention has no kv heads to vary: its
		 * request's line alone) */
		static const kvp_attention kinds[] = {
			KVP_ATTENTION_MHA, KVP_ATTENTION_GQA, KVP_ATTENTION_MQA};

		for (int i = 0; i < 3; i++) {
			kvp_model v;
			kvp_error err;

			if (kvp_model_variant(&p->model, kinds[i], &v, &err) != KVP_OK)
				return chart_fail(&err);
			static const char *const names[] = {"MHA", "GQA", "MQA"};

			snprintf(s->lines[s->n_lines].title, sizeof s->lines[0].title,
			         "as %s: %u kv head%s, fp16%s", names[i], v.kv_heads,
			         v.kv_heads == 1 ? "" : "s", v.kv_heads == p->model.kv_heads &&
			         !p->model.layer_kv_heads_len ? " (the model's)" : "");
			if ((rc = add_line(s, &v, &ref, 2, false, NULL)) != 0)
				return rc;
		}
	}
	/* The request as asked; its n_ctx follows the seq swept. */
	req.ctx_size = 0;
	/* vLLM on a GPU whose vllm serve step or MLA backend's block
	 * differs from the first's allocates its own curve: one line for
	 * each such plan. */
	for (size_t d = 1; d < p->n_devices; d++) {
		const kvp_plan *dp = cli_device_plan(p, d);
		kvp_request other = req;
		/* A plan that differs in SGLang's chunk size alone (its
		 * sliding pool's cap) has the request's bytes: no line. */
		bool seen = dp == &p->layers || !cli_plans_differ_bytes(dp, &p->layers);
		int n_title;

		for (size_t e = 1; e < d && !seen; e++)
			seen = cli_device_plan(p, e) != &p->layers &&
			       !cli_plans_differ_bytes(cli_device_plan(p, e), dp);
		if (seen)
			continue;
		other.max_batched_tokens = dp->request.max_batched_tokens;
		other.block_size = dp->request.block_size;
		other.chunked_prefill_size = dp->request.chunked_prefill_size;
		other.dtype_k = dp->request.dtype_k;
		other.dtype_v = dp->request.dtype_v;
		n_title = snprintf(s->lines[s->n_lines].title, sizeof s->lines[0].title,
		                   "request on %s:", p->devices[d].name);
		if (n_title > 0 && dp->batched_tokens != p->layers.batched_tokens)
			n_title += snprintf(s->lines[s->n_lines].title + n_title,
			                    sizeof s->lines[0].title - (size_t)n_title,
			                    " max_num_batched_tokens %" PRIu64, dp->batched_tokens);
		if (n_title > 0 && (size_t)n_title < sizeof s->lines[0].title &&
		    dp->request.dtype_k != p->layers.request.dtype_k)
			n_title += snprintf(s->lines[s->n_lines].title + n_title,
			                    sizeof s->lines[0].title - (size_t)n_title, " cache %s",
			                    kvp_dtype_name(dp->request.dtype_k));
		if (n_title > 0 && (size_t)n_title < sizeof s->lines[0].title &&
		    cli_engine_block(dp) != cli_engine_block(&p->layers))
			snprintf(s->lines[s->n_lines].title + n_title,
			         sizeof s->lines[0].title - (size_t)n_title,
			         p->request.engine == KVP_ENGINE_SGLANG ? " page size %" PRIu64
			         : " blocks of %" PRIu64 " tokens", cli_engine_block(dp));
		if ((rc = add_line(s, &p->model, &other, 3, false, dp)) != 0)
			return rc;
	}
	n = snprintf(s->lines[s->n_lines].title, sizeof s->lines[0].title,
	             "request: %s, %s", chart_types(&req, types, sizeof types),
	             kvp_engine_name(req.engine));
	if (req.policy.kind != KVP_POLICY_FULL && n > 0)
		snprintf(s->lines[s->n_lines].title + n, sizeof s->lines[0].title - (size_t)n,
		         ", %s", kvp_policy_format(&req.policy, policy, sizeof policy));
	return add_line(s, &p->model, &req, 4, true, &p->layers);
}

static void grid_add(struct size_chart *s, uint64_t seq)
{
	if (seq >= s->lo && seq <= s->hi && s->n_grid < GRID_MAX)
		s->grid[s->n_grid++] = seq;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

/* The device's two levels: its L2, and the memory its cache gets. */
static uint64_t level_of(const struct cli_plan *p, size_t device, int hbm)
{
	return hbm ? p->fits[device].budget_bytes : p->devices[device].l2_bytes;
}

/* Where line l crosses level (0: it does not, within the range). */
static uint64_t crossing(const struct size_chart *s, const struct line *l,
                         uint64_t level)
{
	uint64_t seq;
	bool unbounded;
	kvp_error err;

	if (level == 0 ||
	    kvp_plan_max_seq(l->plan, level, s->c->plan->request.batch, &seq, &unbounded,
	                     &err) != KVP_OK || unbounded || seq < s->lo || seq > SEQ_CAP)
		return 0;
	return seq;
}

/* Where line l crosses device d's level h.  Under pp each stage fits its
 * own budget: the request's line on its own device's memory crosses at
 * the fit's max seq, the table's, not where one budget for every stage
 * would put it.  With one stage a line crosses the memory less what
 * vLLM's check holds back from it (0.29 on, its null block:
 * kvp_plan_held_bytes), as the table's max seq does. */
static uint64_t crossing_of(const struct size_chart *s, const struct line *l, size_t d,
                            int h)
{
	const struct cli_plan *p = s->c->plan;
	const kvp_fit *f = &p->fits[d];
	uint64_t level = level_of(p, d, h), held;

	if (h && l->plan->stages > 1 && l->of && l->of == cli_device_plan(p, d))
		return f->max_seq_hbm_unbounded || f->max_seq_hbm < s->lo ||
		       f->max_seq_hbm > SEQ_CAP || !f->budget_bytes ? 0 : f->max_seq_hbm;
	if (h && l->plan->stages == 1) {
		held = kvp_plan_held_bytes(l->plan, 0);
		level = level > held ? level - held : 0;
	}
	return crossing(s, l, level);
}

static void set_range(struct size_chart *s)
{
	const struct cli_plan *p = s->c->plan;
	uint64_t hi = (uint64_t)1 << 17, lo = p->request.gen + 1;

	s->lo = lo;
	s->hi = SEQ_CAP;
	if (p->seq <= SEQ_CAP / 2 && 2 * p->seq > hi)
		hi = 2 * p->seq;
	if (p->model.max_context <= SEQ_CAP / 2 && 2 * p->model.max_context > hi)
		hi = 2 * p->model.max_context;
	for (size_t l = 0; l < s->n_lines; l++)
		for (size_t d = 0; d < p->n_devices; d++)
			for (int h = 0; h < 2; h++) {
				uint64_t x = crossing_of(s, &s->lines[l], d, h);

				if (x && x <= SEQ_CAP / 2 && 2 * x > hi)
					hi = 2 * x;
			}
	s->hi = (uint64_t)1 << chart_log2_ceil(hi);
	if (s->hi <= lo)
		s->hi = (uint64_t)1 << chart_log2_ceil(lo + 1);
}

/* Eight points an octave, and every corner a line has: its windows and
 * policy caps (and the tokens either side), the request's seq, and each
 * crossing (and the token after it). */
static void build_grid(struct size_chart *s)
{
	const struct cli_plan *p = s->c->plan;

	for (unsigned k = 0; k <= 8 * 41; k++)
		grid_add(s, (uint64_t)llround(pow(2.0, k / 8.0)));
	grid_add(s, s->lo);
	grid_add(s, s->hi);
	grid_add(s, p->seq);
	for (size_t l = 0; l < s->n_lines; l++) {
		const kvp_plan *pl = s->lines[l].plan;

		for (uint32_t g = 0; g < pl->group_count; g++) {
			uint64_t w = pl->groups[g].cap ? pl->groups[g].cap : pl->groups[g].window;

			if (w) {
				grid_add(s, w - 1);
				grid_add(s, w);
				grid_add(s, w + 1);
			}
		}
		for (size_t d = 0; d < p->n_devices; d++)
			for (int h = 0; h < 2; h++) {
				uint64_t x = crossing_of(s, &s->lines[l], d, h);

				if (x) {
					grid_add(s, x);
					grid_add(s, x + 1);
				}
			}
	}
	qsort(s->grid, s->n_grid, sizeof *s->grid, cmp_u64);
	{
		size_t n = 0;

		for (size_t i = 0; i < s->n_grid; i++)
			if (n == 0 || s->grid[i] != s->grid[n - 1])
				s->grid[n++] = s->grid[i];
		s->n_grid = n;
	}
}

/* The table, and the smallest and largest bytes in it. */
static void write_table(struct size_chart *s, uint64_t *y_lo, uint64_t *y_hi)
{
	FILE *d = s->c->data;
	uint64_t batch = s->c->plan->request.batch;

	*y_lo = UINT64_MAX;
	*y_hi = 0;
	fputs("# seq", d);
	for (size_t l = 0; l < s->n_lines; l++)
		fprintf(d, "\t%s", s->lines[l].title);
	fputs("\n", d);
	for (size_t i = 0; i < s->n_grid; i++) {
		fprintf(d, "%" PRIu64, s->grid[i]);
		for (size_t l = 0; l < s->n_lines; l++) {
			uint64_t bytes;
			kvp_error err;

			if (kvp_plan_bytes_at(s->lines[l].plan, s->grid[i], batch, &bytes,
			                      &err) != KVP_OK) {
				fputs("\tNaN", d);
				continue;
			}
			fprintf(d, "\t%" PRIu64, bytes);
			if (bytes && bytes < *y_lo)
				*y_lo = bytes;
			if (bytes > *y_hi)
				*y_hi = bytes;
		}
		fputs("\n", d);
	}
}

/* Line k in drawing order: the request's first, under the others. */
static size_t drawn(const struct size_chart *s, size_t k)
{
	return k == 0 ? s->n_lines - 1 : k - 1;
}

/* Whether line l's crossing x of a level was labelled already, on a line
 * drawn before it (a reference line the request's coincides with). */
static bool labelled(const struct size_chart *s, size_t k, uint64_t level, uint64_t x)
{
	for (size_t j = 0; j < k; j++)
		if (crossing(s, &s->lines[drawn(s, j)], level) == x)
			return true;
	return false;
}

/* Each crossing, a point on its line labelled with its max_seq. */
static void write_crossings(struct size_chart *s)
{
	const struct cli_plan *p = s->c->plan;
	FILE *g = s->c->script;

	for (size_t k = 0; k < s->n_lines; k++)
		for (size_t d = 0; d < p->n_devices; d++)
			for (int h = 0; h < 2; h++) {
				size_t l = drawn(s, k);
				uint64_t level = level_of(p, d, h);
				uint64_t x = crossing_of(s, &s->lines[l], d, h), bytes;
				char text[32];
				kvp_error err;

				if (!x || labelled(s, k, level, x) ||
				    kvp_plan_bytes_at(s->lines[l].plan, x, p->request.batch,
				                      &bytes, &err) != KVP_OK || !bytes)
					continue;
				fprintf(g, "set label '%s' at %" PRIu64 ",%" PRIu64 " point pt 7"
				        " ps 0.8 lc rgb '%s' offset char 0.4,%s font ',9' tc rgb '%s'\n",
				        cli_grouped(x, text, sizeof text), x, bytes,
				        s->lines[l].color, h ? "-0.7" : "0.7", s->lines[l].color);
			}
}

static void write_plot(struct size_chart *s)
{
	const struct cli_plan *p = s->c->plan;
	FILE *g = s->c->script;
	const char *sep = "plot ";
	char human[32];

	for (size_t k = 0; k < s->n_lines; k++) {
		size_t l = drawn(s, k);

		fprintf(g, "%s", sep);
		chart_quote(g, k == 0 ? s->c->data_path : "");
		fprintf(g, " using 1:%zu with lines lw %d lc rgb '%s' title ", l + 2,
		        s->lines[l].width, s->lines[l].color);
		chart_quote(g, s->lines[l].title);
		sep = ", \\\n     ";
	}
	for (size_t d = 0; d < p->n_devices; d++) {
		const char *color = device_colors[d % (sizeof device_colors /
		                                       sizeof *device_colors)];
		char title[160];

		snprintf(title, sizeof title, "%s L2 (%s)", p->devices[d].name,
		         cli_human_bytes(p->devices[d].l2_bytes, human, sizeof human));
		fprintf(g, "%s%" PRIu64 " with lines dt 3 lw 2 lc rgb '%s' title ", sep,
		        p->devices[d].l2_bytes, color);
		chart_quote(g, title);
		if (p->fits[d].budget_bytes) {
			char stage[32] = "";

			if (cli_device_plan(p, d)->stages > 1)
				snprintf(stage, sizeof stage, " on stage %u, which binds",
				         p->fits[d].stage);
			snprintf(title, sizeof title, "%s memory for the cache%s (%s)",
			         p->devices[d].name, stage,
			         cli_human_bytes(p->fits[d].budget_bytes, human, sizeof human));
			fprintf(g, "%s%" PRIu64 " with lines dt 2 lw 2 lc rgb '%s' title ", sep,
			        p->fits[d].budget_bytes, color);
		} else {
			snprintf(title, sizeof title, "%s: no memory left for the cache",
			         p->devices[d].name);
			fprintf(g, "%sNaN with lines dt 2 lw 2 lc rgb '%s' title ", sep, color);
		}
		chart_quote(g, title);
	}
	fputs("\n", g);
}

int chart_size(struct chart *c)
{
	const struct cli_plan *p = c->plan;
	struct size_chart *s = calloc(1, sizeof *s);
	uint64_t y_lo, y_hi;
	char seq_text[32];
	int rc;

	if (!s) {
		fputs("kvplan: out of memory\n", stderr);
		return 2;
	}
	s->c = c;
	s->lo = 1;
	s->hi = SEQ_CAP;
	if ((rc = build_lines(s)) != 0)
		goto done;
	set_range(s);
	build_grid(s);
	write_table(s, &y_lo, &y_hi);
	for (size_t d = 0; d < p->n_devices; d++)
		for (int h = 0; h < 2; h++) {
			uint64_t v = level_of(p, d, h);

			if (v && v < y_lo)
				y_lo = v;
			if (v > y_hi)
				y_hi = v;
		}
	if (y_lo == UINT64_MAX)
		y_lo = 1;
	if (y_hi <= y_lo)
		y_hi = y_lo + 1;
	chart_title(c, "KV cache size against context", true);
	/* An octave of room below and above, within 64 bits. */
	y_lo = (uint64_t)1 << (chart_log2_ceil(y_lo) ? chart_log2_ceil(y_lo) - 1 : 0);
	y_hi = (uint64_t)1 << (chart_log2_ceil(y_hi) < 63 ? chart_log2_ceil(y_hi) + 1 : 63);
	fprintf(c->script, "set logscale xy 2\nset xrange [%" PRIu64 ":%" PRIu64 "]\n"
	        "set yrange [%" PRIu64 ":%" PRIu64 "]\n", s->lo, s->hi, y_lo, y_hi);
	chart_log_tics(c->script, "x", s->lo, s->hi, 1);
	chart_log_tics(c->script, "y", y_lo, y_hi, 0);
	fprintf(c->script, "set xlabel 'context length (tokens per sequence)'\n"
	        "set ylabel '%s'\nset grid xtics ytics lc rgb '#dddddd'\n"
	        "set key outside right top vertical Left reverse spacing 1.2\n",
	        p->request.tp > 1 || p->request.pp > 1 ? "KV cache on one GPU"
	                                               : "KV cache");
	fprintf(c->script, "set arrow from %" PRIu64 ", graph 0 to %" PRIu64 ", graph 1"
	        " nohead dt 4 lc rgb '#555555'\nset label 'seq %s' at %" PRIu64
	        ", graph 0.03 offset char 0.5,0 font ',9' tc rgb '#555555'\n",
	        p->seq, p->seq, cli_grouped(p->seq, seq_text, sizeof seq_text), p->seq);
	write_crossings(s);
	write_plot(s);
done:
	for (size_t l = 0; l < LINES_MAX; l++)
		free(s->lines[l].plan);
	free(s);
	return rc;
}
