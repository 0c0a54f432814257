// Helpers shared by the op converters: layout transposes around NCHW-only IR ops, small
// constants, and the activations that TF fuses into convolutions and matmuls.
#pragma once

#include <string>
#include <vector>

#include "formats/tensorflow/tf_converter.h"

namespace nnport::tf {

// NHWC -> NCHW (rank 4) or NWC -> NCW / NDHWC -> NCDHW for other ranks.
std::vector<int64_t> to_channels_first_perm(size_t rank);
std::vector<int64_t> to_channels_last_perm(size_t rank);

// Emits the Transpose that brings a channels-last value to channels-first.
std::string to_channels_first(NodeConverter& c, const std::string& value, size_t rank = 4);
// Emits the Transpose from a channels-first value into `out` (channels-last).
void to_channels_last(NodeConverter& c, const std::string& value, const std::string& out,
                      size_t rank = 4);

// Picks the spatial entries out of a TF per-dimension list ([1, h, w, 1] for NHWC,
// [1, 1, h, w] for NCHW); checks the batch and channel entries are 1.
std::vector<int64_t> spatial_values(NodeConverter& c, const std::vector<int64_t>& values,
                                    bool channels_last, const std::string& what);

std::string int64_constant(NodeConverter& c, const std::vector<int64_t>& values,
                           const std::string& suffix);
std::string scalar_constant(NodeConverter& c, DType dtype, double value, const std::string& suffix);

// Applies a TF activation (Relu, Relu6, Elu, LeakyRelu, Selu, Sigmoid, Tanh, Prelu) to `in`,
// writing `out`. `alpha` is Prelu's slope value (ignored otherwise).
void emit_activation(NodeConverter& c, const std::string& activation, const std::string& in,
                     const std::string& out, const std::string& alpha = "");
bool is_fusable_activation(const std::string& activation);

Attributes attrs_of(std::initializer_list<std::pair<std::string, nnport::AttrValue>> list);

}  // namespace nnport::tf
