//! Output rows written with non-temporal (streaming) stores.
//!
//! The SwAV codes (B × K, 49 MB at 4096 × 3000 f32) are written once and not read again by
//! the solver. An ordinary store first reads each cache line it misses (read-for-ownership),
//! so writing N bytes costs 2N of memory traffic and evicts the kernel that the next pass
//! would reuse from the cache; a streaming store writes the line directly. Used by
//! [`Real::store_scaled_row`](crate::Real::store_scaled_row) for f32 when the `std` feature detects AVX on x86-64; plain
//! stores otherwise.

/// dst_j = g_j · v_j · s for f32, streamed when the CPU has AVX; the product is evaluated in
/// that order in every path.
#[inline]
pub(crate) fn store_scaled_row_f32(dst: &mut [f32], g: &[f32], v: &[f32], s: f32) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if super::features().avx && g.len() >= dst.len() && v.len() >= dst.len() {
        // SAFETY: AVX support was detected at run time (`simd::features`); g and v are at
        // least as long as dst (checked just above).
        unsafe { stream_avx(dst, g, v, s) };
        return;
    }
    for ((d, &gj), &vj) in dst.iter_mut().zip(g).zip(v) {
        *d = gj * vj * s;
    }
}

/// Plain stores up to a 32-byte boundary, streaming stores of 8 lanes, plain stores for the
/// tail; a store fence at the end orders the streaming stores before anything that follows.
/// `g` and `v` are at least as long as `dst`.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[target_feature(enable = "avx")]
fn stream_avx(dst: &mut [f32], g: &[f32], v: &[f32], s: f32) {
    use core::arch::x86_64::*;
    let n = dst.len();
    let head = (dst.as_ptr().align_offset(32)).min(n);
    let body = head + (n - head) / 8 * 8;
    let plain = |dst: &mut [f32], j: usize| dst[j] = g[j] * v[j] * s;
    for j in 0..head {
        plain(dst, j);
    }
    let sv = _mm256_set1_ps(s);
    let mut j = head;
    while j < body {
        // SAFETY: j + 8 ≤ body ≤ n ≤ len of g, v, dst; dst + j is 32-byte aligned (head).
        unsafe {
            let gv = _mm256_mul_ps(_mm256_loadu_ps(g.as_ptr().add(j)), _mm256_loadu_ps(v.as_ptr().add(j)));
            _mm256_stream_ps(dst.as_mut_ptr().add(j), _mm256_mul_ps(gv, sv));
        }
        j += 8;
    }
    for j in body..n {
        plain(dst, j);
    }
    _mm_sfence();
}

#[cfg(test)]
mod tests {
    use crate::scalar::Real;
    use std::vec;

    #[test]
    fn streamed_rows_equal_the_plain_products_at_every_offset() {
        let g: [f32; 40] = core::array::from_fn(|j| 0.5 + j as f32 * 0.37);
        let v: [f32; 40] = core::array::from_fn(|j| 1.0 / (1.0 + j as f32));
        let mut buf = vec![0.0f32; 64];
        for start in 0..9 {
            for len in [0usize, 1, 7, 8, 9, 23, 31] {
                buf.fill(-1.0);
                f32::store_scaled_row(&mut buf[start..start + len], &g, &v, 0.25);
                for (j, &d) in buf.iter().enumerate() {
                    let want =
                        if (start..start + len).contains(&j) { g[j - start] * v[j - start] * 0.25 } else { -1.0 };
                    assert_eq!(d.to_bits(), want.to_bits(), "start {start} len {len} j {j}");
                }
            }
        }
        // Other storage types take the plain path with the same products.
        let mut h = [half::bf16::ZERO; 5];
        half::bf16::store_scaled_row(&mut h, &g, &v, 0.25);
        for (j, d) in h.iter().enumerate() {
            assert_eq!(*d, half::bf16::from_f32(g[j] * v[j] * 0.25));
        }
    }
}
