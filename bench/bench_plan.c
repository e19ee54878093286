/*
 * bench_plan.c — full plans per second on one core: a plan is
 * kvp_plan_compute then kvp_plan_fit on 3 GPUs (V100, A100, H100), with an
 * engine's rounding, for a uniform model (llama2-7b) and a 64-layer hybrid
 * (Gated DeltaNet in three layers of four, as Qwen3-Next), the seq moving
 * every plan.  The baseline, timed in the same run, copies what a plan
 * reads (the model and the request): the ratio says how many such copies
 * a plan costs, whatever the machine.
 * Usage: bench_plan [OUTDIR [DATADIR]]  (writes OUTDIR/plan.csv; the
 * catalogue in DATADIR, default data)
 */
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"

#define ROUNDS 5

struct bench_case {
	const char *name;
	kvp_model model;
	kvp_engine engine;
};

static kvp_device devices[3];

/* Plans per second, the best of ROUNDS rounds of n plans. */
static double plans_per_second(const struct bench_case *c, long n)
{
	static kvp_plan plan;
	double best = 0;
	uint64_t keep = 0;

	for (int round = 0; round < ROUNDS; round++) {
		kvp_request r;
		kvp_error err;
		double t0, rate;

		kvp_request_init(&r);
		r.engine = c->engine;
		t0 = bench_now();
		for (long i = 0; i < n; i++) {
			kvp_fit fit;

			r.seq = 1024 + (uint64_t)(i & 4095);
			bench_check(kvp_plan_compute(&c->model, &r, &plan, &err), &err, "plan");
			for (int d = 0; d < 3; d++) {
				bench_check(kvp_plan_fit(&plan, &devices[d], &fit, &err), &err, "fit");
				keep += fit.max_batch_hbm;
			}
		}
		rate = (double)n / (bench_now() - t0);
		if (rate > best)
			best = rate;
	}
	bench_keep((float)keep);
	return best;
}

/* The same plans through a planner (kvp_planner_point): the sizes and
 * each GPU's fit (fits, largest batch, longest contexts, budget), best of
 * ROUNDS rounds of n. */
static double points_per_second(const struct bench_case *c, long n)
{
	kvp_planner *pl = NULL;
	kvp_request r;
	kvp_error err;
	double best = 0;
	uint64_t keep = 0;

	kvp_request_init(&r);
	r.engine = c->engine;
	bench_check(kvp_planner_new(&c->model, &r, devices, 3, &pl, &err), &err, "planner");
	if (!kvp_planner_fast(pl)) {
		fprintf(stderr, "bench_plan: %s: the planner plans each point whole\n", c->name);
		exit(1);
	}
	for (int round = 0; round < ROUNDS; round++) {
		double t0 = bench_now(), rate;

		for (long i = 0; i < n; i++) {
			kvp_point point;
			kvp_point_fit fits[3];

			bench_check(kvp_planner_point(pl, 1024 + (uint64_t)(i & 4095), 1, &point,
			                              fits, &err), &err, "point");
			for (int d = 0; d < 3; d++)
				keep += fits[d].max_batch_hbm;
		}
		rate = (double)n / (bench_now() - t0);
		if (rate > best)
			best = rate;
	}
	kvp_planner_free(&pl);
	bench_keep((float)keep);
	return best;
}

/* Copies of the model and the request per second, best of ROUNDS. */
static double copies_per_second(const kvp_model *m, long n)
{
	static kvp_model model_copy;
	static kvp_request request_copy;
	volatile kvp_model *vm = &model_copy;
	kvp_request r;
	double best = 0;

	kvp_request_init(&r);
	for (int round = 0; round < ROUNDS; round++) {
		double t0 = bench_now(), rate;

		for (long i = 0; i < n; i++) {
			r.seq = (uint64_t)i;
			memcpy(&model_copy, m, sizeof *m);
			memcpy(&request_copy, &r, sizeof r);
			vm->layers += (uint32_t)request_copy.seq;
		}
		rate = (double)n / (bench_now() - t0);
		if (rate > best)
			best = rate;
	}
	return best;
}

int main(int argc, char **argv)
{
	static const char *const gpus[3] = {"v100", "a100", "h100"};
	FILE *csv = (bench_args(argc, argv, 2, "[DIR [DATA]]"),
	             bench_open_csv(argc, argv, "plan.csv"));
	struct bench_case cases[2];
	kvp_catalog *cat = NULL;
	kvp_device host;
	kvp_error err;
	long n = 200000;

	bench_check(kvp_catalog_open_default(&cat, NULL, 0, argc > 2 ? argv[2] : "data", &err),
	            &err, "catalogue");
	for (int d = 0; d < 3; d++)
		bench_check(kvp_catalog_device(cat, gpus[d], &devices[d], &err), &err, gpus[d]);
	cases[0].name = "uniform (llama2-7b)";
	cases[0].engine = KVP_ENGINE_VLLM;
	bench_check(kvp_catalog_model(cat, "llama2-7b", &cases[0].model, &err), &err, "model");
	/* 64 layers, recurrent*3,full, as Qwen3-Next's pattern. */
	cases[1].name = "64-layer hybrid";
	cases[1].engine = KVP_ENGINE_VLLM;
	bench_check(kvp_catalog_model(cat, "qwen3-next-80b-a3b", &cases[1].model, &err),
	            &err, "model");
	cases[1].model.layers = 64;
	bench_check(kvp_model_finalize(&cases[1].model, &err), &err, "hybrid");
	kvp_catalog_free(&cat);

	bench_host(&host);
	bench_print_host(stdout, &host);
	fprintf(csv, "case,engine,path,plans_per_second,baseline_copies_per_second,ratio\n");
	printf("%-22s %-7s %-8s %16s %18s %8s\n", "model", "engine", "path",
	       "plans/s (3 GPUs)", "baseline copies/s", "ratio");
	for (int i = 0; i < 2; i++) {
		double plans = plans_per_second(&cases[i], n);
		double points = points_per_second(&cases[i], n * 10);
		double copies = copies_per_second(&cases[i].model, n * 10);
		const char *paths[2] = {"whole", "planner"};
		double rates[2] = {plans, points};

		for (int k = 0; k < 2; k++) {
			printf("%-22s %-7s %-8s %16.0f %18.0f %8.1f\n", cases[i].name,
			       kvp_engine_name(cases[i].engine), paths[k], rates[k], copies,
			       copies / rates[k]);
			fprintf(csv, "%s,%s,%s,%.0f,%.0f,%.2f\n", cases[i].name,
			        kvp_engine_name(cases[i].engine), paths[k], rates[k], copies,
			        copies / rates[k]);
		}
	}
	fclose(csv);
	return 0;
}
