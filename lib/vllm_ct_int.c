/*
 * vllm_ct_int.c — compressed-tensors' integer weights (w4a16, w8a8) as
 * vLLM keeps them on each GPU, against the checkpoint's share the plan
 * gives it (kvp_plan stage_ct_int_bytes, stage_ct_int_sm90_bytes): the
 * linear layers of attention and of a dense MLP, vLLM fusing q, k, v
 * into one column-parallel layer and gate, up into another, o and down
 * row-parallel.  Read through the code index (research:
 * /work/research/vllm-ct-int-kernels.md):
 *  - CompressedTensorsWNA16.create_weights (compressed_tensors/schemes/
 *    compressed_tensors_wNa16.py): a row-parallel layer's scales and
 *    zero points are partitioned unless marlin_repeat_scales_on_all_ranks
 *    (quantization/utils/marlin_utils.py) says to repeat them, which it
 *    does wherever there is a g_idx: under actorder "group" every rank of
 *    o and down holds the scales of all their inputs.
 *  - choose_mp_linear_kernel: Machete on compute capability 9.0 (unless
 *    a g_idx and the inputs split over ranks, row-parallel layers under
 *    tp > 1, which take Marlin), Marlin on the others.
 *    MacheteLinearKernel.process_weights_after_loading (kernels/linear/
 *    mixed_precision/machete.py): the weights prepacked and the scales
 *    permuted in their own bytes; asymmetric zero points unpacked into
 *    the scales' 16-bit type, [in/G, out], 2 B a group and output where
 *    the checkpoint packs 8 in an int32 (1.5 B more); a g_idx's
 *    argsort kept as an int32 [in] beside the g_idx.  MarlinLinearKernel:
 *    repacked in the same bytes, the g_idx sorted and its sort indices
 *    kept, an int32 [in] more (its workspace, an int32 a multiprocessor
 *    a layer, is left out: under 0.3 MB a model).
 *  - CompressedTensorsW8A8Int8.create_weights: weight_scale fp32 [out,
 *    1], the checkpoint's 16-bit scales widened; a row-parallel layer's
 *    on every rank whole.  CUTLASS's kernel transposes the weight as a
 *    view.
 * Each weight_shape (16 B a tensor) is left as the checkpoint's share;
 * a mixture of experts' layers (their own methods) and AMD's GPUs are
 * not modelled: 0.  kv heads fewer than tp are taken as split.
 */
#include <string.h>

#include "engine.h"
#include "internal.h"

struct shape {
	uint64_t h, q, kv, o_in, inter;  /* hidden, q's and k's + v's out, o's in */
	uint64_t attn, mlp;              /* attention and dense MLP layers */
};

/* The layers of [a, b) that have attention, and the dense MLP's (each
 * of a model without experts). */
static void shape_of(const kvp_model *m, uint32_t a, uint32_t b, struct shape *s)
{
	uint32_t hd_v = m->head_dim_v ? m->head_dim_v : m->head_dim;

	memset(s, 0, sizeof *s);
	s->h = m->hidden;
	s->q = (uint64_t)m->heads * m->head_dim;
	s->o_in = (uint64_t)m->heads * hd_v;
	s->inter = m->intermediate;
	for (uint32_t i = a; i < b; i++) {
		kvp_layer_kind kind = kvp_model_layer_kind(m, i);

		if (kind == KVP_LAYER_FULL || kind == KVP_LAYER_SLIDING ||
		    kind == KVP_LAYER_CHUNKED) {
			s->attn++;
			s->kv += kvp_model_layer_kv_heads(m, i) * (m->head_dim + hd_v);
		}
	}
	s->mlp = m->intermediate ? b - a : 0;
}

/* Bytes vLLM keeps beyond the checkpoint's share on one of tp GPUs, on
 * Hopper (Machete) where sm90.  Signed: fused g_idx take less. */
static int64_t delta(const kvp_weights_format *f, const struct shape *s, uint64_t tp, bool sm90)
{
	/* column-parallel outputs (q, k, v, gate, up), row-parallel inputs
	 * (o, down), all layers */
	unsigned __int128 col_out = s->attn * s->q + s->kv + s->mlp * 2 * s->inter;
	unsigned __int128 row_in = s->attn * s->o_in + s->mlp * s->inter;
	unsigned __int128 rows = s->attn + s->mlp, run = 0, share = 0;
	uint64_t g = f->group ? f->group : 1;

	if (f->kind == KVP_WFORMAT_W8A8) {
		/* fp32 scales: the column layers' outputs split, o's and down's
		 * hidden whole; the checkpoint's 2 B of all split */
		run = 4 * (col_out / tp + rows * s->h);
		share = 2 * (col_out + rows * s->h) / tp;
	} else if (f->kind == KVP_WFORMAT_W4A16) {
		if (f->g_idx) {
			/* two int32 [in] a fused layer: qkv and gate_up read
			 * hidden whole, o and down their split inputs; the
			 * checkpoint's one a tensor (q, k, v, gate, up hidden) */
			run = 8 * (rows * s->h + row_in / tp);
			share = 4 * ((s->attn * 3 + s->mlp * 2) * s->h + row_in) / tp;
			/* o's and down's scales (and zero points) of every input
			 * on each rank */
			if (tp > 1)
				run += (unsigned __int128)(f->asymmetric ? 5 : 4) * s->h * row_in *
				       (tp - 1) / (2 * g * tp);
		}
		/* Machete's zero points: 2 B a group and output, not 1/2 B;
		 * o and down on Marlin where g_idx and tp > 1 */
		if (sm90 && f->asymmetric) {
			unsigned __int128 groups = s->h / g * col_out / tp;

			if (!f->g_idx || tp == 1)
				groups += row_in / tp / g * s->h;
			run += 3 * groups / 2;
		}
	}
	if (run > INT64_MAX || share > INT64_MAX)
		return 0;
	return (int64_t)run - (int64_t)share;
}

void kvp__vllm_plan_ct_int(const kvp_model *m, kvp_plan *p)
{
	const kvp_request *r = &p->request;
	const kvp_weights_format *f = &r->weights_format;
	uint64_t tp = r->tp ? r->tp : 1;

	memset(p->stage_ct_int_bytes, 0, sizeof p->stage_ct_int_bytes);
	memset(p->stage_ct_int_sm90_bytes, 0, sizeof p->stage_ct_int_sm90_bytes);
	if (r->engine != KVP_ENGINE_VLLM || m->moe_experts || m->moe_routed_experts ||
	    (f->kind != KVP_WFORMAT_W4A16 && f->kind != KVP_WFORMAT_W8A8) || !m->hidden)
		return;
	for (uint32_t s = 0; s < (p->stages ? p->stages : 1) && s < KVP_PP_MAX; s++) {
		uint32_t a = p->stages ? p->stage_first[s] : 0;
		uint32_t b = p->stages ? a + p->stage_layers[s] : m->layers;
		struct shape sh;

		shape_of(m, a, b, &sh);
		p->stage_ct_int_bytes[s] = delta(f, &sh, tp, false);
		p->stage_ct_int_sm90_bytes[s] = delta(f, &sh, tp, true);
	}
}

uint64_t kvp__vllm_ct_int_gpu_weights(const kvp_plan *plan, const kvp_device *d, uint32_t t,
                                      uint64_t mine)
{
	int64_t x;

	if (t >= KVP_PP_MAX || mine == UINT64_MAX || (d && kvp__device_amd(d)))
		return mine;
	x = d && kvp__device_sm(d) == 90 ? plan->stage_ct_int_sm90_bytes[t]
	                                 : plan->stage_ct_int_bytes[t];
	if (x < 0)
		return (uint64_t)-x < mine ? mine - (uint64_t)-x : 0;
	return kvp__add(mine, (uint64_t)x, &mine) ? mine : UINT64_MAX;
}
