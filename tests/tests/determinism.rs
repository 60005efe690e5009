//! Same inputs and seed, same result, bit for bit (on one machine): the seeded entries
//! (k-means, GMM fit with every initialisation, semi-supervised EM, split/merge, Burer–Monteiro) are
//! run twice and compared through their `Debug` output, which prints every float exactly.

use clasp_core::MatRef;
use clasp_core::kmeans::{KMeansInit, KMeansParams, kmeans};
use clasp_core::mixture::split_merge::{SplitMergeParams, split_merge};
use clasp_core::mixture::{CovarianceType, GmmInit, GmmParams, fit, semi_supervised_em};
use clasp_core::sdp::{BurerMonteiroParams, burer_monteiro};

fn data() -> Vec<f64> {
    // Three loose groups in 2-D, deterministic.
    (0..60)
        .map(|i| {
            ((i * 37 % 17) as f64) / 17.0
                + if i % 6 < 2 {
                    0.0
                } else if i % 6 < 4 {
                    3.0
                } else {
                    6.0
                }
        })
        .collect()
}

fn twice<R: std::fmt::Debug>(f: impl Fn() -> R) {
    let (a, b) = (format!("{:?}", f()), format!("{:?}", f()));
    assert_eq!(a, b);
}

#[test]
fn seeded_entries_repeat_bit_for_bit() {
    let x = data();
    let xm = MatRef::new(&x, 30, 2, "x").unwrap();
    for seed in [0u64, 7, 12345] {
        for init in [KMeansInit::PlusPlus, KMeansInit::Random] {
            twice(|| kmeans(xm, &KMeansParams { k: 3, n_init: 2, init, seed, ..Default::default() }));
        }
        for init in [GmmInit::KMeans, GmmInit::KMeansPlusPlus, GmmInit::Random, GmmInit::RandomFromData] {
            let p = GmmParams { k: 3, covariance_type: CovarianceType::Full, init, seed, ..Default::default() };
            twice(|| fit(xm, &p));
        }
        let labels: Vec<Option<usize>> = (0..30).map(|i| (i % 5 == 0).then_some(i % 3)).collect();
        twice(|| semi_supervised_em(xm, &labels, &GmmParams { k: 3, seed, ..Default::default() }));
        twice(|| split_merge(xm, None, &SplitMergeParams { seed, max_sweeps: 5, ..Default::default() }));
        twice(|| burer_monteiro(xm, 3, &BurerMonteiroParams { seed, max_iter: 500, ..Default::default() }));
    }
}
