//! Log-domain Sinkhorn (Schmitzer, SIAM J. Sci. Comput. 2019; Peyré &
//! Cuturi, Computational OT, Alg. 4.2 in the log domain), on the gain S = σx (σ = +1 for a
//! similarity, −1 for a cost, clasp-core's `ScoreKind`):
//!
//!   g_j ← ε log b_j − ε LSE_i((S_ij + f_i)/ε),   f_i ← ε log a_i − ε LSE_j((S_ij + g_j)/ε),
//!   Q_ij = exp((S_ij + f_i + g_j)/ε).
//!
//! Same fused structure as the scaling form: one row pass computes f for a block of rows with
//! max-shifted (online) log-sum-exps and, from the same tile, each column's partial
//! (max, Σ exp) pair; a column finalise merges the partials into g.

use cubecl::prelude::*;

use super::reduce::{NEG_BIG, tree_lse};

/// Fused row pass over `rows_per_cube` rows. Unless `first` (then f = 0 is used and kept):
/// f_i ← ε log a_i − ε LSE_j((S_ij + g_j)/ε). Always: per column j the block's partial
/// `(m, s)` with LSE_{i∈block}((S_ij + f_i)/ε) = m + ln s, written to `col_m`, `col_s`
/// at `cube * cols + j`.
#[cube(launch)]
pub fn log_row_pass<F: Float>(
    scores: &Array<F>,
    g: &Array<F>,
    log_a: &Array<F>,
    f: &mut Array<F>,
    col_m: &mut Array<F>,
    col_s: &mut Array<F>,
    rows: usize,
    cols: usize,
    eps: f32,
    sign: f32,
    #[comptime] rows_per_cube: usize,
    #[comptime] block: usize,
    #[comptime] first: bool,
) {
    let t = UNIT_POS as usize;
    let e = F::cast_from(eps);
    let ie = F::new(1.0) / e;
    let sg = F::cast_from(sign);
    let row0 = CUBE_POS * rows_per_cube;
    let mut fblock = SharedMemory::<F>::new(rows_per_cube);
    if first {
        if t < rows_per_cube {
            fblock[t] = F::new(0.0);
            let row = row0 + t;
            if row < rows {
                f[row] = F::new(0.0);
            }
        }
    } else {
        let mut sm = SharedMemory::<F>::new(rows_per_cube * block);
        let mut ss = SharedMemory::<F>::new(rows_per_cube * block);
        for r in 0..rows_per_cube {
            let row = row0 + r;
            let mut m = F::new(NEG_BIG);
            let mut s = F::new(0.0);
            if row < rows {
                let base = row * cols;
                let mut c = t;
                while c < cols {
                    let x = (scores[base + c] * sg + g[c]) * ie;
                    if x > m {
                        s = s * F::exp(m - x) + F::new(1.0);
                        m = x;
                    } else {
                        s += F::exp(x - m);
                    }
                    c += block;
                }
            }
            sm[r * block + t] = m;
            ss[r * block + t] = s;
        }
        sync_cube();
        tree_lse::<F>(&mut sm, &mut ss, rows_per_cube, block);
        if t < rows_per_cube {
            let row = row0 + t;
            let mut fi = F::new(0.0);
            if row < rows {
                fi = e * (log_a[row] - sm[t * block] - F::ln(ss[t * block]));
                f[row] = fi;
            }
            fblock[t] = fi;
        }
    }
    sync_cube();
    let mut c = t;
    while c < cols {
        let mut m = F::new(NEG_BIG);
        let mut s = F::new(0.0);
        for r in 0..rows_per_cube {
            let row = row0 + r;
            if row < rows {
                let x = (scores[row * cols + c] * sg + fblock[r]) * ie;
                if x > m {
                    s = s * F::exp(m - x) + F::new(1.0);
                    m = x;
                } else {
                    s += F::exp(x - m);
                }
            }
        }
        col_m[CUBE_POS * cols + c] = m;
        col_s[CUBE_POS * cols + c] = s;
        c += block;
    }
}

/// Column finalise: merges the partial pairs into L_j = LSE_i((S_ij + f_i)/ε), records the
/// prototype-marginal error of the current plan `col_err[j] = |exp(g_j/ε + L_j) − b_j|`, then
/// if `update`, g_j ← ε (log b_j − L_j). One unit per column.
#[cube(launch)]
pub fn log_col_finalise<F: Float>(
    col_m: &Array<F>,
    col_s: &Array<F>,
    log_b: &Array<F>,
    g: &mut Array<F>,
    col_err: &mut Array<F>,
    parts: usize,
    cols: usize,
    eps: f32,
    #[comptime] update: bool,
) {
    let j = ABSOLUTE_POS;
    if j < cols {
        let e = F::cast_from(eps);
        let mut m = F::new(NEG_BIG);
        for p in 0..parts {
            m = F::max(m, col_m[p * cols + j]);
        }
        let mut s = F::new(0.0);
        for p in 0..parts {
            s += col_s[p * cols + j] * F::exp(col_m[p * cols + j] - m);
        }
        let l = m + F::ln(s);
        col_err[j] = F::abs(F::exp(g[j] / e + l) - F::exp(log_b[j]));
        if update {
            g[j] = e * (log_b[j] - l);
        }
    }
}

/// Plan / codes epilogue: `out_ij = exp((S_ij + f_i + g_j)/ε − shift_i)` with
/// `shift_i = log_a[i]` for codes (rows sum to 1) or 0 for the plan (`codes` selects).
#[cube(launch)]
pub fn log_plan<F: Float>(
    scores: &Array<F>,
    f: &Array<F>,
    g: &Array<F>,
    log_a: &Array<F>,
    out: &mut Array<F>,
    rows: usize,
    cols: usize,
    eps: f32,
    sign: f32,
    #[comptime] codes: bool,
) {
    let e = ABSOLUTE_POS;
    if e < rows * cols {
        let i = e / cols;
        let j = e % cols;
        let x = (scores[e] * F::cast_from(sign) + f[i] + g[j]) / F::cast_from(eps);
        if codes {
            out[e] = F::exp(x - log_a[i]);
        } else {
            out[e] = F::exp(x);
        }
    }
}
