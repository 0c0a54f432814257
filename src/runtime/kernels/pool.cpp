// Pooling kernels for any number of spatial axes. Windows are clipped to the real input (a
// padded cell never wins a max and never adds to a sum); only the AveragePool divisor looks at
// the padding, as the node's `divisor` attribute says (SEMANTICS.md §2).
#include <algorithm>
#include <limits>
#include <vector>

#include "ir/error.h"
#include "runtime/kernels/families.h"
#include "runtime/kernels/nn_common.h"

namespace nnport {

namespace {

// Per axis and output position: the range [lo, hi) of kernel taps that land on real input
// cells, and the input cell of tap 0 (possibly in the padding).
struct AxisWindows {
  std::vector<int64_t> start, lo, hi;
  std::vector<int64_t> padded_count;  // taps inside [-pad_begin, in + pad_end)
};

// Taps j in [0, k) with begin <= start + j*d < end.
std::pair<int64_t, int64_t> taps_inside(int64_t start, int64_t k, int64_t d, int64_t begin,
                                        int64_t end) {
  const int64_t lo = start >= begin ? 0 : (begin - start + d - 1) / d;
  const int64_t hi = start >= end ? 0 : std::min(k, (end - start + d - 1) / d);
  return {std::min(lo, k), std::max(std::min(lo, k), hi)};
}

std::vector<AxisWindows> axis_windows(const WindowGeometry& g) {
  std::vector<AxisWindows> axes(g.spatial());
  for (size_t a = 0; a < g.spatial(); ++a) {
    AxisWindows& w = axes[a];
    for (int64_t o = 0; o < g.out[a]; ++o) {
      const int64_t start = o * g.strides[a] - g.pads_begin[a];
      const auto [lo, hi] = taps_inside(start, g.kernel[a], g.dilations[a], 0, g.in[a]);
      if (lo >= hi)
        model_error(
            "pooling window {} along spatial axis {} lies entirely in the padding (input "
            "{}, kernel {}, stride {}, pads {},{}); no framework agrees on its value",
            o, a, g.in[a], g.kernel[a], g.strides[a], g.pads_begin[a], g.pads_end[a]);
      const auto [plo, phi] = taps_inside(start, g.kernel[a], g.dilations[a], -g.pads_begin[a],
                                          g.in[a] + g.pads_end[a]);
      w.start.push_back(start);
      w.lo.push_back(lo);
      w.hi.push_back(hi);
      w.padded_count.push_back(phi - plo);
    }
  }
  return axes;
}

// Calls visit(out_index, cells) for every output position of one plane, where `cells` lists
// the flat input offsets of the clipped window in row-major order.
template <typename Visit>
void for_each_window(const WindowGeometry& g, const std::vector<AxisWindows>& axes, Visit&& visit) {
  const size_t n = g.spatial();
  std::vector<int64_t> in_strides(n, 1);
  for (size_t a = n - 1; a-- > 0;)
    in_strides[a] = in_strides[a + 1] * g.in[a + 1];
  std::vector<int64_t> o(n, 0), j(n, 0);
  std::vector<int64_t> cells;
  const int64_t out_count = g.out_count();
  for (int64_t index = 0; index < out_count; ++index) {
    cells.clear();
    if (n == 2) {
      // The common 2-D case without the general odometer (most of a pooling layer's cost).
      const AxisWindows& rows = axes[0];
      const AxisWindows& cols = axes[1];
      for (int64_t jy = rows.lo[o[0]]; jy < rows.hi[o[0]]; ++jy) {
        const int64_t row = (rows.start[o[0]] + jy * g.dilations[0]) * in_strides[0];
        for (int64_t jx = cols.lo[o[1]]; jx < cols.hi[o[1]]; ++jx)
          cells.push_back(row + cols.start[o[1]] + jx * g.dilations[1]);
      }
      visit(index, o, cells);
      if (++o[1] == g.out[1]) {
        o[1] = 0;
        ++o[0];
      }
      continue;
    }
    for (size_t a = 0; a < n; ++a)
      j[a] = axes[a].lo[o[a]];
    while (true) {
      int64_t offset = 0;
      for (size_t a = 0; a < n; ++a)
        offset += (axes[a].start[o[a]] + j[a] * g.dilations[a]) * in_strides[a];
      cells.push_back(offset);
      size_t a = n;
      while (a-- > 0) {
        if (++j[a] < axes[a].hi[o[a]]) break;
        j[a] = axes[a].lo[o[a]];
      }
      if (a == static_cast<size_t>(-1)) break;
    }
    visit(index, o, cells);
    for (size_t a = n; a-- > 0;) {
      if (++o[a] < g.out[a]) break;
      o[a] = 0;
    }
  }
}

std::vector<int64_t> output_dims(const std::vector<int64_t>& x_dims, const WindowGeometry& g) {
  std::vector<int64_t> dims = {x_dims[0], x_dims[1]};
  dims.insert(dims.end(), g.out.begin(), g.out.end());
  return dims;
}

// Flat input offset of a cell in the column-major spatial order of storage_order = 1.
int64_t column_major_offset(int64_t row_major, const std::vector<int64_t>& in) {
  int64_t result = 0, stride = 1;
  std::vector<int64_t> coords(in.size());
  for (size_t a = in.size(); a-- > 0;) {
    coords[a] = row_major % in[a];
    row_major /= in[a];
  }
  for (size_t a = 0; a < in.size(); ++a) {
    result += coords[a] * stride;
    stride *= in[a];
  }
  return result;
}

// 2-D max of each clipped window straight from the axis tables (no list of cells per window);
// the same row-major scan and strict comparison as the general path, so ties and NaNs resolve
// identically.
template <typename T>
void max_pool_2d(const WindowGeometry& g, const std::vector<AxisWindows>& axes, int64_t planes,
                 const T* x, T* y) {
  const AxisWindows& rows = axes[0];
  const AxisWindows& cols = axes[1];
  const int64_t in_plane = g.in_count(), width = g.in[1];
  const int64_t dy = g.dilations[0], dx = g.dilations[1];
  for (int64_t p = 0; p < planes; ++p) {
    const T* plane = x + p * in_plane;
    for (int64_t oy = 0; oy < g.out[0]; ++oy) {
      for (int64_t ox = 0; ox < g.out[1]; ++ox) {
        const T* first_row = plane + (rows.start[oy] + rows.lo[oy] * dy) * width;
        const int64_t first_col = cols.start[ox] + cols.lo[ox] * dx;
        T best = first_row[first_col];
        for (int64_t jy = rows.lo[oy]; jy < rows.hi[oy]; ++jy) {
          const T* row = plane + (rows.start[oy] + jy * dy) * width + cols.start[ox];
          for (int64_t jx = cols.lo[ox]; jx < cols.hi[ox]; ++jx)
            if (row[jx * dx] > best) best = row[jx * dx];
        }
        *y++ = best;
      }
    }
  }
}

template <typename T>
void max_pool(KernelContext& ctx, const Tensor& x) {
  const WindowGeometry g = window_geometry(ctx, x.dims());
  const auto axes = axis_windows(g);
  const bool want_indices = ctx.wants_output(1);
  const bool column_major = ctx.attrs().i("storage_order") == 1;
  const std::vector<int64_t> dims = output_dims(x.dims(), g);
  Tensor out(x.dtype(), dims);
  Tensor indices = want_indices ? Tensor(DType::Int64, dims) : Tensor();
  T* y = out.mutable_data<T>();
  int64_t* yi = want_indices ? indices.mutable_data<int64_t>() : nullptr;
  const T* xd = x.data<T>();
  const int64_t planes = x.dims()[0] * x.dims()[1];
  if (g.spatial() == 2 && !want_indices) {
    max_pool_2d(g, axes, planes, xd, y);
    ctx.set_output(0, std::move(out));
    return;
  }
  const int64_t in_plane = g.in_count(), out_plane = g.out_count();
  for (int64_t p = 0; p < planes; ++p) {
    const T* plane = xd + p * in_plane;
    for_each_window(g, axes, [&](int64_t index, const auto&, const std::vector<int64_t>& cells) {
      // The first maximum in row-major order wins ties, as in ONNX Runtime.
      int64_t best = cells[0];
      for (int64_t cell : cells)
        if (plane[cell] > plane[best]) best = cell;
      y[p * out_plane + index] = plane[best];
      if (yi)
        yi[p * out_plane + index] =
            p * in_plane + (column_major ? column_major_offset(best, g.in) : best);
    });
  }
  ctx.set_output(0, std::move(out));
  if (want_indices) ctx.set_output(1, std::move(indices));
}

void run_max_pool(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  switch (x.dtype()) {
    case DType::Float32:
      return max_pool<float>(ctx, x);
    case DType::Float64:
      return max_pool<double>(ctx, x);
    case DType::Int8:
      return max_pool<int8_t>(ctx, x);
    case DType::UInt8:
      return max_pool<uint8_t>(ctx, x);
    default:
      model_error("input is {}; MaxPool runs on float32, float64, int8 and uint8",
                  dtype_name(x.dtype()));
  }
}

template <typename T>
void average_pool(KernelContext& ctx, const Tensor& x) {
  const WindowGeometry g = window_geometry(ctx, x.dims());
  const AvgDivisor divisor = parse_avg_divisor(ctx.attrs().s("divisor"));
  const auto axes = axis_windows(g);
  Tensor out(x.dtype(), output_dims(x.dims(), g));
  T* y = out.mutable_data<T>();
  const T* xd = x.data<T>();
  const int64_t planes = x.dims()[0] * x.dims()[1];
  const int64_t in_plane = g.in_count(), out_plane = g.out_count();
  const int64_t kernel_count = g.kernel_count();
  for (int64_t p = 0; p < planes; ++p) {
    const T* plane = xd + p * in_plane;
    for_each_window(
        g, axes,
        [&](int64_t index, const std::vector<int64_t>& o, const std::vector<int64_t>& cells) {
          T sum = T{0};
          for (int64_t cell : cells)
            sum += plane[cell];
          int64_t count = static_cast<int64_t>(cells.size());
          if (divisor == AvgDivisor::Kernel) {
            count = kernel_count;
          } else if (divisor == AvgDivisor::Padded) {
            count = 1;
            for (size_t a = 0; a < o.size(); ++a)
              count *= axes[a].padded_count[o[a]];
          }
          y[p * out_plane + index] = sum / static_cast<T>(count);
        });
  }
  ctx.set_output(0, std::move(out));
}

void run_average_pool(KernelContext& ctx) {
  const Tensor& x = float_input(ctx, 0, "input");
  dispatch_float(x, [&](auto tag) { average_pool<typename decltype(tag)::type>(ctx, x); });
}

template <bool kMax, typename T>
void global_pool_typed(KernelContext& ctx, const Tensor& x) {
  if (x.rank() < 3)
    model_error("expected an N x C x spatial input, got shape {}", sizes_to_string(x.dims()));
  std::vector<int64_t> dims = x.dims();
  std::fill(dims.begin() + 2, dims.end(), 1);
  const int64_t plane = product(x.dims(), 2);
  if (plane == 0) model_error("global pooling over an empty spatial extent");
  Tensor out(x.dtype(), dims);
  T* y = out.mutable_data<T>();
  const T* xd = x.data<T>();
  for (int64_t p = 0; p < dims[0] * dims[1]; ++p) {
    const T* v = xd + p * plane;
    if constexpr (kMax) {
      y[p] = *std::max_element(v, v + plane);
    } else {
      // Accumulate in double: a plane can hold many thousands of cells.
      double sum = 0.0;
      for (int64_t i = 0; i < plane; ++i)
        sum += v[i];
      y[p] = static_cast<T>(sum / static_cast<double>(plane));
    }
  }
  ctx.set_output(0, std::move(out));
}

template <bool kMax>
void global_pool(KernelContext& ctx) {
  const Tensor& x = float_input(ctx, 0, "input");
  dispatch_float(x,
                 [&](auto tag) { global_pool_typed<kMax, typename decltype(tag)::type>(ctx, x); });
}

const std::vector<KernelEntry> kKernels = {
    {"MaxPool", run_max_pool},
    {"AveragePool", run_average_pool},
    {"GlobalAveragePool", global_pool<false>},
    {"GlobalMaxPool", global_pool<true>},
};

}  // namespace

std::span<const KernelEntry> pool_kernels() {
  return kKernels;
}

}  // namespace nnport
