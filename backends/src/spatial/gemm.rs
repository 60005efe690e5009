//! A bounds-checked f32 matrix product on slices through the `gemm` crate (the kernel burn's
//! `flex` backend uses), single-threaded: the convolution kernels parallelise over images.

/// An m × n matrix read from a slice: entry (i, j) at `i·row_stride + j·col_stride`.
#[derive(Clone, Copy)]
pub struct Strided<'a> {
    data: &'a [f32],
    rows: usize,
    cols: usize,
    row_stride: usize,
    col_stride: usize,
}

impl<'a> Strided<'a> {
    /// The row-major `rows × cols` matrix in `data`.
    ///
    /// # Panics
    /// If `data` holds fewer than `rows·cols` values.
    pub fn row_major(data: &'a [f32], rows: usize, cols: usize) -> Self {
        assert!(data.len() >= rows * cols, "matrix {rows}x{cols} needs {} values, has {}", rows * cols, data.len());
        Self { data, rows, cols, row_stride: cols, col_stride: 1 }
    }

    /// The transpose (no copy).
    pub fn transposed(self) -> Self {
        Self { rows: self.cols, cols: self.rows, row_stride: self.col_stride, col_stride: self.row_stride, ..self }
    }
}

/// `dst` (m × n, row-major with row stride `dst_stride`) = a·b, or += a·b when `accumulate`.
///
/// # Panics
/// If the inner dimensions differ or `dst` is too short for m rows of stride `dst_stride`.
pub fn gemm(dst: &mut [f32], dst_stride: usize, a: Strided<'_>, b: Strided<'_>, accumulate: bool) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    assert_eq!(k, b.rows, "inner dimensions {k} and {}", b.rows);
    assert!(n <= dst_stride && (m == 0 || dst.len() >= (m - 1) * dst_stride + n), "destination too short");
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 {
        if !accumulate {
            dst.chunks_mut(dst_stride).take(m).for_each(|row| row[..n].fill(0.0));
        }
        return;
    }
    // SAFETY: every index the product touches is in bounds: a's and b's largest offsets are
    // (rows − 1)·row_stride + (cols − 1)·col_stride < len (checked by `Strided::row_major`,
    // and transposing swaps both pairs), dst's is (m − 1)·dst_stride + n − 1 < dst.len()
    // (checked above); dst does not alias a or b (it is borrowed mutably).
    unsafe {
        gemm::gemm(
            m,
            n,
            k,
            dst.as_mut_ptr(),
            1,
            dst_stride as isize,
            accumulate,
            a.data.as_ptr(),
            a.col_stride as isize,
            a.row_stride as isize,
            b.data.as_ptr(),
            b.col_stride as isize,
            b.row_stride as isize,
            1.0f32,
            1.0f32,
            false,
            false,
            false,
            gemm::Parallelism::None,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn products_of_plain_and_transposed_operands() {
        let a = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]; // 2 × 3
        let b = [1.0, 0.0, -1.0, 2.0, 0.5, 1.0]; // 3 × 2
        let mut c = [9.0f32; 4];
        gemm(&mut c, 2, Strided::row_major(&a, 2, 3), Strided::row_major(&b, 3, 2), false);
        assert_eq!(c, [0.5, 7.0, 2.0, 16.0]);
        // aᵀ·aᵀᵀ = aᵀa (3 × 3), accumulated onto ones, in a destination of row stride 4.
        let mut d = [1.0f32; 12];
        let at = Strided::row_major(&a, 2, 3).transposed();
        gemm(&mut d, 4, at, Strided::row_major(&a, 2, 3), true);
        assert_eq!(&d[..3], &[18.0, 23.0, 28.0]);
        assert_eq!(d[3], 1.0, "the padding column is untouched");
        assert_eq!(&d[8..11], &[28.0, 37.0, 46.0]);
    }
}
