/*
 * fuzz_cli.c — libFuzzer harness of the whole kvplan command: the input is
 * split on NUL bytes into its arguments, parsed by the command's own parser
 * and, where they parse, run by its main (cli/kvplan.c built with
 * -Dmain=kvplan_main) over the catalogue of the source tree.  What it
 * writes goes to memory, never to the real stdout and stderr, and is
 * checked: an exit status of 0, 1, 2 or 3; nothing on stdout after an
 * error (2); every line of stderr a "kvplan: " line with no control
 * character; JSON output one JSON object.
 *
 * Paths never reach outside a scratch directory: each path an option names
 * becomes SCRATCH/N-TEXT, TEXT being the path given with '/' made '_' (its
 * other bytes kept, for messages that quote it), and that is a symlink to
 * one of the readers' seeds (--config, --gguf, --safetensors: the one whose
 * name the path given ends in, else one picked by a hash of it) or to the
 * source tree's data (--data-dir); --chart writes there, and gnuplot is
 * one that does not exist.  --validate, which allocates the whole cache,
 * is not run, nor a --sweep of more than 64 x 64 points; a sweep's JSON
 * is checked line by line.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "cli.h"
#include "fuzz.h"

#ifndef KVP_TEST_SRCDIR
#error "KVP_TEST_SRCDIR (the source tree, for its data and seeds) must be defined"
#endif

#define ARGS_MAX 64
/* The readers' seeds a path option is given, at most this many of each. */
#define SEEDS_MAX 64
/* The part of a path given that names the file made for it. */
#define LINK_TEXT_MAX 200
/* What is kept of each stream; more is counted, not kept. */
#define CAPTURE_MAX (1 << 20)

/* cli/kvplan.c's main, renamed. */
int kvplan_main(int argc, char **argv);

/* One of the command's streams, captured. */
struct capture {
	char text[CAPTURE_MAX];
	size_t length; /* bytes written, kept or not */
};

static struct capture out_capture, err_capture;

static ssize_t capture_write(void *cookie, const char *data, size_t size)
{
	struct capture *c = cookie;

	if (c->length < CAPTURE_MAX) {
		size_t keep = CAPTURE_MAX - c->length < size ?
		              CAPTURE_MAX - c->length : size;

		memcpy(c->text + c->length, data, keep);
	}
	c->length += size;
	return (ssize_t)size;
}

/* The scratch directory, and the seeds of each reader. */
static char scratch[256];
struct seeds {
	const char *reader;
	char *paths[SEEDS_MAX];
	size_t count;
};
static struct seeds config_seeds = {.reader = "config"},
                    gguf_seeds = {.reader = "gguf"},
                    safetensors_seeds = {.reader = "safetensors"};

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void find_seeds(struct seeds *s)
{
	char dir[1024];
	DIR *d;
	struct dirent *e;

	snprintf(dir, sizeof dir, "%s/tests/fuzz/corpus/%s", KVP_TEST_SRCDIR,
	         s->reader);
	if (!(d = opendir(dir)))
		__builtin_trap();
	while ((e = readdir(d)) != NULL && s->count < SEEDS_MAX) {
		if (e->d_name[0] == '.')
			continue;
		if (asprintf(&s->paths[s->count], "%s/%s", dir, e->d_name) < 0)
			__builtin_trap();
		s->count++;
	}
	closedir(d);
	if (s->count == 0)
		__builtin_trap();
	qsort(s->paths, s->count, sizeof *s->paths, compare_names);
}

/* Empties the scratch directory (it holds files and links only). */
static void clear_scratch(void)
{
	DIR *d = opendir(scratch);
	struct dirent *e;

	if (!d)
		__builtin_trap();
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0 &&
		    unlinkat(dirfd(d), e->d_name, 0) != 0)
			__builtin_trap();
	closedir(d);
}

static void remove_scratch(void)
{
	clear_scratch();
	rmdir(scratch);
}

/* glibc's stdout and stderr are variables that may be set: the command
 * writes to these streams instead, while libFuzzer, which took stderr at
 * its start, and the sanitizers, which write to the descriptor, still
 * report as before. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const cookie_io_functions_t io = {.write = capture_write};
	const char *base = getenv("TMPDIR");

	(void)argc;
	(void)argv;
	/* The catalogue is the source tree's alone (KVP_SRCDATADIR, as for a
	 * command run from its build tree), and no chart is drawn. */
	unsetenv("KVPLAN_DATA_PATH");
	setenv("KVPLAN_GNUPLOT", "/nonexistent/gnuplot", 1);
	snprintf(scratch, sizeof scratch, "%s/kvplan-fuzz-cli-XXXXXX",
	         base && *base ? base : "/tmp");
	if (!mkdtemp(scratch))
		__builtin_trap();
	atexit(remove_scratch);
	find_seeds(&config_seeds);
	find_seeds(&gguf_seeds);
	find_seeds(&safetensors_seeds);
	stdout = fopencookie(&out_capture, "w", io);
	stderr = fopencookie(&err_capture, "w", io);
	if (!stdout || !stderr)
		__builtin_trap();
	setvbuf(stdout, NULL, _IOFBF, BUFSIZ);
	setvbuf(stderr, NULL, _IONBF, 0);
	return 0;
}

/* The arguments, each its own copy, as argv and in the order given. */
struct args {
	int argc;
	char *argv[ARGS_MAX + 2];
	char *copies[ARGS_MAX];
	int n_copies;
	int made; /* files made in the scratch directory */
};

/* Makes the file for path, an option's value inside one of the copies:
 * SCRATCH/N-TEXT, a link to target unless that is NULL (a file the
 * command writes), and puts its name where path was, in the copy and in
 * argv.  No fit, no change. */
static void swap_path(struct args *a, const char *path, const char *target)
{
	char made[sizeof scratch + LINK_TEXT_MAX + 16], *copy = NULL;
	size_t n;
	int i;

	for (i = 0; i < a->n_copies; i++)
		if (path >= a->copies[i] &&
		    path <= a->copies[i] + strlen(a->copies[i]))
			break;
	if (i == a->n_copies)
		__builtin_trap();
	n = (size_t)snprintf(made, sizeof made, "%s/%d-", scratch, a->made++);
	for (const char *p = path; *p && n < sizeof made - 1 &&
	     p < path + LINK_TEXT_MAX; p++)
		made[n++] = *p == '/' ? '_' : *p;
	made[n] = '\0';
	if (target && symlink(target, made) != 0)
		__builtin_trap();
	if (asprintf(&copy, "%.*s%s", (int)(path - a->copies[i]), a->copies[i],
	             made) < 0)
		__builtin_trap();
	for (int j = 1; j < a->argc; j++)
		if (a->argv[j] == a->copies[i])
			a->argv[j] = copy;
	free(a->copies[i]);
	a->copies[i] = copy;
}

/* The seed of s for the path given: the one whose file name it ends in
 * (what a kept input names, so that new seeds change nothing), or one
 * picked by a hash of it. */
static const char *seed_for(const struct seeds *s, const char *path)
{
	uint32_t hash = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < s->count; i++) {
		const char *name = strrchr(s->paths[i], '/') + 1;
		size_t len = strlen(name), path_len = strlen(path);

		if (path_len >= len && strcmp(path + path_len - len, name) == 0)
			return s->paths[i];
	}
	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		hash = (hash ^ *p) * 16777619u;
	return s->paths[hash % s->count];
}

/* Swaps every path of o, parsed from a, for one in the scratch directory. */
static void swap_paths(struct args *a, const struct cli_options *o)
{
	if (o->config_path)
		swap_path(a, o->config_path, seed_for(&config_seeds, o->config_path));
	if (o->gguf_path)
		swap_path(a, o->gguf_path, seed_for(&gguf_seeds, o->gguf_path));
	for (size_t i = 0; i < o->n_safetensors; i++)
		swap_path(a, o->safetensors[i],
		          seed_for(&safetensors_seeds, o->safetensors[i]));
	for (size_t i = 0; i < o->n_data_dirs; i++)
		swap_path(a, o->data_dirs[i], KVP_TEST_SRCDIR "/data");
	if (o->chart_path)
		swap_path(a, o->chart_path, NULL);
}

/* Every line "kvplan: ..." with no control character but its line feed. */
static void check_stderr(void)
{
	const char *text = err_capture.text;
	size_t length = err_capture.length < CAPTURE_MAX ? err_capture.length
	                                                 : CAPTURE_MAX;
	bool line_start = true;

	for (size_t i = 0; i < length; i++) {
		unsigned char c = (unsigned char)text[i];

		if (line_start && (length - i < 8 || memcmp(text + i, "kvplan: ", 8) != 0))
			__builtin_trap();
		if ((c < 0x20 && c != '\n') || c == 0x7f)
			__builtin_trap();
		line_start = c == '\n';
	}
	if (length > 0 && text[length - 1] != '\n')
		__builtin_trap();
}

/* Whether a range of --sweep has at most max points. */
static bool range_small(const struct cli_range *r, unsigned max)
{
	uint64_t v = r->from;
	unsigned n = 1;

	if (!r->set)
		return true;
	while (n <= max) {
		if (r->times ? v > UINT64_MAX / r->step : v > UINT64_MAX - r->step)
			return true;
		v = r->times ? v * r->step : v + r->step;
		if (v > r->to)
			return true;
		n++;
	}
	return false;
}

/* JSON lines: each line one object. */
static void check_json_lines(const char *text, size_t length)
{
	const char *end = text + length;

	while (text < end) {
		const char *nl = memchr(text, '\n', (size_t)(end - text));
		json_error_t error;
		json_t *doc;

		if (!nl)
			__builtin_trap();
		doc = json_loadb(text, (size_t)(nl - text), JSON_DECODE_INT_AS_REAL, &error);
		if (!doc || !json_is_object(doc))
			__builtin_trap();
		json_decref(doc);
		text = nl + 1;
	}
}

static void check_stdout(int rc, enum cli_format format, enum cli_action action,
                         bool sweep)
{
	const char *text = out_capture.text;
	size_t length = out_capture.length;

	if (rc == 2 && length > 0)
		__builtin_trap();
	if (length >= CAPTURE_MAX)
		return;
	for (size_t i = 0; i < length; i++) {
		unsigned char c = (unsigned char)text[i];

		if ((c < 0x20 && c != '\n') || c == 0x7f)
			__builtin_trap();
	}
	if (rc != 2 && format == CLI_JSON && sweep) {
		check_json_lines(text, length);
		return;
	}
	if (rc != 2 && format == CLI_JSON &&
	    (action == CLI_PLAN || action == CLI_LIST_MODELS ||
	     action == CLI_LIST_GPUS)) {
		json_error_t error;
		/* Sizes are unsigned 64-bit integers, past 2^63 too
		 * (kvplan.1), which jansson's integers are not: read as
		 * reals, every JSON number is taken. */
		json_t *doc = json_loadb(text, length, JSON_DECODE_INT_AS_REAL, &error);

		if (!doc || (action == CLI_PLAN && !json_is_object(doc)))
			__builtin_trap();
		json_decref(doc);
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;
	struct args a = {.argc = 1};
	struct cli_options opts;
	int rc;

	a.argv[0] = (char *)"kvplan";
	while (p < end && a.n_copies < ARGS_MAX) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		size_t len = nul ? (size_t)(nul - p) : (size_t)(end - p);

		a.copies[a.n_copies] = strndup(p, len);
		if (!a.copies[a.n_copies])
			__builtin_trap();
		a.argv[a.argc++] = a.copies[a.n_copies++];
		p += len + 1;
	}
	a.argv[a.argc] = NULL;
	out_capture.length = err_capture.length = 0;
	rc = cli_parse_args(a.argc, a.argv, &opts);
	/* Parsed again by main, with the same meaning: the parse left no
	 * operand for getopt to have moved. */
	/* A sweep writes a row per point: a few thousand at most here. */
	if (rc == 0 && !opts.validate &&
	    (!opts.sweep || (range_small(&opts.sweep_seq, 64) &&
	                     range_small(&opts.sweep_batch, 64)))) {
		swap_paths(&a, &opts);
		out_capture.length = err_capture.length = 0;
		rc = kvplan_main(a.argc, a.argv);
		fflush(stdout);
		if (rc < 0 || rc > 3)
			__builtin_trap();
		check_stdout(rc, opts.format, opts.action, opts.sweep);
		clear_scratch();
	}
	fflush(stderr);
	check_stderr();
	for (int i = 0; i < a.n_copies; i++)
		free(a.copies[i]);
	return 0;
}
