//! The feature-major row block that the blocked kernels (k-means assignment, the mixture E-
//! and M-steps) read: one contiguous run per feature, so that the inner loops over rows are
//! unit-stride and vectorise.

use crate::scalar::{Float, Real};

/// Writes the `b = rows.len() / d` rows of the row-major block `rows` (`d` columns)
/// feature-major into `out`: `out[j·stride + r] = rows[r][j]` for `r < b`, and zeros in the
/// padding `b ≤ r < stride` (so a kernel may run over whole lane chunks). Requires
/// `stride ≥ b` and `out.len() ≥ d·stride`.
#[inline(always)]
pub(crate) fn transpose_block<T: Real>(rows: &[T], d: usize, stride: usize, out: &mut [T::Acc]) {
    let b = rows.len() / d.max(1);
    for (r, row) in rows.chunks_exact(d.max(1)).enumerate() {
        for (j, v) in row.iter().enumerate() {
            out[j * stride + r] = v.to_acc();
        }
    }
    for j in 0..d {
        out[j * stride + b..(j + 1) * stride].fill(<T::Acc as Float>::ZERO);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_become_padded_feature_runs() {
        // Two rows of three features, padded to a stride of 4.
        let rows = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0];
        let mut out = [9.0f32; 12];
        transpose_block(&rows, 3, 4, &mut out);
        assert_eq!(out, [1.0, 4.0, 0.0, 0.0, 2.0, 5.0, 0.0, 0.0, 3.0, 6.0, 0.0, 0.0]);
        // Half-precision storage widens to f32; stride = b leaves no padding.
        let h = [half::f16::from_f32(0.5), half::f16::from_f32(-2.0)];
        let mut o = [7.0f32; 2];
        transpose_block(&h, 1, 2, &mut o);
        assert_eq!(o, [0.5, -2.0]);
    }
}
