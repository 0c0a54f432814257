// Shapes of graph values: each dimension is a known size, a named symbol ("batch"), or unknown.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nnport {

struct Dim {
  int64_t size = -1;   // >= 0 when known
  std::string symbol;  // set for a named unknown dim ("N", "batch")

  Dim() = default;
  Dim(int64_t known) : size(known) {}  // NOLINT: a known size reads naturally as a Dim
  static Dim named(std::string name) {
    Dim d;
    d.symbol = std::move(name);
    return d;
  }
  bool known() const { return size >= 0; }
  bool operator==(const Dim&) const = default;
};

// A value's shape. `rank_known == false` means nothing is known, not even the rank.
struct Shape {
  std::vector<Dim> dims;
  bool rank_known = false;

  Shape() = default;
  explicit Shape(std::vector<Dim> d) : dims(std::move(d)), rank_known(true) {}
  static Shape from_sizes(const std::vector<int64_t>& sizes);
  static Shape unknown() { return Shape(); }

  size_t rank() const { return dims.size(); }
  bool fully_known() const;
  // Sizes of a fully known shape; throws a model error otherwise.
  std::vector<int64_t> sizes() const;
  std::string to_string() const;  // "1x3x224x224", "Nx3x?x?", "?"
  bool operator==(const Shape&) const = default;
};

// Element count with overflow checks: shapes come from untrusted files.
int64_t element_count(const std::vector<int64_t>& sizes);
std::string sizes_to_string(const std::vector<int64_t>& sizes);

}  // namespace nnport
