//! The concave–convex bound update of Laplacian K-modes / LaplacianShot (Ziko et al., ICML 2018,
//! ICML 2020): with a sparse kNN affinity W in CSR form,
//!
//!   y_p ← softmax(−a_p + λ Σ_q w_pq y_q)          (Jacobi: all rows from the previous Y),
//!
//! row max-shifted, plus each row's term of the energy the update majorises (clasp-core's
//! `bound_energy`) E = Σ_pk [ y_pk log y_pk + a_pk y_pk − (λ/2) (W Y)_pk y_pk ] at the previous Y
//! (0 log 0 = 0).

use cubecl::prelude::*;

use super::reduce::NEG_BIG;

/// One unit per row p. `row_ptr` (n + 1), `col_idx`, `weights` are W in CSR; `a` and `y` are
/// n × k. Writes `energy[p]`, the row's energy term at Y, and if `step` the next iterate
/// `y_next` (n × k), whose rows before `fixed` are copied from Y (clasp-core's `fixed_rows`).
#[cube(launch)]
pub fn bound_update<F: Float>(
    row_ptr: &Array<u32>,
    col_idx: &Array<u32>,
    weights: &Array<F>,
    a: &Array<F>,
    y: &Array<F>,
    y_next: &mut Array<F>,
    energy: &mut Array<F>,
    n: usize,
    k: usize,
    fixed: usize,
    lambda: f32,
    #[comptime] step: bool,
) {
    let p = ABSOLUTE_POS;
    if p < n {
        let lam = F::cast_from(lambda);
        let start = row_ptr[p] as usize;
        let end = row_ptr[p + 1] as usize;
        let mut m = F::new(NEG_BIG);
        let mut e = F::new(0.0);
        for c in 0..k {
            let mut wy = F::new(0.0);
            for nz in start..end {
                wy += weights[nz] * y[col_idx[nz] as usize * k + c];
            }
            let yc = y[p * k + c];
            if yc > F::new(0.0) {
                e += yc * F::ln(yc);
            }
            e += yc * (a[p * k + c] - F::new(0.5) * lam * wy);
            if step {
                let z = lam * wy - a[p * k + c];
                y_next[p * k + c] = if p < fixed { yc } else { z };
                m = F::max(m, z);
            }
        }
        if step && p >= fixed {
            let mut s = F::new(0.0);
            for c in 0..k {
                let ez = F::exp(y_next[p * k + c] - m);
                y_next[p * k + c] = ez;
                s += ez;
            }
            for c in 0..k {
                y_next[p * k + c] = y_next[p * k + c] / s;
            }
        }
        energy[p] = e;
    }
}
