"""Writing the trained model out.

- `export_folded_onnx`: the ONNX model with every BN folded into its conv
  (the latent folded float weights w' and biases b' of QatNet; BN nodes
  removed, the conv writes the BN's output name) and every Gemm/MatMul as
  Gemm(transB=1) with its trained bias. Tensor names follow qrt-convert's:
  a folded weight is `<weight>_bnfold`, its bias `<conv node>_bias_bnfold`,
  so converting the exported file gives the .qrt's names again.
- `export_onnx`: the ONNX model with the trained parameters written back
  into its own initializers (BN kept, the same names; Gemm/MatMul weights
  in their original layout), e.g. after a float fine-tune of a pruned model,
  for qrt-convert (PTQ) and the mask file keyed by those names.
- `export_scales`: the fixed quantization (per-channel weight scales and
  bits keyed by the exported weight names, activation scales/bits/dtype
  keyed by ONNX tensor names) as JSON. The folded weights round to the
  trained codes with these scales; qrt-convert does not read this file yet
  (the QDQ export and import are issue 11's next part).
"""

import copy
import json

import numpy as np
from onnx import helper, numpy_helper


def _replace_init(graph, name, array):
    for i, t in enumerate(graph.initializer):
        if t.name == name:
            del graph.initializer[i]
            break
    graph.initializer.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), name))


def _prune(graph):
    """Drops Identity nodes and initializers nothing reads any more."""
    outputs = {o.name for o in graph.output}
    while True:
        used = {i for n in graph.node for i in n.input} | outputs
        dead = [n for n in graph.node if n.op_type == "Identity" and not any(o in used for o in n.output)]
        if not dead:
            break
        for n in dead:
            graph.node.remove(n)
    used = {i for n in graph.node for i in n.input} | outputs
    keep = [t for t in graph.initializer if t.name in used]
    del graph.initializer[:]
    graph.initializer.extend(keep)
    keep_vi = [v for v in graph.value_info if v.name in used or v.name in outputs]
    del graph.value_info[:]
    graph.value_info.extend(keep_vi)


def folded_names(layer):
    """(weight name, bias name) of a QatNet layer in the exported ONNX."""
    if layer.has_bn:
        return layer.onnx["weight"] + "_bnfold", layer.onnx["node"] + "_bias_bnfold"
    return layer.onnx["weight"], layer.onnx["bias"] or layer.onnx["weight"] + ".bias"


def export_folded_onnx(net, onnx_model, path):
    import onnx

    m = copy.deepcopy(onnx_model)
    g = m.graph
    nodes = {n.name: n for n in g.node}
    for _op, layer in net.linear_layers():
        w, b = layer.folded()
        w = w.detach().cpu().numpy()
        b = b.detach().cpu().numpy() if b is not None else None
        node = nodes[layer.onnx["node"]]
        wname, bname = folded_names(layer)
        _replace_init(g, wname, w)
        if b is not None:
            _replace_init(g, bname, b)
        if layer.is_conv:
            node.input[1] = wname
            if b is not None:
                if len(node.input) > 2:
                    node.input[2] = bname
                else:
                    node.input.append(bname)
            if layer.has_bn:
                bn = nodes[layer.onnx["bn"]]
                node.output[0] = bn.output[0]
                g.node.remove(bn)
        else:
            gemm = helper.make_node("Gemm", [node.input[0], wname] + ([bname] if b is not None else []),
                                    list(node.output), name=node.name, transB=1)
            idx = list(g.node).index(node)
            g.node.remove(node)
            g.node.insert(idx, gemm)
    _prune(g)
    onnx.checker.check_model(m)
    onnx.save(m, path)
    return m


def export_onnx(net, onnx_model, path):
    import onnx
    from .network import onnx_layers

    m = copy.deepcopy(onnx_model)
    g = m.graph
    inits = {t.name for t in g.initializer}
    alias = {n.output[0]: n.input[0] for n in g.node if n.op_type == "Identity" and n.input[0] in inits}
    layers = onnx_layers(m)

    def put(name, value):
        _replace_init(g, alias.get(name, name), value.detach().cpu().numpy())

    for _op, layer in net.linear_layers():
        info = layers[layer.onnx["node"]]
        w = layer.weight
        if not layer.is_conv:
            if info["op"] == "Gemm":
                w = w / info["alpha"] if info["alpha"] != 1.0 else w
                w = w if info["trans_b"] else w.t()
            else:
                w = w.t()
        put(info["weight"], w)
        if layer.bias is not None and info["bias"] is not None:
            b = layer.bias
            if info["op"] == "Gemm" and info["beta"] != 1.0:
                b = b / info["beta"]
            shape = tuple(g_t.dims for g_t in g.initializer if g_t.name == alias.get(info["bias"], info["bias"]))
            put(info["bias"], b.reshape(tuple(shape[0]) if shape else b.shape))
        if layer.has_bn:
            put(info["bn"]["scale"], layer.bn_weight)
            put(info["bn"]["bias"], layer.bn_bias)
    onnx.checker.check_model(m)
    onnx.save(m, path)
    return m


def export_scales(net, path, extra=None):
    qm = net.qm
    weights = {}
    for op, layer in net.linear_layers():
        wname, _ = folded_names(layer)
        weights[wname] = {"node": op.name, "bits": layer.bits, "axis": 0,
                          "scales": [float(s) for s in layer.w_scale.cpu().numpy()]}
    doc = {"format": "qrt_train scales 1", "qrt": qm.path, "weights": weights,
           "activations": qm.activation_quant(), "settings": qm.settings, "preprocess": qm.preprocess}
    if extra:
        doc.update(extra)
    with open(path, "w") as f:
        json.dump(doc, f, indent=1, default=lambda o: o.tolist() if isinstance(o, np.ndarray) else str(o))
