/*
 * half.c — the 16-bit storage types of the reference cache: IEEE binary16
 * and bfloat16, encoded with round-to-nearest-even and decoded exactly, so
 * a cache of either type holds exactly the bytes the size model counts.
 */
#include <string.h>

#include "ref/ref.h"

static uint32_t float_bits(float value)
{
	uint32_t bits;

	memcpy(&bits, &value, sizeof bits);
	return bits;
}

static float bits_float(uint32_t bits)
{
	float value;

	memcpy(&value, &bits, sizeof value);
	return value;
}

uint16_t kvp__fp16_from_float(float value)
{
	uint32_t bits = float_bits(value);
	uint32_t sign = (bits >> 16) & 0x8000u;
	uint32_t magnitude = bits & 0x7fffffffu;
	uint32_t half, rest, exponent, mantissa, shift;

	if (magnitude > 0x7f800000u) /* NaN: keep the top payload bits, quiet */
		return (uint16_t)(sign | 0x7e00u | (magnitude >> 13 & 0x3ffu));
	/* 65520 is halfway between the largest half, 65504, and 2^16: from
	 * there on, round to nearest even gives infinity. */
	if (magnitude >= 0x477ff000u)
		return (uint16_t)(sign | 0x7c00u);
	if (magnitude >= 0x38800000u) { /* a normal half: >= 2^-14 */
		half = (magnitude - 0x38000000u) >> 13; /* rebias 127 -> 15 */
		rest = magnitude & 0x1fffu;
		if (rest > 0x1000u || (rest == 0x1000u && (half & 1)))
			half++; /* a carry into the exponent is still right */
		return (uint16_t)(sign | half);
	}
	if (magnitude < 0x33000000u) /* below 2^-25: rounds to zero */
		return (uint16_t)sign;
	/* A subnormal half counts units of 2^-24; the float is m * 2^(e-150)
	 * with the implicit bit in m, so it is m >> (126 - e) units. */
	exponent = magnitude >> 23;
	mantissa = (magnitude & 0x7fffffu) | 0x800000u;
	shift = 126 - exponent;
	half = mantissa >> shift;
	rest = mantissa & ((1u << shift) - 1);
	if (rest > 1u << (shift - 1) || (rest == 1u << (shift - 1) && (half & 1)))
		half++;
	return (uint16_t)(sign | half);
}

float kvp__fp16_to_float(uint16_t bits)
{
	/* The half's exponent and mantissa placed in a float's fields read as
	 * the value times 2^-112, subnormals included; one exact multiply
	 * scales it back.  Infinity and NaN only need the exponent widened. */
	uint32_t magnitude = (uint32_t)(bits & 0x7fffu) << 13;
	uint32_t sign = (uint32_t)(bits & 0x8000u) << 16;

	if ((bits & 0x7c00u) == 0x7c00u)
		return bits_float(sign | 0x7f800000u | magnitude);
	return bits_float(float_bits(bits_float(magnitude) * 0x1p112f) | sign);
}

uint16_t kvp__bf16_from_float(float value)
{
	uint32_t bits = float_bits(value);

	if ((bits & 0x7fffffffu) > 0x7f800000u)
		return (uint16_t)(bits >> 16 | 0x40u);
	/* Adding 0x7fff plus the kept lowest bit rounds ties to even; a carry
	 * out of the mantissa bumps the exponent, up to infinity. */
	return (uint16_t)((bits + 0x7fffu + (bits >> 16 & 1)) >> 16);
}

float kvp__bf16_to_float(uint16_t bits)
{
	return bits_float((uint32_t)bits << 16);
}

int kvp__storage_supported(kvp_dtype dtype)
{
	return dtype == KVP_DTYPE_FP32 || dtype == KVP_DTYPE_FP16 ||
	       dtype == KVP_DTYPE_BF16;
}

void kvp__storage_encode(kvp_dtype dtype, void *dst, const float *src,
                         uint64_t n)
{
	uint16_t *out = dst;

	switch (dtype) {
	case KVP_DTYPE_FP16:
		for (uint64_t i = 0; i < n; i++)
			out[i] = kvp__fp16_from_float(src[i]);
		break;
	case KVP_DTYPE_BF16:
		for (uint64_t i = 0; i < n; i++)
			out[i] = kvp__bf16_from_float(src[i]);
		break;
	default:
		memcpy(dst, src, n * sizeof *src);
		break;
	}
}

/* Four values at a time in vector registers (GCC's and Clang's vector
 * extension), the same arithmetic as the scalar functions: decoding is on
 * the attention kernel's path for every 16-bit value of the cache. */
typedef uint16_t quad_half __attribute__((vector_size(8)));
typedef uint32_t quad_bits __attribute__((vector_size(16)));
typedef int32_t quad_mask __attribute__((vector_size(16)));
typedef float quad_float __attribute__((vector_size(16)));

/* Four 16-bit values widened to 32-bit lanes. */
static quad_bits widen4(const uint16_t *src)
{
	quad_half h;

	memcpy(&h, src, sizeof h);
	return __builtin_convertvector(h, quad_bits);
}

static void fp16_decode4(float *dst, const uint16_t *src)
{
	quad_bits h = widen4(src);
	quad_bits magnitude = (h & 0x7fffu) << 13;
	quad_bits sign = (h & 0x8000u) << 16;
	quad_bits scaled = (quad_bits)((quad_float)magnitude * 0x1p112f);
	quad_bits special = (quad_bits)((quad_mask)(h & 0x7c00u) == 0x7c00);
	quad_bits out = (scaled & ~special) |
	                ((magnitude | 0x7f800000u) & special) | sign;

	memcpy(dst, &out, sizeof out);
}

static void bf16_decode4(float *dst, const uint16_t *src)
{
	quad_bits out = widen4(src) << 16;

	memcpy(dst, &out, sizeof out);
}

void kvp__storage_decode(kvp_dtype dtype, float *dst, const void *src,
                         uint64_t n)
{
	const uint16_t *in = src;
	uint64_t i = 0;

	switch (dtype) {
	case KVP_DTYPE_FP16:
		for (; i + 4 <= n; i += 4)
			fp16_decode4(dst + i, in + i);
		for (; i < n; i++)
			dst[i] = kvp__fp16_to_float(in[i]);
		break;
	case KVP_DTYPE_BF16:
		for (; i + 4 <= n; i += 4)
			bf16_decode4(dst + i, in + i);
		for (; i < n; i++)
			dst[i] = kvp__bf16_to_float(in[i]);
		break;
	default:
		memcpy(dst, src, n * sizeof *dst);
		break;
	}
}

float kvp__storage_round(kvp_dtype dtype, float value)
{
	switch (dtype) {
	case KVP_DTYPE_FP16:
		return kvp__fp16_to_float(kvp__fp16_from_float(value));
	case KVP_DTYPE_BF16:
		return kvp__bf16_to_float(kvp__bf16_from_float(value));
	default:
		return value;
	}
}
