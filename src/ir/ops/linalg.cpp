// Matrix products: Gemm (2-D, optional transposes, alpha/beta, C broadcast to M x N) and MatMul
// (numpy matmul: 1-D operands promoted, batch dims broadcast).
#include "ir/error.h"
#include "ir/ops/families.h"

namespace nnport {

namespace {

// Numpy broadcasting of one pair of dims; unknown when it cannot be decided yet.
Dim broadcast_dim(const Dim& a, const Dim& b, const Shape& sa, const Shape& sb) {
  if (a.known() && b.known()) {
    if (a.size == b.size || b.size == 1) return a;
    if (a.size == 1) return b;
    model_error("shapes {} and {} do not broadcast", sa.to_string(), sb.to_string());
  }
  if (a.known() && a.size == 1) return b;
  if (b.known() && b.size == 1) return a;
  if (a.known()) return a;  // the unknown side must be 1 or equal
  if (b.known()) return b;
  return a == b ? a : Dim();
}

void check_inner(const Dim& ka, const Dim& kb, const Shape& a, const Shape& b) {
  if (ka.known() && kb.known() && ka.size != kb.size)
    model_error("inner dimensions differ: {} and {}", a.to_string(), b.to_string());
}

void infer_matmul(InferenceContext& ctx) {
  const Shape& a = ctx.input_shape(0);
  const Shape& b = ctx.input_shape(1);
  const DType dtype = ctx.input_dtype(0);
  if (dtype != DType::Undefined && ctx.input_dtype(1) != DType::Undefined &&
      dtype != ctx.input_dtype(1))
    model_error("inputs are {} and {}", dtype_name(dtype), dtype_name(ctx.input_dtype(1)));
  if (!a.rank_known || !b.rank_known) return ctx.set_output(0, dtype, Shape::unknown());
  if (a.rank() == 0 || b.rank() == 0) model_error("MatMul operands cannot be scalars");
  // 1-D operands: A becomes 1 x K, B becomes K x 1; the added dim is removed afterwards.
  std::vector<Dim> da = a.dims, db = b.dims;
  if (a.rank() == 1) da.insert(da.begin(), Dim(1));
  if (b.rank() == 1) db.push_back(Dim(1));
  check_inner(da.back(), db[db.size() - 2], a, b);
  const size_t batch_a = da.size() - 2, batch_b = db.size() - 2;
  const size_t batch = std::max(batch_a, batch_b);
  std::vector<Dim> out;
  for (size_t i = 0; i < batch; ++i) {
    const Dim one(1);
    const Dim& x = i + batch_a >= batch ? da[i + batch_a - batch] : one;
    const Dim& y = i + batch_b >= batch ? db[i + batch_b - batch] : one;
    out.push_back(broadcast_dim(x, y, a, b));
  }
  if (a.rank() > 1) out.push_back(da[da.size() - 2]);
  if (b.rank() > 1) out.push_back(db.back());
  ctx.set_output(0, dtype, Shape(out));
}

void infer_gemm(InferenceContext& ctx) {
  const Shape& a = ctx.input_shape(0);
  const Shape& b = ctx.input_shape(1);
  const DType dtype = ctx.input_dtype(0);
  if (a.rank_known && a.rank() != 2) model_error("A must be 2-D, got {}", a.to_string());
  if (b.rank_known && b.rank() != 2) model_error("B must be 2-D, got {}", b.to_string());
  const bool trans_a = ctx.attrs().i("transA") != 0, trans_b = ctx.attrs().i("transB") != 0;
  const Dim m = a.rank_known ? a.dims[trans_a ? 1 : 0] : Dim();
  const Dim n = b.rank_known ? b.dims[trans_b ? 0 : 1] : Dim();
  if (a.rank_known && b.rank_known)
    check_inner(a.dims[trans_a ? 0 : 1], b.dims[trans_b ? 1 : 0], a, b);
  if (ctx.has_input(2) && ctx.input_shape(2).rank_known) {
    // C broadcasts one way onto M x N.
    const Shape& c = ctx.input_shape(2);
    if (c.rank() > 2) model_error("C must have at most 2 dims, got {}", c.to_string());
    const Dim mn[2] = {m, n};
    for (size_t i = 0; i < c.rank(); ++i) {
      const Dim& want = mn[2 - c.rank() + i];
      const Dim& got = c.dims[i];
      if (got.known() && got.size != 1 && want.known() && got.size != want.size)
        model_error("C of shape {} does not broadcast to {}x{}", c.to_string(), want.size,
                    mn[1].known() ? std::to_string(mn[1].size) : "N");
    }
  }
  ctx.set_output(0, dtype, Shape({m, n}));
}

const std::vector<OpSchema> kSchemas = {
    {"Gemm",
     "Y = alpha * A' * B' + beta * C, A' = transA ? A^T : A (M x K), B' likewise (K x N); C "
     "broadcasts to M x N.",
     2,
     3,
     1,
     1,
     {
         {"alpha", AttrType::Float, 1.0f, "scale of A' * B'"},
         {"beta", AttrType::Float, 1.0f, "scale of C"},
         {"transA", AttrType::Int, int64_t{0}, "1: use A transposed"},
         {"transB", AttrType::Int, int64_t{0}, "1: use B transposed"},
     },
     infer_gemm},
    {"MatMul",
     "Numpy matmul: batched over broadcast leading dims; a 1-D operand is treated as a row (A) "
     "or column (B) vector and that dim is dropped from the result.",
     2,
     2,
     1,
     1,
     {},
     infer_matmul},
};

}  // namespace

std::span<const OpSchema> linalg_schemas() {
  return kSchemas;
}

}  // namespace nnport
