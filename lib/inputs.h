/*
 * inputs.h — what the readers of a model's own files (config.json,
 * safetensors, GGUF) share: the notes of where each figure came from, the
 * weights tally, and reading a file whole with a cap.  Never installed.
 */
#ifndef KVPLAN_INPUTS_INTERNAL_H
#define KVPLAN_INPUTS_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "internal.h"

/* Records (or replaces) the note for field: origin and the text, printf
 * style.  Past KVP_SOURCE_NOTES_MAX it sets notes_dropped.  source may be
 * NULL. */
void kvp__note(kvp_source *source, const char *field, kvp_origin origin,
               const char *fmt, ...) KVP_PRINTF(4, 5);
/* Adds a warning line to source (NULL: none); past the four kept, the
 * later ones are dropped. */
void kvp__source_warn(kvp_source *source, const char *fmt, ...)
	KVP_PRINTF(2, 3);

/* Adds tensor name (name_len bytes), of type (the file's spelling), params elements and
 * bytes to weights, overflow-checked: KVP_ERR_OVERFLOW (with path in the
 * message) when a total passes 64 bits, KVP_ERR_RANGE past
 * KVP_WEIGHT_TYPES_MAX types.  The embedding's and the head's bytes are
 * told apart by name. */
kvp_status kvp__weights_add(kvp_weights *weights, const char *name, size_t name_len,
                            const char *type, uint64_t params, uint64_t bytes,
                            const char *path, kvp_error *err);
/* Whether tensor name is an MTP layer's, as kvp__weights_add tells them
 * (by weights->mtp_from_layer). */
bool kvp__weights_mtp_name(const kvp_weights *w, const char *name);

/* Whether an allocation of jansson's failed in the last kvp__json_loadb
 * (jansson reports it as a parse error). */
bool kvp__json_failed(void);
/* json_loadb with jansson's allocations through kvp__malloc (so tests
 * reach them), safe from jansson's own faults on a failed allocation: NULL
 * and kvp__json_failed() then, the tree freed (json_load.c). */
json_t *kvp__json_loadb(const char *text, size_t length, size_t flags,
                        json_error_t *jerr);

/* The safetensors header length N from a file's first length bytes
 * (data), checked before anything is allocated from it: 8 bytes there,
 * N within KVP_SAFETENSORS_HEADER_MAX, and 8 + N within file_size.
 * KVP_ERR_PARSE naming path otherwise. */
kvp_status kvp__safetensors_header_length(const unsigned char *data,
                                          size_t length, uint64_t file_size,
                                          const char *path, uint64_t *n,
                                          kvp_error *err);

/* A model.safetensors.index.json at path: its metadata.total_size added
 * to weights->index_total_size, and with shards_too the headers of the
 * shards it names, beside it.  unreached as kvp__read_file's.
 * mtp_named, when not NULL: whether its weight_map names an MTP layer's
 * tensor (kvp__weights_mtp_name). */
kvp_status kvp__safetensors_index(const char *path, int *unreached,
                                  bool shards_too, kvp_weights *weights,
                                  bool *mtp_named, kvp_error *err);

/* A model's name from path: its last component less suffix (NULL: none),
 * or with parent its directory's name ("." for a bare file name gives
 * "model"), in printable ASCII (others become '_'), cut to fit. */
void kvp__name_from_path(const char *path, const char *suffix, bool parent,
                         char name[KVP_NAME_MAX]);

#endif
