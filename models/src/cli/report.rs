//! Pieces shared by the fitting commands: reading the data, scoring against reference labels,
//! writing the JSON report.

use crate::io::{Header, Table, TableError, prepare_output, read_finite_table, read_labels};
use crate::metrics::{accuracy, adjusted_rand_index, normalized_mutual_info};
use crate::{Error, Result};
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

impl Scores {
    /// `ACC 0.967  NMI 0.900  ARI 0.904`.
    pub fn line(&self) -> String {
        format!("ACC {:.4}  NMI {:.4}  ARI {:.4}", self.acc, self.nmi, self.ari)
    }
}

/// `"  ACC …  NMI …  ARI …"` when scores exist, else empty (for one-line command summaries).
pub fn scores_suffix(s: Option<&Scores>) -> String {
    s.map(|s| format!("  {}", s.line())).unwrap_or_default()
}

/// Reads reference labels and checks their count.
fn load_labels(path: Option<&Path>, rows: usize, header: Header) -> Result<Option<Vec<i64>>> {
    let Some(p) = path else { return Ok(None) };
    let y = read_labels(p, header)?;
    if y.len() != rows {
        return Err(Error::table(p, TableError::LabelCount { labels: y.len(), rows }));
    }
    Ok(Some(y))
}

/// ACC/NMI/ARI of `pred` on the rows whose reference label is ≥ 0.
pub fn score(truth: &[i64], pred: &[usize]) -> Result<Scores> {
    let (t, p): (Vec<i64>, Vec<i64>) =
        truth.iter().zip(pred).filter(|(t, _)| **t >= 0).map(|(&t, &p)| (t, p as i64)).unzip();
    Ok(Scores {
        n_scored: t.len(),
        acc: accuracy(&t, &p)?,
        nmi: normalized_mutual_info(&t, &p)?,
        ari: adjusted_rand_index(&t, &p)?,
    })
}

/// Rows of a row-major matrix as nested vectors (for readable JSON).
pub fn rows(data: &[f64], cols: usize) -> Vec<Vec<f64>> {
    data.chunks(cols.max(1)).map(<[f64]>::to_vec).collect()
}

/// The start of every fitting command: checks `out` against the inputs and its folder (before
/// any work), then reads the data (finite, non-empty) and the optional labels.
pub fn load_inputs(
    data: &Path,
    labels: Option<&Path>,
    header: Header,
    out: &Path,
) -> Result<(Table, Option<Vec<i64>>)> {
    let mut inputs = vec![data];
    inputs.extend(labels);
    prepare_output(out, &inputs)?;
    let table = read_finite_table(data, header)?;
    let labels = load_labels(labels, table.rows, header)?;
    Ok((table, labels))
}

/// The warning line for a run that stopped at its iteration cap.
pub fn warn_not_converged(command: &str, converged: bool, what: &str) {
    if !converged {
        eprintln!(
            "clasp {command}: warning: {what} did not converge (raise --max-iter or check the data); the report says \"converged\": false"
        );
    }
}
