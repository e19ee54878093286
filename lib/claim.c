/*
 * claim.c — the names a profile answers to: what a name may be, and the
 * names and aliases profiles claim, with the first claim that repeats an
 * earlier one found by sorting.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

static bool is_alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	       (c >= 'A' && c <= 'Z');
}

/* A name is used as a file stem, typed on command lines, put in lists
 * (--gpu a,b) and in messages, so it keeps to characters that are safe in
 * all of them; starting with a letter or a digit, it is never a hidden
 * file (which scans skip) nor taken for an option. */
bool kvp__valid_name(const char *name)
{
	size_t len;

	if (!name || !is_alnum(name[0]))
		return false;
	for (len = 1; name[len]; len++)
		if (!is_alnum(name[len]) && !strchr(".-_+", name[len]))
			return false;
	return len < KVP_NAME_MAX;
}

kvp_status kvp__claim_taken(const struct kind *kind, const char *path,
                            const struct profile *p, size_t j,
                            const struct profile *owner, int how,
                            kvp_error *err)
{
	return kvp__error_at(err, KVP_ERR_DUPLICATE, path,
	                     j ? p->aliases[j - 1].line : p->name_line,
	                     j ? p->aliases[j - 1].column : p->name_column,
	                     "%s '%s' is already %s of %s '%s'",
	                     j ? "alias" : "name",
	                     j ? p->aliases[j - 1].name : p->name,
	                     how == 1 ? "the name" : "an alias", kind->noun,
	                     owner->name);
}

/* One name a profile claims: its name (j 0) or its alias j - 1. */
struct claim {
	const char *name;
	size_t profile, j;
};

static int compare_claims(const void *a, const void *b)
{
	const struct claim *x = a, *y = b;
	int order = strcmp(x->name, y->name);

	if (order)
		return order;
	if (x->profile != y->profile)
		return x->profile < y->profile ? -1 : 1;
	return (x->j > y->j) - (x->j < y->j);
}

/* By sorting every claim, so that thousands of profiles (or of aliases in
 * one) cost n log n rather than a comparison of each with each. */
kvp_status kvp__find_clash(const struct profile *profiles, size_t n,
                           struct clash *clash, kvp_error *err)
{
	struct claim *all;
	size_t total = 0, used = 0;

	clash->found = false;
	for (size_t i = 0; i < n; i++)
		total += 1 + profiles[i].n_aliases;
	if (total < 2)
		return KVP_OK;
	all = kvp__calloc(total, sizeof *all);
	if (!all)
		return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j <= profiles[i].n_aliases; j++)
			all[used++] = (struct claim){
				j ? profiles[i].aliases[j - 1].name : profiles[i].name, i, j};
	qsort(all, total, sizeof *all, compare_claims);
	/* In a run of equal names the first is the earliest claim, and the
	 * second the earliest that repeats it. */
	for (size_t first = 0, next; first < total; first = next) {
		const struct claim *again = &all[first + 1];

		for (next = first + 1;
		     next < total && strcmp(all[next].name, all[first].name) == 0;
		     next++)
			;
		if (next == first + 1)
			continue;
		if (!clash->found || again->profile < clash->profile ||
		    (again->profile == clash->profile && again->j < clash->j)) {
			clash->found = true;
			clash->profile = again->profile;
			clash->j = again->j;
			clash->owner = all[first].profile;
			clash->how = all[first].j == 0 ? 1 : 2;
		}
	}
	kvp__free(all);
	return KVP_OK;
}
