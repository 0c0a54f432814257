// NumPy .npy files (format versions 1-3, C order, little-endian) for inputs and outputs.
#pragma once

#include <string>

#include "ir/tensor.h"

namespace nnport {

Tensor read_npy(const std::string& path);
void write_npy(const std::string& path, const Tensor& tensor);  // atomic (temp + rename)

}  // namespace nnport
