//! Explicit AVX versions of the f32 [`super::lanes`] reductions and of the f64 block scatter
//! (tiles of four-lane dot products), bit-identical to the portable ones (the same lanes, the same
//! folds, no fused multiply-add); called through [`super::lanes::dot_f32`],
//! [`super::lanes::sum_f32`] and [`super::reduce::scatter_upper_f64`] when AVX is detected.
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

/// The dot products of `R` rows `w` with four columns `c` (each at least as long as the rows):
/// per pair one 4-lane accumulator, folded (s₀ + s₂) + (s₁ + s₃), then the tail, as
/// `dot4_portable` sums each; the 4·R chains are independent, so the adds overlap.
#[inline]
#[target_feature(enable = "avx")]
fn dot_tile_avx_f64<const R: usize>(w: [&[f64]; R], c: [&[f64]; 4]) -> [[f64; 4]; R] {
    let n = w[0].len();
    debug_assert!(w.iter().all(|v| v.len() == n) && c.iter().all(|v| v.len() >= n));
    let whole = n / 4 * 4;
    let mut s = [[_mm256_setzero_pd(); 4]; R];
    let mut i = 0;
    while i < whole {
        // SAFETY: i + 4 ≤ whole ≤ the length of every row and column.
        unsafe {
            let cv = [
                _mm256_loadu_pd(c[0].as_ptr().add(i)),
                _mm256_loadu_pd(c[1].as_ptr().add(i)),
                _mm256_loadu_pd(c[2].as_ptr().add(i)),
                _mm256_loadu_pd(c[3].as_ptr().add(i)),
            ];
            for (sr, wr) in s.iter_mut().zip(&w) {
                let x = _mm256_loadu_pd(wr.as_ptr().add(i));
                for (sm, &cm) in sr.iter_mut().zip(&cv) {
                    *sm = _mm256_add_pd(*sm, _mm256_mul_pd(x, cm));
                }
            }
        }
        i += 4;
    }
    let mut out = [[0.0f64; 4]; R];
    for ((or, sr), wr) in out.iter_mut().zip(&s).zip(&w) {
        for ((o, &sm), cm) in or.iter_mut().zip(sr).zip(&c) {
            // [s₀ + s₂, s₁ + s₃], then their sum.
            let pair = _mm_add_pd(_mm256_castpd256_pd128(sm), _mm256_extractf128_pd::<1>(sm));
            let mut t = _mm_cvtsd_f64(pair) + _mm_cvtsd_f64(_mm_unpackhi_pd(pair, pair));
            for (x, y) in wr[whole..].iter().zip(&cm[whole..]) {
                t += *x * *y;
            }
            *o = t;
        }
    }
    out
}

/// The upper triangle of a block's scatter, as `scatter_upper_portable` sums it (every entry
/// the same 4-lane dot product), two rows of the triangle at a time against four columns
/// ([`dot_tile_avx_f64`]: eight independent accumulator chains instead of four). The second
/// row's group starts one column left of its triangle; that entry is computed and dropped.
///
/// SAFETY: the caller checked `w.len()`, `c.len()` ≥ d·b and `s.len()` ≥ d·d.
#[target_feature(enable = "avx")]
pub(crate) unsafe fn scatter_upper_avx_f64(w: &[f64], c: &[f64], b: usize, d: usize, s: &mut [f64]) {
    fn run(v: &[f64], j: usize, b: usize) -> &[f64] {
        &v[j * b..(j + 1) * b]
    }
    let mut a = 0;
    while a < d {
        let pair = a + 1 < d;
        for first in (a..d).step_by(4) {
            let cols = [0, 1, 2, 3].map(|o| run(c, (first + o).min(d - 1), b));
            let width = (d - first).min(4);
            if pair {
                let [top, next] = dot_tile_avx_f64::<2>([run(w, a, b), run(w, a + 1, b)], cols);
                for o in 0..width {
                    s[a * d + first + o] += top[o];
                    if first + o > a {
                        s[(a + 1) * d + first + o] += next[o];
                    }
                }
            } else {
                let [top] = dot_tile_avx_f64::<1>([run(w, a, b)], cols);
                for o in 0..width {
                    s[a * d + first + o] += top[o];
                }
            }
        }
        a += 2;
    }
}
