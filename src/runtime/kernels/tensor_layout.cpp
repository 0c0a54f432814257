// Kernels that move elements by index arithmetic alone: Transpose, Slice, Expand, Tile,
// DepthToSpace and SpaceToDepth, each expressed as one strided copy.
#include <vector>

#include "ir/error.h"
#include "ir/ops/tensor_infer.h"
#include "ir/ops/tensor_shape_math.h"
#include "runtime/kernels/dtype_dispatch.h"
#include "runtime/kernels/tensor_parts.h"

namespace nnport {

Tensor copy_strided(const Tensor& x, const Dims& out_dims, const Dims& strides, int64_t base) {
  Tensor out(x.dtype(), out_dims);
  dispatch_element_size(x.dtype(), [&](auto tag) {
    using E = typename decltype(tag)::type;
    const E* src = reinterpret_cast<const E*>(x.raw());
    E* dst = reinterpret_cast<E*>(out.mutable_raw());
    for_each_strided<1>(out_dims, {&strides}, {base},
                        [&](int64_t i, const std::array<int64_t, 1>& at) { dst[i] = src[at[0]]; });
  });
  return out;
}

namespace {

void run_transpose(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x.rank());
  std::vector<int64_t> perm = ctx.attrs().ints("perm");
  if (perm.empty())
    for (int64_t i = rank - 1; i >= 0; --i)
      perm.push_back(i);
  if (static_cast<int64_t>(perm.size()) != rank)
    model_error("Transpose perm has {} entries for rank {}", perm.size(), rank);
  perm = normalize_axes(perm, rank, "Transpose perm");
  const Dims in_strides = contiguous_strides(x.dims());
  Dims out_dims, strides;
  for (int64_t p : perm) {
    out_dims.push_back(x.dims()[p]);
    strides.push_back(in_strides[p]);
  }
  ctx.set_output(0, copy_strided(x, out_dims, strides, 0));
}

void run_slice(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x.rank());
  const auto starts = ctx.input(1).to_int64_vector();
  const auto ends = ctx.input(2).to_int64_vector();
  const size_t n = starts.size();
  std::vector<int64_t> axes, steps(n, 1);
  if (ctx.has_input(3)) {
    axes = normalize_axes(ctx.input(3).to_int64_vector(), rank, "Slice axes");
  } else {
    if (static_cast<int64_t>(n) > rank) model_error("Slice has {} starts for rank {}", n, rank);
    for (size_t i = 0; i < n; ++i)
      axes.push_back(static_cast<int64_t>(i));
  }
  if (ctx.has_input(4)) steps = ctx.input(4).to_int64_vector();
  if (ends.size() != n || axes.size() != n || steps.size() != n)
    model_error("Slice starts, ends, axes and steps must have the same length");
  const Dims in_strides = contiguous_strides(x.dims());
  Dims out_dims = x.dims(), strides = in_strides;
  int64_t base = 0;
  for (size_t i = 0; i < n; ++i) {
    const int64_t a = axes[i];
    const SliceRange r = slice_range(x.dims()[a], starts[i], ends[i], steps[i]);
    out_dims[a] = r.count;
    strides[a] = in_strides[a] * steps[i];
    if (r.count > 0) base += r.start * in_strides[a];
  }
  ctx.set_output(0, copy_strided(x, out_dims, strides, base));
}

void run_expand(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Dims shape = ctx.input(1).to_int64_vector();
  for (int64_t s : shape)
    if (s < 0) model_error("Expand shape {} has a negative size", sizes_to_string(shape));
  const Dims out_dims = broadcast_dims(x.dims(), shape);
  ctx.set_output(0, copy_strided(x, out_dims, broadcast_strides(x.dims(), out_dims), 0));
}

void run_tile(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const auto repeats = ctx.input(1).to_int64_vector();
  if (repeats.size() != x.rank())
    model_error("Tile has {} repeats for rank {}", repeats.size(), x.rank());
  // Output axis k viewed as [repeats[k], dims[k]]: the repeat index has stride 0.
  const Dims in_strides = contiguous_strides(x.dims());
  Dims view_dims, view_strides, out_dims;
  for (size_t k = 0; k < x.rank(); ++k) {
    if (repeats[k] < 0) model_error("Tile repeat {} is negative", repeats[k]);
    view_dims.insert(view_dims.end(), {repeats[k], x.dims()[k]});
    view_strides.insert(view_strides.end(), {0, in_strides[k]});
    out_dims.push_back(checked_mul(repeats[k], x.dims()[k]));
  }
  ctx.set_output(0, copy_strided(x, view_dims, view_strides, 0).reshaped(out_dims));
}

struct Nchw {
  int64_t n, c, h, w;
};

Nchw checked_nchw(const Tensor& x, int64_t block) {
  if (x.rank() != 4) model_error("needs a 4-D NCHW input, got {}", sizes_to_string(x.dims()));
  if (block <= 0) model_error("blocksize must be positive, got {}", block);
  return {x.dims()[0], x.dims()[1], x.dims()[2], x.dims()[3]};
}

void run_depth_to_space(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t b = ctx.attrs().i("blocksize");
  const Nchw in = checked_nchw(x, b);
  const std::string mode = ctx.attrs().s("mode");
  if (in.c % (b * b) != 0)
    model_error("DepthToSpace: {} channels are not divisible by blocksize^2 = {}", in.c, b * b);
  const int64_t c_out = in.c / (b * b);
  const Dims s = contiguous_strides(x.dims());
  // The output [N, C', H*b, W*b] walked as [N, C', H, b(i), W, b(j)]. DCR reads input channel
  // (i*b + j)*C' + c; CRD reads c*b*b + i*b + j.
  Dims strides;
  if (mode == "DCR")
    strides = {s[0], s[1], s[2], b * c_out * s[1], s[3], c_out * s[1]};
  else if (mode == "CRD")
    strides = {s[0], b * b * s[1], s[2], b * s[1], s[3], s[1]};
  else
    model_error("DepthToSpace mode must be DCR or CRD, got '{}'", mode);
  const Dims view = {in.n, c_out, in.h, b, in.w, b};
  ctx.set_output(0, copy_strided(x, view, strides, 0).reshaped({in.n, c_out, in.h * b, in.w * b}));
}

void run_space_to_depth(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t b = ctx.attrs().i("blocksize");
  const Nchw in = checked_nchw(x, b);
  if (in.h % b != 0 || in.w % b != 0)
    model_error("SpaceToDepth: spatial size {}x{} is not divisible by blocksize {}", in.h, in.w, b);
  const Dims s = contiguous_strides(x.dims());
  // The output [N, C*b*b, H/b, W/b] walked as [N, b(i), b(j), C, H/b, W/b], reading
  // x[n, c, h*b + i, w*b + j].
  const Dims view = {in.n, b, b, in.c, in.h / b, in.w / b};
  const Dims strides = {s[0], s[2], s[3], s[1], b * s[2], b * s[3]};
  ctx.set_output(
      0, copy_strided(x, view, strides, 0).reshaped({in.n, in.c * b * b, in.h / b, in.w / b}));
}

const std::vector<KernelEntry> kKernels = {
    {"Transpose", run_transpose},
    {"Slice", run_slice},
    {"Expand", run_expand},
    {"Tile", run_tile},
    {"DepthToSpace", run_depth_to_space},
    {"SpaceToDepth", run_space_to_depth},
};

}  // namespace

std::span<const KernelEntry> tensor_layout_kernels() {
  return kKernels;
}

}  // namespace nnport
