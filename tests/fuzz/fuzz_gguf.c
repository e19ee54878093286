/*
 * fuzz_gguf.c — libFuzzer harness of kvp_gguf_parse: the input is a whole
 * GGUF file in memory.
 */
#include "kvplan.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	kvp_model model;
	kvp_source source;
	kvp_weights weights;
	kvp_error err;

	kvp_weights_init(&weights);
	fuzz_check_error(kvp_gguf_parse(data, size, "fuzz", &model, &source,
	                                &weights, &err), &err);
	return 0;
}
