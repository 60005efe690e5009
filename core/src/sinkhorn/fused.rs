//! The two memory passes of every kernel-space (scaling-form) solver:
//!
//! 1. [`build_kernel`]: G_ij = exp(x_ij·c − s) for the whole matrix, accumulating the column
//!    sums Gᵀ1 and the row sums in the same pass (the only pass that exponentiates).
//! 2. [`scaling_pass`]: one fused Gauss–Seidel half-sweep. For each row block, the row sums
//!    (G v)_i with the current column scalings finalise u_i, and the column partial sums
//!    Σ_i G_ij u_i with the **new** u_i are accumulated from the same rows while they are in
//!    cache. One read of the N×K kernel per iteration (Sinkhorn & Knopp 1967; Cuturi 2013),
//!    instead of two mat-vecs and a chain of temporaries.

use crate::lanes;
use crate::parallel::column_sums_by_chunks;
use crate::scalar::{Float, Real};
use crate::simd::simd_dispatch;

/// Rows processed together in [`scaling_pass`]: the column accumulator is read and written
/// once per block instead of once per row.
const BLOCK: usize = 4;

/// Sums reported by [`build_kernel`].
#[derive(Clone, Copy, Debug)]
pub(crate) struct KernelSums<F> {
    /// ΣG (non-finite if an entry overflowed or an argument was NaN or +∞).
    pub total: F,
    /// min_i Σ_j G_ij (0 if a whole row underflowed).
    pub min_row: F,
    /// max_ij of the exp arguments x_ij·scale − shift (NaN arguments ignored).
    pub hi: F,
    /// min_ij of the exp arguments (NaN arguments ignored).
    pub lo: F,
}

/// One kernel row: out_j = exp(x_j·scale − shift), colsum += out; returns the row sum and
/// the arguments' (max, min).
#[inline(always)]
fn kernel_row<T: Real>(
    row: &[T],
    scale: T::Acc,
    shift: T::Acc,
    out: &mut [T::Acc],
    colsum: &mut [T::Acc],
) -> (T::Acc, T::Acc, T::Acc) {
    for (o, &v) in out.iter_mut().zip(row) {
        *o = v.to_acc() * scale - shift;
    }
    // The row is in L1: the exp and its argument range cost no memory traffic.
    let (hi, lo) = <T::Acc as Float>::exp_fast_in_place(out);
    for (c, &o) in colsum.iter_mut().zip(out.iter()) {
        *c += o;
    }
    (lanes::sum(out), hi, lo)
}

#[inline(always)]
pub(crate) fn build_kernel_body<T: Real>(
    x: &[T],
    k: usize,
    scale: T::Acc,
    shift: T::Acc,
    kernel: &mut [T::Acc],
    colsum: &mut [T::Acc],
) -> KernelSums<T::Acc> {
    let mut sums = KernelSums::<T::Acc>::empty();
    for (row, out) in x.chunks_exact(k).zip(kernel.chunks_exact_mut(k)) {
        let (s, hi, lo) = kernel_row::<T>(row, scale, shift, out, colsum);
        sums.total += s;
        sums.min_row = sums.min_row.min(s);
        sums.hi = if hi > sums.hi { hi } else { sums.hi };
        sums.lo = if lo < sums.lo { lo } else { sums.lo };
    }
    sums
}

simd_dispatch! {
    /// [`build_kernel`] on one run of rows: adds their column sums into `colsum`.
    fn build_kernel_rows<T: Real>(
        x: &[T], k: usize, scale: T::Acc, shift: T::Acc, kernel: &mut [T::Acc], colsum: &mut [T::Acc]
    ) -> KernelSums<T::Acc> => build_kernel_body
}

impl<F: Float> KernelSums<F> {
    /// The sums of no rows (the neutral element of [`Self::then`]).
    fn empty() -> Self {
        KernelSums { total: F::ZERO, min_row: F::INFINITY, hi: F::NEG_INFINITY, lo: F::INFINITY }
    }

    /// The sums of two consecutive runs of rows (totals added in row-run order).
    fn then(self, next: Self) -> Self {
        KernelSums {
            total: self.total + next.total,
            min_row: self.min_row.min(next.min_row),
            hi: if next.hi > self.hi { next.hi } else { self.hi },
            lo: if next.lo < self.lo { next.lo } else { self.lo },
        }
    }
}

/// Writes G_ij = exp(x_ij·scale − shift) into `kernel` (row-major, rows of `k`), the column
/// sums Gᵀ1 into `colsum`, and returns ΣG, the smallest row sum and the range of the
/// arguments (so that validation and the exp need one read of `x`). Rows run in the fixed
/// chunks of [`column_sums_by_chunks`] (in parallel with the `parallel` feature); `work` holds
/// k values.
pub(crate) fn build_kernel<T: Real>(
    x: &[T],
    k: usize,
    scale: T::Acc,
    shift: T::Acc,
    kernel: &mut [T::Acc],
    colsum: &mut [T::Acc],
    work: &mut [T::Acc],
) -> KernelSums<T::Acc> {
    let mut sums = KernelSums::<T::Acc>::empty();
    let rows = x.len() / k.max(1);
    column_sums_by_chunks(
        rows,
        (kernel, k, 0),
        colsum,
        work,
        |first, n, out, w| build_kernel_rows::<T>(&x[first * k..(first + n) * k], k, scale, shift, out, w),
        |s| sums = sums.then(s),
    );
    sums
}

/// How a row's scaling follows from its row sum s_i = (G v)_i.
#[derive(Clone, Copy, Debug)]
pub(crate) enum RowRule<'a, T: Real> {
    /// u_i = a_i / s_i (balanced marginal a).
    Marginal(&'a [T]),
    /// u_i = c / s_i (uniform marginal c, SwAV's 1/B).
    Constant(T::Acc),
    /// u_i = (a_i / s_i)^φ (KL-relaxed marginal, Chizat et al. 2018).
    Power(&'a [T], T::Acc),
}

impl<'a, T: Real> RowRule<'a, T> {
    /// The rule of the rows from `first` on, indexed from 0.
    fn skip_rows(self, first: usize) -> Self {
        match self {
            RowRule::Marginal(a) => RowRule::Marginal(a.get(first..).unwrap_or(&[])),
            RowRule::Constant(c) => RowRule::Constant(c),
            RowRule::Power(a, phi) => RowRule::Power(a.get(first..).unwrap_or(&[]), phi),
        }
    }

    #[inline(always)]
    fn scaling(&self, i: usize, s: T::Acc) -> T::Acc {
        match *self {
            RowRule::Marginal(a) => a.get(i).map_or(<T::Acc as Float>::ZERO, |v| v.to_acc()) / s,
            RowRule::Constant(c) => c / s,
            RowRule::Power(a, phi) => (a.get(i).map_or(<T::Acc as Float>::ZERO, |v| v.to_acc()) / s).powf(phi),
        }
    }
}

/// Row i's sum with the current v, its new scaling, stored in `u` when given.
#[inline(always)]
fn finish_row<T: Real>(
    i: usize,
    row: &[T::Acc],
    v: &[T::Acc],
    rule: &RowRule<'_, T>,
    u: Option<&mut [T::Acc]>,
    ok: &mut bool,
) -> T::Acc {
    let s = lanes::dot(row, v);
    let ui = rule.scaling(i, s);
    *ok &= s > <T::Acc as Float>::ZERO && ui > <T::Acc as Float>::ZERO && ui.is_finite();
    if let Some(slot) = u.and_then(|u| u.get_mut(i)) {
        *slot = ui;
    }
    ui
}

#[inline(always)]
pub(crate) fn scaling_pass_body<T: Real>(
    kernel: &[T::Acc],
    k: usize,
    v: &[T::Acc],
    rule: RowRule<'_, T>,
    mut u: Option<&mut [T::Acc]>,
    colacc: &mut [T::Acc],
) -> bool {
    let mut ok = true;
    let mut blocks = kernel.chunks_exact(BLOCK * k);
    let mut i = 0;
    for block in blocks.by_ref() {
        let (r0, rest) = block.split_at(k);
        let (r1, rest) = rest.split_at(k);
        let (r2, r3) = rest.split_at(k);
        let u0 = finish_row(i, r0, v, &rule, u.as_deref_mut(), &mut ok);
        let u1 = finish_row(i + 1, r1, v, &rule, u.as_deref_mut(), &mut ok);
        let u2 = finish_row(i + 2, r2, v, &rule, u.as_deref_mut(), &mut ok);
        let u3 = finish_row(i + 3, r3, v, &rule, u.as_deref_mut(), &mut ok);
        for ((((c, &g0), &g1), &g2), &g3) in colacc.iter_mut().zip(r0).zip(r1).zip(r2).zip(r3) {
            *c += g0 * u0 + g1 * u1 + g2 * u2 + g3 * u3;
        }
        i += BLOCK;
    }
    for row in blocks.remainder().chunks_exact(k) {
        let ui = finish_row(i, row, v, &rule, u.as_deref_mut(), &mut ok);
        for (c, &gv) in colacc.iter_mut().zip(row) {
            *c += gv * ui;
        }
        i += 1;
    }
    ok
}

simd_dispatch! {
    /// [`scaling_pass`] on one run of rows (`rule` and `u` indexed from the run's first row):
    /// adds their column sums into `colacc`.
    fn scaling_rows<T: Real>(
        kernel: &[T::Acc], k: usize, v: &[T::Acc], rule: RowRule<'_, T>, u: Option<&mut [T::Acc]>,
        colacc: &mut [T::Acc]
    ) -> bool => scaling_pass_body
}

/// One fused row sweep: u_i = rule(i, (G v)_i) (stored in `u` if given) and `colacc` = Gᵀu
/// with the new u, over the fixed row chunks of [`column_sums_by_chunks`] (in parallel with
/// the `parallel` feature; `work` holds k values). Returns false if a row sum was 0 or a u_i
/// was 0 (an underflow: its potential ε ln u_i would be −∞) or not finite.
pub(crate) fn scaling_pass<T: Real>(
    kernel: &[T::Acc],
    k: usize,
    v: &[T::Acc],
    rule: RowRule<'_, T>,
    u: Option<&mut [T::Acc]>,
    colacc: &mut [T::Acc],
    work: &mut [T::Acc],
) -> bool {
    let rows = kernel.len() / k.max(1);
    let mut ok = true;
    let (u, width) = match u {
        Some(u) => (u, 1),
        None => (&mut [][..], 0),
    };
    column_sums_by_chunks(
        rows,
        (u, width, 0),
        colacc,
        work,
        |first, n, u, w| {
            let rows = &kernel[first * k..(first + n) * k];
            let u = if u.is_empty() { None } else { Some(u) };
            scaling_rows::<T>(rows, k, v, rule.skip_rows(first), u, w)
        },
        |r| ok &= r,
    );
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fused_pass_matches_two_mat_vecs() {
        let (n, k) = (7usize, 5usize);
        let x: [f64; 35] = core::array::from_fn(|i| ((i * 7 % 11) as f64) / 11.0);
        let mut kernel = [0.0; 35];
        let mut colsum = [0.0; 5];
        let mut work = [0.0; 5];
        let sums = build_kernel::<f64>(&x, k, -2.0, 0.0, &mut kernel, &mut colsum, &mut work);
        assert!((sums.total - kernel.iter().sum::<f64>()).abs() < 1e-12);
        for j in 0..k {
            let want: f64 = (0..n).map(|i| libm::exp(-2.0 * x[i * k + j])).sum();
            assert!((colsum[j] - want).abs() < 1e-12);
        }
        let a = [1.0 / 7.0; 7];
        let v = [0.5, 1.0, 1.5, 2.0, 2.5];
        let mut u = [0.0; 7];
        let mut acc = [0.0; 5];
        assert!(scaling_pass::<f64>(&kernel, k, &v, RowRule::Marginal(&a), Some(&mut u), &mut acc, &mut work));
        for i in 0..n {
            let s: f64 = (0..k).map(|j| kernel[i * k + j] * v[j]).sum();
            assert!((u[i] - a[i] / s).abs() < 1e-12);
        }
        for j in 0..k {
            let want: f64 = (0..n).map(|i| kernel[i * k + j] * u[i]).sum();
            assert!((acc[j] - want).abs() < 1e-12);
        }
        let zero_v = [0.0; 5];
        assert!(!scaling_pass::<f64>(&kernel, k, &zero_v, RowRule::Marginal(&a), None, &mut acc, &mut work));
    }
}
