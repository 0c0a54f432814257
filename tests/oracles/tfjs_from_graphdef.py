#!/usr/bin/python3
"""Turns a frozen TensorFlow GraphDef (.pb or .pbtxt) into a TF.js graph model folder, so that
run_tfjs.mjs can run it: the topology as protobuf JSON (what the tensorflowjs converter writes),
every Const value moved into one weight shard (tfjs reads Const values only from weights).
Graph optimisations of the real converter (op fusion) are not applied: tfjs runs the plain ops.

Usage: tfjs_from_graphdef.py GRAPH.pb OUT_DIR  ->  OUT_DIR/model.json, OUT_DIR/weights.bin
"""
import json
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', 'generators'))
from tf_graph_proto import load_proto_module  # noqa: E402

pb = load_proto_module()
from google.protobuf import json_format, text_format  # noqa: E402

# TF dtype -> (numpy dtype of the stored values, typed field, tfjs weight dtype, tfjs TF dtype)
DTYPES = {
    pb.DT_FLOAT: ('<f4', 'float_val', 'float32', pb.DT_FLOAT),
    pb.DT_DOUBLE: ('<f8', 'double_val', 'float32', pb.DT_FLOAT),
    pb.DT_HALF: ('<f2', 'half_val', 'float32', pb.DT_FLOAT),
    pb.DT_INT32: ('<i4', 'int_val', 'int32', pb.DT_INT32),
    pb.DT_INT64: ('<i8', 'int64_val', 'int32', pb.DT_INT32),
    pb.DT_INT16: ('<i2', 'int_val', 'int32', pb.DT_INT32),
    pb.DT_INT8: ('i1', 'int_val', 'int32', pb.DT_INT32),
    pb.DT_UINT8: ('u1', 'int_val', 'int32', pb.DT_INT32),
    pb.DT_BOOL: ('?', 'bool_val', 'bool', pb.DT_BOOL),
}


def tensor_values(t, name):
    if t.dtype not in DTYPES:
        raise SystemExit(f'{name}: constant of type {t.dtype} is not supported')
    np_type, field, _, _ = DTYPES[t.dtype]
    shape = [d.size for d in t.tensor_shape.dim]
    count = int(np.prod(shape)) if shape else 1
    if t.tensor_content:
        values = np.frombuffer(t.tensor_content, dtype=np_type)
    else:
        raw = list(getattr(t, field))
        if t.dtype == pb.DT_HALF:
            raw = np.array(raw, dtype=np.uint16).view(np.float16)
        values = np.array(raw, dtype=np_type)
        if values.size == 0:
            values = np.zeros(count, dtype=np_type)
        elif values.size < count:  # a short field repeats its last value
            values = np.concatenate([values, np.full(count - values.size, values[-1])])
    return values.reshape(shape)


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    src, out_dir = sys.argv[1], sys.argv[2]
    graph = pb.GraphDef()
    with open(src, 'rb') as f:
        data = f.read()
    if src.endswith('.pbtxt') or src.endswith('.txt'):
        text_format.Parse(data.decode('utf8'), graph)
    else:
        graph.ParseFromString(data)
    specs, chunks = [], []
    for node in graph.node:
        if node.op != 'Const':
            continue
        values = tensor_values(node.attr['value'].tensor, node.name)
        _, _, js_dtype, js_tf_dtype = DTYPES[node.attr['value'].tensor.dtype]
        stored = {'float32': '<f4', 'int32': '<i4', 'bool': 'u1'}[js_dtype]
        chunks.append(np.ascontiguousarray(values.astype(stored)).tobytes())
        specs.append({'name': node.name, 'shape': list(values.shape), 'dtype': js_dtype})
        del node.attr['value']
        node.attr['dtype'].type = js_tf_dtype
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, 'weights.bin'), 'wb') as f:
        f.write(b''.join(chunks))
    topology = json_format.MessageToDict(graph)
    # tfjs reads versions.producer unconditionally; graphs written without versions get zeros.
    topology.setdefault('versions', {'producer': 0, 'minConsumer': 0})
    model = {
        'format': 'graph-model',
        'generatedBy': 'frozen GraphDef',
        'convertedBy': 'nnport tests/oracles/tfjs_from_graphdef.py',
        'modelTopology': topology,
        'weightsManifest': [{'paths': ['weights.bin'], 'weights': specs}],
    }
    with open(os.path.join(out_dir, 'model.json'), 'w') as f:
        json.dump(model, f)


if __name__ == '__main__':
    main()
