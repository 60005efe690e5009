//! SimpleShot (Wang et al., 2019): nearest class centroid on (CL2N) features,
//! `label(x) = argmin_k ‖x − m_k‖²` with `m_k` the mean of the support features of class k.
//! The inductive baseline of LaplacianShot and SLK few-shot.

use super::episode::Episode;
use crate::error::Result;
use crate::scalar::{Float, Real};
use crate::validate;

/// Scratch (compute elements) for [`simple_shot`]: the `ways × d` centroids.
pub fn simple_shot_scratch(ways: usize, dim: usize) -> usize {
    ways * dim
}

/// Writes the SimpleShot label of every query point to `labels` (length `n_q`).
/// Ties go to the lower class index.
pub fn simple_shot<T: Real>(episode: &Episode<'_, T>, labels: &mut [usize], scratch: &mut [T::Acc]) -> Result<()> {
    let (k, d) = (episode.ways(), episode.dim());
    validate::len(labels, episode.query().rows(), "labels")?;
    validate::scratch(scratch, simple_shot_scratch(k, d))?;
    let means = &mut scratch[..k * d];
    episode.class_means(means);
    for (q, l) in episode.query().row_iter().zip(labels.iter_mut()) {
        let mut best = (0usize, <T::Acc as Float>::INFINITY);
        for (c, m) in means.chunks_exact(d).enumerate() {
            let dist: T::Acc = q
                .iter()
                .zip(m)
                .map(|(&a, &b)| {
                    let t = a.to_acc() - b;
                    t * t
                })
                .sum();
            if dist < best.1 {
                best = (c, dist);
            }
        }
        *l = best.0;
    }
    Ok(())
}

/// [`simple_shot`] with owned scratch and output.
#[cfg(feature = "alloc")]
pub fn simple_shot_labels<T: Real>(episode: &Episode<'_, T>) -> Result<alloc::vec::Vec<usize>> {
    let mut labels = alloc::vec![0usize; episode.query().rows()];
    let mut scratch = alloc::vec![<T::Acc as Float>::ZERO; simple_shot_scratch(episode.ways(), episode.dim())];
    simple_shot(episode, &mut labels, &mut scratch)?;
    Ok(labels)
}
