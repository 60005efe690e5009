//! Prototype steps of the Laplacian K-prototypes model (SLK, Ziko et al., NeurIPS 2018;
//! `src/SLK.py` of `imtiazziko/SLK-few-shot`): K-means means (hard or soft), K-modes modes by
//! mean-shift, and the kernel bandwidth estimate.

use crate::graph::CsrRef;
use crate::scalar::Float;

/// Hard means: `m_k = mean{x_p : l_p = k}`; a cluster without members keeps its prototype.
pub(crate) fn hard_means<F: Float>(x: &[F], d: usize, labels: &[usize], protos: &mut [F], counts: &mut [F]) {
    let k = counts.len();
    counts.fill(F::ZERO);
    for &l in labels {
        if l < k {
            counts[l] += F::ONE;
        }
    }
    for c in 0..k {
        if counts[c] > F::ZERO {
            protos[c * d..(c + 1) * d].fill(F::ZERO);
        }
    }
    for (row, &l) in x.chunks_exact(d).zip(labels) {
        if l < k && counts[l] > F::ZERO {
            for (p, &v) in protos[l * d..(l + 1) * d].iter_mut().zip(row) {
                *p += v;
            }
        }
    }
    for c in 0..k {
        if counts[c] > F::ZERO {
            let inv = F::ONE / counts[c];
            for p in &mut protos[c * d..(c + 1) * d] {
                *p *= inv;
            }
        }
    }
}

/// Soft means `m_k = Σ_p z_pk x_p / Σ_p z_pk` (`kmeans_update_soft`); a column of zero mass
/// keeps its prototype.
pub(crate) fn soft_means<F: Float>(x: &[F], d: usize, z: &[F], protos: &mut [F], mass: &mut [F]) {
    let k = mass.len();
    mass.fill(F::ZERO);
    for zr in z.chunks_exact(k) {
        for (m, &v) in mass.iter_mut().zip(zr) {
            *m += v;
        }
    }
    for c in 0..k {
        if mass[c] > F::ZERO {
            protos[c * d..(c + 1) * d].fill(F::ZERO);
        }
    }
    for (row, zr) in x.chunks_exact(d).zip(z.chunks_exact(k)) {
        for c in 0..k {
            if mass[c] > F::ZERO && zr[c] != F::ZERO {
                for (p, &v) in protos[c * d..(c + 1) * d].iter_mut().zip(row) {
                    *p += zr[c] * v;
                }
            }
        }
    }
    for c in 0..k {
        if mass[c] > F::ZERO {
            let inv = F::ONE / mass[c];
            for p in &mut protos[c * d..(c + 1) * d] {
                *p *= inv;
            }
        }
    }
}

/// Mean-shift to the kernel mode of cluster `k` (`MS` in `SLK.py`): from `mode` (the
/// previous prototype), iterate `c ← Σ_p g_p x_p / Σ_p g_p`, `g_p = exp(−‖c − x_p‖²/(2σ²))`
/// over the members `l_p = k`, until `max|c⁺ − c| < tol·max|c|` or `max_iter` steps.
/// `next` holds `d` elements. Returns the number of steps.
#[allow(clippy::too_many_arguments)]
pub(crate) fn mean_shift_mode<F: Float>(
    x: &[F],
    d: usize,
    labels: &[usize],
    k: usize,
    sigma: F,
    tol: F,
    max_iter: usize,
    mode: &mut [F],
    next: &mut [F],
) -> usize {
    let inv2s2 = F::ONE / (F::from_f64(2.0) * sigma * sigma);
    for it in 0..max_iter {
        next.fill(F::ZERO);
        let mut total = F::ZERO;
        for (row, _) in x.chunks_exact(d).zip(labels).filter(|&(_, &l)| l == k) {
            let g = (-crate::ops::sq_dist(mode, row) * inv2s2).exp();
            total += g;
            for (n, &v) in next.iter_mut().zip(row) {
                *n += g * v;
            }
        }
        if total <= F::ZERO || total.is_nan() {
            return it;
        }
        let inv = F::ONE / total;
        let mut change = F::ZERO;
        let mut scale = F::ZERO;
        for (n, &m) in next.iter_mut().zip(mode.iter()) {
            *n *= inv;
            change = change.max((*n - m).abs());
            scale = scale.max(m.abs());
        }
        mode.copy_from_slice(next);
        if change < tol * scale {
            return it + 1;
        }
    }
    max_iter
}

/// Kernel bandwidth of `estimate_sigma`: `σ² = Σ_{p,q} w_pq ‖x_p − x_q‖² / (knn·N)` from
/// the `N × N` squared distances (the reference passes knn = 5 with a 2-neighbour graph).
pub(crate) fn kernel_sigma<F: Float>(w: &CsrRef<'_, F>, dist: &[F], knn: usize) -> F {
    let n = w.n();
    let mut s = F::ZERO;
    for p in 0..n {
        let (idx, wt) = w.row(p);
        for (&q, &v) in idx.iter().zip(wt) {
            s += v * dist[p * n + q];
        }
    }
    (s / F::from_usize(knn * n)).max(F::MIN_POSITIVE).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn means_and_modes() {
        let x = [0.0f64, 2.0, 10.0, 4.0];
        let mut p = [0.0, 0.0, 7.0];
        let mut c = [0.0; 3];
        hard_means(&x, 1, &[0, 0, 1, 0], &mut p, &mut c);
        assert_eq!(p, [2.0, 10.0, 7.0]);
        let z = [1.0, 0.0, 0.5, 0.5, 0.0, 1.0, 0.0, 1.0];
        let mut q = [0.0, 0.0];
        let mut m = [0.0; 2];
        soft_means(&x, 1, &z, &mut q, &mut m);
        assert_eq!(q, [2.0 / 3.0, 15.0 / 2.5]);
        // Cluster 0 is {0, 1, 5}: its mean 2 is not a member, and the member nearest the start
        // 1.9 is 1, so the two limits below are told apart (by 1, against a tolerance of 1e-9).
        let x = [0.0f64, 1.0, 10.0, 5.0];
        let labels = [0, 0, 1, 0];
        let mut next = [0.0];
        // With a tiny bandwidth the mode stays at the nearest member: σ = 0.1 puts the pull of
        // the member at distance 1 at exp(−1/(2σ²)) = exp(−50) ≈ 2e-22.
        let mut mode = [1.9];
        mean_shift_mode(&x, 1, &labels, 0, 0.1, 1e-12, 1000, &mut mode, &mut next);
        assert!((mode[0] - 1.0).abs() < 1e-9, "{mode:?}");
        // With a huge bandwidth every member weighs the same: the mode is the mean.
        let mut mode = [1.9];
        mean_shift_mode(&x, 1, &labels, 0, 1e6, 1e-14, 1000, &mut mode, &mut next);
        assert!((mode[0] - 2.0).abs() < 1e-9, "{mode:?}");
    }
}
