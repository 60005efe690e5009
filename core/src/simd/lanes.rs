//! Slice reductions written with independent lane accumulators, so that LLVM vectorises them
//! without reassociation licences (a plain `iter().sum()` of floats stays scalar). The hot
//! passes of the solvers are built from these and run through [`simd_dispatch!`](super::simd_dispatch).
//! [`dot`] and [`sum`] go through [`Float::dot_lanes`] and [`Float::sum_lanes`], which f32
//! implements with explicit AVX code bit-identical to the portable one (`x86_reduce`).

use crate::scalar::Float;

/// Number of independent accumulators: 16 lanes = two AVX vectors of f32 or four of f64.
pub(crate) const LANES: usize = 16;

/// Σⱼ xⱼ yⱼ over the common length ([`Float::dot_lanes`]).
#[inline(always)]
pub(crate) fn dot<F: Float>(x: &[F], y: &[F]) -> F {
    F::dot_lanes(x, y)
}

/// The portable [`dot`]: 16 lane accumulators folded pairwise, then the tail.
#[inline(always)]
pub(crate) fn dot_portable<F: Float>(x: &[F], y: &[F]) -> F {
    let mut acc = [F::ZERO; LANES];
    let (xc, xr) = (x.chunks_exact(LANES), x.chunks_exact(LANES).remainder());
    let yc = y.chunks_exact(LANES);
    let yr = yc.remainder();
    for (xs, ys) in xc.zip(yc) {
        for l in 0..LANES {
            acc[l] += xs[l] * ys[l];
        }
    }
    let mut tail = F::ZERO;
    for (a, b) in xr.iter().zip(yr) {
        tail += *a * *b;
    }
    fold(acc) + tail
}

/// Σⱼ xⱼ ([`Float::sum_lanes`]).
#[inline(always)]
pub(crate) fn sum<F: Float>(x: &[F]) -> F {
    F::sum_lanes(x)
}

/// The portable [`sum`]: 16 lane accumulators folded pairwise, then the tail.
#[inline(always)]
pub(crate) fn sum_portable<F: Float>(x: &[F]) -> F {
    let mut acc = [F::ZERO; LANES];
    let xc = x.chunks_exact(LANES);
    let xr = xc.remainder();
    for xs in xc {
        for l in 0..LANES {
            acc[l] += xs[l];
        }
    }
    fold(acc) + xr.iter().fold(F::ZERO, |s, &v| s + v)
}

/// Σⱼ exp(xⱼ) (with [`Float::exp_fast`]).
#[inline(always)]
pub(crate) fn sum_exp<F: Float>(x: &[F]) -> F {
    let mut acc = [F::ZERO; LANES];
    let xc = x.chunks_exact(LANES);
    let xr = xc.remainder();
    for xs in xc {
        for l in 0..LANES {
            acc[l] += xs[l].exp_fast();
        }
    }
    fold(acc) + xr.iter().fold(F::ZERO, |s, &v| s + v.exp_fast())
}

/// maxⱼ xⱼ (−∞ for an empty slice; NaN entries are ignored).
#[inline(always)]
pub(crate) fn max<F: Float>(x: &[F]) -> F {
    let mut acc = [F::NEG_INFINITY; LANES];
    let xc = x.chunks_exact(LANES);
    let xr = xc.remainder();
    for xs in xc {
        for l in 0..LANES {
            acc[l] = if xs[l] > acc[l] { xs[l] } else { acc[l] };
        }
    }
    let mut m = xr.iter().fold(F::NEG_INFINITY, |m, &v| if v > m { v } else { m });
    for a in acc {
        m = if a > m { a } else { m };
    }
    m
}

/// [`dot`] for f32: the explicit AVX code when the CPU has AVX, else the portable code.
#[inline(always)]
pub(crate) fn dot_f32(x: &[f32], y: &[f32]) -> f32 {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if super::features().avx {
        let n = x.len().min(y.len());
        // SAFETY: AVX support was detected at run time (`simd::features`).
        return unsafe { super::x86_reduce::dot_avx(&x[..n], &y[..n]) };
    }
    dot_portable(x, y)
}

/// [`sum`] for f32: the explicit AVX code when the CPU has AVX, else the portable code.
#[inline(always)]
pub(crate) fn sum_f32(x: &[f32]) -> f32 {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if super::features().avx {
        // SAFETY: AVX support was detected at run time (`simd::features`).
        return unsafe { super::x86_reduce::sum_avx(x) };
    }
    sum_portable(x)
}

#[inline(always)]
fn fold<F: Float>(acc: [F; LANES]) -> F {
    // Pairwise, so the rounding does not depend on the lane count in a lopsided way.
    let mut w = acc;
    let mut half = LANES / 2;
    while half > 0 {
        for l in 0..half {
            w[l] += w[l + half];
        }
        half /= 2;
    }
    w[0]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reductions_match_naive_sums() {
        let x: [f64; 37] = core::array::from_fn(|i| (i as f64 * 0.37).sin());
        let y: [f64; 37] = core::array::from_fn(|i| (i as f64 * 0.11).cos());
        let naive_dot: f64 = x.iter().zip(&y).map(|(a, b)| a * b).sum();
        assert!((dot(&x, &y) - naive_dot).abs() < 1e-14);
        assert!((sum(&x) - x.iter().sum::<f64>()).abs() < 1e-14);
        assert!((sum_exp(&x) - x.iter().map(|v| libm::exp(*v)).sum::<f64>()).abs() < 1e-13);
        assert_eq!(max(&x), x.iter().cloned().fold(f64::NEG_INFINITY, f64::max));
        assert_eq!(max::<f32>(&[]), f32::NEG_INFINITY);
        assert_eq!(sum::<f32>(&[]), 0.0);
    }

    #[test]
    fn f32_reductions_equal_the_portable_ones_bit_for_bit() {
        let x: std::vec::Vec<f32> = (0..3001).map(|i| ((i * 37 % 101) as f32 - 50.0) * 0.013).collect();
        let y: std::vec::Vec<f32> = (0..3001).map(|i| 1.0 / (1.0 + (i % 17) as f32)).collect();
        for n in (0..70).chain([2999, 3000, 3001]) {
            assert_eq!(dot(&x[..n], &y[..n]).to_bits(), dot_portable(&x[..n], &y[..n]).to_bits(), "dot n {n}");
            assert_eq!(sum(&x[..n]).to_bits(), sum_portable(&x[..n]).to_bits(), "sum n {n}");
        }
    }
}
