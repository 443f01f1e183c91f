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
- `export_qdq_onnx`: the folded model in the QDQ format (int8 weight and
  int32 bias DequantizeLinear, activation QuantizeLinear -> [Clip] ->
  DequantizeLinear with the .qrt's fixed scales); `qrt-convert` imports it
  keeping those scales, so the deployed .qrt computes what `exact` mode
  computes (`deploy_command` gives the command).
- `export_scales`: the fixed quantization (per-channel weight scales and
  bits keyed by the exported weight names, activation scales/bits/dtype
  keyed by ONNX tensor names) as JSON. The folded weights round to the
  trained codes with these scales (for tools; qrt-convert reads the QDQ
  model instead).
"""

import copy
import json

from torch import no_grad as torch_no_grad

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


def export_folded_onnx(net, onnx_model, path=None):
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
    if path is not None:
        onnx.save(m, path)
    return m


def _quantized_readers(qm):
    """{(op name, ONNX tensor)} for every .qrt op that reads the int8 form of
    an activation: the ONNX readers to rewire to the DequantizeLinear."""
    out = set()
    for op in qm.ops:
        for i in op.inputs:
            t = qm.tensors[i] if i >= 0 else None
            if t is not None and t.quantized and t.data is None:
                name = t.name[:-len("/quantized")] if t.name.endswith("/quantized") else t.name
                out.add((op.name, name))
    return out


def export_qdq_onnx(net, onnx_model, path):
    """The trained model in the QDQ format, with the fixed quantization:
    BN folded (export_folded_onnx); every Conv/Gemm weight int8 codes ->
    DequantizeLinear (per output channel, axis 0, the .qrt's scales); every
    bias int32 codes -> DequantizeLinear (scale = fp32 input scale x weight
    scale); every activation the .qrt stores in int8: x -> QuantizeLinear ->
    [Clip to the bit range] -> DequantizeLinear for the readers that read
    its int8 form (uint8 / int8 by the .qrt's U8 / S8, zero point 0). The
    codes are QatNet's (`codes(exact=True)`), so qrt-convert's QDQ import
    stores exactly them and the deployed model computes what `exact` mode
    computes. Tensor names stay those of the folded export."""
    import onnx

    qm = net.qm
    m = export_folded_onnx(net, onnx_model)
    g = m.graph
    inits = {t.name: i for i, t in enumerate(g.initializer)}
    new_nodes, new_inits = [], []

    def const(name, array):
        new_inits.append(numpy_helper.from_array(np.ascontiguousarray(array), name))
        return name

    def dequantize_constant(name, codes, scales, dtype):
        if name in inits:
            g.initializer.remove(next(t for t in g.initializer if t.name == name))
        q = const(name + "_quantized", codes.astype(dtype))
        s = const(name + "_scale", np.asarray(scales, dtype=np.float32))
        z = const(name + "_zero_point", np.zeros(len(scales), dtype=dtype))
        new_nodes.append(helper.make_node("DequantizeLinear", [q, s, z], [name], name=name + "_dequantize", axis=0))

    with torch_no_grad():
        for _op, layer in net.linear_layers():
            wq, bq = layer.codes(exact=True)
            wname, bname = folded_names(layer)
            dequantize_constant(wname, wq.cpu().numpy(), layer.w_scale.cpu().numpy(), np.int8)
            if bq is not None:
                bs = layer.current_bias_scale()
                dequantize_constant(bname, bq.cpu().numpy(), np.asarray(bs.detach().cpu().numpy(), np.float32),
                                    np.int32)
    readers = _quantized_readers(qm)
    rewired = set()
    current = net.activation_scales()  # the .qrt's, or the learned ones
    for name, a in qm.activation_quant().items():
        users = [n for n in g.node if (n.name, name) in readers and name in n.input]
        if not users:
            continue
        unsigned = a["dtype"] == "U8"
        itype = np.uint8 if unsigned else np.int8
        bits = a["bits"]
        lo, hi = (0, (1 << bits) - 1) if unsigned else (-((1 << (bits - 1)) - 1), (1 << (bits - 1)) - 1)
        s = const(name + "_act_scale", np.asarray(current.get(name, a["scale"]), dtype=np.float32))
        z = const(name + "_act_zero_point", np.asarray(0, dtype=itype))
        qname, dname = name + "_quantized", name + "_dequantized"
        nodes = [helper.make_node("QuantizeLinear", [name, s, z], [qname], name=name + "_quantize")]
        if not (unsigned and bits == 8):  # int8 saturates at -128, qrt at -127; fewer bits: the range
            cname = name + "_clipped"
            nodes.append(helper.make_node("Clip", [qname, const(name + "_act_lo", np.asarray(lo, dtype=itype)),
                                                   const(name + "_act_hi", np.asarray(hi, dtype=itype))],
                                          [cname], name=name + "_clip"))
            qname = cname
        nodes.append(helper.make_node("DequantizeLinear", [qname, s, z], [dname], name=name + "_dequantize"))
        for n in users:
            for i, x in enumerate(n.input):
                if x == name:
                    n.input[i] = dname
        # right after the producer (or first, for a graph input)
        producer = next((k for k, n in enumerate(g.node) if name in n.output), -1)
        for k, n in enumerate(nodes):
            g.node.insert(producer + 1 + k, n)
        rewired.add(name)
    for k, n in enumerate(new_nodes):
        g.node.insert(k, n)
    g.initializer.extend(new_inits)
    if m.opset_import[0].version < 13:
        for o in m.opset_import:
            if o.domain in ("", "ai.onnx"):
                o.version = 13
    onnx.checker.check_model(m)
    onnx.save(m, path)
    return m, rewired


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


def deploy_command(qm, qdq_path, qrt_path):
    """The qrt-convert command that deploys `qdq_path` with the .qrt's
    preprocessing and placement (no calibration: the QDQ scales are kept)."""
    p = qm.preprocess
    f32 = lambda v: ",".join(str(np.float32(x)) for x in v)
    cmd = ["qrt-convert", qdq_path, "-o", qrt_path]
    if p.get("mean"):
        cmd += ["--mean", f32(p["mean"]), "--std", f32(p["std"])]
    if p.get("channel_order"):
        cmd += ["--channel-order", p["channel_order"]]
    if p.get("resize_short"):
        cmd += ["--resize-short", str(p["resize_short"])]
    if p.get("crop_height"):
        cmd += ["--crop", f"{p['crop_height']}x{p['crop_width']}"]
    if qm.settings.get("float_residual_adds") is False:
        cmd.append("--quantize-adds")
    if qm.settings.get("unsigned_activations") is False:
        cmd.append("--signed-activations")
    return cmd
