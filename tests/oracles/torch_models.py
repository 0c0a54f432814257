"""Seeded random-init torchvision models with realistic BatchNorm statistics.

Freshly initialised BatchNorm layers have running mean 0 and variance 1, so an eval-mode network
either saturates or shrinks its activations layer after layer. We therefore (1) draw the affine
BatchNorm parameters away from the identity and (2) calibrate the running statistics on a few
seeded random batches (BatchNorm layers in training mode with a cumulative average, everything
else in eval mode), so that outputs are neither zero nor astronomically large.
"""

import numpy as np
import torch
import torchvision

# Model name -> input height/width (torchvision's defaults; googlenet's aux heads are dropped).
MODELS = {
    "resnet18": 224,
    "resnet50": 224,
    "mobilenet_v2": 224,
    "mobilenet_v3_small": 224,
    "squeezenet1_1": 224,
    "googlenet": 224,
    "densenet121": 224,
    "shufflenet_v2_x1_0": 224,
    "mnasnet0_5": 224,
    "efficientnet_b0": 224,
    "vgg11": 224,
    "alexnet": 224,
    "regnet_x_400mf": 224,
}

CALIBRATION_BATCHES = 2
CALIBRATION_BATCH_SIZE = 4


def input_shape(name):
    size = MODELS[name]
    return (1, 3, size, size)


def seeded_input(shape, seed):
    """Standard-normal float32 input from NumPy's PCG64 generator (the same bytes everywhere)."""
    return np.random.default_rng(seed).standard_normal(shape, dtype=np.float32)


def build_model(name, seed):
    if name not in MODELS:
        raise ValueError(f"unknown model '{name}' (known: {', '.join(sorted(MODELS))})")
    torch.manual_seed(seed)
    constructor = getattr(torchvision.models, name)
    kwargs = {"weights": None}
    if name == "googlenet":
        kwargs.update(aux_logits=False, init_weights=True)
    model = constructor(**kwargs)
    model.eval()
    batch_norms = [m for m in model.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    generator = torch.Generator().manual_seed(seed + 1)
    with torch.no_grad():
        for bn in batch_norms:
            bn.weight.copy_(torch.empty_like(bn.weight).uniform_(0.5, 1.5, generator=generator))
            bn.bias.copy_(torch.empty_like(bn.bias).normal_(0.0, 0.1, generator=generator))
            bn.reset_running_stats()
            bn.momentum = None  # cumulative moving average over the calibration batches
            bn.train()
        shape = (CALIBRATION_BATCH_SIZE,) + input_shape(name)[1:]
        for batch in range(CALIBRATION_BATCHES):
            model(torch.from_numpy(seeded_input(shape, seed + 100 + batch)))
    model.eval()
    return model
