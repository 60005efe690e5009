//! The training stack every pipeline shares: the device/backend choice, seeded batching and
//! augmentation, the optimiser step, progress bars, checkpoints with resume, and the per-epoch
//! history.

pub mod augment;
pub mod batches;
pub mod checkpoint;
pub mod device;
pub mod history;
pub mod meter;
pub mod progress;

pub use batches::{epoch_batches, epoch_rng};
pub use checkpoint::Checkpoint;
pub use device::{Device, TrainBackend};
pub use history::{EpochLog, History};
pub use meter::EpochMeter;
pub use progress::Progress;

use crate::{Error, Result};
use burn::optim::{AdamConfig, GradientsParams, Optimizer};
use burn::prelude::*;
use burn::tensor::backend::AutodiffBackend;

/// Adam with PyTorch's defaults (ε = 1e-8; burn's default is 1e-5) and optional L2 weight decay.
pub fn adam(weight_decay: f64) -> AdamConfig {
    let cfg = AdamConfig::new().with_epsilon(1e-8);
    if weight_decay > 0.0 {
        cfg.with_weight_decay(Some(burn::optim::decay::WeightDecayConfig::new(weight_decay as f32)))
    } else {
        cfg
    }
}

/// One optimiser step on a scalar loss; returns the updated module and the loss value.
/// `skip` removes the gradients of the named parameters first (e.g. SwAV's frozen prototypes).
pub fn step<B, M, O>(
    model: M,
    optim: &mut O,
    loss: Tensor<B, 1>,
    lr: f64,
    skip: &[burn::module::ParamId],
) -> Result<(M, f64)>
where
    B: AutodiffBackend,
    M: burn::module::AutodiffModule<B>,
    O: Optimizer<M, B>,
{
    let value = loss.clone().into_scalar().elem::<f64>();
    if !value.is_finite() {
        return Err(Error::Diverged { loss: value });
    }
    let mut grads = GradientsParams::from_grads(loss.backward(), &model);
    for id in skip {
        grads.remove::<B::InnerBackend, 2>(*id);
    }
    Ok((optim.step(lr, model, grads), value))
}
