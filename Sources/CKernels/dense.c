#include "nimp_kernels.h"

// Sixteen floats; unaligned loads and stores (the weights are padded, not aligned).
typedef float v16 __attribute__((vector_size(64), aligned(4)));

// Each instruction-set build below inlines this body; `a += x * w` contracts to FMA
// where the build has it.
static inline __attribute__((always_inline)) void dense_sample(const float *restrict x, long in,
                                                                const float *restrict wt, const float *restrict b,
                                                                long out, float *restrict z) {
    long j = 0;
    // Wide layers: 64 outputs at a time, four independent running sums.
    for (; j + 64 <= out; j += 64) {
        v16 a0 = *(const v16 *)(b + j), a1 = *(const v16 *)(b + j + 16);
        v16 a2 = *(const v16 *)(b + j + 32), a3 = *(const v16 *)(b + j + 48);
        const float *w = wt + j;
        for (long i = 0; i < in; i++, w += out) {
            float xi = x[i];
            a0 += xi * *(const v16 *)w;
            a1 += xi * *(const v16 *)(w + 16);
            a2 += xi * *(const v16 *)(w + 32);
            a3 += xi * *(const v16 *)(w + 48);
        }
        *(v16 *)(z + j) = a0;
        *(v16 *)(z + j + 16) = a1;
        *(v16 *)(z + j + 32) = a2;
        *(v16 *)(z + j + 48) = a3;
    }
    // Narrow ones (an output layer): the inputs split over four running sums instead.
    for (; j < out; j += 16) {
        v16 a0 = *(const v16 *)(b + j), a1 = {0}, a2 = {0}, a3 = {0};
        const float *w = wt + j;
        long i = 0;
        for (; i + 4 <= in; i += 4, w += 4 * out) {
            a0 += x[i] * *(const v16 *)w;
            a1 += x[i + 1] * *(const v16 *)(w + out);
            a2 += x[i + 2] * *(const v16 *)(w + 2 * out);
            a3 += x[i + 3] * *(const v16 *)(w + 3 * out);
        }
        for (; i < in; i++, w += out) a0 += x[i] * *(const v16 *)w;
        *(v16 *)(z + j) = (a0 + a1) + (a2 + a3);
    }
}

#if defined(__x86_64__)
__attribute__((target("avx512f")))
void nimp_dense_sample_avx512(const float *x, long in, const float *wt, const float *b, long out, float *z) {
    dense_sample(x, in, wt, b, out, z);
}

__attribute__((target("avx2,fma")))
void nimp_dense_sample_avx2(const float *x, long in, const float *wt, const float *b, long out, float *z) {
    dense_sample(x, in, wt, b, out, z);
}
#else
void nimp_dense_sample_avx512(const float *x, long in, const float *wt, const float *b, long out, float *z) {
    dense_sample(x, in, wt, b, out, z);
}

void nimp_dense_sample_avx2(const float *x, long in, const float *wt, const float *b, long out, float *z) {
    dense_sample(x, in, wt, b, out, z);
}
#endif

void nimp_dense_sample_baseline(const float *x, long in, const float *wt, const float *b, long out, float *z) {
    dense_sample(x, in, wt, b, out, z);
}
