//! Row-parallel execution: the kernels whose rows are independent (the E-step's weighted log
//! densities, the k-means assignment) and the M-step's sums over the rows. With the `parallel`
//! feature the rows are cut into fixed chunks of [`CHUNK_ROWS`] and rayon runs the same
//! sequential kernel on each chunk; without it the kernel runs once over all rows (independent
//! rows) or over the same chunks one after the other (sums, whose chunk partials are added in
//! chunk order either way). Every row's arithmetic and every addition is the same in both
//! builds, so results are bit-identical for every thread count and to the build without the
//! feature.

use crate::matrix::MatRef;

/// Rows per parallel task (a multiple of every kernel's row block).
#[cfg_attr(not(feature = "parallel"), allow(dead_code))]
pub(crate) const CHUNK_ROWS: usize = 1024;

/// Runs `kernel(x_rows, out_rows)` over matching row chunks of `x` and of `out`
/// (`out_width` values per row of `x`).
#[cfg(feature = "alloc")]
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

/// Runs `kernel(a_rows, b_rows, c_rows)` over matching chunks of `rows` rows of three
/// row-major buffers (`wa`, `wb`, `wc` values per row): row-independent in-place passes.
#[cfg(feature = "alloc")]
pub(crate) fn for_rows_mut3<A: Send, B: Send, C: Send>(
    rows: usize,
    (a, wa): (&mut [A], usize),
    (b, wb): (&mut [B], usize),
    (c, wc): (&mut [C], usize),
    kernel: impl Fn(&mut [A], &mut [B], &mut [C]) + Sync,
) {
    #[cfg(feature = "parallel")]
    {
        use rayon::prelude::*;
        if rows > CHUNK_ROWS && wa > 0 && wb > 0 && wc > 0 {
            a.par_chunks_mut(CHUNK_ROWS * wa)
                .zip(b.par_chunks_mut(CHUNK_ROWS * wb))
                .zip(c.par_chunks_mut(CHUNK_ROWS * wc))
                .for_each(|((a, b), c)| kernel(a, b, c));
            return;
        }
    }
    let _ = (rows, wa, wb, wc);
    kernel(a, b, c)
}

/// Chunk partials computed at once (bounds the memory of the chunked sums to this many
/// partial vectors).
#[cfg(feature = "parallel")]
const WAVE: usize = 64;

/// Σ over the fixed row chunks of `x` (chunk c = rows `c·CHUNK_ROWS ..`) of
/// `partial(chunk_rows, first_row)`, each `len` values, added in chunk order to zeros: the row
/// sums of the M-step. The same driver as [`column_sums_by_chunks`] with chunks of
/// [`CHUNK_ROWS`] rows, so the sum is bit-identical for every thread count and to the build
/// without the feature.
#[cfg(feature = "alloc")]
pub(crate) fn sum_row_chunks<T: Sync, F: crate::scalar::Float>(
    x: MatRef<'_, T>,
    len: usize,
    partial: impl Fn(MatRef<'_, T>, usize) -> alloc::vec::Vec<F> + Sync,
) -> alloc::vec::Vec<F> {
    let mut total = alloc::vec![F::ZERO; len];
    let mut work = alloc::vec![F::ZERO; len];
    let pass = |first: usize, rows: usize, _: &mut [()], w: &mut [F]| {
        w.copy_from_slice(&partial(x.row_block(first, rows), first));
    };
    sums_by_chunks(x.rows(), CHUNK_ROWS, (&mut [][..], 0, 0), &mut total, &mut work, pass, |()| {});
    total
}

/// Rows of one chunk of the column-summing passes of an `n × k` matrix: about 2¹⁸ entries
/// (a multiple of 8 rows), fixed by `k` alone so that the summation order never depends on
/// the thread count.
pub(crate) fn column_chunk_rows(k: usize) -> usize {
    ((1usize << 18) / k.max(1)).div_ceil(8) * 8
}

/// Runs a column-summing row pass over the fixed row chunks of [`column_chunk_rows`]`(k)`:
/// `pass(first_row, rows, out_rows, work)` sees the chunk's rows `first_row ..` (`rows` of
/// them), the slice of `out` of those among them at or after row `out_from` (`out` holds
/// rows `out_from ..`, `width` values per row; empty when `width` is 0) and a work
/// buffer of `work.len()` values whose first `sums.len()` are zeroed and receive the chunk's
/// column sums (the rest is the pass's own scratch). `sums` becomes Σ over chunks of those
/// partials, added in chunk order, and `fold` sees every chunk's result in chunk order. The
/// chunks of a wave of [`WAVE`] run in parallel with the `parallel` feature (each with its own
/// work buffer) and one after the other in `work` without it: the same additions either way,
/// so the result is bit-identical for every thread count and to the build without the feature.
pub(crate) fn column_sums_by_chunks<F: crate::scalar::Float, O: Send, S: Send>(
    rows: usize,
    out: (&mut [O], usize, usize),
    sums: &mut [F],
    work: &mut [F],
    pass: impl Fn(usize, usize, &mut [O], &mut [F]) -> S + Sync,
    fold: impl FnMut(S),
) {
    sums_by_chunks(rows, column_chunk_rows(sums.len()), out, sums, work, pass, fold);
}

/// The driver of [`column_sums_by_chunks`] and [`sum_row_chunks`] over chunks of `step` rows.
fn sums_by_chunks<F: crate::scalar::Float, O: Send, S: Send>(
    rows: usize,
    step: usize,
    (out, width, out_from): (&mut [O], usize, usize),
    sums: &mut [F],
    work: &mut [F],
    pass: impl Fn(usize, usize, &mut [O], &mut [F]) -> S + Sync,
    mut fold: impl FnMut(S),
) {
    let k = sums.len();
    sums.fill(F::ZERO);
    // The out rows of the chunk starting at `first`.
    let out_rows = |first: usize| (first + step).min(rows).saturating_sub(first.max(out_from)) * width;
    let add = |sums: &mut [F], part: &[F]| {
        for (t, &v) in sums.iter_mut().zip(part) {
            *t += v;
        }
    };
    // One thread: the same chunks in order, without rayon's task overhead (small solves
    // iterate this in well under a millisecond).
    #[cfg(feature = "parallel")]
    if rows > step && rayon::current_num_threads() > 1 {
        use rayon::prelude::*;
        let chunks = rows.div_ceil(step);
        let mut outs: alloc::vec::Vec<&mut [O]> = alloc::vec::Vec::with_capacity(chunks);
        let mut rest = out;
        for c in 0..chunks {
            let at = out_rows(c * step).min(rest.len());
            let (o, tail) = core::mem::take(&mut rest).split_at_mut(at);
            outs.push(o);
            rest = tail;
        }
        let wlen = work.len();
        for wave in (0..chunks).step_by(WAVE) {
            let end = (wave + WAVE).min(chunks);
            let results: alloc::vec::Vec<(alloc::vec::Vec<F>, S)> = outs[wave..end]
                .par_iter_mut()
                .enumerate()
                .map(|(i, o)| {
                    let first = (wave + i) * step;
                    let mut w = alloc::vec![F::ZERO; wlen];
                    let s = pass(first, step.min(rows - first), o, &mut w);
                    (w, s)
                })
                .collect();
            for (w, s) in results {
                add(sums, &w[..k]);
                fold(s);
            }
        }
        return;
    }
    let mut first = 0;
    let mut rest = out;
    while first < rows {
        let n = step.min(rows - first);
        let at = out_rows(first).min(rest.len());
        let (o, tail) = core::mem::take(&mut rest).split_at_mut(at);
        rest = tail;
        work[..k].fill(F::ZERO);
        let s = pass(first, n, o, work);
        add(sums, &work[..k]);
        fold(s);
        first += n;
    }
}
