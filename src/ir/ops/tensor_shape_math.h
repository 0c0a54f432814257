// Arithmetic of the tensor-manipulation ops that shape inference and the kernels must agree
// on: Slice ranges, Reshape targets, Pad amounts. Kept in one place so the two cannot drift.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/shape.h"
#include "ir/tensor.h"

namespace nnport {

struct SliceRange {
  int64_t start = 0;  // first index read
  int64_t count = 0;  // elements taken
};
// ONNX Slice on one axis of size `dim`: negative start/end count from the end, then start and
// end are clamped to [0, dim] for step > 0 and to [0, dim-1] / [-1, dim-1] for step < 0.
SliceRange slice_range(int64_t dim, int64_t start, int64_t end, int64_t step);

// Reshape's output for a target shape with 0 (copy the input dim unless allowzero) and -1
// (inferred). Unknown input dims survive when a 0 copies them, and -1 is still inferred when
// every input dim that is not copied is known. Model errors on impossible targets.
Shape reshape_output(const Shape& input, const std::vector<int64_t>& target, bool allowzero);

// Pad's `pads` ([begins..., ends...] for `axes`, or every axis when axes is empty) expanded to
// 2 * rank entries.
std::vector<int64_t> expand_pads(const std::vector<int64_t>& pads, const std::vector<int64_t>& axes,
                                 int64_t rank);

// Split sizes along an axis of size `dim`: the `split` input when given, else `num_outputs`
// chunks of ceil(dim / n) with a smaller last chunk (num_outputs > 0), else `outputs` equal
// parts.
std::vector<int64_t> split_sizes(int64_t dim, const std::vector<int64_t>* split,
                                 int64_t num_outputs, int64_t outputs);

// Range's element count, max(ceil((limit - start) / delta), 0), with limit - start computed in
// the inputs' own precision as ONNX Runtime does (it decides the count at the boundary).
int64_t range_count(const Tensor& start, const Tensor& limit, const Tensor& delta);

}  // namespace nnport
