/*
 * safetensors_fixture.h — what the safetensors reader's tests
 * (tests/test_safetensors*.c) share: a small safetensors writer, in
 * memory and to a scratch file, an fp8 layer's header, and a sharded
 * checkpoint with its index.  Static inline functions and static const
 * literals, so a test that does not use one is not warned.  Include after
 * cmocka.h and testutil.h.
 */
#ifndef KVPLAN_SAFETENSORS_FIXTURE_H
#define KVPLAN_SAFETENSORS_FIXTURE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"

/* ---- a small safetensors writer ----------------------------------------- */

/* In memory: the 8-byte little-endian length n (header's own length when
 * n is UINT64_MAX), the header text, then data_bytes zero bytes; returns
 * the bytes written into buf. */
static inline size_t st_build(unsigned char *buf, size_t size, uint64_t n,
                       const char *header, size_t data_bytes)
{
	size_t len = strlen(header);

	if (n == UINT64_MAX)
		n = len;
	assert_true(8 + len + data_bytes <= size);
	for (int i = 0; i < 8; i++)
		buf[i] = (unsigned char)(n >> (8 * i));
	memcpy(buf + 8, header, len);
	memset(buf + 8 + len, 0, data_bytes);
	return 8 + len + data_bytes;
}

/* The same as a file relpath under the test's scratch directory (made
 * with its parents); returns its path (static storage). */
static inline const char *st_write(const char *relpath, uint64_t n,
                            const char *header, size_t data_bytes)
{
	static unsigned char buf[1 << 16];
	static char path[1024];
	size_t len = st_build(buf, sizeof buf, n, header, data_bytes);
	FILE *f;

	/* testutil_write_file makes the directories (and an empty file,
	 * which this one replaces). */
	snprintf(path, sizeof path, "%s", testutil_write_file(relpath, ""));
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return path;
}

/* One layer of an fp8 checkpoint as DeepSeek-V3 ships them, written out of
 * offset order (the reader sorts), with a trailing space the format allows:
 *   down_proj.weight           F8_E4M3 [64, 128]: 8192 elements, 8192 B, [0, 8192)
 *   down_proj.weight_scale_inv F32 [1, 1] (one 128x128 block): 1, 4 B, [8192, 8196)
 *   embed_tokens.weight        BF16 [100, 64]: 6400 elements, 12800 B, [8196, 20996)
 *   norm.weight                BF16 [64]: 64 elements, 128 B, [20996, 21124)
 * Totals: 4 tensors, 8192 + 1 + 6400 + 64 = 14657 params, 21124 bytes. */
static const char fp8_header[] =
	"{\"__metadata__\":{\"format\":\"pt\"},"
	"\"model.embed_tokens.weight\":{\"dtype\":\"BF16\",\"shape\":[100,64],"
	"\"data_offsets\":[8196,20996]},"
	"\"model.layers.0.mlp.down_proj.weight\":{\"dtype\":\"F8_E4M3\","
	"\"shape\":[64,128],\"data_offsets\":[0,8192]},"
	"\"model.layers.0.mlp.down_proj.weight_scale_inv\":{\"dtype\":\"F32\","
	"\"shape\":[1,1],\"data_offsets\":[8192,8196]},"
	"\"model.norm.weight\":{\"dtype\":\"BF16\",\"shape\":[64],"
	"\"data_offsets\":[20996,21124]}} ";

/* Two shards and their index:
 *   shard 1: "a" F16 [2, 3] = 12 B, "b" I32 [5] = 20 B: 32 B, 11 params
 *   shard 2: "c" F64 [4] = 32 B, "d" U8 [10] = 10 B: 42 B, 14 params
 * total_size 32 + 42 = 74 B, which the tally's bytes match.  weight_map
 * names shard 1 twice; it is read once. */
static inline void write_sharded(const char *dir, const char *total)
{
	char rel[256], index[512];

	snprintf(rel, sizeof rel, "%s/model-00001-of-00002.safetensors", dir);
	st_write(rel, UINT64_MAX,
	         "{\"a\":{\"dtype\":\"F16\",\"shape\":[2,3],\"data_offsets\":[0,12]},"
	         "\"b\":{\"dtype\":\"I32\",\"shape\":[5],\"data_offsets\":[12,32]}}",
	         32);
	snprintf(rel, sizeof rel, "%s/model-00002-of-00002.safetensors", dir);
	st_write(rel, UINT64_MAX,
	         "{\"c\":{\"dtype\":\"F64\",\"shape\":[4],\"data_offsets\":[0,32]},"
	         "\"d\":{\"dtype\":\"U8\",\"shape\":[10],\"data_offsets\":[32,42]}}",
	         42);
	snprintf(rel, sizeof rel, "%s/model.safetensors.index.json", dir);
	snprintf(index, sizeof index,
	         "{\"metadata\": {\"total_size\": %s},\n"
	         " \"weight_map\": {\"a\": \"model-00001-of-00002.safetensors\",\n"
	         "  \"c\": \"model-00002-of-00002.safetensors\",\n"
	         "  \"b\": \"model-00001-of-00002.safetensors\",\n"
	         "  \"d\": \"model-00002-of-00002.safetensors\"}}\n", total);
	testutil_write_file(rel, index);
}

#endif
