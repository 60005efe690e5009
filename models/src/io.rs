//! Reading user data for the command line: `.npy` (f32, f64 or integer, C order) and CSV
//! (numbers separated by commas, semicolons, tabs or spaces; an optional non-numeric header
//! line). Every failure is a message naming the file and what is wrong with it.

use std::path::{Path, PathBuf};

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

/// Reads a matrix from `.npy` or CSV (chosen by extension; anything but `.npy` is CSV).
pub fn read_table(path: &Path) -> Result<Table, String> {
    let is_npy = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("npy"));
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let t = if is_npy { parse_npy(&bytes) } else { parse_csv(&String::from_utf8_lossy(&bytes)) };
    t.map_err(|e| format!("{}: {e}", path.display()))
}

/// Reads integer labels (a 1-D `.npy` of any integer or float type holding whole numbers, or
/// a one-column CSV). Negative values mean "unlabelled" for the semi-supervised commands.
pub fn read_labels(path: &Path) -> Result<Vec<i64>, String> {
    let t = read_table(path)?;
    if t.cols != 1 && t.rows != 1 {
        return Err(format!("{}: labels must be one column, found {}×{}", path.display(), t.rows, t.cols));
    }
    t.data
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if v.fract() == 0.0 && v.abs() < 9.0e15 {
                Ok(v as i64)
            } else {
                Err(format!("{}: label {i} = {v} is not an integer", path.display()))
            }
        })
        .collect()
}

/// Parses the bytes of an `.npy` file into a table of f64.
pub fn parse_npy(bytes: &[u8]) -> Result<Table, String> {
    check_flat_header(bytes)?;
    let npy = npyz::NpyFile::new(bytes).map_err(|e| format!("not a valid .npy file: {e}"))?;
    if npy.order() != npyz::Order::C {
        return Err("Fortran-ordered arrays are not supported; save with a C-order array".into());
    }
    let shape: Vec<usize> = npy.shape().iter().map(|&d| d as usize).collect();
    let (rows, cols) = match shape.as_slice() {
        [n] => (*n, 1),
        [r, c] => (*r, *c),
        other => return Err(format!("expected a 1-D or 2-D array, found shape {other:?}")),
    };
    let dtype = npy.dtype();
    let npyz::DType::Plain(ts) = &dtype else { return Err("structured arrays are not supported".into()) };
    // Reject a header whose shape needs more bytes than the file has before decoding anything,
    // so a tiny file claiming a huge shape costs nothing (found by fuzzing `parse_npy`).
    let width = usize::try_from(ts.size_field()).ok();
    let needed = rows.checked_mul(cols).zip(width).and_then(|(c, w)| c.checked_mul(w));
    if needed.is_none_or(|need| need > bytes.len()) {
        return Err(format!("shape {shape:?} needs more data than the file's {} bytes", bytes.len()));
    }
    let data: Vec<f64> = match (ts.type_char(), ts.size_field()) {
        (npyz::TypeChar::Float, 8) => npy.into_vec::<f64>().map_err(|e| e.to_string())?,
        (npyz::TypeChar::Float, 4) => {
            npy.into_vec::<f32>().map_err(|e| e.to_string())?.into_iter().map(f64::from).collect()
        }
        (npyz::TypeChar::Int, 8) => {
            npy.into_vec::<i64>().map_err(|e| e.to_string())?.into_iter().map(|v| v as f64).collect()
        }
        (npyz::TypeChar::Int, 4) => {
            npy.into_vec::<i32>().map_err(|e| e.to_string())?.into_iter().map(f64::from).collect()
        }
        (npyz::TypeChar::Uint, 1) => {
            npy.into_vec::<u8>().map_err(|e| e.to_string())?.into_iter().map(f64::from).collect()
        }
        (c, s) => return Err(format!("unsupported dtype {c:?} of {s} bytes (use f32, f64, i32, i64 or u8)")),
    };
    if data.len() != rows * cols {
        return Err(format!("shape {shape:?} needs {} values, file has {}", rows * cols, data.len()));
    }
    Ok(Table { data, rows, cols })
}

/// The header of a plain (non-structured) array is one flat dict: exactly one `{`, at most one
/// `(` (the shape), no `[`. Anything else is rejected before the full header parser sees it,
/// which also keeps deeply nested pathological headers from stalling it (found by fuzzing
/// `parse_npy`: a header of many `{` took seconds).
fn check_flat_header(bytes: &[u8]) -> Result<(), String> {
    let bad = || "not a valid .npy file: malformed header".to_string();
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not a valid .npy file: no NUMPY magic".into());
    }
    let (len, start): (usize, usize) = match bytes[6] {
        1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        2 | 3 if bytes.len() >= 12 => (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12),
        v => return Err(format!("not a valid .npy file: unsupported version {v}")),
    };
    let header = bytes.get(start..start.saturating_add(len)).ok_or_else(bad)?;
    let count = |c: u8| header.iter().filter(|&&h| h == c).count();
    if count(b'{') == 1 && count(b'(') <= 1 && count(b'[') == 0 { Ok(()) } else { Err(bad()) }
}

/// Parses CSV text into a table of f64; a first line that is not numeric is a header.
pub fn parse_csv(text: &str) -> Result<Table, String> {
    let mut data = Vec::new();
    let (mut rows, mut cols) = (0usize, 0usize);
    for (lineno, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split([',', ';', '\t', ' ']).filter(|f| !f.is_empty()).collect();
        let parsed: Result<Vec<f64>, _> = fields.iter().map(|f| f.trim_matches('"').parse::<f64>()).collect();
        let values = match parsed {
            Ok(v) => v,
            Err(_) if rows == 0 && data.is_empty() => continue, // header
            Err(e) => return Err(format!("line {}: {e}", lineno + 1)),
        };
        if rows == 0 {
            cols = values.len();
        } else if values.len() != cols {
            return Err(format!("line {}: {} fields, expected {cols}", lineno + 1, values.len()));
        }
        data.extend(values);
        rows += 1;
    }
    if rows == 0 {
        return Err("no numeric rows".into());
    }
    Ok(Table { data, rows, cols })
}

/// A data set bundled in the repository's `data/` folder (digits, iris, wine).
#[derive(Clone, Debug)]
pub struct Bundled {
    /// Features, row-major.
    pub x: Table,
    /// Class labels, 0-based.
    pub y: Vec<i64>,
}

/// The repository's `data/` folder.
pub fn data_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..").join("data")
}

/// Loads `data/NAME/features.npy` and `data/NAME/labels.npy`.
pub fn load_bundled(name: &str) -> Result<Bundled, String> {
    let dir = data_dir().join(name);
    let x = read_table(&dir.join("features.npy"))?;
    let y = read_labels(&dir.join("labels.npy"))?;
    if y.len() != x.rows {
        return Err(format!("{name}: {} labels for {} rows", y.len(), x.rows));
    }
    Ok(Bundled { x, y })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_with_header_and_separators() {
        let t = parse_csv("a,b\n1,2\n3;4\n\n5\t6\n").unwrap();
        assert_eq!(t, Table { data: vec![1., 2., 3., 4., 5., 6.], rows: 3, cols: 2 });
        assert!(parse_csv("1,2\n3\n").unwrap_err().contains("expected 2"));
        assert!(parse_csv("x\n").is_err());
        assert!(parse_csv("1,2\nfoo,3\n").is_err());
    }

    #[test]
    fn npy_rejects_garbage() {
        assert!(parse_npy(b"not numpy").is_err());
    }

    #[test]
    fn npy_rejects_nested_headers_quickly() {
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        let header = format!("{{'descr': '<i8', {}'fortran_order': False, 'shape': (1,), }}\n", "{".repeat(60));
        bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(&[0u8; 8]);
        assert!(parse_npy(&bytes).unwrap_err().contains("malformed header"));
    }

    #[test]
    fn npy_rejects_a_shape_larger_than_the_file() {
        let header = "{'descr': '<f8', 'fortran_order': False, 'shape': (4000000000, 3), }";
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        let padded = format!("{header:<117}\n");
        bytes.extend_from_slice(&(padded.len() as u16).to_le_bytes());
        bytes.extend_from_slice(padded.as_bytes());
        bytes.extend_from_slice(&[0u8; 24]);
        let err = parse_npy(&bytes).unwrap_err();
        assert!(err.contains("needs more data"), "{err}");
    }

    #[test]
    fn bundled_digits_and_iris_load() {
        let d = load_bundled("digits").unwrap();
        assert_eq!((d.x.rows, d.x.cols, d.y.len()), (1797, 64, 1797));
        let i = load_bundled("iris").unwrap();
        assert_eq!((i.x.rows, i.x.cols), (150, 4));
        assert_eq!(i.y.iter().filter(|&&c| c == 2).count(), 50);
    }
}
