/*
 * describe.c — numbers and layers in words for every output format:
 * binary units, grouped digits, a layer group's name, a pattern's text.
 */
#include <inttypes.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

char *cli_human_bytes(uint64_t bytes, char *buf, size_t size)
{
	unsigned u = 0;
	uint64_t whole = bytes;

	while (whole >= 1024 && u + 1 < sizeof units / sizeof *units) {
		whole /= 1024;
		u++;
	}
	if (u == 0 || bytes % ((uint64_t)1 << (10 * u)) == 0)
		snprintf(buf, size, "%" PRIu64 " %s", whole, units[u]);
	else
		snprintf(buf, size, "%.2f %s", (double)bytes / (double)((uint64_t)1 << (10 * u)),
		         units[u]);
	return buf;
}

char *cli_grouped(uint64_t value, char *buf, size_t size)
{
	char digits[32];
	int n = snprintf(digits, sizeof digits, "%" PRIu64, value);
	size_t o = 0;

	for (int i = 0; i < n && o + 2 < size; i++) {
		if (i > 0 && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

char *cli_shortest(double value, char *buf, size_t size)
{
	for (int digits = 1; digits <= 17; digits++) {
		snprintf(buf, size, "%.*g", digits, value);
		if (strtod(buf, NULL) == value)
			break;
	}
	return buf;
}

char *cli_py_float(double value, char *buf, size_t size)
{
	char digits[40];
	int p, exp;

	/* Python's repr: the fewest significant digits that read back the
	 * same value, fixed from 1e-4 to below 1e16, with a ".0" at least. */
	for (p = 1; p < 17; p++) {
		snprintf(digits, sizeof digits, "%.*e", p - 1, value);
		if (strtod(digits, NULL) == value)
			break;
	}
	snprintf(digits, sizeof digits, "%.*e", p - 1, value);
	exp = atoi(strchr(digits, 'e') + 1);
	if (!isfinite(value) || exp < -4 || exp >= 16)
		snprintf(buf, size, "%s", digits);
	else
		snprintf(buf, size, "%.*f", p - 1 - exp > 0 ? p - 1 - exp : 1, value);
	return buf;
}

void cli_state_values(const kvp_model *m, uint64_t *conv, uint64_t *ssm)
{
	*conv = m->ssm_conv_kernel > 1
	        ? (uint64_t)(m->ssm_conv_kernel - 1) *
	          ((uint64_t)m->ssm_inner + 2ull * m->ssm_groups * m->ssm_state)
	        : 0;
	*ssm = (uint64_t)m->ssm_state * m->ssm_inner;
}

const char *cli_group_label(const struct cli_plan *plan, const kvp_layer_group *g)
{
	/* DeepSeek Sparse Attention's indexer key beside the latent. */
	if (g->kind == KVP_LAYER_MLA && g->index_bytes_per_token)
		return plan->request.mla == KVP_MLA_EXPANDED ? "mla expanded+indexer"
		                                             : "mla latent+indexer";
	if (g->kind == KVP_LAYER_MLA)
		return plan->request.mla == KVP_MLA_EXPANDED ? "mla expanded" : "mla latent";
	return kvp_layer_kind_name(g->kind);
}

char *cli_pattern_text(const kvp_model *m, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	if (m->pattern_len == 0) {
		snprintf(buf, size, "%s", m->kv_lora_rank ? "mla" : "full");
		return buf;
	}
	for (uint32_t i = 0; i < m->pattern_len && used < size;) {
		uint32_t run = 1;
		int n;

		while (i + run < m->pattern_len && m->pattern[i + run] == m->pattern[i])
			run++;
		if (run > 1)
			n = snprintf(buf + used, size - used, "%s%s*%u", used ? "," : "",
			             kvp_layer_kind_name((kvp_layer_kind)m->pattern[i]), run);
		else
			n = snprintf(buf + used, size - used, "%s%s", used ? "," : "",
			             kvp_layer_kind_name((kvp_layer_kind)m->pattern[i]));
		if (n < 0)
			break;
		used += (size_t)n;
		i += run;
	}
	return buf;
}
