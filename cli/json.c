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

/* A string's bytes as JSON wants them: quotes, backslashes and control
 * characters escaped; valid UTF-8 kept; other bytes replaced by U+FFFD,
 * since a JSON text must be UTF-8. */
static void write_string(FILE *out, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;

	fputc('"', out);
	while (*s) {
		size_t len = 0;

		if (*s == '"' || *s == '\\') {
			fputc('\\', out);
			fputc(*s++, out);
			continue;
		}
		if (*s < 0x20) {
			static const char short_escape[] = "btn\0fr";

			if (*s >= '\b' && *s <= '\r' && short_escape[*s - '\b'])
				fprintf(out, "\\%c", short_escape[*s - '\b']);
			else
				fprintf(out, "\\u%04x", *s);
			s++;
			continue;
		}
		if (*s < 0x80) {
			fputc(*s++, out);
			continue;
		}
		if (*s >= 0xc2 && *s <= 0xdf)
			len = 2;
		else if (*s >= 0xe0 && *s <= 0xef)
			len = 3;
		else if (*s >= 0xf0 && *s <= 0xf4)
			len = 4;
		for (size_t i = 1; i < len; i++)
			if ((s[i] & 0xc0) != 0x80)
				len = 0;
		/* Overlong three- and four-byte forms, surrogates, and code
		 * points past U+10FFFF are not UTF-8 either. */
		if ((len == 3 && ((s[0] == 0xe0 && s[1] < 0xa0) ||
		                  (s[0] == 0xed && s[1] >= 0xa0))) ||
		    (len == 4 && ((s[0] == 0xf0 && s[1] < 0x90) ||
		                  (s[0] == 0xf4 && s[1] >= 0x90))))
			len = 0;
		if (len == 0) {
			fputs("\xef\xbf\xbd", out);
			s++;
			continue;
		}
		fwrite(s, 1, len, out);
		s += len;
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
