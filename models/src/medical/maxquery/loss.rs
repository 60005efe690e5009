//! The training losses of MaxQuery, on Ŷ (`seg`, `[b, p, k]`), A (`assign`, `[b, p, n]`) and the
//! one-hot labels Y (`[b, p, k]`), means over the M = b·p pixels:
//!
//! - cross-entropy  L_CE = −(1/M) Σ_i log Ŷ_{i, y_i}
//! - soft Dice      L_Dice = 1 − (1/K) Σ_k (2 Σ_i Ŷ_ik Y_ik + 1) / (Σ_i Ŷ_ik + Σ_i Y_ik + 1)
//! - query distribution (QD). The paper's code is not public; this is the reconstruction of the
//!   project notes (bound_optimizer.md §9), generalised from its foreground/background form to
//!   K classes. The N queries are split into K fixed groups, query n in group g(n) = ⌊n·K/N⌋,
//!   and every pixel's assignment mass must sit on its own class's group:
//!   q_ik = Σ_{n : g(n) = k} A_in and L_QD = −(1/M) Σ_i log q_{i, y_i}.
//!   With two groups (foreground / background queries) this is the notes' BCE(a_i, y_i) with
//!   a_i = Σ_{n ∈ Q_f} A_in. It keeps the queries from crowding onto the dominant (background)
//!   classes and draws clear query-level boundaries between the classes.
//!
//! The total is L_CE + λ_Dice·L_Dice + λ_QD·L_QD.

use burn::prelude::*;

/// Probabilities are clamped to at least this before the logarithm.
const EPS: f64 = 1e-6;

/// −(1/M) Σ_i log p_{i, y_i} for probabilities `p` and one-hot `onehot`, both `[b, p, k]`.
pub fn ce_loss<B: Backend>(probs: Tensor<B, 3>, onehot: Tensor<B, 3>) -> Tensor<B, 1> {
    let picked = (probs.clamp_min(EPS).log() * onehot).sum_dim(2);
    picked.mean().neg()
}

/// Soft Dice loss with smoothing 1, classes averaged.
pub fn dice_loss<B: Backend>(seg: Tensor<B, 3>, onehot: Tensor<B, 3>) -> Tensor<B, 1> {
    dice_of_sums(dice_sums(seg, onehot))
}

/// The per-class sums of the Dice loss over a batch, `[2, k]`: Σ_i Ŷ_ik Y_ik, then
/// Σ_i Ŷ_ik + Σ_i Y_ik (sums over pixels and images: a data-parallel run adds the peers').
pub fn dice_sums<B: Backend>(seg: Tensor<B, 3>, onehot: Tensor<B, 3>) -> Tensor<B, 2> {
    let k = seg.dims()[2];
    let inter = (seg.clone() * onehot.clone()).sum_dim(1).sum_dim(0).reshape([1, k]);
    let sizes = (seg.sum_dim(1).sum_dim(0) + onehot.sum_dim(1).sum_dim(0)).reshape([1, k]);
    Tensor::cat(vec![inter, sizes], 0)
}

/// The soft Dice loss from its sums ([`dice_sums`]).
pub fn dice_of_sums<B: Backend>(sums: Tensor<B, 2>) -> Tensor<B, 1> {
    let k = sums.dims()[1];
    let inter = sums.clone().narrow(0, 0, 1).reshape([k]);
    let sizes = sums.narrow(0, 1, 1).reshape([k]);
    let dice = (inter.mul_scalar(2.0).add_scalar(1.0)) / sizes.add_scalar(1.0);
    dice.mean().neg().add_scalar(1.0)
}

/// The `[n, k]` 0/1 matrix of the query groups: query `i` belongs to group ⌊i·k/n⌋.
pub fn query_groups(n: usize, k: usize) -> Vec<f32> {
    let mut g = vec![0f32; n * k];
    for i in 0..n {
        g[i * k + (i * k / n.max(1)).min(k.saturating_sub(1))] = 1.0;
    }
    g
}

/// The QD loss of assignments `[b, p, n]` with group matrix `groups` `[n, k]`.
pub fn qd_loss<B: Backend>(assign: Tensor<B, 3>, groups: Tensor<B, 2>, onehot: Tensor<B, 3>) -> Tensor<B, 1> {
    let b = assign.dims()[0];
    let mass = assign.matmul(groups.unsqueeze_dim::<3>(0).repeat_dim(0, b));
    ce_loss(mass, onehot)
}

/// `labels` (class ids, `b·p` of them) as a one-hot `[b, p, k]` tensor.
pub fn one_hot<B: Backend>(labels: &[u8], b: usize, p: usize, k: usize, device: &B::Device) -> Tensor<B, 3> {
    let mut v = vec![0f32; b * p * k];
    for (i, &l) in labels.iter().enumerate().take(b * p) {
        if usize::from(l) < k {
            v[i * k + usize::from(l)] = 1.0;
        }
    }
    Tensor::from_data(TensorData::new(v, [b, p, k]), device)
}
