//! Split and merge proposals.
//!
//! Split: the cluster's members are divided by 2-means (k-means++ seeding from the sampler's
//! seeded stream, Lloyd iterations to a fixed point; GPC `split_rule`), optionally refined by
//! hard two-component Gaussian EM under the NIW prior (DeepDPM keeps Gaussian sub-clusters).
//! Merge: each cluster's nearest centroid in Euclidean distance (GPC's 1-NN proposal).

use crate::scalar::Linalg;
use alloc::vec;
use alloc::vec::Vec;
use rand_chacha::ChaCha8Rng;
use rand_core::Rng;

use super::components::{Components, hard_stats};
use crate::mixture::niw::NiwPrior;
use crate::ops::sq_dist;
use crate::scalar::{Float, Real};

const LLOYD_ITERS: usize = 100;

/// Uniform draw in [0, 1).
pub(crate) fn uniform(rng: &mut ChaCha8Rng) -> f64 {
    (rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

/// 2-means on the rows `members` of `x` (D columns): side (0 or 1) of every member.
/// k-means++: the first centre is a uniform member, the second is drawn ∝ D²; Lloyd
/// iterations until no member changes side. All-identical members give side 0 for all.
pub(crate) fn two_means<T: Real>(x: &[T], dim: usize, members: &[usize], rng: &mut ChaCha8Rng) -> Vec<u8> {
    let row = |i: usize| &x[i * dim..(i + 1) * dim];
    let m = members.len();
    let mut side = vec![0u8; m];
    if m < 2 {
        return side;
    }
    let first = members[((uniform(rng) * m as f64) as usize).min(m - 1)];
    let d2: Vec<T::Acc> = members.iter().map(|&i| sq_dist(row(i), row(first))).collect();
    let total: T::Acc = d2.iter().copied().sum();
    if total.partial_cmp(&<T::Acc as Float>::ZERO) != Some(core::cmp::Ordering::Greater) {
        return side;
    }
    let target = <T::Acc as Float>::from_f64(uniform(rng)) * total;
    let mut acc = <T::Acc as Float>::ZERO;
    let mut second = members[m - 1];
    for (&i, &d) in members.iter().zip(&d2) {
        acc += d;
        if acc > target {
            second = i;
            break;
        }
    }
    let mut centres: [Vec<T::Acc>; 2] =
        [row(first).iter().map(|v| v.to_acc()).collect(), row(second).iter().map(|v| v.to_acc()).collect()];
    for _ in 0..LLOYD_ITERS {
        let mut changed = false;
        for (s, &i) in side.iter_mut().zip(members) {
            let r = row(i);
            let d0: T::Acc = r.iter().zip(&centres[0]).map(|(a, &c)| (a.to_acc() - c) * (a.to_acc() - c)).sum();
            let d1: T::Acc = r.iter().zip(&centres[1]).map(|(a, &c)| (a.to_acc() - c) * (a.to_acc() - c)).sum();
            let new = u8::from(d1 < d0);
            changed |= new != *s;
            *s = new;
        }
        let mut counts = [0usize; 2];
        let mut sums = [vec![<T::Acc as Float>::ZERO; dim], vec![<T::Acc as Float>::ZERO; dim]];
        for (&s, &i) in side.iter().zip(members) {
            counts[s as usize] += 1;
            for (a, v) in sums[s as usize].iter_mut().zip(row(i)) {
                *a += v.to_acc();
            }
        }
        for c in 0..2 {
            if counts[c] > 0 {
                let n = <T::Acc as Float>::from_usize(counts[c]);
                for (cv, s) in centres[c].iter_mut().zip(&sums[c]) {
                    *cv = *s / n;
                }
            }
        }
        if !changed {
            break;
        }
    }
    side
}

/// Hard two-component Gaussian EM (classification EM under the NIW prior) started from
/// `side`, at most `iters` passes; stops early when no member moves or a side would empty.
pub(crate) fn refine_gaussian<T: Real<Acc = F>, F: Linalg>(
    prior: &NiwPrior<F>,
    x: &[T],
    members: &[usize],
    side: &mut [u8],
    iters: usize,
    concentration: F,
) {
    let dim = prior.dim();
    let sub_x: Vec<T> = members.iter().flat_map(|&i| x[i * dim..(i + 1) * dim].iter().copied()).collect();
    let mut labels: Vec<usize> = side.iter().map(|&s| s as usize).collect();
    let mut buf = vec![<F as Float>::ZERO; dim];
    for _ in 0..iters {
        let stats = hard_stats(prior, &sub_x, &labels, 2);
        if stats.iter().any(|s| s.count() < <F as Float>::ONE + <F as Float>::ONE) {
            break;
        }
        let Ok(comps) = Components::from_stats(prior, &stats, concentration) else { break };
        let mut changed = false;
        let mut new = labels.clone();
        for (l, row) in new.iter_mut().zip(sub_x.chunks_exact(dim)) {
            let a = comps.log_weights[0] + comps.log_density(0, row, &mut buf);
            let b = comps.log_weights[1] + comps.log_density(1, row, &mut buf);
            let s = usize::from(b > a);
            changed |= s != *l;
            *l = s;
        }
        if new.iter().all(|&l| l == 0) || new.iter().all(|&l| l == 1) || !changed {
            break;
        }
        labels = new;
    }
    for (s, &l) in side.iter_mut().zip(&labels) {
        *s = l as u8;
    }
}

/// For each cluster, the index of its nearest other centroid (Euclidean) among `eligible`
/// clusters, or `None`. `centres` is K×D row-major.
pub(crate) fn nearest_partner<F: Float>(centres: &[F], dim: usize, k: usize, eligible: &[bool]) -> Option<usize> {
    let ck = centres.get(k * dim..(k + 1) * dim)?;
    let mut best: Option<(usize, F)> = None;
    for (j, cj) in centres.chunks_exact(dim).enumerate() {
        if j == k || !eligible.get(j).copied().unwrap_or(false) {
            continue;
        }
        let d = sq_dist(ck, cj);
        if best.is_none_or(|(_, b)| d < b) {
            best = Some((j, d));
        }
    }
    best.map(|(j, _)| j)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_core::SeedableRng;

    #[test]
    fn two_means_separates_two_blobs_and_is_seeded() {
        let mut x = Vec::new();
        for i in 0..20 {
            let off = if i < 10 { 0.0 } else { 10.0 };
            x.extend_from_slice(&[off + (i % 3) as f64 * 0.1, off - (i % 4) as f64 * 0.1]);
        }
        let members: Vec<usize> = (0..20).collect();
        let a = two_means(&x, 2, &members, &mut ChaCha8Rng::seed_from_u64(3));
        let b = two_means(&x, 2, &members, &mut ChaCha8Rng::seed_from_u64(3));
        assert_eq!(a, b);
        assert!(a[..10].iter().all(|&s| s == a[0]) && a[10..].iter().all(|&s| s != a[0]));
        let same = two_means(&[1.0f64; 6], 2, &[0, 1, 2], &mut ChaCha8Rng::seed_from_u64(0));
        assert_eq!(same, vec![0, 0, 0]);
    }

    #[test]
    fn nearest_partner_skips_ineligible() {
        let c = [0.0f64, 0.0, 1.0, 0.0, 5.0, 0.0];
        assert_eq!(nearest_partner(&c, 2, 0, &[true, true, true]), Some(1));
        assert_eq!(nearest_partner(&c, 2, 0, &[true, false, true]), Some(2));
        assert_eq!(nearest_partner(&c, 2, 0, &[true, false, false]), None);
    }
}
