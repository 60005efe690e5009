//! The Peng–Wei problem data: a centred similarity matrix and the affine map back to the
//! caller's objective.
//!
//! Because every feasible Z has Z1 = 1, replacing the similarity A by JAJ (J = I − 11ᵀ/n, the
//! double centring) shifts ⟨A, Z⟩ by the constant 1ᵀA1/n (Peng & Wei, SIAM J. Optim. 18(1),
//! 2007). The solvers work on the centred matrix, which is better conditioned, and report the
//! objective in the caller's terms through [`Affinity::user_objective`].

use alloc::vec;
use alloc::vec::Vec;

use crate::error::{Error, Result};
use crate::matrix::MatRef;
use crate::scalar::{Float, Real};
use crate::validate;

/// What the caller handed in, which fixes the sense of the reported objective.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Source {
    /// Data X (n × p): objective ⟨X_c X_cᵀ, Z⟩ with X_c the column-centred data (maximised).
    Data,
    /// Squared distances D: objective ⟨D, Z⟩ (minimised; equals 2·WCSS at an integral Z).
    Distances,
    /// A similarity A: objective ⟨A, Z⟩ (maximised).
    Similarity,
}

/// The n × n double-centred similarity the solvers maximise ⟨·, Z⟩ over, plus the affine map
/// back to the caller's objective: `user = scale · (⟨centred, Z⟩ + offset)`.
#[derive(Clone, Debug)]
pub struct Affinity<F> {
    n: usize,
    centred: Vec<F>,
    offset: F,
    scale: F,
    source: Source,
}

impl<F: Float> Affinity<F> {
    /// A = X_c X_cᵀ from data `x` (n × p, rows are points), centred column-wise first.
    pub fn from_data<T: Real<Acc = F>>(x: MatRef<'_, T>) -> Result<Self> {
        validate::finite(x.as_slice(), "x")?;
        let xc = centred_columns(x);
        let (n, p) = (x.rows(), x.cols());
        let mut a = vec![F::ZERO; n * n];
        for i in 0..n {
            let xi = &xc[i * p..(i + 1) * p];
            for j in 0..=i {
                let v: F = xi.iter().zip(&xc[j * p..(j + 1) * p]).map(|(&s, &t)| s * t).sum();
                a[i * n + j] = v;
                a[j * n + i] = v;
            }
        }
        Ok(Self { n, centred: a, offset: F::ZERO, scale: F::ONE, source: Source::Data })
    }

    /// A = −D/2 from a symmetric matrix of squared distances; the objective reported is ⟨D, Z⟩.
    pub fn from_distances<T: Real<Acc = F>>(d: MatRef<'_, T>) -> Result<Self> {
        let (a, offset) = double_centred(d, -F::from_f64(0.5), "d")?;
        Ok(Self { n: d.rows(), centred: a, offset, scale: -F::from_f64(2.0), source: Source::Distances })
    }

    /// A symmetric similarity (kernel, Gram) matrix; the objective reported is ⟨A, Z⟩.
    pub fn from_similarity<T: Real<Acc = F>>(a: MatRef<'_, T>) -> Result<Self> {
        let (c, offset) = double_centred(a, F::ONE, "a")?;
        Ok(Self { n: a.rows(), centred: c, offset, scale: F::ONE, source: Source::Similarity })
    }

    /// Number of points.
    pub fn n(&self) -> usize {
        self.n
    }

    /// The double-centred similarity, row-major n × n.
    pub fn centred(&self) -> &[F] {
        &self.centred
    }

    /// Where the matrix came from.
    pub fn source(&self) -> Source {
        self.source
    }

    /// The caller's objective for a feasible Z whose centred value ⟨JAJ, Z⟩ is `centred_value`.
    pub fn user_objective(&self, centred_value: F) -> F {
        self.scale * (centred_value + self.offset)
    }

    /// ‖JAJ‖₂ by power iteration (a scale for step sizes and penalties; 1 if the matrix is 0).
    pub fn spectral_norm(&self) -> F {
        let n = self.n;
        let mut x: Vec<F> = (0..n).map(|i| F::ONE + F::from_usize(i % 7) / F::from_f64(7.0)).collect();
        let mut y = vec![F::ZERO; n];
        let mut estimate = F::ZERO;
        for _ in 0..100 {
            let norm = x.iter().map(|&v| v * v).sum::<F>().sqrt();
            if norm <= F::ZERO || !norm.is_finite() {
                break;
            }
            x.iter_mut().for_each(|v| *v /= norm);
            for (yi, row) in y.iter_mut().zip(self.centred.chunks_exact(n)) {
                *yi = row.iter().zip(&x).map(|(&a, &b)| a * b).sum();
            }
            let next = y.iter().map(|&v| v * v).sum::<F>().sqrt();
            let done = (next - estimate).abs() <= F::from_f64(1e-6) * next;
            estimate = next;
            core::mem::swap(&mut x, &mut y);
            if done {
                break;
            }
        }
        if estimate > F::ZERO && estimate.is_finite() { estimate } else { F::ONE }
    }

    /// The centred value ⟨JAJ, Z⟩ of a row-major n × n matrix `z`.
    pub fn centred_value(&self, z: &[F]) -> F {
        self.centred.iter().zip(z).map(|(&a, &b)| a * b).sum()
    }
}

/// Column-centred copy of `x` in the compute type.
pub(crate) fn centred_columns<T: Real>(x: MatRef<'_, T>) -> Vec<T::Acc> {
    let (n, p) = (x.rows(), x.cols());
    let mut mean = vec![<T::Acc as Float>::ZERO; p];
    for row in x.row_iter() {
        for (m, v) in mean.iter_mut().zip(row) {
            *m += v.to_acc();
        }
    }
    let inv_n = <T::Acc as Float>::ONE / <T::Acc as Float>::from_usize(n);
    mean.iter_mut().for_each(|m| *m *= inv_n);
    let mut out = Vec::with_capacity(n * p);
    for row in x.row_iter() {
        out.extend(row.iter().zip(&mean).map(|(v, &m)| v.to_acc() - m));
    }
    out
}

/// Validates a square symmetric finite matrix and returns J(factor·M)J with the offset
/// 1ᵀ(factor·M)1/n.
fn double_centred<T: Real>(m: MatRef<'_, T>, factor: T::Acc, what: &'static str) -> Result<(Vec<T::Acc>, T::Acc)> {
    let n = m.rows();
    if m.cols() != n {
        return Err(Error::ShapeMismatch { what, expected: n * n, found: m.as_slice().len() });
    }
    validate::finite(m.as_slice(), what)?;
    let s = m.as_slice();
    let mut scale = <T::Acc as Float>::ZERO;
    for v in s {
        scale = scale.max(v.to_acc().abs());
    }
    let tol = <T::Acc as Float>::EPSILON * <T::Acc as Float>::from_f64(64.0) * scale;
    for i in 0..n {
        for j in 0..i {
            if (s[i * n + j].to_acc() - s[j * n + i].to_acc()).abs() > tol {
                return Err(Error::NotSymmetric { what, row: i, col: j });
            }
        }
    }
    let zero = <T::Acc as Float>::ZERO;
    let nf = <T::Acc as Float>::from_usize(n);
    let mut row_mean = vec![zero; n];
    let mut total = zero;
    for i in 0..n {
        let r: T::Acc = s[i * n..(i + 1) * n].iter().map(|v| v.to_acc() * factor).sum();
        row_mean[i] = r / nf;
        total += r;
    }
    let grand = total / (nf * nf);
    let mut out = vec![zero; n * n];
    for i in 0..n {
        for j in 0..n {
            let sym = (s[i * n + j].to_acc() + s[j * n + i].to_acc()) * <T::Acc as Float>::from_f64(0.5);
            out[i * n + j] = sym * factor - row_mean[i] - row_mean[j] + grand;
        }
    }
    Ok((out, total / nf))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_and_data_agree_up_to_the_affine_map() {
        let x = [0.0f64, 0.0, 1.0, 0.0, 0.0, 2.0, 3.0, 1.0];
        let xm = MatRef::new(&x, 4, 2, "x").unwrap();
        let mut d = [0.0f64; 16];
        for i in 0..4 {
            for j in 0..4 {
                d[i * 4 + j] = crate::ops::sq_dist(xm.row(i), xm.row(j));
            }
        }
        let from_x = Affinity::from_data(xm).unwrap();
        let from_d = Affinity::from_distances(MatRef::new(&d, 4, 4, "d").unwrap()).unwrap();
        for (a, b) in from_x.centred().iter().zip(from_d.centred()) {
            assert!((a - b).abs() < 1e-12);
        }
        // Z = I/… is not needed: any Z with Z1 = 1 works; take Z = I (k = n).
        let mut z = [0.0f64; 16];
        (0..4).for_each(|i| z[i * 4 + i] = 1.0);
        let c = from_x.centred_value(&z);
        let dz: f64 = d.iter().zip(&z).map(|(a, b)| a * b).sum();
        assert!((from_d.user_objective(c) - dz).abs() < 1e-12);
        assert!(dz.abs() < 1e-12);
    }

    #[test]
    fn rejects_asymmetric_and_non_finite() {
        let a = [1.0f64, 2.0, 3.0, 1.0];
        assert_eq!(
            Affinity::from_similarity(MatRef::new(&a, 2, 2, "a").unwrap()).unwrap_err(),
            Error::NotSymmetric { what: "a", row: 1, col: 0 }
        );
        let b = [1.0f64, f64::NAN, f64::NAN, 1.0];
        assert!(matches!(Affinity::from_distances(MatRef::new(&b, 2, 2, "d").unwrap()), Err(Error::NonFinite { .. })));
        let c = [1.0f64; 6];
        assert!(matches!(
            Affinity::from_distances(MatRef::new(&c, 2, 3, "d").unwrap()),
            Err(Error::ShapeMismatch { .. })
        ));
    }
}
