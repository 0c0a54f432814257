// Typed node attributes. Floats are float32 because every framework stores them as float32;
// keeping that width means a value read and written again is bit-identical.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "ir/tensor.h"

namespace nnport {

enum class AttrType { Int, Float, String, Ints, Floats, Strings, Tensor };
std::string_view attr_type_name(AttrType type);

using AttrValue = std::variant<int64_t, float, std::string, std::vector<int64_t>,
                               std::vector<float>, std::vector<std::string>, Tensor>;

AttrType attr_value_type(const AttrValue& value);
std::string attr_value_to_string(const AttrValue& value);

// Attributes of one node, ordered by name so that dumps and written files are deterministic.
class Attributes {
 public:
  bool has(const std::string& name) const { return values_.count(name) != 0; }
  void set(const std::string& name, AttrValue value) { values_[name] = std::move(value); }
  void erase(const std::string& name) { values_.erase(name); }
  const AttrValue* find(const std::string& name) const;

  // Typed getters: the value if present (a model error if it has another type), else fallback.
  int64_t get_int(const std::string& name, int64_t fallback) const;
  float get_float(const std::string& name, float fallback) const;
  std::string get_string(const std::string& name, const std::string& fallback) const;
  std::vector<int64_t> get_ints(const std::string& name, std::vector<int64_t> fallback = {}) const;
  std::vector<float> get_floats(const std::string& name, std::vector<float> fallback = {}) const;
  std::vector<std::string> get_strings(const std::string& name,
                                       std::vector<std::string> fallback = {}) const;
  const Tensor* get_tensor(const std::string& name) const;

  const std::map<std::string, AttrValue>& all() const { return values_; }
  bool empty() const { return values_.empty(); }

 private:
  template <typename T>
  const T* typed(const std::string& name, AttrType expected) const;
  std::map<std::string, AttrValue> values_;
};

}  // namespace nnport
