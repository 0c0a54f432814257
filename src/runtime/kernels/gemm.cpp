#include "runtime/kernels/gemm.h"

#include <Eigen/Core>
#include <stdexcept>

namespace nnport {

namespace {

using Stride = Eigen::OuterStride<>;
template <int Order>
using ConstMap =
    Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Order>, 0, Stride>;
using OutMap =
    Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>, 0, Stride>;

// A row-major r x c matrix read transposed is a column-major c x r matrix with the same stride.
template <int Order>
ConstMap<Order> as_operand(const MatrixView& v) {
  return Order == Eigen::RowMajor ? ConstMap<Order>(v.data, v.rows, v.cols, Stride(v.ld))
                                  : ConstMap<Order>(v.data, v.cols, v.rows, Stride(v.ld));
}

template <int OrderA, int OrderB>
void run(const MatrixView& a, const MatrixView& b, OutMap& c, float alpha, float beta) {
  const auto lhs = as_operand<OrderA>(a);
  const auto rhs = as_operand<OrderB>(b);
  if (beta == 0.0f) {
    if (alpha == 1.0f)
      c.noalias() = lhs * rhs;
    else
      c.noalias() = alpha * lhs * rhs;
    return;
  }
  if (beta != 1.0f) c *= beta;
  if (alpha == 1.0f)
    c.noalias() += lhs * rhs;
  else
    c.noalias() += alpha * lhs * rhs;
}

}  // namespace

void gemm(const MatrixView& a, const MatrixView& b, float* c, int64_t ldc, float alpha,
          float beta) {
  const int64_t m = a.transposed ? a.cols : a.rows;
  const int64_t k = a.transposed ? a.rows : a.cols;
  const int64_t kb = b.transposed ? b.cols : b.rows;
  const int64_t n = b.transposed ? b.rows : b.cols;
  if (k != kb) throw std::logic_error("gemm: inner dimensions differ");
  OutMap out(c, m, n, Stride(ldc));
  if (m == 0 || n == 0) return;
  if (k == 0) {
    // An empty sum is zero; Eigen would also do this, but make beta's role explicit.
    if (beta == 0.0f)
      out.setZero();
    else
      out *= beta;
    return;
  }
  constexpr int R = Eigen::RowMajor, C = Eigen::ColMajor;
  if (!a.transposed && !b.transposed) return run<R, R>(a, b, out, alpha, beta);
  if (!a.transposed && b.transposed) return run<R, C>(a, b, out, alpha, beta);
  if (a.transposed && !b.transposed) return run<C, R>(a, b, out, alpha, beta);
  run<C, C>(a, b, out, alpha, beta);
}

}  // namespace nnport
