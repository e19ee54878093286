/*
 * error.c — status names and the kvp_error record every function fills.
 */
#include <stdio.h>
#include <string.h>

#include "internal.h"

static const char *const status_text[KVP_STATUS_COUNT] = {
	[KVP_OK] = "success",
	[KVP_ERR_NOMEM] = "out of memory",
	[KVP_ERR_INVALID] = "invalid argument",
	[KVP_ERR_OVERFLOW] = "size overflows 64 bits",
	[KVP_ERR_SHAPE] = "invalid model shape",
	[KVP_ERR_NOT_FOUND] = "not found",
	[KVP_ERR_PARSE] = "malformed data file",
	[KVP_ERR_IO] = "input/output error",
	[KVP_ERR_DUPLICATE] = "duplicate name",
	[KVP_ERR_RANGE] = "out of range",
	[KVP_ERR_NO_FIT] = "does not fit in memory",
	[KVP_ERR_UNSUPPORTED] = "not supported on this platform",
};

const char *kvp_strerror(kvp_status status)
{
	if ((unsigned)status >= KVP_STATUS_COUNT)
		return "unknown status";
	return status_text[status];
}

static kvp_status error_vset(kvp_error *err, kvp_status status,
                             const char *path, unsigned long line,
                             unsigned long column, const char *fmt, va_list ap)
	KVP_PRINTF(6, 0);

static kvp_status error_vset(kvp_error *err, kvp_status status,
                             const char *path, unsigned long line,
                             unsigned long column, const char *fmt, va_list ap)
{
	if (!err)
		return status;
	err->status = status;
	snprintf(err->path, sizeof err->path, "%s", path ? path : "");
	err->line = line;
	err->column = column;
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	return status;
}

kvp_status kvp__error(kvp_error *err, kvp_status status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(err, status, NULL, 0, 0, fmt, ap);
	va_end(ap);
	return status;
}

kvp_status kvp__error_at(kvp_error *err, kvp_status status, const char *path,
                         unsigned long line, unsigned long column,
                         const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	error_vset(err, status, path, line, column, fmt, ap);
	va_end(ap);
	return status;
}

kvp_status kvp__error_clear(kvp_error *err)
{
	/* The fields, not the whole record: every plan clears one several
	 * times, and the text past the terminators is never read. */
	if (err) {
		err->status = KVP_OK;
		err->path[0] = '\0';
		err->line = 0;
		err->column = 0;
		err->message[0] = '\0';
	}
	return KVP_OK;
}

char *kvp_error_format(const kvp_error *err, char *buf, size_t size)
{
	if (!buf || size == 0)
		return buf;
	if (!err) {
		buf[0] = '\0';
		return buf;
	}
	if (err->path[0]) {
		char path[KVP_ERROR_PATH_MAX];

		kvp_escape(err->path, path, sizeof path);
		if (err->line)
			snprintf(buf, size, "%s:%lu:%lu: %s", path, err->line,
			         err->column, err->message);
		else
			snprintf(buf, size, "%s: %s", path, err->message);
	} else
		snprintf(buf, size, "%s", err->message);
	return buf;
}

int kvp__copy_name(char *dst, size_t dst_size, const char *src)
{
	size_t len = strlen(src);

	if (len >= dst_size)
		return 0;
	memcpy(dst, src, len + 1);
	return 1;
}

size_t kvp__edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t row[KVP_NAME_MAX + 1];

	if (la > KVP_NAME_MAX || lb > KVP_NAME_MAX)
		return (size_t)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
			size_t best = diag + cost;
			if (row[j] + 1 < best)
				best = row[j] + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}
