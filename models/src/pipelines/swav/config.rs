//! SwAV's settings.

use crate::nn::ConvEncoderConfig;
use burn::prelude::*;

/// Settings of a SwAV run (serde JSON through burn's `Config`).
#[derive(Config, Debug)]
pub struct SwavConfig {
    /// Backbone.
    #[config(default = "ConvEncoderConfig::new()")]
    pub encoder: ConvEncoderConfig,
    /// Hidden width of the projection head.
    #[config(default = 128)]
    pub head_hidden: usize,
    /// Projection dimension.
    #[config(default = 32)]
    pub projection: usize,
    /// Number of prototypes K.
    #[config(default = 30)]
    pub prototypes: usize,
    /// Softmax temperature τ of the predictions.
    #[config(default = 0.1)]
    pub temperature: f64,
    /// Sinkhorn ε of the codes.
    #[config(default = 0.05)]
    pub epsilon: f64,
    /// Sinkhorn iterations of the codes.
    #[config(default = 3)]
    pub sinkhorn_iterations: usize,
    /// Number of small local crops per image (besides the two global ones).
    #[config(default = 4)]
    pub local_views: usize,
    /// Area fraction range of the global crops. (ImageNet's (0.14, 1) and (0.05, 0.14) cut
    /// 28×28 digits into stroke fragments: measured on MNIST-6k, k-means ACC 0.38 with
    /// (0.5, 1)/(0.15, 0.4) against 0.73 with these defaults.)
    #[config(default = "(0.6, 1.0)")]
    pub global_scale: (f32, f32),
    /// Area fraction range of the local crops.
    #[config(default = "(0.3, 0.6)")]
    pub local_scale: (f32, f32),
    /// Side of the local crops as a fraction of the image side.
    #[config(default = 0.6)]
    pub local_size: f64,
    /// Standard deviation of the Gaussian pixel noise added to every view.
    #[config(default = 0.05)]
    pub noise: f32,
    /// Epochs during which the prototypes get no gradient.
    #[config(default = 1)]
    pub freeze_prototypes_epochs: usize,
    /// Length of the queue of earlier projections used for the codes (0: none).
    #[config(default = 0)]
    pub queue_length: usize,
    /// Training epochs.
    #[config(default = 10)]
    pub epochs: usize,
    /// Images per batch.
    #[config(default = 128)]
    pub batch_size: usize,
    /// Adam learning rate.
    #[config(default = 1e-3)]
    pub learning_rate: f64,
    /// L2 weight decay.
    #[config(default = 1e-6)]
    pub weight_decay: f64,
}
