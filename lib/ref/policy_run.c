/*
 * policy_run.c — validation of the caches that evict: the model-shaped
 * StreamingLLM or H2O cache allocated and counted against the formula, then
 * a reduced stack decoding through one with the reference attention, as
 * validate.c does for the full cache.
 */
#include <math.h>
#include <string.h>

#include "ref/ref.h"

#define REF_LAYERS 2
#define REF_TOKENS 256
#define MAX_REF_HIDDEN 512
#define SEED 1

/* validate.c's bound: the same kernels on the same rows agree to the bit. */
#define TOLERANCE 1e-5
/* pos-shift in 16 bits rounds K before rotating it where the full cache
 * rounds after (test_ref_policy.c measures and bounds the difference). */
#define SHIFT_TOLERANCE_FP16 4e-3
#define SHIFT_TOLERANCE_BF16 2e-2

static uint64_t min_u64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

/* policy cut to a window of at most `window` tokens (>= 1): sinks or heavy
 * hitters first, at most half of it when there is room for recent ones. */
static kvp__policy cut(const kvp__policy *policy, uint64_t window)
{
	kvp__policy p = *policy;

	if (p.keep + p.recent <= window)
		return p;
	p.keep = min_u64(p.keep, window / 2);
	p.recent = window - p.keep;
	return p;
}

/* The full cache's outputs for the first n tokens of x (n, dim). */
static kvp_status full_outputs(kvp__stack *stack, kvp__counter *counter,
                               kvp_dtype dtype, uint64_t n, const float *x,
                               float *out, kvp_error *err)
{
	kvp__kvcache_shape shape = {
		.layers = stack->n_layers, .kv_heads = stack->shape.kv_heads,
		.head_dim = stack->shape.head_dim, .batch = 1, .max_seq = n,
		.dtype = dtype, .layout = KVP_LAYOUT_CONTIGUOUS,
	};
	uint64_t dim = stack->shape.dim;
	kvp__kvcache full;
	kvp_status st;

	if ((st = kvp__kvcache_init(&full, counter, &shape, err)) != KVP_OK)
		return st;
	for (uint64_t pos = 0; pos < n && st == KVP_OK; pos++)
		st = kvp__stack_forward(stack, &full, 0, pos, 1, x + pos * dim,
		                        out + pos * dim, err);
	kvp__kvcache_destroy(&full);
	return st;
}

/* After token p, layer 0's kv head 0 holds min(p + 1, keep + recent)
 * tokens, the latest min(p + 1, R) among them, and under streaming nothing
 * but sinks (positions < S) and those. */
static int kept_ok(const kvp__policy_cache *c, uint64_t p)
{
	uint64_t len = kvp__policy_cache_len(c), recent = 0, other = 0;

	if (len != min_u64(p + 1, c->capacity))
		return 0;
	for (uint64_t slot = 0; slot < len; slot++) {
		uint64_t q = kvp__policy_cache_position(c, 0, 0, slot);

		if (q > p)
			return 0;
		if (q + c->policy.recent > p)
			recent++;
		else if (q >= c->policy.keep)
			other++;
	}
	return recent == min_u64(p + 1, c->policy.recent) &&
	       (c->policy.kind != KVP__POLICY_STREAMING || other == 0);
}

typedef struct run_buffers {
	kvp__stack stack;
	kvp__policy_cache cache;
	float *x;    /* (tokens, dim) */
	float *out;  /* (tokens, dim) through the policy cache */
	float *full; /* (window, dim) through the full cache */
} run_buffers;

static void run_free(run_buffers *b, kvp__counter *counter)
{
	kvp__counter_free(counter, b->full);
	kvp__counter_free(counter, b->out);
	kvp__counter_free(counter, b->x);
	kvp__policy_cache_destroy(&b->cache);
	kvp__stack_destroy(&b->stack);
}

static kvp_status reduced_run(const kvp_model *m, kvp_dtype dtype,
                              uint64_t seq, kvp__policy_run *r, kvp_error *err)
{
	kvp__attn_shape shape = {
		.heads = m->heads, .kv_heads = m->kv_heads, .head_dim = m->head_dim,
		.rope_theta = m->rope_theta,
	};
	uint64_t width = m->hidden ? m->hidden : (uint64_t)m->heads * m->head_dim;
	uint64_t tokens = min_u64(seq, REF_TOKENS), window, dim, allocations;
	uint64_t state = SEED ^ 0x706f6c696379u, predicted;
	kvp__counter counter;
	run_buffers b;
	kvp_status st;

	shape.dim = (uint32_t)min_u64(width, MAX_REF_HIDDEN);
	dim = shape.dim;
	r->ref_layers = (uint32_t)min_u64(REF_LAYERS, m->layers);
	r->ref_tokens = tokens;
	r->ref_policy = cut(&r->policy, tokens > 1 ? tokens / 2 : 1);
	window = r->ref_policy.keep + r->ref_policy.recent;
	r->tolerance = r->policy.pos_mode != KVP__POS_SHIFT ||
	               dtype == KVP_DTYPE_FP32 ? TOLERANCE
	               : dtype == KVP_DTYPE_FP16 ? SHIFT_TOLERANCE_FP16
	               : SHIFT_TOLERANCE_BF16;
	if ((st = kvp__policy_cache_bytes(&r->ref_policy, r->ref_layers,
	                                  shape.kv_heads, shape.head_dim, dtype,
	                                  &r->ref_predicted_bytes, err)) != KVP_OK)
		return st;
	memset(&b, 0, sizeof b);
	kvp__counter_init(&counter);
	if ((st = kvp__stack_init(&b.stack, &counter, &shape, r->ref_layers, 1,
	                          window, SEED, err)) != KVP_OK ||
	    (st = kvp__policy_cache_init(&b.cache, &counter, &r->ref_policy,
	                                 &shape, r->ref_layers, dtype,
	                                 err)) != KVP_OK)
		goto done;
	st = KVP_ERR_NOMEM;
	if (!(b.x = kvp__counter_alloc(&counter, KVP_MEM_SCRATCH, tokens,
	                               dim * sizeof(float), err)) ||
	    !(b.out = kvp__counter_alloc(&counter, KVP_MEM_SCRATCH, tokens,
	                                 dim * sizeof(float), err)) ||
	    !(b.full = kvp__counter_alloc(&counter, KVP_MEM_SCRATCH, window,
	                                  dim * sizeof(float), err)))
		goto done;
	kvp__rng_fill(&state, b.x, tokens * dim, 1.0f);
	predicted = r->ref_predicted_bytes;
	r->ref_bytes_fixed = counter.current_bytes[KVP_MEM_CACHE] == predicted;
	r->ref_kept_ok = 1;
	allocations = counter.allocations;
	for (uint64_t pos = 0; pos < tokens; pos++) {
		if ((st = kvp__policy_forward(&b.stack, &b.cache, b.x + pos * dim,
		                              b.out + pos * dim, err)) != KVP_OK)
			goto done;
		r->ref_bytes_fixed &= counter.current_bytes[KVP_MEM_CACHE] == predicted &&
		                      counter.peak_bytes[KVP_MEM_CACHE] == predicted;
		r->ref_kept_ok &= kept_ok(&b.cache, pos);
	}
	r->ref_allocation_free = counter.allocations == allocations;
	if ((st = full_outputs(&b.stack, &counter, dtype, window, b.x, b.full,
	                       err)) != KVP_OK)
		goto done;
	r->max_abs_error = 0;
	for (uint64_t i = 0; i < window * dim; i++) {
		double d = fabs((double)b.out[i] - (double)b.full[i]);

		if (isnan(d) || d > r->max_abs_error)
			r->max_abs_error = isnan(d) ? INFINITY : d;
	}
	st = kvp__error_clear(err);
done:
	run_free(&b, &counter);
	return st;
}

kvp_status kvp__ref_policy_run(const kvp_model *model, kvp_dtype dtype,
                               const kvp__policy *policy, uint64_t seq,
                               kvp__policy_run *result, kvp_error *err)
{
	kvp__attn_shape shape;
	kvp__policy_run r;
	kvp__policy_cache cache;
	kvp__counter counter;
	kvp_model m;
	kvp_status st;

	if (!model || !policy || !result)
		return kvp__error(err, KVP_ERR_INVALID, "no model, policy or result");
	if (seq == 0)
		return kvp__error(err, KVP_ERR_INVALID,
		                  "sequence length must be at least 1");
	m = *model;
	if ((st = kvp_model_finalize(&m, err)) != KVP_OK ||
	    (st = kvp__ref_full_layers_only(&m, err)) != KVP_OK ||
	    (st = kvp__policy_check(policy, err)) != KVP_OK)
		return st;
	memset(&r, 0, sizeof r);
	/* A request of seq tokens never holds more than seq. */
	r.policy = cut(policy, seq);
	shape = (kvp__attn_shape){
		.dim = 1, .heads = m.heads, .kv_heads = m.kv_heads,
		.head_dim = m.head_dim, .rope_theta = m.rope_theta,
	};
	if ((st = kvp__policy_cache_bytes(&r.policy, m.layers, m.kv_heads,
	                                  m.head_dim, dtype, &r.predicted_bytes,
	                                  err)) != KVP_OK)
		return st;
	/* The allocation is fixed at creation: what it holds at its peak is
	 * what creating it took (decoding adds nothing, as the reduced run
	 * checks step by step). */
	kvp__counter_init(&counter);
	if ((st = kvp__policy_cache_init(&cache, &counter, &r.policy, &shape,
	                                 m.layers, dtype, err)) != KVP_OK)
		return st;
	r.measured_bytes = counter.peak_bytes[KVP_MEM_CACHE];
	kvp__policy_cache_destroy(&cache);
	if ((st = reduced_run(&m, dtype, seq, &r, err)) != KVP_OK)
		return st;
	r.passed = r.measured_bytes == r.predicted_bytes && r.ref_bytes_fixed &&
	           r.ref_allocation_free && r.ref_kept_ok &&
	           r.max_abs_error <= r.tolerance;
	*result = r;
	return kvp__error_clear(err);
}
