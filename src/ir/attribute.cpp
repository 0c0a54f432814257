#include "ir/attribute.h"

#include <fmt/format.h>

#include "ir/error.h"

namespace nnport {

std::string_view attr_type_name(AttrType type) {
  switch (type) {
    case AttrType::Int: return "int";
    case AttrType::Float: return "float";
    case AttrType::String: return "string";
    case AttrType::Ints: return "ints";
    case AttrType::Floats: return "floats";
    case AttrType::Strings: return "strings";
    case AttrType::Tensor: return "tensor";
  }
  return "?";
}

AttrType attr_value_type(const AttrValue& value) { return static_cast<AttrType>(value.index()); }

namespace {
std::string float_text(float v) { return fmt::format("{}", v); }  // shortest round-trip form
}  // namespace

std::string attr_value_to_string(const AttrValue& value) {
  struct Visitor {
    std::string operator()(int64_t v) const { return std::to_string(v); }
    std::string operator()(float v) const { return float_text(v); }
    std::string operator()(const std::string& v) const { return fmt::format("\"{}\"", v); }
    std::string operator()(const std::vector<int64_t>& v) const {
      return fmt::format("[{}]", fmt::join(v, ","));
    }
    std::string operator()(const std::vector<float>& v) const {
      std::vector<std::string> parts;
      for (float f : v) parts.push_back(float_text(f));
      return fmt::format("[{}]", fmt::join(parts, ","));
    }
    std::string operator()(const std::vector<std::string>& v) const {
      std::vector<std::string> parts;
      for (const auto& s : v) parts.push_back(fmt::format("\"{}\"", s));
      return fmt::format("[{}]", fmt::join(parts, ","));
    }
    std::string operator()(const Tensor& t) const {
      return fmt::format("tensor<{} {}>", dtype_name(t.dtype()), sizes_to_string(t.dims()));
    }
  };
  return std::visit(Visitor{}, value);
}

const AttrValue* Attributes::find(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? nullptr : &it->second;
}

template <typename T>
const T* Attributes::typed(const std::string& name, AttrType expected) const {
  const AttrValue* v = find(name);
  if (!v) return nullptr;
  if (const T* p = std::get_if<T>(v)) return p;
  model_error("attribute '{}' is {} but {} was expected", name,
              attr_type_name(attr_value_type(*v)), attr_type_name(expected));
}

int64_t Attributes::get_int(const std::string& name, int64_t fallback) const {
  const auto* p = typed<int64_t>(name, AttrType::Int);
  return p ? *p : fallback;
}
float Attributes::get_float(const std::string& name, float fallback) const {
  const auto* p = typed<float>(name, AttrType::Float);
  return p ? *p : fallback;
}
std::string Attributes::get_string(const std::string& name, const std::string& fallback) const {
  const auto* p = typed<std::string>(name, AttrType::String);
  return p ? *p : fallback;
}
std::vector<int64_t> Attributes::get_ints(const std::string& name,
                                          std::vector<int64_t> fallback) const {
  const auto* p = typed<std::vector<int64_t>>(name, AttrType::Ints);
  return p ? *p : fallback;
}
std::vector<float> Attributes::get_floats(const std::string& name,
                                          std::vector<float> fallback) const {
  const auto* p = typed<std::vector<float>>(name, AttrType::Floats);
  return p ? *p : fallback;
}
std::vector<std::string> Attributes::get_strings(const std::string& name,
                                                 std::vector<std::string> fallback) const {
  const auto* p = typed<std::vector<std::string>>(name, AttrType::Strings);
  return p ? *p : fallback;
}
const Tensor* Attributes::get_tensor(const std::string& name) const {
  return typed<Tensor>(name, AttrType::Tensor);
}

}  // namespace nnport
