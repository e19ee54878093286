/*
 * bench_startup.c — the wall time of `kvplan --model llama2-7b --seq 1024`
 * against a program that links the same shared libraries and only starts
 * and exits (bench_empty), each spawned RUNS times in turn, best and median
 * of each; the ratio of the medians is the figure.
 * Usage: bench_startup OUTDIR KVPLAN EMPTY  (both programs themselves, not
 * libtool's wrappers; LD_LIBRARY_PATH finds the built libraries)
 */
#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "benchutil.h"

#define RUNS 101

extern char **environ;

static double run_once(char *const argv[])
{
	posix_spawn_file_actions_t actions;
	double t0;
	pid_t pid;
	int status;

	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
	t0 = bench_now();
	if (posix_spawn(&pid, argv[0], &actions, NULL, argv, environ) != 0 ||
	    waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_startup: %s failed\n", argv[0]);
		exit(1);
	}
	posix_spawn_file_actions_destroy(&actions);
	return bench_now() - t0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static double plan[RUNS], empty[RUNS];
	char *plan_argv[] = {NULL, "--model", "llama2-7b", "--seq", "1024", NULL};
	char *empty_argv[] = {NULL, NULL};
	FILE *csv;

	if (argc != 4) {
		fprintf(stderr, "usage: bench_startup OUTDIR KVPLAN EMPTY\n");
		return 2;
	}
	csv = bench_open_csv(2, argv, "startup.csv");
	plan_argv[0] = argv[2];
	empty_argv[0] = argv[3];
	for (int i = 0; i < RUNS; i++) {
		empty[i] = run_once(empty_argv);
		plan[i] = run_once(plan_argv);
	}
	qsort(plan, RUNS, sizeof *plan, cmp_double);
	qsort(empty, RUNS, sizeof *empty, cmp_double);
	printf("kvplan --model llama2-7b --seq 1024: median %.2f ms, best %.2f ms\n",
	       plan[RUNS / 2] * 1e3, plan[0] * 1e3);
	printf("start and exit, same libraries:     median %.2f ms, best %.2f ms\n",
	       empty[RUNS / 2] * 1e3, empty[0] * 1e3);
	printf("ratio of the medians: %.2f\n", plan[RUNS / 2] / empty[RUNS / 2]);
	fprintf(csv, "program,median_ms,best_ms\nkvplan,%.3f,%.3f\nempty,%.3f,%.3f\n",
	        plan[RUNS / 2] * 1e3, plan[0] * 1e3, empty[RUNS / 2] * 1e3, empty[0] * 1e3);
	fclose(csv);
	return 0;
}
