/*
 * benchutil.h — what the benchmarks share: a monotonic clock, the output
 * directory for their CSV files, the host's description, and the host's
 * streaming read bandwidth, the yardstick for the attention kernel.
 */
#ifndef KVPLAN_BENCHUTIL_H
#define KVPLAN_BENCHUTIL_H

#include <stdint.h>
#include <stdio.h>

#include "kvplan.h"

/* Seconds on a monotonic clock. */
double bench_now(void);
/* Exits with status 2 and "usage: PROGRAM USAGE" on stderr where the
 * command line has more than `most` arguments or one that starts with
 * '-' (an option none of the benchmarks takes, not a directory). */
void bench_args(int argc, char **argv, int most, const char *usage);
/* Opens DIR/NAME for writing, DIR from argv[1] or "bench/out" (created);
 * exits with a message when it cannot. */
FILE *bench_open_csv(int argc, char **argv, const char *name);
/* The host as kvp_device_host sees it; exits when it cannot. */
void bench_host(kvp_device *host);
/* Prints the host on one line: model, CPUs, L2, LLC, RAM. */
void bench_print_host(FILE *out, const kvp_device *host);
/* Bytes per second of summing a float array of `bytes` bytes, best of
 * `repeats` passes, the array touched once first, on huge pages as the
 * reference implementation's large blocks are (kvp__huge_pages). */
double bench_stream_read(uint64_t bytes, int repeats);
/* Seconds of one summing pass over x[0..n), n a multiple of 8: the
 * streaming read timed beside a step that reads as many bytes. */
double bench_stream_pass(const float *x, uint64_t n);
/* Multiply-add lanes a second of the widest vector the attention kernels
 * run on this CPU, named in *vector; 0 where none (bench/fma.c). */
double bench_fma_lanes(const char **vector);
/* The median of v[0..n), n > 0; sorts v. */
double bench_median(double *v, int n);
/* A sum that the compiler cannot drop, so timed loops stay timed. */
void bench_keep(float value);
/* Exits with the library's message when st is not KVP_OK. */
void bench_check(kvp_status st, const kvp_error *err, const char *what);

#endif
