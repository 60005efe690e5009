//! Semi-supervised EM (the GPC / GCD setting, Zhao, Wen & Han, ICCV 2023 §3): a Gaussian
//! mixture of K components in which labelled rows keep a hard, never recomputed
//! responsibility on their class, r_ik = 1[k = y_i], while unlabelled rows get the usual
//! posterior r_ik = softmax_k(log π_k + log N(x_i | θ_k)); the M-step runs over all rows with
//! these r (scikit-learn's M-step, [`m_step`](super::m_step)). K may exceed the number of
//! known classes: components 0..C−1 are anchored to classes 0..C−1, components ≥ C are new.
//!
//! Initialisation: anchored means = labelled class means; the other centres by k-means++
//! continued from them on the unlabelled rows ([`kmeans_plus_plus_from`], GPC's SS-k-means++);
//! labelled rows one-hot on their class, unlabelled rows one-hot on their nearest centre;
//! one M-step. EM then runs with the [`FixedLabels`] hook, whose objective (mean over all
//! rows of ln π_{y_i} N(x_i | θ_{y_i}) for labelled rows and ln p(x_i) for the others) is the
//! convergence criterion and the one compared across `n_init` initialisations.

use crate::scalar::Linalg;
use alloc::vec;
use alloc::vec::Vec;

use super::em::{FixedLabels, GmmFit};
use super::fit::{GmmParams, em};
use super::m_step::m_step;
use crate::error::Result;
use crate::kmeans::kmeans_plus_plus_from;
use crate::matrix::MatRef;
use crate::scalar::{Float, Real};
use crate::validate;

/// A semi-supervised fit: the mixture and every row's label.
#[derive(Clone, Debug, PartialEq)]
pub struct SemiSupervisedFit<F> {
    /// Mixture, iterations and objective of the best initialisation.
    pub fit: GmmFit<F>,
    /// Labelled rows: their class; unlabelled rows: the most probable component.
    pub labels: Vec<usize>,
}

/// Fits a `params.k`-component mixture with the labelled rows of `labels` clamped
/// (`Some(class)`, class < K; `None` = unlabelled). `params.seed + t` seeds initialisation t.
///
/// Errors: invalid parameters or K > n ([`GmmParams::validate`]), non-finite `x`, `labels` of
/// the wrong length ([`Error::ShapeMismatch`](crate::Error::ShapeMismatch)), a class ≥ K
/// ([`Error::IndexOutOfRange`](crate::Error::IndexOutOfRange)), and the EM errors of
/// [`em`](super::em).
pub fn semi_supervised_em<T: Real>(
    x: MatRef<'_, T>,
    labels: &[Option<usize>],
    params: &GmmParams,
) -> Result<SemiSupervisedFit<T::Acc>>
where
    T::Acc: Linalg,
{
    let (n, d, k) = (x.rows(), x.cols(), params.k);
    params.validate(n)?;
    validate::finite(x.as_slice(), "x")?;
    crate::validate::known_labels(labels, n, k)?;
    let mut best: Option<GmmFit<T::Acc>> = None;
    for trial in 0..params.n_init {
        let centres = initial_centres(x, labels, k, params.seed.wrapping_add(trial as u64))?;
        let mut resp = vec![<T::Acc as Float>::ZERO; n * k];
        for (i, (row, r)) in x.row_iter().zip(resp.chunks_exact_mut(k)).enumerate() {
            let c = match labels.get(i).copied().flatten() {
                Some(c) => c,
                None => nearest(row, &centres, d),
            };
            if let Some(v) = r.get_mut(c) {
                *v = <T::Acc as Float>::ONE;
            }
        }
        let init = m_step(x, &resp, k, params.covariance_type, params.reg_covar)?;
        let mut hook = FixedLabels::new(labels, k)?;
        let mut run = em(x, init, params, &mut hook)?;
        run.info.best_init = trial;
        if best.as_ref().is_none_or(|b| run.info.lower_bound > b.info.lower_bound) {
            best = Some(run);
        }
    }
    let fit = best.ok_or(crate::error::Error::InvalidParameter { name: "n_init", value: 0.0 })?;
    let predicted = fit.model.predict(x)?;
    let labels = labels.iter().zip(predicted).map(|(l, p)| l.unwrap_or(p)).collect();
    Ok(SemiSupervisedFit { fit, labels })
}

/// Anchored class means (classes with labelled rows), then k-means++ on the unlabelled rows
/// (all rows if none is unlabelled) for every other component, in component order.
fn initial_centres<T: Real>(x: MatRef<'_, T>, labels: &[Option<usize>], k: usize, seed: u64) -> Result<Vec<T::Acc>> {
    let d = x.cols();
    let zero = <T::Acc as Float>::ZERO;
    let mut sums = vec![zero; k * d];
    let mut counts = vec![0usize; k];
    for (row, l) in x.row_iter().zip(labels) {
        if let Some(c) = *l {
            counts[c] += 1;
            sums[c * d..(c + 1) * d].iter_mut().zip(row).for_each(|(s, v)| *s += v.to_acc());
        }
    }
    let mut fixed = Vec::new();
    for c in 0..k {
        if counts[c] > 0 {
            let cnt = <T::Acc as Float>::from_usize(counts[c]);
            fixed.extend(sums[c * d..(c + 1) * d].iter().map(|&s| s / cnt));
        }
    }
    let missing = counts.iter().filter(|&&c| c == 0).count();
    let fresh = if missing > 0 {
        let pool: Vec<T> =
            x.row_iter().zip(labels).filter(|(_, l)| l.is_none()).flat_map(|(r, _)| r.iter().copied()).collect();
        let pool = if pool.is_empty() { x.as_slice().to_vec() } else { pool };
        let rows = pool.len() / d;
        kmeans_plus_plus_from(MatRef::new(&pool, rows, d, "x")?, &fixed, missing.min(rows), seed)?
    } else {
        Vec::new()
    };
    let mut centres = Vec::with_capacity(k * d);
    let (mut f, mut g) = (fixed.chunks_exact(d), fresh.chunks_exact(d));
    for &count in &counts {
        let next = if count > 0 { f.next() } else { g.next().or_else(|| fixed.chunks_exact(d).next()) };
        if let Some(c) = next {
            centres.extend_from_slice(c);
        }
    }
    Ok(centres)
}

fn nearest<T: Real>(row: &[T], centres: &[T::Acc], d: usize) -> usize {
    let mut best = (0, <T::Acc as Float>::INFINITY);
    for (j, c) in centres.chunks_exact(d).enumerate() {
        let dist = sq_dist_mixed(row, c);
        if dist < best.1 {
            best = (j, dist);
        }
    }
    best.0
}

fn sq_dist_mixed<T: Real>(row: &[T], c: &[T::Acc]) -> T::Acc {
    row.iter().zip(c).map(|(a, &b)| (a.to_acc() - b) * (a.to_acc() - b)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;
    use crate::mixture::CovarianceType;

    /// Three 2-D blobs; labels known for some rows of the first two blobs only.
    fn blobs() -> (Vec<f64>, Vec<usize>) {
        let mut x = Vec::new();
        let mut y = Vec::new();
        for (c, (cx, cy)) in [(0.0, 0.0), (6.0, 0.0), (0.0, 6.0)].iter().enumerate() {
            for i in 0..30 {
                let a = i as f64 * 0.7;
                x.extend_from_slice(&[cx + libm::sin(a) * (1.0 + (i % 3) as f64 * 0.3), cy + libm::cos(a * 1.3)]);
                y.push(c);
            }
        }
        (x, y)
    }

    #[test]
    fn labelled_rows_stay_on_their_class_and_a_new_class_is_found() {
        let (x, y) = blobs();
        // Label every third row of classes 0 and 1, but give the labelled rows of class 1 the
        // label 1 even where it disagrees with the geometry: two rows of blob 0 labelled 1.
        let mut labels: Vec<Option<usize>> =
            y.iter().enumerate().map(|(i, &c)| (c < 2 && i % 3 == 0).then_some(c)).collect();
        labels[1] = Some(1);
        labels[4] = Some(1);
        let params = GmmParams { k: 3, covariance_type: CovarianceType::Full, seed: 5, ..Default::default() };
        let fit = semi_supervised_em(MatRef::new(&x, 90, 2, "x").unwrap(), &labels, &params).unwrap();
        for (i, l) in labels.iter().enumerate() {
            if let Some(c) = l {
                assert_eq!(fit.labels[i], *c, "row {i}");
            }
        }
        // Anchored components keep their class identity; the third blob becomes component 2.
        let count = |blob: usize, comp: usize| (0..90).filter(|&i| y[i] == blob && fit.labels[i] == comp).count();
        assert!(count(0, 0) >= 26 && count(1, 1) == 30 && count(2, 2) == 30, "{:?}", fit.labels);
    }

    #[test]
    fn bad_labels_are_typed_errors() {
        let (x, _) = blobs();
        let xm = MatRef::new(&x, 90, 2, "x").unwrap();
        let params = GmmParams { k: 2, ..Default::default() };
        let mut labels = vec![None; 90];
        labels[7] = Some(2);
        assert_eq!(
            semi_supervised_em(xm, &labels, &params).unwrap_err(),
            Error::IndexOutOfRange { what: "labels", index: 7, value: 2, bound: 2 }
        );
        assert!(matches!(semi_supervised_em(xm, &labels[..5], &params), Err(Error::ShapeMismatch { .. })));
        let mut bad = x.clone();
        bad[3] = f64::NAN;
        assert!(matches!(
            semi_supervised_em(MatRef::new(&bad, 90, 2, "x").unwrap(), &[None; 90], &params),
            Err(Error::NonFinite { .. })
        ));
        assert!(matches!(
            semi_supervised_em(xm, &[None; 90], &GmmParams { k: 0, ..params }),
            Err(Error::InvalidClusterCount { .. })
        ));
    }
}
