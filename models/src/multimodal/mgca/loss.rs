//! MGCA's three alignment losses.

use crate::distributed::Replica;
use crate::pipelines::swav::swapped_prediction_loss;
use crate::train::TrainBackend;
use crate::{Context, Result};
use burn::prelude::*;
use burn::tensor::activation::{log_softmax, softmax};
use clasp_core::sinkhorn::SwavParams;

/// A large logit offset that removes masked entries from a softmax.
const MASKED: f64 = 1e4;

/// Symmetric InfoNCE of paired unit projections `za`, `zb` (`[B, d]`):
/// L = ½[CE(za·zbᵀ/τ, diag) + CE(zb·zaᵀ/τ, diag)], the mean over the batch in each direction.
pub fn instance_loss<B: Backend>(za: Tensor<B, 2>, zb: Tensor<B, 2>, temperature: f64) -> Tensor<B, 1> {
    instance_loss_rows(za.clone(), zb.clone(), za, zb, 0, temperature)
}

/// The part of [`instance_loss`] over the batch `za_all`, `zb_all` (`[B, d]`) that comes from
/// its pairs `offset..offset + r` (`za`, `zb`: `[r, d]`): their terms of both directions, each
/// over the whole batch's other view. Over a partition of the pairs (the peers of a
/// data-parallel run), the parts sum to the whole.
pub fn instance_loss_rows<B: Backend>(
    za: Tensor<B, 2>,
    zb: Tensor<B, 2>,
    za_all: Tensor<B, 2>,
    zb_all: Tensor<B, 2>,
    offset: usize,
    temperature: f64,
) -> Tensor<B, 1> {
    let ([r, _], [b, _]) = (za.dims(), za_all.dims());
    let device = za.device();
    let (mut eye_rows, mut eye_cols) = (vec![0.0f32; r * b], vec![0.0f32; b * r]);
    for i in 0..r {
        eye_rows[i * b + offset + i] = 1.0;
        eye_cols[(offset + i) * r + i] = 1.0;
    }
    let eye_rows = Tensor::<B, 2>::from_data(TensorData::new(eye_rows, [r, b]), &device);
    let eye_cols = Tensor::<B, 2>::from_data(TensorData::new(eye_cols, [b, r]), &device);
    // Rows offset.. of za·zbᵀ over every column, and its columns offset.. over every row (all
    // of them: one product, as the single-process loss takes it).
    let rows_logits = za.matmul(zb_all.transpose()).div_scalar(temperature);
    let cols_logits = if r == b { rows_logits.clone() } else { za_all.matmul(zb.transpose()).div_scalar(temperature) };
    let rows = (log_softmax(rows_logits, 1) * eye_rows).sum().div_scalar(b as f64);
    let cols = (log_softmax(cols_logits, 0) * eye_cols).sum().div_scalar(b as f64);
    (rows + cols).neg().div_scalar(2.0)
}

/// One direction of the token alignment: queries `q` (`[B, Tq, d]`, unit, mask `mq`) attend
/// over keys `k` (`[B, Tk, d]`, mask `mk`): a = softmax(q·kᵀ/τ) over the unmasked keys,
/// o = ‖a·k‖⁻¹ a·k; within each pair, s_ij = q_i·o_j/τ and the local InfoNCE
/// ½[CE over j of s_i· with target i + CE over i of s_·j with target j], averaged over the
/// unmasked query tokens of a pair (uniform token weights) and over the pairs.
fn directed<B: Backend>(
    q: Tensor<B, 3>,
    mq: Tensor<B, 2>,
    k: Tensor<B, 3>,
    mk: Tensor<B, 2>,
    tau: f64,
) -> Tensor<B, 1> {
    let [b, tq, _] = q.dims();
    let device = q.device();
    let key_bias = (mk - 1.0).mul_scalar(MASKED).unsqueeze_dim::<3>(1);
    let attn = softmax(q.clone().matmul(k.clone().swap_dims(1, 2)).div_scalar(tau) + key_bias, 2);
    let o = super::model::l2_normalize3(attn.matmul(k));
    let sim = q.matmul(o.swap_dims(1, 2)).div_scalar(tau);
    let eye = Tensor::<B, 2>::eye(tq, &device).unsqueeze_dim::<3>(0);
    let m_col = (mq.clone() - 1.0).mul_scalar(MASKED).unsqueeze_dim::<3>(1);
    let m_row = (mq.clone() - 1.0).mul_scalar(MASKED).unsqueeze_dim::<3>(2);
    let by_row = (log_softmax(sim.clone() + m_col, 2) * eye.clone()).sum_dim(2).squeeze_dim::<2>(2);
    let by_col = (log_softmax(sim + m_row, 1) * eye).sum_dim(1).squeeze_dim::<2>(1);
    let weights = mq.clone() / mq.sum_dim(1).clamp_min(1.0);
    ((by_row + by_col) * weights).sum().div_scalar(2.0 * b as f64).neg()
}

/// Token-level alignment of two token views (unit token projections and masks):
/// ½[directed(a → b) + directed(b → a)] (see the module of MGCA).
pub fn token_loss<B: Backend>(
    ta: Tensor<B, 3>,
    ma: Tensor<B, 2>,
    tb: Tensor<B, 3>,
    mb: Tensor<B, 2>,
    temperature: f64,
) -> Tensor<B, 1> {
    let ab = directed(ta.clone(), ma.clone(), tb.clone(), mb.clone(), temperature);
    let ba = directed(tb, mb, ta, ma, temperature);
    (ab + ba).div_scalar(2.0)
}

/// Prototype-level alignment of the scores `sa`, `sb` (`[B, K]`, z·Cᵀ) of the two views: each
/// view's codes (clasp's Sinkhorn on the detached scores, [`Replica::codes`]: sharded over the
/// peers of a data-parallel run, which hold their rows of the batch) are predicted by the other
/// view, L = ½[CE(q_a, softmax(s_b/τ)) + CE(q_b, softmax(s_a/τ))] (SwAV's swapped prediction
/// with two views, the same quantity as `clasp_core::sinkhorn::swav_loss`), the mean over the
/// rows given. Returns the loss and the two code matrices.
pub fn prototype_loss<B: TrainBackend>(
    replica: &mut Replica<B>,
    sa: Tensor<B, 2>,
    sb: Tensor<B, 2>,
    params: &SwavParams,
    temperature: f64,
) -> Result<(Tensor<B, 1>, [Tensor<B, 2>; 2])> {
    let n = sa.dims()[0];
    let qa = replica.codes(sa.clone(), n, params).context("MGCA codes")?;
    let qb = replica.codes(sb.clone(), n, params).context("MGCA codes")?;
    let loss = swapped_prediction_loss(&[sa, sb], &[qa.clone(), qb.clone()], temperature);
    Ok((loss, [qa, qb]))
}
