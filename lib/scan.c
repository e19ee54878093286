/*
 * scan.c — reading whole catalogue directories: which entries are
 * profiles, every profile of a kind over the search path with duplicate
 * claims found by sorting and earlier directories hiding later ones, and
 * the listings built from them.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "catalog.h"

static void profiles_free(struct profile *profiles, size_t count)
{
	for (size_t i = 0; i < count; i++)
		kvp__profile_clear(&profiles[i]);
	kvp__free(profiles);
}

void kvp__list_clear(struct profile_list *list)
{
	profiles_free(list->profiles, list->count);
	kvp__free(list->items);
	memset(list, 0, sizeof *list);
}

/* ---- listing --------------------------------------------------------- */

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(char **names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		kvp__free(names[i]);
	kvp__free(names);
}

/* Whether a directory entry may be a regular file, found without opening
 * it: anything else (a FIFO, a socket, a device, a directory, a dangling
 * symlink) is not a profile, and opening some of them blocks.  A symlink
 * to a regular file is one.  An entry whose type cannot be told is kept,
 * so that reading it reports why. */
static bool maybe_regular(DIR *stream, const struct dirent *entry)
{
	struct stat st;

	if (entry->d_type == DT_REG)
		return true;
	if (entry->d_type != DT_LNK && entry->d_type != DT_UNKNOWN)
		return false;
	if (fstatat(dirfd(stream), entry->d_name, &st, 0) != 0)
		return errno != ENOENT && errno != ELOOP;
	return S_ISREG(st.st_mode);
}

/* The *.yaml file names in dir that may be regular files, sorted.  A
 * missing directory has none; so has one that cannot be read, with a
 * warning. */
static kvp_status list_yaml_files(kvp_catalog *cat, const char *dir,
                                  char ***out, size_t *count, kvp_error *err)
{
	char **names = NULL;
	size_t n = 0, capacity = 0;
	struct dirent *entry;
	DIR *stream;
	int error;

	*out = NULL;
	*count = 0;
	stream = opendir(dir);
	if (!stream) {
		error = errno;
		if (error == ENOENT || error == ENOTDIR)
			return KVP_OK;
		if (error == EACCES)
			return kvp__skip_unreadable(cat, dir, error, err);
		return kvp__error_at(err, kvp__errno_status(error), dir, 0, 0, "%s",
		                     strerror(error));
	}
	for (;;) {
		size_t len;

		errno = 0;
		entry = readdir(stream);
		if (!entry)
			break;
		len = strlen(entry->d_name);
		/* Hidden files are editor and VCS leftovers, not profiles. */
		if (entry->d_name[0] == '.' || len <= 5 ||
		    strcmp(entry->d_name + len - 5, ".yaml") != 0)
			continue;
		/* A FIFO, directory or device by a profile's name: passed
		 * over (never opened), and said. */
		if (!maybe_regular(stream, entry)) {
			char path[PATH_MAX];
			kvp_status st = kvp__build_path(path, sizeof path, err, "%s/%s", dir,
			                                entry->d_name);

			if (st == KVP_OK)
				st = kvp__skip_not_regular(cat, path, err);
			if (st != KVP_OK) {
				closedir(stream);
				for (size_t i = 0; i < n; i++)
					kvp__free(names[i]);
				kvp__free(names);
				return st;
			}
			continue;
		}
		if (n == capacity) {
			size_t grown = capacity ? 2 * capacity : 32;
			char **bigger = kvp__realloc(names, grown * sizeof *names);

			if (!bigger)
				goto nomem;
			names = bigger;
			capacity = grown;
		}
		names[n] = kvp__strdup(entry->d_name);
		if (!names[n])
			goto nomem;
		n++;
	}
	error = errno;
	closedir(stream);
	if (error) {
		names_free(names, n);
		return kvp__error_at(err, kvp__errno_status(error), dir, 0, 0, "%s",
		                     strerror(error));
	}
	if (n > 1)
		qsort(names, n, sizeof *names, compare_strings);
	*out = names;
	*count = n;
	return KVP_OK;
nomem:
	closedir(stream);
	names_free(names, n);
	return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
}

/* A growing array of profiles. */
struct profiles {
	struct profile *items;
	size_t count, capacity;
};

static kvp_status profiles_push(struct profiles *v, struct profile *p,
                                kvp_error *err)
{
	if (v->count == v->capacity) {
		size_t capacity = v->capacity ? 2 * v->capacity : 16;
		struct profile *items = kvp__realloc(v->items,
		                                     capacity * sizeof *items);

		if (!items)
			return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
		v->items = items;
		v->capacity = capacity;
	}
	v->items[v->count++] = *p;
	memset(p, 0, sizeof *p);
	return KVP_OK;
}

/* Appends every profile of one directory to all, checking that no two
 * claim the same name.  A file that cannot be read stops the reading; it
 * is reported unless an earlier file claims a name already claimed, since
 * files are checked in order. */
static kvp_status load_dir(kvp_catalog *cat, const struct kind *kind,
                           size_t dir_index, struct profiles *all,
                           kvp_error *err)
{
	char dir[PATH_MAX], path[PATH_MAX];
	size_t first = all->count;
	struct clash clash;
	char **files;
	size_t n_files;
	kvp_status status;

	status = kvp__build_path(dir, sizeof dir, err, "%s/%s", cat->dirs[dir_index],
	                         kind->subdir);
	if (status == KVP_OK)
		status = list_yaml_files(cat, dir, &files, &n_files, err);
	if (status != KVP_OK)
		return status;
	for (size_t i = 0; i < n_files && status == KVP_OK; i++) {
		struct profile p;

		status = kvp__build_path(path, sizeof path, err, "%s/%s", dir, files[i]);
		if (status == KVP_OK)
			status = kvp__load_profile(kind, path, NULL, &p, err);
		if (status != KVP_OK)
			break;
		p.dir_index = dir_index;
		status = profiles_push(all, &p, err);
		kvp__profile_clear(&p);
	}
	/* The files read are files[0..all->count - first); a clash among
	 * them comes before whatever stopped the reading. */
	if (status != KVP_ERR_NOMEM && all->count > first) {
		const struct profile *loaded = all->items + first;
		kvp_status found = kvp__find_clash(loaded, all->count - first, &clash,
		                                   err);

		if (found != KVP_OK)
			status = found;
		else if (clash.found &&
		         (status = kvp__build_path(path, sizeof path, err, "%s/%s", dir,
		                                   files[clash.profile])) == KVP_OK)
			status = kvp__claim_taken(kind, path, &loaded[clash.profile],
			                          clash.j, &loaded[clash.owner],
			                          clash.how, err);
	}
	names_free(files, n_files);
	return status;
}

/* By name, then by directory: the first of each name is the one seen. */
static int compare_profiles(const void *a, const void *b)
{
	const struct profile *x = a, *y = b;
	int order = strcmp(x->name, y->name);

	if (order)
		return order;
	return (x->dir_index > y->dir_index) - (x->dir_index < y->dir_index);
}

/* Reads every profile of a kind, earlier directories hiding later profiles
 * of the same name, and keeps them sorted in the catalogue. */
kvp_status kvp__load_list(kvp_catalog *cat, const struct kind *kind,
                          kvp_error *err)
{
	struct profile_list *list = &cat->lists[kind->index];
	struct profiles all = {0};
	kvp_status status = KVP_OK;
	size_t kept = 0;

	if (list->loaded)
		return KVP_OK;
	for (size_t d = 0; d < cat->n_dirs && status == KVP_OK; d++)
		status = load_dir(cat, kind, d, &all, err);
	if (status == KVP_OK && all.count > 0) {
		list->items = kvp__calloc(all.count, kind->size);
		if (!list->items)
			status = kvp__error(err, KVP_ERR_NOMEM, "out of memory");
	}
	if (status != KVP_OK) {
		profiles_free(all.items, all.count);
		return status;
	}
	if (all.count > 1)
		qsort(all.items, all.count, sizeof *all.items, compare_profiles);
	for (size_t i = 0; i < all.count; i++) {
		if (kept > 0 &&
		    strcmp(all.items[kept - 1].name, all.items[i].name) == 0) {
			kvp__profile_clear(&all.items[i]); /* hidden */
			continue;
		}
		all.items[kept] = all.items[i];
		memcpy((char *)list->items + kept * kind->size, &all.items[kept].u,
		       kind->size);
		kept++;
	}
	list->profiles = all.items;
	list->count = kept;
	list->loaded = true;
	return KVP_OK;
}

static kvp_status catalog_list(kvp_catalog *cat, const struct kind *kind,
                               const void **items, size_t *count,
                               kvp_error *err)
{
	kvp_status status;

	if (!cat || !items || !count)
		return kvp__error(err, KVP_ERR_INVALID, "no catalogue or output given");
	*items = NULL;
	*count = 0;
	status = kvp__load_list(cat, kind, err);
	if (status != KVP_OK)
		return status;
	*items = cat->lists[kind->index].items;
	*count = cat->lists[kind->index].count;
	return kvp__error_clear(err);
}

kvp_status kvp_catalog_models(kvp_catalog *catalog, const kvp_model **models,
                              size_t *count, kvp_error *err)
{
	const void *items = NULL;
	kvp_status status;

	status = catalog_list(catalog, &kvp__model_kind, models ? &items : NULL, count,
	                      err);
	if (models)
		*models = items;
	return status;
}

kvp_status kvp_catalog_devices(kvp_catalog *catalog,
                               const kvp_device **devices, size_t *count,
                               kvp_error *err)
{
	const void *items = NULL;
	kvp_status status;

	status = catalog_list(catalog, &kvp__device_kind, devices ? &items : NULL,
	                      count, err);
	if (devices)
		*devices = items;
	return status;
}

