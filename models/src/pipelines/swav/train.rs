//! SwAV's training loop and inference.

use super::{SwavConfig, SwavModel, swapped_prediction_loss};
use crate::data::{ImageSet, Split};
use crate::pipelines::{EMBED_BATCH, Inference, Pipeline, Profile, TrainContext, Trained, embed_all, embed_split};
use crate::train::augment::{add_noise, resized_crop};
use crate::train::checkpoint::{load_model, save_model};
use crate::train::{Checkpoint, EpochMeter, History, Progress, TrainBackend, adam, epoch_batches, epoch_rng, step};
use crate::{Context, Result};
use burn::module::{AutodiffModule, ParamId};
use burn::optim::Optimizer;
use burn::prelude::*;
use clasp_backends::burn::swav_codes;
use clasp_core::sinkhorn::SwavParams;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

/// The SwAV pipeline.
pub struct Swav;

/// Resumable state between epochs.
#[derive(Serialize, Deserialize, Default)]
pub(super) struct State {
    pub(super) epochs_done: usize,
    pub(super) history: History,
    /// Projections of the two global views of recent batches (queue_length × d each).
    pub(super) queue: [Vec<f32>; 2],
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

/// What one SwAV step leaves: the updated model, the loss before the update and the time spent
/// in the Sinkhorn codes.
pub(crate) struct Stepped<B: Backend> {
    /// The model after the optimiser step.
    pub model: SwavModel<B>,
    /// The loss of the batch.
    pub loss: f64,
    /// Wall time of the two codes (clasp's Sinkhorn, host round trip included).
    pub sinkhorn: Duration,
}

/// One SwAV training step on the `views` of a batch (the two global views first): prototypes
/// re-normalised, unit projections and scores S = zCᵀ of every view, codes of the global views
/// (clasp's Sinkhorn, with the `queue` of earlier projections when the configuration has one),
/// the swapped-prediction loss and one Adam step; the `frozen` parameters are not updated.
pub(crate) fn train_step<B: TrainBackend, O: Optimizer<SwavModel<B>, B>>(
    cfg: &SwavConfig,
    model: SwavModel<B>,
    optim: &mut O,
    views: Vec<Tensor<B, 4>>,
    queue: &mut [Vec<f32>; 2],
    params: &SwavParams,
    frozen: &[ParamId],
) -> Result<Stepped<B>> {
    let b = views.first().map_or(0, |v| v.dims()[0]);
    let model = model.normalize_prototypes();
    let projections = model.project_views(views);
    let c = model.prototypes.val();
    let device = c.device();
    let scores: Vec<Tensor<B, 2>> = projections.iter().map(|z| z.clone().matmul(c.clone().transpose())).collect();
    let mut codes = Vec::with_capacity(2);
    let mut sinkhorn = Duration::ZERO;
    for (s, z) in projections.iter().take(2).enumerate() {
        let queued = queue[s].len() / cfg.projection;
        let input = if queued > 0 {
            let q = Tensor::<B, 2>::from_data(TensorData::new(queue[s].clone(), [queued, cfg.projection]), &device);
            Tensor::cat(vec![q.matmul(c.clone().transpose()), scores[s].clone()], 0)
        } else {
            scores[s].clone()
        };
        let t_sk = Instant::now();
        let (q, _) = swav_codes::<B>(input.detach(), params).context("SwAV codes")?;
        let q = q.narrow(0, queued, b);
        sinkhorn += t_sk.elapsed();
        codes.push(q);
        if cfg.queue_length > 0 {
            let (zv, _, _) = crate::nn::to_matrix(z.clone().detach())?;
            let queue = &mut queue[s];
            queue.splice(0..0, zv);
            queue.truncate(cfg.queue_length * cfg.projection);
        }
    }
    let loss = swapped_prediction_loss(&scores, &codes, cfg.temperature);
    let (model, loss) = step(model, optim, loss, cfg.learning_rate, frozen)?;
    Ok(Stepped { model, loss, sinkhorn })
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
        if let Some(spec) = &ctx.dist {
            return super::data_parallel::train::<B>(cfg, split, ctx, spec, device);
        }
        let set = &split.train;
        B::seed(device, ctx.seed);
        let mut model: SwavModel<B> = cfg.init(device);
        let mut optim = adam(cfg.weight_decay).init::<B, SwavModel<B>>();
        let ckpt = Checkpoint::new(&ctx.out);
        let mut state = State::default();
        if ctx.resume {
            (model, optim, state) = ckpt.load(model, optim, device)?;
        }
        let params = SwavParams::default().eps(cfg.epsilon).iterations(cfg.sinkhorn_iterations);
        let batches_per_epoch = set.n.div_ceil(cfg.batch_size) as u64;
        let mut sinkhorn_time = Duration::ZERO;
        let mut step_time = Duration::ZERO;
        for epoch in state.epochs_done..cfg.epochs {
            B::seed(device, ctx.seed.wrapping_add(epoch as u64));
            let progress = Progress::new("swav", batches_per_epoch, ctx.quiet);
            let mut rng = epoch_rng(ctx.seed, epoch, 1);
            let mut meter = EpochMeter::new();
            let frozen = if epoch < cfg.freeze_prototypes_epochs { vec![model.prototypes.id] } else { vec![] };
            for idx in epoch_batches(set.n, cfg.batch_size, ctx.seed, epoch, true) {
                let t_step = Instant::now();
                let views = multi_crop::<B>(cfg, set, &idx, &mut rng, device);
                let stepped = train_step(cfg, model, &mut optim, views, &mut state.queue, &params, &frozen)?;
                let value = stepped.loss;
                model = stepped.model;
                sinkhorn_time += stepped.sinkhorn;
                step_time += t_step.elapsed();
                meter.batch(value, idx.len(), &progress, epoch, cfg.epochs);
            }
            state.history.epochs.push(meter.finish("train", epoch, cfg.epochs, &progress, BTreeMap::new()));
            state.epochs_done = epoch + 1;
            ckpt.save(&model, &optim, &state)?;
        }
        let model = model.normalize_prototypes();
        save_model(&model, &ctx.out)?;
        let valid = model.valid();
        let (train_embedding, test_embedding) = embed_split(split, device, |x| valid.embed(x))?;
        let mut extra = serde_json::Map::new();
        if step_time > Duration::ZERO {
            extra.insert(
                "sinkhorn_share_of_step".into(),
                (sinkhorn_time.as_secs_f64() / step_time.as_secs_f64()).into(),
            );
        }
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
}
