//! [`SpatialBackend`] on `burn_autodiff::Autodiff<B>`: a (transposed) convolution with bias, or
//! a max pooling, is one graph operation; its backward step asks the inner backend `B` for the
//! gradients of the parents that require one, in a single call (so `B` can share work between
//! them).

use super::{Needed, SpatialBackend};
use burn_autodiff::Autodiff;
use burn_autodiff::NodeId;
use burn_autodiff::checkpoint::base::Checkpointer;
use burn_autodiff::checkpoint::strategy::CheckpointStrategy;
use burn_autodiff::grads::Gradients;
use burn_autodiff::ops::{Backward, Ops, OpsKind};
use burn_backend::ops::{ConvOptions, ConvTransposeOptions};
use burn_backend::tensor::FloatTensor;

/// Which operation a graph step is, with its options.
#[derive(Clone, Debug)]
enum Kind {
    Conv(ConvOptions<2>),
    Transposed(ConvTransposeOptions<2>),
}

impl Kind {
    /// The forward pass on the inner backend.
    fn forward<B: SpatialBackend>(&self, x: FloatTensor<B>, w: FloatTensor<B>, b: FloatTensor<B>) -> FloatTensor<B> {
        match self {
            Kind::Conv(o) => B::fast_conv2d(x, w, b, o.clone()),
            Kind::Transposed(o) => B::fast_conv_transpose2d(x, w, b, o.clone()),
        }
    }
}

/// The backward step of a (transposed) convolution with parents input, weight and bias.
#[derive(Debug)]
struct ConvStep;

impl<B: SpatialBackend> Backward<B, 3> for ConvStep {
    type State = (NodeId, NodeId, NodeId, Kind);

    fn backward(self, ops: Ops<Self::State, 3>, grads: &mut Gradients, checkpointer: &mut Checkpointer) {
        let [node_x, node_w, node_b] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        let (xs, ws, bs, kind) = ops.state;
        let x = checkpointer.retrieve_node_output::<FloatTensor<B>>(xs);
        let w = checkpointer.retrieve_node_output::<FloatTensor<B>>(ws);
        let b = checkpointer.retrieve_node_output::<FloatTensor<B>>(bs);
        let needed = Needed { x: node_x.is_some(), weight: node_w.is_some(), bias: node_b.is_some() };
        let g = match kind {
            Kind::Conv(o) => B::fast_conv2d_backward(x, w, b, grad, o, needed),
            Kind::Transposed(o) => B::fast_conv_transpose2d_backward(x, w, b, grad, o, needed),
        };
        for (node, grad) in [(node_x, g.x), (node_w, g.weight), (node_b, g.bias)] {
            if let (Some(node), Some(grad)) = (node, grad) {
                grads.register::<B>(node.id, grad);
            }
        }
    }
}

/// The graph operation `kind` on input `x`, weight `w` and bias `b`.
fn track<B: SpatialBackend, C: CheckpointStrategy>(
    x: FloatTensor<Autodiff<B, C>>,
    w: FloatTensor<Autodiff<B, C>>,
    b: FloatTensor<Autodiff<B, C>>,
    kind: Kind,
) -> FloatTensor<Autodiff<B, C>> {
    match ConvStep.prepare::<C>([x.node.clone(), w.node.clone(), b.node.clone()]).compute_bound().stateful() {
        OpsKind::Tracked(mut prep) => {
            let state = (prep.checkpoint(&x), prep.checkpoint(&w), prep.checkpoint(&b), kind.clone());
            prep.finish(state, kind.forward::<B>(x.primitive, w.primitive, b.primitive))
        }
        OpsKind::UnTracked(prep) => prep.finish(kind.forward::<B>(x.primitive, w.primitive, b.primitive)),
    }
}

/// The backward step of 2 × 2 max pooling (its state: the input, to find each window's maximum).
#[derive(Debug)]
struct PoolStep;

impl<B: SpatialBackend> Backward<B, 1> for PoolStep {
    type State = NodeId;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, checkpointer: &mut Checkpointer) {
        let [node_x] = ops.parents;
        let grad = grads.consume::<B>(&ops.node);
        if let Some(node) = node_x {
            let x = checkpointer.retrieve_node_output::<FloatTensor<B>>(ops.state);
            grads.register::<B>(node.id, B::max_pool2x2_backward(x, grad));
        }
    }
}

impl<B: SpatialBackend, C: CheckpointStrategy> SpatialBackend for Autodiff<B, C> {
    fn fast_conv2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        options: ConvOptions<2>,
    ) -> FloatTensor<Self> {
        track::<B, C>(x, weight, bias, Kind::Conv(options))
    }

    fn fast_conv_transpose2d(
        x: FloatTensor<Self>,
        weight: FloatTensor<Self>,
        bias: FloatTensor<Self>,
        options: ConvTransposeOptions<2>,
    ) -> FloatTensor<Self> {
        track::<B, C>(x, weight, bias, Kind::Transposed(options))
    }

    fn max_pool2x2(x: FloatTensor<Self>) -> FloatTensor<Self> {
        match PoolStep.prepare::<C>([x.node.clone()]).compute_bound().stateful() {
            OpsKind::Tracked(mut prep) => {
                let state = prep.checkpoint(&x);
                prep.finish(state, B::max_pool2x2(x.primitive))
            }
            OpsKind::UnTracked(prep) => prep.finish(B::max_pool2x2(x.primitive)),
        }
    }
}
