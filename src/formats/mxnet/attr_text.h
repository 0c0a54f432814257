// MXNet stores every operator parameter as a string ("(3, 3)", "True", "1e-05", "None"). These
// helpers parse them for the reader and print them for the writer, in the spellings MXNet's
// dmlc::Parameter parser accepts.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace nnport::mxnet {

using AttrMap = std::map<std::string, std::string>;

// Typed access to one node's attribute strings. Every failure is a model error naming the
// attribute; callers add the node name through their error context.
class AttrText {
 public:
  explicit AttrText(const AttrMap& attrs) : attrs_(attrs) {}

  bool has(const std::string& key) const;  // present and not "None"
  std::string str(const std::string& key, const std::string& fallback) const;
  int64_t integer(const std::string& key, int64_t fallback) const;
  double number(const std::string& key, double fallback) const;
  bool boolean(const std::string& key, bool fallback) const;
  // "(3, 3)", "[3,3]", "3" (one value); "()" gives an empty tuple.
  std::vector<int64_t> ints(const std::string& key, std::vector<int64_t> fallback) const;
  // Like ints() but allows "None" entries (slice begin/end); nullopt marks them.
  std::vector<std::optional<int64_t>> optional_ints(const std::string& key) const;
  std::vector<double> numbers(const std::string& key, std::vector<double> fallback) const;

 private:
  const std::string* find(const std::string& key) const;
  const AttrMap& attrs_;
};

// Parsers for a single value (exposed for tests and for tuple-valued node attributes).
int64_t parse_int_text(const std::string& text, const std::string& what);
double parse_number_text(const std::string& text, const std::string& what);
bool parse_bool_text(const std::string& text, const std::string& what);
std::vector<std::string> split_tuple_text(const std::string& text, const std::string& what);

// Writer-side spellings: "(3, 3)", "True"/"False", and numbers that read back bit-exactly.
std::string tuple_text(const std::vector<int64_t>& values);
std::string bool_text(bool value);
std::string float_text(float value);
std::string double_text(double value);

}  // namespace nnport::mxnet
