/*
 * profile.h — one profile file (a model or a GPU) as the catalogue sees it:
 * the parsed struct with its name and aliases, the two kinds of profile,
 * and what reading, parsing and checking a file share.  Never installed.
 */
#ifndef KVPLAN_PROFILE_H
#define KVPLAN_PROFILE_H

#include <stdbool.h>
#include <stddef.h>

#include <yaml.h>

#include "internal.h"

/* Fields per kind; the tables in profile_fields.c stay well under it. */
#define FIELDS_MAX 80
/* kvp__valid_name's rule, as messages give it. */
#define KVP__NAME_RULE "1 to 63 ASCII letters, digits, '.', '-', '_' or " \
	"'+', starting with a letter or a digit"
_Static_assert(KVP_NAME_MAX == 64, "KVP__NAME_RULE says 63 bytes");

/* What a profile file may say: each kind's fields (profile_fields.c). */
enum field_type {
	FIELD_NAME,    /* the profile's name: equals the file stem */
	FIELD_TEXT,    /* free text, shorter than KVP_DESCRIPTION_MAX */
	FIELD_ALIASES, /* a sequence of other names */
	FIELD_U32,     /* plain digits, at most UINT32_MAX */
	FIELD_U64,     /* plain digits */
	FIELD_COUNT,   /* digits or a decimal with exponent that is whole */
	FIELD_BYTES,   /* a whole number of bytes, with an optional unit */
	FIELD_REAL,    /* a non-negative decimal */
	FIELD_PATTERN, /* a layer pattern, "sliding*5,full" */
	FIELD_U32_LIST, /* a sequence of integers, one per layer */
	FIELD_BOOL,    /* true or false */
	FIELD_WORD,    /* a token in a name's characters (model_type) */
	FIELD_ROPE     /* a kvp_rope by name (kvp_rope_from_name) */
};

enum field_need {
	FIELD_OPTIONAL,
	FIELD_REQUIRED,
	FIELD_ONE_OF /* at least one of the fields marked so must be given */
};

struct field {
	const char *key;
	enum field_type type;
	size_t offset; /* into kvp_model or kvp_device; unused for aliases */
	enum field_need need;
};

struct alias {
	char name[KVP_NAME_MAX];
	unsigned long line, column; /* where the file gives it, 1-based */
};

/* One parsed file: the public struct plus what only the catalogue needs. */
struct profile {
	union {
		kvp_model model;
		kvp_device device;
	} u;
	char name[KVP_NAME_MAX];
	unsigned long name_line, name_column;
	struct alias *aliases; /* n_aliases entries, from kvp__malloc */
	size_t n_aliases;
	size_t dir_index; /* the catalogue directory it came from */
};

/* Models and devices are read by the same code, driven by this. */
struct kind {
	size_t index;         /* into kvp_catalog.lists */
	const char *noun;     /* in messages: "model", "GPU" */
	const char *nouns;
	const char *subdir;   /* under each data directory */
	size_t size;          /* of the public struct */
	const struct field *fields;
	size_t n_fields;
	/* Checks (and completes) a parsed profile; the field to blame when it
	 * fails, NULL for the mapping as a whole. */
	kvp_status (*check)(void *profile, kvp_error *err);
	const char *(*culprit)(const void *profile);
	kvp_status check_status;
};

extern const struct kind kvp__model_kind;
extern const struct kind kvp__device_kind;

/* One file being parsed, event by event: where it is, what it has given
 * so far. */
struct parse {
	const struct kind *kind;
	const char *path;
	struct profile *out;
	kvp_error *err;
	int depth;                  /* collections open around the event */
	const struct field *field;  /* whose value comes next, or whose
	                             * sequence (aliases) is open */
	size_t aliases_capacity;    /* entries allocated in out->aliases */
	yaml_mark_t mapping_mark;   /* where the top mapping starts */
	bool given[FIELDS_MAX];
	yaml_mark_t key_mark[FIELDS_MAX]; /* where each given field's key is */
};

/* ---- profile.c: reading a profile, event by event ---------------------- */

/* Frees what a profile owns (its aliases) and empties it. */
void kvp__profile_clear(struct profile *p);
/* Reports status at mark (libyaml's, 0-based) of the file being parsed. */
kvp_status kvp__fail_at(const struct parse *ps, kvp_status status,
                        yaml_mark_t mark, const char *fmt, ...)
	KVP_PRINTF(4, 5);
/* Reads the next event of the document into ps->out, at ps->depth (the
 * reader counts the collections).  The end of the top mapping checks the
 * whole profile. */
kvp_status kvp__profile_event(struct parse *ps, const yaml_event_t *event);

/* ---- claim.c: names and the names profiles claim ----------------------- */

/* A name or alias claimed twice: claim j (0: the name, j: alias j - 1) of
 * profiles[profile] is already claimed by profiles[owner] (which may be the
 * same profile), as its name (how 1) or as an alias (how 2). */
struct clash {
	bool found;
	size_t profile, j, owner;
	int how;
};

/* The first claim of profiles[0..n) that repeats an earlier one, in the
 * order of the profiles and then of each one's claims (its name, then its
 * aliases), against the earliest claim of that name; clash->found is false
 * when there is none.  Fails only for want of memory. */
kvp_status kvp__find_clash(const struct profile *profiles, size_t n,
                           struct clash *clash, kvp_error *err);
/* Reports that claim j of p (0: its name, j: alias j - 1), read from path,
 * is already claimed by owner, how as struct clash says. */
kvp_status kvp__claim_taken(const struct kind *kind, const char *path,
                            const struct profile *p, size_t j,
                            const struct profile *owner, int how,
                            kvp_error *err);

/* ---- profile_read.c: reading one file ----------------------------------- */

/* Reads and parses the profile file at path into out; on failure out holds
 * nothing to free.  With unreached NULL a file that does not exist is
 * KVP_ERR_NOT_FOUND with a message.  Otherwise a file that cannot be
 * reached, for it does not exist (ENOENT, ENOTDIR) or a directory on the
 * way cannot be searched (EACCES), is KVP_ERR_NOT_FOUND with no message
 * and that errno in *unreached: a lookup goes on to the next directory. */
kvp_status kvp__load_profile(const struct kind *kind, const char *path,
                             int *unreached, struct profile *out,
                             kvp_error *err);
/* Parses text[0..length), the contents of the file at path (whose stem
 * the profile's name must be), into out; on failure out holds nothing to
 * free.  kvp__load_profile's parse, for callers that hold the bytes (the
 * fuzzing harness). */
kvp_status kvp__parse_profile(const struct kind *kind, const char *path,
                              const unsigned char *text, size_t length,
                              struct profile *out, kvp_error *err);

#endif
