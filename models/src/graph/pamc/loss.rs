//! PamC's loss terms (Kulatilleke et al., arXiv 2209.14067, and the released `gayanku/PAMC`),
//! on embeddings z (`[n, d]`), their row-normalised ẑ, and the sparse propagated adjacency Â:
//!
//! - Student-t assignment (DEC, ν = 1): q_ik = (1 + ‖z_i − μ_k‖²)⁻¹ / Σ_k' (1 + ‖z_i − μ_k'‖²)⁻¹;
//! - KL(p‖q) = (1/n) Σ_ik p_ik log(p_ik / q_ik) with the DEC target p (core);
//! - positive term over Â: L_pos = −(1/n) Σ_i log(Σ_{j: Â_ij > 0} Â_ij e^{τ cos(z_i, z_j)·[i≠j]} + 10⁻¹⁰),
//!   one gather per stored entry and a segment sum per row: O(nnz·d);
//! - meta-node negative term: meta-nodes c_k = Σ_i a_ik z_i (a hard one-hot of argmax q,
//!   detached, or soft a = q), L_neg = (1/K) Σ_k log(Σ_k' e^{τ cos(c_k, c_k')·[k≠k']} + 10⁻¹⁰): O(n·K·d + K²·d);
//! - the baseline's dense InfoNCE (Graph-MLP's NContrast): with e_ij = e^{τ cos(z_i, z_j)·[i≠j]},
//!   L = −(1/n) Σ_i log(Σ_j Â_ij e_ij / Σ_j e_ij), O(n²·d) time and O(n²) memory.

use super::super::sparse::SparseEdges;
use burn::prelude::*;

/// The Student-t soft assignment q (`[n, K]`) of `z` to the centres `mu` (`[K, d]`).
pub fn student_t<B: Backend>(z: Tensor<B, 2>, mu: Tensor<B, 2>) -> Tensor<B, 2> {
    let zz = z.clone().powi_scalar(2).sum_dim(1);
    let mm = mu.clone().powi_scalar(2).sum_dim(1).transpose();
    let d2 = (zz + mm - z.matmul(mu.transpose()).mul_scalar(2.0)).clamp_min(0.0);
    let kernel = d2.add_scalar(1.0).recip();
    let total = kernel.clone().sum_dim(1);
    kernel / total
}

/// KL(p‖q) averaged over rows, with `p` a constant target.
pub fn kl_divergence<B: Backend>(p: Tensor<B, 2>, q: Tensor<B, 2>) -> Tensor<B, 1> {
    let [n, _] = p.dims();
    let log_ratio = p.clone().clamp_min(1e-12).log() - q.clamp_min(1e-12).log();
    (p * log_ratio).sum().div_scalar(n as f64)
}

/// L_pos over the stored entries of `a` for row-normalised embeddings `zn`.
pub fn positive_term<B: Backend>(zn: Tensor<B, 2>, a: &SparseEdges<B>, tau: f64) -> Tensor<B, 1> {
    let cos = a.pair_dots(zn.clone(), zn) * a.off_diagonal.clone();
    let mass = a.row_sum(cos.mul_scalar(tau).exp() * a.weights.clone());
    mass.add_scalar(1e-10).log().mean().neg()
}

/// Meta-nodes c = aᵀz (`[K, d]`) for the assignment `a` (`[n, K]`).
pub fn meta_nodes<B: Backend>(z: Tensor<B, 2>, a: Tensor<B, 2>) -> Tensor<B, 2> {
    a.transpose().matmul(z)
}

/// The hard, detached assignment: one-hot rows of argmax q.
pub fn hard_assignment<B: Backend>(q: Tensor<B, 2>) -> Tensor<B, 2> {
    let [_, k] = q.dims();
    let idx = q.detach().argmax(1).squeeze_dim::<1>(1);
    idx.one_hot::<2>(k).float()
}

/// `e^{τ cos(·,·)·[i≠j]}` of all row pairs of the row-normalised `xn` (`[m, m]`).
fn exp_cosines<B: Backend>(xn: Tensor<B, 2>, tau: f64) -> Tensor<B, 2> {
    let [m, _] = xn.dims();
    let off = Tensor::<B, 2>::ones([m, m], &xn.device()) - Tensor::eye(m, &xn.device());
    (xn.clone().matmul(xn.transpose()) * off).mul_scalar(tau).exp()
}

/// L_neg of the meta-nodes `c` (`[K, d]`). The rows are scaled by 1/√(‖c_k‖² + 10⁻²⁴), not by
/// 1/max(‖c_k‖, ε): an empty cluster has c_k = 0, where the gradient of ‖c_k‖ is 0/0.
pub fn meta_negative_term<B: Backend>(c: Tensor<B, 2>, tau: f64) -> Tensor<B, 1> {
    let norm = c.clone().powi_scalar(2).sum_dim(1).add_scalar(1e-24).sqrt();
    exp_cosines(c / norm, tau).sum_dim(1).add_scalar(1e-10).log().mean()
}

/// The dense InfoNCE baseline for row-normalised `zn` and the dense `a` (`[n, n]`).
pub fn dense_infonce<B: Backend>(zn: Tensor<B, 2>, a: Tensor<B, 2>, tau: f64) -> Tensor<B, 1> {
    let e = exp_cosines(zn, tau);
    let pos = (e.clone() * a).sum_dim(1);
    let all = e.sum_dim(1);
    (pos.add_scalar(1e-10) / all).log().mean().neg()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::l2_normalize;
    use clasp_core::graph::adjacency_from_edges;
    type B = burn::backend::Flex;

    fn cos(a: [f64; 2], b: [f64; 2]) -> f64 {
        (a[0] * b[0] + a[1] * b[1]) / ((a[0] * a[0] + a[1] * a[1]).sqrt() * (b[0] * b[0] + b[1] * b[1]).sqrt())
    }

    const Z: [[f64; 2]; 3] = [[1.0, 0.0], [0.6, 0.8], [0.0, 1.0]];

    #[test]
    fn positive_term_matches_the_formula_on_a_path() {
        let dev = Default::default();
        // Â: a path 0–1–2 with weights 0.5 and 2, plus a self-loop of 1 on node 0.
        let a = adjacency_from_edges(3, &[(0, 1), (1, 2), (0, 0)], Some(&[0.5, 2.0, 1.0])).unwrap();
        let s = SparseEdges::<B>::from_csr(&a, &dev);
        let z = Tensor::<B, 2>::from_floats([[2.0, 0.0], [0.6, 0.8], [0.0, 3.0]], &dev);
        let tau = 0.5;
        let got = positive_term(l2_normalize(z), &s, tau).into_scalar() as f64;
        let e = |i: usize, j: usize| (tau * cos(Z[i], Z[j])).exp();
        let rows = [1.0 * 1.0 + 0.5 * e(0, 1), 0.5 * e(1, 0) + 2.0 * e(1, 2), 2.0 * e(2, 1)];
        let want = -rows.iter().map(|r| (r + 1e-10).ln()).sum::<f64>() / 3.0;
        assert!((got - want).abs() < 1e-5, "{got} vs {want}");
    }

    #[test]
    fn meta_negative_and_dense_infonce_match_the_formulas() {
        let dev = Default::default();
        let z = Tensor::<B, 2>::from_floats(Z.map(|r| r.map(|v| v as f32)), &dev);
        let tau = 2.0;
        // Hard meta-nodes of q with argmax (0, 1, 1): c_0 = z_0, c_1 = z_1 + z_2 = (0.6, 1.8).
        let q = Tensor::<B, 2>::from_floats([[0.9, 0.1], [0.4, 0.6], [0.2, 0.8]], &dev);
        let c = meta_nodes(z.clone(), hard_assignment(q));
        let got = meta_negative_term(c, tau).into_scalar() as f64;
        let x = (tau * cos([1.0, 0.0], [0.6, 1.8])).exp();
        let want = (1.0 + x + 1e-10f64).ln();
        assert!((got - want).abs() < 1e-5, "{got} vs {want}");
        // An empty cluster (a zero meta-node) keeps the gradient finite.
        type AB = burn::backend::Autodiff<B>;
        let c = Tensor::<AB, 2>::from_floats([[1.0, 0.0], [0.0, 0.0]], &dev).require_grad();
        let g = meta_negative_term(c.clone(), tau).backward();
        let grad = c.grad(&g).unwrap().into_data().to_vec::<f32>().unwrap();
        assert!(grad.iter().all(|v| v.is_finite()), "{grad:?}");
        // Dense InfoNCE with Â = the path 0–1–2 (unit weights).
        let a = Tensor::<B, 2>::from_floats([[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]], &dev);
        let got = dense_infonce(z, a, tau).into_scalar() as f64;
        let e = |i: usize, j: usize| if i == j { 1.0 } else { (tau * cos(Z[i], Z[j])).exp() };
        let all = |i: usize| (0..3).map(|j| e(i, j)).sum::<f64>();
        let want = -((e(0, 1) / all(0)).ln() + ((e(1, 0) + e(1, 2)) / all(1)).ln() + (e(2, 1) / all(2)).ln()) / 3.0;
        assert!((got - want).abs() < 1e-5, "{got} vs {want}");
    }

    #[test]
    fn student_t_and_kl_match_the_formulas() {
        let dev = Default::default();
        let z = Tensor::<B, 2>::from_floats([[0.0, 0.0], [1.0, 1.0]], &dev);
        let mu = Tensor::<B, 2>::from_floats([[0.0, 1.0], [2.0, 0.0]], &dev);
        let q = student_t(z, mu);
        let qv = q.clone().into_data().to_vec::<f32>().unwrap();
        // Row 0: d² = (1, 4) → kernels (1/2, 1/5); row 1: d² = (1, 2) → (1/2, 1/3).
        let want = [0.5 / 0.7, 0.2 / 0.7, 0.5 / (5.0 / 6.0), (1.0 / 3.0) / (5.0 / 6.0)];
        for (g, w) in qv.iter().zip(want) {
            assert!((*g as f64 - w).abs() < 1e-6, "{g} vs {w}");
        }
        let p = Tensor::<B, 2>::from_floats([[1.0, 0.0], [0.5, 0.5]], &dev);
        let got = kl_divergence(p, q).into_scalar() as f64;
        let want = ((1.0 / want[0]).ln() + 0.5 * (0.5 / want[2]).ln() + 0.5 * (0.5 / want[3]).ln()) / 2.0;
        assert!((got - want).abs() < 1e-5, "{got} vs {want}");
    }
}
