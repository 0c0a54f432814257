// Kernels that allocate their outputs without zeroing them (Tensor::uninitialized) must write
// every element. The heap is first filled with NaN blocks and freed, so a cell a kernel skipped
// would show as NaN (or another stale value) instead of the hand-computed result.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <limits>

#include "ir/op_schema.h"
#include "runtime/executor.h"

namespace nnport {
namespace {

// Blocks like those OwnedBuffer allocates (64-byte aligned, sizes rounded to 64 bytes).
void poison_freed_heap_memory() {
  std::vector<void*> blocks;
  for (size_t bytes : {64u, 128u, 256u, 1024u}) {
    float* block = static_cast<float*>(std::aligned_alloc(64, bytes));
    std::fill(block, block + bytes / sizeof(float), std::numeric_limits<float>::quiet_NaN());
    blocks.push_back(block);
  }
  for (void* block : blocks)
    std::free(block);
}

TEST(UninitializedOutput, TensorIsWritableInPlaceWithItsShape) {
  Tensor t = Tensor::uninitialized(DType::Float32, {2, 3});
  EXPECT_EQ(t.dims(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(t.byte_size(), 24u);
  const std::byte* before = t.raw();
  EXPECT_EQ(static_cast<const std::byte*>(t.mutable_raw()), before);  // no copy-on-write
}

// x [1, 4, 1, 2] = {1, 2 | 3, 4 | 5, 6 | 7, 8}; a 1x1 Conv in two groups of two channels without
// a bias (filters {1, 1} and {1, -1}): the GEMM of each group (beta = 0) is the only writer of
// its half of the output.
TEST(UninitializedOutput, GroupedConvWithoutBiasWritesEveryCell) {
  Graph g;
  Value& x = g.add_value("x");
  x.dtype = DType::Float32;
  x.shape = Shape::from_sizes({1, 4, 1, 2});
  g.inputs.push_back("x");
  g.add_constant("w", Tensor::from_vector<float>({2, 2, 1, 1}, {1, 1, 1, -1}));
  Attributes attrs;
  attrs.set("group", int64_t{2});
  g.nodes.push_back(Node{"conv", "Conv", {"x", "w"}, {"y"}, attrs});
  g.outputs.push_back("y");
  infer_shapes(g);
  poison_freed_heap_memory();
  const TensorMap out =
      run_graph(g, {{"x", Tensor::from_vector<float>({1, 4, 1, 2}, {1, 2, 3, 4, 5, 6, 7, 8})}});
  EXPECT_EQ(out.at("y").to_float_vector(), (std::vector<float>{4, 6, -2, -2}));
}

// a [2, 1] + b [3] broadcast to [2, 3]: every output element comes from the broadcast walk.
TEST(UninitializedOutput, BroadcastAddWritesEveryElement) {
  Graph g;
  for (const auto& [name, dims] :
       {std::pair<std::string, std::vector<int64_t>>{"a", {2, 1}}, {"b", {3}}}) {
    Value& v = g.add_value(name);
    v.dtype = DType::Float32;
    v.shape = Shape::from_sizes(dims);
    g.inputs.push_back(name);
  }
  g.nodes.push_back(Node{"add", "Add", {"a", "b"}, {"y"}, {}});
  g.outputs.push_back("y");
  infer_shapes(g);
  poison_freed_heap_memory();
  const TensorMap out = run_graph(g, {{"a", Tensor::from_vector<float>({2, 1}, {10, 20})},
                                      {"b", Tensor::from_vector<float>({3}, {1, 2, 3})}});
  EXPECT_EQ(out.at("y").dims(), (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(out.at("y").to_float_vector(), (std::vector<float>{11, 12, 13, 21, 22, 23}));
}

}  // namespace
}  // namespace nnport
