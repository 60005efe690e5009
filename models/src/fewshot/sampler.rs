//! Seeded episode sampling (ChaCha8): the same seed gives the same episodes, so every method
//! is evaluated on identical tasks.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

use super::data::FewShotData;
use crate::{Error, Result};

/// Shape of an episode.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EpisodeSpec {
    /// Classes per episode.
    pub ways: usize,
    /// Support points per class.
    pub shots: usize,
    /// Query points per class.
    pub queries: usize,
}

/// Row indices of one episode; labels are episode class indices `0..ways` in draw order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SampledEpisode {
    /// Support rows, class by class.
    pub support: Vec<usize>,
    /// Their episode labels.
    pub support_labels: Vec<usize>,
    /// Query rows, class by class.
    pub query: Vec<usize>,
    /// Their episode labels (ground truth).
    pub query_labels: Vec<usize>,
}

/// Uniform integer in `0..n` (n ≥ 1) by rejection (no modulo bias).
fn below(rng: &mut ChaCha8Rng, n: usize) -> usize {
    let n = n as u64;
    let zone = u64::MAX - (u64::MAX % n);
    loop {
        let v = rng.next_u64();
        if v < zone {
            return (v % n) as usize;
        }
    }
}

/// The first `m` entries of a partial Fisher–Yates shuffle of `items`.
fn choose(rng: &mut ChaCha8Rng, items: &[usize], m: usize) -> Vec<usize> {
    let mut v = items.to_vec();
    for i in 0..m {
        let j = i + below(rng, v.len() - i);
        v.swap(i, j);
    }
    v.truncate(m);
    v
}

/// Draws `count` episodes: per episode `ways` distinct classes, then per class
/// `shots + queries` distinct rows (the first `shots` are support).
pub fn sample_episodes(data: &FewShotData, spec: EpisodeSpec, count: usize, seed: u64) -> Result<Vec<SampledEpisode>> {
    if spec.ways == 0 || spec.shots == 0 || spec.queries == 0 {
        return Err(Error::InvalidConfig(format!(
            "ways, shots and queries must be ≥ 1 (got {}, {}, {})",
            spec.ways, spec.shots, spec.queries
        )));
    }
    let classes: Vec<usize> = (0..data.by_class.len()).filter(|&c| !data.by_class[c].is_empty()).collect();
    if spec.ways > classes.len() {
        return Err(Error::InvalidInput(format!(
            "{} ways asked, the data set has {} classes",
            spec.ways,
            classes.len()
        )));
    }
    let per = spec.shots + spec.queries;
    if let Some(c) = classes.iter().find(|&&c| data.by_class[c].len() < per) {
        return Err(Error::InvalidInput(format!("class {c} has {} points, {per} needed", data.by_class[*c].len())));
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let picked = choose(&mut rng, &classes, spec.ways);
        let mut e = SampledEpisode {
            support: Vec::with_capacity(spec.ways * spec.shots),
            support_labels: Vec::with_capacity(spec.ways * spec.shots),
            query: Vec::with_capacity(spec.ways * spec.queries),
            query_labels: Vec::with_capacity(spec.ways * spec.queries),
        };
        for (label, &c) in picked.iter().enumerate() {
            let rows = choose(&mut rng, &data.by_class[c], per);
            e.support.extend_from_slice(&rows[..spec.shots]);
            e.support_labels.extend(std::iter::repeat_n(label, spec.shots));
            e.query.extend_from_slice(&rows[spec.shots..]);
            e.query_labels.extend(std::iter::repeat_n(label, spec.queries));
        }
        out.push(e);
    }
    Ok(out)
}
