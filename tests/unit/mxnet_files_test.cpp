// MXNet file formats: the NDArray list (.params) in its V2, V1, V3 and legacy layouts, the
// symbol JSON in its 1.x and 0.8 spellings, attribute strings, and node-named errors for bad
// files.
#include <gtest/gtest.h>

#include <cstring>

#include "formats/mxnet/attr_text.h"
#include "formats/mxnet/symbol.h"
#include "mxnet_test_util.h"
#include "shared_testdata.h"

namespace nnport {
namespace {

using mxnet::NamedArray;

// Little-endian byte builder for hand-made files.
class Bytes {
 public:
  template <typename T>
  Bytes& put(T value) {
    const auto* p = reinterpret_cast<const char*>(&value);
    data_.append(p, sizeof(T));
    return *this;
  }
  Bytes& floats(const std::vector<float>& values) {
    for (float v : values)
      put(v);
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

std::vector<NamedArray> parse(const std::string& bytes) {
  return mxnet::parse_ndarray_list(std::make_shared<StringBuffer>(bytes), "test.params");
}

Bytes list_header(uint64_t count) {
  Bytes b;
  b.put(uint64_t{0x112}).put(uint64_t{0}).put(count);
  return b;
}

TEST(MxnetParams, RoundTripKeepsNamesDtypesAndBytes) {
  mxnet_test::TempDir dir;
  const std::vector<NamedArray> arrays = {
      {"arg:w", mxnet_test::tensor({2, 3}, {1, 2, 3, 4, 5, 6})},
      {"aux:m", Tensor::from_vector<int32_t>({1}, {-7})},
      {"arg:h", Tensor::from_vector<uint8_t>({3}, {1, 2, 255})},
  };
  const std::string path = dir.file("x.params");
  mxnet::write_ndarray_list(path, arrays);
  const std::vector<NamedArray> back = mxnet::read_ndarray_list(path);
  ASSERT_EQ(back.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(back[i].name, arrays[i].name);
    EXPECT_EQ(back[i].tensor.dtype(), arrays[i].tensor.dtype());
    EXPECT_EQ(back[i].tensor.dims(), arrays[i].tensor.dims());
    EXPECT_EQ(
        0, std::memcmp(back[i].tensor.raw(), arrays[i].tensor.raw(), arrays[i].tensor.byte_size()));
  }
}

TEST(MxnetParams, ReadsEveryHistoricalArrayLayout) {
  const std::vector<float> values = {1.5f, -2.0f};
  // V2: magic, storage type, int32 ndim + int64 dims, context, type flag, data.
  Bytes v2 = list_header(1);
  v2.put(uint32_t{0xF993FAC9}).put(int32_t{0}).put(int32_t{1}).put(int64_t{2});
  v2.put(int32_t{1}).put(int32_t{0}).put(int32_t{0}).floats(values).put(uint64_t{1}).name("a");
  // V3 (MXNet 2 numpy shapes): same framing with its own magic.
  Bytes v3 = list_header(1);
  v3.put(uint32_t{0xF993FACA}).put(int32_t{0}).put(int32_t{1}).put(int64_t{2});
  v3.put(int32_t{1}).put(int32_t{0}).put(int32_t{0}).floats(values).put(uint64_t{1}).name("a");
  // V1: magic, no storage type.
  Bytes v1 = list_header(1);
  v1.put(uint32_t{0xF993FAC8}).put(int32_t{1}).put(int64_t{2});
  v1.put(int32_t{2}).put(int32_t{0}).put(int32_t{0}).floats(values).put(uint64_t{1}).name("a");
  // Legacy (no magic): uint32 ndim and uint32 dims.
  Bytes legacy = list_header(1);
  legacy.put(uint32_t{1}).put(uint32_t{2});
  legacy.put(int32_t{1}).put(int32_t{0}).put(int32_t{0}).floats(values).put(uint64_t{1}).name("a");
  for (const Bytes* file : {&v2, &v3, &v1, &legacy}) {
    const std::vector<NamedArray> arrays = parse(file->str());
    ASSERT_EQ(arrays.size(), 1u);
    EXPECT_EQ(arrays[0].name, "a");
    EXPECT_EQ(arrays[0].tensor.dims(), std::vector<int64_t>{2});
    const auto v = arrays[0].tensor.values<float>();
    EXPECT_EQ(std::vector<float>(v.begin(), v.end()), values);
  }
}

void expect_model_error(const std::string& bytes, const std::string& fragment) {
  try {
    parse(bytes);
    ADD_FAILURE() << "no error; expected '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Model);
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(MxnetParams, BadFilesAreModelErrors) {
  Bytes good = list_header(1);
  good.put(uint32_t{0xF993FAC9}).put(int32_t{0}).put(int32_t{1}).put(int64_t{2});
  good.put(int32_t{1}).put(int32_t{0}).put(int32_t{0}).floats({1, 2}).put(uint64_t{1}).name("a");
  EXPECT_EQ(parse(good.str()).size(), 1u);
  std::string wrong_magic = good.str();
  wrong_magic[0] = 0x13;
  expect_model_error(wrong_magic, "not an MXNet NDArray file");
  expect_model_error(good.str().substr(0, good.str().size() - 9), "truncated");
  expect_model_error(good.str().substr(0, 60), "truncated");
  Bytes sparse = list_header(1);
  sparse.put(uint32_t{0xF993FAC9}).put(int32_t{1});
  expect_model_error(sparse.str(), "sparse");
  Bytes bad_type = list_header(1);
  bad_type.put(uint32_t{0xF993FAC9}).put(int32_t{0}).put(int32_t{1}).put(int64_t{2});
  bad_type.put(int32_t{1}).put(int32_t{0}).put(int32_t{99});
  expect_model_error(bad_type.str(), "unknown dtype flag 99");
  expect_model_error(good.str() + "x", "unexpected bytes");
}

TEST(MxnetAttrText, ParsesMxnetSpellings) {
  const mxnet::AttrMap attrs = {{"k", "(3, 3)"},       {"one", "(5,)"},  {"list", "[1,2]"},
                                {"single", "7"},       {"b", "True"},    {"f", "false"},
                                {"eps", "1e-05"},      {"none", "None"}, {"long", "4L"},
                                {"begin", "(None, 2)"}};
  const mxnet::AttrText a(attrs);
  EXPECT_EQ(a.ints("k", {}), (std::vector<int64_t>{3, 3}));
  EXPECT_EQ(a.ints("one", {}), (std::vector<int64_t>{5}));
  EXPECT_EQ(a.ints("list", {}), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(a.ints("single", {}), (std::vector<int64_t>{7}));
  EXPECT_TRUE(a.boolean("b", false));
  EXPECT_FALSE(a.boolean("f", true));
  EXPECT_DOUBLE_EQ(a.number("eps", 0), 1e-5);
  EXPECT_FALSE(a.has("none"));
  EXPECT_EQ(a.integer("none", 9), 9);
  EXPECT_EQ(a.integer("long", 0), 4);
  const auto begin = a.optional_ints("begin");
  ASSERT_EQ(begin.size(), 2u);
  EXPECT_FALSE(begin[0].has_value());
  EXPECT_EQ(begin[1], 2);
  EXPECT_THROW(a.integer("eps", 0), Error);
  EXPECT_EQ(mxnet::tuple_text({3, 3}), "(3, 3)");
  EXPECT_EQ(mxnet::tuple_text({3}), "(3,)");
  EXPECT_EQ(mxnet::float_text(0.1f), "0.1");
  EXPECT_EQ(static_cast<float>(std::stod(mxnet::float_text(1.0f / 3))), 1.0f / 3);
}

TEST(MxnetSymbol, ParsesTheRealDnnlTestModel) {
  NNPORT_NEEDS_SHARED_TESTDATA();
  const mxnet::Symbol s =
      mxnet::read_symbol_file(test::shared_testdata("mxnet/dnnl_test_model1-symbol.json"));
  EXPECT_EQ(s.nodes.size(), 73u);
  EXPECT_EQ(s.mxnet_version, 10200);
  ASSERT_EQ(s.heads.size(), 1u);
  EXPECT_EQ(s.nodes[s.heads[0].node].op, "SoftmaxOutput");
  EXPECT_EQ(s.nodes[3].op, "Convolution");
  EXPECT_EQ(s.nodes[3].attrs.at("num_filter"), "64");
  EXPECT_EQ(s.nodes[3].inputs.size(), 3u);
}

TEST(MxnetSymbol, ReadsTheOldParamAttrSpellingAndPairs) {
  const std::string old = R"j({
    "nodes": [
      {"op": "null", "param": {}, "name": "data", "inputs": [], "backward_source_id": -1},
      {"op": "Activation", "param": {"act_type": "relu"}, "attr": {"ctx_group": "dev1"},
       "name": "relu1", "inputs": [[0, 0]], "backward_source_id": -1}
    ],
    "arg_nodes": [0],
    "heads": [[1, 0]]
  })j";
  const mxnet::Symbol s = mxnet::parse_symbol_json(old, "old.json");
  ASSERT_EQ(s.nodes.size(), 2u);
  EXPECT_EQ(s.nodes[1].attrs.at("act_type"), "relu");
  EXPECT_EQ(s.nodes[1].attrs.at("ctx_group"), "dev1");
  EXPECT_EQ(s.nodes[1].inputs[0].node, 0);
}

TEST(MxnetSymbol, WrittenJsonParsesBack) {
  mxnet::Symbol s;
  s.nodes.push_back({"null", "data", {{"__shape__", "(1, 3)"}}, {}});
  s.nodes.push_back({"Activation", "act", {{"act_type", "relu"}}, {{0, 0}}});
  s.heads.push_back({1, 0});
  const std::string json = mxnet::symbol_to_json(s);
  EXPECT_NE(json.find("\"arg_nodes\""), std::string::npos);
  EXPECT_NE(json.find("\"node_row_ptr\""), std::string::npos);
  const mxnet::Symbol back = mxnet::parse_symbol_json(json, "back.json");
  ASSERT_EQ(back.nodes.size(), 2u);
  EXPECT_EQ(back.nodes[1].attrs, s.nodes[1].attrs);
  EXPECT_EQ(back.nodes[0].attrs, s.nodes[0].attrs);
  EXPECT_EQ(back.mxnet_version, 10901);
  EXPECT_EQ(mxnet::symbol_to_json(back), json);
}

void expect_symbol_error(const std::string& json, const std::string& fragment) {
  try {
    mxnet::parse_symbol_json(json, "bad.json");
    ADD_FAILURE() << "no error; expected '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Model);
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(MxnetSymbol, BadSymbolsNameTheNode) {
  expect_symbol_error("{", "not valid JSON");
  expect_symbol_error(R"j({"nodes": []})j", "needs 'nodes' and 'heads'");
  expect_symbol_error(
      R"j({"nodes": [{"op": "relu", "name": "r", "inputs": [[5, 0, 0]]}], "heads": [[0, 0, 0]]})j",
      "node 'r' (relu)");
  expect_symbol_error(
      R"j({"nodes": [{"op": "null", "name": "x", "attrs": {"k": 3}, "inputs": []}],
          "heads": [[0, 0, 0]]})j",
      "attribute 'k' must be a string");
}

}  // namespace
}  // namespace nnport
