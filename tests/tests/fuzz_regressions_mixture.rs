//! Inputs the mixture, k-means, split/merge, few-shot and bound-update fuzz targets found to
//! break the contract (fuzz/known-gaps, closed): each must now give a typed error or finite
//! outputs that meet their invariants, never a non-finite `Ok`.

use clasp_core::bound::{
    BoundParams, CsrRef, Episode, Prototype, SlkParams, bound_update, bound_update_scratch, slk_few_shot,
};
use clasp_core::kmeans::{KMeansParams, kmeans, kmeans_from};
use clasp_core::mixture::split_merge::{SplitMergeParams, split_merge};
use clasp_core::mixture::weighted_log_prob;
use clasp_core::mixture::{
    CovarianceType, GaussianMixture, GmmInit, GmmParams, TargetKind, e_step, e_step_log, fit, target_distribution,
};
use clasp_core::{Error, MatMut, MatRef};

fn breakdown<T: std::fmt::Debug>(r: Result<T, Error>, what: &str) {
    assert!(matches!(r, Err(Error::NumericalBreakdown { .. })), "{what}: expected NumericalBreakdown, got {r:?}");
}

/// A row so far from every component that its quadratic forms overflow: `predict_proba`
/// returned −∞ (and NaN when x − μ itself overflowed) on `Ok` (gmm_fit, gmm_score).
#[test]
fn fuzz_gmm_far_rows_are_a_numerical_breakdown() {
    let g =
        GaussianMixture::<f64>::from_covariances(CovarianceType::Spherical, &[0.5, 0.5], &[0.0, 1.0], &[1.0, 2.0], 1)
            .unwrap();
    let x = [0.5, 1e300];
    let xm = MatRef::new(&x, 2, 1, "x").unwrap();
    breakdown(g.predict_proba(xm), "predict_proba");
    breakdown(g.predict(xm), "predict");
    breakdown(g.score_samples(xm), "score_samples");
    breakdown(g.score(xm), "score");
    breakdown(g.bic(xm), "bic");
    let (mut r, mut l) = ([0.0; 4], [0.0; 2]);
    breakdown(e_step(&g, xm, &mut r, &mut l), "e_step");
    breakdown(e_step_log(&g, xm, &mut r, &mut l), "e_step_log");
    // −∞ entries alone are a valid weighted log probability; NaN is not.
    assert!(weighted_log_prob(&g, xm, &mut r).is_ok());
    assert!(r[2] == f64::NEG_INFINITY && r[3] == f64::NEG_INFINITY, "{r:?}");
    // x − μ = MAX − (−MAX) overflows: ∞ · 0 in the triangular product gave NaN.
    let full = GaussianMixture::<f64>::from_covariances(
        CovarianceType::Full,
        &[1.0],
        &[-f64::MAX, 0.0],
        &[1.0, 0.0, 0.0, 1.0],
        2,
    )
    .unwrap();
    let x = [f64::MAX, 0.0];
    let xm = MatRef::new(&x, 1, 2, "x").unwrap();
    breakdown(weighted_log_prob(&full, xm, &mut [0.0]), "weighted_log_prob");
    breakdown(full.predict_proba(xm), "predict_proba (NaN)");
    breakdown(full.predict(xm), "predict (NaN)");
    // The first row alone is fine: the same model scores it.
    let ok = MatRef::new(&[0.5][..], 1, 1, "x").unwrap();
    let p = g.predict_proba(ok).unwrap();
    assert!((p[0] + p[1] - 1.0).abs() < 1e-15 && p.iter().all(|v| v.is_finite()));
}

/// Finite log densities near −MAX/2 whose sum overflows: `score` was −∞ on `Ok` (gmm_score).
/// The mean is now finite (summed as Σ ln p/n); BIC/AIC, which do overflow, are refused.
#[test]
fn fuzz_gmm_score_of_huge_finite_log_densities_is_finite() {
    let g = GaussianMixture::<f64>::from_covariances(CovarianceType::Spherical, &[1.0], &[0.0], &[1.0], 1).unwrap();
    let v = (0.9 * f64::MAX).sqrt();
    let x = [v, -v, v];
    let xm = MatRef::new(&x, 3, 1, "x").unwrap();
    let samples = g.score_samples(xm).unwrap();
    assert!(samples.iter().all(|s| s.is_finite() && *s < -1e307), "{samples:?}");
    let mean = samples.iter().map(|s| s / 3.0).sum::<f64>();
    let score = g.score(xm).unwrap();
    assert!(score.is_finite() && (score - mean).abs() <= 1e-15 * mean.abs(), "score {score} vs {mean}");
    let (mut r, mut l) = ([0.0; 3], [0.0; 3]);
    assert_eq!(e_step(&g, xm, &mut r, &mut l).unwrap(), score);
    assert_eq!(r, [1.0; 3]);
    breakdown(g.bic(xm), "bic");
    breakdown(g.aic(xm), "aic");
    // In the normal range the mean is the plain one.
    let y = [0.25, -1.0, 2.0];
    let ym = MatRef::new(&y, 3, 1, "y").unwrap();
    let s = g.score_samples(ym).unwrap();
    assert_eq!(g.score(ym).unwrap(), (s[0] + s[1] + s[2]) / 3.0);
}

/// A full precision so small that its covariance overflows: `from_precisions` gave +∞
/// covariances on `Ok` (gmm_score); it is now refused like the diagonal layouts.
#[test]
fn fuzz_gmm_from_precisions_refuses_an_overflowing_covariance() {
    for ct in [CovarianceType::Full, CovarianceType::Tied, CovarianceType::Diag, CovarianceType::Spherical] {
        let r = GaussianMixture::<f64>::from_precisions(ct, &[1.0], &[0.0], &[5e-324], 1);
        assert_eq!(r.unwrap_err(), Error::NotPositiveDefinite { what: "precisions", component: 0 }, "{ct:?}");
        let g = GaussianMixture::<f64>::from_precisions(ct, &[1.0], &[0.0], &[1e-300], 1).unwrap();
        assert!(g.covariances().iter().all(|c| c.is_finite()), "{ct:?}");
    }
}

/// Data spanning ±1e300: EM returned `Ok` with a −∞ lower bound and a model whose
/// `predict_proba` on its own data was NaN (gmm_fit). Every `Ok` now has finite bounds and
/// scores its data on the simplex (or reports the breakdown).
#[test]
fn fuzz_gmm_fit_on_huge_data_has_finite_bounds() {
    let x: [f64; 8] = [1e300, -1e300, 0.5, 1.5, 1e300, 2.0, -3.0, 0.0];
    let xm = MatRef::new(&x, 4, 2, "x").unwrap();
    let (mut ok, mut refused) = (0, 0);
    for ct in [CovarianceType::Full, CovarianceType::Tied, CovarianceType::Diag, CovarianceType::Spherical] {
        for init in [GmmInit::KMeans, GmmInit::KMeansPlusPlus, GmmInit::Random, GmmInit::RandomFromData] {
            for k in 1..=2 {
                let p = GmmParams::default().k(k).covariance_type(ct).init(init).max_iter(10);
                match fit(xm, &p) {
                    Ok(f) => {
                        ok += 1;
                        assert!(f.info.lower_bound.is_finite(), "{ct:?} {init:?}: {:?}", f.info);
                        assert!(f.info.lower_bounds.iter().all(|b| b.is_finite()));
                        match f.model.predict_proba(xm) {
                            Ok(r) => {
                                for row in r.chunks_exact(k) {
                                    assert!((row.iter().sum::<f64>() - 1.0).abs() < 1e-12, "{row:?}");
                                }
                            }
                            Err(e) => assert!(matches!(e, Error::NumericalBreakdown { .. }), "{e:?}"),
                        }
                    }
                    Err(Error::NumericalBreakdown { .. }) => refused += 1,
                    Err(e) => panic!("{ct:?} {init:?} k = {k}: {e:?}"),
                }
            }
        }
    }
    assert_eq!(ok + refused, 32);
}

/// Huge finite data: squared distances overflowed (inertia +∞ on `Ok`) and coordinate sums
/// overflowed (±∞ centres on `Ok`) (kmeans).
#[test]
fn fuzz_kmeans_overflow_is_a_numerical_breakdown() {
    let x = [1e300, -1e300, 1e300, -1e300];
    let xm = MatRef::new(&x, 4, 1, "x").unwrap();
    breakdown(kmeans(xm, &KMeansParams::default().k(1)), "kmeans (inertia)");
    let x = [f64::MAX, f64::MAX, f64::MAX];
    let xm = MatRef::new(&x, 3, 1, "x").unwrap();
    breakdown(kmeans(xm, &KMeansParams::default().k(1)), "kmeans (centres)");
    let init = [0.0];
    breakdown(kmeans_from(xm, MatRef::new(&init, 1, 1, "init").unwrap(), &KMeansParams::default()), "kmeans_from");
    // f32 data whose squares overflow in f32.
    let x = [3e38f32, -3e38, 1.0, 2.0];
    let xm = MatRef::new(&x, 4, 1, "x").unwrap();
    match kmeans(xm, &KMeansParams::default().k(2).n_init(3)) {
        Ok(f) => assert!(f.info.inertia.is_finite() && f.centers.iter().all(|c| c.is_finite()), "{f:?}"),
        Err(e) => assert!(matches!(e, Error::NumericalBreakdown { .. }), "{e:?}"),
    }
    // Separable huge data that does not overflow still fits.
    let x = [1e150, 1e150, -1e150, -1e150];
    let f = kmeans(MatRef::new(&x, 4, 1, "x").unwrap(), &KMeansParams::default().k(2)).unwrap();
    assert_eq!(f.info.inertia, 0.0);
}

/// A Dirichlet pseudo-count whose N + Kc overflows (f64::MAX; 3.4e38 in f32): the weights
/// were NaN or summed to 0 on `Ok` (split_merge). They now tend to 1/K.
#[test]
fn fuzz_split_merge_huge_concentration_keeps_weights_on_the_simplex() {
    fn params(c: f64) -> SplitMergeParams {
        SplitMergeParams::default().k_init(2).k_max(3).dirichlet_concentration(c).max_sweeps(2)
    }
    fn assert_uniform(w: &[f64], c: f64) {
        let k = w.len() as f64;
        assert!(w.iter().all(|v| (v - 1.0 / k).abs() < 1e-3), "c = {c:e}: weights {w:?}");
        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-5, "c = {c:e}: weights {w:?}");
    }
    let x = [-4.917_968_8f64, 0.827_636_7];
    let fit = split_merge(MatRef::new(&x, 2, 1, "x").unwrap(), Some(&[Some(1), Some(0)]), &params(f64::MAX)).unwrap();
    assert_uniform(&fit.weights, f64::MAX);
    let x32 = [-0.000_244_140_63f32, -0.000_244_140_63, -0.000_244_140_63, 0.125];
    for c in [3.4e38, 1e300] {
        let fit = split_merge(MatRef::new(&x32, 2, 2, "x").unwrap(), Some(&[Some(1), Some(1)]), &params(c)).unwrap();
        assert_uniform(&fit.weights.iter().map(|&v| f64::from(v)).collect::<Vec<_>>(), c);
    }
}

/// Features whose squared distances overflow: SLK returned energy +∞ (K-means) and NaN
/// energy with σ = +∞ (K-modes) on `Ok` (fewshot_slk); now a typed breakdown or finite.
#[test]
fn fuzz_slk_overflowing_distances_are_a_numerical_breakdown() {
    let support = [0.0, 0.0, 1e300, 0.0];
    let query = [-1e300, 1.0, 5.0, 0.5];
    let s = MatRef::new(&support, 2, 2, "support").unwrap();
    let q = MatRef::new(&query, 2, 2, "query").unwrap();
    let labels = [0, 1];
    let ep = Episode::new(s, &labels, q, 2).unwrap();
    for prototype in [Prototype::KMeans, Prototype::KModes] {
        for lambda in [0.0, 0.7] {
            let mut p = SlkParams::default().prototype(prototype).knn(2);
            p.bound.lambda = lambda;
            let r = slk_few_shot(&ep, &p);
            match (prototype, r) {
                // The Gaussian kernel saturates (exp(−∞) = 0): K-modes may solve it finitely.
                (Prototype::KModes, Ok((_, info))) => {
                    assert!(info.energy.is_finite() && info.sigma.is_finite(), "{info:?}")
                }
                (_, r) => breakdown(r, &format!("slk {prototype:?} λ = {lambda}")),
            }
        }
    }
    // The same episode shrunk to a moderate scale is solved with a finite energy.
    let support = [0.0, 0.0, 3.0, 0.0];
    let query = [-3.0, 1.0, 5.0, 0.5];
    let s = MatRef::new(&support, 2, 2, "support").unwrap();
    let q = MatRef::new(&query, 2, 2, "query").unwrap();
    let ep = Episode::new(s, &labels, q, 2).unwrap();
    for prototype in [Prototype::KMeans, Prototype::KModes] {
        let (_, info) = slk_few_shot(&ep, &SlkParams::default().prototype(prototype).knn(2)).unwrap();
        assert!(info.energy.is_finite() && info.sigma.is_finite(), "{info:?}");
    }
}

/// Fixed rows holding −0.0: the monotone safeguard's halving rewrote them as +0.0
/// (Y + ½·0), so "rows before `fixed_rows` stay as given" failed bit for bit (bound_update).
#[test]
fn fuzz_bound_update_halving_leaves_fixed_rows_bit_for_bit() {
    // A directed (non-symmetric) affinity with heavy weights: the bound minimiser overshoots
    // and the safeguard halves.
    let (n, k) = (4, 2);
    let indptr = [0, 1, 2, 3, 4];
    let indices = [1, 2, 3, 0];
    let weights = [6.0, 6.0, 6.0, 6.0];
    let w = CsrRef::new(n, &indptr, &indices, &weights).unwrap();
    let unary = [0.0, 1.0, 1.0, 0.0, 0.5, 0.0, 0.0, 0.5];
    let a = MatRef::new(&unary, n, k, "unary").unwrap();
    let params = BoundParams::default().lambda(1.0).tol(0.0).max_iter(10).monotone(true);
    let y0 = [-0.0, 1.0, 1.0, -0.0, 0.5, 0.5, 0.5, 0.5];
    let mut y = y0;
    let mut scratch = vec![0.0; bound_update_scratch(n, k)];
    let info = bound_update(a, &w, &params, 2, &mut MatMut::new(&mut y, n, k, "y").unwrap(), &mut scratch).unwrap();
    assert!(info.halvings > 0, "the safeguard was not exercised: {info:?}");
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&y[..4]), bits(&y0[..4]), "fixed rows moved: {y:?}");
    assert!(info.energy <= info.initial_energy);
}

/// Responsibilities whose squares overflow: `target_distribution` returned NaN on `Ok`
/// (gmm_score, seed-22 campaign finding once the E-step gaps were closed). The target is
/// computed from q divided by its largest entry, so no intermediate overflows.
#[test]
fn fuzz_target_distribution_of_huge_responsibilities_stays_on_the_simplex() {
    let q = [1e200, 1e200, 0.0, 1e200, 0.9 * f64::MAX, 0.0];
    for kind in [TargetKind::DecSquare, TargetKind::DepictSqrt] {
        let mut p = [0.0; 6];
        target_distribution(&q, 2, kind, &mut p).unwrap();
        for row in p.chunks_exact(2) {
            assert!(row.iter().all(|v| v.is_finite() && *v >= 0.0), "{kind:?} {p:?}");
            assert!((row[0] + row[1] - 1.0).abs() < 1e-15, "{kind:?} {p:?}");
        }
    }
    // Column totals that overflow (2·MAX): the target is scale-free, so it is still defined:
    // row 2 ∝ (MAX²/(2·MAX), 1²/1) = (MAX/2, 1).
    let mut p = [7.0; 4];
    target_distribution(&[f64::MAX, 0.0, f64::MAX, 1.0], 2, TargetKind::DecSquare, &mut p).unwrap();
    assert_eq!(&p[..2], &[1.0, 0.0]);
    assert!((p[3] - 2.0 / f64::MAX).abs() <= 1e-12 * (2.0 / f64::MAX) && p[2] == 1.0, "{p:?}");
}

/// A spherical component with a variance whose precision squared overflows f32 (1e-40, point
/// at its mean; fixed_api): the alloc E-step formed ‖x − μ‖²·u² = 0·∞ = NaN on `Ok`. It now
/// sums ((x − μ)·u)² per feature, like the diagonal form and the fixed-size E-step.
#[test]
fn fuzz_gmm_spherical_precision_squared_overflow_is_finite() {
    let g = GaussianMixture::<f32>::from_covariances(
        CovarianceType::Spherical,
        &[0.5, 0.5],
        &[0.0, 0.0, 3.0, 3.0],
        &[1e-40, 1.0],
        2,
    )
    .unwrap();
    let x = [0.0f32, 0.0, 3.0, 3.0];
    let p = g.predict_proba(MatRef::new(&x, 2, 2, "x").unwrap()).unwrap();
    assert!(p.iter().all(|v| v.is_finite()), "{p:?}");
    assert_eq!(p[0], 1.0, "the point at the tiny component's mean belongs to it: {p:?}");
    assert!((p[2] + p[3] - 1.0).abs() < 1e-6, "{p:?}");
}
