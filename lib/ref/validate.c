/*
 * validate.c — what `kvplan --validate` runs: the real cache of a shape,
 * allocated through the counting allocator and touched page by page, against
 * the size model; then prefill + decode through reference layers of the
 * model's head shape, against a recomputation that uses no cache.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "host.h"
#include "ref/ref.h"

#define DEFAULT_REF_LAYERS 2
#define DEFAULT_REF_POSITIONS 256
#define DEFAULT_REF_BATCH 2
#define MAX_REF_HIDDEN 512
#define DEFAULT_SEED 1

/* The cached path and the recomputation do the same float operations in
 * the same order on the same inputs (projections, RoPE, rounding through
 * the storage type, dot products, softmax, weighted sums); only where K and
 * V come from differs: the cache, or arrays recomputed for every position.
 * So they agree to the bit, and any difference is the cache handing back
 * something other than what was stored.  1e-5 is the bound for
 * fp32; it holds as well for fp16 and bf16, whose rounding both paths do
 * identically (the tests hold the 16-bit types to an fp32 oracle within a
 * bound derived from their rounding error). */
#define TOLERANCE 1e-5

/* Progress of the decode loop is reported this many times at most. */
#define DECODE_REPORTS 100

typedef struct ref_plan {
	kvp__attn_shape shape;
	uint32_t layers;
	uint64_t positions; /* the reference cache's max_seq */
	uint64_t prompt;    /* prefilled in one pass */
	uint64_t batch;
	kvp_layout layout;
	uint32_t block_size;
} ref_plan;

void kvp_validate_options_init(kvp_validate_options *options)
{
	if (!options)
		return;
	memset(options, 0, sizeof *options);
	options->layout = KVP_LAYOUT_CONTIGUOUS;
	options->block_size = KVP_BLOCK_SIZE_DEFAULT;
	options->ref_layers = DEFAULT_REF_LAYERS;
	options->ref_positions = DEFAULT_REF_POSITIONS;
	options->seed = DEFAULT_SEED;
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* bytes in binary units with one decimal: "126.0 GiB". */
static void format_bytes(char *buf, size_t size, uint64_t bytes)
{
	static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB",
	                                    "PiB", "EiB"};
	double value = (double)bytes;
	int unit = 0;

	while (value >= 1024 && unit < 6) {
		value /= 1024;
		unit++;
	}
	if (unit == 0)
		snprintf(buf, size, "%llu B", (unsigned long long)bytes);
	else
		snprintf(buf, size, "%.1f %s", value, units[unit]);
}

/* The checks every entry point makes, and the reference run's sizes. */
/* The reference layers are full attention with K and V rows of head_dim
 * and the model's kv heads in every layer; anything else it does not run
 * yet, and says which layers those are. */
kvp_status kvp__ref_full_layers_only(const kvp_model *m, kvp_error *err)
{
	char label[KVP_QUOTE_MAX], kinds[160] = "";
	size_t used = 0;

	for (int k = 0; k < KVP_LAYER_KIND_COUNT; k++) {
		uint32_t n = kvp_model_count_layers(m, (kvp_layer_kind)k);

		if (k == KVP_LAYER_FULL || n == 0 || used >= sizeof kinds)
			continue;
		used += (size_t)snprintf(kinds + used, sizeof kinds - used, "%s%u %s",
		                         used ? ", " : "", n,
		                         kvp_layer_kind_name((kvp_layer_kind)k));
	}
	if (m->ssm_parallel)
		return kvp__error(err, KVP_ERR_UNSUPPORTED,
		                  "the reference implementation runs full-attention"
		                  " layers only, and %s keeps a Mamba-2 state beside"
		                  " each of its %u layers",
		                  kvp__label(m->name, "the model", label), m->layers);
	if (used)
		return kvp__error(err, KVP_ERR_UNSUPPORTED,
		                  "the reference implementation runs full-attention"
		                  " layers only, and %s has %s layers of %u",
		                  kvp__label(m->name, "the model", label), kinds,
		                  m->layers);
	if (m->head_dim_v && m->head_dim_v != m->head_dim)
		return kvp__error(err, KVP_ERR_UNSUPPORTED,
		                  "the reference implementation runs V heads as wide as"
		                  " K heads; %s has head_dim %u and head_dim_v %u",
		                  kvp__label(m->name, "the model", label), m->head_dim,
		                  m->head_dim_v);
	/* Gemma 4's full layers of their own head; shared layers are none
	 * (counted above) */
	if (m->full_head_dim && m->full_head_dim != m->head_dim)
		return kvp__error(err, KVP_ERR_UNSUPPORTED,
		                  "the reference implementation runs the same head in"
		                  " every layer; %s's full layers have head_dim %u, its"
		                  " others %u", kvp__label(m->name, "the model", label),
		                  m->full_head_dim, m->head_dim);
	for (uint32_t i = 0; i < m->layer_kv_heads_len; i++)
		if (m->layer_kv_heads[i] != m->kv_heads)
			return kvp__error(err, KVP_ERR_UNSUPPORTED,
			                  "the reference implementation runs the same kv"
			                  " heads in every layer; %s's layer %u has %u",
			                  kvp__label(m->name, "the model", label), i,
			                  m->layer_kv_heads[i]);
	return KVP_OK;
}

static kvp_status resolve(const kvp_model *model, kvp_dtype dtype,
                          uint64_t seq, uint64_t batch,
                          const kvp_validate_options *o, kvp_model *m,
                          ref_plan *ref, kvp_error *err)
{
	uint64_t width;
	kvp_status st;

	if (!model)
		return kvp__error(err, KVP_ERR_INVALID, "no model given");
	if (seq == 0 || batch == 0)
		return kvp__error(err, KVP_ERR_INVALID,
		                  "sequence length and batch must be at least 1");
	*m = *model;
	if ((st = kvp_model_finalize(m, err)) != KVP_OK)
		return st;
	if ((st = kvp__ref_full_layers_only(m, err)) != KVP_OK)
		return st;
	if (!kvp__storage_supported(dtype))
		return kvp__error(err, KVP_ERR_UNSUPPORTED,
		                  "validation stores the cache as fp32, fp16 or bf16, not %s",
		                  kvp_dtype_name(dtype));
	if ((unsigned)o->layout >= KVP_LAYOUT_COUNT)
		return kvp__error(err, KVP_ERR_INVALID, "invalid cache layout %d",
		                  (int)o->layout);
	memset(ref, 0, sizeof *ref);
	ref->layout = o->layout;
	ref->block_size = o->block_size ? o->block_size : KVP_BLOCK_SIZE_DEFAULT;
	ref->layers = o->ref_layers ? o->ref_layers : DEFAULT_REF_LAYERS;
	if (ref->layers > m->layers)
		ref->layers = m->layers;
	ref->positions = min_u64(o->ref_positions ? o->ref_positions
	                                          : DEFAULT_REF_POSITIONS, seq);
	ref->prompt = o->ref_prompt ? min_u64(o->ref_prompt, ref->positions)
	                            : (ref->positions + 1) / 2;
	ref->batch = min_u64(o->ref_batch ? o->ref_batch : DEFAULT_REF_BATCH,
	                     batch);
	width = m->hidden ? m->hidden : (uint64_t)m->heads * m->head_dim;
	ref->shape.dim = o->ref_hidden ? o->ref_hidden
	                               : (uint32_t)min_u64(width, MAX_REF_HIDDEN);
	ref->shape.heads = m->heads;
	ref->shape.kv_heads = m->kv_heads;
	ref->shape.head_dim = m->head_dim;
	ref->shape.rope_theta = m->rope_theta;
	return kvp__attn_shape_check(&ref->shape, err);
}

/* The reference run's model: the same heads on ref->layers layers. */
static kvp_model ref_model(const kvp_model *m, const ref_plan *ref)
{
	kvp_model shallow = *m;

	shallow.layers = ref->layers;
	return shallow;
}

/* Every byte the reference run holds at its peak, the recomputation's
 * buffers included. */
static kvp_status reference_bytes(const kvp_model *m, kvp_dtype dtype,
                                  const ref_plan *ref, uint64_t *bytes,
                                  kvp_error *err)
{
	kvp_model shallow = ref_model(m, ref);
	uint64_t q_dim = (uint64_t)ref->shape.heads * ref->shape.head_dim;
	uint64_t kv_dim = (uint64_t)ref->shape.kv_heads * ref->shape.head_dim;
	uint64_t dim = ref->shape.dim, cache, stack, row, io, recompute, total;
	kvp_status st;

	if ((st = kvp_layout_predict(&shallow, dtype, ref->layout, ref->positions,
	                             ref->batch, ref->block_size, &cache,
	                             err)) != KVP_OK ||
	    (st = kvp__stack_bytes(&ref->shape, ref->layers, ref->prompt,
	                           ref->positions, &stack, err)) != KVP_OK)
		return st;
	/* inputs and outputs (batch, positions, dim) each, the recomputed
	 * outputs (positions, dim), and the recomputation's buffers: per
	 * position a residual stream, its norm and the projection (3 * dim),
	 * q and o (2 * q_dim), k and v (2 * kv_dim) and a score. */
	row = 3 * dim + 2 * q_dim + 2 * kv_dim + 1;
	if (!kvp__mul(2 * ref->batch + 1, dim, &io) ||
	    !kvp__add(io, row, &recompute) ||
	    !kvp__mul(recompute, ref->positions, &recompute) ||
	    !kvp__mul(recompute, sizeof(float), &recompute) ||
	    !kvp__add(cache, stack, &total) || !kvp__add(total, recompute, bytes))
		return kvp__error(err, KVP_ERR_OVERFLOW,
		                  "reference run overflows 64-bit bytes");
	return kvp__error_clear(err);
}

/* Where the host's memory is read: the real /proc and /sys, or fake trees
 * in the tests. */
typedef struct host_roots {
	const char *proc;
	const char *sys;
} host_roots;

static const host_roots real_roots = {"/proc", "/sys"};

static kvp_status plan(const kvp_model *m, kvp_dtype dtype, uint64_t seq,
                       uint64_t batch, const kvp_validate_options *o,
                       const ref_plan *ref, const host_roots *roots,
                       kvp_validate_plan *out, kvp_error *err)
{
	kvp_validate_plan p = {0};
	char need_text[32], cache_text[32], have_text[32], limit_text[32],
	     usage_text[32], path[KVP_QUOTE_MAX], label[KVP_QUOTE_MAX],
	     where[KVP_QUOTE_MAX + 160];
	kvp__host_available host = {0};
	kvp_status st;

	if ((st = kvp_layout_predict(m, dtype, o->layout, seq, batch,
	                             ref->block_size, &p.cache_bytes,
	                             err)) != KVP_OK ||
	    (st = reference_bytes(m, dtype, ref, &p.reference_bytes, err)) != KVP_OK)
		return st;
	/* The full cache is freed before the reference run starts. */
	p.needed_bytes = p.cache_bytes > p.reference_bytes ? p.cache_bytes
	                                                   : p.reference_bytes;
	/* What the host can give: MemAvailable, or less where a memory
	 * cgroup's limit binds first (the kernel kills past it). */
	p.available_bytes = o->available_bytes;
	if (!p.available_bytes) {
		if ((st = kvp__host_available_at(roots->proc, roots->sys, &host,
		                                 err)) != KVP_OK)
			return st;
		p.available_bytes = host.available_bytes;
	}
	p.fits = p.needed_bytes <= p.available_bytes;
	*out = p;
	if (!p.fits) {
		format_bytes(need_text, sizeof need_text, p.needed_bytes);
		format_bytes(cache_text, sizeof cache_text, p.cache_bytes);
		format_bytes(have_text, sizeof have_text, p.available_bytes);
		snprintf(where, sizeof where, "the host has %s available", have_text);
		if (host.cgroup_bound) {
			format_bytes(limit_text, sizeof limit_text, host.cgroup.limit);
			format_bytes(usage_text, sizeof usage_text, host.cgroup.usage);
			snprintf(where, sizeof where, "only %s is available in memory cgroup"
			         " %s (limit %s, %s in use)", have_text,
			         kvp_escape(host.cgroup.path, path, sizeof path),
			         limit_text, usage_text);
		}
		return kvp__error(err, KVP_ERR_NO_FIT,
		                  "validation of %s at seq %llu, batch %llu needs %s"
		                  " (%s of %s %s cache) but %s",
		                  kvp__label(m->name, "the model", label),
		                  (unsigned long long)seq, (unsigned long long)batch,
		                  need_text, cache_text, kvp_layout_name(o->layout),
		                  kvp_dtype_name(dtype), where);
	}
	return kvp__error_clear(err);
}

/* What both entry points do first: the defaults, the checks, the
 * reference run's sizes and the plan against the host's memory. */
static kvp_status prepare(const kvp_model *model, kvp_dtype dtype,
                          uint64_t seq, uint64_t batch,
                          const kvp_validate_options **options,
                          kvp_validate_options *defaults,
                          const host_roots *roots, kvp_model *m,
                          ref_plan *ref, kvp_validate_plan *needs,
                          kvp_error *err)
{
	kvp_status st;

	if (!*options) {
		kvp_validate_options_init(defaults);
		*options = defaults;
	}
	if ((st = resolve(model, dtype, seq, batch, *options, m, ref, err)) != KVP_OK)
		return st;
	return plan(m, dtype, seq, batch, *options, ref, roots, needs, err);
}

kvp_status kvp__validate_plan_at(const char *proc_root, const char *sys_root,
                                 const kvp_model *model, kvp_dtype dtype,
                                 uint64_t seq, uint64_t batch,
                                 const kvp_validate_options *options,
                                 kvp_validate_plan *out, kvp_error *err)
{
	kvp_validate_options defaults;
	host_roots roots = {proc_root, sys_root};
	kvp_model m;
	ref_plan ref;

	if (!out)
		return kvp__error(err, KVP_ERR_INVALID, "no result given");
	return prepare(model, dtype, seq, batch, &options, &defaults, &roots, &m,
	               &ref, out, err);
}

kvp_status kvp_validate_plan_compute(const kvp_model *model, kvp_dtype dtype,
                                     uint64_t seq, uint64_t batch,
                                     const kvp_validate_options *options,
                                     kvp_validate_plan *out, kvp_error *err)
{
	return kvp__validate_plan_at(real_roots.proc, real_roots.sys, model,
	                             dtype, seq, batch, options, out, err);
}

/* The full cache: allocated, grown to seq in every sequence, touched. */
static kvp_status measure_cache(kvp__counter *counter, const kvp_model *m,
                                kvp_dtype dtype, uint64_t seq, uint64_t batch,
                                const kvp_validate_options *o,
                                const ref_plan *ref, kvp_validate_result *r,
                                kvp_error *err)
{
	kvp__kvcache_shape shape = {
		.layers = m->layers, .kv_heads = m->kv_heads,
		.head_dim = m->head_dim, .batch = batch, .max_seq = seq,
		.dtype = dtype, .layout = ref->layout,
		.block_size = ref->block_size,
	};
	kvp__kvcache cache;
	uint64_t resident_before = 0, resident_after = 0;
	int resident_ok;
	kvp_status st;

	resident_ok = kvp__host_resident("/proc", &resident_before, NULL) == KVP_OK;
	if ((st = kvp__kvcache_init(&cache, counter, &shape, err)) != KVP_OK)
		return st;
	for (uint64_t b = 0; b < batch; b++) {
		if ((st = kvp__kvcache_reserve(&cache, b, seq, err)) != KVP_OK) {
			kvp__kvcache_destroy(&cache);
			return st;
		}
	}
	r->measured_bytes = counter->current_bytes[KVP_MEM_CACHE];
	kvp__kvcache_touch(&cache, o->progress, o->progress_ctx);
	resident_ok = resident_ok &&
	              kvp__host_resident("/proc", &resident_after, NULL) == KVP_OK;
	r->resident_known = resident_ok;
	r->resident_bytes = resident_ok && resident_after > resident_before
	                    ? resident_after - resident_before : 0;
	kvp__kvcache_destroy(&cache);
	return kvp__error_clear(err);
}

/* |a - b| over n values, a NaN counting as infinitely wrong. */
static double max_difference(const float *a, const float *b, uint64_t n,
                             double max)
{
	for (uint64_t i = 0; i < n; i++) {
		double d = fabs((double)a[i] - (double)b[i]);

		if (isnan(d))
			return INFINITY;
		if (d > max)
			max = d;
	}
	return max;
}

/* The buffers and objects of a reference run, so one place frees them. */
typedef struct ref_run {
	kvp__stack stack;
	kvp__kvcache cache;
	float *inputs;     /* (batch, positions, dim) */
	float *outputs;    /* (batch, positions, dim) from the cached path */
	float *recomputed; /* (positions, dim) from the recomputation */
} ref_run;

static void ref_run_free(ref_run *run, kvp__counter *counter)
{
	kvp__counter_free(counter, run->recomputed);
	kvp__counter_free(counter, run->outputs);
	kvp__counter_free(counter, run->inputs);
	kvp__kvcache_destroy(&run->cache);
	kvp__stack_destroy(&run->stack);
}

static kvp_status decode_all(ref_run *run, const ref_plan *ref,
                             const kvp_validate_options *o, kvp_error *err)
{
	uint64_t dim = ref->shape.dim, per_seq = ref->positions * dim;
	uint64_t total = ref->batch * ref->positions, step = total / DECODE_REPORTS + 1;
	kvp_status st;

	if (o->progress)
		o->progress(o->progress_ctx, "decode", 0, total);
	for (uint64_t b = 0; b < ref->batch; b++) {
		const float *x = run->inputs + b * per_seq;
		float *y = run->outputs + b * per_seq;

		if ((st = kvp__stack_forward(&run->stack, &run->cache, b, 0,
		                             ref->prompt, x, y, err)) != KVP_OK)
			return st;
		for (uint64_t pos = ref->prompt; pos < ref->positions; pos++) {
			if ((st = kvp__stack_forward(&run->stack, &run->cache, b, pos, 1,
			                             x + pos * dim, y + pos * dim,
			                             err)) != KVP_OK)
				return st;
			if (o->progress && (b * ref->positions + pos) % step == 0)
				o->progress(o->progress_ctx, "decode",
				            b * ref->positions + pos, total);
		}
	}
	if (o->progress)
		o->progress(o->progress_ctx, "decode", total, total);
	return KVP_OK;
}

static kvp_status run_reference(kvp__counter *counter, const kvp_model *m,
                                kvp_dtype dtype, const ref_plan *ref,
                                const kvp_validate_options *o,
                                kvp_validate_result *r, kvp_error *err)
{
	kvp__kvcache_shape shape = {
		.layers = ref->layers, .kv_heads = ref->shape.kv_heads,
		.head_dim = ref->shape.head_dim, .batch = ref->batch,
		.max_seq = ref->positions, .dtype = dtype, .layout = ref->layout,
		.block_size = ref->block_size,
	};
	kvp_model shallow = ref_model(m, ref);
	uint64_t dim = ref->shape.dim, per_seq = ref->positions * dim;
	uint64_t state = o->seed ^ 0x696e70757473u; /* apart from the weights' */
	ref_run run;
	kvp_error overrun;
	kvp_status st;

	memset(&run, 0, sizeof run);
	if ((st = kvp__stack_init(&run.stack, counter, &ref->shape, ref->layers,
	                          ref->prompt, ref->positions, o->seed,
	                          err)) != KVP_OK ||
	    (st = kvp__kvcache_init(&run.cache, counter, &shape, err)) != KVP_OK)
		goto done;
	run.inputs = kvp__counter_alloc(counter, KVP_MEM_SCRATCH, ref->batch,
	                                per_seq * sizeof(float), err);
	run.outputs = kvp__counter_alloc(counter, KVP_MEM_SCRATCH, ref->batch,
	                                 per_seq * sizeof(float), err);
	run.recomputed = kvp__counter_alloc(counter, KVP_MEM_SCRATCH, per_seq,
	                                    sizeof(float), err);
	if (!run.inputs || !run.outputs || !run.recomputed) {
		st = KVP_ERR_NOMEM;
		goto done;
	}
	kvp__rng_fill(&state, run.inputs, ref->batch * per_seq, 1.0f);
	if ((st = decode_all(&run, ref, o, err)) != KVP_OK ||
	    (st = kvp_layout_predict(&shallow, dtype, ref->layout, ref->positions,
	                             ref->batch, ref->block_size,
	                             &r->ref_predicted_bytes, err)) != KVP_OK)
		goto done;
	r->ref_measured_bytes = run.cache.counter->current_bytes[KVP_MEM_CACHE];

	/* One token past max_seq must be refused, not written. */
	r->overrun_refused = kvp__stack_forward(&run.stack, &run.cache, 0,
	                                        ref->positions, 1, run.inputs,
	                                        run.recomputed,
	                                        &overrun) == KVP_ERR_RANGE;

	/* The cached path produced position p's output at step p; causality
	 * makes row p of one recomputation over all positions the output a
	 * recomputation at step p would give, so one pass checks every step. */
	if (o->progress)
		o->progress(o->progress_ctx, "recompute", 0, ref->batch);
	for (uint64_t b = 0; b < ref->batch; b++) {
		if ((st = kvp__stack_forward_nocache(&run.stack, dtype, ref->positions,
		                                     0, run.inputs + b * per_seq,
		                                     run.recomputed, err)) != KVP_OK)
			goto done;
		r->max_abs_error = max_difference(run.outputs + b * per_seq,
		                                  run.recomputed, per_seq,
		                                  r->max_abs_error);
		if (o->progress)
			o->progress(o->progress_ctx, "recompute", b + 1, ref->batch);
	}
	st = kvp__error_clear(err);
done:
	ref_run_free(&run, counter);
	return st;
}

kvp_status kvp_validate_run(const kvp_model *model, kvp_dtype dtype,
                            uint64_t seq, uint64_t batch,
                            const kvp_validate_options *options,
                            kvp_validate_result *result, kvp_error *err)
{
	kvp_validate_options defaults;
	kvp_validate_plan needs;
	kvp_validate_result r;
	kvp__counter counter;
	kvp_model m;
	ref_plan ref;
	kvp_status st;

	if (!result)
		return kvp__error(err, KVP_ERR_INVALID, "no result given");
	if ((st = prepare(model, dtype, seq, batch, &options, &defaults,
	                  &real_roots, &m, &ref, &needs, err)) != KVP_OK)
		return st;
	memset(&r, 0, sizeof r);
	r.layout = ref.layout;
	r.dtype = dtype;
	r.block_size = ref.layout == KVP_LAYOUT_PAGED ? ref.block_size : 0;
	r.predicted_bytes = needs.cache_bytes;
	r.ref_layers = ref.layers;
	r.ref_positions = ref.positions;
	r.ref_prompt = ref.prompt;
	r.ref_batch = ref.batch;
	r.ref_hidden = ref.shape.dim;
	r.tolerance = TOLERANCE;
	kvp__counter_init(&counter);
	if ((st = measure_cache(&counter, &m, dtype, seq, batch, options, &ref,
	                        &r, err)) != KVP_OK ||
	    (st = run_reference(&counter, &m, dtype, &ref, options, &r,
	                        err)) != KVP_OK)
		return st;
	memcpy(r.peak_bytes, counter.peak_bytes, sizeof r.peak_bytes);
	r.allocations = counter.allocations;
	r.passed = r.measured_bytes == r.predicted_bytes &&
	           r.ref_measured_bytes == r.ref_predicted_bytes &&
	           r.max_abs_error <= r.tolerance && r.overrun_refused;
	*result = r;
	return kvp__error_clear(err);
}
