//! Gaussian mixtures fitted by EM with scikit-learn's `GaussianMixture` semantics (full,
//! diag, spherical and tied covariances; `reg_covar`; |Δ lower bound| < tol; `n_init`
//! restarts), built from separately callable pieces so other algorithms can drive EM:
//!
//! - [`e_step`] / [`e_step_log`] / [`weighted_log_prob`]: responsibilities for given parameters;
//! - [`m_step`]: parameters from given responsibilities;
//! - [`em`] with an [`EmHook`] (e.g. [`FixedLabels`] for semi-supervised EM): the loop from a
//!   given model, with a hook between every E-step and M-step;
//! - [`fit`] / [`fit_with`] / [`fit_with_hook`]: initialisation + EM + restarts;
//! - [`GaussianMixture`]: `predict`, `predict_proba`, `score_samples`, `score`, `bic`, `aic`, `sample`;
//! - [`target_distribution`]: the DEC / DEPICT self-training targets;
//! - [`niw`] and [`split_merge`]: NIW marginal likelihoods, split/merge moves that find K,
//!   the SMEM criteria; [`semi_supervised`]: EM with labelled rows clamped.
//!
//! Needs `alloc` (every size is dynamic); full and tied covariances go through nalgebra's
//! Cholesky, hence the `T::Acc: Linalg` bounds (`f32` and `f64`, see [`crate::Linalg`]).

mod covariance_type;
mod e_step;
mod em;
mod fit;
mod m_step;
mod model;
pub mod niw;
mod precision;
mod sample;
mod score;
pub mod semi_supervised;
pub mod split_merge;
mod target;

pub use covariance_type::CovarianceType;
pub use e_step::{e_step, e_step_log, weighted_log_prob};
pub use em::{EmHook, FixedLabels, GmmFit, GmmInfo, PlainEm};
pub use fit::{GmmInit, GmmInitValues, GmmParams, em, fit, fit_with, fit_with_hook};
pub use m_step::m_step;
pub use model::GaussianMixture;
pub use score::gmm_predict_scratch;
pub use semi_supervised::{SemiSupervisedFit, semi_supervised_em};
pub use target::{TargetKind, target_distribution};
