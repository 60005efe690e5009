//! Lloyd's k-means on the device (Lloyd 1982): the assignment step (squared Euclidean distance
//! to every centre, arg-min with ties to the lowest index) and, from the same cube's points,
//! the partial sums of the centre update Σ_{i: l_i = c} x_i and counts; a
//! [`super::reduce::sum_partials`] launch then finishes them over cubes.

use cubecl::prelude::*;

/// One unit per point, `block` points per cube. Writes `labels[i]`, `dist[i] = min_c ‖x_i − μ_c‖²`,
/// and `partial[cube · (k·d + k) + e]` with e < k·d the coordinate sums per centre (row-major
/// k × d) and e = k·d + c the count of centre c.
#[cube(launch)]
pub fn kmeans_assign<F: Float>(
    x: &Array<F>,
    centres: &Array<F>,
    labels: &mut Array<u32>,
    dist: &mut Array<F>,
    partial: &mut Array<F>,
    n: usize,
    k: usize,
    d: usize,
    #[comptime] block: usize,
) {
    let t = UNIT_POS as usize;
    let i = CUBE_POS * block + t;
    let mut shared_labels = SharedMemory::<u32>::new(block);
    // `k` marks "no point" (a padding unit): it never equals a centre index.
    let none = k as u32;
    let mut best_c = none;
    if i < n {
        let mut best = F::new(0.0);
        for c in 0..k {
            let mut s = F::new(0.0);
            for f in 0..d {
                let diff = x[i * d + f] - centres[c * d + f];
                s += diff * diff;
            }
            if best_c == none || s < best {
                best = s;
                best_c = c as u32;
            }
        }
        labels[i] = best_c;
        dist[i] = best;
    }
    shared_labels[t] = best_c;
    sync_cube();
    let width = k * d + k;
    let first = CUBE_POS * block;
    let mut e = t;
    while e < width {
        let mut acc = F::new(0.0);
        if e < k * d {
            let c = (e / d) as u32;
            let f = e % d;
            for p in 0..block {
                if shared_labels[p] == c {
                    acc += x[(first + p) * d + f];
                }
            }
        } else {
            let c = (e - k * d) as u32;
            for p in 0..block {
                if shared_labels[p] == c {
                    acc += F::new(1.0);
                }
            }
        }
        partial[CUBE_POS * width + e] = acc;
        e += block;
    }
}

/// Centre update from the finished sums: μ_c = sums_c / count_c; an empty cluster keeps its
/// previous centre. One unit per entry of the k × d centre matrix.
#[cube(launch)]
pub fn kmeans_update<F: Float>(sums: &Array<F>, centres: &mut Array<F>, k: usize, d: usize) {
    let e = ABSOLUTE_POS;
    if e < k * d {
        let count = sums[k * d + e / d];
        if count > F::new(0.0) {
            centres[e] = sums[e] / count;
        }
    }
}
