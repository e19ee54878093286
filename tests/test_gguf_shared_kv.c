/*
 * test_gguf_shared_kv.c — GGUF architectures whose last layers keep no
 * cache of their own but read an earlier layer's (llama_hparams
 * n_layer_kv_from_start, has_kv; the reuse callback of
 * llama_model::create_memory): Gemma 3n, whose loader writes the 20 in
 * (src/models/gemma3n.cpp @ 3688fa86; research:
 * /work/research/gemma4-engines.md, gemma3n.md), read as kvp_model
 * kv_shared_layers (before 2026-12-08, a pattern of none layers, which
 * dropped the shared layers' weights' kind).  Before, every layer was
 * sized.
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
#include "hfutil.h"

/* A Gemma 3n file of layers layers (hidden 2048, 8 heads, 2 kv heads of
 * 256, a window of 512, every fifth layer full), parsed into *p. */
static void gemma3n_file(ggufw *w, uint32_t layers, parsed *p)
{
	ggufw_init(w, 3);
	base_keys(w, "gemma3n", layers, 2048, 8, 2, 256);
	ggufw_kv_uint(w, "gemma3n.attention.sliding_window", GGUFW_U32, 512);
	ggufw_finish(w, 1);
	parse_ok(w, p);
}

/* Gemma 3n E4B's shape (35 layers): layers 0 to 19 keep their caches, 4
 * full (4, 9, 14, 19) and 16 sliding, 2 x 2 x 256 x 2 B = 2,048 B a token
 * each; 20 to 34 none.  At 8,192 tokens 4 x 8,192 x 2,048 + 16 x 512 x
 * 2,048 = 83,886,080 B (35 layers' were 146,800,640).  E2B's 30 layers
 * keep the same 20; a file of 20 layers shares none. */
static void test_gemma3n(void **state)
{
	const uint64_t bytes = 4 * 8192ull * 2048 + 16 * 512ull * 2048;
	ggufw w;
	parsed p;

	(void)state;
	gemma3n_file(&w, 35, &p);
	assert_int_equal(kvp_model_count_layers(&p.model, KVP_LAYER_FULL), 4);
	assert_int_equal(kvp_model_count_layers(&p.model, KVP_LAYER_SLIDING), 16);
	assert_int_equal(kvp_model_count_layers(&p.model, KVP_LAYER_NONE), 15);
	assert_int_equal(kvp_model_layer_kind(&p.model, 19), KVP_LAYER_FULL);
	assert_int_equal(kvp_model_layer_kind(&p.model, 20), KVP_LAYER_NONE);
	assert_int_equal(cache_at(&p.model, 8192), bytes);
	/* the last 15 read layer 18's (sliding) or 19's (full) cache */
	assert_int_equal(p.model.kv_shared_layers, 15);
	assert_int_equal(p.model.pattern_len, 5);
	ggufw_free(&w);
	gemma3n_file(&w, 30, &p);
	assert_int_equal(p.model.kv_shared_layers, 10);
	assert_int_equal(cache_at(&p.model, 8192), bytes);
	ggufw_free(&w);
	gemma3n_file(&w, 20, &p);
	assert_int_equal(p.model.kv_shared_layers, 0);
	assert_int_equal(cache_at(&p.model, 8192), bytes);
	ggufw_free(&w);
	/* a pattern of 6: layer 19 sliding, yet llama.cpp's full layers from
	 * 20 on read it (from - 1) */
	ggufw_init(&w, 3);
	base_keys(&w, "gemma3n", 35, 2048, 8, 2, 256);
	ggufw_kv_uint(&w, "gemma3n.attention.sliding_window", GGUFW_U32, 512);
	ggufw_kv_uint(&w, "gemma3n.attention.sliding_window_pattern", GGUFW_U32, 6);
	ggufw_finish(&w, 1);
	parse_fails(&w, KVP_ERR_UNSUPPORTED, "gemma3n: sliding_window_pattern makes layer 23"
	            " full, whose cache llama.cpp reads from layer 19, a layer of another kind");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gemma3n),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
