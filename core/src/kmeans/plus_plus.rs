//! Greedy k-means++ seeding (Arthur & Vassilvitskii, "k-means++: the advantages of careful
//! seeding", SODA 2007), as scikit-learn implements it: the first centre is a uniform row;
//! each further centre is the best of 2 + ⌊ln k⌋ candidates drawn with probability ∝ D²(x)
//! (squared distance to the closest chosen centre), "best" meaning the smallest potential
//! Σᵢ min(D²(xᵢ), ‖xᵢ − candidate‖²).

use crate::draw::{Draw, search_cumulative};
use crate::error::{Error, Result};
use crate::matrix::MatRef;
use crate::scalar::{Float, Real};
use crate::validate;
use alloc::vec;
use alloc::vec::Vec;

/// `k` k-means++ centres (k × d, row-major, in the compute type) for the rows of `x`.
pub fn kmeans_plus_plus<T: Real>(x: MatRef<'_, T>, k: usize, seed: u64) -> Result<Vec<T::Acc>> {
    validate::cluster_count(k, x.rows())?;
    validate::finite(x.as_slice(), "x")?;
    Ok(plus_plus_unchecked(x, &[], k, &mut Draw::new(seed)).0)
}

/// k-means++ continued from `fixed` centres (m × d, kept as they are): draws `k_new` more
/// centres with probability ∝ squared distance to the closest centre so far, with the same
/// greedy local trials (2 + ⌊ln(m + k_new)⌋). Returns only the `k_new` new centres. This is the
/// semi-supervised seeding of GCD/GPC (labelled class means fixed, new classes seeded on the data).
pub fn kmeans_plus_plus_from<T: Real>(
    x: MatRef<'_, T>,
    fixed: &[T::Acc],
    k_new: usize,
    seed: u64,
) -> Result<Vec<T::Acc>> {
    let d = x.cols();
    if fixed.len() % d != 0 {
        return Err(Error::ShapeMismatch { what: "fixed", expected: (fixed.len() / d + 1) * d, found: fixed.len() });
    }
    validate::cluster_count(k_new, x.rows())?;
    validate::finite(x.as_slice(), "x")?;
    validate::finite(fixed, "fixed")?;
    Ok(plus_plus_unchecked(x, fixed, k_new, &mut Draw::new(seed)).0)
}

/// The seeding itself; `fixed` may be empty, `1 ≤ k_new ≤ n`. Returns the new centres and
/// the rows they were copied from.
pub(crate) fn plus_plus_unchecked<T: Real>(
    x: MatRef<'_, T>,
    fixed: &[T::Acc],
    k_new: usize,
    draw: &mut Draw,
) -> (Vec<T::Acc>, Vec<usize>) {
    let (n, d) = (x.rows(), x.cols());
    let m = fixed.len() / d;
    let trials = 2 + Float::floor(Float::ln((m + k_new) as f64)) as usize;
    let mut centers: Vec<T::Acc> = Vec::with_capacity(k_new * d);
    let mut rows: Vec<usize> = Vec::with_capacity(k_new);
    let mut closest = vec![<T::Acc as Float>::INFINITY; n];
    let push_row = |centers: &mut Vec<T::Acc>, i: usize| centers.extend(x.row(i).iter().map(|v| v.to_acc()));
    let dist_to = |row: &[T], c: &[T::Acc]| -> T::Acc {
        row.iter()
            .zip(c)
            .map(|(a, &b)| {
                let t = a.to_acc() - b;
                t * t
            })
            .sum()
    };
    let mut start = 0;
    if m == 0 {
        let first = draw.index(n);
        push_row(&mut centers, first);
        rows.push(first);
        start = 1;
    }
    {
        let chosen: &[T::Acc] = if m == 0 { &centers } else { fixed };
        for (row, cl) in x.row_iter().zip(closest.iter_mut()) {
            for c in chosen.chunks_exact(d) {
                *cl = cl.min(dist_to(row, c));
            }
        }
    }
    let mut pot: T::Acc = closest.iter().copied().sum();
    let mut cumsum = vec![<T::Acc as Float>::ZERO; n];
    let mut best_dist = vec![<T::Acc as Float>::ZERO; n];
    let mut cand_dist = vec![<T::Acc as Float>::ZERO; n];
    for _ in start..k_new {
        let mut run = <T::Acc as Float>::ZERO;
        for (c, &v) in cumsum.iter_mut().zip(&closest) {
            run += v;
            *c = run;
        }
        let mut best: Option<(usize, T::Acc)> = None;
        for _ in 0..trials {
            let v = <T::Acc as Float>::from_f64(draw.uniform()) * pot;
            let cand = search_cumulative(&cumsum, v);
            let crow: Vec<T::Acc> = x.row(cand).iter().map(|v| v.to_acc()).collect();
            let mut cpot = <T::Acc as Float>::ZERO;
            for ((row, cd), &cl) in x.row_iter().zip(cand_dist.iter_mut()).zip(&closest) {
                *cd = cl.min(dist_to(row, &crow));
                cpot += *cd;
            }
            if best.is_none_or(|(_, p)| cpot < p) {
                best = Some((cand, cpot));
                core::mem::swap(&mut best_dist, &mut cand_dist);
            }
        }
        if let Some((cand, cpot)) = best {
            pot = cpot;
            core::mem::swap(&mut closest, &mut best_dist);
            push_row(&mut centers, cand);
            rows.push(cand);
        }
    }
    (centers, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn two_blobs() -> Vec<f64> {
        let mut v = Vec::new();
        for i in 0..20 {
            let t = i as f64 * 0.01;
            v.extend_from_slice(&[t, -t]);
            v.extend_from_slice(&[100.0 + t, 100.0 - t]);
        }
        v
    }

    #[test]
    fn seeds_are_rows_far_apart_and_seeded() {
        let data = two_blobs();
        let x = MatRef::new(&data, 40, 2, "x").unwrap();
        let c = kmeans_plus_plus(x, 2, 5).unwrap();
        assert_eq!(c, kmeans_plus_plus(x, 2, 5).unwrap());
        assert!((c[0] - c[2]).abs() > 50.0, "{c:?}");
        for ch in c.chunks(2) {
            assert!(x.row_iter().any(|r| r == ch));
        }
    }

    #[test]
    fn continuation_avoids_the_fixed_centre() {
        let data = two_blobs();
        let x = MatRef::new(&data, 40, 2, "x").unwrap();
        let c = kmeans_plus_plus_from(x, &[0.0, 0.0], 1, 1).unwrap();
        assert!(c[0] > 50.0);
        assert!(kmeans_plus_plus_from(x, &[0.0], 1, 1).is_err());
        assert!(kmeans_plus_plus(x, 41, 1).is_err());
        assert!(kmeans_plus_plus(x, 0, 1).is_err());
    }
}
