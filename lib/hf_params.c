/*
 * hf_params.c — kvp_config_read and kvp_config_parse, and where a
 * config.json's parameter count comes from: the checkpoint beside it (the
 * index's total_size, else the safetensors headers), else an estimate from
 * the shape, said to be one.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hfconfig.h"


/* Elements a layer of the given kind of the finalized m holds in its
 * projections, roughly; mlp_apart: its recurrent layers have no MLP of
 * their own (Nemotron-H's MLP layers are layers of kind none).  Every
 * figure is under 2^32 and mlp under 2^100, so 128 bits hold it. */
static unsigned __int128 layer_params(const kvp_model *m, kvp_layer_kind kind,
                                      unsigned __int128 mlp, uint64_t q_lora,
                                      bool mlp_apart)
{
	unsigned __int128 d = m->hidden, hd = m->head_dim, kv = m->kv_heads, attn;

	switch (kind) {
	case KVP_LAYER_NONE:
		return mlp;
	case KVP_LAYER_RECURRENT:
		/* in_proj (z, x, B, C) and out_proj. */
		attn = d * (2 * (unsigned __int128)m->ssm_inner +
		            2 * (unsigned __int128)m->ssm_groups * m->ssm_state) +
		       m->ssm_inner * d;
		return mlp_apart ? attn : attn + mlp;
	case KVP_LAYER_MLA:
		attn = (q_lora ? d * q_lora + q_lora * m->heads * hd : d * m->heads * hd) +
		       d * ((uint64_t)m->kv_lora_rank + m->qk_rope_dim) +
		       (unsigned __int128)m->kv_lora_rank * m->heads *
		               ((uint64_t)m->qk_nope_dim + m->v_head_dim) +
		       (unsigned __int128)m->heads * m->v_head_dim * d;
		return attn + mlp;
	default:
		/* q and o, k and v, and the two norms around them. */
		attn = 2 * d * m->heads * hd + 2 * d * kv * hd + 2 * d;
		return attn + mlp;
	}
}

kvp_status kvp__hf_estimate(struct hf *h)
{
	static const char *const k_inter[] = {"intermediate_size", "ffn_dim",
		"n_inner", NULL};
	static const char *const k_moe_inter[] = {"moe_intermediate_size",
		"expert_intermediate_size", NULL};
	static const char *const k_experts[] = {"num_local_experts", "num_experts",
		"n_routed_experts", NULL};
	static const char *const k_shared[] = {"n_shared_experts", NULL};
	static const char *const k_qlora[] = {"q_lora_rank", NULL};
	kvp_model *m = h->m;
	uint64_t inter = 0, moe = 0, experts = 0, shared = 0, q_lora = 0;
	unsigned __int128 mlp, total, mtp;
	bool tie = m->tie_embeddings; /* read with the shape */
	kvp_model copy = *m;
	int r;

	/* Nemotron-H, block by block (hf_nemotron.c); its head_dim may still
	 * be derived, so from a finalized copy. */
	if (strcmp(h->family, "nemotron_h") == 0 && kvp_model_finalize(&copy, NULL) == KVP_OK &&
	    (r = kvp__hf_nemotron_params(h, &copy, &total, &mtp)) != 0) {
		if (r < 0)
			return KVP_ERR_PARSE;
		m->params = total > UINT64_MAX ? UINT64_MAX : (uint64_t)total;
		/* its MTP layers' part, which a plan loads for an MTP draft
		 * alone (kvp_model mtp_params) */
		m->mtp_params = mtp > m->params ? m->params : (uint64_t)mtp;
		kvp__note(h->src, "params", KVP_ORIGIN_ESTIMATED, "from the shape, block by"
		          " block (embeddings%s, Mamba-2, attention, MLP and experts%s): no"
		          " checkpoint beside the file", tie ? " tied" : " and head",
		          mtp ? ", and the MTP layers'" : "");
		return KVP_OK;
	}
	copy = *m;
	/* Every figure is below 2^32 (experts 2^16) and a model below
	 * HF_LAYERS_MAX layers: a layer's elements stay under 2^100 and the
	 * sums under 2^120, so 128 bits hold them; a sum past 64 bits is
	 * taken as 64 bits' most, which no fit accepts. */
	if (kvp__hf_uint(h, NULL, k_inter, UINT32_MAX, &inter) < 0 ||
	    kvp__hf_uint(h, NULL, k_moe_inter, UINT32_MAX, &moe) < 0 ||
	    kvp__hf_uint(h, NULL, k_experts, UINT16_MAX, &experts) < 0 ||
	    kvp__hf_uint(h, NULL, k_shared, UINT16_MAX, &shared) < 0 ||
	    kvp__hf_uint(h, NULL, k_qlora, UINT32_MAX, &q_lora) < 0)
		return KVP_ERR_PARSE;
	if (!inter)
		inter = 4ull * m->hidden; /* gpt2, gpt_neox, falcon: 4 x hidden */
	if (experts)
		mlp = (unsigned __int128)3 * m->hidden * (moe ? moe : inter) * (experts + shared) +
		      (unsigned __int128)m->hidden * experts;
	else
		mlp = (unsigned __int128)3 * m->hidden * inter;
	/* head_dim may still be derived: finalize a copy to read it. */
	if (kvp_model_finalize(&copy, NULL) != KVP_OK)
		return KVP_OK; /* finalize reports the shape's fault itself */
	/* Embeddings (and the head unless tied), and the final norm. */
	total = (unsigned __int128)m->vocab * m->hidden * (tie ? 1 : 2) + m->hidden;
	/* Where dense and expert layers differ (hf_moe.c), each its own MLP. */
	if (m->moe_experts) {
		mlp = 0;
		total += kvp__mlp_params_span(m, 0, m->layers);
	}
	for (int k = 0; k < KVP_LAYER_KIND_COUNT; k++)
		total += kvp_model_count_layers(&copy, (kvp_layer_kind)k) *
		         layer_params(&copy, (kvp_layer_kind)k, mlp, q_lora,
		                      strcmp(h->family, "nemotron_h") == 0);
	/* A sparse-attention indexer's weights in the layers that keep one:
	 * wq_b, wk, weights_proj and k_norm's weight and bias. */
	{
		unsigned __int128 q, sixteen;

		kvp__indexer_layer_params(&copy, &q, &sixteen);
		total += kvp_model_count_indexed(&copy) * (q + sixteen);
	}
	m->params = total > UINT64_MAX ? UINT64_MAX : (uint64_t)total;
	kvp__note(h->src, "params", KVP_ORIGIN_ESTIMATED, "from the shape"
	          " (embeddings%s, attention or state, %s%s): no checkpoint"
	          " beside the file", tie ? " tied" : " and head",
	          copy.index_heads ? "the indexer, and " : "and ",
	          experts ? "experts" : "MLP");
	return KVP_OK;
}

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
			if (!mtp_named)
				m->mtp_params = 0;
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
			m->mtp_params = 0;
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
