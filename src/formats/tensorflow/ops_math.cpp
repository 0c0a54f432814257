// Elementwise math: broadcasting binary ops, unary functions, comparisons, logic, Cast, AddN,
// Select. TF and ONNX broadcast the same way (numpy rules), so these map one to one except
// where TF defines the op by a formula (SquaredDifference, Rsqrt, floor division and modulo).
#include <map>

#include "formats/tensorflow/tf_common.h"

namespace nnport::tf {

namespace {

const std::map<std::string, std::string>& binary_ops() {
  static const std::map<std::string, std::string> kOps = {
      {"Add", "Add"},         {"AddV2", "Add"},
      {"Sub", "Sub"},         {"Mul", "Mul"},
      {"RealDiv", "Div"},     {"Div", "Div"},
      {"Maximum", "Max"},     {"Minimum", "Min"},
      {"Pow", "Pow"},         {"Equal", "Equal"},
      {"Less", "Less"},       {"LessEqual", "LessOrEqual"},
      {"Greater", "Greater"}, {"GreaterEqual", "GreaterOrEqual"},
      {"LogicalAnd", "And"},  {"LogicalOr", "Or"},
  };
  return kOps;
}

const std::map<std::string, std::string>& unary_ops() {
  static const std::map<std::string, std::string> kOps = {
      {"Sqrt", "Sqrt"},         {"Exp", "Exp"},
      {"Log", "Log"},           {"Neg", "Neg"},
      {"Abs", "Abs"},           {"Floor", "Floor"},
      {"Ceil", "Ceil"},         {"Reciprocal", "Reciprocal"},
      {"Inv", "Reciprocal"},    {"Sin", "Sin"},
      {"Cos", "Cos"},           {"Tan", "Tan"},
      {"Asin", "Asin"},         {"Acos", "Acos"},
      {"Atan", "Atan"},         {"Sinh", "Sinh"},
      {"Cosh", "Cosh"},         {"Erf", "Erf"},
      {"Sign", "Sign"},         {"Round", "Round"},
      {"LogicalNot", "Not"},    {"Softplus", "Softplus"},
      {"Softsign", "Softsign"}, {"IsNan", "IsNaN"},
  };
  return kOps;
}

void binary(NodeConverter& c) {
  c.emit(binary_ops().at(c.op()), {c.input(0), c.input(1)}, {c.output(0)});
}

void unary(NodeConverter& c) {
  c.emit(unary_ops().at(c.op()), {c.input(0)}, {c.output(0)});
}

void not_equal(NodeConverter& c) {
  const std::string eq = c.emit_temp("Equal", {c.input(0), c.input(1)}, {}, "equal");
  c.emit("Not", {eq}, {c.output(0)});
}

// TF: (x - y) * (x - y), in that order.
void squared_difference(NodeConverter& c) {
  const std::string d = c.emit_temp("Sub", {c.input(0), c.input(1)}, {}, "difference");
  c.emit("Mul", {d, d}, {c.output(0)});
}

void square(NodeConverter& c) {
  c.emit("Mul", {c.input(0), c.input(0)}, {c.output(0)});
}

// TF's Rsqrt is 1 / sqrt(x).
void rsqrt(NodeConverter& c) {
  const std::string root = c.emit_temp("Sqrt", {c.input(0)}, {}, "sqrt");
  c.emit("Reciprocal", {root}, {c.output(0)});
}

bool is_float_input(NodeConverter& c, size_t i) {
  if (const Tensor* t = c.constant(i)) return dtype_is_float(t->dtype());
  const DType d = c.dtype(i);
  if (d == DType::Undefined) c.fail("needs the element type of input {}", i);
  return dtype_is_float(d);
}

// Integers: ONNX Mod with fmod=0 has TF's sign-of-divisor rule; x - mod is then an exact
// multiple of y, so truncating Div gives the floor. Floats: floor(x / y) as TF computes it.
void floor_div(NodeConverter& c) {
  if (is_float_input(c, 0)) {
    const std::string q = c.emit_temp("Div", {c.input(0), c.input(1)}, {}, "quotient");
    return c.emit("Floor", {q}, {c.output(0)});
  }
  const std::string mod =
      c.emit_temp("Mod", {c.input(0), c.input(1)}, attrs_of({{"fmod", int64_t{0}}}), "mod");
  const std::string exact = c.emit_temp("Sub", {c.input(0), mod}, {}, "multiple");
  c.emit("Div", {exact, c.input(1)}, {c.output(0)});
}

// TF float FloorMod: r = fmod(x, y); if r != 0 and sign(r) != sign(y), r + y.
void floor_mod(NodeConverter& c) {
  if (!is_float_input(c, 0))
    return c.emit("Mod", {c.input(0), c.input(1)}, {c.output(0)}, attrs_of({{"fmod", int64_t{0}}}));
  const std::string r =
      c.emit_temp("Mod", {c.input(0), c.input(1)}, attrs_of({{"fmod", int64_t{1}}}), "fmod");
  const std::string zero = scalar_constant(c, c.dtype(0), 0.0, "zero");
  const std::string r_nonzero =
      c.emit_temp("Not", {c.emit_temp("Equal", {r, zero}, {}, "r_zero")}, {}, "r_nonzero");
  const std::string signs_differ =
      c.emit_temp("Xor",
                  {c.emit_temp("Less", {r, zero}, {}, "r_negative"),
                   c.emit_temp("Less", {c.input(1), zero}, {}, "y_negative")},
                  {}, "signs_differ");
  const std::string fix = c.emit_temp("And", {r_nonzero, signs_differ}, {}, "needs_fix");
  const std::string shifted = c.emit_temp("Add", {r, c.input(1)}, {}, "shifted");
  c.emit("Where", {fix, shifted, r}, {c.output(0)});
}

void add_n(NodeConverter& c) {
  if (c.input_count() == 1) return c.alias(0, c.input(0));
  std::vector<std::string> inputs;
  for (size_t i = 0; i < c.input_count(); ++i)
    inputs.push_back(c.input(i));
  c.emit("Sum", inputs, {c.output(0)});
}

void cast(NodeConverter& c) {
  const DType to = c.attr_dtype("DstT");
  c.emit("Cast", {c.input(0)}, {c.output(0)}, attrs_of({{"to", std::string(dtype_name(to))}}));
}

// Select (v1) with a vector condition picks whole rows; SelectV2 broadcasts like Where.
void select(NodeConverter& c) {
  std::string condition = c.input(0);
  if (c.op() == "Select") {
    const std::optional<size_t> cond_rank = c.rank(0), x_rank = c.rank(1);
    if (!cond_rank || !x_rank) c.fail("Select needs the ranks of its inputs");
    if (*cond_rank == 1 && *x_rank > 1) {
      std::vector<int64_t> axes;
      for (size_t i = 1; i < *x_rank; ++i)
        axes.push_back(static_cast<int64_t>(i));
      condition = c.emit_temp("Unsqueeze", {condition, int64_constant(c, axes, "axes")}, {},
                              "row_condition");
    }
  }
  c.emit("Where", {condition, c.input(1), c.input(2)}, {c.output(0)});
}

// x * 0 would turn inf into nan; a broadcast constant is exact.
void zeros_or_ones_like(NodeConverter& c) {
  const DType type = c.dtype(0);
  if (type == DType::Undefined) c.fail("needs the element type of its input");
  const std::string value = scalar_constant(c, type, c.op() == "ZerosLike" ? 0.0 : 1.0, "value");
  const std::string shape = c.emit_temp("Shape", {c.input(0)}, {}, "shape");
  c.emit("Expand", {value, shape}, {c.output(0)});
}

std::vector<OpConverter> make_table() {
  std::vector<OpConverter> table;
  for (const auto& [op, ir] : binary_ops())
    table.push_back({op, binary});
  for (const auto& [op, ir] : unary_ops())
    table.push_back({op, unary});
  table.insert(table.end(), {
                                {"NotEqual", not_equal},
                                {"SquaredDifference", squared_difference},
                                {"Square", square},
                                {"Rsqrt", rsqrt},
                                {"FloorDiv", floor_div},
                                {"FloorMod", floor_mod},
                                {"AddN", add_n},
                                {"Cast", cast},
                                {"Select", select},
                                {"SelectV2", select},
                                {"ZerosLike", zeros_or_ones_like},
                                {"OnesLike", zeros_or_ones_like},
                            });
  return table;
}

}  // namespace

std::span<const OpConverter> math_converters() {
  static const std::vector<OpConverter> kConverters = make_table();
  return kConverters;
}

}  // namespace nnport::tf
