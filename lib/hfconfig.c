/* hfconfig.c — HuggingFace config.json reader (being written). */
#include "inputs.h"

kvp_status kvp_config_read(const char *path, kvp_model *model,
                           kvp_source *source, kvp_weights *weights,
                           kvp_error *err)
{
	(void)model; (void)source; (void)weights;
	return kvp__error_at(err, KVP_ERR_UNSUPPORTED, path, 0, 0,
	                     "config.json reading is not built yet");
}

kvp_status kvp_config_parse(const char *text, size_t length, const char *path,
                            kvp_model *model, kvp_source *source,
                            kvp_error *err)
{
	(void)text; (void)length; (void)model; (void)source;
	return kvp__error_at(err, KVP_ERR_UNSUPPORTED, path, 0, 0,
	                     "config.json reading is not built yet");
}
