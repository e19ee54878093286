/*
 * policy_out.c — what a cache policy keeps, shown: the table's Policy
 * section (tokens kept against the whole request's, bytes and the
 * saving), the JSON "policy" object, and the warnings a user should
 * see (how the method's own code stores K and V; that an engine would
 * have to free what the policy evicts).
 */
#include <inttypes.h>
#include <string.h>

#include "cli.h"
#include "json.h"

/* Token-layers kept and the whole request's, over the caching layers. */
static void token_layers(const struct cli_plan *p, uint64_t *kept, uint64_t *all)
{
	const kvp_plan *lp = &p->layers;

	*kept = *all = 0;
	for (uint32_t g = 0; g < lp->group_count; g++) {
		const kvp_layer_group *grp = &lp->groups[g];

		if (grp->bytes_per_token == 0)
			continue;
		*kept += grp->tokens * grp->layers;
		*all += (grp->window && grp->window < p->seq ? grp->window : p->seq) *
		        grp->layers;
	}
}

void cli_print_policy(FILE *out, const struct cli_plan *p)
{
	const kvp_request *r = &p->request;
	char text[160], a[32], b[32], c[32], d[32], e[32];
	uint64_t kept, all, saved;

	if (r->policy.kind == KVP_POLICY_FULL)
		return;
	token_layers(p, &kept, &all);
	saved = p->unpoliced_bytes > p->layers.cache_total_bytes
	        ? p->unpoliced_bytes - p->layers.cache_total_bytes : 0;
	fprintf(out, "\nPolicy %s (prompt %" PRIu64 ", %" PRIu64 " generated)\n",
	        kvp_policy_format(&r->policy, text, sizeof text), p->seq - r->gen, r->gen);
	fprintf(out, "  keeps %s of %s token-layers: %s B of %s B, saves %s B (%.1f%%)\n",
	        cli_grouped(kept, a, sizeof a), cli_grouped(all, b, sizeof b),
	        cli_grouped(p->layers.cache_total_bytes, c, sizeof c),
	        cli_grouped(p->unpoliced_bytes, d, sizeof d), cli_grouped(saved, e, sizeof e),
	        p->unpoliced_bytes ? 100.0 * (double)saved / (double)p->unpoliced_bytes : 0.0);
	if (r->policy.kind != KVP_POLICY_WINDOW)
		fputs("  assumes an implementation that frees evicted entries: no engine"
		      " planned here does it natively\n  (kvpress's AdaKV, for one, masks"
		      " them and frees nothing)\n", out);
	if (r->kv_repeated)
		fprintf(out, "  K and V repeated to the %u query heads (--kv-layout repeated)\n",
		        p->model.heads);
}

void cli_policy_json(struct json_writer *w, const struct cli_plan *p)
{
	const kvp_request *r = &p->request;
	char text[160];
	uint64_t kept, all;

	json_object_begin(w, "policy");
	json_text(w, "kind", kvp_policy_kind_name(r->policy.kind));
	json_text(w, "spec", kvp_policy_format(&r->policy, text, sizeof text));
	json_u64(w, "gen", r->gen);
	json_text(w, "kv_layout", r->kv_repeated ? "repeated" : "grouped");
	token_layers(p, &kept, &all);
	json_u64(w, "kept_token_layers", kept);
	json_u64(w, "token_layers", all);
	json_u64(w, "full_cache_bytes", p->unpoliced_bytes);
	json_u64(w, "saving_bytes", p->unpoliced_bytes > p->layers.cache_total_bytes
	                            ? p->unpoliced_bytes - p->layers.cache_total_bytes : 0);
	json_object_end(w);
}

void cli_policy_warnings(const struct cli_plan *p)
{
	const kvp_request *r = &p->request;

	/* SnapKV's and KVCache-Factory's code repeat K and V to the query
	 * heads before compressing (repeat_kv): a GQA model costs more. */
	if ((r->policy.kind == KVP_POLICY_SNAPKV || r->policy.kind == KVP_POLICY_PYRAMIDKV) &&
	    !r->kv_repeated && p->model.kv_heads < p->model.heads &&
	    !p->model.kv_lora_rank)
		cli_warn("%s's own code stores K and V repeated to"
		        " the %u query heads, %ux these figures: --kv-layout repeated"
		        " plans that", kvp_policy_kind_name(r->policy.kind),
		        p->model.heads, p->model.heads / p->model.kv_heads);
}
