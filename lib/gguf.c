/*
 * gguf.c — the GGUF header reader's entry points: kvp_gguf_parse walks a
 * file in memory (the keys, lib/gguf_keys.c; the tensor infos,
 * lib/gguf_tensors.c) and reads its architecture's keys into a model
 * (lib/gguf_arch.c); kvp_gguf_read maps a file on disk for it.  Every
 * length and count is checked against the bytes that remain before it is
 * used, following ggml's own reader, gguf_init_from_reader in
 * ggml/src/gguf.cpp (llama.cpp commit 067d44f6c484); where kvplan is
 * stricter (empty tensor names, a dimension of 0) the message says what is
 * wrong.  The tensor data is never read.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gguf.h"

kvp_status kvp_gguf_parse(const unsigned char *data, size_t length,
                          const char *path, kvp_model *model,
                          kvp_source *source, kvp_weights *weights,
                          kvp_error *err)
{
	kvp__gguf_cursor c = {.data = data, .length = length, .path = path,
	                      .err = err};
	kvp__gguf g = {.data = data, .length = length, .path = path};
	kvp_weights tally;
	kvp_model m;
	uint64_t n_tensors, alignment = KVP__GGUF_DEFAULT_ALIGNMENT, params = 0;
	uint64_t mtp_before, shared_before, vision_before;
	uint32_t first_nextn;
	bool tied = false;
	kvp_status st;

	if (!model || (!data && length > 0))
		return kvp__error(err, KVP_ERR_INVALID,
		                  "kvp_gguf_parse needs a model and the file's bytes");
	kvp_source_init(source, KVP_SOURCE_GGUF, path);
	if (weights)
		tally = *weights;
	else
		kvp_weights_init(&tally);
	memset(&m, 0, sizeof m);
	if ((st = kvp__gguf_read_header(&c, &n_tensors, &g.n_kv)) != KVP_OK)
		return st;
	if (g.n_kv > 0 && !(g.kv = kvp__malloc((size_t)g.n_kv * sizeof *g.kv)))
		return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
	mtp_before = tally.mtp_params;
	shared_before = tally.mtp_shared_params;
	vision_before = tally.vision_params;
	if ((st = kvp__gguf_read_kvs(&c, &g, &alignment)) == KVP_OK) {
		first_nextn = kvp__gguf_first_nextn(&g);
		tally.mtp_from_layer = first_nextn == UINT32_MAX ? 0 : first_nextn;
		st = kvp__gguf_read_tensors(&c, n_tensors, alignment, &tally,
		                            &params, &tied);
	}
	if (st == KVP_OK && (st = kvp__gguf_model(&g, &m, source, err)) == KVP_OK) {
		kvp__name_from_path(path ? path : "", ".gguf", false, m.name);
		snprintf(m.description, sizeof m.description,
		         "read from GGUF (%s)", source && source->family[0] ?
		         source->family : "no architecture");
		/* Every tensor's; of them the NextN blocks' are the MTP
		 * layers' (kvp_weights mtp_bytes), which a plan leaves out
		 * of the model's weights. */
		m.params = params;
		m.mtp_params = tally.mtp_params - mtp_before;
		m.mtp_shared_params = tally.mtp_shared_params - shared_before;
		m.vision_params = tally.vision_params - vision_before;
		m.tie_embeddings = tied;
		if (m.mtp_params)
			kvp__note(source, "params", KVP_ORIGIN_DERIVED,
			          "the elements of the %llu tensors, of them the"
			          " NextN blocks' %llu", (unsigned long long)n_tensors,
			          (unsigned long long)m.mtp_params);
		else
			kvp__note(source, "params", KVP_ORIGIN_DERIVED,
			          "the elements of the %llu tensors",
			          (unsigned long long)n_tensors);
		st = kvp_model_finalize(&m, err);
	}
	kvp__free(g.kv);
	if (st != KVP_OK)
		return st;
	tally.files++;
	if (weights)
		*weights = tally;
	*model = m;
	return kvp__error_clear(err);
}

kvp_status kvp_gguf_read(const char *path, kvp_model *model,
                         kvp_source *source, kvp_weights *weights,
                         kvp_error *err)
{
	static const unsigned char empty[1];
	struct stat st;
	void *map = NULL;
	int fd, error;
	kvp_status status;

	if (!path || !model)
		return kvp__error(err, KVP_ERR_INVALID,
		                  "kvp_gguf_read needs a path and a model");
	status = kvp__open_regular(path, NULL, &fd, &st, err);
	if (status != KVP_OK)
		return status;
	if ((uint64_t)st.st_size > SIZE_MAX) {
		close(fd);
		return kvp__error_at(err, KVP_ERR_IO, path, 0, 0,
		                     "too large to map on this platform");
	}
	/* Mapped, so that only the header's pages are ever read: the
	 * tensor data of a 40 GB file stays on disk. */
	if (st.st_size > 0) {
		map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			error = errno;
			close(fd);
			return kvp__error_at(err, kvp__errno_status(error), path, 0, 0,
			                     "%s", strerror(error));
		}
	}
	close(fd);
	status = kvp_gguf_parse(map ? map : empty, (size_t)st.st_size, path,
	                        model, source, weights, err);
	if (map)
		munmap(map, (size_t)st.st_size);
	return status;
}
