// Umbrella header for OpenBLAS's CBLAS and netlib's LAPACKE.
// Debian packages: libopenblas-dev (cblas.h) and liblapacke-dev (lapacke.h).
#ifndef COPENBLAS_SHIM_H
#define COPENBLAS_SHIM_H
#include <cblas.h>
#include <lapacke.h>
#endif
