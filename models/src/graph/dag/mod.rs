//! DAG (Liu et al., "Deep Adaptive and Generative K-Free Community Detection on Attributed
//! Graphs", KDD 2024), reconstructed from the abstract as `shared/notes/pipelines.md` §7
//! describes (no code or paper body is available):
//!
//! - encoder: a 2-layer GCN, H = Â_gcn·ReLU(Â_gcn·X̃·W₁ + b₁)·W₂ + b₂ with
//!   Â_gcn = D̃^{-1/2}(A+I)D̃^{-1/2} (core) applied as a sparse product on the device; X̃
//!   replaces the features of a random `mask_rate` share of the nodes (new each epoch) by a
//!   learned token;
//! - masked attribute reconstruction (GraphMAE): the masked nodes' rows of H are zeroed, a
//!   one-layer GCN decodes X̂ = Â_gcn·H̃·W_d + b_d, and L_rec = mean over masked i of
//!   (1 − cos(x_i, x̂_i))^γ; the first `warmup_epochs` train on L_rec alone;
//! - readout C = softmax((H·W_c + b)/T) over K_max communities, started either (`readout_init`
//!   `kmeans`) from a k-means over-segmentation of the warmed-up H into K_max
//!   clusters (nearest-centre logits), so the structure term merges communities and the group
//!   sparsity empties them, or from the layer's random start (`uniform`, the default: it
//!   recovers the karate factions in every seed, where `kmeans` finds 3–4), where C is near-uniform and
//!   soft modularity leaves that saddle by one bisection and stays there (K̂ = 2 on Cora and
//!   Citeseer as on the karate club);
//! - group sparsity Ω = Σ_k ‖C_{:,k}‖₂ / √n (the ℓ2,1 norm that empties whole columns);
//! - structure term −Q with the soft modularity Q = (tr(CᵀAC) − ‖Cᵀd‖²/2m)/2m, tr(CᵀAC) summed
//!   over the stored edges (O(nnz·K));
//! - L = L_rec + λ_struct·(−Q) + λ_sparse·Ω (+ λ_collapse·DMoN's collapse term, off by
//!   default), full-batch Adam; K̂ = number of non-empty columns
//!   of argmax C, labels argmax C at the final epoch.
//!
//! Baselines on the same final embedding H: the core's split/merge GMM (K from 1) and k-means
//! with K chosen by the silhouette.

mod baselines;
mod loss;
mod model;
mod train;

pub use baselines::{kmeans_silhouette, split_merge_baseline};
pub use loss::{collapse, group_sparsity, scaled_cosine_error, soft_modularity};
pub use train::train_dag;

use crate::pipelines::Profile;
use serde::{Deserialize, Serialize};

/// The readout's state when the community terms start.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadoutInit {
    /// A k-means over-segmentation of the warmed-up embedding into K_max communities
    /// (nearest-centre logits), which the modularity merges and the group sparsity empties.
    #[serde(rename = "kmeans")]
    KMeans,
    /// The layer's random initialisation: a near-uniform C, which soft modularity leaves by a
    /// bisection (the two karate factions; K̂ = 2 on Cora and Citeseer too).
    Uniform,
}

impl ReadoutInit {
    /// The setting of configurations written before the choice existed.
    fn uniform() -> Self {
        ReadoutInit::Uniform
    }
}

/// DAG's settings.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DagConfig {
    /// Hidden width of the first GCN layer.
    pub hidden: usize,
    /// Embedding width H.
    pub embed: usize,
    /// Upper bound K_max on the communities (capped at the node count).
    pub k_max: usize,
    /// Share of nodes masked each epoch.
    pub mask_rate: f64,
    /// Exponent γ of the scaled cosine error.
    pub gamma: f64,
    /// Temperature T of the readout softmax((H·W_c + b)/T) (default 1; on Cora T = 0.1 made
    /// the initial assignment sharp and the run collapsed to one community).
    pub temperature: f64,
    /// Weight of the modularity term.
    pub lambda_struct: f64,
    /// Weight of the group sparsity Ω.
    pub lambda_sparse: f64,
    /// Weight of DMoN's collapse regulariser (not in the DAG reconstruction of the notes; 0 = off).
    pub lambda_collapse: f64,
    /// Epochs of masked-attribute reconstruction alone before the community terms start.
    #[serde(default)]
    pub warmup_epochs: usize,
    /// How the readout starts after the warm-up.
    #[serde(default = "ReadoutInit::uniform")]
    pub readout_init: ReadoutInit,
    /// Training epochs.
    pub epochs: usize,
    /// Learning rate.
    pub lr: f64,
    /// L2 weight decay.
    pub weight_decay: f64,
}

impl DagConfig {
    /// The settings of a profile (`quick` fewer epochs).
    pub fn for_profile(profile: Profile) -> Self {
        Self {
            hidden: 256,
            embed: 64,
            k_max: 16,
            mask_rate: 0.5,
            gamma: 2.0,
            temperature: 1.0,
            lambda_struct: 1.0,
            lambda_sparse: 0.01,
            lambda_collapse: 0.0,
            warmup_epochs: 30,
            readout_init: ReadoutInit::Uniform,
            epochs: match profile {
                Profile::Quick => 60,
                Profile::Full => 300,
            },
            lr: 1e-2,
            weight_decay: 2e-4,
        }
    }
}
