/*
 * capacity.c — a capacity tool embedding libkvplan: for a model and a GPU
 * named on the command line, the longest context and largest batch that fit.
 * Build: cc capacity.c $(pkg-config --cflags --libs kvplan) -o capacity
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <kvplan.h>

int main(int argc, char **argv)
{
	kvp_catalog *catalog = NULL;
	kvp_model model;
	kvp_device gpu;
	kvp_kv_size size;
	kvp_fit fit;
	kvp_error err;
	char line[2048];
	uint64_t seq;

	if (argc != 4) {
		fprintf(stderr, "usage: capacity MODEL GPU SEQ\n");
		return 2;
	}
	seq = strtoull(argv[3], NULL, 10);
	if (kvp_catalog_open_default(&catalog, NULL, 0, NULL, &err) != KVP_OK ||
	    kvp_catalog_model(catalog, argv[1], &model, &err) != KVP_OK ||
	    kvp_catalog_device(catalog, argv[2], &gpu, &err) != KVP_OK ||
	    kvp_kv_size_compute(&model, KVP_DTYPE_FP16, seq, 1, &size, &err) != KVP_OK ||
	    kvp_fit_compute(&model, &gpu, KVP_DTYPE_FP16, seq, 1, NULL, &fit, &err) != KVP_OK) {
		fprintf(stderr, "capacity: %s\n", kvp_error_format(&err, line, sizeof line));
		kvp_catalog_free(&catalog);
		return 2;
	}
	printf("%s on %s: %" PRIu64 " B/token, %" PRIu64 " B at seq %" PRIu64
	       ", max seq %" PRIu64 ", max batch %" PRIu64 "\n",
	       model.name, gpu.name, size.bytes_per_token, size.total_bytes, seq,
	       fit.max_seq_hbm, fit.max_batch_hbm);
	kvp_catalog_free(&catalog);
	return 0;
}
