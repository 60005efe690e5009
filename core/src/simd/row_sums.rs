//! The M-step's weighted row sums behind [`Float::weighted_sums`]: nₖ += Σᵢ rᵢₖ and
//! sₖⱼ += Σᵢ rᵢₖ xᵢⱼ over row-major rows, every sum one chain in row order (multiply, add; no
//! fused multiply-add). f64 uses the bit-identical explicit AVX code of `x86_row_sums` when the
//! CPU has AVX.
//!
//! [`Float::weighted_sums`]: crate::Float::weighted_sums

use super::lane::Lane;

/// Adds the sums of the rows `x` (n × d) weighted by `resp` (n × k) to `nk` (k) and `sums`
/// (k × d), portably.
#[inline(always)]
pub(crate) fn weighted_sums_portable<F: Lane>(x: &[F], resp: &[F], d: usize, k: usize, nk: &mut [F], sums: &mut [F]) {
    for (row, r) in x.chunks_exact(d.max(1)).zip(resp.chunks_exact(k.max(1))) {
        for (c, &w) in r.iter().enumerate() {
            nk[c] += w;
            for (m, &v) in sums[c * d..(c + 1) * d].iter_mut().zip(row) {
                *m += w * v;
            }
        }
    }
}

/// [`weighted_sums_portable`] for f64: the explicit AVX code when the CPU has AVX.
#[inline(always)]
pub(crate) fn weighted_sums_f64(x: &[f64], resp: &[f64], d: usize, k: usize, nk: &mut [f64], sums: &mut [f64]) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if super::features().avx
        && d > 0
        && k > 0
        && x.len().is_multiple_of(d)
        && resp.len() == x.len() / d * k
        && nk.len() >= k
        && sums.len() >= k * d
    {
        // SAFETY: AVX support was detected at run time (`simd::features`); the shapes were
        // checked above.
        return unsafe { super::x86_row_sums::weighted_sums_avx_f64(x, resp, d, k, nk, sums) };
    }
    weighted_sums_portable(x, resp, d, k, nk, sums);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dispatched_sums_equal_the_portable_ones_bit_for_bit() {
        let v = |i: usize, m: usize| ((i * (29 + m) % 89) as f64 - 44.0) * 0.037 + 1e-3 * m as f64;
        for (n, d, k) in [(37usize, 10usize, 10usize), (5, 1, 1), (9, 3, 7), (16, 13, 5), (3, 4, 4), (40, 25, 2)] {
            let x: std::vec::Vec<f64> = (0..n * d).map(|i| v(i, 0)).collect();
            let r: std::vec::Vec<f64> = (0..n * k).map(|i| v(i, 1).abs()).collect();
            let nk0: std::vec::Vec<f64> = (0..k).map(|i| v(i, 2)).collect();
            let s0: std::vec::Vec<f64> = (0..k * d).map(|i| v(i, 3)).collect();
            let (mut nk_a, mut s_a) = (nk0.clone(), s0.clone());
            let (mut nk_b, mut s_b) = (nk0.clone(), s0.clone());
            weighted_sums_f64(&x, &r, d, k, &mut nk_a, &mut s_a);
            weighted_sums_portable(&x, &r, d, k, &mut nk_b, &mut s_b);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<std::vec::Vec<_>>();
            assert_eq!(bits(&nk_a), bits(&nk_b), "nk, n {n} d {d} k {k}");
            assert_eq!(bits(&s_a), bits(&s_b), "sums, n {n} d {d} k {k}");
            // Against the definition, one chain per entry in row order.
            for c in 0..k {
                for j in 0..d {
                    let mut s = s0[c * d + j];
                    for i in 0..n {
                        s += r[i * k + c] * x[i * d + j];
                    }
                    assert_eq!(s_a[c * d + j].to_bits(), s.to_bits(), "entry ({c}, {j})");
                }
            }
        }
    }
}
