// compare across layouts (src/compare/layout.h): which permutation the shapes tell, when they do
// not, and a TensorFlow-like NHWC graph against its NCHW counterpart compared end to end.
#include <gtest/gtest.h>

#include "compare/compare.h"
#include "compare/layout.h"
#include "ir/error.h"
#include "runtime/kernel.h"

namespace nnport {
namespace {

using Dims = std::vector<int64_t>;

TEST(CompareLayout, ParsesLayoutPairs) {
  EXPECT_EQ(parse_layout_pair("NHWC:NCHW", "--input-layout"), (AxisPermutation{0, 3, 1, 2}));
  EXPECT_EQ(parse_layout_pair("nchw:nhwc", "--input-layout"), (AxisPermutation{0, 2, 3, 1}));
  EXPECT_EQ(parse_layout_pair("NCHW:NCHW", "--input-layout"), (AxisPermutation{0, 1, 2, 3}));
  EXPECT_EQ(parse_layout_pair("NWC:NCW", "--input-layout"), (AxisPermutation{0, 2, 1}));
  for (const char* bad : {"NHWC", "NHWC:NCH", "NHWC:NCHX", "NHHC:NHHC", ":"}) {
    try {
      parse_layout_pair(bad, "--input-layout");
      ADD_FAILURE() << bad << " accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::Usage) << bad;
      EXPECT_NE(std::string(e.what()).find("--input-layout"), std::string::npos) << e.what();
    }
  }
}

TEST(CompareLayout, ShapesTellThePermutation) {
  struct Case {
    Dims reference, candidate;
    bool may_differ;
    AxisPermutation perm;
    bool ambiguous;
  };
  const std::vector<Case> cases = {
      {{1, 224, 224, 3}, {1, 3, 224, 224}, true, {0, 3, 1, 2}, false},   // TF -> Caffe
      {{1, 224, 224, 3}, {-1, 3, 224, 224}, true, {0, 3, 1, 2}, false},  // unknown batch
      {{1, 3, 224, 224}, {1, 224, 224, 3}, true, {0, 2, 3, 1}, false},   // NCHW -> NHWC
      {{1, 7, 5, 4}, {1, 4, 7, 5}, false, {0, 3, 1, 2}, false},          // told by shapes alone
      {{1, 10, 3}, {1, 3, 10}, true, {0, 2, 1}, false},                  // 1-D signal
      {{1, 4, 5, 6, 3}, {1, 3, 4, 5, 6}, true, {0, 4, 1, 2, 3}, false},
      {{1, 224, 224, 3}, {1, 224, 224, 3}, true, {}, false},  // same layout
      {{1, 3, 3, 3}, {1, 3, 3, 3}, true, {}, true},           // either reading
      {{1, 3, 3, 3}, {1, 3, 3, 3}, false, {}, false},         // same convention: as is
      {{1, 1, 1, 1}, {1, 1, 1, 1}, true, {}, false},          // same bytes either way
      {{1, 1, 1, 5}, {1, 1, 1, 5}, true, {}, false},          // no layout permutation fits
      {{2, 1, 1, 5}, {2, 5, 1, 1}, true, {0, 3, 1, 2}, false},
      {{1, 4, 4, 4}, {1, 4, 4, 4}, true, {}, true},
      {{1, 3, 4, 5}, {1, 6, 4, 5}, true, {}, false},  // no fit: the caller reports it
      {{8, 3}, {3, 8}, true, {}, false},              // rank 2 is not a layout
  };
  for (const Case& c : cases) {
    const LayoutMatch m = match_layout(c.reference, c.candidate, c.may_differ);
    EXPECT_EQ(m.perm, c.perm) << fmt::format("{} vs {}", fmt::join(c.reference, "x"),
                                             fmt::join(c.candidate, "x"));
    EXPECT_EQ(m.ambiguous, c.ambiguous)
        << fmt::format("{} vs {}", fmt::join(c.reference, "x"), fmt::join(c.candidate, "x"));
  }
}

TEST(CompareLayout, PermutesAxes) {
  // NHWC 1x2x2x3 holding 0..11: element (h, w, c) is (2h + w) * 3 + c.
  std::vector<float> v(12);
  for (int i = 0; i < 12; ++i)
    v[i] = static_cast<float>(i);
  const Tensor nhwc = Tensor::from_vector<float>({1, 2, 2, 3}, v);
  const Tensor nchw = permute_axes(nhwc, {0, 3, 1, 2});
  EXPECT_EQ(nchw.dims(), (Dims{1, 3, 2, 2}));
  EXPECT_EQ(nchw.to_float_vector(), (std::vector<float>{0, 3, 6, 9, 1, 4, 7, 10, 2, 5, 8, 11}));
  EXPECT_EQ(permute_axes(nchw, {0, 2, 3, 1}).to_float_vector(), v);
  const Tensor ints = Tensor::from_vector<int64_t>({2, 3}, {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(permute_axes(ints, {1, 0}).to_int64_vector(), (Dims{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(layout_names({0, 3, 1, 2}), (std::pair<std::string, std::string>{"NHWC", "NCHW"}));
  EXPECT_EQ(layout_names({0, 2, 3, 1}), (std::pair<std::string, std::string>{"NCHW", "NHWC"}));
}

// x -> Add(per-channel bias 1, 2, 3) -> y, channels last (TensorFlow) or first (Caffe).
Graph biased(bool channels_last, Dims dims) {
  Graph g;
  Value& x = g.add_value("x");
  x.dtype = DType::Float32;
  x.shape = Shape::from_sizes(dims);
  g.inputs = {"x"};
  g.add_constant("b",
                 Tensor::from_vector<float>(channels_last ? Dims{3} : Dims{3, 1, 1}, {1, 2, 3}));
  g.nodes = {{"add", "Add", {"x", "b"}, {"y"}, {}}};
  g.outputs = {"y"};
  g.metadata["source_format"] = channels_last ? "tensorflow" : "caffe";
  return g;
}

TEST(CompareLayout, NhwcModelAgainstItsNchwConversion) {
  if (!find_kernel("Add")) GTEST_SKIP() << "Add kernel not built";
  const Graph tf = biased(true, {1, 2, 4, 3});
  const Graph caffe = biased(false, {1, 3, 2, 4});
  const TensorMap feeds = make_inputs(tf, 5);
  std::vector<std::string> notes;
  const auto rows = compare_outputs(tf, caffe, feeds, {}, &notes);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].shape, "1x2x4x3");
  EXPECT_EQ(rows[0].metrics.max_abs, 0);
  ASSERT_EQ(notes.size(), 2u);
  EXPECT_EQ(notes[0], "input 'x': NHWC 1x2x4x3 fed as NCHW 1x3x2x4 (layouts differ)");
  EXPECT_EQ(notes[1], "output 'y': the second model's NCHW 1x3x2x4 compared as NHWC 1x2x4x3");

  // 1x3x3x3 reads either way: compare asks rather than guesses.
  const Graph square_tf = biased(true, {1, 3, 3, 3});
  const Graph square_caffe = biased(false, {1, 3, 3, 3});
  const TensorMap square = make_inputs(square_tf, 5);
  try {
    compare_outputs(square_tf, square_caffe, square);
    ADD_FAILURE() << "1x3x3x3 guessed";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Usage);
    EXPECT_NE(std::string(e.what()).find("give --input-layout NHWC:NCHW"), std::string::npos)
        << e.what();
  }
  LayoutOptions told;
  told.inputs = parse_layout_pair("NHWC:NCHW", "--input-layout");
  told.outputs = told.inputs;
  EXPECT_EQ(compare_outputs(square_tf, square_caffe, square, told)[0].metrics.max_abs, 0);
  // Told the same layout, the bias lands on the wrong axis: a difference of up to 3 - 1 (plus
  // the float32 rounding of x + b).
  told.inputs = told.outputs = parse_layout_pair("NHWC:NHWC", "--input-layout");
  EXPECT_NEAR(compare_outputs(square_tf, square_caffe, square, told)[0].metrics.max_abs, 2, 1e-6);
}

}  // namespace
}  // namespace nnport
