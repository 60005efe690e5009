//! SwAV's swapped-prediction loss.

use burn::prelude::*;
use burn::tensor::activation::log_softmax;

/// L = (1/|G|)·Σ_{s∈G} (1/(V−1))·Σ_{t≠s} mean_i(−Σ_k q_{s,ik}·log softmax(S_t/τ)_{ik}), where
/// `scores[v]` is view v's `[B, K]` score matrix, `codes[s]` the codes of global view s
/// (views `0..codes.len()`), V = `scores.len()` (SwAV `main_swav.py`, `train`).
pub fn swapped_prediction_loss<B: Backend>(
    scores: &[Tensor<B, 2>],
    codes: &[Tensor<B, 2>],
    temperature: f64,
) -> Tensor<B, 1> {
    let views = scores.len();
    let mut total: Option<Tensor<B, 1>> = None;
    for (s, q) in codes.iter().enumerate() {
        for (t, st) in scores.iter().enumerate() {
            if t == s {
                continue;
            }
            let logp = log_softmax(st.clone().div_scalar(temperature), 1);
            let term = (q.clone() * logp).sum_dim(1).mean().neg().div_scalar((views - 1) as f64);
            total = Some(match total {
                Some(acc) => acc + term,
                None => term,
            });
        }
    }
    let device = scores.first().map(|s| s.device()).unwrap_or_default();
    total.map(|t| t.div_scalar(codes.len() as f64)).unwrap_or_else(|| Tensor::zeros([1], &device))
}

#[cfg(test)]
mod tests {
    use super::*;
    type B = burn::backend::Flex;

    #[test]
    fn matches_a_hand_computed_value() {
        let dev = Default::default();
        // Two views, one sample, two prototypes, τ = 1.
        let s0 = Tensor::<B, 2>::from_floats([[1.0, 0.0]], &dev);
        let s1 = Tensor::<B, 2>::from_floats([[0.0, 2.0]], &dev);
        let q0 = Tensor::<B, 2>::from_floats([[0.75, 0.25]], &dev);
        let q1 = Tensor::<B, 2>::from_floats([[0.5, 0.5]], &dev);
        let loss = swapped_prediction_loss(&[s0, s1], &[q0, q1], 1.0).into_scalar();
        // view 0's codes against softmax(s1): −(0.75·ln σ₀(0,2) + 0.25·ln σ₁(0,2));
        // view 1's codes against softmax(s0): −(0.5·ln σ₀(1,0) + 0.5·ln σ₁(1,0)).
        let lse1 = (1.0f64 + 2f64.exp()).ln();
        let lse0 = (1f64.exp() + 1.0).ln();
        let a = -(0.75 * (0.0 - lse1) + 0.25 * (2.0 - lse1));
        let b = -(0.5 * (1.0 - lse0) + 0.5 * (0.0 - lse0));
        assert!((loss as f64 - (a + b) / 2.0).abs() < 1e-5, "{loss} vs {}", (a + b) / 2.0);
    }
}
