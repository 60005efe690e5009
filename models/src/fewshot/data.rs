//! Features for the episode benchmark.

use crate::{Error, Result};
use clasp_core::MatMut;
use clasp_core::bound::{cl2n, column_mean};

/// CL2N features of a labelled data set, with the row indices of each class.
#[derive(Clone, Debug)]
pub struct FewShotData {
    /// Row-major `n × dim` features.
    pub x: Vec<f64>,
    /// Feature dimension.
    pub dim: usize,
    /// Class label of each row.
    pub labels: Vec<usize>,
    /// Rows of each class, ascending.
    pub by_class: Vec<Vec<usize>>,
}

impl FewShotData {
    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f64] {
        &self.x[i * self.dim..(i + 1) * self.dim]
    }
}

/// Which classes the episodes use and where the CL2N centre comes from. Either way the
/// features are the raw values (pixels for digits) scaled by the largest one, then CL2N: there
/// is no trained backbone, and reports say so.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Protocol {
    /// A transductive benchmark over every class: the CL2N centre is the mean of all rows and
    /// episodes draw from all classes (the README's digits numbers).
    #[default]
    AllClasses,
    /// The papers' protocol: classes `0..base` are base classes, whose mean is the CL2N centre
    /// (the base-class mean of a backbone's features in LaplacianShot/SLK), and episodes draw
    /// only from the novel classes `base..`; the novel classes never inform the features.
    BaseNovel {
        /// Number of base classes (the lowest labels).
        base: usize,
    },
}

impl Protocol {
    /// `all-classes` or `base-novel (base classes 0..B)`.
    pub fn describe(self) -> String {
        match self {
            Protocol::AllClasses => "all-classes".into(),
            Protocol::BaseNovel { base } => format!("base-novel (base classes 0..{base}, novel {base}..)"),
        }
    }
}

/// [`load_features_with`] under [`Protocol::AllClasses`].
pub fn load_features(name: &str) -> Result<FewShotData> {
    load_features_with(name, Protocol::AllClasses)
}

/// Loads a bundled data set (`digits`, `iris`, `wine`): divide by the largest value (16 for
/// digits), then CL2N with the centre of `protocol`; under [`Protocol::BaseNovel`] only the
/// novel classes are left for episodes (`by_class` of a base class is empty).
pub fn load_features_with(name: &str, protocol: Protocol) -> Result<FewShotData> {
    let b = crate::io::load_bundled(name)?;
    let (n, dim) = (b.x.rows, b.x.cols);
    let mut labels = Vec::with_capacity(n);
    for (i, &l) in b.y.iter().enumerate() {
        let label =
            usize::try_from(l).map_err(|_| Error::invalid_file(name, format!("negative label {l} at row {i}")))?;
        labels.push(label);
    }
    let classes = labels.iter().max().map_or(0, |&m| m + 1);
    let base = match protocol {
        Protocol::AllClasses => 0,
        Protocol::BaseNovel { base } if base == 0 || base >= classes => {
            return Err(Error::InvalidInput(format!(
                "{name} has {classes} classes: the base classes must be 1..{}",
                classes.saturating_sub(1)
            )));
        }
        Protocol::BaseNovel { base } => base,
    };
    let scale = b.x.data.iter().fold(0.0f64, |m, &v| m.max(v.abs()));
    let mut x: Vec<f64> = b.x.data.iter().map(|&v| if scale > 0.0 { v / scale } else { v }).collect();
    // The CL2N centre: every row, or the base-class rows only.
    let centre_rows: Vec<f64> = if base == 0 {
        x.clone()
    } else {
        x.chunks_exact(dim).zip(&labels).filter(|(_, l)| **l < base).flat_map(|(r, _)| r.iter().copied()).collect()
    };
    let mut mean = vec![0.0f64; dim];
    {
        let m = clasp_core::MatRef::new(&centre_rows, centre_rows.len() / dim.max(1), dim, "features")?;
        column_mean(m, &mut mean)?;
    }
    cl2n(&mut MatMut::new(&mut x, n, dim, "features")?, &mean)?;
    let mut by_class = vec![Vec::new(); classes];
    for (i, &l) in labels.iter().enumerate() {
        if l >= base {
            by_class[l].push(i);
        }
    }
    Ok(FewShotData { x, dim, labels, by_class })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_novel_centres_on_base_classes_and_keeps_only_novel_ones() {
        let all = load_features("digits").unwrap();
        let split = load_features_with("digits", Protocol::BaseNovel { base: 5 }).unwrap();
        assert!(split.by_class[..5].iter().all(Vec::is_empty));
        assert_eq!(split.by_class[5..], all.by_class[5..]);
        // Different centres give different features.
        assert_ne!(split.row(0), all.row(0));
        assert!(load_features_with("digits", Protocol::BaseNovel { base: 10 }).is_err());
        assert!(load_features_with("digits", Protocol::BaseNovel { base: 0 }).is_err());
    }
}
