/*
 * test_gguf_malformed.c — the GGUF header reader (lib/gguf*.c) on every
 * malformed header, key and tensor, built in the test with tests/ggufw.c:
 * its status and the byte offset its message names.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ggufw.h"
#include "kvplan.h"
#include "gguf_fixture.h"

/* ---- malformed files ---------------------------------------------------- */

/* A header with n_kv and n_tensors written as given (24 bytes). */
static void header(ggufw *w, uint32_t version, uint64_t n_tensors,
                   uint64_t n_kv)
{
	ggufw_init(w, version);
	for (unsigned i = 0; i < 8; i++) {
		w->buf[8 + i] = (unsigned char)(n_tensors >> (8 * i));
		w->buf[16 + i] = (unsigned char)(n_kv >> (8 * i));
	}
}

static void test_bad_header(void **state)
{
	static const unsigned char many_keys[65537 * 14];
	ggufw w;

	(void)state;
	header(&w, 3, 0, 0);
	w.len = 10;
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 8: truncated: tensor count needs 8 bytes, 2 remain");
	header(&w, 3, 0, 0);
	memcpy(w.buf, "GGML", 4);
	parse_fails(&w, KVP_ERR_PARSE, "at byte 0: magic is 'GGML', not 'GGUF'");
	/* Version 3 written big-endian reads 0x03000000. */
	header(&w, 0x03000000u, 0, 0);
	parse_fails(&w, KVP_ERR_PARSE, "at byte 4: big-endian GGUF is not supported");
	header(&w, 1, 0, 0);
	parse_fails(&w, KVP_ERR_PARSE, "at byte 4: GGUF version 1 (32-bit counts)");
	header(&w, 4, 0, 0);
	parse_fails(&w, KVP_ERR_PARSE, "at byte 4: GGUF version 4 is not supported");
	/* Counts that the remaining bytes cannot hold, however large. */
	header(&w, 3, 0, UINT64_MAX);
	parse_fails(&w, KVP_ERR_PARSE, "at byte 16: 18446744073709551615 keys need");
	header(&w, 3, UINT64_MAX / 25 + 1, 0);
	parse_fails(&w, KVP_ERR_PARSE, "at byte 8: 737869762948382065 tensors need");
	/* Within the bytes, past the cap. */
	header(&w, 3, 0, 65537);
	ggufw_bytes(&w, many_keys, sizeof many_keys);
	parse_fails(&w, KVP_ERR_RANGE, "at byte 16: 65537 keys, more than");
	/* A valid header and no keys: no architecture. */
	header(&w, 3, 0, 0);
	parse_fails(&w, KVP_ERR_PARSE, "no key 'general.architecture'");
	/* An architecture with an escape in it: the byte named, at its
	 * index (the key at byte 24). */
	header(&w, 3, 0, 1);
	ggufw_kv_str(&w, "general.architecture", "lla\x1bma");
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 24: key 'general.architecture' is not an architecture name:"
	            " its byte 3 is 0x1b, not a letter, digit, '.', '_' or '-'");
}

/* Keys: lengths past the end, types, nesting, duplicates.  The first
 * key's length is at byte 24, its bytes at 32. */
static void test_bad_keys(void **state)
{
	ggufw w;

	(void)state;
	header(&w, 3, 0, 1);
	ggufw_u64(&w, 1ull << 40);
	ggufw_bytes(&w, "abcdefgh", 8);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 24: key length 1099511627776 is more than the 8 bytes"
	            " that remain");
	header(&w, 3, 0, 1);
	ggufw_string(&w, "");
	ggufw_bytes(&w, "123456", 6);
	parse_fails(&w, KVP_ERR_PARSE, "at byte 24: key 0 is empty");
	/* Key "k" at 24, type at 33. */
	header(&w, 3, 0, 1);
	ggufw_string(&w, "k");
	ggufw_u32(&w, 13);
	ggufw_u32(&w, 0);
	parse_fails(&w, KVP_ERR_PARSE, "at byte 33: key 'k' has unknown value type 13");
	/* An array's element type at 37. */
	header(&w, 3, 0, 1);
	ggufw_string(&w, "k");
	ggufw_u32(&w, GGUFW_ARRAY);
	ggufw_u32(&w, GGUFW_ARRAY);
	ggufw_u64(&w, 1);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 37: key 'k' is an array of arrays, which GGUF does"
	            " not allow");
	header(&w, 3, 0, 1);
	ggufw_string(&w, "k");
	ggufw_u32(&w, GGUFW_ARRAY);
	ggufw_u32(&w, GGUFW_U32);
	ggufw_u64(&w, 1ull << 62);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 37: key 'k' has 4611686018427387904 values of uint32,"
	            " more than the 0 bytes that remain");
	header(&w, 3, 0, 1);
	ggufw_string(&w, "k");
	ggufw_u32(&w, GGUFW_ARRAY);
	ggufw_u32(&w, GGUFW_STRING);
	ggufw_u64(&w, 3);
	ggufw_string(&w, "a");
	ggufw_u64(&w, 100);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 37: key 'k' has 3 strings, more than");
	header(&w, 3, 0, 1);
	ggufw_string(&w, "k");
	ggufw_u32(&w, GGUFW_ARRAY);
	ggufw_u32(&w, GGUFW_STRING);
	ggufw_u64(&w, 2);
	ggufw_string(&w, "a");
	ggufw_u64(&w, 100);
	ggufw_bytes(&w, "xy", 2);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 58: string length 100 is more than the 2 bytes that"
	            " remain");
	/* Duplicates: the second "k" at 24 + 14 = 38. */
	header(&w, 3, 0, 2);
	ggufw_kv_uint(&w, "k", GGUFW_U8, 1);
	ggufw_kv_uint(&w, "k", GGUFW_U8, 2);
	parse_fails(&w, KVP_ERR_PARSE, "at byte 38: duplicate key 'k' (first at byte 24)");
	header(&w, 3, 0, 1);
	ggufw_kv_uint(&w, "general.alignment", GGUFW_U64, 32);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 24: key 'general.alignment' is a uint64, not a uint32");
	header(&w, 3, 0, 1);
	ggufw_kv_uint(&w, "general.alignment", GGUFW_U32, 48);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 53: general.alignment 48 is not a power of 2");
	/* A float where a count goes; an array not as long as the model. */
	ggufw_init(&w, 3);
	base_keys(&w, "llama", 2, 64, 4, 0, 0);
	ggufw_kv_f32(&w, "llama.attention.head_count_kv", 4.0f);
	ggufw_finish(&w, 0);
	parse_fails(&w, KVP_ERR_PARSE, "at byte ");
	{
		static const uint64_t kv[3] = {4, 4, 4};

		ggufw_init(&w, 3);
		base_keys(&w, "llama", 2, 64, 4, 0, 0);
		ggufw_kv_arr(&w, "llama.attention.head_count_kv", GGUFW_U32, kv, 3);
		ggufw_finish(&w, 0);
		parse_fails(&w, KVP_ERR_PARSE, "at byte ");
	}
	ggufw_init(&w, 3);
	base_keys(&w, "llama", 64, 2560, 0, 0, 0);
	ggufw_finish(&w, 0);
	parse_fails(&w, KVP_ERR_UNSUPPORTED, "llama: no layer has attention heads");
	/* RWKV's state is not sized: refused, not planned as attention */
	ggufw_init(&w, 3);
	base_keys(&w, "rwkv7", 24, 2048, 32, 0, 0);
	ggufw_finish(&w, 0);
	parse_fails(&w, KVP_ERR_UNSUPPORTED, "rwkv7: its layers hold a kind of recurrent"
	            " state, which kvplan does not plan yet");
}

/* A file of one key (24 + 8 + 1 + 4 + 1 = 38 bytes) and one tensor whose
 * info starts at byte 38: name "t" (8 + 1), n_dims at 47, dims from 51. */
static void one_tensor(ggufw *w, uint32_t n_dims, const uint64_t *dims,
                       uint32_t type, uint64_t offset)
{
	header(w, 3, 1, 1);
	ggufw_kv_uint(w, "k", GGUFW_U8, 1);
	ggufw_tensor_at(w, "t", n_dims, dims, type, offset);
}

static void test_bad_tensors(void **state)
{
	uint64_t dims[5] = {32, 2, 1, 1, 1};
	ggufw w;

	(void)state;
	one_tensor(&w, 5, dims, F32, 0);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 47: tensor 't' has 5 dimensions, more than ggml's 4");
	dims[1] = 0;
	one_tensor(&w, 2, dims, F32, 0);
	parse_fails(&w, KVP_ERR_PARSE, "at byte 59: tensor 't' dimension 1 is 0");
	dims[0] = dims[1] = 1ull << 32;
	one_tensor(&w, 2, dims, F32, 0);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 59: tensor 't' has more elements than ggml can count");
	dims[0] = 100;
	dims[1] = 1;
	one_tensor(&w, 2, dims, Q4_K, 0);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 67: tensor 't' has rows of 100 values, not whole q4_K"
	            " blocks of 256");
	dims[0] = 32;
	one_tensor(&w, 1, dims, 99, 0);
	parse_fails(&w, KVP_ERR_PARSE, "at byte 59: tensor 't' has unknown ggml type 99");
	one_tensor(&w, 1, dims, 31, 0);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 59: tensor 't' has ggml type 31, q4_0_4_4 (removed) from"
	            " ggml");
	/* Offsets: at byte 63; the data section at 96. */
	one_tensor(&w, 1, dims, F32, 16);
	ggufw_finish(&w, 0);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 63: tensor 't' data offset 16 is not a multiple of the"
	            " alignment 32");
	one_tensor(&w, 1, dims, F32, 64);
	ggufw_finish(&w, 0);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 63: tensor 't' data offset 64, expected 0");
	one_tensor(&w, 1, dims, F32, 0);
	ggufw_finish(&w, 0);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 63: tensor 't' data (128 bytes at data offset 0) runs"
	            " past the end of the file (71 bytes)");
	/* Truncated inside the tensor info: four dimensions end at 83. */
	dims[1] = 1;
	one_tensor(&w, 4, dims, F32, 0);
	w.len = 84;
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 83: truncated: tensor type needs 4 bytes, 1 remain");
	/* Two tensors of one name: the second info at 71. */
	header(&w, 3, 2, 1);
	ggufw_kv_uint(&w, "k", GGUFW_U8, 1);
	w.data_bytes = 0;
	ggufw_tensor(&w, "t", 1, dims, F32, 128);
	ggufw_tensor(&w, "t", 1, dims, F32, 128);
	w.n_tensors = 2;
	w.n_kv = 1;
	ggufw_finish(&w, 1);
	parse_fails(&w, KVP_ERR_PARSE,
	            "at byte 71: duplicate tensor name 't' (first at byte 38)");
	header(&w, 3, 1, 1);
	ggufw_kv_uint(&w, "k", GGUFW_U8, 1);
	ggufw_string(&w, "");
	ggufw_bytes(&w, (const unsigned char[32]){0}, 32);
	parse_fails(&w, KVP_ERR_PARSE, "at byte 38: tensor 0 has an empty name");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_header),
		cmocka_unit_test(test_bad_keys),
		cmocka_unit_test(test_bad_tensors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
