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

/// L_rec's denominators Σ_i (t_ij − t̄_j)² (at least `EPS`), `[t]`, over the targets `target`
/// (`[b, p, t]`) of a whole batch.
pub fn target_spread<B: Backend>(target: Tensor<B, 3>) -> Tensor<B, 1> {
    let t = target.dims()[2];
    let centred = target.clone() - target.mean_dim(1).mean_dim(0);
    centred.powi_scalar(2).sum_dim(1).sum_dim(0).reshape([t]).clamp_min(EPS)
}

/// L_rec of predictions `pred` against targets `target`, both `[b, p, t]`, with the spread
/// `spread` ([`target_spread`]) of the whole batch's targets: the rows of a data-parallel
/// peer give its share, and the peers' shares add up to the batch's L_rec.
pub fn reconstruction_loss<B: Backend>(pred: Tensor<B, 3>, target: Tensor<B, 3>, spread: Tensor<B, 1>) -> Tensor<B, 1> {
    let t = target.dims()[2];
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

/// Σ_i F_i of the compared pixel features `features` (`[b, p, d]`), `[d]`: over the whole
/// batch (a data-parallel run adds the peers'), divided by its pixels, the centre F̄ of
/// [`pull_sums`].
pub fn feature_sum<B: Backend>(features: Tensor<B, 3>) -> Tensor<B, 1> {
    let d = features.dims()[2];
    features.sum_dim(1).sum_dim(0).reshape([d])
}

/// The sums of L_pull over a batch, `[2]`: Σ_i Σ_n R_in ‖F_i − C_n‖² of responsibilities `resp`
/// and squared pixel–query distances `sq_dist` (both `[b, p, n]`), then Σ_i ‖F_i − F̄‖² of the
/// compared pixel features `features` (`[b, p, d]`) about the whole batch's centre `centre`
/// (`[d]`); a data-parallel run adds the peers'.
pub fn pull_sums<B: Backend>(
    resp: Tensor<B, 3>,
    sq_dist: Tensor<B, 3>,
    features: Tensor<B, 3>,
    centre: Tensor<B, 1>,
) -> Tensor<B, 1> {
    let d = centre.dims()[0];
    let within = (resp * sq_dist).sum();
    let scatter = (features - centre.reshape([1, 1, d])).powi_scalar(2).sum();
    Tensor::cat(vec![within, scatter], 0)
}

/// L_pull from its sums ([`pull_sums`]).
pub fn pull_of_sums<B: Backend>(sums: Tensor<B, 1>) -> Tensor<B, 1> {
    sums.clone().narrow(0, 0, 1) / sums.narrow(0, 1, 1).clamp_min(EPS)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::train::device::CpuBackend as B;

    fn tensor3(v: &[f32], shape: [usize; 3]) -> Tensor<B, 3> {
        Tensor::from_data(TensorData::new(v.to_vec(), shape), &Default::default())
    }

    fn value(t: Tensor<B, 1>) -> f64 {
        t.into_scalar().elem::<f64>()
    }

    #[test]
    fn reconstruction_by_hand_and_in_two_shares() {
        // One target over 2 images of 2 pixels: t = (0, 2 | 4, 6), t̄ = 3, spread 9+1+1+9 = 20;
        // errors (1, 0 | 0, 3): 1 + 9 = 10, L_rec = 0.5.
        let target = tensor3(&[0.0, 2.0, 4.0, 6.0], [2, 2, 1]);
        let pred = tensor3(&[1.0, 2.0, 4.0, 9.0], [2, 2, 1]);
        let spread = target_spread(target.clone());
        assert!((value(spread.clone()) - 20.0).abs() < 1e-6);
        let whole = value(reconstruction_loss(pred.clone(), target.clone(), spread.clone()));
        assert!((whole - 0.5).abs() < 1e-6, "{whole}");
        // Each image's share with the whole batch's spread: 1/20 and 9/20.
        let part = |i| {
            value(reconstruction_loss(pred.clone().narrow(0, i, 1), target.clone().narrow(0, i, 1), spread.clone()))
        };
        assert!((part(0) - 0.05).abs() < 1e-6 && (part(1) - 0.45).abs() < 1e-6);
    }

    #[test]
    fn pull_by_hand_and_from_two_shares() {
        // 2 images of 1 pixel, features 0 and 2 (d = 1; centre 1, scatter 1 + 1 = 2); 2 queries
        // at squared distances (1, 4) and (9, 0), responsibilities (1, 0) and (0.5, 0.5):
        // within = 1 + 4.5 = 5.5, L_pull = 2.75.
        let resp = tensor3(&[1.0, 0.0, 0.5, 0.5], [2, 1, 2]);
        let sq = tensor3(&[1.0, 4.0, 9.0, 0.0], [2, 1, 2]);
        let f = tensor3(&[0.0, 2.0], [2, 1, 1]);
        let centre = feature_sum(f.clone()).div_scalar(2.0);
        let whole = value(pull_of_sums(pull_sums(resp.clone(), sq.clone(), f.clone(), centre.clone())));
        assert!((whole - 2.75).abs() < 1e-6, "{whole}");
        // The sums of the two images about the batch centre add up to the batch's.
        let part = |i| {
            pull_sums(
                resp.clone().narrow(0, i, 1),
                sq.clone().narrow(0, i, 1),
                f.clone().narrow(0, i, 1),
                centre.clone(),
            )
        };
        let summed = value(pull_of_sums(part(0) + part(1)));
        assert!((summed - whole).abs() < 1e-6, "{summed} vs {whole}");
        // Label responsibilities: a pixel of class 0 between a class-0 and a class-1 query is
        // drawn to the class-0 one only.
        let assign = tensor3(&[0.5, 0.5], [1, 1, 2]);
        let class_probs = tensor3(&[1.0, 0.0, 0.0, 1.0], [1, 2, 2]);
        let onehot = tensor3(&[1.0, 0.0], [1, 1, 2]);
        let r =
            label_responsibilities(assign, class_probs, onehot).into_data().convert::<f32>().into_vec::<f32>().unwrap();
        assert_eq!(r, vec![1.0, 0.0]);
    }
}
