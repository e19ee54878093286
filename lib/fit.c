/*
 * fit.c — where a cache fits: L2 (whole cache, one layer, longest context)
 * and HBM (weights + cache + reserve within the usable share), with the
 * inverse problems (longest context, largest batch) solved in closed form.
 */
#include <math.h>

#include "internal.h"

/* floor(bytes * share) for share in (0, 1], share taken at the double's
 * exact binary value (0.9 is 0.90000000000000002220..., 0.3 is
 * 0.29999999999999998889...), so the result is exactly what the formula
 * says, with no rounding of share first.  share = m * 2^-shift with m the
 * 53-bit integer significand; bytes * m < 2^117 is exact in 128 bits, and
 * shifting it right floors.  Subnormal shares come out the same way (a
 * shift of 128 or more leaves 0).  The result is at most bytes. */
static uint64_t floor_share(uint64_t bytes, double share)
{
	int exp;
	/* share = frac * 2^exp with frac in [0.5, 1): frac * 2^53 is an
	 * integer below 2^53, exactly representable, so the cast is exact. */
	uint64_t m = (uint64_t)ldexp(frexp(share, &exp), 53);
	int shift = 53 - exp; /* share <= 1, so exp <= 1 and shift >= 52 */

	if (shift >= 128)
		return 0;
	return (uint64_t)(((unsigned __int128)bytes * m) >> shift);
}

/* The weights overflow 64-bit bytes: say whose, and how many of what. */
static kvp_status weights_overflow(const kvp_model *model, kvp_dtype dtype,
                                   kvp_error *err)
{
	char label[KVP_QUOTE_MAX];

	return kvp__error(err, KVP_ERR_OVERFLOW,
	                  "weights of %s: %llu parameters as %s overflow 64-bit bytes",
	                  kvp__label(model->name, "the model", label),
	                  (unsigned long long)model->params, kvp_dtype_name(dtype));
}

void kvp_fit_options_init(kvp_fit_options *options)
{
	options->weights_dtype = KVP_DTYPE_FP16;
	options->mem_util = 0.90;
	options->reserve_bytes = 0;
}


kvp_status kvp_fit_compute(const kvp_model *model, const kvp_device *device,
                           kvp_dtype dtype, uint64_t seq, uint64_t batch,
                           const kvp_fit_options *options, kvp_fit *out,
                           kvp_error *err)
{
	kvp_fit_options defaults;
	kvp_kv_size size;
	kvp_fit fit = {0};
	uint64_t need, budget, seq_step, batch_step;
	int need_ok;
	kvp_status st;

	if (!out)
		return kvp__error(err, KVP_ERR_INVALID, "no result given");
	if ((st = kvp_device_check(device, err)) != KVP_OK)
		return st;
	if (!options) {
		kvp_fit_options_init(&defaults);
		options = &defaults;
	}
	if (!(options->mem_util > 0 && options->mem_util <= 1))
		return kvp__error(err, KVP_ERR_INVALID,
		                  "memory utilisation %g is outside (0, 1]",
		                  options->mem_util);
	if ((st = kvp_kv_size_compute(model, dtype, seq, batch, &size, err)) != KVP_OK)
		return st;
	if ((st = kvp_dtype_bytes(options->weights_dtype, model->params,
	                          &fit.weights_bytes, err)) == KVP_ERR_OVERFLOW)
		return weights_overflow(model, options->weights_dtype, err);
	if (st != KVP_OK)
		return st;

	/* The cache is linear in seq and in batch: one more token of context
	 * costs seq_step bytes, one more sequence batch_step bytes.  Both are
	 * factors of total_bytes, which did not overflow, so neither can. */
	seq_step = size.bytes_per_token * batch;
	batch_step = size.bytes_per_token * seq;

	fit.kv_total_bytes = size.total_bytes;
	fit.kv_layer_bytes = size.bytes_per_layer;
	fit.fits_l2 = size.total_bytes <= device->l2_bytes;
	fit.layer_fits_l2 = size.bytes_per_layer <= device->l2_bytes;
	fit.max_seq_l2 = device->l2_bytes / seq_step;

	/* Any share in (0, 1] is accepted, however small: a usable 0 is a
	 * true answer (nothing fits), not an error. */
	fit.usable_bytes = floor_share(device->hbm_bytes, options->mem_util);
	need_ok = kvp__add(fit.weights_bytes, options->reserve_bytes, &need);
	budget = need_ok && need <= fit.usable_bytes ? fit.usable_bytes - need : 0;
	fit.fits_hbm = need_ok && need <= fit.usable_bytes &&
	               size.total_bytes <= budget;
	fit.max_seq_hbm = budget / seq_step;
	fit.max_batch_hbm = budget / batch_step;
	*out = fit;
	return kvp__error_clear(err);
}
