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
    /// Re-cluster the encoder's own embedding every this many epochs, the classifier restarting
    /// from the new centres (0: never). Measured on MNIST-6k (8 epochs): every 4 epochs lowered
    /// the linear probe from 0.938 to 0.879, so it is off by default.
    #[config(default = 0)]
    pub recluster_every: usize,
    /// k-means restarts of each clustering.
    #[config(default = 3)]
    pub kmeans_restarts: usize,
    /// Maximum translation (pixels) of the training augmentation.
    #[config(default = 2)]
    pub max_shift: usize,
    /// Also train a single-label (l = 1) model with the same budget and report its linear-probe
    /// and kNN accuracy beside this one's (the paper's ablation; needs labelled data).
    #[config(default = true)]
    pub single_label_ablation: bool,
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
