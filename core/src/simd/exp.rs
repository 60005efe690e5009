//! A branch-free, auto-vectorisable `exp` for the hot loops ([`Float::exp_fast`] and
//! [`Float::exp_fast_in_place`]).
//!
//! Deviation from the crate rule "all math through libm": libm's scalar `exp`/`expf` cannot be
//! vectorised and costs 10–20 ns per call, which would make the exp pass (one exp per entry of
//! an N×K score matrix) dominate every Sinkhorn solve. This version uses Cody–Waite range
//! reduction and a polynomial, written with selects and integer bit tricks only, so LLVM turns
//! a loop over it into SIMD code (SSE2 baseline, AVX2 when the caller is compiled for it).
//!
//! Method: x = n·ln 2 + r with n = round(x / ln 2) (rounded by the 1.5·2^p "magic number"
//! addition), r computed with ln 2 split in a high and a low part (Cody & Waite 1980), so
//! |r| ≤ ln 2 / 2; exp(r) by a polynomial; 2ⁿ assembled in the exponent bits.
//!
//! Accuracy (tested against libm over the whole range below):
//! - f64: degree-12 Taylor polynomial, relative error ≤ 2e-15 (≈ 9 ulp).
//! - f32: the Cephes `expf` minimax polynomial (degree 5 + 1 + r), relative error ≤ 5e-7 (≈ 4 ulp).
//!
//! Range: results below the smallest normal number are flushed to 0 (x < −708.39 for f64,
//! x < −87.33 for f32) instead of being returned as subnormals; x above ln(MAX) gives +∞;
//! NaN gives NaN. Sinkhorn only exponentiates max-shifted values (≤ 0), where a flushed
//! subnormal is below the f64/f32 resolution of the sums it enters.

use super::lane::Lane;

/// The portable [`Float::exp_fast_in_place`]: lane accumulators for the range, so that it
/// vectorises.
#[inline(always)]
pub(crate) fn exp_in_place_portable<F: Lane>(xs: &mut [F]) -> (F, F) {
    const LANES: usize = 8;
    let mut hi = [F::NEG_INFINITY; LANES];
    let mut lo = [F::INFINITY; LANES];
    let mut chunks = xs.chunks_exact_mut(LANES);
    for c in chunks.by_ref() {
        for l in 0..LANES {
            let x = c[l];
            hi[l] = if x > hi[l] { x } else { hi[l] };
            lo[l] = if x < lo[l] { x } else { lo[l] };
            c[l] = x.exp_fast();
        }
    }
    let (mut h, mut m) = (F::NEG_INFINITY, F::INFINITY);
    for x in chunks.into_remainder().iter_mut() {
        h = if *x > h { *x } else { h };
        m = if *x < m { *x } else { m };
        *x = x.exp_fast();
    }
    for l in 0..LANES {
        h = if hi[l] > h { hi[l] } else { h };
        m = if lo[l] < m { lo[l] } else { m };
    }
    (h, m)
}

/// eˣ in f64: degree-12 Taylor polynomial after Cody–Waite reduction ([`Float::exp_fast`]).
// The constants are the published Cody–Waite split and Cephes coefficients, kept verbatim.
#[allow(clippy::excessive_precision)]
#[inline(always)]
pub(crate) fn exp_f64(x: f64) -> f64 {
    const MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5 · 2^52
    const LOG2E: f64 = core::f64::consts::LOG2_E;
    const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-1;
    const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
    const LO: f64 = -708.396_418_532_264_1; // ln(f64::MIN_POSITIVE)
    const HI: f64 = 709.782_712_893_384; // ln(f64::MAX)
    let xc = x.clamp(LO, HI);
    let t = xc * LOG2E + MAGIC;
    let n = t - MAGIC;
    let r = (xc - n * LN2_HI) - n * LN2_LO;
    let mut p = 1.0 / 479_001_600.0; // 1/12!
    p = p * r + 1.0 / 39_916_800.0;
    p = p * r + 1.0 / 3_628_800.0;
    p = p * r + 1.0 / 362_880.0;
    p = p * r + 1.0 / 40_320.0;
    p = p * r + 1.0 / 5_040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    // n ∈ [−1022, 1024]: split 2ⁿ as 2^(n/2) · 2^(n − n/2) so n = 1024 (x near HI) stays finite.
    let ni = (t.to_bits() as i64).wrapping_sub(MAGIC.to_bits() as i64);
    let n1 = ni >> 1;
    let n2 = ni - n1;
    let s1 = f64::from_bits(((n1 + 1023) << 52) as u64);
    let s2 = f64::from_bits(((n2 + 1023) << 52) as u64);
    let y = p * s1 * s2;
    if x < LO {
        0.0
    } else if x > HI {
        f64::INFINITY
    } else {
        y
    }
}

/// eˣ in f32: the Cephes `expf` polynomial after Cody–Waite reduction ([`Float::exp_fast`]).
#[allow(clippy::excessive_precision)]
#[inline(always)]
pub(crate) fn exp_f32(x: f32) -> f32 {
    const MAGIC: f32 = 12_582_912.0; // 1.5 · 2^23
    const LOG2E: f32 = core::f32::consts::LOG2_E;
    const LN2_HI: f32 = 0.693_359_375;
    const LN2_LO: f32 = -2.121_944_4e-4;
    const LO: f32 = -87.336_55; // ln(f32::MIN_POSITIVE)
    const HI: f32 = 88.722_83; // ln(f32::MAX)
    let xc = x.clamp(LO, HI);
    let t = xc * LOG2E + MAGIC;
    let n = t - MAGIC;
    let r = (xc - n * LN2_HI) - n * LN2_LO;
    let mut p = 1.987_569_1e-4f32;
    p = p * r + 1.398_199_9e-3;
    p = p * r + 8.333_452e-3;
    p = p * r + 4.166_579_6e-2;
    p = p * r + 1.666_666_5e-1;
    p = p * r + 5.000_000_1e-1;
    let e = p * (r * r) + r + 1.0;
    let ni = (t.to_bits() as i32).wrapping_sub(MAGIC.to_bits() as i32);
    let n1 = ni >> 1;
    let n2 = ni - n1;
    let s1 = f32::from_bits(((n1 + 127) << 23) as u32);
    let s2 = f32::from_bits(((n2 + 127) << 23) as u32);
    let y = e * s1 * s2;
    if x < LO {
        0.0
    } else if x > HI {
        f32::INFINITY
    } else {
        y
    }
}

/// [`Float::exp_fast_in_place`] for f32: the widest explicit SIMD path the CPU has
/// (`x86_exp`: AVX-512F, or AVX2 + FMA), else the portable loop.
#[inline(always)]
pub(crate) fn exp_in_place_f32(xs: &mut [f32]) -> (f32, f32) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if let Some(range) = super::x86_exp::exp_in_place(xs) {
        return range;
    }
    exp_in_place_portable(xs)
}

#[cfg(test)]
mod tests {
    use crate::scalar::Float;

    fn max_rel_err<F: Float>(lo: f64, hi: f64, steps: usize) -> f64 {
        let mut worst = 0.0f64;
        for i in 0..=steps {
            let x = F::from_f64(lo + (hi - lo) * i as f64 / steps as f64);
            let want = Float::exp(x).to_f64();
            let got = x.exp_fast().to_f64();
            if want >= F::MIN_POSITIVE.to_f64() && want.is_finite() {
                worst = worst.max(((got - want) / want).abs());
            }
        }
        worst
    }

    #[test]
    fn f64_matches_libm_to_the_stated_bound() {
        let e = max_rel_err::<f64>(-708.3, 709.7, 400_000);
        assert!(e <= 2e-15, "f64 rel err {e:e}");
        let e = max_rel_err::<f64>(-1.0, 1.0, 100_000);
        assert!(e <= 2e-15, "f64 rel err near 0 {e:e}");
    }

    #[test]
    fn f32_matches_libm_to_the_stated_bound() {
        let e = max_rel_err::<f32>(-87.3, 88.7, 400_000);
        assert!(e <= 5e-7, "f32 rel err {e:e}");
    }

    #[test]
    fn edges_flush_saturate_and_propagate_nan() {
        assert_eq!(0.0f64.exp_fast(), 1.0);
        assert_eq!(0.0f32.exp_fast(), 1.0);
        assert_eq!((-800.0f64).exp_fast(), 0.0);
        assert_eq!(f64::NEG_INFINITY.exp_fast(), 0.0);
        assert_eq!((-100.0f32).exp_fast(), 0.0);
        assert_eq!(f32::NEG_INFINITY.exp_fast(), 0.0);
        assert_eq!(710.0f64.exp_fast(), f64::INFINITY);
        assert_eq!(89.0f32.exp_fast(), f32::INFINITY);
        assert!(f64::NAN.exp_fast().is_nan() && f32::NAN.exp_fast().is_nan());
        let mut xs = [0.0f32, -100.0, 89.0, f32::NAN, 1.0];
        assert_eq!(f32::exp_fast_in_place(&mut xs), (89.0, -100.0));
        assert_eq!(&xs[..3], &[1.0, 0.0, f32::INFINITY]);
        assert!(xs[3].is_nan() && (xs[4] - core::f32::consts::E).abs() <= 8.0 * f32::EPSILON);
        let mut ys: [f64; 19] = core::array::from_fn(|i| i as f64 - 9.5);
        ys[4] = f64::NAN;
        assert_eq!(f64::exp_fast_in_place(&mut ys), (8.5, -9.5));
        assert!(ys[4].is_nan() && (ys[18] / libm::exp(8.5) - 1.0).abs() < 1e-14);
        let near_max = 709.78f64.exp_fast();
        assert!(near_max.is_finite() && (near_max / libm::exp(709.78) - 1.0).abs() < 1e-14);
    }
}
