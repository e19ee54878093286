/*
 * sweep.c — --sweep seq=A..B[:xK|:+K],batch=A..B[:xK|:+K]: one row per
 * point over the models, engines, cache types and GPUs given (each option
 * a comma-separated list), as CSV or JSON lines, written as it goes: the
 * sweep is never held in memory, so a capacity tool can read millions of
 * rows from a pipe.
 *
 * Everything that can be refused (names, ranges, a model an engine cannot
 * plan) is checked on the first point of each combination before the
 * first row; a point whose cache passes 64 bits is a row with status
 * "overflow".  A write error ends the sweep with one line and status 2,
 * after the rows already written.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* "A..B[:xK|:+K]" or "A" into r: 0, or 2 after one line on stderr. */
static int parse_range(const char *key, const char *text, size_t len,
                       struct cli_range *r)
{
	char buf[128], opt[32], *dots, *colon;

	snprintf(opt, sizeof opt, "sweep %s", key);
	if (len >= sizeof buf) {
		fprintf(stderr, "kvplan: --sweep: the %s range is too long\n", key);
		return 2;
	}
	memcpy(buf, text, len);
	buf[len] = '\0';
	r->set = true;
	r->times = false;
	r->step = 1;
	colon = strchr(buf, ':');
	if (colon) {
		*colon++ = '\0';
		if (colon[0] != 'x' && colon[0] != '+')
			goto bad;
		if (cli_parse_u64(opt, colon + 1, 1, UINT64_MAX, &r->step))
			return 2;
		r->times = colon[0] == 'x';
		if (r->times && r->step < 2) {
			fprintf(stderr, "kvplan: --sweep: %s: a factor must be at least 2\n", key);
			return 2;
		}
	}
	dots = strstr(buf, "..");
	if (dots)
		*dots = '\0';
	if (cli_parse_u64(opt, buf, 1, UINT64_MAX, &r->from) ||
	    cli_parse_u64(opt, dots ? dots + 2 : buf, 1, UINT64_MAX, &r->to))
		return 2;
	if (r->to < r->from) {
		fprintf(stderr, "kvplan: --sweep: %s: %" PRIu64 "..%" PRIu64 " ends before"
		        " it starts\n", key, r->from, r->to);
		return 2;
	}
	return 0;
bad:
	fprintf(stderr, "kvplan: --sweep: %s: a step is :xK (times K) or :+K (plus K)\n",
	        key);
	return 2;
}

int cli_parse_sweep(const char *arg, struct cli_options *o)
{
	const char *p = arg;

	o->sweep = true;
	while (*p) {
		size_t len = strcspn(p, ",");
		const char *eq = memchr(p, '=', len);
		struct cli_range *r = NULL;

		if (eq && (size_t)(eq - p) == 3 && strncmp(p, "seq", 3) == 0)
			r = &o->sweep_seq;
		else if (eq && (size_t)(eq - p) == 5 && strncmp(p, "batch", 5) == 0)
			r = &o->sweep_batch;
		if (!r) {
			char quoted[KVP_QUOTE_MAX], item[64];

			snprintf(item, sizeof item, "%.*s", (int)(len < 63 ? len : 63), p);
			fprintf(stderr, "kvplan: --sweep: '%s' is not seq=RANGE or"
			        " batch=RANGE\n", kvp_escape(item, quoted, sizeof quoted));
			return 2;
		}
		if (r->set) {
			fprintf(stderr, "kvplan: --sweep: %s given twice\n",
			        r == &o->sweep_seq ? "seq" : "batch");
			return 2;
		}
		if (parse_range(r == &o->sweep_seq ? "seq" : "batch", eq + 1,
		                len - (size_t)(eq + 1 - p), r))
			return 2;
		p += len;
		if (*p == ',' && *++p == '\0') {
			fputs("kvplan: --sweep: a trailing comma\n", stderr);
			return 2;
		}
	}
	if (!o->sweep_seq.set && !o->sweep_batch.set) {
		fputs("kvplan: --sweep: give seq=A..B, batch=A..B or both\n", stderr);
		return 2;
	}
	return 0;
}

/* The next value of a range after v; false past its end. */
static bool range_next(const struct cli_range *r, uint64_t *v)
{
	if (r->times ? *v > UINT64_MAX / r->step : *v > UINT64_MAX - r->step)
		return false;
	*v = r->times ? *v * r->step : *v + r->step;
	return *v <= r->to;
}

/* A row being put together: written with one fwrite, not printf (a
 * million rows a second is the aim, and printf was half of a row). */
struct line {
	char text[1024];
	size_t n;
};

static void put(struct line *l, const char *s)
{
	size_t len = strlen(s);

	if (len > sizeof l->text - l->n)
		len = sizeof l->text - l->n;
	memcpy(l->text + l->n, s, len);
	l->n += len;
}

static void put_u64(struct line *l, uint64_t v)
{
	char digits[20];
	size_t n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n && l->n < sizeof l->text)
		l->text[l->n++] = digits[--n];
}

/* A name as a JSON string's contents (names are short). */
static void put_json_name(struct line *l, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];

		if (c == '"' || c == '\\')
			snprintf(esc, sizeof esc, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			snprintf(esc, sizeof esc, "\\u%04x", c);
		else
			snprintf(esc, sizeof esc, "%c", c);
		put(l, esc);
	}
}

struct sweep {
	const struct cli_options *o;
	FILE *out;
	const kvp_model *model;
	const kvp_device *devices;
	size_t n_devices;
	kvp_plan *plan;
	kvp_plan *other;        /* the point planned with another vLLM step
	                         * or MLA block */
	bool other_held;        /* other holds the point's plan for: */
	uint64_t other_tokens;  /* that step */
	uint32_t other_block;   /* and that block */
	uint32_t other_chunked; /* and SGLang's chunked prefill size */
	kvp_dtype other_dtype;  /* and the K cache type (vLLM's fp8_ds_mla) */
	kvp_moe_backend other_moe; /* and vLLM's experts kernel */
	char model_csv[2 * KVP_NAME_MAX + 3];
	char device_csv[CLI_MAX_SWEEP][2 * KVP_NAME_MAX + 3];
};

/* name as a CSV field, into buf. */
static void csv_copy(const char *name, char *buf, size_t size)
{
	char quoted[2 * KVP_NAME_MAX + 3];

	snprintf(buf, size, "%s", cli_csv_text(name, quoted, sizeof quoted));
}

/* A row's figures: of a kvp_fit, or of a planner's point. */
struct cells {
	uint64_t cache_per_gpu;
	uint64_t cache_total_bytes;
	bool fits_l2;
	bool fits_hbm;
	uint64_t max_batch_hbm;
};

/* The cache types r is planned with on device d: the engine's there
 * (vLLM's fp8_ds_mla, SGLang's fp8 for its auto; cli_device_request). */
static void device_types(struct sweep *s, const kvp_request *r, size_t d, kvp_dtype *k,
                         kvp_dtype *v)
{
	kvp_request here;

	cli_device_request(r, s->model, s->plan, &s->devices[d], &here);
	*k = here.dtype_k;
	*v = here.dtype_v;
}

static void json_row(struct sweep *s, const kvp_request *r, size_t d, const struct cells *f,
                     struct line *l)
{
	kvp_dtype k, v;

	device_types(s, r, d, &k, &v);
	put(l, "{\"model\":\"");
	put_json_name(l, s->model->name);
	put(l, "\",\"engine\":\"");
	put(l, kvp_engine_name(r->engine));
	put(l, "\",\"dtype_k\":\"");
	put(l, kvp_dtype_name(k));
	put(l, "\",\"dtype_v\":\"");
	put(l, kvp_dtype_name(v));
	put(l, "\",\"gpu\":\"");
	put_json_name(l, s->devices[d].name);
	put(l, "\",\"seq\":");
	put_u64(l, r->seq);
	put(l, ",\"batch\":");
	put_u64(l, r->batch);
	if (!f) {
		put(l, ",\"status\":\"overflow\"}\n");
		return;
	}
	put(l, ",\"kv_bytes_per_gpu\":");
	put_u64(l, f->cache_per_gpu);
	put(l, ",\"cache_total_bytes\":");
	put_u64(l, f->cache_total_bytes);
	put(l, f->fits_l2 ? ",\"fits_l2\":true" : ",\"fits_l2\":false");
	put(l, f->fits_hbm ? ",\"fits_hbm\":true" : ",\"fits_hbm\":false");
	put(l, ",\"max_batch_hbm\":");
	put_u64(l, f->max_batch_hbm);
	put(l, ",\"status\":\"ok\"}\n");
}

/* One row: f NULL for a cache past 64 bits. */
static void row(struct sweep *s, const kvp_request *r, size_t d, const struct cells *f)
{
	struct line l;

	l.n = 0;
	if (s->o->format == CLI_JSON) {
		json_row(s, r, d, f, &l);
	} else {
		kvp_dtype k, v;

		device_types(s, r, d, &k, &v);
		put(&l, s->model_csv);
		put(&l, ",");
		put(&l, kvp_engine_name(r->engine));
		put(&l, ",");
		put(&l, kvp_dtype_name(k));
		put(&l, ",");
		put(&l, kvp_dtype_name(v));
		put(&l, ",");
		put(&l, s->device_csv[d]);
		put(&l, ",");
		put_u64(&l, r->seq);
		put(&l, ",");
		put_u64(&l, r->batch);
		if (f) {
			put(&l, ",");
			put_u64(&l, f->cache_per_gpu);
			put(&l, ",");
			put_u64(&l, f->cache_total_bytes);
			put(&l, f->fits_l2 ? ",1" : ",0");
			put(&l, f->fits_hbm ? ",1," : ",0,");
			put_u64(&l, f->max_batch_hbm);
			put(&l, ",ok\n");
		} else {
			put(&l, ",,,,,,overflow\n");
		}
	}
	fwrite(l.text, 1, l.n, s->out);
}

/* The fit of r on device d: of the point's plan, or where vLLM's default
 * step of tokens, which the plan's sliding layers follow, or its MLA
 * backend's block differs on d, of r planned again with d's (s->other,
 * kept for the point's other devices of that step and block). */
static kvp_status fit_on(struct sweep *s, const kvp_request *r, size_t d, kvp_fit *f,
                         kvp_error *err)
{
	kvp_request here;
	kvp_status st;

	if (!cli_device_request(r, s->model, s->plan, &s->devices[d], &here))
		return kvp_plan_fit(s->plan, &s->devices[d], f, err);
	if (!s->other_held || here.max_batched_tokens != s->other_tokens ||
	    here.block_size != s->other_block ||
	    here.chunked_prefill_size != s->other_chunked || here.dtype_k != s->other_dtype ||
	    here.moe_backend != s->other_moe) {
		s->other_held = false;
		if ((st = kvp_plan_compute(s->model, &here, s->other, err)) != KVP_OK)
			return st;
		s->other_held = true;
		s->other_tokens = here.max_batched_tokens;
		s->other_block = here.block_size;
		s->other_chunked = here.chunked_prefill_size;
		s->other_dtype = here.dtype_k;
		s->other_moe = here.moe_backend;
	}
	return kvp_plan_fit(s->other, &s->devices[d], f, err);
}

/* Plans r and fits it on every device, a row each, "overflow" where the
 * plan or that device's fit passes 64 bits: 0, or 2 after one line on
 * stderr (a library error other than overflow). */
static int point(struct sweep *s, const kvp_request *r)
{
	kvp_error err;
	kvp_status planned = kvp_plan_compute(s->model, r, s->plan, &err);

	s->other_held = false;
	if (planned != KVP_OK && planned != KVP_ERR_OVERFLOW)
		return cli_fail(&err);
	for (size_t d = 0; d < s->n_devices; d++) {
		kvp_fit f;
		kvp_status st = planned == KVP_OK ? fit_on(s, r, d, &f, &err) : planned;

		if (st != KVP_OK && st != KVP_ERR_OVERFLOW)
			return cli_fail(&err);
		row(s, r, d, st == KVP_OK ? &(struct cells){f.cache_per_gpu, f.cache_total_bytes,
		                                            f.fits_l2, f.fits_hbm,
		                                            f.max_batch_hbm}
		                          : NULL);
	}
	return 0;
}

/* A planner a GPU for base's points (lib/planner.c), each of the request
 * fit_on plans for that GPU (cli_device_request), from base's plan at its
 * shortest point.  Only where the planner answers from the cost and that
 * request does not follow the seq (vLLM's default step of tokens, which
 * the plan's sliding layers keep, does); false otherwise, planners[] all
 * NULL, and each point is planned whole (point). */
static bool planners_new(struct sweep *s, const kvp_request *base, kvp_planner **planners)
{
	kvp_request first = *base;
	size_t d;

	for (d = 0; d < s->n_devices; d++)
		planners[d] = NULL;
	first.seq = base->gen + 1;
	if (first.seq == 0 || kvp_plan_compute(s->model, &first, s->plan, NULL) != KVP_OK ||
	    (s->plan->batched_tokens && !base->max_batched_tokens))
		return false;
	for (d = 0; d < s->n_devices; d++) {
		kvp_request here;
		const kvp_request *r = cli_device_request(base, s->model, s->plan, &s->devices[d],
		                                          &here) ? &here : base;

		if (kvp_planner_new(s->model, r, &s->devices[d], 1, &planners[d], NULL) !=
		    KVP_OK || !kvp_planner_fast(planners[d]))
			break;
	}
	if (d == s->n_devices)
		return true;
	for (d = 0; d < s->n_devices; d++)
		kvp_planner_free(&planners[d]);
	return false;
}

/* r's rows from the planners: 0, or 2 after one line on stderr. */
static int planned_point(struct sweep *s, kvp_planner **planners, const kvp_request *r)
{
	for (size_t d = 0; d < s->n_devices; d++) {
		kvp_point pt;
		kvp_point_fit f;
		kvp_error err;
		kvp_status st = kvp_planner_point(planners[d], r->seq, r->batch, &pt, &f, &err);

		if (st == KVP_OK)
			st = f.status;
		if (st != KVP_OK && st != KVP_ERR_OVERFLOW)
			return cli_fail(&err);
		row(s, r, d, st == KVP_OK ? &(struct cells){pt.kv_bytes_per_gpu,
		                                            pt.cache_total_bytes, f.fits_l2,
		                                            f.fits_hbm, f.max_batch_hbm}
		                          : NULL);
	}
	return 0;
}

/* Every point of one model, engine and cache type. */
static int sweep_points(struct sweep *s, const kvp_request *base)
{
	const struct cli_options *o = s->o;
	kvp_request r = *base;
	struct cli_range seq = o->sweep_seq, batch = o->sweep_batch;
	kvp_planner *planners[CLI_MAX_SWEEP];
	bool planned = planners_new(s, base, planners);
	int rc = 0;

	if (!seq.set)
		seq = (struct cli_range){o->seq, o->seq, 1, false, true};
	if (!batch.set)
		batch = (struct cli_range){o->batch, o->batch, 1, false, true};
	r.batch = batch.from;
	do {
		r.seq = seq.from;
		do {
			rc = planned ? planned_point(s, planners, &r) : point(s, &r);
		} while (!rc && !ferror(s->out) && range_next(&seq, &r.seq));
	} while (!rc && !ferror(s->out) && range_next(&batch, &r.batch));
	for (size_t d = 0; planned && d < s->n_devices; d++)
		kvp_planner_free(&planners[d]);
	return rc;
}

int cli_sweep_run(const struct cli_options *o, const kvp_model *models, size_t n_models,
                  const kvp_device *devices, size_t n_devices,
                  const kvp_request *requests, size_t n_requests, FILE *out)
{
	struct sweep s = {.o = o, .out = out, .devices = devices, .n_devices = n_devices};
	int rc = 0;

	if (n_devices > CLI_MAX_SWEEP) {
		fprintf(stderr, "kvplan: --sweep: at most %d GPUs\n", CLI_MAX_SWEEP);
		return 2;
	}
	s.plan = malloc(sizeof *s.plan);
	s.other = malloc(sizeof *s.other);
	if (!s.plan || !s.other) {
		free(s.plan);
		free(s.other);
		fputs("kvplan: out of memory\n", stderr);
		return 2;
	}
	for (size_t d = 0; d < n_devices; d++)
		csv_copy(devices[d].name, s.device_csv[d], sizeof s.device_csv[d]);
	if (o->format != CLI_JSON)
		fputs("model,engine,dtype_k,dtype_v,gpu,seq,batch,kv_bytes_per_gpu,"
		      "cache_total_bytes,fits_l2,fits_hbm,max_batch_hbm,status\n", out);
	for (size_t m = 0; m < n_models && !rc; m++) {
		s.model = &models[m];
		csv_copy(models[m].name, s.model_csv, sizeof s.model_csv);
		for (size_t i = 0; i < n_requests && !rc; i++)
			rc = sweep_points(&s, &requests[i]);
	}
	free(s.plan);
	free(s.other);
	if (!rc && (fflush(out) != 0 || ferror(out))) {
		fputs("kvplan: error writing standard output\n", stderr);
		rc = 2;
	}
	return rc;
}
