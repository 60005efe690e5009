//! MaxQuery (Yuan et al., CVPR 2023, "Devil is in the Queries"): a small mask transformer whose
//! object queries act as the cluster centres of the inlier pixel features, so the best
//! pixel–query affinity localises out-of-distribution regions.
//!
//! - [`model`]: per-pixel CNN features F, N learned queries C refined by cross-attention,
//!   cosine affinities S = F̂ Ĉᵀ, soft assignment A = softmax_n(S/τ), class masks Ŷ = A·P_cls.
//! - [`loss`]: CE + Dice on Ŷ, the query-distribution (QD) regulariser, and the appearance
//!   reconstruction and pull terms that make the queries cluster centres of features which
//!   keep the local appearance ([`appearance`]: the reconstruction targets).
//! - [`scores`]: the per-pixel OOD scores (MaxQuery, its probability variant, MSP, energy).
//! - [`train`]: the training loop and the scoring of the test crops.
//! - [`kmeans_queries`]: the training-free baseline whose queries are the core's k-means
//!   centres of hand-made pixel features.

pub mod appearance;
pub mod kmeans_queries;
pub mod loss;
pub mod model;
pub mod scores;
pub mod train;

use crate::pipelines::Profile;
use crate::{Error, Result};
use appearance::AppearanceTarget;
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
    /// Weight λ_rec of the appearance reconstruction (0: no reconstruction head).
    #[serde(default)]
    pub lambda_rec: f64,
    /// What the reconstruction head reads back.
    #[serde(default)]
    pub rec_target: AppearanceTarget,
    /// Radius r of the reconstructed (2r+1)×(2r+1) neighbourhoods.
    #[serde(default = "default_rec_radius")]
    pub rec_radius: usize,
    /// Weight λ_pull of the pull of the features towards their queries.
    #[serde(default)]
    pub lambda_pull: f64,
    /// Epochs over which the pull's weight ramps linearly from 0 to λ_pull (DCN's
    /// pre-training before its k-means term), so that the classes separate before the
    /// features are drawn to their queries.
    #[serde(default)]
    pub pull_warmup_epochs: usize,
}

/// The default neighbourhood radius of the reconstruction term.
fn default_rec_radius() -> usize {
    2
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
            lambda_rec: 0.0,
            rec_target: AppearanceTarget::Patch,
            rec_radius: default_rec_radius(),
            lambda_pull: 0.0,
            pull_warmup_epochs: 0,
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

    /// The pull's weight at optimiser step `step` (0-based, counted over the whole run).
    pub fn pull_weight(&self, step: usize) -> f64 {
        let ramp = self.pull_warmup_epochs * self.steps_per_epoch;
        if ramp == 0 { self.lambda_pull } else { self.lambda_pull * (step as f64 / ramp as f64).min(1.0) }
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
        let weights = [self.lambda_dice, self.lambda_qd, self.lambda_rec, self.lambda_pull];
        if !(self.tau > 0.0 && self.lr > 0.0 && weights.iter().all(|&w| w >= 0.0)) {
            return Err(Error::InvalidConfig(
                "maxquery: tau and lr must be positive, the loss weights non-negative".into(),
            ));
        }
        Ok(())
    }
}
