// OpenBLAS's CBLAS and extension functions nimp calls, as function pointers: nimp opens
// libopenblas.so.0 with dlopen when it first multiplies, not at start, because OpenBLAS
// fixes its kernel (OPENBLAS_CORETYPE) and starts its threads when it loads. Debian's
// build takes 32-bit integers (blasint is int).
typedef enum { NIMP_CBLAS_ROW_MAJOR = 101 } nimp_cblas_order;
typedef enum { NIMP_CBLAS_NO_TRANS = 111, NIMP_CBLAS_TRANS = 112 } nimp_cblas_transpose;

typedef void (*nimp_cblas_sgemm_fn)(nimp_cblas_order order, nimp_cblas_transpose transa, nimp_cblas_transpose transb,
                                    int m, int n, int k, float alpha, const float *a, int lda, const float *b, int ldb,
                                    float beta, float *c, int ldc);
typedef void (*nimp_cblas_sgemv_fn)(nimp_cblas_order order, nimp_cblas_transpose trans, int m, int n, float alpha,
                                    const float *a, int lda, const float *x, int incx, float beta, float *y, int incy);
typedef void (*nimp_openblas_set_num_threads_fn)(int num_threads);
typedef int (*nimp_openblas_get_num_procs_fn)(void);
typedef char *(*nimp_openblas_string_fn)(void);
