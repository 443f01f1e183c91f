// Graph passes over the IR (graph/graph.h), applied in place.
//
// run_default_passes() applies, in this order:
//   fold_constants     Constant nodes -> initializers; Clip min/max inputs
//                      that are constants -> float attributes `min`/`max`.
//   remove_identities  Identity nodes disappear; readers use their input
//                      (a graph output keeps its name: the producer is
//                      renamed instead when that is safe).
//   fold_batch_norm    Conv -> BatchNormalization, when the conv output feeds
//                      only the BN, becomes one Conv with
//                        s = gamma / sqrt(var + eps)   (per out channel)
//                        W' = W * s,  b' = (b - mean) * s + beta
//                      computed in double, rounded to float once.
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
void fold_batch_norm(Graph& g);
void fuse_activations(Graph& g);
void remove_dead_nodes(Graph& g);
void infer_shapes(Graph& g);

void run_default_passes(Graph& g);

}  // namespace graph
}  // namespace qrt
