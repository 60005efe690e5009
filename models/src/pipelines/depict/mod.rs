//! DEPICT (Ghasedi Dizaji et al., "Deep Clustering via Joint Convolutional Autoencoder
//! Embedding and Relative Entropy Minimization", ICCV 2017): a convolutional autoencoder with
//! noisy and clean paths, a softmax clustering layer on the K-dimensional embedding initialised
//! from k-means (clasp core), and alternating E/M steps: E, P = softmax(θᵀz) on the clean path
//! and the target Q = clasp's `target_distribution` (`DepictSqrt`, q_ik ∝ p_ik/√(Σ_i p_ik),
//! the cluster-size prior; `DecSquare` for the released code's DEC target); M, one epoch of
//! CE(Q, P̃) on the noisy path plus the layer-wise reconstruction loss.

mod config;
mod loss;
mod model;
mod train;

pub use config::{DepictConfig, DepictTarget};
pub use loss::{reconstruction_loss, relative_entropy_loss};
pub use model::DepictModel;
pub use train::Depict;
pub(crate) use train::train_step;
