//! Inputs the SDP fuzz targets (fuzz/fuzz_targets/sdp_*.rs) found to break the contract, kept
//! as regression tests: each must now give a typed error, or an `Ok` whose outputs are finite
//! and whose `converged` flag means the constraints hold.

use clasp_core::sdp::{
    AdmmParams, Affinity, BurerMonteiroParams, IlaParams, PgdParams, admm, admm_alloc, burer_monteiro,
    factor_embedding, feasibility, ila_sdp, pgd, pgd_alloc, spectral_embedding,
};
use clasp_core::{Error, MatRef};

/// `sdp::feasibility` on the finite Z = UUᵀ of a Burer–Monteiro factor (f32, entries from
/// 1e-14 to 2): the symmetric eigenvalue step returned NaN and the call failed with
/// `NumericalBreakdown` (then `spectral_embedding` returned NaN on `Ok`).
#[test]
fn fuzz_sdp_feasibility_of_a_finite_low_rank_z() {
    // U (7 × 7, rows 0 and 3 equal, rows 5 and 6 equal): a 1e-7 block and a block near 1.
    let tiny = [2.184003e-7, 1.5715798e-7, 1.2801192e-7, 3.1771208e-7, 0.0, 1.3911954e-7, 0.0];
    let rows: [[f32; 7]; 7] = [
        tiny,
        [2.7609042e-7, 1.9867106e-7, 1.6182608e-7, 4.0163528e-7, 0.0, 1.7586778e-7, 0.0],
        [5.991552e-7, 4.311442e-7, 3.5118552e-7, 8.716053e-7, 0.0, 3.816579e-7, 0.0],
        tiny,
        [9.856791e-7, 7.092818e-7, 5.777405e-7, 1.4338908e-6, 0.0, 6.278712e-7, 0.0],
        [0.0, 0.0, 0.0, 0.0, 0.9294538, 0.0, 1.0658873],
        [0.0, 0.0, 0.0, 0.0, 0.9294538, 0.0, 1.0658873],
    ];
    let u: Vec<f32> = rows.concat();
    let (n, r) = (7, 7);
    let z: Vec<f32> = (0..n * n).map(|idx| (0..r).map(|t| u[(idx / n) * r + t] * u[(idx % n) * r + t]).sum()).collect();
    let f = feasibility(&z, n, 4).expect("feasibility of a finite Z");
    // Z = UUᵀ is PSD up to rounding and entrywise ≥ 0; ‖U‖_F² = 4 = tr Z.
    assert!(f.psd <= 1e-6 && f.negativity == 0.0 && f.asymmetry == 0.0, "{f:?}");
    assert!(f.trace <= 1e-5, "{f:?}");
    // The embeddings (same eigen step) were NaN on this Z: now finite, and the two agree on
    // the dominant direction (λ = 4: rows 5 and 6 carry it).
    let e = spectral_embedding(&z, n, 4).expect("spectral embedding of a finite Z");
    let g = factor_embedding(&u, n, r, 4).expect("factor embedding of a finite U");
    assert!(e.iter().chain(&g).all(|v| v.is_finite()));
    for i in [5, 6] {
        assert!((e[i * 4].abs() - 2.0f32.sqrt()).abs() < 1e-4 && (g[i * 4].abs() - 2.0f32.sqrt()).abs() < 1e-4);
    }
}

/// The similarity of the `sdp_admm` reproducer: three points of a 1-d data set, offered as a
/// (double-centred, tiny) similarity matrix.
fn tiny_similarity() -> Affinity<f64> {
    let a = [
        -0.0018231206470065648,
        0.001818206575181749,
        4.914071824815586e-6,
        0.0018182065751817494,
        -0.0018133057488335502,
        -4.900826348198592e-6,
        4.914071824815586e-6,
        -4.900826348198592e-6,
        -1.3245476616777566e-8,
    ];
    Affinity::from_similarity(MatRef::new(&a[..], 3, 3, "a").unwrap()).unwrap()
}

/// `admm` with a subnormal penalty ρ = 1e-310 (and no residual balancing): A/ρ ≈ 1e307, the
/// projection onto C1 lost the trace to rounding (tr Z = 1 for K = 3) and the solver still
/// reported `converged`. A converged Z must meet the constraints.
#[test]
fn fuzz_sdp_admm_converged_only_when_feasible() {
    let aff = tiny_similarity();
    let params = AdmmParams::default().tol(2.2e-6).max_iter(163).rho(Some(1e-310)).balance_every(0).dual_bound(false);
    let (z, info) = admm_alloc(&aff, 3, &params).expect("finite problem");
    assert!(info.objective.is_finite(), "{info:?}");
    let f = feasibility(&z, 3, 3).unwrap();
    assert!(!info.converged || f.max() <= 1e-5, "converged but {f:?}");
    // The same problem with a sane ρ converges to a feasible Z (Z = I for K = n; entries
    // ≥ −r with the relative residual r < tol).
    let (z, info) = admm_alloc(&aff, 3, &params.rho(None)).unwrap();
    let f = feasibility(&z, 3, 3).unwrap();
    assert!(info.converged && f.trace <= 1e-12 && f.row_sum <= 1e-12 && f.max() <= 1e-5, "{info:?} {f:?}");
}

/// `pgd` with the step f64::MAX and `tol` = 5e-324: the subnormal tolerance was accepted and
/// the solver reported `converged` for a Z with tr Z = 1 ≠ K = 2. A tolerance below the
/// compute type's ε is refused (f32: ε ≈ 1.2e-7, so 1e-7 is refused there but not in f64);
/// with a valid tolerance a converged Z meets the constraints.
#[test]
fn fuzz_sdp_tolerance_below_epsilon_and_huge_step() {
    let x = [3.12451171875f64, 0.0];
    let aff = Affinity::from_data(MatRef::new(&x[..], 2, 1, "x").unwrap()).unwrap();
    let params = PgdParams::default().tol(5e-324).max_iter(1).step(Some(f64::MAX)).inner_iter(1).accelerate(false);
    let mut z = [0.625f64; 4];
    let tol_error = |e: Error, tol: f64| matches!(e, Error::InvalidParameter { name: "tol", value } if value == tol);
    assert!(tol_error(pgd(&aff, 2, &params, &mut z).unwrap_err(), 5e-324));
    assert_eq!(z, [0.625; 4], "z written on error");
    assert!(tol_error(admm(&aff, 2, &AdmmParams::default().tol(5e-324), &mut z).unwrap_err(), 5e-324));
    let x32 = x.map(|v| v as f32);
    let aff32 = Affinity::from_data(MatRef::new(&x32[..], 2, 1, "x").unwrap()).unwrap();
    let mut z32 = [0.625f32; 4];
    let p7 = PgdParams::default().tol(1e-7);
    assert!(tol_error(pgd(&aff32, 2, &p7, &mut z32).unwrap_err(), 1e-7));
    assert!(pgd(&aff, 2, &p7, &mut z).is_ok());
    let xm = MatRef::new(&x32[..], 2, 1, "x").unwrap();
    let bm = BurerMonteiroParams::default().tol(1e-7);
    assert!(tol_error(burer_monteiro(xm, 2, &bm).unwrap_err(), 1e-7));
    let ila = IlaParams::default().tol(1e-7);
    assert!(tol_error(ila_sdp(xm, 2, &[0, 1], &ila).unwrap_err(), 1e-7));
    // A valid tolerance with the huge step: never a converged infeasible Z.
    for max_iter in [1, 50] {
        match pgd_alloc(&aff, 2, &params.tol(1e-6).max_iter(max_iter)) {
            Ok((z, info)) => {
                assert!(info.objective.is_finite(), "{info:?}");
                let f = feasibility(&z, 2, 2).unwrap();
                assert!(!info.converged || f.max() <= 1e-5, "converged but {f:?}");
            }
            Err(e) => assert!(matches!(e, Error::NumericalBreakdown { .. }), "{e:?}"),
        }
    }
}

/// `admm` / `pgd` on data whose Gram matrix overflows (1e300 and 1.8e308 entries give an
/// affinity with ±∞): `Ok` with a NaN objective, and the buffer and owned forms' reports
/// compared unequal (NaN ≠ NaN). Now both forms refuse the affinity with the same typed error
/// and leave the buffer untouched.
#[test]
fn fuzz_sdp_overflowing_affinity_is_refused() {
    let cases: [(&[f64], usize, usize); 2] = [
        (&[1e300, 0.546875, -2.4150390625, -2.384521484375, -3.968017578125, 5e-324], 2, 3),
        (&[0.196044921875, 0.203369140625, 3.01171875, f64::MAX], 4, 1),
    ];
    for (x, n, p) in cases {
        let aff = Affinity::from_data(MatRef::new(x, n, p, "x").unwrap()).unwrap();
        let breakdown = Error::NumericalBreakdown { what: "affinity", iteration: 0 };
        let mut z = vec![0.625f64; n * n];
        let ap = AdmmParams::default().tol(2.5e-3).max_iter(270).rho(Some(1e-3)).balance_every(0).dual_bound(false);
        assert_eq!(admm(&aff, 2, &ap, &mut z).unwrap_err(), breakdown);
        assert_eq!(admm_alloc(&aff, 2, &ap).unwrap_err(), breakdown);
        let pp = PgdParams::default().tol(1e-3).max_iter(37).step(None).inner_iter(9).accelerate(false);
        assert_eq!(pgd(&aff, 2, &pp, &mut z).unwrap_err(), breakdown);
        assert_eq!(pgd_alloc(&aff, 2, &pp).unwrap_err(), breakdown);
        assert!(z.iter().all(|&v| v == 0.625), "z written on error");
    }
}

/// `pgd` buffer and owned forms on a valid problem report identical (finite) infos.
#[test]
fn fuzz_sdp_pgd_buffer_and_owned_reports_agree() {
    let x = [3.9465332f64, -2.6538086, 0.0, 1e3];
    let aff = Affinity::from_data(MatRef::new(&x[..], 4, 1, "x").unwrap()).unwrap();
    let params = PgdParams::default().tol(1e-6).max_iter(25).step(None).inner_iter(1).accelerate(false);
    let mut z = [0.0f64; 16];
    let written = pgd(&aff, 3, &params, &mut z).unwrap();
    let (zo, owned) = pgd_alloc(&aff, 3, &params).unwrap();
    assert_eq!(written, owned);
    assert!(owned.objective.is_finite());
    assert_eq!(z.to_vec(), zo);
}

/// `ila_sdp` on one f32 point at 3.4e38: whitening the raw coordinate overflowed (x/ℓ = +∞)
/// and the objective was NaN on `Ok`. The costs are built from centred data now.
#[test]
fn fuzz_sdp_ila_huge_coordinate_gives_a_finite_objective() {
    let x = [3.4e38f32];
    let params = IlaParams::default().tol(9.75e-3).max_iter(136).max_outer(4).reg(0.503).proportions(false);
    let s = ila_sdp(MatRef::new(&x[..], 1, 1, "x").unwrap(), 1, &[0], &params).unwrap();
    assert!(s.info.objective.is_finite(), "{:?}", s.info);
    assert_eq!(s.labels, [0]);
    assert_eq!(s.z, [1.0]);
    // Two huge points far apart in f32: Ok with finite outputs, or a typed breakdown.
    let x = [3.4e38f32, -3.4e38];
    match ila_sdp(MatRef::new(&x[..], 2, 1, "x").unwrap(), 2, &[0, 1], &params) {
        Ok(s) => assert!(s.info.objective.is_finite() && s.z.iter().all(|v| v.is_finite()), "{:?}", s.info),
        Err(e) => assert!(matches!(e, Error::NumericalBreakdown { .. }), "{e:?}"),
    }
}
