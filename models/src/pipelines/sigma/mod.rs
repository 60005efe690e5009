//! Masked video modelling with two targets in one code path, compared at the same budget:
//!
//! - `sigma` — SIGMA (Salehi et al., "SIGMA: Sinkhorn-Guided Masked Video Modeling", ECCV
//!   2024): the decoder's prediction for each masked tube and the tube's SIGMA-MLP feature
//!   (a GELU MLP on the raw tube pixels, trained jointly) are scored against K unit prototypes
//!   C (normalised before every forward), S₁ = norm(target)·Cᵀ with C trainable,
//!   S₂ = norm(prediction)·C̄ᵀ with C detached; each gets hard codes q from clasp's Sinkhorn
//!   (ε 0.05, 10 iterations, the SwAV codes' row argmax), and
//!   L = CE(S₁/0.1, q₂) + CE(S₂/0.1, q₁);
//! - `pixel` — VideoMAE (Tong et al., "VideoMAE: Masked Autoencoders are Data-Efficient
//!   Learners for Self-Supervised Video Pre-Training", NeurIPS 2022): the decoder regresses the
//!   per-tube normalised pixels of the masked tubes (L2).
//!
//! Both: tubelets of 2 × P × P pixels, tube masking (the same spatial positions hidden in every
//! time step, ratio 0.75), a pre-norm ViT encoder with learned positional embeddings over the
//! visible tubes only, a one-block decoder over visible and mask tokens, AdamW (β₂ 0.95). The
//! evaluated clip embedding is the mean of the encoder's tokens over all tubes (no masking).

mod config;
mod loss;
mod model;
mod train;
mod tubes;

pub use config::{VideoMaeConfig, VideoTarget};
pub use loss::{hard_codes, normalized_rows, pixel_loss, sigma_loss};
pub use model::{MaskedBatch, TubeMlp, VideoMae};
pub use train::{VideoTrained, embed_clips, grid, train_video};
pub use tubes::TubeGrid;
