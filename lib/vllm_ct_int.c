/*
 * vllm_ct_int.c — compressed-tensors' integer weights (w4a16, w8a16, w8a8) as
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
 *    o and down holds the scales of all their inputs; a channel's
 *    ([out, 1], w8a16 and w4a16:channel) are repeated alike, o's and
 *    down's hidden rows whole on every rank.
 *  - choose_mp_linear_kernel: Machete on compute capability 9.0 for a
 *    channel and groups of 64 and 128 (unless a g_idx and the inputs
 *    split over ranks, row-parallel layers under tp > 1, which take
 *    Marlin), Marlin on the others and for groups of 32; for 8 bits a
 *    channel on 8.x AllSpark (its outputs on a rank padded to a multiple
 *    of 32, 16 x in bytes more where they are an odd multiple of 16:
 *    not modelled); 8-bit zero points Machete's alone (research:
 *    /work/research/vllm-w8a16.md).
 *    MacheteLinearKernel.process_weights_after_loading (kernels/linear/
 *    mixed_precision/machete.py): the weights prepacked and the scales
 *    permuted in their own bytes; asymmetric zero points unpacked into
 *    the scales' 16-bit type, [in/G, out], 2 B a group and output where
 *    the checkpoint packs 32 / b in an int32 (1.5 B more at 4 bits, 1
 *    at 8); a g_idx's
 *    argsort kept as an int32 [in] beside the g_idx.  MarlinLinearKernel:
 *    repacked in the same bytes, the g_idx sorted and its sort indices
 *    kept, an int32 [in] more (its workspace, an int32 a multiprocessor
 *    a layer, is left out: under 0.3 MB a model).
 *  - CompressedTensorsW8A8Int8.create_weights: weight_scale fp32 [out,
 *    1], the checkpoint's 16-bit scales widened; a row-parallel layer's
 *    on every rank whole.  CUTLASS's kernel transposes the weight as a
 *    view.
 * A mixture of experts: its attention, dense layers and shared experts
 * as above, its routed experts as vLLM's methods keep them
 * (experts_delta, below).
 * SGLang's CompressedTensorsWNA16 (srt/layers/quantization/
 * compressed_tensors/schemes/compressed_tensors_wNa16.py) sizes its
 * scales by the same marlin_repeat_scales_on_all_ranks and runs Marlin
 * alone, its g_idx sorted beside its sort indices: Marlin's bytes on
 * every GPU; its W8A8 scales are not read (none).
 * Each weight_shape (16 B a tensor) is left as the checkpoint's share.
 * Not modelled (0): MLA's and recurrent layers (a mixture's MLPs and
 * experts beside them are), a dense model with them, AMD's GPUs, SGLang's
 * experts, the four int32 placeholders vLLM's Triton fallback for W4A16
 * experts (before PR #44570, where Marlin's shapes fail) never freed,
 * Marlin's tile padding of the experts' inner size (PR #45703, about
 * 0.24), vLLM's older full w2 scales under actorder "weight" or "static"
 * (load_full_w2 took any actorder before _w2_scale_sharding), and the
 * experts' fp32 weight_shape and Marlin's workspace (kilobytes).
 */
#include <string.h>

#include "engine.h"
#include "internal.h"

struct shape {
	uint64_t h, q, o_in, inter;  /* hidden, q's outputs, o's inputs, the MLP's */
	uint64_t kv, kv_rank;        /* k's and v's outputs, all and a rank's */
	uint64_t attn_col, attn_row; /* attention layers whose q, k, v and
	                              * whose o are quantized */
	uint64_t mlp;                /* dense MLP layers */
};

/* Layers [a, b) of m, all of them attention (a model with other layers,
 * or MLA, is not modelled: false): their attention's shape in s, its MLP
 * parts apart (parts below), less what the format keeps 16-bit (keep,
 * KVP_WKEEP_*).  A rank's k and v: its share of the kv heads, or one
 * replicated where they are fewer than tp. */
static bool shape_of(const kvp_model *m, uint32_t a, uint32_t b, uint64_t tp, uint32_t keep,
                     struct shape *s)
{
	uint32_t hd_v = m->head_dim_v ? m->head_dim_v : m->head_dim;

	memset(s, 0, sizeof *s);
	if (m->kv_lora_rank || !m->hidden || !m->heads || !m->head_dim || m->full_head_dim)
		return false;
	for (uint32_t i = 0; i < m->layers; i++)
		if (!kvp__attention_kind(kvp__layer_weights_kind(m, i)))
			return false;
	s->h = m->hidden;
	s->q = (uint64_t)m->heads * m->head_dim;
	s->o_in = (uint64_t)m->heads * hd_v;
	for (uint32_t i = a; i < b; i++) {
		uint64_t kv = kvp_model_layer_kv_heads(m, i);

		s->kv += kv * (m->head_dim + hd_v);
		s->kv_rank += (kv >= tp ? kv / tp : 1) * (m->head_dim + hd_v);
	}
	s->attn_col = keep & KVP_WKEEP_QKV ? 0 : b - a;
	s->attn_row = keep & KVP_WKEEP_O ? 0 : b - a;
	if (keep & KVP_WKEEP_QKV)
		s->kv = s->kv_rank = 0;
	return true;
}

/* An MLP part of n layers of inner size inter on the hidden size h: a
 * dense model's every layer, a mixture's dense layers and its shared
 * experts (vLLM and SGLang run those as a dense MLP's linear layers). */
static struct shape mlp_part(uint64_t h, uint64_t inter, uint64_t n)
{
	struct shape s;

	memset(&s, 0, sizeof s);
	s.h = h;
	s.inter = inter;
	s.mlp = inter ? n : 0;
	return s;
}

/* run - share, saturated to 64 signed bits. */
static int64_t excess(unsigned __int128 run, unsigned __int128 share)
{
	if (run > INT64_MAX)
		run = INT64_MAX;
	if (share > run)
		return -(int64_t)(share - run < INT64_MAX ? share - run : INT64_MAX);
	return (int64_t)(run - share);
}

/* What to count besides a g_idx's sort or permutation (every CUDA
 * kernel keeps one): Machete's 16-bit zero points, W8A8's fp32 scales. */
struct kernel {
	bool machete, fp32_scales;
};

/* Bytes kept beyond the checkpoint's share on one of tp GPUs.  Signed,
 * though the fused layers' fewer g_idx (one of hidden inputs for q, k
 * and v) are outweighed by their sorts in any real shape. */
static int64_t delta(const kvp_weights_format *f, const struct shape *s, uint64_t tp,
                     struct kernel k)
{
	/* outputs of the column-parallel layers (q, k, v, gate, up) on a
	 * rank and in all; inputs of the row-parallel ones (o, down) */
	unsigned __int128 col_rank = s->attn_col * (s->q / tp) + s->kv_rank +
	                             s->mlp * (2 * s->inter / tp);
	unsigned __int128 col = s->attn_col * s->q + s->kv + s->mlp * 2 * s->inter;
	unsigned __int128 row_in = s->attn_row * s->o_in + s->mlp * s->inter;
	/* the row-parallel layers (o, down) and the fused column ones (qkv,
	 * gate_up) */
	unsigned __int128 rows = s->attn_row + s->mlp, cols = s->attn_col + s->mlp;
	unsigned __int128 run = 0, share = 0;
	uint64_t g = f->group ? f->group : 1;
	/* the weights' bits, and a zero point's in the checkpoint */
	unsigned bits = kvp__wna16_bits(f), zbits = f->asymmetric ? bits : 0;

	if (f->kind == KVP_WFORMAT_W8A8 && k.fp32_scales) {
		/* fp32 scales: the column layers' outputs split, o's and down's
		 * hidden whole; the checkpoint's 2 B of all split */
		run = 4 * (col_rank + rows * s->h);
		share = 2 * (col + rows * s->h) / tp;
	} else if (kvp__wna16(f) && !f->group) {
		/* a channel: a scale (and zero point) an output row, the
		 * column layers' split, o's and down's hidden whole on each
		 * rank (marlin_repeat_scales_on_all_ranks: channelwise and
		 * row-parallel); Machete's zero points 16-bit */
		run = (16 + (f->asymmetric ? (k.machete ? 16 : bits) : 0)) *
		      (col_rank + rows * s->h) / 8;
		share = (16 + zbits) * (col + rows * s->h) / (8 * tp);
	} else if (kvp__wna16(f)) {
		if (f->g_idx) {
			/* an int32 [in] a fused layer, two with the sort: qkv
			 * and gate_up read hidden whole, o and down their split
			 * inputs; the checkpoint's one a tensor (q, k, v, gate,
			 * up hidden) */
			run = 8 * (cols * s->h + row_in / tp);
			share = 4 * ((s->attn_col * 3 + s->mlp * 2) * s->h + row_in) / tp;
			/* o's and down's scales (and zero points, bits/8 B a
			 * group and output) of every input on each rank, their
			 * share 1/tp of it */
			if (tp > 1)
				run += (unsigned __int128)(16 + zbits) * s->h *
				       (s->attn_row * (s->o_in / g) + s->mlp * (s->inter / g)) * (tp - 1) /
				       (8 * tp);
		}
		/* Machete's zero points: 2 B a group and output, not bits/8;
		 * o and down on Marlin where g_idx and tp > 1 */
		if (k.machete && f->asymmetric) {
			unsigned __int128 groups = s->h / g * col_rank;

			if (!f->g_idx || tp == 1)
				groups += (s->attn_row * (s->o_in / tp / g) + s->mlp * (s->inter / tp / g)) *
				          s->h;
			run += (16 - bits) * groups / 8;
		}
	}
	return excess(run, share);
}

static int64_t sat_add(int64_t a, int64_t b)
{
	if (b > 0 && a > INT64_MAX - b)
		return INT64_MAX;
	if (b < 0 && a < INT64_MIN - b)
		return INT64_MIN;
	return a + b;
}

/* vLLM's routed experts of n layers beyond their share, on one rank
 * (research: /work/research/vllm-ct-int-kernels.md C.1, C.2): E experts
 * of inner size I, hidden H, over the N = tp x dp ranks that hold them
 * (kvp__experts_over_dp; tp alone otherwise): under expert parallelism
 * E / N whole experts a rank, else every expert with I / N.
 *  - W8A8 (CompressedTensorsW8A8Int8MoEMethod): fp32 scales, (E, 2I, 1)
 *    and (E, H, 1), where the checkpoint has 16-bit ones: w2's H rows
 *    whole on every rank under tensor parallelism.
 *  - W8A16 and W4A16 a channel (CompressedTensorsWNA16MarlinMoEMethod):
 *    (E, 1, 2I) and (E, 1, H) scales, w2's H whole on every rank under
 *    tensor parallelism.
 *  - W4A16 and W8A16 under actorder (CompressedTensorsWNA16MarlinMoEMethod,
 *    _process_weights_marlin): the g_idx and its sort indices kept, (E,
 *    H) and (E, I / N) int32 each, for the checkpoint's three g_idx an
 *    expert; and with the inner size split (load_full_w2) w2's scales (and
 *    zero points) of all I on every rank.  Without actorder the four
 *    are replaced by empty tensors: none.
 * SGLang's methods are not read: none. */
static int64_t experts_delta(const kvp_model *m, const kvp_plan *p, uint64_t n)
{
	const kvp_request *r = &p->request;
	const kvp_weights_format *f = &r->weights_format;
	uint32_t experts = m->moe_experts ? m->moe_experts : m->moe_routed_experts;
	uint64_t ranks = (uint64_t)(r->tp ? r->tp : 1) *
	                 (kvp__experts_over_dp(p) && r->dp > 1 ? r->dp : 1);
	uint64_t h = m->hidden, inner = m->moe_intermediate, g = f->group ? f->group : 1;
	unsigned zbits = f->asymmetric ? kvp__wna16_bits(f) : 0;
	unsigned __int128 run = 0, ckpt = 0, share;

	if (r->engine != KVP_ENGINE_VLLM || !n || !experts || !inner)
		return 0;
	/* An expert's bytes held (run) and in the checkpoint (ckpt); a rank
	 * holds ceil(E / N) whole experts under expert parallelism, as the
	 * fit gives it their share (kvp__whole_experts), else a 1 / N slice
	 * of every one. */
	if (f->kind == KVP_WFORMAT_W8A8) {
		ckpt = (unsigned __int128)2 * (2 * inner + h);
		run = r->expert_parallel ? 2 * ckpt
		                         : (unsigned __int128)4 * (2 * inner / ranks + h) * ranks;
	} else if (kvp__wna16(f) && !f->group) {
		/* a channel: (E, 1, 2I) and (E, 1, H) scales (and zero
		 * points), w2's H whole on every rank */
		ckpt = (unsigned __int128)(16 + zbits) * (2 * inner + h) / 8;
		run = r->expert_parallel
		      ? ckpt : (unsigned __int128)(16 + zbits) * (2 * inner / ranks + h) * ranks / 8;
	} else if (kvp__wna16(f) && f->g_idx) {
		ckpt = (unsigned __int128)4 * (2 * h + inner);
		run = r->expert_parallel ? (unsigned __int128)8 * (h + inner)
		                         : (unsigned __int128)8 * (h + inner / ranks) * ranks;
		/* under tensor parallelism w2's scales (and zero points) of
		 * all its I / G groups on each rank: the (N - 1) / N past
		 * the share, over N ranks' worth */
		if (!r->expert_parallel && ranks > 1)
			run += (unsigned __int128)(16 + zbits) * h * (inner / g) * (ranks - 1) / 8;
	}
	/* per rank: under expert parallelism ceil(E / N) experts' bytes,
	 * otherwise E experts' over N */
	if (r->expert_parallel) {
		uint64_t e_rank = experts / ranks + (experts % ranks != 0);

		run = run * e_rank * n;
		share = ckpt * e_rank * n;
	} else {
		run = run * experts * n / ranks;
		share = ckpt * experts * n / ranks;
	}
	return excess(run, share);
}

void kvp__vllm_plan_ct_int(const kvp_model *m, kvp_plan *p)
{
	const kvp_request *r = &p->request;
	const kvp_weights_format *f = &r->weights_format;
	uint64_t tp = r->tp ? r->tp : 1;
	bool vllm = r->engine == KVP_ENGINE_VLLM;
	bool moe = (m->moe_experts || m->moe_routed_experts) && m->moe_intermediate;
	/* Machete takes a channel and groups of 64 and 128 alone
	 * (query_machete_supported_group_sizes: -1, 64, 128); Marlin 32
	 * too */
	bool machete = vllm && (f->group == 64 || f->group == 128 ||
	                        (kvp__wna16(f) && !f->group));
	uint32_t keep = kvp__wkeep(f);

	memset(p->stage_ct_int_bytes, 0, sizeof p->stage_ct_int_bytes);
	memset(p->stage_ct_int_sm90_bytes, 0, sizeof p->stage_ct_int_sm90_bytes);
	if ((!vllm && r->engine != KVP_ENGINE_SGLANG) ||
	    (!kvp__wna16(f) && f->kind != KVP_WFORMAT_W8A8))
		return;
	for (uint32_t s = 0; s < (p->stages ? p->stages : 1) && s < KVP_PP_MAX; s++) {
		uint32_t a = p->stages ? p->stage_first[s] : 0;
		uint32_t b = p->stages ? a + p->stage_layers[s] : m->layers;
		struct shape parts[3];
		uint64_t routed = moe ? kvp__expert_layers(m, a, b) : 0;
		int64_t x = 0, x90 = 0, e;

		/* attention other than GQA's (MLA, linear or recurrent
		 * layers) is not modelled: a mixture's MLPs and experts still
		 * are, a dense model's other layers not */
		if (!shape_of(m, a, b, tp, keep, &parts[0]) && !moe)
			return;
		/* the MLP parts, unless the format keeps them 16-bit */
		parts[1] = mlp_part(m->hidden, moe ? (m->dense_intermediate ? m->dense_intermediate
		                                                          : m->intermediate)
		                                   : m->intermediate,
		                    keep & KVP_WKEEP_DENSE ? 0 : b - a - routed);
		parts[2] = mlp_part(m->hidden, m->moe_shared_intermediate,
		                    keep & KVP_WKEEP_SHARED ? 0 : routed);
		for (int k = 0; k < 3; k++) {
			x = sat_add(x, delta(f, &parts[k], tp, (struct kernel){false, vllm}));
			x90 = sat_add(x90, delta(f, &parts[k], tp, (struct kernel){machete, vllm}));
		}
		/* the experts' the same on every GPU */
		e = experts_delta(m, p, routed);
		x = sat_add(x, e);
		x90 = sat_add(x90, e);
		p->stage_ct_int_bytes[s] = x;
		p->stage_ct_int_sm90_bytes[s] = x90;
	}
}

int64_t kvp_plan_ct_int_bytes(const kvp_plan *plan, const kvp_device *d, uint32_t t)
{
	if (!plan || t >= (plan->stages ? plan->stages : 1) || t >= KVP_PP_MAX ||
	    (d && kvp__device_amd(d)))
		return 0;
	return !d || kvp__device_sm(d) == 90 ? plan->stage_ct_int_sm90_bytes[t]
	                                     : plan->stage_ct_int_bytes[t];
}

uint64_t kvp__vllm_ct_int_gpu_weights(const kvp_plan *plan, const kvp_device *d, uint32_t t,
                                      uint64_t mine)
{
	int64_t x = kvp_plan_ct_int_bytes(plan, d, t);

	if (mine == UINT64_MAX)
		return mine;
	if (x < 0)
		return (uint64_t)-x < mine ? mine - (uint64_t)-x : 0;
	return kvp__add(mine, (uint64_t)x, &mine) ? mine : UINT64_MAX;
}
