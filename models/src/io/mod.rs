//! Reading user data for the command line — `.npy` (f32, f64 or integer, C order) and delimited
//! text ([`csv`]) — and writing its outputs ([`output`]). Every failure is one message naming
//! the file and what is wrong with it (row and column for a bad value).

pub mod bundled;
pub mod csv;
pub mod npy;
pub mod output;

use std::path::Path;

pub use bundled::{DATA_ENV, bundled_file};
pub use csv::{Header, parse_csv};
pub use npy::{ElementKind, NpyArray, NpyError, parse_npy, parse_npy_array};
pub use output::{prepare_output, write_atomic, write_json_atomic};

/// An I/O failure on `path`, as reported to the user: `path: error`.
pub fn io_err(path: &Path, e: impl std::fmt::Display) -> String {
    format!("{}: {e}", path.display())
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
pub fn read_table(path: &Path, header: Header) -> Result<Table, String> {
    let is_npy = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("npy"));
    let bytes = std::fs::read(path).map_err(|e| io_err(path, e))?;
    let t = if is_npy {
        parse_npy(&bytes)
    } else {
        let text = std::str::from_utf8(&bytes).map_err(|e| format!("not UTF-8 text ({e})"));
        text.and_then(|t| parse_csv(t, header))
    };
    t.map_err(|e| io_err(path, e))
}

/// Reads a data matrix that must be non-empty and finite; a NaN or infinity is reported with
/// the file, row and column (counted from 1).
pub fn read_finite_table(path: &Path, header: Header) -> Result<Table, String> {
    let t = read_table(path, header)?;
    if t.rows == 0 || t.cols == 0 {
        return Err(format!("{}: no data", path.display()));
    }
    if let Some((r, c)) = t.first_non_finite() {
        let v = t.data[r * t.cols + c];
        return Err(format!("{}: row {}, column {} is {v} (every value must be finite)", path.display(), r + 1, c + 1));
    }
    Ok(t)
}

/// Reads integer labels (a 1-D `.npy` of any integer or float type holding whole numbers, or
/// a one-column text file). Negative values mean "unlabelled" for the semi-supervised commands.
pub fn read_labels(path: &Path, header: Header) -> Result<Vec<i64>, String> {
    let t = read_table(path, header)?;
    labels_from_table(&t).map_err(|e| io_err(path, e))
}

fn labels_from_table(t: &Table) -> Result<Vec<i64>, String> {
    if t.cols != 1 && t.rows != 1 {
        return Err(format!("labels must be one column, found {}×{}", t.rows, t.cols));
    }
    t.data
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if v.fract() == 0.0 && v.abs() < 9.0e15 {
                Ok(v as i64)
            } else {
                Err(format!("label {} = {v} is not an integer", i + 1))
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
pub fn load_bundled(name: &str) -> Result<Bundled, String> {
    let read = |file: &str| -> Result<Table, String> {
        let (bytes, shown) = bundled_file(&format!("{name}/{file}"))?;
        parse_npy(&bytes).map_err(|e| io_err(&shown, e))
    };
    let x = read("features.npy")?;
    let y = labels_from_table(&read("labels.npy")?).map_err(|e| format!("{name}/labels.npy: {e}"))?;
    if y.len() != x.rows {
        return Err(format!("{name}: {} labels for {} rows", y.len(), x.rows));
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
        assert!(load_bundled("nope").unwrap_err().contains("no bundled file"));
    }

    #[test]
    fn non_finite_values_are_named_by_file_row_and_column() {
        let p = std::env::temp_dir().join(format!("clasp-io-nan-{}.csv", std::process::id()));
        std::fs::write(&p, "1,2\n3,4\n5,nan\n").unwrap();
        let err = read_finite_table(&p, Header::Auto).unwrap_err();
        assert!(err.ends_with("row 3, column 2 is NaN (every value must be finite)"), "{err}");
        assert!(err.contains(&*p.to_string_lossy()), "{err}");
        std::fs::remove_file(&p).unwrap();
    }

    #[test]
    fn labels_must_be_whole_numbers() {
        let t = Table { data: vec![0.0, 2.0, -1.0], rows: 3, cols: 1 };
        assert_eq!(labels_from_table(&t).unwrap(), vec![0, 2, -1]);
        let t = Table { data: vec![0.0, 2.5], rows: 2, cols: 1 };
        assert_eq!(labels_from_table(&t).unwrap_err(), "label 2 = 2.5 is not an integer");
    }
}
