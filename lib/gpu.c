/*
 * gpu.c — device profiles: the checks a device must pass before fit math.
 */
#include "internal.h"

kvp_status kvp_device_check(const kvp_device *d, kvp_error *err)
{
	char label[KVP_QUOTE_MAX];

	/* The name is made only for a message. */
#define name kvp__label(d->name, "device", label)
	if (!d)
		return kvp__error(err, KVP_ERR_INVALID, "no device given");
	if (d->hbm_bytes == 0)
		return kvp__error(err, KVP_ERR_INVALID, "%s: memory size must be non-zero", name);
	if (d->l2_bytes == 0)
		return kvp__error(err, KVP_ERR_INVALID, "%s: L2 size must be non-zero", name);
	if (d->bandwidth_gbs < 0 || d->fp16_tflops < 0)
		return kvp__error(err, KVP_ERR_INVALID,
		                  "%s: bandwidth and TFLOPS must not be negative", name);
#undef name
	return kvp__error_clear(err);
}
