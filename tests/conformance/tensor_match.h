// Whether an output matches the expected tensor of an ONNX backend case, with the rule of the
// ONNX backend test runner (numpy.testing.assert_allclose): |actual - expected| <= atol + rtol *
// |expected| element by element, NaN matching NaN; integers and booleans exactly; dtype and
// shape equal.
#pragma once

#include <string>

#include "ir/tensor.h"

namespace nnport::conformance {

struct Tolerance {
  double rtol = 1e-3;
  double atol = 1e-7;
};

struct MatchResult {
  bool ok = true;
  std::string reason;  // empty when ok: what differs, with the worst element
};

MatchResult match_tensor(const Tensor& expected, const Tensor& actual, const Tolerance& tolerance);

}  // namespace nnport::conformance
