//! Semi-supervised k-means, the GCD baseline (Vaze et al., CVPR 2022; GPC's released
//! `SemiSupKMeans`): labelled rows keep their class, unlabelled rows take the nearest centre,
//! centres are the means over all members; the labelled class means seed the anchored centres
//! and k-means++ continued from them (the core's `kmeans_plus_plus_from`) seeds the others;
//! `n_init` seeded restarts, the lowest inertia wins.

use crate::{Error, Result};
use clasp_core::MatRef;
use clasp_core::kmeans::kmeans_plus_plus_from;

/// Iteration cap of one restart.
const MAX_ITER: usize = 100;

/// Labels of every row (labelled rows: their class) for `k` clusters on `x` (`n × d`).
/// `known[i] = Some(c)` with `c < k` fixes row i. Errors on a class ≥ k, a length mismatch or
/// fewer rows than clusters.
pub fn semi_supervised_kmeans(
    x: &[f64],
    d: usize,
    known: &[Option<usize>],
    k: usize,
    n_init: usize,
    seed: u64,
) -> Result<Vec<usize>> {
    let n = known.len();
    if x.len() != n * d || d == 0 {
        return Err(Error::InvalidInput(format!("semi-supervised k-means: {} values for {n} rows of {d}", x.len())));
    }
    if k == 0 || k > n {
        return Err(Error::InvalidInput(format!("semi-supervised k-means: {k} clusters for {n} rows")));
    }
    if let Some(c) = known.iter().flatten().find(|&&c| c >= k) {
        return Err(Error::InvalidInput(format!("semi-supervised k-means: labelled class {c} ≥ K = {k}")));
    }
    let mut fixed = vec![0.0f64; k * d];
    let mut count = vec![0usize; k];
    for (row, c) in x.chunks_exact(d).zip(known) {
        if let Some(c) = *c {
            count[c] += 1;
            fixed[c * d..(c + 1) * d].iter_mut().zip(row).for_each(|(f, v)| *f += v);
        }
    }
    let anchored: Vec<usize> = (0..k).filter(|&c| count[c] > 0).collect();
    let fixed: Vec<f64> = anchored
        .iter()
        .flat_map(|&c| {
            let m = count[c] as f64;
            fixed[c * d..(c + 1) * d].iter().map(move |v| v / m)
        })
        .collect();
    let free: Vec<usize> = (0..k).filter(|&c| count[c] == 0).collect();
    let pool: Vec<f64> =
        x.chunks_exact(d).zip(known).filter(|(_, c)| c.is_none()).flat_map(|(r, _)| r.iter().copied()).collect();
    let pool = if pool.len() / d >= free.len() && !pool.is_empty() { pool } else { x.to_vec() };
    let pm = MatRef::new(&pool, pool.len() / d, d, "x")?;
    let mut best: Option<(f64, Vec<usize>)> = None;
    for t in 0..n_init.max(1) {
        let mut centres = vec![0.0f64; k * d];
        for (a, &c) in anchored.iter().enumerate() {
            centres[c * d..(c + 1) * d].copy_from_slice(&fixed[a * d..(a + 1) * d]);
        }
        if !free.is_empty() {
            let fresh = kmeans_plus_plus_from(pm, &fixed, free.len(), seed.wrapping_add(t as u64))?;
            for (f, &c) in free.iter().enumerate() {
                centres[c * d..(c + 1) * d].copy_from_slice(&fresh[f * d..(f + 1) * d]);
            }
        }
        let (inertia, labels) = lloyd(x, d, known, k, &mut centres);
        if best.as_ref().is_none_or(|(b, _)| inertia < *b) {
            best = Some((inertia, labels));
        }
    }
    best.map(|(_, l)| l).ok_or_else(|| Error::Internal("semi-supervised k-means: no restart ran".into()))
}

/// Nearest centre of a row and its squared distance.
fn nearest(row: &[f64], centres: &[f64], d: usize) -> (usize, f64) {
    let mut best = (0, f64::INFINITY);
    for (j, c) in centres.chunks_exact(d).enumerate() {
        let dist: f64 = row.iter().zip(c).map(|(a, b)| (a - b) * (a - b)).sum();
        if dist < best.1 {
            best = (j, dist);
        }
    }
    best
}

/// Lloyd iterations with labelled rows clamped, until the labels stop changing (an empty
/// cluster keeps its centre); returns the inertia and the labels.
fn lloyd(x: &[f64], d: usize, known: &[Option<usize>], k: usize, centres: &mut [f64]) -> (f64, Vec<usize>) {
    let mut labels = vec![usize::MAX; known.len()];
    let mut inertia = 0.0;
    for _ in 0..MAX_ITER {
        let mut changed = false;
        inertia = 0.0;
        for (i, row) in x.chunks_exact(d).enumerate() {
            let (l, dist) = match known[i] {
                Some(c) => (c, row.iter().zip(&centres[c * d..(c + 1) * d]).map(|(a, b)| (a - b) * (a - b)).sum()),
                None => nearest(row, centres, d),
            };
            inertia += dist;
            changed |= labels[i] != l;
            labels[i] = l;
        }
        if !changed {
            break;
        }
        let mut sums = vec![0.0f64; k * d];
        let mut count = vec![0usize; k];
        for (row, &l) in x.chunks_exact(d).zip(&labels) {
            count[l] += 1;
            sums[l * d..(l + 1) * d].iter_mut().zip(row).for_each(|(s, v)| *s += v);
        }
        for j in (0..k).filter(|&j| count[j] > 0) {
            for (c, s) in centres[j * d..(j + 1) * d].iter_mut().zip(&sums[j * d..(j + 1) * d]) {
                *c = s / count[j] as f64;
            }
        }
    }
    (inertia, labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labelled_rows_stay_and_a_new_blob_is_found() {
        // Three blobs on a line at 0, 10, 20; blob 0 partly labelled 0, blob 1 partly 1.
        let x: Vec<f64> = (0..30).map(|i| (i / 10) as f64 * 10.0 + (i % 10) as f64 * 0.1).collect();
        let known: Vec<Option<usize>> = (0..30).map(|i| (i < 20 && i % 2 == 0).then_some(i / 10)).collect();
        let l = semi_supervised_kmeans(&x, 1, &known, 3, 3, 0).unwrap();
        assert!(l[..10].iter().all(|&v| v == 0) && l[10..20].iter().all(|&v| v == 1), "{l:?}");
        assert!(l[20..].iter().all(|&v| v == 2), "{l:?}");
        assert!(semi_supervised_kmeans(&x, 1, &known, 1, 3, 0).is_err());
    }
}
