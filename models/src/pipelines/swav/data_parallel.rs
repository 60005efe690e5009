//! SwAV trained data-parallel over the peers of a distributed run (`clasp train swav --peers N`),
//! equal to the single-process run on the same global batches up to float rounding:
//!
//! - every peer draws the same global batch and the same crops (the random streams are the
//!   single-process run's) and keeps its rows ([`shard_rows`]);
//! - the projection head's batch norm is synchronised (statistics of the global batch, per
//!   view, [`sync_batch_norm`]);
//! - the codes are the sharded Sinkhorn (SwAV's `distributed_sinkhorn` order: the prototype
//!   sums all-reduced every iteration) through the core's `AllReduce` hook on the same engine;
//!   with a queue, each peer queues its own rows' projections (their union is the global queue);
//! - each peer's loss is its rows' share of the global loss; [`ddp::step`] sums the gradients
//!   and the loss over the peers in one all-reduce and takes the same optimiser step everywhere;
//! - rank 0's initial model is broadcast, and the final parameters are checked to agree.
//!
//! Rank 0 writes the checkpoints, the model and the embeddings; the other ranks only train.

use super::train::{State, multi_crop};
use super::{SwavConfig, SwavModel, swapped_prediction_loss};
use crate::data::Split;
use crate::distributed::ddp;
use crate::distributed::shard::shard_rows;
use crate::distributed::sync_bn::sync_batch_norm;
use crate::distributed::{Collective, DistError, DistSpec};
use crate::error::Context;
use crate::nn::l2_normalize;
use crate::pipelines::{Matrix, TrainContext, Trained, embed_split};
use crate::train::checkpoint::save_model;
use crate::train::{Checkpoint, EpochMeter, Progress, TrainBackend, adam, epoch_batches, epoch_rng};
use crate::{Error, Result};
use burn::module::AutodiffModule;
use burn::prelude::*;
use burn::tensor::activation::relu;
use clasp_core::MatRef;
use clasp_core::sinkhorn::{SwavParams, swav_codes, swav_scratch};
use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::time::{Duration, Instant};

/// What must be equal on every peer: the configuration, the training images and the seed.
fn run_fingerprint(cfg: &SwavConfig, split: &Split, seed: u64) -> u64 {
    let mut h = DefaultHasher::new();
    serde_json::to_string(cfg).unwrap_or_default().hash(&mut h);
    (split.train.n, split.train.height, split.train.width, seed).hash(&mut h);
    split.train.pixels.iter().for_each(|v| v.to_bits().hash(&mut h));
    h.finish()
}

/// The settings a data-parallel run cannot split.
fn check_shardable(cfg: &SwavConfig, peers: usize, resume: bool) -> Result<(), DistError> {
    let bad = |detail: String| Err(DistError::Unshardable { detail });
    if resume {
        return bad("--resume is not supported with --peers (rank 0's checkpoint holds only its own queue)".into());
    }
    if cfg.batch_size < peers {
        return bad(format!("batch_size {} is smaller than --peers {peers}", cfg.batch_size));
    }
    if cfg.queue_length > 0
        && (!cfg.batch_size.is_multiple_of(peers) || !cfg.queue_length.is_multiple_of(cfg.batch_size))
    {
        return bad(format!(
            "with a queue, batch_size ({}) must be a multiple of --peers ({peers}) and queue_length ({}) a multiple of batch_size, \
             so that the peers' queues together hold the single-process queue",
            cfg.batch_size, cfg.queue_length
        ));
    }
    Ok(())
}

/// The unit projections of `views` (this peer's rows) with the head's batch norm synchronised.
fn project_synced<B: TrainBackend>(
    engine: &Collective<B::InnerBackend>,
    model: &SwavModel<B>,
    views: Vec<Tensor<B, 4>>,
) -> Result<Vec<Tensor<B, 2>>, DistError> {
    let (fc1, bn, fc2) = model.head().layers();
    let hidden: Vec<Tensor<B, 2>> = model.encode_views(views).into_iter().map(|f| fc1.forward(f)).collect();
    let normed = sync_batch_norm(engine, bn, hidden)?;
    Ok(normed.into_iter().map(|h| l2_normalize(fc2.forward(relu(h)))).collect())
}

/// SwAV codes of the last `keep` rows of `scores` (this peer's rows), sharded over the peers.
fn sharded_codes<B: TrainBackend>(
    engine: &mut Collective<B::InnerBackend>,
    scores: Tensor<B, 2>,
    keep: usize,
    params: &SwavParams,
) -> Result<Tensor<B, 2>> {
    let [n, k] = scores.dims();
    let device = scores.device();
    let data = scores.detach().into_data().into_vec::<f32>().map_err(Error::TensorRead).context("SwAV scores")?;
    let params = params.keep_last(Some(keep));
    let mut codes = vec![0.0f32; keep * k];
    let mut scratch = vec![0.0f32; swav_scratch(n, k)];
    let m = MatRef::new(&data, n, k, "scores")?;
    swav_codes(m, &params, &mut codes, &mut scratch, engine).map_err(|e| match engine.check() {
        Err(d) => Error::from(d),
        Ok(()) => Error::from(e).context("SwAV codes"),
    })?;
    Ok(Tensor::from_data(TensorData::new(codes, [keep, k]), &device))
}

/// Trains SwAV as one rank of the run `spec`; see the module documentation.
pub(super) fn train<B: TrainBackend>(
    cfg: &SwavConfig,
    split: &Split,
    ctx: &TrainContext,
    spec: &DistSpec,
    device: &B::Device,
) -> Result<Trained> {
    let set = &split.train;
    check_shardable(cfg, spec.peers, ctx.resume)?;
    let mut engine = Collective::<B::InnerBackend>::join(spec, device.clone(), run_fingerprint(cfg, split, ctx.seed))?;
    let (rank, peers) = (engine.rank(), engine.peers());
    let primary = rank == 0;
    B::seed(device, ctx.seed);
    let model: SwavModel<B> = cfg.init(device);
    // burn initialises most parameters lazily, at their first use: in the single-process run,
    // in the first forward pass of epoch 0, after the epoch's re-seeding. The broadcast reads
    // them first (in module order, which is also the forward order), so re-seed as epoch 0 does.
    B::seed(device, ctx.seed);
    let mut model = ddp::broadcast_module(&engine, model)?;
    let mut optim = adam(cfg.weight_decay).init::<B, SwavModel<B>>();
    let ckpt = Checkpoint::new(&ctx.out);
    let mut state = State::default();
    let params = SwavParams::default().eps(cfg.epsilon).iterations(cfg.sinkhorn_iterations);
    let queue_local = cfg.queue_length / peers;
    let batches_per_epoch = set.n.div_ceil(cfg.batch_size) as u64;
    let (mut sinkhorn_time, mut step_time, mut steps) = (Duration::ZERO, Duration::ZERO, 0u64);
    let traffic_start = engine.traffic();
    for epoch in 0..cfg.epochs {
        B::seed(device, ctx.seed.wrapping_add(epoch as u64));
        let progress = Progress::new("swav", batches_per_epoch, ctx.quiet || !primary);
        let mut rng = epoch_rng(ctx.seed, epoch, 1);
        let mut meter = EpochMeter::new();
        let frozen = if epoch < cfg.freeze_prototypes_epochs { vec![model.prototypes.id] } else { vec![] };
        for idx in epoch_batches(set.n, cfg.batch_size, ctx.seed, epoch, true) {
            let t_step = Instant::now();
            let rows = shard_rows(idx.len(), rank, peers);
            let b = rows.len();
            let views: Vec<Tensor<B, 4>> = multi_crop::<B>(cfg, set, &idx, &mut rng, device)
                .into_iter()
                .map(|v| v.narrow(0, rows.start, b))
                .collect();
            model = model.normalize_prototypes();
            let projections = project_synced(&engine, &model, views)?;
            let c = model.prototypes.val();
            let scores: Vec<Tensor<B, 2>> =
                projections.iter().map(|z| z.clone().matmul(c.clone().transpose())).collect();
            let mut codes = Vec::with_capacity(2);
            for (s, z) in projections.iter().take(2).enumerate() {
                let queued = state.queue[s].len() / cfg.projection;
                let input = if queued > 0 {
                    let q = Tensor::<B, 2>::from_data(
                        TensorData::new(state.queue[s].clone(), [queued, cfg.projection]),
                        device,
                    );
                    Tensor::cat(vec![q.matmul(c.clone().transpose()), scores[s].clone()], 0)
                } else {
                    scores[s].clone()
                };
                let t_sk = Instant::now();
                codes.push(sharded_codes::<B>(&mut engine, input, b, &params)?);
                sinkhorn_time += t_sk.elapsed();
                if queue_local > 0 {
                    let (zv, _, _) = crate::nn::to_matrix(z.clone().detach())?;
                    let queue = &mut state.queue[s];
                    queue.splice(0..0, zv);
                    queue.truncate(queue_local * cfg.projection);
                }
            }
            // This peer's share of the global mean: its rows' mean × b / global batch.
            let loss =
                swapped_prediction_loss(&scores, &codes, cfg.temperature).mul_scalar(b as f64 / idx.len() as f64);
            let (m, value) = ddp::step(&engine, model, &mut optim, loss, cfg.learning_rate, &frozen)?;
            model = m;
            step_time += t_step.elapsed();
            steps += 1;
            meter.batch(value, idx.len(), &progress, epoch, cfg.epochs);
        }
        state.history.epochs.push(meter.finish("train", epoch, cfg.epochs, &progress, BTreeMap::new()));
        state.epochs_done = epoch + 1;
        if primary {
            ckpt.save(&model, &optim, &state)?;
        }
    }
    let model = model.normalize_prototypes();
    engine.agree("the parameters after training (the peers drifted apart)", ddp::fingerprint::<B, _>(&model))?;
    let traffic = engine.traffic();
    let mut extra = serde_json::Map::new();
    extra.insert("peers".into(), peers.into());
    if steps > 0 {
        let per_step = |x: u64| (x as f64 / steps as f64).into();
        extra.insert("step_s".into(), (step_time.as_secs_f64() / steps as f64).into());
        extra.insert("sinkhorn_share_of_step".into(), (sinkhorn_time.as_secs_f64() / step_time.as_secs_f64()).into());
        extra.insert("allreduce_calls_per_step".into(), per_step(traffic.calls - traffic_start.calls));
        extra.insert("allreduce_bytes_per_step".into(), per_step(traffic.bytes() - traffic_start.bytes()));
    }
    if !primary {
        let empty = Matrix::default();
        return Ok(Trained {
            history: state.history,
            train_embedding: empty.clone(),
            test_embedding: empty,
            head_test: None,
            extra,
        });
    }
    save_model(&model, &ctx.out)?;
    let valid = model.valid();
    let (train_embedding, test_embedding) = embed_split(split, device, |x| valid.embed(x))?;
    Ok(Trained { history: state.history, train_embedding, test_embedding, head_test: None, extra })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unshardable_settings_are_named() {
        let cfg = SwavConfig::new().with_batch_size(6).with_queue_length(12);
        assert!(check_shardable(&cfg, 4, false).unwrap_err().to_string().contains("multiple of --peers"));
        assert!(check_shardable(&cfg, 3, false).is_ok());
        assert!(check_shardable(&cfg, 3, true).unwrap_err().to_string().contains("--resume"));
        assert!(check_shardable(&cfg.with_queue_length(0), 8, false).unwrap_err().to_string().contains("smaller"));
    }
}
