/*
 * fit.c — where a cache fits: L2 (whole cache, one layer, longest context)
 * and HBM (weights + cache + reserve within the usable share), with the
 * inverse problems (longest context, largest batch) solved in closed form.
 */
#include <math.h>

#include "internal.h"

/* mem_util as parts per million, so floor(hbm * mem_util) is exact for any
 * utilisation written with up to six decimals (0.9 is not exact in binary). */
#define PPM 1000000u

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
	uint64_t ppm, need, budget, seq_step, batch_step;
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
	ppm = (uint64_t)llround(options->mem_util * PPM);
	if (ppm == 0)
		return kvp__error(err, KVP_ERR_INVALID,
		                  "memory utilisation %g rounds to zero",
		                  options->mem_util);
	if ((st = kvp_kv_size_compute(model, dtype, seq, batch, &size, err)) != KVP_OK)
		return st;
	if ((st = kvp_dtype_bytes(options->weights_dtype, model->params,
	                          &fit.weights_bytes, err)) != KVP_OK)
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

	fit.usable_bytes = (uint64_t)((unsigned __int128)device->hbm_bytes * ppm / PPM);
	need_ok = kvp__add(fit.weights_bytes, options->reserve_bytes, &need);
	budget = need_ok && need <= fit.usable_bytes ? fit.usable_bytes - need : 0;
	fit.fits_hbm = need_ok && need <= fit.usable_bytes &&
	               size.total_bytes <= budget;
	fit.max_seq_hbm = budget / seq_step;
	fit.max_batch_hbm = budget / batch_step;
	*out = fit;
	return kvp__error_clear(err);
}
