// The tensor family's kernels are split over files by kind; tensor.cpp lists every part.
#pragma once

#include <span>
#include <vector>

#include "runtime/kernel.h"
#include "runtime/kernels/strided_walk.h"

namespace nnport {

std::span<const KernelEntry> tensor_layout_kernels();  // tensor_layout.cpp
std::span<const KernelEntry> tensor_index_kernels();   // tensor_index.cpp

// A new contiguous tensor of `out_dims` whose element i is x's element at
// base + sum_k index[k] * strides[k]: Transpose, Slice, Expand and DepthToSpace are this copy.
Tensor copy_strided(const Tensor& x, const Dims& out_dims, const Dims& strides, int64_t base);

}  // namespace nnport
