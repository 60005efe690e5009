//! PamC's training: autoencoder pretraining, k-means centres (core), then full-batch epochs on
//! β·KL(p‖q) + α·(contrastive terms) with the DEC target from the core every epoch.

use super::input::EncoderInput;
use super::loss::{
    dense_infonce, hard_assignment, kl_divergence, meta_negative_term, meta_nodes, positive_term, student_t,
};
use super::model::{Autoencoder, PamcModel, Stack};
use super::{Negatives, PamcConfig};
use crate::cli::budget::{Need, available_memory};
use crate::graph::GraphData;
use crate::graph::outcome::GraphTrained;
use crate::graph::sparse::SparseEdges;
use crate::nn::{l2_normalize, to_matrix};
use crate::pipelines::Matrix;
use crate::train::{EpochMeter, History, Progress, TrainBackend, adam, epoch_batches, step};
use crate::{Context, Error, Result};
use burn::module::Param;
use burn::prelude::*;
use clasp_core::graph::propagated_adjacency;
use clasp_core::mixture::{TargetKind, target_distribution};
use std::collections::BTreeMap;
use std::time::Instant;

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
) -> Result<Stack<B>> {
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
    let terms =
        Contrast { negatives: cfg.negatives, sparse: SparseEdges::<B>::from_csr(&a_hat, device), dense, tau: cfg.tau };
    let input = EncoderInput::<B>::new(g, cfg.smoothing, device)?;
    let mut history = History::default();
    let encoder = pretrain(input.smoothed(), cfg, seed, quiet, &mut history, device)?;
    let (z0, _, dim) = to_matrix(input.encode(&encoder).inner())?;
    let fit = crate::eval::kmeans_features(Matrix { data: z0, n, dim }.features(), k, cfg.kmeans_restarts, seed)
        .context("pamc: k-means")?;
    let mu: Vec<f32> = fit.centers.iter().map(|&v| v as f32).collect();
    let centers = Param::from_tensor(Tensor::from_data(TensorData::new(mu, [k, dim]), device));
    let mut model = PamcModel { encoder, centers };
    let mut optim = adam(0.0).init::<B, PamcModel<B>>();
    let mut p = None;
    for epoch in 0..cfg.epochs {
        let progress = Progress::new("pamc", 1, quiet);
        let mut meter = EpochMeter::new();
        let z = input.encode(&model.encoder);
        let q = student_t(z.clone(), model.centers.val());
        if epoch % cfg.target_every.max(1) == 0 {
            p = Some(dec_target(q.clone(), device)?);
        }
        let kl = kl_divergence(p.clone().ok_or_else(|| Error::Internal("pamc: no DEC target".into()))?, q.clone());
        let contrast = terms.loss(z, q);
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
    let z = input.encode(&model.encoder).detach();
    let q = student_t(z.clone(), model.centers.val().detach());
    let contrast_s = terms.seconds(z.clone(), q.clone())?;
    let labels = to_matrix(q.inner())?;
    let labels = labels.0.chunks_exact(k).map(argmax).collect();
    let (data, _, dim) = to_matrix(z.inner())?;
    let mut extra = serde_json::Map::new();
    extra.insert("propagated_nnz".into(), a_hat.indices().len().into());
    extra.insert("contrast_s".into(), contrast_s.into());
    Ok(GraphTrained { history, embedding: Matrix { data, n, dim }, labels, extra })
}

/// Forward and backward passes of the contrastive term timed alone by [`Contrast::seconds`].
const CONTRAST_REPS: usize = 3;

/// The contrastive term of a run: PamC's L_pos over the sparse Â plus L_neg over the meta-nodes
/// (hard or soft), or the baseline's dense InfoNCE.
struct Contrast<B: Backend> {
    negatives: Negatives,
    sparse: SparseEdges<B>,
    dense: Option<Tensor<B, 2>>,
    tau: f64,
}

impl<B: TrainBackend> Contrast<B> {
    /// The term for embeddings `z` and Student-t assignments `q`.
    fn loss(&self, z: Tensor<B, 2>, q: Tensor<B, 2>) -> Tensor<B, 1> {
        let zn = l2_normalize(z.clone());
        match (&self.dense, self.negatives) {
            (Some(a), _) => dense_infonce(zn, a.clone(), self.tau),
            (None, Negatives::MetaSoft) => {
                positive_term(zn, &self.sparse, self.tau) + meta_negative_term(meta_nodes(z, q), self.tau)
            }
            (None, _) => {
                positive_term(zn, &self.sparse, self.tau)
                    + meta_negative_term(meta_nodes(z, hard_assignment(q)), self.tau)
            }
        }
    }

    /// Mean seconds of a forward and a backward pass of the term alone — its own cost, without
    /// the encoder — with the embedding `z` as a leaf and `q` constant (the gradient's sum is read
    /// back, so a device finishes its queue inside the timing).
    fn seconds(&self, z: Tensor<B, 2>, q: Tensor<B, 2>) -> Result<f64> {
        let start = Instant::now();
        for _ in 0..CONTRAST_REPS {
            let leaf = z.clone().detach().require_grad();
            let grads = self.loss(leaf.clone(), q.clone()).backward();
            let grad = leaf.grad(&grads).ok_or_else(|| Error::Internal("pamc: no gradient of z".into()))?;
            grad.sum().into_scalar();
        }
        Ok(start.elapsed().as_secs_f64() / CONTRAST_REPS as f64)
    }
}

/// Index of the largest value (the first on ties).
pub(crate) fn argmax(row: &[f32]) -> usize {
    row.iter().enumerate().fold((0, f32::NEG_INFINITY), |(bi, bv), (i, &v)| if v > bv { (i, v) } else { (bi, bv) }).0
}
