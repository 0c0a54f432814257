#include "runtime/kernels/im2col.h"

#include <algorithm>
#include <cstring>

namespace nnport {

namespace {

// Visits every (channel, kernel offset, line of the window grid along the last axis) and hands
// `line` where the line starts in the column matrix, whether its image line exists (it may lie in
// the padding), the range [lo, hi) of window positions whose image cell is inside, and the image
// index of position lo. Both directions
// (gather and scatter-add) share this walk so they cannot disagree on the geometry.
template <typename LineFn>
void for_each_line(const WindowGeometry& g, int64_t channels, LineFn&& line) {
  const size_t n = g.spatial();
  const size_t last = n - 1;
  const int64_t kernel_count = g.kernel_count();
  const int64_t out_count = g.out_count();
  const int64_t in_count = g.in_count();
  const int64_t out_last = g.out[last];
  const int64_t outer_count = out_count / std::max<int64_t>(out_last, 1);

  std::vector<int64_t> in_strides(n, 1);
  for (size_t a = last; a-- > 0;)
    in_strides[a] = in_strides[a + 1] * g.in[a + 1];

  std::vector<int64_t> k(n), o(n);
  for (int64_t c = 0; c < channels; ++c) {
    std::fill(k.begin(), k.end(), 0);
    for (int64_t kidx = 0; kidx < kernel_count; ++kidx) {
      const int64_t row = c * kernel_count + kidx;
      // The window positions whose last-axis image cell is inside: o * s + k * d - pb in [0, in).
      const int64_t shift = k[last] * g.dilations[last] - g.pads_begin[last];
      const int64_t s = g.strides[last];
      int64_t lo = shift >= 0 ? 0 : (-shift + s - 1) / s;
      int64_t hi = g.in[last] - shift <= 0 ? 0 : (g.in[last] - shift + s - 1) / s;
      lo = std::min(lo, out_last);
      hi = std::clamp(hi, lo, out_last);

      std::fill(o.begin(), o.end(), 0);
      for (int64_t outer = 0; outer < outer_count; ++outer) {
        int64_t offset = c * in_count;
        bool inside = true;
        for (size_t a = 0; a < last; ++a) {
          const int64_t i = o[a] * g.strides[a] + k[a] * g.dilations[a] - g.pads_begin[a];
          if (i < 0 || i >= g.in[a]) inside = false;
          offset += i * in_strides[a];
        }
        line(row * out_count + outer * out_last, inside, offset + shift + lo * s, lo, hi, s);
        for (size_t a = last; a-- > 0;) {
          if (++o[a] < g.out[a]) break;
          o[a] = 0;
        }
      }
      for (size_t a = n; a-- > 0;) {
        if (++k[a] < g.kernel[a]) break;
        k[a] = 0;
      }
    }
  }
}

}  // namespace

template <typename T>
void im2col(const WindowGeometry& g, int64_t channels, const T* image, T* col) {
  const int64_t out_last = g.out.back();
  for_each_line(
      g, channels,
      [&](int64_t col_at, bool inside, int64_t image_at, int64_t lo, int64_t hi, int64_t s) {
        T* dst = col + col_at;
        if (!inside || lo >= hi) {
          std::fill(dst, dst + out_last, T{0});
          return;
        }
        std::fill(dst, dst + lo, T{0});
        const T* src = image + image_at;
        if (s == 1) {
          std::memcpy(dst + lo, src, sizeof(T) * (hi - lo));
        } else {
          for (int64_t x = 0; x < hi - lo; ++x)
            dst[lo + x] = src[x * s];
        }
        std::fill(dst + hi, dst + out_last, T{0});
      });
}

template <typename T>
void col2im_add(const WindowGeometry& g, int64_t channels, const T* col, T* image) {
  for_each_line(
      g, channels,
      [&](int64_t col_at, bool inside, int64_t image_at, int64_t lo, int64_t hi, int64_t s) {
        if (!inside) return;
        const T* src = col + col_at + lo;
        T* dst = image + image_at;
        for (int64_t x = 0; x < hi - lo; ++x)
          dst[x * s] += src[x];
      });
}

template void im2col<float>(const WindowGeometry&, int64_t, const float*, float*);
template void im2col<double>(const WindowGeometry&, int64_t, const double*, double*);
template void col2im_add<float>(const WindowGeometry&, int64_t, const float*, float*);
template void col2im_add<double>(const WindowGeometry&, int64_t, const double*, double*);

}  // namespace nnport
