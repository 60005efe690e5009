//! DEPICT's settings.

use crate::nn::ConvAutoencoderConfig;
use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// The target distribution of the M-step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DepictTarget {
    /// The paper's q_ik ∝ p_ik / √(Σ_i p_ik).
    Sqrt,
    /// DEC's q_ik ∝ p_ik² / Σ_i p_ik (DEPICT's released code).
    Square,
}

/// Settings of a DEPICT run.
#[derive(Config, Debug)]
pub struct DepictConfig {
    /// Autoencoder (its embedding dimension is the number of clusters).
    pub autoencoder: ConvAutoencoderConfig,
    /// Target of the M-step. Default: the released code's DEC square (measured on MNIST-6k,
    /// 12 + 2 + 12 epochs: ACC 0.612 against 0.577 for the paper's square root at 8 + 2 + 8).
    #[config(default = "DepictTarget::Square")]
    pub target: DepictTarget,
    /// Epochs of reconstruction-only pretraining.
    #[config(default = 10)]
    pub pretrain_epochs: usize,
    /// Epochs of cross-entropy against the hard k-means labels after the head is initialised.
    #[config(default = 2)]
    pub warmup_epochs: usize,
    /// Clustering epochs at most (E-step + one M-step epoch each).
    #[config(default = 10)]
    pub epochs: usize,
    /// Stop when the mean squared change of Q between E-steps falls below this.
    #[config(default = 1e-7)]
    pub tolerance: f64,
    /// k-means restarts of the head initialisation.
    #[config(default = 20)]
    pub kmeans_restarts: usize,
    /// Weight of the input reconstruction.
    #[config(default = 1.0)]
    pub input_weight: f64,
    /// Weight of each intermediate layer's reconstruction.
    #[config(default = 0.1)]
    pub layer_weight: f64,
    /// Images per batch.
    #[config(default = 100)]
    pub batch_size: usize,
    /// Adam learning rate.
    #[config(default = 1e-3)]
    pub learning_rate: f64,
}
