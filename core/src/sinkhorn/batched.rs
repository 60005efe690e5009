//! Many small balanced problems in one call, with a fixed iteration count (no convergence
//! test, so no per-problem branching; OTT reports ≈ 50× from fixing the count when batched,
//! ott #593).
//!
//! Layout (contiguous, row-major): `x` is `batch × n × k`; `a` is either `n` (shared by all
//! problems) or `batch × n`; `b` is `k` or `batch × k`; `f` is `batch × n`, `g` is `batch × k`.
//! Each problem runs the scaling form of [`super::sinkhorn_scaling`] (max-shifted kernel, b-side
//! first, fused passes) for exactly `params.iterations` iterations; its kernel stays in cache.

use super::check::{eps_fits, equal_mass, marginal};
use super::fused::{RowRule, build_kernel_body, scaling_pass_body};
use super::info::BatchedInfo;
use super::params::BatchedParams;
use super::scaling::{column_error, positive_scaling, to_potentials};
use crate::error::{Error, Result};
use crate::scalar::{Float, Real};
use crate::simd::simd_dispatch;
use crate::validate::{finite, len, scratch as scratch_len};

/// Scratch (in `T::Acc` elements) of [`sinkhorn_batched`] for problems of `n × k`: one kernel
/// and one column-sum vector, reused across the batch.
pub fn sinkhorn_batched_scratch(n: usize, k: usize) -> usize {
    n.saturating_mul(k).saturating_add(k)
}

/// Solves `batch` independent `n × k` problems (see the module documentation).
///
/// Errors (before anything is written): empty dimensions, shapes, non-finite `x`, non-positive
/// or mass-mismatched marginals (per problem), bad parameters, scratch too small.
/// [`Error::NumericalBreakdown`] (a kernel row or column underflowed; use a larger ε or
/// [`super::sinkhorn_log`]) stops the batch at that problem: problems before it are written.
#[allow(clippy::too_many_arguments)]
pub fn sinkhorn_batched<T: Real>(
    x: &[T],
    batch: usize,
    n: usize,
    k: usize,
    a: &[T],
    b: &[T],
    params: &BatchedParams,
    f: &mut [T::Acc],
    g: &mut [T::Acc],
    scratch: &mut [T::Acc],
) -> Result<BatchedInfo> {
    if batch == 0 || n == 0 || k == 0 {
        return Err(Error::Empty { what: "x" });
    }
    params.validate()?;
    eps_fits::<T::Acc>(params.eps)?;
    let per = n.checked_mul(k).ok_or(Error::ShapeMismatch { what: "x", expected: usize::MAX, found: x.len() })?;
    len(x, per.saturating_mul(batch), "x")?;
    let a_stride = marginal_stride(a, batch, n, "a")?;
    let b_stride = marginal_stride(b, batch, k, "b")?;
    len(f, batch * n, "f")?;
    len(g, batch * k, "g")?;
    scratch_len(scratch, sinkhorn_batched_scratch(n, k))?;
    finite(x, "x")?;
    for p in 0..batch {
        let ta = marginal(&a[p * a_stride..p * a_stride + n], n, "a")?;
        let tb = marginal(&b[p * b_stride..p * b_stride + k], k, "b")?;
        equal_mass::<T>(ta, tb)?;
        if a_stride == 0 && b_stride == 0 {
            break;
        }
    }
    let dims = Dims { n, k, a_stride, b_stride };
    solve_all::<T>(x, a, b, params, dims, f, g, scratch)
}

/// `n` (shared) → stride 0, `batch·n` → stride n.
fn marginal_stride<T>(w: &[T], batch: usize, n: usize, what: &'static str) -> Result<usize> {
    if w.len() == n {
        Ok(0)
    } else if w.len() == batch.saturating_mul(n) {
        Ok(n)
    } else {
        Err(Error::ShapeMismatch { what, expected: batch.saturating_mul(n), found: w.len() })
    }
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Dims {
    n: usize,
    k: usize,
    a_stride: usize,
    b_stride: usize,
}

#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn solve_all_body<T: Real>(
    x: &[T],
    a: &[T],
    b: &[T],
    params: &BatchedParams,
    dims: Dims,
    f: &mut [T::Acc],
    g: &mut [T::Acc],
    scratch: &mut [T::Acc],
) -> Result<BatchedInfo> {
    let Dims { n, k, a_stride, b_stride } = dims;
    let one = <T::Acc as Float>::ONE;
    let eps = <T::Acc as Float>::from_f64(params.eps);
    let sign = <T::Acc as Float>::from_f64(params.kind.sign());
    let scale = sign / eps;
    let (kernel, rest) = scratch.split_at_mut(n * k);
    let colacc = &mut rest[..k];
    let mut worst = 0.0f64;
    let problems = x.chunks_exact(n * k).zip(f.chunks_exact_mut(n)).zip(g.chunks_exact_mut(k)).enumerate();
    for (p, ((xp, u), v)) in problems {
        let ap = &a[p * a_stride..p * a_stride + n];
        let bp = &b[p * b_stride..p * b_stride + k];
        let mut hi = <T::Acc as Float>::NEG_INFINITY;
        for xv in xp {
            let gv = sign * xv.to_acc();
            hi = if gv > hi { gv } else { hi };
        }
        colacc.fill(<T::Acc as Float>::ZERO);
        build_kernel_body::<T>(xp, k, scale, hi / eps, kernel, colacc);
        u.fill(one);
        let mut ok = true;
        for _ in 0..params.iterations {
            for ((vj, &cj), bj) in v.iter_mut().zip(colacc.iter()).zip(bp) {
                *vj = bj.to_acc() / cj;
                ok &= positive_scaling(cj, *vj);
            }
            colacc.fill(<T::Acc as Float>::ZERO);
            ok &= scaling_pass_body::<T>(kernel, k, v, RowRule::Marginal(ap), Some(&mut *u), colacc);
        }
        if !ok {
            return Err(Error::NumericalBreakdown { what: "sinkhorn_batched", iteration: params.iterations });
        }
        worst = worst.max(column_error::<T>(v, colacc, bp));
        to_potentials(u, v, eps, hi);
    }
    Ok(BatchedInfo { iterations: params.iterations, max_marginal_err: worst, problems: x.len() / (n * k) })
}

simd_dispatch! {
    /// Every problem of the batch, in one dispatched loop (the small passes inline into it).
    #[allow(clippy::too_many_arguments)]
    fn solve_all<T: Real>(
        x: &[T], a: &[T], b: &[T], params: &BatchedParams, dims: Dims, f: &mut [T::Acc], g: &mut [T::Acc],
        scratch: &mut [T::Acc]
    ) -> Result<BatchedInfo> => solve_all_body
}
