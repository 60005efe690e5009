//! Transductive few-shot by Laplacian K-prototypes ("Transductive Few-Shot Learning:
//! Clustering is All You Need?", Ziko, Boudiaf, Dolz, Granger, Ben Ayed, 2021;
//! `src/SLK.py` of `imtiazziko/SLK-few-shot`, built on SLK, NeurIPS 2018).
//!
//! Over X = [support; shifted query] (N points) and the kNN affinity W over all of X:
//!
//! ```text
//! E(Y, M) = Σ_p Σ_k y_pk f(x_p, m_k) − λ Σ_{p,q} w_pq y_pᵀ y_q ,
//! f = ‖x − m‖² (K-means) or −exp(−‖x − m‖²/(2σ²)) (K-modes, σ from `estimate_sigma`).
//! ```
//!
//! Prototypes start at the support class means and labels at the nearest prototype (support
//! labels given). Each outer iteration (≤ 100): (a) prototype step — K-means: hard means of
//! the labels (`kmeans_update` of the release) or, with `soft_means`, soft means
//! `Σ y_pk x_p / Σ y_pk` of the last assignments after the first iteration (hard means
//! throughout without the Laplacian term); K-modes: mean-shift of each cluster's members
//! from the previous mode; (b) assignment step — with λ > 0 the bound updates of
//! [`bound_update`](super::bound_update) from softmax(−a) with the support rows set one-hot
//! at their labels (≤ 600 iterations, tol 1e-7), with λ = 0 the nearest prototype (plain
//! K-means / K-modes, the "K-means" rows of the paper); (c) stop when the energy above
//! changes by ≤ `outer_tol` relatively (from the third iteration), or — if a cluster
//! empties — restore the previous labels and stop.
//!
//! `clamp_support = true` keeps the support rows one-hot at their labels throughout the
//! bound updates (the paper's supervision constraint); `false` is the released code, where
//! they start one-hot and are then updated like the queries. [`SlkParams::reference`] is the
//! released `SLK()` of `src/SLK.py` (`imtiazziko/SLK-few-shot` c2071eb): support rows not
//! clamped, the bound update verbatim ([`BoundParams::reference`]); the default differs in
//! clamping the support rows (the paper's constraint) and in the bound update's stopping
//! energy and safeguard.

use alloc::vec;
use alloc::vec::Vec;

use super::episode::Episode;
use super::prototypes::{hard_means, kernel_sigma, mean_shift_mode, soft_means};
use super::update::{BoundParams, bound_update, bound_update_scratch, softmax_rows};
use crate::error::{Error, Result};
use crate::graph::{Symmetrise, knn_affinity_from_distances, pairwise_sq_dist};
use crate::matrix::{MatMut, MatRef};
use crate::ops::{argmax, sq_dist};
use crate::scalar::{Float, Real};

/// The prototype objective f.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Prototype {
    /// Squared Euclidean distance to the cluster mean.
    #[default]
    KMeans,
    /// Negative Gaussian kernel to the cluster mode (found by mean-shift).
    KModes,
}

params! {
    /// Parameters of [`slk_few_shot`].
    #[derive(Clone, Copy, Debug, PartialEq)]
    #[cfg_attr(feature = "defmt", derive(defmt::Format))]
    pub struct SlkParams {
        /// K-means or K-modes prototypes.
        pub prototype: Prototype,
        /// λ (0 ⇒ no Laplacian term: plain support-initialised K-means / K-modes; default 0.7),
        /// tolerance (1e-7), iterations (600) and safeguard of the inner bound updates.
        pub bound: BoundParams,
        /// `n_neighbors` of the affinity over support ∪ query (default 3 ⇒ 2 neighbours).
        pub knn: usize,
        /// Symmetrisation of the kNN graph (default none, as released).
        pub symmetrise: Symmetrise,
        /// Keep the support assignments fixed at their labels (default true; false = released code).
        pub clamp_support: bool,
        /// K-means prototypes from the soft assignments after the first iteration instead of the
        /// hard means of the labels (default false, as released: on the digits episodes hard means
        /// gave SLK-Means 83.9 % (1-shot) and 93.4 % (5-shot) against 78.8 % and 92.8 % with soft
        /// means, 1000 episodes each).
        pub soft_means: bool,
        /// Shift the queries by mean(support) − mean(query) first (default true).
        pub shift: bool,
        /// Maximum outer iterations (100).
        pub max_outer: usize,
        /// Relative energy change that stops the outer loop (1e-4).
        pub outer_tol: f64,
        /// The `knn` divisor of the bandwidth estimate σ² = Σ w_pq d²_pq / (knn·N) (5).
        pub sigma_knn: usize,
        /// Mean-shift tolerance (1e-5) relative to the largest mode coordinate.
        pub mean_shift_tol: f64,
        /// Mean-shift iterations (1000).
        pub mean_shift_max_iter: usize,
    }
}

impl Default for SlkParams {
    fn default() -> Self {
        Self {
            prototype: Prototype::KMeans,
            bound: BoundParams { lambda: 0.7, tol: 1e-7, max_iter: 600, ..BoundParams::default() },
            knn: 3,
            symmetrise: Symmetrise::None,
            clamp_support: true,
            soft_means: false,
            shift: true,
            max_outer: 100,
            outer_tol: 1e-4,
            sigma_knn: 5,
            mean_shift_tol: 1e-5,
            mean_shift_max_iter: 1000,
        }
    }
}

impl SlkParams {
    /// The released `SLK()` (see the module docs) with prototype objective `prototype`:
    /// λ 0.7, ≤ 600 bound updates at tolerance 1e-7 on the reference energy without the
    /// safeguard, hard means, support rows not clamped, directed 3-NN graph, the shift.
    pub fn reference(prototype: Prototype) -> Self {
        let d = Self::default();
        Self {
            prototype,
            bound: BoundParams { lambda: 0.7, tol: 1e-7, max_iter: 600, ..BoundParams::reference() },
            clamp_support: false,
            ..d
        }
    }

    /// Checks every field (`knn` against the number of points is checked by the solver).
    pub fn validate(&self) -> Result<()> {
        self.bound.validate()?;
        crate::validate::nonnegative_param(self.outer_tol, "outer_tol")?;
        crate::validate::nonnegative_param(self.mean_shift_tol, "mean_shift_tol")?;
        for (v, name) in [
            (self.max_outer, "max_outer"),
            (self.sigma_knn, "sigma_knn"),
            (self.mean_shift_max_iter, "mean_shift_max_iter"),
        ] {
            if v == 0 {
                return Err(Error::InvalidParameter { name, value: 0.0 });
            }
        }
        Ok(())
    }
}

/// What [`slk_few_shot`] did.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SlkInfo {
    /// Outer (prototype + assignment) iterations.
    pub outer_iterations: usize,
    /// Total inner bound updates.
    pub bound_iterations: usize,
    /// Final Laplacian K-prototypes energy.
    pub energy: f64,
    /// Stopped by the relative-change rule.
    pub converged: bool,
    /// A cluster emptied and the previous labels were restored.
    pub emptied_cluster: bool,
    /// Kernel bandwidth σ (K-modes; 0 for K-means).
    pub sigma: f64,
}

/// Labels (in `0..ways`) of the query points of `episode`.
///
/// Errors: those of [`Episode::new`], bad parameters, `knn == 0` or `knn ≥ n_support + n_query`
/// ([`Error::InvalidParameter`] `knn`) when the affinity is needed (λ > 0 or K-modes);
/// [`Error::NumericalBreakdown`] when the bandwidth σ, a unary cost or the energy is not finite (squared
/// distances of features near the type's MAX overflow).
pub fn slk_few_shot<T: Real>(episode: &Episode<'_, T>, params: &SlkParams) -> Result<(Vec<usize>, SlkInfo)> {
    params.validate()?;
    let (k, d, ns, nq) = (episode.ways(), episode.dim(), episode.support().rows(), episode.query().rows());
    let n = ns + nq;
    let lambda_f = params.bound.lambda;
    let lap = lambda_f > 0.0;
    let modes = params.prototype == Prototype::KModes;
    if (lap || modes) && (params.knn == 0 || params.knn >= n) {
        return Err(Error::InvalidParameter { name: "knn", value: params.knn as f64 });
    }
    let zero = <T::Acc as Float>::ZERO;
    let one = <T::Acc as Float>::ONE;
    let lambda = <T::Acc as Float>::from_f64(lambda_f);
    // X = [support; shifted query].
    let mut x: Vec<T::Acc> = Vec::with_capacity(n * d);
    x.extend(episode.support().as_slice().iter().map(|v| v.to_acc()));
    x.extend(episode.query().as_slice().iter().map(|v| v.to_acc()));
    if params.shift {
        let mut means = vec![zero; 2 * d];
        let (ms, mq) = means.split_at_mut(d);
        super::features::column_mean_unchecked(&x[..ns * d], d, ms);
        super::features::column_mean_unchecked(&x[ns * d..], d, mq);
        for row in x[ns * d..].chunks_exact_mut(d) {
            for ((v, &a), &b) in row.iter_mut().zip(ms.iter()).zip(mq.iter()) {
                *v += a - b;
            }
        }
    }
    let xm = MatRef::new(&x, n, d, "x")?;
    let (w, sigma) = if lap || modes {
        let dist = pairwise_sq_dist(xm);
        let w = knn_affinity_from_distances(&dist, n, params.knn, params.symmetrise);
        let sigma = if modes { kernel_sigma(&w.as_ref(), &dist, params.sigma_knn) } else { zero };
        crate::validate::finite_output(&[sigma], "slk bandwidth", 1)?;
        (Some(w), sigma)
    } else {
        (None, zero)
    };
    let support_labels = episode.support_labels();
    let mut protos = vec![zero; k * d];
    episode.class_means(&mut protos);
    let mut labels: Vec<usize> = xm.row_iter().map(|r| nearest(r, &protos, d)).collect();
    labels[..ns].copy_from_slice(support_labels);
    let mut unary = vec![zero; n * k];
    let mut z = vec![zero; n * k];
    let mut neg = vec![zero; n * k];
    let mut buf = vec![zero; k.max(d)];
    let mut scratch = vec![zero; bound_update_scratch(n, k)];
    let mut info = SlkInfo {
        outer_iterations: 0,
        bound_iterations: 0,
        energy: 0.0,
        converged: false,
        emptied_cluster: false,
        sigma: sigma.to_f64(),
    };
    let inv2s2 = if modes { one / (<T::Acc as Float>::from_f64(2.0) * sigma * sigma) } else { zero };
    let ms_tol = <T::Acc as Float>::from_f64(params.mean_shift_tol);
    let mut e_old = zero;
    for i in 0..params.max_outer {
        let old_labels = labels.clone();
        // (a) prototype step and unary costs.
        match params.prototype {
            Prototype::KModes => {
                for c in 0..k {
                    let (mode, next) = (&mut protos[c * d..(c + 1) * d], &mut buf[..d]);
                    mean_shift_mode(&x, d, &labels, c, sigma, ms_tol, params.mean_shift_max_iter, mode, next);
                }
            }
            Prototype::KMeans if lap && i > 0 && params.soft_means => soft_means(&x, d, &z, &mut protos, &mut buf[..k]),
            Prototype::KMeans => hard_means(&x, d, &labels, &mut protos, &mut buf[..k]),
        }
        for (row, a) in xm.row_iter().zip(unary.chunks_exact_mut(k)) {
            for (ac, m) in a.iter_mut().zip(protos.chunks_exact(d)) {
                let d2 = crate::graph::sq_dist_lanes(row, m);
                *ac = if modes { -(-d2 * inv2s2).exp() } else { d2 };
            }
        }
        crate::validate::finite_output(&unary, "slk unary costs", i + 1)?;
        // (b) assignment step.
        if let (true, Some(w)) = (lap, w.as_ref()) {
            for (ng, &a) in neg.iter_mut().zip(&unary) {
                *ng = -a;
            }
            softmax_rows(&neg, k, &mut z);
            // The support rows start one-hot at their labels (as released); clamped, they stay.
            for (zr, &l) in z.chunks_exact_mut(k).zip(support_labels) {
                zr.fill(zero);
                zr[l] = one;
            }
            let fixed = if params.clamp_support { ns } else { 0 };
            let b = bound_update(
                MatRef::new(&unary, n, k, "unary")?,
                &w.as_ref(),
                &params.bound,
                fixed,
                &mut MatMut::new(&mut z, n, k, "y")?,
                &mut scratch,
            )?;
            info.bound_iterations += b.iterations;
            for (l, zr) in labels.iter_mut().zip(z.chunks_exact(k)) {
                *l = argmax(zr).unwrap_or(0);
            }
        } else {
            for (l, a) in labels.iter_mut().zip(unary.chunks_exact(k)) {
                *l = argmin(a);
            }
            if params.clamp_support {
                labels[..ns].copy_from_slice(support_labels);
            }
            for (zr, &l) in z.chunks_exact_mut(k).zip(&labels) {
                zr.fill(zero);
                zr[l] = one;
            }
        }
        info.outer_iterations = i + 1;
        if (0..k).any(|c| !labels.contains(&c)) {
            labels = old_labels;
            info.emptied_cluster = true;
            break;
        }
        // (c) Laplacian K-prototypes energy (the reference's, with weight λ).
        let mut e: T::Acc = z.iter().zip(&unary).map(|(&a, &b)| a * b).sum();
        if let (true, Some(w)) = (lap, w.as_ref()) {
            let wz = &mut scratch[..n * k];
            w.as_ref().mul_dense(&z, k, wz);
            e -= lambda * z.iter().zip(wz.iter()).map(|(&a, &b)| a * b).sum::<T::Acc>();
        }
        crate::validate::finite_output(&[e], "slk energy", i + 1)?;
        info.energy = e.to_f64();
        if i > 1 && (e - e_old).abs() <= <T::Acc as Float>::from_f64(params.outer_tol) * e_old.abs() {
            info.converged = true;
            break;
        }
        e_old = e;
    }
    Ok((labels[ns..].to_vec(), info))
}

fn nearest<F: Float>(row: &[F], protos: &[F], d: usize) -> usize {
    let mut best = (0usize, F::INFINITY);
    for (c, m) in protos.chunks_exact(d).enumerate() {
        let v = sq_dist(row, m);
        if v < best.1 {
            best = (c, v);
        }
    }
    best.0
}

fn argmin<F: Float>(a: &[F]) -> usize {
    let mut best = (0usize, F::INFINITY);
    for (c, &v) in a.iter().enumerate() {
        if v < best.1 {
            best = (c, v);
        }
    }
    best.0
}
