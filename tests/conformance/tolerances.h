// Cases that need a tolerance other than the ONNX backend default (rtol 1e-3, atol 1e-7), each
// with the reason, and the cases whose expected outputs cannot be reproduced at all. Keyed by case
// name ("test_xxx"), shared by every suite.
#pragma once

#include <string>

#include "tensor_match.h"

namespace nnport::conformance {

struct ToleranceRule {
  Tolerance tolerance;
  std::string reason;  // empty for the default
  // Set for cases whose expected outputs no implementation can reproduce (they come from a
  // random draw): counted as unsupported with this reason.
  std::string unreproducible;
};

ToleranceRule tolerance_for(const std::string& case_name);

}  // namespace nnport::conformance
