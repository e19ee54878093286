/*
 * safetensors_read.c — finding a checkpoint's safetensors files (one file,
 * a directory of them, or the shards a model.safetensors.index.json
 * names) and reading each one's header, never its tensor data.
 */
#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "inputs.h"

/* The most bytes of an index read, as hf_params.c reads one.  DeepSeek-V3's
 * names about 92,000 tensors at some 95 bytes a line, near 9 MiB. */
#define INDEX_MAX_BYTES (64u << 20)

static const char suffix[] = ".safetensors";

static kvp_status nomem(kvp_error *err)
{
	return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
}

static int ends_with(const char *s, const char *end)
{
	size_t len = strlen(s), elen = strlen(end);

	return len >= elen && strcmp(s + len - elen, end) == 0;
}

/* dir[0..dir_len) + "/" + name, kvp__malloc'd (NULL: out of memory). */
static char *path_join(const char *dir, size_t dir_len, const char *name)
{
	size_t name_len = strlen(name);
	char *joined = kvp__malloc(dir_len + 1 + name_len + 1);

	if (joined) {
		memcpy(joined, dir, dir_len);
		joined[dir_len] = '/';
		memcpy(joined + dir_len + 1, name, name_len + 1);
	}
	return joined;
}

/* Reads exactly size bytes at the descriptor's position into buf; *got
 * says how many came before the end of the file. */
static int read_full(int fd, unsigned char *buf, size_t size, size_t *got)
{
	*got = 0;
	while (*got < size) {
		ssize_t n = read(fd, buf + *got, size - *got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		if (n == 0)
			break;
		*got += (size_t)n;
	}
	return 0;
}

/* One file: its 8-byte length, checked against the cap and the file's
 * size before the header is allocated, then the header alone. */
static kvp_status read_file(const char *path, kvp_weights *weights,
                            kvp_error *err)
{
	unsigned char head[8], *buf;
	struct stat st;
	uint64_t n;
	size_t got;
	int fd, error;
	kvp_status status;

	status = kvp__open_regular(path, NULL, &fd, &st, err);
	if (status != KVP_OK)
		return status;
	error = read_full(fd, head, sizeof head, &got);
	if (!error) {
		status = kvp__safetensors_header_length(head, got,
		                                        (uint64_t)st.st_size,
		                                        path, &n, err);
		if (status != KVP_OK) {
			close(fd);
			return status;
		}
		/* n is at most KVP_SAFETENSORS_HEADER_MAX: no overflow. */
		buf = kvp__malloc(sizeof head + (size_t)n);
		if (!buf) {
			close(fd);
			return nomem(err);
		}
		memcpy(buf, head, sizeof head);
		error = read_full(fd, buf + sizeof head, (size_t)n, &got);
		if (!error && got < n)
			status = kvp__error_at(err, KVP_ERR_IO, path, 0, 0,
			                       "shrank while being read");
		else if (!error)
			status = kvp_safetensors_parse(buf, sizeof head + (size_t)n,
			                               (uint64_t)st.st_size,
			                               path, weights, err);
		kvp__free(buf);
	}
	close(fd);
	if (error)
		return kvp__error_at(err, kvp__errno_status(error), path, 0, 0,
		                     "%s", strerror(error));
	return status;
}

static int name_order(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void names_free(char **names, size_t count)
{
	for (size_t i = 0; i < count; i++)
		kvp__free(names[i]);
	kvp__free(names);
}

/* The *.safetensors names in dir (not its hidden files, as a shell's
 * glob), kvp__malloc'd, sorted by byte. */
static kvp_status dir_list(const char *dir, char ***names, size_t *count,
                           kvp_error *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t cap = 0;
	kvp_status status = KVP_OK;

	*names = NULL;
	*count = 0;
	if (!d)
		return kvp__error_at(err, kvp__errno_status(errno), dir, 0, 0,
		                     "%s", strerror(errno));
	for (errno = 0; (e = readdir(d)) != NULL; errno = 0) {
		if (e->d_name[0] == '.' || !ends_with(e->d_name, suffix))
			continue;
		if (*count == cap) {
			size_t more = cap ? 2 * cap : 16;
			char **grown = more > SIZE_MAX / sizeof *grown ? NULL :
			               kvp__realloc(*names, more * sizeof *grown);

			if (!grown) {
				status = nomem(err);
				break;
			}
			*names = grown;
			cap = more;
		}
		(*names)[*count] = kvp__strdup(e->d_name);
		if (!(*names)[*count]) {
			status = nomem(err);
			break;
		}
		(*count)++;
	}
	if (status == KVP_OK && errno)
		status = kvp__error_at(err, kvp__errno_status(errno), dir, 0, 0,
		                       "%s", strerror(errno));
	closedir(d);
	if (status != KVP_OK) {
		names_free(*names, *count);
		*names = NULL;
		*count = 0;
		return status;
	}
	if (*count)
		qsort(*names, *count, sizeof **names, name_order);
	return KVP_OK;
}

/* Reads the files names[0..count) under dir[0..dir_len); index, when
 * not NULL, is the index that named them, for the message of a missing
 * one. */
static kvp_status read_files(const char *dir, size_t dir_len,
                             const char *const *names, size_t count,
                             const char *index, kvp_weights *weights,
                             kvp_error *err)
{
	for (size_t i = 0; i < count; i++) {
		char *path = path_join(dir, dir_len, names[i]);
		kvp_status status;

		if (!path)
			return nomem(err);
		status = read_file(path, weights, err);
		if (status == KVP_ERR_NOT_FOUND && index) {
			char quoted[KVP_QUOTE_MAX];

			kvp__error_at(err, status, path, 0, 0,
			              "no such file, but %s names it as a shard",
			              kvp_escape(index, quoted, sizeof quoted));
		}
		kvp__free(path);
		if (status != KVP_OK)
			return status;
	}
	return KVP_OK;
}

static kvp_status read_dir(const char *dir, kvp_weights *weights,
                           kvp_error *err)
{
	char **names;
	size_t count;
	kvp_status status = dir_list(dir, &names, &count, err);

	if (status != KVP_OK)
		return status;
	if (count == 0)
		status = kvp__error_at(err, KVP_ERR_NOT_FOUND, dir, 0, 0,
		                       "no *.safetensors file in this directory");
	else
		status = read_files(dir, strlen(dir), (const char *const *)names,
		                    count, NULL, weights, err);
	names_free(names, count);
	return status;
}

/* The index's metadata.total_size, when it states one, added to
 * weights->index_total_size. */
static kvp_status index_total(const json_t *root, const char *path,
                              kvp_weights *weights, kvp_error *err)
{
	const json_t *metadata = json_object_get(root, "metadata"), *total;

	if (!metadata || json_is_null(metadata))
		return KVP_OK;
	if (!json_is_object(metadata))
		return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
		                     "metadata is not an object");
	total = json_object_get(metadata, "total_size");
	if (!total || json_is_null(total))
		return KVP_OK;
	if (!json_is_integer(total) || json_integer_value(total) < 0)
		return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
		                     "metadata.total_size is not a "
		                     "non-negative integer");
	if (!kvp__add(weights->index_total_size,
	              (uint64_t)json_integer_value(total),
	              &weights->index_total_size))
		return kvp__error_at(err, KVP_ERR_OVERFLOW, path, 0, 0,
		                     "the indexes' total_size overflows 64 bits");
	return KVP_OK;
}

/* The distinct shard names of weight_map, sorted, pointing into root
 * (*names kvp__malloc'd).  A name must be a file in the index's own
 * directory: none empty, none with '/' or "..". */
static kvp_status index_shards(const json_t *root, const char *path,
                               const char ***names, size_t *count,
                               kvp_error *err)
{
	const json_t *map = json_object_get(root, "weight_map");
	const char *key;
	json_t *value;
	size_t n = 0;

	*names = NULL;
	*count = 0;
	if (!json_is_object(map))
		return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
		                     "%s", map ? "weight_map is not an object" :
		                     "no weight_map");
	if (json_object_size(map) == 0)
		return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
		                     "weight_map names no tensor");
	*names = kvp__calloc(json_object_size(map), sizeof **names);
	if (!*names)
		return nomem(err);
	json_object_foreach((json_t *)map, key, value) {
		const char *shard = json_string_value(value);
		const char *problem = NULL;
		char quoted[KVP_QUOTE_MAX], file[KVP_QUOTE_MAX];

		if (!shard)
			problem = "is not a string";
		else if (!*shard || strchr(shard, '/') || strstr(shard, ".."))
			problem = "is no file name in the index's directory";
		if (problem) {
			kvp__free(*names);
			*names = NULL;
			return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
			                     "weight_map \"%s\": shard%s%s%s %s",
			                     kvp__label_text(key, "", quoted),
			                     shard ? " \"" : "",
			                     shard ? kvp__label_text(shard, "", file) : "",
			                     shard ? "\"" : "", problem);
		}
		(*names)[n++] = shard;
	}
	qsort(*names, n, sizeof **names, name_order);
	for (size_t i = 0; i < n; i++)
		if (*count == 0 || strcmp((*names)[*count - 1], (*names)[i]) != 0)
			(*names)[(*count)++] = (*names)[i];
	return KVP_OK;
}

kvp_status kvp__safetensors_index(const char *path, int *unreached,
                                  bool shards_too, kvp_weights *weights,
                                  bool *mtp_named, kvp_error *err)
{
	const char **shards = NULL;
	const char *slash = strrchr(path, '/');
	size_t count = 0;
	char *text;
	size_t length;
	json_t *root;
	json_error_t jerr;
	kvp_status status;

	status = kvp__read_file(path, unreached, INDEX_MAX_BYTES,
	                        "safetensors index", &text, &length, err);
	if (status != KVP_OK)
		return status;
	root = kvp__json_loadb(text, length, JSON_REJECT_DUPLICATES, &jerr);
	kvp__free(text);
	if (kvp__json_failed()) {
		json_decref(root);
		return nomem(err);
	}
	if (!root) {
		char problem[2 * JSON_ERROR_TEXT_LENGTH];

		return kvp__error_at(err, KVP_ERR_PARSE, path,
		                     jerr.line > 0 ? (unsigned long)jerr.line : 0,
		                     jerr.column > 0 ? (unsigned long)jerr.column : 0,
		                     "%s", kvp_escape(jerr.text, problem,
		                                      sizeof problem));
	}
	if (!json_is_object(root))
		status = kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
		                       "not a JSON object");
	if (status == KVP_OK)
		status = index_total(root, path, weights, err);
	if (status == KVP_OK && mtp_named) {
		const json_t *map = json_object_get(root, "weight_map");
		const char *key;
		json_t *value;

		*mtp_named = false;
		if (json_is_object(map))
			json_object_foreach((json_t *)map, key, value)
				if (kvp__weights_mtp_name(weights, key))
					*mtp_named = true;
	}
	if (status == KVP_OK && shards_too)
		status = index_shards(root, path, &shards, &count, err);
	if (status == KVP_OK && shards_too) {
		/* The shards lie beside the index ("/x.json": in "/"). */
		if (slash)
			status = read_files(path, (size_t)(slash - path), shards,
			                    count, path, weights, err);
		else
			status = read_files(".", 1, shards, count, path,
			                    weights, err);
	}
	kvp__free(shards);
	json_decref(root);
	return status;
}

kvp_status kvp_safetensors_read(const char *path, kvp_weights *weights,
                                kvp_error *err)
{
	kvp_weights tally;
	struct stat st;
	kvp_status status;

	if (!path || !weights)
		return kvp__error(err, KVP_ERR_INVALID,
		                  "kvp_safetensors_read: no path or no weights");
	/* All files or none: a failure part-way leaves weights as it was. */
	tally = *weights;
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
		status = read_dir(path, &tally, err);
	else if (ends_with(path, ".json"))
		status = kvp__safetensors_index(path, NULL, true, &tally, NULL, err);
	else
		status = read_file(path, &tally, err);
	if (status == KVP_OK)
		*weights = tally;
	return status;
}
