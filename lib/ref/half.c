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
	 * scales it back.  Infinity and NaN only need the exponent widened;
	 * a NaN also comes out quiet, as IEEE conversion and F16C make it. */
	uint32_t magnitude = (uint32_t)(bits & 0x7fffu) << 13;
	uint32_t sign = (uint32_t)(bits & 0x8000u) << 16;

	if ((bits & 0x7c00u) == 0x7c00u)
		return bits_float(sign | 0x7f800000u | magnitude |
		                  (bits & 0x3ffu ? 0x400000u : 0));
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

/* Eight values at a time in vector registers (GCC's and Clang's vector
 * extension), the same arithmetic as the scalar functions: decoding is on
 * the attention kernel's path for every 16-bit value of the cache.  Eight
 * 16-bit values fill one SSE register, so widening them takes two unpacks;
 * four would take a half-register load that compilers widen poorly. */
typedef uint16_t oct_half __attribute__((vector_size(16)));
typedef uint32_t oct_bits __attribute__((vector_size(32)));
typedef float oct_float __attribute__((vector_size(32)));

/* Eight 16-bit values widened to 32-bit lanes in *out (a pointer, not a
 * return value: a 32-byte vector return would change the ABI without AVX). */
static void widen8(oct_bits *out, const uint16_t *src)
{
	oct_half h;

	memcpy(&h, src, sizeof h);
	*out = __builtin_convertvector(h, oct_bits);
}

static void fp16_decode8(float *dst, const uint16_t *src)
{
	oct_bits h, magnitude, sign, scaled, special, quiet, out;

	widen8(&h, src);
	magnitude = (h & 0x7fffu) << 13;
	sign = (h & 0x8000u) << 16;
	scaled = (oct_bits)((oct_float)magnitude * 0x1p112f);
	/* The masks by arithmetic, not lane comparisons (which SSE2 builds
	 * take one lane at a time): an exponent of all ones plus one carries
	 * into bit 15, and a mantissa not 0 plus 0x3ff carries into bit 10. */
	special = 0u - (((h & 0x7c00u) + 0x0400u) >> 15);
	quiet = (((h & 0x3ffu) + 0x3ffu) >> 10) << 22;
	out = (scaled & ~special) |
	      ((magnitude | 0x7f800000u | quiet) & special) | sign;
	memcpy(dst, &out, sizeof out);
}

static void bf16_decode8(float *dst, const uint16_t *src)
{
	oct_bits out;

	widen8(&out, src);
	out <<= 16;
	memcpy(dst, &out, sizeof out);
}

static void fp16_decode(float *dst, const uint16_t *src, uint64_t n)
{
	uint64_t i = 0;

	for (; i + 8 <= n; i += 8)
		fp16_decode8(dst + i, src + i);
	for (; i < n; i++)
		dst[i] = kvp__fp16_to_float(src[i]);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>

/* The hardware conversion (F16C, 2012 on): eight values per instruction
 * instead of a dozen.  Widening binary16 to binary32 is exact, so it gives
 * the same bits as fp16_decode, NaNs included: both keep the payload and
 * set the quiet bit. */
__attribute__((target("avx,f16c")))
static void fp16_decode_f16c(float *dst, const uint16_t *src, uint64_t n)
{
	uint64_t i = 0;

	for (; i + 8 <= n; i += 8)
		_mm256_storeu_ps(dst + i, _mm256_cvtph_ps(_mm_loadu_si128(
		                          (const __m128i *)(const void *)(src + i))));
	for (; i < n; i++)
		dst[i] = kvp__fp16_to_float(src[i]);
}

/* bfloat16 needs only a shift, but eight lanes of AVX2 at a time halve
 * the instructions and stores of the SSE2 loop. */
__attribute__((target("avx2")))
static void bf16_decode_avx2(float *dst, const uint16_t *src, uint64_t n)
{
	uint64_t i = 0;

	for (; i + 8 <= n; i += 8)
		_mm256_storeu_si256((__m256i *)(void *)(dst + i),
		                    _mm256_slli_epi32(_mm256_cvtepu16_epi32(
		                            _mm_loadu_si128((const __m128i *)(const void *)
		                                            (src + i))), 16));
	for (; i < n; i++)
		dst[i] = kvp__bf16_to_float(src[i]);
}

/* What the decoders may use, from cpuid itself rather than
 * __builtin_cpu_supports: clang 14 knows no "f16c" there.  F16C, like AVX2,
 * is VEX-encoded, so it also needs the OS to save the YMM registers
 * (OSXSAVE, and XCR0's SSE and AVX bits); AVX-512 (its foundation, AVX512F,
 * is all the kernels use) the opmask and ZMM registers too (XCR0's bits
 * 5 to 7). */
enum { CPU_KNOWN = 1, CPU_F16C = 2, CPU_AVX2 = 4, CPU_FMA = 8, CPU_AVX512 = 16 };

static unsigned cpu_detect(void)
{
	unsigned eax, ebx, ecx, edx, xcr0;
	unsigned features = CPU_KNOWN;

	if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) ||
	    (ecx & (bit_OSXSAVE | bit_AVX)) != (bit_OSXSAVE | bit_AVX))
		return features;
	__asm__("xgetbv" : "=a"(xcr0), "=d"(edx) : "c"(0)); /* XCR0's low half */
	if ((xcr0 & 6) != 6)
		return features;
	if (ecx & bit_F16C)
		features |= CPU_F16C;
	if (ecx & bit_FMA)
		features |= CPU_FMA;
	if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx))
		return features;
	if (ebx & bit_AVX2)
		features |= CPU_AVX2;
	if ((ebx & bit_AVX512F) && (xcr0 & 0xe0) == 0xe0 &&
	    (features & (CPU_AVX2 | CPU_FMA | CPU_F16C)) == (CPU_AVX2 | CPU_FMA | CPU_F16C))
		features |= CPU_AVX512;
	return features;
}

/* cpuid is slow (a VM exit under a hypervisor) and the decoders run for
 * every block of cache rows, so it is asked once.  Threads that race to
 * ask first all store the same answer. */
static unsigned cached_features;

static unsigned cpu_features(void)
{
	unsigned features = __atomic_load_n(&cached_features, __ATOMIC_RELAXED);

	if (!features) {
		features = cpu_detect();
		__atomic_store_n(&cached_features, features, __ATOMIC_RELAXED);
	}
	return features;
}

void kvp__simd_limit(int level)
{
	unsigned features = cpu_detect();

	if (level < KVP__SIMD_AVX512)
		features &= ~(unsigned)CPU_AVX512;
	if (level < KVP__SIMD_AVX2)
		features = CPU_KNOWN;
	__atomic_store_n(&cached_features, features, __ATOMIC_RELAXED);
}

int kvp__cpu_has_avx512(void)
{
	return (cpu_features() & CPU_AVX512) != 0;
}

int kvp__cpu_has_f16c(void)
{
	return (cpu_features() & CPU_F16C) != 0;
}

int kvp__cpu_has_avx2(void)
{
	return (cpu_features() & CPU_AVX2) != 0;
}

int kvp__cpu_has_fma(void)
{
	return (cpu_features() & CPU_FMA) != 0;
}
#else
int kvp__cpu_has_f16c(void)
{
	return 0;
}

int kvp__cpu_has_avx2(void)
{
	return 0;
}

int kvp__cpu_has_fma(void)
{
	return 0;
}

int kvp__cpu_has_avx512(void)
{
	return 0;
}

void kvp__simd_limit(int level)
{
	(void)level;
}
#endif

void kvp__simd_portable(int portable)
{
	kvp__simd_limit(portable ? KVP__SIMD_PORTABLE : KVP__SIMD_BEST);
}

void kvp__storage_decode(kvp_dtype dtype, float *dst, const void *src,
                         uint64_t n)
{
	const uint16_t *in = src;
	uint64_t i = 0;

	switch (dtype) {
	case KVP_DTYPE_FP16:
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
		if (kvp__cpu_has_f16c()) {
			fp16_decode_f16c(dst, in, n);
			break;
		}
#endif
		fp16_decode(dst, in, n);
		break;
	case KVP_DTYPE_BF16:
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
		if (kvp__cpu_has_avx2()) {
			bf16_decode_avx2(dst, in, n);
			break;
		}
#endif
		for (; i + 8 <= n; i += 8)
			bf16_decode8(dst + i, in + i);
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
