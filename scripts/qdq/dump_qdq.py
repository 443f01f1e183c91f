#!/usr/bin/env python3
"""Prints what a QDQ ONNX model holds: opset, node sequence (op, inputs ->
outputs), and for each QuantizeLinear/DequantizeLinear its scale and zero
point (dtype, per-tensor or per-axis, values). onnx + numpy only (Debian's
python3-onnx works).

  python3 scripts/qdq/dump_qdq.py MODEL.onnx [--all]   (--all: every scale value)
"""
import argparse
import collections

import numpy as np
import onnx
from onnx import numpy_helper


def constants(g):
    c = {i.name: numpy_helper.to_array(i) for i in g.initializer}
    for n in g.node:
        if n.op_type == "Constant":
            for at in n.attribute:
                if at.name == "value":
                    c[n.output[0]] = numpy_helper.to_array(at.t)
    return c


def short(a, full):
    a = np.asarray(a)
    if a.size <= 4 or full:
        return f"{a.dtype}{list(a.shape)} {a.ravel().tolist()}"
    return f"{a.dtype}{list(a.shape)} [{', '.join(f'{v:.6g}' for v in a.ravel()[:4])}, ...]"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("model")
    ap.add_argument("--all", action="store_true")
    a = ap.parse_args()
    m = onnx.load(a.model)
    g = m.graph
    c = constants(g)
    print(f"# {a.model}: ir_version {m.ir_version}, opsets "
          f"{[(o.domain or 'ai.onnx', o.version) for o in m.opset_import]}, producer {m.producer_name} {m.producer_version}")
    print(f"# inputs {[(i.name, i.type.tensor_type.elem_type) for i in g.input]}")
    print(f"# outputs {[(o.name, o.type.tensor_type.elem_type) for o in g.output]}")
    print("# op counts", dict(collections.Counter(n.op_type for n in g.node)))
    for n in g.node:
        attrs = {at.name: onnx.helper.get_attribute_value(at) for at in n.attribute if at.name != "value"}
        ins = [(i + "=" + short(c[i], a.all) if n.op_type in ("QuantizeLinear", "DequantizeLinear") and k > 0
                and i in c else i + ("(init " + short(c[i], False) + ")" if i in c and n.op_type not in (
                    "QuantizeLinear", "DequantizeLinear") else "")) for k, i in enumerate(n.input)]
        if n.op_type == "DequantizeLinear" and n.input[0] in c:
            ins[0] = n.input[0] + "(init " + short(c[n.input[0]], False) + ")"
        if n.op_type == "Constant":
            continue
        print(f"{n.op_type:18s} {n.name}: {ins} -> {list(n.output)} {attrs if attrs else ''}")


if __name__ == "__main__":
    main()
