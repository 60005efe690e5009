//! Entropic optimal transport for cluster assignment: the Sinkhorn family.
//!
//! | entry | what | reference |
//! |---|---|---|
//! | [`sinkhorn_scaling`] | balanced, kernel form, POT `sinkhorn_knopp` semantics | Cuturi 2013 |
//! | [`sinkhorn_log`] | balanced, log domain, POT `sinkhorn_log` semantics | Schmitzer 2019 |
//! | [`swav_codes`], [`swav_assign`] | SwAV `distributed_sinkhorn` codes, SIGMA hard targets, sharded | Caron et al. 2020; Salehi et al. 2024 |
//! | [`swav_loss`] | SwAV swapped-prediction loss and its gradient w.r.t. the scores | Caron et al. 2020 |
//! | [`sinkhorn_unbalanced`] | KL-relaxed marginals, POT `sinkhorn_unbalanced` | Chizat et al. 2018 |
//! | [`sinkhorn_unbalanced_log`] | the same in the log domain (kernel may underflow) | Chizat et al. 2018, §4.1 |
//! | [`sinkhorn_batched`] | many small problems, fixed iterations | — |
//! | [`plan`], [`plan_stats`], [`potential_argmax`], [`row_argmax`] | outputs from the potentials | — |
//!
//! Conventions: the input matrix is a cost or a similarity, stated by [`ScoreKind`]; every
//! solver returns potentials `(f, g)` in the input's units with
//! `Q_ij = exp((σx_ij + f_i + g_j)/ε)`, σ = −1 (cost) or +1 (similarity). Everything is generic
//! over the storage scalar (f32, f64, f16, bf16; arithmetic in `T::Acc`), validates all input
//! before writing, takes caller scratch sized by a `*_scratch(n, k)` query, and runs without
//! `alloc`; the [`owned`] conveniences (feature `alloc`) allocate. Marginals must be strictly
//! positive with a total of at most MAX/2 of `T::Acc`; balanced ones (and unbalanced ones with
//! both relaxations infinite) must have equal mass to a relative max(√ε of `T::Acc`, 2ε of `T`).
//!
//! Hot loops are fused (one read of the N×K operand per iteration), written to auto-vectorise,
//! use [`Float::exp_fast`](crate::Float::exp_fast) instead of libm's scalar exp, and switch to
//! AVX2 code at run time when the `std` feature can detect it (the crate's SIMD layer).

mod batched;
mod check;
mod fused;
mod info;
mod kind;
mod log_domain;
mod outputs;
#[cfg(feature = "alloc")]
pub mod owned;
mod params;
mod scaling;
mod swav;
mod swav_loss;
mod unbalanced;
mod unbalanced_log;

pub use batched::{sinkhorn_batched, sinkhorn_batched_scratch};
pub use info::{BatchedInfo, SinkhornInfo, SwavInfo, SwavLossInfo, UnbalancedInfo};
pub use kind::ScoreKind;
pub use log_domain::{sinkhorn_log, sinkhorn_log_scratch};
pub use outputs::{PlanStats, plan, plan_stats, plan_stats_scratch, potential_argmax, row_argmax};
pub use params::{BatchedParams, SinkhornParams, SwavLossParams, SwavParams, UnbalancedEntropy, UnbalancedParams};
pub use scaling::{sinkhorn_scaling, sinkhorn_scaling_scratch};
pub use swav::{swav_assign, swav_codes, swav_scratch};
pub use swav_loss::{swav_loss, swav_loss_scratch};
pub use unbalanced::{sinkhorn_unbalanced, sinkhorn_unbalanced_scratch};
pub use unbalanced_log::{sinkhorn_unbalanced_log, sinkhorn_unbalanced_log_scratch};

#[cfg(all(test, feature = "alloc"))]
mod tests;
