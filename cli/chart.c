/*
 * chart.c — --chart FILE and --chart-kind: writes the chart's data file
 * and gnuplot script whole, then runs gnuplot on the script.
 *
 * FILE's suffix picks the terminal: .png (pngcairo), .svg (svg), or .gp
 * (the script and data only).  Beside FILE go STEM.gp and STEM.dat.  When
 * gnuplot is missing or fails, both stay, one line on stderr says where
 * and why, and kvplan exits 3 after printing the plan as usual.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "chart.h"

extern char **environ;

static const char *const kind_names[] = {"size", "fit", "layers", "engines", "memory",
	NULL};

int cli_parse_chart_option(int code, const char *opt, const char *arg,
                           struct cli_options *o)
{
	char quoted[KVP_QUOTE_MAX];

	if (code == OPT_CHART_KIND) {
		int i = cli_parse_word("chart-kind", "kind", arg, kind_names);

		if (i < 0)
			return 2;
		o->chart_kind = (enum cli_chart_kind)i;
		o->chart_kind_set = true;
		return 0;
	}
	if (code != OPT_CHART)
		return -1;
	for (const char *p = arg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			fprintf(stderr, "kvplan: --%s: '%s' has a control character\n", opt,
			        kvp_escape(arg, quoted, sizeof quoted));
			return 2;
		}
	{
		const char *dot = strrchr(arg, '.');
		const char *slash = strrchr(arg, '/');

		if (!dot || (slash && dot < slash) ||
		    (strcmp(dot, ".png") && strcmp(dot, ".svg") && strcmp(dot, ".gp"))) {
			fprintf(stderr, "kvplan: --%s: '%s' does not end in .png, .svg or .gp\n",
			        opt, kvp_escape(arg, quoted, sizeof quoted));
			return 2;
		}
		if (dot == arg || dot[-1] == '/') {
			fprintf(stderr, "kvplan: --%s: '%s' names no file before its suffix\n",
			        opt, kvp_escape(arg, quoted, sizeof quoted));
			return 2;
		}
		if (strlen(arg) + 8 > PATH_MAX) {
			fprintf(stderr, "kvplan: --%s: the path is longer than %d bytes\n", opt,
			        PATH_MAX - 8);
			return 2;
		}
	}
	o->chart_path = arg;
	return 0;
}

int cli_chart_check(const struct cli_options *o)
{
	if (o->chart_kind_set && !o->chart_path) {
		fputs("kvplan: --chart-kind: give --chart FILE to draw it in\n", stderr);
		return 2;
	}
	if (o->chart_path && o->action != CLI_PLAN) {
		fputs("kvplan: --chart draws a plan, not a list\n", stderr);
		return 2;
	}
	return 0;
}

void chart_quote(FILE *out, const char *s)
{
	fputc('\'', out);
	for (; *s; s++) {
		if (*s == '\'')
			fputs("''", out);
		else
			fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, out);
	}
	fputc('\'', out);
}

const char *chart_types(const kvp_request *r, char *buf, size_t size)
{
	if (r->dtype_k == r->dtype_v)
		snprintf(buf, size, "%s", kvp_dtype_name(r->dtype_k));
	else
		snprintf(buf, size, "K %s / V %s", kvp_dtype_name(r->dtype_k),
		         kvp_dtype_name(r->dtype_v));
	return buf;
}

void chart_title(struct chart *c, const char *what, bool engine)
{
	const kvp_request *r = &c->plan->request;
	char text[512], types[64], policy[128];
	int n;

	n = snprintf(text, sizeof text, "%s: %s, %s cache, batch %" PRIu64 "%s%s",
	             c->plan->model.name, what, chart_types(r, types, sizeof types),
	             r->batch, engine ? ", engine " : "",
	             engine ? kvp_engine_name(r->engine) : "");
	if (n > 0 && (size_t)n < sizeof text && r->policy.kind != KVP_POLICY_FULL)
		n += snprintf(text + n, sizeof text - (size_t)n, ", policy %s",
		              kvp_policy_format(&r->policy, policy, sizeof policy));
	if (n > 0 && (size_t)n < sizeof text && (r->tp > 1 || r->pp > 1))
		snprintf(text + n, sizeof text - (size_t)n, ", tp %u pp %u", r->tp, r->pp);
	fputs("set title ", c->script);
	chart_quote(c->script, text);
	fputs("\n", c->script);
}

char *chart_tokens_text(uint64_t tokens, char *buf, size_t size)
{
	if (tokens >= (1u << 20) && tokens % (1u << 20) == 0)
		snprintf(buf, size, "%" PRIu64 " Mi", tokens >> 20);
	else if (tokens >= 1024 && tokens % 1024 == 0)
		snprintf(buf, size, "%" PRIu64 " Ki", tokens >> 10);
	else
		cli_grouped(tokens, buf, size);
	return buf;
}

unsigned chart_log2_ceil(uint64_t v)
{
	unsigned e = 0;

	while (e < 63 && ((uint64_t)1 << e) < v)
		e++;
	return e;
}

static void tic_label(uint64_t value, int tokens, char *buf, size_t size)
{
	if (tokens)
		chart_tokens_text(value, buf, size);
	else
		cli_human_bytes(value, buf, size);
}

void chart_log_tics(FILE *out, const char *axis, uint64_t lo, uint64_t hi, int tokens)
{
	static const unsigned steps[] = {1, 2, 5, 10, 20};
	unsigned e_lo = lo > 1 ? chart_log2_ceil(lo) : 0, e_hi = chart_log2_ceil(hi);
	unsigned step = 20;
	const char *sep = "";

	if (e_lo > 0 && ((uint64_t)1 << e_lo) > lo)
		e_lo--;
	for (size_t i = 0; i < sizeof steps / sizeof *steps; i++)
		if ((e_hi - e_lo) / steps[i] <= 12) {
			step = steps[i];
			break;
		}
	fprintf(out, "set %stics (", axis);
	for (unsigned e = (e_lo + step - 1) / step * step; e <= e_hi && e <= 62; e += step) {
		char label[32];

		tic_label((uint64_t)1 << e, tokens, label, sizeof label);
		fprintf(out, "%s'%s' %" PRIu64, sep, label, (uint64_t)1 << e);
		sep = ", ";
	}
	fputs(")\n", out);
}

void chart_linear_tics(FILE *out, const char *axis, uint64_t hi, int tokens)
{
	uint64_t step = 1;
	const char *sep = "";

	/* A power-of-two step, or three times one, with at most 8 tics. */
	while (hi / step > 8) {
		if (hi / (step * 3 / 2 + (step == 1)) <= 8 && step >= 2) {
			step = step * 3 / 2;
			break;
		}
		step *= 2;
	}
	fprintf(out, "set %stics (", axis);
	for (uint64_t v = 0; v <= hi && v <= UINT64_MAX - step; v += step) {
		char label[32];

		tic_label(v, tokens, label, sizeof label);
		fprintf(out, "%s'%s' %" PRIu64, sep, label, v);
		sep = ", ";
	}
	fputs(")\n", out);
}

void chart_neutral_request(const kvp_request *r, kvp_request *out)
{
	kvp_request_init(out);
	out->seq = r->seq;
	out->batch = r->batch;
	out->dtype_k = r->dtype_k;
	out->dtype_v = r->dtype_v;
	out->state_dtype = r->state_dtype;
	out->mla = r->mla;
	out->no_window = r->no_window;
	out->weights_dtype = r->weights_dtype;
	out->weight_bytes = r->weight_bytes;
	out->weight_embedding_bytes = r->weight_embedding_bytes;
	out->weight_head_bytes = r->weight_head_bytes;
	out->weight_expert_bytes = r->weight_expert_bytes;
	out->weight_replicated_bytes = r->weight_replicated_bytes;
	out->weight_attention_bytes = r->weight_attention_bytes;
	out->weights_format = r->weights_format;
	out->mem_util = r->mem_util;
	out->chunked_prefill_size = r->chunked_prefill_size;
	out->cuda_graph_max_bs = r->cuda_graph_max_bs;
	out->context_length = r->context_length;
	out->max_running_requests = r->max_running_requests;
	out->sglang_max_total_tokens = r->sglang_max_total_tokens;
	out->max_mamba_cache_size = r->max_mamba_cache_size;
	out->mamba_full_memory_ratio = r->mamba_full_memory_ratio;
	out->reserve_bytes = r->reserve_bytes;
	out->tp = r->tp;
	out->pp = r->pp;
	/* SGLang's data-parallel attention runs on tp x pp GPUs: the other
	 * engines on as many */
	out->dp = cli_sglang_dp_attention(r) ? 1 : r->dp;
	out->pp_layers_len = r->pp_layers_len;
	memcpy(out->pp_layers, r->pp_layers, sizeof out->pp_layers);
	out->kv_budget = r->kv_budget;
	out->policy = r->policy;
	out->gen = r->gen;
	out->kv_repeated = r->kv_repeated;
}

int chart_fail(const kvp_error *err)
{
	fprintf(stderr, "kvplan: --chart: %s\n", err->message);
	return 2;
}

/* path's text into a new file beside it, tmp (path and ".XXXXXX"),
 * whole, or nothing: 0, or 2 after one line on stderr.  A path that is
 * there and is not a regular file (a FIFO, a directory, a link) is
 * refused before anything is written; rename() then puts tmp in its
 * place, so a failed write leaves what was there as it was. */
static int write_temp(const char *path, const char *text, size_t length, char *tmp,
                      size_t size)
{
	struct stat st;
	int fd;
	size_t done = 0;
	mode_t mask;
	char quoted[KVP_QUOTE_MAX];

	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		fprintf(stderr, "kvplan: --chart: '%s' is not a regular file\n",
		        kvp_escape(path, quoted, sizeof quoted));
		return 2;
	}
	if ((size_t)snprintf(tmp, size, "%s.XXXXXX", path) >= size) {
		errno = ENAMETOOLONG;
		tmp[0] = '\0';
		goto fail;
	}
	if ((fd = mkstemp(tmp)) < 0) {
		tmp[0] = '\0';
		goto fail;
	}
	/* (the mode open() would have given: 0666 less the umask) */
	mask = umask(0);
	umask(mask);
	(void)fchmod(fd, 0666 & ~mask);
	while (done < length) {
		ssize_t n = write(fd, text + done, length - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int saved = errno;

			close(fd);
			errno = n == 0 ? ENOSPC : saved;
			goto fail;
		}
		done += (size_t)n;
	}
	if (close(fd) != 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "kvplan: --chart: cannot write '%s': %s\n",
	        kvp_escape(path, quoted, sizeof quoted), strerror(errno));
	if (tmp[0])
		unlink(tmp);
	tmp[0] = '\0';
	return 2;
}

/* The image's terminal, after the suffix. */
static void terminal(FILE *script, const char *image)
{
	const char *suffix = strrchr(image, '.');

	if (strcmp(suffix, ".svg") == 0)
		fprintf(script, "set terminal svg size %d,%d fixed noenhanced"
		        " font 'sans,12' background '#ffffff'\n", CHART_WIDTH, CHART_HEIGHT);
	else
		fprintf(script, "set terminal pngcairo size %d,%d noenhanced"
		        " font 'sans,11' background '#ffffff'\n", CHART_WIDTH, CHART_HEIGHT);
	fputs("set output ", script);
	chart_quote(script, image);
	fputs("\n", script);
}

/* Runs gnuplot on script: 0, or 3 after one line on stderr.  Its stdout
 * goes to stderr, so kvplan's own stays whole. */
static int run_gnuplot(const char *script, const char *data, const char *image)
{
	const char *prog = getenv("KVPLAN_GNUPLOT");
	char arg[PATH_MAX + 2], quoted[KVP_QUOTE_MAX], quoted2[KVP_QUOTE_MAX];
	char *argv[3];
	posix_spawn_file_actions_t actions;
	pid_t pid;
	int rc, status;

	if (!prog || !*prog)
		prog = "gnuplot";
	/* A path that starts with '-' is not an option of gnuplot's. */
	snprintf(arg, sizeof arg, "%s%s", script[0] == '-' ? "./" : "", script);
	argv[0] = (char *)prog;
	argv[1] = arg;
	argv[2] = NULL;
	if (posix_spawn_file_actions_init(&actions) != 0)
		goto nomem;
	if (posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0) != 0 ||
	    posix_spawn_file_actions_adddup2(&actions, 2, 1) != 0) {
		posix_spawn_file_actions_destroy(&actions);
		goto nomem;
	}
	rc = posix_spawnp(&pid, prog, &actions, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	if (rc == ENOMEM)
		goto nomem;
	if (rc != 0) {
		fprintf(stderr, "kvplan: --chart: cannot run %s (%s; install gnuplot or set"
		        " KVPLAN_GNUPLOT): wrote %s and %s, draw with 'gnuplot %s'\n",
		        kvp_escape(prog, quoted, sizeof quoted), strerror(rc), script, data,
		        script);
		return 3;
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			fprintf(stderr, "kvplan: --chart: waiting for gnuplot: %s\n",
			        strerror(errno));
			return 3;
		}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		struct stat st;

		if (stat(image, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0)
			return 0;
		fprintf(stderr, "kvplan: --chart: %s wrote no %s: %s and %s are kept\n",
		        kvp_escape(prog, quoted, sizeof quoted),
		        kvp_escape(image, quoted2, sizeof quoted2), script, data);
		return 3;
	}
	unlink(image);
	/* 127: the program could not be run, where posix_spawnp reports that
	 * from the child (a C library that forks, valgrind), as a shell does. */
	if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
		fprintf(stderr, "kvplan: --chart: cannot run %s (exit status 127; install"
		        " gnuplot or set KVPLAN_GNUPLOT): wrote %s and %s, draw with"
		        " 'gnuplot %s'\n", kvp_escape(prog, quoted, sizeof quoted), script,
		        data, script);
	else if (WIFEXITED(status))
		fprintf(stderr, "kvplan: --chart: %s exited with status %d drawing %s:"
		        " %s and %s are kept\n", kvp_escape(prog, quoted, sizeof quoted),
		        WEXITSTATUS(status), kvp_escape(image, quoted2, sizeof quoted2),
		        script, data);
	else
		fprintf(stderr, "kvplan: --chart: %s was killed by signal %d drawing %s:"
		        " %s and %s are kept\n", kvp_escape(prog, quoted, sizeof quoted),
		        WTERMSIG(status), kvp_escape(image, quoted2, sizeof quoted2),
		        script, data);
	return 3;
nomem:
	fputs("kvplan: out of memory\n", stderr);
	return 2;
}

int cli_chart(const struct cli_options *o, const struct cli_plan *plan)
{
	static int (*const kinds[])(struct chart *) = {
		chart_size, chart_fit, chart_layers, chart_engines, chart_memory};
	const char *path = o->chart_path;
	size_t stem = (size_t)(strrchr(path, '.') - path);
	bool script_only = strcmp(path + stem, ".gp") == 0;
	char script_path[PATH_MAX], data_path[PATH_MAX], script_tmp[PATH_MAX + 8] = "",
	     data_tmp[PATH_MAX + 8] = "";
	struct memout data_text = {0}, script_text = {0};
	struct chart c = {0};
	struct stat st;
	int rc = 2;

	snprintf(script_path, sizeof script_path, "%.*s.gp", (int)stem, path);
	snprintf(data_path, sizeof data_path, "%.*s.dat", (int)stem, path);
	if (!script_only && lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		char quoted[KVP_QUOTE_MAX];

		fprintf(stderr, "kvplan: --chart: '%s' is not a regular file\n",
		        kvp_escape(path, quoted, sizeof quoted));
		return 2;
	}
	c.o = o;
	c.plan = plan;
	c.data_path = data_path;
	c.data = memout_open(&data_text);
	c.script = memout_open(&script_text);
	if (!c.data || !c.script) {
		fputs("kvplan: out of memory\n", stderr);
		goto done;
	}
	fprintf(c.script, "# kvplan %s: the %s chart of %s; draw it with: gnuplot %s\n",
	        PACKAGE_VERSION, kind_names[o->chart_kind], plan->model.name, script_path);
	if (script_only)
		fprintf(c.script, "# (kvplan wrote no image: set a terminal and output)\n");
	else
		terminal(c.script, path);
	fputs("set datafile separator '\\t'\n", c.script);
	if ((rc = kinds[o->chart_kind](&c)) != 0)
		goto done;
	rc = 2;
	{
		bool data_whole = memout_close(&data_text, c.data);
		bool script_whole = memout_close(&script_text, c.script);

		c.data = c.script = NULL;
		if (!data_whole || !script_whole) {
			fputs("kvplan: out of memory\n", stderr);
			goto done;
		}
	}
	/* Both written beside their paths, then both put in place: an error
	 * leaves the files that were there as they were. */
	if (write_temp(data_path, data_text.text, data_text.length, data_tmp,
	               sizeof data_tmp))
		goto done;
	if (write_temp(script_path, script_text.text, script_text.length, script_tmp,
	               sizeof script_tmp)) {
		unlink(data_tmp);
		goto done;
	}
	if (rename(data_tmp, data_path) != 0 || rename(script_tmp, script_path) != 0) {
		char quoted[KVP_QUOTE_MAX];

		fprintf(stderr, "kvplan: --chart: cannot write '%s': %s\n",
		        kvp_escape(access(data_tmp, F_OK) == 0 ? data_path : script_path, quoted,
		                   sizeof quoted), strerror(errno));
		unlink(data_tmp);
		unlink(script_tmp);
		goto done;
	}
	rc = script_only ? 0 : run_gnuplot(script_path, data_path, path);
done:
	if (c.data)
		memout_close(&data_text, c.data);
	if (c.script)
		memout_close(&script_text, c.script);
	memout_free(&data_text);
	memout_free(&script_text);
	return rc;
}
