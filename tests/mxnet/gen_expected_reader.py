#!/usr/bin/python3
"""Expected outputs for tests/unit/mxnet_reader_test.cpp, computed by PyTorch.

MXNet cannot run here, so each MXNet semantic the reader must honour is computed by the
equivalent PyTorch call (the equivalence is stated next to each case), and the printed numbers
are pasted into the test as constants. Run: /usr/bin/python3 tests/mxnet/gen_expected_reader.py
"""
import torch
import torch.nn.functional as F


def pattern(count, mul=37, mod=17, shift=8, scale=4.0):
    """The deterministic input pattern the C++ test builds too: ((i*mul) % mod - shift) / scale."""
    return torch.tensor([((i * mul) % mod - shift) / scale for i in range(count)],
                        dtype=torch.float32)


def literal(value):
    text = f"{value:.9g}"
    return text + ("f" if any(c in text for c in ".e") else ".0f")


def show(name, tensor):
    values = ", ".join(literal(v) for v in tensor.flatten().tolist())
    print(f"// {name}: shape {tuple(tensor.shape)}")
    print(f"const std::vector<float> k{name} = {{{values}}};")


x = pattern(36).reshape(1, 1, 6, 6)
# MXNet Pooling, kernel 3, stride 2, pad 1 on 6x6.
# valid = floor; full = ceil keeping every window. With these sizes the last ceil window starts
# at 5 < in + pad = 7, so PyTorch's ceil_mode keeps it too and equals MXNet's "full".
show("MaxValid", F.max_pool2d(x, 3, 2, 1, ceil_mode=False))
show("MaxFull", F.max_pool2d(x, 3, 2, 1, ceil_mode=True))
# MXNet avg with count_include_pad=True divides by (min(start+k, in+pad) - start) per axis:
# PyTorch's count_include_pad=True divisor, including the ceil tail.
show("AvgValidIncludePad", F.avg_pool2d(x, 3, 2, 1, ceil_mode=False, count_include_pad=True))
show("AvgFullIncludePad", F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=True))
show("AvgFullExcludePad", F.avg_pool2d(x, 3, 2, 1, ceil_mode=True, count_include_pad=False))

# BatchNorm at inference with eps 1e-3; fix_gamma=True uses gamma = 1 whatever is stored.
xb = pattern(8).reshape(1, 2, 2, 2)
gamma = torch.tensor([2.0, -3.0])
beta = torch.tensor([0.5, -0.25])
mean = torch.tensor([0.25, -0.5])
var = torch.tensor([1.5, 0.75])
show("BatchNormFixGamma", F.batch_norm(xb, mean, var, torch.ones(2), beta, False, 0.0, 1e-3))
show("BatchNormLearnedGamma", F.batch_norm(xb, mean, var, gamma, beta, False, 0.0, 1e-3))

# FullyConnected: flatten=True flattens all axes after the first; flatten=False applies the
# layer to the last axis.
xf = pattern(12).reshape(2, 2, 3)
w6 = pattern(24, mul=11, mod=13, shift=6, scale=8.0).reshape(4, 6)
w3 = pattern(12, mul=11, mod=13, shift=6, scale=8.0).reshape(4, 3)
bias = torch.tensor([0.5, -1.0, 0.25, 2.0])
show("FcFlatten", F.linear(xf.reshape(2, 6), w6, bias))
show("FcNoFlatten", F.linear(xf, w3, bias))

# count_include_pad=False with the valid convention: PyTorch's count_include_pad=False divisor
# (real cells only).
show("AvgValidExcludePad", F.avg_pool2d(x, 3, 2, 1, ceil_mode=False, count_include_pad=False))

# pooling_convention "same" (MXNet: 1-D only, pad 0): ceil(in / stride) windows starting at
# i*stride, clipped to the input; avg divides by the real cells of each window. PyTorch: pad the
# end with -inf (max) or zeros (avg, then divide the window sums by the window counts of a
# ones input padded the same way).
x1 = pattern(11).reshape(1, 1, 11)
for kernel, stride in ((3, 2), (4, 3)):
    out = -(-11 // stride)
    end = max((out - 1) * stride + kernel - 11, 0)
    show(f"MaxSameK{kernel}S{stride}",
         F.max_pool1d(F.pad(x1, (0, end), value=float("-inf")), kernel, stride))
    sums = F.avg_pool1d(F.pad(x1, (0, end)), kernel, stride) * kernel
    counts = F.avg_pool1d(F.pad(torch.ones_like(x1), (0, end)), kernel, stride) * kernel
    show(f"AvgSameK{kernel}S{stride}", sums / counts)
