//! Training one MaxQuery network on inlier crops and scoring the test crops with it.

use super::loss::{ce_loss, dice_of_sums, dice_sums, one_hot, qd_loss, query_groups};
use super::model::MaxQueryNet;
use super::scores::{OodScores, argmax};
use super::{Affinity, MaxQueryConfig};
use crate::distributed::Replica;
use crate::medical::bench::{Crop, train_batch};
use crate::medical::source::MedicalSet;
use crate::train::checkpoint::Checkpoint;
use crate::train::{TrainBackend, adam};
use crate::{Error, Result};
use burn::module::AutodiffModule;
use burn::prelude::*;
use std::path::Path;
use std::time::Instant;

/// Test crops per inference batch.
const EVAL_BATCH: usize = 8;
/// Batches of training crops the inlier queries are averaged over.
const INLIER_BATCHES: usize = 4;

/// Per-epoch mean losses of a run.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct LossLog {
    /// Total loss per epoch.
    pub total: Vec<f64>,
    /// Cross-entropy per epoch.
    pub ce: Vec<f64>,
    /// Dice loss per epoch.
    pub dice: Vec<f64>,
    /// QD loss per epoch (computed, and logged, even when its weight is 0).
    pub qd: Vec<f64>,
}

/// What a checkpoint records besides the model and the optimiser.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
struct State {
    /// Epochs trained.
    epochs_done: usize,
    /// Their losses.
    losses: LossLog,
    /// Training wall time so far, in seconds.
    train_s: f64,
}

/// A trained network's outputs on the test crops.
#[derive(Clone, Debug)]
pub struct Scored {
    /// OOD scores of every test pixel (crop after crop, row-major).
    pub scores: OodScores,
    /// Predicted inlier class of every test pixel.
    pub pred: Vec<usize>,
    /// Loss curves.
    pub losses: LossLog,
    /// Training wall time in seconds.
    pub train_s: f64,
}

/// Crops as an `[b, c, s, s]` tensor.
pub fn crops_tensor<B: Backend>(crops: &[Crop], device: &B::Device) -> Tensor<B, 4> {
    let (s, c) = (crops[0].size, crops[0].channels);
    let data: Vec<f32> = crops.iter().flat_map(|k| k.pixels.iter().copied()).collect();
    Tensor::from_data(TensorData::new(data, [crops.len(), c, s, s]), device)
}

/// A 3-D tensor's values, row-major.
fn values<B: Backend>(t: Tensor<B, 3>) -> Result<Vec<f32>> {
    t.into_data().convert::<f32>().into_vec::<f32>().map_err(Error::TensorRead)
}

/// Where a run keeps its checkpoint ([`Checkpoint`], written after every epoch) and whether
/// it continues from it.
#[derive(Clone, Copy, Debug)]
pub struct Checkpointing<'a> {
    /// The directory holding `checkpoint/`.
    pub dir: &'a Path,
    /// Continue from the checkpoint, if there is one (none: train from the start).
    pub resume: bool,
}

/// A trained network and its training record.
pub struct TrainedNet<B: TrainBackend> {
    /// The network.
    pub model: MaxQueryNet<B>,
    /// Loss curves.
    pub losses: LossLog,
    /// Training wall time in seconds (over every resumed part).
    pub train_s: f64,
}

/// Trains a network with QD weight `lambda_qd` (other settings from `cfg`) on `set`, as
/// `replica` (alone, or one peer of a data-parallel run: every peer cuts the step's crops and
/// keeps its rows; Dice's class sums are all-reduced). The backend is re-seeded with `seed`
/// first, so variants start from the same weights and see the same crops. With
/// `checkpoint`, the model, the optimiser and the losses are saved after every epoch, and a
/// resumed run continues after the last saved epoch: a step depends only on the weights, the
/// optimiser state and (seed, step index), so the result is the uninterrupted run's.
#[allow(clippy::too_many_arguments)]
pub fn train<B: TrainBackend>(
    replica: &mut Replica<B>,
    set: &MedicalSet,
    cfg: &MaxQueryConfig,
    lambda_qd: f64,
    seed: u64,
    quiet: bool,
    checkpoint: Option<Checkpointing<'_>>,
    device: &B::Device,
) -> Result<TrainedNet<B>> {
    let start = Instant::now();
    replica.check_batches(cfg.batch, cfg.batch, true)?;
    B::seed(device, seed);
    let k = set.classes.len();
    let size = crate::medical::bench::crop_side(set, cfg.crop);
    let mut model = MaxQueryNet::<B>::new(cfg, set.channels, k, device);
    let mut optim = adam(0.0).init::<B, MaxQueryNet<B>>();
    let groups = Tensor::<B, 2>::from_data(TensorData::new(query_groups(cfg.queries, k), [cfg.queries, k]), device);
    let ckpt = checkpoint.map(|c| (Checkpoint::new(c.dir), c.resume));
    let mut state = State::default();
    if let Some((ckpt, true)) = &ckpt
        && ckpt.exists()
    {
        (model, optim, state) = ckpt.load(model, optim, device)?;
    }
    let (first, earlier_s) = (state.epochs_done, state.train_s);
    let mut log = state.losses;
    let tag = if lambda_qd > 0.0 { "maxquery" } else { "maxquery (no QD)" };
    for epoch in first..cfg.epochs {
        let mut sums = [0f64; 4];
        for s in 0..cfg.steps_per_epoch {
            let crops = train_batch(set, size, cfg.batch, seed, epoch * cfg.steps_per_epoch + s);
            let crops = &crops[replica.batch(crops.len())];
            let labels: Vec<u8> = crops.iter().flat_map(|c| c.labels.iter().copied()).collect();
            let x = crops_tensor::<B>(crops, device);
            let y = one_hot::<B>(&labels, crops.len(), size * size, k, device);
            let out = model.forward(x, cfg.affinity, cfg.tau);
            let ce = replica.share(ce_loss(out.seg.clone(), y.clone()));
            let dice = replica.whole(dice_of_sums(replica.sum("the Dice sums", dice_sums(out.seg, y.clone()))?));
            let qd = replica.share(qd_loss(out.assign, groups.clone(), y));
            let parts = [&ce, &dice, &qd].map(|t| t.clone().into_scalar().elem::<f64>());
            let loss = ce + dice.mul_scalar(cfg.lambda_dice) + qd.mul_scalar(lambda_qd);
            let (next, value, parts) = replica.step_with(model, &mut optim, loss, cfg.lr, &[], &parts)?;
            model = next;
            sums[0] += value;
            parts.iter().enumerate().for_each(|(i, p)| sums[i + 1] += p);
        }
        let n = cfg.steps_per_epoch as f64;
        log.total.push(sums[0] / n);
        log.ce.push(sums[1] / n);
        log.dice.push(sums[2] / n);
        log.qd.push(sums[3] / n);
        if !quiet && replica.primary() {
            eprintln!(
                "{tag} epoch {}/{}: loss {:.4} (CE {:.4}, Dice {:.4}, QD {:.4})",
                epoch + 1,
                cfg.epochs,
                sums[0] / n,
                sums[1] / n,
                sums[2] / n,
                sums[3] / n
            );
        }
        if let Some((ckpt, _)) = &ckpt {
            let train_s = earlier_s + start.elapsed().as_secs_f64();
            replica.save(ckpt, &model, &optim, &State { epochs_done: epoch + 1, losses: log.clone(), train_s })?;
        }
    }
    Ok(TrainedNet { model, losses: log, train_s: earlier_s + start.elapsed().as_secs_f64() })
}

/// Scores the test crops with a trained network (`trained`, trained on `set` with `cfg` and
/// `seed`).
pub fn score<B: TrainBackend>(
    trained: TrainedNet<B>,
    set: &MedicalSet,
    cfg: &MaxQueryConfig,
    test: &[Crop],
    seed: u64,
    device: &B::Device,
) -> Result<Scored> {
    let TrainedNet { model, losses: log, train_s } = trained;
    let k = set.classes.len();
    let size = crate::medical::bench::crop_side(set, cfg.crop);
    let net = model.valid();
    // The inlier queries: refined queries averaged over fresh training crops (steps after the
    // last training step), re-normalised for the cosine affinity.
    let d = cfg.dim;
    let mut inlier = vec![0f64; cfg.queries * d];
    let mut count = 0usize;
    for i in 0..INLIER_BATCHES {
        let crops = train_batch(set, size, cfg.batch, seed, cfg.epochs * cfg.steps_per_epoch + i);
        let q = values(net.forward(crops_tensor(&crops, device), cfg.affinity, cfg.tau).queries)?;
        for row in q.chunks_exact(cfg.queries * d) {
            inlier.iter_mut().zip(row).for_each(|(a, &v)| *a += f64::from(v));
            count += 1;
        }
    }
    inlier.iter_mut().for_each(|v| *v /= count.max(1) as f64);
    if cfg.affinity == Affinity::Cosine {
        for row in inlier.chunks_exact_mut(d) {
            let norm = row.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-12);
            row.iter_mut().for_each(|v| *v /= norm);
        }
    }
    let mut scores = OodScores::default();
    let mut pred = Vec::new();
    for chunk in test.chunks(EVAL_BATCH) {
        let out = net.forward(crops_tensor(chunk, device), cfg.affinity, cfg.tau);
        let n = out.affinity.dims()[2];
        let s = values(out.affinity)?;
        let seg = values(out.seg)?;
        let f = values(out.pixel_features)?;
        for ((srow, yrow), frow) in s.chunks_exact(n).zip(seg.chunks_exact(k)).zip(f.chunks_exact(d)) {
            scores.push(srow, yrow, cfg.tau);
            pred.push(argmax(yrow));
            let best = inlier
                .chunks_exact(d)
                .map(|c| match cfg.affinity {
                    Affinity::Cosine => frow.iter().zip(c).map(|(&a, &b)| f64::from(a) * b).sum::<f64>(),
                    Affinity::Distance => -frow.iter().zip(c).map(|(&a, &b)| (f64::from(a) - b).powi(2)).sum::<f64>(),
                })
                .fold(f64::NEG_INFINITY, f64::max);
            scores.inlier.push(-best);
        }
    }
    Ok(Scored { scores, pred, losses: log, train_s })
}
