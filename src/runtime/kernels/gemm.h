// Single-threaded float32 (and float64) matrix products through Eigen maps over existing memory (no
// copies). All matrices are row-major with an explicit leading dimension (elements between rows).
#pragma once

#include <cstdint>

namespace nnport {

template <typename T>
struct MatrixViewOf {
  const T* data;
  int64_t rows, cols;  // of the stored (untransposed) matrix
  int64_t ld;          // leading dimension, >= cols
  bool transposed = false;
};
using MatrixView = MatrixViewOf<float>;

// c[m x n] = alpha * op(a) * op(b) + beta * c, where op(a) is m x k and op(b) is k x n.
// beta == 0 overwrites c without reading it (so c may hold garbage).
void gemm(const MatrixView& a, const MatrixView& b, float* c, int64_t ldc, float alpha = 1.0f,
          float beta = 0.0f);
// The same in double precision (the float64 judge runs, see RunOptions::float64).
void gemm(const MatrixViewOf<double>& a, const MatrixViewOf<double>& b, double* c, int64_t ldc,
          double alpha = 1.0, double beta = 0.0);

}  // namespace nnport
