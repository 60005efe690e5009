//! Explicit AVX version of the f64 nearest-centre fold of [`super::nearest`], bit-identical to
//! the portable one (the same per-lane subtract, multiply and add in feature order, the same
//! strict comparison in centre order). Four centres are summed side by side (eight independent
//! accumulators over the two vectors of rows: the add latency is hidden and each feature is
//! loaded once for the four), and the argmin is kept in vector registers (the index as f64,
//! exact below 2⁵³) with a compare and two blends per centre.

use super::nearest::ROWS;
use core::arch::x86_64::*;

/// Centres summed side by side.
const GROUP: usize = 4;

/// The running argmin in registers: least distances and their indices, two vectors of 4 rows.
struct Running {
    best: [__m256d; 2],
    arg: [__m256d; 2],
}

/// Sums the distances of the rows (feature j at `xt[j * stride..][..ROWS]`) to the `G` centres
/// of `group` (rows of `d` values) and folds them into `run` as centres `first..first + G`.
///
/// SAFETY: the caller checked that `xt` holds `d` features of ROWS values and that `group`
/// holds `G * d` values.
#[inline]
#[target_feature(enable = "avx")]
unsafe fn fold_group<const G: usize>(
    xt: &[f64],
    stride: usize,
    group: &[f64],
    d: usize,
    first: usize,
    run: &mut Running,
) {
    let mut acc = [[_mm256_setzero_pd(); 2]; G];
    for j in 0..d {
        // SAFETY: j < d, so j·stride + ROWS ≤ len of xt, and g·d + j < G·d (caller).
        unsafe {
            let xp = xt.as_ptr().add(j * stride);
            let x = [_mm256_loadu_pd(xp), _mm256_loadu_pd(xp.add(4))];
            for (g, a) in acc.iter_mut().enumerate() {
                let c = _mm256_broadcast_sd(&*group.as_ptr().add(g * d + j));
                for (s, &v) in a.iter_mut().zip(&x) {
                    let t = _mm256_sub_pd(v, c);
                    *s = _mm256_add_pd(*s, _mm256_mul_pd(t, t));
                }
            }
        }
    }
    for (g, a) in acc.iter().enumerate() {
        let index = _mm256_set1_pd((first + g) as f64);
        for ((&s, bd), l) in a.iter().zip(run.best.iter_mut()).zip(run.arg.iter_mut()) {
            let closer = _mm256_cmp_pd::<_CMP_LT_OQ>(s, *bd);
            *bd = _mm256_blendv_pd(*bd, s, closer);
            *l = _mm256_blendv_pd(*l, index, closer);
        }
    }
}

/// The fold of every centre of `centres` (rows of `d` values, indices `first..`) into the
/// running argmin (`best`, `arg`) of the rows whose feature j is `xt[j * stride..][..ROWS]`.
///
/// SAFETY: the caller checked `d > 0` and that `xt` holds `d` features of ROWS values.
#[target_feature(enable = "avx")]
pub(crate) unsafe fn fold_nearest_avx_f64(
    xt: &[f64],
    stride: usize,
    centres: &[f64],
    d: usize,
    first: usize,
    best: &mut [f64; ROWS],
    arg: &mut [usize; ROWS],
) {
    let mut index_of = [0.0f64; ROWS];
    for (a, &l) in index_of.iter_mut().zip(arg.iter()) {
        *a = l as f64;
    }
    // SAFETY: `best` and `index_of` hold ROWS = 8 values each.
    let mut run = unsafe {
        Running {
            best: [_mm256_loadu_pd(best.as_ptr()), _mm256_loadu_pd(best.as_ptr().add(4))],
            arg: [_mm256_loadu_pd(index_of.as_ptr()), _mm256_loadu_pd(index_of.as_ptr().add(4))],
        }
    };
    let mut groups = centres.chunks_exact(GROUP * d);
    let mut index = first;
    for group in groups.by_ref() {
        // SAFETY: `group` holds GROUP·d values; the block was checked by the caller.
        unsafe { fold_group::<GROUP>(xt, stride, group, d, index, &mut run) };
        index += GROUP;
    }
    for centre in groups.remainder().chunks_exact(d) {
        // SAFETY: `centre` holds d values; the block was checked by the caller.
        unsafe { fold_group::<1>(xt, stride, centre, d, index, &mut run) };
        index += 1;
    }
    // SAFETY: `best` and `index_of` hold ROWS = 8 values each.
    unsafe {
        _mm256_storeu_pd(best.as_mut_ptr(), run.best[0]);
        _mm256_storeu_pd(best.as_mut_ptr().add(4), run.best[1]);
        _mm256_storeu_pd(index_of.as_mut_ptr(), run.arg[0]);
        _mm256_storeu_pd(index_of.as_mut_ptr().add(4), run.arg[1]);
    }
    for (l, a) in arg.iter_mut().zip(index_of) {
        *l = a as usize;
    }
}
