//! SwAV codes (Caron et al. 2020, "Unsupervised learning of visual features by contrasting
//! cluster assignments", `main_swav.py` `distributed_sinkhorn`) and SIGMA's hard targets
//! (Salehi et al. 2024, "SIGMA: Sinkhorn-guided masked video modeling").
//!
//! Scores S (B × K, samples × prototypes, similarities) with P = exp(S/ε)ᵀ, exactly SwAV's order:
//!
//! ```text
//! P ← P / ΣP                                          (global sum, all-reduced)
//! repeat T times:
//!     P_j· ← P_j· / (K Σ_i P_ji)    prototypes first  (K-vector of sums all-reduced)
//!     P_·i ← P_·i / (B Σ_j P_ji)    samples last      (local)
//! codes = (B P)ᵀ                                       (each row sums to 1)
//! ```
//!
//! Kept as scalings (Q = diag(u) G diag(v) with G = exp(S/ε − shift)), each iteration is one
//! fused pass over the stored kernel ([`super::fused`]); the exp pass also yields the first
//! column sums, and the last pass writes the codes directly: codes_ij = G_ij v_j / (G v)_i.
//! This is B·POT `sinkhorn(1/B, 1/K, −S, ε, numItermax = T, stopThr = 0)`.
//!
//! **Sharding.** Every process holds its own sample rows; `reduce` all-reduces the K-vector of
//! prototype sums each iteration, together with the global total and sample count at the
//! start (one buffer of K + 2), and the shift (mean of the shard maxima) when `max_shift`.
//! With [`crate::Local`] (one process) these are identities.
//!
//! A prototype whose kernel column underflowed entirely receives no mass (its scaling is set
//! to 0 instead of dividing by 0); a sample whose kernel row underflowed entirely makes the call
//! fail with [`Error::NumericalBreakdown`] (iteration 0) before `codes` is written, and so does
//! a prototype scaling that overflows, a sample scaling that overflows (a row sum of the
//! scaled kernel near 0) or a column sum that overflows (iteration t). Codes are only written
//! by the last pass, after its row and column sums are known to be finite, so on any error
//! `codes`/`labels` are untouched.

use super::check::{eps_fits, unshifted_kernel_fits};
use super::fused::{KernelSums, RowRule, build_kernel, scaling_pass};
use super::info::SwavInfo;
use super::params::SwavParams;
use crate::error::{Error, Result};
use crate::lanes;
use crate::matrix::MatRef;
use crate::ops::argmax;
use crate::parallel::column_sums_by_chunks;
use crate::reduce::AllReduce;
use crate::scalar::{Float, Real};
use crate::simd::simd_dispatch;
use crate::validate::{finite, finite_output, len, scratch as scratch_len};

/// Scratch (in `T::Acc` elements) of [`swav_codes`] and [`swav_assign`] for a shard of `b`
/// samples and `k` prototypes: the kernel (b·k), the column sums with the totals (k + 3), v (k)
/// and the row chunks' column partials (k).
pub fn swav_scratch(b: usize, k: usize) -> usize {
    b.saturating_mul(k).saturating_add(k.saturating_mul(3)).saturating_add(3)
}

/// Whether the unshifted kernel exp(x/ε) equals exp(x/ε − shift)·e^shift up to rounding: no
/// entry of either overflows or underflows (with a wide margin, and room for the total of
/// `entries` terms). Then the shift, a global factor that cancels in the first normalisation,
/// can be skipped and the scores are read once (`a_hi`, `a_lo` = max, min of x/ε).
fn shift_is_free<F: Float>(a_hi: F, a_lo: F, shift: F, entries: usize) -> bool {
    let half = F::from_f64(0.5);
    let floor = F::LN_MIN_POSITIVE * half;
    let room = (F::MAX.ln() - F::from_usize(entries).ln()) * half;
    a_hi < room && a_hi - shift < room && a_lo > floor && a_lo - shift > floor
}

/// SwAV soft codes for this shard's `scores` (b × K), written to `codes`
/// (b × K, or m × K for the last m rows with `keep_last = Some(m)`); rows sum to 1.
///
/// Errors (before anything is written): bad parameters, shapes, scratch too small, non-finite
/// scores, `exp(S/ε)` overflowing without `max_shift`, a sample row whose kernel underflowed;
/// [`Error::Reduce`] from the hook.
pub fn swav_codes<T: Real, R: AllReduce<T::Acc>>(
    scores: MatRef<'_, T>,
    params: &SwavParams,
    codes: &mut [T],
    scratch: &mut [T::Acc],
    reduce: &mut R,
) -> Result<SwavInfo> {
    let (b, k) = (scores.rows(), scores.cols());
    params.validate(b)?;
    eps_fits::<T::Acc>(params.eps)?;
    let m = params.keep_last.unwrap_or(b);
    len(codes, m * k, "codes")?;
    let mut run = Run::<T>::prepare(scores, params, scratch, reduce)?;
    let last = params.iterations;
    for t in 1..last {
        run.prototype_step(t)?;
        run.sample_step(reduce, t)?;
    }
    run.prototype_step(last)?;
    let skip = b - m;
    run.codes_will_be_finite(skip, last)?;
    codes_pass::<T>(run.kernel, k, run.v, skip, Some(codes), run.colacc, run.work);
    reduce.all_reduce_sum(run.colacc)?;
    for c in run.colacc.iter_mut() {
        *c *= run.inv_b;
    }
    let prototype_err = run.prototype_error();
    Ok(SwavInfo { iterations: last, prototype_err, samples: run.samples })
}

/// SIGMA's hard targets: `labels_i = argmax_j G_ij v_j` (the kernel row times the prototype
/// scalings after T SwAV iterations, i.e. the row of the plan up to the sample scaling, which
/// does not change a row's argmax, so the plan is never materialised); ties go to the lowest
/// index. The same products as [`swav_codes`], so each label is a largest code of its row
/// (the equivalent `argmax_j (S_ij + ε ln v_j)` loses the ε ln v_j differences below the
/// rounding of S_ij when ε is small; fuzz finding). `keep_last` selects the rows as in
/// [`swav_codes`]. `SwavInfo::prototype_err` is the prototype error of the plan after
/// iteration T − 1 (of the normalised kernel when T = 1).
pub fn swav_assign<T: Real, R: AllReduce<T::Acc>>(
    scores: MatRef<'_, T>,
    params: &SwavParams,
    labels: &mut [usize],
    scratch: &mut [T::Acc],
    reduce: &mut R,
) -> Result<SwavInfo> {
    let (b, k) = (scores.rows(), scores.cols());
    params.validate(b)?;
    eps_fits::<T::Acc>(params.eps)?;
    let m = params.keep_last.unwrap_or(b);
    len(labels, m, "labels")?;
    let mut run = Run::<T>::prepare(scores, params, scratch, reduce)?;
    let mut prototype_err = run.prototype_error();
    for t in 1..params.iterations {
        run.prototype_step(t)?;
        run.sample_step(reduce, t)?;
        prototype_err = run.prototype_error();
    }
    run.prototype_step(params.iterations)?;
    let skip = b - m;
    // The same final check as `swav_codes`, so that both entries fail on the same input.
    run.codes_will_be_finite(skip, params.iterations)?;
    for (row, label) in run.kernel.chunks_exact(k).skip(skip).zip(labels.iter_mut()) {
        for ((e, &gv), &vj) in run.colacc.iter_mut().zip(row).zip(run.v.iter()) {
            *e = gv * vj;
        }
        *label = argmax(&run.colacc[..k]).unwrap_or(0);
    }
    Ok(SwavInfo { iterations: params.iterations, prototype_err, samples: run.samples })
}

/// The state shared by the two entries: kernel, column sums Gᵀu and prototype scalings v.
struct Run<'s, T: Real> {
    kernel: &'s [T::Acc],
    colacc: &'s mut [T::Acc],
    v: &'s mut [T::Acc],
    /// The row chunks' column partials (k).
    work: &'s mut [T::Acc],
    k: usize,
    samples: usize,
    inv_b: T::Acc,
    inv_k: T::Acc,
    /// This shard's kernel sums (ΣG and the smallest row sum), for [`Self::codes_will_be_finite`].
    sums: KernelSums<T::Acc>,
}

impl<'s, T: Real> Run<'s, T> {
    /// Validates, builds the kernel, all-reduces the totals; colacc = Gᵀu with u = 1/ΣG, v = 1.
    fn prepare<R: AllReduce<T::Acc>>(
        scores: MatRef<'_, T>,
        params: &SwavParams,
        scratch: &'s mut [T::Acc],
        reduce: &mut R,
    ) -> Result<Self> {
        let (b, k) = (scores.rows(), scores.cols());
        scratch_len(scratch, swav_scratch(b, k))?;
        let zero = <T::Acc as Float>::ZERO;
        let one = <T::Acc as Float>::ONE;
        let eps = <T::Acc as Float>::from_f64(params.eps);
        let x = scores.as_slice();
        let (kernel, rest) = scratch.split_at_mut(b * k);
        let (colacc, rest) = rest.split_at_mut(k + 3);
        let (v, rest) = rest.split_at_mut(k);
        let work = &mut rest[..k];
        // One read of the scores: exp without the shift, validating and ranging on the way
        // (hi, lo: the range of S/ε). A NaN score makes the total NaN, ±∞ shows in the range.
        let mut sums = build_kernel::<T>(x, k, one / eps, zero, kernel, &mut colacc[..k], work);
        if !(sums.total.is_finite() && sums.hi.is_finite() && sums.lo.is_finite()) {
            finite(x, "scores")?;
        }
        let (hi, lo) = (sums.hi, sums.lo);
        let (shift, redo) = if params.max_shift {
            let mut buf = [hi, one];
            reduce.all_reduce_sum(&mut buf)?;
            let shift = buf[0] / buf[1];
            (shift, !shift_is_free(hi, lo, shift, b.saturating_mul(k)))
        } else {
            unshifted_kernel_fits(hi, eps, b.saturating_mul(k))?;
            (zero, false)
        };
        let breakdown = Error::NumericalBreakdown { what: "swav exp(scores/eps)", iteration: 0 };
        let usable = |s: &KernelSums<T::Acc>| s.total.is_finite() && s.min_row > zero;
        if !redo && !usable(&sums) {
            return Err(breakdown);
        }
        colacc[k] = sums.total;
        colacc[k + 1] = <T::Acc as Float>::from_usize(b);
        // Whether some shard needs the shifted kernel: all shards must use the same shift.
        colacc[k + 2] = if redo { one } else { zero };
        reduce.all_reduce_sum(colacc)?;
        if colacc[k + 2] > zero {
            sums = build_kernel::<T>(x, k, one / eps, shift, kernel, &mut colacc[..k], work);
            if !usable(&sums) {
                return Err(breakdown);
            }
            colacc[k] = sums.total;
            colacc[k + 1] = <T::Acc as Float>::from_usize(b);
            reduce.all_reduce_sum(&mut colacc[..k + 2])?;
        }
        let local = sums;
        let (total, samples) = (colacc[k], colacc[k + 1]);
        for c in colacc[..k].iter_mut() {
            *c /= total;
        }
        v.fill(one);
        let kernel: &'s [T::Acc] = kernel;
        let samples_usize = samples.to_f64() as usize;
        Ok(Self {
            kernel,
            colacc: &mut colacc[..k],
            v,
            work,
            k,
            samples: samples_usize,
            inv_b: one / samples,
            inv_k: one / <T::Acc as Float>::from_usize(k),
            sums: local,
        })
    }

    /// Σ_j |v_j (Gᵀu)_j − 1/K|: the prototype marginal error of the current plan.
    fn prototype_error(&self) -> f64 {
        let mut s = <T::Acc as Float>::ZERO;
        for (&vj, &cj) in self.v.iter().zip(self.colacc.iter()) {
            s += (vj * cj - self.inv_k).abs();
        }
        s.to_f64()
    }

    /// v_j ← 1/(K (Gᵀu)_j), or 0 for a prototype with no mass; fails (instead of producing
    /// NaN codes later) if a scaling overflows.
    fn prototype_step(&mut self, iteration: usize) -> Result<()> {
        let zero = <T::Acc as Float>::ZERO;
        let mut ok = true;
        for (vj, &cj) in self.v.iter_mut().zip(self.colacc.iter()) {
            *vj = if cj > zero { self.inv_k / cj } else { zero };
            ok &= vj.is_finite();
        }
        if ok { Ok(()) } else { Err(Error::NumericalBreakdown { what: "swav prototype scaling", iteration }) }
    }

    /// u_i ← 1/(B (G v)_i) fused with colacc ← Gᵀu, then all-reduced. Fails if a row sum
    /// (G v)_i is 0 or so small that u_i overflows (a row whose kernel is subnormal; fuzz
    /// finding: NaN codes and prototype error), or if a column sum overflows; a failing shard
    /// poisons the reduced sums, so every shard fails together.
    fn sample_step<R: AllReduce<T::Acc>>(&mut self, reduce: &mut R, iteration: usize) -> Result<()> {
        let ok =
            scaling_pass::<T>(self.kernel, self.k, self.v, RowRule::Constant(self.inv_b), None, self.colacc, self.work);
        if !ok {
            self.colacc[0] = <T::Acc as Float>::INFINITY;
        }
        reduce.all_reduce_sum(self.colacc)?;
        finite_output(self.colacc, "swav sample scaling", iteration)
    }

    /// Before the codes are written: every row sum s_i = (G v)_i of the last pass is positive
    /// and finite with a finite 1/s_i, and the column sums Σ_i G_ij/s_i are finite, so the codes
    /// G_ij v_j/s_i ∈ [0, 1] and the prototype error are finite. Usually certified by bounds
    /// (min_i Σ_j G_ij · min v ≤ s_i ≤ ΣG · max v, and Σ_i G_ij/s_i ≤ ΣG / min s); otherwise one
    /// dry pass checks it exactly. Fails with [`Error::NumericalBreakdown`] (codes untouched).
    fn codes_will_be_finite(&mut self, skip: usize, iteration: usize) -> Result<()> {
        let two = <T::Acc as Float>::from_f64(2.0);
        let (lo, hi) = self
            .v
            .iter()
            .fold((<T::Acc as Float>::INFINITY, <T::Acc as Float>::ZERO), |(l, h), &v| (l.min(v), h.max(v)));
        let floor = self.sums.min_row * lo;
        let certain = floor >= <T::Acc as Float>::MIN_POSITIVE
            && (two * self.sums.total / floor).is_finite()
            && (two * hi * self.sums.total).is_finite();
        if certain || codes_pass::<T>(self.kernel, self.k, self.v, skip, None, self.colacc, self.work) {
            Ok(())
        } else {
            Err(Error::NumericalBreakdown { what: "swav sample scaling", iteration })
        }
    }
}

#[inline(always)]
fn codes_rows_body<T: Real>(
    kernel: &[T::Acc],
    k: usize,
    v: &[T::Acc],
    skip: usize,
    codes: Option<&mut [T]>,
    colacc: &mut [T::Acc],
) -> bool {
    let one = <T::Acc as Float>::ONE;
    let mut ok = true;
    let mut out = codes.map(|c| c.chunks_exact_mut(k));
    for (i, row) in kernel.chunks_exact(k).enumerate() {
        let s = lanes::dot(row, v);
        let inv = one / s;
        ok &= s > <T::Acc as Float>::ZERO && s.is_finite() && inv.is_finite();
        if i >= skip
            && let Some(dst) = out.as_mut().and_then(|o| o.next())
        {
            T::store_scaled_row(dst, row, v, inv);
        }
        // B·Gᵀu with u_i = 1/(B s_i): the caller divides by B after the all-reduce.
        for (c, &gv) in colacc.iter_mut().zip(row) {
            *c += gv * inv;
        }
    }
    ok
}

simd_dispatch! {
    /// [`codes_pass`] on one run of rows (`codes`, when given, holds the codes of its rows from
    /// `skip` on): adds their column sums into `colacc`.
    fn codes_rows<T: Real>(
        kernel: &[T::Acc], k: usize, v: &[T::Acc], skip: usize, codes: Option<&mut [T]>, colacc: &mut [T::Acc]
    ) -> bool => codes_rows_body
}

/// Last sample step: codes_ij = G_ij v_j / (G v)_i for rows i ≥ skip (when `codes` is given,
/// with streaming stores for f32; `None` is a dry run), and colacc = B·Gᵀu, over the fixed row
/// chunks of [`column_sums_by_chunks`] (in parallel with the `parallel` feature; `work` holds k
/// values). Returns whether every row sum was positive and finite with a finite
/// inverse and every column sum finite.
fn codes_pass<T: Real>(
    kernel: &[T::Acc],
    k: usize,
    v: &[T::Acc],
    skip: usize,
    codes: Option<&mut [T]>,
    colacc: &mut [T::Acc],
    work: &mut [T::Acc],
) -> bool {
    let rows = kernel.len() / k.max(1);
    let mut ok = true;
    let (codes, width) = match codes {
        Some(c) => (c, k),
        None => (&mut [][..], 0),
    };
    column_sums_by_chunks(
        rows,
        (codes, width, skip),
        colacc,
        work,
        |first, n, out, w| {
            let rows_k = &kernel[first * k..(first + n) * k];
            let out = if width == 0 { None } else { Some(out) };
            codes_rows::<T>(rows_k, k, v, skip.saturating_sub(first).min(n), out, w)
        },
        |r| ok &= r,
    );
    ok && colacc.iter().all(|c| c.is_finite())
}
