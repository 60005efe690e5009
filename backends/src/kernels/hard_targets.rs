//! Hard-target epilogue (SIGMA, SeLa): label_i = argmax_j Q_ij without materialising Q. The
//! sample scaling does not change a row's arg-max, so it is argmax_j G_ij v_j in scaling form
//! and argmax_j (S_ij + g_j) in the log domain (SIGMA, Salehi et al. 2024); ties go to the lowest j.

use cubecl::prelude::*;

use super::reduce::{NEG_BIG, tree_argmax};

/// One cube of `block` units per row. `additive`: value = `matrix_ij + col_ij` (log domain,
/// `matrix` = S, `col` = g); otherwise value = `matrix_ij · col_j` (scaling form, `matrix` = G,
/// `col` = v). `matrix` holds `rows` rows starting at row `row0`; writes the arg-max index to
/// `labels[row0 + i]`.
#[cube(launch)]
pub fn row_argmax<F: Float>(
    matrix: &Array<F>,
    col: &Array<F>,
    labels: &mut Array<u32>,
    rows: usize,
    cols: usize,
    row0: usize,
    #[comptime] block: usize,
    #[comptime] additive: bool,
) {
    let row = CUBE_POS;
    if row < rows {
        let t = UNIT_POS as usize;
        let base = row * cols;
        let mut val = SharedMemory::<F>::new(block);
        let mut idx = SharedMemory::<u32>::new(block);
        let mut best = F::new(NEG_BIG);
        let none = cols as u32;
        let mut best_j = none;
        let mut c = t;
        while c < cols {
            let x = if additive { matrix[base + c] + col[c] } else { matrix[base + c] * col[c] };
            if x > best || best_j == none {
                best = x;
                best_j = c as u32;
            }
            c += block;
        }
        val[t] = best;
        idx[t] = best_j;
        sync_cube();
        tree_argmax::<F>(&mut val, &mut idx, block);
        if t == 0 {
            labels[row0 + row] = idx[0];
        }
    }
}
