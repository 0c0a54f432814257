#!/usr/bin/python3
"""MobileNet v2 -> MXNet Python (ctest `mxnet_mobilenet_v2_code`, label `cli`).

Converts the generated TF MobileNet v2 (tests/generators/tf_mobilenet.py) with
`nnport convert ... --to mxnet-code` and checks issue 6's points on the result:
- the script is valid Python (/usr/bin/python3 -m py_compile) with one mx.sym call per node of
  the symbol file, each naming its node (name='...', or mx.sym.Variable('...'));
- the first Convolution reads from a Pad with pad_width=(0,0,0,0,0,1,0,1): TF's SAME padding of
  the 3x3 stride-2 conv on 224x224 puts its one extra row and column at the end;
- the written symbol file reads back (nnport info).

Usage: test_mobilenet_code.py --nnport PATH/TO/nnport --work DIR
"""
import argparse
import ast
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
GENERATOR = os.path.join(HERE, "..", "generators", "tf_mobilenet.py")
MODEL = "mobilenet_v2_1.0_224.pb"
FIRST_CONV_PAD = (0, 0, 0, 0, 0, 1, 0, 1)


def python_literal(text):
    """How nnport's generated code spells a string: single quotes, \\ and ' escaped."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def check(ok, message, problems):
    if not ok:
        problems.append(message)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--nnport", required=True)
    p.add_argument("--work", required=True)
    args = p.parse_args()
    os.makedirs(args.work, exist_ok=True)
    source = os.path.join(args.work, MODEL)
    if not os.path.exists(source):
        subprocess.run([sys.executable, GENERATOR, args.work], check=True)
    script = os.path.join(args.work, "mobilenet_v2.py")
    symbol_file = os.path.join(args.work, "mobilenet_v2-symbol.json")
    for leftover in (script, symbol_file):
        if os.path.exists(leftover):
            os.remove(leftover)
    subprocess.run([args.nnport, "convert", source, script, "--to", "mxnet-code"], check=True)

    problems = []
    compiled = subprocess.run(["/usr/bin/python3", "-m", "py_compile", script],
                              capture_output=True, text=True)
    check(compiled.returncode == 0, f"py_compile failed: {compiled.stderr.strip()}", problems)

    with open(script) as f:
        code = f.read()
    with open(symbol_file) as f:
        symbol = json.load(f)
    nodes = symbol["nodes"]
    missing = []
    for n in nodes:
        spelled = (f"mx.sym.Variable({python_literal(n['name'])}" if n["op"] == "null"
                   else f"name={python_literal(n['name'])})")
        if spelled not in code:
            missing.append(f"{n['name']} ({n['op']})")
    check(not missing, f"{len(missing)} nodes not named in the script: {missing[:10]}", problems)

    # One assignment per node in build_symbol(), in the symbol's order.
    tree = ast.parse(code)
    build = next(f for f in tree.body if isinstance(f, ast.FunctionDef)
                 and f.name == "build_symbol")
    assignments = [s for s in build.body if isinstance(s, ast.Assign)]
    check(len(assignments) == len(nodes),
          f"build_symbol() has {len(assignments)} assignments for {len(nodes)} nodes", problems)

    convs = [i for i, n in enumerate(nodes) if n["op"] == "Convolution"]
    check(bool(convs), "no Convolution in the symbol", problems)
    if convs:
        first = nodes[convs[0]]
        before = nodes[first["inputs"][0][0]]
        pad_width = tuple(int(v) for v in
                          before.get("attrs", {}).get("pad_width", "()").strip("()").split(",")
                          if v.strip())
        check(before["op"] == "Pad" and pad_width == FIRST_CONV_PAD,
              f"first Convolution '{first['name']}' reads {before['op']} '{before['name']}' "
              f"with pad_width {pad_width}, expected Pad with {FIRST_CONV_PAD}", problems)
        check(first.get("attrs", {}).get("pad", "(0, 0)").replace(" ", "") in ("(0,0)",),
              f"first Convolution pads itself: {first.get('attrs')}", problems)

    info = subprocess.run([args.nnport, "info", symbol_file], capture_output=True, text=True)
    check(info.returncode == 0, f"nnport info on the written symbol failed: {info.stderr}",
          problems)

    ops = sum(1 for n in nodes if n["op"] != "null")
    print(f"{script}: {len(nodes)} symbol nodes ({ops} ops), {len(code.splitlines())} lines, "
          f"{len(convs)} convolutions")
    for problem in problems:
        print("FAIL:", problem)
    if not problems:
        print("OK")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
