//! A user's own slices with masks (`--data <folder>`): every `NAME.png` / `NAME.npy` /
//! `NAME.dcm` (not ending in `_mask`) is an image and needs `NAME_mask.png` or `NAME_mask.npy`
//! beside it, the per-pixel class ids 0..K−1 (PNG: the grey value is the id). Images: PNG/JPEG
//! (values / 255), `.npy` of shape (H, W) or (H, W, C) with C = 1 or 3 (uint8 / 255; any other
//! dtype scaled by its 1st and 99th percentiles and clamped to [0, 1]), or a DICOM slice with
//! native pixel data ([`super::dicom`]; the first frame; 8-bit unsigned without a rescale / 255,
//! else the rescaled values (HU for CT) scaled by their 1st and 99th percentiles; MONOCHROME1
//! inverted). Every image needs the same number of channels; an optional `classes.txt` names the
//! classes, one per line.

use super::dicom::read_dicom;
use super::image::{LabelledImage, decode_image};
use super::source::MedicalSet;
use crate::io::npy::{ElementKind, parse_npy_array};
use crate::{Error, Result};
use std::path::{Path, PathBuf};

/// An image file's `(height, width, channels, values in [0, 1])`.
fn read_image(path: &Path) -> Result<(usize, usize, usize, Vec<f32>)> {
    if has_extension(path, "dcm") {
        return read_dicom_image(path);
    }
    let what = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if path.extension().is_some_and(|e| e == "npy") {
        let a = parse_npy_array(&bytes).map_err(|e| Error::table(path, e))?;
        let (h, w, c) = match a.shape[..] {
            [h, w] => (h, w, 1),
            [h, w, c] if c == 1 || c == 3 => (h, w, c),
            _ => {
                return Err(Error::invalid_file(
                    path,
                    format!("expected shape (H, W) or (H, W, 1|3), found {:?}", a.shape),
                ));
            }
        };
        if let Some(i) = a.data.iter().position(|v| !v.is_finite()) {
            return Err(Error::invalid_file(path, format!("value {i} is not finite")));
        }
        let px = if a.kind == ElementKind::U8 {
            a.data.iter().map(|&v| (v / 255.0) as f32).collect()
        } else {
            percentile_scaled(&a.data)
        };
        return Ok((h, w, c, px));
    }
    decode_image(&bytes, &what)
}

/// A DICOM slice's `(height, width, channels, values in [0, 1])`.
fn read_dicom_image(path: &Path) -> Result<(usize, usize, usize, Vec<f32>)> {
    let slice = read_dicom(path)?;
    let plain_bytes = slice.bits_allocated == 8 && !slice.signed && slice.slope == 1.0 && slice.intercept == 0.0;
    let mut px: Vec<f32> = if plain_bytes {
        slice.stored.iter().map(|&v| v as f32 / 255.0).collect()
    } else {
        percentile_scaled(&slice.rescaled())
    };
    if slice.photometric == "MONOCHROME1" {
        px.iter_mut().for_each(|v| *v = 1.0 - *v);
    }
    Ok((slice.rows, slice.columns, slice.samples, px))
}

/// `values` scaled by their 1st and 99th percentiles and clamped to [0, 1].
fn percentile_scaled(values: &[f64]) -> Vec<f32> {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let q = |f: f64| sorted[((sorted.len() - 1) as f64 * f).round() as usize];
    let (lo, hi) = (q(0.01), q(0.99));
    let span = if hi > lo { hi - lo } else { 1.0 };
    values.iter().map(|&v| ((v - lo) / span).clamp(0.0, 1.0) as f32).collect()
}

/// `path` ends in `.EXT` (any case).
fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

/// A mask file's class ids.
fn read_mask(path: &Path) -> Result<(usize, usize, Vec<u8>)> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let (h, w, values): (usize, usize, Vec<f64>) = if path.extension().is_some_and(|e| e == "npy") {
        let a = parse_npy_array(&bytes).map_err(|e| Error::table(path, e))?;
        let [h, w] = a.shape[..] else {
            return Err(Error::invalid_file(path, format!("a mask must be 2-D, found shape {:?}", a.shape)));
        };
        (h, w, a.data)
    } else {
        let img = image::load_from_memory(&bytes).map_err(|source| Error::ImageDecode {
            what: path.display().to_string(),
            kind: "mask",
            source,
        })?;
        let g = img.to_luma8();
        (g.height() as usize, g.width() as usize, g.as_raw().iter().map(|&v| f64::from(v)).collect())
    };
    let labels = values
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if v.fract() == 0.0 && (0.0..=255.0).contains(&v) {
                Ok(v as u8)
            } else {
                Err(Error::invalid_file(path, format!("entry {i} ({v}) is not a class id in 0..=255")))
            }
        })
        .collect::<Result<Vec<u8>>>()?;
    Ok((h, w, labels))
}

/// The mask file of image `path`, if one exists.
fn mask_for(path: &Path) -> Option<PathBuf> {
    let stem = path.file_stem()?.to_string_lossy().into_owned();
    ["png", "npy"].iter().map(|ext| path.with_file_name(format!("{stem}_mask.{ext}"))).find(|p| p.is_file())
}

/// Loads every image/mask pair of `dir`.
pub fn load_folder(dir: &Path) -> Result<MedicalSet> {
    let what = dir.display();
    let entries =
        std::fs::read_dir(dir).map_err(|e| Error::Usage(format!("{what}: {e} (expected ct, fundus or a folder)")))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
            let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("");
            ["png", "npy", "jpg", "jpeg", "dcm"].contains(&ext.as_str()) && !stem.ends_with("_mask")
        })
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(Error::invalid_file(
            dir,
            "no images (NAME.png / NAME.npy / NAME.dcm with NAME_mask.png / NAME_mask.npy)",
        ));
    }
    let mut images = Vec::new();
    for p in &paths {
        let mask = mask_for(p).ok_or_else(|| Error::invalid_file(p, "no mask (expected NAME_mask.png or .npy)"))?;
        let (h, w, c, pixels) = read_image(p)?;
        let (mh, mw, labels) = read_mask(&mask)?;
        if (mh, mw) != (h, w) {
            return Err(Error::invalid_file(mask, format!("mask is {mh}×{mw}, image is {h}×{w}")));
        }
        if h < 8 || w < 8 {
            return Err(Error::invalid_file(p, format!("image is {h}×{w}, at least 8×8 is needed")));
        }
        let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        images.push(LabelledImage { name, height: h, width: w, channels: c, pixels, labels });
    }
    let channels = images[0].channels;
    if let Some(bad) = images.iter().find(|i| i.channels != channels) {
        let message = format!("{} has {} channels, {} has {channels}", bad.name, bad.channels, images[0].name);
        return Err(Error::invalid_file(dir, message));
    }
    let k = images.iter().flat_map(|i| i.labels.iter()).map(|&l| usize::from(l) + 1).max().unwrap_or(1);
    let names_file = dir.join("classes.txt");
    let classes: Vec<String> = if names_file.is_file() {
        let text = std::fs::read_to_string(&names_file).map_err(|e| Error::io(&names_file, e))?;
        let names: Vec<String> = text.lines().map(str::trim).filter(|l| !l.is_empty()).map(String::from).collect();
        if names.len() < k {
            return Err(Error::invalid_file(&names_file, format!("{} names for {k} classes", names.len())));
        }
        names
    } else {
        (0..k).map(|i| format!("class {i}")).collect()
    };
    if classes.len() < 2 {
        return Err(Error::invalid_file(dir, "the masks hold a single class; at least two are needed"));
    }
    Ok(MedicalSet {
        name: what.to_string(),
        classes,
        channels,
        images,
        ood_sources: Vec::new(),
        label_rule: "the folder's own masks".into(),
    })
}
