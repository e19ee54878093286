/*
 * test_error.c — unit tests for lib/error.c: status names, the kvp_error
 * record, its "path:line:column: message" form, and err == NULL everywhere.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "kvplan.h"

/* Every status code has its own non-empty description. */
static void test_strerror_every_status_distinct(void **state)
{
	(void)state;
	for (int i = 0; i < KVP_STATUS_COUNT; i++) {
		const char *text = kvp_strerror((kvp_status)i);

		assert_non_null(text);
		assert_true(text[0] != '\0');
		assert_string_not_equal(text, "unknown status");
		for (int j = 0; j < i; j++)
			assert_string_not_equal(text, kvp_strerror((kvp_status)j));
	}
}

/* A code outside the enum (past the end, or negative) is "unknown status". */
static void test_strerror_out_of_range(void **state)
{
	(void)state;
	assert_string_equal(kvp_strerror((kvp_status)KVP_STATUS_COUNT),
	                    "unknown status");
	assert_string_equal(kvp_strerror((kvp_status)1000), "unknown status");
	assert_string_equal(kvp_strerror((kvp_status)-1), "unknown status");
}

/* An error in a file formats as path:line:column: message. */
static void test_format_path_line_column(void **state)
{
	kvp_error err = {.status = KVP_ERR_PARSE, .path = "f.yaml", .line = 3,
	                 .column = 7, .message = "msg"};
	char buf[64];

	(void)state;
	assert_ptr_equal(kvp_error_format(&err, buf, sizeof buf), buf);
	assert_string_equal(buf, "f.yaml:3:7: msg");
}

/* A path without a line (a file that could not be opened) is path: message. */
static void test_format_path_only(void **state)
{
	kvp_error err = {.status = KVP_ERR_IO, .path = "f.yaml", .message = "msg"};
	char buf[64];

	(void)state;
	assert_string_equal(kvp_error_format(&err, buf, sizeof buf), "f.yaml: msg");
}

/* Without a path the message stands alone. */
static void test_format_no_path(void **state)
{
	kvp_error err = {.status = KVP_ERR_INVALID, .message = "msg"};
	char buf[64];

	(void)state;
	assert_string_equal(kvp_error_format(&err, buf, sizeof buf), "msg");
}

/* A small buffer gets a truncated, still terminated string: 8 bytes hold
 * the first 7 characters of "f.yaml:3:7: msg". */
static void test_format_truncates(void **state)
{
	kvp_error err = {.status = KVP_ERR_PARSE, .path = "f.yaml", .line = 3,
	                 .column = 7, .message = "msg"};
	char buf[8];
	char one[1] = {'x'};

	(void)state;
	assert_ptr_equal(kvp_error_format(&err, buf, sizeof buf), buf);
	assert_string_equal(buf, "f.yaml:");
	kvp_error_format(&err, one, sizeof one);
	assert_int_equal(one[0], '\0');
}

/* No error formats as the empty string; a zero-size or NULL buffer is left
 * alone and returned as given. */
static void test_format_null_err_and_buffer(void **state)
{
	kvp_error err = {.message = "msg"};
	char buf[16] = "untouched";

	(void)state;
	assert_ptr_equal(kvp_error_format(NULL, buf, sizeof buf), buf);
	assert_string_equal(buf, "");
	strcpy(buf, "untouched");
	assert_ptr_equal(kvp_error_format(&err, buf, 0), buf);
	assert_string_equal(buf, "untouched");
	assert_null(kvp_error_format(&err, NULL, 16));
}

/* The internal reporter records status, path, line, column and the
 * formatted message, and returns the status it recorded. */
static void test_error_at_records_position(void **state)
{
	kvp_error err;
	char buf[128];

	(void)state;
	assert_int_equal(kvp__error_at(&err, KVP_ERR_PARSE, "m.yaml", 3, 7,
	                               "bad key '%s'", "layrs"),
	                 KVP_ERR_PARSE);
	assert_int_equal(err.status, KVP_ERR_PARSE);
	assert_string_equal(err.path, "m.yaml");
	assert_int_equal(err.line, 3);
	assert_int_equal(err.column, 7);
	assert_string_equal(err.message, "bad key 'layrs'");
	assert_string_equal(kvp_error_format(&err, buf, sizeof buf),
	                    "m.yaml:3:7: bad key 'layrs'");
}

/* An error without a position replaces a previous one's path and line. */
static void test_error_without_position_clears_path(void **state)
{
	kvp_error err;

	(void)state;
	kvp__error_at(&err, KVP_ERR_PARSE, "m.yaml", 3, 7, "first");
	assert_int_equal(kvp__error(&err, KVP_ERR_INVALID, "n = %d", 5),
	                 KVP_ERR_INVALID);
	assert_int_equal(err.status, KVP_ERR_INVALID);
	assert_string_equal(err.path, "");
	assert_int_equal(err.line, 0);
	assert_int_equal(err.column, 0);
	assert_string_equal(err.message, "n = 5");
}

/* A message longer than the record is cut to KVP_ERROR_MESSAGE_MAX - 1
 * characters and stays terminated. */
static void test_error_message_truncated(void **state)
{
	char longtext[KVP_ERROR_MESSAGE_MAX * 2];
	kvp_error err;

	(void)state;
	memset(longtext, 'a', sizeof longtext - 1);
	longtext[sizeof longtext - 1] = '\0';
	kvp__error(&err, KVP_ERR_INVALID, "%s", longtext);
	assert_int_equal(strlen(err.message), KVP_ERROR_MESSAGE_MAX - 1);
}

/* Clearing resets the whole record to KVP_OK with no path or message. */
static void test_error_clear(void **state)
{
	kvp_error err;

	(void)state;
	kvp__error_at(&err, KVP_ERR_PARSE, "m.yaml", 3, 7, "bad");
	assert_int_equal(kvp__error_clear(&err), KVP_OK);
	assert_int_equal(err.status, KVP_OK);
	assert_string_equal(err.path, "");
	assert_int_equal(err.line, 0);
	assert_int_equal(err.column, 0);
	assert_string_equal(err.message, "");
}

/* A call that succeeds leaves no stale error from an earlier failure. */
static void test_success_clears_previous_error(void **state)
{
	kvp_error err;
	kvp_dtype dtype;

	(void)state;
	assert_int_equal(kvp_dtype_from_name("nope", &dtype, &err),
	                 KVP_ERR_NOT_FOUND);
	assert_int_equal(kvp_dtype_from_name("fp16", &dtype, &err), KVP_OK);
	assert_int_equal(err.status, KVP_OK);
	assert_string_equal(err.message, "");
}

/* The reporters and every public function that can fail accept err == NULL
 * and still return the right status, on failure and on success. */
static void test_null_err_accepted(void **state)
{
	kvp_model model = {.name = "llama2-7b", .layers = 32, .hidden = 4096,
	                   .heads = 32, .kv_heads = 32, .params = 6738415616ULL};
	kvp_model bad = {.layers = 0, .heads = 32, .kv_heads = 32, .head_dim = 128};
	kvp_device device = {.name = "h100-sxm", .hbm_bytes = 85899345920ULL,
	                     .l2_bytes = 52428800};
	kvp_device no_l2 = {.name = "broken", .hbm_bytes = 85899345920ULL};
	kvp_model out;
	kvp_kv_size size;
	kvp_fit fit;
	kvp_fit_options options;
	kvp_dtype dtype;
	uint64_t bytes;

	(void)state;
	assert_int_equal(kvp__error(NULL, KVP_ERR_RANGE, "x"), KVP_ERR_RANGE);
	assert_int_equal(kvp__error_at(NULL, KVP_ERR_PARSE, "f", 1, 2, "x"),
	                 KVP_ERR_PARSE);
	assert_int_equal(kvp__error_clear(NULL), KVP_OK);

	assert_int_equal(kvp_dtype_from_name("nope", &dtype, NULL), KVP_ERR_NOT_FOUND);
	assert_int_equal(kvp_dtype_from_name(NULL, &dtype, NULL), KVP_ERR_INVALID);
	assert_int_equal(kvp_dtype_from_name("bf16", &dtype, NULL), KVP_OK);
	assert_int_equal(dtype, KVP_DTYPE_BF16);
	assert_int_equal(kvp_dtype_bytes(KVP_DTYPE_FP32, UINT64_MAX, &bytes, NULL),
	                 KVP_ERR_OVERFLOW);
	assert_int_equal(kvp_dtype_bytes((kvp_dtype)99, 1, &bytes, NULL),
	                 KVP_ERR_INVALID);

	assert_int_equal(kvp_model_finalize(&bad, NULL), KVP_ERR_SHAPE);
	assert_int_equal(kvp_model_finalize(NULL, NULL), KVP_ERR_INVALID);
	assert_int_equal(kvp_model_with_kv_heads(&model, 5, &out, NULL), KVP_ERR_SHAPE);
	assert_int_equal(kvp_model_with_kv_heads(&bad, 8, &out, NULL), KVP_ERR_SHAPE);
	assert_int_equal(kvp_model_variant(&model, (kvp_attention)7, &out, NULL),
	                 KVP_ERR_INVALID);
	assert_int_equal(kvp_model_variant(&model, KVP_ATTENTION_MQA, &out, NULL),
	                 KVP_OK);
	assert_int_equal(out.kv_heads, 1);

	assert_int_equal(kvp_kv_size_compute(&model, KVP_DTYPE_FP16, 0, 1, &size, NULL),
	                 KVP_ERR_INVALID);
	assert_int_equal(kvp_kv_size_compute(&model, KVP_DTYPE_FP16, UINT64_MAX, 2,
	                                     &size, NULL),
	                 KVP_ERR_OVERFLOW);
	assert_int_equal(kvp_kv_size_compute(&bad, KVP_DTYPE_FP16, 1, 1, &size, NULL),
	                 KVP_ERR_SHAPE);

	assert_int_equal(kvp_device_check(&no_l2, NULL), KVP_ERR_INVALID);
	assert_int_equal(kvp_device_check(&device, NULL), KVP_OK);
	kvp_fit_options_init(&options);
	options.mem_util = -0.5;
	assert_int_equal(kvp_fit_compute(&model, &device, KVP_DTYPE_FP16, 1024, 1,
	                                 &options, &fit, NULL),
	                 KVP_ERR_INVALID);
	assert_int_equal(kvp_fit_compute(&model, &device, KVP_DTYPE_FP16, 1024, 1,
	                                 NULL, &fit, NULL),
	                 KVP_OK);
	assert_true(fit.fits_hbm);
}

/* Names are copied only when they fit with their terminator. */
static void test_copy_name(void **state)
{
	char dst[4] = "zzz";

	(void)state;
	assert_int_equal(kvp__copy_name(dst, sizeof dst, "abc"), 1);
	assert_string_equal(dst, "abc");
	assert_int_equal(kvp__copy_name(dst, sizeof dst, "abcd"), 0);
	assert_string_equal(dst, "abc");
	assert_int_equal(kvp__copy_name(dst, sizeof dst, ""), 1);
	assert_string_equal(dst, "");
}

/* Levenshtein distances used for suggestions: kitten -> sitting is 3
 * (k->s, e->i, +g); a name against the empty string is its length; a name
 * longer than KVP_NAME_MAX is not compared. */
static void test_edit_distance(void **state)
{
	char longest[KVP_NAME_MAX + 2];

	(void)state;
	assert_int_equal(kvp__edit_distance("kitten", "sitting"), 3);
	assert_int_equal(kvp__edit_distance("llama2-7b", "llama2-7b"), 0);
	assert_int_equal(kvp__edit_distance("llama2-7b", "lama2-7b"), 1);
	assert_int_equal(kvp__edit_distance("", "abc"), 3);
	assert_int_equal(kvp__edit_distance("abc", ""), 3);
	memset(longest, 'a', KVP_NAME_MAX);
	longest[KVP_NAME_MAX] = '\0';
	assert_int_equal(kvp__edit_distance(longest, "a"), KVP_NAME_MAX - 1);
	longest[KVP_NAME_MAX] = 'a';
	longest[KVP_NAME_MAX + 1] = '\0';
	assert_int_equal(kvp__edit_distance(longest, "a"), SIZE_MAX);
	assert_int_equal(kvp__edit_distance("a", longest), SIZE_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_strerror_every_status_distinct),
		cmocka_unit_test(test_strerror_out_of_range),
		cmocka_unit_test(test_format_path_line_column),
		cmocka_unit_test(test_format_path_only),
		cmocka_unit_test(test_format_no_path),
		cmocka_unit_test(test_format_truncates),
		cmocka_unit_test(test_format_null_err_and_buffer),
		cmocka_unit_test(test_error_at_records_position),
		cmocka_unit_test(test_error_without_position_clears_path),
		cmocka_unit_test(test_error_message_truncated),
		cmocka_unit_test(test_error_clear),
		cmocka_unit_test(test_success_clears_previous_error),
		cmocka_unit_test(test_null_err_accepted),
		cmocka_unit_test(test_copy_name),
		cmocka_unit_test(test_edit_distance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
