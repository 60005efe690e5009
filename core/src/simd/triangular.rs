//! The quadratic forms of the full-covariance E-step, behind [`Float::tri_quad`]: for
//! [`ROWS`] rows of differences t = x − μ held feature by feature, yⱼ = Σ_{i ≤ j} tᵢ U_ij (U the
//! upper-triangular precision factor, each yⱼ summed over i in order) and q = Σⱼ yⱼ² (in j
//! order), multiply then add (no fused multiply-add). Two columns of U are taken at a time, so
//! each tᵢ is loaded once for both and the two sums are independent chains. f64 uses the
//! bit-identical explicit AVX code of `x86_triangular` when the CPU has AVX.
//!
//! [`Float::tri_quad`]: crate::Float::tri_quad

use super::lane::Lane;

/// Rows of one call.
pub(crate) const ROWS: usize = 16;

/// q for the rows whose feature i is `t[i * stride..][..ROWS]`, U row-major `d × d`, portably.
#[inline(always)]
pub(crate) fn tri_quad_portable<F: Lane>(t: &[F], stride: usize, u: &[F], d: usize, q: &mut [F; ROWS]) {
    let row = |i: usize| &t[i * stride..i * stride + ROWS];
    let mut acc_q = [F::ZERO; ROWS];
    let mut j = 0;
    while j < d {
        let pair = j + 1 < d;
        let (mut y0, mut y1) = ([F::ZERO; ROWS], [F::ZERO; ROWS]);
        for i in 0..=j {
            let (u0, u1) = (u[i * d + j], if pair { u[i * d + j + 1] } else { F::ZERO });
            for ((a, b), &v) in y0.iter_mut().zip(y1.iter_mut()).zip(row(i)) {
                *a += v * u0;
                *b += v * u1;
            }
        }
        for (a, &v) in acc_q.iter_mut().zip(&y0) {
            *a += v * v;
        }
        if pair {
            let u1 = u[(j + 1) * d + j + 1];
            for (b, &v) in y1.iter_mut().zip(row(j + 1)) {
                *b += v * u1;
            }
            for (a, &v) in acc_q.iter_mut().zip(&y1) {
                *a += v * v;
            }
        }
        j += 2;
    }
    *q = acc_q;
}

/// [`tri_quad_portable`] for f64: the explicit AVX code when the CPU has AVX.
#[inline(always)]
pub(crate) fn tri_quad_f64(t: &[f64], stride: usize, u: &[f64], d: usize, q: &mut [f64; ROWS]) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if super::features().avx && d > 0 && t.len() >= (d - 1) * stride + ROWS && u.len() >= d * d {
        // SAFETY: AVX support was detected at run time (`simd::features`); `t` holds every
        // feature's ROWS values and `u` the d × d factor (checked above).
        return unsafe { super::x86_triangular::tri_quad_avx_f64(t, stride, u, d, q) };
    }
    tri_quad_portable(t, stride, u, d, q);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dispatched_forms_equal_the_portable_ones_and_a_row_by_row_evaluation() {
        for d in [1usize, 2, 3, 10, 11] {
            let stride = ROWS + 5;
            let v = |i: usize, m: usize| ((i * (31 + m) % 97) as f64 - 48.0) * 0.021;
            let t: std::vec::Vec<f64> = (0..d * stride).map(|i| v(i, 0)).collect();
            let mut u = std::vec![0.0f64; d * d];
            for i in 0..d {
                for j in i..d {
                    u[i * d + j] = v(i * d + j, 3) + if i == j { 2.0 } else { 0.0 };
                }
            }
            let (mut fast, mut slow) = ([0.0f64; ROWS], [0.0f64; ROWS]);
            tri_quad_f64(&t, stride, &u, d, &mut fast);
            tri_quad_portable(&t, stride, &u, d, &mut slow);
            assert_eq!(fast.map(f64::to_bits), slow.map(f64::to_bits), "d {d}");
            for r in 0..ROWS {
                let mut q = 0.0f64;
                for j in 0..d {
                    let mut y = 0.0f64;
                    for i in 0..=j {
                        y += t[i * stride + r] * u[i * d + j];
                    }
                    q += y * y;
                }
                assert_eq!(fast[r].to_bits(), q.to_bits(), "d {d}, row {r}");
            }
        }
    }
}
