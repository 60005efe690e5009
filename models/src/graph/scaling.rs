//! The linear-versus-quadratic cost of PamC's meta-node loss against the dense InfoNCE: both
//! trained for a few epochs on contextual SBM graphs of growing size N (same encoder, same
//! settings but R = 2, one pretraining epoch, one k-means restart), recording the mean seconds
//! per clustering epoch, the seconds of the contrastive term's own forward and backward pass
//! and the run's peak resident memory ([`super::memory`]). The dense
//! baseline stops at the first N whose n×n matrices the memory check refuses (or that fails);
//! the report keeps the reason.

use super::csbm::{CsbmParams, csbm};
use super::memory::{peak_mb, reset_peak};
use super::pamc::{Negatives, PamcConfig, train_pamc};
use super::source::CSBM_CLASSES;
use crate::Result;
use crate::pipelines::run::RunSpec;
use crate::train::TrainBackend;
use crate::train::device::{Job, dispatch};
use serde::Serialize;

/// One method at one size.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ScalingPoint {
    /// `pamc` or `infonce`.
    pub method: String,
    /// Nodes.
    pub n: usize,
    /// Stored entries of the propagated adjacency.
    pub nnz: usize,
    /// Mean seconds per clustering epoch (0 when it did not run).
    pub epoch_s: f64,
    /// Seconds of a forward and backward pass of the contrastive term alone (0 when it did not run).
    pub contrast_s: f64,
    /// Peak resident memory of the run, MB (0 when unknown or not run).
    pub peak_mb: f64,
    /// Why the method did not run at this size.
    pub error: Option<String>,
}

/// Clustering epochs timed at each size.
const SWEEP_EPOCHS: usize = 3;

struct SweepJob<'a> {
    cfg: &'a PamcConfig,
    graph: &'a super::GraphData,
    seed: u64,
}

impl Job for SweepJob<'_> {
    type Output = Result<super::outcome::GraphTrained>;
    fn run<B: TrainBackend>(self, device: B::Device) -> Self::Output {
        train_pamc::<B>(self.graph, self.cfg, CSBM_CLASSES, self.seed, true, &device)
    }
}

/// Runs the sweep over `base.scaling_sizes` with the encoder of `base`; `label` names the run in the
/// progress line.
pub fn scaling_sweep(base: &PamcConfig, spec: &RunSpec, label: &str) -> Result<Vec<ScalingPoint>> {
    let mut points = Vec::new();
    let mut dense_stopped: Option<String> = None;
    for &n in &base.scaling_sizes {
        let g = csbm(&CsbmParams::sparse(n, CSBM_CLASSES), spec.seed)?;
        for (method, negatives) in [("pamc", Negatives::MetaHard), ("infonce", Negatives::Dense)] {
            if !spec.quiet {
                eprintln!("{label}: scaling sweep, {method} on csbm-{n}");
            }
            let mut point = ScalingPoint {
                method: method.into(),
                n,
                nnz: 0,
                epoch_s: 0.0,
                contrast_s: 0.0,
                peak_mb: 0.0,
                error: None,
            };
            if let (Negatives::Dense, Some(why)) = (negatives, &dense_stopped) {
                point.error = Some(format!("not run: stopped at a smaller N ({why})"));
                points.push(point);
                continue;
            }
            let cfg = PamcConfig {
                negatives,
                order: 2,
                pretrain_epochs: 1,
                epochs: SWEEP_EPOCHS,
                kmeans_restarts: 1,
                scaling_sizes: Vec::new(),
                ..base.clone()
            };
            let measured = reset_peak();
            match dispatch(spec.device, SweepJob { cfg: &cfg, graph: &g, seed: spec.seed }).and_then(|r| r) {
                Ok(t) => {
                    let secs: Vec<f64> =
                        t.history.epochs.iter().filter(|e| e.phase == "train").map(|e| e.seconds).collect();
                    point.epoch_s = secs.iter().sum::<f64>() / secs.len().max(1) as f64;
                    point.peak_mb = if measured { peak_mb().unwrap_or(0.0) } else { 0.0 };
                    point.nnz = t.extra.get("propagated_nnz").and_then(|v| v.as_u64()).unwrap_or(0) as usize;
                    point.contrast_s = t.extra.get("contrast_s").and_then(|v| v.as_f64()).unwrap_or(0.0);
                }
                Err(e) => {
                    if negatives == Negatives::Dense {
                        dense_stopped = Some(format!("N = {n}"));
                    }
                    point.error = Some(e.to_string());
                }
            }
            points.push(point);
        }
    }
    Ok(points)
}
