//! SwAV (Caron et al., NeurIPS 2020): online clustering by swapped prediction. Every image
//! gives two global and several small local crops; each view's projection z = ‖h(f(x))‖⁻¹h(f(x))
//! is scored against K unit prototypes, S = zCᵀ; the two global views get codes
//! Q = Sinkhorn(S) from clasp (ε = 0.05, 3 iterations, no gradient, optionally with a queue of
//! earlier projections), and every other view predicts them:
//! L = −(1/2)·Σ_{s∈{1,2}} (1/(V−1))·Σ_{t≠s} (1/B)·Σ_i Σ_k q_{s,ik} log softmax(S_t/τ)_{ik}.
//! Prototypes are re-normalised before every step and frozen during the first epoch.
//! Data-parallel over peers (`--peers`): the batch split by rows, the head's batch norm
//! synchronised, the codes the sharded Sinkhorn ([`crate::distributed::Replica`]); each peer
//! queues its own rows' projections (their union is the single-process queue).

mod config;
mod loss;
mod model;
mod train;

pub use config::SwavConfig;
pub use loss::swapped_prediction_loss;
pub use model::SwavModel;
pub use train::Swav;
pub(crate) use train::{multi_crop, train_step};
