// MaxPool and AvgPool. TF pools never count padding: padded cells never win a max, and an
// average divides by the real cells in its window (divisor "valid"). SAME padding becomes the
// IR's SAME_UPPER like convolutions.
#include "formats/tensorflow/tf_common.h"

namespace nnport::tf {

namespace {

void convert_pool(NodeConverter& c, const std::string& ir_op) {
  const bool nhwc = c.channels_last();
  std::vector<int64_t> ksize, strides;
  if (c.op() == "MaxPoolV2") {  // window and strides as inputs
    ksize = c.constant_ints(1, "ksize");
    strides = c.constant_ints(2, "strides");
  } else {
    ksize = c.attr_ints("ksize");
    strides = c.attr_ints("strides");
  }
  const std::vector<int64_t> kernel = spatial_values(c, ksize, nhwc, "ksize");
  const std::vector<int64_t> stride = spatial_values(c, strides, nhwc, "strides");
  if (kernel.size() != 2) c.fail("only 2-D pooling is supported");
  Attributes attrs = attrs_of({{"kernel_shape", kernel}, {"strides", stride}});
  const std::string padding = c.attr_string("padding");
  if (padding == "SAME") {
    attrs.set("auto_pad", std::string("SAME_UPPER"));
  } else if (padding == "VALID") {
    attrs.set("pads", std::vector<int64_t>{0, 0, 0, 0});
  } else if (padding == "EXPLICIT") {
    const std::vector<int64_t> e = c.attr_ints("explicit_paddings");
    if (e.size() != 8) c.fail("explicit_paddings has {} values, expected 8", e.size());
    const size_t h = nhwc ? 1 : 2, w = h + 1;
    attrs.set("pads", std::vector<int64_t>{e[2 * h], e[2 * w], e[2 * h + 1], e[2 * w + 1]});
  } else {
    c.fail("padding '{}' is not supported", padding);
  }
  if (ir_op == "AveragePool") attrs.set("divisor", std::string("valid"));
  const std::string x = nhwc ? to_channels_first(c, c.input(0)) : c.input(0);
  const std::string result = nhwc ? c.temp_name("pool") : c.output(0);
  c.emit(ir_op, {x}, {result}, attrs);
  if (nhwc) to_channels_last(c, result, c.output(0));
}

void max_pool(NodeConverter& c) {
  convert_pool(c, "MaxPool");
}
void avg_pool(NodeConverter& c) {
  convert_pool(c, "AveragePool");
}

const std::vector<OpConverter> kConverters = {
    {"MaxPool", max_pool},
    {"MaxPoolV2", max_pool},
    {"AvgPool", avg_pool},
};

}  // namespace

std::span<const OpConverter> pool_converters() {
  return kConverters;
}

}  // namespace nnport::tf
