// Matrix products for the float32 kernels.
//
// Eigen chooses its SIMD width from the compiler's target macros when its headers are read. The
// project builds for the portable x86-64 baseline (SSE2), where Eigen's GEMM is 3-4x slower than
// with AVX2 + FMA, too slow for convolution-heavy models. So this file (the only one that
// includes Eigen, which keeps Eigen's inline code from being shared with baseline files) compiles
// the Eigen product for AVX2 + FMA and calls it only when the CPU has both; other CPUs get a
// plain loop. Results are deterministic on a given machine; FMA rounding differs from the
// fallback's, so bytes can differ between machines with and without AVX2.
//
// Standard headers come first so their inline code keeps the baseline target.
#include <immintrin.h>
#include <algorithm>
#include <array>
#include <cassert>
#include <cerrno>
#include <cfloat>
#include <climits>
#include <cmath>
#include <complex>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <iosfwd>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <new>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "runtime/kernels/gemm.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__AVX2__)
#define NNPORT_GEMM_DISPATCH 1
#pragma GCC push_options
#pragma GCC target("avx2,fma")
// GCC's target pragma does not define the feature macros Eigen tests, so define them for the
// Eigen headers only.
#define __AVX__ 1
#define __AVX2__ 1
#define __FMA__ 1
#define __SSE3__ 1
#define __SSSE3__ 1
#define __SSE4_1__ 1
#define __SSE4_2__ 1
#endif

#include <Eigen/Core>

#ifdef NNPORT_GEMM_DISPATCH
#undef __AVX__
#undef __AVX2__
#undef __FMA__
#undef __SSE3__
#undef __SSSE3__
#undef __SSE4_1__
#undef __SSE4_2__
#endif

namespace nnport {

namespace {

using Stride = Eigen::OuterStride<>;
template <typename T, int Order>
using ConstMap =
    Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Order>, 0, Stride>;
template <typename T>
using OutMap =
    Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>, 0, Stride>;

// A row-major r x c matrix read transposed is a column-major c x r matrix with the same stride.
template <int Order, typename T>
ConstMap<T, Order> as_operand(const MatrixViewOf<T>& v) {
  return Order == Eigen::RowMajor ? ConstMap<T, Order>(v.data, v.rows, v.cols, Stride(v.ld))
                                  : ConstMap<T, Order>(v.data, v.cols, v.rows, Stride(v.ld));
}

template <int OrderA, int OrderB, typename T>
void eigen_product(const MatrixViewOf<T>& a, const MatrixViewOf<T>& b, OutMap<T>& c, T alpha,
                   T beta) {
  const auto lhs = as_operand<OrderA>(a);
  const auto rhs = as_operand<OrderB>(b);
  if (beta == T{0}) {
    if (alpha == T{1})
      c.noalias() = lhs * rhs;
    else
      c.noalias() = alpha * lhs * rhs;
    return;
  }
  if (beta != T{1}) c *= beta;
  if (alpha == T{1})
    c.noalias() += lhs * rhs;
  else
    c.noalias() += alpha * lhs * rhs;
}

template <typename T>
void eigen_gemm(const MatrixViewOf<T>& a, const MatrixViewOf<T>& b, T* c, int64_t m, int64_t n,
                int64_t ldc, T alpha, T beta) {
  OutMap<T> out(c, m, n, Stride(ldc));
  constexpr int R = Eigen::RowMajor, C = Eigen::ColMajor;
  if (!a.transposed && !b.transposed) return eigen_product<R, R>(a, b, out, alpha, beta);
  if (!a.transposed && b.transposed) return eigen_product<R, C>(a, b, out, alpha, beta);
  if (a.transposed && !b.transposed) return eigen_product<C, R>(a, b, out, alpha, beta);
  eigen_product<C, C>(a, b, out, alpha, beta);
}

template void eigen_gemm<float>(const MatrixViewOf<float>&, const MatrixViewOf<float>&, float*,
                                int64_t, int64_t, int64_t, float, float);
template void eigen_gemm<double>(const MatrixViewOf<double>&, const MatrixViewOf<double>&, double*,
                                 int64_t, int64_t, int64_t, double, double);

}  // namespace

}  // namespace nnport

#ifdef NNPORT_GEMM_DISPATCH
#pragma GCC pop_options
#endif

namespace nnport {

namespace {

template <typename T>
T at(const MatrixViewOf<T>& v, int64_t row, int64_t col) {
  return v.transposed ? v.data[col * v.ld + row] : v.data[row * v.ld + col];
}

// The fallback for CPUs without AVX2 + FMA: row-by-row accumulation the compiler vectorises.
template <typename T>
void loop_gemm(const MatrixViewOf<T>& a, const MatrixViewOf<T>& b, T* c, int64_t m, int64_t n,
               int64_t k, int64_t ldc, T alpha, T beta) {
  std::vector<T> row(static_cast<size_t>(n));
  std::vector<T> b_row(static_cast<size_t>(n));
  for (int64_t i = 0; i < m; ++i) {
    std::fill(row.begin(), row.end(), T{0});
    for (int64_t p = 0; p < k; ++p) {
      const T a_ip = at(a, i, p);
      const T* bp = b.data + p * b.ld;
      if (b.transposed) {
        for (int64_t j = 0; j < n; ++j)
          b_row[j] = b.data[j * b.ld + p];
        bp = b_row.data();
      }
      for (int64_t j = 0; j < n; ++j)
        row[j] += a_ip * bp[j];
    }
    T* ci = c + i * ldc;
    for (int64_t j = 0; j < n; ++j)
      ci[j] = alpha * row[j] + (beta == T{0} ? T{0} : beta * ci[j]);
  }
}

bool cpu_has_avx2_fma() {
#ifdef NNPORT_GEMM_DISPATCH
  static const bool supported = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return supported;
#else
  return true;  // the whole build already targets them (or Eigen picks its own baseline)
#endif
}

template <typename T>
void gemm_any(const MatrixViewOf<T>& a, const MatrixViewOf<T>& b, T* c, int64_t ldc, T alpha,
              T beta) {
  const int64_t m = a.transposed ? a.cols : a.rows;
  const int64_t k = a.transposed ? a.rows : a.cols;
  const int64_t kb = b.transposed ? b.cols : b.rows;
  const int64_t n = b.transposed ? b.rows : b.cols;
  if (k != kb) throw std::logic_error("gemm: inner dimensions differ");
  if (m == 0 || n == 0) return;
  if (k == 0) {
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        c[i * ldc + j] = beta == T{0} ? T{0} : beta * c[i * ldc + j];
    return;
  }
  if (cpu_has_avx2_fma())
    eigen_gemm(a, b, c, m, n, ldc, alpha, beta);
  else
    loop_gemm(a, b, c, m, n, k, ldc, alpha, beta);
}

}  // namespace

void gemm(const MatrixView& a, const MatrixView& b, float* c, int64_t ldc, float alpha,
          float beta) {
  gemm_any(a, b, c, ldc, alpha, beta);
}

void gemm(const MatrixViewOf<double>& a, const MatrixViewOf<double>& b, double* c, int64_t ldc,
          double alpha, double beta) {
  gemm_any(a, b, c, ldc, alpha, beta);
}

}  // namespace nnport
