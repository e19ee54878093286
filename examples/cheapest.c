/*
 * cheapest.c — a capacity tool embedding libkvplan: for a model at a
 * context, the fewest GPUs of each catalogue type that hold it (tensor
 * parallel, kvp_advise's min_gpus), ranked.  The catalogue has no prices:
 * given -p GPU=PRICE (per GPU and hour, any currency) the priced types are
 * ranked by what their GPUs cost; without, by fewest GPUs, then least memory
 * bought in all, which is a proxy for cost and not a price.
 * Build: cc cheapest.c $(pkg-config --cflags --libs kvplan) -o cheapest
 */
#include <errno.h>
#include <inttypes.h>
#include <float.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kvplan.h>

#define PRICES_MAX 32
#define GIB 1073741824.0

typedef struct price {
	const char *given;      /* the GPU as -p names it */
	char gpu[KVP_NAME_MAX]; /* the catalogue's name for it */
	double per_hour;
} price;

typedef struct option {
	const kvp_device *device;
	uint64_t gpus;         /* 0: no tensor-parallel degree holds it */
	double memory_gib;     /* gpus x the device's memory */
	double cost;           /* gpus x its price; 0 unpriced */
} option;

static int usage(void)
{
	fprintf(stderr, "usage: cheapest [-b BATCH] [-p GPU=PRICE]... MODEL SEQ\n");
	return 2;
}

/* A whole number from 1, digits only. */
static int parse_count(const char *text, uint64_t *out)
{
	char *end;

	if (text[0] < '0' || text[0] > '9')
		return -1;
	errno = 0;
	*out = strtoull(text, &end, 10);
	return errno || *end || *out == 0 ? -1 : 0;
}

/* Those that fit first; cheaper first, then fewer GPUs, then less memory,
 * then by name. */
static int compare_options(const void *a, const void *b)
{
	const option *x = a, *y = b;

	if ((x->gpus == 0) != (y->gpus == 0))
		return x->gpus == 0 ? 1 : -1;
	if (x->cost != y->cost)
		return x->cost < y->cost ? -1 : 1;
	if (x->gpus != y->gpus)
		return x->gpus < y->gpus ? -1 : 1;
	if (x->memory_gib != y->memory_gib)
		return x->memory_gib < y->memory_gib ? -1 : 1;
	return strcmp(x->device->name, y->device->name);
}

static const price *price_of(const price *prices, size_t n, const char *gpu)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(prices[i].gpu, gpu) == 0)
			return &prices[i];
	return NULL;
}

int main(int argc, char **argv)
{
	kvp_catalog *catalog = NULL;
	const kvp_device *devices;
	price prices[PRICES_MAX];
	option *options = NULL;
	size_t n_prices = 0, n_devices, n_options = 0, n_fit = 0, i;
	kvp_device device;
	kvp_model model;
	kvp_request request;
	kvp_advice advice;
	kvp_error err;
	char line[2048], quoted[KVP_QUOTE_MAX], *end;
	uint64_t seq, batch = 1;
	int opt, status = 2;

	opterr = 0; /* one message, usage's */
	while ((opt = getopt(argc, argv, "b:p:")) != -1) {
		char *equals = optarg ? strchr(optarg, '=') : NULL;

		if (opt == 'b' && parse_count(optarg, &batch) != 0) {
			fprintf(stderr, "cheapest: BATCH '%s' is not a whole number from 1\n",
			        kvp_escape(optarg, quoted, sizeof quoted));
			return 2;
		} else if (opt == 'p' && (!equals || equals == optarg)) {
			fprintf(stderr, "cheapest: -p takes GPU=PRICE, not '%s'\n",
			        kvp_escape(optarg, quoted, sizeof quoted));
			return 2;
		} else if (opt == 'p') {
			if (n_prices == PRICES_MAX) {
				fprintf(stderr, "cheapest: more than %d prices\n", PRICES_MAX);
				return 2;
			}
			errno = 0;
			prices[n_prices].per_hour = strtod(equals + 1, &end);
			if (errno || end == equals + 1 || *end ||
			    !(prices[n_prices].per_hour > 0 &&
			      prices[n_prices].per_hour <= DBL_MAX)) {
				fprintf(stderr, "cheapest: price '%s' is not a number above 0\n",
				        kvp_escape(equals + 1, quoted, sizeof quoted));
				return 2;
			}
			*equals = '\0';
			/* The GPU's name is checked below, with the catalogue. */
			prices[n_prices++].given = optarg;
		} else if (opt != 'b') {
			return usage();
		}
	}
	if (argc - optind != 2)
		return usage();
	if (parse_count(argv[optind + 1], &seq) != 0) {
		fprintf(stderr, "cheapest: SEQ '%s' is not a whole number from 1\n",
		        kvp_escape(argv[optind + 1], quoted, sizeof quoted));
		return 2;
	}
	if (kvp_catalog_open_default(&catalog, NULL, 0, NULL, &err) != KVP_OK ||
	    kvp_catalog_model(catalog, argv[optind], &model, &err) != KVP_OK ||
	    kvp_catalog_devices(catalog, &devices, &n_devices, &err) != KVP_OK)
		goto library_error;
	/* A priced GPU by any of its names (h100 is h100-sxm), once. */
	for (i = 0; i < n_prices; i++) {
		if (kvp_catalog_device(catalog, prices[i].given, &device, &err) != KVP_OK)
			goto library_error;
		if (price_of(prices, i, device.name)) {
			fprintf(stderr, "cheapest: %s is priced twice\n", device.name);
			goto done;
		}
		memcpy(prices[i].gpu, device.name, KVP_NAME_MAX);
	}
	options = calloc(n_devices ? n_devices : 1, sizeof *options);
	if (!options) {
		fprintf(stderr, "cheapest: out of memory\n");
		goto done;
	}

	kvp_request_init(&request);
	request.seq = seq;
	request.batch = batch;
	/* Every answer is had before anything is printed. */
	for (i = 0; i < n_devices; i++) {
		const price *p = price_of(prices, n_prices, devices[i].name);
		option *o = &options[n_options];

		if (n_prices && !p)
			continue;
		if (kvp_advise(&model, &request, &devices[i], &advice, &err) != KVP_OK)
			goto library_error;
		o->device = &devices[i];
		o->gpus = advice.min_gpus;
		o->memory_gib = (double)advice.min_gpus * (double)devices[i].hbm_bytes / GIB;
		o->cost = p ? (double)advice.min_gpus * p->per_hour : 0;
		n_fit += o->gpus != 0;
		n_options++;
	}
	qsort(options, n_options, sizeof *options, compare_options);

	printf("%s, %" PRIu64 " tokens x %" PRIu64 ": the fewest GPUs of each type"
	       " (tensor parallel; fp16 cache and weights, %.0f%% of memory usable)\n",
	       model.name, seq, batch, request.mem_util * 100);
	if (model.max_context && seq > model.max_context)
		printf("note: %" PRIu64 " tokens is past the model's max context (%" PRIu64
		       "); planned anyway\n", seq, model.max_context);
	if (n_prices)
		printf("ranked by price (given with -p, per GPU and hour), then fewest GPUs\n");
	else
		printf("ranked by fewest GPUs, then least memory in all"
		       " (no prices: give them with -p GPU=PRICE)\n");
	printf("%-16s %5s %14s%s\n", "gpu", "gpus", "memory in all",
	       n_prices ? "    price/hour" : "");
	for (i = 0; i < n_fit; i++) {
		const option *o = &options[i];

		printf("%-16s %5" PRIu64 " %10.*f GiB", o->device->name, o->gpus,
		       o->memory_gib == (double)(uint64_t)o->memory_gib ? 0 : 1,
		       o->memory_gib);
		if (n_prices)
			printf(" %13.2f", o->cost);
		printf("\n");
	}
	if (n_fit < n_options) {
		printf("no fit with up to %" PRIu32 " GPUs (the model's heads):", model.heads);
		for (i = n_fit; i < n_options; i++)
			printf(" %s", options[i].device->name);
		printf("\n");
	}
	if (n_fit == 0) {
		printf("no GPU type holds it\n");
		status = 1;
	} else {
		printf("%s: %" PRIu64 " x %s\n", n_prices ? "cheapest" : "fewest",
		       options[0].gpus, options[0].device->name);
		status = 0;
	}
	goto done;
library_error:
	fprintf(stderr, "cheapest: %s\n", kvp_error_format(&err, line, sizeof line));
done:
	kvp_catalog_free(&catalog);
	free(options);
	return status;
}
