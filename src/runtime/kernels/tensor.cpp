// Kernels that create tensors or change only their shape (no element moves), plus Concat and
// Split. Reshape-like ops return a view of the input's bytes.
#include <algorithm>
#include <cstring>
#include <vector>

#include "ir/error.h"
#include "ir/ops/tensor_infer.h"
#include "ir/ops/tensor_shape_math.h"
#include "runtime/kernels/dtype_dispatch.h"
#include "runtime/kernels/families.h"
#include "runtime/kernels/tensor_parts.h"

namespace nnport {

namespace {

void run_concat(KernelContext& ctx) {
  const Tensor& first = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(first.rank());
  const int64_t axis = normalize_axis(ctx.attrs().i("axis"), rank);
  std::vector<int64_t> out_dims = first.dims();
  out_dims[axis] = 0;
  for (size_t i = 0; i < ctx.input_count(); ++i) {
    const Tensor& t = ctx.input(i);
    if (t.dtype() != first.dtype() || static_cast<int64_t>(t.rank()) != rank)
      model_error("Concat input {} is {} {} but input 0 is {} {}", i, dtype_name(t.dtype()),
                  sizes_to_string(t.dims()), dtype_name(first.dtype()),
                  sizes_to_string(first.dims()));
    for (int64_t d = 0; d < rank; ++d)
      if (d != axis && t.dims()[d] != first.dims()[d])
        model_error("Concat input {} has shape {}, incompatible with {} on axis {}", i,
                    sizes_to_string(t.dims()), sizes_to_string(first.dims()), axis);
    out_dims[axis] = checked_add(out_dims[axis], t.dims()[axis]);
  }
  Tensor out(first.dtype(), out_dims);
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= out_dims[d];
  const size_t out_row = static_cast<size_t>(out.byte_size() / std::max<int64_t>(outer, 1));
  std::byte* dst = out.mutable_raw();
  size_t column = 0;
  for (size_t i = 0; i < ctx.input_count(); ++i) {
    const Tensor& t = ctx.input(i);
    const size_t row = static_cast<size_t>(t.byte_size() / std::max<int64_t>(outer, 1));
    for (int64_t o = 0; o < outer && row > 0; ++o)
      std::memcpy(dst + o * out_row + column, t.raw() + o * row, row);
    column += row;
  }
  ctx.set_output(0, std::move(out));
}

void run_split(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x.rank());
  const int64_t axis = normalize_axis(ctx.attrs().i("axis"), rank);
  std::vector<int64_t> split;
  if (ctx.has_input(1)) split = ctx.input(1).to_int64_vector();
  const auto sizes =
      split_sizes(x.dims()[axis], ctx.has_input(1) ? &split : nullptr, ctx.attrs().i("num_outputs"),
                  static_cast<int64_t>(ctx.output_count()));
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= x.dims()[d];
  const size_t in_row = static_cast<size_t>(x.byte_size() / std::max<int64_t>(outer, 1));
  size_t column = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    std::vector<int64_t> dims = x.dims();
    dims[axis] = sizes[i];
    Tensor part(x.dtype(), dims);
    const size_t row = static_cast<size_t>(part.byte_size() / std::max<int64_t>(outer, 1));
    std::byte* dst = part.mutable_raw();
    for (int64_t o = 0; o < outer && row > 0; ++o)
      std::memcpy(dst + o * row, x.raw() + o * in_row + column, row);
    column += row;
    ctx.set_output(i, std::move(part));
  }
}

void run_reshape(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Shape out =
      reshape_output(x.shape(), ctx.input(1).to_int64_vector(), ctx.attrs().i("allowzero") != 0);
  ctx.set_output(0, x.reshaped(out.sizes()));
}

void run_flatten(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x.rank());
  int64_t axis = ctx.attrs().i("axis");
  if (axis < -rank || axis > rank)
    model_error("Flatten axis {} is out of range for rank {}", axis, rank);
  if (axis < 0) axis += rank;
  int64_t outer = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= x.dims()[d];
  int64_t inner = 1;
  for (int64_t d = axis; d < rank; ++d)
    inner *= x.dims()[d];
  ctx.set_output(0, x.reshaped({outer, inner}));
}

void run_squeeze(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x.rank());
  std::vector<bool> drop(x.rank(), false);
  if (ctx.has_input(1) && ctx.input(1).element_count() > 0) {
    for (int64_t a : normalize_axes(ctx.input(1).to_int64_vector(), rank, "Squeeze axes")) {
      if (x.dims()[a] != 1) model_error("Squeeze axis {} has size {}, not 1", a, x.dims()[a]);
      drop[a] = true;
    }
  } else {
    for (int64_t d = 0; d < rank; ++d)
      drop[d] = x.dims()[d] == 1;
  }
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < rank; ++d)
    if (!drop[d]) dims.push_back(x.dims()[d]);
  ctx.set_output(0, x.reshaped(dims));
}

void run_unsqueeze(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const auto axes = ctx.input(1).to_int64_vector();
  const int64_t out_rank = static_cast<int64_t>(x.rank() + axes.size());
  std::vector<bool> inserted(static_cast<size_t>(out_rank), false);
  for (int64_t a : normalize_axes(axes, out_rank, "Unsqueeze axes"))
    inserted[a] = true;
  std::vector<int64_t> dims;
  size_t next = 0;
  for (int64_t d = 0; d < out_rank; ++d)
    dims.push_back(inserted[d] ? 1 : x.dims()[next++]);
  ctx.set_output(0, x.reshaped(dims));
}

void run_shape(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x.rank());
  const auto clamp_index = [rank](int64_t i) {
    if (i < 0) i += rank;
    return std::clamp<int64_t>(i, 0, rank);
  };
  const int64_t start = clamp_index(ctx.attrs().i("start"));
  const int64_t end = ctx.attrs().has("end") ? clamp_index(ctx.attrs().i("end")) : rank;
  std::vector<int64_t> dims;
  for (int64_t d = start; d < end; ++d)
    dims.push_back(x.dims()[d]);
  ctx.set_output(0, Tensor::from_vector<int64_t>({static_cast<int64_t>(dims.size())}, dims));
}

void run_size(KernelContext& ctx) {
  ctx.set_output(0, Tensor::scalar<int64_t>(ctx.input(0).element_count()));
}

void run_constant(KernelContext& ctx) {
  const Tensor* value = ctx.attrs().tensor("value");
  if (!value) model_error("Constant needs a 'value' tensor attribute");
  ctx.set_output(0, *value);
}

void run_constant_of_shape(KernelContext& ctx) {
  const auto dims = ctx.input(0).to_int64_vector();
  const Tensor* value = ctx.attrs().tensor("value");
  const Tensor fallback = Tensor::from_vector<float>({1}, {0.0f});
  const Tensor& fill = value ? *value : fallback;
  if (fill.element_count() != 1)
    model_error("ConstantOfShape value must hold one element, got {}",
                sizes_to_string(fill.dims()));
  Tensor out(fill.dtype(), dims);
  const size_t size = dtype_size(fill.dtype());
  std::byte* dst = out.mutable_raw();
  for (int64_t i = 0; i < out.element_count(); ++i)
    std::memcpy(dst + i * size, fill.raw(), size);
  ctx.set_output(0, std::move(out));
}

void run_range(KernelContext& ctx) {
  const Tensor& start = ctx.input(0);
  const Tensor& limit = ctx.input(1);
  const Tensor& delta = ctx.input(2);
  const int64_t count = range_count(start, limit, delta);
  const DType dtype = start.dtype();
  const Tensor s = widen_half(start), d = widen_half(delta);
  Tensor out = dispatch_dtype<kNumericTypes>(s.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    Tensor result(s.dtype(), {count});
    T* dst = result.mutable_data<T>();
    const T first = s.data<T>()[0], step = d.data<T>()[0];
    // ONNX defines element i as start + i * delta (not a running sum, which drifts).
    for (int64_t i = 0; i < count; ++i)
      dst[i] = static_cast<T>(first + static_cast<T>(i) * step);
    return result;
  });
  ctx.set_output(0, narrow_to(out, dtype));
}

const std::vector<KernelEntry> kKernels = {
    {"Concat", run_concat},     {"Split", run_split},
    {"Reshape", run_reshape},   {"Flatten", run_flatten},
    {"Squeeze", run_squeeze},   {"Unsqueeze", run_unsqueeze},
    {"Shape", run_shape},       {"Size", run_size},
    {"Constant", run_constant}, {"ConstantOfShape", run_constant_of_shape},
    {"Range", run_range},
};

}  // namespace

std::span<const KernelEntry> tensor_kernels() {
  static const std::vector<KernelEntry> table = [] {
    std::vector<KernelEntry> all = kKernels;
    for (auto part : {tensor_layout_kernels, tensor_index_kernels})
      for (const KernelEntry& k : part())
        all.push_back(k);
    return all;
  }();
  return table;
}

}  // namespace nnport
