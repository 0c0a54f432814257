"""Python classes for our GraphDef subset (src/formats/tensorflow/tf_graph.proto), compiled with
protoc into a temporary folder on first use; shared by the TF test-model generator and the
GraphDef -> TF.js converter of the tfjs oracle."""
import os
import subprocess
import sys
import tempfile

PROTO_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'src', 'formats',
                         'tensorflow')


def load_proto_module():
    """Compiles tf_graph.proto for Python and imports it."""
    out = tempfile.mkdtemp(prefix='tf_graph_py_')
    subprocess.run(['protoc', f'--python_out={out}', f'-I{PROTO_DIR}',
                    os.path.join(PROTO_DIR, 'tf_graph.proto')], check=True)
    sys.path.insert(0, out)
    import tf_graph_pb2  # noqa: E402
    return tf_graph_pb2
