//! The nearest-centre fold of the k-means assignment, behind [`Float::fold_nearest`]: for
//! [`ROWS`] rows held feature by feature (a transposed block), the squared distance to each
//! centre is summed over the features in feature order, s = Σⱼ (xⱼ − cⱼ)² (subtract, multiply,
//! add: no fused multiply-add), and folded into the running argmin centre by centre in index
//! order with a strict `<`, so ties keep the lowest index. f64 uses the bit-identical explicit
//! AVX code of `x86_nearest` when the CPU has AVX.
//!
//! [`Float::fold_nearest`]: crate::Float::fold_nearest

use super::lane::Lane;

/// Rows folded together.
pub(crate) const ROWS: usize = 8;

/// Folds the centres `centres` (rows of `d` values, indices `first..`) into the running argmin
/// (`best`, `arg`) of the [`ROWS`] rows whose feature j is `xt[j * stride..][..ROWS]`, portably.
#[inline(always)]
pub(crate) fn fold_nearest_portable<F: Lane>(
    xt: &[F],
    stride: usize,
    centres: &[F],
    d: usize,
    first: usize,
    best: &mut [F; ROWS],
    arg: &mut [usize; ROWS],
) {
    for (k, c) in centres.chunks_exact(d.max(1)).enumerate() {
        let mut acc = [F::ZERO; ROWS];
        for (j, &cj) in c.iter().enumerate() {
            let xj = &xt[j * stride..][..ROWS];
            for (s, &v) in acc.iter_mut().zip(xj) {
                let t = v - cj;
                *s += t * t;
            }
        }
        for ((s, bd), l) in acc.iter().zip(best.iter_mut()).zip(arg.iter_mut()) {
            if *s < *bd {
                *bd = *s;
                *l = first + k;
            }
        }
    }
}

/// [`fold_nearest_portable`] for f64: the explicit AVX code when the CPU has AVX.
#[inline(always)]
pub(crate) fn fold_nearest_f64(
    xt: &[f64],
    stride: usize,
    centres: &[f64],
    d: usize,
    first: usize,
    best: &mut [f64; ROWS],
    arg: &mut [usize; ROWS],
) {
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    if super::features().avx && d > 0 && xt.len() >= (d - 1) * stride + ROWS {
        // SAFETY: AVX support was detected at run time (`simd::features`); `xt` holds every
        // feature's ROWS values (checked above).
        return unsafe { super::x86_nearest::fold_nearest_avx_f64(xt, stride, centres, d, first, best, arg) };
    }
    fold_nearest_portable(xt, stride, centres, d, first, best, arg);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic values in [−2, 2) on a grid of 1/8 (so that distances tie often).
    fn grid(len: usize, mut s: u64) -> [f64; 256] {
        let mut v = [0.0f64; 256];
        for e in v.iter_mut().take(len) {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            *e = (s % 32) as f64 / 8.0 - 2.0;
        }
        v
    }

    #[test]
    fn the_dispatched_fold_equals_the_portable_fold_bit_for_bit() {
        // d = 3 features of 8 rows at stride 16 (offset 8 inside), 11 centres (two groups of
        // four and three single ones), the last two copies of centre 1 (ties: the lowest index
        // must win), folded in two batches as the assignment does.
        let (d, stride, k) = (3usize, 16usize, 11usize);
        let xt = grid(d * stride, 7);
        let mut c = grid(k * d, 11);
        for copy in [9usize, 10] {
            c.copy_within(d..2 * d, copy * d);
        }
        let mut fast = ([f64::INFINITY; ROWS], [0usize; ROWS]);
        let mut slow = fast;
        for (first, batch) in [(0usize, &c[..6 * d]), (6, &c[6 * d..k * d])] {
            fold_nearest_f64(&xt[8..], stride, batch, d, first, &mut fast.0, &mut fast.1);
            fold_nearest_portable(&xt[8..], stride, batch, d, first, &mut slow.0, &mut slow.1);
        }
        assert_eq!(fast.1, slow.1);
        assert_eq!(fast.0.map(f64::to_bits), slow.0.map(f64::to_bits));
        // Against the plain per-row loop, with ties to the lowest index.
        for r in 0..ROWS {
            let mut best = (0usize, f64::INFINITY);
            for m in 0..k {
                let s: f64 = (0..d).map(|j| (xt[8 + j * stride + r] - c[m * d + j]).powi(2)).sum();
                if s < best.1 {
                    best = (m, s);
                }
            }
            assert_eq!((fast.1[r], fast.0[r]), best, "row {r}");
            assert!(fast.1[r] != 9 && fast.1[r] != 10, "a copy of centre 1 never wins over it");
        }
    }
}
