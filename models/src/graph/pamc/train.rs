//! PamC's training: autoencoder pretraining, k-means centres (core), then full-batch epochs on
//! β·KL(p‖q) + α·(contrastive terms) with the DEC target from the core every epoch.

use super::loss::{
    dense_infonce, hard_assignment, kl_divergence, meta_negative_term, meta_nodes, positive_term, student_t,
};
use super::model::{Autoencoder, PamcModel};
use super::{Negatives, PamcConfig};
use crate::cli::budget::{Need, available_memory};
use crate::graph::GraphData;
use crate::graph::outcome::{GraphTrained, features_tensor};
use crate::graph::sparse::SparseEdges;
use crate::nn::{l2_normalize, to_matrix};
use crate::pipelines::Matrix;
use crate::train::{EpochMeter, History, Progress, TrainBackend, adam, epoch_batches, step};
use crate::{Context, Error, Result};
use burn::module::{AutodiffModule, Param};
use burn::prelude::*;
use clasp_core::graph::{gcn_normalized, propagated_adjacency};
use clasp_core::mixture::{TargetKind, target_distribution};
use std::collections::BTreeMap;

/// The dense `n × n` propagated adjacency of the baseline, after checking it fits in memory:
/// the loss and its backward pass hold about sixteen n×n f32 matrices (the adjacency, the
/// similarities, the diagonal mask, the exponentials, their products and their gradients),
/// counted as 8·n² f64. (At N = 30 000 an estimate of 3·n² f64 let a run start that would
/// have needed several times the machine's memory.)
fn dense_adjacency<B: Backend>(a: &clasp_core::graph::Csr<f64>, device: &B::Device) -> Result<Tensor<B, 2>> {
    let n = a.indptr().len() - 1;
    Need::new("dense InfoNCE: about sixteen n×n f32 matrices in the loss and its gradient", &[&[8, n, n]]).check(
        "infonce",
        available_memory(),
        "the dense baseline is quadratic in the nodes; use pamc",
    )?;
    let mut dense = vec![0f32; n * n];
    for p in 0..n {
        let (idx, w) = a.as_ref().row(p);
        for (&q, &v) in idx.iter().zip(w) {
            dense[p * n + q] = v as f32;
        }
    }
    Ok(Tensor::from_data(TensorData::new(dense, [n, n]), device))
}

/// Pretrains the autoencoder on reconstruction (MSE, mini-batches) and returns its encoder.
fn pretrain<B: TrainBackend>(
    x: &Tensor<B, 2>,
    cfg: &PamcConfig,
    seed: u64,
    quiet: bool,
    history: &mut History,
    device: &B::Device,
) -> Result<super::model::Stack<B>> {
    let [n, d] = x.dims();
    let mut ae = Autoencoder::new(d, &cfg.hidden, cfg.embed, device);
    let mut optim = adam(0.0).init::<B, Autoencoder<B>>();
    for epoch in 0..cfg.pretrain_epochs {
        let progress = Progress::new("pamc pretrain", n.div_ceil(cfg.pretrain_batch) as u64, quiet);
        let mut meter = EpochMeter::new();
        for batch in epoch_batches(n, cfg.pretrain_batch, seed, epoch, false) {
            let idx: Vec<i64> = batch.iter().map(|&i| i as i64).collect();
            let xb = x.clone().select(0, Tensor::from_data(TensorData::new(idx, [batch.len()]), device));
            let recon = ae.decoder.forward(ae.encoder.forward(xb.clone()));
            let loss = (recon - xb).powi_scalar(2).mean();
            let (next, value) = step(ae, &mut optim, loss, cfg.pretrain_lr, &[])?;
            ae = next;
            meter.batch(value, batch.len(), &progress, epoch, cfg.pretrain_epochs);
        }
        history.epochs.push(meter.finish("pretrain", epoch, cfg.pretrain_epochs, &progress, BTreeMap::new()));
    }
    Ok(ae.encoder)
}

/// The DEC target p of `q` (core, q²/f), as a constant tensor.
fn dec_target<B: Backend>(q: Tensor<B, 2>, device: &B::Device) -> Result<Tensor<B, 2>> {
    let (v, n, k) = to_matrix(q.detach())?;
    let qd: Vec<f64> = v.iter().map(|&x| f64::from(x)).collect();
    let mut p = vec![0.0f64; qd.len()];
    target_distribution(&qd, k, TargetKind::DecSquare, &mut p).context("PamC target")?;
    let p: Vec<f32> = p.iter().map(|&x| x as f32).collect();
    Ok(Tensor::from_data(TensorData::new(p, [n, k]), device))
}

/// Trains PamC (or the dense baseline, `cfg.negatives = Dense`) on `g` with `k` clusters.
///
/// Errors: `k` outside `1..=n`, a graph the dense baseline cannot hold in memory, a diverging
/// loss, a core error (k-means, target).
pub fn train_pamc<B: TrainBackend>(
    g: &GraphData,
    cfg: &PamcConfig,
    k: usize,
    seed: u64,
    quiet: bool,
    device: &B::Device,
) -> Result<GraphTrained> {
    let n = g.n();
    if k == 0 || k > n {
        return Err(Error::InvalidInput(format!("pamc: {k} clusters for {n} nodes")));
    }
    B::seed(device, seed);
    let a_hat = propagated_adjacency(g.adjacency.as_ref(), cfg.order).context("pamc: Â")?;
    let dense = match cfg.negatives {
        Negatives::Dense => Some(dense_adjacency::<B>(&a_hat, device)?),
        Negatives::MetaHard | Negatives::MetaSoft => None,
    };
    let sparse = SparseEdges::<B>::from_csr(&a_hat, device);
    let mut x = features_tensor::<B>(g, device);
    if cfg.smoothing > 0 {
        let filter = gcn_normalized(g.adjacency.as_ref()).context("pamc")?;
        let filter = SparseEdges::<B>::from_csr(&filter, device);
        for _ in 0..cfg.smoothing {
            x = filter.matmul(x);
        }
    }
    let mut history = History::default();
    let encoder = pretrain(&x, cfg, seed, quiet, &mut history, device)?;
    let (z0, _, dim) = to_matrix(encoder.valid().forward(x.clone().inner()))?;
    let fit = crate::eval::kmeans_features(Matrix { data: z0, n, dim }.features(), k, cfg.kmeans_restarts, seed)
        .context("pamc: k-means")?;
    let mu: Vec<f32> = fit.centers.iter().map(|&v| v as f32).collect();
    let centers = Param::from_tensor(Tensor::from_data(TensorData::new(mu, [k, dim]), device));
    let mut model = PamcModel { encoder, centers };
    let mut optim = adam(0.0).init::<B, PamcModel<B>>();
    for epoch in 0..cfg.epochs {
        let progress = Progress::new("pamc", 1, quiet);
        let mut meter = EpochMeter::new();
        let z = model.encoder.forward(x.clone());
        let q = student_t(z.clone(), model.centers.val());
        let p = dec_target(q.clone(), device)?;
        let kl = kl_divergence(p, q.clone());
        let zn = l2_normalize(z.clone());
        let contrast = match (&dense, cfg.negatives) {
            (Some(a), _) => dense_infonce(zn, a.clone(), cfg.tau),
            (None, Negatives::MetaSoft) => {
                positive_term(zn, &sparse, cfg.tau) + meta_negative_term(meta_nodes(z, q), cfg.tau)
            }
            (None, _) => {
                positive_term(zn, &sparse, cfg.tau) + meta_negative_term(meta_nodes(z, hard_assignment(q)), cfg.tau)
            }
        };
        let kl_value = kl.clone().into_scalar().elem::<f64>();
        let loss = kl.mul_scalar(cfg.beta) + contrast.mul_scalar(cfg.alpha);
        let (next, value) = step(model, &mut optim, loss, cfg.lr, &[])?;
        model = next;
        meter.batch(value, n, &progress, epoch, cfg.epochs);
        history.epochs.push(meter.finish(
            "train",
            epoch,
            cfg.epochs,
            &progress,
            BTreeMap::from([("kl".into(), kl_value)]),
        ));
    }
    let m = model.valid();
    let z = m.encoder.forward(x.inner());
    let q = student_t(z.clone(), m.centers.val());
    let labels = to_matrix(q)?;
    let labels = labels.0.chunks_exact(k).map(argmax).collect();
    let (data, _, dim) = to_matrix(z)?;
    let mut extra = serde_json::Map::new();
    extra.insert("propagated_nnz".into(), a_hat.indices().len().into());
    Ok(GraphTrained { history, embedding: Matrix { data, n, dim }, labels, extra })
}

/// Index of the largest value (the first on ties).
pub(crate) fn argmax(row: &[f32]) -> usize {
    row.iter().enumerate().fold((0, f32::NEG_INFINITY), |(bi, bv), (i, &v)| if v > bv { (i, v) } else { (bi, bv) }).0
}
