/*
 * hf_params.c — kvp_config_read and kvp_config_parse, and where a
 * config.json's parameter count comes from: the checkpoint beside it (the
 * index's total_size, else the safetensors headers), else an estimate from
 * the shape (hf_count.c), said to be one.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hfconfig.h"


/* Whether dir holds a *.safetensors file. */
static bool has_safetensors(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	bool found = false;

	if (!d)
		return false;
	while (!found && (e = readdir(d))) {
		size_t n = strlen(e->d_name);

		found = n > 12 && strcmp(e->d_name + n - 12, ".safetensors") == 0;
	}
	closedir(d);
	return found;
}

/* The params, MTP layers' and towers' that safetensors headers count
 * (what, a directory or an index), into m and weights. */
static kvp_status params_from_headers(const char *what, kvp_weights *local, kvp_model *m,
                                      kvp_source *src, kvp_weights *weights,
                                      kvp_error *err)
{
	kvp_status st;

	/* Blocks past the config's own are its MTP layers (DeepSeek-V3's
	 * model.layers.61). */
	local->mtp_from_layer = m->layers;
	if ((st = kvp_safetensors_read(what, local, err)) != KVP_OK)
		return st;
	m->params = local->params;
	m->mtp_params = local->mtp_params;
	m->mtp_shared_params = local->mtp_shared_params;
	m->vision_params = local->vision_params;
	if (weights)
		*weights = *local;
	kvp__note(src, "params", KVP_ORIGIN_READ, "%u safetensors headers beside"
	          " it: %llu tensors", local->files,
	          (unsigned long long)local->tensors);
	return KVP_OK;
}

/* The checkpoint beside config.json in dir, in the order: the
 * shards an index names, read where all are there; else its total_size;
 * else the *.safetensors files in dir. */
static kvp_status params_beside(const char *dir, kvp_model *m, kvp_source *src,
                                kvp_weights *weights, kvp_error *err)
{
	char path[KVP_ERROR_PATH_MAX];
	kvp_weights local;
	kvp_error shard_err;
	uint64_t total, size;
	int unreached = 0;
	bool mtp_named = false;
	kvp_status st;

	if ((size_t)snprintf(path, sizeof path, "%s/model.safetensors.index.json",
	                     dir) >= sizeof path)
		return KVP_OK;
	kvp_weights_init(&local);
	local.mtp_from_layer = m->layers;
	st = kvp__safetensors_index(path, &unreached, false, &local, &mtp_named, err);
	if (st != KVP_OK && !(st == KVP_ERR_NOT_FOUND && unreached))
		return st;
	total = local.index_total_size;
	if (total) {
		kvp_dtype t = src->weights_dtype_known ? src->weights_dtype
		                                       : KVP_DTYPE_BF16;

		/* Every shard there and readable: their headers, exact, and
		 * which tensors are MTP layers' and towers'.  Else the
		 * index's total, which tells neither apart. */
		kvp_weights_init(&local);
		if (params_from_headers(path, &local, m, src, weights, &shard_err) == KVP_OK)
			return KVP_OK;
		if (kvp_dtype_bytes(t, 1, &size, NULL) != KVP_OK || size == 0)
			size = 2;
		/* A format the config names (quantization_config) stores
		 * fewer bytes a parameter than its dtype: its bytes are the
		 * total, its params the shape's estimate (Nemotron 3 Nano's
		 * NVFP4: 19,339,781,632 B, 31.6 billion params, not 9.7) */
		if (src->weights_format_known && src->weights_format.kind != KVP_WFORMAT_PLAIN &&
		    /* MXFP4's experts from their shapes (lib/vllm_mxfp4.c) */
		    src->weights_format.kind != KVP_WFORMAT_MXFP4 && m->params) {
			if (weights)
				weights->index_total_size = total;
			/* the shape's MTP layers, which an index naming none of
			 * their tensors does not hold */
			if (!mtp_named) {
				m->params -= m->mtp_params <= m->params ? m->mtp_params : 0;
				m->mtp_params = m->mtp_shared_params = 0;
			}
			/* a long name (a map's many parts) by its kind alone */
			kvp__note(src, "params", KVP_ORIGIN_ESTIMATED, "from the shape: the"
			          " model.safetensors.index.json total_size %llu B holds them as"
			          " %.*s (%s)", (unsigned long long)total,
			          strlen(src->weights_format.name) > 48
			          ? (int)strcspn(src->weights_format.name, ":")
			          : (int)strlen(src->weights_format.name),
			          src->weights_format.name, shard_err.message);
			goto mtp;
		}
		m->params = total / size;
		/* The config's estimate of the MTP layers (a Nemotron-H's)
		 * where the index names their tensors: none are in it
		 * otherwise. */
		if (!mtp_named || m->mtp_params > m->params)
			m->mtp_params = m->mtp_shared_params = 0;
		/* the shape's tower, where the total cannot hold it */
		if (m->vision_params > m->params - m->mtp_params)
			m->vision_params = 0;
		if (weights)
			weights->index_total_size = total;
		kvp__note(src, "params", KVP_ORIGIN_DERIVED, "model.safetensors.index"
		          ".json total_size %llu B / %llu B per %s value; %s (%s)",
		          (unsigned long long)total, (unsigned long long)size,
		          kvp_dtype_name(t), m->mtp_params ? "the MTP layers' as"
		          " estimated from the config, no towers told apart" : mtp_named
		          ? "no MTP layers or towers told apart" : "no MTP layer's tensor"
		          " named, no towers told apart", shard_err.message);
mtp:
		/* the config's MTP layers, which the checkpoint does not hold:
		 * none to load (an MTP draft is refused), and said */
		if (!mtp_named && m->mtp_layers) {
			kvp__source_warn(src, "%s names no MTP layer's tensor: the config's %u"
			                 " MTP layer%s not in the checkpoint", path, m->mtp_layers,
			                 m->mtp_layers == 1 ? " is" : "s are");
			m->mtp_layers = 0;
		}
		return KVP_OK;
	}
	if (!has_safetensors(dir)) {
		/* An index there that gives nothing is said, not passed over
		 * as if there were none. */
		if (access(path, F_OK) == 0) {
			kvp__source_warn(src, "%s gives no total_size and no shard is"
			                 " beside it: the params are estimated from the"
			                 " shape", path);
			kvp__note(src, "params", KVP_ORIGIN_ESTIMATED, "from the shape: the"
			          " index beside the file gives no total_size and no shard"
			          " is there");
		}
		return KVP_OK;
	}
	kvp_weights_init(&local);
	return params_from_headers(dir, &local, m, src, weights, err);
}

kvp_status kvp_config_parse(const char *text, size_t length, const char *path,
                            kvp_model *model, kvp_source *source,
                            kvp_error *err)
{
	kvp_source local;

	if (!text || !model)
		return kvp__error(err, KVP_ERR_INVALID, "no text or model given");
	return kvp__hf_model(text, length, path ? path : "config.json", NULL, model,
	                     source ? source : &local, err);
}

kvp_status kvp_config_read(const char *path, kvp_model *model,
                           kvp_source *source, kvp_weights *weights,
                           kvp_error *err)
{
	char file[KVP_ERROR_PATH_MAX], dir[KVP_ERROR_PATH_MAX], qpath[KVP_ERROR_PATH_MAX];
	struct stat st_dir;
	kvp_source local;
	char *text = NULL, *slash;
	size_t length = 0;
	kvp_status st;

	if (!path || !model)
		return kvp__error(err, KVP_ERR_INVALID, "no path or model given");
	if (!source)
		source = &local;
	if (weights)
		kvp_weights_init(weights);
	/* A model's directory stands for its config.json. */
	if (stat(path, &st_dir) == 0 && S_ISDIR(st_dir.st_mode))
		snprintf(file, sizeof file, "%s/config.json", path);
	else
		snprintf(file, sizeof file, "%s", path);
	if ((st = kvp__read_file(file, NULL, KVP_CONFIG_MAX_BYTES, "config.json",
	                         &text, &length, err)) != KVP_OK)
		return st;
	snprintf(dir, sizeof dir, "%s", file);
	slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		snprintf(dir, sizeof dir, ".");
	/* where ModelOpt's hf_quant_config.json would be (lib/hf_quant.c) */
	if ((size_t)snprintf(qpath, sizeof qpath, "%s/hf_quant_config.json", dir) >= sizeof qpath)
		qpath[0] = '\0';
	st = kvp__hf_model(text, length, file, qpath[0] ? qpath : NULL, model, source, err);
	kvp__free(text);
	if (st != KVP_OK)
		return st;
	return params_beside(dir, model, source, weights, err);
}
