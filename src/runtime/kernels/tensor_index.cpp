// Kernels that address elements through index tensors or padding rules: Pad, Gather,
// GatherElements, GatherND. Out-of-range indices are model errors, never clamped.
#include <algorithm>
#include <cstring>
#include <vector>

#include "ir/error.h"
#include "ir/ops/tensor_infer.h"
#include "ir/ops/tensor_shape_math.h"
#include "runtime/kernels/dtype_dispatch.h"
#include "runtime/kernels/tensor_parts.h"

namespace nnport {

namespace {

enum class PadMode { Constant, Reflect, Edge, Wrap };

PadMode parse_pad_mode(const std::string& mode) {
  if (mode == "constant") return PadMode::Constant;
  if (mode == "reflect") return PadMode::Reflect;
  if (mode == "edge") return PadMode::Edge;
  if (mode == "wrap") return PadMode::Wrap;
  model_error("Pad mode must be constant, reflect, edge or wrap, got '{}'", mode);
}

// For each output position along one axis, the input index it reads (-1: the constant).
// `i` runs over [-pad_begin, size + pad_end) in input coordinates.
std::vector<int64_t> pad_source_indices(int64_t size, int64_t pad_begin, int64_t pad_end,
                                        PadMode mode, int64_t axis) {
  const int64_t out = size + pad_begin + pad_end;
  std::vector<int64_t> source(static_cast<size_t>(out));
  if (size == 0 && mode != PadMode::Constant && out > 0)
    model_error(
        "Pad cannot {} an empty axis {}",
        mode == PadMode::Reflect ? "reflect" : (mode == PadMode::Edge ? "edge-pad" : "wrap"), axis);
  for (int64_t o = 0; o < out; ++o) {
    const int64_t i = o - pad_begin;
    if (i >= 0 && i < size) {
      source[o] = i;
      continue;
    }
    switch (mode) {
      case PadMode::Constant:
        source[o] = -1;
        break;
      case PadMode::Edge:
        source[o] = i < 0 ? 0 : size - 1;
        break;
      case PadMode::Wrap:
        source[o] = ((i % size) + size) % size;
        break;
      case PadMode::Reflect: {
        // Mirror without repeating the edge (numpy 'reflect'): period 2 * (size - 1).
        if (size == 1) {
          source[o] = 0;
          break;
        }
        const int64_t period = 2 * (size - 1);
        int64_t j = ((i % period) + period) % period;
        source[o] = j < size ? j : period - j;
        break;
      }
    }
  }
  return source;
}

void run_pad(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x.rank());
  const PadMode mode = parse_pad_mode(ctx.attrs().s("mode"));
  std::vector<int64_t> axes;
  if (ctx.has_input(3)) axes = ctx.input(3).to_int64_vector();
  const auto pads = expand_pads(ctx.input(1).to_int64_vector(), axes, rank);

  // Negative pads crop first; the mode then pads what is left (the ONNX reference order).
  const Dims in_strides = contiguous_strides(x.dims());
  Dims cropped_dims = x.dims();
  int64_t base = 0;
  for (int64_t a = 0; a < rank; ++a) {
    const int64_t cut_begin = std::max<int64_t>(0, -pads[a]);
    const int64_t cut_end = std::max<int64_t>(0, -pads[a + rank]);
    if (checked_add(cut_begin, cut_end) > x.dims()[a])
      model_error("Pad crops {} + {} from axis {} of size {}", cut_begin, cut_end, a, x.dims()[a]);
    cropped_dims[a] = x.dims()[a] - cut_begin - cut_end;
    base += cut_begin * in_strides[a];
  }
  const Tensor cropped = copy_strided(x, cropped_dims, in_strides, base);

  std::vector<std::vector<int64_t>> sources;
  Dims out_dims;
  for (int64_t a = 0; a < rank; ++a) {
    const int64_t before = std::max<int64_t>(0, pads[a]);
    const int64_t after = std::max<int64_t>(0, pads[a + rank]);
    sources.push_back(pad_source_indices(cropped_dims[a], before, after, mode, a));
    out_dims.push_back(static_cast<int64_t>(sources.back().size()));
  }
  Tensor out(x.dtype(), out_dims);
  const size_t esize = dtype_size(x.dtype());
  Tensor fill(x.dtype(), {});  // zero unless constant_value is given
  if (ctx.has_input(2)) {
    const Tensor& value = ctx.input(2);
    if (value.dtype() != x.dtype() || value.element_count() != 1)
      model_error("Pad constant_value must be one {} element, got {} {}", dtype_name(x.dtype()),
                  dtype_name(value.dtype()), sizes_to_string(value.dims()));
    fill = value;
  }
  const Dims strides = contiguous_strides(cropped_dims);
  const std::byte* src = cropped.raw();
  std::byte* dst = out.mutable_raw();
  std::vector<int64_t> index(static_cast<size_t>(rank), 0);
  for (int64_t o = 0; o < out.element_count(); ++o) {
    int64_t offset = 0;
    bool constant = false;
    for (int64_t a = 0; a < rank; ++a) {
      const int64_t s = sources[a][index[a]];
      if (s < 0) constant = true;
      offset += s * strides[a];
    }
    std::memcpy(dst + o * esize, constant ? fill.raw() : src + offset * esize, esize);
    for (int64_t a = rank - 1; a >= 0; --a) {
      if (++index[a] < out_dims[a]) break;
      index[a] = 0;
    }
  }
  ctx.set_output(0, std::move(out));
}

// Indices as int64 with negatives resolved against `size`; out-of-range values are refused.
std::vector<int64_t> resolved_indices(const Tensor& indices, int64_t size, int64_t axis) {
  if (indices.dtype() != DType::Int32 && indices.dtype() != DType::Int64)
    model_error("indices must be int32 or int64, got {}", dtype_name(indices.dtype()));
  std::vector<int64_t> values = indices.to_int64_vector();
  for (int64_t& v : values) {
    if (v < -size || v >= size)
      model_error("index {} is out of range for axis {} of size {}", v, axis, size);
    if (v < 0) v += size;
  }
  return values;
}

void run_gather(KernelContext& ctx) {
  const Tensor& data = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  const int64_t rank = static_cast<int64_t>(data.rank());
  const int64_t axis = normalize_axis(ctx.attrs().i("axis"), rank);
  const auto index = resolved_indices(indices, data.dims()[axis], axis);
  Dims out_dims(data.dims().begin(), data.dims().begin() + axis);
  out_dims.insert(out_dims.end(), indices.dims().begin(), indices.dims().end());
  out_dims.insert(out_dims.end(), data.dims().begin() + axis + 1, data.dims().end());
  Tensor out(data.dtype(), out_dims);
  int64_t outer = 1, inner = 1;
  for (int64_t d = 0; d < axis; ++d)
    outer *= data.dims()[d];
  for (int64_t d = axis + 1; d < rank; ++d)
    inner *= data.dims()[d];
  const size_t row = static_cast<size_t>(inner) * dtype_size(data.dtype());
  const int64_t axis_size = data.dims()[axis];
  const std::byte* src = data.raw();
  std::byte* dst = out.mutable_raw();
  for (int64_t o = 0; o < outer; ++o)
    for (size_t j = 0; j < index.size(); ++j, dst += row)
      std::memcpy(dst, src + (o * axis_size + index[j]) * row, row);
  ctx.set_output(0, std::move(out));
}

void run_gather_elements(KernelContext& ctx) {
  const Tensor& data = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  const int64_t rank = static_cast<int64_t>(data.rank());
  if (static_cast<int64_t>(indices.rank()) != rank)
    model_error("GatherElements data {} and indices {} must have the same rank",
                sizes_to_string(data.dims()), sizes_to_string(indices.dims()));
  const int64_t axis = normalize_axis(ctx.attrs().i("axis"), rank);
  for (int64_t d = 0; d < rank; ++d)
    if (d != axis && indices.dims()[d] > data.dims()[d])
      model_error("GatherElements indices {} exceed data {} on axis {}",
                  sizes_to_string(indices.dims()), sizes_to_string(data.dims()), d);
  const auto index = resolved_indices(indices, data.dims()[axis], axis);
  // Walk the indices' shape with data's strides, the axis stride replaced by the index.
  Dims strides = contiguous_strides(data.dims());
  const int64_t axis_stride = strides[axis];
  strides[axis] = 0;
  Tensor out(data.dtype(), indices.dims());
  dispatch_element_size(data.dtype(), [&](auto tag) {
    using E = typename decltype(tag)::type;
    const E* src = reinterpret_cast<const E*>(data.raw());
    E* dst = reinterpret_cast<E*>(out.mutable_raw());
    for_each_strided<1>(indices.dims(), {&strides}, {0},
                        [&](int64_t i, const std::array<int64_t, 1>& at) {
                          dst[i] = src[at[0] + index[i] * axis_stride];
                        });
  });
  ctx.set_output(0, std::move(out));
}

void run_gather_nd(KernelContext& ctx) {
  const Tensor& data = ctx.input(0);
  const Tensor& indices = ctx.input(1);
  const int64_t batch = ctx.attrs().i("batch_dims");
  const int64_t r = static_cast<int64_t>(data.rank()), q = static_cast<int64_t>(indices.rank());
  if (q < 1) model_error("GatherND indices must have rank >= 1");
  if (batch < 0 || batch >= std::min(r, q))
    model_error("GatherND batch_dims {} must be in [0, min(rank(data), rank(indices)))", batch);
  const int64_t k = indices.dims().back();
  if (k < 1 || k > r - batch)
    model_error("GatherND index tuples of length {} do not fit data {} with batch_dims {}", k,
                sizes_to_string(data.dims()), batch);
  for (int64_t d = 0; d < batch; ++d)
    if (data.dims()[d] != indices.dims()[d])
      model_error("GatherND batch dim {} differs: data {} vs indices {}", d, data.dims()[d],
                  indices.dims()[d]);
  const auto index = indices.to_int64_vector();
  const Dims data_strides = contiguous_strides(data.dims());
  int64_t batches = 1, tuples_per_batch = 1, slice = 1;
  for (int64_t d = 0; d < batch; ++d)
    batches *= data.dims()[d];
  for (int64_t d = batch; d < q - 1; ++d)
    tuples_per_batch *= indices.dims()[d];
  for (int64_t d = batch + k; d < r; ++d)
    slice *= data.dims()[d];
  const int64_t batch_block = batch > 0 ? data_strides[batch - 1] : data.element_count();
  Dims out_dims(indices.dims().begin(), indices.dims().end() - 1);
  out_dims.insert(out_dims.end(), data.dims().begin() + batch + k, data.dims().end());
  Tensor out(data.dtype(), out_dims);
  const size_t esize = dtype_size(data.dtype());
  const std::byte* src = data.raw();
  std::byte* dst = out.mutable_raw();
  for (int64_t b = 0; b < batches; ++b)
    for (int64_t t = 0; t < tuples_per_batch; ++t) {
      const int64_t* tuple = index.data() + (b * tuples_per_batch + t) * k;
      int64_t offset = b * batch_block;
      for (int64_t j = 0; j < k; ++j) {
        const int64_t size = data.dims()[batch + j];
        int64_t v = tuple[j];
        if (v < -size || v >= size)
          model_error("GatherND index {} is out of range for axis {} of size {}", v, batch + j,
                      size);
        if (v < 0) v += size;
        offset += v * data_strides[batch + j];
      }
      const size_t bytes = static_cast<size_t>(slice) * esize;
      std::memcpy(dst, src + offset * esize, bytes);
      dst += bytes;
    }
  ctx.set_output(0, std::move(out));
}

const std::vector<KernelEntry> kKernels = {
    {"Pad", run_pad},
    {"Gather", run_gather},
    {"GatherElements", run_gather_elements},
    {"GatherND", run_gather_nd},
};

}  // namespace

std::span<const KernelEntry> tensor_index_kernels() {
  return kKernels;
}

}  // namespace nnport
