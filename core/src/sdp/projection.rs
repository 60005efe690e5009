//! Euclidean projections used by the first-order solvers.
//!
//! * [`simplex_scaled`]: projection of a vector onto {μ ≥ 0, Σμ = s} by sorting (Duchi,
//!   Shalev-Shwartz, Singer & Chandra, ICML 2008): μᵢ = max(λᵢ − θ, 0).
//! * [`AffinePsdProjector`]: projection onto C1 = {Z = Zᵀ ⪰ 0, Z1 = 1, tr Z = K}. With Q an
//!   orthonormal basis of 1^⊥, every Z with Z1 = 1 is 11ᵀ/n + QWQᵀ and Z ∈ C1 ⇔ W ⪰ 0,
//!   tr W = K − 1, so Π_C1(M) = 11ᵀ/n + Q V diag(μ) Vᵀ Qᵀ where sym(QᵀMQ) = V diag(λ) Vᵀ and
//!   μ = Π_{simplex, K−1}(λ). Q is the Householder reflector H = I − βvvᵀ with v = 1/√n − e₁
//!   (H maps 1/√n to e₁) without its first column, applied in O(n²) as HMH = M − vwᵀ − wvᵀ,
//!   u = Mv, w = βu − (β²vᵀu/2)v. Only the eigenpairs with λᵢ > θ enter: they come from the
//!   warm block of the `partial_eigen` module (a few Rayleigh–Ritz sweeps per call, O(n²b)
//!   with b ≈ rank + 6) when it converges and the block holds a Ritz value below θ, and
//!   otherwise from nalgebra's dense symmetric solver on the (n−1) × (n−1) block, which also
//!   reseeds the warm block. The back-transform touches only the eigenvectors with μᵢ > 0
//!   (O(n²r), r ≈ K).

use crate::ops::descending_nan_last;
use alloc::vec;
use alloc::vec::Vec;

use crate::scalar::Linalg;
use nalgebra::{DMatrix, SymmetricEigen};

use super::partial_eigen::PartialEigen;
use crate::error::{Error, Result};
use crate::lanes;
use crate::scalar::Float;

/// Projects `lambda` onto {μ ≥ 0, Σμ = total} (total > 0) in place and returns the threshold θ.
/// `order` is scratch of the same length.
pub(crate) fn simplex_scaled<F: Float>(lambda: &mut [F], total: F, order: &mut Vec<usize>) -> F {
    order.clear();
    order.extend(0..lambda.len());
    order.sort_unstable_by(|&a, &b| descending_nan_last(lambda[a], lambda[b]));
    let mut cumulative = F::ZERO;
    let mut theta = F::ZERO;
    for (j, &i) in order.iter().enumerate() {
        cumulative += lambda[i];
        let t = (cumulative - total) / <F as Float>::from_usize(j + 1);
        if lambda[i] - t > F::ZERO {
            theta = t;
        }
    }
    lambda.iter_mut().for_each(|l| *l = (*l - theta).max(F::ZERO));
    theta
}

/// Ritz pairs beyond the rank kept in the warm block (the first of them certifies θ).
const EXTRA_WIDTH: usize = 6;
/// Rayleigh–Ritz sweeps per projection before falling back to the dense decomposition.
const SWEEPS: usize = 8;

/// Projection onto C1 = {Z ⪰ 0, Z1 = 1, tr Z = K} for a fixed n and K, with its work buffers.
pub(crate) struct AffinePsdProjector<F> {
    n: usize,
    k: usize,
    v: Vec<F>,
    beta: F,
    u: Vec<F>,
    reduced: DMatrix<F>,
    q: Vec<F>,
    order: Vec<usize>,
    mu: Vec<F>,
    top: PartialEigen<F>,
    /// Use the dense decomposition every time (no warm partial eigenpairs).
    pub(crate) exact_only: bool,
    /// Whether the last projection came from the warm partial eigenpairs.
    pub(crate) last_partial: bool,
    /// Accepted Frobenius norm of the Ritz residual block, relative to max(1, |λ|max): the
    /// projection is then exact for a matrix within twice that of the input.
    pub(crate) partial_tol: F,
}

impl<F: Linalg> AffinePsdProjector<F> {
    /// Work buffers for n ≥ 2 points and 1 ≤ K ≤ n clusters; partial eigenpairs are accepted
    /// to the residual `partial_tol` (see the field).
    pub(crate) fn new(n: usize, k: usize, partial_tol: F) -> Self {
        let s = Float::sqrt(<F as Float>::from_usize(n));
        let mut v = vec![F::ONE / s; n];
        v[0] -= F::ONE;
        let vv: F = v.iter().map(|&x| x * x).sum();
        let beta = if vv > F::ZERO { <F as Float>::from_f64(2.0) / vv } else { F::ZERO };
        let m = n.saturating_sub(1);
        Self {
            n,
            k,
            v,
            beta,
            u: vec![F::ZERO; n],
            reduced: DMatrix::zeros(m, m),
            q: vec![F::ZERO; n],
            order: Vec::new(),
            mu: Vec::new(),
            top: PartialEigen::new(),
            exact_only: false,
            last_partial: false,
            partial_tol,
        }
    }

    /// QᵀMQ for a symmetric row-major n × n `m`, into `reduced` ((n−1) × (n−1), symmetric).
    fn reduce(&mut self, m: &[F]) {
        let n = self.n;
        for i in 0..n {
            self.u[i] = lanes::dot(&m[i * n..(i + 1) * n], &self.v);
        }
        let vu: F = self.v.iter().zip(&self.u).map(|(&a, &b)| a * b).sum();
        let c = self.beta * self.beta * vu / <F as Float>::from_f64(2.0);
        for i in 0..n {
            self.u[i] = self.beta * self.u[i] - c * self.v[i];
        }
        let (v, w) = (&self.v, &self.u);
        let size = n - 1;
        let reduced = self.reduced.as_mut_slice();
        for i in 1..n {
            let row = &m[i * n..(i + 1) * n];
            let out = &mut reduced[(i - 1) * size..i * size];
            for j in 1..n {
                out[j - 1] = row[j] - v[i] * w[j] - w[i] * v[j];
            }
        }
    }

    /// Writes Π_C1(m) into `out` (both row-major n × n; `m` symmetric). Returns the θ of the
    /// eigenvalue projection. Uses the warm partial eigenpairs when they converge and the
    /// dense decomposition otherwise.
    pub(crate) fn project(&mut self, m: &[F], out: &mut [F]) -> Result<F> {
        let n = self.n;
        let inv_n = F::ONE / <F as Float>::from_usize(n);
        self.last_partial = false;
        if self.k == 1 || n == 1 {
            out.iter_mut().for_each(|z| *z = inv_n);
            return Ok(F::ZERO);
        }
        self.reduce(m);
        let size = n - 1;
        let total = <F as Float>::from_usize(self.k - 1);
        out.iter_mut().for_each(|z| *z = inv_n);
        if !self.exact_only && self.partial(total) {
            self.last_partial = true;
            let theta = self.threshold(total);
            let vectors = core::mem::replace(&mut self.top.vectors, DMatrix::zeros(0, 0));
            self.back_transform(vectors.as_slice(), out);
            self.top.vectors = vectors;
            return Ok(theta);
        }
        let mat = self.reduced.clone();
        let eig = SymmetricEigen::try_new(mat, F::default_epsilon(), 0)
            .ok_or(Error::NumericalBreakdown { what: "symmetric eigen decomposition", iteration: 0 })?;
        self.mu.clear();
        self.mu.extend(eig.eigenvalues.iter().copied());
        let theta = simplex_scaled(&mut self.mu, total, &mut self.order);
        self.back_transform(eig.eigenvectors.as_slice(), out);
        let rank = self.mu.iter().filter(|&&w| w > F::ZERO).count();
        if 2 * (rank + EXTRA_WIDTH) <= size {
            self.top.seed(&eig, rank + EXTRA_WIDTH);
        } else {
            self.top.warm = false;
        }
        Ok(theta)
    }

    /// Refines the warm Ritz block on `reduced`; true when every pair above θ (and the first
    /// one below it) converged and the block is wide enough to contain θ.
    fn partial(&mut self, total: F) -> bool {
        let tol = self.partial_tol;
        let needed = |values: &[F]| {
            let mut mu = values.to_vec();
            let mut order = Vec::new();
            simplex_scaled(&mut mu, total, &mut order);
            mu.iter().filter(|&&w| w > F::ZERO).count() + 1
        };
        if !self.top.refine(&self.reduced, SWEEPS, tol, needed) {
            return false;
        }
        self.mu.clear();
        self.mu.extend(self.top.values.iter().copied());
        let mut scratch = self.mu.clone();
        simplex_scaled(&mut scratch, total, &mut self.order);
        let rank = scratch.iter().filter(|&&w| w > F::ZERO).count();
        rank < self.top.width()
    }

    /// θ and μ from the Ritz values of the warm block (into `mu`).
    fn threshold(&mut self, total: F) -> F {
        simplex_scaled(&mut self.mu, total, &mut self.order)
    }

    /// Adds Σ μᵢ qᵢqᵢᵀ to `out`, qᵢ = H [0; yᵢ], yᵢ the i-th column (length n − 1) of the
    /// column-major `vectors`, for the μᵢ > 0 in `mu`.
    fn back_transform(&mut self, vectors: &[F], out: &mut [F]) {
        let n = self.n;
        let size = n - 1;
        for (idx, &weight) in self.mu.iter().enumerate() {
            if weight <= F::ZERO {
                continue;
            }
            let y = &vectors[idx * size..(idx + 1) * size];
            // q = H [0; y] = [0; y] − β v (v[1..]ᵀ y).
            let vy = lanes::dot(&self.v[1..], y);
            let c = self.beta * vy;
            self.q[0] = -c * self.v[0];
            for i in 1..n {
                self.q[i] = y[i - 1] - c * self.v[i];
            }
            // Upper triangle only, mirrored below: `out` stays exactly symmetric.
            for i in 0..n {
                let s = weight * self.q[i];
                let row = &mut out[i * n + i..(i + 1) * n];
                for (o, &qj) in row.iter_mut().zip(&self.q[i..]) {
                    *o += s * qj;
                }
            }
        }
        for i in 0..n {
            for j in 0..i {
                out[i * n + j] = out[j * n + i];
            }
        }
    }

    /// Largest eigenvalue of QᵀMQ (the support function of C1 is 1ᵀM1/n + (K−1)·this).
    pub(crate) fn reduced_max_eigenvalue(&mut self, m: &[F]) -> Result<F> {
        if self.n == 1 {
            return Ok(F::ZERO);
        }
        self.reduce(m);
        let vals = self.reduced.clone().symmetric_eigenvalues();
        let mut best = F::NEG_INFINITY;
        for &v in vals.iter() {
            if !Float::is_finite(v) {
                return Err(Error::NumericalBreakdown { what: "symmetric eigenvalues", iteration: 0 });
            }
            best = Float::max(best, v);
        }
        Ok(best)
    }
}

/// Projection of the symmetric row-major n × n `m` onto {B ⪰ 0, tr B = total} (eigenvalues onto
/// the scaled simplex), written into `out`; `order` is sorting scratch.
pub(crate) fn psd_trace<F: Linalg>(m: &[F], n: usize, total: F, out: &mut [F], order: &mut Vec<usize>) -> Result<()> {
    let mat = DMatrix::from_row_slice(n, n, m);
    let eig = SymmetricEigen::try_new(mat, <F as Float>::EPSILON, 0)
        .ok_or(Error::NumericalBreakdown { what: "symmetric eigen decomposition", iteration: 0 })?;
    let mut mu: Vec<F> = eig.eigenvalues.iter().copied().collect();
    simplex_scaled(&mut mu, total, order);
    out.iter_mut().for_each(|o| *o = F::ZERO);
    let vecs = eig.eigenvectors.as_slice();
    for (idx, &weight) in mu.iter().enumerate() {
        if weight <= F::ZERO {
            continue;
        }
        let v = &vecs[idx * n..(idx + 1) * n];
        for i in 0..n {
            let s = weight * v[i];
            out[i * n..(i + 1) * n].iter_mut().zip(v).for_each(|(o, &vj)| *o += s * vj);
        }
    }
    Ok(())
}

/// max over C1 of ⟨M, Z⟩ = 1ᵀM1/n + (K − 1)·λ_max(QᵀMQ): an upper bound on the SDP value
/// whenever M = A + Y with Y ≥ 0 (weak duality for the constraint Z ≥ 0).
pub(crate) fn support_c1<F: Linalg>(proj: &mut AffinePsdProjector<F>, m: &[F]) -> Result<F> {
    let n = proj.n;
    let total: F = m.iter().copied().sum();
    let top = proj.reduced_max_eigenvalue(m)?;
    Ok(total / <F as Float>::from_usize(n) + <F as Float>::from_usize(proj.k - 1) * Float::max(top, F::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simplex_projection_matches_closed_form() {
        let mut l = [3.0f64, 1.0, -2.0, 0.5];
        let mut order = Vec::new();
        let theta = simplex_scaled(&mut l, 2.0, &mut order);
        // Top two: 3 − θ + 1 − θ = 2 ⇒ θ = 1, then 0.5 − 1 < 0.
        assert!((theta - 1.0).abs() < 1e-15);
        assert_eq!(l, [2.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn projection_lands_in_c1_and_is_idempotent() {
        let n = 7;
        let mut m = vec![0.0f64; n * n];
        for i in 0..n {
            for j in 0..n {
                m[i * n + j] = ((i * 3 + j * 5) % 7) as f64 - 3.0 + ((j * 3 + i * 5) % 7) as f64;
            }
        }
        let mut p = AffinePsdProjector::new(n, 3, 1e-12);
        let mut z = vec![0.0; n * n];
        p.project(&m, &mut z).unwrap();
        let tr: f64 = (0..n).map(|i| z[i * n + i]).sum();
        assert!((tr - 3.0).abs() < 1e-12);
        for i in 0..n {
            let s: f64 = z[i * n..(i + 1) * n].iter().sum();
            assert!((s - 1.0).abs() < 1e-12);
        }
        let eig = DMatrix::from_row_slice(n, n, &z).symmetric_eigenvalues();
        assert!(eig.iter().all(|&e| e > -1e-12));
        let mut z2 = vec![0.0; n * n];
        p.project(&z, &mut z2).unwrap();
        assert!(z.iter().zip(&z2).all(|(a, b)| (a - b).abs() < 1e-12));
    }
}
