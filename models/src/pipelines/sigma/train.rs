//! The training loop of both targets (same network, data, masking and budget) and the clip
//! embedding of the trained encoder.

use super::loss::{hard_codes, pixel_loss, sigma_loss};
use super::model::{MaskedBatch, VideoMae};
use super::tubes::TubeGrid;
use super::{VideoMaeConfig, VideoTarget};
use crate::data::video::{VideoSet, VideoSplit};
use crate::distributed::{Replica, run_fingerprint};
use crate::nn::{l2_normalize, to_matrix};
use crate::pipelines::{Matrix, TrainContext};
use crate::train::checkpoint::save_model;
use crate::train::{Checkpoint, EpochMeter, History, Progress, TrainBackend, epoch_batches, epoch_rng};
use crate::{Error, Result};
use burn::module::AutodiffModule;
use burn::optim::AdamWConfig;
use burn::prelude::*;
use clasp_core::sinkhorn::SwavParams;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

/// What a video training run returns.
pub struct VideoTrained {
    /// Per-epoch numbers.
    pub history: History,
    /// Clip embeddings of the training clips.
    pub train_embedding: Matrix,
    /// Clip embeddings of the test clips.
    pub test_embedding: Matrix,
    /// Mean wall time of an optimiser step, milliseconds.
    pub step_ms: f64,
    /// Mean Sinkhorn time of a step (both hard-code calls), milliseconds (0 for `pixel`).
    pub sinkhorn_ms: f64,
    /// The run's numbers from [`Replica::finish`] (peers, all-reduce volume per step).
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Resumable state between epochs.
#[derive(Serialize, Deserialize, Default)]
struct State {
    epochs_done: usize,
    history: History,
    steps: usize,
    step_s: f64,
    sinkhorn_s: f64,
}

/// Clips per forward pass when embedding a whole set.
const EMBED_BATCH: usize = 256;

/// The tube grid of `cfg` over the clips of `set`.
pub fn grid(cfg: &VideoMaeConfig, set: &VideoSet) -> Result<TubeGrid> {
    TubeGrid::new((cfg.tube_frames, cfg.patch_h, cfg.patch_w), set.frames, set.height, set.width)
}

/// The tubes of clips `idx` as `[idx.len(), tokens, tube_dim]`.
fn tubes_tensor<B: Backend>(g: &TubeGrid, set: &VideoSet, idx: &[usize], device: &B::Device) -> Tensor<B, 3> {
    let data: Vec<f32> = idx.iter().flat_map(|&i| g.tubes(set.clip(i), set.height, set.width)).collect();
    Tensor::from_data(TensorData::new(data, [idx.len(), g.tokens(), g.tube_dim()]), device)
}

/// Clips `idx` with a fresh tube mask each.
fn masked_batch<B: Backend>(
    g: &TubeGrid,
    set: &VideoSet,
    idx: &[usize],
    ratio: f64,
    rng: &mut rand_chacha::ChaCha8Rng,
    device: &B::Device,
) -> MaskedBatch<B> {
    let p = g.tube_dim();
    let (mut vis, mut msk, mut vis_pos, mut msk_pos) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for &i in idx {
        let tubes = g.tubes(set.clip(i), set.height, set.width);
        let (visible, masked) = g.tube_mask(ratio, rng);
        for (pixels, pos, tokens) in [(&mut vis, &mut vis_pos, &visible), (&mut msk, &mut msk_pos, &masked)] {
            for &t in tokens {
                pixels.extend_from_slice(&tubes[t * p..(t + 1) * p]);
                pos.push(t as i64);
            }
        }
    }
    let (b, nv, nm) = (idx.len(), vis_pos.len() / idx.len().max(1), msk_pos.len() / idx.len().max(1));
    let ints = |v: Vec<i64>| Tensor::<B, 1, Int>::from_data(TensorData::new(v.clone(), [v.len()]), device);
    MaskedBatch {
        visible: Tensor::from_data(TensorData::new(vis, [b, nv, p]), device),
        visible_pos: ints(vis_pos),
        masked: Tensor::from_data(TensorData::new(msk, [b * nm, p]), device),
        masked_pos: ints(msk_pos),
    }
}

/// This peer's share of the loss of one batch (`batch`: its clips) and the time spent in
/// Sinkhorn.
fn batch_loss<B: TrainBackend>(
    replica: &mut Replica<B>,
    cfg: &VideoMaeConfig,
    model: &VideoMae<B>,
    batch: &MaskedBatch<B>,
    params: &SwavParams,
) -> Result<(Tensor<B, 1>, Duration)> {
    let prediction = model.predict(batch);
    match cfg.target {
        VideoTarget::Pixel => Ok((replica.share(pixel_loss(prediction, batch.masked.clone())), Duration::ZERO)),
        VideoTarget::Sigma => {
            let (Some(mlp), Some(c)) = (&model.target_mlp, &model.prototypes) else {
                return Err(Error::Internal("a SIGMA model without its target MLP and prototypes".into()));
            };
            let c = c.val();
            let s_target = l2_normalize(mlp.forward(batch.masked.clone())).matmul(c.clone().transpose());
            let s_prediction = l2_normalize(prediction).matmul(c.detach().transpose());
            let t = Instant::now();
            let q_target = hard_codes(replica, s_target.clone(), params)?;
            let q_prediction = hard_codes(replica, s_prediction.clone(), params)?;
            let sinkhorn = t.elapsed();
            let loss = sigma_loss(s_target, s_prediction, q_target, q_prediction, cfg.temperature);
            Ok((replica.share(loss), sinkhorn))
        }
    }
}

/// Mean-pooled encoder embeddings of every clip of `set`.
pub fn embed_clips<B: Backend>(
    model: &VideoMae<B>,
    g: &TubeGrid,
    set: &VideoSet,
    device: &B::Device,
) -> Result<Matrix> {
    let mut out = Matrix { n: set.n, ..Matrix::default() };
    let idx: Vec<usize> = (0..set.n).collect();
    for chunk in idx.chunks(EMBED_BATCH) {
        let (v, _, d) = to_matrix(model.embed(tubes_tensor(g, set, chunk, device)))?;
        out.data.extend(v);
        out.dim = d;
    }
    if out.data.iter().any(|v| !v.is_finite()) {
        return Err(Error::NonFinite { what: "clip embedding" });
    }
    Ok(out)
}

/// Trains on `split.train` (checkpoint every epoch, `ctx.resume` continues), saves the model to
/// `ctx.out` and embeds both parts.
pub fn train_video<B: TrainBackend>(
    cfg: &VideoMaeConfig,
    split: &VideoSplit,
    ctx: &TrainContext,
    device: &B::Device,
) -> Result<VideoTrained> {
    let set = &split.train;
    let g = grid(cfg, set)?;
    let mut replica = Replica::<B>::join(ctx.dist.as_ref(), device, run_fingerprint(cfg, &set.pixels, ctx.seed))?;
    replica.check_batches(set.n, cfg.batch_size, true)?;
    let name = match cfg.target {
        VideoTarget::Sigma => "sigma",
        VideoTarget::Pixel => "pixel",
    };
    B::seed(device, ctx.seed);
    let mut model: VideoMae<B> = cfg.init(g.tokens(), device);
    let adamw = AdamWConfig::new().with_beta_2(0.95).with_epsilon(1e-8).with_weight_decay(cfg.weight_decay as f32);
    let mut optim = adamw.init::<B, VideoMae<B>>();
    let ckpt = Checkpoint::new(&ctx.out);
    let mut state = State::default();
    if ctx.resume {
        (model, optim, state) = ckpt.load(model, optim, device)?;
    }
    let params = SwavParams::default().eps(cfg.epsilon).iterations(cfg.sinkhorn_iterations);
    let batches = epoch_batches(set.n, cfg.batch_size, ctx.seed, 0, true).len();
    let warmup_steps = (cfg.warmup_epochs * batches).max(1) as f64;
    for epoch in state.epochs_done..cfg.epochs {
        let progress = Progress::new(name, batches as u64, ctx.quiet || !replica.primary());
        let mut rng = epoch_rng(ctx.seed, epoch, 1);
        let mut meter = EpochMeter::new();
        let mut sinkhorn = Duration::ZERO;
        for idx in epoch_batches(set.n, cfg.batch_size, ctx.seed, epoch, true) {
            let t_step = Instant::now();
            model = model.normalize_prototypes();
            // Every peer draws the whole batch's masks, then keeps its clips.
            let batch = masked_batch::<B>(&g, set, &idx, cfg.mask_ratio, &mut rng, device);
            let rows = replica.batch(idx.len());
            let batch = if replica.is_distributed() { batch.rows(rows) } else { batch };
            let (loss, t_sinkhorn) = batch_loss(&mut replica, cfg, &model, &batch, &params)?;
            let lr = cfg.learning_rate * ((state.steps + 1) as f64 / warmup_steps).min(1.0);
            let (m, value) = replica.step(model, &mut optim, loss, lr, &[])?;
            model = m;
            sinkhorn += t_sinkhorn;
            state.step_s += t_step.elapsed().as_secs_f64();
            state.steps += 1;
            meter.batch(value, idx.len(), &progress, epoch, cfg.epochs);
        }
        state.sinkhorn_s += sinkhorn.as_secs_f64();
        let extra = BTreeMap::from([("sinkhorn_s".to_string(), sinkhorn.as_secs_f64())]);
        state.history.epochs.push(meter.finish("train", epoch, cfg.epochs, &progress, extra));
        state.epochs_done = epoch + 1;
        replica.save(&ckpt, &model, &optim, &state)?;
    }
    let model = model.normalize_prototypes();
    let extra = replica.finish(&model)?;
    let steps = state.steps.max(1) as f64;
    let (step_ms, sinkhorn_ms) = (1e3 * state.step_s / steps, 1e3 * state.sinkhorn_s / steps);
    if !replica.primary() {
        let empty = Matrix::default();
        let (train_embedding, test_embedding) = (empty.clone(), empty);
        return Ok(VideoTrained {
            history: state.history,
            train_embedding,
            test_embedding,
            step_ms,
            sinkhorn_ms,
            extra,
        });
    }
    save_model(&model, &ctx.out)?;
    let valid = model.valid();
    Ok(VideoTrained {
        history: state.history,
        train_embedding: embed_clips(&valid, &g, &split.train, device)?,
        test_embedding: embed_clips(&valid, &g, &split.test, device)?,
        step_ms,
        sinkhorn_ms,
        extra,
    })
}
