#!/usr/bin/python3
"""Caffe -> nnport -> Caffe round trip: the written network has the source's layers (names,
types, bottoms, tops, parameters) and byte-identical weight blobs.

Models: the trained MTCNN det1-det4 of ../shared/testdata/caffe/mtcnn (`nnport convert
detN.prototxt out/detN.prototxt`), and the BVLC prototxts with seeded weights (`--seed-weights 1`
writes A; A converted again must give the same layers and blobs, and the same file bytes).

Compared after normalization, because these differences do not change the network:
- legacy `input:`/`input_dim`/`input_shape` fields are the `Input` layers nnport writes;
- training-only fields are not written: `param` (lr_mult), fillers, include/exclude rules;
- fields equal to Caffe's default (`stride: 1`, `pool: MAX`, ...) may be given or omitted;
- Dropout layers are identities at inference and are not written (the only layers dropped).

Usage: round_trip_caffe.py --nnport BIN --work DIR    (ctest `caffe_round_trip`, label cli)
"""
import argparse
import filecmp
import os
import subprocess
import sys

import numpy as np
from google.protobuf import text_format
from google.protobuf.descriptor import FieldDescriptor

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, '..', 'oracles'))
from caffe_proto import pb, read_caffemodel, read_prototxt  # noqa: E402
import shared_testdata  # noqa: E402

TESTDATA = shared_testdata.path('caffe')
BVLC = ['bvlc_alexnet', 'bvlc_googlenet', 'bvlc_reference_caffenet', 'mnist_lenet',
        'cifar10_cifar10_quick', 'cifar10_cifar10_full']

TRAINING_ONLY_FIELDS = {'param', 'include', 'exclude', 'phase', 'blobs', 'propagate_down',
                        'loss_weight'}
# Repeated fields whose one-element form states Caffe's default.
REPEATED_DEFAULTS = {('ConvolutionParameter', 'stride'): [1],
                     ('ConvolutionParameter', 'pad'): [0],
                     ('ConvolutionParameter', 'dilation'): [1]}


def without_defaults(message):
    """Clears fillers, fields at their default value and sub-messages left empty."""
    for field, value in list(message.ListFields()):
        if field.name.endswith('filler'):
            message.ClearField(field.name)
        elif field.label == FieldDescriptor.LABEL_REPEATED:
            if field.message_type:
                for item in value:
                    without_defaults(item)
            elif list(value) == REPEATED_DEFAULTS.get((message.DESCRIPTOR.name, field.name)):
                message.ClearField(field.name)
        elif field.message_type:
            without_defaults(value)
            if not value.ListFields():
                message.ClearField(field.name)
        elif value == field.default_value:
            message.ClearField(field.name)


def in_test_phase(layer):
    if layer.HasField('phase') and layer.phase != pb().TEST:
        return False
    def rule_met(rule):  # levels and stages are not used by these networks
        return not rule.HasField('phase') or rule.phase == pb().TEST
    if layer.include:
        return any(rule_met(r) for r in layer.include)
    return not any(rule_met(r) for r in layer.exclude)


def inference_layers(net):
    """The layers as comparable text, legacy inputs as Input layers, Dropout left out."""
    layers = []
    legacy_dims = [list(s.dim) for s in net.input_shape] or [
        list(net.input_dim[4 * i:4 * i + 4]) for i in range(len(net.input))]
    for name, dims in zip(net.input, legacy_dims):
        layer = pb().LayerParameter(name=name, type='Input', top=[name])
        layer.input_param.shape.add().dim.extend(dims)
        layers.append(layer)
    for source in net.layer:
        if not in_test_phase(source) or source.type == 'Dropout':
            continue
        layer = pb().LayerParameter()
        layer.CopyFrom(source)
        for field in TRAINING_ONLY_FIELDS:
            layer.ClearField(field)
        without_defaults(layer)
        layers.append(layer)
    return [(l.name, text_format.MessageToString(l, as_one_line=True)) for l in layers]


def blobs_by_layer(weights, layer_names):
    found = {}
    for layer in weights.layer:
        if layer.name in layer_names and layer.blobs:
            found[layer.name] = [
                (list(b.shape.dim) if b.HasField('shape') else
                 [b.num, b.channels, b.height, b.width],
                 np.asarray(b.data if b.data else b.double_data, np.float32).tobytes())
                for b in layer.blobs]
    return found


def compare_networks(source_prototxt, source_weights, written_prototxt, written_weights):
    """Problems found (empty when the round trip kept everything), and a summary. Without
    `source_weights` only the layers are compared (the caller compares the files' bytes)."""
    source = inference_layers(read_prototxt(source_prototxt))
    written = inference_layers(read_prototxt(written_prototxt))
    problems = []
    for i in range(max(len(source), len(written))):
        a = source[i][1] if i < len(source) else '(none)'
        b = written[i][1] if i < len(written) else '(none)'
        if a != b:
            problems.append(f'layer {i}:\n  source:  {a}\n  written: {b}')
    if not source_weights:
        return problems, f'{len(source)} layers'
    names = {name for name, _ in source}
    source_blobs = blobs_by_layer(read_caffemodel(source_weights), names)
    written_blobs = blobs_by_layer(read_caffemodel(written_weights), names)
    blob_count = 0
    for name in sorted(set(source_blobs) | set(written_blobs)):
        a, b = source_blobs.get(name, []), written_blobs.get(name, [])
        if len(a) != len(b):
            problems.append(f"layer '{name}': {len(a)} blobs in the source, {len(b)} written")
            continue
        for i, ((dims_a, bytes_a), (dims_b, bytes_b)) in enumerate(zip(a, b)):
            blob_count += 1
            if dims_a != dims_b:
                problems.append(f"layer '{name}' blob {i}: shape {dims_a} became {dims_b}")
            elif bytes_a != bytes_b:
                problems.append(f"layer '{name}' blob {i}: the values changed")
    return problems, f'{len(source)} layers, {blob_count} blobs'


def nnport_convert(nnport, *args):
    p = subprocess.run([nnport, 'convert', *args], capture_output=True, text=True, timeout=600)
    if p.returncode != 0:
        raise RuntimeError(f"nnport convert {' '.join(args)}: {(p.stdout + p.stderr).strip()}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--nnport', required=True)
    parser.add_argument('--work', required=True)
    args = parser.parse_args()
    shared_testdata.require('caffe_round_trip', 'MTCNN and the BVLC prototxts')
    os.makedirs(args.work, exist_ok=True)
    failures = 0
    cases = []
    for det in ('det1', 'det2', 'det3', 'det4'):
        src = os.path.join(TESTDATA, 'mtcnn', det)
        out = os.path.join(args.work, det)
        cases.append((f'mtcnn-{det}', src, out, [[src + '.prototxt', out + '.prototxt']]))
    for net in BVLC:
        seeded = os.path.join(args.work, net + '_seeded')
        again = os.path.join(args.work, net + '_again')
        cases.append((f'{net} (seeded)', seeded, again, [
            [os.path.join(TESTDATA, 'bvlc-prototxt', net + '.prototxt'), seeded + '.prototxt',
             '--seed-weights', '1'],
            [seeded + '.prototxt', again + '.prototxt']]))
    for name, source, written, conversions in cases:
        try:
            for conversion in conversions:
                nnport_convert(args.nnport, *conversion)
            seeded = name.endswith('(seeded)')
            # Python's protobuf parses AlexNet's 61M weights slowly: identical bytes say more.
            problems, summary = compare_networks(
                source + '.prototxt', None if seeded else source + '.caffemodel',
                written + '.prototxt', written + '.caffemodel')
            if seeded:
                for ext in ('.prototxt', '.caffemodel'):
                    if not filecmp.cmp(source + ext, written + ext, shallow=False):
                        problems.append(f'{os.path.basename(written + ext)} differs in bytes')
                summary += ', identical files'
        except RuntimeError as error:
            problems, summary = [str(error)], ''
        failures += bool(problems)
        print(f"{'FAIL' if problems else 'ok  '} {name}: {summary}")
        for problem in problems[:10]:
            print('     ' + problem.replace('\n', '\n     '))
    print(f'{len(cases) - failures} of {len(cases)} round trips kept the layers and blobs')
    sys.exit(1 if failures else 0)


if __name__ == '__main__':
    main()
