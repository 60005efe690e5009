//! `clasp bench swav-step|depict-step|mlcd-step`: one training step of each image pipeline
//! (its quick-profile network, batch and views on 28 × 28 MNIST-shaped input) on the CPU
//! training backend (burn `flex` with autodiff), through the same step function the pipeline's
//! training loop calls, as the replica of a one-process run ([`Replica::solo`]). Timed as
//! `bench/torch/steps.py` times PyTorch's step: 3 warm-up steps, then `repeat` runs of
//! [`STEPS`] steps; `ms_per_iter` is the best run's time per step, `images_per_s` the batch
//! over it. The step's input is random (its cost does not depend on the pixel values) and made
//! once, before the timing; SwAV's host-side crops are not timed.

use super::timing::Timing;
use crate::data::ImageSet;
use crate::distributed::Replica;
use crate::pipelines::{Pipeline, Profile, depict, mlcd, swav};
use crate::train::adam;
use crate::train::device::CpuBackend;
use crate::{Error, Result};
use burn::prelude::*;
use burn::tensor::Distribution;
use clasp_core::sinkhorn::SwavParams;
use rand::seq::index::sample;
use serde_json::{Value, json};
use std::time::Instant;

/// Steps per timed run.
pub const STEPS: usize = 10;
/// Untimed steps before the first run (allocator, Adam state).
const WARMUP: usize = 3;
/// Side of the MNIST-shaped images.
const SIDE: usize = 28;
/// Classes of the stand-in labels (MNIST's), which size DEPICT's embedding and MLCD's centres.
const CLASSES: usize = 10;

type B = CpuBackend;

/// `n` random MNIST-shaped images with labels `i mod 10`, for a profile's configuration.
fn stand_in(n: usize) -> ImageSet {
    let mut rng = crate::train::epoch_rng(0, 0, 0);
    let pixels = (0..n * SIDE * SIDE).map(|_| rand::RngExt::random::<f32>(&mut rng)).collect();
    ImageSet {
        name: "random-28x28".into(),
        pixels,
        n,
        height: SIDE,
        width: SIDE,
        labels: Some((0..n).map(|i| i % CLASSES).collect()),
        class_names: (0..CLASSES).map(|c| c.to_string()).collect(),
    }
}

/// Runs `step` on `state` [`WARMUP`] times, then `repeat` runs of [`STEPS`] steps; the best and
/// median time per step of the runs, and the last state.
fn time_steps<S>(repeat: usize, mut state: S, mut step: impl FnMut(S) -> Result<S>) -> Result<(Timing, S)> {
    for _ in 0..WARMUP {
        state = step(state)?;
    }
    let mut runs = Vec::with_capacity(repeat.max(1));
    for _ in 0..repeat.max(1) {
        let t0 = Instant::now();
        for _ in 0..STEPS {
            state = step(state)?;
        }
        runs.push(t0.elapsed().as_secs_f64() * 1e3 / STEPS as f64);
    }
    runs.sort_by(f64::total_cmp);
    Ok((Timing { best_ms: runs[0], median_ms: runs[runs.len() / 2] }, state))
}

/// The record of a step workload.
fn record(t: Timing, batch: usize) -> Value {
    json!({
        "ms_per_iter": t.best_ms, "ms_median": t.median_ms, "images_per_s": batch as f64 * 1e3 / t.best_ms,
        "batch": batch, "steps": STEPS, "backend": "flex",
    })
}

/// SwAV's step: 2 global 28 × 28 and 4 local 17 × 17 views of 128 images, codes of the global
/// views by clasp's Sinkhorn; also the Sinkhorn share of the steps (warm-up included).
pub fn swav_step(repeat: usize) -> Result<Value> {
    let device = Default::default();
    let cfg = swav::Swav::config(Profile::Quick, &stand_in(1));
    let set = stand_in(cfg.batch_size);
    let idx: Vec<usize> = (0..set.n).collect();
    let views = swav::multi_crop::<B>(&cfg, &set, &idx, &mut crate::train::epoch_rng(0, 0, 1), &device);
    B::seed(&device, 0);
    let model: swav::SwavModel<B> = cfg.init(&device);
    let mut optim = adam(cfg.weight_decay).init::<B, swav::SwavModel<B>>();
    let params = SwavParams::default().eps(cfg.epsilon).iterations(cfg.sinkhorn_iterations);
    let mut queue = [Vec::new(), Vec::new()];
    let mut replica = Replica::<B>::solo(&device);
    let (t, model) = time_steps(repeat, model, |model| {
        replica.batch(cfg.batch_size);
        Ok(swav::train_step(&cfg, &mut replica, model, &mut optim, views.clone(), &mut queue, &params, &[])?.0)
    })?;
    let mut r = record(t, cfg.batch_size);
    r["views"] = json!(views.len());
    r["sinkhorn_share"] = replica.finish(&model)?.remove("sinkhorn_share_of_step").unwrap_or(Value::Null);
    Ok(r)
}

/// DEPICT's clustering step (noisy and clean passes, layer-wise reconstruction, relative
/// entropy against the batch's targets) on 100 images.
pub fn depict_step(repeat: usize) -> Result<Value> {
    let device = Default::default();
    let cfg = depict::Depict::config(Profile::Quick, &stand_in(CLASSES));
    let (n, k) = (cfg.batch_size, cfg.autoencoder.embedding);
    B::seed(&device, 0);
    let x = Tensor::<B, 4>::random([n, 1, SIDE, SIDE], Distribution::Uniform(-1.0, 1.0), &device);
    let q = burn::tensor::activation::softmax(Tensor::<B, 2>::random([n, k], Distribution::Default, &device), 1);
    let model: depict::DepictModel<B> = cfg.init(&device);
    let mut optim = adam(0.0).init::<B, depict::DepictModel<B>>();
    let mut replica = Replica::<B>::solo(&device);
    let (t, _) = time_steps(repeat, model, |model| {
        replica.batch(n);
        Ok(depict::train_step(&cfg, &mut replica, model, &mut optim, x.clone(), Some(q.clone()))?.0)
    })?;
    Ok(record(t, n))
}

/// MLCD's step: 128 images, 100 centres, l = 4 positives per image, every other centre a
/// negative (the quick profile's r = 1).
pub fn mlcd_step(repeat: usize) -> Result<Value> {
    let device = Default::default();
    let cfg = mlcd::Mlcd::config(Profile::Quick, &stand_in(CLASSES));
    let (n, kc) = (cfg.batch_size, cfg.centres);
    if cfg.positives > kc {
        return Err(Error::Internal(format!("mlcd quick profile: {} positives > {kc} centres", cfg.positives)));
    }
    let mut rng = crate::train::epoch_rng(0, 0, 2);
    let mut pos = vec![0.0f32; n * kc];
    for row in pos.chunks_mut(kc) {
        sample(&mut rng, kc, cfg.positives).into_iter().for_each(|j| row[j] = 1.0);
    }
    let neg: Vec<f32> = pos.iter().map(|p| 1.0 - p).collect();
    B::seed(&device, 0);
    let x = Tensor::<B, 4>::random([n, 1, SIDE, SIDE], Distribution::Default, &device);
    let pos = Tensor::<B, 2>::from_data(TensorData::new(pos, [n, kc]), &device);
    let neg = Tensor::<B, 2>::from_data(TensorData::new(neg, [n, kc]), &device);
    let model: mlcd::MlcdModel<B> = cfg.init(&device);
    let mut optim = adam(0.0).init::<B, mlcd::MlcdModel<B>>();
    let mut replica = Replica::<B>::solo(&device);
    let (t, _) = time_steps(repeat, model, |model| {
        replica.batch(n);
        Ok(mlcd::train_step(&cfg, &mut replica, model, &mut optim, x.clone(), pos.clone(), neg.clone())?.0)
    })?;
    Ok(record(t, n))
}
