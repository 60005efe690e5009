//! The Peng–Wei k-means SDP and its first-order solvers.
//!
//! For data X (n × p) and a partition G₁..G_K with membership matrix
//! Z_G = Σ_k (1/n_k) 1_{G_k} 1_{G_k}ᵀ, WCSS(G) = tr(A) − ⟨A, Z_G⟩ with A = XXᵀ. Relaxing the
//! set of membership matrices gives the SDP of Peng & Wei (SIAM J. Optim. 18(1), 2007):
//!
//! ```text
//!     SDP* = max ⟨A, Z⟩  s.t.  Z ⪰ 0,  Z ≥ 0,  Z1 = 1,  tr Z = K
//! ```
//!
//! (equivalently min ⟨D, Z⟩ for squared distances D). tr(A) − SDP* is a lower bound on the
//! optimal WCSS, and when the relaxation is tight (Chen & Yang, IEEE T-IT 2021: well separated
//! isotropic clusters) its solution is the membership matrix of the optimal partition.
//!
//! * [`Affinity`]: the problem data from X, from squared distances or from a similarity.
//! * [`admm`](fn@admm): scaled ADMM on the splitting C1 = {⪰ 0, Z1 = 1, tr Z = K} / C2 = {Z ≥ 0}
//!   with residual balancing — the reference dense solver.
//! * [`pgd`](fn@pgd): accelerated (FISTA) projected gradient, projecting onto C1 ∩ C2 by a warm-started
//!   Dykstra loop.
//! * [`burer_monteiro`](fn@burer_monteiro): the nonnegative low-rank factorisation Z = UUᵀ (NLR, Zhuang, Chen,
//!   Yang & Zhang, ICLR 2024) for large n; never forms an n × n matrix.
//! * [`ila`]: the likelihood-adjusted SDP for clusters with different covariances (iLA-SDP,
//!   Zhuang, Chen & Yang, ICML 2023) by block ADMM.
//! * [`rounding`]: spectral embedding of Z for k-means, the row-argmax rule, and the
//!   certificate that a partition is globally optimal.
//! * [`feasibility`](fn@feasibility): how far a matrix is from the feasible set.

use crate::error::{Error, Result};
use crate::scalar::Float;

pub mod admm;
pub mod burer_monteiro;
mod dense;
mod eigen;
pub mod feasibility;
pub mod ila;
mod partial_eigen;
pub mod pgd;
pub mod problem;
pub(crate) mod projection;
pub mod rounding;

pub use admm::{AdmmParams, admm, admm_alloc, admm_monitored};
pub use burer_monteiro::{
    BurerMonteiroParams, BurerMonteiroSolution, bm_gradient, burer_monteiro, burer_monteiro_monitored,
};
pub use feasibility::{Feasibility, feasibility};
pub use ila::{IlaInfo, IlaParams, IlaSolution, ila_sdp};
pub use pgd::{PgdParams, pgd, pgd_alloc, pgd_monitored};
pub use problem::{Affinity, Source};
pub use rounding::{Certificate, certificate, factor_embedding, kmeans_labels, row_argmax_labels, spectral_embedding};

/// Checks a solver tolerance on relative residuals: finite and at least the compute type's
/// unit roundoff ε (below it the stopping test can only pass on an exact zero, and a
/// subnormal `tol` converts to 0 in narrower types).
pub(crate) fn check_tol<F: Float>(tol: f64) -> Result<()> {
    if tol.is_finite() && tol >= F::EPSILON.to_f64() {
        Ok(())
    } else {
        Err(Error::InvalidParameter { name: "tol", value: tol })
    }
}

/// What a solver reports next to its solution.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SdpInfo {
    /// Iterations run (outer iterations for the accelerated and low-rank solvers).
    pub iterations: usize,
    /// Relative primal residual at the last iteration (distance between the two splitting
    /// blocks, or the constraint violation for Burer–Monteiro).
    pub primal_residual: f64,
    /// Relative dual residual (change of the iterate, scaled as the solver's stopping rule).
    pub dual_residual: f64,
    /// Objective of the returned Z in the caller's terms (see [`Affinity::user_objective`]).
    pub objective: f64,
    /// An upper bound on SDP* minus the objective, in the caller's units, when the solver
    /// produces a dual certificate (≥ 0 up to the primal residual).
    pub duality_gap: Option<f64>,
    /// Both residuals fell below the tolerance.
    pub converged: bool,
}
