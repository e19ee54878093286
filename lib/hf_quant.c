/*
 * hf_quant.c — a config.json's quantization_config: the format its
 * checkpoint's weights are stored in (kvp_source weights_format), as
 * vLLM and SGLang read it to pick their quantization method.  Each
 * quantizer's own keys:
 *  - "awq" (AutoAWQ: bits, group_size, zero_point, version) and "gptq"
 *    (AutoGPTQ, GPTQModel: bits, group_size, desc_act): 4 bits in groups
 *    of group_size, int4-awq:gG and int4-gptq:gG; GPTQ's "lm_head": true
 *    quantizes the head too, ":lm_head" (lib/hf_quant_head.c);
 *  - "auto-round", "auto_round" and the older "intel/auto-round"
 *    (Intel's AutoRound): its packing_format, auto_round:auto_gptq or
 *    auto_round:auto_awq, int4-gptq:gG or int4-awq:gG, its extra_config
 *    the head and the layers kept 16-bit (lib/hf_quant_head.c);
 *  - "fp8" (transformers' FineGrainedFP8, DeepSeek's and Kimi's block
 *    fp8, weight_block_size) and "fbgemm_fp8": fp8;
 *  - "mxfp4" (gpt-oss): mxfp4;
 *  - "modelopt" (NVIDIA's TensorRT Model Optimizer, quant_algo "FP8" or
 *    "NVFP4"): fp8, nvfp4;
 *  - "compressed-tensors" (llm-compressor), by its format:
 *    "float-quantized" of 8-bit float weights, fp8; "nvfp4-pack-
 *    quantized", nvfp4; "pack-quantized" of 4- or 8-bit ints in groups
 *    or a channel, w4a16:gG, w8a16 (W4A16, W8A16); "int-quantized" of
 *    8-bit ints a channel, w8a8.
 * Its list of modules not to quantize adds the layers it keeps 16-bit
 * (lib/hf_quant_keep.c: ":attn16", ...).
 * Anything else (bitsandbytes, compressed-tensors' W4A8 and other int
 * schemes, GPTQ's 8 bits, a group_size of -1, ...) leaves the format
 * unknown with a warning
 * that the weights are taken in the config's dtype: kvplan has no such
 * format, and --weights-dtype names one.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "hfconfig.h"
#include "internal.h"

/* An integer member of o, or -1 where absent or not a non-negative one
 * under 2^31 (kvp__hf_member_uint). */
static long long member_int(const json_t *o, const char *key)
{
	long long v;

	return kvp__hf_member_uint(o, key, &v) > 0 ? v : -1;
}

static const char *member_text(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/* compressed-tensors: whether every config group quantizes its weights
 * to bits of type kind ("float", "int"). */
static bool groups_weights(const json_t *q, long long bits, const char *kind)
{
	json_t *groups = json_object_get(q, "config_groups"), *g;
	const char *name;
	bool any = false;

	if (!json_is_object(groups))
		return false;
	json_object_foreach(groups, name, g) {
		json_t *w = json_object_get(g, "weights");
		const char *type = member_text(w, "type");

		(void)name;
		if (!json_is_object(w) || member_int(w, "num_bits") != bits || !type ||
		    strcmp(type, kind) != 0)
			return false;
		any = true;
	}
	return any;
}

/* Whether text is the lowercase word, in any case (compressed-tensors'
 * enums take any: QuantizationStrategy, QuantizationType,
 * ActivationOrdering lowercase what they read). */
static bool word(const char *text, const char *lower)
{
	return text && strcasecmp(text, lower) == 0;
}

/* compressed-tensors' integer schemes, when every config group gives
 * its weights the same one (compressed_tensors QuantizationArgs: type
 * "int", num_bits, strategy, group_size, symmetric, actorder):
 *  - format "pack-quantized", 4 or 8 bits in groups or a channel, no
 *    input activations (W4A16, W8A16: W4A8's int8 or fp8 activations
 *    are vLLM's other schemes): w4a16:gG or w8a16:gG, ":channel" for
 *    strategy "channel", ":asym" where symmetric is false (packed zero
 *    points), ":actorder" where actorder is "group", its alias
 *    "dynamic" or true (as ActivationOrdering reads a bool; "weight"
 *    and "static" change the calibration alone); a strategy left out
 *    is group for a group_size above 0 and channel for -1, as
 *    QuantizationArgs infers it, and a channel with a group_size or an
 *    actorder, or dynamic weights, are no valid scheme;
 *  - format "int-quantized", 8 bits a channel, with int8 activations a
 *    token, dynamic (W8A8, as vLLM's _is_dynamic_token_w8a8 takes it):
 *    w8a8, ":asym" likewise.
 * Writes the name into name (size bytes); false for anything else. */
static bool ct_int(const json_t *q, const char *format, char *name, size_t size)
{
	json_t *groups = json_object_get(q, "config_groups"), *g;
	const char *key;
	char first[KVP_WFORMAT_NAME_MAX] = "";
	bool pack = strcmp(format, "pack-quantized") == 0;

	if (!pack && strcmp(format, "int-quantized") != 0)
		return false;
	if (!json_is_object(groups))
		return false;
	json_object_foreach(groups, key, g) {
		json_t *w = json_object_get(g, "weights"), *a = json_object_get(g, "input_activations");
		json_t *order = json_object_get(w, "actorder"), *gs = json_object_get(w, "group_size");
		const char *strategy = member_text(w, "strategy");
		bool asym = json_is_false(json_object_get(w, "symmetric"));
		bool gidx = json_is_true(order) || word(json_string_value(order), "group") ||
		            word(json_string_value(order), "dynamic");
		long long bits = member_int(w, "num_bits");
		char one[KVP_WFORMAT_NAME_MAX], group[24] = "channel";

		(void)key;
		if (!json_is_object(w) || !word(member_text(w, "type"), "int"))
			return false;
		/* QuantizationArgs' validator: a strategy left out is group
		 * for a group_size above 0, channel for -1 (tensor for none);
		 * a channel takes no group_size and no actorder, and weights
		 * are not dynamic: such a config is no valid scheme */
		if (!strategy && member_int(w, "group_size") > 0)
			strategy = "group";
		else if (!strategy && json_is_integer(gs) && json_integer_value(gs) == -1)
			strategy = "channel";
		if ((word(strategy, "channel") &&
		     ((gs && !json_is_null(gs) &&
		       !(json_is_integer(gs) && json_integer_value(gs) == -1)) ||
		      (order && !json_is_null(order) && !json_is_false(order)))) ||
		    json_is_true(json_object_get(w, "dynamic")))
			return false;
		if (word(strategy, "group"))
			snprintf(group, sizeof group, "g%lld", member_int(w, "group_size"));
		if (pack && (bits == 4 || bits == 8) && (!a || json_is_null(a)) &&
		    ((word(strategy, "group") && member_int(w, "group_size") > 0) ||
		     word(strategy, "channel")))
			snprintf(one, sizeof one, "w%da16:%s%s%s", (int)bits, group,
			         asym ? ":asym" : "", gidx ? ":actorder" : "");
		else if (!pack && bits == 8 && word(strategy, "channel") &&
		         json_is_object(a) && word(member_text(a, "type"), "int") &&
		         member_int(a, "num_bits") == 8 && word(member_text(a, "strategy"), "token") &&
		         json_is_true(json_object_get(a, "dynamic")))
			snprintf(one, sizeof one, "w8a8%s", asym ? ":asym" : "");
		else
			return false;
		if (first[0] && strcmp(first, one) != 0)
			return false;
		memcpy(first, one, sizeof one);
	}
	if (!first[0])
		return false;
	snprintf(name, size, "%s", first);
	return true;
}

/* The first of o's members named key that is given and not null, false
 * or empty, as Python's `or` takes them; NULL for none. */
static json_t *given(const json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v) || json_is_false(v) ||
	    (json_is_string(v) && !*json_string_value(v)) ||
	    (json_is_object(v) && !json_object_size(v)))
		return NULL;
	return v;
}

/* The quantized KV cache q declares, as vLLM reads it:
 *  - modelopt (vllm/utils/torch_utils.py get_kv_cache_quant_algo_string,
 *    as stored in 2026): the first given of its nested quantization's
 *    kv_cache_scheme, its own, the nested kv_cache_quant_algo, its own;
 *    a scheme of 8-bit floats with dynamic false, or "FP8", is an fp8
 *    cache; 4-bit floats or "NVFP4" an nvfp4 one, not modelled (a
 *    warning); anything else vLLM's auto.  SGLang's
 *    configure_kv_cache_dtype takes kv_cache_quant_algo "FP8" alike.
 *  - compressed-tensors: any kv_cache_scheme (vLLM's Attention.__init__
 *    sets fp8 whatever it says). */
static void kv_cache(struct hf *h, const json_t *q, const char *method, const char *path)
{
	const json_t *in = json_object_get(q, "quantization");
	json_t *kv;
	const char *what, *text;

	if (strcasecmp(method, "compressed-tensors") == 0) {
		if (!given(q, "kv_cache_scheme"))
			return;
		h->src->kv_cache_quant = KVP_KV_QUANT_COMPRESSED_FP8;
		kvp__note(h->src, "kv_cache", KVP_ORIGIN_READ, "quantization_config.kv_cache_scheme:"
		          " an fp8 cache where the engine's --kv-cache-dtype auto follows it");
		return;
	}
	if (strncasecmp(method, "modelopt", 8) != 0)
		return;
	if (!json_is_object(in))
		in = q;
	if (!(kv = given(in, "kv_cache_scheme")) && !(kv = given(q, "kv_cache_scheme")) &&
	    !(kv = given(in, "kv_cache_quant_algo")))
		kv = given(q, "kv_cache_quant_algo");
	if (!kv)
		return;
	text = json_is_string(kv) ? json_string_value(kv) : NULL;
	if (json_is_object(kv) && json_is_false(json_object_get(kv, "dynamic")) &&
	    member_int(kv, "num_bits") == 8 && member_text(kv, "type") &&
	    strcmp(member_text(kv, "type"), "float") == 0) {
		what = "kv_cache_scheme: 8-bit float";
	} else if (text && strcasecmp(text, "fp8") == 0) {
		what = "kv_cache_quant_algo = FP8";
	} else {
		if ((text && strcasecmp(text, "nvfp4") == 0) ||
		    (json_is_object(kv) && member_int(kv, "num_bits") == 4))
			kvp__source_warn(h->src, "%s: quantization_config: an nvfp4 KV cache is not"
			                 " modelled: 16 bits unless --dtype names one", path);
		return;
	}
	h->src->kv_cache_quant = KVP_KV_QUANT_MODELOPT_FP8;
	kvp__note(h->src, "kv_cache", KVP_ORIGIN_READ, "%s.%s: an fp8 cache where the"
	          " engine's --kv-cache-dtype auto follows it",
	          q == h->quant_file ? "hf_quant_config.json" : "quantization_config", what);
}

/* ModelOpt's hf_quant_config.json beside the config (h->quant_path),
 * into h->quant_file: KVP_OK with none where there is no such file. */
static kvp_status quant_file(struct hf *h)
{
	char *text = NULL;
	size_t length = 0;
	int unreached = 0;
	const char *path = h->path;
	kvp_status st;

	if (!h->quant_path)
		return KVP_OK;
	st = kvp__read_file(h->quant_path, &unreached, KVP_CONFIG_MAX_BYTES,
	                    "hf_quant_config.json", &text, &length, h->err);
	if (st == KVP_ERR_NOT_FOUND && (unreached == ENOENT || unreached == ENOTDIR))
		return KVP_OK;
	if (st == KVP_ERR_NOT_FOUND)
		return kvp__error_at(h->err, KVP_ERR_IO, h->quant_path, 0, 0, "%s",
		                     unreached == KVP__NOT_REGULAR ? "not a regular file"
		                                                   : strerror(unreached));
	if (st != KVP_OK)
		return st;
	h->path = h->quant_path; /* its faults named by its path */
	st = kvp__hf_load_json(h, text, length, &h->quant_file);
	h->path = path;
	kvp__free(text);
	if (st == KVP_OK && !json_is_object(h->quant_file))
		st = kvp__error_at(h->err, KVP_ERR_PARSE, h->quant_path, 0, 0, "not a JSON object");
	return st;
}

kvp_status kvp__hf_quant(struct hf *h)
{
	json_t *q = json_object_get(h->top, "quantization_config");
	const char *method, *how = "";
	char name[KVP_WFORMAT_NAME_MAX], quoted[KVP_QUOTE_MAX], path[KVP_QUOTE_MAX];
	long long bits, group;
	kvp_weights_format f;
	kvp_status st;

	kvp_escape(h->path, path, sizeof path);
	/* vLLM's get_config (transformers_utils/config.py): the config's own,
	 * else ModelOpt's hf_quant_config.json beside it (ModelOpt 0.29 and
	 * before), made the config's; then a text_config's
	 * (get_quant_config) */
	if (!q || json_is_null(q)) {
		if ((st = quant_file(h)) != KVP_OK)
			return st;
		q = h->quant_file;
		if (q)
			kvp_escape(h->quant_path, path, sizeof path);
	}
	if ((!q || json_is_null(q)) && h->cfg != h->top)
		q = json_object_get(h->cfg, "quantization_config");
	if (!q || json_is_null(q))
		return KVP_OK;
	method = member_text(q, "quant_method");
	/* vLLM's _normalize_quantization_config: a producer "modelopt" (or
	 * a quantization.modelopt_quant_config) is ModelOpt's, whatever
	 * quant_method says, its quant_algo saying which */
	if (json_is_object(q)) {
		const json_t *producer = json_object_get(q, "producer"),
		             *in = json_object_get(q, "quantization");
		const char *by = json_is_object(producer) ? member_text(producer, "name") : NULL;

		if ((by && strcmp(by, "modelopt") == 0) ||
		    (json_is_object(in) && json_object_get(in, "modelopt_quant_config")))
			method = "modelopt";
	}
	if (!json_is_object(q) || !method) {
		kvp__source_warn(h->src, "%s: quantization_config has no quant_method: weights"
		                 " in the config's dtype (--weights-dtype names a format)", path);
		return KVP_OK;
	}
	kv_cache(h, q, method, path);
	name[0] = '\0';
	/* AutoAWQ's own spellings too (vLLM's AWQConfig.from_config reads
	 * w_bit and q_group_size where bits and group_size are absent) */
	if ((bits = member_int(q, "bits")) < 0)
		bits = member_int(q, "w_bit");
	if ((group = member_int(q, "group_size")) < 0)
		group = member_int(q, "q_group_size");
	if (strcasecmp(method, "awq") == 0 || strcasecmp(method, "gptq") == 0) {
		if (bits == 4 && group > 0)
			snprintf(name, sizeof name, "int4-%s:g%lld",
			         strcasecmp(method, "awq") == 0 ? "awq" : "gptq", group);
		how = bits != 4 ? "bits other than 4"
		      : group <= 0 ? "no group_size of 1 or more"
		      : "a group_size past 65536";
	} else if (kvp__hf_auto_round(method)) {
		how = kvp__hf_auto_round_name(q, bits, group, name, sizeof name);
	} else if (strcasecmp(method, "fp8") == 0 || strcasecmp(method, "fbgemm_fp8") == 0) {
		snprintf(name, sizeof name, "fp8");
	} else if (strcasecmp(method, "mxfp4") == 0) {
		snprintf(name, sizeof name, "mxfp4");
	} else if (strncasecmp(method, "modelopt", 8) == 0) {
		const json_t *in = json_object_get(q, "quantization");
		const char *algo = member_text(json_is_object(in) ? in : q, "quant_algo");

		/* FP8's per-tensor, per-channel and per-block forms: 1 B a
		 * weight and their scales */
		if (algo && (strcasecmp(algo, "FP8") == 0 ||
		             strcasecmp(algo, "FP8_PER_CHANNEL_PER_TOKEN") == 0 ||
		             strcasecmp(algo, "FP8_PB_WO") == 0))
			snprintf(name, sizeof name, "fp8");
		else if (algo && strcasecmp(algo, "NVFP4") == 0)
			snprintf(name, sizeof name, "nvfp4");
		else if (algo && strcasecmp(algo, "MIXED_PRECISION") == 0) {
			/* each listed module its own (lib/hf_quant_mixed.c) */
			const json_t *layers = json_object_get(json_is_object(in) ? in : q,
			                                       "quantized_layers");
			const char *base = kvp__hf_mixed_base(layers);

			if (base) {
				snprintf(name, sizeof name, "%s", base);
				h->quant_mixed = layers;
			}
		}
		how = "another quant_algo";
	} else if (strcasecmp(method, "compressed-tensors") == 0) {
		const char *format = member_text(q, "format");

		if (format && strcmp(format, "float-quantized") == 0 &&
		    groups_weights(q, 8, "float"))
			snprintf(name, sizeof name, "fp8");
		else if (format && strcmp(format, "nvfp4-pack-quantized") == 0)
			snprintf(name, sizeof name, "nvfp4");
		else if (format)
			ct_int(q, format, name, sizeof name);
		how = "another format";
	} else {
		how = "no format in kvplan";
	}
	if (!name[0] || kvp_weights_format_parse(name, &f, NULL) != KVP_OK) {
		kvp__source_warn(h->src, "%s: quantization_config: '%s' with %s: weights in"
		                 " the config's dtype (--weights-dtype names a format)",
		                 path, kvp_escape(method, quoted, sizeof quoted), how);
		return KVP_OK;
	}
	/* the head (lib/hf_quant_head.c); the note and the layers kept
	 * 16-bit once the model's layers are known (kvp__hf_quant_finish) */
	h->quant_parts = kvp__hf_quant_head(h, q, method, bits, group, path);
	h->quant = q;
	h->quant_method = method;
	h->quant_format = f;
	return KVP_OK;
}
