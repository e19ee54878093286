/*
 * checks.h — assertions more than one unit test makes, as static inline
 * functions (a test that does not use one is not warned): a plan that
 * must fail with exactly a message, a plan's bytes at a length, and the
 * largest difference of two float arrays.  Include after cmocka.h.
 */
#ifndef KVPLAN_TEST_CHECKS_H
#define KVPLAN_TEST_CHECKS_H

#include <math.h>
#include <stdint.h>

#include "kvplan.h"

/* kvp_plan_compute that must fail with status and exactly message. */
static inline void plan_fails(const kvp_model *m, const kvp_request *r,
                              kvp_status status, const char *message)
{
	kvp_plan p;
	kvp_error err;

	assert_int_equal(kvp_plan_compute(m, r, &p, &err), status);
	assert_int_equal(err.status, status);
	assert_string_equal(err.message, message);
}

static inline uint64_t bytes_at(const kvp_plan *p, uint64_t seq, uint64_t batch)
{
	uint64_t bytes = 0;
	kvp_error err;

	assert_int_equal(kvp_plan_bytes_at(p, seq, batch, &bytes, &err), KVP_OK);
	return bytes;
}

/* The largest |a[i] - b[i]|, none of them NaN. */
static inline double max_diff(const float *a, const float *b, uint64_t n)
{
	double max = 0;

	for (uint64_t i = 0; i < n; i++) {
		double d = fabs((double)a[i] - (double)b[i]);

		assert_false(isnan(d));
		if (d > max)
			max = d;
	}
	return max;
}

#endif
