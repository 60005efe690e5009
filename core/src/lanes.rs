//! Slice reductions with independent lane accumulators, generic over the compute type, from
//! which the hot passes are built (and run through `simd_dispatch!`): [`dot`] and [`sum`] are
//! [`Float::dot_lanes`] and [`Float::sum_lanes`] (the per-type kernels of `crate::simd`),
//! [`sum_exp`] and [`max`] are written here.

use crate::scalar::Float;

/// Number of independent accumulators: 16 lanes = two AVX vectors of f32 or four of f64.
const LANES: usize = 16;

/// Σⱼ xⱼ yⱼ over the common length ([`Float::dot_lanes`]).
#[inline(always)]
pub(crate) fn dot<F: Float>(x: &[F], y: &[F]) -> F {
    F::dot_lanes(x, y)
}

/// Σⱼ xⱼ ([`Float::sum_lanes`]).
#[inline(always)]
pub(crate) fn sum<F: Float>(x: &[F]) -> F {
    F::sum_lanes(x)
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
    F::sum_lanes(&acc) + xr.iter().fold(F::ZERO, |s, &v| s + v.exp_fast())
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
}
