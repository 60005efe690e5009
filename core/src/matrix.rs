//! Row-major matrix views over caller slices: the shape travels with the data.

use crate::error::{Error, Result};

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

#[cfg(test)]
mod tests {
    use super::*;

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
