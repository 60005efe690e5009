//! breast_cancer (WDBC, 569 tumours, malignant/benign) as two views of one subject: view a the
//! mean and standard-error features (columns 0–19), view b the "worst" features (20–29).
//! Held-out pairs: a stratified 20 % split; every column is standardised with the mean and
//! standard deviation of the training rows.

use super::{PairedSet, PairedSplit, View};
use crate::data::{TEST_FRACTION, train_test_indices};
use crate::io::load_bundled;
use crate::{Error, Result};

/// Columns of view a (mean + SE features).
pub const BREAST_CANCER_VIEW_A: std::ops::Range<usize> = 0..20;
/// Columns of view b (worst features).
pub const BREAST_CANCER_VIEW_B: std::ops::Range<usize> = 20..30;

/// `x` (rows × cols) standardised column-wise with the mean and SD of the rows `fit`.
fn standardise(x: &mut [f32], cols: usize, fit: &[usize]) {
    for c in 0..cols {
        let n = fit.len().max(1) as f64;
        let mean = fit.iter().map(|&i| f64::from(x[i * cols + c])).sum::<f64>() / n;
        let var = fit.iter().map(|&i| (f64::from(x[i * cols + c]) - mean).powi(2)).sum::<f64>() / n;
        let sd = if var > 0.0 { var.sqrt() } else { 1.0 };
        for row in x.chunks_exact_mut(cols) {
            row[c] = ((f64::from(row[c]) - mean) / sd) as f32;
        }
    }
}

/// The bundled breast_cancer as paired views, split (seeded, stratified 80/20) and standardised.
pub fn breast_cancer_pairs(seed: u64) -> Result<PairedSplit> {
    let d = load_bundled("breast_cancer")?;
    if d.x.cols != 30 {
        return Err(Error::invalid_file("breast_cancer", format!("{} columns, expected 30", d.x.cols)));
    }
    let labels: Vec<usize> =
        d.y.iter()
            .map(|&v| usize::try_from(v).map_err(|_| Error::invalid_file("breast_cancer", format!("label {v}"))))
            .collect::<Result<_, _>>()?;
    let n = d.x.rows;
    let (train, test) = train_test_indices(Some(&labels), n, TEST_FRACTION, seed);
    let cut = |range: std::ops::Range<usize>| -> Vec<f32> {
        let mut v: Vec<f32> =
            d.x.data.chunks_exact(30).flat_map(|row| row[range.clone()].iter().map(|&x| x as f32)).collect();
        standardise(&mut v, range.len(), &train);
        v
    };
    let set = PairedSet {
        name: "breast-cancer".into(),
        view_names: ["mean+SE features".into(), "worst features".into()],
        a: View::Features { data: cut(BREAST_CANCER_VIEW_A), dim: BREAST_CANCER_VIEW_A.len() },
        b: View::Features { data: cut(BREAST_CANCER_VIEW_B), dim: BREAST_CANCER_VIEW_B.len() },
        labels: Some(labels),
        class_names: vec!["malignant".into(), "benign".into()],
    };
    set.check()?;
    Ok(PairedSplit { train: set.subset(&train), test: set.subset(&test) })
}
