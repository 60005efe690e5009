//! PamC (Kulatilleke, Portmann, Chandra, "Efficient block contrastive learning via
//! parameter-free meta-node approximation", arXiv 2209.14067) and its dense baseline.
//!
//! Flow (`shared/notes/pipelines.md` §6): MLP autoencoder pretrained on reconstruction → z →
//! k-means (core, `n_init` restarts) → centres μ → every epoch q = Student-t(z, μ), p = DEC
//! target of q (core `target_distribution`, q²/f) → L = β·KL(p‖q) + α·(L_pos + L_neg) over the
//! sparse propagated adjacency Â = Σ_{r=1..R}(D̃⁻¹(A+I))^r (core) and K meta-nodes → full-batch
//! Adam → labels argmax q at the final epoch. The `infonce` baseline replaces L_pos + L_neg by
//! Graph-MLP's dense pairwise InfoNCE over all n² pairs (same code, same budget).

mod input;
mod loss;
mod model;
mod train;

pub use loss::{
    dense_infonce, hard_assignment, kl_divergence, meta_negative_term, meta_nodes, positive_term, student_t,
};
pub(crate) use train::argmax;
pub use train::train_pamc;

use crate::pipelines::Profile;
use serde::{Deserialize, Serialize};

/// The contrastive negatives of a run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Negatives {
    /// PamC: meta-nodes from the hard, detached argmax of q (the released code).
    MetaHard,
    /// PamC: meta-nodes weighted by the soft q (the paper's text).
    MetaSoft,
    /// The `infonce` baseline: dense pairwise InfoNCE over all node pairs.
    Dense,
}

/// PamC's settings (defaults: the README's Citeseer row α 2, β 2.5, R 3, τ 0.5, lr 1e-3 (10⁻⁴
/// in the quick profile); and three smoothing steps of the features, which PamC does not have:
/// ACC on Cora, seed 0, quick profile, 0.54 with raw features against 0.62 smoothed).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PamcConfig {
    /// Hidden widths of the encoder (paper 500, 500, 2000).
    pub hidden: Vec<usize>,
    /// Embedding width (paper 10).
    pub embed: usize,
    /// Autoencoder pretraining epochs (mini-batches of `pretrain_batch`).
    pub pretrain_epochs: usize,
    /// Pretraining batch size.
    pub pretrain_batch: usize,
    /// Pretraining learning rate.
    pub pretrain_lr: f64,
    /// Clustering epochs (full batch).
    pub epochs: usize,
    /// Clustering learning rate.
    pub lr: f64,
    /// The DEC target p is recomputed from q every this many clustering epochs and held fixed
    /// in between (DEC's update interval; 1 = every epoch, as the released PamC code).
    #[serde(default = "every_epoch")]
    pub target_every: usize,
    /// Weight α of the contrastive terms.
    pub alpha: f64,
    /// Weight β of KL(p‖q).
    pub beta: f64,
    /// Order R of the propagated adjacency.
    pub order: usize,
    /// τ multiplying the cosines.
    pub tau: f64,
    /// Which negatives.
    pub negatives: Negatives,
    /// k-means restarts of the centre initialisation (paper 20).
    pub kmeans_restarts: usize,
    /// Feature smoothing before the encoder: X ← (D̃^{-1/2}(A+I)D̃^{-1/2})^s X with s this
    /// value (0 = the paper's raw features; a parameter-free low-pass filter as in AGC / SCGC
    /// of Liu et al., not part of PamC).
    pub smoothing: usize,
    /// Node counts of the PamC-versus-InfoNCE cost sweep run after a `pamc` run
    /// ([`crate::graph::scaling`]); empty for none.
    pub scaling_sizes: Vec<usize>,
}

/// The default DEC target interval of configurations written before it existed.
fn every_epoch() -> usize {
    1
}

impl PamcConfig {
    /// The settings of a profile: `full` is the paper's network and schedule; `quick` a
    /// narrower encoder with a 32-wide embedding, 60 pretraining and 40 clustering epochs at lr
    /// 10⁻⁴ (chosen on the ACC of Cora's 500 Planetoid validation nodes, 3 seeds: 0.64 against
    /// 0.53 for the paper's 10-wide embedding, 20 pretraining epochs and lr 10⁻³).
    pub fn for_profile(profile: Profile, negatives: Negatives) -> Self {
        let (hidden, embed, pretrain_epochs, epochs, lr, scaling_sizes) = match profile {
            Profile::Quick => (vec![256, 256, 512], 32, 60, 40, 1e-4, vec![500, 1000, 2000]),
            Profile::Full => (vec![500, 500, 2000], 10, 30, 200, 1e-3, vec![1000, 3000, 10_000, 30_000, 100_000]),
        };
        Self {
            hidden,
            embed,
            pretrain_epochs,
            pretrain_batch: 256,
            pretrain_lr: 1e-3,
            epochs,
            lr,
            target_every: 1,
            alpha: 2.0,
            beta: 2.5,
            order: 3,
            tau: 0.5,
            negatives,
            kmeans_restarts: 20,
            smoothing: 3,
            scaling_sizes,
        }
    }
}
