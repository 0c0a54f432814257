// Resize geometry shared by shape inference and the kernel: which output size each axis gets,
// and the scale that maps output coordinates back to input coordinates (ONNX opset 19-21).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ir/op_schema.h"

namespace nnport {

enum class ResizeMode { Nearest, Linear, Cubic };

struct ResizeGeometry {
  std::vector<int64_t> out;                // output size per axis of the input
  std::vector<double> scales;              // per axis; 1 for axes not resized
  std::vector<double> roi_begin, roi_end;  // per axis, as fractions; only tf_crop_and_resize
};

// Reads and checks mode, coordinate_transformation_mode, nearest_mode and the policy attributes
// (a model error for unknown values and for antialias when it would change the result).
ResizeMode read_resize_mode(const AttrReader& attrs);

// `scales` or `sizes` (exactly one; an empty tensor counts as absent) over the `axes`
// attribute, or over every axis. `roi` may be empty.
ResizeGeometry resize_geometry(const AttrReader& attrs, const std::vector<int64_t>& in,
                               const std::vector<float>& scales, const std::vector<int64_t>& sizes,
                               const std::vector<float>& roi);

// Checks antialias: it changes only linear and cubic downscaling, which is not implemented.
void check_resize_antialias(const AttrReader& attrs, ResizeMode mode,
                            const std::vector<double>& scales);

}  // namespace nnport
