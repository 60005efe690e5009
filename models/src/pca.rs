//! Principal component projection (for benchmarks and examples): centre the columns, take
//! the top eigenvectors of the covariance matrix (nalgebra's symmetric eigendecomposition),
//! and project. Component signs are arbitrary.

use crate::{Error, Result};
use nalgebra::{DMatrix, SymmetricEigen};

/// Projects the rows of `x` (n × d, row-major) on its top `p` principal components (n × p).
pub fn pca(x: &[f64], n: usize, d: usize, p: usize) -> Result<Vec<f64>> {
    if n == 0 || d == 0 || x.len() != n * d || p == 0 || p > d {
        return Err(Error::InvalidInput(format!("pca: bad shape {n}×{d} (len {}) for {p} components", x.len())));
    }
    let m = DMatrix::from_row_slice(n, d, x);
    let mean = m.row_mean();
    let centred = DMatrix::from_fn(n, d, |i, j| m[(i, j)] - mean[j]);
    let cov = centred.transpose() * &centred / n as f64;
    let eig = SymmetricEigen::new(cov);
    let mut order: Vec<usize> = (0..d).collect();
    order.sort_by(|&a, &b| eig.eigenvalues[b].total_cmp(&eig.eigenvalues[a]));
    let mut out = Vec::with_capacity(n * p);
    for i in 0..n {
        for &c in &order[..p] {
            out.push((0..d).map(|j| centred[(i, j)] * eig.eigenvectors[(j, c)]).sum());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projects_on_the_dominant_direction() {
        // Points along (1, 1) with a little spread along (1, −1).
        let x: Vec<f64> = (0..20)
            .flat_map(|i| {
                let t = i as f64;
                let e = if i % 2 == 0 { 0.1 } else { -0.1 };
                [t + e, t - e]
            })
            .collect();
        let z = pca(&x, 20, 2, 1).unwrap();
        let var: f64 = z.iter().map(|v| v * v).sum::<f64>() / 20.0;
        // Along (1, 1): 2·Var(t) = 66.5, plus a trace of the ±0.1 wiggle correlated with t.
        assert!((var - 66.5).abs() < 1e-3, "{var}");
        // All components together keep the total variance.
        let z2 = pca(&x, 20, 2, 2).unwrap();
        let total: f64 = z2.iter().map(|v| v * v).sum::<f64>() / 20.0;
        assert!((total - (66.5 + 2.0 * 0.01)).abs() < 1e-9, "{total}");
        assert!(pca(&x, 20, 2, 3).is_err());
    }
}
