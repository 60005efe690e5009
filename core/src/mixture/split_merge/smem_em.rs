//! The SMEM algorithm at fixed K (Ueda, Nakano, Ghahramani & Hinton, "SMEM algorithm for
//! mixture models", Neural Computation 12(9):2109–2128, 2000, §3), as the public FSMEM code
//! runs it: escape the local optima of EM by a simultaneous merge (i, j) and split k.
//!
//! 1. EM to convergence ([`fit_with`](crate::mixture::fit_with), scikit-learn semantics);
//!    L = mean ln p(xₙ).
//! 2. Rank merge pairs by J_merge (the cosine of the posterior vectors by default, or the raw
//!    inner product, [`merge_criterion`]) and split candidates by the local KL divergence
//!    J_split ([`split_criterion`]); the first `candidates` triples (i, j, k), k ∉ {i, j}
//!    ([`smem_candidates`]).
//! 3. For a triple: merged component in slot i with π = πᵢ + πⱼ and π-weighted mean and
//!    covariance; split children in slots j and k with π_k/2 each, means μ_k ± δ·√λ·u
//!    (λ, u the top eigenpair of component k's posterior-weighted scatter, δ =
//!    `split_offset`) and covariance det(Σ_k)^{1/D}·I (diag: that value in every
//!    dimension; spherical: σ²_k; tied: the shared covariance, unchanged).
//! 4. Partial EM on the three touched components only: their responsibilities are
//!    renormalised among themselves and multiplied by their previous total posterior mass
//!    Σ_{c∈{i,j,k}} P(c|xₙ), the other components stay fixed; until the partial objective
//!    Σₙ Mₙ ln Σ_{c∈{i,j,k}} π_c N(xₙ|θ_c) changes by less than `partial_tol` (relative) or
//!    `partial_max_iter` passes. Then full EM from the result.
//! 5. Accept the first triple whose final L exceeds the current one by more than the EM
//!    tolerance `gmm.tol` (smaller gains are indistinguishable from unfinished EM), and go
//!    back to 2; stop when none of the candidates improves, or after `max_moves` moves. A
//!    candidate whose EM fails (a covariance that is not positive definite) is rejected.
//!
//! So L increases with every accepted move. K < 3 leaves nothing to try: the EM fit is
//! returned as is. Deterministic: the only randomness is the seeded initial EM.

use crate::scalar::Linalg;
use alloc::vec;
use alloc::vec::Vec;
use nalgebra::{DMatrix, SymmetricEigen};

use super::smem::{merge_criterion, smem_candidates, split_criterion};
use crate::error::{Error, Result};
use crate::matrix::MatRef;
use crate::mixture::covariance_type::CovarianceType;
use crate::mixture::e_step::{normalise_rows_both, weighted_log_prob_unchecked};
use crate::mixture::em::{GmmFit, PlainEm, run_em};
use crate::mixture::fit::{GmmInitValues, GmmParams, fit_with};
use crate::mixture::m_step::estimate;
use crate::mixture::model::{GaussianMixture, Spread};
use crate::scalar::{Float, Real};
use crate::validate;

params! {
    /// Parameters of [`smem_em`]. Defaults follow FSMEM (5 candidates, ≤ 100 partial EM passes,
    /// relative tolerance 1e-6) with scikit-learn's EM defaults for the full EM runs.
    #[derive(Clone, Copy, Debug, PartialEq)]
    #[cfg_attr(feature = "defmt", derive(defmt::Format))]
    pub struct SmemParams {
        /// K, covariance type, `reg_covar`, EM tolerance and iterations, initialisation and seed
        /// of the initial fit; every full EM after a move uses the same `reg_covar`, `tol` and
        /// `max_iter`.
        pub gmm: GmmParams,
        /// Candidate triples C_max tried per round (default 5).
        pub candidates: usize,
        /// Maximum number of accepted moves (default 100).
        pub max_moves: usize,
        /// Partial EM passes at most (default 100).
        pub partial_max_iter: usize,
        /// Relative change of the partial objective that stops partial EM (default 1e-6).
        pub partial_tol: f64,
        /// J_merge as the cosine of the posterior vectors (default `true`) or the raw inner
        /// product (FSMEM).
        pub normalised_merge: bool,
        /// δ: split children start at μ_k ± δ·√λ_max·u_max (default 0.5).
        pub split_offset: f64,
    }
}

impl Default for SmemParams {
    fn default() -> Self {
        Self {
            gmm: GmmParams { k: 3, ..GmmParams::default() },
            candidates: 5,
            max_moves: 100,
            partial_max_iter: 100,
            partial_tol: 1e-6,
            normalised_merge: true,
            split_offset: 0.5,
        }
    }
}

impl SmemParams {
    /// Checks the parameters against a data set of `n` rows.
    pub fn validate(&self, n: usize) -> Result<()> {
        self.gmm.validate(n)?;
        if self.candidates == 0 {
            return Err(Error::InvalidParameter { name: "candidates", value: 0.0 });
        }
        if self.partial_max_iter == 0 {
            return Err(Error::InvalidParameter { name: "partial_max_iter", value: 0.0 });
        }
        validate::nonnegative_param(self.partial_tol, "partial_tol")?;
        validate::positive_param(self.split_offset, "split_offset")
    }
}

/// One accepted SMEM move.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SmemMove {
    /// The merged pair (i, j); the merged component sits in slot i.
    pub merged: (usize, usize),
    /// The split component k; its children sit in slots j and k.
    pub split: usize,
    /// Mean log-likelihood after the move's full EM.
    pub log_likelihood: f64,
}

/// What an SMEM run did.
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct SmemInfo {
    /// Mean log-likelihood of the initial EM fit.
    pub initial_log_likelihood: f64,
    /// Mean log-likelihood of the returned model.
    pub log_likelihood: f64,
    /// Accepted moves in order.
    pub moves: Vec<SmemMove>,
    /// Candidate triples tried (accepted or not).
    pub candidates_tried: usize,
}

/// An SMEM fit: the last EM run (model and its diagnostics) and the moves.
#[derive(Clone, Debug, PartialEq)]
pub struct SmemFit<F> {
    /// The full EM run that produced the returned model.
    pub fit: GmmFit<F>,
    /// Moves and log-likelihoods.
    pub info: SmemInfo,
}

/// SMEM from the initialisation of `params.gmm` (module docs).
///
/// Errors: those of [`fit`](crate::mixture::fit) for the initial EM, and invalid SMEM
/// parameters ([`SmemParams::validate`]).
pub fn smem_em<T: Real>(x: MatRef<'_, T>, params: &SmemParams) -> Result<SmemFit<T::Acc>>
where
    T::Acc: Linalg,
{
    smem_em_with(x, params, &GmmInitValues::default())
}

/// [`smem_em`] with user-given initial values for the first EM.
pub fn smem_em_with<T: Real>(
    x: MatRef<'_, T>,
    params: &SmemParams,
    init: &GmmInitValues<'_, T::Acc>,
) -> Result<SmemFit<T::Acc>>
where
    T::Acc: Linalg,
{
    params.validate(x.rows())?;
    let mut fit = fit_with(x, &params.gmm, init)?;
    let (n, k) = (x.rows(), params.gmm.k);
    let mut current = Evaluation::new(n, k);
    current.run(&fit.model, x);
    let mut trial = Evaluation::new(n, k);
    let mut info = SmemInfo {
        initial_log_likelihood: current.mean.to_f64(),
        log_likelihood: current.mean.to_f64(),
        moves: Vec::new(),
        candidates_tried: 0,
    };
    let gain = <T::Acc as Float>::from_f64(params.gmm.tol);
    while k >= 3 && info.moves.len() < params.max_moves {
        let resp = MatRef::new(&current.resp, n, k, "responsibilities")?;
        let log_density = current.log_density(&fit.model);
        let jm = merge_criterion(resp, params.normalised_merge)?;
        let js = split_criterion(resp, MatRef::new(&log_density, n, k, "log_density")?)?;
        let mut accepted = false;
        for (i, j, s) in smem_candidates(&jm, &js, params.candidates)? {
            info.candidates_tried += 1;
            let Ok(run) = try_move(x, &fit.model, &current.resp, (i, j, s), params) else { continue };
            trial.run(&run.model, x);
            if trial.mean - current.mean > gain {
                fit = run;
                core::mem::swap(&mut current, &mut trial);
                info.moves.push(SmemMove { merged: (i, j), split: s, log_likelihood: current.mean.to_f64() });
                info.log_likelihood = current.mean.to_f64();
                accepted = true;
                break;
            }
        }
        if !accepted {
            break;
        }
    }
    Ok(SmemFit { fit, info })
}

/// Responsibilities, log responsibilities and ln p(xₙ) of one model, and their mean.
struct Evaluation<F> {
    log_resp: Vec<F>,
    resp: Vec<F>,
    log_prob_norm: Vec<F>,
    mean: F,
}

impl<F: Linalg> Evaluation<F> {
    fn new(n: usize, k: usize) -> Self {
        let z = <F as Float>::ZERO;
        Self { log_resp: vec![z; n * k], resp: vec![z; n * k], log_prob_norm: vec![z; n], mean: z }
    }

    fn run<T: Real<Acc = F>>(&mut self, model: &GaussianMixture<F>, x: MatRef<'_, T>) {
        weighted_log_prob_unchecked(model, x, &mut self.log_resp);
        normalise_rows_both(&mut self.log_resp, &mut self.resp, &mut self.log_prob_norm, model.k);
        let n = <F as Float>::from_usize(self.log_prob_norm.len().max(1));
        self.mean = self.log_prob_norm.iter().fold(<F as Float>::ZERO, |a, &v| a + v) / n;
    }

    /// ln N(xₙ | θ_c) = ln r_nc + ln p(xₙ) − ln π_c (n × K).
    fn log_density(&self, model: &GaussianMixture<F>) -> Vec<F> {
        let k = model.k;
        let mut out = self.log_resp.clone();
        for (row, &lpn) in out.chunks_exact_mut(k).zip(&self.log_prob_norm) {
            for (v, &w) in row.iter_mut().zip(&model.weights) {
                *v += lpn - Float::ln(w);
            }
        }
        out
    }
}

/// Stored covariance values of component `c` (tied: the shared matrix).
fn component_cov<F>(model: &GaussianMixture<F>, c: usize) -> &[F] {
    let d = model.d;
    match model.covariance_type {
        CovarianceType::Full => &model.covariances[c * d * d..(c + 1) * d * d],
        CovarianceType::Diag => &model.covariances[c * d..(c + 1) * d],
        CovarianceType::Spherical => &model.covariances[c..c + 1],
        CovarianceType::Tied => &model.covariances,
    }
}

/// Weights, means and covariances of a set of components, in the model's layout.
struct Parts<F> {
    weights: Vec<F>,
    means: Vec<F>,
    covariances: Vec<F>,
}

impl<F: Linalg> Parts<F> {
    fn model(&self, covariance_type: CovarianceType, d: usize) -> Result<GaussianMixture<F>> {
        GaussianMixture::from_parts(
            covariance_type,
            &self.weights,
            &self.means,
            Spread::Covariances(&self.covariances),
            d,
        )
    }
}

/// Steps 3–4 for the triple (i, j, s) and the full EM after them.
fn try_move<T: Real>(
    x: MatRef<'_, T>,
    model: &GaussianMixture<T::Acc>,
    resp: &[T::Acc],
    (i, j, s): (usize, usize, usize),
    params: &SmemParams,
) -> Result<GmmFit<T::Acc>>
where
    T::Acc: Linalg,
{
    let (d, k, cov) = (model.d, model.k, model.covariance_type);
    let reg = <T::Acc as Float>::from_f64(params.gmm.reg_covar);
    let touched = [i, j, s];
    // Posterior mass of the three components per row.
    let mass: Vec<T::Acc> = resp.chunks_exact(k).map(|r| r[i] + r[j] + r[s]).collect();
    let mut sub = initial_triple(x, model, resp, (i, j, s), params.split_offset, reg)?;
    let tied = (cov == CovarianceType::Tied).then(|| model.covariances.clone());
    let n = x.rows();
    let mut w = vec![<T::Acc as Float>::ZERO; n * 3];
    let mut r = vec![<T::Acc as Float>::ZERO; n * 3];
    let mut prev = <T::Acc as Float>::NEG_INFINITY;
    let tol = <T::Acc as Float>::from_f64(params.partial_tol);
    for _ in 0..params.partial_max_iter {
        let m = sub.model(cov, d)?;
        weighted_log_prob_unchecked(&m, x, &mut w);
        let mut objective = <T::Acc as Float>::ZERO;
        for ((wr, rr), &mn) in w.chunks_exact(3).zip(r.chunks_exact_mut(3)).zip(&mass) {
            let top = wr.iter().fold(<T::Acc as Float>::NEG_INFINITY, |a, &v| Float::max(a, v));
            let mut total = <T::Acc as Float>::ZERO;
            for (rv, &wv) in rr.iter_mut().zip(wr) {
                *rv = Float::exp(wv - top);
                total += *rv;
            }
            for rv in rr.iter_mut() {
                *rv = *rv / total * mn;
            }
            if mn > <T::Acc as Float>::ZERO {
                objective += mn * (top + Float::ln(total));
            }
        }
        let est = estimate(x, &r, 3, cov, reg);
        let nf = <T::Acc as Float>::from_usize(n);
        sub.weights = est.nk.iter().map(|&v| v / nf).collect();
        sub.means = est.means;
        sub.covariances = tied.clone().unwrap_or(est.covariances);
        if Float::abs(objective - prev) <= tol * Float::abs(objective) {
            break;
        }
        prev = objective;
    }
    let mut full =
        Parts { weights: model.weights.clone(), means: model.means.clone(), covariances: model.covariances.clone() };
    let clen = cov.covariance_len(1, d);
    for (t, &c) in touched.iter().enumerate() {
        full.weights[c] = sub.weights[t];
        full.means[c * d..(c + 1) * d].copy_from_slice(&sub.means[t * d..(t + 1) * d]);
        if cov != CovarianceType::Tied {
            full.covariances[c * clen..(c + 1) * clen].copy_from_slice(&sub.covariances[t * clen..(t + 1) * clen]);
        }
    }
    let start = full.model(cov, d)?;
    run_em(x, start, params.gmm.reg_covar, params.gmm.tol, params.gmm.max_iter, &mut PlainEm)
}

/// The merged component (slot 0) and the two split children (slots 1, 2) of step 3.
fn initial_triple<T: Real>(
    x: MatRef<'_, T>,
    model: &GaussianMixture<T::Acc>,
    resp: &[T::Acc],
    (i, j, s): (usize, usize, usize),
    offset: f64,
    reg: T::Acc,
) -> Result<Parts<T::Acc>>
where
    T::Acc: Linalg,
{
    let (d, k, cov) = (model.d, model.k, model.covariance_type);
    let (wi, wj, ws) = (model.weights[i], model.weights[j], model.weights[s]);
    let wm = wi + wj;
    let (fi, fj) = if wm > <T::Acc as Float>::ZERO {
        (wi / wm, wj / wm)
    } else {
        (<T::Acc as Float>::from_f64(0.5), <T::Acc as Float>::from_f64(0.5))
    };
    let half = <T::Acc as Float>::from_f64(0.5);
    let mu = |c: usize| &model.means[c * d..(c + 1) * d];
    // Top eigenpair of component s's posterior-weighted scatter.
    let column: Vec<T::Acc> = resp.chunks_exact(k).map(|r| r[s]).collect();
    let local = estimate(x, &column, 1, CovarianceType::Full, reg);
    let eig = SymmetricEigen::try_new(DMatrix::from_row_slice(d, d, &local.covariances), <T::Acc as Float>::EPSILON, 0)
        .ok_or(Error::NumericalBreakdown { what: "smem split axis", iteration: 0 })?;
    let top = (0..d).fold(0, |b, t| if eig.eigenvalues[t] > eig.eigenvalues[b] { t } else { b });
    let step =
        <T::Acc as Float>::from_f64(offset) * Float::sqrt(Float::max(eig.eigenvalues[top], <T::Acc as Float>::ZERO));
    let mut means = Vec::with_capacity(3 * d);
    means.extend(mu(i).iter().zip(mu(j)).map(|(&a, &b)| fi * a + fj * b));
    for sign in [<T::Acc as Float>::ONE, -<T::Acc as Float>::ONE] {
        means.extend(mu(s).iter().enumerate().map(|(t, &m)| m + sign * step * eig.eigenvectors[(t, top)]));
    }
    let (ci, cj, cs) = (component_cov(model, i), component_cov(model, j), component_cov(model, s));
    let mut covariances: Vec<T::Acc> = ci.iter().zip(cj).map(|(&a, &b)| fi * a + fj * b).collect();
    let child: Vec<T::Acc> = match cov {
        CovarianceType::Full => {
            let det = DMatrix::from_row_slice(d, d, cs).determinant();
            let v = Float::exp(
                Float::ln(Float::max(det, <T::Acc as Float>::MIN_POSITIVE)) / <T::Acc as Float>::from_usize(d),
            );
            (0..d * d).map(|t| if t % (d + 1) == 0 { v } else { <T::Acc as Float>::ZERO }).collect()
        }
        CovarianceType::Diag => {
            let v = Float::exp(cs.iter().map(|&c| Float::ln(c)).sum::<T::Acc>() / <T::Acc as Float>::from_usize(d));
            vec![v; d]
        }
        CovarianceType::Spherical | CovarianceType::Tied => cs.to_vec(),
    };
    if cov == CovarianceType::Tied {
        covariances = model.covariances.clone();
    } else {
        covariances.extend_from_slice(&child);
        covariances.extend_from_slice(&child);
    }
    Ok(Parts { weights: vec![wm, ws * half, ws * half], means, covariances })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `per` standard normal points (σ = 1, the crate's seeded [`crate::draw::Draw`]) around each centre.
    fn blobs(centres: &[[f64; 2]], per: usize) -> Vec<f64> {
        let mut draw = crate::draw::Draw::new(7);
        let mut x = Vec::new();
        for c in centres {
            for _ in 0..per {
                x.extend_from_slice(&[c[0] + draw.normal(), c[1] + draw.normal()]);
            }
        }
        x
    }

    const BLOBS: [[f64; 2]; 3] = [[0.0, 0.0], [20.0, 0.0], [20.0, 8.0]];

    /// EM started with two components on blob 0 and one over blobs 1 and 2 stays there.
    fn trapped_start(cov: CovarianceType) -> (Vec<f64>, Vec<f64>) {
        let means = vec![-0.5, 0.0, 0.5, 0.0, 20.0, 4.0];
        let covariances = match cov {
            CovarianceType::Full => vec![1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 17.0],
            CovarianceType::Diag => vec![1.0, 1.0, 1.0, 1.0, 1.0, 17.0],
            _ => vec![1.0, 1.0, 9.0],
        };
        (means, covariances)
    }

    fn blob_of_component(fit: &SmemFit<f64>, x: MatRef<'_, f64>, per: usize) -> Vec<usize> {
        let labels = fit.fit.model.predict(x).unwrap();
        (0..3)
            .map(|b| {
                let l = labels[b * per];
                assert!(labels[b * per..(b + 1) * per].iter().filter(|&&v| v == l).count() >= per - 2, "blob {b}");
                l
            })
            .collect()
    }

    #[test]
    fn escapes_two_components_on_one_cluster() {
        let per = 150;
        let x = blobs(&BLOBS, per);
        let xm = MatRef::new(&x, 3 * per, 2, "x").unwrap();
        for cov in [CovarianceType::Full, CovarianceType::Diag, CovarianceType::Spherical] {
            let (means, covariances) = trapped_start(cov);
            let w = [1.0 / 3.0; 3];
            let init = GmmInitValues {
                weights: Some(&w),
                means: Some(&means),
                covariances: Some(&covariances),
                ..Default::default()
            };
            let params = SmemParams {
                gmm: GmmParams { k: 3, covariance_type: cov, ..GmmParams::default() },
                ..SmemParams::default()
            };
            // Plain EM from there: blob 0 keeps two components, blobs 1 and 2 share one.
            let em = fit_with(xm, &params.gmm, &init).unwrap();
            let em_labels = em.model.predict(xm).unwrap();
            assert_eq!(em_labels[per], em_labels[2 * per], "{cov:?}: EM is not trapped");
            let out = smem_em_with(xm, &params, &init).unwrap();
            let owners = blob_of_component(&out, xm, per);
            assert!(owners[0] != owners[1] && owners[1] != owners[2] && owners[0] != owners[2], "{cov:?}: {owners:?}");
            let info = &out.info;
            assert!(!info.moves.is_empty());
            // The first move merges the two components on blob 0 and splits the shared one.
            assert_eq!((info.moves[0].merged, info.moves[0].split), ((0, 1), 2), "{cov:?}");
            // Every accepted move raised the likelihood by more than the EM tolerance.
            let mut prev = info.initial_log_likelihood;
            for m in &info.moves {
                assert!(m.log_likelihood > prev + params.gmm.tol);
                prev = m.log_likelihood;
            }
            assert_eq!(info.log_likelihood, prev);
            assert!((out.fit.model.score(xm).unwrap() - prev).abs() < 1e-12);
            assert!(info.candidates_tried >= info.moves.len());
            assert!((out.fit.model.weights().iter().sum::<f64>() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn tied_keeps_the_shared_covariance_shape_and_is_deterministic() {
        let per = 100;
        let x = blobs(&BLOBS, per);
        let xm = MatRef::new(&x, 3 * per, 2, "x").unwrap();
        let params = SmemParams {
            gmm: GmmParams { k: 3, covariance_type: CovarianceType::Tied, seed: 4, ..GmmParams::default() },
            ..SmemParams::default()
        };
        let a = smem_em(xm, &params).unwrap();
        assert_eq!(a, smem_em(xm, &params).unwrap());
        assert!(a.info.log_likelihood >= a.info.initial_log_likelihood);
        assert_eq!(a.fit.model.covariances().len(), 4);
    }

    #[test]
    fn fewer_than_three_components_is_plain_em_and_bad_parameters_are_typed() {
        let x = blobs(&BLOBS, 20);
        let xm = MatRef::new(&x, 60, 2, "x").unwrap();
        let two = SmemParams { gmm: GmmParams { k: 2, ..GmmParams::default() }, ..SmemParams::default() };
        let out = smem_em(xm, &two).unwrap();
        assert_eq!(out.fit, crate::mixture::fit(xm, &two.gmm).unwrap());
        assert!(out.info.moves.is_empty() && out.info.candidates_tried == 0);
        let d = SmemParams::default();
        assert_eq!(
            smem_em(xm, &SmemParams { candidates: 0, ..d }).unwrap_err(),
            Error::InvalidParameter { name: "candidates", value: 0.0 }
        );
        assert!(matches!(smem_em(xm, &SmemParams { split_offset: -1.0, ..d }), Err(Error::InvalidParameter { .. })));
        assert!(matches!(smem_em(xm, &SmemParams { partial_tol: f64::NAN, ..d }), Err(Error::InvalidParameter { .. })));
        let many = SmemParams { gmm: GmmParams { k: 61, ..GmmParams::default() }, ..d };
        assert!(matches!(smem_em(xm, &many), Err(Error::InvalidClusterCount { .. })));
    }
}
