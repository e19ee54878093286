/*
 * number.h — decimal numbers as written in profile files, scanned by hand
 * (never with the locale's strtod) and turned into exact integers or doubles.
 */
#ifndef KVPLAN_NUMBER_H
#define KVPLAN_NUMBER_H

#include <stdbool.h>
#include <stdint.h>

#include "kvplan.h"

/* A decimal as written: digits * 10^scale. */
struct decimal {
	uint64_t digits;
	long scale;
	bool lost;     /* a non-zero digit did not fit in 64 bits */
	bool inexact;  /* written with a point or an exponent */
};

/* Reads [0-9]+(.[0-9]+)?([eE][+-]?[0-9]+)? from s.  Returns the first
 * character after it, or NULL when s does not start with one. */
const char *kvp__scan_decimal(const char *s, struct decimal *d);
/* The whole number d * unit stands for, exactly.  KVP_ERR_OVERFLOW when it
 * does not fit in 64 bits, KVP_ERR_RANGE when it is not whole. */
kvp_status kvp__decimal_to_u64(struct decimal d, uint64_t unit, uint64_t *out);
/* The double nearest d (correctly rounded for short decimals). */
double kvp__decimal_to_double(struct decimal d);
/* The bytes in one unit named name (B, KiB, ..., TB), or 0 if none is. */
uint64_t kvp__unit_bytes(const char *name);

#endif
