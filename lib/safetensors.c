/*
 * safetensors.c — one safetensors file's header, checked as the format's
 * own reader checks it, and its tensors added to a weights tally.
 *
 * The rules follow huggingface/safetensors, safetensors/src/tensor.rs at
 * commit 24b0b28 (2026-05-12, 0.8.0-dev, after v0.8.0-rc.0):
 * SafeTensors::read_metadata (the 8-byte length, MAX_HEADER_SIZE, the
 * header's end within the buffer), TryFrom<HashMetadata> for Metadata
 * (tensors sorted by data_offsets), Metadata::validate (each tensor begins
 * where the one before it ended, its bytes are its elements times
 * Dtype::bitsize over 8, whole bytes only) and the check that the data
 * ends where the file does (MetadataIncompleteBuffer); and the README's
 * "Format": the header begins with '{', duplicate keys are disallowed,
 * "__metadata__" maps strings to strings.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "inputs.h"

#define LENGTH_BYTES 8u /* tensor.rs N_LEN: the header length's own bytes */

/* Dtype and Dtype::bitsize in tensor.rs @ 24b0b28: every type the format
 * names, with its width in bits (F4 and the F6s pack below a byte). */
static const struct dtype_bits {
	const char *name;
	unsigned bits;
} dtypes[] = {
	{ "BOOL", 8 }, { "F4", 4 }, { "F6_E2M3", 6 }, { "F6_E3M2", 6 },
	{ "U8", 8 }, { "I8", 8 }, { "F8_E5M2", 8 }, { "F8_E4M3", 8 },
	{ "F8_E8M0", 8 }, { "F8_E4M3FNUZ", 8 }, { "F8_E5M2FNUZ", 8 },
	{ "I16", 16 }, { "U16", 16 }, { "F16", 16 }, { "BF16", 16 },
	{ "I32", 32 }, { "U32", 32 }, { "F32", 32 }, { "C64", 64 },
	{ "F64", 64 }, { "I64", 64 }, { "U64", 64 },
};

/* One tensor as its header entry states it; name points into the JSON. */
struct tensor {
	const char *name;
	const struct dtype_bits *dtype;
	uint64_t elements;
	uint64_t begin, end;   /* data_offsets, from the data section's start */
};

kvp_status kvp__safetensors_header_length(const unsigned char *data,
                                          size_t length, uint64_t file_size,
                                          const char *path, uint64_t *n,
                                          kvp_error *err)
{
	uint64_t header_end;

	if (length < LENGTH_BYTES) {
		if (file_size < LENGTH_BYTES)
			return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
			                     "%llu bytes, too short for the "
			                     "8-byte header length",
			                     (unsigned long long)file_size);
		return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
		                     "truncated: %zu bytes, too short for the "
		                     "8-byte header length", length);
	}
	*n = 0;
	for (unsigned i = 0; i < LENGTH_BYTES; i++)
		*n |= (uint64_t)data[i] << (8 * i);
	if (*n > KVP_SAFETENSORS_HEADER_MAX)
		return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
		                     "byte 0: header length %llu is over the "
		                     "format's cap of %u bytes",
		                     (unsigned long long)*n,
		                     KVP_SAFETENSORS_HEADER_MAX);
	header_end = LENGTH_BYTES + *n;
	if (header_end > file_size)
		return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
		                     "byte 0: header length %llu runs past the "
		                     "end of the file (%llu bytes)",
		                     (unsigned long long)*n,
		                     (unsigned long long)file_size);
	return KVP_OK;
}

static const struct dtype_bits *dtype_find(const char *name)
{
	for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
		if (strcmp(dtypes[i].name, name) == 0)
			return &dtypes[i];
	return NULL;
}

/* A JSON integer that is not negative, into *out. */
static int json_count(const json_t *value, uint64_t *out)
{
	if (!json_is_integer(value) || json_integer_value(value) < 0)
		return 0;
	*out = (uint64_t)json_integer_value(value);
	return 1;
}

/* "__metadata__": absent, null (serde's None) or strings by name. */
static kvp_status metadata_check(const json_t *metadata, const char *path,
                                 kvp_error *err)
{
	const char *key;
	json_t *value;

	if (json_is_null(metadata))
		return KVP_OK;
	if (!json_is_object(metadata))
		return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
		                     "__metadata__ is not an object");
	json_object_foreach((json_t *)metadata, key, value) {
		char quoted[KVP_QUOTE_MAX];

		if (!json_is_string(value))
			return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
			                     "__metadata__ \"%s\" is not a string",
			                     kvp__label_text(key, "", quoted));
	}
	return KVP_OK;
}

/* Reads one tensor's entry into t and checks that its data_offsets hold
 * exactly its shape's bytes. */
static kvp_status tensor_read(const char *name, const json_t *info,
                              const char *path, struct tensor *t,
                              kvp_error *err)
{
	char quoted[KVP_QUOTE_MAX], type[KVP_QUOTE_MAX];
	const json_t *dtype, *shape, *offsets;
	uint64_t bits, bytes;

	kvp__label_text(name, "", quoted);
	t->name = name;
	if (!json_is_object(info))
		return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
		                     "tensor \"%s\" is not an object", quoted);
	dtype = json_object_get(info, "dtype");
	shape = json_object_get(info, "shape");
	offsets = json_object_get(info, "data_offsets");
	if (!dtype || !shape || !offsets)
		return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
		                     "tensor \"%s\" has no %s", quoted,
		                     !dtype ? "dtype" : !shape ? "shape" :
		                     "data_offsets");
	if (!json_is_string(dtype))
		return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
		                     "tensor \"%s\": dtype is not a string",
		                     quoted);
	t->dtype = dtype_find(json_string_value(dtype));
	if (!t->dtype)
		return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
		                     "tensor \"%s\": unknown dtype \"%s\"", quoted,
		                     kvp__label_text(json_string_value(dtype), "",
		                                type));
	if (!json_is_array(shape))
		return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
		                     "tensor \"%s\": shape is not an array",
		                     quoted);
	/* A scalar (shape []) holds one element, an empty tensor none. */
	t->elements = 1;
	for (size_t i = 0; i < json_array_size(shape); i++) {
		uint64_t dim;

		if (!json_count(json_array_get(shape, i), &dim))
			return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
			                     "tensor \"%s\": shape[%zu] is not a "
			                     "non-negative integer", quoted, i);
		if (!kvp__mul(t->elements, dim, &t->elements))
			return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
			                     "tensor \"%s\": its shape's elements "
			                     "overflow 64 bits", quoted);
	}
	if (!json_is_array(offsets) || json_array_size(offsets) != 2 ||
	    !json_count(json_array_get(offsets, 0), &t->begin) ||
	    !json_count(json_array_get(offsets, 1), &t->end))
		return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
		                     "tensor \"%s\": data_offsets is not two "
		                     "non-negative integers", quoted);
	if (t->end < t->begin)
		return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
		                     "tensor \"%s\": data_offsets [%llu, %llu] "
		                     "end before they begin", quoted,
		                     (unsigned long long)t->begin,
		                     (unsigned long long)t->end);
	if (!kvp__mul(t->elements, t->dtype->bits, &bits))
		return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
		                     "tensor \"%s\": its size in bits overflows "
		                     "64 bits", quoted);
	if (bits % 8 != 0)
		return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
		                     "tensor \"%s\": %llu elements of %s are "
		                     "%llu bits, not whole bytes", quoted,
		                     (unsigned long long)t->elements,
		                     t->dtype->name, (unsigned long long)bits);
	bytes = bits / 8;
	if (t->end - t->begin != bytes)
		return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
		                     "tensor \"%s\": data_offsets [%llu, %llu] "
		                     "hold %llu bytes, but %llu elements of %s "
		                     "are %llu", quoted,
		                     (unsigned long long)t->begin,
		                     (unsigned long long)t->end,
		                     (unsigned long long)(t->end - t->begin),
		                     (unsigned long long)t->elements,
		                     t->dtype->name, (unsigned long long)bytes);
	return KVP_OK;
}

/* By data_offsets, as tensor.rs sorts them; the name breaks ties, so a
 * message names the same tensor every run. */
static int tensor_order(const void *a, const void *b)
{
	const struct tensor *x = a, *y = b;

	if (x->begin != y->begin)
		return x->begin < y->begin ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Checks that the sorted tensors tile the data section, which begins at
 * file byte data_start and ends at file_size, with no gap or overlap. */
static kvp_status tensors_tile(const struct tensor *tensors, size_t count,
                               uint64_t data_start, uint64_t file_size,
                               const char *path, kvp_error *err)
{
	uint64_t covered = 0, data_end;

	for (size_t i = 0; i < count; i++) {
		const struct tensor *t = &tensors[i];
		char quoted[KVP_QUOTE_MAX];

		if (t->begin < covered)
			return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
			                     "byte %llu: tensor \"%s\" overlaps "
			                     "the tensor before it, which ends at "
			                     "byte %llu",
			                     (unsigned long long)(data_start + t->begin),
			                     kvp__label_text(t->name, "", quoted),
			                     (unsigned long long)(data_start + covered));
		if (t->begin > covered)
			return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
			                     "byte %llu: a gap of %llu byte%s "
			                     "that no tensor holds, before tensor "
			                     "\"%s\"",
			                     (unsigned long long)(data_start + covered),
			                     (unsigned long long)(t->begin - covered),
			                     t->begin - covered == 1 ? "" : "s",
			                     kvp__label_text(t->name, "", quoted));
		covered = t->end;
	}
	/* covered is below 2^63 (a JSON integer) and data_start below 2^27. */
	data_end = data_start + covered;
	if (data_end < file_size)
		return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
		                     "byte %llu: the tensors' data ends here, "
		                     "%llu byte%s before the end of the file",
		                     (unsigned long long)data_end,
		                     (unsigned long long)(file_size - data_end),
		                     file_size - data_end == 1 ? "" : "s");
	if (data_end > file_size)
		return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
		                     "the tensors' data ends at byte %llu, past "
		                     "the end of the file (%llu bytes)",
		                     (unsigned long long)data_end,
		                     (unsigned long long)file_size);
	return KVP_OK;
}

/* Adds the checked tensors to weights, all or none. */
static kvp_status tensors_add(const struct tensor *tensors, size_t count,
                              const char *path, kvp_weights *weights,
                              kvp_error *err)
{
	kvp_weights tally = *weights;

	if (tally.files == UINT32_MAX)
		return kvp__error_at(err, KVP_ERR_OVERFLOW, path, 0, 0,
		                     "more than %u files", UINT32_MAX);
	tally.files++;
	for (size_t i = 0; i < count; i++) {
		kvp_status status = kvp__weights_add(
			&tally, tensors[i].name, strlen(tensors[i].name),
			tensors[i].dtype->name, tensors[i].elements,
			tensors[i].end - tensors[i].begin, path, err);

		if (status != KVP_OK)
			return status;
	}
	*weights = tally;
	return KVP_OK;
}

/* Parses the header JSON (after its first byte was found to be '{'). */
static kvp_status header_load(const unsigned char *header, uint64_t n,
                              const char *path, json_t **root,
                              kvp_error *err)
{
	json_error_t jerr;
	char text[2 * JSON_ERROR_TEXT_LENGTH];

	*root = kvp__json_loadb((const char *)header, (size_t)n,
	                   JSON_REJECT_DUPLICATES, &jerr);
	if (kvp__json_failed()) {
		json_decref(*root);
		*root = NULL;
		return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
	}
	if (!*root) {
		/* jansson's position: bytes read into the header when it
		 * stopped. */
		uint64_t at = LENGTH_BYTES +
		              (uint64_t)(jerr.position > 0 ? jerr.position : 0);

		return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
		                     "byte %llu: header: %s",
		                     (unsigned long long)at,
		                     kvp_escape(jerr.text, text, sizeof text));
	}
	return KVP_OK;
}

kvp_status kvp_safetensors_parse(const unsigned char *data, size_t length,
                                 uint64_t file_size, const char *path,
                                 kvp_weights *weights, kvp_error *err)
{
	struct tensor *tensors = NULL;
	size_t count = 0;
	json_t *root = NULL, *value;
	const char *key;
	uint64_t n;
	kvp_status status;

	if ((!data && length) || !weights)
		return kvp__error(err, KVP_ERR_INVALID,
		                  "kvp_safetensors_parse: no data or no weights");
	status = kvp__safetensors_header_length(data, length, file_size, path,
	                                        &n, err);
	if (status != KVP_OK)
		return status;
	if (length - LENGTH_BYTES < n)
		return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
		                     "truncated: the header ends at byte %llu, "
		                     "but only %zu bytes are given",
		                     (unsigned long long)(LENGTH_BYTES + n), length);
	if (n == 0 || data[LENGTH_BYTES] != '{')
		return kvp__error_at(err, KVP_ERR_PARSE, path, 0, 0,
		                     "byte 8: the header does not begin with '{'");
	status = header_load(data + LENGTH_BYTES, n, path, &root, err);
	if (status != KVP_OK)
		return status;
	tensors = kvp__calloc(json_object_size(root), sizeof *tensors);
	if (!tensors) {
		json_decref(root);
		return kvp__error(err, KVP_ERR_NOMEM, "out of memory");
	}
	json_object_foreach(root, key, value) {
		if (strcmp(key, "__metadata__") == 0)
			status = metadata_check(value, path, err);
		else
			status = tensor_read(key, value, path, &tensors[count++],
			                     err);
		if (status != KVP_OK)
			goto out;
	}
	qsort(tensors, count, sizeof *tensors, tensor_order);
	status = tensors_tile(tensors, count, LENGTH_BYTES + n, file_size, path,
	                      err);
	if (status == KVP_OK)
		status = tensors_add(tensors, count, path, weights, err);
out:
	kvp__free(tensors);
	json_decref(root);
	return status;
}
