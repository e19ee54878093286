/*
 * fuzz_profile.c — libFuzzer harness of the YAML profile loader: the input
 * is a profile file's bytes, read as a model and as a GPU (the file is
 * fuzz.yaml, so a profile that gets past its name says "name: fuzz").  A
 * profile that loads is then planned: a model on a fixed GPU, a GPU under
 * a fixed model, as the catalogue's profiles are.
 */
#include <string.h>

#include "kvplan.h"
#include "profile.h"
#include "fuzz.h"

#define PROFILE_PATH "fuzz.yaml"

/* Plans model's cache at seq on device, and what would make it fit. */
static void plan_on(const kvp_model *model, const kvp_device *device,
                    uint64_t seq, uint64_t batch)
{
	kvp_request request;
	kvp_plan plan;
	kvp_fit fit;
	kvp_advice advice;
	kvp_error err;
	kvp_status status;

	kvp_request_init(&request);
	request.seq = seq;
	request.batch = batch;
	status = kvp_plan_compute(model, &request, &plan, &err);
	fuzz_check_error(status, &err);
	if (status != KVP_OK)
		return;
	fuzz_check_error(kvp_plan_fit(&plan, device, &fit, &err), &err);
	fuzz_check_error(kvp_advise(model, &request, device, &advice, &err), &err);
}

static void load_model(const unsigned char *data, size_t size)
{
	static const kvp_device h100 = {
		.name = "h100-sxm", .hbm_bytes = 80ULL << 30, .l2_bytes = 50 << 20,
	};
	struct profile profile;
	kvp_error err;
	kvp_status status;

	status = kvp__parse_profile(&kvp__model_kind, PROFILE_PATH, data, size,
	                            &profile, &err);
	fuzz_check_error(status, &err);
	if (status != KVP_OK)
		return;
	if (strcmp(profile.name, "fuzz") != 0 ||
	    strcmp(profile.u.model.name, "fuzz") != 0)
		__builtin_trap();
	plan_on(&profile.u.model, &h100, 4096, 8);
	if (profile.u.model.max_context)
		plan_on(&profile.u.model, &h100, profile.u.model.max_context, 1);
	kvp__profile_clear(&profile);
}

static void load_device(const unsigned char *data, size_t size)
{
	kvp_model llama = {
		.name = "llama2-7b", .layers = 32, .hidden = 4096, .heads = 32,
		.kv_heads = 32, .params = 6738415616ULL,
	};
	struct profile profile;
	kvp_error err;
	kvp_status status;

	status = kvp__parse_profile(&kvp__device_kind, PROFILE_PATH, data, size,
	                            &profile, &err);
	fuzz_check_error(status, &err);
	if (status != KVP_OK)
		return;
	if (strcmp(profile.name, "fuzz") != 0)
		__builtin_trap();
	if (kvp_model_finalize(&llama, &err) != KVP_OK)
		__builtin_trap();
	plan_on(&llama, &profile.u.device, 4096, 8);
	kvp__profile_clear(&profile);
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	load_model(data, size);
	load_device(data, size);
	return 0;
}
