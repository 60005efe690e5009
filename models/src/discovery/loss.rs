//! GPC's losses: the prototype contrastive loss over the mixture's assignments with a
//! per-cluster temperature (PCL's ProtoNCE as GPC uses it), the per-cluster temperatures
//! themselves, and GCD's representation loss (instance contrastive over two views plus
//! supervised contrastive on the labelled rows) as one masked InfoNCE.

use burn::prelude::*;
use burn::tensor::activation::log_softmax;

/// Prototype contrastive loss: mean over rows of −log softmax_k(z_i·c_k / φ_k)[y_i], with `z`
/// `[n, d]` and prototypes `c` `[k, d]` (both unit rows), temperatures `phi` `[k]`, targets
/// `y` `[n]`.
pub fn prototype_loss<B: Backend>(
    z: Tensor<B, 2>,
    prototypes: Tensor<B, 2>,
    phi: Tensor<B, 1>,
    targets: Tensor<B, 1, Int>,
) -> Tensor<B, 1> {
    let [n, _] = z.dims();
    let k = phi.dims()[0];
    let logits = z.matmul(prototypes.transpose()) / phi.reshape([1, k]);
    let lp = log_softmax(logits, 1);
    let picked = lp.gather(1, targets.reshape([n, 1]));
    picked.mean().neg()
}

/// The per-cluster temperatures of PCL/GPC: φ_k = mean_i ‖z_i − c_k‖ / ln(n_k + 10) over the
/// members of cluster k (`c_k` = member mean); clusters with ≤ 1 member get the largest φ;
/// then φ is clipped to its 10th–90th percentiles (linear interpolation, NumPy's default) and
/// rescaled to mean `mean_t`. `z` is `n × d` row-major, `labels` in `0..k`. Also returns the
/// member means (`k × d`; zeros for an empty cluster).
pub fn cluster_temperatures(z: &[f64], d: usize, labels: &[usize], k: usize, mean_t: f64) -> (Vec<f64>, Vec<f64>) {
    let mut centres = vec![0.0f64; k * d];
    let mut count = vec![0usize; k];
    for (row, &l) in z.chunks_exact(d).zip(labels) {
        count[l] += 1;
        centres[l * d..(l + 1) * d].iter_mut().zip(row).for_each(|(c, v)| *c += v);
    }
    for (c, &m) in centres.chunks_exact_mut(d).zip(&count) {
        c.iter_mut().for_each(|v| *v /= m.max(1) as f64);
    }
    let mut dist = vec![0.0f64; k];
    for (row, &l) in z.chunks_exact(d).zip(labels) {
        let c = &centres[l * d..(l + 1) * d];
        dist[l] += row.iter().zip(c).map(|(a, b)| (a - b) * (a - b)).sum::<f64>().sqrt();
    }
    let mut phi: Vec<f64> = (0..k)
        .map(|j| if count[j] > 1 { dist[j] / count[j] as f64 / (count[j] as f64 + 10.0).ln() } else { 0.0 })
        .collect();
    let max = phi.iter().copied().fold(0.0f64, f64::max);
    for (p, &m) in phi.iter_mut().zip(&count) {
        if m <= 1 {
            *p = max;
        }
    }
    let (lo, hi) = (percentile(&phi, 10.0), percentile(&phi, 90.0));
    phi.iter_mut().for_each(|p| *p = p.clamp(lo, hi));
    let mean = phi.iter().sum::<f64>() / k.max(1) as f64;
    if mean > 0.0 {
        phi.iter_mut().for_each(|p| *p *= mean_t / mean);
    } else {
        phi.iter_mut().for_each(|p| *p = mean_t);
    }
    (phi, centres)
}

/// NumPy's `percentile` with linear interpolation (`q` in [0, 100]); 0 for an empty slice.
fn percentile(v: &[f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let pos = q / 100.0 * (s.len() - 1) as f64;
    let (i, f) = (pos.floor() as usize, pos - pos.floor());
    let j = (i + 1).min(s.len() - 1);
    s[i] + f * (s[j] - s[i])
}

/// The row weights of a masked InfoNCE over `m` stacked views: `mask[i·m + j]` = P_ij / (ΣP_i ·
/// R) where P is 1 for a positive pair, ΣP_i the positives of row i and R the number of rows
/// that have any. `positive(i, j)` is asked for i ≠ j only.
pub fn positive_weights(m: usize, positive: impl Fn(usize, usize) -> bool) -> Vec<f32> {
    let mut w = vec![0.0f32; m * m];
    let mut rows = 0usize;
    for i in 0..m {
        let pos: Vec<usize> = (0..m).filter(|&j| j != i && positive(i, j)).collect();
        if !pos.is_empty() {
            rows += 1;
            pos.iter().for_each(|&j| w[i * m + j] = 1.0 / pos.len() as f32);
        }
    }
    if rows > 0 {
        w.iter_mut().for_each(|v| *v /= rows as f32);
    }
    w
}

/// Masked InfoNCE (SimCLR's NT-Xent with positives generalised as in SupCon) over the `[m, d]`
/// unit rows of `z_all`, its rows `index` (`z` holds them, `[r, d]`):
/// −Σ_{i ∈ index} Σ_j W_ij log softmax_j(S_i·)_j with S_i· = z_i·z_allᵀ/τ, the diagonal entry
/// (and the entries where `exclude`, `[r, m]`, is 1) left out of the softmax; `weights` are
/// W's rows `index` (`[r, m]`, [`positive_weights`]). Over a partition of the rows, the parts
/// sum to the whole.
fn masked_rows<B: Backend>(
    z: Tensor<B, 2>,
    z_all: Tensor<B, 2>,
    index: &[usize],
    weights: Tensor<B, 2>,
    exclude: Option<Tensor<B, 2>>,
    tau: f64,
) -> Tensor<B, 1> {
    let m = z_all.dims()[0];
    let device = z.device();
    let mut eye = vec![0.0f32; index.len() * m];
    index.iter().enumerate().for_each(|(r, &i)| eye[r * m + i] = 1.0);
    let eye = Tensor::<B, 2>::from_data(TensorData::new(eye, [index.len(), m]), &device);
    let sim = z.matmul(z_all.transpose()) / tau - eye * 1e9;
    let sim = match exclude {
        Some(x) => sim - x * 1e9,
        None => sim,
    };
    (log_softmax(sim, 1) * weights).sum().neg()
}

/// GCD's representation loss on a batch of `b` images given as two stacked views `z_all`
/// (`[2b, d]`, view 1 then view 2): (1 − λ)·instance InfoNCE (each row's other view is its
/// positive) + λ·supervised InfoNCE among the labelled rows (`known[i]`, same class = positive).
/// `z` holds the rows of `rows` (of the b images) of both views (`[2·|rows|, d]`, view 1 then
/// view 2; all rows: `z` = `z_all`), and the loss is their part: over the peers of a
/// data-parallel run (each its rows, `z_all` gathered), the parts sum to the whole.
pub fn representation_loss<B: Backend>(
    z: Tensor<B, 2>,
    z_all: Tensor<B, 2>,
    rows: std::ops::Range<usize>,
    known: &[Option<usize>],
    tau: f64,
    sup_weight: f64,
) -> Tensor<B, 1> {
    let b = known.len();
    let device = z.device();
    let m = 2 * b;
    let index: Vec<usize> = rows.clone().chain(rows.map(|i| b + i)).collect();
    let tensor = |w: &[f32]| {
        let picked: Vec<f32> = index.iter().flat_map(|&i| w[i * m..(i + 1) * m].iter().copied()).collect();
        Tensor::<B, 2>::from_data(TensorData::new(picked, [index.len(), m]), &device)
    };
    let inst = positive_weights(m, |i, j| i % b == j % b);
    let mut loss = masked_rows(z.clone(), z_all.clone(), &index, tensor(&inst), None, tau) * (1.0 - sup_weight);
    let sup = positive_weights(m, |i, j| matches!((known[i % b], known[j % b]), (Some(a), Some(c)) if a == c));
    if sup_weight > 0.0 && sup.iter().any(|&v| v > 0.0) {
        // Only labelled rows take part in the supervised softmax: others are masked out.
        let exclude: Vec<f32> = (0..m * m)
            .map(|ij| if known[(ij / m) % b].is_some() && known[(ij % m) % b].is_some() { 0.0 } else { 1.0 })
            .collect();
        let exclude = tensor(&exclude);
        loss = loss + masked_rows(z, z_all, &index, tensor(&sup), Some(exclude), tau) * sup_weight;
    }
    loss
}

#[cfg(test)]
mod tests {
    use super::*;
    type B = burn::backend::Flex;

    fn t2(v: Vec<f32>, s: [usize; 2]) -> Tensor<B, 2> {
        Tensor::from_data(TensorData::new(v, s), &Default::default())
    }

    #[test]
    fn prototype_loss_by_hand() {
        // z = (1, 0); prototypes (1, 0), (0, 1); φ = (0.5, 1): logits (2, 0), target 0
        // → log(1 + e⁻²); target 1 → log(1 + e²). Mean of the two rows.
        let z = t2(vec![1.0, 0.0, 1.0, 0.0], [2, 2]);
        let c = t2(vec![1.0, 0.0, 0.0, 1.0], [2, 2]);
        let phi = Tensor::<B, 1>::from_data(TensorData::new(vec![0.5f32, 1.0], [2]), &Default::default());
        let y = Tensor::<B, 1, Int>::from_data(TensorData::new(vec![0i32, 1], [2]), &Default::default());
        let v = prototype_loss(z, c, phi, y).into_scalar().elem::<f64>();
        let want = ((1.0 + (-2.0f64).exp()).ln() + (1.0 + 2.0f64.exp()).ln()) / 2.0;
        assert!((v - want).abs() < 1e-5, "{v} vs {want}");
    }

    #[test]
    fn info_nce_by_hand() {
        // Two images, two views: rows a, b, a', b' with a = a' = (1, 0), b = b' = (0, 1), τ = 1.
        // Row a: logits over (b, a', b') = (0, 1, 0) → −log(e/(e + 2)); the same for every row.
        let z = t2(vec![1.0, 0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 1.0], [4, 2]);
        let w = positive_weights(4, |i, j| i % 2 == j % 2);
        assert_eq!(w.iter().filter(|&&v| v > 0.0).count(), 4);
        let v = masked_rows(z.clone(), z.clone(), &[0, 1, 2, 3], t2(w.clone(), [4, 4]), None, 1.0);
        let v = v.into_scalar().elem::<f64>();
        let e = 1.0f64.exp();
        assert!((v - (-(e / (e + 2.0)).ln())).abs() < 1e-5, "{v}");
        // Rows {0, 2} and {1, 3} (one peer's rows of both views each) sum to the whole.
        let part = |rows: [usize; 2]| {
            let zr = Tensor::cat(rows.iter().map(|&r| z.clone().narrow(0, r, 1)).collect(), 0);
            let wr: Vec<f32> = rows.iter().flat_map(|&r| w[r * 4..(r + 1) * 4].to_vec()).collect();
            masked_rows(zr, z.clone(), &rows, t2(wr, [2, 4]), None, 1.0).into_scalar().elem::<f64>()
        };
        assert!((part([0, 2]) + part([1, 3]) - v).abs() < 1e-5);
    }

    #[test]
    fn temperatures_by_hand() {
        // Cluster 0: (0,0), (2,0) → mean (1,0), mean distance 1, φ₀ = 1/ln 12; cluster 1:
        // (5,5), (5,7), (5,9) → mean (5,7), distances 2, 0, 2, φ₁ = (4/3)/ln 13; cluster 2 a
        // singleton → the max. Clip to [P10, P90], rescale to mean 1.
        let z = [0.0, 0.0, 2.0, 0.0, 5.0, 5.0, 5.0, 7.0, 5.0, 9.0, 9.0, 9.0];
        let (phi, c) = cluster_temperatures(&z, 2, &[0, 0, 1, 1, 1, 2], 3, 1.0);
        assert_eq!(&c[..4], &[1.0, 0.0, 5.0, 7.0]);
        let (p0, p1) = (1.0 / 12f64.ln(), (4.0 / 3.0) / 13f64.ln());
        let raw = [p0, p1, p1];
        let (lo, hi) = (p0 + 0.2 * (p1 - p0), p1);
        let clipped: Vec<f64> = raw.iter().map(|p| p.clamp(lo, hi)).collect();
        let mean = clipped.iter().sum::<f64>() / 3.0;
        for (a, b) in phi.iter().zip(&clipped) {
            assert!((a - b / mean).abs() < 1e-12, "{phi:?}");
        }
    }
}
