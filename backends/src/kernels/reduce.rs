//! Cube-level tree reductions in shared memory (no plane/subgroup operations, so they run on
//! lavapipe and every WGPU adapter) and the small single-cube reductions used between passes.

use cubecl::prelude::*;

/// Sentinel used instead of −∞ so that online log-sum-exp merges never compute `−∞ − (−∞)`.
pub const NEG_BIG: f32 = -1.0e30;

/// Sums `rows` interleaved accumulators of `block` entries each in place: afterwards
/// `shared[r * block]` holds Σ_t `shared[r * block + t]`. `block` must be a power of two and the
/// cube must have exactly `block` units. Every unit must call it (it synchronises the cube).
#[cube]
pub fn tree_sum<F: Float>(shared: &mut SharedMemory<F>, #[comptime] rows: usize, #[comptime] block: usize) {
    let t = UNIT_POS as usize;
    let mut active = block.runtime();
    while active > 1 {
        active /= 2;
        if t < active {
            for r in 0..rows {
                let dst = r * block + t;
                shared[dst] = shared[dst] + shared[dst + active];
            }
        }
        sync_cube();
    }
}

/// Maximum over a cube: afterwards `shared[0] = max_t shared[t]` (same contract as [`tree_sum`]
/// with one row).
#[cube]
pub fn tree_max<F: Float>(shared: &mut SharedMemory<F>, #[comptime] block: usize) {
    let t = UNIT_POS as usize;
    let mut active = block.runtime();
    while active > 1 {
        active /= 2;
        if t < active {
            shared[t] = F::max(shared[t], shared[t + active]);
        }
        sync_cube();
    }
}

/// Merges `rows` interleaved online log-sum-exp pairs `(max, scaled sum)` in place: afterwards
/// `m[r * block]`, `s[r * block]` describe the whole row, LSE = m + ln s.
#[cube]
pub fn tree_lse<F: Float>(
    m: &mut SharedMemory<F>,
    s: &mut SharedMemory<F>,
    #[comptime] rows: usize,
    #[comptime] block: usize,
) {
    let t = UNIT_POS as usize;
    let mut active = block.runtime();
    while active > 1 {
        active /= 2;
        if t < active {
            for r in 0..rows {
                let dst = r * block + t;
                let src = dst + active;
                let hi = F::max(m[dst], m[src]);
                s[dst] = s[dst] * F::exp(m[dst] - hi) + s[src] * F::exp(m[src] - hi);
                m[dst] = hi;
            }
        }
        sync_cube();
    }
}

/// Merges `(value, index)` pairs, keeping the largest value and, on ties, the lowest index.
/// Afterwards `val[0]`, `idx[0]` hold the cube's arg-max.
#[cube]
pub fn tree_argmax<F: Float>(val: &mut SharedMemory<F>, idx: &mut SharedMemory<u32>, #[comptime] block: usize) {
    let t = UNIT_POS as usize;
    let mut active = block.runtime();
    while active > 1 {
        active /= 2;
        if t < active {
            let src = t + active;
            let take = val[src] > val[t] || (val[src] == val[t] && idx[src] < idx[t]);
            if take {
                val[t] = val[src];
                idx[t] = idx[src];
            }
        }
        sync_cube();
    }
}

/// `out[0] = max_i input[i]`, one cube of `block` units.
#[cube(launch)]
pub fn max_all<F: Float>(input: &Array<F>, out: &mut Array<F>, #[comptime] block: usize) {
    let t = UNIT_POS as usize;
    let mut shared = SharedMemory::<F>::new(block);
    let mut m = F::new(NEG_BIG);
    let mut i = t;
    while i < input.len() {
        m = F::max(m, input[i]);
        i += block;
    }
    shared[t] = m;
    sync_cube();
    tree_max::<F>(&mut shared, block);
    if t == 0 {
        out[0] = shared[0];
    }
}

/// `out[e] = Σ_p partial[p * len + e]` for `e < len`: finishes per-cube partial sums
/// (centre sums and counts, M-step weighted sums). One unit per entry.
#[cube(launch)]
pub fn sum_partials<F: Float>(partial: &Array<F>, out: &mut Array<F>, parts: usize, len: usize) {
    let e = ABSOLUTE_POS;
    if e < len {
        let mut acc = F::new(0.0);
        for p in 0..parts {
            acc += partial[p * len + e];
        }
        out[e] = acc;
    }
}
