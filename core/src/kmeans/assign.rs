//! Nearest-centre assignment: for each row xᵢ, labelᵢ = argmin_k ‖xᵢ − c_k‖² (ties to the
//! lowest k, as scikit-learn's `argmin`) and distanceᵢ = that squared distance.
//!
//! No allocation: rows are processed in blocks transposed into a fixed stack buffer; within a
//! block, chunks of 8 rows keep their running distances to the centres in registers over the
//! features (vectorised across the rows, fused with the running argmin: [`Float::fold_nearest`],
//! explicit AVX code for f64), so the data is read once per pass and nothing but the final
//! label and distance is stored. The sum over the features runs in feature order, as the
//! plain per-row loop. Used by Lloyd's k-means, by the GMM/SDP modules, and as the CPU
//! reference of the GPU assignment kernel.

use crate::error::{Error, Result};
use crate::matrix::MatRef;
use crate::matrix::transpose_block;
use crate::parallel::for_row_chunks2;
use crate::scalar::{Float, Real};
use crate::simd::simd_dispatch;
use crate::validate;

/// Elements of the stack block buffer (rows per block × features).
const BLOCK_ELEMS: usize = 2048;
/// Rows per block at most.
const BLOCK_ROWS: usize = 64;
/// Rows whose distances are accumulated together in registers ([`Float::fold_nearest`]).
const LANES: usize = 8;
/// Elements of the stack buffer of centres in the compute type.
const CENTRE_ELEMS: usize = 1024;

/// Assigns every row of `x` (n × d) to its nearest row of `centers` (k × d), writing
/// `labels` (n) and the squared distances `distances` (n). Returns the inertia Σᵢ distanceᵢ
/// (summed in row order).
///
/// Errors: shape mismatch between `x` and `centers` or the output lengths, non-finite
/// entries. Outputs are untouched on `Err`.
pub fn kmeans_assign<T: Real, C: Real<Acc = T::Acc>>(
    x: MatRef<'_, T>,
    centers: MatRef<'_, C>,
    labels: &mut [usize],
    distances: &mut [T::Acc],
) -> Result<T::Acc> {
    let (n, d) = (x.rows(), x.cols());
    if centers.cols() != d {
        return Err(Error::ShapeMismatch {
            what: "centers",
            expected: centers.rows() * d,
            found: centers.as_slice().len(),
        });
    }
    validate::len(labels, n, "labels")?;
    validate::len(distances, n, "distances")?;
    validate::finite(x.as_slice(), "x")?;
    validate::finite(centers.as_slice(), "centers")?;
    assign_unchecked(x, centers, labels, distances);
    Ok(distances.iter().fold(<T::Acc as Float>::ZERO, |s, &v| s + v))
}

/// [`kmeans_assign`] without validation (shapes must already agree) and without the inertia:
/// the rows in parallel chunks ([`crate::parallel`]).
pub(crate) fn assign_unchecked<T: Real, C: Real<Acc = T::Acc>>(
    x: MatRef<'_, T>,
    centers: MatRef<'_, C>,
    labels: &mut [usize],
    distances: &mut [T::Acc],
) {
    for_row_chunks2(x, labels, 1, distances, 1, |x, l, d| assign_rows(x, centers, l, d));
}

simd_dispatch! {
    /// The assignment of a run of rows; AVX2 when available (element-wise kernels: identical
    /// results).
    fn assign_rows<T: Real, C: Real<Acc = T::Acc>>(
        x: MatRef<'_, T>,
        centers: MatRef<'_, C>,
        labels: &mut [usize],
        distances: &mut [T::Acc],
    ) -> () => assign_body
}

#[inline(always)]
fn assign_body<T: Real, C: Real<Acc = T::Acc>>(
    x: MatRef<'_, T>,
    centers: MatRef<'_, C>,
    labels: &mut [usize],
    distances: &mut [T::Acc],
) {
    let d = x.cols();
    let zero = <T::Acc as Float>::ZERO;
    let rows_per_block = (BLOCK_ELEMS / d).min(BLOCK_ROWS);
    if rows_per_block < 8 {
        // Wide data: one row at a time.
        for ((row, label), dist) in x.row_iter().zip(labels.iter_mut()).zip(distances.iter_mut()) {
            let mut best = (0usize, <T::Acc as Float>::INFINITY);
            for (k, c) in centers.row_iter().enumerate() {
                let s: T::Acc = row
                    .iter()
                    .zip(c)
                    .map(|(a, b)| {
                        let t = a.to_acc() - b.to_acc();
                        t * t
                    })
                    .sum();
                if s < best.1 {
                    best = (k, s);
                }
            }
            *label = best.0;
            *dist = best.1;
        }
        return;
    }
    // Whole chunks of LANES rows per block; the last block is zero-padded to a whole chunk.
    let rows_per_block = rows_per_block / LANES * LANES;
    let centres_per_batch = (CENTRE_ELEMS / d).max(1);
    let mut xt = [zero; BLOCK_ELEMS];
    let mut ct = [zero; CENTRE_ELEMS];
    let xs = x.as_slice();
    for ((rows, lab), dis) in
        xs.chunks(rows_per_block * d).zip(labels.chunks_mut(rows_per_block)).zip(distances.chunks_mut(rows_per_block))
    {
        let b = lab.len();
        let stride = b.div_ceil(LANES) * LANES;
        transpose_block(rows, d, stride, &mut xt);
        let mut best = [[<T::Acc as Float>::INFINITY; LANES]; BLOCK_ROWS / LANES];
        let mut arg = [[0usize; LANES]; BLOCK_ROWS / LANES];
        // The centres in batches converted to the compute type, each folded into every chunk's
        // running argmin in centre order.
        for (batch, cs) in centers.as_slice().chunks(centres_per_batch * d).enumerate() {
            for (o, v) in ct.iter_mut().zip(cs) {
                *o = v.to_acc();
            }
            let first = batch * centres_per_batch;
            for (at, (bd, l)) in (0..stride).step_by(LANES).zip(best.iter_mut().zip(arg.iter_mut())) {
                <T::Acc as Float>::fold_nearest(&xt[at..], stride, &ct[..cs.len()], d, first, bd, l);
            }
        }
        for ((lab, dis), (bd, l)) in lab.chunks_mut(LANES).zip(dis.chunks_mut(LANES)).zip(best.iter().zip(&arg)) {
            lab.copy_from_slice(&l[..lab.len()]);
            dis.copy_from_slice(&bd[..dis.len()]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_centre_with_ties_to_lowest() {
        let x = [0.0f64, 0.0, 1.0, 0.0, 5.0, 5.0];
        let c = [0.5f64, 0.0, 5.0, 5.0];
        let mut l = [9usize; 3];
        let mut d = [0.0f64; 3];
        let inertia =
            kmeans_assign(MatRef::new(&x, 3, 2, "x").unwrap(), MatRef::new(&c, 2, 2, "c").unwrap(), &mut l, &mut d)
                .unwrap();
        assert_eq!(l, [0, 0, 1]);
        assert_eq!(d, [0.25, 0.25, 0.0]);
        assert_eq!(inertia, 0.5);
    }

    #[test]
    fn blocked_and_rowwise_paths_agree() {
        // 100 rows of 3 features (blocked) and 100 rows of 300 features (row-wise).
        for d in [3usize, 300] {
            let xs: alloc_free_vec::V = alloc_free_vec::make(100 * d);
            let cs: alloc_free_vec::V = alloc_free_vec::make(4 * d);
            let xm = MatRef::new(&xs.0[..100 * d], 100, d, "x").unwrap();
            let cm = MatRef::new(&cs.0[..4 * d], 4, d, "c").unwrap();
            let mut l = [0usize; 100];
            let mut dist = [0.0f64; 100];
            kmeans_assign(xm, cm, &mut l, &mut dist).unwrap();
            for i in 0..100 {
                let mut best = (0, f64::INFINITY);
                for k in 0..4 {
                    let s = crate::ops::sq_dist(xm.row(i), cm.row(k));
                    if s < best.1 {
                        best = (k, s);
                    }
                }
                assert_eq!(l[i], best.0);
                assert!((dist[i] - best.1).abs() <= 1e-12 * best.1.max(1.0));
            }
        }
    }

    #[test]
    fn bad_input_is_rejected_without_writing() {
        let x = [0.0f64, f64::NAN];
        let c = [0.0f64, 0.0];
        let mut l = [7usize; 1];
        let mut d = [3.0f64; 1];
        let xm = MatRef::new(&x, 1, 2, "x").unwrap();
        let cm = MatRef::new(&c, 1, 2, "c").unwrap();
        assert_eq!(kmeans_assign(xm, cm, &mut l, &mut d), Err(Error::NonFinite { what: "x", index: 1 }));
        assert_eq!((l[0], d[0]), (7, 3.0));
        let c3 = [0.0f64; 3];
        assert!(kmeans_assign(xm, MatRef::new(&c3, 1, 3, "c").unwrap(), &mut l, &mut d).is_err());
        assert!(kmeans_assign(xm, cm, &mut [0usize; 2], &mut d).is_err());
    }

    /// A deterministic pseudo-random fixed buffer (no allocation in core tests without `alloc`).
    mod alloc_free_vec {
        pub struct V(pub [f64; 30000]);
        pub fn make(len: usize) -> V {
            let mut v = [0.0f64; 30000];
            let mut s = 0x9E37_79B9_7F4A_7C15u64;
            for e in v.iter_mut().take(len) {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                *e = (s >> 11) as f64 / (1u64 << 53) as f64 * 10.0 - 5.0;
            }
            V(v)
        }
    }
}
