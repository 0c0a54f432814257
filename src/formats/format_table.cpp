// Every model format nnport reads or writes.
#include <vector>

#include "formats/format.h"

namespace nnport {

namespace {
const std::vector<Format> kFormats = {};
}  // namespace

std::span<const Format> all_formats() { return kFormats; }

}  // namespace nnport
