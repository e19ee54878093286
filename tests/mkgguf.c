/*
 * mkgguf.c — writes a GGUF file for a named model shape, for the CLI tests
 * (tests/cli/gguf.sh): the model's real metadata and tensor infos, its
 * 2-D weights of one ggml type and its norms f32.  The file is sparse:
 * the header is written and the file truncated to its full size, so no
 * tensor data is.  Usage: mkgguf OUT.gguf SHAPE TYPE.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ggufw.h"

/* The ggml types a shape can be written in: id (ggml/include/ggml.h, enum
 * ggml_type), values and bytes per block (ggml/src/ggml-common.h). */
typedef struct wtype {
	const char *name;
	uint32_t id, block, bytes;
} wtype;

static const wtype types[] = {
	{"f32", 0, 1, 4},      {"f16", 1, 1, 2},       {"q8_0", 8, 32, 34},
	{"q4_K", 12, 256, 144}, {"q6_K", 14, 256, 210}, {"bf16", 30, 1, 2},
};
static const wtype *const f32 = &types[0];

/* One line on stderr, "mkgguf: WHAT ARG", and exit status 2. */
static void die(const char *what, const char *arg)
{
	fprintf(stderr, "mkgguf: %s%s\n", what, arg);
	exit(2);
}

/* A key under the architecture's prefix. */
static void u32(ggufw *w, const char *arch, const char *suffix, uint64_t v)
{
	char key[128];

	snprintf(key, sizeof key, "%s.%s", arch, suffix);
	ggufw_kv_uint(w, key, GGUFW_U32, v);
}

static void f32_key(ggufw *w, const char *arch, const char *suffix, float v)
{
	char key[128];

	snprintf(key, sizeof key, "%s.%s", arch, suffix);
	ggufw_kv_f32(w, key, v);
}

/* A weight of ne1 rows of ne0 values in type t, or (ne1 0) a norm of ne0
 * values in f32. */
static void tensor(ggufw *w, const wtype *t, const char *name, uint64_t ne0,
                   uint64_t ne1)
{
	uint64_t dims[2] = {ne0, ne1};

	if (ne1 == 0)
		t = f32;
	if (ne0 % t->block != 0)
		die("rows of this shape are not whole blocks of ", t->name);
	ggufw_tensor(w, name, ne1 ? 2 : 1, dims, t->id,
	             ne0 / t->block * t->bytes * (ne1 ? ne1 : 1));
}

static void layer_tensor(ggufw *w, const wtype *t, unsigned layer,
                         const char *name, uint64_t ne0, uint64_t ne1)
{
	char full[64];

	snprintf(full, sizeof full, "blk.%u.%s", layer, name);
	tensor(w, t, full, ne0, ne1);
}

static void common(ggufw *w, const char *arch, const char *name,
                   size_t vocab)
{
	ggufw_kv_str(w, "general.architecture", arch);
	ggufw_kv_str(w, "general.name", name);
	ggufw_kv_uint(w, "general.quantization_version", GGUFW_U32, 2);
	ggufw_kv_arr_str(w, "tokenizer.ggml.tokens", vocab);
}

/* meta-llama/Llama-2-7b-hf config.json, and every tensor
 * convert_hf_to_gguf.py writes for it. */
static void llama2_7b(ggufw *w, const wtype *t)
{
	common(w, "llama", "Llama 2 7B", 32000);
	u32(w, "llama", "context_length", 4096);
	u32(w, "llama", "embedding_length", 4096);
	u32(w, "llama", "block_count", 32);
	u32(w, "llama", "feed_forward_length", 11008);
	u32(w, "llama", "rope.dimension_count", 128);
	u32(w, "llama", "attention.head_count", 32);
	u32(w, "llama", "attention.head_count_kv", 32);
	f32_key(w, "llama", "attention.layer_norm_rms_epsilon", 1e-5f);
	tensor(w, t, "token_embd.weight", 4096, 32000);
	for (unsigned i = 0; i < 32; i++) {
		layer_tensor(w, t, i, "attn_norm.weight", 4096, 0);
		layer_tensor(w, t, i, "attn_q.weight", 4096, 4096);
		layer_tensor(w, t, i, "attn_k.weight", 4096, 4096);
		layer_tensor(w, t, i, "attn_v.weight", 4096, 4096);
		layer_tensor(w, t, i, "attn_output.weight", 4096, 4096);
		layer_tensor(w, t, i, "ffn_norm.weight", 4096, 0);
		layer_tensor(w, t, i, "ffn_gate.weight", 4096, 11008);
		layer_tensor(w, t, i, "ffn_up.weight", 4096, 11008);
		layer_tensor(w, t, i, "ffn_down.weight", 11008, 4096);
	}
	tensor(w, t, "output_norm.weight", 4096, 0);
	tensor(w, t, "output.weight", 4096, 32000);
}

/* google/gemma-3-27b-it text_config: 62 layers, five sliding (window
 * 1024) then one full, which the gemma3 architecture implies. */
static void gemma3_27b(ggufw *w, const wtype *t)
{
	common(w, "gemma3", "Gemma 3 27B", 262208);
	u32(w, "gemma3", "context_length", 131072);
	u32(w, "gemma3", "embedding_length", 5376);
	u32(w, "gemma3", "block_count", 62);
	u32(w, "gemma3", "feed_forward_length", 21504);
	u32(w, "gemma3", "attention.head_count", 32);
	u32(w, "gemma3", "attention.head_count_kv", 16);
	u32(w, "gemma3", "attention.key_length", 128);
	u32(w, "gemma3", "attention.value_length", 128);
	u32(w, "gemma3", "attention.sliding_window", 1024);
	f32_key(w, "gemma3", "attention.layer_norm_rms_epsilon", 1e-6f);
	f32_key(w, "gemma3", "rope.freq_base", 1e6f);
	tensor(w, t, "token_embd.weight", 5376, 262208);
	layer_tensor(w, t, 0, "attn_norm.weight", 5376, 0);
	layer_tensor(w, t, 0, "attn_q.weight", 5376, 4096);
	layer_tensor(w, t, 0, "attn_k.weight", 5376, 2048);
	layer_tensor(w, t, 0, "attn_v.weight", 5376, 2048);
	layer_tensor(w, t, 0, "attn_output.weight", 4096, 5376);
	tensor(w, t, "output_norm.weight", 5376, 0);
}

/* deepseek-ai/DeepSeek-V3 config.json as the newer converter writes it:
 * the latent sizes 576 and 512 in key_length and value_length, one kv
 * head, and the per-head sizes in key_length_mla and value_length_mla. */
static void deepseek_v3(ggufw *w, const wtype *t)
{
	common(w, "deepseek2", "DeepSeek V3", 129280);
	u32(w, "deepseek2", "context_length", 163840);
	u32(w, "deepseek2", "embedding_length", 7168);
	u32(w, "deepseek2", "block_count", 61);
	u32(w, "deepseek2", "feed_forward_length", 18432);
	u32(w, "deepseek2", "leading_dense_block_count", 3);
	u32(w, "deepseek2", "expert_feed_forward_length", 2048);
	u32(w, "deepseek2", "expert_count", 256);
	u32(w, "deepseek2", "expert_shared_count", 1);
	u32(w, "deepseek2", "expert_used_count", 8);
	u32(w, "deepseek2", "attention.head_count", 128);
	u32(w, "deepseek2", "attention.head_count_kv", 1);
	u32(w, "deepseek2", "attention.key_length", 576);
	u32(w, "deepseek2", "attention.value_length", 512);
	u32(w, "deepseek2", "attention.key_length_mla", 192);
	u32(w, "deepseek2", "attention.value_length_mla", 128);
	u32(w, "deepseek2", "attention.q_lora_rank", 1536);
	u32(w, "deepseek2", "attention.kv_lora_rank", 512);
	u32(w, "deepseek2", "rope.dimension_count", 64);
	tensor(w, t, "token_embd.weight", 7168, 129280);
	layer_tensor(w, t, 0, "attn_norm.weight", 7168, 0);
	layer_tensor(w, t, 0, "attn_q_a.weight", 7168, 1536);
	layer_tensor(w, t, 0, "attn_kv_a_mqa.weight", 7168, 576);
	layer_tensor(w, t, 0, "attn_kv_a_norm.weight", 512, 0);
	tensor(w, t, "output_norm.weight", 7168, 0);
}

/* Qwen/Qwen3-Next-80B-A3B-Instruct config.json: every fourth layer full
 * attention, the others Gated DeltaNet (32 value heads of 128: inner
 * 4096; 16 key heads of 128). */
static void qwen3_next(ggufw *w, const wtype *t)
{
	common(w, "qwen3next", "Qwen3 Next 80B A3B", 151936);
	u32(w, "qwen3next", "context_length", 262144);
	u32(w, "qwen3next", "embedding_length", 2048);
	u32(w, "qwen3next", "block_count", 48);
	u32(w, "qwen3next", "feed_forward_length", 5120);
	u32(w, "qwen3next", "expert_feed_forward_length", 512);
	u32(w, "qwen3next", "expert_count", 512);
	u32(w, "qwen3next", "expert_used_count", 10);
	u32(w, "qwen3next", "attention.head_count", 16);
	u32(w, "qwen3next", "attention.head_count_kv", 2);
	u32(w, "qwen3next", "attention.key_length", 256);
	u32(w, "qwen3next", "attention.value_length", 256);
	u32(w, "qwen3next", "rope.dimension_count", 64);
	u32(w, "qwen3next", "full_attention_interval", 4);
	u32(w, "qwen3next", "ssm.conv_kernel", 4);
	u32(w, "qwen3next", "ssm.inner_size", 4096);
	u32(w, "qwen3next", "ssm.state_size", 128);
	u32(w, "qwen3next", "ssm.group_count", 16);
	u32(w, "qwen3next", "ssm.time_step_rank", 32);
	tensor(w, t, "token_embd.weight", 2048, 151936);
	layer_tensor(w, t, 0, "attn_norm.weight", 2048, 0);
	layer_tensor(w, t, 3, "attn_q.weight", 2048, 8192);
	layer_tensor(w, t, 3, "attn_k.weight", 2048, 512);
	tensor(w, t, "output_norm.weight", 2048, 0);
	tensor(w, t, "output.weight", 2048, 151936);
}

/* Qwen/Qwen3.5-0.8B's text_config (research: /work/research/qwen35/):
 * 24 layers, three Gated DeltaNet to one full attention, its MTP layer a
 * 25th block (nextn_predict_layers 1), tied embeddings; the tensors
 * convert_hf_to_gguf.py writes for a Gated DeltaNet layer (0), a full one
 * (3) and the NextN block (24), the rest left out. */
static void qwen35_08b(ggufw *w, const wtype *t)
{
	common(w, "qwen35", "Qwen3.5 0.8B", 248320);
	u32(w, "qwen35", "context_length", 262144);
	u32(w, "qwen35", "embedding_length", 1024);
	u32(w, "qwen35", "block_count", 25);
	u32(w, "qwen35", "nextn_predict_layers", 1);
	u32(w, "qwen35", "feed_forward_length", 3584);
	u32(w, "qwen35", "attention.head_count", 8);
	u32(w, "qwen35", "attention.head_count_kv", 2);
	u32(w, "qwen35", "attention.key_length", 256);
	u32(w, "qwen35", "attention.value_length", 256);
	u32(w, "qwen35", "rope.dimension_count", 64);
	u32(w, "qwen35", "full_attention_interval", 4);
	u32(w, "qwen35", "ssm.conv_kernel", 4);
	u32(w, "qwen35", "ssm.inner_size", 2048);
	u32(w, "qwen35", "ssm.state_size", 128);
	u32(w, "qwen35", "ssm.group_count", 16);
	u32(w, "qwen35", "ssm.time_step_rank", 16);
	tensor(w, t, "token_embd.weight", 1024, 248320);
	layer_tensor(w, t, 0, "attn_qkv.weight", 1024, 6144);
	layer_tensor(w, t, 0, "ssm_out.weight", 2048, 1024);
	layer_tensor(w, t, 3, "attn_q.weight", 1024, 4096);
	layer_tensor(w, t, 3, "ffn_down.weight", 3584, 1024);
	layer_tensor(w, t, 24, "nextn.eh_proj.weight", 2048, 1024);
	layer_tensor(w, t, 24, "attn_q.weight", 1024, 4096);
	layer_tensor(w, t, 24, "ffn_down.weight", 3584, 1024);
	layer_tensor(w, t, 24, "nextn.enorm.weight", 1024, 0);
	tensor(w, t, "output_norm.weight", 1024, 0);
}

/* zai-org/GLM-4.5 (data/models/glm-4.5.yaml: 92 layers, hidden 5120, 96
 * heads, 8 kv heads of 128, vocab 151552) as llama.cpp's converter writes
 * it, its MTP layer a 93rd block (nextn_predict_layers 1); a few of its
 * tensors: the embedding, one layer's attention, the NextN block's
 * eh_proj and norm. */
static void glm45(ggufw *w, const wtype *t)
{
	common(w, "glm4moe", "GLM 4.5", 151552);
	u32(w, "glm4moe", "context_length", 131072);
	u32(w, "glm4moe", "embedding_length", 5120);
	u32(w, "glm4moe", "block_count", 93);
	u32(w, "glm4moe", "nextn_predict_layers", 1);
	u32(w, "glm4moe", "attention.head_count", 96);
	u32(w, "glm4moe", "attention.head_count_kv", 8);
	u32(w, "glm4moe", "attention.key_length", 128);
	u32(w, "glm4moe", "attention.value_length", 128);
	tensor(w, t, "token_embd.weight", 5120, 151552);
	layer_tensor(w, t, 0, "attn_q.weight", 5120, 12288);
	layer_tensor(w, t, 92, "nextn.eh_proj.weight", 10240, 5120);
	layer_tensor(w, t, 92, "nextn.enorm.weight", 5120, 0);
	tensor(w, t, "output.weight", 5120, 151552);
}

static const struct shape {
	const char *name;
	void (*write)(ggufw *w, const wtype *t);
} shapes[] = {
	{"llama2-7b", llama2_7b},
	{"gemma3-27b", gemma3_27b},
	{"deepseek-v3", deepseek_v3},
	{"qwen3-next-80b-a3b", qwen3_next},
	{"qwen3.5-0.8b", qwen35_08b},
	{"glm-4.5", glm45},
};

int main(int argc, char **argv)
{
	const struct shape *shape = NULL;
	const wtype *type = NULL;
	ggufw w;
	size_t data_at;
	int fd;

	if (argc != 4)
		die("usage: mkgguf OUT.gguf SHAPE TYPE", "");
	for (size_t i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
		if (strcmp(shapes[i].name, argv[2]) == 0)
			shape = &shapes[i];
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
		if (strcmp(types[i].name, argv[3]) == 0)
			type = &types[i];
	if (!shape)
		die("no shape: ", argv[2]);
	if (!type)
		die("no type: ", argv[3]);
	ggufw_init(&w, 3);
	shape->write(&w, type);
	data_at = ggufw_finish(&w, 0);
	fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, w.buf, w.len) != (ssize_t)w.len ||
	    ftruncate(fd, (off_t)(data_at + w.data_bytes)) != 0 ||
	    close(fd) != 0) {
		fprintf(stderr, "mkgguf: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	ggufw_free(&w);
	return 0;
}
