//! K discovery on real data (issue 4b): split/merge from K = 1 and from K = 2× truth must end
//! within ±1 of the true number of classes on digits (pixels / 16, PCA to 10 dimensions) and
//! iris, on every one of 10 seeds; the mean ACC/NMI/ARI must beat chance by a wide margin.
//! `clasp split-merge --k-discovery` prints the same table.

use clasp_models::cli::split_merge::{format_table, k_discovery};

fn check(name: &str, truth: usize, k_init: usize, min_nmi: f64) {
    let row = k_discovery(name, k_init, 10).unwrap();
    println!("{}", format_table(std::slice::from_ref(&row)));
    for (seed, &k) in row.k.iter().enumerate() {
        assert!(k.abs_diff(truth) <= 1, "{name} from K={k_init}, seed {seed}: K = {k} ({:?})", row.k);
    }
    assert!((row.k_mean() - truth as f64).abs() <= 1.0);
    assert!(row.nmi >= min_nmi && row.ari > 0.4 && row.acc > 0.6, "{name} from K={k_init}: {row:?}");
}

#[test]
fn digits_pca10_from_one() {
    check("digits", 10, 1, 0.7);
}

#[test]
fn digits_pca10_from_twice_the_truth() {
    check("digits", 10, 20, 0.7);
}

#[test]
fn iris_from_one() {
    check("iris", 3, 1, 0.6);
}

#[test]
fn iris_from_twice_the_truth() {
    check("iris", 3, 6, 0.6);
}
