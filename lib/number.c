/*
 * number.c — decimals as written in profile files: scanned by hand, so the
 * decimal point is '.' whatever the locale, and converted exactly.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"
#include "number.h"

/* Exponents beyond this are out of any range we read; capping keeps the
 * arithmetic on scale from overflowing. */
#define EXPONENT_MAX 100000L

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* By hand rather than with strtod, whose decimal point follows the
 * caller's locale. */
const char *kvp__scan_decimal(const char *s, struct decimal *d)
{
	bool fraction = false;
	long exponent = 0;
	bool exponent_negative = false;
	uint64_t next;

	memset(d, 0, sizeof *d);
	if (!is_digit(*s))
		return NULL;
	for (;; s++) {
		if (*s == '.' && !fraction && is_digit(s[1])) {
			fraction = true;
			d->inexact = true;
			continue;
		}
		if (!is_digit(*s))
			break;
		if (kvp__mul(d->digits, 10, &next) &&
		    kvp__add(next, (uint64_t)(*s - '0'), &next)) {
			d->digits = next;
			if (fraction)
				d->scale--;
		} else {
			/* Past 64 bits: keep the magnitude, note lost precision. */
			if (*s != '0')
				d->lost = true;
			if (!fraction)
				d->scale++;
		}
	}
	if ((*s == 'e' || *s == 'E') &&
	    (is_digit(s[1]) ||
	     ((s[1] == '+' || s[1] == '-') && is_digit(s[2])))) {
		s++;
		d->inexact = true;
		if (*s == '+' || *s == '-')
			exponent_negative = *s++ == '-';
		for (; is_digit(*s); s++)
			if (exponent < EXPONENT_MAX)
				exponent = exponent * 10 + (*s - '0');
		d->scale += exponent_negative ? -exponent : exponent;
	}
	return s;
}

kvp_status kvp__decimal_to_u64(struct decimal d, uint64_t unit, uint64_t *out)
{
	uint64_t value;

	if (d.lost)
		return KVP_ERR_OVERFLOW;
	if (d.digits == 0) {
		*out = 0;
		return KVP_OK;
	}
	while (d.scale < 0 && d.digits % 10 == 0) {
		d.digits /= 10;
		d.scale++;
	}
	value = d.digits;
	for (; d.scale > 0; d.scale--)
		if (!kvp__mul(value, 10, &value))
			return KVP_ERR_OVERFLOW;
	if (!kvp__mul(value, unit, &value))
		return KVP_ERR_OVERFLOW;
	for (; d.scale < 0; d.scale++) {
		if (value % 10 != 0)
			return KVP_ERR_RANGE;
		value /= 10;
	}
	*out = value;
	return KVP_OK;
}

/* Correctly rounded while digits < 2^53 and |scale| <= 22, since both
 * operands are then exact and one IEEE operation rounds once; beyond that
 * within a few ulps, plenty for these fields. */
double kvp__decimal_to_double(struct decimal d)
{
	if (d.scale < 0)
		return (double)d.digits / pow(10, (double)-d.scale);
	return (double)d.digits * pow(10, (double)d.scale);
}

static const struct unit {
	const char *name;
	uint64_t bytes;
} units[] = {
	{"B", 1},
	{"KiB", UINT64_C(1) << 10},
	{"MiB", UINT64_C(1) << 20},
	{"GiB", UINT64_C(1) << 30},
	{"TiB", UINT64_C(1) << 40},
	{"KB", UINT64_C(1000)},
	{"MB", UINT64_C(1000000)},
	{"GB", UINT64_C(1000000000)},
	{"TB", UINT64_C(1000000000000)},
};

uint64_t kvp__unit_bytes(const char *name)
{
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
		if (strcmp(name, units[i].name) == 0)
			return units[i].bytes;
	return 0;
}
