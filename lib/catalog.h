/*
 * catalog.h — the catalogue's state, shared by catalog.c (the search path,
 * its warnings, lookups) and scan.c (directory scans and listings).  Never
 * installed.
 */
#ifndef KVPLAN_CATALOG_H
#define KVPLAN_CATALOG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "profile.h"

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif

/* Every profile of one kind over all directories, read on first use. */
struct profile_list {
	bool loaded;
	struct profile *profiles; /* sorted by name; count entries */
	void *items;              /* the public structs, same order */
	size_t count;
};

struct kvp_catalog {
	char **dirs; /* n_dirs copies, searched in order */
	size_t n_dirs;
	size_t dirs_capacity;
	struct profile_list lists[2]; /* by kind.index */
	char **warnings; /* n_warnings messages, each given once */
	size_t n_warnings;
};

/* snprintf into buf, failing with a message when the path does not fit. */
kvp_status kvp__build_path(char *buf, size_t size, kvp_error *err,
                           const char *fmt, ...) KVP_PRINTF(4, 5);
/* Records that dir cannot be read (error, an errno) and is skipped: a
 * warning of the catalogue.  Fails only for want of memory. */
kvp_status kvp__skip_unreadable(kvp_catalog *cat, const char *dir, int error,
                                kvp_error *err);
/* Reads every profile of a kind into cat->lists, once. */
kvp_status kvp__load_list(kvp_catalog *cat, const struct kind *kind,
                          kvp_error *err);
/* Frees a list and empties it. */
void kvp__list_clear(struct profile_list *list);

#endif
