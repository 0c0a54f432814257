// Shape-inference helpers shared by the elementwise, activation, softmax, reduce and tensor op
// families: axis normalisation, numpy broadcasting over partly known shapes, reading constant
// integer inputs, and overflow-checked output shapes.
#pragma once

#include <optional>
#include <vector>

#include "ir/op_schema.h"

namespace nnport {

// Maps an axis in [-rank, rank) to [0, rank); a model error naming `what` otherwise.
int64_t normalize_axis(int64_t axis, int64_t rank, const char* what = "axis");
// Normalises every axis and refuses duplicates.
std::vector<int64_t> normalize_axes(const std::vector<int64_t>& axes, int64_t rank,
                                    const char* what = "axes");

// Numpy (multidirectional) broadcasting of two shapes. A dim of unknown size broadcast against
// a known size > 1 must equal it; against 1 it stays unknown. Incompatible known dims are a
// model error naming both shapes.
Shape broadcast_shapes(const Shape& a, const Shape& b);

// Sets output i after checking that the product of its known dims does not overflow int64.
void set_checked_output(InferenceContext& ctx, size_t i, DType dtype, Shape shape);

// Input i as int64 values when it is a constant integer tensor; nullopt otherwise.
std::optional<std::vector<int64_t>> constant_ints(const InferenceContext& ctx, size_t i);

// Refuses inputs whose known dtypes differ from input `first` (ONNX type constraint T).
DType common_input_dtype(const InferenceContext& ctx, size_t first, size_t end);

// The output has input 0's dtype and shape.
void infer_same_as_input(InferenceContext& ctx);

// A shape of `rank` dims, all unknown; or wholly unknown when rank < 0.
Shape unknown_dims(int64_t rank);

}  // namespace nnport
