// Helpers shared by the MXNet unit tests: temporary checkpoints and the input pattern that
// tests/mxnet/gen_expected_*.py builds too.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "formats/mxnet/mxnet.h"
#include "formats/mxnet/ndarray_list.h"
#include "formats/mxnet/symbol.h"
#include "ir/error.h"
#include "ir/op_schema.h"
#include "runtime/executor.h"

namespace nnport::mxnet_test {

// ((i*mul) % mod - shift) / scale, as pattern() in the generator scripts.
inline std::vector<float> pattern(int64_t count, int64_t mul = 37, int64_t mod = 17,
                                  int64_t shift = 8, float scale = 4.0f) {
  std::vector<float> v;
  for (int64_t i = 0; i < count; ++i)
    v.push_back(static_cast<float>((i * mul) % mod - shift) / scale);
  return v;
}

inline Tensor tensor(std::vector<int64_t> dims, const std::vector<float>& values) {
  return Tensor::from_vector<float>(std::move(dims), values);
}

// A fresh folder under the system temp dir, removed at destruction.
class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("nnport_mxnet_" + std::to_string(::getpid()) + "_" + std::to_string(counter()++));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::filesystem::path path_;
};

// A graph written as an MXNet symbol (into `dir`), the symbol as written, and the graph the MXNet
// reader makes of it.
struct Written {
  mxnet::Symbol symbol;
  Graph read_back;
};

inline Written write_and_read(const TempDir& dir, const Graph& g) {
  const std::string path = dir.file("model-symbol.json");
  mxnet::write_model(g, path, WriteOptions{});
  Written w{mxnet::read_symbol_file(path), mxnet::read_model(path, ReadOptions{})};
  infer_shapes(w.read_back);
  return w;
}

// The nth (0-based) node of the symbol with this op, or nullptr.
inline const mxnet::SymbolNode* find_op(const mxnet::Symbol& s, const std::string& op,
                                        int nth = 0) {
  for (const mxnet::SymbolNode& n : s.nodes)
    if (n.op == op && nth-- == 0) return &n;
  return nullptr;
}

inline void write_file(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary) << text;
}

// Writes NAME-symbol.json + NAME-0000.params into `dir` and reads them back.
inline Graph read_checkpoint(const TempDir& dir, const std::string& symbol_json,
                             const std::vector<mxnet::NamedArray>& params,
                             const std::map<std::string, std::vector<int64_t>>& inputs) {
  const std::string symbol = dir.file("net-symbol.json");
  write_file(symbol, symbol_json);
  mxnet::write_ndarray_list(dir.file("net-0000.params"), params);
  ReadOptions options;
  options.input_dims = inputs;
  Graph g = mxnet::read_model(symbol, options);
  infer_shapes(g);
  return g;
}

inline std::vector<float> run_single(const Graph& g, const std::string& input, const Tensor& x) {
  TensorMap out = run_graph(g, {{input, x}});
  const Tensor& y = out.at(g.outputs.at(0));
  const auto v = y.values<float>();
  return {v.begin(), v.end()};
}

}  // namespace nnport::mxnet_test
