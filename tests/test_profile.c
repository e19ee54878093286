/*
 * test_profile.c — unit tests for reading one profile file (lib/profile.c,
 * profile_read.c, claim.c, number.c): the exact path:line:column and
 * message of every kind of malformed file, nesting, numbers at their
 * edges, names and control characters.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "kvplan.h"
#include "testutil.h"

/* Writes text as errors/models/STEM.yaml (or gpus/), loads it and checks
 * the status, the position and the whole message, and that the output was
 * left untouched. */
static void expect_error(int device, const char *stem, const char *text,
                         kvp_status status, unsigned long line,
                         unsigned long column, const char *message)
{
	char rel[256], path[1024];
	union {
		kvp_model model;
		kvp_device device;
	} out, untouched;
	kvp_error err;
	kvp_status got;

	snprintf(rel, sizeof rel, "errors/%s/%s.yaml", device ? "gpus" : "models",
	         stem);
	snprintf(path, sizeof path, "%s", testutil_write_file(rel, text));
	memset(&out, 0x5a, sizeof out);
	memcpy(&untouched, &out, sizeof out);
	got = device ? kvp_device_load_file(path, &out.device, &err)
	             : kvp_model_load_file(path, &out.model, &err);
	if (got != status || err.line != line || err.column != column ||
	    strcmp(err.message, message) != 0)
		print_error("got %d %lu:%lu: %s\n", (int)got, err.line, err.column,
		            err.message);
	assert_int_equal(got, status);
	assert_int_equal(err.status, status);
	assert_string_equal(err.path, path);
	assert_int_equal(err.line, line);
	assert_int_equal(err.column, column);
	assert_string_equal(err.message, message);
	assert_memory_equal(&out, &untouched, sizeof out);
}

#define MODEL_OK "name: m\nlayers: 32\nheads: 32\nkv_heads: 8\nhidden: 4096\n"

/* Text that is not YAML: libyaml's problem, its context and the mark. */
static void test_error_yaml_syntax(void **state)
{
	(void)state;
	expect_error(0, "m", "name: m\nlayers: [32, 8\nheads: 8\n", KVP_ERR_PARSE,
	             3, 6, "did not find expected ',' or ']' (while parsing a "
	             "flow sequence at line 2, column 9)");
	expect_error(0, "m", "name: m\nlayers: 32\n  heads: 8\n", KVP_ERR_PARSE,
	             3, 8, "mapping values are not allowed in this context");
	/* Bad UTF-8 comes as a byte offset, turned into line and column. */
	expect_error(0, "m", "name: m\ndescription: ok\xff\n", KVP_ERR_PARSE,
	             2, 16, "invalid leading UTF-8 octet");
}

/* An empty (or comment-only) file, a top level that is not a mapping,
 * and a second document. */
static void test_error_file_shape(void **state)
{
	(void)state;
	expect_error(0, "m", "", KVP_ERR_PARSE, 1, 1,
	             "empty file (expected a mapping of model fields)");
	expect_error(0, "m", "# only a comment\n", KVP_ERR_PARSE, 1, 1,
	             "empty file (expected a mapping of model fields)");
	expect_error(0, "m", "# a list\n- name: m\n", KVP_ERR_PARSE, 2, 1,
	             "expected a mapping of model fields, got a sequence");
	expect_error(0, "m", MODEL_OK "---\nname: n\n", KVP_ERR_PARSE, 6, 1,
	             "a second YAML document (a profile file holds one)");
}

/* A required field missing is reported at the start of the mapping. */
static void test_error_missing_field(void **state)
{
	(void)state;
	expect_error(0, "m", "# comment\nname: m\nlayers: 32\nheads: 32\n"
	             "hidden: 4096\n", KVP_ERR_PARSE, 2, 1,
	             "missing field 'kv_heads'");
	expect_error(0, "m", "name: m\nlayers: 32\nheads: 32\nkv_heads: 8\n",
	             KVP_ERR_PARSE, 1, 1, "missing field 'hidden' or 'head_dim'");
	expect_error(1, "g", "name: g\nmemory: 1 GiB\n", KVP_ERR_PARSE, 1, 1,
	             "missing field 'l2'");
}

/* Values of the wrong type: a quoted string, a sequence or a mapping where
 * a number is expected, a key that is not a plain scalar. */
static void test_error_wrong_type(void **state)
{
	(void)state;
	expect_error(0, "m", "name: m\nlayers: \"32\"\n", KVP_ERR_PARSE, 2, 9,
	             "field 'layers': expected an integer, got a quoted string");
	expect_error(0, "m", "name: m\nlayers: 32\nheads: [1, 2]\n", KVP_ERR_PARSE,
	             3, 8, "field 'heads': expected an integer, got a sequence");
	expect_error(0, "m", "name: m\nlayers: thirty-two\n", KVP_ERR_PARSE, 2, 9,
	             "field 'layers': 'thirty-two' is not an integer");
	expect_error(0, "m", "name: {a: 1}\n", KVP_ERR_PARSE, 1, 7,
	             "field 'name': expected a name, got a mapping");
	expect_error(0, "m", "name: m\naliases: mm\n", KVP_ERR_PARSE, 2, 10,
	             "field 'aliases': expected a sequence of names, got a plain "
	             "scalar");
	expect_error(0, "m", "name: m\n\"layers\": 32\n", KVP_ERR_PARSE, 2, 1,
	             "expected a plain field name, got a quoted string");
	expect_error(0, "m", "name: m\nlayers:\n", KVP_ERR_PARSE, 2, 8,
	             "field 'layers': no value given");
	expect_error(1, "g", "name: g\nmemory: \"80 GiB\"\n", KVP_ERR_PARSE, 2, 9,
	             "field 'memory': expected a size in bytes, got a quoted "
	             "string");
}

/* Integer fields take plain digits only: no sign, no fraction, nothing
 * after the number. */
static void test_error_bad_integers(void **state)
{
	(void)state;
	expect_error(0, "m", "name: m\nlayers: 32\nheads: 32\nkv_heads: -8\n",
	             KVP_ERR_PARSE, 4, 11, "field 'kv_heads': '-8' is negative");
	expect_error(0, "m", "name: m\nlayers: 32x\n", KVP_ERR_PARSE, 2, 9,
	             "field 'layers': '32x' is not an integer");
	expect_error(0, "m", "name: m\nlayers: 32.5\n", KVP_ERR_PARSE, 2, 9,
	             "field 'layers': '32.5' is not an integer");
	expect_error(0, "m", "name: m\nlayers: 3e1\n", KVP_ERR_PARSE, 2, 9,
	             "field 'layers': '3e1' is not an integer");
	expect_error(0, "m", "name: m\nrope_theta: 1e5x\n", KVP_ERR_PARSE, 2, 13,
	             "field 'rope_theta': '1e5x' is not a number");
	/* A truth value is true or false, not YAML 1.1's yes/no or 1. */
	expect_error(0, "m", "name: m\ntie_word_embeddings: yes\n", KVP_ERR_PARSE, 2, 22,
	             "field 'tie_word_embeddings': 'yes' is not true or false");
	expect_error(0, "m", "name: m\ntie_word_embeddings: 1\n", KVP_ERR_PARSE, 2, 22,
	             "field 'tie_word_embeddings': '1' is not true or false");
}

/* Out of range: 2^32 in a 32-bit field, 2^64 in a 64-bit one, a size
 * whose unit takes it past 2^64. */
static void test_error_out_of_range(void **state)
{
	(void)state;
	expect_error(0, "m", "name: m\nlayers: 4294967296\n", KVP_ERR_RANGE, 2, 9,
	             "field 'layers': '4294967296' is out of range (at most "
	             "4294967295)");
	expect_error(0, "m", MODEL_OK "max_context: 18446744073709551616\n",
	             KVP_ERR_OVERFLOW, 6, 14, "field 'max_context': "
	             "'18446744073709551616' does not fit in 64 bits");
	expect_error(0, "m", MODEL_OK "params: 1.9e19\n", KVP_ERR_OVERFLOW, 6, 9,
	             "field 'params': '1.9e19' does not fit in 64 bits");
	/* 2^24 TiB = 2^64 bytes, one past the largest. */
	expect_error(1, "g", "name: g\nmemory: 16777216 TiB\nl2: 1 MiB\n",
	             KVP_ERR_OVERFLOW, 2, 9,
	             "field 'memory': '16777216 TiB' does not fit in 64 bits");
}

/* params may be written with an exponent only when the value is whole;
 * sizes only when they come to whole bytes. */
static void test_error_not_whole(void **state)
{
	(void)state;
	expect_error(0, "m", MODEL_OK "params: 7.245e2\n", KVP_ERR_PARSE, 6, 9,
	             "field 'params': '7.245e2' is not a whole number");
	expect_error(1, "g", "name: g\nmemory: 1 GiB\nl2: 0.5 B\n", KVP_ERR_PARSE,
	             3, 5, "field 'l2': '0.5 B' is not a whole number of bytes");
	expect_error(1, "g", "name: g\nmemory: 1 GiB\nl2: 6 Mb\n", KVP_ERR_PARSE,
	             3, 5, "field 'l2': unknown unit 'Mb' (use B, KiB, MiB, GiB, "
	             "TiB, KB, MB, GB or TB)");
}

/* Loads a model with `line` appended to MODEL_OK into *m. */
static kvp_status load_model_with(const char *line, kvp_model *m,
                                  kvp_error *err)
{
	char text[512], path[1024];

	snprintf(text, sizeof text, MODEL_OK "%s\n", line);
	snprintf(path, sizeof path, "%s",
	         testutil_write_file("numbers/models/m.yaml", text));
	return kvp_model_load_file(path, m, err);
}

/* The same for a GPU with `line` after its name and l2. */
static kvp_status load_device_with(const char *line, kvp_device *d,
                                   kvp_error *err)
{
	char text[512], path[1024];

	snprintf(text, sizeof text, "name: g\nl2: 1 MiB\n%s\n", line);
	snprintf(path, sizeof path, "%s",
	         testutil_write_file("numbers/gpus/g.yaml", text));
	return kvp_device_load_file(path, d, err);
}

/* Whole numbers are exact however many digits they are written with: a
 * value that is not whole is "not a whole number" at any length (and
 * before its size), and only a value of 2^64 or more does not fit. */
static void test_number_edges(void **state)
{
	static const struct {
		const char *line;
		uint64_t value;
	} whole[] = {
		{"params: 18446744073709551615", UINT64_MAX},
		{"params: 1.000000000000000000000e0", 1},
		{"params: 100000000000000000000000000000e-29", 1},
		{"params: 0.00000000000000000000000000000000000000001e41", 1},
		{"params: 1.8446744073709551615e19", UINT64_MAX},
		{"params: 18446744073709551615.000000000000000000000000", UINT64_MAX},
		{"params: 0.0e-5", 0},
		{"max_context: 000000000000000000000000000000000000000042", 42},
	};
	static const struct {
		const char *line;
		kvp_status status;
		const char *message;
	} bad[] = {
		{"params: 18446744073709551616", KVP_ERR_OVERFLOW,
		 "field 'params': '18446744073709551616' does not fit in 64 bits"},
		{"params: 1.8446744073709551616e19", KVP_ERR_OVERFLOW,
		 "field 'params': '1.8446744073709551616e19' does not fit in 64 bits"},
		{"params: 2e19", KVP_ERR_OVERFLOW,
		 "field 'params': '2e19' does not fit in 64 bits"},
		{"params: 1e100000", KVP_ERR_OVERFLOW,
		 "field 'params': '1e100000' does not fit in 64 bits"},
		{"params: 1.00000000000000000001", KVP_ERR_PARSE,
		 "field 'params': '1.00000000000000000001' is not a whole number"},
		{"params: 123456789012345678901234e-4", KVP_ERR_PARSE,
		 "field 'params': '123456789012345678901234e-4' is not a whole number"},
		{"params: 18446744073709551616.5", KVP_ERR_PARSE,
		 "field 'params': '18446744073709551616.5' is not a whole number"},
		{"params: 1e-100000", KVP_ERR_PARSE,
		 "field 'params': '1e-100000' is not a whole number"},
	};
	static const struct {
		const char *line;
		uint64_t bytes;
	} sizes[] = {
		{"memory: 0.0009765625 KiB", 1},
		{"memory: 1.5 KB", 1500},
		{"memory: 0.000001 MB", 1},
		{"memory: 16777215 TiB", UINT64_C(18446742974197923840)},
	};
	kvp_model m;
	kvp_device d;
	kvp_error err;

	(void)state;
	for (size_t i = 0; i < sizeof whole / sizeof whole[0]; i++) {
		if (load_model_with(whole[i].line, &m, &err) != KVP_OK)
			print_error("%s: %s\n", whole[i].line, err.message);
		assert_int_equal(load_model_with(whole[i].line, &m, &err), KVP_OK);
		assert_int_equal(strncmp(whole[i].line, "params", 6) == 0
		                 ? m.params : m.max_context, whole[i].value);
	}
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(load_model_with(bad[i].line, &m, &err),
		                 bad[i].status);
		assert_int_equal(err.line, 6);
		assert_int_equal(err.column, 9);
		assert_string_equal(err.message, bad[i].message);
	}
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		assert_int_equal(load_device_with(sizes[i].line, &d, &err), KVP_OK);
		assert_int_equal(d.hbm_bytes, sizes[i].bytes);
	}
	assert_int_equal(load_device_with("memory: 0.00048828125 KiB", &d, &err),
	                 KVP_ERR_PARSE);
	assert_string_equal(err.message, "field 'memory': '0.00048828125 KiB' is "
	                    "not a whole number of bytes");
	assert_int_equal(load_device_with("memory: 16777215.99999999999999999999 "
	                                  "TiB", &d, &err), KVP_ERR_PARSE);
	assert_int_equal(load_device_with("memory: 16777216 TiB", &d, &err),
	                 KVP_ERR_OVERFLOW);
	/* A real keeps the leading digits of a long number. */
	assert_int_equal(load_model_with("rope_theta: 1.00000000000000000001e4",
	                                 &m, &err), KVP_OK);
	assert_true(m.rope_theta == 10000.0);
	/* Zero is zero at any exponent (0 * 10^400 is not 0 * inf). */
	assert_int_equal(load_model_with("rope_theta: 0e400", &m, &err), KVP_OK);
	assert_true(m.rope_theta == 0.0);
	assert_int_equal(load_model_with("rope_theta: 0.000e999", &m, &err), KVP_OK);
	assert_true(m.rope_theta == 0.0);
}

/* A key given twice is a duplicate at its second occurrence. */
static void test_error_duplicate_key(void **state)
{
	(void)state;
	expect_error(0, "m", "name: m\nlayers: 32\nheads: 32\nlayers: 40\n",
	             KVP_ERR_DUPLICATE, 4, 1,
	             "duplicate field 'layers' (first given at line 2, column 1)");
}

/* An unknown key names the closest known one, or lists them all. */
static void test_error_unknown_key(void **state)
{
	(void)state;
	expect_error(0, "m", "name: m\nlayrs: 32\n", KVP_ERR_PARSE, 2, 1,
	             "unknown field 'layrs' (did you mean 'layers'?)");
	/* More experts a token than the model has: at the top-k's line. */
	expect_error(0, "moe", "name: moe\nlayers: 4\nheads: 8\nkv_heads: 8\nhead_dim: 64\n"
	             "moe_experts: 8\nmoe_top_k: 9\n", KVP_ERR_SHAPE, 7, 1,
	             "moe: moe_top_k 9 is more than its 8 experts");
	expect_error(0, "moe", "name: moe\nlayers: 4\nheads: 8\nkv_heads: 8\nhead_dim: 64\n"
	             "moe_top_k: 9\nmoe_routed_experts: 8\n", KVP_ERR_SHAPE, 6, 1,
	             "moe: moe_top_k 9 is more than its 8 routed experts");
	/* A vision encoder's layers without its width: at the layers' line. */
	expect_error(0, "vl", "name: vl\nlayers: 4\nheads: 8\nkv_heads: 8\nhead_dim: 64\n"
	             "vision_layers: 27\n", KVP_ERR_SHAPE, 6, 1,
	             "vl: vision_layers 27 without vision_hidden_size");
	/* An interconnect kvplan does not know: at its line. */
	expect_error(1, "g", "name: g\nmemory: 80 GiB\nl2: 50 MiB\ninterconnect: nvswitch\n",
	             KVP_ERR_PARSE, 4, 1, "g: interconnect 'nvswitch' is none of pcie, nvlink"
	             " and xgmi");
	expect_error(1, "g", "name: g\nhbm: 80 GiB\n", KVP_ERR_PARSE, 2, 1,
	             "unknown field 'hbm' (GPU fields: name, description, aliases, "
	             "memory, l2, llc, bandwidth_gbs, fp16_tflops, arch, cuda_memory, "
	             "smi_memory, interconnect)");
}

/* The name must be the file name without .yaml, fit KVP_NAME_MAX and keep
 * to the characters of a name; so must aliases.  A long name is quoted
 * cut, with "...". */
static void test_error_name(void **state)
{
	char text[256];

	(void)state;
	expect_error(0, "m", "name: llama2-7b\n", KVP_ERR_PARSE, 1, 7,
	             "field 'name': 'llama2-7b' does not match the file name "
	             "(expected 'm')");
	snprintf(text, sizeof text, "name: %064d\n", 0);
	expect_error(0, "m", text, KVP_ERR_PARSE, 1, 7,
	             "field 'name': '0000000000000000000000000000000000000000000"
	             "000000000000000000000' is longer than 63 bytes");
	snprintf(text, sizeof text, "name: %0120d\n", 0);
	expect_error(0, "m", text, KVP_ERR_PARSE, 1, 7,
	             "field 'name': '0000000000000000000000000000000000000000000"
	             "0000000000000000000000000000000000000000000000000...' is "
	             "longer than 63 bytes");
	expect_error(0, "m", "name: m\naliases: [ok, a/b]\n", KVP_ERR_PARSE, 2, 15,
	             "field 'aliases': 'a/b' is not a valid name " TESTUTIL_NAME_RULE);
	expect_error(0, "m", "name: \"my model\"\n", KVP_ERR_PARSE, 1, 7,
	             "field 'name': 'my model' is not a valid name " TESTUTIL_NAME_RULE);
	expect_error(0, "m", "name: m\naliases: [m+1.5_X, .m]\n", KVP_ERR_PARSE,
	             2, 20, "field 'aliases': '.m' is not a valid name " TESTUTIL_NAME_RULE);
	expect_error(0, "m", "name: m\naliases: [-m]\n", KVP_ERR_PARSE, 2, 11,
	             "field 'aliases': '-m' is not a valid name " TESTUTIL_NAME_RULE);
	expect_error(0, "m", "name: m\naliases: [\"m,n\"]\n", KVP_ERR_PARSE, 2, 11,
	             "field 'aliases': 'm,n' is not a valid name " TESTUTIL_NAME_RULE);
	/* A model's type is a word in a name's characters. */
	expect_error(0, "m", "name: m\nmodel_type: \"gemma 3\"\n", KVP_ERR_PARSE, 2, 13,
	             "field 'model_type': 'gemma 3' is not a word " TESTUTIL_NAME_RULE);
	expect_error(0, "m", "name: m\nmodel_type: _llama\n", KVP_ERR_PARSE, 2, 13,
	             "field 'model_type': '_llama' is not a word " TESTUTIL_NAME_RULE);
	expect_error(0, "m", "name: m\nmodel_type: [llama]\n", KVP_ERR_PARSE, 2, 13,
	             "field 'model_type': expected a word, got a sequence");
	/* A backslash is doubled, so that escapes cannot be forged. */
	expect_error(0, "m", "name: m\naliases: ['m\\x41']\n", KVP_ERR_PARSE, 2,
	             11, "field 'aliases': 'm\\\\x41' is not a valid name "
	             TESTUTIL_NAME_RULE);
}

/* A control character in a name, an alias or a description (a line
 * break that would forge a second line of a message, a terminal escape,
 * a C1 control) is refused where the value starts, and quoted escaped. */
static void test_error_control_characters(void **state)
{
	char path[1024];
	kvp_model m;
	kvp_error err;

	(void)state;
	expect_error(0, "m", "name: \"m\\nkvplan: all good\"\n", KVP_ERR_PARSE,
	             1, 7, "field 'name': 'm\\nkvplan: all good' is not a valid "
	             "name " TESTUTIL_NAME_RULE);
	expect_error(0, "m", "name: m\naliases: [\"\\e]0;x\\a\"]\n", KVP_ERR_PARSE,
	             2, 11, "field 'aliases': '\\x1b]0;x\\x07' is not a valid name "
	             TESTUTIL_NAME_RULE);
	expect_error(0, "m", "name: m\ndescription: \"ok\\e[31m red\"\n",
	             KVP_ERR_PARSE, 2, 14, "field 'description': 'ok\\x1b[31m "
	             "red' holds a control character");
	expect_error(0, "m", "name: m\ndescription: \"a\\tb\"\n", KVP_ERR_PARSE,
	             2, 14, "field 'description': 'a\\tb' holds a control "
	             "character");
	expect_error(1, "g", "name: g\ndescription: \"next\\N line\"\n",
	             KVP_ERR_PARSE, 2, 14, "field 'description': 'next\\xc2\\x85 "
	             "line' holds a control character");
	expect_error(1, "g", "name: g\ndescription: \"\\x9b1m\"\n",
	             KVP_ERR_PARSE, 2, 14, "field 'description': '\\xc2\\x9b1m' "
	             "holds a control character");
	/* Printable UTF-8 is text like any other. */
	snprintf(path, sizeof path, "%s",
	         testutil_write_file("utf8/models/m.yaml",
	                             MODEL_OK "description: Llama \xe2\x80\x94 "
	                             "caf\xc3\xa9 \xe6\xa8\xa1\xe5\x9e\x8b\n"));
	assert_int_equal(kvp_model_load_file(path, &m, &err), KVP_OK);
	assert_string_equal(m.description, "Llama \xe2\x80\x94 caf\xc3\xa9 "
	                    "\xe6\xa8\xa1\xe5\x9e\x8b");
}

/* An alias that repeats the profile's own name or an earlier alias is a
 * duplicate in the file itself, wherever it is read from. */
static void test_error_alias_repeats(void **state)
{
	(void)state;
	expect_error(0, "m", "name: m\naliases: [m]\nlayers: 1\nheads: 1\n"
	             "kv_heads: 1\nhead_dim: 1\n", KVP_ERR_DUPLICATE, 2, 11,
	             "alias 'm' is already the name of model 'm'");
	expect_error(1, "g", "aliases: [x, y, x]\nname: g\nmemory: 1 GiB\n"
	             "l2: 1 MiB\n", KVP_ERR_DUPLICATE, 1, 17,
	             "alias 'x' is already an alias of GPU 'g'");
}

/* A shape kvp_model_finalize rejects is KVP_ERR_SHAPE at the offending
 * field; a device without memory is reported at its memory line. */
static void test_error_shape(void **state)
{
	(void)state;
	expect_error(0, "m", "name: m\nlayers: 32\nheads: 32\nkv_heads: 5\n"
	             "head_dim: 128\n", KVP_ERR_SHAPE, 4, 1,
	             "m: heads 32 is not divisible by kv_heads 5");
	expect_error(0, "m", "name: m\nlayers: 0\nheads: 32\nkv_heads: 8\n"
	             "head_dim: 128\n", KVP_ERR_SHAPE, 2, 1,
	             "m: layers must be at least 1");
	expect_error(0, "m", "name: m\nlayers: 2\nheads: 32\nkv_heads: 8\n"
	             "hidden: 4100\n", KVP_ERR_SHAPE, 5, 1,
	             "m: hidden 4100 is not divisible by heads 32 (give head_dim "
	             "explicitly)");
	expect_error(1, "g", "name: g\nl2: 1 MiB\nmemory: 0\n", KVP_ERR_PARSE, 3, 1,
	             "g: memory size must be non-zero");
	/* An architecture that is a word but neither sm_ and digits nor a
	 * gfx target, reported at its line. */
	static const char *const bad_arch[] = {
		"sm_9", "sm_1000", "sm_09", "sm_90x", "sm_90aa", "SM_90", "sm90",
		"gfx94", "gfx94200", "gfx942g", "gfx042", "hopper", "9.0"};
	for (size_t i = 0; i < sizeof bad_arch / sizeof bad_arch[0]; i++) {
		char text[128], message[256];

		snprintf(text, sizeof text, "name: g\nmemory: 1 GiB\nl2: 1 MiB\narch: %s\n",
		         bad_arch[i]);
		snprintf(message, sizeof message,
		         "g: arch '%s' is neither sm_ and a compute capability's digits"
		         " (sm_90 for 9.0) nor an AMD gfx target (gfx942)", bad_arch[i]);
		expect_error(1, "g", text, KVP_ERR_PARSE, 4, 1, message);
	}
	/* Not a word at all: the field's own error. */
	expect_error(1, "g", "name: g\nmemory: 1 GiB\nl2: 1 MiB\narch: sm 90\n",
	             KVP_ERR_PARSE, 4, 7,
	             "field 'arch': 'sm 90' is not a word (1 to 63 ASCII letters, digits,"
	             " '.', '-', '_' or '+', starting with a letter or a digit)");
}

/* A profile nests two deep at most (its mapping, the aliases sequence):
 * a third level is refused where it starts; two levels of the wrong kind
 * are the field's error. */
static void test_error_nesting_too_deep(void **state)
{
	(void)state;
	expect_error(0, "m", "[[[", KVP_ERR_PARSE, 1, 3,
	             "nested too deep: a profile is one mapping, with at most "
	             "a sequence (aliases, layer_kv_heads) in it");
	expect_error(0, "m", "name: m\naliases: [a, [b]]\n", KVP_ERR_PARSE, 2, 14,
	             "nested too deep: a profile is one mapping, with at most "
	             "a sequence (aliases, layer_kv_heads) in it");
	expect_error(0, "m", "name: m\nlayers:\n  - - 1\n", KVP_ERR_PARSE, 3, 5,
	             "nested too deep: a profile is one mapping, with at most "
	             "a sequence (aliases, layer_kv_heads) in it");
	/* Nesting refusal comes before the errors of the profile. */
	expect_error(0, "m", "layrs: 1\nheads: {a: [1]}\n", KVP_ERR_PARSE, 2, 12,
	             "nested too deep: a profile is one mapping, with at most "
	             "a sequence (aliases, layer_kv_heads) in it");
	expect_error(0, "m", "name: m\nheads: {a: 1}\n", KVP_ERR_PARSE, 2, 8,
	             "field 'heads': expected an integer, got a mapping");
	expect_error(0, "m", "name: m\naliases: [a, *b]\n", KVP_ERR_PARSE, 2, 14,
	             "field 'aliases': expected a name, got an alias (*name)");
}

/* Text of the largest size read (1 MiB): `fill` repeated after `before`. */
static char *big_text(const char *before, const char *fill, const char *after)
{
	size_t size = 1024 * 1024, used = strlen(before);
	char *text = malloc(size + 1);

	assert_non_null(text);
	strcpy(text, before);
	while (used + strlen(fill) + strlen(after) <= size) {
		memcpy(text + used, fill, strlen(fill));
		used += strlen(fill);
	}
	strcpy(text + used, after);
	return text;
}

/* 1 MiB of '[', of '{' or of both (libyaml's scanner is quadratic in such
 * runs: minutes for these) is refused at the third level at once; '[' in a
 * comment or a quoted string is no nesting.  The alarm turns a regression
 * into a failure; bench/bench_catalog times it. */
static void test_nesting_refused_early(void **state)
{
	static const char *const fills[] = {"[", "{", "[{", "{a: [", "- "};
	static const unsigned long columns[] = {3, 3, 3, 6, 5};
	char path[1024];
	kvp_model m;
	kvp_error err;
	char *text;

	(void)state;
	alarm(20);
	for (size_t i = 0; i < sizeof fills / sizeof fills[0]; i++) {
		text = big_text("", fills[i], "");
		expect_error(0, "m", text, KVP_ERR_PARSE, 1, columns[i],
		             "nested too deep: a profile is one mapping, with at "
		             "most a sequence (aliases, layer_kv_heads) in it");
		free(text);
	}
	text = big_text("name: m\ndescription: \"", "[", "\"\n");
	expect_error(0, "m", text, KVP_ERR_PARSE, 2, 14,
	             "field 'description': longer than 127 bytes");
	free(text);
	text = big_text("name: m\ndescription: '", "[{", "'\n");
	expect_error(0, "m", text, KVP_ERR_PARSE, 2, 14,
	             "field 'description': longer than 127 bytes");
	free(text);
	text = big_text(MODEL_OK "# ", "[", "\n");
	snprintf(path, sizeof path, "%s",
	         testutil_write_file("nesting/models/m.yaml", text));
	free(text);
	assert_int_equal(kvp_model_load_file(path, &m, &err), KVP_OK);
	assert_int_equal(m.layers, 32);
	alarm(0);
}

/* A file that cannot be read: missing (not found) or a directory. */
static void test_error_unreadable(void **state)
{
	kvp_model m;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_model_load_file("/nonexistent/m.yaml", &m, &err),
	                 KVP_ERR_NOT_FOUND);
	assert_string_equal(err.path, "/nonexistent/m.yaml");
	assert_int_equal(err.line, 0);
	assert_string_equal(err.message, "No such file or directory");
	assert_int_equal(kvp_model_load_file(testutil_tmpdir(), &m, &err),
	                 KVP_ERR_IO);
	assert_string_equal(err.message, "not a regular file");
}

/* Sizes in every unit form, exponents in params, and every optional field
 * read back exactly. */
static void test_values_parsed_exactly(void **state)
{
	char path[1024];
	kvp_device d;
	kvp_model m;
	kvp_error err;

	(void)state;
	snprintf(path, sizeof path, "%s",
	         testutil_write_file("values/gpus/g.yaml",
	                             "name: g\ndescription: \"a: quoted text\"\n"
	                             "aliases: [gee, 'g2']\nmemory: 1.5 KiB\n"
	                             "l2: 12345\nllc: 2 GB\nbandwidth_gbs: 0.5\n"
	                             "fp16_tflops: 1e3\n"));
	assert_int_equal(kvp_device_load_file(path, &d, &err), KVP_OK);
	assert_string_equal(d.description, "a: quoted text");
	assert_int_equal(d.hbm_bytes, 1536);
	assert_int_equal(d.l2_bytes, 12345);
	assert_int_equal(d.llc_bytes, UINT64_C(2000000000));
	assert_true(d.bandwidth_gbs == 0.5);
	assert_true(d.fp16_tflops == 1000.0);
	assert_string_equal(d.arch, ""); /* none given: unknown */
	/* Each architecture as written, and the compute capability an sm_
	 * names (major x 10 + minor), none for a gfx target. */
	static const struct {
		const char *arch;
		uint32_t sm;
	} archs[] = {{"sm_70", 70}, {"sm_89", 89}, {"sm_90", 90}, {"sm_90a", 90},
	             {"sm_100", 100}, {"sm_100f", 100}, {"sm_103", 103}, {"sm_120", 120},
	             {"gfx942", 0}, {"gfx950", 0}, {"gfx90a", 0}, {"gfx1100", 0}};
	for (size_t i = 0; i < sizeof archs / sizeof archs[0]; i++) {
		char text[128];

		snprintf(text, sizeof text, "name: a\nmemory: 1 GiB\nl2: 1 MiB\narch: %s\n",
		         archs[i].arch);
		snprintf(path, sizeof path, "%s", testutil_write_file("values/gpus/a.yaml", text));
		assert_int_equal(kvp_device_load_file(path, &d, &err), KVP_OK);
		assert_string_equal(d.arch, archs[i].arch);
		assert_int_equal(kvp__device_sm(&d), archs[i].sm);
	}
	snprintf(path, sizeof path, "%s",
	         testutil_write_file("values/models/m.yaml",
	                             "name: m\nlayers: 1\nheads: 4\nkv_heads: 2\n"
	                             "hidden: 256\nparams: 1.25e3\n"
	                             "max_context: 18446744073709551615\n"));
	assert_int_equal(kvp_model_load_file(path, &m, &err), KVP_OK);
	assert_int_equal(m.head_dim, 64); /* derived: 256 / 4 */
	assert_int_equal(m.params, 1250);
	assert_int_equal(m.max_context, UINT64_MAX);
	assert_int_equal(m.vocab, 0);
	assert_false(m.tie_embeddings); /* the default */
	snprintf(path, sizeof path, "%s",
	         testutil_write_file("values/models/t.yaml",
	                             "name: t\nlayers: 1\nheads: 4\nkv_heads: 2\n"
	                             "hidden: 256\ntie_word_embeddings: true\n"));
	assert_int_equal(kvp_model_load_file(path, &m, &err), KVP_OK);
	assert_true(m.tie_embeddings);
}

/* One file with 50,000 aliases, the last repeating the first, is refused
 * at the repeat: aliases are compared by sorting, not each with each. */
static void test_many_aliases_in_one_file(void **state)
{
	size_t n = 50000, size = 64 + n * 9;
	char *text = malloc(size);
	size_t used;

	(void)state;
	assert_non_null(text);
	used = (size_t)snprintf(text, size, "name: m\nlayers: 1\nheads: 1\n"
	                        "kv_heads: 1\nhead_dim: 1\naliases:\n");
	for (size_t i = 0; i < n; i++)
		used += (size_t)snprintf(text + used, size - used, "- a%05zu\n",
		                         i + 1 < n ? i : 0);
	alarm(20);
	expect_error(0, "m", text, KVP_ERR_DUPLICATE, (unsigned long)n + 6, 3,
	             "alias 'a00000' is already an alias of model 'm'");
	alarm(0);
	free(text);
}

/* The same for loading one file, valid or malformed: each failure is
 * KVP_ERR_NOMEM (a malformed file otherwise gives its parse error). */
static void test_allocation_failures_load_file(void **state)
{
	char bad[1024];
	unsigned long n;
	bool done = false;

	(void)state;
	snprintf(bad, sizeof bad, "%s",
	         testutil_write_file("oomfile/models/m.yaml",
	                             "name: m\naliases: [a, b]\nlayers: 32\n"
	                             "heads: 32\nkv_heads: 5\nhidden: 4096\n"));
	for (n = 1; !done; n++) {
		long live = testutil_live_blocks();
		kvp_model m;
		kvp_error err;
		kvp_status good, broken;

		testutil_fail_at(n);
		good = kvp_model_load_file(KVP_TEST_DATADIR "/models/llama2-7b.yaml",
		                           &m, &err);
		broken = kvp_model_load_file(bad, &m, &err);
		testutil_fail_at(0);
		assert_int_equal(testutil_live_blocks(), live);
		assert_true(good == KVP_OK || good == KVP_ERR_NOMEM);
		assert_true(broken == KVP_ERR_SHAPE || broken == KVP_ERR_NOMEM);
		done = good == KVP_OK && broken == KVP_ERR_SHAPE;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_yaml_syntax),
		cmocka_unit_test(test_error_file_shape),
		cmocka_unit_test(test_error_missing_field),
		cmocka_unit_test(test_error_wrong_type),
		cmocka_unit_test(test_error_bad_integers),
		cmocka_unit_test(test_error_out_of_range),
		cmocka_unit_test(test_error_not_whole),
		cmocka_unit_test(test_number_edges),
		cmocka_unit_test(test_error_duplicate_key),
		cmocka_unit_test(test_error_unknown_key),
		cmocka_unit_test(test_error_name),
		cmocka_unit_test(test_error_control_characters),
		cmocka_unit_test(test_error_alias_repeats),
		cmocka_unit_test(test_error_shape),
		cmocka_unit_test(test_error_nesting_too_deep),
		cmocka_unit_test(test_nesting_refused_early),
		cmocka_unit_test(test_error_unreadable),
		cmocka_unit_test(test_values_parsed_exactly),
		cmocka_unit_test(test_many_aliases_in_one_file),
		cmocka_unit_test(test_allocation_failures_load_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
