/*
 * advise.c — what would make a request fit a device: the longest context
 * at its batch, the largest batch at its context, the widest cache type
 * that fits, and the fewest GPUs.  Each answer is exact at its boundary:
 * it fits, and one more token, sequence or GPU step does not (or one
 * fewer GPU does not).
 */
#include "engine.h"
#include "internal.h"

/* Cache types from the widest down: the first that fits loses the least. */
static const kvp_dtype widest_first[] = {
	KVP_DTYPE_FP32, KVP_DTYPE_FP16, KVP_DTYPE_Q8_0, KVP_DTYPE_FP8,
	KVP_DTYPE_Q5_1, KVP_DTYPE_Q5_0, KVP_DTYPE_Q4_1, KVP_DTYPE_Q4_0,
};

/* Whether model fits device under request r; errors other than a shape
 * the request cannot take (a block type on an odd row, a tensor-parallel
 * degree the heads refuse) are returned. */
static kvp_status fits(const kvp_model *m, const kvp_request *r, const kvp_device *d,
                       kvp_plan *scratch, bool *ok, kvp_error *err)
{
	kvp_fit fit;
	kvp_error local;
	kvp_status st;

	*ok = false;
	/* One call: planning again to get the message would take a failed
	 * allocation for "does not fit" when the second call succeeds. */
	st = kvp_plan_compute(m, r, scratch, &local);
	if (st == KVP_ERR_SHAPE || st == KVP_ERR_OVERFLOW)
		return KVP_OK;
	if (st != KVP_OK) {
		if (err)
			*err = local;
		return st;
	}
	if ((st = kvp_plan_fit(scratch, d, &fit, err)) != KVP_OK)
		return st == KVP_ERR_OVERFLOW ? KVP_OK : st;
	*ok = fit.fits_hbm;
	return KVP_OK;
}

kvp_status kvp_advise(const kvp_model *model, const kvp_request *request,
                      const kvp_device *device, kvp_advice *out, kvp_error *err)
{
	kvp_advice a = {0};
	kvp_plan *plan;
	kvp_fit fit;
	uint64_t check[KVP_PP_MAX];
	kvp_request r, here;
	const kvp_request *asked;
	kvp_status st;
	bool ok;

	if (!model || !request || !device || !out)
		return kvp__error(err, KVP_ERR_INVALID, "no model, request or device given");
	/* Every answer for the engine as it runs on this device, each trial
	 * settled again from the request as asked: an MLA model's block
	 * follows the cache type (vLLM's FLASHMLA takes fp8 in blocks of 64
	 * on an H100, FLASH_ATTN_MLA 16-bit in 16s). */
	asked = request;
	here = *request;
	kvp_request_for_device(&here, model, device);
	request = &here;
	plan = kvp__malloc(sizeof *plan);
	if (!plan)
		return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
	if ((st = kvp_plan_compute(model, request, plan, err)) != KVP_OK ||
	    (st = kvp_plan_fit(plan, device, &fit, err)) != KVP_OK)
		goto done;
	a.fits = fit.fits_hbm;
	a.budget_bytes = fit.budget_bytes;
	/* The stage furthest over its own budget, less what the engine's
	 * check holds back. */
	kvp__check_budgets(plan, fit.stage_budget, check);
	for (uint32_t s = 0; s < plan->stages; s++)
		if (plan->stage_bytes[s] > check[s] &&
		    plan->stage_bytes[s] - check[s] > a.short_bytes) {
			a.short_bytes = plan->stage_bytes[s] - check[s];
			a.short_stage = s;
		}
	a.max_seq = fit.max_seq_hbm;
	a.max_seq_unbounded = fit.max_seq_hbm_unbounded;
	a.max_batch = fit.max_batch_hbm;
	/* The widest cache type that fits, K and V alike. */
	for (size_t i = 0; i < sizeof widest_first / sizeof widest_first[0]; i++) {
		kvp_dtype tried = widest_first[i];

		r = *asked;
		r.dtype_k = r.dtype_v = tried;
		/* Only the types the engine has (llama.cpp quantizes V only
		 * with flash attention). */
		if (!kvp__engine_has_dtype(r.engine, r.dtype_k) ||
		    !kvp__engine_model_dtype(model, &r) ||
		    (r.engine == KVP_ENGINE_LLAMA_CPP && r.flash_attn_off &&
		     kvp_dtype_block_values(r.dtype_v) > 1))
			continue;
		kvp_request_for_device(&r, model, device);
		/* A 16-bit type the engine narrows on this device (SGLang's
		 * auto, fp16 here, is fp8 for DeepSeek DSA from SM100): its 16
		 * bits asked as bf16, which it keeps. */
		if (tried == KVP_DTYPE_FP16 && r.dtype_k != KVP_DTYPE_FP16 &&
		    kvp__engine_has_dtype(r.engine, KVP_DTYPE_BF16)) {
			r = *asked;
			r.dtype_k = r.dtype_v = tried = KVP_DTYPE_BF16;
			kvp_request_for_device(&r, model, device);
		}
		if ((st = fits(model, &r, device, plan, &ok, err)) != KVP_OK)
			goto done;
		if (ok) {
			a.dtype_found = true;
			a.dtype = tried;
			break;
		}
	}
	/* The fewest tensor-parallel GPUs (each stage of the request's
	 * pipeline): every degree the heads allow, smallest first.  Those
	 * are the divisors of the heads: d up to the square root, then
	 * heads / d for those d back down, so that heads near 2^32 take
	 * 2^16 steps, not 2^32 (fuzz_profile hung on 40,080,000 heads).
	 * Under SGLang's data-parallel attention the heads bound the
	 * attention's tp, tp / dp: tp is dp times each of them.  A model
	 * without attention splits its mixers: a Mamba-2's heads, a
	 * Mamba-1's inner channels (vLLM's divide(), lib/sizing.c). */
	{
		uint64_t heads = model->heads ? model->heads
		                 : model->ssm_heads ? model->ssm_heads : model->ssm_inner;
		uint64_t root = 0;
		uint64_t times = kvp__sglang_dp_attention(asked) ? asked->dp : 1;

		while ((root + 1) * (root + 1) <= heads)
			root++;
		for (uint64_t i = 0; i < 2 * root && !a.min_tp; i++) {
			uint64_t d = i < root ? i + 1 : 2 * root - i, tp;

			if (heads % d != 0)
				continue;
			tp = i < root ? d : heads / d;
			if (i >= root && tp == d)
				continue; /* the root, tried already */
			/* heads and dp are under 2^32 */
			tp *= times;
			if (tp > UINT32_MAX)
				break;
			r = *asked;
			r.tp = (uint32_t)tp;
			/* vLLM's decode context parallelism allows some tp
			 * alone (kvp__dcp_check), and a recurrent state some
			 * (kvp__state_split_check: Falcon-H1-34B's 2 groups
			 * not tp 4 under vLLM): the others are skipped. */
			if (kvp__dcp_check(model, &r, r.tp, "", NULL) != KVP_OK ||
			    kvp__state_split_check(model, &r, r.tp, "", NULL) != KVP_OK)
				continue;
			kvp_request_for_device(&r, model, device);
			if ((st = fits(model, &r, device, plan, &ok, err)) != KVP_OK)
				goto done;
			if (ok) {
				a.min_tp = r.tp;
				a.min_gpus = tp * (r.pp ? r.pp : 1);
				/* vLLM's replicas share a mixture of experts'
				 * routed experts (lib/fit.c): one replica
				 * alone does not hold the model. */
				if (kvp__experts_over_dp(plan) &&
				    !kvp__mul(a.min_gpus, r.dp, &a.min_gpus))
					a.min_gpus = UINT64_MAX;
			}
		}
	}
	st = kvp__error_clear(err);
done:
	kvp__free(plan);
	if (st == KVP_OK)
		*out = a;
	return st;
}
