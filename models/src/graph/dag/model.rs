//! DAG's network: the GCN encoder with the mask token, the GCN decoder and the readout.

use crate::graph::features::{NodeFeatures, add_bias};
use crate::graph::sparse::SparseEdges;
use burn::module::Param;
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::{relu, softmax};

/// Encoder, decoder and readout.
#[derive(Module, Debug)]
pub struct DagModel<B: Backend> {
    w1: Linear<B>,
    w2: Linear<B>,
    decoder: Linear<B>,
    readout: Linear<B>,
    mask_token: Param<Tensor<B, 2>>,
}

impl<B: Backend> DagModel<B> {
    /// `input → hidden → embed`, decoder `embed → input`, readout `embed → k_max`.
    pub fn new(input: usize, hidden: usize, embed: usize, k_max: usize, device: &B::Device) -> Self {
        Self {
            w1: LinearConfig::new(input, hidden).init(device),
            w2: LinearConfig::new(hidden, embed).init(device),
            decoder: LinearConfig::new(embed, input).init(device),
            readout: LinearConfig::new(embed, k_max).init(device),
            mask_token: Param::from_tensor(Tensor::zeros([1, input], device)),
        }
    }

    /// H = Â·ReLU(Â·X̃·W₁ + b₁)·W₂ + b₂ (GCN layers, the bias added after the propagation), where
    /// X̃ is X with the rows of `mask` (`[n, 1]`, 1 = masked) replaced by the learned token:
    /// X̃·W₁ = keep ⊙ (X·W₁) + mask·(token·W₁), so sparse features stay sparse.
    pub fn encode(&self, x: &NodeFeatures<B>, mask: Option<Tensor<B, 2>>, a: &SparseEdges<B>) -> Tensor<B, 2> {
        let w = self.w1.weight.val();
        let mut xw = x.times(w.clone());
        if let Some(mask) = mask {
            let keep = mask.clone().neg().add_scalar(1.0);
            xw = xw * keep + mask.matmul(self.mask_token.val().matmul(w));
        }
        let h1 = relu(add_bias(&self.w1, a.matmul(xw)));
        add_bias(&self.w2, a.matmul(h1.matmul(self.w2.weight.val())))
    }

    /// X̂ of the masked nodes `masked` (`[m]` node ids, their rows of `mask` = 1): the GCN
    /// decoder Â·H̃·W_d + b_d with the masked rows of H zeroed, evaluated on those rows only.
    pub fn decode(
        &self,
        h: Tensor<B, 2>,
        mask: Tensor<B, 2>,
        masked: Tensor<B, 1, Int>,
        a: &SparseEdges<B>,
    ) -> Tensor<B, 2> {
        let keep = mask.neg().add_scalar(1.0);
        self.decoder.forward(a.matmul(h * keep).select(0, masked))
    }

    /// C = softmax((H·W_c + b)/T) (`[n, k_max]`).
    pub fn communities(&self, h: Tensor<B, 2>, temperature: f64) -> Tensor<B, 2> {
        softmax(self.readout.forward(h).div_scalar(temperature), 1)
    }

    /// Sets the readout to the nearest-centre rule of `centers` (`[k_max, embed]`): logits
    /// (2⟨h, μ_k⟩ − ‖μ_k‖²)/s, which differ from −‖h − μ_k‖²/s by a per-row constant, so C is the
    /// softmax of the negative squared distances over `scale` s.
    pub fn with_readout_centres(mut self, centers: Tensor<B, 2>, scale: f64) -> Self {
        let bias = centers.clone().powi_scalar(2).sum_dim(1).squeeze_dim::<1>(1).div_scalar(-scale);
        self.readout.weight = Param::from_tensor(centers.transpose().mul_scalar(2.0 / scale));
        self.readout.bias = Some(Param::from_tensor(bias));
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    type B = burn::backend::Flex;

    #[test]
    fn the_centre_readout_is_a_softmax_of_negative_squared_distances() {
        let dev = Default::default();
        let model = DagModel::<B>::new(3, 4, 2, 2, &dev);
        let centres = Tensor::<B, 2>::from_floats([[0.0, 0.0], [2.0, 1.0]], &dev);
        let model = model.with_readout_centres(centres, 0.5);
        let h = Tensor::<B, 2>::from_floats([[1.0, 0.0], [3.0, 3.0]], &dev);
        let c = model.communities(h, 1.0).into_data().to_vec::<f32>().unwrap();
        // Squared distances (1, 2) and (18, 5): C = softmax(−d²/0.5) per row.
        for (row, d) in [[1.0f64, 2.0], [18.0, 5.0]].iter().enumerate() {
            let e = d.map(|v| (-v / 0.5).exp());
            for k in 0..2 {
                let want = e[k] / (e[0] + e[1]);
                assert!((f64::from(c[row * 2 + k]) - want).abs() < 1e-5, "{row} {k}: {} vs {want}", c[row * 2 + k]);
            }
        }
    }
}
