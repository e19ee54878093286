/*
 * kvcache.c — the reference KV cache in its two layouts: contiguous,
 * preallocated for max_seq as llama does, and paged as vLLM does, with
 * blocks allocated as a sequence grows and a block table per sequence.
 *
 * Each layer keeps its blocks' K rows apart from their V rows, as vLLM's
 * cache tensor of a layer does ([2, num_blocks, block_size, kv_heads,
 * head_dim]: vllm/v1/attention/backends/flash_attn.py,
 * FlashAttentionBackend.get_kv_cache_shape, at 0084b783), and the blocks
 * one reserve adds come as one allocation, each layer's K of them side by
 * side and then their V, as a fresh vLLM pool hands a prefill consecutive
 * block ids.  A long prompt's blocks then lie in order on 2 MiB pages
 * (alloc.c), and a reader is given the rows of every block of the
 * allocation as one run; one allocation a block, K and V of llama2-7b's 16
 * tokens side by side in 256 KiB, had stayed on small pages and been read
 * 16 rows at a time (README, "KV read bandwidth").
 * The bytes are the same either way.  The allocation starts on a 64-byte
 * line (alloc.c), so where a row is whole lines every row starts on one.
 */
#include <string.h>
#include <unistd.h>

#include "ref/ref.h"

kvp_status kvp__kvcache_init(kvp__kvcache *c, kvp__counter *counter,
                             const kvp__kvcache_shape *shape, kvp_error *err)
{
	const kvp__kvcache_shape *s = shape;
	uint64_t elem_bytes, layer_rows, rows, pages;

	memset(c, 0, sizeof *c);
	if (!kvp__storage_supported(s->dtype))
		return kvp__error(err, KVP_ERR_UNSUPPORTED,
		                  "the reference cache stores fp32, fp16 or bf16, not %s",
		                  kvp_dtype_name(s->dtype));
	if (s->layers == 0 || s->kv_heads == 0 || s->head_dim == 0 ||
	    s->batch == 0 || s->max_seq == 0)
		return kvp__error(err, KVP_ERR_INVALID,
		                  "cache dimensions must be at least 1");
	if ((unsigned)s->layout >= KVP_LAYOUT_COUNT ||
	    (s->layout == KVP_LAYOUT_PAGED && s->block_size == 0))
		return kvp__error(err, KVP_ERR_INVALID,
		                  "invalid cache layout or block size");
	c->shape = *s;
	c->counter = counter;
	elem_bytes = kvp_dtype_block_bytes(s->dtype);
	c->row_values = (uint64_t)s->kv_heads * s->head_dim;
	if (!kvp__mul(c->row_values, elem_bytes, &c->row_bytes))
		return kvp__error(err, KVP_ERR_OVERFLOW,
		                  "cache row size overflows 64-bit bytes");
	if (!(c->length = kvp__counter_alloc(counter, KVP_MEM_META, s->batch,
	                                     sizeof *c->length, err)))
		return KVP_ERR_NOMEM;

	if (s->layout == KVP_LAYOUT_CONTIGUOUS) {
		if (!kvp__mul(s->batch, s->max_seq, &layer_rows) ||
		    !kvp__mul(layer_rows, s->layers, &rows) ||
		    !kvp__mul(rows, c->row_bytes, &c->array_bytes)) {
			kvp__kvcache_destroy(c);
			return kvp__error(err, KVP_ERR_OVERFLOW,
			                  "cache size overflows 64-bit bytes");
		}
		c->key_cache = kvp__counter_alloc(counter, KVP_MEM_CACHE, 1,
		                                  c->array_bytes, err);
		c->value_cache = c->key_cache
		                 ? kvp__counter_alloc(counter, KVP_MEM_CACHE, 1,
		                                      c->array_bytes, err)
		                 : NULL;
		if (!c->value_cache) {
			kvp__kvcache_destroy(c);
			return KVP_ERR_NOMEM;
		}
		return kvp__error_clear(err);
	}

	c->blocks_per_seq = s->max_seq / s->block_size +
	                    (s->max_seq % s->block_size != 0);
	if (!kvp__mul(2 * (uint64_t)s->block_size, c->row_bytes, &c->page_bytes) ||
	    !kvp__mul(c->blocks_per_seq, s->batch, &rows) ||
	    !kvp__mul(rows, s->layers, &pages) || !kvp__mul(pages, 2, &pages)) {
		kvp__kvcache_destroy(c);
		return kvp__error(err, KVP_ERR_OVERFLOW,
		                  "cache size overflows 64-bit bytes");
	}
	/* The tables are sized for the whole cache up front (they are small);
	 * the pages themselves come one block at a time. */
	c->block_table = kvp__counter_alloc(counter, KVP_MEM_META, rows,
	                                    sizeof *c->block_table, err);
	c->pages = c->block_table
	           ? kvp__counter_alloc(counter, KVP_MEM_META, pages,
	                                sizeof *c->pages, err)
	           : NULL;
	c->chunk_end = c->pages
	               ? kvp__counter_alloc(counter, KVP_MEM_META, rows,
	                                    sizeof *c->chunk_end, err)
	               : NULL;
	if (!c->chunk_end) {
		kvp__kvcache_destroy(c);
		return KVP_ERR_NOMEM;
	}
	return kvp__error_clear(err);
}

void kvp__kvcache_destroy(kvp__kvcache *c)
{
	kvp__counter *counter = c->counter;

	if (!counter)
		return;
	/* A chunk's first block's K page in layer 0 is its allocation. */
	for (uint64_t b = 0; c->chunk_end && b < c->blocks_used; b = c->chunk_end[b])
		kvp__counter_free(counter, c->pages[2 * b * c->shape.layers]);
	kvp__counter_free(counter, c->chunk_end);
	kvp__counter_free(counter, c->pages);
	kvp__counter_free(counter, c->block_table);
	kvp__counter_free(counter, c->value_cache);
	kvp__counter_free(counter, c->key_cache);
	kvp__counter_free(counter, c->length);
	memset(c, 0, sizeof *c);
}

/* Physical blocks for logical blocks [first, first + count) of sequence
 * seq, in every layer, as one allocation: layer l's K rows of the count
 * blocks from 2 * l * count half-pages on, then their V rows.  The blocks
 * are used only once the allocation exists, so a failure leaves nothing
 * half-made. */
static kvp_status add_blocks(kvp__kvcache *c, uint64_t seq, uint64_t first,
                             uint64_t count, kvp_error *err)
{
	uint32_t layers = c->shape.layers;
	uint64_t half = c->page_bytes / 2, used = c->blocks_used, bytes;
	unsigned char **pages = c->pages + 2 * used * layers;
	unsigned char *chunk;

	/* count * layers pages fit the table, but not always the bytes. */
	if (!kvp__mul(count * layers, c->page_bytes, &bytes))
		return kvp__error(err, KVP_ERR_NOMEM,
		                  "%llu blocks of cache overflow the address space",
		                  (unsigned long long)count);
	if (!(chunk = kvp__counter_alloc(c->counter, KVP_MEM_CACHE, 1, bytes,
	                                 err)))
		return KVP_ERR_NOMEM;
	for (uint64_t i = 0; i < count; i++) {
		for (uint32_t l = 0; l < layers; l++) {
			unsigned char *layer = chunk + 2 * (uint64_t)l * count * half;

			pages[2 * (i * layers + l)] = layer + i * half;
			pages[2 * (i * layers + l) + 1] = layer + (count + i) * half;
		}
		c->chunk_end[used + i] = used + count;
		c->block_table[seq * c->blocks_per_seq + first + i] = used + i;
	}
	c->blocks_used += count;
	return KVP_OK;
}

kvp_status kvp__kvcache_reserve(kvp__kvcache *c, uint64_t seq, uint64_t length,
                                kvp_error *err)
{
	uint64_t have, need, bs;
	kvp_status st;

	if (seq >= c->shape.batch)
		return kvp__error(err, KVP_ERR_RANGE,
		                  "sequence %llu is past the batch of %llu",
		                  (unsigned long long)seq,
		                  (unsigned long long)c->shape.batch);
	if (length > c->shape.max_seq)
		return kvp__error(err, KVP_ERR_RANGE,
		                  "position %llu is past the cache's max_seq of %llu",
		                  (unsigned long long)length - 1,
		                  (unsigned long long)c->shape.max_seq);
	if (length <= c->length[seq])
		return kvp__error_clear(err);
	if (c->shape.layout == KVP_LAYOUT_PAGED) {
		bs = c->shape.block_size;
		have = c->length[seq] / bs + (c->length[seq] % bs != 0);
		need = length / bs + (length % bs != 0);
		if (have < need &&
		    (st = add_blocks(c, seq, have, need - have, err)) != KVP_OK)
			return st;
	}
	c->length[seq] = length;
	return kvp__error_clear(err);
}

/* Where token pos's K and V rows of one layer are stored.  K and V of the
 * contiguous layout are separate allocations, so each row is found from its
 * own array's base: a pointer moved from one allocation into another is
 * undefined, and wraps the address when V lies below K. */
static void locate(const kvp__kvcache *c, uint32_t layer, uint64_t seq,
                   uint64_t pos, unsigned char **key, unsigned char **value)
{
	uint64_t row, bs, at;

	if (c->shape.layout == KVP_LAYOUT_CONTIGUOUS) {
		row = ((uint64_t)layer * c->shape.batch + seq) * c->shape.max_seq + pos;
		*key = c->key_cache + row * c->row_bytes;
		*value = c->value_cache + row * c->row_bytes;
		return;
	}
	bs = c->shape.block_size;
	at = 2 * (c->block_table[seq * c->blocks_per_seq + pos / bs] *
	          c->shape.layers + layer);
	*key = c->pages[at] + pos % bs * c->row_bytes;
	*value = c->pages[at + 1] + pos % bs * c->row_bytes;
}

/* The rows from pos on lie side by side to the end of the contiguous
 * layout's sequence, or of the allocation pos's block came in (its blocks
 * are consecutive blocks of one sequence, in order). */
void kvp__kvcache_rows(const kvp__kvcache *c, uint32_t layer, uint64_t seq,
                       uint64_t pos, const void **key, const void **value,
                       uint64_t *run)
{
	unsigned char *key_row, *value_row;
	uint64_t bs = c->shape.block_size, block;

	locate(c, layer, seq, pos, &key_row, &value_row);
	*key = key_row;
	*value = value_row;
	if (c->shape.layout == KVP_LAYOUT_CONTIGUOUS) {
		*run = c->shape.max_seq - pos;
		return;
	}
	block = c->block_table[seq * c->blocks_per_seq + pos / bs];
	*run = (c->chunk_end[block] - block) * bs - pos % bs;
}

kvp_status kvp__kvcache_write(kvp__kvcache *c, uint32_t layer, uint64_t seq,
                              uint64_t pos, const float *key,
                              const float *value, kvp_error *err)
{
	unsigned char *key_row, *value_row;

	if (layer >= c->shape.layers || seq >= c->shape.batch ||
	    pos >= c->length[seq])
		return kvp__error(err, KVP_ERR_RANGE,
		                  "no room at layer %u, sequence %llu, position %llu",
		                  layer, (unsigned long long)seq,
		                  (unsigned long long)pos);
	locate(c, layer, seq, pos, &key_row, &value_row);
	kvp__storage_encode(c->shape.dtype, key_row, key, c->row_values);
	kvp__storage_encode(c->shape.dtype, value_row, value, c->row_values);
	return KVP_OK;
}

/* Progress is reported every this many bytes, so a callback costs nothing
 * next to the page faults it reports on. */
#define TOUCH_REPORT_BYTES (64u << 20)

static void touch(volatile unsigned char *base, uint64_t bytes, uint64_t page,
                  uint64_t *done, uint64_t total, kvp_progress_fn progress,
                  void *ctx)
{
	for (uint64_t at = 0; at < bytes; at += page) {
		base[at] = 0;
		if (progress && (*done + at) / TOUCH_REPORT_BYTES !=
		                (*done + at + page) / TOUCH_REPORT_BYTES)
			progress(ctx, "cache", *done + at, total);
	}
	*done += bytes;
}

void kvp__kvcache_touch(kvp__kvcache *c, kvp_progress_fn progress, void *ctx)
{
	long page_size = sysconf(_SC_PAGESIZE);
	uint64_t page = page_size > 0 ? (uint64_t)page_size : 4096;
	uint64_t done = 0, total;

	/* Both were allocated, so neither product can overflow. */
	if (c->shape.layout == KVP_LAYOUT_CONTIGUOUS)
		total = 2 * c->array_bytes;
	else
		total = c->blocks_used * c->shape.layers * c->page_bytes;
	if (progress)
		progress(ctx, "cache", 0, total);
	if (c->shape.layout == KVP_LAYOUT_CONTIGUOUS) {
		touch(c->key_cache, c->array_bytes, page, &done, total, progress, ctx);
		touch(c->value_cache, c->array_bytes, page, &done, total, progress,
		      ctx);
	} else {
		for (uint64_t p = 0; p < 2 * c->blocks_used * c->shape.layers; p++)
			touch(c->pages[p], c->page_bytes / 2, page, &done, total,
			      progress, ctx);
	}
	if (progress)
		progress(ctx, "cache", total, total);
}
