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
 * arithmetic on scales from overflowing. */
#define EXPONENT_MAX 100000L
/* Significant digits that a uint64_t always holds. */
#define U64_DIGITS 19

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* By hand rather than with strtod, whose decimal point follows the
 * caller's locale. */
const char *kvp__scan_decimal(const char *s, struct decimal *d)
{
	bool negative = false;

	memset(d, 0, sizeof *d);
	if (!is_digit(*s))
		return NULL;
	d->mantissa = s;
	while (is_digit(*s))
		s++;
	if (*s == '.' && is_digit(s[1])) {
		d->inexact = true;
		for (s++; is_digit(*s); s++)
			;
	}
	d->length = (size_t)(s - d->mantissa);
	if ((*s == 'e' || *s == 'E') &&
	    (is_digit(s[1]) ||
	     ((s[1] == '+' || s[1] == '-') && is_digit(s[2])))) {
		s++;
		d->inexact = true;
		if (*s == '+' || *s == '-')
			negative = *s++ == '-';
		for (; is_digit(*s); s++)
			if (d->exponent < EXPONENT_MAX)
				d->exponent = d->exponent * 10 + (*s - '0');
		if (negative)
			d->exponent = -d->exponent;
	}
	return s;
}

/* The decimal as S * 10^scale, S an integer of `count` digits from
 * `first` on (the mantissa's point skipped) with no leading or trailing
 * zero; count 0 for zero. */
struct significand {
	const char *first;
	size_t count;
	long scale;
};

static struct significand normalize(const struct decimal *d)
{
	const char *p = d->mantissa, *end = d->mantissa + d->length;
	const char *point = memchr(p, '.', d->length);
	struct significand sig = {NULL, 0, d->exponent};
	size_t digits = d->length - (point != NULL);
	long fraction = point ? (long)(end - point - 1) : 0;

	while (p < end && (*p == '0' || *p == '.')) {
		digits -= *p == '0';
		p++;
	}
	while (digits > 0 && (end[-1] == '0' || end[-1] == '.')) {
		if (end[-1] == '0') {
			digits--;
			sig.scale++;
		}
		end--;
	}
	sig.first = p;
	sig.count = digits;
	sig.scale -= fraction;
	return sig;
}

/* The next digit of a significand from *p on, skipping the point. */
static unsigned next_digit(const char **p)
{
	if (**p == '.')
		(*p)++;
	return (unsigned)(*(*p)++ - '0');
}

/* How many times f divides *n, dividing it out. */
static unsigned take_factor(uint64_t *n, uint64_t f)
{
	unsigned times = 0;

	while (*n % f == 0) {
		*n /= f;
		times++;
	}
	return times;
}

/* The value is S * unit / 10^m (m = -scale > 0, or none).  S has no
 * trailing zero, so it is not divisible by both 2 and 5: 10^m divides
 * S * unit only when 2^m or 5^m divides unit, and S supplies the rest, a
 * power of 2 or of 5, divisor below: at most 5^40 for the units read, so
 * a long division of S by it in 128 bits says whether the value is whole,
 * however many digits S has, and gives the quotient. */
kvp_status kvp__decimal_to_u64(const struct decimal *d, uint64_t unit,
                               uint64_t *out)
{
	struct significand sig = normalize(d);
	unsigned __int128 divisor = 1, rest = 0, quotient = 0;
	uint64_t unit_left = unit, value;
	unsigned twos, fives, m;
	bool too_large = false;
	const char *p;

	if (sig.count == 0 || unit == 0) {
		*out = 0;
		return KVP_OK;
	}
	twos = take_factor(&unit_left, 2);
	fives = take_factor(&unit_left, 5);
	if (sig.scale < 0) {
		if ((unsigned long)-sig.scale > (twos > fives ? twos : fives))
			return KVP_ERR_RANGE;
		m = (unsigned)-sig.scale;
		/* unit keeps what 10^m does not take of it; S gives the rest. */
		for (unsigned i = 0; i < m; i++) {
			if (i < twos)
				unit /= 2;
			else
				divisor *= 2;
			if (i < fives)
				unit /= 5;
			else
				divisor *= 5;
		}
	}
	p = sig.first;
	for (size_t i = 0; i < sig.count; i++) {
		rest = rest * 10 + next_digit(&p);
		if (!too_large) {
			quotient = quotient * 10 + rest / divisor;
			too_large = quotient > UINT64_MAX;
		}
		rest %= divisor;
	}
	if (rest != 0)
		return KVP_ERR_RANGE;
	if (too_large)
		return KVP_ERR_OVERFLOW;
	value = (uint64_t)quotient;
	for (long i = 0; i < sig.scale; i++)
		if (!kvp__mul(value, 10, &value))
			return KVP_ERR_OVERFLOW;
	if (!kvp__mul(value, unit, &value))
		return KVP_ERR_OVERFLOW;
	*out = value;
	return KVP_OK;
}

/* From the first U64_DIGITS significant digits: correctly rounded while
 * those are below 2^53 and |scale| <= 22, since both operands are then
 * exact and one IEEE operation rounds once; beyond that within a few ulps,
 * plenty for these fields. */
double kvp__decimal_to_double(const struct decimal *d)
{
	struct significand sig = normalize(d);
	size_t kept = sig.count < U64_DIGITS ? sig.count : U64_DIGITS;
	long scale = sig.scale + (long)(sig.count - kept);
	const char *p = sig.first;
	uint64_t digits = 0;

	/* Zero is zero whatever its exponent (0e400 would be 0 * inf). */
	if (sig.count == 0)
		return 0.0;
	for (size_t i = 0; i < kept; i++)
		digits = digits * 10 + next_digit(&p);
	if (scale < 0)
		return (double)digits / pow(10, (double)-scale);
	return (double)digits * pow(10, (double)scale);
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
