/*
 * testmodel.h — small models and devices for the unit tests that plan
 * against libkvplan (testmodel.c, linked into those tests alone).
 */
#ifndef KVPLAN_TESTMODEL_H
#define KVPLAN_TESTMODEL_H

#include <stdint.h>

#include "kvplan.h"

/* A model of the given shape (its name "m"), finalized; the test fails
 * where it is not valid. */
kvp_model testmodel_new(uint32_t layers, uint32_t hidden, uint32_t heads, uint32_t kv,
                         uint32_t vocab, uint64_t params);
/* DeepSeek's MLA widths on m: latent 512, rope 64, nope 128, v_head 128,
 * no head_dim (m to be finalized again). */
void testmodel_deepseek_mla(kvp_model *m);
/* DeepSeek-V3's shape, finalized: 61 MLA layers of 576 latent values,
 * 1,152 B a token in fp16. */
kvp_model testmodel_deepseek_v3(void);
/* A device of bytes (its name "g", an L2 of 50 MiB, nothing else). */
kvp_device testmodel_device(uint64_t bytes);

#endif
