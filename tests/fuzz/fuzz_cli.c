/*
 * fuzz_cli.c — libFuzzer harness of the whole kvplan command: the input is
 * split on NUL bytes into its arguments, parsed by the command's own parser
 * and, where they parse, run by its main (cli/kvplan.c built with
 * -Dmain=kvplan_main) over the catalogue of the source tree.  What it
 * writes goes to memory, never to the real stdout and stderr, and is
 * checked: an exit status of 0, 1, 2 or 3; nothing on stdout after an
 * error (2); every line of stderr a "kvplan: " line with no control
 * character; JSON output one JSON object.  Arguments that name files or
 * directories (--config, --gguf, --safetensors, --chart, --data-dir) are
 * not run, nor --validate, which allocates the whole cache.
 */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "fuzz.h"

#define ARGS_MAX 64
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

/* glibc's stdout and stderr are variables that may be set: the command
 * writes to these streams instead, while libFuzzer, which took stderr at
 * its start, and the sanitizers, which write to the descriptor, still
 * report as before. */
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const cookie_io_functions_t io = {.write = capture_write};

	(void)argc;
	(void)argv;
	/* The catalogue is the source tree's alone (KVP_SRCDATADIR, as for a
	 * command run from its build tree). */
	unsetenv("KVPLAN_DATA_PATH");
	stdout = fopencookie(&out_capture, "w", io);
	stderr = fopencookie(&err_capture, "w", io);
	if (!stdout || !stderr)
		__builtin_trap();
	setvbuf(stdout, NULL, _IOFBF, BUFSIZ);
	setvbuf(stderr, NULL, _IONBF, 0);
	return 0;
}

/* Options that reach outside the catalogue or allocate the whole cache. */
static bool reaches_out(const struct cli_options *o)
{
	return o->config_path || o->gguf_path || o->n_safetensors ||
	       o->chart_path || o->n_data_dirs || o->validate;
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

static void check_stdout(int rc, enum cli_format format, enum cli_action action)
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
	if (rc != 2 && format == CLI_JSON &&
	    (action == CLI_PLAN || action == CLI_LIST_MODELS ||
	     action == CLI_LIST_GPUS)) {
		json_error_t error;
		json_t *doc = json_loadb(text, length, 0, &error);

		if (!doc || (action == CLI_PLAN && !json_is_object(doc)))
			__builtin_trap();
		json_decref(doc);
	}
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *copies[ARGS_MAX], *argv[ARGS_MAX + 2];
	const char *p = (const char *)data, *end = p + size;
	struct cli_options opts;
	int argc = 1, n_copies = 0, rc;

	argv[0] = (char *)"kvplan";
	while (p < end && n_copies < ARGS_MAX) {
		const char *nul = memchr(p, '\0', (size_t)(end - p));
		size_t len = nul ? (size_t)(nul - p) : (size_t)(end - p);

		copies[n_copies] = strndup(p, len);
		if (!copies[n_copies])
			return 0;
		argv[argc++] = copies[n_copies++];
		p += len + 1;
	}
	argv[argc] = NULL;
	out_capture.length = err_capture.length = 0;
	rc = cli_parse_args(argc, argv, &opts);
	if (rc == 0 && !reaches_out(&opts)) {
		out_capture.length = err_capture.length = 0;
		rc = kvplan_main(argc, argv);
		fflush(stdout);
		if (rc < 0 || rc > 3)
			__builtin_trap();
		check_stdout(rc, opts.format, opts.action);
	}
	fflush(stderr);
	check_stderr();
	for (int i = 0; i < n_copies; i++)
		free(copies[i]);
	return 0;
}
