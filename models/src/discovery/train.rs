//! GPC's alternating loop (Zhao, Wen & Han, ICCV 2023, §3): a warm-up on GCD's representation
//! loss, then rounds of (a) the core's semi-supervised EM with the labelled rows clamped and
//! NIW split/merge moves estimating K on the current embedding, and (b) encoder epochs on the
//! prototype contrastive loss over the mixture's assignments with per-cluster temperatures,
//! plus the representation loss. A GCD baseline encoder (the representation loss alone, the
//! same number of epochs, forked after the warm-up) can be trained alongside.

use super::config::GpcConfig;
use super::loss::{cluster_temperatures, prototype_loss, representation_loss};
use super::split::GcdSplit;
use crate::data::ImageSet;
use crate::distributed::Replica;
use crate::nn::{ConvEncoder, l2_normalize};
use crate::pipelines::{EMBED_BATCH, Matrix, embed_all};
use crate::train::augment::{add_noise, resized_crop};
use crate::train::checkpoint::save_model;
use crate::train::{EpochMeter, History, Progress, TrainBackend, adam, epoch_batches, epoch_rng};
use crate::{Context, Error, Result};
use burn::module::AutodiffModule;
use burn::optim::Optimizer;
use burn::prelude::*;
use clasp_core::MatRef;
use clasp_core::mixture::split_merge::{Acceptance, PriorSigma, SplitMergeFit, SplitMergeParams, split_merge};
use std::collections::BTreeMap;
use std::path::Path;

/// What a GPC training run returns.
pub struct GpcTrained {
    /// Per-epoch losses (`warmup`, `gpc`, `baseline` phases).
    pub history: History,
    /// Final embedding of every training row (unit rows).
    pub embedding: Matrix,
    /// The mixture fitted on the final embedding.
    pub fit: SplitMergeFit<f64>,
    /// K̂ after each round's mixture, then of the final one.
    pub k_path: Vec<usize>,
    /// Embedding of the GCD baseline encoder, when trained.
    pub baseline_embedding: Option<Matrix>,
}

/// The mixture of one round: prototypes, temperatures and every row's target cluster.
struct Prototypes {
    centres: Vec<f32>,
    phi: Vec<f32>,
    k: usize,
    targets: Vec<usize>,
}

/// The split/merge parameters of a configuration (GPC's: α, κ, Ψ = s·I, ν = D + 2).
pub fn mixture_params(cfg: &GpcConfig, k_init: usize, seed: u64) -> SplitMergeParams {
    SplitMergeParams::default()
        .k_init(k_init.max(1).min(cfg.k_max))
        .k_max(cfg.k_max)
        .alpha(cfg.alpha)
        .prior_kappa(cfg.prior_kappa)
        .prior_nu(None)
        .prior_sigma(PriorSigma::Identity)
        .prior_sigma_scale(cfg.prior_sigma_scale)
        .acceptance(cfg.fixed_acceptance.map_or(Acceptance::Exact, Acceptance::Fixed))
        .max_sweeps(cfg.max_sweeps.max(1))
        .seed(seed)
}

/// Semi-supervised EM + split/merge on `z` with the labelled rows of `split` clamped.
pub fn fit_mixture(
    z: &Matrix,
    split: &GcdSplit,
    cfg: &GpcConfig,
    k_init: usize,
    seed: u64,
) -> Result<SplitMergeFit<f64>> {
    let x: Vec<f64> = z.data.iter().map(|&v| f64::from(v)).collect();
    let xm = MatRef::new(&x, z.n, z.dim, "embedding")?;
    split_merge(xm, Some(&split.known), &mixture_params(cfg, k_init, seed)).context("split/merge")
}

/// Two augmented views of the images `idx`, stacked: `[2b, 1, h, w]`.
fn two_views<B: Backend>(
    cfg: &GpcConfig,
    set: &ImageSet,
    idx: &[usize],
    rng: &mut rand_chacha::ChaCha8Rng,
    device: &B::Device,
) -> Tensor<B, 4> {
    let (h, w) = (set.height, set.width);
    let mut data = Vec::with_capacity(2 * idx.len() * h * w);
    for _ in 0..2 {
        for &i in idx {
            let start = data.len();
            resized_crop(set.image(i), (h, w), cfg.crop_scale, (h, w), rng, &mut data);
            add_noise(&mut data[start..], cfg.noise, rng);
        }
    }
    Tensor::from_data(TensorData::new(data, [2 * idx.len(), 1, h, w]), device)
}

/// One encoder epoch: the representation loss, plus the prototype loss when `protos` is given.
#[allow(clippy::too_many_arguments)]
fn epoch<B: TrainBackend, O: Optimizer<ConvEncoder<B>, B>>(
    replica: &mut Replica<B>,
    mut model: ConvEncoder<B>,
    optim: &mut O,
    cfg: &GpcConfig,
    set: &ImageSet,
    split: &GcdSplit,
    protos: Option<&Prototypes>,
    (seed, index, phase, quiet): (u64, usize, &str, bool),
    history: &mut History,
    device: &B::Device,
) -> Result<ConvEncoder<B>> {
    let total = cfg.total_epochs();
    let progress = Progress::new(phase, set.n.div_ceil(cfg.batch_size.max(1)) as u64, quiet || !replica.primary());
    let stream = if phase == "baseline" { 2 } else { 1 };
    let mut rng = epoch_rng(seed, index, stream);
    let mut meter = EpochMeter::new();
    let proto_tensors = protos.map(|p| {
        let c = Tensor::<B, 2>::from_data(TensorData::new(p.centres.clone(), [p.k, p.centres.len() / p.k]), device);
        let phi = Tensor::<B, 1>::from_data(TensorData::new(p.phi.clone(), [p.k]), device);
        (c, phi)
    });
    for idx in epoch_batches(set.n, cfg.batch_size.max(2), seed, index, true) {
        // Every peer crops the whole batch, keeps its rows of both views and gathers the
        // others' embeddings for the contrast.
        let views = two_views::<B>(cfg, set, &idx, &mut rng, device);
        let rows = replica.batch(idx.len());
        let z = l2_normalize(model.forward(replica.local_views(views, 2)));
        let z_all = replica.gather_views("the GCD embeddings", z.clone(), 2)?;
        let known: Vec<Option<usize>> = idx.iter().map(|&i| split.known[i]).collect();
        let (tau, sup) = (cfg.contrastive_temperature, cfg.sup_weight);
        let mut loss = representation_loss(z.clone(), z_all, rows.clone(), &known, tau, sup);
        if let (Some(p), Some((c, phi))) = (protos, &proto_tensors) {
            let y: Vec<i64> = idx[rows.clone()].iter().chain(&idx[rows]).map(|&i| p.targets[i] as i64).collect();
            let y = Tensor::<B, 1, Int>::from_data(TensorData::new(y.clone(), [y.len()]), device);
            loss = loss + replica.share(prototype_loss(z, c.clone(), phi.clone(), y)) * cfg.proto_weight;
        }
        let (m, value) = replica.step(model, optim, loss, cfg.learning_rate, &[])?;
        model = m;
        meter.batch(value, idx.len(), &progress, index, total);
    }
    history.epochs.push(meter.finish(phase, index, total, &progress, BTreeMap::new()));
    Ok(model)
}

/// The unit-row embedding of every image of `set`.
fn embed<B: TrainBackend>(model: &ConvEncoder<B>, set: &ImageSet, device: &B::Device) -> Result<Matrix> {
    let valid = model.valid();
    embed_all(set, EMBED_BATCH, device, |x| l2_normalize(valid.forward(x)))
}

/// Prototypes (unit member means), temperatures and targets of a mixture fit on `z`.
fn prototypes(z: &Matrix, fit: &SplitMergeFit<f64>, mean_t: f64) -> Prototypes {
    let k = fit.k();
    let x: Vec<f64> = z.data.iter().map(|&v| f64::from(v)).collect();
    let (phi, centres) = cluster_temperatures(&x, z.dim, &fit.labels, k, mean_t);
    let mut c: Vec<f32> = centres.iter().map(|&v| v as f32).collect();
    for row in c.chunks_exact_mut(z.dim) {
        let norm = row.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
        row.iter_mut().for_each(|v| *v /= norm);
    }
    Prototypes { centres: c, phi: phi.iter().map(|&p| p as f32).collect(), k, targets: fit.labels.clone() }
}

/// Trains GPC on `set` (every row, labels only where `split.known` says) as `replica` (alone,
/// or one peer of a data-parallel run: each peer its rows of both views of every batch, the
/// contrast over the gathered batch; every peer fits the same mixtures on the whole embedding)
/// and fits the final mixture; with `save`, writes the encoder there (`model.mpk`). `None` on
/// the peers other than rank 0, which only train.
#[allow(clippy::too_many_arguments)]
pub fn train_gpc<B: TrainBackend>(
    replica: &mut Replica<B>,
    save: Option<&Path>,
    cfg: &GpcConfig,
    set: &ImageSet,
    split: &GcdSplit,
    seed: u64,
    quiet: bool,
    device: &B::Device,
) -> Result<Option<GpcTrained>> {
    if split.known.len() != set.n {
        return Err(Error::InvalidInput(format!("{} labels for {} images", split.known.len(), set.n)));
    }
    replica.check_batches(set.n, cfg.batch_size.max(2), true)?;
    B::seed(device, seed);
    let mut model: ConvEncoder<B> = cfg.encoder.init(device);
    let mut optim = adam(cfg.weight_decay).init::<B, ConvEncoder<B>>();
    let mut history = History::default();
    for e in 0..cfg.warmup_epochs {
        model =
            epoch(replica, model, &mut optim, cfg, set, split, None, (seed, e, "warmup", quiet), &mut history, device)?;
    }
    let mut baseline = cfg.baseline_encoder.then(|| (model.clone(), optim.clone()));
    let mut k_path = Vec::new();
    let mut index = cfg.warmup_epochs;
    for round in 0..cfg.rounds {
        let z = embed(&model, set, device)?;
        let fit = fit_mixture(&z, split, cfg, cfg.k_init, seed.wrapping_add(round as u64))?;
        k_path.push(fit.k());
        let protos = prototypes(&z, &fit, cfg.proto_temperature);
        for _ in 0..cfg.epochs_per_round {
            let at = (seed, index, "gpc", quiet);
            model = epoch(replica, model, &mut optim, cfg, set, split, Some(&protos), at, &mut history, device)?;
            if let Some((bm, bo)) = baseline.take() {
                let mut bo = bo;
                let bm = epoch(
                    replica,
                    bm,
                    &mut bo,
                    cfg,
                    set,
                    split,
                    None,
                    (seed, index, "baseline", quiet),
                    &mut history,
                    device,
                )?;
                baseline = Some((bm, bo));
            }
            index += 1;
        }
    }
    replica.finish(&model)?;
    if let Some((bm, _)) = &baseline {
        replica.finish(bm)?;
    }
    if !replica.primary() {
        return Ok(None);
    }
    if let Some(dir) = save {
        save_model(&model, dir)?;
    }
    let embedding = embed(&model, set, device)?;
    let fit = fit_mixture(&embedding, split, cfg, cfg.k_init, seed.wrapping_add(cfg.rounds as u64))?;
    k_path.push(fit.k());
    let baseline_embedding = match &baseline {
        Some((bm, _)) => Some(embed(bm, set, device)?),
        None => None,
    };
    Ok(Some(GpcTrained { history, embedding, fit, k_path, baseline_embedding }))
}
