/* gguf.c — GGUF header reader (being written). */
#include "inputs.h"

kvp_status kvp_gguf_read(const char *path, kvp_model *model,
                         kvp_source *source, kvp_weights *weights,
                         kvp_error *err)
{
	(void)model; (void)source; (void)weights;
	return kvp__error_at(err, KVP_ERR_UNSUPPORTED, path, 0, 0,
	                     "GGUF reading is not built yet");
}

kvp_status kvp_gguf_parse(const unsigned char *data, size_t length,
                          const char *path, kvp_model *model,
                          kvp_source *source, kvp_weights *weights,
                          kvp_error *err)
{
	(void)data; (void)length; (void)model; (void)source; (void)weights;
	return kvp__error_at(err, KVP_ERR_UNSUPPORTED, path, 0, 0,
	                     "GGUF reading is not built yet");
}
