//! K discovery on real data (issue 4b): split/merge from K = 1 and from K = 2× the truth on
//! digits (pixels / 16, PCA to 10 dimensions) and iris, 10 seeds each, checked against the
//! measured outcome (x86_64, AVX2; `clasp split-merge --k-discovery` prints the same table):
//!
//! | data, K₀ | K per seed | ACC / NMI / ARI (means) |
//! |---|---|---|
//! | digits, 1 | 11 10 11 11 11 10 10 9 11 10 (mean 10.4) | 0.775 / 0.809 / 0.701 |
//! | digits, 20 | 11 11 10 11 11 11 10 11 11 10 (mean 10.7) | 0.779 / 0.818 / 0.698 |
//! | iris, 1 and 6 | 2 on every seed | 0.667 / 0.734 / 0.568 |
//!
//! On iris the sampler ends at K = 2, not 3, from both starts and on every seed: versicolor
//! and virginica overlap and are merged under the default prior (Ψ = 0.03·Cov(X)); the test
//! pins that instead of accepting 2 to 4. On digits every seed ends within 1 of the ten
//! classes (the measured spread) and the mean K within 0.3 of the measured one. The metric
//! means must stay within 0.02 of the measured ones.

use clasp_core::mixture::split_merge::SplitMergePreset;
use clasp_models::experiments::k_discovery::{format_table, k_discovery};

fn check(name: &str, k_init: usize, allowed: std::ops::RangeInclusive<usize>, mean_k: f64, metrics: [f64; 3]) {
    let row = k_discovery(SplitMergePreset::Clasp, name, k_init, 10).unwrap();
    println!("{}", format_table(std::slice::from_ref(&row)));
    for (seed, &k) in row.k.iter().enumerate() {
        assert!(allowed.contains(&k), "{name} from K={k_init}, seed {seed}: K = {k} not in {allowed:?} ({:?})", row.k);
    }
    assert!((row.k_mean() - mean_k).abs() <= 0.3, "{name} from K={k_init}: mean K {} vs {mean_k}", row.k_mean());
    for (what, got, want) in [("ACC", row.acc, metrics[0]), ("NMI", row.nmi, metrics[1]), ("ARI", row.ari, metrics[2])]
    {
        assert!((got - want).abs() <= 0.02, "{name} from K={k_init}: {what} {got} vs measured {want} ({row:?})");
    }
}

#[test]
fn digits_pca10_from_one() {
    check("digits", 1, 9..=11, 10.4, [0.775, 0.809, 0.701]);
}

#[test]
fn digits_pca10_from_twice_the_truth() {
    check("digits", 20, 9..=11, 10.7, [0.779, 0.818, 0.698]);
}

#[test]
fn iris_from_one() {
    check("iris", 1, 2..=2, 2.0, [0.667, 0.734, 0.568]);
}

#[test]
fn iris_from_twice_the_truth() {
    check("iris", 6, 2..=2, 2.0, [0.667, 0.734, 0.568]);
}
