/*
 * test_safetensors_malformed.c — unit tests for lib/safetensors.c and
 * lib/safetensors_read.c on malformed input: every malformed header and
 * index refused with a message naming the file and the place, files never
 * read past the header, FIFOs, and a directory whose bad file adds
 * nothing.
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
#include "safetensors_fixture.h"

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_offsets_tile_the_data),
		cmocka_unit_test(test_header_length),
		cmocka_unit_test(test_files_header_length),
		cmocka_unit_test(test_not_files),
		cmocka_unit_test(test_all_or_nothing),
		cmocka_unit_test(test_bad_indexes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
