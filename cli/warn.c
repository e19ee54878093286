/*
 * warn.c — the command's warnings, held until it knows how it ends: a run
 * that fails has one line of stderr, its error, and a run that did its
 * work (even one that does not fit) shows them all.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static char *held;
static size_t held_len;

void cli_warn(const char *fmt, ...)
{
	static const char prefix[] = "kvplan: warning: ";
	va_list ap;
	int n;
	char *grown;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	grown = realloc(held, held_len + sizeof prefix + (size_t)n + 1);
	if (!grown) {
		/* Out of memory: said now rather than lost. */
		fputs(prefix, stderr);
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputc('\n', stderr);
		return;
	}
	held = grown;
	memcpy(held + held_len, prefix, sizeof prefix - 1);
	held_len += sizeof prefix - 1;
	va_start(ap, fmt);
	vsnprintf(held + held_len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	held_len += (size_t)n;
	held[held_len++] = '\n';
}

void cli_warnings_end(bool show)
{
	if (show && held_len)
		fwrite(held, 1, held_len, stderr);
	free(held);
	held = NULL;
	held_len = 0;
}
