//! Linear probes of frozen features with a fraction of the training labels: accuracy with the
//! shared [`crate::eval::linear_probe`] (multinomial logistic regression), and for two classes
//! the AUROC of a binary logistic regression fitted on the same labelled rows.

use crate::data::stratified_sample;
use crate::eval::{Features, ProbeParams, linear_probe};
use crate::metrics::auroc;
use crate::pipelines::Matrix;
use crate::{Error, Result};

/// The label fractions of the probes (1 %, 10 %, 100 %).
pub const LABEL_FRACTIONS: [f64; 3] = [0.01, 0.1, 1.0];

/// The report key of a label fraction (`"1%"`, `"10%"`, `"100%"`).
pub fn fraction_key(f: f64) -> String {
    format!("{}%", (f * 100.0).round())
}

/// A seeded stratified sample of `ceil(fraction · n)` rows that keeps at least one row of every
/// class present (sorted).
pub fn labelled_subset(labels: &[usize], fraction: f64, seed: u64) -> Vec<usize> {
    let take = ((fraction.clamp(0.0, 1.0) * labels.len() as f64).ceil() as usize).max(1);
    let mut idx = stratified_sample(labels, take, seed);
    let classes = labels.iter().max().map_or(0, |&m| m + 1);
    for c in 0..classes {
        if !idx.iter().any(|&i| labels[i] == c)
            && let Some(first) = labels.iter().position(|&l| l == c)
        {
            idx.push(first);
        }
    }
    idx.sort_unstable();
    idx
}

fn rows(m: &Matrix, idx: &[usize]) -> Vec<f32> {
    idx.iter().flat_map(|&i| m.data[i * m.dim..(i + 1) * m.dim].iter().copied()).collect()
}

/// Test accuracy of the linear probe trained on `fraction` of the training rows.
pub fn probe_accuracy(
    train: &Matrix,
    ytr: &[usize],
    test: &Matrix,
    yte: &[usize],
    classes: usize,
    fraction: f64,
    seed: u64,
) -> Result<f64> {
    let idx = labelled_subset(ytr, fraction, seed);
    let x = rows(train, &idx);
    let y: Vec<usize> = idx.iter().map(|&i| ytr[i]).collect();
    let f = Features { data: &x, n: idx.len(), dim: train.dim };
    let params = ProbeParams { seed, ..Default::default() };
    Ok(linear_probe(f, &y, test.features(), yte, classes, &params)?)
}

/// Test AUROC (class 1 positive) of an L2-regularised binary logistic regression (standardised
/// features, 500 full-batch gradient steps, step 0.5, penalty 1e-2) trained on `fraction` of
/// the training rows. Labels must be 0/1.
pub fn probe_auroc(
    train: &Matrix,
    ytr: &[usize],
    test: &Matrix,
    yte: &[usize],
    fraction: f64,
    seed: u64,
) -> Result<f64> {
    if ytr.iter().chain(yte).any(|&y| y > 1) {
        return Err(Error::InvalidInput("AUROC probe: labels must be 0 or 1".into()));
    }
    let idx = labelled_subset(ytr, fraction, seed);
    let d = train.dim;
    let mut mean = vec![0.0f64; d];
    let mut sd = vec![0.0f64; d];
    for &i in &idx {
        mean.iter_mut().zip(&train.data[i * d..(i + 1) * d]).for_each(|(m, &v)| *m += f64::from(v));
    }
    mean.iter_mut().for_each(|m| *m /= idx.len() as f64);
    for &i in &idx {
        sd.iter_mut()
            .zip(&train.data[i * d..(i + 1) * d])
            .zip(&mean)
            .for_each(|((s, &v), m)| *s += (f64::from(v) - m).powi(2));
    }
    sd.iter_mut().for_each(|s| *s = (*s / idx.len() as f64).sqrt().max(1e-6));
    let z = |row: &[f32]| -> Vec<f64> {
        row.iter().zip(&mean).zip(&sd).map(|((&v, m), s)| (f64::from(v) - m) / s).collect()
    };
    let xs: Vec<Vec<f64>> = idx.iter().map(|&i| z(&train.data[i * d..(i + 1) * d])).collect();
    let ys: Vec<f64> = idx.iter().map(|&i| ytr[i] as f64).collect();
    let (mut w, mut b) = (vec![0.0f64; d], 0.0f64);
    let (lr, l2, n) = (0.5, 1e-2, xs.len() as f64);
    for _ in 0..500 {
        let mut gw = vec![0.0f64; d];
        let mut gb = 0.0;
        for (x, &y) in xs.iter().zip(&ys) {
            let p = 1.0 / (1.0 + (-(x.iter().zip(&w).map(|(a, b)| a * b).sum::<f64>() + b)).exp());
            gw.iter_mut().zip(x).for_each(|(g, &v)| *g += (p - y) * v / n);
            gb += (p - y) / n;
        }
        w.iter_mut().zip(&gw).for_each(|(wi, g)| *wi -= lr * (g + l2 * *wi));
        b -= lr * gb;
    }
    let scores: Vec<f64> =
        test.data.chunks_exact(d).map(|row| z(row).iter().zip(&w).map(|(a, b)| a * b).sum::<f64>() + b).collect();
    let positive: Vec<bool> = yte.iter().map(|&y| y == 1).collect();
    Ok(auroc(&positive, &scores)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsets_keep_every_class_and_probes_separate_clean_classes() {
        let labels: Vec<usize> = (0..200).map(|i| usize::from(i % 10 == 0)).collect();
        let s = labelled_subset(&labels, 0.01, 3);
        assert!(s.iter().any(|&i| labels[i] == 0) && s.iter().any(|&i| labels[i] == 1), "{s:?}");
        assert_eq!(labelled_subset(&labels, 1.0, 3).len(), 200);
        let m = Matrix { data: labels.iter().flat_map(|&y| [y as f32 * 2.0 - 1.0, 0.5]).collect(), n: 200, dim: 2 };
        assert_eq!(probe_auroc(&m, &labels, &m, &labels, 0.1, 0).unwrap(), 1.0);
        assert_eq!(probe_accuracy(&m, &labels, &m, &labels, 2, 0.1, 0).unwrap(), 1.0);
        assert_eq!(fraction_key(0.01), "1%");
    }
}
