/*
 * test_safetensors.c — unit tests for lib/safetensors.c and
 * lib/safetensors_read.c on well-formed checkpoints: an fp8 checkpoint's
 * mixed types counted exactly, the embedding and the head, MTP layers and
 * towers told apart by name, sub-byte types, a sharded checkpoint read by
 * its index and by its directory, and allocation failures.  Malformed
 * headers and indexes are in test_safetensors_malformed.c.
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
 *     104 B; and model.layers.61.shared_head's head [4, 4] and norm [4],
 *     GGUF's blk.61.nextn.shared_head_head [2, 2]: 24 values, 48 B;
 *   of them the layers' copies of the embedding and head
 *     (mtp_shared_bytes): model.layers.61.embed_tokens, shared_head.head
 *     and nextn.shared_head_head, 32 + 32 + 8 = 72 B, not the norm;
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
		"\"data_offsets\":[352,356]},"
		"\"model.layers.61.shared_head.head.weight\":{\"dtype\":\"BF16\",\"shape\":[4,4],"
		"\"data_offsets\":[356,388]},"
		"\"model.layers.61.shared_head.norm.weight\":{\"dtype\":\"BF16\",\"shape\":[4],"
		"\"data_offsets\":[388,396]},"
		"\"blk.61.nextn.shared_head_head.weight\":{\"dtype\":\"BF16\",\"shape\":[2,2],"
		"\"data_offsets\":[396,404]}}";
	const char *path = st_write("mtp/model.safetensors", UINT64_MAX, header, 404);
	kvp_weights w;
	kvp_error err;

	(void)state;
	kvp_weights_init(&w);
	assert_int_equal(kvp_safetensors_read(path, &w, &err), KVP_OK);
	assert_int_equal(w.bytes, 404);
	assert_int_equal(w.params, 202);
	assert_int_equal(w.mtp_params, 40);
	assert_int_equal(w.mtp_bytes, 80);
	assert_int_equal(w.mtp_shared_bytes, 0);
	assert_int_equal(w.mtp_shared_params, 0);
	assert_int_equal(w.vision_params, 45);
	assert_int_equal(w.vision_bytes, 90);
	/* With the config's 61 layers, the blocks from 61 on are MTP too. */
	kvp_weights_init(&w);
	w.mtp_from_layer = 61;
	assert_int_equal(kvp_safetensors_read(path, &w, &err), KVP_OK);
	assert_int_equal(w.mtp_params, 40 + 52 + 24);
	assert_int_equal(w.mtp_bytes, 80 + 104 + 48);
	assert_int_equal(w.mtp_shared_bytes, 72);
	assert_int_equal(w.mtp_shared_params, 36);
	assert_int_equal(w.vision_params, 45);
	assert_int_equal(w.vision_bytes, 90);
	assert_int_equal(w.mtp_from_layer, 61);
	/* From block 7 on: model.layers.6 stays the model's. */
	kvp_weights_init(&w);
	w.mtp_from_layer = 7;
	assert_int_equal(kvp_safetensors_read(path, &w, &err), KVP_OK);
	assert_int_equal(w.mtp_params, 116);
}

/* The routed experts' tensors, counted apart (kvp_weights expert_bytes):
 * a part "experts" or one ending "_exps", not a shared expert, the router
 * or an MTP block's experts.  BF16, 2 B an element:
 *   model.layers.3.mlp.experts.0.gate_proj.weight [4, 4]   32 B  expert
 *   model.layers.3.mlp.experts.gate_up_proj [2, 4]         16 B  expert
 *   model.layers.3.block_sparse_moe.experts.1.w2.weight [3] 6 B  expert
 *   blk.3.ffn_down_exps.weight [5]                          10 B  expert
 *   model.layers.3.mlp.shared_experts.up_proj.weight [4]     8 B
 *   model.layers.3.mlp.shared_expert.up_proj.weight [2]      4 B
 *   blk.3.ffn_up_shexp.weight [1]                            2 B
 *   model.layers.3.mlp.gate.weight [2]                       4 B  whole
 *   model.layers.3.mlp.experts_x.weight [1]                  2 B
 *   model.layers.61.mlp.experts.0.up_proj.weight [3]         6 B  MTP
 * experts: 16 + 8 + 3 + 5 = 32 params, 64 B; all 45 params, 90 B; the
 * router held whole on every tensor-parallel rank (kvp_weights
 * replicated_bytes), 4 B. */
static void test_experts(void **state)
{
	static const char header[] =
		"{\"model.layers.3.mlp.experts.0.gate_proj.weight\":{\"dtype\":\"BF16\","
		"\"shape\":[4,4],\"data_offsets\":[0,32]},"
		"\"model.layers.3.mlp.experts.gate_up_proj\":{\"dtype\":\"BF16\","
		"\"shape\":[2,4],\"data_offsets\":[32,48]},"
		"\"model.layers.3.block_sparse_moe.experts.1.w2.weight\":{\"dtype\":\"BF16\","
		"\"shape\":[3],\"data_offsets\":[48,54]},"
		"\"blk.3.ffn_down_exps.weight\":{\"dtype\":\"BF16\",\"shape\":[5],"
		"\"data_offsets\":[54,64]},"
		"\"model.layers.3.mlp.shared_experts.up_proj.weight\":{\"dtype\":\"BF16\","
		"\"shape\":[4],\"data_offsets\":[64,72]},"
		"\"model.layers.3.mlp.shared_expert.up_proj.weight\":{\"dtype\":\"BF16\","
		"\"shape\":[2],\"data_offsets\":[72,76]},"
		"\"blk.3.ffn_up_shexp.weight\":{\"dtype\":\"BF16\",\"shape\":[1],"
		"\"data_offsets\":[76,78]},"
		"\"model.layers.3.mlp.gate.weight\":{\"dtype\":\"BF16\",\"shape\":[2],"
		"\"data_offsets\":[78,82]},"
		"\"model.layers.3.mlp.experts_x.weight\":{\"dtype\":\"BF16\",\"shape\":[1],"
		"\"data_offsets\":[82,84]},"
		"\"model.layers.61.mlp.experts.0.up_proj.weight\":{\"dtype\":\"BF16\","
		"\"shape\":[3],\"data_offsets\":[84,90]}}";
	const char *path = st_write("experts/model.safetensors", UINT64_MAX, header, 90);
	kvp_weights w;
	kvp_error err;

	(void)state;
	kvp_weights_init(&w);
	w.mtp_from_layer = 61;
	assert_int_equal(kvp_safetensors_read(path, &w, &err), KVP_OK);
	assert_int_equal(w.bytes, 90);
	assert_int_equal(w.expert_params, 32);
	assert_int_equal(w.expert_bytes, 64);
	assert_int_equal(w.replicated_bytes, 4);
	assert_int_equal(w.mtp_bytes, 6);
}

/* What every tensor-parallel rank holds whole: an MLA layer's
 * down-projections with their scales, a sparse-attention indexer's
 * tensors, and routers after mlp, block_sparse_moe or feed_forward; not a gate_proj, a gate elsewhere, or
 * an MTP block's.  BF16:
 *   model.layers.0.self_attn.q_a_proj.weight [4, 2]          16 B  whole
 *   model.layers.0.self_attn.q_a_proj.weight_scale_inv [1]    2 B  whole
 *   model.layers.0.self_attn.kv_a_proj_with_mqa.weight [3]    6 B  whole
 *   model.layers.3.mlp.gate.e_score_correction_bias [2]       4 B  whole
 *   model.layers.1.block_sparse_moe.gate.weight [5]          10 B  whole
 *   language_model.model.layers.1.feed_forward.router.weight [1] 2 B whole
 *   model.layers.1.mlp.gate_proj.weight [8]                  16 B
 *   model.layers.1.self_attn.gate.weight [3]                  6 B
 *   model.layers.61.mlp.gate.weight [2]                       4 B  MTP
 *   model.layers.0.self_attn.indexer.wq_b.weight [2]          4 B  whole
 * whole: 16 + 2 + 6 + 4 + 10 + 2 + 4 = 44 B of 70. */
static void test_replicated_tensors(void **state)
{
	static const char header[] =
		"{\"model.layers.0.self_attn.q_a_proj.weight\":{\"dtype\":\"BF16\","
		"\"shape\":[4,2],\"data_offsets\":[0,16]},"
		"\"model.layers.0.self_attn.q_a_proj.weight_scale_inv\":{\"dtype\":\"BF16\","
		"\"shape\":[1],\"data_offsets\":[16,18]},"
		"\"model.layers.0.self_attn.kv_a_proj_with_mqa.weight\":{\"dtype\":\"BF16\","
		"\"shape\":[3],\"data_offsets\":[18,24]},"
		"\"model.layers.3.mlp.gate.e_score_correction_bias\":{\"dtype\":\"BF16\","
		"\"shape\":[2],\"data_offsets\":[24,28]},"
		"\"model.layers.1.block_sparse_moe.gate.weight\":{\"dtype\":\"BF16\","
		"\"shape\":[5],\"data_offsets\":[28,38]},"
		"\"language_model.model.layers.1.feed_forward.router.weight\":{\"dtype\":\"BF16\","
		"\"shape\":[1],\"data_offsets\":[38,40]},"
		"\"model.layers.1.mlp.gate_proj.weight\":{\"dtype\":\"BF16\","
		"\"shape\":[8],\"data_offsets\":[40,56]},"
		"\"model.layers.1.self_attn.gate.weight\":{\"dtype\":\"BF16\","
		"\"shape\":[3],\"data_offsets\":[56,62]},"
		"\"model.layers.61.mlp.gate.weight\":{\"dtype\":\"BF16\","
		"\"shape\":[2],\"data_offsets\":[62,66]},"
		"\"model.layers.0.self_attn.indexer.wq_b.weight\":{\"dtype\":\"BF16\","
		"\"shape\":[2],\"data_offsets\":[66,70]}}";
	const char *path = st_write("whole/model.safetensors", UINT64_MAX, header, 70);
	kvp_weights w;
	kvp_error err;

	(void)state;
	kvp_weights_init(&w);
	w.mtp_from_layer = 61;
	assert_int_equal(kvp_safetensors_read(path, &w, &err), KVP_OK);
	assert_int_equal(w.bytes, 70);
	assert_int_equal(w.replicated_bytes, 44);
	assert_int_equal(w.mtp_bytes, 4);
	assert_int_equal(w.attention_bytes, 0);
}

/* The attention's projections SGLang's data-parallel attention splits
 * over tp / dp (kvp_weights attention_bytes), scales with them: q_b_proj
 * [4, 2] BF16 16 B and its weight_scale_inv 2 B, kv_b_proj [3] 6 B,
 * o_proj [2] 4 B, a fused qkv_proj [5] 10 B and GGUF-style attn_output
 * [1] 2 B: 40 B; not q_a_proj (whole, 2 B), nor a q_norm (2 B), nor an
 * MTP layer's q_proj (61: 2 B), nor a tower's (visual.blocks.0.attn.qkv,
 * 2 B). */
static void test_attention_tensors(void **state)
{
	static const char header[] =
		"{\"model.layers.0.self_attn.q_b_proj.weight\":{\"dtype\":\"BF16\","
		"\"shape\":[4,2],\"data_offsets\":[0,16]},"
		"\"model.layers.0.self_attn.q_b_proj.weight_scale_inv\":{\"dtype\":\"BF16\","
		"\"shape\":[1],\"data_offsets\":[16,18]},"
		"\"model.layers.0.self_attn.kv_b_proj.weight\":{\"dtype\":\"BF16\","
		"\"shape\":[3],\"data_offsets\":[18,24]},"
		"\"model.layers.0.self_attn.o_proj.weight\":{\"dtype\":\"BF16\","
		"\"shape\":[2],\"data_offsets\":[24,28]},"
		"\"model.layers.1.self_attn.qkv_proj.weight\":{\"dtype\":\"BF16\","
		"\"shape\":[5],\"data_offsets\":[28,38]},"
		"\"blk.1.attn_output.weight\":{\"dtype\":\"BF16\","
		"\"shape\":[1],\"data_offsets\":[38,40]},"
		"\"model.layers.0.self_attn.q_a_proj.weight\":{\"dtype\":\"BF16\","
		"\"shape\":[1],\"data_offsets\":[40,42]},"
		"\"model.layers.0.self_attn.q_norm.weight\":{\"dtype\":\"BF16\","
		"\"shape\":[1],\"data_offsets\":[42,44]},"
		"\"model.layers.61.self_attn.q_proj.weight\":{\"dtype\":\"BF16\","
		"\"shape\":[1],\"data_offsets\":[44,46]},"
		"\"visual.blocks.0.attn.qkv.weight\":{\"dtype\":\"BF16\","
		"\"shape\":[1],\"data_offsets\":[46,48]}}";
	const char *path = st_write("attn/model.safetensors", UINT64_MAX, header, 48);
	kvp_weights w;
	kvp_error err;

	(void)state;
	kvp_weights_init(&w);
	w.mtp_from_layer = 61;
	assert_int_equal(kvp_safetensors_read(path, &w, &err), KVP_OK);
	assert_int_equal(w.bytes, 48);
	assert_int_equal(w.attention_bytes, 40);
	assert_int_equal(w.replicated_bytes, 2);
	assert_int_equal(w.mtp_bytes, 2);
	assert_int_equal(w.vision_bytes, 2);
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
		cmocka_unit_test(test_experts),
		cmocka_unit_test(test_replicated_tensors),
		cmocka_unit_test(test_attention_tensors),
		cmocka_unit_test(test_sub_byte_types),
		cmocka_unit_test(test_sharded_index_and_directory),
		cmocka_unit_test(test_allocation_failures),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
