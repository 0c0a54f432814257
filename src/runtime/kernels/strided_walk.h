// Index arithmetic shared by the elementwise, reduce and tensor kernels: numpy broadcasting of
// concrete shapes, and one loop that walks an output shape while advancing an offset into each
// input by that input's per-axis stride (0 on broadcast axes). Transpose, Slice, Expand and
// broadcast binary ops are all this walk with different strides.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace nnport {

using Dims = std::vector<int64_t>;

// Numpy broadcasting of concrete shapes; a model error naming both shapes when incompatible.
Dims broadcast_dims(const Dims& a, const Dims& b);
// Row-major element strides of a contiguous tensor.
Dims contiguous_strides(const Dims& dims);
// Strides that read a tensor of `dims` broadcast to `out_dims` (right-aligned; 0 where the
// input dim is 1 or missing). Assumes `dims` broadcasts to `out_dims`.
Dims broadcast_strides(const Dims& dims, const Dims& out_dims);
// Whether `dims` broadcasts to exactly `out_dims` (unidirectional broadcasting).
bool broadcasts_to(const Dims& dims, const Dims& out_dims);

// Calls fn(out_index, offsets) for every element of `dims` in row-major order, where
// offsets[n] = base[n] + sum_k index[k] * strides[n][k]. Each strides[n] has dims.size() entries.
template <size_t N, typename Fn>
void for_each_strided(const Dims& dims, const std::array<const Dims*, N>& strides,
                      std::array<int64_t, N> base, Fn&& fn) {
  const size_t rank = dims.size();
  for (int64_t d : dims)
    if (d == 0) return;
  if (rank == 0) {
    fn(int64_t{0}, base);
    return;
  }
  const size_t last = rank - 1;
  std::array<int64_t, N> inner_step{};
  for (size_t n = 0; n < N; ++n)
    inner_step[n] = (*strides[n])[last];
  std::vector<int64_t> index(rank, 0);
  int64_t out = 0;
  while (true) {
    std::array<int64_t, N> offsets = base;
    for (int64_t j = 0; j < dims[last]; ++j) {
      fn(out++, offsets);
      for (size_t n = 0; n < N; ++n)
        offsets[n] += inner_step[n];
    }
    // Odometer over the outer axes.
    size_t axis = last;
    while (axis-- > 0) {
      ++index[axis];
      for (size_t n = 0; n < N; ++n)
        base[n] += (*strides[n])[axis];
      if (index[axis] < dims[axis]) break;
      for (size_t n = 0; n < N; ++n)
        base[n] -= (*strides[n])[axis] * dims[axis];
      index[axis] = 0;
      if (axis == 0) return;
    }
    if (rank == 1) return;
  }
}

// Calls fn(out_index, offsets) where offsets[n] is the element of input n (shape in_dims[n])
// that broadcasting maps to each element of `out_dims`.
template <size_t N, typename Fn>
void for_each_broadcast(const Dims& out_dims, const std::array<const Dims*, N>& in_dims, Fn&& fn) {
  bool all_same = true;
  for (size_t n = 0; n < N; ++n)
    all_same = all_same && *in_dims[n] == out_dims;
  if (all_same) {
    int64_t count = 1;
    for (int64_t d : out_dims)
      count *= d;
    std::array<int64_t, N> offsets{};
    for (int64_t i = 0; i < count; ++i) {
      offsets.fill(i);
      fn(i, offsets);
    }
    return;
  }
  std::array<Dims, N> strides;
  std::array<const Dims*, N> stride_ptrs;
  for (size_t n = 0; n < N; ++n) {
    strides[n] = broadcast_strides(*in_dims[n], out_dims);
    stride_ptrs[n] = &strides[n];
  }
  for_each_strided<N>(out_dims, stride_ptrs, std::array<int64_t, N>{}, fn);
}

}  // namespace nnport
