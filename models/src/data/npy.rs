//! Images from a `.npy` array: `uint8` (scaled by 1/255) or `float32`/`float64` already in
//! [0, 1], of shape `[n, h, w]`, `[n, 1, h, w]` or `[n, d]` with `d` a perfect square
//! (`h = w = √d`), C order. Labels, when present, come from a sibling `<stem>.labels.npy` or
//! else `labels.npy` in the same folder: 1-D integers, one per image.

use std::path::{Path, PathBuf};

use super::error::DataError;
use super::image_set::ImageSet;

/// A parsed `.npy` array: its shape and values as f64.
struct Array {
    shape: Vec<usize>,
    /// Element type: `u8`, `f32`, `i64`, ….
    kind: Kind,
    data: Vec<f64>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    U8,
    Float,
    /// Any other integer type.
    Int,
}

/// The header of a plain (non-structured) array is one flat dict: exactly one `{`, at most one
/// `(` (the shape), no `[`. Anything else is rejected before npyz's header parser sees it (a
/// header of many nested `{` would stall it; see `crate::io::parse_npy`). Returns the offset of
/// the data after the header.
fn check_flat_header(bytes: &[u8]) -> Result<usize, String> {
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err("not a .npy file (no NUMPY magic)".into());
    }
    let (len, start): (usize, usize) = match bytes[6] {
        1 => (usize::from(u16::from_le_bytes([bytes[8], bytes[9]])), 10),
        2 | 3 if bytes.len() >= 12 => (u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize, 12),
        v => return Err(format!("unsupported .npy version {v}")),
    };
    let header = bytes.get(start..start.saturating_add(len)).ok_or("truncated .npy header")?;
    let count = |c: u8| header.iter().filter(|&&h| h == c).count();
    if count(b'{') == 1 && count(b'(') <= 1 && count(b'[') == 0 {
        Ok(start + len)
    } else {
        Err("malformed .npy header".into())
    }
}

/// Parses `.npy` bytes of any rank into f64 values (`path` names the file in errors).
fn parse_array(bytes: &[u8], path: &Path) -> Result<Array, DataError> {
    let offset = check_flat_header(bytes).map_err(|m| DataError::format(path, m))?;
    let npy = npyz::NpyFile::new(bytes).map_err(|e| DataError::format(path, format!("not a valid .npy file: {e}")))?;
    if npy.order() != npyz::Order::C {
        return Err(DataError::format(path, "Fortran-ordered array; save a C-ordered one"));
    }
    let shape: Vec<usize> = npy.shape().iter().map(|&d| d as usize).collect();
    let dtype = npy.dtype();
    let npyz::DType::Plain(ts) = &dtype else {
        return Err(DataError::format(path, "structured arrays are not supported"));
    };
    let (tc, size) = (ts.type_char(), ts.size_field());
    // A tiny file claiming a huge shape is rejected before anything is allocated.
    let count = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
    let needed = count.zip(usize::try_from(size).ok()).and_then(|(c, w)| c.checked_mul(w));
    let (Some(count), Some(needed)) = (count, needed) else {
        return Err(DataError::shape(path, format!("shape {shape:?} is too large")));
    };
    let have = bytes.len() - offset;
    if needed > have {
        let msg = format!("truncated: shape {shape:?} needs {needed} data bytes, the file has {have}");
        return Err(DataError::shape(path, msg));
    }
    let bad = |e: std::io::Error| DataError::format(path, format!("cannot decode the array: {e}"));
    use npyz::TypeChar::{Float, Int, Uint};
    let (kind, data): (Kind, Vec<f64>) = match (tc, size) {
        (Uint, 1) => (Kind::U8, npy.into_vec::<u8>().map_err(bad)?.into_iter().map(f64::from).collect()),
        (Float, 4) => (Kind::Float, npy.into_vec::<f32>().map_err(bad)?.into_iter().map(f64::from).collect()),
        (Float, 8) => (Kind::Float, npy.into_vec::<f64>().map_err(bad)?),
        (Int, 1) => (Kind::Int, npy.into_vec::<i8>().map_err(bad)?.into_iter().map(f64::from).collect()),
        (Int, 2) => (Kind::Int, npy.into_vec::<i16>().map_err(bad)?.into_iter().map(f64::from).collect()),
        (Int, 4) => (Kind::Int, npy.into_vec::<i32>().map_err(bad)?.into_iter().map(f64::from).collect()),
        (Int, 8) => (Kind::Int, npy.into_vec::<i64>().map_err(bad)?.into_iter().map(|v| v as f64).collect()),
        (Uint, 2) => (Kind::Int, npy.into_vec::<u16>().map_err(bad)?.into_iter().map(f64::from).collect()),
        (Uint, 4) => (Kind::Int, npy.into_vec::<u32>().map_err(bad)?.into_iter().map(f64::from).collect()),
        (Uint, 8) => (Kind::Int, npy.into_vec::<u64>().map_err(bad)?.into_iter().map(|v| v as f64).collect()),
        (c, s) => return Err(DataError::format(path, format!("unsupported dtype {c:?} of {s} bytes"))),
    };
    if data.len() != count {
        let msg = format!("shape {shape:?} but {} values", data.len());
        return Err(DataError::shape(path, msg));
    }
    Ok(Array { shape, kind, data })
}

fn read_array(path: &Path) -> Result<Array, DataError> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    parse_array(&bytes, path)
}

/// `(n, h, w)` of an image array shape.
fn image_shape(shape: &[usize], path: &Path) -> Result<(usize, usize, usize), DataError> {
    let (n, h, w) = match *shape {
        [n, h, w] | [n, 1, h, w] => (n, h, w),
        [n, d] => {
            let s = d.isqrt();
            if s * s != d {
                let msg = format!("rows of {d} values are not square images; save the array as [n, height, width]");
                return Err(DataError::shape(path, msg));
            }
            (n, s, s)
        }
        _ => {
            let msg = format!("shape {shape:?} is not [n, h, w], [n, 1, h, w] or [n, h*w] with h = w");
            return Err(DataError::shape(path, msg));
        }
    };
    if n == 0 {
        return Err(DataError::empty(path, "the array holds no images"));
    }
    if h == 0 || w == 0 {
        return Err(DataError::shape(path, format!("shape {shape:?} has images of zero size")));
    }
    Ok((n, h, w))
}

/// The labels file that goes with `path`, if any: `<stem>.labels.npy`, else `labels.npy` in
/// the same folder (unless that is `path` itself).
pub fn labels_path_for(path: &Path) -> Option<PathBuf> {
    let stem = path.file_stem()?.to_string_lossy();
    let own = path.with_file_name(format!("{stem}.labels.npy"));
    if own.is_file() {
        return Some(own);
    }
    let shared = path.with_file_name("labels.npy");
    (shared.is_file() && path.file_name() != Some(std::ffi::OsStr::new("labels.npy"))).then_some(shared)
}

/// Reads 1-D integer labels, one per image; non-negative values are mapped to dense class ids
/// in increasing order of value, whose names are the original values (so labels 0..k that all
/// occur keep their ids). Returns `(ids, class_names)`.
pub fn read_npy_labels(path: &Path, n: usize) -> Result<(Vec<usize>, Vec<String>), DataError> {
    let a = read_array(path)?;
    if a.kind == Kind::Float {
        return Err(DataError::label(path, "labels must be an integer array, found floats"));
    }
    if a.shape.len() != 1 {
        return Err(DataError::shape(path, format!("labels must be 1-D, found shape {:?}", a.shape)));
    }
    if a.data.len() != n {
        return Err(DataError::shape(path, format!("{} labels for {n} images", a.data.len())));
    }
    if let Some(i) = a.data.iter().position(|&v| v < 0.0) {
        return Err(DataError::label(path, format!("label {i} is {}, labels must be ≥ 0", a.data[i])));
    }
    let raw: Vec<u64> = a.data.iter().map(|&v| v as u64).collect();
    let mut values = raw.clone();
    values.sort_unstable();
    values.dedup();
    let ids = raw.iter().map(|v| values.partition_point(|u| u < v)).collect();
    Ok((ids, values.iter().map(u64::to_string).collect()))
}

/// Loads a `.npy` image array (see the module docs) with its labels if a labels file exists.
/// NaN, infinite or out-of-range float values are an error.
pub fn load_npy(path: &Path, name: &str) -> Result<ImageSet, DataError> {
    let a = read_array(path)?;
    let (n, h, w) = image_shape(&a.shape, path)?;
    let pixels: Vec<f32> = match a.kind {
        Kind::U8 => a.data.iter().map(|&v| (v / 255.0) as f32).collect(),
        Kind::Float => {
            if let Some(i) = a.data.iter().position(|v| !(0.0..=1.0).contains(v)) {
                return Err(DataError::Value { path: path.into(), index: i, value: a.data[i], range: "[0, 1]" });
            }
            a.data.iter().map(|&v| v as f32).collect()
        }
        Kind::Int => {
            return Err(DataError::format(path, "images must be uint8 (0–255) or float32/float64 in [0, 1]"));
        }
    };
    let (labels, class_names) = match labels_path_for(path) {
        Some(lp) => {
            let (l, c) = read_npy_labels(&lp, n)?;
            (Some(l), c)
        }
        None => (None, Vec::new()),
    };
    Ok(ImageSet { name: name.to_string(), pixels, n, height: h, width: w, labels, class_names })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::super::tests::TempDir;
    use super::super::{DataSource, load_all, load_split};
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

    fn f32_bytes(v: &[f32]) -> Vec<u8> {
        v.iter().flat_map(|x| x.to_le_bytes()).collect()
    }

    #[test]
    fn u8_images_with_own_labels() {
        let dir = TempDir::new("npy-u8");
        let p = dir.path().join("imgs.npy");
        let px: Vec<u8> = (0..5 * 2 * 3).map(|v| (v * 8) as u8).collect();
        std::fs::write(&p, npy_bytes("|u1", &[5, 2, 3], &px)).unwrap();
        let labels: Vec<u8> = [7i64, 3, 7, 3, 7].iter().flat_map(|v| v.to_le_bytes()).collect();
        std::fs::write(dir.path().join("imgs.labels.npy"), npy_bytes("<i8", &[5], &labels)).unwrap();
        let s = load_all(&DataSource::Path(p.clone())).unwrap();
        assert_eq!((s.name.as_str(), s.n, s.height, s.width), ("imgs", 5, 2, 3));
        assert_eq!(s.pixels[1], 8.0 / 255.0);
        assert_eq!(s.labels, Some(vec![1, 0, 1, 0, 1]));
        assert_eq!(s.class_names, vec!["3", "7"]);
        let split = load_split(&DataSource::Path(p), None, None, 1).unwrap();
        assert_eq!((split.train.n, split.test.n), (4, 1));
    }

    #[test]
    fn f32_flat_rows_with_shared_labels_and_nchw() {
        let dir = TempDir::new("npy-f32");
        let p = dir.path().join("x.npy");
        let v: Vec<f32> = (0..3 * 4).map(|i| i as f32 / 11.0).collect();
        std::fs::write(&p, npy_bytes("<f4", &[3, 4], &f32_bytes(&v))).unwrap();
        let s = load_npy(&p, "x").unwrap();
        assert_eq!((s.n, s.height, s.width, s.labels.clone()), (3, 2, 2, None));
        assert_eq!(s.pixels, v);
        std::fs::write(dir.path().join("labels.npy"), npy_bytes("|u1", &[3], &[0, 1, 0])).unwrap();
        assert_eq!(load_npy(&p, "x").unwrap().labels, Some(vec![0, 1, 0]));
        let q = dir.path().join("y.npy");
        std::fs::write(&q, npy_bytes("<f4", &[3, 1, 2, 2], &f32_bytes(&v))).unwrap();
        let s = load_npy(&q, "y").unwrap();
        assert_eq!((s.n, s.height, s.width, s.num_classes()), (3, 2, 2, 2));
        // The wrong number of labels.
        std::fs::write(dir.path().join("labels.npy"), npy_bytes("|u1", &[2], &[0, 1])).unwrap();
        let e = load_npy(&p, "x").unwrap_err();
        assert!(matches!(e, DataError::Shape { .. }) && e.to_string().contains("labels.npy"), "{e}");
    }

    #[test]
    fn npy_errors() {
        let dir = TempDir::new("npy-err");
        let write = |name: &str, bytes: Vec<u8>| {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).unwrap();
            p
        };
        let p = write("big.npy", npy_bytes("<f4", &[1, 4], &f32_bytes(&[0.0, 0.5, 1.5, 0.2])));
        let e = load_npy(&p, "big").unwrap_err();
        assert!(matches!(e, DataError::Value { index: 2, .. }), "{e}");
        assert!(e.to_string().contains("big.npy") && e.to_string().contains("1.5"), "{e}");
        let p = write("nan.npy", npy_bytes("<f4", &[1, 1], &f32_bytes(&[f32::NAN])));
        assert!(matches!(load_npy(&p, "nan"), Err(DataError::Value { .. })));
        let p = write("flat.npy", npy_bytes("|u1", &[2, 3], &[0; 6]));
        assert!(matches!(load_npy(&p, "flat"), Err(DataError::Shape { .. })));
        let p = write("none.npy", npy_bytes("|u1", &[0, 2, 2], &[]));
        assert!(matches!(load_npy(&p, "none"), Err(DataError::Empty { .. })));
        let p = write("short.npy", npy_bytes("|u1", &[4, 2, 2], &[0; 6]));
        assert!(matches!(load_npy(&p, "short"), Err(DataError::Shape { .. })));
        let p = write("ints.npy", npy_bytes("<i4", &[1, 1], &[0; 4]));
        assert!(matches!(load_npy(&p, "ints"), Err(DataError::Format { .. })));
        let p = write("junk.npy", b"hello".to_vec());
        assert!(matches!(load_npy(&p, "junk"), Err(DataError::Format { .. })));
        let p = write("neg.npy", npy_bytes("|u1", &[2, 1, 1], &[0, 1]));
        write("neg.labels.npy", npy_bytes("|i1", &[2], &[0, 0xff]));
        assert!(matches!(load_npy(&p, "neg"), Err(DataError::Label { .. })));
    }
}
