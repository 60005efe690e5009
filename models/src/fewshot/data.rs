//! Features for the episode benchmark.

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

/// Loads a bundled data set (`digits`, `iris`, `wine`) and applies the digits protocol:
/// divide by the largest value (16 for digits), then CL2N with the global mean.
pub fn load_features(name: &str) -> Result<FewShotData, String> {
    let b = crate::io::load_bundled(name)?;
    let (n, dim) = (b.x.rows, b.x.cols);
    let scale = b.x.data.iter().fold(0.0f64, |m, &v| m.max(v.abs()));
    let mut x: Vec<f64> = b.x.data.iter().map(|&v| if scale > 0.0 { v / scale } else { v }).collect();
    let mut mean = vec![0.0f64; dim];
    {
        let m = clasp_core::MatRef::new(&x, n, dim, "features").map_err(|e| e.to_string())?;
        column_mean(m, &mut mean).map_err(|e| e.to_string())?;
    }
    cl2n(&mut MatMut::new(&mut x, n, dim, "features").map_err(|e| e.to_string())?, &mean).map_err(|e| e.to_string())?;
    let mut labels = Vec::with_capacity(n);
    for (i, &l) in b.y.iter().enumerate() {
        labels.push(usize::try_from(l).map_err(|_| format!("{name}: negative label {l} at row {i}"))?);
    }
    let classes = labels.iter().max().map_or(0, |&m| m + 1);
    let mut by_class = vec![Vec::new(); classes];
    for (i, &l) in labels.iter().enumerate() {
        by_class[l].push(i);
    }
    Ok(FewShotData { x, dim, labels, by_class })
}
