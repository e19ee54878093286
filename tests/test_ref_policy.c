/*
 * test_ref_policy.c — unit tests for the reference caches that evict:
 * StreamingLLM (rotate-then-cache and pos-shift) and H2O equal the full cache
 * while the sequence fits, keep what their rules say once it does not (H2O
 * against an oracle kept here), allocate exactly the bytes worked by hand and
 * nothing more while decoding, and fail cleanly at every allocation.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ref/ref.h"
#include "testutil.h"
#include "checks.h"

static const kvp__attn_shape shapes[] = {
	{.dim = 24, .heads = 4, .kv_heads = 4, .head_dim = 6, .rope_theta = 10000},
	{.dim = 32, .heads = 8, .kv_heads = 2, .head_dim = 8, .rope_theta = 500000},
};
static const kvp_dtype storage_types[] = {KVP_DTYPE_FP32, KVP_DTYPE_FP16,
                                          KVP_DTYPE_BF16};

#define LAYERS 2
#define SINKS 3
#define RECENT 5
#define CAPACITY (SINKS + RECENT)

/* The three caches under test, with S (or H) = 3 and R = 5. */
static const kvp__policy policies[] = {
	{.kind = KVP__POLICY_STREAMING, .keep = SINKS, .recent = RECENT,
	 .pos_mode = KVP__POS_ROTATE},
	{.kind = KVP__POLICY_STREAMING, .keep = SINKS, .recent = RECENT,
	 .pos_mode = KVP__POS_SHIFT},
	{.kind = KVP__POLICY_H2O, .keep = SINKS, .recent = RECENT,
	 .pos_mode = KVP__POS_ROTATE},
};
static const char *const policy_names[] = {"streaming", "pos-shift", "h2o"};

/* A stack for one token at a time, a policy cache on it, and inputs
 * (n, dim), all from one counter. */
typedef struct fixture {
	kvp__counter counter;
	kvp__stack stack;
	kvp__policy_cache cache;
	float *x;   /* (n, dim) */
	float *out; /* (n, dim) */
	uint64_t n;
} fixture;

static void fixture_init(fixture *f, const kvp__attn_shape *shape,
                         const kvp__policy *policy, kvp_dtype dtype, uint64_t n)
{
	uint64_t state = 42;

	f->n = n;
	kvp__counter_init(&f->counter);
	assert_int_equal(kvp__stack_init(&f->stack, &f->counter, shape, LAYERS, 1,
	                                 n > CAPACITY ? n : CAPACITY, 7, NULL),
	                 KVP_OK);
	assert_int_equal(kvp__policy_cache_init(&f->cache, &f->counter, policy,
	                                        shape, LAYERS, dtype, NULL), KVP_OK);
	f->x = malloc(n * shape->dim * sizeof *f->x);
	f->out = malloc(n * shape->dim * sizeof *f->out);
	assert_non_null(f->x);
	assert_non_null(f->out);
	kvp__rng_fill(&state, f->x, n * shape->dim, 1.0f);
}

static void fixture_free(fixture *f)
{
	free(f->x);
	free(f->out);
	kvp__policy_cache_destroy(&f->cache);
	kvp__stack_destroy(&f->stack);
	for (int c = 0; c < KVP_MEM_CATEGORY_COUNT; c++)
		assert_int_equal(f->counter.current_bytes[c], 0);
}

static void step(fixture *f, uint64_t pos)
{
	uint64_t dim = f->stack.shape.dim;

	assert_int_equal(kvp__policy_forward(&f->stack, &f->cache, f->x + pos * dim,
	                                     f->out + pos * dim, NULL), KVP_OK);
}

/* The full contiguous cache's outputs for the same stack and inputs,
 * decoded a token at a time from position 0. */
static void full_outputs(fixture *f, kvp_dtype dtype, float *ref)
{
	kvp__kvcache_shape shape = {
		.layers = LAYERS, .kv_heads = f->stack.shape.kv_heads,
		.head_dim = f->stack.shape.head_dim, .batch = 1, .max_seq = f->n,
		.dtype = dtype, .layout = KVP_LAYOUT_CONTIGUOUS,
	};
	uint64_t dim = f->stack.shape.dim;
	kvp__kvcache full;

	assert_int_equal(kvp__kvcache_init(&full, &f->counter, &shape, NULL), KVP_OK);
	for (uint64_t pos = 0; pos < f->n; pos++)
		assert_int_equal(kvp__stack_forward(&f->stack, &full, 0, pos, 1,
		                                    f->x + pos * dim, ref + pos * dim,
		                                    NULL), KVP_OK);
	kvp__kvcache_destroy(&full);
}

/* While the sequence fits (S + R tokens), every cache gives the full
 * cache's outputs to the bit: same kernels, same rows in the same order.
 * pos-shift in fp16 and bf16 is the exception: it stores K unrotated and
 * rotates the rounded key, where the full cache rounds the rotated key, so
 * its keys are one rounding off.  Those are held to 4e-3 (fp16) and 2e-2
 * (bf16), 5 to 8 times the errors seen (5e-4, 4e-3); a key rotated by a
 * wrong position moves the output by order 1.  The error must also be
 * above zero there: the rounding really happened. */
static void test_fits_equals_full_cache(void **state)
{
	(void)state;
	for (size_t s = 0; s < 2; s++)
		for (size_t t = 0; t < 3; t++)
			for (size_t p = 0; p < 3; p++) {
				uint64_t n = CAPACITY, dim = shapes[s].dim;
				float *ref = malloc(n * dim * sizeof *ref);
				double err, bound = 0;
				fixture f;

				assert_non_null(ref);
				fixture_init(&f, &shapes[s], &policies[p], storage_types[t], n);
				for (uint64_t pos = 0; pos < n; pos++)
					step(&f, pos);
				full_outputs(&f, storage_types[t], ref);
				if (policies[p].pos_mode == KVP__POS_SHIFT &&
				    storage_types[t] != KVP_DTYPE_FP32)
					bound = storage_types[t] == KVP_DTYPE_FP16 ? 4e-3 : 2e-2;
				err = max_diff(f.out, ref, n * dim);
				if (bound == 0 ? memcmp(f.out, ref, n * dim * sizeof *ref) != 0
				               : err > bound || err == 0)
					fail_msg("%s %s shape %zu: error %g", policy_names[p],
					         kvp_dtype_name(storage_types[t]), s, err);
				free(ref);
				fixture_free(&f);
			}
}

/* Once the sequence is longer than S + R, streaming holds the first S
 * positions and the last R, the newest included, in both modes, in every
 * layer; the slots in use never exceed S + R. */
static void test_streaming_keeps_sinks_and_recent(void **state)
{
	(void)state;
	for (size_t p = 0; p < 2; p++) {
		uint64_t n = 6 * CAPACITY + 1;
		fixture f;

		fixture_init(&f, &shapes[1], &policies[p], KVP_DTYPE_FP16, n);
		for (uint64_t pos = 0; pos < n; pos++) {
			uint64_t len = pos + 1 < CAPACITY ? pos + 1 : CAPACITY;
			int seen[6 * CAPACITY + 1] = {0};

			step(&f, pos);
			assert_int_equal(kvp__policy_cache_len(&f.cache), len);
			for (uint64_t slot = 0; slot < len; slot++) {
				uint64_t q = kvp__policy_cache_position(&f.cache, 1, 0, slot);

				assert_true(q <= pos);
				assert_false(seen[q]);
				seen[q] = 1;
				assert_true(q < SINKS || q + RECENT > pos);
			}
			/* len distinct positions, each a sink or a recent one: all of
			 * them, since there are exactly that many. */
			for (uint64_t q = 0; q < SINKS && q <= pos; q++)
				assert_true(seen[q]);
			for (uint64_t q = pos + 1 > RECENT ? pos + 1 - RECENT : 0; q <= pos; q++)
				assert_true(seen[q]);
		}
		fixture_free(&f);
	}
}

/* pos-shift rotates the cached keys by their index in the cache, 0 .. n-1
 * (sinks first, then the recent tokens oldest first, as StreamingLLM's
 * concatenated cache has them), and the query by n - 1, at every step: no
 * position past the cache's size, however long the sequence. */
static void test_pos_shift_positions(void **state)
{
	uint64_t n = 7 * CAPACITY;
	fixture f;

	(void)state;
	fixture_init(&f, &shapes[0], &policies[1], KVP_DTYPE_FP32, n);
	for (uint64_t pos = 0; pos < n; pos++) {
		uint64_t len = kvp__policy_cache_len(&f.cache) + (pos < CAPACITY);
		int used[CAPACITY] = {0};

		step(&f, pos);
		assert_int_equal(kvp__policy_cache_len(&f.cache), len);
		assert_int_equal(f.cache.rotation[CAPACITY], len - 1);
		for (uint64_t slot = 0; slot < len; slot++) {
			uint64_t index = f.cache.rotation[slot];
			uint64_t q = kvp__policy_cache_position(&f.cache, 0, 0, slot);

			assert_true(index < len);
			assert_false(used[index]);
			used[index] = 1;
			/* Index order is position order. */
			for (uint64_t other = 0; other < len; other++)
				if (kvp__policy_cache_position(&f.cache, 0, 0, other) < q)
					assert_true(f.cache.rotation[other] < index);
		}
	}
	fixture_free(&f);
}

/* ---- H2O against an oracle ------------------------------------------------ */

/* What the oracle holds for one layer and kv head: positions and scores. */
typedef struct oracle_head {
	uint64_t position[CAPACITY];
	float score[CAPACITY];
	uint64_t len;
} oracle_head;

/* Evictions of a token other than the oldest candidate: the scores, not
 * the age, decided. */
static unsigned long evicted_by_score;

/* H2O's rule, plainly: before token p enters a full cache, the token with
 * the least score among those older than the R latest (p included) leaves;
 * the oldest of equal scores. */
static void oracle_admit(oracle_head *o, uint64_t p)
{
	uint64_t worst = CAPACITY;

	if (o->len == CAPACITY) {
		for (uint64_t i = 0; i < o->len; i++)
			if (o->position[i] + RECENT <= p &&
			    (worst == CAPACITY || o->score[i] < o->score[worst] ||
			     (o->score[i] == o->score[worst] &&
			      o->position[i] < o->position[worst])))
				worst = i;
		assert_true(worst < CAPACITY);
		for (uint64_t i = 0; i < o->len; i++)
			if (o->position[i] + RECENT <= p &&
			    o->position[i] < o->position[worst]) {
				evicted_by_score++;
				break;
			}
		o->position[worst] = o->position[--o->len];
		o->score[worst] = o->score[o->len];
	}
	o->position[o->len] = p;
	o->score[o->len++] = 0;
}

static uint64_t oracle_find(const oracle_head *o, uint64_t position)
{
	for (uint64_t i = 0; i < o->len; i++)
		if (o->position[i] == position)
			return i;
	fail_msg("position %llu is not in the oracle's set",
	         (unsigned long long)position);
	return 0;
}

/* In every layer and kv head, at every step, the cache holds exactly the
 * positions the oracle keeps, the oracle adding to its own scores the
 * softmax weights the cache reports (summed over the kv head's query heads,
 * per token, as the cache does); each head's weights sum to 1. */
static void test_h2o_matches_oracle(void **state)
{
	(void)state;
	for (size_t s = 0; s < 2; s++) {
		const kvp__attn_shape *sh = &shapes[s];
		uint32_t group = sh->heads / sh->kv_heads;
		uint64_t n = 8 * CAPACITY;
		oracle_head *oracle = calloc((size_t)LAYERS * sh->kv_heads, sizeof *oracle);
		fixture f;

		assert_non_null(oracle);
		fixture_init(&f, sh, &policies[2], KVP_DTYPE_FP16, n);
		for (uint64_t pos = 0; pos < n; pos++) {
			for (uint32_t i = 0; i < LAYERS * sh->kv_heads; i++)
				oracle_admit(&oracle[i], pos);
			step(&f, pos);
			for (uint32_t l = 0; l < LAYERS; l++) {
				const float *w = f.cache.weights + (uint64_t)l * CAPACITY * sh->heads;
				uint64_t len = kvp__policy_cache_len(&f.cache);

				for (uint32_t h = 0; h < sh->heads; h++) {
					double sum = 0;

					for (uint64_t t = 0; t < len; t++)
						sum += w[t * sh->heads + h];
					assert_true(fabs(sum - 1) < 1e-5);
				}
				for (uint32_t g = 0; g < sh->kv_heads; g++) {
					oracle_head *o = &oracle[l * sh->kv_heads + g];

					assert_int_equal(len, o->len);
					for (uint64_t t = 0; t < len; t++) {
						uint64_t i = oracle_find(o, kvp__policy_cache_position(&f.cache, l, g, t));
						float add = 0;

						for (uint32_t h = 0; h < group; h++)
							add += w[t * sh->heads + g * group + h];
						o->score[i] += add;
					}
				}
			}
		}
		free(oracle);
		fixture_free(&f);
	}
	assert_true(evicted_by_score > 0);
}

/* ---- memory ------------------------------------------------------------------- */

/* The cache bytes are layers x (S + R) x kv_heads x (head_dim_k +
 * head_dim_v) x element bytes, from creation and at every step:
 * 2 x 8 x 2 x (8 + 8) x 2 = 1024 B in fp16 here; and llama2-7b under
 * streaming:sink=4,recent=2000 is 32 x 2004 x 32 x (128 + 128) x 2 =
 * 1,050,673,152 B. */
static void test_bytes_equal_hand_formula(void **state)
{
	kvp__policy llama = {.kind = KVP__POLICY_STREAMING, .keep = 4,
	                     .recent = 2000};
	uint64_t bytes;

	(void)state;
	for (size_t p = 0; p < 3; p++) {
		fixture f;

		fixture_init(&f, &shapes[1], &policies[p], KVP_DTYPE_FP16, 5 * CAPACITY);
		assert_int_equal(kvp__policy_cache_bytes(&policies[p], LAYERS, 2, 8,
		                                         KVP_DTYPE_FP16, &bytes, NULL),
		                 KVP_OK);
		assert_int_equal(bytes, 1024);
		assert_int_equal(f.counter.current_bytes[KVP_MEM_CACHE], 1024);
		for (uint64_t pos = 0; pos < f.n; pos++) {
			step(&f, pos);
			assert_int_equal(f.counter.current_bytes[KVP_MEM_CACHE], 1024);
			assert_int_equal(f.counter.peak_bytes[KVP_MEM_CACHE], 1024);
		}
		fixture_free(&f);
	}
	assert_int_equal(kvp__policy_cache_bytes(&llama, 32, 32, 128, KVP_DTYPE_FP16,
	                                         &bytes, NULL), KVP_OK);
	assert_int_equal(bytes, 1050673152ull);
	llama.kind = KVP__POLICY_H2O;
	llama.recent = 512;
	assert_int_equal(kvp__policy_cache_bytes(&llama, 32, 32, 128, KVP_DTYPE_BF16,
	                                         &bytes, NULL), KVP_OK);
	assert_int_equal(bytes, 32ull * 516 * 32 * 256 * 2);
}

/* Decoding 100 times the window allocates nothing: not through the
 * counter, not through malloc. */
static void test_long_decode_allocates_nothing(void **state)
{
	(void)state;
	for (size_t p = 0; p < 3; p++) {
		uint64_t n = 100 * CAPACITY, allocations;
		fixture f;

		fixture_init(&f, &shapes[1], &policies[p], KVP_DTYPE_BF16, n);
		allocations = f.counter.allocations;
		testutil_fail_at(0);
		for (uint64_t pos = 0; pos < n; pos++)
			step(&f, pos);
		assert_int_equal(testutil_alloc_calls(), 0);
		assert_int_equal(f.counter.allocations, allocations);
		assert_int_equal(f.counter.peak_bytes[KVP_MEM_CACHE],
		                 f.counter.current_bytes[KVP_MEM_CACHE]);
		fixture_free(&f);
	}
}

/* Each allocation of building the layers and a cache, then decoding past
 * the window, made to fail in turn, is KVP_ERR_NOMEM with nothing left. */
static void test_allocation_failures(void **state)
{
	long live = testutil_live_blocks();

	(void)state;
	for (size_t p = 0; p < 3; p++)
		for (uint64_t nth = 1;; nth++) {
			float x[32 * 2 * CAPACITY], out[32];
			uint64_t rng = 3;
			kvp__counter counter;
			kvp__stack stack;
			kvp__policy_cache cache;
			kvp_status st;

			kvp__rng_fill(&rng, x, 32 * 2 * CAPACITY, 1.0f);
			kvp__counter_init(&counter);
			counter.fail_at = nth;
			memset(&cache, 0, sizeof cache);
			st = kvp__stack_init(&stack, &counter, &shapes[1], LAYERS, 1,
			                     CAPACITY, 1, NULL);
			if (st == KVP_OK)
				st = kvp__policy_cache_init(&cache, &counter, &policies[p],
				                            &shapes[1], LAYERS, KVP_DTYPE_FP16,
				                            NULL);
			for (uint64_t pos = 0; st == KVP_OK && pos < 2 * CAPACITY; pos++)
				st = kvp__policy_forward(&stack, &cache, x + pos * 32, out, NULL);
			kvp__policy_cache_destroy(&cache);
			kvp__stack_destroy(&stack);
			if (testutil_injection_step(st, nth, counter.allocations,
			                            counter.current_bytes,
			                            KVP_MEM_CATEGORY_COUNT, live))
				break;
		}
}

/* Policies the caches cannot run, sizes that overflow, and a stack that
 * does not match are refused, with nothing allocated. */
static void test_refusals(void **state)
{
	kvp__policy bad = policies[0];
	kvp__counter counter;
	kvp__policy_cache cache;
	kvp_error err;
	uint64_t bytes;
	fixture f;

	(void)state;
	kvp__counter_init(&counter);
	bad.recent = 0;
	assert_int_equal(kvp__policy_cache_init(&cache, &counter, &bad, &shapes[0],
	                                        1, KVP_DTYPE_FP16, &err),
	                 KVP_ERR_INVALID);
	assert_non_null(strstr(err.message, "recent"));
	bad = policies[2];
	bad.pos_mode = KVP__POS_SHIFT;
	assert_int_equal(kvp__policy_check(&bad, &err), KVP_ERR_UNSUPPORTED);
	bad = policies[0];
	bad.keep = UINT64_MAX;
	assert_int_equal(kvp__policy_check(&bad, &err), KVP_ERR_OVERFLOW);
	bad.keep = UINT64_MAX / 4;
	assert_int_equal(kvp__policy_cache_bytes(&bad, 32, 8, 128, KVP_DTYPE_FP16,
	                                         &bytes, &err), KVP_ERR_OVERFLOW);
	assert_int_equal(kvp__policy_cache_init(&cache, &counter, &bad, &shapes[0],
	                                        32, KVP_DTYPE_FP16, &err),
	                 KVP_ERR_OVERFLOW);
	assert_int_equal(counter.current_bytes[KVP_MEM_META], 0);
	assert_int_equal(counter.current_bytes[KVP_MEM_CACHE], 0);

	/* A cache for other heads than the layers'. */
	fixture_init(&f, &shapes[0], &policies[0], KVP_DTYPE_FP32, CAPACITY);
	kvp__policy_cache_destroy(&f.cache);
	assert_int_equal(kvp__policy_cache_init(&f.cache, &f.counter, &policies[0],
	                                        &shapes[1], LAYERS, KVP_DTYPE_FP32,
	                                        NULL), KVP_OK);
	assert_int_equal(kvp__policy_forward(&f.stack, &f.cache, f.x, f.out, &err),
	                 KVP_ERR_SHAPE);
	fixture_free(&f);
}

/* ---- the validation entry point ------------------------------------------ */

/* kvp__ref_policy_run on a small GQA model, each policy and type: the
 * model-shaped cache is the formula's bytes (3 layers x min(seq, S + R) x
 * 2 kv heads x (16 + 16) x element bytes, worked here), and the reduced run
 * decodes past its window with fixed bytes, no allocation, the right
 * tokens kept, and the full cache's outputs while it fits. */
static void test_policy_run_small_model(void **state)
{
	kvp_model m = {.name = "tiny", .layers = 3, .hidden = 64, .heads = 4,
	               .kv_heads = 2, .head_dim = 16};
	static const uint64_t seqs[] = {1, 6, 100, 300};
	long live = testutil_live_blocks();

	(void)state;
	for (size_t p = 0; p < 3; p++)
		for (size_t t = 0; t < 3; t++)
			for (size_t q = 0; q < 4; q++) {
				uint64_t seq = seqs[q], held = seq < CAPACITY ? seq : CAPACITY;
				uint64_t elem = storage_types[t] == KVP_DTYPE_FP32 ? 4 : 2;
				kvp__policy_run r;
				kvp_error err;

				assert_int_equal(kvp__ref_policy_run(&m, storage_types[t],
				                                     &policies[p], seq, &r, &err),
				                 KVP_OK);
				assert_int_equal(r.predicted_bytes, 3 * held * 2 * 32 * elem);
				assert_int_equal(r.measured_bytes, r.predicted_bytes);
				assert_int_equal(r.policy.keep + r.policy.recent, held);
				assert_int_equal(r.ref_tokens, seq < 256 ? seq : 256);
				assert_true(r.ref_bytes_fixed);
				assert_true(r.ref_allocation_free);
				assert_true(r.ref_kept_ok);
				if (!r.passed)
					fail_msg("%s %s seq %llu: error %g", policy_names[p],
					         kvp_dtype_name(storage_types[t]),
					         (unsigned long long)seq, r.max_abs_error);
			}
	assert_int_equal(testutil_live_blocks(), live);
}

/* llama2-7b under streaming:sink=4,recent=2000 at seq 5000: measured
 * 1,050,673,152 B (32 x 2004 x 32 x 256 x 2), as the planner predicts; the
 * reduced run uses 2 layers of its 32 heads of 128 and a window of 128. */
static void test_policy_run_llama2(void **state)
{
	kvp_model m = {.name = "llama2-7b", .layers = 32, .hidden = 4096,
	               .heads = 32, .kv_heads = 32};
	kvp__policy streaming = {.kind = KVP__POLICY_STREAMING, .keep = 4,
	                         .recent = 2000};
	kvp__policy_run r;

	(void)state;
	assert_int_equal(kvp__ref_policy_run(&m, KVP_DTYPE_FP16, &streaming, 5000,
	                                     &r, NULL), KVP_OK);
	assert_int_equal(r.measured_bytes, 1050673152ull);
	assert_int_equal(r.predicted_bytes, 1050673152ull);
	assert_int_equal(r.ref_policy.keep, 4);
	assert_int_equal(r.ref_policy.recent, 124);
	assert_true(r.passed);
	streaming.pos_mode = KVP__POS_SHIFT;
	assert_int_equal(kvp__ref_policy_run(&m, KVP_DTYPE_FP16, &streaming, 5000,
	                                     &r, NULL), KVP_OK);
	assert_int_equal(r.measured_bytes, 1050673152ull);
	assert_true(r.passed);
	streaming.kind = KVP__POLICY_H2O;
	streaming.pos_mode = KVP__POS_ROTATE;
	assert_int_equal(kvp__ref_policy_run(&m, KVP_DTYPE_FP16, &streaming, 5000,
	                                     &r, NULL), KVP_OK);
	assert_true(r.passed);
}

/* Models the reference does not run, and bad arguments, are refused. */
static void test_policy_run_refusals(void **state)
{
	kvp_model m = {.name = "tiny", .layers = 2, .hidden = 32, .heads = 4,
	               .kv_heads = 2, .head_dim = 8, .head_dim_v = 4};
	kvp__policy_run r;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp__ref_policy_run(&m, KVP_DTYPE_FP16, &policies[0], 10,
	                                     &r, &err), KVP_ERR_UNSUPPORTED);
	m.head_dim_v = 0;
	assert_int_equal(kvp__ref_policy_run(&m, KVP_DTYPE_FP16, &policies[0], 0,
	                                     &r, &err), KVP_ERR_INVALID);
	assert_int_equal(kvp__ref_policy_run(&m, KVP_DTYPE_FP8, &policies[0], 10,
	                                     &r, &err), KVP_ERR_UNSUPPORTED);
	assert_int_equal(kvp__ref_policy_run(NULL, KVP_DTYPE_FP16, &policies[0], 10,
	                                     &r, &err), KVP_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fits_equals_full_cache),
		cmocka_unit_test(test_streaming_keeps_sinks_and_recent),
		cmocka_unit_test(test_pos_shift_positions),
		cmocka_unit_test(test_h2o_matches_oracle),
		cmocka_unit_test(test_bytes_equal_hand_formula),
		cmocka_unit_test(test_long_decode_allocates_nothing),
		cmocka_unit_test(test_allocation_failures),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_policy_run_small_model),
		cmocka_unit_test(test_policy_run_llama2),
		cmocka_unit_test(test_policy_run_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
