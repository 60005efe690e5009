//! Properties of the Peng–Wei solvers on random instances of 5 to 60 points: feasibility,
//! equivariance under permutations of the points, and scaling of the objective with the
//! distances.

use clasp_core::MatRef;
use clasp_core::sdp::{AdmmParams, Affinity, admm_alloc, feasibility};
use clasp_tests::sdp_data::recovery_instance;
use proptest::prelude::*;

fn distances(x: &[f64], n: usize, p: usize) -> Vec<f64> {
    (0..n * n).map(|idx| (0..p).map(|c| (x[(idx / n) * p + c] - x[(idx % n) * p + c]).powi(2)).sum()).collect()
}

/// tol 1e-7: at 1e-8 ADMM needs more than its default 20 000 iterations on some weakly
/// separated instances of ~60 points (e.g. n = 59, k = 2, l = 0.56, seed 586), where the
/// relaxation is not tight.
fn params() -> AdmmParams {
    AdmmParams::default().tol(1e-7)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(16))]

    #[test]
    fn solution_is_feasible(seed in 0u64..1000, n in 5usize..=60, k in 2usize..4, l in 0.5f64..2.0) {
        let p = 3;
        let (x, _) = recovery_instance(n, k, p, l, seed);
        let aff = Affinity::from_data(MatRef::new(&x, n, p, "x").unwrap()).unwrap();
        let (z, info) = admm_alloc(&aff, k, &params()).unwrap();
        prop_assert!(info.converged);
        let f = feasibility(&z, n, k).unwrap();
        prop_assert!(f.max() <= 1e-6, "{:?}", f);
    }

    #[test]
    fn permuting_points_permutes_z(seed in 0u64..1000, n in 6usize..=60, shift in 1usize..60) {
        // Well separated (l = 2): the optimum is the unique integral Z.
        let (p, k) = (3, 3);
        let (x, _) = recovery_instance(n, k, p, 2.0, seed);
        // Reversed, then rotated: a permutation for every n.
        let perm: Vec<usize> = (0..n).map(|i| (n - 1 - i + shift) % n).collect();
        let xp: Vec<f64> = perm.iter().flat_map(|&i| x[i * p..(i + 1) * p].to_vec()).collect();
        let solve = |x: &[f64]| admm_alloc(&Affinity::from_data(MatRef::new(x, n, p, "x").unwrap()).unwrap(), k, &params()).unwrap();
        let (z, a) = solve(&x);
        let (zp, b) = solve(&xp);
        prop_assert!((a.objective - b.objective).abs() <= 1e-6 * a.objective.abs());
        for i in 0..n {
            for j in 0..n {
                prop_assert!((zp[i * n + j] - z[perm[i] * n + perm[j]]).abs() < 1e-4);
            }
        }
    }

    #[test]
    fn scaling_distances_scales_the_objective(seed in 0u64..1000, n in 5usize..=60, scale in 0.01f64..100.0) {
        let (p, k) = (3, 3);
        let (x, _) = recovery_instance(n, k, p, 0.8, seed);
        let d = distances(&x, n, p);
        let ds: Vec<f64> = d.iter().map(|v| v * scale).collect();
        let solve = |d: &[f64]| admm_alloc(&Affinity::from_distances(MatRef::new(d, n, n, "d").unwrap()).unwrap(), k, &params()).unwrap().1;
        let (a, b) = (solve(&d), solve(&ds));
        prop_assert!((b.objective - scale * a.objective).abs() <= 1e-6 * (scale * a.objective).abs().max(1e-12), "{} vs {}", b.objective, scale * a.objective);
    }
}
