/*
 * internal.h — helpers shared by libkvplan's modules, never installed:
 * the one allocator every module uses, error reporting, checked arithmetic.
 */
#ifndef KVPLAN_INTERNAL_H
#define KVPLAN_INTERNAL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "kvplan.h"

#if defined(__GNUC__)
#define KVP_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define KVP_PRINTF(f, a)
#endif

/* All library memory comes from here, so tests can count allocations and
 * make the Nth one fail (they wrap malloc/calloc/realloc at link time). */
void *kvp__malloc(size_t size);
void *kvp__calloc(size_t count, size_t size);
void *kvp__realloc(void *ptr, size_t size);
void kvp__free(void *ptr);
char *kvp__strdup(const char *s);

/* Fills err (when non-NULL) and returns status.  The _at form records a file
 * position; line and column are 1-based (0: unknown). */
kvp_status kvp__error(kvp_error *err, kvp_status status, const char *fmt, ...)
	KVP_PRINTF(3, 4);
kvp_status kvp__error_at(kvp_error *err, kvp_status status, const char *path,
                         unsigned long line, unsigned long column,
                         const char *fmt, ...) KVP_PRINTF(6, 7);
/* params every one stored as plain (weights_format.c): its bytes, or one
 * message naming the model name (overflow, a type that is no element
 * type); err is left alone on success. */
kvp_status kvp__plain_weights(const char *name, uint64_t params, kvp_dtype plain,
                              uint64_t *bytes, kvp_error *err);
/* Whether f is compressed-tensors' weight-only integers, W4A16 or W8A16
 * (the engines' CompressedTensorsWNA16); false for NULL. */
bool kvp__wna16(const kvp_weights_format *f);
/* A W4A16 or W8A16 format's bits a weight (4, 8); 0 for another. */
unsigned kvp__wna16_bits(const kvp_weights_format *f);
/* The linear layers f leaves 16-bit (KVP_WKEEP_* bits): its keep16, and
 * attention's under MXFP4 whatever it says; 0 for a plain or GGUF one,
 * and for NULL. */
uint32_t kvp__wkeep(const kvp_weights_format *f);
/* The KVP_WKEEP_* bits that keep a kvp_wproj projection 16-bit in every
 * layer (a Nemotron-H's shared experts' up and down both :shared16; its
 * latent projections none): lib/weights_format.c. */
uint32_t kvp__wproj_keep(kvp_wproj p);
/* 2 where m's softmax attention gates its output with a second half of
 * q_proj (Qwen3-Next's and Qwen3.5's Qwen3NextAttention: q_proj of heads
 * x head_dim x 2, the query and its gate), else 1 (weights_estimate.c). */
uint32_t kvp__q_gate(const kvp_model *m);
/* Whether m's recurrent layers are Gated DeltaNet's (Qwen3-Next's,
 * Qwen3.5's), whose projections kvp_weights_format keep16's
 * KVP_WKEEP_LINEAR keeps 16-bit (weights_estimate.c). */
bool kvp__delta_net(const kvp_model *m);
/* Whether tp ranks split m's recurrent state as r's engine does
 * (lib/sizing.c): the channels divided, and vLLM's and SGLang's Mamba-2
 * groups divided or one. */
kvp_status kvp__state_split_check(const kvp_model *m, const kvp_request *r, uint32_t tp,
                                  const char *name, kvp_error *err);
/* The part ":lm_head" among a format's parts (kvp__wformat_keep): its
 * quant_head. */
#define KVP__WPART_HEAD 0x10000u
/* Sets a checkpoint format's keep16 (f without one, its name the base
 * format's) and its quant_head (KVP__WPART_HEAD in parts), and names the
 * parts in its name, attention's but under MXFP4, which keeps it
 * anyway. */
void kvp__wformat_keep(kvp_weights_format *f, uint32_t parts);
/* The bytes of m's LM head quantized as f says (quant_head: AWQ's and
 * GPTQ's tensors, vocab outputs of hidden inputs); 0 where f does not
 * quantize it, the head is tied or m has no shape. */
uint64_t kvp__wformat_head_bytes(const kvp_model *m, const kvp_weights_format *f);
/* The largest scale group a format's name takes. */
#define KVP__WGROUP_MAX 65536u
/* Clears err to KVP_OK and returns KVP_OK. */
kvp_status kvp__error_clear(kvp_error *err);

/* A name for a message: escaped as kvp_escape does into buf (of
 * KVP_QUOTE_MAX bytes), or fallback when it is empty.  kvp__label's is an
 * array of KVP_NAME_MAX bytes (a model's, a device's), at most that much
 * read, as a caller's array may lack its NUL; kvp__label_text's a string
 * of any length (a file's keys and tensor names). */
const char *kvp__label(const char *name, const char *fallback, char *buf);
const char *kvp__label_text(const char *name, const char *fallback, char *buf);

/* The first byte of text that kvp_escape escapes for being no printable
 * character (a control character, DEL, a C1 control or a byte that is not
 * valid UTF-8), or NULL when every character is printable. */
const char *kvp__find_control(const char *text);

/* A name a profile may have or be looked up by, or a model's type: 1 to
 * 63 ASCII letters, digits, '.', '-', '_' or '+', a letter or digit first
 * (claim.c; profile.h's KVP__NAME_RULE says it in messages). */
bool kvp__valid_name(const char *name);

/* Whether arch is "" or a device architecture as kvp_device_check takes
 * it (gpu.c), and the NVIDIA compute capability it names, major x 10 +
 * minor (sm_90: 90; sm_100: 100), 0 for an AMD target or none. */
bool kvp__arch_valid(const char *arch);
bool kvp__link_valid(const char *link);
uint32_t kvp__device_sm(const kvp_device *d);
/* Whether d's arch is an AMD gfx target. */
bool kvp__device_amd(const kvp_device *d);

/* Copies src into a fixed buffer of size dst_size; fails if it does not fit. */
int kvp__copy_name(char *dst, size_t dst_size, const char *src);

/* Whether model m is a mixture of experts, by any of its moe_* fields
 * (routed experts, top-k or an expert's size). */
static inline bool kvp__model_moe(const kvp_model *m)
{
	return m->moe_experts || m->moe_routed_experts || m->moe_top_k || m->moe_intermediate;
}

/* Whether r runs SGLang's data-parallel attention (kvp_request
 * attention_dp with dp > 1: SGLang turns it off at dp 1, server_args.py
 * _handle_data_parallelism). */
static inline bool kvp__sglang_dp_attention(const kvp_request *r)
{
	return r->engine == KVP_ENGINE_SGLANG && r->attention_dp && r->dp > 1;
}

/* The tensor-parallel degree of a request's attention and cache: 1 under
 * TensorRT-LLM's attention data parallelism (kvp_request attention_dp),
 * whose every rank holds all heads for its own requests; tp / dp under
 * SGLang's (python/sglang/srt/layers/dp_attention.py
 * compute_dp_attention_world_info: attn_tp_size = tp_size // dp_size;
 * kvp__tp_check refuses a dp that does not divide tp); else tp. */
static inline uint32_t kvp__attn_tp(const kvp_request *r)
{
	uint32_t tp = r->tp ? r->tp : 1;

	if (r->engine == KVP_ENGINE_TRTLLM && r->attention_dp)
		return 1;
	if (kvp__sglang_dp_attention(r) && tp % r->dp == 0)
		return tp / r->dp;
	return tp;
}

/* The GPUs of one pipeline stage, replicas included: tp x dp, but tp
 * under SGLang's data-parallel attention, which makes its dp groups of
 * the tp GPUs (parallel_state.py initialize_model_parallel: world size
 * tp x pp). */
static inline uint64_t kvp__stage_gpus(const kvp_request *r)
{
	uint64_t tp = r->tp ? r->tp : 1, dp = r->dp ? r->dp : 1;

	return kvp__sglang_dp_attention(r) ? tp : tp * dp;
}

/* a * b into *out; returns 0 on overflow (and leaves *out unspecified). */
static inline int kvp__mul(uint64_t a, uint64_t b, uint64_t *out)
{
	return !__builtin_mul_overflow(a, b, out);
}

static inline int kvp__add(uint64_t a, uint64_t b, uint64_t *out)
{
	return !__builtin_add_overflow(a, b, out);
}

/* The MLPs' parameters of layers [a, b) of m, a mixture of experts whose
 * layers differ (kvp_model moe_*): a dense MLP's gate, up and down, or the
 * routed and shared experts and the router (each layer's under 2^99).  In
 * closed form: the expert layers are those from moe_dense_layers whose i +
 * 1 is a multiple of moe_step, so the work is not the layers' (up to
 * 2^32).  Saturates at UINT64_MAX + 1: a sum past 64 bits is no real
 * model's. */
/* Whether a layer of kind attends as q, k, v and o projections do
 * (full, sliding or chunked attention; not MLA's, linear or recurrent). */
static inline bool kvp__attention_kind(kvp_layer_kind kind)
{
	return kind == KVP_LAYER_FULL || kind == KVP_LAYER_SLIDING || kind == KVP_LAYER_CHUNKED;
}

/* The kind of layer index as its weights go: kvp_model_layer_kind's, save
 * that a layer reading an earlier one's cache (kvp_model
 * kv_shared_layers) keeps its attention, whose projections it holds. */
kvp_layer_kind kvp__layer_weights_kind(const kvp_model *m, uint32_t index);
/* Layer i's dense MLP inner size: intermediate, twice it in a shared
 * layer of a double-wide model (kvp_model double_wide_mlp). */
static inline uint64_t kvp__layer_intermediate(const kvp_model *m, uint32_t i)
{
	return (uint64_t)m->intermediate *
	       (m->double_wide_mlp && m->kv_shared_layers < m->layers &&
	        i >= m->layers - m->kv_shared_layers ? 2 : 1);
}

/* The widest layer's, which an engine's buffers take. */
static inline uint64_t kvp__widest_intermediate(const kvp_model *m)
{
	return (uint64_t)m->intermediate * (m->double_wide_mlp && m->kv_shared_layers ? 2 : 1);
}

/* The shared layers' K and V projections' parameters (kvp_model
 * kv_shared_layers; k_proj alone on a k_eq_v full layer). */
uint64_t kvp__shared_kv_params(const kvp_model *m);
/* The layer whose cache layer i reads: the last layer before the shared
 * ones of its kind (kvp_model kv_shared_layers), or i itself. */
uint32_t kvp__shared_source(const kvp_model *m, uint32_t i);

/* Whether a layer of kind attends, its K and V or an MLA latent: a
 * parallel hybrid's such layers keep a state beside (kvp_model
 * ssm_parallel). */
static inline bool kvp__attends(kvp_layer_kind kind)
{
	return kvp__attention_kind(kind) || kind == KVP_LAYER_MLA;
}

/* The greatest common divisor of a and b (0 and 0: 0). */
static inline uint64_t kvp__gcd(uint64_t a, uint64_t b)
{
	while (b) {
		uint64_t t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* Layers [a, b) of m, whose layers differ (kvp_model moe_*), that route
 * among experts: from moe_dense_layers, those whose i + 1 is a multiple
 * of moe_step, in closed form. */
static inline uint64_t kvp__expert_layers(const kvp_model *m, uint64_t a, uint64_t b)
{
	uint64_t step = m->moe_step > 1 ? m->moe_step : 1;
	uint64_t from = a > m->moe_dense_layers ? a : m->moe_dense_layers;

	return b > from ? b / step - from / step : 0;
}

static inline unsigned __int128 kvp__mlp_params_span(const kvp_model *m, uint32_t a,
                                                     uint32_t b)
{
	const unsigned __int128 past = (unsigned __int128)UINT64_MAX + 1;
	uint64_t experts, dense;
	unsigned __int128 h = m->hidden, one_dense = 3 * h * m->dense_intermediate,
	                  one_expert = 3 * h * ((uint64_t)m->moe_experts * m->moe_intermediate +
	                                        m->moe_shared_intermediate) +
	                               h * m->moe_experts, sum;

	if (b <= a)
		return 0;
	experts = kvp__expert_layers(m, a, b);
	dense = (uint64_t)(b - a) - experts;
	if ((dense && one_dense >= past) || (experts && one_expert >= past))
		return past;
	sum = one_dense * dense + one_expert * experts;
	return sum > past ? past : sum;
}

/* ---- file.c: the files the library is given ---------------------------- */

struct stat;

/* KVP_ERR_NOMEM for ENOMEM, else KVP_ERR_IO. */
kvp_status kvp__errno_status(int error);
/* Opens path read-only into *fd (and fills *st) when it is a regular
 * file: the type is checked before the open (a FIFO or a device is never
 * opened) and again on the descriptor.  With unreached NULL, a path that
 * does not exist is KVP_ERR_NOT_FOUND and anything else that is wrong
 * KVP_ERR_IO, with a message naming path.  With unreached set, a path that
 * is not there (ENOENT, ENOTDIR), cannot be searched (EACCES) or is no
 * regular file is KVP_ERR_NOT_FOUND with no message and that errno in
 * *unreached (KVP__NOT_REGULAR for a FIFO, a directory or a device): a
 * lookup goes on to the next directory. */
#define KVP__NOT_REGULAR (-1)
kvp_status kvp__open_regular(const char *path, int *unreached, int *fd,
                             struct stat *st, kvp_error *err);
/* Notes in cat's warnings that path, a profile's place, is not a
 * regular file and was passed over (catalog.c). */
kvp_status kvp__skip_not_regular(kvp_catalog *cat, const char *path, kvp_error *err);
/* Reads the regular file at path whole into a kvp__malloc'd buffer,
 * NUL-terminated (*length excludes the NUL), after kvp__open_regular:
 * KVP_ERR_IO, naming what the file should be ("not a profile"), when it
 * holds more than max bytes. */
kvp_status kvp__read_file(const char *path, int *unreached, size_t max,
                          const char *what, char **text, size_t *length,
                          kvp_error *err);

/* The cap a policy puts on layer index of layers: a constant for the
 * policies that keep min(seq, cap) (window, StreamingLLM, H2O, SnapKV:
 * capacity + gen), what it keeps at seq for ratio and PyramidKV; 0 for
 * full.  policy.c. */
uint64_t kvp__policy_cap(const kvp_policy *policy, uint32_t index,
                         uint32_t layers, uint64_t seq, uint64_t gen);
/* PyramidKV's largest capacity: its budgets reach about twice it. */
#define KVP__CAPACITY_MAX (UINT64_C(1) << 62)
/* A bound of kvp__policy_cap over every seq of [lo, hi] (the solvers'
 * search over PyramidKV's saw). */
uint64_t kvp__policy_cap_over(const kvp_policy *policy, uint32_t index,
                              uint32_t layers, uint64_t lo, uint64_t hi,
                              uint64_t gen);

/* kvp_plan_fit's answers from the solvers (solve.c). */
typedef struct kvp__fit_answers {
	uint64_t seq_l2, seq, batch;
	bool seq_l2_unbounded, seq_unbounded;
} kvp__fit_answers;
/* The longest context at the request's batch in l2 and in the budgets
 * (each stage's own, budgets[s]), and the largest batch at its seq in
 * them, from one cost per stage. */
kvp_status kvp__plan_fit_solve(const kvp_plan *p, uint64_t l2, const uint64_t *budgets,
                               kvp__fit_answers *a, kvp_error *err);

/* kvp_plan_fit, and in *cache_room_out (may be NULL) what fits_hbm asks beside
 * the cache: a kv_budget given, or every stage's weights, buffers,
 * adapters and reserve within the usable share (fit.c). */
kvp_status kvp__plan_fit(const kvp_plan *plan, const kvp_device *device,
                         kvp_fit *out, bool *cache_room_out, kvp_error *err);
/* Of the plan's stages, given each one's budget and cache bytes and, for
 * an engine with a pool (not exact or llama.cpp), its blocks, the one
 * whose GPU binds, as kvp_plan_fit's stage (fit.c). */
uint32_t kvp__binding_stage(const kvp_plan *p, const uint64_t *budget, const uint64_t *bytes,
                            const uint64_t *blocks);
/* Each stage's budget less what the engine's fit check holds back
 * (kvp_plan_held_bytes), into check: what the answers and fits_hbm of a
 * fit take (fit.c). */
void kvp__check_budgets(const kvp_plan *p, const uint64_t *budget, uint64_t *check);
/* The blocks kvp__binding_stage compares, each stage's with its budget:
 * set for the stages with a pool where the engine has pools (not exact or
 * llama.cpp) and there are several stages, untouched otherwise. */
kvp_status kvp__stage_blocks(const kvp_plan *p, const uint64_t *budget, uint64_t *blocks,
                             kvp_error *err);
/* One stage's cache as a function of the context (cost.c): on one GPU
 * of the stage, pool + streams x (fixed + sum_i slope_i min(q, cap_i)),
 * q = cdiv(x, unit), x = seq x seq_div; each term in its own unit where
 * mixed.  doc/engines.md gives each engine's terms. */
struct kvp__cost {
	uint32_t n;
	uint64_t slope[KVP_GROUPS_MAX]; /* bytes per unit, one stream */
	uint64_t cap[KVP_GROUPS_MAX];   /* units a layer stops at; 0: none */
	uint64_t term_unit[KVP_GROUPS_MAX]; /* tokens per unit of the term */
	bool mixed;                     /* the terms' units differ */
	unsigned __int128 fixed;        /* bytes of a stream at any length */
	unsigned __int128 pool;         /* bytes whatever the streams */
	uint64_t unit;                  /* tokens per unit of q */
	uint64_t streams;               /* how many streams */
	uint64_t seq_div;               /* x = seq x seq_div (llama.cpp's
	                                 * unified n_ctx = seq x n_seq) */
};
/* The solvers' pieces the planner also takes (cost.c, solve.c, planner.c):
 * stage's cost for batch streams, a policy that varies with the prompt
 * capping each layer as it does at seq (0: the plan's caps); its bytes at
 * seq (128 bits); the largest batch of sequences that each cost one (a
 * stream's bytes at their seq, the cost's pool aside) in budget, from a
 * cost of one stream (false when a stream costs nothing); the longest
 * context and the largest batch as kvp_plan_fit answers them, SGLang's
 * through its pools (budgets: each stage's, or budget or one for every
 * stage where NULL; pools false for an L2's bytes). */
void kvp__stage_cost(const kvp_plan *p, uint32_t stage, uint64_t batch, uint64_t seq,
                     struct kvp__cost *c);
/* (kvp__cost_at, the bytes at seq in 128 bits: inline in cost.h.) */
/* a / b, b > 0: none when b is 1, one 64-bit division when both fit 64
 * bits (the usual case: a 128-bit division is a library call ten times
 * as long). */
static inline unsigned __int128 kvp__div128(unsigned __int128 a, unsigned __int128 b)
{
	if (b == 1) /* one stream, seq_div 1: no division at all */
		return a;
	if ((a >> 64) == 0 && (b >> 64) == 0)
		return (uint64_t)a / (uint64_t)b;
	return a / b;
}
static inline bool kvp__cost_max_batch(const struct kvp__cost *c, uint64_t budget,
                                       unsigned __int128 one, uint64_t *batch)
{
	if (one == 0)
		return false;
	*batch = c->pool > budget ? 0 : (uint64_t)kvp__div128(budget - c->pool, one);
	return true;
}
/* The longest context of batch streams over stages costs, each in its
 * budget (budgets[s], or budget where budgets is NULL): the least of the
 * stages', as kvp_plan_fit takes it. */
void kvp__costs_max_seq(const struct kvp__cost *costs, uint32_t stages, uint64_t batch,
                        const uint64_t *budgets, uint64_t budget, uint64_t *seq,
                        bool *unbounded);
void kvp__plan_max_seq_in(const kvp_plan *p, const uint64_t *budgets, uint64_t budget,
                          uint64_t batch, bool pools, uint64_t *seq, bool *unbounded);
bool kvp__plan_max_batch_in(const kvp_plan *p, const uint64_t *budgets, uint64_t one,
                            uint64_t seq, uint64_t *batch);

/* kvp_model_finalize's checks of the layers (layers.c); label (of
 * KVP_QUOTE_MAX bytes) takes the model's name for a message. */
kvp_status kvp__model_check_layers(const kvp_model *model, char *label,
                                   kvp_error *err);
/* Their checks of a shared sparse-attention indexer (indexer.c), name
 * the model's for a message. */
kvp_status kvp__model_check_indexer(const kvp_model *model, const char *name,
                                    kvp_error *err);
/* Whether model's indexer is shared: some of its MLA layers may keep no
 * key (index_layers or index_topk_freq given; indexer.c). */
bool kvp__index_shared(const kvp_model *model);
/* One indexed layer's indexer weights, in parameters (0 without
 * index_heads): those a format quantizes, wq_b (q_lora_rank x heads x
 * dim) and wk (hidden x dim), and those it leaves 16-bit, weights_proj
 * (hidden x heads) and k_norm's weight and bias (2 x dim); each a
 * ReplicatedLinear in vLLM's and SGLang's Indexer (indexer.c); under
 * 2^98, their factors being 32-bit. */
void kvp__indexer_layer_params(const kvp_model *model, unsigned __int128 *quantized,
                               unsigned __int128 *sixteen);
/* vLLM's buffers of the indexer's selected indices, a batched token's
 * row of each (kvp_plan topk_row_bytes, draft_topk_row_bytes;
 * indexer.c).  After the request is final. */
void kvp__plan_topk_rows(const kvp_model *model, kvp_plan *plan);
/* index_topk_pattern's letters, "F" full and "S" shared, one a layer of
 * model, into its index_layers (indexer.c); the message says which
 * letter, and leaves the caller to say where the text came from. */
kvp_status kvp__index_pattern_parse(const char *text, kvp_model *model,
                                    kvp_error *err);
/* kvp_model_finalize's checks of a model whose head_dim is given, which
 * finalizing leaves as it is (model.c); err is not cleared. */
kvp_status kvp__model_check(const kvp_model *model, kvp_error *err);

/* Levenshtein distance between two short names (for suggestions);
 * returns SIZE_MAX when either is too long to compare. */
size_t kvp__edit_distance(const char *a, const char *b);

#endif
