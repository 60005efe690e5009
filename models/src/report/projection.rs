//! The 2-D view of an embedding for the scatter plot: checks the input, keeps an evenly strided
//! deterministic subsample of at most [`MAX_EMBEDDING_POINTS`] rows, and projects it on its first two
//! principal components (`crate::pca::pca`), with the fraction of variance each one explains.

use super::ReportError;
use super::error::{check_finite, check_len, check_non_empty};

/// The most points drawn in an embedding plot; larger embeddings are subsampled.
pub const MAX_EMBEDDING_POINTS: usize = 3000;

/// A projected (and possibly subsampled) embedding.
#[derive(Clone, Debug)]
pub(crate) struct Projection {
    /// `(pc1, pc2)` per kept row (`pc2` is 0 for a one-dimensional embedding).
    pub points: Vec<(f64, f64)>,
    /// Label of each kept row.
    pub labels: Vec<usize>,
    /// Fraction of the (subsample's) variance along each axis, when the variance is positive.
    pub explained: Option<(f64, f64)>,
}

/// `n` row indices when `n ≤ max`, else `max` indices `⌊i·n/max⌋` spread evenly over `0..n`
/// (deterministic, increasing, distinct).
pub(crate) fn subsample(n: usize, max: usize) -> Vec<usize> {
    if n <= max {
        return (0..n).collect();
    }
    (0..max).map(|i| (i as u128 * n as u128 / max as u128) as usize).collect()
}

/// Checks `embedding` (n × dim, row-major, finite) and `labels` (n), subsamples to at most
/// `max_points` rows and projects them on two principal components.
pub(crate) fn project_2d(
    embedding: &[f32],
    n: usize,
    dim: usize,
    labels: &[usize],
    max_points: usize,
) -> Result<Projection, ReportError> {
    check_non_empty("embedding (n)", n)?;
    check_non_empty("embedding (dim)", dim)?;
    let expected = n.checked_mul(dim).ok_or_else(|| ReportError::Projection(format!("{n}×{dim} overflows")))?;
    check_len("embedding", expected, embedding.len())?;
    check_len("labels", n, labels.len())?;
    check_finite("embedding", embedding)?;

    let keep = subsample(n, max_points);
    let m = keep.len();
    let x: Vec<f64> =
        keep.iter().flat_map(|&i| embedding[i * dim..(i + 1) * dim].iter().map(|&v| f64::from(v))).collect();
    let total_var = total_variance(&x, m, dim);
    let p = dim.min(2);
    let scores = crate::pca::pca(&x, m, dim, p).map_err(|e| ReportError::Projection(e.to_string()))?;
    let points: Vec<(f64, f64)> = scores.chunks_exact(p).map(|r| (r[0], if p == 2 { r[1] } else { 0.0 })).collect();
    if let Some(i) = points.iter().position(|&(a, b)| !a.is_finite() || !b.is_finite()) {
        return Err(ReportError::Projection(format!("component scores of row {} are not finite", keep[i])));
    }
    let explained = (total_var > 0.0).then(|| {
        let var = |f: fn(&(f64, f64)) -> f64| points.iter().map(|p| f(p).powi(2)).sum::<f64>() / m as f64;
        (var(|p| p.0) / total_var, var(|p| p.1) / total_var)
    });
    Ok(Projection { points, labels: keep.iter().map(|&i| labels[i]).collect(), explained })
}

/// Sum over the columns of the (population) variance of `x` (m × d).
fn total_variance(x: &[f64], m: usize, d: usize) -> f64 {
    (0..d)
        .map(|j| {
            let mean = (0..m).map(|i| x[i * d + j]).sum::<f64>() / m as f64;
            (0..m).map(|i| (x[i * d + j] - mean).powi(2)).sum::<f64>() / m as f64
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsample_is_even_and_deterministic() {
        assert_eq!(subsample(5, 10), vec![0, 1, 2, 3, 4]);
        let s = subsample(10_000, 3000);
        assert_eq!(s.len(), 3000);
        assert!(s.windows(2).all(|w| w[0] < w[1]));
        assert_eq!((s[0], *s.last().unwrap()), (0, 9996));
        assert_eq!(s, subsample(10_000, 3000));
    }

    #[test]
    fn projects_with_explained_variance() {
        // Points on a line in 3-D: all variance on the first component.
        let n = 50;
        let emb: Vec<f32> = (0..n).flat_map(|i| [i as f32, 2.0 * i as f32, 0.5]).collect();
        let labels: Vec<usize> = (0..n).map(|i| i % 3).collect();
        let p = project_2d(&emb, n, 3, &labels, 20).unwrap();
        assert_eq!((p.points.len(), p.labels.len()), (20, 20));
        let (e1, e2) = p.explained.unwrap();
        assert!((e1 - 1.0).abs() < 1e-9 && e2.abs() < 1e-9, "{e1} {e2}");
        assert_eq!(p.labels[1], subsample(n, 20)[1] % 3);
        // One dimension: second coordinate is zero.
        let p = project_2d(&[1.0, 2.0, 4.0], 3, 1, &[0, 0, 1], 10).unwrap();
        assert!(p.points.iter().all(|&(_, y)| y == 0.0));
        // Constant embedding: no variance to explain, but still a projection.
        let p = project_2d(&[1.0; 8], 4, 2, &[0; 4], 10).unwrap();
        assert!(p.explained.is_none());
    }

    #[test]
    fn bad_input() {
        assert!(matches!(project_2d(&[], 0, 2, &[], 10), Err(ReportError::Empty { .. })));
        assert!(matches!(project_2d(&[1.0; 5], 3, 2, &[0; 3], 10), Err(ReportError::LengthMismatch { .. })));
        assert!(matches!(project_2d(&[1.0; 6], 3, 2, &[0; 2], 10), Err(ReportError::LengthMismatch { .. })));
        let err = project_2d(&[1.0, f32::NAN, 0.0, 0.0], 2, 2, &[0, 1], 10).unwrap_err();
        assert!(matches!(err, ReportError::NonFinite { index: 1, .. }), "{err}");
    }
}
