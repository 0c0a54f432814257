#include <gtest/gtest.h>

#include "ir/error.h"
#include "ir/ops/spatial.h"

namespace nnport {
namespace {

TEST(Spatial, TfSameStride2OddPixelGoesToTheEnd) {
  // The classic MobileNet case: 224 -> 112 with the extra row at the bottom.
  const AxisPads p = same_pads(224, 3, 2, 1, AutoPad::SameUpper);
  EXPECT_EQ(p.begin, 0);
  EXPECT_EQ(p.end, 1);
  EXPECT_EQ(conv_output_size(224, 3, 2, 1, p.begin, p.end), 112);
}

TEST(Spatial, SameLowerPutsTheOddPixelFirst) {
  const AxisPads p = same_pads(224, 3, 2, 1, AutoPad::SameLower);
  EXPECT_EQ(p.begin, 1);
  EXPECT_EQ(p.end, 0);
}

TEST(Spatial, SamePaddingUsesTheEffectiveKernel) {
  // 3x3 dilation 2 -> effective 5: total pad 4 at stride 1.
  const AxisPads p = same_pads(28, 3, 1, 2, AutoPad::SameUpper);
  EXPECT_EQ(p.begin, 2);
  EXPECT_EQ(p.end, 2);
}

TEST(Spatial, CeilRoundingDropsAWindowStartingInThePadding) {
  // in 6, k 2, s 2, pad 1/1: ceil((6+2-2)/2)+1 = 4, last window starts at 6 >= 6+1? no -> 4.
  EXPECT_EQ(pool_output_size(6, 2, 2, 1, 1, 1, Rounding::Ceil), 4);
  // in 5, k 2, s 2, pad 1/1: span 5 -> ceil(2.5)+1 = 4; last start 6 >= 5+1 -> dropped, 3.
  EXPECT_EQ(pool_output_size(5, 2, 2, 1, 1, 1, Rounding::Ceil), 3);
  EXPECT_EQ(pool_output_size(5, 2, 2, 1, 1, 1, Rounding::CeilAll), 4);
  EXPECT_EQ(pool_output_size(5, 2, 2, 1, 1, 1, Rounding::Floor), 3);
}

TEST(Spatial, AbsurdSizesAreModelErrors) {
  EXPECT_THROW(conv_output_size(int64_t{1} << 62, 3, 1, 1, 0, 0), Error);
  EXPECT_THROW(conv_output_size(2, 5, 1, 1, 0, 0), Error);
  EXPECT_THROW(conv_output_size(5, 3, 0, 1, 0, 0), Error);
}

}  // namespace
}  // namespace nnport
