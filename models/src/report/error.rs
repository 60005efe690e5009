//! The one error type of the report module, and the input checks shared by the plots.

use crate::metrics::MetricError;
use std::fmt;
use std::path::PathBuf;

/// Why a plot or a report page could not be written. Every variant displays as one line naming
/// the offending input, index or file.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// An input with no entries (no series, an empty series, no samples, no columns).
    #[error("{what} is empty")]
    Empty {
        /// Which input.
        what: String,
    },
    /// Two inputs that must agree in length do not.
    #[error("{what} has {found} entries, expected {expected}")]
    LengthMismatch {
        /// Which input has the wrong length.
        what: String,
        /// The length it should have.
        expected: usize,
        /// The length it has.
        found: usize,
    },
    /// A NaN or infinite value.
    #[error("{what}: value {index} is not finite")]
    NonFinite {
        /// Which input.
        what: String,
        /// Index of the first offending value in that input.
        index: usize,
    },
    /// A label too large to be used as a metric id (above `i64::MAX`).
    #[error("{what}: label {index} does not fit in an i64")]
    LabelOutOfRange {
        /// Which input.
        what: String,
        /// Index of the offending label.
        index: usize,
    },
    /// The 2-D projection (PCA) failed.
    #[error("projection failed: {0}")]
    Projection(String),
    /// A clustering metric (the Hungarian matching) failed.
    #[error("matching failed: {0}")]
    Metric(#[from] MetricError),
    /// plotters could not draw the chart.
    #[error("drawing failed: {0}")]
    Plot(String),
    /// The report JSON does not have the documented shape (e.g. `pipelines` is not an array).
    #[error("invalid report: {0}")]
    InvalidReport(String),
    /// A plot listed in the report does not exist.
    #[error("plot file {} does not exist", path.display())]
    MissingPlot {
        /// The file that was looked for (`base_dir` joined with the listed path).
        path: PathBuf,
    },
    /// A plot listed in the report is neither SVG, PNG nor JPEG (by its extension).
    #[error("plot file {} is not .svg, .png or .jpg", path.display())]
    UnsupportedPlot {
        /// The listed file.
        path: PathBuf,
    },
    /// Reading or writing a file failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
}

/// A plotters drawing error as a [`ReportError::Plot`].
pub(crate) fn draw_err(e: impl fmt::Display) -> ReportError {
    ReportError::Plot(e.to_string())
}

/// `Err(Empty)` when `len == 0`.
pub(crate) fn check_non_empty(what: &str, len: usize) -> Result<(), ReportError> {
    if len == 0 {
        return Err(ReportError::Empty { what: what.to_string() });
    }
    Ok(())
}

/// `Err(LengthMismatch)` when `found != expected`.
pub(crate) fn check_len(what: &str, expected: usize, found: usize) -> Result<(), ReportError> {
    if found != expected {
        return Err(ReportError::LengthMismatch { what: what.to_string(), expected, found });
    }
    Ok(())
}

/// `Err(NonFinite)` at the first NaN or infinite value.
pub(crate) fn check_finite<T: Copy + Into<f64>>(what: &str, values: &[T]) -> Result<(), ReportError> {
    match values.iter().position(|&v| !v.into().is_finite()) {
        Some(index) => Err(ReportError::NonFinite { what: what.to_string(), index }),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_one_line() {
        let errors = [
            ReportError::Empty { what: "series `loss`".into() },
            ReportError::LengthMismatch { what: "`pred`".into(), expected: 3, found: 2 },
            ReportError::NonFinite { what: "embedding".into(), index: 7 },
            ReportError::MissingPlot { path: PathBuf::from("a/b.svg") },
            ReportError::Io { path: PathBuf::from("x"), source: std::io::Error::other("boom") },
        ];
        for e in &errors {
            let s = e.to_string();
            assert!(!s.is_empty() && !s.contains('\n'), "{s}");
        }
        assert_eq!(errors[1].to_string(), "`pred` has 2 entries, expected 3");
        assert!(check_finite("x", &[1.0f32, f32::NAN]).is_err());
        assert!(check_finite("x", &[1.0f64, 2.0]).is_ok());
    }
}
