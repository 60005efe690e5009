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

/// Eigenpairs of the matrix divided by `scale` (a power of two), so that huge entries do not
/// overflow: eigenvalue i of the matrix is `values[i] · scale`.
pub(crate) struct ScaledEigen {
    /// Eigenvalues of M / `scale`.
    pub(crate) values: Vec<f64>,
    /// Orthonormal eigenvectors (columns), when asked for.
    pub(crate) vectors: Option<DMatrix<f64>>,
    /// The power of two M was divided by.
    pub(crate) scale: f64,
}

/// Eigenvalues and, if `vectors`, eigenvectors of sym(M) for the n × n matrix with finite
/// entries `entry(i, j)`. Errors: `NumericalBreakdown` if the iteration still produced a
/// non-finite value.
pub(crate) fn symmetric_eigen(n: usize, entry: impl Fn(usize, usize) -> f64, vectors: bool) -> Result<ScaledEigen> {
    let breakdown = Error::NumericalBreakdown { what: "symmetric eigenvalues", iteration: 0 };
    let largest = (0..n * n).map(|idx| entry(idx / n, idx % n).abs()).fold(0.0f64, f64::max);
    if largest == 0.0 {
        let vectors = vectors.then(|| DMatrix::identity(n, n));
        return Ok(ScaledEigen { values: alloc::vec![0.0; n], vectors, scale: 1.0 });
    }
    // 2^-e with largest = m·2^e, m ∈ [0.5, 1): scaled entries lie in [−2, 2), max ≥ 1.
    let (_, e) = libm::frexp(largest);
    let (down, up) = (libm::ldexp(1.0, 1 - e), libm::ldexp(1.0, e - 1));
    let floor = f64::EPSILON;
    let m = DMatrix::from_fn(n, n, |i, j| {
        let v = 0.5 * (entry(i, j) * down) + 0.5 * (entry(j, i) * down);
        if v.abs() < floor { 0.0 } else { v }
    });
    let (values, vecs) = if vectors {
        let eig = SymmetricEigen::try_new(m, f64::EPSILON, 0).ok_or(breakdown)?;
        (eig.eigenvalues, Some(eig.eigenvectors))
    } else {
        (m.symmetric_eigenvalues(), None)
    };
    let finite = values.iter().all(|v| v.is_finite()) && vecs.as_ref().is_none_or(|v| v.iter().all(|x| x.is_finite()));
    if !finite {
        return Err(breakdown);
    }
    Ok(ScaledEigen { values: values.iter().copied().collect(), vectors: vecs, scale: up })
}
