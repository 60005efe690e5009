//! A differentiable all-reduce: y = Σ_peers x in the forward pass, and in the backward pass
//! dx = Σ_peers dy (every peer's loss depends on its copy of y, so the gradient of the global
//! loss with respect to one peer's x sums the others' output gradients). With it, statistics
//! over the global batch (the synchronised batch norm, [`super::sync_bn`]) are ordinary tensor
//! code and burn's autodiff gives the exact gradient of the single-process run.
//!
//! A failure inside the backward pass cannot be returned from it: the engine records it (and
//! the gradient stays the local one); [`super::ddp::step`] checks the engine right after
//! `backward()` and stops the run.

use super::engine::Collective;
use super::error::DistError;
use burn::backend::Autodiff;
use burn::backend::autodiff::checkpoint::base::Checkpointer;
use burn::backend::autodiff::checkpoint::strategy::CheckpointStrategy;
use burn::backend::autodiff::grads::Gradients;
use burn::backend::autodiff::ops::{Backward, Ops, OpsKind, unary};
use burn::prelude::*;
use burn::tensor::TensorPrimitive;
use burn::tensor::backend::AutodiffBackend;

/// Autodiff backends with a differentiable all-reduce over the peers of a [`Collective`].
pub trait DiffAllReduce: AutodiffBackend {
    /// Σ over peers of `x`, every peer getting the sum; its backward sums the output gradients
    /// over the peers. `what` names the call in errors.
    fn all_reduce_sum_diff<const D: usize>(
        engine: &Collective<Self::InnerBackend>,
        what: &'static str,
        x: Tensor<Self, D>,
    ) -> Result<Tensor<Self, D>, DistError>;
}

/// The backward step: the same all-reduce on the output gradient.
#[derive(Debug)]
struct AllReduceBackward;

impl<B: Backend> Backward<B, 1> for AllReduceBackward {
    type State = Collective<B>;

    fn backward(self, ops: Ops<Self::State, 1>, grads: &mut Gradients, _checkpointer: &mut Checkpointer) {
        let engine = ops.state;
        unary::<B, _>(ops.parents, ops.node, grads, |grad| {
            // On failure the engine keeps the error for `check`; the local gradient stands in.
            let kept = grad.clone();
            engine.all_reduce_primitive("the all-reduce of a backward pass", grad).unwrap_or(kept)
        });
    }
}

impl<B: Backend, C: CheckpointStrategy> DiffAllReduce for Autodiff<B, C> {
    fn all_reduce_sum_diff<const D: usize>(
        engine: &Collective<B>,
        what: &'static str,
        x: Tensor<Self, D>,
    ) -> Result<Tensor<Self, D>, DistError> {
        let x = x.into_primitive().tensor();
        let sum = engine.all_reduce_primitive(what, x.primitive.clone())?;
        let out = match AllReduceBackward.prepare::<C>([x.node.clone()]).compute_bound().stateful() {
            OpsKind::Tracked(prep) => prep.finish(engine.clone(), sum),
            OpsKind::UnTracked(prep) => prep.finish(sum),
        };
        Ok(Tensor::from_primitive(TensorPrimitive::Float(out)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    type B = Autodiff<burn::backend::Flex>;

    #[test]
    fn one_peer_is_the_identity_with_its_gradient() {
        let dev = Default::default();
        let engine = Collective::<burn::backend::Flex>::solo(dev);
        let x = Tensor::<B, 1>::from_floats([1.0, 2.0], &dev).require_grad();
        let y = B::all_reduce_sum_diff(&engine, "test", x.clone()).unwrap();
        let grads = (y * Tensor::from_floats([3.0, 5.0], &dev)).sum().backward();
        let g = x.grad(&grads).unwrap().into_data().into_vec::<f32>().unwrap();
        assert_eq!(g, vec![3.0, 5.0]);
    }
}
