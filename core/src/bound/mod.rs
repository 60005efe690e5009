//! Transductive few-shot inference by concave–convex bound optimisation.
//!
//! The block-coordinate bound optimiser of SLK (Ziko et al., NeurIPS 2018), LaplacianShot
//! (ICML 2020) and "Transductive Few-Shot Learning: Clustering is All You Need?" (2021):
//! prototype objectives (K-means, K-modes), a Laplacian term over a kNN affinity and the
//! supervision of the labelled support points, relaxed to the simplex; each iteration updates
//! all assignments in closed form and in parallel, `Y ← softmax(−A + λ W Y)`, then the
//! prototypes.
//!
//! - [`bound_update`] / [`bound_step`] / [`bound_energy`]: the assignment update on caller
//!   scratch (no allocation), over a [`CsrRef`] affinity (from [`crate::graph`], re-exported).
//! - [`knn_affinity`] (alloc, [`crate::graph`]): the reference kNN graph ([`Symmetrise`]
//!   options), as a [`Csr`].
//! - [`cl2n`], [`shift_query`], [`column_mean`]: CL2N features and the support–query shift.
//! - [`Episode`]: a validated few-shot task; [`simple_shot`] (no allocation),
//!   [`laplacian_shot`] and [`slk_few_shot`] (K-means, K-modes, SLK-Means, SLK-MS; alloc).

mod episode;
mod features;
#[cfg(feature = "alloc")]
mod laplacianshot;
#[cfg(feature = "alloc")]
mod prototypes;
#[cfg(feature = "alloc")]
mod rectify;
mod simpleshot;
#[cfg(feature = "alloc")]
mod slk;
mod update;

// The affinity types live in `crate::graph`; re-exported here because every bound entry takes
// them.
#[cfg(feature = "alloc")]
pub use crate::graph::Csr;
pub use crate::graph::CsrRef;
#[cfg(feature = "alloc")]
pub use crate::graph::{Symmetrise, knn_affinity};
pub use episode::Episode;
pub use features::{cl2n, column_mean, shift_query};
#[cfg(feature = "alloc")]
pub use laplacianshot::{LaplacianShotInfo, LaplacianShotParams, laplacian_shot};
#[cfg(feature = "alloc")]
pub use simpleshot::simple_shot_labels;
pub use simpleshot::{simple_shot, simple_shot_scratch};
#[cfg(feature = "alloc")]
pub use slk::{Prototype, SlkInfo, SlkParams, slk_few_shot};
pub use update::{
    BoundEnergy, BoundInfo, BoundParams, StepInfo, bound_energy, bound_step, bound_update, bound_update_from_unary,
    bound_update_scratch, softmax_rows,
};
