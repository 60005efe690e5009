//! MGCA (Wang et al., NeurIPS 2022): multi-granularity cross-modal alignment of two encoders.
//! Each view has an encoder (an MLP for plain features; for token views a per-token embedding
//! with learned positions, mixed into one global feature) and a projection head
//! (Linear-BN-ReLU-Linear-BN, unit output z). Three losses, weights 1/1/1 by default:
//!
//! - instance: symmetric InfoNCE between the paired z (τ 0.07), [`instance_loss`];
//! - token: each token of one view attends over the other view's tokens,
//!   softmax(t·uᵀ/0.1), and must be closer to its own attended summary than to those of the other
//!   tokens of the same pair (local InfoNCE, τ 0.1), both directions, [`token_loss`];
//! - prototype ("disease"): shared prototypes C, each view's scores zCᵀ get balanced codes from
//!   clasp's Sinkhorn (ε 0.05, 3 iterations) that the other view predicts (swapped
//!   cross-entropy, τ 0.2), [`prototype_loss`].

mod config;
mod loss;
mod model;
mod train;

pub use config::{LossWeights, MgcaConfig};
pub use loss::{instance_loss, instance_loss_rows, prototype_loss, token_loss};
pub use model::{MgcaModel, ViewBatch, ViewEncoder};
pub use train::{MgcaTrained, ViewEmbedding, train_mgca};
