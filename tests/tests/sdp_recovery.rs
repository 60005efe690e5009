//! Exact recovery (Chen & Yang 2021) on the notes' Gaussian generator, and agreement of the
//! other solvers with ADMM.

use clasp_core::MatRef;
use clasp_core::sdp::{
    AdmmParams, Affinity, BurerMonteiroParams, IlaParams, PgdParams, admm_owned, burer_monteiro, certificate,
    factor_embedding, ila_sdp, kmeans_labels, pgd_owned, row_argmax_labels, spectral_embedding,
};
use clasp_tests::sdp_data::{Gaussian, membership, misclustering, recovery_instance, same_partition};

#[test]
fn above_threshold_the_optimum_is_the_planted_partition() {
    let (n, k, p) = (90, 3, 10);
    let (x, truth) = recovery_instance(n, k, p, 1.2, 11);
    let aff = Affinity::from_data(MatRef::new(&x, n, p, "x").unwrap()).unwrap();
    let (z, info) = admm_owned(&aff, k, &AdmmParams::default()).unwrap();
    assert!(info.converged, "{info:?}");
    let zg = membership(&truth, k);
    let err = z.iter().zip(&zg).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    assert!(err < 1e-4, "max |Z − Z_G*| = {err}");
    let by_argmax = row_argmax_labels(&z, n, k).unwrap();
    assert!(same_partition(&by_argmax, &truth));
    let emb = spectral_embedding(&z, n, k).unwrap();
    let by_kmeans = kmeans_labels(&emb, n, k, k, 10, 0).unwrap();
    assert!(same_partition(&by_kmeans, &truth));
    let bound = info.objective + info.duality_gap.unwrap();
    let cert = certificate(&aff, &by_kmeans, k, bound, 1e-5).unwrap();
    assert!(cert.certified, "{cert:?}");

    // Burer–Monteiro reaches the same partition without forming Z.
    let bm = burer_monteiro(MatRef::new(&x, n, p, "x").unwrap(), k, &BurerMonteiroParams::default()).unwrap();
    assert!(bm.info.converged && bm.info.primal_residual < 1e-6, "{:?}", bm.info);
    assert!(bm.info.objective <= info.objective * (1.0 + 1e-6));
    let emb = factor_embedding(&bm.u, n, bm.rank, k).unwrap();
    assert!(same_partition(&kmeans_labels(&emb, n, k, k, 10, 0).unwrap(), &truth));
}

#[test]
fn below_threshold_the_solution_is_fractional_but_converged() {
    let (n, k, p) = (90, 3, 10);
    let (x, truth) = recovery_instance(n, k, p, 0.6, 11);
    let aff = Affinity::from_data(MatRef::new(&x, n, p, "x").unwrap()).unwrap();
    let (z, info) = admm_owned(&aff, k, &AdmmParams::default()).unwrap();
    assert!(info.converged, "{info:?}");
    let zg = membership(&truth, k);
    let err = z.iter().zip(&zg).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
    assert!(err > 1e-2, "max |Z − Z_G*| = {err} (expected a fractional solution)");
}

#[test]
fn projected_gradient_matches_admm() {
    let (n, k, p) = (30, 3, 4);
    let (x, _) = recovery_instance(n, k, p, 0.8, 3);
    let aff = Affinity::from_data(MatRef::new(&x, n, p, "x").unwrap()).unwrap();
    let (_, reference) = admm_owned(&aff, k, &AdmmParams { tol: 1e-8, ..AdmmParams::default() }).unwrap();
    let (z, info) = pgd_owned(&aff, k, &PgdParams::default()).unwrap();
    assert!(info.converged, "{info:?}");
    assert!((info.objective - reference.objective).abs() <= 1e-5 * reference.objective.abs(), "{info:?} {reference:?}");
    let f = clasp_core::sdp::feasibility(&z, n, k).unwrap();
    assert!(f.max() <= 1e-5, "{f:?}");
}

#[test]
fn ila_sdp_beats_peng_wei_on_heterogeneous_clusters() {
    // Notes §5: N(0, I) against N((0, 3), diag(16, 0.25)), 40 + 40 points.
    let n = 80;
    let mut g = Gaussian::new(0);
    let mut x = Vec::with_capacity(2 * n);
    let truth: Vec<usize> = (0..n).map(|i| i / 40).collect();
    for &c in &truth {
        if c == 0 {
            x.extend([g.sample(), g.sample()]);
        } else {
            x.extend([4.0 * g.sample(), 3.0 + 0.5 * g.sample()]);
        }
    }
    let aff = Affinity::from_data(MatRef::new(&x, n, 2, "x").unwrap()).unwrap();
    let (z, _) = admm_owned(&aff, 2, &AdmmParams::default()).unwrap();
    let pw = kmeans_labels(&spectral_embedding(&z, n, 2).unwrap(), n, 2, 2, 10, 0).unwrap();
    let sol = ila_sdp(MatRef::new(&x, n, 2, "x").unwrap(), 2, &pw, &IlaParams::default()).unwrap();
    let (e_pw, e_ila) = (misclustering(&truth, &pw, 2), misclustering(&truth, &sol.labels, 2));
    println!("Peng–Wei {e_pw:.4}, iLA-SDP {e_ila:.4}, {:?}", sol.info);
    assert!(e_ila <= e_pw && e_ila < 0.15, "iLA {e_ila} vs Peng–Wei {e_pw}");
    let rows_ok = sol.membership.chunks_exact(2).all(|r| (r[0] + r[1] - 1.0).abs() < 1e-4);
    assert!(rows_ok);
}
