/*
 * hf_json.c — a config.json's text into a jansson document, as Python's
 * json (and so transformers) reads it: a key given twice takes its last
 * value (with a warning), the bare words NaN and Infinity are numbers
 * (taken as null here), and jansson's own faults are one escaped line.
 */
#include <stdbool.h>
#include <string.h>

#include "hfconfig.h"

/* Python's json (and so transformers) reads the bare words NaN, Infinity
 * and -Infinity as numbers, and real files have them (Nemotron-H's
 * time_step_limit); jansson does not.  A copy of text with each, outside
 * strings, as null, which no figure kvplan reads can be; NULL when there
 * is none (or no memory: *nomem). */
static size_t python_words(const char *text, size_t length, char *out,
                           size_t *replaced)
{
	static const char *const words[] = {"-Infinity", "Infinity", "NaN"};
	bool in_string = false;
	size_t n = 0;

	*replaced = 0;
	for (size_t i = 0; i < length; i++) {
		const char *word = NULL;

		if (in_string && text[i] == '\\' && i + 1 < length) {
			if (out)
				memcpy(out + n, text + i, 2);
			n += 2;
			i++;
			continue;
		}
		if (text[i] == '"')
			in_string = !in_string;
		for (size_t w = 0; !in_string && !word && w < 3; w++)
			if (length - i >= strlen(words[w]) &&
			    memcmp(text + i, words[w], strlen(words[w])) == 0)
				word = words[w];
		if (word) {
			if (out)
				memcpy(out + n, "null", 4);
			n += 4;
			i += strlen(word) - 1;
			++*replaced;
		} else {
			if (out)
				out[n] = text[i];
			n++;
		}
	}
	return n;
}

/* The columns a fault at byte position of python_words' copy of text
 * lies right of the same place in text itself: the bytes its words lost
 * as null on the fault's line before it (no word holds a line feed, so
 * the lines are the same). */
static int column_shift(const char *text, size_t length, int position)
{
	size_t n = 0, before = position > 0 ? (size_t)position : 0;
	bool in_string = false;
	int shift = 0;

	for (size_t i = 0; i < length && n < before; i++) {
		size_t word = 0;

		if (in_string && text[i] == '\\' && i + 1 < length) {
			n += 2;
			i++;
			continue;
		}
		if (text[i] == '"')
			in_string = !in_string;
		if (text[i] == '\n')
			shift = 0;
		if (!in_string && length - i >= 9 && memcmp(text + i, "-Infinity", 9) == 0)
			word = 9;
		else if (!in_string && length - i >= 8 && memcmp(text + i, "Infinity", 8) == 0)
			word = 8;
		else if (!in_string && length - i >= 3 && memcmp(text + i, "NaN", 3) == 0)
			word = 3;
		if (word) {
			n += 4;
			i += word - 1;
			shift += (int)word - 4;
		} else {
			n++;
		}
	}
	return shift;
}

/* Parses text; a key given twice is taken at its last value, as Python's
 * json (and so transformers) takes it, and noted. */
kvp_status kvp__hf_load_json(struct hf *h, const char *text, size_t length,
                             json_t **out)
{
	json_error_t jerr;
	char problem[2 * JSON_ERROR_TEXT_LENGTH];
	/* A warning quotes the path escaped: a line feed in a directory's
	 * name must not break its line. */
	char quoted_path[KVP_QUOTE_MAX];
	size_t replaced, n = python_words(text, length, NULL, &replaced);
	char *copy = NULL;
	const char *original = text;
	size_t original_length = length;

	if (replaced) {
		if (!(copy = kvp__malloc(n + 1)))
			return kvp__error(h->err, KVP_ERR_NOMEM, "out of memory");
		python_words(text, length, copy, &replaced);
		copy[n] = '\0';
		text = copy;
		length = n;
		kvp__source_warn(h->src, "%s: %zu NaN or Infinity values (not JSON;"
		                 " Python reads them) taken as null",
		                 kvp_escape(h->path, quoted_path, sizeof quoted_path),
		                 replaced);
	}
	/* jansson leaves the error unset on some failed allocations: ask the
	 * allocator first. */
	memset(&jerr, 0, sizeof jerr);
	*out = kvp__json_loadb(text, length, JSON_REJECT_DUPLICATES, &jerr);
	if (!*out && copy && jerr.column > 0)
		jerr.column += column_shift(original, original_length, jerr.position);
	if (!*out && !kvp__json_failed() &&
	    json_error_code(&jerr) == json_error_duplicate_key) {
		kvp__source_warn(h->src, "%s:%d:%d: %s; the last value is used, as"
		                 " transformers does",
		                 kvp_escape(h->path, quoted_path, sizeof quoted_path),
		                 jerr.line, jerr.column,
		                 kvp_escape(jerr.text, problem, sizeof problem));
		*out = kvp__json_loadb(text, length, 0, &jerr);
		if (!*out && copy && jerr.column > 0)
			jerr.column += column_shift(original, original_length, jerr.position);
	}
	kvp__free(copy);
	if (*out)
		return KVP_OK;
	if (kvp__json_failed() || json_error_code(&jerr) == json_error_out_of_memory)
		return kvp__error(h->err, KVP_ERR_NOMEM, "out of memory");
	/* jansson quotes the text near the fault, control characters and
	 * all: escaped, it stays one line. */
	return kvp__error_at(h->err, KVP_ERR_PARSE, h->path,
	                     jerr.line > 0 ? (unsigned long)jerr.line : 0,
	                     jerr.column > 0 ? (unsigned long)jerr.column : 0,
	                     "%s", kvp_escape(jerr.text, problem, sizeof problem));
}

