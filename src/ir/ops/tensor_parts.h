// The tensor family's schemas are split over files by kind; tensor.cpp lists every part.
#pragma once

#include <vector>

#include "ir/op_schema.h"

namespace nnport {

// tensor_index.cpp: Slice, Pad, Gather, GatherElements, GatherND.
std::vector<OpSchema> tensor_index_schemas();

}  // namespace nnport
