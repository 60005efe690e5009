//! The top eigenpairs of a symmetric matrix that moves a little between calls.
//!
//! The projection onto C1 only needs the eigenpairs above the simplex threshold θ — about the
//! rank of the solution, a handful — and the first-order solvers project a slowly changing
//! matrix R once per iteration. Starting from the previous call's Ritz block X (size × b,
//! orthonormal), one sweep is Rayleigh–Ritz on span[X, W, P], with W = RX (its component
//! outside X is the residual block) and P the momentum block — the part of the last update
//! outside the old X —, all orthonormalised against X (block LOBPCG without preconditioner:
//! Knyazev, SIAM J. Sci. Comput. 23(2), 2001; Saad, *Numerical Methods for Large Eigenvalue
//! Problems*, 2nd ed., SIAM 2011, §6.3 and §11.2):
//!
//! ```text
//!     S = orth[X, W, P],   SᵀRS = Y diag(λ) Yᵀ,   X ← S Y[:, top b],   RX ← (RS) Y[:, top b],
//!     P ← S[:, b..] Y[b.., top b]
//! ```
//!
//! Sweeps repeat until the Ritz pairs the caller needs have a residual block
//! ‖RX − XΛ‖_F ≤ tol·max(1, |λ|max); the projection computed from them is then the exact
//! projection of a matrix within 2‖RX − XΛ‖_F of R (X is invariant for R − EXᵀ − XEᵀ). The
//! caller (see the `projection` module) falls back to the dense decomposition when the sweeps
//! do not converge, or when the block holds no Ritz value below θ (the block is too narrow),
//! and reseeds the block from it.

use crate::ops::descending_nan_last;
use alloc::vec::Vec;

use crate::scalar::Linalg;
use nalgebra::{DMatrix, SymmetricEigen};

use crate::lanes;
use crate::scalar::Float;

/// A warm block of approximate top eigenpairs of a size × size symmetric matrix.
pub(crate) struct PartialEigen<F> {
    /// Ritz vectors, one per column, by decreasing Ritz value (size × b).
    pub(crate) vectors: DMatrix<F>,
    /// Ritz values, decreasing.
    pub(crate) values: Vec<F>,
    /// Residual norms ‖Rx − λx‖ of the Ritz pairs.
    residuals: Vec<F>,
    /// R · vectors.
    rx: DMatrix<F>,
    /// The momentum block P (size × b): the part of the last update outside the old X.
    momentum: DMatrix<F>,
    has_momentum: bool,
    /// Sweep work: the basis S = [X, W, P] and RS (size × 3b each).
    basis: DMatrix<F>,
    rs: DMatrix<F>,
    /// Whether `vectors` holds a block from an earlier call.
    pub(crate) warm: bool,
}

impl<F: Linalg> PartialEigen<F> {
    /// An empty (cold) block.
    pub(crate) fn new() -> Self {
        Self {
            vectors: DMatrix::zeros(0, 0),
            values: Vec::new(),
            residuals: Vec::new(),
            rx: DMatrix::zeros(0, 0),
            momentum: DMatrix::zeros(0, 0),
            has_momentum: false,
            basis: DMatrix::zeros(0, 0),
            rs: DMatrix::zeros(0, 0),
            warm: false,
        }
    }

    /// Block width b.
    pub(crate) fn width(&self) -> usize {
        self.vectors.ncols()
    }

    /// Reseeds the block with the `b` largest eigenpairs of a dense decomposition.
    pub(crate) fn seed(&mut self, eig: &SymmetricEigen<F, nalgebra::Dyn>, b: usize) {
        let size = eig.eigenvalues.len();
        let b = b.min(size);
        let order = descending(eig.eigenvalues.as_slice());
        self.vectors = DMatrix::zeros(size, b);
        self.rx = DMatrix::zeros(size, b);
        self.values.clear();
        for (col, &idx) in order.iter().take(b).enumerate() {
            let lambda = eig.eigenvalues[idx];
            self.values.push(lambda);
            self.vectors.column_mut(col).copy_from(&eig.eigenvectors.column(idx));
            self.rx.column_mut(col).copy_from(&(eig.eigenvectors.column(idx) * lambda));
        }
        self.residuals.clear();
        self.residuals.resize(b, F::ZERO);
        self.momentum = DMatrix::zeros(size, b);
        self.has_momentum = false;
        self.basis = DMatrix::zeros(size, 3 * b);
        self.rs = DMatrix::zeros(size, 3 * b);
        self.warm = true;
    }

    /// Refines the warm block on the new matrix `r` for at most `sweeps` sweeps. `needed(values)`
    /// returns how many leading Ritz pairs must be accurate (it sees the current Ritz values).
    /// Returns whether their residual block reached `tol`·max(1, |λ|max) in Frobenius norm.
    pub(crate) fn refine(&mut self, r: &DMatrix<F>, sweeps: usize, tol: F, needed: impl Fn(&[F]) -> usize) -> bool {
        let (size, b) = (r.nrows(), self.width());
        if !self.warm || b == 0 || 2 * b > size {
            return false;
        }
        r.mul_to(&self.vectors, &mut self.rx);
        for _ in 0..sweeps {
            if !self.sweep(r) {
                return false;
            }
            let scale = self.values.iter().fold(F::ONE, |m, &v| Float::max(m, Float::abs(v)));
            let count = needed(&self.values).min(b);
            let error = Float::sqrt(self.residuals[..count].iter().map(|&res| res * res).sum::<F>());
            if error <= tol * scale {
                return true;
            }
        }
        false
    }

    /// One Rayleigh–Ritz sweep on span[X, RX, P]; false on a numerical breakdown.
    fn sweep(&mut self, r: &DMatrix<F>) -> bool {
        let (size, b) = (r.nrows(), self.width());
        self.basis.columns_mut(0, b).copy_from(&self.vectors);
        self.basis.columns_mut(b, b).copy_from(&self.rx);
        let tail = if self.has_momentum {
            self.basis.columns_mut(2 * b, b).copy_from(&self.momentum);
            2 * b
        } else {
            b
        };
        let kept = orthonormalise_tail(&mut self.basis.as_mut_slice()[..(b + tail) * size], size, b);
        if kept == 0 {
            // RX lies in span X (degenerate): let the dense decomposition decide.
            return false;
        }
        let s = self.basis.columns(0, b + kept);
        self.rs.columns_mut(0, b).copy_from(&self.rx);
        r.mul_to(&s.columns(b, kept), &mut self.rs.columns_mut(b, kept));
        let rs = self.rs.columns(0, b + kept);
        let mut h = DMatrix::zeros(b + kept, b + kept);
        s.tr_mul_to(&rs, &mut h);
        let h = (&h + h.transpose()) * <F as Float>::from_f64(0.5);
        let Some(small) = SymmetricEigen::try_new(h, <F as Float>::EPSILON, 0) else {
            return false;
        };
        let order = descending(small.eigenvalues.as_slice());
        let mut y = DMatrix::zeros(b + kept, b);
        for (col, &idx) in order.iter().take(b).enumerate() {
            y.column_mut(col).copy_from(&small.eigenvectors.column(idx));
            self.values[col] = small.eigenvalues[idx];
        }
        s.mul_to(&y, &mut self.vectors);
        rs.mul_to(&y, &mut self.rx);
        s.columns(b, kept).mul_to(&y.rows(b, kept), &mut self.momentum);
        self.has_momentum = true;
        for col in 0..b {
            let lambda = self.values[col];
            let span = col * size..(col + 1) * size;
            let (rx, x) = (&self.rx.as_slice()[span.clone()], &self.vectors.as_slice()[span]);
            self.residuals[col] = residual_norm(rx, x, lambda);
            if !Float::is_finite(self.residuals[col]) {
                return false;
            }
        }
        true
    }
}

/// ‖rx − λx‖₂ with independent lane accumulators (vectorises; no cancellation).
fn residual_norm<F: Float>(rx: &[F], x: &[F], lambda: F) -> F {
    const W: usize = 8;
    let mut acc = [F::ZERO; W];
    let (rc, xc) = (rx.chunks_exact(W), x.chunks_exact(W));
    let tail: F = rc.remainder().iter().zip(xc.remainder()).map(|(&a, &b)| (a - lambda * b) * (a - lambda * b)).sum();
    for (rs, xs) in rc.zip(xc) {
        for l in 0..W {
            let d = rs[l] - lambda * xs[l];
            acc[l] += d * d;
        }
    }
    Float::sqrt(acc.iter().fold(tail, |s, &a| s + a))
}

/// Indices of `values` by decreasing value.
fn descending<F: Float>(values: &[F]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_unstable_by(|&a, &b| descending_nan_last(values[a], values[b]));
    order
}

/// Orthonormalises the columns (length `size`, column-major `data`) from `head` on against the (orthonormal) first `head` columns
/// and each other by modified Gram–Schmidt applied twice, packs the independent ones right after
/// the head and returns how many were kept.
fn orthonormalise_tail<F: Float>(data: &mut [F], size: usize, head: usize) -> usize {
    let total = data.len() / size;
    let drop_below = <F as Float>::from_f64(1e3) * <F as Float>::EPSILON;
    let mut kept = head;
    for col in head..total {
        let (done, rest) = data.split_at_mut(col * size);
        let v = &mut rest[..size];
        let before = Float::sqrt(lanes::dot(v, v));
        if before <= F::ZERO || !Float::is_finite(before) {
            continue;
        }
        for _ in 0..2 {
            for prev in 0..kept {
                let q = &done[prev * size..(prev + 1) * size];
                let dot = lanes::dot(q, v);
                v.iter_mut().zip(q).for_each(|(x, &qi)| *x -= dot * qi);
            }
        }
        let after = Float::sqrt(lanes::dot(v, v));
        if after <= drop_below * before {
            continue;
        }
        let inv = F::ONE / after;
        if kept == col {
            v.iter_mut().for_each(|x| *x *= inv);
        } else {
            done[kept * size..(kept + 1) * size].iter_mut().zip(v.iter()).for_each(|(o, &x)| *o = x * inv);
        }
        kept += 1;
    }
    kept - head
}
