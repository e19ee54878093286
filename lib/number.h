/*
 * number.h — decimal numbers as written in profile files, scanned by hand
 * (never with the locale's strtod) and turned into exact integers or doubles.
 */
#ifndef KVPLAN_NUMBER_H
#define KVPLAN_NUMBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kvplan.h"

/* A decimal as written: a mantissa of digits with at most one '.' between
 * two of them, times 10^exponent.  It points into the scanned text. */
struct decimal {
	const char *mantissa;
	size_t length;   /* characters of the mantissa */
	long exponent;   /* as written after e or E, capped at +-100000 */
	bool inexact;    /* written with a point or an exponent */
};

/* Reads [0-9]+(.[0-9]+)?([eE][+-]?[0-9]+)? from s.  Returns the first
 * character after it, or NULL when s does not start with one. */
const char *kvp__scan_decimal(const char *s, struct decimal *d);
/* The whole number d * unit stands for, exactly, however many digits d is
 * written with: KVP_ERR_RANGE when it is not whole, else KVP_ERR_OVERFLOW
 * when it is 2^64 or more. */
kvp_status kvp__decimal_to_u64(const struct decimal *d, uint64_t unit,
                               uint64_t *out);
/* The double nearest d (correctly rounded for short decimals). */
double kvp__decimal_to_double(const struct decimal *d);
/* The bytes in one unit named name (B, KiB, ..., TB), or 0 if none is. */
uint64_t kvp__unit_bytes(const char *name);

#endif
