//! The two targets of the masked tubes: SIGMA's symmetric swapped prediction of hard Sinkhorn
//! codes (Salehi et al., ECCV 2024, eq. 3–5) and VideoMAE's normalised-pixel regression (Tong
//! et al., NeurIPS 2022, §3.3).

use crate::distributed::Replica;
use crate::pipelines::swav::swapped_prediction_loss;
use crate::train::TrainBackend;
use crate::{Context, Result};
use burn::prelude::*;
use clasp_core::sinkhorn::SwavParams;

/// SIGMA's hard targets of `scores` (`[n, K]`, similarities; this peer's rows of the batch's
/// masked tubes): the one-hot argmax of every row of the SwAV codes ([`Replica::codes`]: alone
/// clasp's Sinkhorn through the backend's `SinkhornBackend`, on the device for the GPU
/// backends; as a peer the sharded Sinkhorn), i.e. clasp-core's `swav_assign`. No gradient
/// flows through.
pub fn hard_codes<B: TrainBackend>(
    replica: &mut Replica<B>,
    scores: Tensor<B, 2>,
    params: &SwavParams,
) -> Result<Tensor<B, 2>> {
    let [n, k] = scores.dims();
    let device = scores.device();
    let codes = replica.codes(scores, n, params).context("SIGMA codes")?;
    let classes = Tensor::<B, 1, Int>::arange(0..k as i64, &device).reshape([1, k]).expand([n, k]);
    Ok(codes.argmax(1).expand([n, k]).equal(classes).float())
}

/// L = CE(S₁/τ, q₂) + CE(S₂/τ, q₁), S₁ = norm(target)·Cᵀ, S₂ = norm(prediction)·C̄ᵀ, q the
/// hard codes of each (SIGMA eq. 5): each side predicts the other's cluster.
pub fn sigma_loss<B: Backend>(
    scores_target: Tensor<B, 2>,
    scores_prediction: Tensor<B, 2>,
    codes_target: Tensor<B, 2>,
    codes_prediction: Tensor<B, 2>,
    temperature: f64,
) -> Tensor<B, 1> {
    // SwAV's swapped prediction averages the two terms; SIGMA sums them.
    swapped_prediction_loss(&[scores_target, scores_prediction], &[codes_target, codes_prediction], temperature)
        .mul_scalar(2.0)
}

/// Each row standardised, `(x − mean) / sqrt(var + 1e-6)` (VideoMAE's `norm_pix_loss`).
pub fn normalized_rows<B: Backend>(x: Tensor<B, 2>) -> Tensor<B, 2> {
    let (var, mean) = x.clone().var_mean(1);
    (x - mean) / var.add_scalar(1e-6).sqrt()
}

/// VideoMAE's loss: mean squared error between the predicted and the normalised pixels of the
/// masked tubes.
pub fn pixel_loss<B: Backend>(prediction: Tensor<B, 2>, tubes: Tensor<B, 2>) -> Tensor<B, 1> {
    (prediction - normalized_rows(tubes)).powi_scalar(2).mean()
}

#[cfg(test)]
mod tests {
    use super::*;
    use clasp_core::MatRef;
    use clasp_core::sinkhorn::owned::swav_assign_alloc;
    type B = crate::train::device::CpuBackend;

    #[test]
    fn sigma_loss_matches_the_formula_on_a_hand_checked_input() {
        let dev = Default::default();
        let s1 = [[0.5f32, -0.5], [0.2, 0.1]];
        let s2 = [[0.0f32, 1.0], [0.3, -0.3]];
        let (q1, q2) = ([[1.0f32, 0.0], [0.0, 1.0]], [[0.0f32, 1.0], [1.0, 0.0]]);
        let t = |a: [[f32; 2]; 2]| Tensor::<B, 2>::from_floats(a, &dev);
        let loss = sigma_loss(t(s1), t(s2), t(q1), t(q2), 0.1).into_scalar() as f64;
        // CE(s/τ, q) = mean_i −log softmax(s_i/τ)[argmax q_i].
        let ce = |s: [[f32; 2]; 2], q: [[f32; 2]; 2]| {
            (0..2)
                .map(|i| {
                    let z = [f64::from(s[i][0]) / 0.1, f64::from(s[i][1]) / 0.1];
                    let lse = (z[0].exp() + z[1].exp()).ln();
                    let k = if q[i][0] > 0.5 { 0 } else { 1 };
                    lse - z[k]
                })
                .sum::<f64>()
                / 2.0
        };
        let want = ce(s1, q2) + ce(s2, q1);
        assert!((loss - want).abs() < 1e-4, "{loss} vs {want}");
    }

    #[test]
    fn hard_codes_are_one_hot_and_agree_with_the_core() {
        let dev = Default::default();
        let (n, k) = (40, 5);
        let scores: Vec<f32> = (0..n * k).map(|i| ((i * 37 % 23) as f32 / 23.0) * 2.0 - 1.0).collect();
        let params = SwavParams::default().eps(0.05).iterations(10);
        let mut replica = Replica::<B>::solo(&dev);
        let s = Tensor::from_data(TensorData::new(scores.clone(), [n, k]), &dev);
        let q = hard_codes(&mut replica, s, &params).unwrap();
        let q: Vec<f32> = q.into_data().into_vec().unwrap();
        let (labels, _) = swav_assign_alloc(MatRef::new(&scores, n, k, "s").unwrap(), &params).unwrap();
        for i in 0..n {
            let row = &q[i * k..(i + 1) * k];
            assert_eq!(row.iter().sum::<f32>(), 1.0);
            assert_eq!(row[labels[i]], 1.0, "row {i}");
        }
    }

    #[test]
    fn pixel_loss_is_zero_for_the_normalised_pixels() {
        let dev = Default::default();
        let x = Tensor::<B, 2>::from_floats([[0.0, 1.0, 2.0, 3.0], [5.0, 5.0, 5.0, 9.0]], &dev);
        let norm = normalized_rows(x.clone());
        let (v, m) = norm.clone().var_mean(1);
        let (v, m): (Vec<f32>, Vec<f32>) = (v.into_data().into_vec().unwrap(), m.into_data().into_vec().unwrap());
        assert!(m.iter().all(|m| m.abs() < 1e-6) && v.iter().all(|v| (v - 1.0).abs() < 1e-4), "{m:?} {v:?}");
        assert!(pixel_loss(norm, x.clone()).into_scalar().abs() < 1e-10);
        // Unbiased variance, as `torch.var`: the mean square of a normalised row of 4 is 3/4.
        assert!((pixel_loss(Tensor::zeros([2, 4], &dev), x).into_scalar() - 0.75).abs() < 1e-4);
    }
}
