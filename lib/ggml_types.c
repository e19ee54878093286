/*
 * ggml_types.c — the tensor types a GGUF file may hold: each one's name,
 * values per block and bytes per block, as ggml's own table has them.
 *
 * Source: ggml/src/ggml.c, type_traits[] (blck_size, type_size =
 * sizeof(block_*)), at llama.cpp commit 00bdaa105cb0; the block structs
 * and their sizes from ggml/src/ggml-common.h at commit 01243c587fec
 * (q2_0, id 42, is the newest there).  The bytes are each block struct's
 * static_assert'ed size, worked out in the comments.  Ids 4 and 5 (q4_2,
 * q4_3), 31-33 (q4_0_4_4, q4_0_4_8, q4_0_8_8) and 36-38 (iq4_nl_4_4, ...)
 * were removed from ggml: their blocks are 0 and a file using them is
 * refused, as ggml's gguf reader refuses them (blck_size == 0).
 */
#include <strings.h>

#include "gguf.h"

#define QK_K 256

static const kvp__ggml_type types[] = {
	[0]  = {"f32", 1, 4},
	[1]  = {"f16", 1, 2},
	[2]  = {"q4_0", 32, 18},       /* fp16 d + 16 nibble bytes */
	[3]  = {"q4_1", 32, 20},       /* d, m + 16 */
	[4]  = {"q4_2 (removed)", 0, 0},
	[5]  = {"q4_3 (removed)", 0, 0},
	[6]  = {"q5_0", 32, 22},       /* d + qh[4] + 16 */
	[7]  = {"q5_1", 32, 24},       /* d, m + qh[4] + 16 */
	[8]  = {"q8_0", 32, 34},       /* d + 32 */
	[9]  = {"q8_1", 32, 36},       /* d, s + 32 */
	[10] = {"q2_K", QK_K, 84},     /* 16 scales + 64 qs + d, dmin */
	[11] = {"q3_K", QK_K, 110},    /* 32 hmask + 64 qs + 12 scales + d */
	[12] = {"q4_K", QK_K, 144},    /* d, dmin + 12 scales + 128 qs */
	[13] = {"q5_K", QK_K, 176},    /* d, dmin + 12 + 32 qh + 128 qs */
	[14] = {"q6_K", QK_K, 210},    /* 128 ql + 64 qh + 16 scales + d */
	[15] = {"q8_K", QK_K, 292},    /* float d + 256 qs + 16 int16 bsums */
	[16] = {"iq2_xxs", QK_K, 66},  /* d + 32 uint16 */
	[17] = {"iq2_xs", QK_K, 74},   /* d + 32 uint16 + 8 scales */
	[18] = {"iq3_xxs", QK_K, 98},  /* d + 96 */
	[19] = {"iq1_s", QK_K, 50},    /* d + 32 qs + 8 uint16 qh */
	[20] = {"iq4_nl", 32, 18},     /* d + 16 */
	[21] = {"iq3_s", QK_K, 110},   /* d + 13 * 8 + 4 scales */
	[22] = {"iq2_s", QK_K, 82},    /* d + 64 qs + 16 */
	[23] = {"iq4_xs", QK_K, 136},  /* d + scales_h + 4 scales_l + 128 qs */
	[24] = {"i8", 1, 1},
	[25] = {"i16", 1, 2},
	[26] = {"i32", 1, 4},
	[27] = {"i64", 1, 8},
	[28] = {"f64", 1, 8},
	[29] = {"iq1_m", QK_K, 56},    /* 32 qs + 16 qh + 8 scales */
	[30] = {"bf16", 1, 2},
	[31] = {"q4_0_4_4 (removed)", 0, 0},
	[32] = {"q4_0_4_8 (removed)", 0, 0},
	[33] = {"q4_0_8_8 (removed)", 0, 0},
	[34] = {"tq1_0", QK_K, 54},    /* 48 qs + 4 qh + d */
	[35] = {"tq2_0", QK_K, 66},    /* 64 qs + d */
	[36] = {"iq4_nl_4_4 (removed)", 0, 0},
	[37] = {"iq4_nl_4_8 (removed)", 0, 0},
	[38] = {"iq4_nl_8_8 (removed)", 0, 0},
	[39] = {"mxfp4", 32, 17},      /* e8m0 e + 16 */
	[40] = {"nvfp4", 64, 36},      /* 4 ue4m3 scales + 32 */
	[41] = {"q1_0", 128, 18},      /* d + 16 */
	[42] = {"q2_0", 64, 18},       /* d + 16 */
};

const kvp__ggml_type *kvp__ggml_type_of(uint32_t id, int *removed)
{
	if (removed)
		*removed = 0;
	if (id >= sizeof types / sizeof types[0])
		return NULL;
	if (types[id].block == 0 && removed)
		*removed = 1;
	return &types[id];
}

/* A type that stores weights in blocks, by name (case-insensitive): not
 * the plain floats and integers, not the removed ids, and not q8_1 and
 * q8_K, which only hold activations for the dot products. */
const kvp__ggml_type *kvp__ggml_quant_named(const char *name)
{
	for (size_t id = 0; id < sizeof types / sizeof types[0]; id++) {
		const kvp__ggml_type *t = &types[id];

		if (t->block <= 1 || id == 9 || id == 15)
			continue;
		if (strcasecmp(name, t->name) == 0)
			return t;
	}
	return NULL;
}
