"""Python classes for nnport's Caffe schema (src/formats/caffe/nnport_caffe.proto, field numbers of
BVLC caffe.proto), compiled with protoc into a temporary folder on first use, and helpers to read
a network's two files the way the round-trip and oracle tests need them."""
import os
import subprocess
import sys
import tempfile

from google.protobuf import text_format

PROTO_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'src', 'formats',
                         'caffe')
_module = None


def pb():
    """The compiled nnport_caffe_pb2 module (compiled once per process)."""
    global _module
    if _module is None:
        out = tempfile.mkdtemp(prefix='nnport_caffe_py_')
        subprocess.run(['protoc', f'--python_out={out}', f'-I{PROTO_DIR}',
                        os.path.join(PROTO_DIR, 'nnport_caffe.proto')], check=True)
        sys.path.insert(0, out)
        import nnport_caffe_pb2  # noqa: E402
        _module = nnport_caffe_pb2
    return _module


def read_prototxt(path):
    net = pb().NetParameter()
    with open(path) as f:
        text_format.Merge(f.read(), net)
    return net


def read_caffemodel(path):
    net = pb().NetParameter()
    with open(path, 'rb') as f:
        net.ParseFromString(f.read())
    return net
