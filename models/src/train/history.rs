//! The per-epoch record of a training run (losses and any pipeline-specific numbers), kept in
//! the checkpoint and plotted in the report.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One epoch's numbers.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct EpochLog {
    /// Phase of the pipeline (e.g. "pretrain", "cluster", "train").
    pub phase: String,
    /// Epoch index within the whole run (0-based).
    pub epoch: usize,
    /// Mean training loss over the epoch's batches.
    pub loss: f64,
    /// Wall time of the epoch in seconds.
    pub seconds: f64,
    /// Images processed per second (all views counted once per source image).
    pub images_per_s: f64,
    /// Other numbers (loss terms, NMI against the previous targets, …).
    pub extra: BTreeMap<String, f64>,
}

/// Every epoch so far.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct History {
    /// In order.
    pub epochs: Vec<EpochLog>,
}

impl History {
    /// The losses of one phase, in order.
    pub fn losses(&self, phase: &str) -> Vec<f64> {
        self.epochs.iter().filter(|e| e.phase == phase).map(|e| e.loss).collect()
    }

    /// The distinct phases in order of first appearance.
    pub fn phases(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for e in &self.epochs {
            if !out.contains(&e.phase) {
                out.push(e.phase.clone());
            }
        }
        out
    }

    /// Mean training throughput over all epochs (images/s), 0 when empty.
    pub fn mean_throughput(&self) -> f64 {
        let (s, n): (f64, f64) = self.epochs.iter().fold((0.0, 0.0), |(s, n), e| (s + e.images_per_s, n + 1.0));
        if n > 0.0 { s / n } else { 0.0 }
    }
}
