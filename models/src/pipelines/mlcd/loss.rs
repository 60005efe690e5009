//! MLCD's multi-label cluster-discrimination loss.

use burn::prelude::*;

/// log(1 + Σ_j mask_j·e^{a_j}) per row, computed stably (shift by max(0, max_j a_j)).
fn log1p_sum_exp<B: Backend>(a: Tensor<B, 2>, mask: Tensor<B, 2>) -> Tensor<B, 1> {
    let masked = a.clone().mask_fill(mask.clone().equal_elem(0.0), -1.0e4);
    let m = masked.clone().max_dim(1).clamp_min(0.0);
    let sum = (masked - m.clone()).exp().mul(mask).sum_dim(1) + m.clone().neg().exp();
    (sum.log() + m).squeeze_dim(1)
}

/// Mean over the batch of L_i = log(1 + Σ_{j∈N_i} e^{s·cos_ij}) + log(1 + Σ_{j∈Ω⁺ᵢ} e^{−s·cos_ij}),
/// `cos` `[B, K_c]`, `positive` the 0/1 mask of Ω⁺, `negative` the 0/1 mask of the sampled
/// negatives N_i (sampled classes that are not positives of row i).
pub fn multi_label_loss<B: Backend>(
    cos: Tensor<B, 2>,
    positive: Tensor<B, 2>,
    negative: Tensor<B, 2>,
    scale: f64,
) -> Tensor<B, 1> {
    let logits = cos.mul_scalar(scale);
    let neg = log1p_sum_exp(logits.clone(), negative);
    let pos = log1p_sum_exp(logits.neg(), positive);
    (neg + pos).mean()
}

#[cfg(test)]
mod tests {
    use super::*;
    type B = burn::backend::Flex;

    #[test]
    fn matches_a_hand_computed_value() {
        let dev = Default::default();
        let cos = Tensor::<B, 2>::from_floats([[0.5, -0.25, 0.1]], &dev);
        let pos = Tensor::<B, 2>::from_floats([[1.0, 0.0, 0.0]], &dev);
        let neg = Tensor::<B, 2>::from_floats([[0.0, 1.0, 1.0]], &dev);
        let v = multi_label_loss(cos, pos, neg, 2.0).into_scalar() as f64;
        let want = (1.0 + (-0.5f64).exp() + 0.2f64.exp()).ln() + (1.0 + (-1.0f64).exp()).ln();
        assert!((v - want).abs() < 1e-5, "{v} vs {want}");
        // Large logits stay finite.
        let cos = Tensor::<B, 2>::from_floats([[1.0, 1.0]], &dev);
        let pos = Tensor::<B, 2>::from_floats([[0.0, 1.0]], &dev);
        let neg = Tensor::<B, 2>::from_floats([[1.0, 0.0]], &dev);
        let v = multi_label_loss(cos, pos, neg, 200.0).into_scalar() as f64;
        assert!((v - 200.0).abs() < 1e-3, "{v}");
    }
}
