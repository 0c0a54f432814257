#include "formats/mxnet/attr_text.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include <fmt/format.h>

#include "ir/error.h"

namespace nnport::mxnet {

namespace {

std::string trim(const std::string& text) {
  const auto first = text.find_first_not_of(" \t\n\r");
  if (first == std::string::npos) return "";
  const auto last = text.find_last_not_of(" \t\n\r");
  return text.substr(first, last - first + 1);
}

bool is_none(const std::string& text) {
  return trim(text) == "None";
}

}  // namespace

int64_t parse_int_text(const std::string& text, const std::string& what) {
  std::string t = trim(text);
  // Python prints longs as "3L" in files written by MXNet under Python 2.
  if (!t.empty() && (t.back() == 'L' || t.back() == 'l')) t.pop_back();
  if (t.empty()) model_error("attribute '{}': empty integer", what);
  char* end = nullptr;
  errno = 0;
  const long long value = std::strtoll(t.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') model_error("attribute '{}': '{}' is not an integer", what, text);
  return value;
}

double parse_number_text(const std::string& text, const std::string& what) {
  const std::string t = trim(text);
  if (t.empty()) model_error("attribute '{}': empty number", what);
  char* end = nullptr;
  errno = 0;
  const double value = std::strtod(t.c_str(), &end);
  if (*end != '\0' || (errno == ERANGE && std::isinf(value)))
    model_error("attribute '{}': '{}' is not a number", what, text);
  return value;
}

bool parse_bool_text(const std::string& text, const std::string& what) {
  const std::string t = trim(text);
  if (t == "True" || t == "true" || t == "1") return true;
  if (t == "False" || t == "false" || t == "0") return false;
  model_error("attribute '{}': '{}' is not a boolean", what, text);
}

std::vector<std::string> split_tuple_text(const std::string& text, const std::string& what) {
  std::string t = trim(text);
  if (t.empty()) model_error("attribute '{}': empty tuple", what);
  const bool bracketed =
      (t.front() == '(' && t.back() == ')') || (t.front() == '[' && t.back() == ']');
  if (!bracketed) return {t};  // a single value stands for a one-element tuple
  t = trim(t.substr(1, t.size() - 2));
  std::vector<std::string> parts;
  if (t.empty()) return parts;
  size_t start = 0;
  while (true) {
    const size_t comma = t.find(',', start);
    std::string part = trim(t.substr(start, comma == std::string::npos ? comma : comma - start));
    // Python writes a one-element tuple as "(3,)": the empty trailing part is not an element.
    if (!part.empty() || comma != std::string::npos) {
      if (part.empty()) model_error("attribute '{}': empty element in '{}'", what, text);
      parts.push_back(std::move(part));
    }
    if (comma == std::string::npos) break;
    start = comma + 1;
    if (trim(t.substr(start)).empty()) break;
  }
  return parts;
}

const std::string* AttrText::find(const std::string& key) const {
  const auto it = attrs_.find(key);
  return it == attrs_.end() ? nullptr : &it->second;
}

bool AttrText::has(const std::string& key) const {
  const std::string* v = find(key);
  return v && !is_none(*v);
}

std::string AttrText::str(const std::string& key, const std::string& fallback) const {
  return has(key) ? trim(*find(key)) : fallback;
}

int64_t AttrText::integer(const std::string& key, int64_t fallback) const {
  return has(key) ? parse_int_text(*find(key), key) : fallback;
}

double AttrText::number(const std::string& key, double fallback) const {
  return has(key) ? parse_number_text(*find(key), key) : fallback;
}

bool AttrText::boolean(const std::string& key, bool fallback) const {
  return has(key) ? parse_bool_text(*find(key), key) : fallback;
}

std::vector<int64_t> AttrText::ints(const std::string& key, std::vector<int64_t> fallback) const {
  if (!has(key)) return fallback;
  std::vector<int64_t> out;
  for (const std::string& part : split_tuple_text(*find(key), key))
    out.push_back(parse_int_text(part, key));
  return out;
}

std::vector<std::optional<int64_t>> AttrText::optional_ints(const std::string& key) const {
  std::vector<std::optional<int64_t>> out;
  if (!has(key)) return out;
  for (const std::string& part : split_tuple_text(*find(key), key))
    out.push_back(is_none(part) ? std::nullopt : std::optional<int64_t>(parse_int_text(part, key)));
  return out;
}

std::vector<double> AttrText::numbers(const std::string& key, std::vector<double> fallback) const {
  if (!has(key)) return fallback;
  std::vector<double> out;
  for (const std::string& part : split_tuple_text(*find(key), key))
    out.push_back(parse_number_text(part, key));
  return out;
}

std::string tuple_text(const std::vector<int64_t>& values) {
  if (values.size() == 1) return fmt::format("({},)", values[0]);
  return fmt::format("({})", fmt::join(values, ", "));
}

std::string bool_text(bool value) {
  return value ? "True" : "False";
}

// fmt's shortest representation reads back to the same float32 (and the same double).
std::string float_text(float value) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return fmt::format("{}", value);
}

std::string double_text(double value) {
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return fmt::format("{}", value);
}

}  // namespace nnport::mxnet
