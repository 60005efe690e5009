//! Inputs the fuzz targets (fuzz/fuzz_targets) found to break the contract, kept as
//! regression tests: each must now give a typed error (or finite outputs), never a panic or a
//! non-finite `Ok`.

use clasp_core::Error;
use clasp_core::MatRef;
use clasp_core::sinkhorn::{
    BatchedParams, ScoreKind, SinkhornParams, SwavParams, UnbalancedEntropy, UnbalancedParams, plan, sinkhorn_batched,
    sinkhorn_batched_scratch, sinkhorn_log, sinkhorn_log_scratch, sinkhorn_scaling, sinkhorn_scaling_scratch,
    sinkhorn_unbalanced, sinkhorn_unbalanced_scratch, swav_codes, swav_scratch,
};

/// ε values that are positive and finite in f64 but outside what the compute type can carry
/// (1/ε or ε·ln u overflows): sinkhorn_scaling (f32, ε = 3.4e38) returned g = +∞,
/// sinkhorn_log (f64, ε = 5e-324) returned NaN potentials, sinkhorn_unbalanced (f64,
/// ε = f64::MAX) +∞, sinkhorn_batched (f32, ε = 1e300) NaN.
fn eps_error(r: Result<impl std::fmt::Debug, Error>, eps: f64) {
    match r {
        Err(Error::InvalidParameter { name: "eps", value }) => assert_eq!(value.to_bits(), eps.to_bits()),
        other => panic!("ε = {eps:e}: expected InvalidParameter(eps), got {other:?}"),
    }
}

#[test]
fn fuzz_sinkhorn_eps_outside_the_compute_range_is_refused() {
    for eps in [3.4e38, 1e300, f64::MAX, 5e-324, 1e-300, 1e-40] {
        let x32 = [-0.000_244_140_63f32];
        let (a32, b32) = ([5.36f32], [5.36f32]);
        let x = MatRef::new(&x32, 1, 1, "x").unwrap();
        let params = SinkhornParams::default().eps(eps).kind(ScoreKind::Similarity);
        let (mut f, mut g) = ([0.5f32], [0.5f32]);
        let mut s = vec![0.0f32; sinkhorn_scaling_scratch(1, 1)];
        eps_error(sinkhorn_scaling(x, &a32, &b32, &params, &mut f, &mut g, &mut s), eps);
        assert_eq!((f, g), ([0.5], [0.5]), "potentials written on error");
        let mut s = vec![0.0f32; sinkhorn_log_scratch(1, 1)];
        eps_error(sinkhorn_log(x, &a32, &b32, &params, &mut f, &mut g, &mut s), eps);
        let mut out = [0.0f32];
        eps_error(plan(x, ScoreKind::Similarity, eps, &f, &g, &mut out), eps);
        let mut s = vec![0.0f32; sinkhorn_batched_scratch(1, 1)];
        let bp = BatchedParams::default().eps(eps).kind(ScoreKind::Similarity).iterations(34);
        eps_error(sinkhorn_batched(&x32, 1, 1, 1, &a32, &b32, &bp, &mut f, &mut g, &mut s), eps);
        let mut codes = [0.0f32];
        let mut s = vec![0.0f32; swav_scratch(1, 1)];
        let sp = SwavParams::default().eps(eps);
        eps_error(swav_codes(x, &sp, &mut codes, &mut s, &mut clasp_core::Local), eps);
    }
    // f64: only ε beyond √MAX or below 1/√MAX of f64 is refused.
    for eps in [f64::MAX, 1e300, 5e-324, 1e-300] {
        let x = MatRef::new(&[3.874_755_859_375f64][..], 1, 1, "x").unwrap();
        let params = UnbalancedParams::default()
            .eps(eps)
            .kind(ScoreKind::Similarity)
            .reg_m_a(f64::INFINITY)
            .reg_m_b(0.016)
            .entropy(UnbalancedEntropy::Entropy)
            .max_iter(2)
            .tol(0.0);
        let (mut f, mut g) = ([0.0], [0.0]);
        let mut s = vec![0.0; sinkhorn_unbalanced_scratch(1, 1)];
        eps_error(sinkhorn_unbalanced(x, &[2.94], &[2.94], &params, &mut f, &mut g, &mut s), eps);
        let params = SinkhornParams::default().eps(eps).kind(ScoreKind::Similarity);
        let mut s = vec![0.0; sinkhorn_log_scratch(1, 1)];
        eps_error(sinkhorn_log(x, &[8.84], &[8.84], &params, &mut f, &mut g, &mut s), eps);
    }
}

#[test]
fn fuzz_sinkhorn_eps_inside_the_compute_range_still_solves() {
    // The bounds are wide: ε from 1e-19 to 1e19 still solve in f32, with finite potentials.
    for eps in [1e-19, 1e-3, 1.0, 1e19] {
        let x = MatRef::new(&[0.0f32, 1.0, 1.0, 0.0][..], 2, 2, "x").unwrap();
        let params = SinkhornParams::default().eps(eps);
        let (mut f, mut g) = ([0.0f32; 2], [0.0f32; 2]);
        let mut s = vec![0.0f32; sinkhorn_log_scratch(2, 2)];
        sinkhorn_log(x, &[0.5, 0.5], &[0.5, 0.5], &params, &mut f, &mut g, &mut s).unwrap();
        assert!(f.iter().chain(&g).all(|v| v.is_finite()), "ε = {eps:e}: {f:?} {g:?}");
    }
}

/// swav_assign took argmax_j (S_ij + ε ln v_j): with ε = 6e-8 the ε ln v_j differences fell
/// below the rounding of S_ij ≈ 6.16, every entry tied and the label went to column 0 although
/// the codes put 0.036 there and 0.48 on columns 1 and 2. Labels are now argmax of the same
/// products as the codes.
#[test]
fn fuzz_swav_assign_labels_are_largest_codes_at_tiny_eps() {
    let x = [6.15625f32, 6.15625, 6.15625, 6.15625, 6.15625, 6.15625, 6.15625, 0.0, 0.0];
    let s = MatRef::new(&x[..], 3, 3, "scores").unwrap();
    for iterations in 1..=5 {
        for max_shift in [true, false] {
            let params = SwavParams::default().eps(6e-8).iterations(iterations).max_shift(max_shift).keep_last(None);
            let mut scratch = vec![0.0f32; swav_scratch(3, 3)];
            let mut codes = [0.0f32; 9];
            let coded = swav_codes(s, &params, &mut codes, &mut scratch, &mut clasp_core::Local);
            let mut labels = [0usize; 3];
            let assigned =
                clasp_core::sinkhorn::swav_assign(s, &params, &mut labels, &mut scratch, &mut clasp_core::Local);
            assert_eq!(coded.is_ok(), assigned.is_ok(), "{coded:?} vs {assigned:?}");
            if coded.is_err() {
                continue;
            }
            for (row, &l) in codes.chunks_exact(3).zip(&labels) {
                let top = row.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
                assert!(row[l] >= top * (1.0 - 1e-5), "T = {iterations}: label {l} for codes {row:?}");
            }
        }
    }
}

/// bound_update_from_unary wrote softmax(−A) into `y` before finding that E(Y⁰) overflows
/// (finite unary costs of −3e38 in f32 sum to −∞) and returning `Err`: `y` must be untouched.
#[test]
fn fuzz_bound_update_from_unary_leaves_y_untouched_on_error() {
    use clasp_core::bound::{BoundParams, CsrRef, bound_update_from_unary, bound_update_scratch};
    let unary = [-3e38f32, -3e38];
    let a = MatRef::new(&unary[..], 2, 1, "unary").unwrap();
    let w = CsrRef::new(2, &[0, 0, 0], &[], &[]).unwrap();
    let mut y = [0.25f32, 0.75];
    let mut scratch = vec![0.0f32; bound_update_scratch(2, 1)];
    let mut ym = clasp_core::MatMut::new(&mut y[..], 2, 1, "y").unwrap();
    let r = bound_update_from_unary(a, &w, &BoundParams::default(), &mut ym, &mut scratch);
    assert!(matches!(r, Err(Error::NonFinite { what: "energy", .. })), "{r:?}");
    assert_eq!(y, [0.25, 0.75], "y written on error");
}

/// shift_query returned `Ok` with −∞ in the query when finite features shift out of range
/// (support mean 3e38, query mean −3e38 in f32); it is now a typed error, query untouched.
#[test]
fn fuzz_shift_query_out_of_range_is_an_error() {
    use clasp_core::bound::shift_query;
    let support = [3e38f32];
    let s = MatRef::new(&support[..], 1, 1, "support").unwrap();
    let mut q = [-3e38f32, -1e38];
    let mut qm = clasp_core::MatMut::new(&mut q[..], 2, 1, "query").unwrap();
    let mut scratch = [0.0f32; 2];
    let r = shift_query(s, &mut qm, &mut scratch);
    assert!(matches!(r, Err(Error::NonFinite { what: "shifted query", .. })), "{r:?}");
    assert_eq!(q, [-3e38, -1e38], "query written on error");
}

/// The reported ‖Qᵀ1 − b‖₂ overflowed to +∞ in f32 for marginals near 1e37 (the squares of
/// the differences overflow); it is now a scaled norm, finite whenever the differences are.
#[test]
fn fuzz_sinkhorn_marginal_error_does_not_overflow() {
    let x = [0.0f32, 3.0, 1.0, 0.0];
    let xm = MatRef::new(&x[..], 2, 2, "x").unwrap();
    let (a, b) = ([1e37f32, 3e37], [3e37f32, 1e37]);
    let params = SinkhornParams::default().eps(0.5).max_iter(1);
    let (mut f, mut g) = ([0.0f32; 2], [0.0f32; 2]);
    let mut s = vec![0.0f32; sinkhorn_log_scratch(2, 2)];
    let info = sinkhorn_log(xm, &a, &b, &params, &mut f, &mut g, &mut s).unwrap();
    assert!(info.marginal_err.is_finite() && info.marginal_err > 1e35, "{info:?}");
    let mut s = vec![0.0f32; sinkhorn_scaling_scratch(2, 2)];
    let info = sinkhorn_scaling(xm, &a, &b, &params, &mut f, &mut g, &mut s).unwrap();
    assert!(info.marginal_err.is_finite() && info.marginal_err > 1e35, "{info:?}");
}

/// k-means from five identical initial centres: empty clusters were relocated onto far
/// points, the labels happened not to change, and Lloyd stopped as "strictly converged"
/// without reassigning, so row 0 kept a centre 0.0039 away while a relocated centre sat on it.
/// Every label must be a nearest centre and the inertia their distances.
#[test]
fn fuzz_kmeans_labels_are_nearest_after_relocating_empty_clusters() {
    use clasp_core::kmeans::{KMeansInit, KMeansParams, kmeans_assign, kmeans_from};
    let x = [0.0625f64, 0.0, 0.023681640625, -0.000244140625, -0.000244140625, -0.000244140625];
    let xm = MatRef::new(&x[..], 6, 1, "x").unwrap();
    let init = [0.0f64; 5];
    let params = KMeansParams::default().k(5).max_iter(8).tol(0.0).n_init(1).init(KMeansInit::Random).seed(0);
    let fit = kmeans_from(xm, MatRef::new(&init[..], 5, 1, "init").unwrap(), &params).unwrap();
    let (mut labels, mut dist) = (vec![0usize; 6], vec![0.0; 6]);
    let inertia = kmeans_assign(xm, MatRef::new(&fit.centers, 5, 1, "c").unwrap(), &mut labels, &mut dist).unwrap();
    for (i, (&l, &d)) in fit.labels.iter().zip(&dist).enumerate() {
        let own = (x[i] - fit.centers[l]).powi(2);
        assert!(own <= d, "row {i}: label {l} at {own}, nearest at {d}");
    }
    assert!((inertia - fit.info.inertia).abs() <= 1e-12, "{inertia} vs {}", fit.info.inertia);
}

/// `m_step` on huge responsibilities times huge data (gmm_score, CI seed 1): Σᵢ rᵢₖ xᵢ
/// overflowed and the M-step returned `Ok` with ±∞ means; it now reports the breakdown.
#[test]
fn fuzz_m_step_overflowing_sufficient_statistics_is_a_breakdown() {
    use clasp_core::mixture::{CovarianceType, m_step};
    let x = [1e300f64, -1e300, 2.0, 1e300];
    let xm = MatRef::new(&x, 2, 2, "x").unwrap();
    let resp = [1e300f64, 1.0, 1e10, 0.5];
    for ct in [CovarianceType::Full, CovarianceType::Diag, CovarianceType::Spherical, CovarianceType::Tied] {
        match m_step(xm, &resp, 2, ct, 1e-6) {
            Err(Error::NumericalBreakdown { what, .. }) => assert!(what.contains("m_step"), "{what}"),
            other => panic!("{ct:?}: expected NumericalBreakdown, got {other:?}"),
        }
    }
    // Moderate values still fit.
    let resp = [0.7f64, 0.3, 0.2, 0.8];
    let x = [1.0f64, -1.0, 2.0, 1.0];
    let m = m_step(MatRef::new(&x, 2, 2, "x").unwrap(), &resp, 2, CovarianceType::Diag, 1e-6).unwrap();
    assert!(m.means().iter().all(|v| v.is_finite()));
}

// mixtures, k-means, SDP

/// `sdp::certificate` on data whose Gram entries overflow: the partition objective was +∞,
/// the gap −∞ and the certificate claimed `certified`. It must refuse a non-finite objective.
#[test]
fn fuzz_sdp_certificate_refuses_non_finite_objective() {
    use clasp_core::sdp::{Affinity, certificate};
    let x = [1e300f64, -1e300, 1e300, -1e300];
    let aff = Affinity::from_data(MatRef::new(&x[..], 4, 1, "x").unwrap()).unwrap();
    let r = certificate(&aff, &[0, 1, 0, 1], 2, 1.0, 1e-6);
    assert!(matches!(r, Err(Error::NonFinite { .. })), "{r:?}");
}

/// `sinkhorn_log` with subnormal marginals (sinkhorn_log, seed 1): the converged plan's column
/// sums were right but the reported error came from one-exp column sums that had flushed to
/// 0 (error = b). The error now comes from the stable log-sum-exp sums whenever the one-exp
/// sums are inexact.
#[test]
fn fuzz_sinkhorn_log_reports_the_error_of_subnormal_marginals() {
    let x = [1e-310f64];
    let (a, b) = ([1e-310f64], [1e-310f64]);
    let params = SinkhornParams::default()
        .eps(0.038_316_244_585_192_86)
        .kind(ScoreKind::Similarity)
        .max_iter(65)
        .tol(0.0)
        .check_every(11);
    let (mut f, mut g) = ([0.0], [0.0]);
    let mut s = vec![0.0; sinkhorn_log_scratch(1, 1)];
    let info = sinkhorn_log(MatRef::new(&x, 1, 1, "x").unwrap(), &a, &b, &params, &mut f, &mut g, &mut s).unwrap();
    let column = ((x[0] + f[0] + g[0]) / params.eps).exp();
    assert!((column - b[0]).abs() <= 1e-12 * b[0], "plan column {column:e} vs b {:e}", b[0]);
    assert!(info.marginal_err <= 1e-12 * b[0], "reported error {:e} for a plan column {column:e}", info.marginal_err);
}

/// `target_distribution` on f32 soft assignments near f32::MAX and subnormal (gmm_score,
/// seed 1): q² overflowed and 1/f_k was +∞, giving NaN targets on `Ok`.
#[test]
fn fuzz_target_distribution_is_scale_free() {
    use clasp_core::mixture::{TargetKind, target_distribution};
    let q = [3e38f32, 1e-45, 2e38, 3e38];
    for kind in [TargetKind::DecSquare, TargetKind::DepictSqrt] {
        let mut p = [0.0f32; 4];
        target_distribution(&q, 2, kind, &mut p).unwrap();
        for r in p.chunks_exact(2) {
            assert!(r.iter().all(|v| v.is_finite()) && (r[0] + r[1] - 1.0).abs() < 1e-6, "{kind:?}: {p:?}");
        }
    }
}
