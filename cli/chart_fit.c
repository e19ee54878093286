/*
 * chart_fit.c — the fit chart: for the first device asked, a map over
 * batch x context (powers of two) of where the request's cache goes:
 * into L2, into the memory left for it, or nowhere.  Each cell is the
 * request re-planned at that seq and batch and fitted with kvp_plan_fit,
 * so the engine's rounding and the parallel layout count as in the table.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "chart.h"

enum { FITS_L2, FITS_HBM, NO_FIT };

static const char *const fit_names[] = {"fits in L2", "fits in memory", "does not fit"};
static const char *const fit_colors[] = {"#2ca02c", "#1f77b4", "#d62728"};

/* The cell's class: 0, or 2 after one line on stderr.  A cache past 64
 * bits does not fit anywhere. */
static int classify(const kvp_model *m, kvp_request *r, const kvp_device *d,
                    kvp_plan *plan, int *cls, uint64_t *bytes)
{
	kvp_fit fit;
	kvp_error err;
	kvp_status st = kvp_plan_compute(m, r, plan, &err);

	if (st == KVP_OK)
		st = kvp_plan_fit(plan, d, &fit, &err);
	if (st == KVP_ERR_OVERFLOW) {
		*cls = NO_FIT;
		*bytes = 0;
		return 0;
	}
	if (st != KVP_OK)
		return chart_fail(&err);
	*cls = fit.fits_l2 ? FITS_L2 : fit.fits_hbm ? FITS_HBM : NO_FIT;
	*bytes = plan->kv_bytes_per_gpu;
	return 0;
}

static void axis_tics(FILE *g, const char *axis, unsigned first, unsigned last,
                      int tokens)
{
	const char *sep = "";

	fprintf(g, "set %stics (", axis);
	for (unsigned e = first; e <= last; e++) {
		char label[32];

		if (tokens)
			chart_tokens_text((uint64_t)1 << e, label, sizeof label);
		else
			cli_grouped((uint64_t)1 << e, label, sizeof label);
		fprintf(g, "%s'%s' %u", sep, label, e);
		sep = ", ";
	}
	fputs(")\n", g);
}

int chart_fit(struct chart *c)
{
	const struct cli_plan *p = c->plan;
	const kvp_device *d = &p->devices[0];
	kvp_request r = p->request;
	kvp_plan *plan = malloc(sizeof *plan);
	unsigned s_lo = chart_log2_ceil(r.gen + 1), s_hi, b_hi;
	char what[160], human[32], budget[32];
	int rc = 0;

	if (!plan) {
		fputs("kvplan: out of memory\n", stderr);
		return 2;
	}
	if (s_lo < 4)
		s_lo = 4;
	s_hi = chart_log2_ceil(p->model.max_context > p->seq ? p->model.max_context
	                                                    : p->seq) + 1;
	if (s_hi < 17)
		s_hi = 17;
	if (s_hi > 40)
		s_hi = 40;
	if (s_hi < s_lo + 4)
		s_hi = s_lo + 4;
	b_hi = chart_log2_ceil(r.batch) + 1;
	if (b_hi < 10)
		b_hi = 10;
	if (b_hi > 30)
		b_hi = 30;
	/* n_ctx follows each cell's seq and batch. */
	r.ctx_size = 0;
	fputs("# log2_seq\tlog2_batch\tclass\tseq\tbatch\tcache_bytes_per_gpu"
	      "\t(class 0 fits in L2, 1 fits in memory, 2 does not fit)\n", c->data);
	for (unsigned b = 0; b <= b_hi && !rc; b++) {
		for (unsigned s = s_lo; s <= s_hi && !rc; s++) {
			int cls;
			uint64_t bytes;

			r.seq = (uint64_t)1 << s;
			r.batch = (uint64_t)1 << b;
			rc = classify(&p->model, &r, d, plan, &cls, &bytes);
			if (!rc)
				fprintf(c->data, "%u\t%u\t%d\t%" PRIu64 "\t%" PRIu64 "\t%" PRIu64 "\n",
				        s, b, cls, r.seq, r.batch, bytes);
		}
		fputs("\n", c->data);
	}
	free(plan);
	if (rc)
		return rc;
	snprintf(what, sizeof what, "where the cache fits on %s (L2 %s, %s for the"
	         " cache)", d->name, cli_human_bytes(d->l2_bytes, human, sizeof human),
	         p->fits[0].budget_bytes ? cli_human_bytes(p->fits[0].budget_bytes, budget,
	                                                   sizeof budget) : "no memory");
	chart_title(c, what, true);
	fprintf(c->script, "set xrange [%g:%g]\nset yrange [-0.5:%g]\n", s_lo - 0.5,
	        s_hi + 0.5, b_hi + 0.5);
	axis_tics(c->script, "x", s_lo, s_hi, 1);
	axis_tics(c->script, "y", 0, b_hi, 0);
	fprintf(c->script, "set xtics rotate by -45\n"
	        "set xlabel 'context length (tokens per sequence)'\n"
	        "set ylabel 'batch (sequences)'\n"
	        "set cbrange [-0.5:2.5]\nunset colorbox\n"
	        "set palette maxcolors 3 defined (0 '%s', 1 '%s', 2 '%s')\n"
	        "set key outside right top vertical Left reverse\n"
	        "set style fill solid 1.0 noborder\n", fit_colors[0], fit_colors[1],
	        fit_colors[2]);
	/* The request's own cell, where it falls on the map. */
	if (p->seq >= ((uint64_t)1 << s_lo) && p->seq <= ((uint64_t)1 << s_hi) &&
	    p->request.batch <= ((uint64_t)1 << b_hi))
		fprintf(c->script, "set label 'request' at log(%" PRIu64 ")/log(2),"
		        "log(%" PRIu64 ")/log(2) point pt 6 ps 2 lw 2 lc rgb '#000000'"
		        " offset char 1,0 front tc rgb '#000000'\n", p->seq, p->request.batch);
	fputs("plot ", c->script);
	chart_quote(c->script, c->data_path);
	fputs(" using 1:2:3 with image notitle", c->script);
	for (int k = 0; k < 3; k++)
		fprintf(c->script, ", \\\n     NaN with boxes lc rgb '%s' title '%s'",
		        fit_colors[k], fit_names[k]);
	fputs("\n", c->script);
	return 0;
}
