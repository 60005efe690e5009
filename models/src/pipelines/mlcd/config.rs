//! MLCD's settings.

use crate::nn::ConvEncoderConfig;
use burn::prelude::*;

/// Settings of an MLCD run.
#[derive(Config, Debug)]
pub struct MlcdConfig {
    /// Encoder g.
    #[config(default = "ConvEncoderConfig::new()")]
    pub encoder: ConvEncoderConfig,
    /// Dimension of the frozen PCA embedding that is clustered first.
    #[config(default = 32)]
    pub pca_dim: usize,
    /// Number of cluster centres K_c (≫ the number of classes).
    #[config(default = 100)]
    pub centres: usize,
    /// Positive labels per sample l (1 = single-label cluster discrimination).
    #[config(default = 4)]
    pub positives: usize,
    /// Scale s of the cosine logits.
    #[config(default = 16.0)]
    pub scale: f64,
    /// Fraction r of the non-positive classes kept as negatives in each batch (PartialFC).
    #[config(default = 1.0)]
    pub negative_fraction: f64,
    /// Re-cluster the encoder's own embedding every this many epochs (0: never).
    #[config(default = 4)]
    pub recluster_every: usize,
    /// k-means restarts of each clustering.
    #[config(default = 3)]
    pub kmeans_restarts: usize,
    /// Maximum translation (pixels) of the training augmentation.
    #[config(default = 2)]
    pub max_shift: usize,
    /// Training epochs.
    #[config(default = 8)]
    pub epochs: usize,
    /// Images per batch.
    #[config(default = 128)]
    pub batch_size: usize,
    /// Adam learning rate.
    #[config(default = 1e-3)]
    pub learning_rate: f64,
}
