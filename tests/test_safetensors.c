/*
 * test_safetensors.c — unit tests for lib/safetensors.c and
 * lib/safetensors_read.c: an fp8 checkpoint's mixed types counted exactly,
 * sub-byte types, a sharded checkpoint read by its index and by its
 * directory, every malformed header and index refused with a message
 * naming the file and the place, FIFOs, and allocation failures.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <cmocka.h>

#include "kvplan.h"
#include "testutil.h"

/* ---- a small safetensors writer ----------------------------------------- */

/* In memory: the 8-byte little-endian length n (header's own length when
 * n is UINT64_MAX), the header text, then data_bytes zero bytes; returns
 * the bytes written into buf. */
static size_t st_build(unsigned char *buf, size_t size, uint64_t n,
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
static const char *st_write(const char *relpath, uint64_t n,
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

static const kvp_weight_type *type_of(const kvp_weights *w, const char *name)
{
	for (size_t i = 0; i < w->n_types; i++)
		if (strcmp(w->types[i].name, name) == 0)
			return &w->types[i];
	return NULL;
}

static void assert_type(const kvp_weights *w, const char *name,
                        uint64_t tensors, uint64_t params, uint64_t bytes)
{
	const kvp_weight_type *t = type_of(w, name);

	assert_non_null(t);
	assert_int_equal(t->tensors, tensors);
	assert_int_equal(t->params, params);
	assert_int_equal(t->bytes, bytes);
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

static void assert_fp8_counts(const kvp_weights *w, uint32_t times)
{
	assert_int_equal(w->files, times);
	assert_int_equal(w->tensors, 4 * times);
	assert_int_equal(w->params, 14657 * times);
	assert_int_equal(w->bytes, 21124 * times);
	assert_int_equal(w->n_types, 3);
	assert_type(w, "F8_E4M3", times, 8192 * times, 8192 * times);
	assert_type(w, "F32", times, 1 * times, 4 * times);
	assert_type(w, "BF16", 2 * times, 6464 * times, 12928 * times);
	assert_int_equal(w->index_total_size, 0);
	/* model.embed_tokens.weight is the embedding; no head. */
	assert_int_equal(w->embedding_bytes, 12800 * times);
	assert_int_equal(w->head_bytes, 0);
}

/* The fp8 layer read from a file, then parsed from memory into the same
 * tally: every count doubles. */
static void test_fp8_checkpoint(void **state)
{
	static unsigned char buf[1 << 16];
	const char *path = st_write("fp8/model.safetensors", UINT64_MAX,
	                            fp8_header, 21124);
	size_t len;
	kvp_weights w;
	kvp_error err;

	(void)state;
	kvp_weights_init(&w);
	assert_int_equal(kvp_safetensors_read(path, &w, &err), KVP_OK);
	assert_fp8_counts(&w, 1);
	len = st_build(buf, sizeof buf, UINT64_MAX, fp8_header, 21124);
	assert_int_equal(kvp_safetensors_parse(buf, len, len, "mem", &w, &err),
	                 KVP_OK);
	assert_fp8_counts(&w, 2);
}

/* The embedding and the head by name: a multimodal checkpoint's text
 * embedding (model.language_model.embed_tokens, [10, 64] BF16, 1280 B)
 * and lm_head ([100, 64], 12800 B); an MTP layer's own embed_tokens
 * (DeepSeek-V3's model.layers.61) is neither; the MTP layer's tensors. */
static void test_embedding_and_head(void **state)
{
	static const char header[] =
		"{\"lm_head.weight\":{\"dtype\":\"BF16\",\"shape\":[100,64],"
		"\"data_offsets\":[0,12800]},"
		"\"model.layers.61.embed_tokens.weight\":{\"dtype\":\"BF16\","
		"\"shape\":[100,64],\"data_offsets\":[12800,25600]},"
		"\"model.language_model.embed_tokens.weight\":{\"dtype\":\"BF16\","
		"\"shape\":[10,64],\"data_offsets\":[25600,26880]},"
		"\"mtp.fc.weight\":{\"dtype\":\"BF16\","
		"\"shape\":[64,128],\"data_offsets\":[26880,43264]},"
		"\"model.mtp.x\":{\"dtype\":\"BF16\","
		"\"shape\":[2],\"data_offsets\":[43264,43268]},"
		"\"model.smtp.x\":{\"dtype\":\"BF16\","
		"\"shape\":[2],\"data_offsets\":[43268,43272]}}";
	const char *path = st_write("roles/model.safetensors", UINT64_MAX, header, 43272);
	kvp_weights w;
	kvp_error err;

	(void)state;
	kvp_weights_init(&w);
	assert_int_equal(kvp_safetensors_read(path, &w, &err), KVP_OK);
	assert_int_equal(w.bytes, 43272);
	assert_int_equal(w.embedding_bytes, 1280);
	assert_int_equal(w.head_bytes, 12800);
	/* Qwen3-Next's and Qwen3.5's MTP layer, mtp.* ([64, 128] BF16,
	 * 16,384 B), and a part mtp further in (LongCat-Flash's model.mtp.*,
	 * 4 B), apart; a name that only holds "mtp." in a part (smtp) is
	 * not. */
	assert_int_equal(w.mtp_bytes, 16388);
}

/* The MTP layers' and the towers' tensors, told apart by name (BF16,
 * 2 B a value):
 *   MTP by name: mtp.fc [4, 8] (Qwen3.5), model.mtp_layers.0 [3] (MiMo),
 *     ernie.mtp_block.0 [5] (ERNIE 4.5): 32 + 3 + 5 = 40 values, 80 B;
 *   MTP by number, from block 61 on (DeepSeek-V3's num_hidden_layers):
 *     model.layers.61's [4, 4] and [4, 8], model.language_model.layers.62
 *     [2], language_model.layers.61 [2]: 16 + 32 + 2 + 2 = 52 values,
 *     104 B;
 *   towers: model.visual [4, 4], visual [2, 2], vision_tower [6],
 *     multi_modal_projector [7], model.embed_vision [1],
 *     model.audio_tower [3], thinker.visual [2] (Qwen2.5-Omni),
 *     transformer.vision [3] (GLM-4V), mlp1 [1] (InternVL),
 *     model.connector [2] (Idefics3): 16 + 4 + 6 + 7 + 1 + 3 + 2 + 3 + 1
 *     + 2 = 45 values, 90 B;
 *   neither: model.layers.0 [8, 4], model.layers.6 [2], visualizer [5]
 *     (not "visual."), model.layers.1.vision_tower [1] (not first),
 *     thinker.model.layers.0 [1]. */
static void test_mtp_and_towers(void **state)
{
	static const char header[] =
		"{\"model.layers.0.self_attn.q_proj.weight\":{\"dtype\":\"BF16\",\"shape\":[8,4],"
		"\"data_offsets\":[0,64]},"
		"\"model.layers.6.x\":{\"dtype\":\"BF16\",\"shape\":[2],"
		"\"data_offsets\":[64,68]},"
		"\"model.layers.61.embed_tokens.weight\":{\"dtype\":\"BF16\",\"shape\":[4,4],"
		"\"data_offsets\":[68,100]},"
		"\"model.layers.61.eh_proj.weight\":{\"dtype\":\"BF16\",\"shape\":[4,8],"
		"\"data_offsets\":[100,164]},"
		"\"model.language_model.layers.62.x\":{\"dtype\":\"BF16\",\"shape\":[2],"
		"\"data_offsets\":[164,168]},"
		"\"mtp.fc.weight\":{\"dtype\":\"BF16\",\"shape\":[4,8],"
		"\"data_offsets\":[168,232]},"
		"\"model.mtp_layers.0.x\":{\"dtype\":\"BF16\",\"shape\":[3],"
		"\"data_offsets\":[232,238]},"
		"\"ernie.mtp_block.0.x\":{\"dtype\":\"BF16\",\"shape\":[5],"
		"\"data_offsets\":[238,248]},"
		"\"model.visual.blocks.0.attn.qkv.weight\":{\"dtype\":\"BF16\",\"shape\":[4,4],"
		"\"data_offsets\":[248,280]},"
		"\"visual.merger.weight\":{\"dtype\":\"BF16\",\"shape\":[2,2],"
		"\"data_offsets\":[280,288]},"
		"\"vision_tower.vision_model.x\":{\"dtype\":\"BF16\",\"shape\":[6],"
		"\"data_offsets\":[288,300]},"
		"\"multi_modal_projector.linear_1.weight\":{\"dtype\":\"BF16\",\"shape\":[7],"
		"\"data_offsets\":[300,314]},"
		"\"model.embed_vision.x\":{\"dtype\":\"BF16\",\"shape\":[1],"
		"\"data_offsets\":[314,316]},"
		"\"model.audio_tower.x\":{\"dtype\":\"BF16\",\"shape\":[3],"
		"\"data_offsets\":[316,322]},"
		"\"visualizer.weight\":{\"dtype\":\"BF16\",\"shape\":[5],"
		"\"data_offsets\":[322,332]},"
		"\"model.layers.1.vision_tower.x\":{\"dtype\":\"BF16\",\"shape\":[1],"
		"\"data_offsets\":[332,334]},"
		"\"thinker.visual.blocks.0.x\":{\"dtype\":\"BF16\",\"shape\":[2],"
		"\"data_offsets\":[334,338]},"
		"\"transformer.vision.x\":{\"dtype\":\"BF16\",\"shape\":[3],"
		"\"data_offsets\":[338,344]},"
		"\"mlp1.0.weight\":{\"dtype\":\"BF16\",\"shape\":[1],"
		"\"data_offsets\":[344,346]},"
		"\"model.connector.x\":{\"dtype\":\"BF16\",\"shape\":[2],"
		"\"data_offsets\":[346,350]},"
		"\"thinker.model.layers.0.x\":{\"dtype\":\"BF16\",\"shape\":[1],"
		"\"data_offsets\":[350,352]},"
		"\"language_model.layers.61.x\":{\"dtype\":\"BF16\",\"shape\":[2],"
		"\"data_offsets\":[352,356]}}";
	const char *path = st_write("mtp/model.safetensors", UINT64_MAX, header, 356);
	kvp_weights w;
	kvp_error err;

	(void)state;
	kvp_weights_init(&w);
	assert_int_equal(kvp_safetensors_read(path, &w, &err), KVP_OK);
	assert_int_equal(w.bytes, 356);
	assert_int_equal(w.params, 178);
	assert_int_equal(w.mtp_params, 40);
	assert_int_equal(w.mtp_bytes, 80);
	assert_int_equal(w.vision_params, 45);
	assert_int_equal(w.vision_bytes, 90);
	/* With the config's 61 layers, the blocks from 61 on are MTP too. */
	kvp_weights_init(&w);
	w.mtp_from_layer = 61;
	assert_int_equal(kvp_safetensors_read(path, &w, &err), KVP_OK);
	assert_int_equal(w.mtp_params, 40 + 52);
	assert_int_equal(w.mtp_bytes, 80 + 104);
	assert_int_equal(w.vision_params, 45);
	assert_int_equal(w.vision_bytes, 90);
	assert_int_equal(w.mtp_from_layer, 61);
	/* From block 7 on: model.layers.6 stays the model's. */
	kvp_weights_init(&w);
	w.mtp_from_layer = 7;
	assert_int_equal(kvp_safetensors_read(path, &w, &err), KVP_OK);
	assert_int_equal(w.mtp_params, 92);
}

/* Types narrower than a byte count bits (tensor.rs Dtype::bitsize):
 *   F4 [3, 2]: 6 x 4 = 24 bits = 3 B, [0, 3)
 *   F6_E2M3 [4]: 4 x 6 = 24 bits = 3 B, [3, 6)
 *   BOOL []: a scalar, 1 element, 1 B, [6, 7)
 *   U64 [0, 5]: an empty tensor, 0 elements, 0 B, [7, 7)
 * and F4 [3] is 12 bits, no whole number of bytes. */
static void test_sub_byte_types(void **state)
{
	unsigned char buf[512];
	size_t len;
	kvp_weights w;
	kvp_error err;

	(void)state;
	kvp_weights_init(&w);
	len = st_build(buf, sizeof buf, UINT64_MAX,
	               "{\"a\":{\"dtype\":\"F4\",\"shape\":[3,2],\"data_offsets\":[0,3]},"
	               "\"b\":{\"dtype\":\"F6_E2M3\",\"shape\":[4],\"data_offsets\":[3,6]},"
	               "\"c\":{\"dtype\":\"BOOL\",\"shape\":[],\"data_offsets\":[6,7]},"
	               "\"d\":{\"dtype\":\"U64\",\"shape\":[0,5],\"data_offsets\":[7,7]}}",
	               7);
	assert_int_equal(kvp_safetensors_parse(buf, len, len, "sub", &w, &err),
	                 KVP_OK);
	assert_int_equal(w.tensors, 4);
	assert_int_equal(w.params, 6 + 4 + 1 + 0);
	assert_int_equal(w.bytes, 7);
	assert_type(&w, "F4", 1, 6, 3);
	assert_type(&w, "U64", 1, 0, 0);

	len = st_build(buf, sizeof buf, UINT64_MAX,
	               "{\"a\":{\"dtype\":\"F4\",\"shape\":[3],\"data_offsets\":[0,2]}}",
	               2);
	assert_int_equal(kvp_safetensors_parse(buf, len, len, "odd", &w, &err),
	                 KVP_ERR_PARSE);
	assert_string_equal(err.message,
	                    "tensor \"a\": 3 elements of F4 are 12 bits, not whole bytes");
	/* A failure adds nothing. */
	assert_int_equal(w.tensors, 4);
	assert_int_equal(w.files, 1);
}

/* Two shards and their index:
 *   shard 1: "a" F16 [2, 3] = 12 B, "b" I32 [5] = 20 B: 32 B, 11 params
 *   shard 2: "c" F64 [4] = 32 B, "d" U8 [10] = 10 B: 42 B, 14 params
 * total_size 32 + 42 = 74 B, which the tally's bytes match.  weight_map
 * names shard 1 twice; it is read once. */
static void write_sharded(const char *dir, const char *total)
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

static void assert_sharded(const kvp_weights *w)
{
	assert_int_equal(w->files, 2);
	assert_int_equal(w->tensors, 4);
	assert_int_equal(w->params, 11 + 14);
	assert_int_equal(w->bytes, 74);
}

static void test_sharded_index_and_directory(void **state)
{
	char dir[1024], index[1100];
	kvp_weights w;
	kvp_error err;

	(void)state;
	write_sharded("sharded", "74");
	snprintf(dir, sizeof dir, "%s", testutil_scratch_dir("sharded"));
	snprintf(index, sizeof index, "%s/model.safetensors.index.json", dir);
	kvp_weights_init(&w);
	assert_int_equal(kvp_safetensors_read(index, &w, &err), KVP_OK);
	assert_sharded(&w);
	assert_int_equal(w.index_total_size, 74);
	assert_int_equal(w.index_total_size, w.bytes);
	/* The directory: its *.safetensors (the index is none), no total. */
	kvp_weights_init(&w);
	assert_int_equal(kvp_safetensors_read(dir, &w, &err), KVP_OK);
	assert_sharded(&w);
	assert_int_equal(w.index_total_size, 0);
}

/* ---- malformed headers -------------------------------------------------- */

struct bad_header {
	const char *header;
	size_t data_bytes;
	const char *message;
};

/* Each is parsed with file_size the bytes built; N is the header's
 * length, so a byte offset into the data is 8 + N + its data offset. */
static const struct bad_header bad_headers[] = {
	{ "[1,2]", 0, "byte 8: the header does not begin with '{'" },
	{ " {}", 0, "byte 8: the header does not begin with '{'" },
	{ "", 0, "byte 8: the header does not begin with '{'" },
	{ "{\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]}", 2, NULL },
	{ "{\"a\":1}", 0, "tensor \"a\" is not an object" },
	{ "{\"a\":{\"shape\":[1],\"data_offsets\":[0,2]}}", 2,
	  "tensor \"a\" has no dtype" },
	{ "{\"a\":{\"dtype\":\"F16\",\"data_offsets\":[0,2]}}", 2,
	  "tensor \"a\" has no shape" },
	{ "{\"a\":{\"dtype\":\"F16\",\"shape\":[1]}}", 2,
	  "tensor \"a\" has no data_offsets" },
	{ "{\"a\":{\"dtype\":7,\"shape\":[1],\"data_offsets\":[0,2]}}", 2,
	  "tensor \"a\": dtype is not a string" },
	{ "{\"a\":{\"dtype\":\"F7\",\"shape\":[1],\"data_offsets\":[0,1]}}", 1,
	  "tensor \"a\": unknown dtype \"F7\"" },
	{ "{\"a\":{\"dtype\":\"f16\",\"shape\":[1],\"data_offsets\":[0,2]}}", 2,
	  "tensor \"a\": unknown dtype \"f16\"" },
	{ "{\"a\":{\"dtype\":\"F16\",\"shape\":3,\"data_offsets\":[0,6]}}", 6,
	  "tensor \"a\": shape is not an array" },
	{ "{\"a\":{\"dtype\":\"F16\",\"shape\":[2,-1],\"data_offsets\":[0,2]}}", 2,
	  "tensor \"a\": shape[1] is not a non-negative integer" },
	{ "{\"a\":{\"dtype\":\"F16\",\"shape\":[2.0],\"data_offsets\":[0,4]}}", 4,
	  "tensor \"a\": shape[0] is not a non-negative integer" },
	/* 2^32 x 2^32 = 2^64 elements: one past 64 bits. */
	{ "{\"a\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296],"
	  "\"data_offsets\":[0,1]}}", 1,
	  "tensor \"a\": its shape's elements overflow 64 bits" },
	/* 2^62 elements of 32 bits = 2^67 bits. */
	{ "{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],"
	  "\"data_offsets\":[0,1]}}", 1,
	  "tensor \"a\": its size in bits overflows 64 bits" },
	/* Beyond a JSON integer jansson holds (2^63 - 1): a syntax error. */
	{ "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],"
	  "\"data_offsets\":[0,18446744073709551616]}}", 0, NULL },
	{ "{\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0]}}", 2,
	  "tensor \"a\": data_offsets is not two non-negative integers" },
	{ "{\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2,4]}}", 2,
	  "tensor \"a\": data_offsets is not two non-negative integers" },
	{ "{\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[-2,0]}}", 2,
	  "tensor \"a\": data_offsets is not two non-negative integers" },
	{ "{\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[2,0]}}", 2,
	  "tensor \"a\": data_offsets [2, 0] end before they begin" },
	/* [3, 4] of F16: 12 elements, 24 bytes, not the 20 stated. */
	{ "{\"a\":{\"dtype\":\"F16\",\"shape\":[3,4],\"data_offsets\":[0,20]}}", 20,
	  "tensor \"a\": data_offsets [0, 20] hold 20 bytes, but 12 elements "
	  "of F16 are 24" },
	{ "{\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,2]},"
	  "\"a\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[2,4]}}", 4, NULL },
	{ "{\"__metadata__\":{\"n\":1}}", 0,
	  "__metadata__ \"n\" is not a string" },
	{ "{\"__metadata__\":[]}", 0, "__metadata__ is not an object" },
	/* A name with a control character is escaped. */
	{ "{\"x\\u001b[2J\":{\"dtype\":\"F16\",\"shape\":[1],\"data_offsets\":[0,3]}}", 3,
	  "tensor \"x\\x1b[2J\": data_offsets [0, 3] hold 3 bytes, but 1 "
	  "elements of F16 are 2" },
};

static void test_bad_headers(void **state)
{
	unsigned char buf[1024];

	(void)state;
	for (size_t i = 0; i < sizeof bad_headers / sizeof bad_headers[0]; i++) {
		const struct bad_header *c = &bad_headers[i];
		size_t len = st_build(buf, sizeof buf, UINT64_MAX, c->header,
		                      c->data_bytes);
		kvp_weights w;
		kvp_error err;

		kvp_weights_init(&w);
		err.message[0] = '\0';
		assert_int_equal(kvp_safetensors_parse(buf, len, len, "bad", &w,
		                                       &err), KVP_ERR_PARSE);
		assert_string_equal(err.path, "bad");
		if (c->message)
			assert_string_equal(err.message, c->message);
		else /* jansson's own words after the byte where it stopped */
			assert_true(strncmp(err.message, "byte ", 5) == 0 &&
			            strstr(err.message, ": header: "));
		assert_int_equal(w.files, 0);
		assert_int_equal(w.tensors, 0);
	}
}

/* jansson's messages, with the file's byte where it stopped: a duplicate
 * name, and text that is no JSON. */
static void test_json_errors(void **state)
{
	unsigned char buf[256];
	size_t len;
	kvp_weights w;
	kvp_error err;

	(void)state;
	kvp_weights_init(&w);
	len = st_build(buf, sizeof buf, UINT64_MAX,
	               "{\"a\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]},"
	               "\"a\":{}}", 1);
	assert_int_equal(kvp_safetensors_parse(buf, len, len, "dup", &w, &err),
	                 KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "duplicate object key"));
	/* "{nope}": jansson stops after reading "{nope" (5 bytes), at file
	 * byte 8 + 5 = 13. */
	len = st_build(buf, sizeof buf, UINT64_MAX, "{nope}", 0);
	assert_int_equal(kvp_safetensors_parse(buf, len, len, "nojson", &w,
	                                       &err), KVP_ERR_PARSE);
	assert_true(strncmp(err.message, "byte 13: header: ", 17) == 0);
	/* Bytes that are no UTF-8. */
	len = st_build(buf, sizeof buf, UINT64_MAX, "{\"\xff\":1}", 0);
	assert_int_equal(kvp_safetensors_parse(buf, len, len, "utf8", &w,
	                                       &err), KVP_ERR_PARSE);
	assert_true(strncmp(err.message, "byte ", 5) == 0);
	assert_null(strchr(err.message, '\xff'));
}

/* Offsets that leave a gap, overlap, or end short of or past the file:
 * with header length N, data offset d is file byte 8 + N + d. */
static void test_offsets_tile_the_data(void **state)
{
	static const char gap[] =
		"{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},"
		"\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[6,10]}}";
	static const char overlap[] =
		"{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},"
		"\"b\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[2,6]}}";
	static const char late[] =
		"{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[3,7]}}";
	static const char one[] =
		"{\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]}}";
	unsigned char buf[512];
	char want[256];
	size_t len;
	kvp_weights w;
	kvp_error err;

	(void)state;
	kvp_weights_init(&w);
	/* a holds [0, 4), b begins at 6: a 2-byte gap at data offset 4. */
	len = st_build(buf, sizeof buf, UINT64_MAX, gap, 10);
	assert_int_equal(kvp_safetensors_parse(buf, len, len, "gap", &w, &err),
	                 KVP_ERR_PARSE);
	snprintf(want, sizeof want, "byte %zu: a gap of 2 bytes that no "
	         "tensor holds, before tensor \"b\"", 8 + strlen(gap) + 4);
	assert_string_equal(err.message, want);
	/* b begins at 2, inside a's [0, 4). */
	len = st_build(buf, sizeof buf, UINT64_MAX, overlap, 6);
	assert_int_equal(kvp_safetensors_parse(buf, len, len, "overlap", &w,
	                                       &err), KVP_ERR_PARSE);
	snprintf(want, sizeof want, "byte %zu: tensor \"b\" overlaps the "
	         "tensor before it, which ends at byte %zu",
	         8 + strlen(overlap) + 2, 8 + strlen(overlap) + 4);
	assert_string_equal(err.message, want);
	/* The first tensor must begin at 0 (a gap of 3 before it). */
	len = st_build(buf, sizeof buf, UINT64_MAX, late, 7);
	assert_int_equal(kvp_safetensors_parse(buf, len, len, "late", &w, &err),
	                 KVP_ERR_PARSE);
	snprintf(want, sizeof want, "byte %zu: a gap of 3 bytes that no "
	         "tensor holds, before tensor \"a\"", 8 + strlen(late));
	assert_string_equal(err.message, want);
	/* 4 bytes of data in a file with 5 after the header: 1 is left. */
	len = st_build(buf, sizeof buf, UINT64_MAX, one, 5);
	assert_int_equal(kvp_safetensors_parse(buf, len, len, "tail", &w, &err),
	                 KVP_ERR_PARSE);
	snprintf(want, sizeof want, "byte %zu: the tensors' data ends here, "
	         "1 byte before the end of the file", 8 + strlen(one) + 4);
	assert_string_equal(err.message, want);
	/* ... and with 3, the data runs past the end. */
	len = st_build(buf, sizeof buf, UINT64_MAX, one, 3);
	assert_int_equal(kvp_safetensors_parse(buf, len, len, "short", &w,
	                                       &err), KVP_ERR_PARSE);
	snprintf(want, sizeof want, "the tensors' data ends at byte %zu, past "
	         "the end of the file (%zu bytes)", 8 + strlen(one) + 4, len);
	assert_string_equal(err.message, want);
	/* A header with no tensors covers an empty data section. */
	len = st_build(buf, sizeof buf, UINT64_MAX, "{}", 0);
	assert_int_equal(kvp_safetensors_parse(buf, len, len, "empty", &w, &err),
	                 KVP_OK);
	assert_int_equal(w.files, 1);
	assert_int_equal(w.tensors, 0);
}

/* The 8-byte length: too short to hold it, over the cap, past the end of
 * the file, or past the bytes given. */
static void test_header_length(void **state)
{
	unsigned char buf[64];
	size_t len;
	kvp_weights w;
	kvp_error err;

	(void)state;
	kvp_weights_init(&w);
	assert_int_equal(kvp_safetensors_parse(buf, 0, 0, "empty", &w, &err),
	                 KVP_ERR_PARSE);
	assert_string_equal(err.message,
	                    "0 bytes, too short for the 8-byte header length");
	assert_int_equal(kvp_safetensors_parse(buf, 5, 100, "cut", &w, &err),
	                 KVP_ERR_PARSE);
	assert_string_equal(err.message, "truncated: 5 bytes, too short for "
	                    "the 8-byte header length");
	/* 100,000,001 is one over tensor.rs MAX_HEADER_SIZE; it is refused
	 * before the file's size is looked at (1 TiB here). */
	len = st_build(buf, sizeof buf, 100000001, "", 0);
	assert_int_equal(kvp_safetensors_parse(buf, len, (uint64_t)1 << 40,
	                                       "cap", &w, &err), KVP_ERR_PARSE);
	assert_string_equal(err.message, "byte 0: header length 100000001 is "
	                    "over the format's cap of 100000000 bytes");
	/* 2^64 - 1: the cap, not an overflow of 8 + N. */
	len = st_build(buf, sizeof buf, UINT64_MAX - 1, "", 0);
	buf[0] = 0xff;
	assert_int_equal(kvp_safetensors_parse(buf, len, len, "max", &w, &err),
	                 KVP_ERR_PARSE);
	assert_string_equal(err.message, "byte 0: header length "
	                    "18446744073709551615 is over the format's cap of "
	                    "100000000 bytes");
	/* N = 20 in a 10-byte file: 8 + 20 = 28 > 10. */
	len = st_build(buf, sizeof buf, 20, "{}", 0);
	assert_int_equal(kvp_safetensors_parse(buf, len, len, "long", &w, &err),
	                 KVP_ERR_PARSE);
	assert_string_equal(err.message, "byte 0: header length 20 runs past "
	                    "the end of the file (10 bytes)");
	/* The file is long enough, but only 10 of its bytes are given. */
	assert_int_equal(kvp_safetensors_parse(buf, len, 28, "part", &w, &err),
	                 KVP_ERR_PARSE);
	assert_string_equal(err.message, "truncated: the header ends at byte "
	                    "28, but only 10 bytes are given");
	assert_int_equal(w.files, 0);
}

/* The same checks on files, which are never read past the header: a file
 * declaring a header over the cap, or longer than itself, fails before
 * anything is allocated for it. */
static void test_files_header_length(void **state)
{
	const char *path;
	char want[1100];
	kvp_weights w;
	kvp_error err;

	(void)state;
	kvp_weights_init(&w);
	path = st_write("lengths/cap.safetensors", 4000000000u, "{}", 0);
	testutil_fail_at(1); /* any allocation would fail */
	assert_int_equal(kvp_safetensors_read(path, &w, &err), KVP_ERR_PARSE);
	testutil_fail_at(0);
	assert_string_equal(err.path, path);
	assert_string_equal(err.message, "byte 0: header length 4000000000 is "
	                    "over the format's cap of 100000000 bytes");
	path = st_write("lengths/long.safetensors", 1000, "{}", 0);
	testutil_fail_at(1);
	assert_int_equal(kvp_safetensors_read(path, &w, &err), KVP_ERR_PARSE);
	testutil_fail_at(0);
	assert_string_equal(err.message, "byte 0: header length 1000 runs past "
	                    "the end of the file (10 bytes)");
	path = testutil_write_file("lengths/tiny.safetensors", "abc");
	snprintf(want, sizeof want, "%s", path);
	assert_int_equal(kvp_safetensors_read(want, &w, &err), KVP_ERR_PARSE);
	assert_string_equal(err.message,
	                    "3 bytes, too short for the 8-byte header length");
	assert_int_equal(w.files, 0);
}

/* A FIFO is never opened (it would block until a writer came); a
 * directory without safetensors, or a path not there, is not found. */
static void test_not_files(void **state)
{
	char fifo[1100];
	kvp_weights w;
	kvp_error err;

	(void)state;
	kvp_weights_init(&w);
	testutil_write_file("nofiles/readme.txt", "no tensors here\n");
	snprintf(fifo, sizeof fifo, "%s/pipe.safetensors",
	         testutil_scratch_dir("fifo"));
	mkdir(testutil_scratch_dir("fifo"), 0700);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(kvp_safetensors_read(fifo, &w, &err), KVP_ERR_IO);
	assert_string_equal(err.path, fifo);
	assert_string_equal(err.message, "not a regular file");
	/* In a directory it is a *.safetensors that is no file: an error
	 * too, not a silent skip. */
	assert_int_equal(kvp_safetensors_read(testutil_scratch_dir("fifo"), &w,
	                                      &err), KVP_ERR_IO);
	assert_int_equal(kvp_safetensors_read(testutil_scratch_dir("nofiles"),
	                                      &w, &err), KVP_ERR_NOT_FOUND);
	assert_string_equal(err.message,
	                    "no *.safetensors file in this directory");
	assert_int_equal(kvp_safetensors_read(testutil_scratch_dir("nowhere"),
	                                      &w, &err), KVP_ERR_NOT_FOUND);
	assert_int_equal(w.files, 0);
}

/* A directory whose second file is bad adds nothing, not its first. */
static void test_all_or_nothing(void **state)
{
	kvp_weights w;
	kvp_error err;

	(void)state;
	st_write("partial/a.safetensors", UINT64_MAX, fp8_header, 21124);
	st_write("partial/b.safetensors", UINT64_MAX, "[]", 0);
	kvp_weights_init(&w);
	assert_int_equal(kvp_safetensors_read(testutil_scratch_dir("partial"),
	                                      &w, &err), KVP_ERR_PARSE);
	assert_int_equal(w.files, 0);
	assert_int_equal(w.tensors, 0);
	assert_int_equal(w.n_types, 0);
}

/* ---- malformed indexes ------------------------------------------------ */

static kvp_status read_index(const char *relpath, const char *text,
                             kvp_weights *w, kvp_error *err)
{
	char path[1100];

	snprintf(path, sizeof path, "%s", testutil_write_file(relpath, text));
	return kvp_safetensors_read(path, w, err);
}

static void test_bad_indexes(void **state)
{
	kvp_weights w;
	kvp_error err;
	char shard[1100];

	(void)state;
	write_sharded("badindex", "74");
	kvp_weights_init(&w);
	/* A shard that is not there is named with the index. */
	assert_int_equal(read_index("badindex/missing.index.json",
	                            "{\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\","
	                            "\"z\":\"model-00003.safetensors\"}}", &w, &err),
	                 KVP_ERR_NOT_FOUND);
	snprintf(shard, sizeof shard, "%s/model-00003.safetensors",
	         testutil_scratch_dir("badindex"));
	assert_string_equal(err.path, shard);
	assert_non_null(strstr(err.message, "missing.index.json names it as a shard"));
	/* Names that leave the index's directory. */
	assert_int_equal(read_index("badindex/up.index.json",
	                            "{\"weight_map\":{\"a\":\"../sharded/model-00001-of-00002.safetensors\"}}",
	                            &w, &err), KVP_ERR_PARSE);
	assert_string_equal(err.message, "weight_map \"a\": shard "
	                    "\"../sharded/model-00001-of-00002.safetensors\" is no "
	                    "file name in the index's directory");
	assert_int_equal(read_index("badindex/dots.index.json",
	                            "{\"weight_map\":{\"a\":\"..\"}}", &w, &err),
	                 KVP_ERR_PARSE);
	assert_int_equal(read_index("badindex/abs.index.json",
	                            "{\"weight_map\":{\"a\":\"/etc/passwd\"}}",
	                            &w, &err), KVP_ERR_PARSE);
	assert_int_equal(read_index("badindex/empty.index.json",
	                            "{\"weight_map\":{\"a\":\"\"}}", &w, &err),
	                 KVP_ERR_PARSE);
	assert_int_equal(read_index("badindex/num.index.json",
	                            "{\"weight_map\":{\"a\":3}}", &w, &err),
	                 KVP_ERR_PARSE);
	assert_string_equal(err.message, "weight_map \"a\": shard is not a string");
	assert_int_equal(read_index("badindex/nomap.index.json",
	                            "{\"metadata\":{}}", &w, &err), KVP_ERR_PARSE);
	assert_string_equal(err.message, "no weight_map");
	assert_int_equal(read_index("badindex/nothing.index.json",
	                            "{\"weight_map\":{}}", &w, &err), KVP_ERR_PARSE);
	assert_string_equal(err.message, "weight_map names no tensor");
	assert_int_equal(read_index("badindex/total.index.json",
	                            "{\"metadata\":{\"total_size\":-1},\"weight_map\":"
	                            "{\"a\":\"model-00001-of-00002.safetensors\"}}",
	                            &w, &err), KVP_ERR_PARSE);
	assert_string_equal(err.message,
	                    "metadata.total_size is not a non-negative integer");
	assert_int_equal(read_index("badindex/array.index.json", "[]", &w, &err),
	                 KVP_ERR_PARSE);
	assert_string_equal(err.message, "not a JSON object");
	/* jansson's line and column: the second line's "x" is column 2. */
	assert_int_equal(read_index("badindex/syntax.index.json", "{\n x}", &w,
	                            &err), KVP_ERR_PARSE);
	assert_int_equal(err.line, 2);
	assert_int_equal(err.column, 2);
	assert_int_equal(w.files, 0);
	assert_int_equal(w.index_total_size, 0);
}

/* ---- allocation failures ------------------------------------------------ */

/* Every allocation of an index read (the index's text and JSON, the shard
 * names, each path, each header and its JSON) and of a directory read
 * fails in turn: each run ends in KVP_ERR_NOMEM with nothing left
 * allocated and nothing added, until one completes. */
static void test_allocation_failures(void **state)
{
	char dir[1024], index[1100];
	int done_index = 0, done_dir = 0;
	unsigned long n;

	(void)state;
	write_sharded("oom", "74");
	snprintf(dir, sizeof dir, "%s", testutil_scratch_dir("oom"));
	snprintf(index, sizeof index, "%s/model.safetensors.index.json", dir);
	for (n = 1; !done_index || !done_dir; n++) {
		long live = testutil_live_blocks();
		kvp_weights w;
		kvp_error err;
		kvp_status status;

		kvp_weights_init(&w);
		if (!done_index) {
			testutil_fail_at(n);
			status = kvp_safetensors_read(index, &w, &err);
			done_index = testutil_injection_step(
				status, n, testutil_alloc_calls(), NULL, 0, live);
			testutil_fail_at(0);
			if (done_index)
				assert_sharded(&w);
			else
				assert_int_equal(w.files, 0);
		}
		kvp_weights_init(&w);
		if (!done_dir) {
			testutil_fail_at(n);
			status = kvp_safetensors_read(dir, &w, &err);
			done_dir = testutil_injection_step(
				status, n, testutil_alloc_calls(), NULL, 0, live);
			testutil_fail_at(0);
			if (done_dir)
				assert_sharded(&w);
			else
				assert_int_equal(w.files, 0);
		}
	}
	/* The index run allocates: the index's text, jansson's parse of it,
	 * the names, and per shard its path, its header and jansson's
	 * parse: dozens in all. */
	assert_true(n > 30);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fp8_checkpoint),
		cmocka_unit_test(test_embedding_and_head),
		cmocka_unit_test(test_mtp_and_towers),
		cmocka_unit_test(test_sub_byte_types),
		cmocka_unit_test(test_sharded_index_and_directory),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_offsets_tile_the_data),
		cmocka_unit_test(test_header_length),
		cmocka_unit_test(test_files_header_length),
		cmocka_unit_test(test_not_files),
		cmocka_unit_test(test_all_or_nothing),
		cmocka_unit_test(test_bad_indexes),
		cmocka_unit_test(test_allocation_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
