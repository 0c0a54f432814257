// MXNet files as untrusted input: hand-made .params bytes (absurd and overflowing shapes,
// negative dims and ranks, lengths beyond the file, every truncation and byte mutation of a
// good file) and symbol JSON (truncations, bad references, bad attribute text, absurd counts)
// must end in a model error naming the file and the array or node, never a crash or a huge
// allocation. Also: generated Python stays valid whatever the model's names contain.
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "formats/mxnet/symbol.h"
#include "mxnet_test_util.h"

namespace nnport {
namespace {

using mxnet::NamedArray;
using mxnet_test::pattern;
using mxnet_test::tensor;

class Bytes {
 public:
  template <typename T>
  Bytes& put(T value) {
    data_.append(reinterpret_cast<const char*>(&value), sizeof(T));
    return *this;
  }
  Bytes& zeros(size_t count) {
    data_.append(count, '\0');
    return *this;
  }
  Bytes& name(const std::string& text) {
    put(static_cast<uint64_t>(text.size()));
    data_ += text;
    return *this;
  }
  const std::string& str() const { return data_; }

 private:
  std::string data_;
};

constexpr uint32_t kV2 = 0xF993FAC9;
constexpr uint32_t kV3 = 0xF993FACA;

Bytes one_array_file(const std::vector<int64_t>& dims, size_t data_bytes, uint32_t magic = kV2,
                     int32_t ndim_override = -2) {
  Bytes b;
  b.put(uint64_t{0x112}).put(uint64_t{0}).put(uint64_t{1});
  b.put(magic).put(int32_t{0});
  b.put(ndim_override == -2 ? static_cast<int32_t>(dims.size()) : ndim_override);
  for (int64_t d : dims)
    b.put(d);
  b.put(int32_t{1}).put(int32_t{0}).put(int32_t{0}).zeros(data_bytes);
  b.put(uint64_t{1}).name("arg:w");
  return b;
}

std::vector<NamedArray> parse(const std::string& bytes) {
  return mxnet::parse_ndarray_list(std::make_shared<StringBuffer>(bytes), "fuzz.params");
}

void expect_params_error(const std::string& bytes, const std::vector<std::string>& fragments) {
  try {
    parse(bytes);
    ADD_FAILURE() << "no error; expected '" << fragments[0] << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Model) << e.what();
    for (const std::string& fragment : fragments)
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos)
          << "missing '" << fragment << "' in: " << e.what();
  }
}

TEST(MxnetUntrustedParams, AbsurdShapesAreNamedErrors) {
  // (2^20)^4 elements overflow int64: the product is checked, not wrapped.
  expect_params_error(one_array_file({1 << 20, 1 << 20, 1 << 20, 1 << 20}, 16).str(),
                      {"fuzz.params: array #0", "overflow"});
  // 2^62 elements times 4 bytes overflows only in the byte count.
  expect_params_error(one_array_file({int64_t{1} << 62}, 16).str(),
                      {"fuzz.params: array #0", "overflow"});
  // Representable but far beyond the file: refused before any allocation.
  expect_params_error(one_array_file({1 << 30, 1 << 30}, 16).str(),
                      {"fuzz.params: array #0 data", "truncated"});
  expect_params_error(one_array_file({4, -4}, 64).str(),
                      {"fuzz.params: array #0", "negative dimension -4"});
  expect_params_error(one_array_file({}, 0, kV2, -7).str(), {"array #0", "rank -7"});
  expect_params_error(one_array_file({}, 0, kV2, 1000).str(), {"array #0", "rank 1000"});
  expect_params_error(one_array_file({}, 0, kV3, -1).str(), {"array #0", "empty"});
  expect_params_error(one_array_file({}, 0, kV2, 0).str(), {"array #0", "empty"});
  // No magic and a first word too large to be a legacy rank.
  expect_params_error(one_array_file({2}, 8, 0x12345678).str(),
                      {"array #0", "unknown array magic 0x12345678"});
}

TEST(MxnetUntrustedParams, CountsAndLengthsBeyondTheFile) {
  Bytes huge_count;
  huge_count.put(uint64_t{0x112}).put(uint64_t{0}).put(uint64_t{1} << 60);
  expect_params_error(huge_count.str(), {"fuzz.params", "array count"});
  // A name length of 2^63: bounded by the bytes left, no string of that size is built.
  std::string good = one_array_file({2}, 8).str();
  Bytes long_name;
  long_name.put(uint64_t{1}).put(uint64_t{1} << 63);
  const std::string names_at = good.substr(0, good.size() - 8 - 5 - 8);
  expect_params_error(names_at + long_name.str() + "arg:w", {"name #0", "truncated"});
  // Two names for one array.
  Bytes two_names;
  two_names.put(uint64_t{2}).name("arg:w").name("arg:v");
  expect_params_error(names_at + two_names.str(), {"1 arrays but 2 names"});
  // A device type no MXNet build has.
  std::string bad_device = good;
  const size_t device_at = 24 + 4 + 4 + 4 + 8;
  bad_device[device_at] = 9;
  expect_params_error(bad_device, {"array #0", "invalid device type 9"});
}

// A good three-array file, cut at every length and with every byte set to a few values: the
// parser must return or throw a model error, nothing else (no crash, no bad_alloc).
TEST(MxnetUntrustedParams, EveryTruncationAndByteMutationIsHandled) {
  mxnet_test::TempDir dir;
  const std::string path = dir.file("good.params");
  mxnet::write_ndarray_list(path, {{"arg:a", tensor({2, 3}, pattern(6))},
                                   {"aux:b", Tensor::from_vector<int32_t>({1}, {7})},
                                   {"arg:c", tensor({3}, {1, 2, 3})}});
  std::ifstream in(path, std::ios::binary);
  const std::string good((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_EQ(parse(good).size(), 3u);
  size_t errors = 0, parsed = 0;
  auto attempt = [&](const std::string& bytes, const std::string& what) {
    try {
      parse(bytes);
      ++parsed;
    } catch (const Error& e) {
      ASSERT_EQ(e.kind(), ErrorKind::Model) << what << ": " << e.what();
      ASSERT_NE(std::string(e.what()).find("fuzz.params"), std::string::npos)
          << what << ": " << e.what();
      ++errors;
    } catch (const std::exception& e) {
      FAIL() << what << ": not a model error: " << e.what();
    }
  };
  for (size_t length = 0; length < good.size(); ++length)
    attempt(good.substr(0, length), fmt::format("cut at {}", length));
  for (size_t i = 0; i < good.size(); ++i)
    for (unsigned char value : {0x00, 0x01, 0x7f, 0x80, 0xff}) {
      std::string mutated = good;
      mutated[i] = static_cast<char>(value);
      attempt(mutated, fmt::format("byte {} = 0x{:02x}", i, value));
    }
  EXPECT_EQ(errors + parsed, good.size() * 6);
  EXPECT_GE(errors, good.size());  // every truncation at least
}

// --- symbol JSON ---

const char* kConvSymbol = R"j({
  "nodes": [
    {"op": "null", "name": "data", "inputs": []},
    {"op": "null", "name": "c_weight", "inputs": []},
    {"op": "Convolution", "name": "c", "attrs": {"kernel": "(3, 3)", "num_filter": "2",
     "no_bias": "True"}, "inputs": [[0, 0, 0], [1, 0, 0]]},
    {"op": "Activation", "name": "act", "attrs": {"act_type": "relu"}, "inputs": [[2, 0, 0]]}
  ],
  "arg_nodes": [0, 1], "heads": [[3, 0, 0]]
})j";

std::string with(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  if (at == std::string::npos) throw std::logic_error("test bug: no '" + from + "'");
  return text.replace(at, from.size(), to);
}

// An empty `data_dims` leaves the data shape unknown.
void expect_symbol_error(const std::string& symbol, const std::vector<std::string>& fragments,
                         std::vector<int64_t> data_dims = {1, 1, 6, 6}) {
  mxnet_test::TempDir dir;
  try {
    mxnet_test::read_checkpoint(
        dir, symbol, {{"arg:c_weight", tensor({2, 1, 3, 3}, pattern(18))}},
        data_dims.empty() ? std::map<std::string, std::vector<int64_t>>{}
                          : std::map<std::string, std::vector<int64_t>>{{"data", data_dims}});
    ADD_FAILURE() << "no error; expected '" << fragments[0] << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Model) << e.what();
    EXPECT_NE(std::string(e.what()).find("net-symbol.json: "), std::string::npos) << e.what();
    for (const std::string& fragment : fragments)
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos)
          << "missing '" << fragment << "' in: " << e.what();
  }
}

TEST(MxnetUntrustedSymbol, GoodBaseReads) {
  mxnet_test::TempDir dir;
  const Graph g = mxnet_test::read_checkpoint(dir, kConvSymbol,
                                              {{"arg:c_weight", tensor({2, 1, 3, 3}, pattern(18))}},
                                              {{"data", {1, 1, 6, 6}}});
  EXPECT_EQ(g.value(g.outputs[0]).shape, Shape::from_sizes({1, 2, 4, 4}));
}

TEST(MxnetUntrustedSymbol, AttributeTextErrorsNameTheNode) {
  const std::string conv = R"j("kernel": "(3, 3)")j";
  expect_symbol_error(with(kConvSymbol, conv, R"j("kernel": "(3, three)")j"),
                      {"node 'c' (Convolution)", "'kernel'", "'three' is not an integer"});
  expect_symbol_error(with(kConvSymbol, conv, R"j("kernel": "(99999999999999999999, 3)")j"),
                      {"node 'c' (Convolution)", "not an integer"});
  expect_symbol_error(with(kConvSymbol, conv, R"j("kernel": "(3,, 3)")j"),
                      {"node 'c' (Convolution)", "empty element"});
  expect_symbol_error(with(kConvSymbol, conv, R"j("kernel": "(-3, 3)")j"),
                      {"node 'c' (Convolution)", "not valid"});
  expect_symbol_error(with(kConvSymbol, R"j("no_bias": "True")j", R"j("no_bias": "maybe")j"),
                      {"node 'c' (Convolution)", "'maybe' is not a boolean"});
  expect_symbol_error(
      with(kConvSymbol, R"j("act_type": "relu")j", R"j("act_type": "relu", "x": 3)j"),
      {"node 'act' (Activation)", "attribute 'x' must be a string"});
}

TEST(MxnetUntrustedSymbol, AbsurdSizesAreNamedErrors) {
  // A kernel far larger than the input: shape inference refuses it, naming the node.
  expect_symbol_error(
      with(kConvSymbol, R"j("kernel": "(3, 3)")j", R"j("kernel": "(4611686018427387904, 3)")j"),
      {"node 'c'"});
  const std::string reshape = R"j({
  "nodes": [
    {"op": "null", "name": "data", "inputs": []},
    {"op": "Reshape", "name": "r", "attrs": {"shape": "(-2, 4611686018427387904, 4)"},
     "inputs": [[0, 0, 0]]}
  ],
  "arg_nodes": [0], "heads": [[1, 0, 0]]
})j";
  expect_symbol_error(reshape, {"node 'r' (Reshape)", "overflow"}, {2, 3});
  const std::string split = R"j({
  "nodes": [
    {"op": "null", "name": "data", "inputs": []},
    {"op": "SliceChannel", "name": "s", "attrs": {"num_outputs": "1000000000000"},
     "inputs": [[0, 0, 0]]}
  ],
  "arg_nodes": [0], "heads": [[1, 0, 0]]
})j";
  expect_symbol_error(split, {"node 's' (SliceChannel)", "does not divide"});
  expect_symbol_error(split, {"node 's' (SliceChannel)", "beyond any real model"}, {});
  const std::string upsample = R"j({
  "nodes": [
    {"op": "null", "name": "data", "inputs": []},
    {"op": "UpSampling", "name": "up", "attrs": {"scale": "0", "sample_type": "nearest"},
     "inputs": [[0, 0, 0]]}
  ],
  "arg_nodes": [0], "heads": [[1, 0, 0]]
})j";
  expect_symbol_error(upsample, {"node 'up' (UpSampling)", "scale 0"});
}

TEST(MxnetUntrustedSymbol, BadStructureIsNamed) {
  expect_symbol_error(with(kConvSymbol, "[[2, 0, 0]]", "[[7, 0, 0]]"),
                      {"node 'act' (Activation)", "refers to no node"});
  expect_symbol_error(with(kConvSymbol, "[[2, 0, 0]]", "[[2, -1, 0]]"),
                      {"node 'act' (Activation)", "refers to no node"});
  expect_symbol_error(with(kConvSymbol, "[[2, 0, 0]]", "[[3, 0, 0]]"),
                      {"node 'act' (Activation)", "topological order"});
  expect_symbol_error(with(kConvSymbol, "[[2, 0, 0]]", "[[2, 5, 0]]"),
                      {"node 'act' (Activation)", "output 5 of node 'c'"});
  expect_symbol_error(with(kConvSymbol, "[[2, 0, 0]]", "[[\"c\", 0, 0]]"),
                      {"node 'act' (Activation)", "an input must be"});
  expect_symbol_error(with(kConvSymbol, R"j("heads": [[3, 0, 0]])j", R"j("heads": [])j"),
                      {"no outputs"});
  expect_symbol_error(with(kConvSymbol, R"j("heads": [[3, 0, 0]])j", R"j("heads": [[3, 2, 0]])j"),
                      {"heads", "output 2 of node 'act'"});
  expect_symbol_error(with(kConvSymbol, R"j("name": "act")j", R"j("name": 5)j"),
                      {"node #3", "needs string 'op' and 'name'"});
  // A BatchNorm whose gamma is computed, not stored: refused, not dereferenced.
  const std::string bn = R"j({
  "nodes": [
    {"op": "null", "name": "data", "inputs": []},
    {"op": "null", "name": "g", "inputs": []},
    {"op": "Activation", "name": "g_act", "attrs": {"act_type": "relu"}, "inputs": [[1, 0, 0]]},
    {"op": "null", "name": "b", "inputs": []},
    {"op": "null", "name": "m", "inputs": []},
    {"op": "null", "name": "v", "inputs": []},
    {"op": "BatchNorm", "name": "bn", "inputs": [[0, 0, 0], [2, 0, 0], [3, 0, 0], [4, 0, 0],
     [5, 0, 0]]}
  ],
  "arg_nodes": [0, 1, 3, 4, 5], "heads": [[6, 0, 0]]
})j";
  mxnet_test::TempDir dir;
  try {
    mxnet_test::read_checkpoint(dir, bn,
                                {{"arg:g", tensor({1}, {2})},
                                 {"arg:b", tensor({1}, {0})},
                                 {"aux:m", tensor({1}, {0})},
                                 {"aux:v", tensor({1}, {1})}},
                                {{"data", {1, 1, 2, 2}}});
    ADD_FAILURE() << "no error for a computed gamma";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("node 'bn' (BatchNorm): gamma must be a stored"),
              std::string::npos)
        << e.what();
  }
}

// MXNet's Pad pads 4-d and 5-d input on the spatial axes only and never crops; the IR's Pad
// could do all of that, so the reader must refuse what MXNet refuses.
TEST(MxnetUntrustedSymbol, PadRefusesWhatMxnetRefuses) {
  const std::string pad = R"j({
  "nodes": [
    {"op": "null", "name": "data", "inputs": []},
    {"op": "Pad", "name": "p", "attrs": {"mode": "constant", "pad_width": "WIDTH"},
     "inputs": [[0, 0, 0]]}
  ],
  "arg_nodes": [0], "heads": [[1, 0, 0]]
})j";
  {
    mxnet_test::TempDir dir;
    const Graph g = mxnet_test::read_checkpoint(dir, with(pad, "WIDTH", "(0, 0, 0, 0, 0, 1, 2, 0)"),
                                                {}, {{"data", {1, 1, 2, 2}}});
    EXPECT_EQ(g.value(g.outputs[0]).shape, Shape::from_sizes({1, 1, 3, 4}));
  }
  expect_symbol_error(with(pad, "WIDTH", "(0, 0, 0, 0, 0, -1, 0, 0)"),
                      {"node 'p' (Pad)", "negative pad_width"});
  expect_symbol_error(with(pad, "WIDTH", "(0, 0, 1, 1, 0, 0, 0, 0)"),
                      {"node 'p' (Pad)", "pads axis 0 or 1"});
  expect_symbol_error(with(pad, "WIDTH", "(1, 1)"), {"node 'p' (Pad)", "4-d and 5-d only"});
}

// Cutting the symbol text anywhere gives a model error naming the file.
TEST(MxnetUntrustedSymbol, EveryTruncationIsAModelError) {
  const std::string text = kConvSymbol;
  for (size_t length = 0; length + 1 < text.size(); ++length) {
    try {
      mxnet::parse_symbol_json(text.substr(0, length), "cut-symbol.json");
      ADD_FAILURE() << "cut at " << length << " parsed";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Model);
      EXPECT_NE(std::string(e.what()).find("cut-symbol.json"), std::string::npos) << e.what();
    }
  }
  // Deep nesting is valid JSON but no symbol; it must not exhaust the stack.
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_THROW(mxnet::parse_symbol_json(deep, "deep-symbol.json"), Error);
}

// The .params beside a symbol file is the highest epoch whose number parses; names that only
// look like checkpoints are skipped, never a reason to fail.
TEST(MxnetUntrustedNames, ParamsFileIsTheHighestParsableEpoch) {
  mxnet_test::TempDir dir;
  for (const char* name : {"net-0003.params", "net-3.params", "net-0002.params",
                           "net-99999999999999999999999.params", "net--1.params", "net-.params",
                           "net-0x10.params", "net-0004.params.bak", "other-0009.params"})
    mxnet_test::write_file(dir.file(name), "");
  EXPECT_EQ(mxnet::find_params_file(dir.file("net-symbol.json")), dir.file("net-0003.params"));
  EXPECT_EQ(mxnet::find_params_file(dir.file("none-symbol.json")), "");
}

// Names with quotes, backslashes and line breaks (legal in ONNX and TF names) must not break the
// generated script.
TEST(MxnetUntrustedNames, GeneratedPythonEscapesEveryName) {
  Graph g;
  g.name = "model\nname 'with' \\ quotes";
  Value& in = g.add_value("in'put\r");
  in.dtype = DType::Float32;
  in.shape = Shape::from_sizes({1, 4});
  g.inputs.push_back("in'put\r");
  Node relu;
  relu.op = "Relu";
  relu.name = "re\nlu\\'\x01";
  relu.inputs = {"in'put\r"};
  relu.outputs = {"out\n"};
  g.add_value("out\n");
  g.nodes.push_back(relu);
  g.outputs = {"out\n"};
  infer_shapes(g);
  mxnet_test::TempDir dir;
  const std::string script = dir.file("net.py");
  mxnet::write_python_code(g, script, WriteOptions{});
  EXPECT_EQ(0, std::system(fmt::format("/usr/bin/python3 -m py_compile '{}'", script).c_str()));
  // The literals read back as the exact names of the symbol file.
  const std::string check = dir.file("check.py");
  mxnet_test::write_file(check, fmt::format(R"py(import ast, json, sys
tree = ast.parse(open(sys.argv[1]).read())
literals = {{n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}}
names = {{n["name"] for n in json.load(open(sys.argv[2]))["nodes"]}}
sys.exit(0 if names <= literals else 1)
)py"));
  EXPECT_EQ(0, std::system(fmt::format("/usr/bin/python3 '{}' '{}' '{}'", check, script,
                                       dir.file("net-symbol.json"))
                               .c_str()));
}

}  // namespace
}  // namespace nnport
