//! MGCA's settings.

use crate::multimodal::data::PairSource;
use crate::pipelines::Profile;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};

/// Weights of the three alignment losses (an ablation sets one to 0).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct LossWeights {
    /// Instance-level InfoNCE.
    pub instance: f64,
    /// Token-level cross-attention alignment.
    pub token: f64,
    /// Prototype-level swapped prediction.
    pub prototype: f64,
}

impl Default for LossWeights {
    fn default() -> Self {
        LossWeights { instance: 1.0, token: 1.0, prototype: 1.0 }
    }
}

/// Settings of an MGCA run (JSON as `config.json`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MgcaConfig {
    /// Width of an encoder's global feature (the linearly probed representation).
    pub hidden: usize,
    /// Width of a token's feature inside a token encoder.
    pub token_width: usize,
    /// Dimension of the projections z and of the prototypes.
    pub embed_dim: usize,
    /// Number of shared prototypes K.
    pub prototypes: usize,
    /// Loss weights.
    pub weights: LossWeights,
    /// τ of the instance InfoNCE.
    pub instance_temperature: f64,
    /// τ of the token attention and of the local InfoNCE.
    pub token_temperature: f64,
    /// τ of the prototype predictions.
    pub prototype_temperature: f64,
    /// Sinkhorn ε of the codes.
    pub epsilon: f64,
    /// Sinkhorn iterations of the codes.
    pub sinkhorn_iterations: usize,
    /// Epochs during which the prototypes get no gradient.
    pub freeze_prototypes_epochs: usize,
    /// Training epochs.
    pub epochs: usize,
    /// Pairs per batch (≥ K keeps the codes balanced).
    pub batch_size: usize,
    /// Adam learning rate.
    pub learning_rate: f64,
    /// L2 weight decay.
    pub weight_decay: f64,
    /// Training pairs (MNIST halves: a stratified subset of the training part; `null` = all).
    pub train_pairs: Option<usize>,
    /// Held-out pairs (MNIST halves: a subset of the test part; `null` = all).
    pub test_pairs: Option<usize>,
    /// Image side of CSV pairs (images are resized to side × side).
    pub image_side: usize,
    /// Patch side of CSV images (tokens are patches).
    pub patch: usize,
    /// Characters per report (longer reports are cut).
    pub text_len: usize,
    /// Also train the two ablations (no prototype term, no token term) in the same run.
    pub ablations: bool,
}

impl MgcaConfig {
    /// The defaults of `profile` for `data`.
    pub fn for_data(profile: Profile, data: &PairSource) -> Self {
        let base = MgcaConfig {
            hidden: 128,
            token_width: 32,
            embed_dim: 64,
            prototypes: 30,
            weights: LossWeights::default(),
            instance_temperature: 0.07,
            token_temperature: 0.1,
            prototype_temperature: 0.2,
            epsilon: 0.05,
            sinkhorn_iterations: 3,
            freeze_prototypes_epochs: 1,
            epochs: 10,
            batch_size: 128,
            learning_rate: 1e-3,
            weight_decay: 1e-6,
            train_pairs: None,
            test_pairs: None,
            image_side: 16,
            patch: 4,
            text_len: 64,
            ablations: true,
        };
        let full = profile == Profile::Full;
        match data {
            PairSource::BreastCancer => MgcaConfig {
                hidden: 64,
                embed_dim: 32,
                prototypes: 16,
                batch_size: 64,
                epochs: if full { 200 } else { 60 },
                ..base
            },
            PairSource::MnistHalves => MgcaConfig {
                epochs: if full { 30 } else { 10 },
                train_pairs: if full { None } else { Some(5000) },
                test_pairs: if full { None } else { Some(1000) },
                ..base
            },
            PairSource::Csv(_) => {
                MgcaConfig { prototypes: 8, batch_size: 32, epochs: if full { 100 } else { 30 }, ..base }
            }
        }
    }

    /// Checks the settings that would otherwise fail deep inside training.
    pub fn check(&self) -> Result<()> {
        let positive = [
            ("hidden", self.hidden),
            ("token_width", self.token_width),
            ("embed_dim", self.embed_dim),
            ("prototypes", self.prototypes),
            ("sinkhorn_iterations", self.sinkhorn_iterations),
            ("batch_size", self.batch_size),
            ("image_side", self.image_side),
            ("patch", self.patch),
            ("text_len", self.text_len),
        ];
        if let Some((name, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return Err(Error::InvalidConfig(format!("mgca configuration: `{name}` must be positive")));
        }
        for (name, v) in [
            ("instance_temperature", self.instance_temperature),
            ("token_temperature", self.token_temperature),
            ("prototype_temperature", self.prototype_temperature),
            ("epsilon", self.epsilon),
            ("learning_rate", self.learning_rate),
        ] {
            if !(v.is_finite() && v > 0.0) {
                return Err(Error::InvalidConfig(format!(
                    "mgca configuration: `{name}` must be a positive number, not {v}"
                )));
            }
        }
        let w = self.weights;
        if [w.instance, w.token, w.prototype, self.weight_decay].iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
            return Err(Error::InvalidConfig("mgca configuration: weights and weight_decay must be ≥ 0".into()));
        }
        if w.instance + w.token + w.prototype == 0.0 {
            return Err(Error::InvalidConfig("mgca configuration: every loss weight is 0".into()));
        }
        Ok(())
    }
}
