//! Images from a `.npy` array: `uint8` (scaled by 1/255) or `float32`/`float64` already in
//! [0, 1], of shape `[n, h, w]`, `[n, 1, h, w]` or `[n, d]` with `d` a perfect square
//! (`h = w = √d`), C order. Labels, when present, come from a sibling `<stem>.labels.npy` or
//! else `labels.npy` in the same folder: 1-D integers, one per image.

use std::path::{Path, PathBuf};

use super::error::DataError;
use super::image_set::ImageSet;
use crate::io::{ElementKind, NpyArray, NpyError, parse_npy_array};

/// Reads and decodes a `.npy` file of any rank (`crate::io::npy`), errors naming `path`.
fn read_array(path: &Path) -> Result<NpyArray, DataError> {
    let bytes = std::fs::read(path).map_err(|e| DataError::io(path, e))?;
    parse_npy_array(&bytes).map_err(|e| match e {
        NpyError::Format(m) => DataError::format(path, m),
        NpyError::Shape(m) => DataError::shape(path, m),
    })
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
    if a.kind == ElementKind::Float {
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
        ElementKind::U8 => a.data.iter().map(|&v| (v / 255.0) as f32).collect(),
        ElementKind::Float => {
            if let Some(i) = a.data.iter().position(|v| !(0.0..=1.0).contains(v)) {
                return Err(DataError::Value { path: path.into(), index: i, value: a.data[i], range: "[0, 1]" });
            }
            a.data.iter().map(|&v| v as f32).collect()
        }
        ElementKind::Int => {
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
    use crate::io::npy::tests::npy_bytes;

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
