#pragma once

#include <span>

#include "runtime/kernel.h"

namespace nnport {

std::span<const KernelEntry> conv_kernels();           // conv.cpp
std::span<const KernelEntry> pool_kernels();           // pool.cpp
std::span<const KernelEntry> normalization_kernels();  // normalization.cpp
std::span<const KernelEntry> linalg_kernels();         // linalg.cpp
std::span<const KernelEntry> elementwise_kernels();    // elementwise.cpp
std::span<const KernelEntry> activation_kernels();     // activation.cpp
std::span<const KernelEntry> softmax_kernels();        // softmax.cpp
std::span<const KernelEntry> tensor_kernels();         // tensor.cpp
std::span<const KernelEntry> reduce_kernels();         // reduce.cpp
std::span<const KernelEntry> resize_kernels();         // resize.cpp
std::span<const KernelEntry> quantize_kernels();       // quantize.cpp

}  // namespace nnport
