/*
 * hf_shape.h — what a config.json's family adds to the plain Llama layer
 * (hf_shape.c), which hf_count.c counts the parameters by.  Never
 * installed.
 */
#ifndef KVPLAN_HF_SHAPE_H
#define KVPLAN_HF_SHAPE_H

#include "hfconfig.h"

struct shape {
	unsigned norm;       /* a norm's params per element: 1 RMSNorm, 2 LayerNorm */
	unsigned norms;      /* norms of hidden a layer */
	bool qk_norm;        /* q_norm and k_norm of head_dim */
	bool q_bias, kv_bias, o_bias, head_bias;
	bool sinks;
	bool gated;          /* gate_proj beside up and down */
	bool mlp_bias;
	bool expert_bias;    /* gpt-oss: each expert's and the router's biases */
	bool score_bias;     /* the router's e_score_correction_bias */
	bool shared_gate;    /* Qwen's shared_expert_gate */
	bool delta;          /* Gated DeltaNet recurrent layers (Qwen's: its MTP
	                      * layers Qwen's mtp.*, not DeepSeek's) */
	bool mtp_copies;     /* DeepSeek's with their embedding and head */
	bool embed_norm;     /* a LayerNorm after the embedding (BLOOM) */
	bool head_norm;      /* Cohere's q_norm and k_norm, a weight a head and value */
	bool no_final_norm;  /* no final norm (OPT without do_layer_norm_before) */
	bool cross;          /* Mllama: a layer of kind none is a cross-attention one */
	uint64_t cla;        /* Hunyuan's cross-layer attention: a layer i with i %
	                      * cla not 0 has no k and v (it takes the layer's before) */
	uint64_t extra_rows; /* embedding rows past the vocabulary (Mllama's 8) */
	uint64_t inter;      /* a dense MLP's inner size */
	uint64_t positions;  /* learned absolute positions */
	uint64_t embed_width; /* the embedding's width where not hidden (OPT) */
	uint64_t key_heads, key_dim, value_heads, value_dim; /* Gated DeltaNet */
	uint64_t dt_rank;    /* a Mamba-1 mixer's (Jamba's): 0 for Mamba-2's */
	bool conv_bias, proj_bias; /* its conv1d's and in_proj's, out_proj's biases */
	bool dt_norms;       /* Jamba's dt, B and C RMSNorms (Falcon Mamba's carry
	                      * no weight) */
	bool mamba2;         /* a whole Mamba-2 mixer (Mamba2Mixer) */
	bool no_gated_norm;  /* ... without its gated RMSNorm (Falcon-H1's
	                      * mamba_rms_norm false) */
	bool out_bias_apart; /* its out_proj's bias is out_bias, not
	                      * proj_bias (Falcon-H1's projectors_bias) */
	bool out_bias;
	bool short_conv;     /* LFM2's conv layers: in_proj hidden x 3 hidden,
	                      * a depthwise conv of conv_L_cache taps, out_proj
	                      * (their biases with conv_bias) */
	bool no_mlp;         /* a layer of a mixer alone (Mamba) */
	bool kda;            /* Kimi Delta Attention (Kimi-Linear's KDA layers):
	                      * q, k and v projections with their short
	                      * convolutions, the low-rank decay and output
	                      * gates, beta, A_log and dt_bias, o_norm, o_proj */
};

/* The family's shape over s, from its keys: 0, or -1 reported. */
int kvp__hf_shape(struct hf *h, struct shape *s);

#endif
