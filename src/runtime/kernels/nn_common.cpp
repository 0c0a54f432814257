#include "runtime/kernels/nn_common.h"

#include "ir/error.h"

namespace nnport {

const Tensor& float_input(const KernelContext& ctx, size_t i, const char* role, DType like) {
  const Tensor& t = ctx.input(i);
  if (t.dtype() != DType::Float32 && t.dtype() != DType::Float64)
    model_error("{} (input {}) is {}; this kernel computes float32 (or float64) only", role, i,
                dtype_name(t.dtype()));
  if (like != DType::Undefined && t.dtype() != like)
    model_error("{} (input {}) is {} but the input is {}", role, i, dtype_name(t.dtype()),
                dtype_name(like));
  return t;
}

int64_t product(const std::vector<int64_t>& sizes, size_t begin) {
  int64_t p = 1;
  for (size_t i = begin; i < sizes.size(); ++i)
    p = checked_mul(p, sizes[i]);
  return p;
}

int64_t WindowGeometry::in_count() const {
  return product(in);
}
int64_t WindowGeometry::out_count() const {
  return product(out);
}
int64_t WindowGeometry::kernel_count() const {
  return product(kernel);
}

WindowGeometry window_geometry(const KernelContext& ctx, const std::vector<int64_t>& x_dims,
                               const std::vector<int64_t>& kernel_override) {
  if (x_dims.size() < 3)
    model_error("expected an N x C x spatial input, got shape {}", sizes_to_string(x_dims));
  const size_t spatial = x_dims.size() - 2;
  const WindowParams p = read_window_params(ctx.attrs(), spatial, kernel_override);
  WindowGeometry g;
  g.in.assign(x_dims.begin() + 2, x_dims.end());
  const std::vector<int64_t> pads = resolve_pads(p, g.in);
  g.kernel = p.kernel;
  g.strides = p.strides;
  g.dilations = p.dilations;
  g.pads_begin.assign(pads.begin(), pads.begin() + spatial);
  g.pads_end.assign(pads.begin() + spatial, pads.end());
  for (size_t i = 0; i < spatial; ++i)
    g.out.push_back(pool_output_size(g.in[i], g.kernel[i], g.strides[i], g.dilations[i],
                                     g.pads_begin[i], g.pads_end[i], p.rounding));
  return g;
}

}  // namespace nnport
