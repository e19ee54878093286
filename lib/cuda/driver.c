/*
 * driver.c — the NVIDIA driver's CUDA API (libcuda.so.1), opened when the
 * first CUDA entry point is called and never before: a libkvplan built
 * with CUDA makes no allocation and loads nothing at start-up (the static
 * CUDA runtime's constructors would, and crash when one fails), and runs
 * on a machine with the driver alone, without the CUDA toolkit.  cudaMalloc
 * and cudaGetDeviceProperties are this API underneath: cuMemAlloc_v2,
 * cuDeviceTotalMem_v2, cuDeviceGetAttribute.  The names looked up are the
 * versions cuda.h maps the plain names to.
 */
#include <dlfcn.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>

#include "internal.h"
#include "cuda/cuda.h"

static kvp__cu driver;
static const char *open_error;
static char open_detail[160];
static pthread_once_t once = PTHREAD_ONCE_INIT;
/* Each GPU's context and kernels are set up under it (device.c,
 * decode.c). */
static pthread_mutex_t setup = PTHREAD_MUTEX_INITIALIZER;

void kvp__cu_lock(void)
{
	pthread_mutex_lock(&setup);
}

void kvp__cu_unlock(void)
{
	pthread_mutex_unlock(&setup);
}

#define LOOK(field, name)                                                  \
	do {                                                               \
		*(void **)&driver.field = dlsym(lib, name);                \
		if (!driver.field) {                                       \
			snprintf(open_detail, sizeof open_detail,          \
			         "the NVIDIA driver has no %s", name);     \
			open_error = open_detail;                          \
			dlclose(lib);                                      \
			return;                                            \
		}                                                          \
	} while (0)

static void open_driver(void)
{
	void *lib = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
	CUresult code;

	if (!lib) {
		open_error = "no NVIDIA driver is loaded (no libcuda.so.1)";
		return;
	}
	LOOK(Init, "cuInit");
	LOOK(DriverGetVersion, "cuDriverGetVersion");
	LOOK(DeviceGetCount, "cuDeviceGetCount");
	LOOK(DeviceGet, "cuDeviceGet");
	LOOK(DeviceGetName, "cuDeviceGetName");
	LOOK(DeviceTotalMem, "cuDeviceTotalMem_v2");
	LOOK(DeviceGetAttribute, "cuDeviceGetAttribute");
	LOOK(DevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain");
	LOOK(CtxSetCurrent, "cuCtxSetCurrent");
	LOOK(CtxGetDevice, "cuCtxGetDevice");
	LOOK(MemGetInfo, "cuMemGetInfo_v2");
	LOOK(MemAlloc, "cuMemAlloc_v2");
	LOOK(MemFree, "cuMemFree_v2");
	LOOK(MemcpyHtoD, "cuMemcpyHtoD_v2");
	LOOK(MemcpyDtoH, "cuMemcpyDtoH_v2");
	LOOK(ModuleLoadData, "cuModuleLoadData");
	LOOK(ModuleGetFunction, "cuModuleGetFunction");
	LOOK(ModuleUnload, "cuModuleUnload");
	LOOK(LaunchKernel, "cuLaunchKernel");
	LOOK(GetErrorString, "cuGetErrorString");
	code = driver.Init(0);
	if (code == CUDA_ERROR_NO_DEVICE) {
		open_error = "the driver sees none";
	} else if (code != CUDA_SUCCESS) {
		const char *text = NULL;

		if (driver.GetErrorString(code, &text) != CUDA_SUCCESS || !text)
			text = "unknown CUDA error";
		snprintf(open_detail, sizeof open_detail, "the driver did not start: %s"
		         " (CUDA error %d)", text, (int)code);
		open_error = open_detail;
	} else {
		driver.ready = 1;
	}
}

const kvp__cu *kvp__cu_open(kvp_error *err)
{
	pthread_once(&once, open_driver);
	if (!driver.ready) {
		kvp__error(err, KVP_ERR_UNSUPPORTED, "no CUDA GPU: %s",
		           open_error ? open_error : "the driver did not start");
		return NULL;
	}
	return &driver;
}

kvp_status kvp__cu_fail(kvp_error *err, CUresult code, const char *what)
{
	const char *text = NULL;
	/* What the platform cannot do, a fault of the GPU's included; an
	 * argument the driver refuses is kvplan's mistake, INVALID. */
	kvp_status st = KVP_ERR_UNSUPPORTED;

	switch (code) {
	case CUDA_ERROR_OUT_OF_MEMORY:
		st = KVP_ERR_NOMEM;
		break;
	case CUDA_ERROR_INVALID_VALUE:
	case CUDA_ERROR_INVALID_HANDLE:
	case CUDA_ERROR_INVALID_CONTEXT:
		st = KVP_ERR_INVALID;
		break;
	default:
		break;
	}
	if (!driver.GetErrorString || driver.GetErrorString(code, &text) != CUDA_SUCCESS ||
	    !text)
		text = "unknown CUDA error";
	return kvp__error(err, st, "%s: %s (CUDA error %d)", what, text, (int)code);
}
