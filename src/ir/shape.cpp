#include "ir/shape.h"

#include "ir/error.h"

namespace nnport {

Shape Shape::from_sizes(const std::vector<int64_t>& sizes) {
  std::vector<Dim> dims;
  dims.reserve(sizes.size());
  for (int64_t s : sizes) dims.emplace_back(s);
  return Shape(std::move(dims));
}

bool Shape::fully_known() const {
  if (!rank_known) return false;
  for (const Dim& d : dims)
    if (!d.known()) return false;
  return true;
}

std::vector<int64_t> Shape::sizes() const {
  if (!fully_known()) model_error("shape {} is not fully known", to_string());
  std::vector<int64_t> out;
  out.reserve(dims.size());
  for (const Dim& d : dims) out.push_back(d.size);
  return out;
}

std::string Shape::to_string() const {
  if (!rank_known) return "?";
  if (dims.empty()) return "scalar";
  std::string out;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) out += 'x';
    if (dims[i].known())
      out += std::to_string(dims[i].size);
    else
      out += dims[i].symbol.empty() ? "?" : dims[i].symbol;
  }
  return out;
}

int64_t element_count(const std::vector<int64_t>& sizes) {
  int64_t count = 1;
  for (int64_t s : sizes) {
    if (s < 0) model_error("negative dimension {} in shape {}", s, sizes_to_string(sizes));
    count = checked_mul(count, s);
  }
  return count;
}

std::string sizes_to_string(const std::vector<int64_t>& sizes) {
  std::string out = "[";
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(sizes[i]);
  }
  return out + "]";
}

}  // namespace nnport
