//! Synchronised batch normalisation (SwAV trains with SyncBN): the batch statistics of a layer
//! are those of the global batch, all peers' rows, so a data-parallel step equals the
//! single-process step on the same global batch. Several batches (SwAV's views, each
//! normalised on its own as in the single-process run) share one all-reduce of their sums
//! Σx, Σx² and row counts; the backward pass sums their gradients over the peers
//! ([`super::autodiff`]).
//!
//! The variance is E[x²] − E[x]² (one all-reduce) where burn's `BatchNorm` computes
//! E[(x − E[x])²]; the two differ by rounding only (a relative 1e-6 for these activations).

use super::autodiff::DiffAllReduce;
use super::engine::Collective;
use super::error::DistError;
use burn::nn::BatchNorm;
use burn::prelude::*;

/// Applies `bn` to each of `batches` (`[n_v, c]`, this peer's rows of batch v) with the
/// statistics of batch v over all peers, and updates `bn`'s running mean and variance once
/// per batch, in order (as `bn.forward` called on each global batch in turn does).
pub fn sync_batch_norm<B: DiffAllReduce>(
    engine: &Collective<B::InnerBackend>,
    bn: &BatchNorm<B>,
    batches: Vec<Tensor<B, 2>>,
) -> Result<Vec<Tensor<B, 2>>, DistError> {
    let Some(first) = batches.first() else {
        return Ok(batches);
    };
    let device = first.device();
    let c = first.dims()[1];
    // Pass 1: Σx and the row count of every batch → the global means.
    let rows: Vec<Tensor<B, 2>> = batches
        .iter()
        .map(|x| Tensor::cat(vec![x.clone().sum_dim(0), Tensor::full([1, 1], x.dims()[0] as f32, &device)], 1))
        .collect();
    let sums = B::all_reduce_sum_diff(engine, "the batch-norm means", Tensor::cat(rows, 0))?;
    let counts = sums.clone().narrow(1, c, 1);
    let means = sums.narrow(1, 0, c).div(counts.clone());
    // Pass 2: Σ(x − mean)² → the global (biased) variances, as burn's BatchNorm computes them.
    let squares: Vec<Tensor<B, 2>> = batches
        .iter()
        .enumerate()
        .map(|(v, x)| x.clone().sub(means.clone().narrow(0, v, 1)).square().sum_dim(0))
        .collect();
    let vars = B::all_reduce_sum_diff(engine, "the batch-norm variances", Tensor::cat(squares, 0))?.div(counts);
    let (gamma, beta) = (bn.gamma.val().reshape([1, c]), bn.beta.val().reshape([1, c]));
    let m = bn.momentum;
    let mut out = Vec::with_capacity(batches.len());
    for (v, x) in batches.into_iter().enumerate() {
        let (mean, var) = (means.clone().narrow(0, v, 1), vars.clone().narrow(0, v, 1));
        let running_mean =
            bn.running_mean.value_sync().mul_scalar(1.0 - m) + mean.clone().detach().reshape([c]).mul_scalar(m);
        let running_var =
            bn.running_var.value_sync().mul_scalar(1.0 - m) + var.clone().detach().reshape([c]).mul_scalar(m);
        bn.running_mean.update(running_mean.detach());
        bn.running_var.update(running_var.detach());
        let std = var.add_scalar(bn.epsilon).sqrt();
        out.push(x.sub(mean).div(std).mul(gamma.clone()).add(beta.clone()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::backend::{Autodiff, Flex};
    use burn::nn::BatchNormConfig;
    type B = Autodiff<Flex>;

    #[test]
    fn one_peer_matches_burns_batch_norm_and_its_gradient() {
        let dev = Default::default();
        let engine = Collective::<Flex>::solo(dev);
        let bn_ref = BatchNormConfig::new(3).init::<B>(&dev);
        let bn = bn_ref.clone();
        let data: Vec<f32> = (0..15).map(|i| ((i * 37 % 17) as f32 / 5.0) - 1.2).collect();
        let x_ref = Tensor::<B, 2>::from_data(TensorData::new(data.clone(), [5, 3]), &dev).require_grad();
        let x = Tensor::<B, 2>::from_data(TensorData::new(data, [5, 3]), &dev).require_grad();
        let w = Tensor::<B, 2>::from_data(
            TensorData::new((0..15).map(|i| i as f32 * 0.1).collect::<Vec<_>>(), [5, 3]),
            &dev,
        );
        let y_ref = bn_ref.forward(x_ref.clone());
        let y = sync_batch_norm(&engine, &bn, vec![x.clone()]).unwrap().remove(0);
        let values = |t: TensorData| t.into_vec::<f32>().unwrap();
        let close = |a: Vec<f32>, b: Vec<f32>| a.iter().zip(&b).all(|(p, q)| (p - q).abs() < 1e-5);
        assert!(close(values(y.clone().into_data()), values(y_ref.clone().into_data())));
        let g_ref = (y_ref * w.clone()).sum().backward();
        let g = (y * w).sum().backward();
        assert!(close(values(x.grad(&g).unwrap().into_data()), values(x_ref.grad(&g_ref).unwrap().into_data())));
        let rm = |b: &BatchNorm<B>| b.running_var.value().into_data().into_vec::<f32>().unwrap();
        assert!(rm(&bn).iter().zip(rm(&bn_ref)).all(|(p, q)| (p - q).abs() < 1e-5));
    }
}
