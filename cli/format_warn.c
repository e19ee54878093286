/*
 * format_warn.c — a weights format the engine asked cannot load or run
 * where it is planned: compressed-tensors' integer schemes (w4a16,
 * w8a8), as each engine's loader reads them (research, through the code
 * index: /work/research/vllm-ct-int-kernels.md):
 *  - TensorRT-LLM: _torch/model_config.py load_hf_quant_config hands a
 *    compressed-tensors config to update_quant_config_from_compressed_
 *    tensors, which reads 8-bit floats (FP8 a channel, or blocks) and
 *    4-bit floats (NVFP4, MXFP4) alone: 4-bit ints fail there, and 8-bit
 *    ints would be taken for fp8.
 *  - vLLM: CompressedTensorsW8A8Int8's minimum capability is 7.5, and on
 *    10.0 and later its CUTLASS int8 kernel stops the start ("Int8 not
 *    supported on SM1xx", issue #54311; the docs: "INT8 is not supported
 *    on compute capability >= 10.0").
 *  - vLLM's CompressedTensorsWNA16MarlinMoEMethod, which from PR #44570
 *    (taken as 0.24) every w4a16 mixture of experts runs, raises where an
 *    expert's inner size on a rank is no multiple of the group ("requires
 *    the MoE intermediate size per tensor-parallel partition ... to be
 *    divisible by group_size ... or enable expert parallelism"; not
 *    under actorder, whose w2 scales every rank holds whole): before,
 *    moe_wna16's Triton kernel took such shapes.
 *  - vLLM's W8A8 schemes take symmetric weights alone (_is_dynamic_token_
 *    w8a8: "Only symmetric weight quantization supported"), and its
 *    W4A16 kernels groups of 32, 64 and 128 (Marlin's; Machete's 64 and
 *    128): another is refused at load.
 *  - SGLang: CompressedTensorsWNA16MoE asserts symmetric weights.
 *  - W8A16 (research: /work/research/vllm-w8a16.md): vLLM's kernels for
 *    8-bit with zero points are Machete's, on 9.0 alone (Marlin's and
 *    AllSpark's take none, Exllama's none of 8 bits): elsewhere "Failed
 *    to find a kernel that can implement the WNA16 linear layer"; its
 *    Marlin MoE refuses asymmetric 8-bit experts ("does not support
 *    asymmetric int8 MoE weights") and 8-bit experts in groups (it
 *    asserts group_size -1); SGLang runs Marlin alone, so no 8-bit zero
 *    points at all.  Marlin takes a channel too.
 * One line each; the plan is made anyway.
 */
#include <string.h>

#include "cli.h"

void cli_format_warnings(const struct cli_plan *p)
{
	const kvp_request *r = &p->request;
	const kvp_weights_format *f = &r->weights_format;
	bool wna16 = f->kind == KVP_WFORMAT_W4A16 || f->kind == KVP_WFORMAT_W8A16;
	bool vllm = r->engine == KVP_ENGINE_VLLM;

	if (!wna16 && f->kind != KVP_WFORMAT_W8A8)
		return;
	if (r->engine == KVP_ENGINE_TRTLLM)
		cli_warn("TensorRT-LLM does not load compressed-tensors' %s weights (its loader"
		         " reads 8-bit and 4-bit float schemes alone); planned as %s anyway",
		         f->name, f->name);
	if (r->engine == KVP_ENGINE_SGLANG && f->kind == KVP_WFORMAT_W4A16 && f->asymmetric &&
	    p->model.moe_top_k)
		cli_warn("SGLang's compressed-tensors MoE takes symmetric 4-bit experts alone"
		         " (CompressedTensorsWNA16MoE), not %s; planned as %s anyway", f->name,
		         f->name);
	if (vllm && f->kind == KVP_WFORMAT_W4A16 && f->group && p->model.moe_top_k &&
	    p->model.moe_intermediate && !r->expert_parallel && !f->g_idx &&
	    (!r->vllm_version || r->vllm_version >= 24)) {
		uint64_t ranks = (uint64_t)(r->tp ? r->tp : 1) * (r->dp ? r->dp : 1);
		uint64_t inner = p->model.moe_intermediate / ranks;

		if (p->model.moe_intermediate % ranks || inner % f->group)
			cli_warn("vLLM refuses %s experts whose inner size on a rank (%llu) is no"
			         " multiple of the group (%u) (CompressedTensorsWNA16MarlinMoEMethod:"
			         " \"use a compatible TP size or enable expert parallelism\");"
			         " planned anyway", f->name, (unsigned long long)inner, f->group);
	}
	if (r->engine == KVP_ENGINE_VLLM && f->kind == KVP_WFORMAT_W8A8 && f->asymmetric)
		cli_warn("vLLM's W8A8 takes symmetric int8 weights alone (\"Only symmetric weight"
		         " quantization supported\"), not %s; planned anyway", f->name);
	if (vllm && wna16 && f->group && f->group != 32 && f->group != 64 && f->group != 128)
		cli_warn("vLLM's %s kernels take groups of 32, 64 and 128 (Marlin's), not %u;"
		         " planned anyway", f->kind == KVP_WFORMAT_W4A16 ? "4-bit" : "8-bit",
		         f->group);
	if (vllm && f->kind == KVP_WFORMAT_W8A16 && f->group && p->model.moe_top_k)
		cli_warn("vLLM's Marlin MoE takes 8-bit experts a channel alone"
		         " (CompressedTensorsWNA16MarlinMoEMethod asserts group_size -1), not %s;"
		         " planned anyway", f->name);
	if ((vllm || r->engine == KVP_ENGINE_SGLANG) && f->kind == KVP_WFORMAT_W8A16 &&
	    f->asymmetric && p->model.moe_top_k)
		cli_warn("%s's Marlin MoE takes symmetric 8-bit experts alone, not %s; planned"
		         " anyway", vllm ? "vLLM" : "SGLang", f->name);
	if (r->engine == KVP_ENGINE_SGLANG && f->kind == KVP_WFORMAT_W8A16 && f->asymmetric)
		cli_warn("SGLang runs compressed-tensors' integer weights on Marlin alone, which"
		         " takes no 8-bit zero points, not %s; planned anyway", f->name);
	if (vllm && f->kind == KVP_WFORMAT_W8A16 && f->asymmetric)
		for (size_t i = 0; i < p->n_devices; i++) {
			unsigned sm = cli_device_sm(&p->devices[i]);
			/* Machete's: a channel, groups of 64 and 128, and no
			 * g_idx over split inputs (o and down under tp > 1) */
			bool machete = sm == 90 && (f->group == 0 || f->group == 64 ||
			                            f->group == 128) &&
			               !(f->g_idx && r->tp > 1);

			if (sm && !machete)
				cli_warn("%s: vLLM's one kernel for 8-bit weights with zero points"
				         " is Machete's (compute capability 9.0, a channel or groups"
				         " of 64 and 128, no actorder under tensor parallelism), not"
				         " for %s on %s; planned anyway", p->devices[i].name, f->name,
				         p->devices[i].arch);
		}
	if (!vllm || f->kind != KVP_WFORMAT_W8A8)
		return;
	for (size_t i = 0; i < p->n_devices; i++) {
		unsigned sm = cli_device_sm(&p->devices[i]);

		if (sm && (sm < 75 || sm >= 100))
			cli_warn("%s: vLLM's int8 W8A8 kernels run on compute capability 7.5 to"
			         " 9.0, not %s; planned with them anyway", p->devices[i].name,
			         p->devices[i].arch);
	}
}
