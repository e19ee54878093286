/*
 * fuzz_catalog.c — libFuzzer harness of the catalogue over directories:
 * the input is split on NUL bytes into records, each a file (or a
 * directory) of two fresh data directories; the catalogue over them lists
 * its models and GPUs and looks names up, exact and misspelt.  Then the
 * directories are removed.
 *
 * A record is "PATH\nTEXT": PATH is [2/]models/NAME or [2/]gpus/NAME (2/:
 * the second directory of the search path), and the file NAME.yaml gets
 * TEXT; a PATH ending in '/' makes a directory NAME.yaml instead.  NAME
 * keeps only the characters a file name may have here (letters, digits,
 * '.', '-', '_', '+'), and ".yaml" is added.  A record "?NAME" asks for a
 * lookup of NAME; without one, each file's NAME is looked up.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvplan.h"
#include "fuzz.h"

#define RECORDS_MAX 16
#define NAME_LEN_MAX 80

static char root[256]; /* made once; the data directories live under it */

/* Removes path and, for a directory, what is in it (nothing of ours is a
 * symlink, and none is followed). */
static void remove_tree(int at, const char *path)
{
	int fd = openat(at, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);

	if (fd >= 0) {
		DIR *d = fdopendir(fd);
		struct dirent *e;

		if (!d)
			__builtin_trap();
		while ((e = readdir(d)) != NULL)
			if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
				remove_tree(fd, e->d_name);
		closedir(d);
		if (unlinkat(at, path, AT_REMOVEDIR) != 0)
			__builtin_trap();
	} else if (unlinkat(at, path, 0) != 0 && errno != ENOENT) {
		__builtin_trap();
	}
}

static const char *make_root(void)
{
	if (!root[0]) {
		const char *base = getenv("TMPDIR");

		snprintf(root, sizeof root, "%s/kvplan-fuzz-XXXXXX",
		         base && *base ? base : "/tmp");
		if (!mkdtemp(root))
			__builtin_trap();
	}
	return root;
}

static void remove_root(void)
{
	if (root[0])
		remove_tree(AT_FDCWD, root);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	make_root();
	atexit(remove_root);
	return 0;
}

struct input {
	char dirs[2][512];
	char names[RECORDS_MAX][NAME_LEN_MAX + 1]; /* files made, then lookups */
	size_t n_names;
	bool asked;  /* a "?NAME" record: look up only those */
};

/* The characters of text[0..len) that a file name here may have. */
static void clean_name(const char *text, size_t len, char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < len && n < NAME_LEN_MAX; i++) {
		char c = text[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' ||
		    c == '+')
			name[n++] = c;
	}
	name[n] = '\0';
}

static void add_name(struct input *in, const char *name, bool asked)
{
	if (asked && !in->asked) {
		in->n_names = 0;
		in->asked = true;
	}
	if (asked == in->asked && in->n_names < RECORDS_MAX)
		strcpy(in->names[in->n_names++], name);
}

/* Writes one record into the data directories. */
static void write_record(struct input *in, const char *rec, size_t len)
{
	const char *newline = memchr(rec, '\n', len);
	size_t path_len = newline ? (size_t)(newline - rec) : len;
	const char *text = newline ? newline + 1 : rec + len;
	size_t text_len = (size_t)(rec + len - text);
	const char *dir = in->dirs[0];
	const char *kind;
	char name[NAME_LEN_MAX + 1], path[1024];
	bool directory;
	int fd;

	if (path_len > 0 && rec[0] == '?') {
		clean_name(rec + 1, path_len - 1, name);
		add_name(in, name, true);
		return;
	}
	if (path_len >= 2 && memcmp(rec, "2/", 2) == 0) {
		dir = in->dirs[1];
		rec += 2;
		path_len -= 2;
	}
	if (path_len >= 5 && memcmp(rec, "gpus/", 5) == 0) {
		kind = "gpus";
		rec += 5;
		path_len -= 5;
	} else {
		kind = "models";
		if (path_len >= 7 && memcmp(rec, "models/", 7) == 0) {
			rec += 7;
			path_len -= 7;
		}
	}
	directory = path_len > 0 && rec[path_len - 1] == '/';
	clean_name(rec, path_len, name);
	/* "", "." and ".." name no file of their own. */
	if (strspn(name, ".") == strlen(name))
		return;
	add_name(in, name, false);
	snprintf(path, sizeof path, "%s/%s/%s.yaml", dir, kind, name);
	if (directory) {
		if (mkdir(path, 0700) != 0 && errno != EEXIST)
			__builtin_trap();
		return;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0600);
	if (fd < 0) {
		if (errno == EISDIR || errno == ELOOP)
			return; /* a directory record made it one */
		__builtin_trap();
	}
	if (write(fd, text, text_len) != (ssize_t)text_len)
		__builtin_trap();
	close(fd);
}

/* Looks name up as a model and as a GPU. */
static void look_up(kvp_catalog *cat, const char *name)
{
	kvp_model model;
	kvp_device device;
	kvp_error err;

	fuzz_check_error(kvp_catalog_model(cat, name, &model, &err), &err);
	fuzz_check_error(kvp_catalog_device(cat, name, &device, &err), &err);
}

/* Looks each name up as given, with its last character dropped (a typo
 * the suggestions answer) and in capitals (a case-blind match). */
static void look_up_names(kvp_catalog *cat, const struct input *in)
{
	for (size_t i = 0; i < in->n_names; i++) {
		char other[NAME_LEN_MAX + 1];
		size_t len = strlen(in->names[i]);

		look_up(cat, in->names[i]);
		if (len > 1) {
			memcpy(other, in->names[i], len - 1);
			other[len - 1] = '\0';
			look_up(cat, other);
		}
		for (size_t c = 0; c <= len; c++)
			other[c] = (in->names[i][c] >= 'a' && in->names[i][c] <= 'z')
			           ? (char)(in->names[i][c] - 'a' + 'A') : in->names[i][c];
		look_up(cat, other);
	}
}

/* Lists both kinds; every model and GPU listed is found again by its
 * name, the same profile. */
static void list_all(kvp_catalog *cat)
{
	const kvp_model *models;
	const kvp_device *devices;
	size_t count;
	kvp_error err;
	kvp_status status;

	status = kvp_catalog_models(cat, &models, &count, &err);
	fuzz_check_error(status, &err);
	for (size_t i = 0; status == KVP_OK && i < count; i++) {
		kvp_model found;

		if (kvp_catalog_model(cat, models[i].name, &found, &err) != KVP_OK ||
		    memcmp(&found, &models[i], sizeof found) != 0)
			__builtin_trap();
	}
	status = kvp_catalog_devices(cat, &devices, &count, &err);
	fuzz_check_error(status, &err);
	for (size_t i = 0; status == KVP_OK && i < count; i++) {
		kvp_device found;

		if (kvp_catalog_device(cat, devices[i].name, &found, &err) != KVP_OK ||
		    memcmp(&found, &devices[i], sizeof found) != 0)
			__builtin_trap();
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const char *const subdirs[] = {"models", "gpus"};
	const char *text = (const char *)data, *end = text + size;
	const char *dirs[2];
	struct input in;
	kvp_catalog *cat = NULL;
	kvp_error err;
	size_t records = 0;

	memset(&in, 0, sizeof in);
	for (int d = 0; d < 2; d++) {
		snprintf(in.dirs[d], sizeof in.dirs[d], "%s/%d", make_root(), d + 1);
		dirs[d] = in.dirs[d];
		if (mkdir(in.dirs[d], 0700) != 0)
			__builtin_trap();
		for (int s = 0; s < 2; s++) {
			char sub[600];

			snprintf(sub, sizeof sub, "%s/%s", in.dirs[d], subdirs[s]);
			if (mkdir(sub, 0700) != 0)
				__builtin_trap();
		}
	}
	while (text < end && records < RECORDS_MAX) {
		const char *nul = memchr(text, '\0', (size_t)(end - text));
		size_t len = nul ? (size_t)(nul - text) : (size_t)(end - text);

		write_record(&in, text, len);
		records++;
		text += len + 1;
	}
	fuzz_check_error(kvp_catalog_open(&cat, dirs, 2, &err), &err);
	if (cat) {
		/* Lookups first, on a catalogue that has read no list yet,
		 * then again once the lists are read. */
		look_up_names(cat, &in);
		list_all(cat);
		look_up_names(cat, &in);
		kvp_catalog_free(&cat);
	}
	for (int d = 0; d < 2; d++)
		remove_tree(AT_FDCWD, in.dirs[d]);
	return 0;
}
