/*
 * text.c — user text made safe to show: control characters, C1 controls,
 * backslashes and bytes that are not UTF-8 escaped, so a name from a file
 * or argv can neither forge a second line nor send a terminal sequence.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* Length of the valid UTF-8 sequence at s that is not a C1 control
 * (U+0080..U+009F, which some terminals obey like ESC [), or 0. */
static size_t utf8_printable(const unsigned char *s)
{
	size_t len;
	uint32_t cp;

	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1fu;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0fu;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07u;
	} else {
		return 0;
	}
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3fu);
	}
	/* Overlong forms, surrogates and code points past U+10FFFF. */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return len;
}

const char *kvp__find_control(const char *text)
{
	const unsigned char *s = (const unsigned char *)text;

	while (*s) {
		size_t take = 1;

		if (*s < 0x20 || *s == 0x7f ||
		    (*s >= 0x80 && (take = utf8_printable(s)) == 0))
			return (const char *)s;
		s += take;
	}
	return NULL;
}

/* The escape of one byte b that needs one, into out (at least 5 bytes). */
static size_t escape_byte(unsigned char b, char *out)
{
	switch (b) {
	case '\\':
		return (size_t)snprintf(out, 5, "\\\\");
	case '\n':
		return (size_t)snprintf(out, 5, "\\n");
	case '\r':
		return (size_t)snprintf(out, 5, "\\r");
	case '\t':
		return (size_t)snprintf(out, 5, "\\t");
	default:
		return (size_t)snprintf(out, 5, "\\x%02x", b);
	}
}

/* The escaped form of the character at s into piece (at least 5 bytes);
 * returns its length and sets *take to the bytes of s it stands for. */
static size_t escape_piece(const unsigned char *s, char *piece, size_t *take)
{
	size_t len;

	*take = 1;
	if (*s >= 0x20 && *s < 0x7f && *s != '\\') {
		piece[0] = (char)*s;
		return 1;
	}
	if (*s >= 0x80 && (len = utf8_printable(s)) > 0) {
		memcpy(piece, s, len);
		*take = len;
		return len;
	}
	return escape_byte(*s, piece);
}

char *kvp_escape(const char *text, char *buf, size_t size)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t whole = 0, used = 0;
	char piece[5];

	if (!buf || size == 0)
		return buf;
	buf[0] = '\0';
	if (!text)
		return buf;
	for (const unsigned char *c = s; *c;) {
		size_t take;

		whole += escape_piece(c, piece, &take);
		c += take;
	}
	/* Text that does not fit whole keeps room for "..."; pieces are
	 * copied whole, so it is never cut inside a character or an escape. */
	while (*s) {
		size_t take, n = escape_piece(s, piece, &take);

		if (used + n + (whole < size ? 0 : 3) >= size) {
			if (used + 3 < size)
				memcpy(buf + used, "...", 4);
			return buf;
		}
		memcpy(buf + used, piece, n);
		used += n;
		buf[used] = '\0';
		s += take;
	}
	return buf;
}

const char *kvp__label_text(const char *name, const char *fallback, char *buf)
{
	size_t n = 0;

	if (!name || !name[0])
		return fallback;
	/* A name of printable ASCII (no backslash) that fits is its own
	 * escaped form: copied, not escaped.  Every plan and fit labels its
	 * model and devices before it knows whether a message will need them. */
	while (n < KVP_QUOTE_MAX && name[n] >= 0x20 && name[n] < 0x7f && name[n] != '\\')
		n++;
	if (n < KVP_QUOTE_MAX && name[n] == '\0')
		return memcpy(buf, name, n + 1);
	return kvp_escape(name, buf, KVP_QUOTE_MAX);
}

const char *kvp__label(const char *name, const char *fallback, char *buf)
{
	char whole[KVP_NAME_MAX + 4];
	size_t n = 0;

	if (!name)
		return fallback;
	/* A caller-filled array of KVP_NAME_MAX bytes need not end in a NUL:
	 * at most that much is read, and one without its NUL is shown cut,
	 * with "...". */
	while (n < KVP_NAME_MAX && name[n])
		n++;
	memcpy(whole, name, n);
	if (n == KVP_NAME_MAX)
		memcpy(whole + n, "...", 3), n += 3;
	whole[n] = '\0';
	return whole[0] ? kvp__label_text(whole, fallback, buf) : fallback;
}
