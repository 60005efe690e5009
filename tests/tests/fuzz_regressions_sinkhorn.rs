//! Inputs the Sinkhorn, SwAV and fixed-capacity fuzz targets found to break the contract
//! (formerly listed in fuzz/known-gaps), kept as regression tests: each must now give a typed
//! error before anything is written, or finite outputs meeting their invariants, or a
//! `NumericalBreakdown` whose outputs hold a finite last good iterate.

use clasp_core::fixed::{FixedCovariance, FixedGmm, gmm_blob};
use clasp_core::mixture::{CovarianceType, GaussianMixture};
use clasp_core::sinkhorn::{
    BatchedParams, ScoreKind, SinkhornInfo, SinkhornParams, SwavParams, UnbalancedEntropy, UnbalancedParams,
    sinkhorn_batched, sinkhorn_batched_scratch, sinkhorn_log, sinkhorn_log_scratch, sinkhorn_scaling,
    sinkhorn_scaling_scratch, sinkhorn_unbalanced, sinkhorn_unbalanced_scratch, swav_assign, swav_codes, swav_scratch,
};
use clasp_core::{Error, Float, Local, MatRef};
use half::{bf16, f16};

fn all_finite<F: Float>(v: &[F]) -> bool {
    v.iter().all(|x| x.is_finite())
}

/// `Ok` with finite potentials, or a breakdown that left a finite last good iterate.
fn finite_or_breakdown<F: Float>(r: &Result<SinkhornInfo, Error>, f: &[F], g: &[F]) {
    match r {
        Ok(info) => assert!(info.marginal_err.is_finite(), "{info:?}"),
        Err(Error::NumericalBreakdown { .. }) => {}
        Err(e) => panic!("unexpected {e:?}"),
    }
    assert!(all_finite(f) && all_finite(g), "{r:?}: f {f:?} g {g:?}");
}

#[test]
fn fuzz_unbalanced_with_both_marginals_exact_needs_equal_masses() {
    // reg_m_a = reg_m_b = ∞ makes the problem balanced; with Σa = 9.65 ≠ Σb = 3.22 no plan
    // exists, the scalings diverged geometrically and `Ok` came back with g = −∞ (f32) — or
    // +∞ / NaN potentials and mass in other reproducers.
    let x = MatRef::new(&[0.0f32, -0.75][..], 2, 1, "x").unwrap();
    let (a, b) = ([7.089_843_8f32, 2.560_546_9], [3.220_703_1f32]);
    let mut params = UnbalancedParams::default()
        .eps(14.469336839330047)
        .kind(ScoreKind::Cost)
        .reg_m_a(f64::INFINITY)
        .reg_m_b(f64::INFINITY)
        .entropy(UnbalancedEntropy::Entropy)
        .max_iter(80)
        .tol(0.045);
    for entropy in [UnbalancedEntropy::Entropy, UnbalancedEntropy::Kl] {
        params.entropy = entropy;
        let (mut f, mut g) = ([7.0f32; 2], [7.0f32; 1]);
        let mut s = vec![0.0f32; sinkhorn_unbalanced_scratch(2, 1)];
        let r = sinkhorn_unbalanced(x, &a, &b, &params, &mut f, &mut g, &mut s);
        assert!(matches!(r, Err(Error::MassMismatch { what: "b", .. })), "{r:?}");
        assert_eq!((f, g), ([7.0; 2], [7.0; 1]), "outputs written on a refused input");
    }
    // One relaxed side makes it feasible again: finite potentials and a finite mass.
    params.reg_m_b = 1.0;
    let (mut f, mut g) = ([0.0f32; 2], [0.0f32; 1]);
    let mut s = vec![0.0f32; sinkhorn_unbalanced_scratch(2, 1)];
    let info = sinkhorn_unbalanced(x, &a, &b, &params, &mut f, &mut g, &mut s).unwrap();
    assert!(all_finite(&f) && all_finite(&g) && info.mass.is_finite() && info.mass > 0.0, "{info:?} {f:?} {g:?}");
}

#[test]
fn fuzz_unbalanced_kl_potentials_do_not_overflow_the_product_u_a() {
    // "kl" potentials are ε ln(u·a); with subnormal marginals the product u·a underflowed to 0
    // (a −∞ potential) although u and a are positive: now ε (ln u + ln a).
    let x = MatRef::new(&[0.0f64, 0.5, 0.25, 0.0][..], 2, 2, "x").unwrap();
    let (a, b) = ([1e-310f64, 2e-310], [1.5e-310f64, 1.5e-310]);
    let params = UnbalancedParams::default()
        .eps(0.5)
        .kind(ScoreKind::Cost)
        .reg_m_a(1.0)
        .reg_m_b(1.0)
        .entropy(UnbalancedEntropy::Kl)
        .max_iter(50)
        .tol(0.0);
    let (mut f, mut g) = ([0.0; 2], [0.0; 2]);
    let mut s = vec![0.0; sinkhorn_unbalanced_scratch(2, 2)];
    match sinkhorn_unbalanced(x, &a, &b, &params, &mut f, &mut g, &mut s) {
        Ok(info) => assert!(info.mass.is_finite()),
        Err(e) => assert!(matches!(e, Error::NumericalBreakdown { .. }), "{e:?}"),
    }
    assert!(all_finite(&f) && all_finite(&g), "f {f:?} g {g:?}");
}

#[test]
fn fuzz_scaling_underflowing_scaling_is_a_breakdown_with_finite_potentials() {
    // bf16, b with two entries of 1e-28: a scaling v_j = b_j / (Gᵀu)_j underflowed to 0, which
    // gave a −∞ potential on `Ok` (and, one iteration later, after a breakdown).
    let x: Vec<bf16> = [0.878_906_25f32, 0.878_906_25, -0.941_406_25, 0.910_156_25, -0.941_406_25, 0.878_906_25]
        .iter()
        .chain(&[0.878_906_25f32; 3])
        .map(|&v| bf16::from_f32(v))
        .collect();
    let a: Vec<bf16> = [0.390_625f32, 6.0, 6.0].iter().map(|&v| bf16::from_f32(v)).collect();
    let b: Vec<bf16> = [1.017_630_6e-28f32, 12.375, 1.017_630_6e-28].iter().map(|&v| bf16::from_f32(v)).collect();
    let xm = MatRef::new(&x, 3, 3, "x").unwrap();
    for max_iter in [1, 2, 15, 200] {
        let params = SinkhornParams::default()
            .eps(0.029223745562214958)
            .kind(ScoreKind::Similarity)
            .max_iter(max_iter)
            .tol(2.7e-9)
            .check_every(15);
        let (mut f, mut g) = ([0.0f32; 3], [0.0f32; 3]);
        let mut s = vec![0.0f32; sinkhorn_scaling_scratch(3, 3)];
        let r = sinkhorn_scaling(xm, &a, &b, &params, &mut f, &mut g, &mut s);
        finite_or_breakdown(&r, &f, &g);
        // The log-domain solver handles the same problem without breaking down.
        let mut s = vec![0.0f32; sinkhorn_log_scratch(3, 3)];
        let r = sinkhorn_log(xm, &a, &b, &params, &mut f, &mut g, &mut s);
        assert!(r.is_ok(), "{r:?}");
        finite_or_breakdown(&r, &f, &g);
    }
}

#[test]
fn fuzz_batched_underflowing_scaling_is_a_breakdown() {
    // f32, b_0 = 5.2e-40 (subnormal): v_0 underflowed to 0 and `Ok` held g_0 = −∞.
    let x = [5.395_996f32, -5.407_470_7, 5.417_724_6, 4.454_834];
    let (a, b) = ([4.29f32, 1.03], [5.165_05e-40f32, 5.32]);
    for iterations in [1, 27, 60] {
        let params =
            BatchedParams::default().eps(0.13687499405181752).kind(ScoreKind::Similarity).iterations(iterations);
        let (mut f, mut g) = ([0.0f32; 2], [0.0f32; 2]);
        let mut s = vec![0.0f32; sinkhorn_batched_scratch(2, 2)];
        match sinkhorn_batched(&x, 1, 2, 2, &a, &b, &params, &mut f, &mut g, &mut s) {
            Ok(info) => assert!(all_finite(&f) && all_finite(&g) && info.max_marginal_err.is_finite()),
            Err(e) => assert!(matches!(e, Error::NumericalBreakdown { .. }), "{e:?}"),
        }
    }
}

#[test]
fn fuzz_marginal_totals_beyond_half_max_are_refused() {
    // f64, b = [3.45, 1e300, MAX]: Σb = +∞ passed the mass check against Σa = 4.67 (∞ ≤ tol·∞);
    // b = [MAX, MAX, 7.84, 4.24] in sinkhorn_log gave marginal_err = +∞ on `Ok`.
    let params =
        SinkhornParams::default().eps(0.55546351653539).kind(ScoreKind::Cost).max_iter(175).tol(0.0).check_every(14);
    let x = [-1.004150390625f64, -1.004150390625, 7.69921875, -5.14501953125];
    let xm = MatRef::new(&x, 1, 4, "x").unwrap();
    let b = [f64::MAX, f64::MAX, 7.84, 4.24];
    let (mut f, mut g) = ([1.0; 1], [1.0; 4]);
    let mut s = vec![0.0; sinkhorn_log_scratch(1, 4)];
    let r = sinkhorn_log(xm, &[1.29], &b, &params, &mut f, &mut g, &mut s);
    assert!(matches!(r, Err(Error::MassMismatch { what: "b", .. })), "{r:?}");
    let xm = MatRef::new(&x[..3], 1, 3, "x").unwrap();
    let mut s = vec![0.0; sinkhorn_scaling_scratch(1, 3)];
    let r = sinkhorn_scaling(xm, &[4.67], &[3.45, 1e300, f64::MAX], &params, &mut f, &mut g[..3], &mut s);
    assert!(matches!(r, Err(Error::MassMismatch { what: "b", .. })), "{r:?}");
    assert_eq!((f, g), ([1.0; 1], [1.0; 4]), "outputs written on a refused input");
    let big = [0.3 * f64::MAX, 0.3 * f64::MAX];
    let xm = MatRef::new(&[0.0, 1.0, 1.0, 0.0][..], 2, 2, "x").unwrap();
    let mut s = vec![0.0; sinkhorn_log_scratch(2, 2)];
    let (mut f, mut g) = ([0.0; 2], [0.0; 2]);
    let r = sinkhorn_log(xm, &big, &big, &params, &mut f, &mut g, &mut s);
    assert!(matches!(r, Err(Error::MassMismatch { what: "a", .. })), "{r:?}");
    // Below MAX/2 the column sums cannot overflow: a finite error and finite potentials.
    let big = [0.2 * f64::MAX, 0.2 * f64::MAX];
    for solve in [sinkhorn_log::<f64>, sinkhorn_scaling::<f64>] {
        let mut s = vec![0.0; sinkhorn_scaling_scratch(2, 2)];
        let info = solve(xm, &big, &big, &params, &mut f, &mut g, &mut s).unwrap();
        assert!(info.marginal_err.is_finite() && all_finite(&f) && all_finite(&g), "{info:?} {f:?} {g:?}");
    }
}

#[test]
fn fuzz_log_domain_refuses_scores_whose_ratio_to_eps_overflows() {
    // f32, x = 3.4e38 with ε = 0.02: σx/ε overflowed and sinkhorn_log returned NaN potentials.
    let params = SinkhornParams::default().eps(0.02).kind(ScoreKind::Similarity).max_iter(15).tol(0.0).check_every(1);
    let mut s = vec![0.0f32; sinkhorn_log_scratch(1, 1)];
    for (x, name) in [(3.4e38f32, "x"), (1e36, "eps"), (-1e36, "eps")] {
        let (mut f, mut g) = ([5.0f32], [5.0f32]);
        let xs = [x];
        let xm = MatRef::new(&xs[..], 1, 1, "x").unwrap();
        let r = sinkhorn_log(xm, &[1.0], &[1.0], &params, &mut f, &mut g, &mut s);
        assert!(matches!(r, Err(Error::InvalidParameter { name: n, .. }) if n == name), "x = {x:e}: {r:?}");
        assert_eq!((f, g), ([5.0], [5.0]));
    }
    // Large but representable ratios still solve, with finite potentials.
    let xm = MatRef::new(&[1e30f32, -1e30, 0.0, 1.0][..], 2, 2, "x").unwrap();
    let (mut f, mut g) = ([0.0f32; 2], [0.0f32; 2]);
    let mut s = vec![0.0f32; sinkhorn_log_scratch(2, 2)];
    let info = sinkhorn_log(xm, &[0.5, 0.5], &[0.5, 0.5], &params, &mut f, &mut g, &mut s).unwrap();
    assert!(info.marginal_err.is_finite() && all_finite(&f) && all_finite(&g), "{info:?} {f:?} {g:?}");
}

/// SwAV codes and hard targets on the same scores: both `Ok` (codes are probability rows,
/// prototype errors finite) or both the same error, codes untouched then.
fn check_swav<T: clasp_core::Real>(x: &[T], n: usize, k: usize, eps: f64) {
    let s = MatRef::new(x, n, k, "scores").unwrap();
    for iterations in 1..=10 {
        for max_shift in [false, true] {
            let params = SwavParams::default().eps(eps).iterations(iterations).max_shift(max_shift).keep_last(None);
            let mut scratch = vec![<T::Acc as Float>::ZERO; swav_scratch(n, k)];
            let sentinel = T::from_acc(<T::Acc as Float>::from_f64(0.375));
            let mut codes = vec![sentinel; n * k];
            let coded = swav_codes(s, &params, &mut codes, &mut scratch, &mut Local);
            let mut labels = vec![usize::MAX; n];
            let assigned = swav_assign(s, &params, &mut labels, &mut scratch, &mut Local);
            match (&coded, &assigned) {
                (Ok(a), Ok(b)) => {
                    assert!(a.prototype_err.is_finite() && b.prototype_err.is_finite(), "{a:?} {b:?}");
                    for row in codes.chunks_exact(k) {
                        let w: Vec<f64> = row.iter().map(|c| c.to_acc().to_f64()).collect();
                        assert!(w.iter().all(|c| (0.0..=1.0 + 1e-2).contains(c)), "codes {w:?}");
                        assert!((w.iter().sum::<f64>() - 1.0).abs() < 1e-2, "codes {w:?}");
                    }
                    assert!(labels.iter().all(|&l| l < k));
                }
                (Err(a), Err(b)) => {
                    assert_eq!(a, b);
                    // Unshifted, exp(S/ε) may not fit: refused up front.
                    let unshifted = !max_shift && matches!(a, Error::InvalidParameter { name: "eps", .. });
                    assert!(unshifted || matches!(a, Error::NumericalBreakdown { .. }), "{a:?}");
                    assert!(codes.iter().all(|&c| c == sentinel), "codes written on {a:?}");
                }
                _ => panic!("T = {iterations}, shift {max_shift}: codes {coded:?}, assign {assigned:?}"),
            }
        }
    }
}

#[test]
fn fuzz_swav_subnormal_kernel_rows_do_not_give_nan_codes() {
    // f16 scores, ε = 0.082: a sample row's kernel is subnormal in f32 (e^−94, e^−84), its
    // sample scaling 1/(B (G v)_i) overflowed, and `Ok` came back with a NaN prototype error
    // and NaN codes.
    let x: Vec<f16> =
        [-7.691_406_3f32, -6.867_187_5, 6.035_156_3, -6.839_843_8].iter().map(|&v| f16::from_f32(v)).collect();
    check_swav(&x, 2, 2, 0.08178193281421497);
    let x: Vec<f16> = [
        0.0f32,
        0.0,
        0.0,
        7.0625,
        7.121_093_8,
        1.986_328_1,
        -5.1875,
        1.565_429_7,
        1.564_453_1,
        0.006_103_515_6,
        5.4375,
        1.565_429_7,
    ]
    .iter()
    .map(|&v| f16::from_f32(v))
    .collect();
    check_swav(&x, 2, 6, 0.02046057534875751);
    // Ordinary scores keep working (the bound check certifies them without a dry pass).
    let x: Vec<f64> = (0..24).map(|i| ((i * 7 % 11) as f64) / 11.0 - 0.5).collect();
    check_swav(&x, 6, 4, 0.05);
}

#[test]
fn fuzz_gmm_blob_refuses_a_variance_that_rounds_to_zero_in_f32() {
    // A positive f64 variance below f32's smallest subnormal was written as 0.0, and
    // FixedGmm::from_bytes then refused the blob to_bytes had produced.
    let model = GaussianMixture::from_covariances(
        CovarianceType::Diag,
        &[0.5f64, 0.5],
        &[0.0, 0.0, 1.0, 1.0],
        &[1.0, 1.0, 1.0, 1e-50],
        2,
    )
    .unwrap();
    assert_eq!(gmm_blob::to_bytes(&model), Err(Error::NotPositiveDefinite { what: "variances", component: 1 }));
    let model = GaussianMixture::from_covariances(
        CovarianceType::Spherical,
        &[0.5f64, 0.5],
        &[0.0, 0.0, 1.0, 1.0],
        &[1e-50, 1.0],
        2,
    )
    .unwrap();
    assert_eq!(gmm_blob::to_bytes(&model), Err(Error::NotPositiveDefinite { what: "variances", component: 0 }));
    // A subnormal but nonzero f32 variance round-trips.
    let model = GaussianMixture::from_covariances(
        CovarianceType::Diag,
        &[0.5f64, 0.5],
        &[0.0, 0.0, 1.0, 1.0],
        &[1.0, 1.0, 1.0, 1e-40],
        2,
    )
    .unwrap();
    let blob = gmm_blob::to_bytes(&model).unwrap();
    assert_eq!(FixedGmm::<f32, 2, 2>::from_bytes(&blob).unwrap().covariance(), FixedCovariance::Diag);
}

fn assert_probability_rows<const K: usize>(resp: &[[f32; K]]) {
    for row in resp {
        let s: f32 = row.iter().sum();
        assert!(row.iter().all(|p| (0.0..=1.0).contains(p)) && (s - 1.0).abs() <= 1e-5, "row {row:?} sums to {s}");
    }
}

#[test]
fn fuzz_fixed_gmm_rows_sum_to_one_for_huge_log_normalisers() {
    // f32: with |ln p(x)| ≈ 5e35 the old exp(w − lse) lost ln Σ e to rounding — two tied
    // components each got exp(0) = 1 (a row summing to 2); at moderate |lse| rows missed 1 by
    // ε·|lse| (0.998).
    let g = FixedGmm::<f32, 2, 1>::new(FixedCovariance::Diag, [0.5, 0.5], [[0.0], [0.0]], [[1.0], [1.0]]).unwrap();
    let x: [[f32; 1]; 3] = [[1e18], [-3e4], [0.5]];
    let mut resp = [[0.0f32; 2]; 3];
    g.predict_proba(&x, &mut resp).unwrap();
    assert_probability_rows(&resp);
    assert!(resp.as_flattened().iter().all(|&p| (p - 0.5).abs() < 1e-6), "{resp:?}");
    let g = FixedGmm::<f32, 3, 2>::new(
        FixedCovariance::Spherical,
        [0.2, 0.3, 0.5],
        [[0.0, 0.0], [1.0, 0.0], [0.0, 2.0]],
        [[2.0, 0.0], [1.0, 0.0], [0.5, 0.0]],
    )
    .unwrap();
    let x: [[f32; 2]; 2] = [[3e3, -2e3], [-4e17, 1e17]];
    let mut resp = [[0.0f32; 3]; 2];
    g.predict_proba(&x, &mut resp).unwrap();
    assert_probability_rows(&resp);
}

#[test]
fn fuzz_fixed_gmm_tiny_spherical_variance_at_its_mean() {
    // f32, spherical variance 1e-40: u² = 1e40 overflowed and ‖x − μ‖²·u² = 0·∞ gave NaN
    // responsibilities on `Ok` for a point at that mean.
    let g = FixedGmm::<f32, 3, 2>::new(
        FixedCovariance::Spherical,
        [1.0 / 3.0; 3],
        [[-6.211_914, -6.211_914], [-6.211_914, 0.038_085_94], [0.061_523_44, -0.0625]],
        [[1e-40, 0.0], [4.972_145_6, 0.0], [4.944_446, 0.0]],
    )
    .unwrap();
    let x = [[-6.211_914f32, -6.211_914]; 4];
    let mut resp = [[0.0f32; 3]; 4];
    g.predict_proba(&x, &mut resp).unwrap();
    assert_probability_rows(&resp);
    assert!(resp.iter().all(|r| r[0] == 1.0), "{resp:?}");
}

#[test]
fn fuzz_fixed_gmm_point_beyond_every_component_is_a_breakdown() {
    // Every quadratic form overflows (x = 1e30 in f32): ln p(x) is not representable, which
    // gave NaN rows on `Ok`; now a typed breakdown.
    let g = FixedGmm::<f32, 2, 1>::new(FixedCovariance::Diag, [0.5, 0.5], [[0.0], [1.0]], [[1.0], [2.0]]).unwrap();
    let mut resp = [[0.0f32; 2]; 2];
    let r = g.predict_proba(&[[0.5f32], [1e30]], &mut resp);
    assert_eq!(r, Err(Error::NumericalBreakdown { what: "gmm log density", iteration: 1 }));
}
