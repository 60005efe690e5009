//! Known optima of the Peng–Wei SDP on bundled data (measured with cvxpy + SCS at
//! eps 1e-7 and an independent ADMM): iris (raw 4 features) 605.83350 and wine (13 features
//! standardised with the population standard deviation) 1047.07513, with A = X_c X_cᵀ.

use clasp_core::MatRef;
use clasp_core::sdp::{AdmmParams, Affinity, admm_alloc, feasibility};
use clasp_tests::sdp_data::{bundled_features, standardise};

fn solve(x: &[f64], n: usize, p: usize, k: usize, tol: f64) -> (f64, clasp_core::sdp::SdpInfo) {
    let aff = Affinity::from_data(MatRef::new(x, n, p, "x").unwrap()).unwrap();
    let (z, info) = admm_alloc(&aff, k, &AdmmParams::default().tol(tol)).unwrap();
    let f = feasibility(&z, n, k).unwrap();
    assert!(f.max() <= 1e-6, "{f:?}");
    (info.objective, info)
}

#[test]
fn iris_optimum() {
    let (x, n, p) = bundled_features("iris").unwrap();
    let (obj, info) = solve(&x, n, p, 3, 1e-7);
    println!("iris: {obj:.8} after {} iterations, gap {:?}", info.iterations, info.duality_gap);
    assert!(info.converged);
    assert!((obj - 605.83350).abs() <= 1e-6 * 605.83350, "{obj}");
}

#[test]
fn wine_standardised_optimum() {
    let (mut x, n, p) = bundled_features("wine").unwrap();
    standardise(&mut x, n, p);
    // tol 1e-6 keeps the debug run short (≈ 5000 iterations); the objective is still within 1e-7.
    let (obj, info) = solve(&x, n, p, 3, 1e-6);
    println!("wine: {obj:.8} after {} iterations, gap {:?}", info.iterations, info.duality_gap);
    assert!(info.converged);
    assert!((obj - 1047.07513).abs() <= 1e-6 * 1047.07513, "{obj}");
}
