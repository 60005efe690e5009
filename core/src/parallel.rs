//! Row-parallel execution of the kernels whose rows are independent (the E-step's weighted log
//! densities, the k-means assignment). With the `parallel` feature the rows are cut into fixed
//! chunks of [`CHUNK_ROWS`] and rayon runs the same sequential kernel on each chunk; without it
//! the kernel runs once over all rows. Every row's arithmetic is the same either way, and the
//! callers take any sum over the rows afterwards in row order, so results are bit-identical for
//! every thread count and to the build without the feature.

use crate::matrix::MatRef;

/// Rows per parallel task (a multiple of every kernel's row block).
#[cfg_attr(not(feature = "parallel"), allow(dead_code))]
pub(crate) const CHUNK_ROWS: usize = 1024;

/// Runs `kernel(x_rows, out_rows)` over matching row chunks of `x` and of `out`
/// (`out_width` values per row of `x`).
pub(crate) fn for_row_chunks<T: Sync, O: Send>(
    x: MatRef<'_, T>,
    out: &mut [O],
    out_width: usize,
    kernel: impl Fn(MatRef<'_, T>, &mut [O]) + Sync,
) {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        if x.rows() > CHUNK_ROWS && out_width > 0 {
            out.par_chunks_mut(CHUNK_ROWS * out_width).enumerate().for_each(|(c, o)| {
                let first = c * CHUNK_ROWS;
                kernel(x.row_block(first, (x.rows() - first).min(CHUNK_ROWS)), o)
            });
            return;
        }
    }
    let _ = out_width;
    kernel(x, out)
}

/// [`for_row_chunks`] with two outputs (`width_a` and `width_b` values per row of `x`).
pub(crate) fn for_row_chunks2<T: Sync, A: Send, B: Send>(
    x: MatRef<'_, T>,
    a: &mut [A],
    width_a: usize,
    b: &mut [B],
    width_b: usize,
    kernel: impl Fn(MatRef<'_, T>, &mut [A], &mut [B]) + Sync,
) {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        if x.rows() > CHUNK_ROWS && width_a > 0 && width_b > 0 {
            a.par_chunks_mut(CHUNK_ROWS * width_a).zip(b.par_chunks_mut(CHUNK_ROWS * width_b)).enumerate().for_each(
                |(c, (a, b))| {
                    let first = c * CHUNK_ROWS;
                    kernel(x.row_block(first, (x.rows() - first).min(CHUNK_ROWS)), a, b)
                },
            );
            return;
        }
    }
    let _ = (width_a, width_b);
    kernel(x, a, b)
}
