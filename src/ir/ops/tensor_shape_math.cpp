#include "ir/ops/tensor_shape_math.h"

#include <algorithm>
#include <cmath>

#include "ir/error.h"
#include "ir/ops/tensor_infer.h"

namespace nnport {

SliceRange slice_range(int64_t dim, int64_t start, int64_t end, int64_t step) {
  if (step == 0) model_error("Slice step must not be 0");
  // Adding dim to a negative index cannot overflow: dim >= 0 and the index >= INT64_MIN.
  if (start < 0) start += dim;
  if (end < 0) end += dim;
  SliceRange r;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    r.start = start;
    // ceil((end - start) / step) without overflow: end - start is in [-dim, dim].
    r.count = end > start ? (end - start - 1) / step + 1 : 0;
  } else {
    start = std::clamp<int64_t>(start, -1, dim - 1);
    end = std::clamp<int64_t>(end, -1, dim - 1);
    r.start = start;
    // step may be INT64_MIN, whose negation overflows; (start - end - 1) / -step is then 0.
    const int64_t span = start - end - 1;
    r.count = start > end ? (step == INT64_MIN ? 0 : span / -step) + 1 : 0;
  }
  return r;
}

Shape reshape_output(const Shape& input, const std::vector<int64_t>& target, bool allowzero) {
  std::vector<Dim> dims(target.size());
  int64_t infer_at = -1;
  bool zero_in_target = false;
  std::vector<bool> copied(input.rank_known ? input.rank() : 0, false);
  for (size_t i = 0; i < target.size(); ++i) {
    const int64_t t = target[i];
    if (t == -1) {
      if (infer_at >= 0)
        model_error("Reshape target {} has more than one -1", sizes_to_string(target));
      infer_at = static_cast<int64_t>(i);
    } else if (t == 0 && !allowzero) {
      if (!input.rank_known) {
        dims[i] = Dim();
        continue;
      }
      if (i >= input.rank())
        model_error("Reshape target {} copies dim {} (0) but the input {} has rank {}",
                    sizes_to_string(target), i, input.to_string(), input.rank());
      dims[i] = input.dims[i];
      copied[i] = true;
    } else if (t < 0) {
      model_error("Reshape target {} has a negative size {}", sizes_to_string(target), t);
    } else {
      zero_in_target = zero_in_target || t == 0;
      dims[i] = Dim(t);
    }
  }
  if (allowzero && zero_in_target && infer_at >= 0)
    model_error("Reshape target {} has both 0 and -1 with allowzero=1", sizes_to_string(target));
  if (!input.rank_known) return Shape(std::move(dims));

  // Element counts of what is neither copied nor inferred, on each side.
  int64_t in_rest = 1, out_rest = 1;
  bool in_known = true;
  for (size_t i = 0; i < input.rank(); ++i) {
    if (copied[i]) continue;
    if (input.dims[i].known())
      in_rest = checked_mul(in_rest, input.dims[i].size);
    else
      in_known = false;
  }
  for (size_t i = 0; i < dims.size(); ++i) {
    if (static_cast<int64_t>(i) == infer_at || (target[i] == 0 && !allowzero)) continue;
    out_rest = checked_mul(out_rest, dims[i].size);
  }
  if (infer_at >= 0) {
    if (in_known) {
      if (out_rest == 0 || in_rest % out_rest != 0)
        model_error("cannot reshape {} to {}: the -1 dim does not divide evenly", input.to_string(),
                    sizes_to_string(target));
      dims[infer_at] = Dim(in_rest / out_rest);
    }
  } else if (in_known && in_rest != out_rest) {
    model_error("cannot reshape {} ({} elements) to {}", input.to_string(), in_rest,
                sizes_to_string(target));
  }
  return Shape(std::move(dims));
}

std::vector<int64_t> expand_pads(const std::vector<int64_t>& pads, const std::vector<int64_t>& axes,
                                 int64_t rank) {
  std::vector<int64_t> axis_list = axes;
  if (axis_list.empty())
    for (int64_t i = 0; i < rank; ++i)
      axis_list.push_back(i);
  axis_list = normalize_axes(axis_list, rank, "Pad axes");
  const size_t n = axis_list.size();
  if (pads.size() != 2 * n)
    model_error("Pad has {} pads for {} axes (needs {})", pads.size(), n, 2 * n);
  std::vector<int64_t> full(2 * static_cast<size_t>(rank), 0);
  for (size_t i = 0; i < n; ++i) {
    full[axis_list[i]] = pads[i];
    full[axis_list[i] + rank] = pads[i + n];
  }
  return full;
}

std::vector<int64_t> split_sizes(int64_t dim, const std::vector<int64_t>* split,
                                 int64_t num_outputs, int64_t outputs) {
  if (split) {
    if (static_cast<int64_t>(split->size()) != outputs)
      model_error("Split has {} sizes for {} outputs", split->size(), outputs);
    int64_t total = 0;
    for (int64_t s : *split) {
      if (s < 0) model_error("Split size {} is negative", s);
      total = checked_add(total, s);
    }
    if (dim >= 0 && total != dim)
      model_error("Split sizes {} add up to {}, not the axis size {}", sizes_to_string(*split),
                  total, dim);
    return *split;
  }
  if (num_outputs > 0) {
    if (num_outputs != outputs)
      model_error("Split num_outputs is {} but the node has {} outputs", num_outputs, outputs);
    const int64_t chunk = (dim + num_outputs - 1) / num_outputs;
    if (chunk * (num_outputs - 1) > dim)
      model_error("cannot split an axis of size {} into {} chunks of {}", dim, num_outputs, chunk);
    std::vector<int64_t> sizes(static_cast<size_t>(num_outputs), chunk);
    sizes.back() = dim - chunk * (num_outputs - 1);
    return sizes;
  }
  if (outputs <= 0 || dim % outputs != 0)
    model_error("cannot split an axis of size {} into {} equal parts", dim, outputs);
  return std::vector<int64_t>(static_cast<size_t>(outputs), dim / outputs);
}

int64_t range_count(const Tensor& start, const Tensor& limit, const Tensor& delta) {
  for (const Tensor* t : {&start, &limit, &delta}) {
    if (t->element_count() != 1)
      model_error("Range inputs must be scalars, got shape {}", sizes_to_string(t->dims()));
    if (t->dtype() != start.dtype())
      model_error("Range inputs must share one dtype, got {} and {}", dtype_name(start.dtype()),
                  dtype_name(t->dtype()));
  }
  int64_t count = 0;
  if (dtype_is_integer(start.dtype())) {
    const int64_t s = start.to_int64_vector()[0], l = limit.to_int64_vector()[0],
                  d = delta.to_int64_vector()[0];
    if (d == 0) model_error("Range delta must not be 0");
    int64_t span = 0;
    if (__builtin_sub_overflow(l, s, &span))
      model_error("Range from {} to {} overflows int64", s, l);
    count = span / d + (span % d != 0 && (span < 0) == (d < 0) ? 1 : 0);
  } else {
    const auto scalar = [](const Tensor& t) {
      return t.dtype() == DType::Float64 ? t.values<double>()[0]
                                         : static_cast<double>(t.to_float_vector()[0]);
    };
    const double s = scalar(start), l = scalar(limit), d = scalar(delta);
    if (d == 0) model_error("Range delta must not be 0");
    double span = l - s;
    if (start.dtype() != DType::Float64) span = static_cast<float>(span);
    const double n = std::ceil(span / d);
    if (!(n < 9.0e18)) model_error("Range from {} to {} by {} is too long", s, l, d);
    count = static_cast<int64_t>(n);
  }
  return std::max<int64_t>(count, 0);
}

}  // namespace nnport
