/*
 * catalog_fixture.h — a shipped catalogue model (data/models/NAME.yaml)
 * for the unit tests, failing the test where the library refuses it.
 * Include after cmocka.h; the test is built with KVP_TEST_DATADIR.
 */
#ifndef KVPLAN_CATALOG_FIXTURE_H
#define KVPLAN_CATALOG_FIXTURE_H

#include <stdio.h>

#include "kvplan.h"

static inline kvp_model catalog_model(const char *name)
{
	char path[512];
	kvp_model m;
	kvp_error err;

	snprintf(path, sizeof path, "%s/models/%s.yaml", KVP_TEST_DATADIR, name);
	if (kvp_model_load_file(path, &m, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return m;
}

/* The weights estimate of catalogue model name in format (its 16-bit
 * parts bf16), failing the test where the library refuses it. */
static inline kvp_weights_estimate catalog_estimate(const char *name, const char *format)
{
	kvp_model m = catalog_model(name);
	kvp_weights_format f;
	kvp_weights_estimate e;
	kvp_error err;

	if (kvp_weights_format_parse(format, &f, &err) != KVP_OK ||
	    kvp_weights_estimate_compute(&m, &f, KVP_DTYPE_BF16, &e, &err) != KVP_OK)
		fail_msg("%s as %s: %s", name, format, err.message);
	return e;
}

#endif
