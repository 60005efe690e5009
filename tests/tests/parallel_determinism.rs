//! The `parallel` feature (on in every std build of the workspace) runs the row-independent
//! kernels — the k-means assignment and the mixture E-step — and the row passes that sum
//! columns — the M-step, Lloyd's centre sums, the Sinkhorn and SwAV sweeps — in fixed row
//! chunks on rayon.
//! Results must be bit-identical for every thread count: the same fits on 1, 2, 3 and 8
//! threads, on data large enough to span many chunks.

use clasp_core::Local;
use clasp_core::MatRef;
use clasp_core::kmeans::{KMeansParams, kmeans};
use clasp_core::mixture::{CovarianceType, GmmParams, fit};
use clasp_core::sinkhorn::{
    SinkhornParams, SwavParams, UnbalancedParams, sinkhorn_log, sinkhorn_log_scratch, sinkhorn_scaling,
    sinkhorn_scaling_scratch, sinkhorn_unbalanced, sinkhorn_unbalanced_log, sinkhorn_unbalanced_log_scratch,
    sinkhorn_unbalanced_scratch, swav_codes, swav_scratch,
};
use clasp_tests::sdp_data::Gaussian;

/// `n` rows in `d` dimensions around 6 centres (many row chunks, unequal last chunk).
fn data(n: usize, d: usize) -> Vec<f64> {
    let mut g = Gaussian::new(11);
    let centres: Vec<f64> = (0..6 * d).map(|_| 4.0 * g.sample()).collect();
    (0..n).flat_map(|i| (0..d).map(|j| centres[(i % 6) * d + j] + g.sample()).collect::<Vec<_>>()).collect()
}

fn on_threads<R: Send>(threads: usize, f: impl FnOnce() -> R + Send) -> R {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("thread pool").install(f)
}

#[test]
fn kmeans_is_bit_identical_for_every_thread_count() {
    let (n, d) = (5_000, 7);
    let x = data(n, d);
    let xm = MatRef::new(&x, n, d, "x").unwrap();
    let params = KMeansParams::default().k(6).n_init(2).seed(3);
    let reference = on_threads(1, || kmeans(xm, &params).unwrap());
    for threads in [2, 3, 8] {
        let got = on_threads(threads, || kmeans(xm, &params).unwrap());
        assert_eq!(got.labels, reference.labels, "{threads} threads: labels");
        assert_eq!(got.info.inertia.to_bits(), reference.info.inertia.to_bits(), "{threads} threads: inertia");
        assert!(got.centers.iter().zip(&reference.centers).all(|(a, b)| a.to_bits() == b.to_bits()));
        assert_eq!(got.info.n_iter, reference.info.n_iter);
    }
}

#[test]
fn gmm_em_is_bit_identical_for_every_thread_count() {
    let (n, d) = (4_500, 4);
    let x = data(n, d);
    let xm = MatRef::new(&x, n, d, "x").unwrap();
    for cov in CovarianceType::ALL {
        let params = GmmParams::default().k(6).covariance_type(cov).seed(5).max_iter(20);
        let reference = on_threads(1, || fit(xm, &params).unwrap());
        for threads in [2, 3, 8] {
            let got = on_threads(threads, || fit(xm, &params).unwrap());
            assert_eq!(
                got.info.lower_bound.to_bits(),
                reference.info.lower_bound.to_bits(),
                "{cov:?}, {threads} threads"
            );
            assert_eq!(got.info.n_iter, reference.info.n_iter, "{cov:?}, {threads} threads");
            let (a, b) = (got.model.means(), reference.model.means());
            assert!(a.iter().zip(b).all(|(u, v)| u.to_bits() == v.to_bits()), "{cov:?}, {threads} threads: means");
        }
    }
}

fn bits(v: &[f64]) -> Vec<u64> {
    v.iter().map(|x| x.to_bits()).collect()
}

/// A 2 000 × 300 score matrix (3 row chunks of 880 rows in the column-summing passes, the last
/// one short)
/// with uniform marginals.
fn ot_problem() -> (Vec<f64>, Vec<f64>, Vec<f64>, usize, usize) {
    let (n, k) = (2_000, 300);
    let mut g = Gaussian::new(23);
    let x: Vec<f64> = (0..n * k).map(|_| 0.5 * g.sample()).collect();
    (x, vec![1.0 / n as f64; n], vec![1.0 / k as f64; k], n, k)
}

#[test]
fn sinkhorn_family_is_bit_identical_for_every_thread_count() {
    let (x, a, b, n, k) = ot_problem();
    let xm = MatRef::new(&x, n, k, "x").unwrap();
    type Solver = fn(
        MatRef<'_, f64>,
        &[f64],
        &[f64],
        &SinkhornParams,
        &mut [f64],
        &mut [f64],
        &mut [f64],
    ) -> clasp_core::Result<clasp_core::sinkhorn::SinkhornInfo>;
    let balanced: [(&str, Solver, usize); 2] = [
        ("scaling", sinkhorn_scaling::<f64>, sinkhorn_scaling_scratch(n, k)),
        ("log", sinkhorn_log::<f64>, sinkhorn_log_scratch(n, k)),
    ];
    let params = SinkhornParams::default().eps(0.1).max_iter(30).tol(0.0);
    for (name, solve, scratch) in balanced {
        let run = || {
            let (mut f, mut g, mut s) = (vec![0.0; n], vec![0.0; k], vec![0.0; scratch]);
            let info = solve(xm, &a, &b, &params, &mut f, &mut g, &mut s).unwrap();
            (bits(&f), bits(&g), info.marginal_err.to_bits(), info.iterations)
        };
        let reference = on_threads(1, run);
        for threads in [2, 3, 8] {
            assert!(on_threads(threads, run) == reference, "{name}, {threads} threads");
        }
    }
    let params = UnbalancedParams::default().eps(0.1).reg_m_a(1.0).reg_m_b(1.0).max_iter(30).tol(0.0);
    for log in [false, true] {
        let run = || {
            let (mut f, mut g) = (vec![0.0; n], vec![0.0; k]);
            let info = if log {
                let mut s = vec![0.0; sinkhorn_unbalanced_log_scratch(n, k)];
                sinkhorn_unbalanced_log(xm, &a, &b, &params, &mut f, &mut g, &mut s)
            } else {
                let mut s = vec![0.0; sinkhorn_unbalanced_scratch(n, k)];
                sinkhorn_unbalanced(xm, &a, &b, &params, &mut f, &mut g, &mut s)
            }
            .unwrap();
            (bits(&f), bits(&g), info.mass.to_bits(), info.iterations)
        };
        let reference = on_threads(1, run);
        for threads in [2, 3, 8] {
            assert!(on_threads(threads, run) == reference, "unbalanced (log {log}), {threads} threads");
        }
    }
}

#[test]
fn swav_codes_are_bit_identical_for_every_thread_count() {
    let (x, _, _, n, k) = ot_problem();
    let xm = MatRef::new(&x, n, k, "scores").unwrap();
    // All rows, and the last 700 only (the codes buffer then starts inside a row chunk).
    for keep_last in [None, Some(700)] {
        let params = SwavParams::default().eps(0.05).iterations(3).keep_last(keep_last);
        let run = || {
            let mut codes = vec![0.0; keep_last.unwrap_or(n) * k];
            let mut s = vec![0.0; swav_scratch(n, k)];
            let info = swav_codes(xm, &params, &mut codes, &mut s, &mut Local).unwrap();
            (bits(&codes), info.prototype_err.to_bits())
        };
        let reference = on_threads(1, run);
        for threads in [2, 3, 8] {
            assert!(on_threads(threads, run) == reference, "keep_last {keep_last:?}, {threads} threads");
        }
    }
}
