//! MaxQuery (Yuan et al., CVPR 2023, "Devil is in the Queries"): a small mask transformer whose
//! object queries act as the cluster centres of the inlier pixel features, so the best
//! pixel–query affinity localises out-of-distribution regions.
//!
//! - [`model`]: per-pixel CNN features F, N learned queries C refined by cross-attention,
//!   cosine affinities S = F̂ Ĉᵀ, soft assignment A = softmax_n(S/τ), class masks Ŷ = A·P_cls.
//! - [`loss`]: CE + Dice on Ŷ, and the query-distribution (QD) regulariser.
//! - [`scores`]: the per-pixel OOD scores (MaxQuery, its probability variant, MSP, energy).
//! - [`train`]: the training loop and the scoring of the test crops.
//! - [`kmeans_queries`]: the training-free baseline whose queries are the core's k-means
//!   centres of hand-made pixel features.

pub mod kmeans_queries;
pub mod loss;
pub mod model;
pub mod scores;
pub mod train;

use crate::pipelines::Profile;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// The pixel–query affinity S.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Affinity {
    /// Cosine similarity F̂ Ĉᵀ (rows L2-normalised), in [−1, 1].
    #[default]
    Cosine,
    /// Negative squared Euclidean distance −‖F_i − C_n‖² (queries as k-means-like centres).
    Distance,
}

/// Settings of a MaxQuery run (written as `config.json`; `--config` reads one back).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct MaxQueryConfig {
    /// Epochs (`--epochs`); an epoch is `steps_per_epoch` optimiser steps on fresh crops.
    pub epochs: usize,
    /// Steps per epoch.
    pub steps_per_epoch: usize,
    /// Crops per step.
    pub batch: usize,
    /// Side of the training crops (limited by the smallest image).
    pub crop: usize,
    /// Side of the test crops.
    pub test_crop: usize,
    /// Number of test crops.
    pub test_crops: usize,
    /// Object queries N.
    pub queries: usize,
    /// Feature dimension d.
    pub dim: usize,
    /// Channels of the first convolution (the second has 2×).
    pub channels: usize,
    /// Cross-attention decoder layers.
    pub decoder_layers: usize,
    /// The affinity S.
    #[serde(default)]
    pub affinity: Affinity,
    /// Temperature τ of A = softmax(S/τ).
    pub tau: f64,
    /// Adam learning rate.
    pub lr: f64,
    /// Weight of the Dice loss.
    pub lambda_dice: f64,
    /// Weight of the QD loss of the main model (the ablation trains the same model with 0).
    pub lambda_qd: f64,
    /// Pixels sampled for the k-means-query baseline.
    pub kmeans_pixels: usize,
}

impl MaxQueryConfig {
    /// The profile's settings: `quick` ≈ 1 minute per run on 2 cores (release), `full` larger.
    pub fn for_profile(profile: Profile) -> Self {
        let quick = MaxQueryConfig {
            epochs: 6,
            steps_per_epoch: 40,
            batch: 8,
            crop: 48,
            test_crop: 64,
            test_crops: 24,
            queries: 12,
            dim: 32,
            channels: 16,
            decoder_layers: 2,
            affinity: Affinity::Cosine,
            tau: 0.1,
            lr: 2e-3,
            lambda_dice: 1.0,
            lambda_qd: 1.0,
            kmeans_pixels: 20_000,
        };
        match profile {
            Profile::Quick => quick,
            Profile::Full => MaxQueryConfig {
                epochs: 20,
                steps_per_epoch: 50,
                batch: 12,
                crop: 64,
                test_crops: 64,
                queries: 16,
                dim: 48,
                ..quick
            },
        }
    }

    /// Checks the settings.
    pub fn check(&self) -> Result<()> {
        let positive = [
            ("epochs", self.epochs),
            ("steps_per_epoch", self.steps_per_epoch),
            ("batch", self.batch),
            ("crop", self.crop),
            ("test_crop", self.test_crop),
            ("test_crops", self.test_crops),
            ("queries", self.queries),
            ("dim", self.dim),
            ("channels", self.channels),
            ("kmeans_pixels", self.kmeans_pixels),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(Error::InvalidConfig(format!("maxquery: `{name}` must be positive")));
        }
        if self.crop < 8 || self.test_crop < 8 {
            return Err(Error::InvalidConfig("maxquery: crops must be at least 8 pixels wide".into()));
        }
        if !(self.tau > 0.0 && self.lr > 0.0 && self.lambda_dice >= 0.0 && self.lambda_qd >= 0.0) {
            return Err(Error::InvalidConfig(
                "maxquery: tau and lr must be positive, the loss weights non-negative".into(),
            ));
        }
        Ok(())
    }
}
