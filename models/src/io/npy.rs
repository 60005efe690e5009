//! `.npy` arrays (NumPy's format, C order, any rank) decoded to f64, with every size checked
//! against the file before anything is allocated: a truncated file says how many data bytes
//! its header promises and how many it holds.

use super::{Table, TableError};

/// Element type of a decoded array.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElementKind {
    /// `uint8`.
    U8,
    /// `float32` or `float64`.
    Float,
    /// Any other integer type.
    Int,
}

/// A decoded `.npy` array.
#[derive(Clone, Debug, PartialEq)]
pub struct NpyArray {
    /// The array's shape.
    pub shape: Vec<usize>,
    /// Its element type.
    pub kind: ElementKind,
    /// Values in C order.
    pub data: Vec<f64>,
}

/// Why bytes are not a usable `.npy` array.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum NpyError {
    /// Not the format (magic, header, dtype, layout).
    #[error("{0}")]
    Format(String),
    /// The sizes do not fit (a truncated file, a shape too large to address).
    #[error("{0}")]
    Shape(String),
}

/// The header of a plain (non-structured) array is one flat dict: exactly one `{`, at most one
/// `(` (the shape), no `[`. Anything else is rejected before npyz's header parser sees it,
/// which also keeps deeply nested pathological headers from stalling it (found by fuzzing
/// `parse_npy`: a header of many `{` took seconds). Returns the offset of the data.
fn check_flat_header(bytes: &[u8]) -> Result<usize, NpyError> {
    let format = |m: &str| NpyError::Format(format!("not a valid .npy file: {m}"));
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(format("no NUMPY magic"));
    }
    let (len, start): (usize, usize) = match bytes[6] {
        1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        2 | 3 if bytes.len() >= 12 => (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12),
        v => return Err(format(&format!("unsupported version {v}"))),
    };
    let header = bytes.get(start..start.saturating_add(len)).ok_or_else(|| format("truncated header"))?;
    let count = |c: u8| header.iter().filter(|&&h| h == c).count();
    if count(b'{') == 1 && count(b'(') <= 1 && count(b'[') == 0 {
        Ok(start + len)
    } else {
        Err(format("malformed header"))
    }
}

/// Decodes `.npy` bytes of any rank (u8, i8–i64, u16–u64, f32, f64) into f64 values.
pub fn parse_npy_array(bytes: &[u8]) -> Result<NpyArray, NpyError> {
    let offset = check_flat_header(bytes)?;
    let npy = npyz::NpyFile::new(bytes).map_err(|e| NpyError::Format(format!("not a valid .npy file: {e}")))?;
    if npy.order() != npyz::Order::C {
        return Err(NpyError::Format("Fortran-ordered array; save a C-ordered one".into()));
    }
    let shape: Vec<usize> = npy.shape().iter().map(|&d| d as usize).collect();
    let dtype = npy.dtype();
    let npyz::DType::Plain(ts) = &dtype else {
        return Err(NpyError::Format("structured arrays are not supported".into()));
    };
    let (tc, size) = (ts.type_char(), ts.size_field());
    // A tiny file claiming a huge shape is rejected before anything is allocated.
    let count = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
    let needed = count.zip(usize::try_from(size).ok()).and_then(|(c, w)| c.checked_mul(w));
    let (Some(count), Some(needed)) = (count, needed) else {
        return Err(NpyError::Shape(format!("shape {shape:?} is too large")));
    };
    let have = bytes.len() - offset;
    if needed > have {
        return Err(NpyError::Shape(format!(
            "the file is truncated: shape {shape:?} of {size}-byte values needs {needed} data bytes, the file holds {have}"
        )));
    }
    let bad = |e: std::io::Error| NpyError::Format(format!("cannot decode the array: {e}"));
    use npyz::TypeChar::{Float, Int, Uint};
    let (kind, data): (ElementKind, Vec<f64>) = match (tc, size) {
        (Uint, 1) => (ElementKind::U8, npy.into_vec::<u8>().map_err(bad)?.into_iter().map(f64::from).collect()),
        (Float, 4) => (ElementKind::Float, npy.into_vec::<f32>().map_err(bad)?.into_iter().map(f64::from).collect()),
        (Float, 8) => (ElementKind::Float, npy.into_vec::<f64>().map_err(bad)?),
        (Int, 1) => (ElementKind::Int, npy.into_vec::<i8>().map_err(bad)?.into_iter().map(f64::from).collect()),
        (Int, 2) => (ElementKind::Int, npy.into_vec::<i16>().map_err(bad)?.into_iter().map(f64::from).collect()),
        (Int, 4) => (ElementKind::Int, npy.into_vec::<i32>().map_err(bad)?.into_iter().map(f64::from).collect()),
        (Int, 8) => (ElementKind::Int, npy.into_vec::<i64>().map_err(bad)?.into_iter().map(|v| v as f64).collect()),
        (Uint, 2) => (ElementKind::Int, npy.into_vec::<u16>().map_err(bad)?.into_iter().map(f64::from).collect()),
        (Uint, 4) => (ElementKind::Int, npy.into_vec::<u32>().map_err(bad)?.into_iter().map(f64::from).collect()),
        (Uint, 8) => (ElementKind::Int, npy.into_vec::<u64>().map_err(bad)?.into_iter().map(|v| v as f64).collect()),
        (c, s) => return Err(NpyError::Format(format!("unsupported dtype {c:?} of {s} bytes"))),
    };
    if data.len() != count {
        return Err(NpyError::Shape(format!("shape {shape:?} but {} values", data.len())));
    }
    Ok(NpyArray { shape, kind, data })
}

/// Parses the bytes of a 1-D or 2-D `.npy` file into a table of f64 (a 1-D array is one
/// column).
pub fn parse_npy(bytes: &[u8]) -> Result<Table, TableError> {
    let a = parse_npy_array(bytes)?;
    let (rows, cols) = match a.shape.as_slice() {
        [n] => (*n, 1),
        [r, c] => (*r, *c),
        _ => return Err(TableError::Rank { shape: a.shape }),
    };
    Ok(Table { data: a.data, rows, cols })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The bytes of a C-order `.npy` file with dtype `descr` (e.g. `|u1`, `<f4`).
    pub(crate) fn npy_bytes(descr: &str, shape: &[usize], data: &[u8]) -> Vec<u8> {
        let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
        let shape = if dims.len() == 1 { format!("({},)", dims[0]) } else { format!("({})", dims.join(", ")) };
        let mut header = format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend_from_slice(&(header.len() as u16).to_le_bytes());
        b.extend_from_slice(header.as_bytes());
        b.extend_from_slice(data);
        b
    }

    #[test]
    fn npy_rejects_garbage() {
        assert!(parse_npy(b"not numpy").unwrap_err().to_string().contains("no NUMPY magic"));
    }

    #[test]
    fn npy_rejects_nested_headers_quickly() {
        let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
        let header = format!("{{'descr': '<i8', {}'fortran_order': False, 'shape': (1,), }}\n", "{".repeat(60));
        bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
        bytes.extend_from_slice(header.as_bytes());
        bytes.extend_from_slice(&[0u8; 8]);
        assert!(parse_npy(&bytes).unwrap_err().to_string().contains("malformed header"));
    }

    #[test]
    fn a_truncated_file_names_expected_and_actual_sizes() {
        // 4 × 3 f8 = 96 data bytes; the file holds 24 (`failed to fill whole buffer` before).
        let err = parse_npy(&npy_bytes("<f8", &[4, 3], &[0u8; 24])).unwrap_err().to_string();
        assert!(err.contains("truncated") && err.contains("96") && err.contains("24"), "{err}");
        let err = parse_npy(&npy_bytes("<f8", &[4_000_000_000, 3], &[0u8; 24])).unwrap_err().to_string();
        assert!(err.contains("truncated"), "{err}");
    }

    #[test]
    fn one_and_two_dimensional_arrays() {
        let v: Vec<u8> = [1.0f64, 2.0, 3.0, 4.0].iter().flat_map(|x| x.to_le_bytes()).collect();
        assert_eq!(
            parse_npy(&npy_bytes("<f8", &[2, 2], &v)).unwrap(),
            Table { data: vec![1., 2., 3., 4.], rows: 2, cols: 2 }
        );
        assert_eq!(parse_npy(&npy_bytes("<f8", &[4], &v)).unwrap().cols, 1);
        assert!(parse_npy(&npy_bytes("<f8", &[1, 2, 2], &v)).unwrap_err().to_string().contains("1-D or 2-D"));
    }
}
