/*
 * fuzz_config.c — libFuzzer harness of kvp_config_parse: the input is a
 * config.json's text, copied so that it ends in a NUL as a file read whole
 * does (libFuzzer's buffer ends exactly at size, which ASan guards).
 */
#include <stdlib.h>
#include <string.h>

#include "kvplan.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *text = malloc(size + 1);
	kvp_model model;
	kvp_source source;
	kvp_error err;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	fuzz_check_error(kvp_config_parse(text, size, "fuzz", &model, &source,
	                                  &err), &err);
	free(text);
	return 0;
}
