//! The `parallel` feature (on in every std build of the workspace) runs the row-independent
//! kernels — the k-means assignment and the mixture E-step — in fixed row chunks on rayon.
//! Results must be bit-identical for every thread count: the same fits on 1, 2, 3 and 8
//! threads, on data large enough to span many chunks.

use clasp_core::MatRef;
use clasp_core::kmeans::{KMeansParams, kmeans};
use clasp_core::mixture::{CovarianceType, GmmParams, fit};
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
