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

#endif
