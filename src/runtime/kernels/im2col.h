// Lowering of convolution windows to matrices, for any number of spatial axes (float32 and
// float64).
//
// The geometry relates an image grid (`in`) and a window grid (`out`): window position o and
// kernel offset k read image cell o * stride + k * dilation - pad_begin (a zero when outside).
// The column matrix has one row per (channel, kernel offset) and one column per window position.
#pragma once

#include "runtime/kernels/nn_common.h"

namespace nnport {

// col[(c * kernel_count + k) * out_count + o] = image[c][o * s + k * d - pb] (or 0).
template <typename T>
void im2col(const WindowGeometry& g, int64_t channels, const T* image, T* col);

// The adjoint (used by ConvTranspose): image[c][o * s + k * d - pb] += col[...], skipping cells
// outside the image. `image` must be initialised by the caller.
template <typename T>
void col2im_add(const WindowGeometry& g, int64_t channels, const T* col, T* image);

}  // namespace nnport
