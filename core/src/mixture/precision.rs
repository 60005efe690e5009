//! Cholesky factors of precision matrices, scikit-learn's `precisions_cholesky_`.
//!
//! For a covariance Σ = L Lᵀ (L lower), the precision factor is U = L⁻ᵀ, upper triangular,
//! with P = Σ⁻¹ = U Uᵀ; then (x − μ)ᵀ P (x − μ) = ‖(x − μ)ᵀ U‖² and log det U = −½ log det Σ.
//! Given a precision P directly, U is found by the "flipped" Cholesky: with J the exchange
//! matrix, J P J = L' L'ᵀ and U = J L' J (what scikit-learn does for `precisions_init`).

use crate::scalar::Float;
use crate::scalar::Linalg;
use alloc::vec::Vec;
use nalgebra::DMatrix;

/// U = (chol_lower(Σ))⁻ᵀ for a d × d row-major covariance; `None` if Σ is not positive definite.
pub(crate) fn from_covariance<F: Linalg>(cov: &[F], d: usize) -> Option<Vec<F>> {
    let m = DMatrix::from_row_slice(d, d, cov);
    let chol = m.cholesky()?;
    let inv_l = chol.l().solve_lower_triangular(&DMatrix::identity(d, d))?;
    // U = inv_lᵀ; row-major U[i][j] = inv_l[j][i] = column-major storage of inv_l read in order.
    let u: Vec<F> = inv_l.as_slice().to_vec();
    if u.iter().all(|v| Float::is_finite(*v)) { Some(u) } else { None }
}

/// U with U Uᵀ = P (upper triangular) for a d × d row-major precision; `None` if P is not
/// positive definite.
pub(crate) fn from_precision<F: Linalg>(prec: &[F], d: usize) -> Option<Vec<F>> {
    // Flip rows and columns: (J P J)[i][j] = P[d-1-i][d-1-j].
    let flipped = DMatrix::from_fn(d, d, |i, j| prec[(d - 1 - i) * d + (d - 1 - j)]);
    let l = flipped.cholesky()?.l();
    // U[i][j] = L'[d-1-i][d-1-j].
    let mut u = Vec::with_capacity(d * d);
    for i in 0..d {
        for j in 0..d {
            u.push(l[(d - 1 - i, d - 1 - j)]);
        }
    }
    if u.iter().all(|v| Float::is_finite(*v)) { Some(u) } else { None }
}

/// Σ = (U Uᵀ)⁻¹ = U⁻ᵀ U⁻¹ for an upper-triangular row-major U; `None` if U is singular or Σ
/// is not representable (a precision so small that its inverse overflows).
pub(crate) fn covariance_from_factor<F: Linalg>(u: &[F], d: usize) -> Option<Vec<F>> {
    let um = DMatrix::from_row_slice(d, d, u);
    let v = um.solve_upper_triangular(&DMatrix::identity(d, d))?; // V = U⁻¹
    let cov = v.transpose() * &v;
    // Symmetric, so column-major equals row-major.
    let cov = cov.as_slice().to_vec();
    if cov.iter().all(|c| Float::is_finite(*c)) { Some(cov) } else { None }
}

/// log det U = Σ_d ln U[d][d] for a d × d row-major triangular factor.
pub(crate) fn log_det_factor<F: Float>(u: &[F], d: usize) -> F {
    (0..d).map(|i| Float::ln(u[i * d + i])).sum()
}

/// The first (row, col) where a d × d row-major matrix differs from its transpose by more
/// than `1e-10 · max|entry|` (absolute), if any.
pub(crate) fn asymmetry<F: Float>(m: &[F], d: usize) -> Option<(usize, usize)> {
    let scale = m.iter().fold(F::ZERO, |a, v| a.max(Float::abs(*v)));
    let tol = F::from_f64(1e-10) * scale;
    for i in 0..d {
        for j in (i + 1)..d {
            if Float::abs(m[i * d + j] - m[j * d + i]) > tol {
                return Some((i, j));
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn factor_reproduces_precision_and_covariance() {
        let cov = [4.0f64, 1.0, 0.5, 1.0, 3.0, 0.2, 0.5, 0.2, 2.0];
        let u = from_covariance(&cov, 3).unwrap();
        // Upper triangular.
        assert!(u[3] == 0.0 && u[6] == 0.0 && u[7] == 0.0);
        let back = covariance_from_factor(&u, 3).unwrap();
        for (a, b) in back.iter().zip(&cov) {
            assert!((a - b).abs() < 1e-12);
        }
        // The same factor from the precision.
        let um = DMatrix::from_row_slice(3, 3, &u);
        let p = &um * um.transpose();
        let prec: Vec<f64> = (0..9).map(|i| p[(i / 3, i % 3)]).collect();
        let u2 = from_precision(&prec, 3).unwrap();
        for (a, b) in u.iter().zip(&u2) {
            assert!((a - b).abs() < 1e-12, "{u:?} {u2:?}");
        }
        let ld = log_det_factor(&u, 3);
        assert!((ld + 0.5 * DMatrix::from_row_slice(3, 3, &cov).determinant().ln()).abs() < 1e-12);
        assert!(from_covariance(&[1.0f64, 2.0, 2.0, 1.0], 2).is_none());
        assert_eq!(asymmetry(&[1.0f64, 2.0, 2.1, 1.0], 2), Some((0, 1)));
    }
}
