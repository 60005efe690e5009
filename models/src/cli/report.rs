//! Pieces shared by the fitting commands: reading the data, scoring against reference labels,
//! writing the JSON report.

use crate::io::{Table, read_labels, read_table};
use crate::metrics::{accuracy, adjusted_rand_index, normalized_mutual_info};
use serde::Serialize;
use std::path::Path;

/// External-validity scores against reference labels (rows with a negative label skipped).
#[derive(Serialize, Debug)]
pub struct Scores {
    /// Rows scored.
    pub n_scored: usize,
    /// Hungarian-matched accuracy.
    pub acc: f64,
    /// Normalised mutual information (arithmetic).
    pub nmi: f64,
    /// Adjusted Rand index.
    pub ari: f64,
}

/// Reads the data matrix.
pub fn load_data(path: &Path) -> Result<Table, String> {
    let t = read_table(path)?;
    if t.rows == 0 || t.cols == 0 {
        return Err(format!("{}: no data", path.display()));
    }
    Ok(t)
}

/// Reads reference labels and checks their count.
pub fn load_labels(path: Option<&Path>, rows: usize) -> Result<Option<Vec<i64>>, String> {
    let Some(p) = path else { return Ok(None) };
    let y = read_labels(p)?;
    if y.len() != rows {
        return Err(format!("{}: {} labels for {rows} rows", p.display(), y.len()));
    }
    Ok(Some(y))
}

/// ACC/NMI/ARI of `pred` on the rows whose reference label is ≥ 0.
pub fn score(truth: &[i64], pred: &[usize]) -> Result<Scores, String> {
    let (t, p): (Vec<i64>, Vec<i64>) =
        truth.iter().zip(pred).filter(|(t, _)| **t >= 0).map(|(&t, &p)| (t, p as i64)).unzip();
    let e = |e: crate::metrics::MetricError| e.to_string();
    Ok(Scores {
        n_scored: t.len(),
        acc: accuracy(&t, &p).map_err(e)?,
        nmi: normalized_mutual_info(&t, &p).map_err(e)?,
        ari: adjusted_rand_index(&t, &p).map_err(e)?,
    })
}

/// Rows of a row-major matrix as nested vectors (for readable JSON).
pub fn rows(data: &[f64], cols: usize) -> Vec<Vec<f64>> {
    data.chunks(cols.max(1)).map(<[f64]>::to_vec).collect()
}

/// Writes `value` as pretty JSON to `out`.
pub fn write_json<S: Serialize>(out: &Path, value: &S) -> Result<(), String> {
    let text = serde_json::to_string_pretty(value).map_err(|e| e.to_string())?;
    std::fs::write(out, text + "\n").map_err(|e| format!("{}: {e}", out.display()))
}
