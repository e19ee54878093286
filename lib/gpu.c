/*
 * gpu.c — device profiles: the checks a device must pass before fit math.
 */
#include <inttypes.h>
#include <string.h>

#include "internal.h"

/* The digits of sm_NN[N] (a compute capability's major and minor, as
 * nvcc writes it: sm_90 for 9.0, sm_120 for 12.0), with an optional a or
 * f suffix (sm_90a, sm_100f), the number they make; 0 when arch is not
 * that. */
static uint32_t sm_digits(const char *arch)
{
	uint32_t n = 0;
	size_t i;

	if (strncmp(arch, "sm_", 3) != 0 || arch[3] < '1' || arch[3] > '9')
		return 0;
	for (i = 3; i < 6 && arch[i] >= '0' && arch[i] <= '9'; i++)
		n = n * 10 + (uint32_t)(arch[i] - '0');
	/* Two or three digits, then the end or one suffix letter. */
	if (i < 5)
		return 0;
	if (arch[i] == 'a' || arch[i] == 'f')
		i++;
	return arch[i] == '\0' ? n : 0;
}

/* gfx and three or four of an AMD target's digits and letters (LLVM's
 * AMDGPU processors: gfx90a, gfx942, gfx950, gfx1100). */
static bool gfx_target(const char *arch)
{
	size_t n = 0;

	if (strncmp(arch, "gfx", 3) != 0 || arch[3] < '1' || arch[3] > '9')
		return false;
	for (arch += 3; arch[n]; n++)
		if (!((arch[n] >= '0' && arch[n] <= '9') || (arch[n] >= 'a' && arch[n] <= 'f')))
			return false;
	return n == 3 || n == 4;
}

bool kvp__arch_valid(const char *arch)
{
	return !arch[0] || sm_digits(arch) || gfx_target(arch);
}

/* The interconnects a profile may name (kvp_device link), each compared
 * with its terminator, so a valid one is terminated within its first
 * seven bytes; a check in the planner's inner loop (each fit). */
bool kvp__link_valid(const char *link)
{
	return !link[0] || memcmp(link, "pcie", 5) == 0 || memcmp(link, "nvlink", 7) == 0 ||
	       memcmp(link, "xgmi", 5) == 0;
}

uint32_t kvp__device_sm(const kvp_device *d)
{
	return sm_digits(d->arch);
}

bool kvp__device_amd(const kvp_device *d)
{
	return gfx_target(d->arch);
}

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
	if (d->cuda_bytes > d->hbm_bytes || d->smi_bytes > d->hbm_bytes)
		return kvp__error(err, KVP_ERR_INVALID,
		                  "%s: the memory CUDA or nvidia-smi reports (%" PRIu64
		                  " B) is more than the memory (%" PRIu64 " B)",
		                  name, d->cuda_bytes > d->hbm_bytes ? d->cuda_bytes
		                                                     : d->smi_bytes,
		                  d->hbm_bytes);
	if (d->bandwidth_gbs < 0 || d->fp16_tflops < 0)
		return kvp__error(err, KVP_ERR_INVALID,
		                  "%s: bandwidth and TFLOPS must not be negative", name);
	if (!memchr(d->arch, '\0', sizeof d->arch))
		return kvp__error(err, KVP_ERR_INVALID, "%s: arch is not a terminated string",
		                  name);
	if (!kvp__arch_valid(d->arch)) {
		char arch[KVP_QUOTE_MAX];

		return kvp__error(err, KVP_ERR_INVALID,
		                  "%s: arch '%s' is neither sm_ and a compute capability's"
		                  " digits (sm_90 for 9.0) nor an AMD gfx target (gfx942)",
		                  name, kvp_escape(d->arch, arch, sizeof arch));
	}
	if (!kvp__link_valid(d->link)) {
		char link[KVP_QUOTE_MAX];

		if (!memchr(d->link, '\0', sizeof d->link))
			return kvp__error(err, KVP_ERR_INVALID,
			                  "%s: interconnect is not a terminated string", name);
		return kvp__error(err, KVP_ERR_INVALID,
		                  "%s: interconnect '%s' is none of pcie, nvlink and xgmi",
		                  name, kvp_escape(d->link, link, sizeof link));
	}
#undef name
	return kvp__error_clear(err);
}
