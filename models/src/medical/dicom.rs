//! DICOM slices: the header through `dicom-object`, the native (uncompressed) pixel data decoded
//! here from the `PixelData` element with `Rows`, `Columns`, `SamplesPerPixel`,
//! `PlanarConfiguration`, `BitsAllocated`, `BitsStored` and `PixelRepresentation` — the stored
//! values pydicom's `pixel_array` gives (bits above `BitsStored` masked off, signed values
//! sign-extended) — and the modality rescale (`RescaleSlope`, `RescaleIntercept`: HU for CT).
//!
//! Compressed (encapsulated) transfer syntaxes are refused with
//! [`Error::DicomTransferSyntax`], naming the file and the syntax: no image codecs are linked.

use crate::{Error, Result};
use dicom_core::header::HasLength;
use dicom_dictionary_std::tags;
use dicom_encoding::TransferSyntaxIndex;
use dicom_object::file::ReadPreamble;
use dicom_object::{DefaultDicomObject, FileMetaTable, OpenFileOptions, Tag};
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use std::path::Path;

/// The transfer syntaxes whose pixel data is read: Implicit VR Little Endian, Explicit VR Little
/// Endian, Explicit VR Big Endian (retired), Deflated Explicit VR Little Endian.
pub const NATIVE_TRANSFER_SYNTAXES: [&str; 4] =
    ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.1.99"];

/// One decoded DICOM frame.
#[derive(Clone, Debug, PartialEq)]
pub struct DicomSlice {
    /// Rows.
    pub rows: usize,
    /// Columns.
    pub columns: usize,
    /// Samples per pixel (1 grey, 3 RGB).
    pub samples: usize,
    /// Stored values (before the rescale), row-major, channel-last:
    /// `(y · columns + x) · samples + c` — pydicom's `pixel_array`.
    pub stored: Vec<i64>,
    /// `RescaleSlope` (1 when absent).
    pub slope: f64,
    /// `RescaleIntercept` (0 when absent).
    pub intercept: f64,
    /// `PhotometricInterpretation` (`MONOCHROME2`, `MONOCHROME1`, `RGB`).
    pub photometric: String,
    /// `BitsAllocated` (8, 16 or 32).
    pub bits_allocated: u16,
    /// `PixelRepresentation` is 1 (two's complement).
    pub signed: bool,
}

impl DicomSlice {
    /// The modality values: stored · slope + intercept (Hounsfield units for CT).
    pub fn rescaled(&self) -> Vec<f64> {
        self.stored.iter().map(|&s| s as f64 * self.slope + self.intercept).collect()
    }
}

/// Reads the DICOM file `path` ([`parse_dicom`]).
pub fn read_dicom(path: &Path) -> Result<DicomSlice> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    parse_dicom(&bytes, path)
}

/// A parse error of the file `path`.
fn unreadable(path: &Path, source: impl std::error::Error + Send + Sync + 'static) -> Error {
    Error::Dicom { path: path.into(), source: Box::new(source) }
}

/// Decodes the first frame of a DICOM file's bytes (`path` names it in errors): a Part 10 file
/// (128-byte preamble, or none) with native pixel data.
pub fn parse_dicom(bytes: &[u8], path: &Path) -> Result<DicomSlice> {
    let start = if bytes.get(128..132) == Some(b"DICM") {
        128
    } else if bytes.get(..4) == Some(b"DICM") {
        0
    } else {
        return Err(Error::invalid_file(path, "not a DICOM file (no `DICM` marker after a 128-byte preamble)"));
    };
    let meta = FileMetaTable::from_reader(&bytes[start..]).map_err(|e| unreadable(path, e))?;
    let uid = meta.transfer_syntax();
    if !NATIVE_TRANSFER_SYNTAXES.contains(&uid) {
        let name = TransferSyntaxRegistry.get(uid).map_or_else(|| "unknown".to_string(), |ts| ts.name().to_string());
        return Err(Error::DicomTransferSyntax { path: path.into(), uid: uid.into(), name });
    }
    let obj = OpenFileOptions::new()
        .read_preamble(ReadPreamble::Never)
        .from_reader(&bytes[start..])
        .map_err(|e| unreadable(path, e))?;
    decode_native(&obj, path)
}

/// An unsigned integer attribute; `default` when absent.
fn uint(obj: &DefaultDicomObject, tag: Tag, name: &str, default: Option<u32>, path: &Path) -> Result<u32> {
    match obj.element_opt(tag).map_err(|e| unreadable(path, e))? {
        Some(e) => e.to_int::<u32>().map_err(|e| Error::invalid_file(path, format!("{name}: {e}"))),
        None => default.ok_or_else(|| Error::invalid_file(path, format!("no {name} attribute"))),
    }
}

/// A decimal attribute; `default` when absent or empty.
fn decimal(obj: &DefaultDicomObject, tag: Tag, name: &str, default: f64, path: &Path) -> Result<f64> {
    match obj.element_opt(tag).map_err(|e| unreadable(path, e))? {
        Some(e) if !e.is_empty() => {
            let v = e.to_float64().map_err(|e| Error::invalid_file(path, format!("{name}: {e}")))?;
            if v.is_finite() { Ok(v) } else { Err(Error::invalid_file(path, format!("{name} is {v}"))) }
        }
        _ => Ok(default),
    }
}

/// The first frame of native pixel data.
fn decode_native(obj: &DefaultDicomObject, path: &Path) -> Result<DicomSlice> {
    let rows = uint(obj, tags::ROWS, "Rows", None, path)? as usize;
    let columns = uint(obj, tags::COLUMNS, "Columns", None, path)? as usize;
    let samples = uint(obj, tags::SAMPLES_PER_PIXEL, "SamplesPerPixel", Some(1), path)? as usize;
    let bits_allocated = uint(obj, tags::BITS_ALLOCATED, "BitsAllocated", None, path)?;
    let bits_stored = uint(obj, tags::BITS_STORED, "BitsStored", Some(bits_allocated), path)?;
    let signed = uint(obj, tags::PIXEL_REPRESENTATION, "PixelRepresentation", Some(0), path)? == 1;
    let planar = uint(obj, tags::PLANAR_CONFIGURATION, "PlanarConfiguration", Some(0), path)? == 1;
    let photometric = match obj.element_opt(tags::PHOTOMETRIC_INTERPRETATION).map_err(|e| unreadable(path, e))? {
        Some(e) => e.to_str().map_err(|e| Error::invalid_file(path, format!("PhotometricInterpretation: {e}")))?,
        None => "MONOCHROME2".into(),
    }
    .trim()
    .to_string();
    if rows == 0 || columns == 0 {
        return Err(Error::invalid_file(path, format!("image is {rows}×{columns}")));
    }
    match (samples, photometric.as_str()) {
        (1, "MONOCHROME1" | "MONOCHROME2") | (3, "RGB") => {}
        _ => {
            let message = format!(
                "photometric interpretation {photometric} with {samples} sample(s) per pixel is not supported \
                 (MONOCHROME1, MONOCHROME2 or RGB)"
            );
            return Err(Error::invalid_file(path, message));
        }
    }
    if ![8, 16, 32].contains(&bits_allocated) || bits_stored == 0 || bits_stored > bits_allocated {
        let message = format!("BitsAllocated {bits_allocated} with BitsStored {bits_stored} is not supported");
        return Err(Error::invalid_file(path, message));
    }
    let element = obj.element(tags::PIXEL_DATA).map_err(|_| Error::invalid_file(path, "no pixel data"))?;
    let data = element.value().primitive().ok_or_else(|| Error::invalid_file(path, "pixel data is not native"))?;
    let count = rows * columns * samples;
    let width = bits_allocated as usize / 8;
    // Stored words, before masking. `dicom-object` decodes OW data as 16-bit words (byte order
    // done); OB data (and OW read without a VR, in Implicit VR Little Endian) arrive as bytes.
    let big_endian = obj.meta().transfer_syntax() == NATIVE_TRANSFER_SYNTAXES[2];
    let words: Vec<u32> = match data {
        dicom_core::PrimitiveValue::U16(v) if width == 2 => v.iter().map(|&w| u32::from(w)).collect(),
        dicom_core::PrimitiveValue::I16(v) if width == 2 => v.iter().map(|&w| u32::from(w as u16)).collect(),
        dicom_core::PrimitiveValue::U32(v) if width == 4 => v.to_vec(),
        _ => {
            let b = data.to_bytes();
            b.chunks_exact(width)
                .map(|c| {
                    let mut w = [0u8; 4];
                    if big_endian {
                        w[4 - width..].copy_from_slice(c);
                        u32::from_be_bytes(w)
                    } else {
                        w[..width].copy_from_slice(c);
                        u32::from_le_bytes(w)
                    }
                })
                .collect()
        }
    };
    if words.len() < count {
        let message = format!("pixel data holds {} values, {rows}×{columns}×{samples} are needed", words.len());
        return Err(Error::invalid_file(path, message));
    }
    let mask = if bits_stored == 32 { u32::MAX } else { (1u32 << bits_stored) - 1 };
    let value = |w: u32| -> i64 {
        let v = i64::from(w & mask);
        if signed && (v >> (bits_stored - 1)) & 1 == 1 { v - (1i64 << bits_stored) } else { v }
    };
    let frame = &words[..count];
    let stored: Vec<i64> = if planar && samples > 1 {
        let plane = rows * columns;
        (0..count).map(|i| value(frame[(i % samples) * plane + i / samples])).collect()
    } else {
        frame.iter().map(|&w| value(w)).collect()
    };
    Ok(DicomSlice {
        rows,
        columns,
        samples,
        stored,
        slope: decimal(obj, tags::RESCALE_SLOPE, "RescaleSlope", 1.0, path)?,
        intercept: decimal(obj, tags::RESCALE_INTERCEPT, "RescaleIntercept", 0.0, path)?,
        photometric,
        bits_allocated: bits_allocated as u16,
        signed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::npy::parse_npy_array;
    use std::path::PathBuf;

    fn data(rel: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../data/medical").join(rel)
    }

    /// pydicom 3.0.2's `pixel_array` of a vendored slice (`models/tests/fixtures/dicom/`).
    fn pydicom_pixels(name: &str) -> (Vec<usize>, Vec<f64>) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dicom").join(name).join("pixels.npy");
        let a = parse_npy_array(&std::fs::read(path).unwrap()).unwrap();
        (a.shape, a.data)
    }

    fn meta(rel: &str) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(data(rel)).unwrap()).unwrap()
    }

    #[test]
    fn ct_and_mr_equal_pydicom_and_rescale_as_meta_json_says() {
        for (name, file, side) in [("ct_small", "CT_small.dcm", 128), ("mr_small", "MR_small.dcm", 64)] {
            let s = read_dicom(&data(&format!("{name}/{file}"))).unwrap();
            let (shape, expected) = pydicom_pixels(name);
            assert_eq!(shape, vec![side, side], "{name}");
            assert_eq!((s.rows, s.columns, s.samples, s.bits_allocated, s.signed), (side, side, 1, 16, true), "{name}");
            assert_eq!(s.photometric, "MONOCHROME2");
            let stored: Vec<f64> = s.stored.iter().map(|&v| v as f64).collect();
            assert_eq!(stored, expected, "{name}: decoded values differ from pydicom's");
            let m = meta(&format!("{name}/meta.json"));
            let num = |k: &str, d: f64| m.get(k).and_then(serde_json::Value::as_f64).unwrap_or(d);
            assert_eq!((s.slope, s.intercept), (num("rescale_slope", 1.0), num("rescale_intercept", 0.0)), "{name}");
            let (lo, hi) = (s.stored.iter().min().copied(), s.stored.iter().max().copied());
            assert_eq!((lo, hi), (m["pixel_min"].as_i64(), m["pixel_max"].as_i64()), "{name}");
            let physical = s.rescaled();
            for (p, e) in physical.iter().zip(&expected) {
                assert_eq!(*p, e * s.slope + s.intercept);
            }
        }
        // CT: HU = stored − 1024 (slope 1, intercept −1024 in the header).
        let ct = read_dicom(&data("ct_small/CT_small.dcm")).unwrap();
        assert_eq!((ct.slope, ct.intercept), (1.0, -1024.0));
        assert_eq!(ct.rescaled()[0], ct.stored[0] as f64 - 1024.0);
    }

    /// `bytes` re-encoded by dicom-object in the transfer syntax `uid`.
    fn transcode(bytes: &[u8], uid: &str) -> Vec<u8> {
        let obj = OpenFileOptions::new().read_preamble(ReadPreamble::Never).from_reader(&bytes[128..]).unwrap();
        let mut meta = obj.meta().clone();
        meta.transfer_syntax = format!("{uid}\0");
        if meta.transfer_syntax.len() % 2 == 1 {
            meta.transfer_syntax.pop();
        }
        meta.update_information_group_length();
        let obj = obj.into_inner().with_exact_meta(meta);
        let mut out = Vec::new();
        obj.write_all(&mut out).unwrap();
        out
    }

    #[test]
    fn other_native_syntaxes_decode_to_the_same_values() {
        let path = data("mr_small/MR_small.dcm");
        let bytes = std::fs::read(&path).unwrap();
        let reference = parse_dicom(&bytes, &path).unwrap();
        for uid in &NATIVE_TRANSFER_SYNTAXES[..] {
            let other = transcode(&bytes, uid);
            if *uid != NATIVE_TRANSFER_SYNTAXES[1] {
                assert_ne!(other[132..], bytes[132..], "{uid}: the encoding should differ");
            }
            let s = parse_dicom(&other, Path::new("transcoded.dcm")).unwrap_or_else(|e| panic!("{uid}: {e}"));
            assert_eq!(s, reference, "{uid}");
        }
    }

    #[test]
    fn garbage_and_truncated_files_are_typed_errors() {
        let path = data("ct_small/CT_small.dcm");
        let bytes = std::fs::read(&path).unwrap();
        let name = Path::new("x.dcm");
        // No DICM marker.
        let e = parse_dicom(b"definitely not a DICOM file", name).unwrap_err();
        assert!(matches!(e, Error::InvalidFile { .. }), "{e:?}");
        assert!(e.to_string().starts_with("x.dcm: not a DICOM file"), "{e}");
        // The marker, then garbage.
        let mut garbage = bytes[..132].to_vec();
        garbage.extend((0..500u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
        let e = parse_dicom(&garbage, name).unwrap_err();
        assert!(matches!(e, Error::Dicom { .. }), "{e:?}");
        assert!(e.to_string().starts_with("x.dcm: not a readable DICOM file: "), "{e}");
        // Cut inside the file meta group, inside the data set, inside the pixel data.
        for cut in [150, 1500, bytes.len() - 1000, bytes.len() - 1] {
            let e = parse_dicom(&bytes[..cut], name).unwrap_err();
            assert!(matches!(e, Error::Dicom { .. } | Error::InvalidFile { .. }), "cut at {cut}: {e:?}");
            assert!(e.to_string().starts_with("x.dcm: "), "{e}");
        }
        // A file that is not there.
        let e = read_dicom(Path::new("/nonexistent/y.dcm")).unwrap_err();
        assert!(matches!(e, Error::Io { .. }), "{e:?}");
    }

    #[test]
    fn compressed_transfer_syntaxes_are_refused_by_name() {
        // MR_small with its transfer syntax UID edited to RLE Lossless (same length, so the file
        // meta group stays consistent).
        let path = data("mr_small/MR_small.dcm");
        let mut bytes = std::fs::read(&path).unwrap();
        let (from, to) = (b"1.2.840.10008.1.2.1\0", b"1.2.840.10008.1.2.5\0");
        let at = bytes.windows(from.len()).position(|w| w == from).expect("the transfer syntax UID");
        bytes[at..at + to.len()].copy_from_slice(to);
        let e = parse_dicom(&bytes, Path::new("rle.dcm")).unwrap_err();
        let Error::DicomTransferSyntax { uid, name, .. } = &e else { panic!("{e:?}") };
        assert_eq!((uid.as_str(), name.as_str()), ("1.2.840.10008.1.2.5", "RLE Lossless"));
        let msg = e.to_string();
        assert!(msg.starts_with("rle.dcm: DICOM transfer syntax RLE Lossless (1.2.840.10008.1.2.5) is not supported"));
        // An unknown UID is named too.
        bytes[at..at + to.len()].copy_from_slice(b"1.2.840.10008.1.2.7\0");
        let e = parse_dicom(&bytes, Path::new("odd.dcm")).unwrap_err();
        assert!(e.to_string().contains("transfer syntax unknown (1.2.840.10008.1.2.7)"), "{e}");
    }

    /// The other pydicom samples of the shared data folder (not vendored: 0.8 MB): a 12-bit MR
    /// slice with overlay bits above `BitsStored`, an RGB ultrasound frame, and a JPEG-compressed
    /// one. `cargo test -p clasp-models dicom -- --ignored`; `CLASP_DICOM_SAMPLES` names the
    /// folder (default `/work/shared/data/medical/dicom`).
    #[test]
    #[ignore = "reads the shared pydicom samples outside the repository"]
    fn shared_samples_equal_pydicom() {
        let root = std::env::var_os("CLASP_DICOM_SAMPLES")
            .map_or_else(|| PathBuf::from("/work/shared/data/medical/dicom"), PathBuf::from);
        for (dir, file, shape) in [
            ("mr_abdomen", "examples_overlay.dcm", vec![300, 484]),
            ("us_doppler", "examples_rgb_color.dcm", vec![240, 320, 3]),
            ("ct_small", "CT_small.dcm", vec![128, 128]),
            ("mr_small", "MR_small.dcm", vec![64, 64]),
        ] {
            let s = read_dicom(&root.join(dir).join(file)).unwrap();
            let a = parse_npy_array(&std::fs::read(root.join(dir).join("pixels.npy")).unwrap()).unwrap();
            assert_eq!(a.shape, shape, "{dir}");
            let stored: Vec<f64> = s.stored.iter().map(|&v| v as f64).collect();
            assert!(stored == a.data, "{dir}: decoded values differ from pydicom's");
        }
        let e = read_dicom(&root.join("us_cine/examples_ybr_color.dcm")).unwrap_err();
        assert!(matches!(e, Error::DicomTransferSyntax { .. }), "{e:?}");
        assert!(e.to_string().contains("JPEG Baseline"), "{e}");
    }
}
