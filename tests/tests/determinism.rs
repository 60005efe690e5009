//! Same inputs and seed, same result, bit for bit (on one machine), and a different seed, a
//! different result where the seed must matter: the seeded entries (k-means, GMM fit with every
//! initialisation, semi-supervised EM, split/merge, Burer–Monteiro) are run and compared
//! through their `Debug` output, which prints every float exactly.

use clasp_core::MatRef;
use clasp_core::kmeans::{KMeansInit, KMeansParams, kmeans};
use clasp_core::mixture::split_merge::{SplitMergeParams, split_merge};
use clasp_core::mixture::{CovarianceType, GmmInit, GmmParams, fit, semi_supervised_em};
use clasp_core::sdp::{BurerMonteiroParams, burer_monteiro};
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// 60 points uniform in the unit square: no cluster structure, so the local optimum a seeded
/// start leads to depends on the seed (on well-separated groups every seed finds the same
/// partition, and a solver that ignored its seed would pass a same-seed test unnoticed).
fn data() -> Vec<f64> {
    let mut rng = ChaCha8Rng::seed_from_u64(17);
    (0..120).map(|_| (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64).collect()
}

/// Three loose groups in 2-D (30 points), deterministic: split/merge from K = 1 has moves to
/// propose there (on structureless data it stays at K = 1 whatever the seed).
fn groups() -> Vec<f64> {
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

/// Runs `f` with seeds 0, 0 again and 7: every run must succeed, the two seed-0 runs must agree
/// bit for bit and the seed-7 run must differ.
fn seeded<R: std::fmt::Debug, E: std::fmt::Debug>(what: &str, f: impl Fn(u64) -> Result<R, E>) {
    let run = |seed| format!("{:?}", f(seed).unwrap_or_else(|e| panic!("{what}, seed {seed}: {e:?}")));
    let (a, b, c) = (run(0), run(0), run(7));
    assert_eq!(a, b, "{what}: seed 0 twice gives two results");
    assert_ne!(a, c, "{what}: seeds 0 and 7 give the same result (is the seed ignored?)");
}

#[test]
fn seeded_entries_repeat_bit_for_bit_and_depend_on_the_seed() {
    let x = data();
    let xm = MatRef::new(&x, 60, 2, "x").unwrap();
    for init in [KMeansInit::PlusPlus, KMeansInit::Random] {
        seeded(&format!("kmeans {init:?}"), |seed| {
            kmeans(xm, &KMeansParams::default().k(6).n_init(1).init(init).seed(seed))
        });
    }
    for init in [GmmInit::KMeans, GmmInit::KMeansPlusPlus, GmmInit::Random, GmmInit::RandomFromData] {
        seeded(&format!("gmm {init:?}"), |seed| {
            fit(xm, &GmmParams::default().k(4).covariance_type(CovarianceType::Full).init(init).seed(seed))
        });
    }
    let labels: Vec<Option<usize>> = (0..60).map(|i| (i % 20 == 0).then_some(i % 3)).collect();
    seeded("semi_supervised_em", |seed| semi_supervised_em(xm, &labels, &GmmParams::default().k(5).seed(seed)));
    let g = groups();
    let gm = MatRef::new(&g, 30, 2, "groups").unwrap();
    seeded("split_merge", |seed| split_merge(gm, None, &SplitMergeParams::default().seed(seed).max_sweeps(5)));
    seeded("burer_monteiro", |seed| burer_monteiro(xm, 3, &BurerMonteiroParams::default().seed(seed).max_iter(500)));
}
