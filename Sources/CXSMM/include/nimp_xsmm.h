// libxsmm's JIT-compiled small GEMM kernels behind four plain functions. Debian ships
// libxsmm as a static library (libxsmm-dev), so it is linked into nimp. Its kernels are
// called through a variadic function pointer, which Swift cannot call: hence this C file.
#ifndef NIMP_XSMM_H
#define NIMP_XSMM_H

/// A kernel for the row-major product C [m, n] = op(A) · op(B) + beta · C with alpha 1,
/// beta 0 or 1, and tight leading dimensions (A: k or m, B: n or k, C: n); NULL where
/// libxsmm cannot generate one (it has no kernel for a transposed B).
const void *nimp_xsmm_dispatch(int m, int n, int k, int trans_a, int trans_b, int beta_one);

/// Runs a kernel from `nimp_xsmm_dispatch` on row-major A, B and C.
void nimp_xsmm_run(const void *kernel, const float *a, const float *b, float *c);

/// "1.17", the version nimp was built with.
const char *nimp_xsmm_version(void);

/// The instruction set libxsmm generates code for on this CPU, e.g. "skx" or "hsw"
/// (or LIBXSMM_TARGET's value).
const char *nimp_xsmm_target(void);

#endif
