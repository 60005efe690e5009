//! Explicit AVX version of the f64 quadratic forms of [`super::triangular`], bit-identical to
//! the portable one (the same multiply and add per lane, yⱼ over i in order, q over j in
//! order): 16 rows in four vectors, two columns of U at a time — eight independent
//! accumulator chains, each tᵢ loaded once for both columns.

use super::triangular::ROWS;
use core::arch::x86_64::*;

/// Vectors of 4 rows in a call.
const VECS: usize = ROWS / 4;

/// q for the rows whose feature i is `t[i * stride..][..ROWS]`, U row-major `d × d`.
///
/// SAFETY: the caller checked `d > 0`, `t.len()` ≥ (d − 1)·stride + ROWS and `u.len()` ≥ d·d.
#[target_feature(enable = "avx")]
pub(crate) unsafe fn tri_quad_avx_f64(t: &[f64], stride: usize, u: &[f64], d: usize, q: &mut [f64; ROWS]) {
    let mut acc_q = [_mm256_setzero_pd(); VECS];
    let mut j = 0;
    while j < d {
        let pair = j + 1 < d;
        let mut y0 = [_mm256_setzero_pd(); VECS];
        let mut y1 = [_mm256_setzero_pd(); VECS];
        for i in 0..=j {
            // SAFETY: i ≤ j < d, so i·d + j + 1 < d·d when `pair`, and i·stride + ROWS ≤ len of t.
            unsafe {
                let u0 = _mm256_set1_pd(*u.get_unchecked(i * d + j));
                let u1 = _mm256_set1_pd(if pair { *u.get_unchecked(i * d + j + 1) } else { 0.0 });
                let tp = t.as_ptr().add(i * stride);
                for (l, (a, b)) in y0.iter_mut().zip(y1.iter_mut()).enumerate() {
                    let v = _mm256_loadu_pd(tp.add(4 * l));
                    *a = _mm256_add_pd(*a, _mm256_mul_pd(v, u0));
                    *b = _mm256_add_pd(*b, _mm256_mul_pd(v, u1));
                }
            }
        }
        for (a, &y) in acc_q.iter_mut().zip(&y0) {
            *a = _mm256_add_pd(*a, _mm256_mul_pd(y, y));
        }
        if pair {
            // SAFETY: j + 1 < d: the diagonal entry and feature j + 1 are in bounds.
            unsafe {
                let u1 = _mm256_set1_pd(*u.get_unchecked((j + 1) * d + j + 1));
                let tp = t.as_ptr().add((j + 1) * stride);
                for (l, (a, b)) in acc_q.iter_mut().zip(y1.iter_mut()).enumerate() {
                    *b = _mm256_add_pd(*b, _mm256_mul_pd(_mm256_loadu_pd(tp.add(4 * l)), u1));
                    *a = _mm256_add_pd(*a, _mm256_mul_pd(*b, *b));
                }
            }
        }
        j += 2;
    }
    for (l, a) in acc_q.iter().enumerate() {
        // SAFETY: q holds ROWS = 4·VECS values.
        unsafe { _mm256_storeu_pd(q.as_mut_ptr().add(4 * l), *a) };
    }
}
