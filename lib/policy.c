/*
 * policy.c — cache compression and eviction policies: their names, their
 * text form, and the tokens each keeps of a layer, as each method's
 * reference code keeps them:
 *  - StreamingLLM (mit-han-lab/streaming-llm, streaming_llm/kv_cache.py,
 *    StartRecentKVCache: start_size + recent_size, defaults 4 and 512);
 *  - H2O (FMInference/H2O, h2o_hf/utils_real_drop/modify_llama.py,
 *    H2OKVCache_LayerWise: heavy + recent, 4 and 512 in its class);
 *  - SnapKV (FasterDecoding/SnapKV, snapkv/monkeypatch/snapkv_utils.py,
 *    SnapKVCluster.update_kv: a prompt below max_capacity_prompt is kept
 *    whole, else window_size + the max_capacity_prompt - window_size
 *    best; window 32, capacity 2048, kernel 5);
 *  - PyramidKV (Zefan-Cai/KVCache-Factory, pyramidkv/pyramidkv_utils.py,
 *    PyramidKVCluster.update_kv: the per-layer budgets below; beta 20);
 *  - kvpress (NVIDIA/kvpress, presses/scorer_press.py: n_kept =
 *    int(q_len * (1 - compression_ratio))).
 * reference-data.md section 6 has the definitions these follow.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

const char *kvp_policy_kind_name(kvp_policy_kind kind)
{
	static const char *const names[KVP_POLICY_COUNT] = {
		"full", "window", "streaming", "h2o", "snapkv", "pyramidkv", "ratio"};

	return (unsigned)kind < KVP_POLICY_COUNT ? names[kind] : "unknown";
}

static void defaults(kvp_policy *p, kvp_policy_kind kind)
{
	memset(p, 0, sizeof *p);
	p->kind = kind;
	switch (kind) {
	case KVP_POLICY_STREAMING:
		p->sink = 4;
		p->recent = 512;
		break;
	case KVP_POLICY_H2O:
		p->heavy = 4;
		p->recent = 512;
		break;
	case KVP_POLICY_SNAPKV:
	case KVP_POLICY_PYRAMIDKV:
		p->capacity = 2048;
		p->window = 32;
		p->kernel = kind == KVP_POLICY_SNAPKV ? 5 : 0;
		p->beta = kind == KVP_POLICY_PYRAMIDKV ? 20 : 0;
		break;
	default:
		break;
	}
}

/* A whole number from 1 (or 0) up, as the whole of text. */
static int number(const char *text, uint64_t min, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*text < '0' || *text > '9')
		return 0;
	errno = 0;
	v = strtoull(text, &end, 10);
	if (*end || errno || v < min)
		return 0;
	*out = v;
	return 1;
}

/* The settings after the kind: key=value pairs, each key once. */
static kvp_status settings(char *text, kvp_policy *p, kvp_error *err)
{
	const char *kind = kvp_policy_kind_name(p->kind);
	unsigned seen = 0;
	char *save = NULL;

	for (char *pair = strtok_r(text, ",", &save); pair;
	     pair = strtok_r(NULL, ",", &save)) {
		static const char *const keys[] = {"sink", "recent", "heavy",
			"capacity", "window", "kernel", "beta"};
		char *eq = strchr(pair, '='), quoted[KVP_QUOTE_MAX];
		uint64_t v;
		int k;

		if (eq)
			*eq = '\0';
		for (k = 0; k < 7 && strcmp(pair, keys[k]) != 0; k++)
			;
		/* Each kind takes its own keys. */
		if (k == 7 ||
		    (p->kind == KVP_POLICY_STREAMING && k != 0 && k != 1) ||
		    (p->kind == KVP_POLICY_H2O && k != 1 && k != 2) ||
		    (p->kind == KVP_POLICY_SNAPKV && k != 3 && k != 4 && k != 5) ||
		    (p->kind == KVP_POLICY_PYRAMIDKV && k != 3 && k != 4 && k != 6))
			return kvp__error(err, KVP_ERR_PARSE, "policy %s: '%s' is not"
			                  " one of its settings (%s)", kind,
			                  kvp_escape(pair, quoted, sizeof quoted),
			                  p->kind == KVP_POLICY_STREAMING ? "sink, recent"
			                  : p->kind == KVP_POLICY_H2O ? "heavy, recent"
			                  : p->kind == KVP_POLICY_SNAPKV
			                          ? "capacity, window, kernel"
			                          : "capacity, window, beta");
		if (seen & 1u << k)
			return kvp__error(err, KVP_ERR_PARSE, "policy %s: %s given twice",
			                  kind, keys[k]);
		seen |= 1u << k;
		if (!eq || !number(eq + 1, 1, &v) || (k >= 5 && v > UINT32_MAX))
			return kvp__error(err, KVP_ERR_INVALID, "policy %s: %s must be"
			                  " a whole number from 1, not '%s'", kind, keys[k],
			                  eq ? kvp_escape(eq + 1, quoted, sizeof quoted) : "");
		switch (k) {
		case 0: p->sink = v; break;
		case 1: p->recent = v; break;
		case 2: p->heavy = v; break;
		case 3: p->capacity = v; break;
		case 4: p->window = v; break;
		case 5: p->kernel = (uint32_t)v; break;
		default: p->beta = (uint32_t)v; break;
		}
	}
	if ((p->kind == KVP_POLICY_SNAPKV || p->kind == KVP_POLICY_PYRAMIDKV) &&
	    p->window >= p->capacity)
		return kvp__error(err, KVP_ERR_INVALID, "policy %s: window %llu must"
		                  " be below capacity %llu", kind,
		                  (unsigned long long)p->window,
		                  (unsigned long long)p->capacity);
	if (p->kind == KVP_POLICY_PYRAMIDKV && p->capacity > KVP__CAPACITY_MAX)
		return kvp__error(err, KVP_ERR_RANGE, "policy %s: capacity %llu is"
		                  " past %llu tokens", kind,
		                  (unsigned long long)p->capacity,
		                  (unsigned long long)KVP__CAPACITY_MAX);
	return KVP_OK;
}

kvp_status kvp_policy_parse(const char *text, kvp_policy *out, kvp_error *err)
{
	char copy[256], quoted[KVP_QUOTE_MAX], *colon;
	kvp_policy p;
	int kind;
	kvp_status st = KVP_OK;

	if (!text || !out)
		return kvp__error(err, KVP_ERR_INVALID, "no policy or output given");
	if (strlen(text) >= sizeof copy)
		return kvp__error(err, KVP_ERR_PARSE, "policy '%s' is too long",
		                  kvp_escape(text, quoted, sizeof quoted));
	strcpy(copy, text);
	colon = strchr(copy, ':');
	if (colon)
		*colon = '\0';
	for (kind = 0; kind < KVP_POLICY_COUNT &&
	     strcmp(copy, kvp_policy_kind_name((kvp_policy_kind)kind)) != 0; kind++)
		;
	if (kind == KVP_POLICY_COUNT)
		return kvp__error(err, KVP_ERR_PARSE, "'%s' is not a policy (full,"
		                  " window:N, streaming:sink=S,recent=R, h2o:heavy=H,"
		                  "recent=R, snapkv:capacity=C,window=W,kernel=K,"
		                  " pyramidkv:capacity=C,window=W,beta=B, ratio:R)",
		                  kvp_escape(copy, quoted, sizeof quoted));
	defaults(&p, (kvp_policy_kind)kind);
	switch (p.kind) {
	case KVP_POLICY_FULL:
		if (colon)
			st = kvp__error(err, KVP_ERR_PARSE, "policy full takes no settings");
		break;
	case KVP_POLICY_WINDOW:
		if (!colon || !number(colon + 1, 1, &p.window))
			st = kvp__error(err, KVP_ERR_INVALID, "policy window:N needs N,"
			                " the tokens kept, a whole number from 1");
		break;
	case KVP_POLICY_RATIO: {
		char *end = NULL;

		if (colon)
			p.ratio = strtod(colon + 1, &end);
		if (!colon || end == colon + 1 || *end || !(p.ratio >= 0 && p.ratio < 1))
			st = kvp__error(err, KVP_ERR_INVALID, "policy ratio:R needs R, the"
			                " share of the prompt dropped, in [0, 1)");
		break;
	}
	default:
		if (colon)
			st = settings(colon + 1, &p, err);
		break;
	}
	if (st == KVP_OK)
		*out = p;
	return st;
}

char *kvp_policy_format(const kvp_policy *p, char *buf, size_t size)
{
	const char *name = kvp_policy_kind_name(p->kind);

	switch (p->kind) {
	case KVP_POLICY_WINDOW:
		snprintf(buf, size, "window:%llu", (unsigned long long)p->window);
		break;
	case KVP_POLICY_STREAMING:
		snprintf(buf, size, "streaming:sink=%llu,recent=%llu",
		         (unsigned long long)p->sink, (unsigned long long)p->recent);
		break;
	case KVP_POLICY_H2O:
		snprintf(buf, size, "h2o:heavy=%llu,recent=%llu",
		         (unsigned long long)p->heavy, (unsigned long long)p->recent);
		break;
	case KVP_POLICY_SNAPKV:
		snprintf(buf, size, "snapkv:capacity=%llu,window=%llu,kernel=%u",
		         (unsigned long long)p->capacity,
		         (unsigned long long)p->window, p->kernel);
		break;
	case KVP_POLICY_PYRAMIDKV:
		snprintf(buf, size, "pyramidkv:capacity=%llu,window=%llu,beta=%u",
		         (unsigned long long)p->capacity,
		         (unsigned long long)p->window, p->beta);
		break;
	case KVP_POLICY_RATIO:
		snprintf(buf, size, "ratio:%.17g", p->ratio);
		break;
	default:
		snprintf(buf, size, "%s", name);
		break;
	}
	return buf;
}

bool kvp_policy_varies(const kvp_policy *p)
{
	return p && (p->kind == KVP_POLICY_RATIO || p->kind == KVP_POLICY_PYRAMIDKV);
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

/* PyramidKV's largest per-layer budget and the step from one layer's to
 * the next at a prompt of q tokens, q >= capacity
 * (PyramidKVCluster.update_kv); both are non-decreasing in q. */
static void pyramid_shape(const kvp_policy *p, uint32_t layers, uint64_t q,
                          uint64_t *max_out, uint64_t *steps_out)
{
	uint64_t span = p->capacity - p->window; /* C - w > 0 */
	uint64_t min_num = span / p->beta, max_num = 2 * span - min_num;

	if (max_num >= q - p->window) {
		max_num = q - p->window;
		min_num = 2 * span - max_num;
	}
	*max_out = max_num;
	*steps_out = layers > 1 ? (max_num - min_num) / (layers - 1) : 0;
}

/* PyramidKV's selected tokens (besides the window) for layer l of L at a
 * prompt of q tokens, q >= capacity. */
static uint64_t pyramid(const kvp_policy *p, uint32_t l, uint32_t layers,
                        uint64_t q)
{
	uint64_t max_num, steps;

	pyramid_shape(p, layers, q, &max_num, &steps);
	return max_num - (uint64_t)l * steps;
}

uint64_t kvp_policy_kept(const kvp_policy *p, uint32_t index, uint32_t layers,
                         uint64_t seq, uint64_t gen)
{
	uint64_t prompt = gen < seq ? seq - gen : 0, cap;

	if (!p)
		return seq;
	switch (p->kind) {
	case KVP_POLICY_WINDOW:
		cap = p->window;
		break;
	case KVP_POLICY_STREAMING:
		cap = sat_add(p->sink, p->recent);
		break;
	case KVP_POLICY_H2O:
		cap = sat_add(p->heavy, p->recent);
		break;
	case KVP_POLICY_SNAPKV:
		return prompt < p->capacity ? seq : sat_add(p->capacity, gen);
	case KVP_POLICY_PYRAMIDKV:
		/* A policy kvp_plan_compute would refuse (window at or past
		 * the capacity, beta 0) keeps everything. */
		if (prompt < p->capacity || p->window >= p->capacity || p->beta == 0)
			return seq;
		return sat_add(pyramid(p, index, layers, prompt) + p->window, gen);
	case KVP_POLICY_RATIO:
		/* Python's int() of the double product, as kvpress takes it;
		 * a prompt past 2^53 is past any model's context.  A ratio
		 * outside [0, 1) (NaN too), which kvp_plan_compute refuses,
		 * keeps everything. */
		if (!(p->ratio >= 0 && p->ratio < 1))
			return seq;
		return sat_add((uint64_t)((double)prompt * (1 - p->ratio)), gen);
	default:
		return seq;
	}
	return cap < seq ? cap : seq;
}

uint64_t kvp__policy_cap(const kvp_policy *p, uint32_t index, uint32_t layers,
                         uint64_t seq, uint64_t gen)
{
	switch (p->kind) {
	case KVP_POLICY_FULL:
		return 0;
	case KVP_POLICY_WINDOW:
		return p->window;
	case KVP_POLICY_STREAMING:
		return sat_add(p->sink, p->recent);
	case KVP_POLICY_H2O:
		return sat_add(p->heavy, p->recent);
	case KVP_POLICY_SNAPKV:
		/* seq below capacity + gen keeps seq: min(seq, capacity + gen) */
		return sat_add(p->capacity, gen);
	default:
		return kvp_policy_kept(p, index, layers, seq, gen);
	}
}

/* A bound of kvp__policy_cap over every seq of [lo, hi], lo <= hi: that
 * cap where lo = hi, or where the policy does not vary.  PyramidKV keeps
 * max_num - l steps + window + gen, max_num and steps non-decreasing in
 * the prompt, so no more than max_num at hi less l steps at lo; below its
 * capacity a prompt is kept whole, so no more than hi. */
uint64_t kvp__policy_cap_over(const kvp_policy *p, uint32_t index, uint32_t layers,
                              uint64_t lo, uint64_t hi, uint64_t gen)
{
	uint64_t max_hi, max_lo, steps_hi, steps_lo;

	if (p->kind != KVP_POLICY_PYRAMIDKV || lo == hi)
		return kvp__policy_cap(p, index, layers, hi, gen);
	if (lo < gen || lo - gen < p->capacity)
		return hi;
	pyramid_shape(p, layers, hi - gen, &max_hi, &steps_hi);
	pyramid_shape(p, layers, lo - gen, &max_lo, &steps_lo);
	return sat_add(max_hi - (uint64_t)index * steps_lo + p->window, gen);
}
