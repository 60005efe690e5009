//! Reading user data for the command line — `.npy` (f32, f64 or integer, C order) and delimited
//! text ([`csv`]) — and writing its outputs ([`output`]). Every failure is one message naming
//! the file and what is wrong with it (row and column for a bad value).

pub mod bundled;
pub mod csv;
pub mod npy;
pub mod output;

use crate::{Error, Result};
use std::path::Path;

pub use bundled::{BundledError, DATA_ENV, bundled_file};
pub use csv::{Header, parse_csv};
pub use npy::{ElementKind, NpyArray, NpyError, parse_npy, parse_npy_array};
pub use output::{OutputError, WriteError, prepare_output, write_atomic, write_json_atomic};

/// Why the contents of a data file are not a usable table of numbers (the file itself is
/// named by [`Error::Table`]).
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// Not a usable `.npy` array.
    #[error(transparent)]
    Npy(#[from] NpyError),
    /// A `.npy` array of rank other than 1 or 2.
    #[error("expected a 1-D or 2-D array, found shape {shape:?}")]
    Rank {
        /// The array's shape.
        shape: Vec<usize>,
    },
    /// Text that is not UTF-8.
    #[error("not UTF-8 text ({0})")]
    NotUtf8(#[from] std::str::Utf8Error),
    /// The `csv` reader failed.
    #[error(transparent)]
    Csv(#[from] ::csv::Error),
    /// A row with a different number of fields than the first data row.
    #[error("line {line}: {found} fields, expected {expected} (as on the first data row)")]
    Ragged {
        /// Line number, from 1.
        line: u64,
        /// Fields on that line.
        found: usize,
        /// Fields on the first data row.
        expected: usize,
    },
    /// An empty cell (`1,,3`).
    #[error("line {line}, column {column}: empty cell")]
    EmptyCell {
        /// Line number, from 1.
        line: u64,
        /// Column, from 1.
        column: usize,
    },
    /// A cell that is not a number.
    #[error("line {line}, column {column}: {field:?} is not a number")]
    NotANumber {
        /// Line number, from 1.
        line: u64,
        /// Column, from 1.
        column: usize,
        /// The cell.
        field: String,
    },
    /// Text without a data row.
    #[error("no data rows")]
    NoRows,
    /// A table without rows or columns where data is required.
    #[error("no data")]
    NoData,
    /// A NaN or infinite value where every value must be finite.
    #[error("row {row}, column {column} is {value} (every value must be finite)")]
    NonFinite {
        /// Row, from 1.
        row: usize,
        /// Column, from 1.
        column: usize,
        /// The value.
        value: f64,
    },
    /// Labels that are not one column (or one row).
    #[error("labels must be one column, found {rows}×{cols}")]
    LabelShape {
        /// Rows of the table.
        rows: usize,
        /// Its columns.
        cols: usize,
    },
    /// A label that is not a whole number.
    #[error("label {index} = {value} is not an integer")]
    NotInteger {
        /// Position of the label, from 1.
        index: usize,
        /// Its value.
        value: f64,
    },
    /// Labels whose count differs from the rows of the data.
    #[error("{labels} labels for {rows} rows")]
    LabelCount {
        /// Number of labels.
        labels: usize,
        /// Number of rows of the data.
        rows: usize,
    },
}

/// A dense row-major matrix of f64 read from a file.
#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    /// Row-major values.
    pub data: Vec<f64>,
    /// Number of rows.
    pub rows: usize,
    /// Number of columns (1 for a 1-D array).
    pub cols: usize,
}

impl Table {
    /// The first NaN or infinite value as `(row, column)`, both counted from 0.
    pub fn first_non_finite(&self) -> Option<(usize, usize)> {
        let i = self.data.iter().position(|v| !v.is_finite())?;
        Some((i / self.cols.max(1), i % self.cols.max(1)))
    }
}

/// Reads a matrix from `.npy` or delimited text (chosen by extension; anything but `.npy` is
/// text, with `header` deciding about its first line).
pub fn read_table(path: &Path, header: Header) -> Result<Table> {
    let is_npy = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("npy"));
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let t = if is_npy {
        parse_npy(&bytes)
    } else {
        let text = std::str::from_utf8(&bytes).map_err(TableError::from);
        text.and_then(|t| parse_csv(t, header))
    };
    t.map_err(|e| Error::table(path, e))
}

/// Reads a data matrix that must be non-empty and finite; a NaN or infinity is reported with
/// the file, row and column (counted from 1).
pub fn read_finite_table(path: &Path, header: Header) -> Result<Table> {
    let t = read_table(path, header)?;
    if t.rows == 0 || t.cols == 0 {
        return Err(Error::table(path, TableError::NoData));
    }
    if let Some((r, c)) = t.first_non_finite() {
        let value = t.data[r * t.cols + c];
        return Err(Error::table(path, TableError::NonFinite { row: r + 1, column: c + 1, value }));
    }
    Ok(t)
}

/// Reads integer labels (a 1-D `.npy` of any integer or float type holding whole numbers, or
/// a one-column text file). Negative values mean "unlabelled" for the semi-supervised commands.
pub fn read_labels(path: &Path, header: Header) -> Result<Vec<i64>> {
    let t = read_table(path, header)?;
    labels_from_table(&t).map_err(|e| Error::table(path, e))
}

fn labels_from_table(t: &Table) -> Result<Vec<i64>, TableError> {
    if t.cols != 1 && t.rows != 1 {
        return Err(TableError::LabelShape { rows: t.rows, cols: t.cols });
    }
    t.data
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if v.fract() == 0.0 && v.abs() < 9.0e15 {
                Ok(v as i64)
            } else {
                Err(TableError::NotInteger { index: i + 1, value: v })
            }
        })
        .collect()
}

/// A data set bundled with clasp (digits, iris, wine; see [`bundled`]).
#[derive(Clone, Debug)]
pub struct Bundled {
    /// Features, row-major.
    pub x: Table,
    /// Class labels, 0-based.
    pub y: Vec<i64>,
}

/// Loads the bundled `NAME/features.npy` and `NAME/labels.npy`.
pub fn load_bundled(name: &str) -> Result<Bundled> {
    let read = |file: &str| -> Result<Table> {
        let (bytes, shown) = bundled_file(&format!("{name}/{file}"))?;
        parse_npy(&bytes).map_err(|e| Error::table(shown, e))
    };
    let x = read("features.npy")?;
    let y = labels_from_table(&read("labels.npy")?).map_err(|e| Error::table(format!("{name}/labels.npy"), e))?;
    if y.len() != x.rows {
        return Err(Error::table(name, TableError::LabelCount { labels: y.len(), rows: x.rows }));
    }
    Ok(Bundled { x, y })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_digits_and_iris_load() {
        let d = load_bundled("digits").unwrap();
        assert_eq!((d.x.rows, d.x.cols, d.y.len()), (1797, 64, 1797));
        let i = load_bundled("iris").unwrap();
        assert_eq!((i.x.rows, i.x.cols), (150, 4));
        assert_eq!(i.y.iter().filter(|&&c| c == 2).count(), 50);
        assert!(load_bundled("nope").unwrap_err().to_string().contains("no bundled file"));
    }

    #[test]
    fn non_finite_values_are_named_by_file_row_and_column() {
        let p = std::env::temp_dir().join(format!("clasp-io-nan-{}.csv", std::process::id()));
        std::fs::write(&p, "1,2\n3,4\n5,nan\n").unwrap();
        let err = read_finite_table(&p, Header::Auto).unwrap_err().to_string();
        assert!(err.ends_with("row 3, column 2 is NaN (every value must be finite)"), "{err}");
        assert!(err.contains(&*p.to_string_lossy()), "{err}");
        std::fs::remove_file(&p).unwrap();
    }

    #[test]
    fn labels_must_be_whole_numbers() {
        let t = Table { data: vec![0.0, 2.0, -1.0], rows: 3, cols: 1 };
        assert_eq!(labels_from_table(&t).unwrap(), vec![0, 2, -1]);
        let t = Table { data: vec![0.0, 2.5], rows: 2, cols: 1 };
        assert_eq!(labels_from_table(&t).unwrap_err().to_string(), "label 2 = 2.5 is not an integer");
    }
}
