//! MLCD's training loop and inference.

use super::{MlcdConfig, MlcdModel, multi_label_loss};
use crate::data::{ImageSet, Split};
use crate::distributed::{Replica, run_fingerprint};
use crate::pipelines::{EMBED_BATCH, Inference, Pipeline, Profile, TrainContext, Trained, embed_all, embed_split};
use crate::train::augment::translate;
use crate::train::checkpoint::{load_model, save_model};
use crate::train::{Checkpoint, EpochMeter, History, Progress, TrainBackend, adam, epoch_batches, epoch_rng};
use crate::{Context, Error, Result};
use burn::module::AutodiffModule;
use burn::optim::Optimizer;
use burn::prelude::*;
use rand::RngExt;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The MLCD pipeline.
pub struct Mlcd;

/// Resumable state between epochs.
#[derive(Serialize, Deserialize, Default)]
struct State {
    epochs_done: usize,
    history: History,
    /// The l positive centres of every training image (n × l).
    positives: Vec<usize>,
}

/// The `l` centres of largest cosine similarity to each row of `x` (n × l, most similar first).
pub fn nearest_centres(x: &[f64], n: usize, dim: usize, centres: &[f64], l: usize) -> Vec<usize> {
    let unit = |v: &[f64]| -> Vec<f64> {
        let norm = v.iter().map(|a| a * a).sum::<f64>().sqrt().max(1e-12);
        v.iter().map(|a| a / norm).collect()
    };
    let c: Vec<Vec<f64>> = centres.chunks(dim).map(unit).collect();
    let mut out = Vec::with_capacity(n * l);
    for row in x.chunks(dim).take(n) {
        let r = unit(row);
        let mut sims: Vec<(usize, f64)> =
            c.iter().enumerate().map(|(j, cj)| (j, cj.iter().zip(&r).map(|(a, b)| a * b).sum())).collect();
        sims.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        out.extend(sims.iter().take(l).map(|s| s.0));
    }
    out
}

/// k-means with `k` centres (clasp core) of an n × dim matrix; the centres.
fn cluster(x: &[f64], n: usize, dim: usize, k: usize, restarts: usize, seed: u64) -> Result<Vec<f64>> {
    let fit = crate::eval::kmeans_f64(x, n, dim, k, restarts, seed).context("MLCD clustering")?;
    Ok(fit.centers)
}

/// Positive and sampled-negative masks of a batch (`[B, K_c]` each, 0/1).
fn masks(
    cfg: &MlcdConfig,
    positives: &[usize],
    idx: &[usize],
    rng: &mut rand_chacha::ChaCha8Rng,
) -> (Vec<f32>, Vec<f32>) {
    let (kc, l) = (cfg.centres, cfg.positives);
    let mut kept = vec![false; kc];
    let mut pos = vec![0.0f32; idx.len() * kc];
    for (r, &i) in idx.iter().enumerate() {
        for &j in &positives[i * l..(i + 1) * l] {
            pos[r * kc + j] = 1.0;
            kept[j] = true;
        }
    }
    for k in kept.iter_mut() {
        if !*k && (cfg.negative_fraction >= 1.0 || rng.random::<f64>() < cfg.negative_fraction) {
            *k = true;
        }
    }
    let neg: Vec<f32> =
        pos.iter().enumerate().map(|(e, &p)| if p == 0.0 && kept[e % kc] { 1.0 } else { 0.0 }).collect();
    (pos, neg)
}

/// One MLCD training step as `replica` on a batch `x` with its positive and sampled-negative
/// masks (`[B, K_c]`, 0/1), all three holding the current global batch ([`Replica::batch`]):
/// the multi-label loss of the cosine classifier on this peer's rows and one Adam step on every
/// peer's gradients. Returns the updated model and the batch's loss.
pub(crate) fn train_step<B: TrainBackend, O: Optimizer<MlcdModel<B>, B>>(
    cfg: &MlcdConfig,
    replica: &mut Replica<B>,
    model: MlcdModel<B>,
    optim: &mut O,
    x: Tensor<B, 4>,
    positive: Tensor<B, 2>,
    negative: Tensor<B, 2>,
) -> Result<(MlcdModel<B>, f64)> {
    let (x, positive, negative) = (replica.local(x), replica.local(positive), replica.local(negative));
    let loss = replica.share(multi_label_loss(model.cosines(x), positive, negative, cfg.scale));
    replica.step(model, optim, loss, cfg.learning_rate, &[])
}

/// Trains an MLCD model on `set` (resumable from `ctx.out/checkpoint`) as `replica`.
fn fit<B: TrainBackend>(
    replica: &mut Replica<B>,
    cfg: &MlcdConfig,
    set: &ImageSet,
    ctx: &TrainContext,
    device: &B::Device,
) -> Result<(MlcdModel<B>, History)> {
    if cfg.positives == 0 || cfg.positives > cfg.centres || cfg.centres > set.n {
        return Err(Error::InvalidConfig(format!(
            "mlcd: need 1 ≤ positives ({}) ≤ centres ({}) ≤ training images ({})",
            cfg.positives, cfg.centres, set.n
        )));
    }
    replica.check_batches(set.n, cfg.batch_size, false)?;
    B::seed(device, ctx.seed);
    let mut model: MlcdModel<B> = cfg.init(device);
    let mut optim = adam(0.0).init::<B, MlcdModel<B>>();
    let ckpt = Checkpoint::new(&ctx.out);
    let mut state = State::default();
    if ctx.resume {
        (model, optim, state) = ckpt.load(model, optim, device)?;
    }
    if state.positives.is_empty() {
        // The frozen off-the-shelf embedding: PCA of the pixels.
        let pixels: Vec<f64> = set.pixels.iter().map(|&v| f64::from(v)).collect();
        let p = cfg.pca_dim.min(set.dim());
        let emb = crate::pca::pca(&pixels, set.n, set.dim(), p)?;
        let centres = cluster(&emb, set.n, p, cfg.centres, cfg.kmeans_restarts, ctx.seed)?;
        state.positives = nearest_centres(&emb, set.n, p, &centres, cfg.positives);
    }
    let batches_per_epoch = set.n.div_ceil(cfg.batch_size) as u64;
    for epoch in state.epochs_done..cfg.epochs {
        B::seed(device, ctx.seed.wrapping_add(epoch as u64));
        if epoch > 0 && cfg.recluster_every > 0 && epoch % cfg.recluster_every == 0 {
            let valid = model.valid();
            let emb = embed_all(set, EMBED_BATCH, device, |x| valid.embed(x))?;
            let data: Vec<f64> = emb.data.iter().map(|&v| f64::from(v)).collect();
            let centres =
                cluster(&data, emb.n, emb.dim, cfg.centres, cfg.kmeans_restarts, ctx.seed.wrapping_add(epoch as u64))?;
            state.positives = nearest_centres(&data, emb.n, emb.dim, &centres, cfg.positives);
            let w: Vec<f32> = centres.iter().map(|&v| v as f32).collect();
            model = model.set_classifier(Tensor::from_data(TensorData::new(w, [cfg.centres, emb.dim]), device));
        }
        let progress = Progress::new("mlcd", batches_per_epoch, ctx.quiet || !replica.primary());
        let mut rng = epoch_rng(ctx.seed, epoch, 2);
        let mut meter = EpochMeter::new();
        for idx in epoch_batches(set.n, cfg.batch_size, ctx.seed, epoch, false) {
            let mut data = Vec::with_capacity(idx.len() * set.dim());
            for &i in &idx {
                translate(set.image(i), set.height, set.width, cfg.max_shift, &mut rng, &mut data);
            }
            // Every peer draws the whole batch's shifts and negatives, then keeps its rows.
            replica.batch(idx.len());
            let x = Tensor::<B, 4>::from_data(TensorData::new(data, [idx.len(), 1, set.height, set.width]), device);
            let (pos, neg) = masks(cfg, &state.positives, &idx, &mut rng);
            let shape = [idx.len(), cfg.centres];
            let pos = Tensor::<B, 2>::from_data(TensorData::new(pos, shape), device);
            let neg = Tensor::<B, 2>::from_data(TensorData::new(neg, shape), device);
            let (m, value) = train_step(cfg, replica, model, &mut optim, x, pos, neg)?;
            model = m;
            meter.batch(value, idx.len(), &progress, epoch, cfg.epochs);
        }
        state.history.epochs.push(meter.finish("train", epoch, cfg.epochs, &progress, BTreeMap::new()));
        state.epochs_done = epoch + 1;
        replica.save(&ckpt, &model, &optim, &state)?;
    }
    Ok((model, state.history))
}

impl Pipeline for Mlcd {
    const NAME: &'static str = "mlcd";
    type Config = MlcdConfig;

    fn config(profile: Profile, train: &ImageSet) -> MlcdConfig {
        let classes = if train.labels.is_some() { train.num_classes().max(1) } else { 10 };
        match profile {
            Profile::Quick => MlcdConfig::new().with_centres(10 * classes).with_epochs(8),
            Profile::Full => MlcdConfig::new()
                .with_encoder(crate::nn::ConvEncoderConfig::full_profile())
                .with_centres(100 * classes)
                .with_positives(8)
                .with_scale(32.0)
                .with_negative_fraction(0.1)
                .with_epochs(30),
        }
    }

    fn epochs(cfg: &mut MlcdConfig) -> &mut usize {
        &mut cfg.epochs
    }

    fn train<B: TrainBackend>(
        cfg: &MlcdConfig,
        split: &Split,
        ctx: &TrainContext,
        device: &B::Device,
    ) -> Result<Trained> {
        let fingerprint = run_fingerprint(cfg, &split.train.pixels, ctx.seed);
        let mut replica = Replica::<B>::join(ctx.dist.as_ref(), device, fingerprint)?;
        let (model, history) = fit::<B>(&mut replica, cfg, &split.train, ctx, device)?;
        let mut extra = replica.finish(&model)?;
        let labels = split.train.labels.as_ref().zip(split.test.labels.as_ref());
        let ablation = match labels {
            Some(_) if cfg.single_label_ablation && cfg.positives > 1 => {
                let single = cfg.clone().with_positives(1);
                let sctx = TrainContext { out: ctx.out.join("ablation_l1"), ..ctx.clone() };
                std::fs::create_dir_all(&sctx.out).map_err(|e| Error::io(&sctx.out, e))?;
                replica.restart();
                let (m1, _) = fit::<B>(&mut replica, &single, &split.train, &sctx, device)?;
                replica.finish(&m1)?;
                Some(m1)
            }
            _ => None,
        };
        if !replica.primary() {
            return Ok(Trained::secondary(history, extra));
        }
        save_model(&model, &ctx.out)?;
        let valid = model.valid();
        let (train_embedding, test_embedding) = embed_split(split, device, |x| valid.embed(x))?;
        if let (Some(m1), Some((ytr, yte))) = (ablation, labels) {
            let v1 = m1.valid();
            let (tr, te) = embed_split(split, device, |x| v1.embed(x))?;
            let classes = split.train.num_classes();
            let params = crate::eval::ProbeParams { seed: ctx.seed, ..Default::default() };
            let probe = crate::eval::linear_probe(tr.features(), ytr, te.features(), yte, classes, &params)?;
            let knn =
                crate::eval::knn_accuracy(tr.features(), ytr, te.features(), yte, classes, crate::eval::KNN_DEFAULT_K)?;
            // The multi-label model's own numbers are the report's `linear_probe` and `knn`
            // (same evaluation, same seed), so only the l = 1 model is evaluated here.
            extra.insert(
                "ablation_single_label".into(),
                serde_json::json!({ "positives": 1, "linear_probe": probe, "knn": knn }),
            );
        }
        Ok(Trained { history, train_embedding, test_embedding, head_test: None, extra })
    }

    fn infer<B: TrainBackend>(cfg: &MlcdConfig, dir: &Path, set: &ImageSet, device: &B::Device) -> Result<Inference> {
        let model: MlcdModel<B::InnerBackend> = load_model(cfg.init(device), dir, device)?;
        let embedding = embed_all(set, EMBED_BATCH, device, |x| model.embed(x))?;
        Ok(Inference { embedding, head: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_centres_by_cosine() {
        let x = [1.0, 0.0, 0.0, 2.0];
        let c = [0.0, 1.0, 1.0, 0.1, -1.0, 0.0];
        assert_eq!(nearest_centres(&x, 2, 2, &c, 2), vec![1, 0, 0, 1]);
    }

    #[test]
    fn masks_keep_positives_and_sample_negatives() {
        let cfg = MlcdConfig::new().with_centres(4).with_positives(1).with_negative_fraction(0.0);
        let mut rng = epoch_rng(0, 0, 0);
        let (pos, neg) = masks(&cfg, &[0, 2], &[0, 1], &mut rng);
        assert_eq!(pos, vec![1., 0., 0., 0., 0., 0., 1., 0.]);
        // r = 0: only the batch's positive classes are negatives of the other rows.
        assert_eq!(neg, vec![0., 0., 1., 0., 1., 0., 0., 0.]);
    }
}
