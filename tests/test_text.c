/*
 * test_text.c — unit tests for lib/text.c: user text escaped so that it
 * shows as one line and cannot drive a terminal, and cut whole.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "kvplan.h"

static const char *escaped(const char *text)
{
	static char buf[256];

	return kvp_escape(text, buf, sizeof buf);
}

/* Printable ASCII passes unchanged. */
static void test_escape_plain_text_unchanged(void **state)
{
	(void)state;
	assert_string_equal(escaped("llama2-7b"), "llama2-7b");
	assert_string_equal(escaped("a b ~!@#$%^&*()'\"{}"), "a b ~!@#$%^&*()'\"{}");
	assert_string_equal(escaped(""), "");
}

/* A line feed in a name cannot forge a second line of output. */
static void test_escape_newline_cannot_forge_a_line(void **state)
{
	(void)state;
	assert_string_equal(escaped("m\nkvplan: all good"), "m\\nkvplan: all good");
	assert_string_equal(escaped("a\rb\tc"), "a\\rb\\tc");
}

/* ESC, BEL and DEL become \xHH: no terminal sequence gets through. */
static void test_escape_terminal_sequence_neutralised(void **state)
{
	(void)state;
	assert_string_equal(escaped("\033]0;x\a"), "\\x1b]0;x\\x07");
	assert_string_equal(escaped("\x01\x7f"), "\\x01\\x7f");
}

/* A backslash is doubled, so an escape in the output is never ambiguous. */
static void test_escape_backslash_doubled(void **state)
{
	(void)state;
	assert_string_equal(escaped("a\\nb"), "a\\\\nb");
}

/* Valid UTF-8 is kept: two-, three- and four-byte characters. */
static void test_escape_utf8_kept(void **state)
{
	(void)state;
	assert_string_equal(escaped("caf\xc3\xa9"), "caf\xc3\xa9");
	assert_string_equal(escaped("\xe6\x97\xa5\xe6\x9c\xac"), "\xe6\x97\xa5\xe6\x9c\xac");
	assert_string_equal(escaped("\xf0\x9f\x98\x80"), "\xf0\x9f\x98\x80");
}

/* U+009B (CSI in two bytes) and the other C1 controls are escaped. */
static void test_escape_c1_controls(void **state)
{
	(void)state;
	assert_string_equal(escaped("\xc2\x9b" "31m"), "\\xc2\\x9b31m");
	assert_string_equal(escaped("\xc2\x80"), "\\xc2\\x80");
	/* U+00A0, just past the range, is kept. */
	assert_string_equal(escaped("\xc2\xa0"), "\xc2\xa0");
}

/* Bytes that are not UTF-8: stray, truncated, overlong, surrogate, past
 * U+10FFFF. */
static void test_escape_invalid_utf8(void **state)
{
	(void)state;
	assert_string_equal(escaped("\xff"), "\\xff");
	assert_string_equal(escaped("\xe6\x97"), "\\xe6\\x97");
	assert_string_equal(escaped("\xc0\xaf"), "\\xc0\\xaf");
	assert_string_equal(escaped("\xe0\x80\xaf"), "\\xe0\\x80\\xaf");
	assert_string_equal(escaped("\xed\xa0\x80"), "\\xed\\xa0\\x80");
	assert_string_equal(escaped("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");
}

/* Too long for the buffer: cut with "..."; exactly fitting: whole. */
static void test_escape_truncates_with_ellipsis(void **state)
{
	char buf[11];

	(void)state;
	assert_string_equal(kvp_escape("abcdefghij", buf, sizeof buf), "abcdefghij");
	assert_string_equal(kvp_escape("abcdefghijk", buf, sizeof buf), "abcdefg...");
	assert_string_equal(kvp_escape("abcdefghijk", buf, 8), "abcd...");
}

/* A cut never splits an escape or a UTF-8 character. */
static void test_escape_cut_keeps_pieces_whole(void **state)
{
	char buf[9];

	(void)state;
	/* "ab" + "\x1b" (4) does not leave room for "...": cut before it. */
	assert_string_equal(kvp_escape("ab\033cdefgh", buf, sizeof buf), "ab...");
	/* Three bytes of a character either all fit or none. */
	assert_string_equal(kvp_escape("abc\xe6\x97\xa5xyzw", buf, sizeof buf), "abc...");
}

/* NULL text is empty; a NULL or empty buffer is left alone. */
static void test_escape_null_and_empty_buffer(void **state)
{
	char buf[4] = "xyz";

	(void)state;
	assert_string_equal(kvp_escape(NULL, buf, sizeof buf), "");
	buf[0] = 'x';
	assert_ptr_equal(kvp_escape("a", buf, 0), buf);
	assert_int_equal(buf[0], 'x');
	assert_null(kvp_escape("a", NULL, 4));
}

/* A label is the escaped name, or the fallback for an empty one. */
static void test_label_escapes_or_falls_back(void **state)
{
	char buf[KVP_QUOTE_MAX];

	(void)state;
	assert_string_equal(kvp__label("", "the model", buf), "the model");
	assert_string_equal(kvp__label(NULL, "device", buf), "device");
	assert_string_equal(kvp__label("a\nb", "x", buf), "a\\nb");
}

/* Error paths are escaped when formatted; the message is the caller's. */
static void test_error_format_escapes_path(void **state)
{
	kvp_error err;
	char line[256];

	(void)state;
	kvp__error_at(&err, KVP_ERR_PARSE, "d/m\nkvplan: ok.yaml", 2, 3, "bad");
	assert_string_equal(kvp_error_format(&err, line, sizeof line),
	                    "d/m\\nkvplan: ok.yaml:2:3: bad");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape_plain_text_unchanged),
		cmocka_unit_test(test_escape_newline_cannot_forge_a_line),
		cmocka_unit_test(test_escape_terminal_sequence_neutralised),
		cmocka_unit_test(test_escape_backslash_doubled),
		cmocka_unit_test(test_escape_utf8_kept),
		cmocka_unit_test(test_escape_c1_controls),
		cmocka_unit_test(test_escape_invalid_utf8),
		cmocka_unit_test(test_escape_truncates_with_ellipsis),
		cmocka_unit_test(test_escape_cut_keeps_pieces_whole),
		cmocka_unit_test(test_escape_null_and_empty_buffer),
		cmocka_unit_test(test_label_escapes_or_falls_back),
		cmocka_unit_test(test_error_format_escapes_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
