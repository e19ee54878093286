/*
 * json.c — a small streaming JSON writer for kvplan's output.  It writes
 * unsigned 64-bit integers exactly (a general JSON library stores integers
 * as signed 64-bit and cannot), and allocates nothing, so a document is
 * either written whole or the stream's error flag says it was not.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json.h"

void json_writer_init(struct json_writer *w, FILE *out)
{
	memset(w, 0, sizeof *w);
	w->out = out;
	w->first[0] = true;
}

/* The length of the well-formed UTF-8 sequence at s (RFC 3629: no
 * overlong form, no surrogate, nothing past U+10FFFF), or 0. */
static size_t utf8_length(const unsigned char *s)
{
	size_t n;
	unsigned lo = 0x80, hi = 0xbf;

	if (*s < 0x80)
		return 1;
	if (*s >= 0xc2 && *s <= 0xdf)
		n = 2;
	else if (*s >= 0xe0 && *s <= 0xef)
		n = 3;
	else if (*s >= 0xf0 && *s <= 0xf4)
		n = 4;
	else
		return 0;
	if (*s == 0xe0)
		lo = 0xa0;
	else if (*s == 0xed)
		hi = 0x9f;
	else if (*s == 0xf0)
		lo = 0x90;
	else if (*s == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return n;
}

/* A string as JSON wants it: quotes, backslashes, control characters and
 * DEL escaped, well-formed UTF-8 kept as it is.  Names and descriptions
 * are checked or escaped by the library, but a path is the user's bytes:
 * a byte that is no part of well-formed UTF-8 is written as U+FFFD, the
 * replacement character, so that the document stays JSON (RFC 8259 8.1). */
static void write_string(FILE *out, const char *text)
{
	static const char short_escape[] = "btn\0fr";

	fputc('"', out);
	for (const unsigned char *s = (const unsigned char *)text; *s;) {
		size_t n = utf8_length(s);

		if (n == 0) {
			fputs("\\ufffd", out);
			s++;
			continue;
		}
		if (*s == '"' || *s == '\\')
			fprintf(out, "\\%c", *s);
		else if (*s >= '\b' && *s <= '\r' && short_escape[*s - '\b'])
			fprintf(out, "\\%c", short_escape[*s - '\b']);
		else if (*s < 0x20 || *s == 0x7f)
			fprintf(out, "\\u%04x", *s);
		else
			fwrite(s, 1, n, out);
		s += n;
	}
	fputc('"', out);
}

/* The separator, indentation and key before a value. */
static void begin_value(struct json_writer *w, const char *key)
{
	if (w->depth > 0) {
		fputs(w->first[w->depth] ? "\n" : ",\n", w->out);
		fprintf(w->out, "%*s", 2 * w->depth, "");
	}
	w->first[w->depth] = false;
	if (key) {
		write_string(w->out, key);
		fputs(": ", w->out);
	}
}

static void open_container(struct json_writer *w, const char *key, char bracket)
{
	begin_value(w, key);
	fputc(bracket, w->out);
	/* Deeper than the writer tracks is a bug in the caller: mark the
	 * stream failed rather than write a malformed document. */
	if (w->depth + 1 >= JSON_DEPTH_MAX) {
		w->overflowed = true;
		return;
	}
	w->first[++w->depth] = true;
}

static void close_container(struct json_writer *w, char bracket)
{
	if (!w->first[w->depth])
		fprintf(w->out, "\n%*s", 2 * (w->depth - 1), "");
	if (w->depth > 0)
		w->depth--;
	fputc(bracket, w->out);
	if (w->depth == 0)
		fputc('\n', w->out);
}

void json_object_begin(struct json_writer *w, const char *key)
{
	open_container(w, key, '{');
}

void json_object_end(struct json_writer *w)
{
	close_container(w, '}');
}

void json_array_begin(struct json_writer *w, const char *key)
{
	open_container(w, key, '[');
}

void json_array_end(struct json_writer *w)
{
	close_container(w, ']');
}

void json_u64(struct json_writer *w, const char *key, uint64_t value)
{
	begin_value(w, key);
	fprintf(w->out, "%" PRIu64, value);
}

void json_bool(struct json_writer *w, const char *key, bool value)
{
	begin_value(w, key);
	fputs(value ? "true" : "false", w->out);
}

void json_null(struct json_writer *w, const char *key)
{
	begin_value(w, key);
	fputs("null", w->out);
}

void json_text(struct json_writer *w, const char *key, const char *value)
{
	begin_value(w, key);
	write_string(w->out, value);
}

/* Ten significant digits, as "%.10g" gives them, in JSON's grammar: an
 * exponent without '+' or leading zeros, and ".0" on a whole number so a
 * reader keeps it a real.  Not finite (never from kvplan) is null. */
void json_real(struct json_writer *w, const char *key, double value)
{
	char text[40], tidy[40];
	size_t o = 0;
	char *e;

	begin_value(w, key);
	if (value != value || value > 1.7976931348623157e308 ||
	    value < -1.7976931348623157e308) {
		fputs("null", w->out);
		return;
	}
	snprintf(text, sizeof text, "%.10g", value);
	e = strchr(text, 'e');
	for (const char *c = text; *c && o + 1 < sizeof tidy; c++) {
		tidy[o++] = *c;
		if (c == e) {
			if (c[1] == '-')
				tidy[o++] = *++c;
			else if (c[1] == '+')
				c++;
			while (c[1] == '0' && c[2])
				c++;
		}
	}
	tidy[o] = '\0';
	if (strspn(tidy, "-0123456789") == o && o + 2 < sizeof tidy)
		strcpy(tidy + o, ".0");
	fputs(tidy, w->out);
}

bool json_writer_failed(const struct json_writer *w)
{
	return w->overflowed || w->depth != 0 || ferror(w->out);
}
