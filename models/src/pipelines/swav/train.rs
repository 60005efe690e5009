//! SwAV's training loop and inference.

use super::{SwavConfig, SwavModel, swapped_prediction_loss};
use crate::data::{ImageSet, Split};
use crate::distributed::shard::shard_rows;
use crate::distributed::{DistError, Replica, run_fingerprint};
use crate::nn::l2_normalize;
use crate::pipelines::{EMBED_BATCH, Inference, Pipeline, Profile, TrainContext, Trained, embed_all, embed_split};
use crate::train::augment::{add_noise, resized_crop};
use crate::train::checkpoint::{load_model, save_model};
use crate::train::{Checkpoint, EpochMeter, History, Progress, TrainBackend, adam, epoch_batches, epoch_rng};
use crate::{Context, Result};
use burn::module::{AutodiffModule, ParamId};
use burn::optim::Optimizer;
use burn::prelude::*;
use burn::tensor::activation::relu;
use clasp_core::sinkhorn::SwavParams;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The SwAV pipeline.
pub struct Swav;

/// Resumable state between epochs.
#[derive(Serialize, Deserialize, Default)]
struct State {
    epochs_done: usize,
    history: History,
    /// Projections of the two global views of recent batches (queue_length × d each; a peer of
    /// a data-parallel run holds its rows of each batch, the checkpoint the whole queue).
    queue: [Vec<f32>; 2],
}

/// The crops of one batch: two global views at full size, then the local views.
pub(crate) fn multi_crop<B: Backend>(
    cfg: &SwavConfig,
    set: &ImageSet,
    idx: &[usize],
    rng: &mut rand_chacha::ChaCha8Rng,
    device: &B::Device,
) -> Vec<Tensor<B, 4>> {
    let (h, w) = (set.height, set.width);
    let local = ((h as f64 * cfg.local_size).round() as usize).max(4);
    let mut views = Vec::with_capacity(2 + cfg.local_views);
    for v in 0..2 + cfg.local_views {
        let (scale, side) = if v < 2 { (cfg.global_scale, h) } else { (cfg.local_scale, local) };
        let side_w = if v < 2 { w } else { ((w as f64 * cfg.local_size).round() as usize).max(4) };
        let mut data = Vec::with_capacity(idx.len() * side * side_w);
        for &i in idx {
            let start = data.len();
            resized_crop(set.image(i), (h, w), scale, (side, side_w), rng, &mut data);
            add_noise(&mut data[start..], cfg.noise, rng);
        }
        views.push(Tensor::from_data(TensorData::new(data, [idx.len(), 1, side, side_w]), device));
    }
    views
}

/// The settings a data-parallel run cannot split.
fn check_shardable(cfg: &SwavConfig, n: usize, peers: usize) -> Result<()> {
    if peers > 1
        && cfg.queue_length > 0
        && (!cfg.batch_size.is_multiple_of(peers)
            || !cfg.queue_length.is_multiple_of(cfg.batch_size)
            || n < cfg.batch_size)
    {
        return Err(DistError::Unshardable {
            detail: format!(
                "with a queue, batch_size ({}) must be a multiple of --peers ({peers}), queue_length ({}) a multiple of \
                 batch_size and the training images ({n}) at least one batch, so that the peers' queues together hold \
                 the single-process queue",
                cfg.batch_size, cfg.queue_length
            ),
        }
        .into());
    }
    Ok(())
}

/// The unit projections of `views` (this peer's rows of each), the head's batch norm with the
/// statistics of each view's global batch (alone: `model.project` of each view).
fn project<B: TrainBackend>(
    replica: &Replica<B>,
    model: &SwavModel<B>,
    views: Vec<Tensor<B, 4>>,
) -> Result<Vec<Tensor<B, 2>>> {
    let (fc1, bn, fc2) = model.head().layers();
    let hidden: Vec<Tensor<B, 2>> = model.encode_views(views).into_iter().map(|f| fc1.forward(f)).collect();
    let normed = replica.batch_norm(bn, hidden)?;
    Ok(normed.into_iter().map(|h| l2_normalize(fc2.forward(relu(h)))).collect())
}

/// One SwAV training step as `replica` on the `views` of the current global batch
/// ([`Replica::batch`]; the two global views first), on this peer's rows of each: prototypes
/// re-normalised, unit projections and scores S = zCᵀ of every view, codes of the global views
/// (clasp's Sinkhorn, sharded over the peers, with the `queue` of earlier projections when the
/// configuration has one; a peer queues its rows), the swapped-prediction loss and one Adam
/// step on every peer's gradients; the `frozen` parameters are not updated. Returns the
/// updated model and the batch's loss.
#[allow(clippy::too_many_arguments)]
pub(crate) fn train_step<B: TrainBackend, O: Optimizer<SwavModel<B>, B>>(
    cfg: &SwavConfig,
    replica: &mut Replica<B>,
    model: SwavModel<B>,
    optim: &mut O,
    views: Vec<Tensor<B, 4>>,
    queue: &mut [Vec<f32>; 2],
    params: &SwavParams,
    frozen: &[ParamId],
) -> Result<(SwavModel<B>, f64)> {
    let views: Vec<Tensor<B, 4>> = views.into_iter().map(|v| replica.local(v)).collect();
    let b = views.first().map_or(0, |v| v.dims()[0]);
    let queue_rows = cfg.queue_length / replica.peers();
    let model = model.normalize_prototypes();
    let projections = project(replica, &model, views)?;
    let c = model.prototypes.val();
    let device = c.device();
    let scores: Vec<Tensor<B, 2>> = projections.iter().map(|z| z.clone().matmul(c.clone().transpose())).collect();
    let mut codes = Vec::with_capacity(2);
    for (s, z) in projections.iter().take(2).enumerate() {
        let queued = queue[s].len() / cfg.projection;
        let input = if queued > 0 {
            let q = Tensor::<B, 2>::from_data(TensorData::new(queue[s].clone(), [queued, cfg.projection]), &device);
            Tensor::cat(vec![q.matmul(c.clone().transpose()), scores[s].clone()], 0)
        } else {
            scores[s].clone()
        };
        codes.push(replica.codes(input, b, params).context("SwAV codes")?);
        if queue_rows > 0 {
            let (zv, _, _) = crate::nn::to_matrix(z.clone().detach())?;
            let queue = &mut queue[s];
            queue.splice(0..0, zv);
            queue.truncate(queue_rows * cfg.projection);
        }
    }
    let loss = replica.share(swapped_prediction_loss(&scores, &codes, cfg.temperature));
    replica.step(model, optim, loss, cfg.learning_rate, frozen)
}

/// The single-process queue (as a checkpoint holds it: whole batches, newest first) from every
/// peer's part (its rows, [`shard_rows`], of each batch), by one all-reduce.
fn gather_queue<B: TrainBackend>(replica: &Replica<B>, cfg: &SwavConfig, local: &[f32]) -> Result<Vec<f32>> {
    // Every peer holds as many batches (none without a queue): they all skip or all reduce.
    if !replica.is_distributed() || local.is_empty() {
        return Ok(local.to_vec());
    }
    let d = cfg.projection;
    let (rows, batch) = (shard_rows(cfg.batch_size, replica.rank(), replica.peers()), cfg.batch_size);
    let blocks = local.len() / (rows.len() * d).max(1);
    let mut global = vec![0.0f32; blocks * batch * d];
    for (j, block) in local.chunks_exact(rows.len() * d).enumerate() {
        let at = (j * batch + rows.start) * d;
        global[at..at + block.len()].copy_from_slice(block);
    }
    replica.engine().all_reduce_host("the gathering of the SwAV queue", &mut global)?;
    Ok(global)
}

/// This peer's part of a single-process queue (a resumed checkpoint's).
fn scatter_queue<B: TrainBackend>(replica: &Replica<B>, cfg: &SwavConfig, global: &[f32]) -> Vec<f32> {
    if !replica.is_distributed() {
        return global.to_vec();
    }
    let d = cfg.projection;
    let (rows, batch) = (shard_rows(cfg.batch_size, replica.rank(), replica.peers()), cfg.batch_size);
    global.chunks_exact(batch * d).flat_map(|b| b[rows.start * d..rows.end * d].iter().copied()).collect()
}

impl Pipeline for Swav {
    const NAME: &'static str = "swav";
    type Config = SwavConfig;

    fn config(profile: Profile, _train: &ImageSet) -> SwavConfig {
        match profile {
            Profile::Quick => SwavConfig::new().with_epochs(10),
            Profile::Full => SwavConfig::new()
                .with_encoder(crate::nn::ConvEncoderConfig::full_profile())
                .with_head_hidden(256)
                .with_projection(64)
                .with_prototypes(100)
                .with_queue_length(1024)
                .with_epochs(30),
        }
    }

    fn epochs(cfg: &mut SwavConfig) -> &mut usize {
        &mut cfg.epochs
    }

    fn train<B: TrainBackend>(
        cfg: &SwavConfig,
        split: &Split,
        ctx: &TrainContext,
        device: &B::Device,
    ) -> Result<Trained> {
        let set = &split.train;
        let fingerprint = run_fingerprint(cfg, &set.pixels, ctx.seed);
        let mut replica = Replica::<B>::join(ctx.dist.as_ref(), device, fingerprint)?;
        check_shardable(cfg, set.n, replica.peers())?;
        replica.check_batches(set.n, cfg.batch_size, true)?;
        B::seed(device, ctx.seed);
        let mut model: SwavModel<B> = cfg.init(device);
        let mut optim = adam(cfg.weight_decay).init::<B, SwavModel<B>>();
        let ckpt = Checkpoint::new(&ctx.out);
        let mut state = State::default();
        if ctx.resume {
            (model, optim, state) = ckpt.load(model, optim, device)?;
            state.queue = state.queue.map(|q| scatter_queue(&replica, cfg, &q));
        }
        let params = SwavParams::default().eps(cfg.epsilon).iterations(cfg.sinkhorn_iterations);
        let batches_per_epoch = set.n.div_ceil(cfg.batch_size) as u64;
        for epoch in state.epochs_done..cfg.epochs {
            B::seed(device, ctx.seed.wrapping_add(epoch as u64));
            let progress = Progress::new("swav", batches_per_epoch, ctx.quiet || !replica.primary());
            let mut rng = epoch_rng(ctx.seed, epoch, 1);
            let mut meter = EpochMeter::new();
            let frozen = if epoch < cfg.freeze_prototypes_epochs { vec![model.prototypes.id] } else { vec![] };
            for idx in epoch_batches(set.n, cfg.batch_size, ctx.seed, epoch, true) {
                replica.batch(idx.len());
                let views = multi_crop::<B>(cfg, set, &idx, &mut rng, device);
                let (m, value) =
                    train_step(cfg, &mut replica, model, &mut optim, views, &mut state.queue, &params, &frozen)?;
                model = m;
                meter.batch(value, idx.len(), &progress, epoch, cfg.epochs);
            }
            state.history.epochs.push(meter.finish("train", epoch, cfg.epochs, &progress, BTreeMap::new()));
            state.epochs_done = epoch + 1;
            let queue = [gather_queue(&replica, cfg, &state.queue[0])?, gather_queue(&replica, cfg, &state.queue[1])?];
            let saved = State { epochs_done: state.epochs_done, history: state.history.clone(), queue };
            replica.save(&ckpt, &model, &optim, &saved)?;
        }
        let model = model.normalize_prototypes();
        let extra = replica.finish(&model)?;
        if !replica.primary() {
            return Ok(Trained::secondary(state.history, extra));
        }
        save_model(&model, &ctx.out)?;
        let valid = model.valid();
        let (train_embedding, test_embedding) = embed_split(split, device, |x| valid.embed(x))?;
        Ok(Trained { history: state.history, train_embedding, test_embedding, head_test: None, extra })
    }

    fn infer<B: TrainBackend>(cfg: &SwavConfig, dir: &Path, set: &ImageSet, device: &B::Device) -> Result<Inference> {
        let model: SwavModel<B::InnerBackend> = load_model(cfg.init(device), dir, device)?;
        let embedding = embed_all(set, EMBED_BATCH, device, |x| model.embed(x))?;
        Ok(Inference { embedding, head: None })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_crop_shapes() {
        let set = ImageSet {
            name: "t".into(),
            pixels: vec![0.5; 3 * 8 * 8],
            n: 3,
            height: 8,
            width: 8,
            labels: None,
            class_names: vec![],
        };
        let cfg = SwavConfig::new();
        let mut rng = epoch_rng(0, 0, 1);
        let views = multi_crop::<burn::backend::Flex>(&cfg, &set, &[0, 2], &mut rng, &Default::default());
        assert_eq!(views.len(), 6);
        assert_eq!(views[0].dims(), [2, 1, 8, 8]);
        assert_eq!(views[5].dims(), [2, 1, 5, 5]);
    }

    #[test]
    fn unshardable_settings_are_named() {
        let cfg = SwavConfig::new().with_batch_size(6).with_queue_length(12);
        assert!(check_shardable(&cfg, 60, 4).unwrap_err().to_string().contains("multiple of --peers"));
        assert!(check_shardable(&cfg, 60, 3).is_ok());
        assert!(check_shardable(&cfg, 5, 3).is_err());
        assert!(check_shardable(&cfg, 5, 1).is_ok());
    }
}
