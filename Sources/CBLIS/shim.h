// BLIS 0.9's typed API as function pointers: nimp opens libblis.so.4 with dlopen and
// RTLD_LOCAL rather than linking it, because BLIS also exports cblas_* and sgemm_, and a
// linked BLIS ahead of OpenBLAS in the load order would take nimp's cblas_sgemm calls.
#include <stdint.h>

typedef int64_t nimp_bli_dim_t;  // dim_t and inc_t: 64-bit in Debian's build
typedef enum { NIMP_BLI_NO_TRANSPOSE = 0x0, NIMP_BLI_TRANSPOSE = 0x8 } nimp_bli_trans_t;

typedef void (*nimp_bli_sgemm_fn)(nimp_bli_trans_t transa, nimp_bli_trans_t transb, nimp_bli_dim_t m, nimp_bli_dim_t n,
                                  nimp_bli_dim_t k, float *alpha, float *a, nimp_bli_dim_t rsa, nimp_bli_dim_t csa,
                                  float *b, nimp_bli_dim_t rsb, nimp_bli_dim_t csb, float *beta, float *c,
                                  nimp_bli_dim_t rsc, nimp_bli_dim_t csc);
typedef void (*nimp_bli_set_num_threads_fn)(nimp_bli_dim_t value);
typedef char *(*nimp_bli_version_fn)(void);
typedef int (*nimp_bli_arch_query_id_fn)(void);
typedef char *(*nimp_bli_arch_string_fn)(int id);
