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

/// The upper triangle of a block's scatter, s[a·d + j] += Σᵣ w[a·b + r] · c[j·b + r] for
/// j ≥ a (`w` and `c`: d feature-major runs of `b` values; `s`: d × d), each entry one
/// [`dot4_portable`] sum of four columns at a time (the last group repeats column d − 1 as
/// filler), portably.
#[inline(always)]
pub(crate) fn scatter_upper_portable<F: Lane>(w: &[F], c: &[F], b: usize, d: usize, s: &mut [F]) {
    for a in 0..d {
        let wa = &w[a * b..(a + 1) * b];
        for first in (a..d).step_by(4) {
            let col = |o: usize| {
                let j = (first + o).min(d - 1);
                &c[j * b..(j + 1) * b]
            };
            let v = dot4_portable(wa, [col(0), col(1), col(2), col(3)]);
            for (o, v) in v.into_iter().take(d - first).enumerate() {
                s[a * d + first + o] += v;
            }
        }
    }
}

/// [`scatter_upper_portable`] for f64: the explicit AVX code when the CPU has AVX (LLVM's SLP
/// vectoriser turns the portable four-column dot into broadcasts and shuffles, and one call
/// per block keeps the dot products inlined).
#[inline(always)]
pub(crate) fn scatter_upper_f64(w: &[f64], c: &[f64], b: usize, d: usize, s: &mut [f64]) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if super::features().avx && w.len() >= d * b && c.len() >= d * b && s.len() >= d * d {
        // SAFETY: AVX support was detected at run time (`simd::features`); the runs and the
        // output have the stated lengths (checked above).
        return unsafe { super::x86_reduce::scatter_upper_avx_f64(w, c, b, d, s) };
    }
    scatter_upper_portable(w, c, b, d, s);
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
    fn the_f64_scatter_equals_the_portable_one_and_plain_dots_bit_for_bit() {
        let v = |m: usize, n: usize| -> std::vec::Vec<f64> {
            (0..n).map(|i| ((i * (37 + m) % 101) as f64 - 50.0) * 0.013 + 1e-3 * m as f64).collect()
        };
        for (b, d) in [(64usize, 10usize), (7, 3), (13, 5), (4, 1), (64, 4), (33, 9)] {
            let (w, c) = (v(0, b * d), v(1, b * d));
            let start = v(2, d * d);
            let (mut got, mut want) = (start.clone(), start.clone());
            scatter_upper_f64(&w, &c, b, d, &mut got);
            scatter_upper_portable(&w, &c, b, d, &mut want);
            assert_eq!(
                got.iter().map(|x| x.to_bits()).collect::<std::vec::Vec<_>>(),
                want.iter().map(|x| x.to_bits()).collect::<std::vec::Vec<_>>(),
                "b {b}, d {d}"
            );
            // Every upper entry is its start plus one 4-lane dot product; the lower stays.
            let whole = b / 4 * 4;
            for a in 0..d {
                for j in 0..d {
                    let expect = if j < a {
                        start[a * d + j]
                    } else {
                        let mut l = [0.0f64; 4];
                        for r in 0..whole {
                            l[r % 4] += w[a * b + r] * c[j * b + r];
                        }
                        let mut t = (l[0] + l[2]) + (l[1] + l[3]);
                        for r in whole..b {
                            t += w[a * b + r] * c[j * b + r];
                        }
                        start[a * d + j] + t
                    };
                    assert_eq!(got[a * d + j].to_bits(), expect.to_bits(), "b {b}, d {d}, entry ({a}, {j})");
                }
            }
        }
    }
}
