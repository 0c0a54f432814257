// Entry points of the TFLite format (FlatBuffers .tflite), listed in formats/format_table.cpp.
#pragma once

#include <string>

#include "formats/format.h"

namespace nnport {

bool sniff_tflite(const std::string& path);
Graph read_tflite(const std::string& path, const ReadOptions& options);

}  // namespace nnport
