//! Explicit AVX version of the f64 weighted row sums of [`super::row_sums`], bit-identical to
//! the portable one (each entry's chain runs over the rows in order with the same multiply and
//! add). The entries are independent chains, so they are taken as tiles held in registers
//! across the rows: four components × twelve features (three vectors, masked at the row's
//! end), and the counts nₖ four components to a vector.

use core::arch::x86_64::*;

/// Components of a tile.
const GROUP: usize = 4;
/// Vectors of four features in a tile.
const VECS: usize = 3;

/// The lane mask of the first `width` (≤ 4) of four lanes.
#[inline]
#[target_feature(enable = "avx")]
fn lanes(width: usize) -> __m256i {
    let on = |l: usize| if l < width { -1i64 } else { 0 };
    _mm256_setr_epi64x(on(0), on(1), on(2), on(3))
}

/// nₖ += Σᵢ rᵢₖ and sₖⱼ += Σᵢ rᵢₖ xᵢⱼ for the rows `x` (n × d) and weights `resp` (n × k).
///
/// SAFETY: the caller checked d, k > 0, `x.len()` = n·d, `resp.len()` = n·k, `nk.len()` ≥ k
/// and `sums.len()` ≥ k·d.
#[target_feature(enable = "avx")]
pub(crate) unsafe fn weighted_sums_avx_f64(
    x: &[f64],
    resp: &[f64],
    d: usize,
    k: usize,
    nk: &mut [f64],
    sums: &mut [f64],
) {
    let n = x.len() / d;
    for c0 in (0..k).step_by(GROUP) {
        let mask = lanes(k - c0);
        // SAFETY: the masked lanes c0 + l < k stay inside `nk` and each row of `resp`.
        unsafe {
            let mut acc = _mm256_maskload_pd(nk.as_ptr().add(c0), mask);
            for i in 0..n {
                acc = _mm256_add_pd(acc, _mm256_maskload_pd(resp.as_ptr().add(i * k + c0), mask));
            }
            _mm256_maskstore_pd(nk.as_mut_ptr().add(c0), mask, acc);
        }
    }
    for j0 in (0..d).step_by(4 * VECS) {
        let masks: [__m256i; VECS] = core::array::from_fn(|v| lanes(d.saturating_sub(j0 + 4 * v)));
        let mut c0 = 0;
        while c0 + GROUP <= k {
            // SAFETY: as this function's (components c0..c0 + GROUP < k, features masked to d).
            unsafe { tile::<GROUP>(x, resp, d, k, n, c0, j0, &masks, sums) };
            c0 += GROUP;
        }
        while c0 < k {
            // SAFETY: as above, one component.
            unsafe { tile::<1>(x, resp, d, k, n, c0, j0, &masks, sums) };
            c0 += 1;
        }
    }
}

/// The sums of components `c0..c0 + G` over features `j0..j0 + 12` (lanes past d masked off).
///
/// SAFETY: c0 + G ≤ k, j0 < d and the shapes of [`weighted_sums_avx_f64`].
#[inline]
#[target_feature(enable = "avx")]
#[allow(clippy::too_many_arguments)]
unsafe fn tile<const G: usize>(
    x: &[f64],
    resp: &[f64],
    d: usize,
    k: usize,
    n: usize,
    c0: usize,
    j0: usize,
    masks: &[__m256i; VECS],
    sums: &mut [f64],
) {
    // Masked-off lanes are never read or written; their addresses are formed with wrapping
    // arithmetic, so no pointer leaves its allocation.
    let at = |p: *const f64, o: usize| p.wrapping_add(o);
    let mut acc = [[_mm256_setzero_pd(); VECS]; G];
    for (g, a) in acc.iter_mut().enumerate() {
        for (v, (s, &m)) in a.iter_mut().zip(masks).enumerate() {
            // SAFETY: the unmasked lanes are entries (c0 + g, j < d) of `sums`.
            *s = unsafe { _mm256_maskload_pd(at(sums.as_ptr(), (c0 + g) * d + j0 + 4 * v), m) };
        }
    }
    for i in 0..n {
        let row = at(x.as_ptr(), i * d + j0);
        // SAFETY: the unmasked lanes are features j < d of row i < n.
        let xv: [__m256d; VECS] = core::array::from_fn(|v| unsafe { _mm256_maskload_pd(at(row, 4 * v), masks[v]) });
        for (g, a) in acc.iter_mut().enumerate() {
            // SAFETY: i < n and c0 + g < k.
            let w = _mm256_set1_pd(unsafe { *resp.get_unchecked(i * k + c0 + g) });
            for (s, &xj) in a.iter_mut().zip(&xv) {
                *s = _mm256_add_pd(*s, _mm256_mul_pd(w, xj));
            }
        }
    }
    for (g, a) in acc.iter().enumerate() {
        for (v, (&s, &m)) in a.iter().zip(masks).enumerate() {
            // SAFETY: the unmasked lanes are entries (c0 + g, j < d) of `sums`.
            unsafe { _mm256_maskstore_pd(sums.as_mut_ptr().wrapping_add((c0 + g) * d + j0 + 4 * v), m, s) };
        }
    }
}
