//! The medical data of a run (`--data`): the bundled CT slice (`ct`), the bundled fundus
//! photograph (`fundus`), or a user's folder of slices with masks ([`super::folder`]), each
//! with its inlier labels ([`super::labels`]) and the other images OOD patches are cut from.

use super::dicom::parse_dicom;
use super::image::{GreyImage, LabelledImage, box_downscale, decode_image, to_grey};
use super::labels::{CT_CLASSES, FUNDUS_CLASSES, ct_labels, fundus_labels};
use crate::io::bundled::bundled_file;
use crate::{Error, Result};
use std::path::PathBuf;
use std::str::FromStr;

/// Side of the fundus photograph after box downscaling (the original is 1411 × 1411).
pub const FUNDUS_SIDE: usize = 256;
/// HU window mapped to [0, 1] for the network input: (HU + 1000) / 2000, clamped.
pub const CT_WINDOW: (f64, f64) = (-1000.0, 1000.0);

/// Where a medical run's images come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MedicalSource {
    /// The bundled 128 × 128 CT slice (pydicom's `CT_small.dcm`), HU tissue classes.
    Ct,
    /// The bundled fundus photograph (scikit-image's `retina.jpg`), FOV / vessel / retina.
    Fundus,
    /// A folder of images with `_mask` files.
    Folder(PathBuf),
}

impl FromStr for MedicalSource {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "ct" => Ok(MedicalSource::Ct),
            "fundus" => Ok(MedicalSource::Fundus),
            "" => Err(Error::Usage("empty data source (expected ct, fundus or a folder)".into())),
            path => Ok(MedicalSource::Folder(PathBuf::from(path))),
        }
    }
}

impl MedicalSource {
    /// The name reports use.
    pub fn name(&self) -> String {
        match self {
            MedicalSource::Ct => "ct".into(),
            MedicalSource::Fundus => "fundus".into(),
            MedicalSource::Folder(p) => p.display().to_string(),
        }
    }
}

/// Labelled inlier images plus the images OOD patches are cut from.
#[derive(Clone, Debug)]
pub struct MedicalSet {
    /// Data set name.
    pub name: String,
    /// Class names (index = label id).
    pub classes: Vec<String>,
    /// Channels of every image.
    pub channels: usize,
    /// The labelled images.
    pub images: Vec<LabelledImage>,
    /// Grey images patches are pasted from as OOD objects (other modalities / textures).
    pub ood_sources: Vec<GreyImage>,
    /// How the labels were derived (for the report).
    pub label_rule: String,
}

/// A bundled grey image in [0, 1] (PNG, or a DICOM slice scaled by its min and max).
fn bundled_grey(rel: &str) -> Result<GreyImage> {
    let (bytes, path) = bundled_file(rel)?;
    if rel.ends_with(".dcm") {
        let slice = parse_dicom(&bytes, &path)?;
        let v = slice.rescaled();
        let (lo, hi) = v.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(l, u), &v| (l.min(v), u.max(v)));
        let span = (hi - lo).max(f64::MIN_POSITIVE);
        let pixels: Vec<f32> = v.iter().map(|&v| ((v - lo) / span) as f32).collect();
        return Ok(GreyImage {
            name: rel.into(),
            height: slice.rows,
            width: slice.columns,
            pixels: to_grey(&pixels, slice.samples),
        });
    }
    let (h, w, c, px) = decode_image(&bytes, &path.display().to_string())?;
    Ok(GreyImage { name: rel.into(), height: h, width: w, pixels: to_grey(&px, c) })
}

/// The CT slice with its HU classes (HU = stored · `RescaleSlope` + `RescaleIntercept` of the
/// DICOM header); OOD patches from the MR slice and the cell image.
pub fn load_ct() -> Result<MedicalSet> {
    let (bytes, path) = bundled_file("medical/ct_small/CT_small.dcm")?;
    let slice = parse_dicom(&bytes, &path)?;
    if slice.samples != 1 {
        return Err(Error::invalid_file(path, "expected a grey slice"));
    }
    let (h, w, slope, intercept) = (slice.rows, slice.columns, slice.slope, slice.intercept);
    let hu = slice.rescaled();
    let (lo, hi) = CT_WINDOW;
    let pixels = hu.iter().map(|&v| ((v - lo) / (hi - lo)).clamp(0.0, 1.0) as f32).collect();
    let image =
        LabelledImage { name: "CT_small".into(), height: h, width: w, channels: 1, pixels, labels: ct_labels(&hu) };
    Ok(MedicalSet {
        name: "ct".into(),
        classes: CT_CLASSES.iter().map(|s| s.to_string()).collect(),
        channels: 1,
        images: vec![image],
        ood_sources: vec![bundled_grey("medical/mr_small/MR_small.dcm")?, bundled_grey("stills/cell.png")?],
        label_rule: format!(
            "CT_small.dcm (pydicom), HU = stored·{slope} + {intercept}: air < −400 ≤ fat < −30 ≤ soft tissue < 200 ≤ bone; \
             input (HU + 1000)/2000 clamped to [0, 1]"
        ),
    })
}

/// The fundus photograph (box-downscaled to 256 × 256) with FOV / vessel / retina classes; OOD
/// patches from the microaneurysm detail and the cell image.
pub fn load_fundus() -> Result<MedicalSet> {
    let (bytes, path) = bundled_file("medical/fundus/retina.jpg")?;
    let (h, w, c, px) = decode_image(&bytes, &path.display().to_string())?;
    if c != 3 {
        return Err(Error::invalid_file(path, "expected an RGB image"));
    }
    let s = FUNDUS_SIDE;
    let pixels = box_downscale(&px, h, w, 3, s, s);
    let labels = fundus_labels(&pixels, s, s);
    let image = LabelledImage { name: "retina".into(), height: s, width: s, channels: 3, pixels, labels };
    Ok(MedicalSet {
        name: "fundus".into(),
        classes: FUNDUS_CLASSES.iter().map(|s| s.to_string()).collect(),
        channels: 3,
        images: vec![image],
        ood_sources: vec![bundled_grey("medical/fundus/microaneurysms.png")?, bundled_grey("stills/cell.png")?],
        label_rule: format!(
            "retina.jpg (scikit-image) box-downscaled to {s}×{s}: outside FOV where red < {}, vessels where the black \
             top-hat (disc radius {}) of the green channel exceeds its Otsu threshold inside the FOV, else retina",
            super::labels::FOV_RED,
            super::labels::TOPHAT_RADIUS
        ),
    })
}

/// Loads `source`.
pub fn load_source(source: &MedicalSource) -> Result<MedicalSet> {
    match source {
        MedicalSource::Ct => load_ct(),
        MedicalSource::Fundus => load_fundus(),
        MedicalSource::Folder(dir) => {
            let mut set = super::folder::load_folder(dir)?;
            set.ood_sources =
                vec![bundled_grey("medical/fundus/microaneurysms.png")?, bundled_grey("stills/cell.png")?];
            Ok(set)
        }
    }
}
