//! Inputs the fuzz targets (fuzz/fuzz_targets) found to break the contract, kept as
//! regression tests: each must now give a typed error (or finite outputs), never a panic or a
//! non-finite `Ok`.

use clasp_core::Error;
use clasp_core::MatRef;
use clasp_core::sinkhorn::{
    BatchedParams, ScoreKind, SinkhornParams, SwavParams, UnbalancedEntropy, UnbalancedParams, plan,
    sinkhorn_batched, sinkhorn_batched_scratch, sinkhorn_log, sinkhorn_log_scratch, sinkhorn_scaling,
    sinkhorn_scaling_scratch, sinkhorn_unbalanced, sinkhorn_unbalanced_scratch, swav_codes, swav_scratch,
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
        let params = SinkhornParams { eps, kind: ScoreKind::Similarity, ..Default::default() };
        let (mut f, mut g) = ([0.5f32], [0.5f32]);
        let mut s = vec![0.0f32; sinkhorn_scaling_scratch(1, 1)];
        eps_error(sinkhorn_scaling(x, &a32, &b32, &params, &mut f, &mut g, &mut s), eps);
        assert_eq!((f, g), ([0.5], [0.5]), "potentials written on error");
        let mut s = vec![0.0f32; sinkhorn_log_scratch(1, 1)];
        eps_error(sinkhorn_log(x, &a32, &b32, &params, &mut f, &mut g, &mut s), eps);
        let mut out = [0.0f32];
        eps_error(plan(x, ScoreKind::Similarity, eps, &f, &g, &mut out), eps);
        let mut s = vec![0.0f32; sinkhorn_batched_scratch(1, 1)];
        let bp = BatchedParams { eps, kind: ScoreKind::Similarity, iterations: 34 };
        eps_error(sinkhorn_batched(&x32, 1, 1, 1, &a32, &b32, &bp, &mut f, &mut g, &mut s), eps);
        let mut codes = [0.0f32];
        let mut s = vec![0.0f32; swav_scratch(1, 1)];
        let sp = SwavParams { eps, ..Default::default() };
        eps_error(swav_codes(x, &sp, &mut codes, &mut s, &mut clasp_core::Local), eps);
    }
    // f64: only ε beyond √MAX or below 1/√MAX of f64 is refused.
    for eps in [f64::MAX, 1e300, 5e-324, 1e-300] {
        let x = MatRef::new(&[3.874_755_859_375f64][..], 1, 1, "x").unwrap();
        let params = UnbalancedParams {
            eps,
            kind: ScoreKind::Similarity,
            reg_m_a: f64::INFINITY,
            reg_m_b: 0.016,
            entropy: UnbalancedEntropy::Entropy,
            max_iter: 2,
            tol: 0.0,
        };
        let (mut f, mut g) = ([0.0], [0.0]);
        let mut s = vec![0.0; sinkhorn_unbalanced_scratch(1, 1)];
        eps_error(sinkhorn_unbalanced(x, &[2.94], &[2.94], &params, &mut f, &mut g, &mut s), eps);
        let params = SinkhornParams { eps, kind: ScoreKind::Similarity, ..Default::default() };
        let mut s = vec![0.0; sinkhorn_log_scratch(1, 1)];
        eps_error(sinkhorn_log(x, &[8.84], &[8.84], &params, &mut f, &mut g, &mut s), eps);
    }
}

#[test]
fn fuzz_sinkhorn_eps_inside_the_compute_range_still_solves() {
    // The bounds are wide: ε from 1e-19 to 1e19 still solve in f32, with finite potentials.
    for eps in [1e-19, 1e-3, 1.0, 1e19] {
        let x = MatRef::new(&[0.0f32, 1.0, 1.0, 0.0][..], 2, 2, "x").unwrap();
        let params = SinkhornParams { eps, ..Default::default() };
        let (mut f, mut g) = ([0.0f32; 2], [0.0f32; 2]);
        let mut s = vec![0.0f32; sinkhorn_log_scratch(2, 2)];
        sinkhorn_log(x, &[0.5, 0.5], &[0.5, 0.5], &params, &mut f, &mut g, &mut s).unwrap();
        assert!(f.iter().chain(&g).all(|v| v.is_finite()), "ε = {eps:e}: {f:?} {g:?}");
    }
}
