//! Many small fixed-T SwAV problems in one launch (SwAV per-GPU batch 64 × 3000, MGCA 72 × 500,
//! CAPI's one Sinkhorn per patch position): one cube per problem, the duals u (n) and v (k) in
//! shared memory, the kernel exp(σx/ε − M) (σ = +1 for similarities, −1 for costs; M the largest
//! σx/ε of the problem) recomputed from the scores on every pass instead of
//! stored (compute is free at these sizes; the launch latency is what the fusion removes).
//! Semantics are those of SwAV's `distributed_sinkhorn` with uniform marginals a = 1/n, b = 1/k:
//! T × (prototype step, sample step), codes_ij = G_ij v_j / Σ_l G_il v_l, plus the row arg-max.

use cubecl::prelude::*;

use super::reduce::{NEG_BIG, tree_max};

/// `scores` holds `problems` row-major n × k blocks back to back; `codes` likewise; `labels`
/// holds n entries per problem. The cube count is the number of problems; `max_n`, `max_k`
/// bound n and k (shared-memory sizes) and `block` is the cube size (a power of two);
/// `gain` = σ/ε.
#[cube(launch)]
pub fn swav_codes_batched<F: Float>(
    scores: &Array<F>,
    codes: &mut Array<F>,
    labels: &mut Array<u32>,
    n: usize,
    k: usize,
    gain: f32,
    iterations: u32,
    #[comptime] max_n: usize,
    #[comptime] max_k: usize,
    #[comptime] block: usize,
) {
    let t = UNIT_POS as usize;
    let base = CUBE_POS * n * k;
    let ie = F::cast_from(gain);
    let mut u = SharedMemory::<F>::new(max_n);
    let mut v = SharedMemory::<F>::new(max_k);
    let mut red = SharedMemory::<F>::new(block);
    // Largest exponent M of the problem: every kernel entry is ≤ 1.
    let mut m = F::new(NEG_BIG);
    let mut e = t;
    while e < n * k {
        m = F::max(m, scores[base + e] * ie);
        e += block;
    }
    red[t] = m;
    sync_cube();
    tree_max::<F>(&mut red, block);
    let gmax = red[0];
    let mut i = t;
    while i < n {
        u[i] = F::new(1.0);
        i += block;
    }
    sync_cube();
    let inv_n = F::new(1.0) / F::cast_from(n);
    let inv_k = F::new(1.0) / F::cast_from(k);
    for _ in 0..iterations {
        // Prototype step: v_j = (1/k) / Σ_i G_ij u_i.
        let mut j = t;
        while j < k {
            let mut acc = F::new(0.0);
            for i in 0..n {
                acc += F::exp(scores[base + i * k + j] * ie - gmax) * u[i];
            }
            v[j] = inv_k / acc;
            j += block;
        }
        sync_cube();
        // Sample step: u_i = (1/n) / Σ_j G_ij v_j.
        let mut i = t;
        while i < n {
            let mut acc = F::new(0.0);
            for j in 0..k {
                acc += F::exp(scores[base + i * k + j] * ie - gmax) * v[j];
            }
            u[i] = inv_n / acc;
            i += block;
        }
        sync_cube();
    }
    // Epilogue: codes_ij = n u_i G_ij v_j (rows sum to 1) and label_i = argmax_j G_ij v_j.
    let nf = F::cast_from(n);
    let mut i = t;
    while i < n {
        let mut best = F::new(NEG_BIG);
        let mut best_j = 0u32;
        for j in 0..k {
            let q = F::exp(scores[base + i * k + j] * ie - gmax) * v[j];
            codes[base + i * k + j] = nf * u[i] * q;
            if q > best {
                best = q;
                best_j = j as u32;
            }
        }
        labels[CUBE_POS * n + i] = best_j;
        i += block;
    }
}
