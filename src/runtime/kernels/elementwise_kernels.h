// The elementwise family's kernels are split over two files; elementwise.cpp lists both halves.
#pragma once

#include <span>

#include "runtime/kernel.h"

namespace nnport {

// elementwise_unary.cpp: unary math, Cast, Identity, Dropout.
std::span<const KernelEntry> elementwise_unary_kernels();

}  // namespace nnport
