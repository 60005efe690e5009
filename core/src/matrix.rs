//! Row-major matrix views over caller slices: the shape travels with the data.

use crate::error::{Error, Result};
use crate::scalar::{Float, Real};

/// A read-only row-major `rows × cols` view.
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a, T> {
    data: &'a [T],
    rows: usize,
    cols: usize,
}

impl<'a, T> MatRef<'a, T> {
    /// Wraps `data` as `rows × cols`; fails if the length differs or a dimension is zero.
    pub fn new(data: &'a [T], rows: usize, cols: usize, what: &'static str) -> Result<Self> {
        check_shape(data.len(), rows, cols, what)?;
        Ok(Self { data, rows, cols })
    }
    /// Number of rows.
    #[inline]
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Number of columns.
    #[inline]
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// The whole buffer, row-major.
    #[inline]
    pub fn as_slice(&self) -> &'a [T] {
        self.data
    }
    /// Row `i`.
    #[inline]
    pub fn row(&self, i: usize) -> &'a [T] {
        &self.data[i * self.cols..(i + 1) * self.cols]
    }
    /// Iterator over rows.
    #[inline]
    pub fn row_iter(&self) -> core::slice::ChunksExact<'a, T> {
        self.data.chunks_exact(self.cols)
    }
    /// The view of `count` rows from row `first` (both within the matrix).
    #[cfg(feature = "alloc")]
    #[inline]
    pub(crate) fn row_block(&self, first: usize, count: usize) -> Self {
        debug_assert!(first + count <= self.rows);
        Self { data: &self.data[first * self.cols..(first + count) * self.cols], rows: count, cols: self.cols }
    }
}

/// A mutable row-major `rows × cols` view.
#[derive(Debug)]
pub struct MatMut<'a, T> {
    data: &'a mut [T],
    rows: usize,
    cols: usize,
}

impl<'a, T> MatMut<'a, T> {
    /// Wraps `data` as `rows × cols`; fails if the length differs or a dimension is zero.
    pub fn new(data: &'a mut [T], rows: usize, cols: usize, what: &'static str) -> Result<Self> {
        check_shape(data.len(), rows, cols, what)?;
        Ok(Self { data, rows, cols })
    }
    /// Number of rows.
    #[inline]
    pub fn rows(&self) -> usize {
        self.rows
    }
    /// Number of columns.
    #[inline]
    pub fn cols(&self) -> usize {
        self.cols
    }
    /// The whole buffer, row-major.
    #[inline]
    pub fn as_mut_slice(&mut self) -> &mut [T] {
        self.data
    }
    /// A read-only view of the same data.
    #[inline]
    pub fn as_ref(&self) -> MatRef<'_, T> {
        MatRef { data: self.data, rows: self.rows, cols: self.cols }
    }
    /// Row `i`, mutable.
    #[inline]
    pub fn row_mut(&mut self, i: usize) -> &mut [T] {
        &mut self.data[i * self.cols..(i + 1) * self.cols]
    }
}

fn check_shape(len: usize, rows: usize, cols: usize, what: &'static str) -> Result<()> {
    if rows == 0 || cols == 0 {
        return Err(Error::Empty { what });
    }
    let expected = rows.checked_mul(cols).ok_or(Error::ShapeMismatch { what, expected: usize::MAX, found: len })?;
    if len != expected {
        return Err(Error::ShapeMismatch { what, expected, found: len });
    }
    Ok(())
}

/// The feature-major row block that the blocked kernels (k-means assignment, the mixture E-
/// and M-steps) read, one contiguous run per feature so that their loops over rows vectorise.
///
/// Writes the `b = rows.len() / d` rows of the row-major block `rows` (`d` columns)
/// feature-major into `out`: `out[j·stride + r] = rows[r][j]` for `r < b`, and zeros in the
/// padding `b ≤ r < stride` (so a kernel may run over whole lane chunks). Requires
/// `stride ≥ b` and `out.len() ≥ d·stride`.
#[inline(always)]
pub(crate) fn transpose_block<T: Real>(rows: &[T], d: usize, stride: usize, out: &mut [T::Acc]) {
    let b = rows.len() / d.max(1);
    // Feature by feature: contiguous writes, the strided reads come from L1.
    for (j, run) in out.chunks_exact_mut(stride.max(1)).take(d).enumerate() {
        let (vals, pad) = run.split_at_mut(b.min(stride));
        for (o, v) in vals.iter_mut().zip(rows.get(j..).unwrap_or(&[]).iter().step_by(d)) {
            *o = v.to_acc();
        }
        pad.fill(<T::Acc as Float>::ZERO);
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

    #[test]
    fn shape_is_checked() {
        let d = [1.0f64; 6];
        assert!(MatRef::new(&d, 2, 3, "x").is_ok());
        assert_eq!(MatRef::new(&d, 4, 2, "x").unwrap_err(), Error::ShapeMismatch { what: "x", expected: 8, found: 6 });
        assert_eq!(MatRef::new(&d[..0], 0, 3, "x").unwrap_err(), Error::Empty { what: "x" });
        assert!(matches!(MatRef::new(&d, usize::MAX, 2, "x"), Err(Error::ShapeMismatch { .. })));
        let m = MatRef::new(&d, 3, 2, "x").unwrap();
        assert_eq!(m.row(2).len(), 2);
        assert_eq!(m.row_iter().count(), 3);
    }
}
