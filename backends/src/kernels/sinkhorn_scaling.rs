//! Sinkhorn in scaling ("kernel") form with a stored max-shifted kernel (Cuturi 2013):
//! one exp pass, then per iteration one fused row pass (sample step u_i = a_i / Σ_j G_ij v_j with the
//! column partials Σ_{i∈block} G_ij u_i of the same row block accumulated in the same pass) and a
//! small column finalise (prototype step v_j = b_j / Σ_i G_ij u_i). Prototypes first, samples last,
//! as SwAV's `distributed_sinkhorn` (Caron et al., NeurIPS 2020, Eq. 3 and Alg. 1).

use cubecl::prelude::*;

use super::reduce::{NEG_BIG, tree_max, tree_sum};

/// Exp pass with a per-row max shift: `m_i = max_j S_ij`, `G_ij = exp((S_ij − m_i)/ε)`.
/// The shift is folded into u (G = diag(e^{−m/ε}) exp(S/ε)), so every kernel row holds a 1
/// and never underflows as a whole. One cube of `block` units per row of a block of `rows` rows
/// whose first row is `row0` of the whole matrix (`row_max` is indexed globally).
#[cube(launch)]
pub fn exp_rows<F: Float>(
    scores: &Array<F>,
    kernel: &mut Array<F>,
    row_max: &mut Array<F>,
    rows: usize,
    cols: usize,
    row0: usize,
    inv_eps: f32,
    #[comptime] block: usize,
) {
    let row = CUBE_POS;
    if row < rows {
        let t = UNIT_POS as usize;
        let base = row * cols;
        let mut shared = SharedMemory::<F>::new(block);
        let mut m = F::new(NEG_BIG);
        let mut c = t;
        while c < cols {
            m = F::max(m, scores[base + c]);
            c += block;
        }
        shared[t] = m;
        sync_cube();
        tree_max::<F>(&mut shared, block);
        let rm = shared[0];
        let ie = F::cast_from(inv_eps);
        let mut c = t;
        while c < cols {
            kernel[base + c] = F::exp((scores[base + c] - rm) * ie);
            c += block;
        }
        if t == 0 {
            row_max[row0 + row] = rm;
        }
    }
}

/// Initial sample scaling that undoes the row shifts up to one global factor:
/// `u_i = exp((m_i − M)/ε)` with `M = max_i m_i` in `global_max[0]`, so that u ∘ G equals
/// exp((S − M)/ε), the globally shifted kernel SwAV starts from (a common factor cancels).
#[cube(launch)]
pub fn init_row_scaling<F: Float>(row_max: &Array<F>, global_max: &Array<F>, u: &mut Array<F>, inv_eps: f32) {
    let i = ABSOLUTE_POS;
    if i < u.len() {
        u[i] = F::exp((row_max[i] - global_max[0]) * F::cast_from(inv_eps));
    }
}

/// Fused Gauss–Seidel row pass over a block of `rows_per_cube` rows.
/// Unless `first`: u_i ← a_i / Σ_j G_ij v_j for the block's rows (tree sums in shared memory).
/// Always: `col_partial[cube * cols + j] = Σ_{i ∈ block} G_ij u_i` (each unit owns strided columns),
/// which the column finalise sums over cubes. The block is read twice, the second time from cache.
/// `kernel` holds `rows` rows starting at row `row0` of the matrix (u and a are indexed globally)
/// and this launch's partials start at cube `part0`.
#[cube(launch)]
pub fn scaling_row_pass<F: Float>(
    kernel: &Array<F>,
    v: &Array<F>,
    a: &Array<F>,
    u: &mut Array<F>,
    col_partial: &mut Array<F>,
    rows: usize,
    cols: usize,
    row0: usize,
    part0: usize,
    #[comptime] rows_per_cube: usize,
    #[comptime] block: usize,
    #[comptime] first: bool,
) {
    let t = UNIT_POS as usize;
    let local0 = CUBE_POS * rows_per_cube;
    let mut sums = SharedMemory::<F>::new(rows_per_cube * block);
    let mut ublock = SharedMemory::<F>::new(rows_per_cube);
    if first {
        if t < rows_per_cube {
            let row = local0 + t;
            ublock[t] = if row < rows { u[row0 + row] } else { F::new(0.0) };
        }
    } else {
        for r in 0..rows_per_cube {
            let row = local0 + r;
            let mut acc = F::new(0.0);
            if row < rows {
                let base = row * cols;
                let mut c = t;
                while c < cols {
                    acc += kernel[base + c] * v[c];
                    c += block;
                }
            }
            sums[r * block + t] = acc;
        }
        sync_cube();
        tree_sum::<F>(&mut sums, rows_per_cube, block);
        if t < rows_per_cube {
            let row = local0 + t;
            let mut ui = F::new(0.0);
            if row < rows {
                ui = a[row0 + row] / sums[t * block];
                u[row0 + row] = ui;
            }
            ublock[t] = ui;
        }
    }
    sync_cube();
    let mut c = t;
    while c < cols {
        let mut acc = F::new(0.0);
        for r in 0..rows_per_cube {
            let row = local0 + r;
            if row < rows {
                acc += kernel[row * cols + c] * ublock[r];
            }
        }
        col_partial[(part0 + CUBE_POS) * cols + c] = acc;
        c += block;
    }
}

/// Column finalise (prototype step): `c_j = Σ_p col_partial[p * cols + j]` (= (Gᵀu)_j),
/// `col_mass[j] = v_j c_j` (the prototype marginal of the current plan, before the step), then,
/// if `update`, `v_j ← b_j / c_j` (0 for a column whose kernel underflowed entirely, which then
/// receives no mass, as in clasp-core). One unit per column.
#[cube(launch)]
pub fn scaling_col_finalise<F: Float>(
    col_partial: &Array<F>,
    b: &Array<F>,
    v: &mut Array<F>,
    col_mass: &mut Array<F>,
    parts: usize,
    cols: usize,
    #[comptime] update: bool,
) {
    let j = ABSOLUTE_POS;
    if j < cols {
        let mut c = F::new(0.0);
        for p in 0..parts {
            c += col_partial[p * cols + j];
        }
        col_mass[j] = v[j] * c;
        if update {
            v[j] = if c > F::new(0.0) { b[j] / c } else { F::new(0.0) };
        }
    }
}

/// Codes epilogue: `codes_ij = u_i G_ij v_j / a_i` (each row of the plan rescaled to sum to 1
/// after a sample step; SwAV's `B · Q`) over a block of `rows` rows starting at row `row0`.
/// One unit per entry.
#[cube(launch)]
pub fn scaling_codes<F: Float>(
    kernel: &Array<F>,
    u: &Array<F>,
    v: &Array<F>,
    a: &Array<F>,
    codes: &mut Array<F>,
    rows: usize,
    cols: usize,
    row0: usize,
) {
    let e = ABSOLUTE_POS;
    if e < rows * cols {
        let i = row0 + e / cols;
        let j = e % cols;
        codes[e] = u[i] * kernel[e] * v[j] / a[i];
    }
}
