//! GPC's settings.

use crate::nn::ConvEncoderConfig;
use crate::pipelines::Profile;
use burn::prelude::*;

/// Settings of a GPC run (serde JSON through burn's `Config`; `--config` reads one).
#[derive(Config, Debug)]
pub struct GpcConfig {
    /// Encoder; its output width is the embedding the mixture is fitted on.
    #[config(default = "ConvEncoderConfig::new().with_out(16)")]
    pub encoder: ConvEncoderConfig,
    /// Number of old classes (labels `0..old_classes`); the rest are new.
    #[config(default = 5)]
    pub old_classes: usize,
    /// Fraction of each old class's training rows that is labelled.
    #[config(default = 0.5)]
    pub labelled_fraction: f64,
    /// Warm-up epochs on the representation loss alone (supervised + self-supervised
    /// contrastive, GCD's loss) before the first mixture.
    #[config(default = 3)]
    pub warmup_epochs: usize,
    /// Rounds of (semi-supervised EM + split/merge) → encoder epochs (3 rounds measured
    /// All 0.780 ± 0.047 on MNIST-3k, seeds 0–2; 5 rounds 0.835 ± 0.043).
    #[config(default = 5)]
    pub rounds: usize,
    /// Encoder epochs per round.
    #[config(default = 1)]
    pub epochs_per_round: usize,
    /// Images per batch (two augmented views each).
    #[config(default = 128)]
    pub batch_size: usize,
    /// Adam learning rate.
    #[config(default = 1e-3)]
    pub learning_rate: f64,
    /// Adam L2 weight decay.
    #[config(default = 0.0)]
    pub weight_decay: f64,
    /// Temperature τ of the instance and supervised contrastive terms.
    #[config(default = 0.1)]
    pub contrastive_temperature: f64,
    /// Weight λ of the supervised term: (1 − λ)·L_self + λ·L_sup (GCD's 0.35).
    #[config(default = 0.35)]
    pub sup_weight: f64,
    /// Weight of the prototype contrastive term in the rounds (measured on MNIST-3k, seed 0:
    /// 0.5 with 3 warm-up epochs gave semi-supervised k-means 0.876 All on the final
    /// embedding, against 0.775 with 1.0 and 2 warm-up epochs).
    #[config(default = 0.5)]
    pub proto_weight: f64,
    /// Mean of the per-cluster temperatures φ_k (PCL/GPC rescale φ to this mean).
    #[config(default = 0.1)]
    pub proto_temperature: f64,
    /// Area fraction range of the random resized crops.
    #[config(default = "(0.7, 1.0)")]
    pub crop_scale: (f32, f32),
    /// Standard deviation of the Gaussian pixel noise of every view.
    #[config(default = 0.05)]
    pub noise: f32,
    /// DP concentration α of the split/merge Hastings ratios (GPC: 1).
    #[config(default = 1.0)]
    pub alpha: f64,
    /// NIW κ.
    #[config(default = 1e-4)]
    pub prior_kappa: f64,
    /// NIW Ψ = s·I: the scale s (DeepDPM/GPC 0.005); ν = D + 2.
    #[config(default = 0.005)]
    pub prior_sigma_scale: f64,
    /// GPC's fixed acceptance probability of a failing move (`None`: exact min(1, H)).
    #[config(default = "None")]
    pub fixed_acceptance: Option<f64>,
    /// Split/merge sweeps per mixture fit.
    #[config(default = 20)]
    pub max_sweeps: usize,
    /// K₀ of every round's mixture: split/merge starts from this many components (the
    /// labelled classes' plus D²-seeded ones) and merges down. Deliberately above any expected
    /// K and not the true K (measured on MNIST embeddings: started at 6 = old + 1, K̂ sticks at
    /// 7–8 because the 2-means split proposals of mixed clusters are rejected; from 20 it
    /// merges down to 10–11).
    #[config(default = 20)]
    pub k_init: usize,
    /// Upper bound on K.
    #[config(default = 30)]
    pub k_max: usize,
    /// Semi-supervised k-means restarts of the mixture refitted on the final embedding
    /// ([`super::refit`]); 0: no refit. (Measured on MNIST-3k, seeds 0–2: with the rounds'
    /// prototypes also taken from the refit, K̂ drifted to 8–9 during the rounds and the final
    /// All fell to 0.71 in seed 1, so the rounds keep split/merge's own assignments.)
    #[config(default = 10)]
    pub refit_restarts: usize,
    /// The refit is tried at every K within this distance of split/merge's final K̂; the best
    /// DP-NIW log partition score decides ([`super::refit::select_refit`]).
    #[config(default = 2)]
    pub refit_window: usize,
    /// The final labels: `refit` (the refitted mixture's argmax), `mixture` (the argmax
    /// of split/merge's own final mixture) or `sskmeans` (GPC's released procedure:
    /// semi-supervised k-means with K = K̂). All three are always reported.
    #[config(default = "String::from(\"refit\")")]
    pub final_assignment: String,
    /// Also train a GCD baseline encoder (the representation loss only, as many epochs as
    /// GPC) and score semi-supervised k-means on it.
    #[config(default = true)]
    pub baseline_encoder: bool,
}

impl GpcConfig {
    /// The settings of a profile: `quick` is the default above; `full` trains longer with a
    /// wider encoder.
    pub fn for_profile(profile: Profile) -> Self {
        match profile {
            Profile::Quick => Self::new(),
            Profile::Full => Self::new()
                .with_encoder(ConvEncoderConfig::full_profile().with_out(16))
                .with_warmup_epochs(6)
                .with_rounds(8)
                .with_epochs_per_round(2)
                .with_batch_size(256),
        }
    }

    /// Total encoder epochs (warm-up + rounds × epochs per round).
    pub fn total_epochs(&self) -> usize {
        self.warmup_epochs + self.rounds * self.epochs_per_round
    }
}
