/*
 * validate_policy.c — kvplan --validate under a cache policy: the planned
 * cache's bytes against what is allocated.  StreamingLLM and H2O run the
 * reference's own caches (policy_run.c); the other policies allocate each
 * layer's planned cache through the counting allocator, and no attention
 * is run for them.
 */
#include <string.h>

#include "ref.h"

/* Each layer's planned cache (its kept tokens, the whole batch, and its
 * recurrent state), allocated once through a counter: the peak is what
 * was counted.  Nothing is touched. */
static kvp_status allocate_planned(const kvp_plan *p, uint64_t *measured,
                                   kvp_error *err)
{
	kvp__counter counter;
	void **rows;
	kvp_status st = KVP_OK;
	uint32_t made = 0;

	kvp__counter_init(&counter);
	rows = kvp__calloc(p->layers ? p->layers : 1, sizeof *rows);
	if (!rows)
		return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
	for (uint32_t i = 0; i < p->layers && st == KVP_OK; i++) {
		const kvp_layer_group *g = &p->groups[kvp_plan_layer_group(p, i)];
		uint64_t bytes = g->layer_kv_bytes + g->layer_state_bytes;

		if (bytes == 0)
			continue;
		rows[made] = kvp__counter_alloc(&counter, KVP_MEM_CACHE, bytes, 1, err);
		if (!rows[made])
			st = err && err->status != KVP_OK ? err->status : KVP_ERR_NOMEM;
		else
			made++;
	}
	*measured = counter.peak_bytes[KVP_MEM_CACHE];
	while (made)
		kvp__counter_free(&counter, rows[--made]);
	kvp__free(rows);
	return st;
}

kvp_status kvp_validate_policy_run(const kvp_model *model,
                                   const kvp_request *request, bool pos_shift,
                                   kvp_validate_result *out, kvp_error *err)
{
	kvp_request one;
	kvp_plan *plan;
	kvp_validate_result v;
	kvp_status st;

	if (!model || !request || !out)
		return kvp__error(err, KVP_ERR_INVALID, "no model, request or result");
	one = *request;
	one.engine = KVP_ENGINE_EXACT;
	one.tp = one.pp = one.dp = 1;
	one.pp_layers_len = 0;
	if (!(plan = kvp__malloc(sizeof *plan)))
		return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
	if ((st = kvp_plan_compute(model, &one, plan, err)) != KVP_OK)
		goto done;
	memset(&v, 0, sizeof v);
	v.layout = KVP_LAYOUT_CONTIGUOUS;
	v.dtype = one.dtype_k;
	v.policy = one.policy.kind;
	v.predicted_bytes = plan->cache_total_bytes;
	if (one.policy.kind == KVP_POLICY_STREAMING || one.policy.kind == KVP_POLICY_H2O) {
		kvp__policy pol = {
			.kind = one.policy.kind == KVP_POLICY_H2O ? KVP__POLICY_H2O
			                                          : KVP__POLICY_STREAMING,
			.keep = one.policy.kind == KVP_POLICY_H2O ? one.policy.heavy
			                                          : one.policy.sink,
			.recent = one.policy.recent,
			.pos_mode = pos_shift ? KVP__POS_SHIFT : KVP__POS_ROTATE,
		};
		kvp__policy_run run;

		if (one.batch != 1) {
			st = kvp__error(err, KVP_ERR_UNSUPPORTED, "the reference's %s"
			                " cache holds one sequence: validate with batch 1",
			                kvp_policy_kind_name(one.policy.kind));
			goto done;
		}
		if (one.dtype_k != one.dtype_v) {
			st = kvp__error(err, KVP_ERR_UNSUPPORTED, "validation stores K"
			                " and V as one type");
			goto done;
		}
		if ((st = kvp__ref_policy_run(model, one.dtype_k, &pol, one.seq, &run,
		                              err)) != KVP_OK)
			goto done;
		v.measured_bytes = run.measured_bytes;
		v.ref_layers = run.ref_layers;
		v.ref_positions = run.ref_tokens;
		v.ref_batch = 1;
		v.ref_predicted_bytes = run.ref_predicted_bytes;
		v.ref_measured_bytes = run.ref_bytes_fixed ? run.ref_predicted_bytes : 0;
		v.max_abs_error = run.max_abs_error;
		v.tolerance = run.tolerance;
		v.attention_run = true;
		v.pos_shift = pos_shift;
		/* The planner's prediction, and the run's own formula: both. */
		v.passed = run.passed && run.predicted_bytes == v.predicted_bytes &&
		           v.measured_bytes == v.predicted_bytes;
	} else {
		if ((st = allocate_planned(plan, &v.measured_bytes, err)) != KVP_OK)
			goto done;
		v.passed = v.measured_bytes == v.predicted_bytes;
	}
	*out = v;
	st = kvp__error_clear(err);
done:
	kvp__free(plan);
	return st;
}
