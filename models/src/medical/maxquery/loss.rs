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
//! - appearance reconstruction (the auto-encoding term of DCN, Yang et al., ICML 2017): a
//!   linear head reads every pixel's neighbourhood t_i ([`super::appearance`]) back from its
//!   feature, t̂_i; L_rec = (1/T) Σ_j [Σ_i (t̂_ij − t_ij)² / Σ_i (t_ij − t̄_j)²], the unexplained
//!   share of each target's variance over the batch (t̄_j its mean), averaged over the T
//!   targets, so neither its weight nor the targets' balance depends on their units.
//! - pull (DCN's k-means term with MaxQuery's assignment): every pixel's feature is drawn to
//!   the queries that explain its label, R_in = A_in P_{n,y_i} / Σ_m A_im P_{m,y_i} (the
//!   posterior of query n given the pixel and its class under Ŷ = A·P, held fixed as in an
//!   E-step, so a pixel is never drawn to another class's queries), relative to the spread of
//!   the features, L_pull = Σ_i Σ_n R_in ‖F_i − C_n‖² / Σ_i ‖F_i − F̄‖² (F̄ the batch mean; for the
//!   cosine affinity on unit rows ‖F̂_i − Ĉ_n‖² = 2 − 2 S_in): the share of the feature scatter
//!   the queries leave unexplained, k-means' within/total ratio, which no rescaling or collapse
//!   of the features lowers. The inlier features form tight clusters around the queries, while
//!   L_rec keeps them from collapsing onto them.
//!
//! The total is L_CE + λ_Dice·L_Dice + λ_QD·L_QD + λ_rec·L_rec + λ_pull·L_pull.

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
    let k = seg.dims()[2];
    let inter = (seg.clone() * onehot.clone()).sum_dim(1).sum_dim(0).reshape([k]);
    let sizes = (seg.sum_dim(1).sum_dim(0) + onehot.sum_dim(1).sum_dim(0)).reshape([k]);
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

/// L_rec of predictions `pred` against targets `target`, both `[b, p, t]`.
pub fn reconstruction_loss<B: Backend>(pred: Tensor<B, 3>, target: Tensor<B, 3>) -> Tensor<B, 1> {
    let t = target.dims()[2];
    let centred = target.clone() - target.clone().mean_dim(1).mean_dim(0);
    let spread = centred.powi_scalar(2).sum_dim(1).sum_dim(0).reshape([t]).clamp_min(EPS);
    let error = (pred - target).powi_scalar(2).sum_dim(1).sum_dim(0).reshape([t]);
    (error / spread).mean()
}

/// The responsibilities R_in of the pull (`[b, p, n]`, detached) from the assignments `assign`
/// (`[b, p, n]`), the queries' class distributions `class_probs` (`[b, n, k]`) and the one-hot
/// labels `onehot` (`[b, p, k]`).
pub fn label_responsibilities<B: Backend>(
    assign: Tensor<B, 3>,
    class_probs: Tensor<B, 3>,
    onehot: Tensor<B, 3>,
) -> Tensor<B, 3> {
    let joint = assign * onehot.matmul(class_probs.swap_dims(1, 2));
    (joint.clone() / joint.sum_dim(2).clamp_min(EPS)).detach()
}

/// L_pull of responsibilities `resp` and squared pixel–query distances `sq_dist`, both
/// `[b, p, n]`, with the compared pixel features `features` (`[b, p, d]`).
pub fn pull_loss<B: Backend>(resp: Tensor<B, 3>, sq_dist: Tensor<B, 3>, features: Tensor<B, 3>) -> Tensor<B, 1> {
    let within = (resp * sq_dist).sum();
    let centred = features.clone() - features.mean_dim(1).mean_dim(0);
    within / centred.powi_scalar(2).sum().clamp_min(EPS)
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
