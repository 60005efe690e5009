//! Explicit AVX versions of the f32 [`super::lanes`] reductions and of the f64 four-vector
//! dot product, bit-identical to the portable ones (the same lanes, the same folds, no fused
//! multiply-add); called through [`super::lanes::dot_f32`], [`super::lanes::sum_f32`] and
//! [`super::reduce::dot4_f64`] when AVX is detected.
//!
//! Inlined into the fused passes, LLVM's SLP vectoriser turned the 16-lane portable loop into
//! 2-wide pieces (one 8-byte load per two elements), which made the row sums of the scaling
//! and codes passes compute-bound; these keep them at one 32-byte load per eight elements.

use core::arch::x86_64::*;

/// Lanes 0–7 and 8–15 of the portable accumulator, folded the same way.
#[inline]
#[target_feature(enable = "avx")]
fn fold(lo: __m256, hi: __m256, tail: f32) -> f32 {
    let mut w = [0.0f32; 8];
    // SAFETY: `w` holds exactly 8 f32.
    unsafe { _mm256_storeu_ps(w.as_mut_ptr(), _mm256_add_ps(lo, hi)) };
    let mut half = 4;
    while half > 0 {
        for l in 0..half {
            w[l] += w[l + half];
        }
        half /= 2;
    }
    w[0] + tail
}

/// Σⱼ xⱼ yⱼ for slices of equal length.
#[target_feature(enable = "avx")]
pub(crate) fn dot_avx(x: &[f32], y: &[f32]) -> f32 {
    debug_assert_eq!(x.len(), y.len());
    let n = x.len().min(y.len()) / 16 * 16;
    let (mut lo, mut hi) = (_mm256_setzero_ps(), _mm256_setzero_ps());
    let mut j = 0;
    while j < n {
        // SAFETY: j + 16 ≤ n ≤ len of x and y.
        unsafe {
            let (xp, yp) = (x.as_ptr().add(j), y.as_ptr().add(j));
            lo = _mm256_add_ps(lo, _mm256_mul_ps(_mm256_loadu_ps(xp), _mm256_loadu_ps(yp)));
            hi = _mm256_add_ps(hi, _mm256_mul_ps(_mm256_loadu_ps(xp.add(8)), _mm256_loadu_ps(yp.add(8))));
        }
        j += 16;
    }
    let mut tail = 0.0f32;
    for (a, b) in x[n..].iter().zip(&y[n..]) {
        tail += a * b;
    }
    fold(lo, hi, tail)
}

/// Σⱼ xⱼ.
#[target_feature(enable = "avx")]
pub(crate) fn sum_avx(x: &[f32]) -> f32 {
    let n = x.len() / 16 * 16;
    let (mut lo, mut hi) = (_mm256_setzero_ps(), _mm256_setzero_ps());
    let mut j = 0;
    while j < n {
        // SAFETY: j + 16 ≤ n ≤ x.len().
        unsafe {
            let p = x.as_ptr().add(j);
            lo = _mm256_add_ps(lo, _mm256_loadu_ps(p));
            hi = _mm256_add_ps(hi, _mm256_loadu_ps(p.add(8)));
        }
        j += 16;
    }
    fold(lo, hi, x[n..].iter().fold(0.0, |s, &v| s + v))
}

/// Σⱼ aⱼ cₘⱼ for four vectors at least as long as `a`: one 4-lane accumulator per vector,
/// folded (s₀ + s₂) + (s₁ + s₃), then the tail, as `dot4_portable` sums.
#[inline]
#[target_feature(enable = "avx")]
pub(crate) fn dot4_avx_f64(a: &[f64], c: [&[f64]; 4]) -> [f64; 4] {
    debug_assert!(c.iter().all(|v| v.len() >= a.len()));
    let whole = a.len() / 4 * 4;
    let mut s = [_mm256_setzero_pd(); 4];
    let mut i = 0;
    while i < whole {
        // SAFETY: i + 4 ≤ whole ≤ a.len() ≤ the length of every c[m].
        unsafe {
            let x = _mm256_loadu_pd(a.as_ptr().add(i));
            for (sm, cm) in s.iter_mut().zip(&c) {
                *sm = _mm256_add_pd(*sm, _mm256_mul_pd(x, _mm256_loadu_pd(cm.as_ptr().add(i))));
            }
        }
        i += 4;
    }
    let mut out = [0.0f64; 4];
    for ((o, sm), cm) in out.iter_mut().zip(s).zip(&c) {
        // [s₀ + s₂, s₁ + s₃], then their sum.
        let pair = _mm_add_pd(_mm256_castpd256_pd128(sm), _mm256_extractf128_pd::<1>(sm));
        let mut t = _mm_cvtsd_f64(pair) + _mm_cvtsd_f64(_mm_unpackhi_pd(pair, pair));
        for (x, y) in a[whole..].iter().zip(&cm[whole..]) {
            t += *x * *y;
        }
        *o = t;
    }
    out
}
