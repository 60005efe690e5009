//! The portable lane reductions and their f32 AVX selection, for [`Float::sum_lanes`] and
//! [`Float::dot_lanes`](crate::Float::dot_lanes): 16 independent accumulators folded pairwise,
//! so that LLVM vectorises them without reassociation licences (a plain `iter().sum()` of
//! floats stays scalar); f32 uses the bit-identical explicit AVX code of `x86_reduce` when the
//! CPU has AVX.
//!
//! [`Float::sum_lanes`]: crate::Float::sum_lanes

use super::lane::Lane;

/// Number of independent accumulators: 16 lanes = two AVX vectors of f32 or four of f64.
const LANES: usize = 16;

/// Σⱼ xⱼ yⱼ over the common length, portably: 16 lane accumulators folded pairwise, then the tail.
#[inline(always)]
pub(crate) fn dot_portable<F: Lane>(x: &[F], y: &[F]) -> F {
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

/// Σⱼ xⱼ, portably: 16 lane accumulators folded pairwise, then the tail.
#[inline(always)]
pub(crate) fn sum_portable<F: Lane>(x: &[F]) -> F {
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

/// Σⱼ xⱼ yⱼ for f32: the explicit AVX code when the CPU has AVX, else the portable code.
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

/// Σⱼ xⱼ for f32: the explicit AVX code when the CPU has AVX, else the portable code.
#[inline(always)]
pub(crate) fn sum_f32(x: &[f32]) -> f32 {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if super::features().avx {
        // SAFETY: AVX support was detected at run time (`simd::features`).
        return unsafe { super::x86_reduce::sum_avx(x) };
    }
    sum_portable(x)
}

/// Σⱼ aⱼ cₘⱼ for the four vectors cₘ at once, portably: per vector four lane partial sums
/// over whole chunks of 4, folded (s₀ + s₂) + (s₁ + s₃), then the tail in order. The sixteen
/// lanes are independent chains (the full scatters of the M-step are made of these).
#[inline(always)]
pub(crate) fn dot4_portable<F: Lane>(a: &[F], c: [&[F]; 4]) -> [F; 4] {
    let whole = a.len() / 4 * 4;
    let mut s = [[F::ZERO; 4]; 4];
    for i in (0..whole).step_by(4) {
        for (sv, cv) in s.iter_mut().zip(&c) {
            for l in 0..4 {
                sv[l] += a[i + l] * cv[i + l];
            }
        }
    }
    let mut out = [F::ZERO; 4];
    for ((o, sv), cv) in out.iter_mut().zip(&s).zip(&c) {
        let mut t = (sv[0] + sv[2]) + (sv[1] + sv[3]);
        for (x, y) in a[whole..].iter().zip(&cv[whole..]) {
            t += *x * *y;
        }
        *o = t;
    }
    out
}

/// [`dot4_portable`] for f64: the explicit AVX code when the CPU has AVX (LLVM's SLP
/// vectoriser turns the portable loop into broadcasts and shuffles across the four vectors).
#[inline(always)]
pub(crate) fn dot4_f64(a: &[f64], c: [&[f64]; 4]) -> [f64; 4] {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if super::features().avx && c.iter().all(|v| v.len() >= a.len()) {
        // SAFETY: AVX support was detected at run time (`simd::features`), and every vector
        // is at least as long as `a`.
        return unsafe { super::x86_reduce::dot4_avx_f64(a, c) };
    }
    dot4_portable(a, c)
}

#[inline(always)]
fn fold<F: Lane>(acc: [F; LANES]) -> F {
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
    fn f32_reductions_equal_the_portable_ones_bit_for_bit() {
        let x: std::vec::Vec<f32> = (0..3001).map(|i| ((i * 37 % 101) as f32 - 50.0) * 0.013).collect();
        let y: std::vec::Vec<f32> = (0..3001).map(|i| 1.0 / (1.0 + (i % 17) as f32)).collect();
        for n in (0..70).chain([2999, 3000, 3001]) {
            assert_eq!(dot_f32(&x[..n], &y[..n]).to_bits(), dot_portable(&x[..n], &y[..n]).to_bits(), "dot n {n}");
            assert_eq!(sum_f32(&x[..n]).to_bits(), sum_portable(&x[..n]).to_bits(), "sum n {n}");
        }
    }

    #[test]
    fn f64_dot4_equals_the_portable_one_and_four_dots_bit_for_bit() {
        let v = |m: usize| -> std::vec::Vec<f64> {
            (0..203).map(|i| ((i * (37 + m) % 101) as f64 - 50.0) * 0.013 + 1e-3 * m as f64).collect()
        };
        let (a, c0, c1, c2, c3) = (v(0), v(1), v(2), v(3), v(4));
        for n in (0..20).chain([64, 201, 203]) {
            let c = [&c0[..n], &c1[..n], &c2[..n], &c3[..n]];
            let got = dot4_f64(&a[..n], c);
            let want = dot4_portable(&a[..n], c);
            for m in 0..4 {
                assert_eq!(got[m].to_bits(), want[m].to_bits(), "n {n}, vector {m}");
                // The same sum as four separate 4-lane dot products.
                let whole = n / 4 * 4;
                let mut s = [0.0f64; 4];
                for i in 0..whole {
                    s[i % 4] += a[i] * c[m][i];
                }
                let mut t = (s[0] + s[2]) + (s[1] + s[3]);
                for i in whole..n {
                    t += a[i] * c[m][i];
                }
                assert_eq!(got[m].to_bits(), t.to_bits(), "n {n}, vector {m} against one dot");
            }
        }
    }
}
