/*
 * device.c — a CUDA GPU as a kvplan device, read through the NVIDIA
 * driver's API (lib/cuda/driver.c): what cudaGetDeviceProperties and
 * cudaMemGetInfo report, from the calls they make.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"
#include "cuda/cuda.h"

/* Each GPU's primary context, retained once and kept for the process. */
#define MAX_GPUS 64
static CUcontext contexts[MAX_GPUS];

bool kvp_cuda_built(void)
{
	return true;
}

kvp_status kvp__cuda_select(int index, kvp_error *err)
{
	const kvp__cu *cu = kvp__cu_open(err);
	char seen[48] = "cuda:0";
	CUdevice device;
	CUresult code;
	int count = 0;

	if (!cu)
		return KVP_ERR_UNSUPPORTED;
	if ((code = cu->DeviceGetCount(&count)) != CUDA_SUCCESS)
		return kvp__cu_fail(err, code, "no CUDA GPU");
	if (count == 0)
		return kvp__error(err, KVP_ERR_UNSUPPORTED, "no CUDA GPU: the driver sees none");
	if (index < 0 || index >= count) {
		if (count > 1)
			snprintf(seen, sizeof seen, "cuda:0 to cuda:%d", count - 1);
		return kvp__error(err, KVP_ERR_NOT_FOUND,
		                  "no CUDA GPU %d: the driver sees %d (%s)", index, count, seen);
	}
	if (index >= MAX_GPUS)
		return kvp__error(err, KVP_ERR_UNSUPPORTED, "CUDA GPU %d: kvplan takes the"
		                  " first %d GPUs", index, MAX_GPUS);
	/* Retained once, whichever thread comes first, and kept. */
	kvp__cu_lock();
	if ((code = cu->DeviceGet(&device, index)) == CUDA_SUCCESS && !contexts[index])
		code = cu->DevicePrimaryCtxRetain(&contexts[index], device);
	if (code == CUDA_SUCCESS)
		code = cu->CtxSetCurrent(contexts[index]);
	kvp__cu_unlock();
	if (code != CUDA_SUCCESS)
		return kvp__cu_fail(err, code, "opening the CUDA GPU");
	return KVP_OK;
}

kvp_status kvp_device_cuda(int index, kvp_device *out, uint64_t *free_bytes,
                           kvp_error *err)
{
	const kvp__cu *cu;
	kvp_device device;
	CUdevice handle;
	char name[256];
	size_t free_now = 0, total = 0, global = 0;
	int clock_khz = 0, bus_bits = 0, l2 = 0, major = 0, minor = 0;
	CUresult code;
	kvp_status st;

	if (!out)
		return kvp__error(err, KVP_ERR_INVALID, "no device given");
	if ((st = kvp__cuda_select(index, err)) != KVP_OK)
		return st;
	cu = kvp__cu_open(err);
	if ((code = cu->DeviceGet(&handle, index)) != CUDA_SUCCESS ||
	    (code = cu->DeviceGetName(name, (int)sizeof name, handle)) != CUDA_SUCCESS ||
	    (code = cu->DeviceTotalMem(&global, handle)) != CUDA_SUCCESS ||
	    (code = cu->DeviceGetAttribute(&l2, CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE,
	                                   handle)) != CUDA_SUCCESS ||
	    (code = cu->DeviceGetAttribute(&clock_khz, CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE,
	                                   handle)) != CUDA_SUCCESS ||
	    (code = cu->DeviceGetAttribute(&bus_bits,
	                                   CU_DEVICE_ATTRIBUTE_GLOBAL_MEMORY_BUS_WIDTH,
	                                   handle)) != CUDA_SUCCESS ||
	    (code = cu->DeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR,
	                                   handle)) != CUDA_SUCCESS ||
	    (code = cu->DeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR,
	                                   handle)) != CUDA_SUCCESS)
		return kvp__cu_fail(err, code, "reading the CUDA GPU's properties");
	if ((code = cu->MemGetInfo(&free_now, &total)) != CUDA_SUCCESS)
		return kvp__cu_fail(err, code, "reading the CUDA GPU's free memory");
	memset(&device, 0, sizeof device);
	snprintf(device.name, sizeof device.name, "cuda:%d", index);
	name[sizeof name - 1] = '\0';
	snprintf(device.description, sizeof device.description, "%.100s (CUDA GPU %d)",
	         name, index);
	device.hbm_bytes = global;
	device.cuda_bytes = global;
	device.l2_bytes = l2 > 0 ? (uint64_t)l2 : 0;
	/* kHz, and bits: 2 transfers a clock, 8 bits a byte, 10^9 bytes. */
	device.bandwidth_gbs = 2.0 * clock_khz * 1e3 * (bus_bits / 8.0) / 1e9;
	snprintf(device.arch, sizeof device.arch, "sm_%d%d", major, minor);
	if ((st = kvp_device_check(&device, err)) != KVP_OK)
		return st;
	*out = device;
	if (free_bytes)
		*free_bytes = free_now;
	return kvp__error_clear(err);
}
