//! DEPICT's losses.

use crate::nn::autoencoder::{AutoencoderPass, Encoding};
use burn::prelude::*;

/// The relative-entropy term of the M-step: mean_i(−Σ_k q_ik·log p̃_ik) with `log_p` the
/// log-softmax of the noisy path (equal to KL(Q‖P̃) up to Q's entropy, a constant here).
pub fn relative_entropy_loss<B: Backend>(log_p: Tensor<B, 2>, q: Tensor<B, 2>) -> Tensor<B, 1> {
    (q * log_p).sum_dim(1).mean().neg()
}

/// Layer-wise reconstruction: `input_weight`·‖x̂ − x‖² + `layer_weight`·Σ_l ‖ĥ_l − h_l‖², each
/// a mean over elements; x̂, ĥ from the noisy pass, targets x and the clean encoder's layers
/// (held constant).
pub fn reconstruction_loss<B: Backend>(
    x: Tensor<B, 4>,
    noisy: &AutoencoderPass<B>,
    clean: &Encoding<B>,
    input_weight: f64,
    layer_weight: f64,
) -> Tensor<B, 1> {
    let mse = |a: Tensor<B, 4>, b: Tensor<B, 4>| (a - b).powi_scalar(2).mean();
    let input = mse(noisy.x_hat.clone(), x).mul_scalar(input_weight);
    let l1 = mse(noisy.h1_hat.clone(), clean.h1.clone().detach());
    let l2 = mse(noisy.h2_hat.clone(), clean.h2.clone().detach());
    input + (l1 + l2).mul_scalar(layer_weight)
}

#[cfg(test)]
mod tests {
    use super::*;
    use burn::tensor::activation::log_softmax;
    type B = burn::backend::Flex;

    #[test]
    fn relative_entropy_matches_a_hand_computed_value() {
        let dev = Default::default();
        let logits = Tensor::<B, 2>::from_floats([[0.0, 1.0], [2.0, 0.0]], &dev);
        let q = Tensor::<B, 2>::from_floats([[0.2, 0.8], [1.0, 0.0]], &dev);
        let v = relative_entropy_loss(log_softmax(logits, 1), q).into_scalar() as f64;
        let l0 = (1.0f64 + 1f64.exp()).ln();
        let l1 = (2f64.exp() + 1.0).ln();
        let want = (-(0.2 * (0.0 - l0) + 0.8 * (1.0 - l0)) - (2.0 - l1)) / 2.0;
        assert!((v - want).abs() < 1e-5, "{v} vs {want}");
    }
}
