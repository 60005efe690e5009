//! Exact recovery (Chen & Yang 2021) on a planted Gaussian generator (separated centres, isotropic noise), and agreement of the
//! other solvers with ADMM.

use clasp_core::MatRef;
use clasp_core::sdp::{
    AdmmParams, Affinity, BurerMonteiroParams, IlaParams, PgdParams, admm_alloc, burer_monteiro, certificate,
    factor_embedding, ila_sdp, kmeans_labels, pgd_alloc, row_argmax_labels, spectral_embedding,
};
use clasp_tests::sdp_data::{Gaussian, membership, misclustering, recovery_instance, same_partition};

#[test]
fn above_threshold_the_optimum_is_the_planted_partition() {
    let (n, k, p) = (90, 3, 10);
    let (x, truth) = recovery_instance(n, k, p, 1.2, 11);
    let aff = Affinity::from_data(MatRef::new(&x, n, p, "x").unwrap()).unwrap();
    let (z, info) = admm_alloc(&aff, k, &AdmmParams::default()).unwrap();
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
    let (z, info) = admm_alloc(&aff, k, &AdmmParams::default()).unwrap();
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
    let (_, reference) = admm_alloc(&aff, k, &AdmmParams::default().tol(1e-8)).unwrap();
    let (z, info) = pgd_alloc(&aff, k, &PgdParams::default()).unwrap();
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
    let (z, _) = admm_alloc(&aff, 2, &AdmmParams::default()).unwrap();
    let pw = kmeans_labels(&spectral_embedding(&z, n, 2).unwrap(), n, 2, 2, 10, 0).unwrap();
    let sol = ila_sdp(MatRef::new(&x, n, 2, "x").unwrap(), 2, &pw, &IlaParams::default()).unwrap();
    let (e_pw, e_ila) = (misclustering(&truth, &pw, 2), misclustering(&truth, &sol.labels, 2));
    println!("Peng–Wei {e_pw:.4}, iLA-SDP {e_ila:.4}, {:?}", sol.info);
    assert!(e_ila <= e_pw && e_ila < 0.15, "iLA {e_ila} vs Peng–Wei {e_pw}");
    let rows_ok = sol.membership.chunks_exact(2).all(|r| (r[0] + r[1] - 1.0).abs() < 1e-4);
    assert!(rows_ok);
}

/// Heterogeneous-covariance experiment (issue 16 item 6), iLA-SDP against the Peng–Wei SDP.
/// The iLA-SDP paper's own simulation settings and mis-clustering tables could not be
/// retrieved (only its abstract is public in the sources searched, and no code is released),
/// so there is no paper number to compare with; the design is clasp's own, in the paper's
/// spirit: K = 2, p = 4, 30 + 30 points, N(0, I₄) against N(3e₂, diag(16, 0.25, 1, 1)) — one
/// cluster elongated across the other, where the equal-covariance K-means SDP cuts along the
/// long axis. Floor: the Bayes (QDA) rule with the true parameters. Seeds 0..8, both SDPs at
/// tol 1e-4 (labels only; keeps the test at ~5 s in debug).
///
/// Measured (x86-64, f64): mean mis-clustering Peng–Wei 0.3167, iLA-SDP 0.1917, Bayes 0.0208;
/// per seed iLA/PW 0.167/0.233, 0.267/0.283, 0.167/0.283, 0.033/0.350, 0.083/0.300,
/// 0.067/0.350, 0.333/0.333 (labels already a fixed point), 0.417/0.400.
/// Tolerances: the run is deterministic, but a point near a decision boundary can flip with
/// the platform's rounding at tol 1e-4, so per seed iLA-SDP may exceed Peng–Wei by up to two
/// points (2/60; measured worst +1), and the mean gain (measured 0.125) must stay ≥ 0.08.
#[test]
fn ila_sdp_heterogeneous_covariance_experiment() {
    let (n, p, k) = (60, 4, 2);
    let scale = [4.0, 0.5, 1.0, 1.0];
    let shift = [0.0, 3.0, 0.0, 0.0];
    let seeds = 0..8u64;
    let (mut sum_pw, mut sum_ila, mut sum_bayes) = (0.0, 0.0, 0.0);
    for seed in seeds.clone() {
        let mut g = Gaussian::new(100 + seed);
        let truth: Vec<usize> = (0..n).map(|i| i * k / n).collect();
        let mut x = Vec::with_capacity(n * p);
        for &c in &truth {
            for j in 0..p {
                let z = g.sample();
                x.push(if c == 0 { z } else { shift[j] + scale[j] * z });
            }
        }
        // Bayes rule with the true parameters (equal priors): −½ log det Σ − ½ (x − μ)ᵀΣ⁻¹(x − μ).
        let bayes: Vec<usize> = x
            .chunks_exact(p)
            .map(|r| {
                let l0: f64 = r.iter().map(|v| -0.5 * v * v).sum();
                let l1: f64 = (0..p).map(|j| -scale[j].ln() - 0.5 * ((r[j] - shift[j]) / scale[j]).powi(2)).sum();
                usize::from(l1 > l0)
            })
            .collect();
        let aff = Affinity::from_data(MatRef::new(&x, n, p, "x").unwrap()).unwrap();
        let (z, _) = admm_alloc(&aff, k, &AdmmParams::default().tol(1e-4)).unwrap();
        let pw = kmeans_labels(&spectral_embedding(&z, n, k).unwrap(), n, k, k, 10, 0).unwrap();
        let params = IlaParams::default().tol(1e-4);
        let sol = ila_sdp(MatRef::new(&x, n, p, "x").unwrap(), k, &pw, &params).unwrap();
        let (e_pw, e_ila, e_bayes) =
            (misclustering(&truth, &pw, k), misclustering(&truth, &sol.labels, k), misclustering(&truth, &bayes, k));
        println!("seed {seed}: Peng–Wei {e_pw:.4}, iLA-SDP {e_ila:.4}, Bayes {e_bayes:.4}, {:?}", sol.info);
        assert!(e_ila <= e_pw + 2.0 / n as f64 + 1e-12, "seed {seed}: iLA {e_ila} vs Peng–Wei {e_pw}");
        sum_pw += e_pw;
        sum_ila += e_ila;
        sum_bayes += e_bayes;
    }
    let m = seeds.count() as f64;
    let (pw, ila, bayes) = (sum_pw / m, sum_ila / m, sum_bayes / m);
    println!("mean: Peng–Wei {pw:.4}, iLA-SDP {ila:.4}, Bayes {bayes:.4}");
    assert!(ila <= pw - 0.08, "mean iLA {ila} vs Peng–Wei {pw}");
    assert!(bayes <= ila, "the Bayes rule {bayes} is the floor, iLA {ila}");
}
