/*
 * none.c — libkvplan built without CUDA (configure found no nvcc, or was
 * given --without-cuda): the CUDA entry points exist and say so.
 */
#include "internal.h"

#define WITHOUT_CUDA "this libkvplan was built without CUDA (configure --with-cuda)"

bool kvp_cuda_built(void)
{
	return false;
}

kvp_status kvp_device_cuda(int index, kvp_device *out, uint64_t *free_bytes,
                           kvp_error *err)
{
	(void)index, (void)out, (void)free_bytes;
	return kvp__error(err, KVP_ERR_UNSUPPORTED, WITHOUT_CUDA);
}

kvp_status kvp_cuda_validate_run(const kvp_model *model, kvp_dtype dtype,
                                 uint64_t seq, uint64_t batch,
                                 kvp_layout layout, uint32_t block_size,
                                 int device, kvp_cuda_validation *out,
                                 kvp_error *err)
{
	(void)model, (void)dtype, (void)seq, (void)batch, (void)layout;
	(void)block_size, (void)device, (void)out;
	return kvp__error(err, KVP_ERR_UNSUPPORTED, WITHOUT_CUDA);
}

kvp_status kvp_cuda_boundary_run(const kvp_model *model, kvp_dtype dtype,
                                 int device, const kvp_fit_options *fit_options,
                                 bool from_free, uint32_t block_size,
                                 kvp_cuda_boundary *out, kvp_error *err)
{
	(void)model, (void)dtype, (void)device, (void)fit_options, (void)from_free;
	(void)block_size, (void)out;
	return kvp__error(err, KVP_ERR_UNSUPPORTED, WITHOUT_CUDA);
}
