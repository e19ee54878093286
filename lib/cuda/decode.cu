/*
 * decode.cu — decode attention on a CUDA GPU: one query token of each of
 * `heads` query heads against a contiguous fp16 cache of `tokens` rows,
 * each row kv_heads x D values (the reference's contiguous layout,
 * token-major), query head h reading kv head h / (heads / kv_heads): GQA by
 * index, no K or V repeated.
 *
 * Split over the tokens as flash-decoding does, so that a short context
 * still spreads over every multiprocessor: kvp_decode_d<D>_g<G> gives each
 * block one kv head, G of its query heads and `chunk` tokens, and writes
 * that chunk's softmax state (its maximum score, the sum of exp(score -
 * max), and the V rows weighted by those exps); kvp_decode_combine merges
 * the chunks.  Scores, exps and sums are fp32; K, V and the query are
 * fp16.  Each lane reads 16 bytes (8 values) of a row, so a row of D values
 * takes D / 8 lanes and a warp reads 32 / (D / 8) rows at once; U rows a
 * lane are loaded before any is used, so that loads stay in flight.
 *
 * Built by nvcc into a fatbin that libkvplan embeds (lib/cuda/kernels.c)
 * and loads through the driver's API (lib/cuda/decode.c): no host code is
 * compiled by nvcc.  The parameter block is kvp__cuda_decode_params in
 * lib/cuda/cuda.h, which this file mirrors member for member.
 */
#include <cuda_fp16.h>
#include <stdint.h>

#define WARPS 4
#define THREADS (WARPS * 32)
#define UNROLL 4

struct decode_params {
	const __half *k;
	const __half *v;
	const __half *q;         /* [seqs][heads][D] */
	float *part_o;           /* [seqs][heads][splits][D] */
	float *part_ml;          /* [seqs][heads][splits][2]: max, sum */
	float *out;              /* [seqs][heads][D] */
	uint64_t seq_stride;     /* values from one sequence's cache to the next */
	uint32_t tokens;
	uint32_t kv_heads;
	uint32_t heads;
	uint32_t chunk;
	uint32_t splits;
	float scale_log2;        /* log2(e) / sqrt(D) */
};

/* The 8 values of a 16-byte load, as floats. */
__device__ __forceinline__ void unpack8(uint4 raw, float *f)
{
	const __half2 *h = reinterpret_cast<const __half2 *>(&raw);

#pragma unroll
	for (int i = 0; i < 4; i++) {
		float2 two = __half22float2(h[i]);

		f[2 * i] = two.x;
		f[2 * i + 1] = two.y;
	}
}

/* The G dot products of a row, each split over the LPR lanes of the row,
 * summed: halving first (lanes whose bit at the offset is 0 keep the lower
 * half of the values, the others the upper, each sending the half it
 * gives up), so G values cost G - 1 shuffles and then one a remaining
 * offset, not G a offset.  Every lane ends with the sum of query head
 * li / (LPR / G) of the block's G. */
template <int G, int LPR, int OFF>
__device__ __forceinline__ void halve(float *v, int li)
{
	if constexpr (G > 1) {
		constexpr int H = G / 2;
		const bool upper = li & OFF;

#pragma unroll
		for (int i = 0; i < H; i++) {
			float give = upper ? v[i] : v[i + H];
			float keep = upper ? v[i + H] : v[i];

			v[i] = keep + __shfl_xor_sync(0xffffffffu, give, OFF);
		}
		halve<H, LPR, OFF / 2>(v, li);
	} else {
#pragma unroll
		for (int off = OFF; off > 0; off >>= 1)
			v[0] += __shfl_xor_sync(0xffffffffu, v[0], off);
	}
}

/* Rows r + u * STEP + sub of the chunk at base, UNROLL of them, all
 * loaded before any is used; zeros past its n rows. */
template <int STEP>
__device__ __forceinline__ void load_rows(uint4 *out, const __half *base, uint64_t row,
                                          uint32_t r, uint32_t n, int sub)
{
#pragma unroll
	for (int u = 0; u < UNROLL; u++) {
		uint32_t t = r + u * STEP + sub;

		out[u] = t < n ? __ldg(reinterpret_cast<const uint4 *>(base + t * row))
		               : make_uint4(0, 0, 0, 0);
	}
}

template <int D, int G>
__device__ __forceinline__ void partial(const decode_params &p)
{
	constexpr int LPR = D / 8;  /* lanes a row */
	constexpr int RPW = 32 / LPR; /* rows a warp reads at once */
	constexpr int STEP = WARPS * RPW;
	extern __shared__ float smem[]; /* scores [G][chunk], then [WARPS][G][D] */
	__shared__ float red[WARPS][G];
	__shared__ float stat[2][G];

	const uint32_t group = p.heads / p.kv_heads;
	const uint32_t blocks_a_kv = group / G;
	const uint32_t kvh = blockIdx.y / blocks_a_kv;
	const uint32_t h0 = kvh * group + (blockIdx.y % blocks_a_kv) * G;
	const uint32_t split = blockIdx.x, seq = blockIdx.z;
	const uint32_t t0 = split * p.chunk;
	const uint32_t n = min(p.chunk, p.tokens - t0);
	const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
	const int sub = lane / LPR, li = lane % LPR;
	const uint64_t row = (uint64_t)p.kv_heads * D;
	const __half *kb = p.k + seq * p.seq_stride + (uint64_t)t0 * row + kvh * D + li * 8;
	const __half *vb = p.v + seq * p.seq_stride + (uint64_t)t0 * row + kvh * D + li * 8;
	float *score = smem;
	float *acc_s = smem + G * p.chunk;
	float q[G][8];

#pragma unroll
	for (int g = 0; g < G; g++)
		unpack8(*reinterpret_cast<const uint4 *>(p.q + ((uint64_t)seq * p.heads + h0 + g) * D + li * 8), q[g]);

	/* Pass 1: every score of the chunk, scaled to base 2. */
	for (uint32_t r = warp * RPW; r < n; r += STEP * UNROLL) {
		uint4 kr[UNROLL];

		load_rows<STEP>(kr, kb, row, r, n, sub);
#pragma unroll
		for (int u = 0; u < UNROLL; u++) {
			uint32_t t = r + u * STEP + sub;
			float kf[8], dot[G];

			unpack8(kr[u], kf);
#pragma unroll
			for (int g = 0; g < G; g++) {
				dot[g] = 0.f;
#pragma unroll
				for (int e = 0; e < 8; e++)
					dot[g] = fmaf(q[g][e], kf[e], dot[g]);
			}
			halve<G, LPR, LPR / 2>(dot, li);
			if (li % (LPR / G) == 0 && t < n)
				score[(li / (LPR / G)) * p.chunk + t] = dot[0] * p.scale_log2;
		}
	}
	__syncthreads();

	/* The chunk's maximum, then exp2(score - max) in place and its sum. */
#pragma unroll
	for (int g = 0; g < G; g++) {
		float m = -INFINITY;

		for (uint32_t t = threadIdx.x; t < n; t += THREADS)
			m = fmaxf(m, score[g * p.chunk + t]);
#pragma unroll
		for (int off = 16; off > 0; off >>= 1)
			m = fmaxf(m, __shfl_xor_sync(0xffffffffu, m, off));
		if (lane == 0)
			red[warp][g] = m;
	}
	__syncthreads();
	if (threadIdx.x < G) {
		float m = red[0][threadIdx.x];

		for (int w = 1; w < WARPS; w++)
			m = fmaxf(m, red[w][threadIdx.x]);
		stat[0][threadIdx.x] = m;
	}
	__syncthreads();
#pragma unroll
	for (int g = 0; g < G; g++) {
		float m = stat[0][g], l = 0.f;

		for (uint32_t t = threadIdx.x; t < n; t += THREADS) {
			float e = exp2f(score[g * p.chunk + t] - m);

			score[g * p.chunk + t] = e;
			l += e;
		}
#pragma unroll
		for (int off = 16; off > 0; off >>= 1)
			l += __shfl_xor_sync(0xffffffffu, l, off);
		if (lane == 0)
			red[warp][g] = l;
	}
	__syncthreads();
	if (threadIdx.x < G) {
		float l = 0.f;

		for (int w = 0; w < WARPS; w++)
			l += red[w][threadIdx.x];
		stat[1][threadIdx.x] = l;
	}

	/* Pass 2: the V rows weighted by their exps. */
	float acc[G][8];

#pragma unroll
	for (int g = 0; g < G; g++)
#pragma unroll
		for (int e = 0; e < 8; e++)
			acc[g][e] = 0.f;
	for (uint32_t r = warp * RPW; r < n; r += STEP * UNROLL) {
		uint4 vr[UNROLL];

		load_rows<STEP>(vr, vb, row, r, n, sub);
#pragma unroll
		for (int u = 0; u < UNROLL; u++) {
			uint32_t t = r + u * STEP + sub;
			float vf[8];

			if (t >= n)
				continue;
			unpack8(vr[u], vf);
#pragma unroll
			for (int g = 0; g < G; g++) {
				float w = score[g * p.chunk + t];

#pragma unroll
				for (int e = 0; e < 8; e++)
					acc[g][e] = fmaf(w, vf[e], acc[g][e]);
			}
		}
	}
	/* The warp's rows summed, then the warps'. */
#pragma unroll
	for (int g = 0; g < G; g++)
#pragma unroll
		for (int e = 0; e < 8; e++)
#pragma unroll
			for (int off = LPR; off < 32; off <<= 1)
				acc[g][e] += __shfl_xor_sync(0xffffffffu, acc[g][e], off);
	if (sub == 0)
#pragma unroll
		for (int g = 0; g < G; g++)
#pragma unroll
			for (int e = 0; e < 8; e++)
				acc_s[(warp * G + g) * D + li * 8 + e] = acc[g][e];
	__syncthreads();
	for (int i = threadIdx.x; i < G * D; i += THREADS) {
		int g = i / D, d = i % D;
		float sum = 0.f;
		uint64_t at = ((uint64_t)seq * p.heads + h0 + g) * p.splits + split;

		for (int w = 0; w < WARPS; w++)
			sum += acc_s[(w * G + g) * D + d];
		p.part_o[at * D + d] = sum;
		if (d == 0) {
			p.part_ml[2 * at] = stat[0][g];
			p.part_ml[2 * at + 1] = stat[1][g];
		}
	}
}

#define DECODE(D, G)                                                       \
	extern "C" __global__ void __launch_bounds__(THREADS)                \
	kvp_decode_d##D##_g##G(decode_params p) { partial<D, G>(p); }

DECODE(64, 1) DECODE(64, 2) DECODE(64, 4) DECODE(64, 8)
DECODE(128, 1) DECODE(128, 2) DECODE(128, 4) DECODE(128, 8)
DECODE(256, 1) DECODE(256, 2) DECODE(256, 4) DECODE(256, 8)

/* One block a (query head, sequence), one thread a value: the chunks'
 * states merged by the largest maximum. */
extern "C" __global__ void kvp_decode_combine(decode_params p)
{
	const uint32_t h = blockIdx.x, seq = blockIdx.y, d = threadIdx.x;
	const uint32_t D = blockDim.x;
	const uint64_t base = ((uint64_t)seq * p.heads + h) * p.splits;
	float m = -INFINITY, num = 0.f, den = 0.f;

	for (uint32_t s = 0; s < p.splits; s++)
		m = fmaxf(m, p.part_ml[2 * (base + s)]);
	for (uint32_t s = 0; s < p.splits; s++) {
		float w = exp2f(p.part_ml[2 * (base + s)] - m);

		num = fmaf(w, p.part_o[(base + s) * D + d], num);
		den = fmaf(w, p.part_ml[2 * (base + s) + 1], den);
	}
	p.out[((uint64_t)seq * p.heads + h) * D + d] = num / den;
}

/* The yardstick: every 16 bytes of x read once, folded into one word a
 * block so that no read can be dropped.  n16 counts 16-byte words. */
extern "C" __global__ void kvp_read_all(const uint4 *x, uint64_t n16, unsigned *sink)
{
	unsigned fold = 0;

	for (uint64_t i = blockIdx.x * (uint64_t)blockDim.x + threadIdx.x; i < n16;
	     i += (uint64_t)gridDim.x * blockDim.x) {
		uint4 w = __ldg(x + i);

		fold ^= w.x ^ w.y ^ w.z ^ w.w;
	}
#pragma unroll
	for (int off = 16; off > 0; off >>= 1)
		fold ^= __shfl_xor_sync(0xffffffffu, fold, off);
	if (threadIdx.x % 32 == 0)
		atomicXor(sink + blockIdx.x, fold);
}
