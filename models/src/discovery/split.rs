//! The generalised category discovery split (Vaze et al., CVPR 2022; GPC §4): classes
//! `0..old` are "old", and a seeded `fraction` of each old class's rows is labelled; every
//! other row, all rows of the new classes `old..` included, is unlabelled. Metrics are taken
//! on the unlabelled rows.

use crate::{Error, Result};
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;
use rand_core::SeedableRng;

/// Which rows are labelled and which classes are old.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GcdSplit {
    /// Per row: `Some(class)` for a labelled row (always an old class), `None` otherwise.
    pub known: Vec<Option<usize>>,
    /// Per row: whether its true class is old.
    pub is_old: Vec<bool>,
    /// Number of old classes (the labelled classes are `0..old`).
    pub old: usize,
}

impl GcdSplit {
    /// Indices of the unlabelled rows (the rows GCD scores), ascending.
    pub fn unlabelled(&self) -> Vec<usize> {
        self.known.iter().enumerate().filter(|(_, k)| k.is_none()).map(|(i, _)| i).collect()
    }

    /// Number of labelled rows.
    pub fn labelled_count(&self) -> usize {
        self.known.iter().filter(|k| k.is_some()).count()
    }
}

/// Splits rows with true `labels` for GCD: in each class `c < old`, `round(fraction · n_c)`
/// rows drawn by a seeded shuffle (ChaCha8, `seed`) are labelled. Errors when `fraction` is
/// outside [0, 1] or `old` is 0 or not below the number of classes (GCD needs new classes).
pub fn gcd_split(labels: &[usize], old: usize, fraction: f64, seed: u64) -> Result<GcdSplit> {
    if !(0.0..=1.0).contains(&fraction) {
        return Err(Error::InvalidConfig(format!("labelled fraction {fraction} is outside [0, 1]")));
    }
    let classes = labels.iter().max().map_or(0, |&m| m + 1);
    if old == 0 || old >= classes {
        return Err(Error::InvalidConfig(format!(
            "{classes} classes: the old classes must be 0..K with 1 ≤ K < {classes} (got {old})"
        )));
    }
    let mut members: Vec<Vec<usize>> = vec![Vec::new(); old];
    for (i, &c) in labels.iter().enumerate() {
        if c < old {
            members[c].push(i);
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut known = vec![None; labels.len()];
    for (c, rows) in members.iter_mut().enumerate() {
        rows.shuffle(&mut rng);
        let take = (fraction * rows.len() as f64).round() as usize;
        for &i in &rows[..take.min(rows.len())] {
            known[i] = Some(c);
        }
    }
    Ok(GcdSplit { known, is_old: labels.iter().map(|&c| c < old).collect(), old })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_of_each_old_class_is_labelled_and_nothing_else() {
        let labels: Vec<usize> = (0..100).map(|i| i % 4).collect();
        let s = gcd_split(&labels, 2, 0.5, 1).unwrap();
        for c in 0..4 {
            let lab = (0..100).filter(|&i| labels[i] == c && s.known[i].is_some()).count();
            assert_eq!(lab, if c < 2 { 13 } else { 0 }, "class {c}");
        }
        assert!(s.known.iter().zip(&labels).all(|(k, &l)| k.is_none_or(|k| k == l)));
        assert_eq!(s.labelled_count() + s.unlabelled().len(), 100);
        assert!(gcd_split(&labels, 4, 0.5, 1).is_err());
        assert!(gcd_split(&labels, 2, 1.5, 1).is_err());
    }
}
