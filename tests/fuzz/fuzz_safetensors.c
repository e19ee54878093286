/*
 * fuzz_safetensors.c — libFuzzer harness of kvp_safetensors_parse: the
 * input is a whole safetensors file (file_size = its length).  Beyond the
 * sanitizers it checks that a success counts no more tensor bytes than the
 * file holds after its header, and that a failure adds nothing.
 */
#include <stdint.h>

#include "kvplan.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	kvp_weights weights;
	kvp_error err;
	kvp_status status;
	uint64_t types_bytes = 0;

	kvp_weights_init(&weights);
	status = kvp_safetensors_parse(data, size, size, "fuzz", &weights, &err);
	fuzz_check_error(status, &err);
	if (status != KVP_OK) {
		if (weights.files || weights.tensors || weights.n_types)
			__builtin_trap();
		return 0;
	}
	for (size_t i = 0; i < weights.n_types; i++)
		types_bytes += weights.types[i].bytes;
	if (weights.files != 1 || size < 8 || weights.bytes > size - 8 ||
	    types_bytes != weights.bytes)
		__builtin_trap();
	return 0;
}
