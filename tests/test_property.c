/*
 * test_property.c — properties over thousands of random per-layer models,
 * drawn from a fixed seed so a failure repeats:
 *  - the exact cache equals a sum over the layers worked here in 128-bit
 *    arithmetic from the model's own numbers (no group, no plan), or the
 *    plan says overflow exactly when that sum passes 64 bits; with kv
 *    heads per layer, and flat and block cache types;
 *  - tensor parallelism splits divisible kv heads evenly: one GPU holds
 *    1/tp of the cache;
 *  - under every engine and a random parallel layout (tensor parallel 1
 *    to 8, up to 4 pipeline stages), each solver's answer
 *    fits (planned again at that seq or batch) and one more does not;
 *    kvp_plan_fit, which solves from one cost per stage, gives the same
 *    answers; and the exact figure beside an engine's is the exact
 *    engine's own plan of the request on one GPU.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"
#include "property_gen.h"

#define MODELS 3000

/* Whether tp divides every layer's kv heads. */
static bool tp_divides(const kvp_model *m, uint32_t tp)
{
	for (uint32_t i = 0; i < m->layers; i++)
		if (kvp_model_layer_kv_heads(m, i) % tp != 0)
			return false;
	return true;
}

/* The exact cache of m under r on one GPU, layer by layer, in 128 bits;
 * a row of n values in type d is n / block_values[d] blocks. */
static unsigned __int128 exact_bytes(const kvp_model *m, const kvp_request *r,
                                     unsigned d)
{
	unsigned elem = dtype_bytes[d], per = block_values[d];

	unsigned __int128 total = 0;

	for (uint32_t i = 0; i < m->layers; i++) {
		unsigned kind = m->pattern_len ? m->pattern[i % m->pattern_len] : KVP_LAYER_FULL;
		unsigned __int128 tokens = r->seq, per_token;

		if (kind == KVP_LAYER_NONE)
			continue;
		if (kind == KVP_LAYER_RECURRENT) {
			total += (unsigned __int128)m->state_bytes * r->batch;
			continue;
		}
		if (kind == KVP_LAYER_SLIDING && m->sliding_window < tokens)
			tokens = m->sliding_window;
		if (kind == KVP_LAYER_CHUNKED && m->chunk_size < tokens)
			tokens = m->chunk_size;
		if (m->kv_lora_rank)   /* every attention layer is MLA */
			per_token = (unsigned __int128)(m->kv_lora_rank + m->qk_rope_dim) / per * elem;
		else
			per_token = (unsigned __int128)2 * kvp_model_layer_kv_heads(m, i) *
			            (m->head_dim / per) * elem;
		total += tokens * r->batch * per_token;
	}
	return total;
}

static void test_exact_sizes(void **state)
{
	unsigned overflows = 0, checked = 0;

	(void)state;
	for (int n = 0; n < MODELS; n++) {
		kvp_model m;
		kvp_request r;
		kvp_plan plan;
		kvp_error err;
		unsigned d = (unsigned)draw(0, 6);
		unsigned __int128 want;
		kvp_status st;

		random_model(&m);
		fit_block(&m, d);
		kvp_request_init(&r);
		r.seq = draw_log(40);
		r.batch = draw_log(24);
		r.dtype_k = r.dtype_v = dtypes[d];
		want = exact_bytes(&m, &r, d);
		st = kvp_plan_compute(&m, &r, &plan, &err);
		if (want > UINT64_MAX) {
			if (st != KVP_ERR_OVERFLOW)
				fail_msg("model %d: the sum passes 64 bits, the plan says %s", n,
				         kvp_strerror(st));
			overflows++;
			continue;
		}
		if (st != KVP_OK)
			fail_msg("model %d: %s", n, err.message);
		assert_true(plan.cache_total_bytes == (uint64_t)want);
		assert_true(plan.kv_bytes_per_gpu == (uint64_t)want);
		checked++;
	}
	/* Both sides of 64 bits were drawn. */
	assert_true(overflows > 50);
	assert_true(checked > MODELS / 2);
}

static void test_tensor_parallel_split(void **state)
{
	(void)state;
	for (int n = 0; n < MODELS; n++) {
		kvp_model m;
		kvp_request r;
		kvp_plan one, split;
		kvp_error err;

		random_model(&m);
		if (m.kv_lora_rank)
			continue; /* a latent is whole on every rank */
		kvp_request_init(&r);
		r.seq = draw_log(20);
		r.batch = draw_log(8);
		r.tp = (uint32_t)draw(1, m.kv_heads);
		if (!tp_divides(&m, r.tp) || m.heads % r.tp != 0)
			continue;
		if (kvp_plan_compute(&m, &r, &split, &err) != KVP_OK)
			fail_msg("model %d, tp %u: %s", n, r.tp, err.message);
		r.tp = 1;
		assert_int_equal(kvp_plan_compute(&m, &r, &one, &err), KVP_OK);
		/* K and V split evenly: one rank's share tp times is the whole,
		 * and so is the total over the ranks. */
		{
			uint64_t rank = 0;

			for (uint32_t g = 0; g < split.group_count; g++)
				rank += split.groups[g].k_bytes + split.groups[g].v_bytes;
			assert_true(rank * split.request.tp == one.kv_total_bytes);
			assert_true(split.kv_total_bytes == one.kv_total_bytes);
		}
	}
}

/* Planned again at seq and batch, r's cache on one GPU fits budget. */
static bool fits(const kvp_model *m, kvp_request r, uint64_t seq, uint64_t batch,
                 uint64_t budget)
{
	kvp_plan plan;
	kvp_error err;
	kvp_status st;

	r.seq = seq;
	r.batch = batch;
	st = kvp_plan_compute(m, &r, &plan, &err);
	if (st == KVP_ERR_OVERFLOW)
		return false;
	if (st != KVP_OK)
		fail_msg("seq %llu, batch %llu: %s", (unsigned long long)seq,
		         (unsigned long long)batch, err.message);
	return plan.kv_bytes_per_gpu <= budget;
}

/* Whether any stage of plan has bytes its engine's check holds back. */
static bool held_back(const kvp_plan *plan)
{
	for (uint32_t s = 0; s < plan->stages; s++)
		if (kvp_plan_held_bytes(plan, s))
			return true;
	return false;
}

/* Whether fit's longest context and largest batch, at the plan's batch and
 * seq, fit every stage's budget less what it holds back, and one more
 * token or sequence does not fit some stage's: budget is every stage's
 * (kv_budget). */
static bool stage_answers_tight(const kvp_plan *plan, uint64_t budget, const kvp_fit *fit)
{
	const kvp_request *r = &plan->request;
	bool seq_past = fit->max_seq_hbm_unbounded || fit->max_seq_hbm == UINT64_MAX,
	     batch_past = fit->max_batch_hbm == UINT64_MAX;

	for (uint32_t s = 0; s < plan->stages; s++) {
		uint64_t held = kvp_plan_held_bytes(plan, s), room, b;

		room = budget > held ? budget - held : 0;
		if (fit->max_seq_hbm && !fit->max_seq_hbm_unbounded &&
		    (kvp_plan_stage_bytes_at(plan, s, fit->max_seq_hbm, r->batch, &b, NULL) != KVP_OK ||
		     b > room))
			return false;
		if (!seq_past &&
		    (kvp_plan_stage_bytes_at(plan, s, fit->max_seq_hbm + 1, r->batch, &b, NULL) !=
		     KVP_OK || b > room))
			seq_past = true;
		if (fit->max_batch_hbm && fit->max_batch_hbm < ((uint64_t)1 << 40) &&
		    (kvp_plan_stage_bytes_at(plan, s, r->seq, fit->max_batch_hbm, &b, NULL) !=
		     KVP_OK || b > room))
			return false;
		if (!batch_past && fit->max_batch_hbm < ((uint64_t)1 << 40) &&
		    (kvp_plan_stage_bytes_at(plan, s, r->seq, fit->max_batch_hbm + 1, &b, NULL) !=
		     KVP_OK || b > room))
			batch_past = true;
	}
	return seq_past && (batch_past || fit->max_batch_hbm >= ((uint64_t)1 << 40));
}

static void test_solvers_are_tight(void **state)
{
	static const kvp_engine engines[] = {KVP_ENGINE_EXACT, KVP_ENGINE_VLLM,
	                                     KVP_ENGINE_LLAMA_CPP, KVP_ENGINE_SGLANG,
	                                     KVP_ENGINE_TRTLLM};
	unsigned solved = 0, fitted = 0, compared = 0;

	(void)state;
	for (int n = 0; n < MODELS / 3; n++) {
		kvp_model m;
		kvp_request r;
		kvp_plan plan;
		kvp_error err;
		uint64_t budget, seq, batch;
		bool unbounded;

		random_model(&m);
		kvp_request_init(&r);
		r.engine = engines[draw(0, 4)];
		r.seq = draw_log(16);
		r.batch = draw_log(6);
		r.dtype_k = r.dtype_v = KVP_DTYPE_FP16;
		if (r.engine == KVP_ENGINE_LLAMA_CPP)
			r.kv_unified = draw(0, 1);
		r.pp = (uint32_t)draw(1, m.layers < 4 ? m.layers : 4);
		/* Tensor parallel 1, 2, 4 or 8 where it divides the heads:
		 * kv heads split, or replicated past them. */
		r.tp = 1u << draw(0, 3);
		if (m.heads % r.tp != 0)
			r.tp = 1;
		/* vLLM's releases and mamba modes (1 or 2 state pages, or
		 * one a block in mode all, which a Nemotron-H takes, its
		 * scan's chunk drawn). */
		r.vllm_version = (uint32_t)(draw(0, 2) == 0 ? 19 : 0);
		r.mamba_cache_mode = (kvp_mamba_mode)draw(0, 3);
		if (r.mamba_cache_mode == KVP_MAMBA_ALL) {
			strcpy(m.model_type, "nemotron_h");
			m.ssm_chunk_size = (uint32_t)(draw(0, 1) ? 0 : 1u << draw(3, 9));
		}
		/* SGLang's sliding-window pool, for the architectures that
		 * have one, is filled by its solvers (tests/test_engine.c):
		 * not one budget. */
		if (r.engine == KVP_ENGINE_SGLANG && kvp_engine_swa_pool(&m, &r) &&
		    (kvp_model_count_layers(&m, KVP_LAYER_SLIDING) ||
		     kvp_model_count_layers(&m, KVP_LAYER_CHUNKED)))
			continue;
		/* Nor is its one pool, beside its pool of recurrent states
		 * where the model has them: the requests' pages in
		 * max_total_num_tokens, the padding rows past the budget
		 * (test_engine_solvers' pools_fit checks it).  A model of
		 * recurrent layers alone is the byte model's. */
		if (r.engine == KVP_ENGINE_SGLANG &&
		    (!kvp_model_count_layers(&m, KVP_LAYER_RECURRENT) ||
		     kvp_model_count_layers(&m, KVP_LAYER_FULL) ||
		     kvp_model_count_layers(&m, KVP_LAYER_MLA) ||
		     kvp_model_count_layers(&m, KVP_LAYER_SLIDING) ||
		     kvp_model_count_layers(&m, KVP_LAYER_CHUNKED)))
			continue;
		if (kvp_plan_compute(&m, &r, &plan, &err) != KVP_OK)
			continue; /* a request an engine refuses (it says why) */
		/* TensorRT-LLM's hybrid manager sizes its pools, not the
		 * bytes (test_engine_solvers' pools_fit checks it). */
		{
			kvp_capacity c = {0};

			if (kvp_plan_capacity(&plan, 1ull << 40, &c, &err) == KVP_OK &&
			    c.trtllm_manager)
				continue;
			/* Nor vLLM's groups with padding layers: their block
			 * ids (test_engine_solvers' pools_fit) */
			if (r.engine == KVP_ENGINE_VLLM && c.groups > 1) {
				uint64_t layers = 0;

				for (uint32_t g = 0; g < plan.group_count; g++)
					if (plan.groups[g].kind == KVP_LAYER_RECURRENT
					    ? plan.groups[g].state_bytes_per_seq != 0
					    : plan.groups[g].bytes_per_token != 0)
						layers += plan.groups[g].layers;
				if (plan.stages != 1 || c.groups * c.group_size > layers)
					continue;
			}
		}
		/* The exact figure beside an engine's is the exact engine's
		 * own plan of the request on one GPU. */
		{
			kvp_request exact = r;
			kvp_plan ref;

			exact.engine = KVP_ENGINE_EXACT;
			exact.tp = exact.pp = 1;
			assert_int_equal(kvp_plan_compute(&m, &exact, &ref, &err), KVP_OK);
			assert_int_equal(plan.exact_cache_bytes, ref.cache_total_bytes);
			compared++;
		}
		budget = draw_log(40);
		assert_int_equal(kvp_plan_max_seq(&plan, budget, r.batch, &seq, &unbounded,
		                                  &err), KVP_OK);
		if (!unbounded && seq > 0) {
			if (!fits(&m, r, seq, r.batch, budget))
				fail_msg("model %d (%s): max_seq %llu does not fit %llu B", n,
				         kvp_engine_name(r.engine), (unsigned long long)seq,
				         (unsigned long long)budget);
			if (seq < UINT64_MAX && fits(&m, r, seq + 1, r.batch, budget))
				fail_msg("model %d (%s): max_seq %llu + 1 fits %llu B too", n,
				         kvp_engine_name(r.engine), (unsigned long long)seq,
				         (unsigned long long)budget);
			solved++;
		}
		assert_int_equal(kvp_plan_max_batch(&plan, budget, r.seq, &batch, &err), KVP_OK);
		/* kvp_plan_fit solves from one cost per stage: the same answers,
		 * the budget given and an L2 of its own. */
		{
			kvp_device dev;
			kvp_fit fit;
			uint64_t seq_l2;
			bool unbounded_l2;

			memset(&dev, 0, sizeof dev);
			dev.l2_bytes = draw_log(30) + 1;
			dev.hbm_bytes = UINT64_MAX;
			plan.request.kv_budget = budget ? budget : 1;
			assert_int_equal(kvp_plan_max_seq(&plan, dev.l2_bytes, r.batch, &seq_l2,
			                                  &unbounded_l2, &err), KVP_OK);
			if (budget && kvp_plan_fit(&plan, &dev, &fit, &err) == KVP_OK) {
				assert_int_equal(fit.max_seq_l2, seq_l2);
				assert_int_equal(fit.max_seq_l2_unbounded, unbounded_l2);
				if (!held_back(&plan)) {
					assert_int_equal(fit.max_seq_hbm, seq);
					assert_int_equal(fit.max_seq_hbm_unbounded, unbounded);
					assert_int_equal(fit.max_batch_hbm, batch);
				} else {
					/* vLLM 0.29 on: within each stage's
					 * budget less its null block
					 * (kvp_plan_held_bytes), tight there;
					 * with one stage the solvers' answers
					 * in that budget. */
					uint64_t held = kvp_plan_held_bytes(&plan, 0), s1, b1;
					bool u1;

					assert_true(stage_answers_tight(&plan, budget, &fit));
					if (plan.stages == 1) {
						assert_int_equal(kvp_plan_max_seq(&plan, budget > held
						                                  ? budget - held : 0,
						                                  r.batch, &s1, &u1, &err),
						                 KVP_OK);
						assert_int_equal(kvp_plan_max_batch(&plan, budget > held
						                                    ? budget - held : 0,
						                                    r.seq, &b1, &err),
						                 KVP_OK);
						assert_int_equal(fit.max_seq_hbm, s1);
						assert_int_equal(fit.max_seq_hbm_unbounded, u1);
						assert_int_equal(fit.max_batch_hbm, b1);
					} else if (fit.max_seq_hbm_unbounded) {
						/* less room is never unbounded
						 * where more is not */
						assert_true(unbounded);
					}
				}
				fitted++;
			}
		}
		if (batch > 0 && batch < ((uint64_t)1 << 40)) {
			if (!fits(&m, r, r.seq, batch, budget))
				fail_msg("model %d (%s): max_batch %llu does not fit", n,
				         kvp_engine_name(r.engine), (unsigned long long)batch);
			if (fits(&m, r, r.seq, batch + 1, budget))
				fail_msg("model %d (%s): max_batch %llu + 1 fits too", n,
				         kvp_engine_name(r.engine), (unsigned long long)batch);
		}
	}
	assert_true(solved > MODELS / 30);
	assert_true(fitted > MODELS / 30);
	assert_true(compared > MODELS / 30);
}

/* Whether batch sequences of seq tokens fit every stage of plan under
 * llama.cpp: its cache and its compute buffer at that context within
 * room[s], the usable memory less the stage's weights (no reserve or
 * adapters here), through the public functions alone. */
static bool llama_fits(const kvp_plan *plan, const uint64_t *room, uint64_t seq,
                       uint64_t batch)
{
	for (uint32_t s = 0; s < plan->stages; s++) {
		uint64_t cache, buffer;

		if (kvp_plan_stage_bytes_at(plan, s, seq, batch, &cache, NULL) != KVP_OK ||
		    kvp_plan_compute_bytes_at(plan, s, seq, batch, &buffer, NULL) != KVP_OK ||
		    (unsigned __int128)cache + buffer > room[s])
			return false;
	}
	return true;
}

/* llama.cpp's longest context and largest batch on a device hold its
 * compute buffer at their own context (lib/llama_fa.c): each answer fits
 * with its buffer, and one more token or sequence does not, for random
 * models (vocabularies, MLPs, mixtures of experts), flash attention on or
 * off, split or not, llama-server's reserve or not. */
static void test_llama_solvers_are_tight(void **state)
{
	unsigned checked = 0;

	(void)state;
	for (int n = 0; n < MODELS / 6; n++) {
		kvp_model m;
		kvp_request r;
		kvp_plan plan;
		kvp_device dev;
		kvp_fit fit;
		kvp_error err;
		uint64_t room[KVP_PP_MAX], seq, batch;

		random_model(&m);
		m.vocab = (uint32_t)draw(1, 262144);
		m.hidden = (uint32_t)draw(1, 16384);
		m.intermediate = (uint32_t)(draw(0, 1) ? draw(1, 65536) : 0);
		if (draw(0, 3) == 0) {
			m.moe_intermediate = (uint32_t)draw(1, 8192);
			m.moe_top_k = (uint32_t)draw(1, 16);
		}
		m.params = draw_log(36) + 1;
		if (kvp_model_finalize(&m, &err) != KVP_OK)
			continue;
		kvp_request_init(&r);
		r.engine = KVP_ENGINE_LLAMA_CPP;
		r.seq = draw_log(16) + 1;
		r.batch = draw_log(4) + 1;
		r.kv_unified = draw(0, 1);
		r.flash_attn_off = draw(0, 3) == 0;
		r.llama_server = draw(0, 1);
		r.pp = (uint32_t)draw(1, m.layers < 4 ? m.layers : 4);
		if (kvp_plan_compute(&m, &r, &plan, &err) != KVP_OK)
			continue;
		memset(&dev, 0, sizeof dev);
		strcpy(dev.name, "g");
		dev.l2_bytes = 1u << 20;
		dev.hbm_bytes = draw_log(38) + (1ull << 30);
		if (kvp_plan_fit(&plan, &dev, &fit, &err) != KVP_OK)
			continue;
		for (uint32_t s = 0; s < plan.stages; s++)
			room[s] = fit.usable_bytes > fit.stage_weights[s]
			          ? fit.usable_bytes - fit.stage_weights[s] : 0;
		seq = fit.max_seq_hbm;
		if (!fit.max_seq_hbm_unbounded) {
			if (seq > 0 && !llama_fits(&plan, room, seq, r.batch))
				fail_msg("model %d: max seq %llu does not fit", n,
				         (unsigned long long)seq);
			if (llama_fits(&plan, room, seq + 1, r.batch))
				fail_msg("model %d: max seq %llu + 1 fits too", n,
				         (unsigned long long)seq);
		}
		batch = fit.max_batch_hbm;
		if (batch > 0 && !llama_fits(&plan, room, r.seq, batch))
			fail_msg("model %d: max batch %llu does not fit", n,
			         (unsigned long long)batch);
		if (batch < UINT64_MAX && llama_fits(&plan, room, r.seq, batch + 1))
			fail_msg("model %d: max batch %llu + 1 fits too", n,
			         (unsigned long long)batch);
		checked++;
	}
	/* Most draws make a plan and a fit. */
	assert_true(checked > MODELS / 12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact_sizes),
		cmocka_unit_test(test_tensor_parallel_split),
		cmocka_unit_test(test_solvers_are_tight),
		cmocka_unit_test(test_llama_solvers_are_tight),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
