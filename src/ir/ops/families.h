// One function per op family, each defined in the family's own file in this folder.
#pragma once

#include <span>

#include "ir/op_schema.h"

namespace nnport {

std::span<const OpSchema> conv_schemas();           // conv.cpp: Conv, ConvTranspose
std::span<const OpSchema> pool_schemas();           // pool.cpp: MaxPool, AveragePool, Global*
std::span<const OpSchema> normalization_schemas();  // normalization.cpp: BatchNormalization, LRN
std::span<const OpSchema> linalg_schemas();         // linalg.cpp: Gemm, MatMul
std::span<const OpSchema> elementwise_schemas();    // elementwise.cpp: broadcast binary, unary math
std::span<const OpSchema> activation_schemas();     // activation.cpp: Relu, Clip, Sigmoid, ...
std::span<const OpSchema> softmax_schemas();        // softmax.cpp: Softmax, LogSoftmax
std::span<const OpSchema> tensor_schemas();         // tensor.cpp: Concat, Reshape, Slice, ...
std::span<const OpSchema> reduce_schemas();         // reduce.cpp: ReduceMean/Max/Min/Sum
std::span<const OpSchema> resize_schemas();         // resize.cpp: Resize
std::span<const OpSchema> quantize_schemas();  // quantize.cpp: QuantizeLinear, DequantizeLinear

}  // namespace nnport
