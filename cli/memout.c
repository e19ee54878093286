/*
 * memout.c — an output stream into memory that never loses a byte
 * silently.  glibc's open_memstream drops the character it could not fit
 * when growing its buffer fails, and sets no error flag for it; this
 * stream's write function records every failure, and stdio marks the
 * stream failed when a write comes back short.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static ssize_t memout_write(void *cookie, const char *data, size_t size)
{
	struct memout *m = cookie;

	if (m->failed)
		return -1;
	if (size > m->capacity - m->length) {
		size_t capacity = m->capacity ? m->capacity : 4096;
		char *text;

		while (size > capacity - m->length) {
			if (capacity > SIZE_MAX / 2) {
				m->failed = true;
				return -1;
			}
			capacity *= 2;
		}
		text = realloc(m->text, capacity);
		if (!text) {
			m->failed = true;
			return -1;
		}
		m->text = text;
		m->capacity = capacity;
	}
	memcpy(m->text + m->length, data, size);
	m->length += size;
	return (ssize_t)size;
}

FILE *memout_open(struct memout *m)
{
	static const cookie_io_functions_t io = {.write = memout_write};

	memset(m, 0, sizeof *m);
	return fopencookie(m, "w", io);
}

bool memout_close(struct memout *m, FILE *out)
{
	bool failed = ferror(out) != 0;

	if (fclose(out) != 0)
		failed = true;
	return !failed && !m->failed;
}

void memout_free(struct memout *m)
{
	free(m->text);
	memset(m, 0, sizeof *m);
}
