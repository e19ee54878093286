/*
 * chart.h — what the chart kinds share (chart.c): the files being written,
 * the gnuplot helpers for titles, quoting and axes in binary units.
 *
 * A chart is a data file (tab-separated, one table per kind) and a
 * gnuplot script that reads it; chart.c writes both whole and then runs
 * gnuplot on the script.  The kinds (chart_size.c, chart_bars.c) write
 * the table and the plot commands after the common header.
 */
#ifndef KVPLAN_CHART_H
#define KVPLAN_CHART_H

#include <stdint.h>
#include <stdio.h>

#include "cli.h"

/* The picture's size in pixels, for PNG and SVG alike. */
#define CHART_WIDTH 1200
#define CHART_HEIGHT 750

struct chart {
	FILE *data;                  /* the table */
	FILE *script;                /* the plot commands */
	const char *data_path;       /* as the script names it */
	const struct cli_options *o;
	const struct cli_plan *plan;
};

/* The kinds: 0, or 2 after one line on stderr. */
int chart_size(struct chart *c);
int chart_fit(struct chart *c);
int chart_layers(struct chart *c);
int chart_engines(struct chart *c);
int chart_memory(struct chart *c);

/* s as a gnuplot single-quoted string: ' doubled, control characters
 * as '?'. */
void chart_quote(FILE *out, const char *s);
/* "set title '<model>: WHAT, <cache types> cache, batch B, engine E
 * [, policy P][, tp T pp P]'"; engine false leaves the engine out. */
void chart_title(struct chart *c, const char *what, bool engine);
/* The cache types as the title shows them: "fp16", "K q8_0 / V fp16". */
const char *chart_types(const kvp_request *r, char *buf, size_t size);
/* Tics in binary units on axis ("x", "y", "y2"), from lo to hi:
 * powers of two on a log axis, a whole step on a linear one.  Bytes are
 * labelled "512 KiB", "1 GiB"; tokens "512", "1 Ki", "128 Ki". */
void chart_log_tics(FILE *out, const char *axis, uint64_t lo, uint64_t hi,
                    int tokens);
void chart_linear_tics(FILE *out, const char *axis, uint64_t hi, int tokens);
/* "1 Ki" for 1024 tokens: binary units, exact when whole. */
char *chart_tokens_text(uint64_t tokens, char *buf, size_t size);
/* The smallest power of two >= v (v >= 1), as an exponent. */
unsigned chart_log2_ceil(uint64_t v);

/* r's fields that mean the same under every engine (sizes, types, the
 * weights and memory, parallelism, the policy) on the exact engine's
 * defaults: no engine's own setting. */
void chart_neutral_request(const kvp_request *r, kvp_request *out);
/* One line on stderr for a library error inside a chart: 2. */
int chart_fail(const kvp_error *err);

#endif
