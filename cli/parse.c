/*
 * parse.c — strict parsing of option values: whole numbers in a range,
 * fractions in (0, 1], element types.  Every bad value is one line on
 * stderr naming the option, and the caller exits 2.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Parses a whole decimal number in [min, max]; prints why it is not one.
 * The number is the whole text: no sign, no white space around it. */
int cli_parse_u64(const char *opt, const char *text, uint64_t min, uint64_t max,
                  uint64_t *out)
{
	char quoted[KVP_QUOTE_MAX];
	unsigned long long value;
	char *end;

	kvp_escape(text, quoted, sizeof quoted);
	if (*text == '\0') {
		fprintf(stderr, "kvplan: --%s: empty value; expected a number\n", opt);
		return 2;
	}
	if (*text == '-') {
		fprintf(stderr, "kvplan: --%s: '%s' is negative; expected a positive integer\n",
		        opt, quoted);
		return 2;
	}
	if (isspace((unsigned char)*text)) {
		fprintf(stderr, "kvplan: --%s: '%s' starts with white space; expected a number\n",
		        opt, quoted);
		return 2;
	}
	if (!isdigit((unsigned char)*text)) {
		fprintf(stderr, "kvplan: --%s: '%s' is not a number\n", opt, quoted);
		return 2;
	}
	errno = 0;
	value = strtoull(text, &end, 10);
	if (errno == ERANGE) {
		fprintf(stderr, "kvplan: --%s: '%s' overflows 64 bits (max %llu)\n", opt,
		        quoted, (unsigned long long)UINT64_MAX);
		return 2;
	}
	if (*end != '\0') {
		fprintf(stderr, "kvplan: --%s: '%s' has trailing characters after the number\n",
		        opt, quoted);
		return 2;
	}
	if (value < min) {
		fprintf(stderr, "kvplan: --%s: '%s' is too small; it must be at least %llu\n",
		        opt, quoted, (unsigned long long)min);
		return 2;
	}
	if (value > max) {
		fprintf(stderr, "kvplan: --%s: '%s' is too large; it must be at most %llu\n",
		        opt, quoted, (unsigned long long)max);
		return 2;
	}
	*out = value;
	return 0;
}

int cli_parse_word(const char *opt, const char *what, const char *text,
                   const char *const *words)
{
	char quoted[KVP_QUOTE_MAX];

	for (int i = 0; words[i]; i++)
		if (strcmp(text, words[i]) == 0)
			return i;
	fprintf(stderr, "kvplan: --%s: unknown %s '%s' (valid: ", opt, what,
	        kvp_escape(text, quoted, sizeof quoted));
	for (int i = 0; words[i]; i++)
		fprintf(stderr, "%s%s", i ? ", " : "", words[i]);
	fputs(")\n", stderr);
	return -1;
}

int cli_parse_u32(const char *opt, const char *text, uint32_t *out)
{
	uint64_t value;

	if (cli_parse_u64(opt, text, 1, UINT32_MAX, &value))
		return 2;
	*out = (uint32_t)value;
	return 0;
}

/* Whether text is a plain decimal: digits with an optional point and
 * exponent, nothing else (strtod would also take white space, a sign,
 * hexadecimal, "inf" and "nan"). */
static bool plain_decimal(const char *text)
{
	size_t digits = strspn(text, "0123456789");
	const char *p = text + digits;

	if (*p == '.') {
		size_t fraction = strspn(p + 1, "0123456789");

		digits += fraction;
		p += 1 + fraction;
	}
	if (digits == 0)
		return false;
	if (*p == 'e' || *p == 'E') {
		p += 1 + (p[1] == '+' || p[1] == '-');
		if (!isdigit((unsigned char)*p))
			return false;
		p += strspn(p, "0123456789");
	}
	return *p == '\0';
}

int cli_parse_real(const char *opt, const char *text, double max, double *out)
{
	char quoted[KVP_QUOTE_MAX];
	char *end;
	double value;

	kvp_escape(text, quoted, sizeof quoted);
	if (!plain_decimal(text)) {
		fprintf(stderr, "kvplan: --%s: '%s' is not a number\n", opt,
		        quoted);
		return 2;
	}
	errno = 0;
	value = strtod(text, &end);
	/* strtod reports ERANGE for a subnormal result too (4.9e-324): that
	 * is still a positive number.  Only a positive value that became 0
	 * is lost; one beyond the double range is infinite, past max. */
	if (errno == ERANGE && value == 0 && !signbit(value)) {
		fprintf(stderr, "kvplan: --%s: '%s' is too small for a double"
		        " (the smallest is 4.9e-324)\n", opt, quoted);
		return 2;
	}
	if (!(value > 0 && value <= max)) {
		fprintf(stderr, "kvplan: --%s: '%s' is outside (0, %g]\n", opt,
		        quoted, max);
		return 2;
	}
	*out = value;
	return 0;
}

int cli_parse_fraction(const char *opt, const char *text, double *out)
{
	return cli_parse_real(opt, text, 1, out);
}

int cli_parse_dtype(const char *opt, const char *text, kvp_dtype *out)
{
	kvp_error err;

	if (kvp_dtype_from_name(text, out, &err) != KVP_OK) {
		fprintf(stderr, "kvplan: --%s: %s\n", opt, err.message);
		return 2;
	}
	return 0;
}

int cli_parse_weights(const char *opt, const char *text, kvp_weights_format *format,
                      kvp_dtype *plain)
{
	kvp_error err;
	kvp_status st = kvp_weights_format_parse(text, format, &err);
	char quoted[KVP_QUOTE_MAX];

	if (st == KVP_OK)
		return 0;
	if (st == KVP_ERR_NOT_FOUND && kvp_dtype_from_name(text, plain, NULL) == KVP_OK &&
	    kvp_dtype_bytes(*plain, 1, &(uint64_t){0}, NULL) == KVP_OK) {
		kvp_weights_format_init(format);
		return 0;
	}
	if (st == KVP_ERR_NOT_FOUND)
		fprintf(stderr, "kvplan: --%s: unknown weights type '%s' (valid: fp32, fp16,"
		        " bf16, int8, int4-awq:gG, int4-gptq:gG, fp8, nvfp4, mxfp4,"
		        " w4a16[:gG|:channel][:asym][:actorder],"
		        " w8a16[:gG|:channel][:asym][:actorder],"
		        " w8a8[:asym], each then [:attn16|:qkv16|:o16][:shared16][:dense16][:linear16|:inproj16[=N]|:outproj16[=N]][:mtp16]"
		        " (int4-awq and int4-gptq [:lm_head] too),"
		        " or a GGUF type: q8_0, q4_0,"
		        " q4_K, q5_K, q6_K, q2_K, q3_K, iq4_xs, ...)\n", opt,
		        kvp_escape(text, quoted, sizeof quoted));
	else
		fprintf(stderr, "kvplan: --%s: %s\n", opt, err.message);
	return 2;
}

int cli_list_check(const char *opt, const char *list)
{
	char quoted[KVP_QUOTE_MAX];

	for (const char *p = list; *p; p++)
		if (*p == ',' && (p == list || p[1] == ',' || p[1] == '\0')) {
			fprintf(stderr, "kvplan: --%s: an empty name in '%s'\n", opt,
			        kvp_escape(list, quoted, sizeof quoted));
			return 2;
		}
	return 0;
}
