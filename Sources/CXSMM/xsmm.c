#include "nimp_xsmm.h"
#include <libxsmm.h>
#include <libxsmm_cpuid.h>
#include <libxsmm_version.h>
#include <stdlib.h>

// Row-major C = op(A) op(B) is column-major Cᵀ = op(B)ᵀ op(A)ᵀ: libxsmm (column-major)
// gets B as its first operand and A as its second, with the transposes swapped.
const void *nimp_xsmm_dispatch(int m, int n, int k, int trans_a, int trans_b, int beta_one) {
    libxsmm_init();
    const libxsmm_blasint lda = trans_b ? k : n, ldb = trans_a ? m : k, ldc = n;
    const float alpha = 1, beta = beta_one ? 1 : 0;
    const int flags = (trans_b ? LIBXSMM_GEMM_FLAG_TRANS_A : 0) | (trans_a ? LIBXSMM_GEMM_FLAG_TRANS_B : 0)
                    | (beta_one ? 0 : LIBXSMM_GEMM_FLAG_BETA_0);
    const int prefetch = LIBXSMM_PREFETCH_NONE;
    libxsmm_smmfunction kernel = libxsmm_smmdispatch(n, m, k, &lda, &ldb, &ldc, &alpha, &beta, &flags, &prefetch);
    return (const void *)kernel;
}

void nimp_xsmm_run(const void *kernel, const float *a, const float *b, float *c) {
    ((libxsmm_smmfunction)kernel)(b, a, c);
}

const char *nimp_xsmm_version(void) { return LIBXSMM_CONFIG_VERSION; }

// Without libxsmm_init, which costs about 10 MiB: every nimp process asks for this to
// find its kernel cache, few use libxsmm. Init takes the same CPUID or LIBXSMM_TARGET.
const char *nimp_xsmm_target(void) {
    const char *forced = getenv("LIBXSMM_TARGET");
    return forced && *forced ? forced : libxsmm_cpuid_name(libxsmm_cpuid());
}
