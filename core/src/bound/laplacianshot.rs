//! LaplacianShot (Ziko, Dolz, Granger, Ben Ayed, ICML 2020; `imtiazziko/LaplacianShot`):
//! transductive inference by minimising, over the query assignments only,
//!
//! ```text
//! E(Y) = Σ_q y_qᵀ a_q + Σ_q y_qᵀ ln y_q − (λ/2) Σ_{q,r} w_qr y_qᵀ y_r ,   a_qk = ‖x_q − m_k‖²,
//! ```
//!
//! with W the kNN affinity over the queries (knn = 3 ⇒ 2 neighbours, binary, directed), the
//! prototypes m_k the support class means or — with `rectify` — the BD-CSPN rectified
//! prototypes, after the support–query shift (`shift`; the reference shifts the queries only
//! when rectifying), and the bound updates of [`bound_update`](super::bound_update)
//! (≤ 20 iterations, tolerance 1e-6). Labels are `argmax_k y_qk`.

use alloc::vec;
use alloc::vec::Vec;

use super::episode::Episode;
use super::rectify::rectify_prototypes;
use super::update::{BoundInfo, BoundParams, bound_update_from_unary, bound_update_scratch};
use crate::error::{Error, Result};
use crate::graph::{Symmetrise, knn_affinity_unchecked};
use crate::matrix::{MatMut, MatRef};
use crate::ops::argmax;
use crate::scalar::{Float, Real};

params! {
    /// Parameters of [`laplacian_shot`].
    #[derive(Clone, Copy, Debug, PartialEq)]
    #[cfg_attr(feature = "defmt", derive(defmt::Format))]
    pub struct LaplacianShotParams {
        /// λ, tolerance (1e-6), iterations (20) and the monotone safeguard of the bound updates.
        pub bound: BoundParams,
        /// `n_neighbors` of the affinity: each query gets `knn − 1` neighbours (default 3).
        pub knn: usize,
        /// Symmetrisation of the kNN graph (default none, as released).
        pub symmetrise: Symmetrise,
        /// Shift the queries and rectify the prototypes (`--proto-rect`, default true).
        pub rectify: bool,
        /// Shift the queries by mean(support) − mean(query) before the unary costs and the
        /// rectification (default true; the reference shifts only when rectifying).
        pub shift: bool,
        /// Temperature τ of the rectification weights softmax(τ·cos) (10).
        pub rectify_temperature: f64,
    }
}

impl Default for LaplacianShotParams {
    fn default() -> Self {
        Self {
            bound: BoundParams::default(),
            knn: 3,
            symmetrise: Symmetrise::None,
            rectify: true,
            shift: true,
            rectify_temperature: 10.0,
        }
    }
}

impl LaplacianShotParams {
    /// The released code (`metric_class_type` and `lshot_prediction` of `train_lshot.py`,
    /// `imtiazziko/LaplacianShot` 5de2612): the bound update verbatim
    /// ([`BoundParams::reference`]), the directed 3-NN graph, and the support–query shift
    /// exactly when rectifying (`--proto-rect`).
    pub fn reference(rectify: bool) -> Self {
        Self { bound: BoundParams::reference(), rectify, shift: rectify, ..Self::default() }
    }
}

/// What [`laplacian_shot`] did.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct LaplacianShotInfo {
    /// The bound updates.
    pub bound: BoundInfo,
    /// Classes that no point predicted during rectification (they kept the support mean).
    pub unrectified_classes: usize,
}

/// Labels (in `0..ways`) of the query points of `episode`.
///
/// Errors: those of [`Episode::new`], `knn == 0` or `knn ≥ n_query`
/// ([`Error::InvalidParameter`] `knn`), bad bound parameters, a non-positive temperature.
pub fn laplacian_shot<T: Real>(
    episode: &Episode<'_, T>,
    params: &LaplacianShotParams,
) -> Result<(Vec<usize>, LaplacianShotInfo)> {
    params.bound.validate()?;
    crate::validate::positive_param(params.rectify_temperature, "rectify_temperature")?;
    let (k, d, nq) = (episode.ways(), episode.dim(), episode.query().rows());
    if params.knn == 0 || params.knn >= nq {
        return Err(Error::InvalidParameter { name: "knn", value: params.knn as f64 });
    }
    let zero = <T::Acc as Float>::ZERO;
    let mut protos = vec![zero; k * d];
    episode.class_means(&mut protos);
    let mut q: Vec<T::Acc> = episode.query().as_slice().iter().map(|v| v.to_acc()).collect();
    let mut unrectified = 0usize;
    if params.shift {
        let mut means = vec![zero; 2 * d];
        let (ms, mq) = means.split_at_mut(d);
        super::features::column_mean_unchecked(episode.support().as_slice(), d, ms);
        super::features::column_mean_unchecked(&q, d, mq);
        for row in q.chunks_exact_mut(d) {
            for ((v, &a), &b) in row.iter_mut().zip(ms.iter()).zip(mq.iter()) {
                *v += a - b;
            }
        }
    }
    if params.rectify {
        let ns = episode.support().rows();
        let mut x_aug: Vec<T::Acc> = Vec::with_capacity((ns + nq) * d);
        x_aug.extend(episode.support().as_slice().iter().map(|v| v.to_acc()));
        x_aug.extend_from_slice(&q);
        let mut scratch = vec![zero; k * d + 2 * k];
        let tau = <T::Acc as Float>::from_f64(params.rectify_temperature);
        unrectified = rectify_prototypes(&x_aug, d, &mut protos, tau, &mut scratch);
    }
    let qm = MatRef::new(&q, nq, d, "query")?;
    let mut unary = vec![zero; nq * k];
    for (row, a) in qm.row_iter().zip(unary.chunks_exact_mut(k)) {
        for (ac, m) in a.iter_mut().zip(protos.chunks_exact(d)) {
            *ac = crate::graph::sq_dist_lanes(row, m);
        }
    }
    let w = knn_affinity_unchecked(qm, params.knn, params.symmetrise);
    let mut y = vec![zero; nq * k];
    let mut scratch = vec![zero; bound_update_scratch(nq, k)];
    let bound = bound_update_from_unary(
        MatRef::new(&unary, nq, k, "unary")?,
        &w.as_ref(),
        &params.bound,
        &mut MatMut::new(&mut y, nq, k, "y")?,
        &mut scratch,
    )?;
    let labels = y.chunks_exact(k).map(|r| argmax(r).unwrap_or(0)).collect();
    Ok((labels, LaplacianShotInfo { bound, unrectified_classes: unrectified }))
}
