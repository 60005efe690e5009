//! Seeded sampling (ChaCha8): stratified subsets, random subsets and the 80/20 train/test
//! split. The same seed always gives the same indices.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

use super::image_set::{ImageSet, Split};

/// Fraction of a data set held out for testing when a source has no fixed split.
pub const TEST_FRACTION: f64 = 0.2;

/// Uniform integer in `0..n` (n ≥ 1) by rejection (no modulo bias).
fn below(rng: &mut ChaCha8Rng, n: usize) -> usize {
    let n = n as u64;
    let zone = u64::MAX - (u64::MAX % n);
    loop {
        let v = rng.next_u64();
        if v < zone {
            return (v % n) as usize;
        }
    }
}

/// The first `m` entries of a partial Fisher–Yates shuffle of `items` (m ≤ len).
fn choose(rng: &mut ChaCha8Rng, items: &mut [usize], m: usize) {
    for i in 0..m {
        let j = i + below(rng, items.len() - i);
        items.swap(i, j);
    }
}

/// Per-class counts of a stratified sample of `take` out of `counts.iter().sum()` items:
/// `take * count / total` rounded by largest remainder (ties to the lower class id), so the
/// counts sum exactly to `take` (for `take ≤ total`) and never exceed a class's size.
pub fn stratified_counts(counts: &[usize], take: usize) -> Vec<usize> {
    let total: usize = counts.iter().sum();
    if take >= total {
        return counts.to_vec();
    }
    let (t, n) = (take as u128, total as u128);
    let mut out: Vec<usize> = counts.iter().map(|&c| (t * c as u128 / n) as usize).collect();
    let mut rest = take - out.iter().sum::<usize>();
    let mut order: Vec<usize> = (0..counts.len()).collect();
    order.sort_by_key(|&k| (std::cmp::Reverse(t * counts[k] as u128 % n), k));
    for k in order {
        if rest == 0 {
            break;
        }
        if out[k] < counts[k] {
            out[k] += 1;
            rest -= 1;
        }
    }
    out
}

/// A seeded stratified sample of `take` indices into `labels` (sorted ascending): each class
/// keeps its share of `take` (largest-remainder rounding, see [`stratified_counts`]) and its
/// members are drawn uniformly. `take ≥ labels.len()` returns every index.
pub fn stratified_sample(labels: &[usize], take: usize, seed: u64) -> Vec<usize> {
    if take >= labels.len() {
        return (0..labels.len()).collect();
    }
    let classes = labels.iter().max().map_or(0, |&m| m + 1);
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); classes];
    for (i, &c) in labels.iter().enumerate() {
        members[c].push(i);
    }
    let counts: Vec<usize> = members.iter().map(Vec::len).collect();
    let quota = stratified_counts(&counts, take);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(take);
    for (m, &q) in members.iter_mut().zip(&quota) {
        choose(&mut rng, m, q);
        out.extend_from_slice(&m[..q]);
    }
    out.sort_unstable();
    out
}

/// A seeded uniform sample of `take` distinct indices in `0..n` (sorted ascending);
/// `take ≥ n` returns every index.
pub fn random_sample(n: usize, take: usize, seed: u64) -> Vec<usize> {
    let mut all: Vec<usize> = (0..n).collect();
    if take >= n {
        return all;
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    choose(&mut rng, &mut all, take);
    all.truncate(take);
    all.sort_unstable();
    all
}

/// Seeded sample of `take` indices: stratified by `labels` when given, else uniform over `0..n`.
pub fn sample(labels: Option<&[usize]>, n: usize, take: usize, seed: u64) -> Vec<usize> {
    match labels {
        Some(l) => stratified_sample(l, take, seed),
        None => random_sample(n, take, seed),
    }
}

/// Seeded train/test indices of `n` items: the test part is `ceil(test_fraction * n)` items
/// (stratified by `labels` when given), the train part the rest; both sorted.
pub fn train_test_indices(
    labels: Option<&[usize]>,
    n: usize,
    test_fraction: f64,
    seed: u64,
) -> (Vec<usize>, Vec<usize>) {
    // The tiny slack keeps float error from rounding e.g. 0.2 × 15 = 3.0000000000000004 up to 4.
    let n_test = ((test_fraction.clamp(0.0, 1.0) * n as f64 - 1e-9).ceil().max(0.0) as usize).min(n);
    let test = sample(labels, n, n_test, seed);
    let mut in_test = vec![false; n];
    for &i in &test {
        in_test[i] = true;
    }
    let train = (0..n).filter(|&i| !in_test[i]).collect();
    (train, test)
}

/// Keeps at most `limit` images of `set`, chosen by [`sample`] (stratified when labelled).
pub fn limit_set(set: ImageSet, limit: Option<usize>, seed: u64) -> ImageSet {
    match limit {
        Some(take) if take < set.n => {
            let idx = sample(set.labels.as_deref(), set.n, take, seed);
            set.subset(&idx)
        }
        _ => set,
    }
}

/// Splits `set` into train and test parts ([`TEST_FRACTION`] held out, stratified when
/// labelled), then keeps at most `train_limit`/`test_limit` of each. The caller makes sure
/// `set.n ≥ 2` so both parts are non-empty.
pub fn split_set(set: &ImageSet, train_limit: Option<usize>, test_limit: Option<usize>, seed: u64) -> Split {
    let (train, test) = train_test_indices(set.labels.as_deref(), set.n, TEST_FRACTION, seed);
    let train = limit_set(set.subset(&train), train_limit, seed.wrapping_add(1));
    let test = limit_set(set.subset(&test), test_limit, seed.wrapping_add(2));
    Split { train, test }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class_counts(labels: &[usize], idx: &[usize], k: usize) -> Vec<usize> {
        let mut c = vec![0; k];
        for &i in idx {
            c[labels[i]] += 1;
        }
        c
    }

    #[test]
    fn largest_remainder_sums_exactly() {
        assert_eq!(stratified_counts(&[50, 30, 20], 10), vec![5, 3, 2]);
        assert_eq!(stratified_counts(&[1, 1, 1], 2), vec![1, 1, 0]);
        assert_eq!(stratified_counts(&[3, 3, 4], 5), vec![2, 1, 2]);
        assert_eq!(stratified_counts(&[7, 0, 2], 100), vec![7, 0, 2]);
        for take in 0..=37 {
            let c = stratified_counts(&[10, 0, 13, 1, 13], take);
            assert_eq!(c.iter().sum::<usize>(), take);
            assert!(c.iter().zip([10, 0, 13, 1, 13]).all(|(&a, b)| a <= b));
        }
    }

    #[test]
    fn stratified_sample_keeps_proportions_and_is_deterministic() {
        // 600 of class 0, 300 of class 1, 100 of class 2, interleaved.
        let labels: Vec<usize> = (0..1000)
            .map(|i| {
                if i % 10 < 6 {
                    0
                } else if i % 10 < 9 {
                    1
                } else {
                    2
                }
            })
            .collect();
        let a = stratified_sample(&labels, 100, 42);
        assert_eq!(a.len(), 100);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(class_counts(&labels, &a, 3), vec![60, 30, 10]);
        assert_eq!(a, stratified_sample(&labels, 100, 42));
        assert_ne!(a, stratified_sample(&labels, 100, 43));
        assert_eq!(stratified_sample(&labels, 5000, 1).len(), 1000);
        assert!(stratified_sample(&labels, 0, 1).is_empty());
        assert!(stratified_sample(&[], 3, 1).is_empty());
    }

    #[test]
    fn random_sample_and_split() {
        let r = random_sample(50, 10, 9);
        assert_eq!(r.len(), 10);
        assert!(r.windows(2).all(|w| w[0] < w[1]) && r.iter().all(|&i| i < 50));
        assert_eq!(r, random_sample(50, 10, 9));
        for n in 0..200 {
            let (train, test) = train_test_indices(None, n, 0.2, 3);
            assert_eq!(test.len(), n.div_ceil(5), "n = {n}");
            assert_eq!(train.len() + test.len(), n);
        }
        let (train, test) = train_test_indices(None, 11, 0.2, 3);
        assert_eq!((train.len(), test.len()), (8, 3));
        let mut all = [train, test].concat();
        all.sort_unstable();
        assert_eq!(all, (0..11).collect::<Vec<_>>());
        let labels = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1];
        let (train, test) = train_test_indices(Some(&labels), 10, 0.2, 3);
        assert_eq!(class_counts(&labels, &test, 2), vec![1, 1]);
        assert_eq!(train.len(), 8);
    }
}
