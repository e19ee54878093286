/*
 * catalog.c — the catalogue: model and GPU profiles found as
 * DIR/models/NAME.yaml and DIR/gpus/NAME.yaml over a search path, its
 * warnings, and lookups by name or alias, with suggestions for names it
 * does not know.  Scans and listings are in scan.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "catalog.h"

#ifndef KVP_PKGDATADIR
#error "KVP_PKGDATADIR (the installed data directory) must be defined"
#endif

/* Names offered after "did you mean". */
#define SUGGESTIONS_MAX 3

/* ---- opening --------------------------------------------------------- */

const char *kvp_catalog_system_dir(void)
{
	return KVP_PKGDATADIR;
}

kvp_status kvp__build_path(char *buf, size_t size, kvp_error *err,
                           const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= size) {
		char quoted[KVP_QUOTE_MAX];

		return kvp__error(err, KVP_ERR_IO, "path too long: %s",
		                  kvp_escape(buf, quoted, sizeof quoted));
	}
	return KVP_OK;
}

/* Appends dir[0..len) to the search path; when check is set it must be an
 * existing directory.  origin says where it came from, for the message. */
static kvp_status catalog_add_dir(kvp_catalog *cat, const char *dir,
                                  size_t len, bool check, const char *origin,
                                  kvp_error *err)
{
	char *copy;
	struct stat st;

	/* "data/" and "data" are the same directory; keep paths tidy. */
	while (len > 1 && dir[len - 1] == '/')
		len--;
	if (cat->n_dirs == cat->dirs_capacity) {
		size_t capacity = cat->dirs_capacity ? 2 * cat->dirs_capacity : 4;
		char **dirs = kvp__realloc(cat->dirs, capacity * sizeof *dirs);

		if (!dirs)
			return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
		cat->dirs = dirs;
		cat->dirs_capacity = capacity;
	}
	copy = kvp__malloc(len + 1);
	if (!copy)
		return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
	memcpy(copy, dir, len);
	copy[len] = '\0';
	if (check) {
		int error = 0;

		if (stat(copy, &st) != 0)
			error = errno;
		else if (!S_ISDIR(st.st_mode))
			error = ENOTDIR;
		if (error) {
			char quoted[KVP_QUOTE_MAX];
			kvp_status status = kvp__error(err, kvp__errno_status(error),
			                               "data directory '%s'%s: %s",
			                               kvp_escape(copy, quoted,
			                                          sizeof quoted),
			                               origin, strerror(error));
			kvp__free(copy);
			return status;
		}
	}
	cat->dirs[cat->n_dirs++] = copy;
	return KVP_OK;
}

/* Starts a catalogue over the checked directories dirs[0..n_dirs). */
static kvp_status catalog_new(kvp_catalog **out, const char *const *dirs,
                              size_t n_dirs, kvp_error *err)
{
	kvp_catalog *cat;
	kvp_status status = KVP_OK;

	if (!out)
		return kvp__error(err, KVP_ERR_INVALID, "no catalogue pointer given");
	*out = NULL;
	if (n_dirs > 0 && !dirs)
		return kvp__error(err, KVP_ERR_INVALID, "no directories given");
	cat = kvp__calloc(1, sizeof *cat);
	if (!cat)
		return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n_dirs && status == KVP_OK; i++)
		status = dirs[i]
		         ? catalog_add_dir(cat, dirs[i], strlen(dirs[i]), true, "", err)
		         : kvp__error(err, KVP_ERR_INVALID, "directory %zu is NULL", i);
	if (status != KVP_OK) {
		kvp_catalog_free(&cat);
		return status;
	}
	*out = cat;
	return KVP_OK;
}

kvp_status kvp_catalog_open(kvp_catalog **out, const char *const *dirs,
                            size_t n_dirs, kvp_error *err)
{
	kvp_status status = catalog_new(out, dirs, n_dirs, err);

	return status == KVP_OK ? kvp__error_clear(err) : status;
}

kvp_status kvp_catalog_open_default(kvp_catalog **out,
                                    const char *const *user_dirs,
                                    size_t n_user_dirs,
                                    const char *system_dir, kvp_error *err)
{
	const char *env = getenv("KVPLAN_DATA_PATH");
	kvp_catalog *cat;
	kvp_status status;

	status = catalog_new(out, user_dirs, n_user_dirs, err);
	if (status != KVP_OK)
		return status;
	cat = *out;
	while (env && *env && status == KVP_OK) {
		size_t len = strcspn(env, ":");

		if (len > 0)
			status = catalog_add_dir(cat, env, len, true,
			                         " (from KVPLAN_DATA_PATH)", err);
		env += len + (env[len] == ':');
	}
	/* The installed directory may be missing (an uninstalled build):
	 * lookups then find nothing there, which is not an error. */
	if (status == KVP_OK) {
		const char *dir = system_dir ? system_dir : kvp_catalog_system_dir();

		if (dir[0])
			status = catalog_add_dir(cat, dir, strlen(dir), false, "", err);
	}
	if (status != KVP_OK) {
		kvp_catalog_free(out);
		return status;
	}
	return kvp__error_clear(err);
}

void kvp_catalog_free(kvp_catalog **catalog)
{
	kvp_catalog *cat;

	if (!catalog || !*catalog)
		return;
	cat = *catalog;
	for (size_t i = 0; i < cat->n_dirs; i++)
		kvp__free(cat->dirs[i]);
	kvp__free(cat->dirs);
	kvp__list_clear(&cat->lists[0]);
	kvp__list_clear(&cat->lists[1]);
	for (size_t i = 0; i < cat->n_warnings; i++)
		kvp__free(cat->warnings[i]);
	kvp__free(cat->warnings);
	kvp__free(cat);
	*catalog = NULL;
}

size_t kvp_catalog_dir_count(const kvp_catalog *catalog)
{
	return catalog ? catalog->n_dirs : 0;
}

const char *kvp_catalog_dir(const kvp_catalog *catalog, size_t index)
{
	if (!catalog || index >= catalog->n_dirs)
		return NULL;
	return catalog->dirs[index];
}

/* ---- warnings -------------------------------------------------------- */

/* Records "path: what" (formatted by kvp_error_format, path escaped), once
 * however often it arises.  Fails only for want of memory. */
static kvp_status warn(kvp_catalog *cat, const char *path, const char *what,
                       kvp_error *err)
{
	char line[KVP_ERROR_PATH_MAX + KVP_ERROR_MESSAGE_MAX];
	char *copy, **warnings;
	kvp_error as_error;

	kvp__error_at(&as_error, KVP_OK, path, 0, 0, "%s", what);
	kvp_error_format(&as_error, line, sizeof line);
	for (size_t i = 0; i < cat->n_warnings; i++)
		if (strcmp(cat->warnings[i], line) == 0)
			return KVP_OK;
	warnings = kvp__realloc(cat->warnings,
	                        (cat->n_warnings + 1) * sizeof *warnings);
	if (!warnings)
		return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
	cat->warnings = warnings;
	copy = kvp__strdup(line);
	if (!copy)
		return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
	cat->warnings[cat->n_warnings++] = copy;
	return KVP_OK;
}

/* A directory of the search path that cannot be read is skipped, as if it
 * had no profiles, rather than failing lookups that other directories
 * answer; the warning says so. */
kvp_status kvp__skip_unreadable(kvp_catalog *cat, const char *dir,
                                int error, kvp_error *err)
{
	char what[KVP_ERROR_MESSAGE_MAX];

	snprintf(what, sizeof what, "%s; skipped", strerror(error));
	return warn(cat, dir, what, err);
}

kvp_status kvp__skip_not_regular(kvp_catalog *cat, const char *path, kvp_error *err)
{
	return warn(cat, path, "not a regular file; skipped", err);
}

size_t kvp_catalog_warning_count(const kvp_catalog *catalog)
{
	return catalog ? catalog->n_warnings : 0;
}

const char *kvp_catalog_warning(const kvp_catalog *catalog, size_t index)
{
	if (!catalog || index >= catalog->n_warnings)
		return NULL;
	return catalog->warnings[index];
}

/* ---- lookup ---------------------------------------------------------- */

/* The profile an alias (or, failing that, a name or alias in another case)
 * stands for; the earliest directory wins. */
static const struct profile *find_alias(const struct profile_list *list,
                                        const char *name)
{
	for (int pass = 0; pass < 2; pass++) {
		int (*same)(const char *, const char *) = pass ? strcasecmp : strcmp;
		const struct profile *found = NULL;

		for (size_t i = 0; i < list->count; i++) {
			const struct profile *p = &list->profiles[i];
			bool match = pass && same(p->name, name) == 0;

			for (size_t a = 0; a < p->n_aliases && !match; a++)
				match = same(p->aliases[a].name, name) == 0;
			if (match && (!found || p->dir_index < found->dir_index))
				found = p;
		}
		if (found)
			return found;
	}
	return NULL;
}

/* The few closest names, kept sorted by name. */
struct suggestions {
	size_t best;
	const char *names[SUGGESTIONS_MAX];
	size_t count;
};

static void suggest(struct suggestions *s, const char *name, size_t score)
{
	size_t i;

	if (score > s->best)
		return;
	if (score < s->best) {
		s->best = score;
		s->count = 0;
	}
	for (i = 0; i < s->count; i++) {
		int order = strcmp(name, s->names[i]);

		if (order == 0)
			return;
		if (order < 0)
			break;
	}
	if (i == SUGGESTIONS_MAX)
		return;
	if (s->count == SUGGESTIONS_MAX)
		s->count--;
	memmove(&s->names[i + 1], &s->names[i],
	        (s->count - i) * sizeof s->names[0]);
	s->names[i] = name;
	s->count++;
}

/* Offers every name and alias: by edit distance within a typo's reach, or
 * when none is that close, those that start with what was typed. */
static void collect_suggestions(const struct profile_list *list,
                                const char *name, struct suggestions *s)
{
	size_t len = strlen(name);
	size_t limit = len / 3 > 2 ? len / 3 : 2;

	s->best = SIZE_MAX;
	s->count = 0;
	for (int pass = 0; pass < 2 && s->count == 0; pass++) {
		for (size_t i = 0; i < list->count; i++) {
			const struct profile *p = &list->profiles[i];

			for (size_t a = 0; a <= p->n_aliases; a++) {
				const char *candidate = a ? p->aliases[a - 1].name : p->name;
				size_t score;

				if (pass == 0)
					score = kvp__edit_distance(name, candidate);
				else
					score = strncmp(candidate, name, len) == 0 ? 0 : SIZE_MAX;
				if (score <= limit)
					suggest(s, candidate, score);
			}
		}
	}
}

static kvp_status not_found(const struct kind *kind,
                            const struct profile_list *list, const char *name,
                            kvp_error *err)
{
	struct suggestions s;
	char hint[KVP_ERROR_MESSAGE_MAX], quoted[KVP_QUOTE_MAX];
	size_t used = 0;

	kvp_escape(name, quoted, sizeof quoted);
	collect_suggestions(list, name, &s);
	if (s.count == 0)
		return kvp__error(err, KVP_ERR_NOT_FOUND,
		                  "unknown %s '%s' (known: %zu %s)", kind->noun, quoted,
		                  list->count, list->count == 1 ? kind->noun : kind->nouns);
	hint[0] = '\0';
	for (size_t i = 0; i < s.count; i++) {
		int n = snprintf(hint + used, sizeof hint - used, "%s%s",
		                 i ? ", " : "", s.names[i]);
		if (n < 0 || (size_t)n >= sizeof hint - used)
			break;
		used += (size_t)n;
	}
	return kvp__error(err, KVP_ERR_NOT_FOUND,
	                  "unknown %s '%s' (did you mean %s?)", kind->noun, quoted,
	                  hint);
}

/* Finds name: first as the file DIR/SUBDIR/NAME.yaml in the earliest
 * directory that has it (one small read), then among every profile's
 * aliases. */
static kvp_status catalog_find(kvp_catalog *cat, const struct kind *kind,
                               const char *name, void *out, kvp_error *err)
{
	char path[PATH_MAX];
	const struct profile *found;
	kvp_status status;

	if (!cat || !out)
		return kvp__error(err, KVP_ERR_INVALID, "no catalogue or output given");
	if (!kvp__valid_name(name)) {
		char quoted[KVP_QUOTE_MAX];

		return kvp__error(err, KVP_ERR_INVALID, "invalid %s name '%s' (%s)",
		                  kind->noun, kvp_escape(name, quoted, sizeof quoted),
		                  KVP__NAME_RULE);
	}
	for (size_t d = 0; d < cat->n_dirs; d++) {
		struct profile p;
		int unreached = 0;

		status = kvp__build_path(path, sizeof path, err, "%s/%s/%s.yaml",
		                         cat->dirs[d], kind->subdir, name);
		if (status != KVP_OK)
			return status;
		status = kvp__load_profile(kind, path, &unreached, &p, err);
		if (status == KVP_ERR_NOT_FOUND && unreached == KVP__NOT_REGULAR) {
			status = kvp__skip_not_regular(cat, path, err);
			if (status != KVP_OK)
				return status;
			continue;
		}
		if (status == KVP_ERR_NOT_FOUND && unreached == EACCES) {
			*strrchr(path, '/') = '\0'; /* the directory */
			status = kvp__skip_unreadable(cat, path, unreached, err);
			if (status != KVP_OK)
				return status;
			continue;
		}
		if (status == KVP_ERR_NOT_FOUND)
			continue;
		if (status != KVP_OK)
			return status;
		memcpy(out, &p.u, kind->size);
		kvp__profile_clear(&p);
		return kvp__error_clear(err);
	}
	status = kvp__load_list(cat, kind, err);
	if (status != KVP_OK)
		return status;
	found = find_alias(&cat->lists[kind->index], name);
	if (!found)
		return not_found(kind, &cat->lists[kind->index], name, err);
	memcpy(out, &found->u, kind->size);
	return kvp__error_clear(err);
}

kvp_status kvp_catalog_model(kvp_catalog *catalog, const char *name,
                             kvp_model *out, kvp_error *err)
{
	return catalog_find(catalog, &kvp__model_kind, name, out, err);
}

kvp_status kvp_catalog_device(kvp_catalog *catalog, const char *name,
                              kvp_device *out, kvp_error *err)
{
	return catalog_find(catalog, &kvp__device_kind, name, out, err);
}
