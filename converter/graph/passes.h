// Graph passes over the IR (graph/graph.h), applied in place.
//
// run_default_passes() applies, in this order:
//   fold_constants     one walk in order: every node whose inputs are all
//                      constants (Constant, ConstantOfShape, Shape/Size of
//                      any tensor: shapes are static) is evaluated by the
//                      float executor into an initializer; the others get
//                      their shapes. Integer results stay exact (<= 2^24).
//                      Clip min/max inputs that are constants -> float
//                      attributes `min`/`max`.
//   remove_identities  Identity and Dropout (any opset) disappear; readers
//                      use their input (a graph output keeps its name: the
//                      producer is renamed instead when that is safe).
//   normalize_shape_ops  Squeeze/Unsqueeze/Flatten/Reshape -> Reshape with
//                      a constant full shape (no 0/-1; same shape: removed);
//                      Sum -> chain of Add; ReduceMean over H, W of a 4-D
//                      tensor -> GlobalAveragePool (+ Reshape [N, C] for
//                      keepdims 0); Split -> one Slice per output; Slice ->
//                      one input + attributes starts/ends/axes/steps of the
//                      sliced axes, clamped (a full Slice is removed); Pad
//                      -> one input + attributes pads/value/mode (all-zero
//                      pads: removed); PRelu with one slope -> LeakyRelu.
//   fold_pads          Pad (value 0, spatial only) read only by a Conv ->
//                      the conv's pads; by an AveragePool (ceil_mode 0) ->
//                      its pads with count_include_pad 1.
//   rewrite_activation_patterns  Mul(x, Sigmoid(x)) -> QrtSilu(x);
//                      Mul(x, HardSigmoid(x; 1/6, 0.5)) -> HardSwish(x);
//                      Clip(x + 3, 0, 6) / 6 (Div 6 or Mul 1/6) ->
//                      HardSigmoid(x; 1/6, 0.5); x * Clip(x + 3, 0, 6) / 6 in
//                      either order -> HardSwish(x).
//   fold_affine_into_layers  Mul/Add/Sub/Div of a Conv/Gemm output (read
//                      only there, no fused activation) by a per-output-
//                      channel or scalar constant: folded into its weights
//                      and bias (W' = W * s, b' = b * s + o, double, rounded
//                      once), repeated along a chain.
//   fold_batch_norm    Conv -> BatchNormalization, when the conv output feeds
//                      only the BN, becomes one Conv with
//                        s = gamma / sqrt(var + eps)   (per out channel)
//                        W' = W * s,  b' = (b - mean) * s + beta
//                      computed in double, rounded to float once.
//   fold_affine_into_layers again (Conv -> Add(bias) -> BN folds fully).
//   scalar_affine_to_qrt_affine  what remains of Mul/Add/Sub/Div of an
//                      activation by a one-value constant -> QrtAffine(x)
//                      with float attributes scale, offset (c / x stays Div).
//   recognize_channel_shuffle  Reshape [N,C,H,W] -> [N,g,C/g,H,W] (or
//                      [N,g,C/g,H*W]), Transpose swapping dims 1 and 2,
//                      Reshape back -> QrtChannelShuffle (int attribute
//                      group = g).
//   fuse_activations   Conv/Gemm/MatMul/Add followed by Relu or Clip(0, 6),
//                      when nothing else reads the pre-activation tensor,
//                      sets Node::fused_activation and drops the Relu/Clip.
//   remove_dead_nodes  nodes whose outputs reach no graph output; unused
//                      initializers.
//   infer_shapes       fills Graph::shapes for every tensor; checks shapes
//                      (channel counts, broadcastability) naming the node.
// Each pass is usable on its own; infer_shapes() is idempotent.
#pragma once

#include "graph/graph.h"

namespace qrt {
namespace graph {

void fold_constants(Graph& g);
void remove_identities(Graph& g);
void normalize_shape_ops(Graph& g);
void fold_pads(Graph& g);
void rewrite_activation_patterns(Graph& g);
void fold_affine_into_layers(Graph& g);
void scalar_affine_to_qrt_affine(Graph& g);
void recognize_channel_shuffle(Graph& g);
void fold_batch_norm(Graph& g);
void fuse_activations(Graph& g);
void remove_dead_nodes(Graph& g);
void infer_shapes(Graph& g);

void run_default_passes(Graph& g);

}  // namespace graph
}  // namespace qrt
