//! Explicit x86-64 SIMD versions of the f32 [`Float::exp_fast_in_place`](crate::Float::exp_fast_in_place)
//! exponential over a slice, selected at run time (feature `std`, [`super::features`]): AVX-512F (16 lanes, 2ⁿ by `vscalefps`) or
//! AVX2 + FMA (8 lanes). The exp pass of SwAV evaluates one exp per score (12 M for a
//! 4096 × 3000 batch); the auto-vectorised scalar code spends about twice the instructions
//! (no FMA, constants reloaded for lack of registers).
//!
//! Same method and coefficients as the scalar version (Cody–Waite reduction, Cephes `expf`
//! polynomial), evaluated with fused multiply-adds, so a result can differ from
//! [`Float::exp_fast`](crate::Float::exp_fast) in the last bit; the accuracy bound
//! (relative error ≤ 5e-7 against libm) and the edge behaviour (flush below the smallest
//! normal to 0, +∞ above ln(MAX), NaN propagated) are the same and tested.

#[cfg(target_arch = "x86_64")]
use core::arch::x86_64::*;

const LO: f32 = -87.336_55; // ln(f32::MIN_POSITIVE)
const HI: f32 = 88.722_83; // ln(f32::MAX)
const MAGIC: f32 = 12_582_912.0; // 1.5 · 2^23
// The published Cody–Waite split and Cephes coefficients, kept verbatim (as in `exp`).
#[allow(clippy::excessive_precision)]
const LN2_HI: f32 = 0.693_359_375;
const LN2_LO: f32 = -2.121_944_4e-4;
// Cephes expf coefficients, highest degree first.
#[allow(clippy::excessive_precision)]
const POLY: [f32; 6] = [1.987_569_1e-4, 1.398_199_9e-3, 8.333_452e-3, 4.166_579_6e-2, 1.666_666_5e-1, 5.000_000_1e-1];

/// xᵢ ← eˣⁱ with the widest SIMD path this CPU has, returning the arguments' (max, min) (NaN
/// arguments ignored; their results are NaN); `None` (nothing written) if it has neither path.
#[inline]
pub(crate) fn exp_in_place(xs: &mut [f32]) -> Option<(f32, f32)> {
    let cpu = super::features();
    if cpu.avx512f {
        // SAFETY: AVX-512F support was detected at run time (`simd::features`).
        Some(unsafe { exp_avx512(xs) })
    } else if cpu.avx2 && cpu.fma {
        // SAFETY: AVX2 and FMA support were detected at run time (`simd::features`).
        Some(unsafe { exp_avx2(xs) })
    } else {
        None
    }
}

/// 16 lanes; the tail through masked loads and stores.
#[target_feature(enable = "avx512f")]
fn exp_avx512(xs: &mut [f32]) -> (f32, f32) {
    let mut hi = _mm512_set1_ps(f32::NEG_INFINITY);
    let mut lo = _mm512_set1_ps(f32::INFINITY);
    let mut chunks = xs.chunks_exact_mut(16);
    for c in chunks.by_ref() {
        // SAFETY: `c` holds exactly 16 f32 (unaligned access is allowed).
        let x = unsafe { _mm512_loadu_ps(c.as_ptr()) };
        // max/min return the second operand when one is NaN: NaN arguments are skipped.
        hi = _mm512_max_ps(x, hi);
        lo = _mm512_min_ps(x, lo);
        // SAFETY: as above.
        unsafe { _mm512_storeu_ps(c.as_mut_ptr(), exp16(x)) };
    }
    let tail = chunks.into_remainder();
    if !tail.is_empty() {
        let mask: __mmask16 = (1u16 << tail.len()) - 1;
        // SAFETY: the mask covers only the `tail.len()` < 16 elements of `tail`.
        let x = unsafe { _mm512_maskz_loadu_ps(mask, tail.as_ptr()) };
        hi = _mm512_mask_max_ps(hi, mask, x, hi);
        lo = _mm512_mask_min_ps(lo, mask, x, lo);
        // SAFETY: as above.
        unsafe { _mm512_mask_storeu_ps(tail.as_mut_ptr(), mask, exp16(x)) };
    }
    (_mm512_reduce_max_ps(hi), _mm512_reduce_min_ps(lo))
}

#[inline]
#[target_feature(enable = "avx512f")]
fn exp16(x: __m512) -> __m512 {
    let (lo, hi, magic) = (_mm512_set1_ps(LO), _mm512_set1_ps(HI), _mm512_set1_ps(MAGIC));
    let xc = _mm512_min_ps(_mm512_max_ps(x, lo), hi);
    let n = _mm512_sub_ps(_mm512_fmadd_ps(xc, _mm512_set1_ps(core::f32::consts::LOG2_E), magic), magic);
    let r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_HI), xc);
    let r = _mm512_fnmadd_ps(n, _mm512_set1_ps(LN2_LO), r);
    let mut p = _mm512_set1_ps(POLY[0]);
    for &c in &POLY[1..] {
        p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(c));
    }
    let e = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0));
    // e · 2ⁿ without overflow at n = 128 (e < 1 there) and down to subnormal results.
    let y = _mm512_scalef_ps(e, n);
    let y = _mm512_mask_blend_ps(_mm512_cmp_ps_mask::<_CMP_LT_OQ>(x, lo), y, _mm512_setzero_ps());
    let y = _mm512_mask_blend_ps(_mm512_cmp_ps_mask::<_CMP_GT_OQ>(x, hi), y, _mm512_set1_ps(f32::INFINITY));
    _mm512_mask_blend_ps(_mm512_cmp_ps_mask::<_CMP_UNORD_Q>(x, x), y, x)
}

/// 8 lanes; the tail through an 8-lane buffer.
#[target_feature(enable = "avx2,fma")]
fn exp_avx2(xs: &mut [f32]) -> (f32, f32) {
    let mut hi = _mm256_set1_ps(f32::NEG_INFINITY);
    let mut lo = _mm256_set1_ps(f32::INFINITY);
    let mut chunks = xs.chunks_exact_mut(8);
    for c in chunks.by_ref() {
        // SAFETY: `c` holds exactly 8 f32 (unaligned access is allowed).
        let x = unsafe { _mm256_loadu_ps(c.as_ptr()) };
        // max/min return the second operand when one is NaN: NaN arguments are skipped.
        hi = _mm256_max_ps(x, hi);
        lo = _mm256_min_ps(x, lo);
        // SAFETY: as above.
        unsafe { _mm256_storeu_ps(c.as_mut_ptr(), exp8(x)) };
    }
    let (mut h, mut l) = ([0.0f32; 8], [0.0f32; 8]);
    // SAFETY: both buffers hold exactly 8 f32.
    unsafe {
        _mm256_storeu_ps(h.as_mut_ptr(), hi);
        _mm256_storeu_ps(l.as_mut_ptr(), lo);
    }
    let tail = chunks.into_remainder();
    let mut buf = [0.0f32; 8];
    buf[..tail.len()].copy_from_slice(tail);
    // SAFETY: `buf` holds exactly 8 f32.
    unsafe { _mm256_storeu_ps(buf.as_mut_ptr(), exp8(_mm256_loadu_ps(buf.as_ptr()))) };
    for (t, &y) in tail.iter_mut().zip(&buf) {
        h[0] = if *t > h[0] { *t } else { h[0] };
        l[0] = if *t < l[0] { *t } else { l[0] };
        *t = y;
    }
    let fold = |v: [f32; 8], pick: fn(f32, f32) -> bool| v.iter().fold(v[0], |m, &x| if pick(x, m) { x } else { m });
    (fold(h, |x, m| x > m), fold(l, |x, m| x < m))
}

#[inline]
#[target_feature(enable = "avx2,fma")]
fn exp8(x: __m256) -> __m256 {
    let (lo, hi, magic) = (_mm256_set1_ps(LO), _mm256_set1_ps(HI), _mm256_set1_ps(MAGIC));
    let xc = _mm256_min_ps(_mm256_max_ps(x, lo), hi);
    let t = _mm256_fmadd_ps(xc, _mm256_set1_ps(core::f32::consts::LOG2_E), magic);
    let n = _mm256_sub_ps(t, magic);
    let r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_HI), xc);
    let r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_LO), r);
    let mut p = _mm256_set1_ps(POLY[0]);
    for &c in &POLY[1..] {
        p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(c));
    }
    let e = _mm256_add_ps(_mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0));
    // 2ⁿ as 2^(n/2)·2^(n − n/2), so that n = 128 and n = −126 stay representable.
    let ni = _mm256_sub_epi32(_mm256_castps_si256(t), _mm256_castps_si256(magic));
    let n1 = _mm256_srai_epi32::<1>(ni);
    let n2 = _mm256_sub_epi32(ni, n1);
    let bias = _mm256_set1_epi32(127);
    let s1 = _mm256_castsi256_ps(_mm256_slli_epi32::<23>(_mm256_add_epi32(n1, bias)));
    let s2 = _mm256_castsi256_ps(_mm256_slli_epi32::<23>(_mm256_add_epi32(n2, bias)));
    let y = _mm256_mul_ps(_mm256_mul_ps(e, s1), s2);
    let y = _mm256_andnot_ps(_mm256_cmp_ps::<_CMP_LT_OQ>(x, lo), y);
    let y = _mm256_blendv_ps(y, _mm256_set1_ps(f32::INFINITY), _mm256_cmp_ps::<_CMP_GT_OQ>(x, hi));
    _mm256_blendv_ps(y, x, _mm256_cmp_ps::<_CMP_UNORD_Q>(x, x))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    /// The paths this CPU can run, by name.
    type Path = fn(&mut [f32]) -> (f32, f32);

    fn paths() -> Vec<(&'static str, Path)> {
        let mut p: Vec<(&'static str, Path)> = Vec::new();
        let cpu = crate::simd::features();
        if cpu.avx512f {
            // SAFETY: AVX-512F detected.
            p.push(("avx512", |xs| unsafe { exp_avx512(xs) }));
        }
        if cpu.avx2 && cpu.fma {
            // SAFETY: AVX2 and FMA detected.
            p.push(("avx2", |xs| unsafe { exp_avx2(xs) }));
        }
        p
    }

    #[test]
    fn every_path_matches_libm_and_the_edges() {
        let paths = paths();
        // Whatever the CPU has, the dispatcher and the paths it reports agree.
        let mut probe = [0.0f32; 3];
        assert_eq!(exp_in_place(&mut probe).is_some(), !paths.is_empty());
        // An odd length exercises the tails.
        let steps = 400_001usize;
        let xs: Vec<f32> = (0..steps).map(|i| (-87.3 + 176.0 * i as f64 / (steps - 1) as f64) as f32).collect();
        for (name, f) in paths {
            let mut ys = xs.clone();
            assert_eq!(f(&mut ys), (xs[steps - 1], xs[0]), "{name}: argument range");
            let mut worst = 0.0f64;
            for (&x, &y) in xs.iter().zip(&ys) {
                let want = libm::exp(f64::from(x));
                if want >= f64::from(f32::MIN_POSITIVE) && want <= f64::from(f32::MAX) {
                    worst = worst.max(((f64::from(y) - want) / want).abs());
                }
            }
            assert!(worst <= 5e-7, "{name}: rel err {worst:e}");
            let mut edges = [0.0, -100.0, f32::NEG_INFINITY, 89.0, f32::INFINITY, f32::NAN, HI, LO, -87.4, 1.0, -1.0];
            // NaN is skipped by the range, ±∞ are not.
            assert_eq!(f(&mut edges), (f32::INFINITY, f32::NEG_INFINITY), "{name}");
            assert_eq!(&edges[..5], &[1.0, 0.0, 0.0, f32::INFINITY, f32::INFINITY], "{name}");
            assert!(edges[5].is_nan(), "{name}");
            assert!(edges[6].is_finite() && edges[6] > 3.4e38, "{name}: exp(HI) = {}", edges[6]);
            assert!(
                edges[7] > 0.0 && (edges[7] / f32::MIN_POSITIVE - 1.0).abs() < 1e-5,
                "{name}: exp(LO) = {:e}",
                edges[7]
            );
            assert_eq!(edges[8], 0.0, "{name}");
            assert!((edges[9] - core::f32::consts::E).abs() <= 2.0 * f32::EPSILON * 3.0, "{name}");
            assert!((edges[10] * core::f32::consts::E - 1.0).abs() <= 4.0 * f32::EPSILON, "{name}");
            // Every tail length, with the extreme argument in the tail.
            for len in 1..40 {
                let mut v: Vec<f32> = (0..len).map(|i| i as f32 * 0.25 - 3.0).collect();
                let want: Vec<f32> = v.iter().map(|&x| libm::expf(x)).collect();
                assert_eq!(f(&mut v), ((len - 1) as f32 * 0.25 - 3.0, -3.0), "{name}: len {len}");
                for (y, w) in v.iter().zip(&want) {
                    assert!((y / w - 1.0).abs() <= 5e-7, "{name}: len {len}");
                }
            }
        }
    }
}
