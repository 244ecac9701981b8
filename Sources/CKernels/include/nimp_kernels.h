// Small kernels nimp compiles once per instruction set and chooses between at run time,
// which Swift cannot do: it compiles each function for one target (baseline x86-64).
#ifndef NIMP_KERNELS_H
#define NIMP_KERNELS_H

/// One sample through one dense layer, before its activation: z = b + x · Wᵀ, with Wᵀ
/// stored [in, out] and `out` a multiple of 16 (b and z hold `out` values). Builds of the
/// same code for AVX-512, for AVX2 with FMA, and for any x86-64 (SSE2).
void nimp_dense_sample_avx512(const float *x, long in, const float *wt, const float *b, long out, float *z);
void nimp_dense_sample_avx2(const float *x, long in, const float *wt, const float *b, long out, float *z);
void nimp_dense_sample_baseline(const float *x, long in, const float *wt, const float *b, long out, float *z);

#endif
