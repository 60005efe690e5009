//! DAG's loss terms (see the module docs of [`super`] for the equations).

use crate::graph::sparse::SparseEdges;
use crate::nn::l2_normalize;
use burn::prelude::*;

/// GraphMAE's scaled cosine error: the mean over the rows (the masked nodes) of
/// (1 − cos(x_i, x̂_i))^γ.
pub fn scaled_cosine_error<B: Backend>(x: Tensor<B, 2>, x_hat: Tensor<B, 2>, gamma: f64) -> Tensor<B, 1> {
    let cos = (l2_normalize(x) * l2_normalize(x_hat)).sum_dim(1);
    cos.neg().add_scalar(1.0).clamp_min(0.0).powf_scalar(gamma).mean()
}

/// Ω = Σ_k ‖C_{:,k}‖₂ / √n for `c` (`[n, K]`).
pub fn group_sparsity<B: Backend>(c: Tensor<B, 2>) -> Tensor<B, 1> {
    let [n, _] = c.dims();
    c.powi_scalar(2).sum_dim(0).add_scalar(1e-12).sqrt().sum().div_scalar((n as f64).sqrt())
}

/// DMoN's collapse regulariser (Tsitsulin et al., JMLR 2023) √K/n·‖Σ_i C_i‖₂ − 1 ∈ [0, √K − 1]:
/// 0 for equal community sizes, largest when every node is in one community.
pub fn collapse<B: Backend>(c: Tensor<B, 2>) -> Tensor<B, 1> {
    let [n, k] = c.dims();
    c.sum_dim(0).powi_scalar(2).sum().sqrt().mul_scalar((k as f64).sqrt() / n as f64).sub_scalar(1.0)
}

/// The soft modularity Q = (tr(CᵀAC) − ‖Cᵀd‖²/2m)/2m of the assignment `c` on the graph `a`
/// (both directions stored) with degrees `degree` (`[n]`) and total weight `two_m`.
pub fn soft_modularity<B: Backend>(
    c: Tensor<B, 2>,
    a: &SparseEdges<B>,
    degree: Tensor<B, 1>,
    two_m: f64,
) -> Tensor<B, 1> {
    let inner = (a.pair_dots(c.clone(), c.clone()) * a.weights.clone()).sum();
    let ctd = (c * degree.unsqueeze_dim(1)).sum_dim(0);
    let null = ctd.powi_scalar(2).sum().div_scalar(two_m);
    (inner - null).div_scalar(two_m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clasp_core::graph::{adjacency_from_edges, modularity};
    type B = burn::backend::Flex;

    #[test]
    fn soft_modularity_of_a_hard_assignment_is_the_core_modularity() {
        let dev = Default::default();
        let e = [(0, 1), (1, 2), (0, 2), (2, 3)];
        let a = adjacency_from_edges::<f64>(4, &e, None).unwrap();
        let s = SparseEdges::<B>::from_csr(&a, &dev);
        let labels = [0, 0, 0, 1];
        let c = Tensor::<B, 2>::from_floats([[1.0, 0.0], [1.0, 0.0], [1.0, 0.0], [0.0, 1.0]], &dev);
        let degree = Tensor::<B, 1>::from_floats([2.0, 2.0, 3.0, 1.0], &dev);
        let got = soft_modularity(c, &s, degree, 8.0).into_scalar() as f64;
        let want = modularity(a.as_ref(), &labels).unwrap();
        // By hand: in = 6, vol = (7, 1), 2m = 8: 6/8 − (7/8)² − (1/8)² = −0.0156…
        assert!((want - (6.0 / 8.0 - 49.0 / 64.0 - 1.0 / 64.0)).abs() < 1e-12);
        assert!((got - want).abs() < 1e-6, "{got} vs {want}");
    }

    #[test]
    fn sparsity_and_cosine_error_match_the_formulas() {
        let dev = Default::default();
        let c = Tensor::<B, 2>::from_floats([[0.6, 0.4], [0.0, 1.0], [0.8, 0.2], [1.0, 0.0]], &dev);
        let got = group_sparsity(c).into_scalar() as f64;
        let want = ((0.36f64 + 0.64 + 1.0).sqrt() + (0.16f64 + 1.0 + 0.04).sqrt()) / 2.0;
        assert!((got - want).abs() < 1e-5, "{got} vs {want}");
        let x = Tensor::<B, 2>::from_floats([[1.0, 0.0], [0.0, 2.0], [1.0, 1.0]], &dev);
        let x_hat = Tensor::<B, 2>::from_floats([[1.0, 1.0], [0.0, 5.0], [-1.0, -2.0]], &dev);
        let got = scaled_cosine_error(x, x_hat, 2.0).into_scalar() as f64;
        // cos = (1/√2, 1, −3/√10): errors (1 − 1/√2)², 0, (1 + 3/√10)².
        let want = ((1.0 - 0.5f64.sqrt()).powi(2) + (1.0 + 3.0 / 10f64.sqrt()).powi(2)) / 3.0;
        assert!((got - want).abs() < 1e-6, "{got} vs {want}");
        // Column sums (2.4, 1.6): √2/4·√(2.4² + 1.6²) − 1.
        let c = Tensor::<B, 2>::from_floats([[0.6, 0.4], [0.0, 1.0], [0.8, 0.2], [1.0, 0.0]], &dev);
        let got = collapse(c).into_scalar() as f64;
        let want = 2f64.sqrt() / 4.0 * (2.4f64 * 2.4 + 1.6 * 1.6).sqrt() - 1.0;
        assert!((got - want).abs() < 1e-6, "{got} vs {want}");
    }
}
