/* safetensors.c — safetensors header reader (being written). */
#include "inputs.h"

kvp_status kvp_safetensors_read(const char *path, kvp_weights *weights,
                                kvp_error *err)
{
	(void)weights;
	return kvp__error_at(err, KVP_ERR_UNSUPPORTED, path, 0, 0,
	                     "safetensors reading is not built yet");
}

kvp_status kvp_safetensors_parse(const unsigned char *data, size_t length,
                                 uint64_t file_size, const char *path,
                                 kvp_weights *weights, kvp_error *err)
{
	(void)data; (void)length; (void)file_size; (void)weights;
	return kvp__error_at(err, KVP_ERR_UNSUPPORTED, path, 0, 0,
	                     "safetensors reading is not built yet");
}
