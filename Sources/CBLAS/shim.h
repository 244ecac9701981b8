#include <cblas.h>
// OpenBLAS extensions (declared in cblas.h of 0.3.x, repeated for clarity).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_corename(void);
char *openblas_get_config(void);
