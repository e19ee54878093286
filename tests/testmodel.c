/*
 * testmodel.c — small models and devices for the unit tests that plan.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "testmodel.h"

kvp_model testmodel_new(uint32_t layers, uint32_t hidden, uint32_t heads, uint32_t kv,
                         uint32_t vocab, uint64_t params)
{
	kvp_model m;
	kvp_error err;

	memset(&m, 0, sizeof m);
	strcpy(m.name, "m");
	m.layers = layers;
	m.hidden = hidden;
	m.heads = heads;
	m.kv_heads = kv;
	m.vocab = vocab;
	m.params = params;
	if (kvp_model_finalize(&m, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return m;
}

void testmodel_deepseek_mla(kvp_model *m)
{
	m->kv_lora_rank = 512;
	m->qk_rope_dim = 64;
	m->qk_nope_dim = 128;
	m->v_head_dim = 128;
	m->head_dim = 0;
}

kvp_model testmodel_deepseek_v3(void)
{
	kvp_model m = testmodel_new(61, 7168, 128, 128, 129280, 671000000000ull);
	kvp_error err;

	testmodel_deepseek_mla(&m);
	if (kvp_model_finalize(&m, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return m;
}

kvp_device testmodel_device(uint64_t bytes)
{
	kvp_device d;

	memset(&d, 0, sizeof d);
	strcpy(d.name, "g");
	d.hbm_bytes = bytes;
	d.l2_bytes = 50ull << 20;
	return d;
}
