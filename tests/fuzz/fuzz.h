/*
 * fuzz.h — what every libFuzzer harness checks: the code returns (the
 * sanitizers catch the rest), and a failure carries a one-line message.
 * tests/fuzz/run.sh builds the harnesses with clang
 * -fsanitize=fuzzer,address,undefined; make check replays their seeds and
 * kept crashes (test_fuzz_regress, and tests/fuzz/replay.c).
 */
#ifndef KVPLAN_FUZZ_H
#define KVPLAN_FUZZ_H

#include <string.h>

#include "kvplan.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
/* A harness's start-up, where it has one. */
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Stops the run (a crash libFuzzer keeps) when status breaks the
 * library's contract for errors. */
static inline void fuzz_check_error(kvp_status status, const kvp_error *err)
{
	if (status == KVP_OK)
		return;
	if ((unsigned)status >= KVP_STATUS_COUNT || err->status != status ||
	    !err->message[0] || strchr(err->message, '\n'))
		__builtin_trap();
}

#endif
