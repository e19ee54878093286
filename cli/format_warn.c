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
 * One line each; the plan is made anyway.
 */
#include <string.h>

#include "cli.h"

void cli_format_warnings(const struct cli_plan *p)
{
	const kvp_request *r = &p->request;
	const kvp_weights_format *f = &r->weights_format;

	if (f->kind != KVP_WFORMAT_W4A16 && f->kind != KVP_WFORMAT_W8A8)
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
	if (r->engine == KVP_ENGINE_VLLM && f->kind == KVP_WFORMAT_W4A16 && p->model.moe_top_k &&
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
	if (r->engine == KVP_ENGINE_VLLM && f->kind == KVP_WFORMAT_W4A16 && f->group != 32 &&
	    f->group != 64 && f->group != 128)
		cli_warn("vLLM's 4-bit kernels take groups of 32, 64 and 128 (Marlin's), not %u;"
		         " planned anyway", f->group);
	if (r->engine != KVP_ENGINE_VLLM || f->kind != KVP_WFORMAT_W8A8)
		return;
	for (size_t i = 0; i < p->n_devices; i++) {
		unsigned sm = cli_device_sm(&p->devices[i]);

		if (sm && (sm < 75 || sm >= 100))
			cli_warn("%s: vLLM's int8 W8A8 kernels run on compute capability 7.5 to"
			         " 9.0, not %s; planned with them anyway", p->devices[i].name,
			         p->devices[i].arch);
	}
}
