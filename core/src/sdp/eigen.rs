//! Eigenpairs of a symmetric matrix given by the caller (Z, or UᵀU), robust to the range of
//! its entries.
//!
//! nalgebra's implicit QR iteration (Golub & Van Loan, Matrix Computations, 4th ed., §8.3)
//! returns NaN when a diagonal block is many orders of magnitude below the rest of the matrix
//! and squares in its Givens rotations underflow: a finite f32 Z = UUᵀ with a 1e-12 block
//! next to entries of 2 did. Here the matrix is decomposed in f64, scaled by a power of two to
//! max |Mᵢⱼ| ∈ [1, 2) (exact), with the entries below ε·max |Mᵢⱼ| set to 0: that perturbation
//! has ‖E‖₂ ≤ nε·max |Mᵢⱼ|, the size of the decomposition's own backward error, and keeps
//! every square far from the underflow range.

use alloc::vec::Vec;

use nalgebra::{DMatrix, SymmetricEigen};

use crate::error::{Error, Result};

/// Eigenpairs of the matrix divided by 2^`shift`, so that huge or tiny entries neither
/// overflow nor underflow: eigenvalue i of the matrix is `unscale(values[i])`.
pub(crate) struct ScaledEigen {
    /// Eigenvalues of M · 2^−`shift`.
    pub(crate) values: Vec<f64>,
    /// Orthonormal eigenvectors (columns), when asked for.
    pub(crate) vectors: Option<DMatrix<f64>>,
    /// The power of two M was divided by.
    shift: i32,
}

impl ScaledEigen {
    /// An eigenvalue of the scaled matrix in the original scale.
    pub(crate) fn unscale(&self, value: f64) -> f64 {
        libm::scalbn(value, self.shift)
    }

    /// √max(λ, 0) in the original scale for an eigenvalue λ of the scaled matrix.
    pub(crate) fn root(&self, value: f64) -> f64 {
        let v = value.max(0.0) * if self.shift.rem_euclid(2) == 1 { 2.0 } else { 1.0 };
        libm::scalbn(libm::sqrt(v), self.shift.div_euclid(2))
    }
}

/// Eigenvalues and, if `vectors`, eigenvectors of sym(M) for the n × n matrix with finite
/// entries `entry(i, j)`. Errors: `NumericalBreakdown` if the iteration still produced a
/// non-finite value.
pub(crate) fn symmetric_eigen(n: usize, entry: impl Fn(usize, usize) -> f64, vectors: bool) -> Result<ScaledEigen> {
    let breakdown = Error::NumericalBreakdown { what: "symmetric eigenvalues", iteration: 0 };
    let largest = (0..n * n).map(|idx| entry(idx / n, idx % n).abs()).fold(0.0f64, f64::max);
    if largest == 0.0 {
        let vectors = vectors.then(|| DMatrix::identity(n, n));
        return Ok(ScaledEigen { values: alloc::vec![0.0; n], vectors, shift: 0 });
    }
    // largest = m·2^e with m ∈ [0.5, 1): the scaled entries lie in [−2, 2), max ≥ 1.
    let shift = libm::frexp(largest).1 - 1;
    let m = DMatrix::from_fn(n, n, |i, j| {
        let v = 0.5 * libm::scalbn(entry(i, j), -shift) + 0.5 * libm::scalbn(entry(j, i), -shift);
        if v.abs() < f64::EPSILON { 0.0 } else { v }
    });
    let (values, vectors) = if vectors {
        let eig = SymmetricEigen::try_new(m, f64::EPSILON, 0).ok_or(breakdown)?;
        (eig.eigenvalues, Some(eig.eigenvectors))
    } else {
        (m.symmetric_eigenvalues(), None)
    };
    let finite =
        values.iter().all(|v| v.is_finite()) && vectors.as_ref().is_none_or(|v| v.iter().all(|x| x.is_finite()));
    if !finite {
        return Err(breakdown);
    }
    Ok(ScaledEigen { values: values.iter().copied().collect(), vectors, shift })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eigenvalues_keep_their_scale_at_the_range_limits() {
        for big in [f64::MAX, 1e300, 3.0, 1e-300, 5e-324] {
            let entry = |i: usize, j: usize| if i == 1 && j == 1 { big } else { 0.0 };
            let eig = symmetric_eigen(2, entry, true).unwrap();
            let mut values: Vec<f64> = eig.values.iter().map(|&v| eig.unscale(v)).collect();
            values.sort_by(f64::total_cmp);
            assert_eq!(values, [entry(0, 0), entry(1, 1)], "{big:e}");
            let top = eig.values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let root = eig.root(top);
            assert!((root - libm::sqrt(big)).abs() <= 1e-15 * libm::sqrt(big), "{big:e}: {root:e}");
        }
    }
}
