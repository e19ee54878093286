/*
 * explain.h — what explain.c, explain_fit.c, explain_group.c,
 * explain_sglang.c and explain_trtllm.c share: the explainer that says each line, and the
 * parts of --explain kept apart.
 */
#ifndef KVPLAN_CLI_EXPLAIN_H
#define KVPLAN_CLI_EXPLAIN_H

#include <stdint.h>

#include "cli.h"

/* The longest line said, terminator included. */
#define EXPLAIN_LINE_MAX 512

struct explainer {
	void (*line)(void *ctx, const char *text);
	void *ctx;
};

/* One line of the explanation, printf-formatted (EXPLAIN_LINE_MAX). */
void explain_say(const struct explainer *e, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* value with grouped digits, from a ring of 16 buffers: several a line. */
const char *explain_grouped(uint64_t value);
#define say explain_say
static inline const char *g(uint64_t value)
{
	return explain_grouped(value);
}

/* explain_fit.c: the weights in a checkpoint format; where the stages
 * hold them; the budget on GPU fit's binding stage. */
void explain_estimate(const struct explainer *e, const struct cli_plan *p);
void explain_stage_weights(const struct explainer *e, const struct cli_plan *p,
                           const kvp_plan *dp, const kvp_device *d, const kvp_fit *f);
void explain_budget(const struct explainer *e, const struct cli_plan *p,
                    const kvp_fit *f, uint64_t budget);
/* explain_sglang.c: SGLang's default mem_fraction_static on device d, term
 * by term (share: the one the fit took). */
void explain_sglang_share(const struct explainer *e, const kvp_plan *p, const kvp_device *d,
                          double share);
/* SGLang's context_len, requests at once and request-to-token table on
 * fit's device. */
void explain_sglang_reqs(const struct explainer *e, const kvp_plan *plan, const kvp_fit *f);
/* A layer group's rows, bytes per token, tokens and cells
 * (explain_group.c). */
void explain_group(const struct explainer *e, const struct cli_plan *p,
                   const kvp_layer_group *grp);
/* A token's bytes over the GPUs under SGLang's decode context
 * parallelism with a draft (the draft's whole on each GPU). */
void explain_sglang_dcp_draft_token(const struct explainer *e, const struct cli_plan *p);
/* SGLang's sliding pool where its chunk cache caps it (kvp_capacity
 * swa_cap); nothing otherwise. */
void explain_sglang_swa_cap(const struct explainer *e, const kvp_plan *plan, const kvp_fit *f);
void explain_sglang_swa_floor(const struct explainer *e, const kvp_plan *plan,
                              const kvp_fit *f);
void explain_sglang_states(const struct explainer *e, const kvp_plan *plan,
                           const kvp_fit *f);
/* TensorRT-LLM's hybrid cache manager on fit's device (explain_trtllm.c);
 * nothing for another model or engine. */
void explain_trtllm_pools(const struct explainer *e, const kvp_plan *plan, const kvp_fit *f);
/* vLLM's profile run on plan's binding stage on device d, term by term. */
void explain_vllm_profile(const struct explainer *e, const kvp_plan *plan,
                          const kvp_device *d, const kvp_fit *f);

#endif
